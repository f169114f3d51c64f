package carrier

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// Version is the connector's version, reported by Describe.
const Version = "1.0.0"

// Options tune a Connector; the zero value is what New uses.
type Options struct {
	// HTTP configures the upstream HTTP client (retries, timeouts,
	// transport); its zero value is httpclient's defaults with three
	// attempts.
	HTTP httpclient.Config
	// Logger receives debug logs of upstream calls; nil discards.
	Logger *slog.Logger
}

// Connector is the carrier connector. It is safe for concurrent use.
type Connector struct {
	http *httpclient.Client
	mu   sync.Mutex
	cfgs map[[32]byte]*parsedConfig // parsed configs by hash, so tables are parsed once
}

// New returns the connector with default options.
func New() *Connector { return NewWithOptions(Options{}) }

// NewWithOptions returns the connector with opts.
func NewWithOptions(opts Options) *Connector {
	hc := opts.HTTP
	if hc.MaxAttempts == 0 {
		hc.MaxAttempts = 3
	}
	if hc.UserAgent == "" {
		hc.UserAgent = "supplyhub-carrier/" + Version
	}
	if hc.Logger == nil {
		hc.Logger = opts.Logger
	}
	return &Connector{http: httpclient.New(hc), cfgs: map[[32]byte]*parsedConfig{}}
}

func (c *Connector) config(raw json.RawMessage) (*parsedConfig, error) {
	key := sha256.Sum256(raw)
	c.mu.Lock()
	p, ok := c.cfgs[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := ParseConfig(raw)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.cfgs) > 256 {
		c.cfgs = map[[32]byte]*parsedConfig{}
	}
	c.cfgs[key] = p
	c.mu.Unlock()
	return p, nil
}

// Describe returns the manifest.
func (c *Connector) Describe(context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name:         "carrier",
		Version:      Version,
		Description:  "Multi-carrier rates, labels and tracking through EasyPost- and Shippo-shaped APIs, plus zone/weight rate tables.",
		ConfigSchema: configSchema,
		SecretFields: []string{"easypost_api_key", "shippo_api_key", "webhook_secret", "shippo_webhook_token"},
		Webhook:      WebhookSpec(),
	}, nil
}

// Check authenticates against each configured API (a tracker lookup of a
// test code on EasyPost, a track lookup on Shippo) and parses the tables.
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	cfg, err := c.config(req.Config)
	if err != nil {
		return nil, err
	}
	var parts []string
	details := map[string]string{}
	if cfg.EasyPost != nil {
		a := newEasyPost(cfg.EasyPost, cfg.EasyPostAPIKey, c.http)
		var list struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := a.call(ctx, "GET", "/events?page_size=1", nil, &list); err != nil {
			return nil, err
		}
		parts = append(parts, fmt.Sprintf("easypost (%d carrier accounts)", len(cfg.EasyPost.CarrierAccounts)))
		details["easypost"] = cfg.EasyPost.BaseURL
	}
	if cfg.Shippo != nil {
		a := newShippo(cfg.Shippo, cfg.ShippoAPIKey, c.http)
		var list json.RawMessage
		if err := a.call(ctx, "GET", "/transactions/?results=1", nil, &list); err != nil {
			return nil, err
		}
		parts = append(parts, fmt.Sprintf("shippo (%d carrier accounts)", len(cfg.Shippo.CarrierAccounts)))
		details["shippo"] = cfg.Shippo.BaseURL
	}
	for _, t := range cfg.tables {
		parts = append(parts, "table "+t.cfg.Carrier)
	}
	if err := ctx.Err(); err != nil {
		return nil, sdk.Retryable(err, "carrier: check")
	}
	return &sdk.CheckResponse{Message: "carrier: " + strings.Join(parts, ", "), Details: details}, nil
}

// leg is one parallel unit of rate shopping: a carrier account or a table.
type leg struct {
	carrier string
	quote   func(ctx context.Context) ([]commerce.Rate, []sdk.CarrierError, error)
}

