package odootest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a fake Odoo. Every zero value has a sensible default.
type Options struct {
	// Version is the Odoo version to imitate: "17.0", "18.0" (default) or
	// "19.0". Only 19.0 serves the JSON-2 API (/json/2/<model>/<method>);
	// every version serves JSON-RPC (/jsonrpc). Field names follow the
	// version (sale.order.line.tax_id up to 18, tax_ids from 19; storable
	// products are type "product" in 17, is_storable from 18).
	Version string
	// Database is the database name requests must name (default "supplyhub").
	Database string
	// Login and APIKey are the credentials of the default user, which has
	// every access right (defaults "admin" and "odoo-test-key").
	Login, APIKey string
	// Users are more users, e.g. with restricted access rights.
	Users []User
	// Currency is the company currency (default USD).
	Currency string
	// Products is the number of generated product templates (default 30;
	// -1 for none), each with one to three variants.
	Products int
	// Customers is the number of generated customers (default 40; -1 for none).
	Customers int
	// Seed makes the generated data deterministic.
	Seed int64
	// Until is the end of the generated history: seeded records were last
	// written during the year before it (default one day before the clock's
	// first reading).
	Until time.Time
	// Clock gives the time of changes made at runtime (default time.Now).
	Clock func() time.Time
	// Logf, when set, receives a line per notable event.
	Logf func(format string, args ...any)
}

// User is a user of the fake with an API key and access rights.
type User struct {
	Login, APIKey, Name string
	// Access maps a model ("sale.order", or "*" for any other) to the
	// operations allowed: letters r (read), w (write), c (create) and u
	// (unlink). Nil grants everything.
	Access map[string]string
}

type user struct {
	id      int64
	partner int64
	login   string
	key     string
	access  map[string]string
}

// Faults switch on failures, each a probability in [0, 1] applied to every
// API request, settable at any time with SetFaults.
type Faults struct {
	// Err429 answers 429 Too Many Requests with Retry-After (as Odoo
	// Online's rate limiter does).
	Err429     float64
	RetryAfter time.Duration // default 1s
	// Err5xx answers 502, 503 or 504 from the proxy in front of Odoo.
	Err5xx float64
	// Slow delays answers by SlowDelay (default 2s).
	Slow      float64
	SlowDelay time.Duration
	// Timeout never answers (until the client gives up or TimeoutDelay,
	// default 60s, passes).
	Timeout      float64
	TimeoutDelay time.Duration
	// Malformed answers 200 with a truncated JSON body.
	Malformed float64
	// Serialization fails the call with Odoo's "could not serialize access
	// due to concurrent update" (a transient PostgreSQL conflict).
	Serialization float64
	// LostResponse applies a call that changes data, then answers 502 as
	// if the proxy lost the answer: the client cannot tell whether it was
	// applied.
	LostResponse float64
}

// Stats counts what the fake served.
type Stats struct {
	Requests, JSONRPC, JSON2                                                   int64
	Injected429, Injected5xx, InjectedSlow, InjectedTimeout, InjectedMalformed int64
	InjectedSerialization, LostResponses                                       int64
}

// Server is a fake Odoo server speaking the external API: JSON-RPC at
// /jsonrpc (services common and object) for every version, and the JSON-2
// API at /json/2/<model>/<method> for 19.0. Create it with NewServer and
// Close it when done.
type Server struct {
	// URL is the base URL to configure as the connector's base_url.
	URL string

	opts    Options
	version int
	hs      *httptest.Server
	db      *db
	mu      sync.RWMutex
	users   []*user
	calls   *callCounter

	faultMu sync.Mutex
	faults  Faults
	rng     *rand.Rand

	stallMu sync.Mutex
	stall   chan struct{}

	stats struct {
		requests, jsonrpc, json2, e429, e5xx, slow, timeout, malformed, serial, lost atomic.Int64
	}
	closed chan struct{}
}

// NewServer starts a fake Odoo on a loopback port.
func NewServer(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	s.hs = httptest.NewServer(s)
	s.URL = s.hs.URL
	return s, nil
}

// NewUnstartedServer returns a fake that is not yet listening: serve it
// yourself through ServeHTTP, set URL, and Close it when done.
func NewUnstartedServer(opts Options) (*Server, error) { return newServer(opts) }

