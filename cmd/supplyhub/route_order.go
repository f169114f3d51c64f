package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/connectors/customs"
	"github.com/supplyhub/supplyhub/core/planning"
	"github.com/supplyhub/supplyhub/core/routing"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func init() { registerRoute(newRouteOrderCmd) }

// routeOrderFlags are the flags of "route order".
type routeOrderFlags struct {
	order, locations, stock, rates, zones, carrier string
	rules, objective, catalog, fx, currency        string
	channel, deliverBy, now                        string
	promiseDays                                    int
	maxDistance                                    float64
	timeout                                        time.Duration
	landedCost, json                               bool
}

// newRouteOrderCmd builds "route order": order routing and rate shopping
// offline, on files.
func newRouteOrderCmd() *cobra.Command {
	var f routeOrderFlags
	cmd := &cobra.Command{
		Use:   "order",
		Short: "Route orders offline: choose the locations and carrier services for each line, and say why",
		Long: `Route an order (or a list of orders, oldest first) offline: choose which locations ship
each line from the available stock, price every plan with a zone/weight rate table, apply the
merchant's rules (ranking, location priority, channel exclusions, never split, ship-from-store
limits, split-cost limit) and print the decision with its explanation.

A list of orders is routed one after the other against one stock position: each decision
reserves its units, so two orders never take the same last unit.

Files:
  --order       one commerce.Order as JSON, or a JSON array of orders
  --locations   a JSON array of commerce.Location (source.external_id is the location id)
  --stock       CSV: sku,location_id,available (other columns such as on_hand are ignored)
  --rates       the rate table CSV: service,zone,max_weight,weight_unit,price,currency[,transit_days][,carrier]
  --zones       optional zones CSV: origin,destination,zone (default: domestic / international)
  --rules       optional rules, YAML or JSON (see docs/order-routing.md)
  --catalog     optional JSON array of commerce.Product: weights, HS codes, countries of origin
  --fx          optional JSON array of commerce.FXRate, to convert other currencies`,
		Example: `  supplyhub route order --order order.json --locations locations.json --stock stock.csv --rates rates.csv
  supplyhub route order --order orders.json --locations locations.json --stock stock.csv --rates rates.csv \
    --rules rules.yaml --catalog products.json --promise-days 3 --objective speed --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRouteOrder(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.order, "order", "", "order JSON file (one order or an array); required")
	fl.StringVar(&f.locations, "locations", "", "locations JSON file (an array); required")
	fl.StringVar(&f.stock, "stock", "", "stock CSV file (sku,location_id,available); required")
	fl.StringVar(&f.rates, "rates", "", "rate table CSV; required offline, where no carrier is connected")
	fl.StringVar(&f.zones, "zones", "", "zones CSV for the rate table (default: domestic within a country, international otherwise)")
	fl.StringVar(&f.carrier, "carrier", "table", "carrier name for rate-table rows without a carrier column")
	fl.StringVar(&f.rules, "rules", "", "routing rules, YAML (.yaml, .yml) or JSON")
	fl.StringVar(&f.objective, "objective", "cost", "cost or speed")
	fl.StringVar(&f.catalog, "catalog", "", "products JSON file (an array), for weights and landed cost")
	fl.StringVar(&f.fx, "fx", "", "FX rates JSON file (an array of commerce.FXRate)")
	fl.StringVar(&f.currency, "currency", "", "currency of the decisions (default: each order's currency)")
	fl.StringVar(&f.channel, "channel", "", "channel (connection id) whose rules apply (default: the order's source connection)")
	fl.IntVar(&f.promiseDays, "promise-days", 0, "delivery promise in business days, handling included (0: none)")
	fl.StringVar(&f.deliverBy, "deliver-by", "", "latest delivery date, YYYY-MM-DD")
	fl.Float64Var(&f.maxDistance, "max-distance-km", 0, "farthest a shipment should travel (0: no limit)")
	fl.BoolVar(&f.landedCost, "landed-cost", false, "quote duties and taxes of cross-border shipments with the built-in customs rules and compare DDP with DAP")
	fl.StringVar(&f.now, "now", "", "time of the decision, RFC 3339 (default: now), for reproducible promise dates")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "stop routing after this long")
	fl.BoolVar(&f.json, "json", false, "print the decisions as JSON")
	return cmd
}

func runRouteOrder(cmd *cobra.Command, f routeOrderFlags) error {
	for name, v := range map[string]string{"--order": f.order, "--locations": f.locations, "--stock": f.stock, "--rates": f.rates} {
		if v == "" {
			return usageError("route order: %s is required", name)
		}
	}
	obj, err := routing.ParseObjective(f.objective)
	if err != nil {
		return usageError("route order: --objective: %v", err)
	}
	promise := routing.Promise{Days: f.promiseDays, MaxDistanceKm: f.maxDistance}
	if f.promiseDays < 0 || f.maxDistance < 0 {
		return usageError("route order: --promise-days and --max-distance-km must not be negative")
	}
	if f.deliverBy != "" {
		d, err := commerce.ParseDate(f.deliverBy)
		if err != nil {
			return usageError("route order: --deliver-by: %v", err)
		}
		by := d.In(time.UTC).Add(24*time.Hour - time.Second)
		promise.DeliverBy = &by
	}
	now := time.Now()
	if f.now != "" {
		if now, err = time.Parse(time.RFC3339, f.now); err != nil {
			return usageError("route order: --now %q is not an RFC 3339 time such as 2026-03-16T09:00:00+01:00", f.now)
		}
	}
	var cur commerce.Currency
	if f.currency != "" {
		if cur, err = commerce.ParseCurrency(f.currency); err != nil {
			return usageError("route order: --currency: %v", err)
		}
	}

	orders, err := readOrders(f.order)
	if err != nil {
		return err
	}
	locations, err := readLocations(f.locations)
	if err != nil {
		return err
	}
	stock, err := readFileWith(f.stock, routing.ReadStockCSV)
	if err != nil {
		return err
	}
	table, err := readRateTable(f.carrier, f.rates, f.zones)
	if err != nil {
		return err
	}
	var rules routing.Rules
	if f.rules != "" {
		if rules, err = readRules(f.rules); err != nil {
			return err
		}
	}
	var items map[string]routing.Item
	if f.catalog != "" {
		products, err := readJSONList[commerce.Product](f.catalog, "products")
		if err != nil {
			return err
		}
		items = routing.ItemsFromProducts(products)
	}
	var fx []commerce.FXRate
	if f.fx != "" {
		if fx, err = readJSONList[commerce.FXRate](f.fx, "FX rates"); err != nil {
			return err
		}
	}
	cfg := routing.Config{Fallback: table, Rules: rules, Objective: obj, Currency: cur}
	if f.landedCost {
		cfg.LandedCost = customsCoster{c: customs.New()}
	}
	router, err := routing.New(cfg, nil)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	reqs := make([]routing.Request, len(orders))
	for i, o := range orders {
		reqs[i] = routing.Request{Order: o, Locations: locations, Stock: stock, Channel: f.channel, Promise: promise, Items: items, FXRates: fx, Now: now}
	}
	results := router.RouteBatch(ctx, reqs, routing.NewLedger(stock, nil))

	failed := 0
	for _, r := range results {
		if r.Err != nil && !errors.Is(r.Err, routing.ErrNothingToRoute) {
			failed++
		}
	}
	out := cmd.OutOrStdout()
	if f.json {
		err = printDecisionsJSON(out, orders, results)
	} else {
		err = printDecisions(out, orders, results)
	}
	if err != nil {
		return err
	}
	switch {
	case failed == 0:
		return nil
	case len(orders) == 1:
		return fmt.Errorf("route order: %w", results[0].Err)
	}
	return fmt.Errorf("route order: %d of %d orders could not be routed (see above)", failed, len(orders))
}

// customsCoster quotes landed cost with the customs connector in-process,
// as the gateway does through the customs plugin.
type customsCoster struct{ c *customs.Connector }

func (cc customsCoster) LandedCost(ctx context.Context, req routing.LandedCostRequest) (*commerce.LandedCost, error) {
	return cc.c.LandedCost(ctx, planning.CustomsRequest(req))
}

func readFileWith[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	var zero T
	fh, err := os.Open(path)
	if err != nil {
		return zero, fmt.Errorf("route order: %w", err)
	}
	defer fh.Close()
	v, err := read(fh)
	if err != nil {
		return zero, fmt.Errorf("route order: %s: %w", path, err)
	}
	return v, nil
}

func readRateTable(carrier, rates, zones string) (*routing.TableRates, error) {
	rf, err := os.Open(rates)
	if err != nil {
		return nil, fmt.Errorf("route order: %w", err)
	}
	defer rf.Close()
	var zr io.Reader
	if zones != "" {
		zf, err := os.Open(zones)
		if err != nil {
			return nil, fmt.Errorf("route order: %w", err)
		}
		defer zf.Close()
		zr = zf
	}
	t, err := routing.ParseTableRates(carrier, rf, zr)
	if err != nil {
		return nil, fmt.Errorf("route order: %s: %w", rates, err)
	}
	return t, nil
}

// readRules reads rules from YAML or JSON, by the file's extension.
func readRules(path string) (routing.Rules, error) {
	rules, err := planning.LoadRoutingRules(path)
	if err != nil {
		return routing.Rules{}, fmt.Errorf("route order: %w", err)
	}
	return rules, nil
}

// readOrders reads one order or an array of orders, strictly.
func readOrders(path string) ([]*commerce.Order, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("route order: %w", err)
	}
	var raws []json.RawMessage
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &raws); err != nil {
			return nil, fmt.Errorf("route order: %s: %w", path, err)
		}
	} else {
		raws = []json.RawMessage{data}
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("route order: %s holds no order", path)
	}
	orders := make([]*commerce.Order, len(raws))
	for i, raw := range raws {
		rec, err := commerce.Decode(commerce.KindOrder, raw)
		if err != nil {
			return nil, fmt.Errorf("route order: %s: order %d: %w", path, i+1, err)
		}
		orders[i] = rec.(*commerce.Order)
	}
	return orders, nil
}

func readLocations(path string) ([]commerce.Location, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("route order: %w", err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("route order: %s must be a JSON array of locations: %w", path, err)
	}
	locs := make([]commerce.Location, len(raws))
	for i, raw := range raws {
		rec, err := commerce.Decode(commerce.KindLocation, raw)
		if err != nil {
			return nil, fmt.Errorf("route order: %s: location %d: %w", path, i+1, err)
		}
		locs[i] = *rec.(*commerce.Location)
	}
	return locs, nil
}

// readJSONList reads a JSON array strictly (unknown fields are errors).
func readJSONList[T any](path, what string) ([]T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("route order: %w", err)
	}
	var out []T
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("route order: %s must be a JSON array of %s: %w", path, what, err)
	}
	return out, nil
}

// decisionJSON is one order's outcome in --json output.
type decisionJSON struct {
	Order      string            `json:"order"`
	Decision   *routing.Decision `json:"decision,omitempty"`
	Unroutable *unroutableJSON   `json:"unroutable,omitempty"`
	Error      string            `json:"error,omitempty"`
}

type unroutableJSON struct {
	Reason   routing.Reason    `json:"reason"`
	Detail   string            `json:"detail"`
	Decision *routing.Decision `json:"decision,omitempty"`
}

func printDecisionsJSON(w io.Writer, orders []*commerce.Order, results []routing.BatchResult) error {
	out := make([]decisionJSON, len(results))
	for i, r := range results {
		out[i] = decisionJSON{Order: orderName(orders[i]), Decision: r.Decision}
		var ue *routing.UnroutableError
		switch {
		case errors.As(r.Err, &ue):
			out[i].Unroutable = &unroutableJSON{Reason: ue.Reason, Detail: ue.Detail, Decision: ue.Decision}
		case r.Err != nil:
			out[i].Error = r.Err.Error()
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if len(out) == 1 {
		return enc.Encode(out[0])
	}
	return enc.Encode(out)
}

func orderName(o *commerce.Order) string {
	if o.Number != "" {
		return o.Number
	}
	return o.Source.ExternalID
}

func printDecisions(w io.Writer, orders []*commerce.Order, results []routing.BatchResult) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	routed := 0
	for i, r := range results {
		o := orders[i]
		dest := ""
		if a := o.ShippingAddress; a != nil {
			dest = strings.TrimSpace(strings.Join([]string{a.City, a.PostalCode, a.CountryCode}, " "))
		}
		fmt.Fprintf(tw, "Order %s → %s\n", orderName(o), dest)
		var ue *routing.UnroutableError
		switch {
		case errors.As(r.Err, &ue):
			fmt.Fprintf(tw, "  cannot be routed (%s): %s\n", ue.Reason, ue.Detail)
		case errors.Is(r.Err, routing.ErrNothingToRoute):
			fmt.Fprintf(tw, "  nothing to route: %v\n", r.Err)
		case r.Err != nil:
			fmt.Fprintf(tw, "  error: %v\n", r.Err)
		default:
			routed++
			printDecision(tw, r.Decision)
		}
		fmt.Fprintln(tw)
	}
	if len(results) > 1 {
		fmt.Fprintf(tw, "Routed %d of %d orders.\n", routed, len(results))
	}
	return tw.Flush()
}

func penalties(c routing.CostBreakdown) commerce.Money {
	p, err := commerce.Sum(c.Total.Currency, c.SplitPenalty, c.LatePenalty, c.DistancePenalty)
	if err != nil { // one currency by construction
		return commerce.Zero(c.Total.Currency)
	}
	return p
}

func printDecision(w io.Writer, d *routing.Decision) {
	for _, s := range d.Shipments {
		days := "transit unknown"
		if s.DeliveryDays > 0 {
			days = fmt.Sprintf("%d business days", s.DeliveryDays)
		}
		fmt.Fprintf(w, "  from %s (%s)\t%s %s\t%s\t%s\n", s.LocationName, s.LocationID, s.Rate.Carrier, s.Rate.Service, s.ShippingCost, days)
		for _, a := range s.Lines {
			fmt.Fprintf(w, "    line %s\t%s × %d\n", a.LineID, a.SKU, a.Quantity)
		}
		if l := s.Landed; l != nil && l.Error == "" {
			fmt.Fprintf(w, "    %s\tduties and taxes paid by the merchant: %s\n", l.Incoterm, l.MerchantCost)
		}
	}
	if d.Total.Equal(d.Cost.Shipping) {
		fmt.Fprintf(w, "  total\t\t%s\n", d.Total)
	} else {
		fmt.Fprintf(w, "  total\t\t%s\t(shipping %s, duties and taxes %s, penalties %s)\n", d.Total, d.Cost.Shipping, d.Cost.Duties, penalties(d.Cost))
	}
	fmt.Fprintf(w, "  why: %s\n", d.Explanation)
	if len(d.Alternatives) > 0 {
		fmt.Fprintf(w, "  alternatives:\n")
		for _, a := range d.Alternatives {
			total := "—"
			if a.Total != nil {
				total = a.Total.String()
			}
			fmt.Fprintf(w, "    %s\t%s\t%s\n", strings.Join(a.Locations, " + "), total, a.Rejected)
		}
	}
}
