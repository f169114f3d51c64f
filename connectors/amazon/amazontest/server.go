package amazontest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Default credentials the fake accepts.
const (
	DefaultClientID     = "amzn1.application-oa2-client.0123456789abcdef0123456789abcdef"
	DefaultClientSecret = "amzn1.oa2-cs.v1.fixturesecret"
	DefaultRefreshToken = "Atzr|IwEBIFixtureRefreshToken"
	DefaultSellerID     = "A2FIXTURESELLER"
	DefaultAWSKeyID     = "AKIAFAKESQSACCESSKEY"
	DefaultAWSSecret    = "fakeSQSsecretKey/0123456789abcdefEXAMPLE"
	DefaultAccountID    = "123456789012"
	DefaultQueueName    = "sp-notifications"
	// DefaultIndexLag is how far behind the request time Amazon's order
	// searches see changes (lastUpdatedBefore is at least two minutes
	// before the request).
	DefaultIndexLag = 2 * time.Minute
)

// Options configure a fake. The zero value works: two marketplaces
// (Amazon.de in EUR and Amazon.co.uk in GBP), no orders, 12 SKUs.
type Options struct {
	// ClientID, ClientSecret and RefreshToken are the LWA credentials the
	// token endpoint accepts (defaults above).
	ClientID, ClientSecret, RefreshToken string
	// SellerID is the selling partner id (default A2FIXTURESELLER).
	SellerID string
	// Marketplaces are the seller's marketplace ids (default Amazon.de and
	// Amazon.co.uk). The fake knows DE, UK, FR, IT, ES, US, CA and JP.
	Marketplaces []string
	// Orders is the number of generated orders, spread over the
	// marketplaces.
	Orders int
	// SKUs is the size of the catalogue (default 12).
	SKUs int
	// Seed makes the generated data deterministic.
	Seed uint64
	// HistoryDays is the span of the generated order history, ending an
	// hour before the fake starts (default 30).
	HistoryDays int
	// Clock gives the time of changes (default time.Now). Quotas, tokens
	// and timeouts use the real clock.
	Clock func() time.Time
	// RateScale multiplies every operation's documented rate (default 1);
	// x-amzn-RateLimit-Limit reports the scaled rate.
	RateScale float64
	// Unthrottled disables the quotas (benchmarks). x-amzn-RateLimit-Limit
	// still reports the scaled rates, which the connector follows: set
	// RateScale high too.
	Unthrottled bool
	// IndexLag is how far behind the request time order searches see
	// changes (lastUpdatedBefore). 0 means none; Amazon's is
	// DefaultIndexLag.
	IndexLag time.Duration
	// TokenTTL is the lifetime of access tokens (default 1 h).
	TokenTTL time.Duration
	// InventoryTokenTTL is the lifetime of getInventorySummaries'
	// nextToken (default 30 s, as Amazon's).
	InventoryTokenTTL time.Duration
	// ReportDelay is how long a report takes to process (default 2 s).
	ReportDelay time.Duration
	// ReportCharset encodes report documents: UTF-8 (default),
	// ISO-8859-1 or windows-1252, as some EU flat files are.
	ReportCharset string
	// AWSAccessKeyID and AWSSecretAccessKey sign SQS calls (defaults above).
	AWSAccessKeyID, AWSSecretAccessKey string
	// AWSRegion is the queue's region (default eu-west-1).
	AWSRegion string
	// VisibilityTimeout is the queue's default (default 30 s).
	VisibilityTimeout time.Duration
	// NoNotifications stops mutators from enqueueing notifications.
	NoNotifications bool
	// RequireSubscriptions enqueues a notification only when its type is
	// subscribed (createSubscription) to a destination of the fake's
	// queue, as Amazon does. By default every notification is enqueued.
	RequireSubscriptions bool
}