func (c *Connector) legs(cfg *parsedConfig, req sdk.RatesRequest) []leg {
	want := func(carrier string) bool {
		if len(req.Carriers) == 0 {
			return true
		}
		for _, w := range req.Carriers {
			if normalizeCarrier(w) == normalizeCarrier(carrier) {
				return true
			}
		}
		return false
	}
	var legs []leg
	type apiRates func(context.Context, *api, sdk.RatesRequest, []string) ([]commerce.Rate, []sdk.CarrierError, error)
	add := func(name string, acc *APIAccount, a *api, f apiRates) {
		if len(acc.CarrierAccounts) == 0 {
			legs = append(legs, leg{carrier: name, quote: func(ctx context.Context) ([]commerce.Rate, []sdk.CarrierError, error) {
				rs, errs, err := f(ctx, a, req, nil)
				return filterRates(rs, want), errs, err
			}})
			return
		}
		for _, ca := range acc.CarrierAccounts {
			if !want(ca.Carrier) {
				continue
			}
			legs = append(legs, leg{carrier: normalizeCarrier(ca.Carrier), quote: func(ctx context.Context) ([]commerce.Rate, []sdk.CarrierError, error) {
				return f(ctx, a, req, []string{ca.ID})
			}})
		}
	}
	if cfg.EasyPost != nil {
		add("EasyPost", cfg.EasyPost, newEasyPost(cfg.EasyPost, cfg.EasyPostAPIKey, c.http), easyPostRates)
	}
	if cfg.Shippo != nil {
		add("Shippo", cfg.Shippo, newShippo(cfg.Shippo, cfg.ShippoAPIKey, c.http), shippoRates)
	}
	for _, t := range cfg.tables {
		if !want(t.cfg.Carrier) {
			continue
		}
		legs = append(legs, leg{carrier: t.cfg.Carrier, quote: func(context.Context) ([]commerce.Rate, []sdk.CarrierError, error) {
			rs, err := t.quote(req)
			return rs, nil, err
		}})
	}
	return legs
}

func filterRates(rs []commerce.Rate, want func(string) bool) []commerce.Rate {
	out := rs[:0]
	for _, r := range rs {
		if want(r.Carrier) {
			out = append(out, r)
		}
	}
	return out
}

// deadlineMargin is kept before the caller's deadline so that the answer
// (partial rates) reaches the caller before its context expires.
func deadlineMargin(remaining time.Duration) time.Duration {
	return min(max(remaining/5, 20*time.Millisecond), 100*time.Millisecond)
}

