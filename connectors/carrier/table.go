package carrier

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// TableRate is one row of a rate table: the price of a service in a zone for
// parcels up to MaxWeight.
type TableRate struct {
	Service     string
	Zone        string
	MaxWeight   commerce.Weight
	Price       commerce.Money
	TransitDays int
}

// ParseTableRates reads a rate table CSV: a header naming the columns
// service, zone, max_weight, weight_unit, price, currency and optionally
// transit_days (in any order), then one row per weight break. Prices are
// plain decimals; weights positive. Errors name the line and column.
func ParseTableRates(r io.Reader) ([]TableRate, error) {
	rows, col, err := readTableCSV(r, []string{"service", "zone", "max_weight", "weight_unit", "price", "currency"}, []string{"transit_days"})
	if err != nil {
		return nil, err
	}
	out := make([]TableRate, 0, len(rows))
	for i, row := range rows {
		line := i + 2
		get := func(c string) string { return strings.TrimSpace(row[col[c]]) }
		tr := TableRate{Service: get("service"), Zone: get("zone")}
		if tr.Service == "" || tr.Zone == "" {
			return nil, fmt.Errorf("rates CSV line %d: service and zone are required", line)
		}
		w, err := commerce.ParseAmount(get("max_weight"))
		if err != nil || !w.IsPositive() {
			return nil, fmt.Errorf("rates CSV line %d: max_weight %q must be a positive decimal", line, get("max_weight"))
		}
		tr.MaxWeight = commerce.Weight{Value: w, Unit: commerce.WeightUnit(get("weight_unit"))}
		if _, err := tr.MaxWeight.To(commerce.Grams); err != nil {
			return nil, fmt.Errorf("rates CSV line %d: weight_unit %q must be lb, kg, oz or g", line, get("weight_unit"))
		}
		tr.Price, err = commerce.NewMoney(get("price"), commerce.Currency(get("currency")))
		if err != nil || tr.Price.IsNegative() {
			return nil, fmt.Errorf("rates CSV line %d: price %q %q: must be a non-negative decimal in an ISO 4217 currency", line, get("price"), get("currency"))
		}
		if c, ok := col["transit_days"]; ok && strings.TrimSpace(row[c]) != "" {
			n, err := strconv.Atoi(strings.TrimSpace(row[c]))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("rates CSV line %d: transit_days %q must be a whole number of days", line, row[c])
			}
			tr.TransitDays = n
		}
		out = append(out, tr)
	}
	if len(out) == 0 {
		return nil, errors.New("rates CSV has no rows")
	}
	return out, nil
}

// Zone is one row of a zone table: parcels from Origin to Destination are in
// Zone. Origin and Destination are "*" (anywhere), a country code ("US") or a
// country and a postal-code prefix ("US:94").
type Zone struct {
	Origin, Destination, Zone string
}

// ParseZones reads a zone CSV with the columns origin, destination, zone.
func ParseZones(r io.Reader) ([]Zone, error) {
	rows, col, err := readTableCSV(r, []string{"origin", "destination", "zone"}, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Zone, 0, len(rows))
	for i, row := range rows {
		z := Zone{Origin: strings.TrimSpace(row[col["origin"]]), Destination: strings.TrimSpace(row[col["destination"]]), Zone: strings.TrimSpace(row[col["zone"]])}
		for _, p := range []string{z.Origin, z.Destination} {
			if !validPattern(p) {
				return nil, fmt.Errorf("zones CSV line %d: %q must be *, a country code (US) or a country and postal prefix (US:94)", i+2, p)
			}
		}
		if z.Zone == "" {
			return nil, fmt.Errorf("zones CSV line %d: zone is required", i+2)
		}
		out = append(out, z)
	}
	if len(out) == 0 {
		return nil, errors.New("zones CSV has no rows")
	}
	return out, nil
}

func validPattern(p string) bool {
	if p == "*" {
		return true
	}
	cc, prefix, _ := strings.Cut(p, ":")
	if len(cc) != 2 || strings.ToUpper(cc) != cc {
		return false
	}
	return !strings.ContainsAny(prefix, " ,*")
}

// match scores how specifically pattern p matches a country and postal code:
// -1 for no match, 0 for "*", 1 for the country, 1 + prefix length for a
// postal prefix.
func match(p, country, postal string) int {
	if p == "*" {
		return 0
	}
	cc, prefix, hasPrefix := strings.Cut(p, ":")
	if cc != country {
		return -1
	}
	if !hasPrefix {
		return 1
	}
	postal = strings.ToUpper(strings.ReplaceAll(postal, " ", ""))
	if !strings.HasPrefix(postal, strings.ToUpper(prefix)) {
		return -1
	}
	return 1 + len(prefix)
}