// Faults switch on failures. Rates are probabilities in [0, 1] applied to
// each SP-API request; set them at runtime with SetFaults.
type Faults struct {
	// Err429 answers 429 QuotaExceeded although the quota has room.
	Err429 float64
	// Err5xx answers 500 InternalFailure or 503 ServiceUnavailable.
	Err5xx float64
	// Slow delays answers by SlowDelay (default 2 s).
	Slow      float64
	SlowDelay time.Duration
	// Timeout never answers (until the client gives up or TimeoutDelay,
	// default 60 s, passes).
	Timeout      float64
	TimeoutDelay time.Duration
	// Malformed answers 200 with a truncated JSON body.
	Malformed float64
	// ExpireTokens answers 403 "access token expired" for a valid token
	// older than a second, and expires it, as when Amazon expired it early.
	ExpireTokens float64
	// LWAErr5xx makes the token endpoint answer 500.
	LWAErr5xx float64
	// ReportFatal makes reports end FATAL.
	ReportFatal bool
	// ReportEmptyDocument makes DONE reports serve an empty document.
	ReportEmptyDocument bool
}

// Stats counts what the fake served.
type Stats struct {
	// Requests counts SP-API requests per operation ("v0/getOrders").
	Requests map[string]int64
	// Throttled counts 429s of empty quotas; Injected429 and Injected5xx
	// the injected ones.
	Throttled, Injected429, Injected5xx, InjectedSlow, InjectedTimeout, InjectedMalformed int64
	// TokenExchanges counts LWA exchanges; ExpiredTokens 403s for expired
	// tokens.
	TokenExchanges, ExpiredTokens int64
	// Reports counts reports created.
	Reports int64
	// SQSReceives and SQSDeletes count queue calls; Notifications the
	// messages enqueued.
	SQSReceives, SQSDeletes, Notifications int64
}

// Server is a fake Selling Partner API. Create it with NewServer and Close
// it when done.
type Server struct {
	// URL is the base URL of the SP-API, the token endpoint
	// (URL+"/auth/o2/token"), report downloads and SQS.
	URL string
	// QueueURL is the notification queue's URL.
	QueueURL string
	// QueueARN is the queue's ARN, for Notifications API destinations:
	// arn:aws:sqs:<AWSRegion>:DefaultAccountID:DefaultQueueName.
	QueueARN string

	opts Options
	hs   *http.Server
	ln   net.Listener

	mu        sync.Mutex
	data      *store
	tokens    map[string]tokenLife
	tokenN    int
	reports   map[string]*report
	reportN   int
	buckets   map[string]*bucket
	rng       *mrand.Rand
	requestID atomic.Int64

	faultMu sync.Mutex
	faults  Faults
	frng    *mrand.Rand

	stallMu sync.Mutex
	stall   chan struct{}

	queue *queue
	notif notifState

	stats struct {
		throttled, e429, e5xx, slow, timeout, malformed, exchanges, expired, reports, receives, deletes, notifications atomic.Int64
		mu                                                                                                             sync.Mutex
		requests                                                                                                       map[string]int64
	}
	closed chan struct{}
}

// tokenLife is when an access token was issued and expires, and the
// scope of a grantless token (empty for a seller's).
type tokenLife struct {
	issued, expires time.Time
	scope           string
}

