package shopifytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the shop's time zone must load on minimal systems
)

// Options configure a fake shop. The zero value of every field has a
// sensible default; Orders defaults to 0 (an empty shop).
type Options struct {
	// Shop is the myshopify domain, e.g. "supplyhub-demo.myshopify.com".
	Shop string
	// ShopName is the shop's display name.
	ShopName string
	// Token is the Admin API access token requests must carry in
	// X-Shopify-Access-Token. Empty accepts any non-empty token.
	Token string
	// ClientSecret is the app's client secret: webhook deliveries are
	// signed with it (base64 HMAC-SHA256 of the body).
	ClientSecret string
	// Orders is the number of generated orders (any size; they are
	// generated lazily from Seed).
	Orders int
	// Products is the number of generated products (default 40), each with
	// one to four variants.
	Products int
	// Seed makes the generated data deterministic.
	Seed int64
	// Currency is the shop currency (default USD; USD, EUR, GBP, CAD, AUD,
	// CHF or JPY).
	Currency string
	// Timezone is the shop's IANA time zone (default America/New_York):
	// REST and webhook payloads carry times in it.
	Timezone string
	// Until is the end of the generated order history, which spans the
	// year before it (default 2026-03-01T00:00:00Z).
	Until time.Time
	// Clock gives the time of changes made at runtime (default time.Now).
	Clock func() time.Time
	// Scopes are the access scopes the token holds (default: every scope
	// the connector needs).
	Scopes []string
	// BucketSize and RestoreRate define the GraphQL cost bucket
	// (default 2000 points, restoring 100 points per second).
	BucketSize  float64
	RestoreRate float64
	// Unthrottled disables cost accounting (benchmarks).
	Unthrottled bool
	// MaxQueryCost is the single-query cost limit (default 1000).
	MaxQueryCost int
	// BulkDelay is how long a bulk operation stays RUNNING after its file
	// is written (default 0).
	BulkDelay time.Duration
	// WebhookTimeout is how long a webhook receiver has to answer
	// (Shopify: 5 seconds).
	WebhookTimeout time.Duration
	// WebhookRetryScale compresses Shopify's retry schedule (8 attempts
	// over 4 hours): 0.0001 turns 4 hours into 1.44 seconds. Default 1.
	WebhookRetryScale float64
	// AllowHTTPCallbacks lets webhook subscriptions use http:// addresses
	// (a gateway on loopback in tests); Shopify accepts https only.
	AllowHTTPCallbacks bool
	// Logf, when set, receives a line per notable event.
	Logf func(format string, args ...any)
}

// Faults switch on failures. Rates are probabilities in [0, 1] applied to
// each API request (GraphQL and REST); set them at runtime with SetFaults.
type Faults struct {
	// Throttle answers GraphQL calls THROTTLED (HTTP 200) at this rate even
	// when the cost bucket has room.
	Throttle float64
	// Err429 answers HTTP 429 with Retry-After at this rate.
	Err429 float64
	// RetryAfter is the Retry-After of injected 429s (default 1s).
	RetryAfter time.Duration
	// Err5xx answers 500, 502, 503 or 504 at this rate.
	Err5xx float64
	// Slow delays answers by SlowDelay (default 2s) at this rate.
	Slow      float64
	SlowDelay time.Duration
	// Timeout never answers (until the client gives up or TimeoutDelay,
	// default 60s, passes) at this rate.
	Timeout      float64
	TimeoutDelay time.Duration
	// Malformed answers 200 with a truncated JSON body at this rate.
	Malformed float64
	// BulkEmptyFile makes completed bulk operations report objects but
	// serve an empty file.
	BulkEmptyFile bool
	// BulkFail makes bulk operations fail with INTERNAL_SERVER_ERROR.
	BulkFail bool
	// WebhookDuplicate delivers webhooks twice at this rate, as Shopify
	// occasionally does.
	WebhookDuplicate float64
}

// Stats counts what the fake served.
type Stats struct {
	GraphQL, REST, Throttled, Injected429, Injected5xx, InjectedSlow, InjectedTimeout, InjectedMalformed int64
	IdempotentReplays                                                                                    int64
	BulkOperations                                                                                       int64
}