func newServer(opts Options) (*Server, error) {
	if opts.Version == "" {
		opts.Version = "18.0"
	}
	var major int
	switch opts.Version {
	case "17.0":
		major = 17
	case "18.0":
		major = 18
	case "19.0":
		major = 19
	default:
		return nil, fmt.Errorf("odootest: version %q is not one the fake imitates (17.0, 18.0, 19.0)", opts.Version)
	}
	if opts.Database == "" {
		opts.Database = "supplyhub"
	}
	if opts.Login == "" {
		opts.Login = "admin"
	}
	if opts.APIKey == "" {
		opts.APIKey = "odoo-test-key"
	}
	if opts.Currency == "" {
		opts.Currency = "USD"
	}
	if _, ok := currencyDigits[opts.Currency]; !ok {
		return nil, fmt.Errorf("odootest: currency %q is not one the fake knows (%s)", opts.Currency, strings.Join(currencyCodes(), ", "))
	}
	if opts.Products == 0 {
		opts.Products = 30
	}
	if opts.Customers == 0 {
		opts.Customers = 40
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Until.IsZero() {
		opts.Until = opts.Clock().Add(-24 * time.Hour).UTC().Truncate(time.Second)
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	s := &Server{opts: opts, version: major, db: newDB(opts.Clock, major), calls: &callCounter{n: map[string]int{}},
		rng: rand.New(rand.NewPCG(uint64(opts.Seed), 99)), closed: make(chan struct{})}
	s.db.defineModels()
	if err := s.seed(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	select {
	case <-s.closed:
		return
	default:
	}
	close(s.closed)
	if s.hs != nil {
		s.hs.CloseClientConnections()
		s.hs.Close()
	}
}

// Version returns the imitated Odoo version, e.g. "18.0".
func (s *Server) Version() string { return s.opts.Version }

// Database returns the database name.
func (s *Server) Database() string { return s.opts.Database }

// Login and APIKey return the default user's credentials.
func (s *Server) Login() string  { return s.opts.Login }
func (s *Server) APIKey() string { return s.opts.APIKey }

// SetFaults replaces the fault switches.
func (s *Server) SetFaults(f Faults) {
	s.faultMu.Lock()
	s.faults = f
	s.faultMu.Unlock()
}

// Faults returns the current fault switches.
func (s *Server) Faults() Faults {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults
}

// Stats returns counters of what was served and injected.
func (s *Server) Stats() Stats {
	return Stats{Requests: s.stats.requests.Load(), JSONRPC: s.stats.jsonrpc.Load(), JSON2: s.stats.json2.Load(),
		Injected429: s.stats.e429.Load(), Injected5xx: s.stats.e5xx.Load(), InjectedSlow: s.stats.slow.Load(),
		InjectedTimeout: s.stats.timeout.Load(), InjectedMalformed: s.stats.malformed.Load(),
		InjectedSerialization: s.stats.serial.Load(), LostResponses: s.stats.lost.Load()}
}

// Calls returns how many times a business method ran, keyed
// "model.method", e.g. "purchase.order.button_confirm".
func (s *Server) Calls(key string) int { return s.calls.get(key) }

func (s *Server) roll(rate float64) bool {
	if rate <= 0 {
		return false
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.rng.Float64() < rate
}

// Stall makes every API request hang until release is called (or the
// client gives up), to test cancellation.
func (s *Server) Stall() (release func()) {
	ch := make(chan struct{})
	s.stallMu.Lock()
	s.stall = ch
	s.stallMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.stallMu.Lock()
			if s.stall == ch {
				s.stall = nil
			}
			s.stallMu.Unlock()
			close(ch)
		})
	}
}

func (s *Server) waitStall(r *http.Request) bool {
	s.stallMu.Lock()
	ch := s.stall
	s.stallMu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return false
	case <-r.Context().Done():
		return true
	case <-s.closed:
		return true
	}
}

// ServeHTTP serves /jsonrpc, /json/2/<model>/<method> (19.0) and
// /web/version (19.0).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Date", s.opts.Clock().UTC().Format(http.TimeFormat))
	w.Header().Set("Server", "Werkzeug/3.0.1 Python/3.12.3")
	s.stats.requests.Add(1)
	switch {
	case r.URL.Path == "/jsonrpc":
		if s.waitStall(r) || s.injectFaults(w, r) {
			return
		}
		s.stats.jsonrpc.Add(1)
		s.serveJSONRPC(w, r)
	case strings.HasPrefix(r.URL.Path, "/json/2/") && s.version >= 19:
		if s.waitStall(r) || s.injectFaults(w, r) {
			return
		}
		s.stats.json2.Add(1)
		s.serveJSON2(w, r)
	case r.URL.Path == "/web/version" && s.version >= 19:
		writeJSON(w, 200, map[string]any{"version_info": s.versionInfo(), "version": s.opts.Version})
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n")
	}
}

