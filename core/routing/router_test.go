package routing

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// split stock: Leipzig has only mugs, Berlin only tees, Hamburg both.
var splitStock = StockTable{
	{"MUG", "leipzig"}: 5, {"TEE", "berlin"}: 5,
	{"MUG", "hamburg"}: 5, {"TEE", "hamburg"}: 5,
}

func mugAndTee(to commerce.Address) *commerce.Order {
	return order(to, line("1", "MUG", 1, "12.00"), line("2", "TEE", 1, "20.00"))
}

func TestRules(t *testing.T) {
	t.Parallel()
	all := []commerce.Location{leipzig, berlin, hamburg, munich, vienna}
	everywhere := StockTable{}
	for _, l := range all {
		everywhere[StockKey{"MUG", l.Source.ExternalID}] = 10
		everywhere[StockKey{"TEE", l.Source.ExternalID}] = 10
	}
	type tc struct {
		name     string
		rules    Rules
		obj      Objective
		order    *commerce.Order
		stock    StockTable
		locs     []commerce.Location
		channel  string
		workload WorkloadTable
		want     []string // shipment locations, sorted
		wantWhy  []string // fragments of the explanation
		check    func(t *testing.T, d *Decision)
	}
	cases := []tc{
		{
			name:  "cost: a cheaper split beats one far location",
			order: mugAndTee(dresden), stock: splitStock, locs: []commerce.Location{leipzig, berlin, hamburg},
			want:    []string{"berlin", "leipzig"},
			wantWhy: []string{"Split into 2 shipments", "two parcels cost", "less than one parcel from Hamburg"},
		},
		{
			name:  "fewest splits first (Shopify's default order)",
			rules: Rules{Ranking: []Criterion{ByFewestSplits, ByMarket, ByClosest}},
			order: mugAndTee(dresden), stock: splitStock, locs: []commerce.Location{leipzig, berlin, hamburg},
			want:    []string{"hamburg"},
			wantWhy: []string{"Ship from Hamburg", "Fewest shipments: 1 against 2"},
		},
		{
			name:  "a split penalty makes one parcel cheaper",
			rules: Rules{SplitPenalty: eur("2.00")},
			order: mugAndTee(dresden), stock: splitStock, locs: []commerce.Location{leipzig, berlin, hamburg},
			want:    []string{"hamburg"},
			wantWhy: []string{"one parcel instead of two saves"},
			check: func(t *testing.T, d *Decision) {
				if len(d.Alternatives) == 0 || d.Alternatives[0].Total == nil {
					t.Fatalf("alternatives %+v lack the priced split", d.Alternatives)
				}
				// The split's total includes the penalty.
				if n, _ := d.Alternatives[0].Total.Cmp(d.Total); n <= 0 {
					t.Errorf("the split (%s) should cost more than %s", d.Alternatives[0].Total, d.Total)
				}
			},
		},
		{
			name:  "stay in the destination market before closest",
			rules: Rules{Ranking: []Criterion{ByFewestSplits, ByMarket, ByClosest}},
			order: mugAndTee(salzburg), stock: everywhere, locs: []commerce.Location{munich, vienna},
			want:    []string{"vienna"},
			wantWhy: []string{"stays in the destination market AT"},
		},
		{
			name:  "a market spanning two countries lets the closest win",
			rules: Rules{Ranking: []Criterion{ByFewestSplits, ByMarket, ByClosest}, Markets: map[string][]string{"DACH": {"DE", "AT", "CH"}}},
			order: mugAndTee(salzburg), stock: everywhere, locs: []commerce.Location{munich, vienna},
			want:    []string{"munich"},
			wantWhy: []string{"Tied on fewest-splits, market; closest: 116 km against 251 km from Vienna"},
		},
		{
			name:  "require market excludes other markets",
			rules: Rules{RequireMarket: true},
			order: mugAndTee(salzburg), stock: everywhere, locs: []commerce.Location{munich, vienna},
			want: []string{"vienna"},
			check: func(t *testing.T, d *Decision) {
				if len(d.Excluded) != 1 || d.Excluded[0].LocationID != "munich" || !strings.Contains(d.Excluded[0].Reason, "outside the destination market") {
					t.Errorf("excluded %+v, want munich outside the market", d.Excluded)
				}
			},
		},
		{
			name:  "closest",
			rules: Rules{Ranking: []Criterion{ByClosest}},
			order: mugAndTee(dresden), stock: everywhere, locs: []commerce.Location{hamburg, berlin, leipzig},
			want:    []string{"leipzig"},
			wantWhy: []string{"Closest: 100 km against 165 km from Berlin"},
		},
		{
			name:  "priority ranks locations above cost",
			rules: Rules{Ranking: []Criterion{ByPriority, ByCost}, Priority: []string{"hamburg", "berlin"}},
			order: mugAndTee(dresden), stock: everywhere, locs: []commerce.Location{leipzig, berlin, hamburg},
			want:    []string{"hamburg"},
			wantWhy: []string{"Higher in the location priority"},
		},
		{
			name:  "priority breaks a cost tie within the tolerance",
			rules: Rules{Ranking: []Criterion{ByCost, ByPriority}, Priority: []string{"berlin"}, CostTolerance: eur("5.00")},
			order: mugAndTee(dresden), stock: everywhere, locs: []commerce.Location{leipzig, berlin, hamburg},
			want:    []string{"berlin"},
			wantWhy: []string{"Tied on cost"},
		},
		{
			name:  "exclude a location for a channel",
			rules: Rules{Locations: map[string]LocationRule{"leipzig": {ExcludeChannels: []string{"amazon-de"}}}},
			order: mugAndTee(dresden), stock: everywhere, locs: []commerce.Location{leipzig, berlin}, channel: "amazon-de",
			want:    []string{"berlin"},
			wantWhy: []string{"Not used: Leipzig (excluded for channel amazon-de)"},
		},
		{
			name:  "the exclusion does not apply to another channel",
			rules: Rules{Locations: map[string]LocationRule{"leipzig": {ExcludeChannels: []string{"amazon-de"}}}},
			order: mugAndTee(dresden), stock: everywhere, locs: []commerce.Location{leipzig, berlin},
			want: []string{"leipzig"},
		},
		{
			name:  "only channels",
			rules: Rules{Locations: map[string]LocationRule{"leipzig": {OnlyChannels: []string{"wholesale"}}}},
			order: mugAndTee(dresden), stock: everywhere, locs: []commerce.Location{leipzig, berlin},
			want: []string{"berlin"},
		},
		{
			name:  "never split",
			rules: Rules{NeverSplit: true},
			order: mugAndTee(dresden), stock: splitStock, locs: []commerce.Location{leipzig, berlin, hamburg},
			want: []string{"hamburg"},
			check: func(t *testing.T, d *Decision) {
				if d.PlansConsidered != 1 {
					t.Errorf("never split considered %d plans, want only the single-location one", d.PlansConsidered)
				}
			},
		},
		{
			name:  "ship-from-store: daily order limit reached",
			rules: Rules{Stores: &LocationRule{MaxOrdersPerDay: 3}},
			order: mugAndTee(addr("DE", "80333", geo(48.14, 11.56))), stock: everywhere, locs: []commerce.Location{munich, leipzig},
			workload: WorkloadTable{"munich": 3},
			want:     []string{"leipzig"},
			wantWhy:  []string{"Munich store (ship-from-store limit reached: 3 of 3 orders today)"},
		},
		{
			name:  "ship-from-store: under the daily limit the store ships",
			rules: Rules{Stores: &LocationRule{MaxOrdersPerDay: 3}},
			order: mugAndTee(addr("DE", "80333", geo(48.14, 11.56))), stock: everywhere, locs: []commerce.Location{munich, leipzig},
			workload: WorkloadTable{"munich": 2},
			want:     []string{"munich"},
		},
		{
			name:  "ship-from-store: units per shipment cap",
			rules: Rules{Stores: &LocationRule{MaxUnitsPerShipment: 2}},
			order: order(addr("DE", "80333", geo(48.14, 11.56)), line("1", "MUG", 3, "12.00")), stock: everywhere, locs: []commerce.Location{munich, leipzig},
			want: []string{"leipzig"},
		},
		{
			name:  "ship-from-store: safety stock stays on the shelf",
			rules: Rules{Stores: &LocationRule{SafetyStock: 2}},
			order: order(addr("DE", "80333", geo(48.14, 11.56)), line("1", "MUG", 1, "12.00")),
			stock: StockTable{{"MUG", "munich"}: 2, {"MUG", "leipzig"}: 1}, locs: []commerce.Location{munich, leipzig},
			want: []string{"leipzig"},
		},
		{
			name:  "a location's own rule overrides the store defaults",
			rules: Rules{Stores: &LocationRule{SafetyStock: 2}, Locations: map[string]LocationRule{"munich": {SafetyStock: 1}}},
			order: order(addr("DE", "80333", geo(48.14, 11.56)), line("1", "MUG", 1, "12.00")),
			stock: StockTable{{"MUG", "munich"}: 2, {"MUG", "leipzig"}: 1}, locs: []commerce.Location{munich, leipzig},
			want: []string{"munich"},
		},
		{
			name:  "split-cost limit above the split",
			rules: Rules{MaxSplitShipping: eur("10.00")},
			order: mugAndTee(dresden), stock: StockTable{{"MUG", "leipzig"}: 1, {"TEE", "berlin"}: 1}, locs: []commerce.Location{leipzig, berlin},
			want: []string{"berlin", "leipzig"},
		},
		{
			name:  "max shipments allows a two-way split",
			rules: Rules{MaxShipments: 2},
			order: mugAndTee(dresden), stock: StockTable{{"MUG", "leipzig"}: 1, {"TEE", "berlin"}: 1}, locs: []commerce.Location{leipzig, berlin},
			want: []string{"berlin", "leipzig"},
		},
		{
			name:  "a line split by units when no location has them all",
			order: order(dresden, line("1", "MUG", 4, "12.00")), stock: StockTable{{"MUG", "leipzig"}: 3, {"MUG", "berlin"}: 3},
			locs: []commerce.Location{leipzig, berlin},
			want: []string{"berlin", "leipzig"},
			check: func(t *testing.T, d *Decision) {
				got := map[string]int{}
				for _, a := range d.Assignments {
					got[a.LocationID] += a.Quantity
				}
				if got["leipzig"] != 3 || got["berlin"] != 1 {
					t.Errorf("units %v, want 3 from Leipzig (closer) and 1 from Berlin", got)
				}
			},
		},
		{
			name:  "inactive locations and those not fulfilling online orders are skipped",
			order: mugAndTee(dresden), stock: everywhere,
			locs: []commerce.Location{func() commerce.Location { l := leipzig; l.Active = false; return l }(),
				func() commerce.Location { l := berlin; l.FulfillsOnlineOrders = false; return l }(), hamburg},
			want:    []string{"hamburg"},
			wantWhy: []string{"Leipzig (inactive)", "Berlin (does not fulfil online orders)"},
		},
		{
			name:  "countries a location ships to",
			rules: Rules{Locations: map[string]LocationRule{"munich": {Countries: []string{"DE"}}}},
			order: mugAndTee(salzburg), stock: everywhere, locs: []commerce.Location{munich, vienna},
			want: []string{"vienna"},
		},
		{
			name:  "a location's distance limit",
			rules: Rules{Locations: map[string]LocationRule{"leipzig": {MaxDistanceKm: 50}}},
			order: mugAndTee(dresden), stock: everywhere, locs: []commerce.Location{leipzig, berlin},
			want:    []string{"berlin"},
			wantWhy: []string{"beyond its 50 km limit"},
		},
		{
			name: "speed objective prefers the nearer, faster location even when priority says otherwise",
			obj:  Speed, rules: Rules{Ranking: []Criterion{BySpeed, ByPriority}, Priority: []string{"hamburg"}},
			order: mugAndTee(dresden), stock: everywhere, locs: []commerce.Location{hamburg, leipzig},
			want:    []string{"leipzig"},
			wantWhy: []string{"Fastest: 1 business day against 2 business days"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := newRouter(t, Config{Sources: []RateSource{distSource()}, Rules: c.rules, Objective: c.obj})
			req := request(c.order, c.stock, c.locs...)
			req.Channel = c.channel
			if c.workload != nil {
				req.Workload = c.workload
			}
			d := mustRoute(t, r, req)
			got := locations(d)
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Fatalf("shipped from %v, want %v\n%s", got, c.want, d.Explanation)
			}
			for _, w := range c.wantWhy {
				if !strings.Contains(d.Explanation, w) {
					t.Errorf("explanation lacks %q:\n%s", w, d.Explanation)
				}
			}
			checkDecision(t, c.order, d)
			if c.check != nil {
				c.check(t, d)
			}
		})
	}
}

