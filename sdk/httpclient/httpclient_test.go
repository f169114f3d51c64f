package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
)

// script is an httptest handler answering with the given statuses in turn
// (the last one repeats) and recording the bodies it received.
type script struct {
	mu       sync.Mutex
	statuses []int
	headers  []http.Header
	bodies   []string
	calls    atomic.Int32
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.calls.Add(1)) - 1
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	s.mu.Unlock()
	i := min(n, len(s.statuses)-1)
	if i < len(s.headers) {
		for k, vs := range s.headers[i] {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(s.statuses[i])
	fmt.Fprintf(w, `{"call": %d}`, n+1)
}

// newTestClient returns a client that records its sleeps instead of
// sleeping, with jitter fixed at its maximum.
func newTestClient(cfg Config) (*Client, *[]time.Duration) {
	c := New(cfg)
	var slept []time.Duration
	var mu sync.Mutex
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return ctx.Err()
	}
	c.jitter = func(n int64) int64 { return n - 1 }
	return c, &slept
}

func TestDoRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		method    string
		header    http.Header
		statuses  []int
		respHdrs  []http.Header
		maxAtt    int
		wantCalls int32
		wantCode  int
		wantSleep []time.Duration
	}{
		{"success first time", "GET", nil, []int{200}, nil, 0, 1, 200, nil},
		{"503 then ok, backoff doubles", "GET", nil, []int{503, 502, 200}, nil, 0, 3, 200, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{"429 honours Retry-After", "GET", nil, []int{429, 200}, []http.Header{{"Retry-After": {"3"}}}, 0, 2, 200, []time.Duration{3 * time.Second}},
		{"too long Retry-After goes to the caller", "GET", nil, []int{429, 200}, []http.Header{{"Retry-After": {"3600"}}}, 0, 1, 429, nil},
		{"gives up after MaxAttempts", "GET", nil, []int{500}, nil, 3, 3, 500, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}},
		{"404 is not retried", "GET", nil, []int{404}, nil, 0, 1, 404, nil},
		{"POST is not retried", "POST", nil, []int{503, 200}, nil, 0, 1, 503, nil},
		{"POST with an idempotency key is", "POST", http.Header{"Idempotency-Key": {"k1"}}, []int{503, 200}, nil, 0, 2, 200, []time.Duration{100 * time.Millisecond}},
		{"backoff is capped", "GET", nil, []int{500, 500, 500, 500, 200}, nil, 0, 5, 200,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &script{statuses: tt.statuses, headers: tt.respHdrs}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, slept := newTestClient(Config{MaxAttempts: tt.maxAtt, BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond})
			req, _ := http.NewRequest(tt.method, srv.URL+"/orders", strings.NewReader(`{"qty": 5}`))
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode || s.calls.Load() != tt.wantCalls {
				t.Fatalf("status %d after %d calls, want %d after %d", resp.StatusCode, s.calls.Load(), tt.wantCode, tt.wantCalls)
			}
			if fmt.Sprint(*slept) != fmt.Sprint(tt.wantSleep) {
				t.Fatalf("slept %v, want %v", *slept, tt.wantSleep)
			}
			for i, b := range s.bodies {
				if tt.method == "POST" && b != `{"qty": 5}` {
					t.Fatalf("attempt %d sent body %q", i+1, b)
				}
			}
		})
	}
}

