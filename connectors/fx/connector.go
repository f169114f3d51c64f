package fx

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Berlin for the ECB's publication calendar, wherever the plugin runs

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// Version is the connector's version, reported by Describe.
const Version = "1.0.0"

// DefaultECBURL is where the ECB publishes the reference rate feeds.
const DefaultECBURL = "https://www.ecb.europa.eu/stats/eurofxref"

// Sources of Config.Source.
const (
	// SourceECB reads the ECB's XML (and zipped CSV) feeds.
	SourceECB = "ecb"
	// SourceRatesAPI reads a Stripe-style exchange-rates API (see
	// RatesAPIHandler for the shape), e.g. a payment provider's settlement
	// rates, or another Supplyhub gateway.
	SourceRatesAPI = "rates_api"
)

// Config is a connection's configuration.
type Config struct {
	// Source is "ecb" (default) or "rates_api".
	Source string `json:"source,omitempty"`
	// BaseURL is the feed directory for ecb (default
	// https://www.ecb.europa.eu/stats/eurofxref) or the API root for
	// rates_api (required there).
	BaseURL string `json:"base_url,omitempty"`
	// APIKey is sent as a bearer token to a rates_api source.
	APIKey string `json:"api_key,omitempty"`
	// HistoryFormat picks the full-history file for dates older than the
	// 90-day feed: "xml" (eurofxref-hist.xml, default) or "csv-zip"
	// (eurofxref-hist.zip, a quarter of the download).
	HistoryFormat string `json:"history_format,omitempty"`
	// RefreshInterval is how often cached feeds are downloaded again, as a
	// Go duration (default "1h").
	RefreshInterval string `json:"refresh_interval,omitempty"`
	// MaxStale is how long a cached feed is still served when downloads
	// fail (default "48h").
	MaxStale string `json:"max_stale,omitempty"`
}

type parsedConfig struct {
	Config
	refresh, maxStale time.Duration
}

// ParseConfig decodes and checks a configuration, filling defaults.
func ParseConfig(raw json.RawMessage) (*parsedConfig, error) {
	var c Config
	if len(bytes.TrimSpace(raw)) > 0 && string(bytes.TrimSpace(raw)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, sdk.InvalidInput("fx: config: %v", err).WithDetail("see the connector's config schema: source, base_url, api_key, history_format, refresh_interval, max_stale")
		}
	}
	p := &parsedConfig{Config: c, refresh: time.Hour, maxStale: 48 * time.Hour}
	switch p.Source {
	case "":
		p.Source = SourceECB
	case SourceECB, SourceRatesAPI:
	default:
		return nil, sdk.InvalidInput("fx: config: source %q must be ecb or rates_api", c.Source)
	}
	if p.BaseURL == "" {
		if p.Source == SourceRatesAPI {
			return nil, sdk.InvalidInput("fx: config: base_url is required with source rates_api").WithDetail("give the root URL of the rates API, e.g. https://payments.example.com")
		}
		p.BaseURL = DefaultECBURL
	}
	if !strings.HasPrefix(p.BaseURL, "http://") && !strings.HasPrefix(p.BaseURL, "https://") {
		return nil, sdk.InvalidInput("fx: config: base_url %q must be an http(s) URL", clip(p.BaseURL))
	}
	p.BaseURL = strings.TrimRight(p.BaseURL, "/")
	switch p.HistoryFormat {
	case "":
		p.HistoryFormat = "xml"
	case "xml", "csv-zip":
	default:
		return nil, sdk.InvalidInput("fx: config: history_format %q must be xml or csv-zip", c.HistoryFormat)
	}
	for _, d := range []struct {
		name, v string
		dst     *time.Duration
	}{{"refresh_interval", c.RefreshInterval, &p.refresh}, {"max_stale", c.MaxStale, &p.maxStale}} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil || v < time.Minute {
			return nil, sdk.InvalidInput("fx: config: %s %q must be a duration of at least 1m, such as \"1h\"", d.name, clip(d.v))
		}
		*d.dst = v
	}
	return p, nil
}

//go:embed config.schema.json
var configSchema []byte