// checkDecision asserts what holds for every decision: every unit of every
// line is assigned exactly once, each shipment ships its assignments, and
// the total adds up.
func checkDecision(t *testing.T, o *commerce.Order, d *Decision) {
	t.Helper()
	got := map[string]int{}
	for _, a := range d.Assignments {
		got[a.LineID] += a.Quantity
	}
	for _, l := range o.Lines {
		if got[l.ExternalID] != l.Quantity {
			t.Errorf("line %s: %d units assigned, want %d", l.ExternalID, got[l.ExternalID], l.Quantity)
		}
	}
	sum := commerce.Zero(d.Total.Currency)
	for _, s := range d.Shipments {
		if len(s.Lines) == 0 {
			t.Errorf("shipment from %s ships nothing", s.LocationID)
		}
		for _, a := range s.Lines {
			if a.LocationID != s.LocationID {
				t.Errorf("shipment from %s lists an assignment from %s", s.LocationID, a.LocationID)
			}
		}
		var err error
		if sum, err = sum.Add(s.Cost); err != nil {
			t.Fatal(err)
		}
	}
	sum, _ = sum.Add(d.Cost.SplitPenalty)
	if !sum.Equal(d.Total) {
		t.Errorf("shipment costs plus split penalty %s, total %s", sum, d.Total)
	}
	parts := commerce.Zero(d.Total.Currency)
	for _, m := range []commerce.Money{d.Cost.Shipping, d.Cost.Duties, d.Cost.SplitPenalty, d.Cost.LatePenalty, d.Cost.DistancePenalty} {
		parts, _ = parts.Add(m)
	}
	if !parts.Equal(d.Total) {
		t.Errorf("cost breakdown %+v adds up to %s, total %s", d.Cost, parts, d.Total)
	}
	if d.Explanation == "" {
		t.Error("no explanation")
	}
}

