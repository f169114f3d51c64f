package amazon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// apiError is one entry of the SP-API error envelope
// {"errors": [{"code", "message", "details"}]}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details string `json:"details"`
}

type errorList struct {
	Errors []apiError `json:"errors"`
}

// parseErrors decodes an SP-API error body; it returns nil when the body
// is not one.
func parseErrors(body []byte) []apiError {
	var l errorList
	if json.Unmarshal(body, &l) != nil {
		return nil
	}
	return l.Errors
}

func (e apiError) String() string {
	s := e.Code + ": " + e.Message
	if e.Details != "" {
		s += " (" + e.Details + ")"
	}
	return s
}

// tokenExpired reports whether a 403 says the access token expired, as
// opposed to a missing role or a revoked authorisation.
func tokenExpired(h http.Header, errs []apiError) bool {
	if strings.Contains(strings.ToLower(h.Get("x-amzn-ErrorType")), "expired") {
		return true
	}
	for _, e := range errs {
		if strings.Contains(strings.ToLower(e.Details+" "+e.Message), "expired") {
			return true
		}
	}
	return false
}

// client calls the Selling Partner API for one configuration: one HTTP
// client per operation (each paced by that operation's bucket), the access
// token source, and the seller's buckets shared with every other client of
// the same seller.
type client struct {
	c      *Connector
	cfg    Config
	base   string
	tokens *tokenSource
	log    *slog.Logger

	mu  sync.Mutex
	ops map[string]*httpclient.Client
	// dl downloads report documents from their pre-signed URLs.
	dl *httpclient.Client
}

// response is a successful answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	// Date is the server's clock (the Date header), or the local clock.
	Date time.Time
}

// rewriteTransport adapts Amazon's 429s to the HTTP client's retries: it
// empties the operation's bucket (Amazon's is empty, so the next attempt
// must wait a full token) and, as Amazon sends no Retry-After, sets one of
// zero so that the client retries at once and the limiter does the
// waiting. It also applies the rate Amazon reports in
// x-amzn-RateLimit-Limit to the bucket.
type rewriteTransport struct {
	next http.RoundTripper
	b    *bucket
	op   operation
	now  func() time.Time
	log  *slog.Logger
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if r := parseRateLimit(resp.Header.Get("x-amzn-RateLimit-Limit")); r > 0 {
		if t.b.observe(r, t.now()) {
			t.log.Debug("amazon: usage plan changed", "operation", t.op.ID, "rate", r)
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		t.b.throttled(t.now())
		if resp.Header.Get("Retry-After") == "" {
			resp.Header.Set("Retry-After", "0")
		}
	}
	return resp, nil
}

// opClient returns the HTTP client of an operation.
func (cl *client) opClient(op operation) *httpclient.Client {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if hc, ok := cl.ops[op.key()]; ok {
		return hc
	}
	b := cl.c.bucketFor(cl.cfg, op)
	hc := httpclient.New(httpclient.Config{
		Transport:   &rewriteTransport{next: cl.c.transport, b: b, op: op, now: cl.c.now, log: cl.log},
		Timeout:     cl.cfg.requestTimeout(),
		MaxAttempts: cl.cfg.MaxRetries + 1,
		BaseDelay:   cl.c.retryBase,
		MaxDelay:    cl.c.retryMax,
		Limiter:     &limiter{op: op, b: b, now: cl.c.now, sleep: cl.c.sleep},
		Logger:      cl.log,
		Secrets:     []string{"x-amz-access-token"},
		UserAgent:   userAgent,
	})
	cl.ops[op.key()] = hc
	return hc
}

const userAgent = "supplyhub-amazon/" + Version + " (Language=Go)"

// call sends one SP-API request and returns the successful answer. It
// paces the request with the operation's bucket, retries transient
// failures (network errors and 5xx for idempotent requests, 429s for every
// request, since a throttled request was not processed), exchanges the
// refresh token again once when Amazon says the access token expired, and
// maps the rest to sdk errors that name the operation.
func (cl *client) call(ctx context.Context, op operation, path string, query url.Values, body any) (*response, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, sdk.InvalidInput("amazon: %s: encode request: %v", op.ID, err)
		}
	}
	u := cl.base + path
	if len(query) > 0 {
		u += "?" + encodeQuery(query)
	}
	refreshed := false
	throttles, failures := 0, 0
	for {
		tok, err := cl.tokens.get(ctx)
		if err != nil {
			return nil, err
		}
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, op.Method, u, rd)
		if err != nil {
			return nil, sdk.InvalidInput("amazon: %s: %v", op.ID, err)
		}
		req.Header.Set("x-amz-access-token", tok)
		req.Header.Set("x-amz-date", cl.c.now().UTC().Format("20060102T150405Z"))
		req.Header.Set("Accept", "application/json")
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := cl.opClient(op).Do(req)
		if err != nil && op.Safe && !op.retriedByClient() && ctx.Err() == nil && failures < cl.cfg.MaxRetries {
			// the HTTP client does not repeat a POST or PATCH; this one is safe
			failures++
			if err := cl.backoff(ctx, failures); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("amazon: %s: %w", op.ID, ctx.Err())
			}
			return nil, sdk.Retryable(err, "amazon: %s", op.ID).
				WithDetail("Amazon did not answer (network error or timeout after %d attempts); the host will retry", cl.cfg.MaxRetries+1)
		}
		raw, rerr := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		if rerr != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("amazon: %s: %w", op.ID, ctx.Err())
			}
			return nil, sdk.Retryable(rerr, "amazon: %s: read answer", op.ID)
		}
		res := &response{Status: resp.StatusCode, Header: resp.Header, Body: raw, Date: cl.c.now()}
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			res.Date = d
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return res, nil
		}
		errs := parseErrors(raw)
		switch resp.StatusCode {
		case http.StatusForbidden:
			if !refreshed && tokenExpired(resp.Header, errs) {
				refreshed = true
				cl.tokens.invalidate(tok)
				cl.log.Debug("amazon: access token expired; exchanging the refresh token again", "operation", op.ID)
				continue
			}
		case http.StatusTooManyRequests:
			// the HTTP client retries GETs and DELETEs itself; POST and
			// PATCH come here, and so does a GET that stayed throttled
			throttles++
			if !op.retriedByClient() && throttles <= cl.cfg.MaxRetries {
				continue // the limiter waits for the next token
			}
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			if op.Safe && !op.retriedByClient() && failures < cl.cfg.MaxRetries {
				failures++
				if err := cl.backoff(ctx, failures); err != nil {
					return nil, err
				}
				continue
			}
		}
		return nil, cl.failure(op, resp, errs, raw)
	}
}