// Options tune a Connector; the zero value is what New uses.
type Options struct {
	// HTTP configures the client that downloads the feeds (retries with
	// backoff, timeouts); the zero value is httpclient's defaults with
	// three attempts, and Retry-After waits longer than 5s returned to the
	// caller as a RateLimited error.
	HTTP httpclient.Config
	// Now returns the current time (default time.Now); tests set it.
	Now func() time.Time
	// NoBackground disables the background refresh goroutines (tests).
	NoBackground bool
}

// Connector is the FX connector. Create it with New; it is safe for
// concurrent use, and keeps one cache per feed source, refreshed in the
// background until Close.
type Connector struct {
	opts   Options
	http   *httpclient.Client
	ctx    context.Context
	stop   context.CancelFunc
	mu     sync.Mutex
	caches map[string]*Cache
}

// New returns the connector with default options.
func New() *Connector { return NewWithOptions(Options{}) }

// NewWithOptions returns the connector with opts.
func NewWithOptions(opts Options) *Connector {
	if opts.HTTP.MaxAttempts == 0 {
		opts.HTTP.MaxAttempts = 3
	}
	if opts.HTTP.MaxRetryAfter == 0 {
		opts.HTTP.MaxRetryAfter = 5 * time.Second
	}
	if opts.HTTP.UserAgent == "" {
		opts.HTTP.UserAgent = "supplyhub-fx/" + Version
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Connector{opts: opts, http: httpclient.New(opts.HTTP), ctx: ctx, stop: stop, caches: map[string]*Cache{}}
}

// Close stops the background refreshes.
func (c *Connector) Close() error {
	c.stop()
	return nil
}

// Describe returns the manifest.
func (c *Connector) Describe(context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name:         "fx",
		Version:      Version,
		Description:  "ECB euro reference rates (daily, 90-day and full history) and Stripe-style rates APIs, with exact cross rates through EUR.",
		ConfigSchema: configSchema,
		SecretFields: []string{"api_key"},
		RateLimitKey: "base_url",
	}, nil
}

// Check downloads the latest rates (bypassing the cache, so that it proves
// the upstream answers now) and reports their date.
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	var n int
	var latest commerce.Date
	if cfg.Source == SourceRatesAPI {
		resp, err := c.ratesFromAPI(ctx, cfg, sdk.FXRequest{Base: EUR})
		if err != nil {
			return nil, err
		}
		n = len(resp.Rates)
		if n > 0 {
			latest = resp.Rates[0].Date
		}
	} else {
		t, err := c.download(ctx, cfg.BaseURL, FeedDaily)
		if err != nil {
			return nil, err
		}
		day, _ := t.On(commerce.Date{})
		n, latest = len(day.Rates), day.Date
	}
	return &sdk.CheckResponse{
		Message: fmt.Sprintf("%s: %d currencies published for %s", cfg.Source, n, latest),
		Details: map[string]string{"source": cfg.Source, "base_url": cfg.BaseURL, "latest": latest.String()},
	}, nil
}

// Rates returns the rates from req.Base to each of req.Quotes (every
// published currency when empty) for req.Date (zero: the latest). Each rate
// carries the publication day used: the last one on or before req.Date.
// Rates from EUR are the ECB's figures exactly; cross rates between two
// other currencies are rate[quote] / rate[base] to 20 decimal places (use
// Base EUR and convert through it for exact amounts, as Table.Convert does).
func (c *Connector) Rates(ctx context.Context, req sdk.FXRequest) (*sdk.FXResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	return c.rates(ctx, cfg, req)
}

func (c *Connector) rates(ctx context.Context, cfg *parsedConfig, req sdk.FXRequest) (*sdk.FXResponse, error) {
	if !req.Base.Valid() {
		return nil, sdk.InvalidInput("fx: base currency %q is not an ISO 4217 code", string(req.Base))
	}
	for _, q := range req.Quotes {
		if !q.Valid() {
			return nil, sdk.InvalidInput("fx: quote currency %q is not an ISO 4217 code", string(q))
		}
	}
	if !req.Date.IsZero() {
		today := commerce.DateOf(c.opts.Now().In(frankfurt))
		if req.Date.After(today) {
			return nil, &sdk.Error{Kind: sdk.KindInvalidInput, Cause: ErrFutureDate,
				Message: fmt.Sprintf("fx: date %s is in the future (today is %s in Frankfurt)", req.Date, today),
				Detail:  "reference rates exist only for past publication days; ask for today or an earlier date"}
		}
	}
	if cfg.Source == SourceRatesAPI {
		return c.ratesFromAPI(ctx, cfg, req)
	}
	day, err := c.day(ctx, cfg, req.Date)
	if err != nil {
		return nil, err
	}
	return ratesOf(day, req.Base, req.Quotes)
}

