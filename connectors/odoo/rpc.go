package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// client talks to one Odoo database as one user, over the API detected at
// first use. It is safe for concurrent use and caches what does not change
// between calls: the API, the user id, the server version, field names of
// the models and the company.
type client struct {
	cfg       Config
	hc        *httpclient.Client
	log       *slog.Logger
	sleep     func(ctx context.Context, d time.Duration) error
	retryBase time.Duration
	retryMax  time.Duration

	mu      sync.Mutex
	ready   bool
	api     string
	uid     int64
	version string
	major   int
	fields  map[string]map[string]fieldInfo
	company *companyInfo
	cache   map[string]int64 // lookups by key: "tax:19:true", "pricelist:EUR", "country:DE" ...
	waited  time.Duration
}

type fieldInfo struct {
	Type     string `json:"type"`
	Relation string `json:"relation"`
}

type companyInfo struct {
	ID       int64
	Name     string
	Currency string
}

// readOnly are the methods that never change data: safe to retry.
var readOnly = map[string]bool{"search_read": true, "search": true, "search_count": true, "read": true, "fields_get": true,
	"context_get": true, "check_access_rights": true, "has_access": true, "name_search": true}

// fault is an error answer from Odoo: the exception's class name and
// message, and the HTTP status (JSON-2 only).
type fault struct {
	Name    string
	Message string
	Status  int
}

func (f *fault) Error() string {
	msg := f.Message
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	if f.Name == "" {
		return msg
	}
	short := f.Name[strings.LastIndexByte(f.Name, '.')+1:]
	return short + ": " + msg
}

func (f *fault) is(names ...string) bool {
	for _, n := range names {
		if strings.HasSuffix(f.Name, n) {
			return true
		}
	}
	return false
}

// classify turns an Odoo error into the SDK error kind the host acts on.
func classify(op string, f *fault) *sdk.Error {
	switch {
	case f.Status == http.StatusUnauthorized || f.is("AccessDenied", "Unauthorized"):
		return sdk.Authentication("odoo: %s: %v", op, f).
			WithDetail("Odoo refused the API key: it was revoked, expired or belongs to another database or user; create a new key in Odoo (Preferences → Account Security → New API Key)")
	case f.is("AccessError"):
		return sdk.Permanent(f, "odoo: %s", op).
			WithDetail("the integration user lacks an access right; grant it Inventory, Sales and Purchase user rights (Settings → Users)")
	case f.is("MissingError"):
		return sdk.Permanent(f, "odoo: %s", op).WithDetail("the record was deleted in Odoo")
	case f.is("ValidationError", "UserError", "RedirectWarning"):
		return sdk.InvalidInput("odoo: %s: %v", op, f).WithDetail("Odoo refused the data; the message says which field or rule")
	case f.is("LockError", "SerializationFailure", "TransactionRollbackError", "ConcurrencyError", "LockNotAvailable", "DeadlockDetected"):
		return sdk.Retryable(f, "odoo: %s: a concurrent transaction conflicted", op)
	case f.Status == http.StatusNotFound || f.is("NotFound", "AttributeError", "KeyError"):
		return sdk.Permanent(f, "odoo: %s", op).
			WithDetail("the Odoo server lacks this model or method: install the Inventory, Sales and Purchase apps, or check the version")
	case f.is("OperationalError"):
		return sdk.Permanent(f, "odoo: %s", op).WithDetail("check the database name in the connection's configuration")
	case f.Status >= 500 && f.Name == "":
		return sdk.Retryable(f, "odoo: %s", op)
	}
	return sdk.Permanent(f, "odoo: %s", op).WithDetail("Odoo failed with a server error; its message names the cause")
}

// Connector-wide defaults of the client.
const userAgent = "supplyhub-odoo/" + Version

func newClient(cfg Config, transport http.RoundTripper, log *slog.Logger, sleep func(context.Context, time.Duration) error, base, maxDelay time.Duration) *client {
	hc := httpclient.New(httpclient.Config{Transport: transport, Timeout: cfg.timeout(), MaxAttempts: 1, Logger: log,
		UserAgent: userAgent, Secrets: []string{"api_key", "password"}})
	return &client{cfg: cfg, hc: hc, log: log, sleep: sleep, retryBase: base, retryMax: maxDelay,
		fields: map[string]map[string]fieldInfo{}, cache: map[string]int64{}}
}