func (s *Server) versionInfo() []any {
	return []any{s.version, 0, 0, "final", 0, ""}
}

// injectFaults applies the fault switches that answer before Odoo runs
// the call; it reports whether it answered.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request) bool {
	f := s.Faults()
	if s.roll(f.Slow) {
		s.stats.slow.Add(1)
		d := f.SlowDelay
		if d == 0 {
			d = 2 * time.Second
		}
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return true
		case <-s.closed:
			return true
		}
	}
	if s.roll(f.Timeout) {
		s.stats.timeout.Add(1)
		d := f.TimeoutDelay
		if d == 0 {
			d = 60 * time.Second
		}
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		case <-s.closed:
		}
		w.WriteHeader(http.StatusGatewayTimeout)
		return true
	}
	if s.roll(f.Err429) {
		s.stats.e429.Add(1)
		ra := f.RetryAfter
		if ra == 0 {
			ra = time.Second
		}
		w.Header().Set("Retry-After", strconv.FormatFloat(ra.Seconds(), 'f', -1, 64))
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, "<html><body><h1>429 Too Many Requests</h1>You have sent too many requests in a given amount of time.</body></html>")
		return true
	}
	if s.roll(f.Err5xx) {
		s.stats.e5xx.Add(1)
		codes := []int{502, 503, 504}
		s.faultMu.Lock()
		code := codes[s.rng.IntN(3)]
		s.faultMu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><center><h1>%d %s</h1></center><hr><center>nginx</center></body></html>", code, http.StatusText(code), code, http.StatusText(code))
		return true
	}
	if s.roll(f.Malformed) {
		s.stats.malformed.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"jsonrpc": "2.0", "id": 1, "result": [{"id": 1, "name": "Tru`)
		return true
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ---- JSON-RPC

type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  struct {
		Service string `json:"service"`
		Method  string `json:"method"`
		Args    []any  `json:"args"`
	} `json:"params"`
	ID any `json:"id"`
}

// rpcError is Odoo's JSON-RPC error object (odoo.http.serialize_exception).
func rpcError(id any, err error) map[string]any {
	var oe *odooError
	if !errors.As(err, &oe) {
		oe = &odooError{name: "builtins.Exception", message: err.Error()}
	}
	return map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{
		"code": 200, "message": "Odoo Server Error",
		"data": map[string]any{"name": oe.name, "debug": "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/odoo/http.py\", line 1790, in _serve_db\n" + oe.name + ": " + oe.message + "\n",
			"message": oe.message, "arguments": []any{oe.message}, "context": map[string]any{}},
	}}
}

func decodeBody(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var raw any
	if err := d.Decode(&raw); err != nil {
		return err
	}
	b, _ := json.Marshal(normalizeNumbers(raw))
	return json.Unmarshal(b, v)
}

// normalizeNumbers turns json.Number into float64, as Python's json does
// for the fake's purposes (ids and quantities are exact below 2^53).
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = normalizeNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalizeNumbers(x[k])
		}
	}
	return v
}

