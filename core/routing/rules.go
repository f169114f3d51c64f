package routing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Criterion is one rule of the ranking that picks a plan among those the
// stock allows. The ranking applies its criteria in order: each keeps only
// the plans that are best on it (cost within Rules.CostTolerance), and the
// next criterion breaks the remaining ties.
type Criterion string

// The criteria a ranking may list.
const (
	// ByCost keeps the plans with the lowest total cost: shipping, the
	// merchant's duties and taxes (DDP), the split penalty and promise
	// penalties.
	ByCost Criterion = "cost"
	// BySpeed keeps the plans whose slowest shipment arrives first.
	BySpeed Criterion = "speed"
	// ByFewestSplits keeps the plans with the fewest shipments.
	ByFewestSplits Criterion = "fewest-splits"
	// ByMarket keeps the plans with the fewest shipments from outside the
	// destination's market (Shopify's "stay in the destination market").
	ByMarket Criterion = "market"
	// ByClosest keeps the plans whose shipments travel the least distance
	// (great-circle kilometres, or by region when coordinates are missing).
	ByClosest Criterion = "closest"
	// ByPriority keeps the plans that use the merchant's highest-ranked
	// locations (Rules.Priority).
	ByPriority Criterion = "priority"
)

var criteria = []Criterion{ByCost, BySpeed, ByFewestSplits, ByMarket, ByClosest, ByPriority}

// DefaultRanking is the ranking when Rules.Ranking is empty: cheapest
// first, then Shopify's default rules (fewest split fulfilments, stay in
// the destination market, closest location), then the merchant's ranked
// locations. The speed objective puts BySpeed first in any ranking that
// does not list it.
var DefaultRanking = []Criterion{ByCost, ByFewestSplits, ByMarket, ByClosest, ByPriority}

// Incoterm policies for cross-border shipments.
const (
	// IncotermAuto ships DAP when the buyer would owe nothing at the door
	// anyway, otherwise DDP unless the merchant's DDP cost is above
	// Rules.MaxDDPCost.
	IncotermAuto = "auto"
	// IncotermDDP always ships delivered duty paid: the merchant pays.
	IncotermDDP = "DDP"
	// IncotermDAP always ships delivered at place: the buyer pays duties
	// and import taxes on delivery.
	IncotermDAP = "DAP"
)

// Amount is money in a rules file, written "4.50 EUR" or as the model's
// {"amount": "4.50", "currency": "EUR"}. The amount is a decimal string,
// never a float.
type Amount struct{ commerce.Money }

// UnmarshalJSON reads "4.50 EUR" or {"amount": "4.50", "currency": "EUR"}.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		m, err := ParseAmount(s)
		if err != nil {
			return err
		}
		a.Money = m
		return nil
	}
	if len(b) > 0 && b[0] == '{' {
		return a.Money.UnmarshalJSON(b)
	}
	return fmt.Errorf("routing: money %s must be a string such as \"4.50 EUR\" (never a bare number, which would pass through a float)", string(b))
}

// MarshalJSON writes "4.50 EUR".
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.Money.String()) }

// ParseAmount parses "4.50 EUR" (amount, a space, an ISO 4217 code).
func ParseAmount(s string) (commerce.Money, error) {
	amt, cur, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return commerce.Money{}, fmt.Errorf("routing: money %q must be an amount and a currency, such as \"4.50 EUR\"", s)
	}
	c, err := commerce.ParseCurrency(strings.TrimSpace(cur))
	if err != nil {
		return commerce.Money{}, fmt.Errorf("routing: money %q: %w", s, err)
	}
	m, err := commerce.NewMoney(strings.TrimSpace(amt), c)
	if err != nil {
		return commerce.Money{}, fmt.Errorf("routing: money %q: %w", s, err)
	}
	return m, nil
}

func amt(a *Amount) *commerce.Money {
	if a == nil {
		return nil
	}
	return &a.Money
}

