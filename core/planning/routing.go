package planning

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/supplyhub/supplyhub/core/routing"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// RoutingConfig configures order routing in the gateway.
type RoutingConfig struct {
	// Disabled stops routing new orders as they arrive (the dry-run
	// endpoint still answers).
	Disabled bool `yaml:"disabled" env:"SUPPLYHUB_ROUTING_DISABLED"`
	// RulesFile holds the merchant's routing rules, YAML or JSON (see
	// docs/order-routing.md); none means the default rules.
	RulesFile string `yaml:"rules_file" env:"SUPPLYHUB_ROUTING_RULES_FILE"`
	// RatesCSV and ZonesCSV are a zone/weight rate table, used when no
	// carrier connection quotes a shipment; default: the built-in example
	// table (two carriers, domestic and international, in EUR).
	RatesCSV string `yaml:"rates_csv" env:"SUPPLYHUB_ROUTING_RATES_CSV"`
	ZonesCSV string `yaml:"zones_csv" env:"SUPPLYHUB_ROUTING_ZONES_CSV"`
	// Objective is cost (default) or speed.
	Objective string `yaml:"objective" env:"SUPPLYHUB_ROUTING_OBJECTIVE"`
	// PromiseDays is the delivery promise in business days; 0: none.
	PromiseDays int `yaml:"promise_days" env:"SUPPLYHUB_ROUTING_PROMISE_DAYS"`
}

//go:embed default_rates.csv
var defaultRates []byte

// Capabilities gives planning the plugins of connections: carrier rates,
// exchange rates and landed cost. The ingress implements it.
type Capabilities interface {
	Use(ctx context.Context, connection string) (sdk.Plugin, json.RawMessage, error)
	ConnectionsWith(ctx context.Context, c sdk.Capability) ([]string, error)
}

// SetCapabilities lets routing ask carriers, FX and customs connections.
func (s *Service) SetCapabilities(c Capabilities) { s.caps = c }

// LoadRoutingRules reads routing rules from a YAML (.yaml, .yml) or JSON
// file.
func LoadRoutingRules(path string) (routing.Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return routing.Rules{}, fmt.Errorf("routing rules: %w", err)
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		var doc any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return routing.Rules{}, fmt.Errorf("routing rules %s: %w", path, err)
		}
		if doc == nil {
			doc = map[string]any{}
		}
		if data, err = json.Marshal(doc); err != nil {
			return routing.Rules{}, fmt.Errorf("routing rules %s: %w", path, err)
		}
	}
	rules, err := routing.ParseRules(data)
	if err != nil {
		return routing.Rules{}, fmt.Errorf("routing rules %s: %w", path, err)
	}
	return rules, nil
}

// carrierSource asks one carrier connection for rates.
type carrierSource struct {
	conn string
	caps Capabilities
}

func (c carrierSource) Name() string { return c.conn }

func (c carrierSource) Rates(ctx context.Context, req routing.RateRequest) ([]commerce.Rate, error) {
	p, cfg, err := c.caps.Use(ctx, c.conn)
	if err != nil {
		return nil, err
	}
	if p.Carrier == nil {
		return nil, sdk.Missing(c.conn, sdk.CapCarrier)
	}
	parcels := make([]sdk.Parcel, len(req.Parcels))
	for i, pc := range req.Parcels {
		parcels[i] = sdk.Parcel{Weight: pc.Weight, Dimensions: pc.Dimensions}
	}
	resp, err := p.Carrier.Rates(ctx, sdk.RatesRequest{Connection: c.conn, Config: cfg, From: req.From, To: req.To, Parcels: parcels, Value: req.Value})
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, e := range resp.Errors {
		errs = append(errs, fmt.Errorf("%s: %s", e.Carrier, e.Message))
	}
	return append([]commerce.Rate(nil), resp.Rates...), errors.Join(errs...)
}

// customsCoster asks a customs connection for landed cost.
type customsCoster struct {
	conn string
	caps Capabilities
}

func (c customsCoster) LandedCost(ctx context.Context, req routing.LandedCostRequest) (*commerce.LandedCost, error) {
	p, cfg, err := c.caps.Use(ctx, c.conn)
	if err != nil {
		return nil, err
	}
	if p.Customs == nil {
		return nil, sdk.Missing(c.conn, sdk.CapCustoms)
	}
	sreq := CustomsRequest(req)
	sreq.Connection, sreq.Config = c.conn, cfg
	return p.Customs.LandedCost(ctx, sreq)
}