func (s *Server) serveJSONRPC(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	var req rpcRequest
	if err := decodeBody(r, &req); err != nil {
		writeJSON(w, 200, map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": 400,
			"message": "Odoo Server Error", "data": map[string]any{"name": "werkzeug.exceptions.BadRequest", "message": "Invalid JSON data: " + err.Error()}}})
		return
	}
	p := req.Params
	switch p.Service {
	case "common":
		res, err := s.common(p.Method, p.Args)
		if err != nil {
			writeJSON(w, 200, rpcError(req.ID, err))
			return
		}
		writeJSON(w, 200, map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": res})
	case "object":
		if p.Method != "execute_kw" && p.Method != "execute" {
			writeJSON(w, 200, rpcError(req.ID, &odooError{name: "builtins.NameError", message: fmt.Sprintf("Method not available %s", p.Method)}))
			return
		}
		res, err := s.objectCall(p.Method, p.Args, w)
		if err != nil {
			if errors.Is(err, errLost) {
				return
			}
			writeJSON(w, 200, rpcError(req.ID, err))
			return
		}
		writeJSON(w, 200, map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": res})
	default:
		writeJSON(w, 200, rpcError(req.ID, &odooError{name: "builtins.Exception", message: fmt.Sprintf("unknown service %q", p.Service)}))
	}
}

func (s *Server) common(method string, args []any) (any, error) {
	switch method {
	case "version":
		return map[string]any{"server_version": s.opts.Version, "server_version_info": s.versionInfo(),
			"server_serie": s.opts.Version, "protocol_version": 1}, nil
	case "login", "authenticate":
		if len(args) < 3 {
			return nil, &odooError{name: "builtins.TypeError", message: method + "() missing required positional arguments"}
		}
		db, _ := args[0].(string)
		login, _ := args[1].(string)
		pw, _ := args[2].(string)
		if db != s.opts.Database {
			return nil, &odooError{name: "psycopg2.OperationalError", message: fmt.Sprintf("connection to server failed: FATAL:  database %q does not exist", db)}
		}
		for _, u := range s.users {
			if u.login == login && u.key == pw {
				return u.id, nil
			}
		}
		return false, nil
	}
	return nil, &odooError{name: "builtins.NameError", message: fmt.Sprintf("Method not available %s", method)}
}

var errLost = errors.New("odootest: response lost on purpose")

func (s *Server) objectCall(kind string, args []any, w http.ResponseWriter) (any, error) {
	if len(args) < 5 {
		return nil, &odooError{name: "builtins.TypeError", message: "execute_kw() missing required positional arguments"}
	}
	db, _ := args[0].(string)
	uidF, _ := args[1].(float64)
	pw, _ := args[2].(string)
	model, _ := args[3].(string)
	name, _ := args[4].(string)
	if db != s.opts.Database {
		return nil, &odooError{name: "psycopg2.OperationalError", message: fmt.Sprintf("connection to server failed: FATAL:  database %q does not exist", db)}
	}
	var u *user
	for _, c := range s.users {
		if c.id == int64(uidF) && c.key == pw {
			u = c
		}
	}
	if u == nil {
		return nil, accessDenied()
	}
	var pos []any
	kw := map[string]any{}
	if kind == "execute_kw" {
		if len(args) > 5 {
			pos, _ = args[5].([]any)
		}
		if len(args) > 6 {
			if m, ok := args[6].(map[string]any); ok {
				kw = m
			}
		}
	} else {
		pos = args[5:]
	}
	m, err := lookup(s.db, model, name)
	if err != nil {
		if _, terr := s.db.table(model); terr != nil {
			return nil, &odooError{name: "builtins.KeyError", message: fmt.Sprintf("'%s'", model)}
		}
		return nil, &odooError{name: "builtins.AttributeError", message: fmt.Sprintf("The method '%s' does not exist on the model '%s'", name, model)}
	}
	var ids []int64
	if m.records {
		if len(pos) == 0 {
			return nil, &odooError{name: "builtins.TypeError", message: fmt.Sprintf("%s() missing the record ids", name)}
		}
		ids, err = toIDs(pos[0])
		if err != nil {
			return nil, err
		}
		pos = pos[1:]
	}
	if len(pos) > len(m.params) {
		return nil, &odooError{name: "builtins.TypeError", message: fmt.Sprintf("%s() takes %d positional arguments but %d were given", name, len(m.params)+1, len(pos)+1)}
	}
	named := map[string]any{}
	for k, v := range kw {
		named[k] = v
	}
	for i, v := range pos {
		if _, dup := named[m.params[i]]; dup {
			return nil, &odooError{name: "builtins.TypeError", message: fmt.Sprintf("%s() got multiple values for argument '%s'", name, m.params[i])}
		}
		named[m.params[i]] = v
	}
	ctx, _ := named["context"].(map[string]any)
	delete(named, "context")
	return s.run(u, model, name, m, ids, named, ctx, w)
}

func toIDs(v any) ([]int64, error) {
	switch x := v.(type) {
	case float64:
		return []int64{int64(x)}, nil
	case []any:
		ids := make([]int64, 0, len(x))
		for _, e := range x {
			f, ok := e.(float64)
			if !ok {
				return nil, valueError("record ids must be integers, got %s", short(v))
			}
			ids = append(ids, int64(f))
		}
		return ids, nil
	case nil:
		return nil, nil
	}
	return nil, valueError("record ids must be a list of integers, got %s", short(v))
}

// run executes one call in a transaction under the database lock.
func (s *Server) run(u *user, model, name string, m *method, ids []int64, kw, ctx map[string]any, w http.ResponseWriter) (any, error) {
	if !m.readonly && s.roll(s.Faults().Serialization) {
		s.stats.serial.Add(1)
		return nil, serializationFailure()
	}
	if m.readonly {
		s.mu.RLock()
		defer s.mu.RUnlock()
	} else {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	if ctx == nil {
		ctx = map[string]any{}
	}
	tx := &tx{db: s.db, user: u, ctx: ctx, now: s.opts.Clock().UTC(), calls: s.calls}
	if _, err := s.db.table(model); err != nil {
		return nil, err
	}
	res, err := m.run(tx, model, ids, kw)
	if err != nil {
		tx.rollback()
		return nil, err
	}
	if !m.readonly && s.roll(s.Faults().LostResponse) {
		s.stats.lost.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
		return nil, errLost
	}
	return res, nil
}

// ---- JSON-2

func (s *Server) serveJSON2(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, name, msg string) {
		writeJSON(w, status, map[string]any{"name": name, "message": msg, "arguments": []any{msg, status}, "context": map[string]any{},
			"debug": "Traceback (most recent call last):\n" + name + ": " + msg + "\n"})
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/json/2/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		fail(404, "werkzeug.exceptions.NotFound", "The requested URL was not found on the server.")
		return
	}
	auth := r.Header.Get("Authorization")
	scheme, key, _ := strings.Cut(auth, " ")
	var u *user
	if strings.EqualFold(scheme, "bearer") {
		for _, c := range s.users {
			if c.key == strings.TrimSpace(key) {
				u = c
			}
		}
	}
	if u == nil {
		fail(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
		return
	}
	if db := r.Header.Get("X-Odoo-Database"); db != "" && db != s.opts.Database {
		fail(404, "werkzeug.exceptions.NotFound", fmt.Sprintf("database %q not found", db))
		return
	}
	if r.Method != http.MethodPost {
		fail(405, "werkzeug.exceptions.MethodNotAllowed", "The method is not allowed for the requested URL.")
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		fail(415, "werkzeug.exceptions.UnsupportedMediaType", "the request must be application/json")
		return
	}
	var body map[string]any
	if err := decodeBody(r, &body); err != nil {
		fail(400, "werkzeug.exceptions.BadRequest", "could not parse the body as json: "+err.Error())
		return
	}
	model, name := parts[0], parts[1]
	if _, err := s.db.table(model); err != nil {
		fail(404, "werkzeug.exceptions.NotFound", fmt.Sprintf("the model %q does not exist", model))
		return
	}
	m, err := lookup(s.db, model, name)
	if err != nil {
		fail(404, "werkzeug.exceptions.NotFound", fmt.Sprintf("The method '%s' does not exist on the model '%s'", name, model))
		return
	}
	ids, err := toIDs(body["ids"])
	if err != nil {
		fail(422, "werkzeug.exceptions.UnprocessableEntity", err.Error())
		return
	}
	if !m.records && len(ids) > 0 {
		fail(422, "werkzeug.exceptions.UnprocessableEntity", fmt.Sprintf("cannot call %s.%s with ids", model, name))
		return
	}
	ctx, _ := body["context"].(map[string]any)
	kw := map[string]any{}
	for k, v := range body {
		if k == "ids" || k == "context" {
			continue
		}
		if !paramOK(m, k) {
			fail(422, "werkzeug.exceptions.UnprocessableEntity", fmt.Sprintf("got an unexpected keyword argument '%s'", k))
			return
		}
		kw[k] = v
	}
	res, err := s.run(u, model, name, m, ids, kw, ctx, w)
	if err != nil {
		if errors.Is(err, errLost) {
			return
		}
		var oe *odooError
		if !errors.As(err, &oe) {
			oe = &odooError{name: "builtins.Exception", message: err.Error(), status: 500}
		}
		st := oe.status
		if st == 0 {
			st = 500
		}
		fail(st, oe.name, oe.message)
		return
	}
	writeJSON(w, 200, res)
}

// extraParams are keyword arguments Odoo methods accept beyond their
// declared ones.
var extraParams = map[string][]string{
	"read":                {"load"},
	"message_post":        {"message_type", "subtype_xmlid", "subject", "partner_ids"},
	"search_read":         {"load"},
	"check_access_rights": {"raise_exception"},
}

func paramOK(m *method, k string) bool {
	for name, mm := range methods {
		if mm == m {
			for _, p := range m.params {
				if p == k {
					return true
				}
			}
			for _, p := range extraParams[name] {
				if p == k {
					return true
				}
			}
		}
	}
	return false
}