// NewServer starts a fake on a loopback port.
func NewServer(opts Options) (*Server, error) {
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.RefreshToken == "" {
		opts.RefreshToken = DefaultRefreshToken
	}
	if opts.SellerID == "" {
		opts.SellerID = DefaultSellerID
	}
	if len(opts.Marketplaces) == 0 {
		opts.Marketplaces = []string{"A1PA6795UKMFR9", "A1F83G8C2ARO7P"}
	}
	for _, m := range opts.Marketplaces {
		if _, ok := fakeMarkets[m]; !ok {
			return nil, fmt.Errorf("amazontest: marketplace %q is not one the fake knows (DE, UK, FR, IT, ES, US, CA, JP)", m)
		}
	}
	if opts.SKUs <= 0 {
		opts.SKUs = 12
	}
	if opts.HistoryDays <= 0 {
		opts.HistoryDays = 30
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.RateScale <= 0 {
		opts.RateScale = 1
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.InventoryTokenTTL <= 0 {
		opts.InventoryTokenTTL = 30 * time.Second
	}
	if opts.ReportDelay <= 0 {
		opts.ReportDelay = 2 * time.Second
	}
	switch strings.ToLower(opts.ReportCharset) {
	case "", "utf-8", "iso-8859-1", "windows-1252":
	default:
		return nil, fmt.Errorf("amazontest: report charset %q: use UTF-8, ISO-8859-1 or windows-1252", opts.ReportCharset)
	}
	if opts.AWSAccessKeyID == "" {
		opts.AWSAccessKeyID = DefaultAWSKeyID
	}
	if opts.AWSSecretAccessKey == "" {
		opts.AWSSecretAccessKey = DefaultAWSSecret
	}
	if opts.AWSRegion == "" {
		opts.AWSRegion = "eu-west-1"
	}
	if opts.VisibilityTimeout <= 0 {
		opts.VisibilityTimeout = 30 * time.Second
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("amazontest: listen: %w", err)
	}
	s := &Server{opts: opts, ln: ln, URL: "http://" + ln.Addr().String(), tokens: map[string]tokenLife{}, reports: map[string]*report{},
		buckets: map[string]*bucket{}, rng: mrand.New(mrand.NewPCG(opts.Seed, 0x5eed)), frng: mrand.New(mrand.NewPCG(opts.Seed, 0xfa17)),
		closed: make(chan struct{})}
	s.stats.requests = map[string]int64{}
	s.QueueURL = s.URL + "/" + DefaultAccountID + "/" + DefaultQueueName
	s.QueueARN = "arn:aws:sqs:" + opts.AWSRegion + ":" + DefaultAccountID + ":" + DefaultQueueName
	s.notif = notifState{subs: map[string]Subscription{}, refuse: map[string]refusal{}}
	s.queue = newQueue(opts.VisibilityTimeout)
	s.data = generate(opts, opts.Clock())
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	select {
	case <-s.closed:
		return
	default:
		close(s.closed)
	}
	s.releaseStall()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.hs.Shutdown(ctx)
	s.hs.Close()
}

// Options returns the options the fake runs with (defaults filled in).
func (s *Server) Options() Options { return s.opts }

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
	st := Stats{Throttled: s.stats.throttled.Load(), Injected429: s.stats.e429.Load(), Injected5xx: s.stats.e5xx.Load(),
		InjectedSlow: s.stats.slow.Load(), InjectedTimeout: s.stats.timeout.Load(), InjectedMalformed: s.stats.malformed.Load(),
		TokenExchanges: s.stats.exchanges.Load(), ExpiredTokens: s.stats.expired.Load(), Reports: s.stats.reports.Load(),
		SQSReceives: s.stats.receives.Load(), SQSDeletes: s.stats.deletes.Load(), Notifications: s.stats.notifications.Load(),
		Requests: map[string]int64{}}
	s.stats.mu.Lock()
	for k, v := range s.stats.requests {
		st.Requests[k] = v
	}
	s.stats.mu.Unlock()
	return st
}

func (s *Server) roll(rate float64) bool {
	if rate <= 0 {
		return false
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.frng.Float64() < rate
}

// Stall makes every request hang until release is called (or the client
// gives up), to test that callers honour cancellation.
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

func (s *Server) releaseStall() {
	s.stallMu.Lock()
	ch := s.stall
	s.stall = nil
	s.stallMu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		default:
			close(ch)
		}
	}
}

func (s *Server) waitStall(r *http.Request) bool {
	s.stallMu.Lock()
	ch := s.stall
	s.stallMu.Unlock()
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closed:
		return false
	}
}

// ---- the usage plans

// opSpec is an operation's documented usage plan.
type opSpec struct {
	rate  float64
	burst int
}

