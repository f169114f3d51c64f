package amazon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// fixtures is the shared Amazon fixture folder, relative to this package.
var fixtures = filepath.Join("..", "..", "..", "shared", "fixtures", "amazon")

// fixture reads a shared fixture, skipping the test when the folder is
// absent.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	if _, err := os.Stat(fixtures); err != nil {
		t.Skipf("the shared fixtures (%s) are not here: %v", fixtures, err)
	}
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exchange is an *.exchange.json fixture.
type exchange struct {
	Request struct {
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"response"`
}

func loadExchange(t testing.TB, name string) exchange {
	t.Helper()
	var e exchange
	if err := json.Unmarshal(fixture(t, name), &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

// write replays the exchange's response.
func (e exchange) write(w http.ResponseWriter) {
	for k, v := range e.Response.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(e.Response.Status)
	_, _ = w.Write(e.Response.Body)
}

// replay is a stub upstream: handlers by "METHOD /path", and a token
// endpoint that answers the LWA fixture.
type replay struct {
	*httptest.Server
	mu       sync.Mutex
	handlers map[string]http.HandlerFunc
	calls    map[string]int
	tokens   []string
}

func newReplay(t testing.TB) *replay {
	t.Helper()
	rp := &replay{handlers: map[string]http.HandlerFunc{}, calls: map[string]int{}}
	lwa := loadExchange(t, "lwa-token-refresh.exchange.json")
	rp.handlers["POST /auth/o2/token"] = func(w http.ResponseWriter, r *http.Request) { lwa.write(w) }
	rp.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		rp.mu.Lock()
		rp.calls[key]++
		if tok := r.Header.Get("x-amz-access-token"); tok != "" {
			rp.tokens = append(rp.tokens, tok)
		}
		h := rp.handlers[key]
		rp.mu.Unlock()
		if h == nil {
			http.Error(w, `{"errors":[{"code":"NotFound","message":"no stub for `+key+`"}]}`, http.StatusNotFound)
			return
		}
		h(w, r)
	}))
	t.Cleanup(rp.Close)
	return rp
}

func (rp *replay) handle(key string, h http.HandlerFunc) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.handlers[key] = h
}

func (rp *replay) count(key string) int {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.calls[key]
}

// config returns a configuration pointing at the stub.
func (rp *replay) config(t testing.TB, overrides map[string]any) json.RawMessage {
	t.Helper()
	cfg := map[string]any{
		"lwa_client_id":     "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef",
		"lwa_client_secret": "amzn1.oa2-cs.v1.fixturesecret",
		"refresh_token":     "Atzr|IwEBIFixtureRefreshToken",
		"seller_id":         "A2FIXTURESELLER",
		"region":            "eu",
		"marketplace_ids":   []string{"A1PA6795UKMFR9", "A1F83G8C2ARO7P"},
		"endpoint":          rp.URL,
		"lwa_endpoint":      rp.URL + "/auth/o2/token",
		"relay_secret":      "fixture-relay-secret-0123456789",
		"max_retries":       3,
	}
	for k, v := range overrides {
		if v == nil {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// offlineConfig is a configuration for tests that call no upstream
// (ParseWebhook).
func offlineConfig(t testing.TB, overrides map[string]any) json.RawMessage {
	t.Helper()
	return (&replay{Server: &httptest.Server{URL: "http://127.0.0.1:1"}}).config(t, overrides)
}

// fastConnector returns a connector whose retries and report polls do not
// wait long, for stub tests.
func fastConnector() *Connector {
	c := New(WithReportPollInterval(time.Millisecond))
	c.retryBase, c.retryMax = time.Millisecond, 5*time.Millisecond
	return c
}

// collect is a ReadStream that keeps everything.
type collect struct {
	mu       sync.Mutex
	records  []commerce.Record
	cursors  []string
	progress []sdk.Progress
}

func (c *collect) Records(rs ...commerce.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, rs...)
	return nil
}

func (c *collect) Checkpoint(cur string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cursors = append(c.cursors, cur)
	return nil
}

func (c *collect) Progress(p sdk.Progress) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.progress = append(c.progress, p)
	return nil
}

func (c *collect) last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cursors) == 0 {
		return ""
	}
	return c.cursors[len(c.cursors)-1]
}

func (c *collect) maxWait() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var d time.Duration
	for _, p := range c.progress {
		d = max(d, p.RateLimitWait)
	}
	return d
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func levels(t testing.TB, recs []commerce.Record) map[string]*commerce.InventoryLevel {
	t.Helper()
	out := map[string]*commerce.InventoryLevel{}
	for _, r := range recs {
		lv, ok := r.(*commerce.InventoryLevel)
		if !ok {
			t.Fatalf("record %T is not an inventory level", r)
		}
		out[lv.Source.ExternalID] = lv
	}
	return out
}

func orders(t testing.TB, recs []commerce.Record) map[string]*commerce.Order {
	t.Helper()
	out := map[string]*commerce.Order{}
	for _, r := range recs {
		o, ok := r.(*commerce.Order)
		if !ok {
			t.Fatalf("record %T is not an order", r)
		}
		out[o.Source.ExternalID] = o
	}
	return out
}

func money(s string, cur commerce.Currency) commerce.Money { return commerce.MustMoney(s, cur) }