// CustomsRequest converts the router's landed-cost request into the customs
// capability's, naming a Canadian destination by its province ("CA-ON"), since
// Canadian taxes differ by province. Connection and Config are left for the
// caller.
func CustomsRequest(req routing.LandedCostRequest) sdk.LandedCostRequest {
	dest := req.DestinationCountry
	if dest == "CA" && req.DestinationProvince != "" {
		dest = "CA-" + req.DestinationProvince
	}
	return sdk.LandedCostRequest{AsOf: req.AsOf, Incoterm: req.Incoterm, OriginCountry: req.OriginCountry,
		DestinationCountry: dest, Currency: req.Currency, Items: req.Items, Shipping: req.Shipping,
		Insurance: req.Insurance, FXRates: req.FXRates}
}

// stockCache is the available stock of every SKU-location, kept current
// from inventory events; the routing ledger reserves against it. Levels are
// keyed by their connection and the location's upstream id, since two
// connections may use the same location ids; the router asks by the id it
// was given for a location, which alias maps back to that key.
type stockCache struct {
	mu    sync.RWMutex
	m     routing.StockTable
	alias map[string]string
}

func (c *stockCache) Available(sku, loc string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if k, ok := c.alias[loc]; ok {
		loc = k
	}
	return c.m[routing.StockKey{SKU: sku, LocationID: loc}]
}

// set records the stock of sku at a connection's location.
func (c *stockCache) set(conn, sku, loc string, n int) {
	c.mu.Lock()
	c.m[routing.StockKey{SKU: sku, LocationID: qualifiedLocation(conn, loc)}] = n
	c.mu.Unlock()
}

// setAliases replaces the map from the ids the router knows locations by
// to the cache's keys.
func (c *stockCache) setAliases(alias map[string]string) {
	c.mu.Lock()
	c.alias = alias
	c.mu.Unlock()
}

// qualifiedLocation names a connection's location unambiguously.
func qualifiedLocation(conn, loc string) string { return conn + "/" + loc }

// routableLocations returns the stored locations as the router should see
// them: by their upstream id, or by "connection/id" where two connections
// share an id; and the map from those ids to the stock cache's keys.
func routableLocations(locs []*commerce.Location) ([]commerce.Location, map[string]string) {
	conns := make(map[string]map[string]bool, len(locs))
	for _, l := range locs {
		id := l.Source.ExternalID
		if conns[id] == nil {
			conns[id] = map[string]bool{}
		}
		conns[id][l.Source.Connection] = true
	}
	out := make([]commerce.Location, 0, len(locs))
	alias := make(map[string]string, len(locs))
	for _, l := range locs {
		loc := *l
		key := qualifiedLocation(l.Source.Connection, l.Source.ExternalID)
		if len(conns[l.Source.ExternalID]) > 1 {
			loc.Source.ExternalID = key
		}
		alias[loc.Source.ExternalID] = key
		out = append(out, loc)
	}
	return out, alias
}

// routingState is what a decision needs, rebuilt at most once a minute.
type routingState struct {
	router    *routing.Router
	locations []commerce.Location
	items     map[string]routing.Item
	fx        []commerce.FXRate
	built     time.Time
}