func TestUnroutable(t *testing.T) {
	t.Parallel()
	oneEach := StockTable{{"MUG", "leipzig"}: 1, {"TEE", "berlin"}: 1}
	cases := []struct {
		name    string
		rules   Rules
		src     *fakeSource
		order   *commerce.Order
		stock   StockTable
		locs    []commerce.Location
		channel string
		promise Promise
		reason  Reason
		detail  []string
		absent  []string
	}{
		{name: "no stock anywhere", order: order(dresden, line("1", "MUG", 3, "12.00"), line("2", "LAMP", 1, "80.00")),
			stock: StockTable{{"MUG", "leipzig"}: 1, {"MUG", "berlin"}: 1}, locs: []commerce.Location{leipzig, berlin},
			reason: NoStock, detail: []string{"MUG: 3 ordered, 2 available in all locations", "LAMP: 1 ordered, 0 available"}},
		{name: "stock only at excluded locations", order: mugAndTee(dresden), stock: oneEach, locs: []commerce.Location{leipzig, berlin},
			rules:   Rules{Locations: map[string]LocationRule{"berlin": {ExcludeChannels: []string{"amazon-de"}}}},
			channel: "amazon-de", reason: AllExcluded, detail: []string{"TEE: 1 ordered, 0 available where the rules allow, 1 at excluded locations", "Berlin (excluded for channel amazon-de)"}},
		{name: "stock held back as safety stock", order: order(dresden, line("1", "MUG", 3, "12.00")), stock: StockTable{{"MUG", "munich"}: 2, {"MUG", "leipzig"}: 1},
			locs: []commerce.Location{munich, leipzig}, rules: Rules{Stores: &LocationRule{SafetyStock: 1}},
			reason: AllExcluded, detail: []string{"MUG: 3 ordered, 2 available where the rules allow, 1 held back as safety stock"}},
		{name: "all locations excluded", order: mugAndTee(dresden), stock: oneEach, locs: []commerce.Location{leipzig, berlin},
			rules:  Rules{Locations: map[string]LocationRule{"berlin": {Disabled: true}, "leipzig": {Disabled: true}}},
			reason: AllExcluded, detail: []string{"every location is excluded", "Leipzig (disabled in the rules)"}},
		{name: "never split", order: mugAndTee(dresden), stock: oneEach, locs: []commerce.Location{leipzig, berlin},
			rules: Rules{NeverSplit: true}, reason: SplitNotAllowed, detail: []string{"no single location can ship all 2 lines", "never_split"}},
		{name: "max shipments", order: order(dresden, line("1", "MUG", 1, "1.00"), line("2", "TEE", 1, "1.00"), line("3", "LAMP", 1, "1.00")),
			stock: StockTable{{"MUG", "leipzig"}: 1, {"TEE", "berlin"}: 1, {"LAMP", "hamburg"}: 1}, locs: []commerce.Location{leipzig, berlin, hamburg},
			rules: Rules{MaxShipments: 2}, reason: SplitNotAllowed, detail: []string{"at most 2 shipments (max_shipments)"}},
		{name: "split too costly", order: mugAndTee(dresden), stock: oneEach, locs: []commerce.Location{leipzig, berlin},
			rules: Rules{MaxSplitShipping: eur("5.00")}, reason: SplitTooCostly, detail: []string{"above the 5.00 EUR limit (max_split_shipping)"}},
		{name: "mixed: one plan unpriced, the split too costly", order: mugAndTee(dresden), stock: splitStock, locs: []commerce.Location{leipzig, berlin, hamburg},
			src: &fakeSource{name: "post", rates: func(req RateRequest) ([]commerce.Rate, error) {
				if req.From.PostalCode == "20095" {
					return nil, errors.New("no pickup in Hamburg")
				}
				return []commerce.Rate{{Carrier: "Post", Service: "Parcel", Amount: commerce.MustMoney("4.00", "EUR"), TransitDays: 2}}, nil
			}},
			rules: Rules{MaxSplitShipping: eur("5.00")}, reason: SplitTooCostly,
			detail: []string{"the splits are above the split-cost limit", "(of the 2 plans priced: 1 split-too-costly, 1 no-rates)"},
			absent: []string{"no single location"}},
		{name: "promise impossible", order: mugAndTee(addr("DE", "20095", geo(53.55, 9.99))), stock: oneEach, locs: []commerce.Location{leipzig, berlin},
			src:     &fakeSource{name: "slowpost", rates: flat("SlowPost", svc("Economy", "3.00", "EUR", 5), svc("Standard", "5.00", "EUR", 3))},
			promise: Promise{Days: 2}, reason: PromiseImpossible, detail: []string{"none of the 2 services quoted meets the 2-day promise"}},
		{name: "promise date already passed", order: mugAndTee(dresden), stock: oneEach, locs: []commerce.Location{leipzig, berlin},
			promise: Promise{DeliverBy: func() *time.Time { t := monday.AddDate(0, 0, -3); return &t }()}, reason: PromiseImpossible,
			detail: []string{"promise to deliver by 2026-03-13"}},
		{name: "no rates", order: mugAndTee(dresden), stock: oneEach, locs: []commerce.Location{leipzig, berlin},
			src:    &fakeSource{name: "down", rates: func(RateRequest) ([]commerce.Rate, error) { return nil, errors.New("503 service unavailable") }},
			reason: NoRates, detail: []string{"down: 503 service unavailable"}},
		{name: "no destination", order: func() *commerce.Order { o := mugAndTee(dresden); o.ShippingAddress = nil; return o }(),
			stock: oneEach, locs: []commerce.Location{leipzig}, reason: NoDestination, detail: []string{"no shipping address"}},
		{name: "no locations", order: mugAndTee(dresden), stock: oneEach, reason: NoLocations},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := c.src
			if src == nil {
				src = distSource()
			}
			r := newRouter(t, Config{Sources: []RateSource{src}, Rules: c.rules})
			req := request(c.order, c.stock, c.locs...)
			req.Channel, req.Promise = c.channel, c.promise
			ue := unroutable(t, r, req)
			if ue.Reason != c.reason {
				t.Fatalf("reason %s, want %s: %v", ue.Reason, c.reason, ue)
			}
			for _, w := range c.detail {
				if !strings.Contains(ue.Detail, w) {
					t.Errorf("detail lacks %q: %s", w, ue.Detail)
				}
			}
			for _, w := range c.absent {
				if strings.Contains(ue.Detail, w) {
					t.Errorf("detail says %q: %s", w, ue.Detail)
				}
			}
			if ue.Decision == nil || ue.Decision.OrderID != "1001" || !strings.HasPrefix(ue.Decision.Explanation, "Cannot route: ") {
				t.Errorf("partial decision %+v lacks the order or the explanation", ue.Decision)
			}
			if len(ue.Decision.Shipments) != 0 {
				t.Errorf("an unroutable decision has shipments: %+v", ue.Decision.Shipments)
			}
		})
	}
}