// post sends one HTTP request and returns the status, body and the
// server's Date. Network errors and timeouts are retryable.
func (c *client) post(ctx context.Context, path string, header http.Header, body []byte) (int, []byte, time.Time, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, time.Time{}, nil, sdk.InvalidInput("odoo: request %s: %v", path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, time.Time{}, nil, ctx.Err()
		}
		return 0, nil, time.Time{}, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, time.Time{}, nil, ctx.Err()
		}
		return 0, nil, time.Time{}, nil, sdk.Retryable(err, "odoo: read the answer of %s", path)
	}
	date, _ := http.ParseTime(resp.Header.Get("Date"))
	return resp.StatusCode, b, date, resp.Header, nil
}

// httpFault turns a non-2xx answer that carries no Odoo error into an
// error: 429 rate limited, 5xx retryable, others permanent.
func httpFault(op string, status int, h http.Header, body []byte) error {
	msg := fmt.Sprintf("odoo: %s: HTTP %d %s", op, status, http.StatusText(status))
	switch {
	case status == http.StatusTooManyRequests:
		d, ok := httpclient.RetryAfter(h, time.Now())
		if !ok {
			d = time.Second
		}
		return sdk.RateLimited(d, "%s", msg)
	case status >= 500 || status == http.StatusRequestTimeout:
		return sdk.Retryable(errors.New(http.StatusText(status)), "%s", msg)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return sdk.Authentication("%s", msg).WithDetail("check the API key and the database")
	}
	return sdk.Permanent(fmt.Errorf("HTTP %d: %s", status, snippet(body)), "%s", msg).
		WithDetail("check base_url: it must be the Odoo server's address")
}