// ratesOf lists the rates of day from base to quotes (all when empty).
func ratesOf(day Day, base commerce.Currency, quotes []commerce.Currency) (*sdk.FXResponse, error) {
	if len(quotes) == 0 {
		for _, q := range day.Currencies() {
			quotes = append(quotes, commerce.Currency(q))
		}
		quotes = append(quotes, EUR)
	}
	rb, err := day.Rate(base)
	if err != nil {
		return nil, noRate(err)
	}
	out := &sdk.FXResponse{Rates: make([]commerce.FXRate, 0, len(quotes))}
	for _, q := range quotes {
		if q == base {
			continue
		}
		rq, err := day.Rate(q)
		if err != nil {
			return nil, noRate(err)
		}
		r := rq
		if base != EUR {
			r = rq.DivRound(rb, 20)
		}
		out.Rates = append(out.Rates, commerce.FXRate{Base: base, Quote: q, Rate: r, Date: day.Date, Source: "ECB"})
	}
	return out, nil
}

func noRate(err error) error {
	return &sdk.Error{Kind: sdk.KindInvalidInput, Message: err.Error(), Cause: err,
		Detail: "the ECB publishes about 30 currencies against EUR; convert this one through a rates_api source that quotes it"}
}

var frankfurt = mustLocation("Europe/Berlin")

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// day picks the feed that holds date and returns its publication day.
func (c *Connector) day(ctx context.Context, cfg *parsedConfig, date commerce.Date) (Day, error) {
	cache := c.cache(cfg)
	daily, _, err := cache.Get(ctx, FeedDaily)
	if err != nil {
		return Day{}, err
	}
	if date.IsZero() || !date.Before(daily.Last()) {
		return daily.On(date)
	}
	recent, _, err := cache.Get(ctx, Feed90Days)
	if err != nil {
		return Day{}, err
	}
	if !date.Before(recent.First()) {
		return recent.On(date)
	}
	feed := FeedHistory
	if cfg.HistoryFormat == "csv-zip" {
		feed = FeedHistoryZip
	}
	hist, _, err := cache.Get(ctx, feed)
	if err != nil {
		return Day{}, err
	}
	d, err := hist.On(date)
	if errors.Is(err, ErrBeforeSeries) {
		return Day{}, &sdk.Error{Kind: sdk.KindInvalidInput, Message: err.Error(), Cause: err,
			Detail: "the ECB reference rates start on 1999-01-04; ask for a later date"}
	}
	return d, err
}

// cache returns the cache of cfg's source, creating it (and its background
// refresh) on first use.
func (c *Connector) cache(cfg *parsedConfig) *Cache {
	key := cfg.BaseURL + "|" + cfg.refresh.String() + "|" + cfg.maxStale.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if ca, ok := c.caches[key]; ok {
		return ca
	}
	base := cfg.BaseURL
	ca := NewCache(func(ctx context.Context, f Feed) (*Table, error) { return c.download(ctx, base, f) },
		CacheConfig{RefreshInterval: cfg.refresh, MaxStale: cfg.maxStale, Now: c.opts.Now})
	c.caches[key] = ca
	if !c.opts.NoBackground {
		go ca.Run(c.ctx, 0)
	}
	return ca
}

// maxFeedBytes bounds a download (the full XML history is about 6 MB).
const maxFeedBytes = 64 << 20