// Rules are the merchant's routing rules. The zero value routes by cost
// with no penalties, splits when it must, and treats promises as hard.
// Location ids are the locations' upstream ids (Location.Source.ExternalID),
// the same ids stock levels carry.
type Rules struct {
	// Ranking orders the criteria that choose among the plans the stock
	// allows (see Criterion). Empty means DefaultRanking. Criteria not
	// listed are applied after the listed ones, in DefaultRanking order,
	// so that ties are always broken the same way; the speed objective
	// puts speed first unless the ranking lists it.
	Ranking []Criterion `json:"ranking,omitempty"`
	// Priority ranks locations, best first ("ranked locations"). Unlisted
	// locations rank after every listed one.
	Priority []string `json:"priority,omitempty"`
	// NeverSplit ships every order from one location or not at all.
	NeverSplit bool `json:"never_split,omitempty"`
	// MaxShipments caps the shipments (locations) of one order; 0 is no
	// cap, 1 is the same as NeverSplit (Fluent's "max split" plus one).
	MaxShipments int `json:"max_shipments,omitempty"`
	// SplitPenalty is added to a plan's cost for each shipment beyond the
	// first: the handling and the customer's patience a second parcel costs.
	SplitPenalty *Amount `json:"split_penalty,omitempty"`
	// MaxSplitShipping is the split-cost limit: a plan with more than one
	// shipment is refused when its shipping adds up to more than this. When
	// no single location can ship the order and every split is above the
	// limit, the order is unroutable, so that a person decides.
	MaxSplitShipping *Amount `json:"max_split_shipping,omitempty"`
	// CostTolerance makes plans whose costs are within this amount of the
	// cheapest count as equally cheap, so that the next criterion (e.g.
	// closest, priority) decides between them.
	CostTolerance *Amount `json:"cost_tolerance,omitempty"`
	// LatePenaltyPerDay makes the delivery promise soft: a shipment that
	// arrives later than promised costs this per business day late (a
	// service with unknown transit time counts as one day late). Nil makes
	// the promise hard: services that miss it are never used.
	LatePenaltyPerDay *Amount `json:"late_penalty_per_day,omitempty"`
	// OverDistancePer100Km makes the promise's distance limit soft: each
	// started 100 km beyond Promise.MaxDistanceKm costs this. Nil makes the
	// limit hard: farther locations are not used.
	OverDistancePer100Km *Amount `json:"over_distance_per_100km,omitempty"`
	// Markets group destination countries as a merchant sells to them
	// (e.g. "EU": [DE, FR, ...]). A location is in the destination's market
	// when its country is in the same market; without markets, each country
	// is its own market.
	Markets map[string][]string `json:"markets,omitempty"`
	// RequireMarket never ships from outside the destination's market.
	RequireMarket bool `json:"require_market,omitempty"`
	// Incoterm is the policy for cross-border shipments: "auto" (default),
	// "DDP" or "DAP" (see IncotermAuto).
	Incoterm string `json:"incoterm,omitempty"`
	// MaxDDPCost caps, under "auto", the duties and taxes a merchant pays
	// to ship DDP; above it the shipment goes DAP.
	MaxDDPCost *Amount `json:"max_ddp_cost,omitempty"`
	// Stores applies to every location of type "store": the ship-from-store
	// limits. A location's own entry in Locations overrides it field by
	// field.
	Stores *LocationRule `json:"stores,omitempty"`
	// Locations holds per-location rules by location id.
	Locations map[string]LocationRule `json:"locations,omitempty"`
}

// LocationRule is what a merchant allows one location (or every store).
type LocationRule struct {
	// Disabled never routes orders to the location.
	Disabled bool `json:"disabled,omitempty"`
	// ExcludeChannels are the channels (connection ids) the location never
	// ships for.
	ExcludeChannels []string `json:"exclude_channels,omitempty"`
	// OnlyChannels, when set, are the only channels it ships for.
	OnlyChannels []string `json:"only_channels,omitempty"`
	// Countries, when set, are the only destination countries it ships to.
	Countries []string `json:"countries,omitempty"`
	// MaxDistanceKm, when positive, is the farthest it ships (needs
	// coordinates of both ends; without them the limit is not applied and
	// the explanation says so).
	MaxDistanceKm float64 `json:"max_distance_km,omitempty"`
	// MaxOrdersPerDay, when positive, is how many orders it takes a day;
	// the request's Workload says how many it already has.
	MaxOrdersPerDay int `json:"max_orders_per_day,omitempty"`
	// MaxUnitsPerShipment, when positive, caps the units it ships for one order.
	MaxUnitsPerShipment int `json:"max_units_per_shipment,omitempty"`
	// MaxLinesPerShipment, when positive, caps the order lines it ships for one order.
	MaxLinesPerShipment int `json:"max_lines_per_shipment,omitempty"`
	// SafetyStock units of every SKU stay at the location (display stock).
	SafetyStock int `json:"safety_stock,omitempty"`
	// HandlingDays are business days before a parcel leaves, added to the
	// carrier's transit time.
	HandlingDays int `json:"handling_days,omitempty"`
}

// overlay returns r with every set field of o replacing it.
func (r LocationRule) overlay(o LocationRule) LocationRule {
	if o.Disabled {
		r.Disabled = true
	}
	if o.ExcludeChannels != nil {
		r.ExcludeChannels = o.ExcludeChannels
	}
	if o.OnlyChannels != nil {
		r.OnlyChannels = o.OnlyChannels
	}
	if o.Countries != nil {
		r.Countries = o.Countries
	}
	if o.MaxDistanceKm != 0 {
		r.MaxDistanceKm = o.MaxDistanceKm
	}
	if o.MaxOrdersPerDay != 0 {
		r.MaxOrdersPerDay = o.MaxOrdersPerDay
	}
	if o.MaxUnitsPerShipment != 0 {
		r.MaxUnitsPerShipment = o.MaxUnitsPerShipment
	}
	if o.MaxLinesPerShipment != 0 {
		r.MaxLinesPerShipment = o.MaxLinesPerShipment
	}
	if o.SafetyStock != 0 {
		r.SafetyStock = o.SafetyStock
	}
	if o.HandlingDays != 0 {
		r.HandlingDays = o.HandlingDays
	}
	return r
}

