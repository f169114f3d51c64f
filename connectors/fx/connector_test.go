package fx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/connectors/fx/fxtest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
	"github.com/supplyhub/supplyhub/sdk/jsonschema"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newTestConnector(t *testing.T) (*Connector, *fxtest.Server, *clock) {
	t.Helper()
	srv := fxtest.NewServer()
	t.Cleanup(srv.Close)
	clk := &clock{t: time.Date(2026, 3, 17, 12, 0, 0, 0, time.UTC)}
	c := NewWithOptions(Options{Now: clk.Now, NoBackground: true, HTTP: httpclient.Config{MaxAttempts: 1}})
	t.Cleanup(func() { c.Close() })
	return c, srv, clk
}

func cfg(v map[string]any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	m, err := New().Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "fx" || m.Version == "" {
		t.Fatalf("manifest %+v", m)
	}
	s, err := jsonschema.Compile(m.ConfigSchema)
	if err != nil {
		t.Fatalf("config schema: %v", err)
	}
	if err := s.Validate([]byte(`{"source":"ecb","history_format":"csv-zip"}`)); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	if err := s.Validate([]byte(`{"source":"bank"}`)); err == nil {
		t.Fatal("schema accepts an unknown source")
	}
}

func TestRatesECB(t *testing.T) {
	t.Parallel()
	c, srv, _ := newTestConnector(t)
	ctx := context.Background()
	cases := []struct {
		name    string
		req     sdk.FXRequest
		used    string
		quote   commerce.Currency
		rate    string // rounded to 10 places
		nRates  int
		history bool
	}{
		{name: "latest, every currency", req: sdk.FXRequest{Base: EUR}, used: "2026-03-13", quote: "USD", rate: "1.1612", nRates: 29},
		{name: "today resolves to the last publication", req: sdk.FXRequest{Base: EUR, Date: date("2026-03-17"), Quotes: []commerce.Currency{"GBP"}}, used: "2026-03-13", quote: "GBP", rate: "0.8662", nRates: 1},
		{name: "Good Friday 2025 from the history", req: sdk.FXRequest{Base: EUR, Date: date("2025-04-18"), Quotes: []commerce.Currency{"USD"}}, used: "2025-04-17", quote: "USD", rate: "1.136", nRates: 1, history: true},
		{name: "Easter Monday 2025", req: sdk.FXRequest{Base: EUR, Date: date("2025-04-21"), Quotes: []commerce.Currency{"JPY"}}, used: "2025-04-17", quote: "JPY", rate: "161.98", nRates: 1, history: true},
		{name: "cross rate USD to JPY", req: sdk.FXRequest{Base: "USD", Date: date("2023-04-06"), Quotes: []commerce.Currency{"JPY"}}, used: "2023-04-06", quote: "JPY", rate: "131.4612918003", nRates: 1, history: true},
		{name: "to EUR", req: sdk.FXRequest{Base: "USD", Date: date("2023-04-06"), Quotes: []commerce.Currency{"EUR"}}, used: "2023-04-06", quote: "EUR", rate: "0.9161704077", nRates: 1, history: true},
	}
	for _, format := range []string{"xml", "csv-zip"} {
		conf := cfg(map[string]any{"base_url": srv.FeedURL(), "history_format": format})
		for _, tc := range cases {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				req := tc.req
				req.Config = conf
				resp, err := c.Rates(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if len(resp.Rates) != tc.nRates {
					t.Fatalf("%d rates, want %d", len(resp.Rates), tc.nRates)
				}
				var found bool
				for _, r := range resp.Rates {
					if err := r.Validate(); err != nil {
						t.Errorf("invalid rate: %v", err)
					}
					if r.Date != date(tc.used) {
						t.Errorf("%s: date used %s, want %s", r.Quote, r.Date, tc.used)
					}
					if r.Quote == tc.quote {
						found = true
						if got := r.Rate.Round(10); !got.Equal(dec(tc.rate)) {
							t.Errorf("%s/%s = %s, want %s", r.Base, r.Quote, r.Rate, tc.rate)
						}
					}
				}
				if !found {
					t.Fatalf("no %s rate", tc.quote)
				}
			})
		}
	}
	if n := srv.Requests(fxtest.FeedPath + "/eurofxref-hist.xml"); n != 1 {
		t.Errorf("history XML downloaded %d times, want once (cached)", n)
	}
	if n := srv.Requests(fxtest.FeedPath + "/eurofxref-hist.zip"); n != 1 {
		t.Errorf("history zip downloaded %d times, want once (cached)", n)
	}
}