// backoff waits before retry n (1-based) of a safe POST or PATCH.
func (cl *client) backoff(ctx context.Context, n int) error {
	return cl.c.sleep(ctx, min(cl.c.retryBase<<min(n-1, 6), cl.c.retryMax))
}

// failure maps an unsuccessful answer to an sdk error.
func (cl *client) failure(op operation, resp *http.Response, errs []apiError, raw []byte) error {
	what := snippet(raw)
	if len(errs) > 0 {
		parts := make([]string, len(errs))
		for i, e := range errs {
			parts[i] = e.String()
		}
		what = strings.Join(parts, "; ")
	}
	rid := resp.Header.Get("x-amzn-RequestId")
	msg := fmt.Sprintf("amazon: %s: %s: %s", op.ID, resp.Status, what)
	if rid != "" {
		msg += " (request id " + rid + ")"
	}
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		if tokenExpired(resp.Header, errs) {
			return sdk.Authentication("%s", msg).WithDetail("Amazon refused a freshly exchanged access token as expired; check the machine's clock and the LWA credentials")
		}
		return sdk.Authentication("%s", msg).
			WithDetail("the app lacks the role %s needs, or the seller revoked its authorisation: check the app's roles in Developer Central and ask the seller to authorise it again", op.ID)
	case code == http.StatusTooManyRequests:
		rate, tokens := cl.c.bucketFor(cl.cfg, op).state(cl.c.now())
		wait := time.Second
		if rate > 0 {
			wait = time.Duration((1 - min(tokens, 0)) / rate * float64(time.Second))
		}
		return sdk.RateLimited(wait, "%s", msg).WithDetail("Amazon kept throttling %s after %d attempts; wait %s", op.ID, cl.cfg.MaxRetries+1, wait.Round(time.Second))
	case code == http.StatusNotFound:
		return sdk.Permanent(errNotFound, "%s", msg)
	case code == http.StatusConflict:
		return sdk.Permanent(errConflict, "%s", msg)
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity || code == http.StatusRequestEntityTooLarge || code == http.StatusUnsupportedMediaType:
		return sdk.InvalidInput("%s", msg).WithDetail("Amazon refused the request's parameters; if this persists report it with the request id")
	case code >= 500 || code == http.StatusRequestTimeout:
		return sdk.Retryable(errors.New(resp.Status), "%s", msg).WithDetail("Amazon kept failing; the host will retry")
	}
	return sdk.Permanent(errors.New(resp.Status), "%s", msg)
}

// errNotFound is the cause of a 404's error.
var errNotFound = errors.New("not found")

func isNotFound(err error) bool { return errors.Is(err, errNotFound) }

// errConflict is the cause of a 409's error (e.g. createDestination for a
// queue that already has one).
var errConflict = errors.New("conflict")

// getJSON calls an operation and decodes the answer into out. A GET whose
// answer does not decode (cut short, not JSON) is sent again, up to
// max_retries times, with backoff.
func (cl *client) getJSON(ctx context.Context, op operation, path string, q url.Values, out any) (*response, error) {
	for attempt := 1; ; attempt++ {
		res, err := cl.call(ctx, op, path, q, nil)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return res, nil
		}
		// decode into a fresh value, so that a half-decoded answer leaves
		// nothing behind for the retry
		fresh := reflect.New(reflect.TypeOf(out).Elem())
		err = json.Unmarshal(res.Body, fresh.Interface())
		if err == nil {
			reflect.ValueOf(out).Elem().Set(fresh.Elem())
			return res, nil
		}
		if op.Method != http.MethodGet || attempt > cl.cfg.MaxRetries {
			return nil, sdk.Retryable(err, "amazon: %s: malformed answer (%d bytes) after %d attempts", op.ID, len(res.Body), attempt).
				WithDetail("Amazon's answer was not the JSON the connector expects; the host will retry")
		}
		cl.log.Debug("amazon: malformed answer, retrying", "operation", op.ID, "attempt", attempt, "err", err)
		if err := cl.backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// encodeQuery encodes q with its keys sorted, as Amazon signs and caches
// them, keeping commas in lists unescaped (MarketplaceIds=A,B).
func encodeQuery(q url.Values) string {
	s := q.Encode()
	return strings.ReplaceAll(s, "%2C", ",")
}