// routerState returns the router and its inputs, rebuilding them when
// older than a minute (connections, locations and products change).
func (s *Service) routerState(ctx context.Context) (*routingState, error) {
	s.routeMu.Lock()
	defer s.routeMu.Unlock()
	if s.route != nil && time.Since(s.route.built) < time.Minute {
		return s.route, nil
	}
	rc := s.cfg.Routing
	cfg := routing.Config{Objective: routing.Objective(rc.Objective)}
	if rc.RulesFile != "" {
		rules, err := LoadRoutingRules(rc.RulesFile)
		if err != nil {
			return nil, err
		}
		cfg.Rules = rules
	}
	rates, zones := defaultRates, []byte(nil)
	var err error
	if rc.RatesCSV != "" {
		if rates, err = os.ReadFile(rc.RatesCSV); err != nil {
			return nil, fmt.Errorf("routing rate table: %w", err)
		}
	}
	if rc.ZonesCSV != "" {
		if zones, err = os.ReadFile(rc.ZonesCSV); err != nil {
			return nil, fmt.Errorf("routing zones: %w", err)
		}
	}
	var zr io.Reader // nil, not a nil *bytes.Reader: no zones file
	if zones != nil {
		zr = bytes.NewReader(zones)
	}
	table, err := routing.ParseTableRates("table", bytes.NewReader(rates), zr)
	if err != nil {
		return nil, err
	}
	cfg.Fallback = table
	st := &routingState{built: time.Now()}
	if s.caps != nil {
		carriers, _ := s.caps.ConnectionsWith(ctx, sdk.CapCarrier)
		for _, c := range carriers {
			cfg.Sources = append(cfg.Sources, carrierSource{conn: c, caps: s.caps})
		}
		if customs, _ := s.caps.ConnectionsWith(ctx, sdk.CapCustoms); len(customs) > 0 {
			cfg.LandedCost = customsCoster{conn: customs[0], caps: s.caps}
		}
		st.fx = s.fxRates(ctx)
	}
	if st.router, err = routing.New(cfg, s.log); err != nil {
		return nil, err
	}
	locs, err := listAll[*commerce.Location](ctx, s.store, commerce.KindLocation)
	if err != nil {
		return nil, err
	}
	var alias map[string]string
	st.locations, alias = routableLocations(locs)
	s.ledger.setAliases(alias)
	products, err := listAll[*commerce.Product](ctx, s.store, commerce.KindProduct)
	if err != nil {
		return nil, err
	}
	ps := make([]commerce.Product, len(products))
	for i, p := range products {
		ps[i] = *p
	}
	st.items = routing.ItemsFromProducts(ps)
	if len(st.locations) > 0 {
		// A state without locations is not kept: the first locations
		// synced must be seen by the next order, not a minute later.
		s.route = st
	}
	return st, nil
}

// fxRates returns the latest EUR reference rates of the first FX
// connection, so that decisions can convert rates and duties; none when no
// FX connection answers.
func (s *Service) fxRates(ctx context.Context) []commerce.FXRate {
	conns, err := s.caps.ConnectionsWith(ctx, sdk.CapFX)
	if err != nil || len(conns) == 0 {
		return nil
	}
	p, cfg, err := s.caps.Use(ctx, conns[0])
	if err != nil || p.FX == nil {
		return nil
	}
	resp, err := p.FX.Rates(ctx, sdk.FXRequest{Connection: conns[0], Config: cfg, Base: "EUR"})
	if err != nil {
		s.log.Warn("routing: no exchange rates", "connection", conns[0], "err", err)
		return nil
	}
	return resp.Rates
}

// request builds a routing request for an order.
func (s *Service) request(st *routingState, o *commerce.Order, promise routing.Promise) routing.Request {
	if promise == (routing.Promise{}) && s.cfg.Routing.PromiseDays > 0 {
		promise.Days = s.cfg.Routing.PromiseDays
	}
	return routing.Request{Order: o, Locations: st.locations, Stock: s.ledger, Channel: o.Source.Connection,
		Promise: promise, Items: st.items, FXRates: st.fx, Now: s.now()}
}

// RouteOrder decides where an order ships from without reserving stock
// (a dry run).
func (s *Service) RouteOrder(ctx context.Context, o *commerce.Order, promise routing.Promise) (*routing.Decision, error) {
	st, err := s.routerState(ctx)
	if err != nil {
		return nil, err
	}
	return st.router.Route(ctx, s.request(st, o, promise))
}