func TestRatesErrors(t *testing.T) {
	t.Parallel()
	c, srv, _ := newTestConnector(t)
	conf := cfg(map[string]any{"base_url": srv.FeedURL()})
	cases := []struct {
		name  string
		req   sdk.FXRequest
		is    error
		kind  sdk.ErrorKind
		words string
	}{
		{"KWD is not published", sdk.FXRequest{Base: EUR, Quotes: []commerce.Currency{"KWD"}}, ErrNoRate, sdk.KindInvalidInput, "KWD"},
		{"KWD as base", sdk.FXRequest{Base: "KWD", Date: date("2023-04-06")}, ErrNoRate, sdk.KindInvalidInput, "KWD"},
		{"BGN gone in 2026", sdk.FXRequest{Base: EUR, Quotes: []commerce.Currency{"BGN"}}, ErrNoRate, sdk.KindInvalidInput, "Bulgaria adopted the euro"},
		{"before the series", sdk.FXRequest{Base: EUR, Date: date("1998-12-31")}, ErrBeforeSeries, sdk.KindInvalidInput, "1998-12-31"},
		{"future date", sdk.FXRequest{Base: EUR, Date: date("2026-03-18")}, ErrFutureDate, sdk.KindInvalidInput, "future"},
		{"not a currency", sdk.FXRequest{Base: "XYZ"}, nil, sdk.KindInvalidInput, "XYZ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Config = conf
			_, err := c.Rates(context.Background(), req)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if k := sdk.KindOf(err); k != tc.kind {
				t.Errorf("kind = %s, want %s", k, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.words) {
				t.Errorf("err = %q, want it to mention %q", err, tc.words)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, conf, words string }{
		{"unknown field", `{"sorce":"ecb"}`, "sorce"},
		{"bad source", `{"source":"bank"}`, "source"},
		{"rates_api needs base_url", `{"source":"rates_api"}`, "base_url"},
		{"bad url", `{"base_url":"ftp://x"}`, "http(s)"},
		{"bad history format", `{"history_format":"json"}`, "history_format"},
		{"bad duration", `{"refresh_interval":"soon"}`, "refresh_interval"},
		{"too short", `{"max_stale":"1s"}`, "max_stale"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig(json.RawMessage(tc.conf))
			if sdk.KindOf(err) != sdk.KindInvalidInput || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("err = %v, want InvalidInput mentioning %q", err, tc.words)
			}
		})
	}
	p, err := ParseConfig(nil)
	if err != nil || p.Source != SourceECB || p.BaseURL != DefaultECBURL || p.refresh != time.Hour {
		t.Fatalf("defaults: %+v, %v", p, err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	c, srv, _ := newTestConnector(t)
	resp, err := c.Check(context.Background(), sdk.CheckRequest{Config: cfg(map[string]any{"base_url": srv.FeedURL()})})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Details["latest"] != "2026-03-13" {
		t.Fatalf("check = %+v", resp)
	}
	srv.Fail(http.StatusNotFound)
	c2, _, _ := newTestConnector(t)
	_, err = c2.Check(context.Background(), sdk.CheckRequest{Config: cfg(map[string]any{"base_url": srv.URL + "/nowhere"})})
	if sdk.KindOf(err) != sdk.KindPermanent {
		t.Fatalf("wrong base_url: err = %v, want permanent", err)
	}
}

// TestStalenessRule walks the cache through its rule: fresh for the refresh
// interval, re-downloaded after it, served stale while downloads fail until
// max_stale, then a retryable error.
func TestStalenessRule(t *testing.T) {
	t.Parallel()
	c, srv, clk := newTestConnector(t)
	conf := cfg(map[string]any{"base_url": srv.FeedURL(), "refresh_interval": "1h", "max_stale": "6h"})
	daily := fxtest.FeedPath + "/eurofxref-daily.xml"
	get := func() (*sdk.FXResponse, error) {
		return c.Rates(context.Background(), sdk.FXRequest{Config: conf, Base: EUR, Quotes: []commerce.Currency{"USD"}})
	}
	steps := []struct {
		name      string
		advance   time.Duration
		fail      bool
		downloads int
		wantErr   bool
	}{
		{"first lookup downloads", 0, false, 1, false},
		{"within the interval: cached", 59 * time.Minute, false, 1, false},
		{"after the interval: downloads again", 2 * time.Minute, false, 2, false},
		{"download fails: stale copy served", 61 * time.Minute, true, 3, false},
		{"still failing, 5h old: stale served", 4 * time.Hour, true, 4, false},
		{"past max_stale: retryable error", 2 * time.Hour, true, 5, true},
		{"upstream back: fresh again", time.Minute, false, 6, false},
	}
	for _, s := range steps {
		clk.Add(s.advance)
		if s.fail {
			srv.Fail(http.StatusServiceUnavailable)
		}
		resp, err := get()
		if s.wantErr {
			if err == nil || !sdk.IsRetryable(err) {
				t.Fatalf("%s: err = %v, want a retryable error", s.name, err)
			}
		} else if err != nil || len(resp.Rates) != 1 {
			t.Fatalf("%s: %v", s.name, err)
		}
		if n := srv.Requests(daily); n != s.downloads {
			t.Fatalf("%s: %d downloads, want %d", s.name, n, s.downloads)
		}
	}
}

// TestCacheSharesOneDownload checks that concurrent lookups of a cold cache
// cause one download.
func TestCacheSharesOneDownload(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	release := make(chan struct{})
	ca := NewCache(func(ctx context.Context, f Feed) (*Table, error) {
		calls.Add(1)
		<-release
		return NewTable([]Day{{Date: date("2025-01-02"), Rates: map[commerce.Currency]decimal.Decimal{"USD": dec("1.03")}}})
	}, CacheConfig{})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tb, _, err := ca.Get(context.Background(), FeedDaily)
			if err == nil && tb.Len() != 1 {
				err = errors.New("wrong table")
			}
			errs <- err
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d downloads for 20 concurrent lookups, want 1", n)
	}
}

func TestCacheRefreshAndRun(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	ca := NewCache(func(ctx context.Context, f Feed) (*Table, error) {
		calls.Add(1)
		return NewTable([]Day{{Date: date("2025-01-02"), Rates: map[commerce.Currency]decimal.Decimal{"USD": dec("1.03")}}})
	}, CacheConfig{})
	if err := ca.Refresh(context.Background()); err != nil || calls.Load() != 0 {
		t.Fatalf("refresh of an empty cache: %v, %d downloads", err, calls.Load())
	}
	if _, _, err := ca.Get(context.Background(), FeedDaily); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ca.Run(ctx, 5*time.Millisecond); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if calls.Load() < 3 {
		t.Fatalf("Run refreshed %d times", calls.Load()-1)
	}
}

func TestRatesAPISource(t *testing.T) {
	t.Parallel()
	c, srv, _ := newTestConnector(t)
	srv.RequireAPIKey("sk_test_1")
	conf := cfg(map[string]any{"source": "rates_api", "base_url": srv.URL, "api_key": "sk_test_1"})
	resp, err := c.Rates(context.Background(), sdk.FXRequest{Config: conf, Base: "USD", Date: date("2023-04-08"), Quotes: []commerce.Currency{"JPY", "EUR"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[commerce.Currency]string{"JPY": "131.4612918003", "EUR": "0.9161704077"}
	for _, r := range resp.Rates {
		if r.Date != date("2023-04-06") || !r.Rate.Round(10).Equal(dec(want[r.Quote])) {
			t.Errorf("%s: %s on %s, want %s on 2023-04-06", r.Quote, r.Rate, r.Date, want[r.Quote])
		}
	}
	_, err = c.Rates(context.Background(), sdk.FXRequest{Config: conf, Base: "USD", Quotes: []commerce.Currency{"KWD"}})
	if sdk.KindOf(err) != sdk.KindInvalidInput || !strings.Contains(err.Error(), "KWD") {
		t.Fatalf("KWD: err = %v", err)
	}
	bad := cfg(map[string]any{"source": "rates_api", "base_url": srv.URL, "api_key": "wrong"})
	if _, err := c.Rates(context.Background(), sdk.FXRequest{Config: bad, Base: "USD"}); sdk.KindOf(err) != sdk.KindAuthentication {
		t.Fatalf("bad key: err = %v, want authentication", err)
	}
	srv.Fail(http.StatusTooManyRequests)
	_, err = c.Rates(context.Background(), sdk.FXRequest{Config: conf, Base: "USD"})
	if sdk.KindOf(err) != sdk.KindRateLimited || sdk.RetryAfterOf(err) != 7*time.Second {
		t.Fatalf("429: err = %v (retry after %s)", err, sdk.RetryAfterOf(err))
	}
}

// TestRatesAPIHandler serves the connector's rates in the rates API shape
// and reads them back with ParseExchangeRate.
func TestRatesAPIHandler(t *testing.T) {
	t.Parallel()
	c, srv, _ := newTestConnector(t)
	h := httptest.NewServer(RatesAPIHandler(c, cfg(map[string]any{"base_url": srv.FeedURL()})))
	defer h.Close()
	get := func(path string) (int, []byte) {
		resp, err := http.Get(h.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := get("/v1/exchange_rates/usd?date=2023-04-06")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	er, err := ParseExchangeRate(body)
	if err != nil {
		t.Fatal(err)
	}
	if er.Base != "USD" || er.Date != date("2023-04-06") || er.Source != "ECB" || len(er.Rates) != 30 {
		t.Fatalf("got base %s date %s source %s with %d rates", er.Base, er.Date, er.Source, len(er.Rates))
	}
	if !er.Rates["JPY"].Round(10).Equal(dec("131.4612918003")) {
		t.Errorf("JPY = %s", er.Rates["JPY"])
	}
	if !strings.Contains(string(body), `"jpy":"131.46129180027485112231"`) {
		t.Errorf("rates must be lowercase keys with decimal strings: %s", body)
	}
	for _, bad := range []struct {
		path string
		code int
	}{
		{"/v1/exchange_rates/kwd", 400},
		{"/v1/exchange_rates/usd?date=1990-01-01", 400},
		{"/v1/exchange_rates/usd?date=yesterday", 400},
		{"/v1/exchange_rates/usd?quotes=eur,zzz", 400},
		{"/v1/other", 404},
	} {
		code, body := get(bad.path)
		var env apiError
		if code != bad.code || json.Unmarshal(body, &env) != nil || env.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d with an error envelope", bad.path, code, body, bad.code)
		}
	}
}

func TestParseExchangeRateStrict(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, words string }{
		{"number rate", `{"id":"usd","object":"exchange_rate","date":"2023-04-06","rates":{"eur":0.9}}`, "decimal string"},
		{"wrong object", `{"id":"usd","object":"rate","date":"2023-04-06","rates":{}}`, "object"},
		{"no date", `{"id":"usd","object":"exchange_rate","rates":{}}`, "date"},
		{"bad currency", `{"id":"usd","object":"exchange_rate","date":"2023-04-06","rates":{"zzz":"1"}}`, "zzz"},
		{"negative", `{"id":"usd","object":"exchange_rate","date":"2023-04-06","rates":{"eur":"-1"}}`, "positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseExchangeRate([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.words)
			}
		})
	}
}