// ParseRules reads rules from JSON strictly: an unknown field is an error
// naming it, so that a misspelt rule is never silently ignored. The rules
// are validated.
func ParseRules(data []byte) (Rules, error) {
	var r Rules
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Rules{}, fmt.Errorf("routing: rules: %w", err)
	}
	if dec.More() {
		return Rules{}, errors.New("routing: rules: trailing data after the JSON document")
	}
	if err := r.Validate(); err != nil {
		return Rules{}, err
	}
	return r, nil
}

// Validate checks the rules and says which one is wrong.
func (r *Rules) Validate() error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	seen := map[Criterion]bool{}
	for _, c := range r.Ranking {
		if !validCriterion(c) {
			bad("ranking: unknown criterion %q (use %s)", c, criteriaList())
		}
		if seen[c] {
			bad("ranking: %q is listed twice", c)
		}
		seen[c] = true
	}
	ranked := map[string]bool{}
	for _, id := range r.Priority {
		if strings.TrimSpace(id) == "" {
			bad("priority: empty location id")
		}
		if ranked[id] {
			bad("priority: location %q is listed twice", id)
		}
		ranked[id] = true
	}
	if r.MaxShipments < 0 {
		bad("max_shipments: %d must not be negative (0 means no cap)", r.MaxShipments)
	}
	for name, a := range map[string]*Amount{"split_penalty": r.SplitPenalty, "max_split_shipping": r.MaxSplitShipping,
		"cost_tolerance": r.CostTolerance, "late_penalty_per_day": r.LatePenaltyPerDay,
		"over_distance_per_100km": r.OverDistancePer100Km, "max_ddp_cost": r.MaxDDPCost} {
		if a == nil {
			continue
		}
		if !a.Valid() {
			bad("%s: unknown currency %q", name, string(a.Currency))
		} else if a.IsNegative() {
			bad("%s: %s must not be negative", name, a.Money)
		}
	}
	switch strings.ToUpper(r.Incoterm) {
	case "", "AUTO", IncotermDDP, IncotermDAP:
	default:
		bad("incoterm: %q must be auto, DDP or DAP", r.Incoterm)
	}
	inMarket := map[string]string{}
	names := make([]string, 0, len(r.Markets))
	for n := range r.Markets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, cc := range r.Markets[n] {
			if !validCountry(cc) {
				bad("markets.%s: %q is not an ISO 3166-1 alpha-2 country code such as DE", n, cc)
			}
			if other, dup := inMarket[cc]; dup {
				bad("markets.%s: %s is already in market %s; a country belongs to one market", n, cc, other)
			}
			inMarket[cc] = n
		}
	}
	check := func(where string, lr LocationRule) {
		for _, cc := range lr.Countries {
			if !validCountry(cc) {
				bad("%s.countries: %q is not an ISO 3166-1 alpha-2 country code such as DE", where, cc)
			}
		}
		for f, v := range map[string]int{"max_orders_per_day": lr.MaxOrdersPerDay, "max_units_per_shipment": lr.MaxUnitsPerShipment,
			"max_lines_per_shipment": lr.MaxLinesPerShipment, "safety_stock": lr.SafetyStock, "handling_days": lr.HandlingDays} {
			if v < 0 {
				bad("%s.%s: %d must not be negative", where, f, v)
			}
		}
		if lr.MaxDistanceKm < 0 {
			bad("%s.max_distance_km: %v must not be negative", where, lr.MaxDistanceKm)
		}
	}
	if r.Stores != nil {
		check("stores", *r.Stores)
	}
	ids := make([]string, 0, len(r.Locations))
	for id := range r.Locations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		check("locations."+id, r.Locations[id])
	}
	if len(errs) > 0 {
		return fmt.Errorf("routing: invalid rules: %s", strings.Join(errs, "; "))
	}
	return nil
}

func validCriterion(c Criterion) bool {
	for _, k := range criteria {
		if c == k {
			return true
		}
	}
	return false
}

func criteriaList() string {
	s := make([]string, len(criteria))
	for i, c := range criteria {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

func validCountry(cc string) bool {
	return len(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z'
}

// ranking returns the full criteria order for an objective: the merchant's
// ranking (or DefaultRanking), with speed first when the objective is speed
// and the ranking does not place it, then every criterion of DefaultRanking
// it does not list. Speed breaks ties only when listed or when it is the
// objective.
func (r *Rules) ranking(obj Objective) []Criterion {
	base := r.Ranking
	if len(base) == 0 {
		base = DefaultRanking
	}
	var out []Criterion
	if obj == Speed && !containsCriterion(base, BySpeed) {
		out = append(out, BySpeed)
	}
	out = append(out, base...)
	for _, c := range DefaultRanking {
		if !containsCriterion(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func containsCriterion(cs []Criterion, c Criterion) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}