// onOrderRoute routes a new order as it arrives, reserves its stock and
// records the decision; a cancelled order releases its reservation.
func (s *Service) onOrderRoute(ctx context.Context, ev store.RecordEvent) error {
	if s.cfg.Routing.Disabled || ev.Kind != commerce.KindOrder {
		return nil
	}
	o, err := s.storedOrder(ctx, ev.ID)
	if err != nil || o == nil {
		return err
	}
	ref := o.Source.String()
	if o.Deleted || o.CancelledAt != nil || o.FulfillmentStatus == commerce.FulfillmentFulfilled {
		// Cancelled: the units are back. Fulfilled: they left the shelf, and
		// the upstream stock says so; holding them too would count them twice.
		s.routeLedger().Release(o.Source.ExternalID) // the ledger keys reservations by the order's upstream id
		return nil
	}
	prev, _, err := s.store.ListDecisions(ctx, ref, 0, 1)
	if err != nil {
		return err
	}
	if len(prev) > 0 && prev[0].Outcome != OutcomeFailed {
		return nil // routed already; updates do not move an order
	}
	st, err := s.routerState(ctx)
	if err != nil {
		return err // configuration or store: redelivered once fixed
	}
	if len(st.locations) == 0 {
		// No location is synced yet (a first sync may bring orders before
		// locations): there is nothing to decide, and recording the order
		// as unroutable would keep it so. It waits for the first locations.
		s.log.Debug("routing: order waits for the first locations", "order", ref)
		s.routeMu.Lock()
		if s.early == nil {
			s.early = map[int64]bool{}
		}
		if len(s.early) < maxEarlyOrders {
			s.early[ev.ID] = true
		}
		s.routeMu.Unlock()
		return nil
	}
	if err := s.routeEarlyOrders(ctx, ev.ID); err != nil {
		return err
	}
	req := s.request(st, o, routing.Promise{})
	d, rerr := st.router.RouteAndReserve(ctx, req, s.routeLedger())
	if errors.Is(rerr, routing.ErrNothingToRoute) {
		return nil
	}
	outcome := OutcomeRouted
	var body []byte
	var ue *routing.UnroutableError
	switch {
	case errors.As(rerr, &ue):
		outcome = OutcomeUnroutable
		body, err = json.Marshal(ue.Decision)
	case rerr != nil && ctx.Err() != nil:
		return rerr
	case rerr != nil:
		// The router refuses the request itself (bad location data, say):
		// redelivering the event cannot help. Record why; the next update
		// of the order tries again.
		s.log.Error("routing: order not routed", "order", ref, "err", rerr)
		outcome = OutcomeFailed
		body, err = json.Marshal(map[string]string{"error": rerr.Error()})
	default:
		body, err = json.Marshal(d)
	}
	if err != nil {
		return err
	}
	return s.store.AddDecision(ctx, &store.Decision{OrderRef: ref, Channel: o.Source.Connection, Outcome: outcome, DecidedAt: s.now().UTC(), Decision: body})
}

// maxEarlyOrders bounds the orders remembered while no location is stored;
// later ones are routed on their next update.
const maxEarlyOrders = 10000

// routeEarlyOrders routes the orders that arrived before any location, now
// that there are locations (except current, which its caller routes).
func (s *Service) routeEarlyOrders(ctx context.Context, current int64) error {
	s.routeMu.Lock()
	early := s.early
	s.early = nil
	s.routeMu.Unlock()
	if len(early) == 0 {
		return nil
	}
	s.log.Info("routing the orders that arrived before the first locations", "orders", len(early))
	ids := make([]int64, 0, len(early))
	for id := range early {
		if id != current {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids) // in the order they were stored
	for i, id := range ids {
		if err := s.onOrderRoute(ctx, store.RecordEvent{ID: id, Kind: commerce.KindOrder}); err != nil {
			// Keep the rest for the next order's turn.
			s.routeMu.Lock()
			if s.early == nil {
				s.early = map[int64]bool{}
			}
			for _, rest := range ids[i:] {
				s.early[rest] = true
			}
			s.routeMu.Unlock()
			return err
		}
	}
	return nil
}

// The outcomes of stored routing decisions.
const (
	// OutcomeRouted: the decision says where the order ships from.
	OutcomeRouted = "routed"
	// OutcomeUnroutable: no allowed location can ship it; the decision says why.
	OutcomeUnroutable = "unroutable"
	// OutcomeFailed: the router could not consider the order (the body is
	// {"error": ...}); the order's next update is routed again.
	OutcomeFailed = "failed"
)

// routeLedger returns the shared reservation ledger.
func (s *Service) routeLedger() *routing.Ledger {
	s.routeMu.Lock()
	defer s.routeMu.Unlock()
	if s.ledgerR == nil {
		s.ledgerR = routing.NewLedger(s.ledger, nil)
	}
	return s.ledgerR
}