// Server is a fake Shopify shop speaking the Admin API's wire format. Create
// it with NewServer and Close it when done.
type Server struct {
	// URL is the base URL to configure as the connector's base_url.
	URL string

	opts Options
	st   *store
	hs   *httptest.Server

	faultMu sync.Mutex
	faults  Faults
	frng    *rng

	bucketMu  sync.Mutex
	available float64
	lastFill  time.Time

	restMu   sync.Mutex
	restUsed float64
	restFill time.Time

	idemMu sync.Mutex
	idem   map[string]idemEntry

	bulks *bulkRegistry
	hooks *webhookQueue
	subs  subscriptions
	tmp   string

	stallMu sync.Mutex
	stall   chan struct{} // closed on release; nil when not stalled

	appliedMu sync.Mutex
	applied   map[string]int // @idempotent key -> times applied

	stats struct {
		graphql, rest, throttled, e429, e5xx, slow, timeout, malformed, replays, bulk atomic.Int64
	}
	closed chan struct{}
}

type idemEntry struct {
	input   string
	payload gqlObject
}

// DefaultScopes are the access scopes the connector needs.
var DefaultScopes = []string{"read_orders", "read_all_orders", "read_products", "write_products", "read_inventory", "write_inventory",
	"read_locations", "read_fulfillments", "write_fulfillments", "read_merchant_managed_fulfillment_orders",
	"write_merchant_managed_fulfillment_orders", "read_customers"}

// NewServer starts a fake shop on a loopback port.
func NewServer(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	s.hs = httptest.NewServer(s)
	s.URL = s.hs.URL
	return s, nil
}

// NewUnstartedServer returns a fake shop that is not yet listening; serve
// it yourself through its ServeHTTP (for example on a chosen address), set
// URL, and call Close when done.
func NewUnstartedServer(opts Options) (*Server, error) { return newServer(opts) }

