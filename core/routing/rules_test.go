package routing

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

const exampleRules = `{
  "ranking": ["cost", "fewest-splits", "market", "closest", "priority"],
  "priority": ["leipzig", "berlin"],
  "split_penalty": "1.50 EUR",
  "max_split_shipping": {"amount": "25.00", "currency": "EUR"},
  "cost_tolerance": "0.50 EUR",
  "late_penalty_per_day": "3.00 EUR",
  "markets": {"EU": ["DE", "AT", "FR"], "CH": ["CH"]},
  "incoterm": "auto",
  "max_ddp_cost": "40.00 EUR",
  "stores": {"max_orders_per_day": 20, "max_units_per_shipment": 6, "safety_stock": 1, "handling_days": 1},
  "locations": {
    "munich": {"exclude_channels": ["amazon-de"], "max_orders_per_day": 10},
    "vienna": {"countries": ["AT", "DE"], "max_distance_km": 600}
  }
}`

func TestParseRules(t *testing.T) {
	t.Parallel()
	r, err := ParseRules([]byte(exampleRules))
	if err != nil {
		t.Fatal(err)
	}
	if !r.SplitPenalty.Equal(commerce.MustMoney("1.50", "EUR")) || !r.MaxSplitShipping.Equal(commerce.MustMoney("25.00", "EUR")) {
		t.Errorf("amounts %s, %s", r.SplitPenalty.Money, r.MaxSplitShipping.Money)
	}
	// The store defaults apply to stores, overridden field by field.
	rt := newRouter(t, Config{Rules: r})
	got := *rt.ruleFor(&munich)
	want := LocationRule{ExcludeChannels: []string{"amazon-de"}, MaxOrdersPerDay: 10, MaxUnitsPerShipment: 6, SafetyStock: 1, HandlingDays: 1}
	if !equalRule(got, want) {
		t.Errorf("munich's rule %+v, want %+v", got, want)
	}
	if got := *rt.ruleFor(&leipzig); !equalRule(got, LocationRule{}) {
		t.Errorf("a warehouse got store rules: %+v", got)
	}
	// Round trip: amounts are written "1.50 EUR".
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"split_penalty":"1.50 EUR"`) {
		t.Errorf("marshalled %s", b)
	}
	again, err := ParseRules(b)
	if err != nil {
		t.Fatalf("re-parsing %s: %v", b, err)
	}
	if !again.MaxDDPCost.Equal(r.MaxDDPCost.Money) || len(again.Locations) != 2 {
		t.Errorf("round trip lost fields: %+v", again)
	}
}

func equalRule(a, b LocationRule) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestParseRulesErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, json, err string }{
		{"unknown field", `{"split_penalti": "1.00 EUR"}`, `unknown field "split_penalti"`},
		{"money as a number", `{"split_penalty": 1.5}`, `never a bare number`},
		{"money without currency", `{"split_penalty": "1.50"}`, `must be an amount and a currency`},
		{"unknown currency", `{"split_penalty": "1.50 EUX"}`, `unknown currency "EUX"`},
		{"negative", `{"cost_tolerance": "-1.00 EUR"}`, `cost_tolerance: -1.00 EUR must not be negative`},
		{"unknown criterion", `{"ranking": ["cheapest"]}`, `ranking: unknown criterion "cheapest"`},
		{"criterion twice", `{"ranking": ["cost", "cost"]}`, `"cost" is listed twice`},
		{"priority twice", `{"priority": ["a", "a"]}`, `location "a" is listed twice`},
		{"negative max shipments", `{"max_shipments": -1}`, `max_shipments: -1`},
		{"incoterm", `{"incoterm": "FOB"}`, `incoterm: "FOB" must be auto, DDP or DAP`},
		{"market country", `{"markets": {"EU": ["Germany"]}}`, `markets.EU: "Germany" is not an ISO 3166-1`},
		{"country in two markets", `{"markets": {"A": ["DE"], "B": ["DE"]}}`, `DE is already in market A`},
		{"location country", `{"locations": {"x": {"countries": ["de"]}}}`, `locations.x.countries: "de"`},
		{"negative limit", `{"stores": {"max_orders_per_day": -2}}`, `stores.max_orders_per_day: -2 must not be negative`},
		{"trailing data", `{} {}`, `trailing data`},
		{"not JSON", `ranking: [cost]`, `routing: rules:`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRules([]byte(c.json))
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("error %v, want %q", err, c.err)
			}
		})
	}
}

func TestRanking(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rules Rules
		obj   Objective
		want  []Criterion
	}{
		{Rules{}, Cost, DefaultRanking},
		{Rules{}, Speed, append([]Criterion{BySpeed}, DefaultRanking...)},
		{Rules{Ranking: []Criterion{ByPriority}}, Cost, []Criterion{ByPriority, ByCost, ByFewestSplits, ByMarket, ByClosest}},
		{Rules{Ranking: []Criterion{ByFewestSplits, BySpeed}}, Cost, []Criterion{ByFewestSplits, BySpeed, ByCost, ByMarket, ByClosest, ByPriority}},
		{Rules{Ranking: []Criterion{ByFewestSplits, BySpeed}}, Speed, []Criterion{ByFewestSplits, BySpeed, ByCost, ByMarket, ByClosest, ByPriority}},
		{Rules{Ranking: []Criterion{ByFewestSplits, ByMarket}}, Speed, []Criterion{BySpeed, ByFewestSplits, ByMarket, ByCost, ByClosest, ByPriority}},
	}
	for _, c := range cases {
		r := newRouter(t, Config{Rules: c.rules, Objective: c.obj})
		if got := r.Ranking(); !slices.Equal(got, c.want) {
			t.Errorf("%v / %s: ranking %v, want %v", c.rules.Ranking, c.obj, got, c.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	table := loadTable(t, "rates.csv")
	cases := []struct {
		name string
		cfg  Config
		err  string
	}{
		{"no source", Config{}, "no rate source"},
		{"duplicate names", Config{Sources: []RateSource{table, table}}, `two rate sources are named "table"`},
		{"nil source", Config{Sources: []RateSource{nil}}, "Config.Sources[0] is nil"},
		{"objective", Config{Fallback: table, Objective: "cheap"}, `objective "cheap" must be cost or speed`},
		{"currency", Config{Fallback: table, Currency: "EURO"}, `Config.Currency "EURO"`},
		{"rules", Config{Fallback: table, Rules: Rules{MaxShipments: -1}}, "invalid rules"},
		{"default weight", Config{Fallback: table, DefaultItemWeight: kg("0")}, "DefaultItemWeight must be a positive weight"},
		{"parcel weight", Config{Fallback: table, MaxParcelWeight: &commerce.Weight{Unit: "st"}}, "MaxParcelWeight must be a positive weight"},
	}
	for _, c := range cases {
		if _, err := New(c.cfg, nil); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		}
	}
}

func TestParseObjectiveAndAmount(t *testing.T) {
	t.Parallel()
	if o, err := ParseObjective(" Speed "); err != nil || o != Speed {
		t.Errorf("ParseObjective: %v, %v", o, err)
	}
	m, err := ParseAmount("12.30 chf")
	if err != nil || !m.Equal(commerce.MustMoney("12.30", "CHF")) {
		t.Errorf("ParseAmount: %v, %v", m, err)
	}
	for _, bad := range []string{"12.30", "EUR 12.30", "1e3 EUR", "12,30 EUR", ""} {
		if _, err := ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) accepted", bad)
		}
	}
}

func FuzzParseRules(f *testing.F) {
	f.Add(exampleRules)
	f.Add(`{"split_penalty": {"amount": "1", "currency": "JPY"}, "ranking": ["speed"]}`)
	f.Add(`{"locations": {"": {"max_distance_km": 1e308}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRules([]byte(s))
		if err != nil {
			return
		}
		// Valid rules build a router and survive a round trip.
		if _, err := New(Config{Fallback: &TableRates{name: "t"}, Rules: r}, nil); err != nil {
			t.Fatalf("valid rules rejected by New: %v", err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseRules(b); err != nil {
			t.Fatalf("round trip of %s: %v", b, err)
		}
	})
}
