package httpclient

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
	"sync/atomic"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
)

// Limiter paces requests: Wait blocks until one more request may go, or
// the context ends.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Config configures a Client. The zero value works: five attempts, backoff
// from 250 ms to 30 s, no limiter, no logging.
type Config struct {
	// Transport sends the requests; http.DefaultTransport when nil.
	Transport http.RoundTripper
	// Timeout bounds one attempt, including reading the headers; 0 means 30 s.
	Timeout time.Duration
	// MaxAttempts is how many times a request is tried in all; 0 means 5,
	// 1 disables retries.
	MaxAttempts int
	// BaseDelay is the first backoff; it doubles with each retry (with
	// jitter) up to MaxDelay. 0 means 250 ms and 30 s.
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits out itself;
	// a longer one is returned to the caller as the response (Check turns it
	// into a RateLimited error with that retry-after). 0 means 2 minutes.
	MaxRetryAfter time.Duration
	// Limiter, when set, is waited on before every attempt.
	Limiter Limiter
	// Logger logs each attempt at debug level and each retry at info, with
	// secrets redacted. nil discards.
	Logger *slog.Logger
	// Secrets are extra header or query parameter names to redact in logs,
	// beyond the usual ones (Authorization, tokens, keys, signatures...).
	Secrets []string
	// UserAgent is sent when the request has none.
	UserAgent string
}

// Client sends requests with retries, pacing and redacted logging. It is
// safe for concurrent use.
type Client struct {
	cfg      Config
	hc       *http.Client
	redactor *redactor
	waited   atomic.Int64
	sleep    func(ctx context.Context, d time.Duration) error
	jitter   func(n int64) int64
}

// New returns a Client with cfg's defaults filled in.
func New(cfg Config) *Client {
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = 250 * time.Millisecond
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 30 * time.Second
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		cfg:      cfg,
		hc:       &http.Client{Transport: cfg.Transport, Timeout: cfg.Timeout},
		redactor: newRedactor(cfg.Secrets),
		sleep:    sleepCtx,
		jitter:   rand.Int64N,
	}
}

// RateLimitWait returns the total time this client has spent waiting for
// rate limits (its limiter and 429 Retry-After), for sdk.Progress.
func (c *Client) RateLimitWait() time.Duration { return time.Duration(c.waited.Load()) }

// Do sends req, retrying transient failures: network errors, 408, 429, 500,
// 502, 503 and 504. A request is retried only when that is safe: GET, HEAD,
// OPTIONS, PUT and DELETE always; POST and PATCH only with an
// Idempotency-Key header. A request with a body must have GetBody (as
// http.NewRequest sets for byte and string readers). After the last
// attempt Do returns the last response, whatever its status; use Check to
// turn a failure into an *sdk.Error. Errors from Do are *sdk.Error too.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Header.Get("User-Agent") == "" && c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	retryable := isIdempotent(req) && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)
	for attempt := 1; ; attempt++ {
		if c.cfg.Limiter != nil {
			start := time.Now()
			if err := c.cfg.Limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("httpclient: %s %s: rate limiter: %w", req.Method, c.redactor.url(req.URL), err)
			}
			c.waited.Add(int64(time.Since(start)))
		}
		r := req
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, sdk.Permanent(err, "httpclient: %s %s: rewind body", req.Method, c.redactor.url(req.URL))
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		start := time.Now()
		resp, err := c.hc.Do(r)
		c.log(slog.LevelDebug, "http request", r, resp, err, attempt, time.Since(start))
		if ctx.Err() != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, fmt.Errorf("httpclient: %s %s: %w", req.Method, c.redactor.url(req.URL), ctx.Err())
		}
		wait, transient := c.retryDelay(resp, err, attempt)
		last := attempt >= c.cfg.MaxAttempts || !retryable || !transient
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests && wait > c.cfg.MaxRetryAfter {
			last = true
		}
		if last {
			if err != nil {
				return nil, sdk.Retryable(errors.New(c.redactor.text(err.Error())), "httpclient: %s %s after %d attempts", req.Method, c.redactor.url(req.URL), attempt)
			}
			return resp, nil
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		c.log(slog.LevelInfo, "http retry", r, resp, err, attempt, wait)
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			c.waited.Add(int64(wait))
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("httpclient: %s %s: %w", req.Method, c.redactor.url(req.URL), err)
		}
	}
}

// retryDelay says whether the outcome is transient and how long to wait:
// Retry-After when the upstream gave one, else jittered exponential backoff.
func (c *Client) retryDelay(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if err != nil {
		return c.backoff(attempt), true
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
	default:
		return 0, false
	}
	if d, ok := RetryAfter(resp.Header, time.Now()); ok {
		return d, true
	}
	return c.backoff(attempt), true
}

// backoff is BaseDelay·2^(attempt-1), capped at MaxDelay, with "equal
// jitter": half fixed, half random, so retries spread out but never drop to
// zero.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.BaseDelay
	for i := 1; i < attempt && d < c.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxDelay)
	half := int64(d / 2)
	return time.Duration(half + c.jitter(half+1))
}

// RetryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func isIdempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, "":
		return true
	}
	return req.Header.Get("Idempotency-Key") != ""
}

func (c *Client) log(level slog.Level, msg string, req *http.Request, resp *http.Response, err error, attempt int, d time.Duration) {
	ctx := req.Context()
	if !c.cfg.Logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("url", c.redactor.url(req.URL)),
		slog.Int("attempt", attempt),
	}
	if level == slog.LevelDebug {
		attrs = append(attrs, slog.Duration("took", d), slog.Any("headers", c.redactor.header(req.Header)))
	} else {
		attrs = append(attrs, slog.Duration("wait", d))
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.redactor.text(err.Error())))
	}
	c.cfg.Logger.LogAttrs(ctx, level, msg, attrs...)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Check returns nil for a 2xx response and otherwise an *sdk.Error of the
// kind the status calls for, with up to 512 bytes of the body in the
// message: 401 and 403 authentication; 429 rate-limited (with Retry-After,
// or 1 s when absent); 408 and 5xx retryable; 404, 409 and 410 permanent;
// 400 and 422 invalid input; anything else permanent. It closes the body
// of a failed response.
func Check(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	msg := fmt.Sprintf("%s %s: %s", resp.Request.Method, redactURL(resp.Request.URL, nil), resp.Status)
	if s := strings.TrimSpace(string(snippet)); s != "" {
		msg += ": " + s
	}
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return sdk.Authentication("%s", msg).WithDetail("the upstream refused the credentials; check or renew them in the connection's configuration")
	case code == http.StatusTooManyRequests:
		d, ok := RetryAfter(resp.Header, time.Now())
		if !ok {
			d = time.Second
		}
		return sdk.RateLimited(d, "%s", msg)
	case code == http.StatusRequestTimeout || code >= 500:
		return sdk.Retryable(errors.New(resp.Status), "%s", msg)
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		return sdk.InvalidInput("%s", msg)
	default:
		return sdk.Permanent(errors.New(resp.Status), "%s", msg)
	}
}

// JSON sends a request with body encoded as JSON (none when nil), checks
// the response with Check, and decodes a 2xx body into out (skipped when
// out is nil). A body that does not decode is an InvalidInput error.
func (c *Client) JSON(ctx context.Context, method, url string, header http.Header, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return sdk.InvalidInput("httpclient: encode %s %s body: %v", method, url, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return sdk.InvalidInput("httpclient: %s %s: %v", method, url, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	if err := Check(resp); err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return sdk.InvalidInput("httpclient: %s %s: decode response: %v", method, redactURL(req.URL, nil), err)
	}
	return nil
}