// Rates quotes every configured carrier account and rate table in parallel.
// It returns at the rate deadline — the config's rate_timeout, or just
// before the caller's context deadline when that comes first — with the
// rates that arrived, cheapest first, and one CarrierError per carrier that
// failed or had not answered. Invalid requests (no destination country,
// weightless parcels) are InvalidInput errors.
func (c *Connector) Rates(ctx context.Context, req sdk.RatesRequest) (*sdk.RatesResponse, error) {
	cfg, err := c.config(req.Config)
	if err != nil {
		return nil, err
	}
	if err := validateRatesRequest(req); err != nil {
		return nil, err
	}
	legs := c.legs(cfg, req)
	if len(legs) == 0 {
		return nil, sdk.InvalidInput("carrier: none of the configured carriers is among %q", req.Carriers)
	}
	deadline := time.Now().Add(cfg.timeout)
	if d, ok := ctx.Deadline(); ok {
		if cd := d.Add(-deadlineMargin(time.Until(d))); cd.Before(deadline) {
			deadline = cd
		}
	}
	budget := time.Until(deadline).Round(time.Millisecond)
	slow := fmt.Sprintf("no answer within the rate deadline (%s); rates from the other carriers were returned", budget)
	lctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	type result struct {
		i     int
		rates []commerce.Rate
		errs  []sdk.CarrierError
		err   error
	}
	results := make(chan result, len(legs))
	for i, l := range legs {
		go func() {
			defer func() {
				if p := recover(); p != nil {
					results <- result{i: i, err: fmt.Errorf("carrier: %s: internal error: %v", l.carrier, p)}
				}
			}()
			rs, errs, err := l.quote(lctx)
			results <- result{i: i, rates: rs, errs: errs, err: err}
		}()
	}
	resp := &sdk.RatesResponse{Rates: []commerce.Rate{}}
	done := make([]bool, len(legs))
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
collect:
	for n := 0; n < len(legs); n++ {
		select {
		case r := <-results:
			done[r.i] = true
			resp.Rates = append(resp.Rates, r.rates...)
			resp.Errors = append(resp.Errors, r.errs...)
			if r.err != nil {
				msg := r.err.Error()
				if errors.Is(r.err, context.DeadlineExceeded) || (lctx.Err() != nil && sdk.IsRetryable(r.err)) {
					msg = slow
				}
				resp.Errors = append(resp.Errors, sdk.CarrierError{Carrier: legs[r.i].carrier, Message: msg})
			}
		case <-timer.C:
			break collect
		case <-ctx.Done():
			break collect
		}
	}
	for i, l := range legs {
		if !done[i] {
			resp.Errors = append(resp.Errors, sdk.CarrierError{Carrier: l.carrier, Message: slow})
		}
	}
	if ctx.Err() != nil && len(resp.Rates) == 0 {
		return nil, sdk.Retryable(ctx.Err(), "carrier: rates")
	}
	sort.SliceStable(resp.Rates, func(i, j int) bool {
		a, b := resp.Rates[i], resp.Rates[j]
		if a.Amount.Currency != b.Amount.Currency {
			return a.Amount.Currency < b.Amount.Currency
		}
		if !a.Amount.Amount.Equal(b.Amount.Amount) {
			return a.Amount.Amount.LessThan(b.Amount.Amount)
		}
		return a.TransitDays < b.TransitDays
	})
	sort.SliceStable(resp.Errors, func(i, j int) bool { return resp.Errors[i].Carrier < resp.Errors[j].Carrier })
	return resp, nil
}

func validateRatesRequest(req sdk.RatesRequest) error {
	if len(req.From.CountryCode) != 2 || len(req.To.CountryCode) != 2 {
		return sdk.InvalidInput("carrier: rates: from.country_code %q and to.country_code %q must be ISO 3166-1 alpha-2 codes", req.From.CountryCode, req.To.CountryCode)
	}
	if len(req.Parcels) == 0 {
		return sdk.InvalidInput("carrier: rates: no parcel").WithDetail("give at least one parcel with its weight")
	}
	for i, p := range req.Parcels {
		if !p.Weight.Value.IsPositive() {
			return sdk.InvalidInput("carrier: rates: parcels[%d].weight %s %s must be positive", i, p.Weight.Value, p.Weight.Unit)
		}
		if _, err := p.Weight.To(commerce.Grams); err != nil {
			return sdk.InvalidInput("carrier: rates: parcels[%d].weight: %v", i, err)
		}
		if d := p.Dimensions; d != nil {
			if !d.Length.IsPositive() || !d.Width.IsPositive() || !d.Height.IsPositive() {
				return sdk.InvalidInput("carrier: rates: parcels[%d].dimensions must all be positive", i)
			}
			if _, err := ConvertLength(d.Length, d.Unit, commerce.Centimetres); err != nil {
				return sdk.InvalidInput("carrier: rates: parcels[%d].dimensions: %v", i, err)
			}
		}
	}
	if req.Value != nil && !req.Value.Currency.Valid() {
		return sdk.InvalidInput("carrier: rates: value has unknown currency %q", string(req.Value.Currency))
	}
	return nil
}

// splitID splits a connector id "provider:upstream-id".
func splitID(id string) (provider, upstream string, ok bool) {
	provider, upstream, ok = strings.Cut(id, ":")
	return provider, upstream, ok && upstream != ""
}