// ZoneFor returns the zone of a route: the row whose origin and destination
// match most specifically (the first such row on a tie).
func ZoneFor(zones []Zone, from, to commerce.Address) (string, bool) {
	best, zone := -1, ""
	for _, z := range zones {
		o := match(z.Origin, from.CountryCode, from.PostalCode)
		d := match(z.Destination, to.CountryCode, to.PostalCode)
		if o < 0 || d < 0 {
			continue
		}
		if o+d > best {
			best, zone = o+d, z.Zone
		}
	}
	return zone, best >= 0
}

func readTableCSV(r io.Reader, required, optional []string) ([][]string, map[string]int, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("CSV: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil, errors.New("CSV is empty: it needs a header " + strings.Join(required, ","))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, c := range required {
		if _, ok := col[c]; !ok {
			return nil, nil, fmt.Errorf("CSV header lacks column %q (it needs %s)", c, strings.Join(required, ","))
		}
	}
	for h := range col {
		known := false
		for _, c := range append(append([]string(nil), required...), optional...) {
			known = known || c == h
		}
		if !known {
			return nil, nil, fmt.Errorf("CSV header has unknown column %q", h)
		}
	}
	return rows[1:], col, nil
}

// rateTable is a parsed TableConfig.
type rateTable struct {
	cfg   TableConfig
	rates map[string][]TableRate // by service, then sorted by max weight
	order []string               // services in file order
	zones []Zone
}

func loadTable(t TableConfig) (*rateTable, error) {
	if t.Carrier == "" {
		return nil, errors.New("carrier is required")
	}
	rates, err := ParseTableRates(strings.NewReader(t.RatesCSV))
	if err != nil {
		return nil, fmt.Errorf("rates_csv: %w", err)
	}
	zones, err := ParseZones(strings.NewReader(t.ZonesCSV))
	if err != nil {
		return nil, fmt.Errorf("zones_csv: %w", err)
	}
	if t.Dim != nil {
		if err := t.Dim.Validate(); err != nil {
			return nil, err
		}
	}
	if t.FuelSurchargePercent.IsNegative() {
		return nil, errors.New("fuel_surcharge_percent must not be negative")
	}
	rt := &rateTable{cfg: t, rates: map[string][]TableRate{}, zones: zones}
	for _, r := range rates {
		if _, ok := rt.rates[r.Service]; !ok {
			rt.order = append(rt.order, r.Service)
		}
		rt.rates[r.Service] = append(rt.rates[r.Service], r)
	}
	for _, rs := range rt.rates {
		sort.SliceStable(rs, func(i, j int) bool {
			a, _ := rs[i].MaxWeight.To(commerce.Grams)
			b, _ := rs[j].MaxWeight.To(commerce.Grams)
			return a.Value.LessThan(b.Value)
		})
	}
	return rt, nil
}

var hundred = decimal.NewFromInt(100)

// quote prices a shipment with every service of the table. A route with no
// zone, or parcels heavier than every break, is an error for this carrier.
func (t *rateTable) quote(req sdk.RatesRequest) ([]commerce.Rate, error) {
	zone, ok := ZoneFor(t.zones, req.From, req.To)
	if !ok {
		return nil, fmt.Errorf("no zone for %s %s → %s %s in the zone table", req.From.CountryCode, req.From.PostalCode, req.To.CountryCode, req.To.PostalCode)
	}
	rule := tableRule(t.cfg.Carrier, req.From.CountryCode, req.To.CountryCode)
	if t.cfg.Dim != nil {
		rule = *t.cfg.Dim
	}
	var out []commerce.Rate
	var reasons []string
	for _, svc := range t.order {
		r, err := t.quoteService(svc, zone, rule, req)
		if err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, errors.New(strings.Join(reasons, "; "))
	}
	return out, nil
}

