package routing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Objective says what a decision optimises first.
type Objective string

// The objectives.
const (
	// Cost picks the cheapest service per shipment and ranks plans by
	// total cost first.
	Cost Objective = "cost"
	// Speed picks the fastest service per shipment and ranks plans by the
	// slowest shipment's delivery days first.
	Speed Objective = "speed"
)

// ParseObjective parses "cost" or "speed".
func ParseObjective(s string) (Objective, error) {
	switch o := Objective(strings.ToLower(strings.TrimSpace(s))); o {
	case Cost, Speed:
		return o, nil
	}
	return "", fmt.Errorf("routing: objective %q must be cost or speed", s)
}

// Config builds a Router. Sources and Fallback come from the host's carrier
// connections (or a TableRates); Rules from the merchant.
type Config struct {
	// Sources are the connected carriers, asked in parallel for every
	// shipment.
	Sources []RateSource
	// Fallback, typically a TableRates, is asked for a shipment when
	// Sources is empty or none of them quoted it (all failed or timed
	// out). At least one of Sources and Fallback is required.
	Fallback RateSource
	// LandedCost quotes duties and taxes for cross-border shipments; nil
	// leaves them out, and decisions say so.
	LandedCost LandedCoster
	// Rules are the merchant's routing rules.
	Rules Rules
	// Objective is cost (default) or speed.
	Objective Objective
	// Currency is the currency of decisions; empty means each order's shop
	// currency.
	Currency commerce.Currency
	// RateTimeout bounds rate shopping per decision, the fallback's round
	// included (default 2s): sources that have not answered by then are
	// reported and the others used.
	RateTimeout time.Duration
	// LandedCostTimeout bounds the landed-cost quotes per decision
	// (default 2s).
	LandedCostTimeout time.Duration
	// MaxPlans is how many plans, best by the structural rules, are
	// rate-shopped per order (default 16).
	MaxPlans int
	// MaxSearchShipments bounds the shipments a plan may have in the
	// search (default 4); plans with one more shipment than the fewest
	// possible are also considered, never more.
	MaxSearchShipments int
	// DefaultItemWeight is assumed for SKUs without a weight (default 0.5 kg).
	DefaultItemWeight *commerce.Weight
	// MaxParcelWeight, when set, packs a heavier shipment into several
	// parcels of equal weight.
	MaxParcelWeight *commerce.Weight
	// Concurrency caps the calls in flight to non-local sources per
	// decision (default 8).
	Concurrency int
	// Alternatives is how many rejected plans a decision lists (default 5).
	Alternatives int
}

// Router routes orders. It is safe for concurrent use.
type Router struct {
	cfg           Config
	log           *slog.Logger
	ranking       []Criterion
	priority      map[string]int
	market        map[string]string
	defaultNg     int64
	maxParcelNg   int64
	incoterm      string
	localSources  []RateSource
	remoteSources []RateSource
	// Effective location rules, worked out once: by location id for
	// warehouses and for stores, and the store default.
	ownRules, storeRules map[string]*LocationRule
	storeRule            *LocationRule
}

var noRule = &LocationRule{}

// ruleFor returns the effective rule of a location (read-only).
func (r *Router) ruleFor(loc *commerce.Location) *LocationRule {
	id := loc.Source.ExternalID
	if loc.Type == "store" {
		if lr, ok := r.storeRules[id]; ok {
			return lr
		}
		return r.storeRule
	}
	if lr, ok := r.ownRules[id]; ok {
		return lr
	}
	return noRule
}