func TestBackoffJitterStaysInHalfOpenRange(t *testing.T) {
	t.Parallel()
	c := New(Config{BaseDelay: time.Second, MaxDelay: 8 * time.Second})
	for attempt := 1; attempt <= 6; attempt++ {
		want := min(time.Second<<(attempt-1), 8*time.Second)
		for i := 0; i < 50; i++ {
			d := c.backoff(attempt)
			if d < want/2 || d > want {
				t.Fatalf("attempt %d: backoff %v outside [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}

func TestRateLimitWaitIsCounted(t *testing.T) {
	t.Parallel()
	s := &script{statuses: []int{429, 200}, headers: []http.Header{{"Retry-After": {"2"}}}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := newTestClient(Config{})
	if err := c.JSON(context.Background(), "GET", srv.URL, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if c.RateLimitWait() != 2*time.Second {
		t.Fatalf("RateLimitWait = %v, want 2s", c.RateLimitWait())
	}
}

func TestNetworkErrorsAreRetriedThenRetryable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	u := srv.URL + "/x?access_token=shpat_secret123"
	srv.Close()
	c, slept := newTestClient(Config{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond})
	req, _ := http.NewRequest("GET", u, nil)
	_, err := c.Do(req)
	if sdk.KindOf(err) != sdk.KindRetryable {
		t.Fatalf("err = %v, want retryable", err)
	}
	if len(*slept) != 2 {
		t.Fatalf("slept %v, want two backoffs", *slept)
	}
	if strings.Contains(err.Error(), "shpat_secret123") {
		t.Fatalf("the error leaks the token: %v", err)
	}
}

func TestCancellationDuringBackoff(t *testing.T) {
	t.Parallel()
	s := &script{statuses: []int{503}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := New(Config{BaseDelay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	start := time.Now()
	_, err := c.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Do did not return promptly after the deadline")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		header http.Header
		kind   sdk.ErrorKind
		after  time.Duration
	}{
		{200, nil, "", 0},
		{204, nil, "", 0},
		{401, nil, sdk.KindAuthentication, 0},
		{403, nil, sdk.KindAuthentication, 0},
		{429, http.Header{"Retry-After": {"7"}}, sdk.KindRateLimited, 7 * time.Second},
		{429, nil, sdk.KindRateLimited, time.Second},
		{408, nil, sdk.KindRetryable, 0},
		{500, nil, sdk.KindRetryable, 0},
		{503, nil, sdk.KindRetryable, 0},
		{400, nil, sdk.KindInvalidInput, 0},
		{422, nil, sdk.KindInvalidInput, 0},
		{404, nil, sdk.KindPermanent, 0},
		{410, nil, sdk.KindPermanent, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			u, _ := url.Parse("https://shop.example/admin/orders.json?api_key=k123")
			resp := &http.Response{StatusCode: tt.status, Status: fmt.Sprintf("%d %s", tt.status, http.StatusText(tt.status)),
				Header: tt.header, Body: io.NopCloser(strings.NewReader(`{"errors":"nope"}`)), Request: &http.Request{Method: "GET", URL: u}}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			err := Check(resp)
			if tt.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if sdk.KindOf(err) != tt.kind || sdk.RetryAfterOf(err) != tt.after {
				t.Fatalf("Check = %v (kind %s, after %v), want %s after %v", err, sdk.KindOf(err), sdk.RetryAfterOf(err), tt.kind, tt.after)
			}
			if !strings.Contains(err.Error(), `{"errors":"nope"}`) || strings.Contains(err.Error(), "k123") {
				t.Fatalf("message %q must quote the body and hide the key", err)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"5", 5 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"Sat, 14 Mar 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Sat, 14 Mar 2026 09:00:00 GMT", 0, true},
		{"", 0, false},
		{"soon", 0, false},
		{"-3", 0, false},
	}
	for _, tt := range tests {
		got, ok := RetryAfter(http.Header{"Retry-After": {tt.v}}, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://user:hunter2@shop.example/orders?page=2&access_token=shpat_1&api_key=k&sig=abc&limit=50")
	got := RedactURL(u)
	for _, secret := range []string{"hunter2", "shpat_1", "api_key=k&"} {
		if strings.Contains(got, secret) {
			t.Fatalf("RedactURL = %s leaks %s", got, secret)
		}
	}
	if !strings.Contains(got, "page=2") || !strings.Contains(got, "limit=50") {
		t.Fatalf("RedactURL = %s dropped plain parameters", got)
	}
	h := RedactHeader(http.Header{"Authorization": {"Bearer x"}, "X-Shopify-Access-Token": {"shpat"}, "Accept": {"json"},
		"Idempotency-Key": {"k1"}, "Cookie": {"s=1"}})
	if h.Get("Authorization") != Redacted || h.Get("X-Shopify-Access-Token") != Redacted || h.Get("Cookie") != Redacted {
		t.Fatalf("secret headers kept: %v", h)
	}
	if h.Get("Accept") != "json" || h.Get("Idempotency-Key") != "k1" {
		t.Fatalf("plain headers redacted: %v", h)
	}
	text := RedactText(`Get "https://a:pw@x.example/y?token=abc&n=1": dial tcp: refused; client_secret=s3 ok`)
	if strings.Contains(text, "abc") || strings.Contains(text, ":pw@") || strings.Contains(text, "s3") || !strings.Contains(text, "n=1") {
		t.Fatalf("RedactText = %s", text)
	}
}

func TestLogsAreRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&script{statuses: []int{503, 200}})
	defer srv.Close()
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := newTestClient(Config{Logger: logger, Secrets: []string{"X-Shop-Pass"}})
	req, _ := http.NewRequest("GET", srv.URL+"/o?password=p4ss", nil)
	req.Header.Set("Authorization", "Bearer tok3n")
	req.Header.Set("X-Shop-Pass", "shoppass")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, secret := range []string{"tok3n", "p4ss", "shoppass"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log leaks %q:\n%s", secret, out)
		}
	}
	if strings.Count(out, `"msg":"http request"`) != 2 || strings.Count(out, `"msg":"http retry"`) != 1 {
		t.Fatalf("want two attempts and one retry logged:\n%s", out)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestJSON(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(415)
			return
		}
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Write(b)
		case "/broken":
			w.Write([]byte(`{"a":`))
		default:
			w.WriteHeader(401)
		}
	}))
	defer srv.Close()
	c, _ := newTestClient(Config{})
	var out struct{ A int }
	if err := c.JSON(context.Background(), "POST", srv.URL+"/echo", nil, map[string]int{"a": 3}, &out); err != nil || out.A != 3 {
		t.Fatalf("echo: %v %+v", err, out)
	}
	if err := c.JSON(context.Background(), "POST", srv.URL+"/broken", nil, map[string]int{}, &out); sdk.KindOf(err) != sdk.KindInvalidInput {
		t.Fatalf("broken body: %v", err)
	}
	if err := c.JSON(context.Background(), "POST", srv.URL+"/auth", nil, map[string]int{}, &out); sdk.KindOf(err) != sdk.KindAuthentication {
		t.Fatalf("401: %v", err)
	}
}