// download fetches and parses one feed.
func (c *Connector) download(ctx context.Context, base string, f Feed) (*Table, error) {
	url := base + "/" + string(f)
	body, err := c.get(ctx, url, "")
	if err != nil {
		return nil, err
	}
	var t *Table
	if f == FeedHistoryZip {
		t, err = ParseZip(body)
	} else {
		t, err = ParseXML(bytes.NewReader(body))
	}
	if err != nil {
		return nil, sdk.Permanent(err, "fx: %s", url).WithDetail("the feed did not parse; check base_url points at the ECB eurofxref directory")
	}
	return t, nil
}

// get performs a GET (with httpclient's retries) and maps HTTP failures to
// sdk errors, keeping the answer's status and body as the cause.
func (c *Connector) get(ctx context.Context, url, bearer string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, sdk.InvalidInput("fx: %s: %v", url, err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFeedBytes+1))
	if err != nil {
		return nil, sdk.Retryable(err, "fx: GET %s: reading the body", url)
	}
	if len(body) > maxFeedBytes {
		return nil, sdk.Permanent(errors.New("body larger than 64 MiB"), "fx: GET %s", url)
	}
	if resp.StatusCode == http.StatusOK {
		return body, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	checked := httpclient.Check(resp)
	e := &sdk.Error{Kind: sdk.KindOf(checked), Message: fmt.Sprintf("fx: GET %s: %s", url, resp.Status),
		RetryAfter: sdk.RetryAfterOf(checked), Cause: &statusError{code: resp.StatusCode, body: body}}
	switch e.Kind {
	case sdk.KindAuthentication:
		e.Detail = "check api_key"
	case sdk.KindPermanent, sdk.KindInvalidInput:
		e.Kind, e.Detail = sdk.KindPermanent, "check base_url"
	}
	return nil, e
}

// statusError keeps an unexpected HTTP answer for callers that can explain it.
type statusError struct {
	code int
	body []byte
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d", e.code) }

// ratesFromAPI asks a Stripe-style rates API.
func (c *Connector) ratesFromAPI(ctx context.Context, cfg *parsedConfig, req sdk.FXRequest) (*sdk.FXResponse, error) {
	url := cfg.BaseURL + "/v1/exchange_rates/" + strings.ToLower(string(req.Base))
	if !req.Date.IsZero() {
		url += "?date=" + req.Date.String()
	}
	body, err := c.get(ctx, url, cfg.APIKey)
	if err != nil {
		var st *statusError
		if errors.As(err, &st) && (st.code == http.StatusBadRequest || st.code == http.StatusNotFound || st.code == http.StatusUnprocessableEntity) {
			// The API's own error envelope says what was wrong with the request.
			var env apiError
			if json.Unmarshal(st.body, &env) == nil && env.Error.Message != "" {
				return nil, &sdk.Error{Kind: sdk.KindInvalidInput, Message: "fx: rates API: " + env.Error.Message, Cause: err}
			}
		}
		return nil, err
	}
	er, err := ParseExchangeRate(body)
	if err != nil {
		return nil, sdk.Permanent(err, "fx: %s", url)
	}
	if er.Base != req.Base {
		return nil, sdk.Permanent(fmt.Errorf("asked for %s, got %s", req.Base, er.Base), "fx: %s", url)
	}
	day := Day{Date: er.Date, Rates: map[commerce.Currency]decimal.Decimal{}}
	quotes := req.Quotes
	if len(quotes) == 0 {
		for q := range er.Rates {
			quotes = append(quotes, q)
		}
		sort.Slice(quotes, func(i, j int) bool { return quotes[i] < quotes[j] })
	}
	out := &sdk.FXResponse{}
	for _, q := range quotes {
		if q == req.Base {
			continue
		}
		r, ok := er.Rates[q]
		if !ok {
			return nil, &sdk.Error{Kind: sdk.KindInvalidInput, Cause: ErrNoRate,
				Message: fmt.Sprintf("fx: the rates API quotes no %s/%s rate for %s", req.Base, q, er.Date)}
		}
		day.Rates[q] = r
		out.Rates = append(out.Rates, commerce.FXRate{Base: req.Base, Quote: q, Rate: r, Date: er.Date, Source: er.Source})
	}
	return out, nil
}

// Interface guards.
var (
	_ sdk.Connector = (*Connector)(nil)
	_ sdk.FX        = (*Connector)(nil)
)