// New checks cfg, fills its defaults and returns a Router. A nil logger
// discards.
func New(cfg Config, logger *slog.Logger) (*Router, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(cfg.Sources) == 0 && cfg.Fallback == nil {
		return nil, errors.New("routing: no rate source: connect a carrier or give a rate table (Config.Sources or Config.Fallback)")
	}
	names := map[string]bool{}
	for i, s := range cfg.Sources {
		if s == nil {
			return nil, fmt.Errorf("routing: Config.Sources[%d] is nil", i)
		}
		if names[s.Name()] {
			return nil, fmt.Errorf("routing: two rate sources are named %q; give each a distinct name", s.Name())
		}
		names[s.Name()] = true
	}
	if cfg.Objective == "" {
		cfg.Objective = Cost
	}
	obj, err := ParseObjective(string(cfg.Objective))
	if err != nil {
		return nil, err
	}
	cfg.Objective = obj // "Speed" from a config file must rank as Speed
	if cfg.Currency != "" && !cfg.Currency.Valid() {
		return nil, fmt.Errorf("routing: Config.Currency %q is not an ISO 4217 code", string(cfg.Currency))
	}
	if err := cfg.Rules.Validate(); err != nil {
		return nil, err
	}
	if cfg.RateTimeout <= 0 {
		cfg.RateTimeout = 2 * time.Second
	}
	if cfg.LandedCostTimeout <= 0 {
		cfg.LandedCostTimeout = 2 * time.Second
	}
	if cfg.MaxPlans <= 0 {
		cfg.MaxPlans = 16
	}
	if cfg.MaxSearchShipments <= 0 {
		cfg.MaxSearchShipments = 4
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Alternatives <= 0 {
		cfg.Alternatives = 5
	}
	r := &Router{cfg: cfg, log: logger, priority: map[string]int{}, market: map[string]string{}}
	dw := commerce.Weight{Value: decimal.RequireFromString("0.5"), Unit: commerce.Kilograms}
	if cfg.DefaultItemWeight != nil {
		dw = *cfg.DefaultItemWeight
	}
	if r.defaultNg, err = nanograms(dw); err != nil || r.defaultNg <= 0 {
		return nil, fmt.Errorf("routing: Config.DefaultItemWeight must be a positive weight in g, kg, lb or oz (%v)", err)
	}
	if cfg.MaxParcelWeight != nil {
		if r.maxParcelNg, err = nanograms(*cfg.MaxParcelWeight); err != nil || r.maxParcelNg <= 0 {
			return nil, fmt.Errorf("routing: Config.MaxParcelWeight must be a positive weight in g, kg, lb or oz (%v)", err)
		}
	}
	r.ranking = cfg.Rules.ranking(cfg.Objective)
	r.storeRule, r.ownRules, r.storeRules = noRule, map[string]*LocationRule{}, map[string]*LocationRule{}
	if cfg.Rules.Stores != nil {
		sr := *cfg.Rules.Stores
		r.storeRule = &sr
	}
	for id, own := range cfg.Rules.Locations {
		asIs, asStore := noRule.overlay(own), r.storeRule.overlay(own)
		r.ownRules[id], r.storeRules[id] = &asIs, &asStore
	}
	for i, id := range cfg.Rules.Priority {
		r.priority[id] = i + 1
	}
	for name, ccs := range cfg.Rules.Markets {
		for _, cc := range ccs {
			r.market[cc] = name
		}
	}
	switch strings.ToUpper(cfg.Rules.Incoterm) {
	case IncotermDDP:
		r.incoterm = IncotermDDP
	case IncotermDAP:
		r.incoterm = IncotermDAP
	default:
		r.incoterm = IncotermAuto
	}
	for _, s := range cfg.Sources {
		if l, ok := s.(LocalSource); ok && l.Local() {
			r.localSources = append(r.localSources, s)
		} else {
			r.remoteSources = append(r.remoteSources, s)
		}
	}
	return r, nil
}

// Ranking returns the order in which the router applies its criteria.
func (r *Router) Ranking() []Criterion { return append([]Criterion(nil), r.ranking...) }

// marketOf returns the market of a country: its named market, or the
// country itself.
func (r *Router) marketOf(cc string) string {
	if m, ok := r.market[cc]; ok {
		return m
	}
	return cc
}

// Route decides where and how the order ships. It returns an
// *UnroutableError (wrapping ErrUnroutable) when no plan is possible,
// ErrNothingToRoute when nothing is left to ship, and another error for a
// malformed request. The decision does not reserve stock; see Ledger.
func (r *Router) Route(ctx context.Context, req Request) (*Decision, error) {
	rc, err := r.prepare(req)
	if err != nil {
		return nil, err
	}
	if err := rc.candidates(); err != nil {
		return nil, err
	}
	if err := rc.enumerate(); err != nil {
		return nil, err
	}
	rc.selectForPricing()
	rc.price(ctx)
	d, err := rc.decide()
	if err != nil {
		r.log.Debug("routing: order not routed", "order", orderID(req.Order), "error", err)
		return nil, err
	}
	if len(d.SourceErrors) > 0 {
		r.log.Debug("routing: rate sources failed", "order", d.OrderID, "errors", d.SourceErrors)
	}
	r.log.Debug("routing: order routed", "order", d.OrderID, "shipments", len(d.Shipments), "total", d.Total.String(),
		"plans", d.PlansConsidered, "priced", d.PlansPriced)
	return d, nil
}

// BatchResult is the outcome of one order of a batch.
type BatchResult struct {
	Decision *Decision
	Err      error
}

// RouteBatch routes orders one after the other against the ledger and
// reserves each decision's units before the next order is routed, so that
// earlier orders (list them oldest first) get the stock first. Every
// request's Stock and Workload are replaced by the ledger. An order that
// fails does not stop the batch.
func (r *Router) RouteBatch(ctx context.Context, reqs []Request, l *Ledger) []BatchResult {
	out := make([]BatchResult, len(reqs))
	for i, req := range reqs {
		if err := ctx.Err(); err != nil {
			out[i].Err = fmt.Errorf("routing: batch stopped before order %d: %w", i, err)
			continue
		}
		out[i].Decision, out[i].Err = r.RouteAndReserve(ctx, req, l)
	}
	return out
}

// reserveAttempts bounds the re-routes when concurrent reservations keep
// taking the stock a decision chose.
const reserveAttempts = 3

// RouteAndReserve routes the order against the ledger (the request's Stock
// and Workload are replaced by it) and reserves its units. When a
// concurrent caller reserved the same units in between, it routes again
// (up to three times) on the new stock position; then the error wraps
// ErrStockChanged.
func (r *Router) RouteAndReserve(ctx context.Context, req Request, l *Ledger) (*Decision, error) {
	if l == nil {
		return nil, errors.New("routing: RouteAndReserve needs a ledger")
	}
	req.Stock, req.Workload = l, l
	var err error
	for range reserveAttempts {
		var d *Decision
		if d, err = r.Route(ctx, req); err != nil {
			return nil, err
		}
		if err = l.Reserve(d); err == nil {
			return d, nil
		}
		if !errors.Is(err, ErrStockChanged) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("routing: order %s: %w (gave up after %d attempts)", orderID(req.Order), err, reserveAttempts)
}

func orderID(o *commerce.Order) string {
	if o == nil {
		return "(none)"
	}
	if o.Number != "" {
		return o.Number
	}
	return o.Source.ExternalID
}