// plans are the documented rates and bursts (the models' Usage Plan tables).
var plans = map[string]opSpec{
	"v0/getOrders":                    {0.0167, 20},
	"v0/getOrder":                     {0.5, 30},
	"v0/getOrderItems":                {0.5, 30},
	"v0/confirmShipment":              {2, 10},
	"2026-01-01/searchOrders":         {0.0056, 20},
	"2026-01-01/getOrder":             {0.5, 30},
	"v1/getInventorySummaries":        {2, 2},
	"2021-06-30/createReport":         {0.0167, 15},
	"2021-06-30/getReport":            {2, 15},
	"2021-06-30/getReportDocument":    {0.0167, 15},
	"2021-08-01/getListingsItem":      {5, 10},
	"2021-08-01/patchListingsItem":    {5, 5},
	"v1/getMarketplaceParticipations": {0.016, 15},
	"2021-06-30/cancelReport":         {0.0222, 10},
	"2021-08-01/searchListingsItems":  {5, 5},
	"v0/getOrderBuyerInfo":            {0.5, 30},
	"v1/getDestinations":              {1, 5},
	"v1/createDestination":            {1, 5},
	"v1/getSubscription":              {1, 5},
	"v1/createSubscription":           {1, 5},
	"v1/deleteSubscriptionById":       {1, 5},
}

// bucket is the fake's side of a usage plan.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