// BuyLabel buys the label of a quoted rate. Retrying with the same rate
// returns the same label rather than buying another. Table-rate carriers
// have no label API: their rates are a Permanent error here.
func (c *Connector) BuyLabel(ctx context.Context, req sdk.LabelRequest) (*commerce.Label, error) {
	cfg, err := c.config(req.Config)
	if err != nil {
		return nil, err
	}
	rp, rateID, ok := splitID(req.RateID)
	if !ok {
		return nil, sdk.InvalidInput("carrier: buy label: rate id %q is not one this connector returned (provider:id)", req.RateID)
	}
	switch rp {
	case "easypost":
		sp, shipmentID, ok := splitID(req.ShipmentID)
		if !ok || sp != "easypost" {
			return nil, sdk.InvalidInput("carrier: buy label: shipment id %q does not belong to the EasyPost rate %q", req.ShipmentID, req.RateID)
		}
		if cfg.EasyPost == nil {
			return nil, sdk.InvalidInput("carrier: buy label: rate %s is from EasyPost, which this connection does not configure", req.RateID)
		}
		return easyPostBuy(ctx, newEasyPost(cfg.EasyPost, cfg.EasyPostAPIKey, c.http), shipmentID, rateID)
	case "shippo":
		if cfg.Shippo == nil {
			return nil, sdk.InvalidInput("carrier: buy label: rate %s is from Shippo, which this connection does not configure", req.RateID)
		}
		return shippoBuy(ctx, newShippo(cfg.Shippo, cfg.ShippoAPIKey, c.http), rateID, req.IdempotencyKey)
	case "table":
		return nil, sdk.Permanent(errors.New("no label API"), "carrier: buy label: %s is a table rate", req.RateID).
			WithDetail("table-rate carriers have no label API: buy the label from the carrier and record the tracking number")
	}
	return nil, sdk.InvalidInput("carrier: buy label: rate id %q has unknown provider %q", req.RateID, rp)
}

// Track returns the tracking of a parcel as a Shipment record, through the
// configured tracking account.
func (c *Connector) Track(ctx context.Context, req sdk.TrackRequest) (*commerce.Shipment, error) {
	cfg, err := c.config(req.Config)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.TrackingNumber) == "" {
		return nil, sdk.InvalidInput("carrier: track: tracking number is required")
	}
	var s *commerce.Shipment
	switch cfg.Tracking {
	case "easypost":
		s, err = easyPostTrack(ctx, newEasyPost(cfg.EasyPost, cfg.EasyPostAPIKey, c.http), req.Connection, req.Carrier, req.TrackingNumber)
	case "shippo":
		s, err = shippoTrack(ctx, newShippo(cfg.Shippo, cfg.ShippoAPIKey, c.http), req.Connection, req.Carrier, req.TrackingNumber)
	default:
		return nil, sdk.InvalidInput("carrier: track: no EasyPost or Shippo account is configured").WithDetail("rate tables cannot track parcels")
	}
	if err != nil {
		var se *sdk.Error
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, sdk.Permanent(err, "carrier: track %s", req.TrackingNumber)
	}
	return s, nil
}

// ParseWebhook parses an EasyPost tracker event or a Shippo track_updated
// webhook into a Shipment record. The host has already verified EasyPost's
// signature (see the manifest's webhook spec).
func (c *Connector) ParseWebhook(_ context.Context, req sdk.WebhookRequest) (*sdk.WebhookResponse, error) {
	resp, err := ParseTrackingWebhook(req.Connection, req.Body)
	if err != nil {
		return nil, sdk.InvalidInput("%v", err)
	}
	return resp, nil
}

// Interface guards.
var (
	_ sdk.Connector = (*Connector)(nil)
	_ sdk.Carrier   = (*Connector)(nil)
	_ sdk.Webhooks  = (*Connector)(nil)
)