func newServer(opts Options) (*Server, error) {
	if opts.Shop == "" {
		opts.Shop = "supplyhub-demo.myshopify.com"
	}
	if opts.ShopName == "" {
		opts.ShopName = "Supplyhub Demo"
	}
	if opts.Products == 0 {
		opts.Products = 40
	}
	if opts.Products < 1 {
		return nil, errors.New("shopifytest: Products must be at least 1")
	}
	if opts.Orders < 0 {
		return nil, errors.New("shopifytest: Orders must not be negative")
	}
	if opts.Currency == "" {
		opts.Currency = "USD"
	}
	if _, ok := currencyExp[opts.Currency]; !ok {
		return nil, fmt.Errorf("shopifytest: currency %q is not one the fake knows (USD, EUR, GBP, CAD, AUD, CHF, JPY)", opts.Currency)
	}
	if opts.Timezone == "" {
		opts.Timezone = "America/New_York"
	}
	tz, err := time.LoadLocation(opts.Timezone)
	if err != nil {
		return nil, fmt.Errorf("shopifytest: time zone %q: %w", opts.Timezone, err)
	}
	if opts.Until.IsZero() {
		opts.Until = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Scopes == nil {
		opts.Scopes = DefaultScopes
	}
	if opts.BucketSize == 0 {
		opts.BucketSize = 2000
	}
	if opts.RestoreRate == 0 {
		opts.RestoreRate = 100
	}
	if opts.MaxQueryCost == 0 {
		opts.MaxQueryCost = 1000
	}
	if opts.WebhookTimeout == 0 {
		opts.WebhookTimeout = 5 * time.Second
	}
	if opts.WebhookRetryScale == 0 {
		opts.WebhookRetryScale = 1
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	tmp, err := os.MkdirTemp("", "shopifytest-*")
	if err != nil {
		return nil, fmt.Errorf("shopifytest: temp dir for bulk files: %w", err)
	}
	s := &Server{opts: opts, frng: newRNG(opts.Seed, 99), idem: map[string]idemEntry{}, tmp: tmp, closed: make(chan struct{}), applied: map[string]int{}}
	s.st = newStore(opts.Seed, opts.Orders, opts.Products, opts.Currency, tz, opts.Until.UTC(), opts.Clock)
	s.available = opts.BucketSize
	s.lastFill = opts.Clock()
	s.restFill = opts.Clock()
	s.bulks = &bulkRegistry{s: s, ops: map[int64]*bulkOperation{}}
	s.hooks = newWebhookQueue(s)
	return s, nil
}

// Close stops the server, the webhook deliveries and removes bulk files.
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
	s.hooks.stop()
	s.bulks.wait()
	os.RemoveAll(s.tmp)
}

// SetFaults replaces the fault switches; safe at any time.
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

// Stats returns counters of what the server served and injected.
func (s *Server) Stats() Stats {
	return Stats{GraphQL: s.stats.graphql.Load(), REST: s.stats.rest.Load(), Throttled: s.stats.throttled.Load(),
		Injected429: s.stats.e429.Load(), Injected5xx: s.stats.e5xx.Load(), InjectedSlow: s.stats.slow.Load(),
		InjectedTimeout: s.stats.timeout.Load(), InjectedMalformed: s.stats.malformed.Load(),
		IdempotentReplays: s.stats.replays.Load(), BulkOperations: s.stats.bulk.Load()}
}

func (s *Server) roll(rate float64) bool {
	if rate <= 0 {
		return false
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return float64(s.frng.next()>>11)/float64(1<<53) < rate
}

var (
	graphqlPath = regexp.MustCompile(`^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$`)
	restPath    = regexp.MustCompile(`^/admin/api/(\d{4}-\d{2}|unstable)/([a-z_]+)\.json$`)
)

// ServeHTTP serves the Admin API, REST orders and bulk files.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Date", s.opts.Clock().UTC().Format(http.TimeFormat))
	w.Header().Set("X-Request-Id", fmt.Sprintf("%016x", s.frngNext()))
	if strings.HasPrefix(r.URL.Path, "/bulk-operation-outputs/") {
		s.serveBulkFile(w, r)
		return
	}
	m := graphqlPath.FindStringSubmatch(r.URL.Path)
	rm := restPath.FindStringSubmatch(r.URL.Path)
	if m == nil && rm == nil {
		http.Error(w, `{"errors":"Not Found"}`, http.StatusNotFound)
		return
	}
	version := ""
	if m != nil {
		version = m[1]
	} else {
		version = rm[1]
	}
	w.Header().Set("X-Shopify-API-Version", version)
	token := r.Header.Get("X-Shopify-Access-Token")
	if token == "" || s.opts.Token != "" && token != s.opts.Token {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`)
		return
	}
	if s.waitStall(r) {
		return
	}
	if s.injectFaults(w, r) {
		return
	}
	if m != nil {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, `{"errors":"GraphQL requests must be POSTed"}`, http.StatusMethodNotAllowed)
			return
		}
		s.stats.graphql.Add(1)
		s.serveGraphQL(w, r)
		return
	}
	s.stats.rest.Add(1)
	s.serveREST(w, r, rm[2])
}

// Stall makes every API request hang until release is called (or the
// client gives up), to test that callers honour cancellation.
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

// waitStall blocks a request while the server is stalled; it reports
// whether the request was abandoned.
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

// Applied returns how many times a mutation carrying the @idempotent key
// was applied (replays with the same key are not applied again).
func (s *Server) Applied(key string) int {
	s.appliedMu.Lock()
	defer s.appliedMu.Unlock()
	return s.applied[key]
}

func (s *Server) frngNext() uint64 {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.frng.next()
}

// injectFaults applies the fault switches; it reports whether it answered.
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
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Retry-After", strconv.FormatFloat(ra.Seconds(), 'f', 1, 64))
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`)
		return true
	}
	if s.roll(f.Err5xx) {
		s.stats.e5xx.Add(1)
		codes := []int{500, 502, 503, 504}
		code := codes[s.frngNext()%4]
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1>There was a problem loading this website.</body></html>", code, http.StatusText(code))
		return true
	}
	if s.roll(f.Malformed) {
		s.stats.malformed.Add(1)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"data":{"orders":{"edges":[{"node":{"id":"gid://shopify/Order/`)
		return true
	}
	return false
}

// takeCost refills the bucket and takes requested points, or reports the
// bucket state for a THROTTLED answer.
func (s *Server) takeCost(requested int, forceThrottle bool) (ok bool, available float64) {
	s.bucketMu.Lock()
	defer s.bucketMu.Unlock()
	now := s.opts.Clock()
	s.available = math.Min(s.opts.BucketSize, s.available+now.Sub(s.lastFill).Seconds()*s.opts.RestoreRate)
	s.lastFill = now
	if s.opts.Unthrottled {
		return true, s.available
	}
	if forceThrottle || float64(requested) > s.available {
		return false, s.available
	}
	s.available -= float64(requested)
	return true, s.available
}

func (s *Server) refundCost(points int) float64 {
	s.bucketMu.Lock()
	defer s.bucketMu.Unlock()
	if !s.opts.Unthrottled {
		s.available = math.Min(s.opts.BucketSize, s.available+float64(points))
	}
	return s.available
}

type throttleStatus struct {
	MaximumAvailable   json.Number `json:"maximumAvailable"`
	CurrentlyAvailable int         `json:"currentlyAvailable"`
	RestoreRate        json.Number `json:"restoreRate"`
}

type costInfo struct {
	RequestedQueryCost int            `json:"requestedQueryCost"`
	ActualQueryCost    *int           `json:"actualQueryCost"`
	ThrottleStatus     throttleStatus `json:"throttleStatus"`
}

// costExtension is extensions.cost, keys in Shopify's order.
func (s *Server) costExtension(requested int, actual *int, available float64) map[string]any {
	return map[string]any{"cost": costInfo{
		RequestedQueryCost: requested,
		ActualQueryCost:    actual,
		ThrottleStatus: throttleStatus{
			MaximumAvailable:   json.Number(strconv.FormatFloat(s.opts.BucketSize, 'f', 1, 64)),
			CurrentlyAvailable: int(math.Floor(available)),
			RestoreRate:        json.Number(strconv.FormatFloat(s.opts.RestoreRate, 'f', 1, 64)),
		},
	}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

const maxBody = 4 << 20

func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return
	}
	if len(body) > maxBody {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"errors": "Request body is too large"})
		return
	}
	req, errs := parseRequest(body, r.Header.Get("Content-Type"))
	if errs != nil {
		writeJSON(w, http.StatusOK, map[string]any{"errors": errs})
		return
	}
	cost, errs := validate(req, false)
	if errs != nil {
		writeJSON(w, http.StatusOK, map[string]any{"errors": errs})
		return
	}
	if cost > s.opts.MaxQueryCost {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []gqlError{{
			Message: fmt.Sprintf("Query cost is %d, which exceeds the single query max cost limit (%d).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n", cost, s.opts.MaxQueryCost),
			Extensions: map[string]any{"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": s.opts.MaxQueryCost,
				"documentation": "https://shopify.dev/api/usage/rate-limits"}}}})
		return
	}
	ok, avail := s.takeCost(cost, s.roll(s.Faults().Throttle))
	if !ok {
		s.stats.throttled.Add(1)
		writeJSON(w, http.StatusOK, map[string]any{
			"errors":     []gqlError{{Message: "Throttled", Extensions: map[string]any{"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}},
			"extensions": s.costExtension(cost, nil, avail),
		})
		return
	}
	ec := &execCtx{srv: s, req: req}
	data, errs2 := s.execute(r.Context(), ec)
	actual := ec.actual
	if req.op.kind == "mutation" {
		actual = cost
	}
	avail = s.refundCost(max(0, cost-actual))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	out := make([]byte, 0, len(data)+256)
	out = append(out, '{')
	if data != nil {
		out = append(out, `"data":`...)
		out = append(out, data...)
	}
	if len(errs2) > 0 {
		if data != nil {
			out = append(out, ',')
		}
		b, _ := json.Marshal(errs2)
		out = append(out, `"errors":`...)
		out = append(out, b...)
	}
	ext := s.costExtension(cost, &actual, avail)
	if len(ec.search) > 0 {
		ext["search"] = ec.search
	}
	b, _ := json.Marshal(ext)
	out = append(out, `,"extensions":`...)
	out = append(out, b...)
	out = append(out, '}', '\n')
	w.Write(out)
}

// execute runs a validated operation and returns the data JSON.
func (s *Server) execute(ctx context.Context, ec *execCtx) ([]byte, []gqlError) {
	if ec.req.op.kind == "mutation" {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		ec.object(mutationRoot{}, ec.req.op.sel)
	} else {
		s.st.mu.RLock()
		defer s.st.mu.RUnlock()
		ec.object(queryRoot{}, ec.req.op.sel)
	}
	return ec.out, ec.errs
}