func TestNothingToRoute(t *testing.T) {
	t.Parallel()
	r := newRouter(t, Config{})
	stock := StockTable{{"MUG", "leipzig"}: 5}
	cancelled := order(dresden, line("1", "MUG", 1, "12.00"))
	cancelled.CancelledAt = &monday
	shipped := order(dresden, line("1", "MUG", 2, "12.00"))
	shipped.Shipments = []commerce.Shipment{{Status: commerce.TrackingInTransit, Lines: []commerce.ShipmentLine{{LineID: "1", Quantity: 2}}}}
	digital := order(dresden, commerce.OrderLine{ExternalID: "1", Quantity: 1, Title: "Gift card", UnitPrice: commerce.Bag(commerce.MustMoney("25.00", "EUR"))})
	giftCard := order(dresden, commerce.OrderLine{ExternalID: "1", SKU: "GIFT-25", Quantity: 1, Title: "Gift card", UnitPrice: commerce.Bag(commerce.MustMoney("25.00", "EUR"))})
	giftCard.ShippingAddress = nil // Shopify sends none when no line requires shipping
	for name, o := range map[string]*commerce.Order{"cancelled": cancelled, "fully shipped": shipped, "no SKU": digital, "nothing to ship, no address": giftCard} {
		t.Run(name, func(t *testing.T) {
			_, err := r.Route(context.Background(), request(o, stock, leipzig))
			if !errors.Is(err, ErrNothingToRoute) {
				t.Fatalf("error %v, want ErrNothingToRoute", err)
			}
		})
	}
}