func (t *rateTable) quoteService(svc, zone string, rule DimRule, req sdk.RatesRequest) (commerce.Rate, error) {
	var base, handling commerce.Money
	var billableTotal, dimTotal decimal.Decimal
	hasDim := false
	transit := 0
	for i, p := range req.Parcels {
		res, err := rule.Apply(p.Weight, p.Dimensions)
		if err != nil {
			return commerce.Rate{}, fmt.Errorf("parcel %d: %w", i, err)
		}
		row, ok := t.row(svc, zone, res.Billable)
		if !ok {
			return commerce.Rate{}, fmt.Errorf("%s: no rate for %s %s in zone %s; add a weight break", svc, res.Billable.Value, res.Billable.Unit, zone)
		}
		if i == 0 {
			base, handling = commerce.Zero(row.Price.Currency), commerce.Zero(row.Price.Currency)
		}
		if base, err = base.Add(row.Price); err != nil {
			return commerce.Rate{}, fmt.Errorf("%s: mixed currencies in the rate table: %w", svc, err)
		}
		transit = max(transit, row.TransitDays)
		billableTotal = billableTotal.Add(res.Billable.Value)
		if res.Dimensional != nil {
			hasDim = true
			dimTotal = dimTotal.Add(res.Dimensional.Value)
		}
		if ah := t.cfg.AdditionalHandling; ah != nil && t.needsHandling(ah, rule, p, res) {
			handling.Amount = handling.Amount.Add(ah.Amount)
		}
	}
	cur := base.Currency
	rate := commerce.Rate{
		ID: "table:" + t.cfg.Carrier + ":" + svc + ":" + zone, Carrier: t.cfg.Carrier, Service: svc, TransitDays: transit,
		BillableWeight: &commerce.Weight{Value: billableTotal, Unit: rule.WeightUnit},
	}
	if hasDim {
		rate.DimensionalWeight = &commerce.Weight{Value: dimTotal, Unit: rule.WeightUnit}
	}
	total := base
	add := func(typ, desc string, m commerce.Money, pct *decimal.Decimal, basis string, b *commerce.Money) {
		m = m.Round(commerce.RoundHalfUp)
		if m.IsZero() {
			return
		}
		rate.Surcharges = append(rate.Surcharges, commerce.Charge{Type: typ, Description: desc, Amount: m, Rate: pct, Basis: basis, Base: b,
			Rule: t.cfg.Carrier + " rate table"})
		total, _ = total.Add(m)
	}
	add("ADDITIONAL_HANDLING", "additional handling (long or heavy parcel)", handling, nil, "", nil)
	if t.cfg.FuelSurchargePercent.IsPositive() {
		fuelBase, _ := base.Add(handling)
		pct := t.cfg.FuelSurchargePercent.Div(hundred)
		add("FUEL", "fuel surcharge "+t.cfg.FuelSurchargePercent.String()+"%", fuelBase.Mul(pct), &pct, "base + handling", &fuelBase)
	}
	if dv := t.cfg.DeclaredValue; dv != nil && req.Value != nil {
		if req.Value.Currency != cur {
			return commerce.Rate{}, fmt.Errorf("declared value is in %s but the rate table prices in %s; convert it first", req.Value.Currency, cur)
		}
		if over := req.Value.Amount.Sub(dv.FreeUpTo); over.IsPositive() {
			units := over.Div(hundred).Ceil()
			add("DECLARED_VALUE", "declared value above "+dv.FreeUpTo.String()+" "+string(cur), commerce.Money{Amount: units.Mul(dv.Per100), Currency: cur}, nil, "", req.Value)
		}
	}
	rate.Amount = total.Round(commerce.RoundHalfUp)
	return rate, nil
}

// row returns the cheapest break of svc in zone that holds weight w.
func (t *rateTable) row(svc, zone string, w commerce.Weight) (TableRate, bool) {
	wg, err := w.To(commerce.Grams)
	if err != nil {
		return TableRate{}, false
	}
	for _, r := range t.rates[svc] {
		if r.Zone != zone {
			continue
		}
		mg, _ := r.MaxWeight.To(commerce.Grams)
		if wg.Value.LessThanOrEqual(mg.Value) {
			return r, true
		}
	}
	return TableRate{}, false
}

func (t *rateTable) needsHandling(ah *AdditionalHandling, rule DimRule, p sdk.Parcel, res DimResult) bool {
	if ah.WeightOver.IsPositive() && res.Actual.Value.GreaterThan(ah.WeightOver) {
		return true
	}
	if ah.LongestSideOver.IsPositive() && p.Dimensions != nil {
		for _, d := range []decimal.Decimal{p.Dimensions.Length, p.Dimensions.Width, p.Dimensions.Height} {
			if v, err := ConvertLength(d, p.Dimensions.Unit, rule.LengthUnit); err == nil && v.GreaterThan(ah.LongestSideOver) {
				return true
			}
		}
	}
	return false
}

// tableRule is the default dimensional rule of a table carrier: the built-in
// rule of a carrier it knows by name; otherwise 139 in³/lb within the US and
// 5,000 cm³/kg elsewhere.
func tableRule(carrier, from, to string) DimRule {
	switch normalizeCarrier(carrier) {
	case "USPS", "UPS", "FedEx", "DHL Express":
		return RuleFor(carrier, from == to)
	}
	if from == "US" && to == "US" {
		return RuleUPSDaily
	}
	return RuleMetric
}