// take takes a token of op's quota, reporting false when it is empty.
func (s *Server) take(op string) bool {
	if s.opts.Unthrottled {
		return true
	}
	p := plans[op]
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[op]
	now := time.Now()
	if b == nil {
		b = &bucket{rate: p.rate * s.opts.RateScale, burst: float64(p.burst), tokens: float64(p.burst), last: now}
		s.buckets[op] = b
	}
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// RateLimit returns the x-amzn-RateLimit-Limit the fake reports for op
// ("v0/getOrders").
func (s *Server) RateLimit(op string) float64 { return plans[op].rate * s.opts.RateScale }

// ---- HTTP

func (s *Server) nextRequestID() string {
	n := s.requestID.Add(1)
	var b [12]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%08x-%s-4%s-8%s-%s", n, h[:4], h[4:7], h[7:10], h[10:22])
}

// apiError writes the SP-API error envelope.
func apiError(w http.ResponseWriter, status int, code, message, details string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": message, "details": details}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type route struct {
	method string
	re     *regexp.Regexp
	op     string
	h      func(s *Server, w http.ResponseWriter, r *http.Request, m []string)
}

var routes = []route{
	{"GET", regexp.MustCompile(`^/orders/v0/orders$`), "v0/getOrders", (*Server).getOrdersV0},
	{"GET", regexp.MustCompile(`^/orders/v0/orders/([^/]+)$`), "v0/getOrder", (*Server).getOrderV0},
	{"GET", regexp.MustCompile(`^/orders/v0/orders/([^/]+)/orderItems$`), "v0/getOrderItems", (*Server).getOrderItemsV0},
	{"POST", regexp.MustCompile(`^/orders/v0/orders/([^/]+)/shipmentConfirmation$`), "v0/confirmShipment", (*Server).confirmShipment},
	{"GET", regexp.MustCompile(`^/orders/2026-01-01/orders$`), "2026-01-01/searchOrders", (*Server).searchOrders},
	{"GET", regexp.MustCompile(`^/orders/2026-01-01/orders/([^/]+)$`), "2026-01-01/getOrder", (*Server).getOrder2026},
	{"GET", regexp.MustCompile(`^/fba/inventory/v1/summaries$`), "v1/getInventorySummaries", (*Server).inventorySummaries},
	{"POST", regexp.MustCompile(`^/reports/2021-06-30/reports$`), "2021-06-30/createReport", (*Server).createReport},
	{"GET", regexp.MustCompile(`^/reports/2021-06-30/reports/([^/]+)$`), "2021-06-30/getReport", (*Server).getReport},
	{"GET", regexp.MustCompile(`^/reports/2021-06-30/documents/([^/]+)$`), "2021-06-30/getReportDocument", (*Server).getReportDocument},
	{"GET", regexp.MustCompile(`^/listings/2021-08-01/items/([^/]+)/([^/]+)$`), "2021-08-01/getListingsItem", (*Server).getListingsItem},
	{"PATCH", regexp.MustCompile(`^/listings/2021-08-01/items/([^/]+)/([^/]+)$`), "2021-08-01/patchListingsItem", (*Server).patchListingsItem},
	{"GET", regexp.MustCompile(`^/sellers/v1/marketplaceParticipations$`), "v1/getMarketplaceParticipations", (*Server).participations},
	{"GET", regexp.MustCompile(`^/notifications/v1/destinations$`), "v1/getDestinations", (*Server).getDestinations},
	{"POST", regexp.MustCompile(`^/notifications/v1/destinations$`), "v1/createDestination", (*Server).createDestination},
	{"GET", regexp.MustCompile(`^/notifications/v1/subscriptions/([^/]+)$`), "v1/getSubscription", (*Server).getSubscription},
	{"POST", regexp.MustCompile(`^/notifications/v1/subscriptions/([^/]+)$`), "v1/createSubscription", (*Server).createSubscription},
	{"DELETE", regexp.MustCompile(`^/notifications/v1/subscriptions/([^/]+)/([^/]+)$`), "v1/deleteSubscriptionById", (*Server).deleteSubscriptionByID},
}

// ServeHTTP serves the token endpoint, the SP-API, report downloads and SQS.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
	if !s.waitStall(r) {
		return
	}
	switch {
	case r.URL.Path == "/auth/o2/token":
		s.serveToken(w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/report-documents/"):
		s.serveDocument(w, r)
		return
	case r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") != "":
		s.serveSQS(w, r)
		return
	}
	for _, rt := range routes {
		m := rt.re.FindStringSubmatch(r.URL.EscapedPath())
		if m == nil {
			continue
		}
		if r.Method != rt.method {
			continue
		}
		for i := 1; i < len(m); i++ {
			if u, err := url.PathUnescape(m[i]); err == nil {
				m[i] = u
			}
		}
		s.serveOp(w, r, rt, m)
		return
	}
	w.Header().Set("x-amzn-RequestId", s.nextRequestID())
	apiError(w, http.StatusNotFound, "NotFound", "Resource not found: "+r.Method+" "+r.URL.Path, "")
}

func (s *Server) serveOp(w http.ResponseWriter, r *http.Request, rt route, m []string) {
	s.stats.mu.Lock()
	s.stats.requests[rt.op]++
	s.stats.mu.Unlock()
	w.Header().Set("x-amzn-RequestId", s.nextRequestID())
	tok := r.Header.Get("x-amz-access-token")
	s.mu.Lock()
	life, ok := s.tokens[tok]
	s.mu.Unlock()
	// ExpireTokens expires a token early, never one issued in the last second
	early := time.Since(life.issued) > time.Second && s.roll(s.Faults().ExpireTokens)
	if early {
		s.mu.Lock()
		s.tokens[tok] = tokenLife{issued: life.issued, expires: time.Now(), scope: life.scope}
		s.mu.Unlock()
	}
	switch {
	case tok == "" || !ok:
		apiError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "")
		return
	case early || time.Now().After(life.expires):
		s.stats.expired.Add(1)
		w.Header().Set("x-amzn-ErrorType", "AccessDeniedException")
		apiError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "The access token you provided has expired.")
		return
	case grantlessOps[rt.op] && life.scope != NotificationsScope, !grantlessOps[rt.op] && life.scope != "":
		// a seller's token on a grantless operation, or a grantless token
		// on a seller's
		apiError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "")
		return
	}
	if !s.take(rt.op) {
		s.stats.throttled.Add(1)
		apiError(w, http.StatusTooManyRequests, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
		return
	}
	f := s.Faults()
	switch {
	case s.roll(f.Err429):
		s.stats.e429.Add(1)
		apiError(w, http.StatusTooManyRequests, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
		return
	case s.roll(f.Err5xx):
		s.stats.e5xx.Add(1)
		if s.roll(0.5) {
			apiError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Service temporarily unavailable. Please try again.", "")
		} else {
			apiError(w, http.StatusInternalServerError, "InternalFailure", "We encountered an internal error. Please try again.", "")
		}
		return
	case s.roll(f.Timeout):
		s.stats.timeout.Add(1)
		d := f.TimeoutDelay
		if d <= 0 {
			d = time.Minute
		}
		select {
		case <-r.Context().Done():
		case <-time.After(d):
		case <-s.closed:
		}
		return
	case s.roll(f.Slow):
		s.stats.slow.Add(1)
		d := f.SlowDelay
		if d <= 0 {
			d = 2 * time.Second
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(d):
		}
	}
	w.Header().Set("x-amzn-RateLimit-Limit", strconv.FormatFloat(s.RateLimit(rt.op), 'g', -1, 64))
	if s.roll(f.Malformed) {
		s.stats.malformed.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"payload":{"Orders":[{"AmazonOrderId":"30`)
		return
	}
	rt.h(s, w, r, m)
}

// ---- Login with Amazon

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request", "error_description": "POST required"})
		return
	}
	if s.roll(s.Faults().LWAErr5xx) {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": "Internal error"})
		return
	}
	vals := url.Values{}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]string
		if err := json.Unmarshal(body, &m); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Malformed request"})
			return
		}
		for k, v := range m {
			vals.Set(k, v)
		}
	} else {
		var err error
		if vals, err = url.ParseQuery(string(body)); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Malformed request"})
			return
		}
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	issue := func(scope string) {
		s.mu.Lock()
		s.tokenN++
		tok := fmt.Sprintf("Atza|IwEBIA-fake-access-token-%d-%x", s.tokenN, s.rng.Uint64())
		s.tokens[tok] = tokenLife{issued: time.Now(), expires: time.Now().Add(s.opts.TokenTTL), scope: scope}
		s.mu.Unlock()
		s.stats.exchanges.Add(1)
		ans := map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int64(s.opts.TokenTTL / time.Second)}
		if scope == "" {
			ans["refresh_token"] = s.opts.RefreshToken
		}
		writeJSON(w, http.StatusOK, ans)
	}
	badClient := vals.Get("client_id") != s.opts.ClientID || vals.Get("client_secret") != s.opts.ClientSecret
	switch grant := vals.Get("grant_type"); {
	case grant != "refresh_token" && grant != "client_credentials":
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "The authorization grant type is not supported by the authorization server"})
	case badClient:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
	case grant == "client_credentials" && !grantlessScopes[vals.Get("scope")]:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_scope", "error_description": "The request has an invalid parameter : scope"})
	case grant == "client_credentials":
		issue(vals.Get("scope"))
	case vals.Get("refresh_token") != s.opts.RefreshToken:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token"})
	default:
		issue("")
	}
}

// ExpireAccessTokens makes every access token issued so far expired, as
// after an hour.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, l := range s.tokens {
		l.expires = time.Now().Add(-time.Second)
		s.tokens[k] = l
	}
}

// ---- sellers

func (s *Server) participations(w http.ResponseWriter, r *http.Request, _ []string) {
	var out []map[string]any
	for _, id := range s.opts.Marketplaces {
		m := fakeMarkets[id]
		out = append(out, map[string]any{
			"marketplace":   map[string]any{"id": id, "name": m.channel, "countryCode": m.amazonCountry, "defaultCurrencyCode": m.currency, "defaultLanguageCode": m.language, "domainName": strings.ToLower(m.channel)},
			"participation": map[string]any{"isParticipating": true, "hasSuspendedListings": false},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": out})
}