func TestPartlyShippedOrder(t *testing.T) {
	t.Parallel()
	r := newRouter(t, Config{})
	o := order(dresden, line("1", "MUG", 3, "12.00"), line("2", "TEE", 1, "20.00"), commerce.OrderLine{ExternalID: "3", Quantity: 1, Title: "Engraving"})
	o.Shipments = []commerce.Shipment{
		{Status: commerce.TrackingDelivered, Lines: []commerce.ShipmentLine{{LineID: "1", Quantity: 2}, {LineID: "2", Quantity: 1}}},
		{Status: commerce.TrackingCancelled, Lines: []commerce.ShipmentLine{{LineID: "1", Quantity: 1}}},
	}
	d := mustRoute(t, r, request(o, StockTable{{"MUG", "leipzig"}: 5}, leipzig))
	if len(d.Assignments) != 1 || d.Assignments[0] != (Assignment{LineID: "1", SKU: "MUG", LocationID: "leipzig", Quantity: 1}) {
		t.Errorf("assignments %+v, want the one mug left of line 1", d.Assignments)
	}
	if len(d.Skipped) != 2 || d.Skipped[0].LineID != "2" || d.Skipped[1].LineID != "3" {
		t.Errorf("skipped %+v, want line 2 (shipped) and 3 (no SKU)", d.Skipped)
	}
	if !strings.Contains(d.Explanation, "Line 3 not routed: no SKU") {
		t.Errorf("explanation does not mention the line without SKU: %s", d.Explanation)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	r := newRouter(t, Config{})
	o := mugAndTee(dresden)
	dup := request(o, splitStock, leipzig, leipzig)
	noID := request(o, splitStock, commerce.Location{Name: "Nowhere", Active: true, FulfillsOnlineOrders: true})
	noStock := Request{Order: o, Locations: []commerce.Location{leipzig}}
	badQty := request(order(dresden, line("1", "MUG", 0, "1.00")), splitStock, leipzig)
	badFX := request(o, splitStock, leipzig)
	badFX.FXRates = []commerce.FXRate{{Base: "EUR", Quote: "USD"}}
	late := request(o, splitStock, leipzig)
	late.Promise.Days = -1
	// The caller's own input wraps ErrInvalidRequest (an API answers 400);
	// the rest are the caller's wiring or stored data.
	invalid := map[string]bool{"zero quantity": true, "invalid FX rate": true, "negative promise": true}
	for name, req := range map[string]Request{"duplicate location": dup, "location without id": noID, "no stock": noStock,
		"zero quantity": badQty, "invalid FX rate": badFX, "negative promise": late, "no order": {}} {
		t.Run(name, func(t *testing.T) {
			_, err := r.Route(context.Background(), req)
			if err == nil || errors.Is(err, ErrUnroutable) {
				t.Fatalf("error %v, want a request error", err)
			}
			if got := errors.Is(err, ErrInvalidRequest); got != invalid[name] {
				t.Errorf("errors.Is(%q, ErrInvalidRequest) = %v, want %v", err, got, invalid[name])
			}
			if !strings.HasPrefix(err.Error(), "routing: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestPromise(t *testing.T) {
	t.Parallel()
	o := order(dresden, line("1", "LAMP", 1, "80.00"))
	stock := StockTable{{"LAMP", "leipzig"}: 1}
	friday := time.Date(2026, 3, 20, 18, 0, 0, 0, time.FixedZone("CET", 3600))
	cases := []struct {
		name      string
		rules     Rules
		obj       Objective
		promise   Promise
		handling  int
		wantSvc   string
		wantMeets bool
		wantWhy   []string
	}{
		{name: "no promise: cheapest", wantSvc: "DPD Classic", wantMeets: true},
		{name: "1-day promise drops the 2-day services", promise: Promise{Days: 1}, wantSvc: "DHL Express", wantMeets: true,
			wantWhy: []string{"meets the 1-day promise", "2 dropped for missing the promise"}},
		{name: "handling days count", promise: Promise{Days: 2}, handling: 1, wantSvc: "DHL Express", wantMeets: true,
			wantWhy: []string{"2 business days with 1 of handling"}},
		{name: "soft promise: late but cheaper", promise: Promise{Days: 1}, rules: Rules{LatePenaltyPerDay: eur("1.00")},
			wantSvc: "DPD Classic", wantWhy: []string{"DPD Classic at 4.95 EUR, 3 business days, 2 days late for the 1-day promise (penalty 2.00 EUR)", "Total 6.95 EUR: shipping 4.95 EUR, late penalty 2.00 EUR."}},
		{name: "soft promise: a dear lateness keeps the fast service", promise: Promise{Days: 1}, rules: Rules{LatePenaltyPerDay: eur("20.00")},
			wantSvc: "DHL Express", wantMeets: true},
		{name: "deliver by Friday allows the slowest service", promise: Promise{DeliverBy: &friday}, wantSvc: "DPD Classic", wantMeets: true,
			wantWhy: []string{"meets the promise to deliver by 2026-03-20"}},
		{name: "deliver by Wednesday needs a 2-day service", promise: Promise{DeliverBy: func() *time.Time { w := friday.AddDate(0, 0, -2); return &w }()},
			wantSvc: "DHL Paket", wantMeets: true},
		{name: "speed objective", obj: Speed, wantSvc: "DHL Express", wantMeets: true, wantWhy: []string{"fastest of 3 eligible services"}},
		{name: "speed objective as a config file spells it", obj: " Speed ", wantSvc: "DHL Express", wantMeets: true, wantWhy: []string{"fastest of 3 eligible services"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rules := c.rules
			rules.Locations = map[string]LocationRule{"leipzig": {HandlingDays: c.handling}}
			r := newRouter(t, Config{Rules: rules, Objective: c.obj})
			req := request(o, stock, leipzig)
			req.Promise = c.promise
			d := mustRoute(t, r, req)
			s := d.Shipments[0]
			if got := s.Rate.Carrier + " " + s.Rate.Service; got != c.wantSvc {
				t.Fatalf("service %s, want %s\n%s", got, c.wantSvc, d.Explanation)
			}
			if s.MeetsPromise != c.wantMeets {
				t.Errorf("meets promise %v, want %v", s.MeetsPromise, c.wantMeets)
			}
			if !c.wantMeets && (d.Cost.LatePenalty.IsZero() || !s.Cost.Equal(mustAdd(t, s.ShippingCost, d.Cost.LatePenalty))) {
				t.Errorf("a late shipment costs %s with a late penalty of %s", s.Cost, d.Cost.LatePenalty)
			}
			for _, w := range c.wantWhy {
				if !strings.Contains(d.Explanation, w) {
					t.Errorf("explanation lacks %q:\n%s", w, d.Explanation)
				}
			}
		})
	}
}

func mustAdd(t *testing.T, a, b commerce.Money) commerce.Money {
	t.Helper()
	s, err := a.Add(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPromiseDistance(t *testing.T) {
	t.Parallel()
	o := mugAndTee(dresden)
	stock := StockTable{{"MUG", "hamburg"}: 1, {"TEE", "hamburg"}: 1}
	req := request(o, stock, hamburg)
	req.Promise = Promise{MaxDistanceKm: 200}
	// Hard: Hamburg is too far.
	ue := unroutable(t, newRouter(t, Config{}), req)
	if ue.Reason != AllExcluded || !strings.Contains(ue.Detail, "beyond the promised 200 km") {
		t.Errorf("%s: %s", ue.Reason, ue.Detail)
	}
	// Soft: 379 km is 179 km over, two started 100 km at 1.50 EUR.
	d := mustRoute(t, newRouter(t, Config{Rules: Rules{OverDistancePer100Km: eur("1.50")}}), req)
	if want := commerce.MustMoney("3.00", "EUR"); !d.Cost.DistancePenalty.Equal(want) {
		t.Errorf("distance penalty %s, want %s", d.Cost.DistancePenalty, want)
	}
}

func TestBusinessDays(t *testing.T) {
	t.Parallel()
	cet := time.FixedZone("CET", 3600)
	cases := []struct {
		from, to time.Time
		want     int
	}{
		{monday, monday, 0},
		{monday, monday.AddDate(0, 0, 1), 1},
		{monday, monday.AddDate(0, 0, 4), 4}, // Friday
		{monday, monday.AddDate(0, 0, 6), 4}, // Sunday
		{monday, monday.AddDate(0, 0, 7), 5}, // next Monday
		{monday, monday.AddDate(0, 0, 14), 10},
		{time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 23, 12, 0, 0, 0, time.UTC), 1}, // Friday → Monday
		{time.Date(2026, 3, 15, 23, 30, 0, 0, time.UTC), time.Date(2026, 3, 16, 10, 0, 0, 0, cet), 0},     // same day in the promise's zone
		{monday, monday.AddDate(0, 0, -1), -1},
	}
	for _, c := range cases {
		if got := businessDaysBetween(c.from, c.to); got != c.want {
			t.Errorf("business days %s → %s = %d, want %d", c.from, c.to, got, c.want)
		}
	}
}

func TestClosenessWithoutCoordinates(t *testing.T) {
	t.Parallel()
	r := newRouter(t, Config{Rules: Rules{Ranking: []Criterion{ByClosest}}})
	noGeo := func(l commerce.Location) commerce.Location { l.Address.Geo = nil; return l }
	dest := addr("DE", "04109", nil) // Leipzig postal area, no coordinates
	stock := StockTable{{"MUG", "leipzig"}: 1, {"MUG", "berlin"}: 1, {"MUG", "vienna"}: 1}
	d := mustRoute(t, r, request(order(dest, line("1", "MUG", 1, "12.00")), stock, vienna, berlin, leipzig))
	if got := locations(d); !slices.Equal(got, []string{"leipzig"}) {
		t.Errorf("shipped from %v, want the same postal area (Leipzig)", got)
	}
	for _, w := range []string{"The destination has no coordinates", "Closest by region: same postal area against same country from Berlin"} {
		if !strings.Contains(d.Explanation, w) {
			t.Errorf("explanation lacks %q: %s", w, d.Explanation)
		}
	}
	// A location without coordinates makes the comparison regional too.
	d = mustRoute(t, r, request(order(dresden, line("1", "MUG", 1, "12.00")), stock, noGeo(berlin), vienna))
	if got := locations(d); !slices.Equal(got, []string{"berlin"}) {
		t.Errorf("shipped from %v, want Berlin (same country)", got)
	}
	if !strings.Contains(d.Explanation, "No coordinates for Berlin") {
		t.Errorf("explanation does not name the location without coordinates: %s", d.Explanation)
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	r := newRouter(t, Config{})
	locs := []commerce.Location{leipzig, berlin, hamburg, munich, vienna}
	stock := StockTable{}
	for _, l := range locs {
		for _, sku := range []string{"MUG", "TEE", "LAMP"} {
			stock[StockKey{sku, l.Source.ExternalID}] = 3
		}
	}
	o := order(addr("DE", "60311", geo(50.11, 8.68)), line("1", "MUG", 2, "12.00"), line("2", "TEE", 1, "20.00"), line("3", "LAMP", 1, "80.00"))
	var first []byte
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		shuffled := slices.Clone(locs)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		d, err := r.Route(context.Background(), request(o, stock, shuffled...))
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
		} else if string(b) != string(first) {
			t.Fatalf("run %d differs from run 0:\n%s\n%s", i, b, first)
		}
	}
}

func TestExplanationExample(t *testing.T) {
	t.Parallel()
	// The brief's example: Leipzig has all three lines; Berlin and Hamburg
	// together could ship them in two parcels; the promise is 3 days.
	r := newRouter(t, Config{})
	o := order(dresden, line("1", "MUG", 2, "12.00"), line("2", "TEE", 1, "20.00"), line("3", "LAMP", 1, "80.00"))
	stock := StockTable{{"MUG", "leipzig"}: 2, {"TEE", "leipzig"}: 1, {"LAMP", "leipzig"}: 1,
		{"MUG", "berlin"}: 5, {"TEE", "berlin"}: 5, {"LAMP", "hamburg"}: 5}
	req := request(o, stock, leipzig, berlin, hamburg)
	req.Promise = Promise{Days: 3}
	d := mustRoute(t, r, req)
	// 3.5 kg: DHL Paket 6.99 from Leipzig; Berlin (1 kg, DPD 4.95) + Hamburg (2.5 kg, DPD 4.95) = 9.90.
	for _, w := range []string{
		"Ship from Leipzig: all 3 lines in one shipment.",
		"Cheapest of 2 usable plans at 6.99 EUR; one parcel instead of two saves 2.91 EUR.",
		"DHL Paket at 6.99 EUR, 2 business days, meets the 3-day promise; cheapest of 3 eligible services.",
		"Total 6.99 EUR.",
	} {
		if !strings.Contains(d.Explanation, w) {
			t.Errorf("explanation lacks %q:\n%s", w, d.Explanation)
		}
	}
	if len(d.Alternatives) != 1 || d.Alternatives[0].Rejected != "costs 2.91 EUR more (9.90 EUR)" {
		t.Errorf("alternatives %+v", d.Alternatives)
	}
	if d.Shipments[0].DistanceKm == nil || *d.Shipments[0].DistanceKm < 95 || *d.Shipments[0].DistanceKm > 105 {
		t.Errorf("distance Leipzig → Dresden %v, want about 100 km", d.Shipments[0].DistanceKm)
	}
}

func TestOnlyUsablePlan(t *testing.T) {
	t.Parallel()
	// Hamburg has everything but cannot meet the promise; the split can.
	src := &fakeSource{name: "post", rates: func(req RateRequest) ([]commerce.Rate, error) {
		days := map[string]int{"leipzig": 1, "berlin": 1, "hamburg": 4}[map[string]string{"04103": "leipzig", "10115": "berlin", "20095": "hamburg"}[req.From.PostalCode]]
		return []commerce.Rate{{Carrier: "Post", Service: "Parcel", Amount: commerce.MustMoney("5.00", "EUR"), TransitDays: days}}, nil
	}}
	r := newRouter(t, Config{Sources: []RateSource{src}})
	req := request(mugAndTee(dresden), splitStock, leipzig, berlin, hamburg)
	req.Promise = Promise{Days: 2}
	d := mustRoute(t, r, req)
	if got := locations(d); len(got) != 2 {
		t.Fatalf("shipped from %v, want the split", got)
	}
	if !strings.Contains(d.Explanation, "It is the only usable plan of 2 priced; Hamburg cannot ship it: Hamburg: the only service quoted misses the 2-day promise.") {
		t.Errorf("explanation: %s", d.Explanation)
	}
}