// call runs model.method with named arguments over the detected API and
// decodes the result into out. ids are the records of a record method
// (nil for model methods). Read-only calls are retried on transient
// failures; calls that change data only when Odoo surely did not apply
// them (429, serialization conflicts). It returns the server's time.
func (c *client) call(ctx context.Context, model, method string, ids []int64, kw map[string]any, ctxExtra map[string]any, out any) (time.Time, error) {
	if err := c.ensure(ctx); err != nil {
		return time.Time{}, err
	}
	op := model + "." + method
	octx := map[string]any{"lang": "en_US", "tz": "UTC"}
	if c.cfg.CompanyID > 0 {
		octx["allowed_company_ids"] = []int64{c.cfg.CompanyID}
	}
	for k, v := range ctxExtra {
		octx[k] = v
	}
	var path string
	var body []byte
	var header http.Header
	var err error
	if c.api == APIJSON2 {
		m := map[string]any{"context": octx}
		for k, v := range kw {
			m[k] = v
		}
		if ids != nil {
			m["ids"] = ids
		}
		path = "/json/2/" + model + "/" + method
		header = http.Header{"Authorization": {"bearer " + c.cfg.APIKey}, "X-Odoo-Database": {c.cfg.Database}}
		body, err = json.Marshal(m)
	} else {
		args := []any{}
		named := map[string]any{"context": octx}
		for k, v := range kw {
			named[k] = v
		}
		if ids != nil {
			args = append(args, ids)
		}
		if method == "create" {
			// Odoo's create reads its values positionally
			args = append(args, named["vals_list"])
			delete(named, "vals_list")
		}
		path = "/jsonrpc"
		body, err = json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": map[string]any{
			"service": "object", "method": "execute_kw",
			"args": []any{c.cfg.Database, c.uid, c.cfg.APIKey, model, method, args, named}}})
	}
	if err != nil {
		return time.Time{}, sdk.InvalidInput("odoo: %s: encode the arguments: %v", op, err)
	}
	safe := readOnly[method]
	var date time.Time
	err = c.retry(ctx, op, func(err error) bool {
		kind := sdk.KindOf(err)
		return kind == sdk.KindRateLimited || kind == sdk.KindRetryable && (safe || isConflict(err))
	}, func() (err error) {
		date, err = c.once(ctx, op, path, header, body, out)
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	return date, nil
}

// retry runs try until it succeeds, fails with an error that may refuses
// to retry, or 1+max_retries attempts are spent, waiting Retry-After or an
// exponential backoff between attempts. Rate-limit waits are counted for
// the read progress.
func (c *client) retry(ctx context.Context, op string, may func(error) bool, try func() error) error {
	for attempt := 1; ; attempt++ {
		err := try()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !may(err) || attempt >= 1+c.cfg.MaxRetries {
			return err
		}
		wait := sdk.RetryAfterOf(err)
		if wait <= 0 {
			wait = c.backoff(attempt)
		}
		if sdk.KindOf(err) == sdk.KindRateLimited {
			c.mu.Lock()
			c.waited += wait
			c.mu.Unlock()
		}
		c.log.Info("odoo call retried", "op", op, "attempt", attempt, "wait", wait, "err", err)
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func isConflict(err error) bool {
	var f *fault
	return errors.As(err, &f) && f.is("SerializationFailure", "TransactionRollbackError", "ConcurrencyError", "LockError", "DeadlockDetected")
}

func (c *client) backoff(attempt int) time.Duration {
	d := c.retryBase
	for i := 1; i < attempt && d < c.retryMax; i++ {
		d *= 2
	}
	d = min(d, c.retryMax)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// once sends one request and decodes its answer.
func (c *client) once(ctx context.Context, op, path string, header http.Header, body []byte, out any) (time.Time, error) {
	status, resp, date, h, err := c.post(ctx, path, header, body)
	if err != nil {
		if sdk.KindOf(err) == sdk.KindUnknown && ctx.Err() == nil {
			return date, sdk.Retryable(err, "odoo: %s", op)
		}
		return date, err
	}
	if c.api == APIJSON2 {
		if status != http.StatusOK {
			var f struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			}
			if json.Unmarshal(resp, &f) == nil && (f.Name != "" || f.Message != "") {
				return date, classify(op, &fault{Name: f.Name, Message: f.Message, Status: status})
			}
			return date, httpFault(op, status, h, resp)
		}
		if out == nil {
			return date, nil
		}
		if err := json.Unmarshal(resp, out); err != nil {
			return date, sdk.Retryable(err, "odoo: %s: the answer does not decode (%s)", op, snippet(resp))
		}
		return date, nil
	}
	if status != http.StatusOK {
		return date, httpFault(op, status, h, resp)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Data    struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			} `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(resp, &env); err != nil {
		return date, sdk.Retryable(err, "odoo: %s: the answer does not decode (%s)", op, snippet(resp))
	}
	if env.Error != nil {
		msg := env.Error.Data.Message
		if msg == "" {
			msg = env.Error.Message
		}
		return date, classify(op, &fault{Name: env.Error.Data.Name, Message: msg})
	}
	if out == nil {
		return date, nil
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		return date, sdk.InvalidInput("odoo: %s: unexpected answer: %v", op, err).WithDetail("the Odoo server answered a shape this connector does not know; report it with the Odoo version")
	}
	return date, nil
}

// jsonrpc calls a service method of /jsonrpc outside the object service
// (common.version, common.authenticate).
func (c *client) jsonrpc(ctx context.Context, service, method string, args []any, out any) error {
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
		"params": map[string]any{"service": service, "method": method, "args": args}})
	op := service + "." + method
	final := false // an Odoo error or an unexpected answer: not retried
	return c.retry(ctx, op, func(err error) bool {
		k := sdk.KindOf(err)
		return !final && (k == sdk.KindRetryable || k == sdk.KindRateLimited || k == sdk.KindUnknown)
	}, func() error {
		status, resp, _, h, err := c.post(ctx, "/jsonrpc", nil, body)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return httpFault(op, status, h, resp)
		}
		var env struct {
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Data struct {
					Name    string `json:"name"`
					Message string `json:"message"`
				} `json:"data"`
			} `json:"error"`
		}
		if err := json.Unmarshal(resp, &env); err != nil {
			return sdk.Retryable(err, "odoo: %s: the answer does not decode", op)
		}
		final = true
		if env.Error != nil {
			return classify(op, &fault{Name: env.Error.Data.Name, Message: env.Error.Data.Message})
		}
		if err := json.Unmarshal(env.Result, out); err != nil {
			return sdk.InvalidInput("odoo: %s: unexpected answer %s", op, snippet(env.Result))
		}
		return nil
	})
}

// ensure detects the API, the user and the version once.
func (c *client) ensure(ctx context.Context) error {
	c.mu.Lock()
	ready := c.ready
	c.mu.Unlock()
	if ready {
		return nil
	}
	api, uid, version, err := c.detect(ctx)
	if err != nil {
		return err
	}
	major, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(version, "saas~"), ".", 2)[0])
	c.mu.Lock()
	c.api, c.uid, c.version, c.major, c.ready = api, uid, version, major, true
	c.mu.Unlock()
	return nil
}

// detect chooses the API: JSON-2 when the server offers it (Odoo 19+), or
// JSON-RPC, authenticating with the login and the API key.
func (c *client) detect(ctx context.Context) (api string, uid int64, version string, err error) {
	if c.cfg.API != APIJSONRPC {
		uid, ok, err := c.tryJSON2(ctx)
		if err != nil {
			return "", 0, "", err
		}
		if ok {
			version := "19.0"
			var v struct {
				Version string `json:"version"`
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.BaseURL+"/web/version", nil)
			if resp, err := c.hc.Do(req); err == nil {
				if resp.StatusCode == http.StatusOK && json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&v) == nil && v.Version != "" {
					version = v.Version
				}
				resp.Body.Close()
			}
			return APIJSON2, uid, version, nil
		}
		if c.cfg.API == APIJSON2 {
			return "", 0, "", sdk.Permanent(errors.New("no /json/2 endpoint"), "odoo: %s does not offer the JSON-2 API", c.cfg.BaseURL).
				WithDetail("JSON-2 needs Odoo 19 or later; set api to auto or json-rpc")
		}
	}
	if strings.TrimSpace(c.cfg.Login) == "" {
		return "", 0, "", sdk.InvalidInput("odoo: %s offers only JSON-RPC, which needs login", c.cfg.BaseURL).
			WithDetail("set login to the integration user's login (Odoo 17 and 18 identify the user by login and API key)")
	}
	var ver struct {
		ServerVersion string `json:"server_version"`
	}
	if err := c.jsonrpc(ctx, "common", "version", []any{}, &ver); err != nil {
		return "", 0, "", err
	}
	var res json.RawMessage
	if err := c.jsonrpc(ctx, "common", "authenticate", []any{c.cfg.Database, c.cfg.Login, c.cfg.APIKey, map[string]any{}}, &res); err != nil {
		return "", 0, "", err
	}
	if err := json.Unmarshal(res, &uid); err != nil || uid <= 0 {
		return "", 0, "", sdk.Authentication("odoo: database %s refused login %q with this API key", c.cfg.Database, c.cfg.Login).
			WithDetail("check the login and create a new API key in Odoo (Preferences → Account Security → New API Key)")
	}
	return APIJSONRPC, uid, ver.ServerVersion, nil
}

// tryJSON2 asks res.users/context_get over JSON-2: ok is false when the
// server has no JSON-2 endpoint.
func (c *client) tryJSON2(ctx context.Context) (uid int64, ok bool, err error) {
	header := http.Header{"Authorization": {"bearer " + c.cfg.APIKey}, "X-Odoo-Database": {c.cfg.Database}}
	err = c.retry(ctx, "detect the API", func(err error) bool {
		k := sdk.KindOf(err)
		return k == sdk.KindRetryable || k == sdk.KindRateLimited
	}, func() error {
		status, body, _, h, err := c.post(ctx, "/json/2/res.users/context_get", header, []byte(`{}`))
		if err != nil {
			return sdk.Retryable(err, "odoo: detect the API")
		}
		switch {
		case status == http.StatusOK:
			var out struct {
				UID int64 `json:"uid"`
			}
			if err := json.Unmarshal(body, &out); err != nil || out.UID == 0 {
				return sdk.InvalidInput("odoo: /json/2/res.users/context_get answered %s", snippet(body)).
					WithDetail("base_url does not look like an Odoo server")
			}
			uid, ok = out.UID, true
			return nil
		case status == http.StatusUnauthorized:
			return sdk.Authentication("odoo: the JSON-2 API refused the API key for database %s", c.cfg.Database).
				WithDetail("create a new API key in Odoo (Preferences → Account Security → New API Key) for the integration user")
		case status == http.StatusNotFound:
			var f struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			}
			if json.Unmarshal(body, &f) == nil && strings.Contains(f.Message, "database") {
				return sdk.Permanent(errors.New(f.Message), "odoo: database %s", c.cfg.Database).
					WithDetail("check the database name")
			}
			return nil
		case status == http.StatusMethodNotAllowed, status == http.StatusBadRequest:
			return nil
		}
		return httpFault("detect the API", status, h, body)
	})
	if err != nil {
		return 0, false, err
	}
	return uid, ok, nil
}

// fieldsOf returns a model's fields (name to type and relation), cached.
func (c *client) fieldsOf(ctx context.Context, model string) (map[string]fieldInfo, error) {
	c.mu.Lock()
	fs, ok := c.fields[model]
	c.mu.Unlock()
	if ok {
		return fs, nil
	}
	var out map[string]fieldInfo
	if _, err := c.call(ctx, model, "fields_get", nil, map[string]any{"attributes": []string{"type", "relation"}}, nil, &out); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.fields[model] = out
	c.mu.Unlock()
	return out, nil
}

// pick returns the first of names that model has, or "".
func (c *client) pick(ctx context.Context, model string, names ...string) (string, error) {
	fs, err := c.fieldsOf(ctx, model)
	if err != nil {
		return "", err
	}
	for _, n := range names {
		if _, ok := fs[n]; ok {
			return n, nil
		}
	}
	return "", nil
}

// has reports whether model has field.
func (c *client) has(ctx context.Context, model, field string) (bool, error) {
	n, err := c.pick(ctx, model, field)
	return n != "", err
}

// searchRead is search_read with the usual arguments.
func (c *client) searchRead(ctx context.Context, model string, domain []any, fields []string, offset, limit int, order string, ctxExtra map[string]any, out any) (time.Time, error) {
	kw := map[string]any{"domain": domain, "fields": fields}
	if offset > 0 {
		kw["offset"] = offset
	}
	if limit > 0 {
		kw["limit"] = limit
	}
	if order != "" {
		kw["order"] = order
	}
	if domain == nil {
		kw["domain"] = []any{}
	}
	return c.call(ctx, model, "search_read", nil, kw, ctxExtra, out)
}

// companyOf returns the user's company and its currency, cached.
func (c *client) companyOf(ctx context.Context) (*companyInfo, error) {
	c.mu.Lock()
	ci := c.company
	c.mu.Unlock()
	if ci != nil {
		return ci, nil
	}
	var users []struct {
		Company m2o `json:"company_id"`
	}
	if _, err := c.call(ctx, "res.users", "read", []int64{c.uid}, map[string]any{"fields": []string{"company_id"}}, nil, &users); err != nil {
		return nil, err
	}
	id := c.cfg.CompanyID
	if id == 0 && len(users) == 1 {
		id = users[0].Company.ID
	}
	var comps []struct {
		Name     ostr `json:"name"`
		Currency m2o  `json:"currency_id"`
	}
	if _, err := c.call(ctx, "res.company", "read", []int64{id}, map[string]any{"fields": []string{"name", "currency_id"}}, nil, &comps); err != nil {
		return nil, err
	}
	if len(comps) != 1 {
		return nil, sdk.Permanent(fmt.Errorf("company %d not found", id), "odoo: read the company").WithDetail("check company_id")
	}
	ci = &companyInfo{ID: id, Name: string(comps[0].Name), Currency: comps[0].Currency.Name}
	c.mu.Lock()
	c.company = ci
	c.mu.Unlock()
	return ci, nil
}

// cached returns a cached id, or calls find and caches a non-zero result.
func (c *client) cached(key string, find func() (int64, error)) (int64, error) {
	c.mu.Lock()
	id, ok := c.cache[key]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	id, err := find()
	if err != nil || id == 0 {
		return id, err
	}
	c.mu.Lock()
	c.cache[key] = id
	c.mu.Unlock()
	return id, nil
}

func (c *client) rateLimitWait() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waited
}
