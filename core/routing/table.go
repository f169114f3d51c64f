package routing

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// TableRates is a RateSource that prices shipments from a zone/weight rate
// table, for merchants with no carrier connected and for offline runs. It
// reads the carrier connector's table-rate CSVs (docs/connectors/carrier.md)
// plus an optional carrier column, so that one file can hold several
// carriers.
//
// Rates CSV: a header naming service, zone, max_weight, weight_unit, price,
// currency and optionally transit_days and carrier (any order; "#" starts a
// comment line), then one row per weight break. A parcel takes the first
// break of its service and zone whose max_weight holds its weight; a zone
// of "*" applies to every zone that has no break of its own for the
// service. A service's parcels add up; its transit time is the slowest
// parcel's.
//
// Zones CSV: origin, destination, zone, where origin and destination are
// "*" (anywhere), a country ("US") or a country and postal prefix ("US:94").
// The most specific match wins (country 1, prefix 1 + its length). Without
// a zones CSV, a shipment within one country is in zone "domestic" and any
// other in zone "international".
//
// TableRates bills the actual weight (no dimensional weight) and adds no
// surcharges; the carrier connector's table mode does both.
type TableRates struct {
	name     string
	services []tableService
	zones    []Zone
}

type tableService struct {
	carrier, service string
	byZone           map[string]*zoneRows
}

// zoneRows are a service's breaks in one zone, sorted by max weight, with
// the rate id they quote under.
type zoneRows struct {
	id    string
	rows  []tableRow
	rates []commerce.Rate // the single-parcel rate of each row, shared
}

type tableRow struct {
	maxNg   int64
	price   commerce.Money
	transit int
}

// Zone is one row of a zones table: parcels from Origin to Destination are
// in Zone.
type Zone struct {
	Origin, Destination, Zone string
}

// Default zones when no zones table is given.
const (
	ZoneDomestic      = "domestic"
	ZoneInternational = "international"
)

// ParseTableRates reads a rates CSV and, when zones is not nil, a zones
// CSV. name names the source and is the carrier of rows without a carrier
// column. Errors name the line and the column.
func ParseTableRates(name string, rates, zones io.Reader) (*TableRates, error) {
	if strings.TrimSpace(name) == "" {
		return nil, errors.New("routing: rate table: a name is required (the carrier or table name shown on its rates)")
	}
	rows, col, err := readTable(rates, "rates", []string{"service", "zone", "max_weight", "weight_unit", "price", "currency"}, []string{"transit_days", "carrier"})
	if err != nil {
		return nil, err
	}
	t := &TableRates{name: name}
	index := map[[2]string]int{}
	for i, row := range rows {
		line := i + 2
		get := func(c string) string {
			if j, ok := col[c]; ok && j < len(row) {
				return strings.TrimSpace(row[j])
			}
			return ""
		}
		carrier := get("carrier")
		if carrier == "" {
			carrier = name
		}
		svc, zone := get("service"), get("zone")
		if svc == "" || zone == "" {
			return nil, fmt.Errorf("routing: rates CSV line %d: service and zone are required", line)
		}
		w, err := commerce.ParseAmount(get("max_weight"))
		if err != nil || !w.IsPositive() {
			return nil, fmt.Errorf("routing: rates CSV line %d: max_weight %q must be a positive decimal", line, get("max_weight"))
		}
		ng, err := nanograms(commerce.Weight{Value: w, Unit: commerce.WeightUnit(get("weight_unit"))})
		if err != nil {
			return nil, fmt.Errorf("routing: rates CSV line %d: %w", line, err)
		}
		price, err := commerce.NewMoney(get("price"), commerce.Currency(strings.ToUpper(get("currency"))))
		if err != nil || price.IsNegative() {
			return nil, fmt.Errorf("routing: rates CSV line %d: price %q %q must be a non-negative decimal in an ISO 4217 currency", line, get("price"), get("currency"))
		}
		r := tableRow{maxNg: ng, price: price}
		if s := get("transit_days"); s != "" {
			if r.transit, err = strconv.Atoi(s); err != nil || r.transit < 0 {
				return nil, fmt.Errorf("routing: rates CSV line %d: transit_days %q must be a whole number of days", line, s)
			}
		}
		k := [2]string{carrier, svc}
		si, ok := index[k]
		if !ok {
			si = len(t.services)
			index[k] = si
			t.services = append(t.services, tableService{carrier: carrier, service: svc, byZone: map[string]*zoneRows{}})
		}
		s := &t.services[si]
		for _, other := range s.byZone {
			if other.rows[0].price.Currency != price.Currency {
				return nil, fmt.Errorf("routing: rates CSV line %d: %s %s is priced in %s and %s; use one currency per service", line, carrier, svc, other.rows[0].price.Currency, price.Currency)
			}
			break
		}
		zr := s.byZone[zone]
		if zr == nil {
			zr = &zoneRows{id: rateID(carrier, svc, zone)}
			s.byZone[zone] = zr
		}
		zr.rows = append(zr.rows, r)
	}
	for _, s := range t.services {
		for _, zr := range s.byZone {
			sort.SliceStable(zr.rows, func(i, j int) bool { return zr.rows[i].maxNg < zr.rows[j].maxNg })
			zr.rates = make([]commerce.Rate, len(zr.rows))
			for i, r := range zr.rows {
				zr.rates[i] = commerce.Rate{ID: zr.id, Carrier: s.carrier, Service: s.service, Amount: r.price, TransitDays: r.transit}
			}
		}
	}
	if zones != nil {
		zrows, zcol, err := readTable(zones, "zones", []string{"origin", "destination", "zone"}, nil)
		if err != nil {
			return nil, err
		}
		for i, row := range zrows {
			z := Zone{Origin: strings.TrimSpace(row[zcol["origin"]]), Destination: strings.TrimSpace(row[zcol["destination"]]), Zone: strings.TrimSpace(row[zcol["zone"]])}
			for _, p := range []string{z.Origin, z.Destination} {
				if !validZonePattern(p) {
					return nil, fmt.Errorf("routing: zones CSV line %d: %q must be *, a country code (US) or a country and postal prefix (US:94)", i+2, p)
				}
			}
			if z.Zone == "" {
				return nil, fmt.Errorf("routing: zones CSV line %d: zone is required", i+2)
			}
			t.zones = append(t.zones, z)
		}
	}
	return t, nil
}

// readTable reads a CSV with a header of known columns.
func readTable(r io.Reader, what string, required, optional []string) ([][]string, map[string]int, error) {
	if r == nil {
		return nil, nil, fmt.Errorf("routing: %s CSV: no input", what)
	}
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("routing: %s CSV: %w", what, err)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("routing: %s CSV is empty: it needs a header %s", what, strings.Join(required, ","))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range append(append([]string(nil), required...), optional...) {
			known = known || c == h
		}
		if !known {
			return nil, nil, fmt.Errorf("routing: %s CSV header has unknown column %q (columns: %s)", what, h, strings.Join(append(append([]string(nil), required...), optional...), ","))
		}
		if _, dup := col[h]; dup {
			return nil, nil, fmt.Errorf("routing: %s CSV header names column %q twice", what, h)
		}
		col[h] = i
	}
	for _, c := range required {
		if _, ok := col[c]; !ok {
			return nil, nil, fmt.Errorf("routing: %s CSV header lacks column %q (it needs %s)", what, c, strings.Join(required, ","))
		}
	}
	if len(rows) == 1 {
		return nil, nil, fmt.Errorf("routing: %s CSV has a header but no rows", what)
	}
	return rows[1:], col, nil
}

func validZonePattern(p string) bool {
	if p == "*" {
		return true
	}
	cc, prefix, _ := strings.Cut(p, ":")
	return validCountry(cc) && !strings.ContainsAny(prefix, " ,*")
}

// zoneMatch scores how specifically a pattern matches a country and postal
// code: -1 no match, 0 "*", 1 the country, 1 + prefix length a postal prefix.
func zoneMatch(p, country, postal string) int {
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

// ZoneFor returns the zone of a route.
func (t *TableRates) ZoneFor(from, to commerce.Address) (string, bool) {
	if t.zones == nil {
		if from.CountryCode != "" && from.CountryCode == to.CountryCode {
			return ZoneDomestic, true
		}
		return ZoneInternational, true
	}
	best, zone := -1, ""
	for _, z := range t.zones {
		o := zoneMatch(z.Origin, from.CountryCode, from.PostalCode)
		d := zoneMatch(z.Destination, to.CountryCode, to.PostalCode)
		if o >= 0 && d >= 0 && o+d > best {
			best, zone = o+d, z.Zone
		}
	}
	return zone, best >= 0
}

// Name returns the table's name.
func (t *TableRates) Name() string { return t.name }

// Local reports true: the table answers from memory.
func (t *TableRates) Local() bool { return true }

// Rates prices the request with every service of the table that serves its
// zone and weight. A route with no zone, or parcels heavier than every
// break, is an error naming what to add to the table.
func (t *TableRates) Rates(_ context.Context, req RateRequest) ([]commerce.Rate, error) {
	if len(req.Parcels) == 0 {
		return nil, errors.New("routing: rate table: the request has no parcels")
	}
	zone, ok := t.ZoneFor(req.From, req.To)
	if !ok {
		return nil, fmt.Errorf("%s: no zone for %s %s → %s %s; add a row to the zones table", t.name, req.From.CountryCode, req.From.PostalCode, req.To.CountryCode, req.To.PostalCode)
	}
	var buf [4]int64
	weights := buf[:0]
	for i, p := range req.Parcels {
		ng, err := nanograms(p.Weight)
		if err != nil {
			return nil, fmt.Errorf("%s: parcel %d: %w", t.name, i, err)
		}
		weights = append(weights, ng)
	}
	out := make([]commerce.Rate, 0, len(t.services))
	heaviest := int64(0)
	for i := range t.services {
		s := &t.services[i]
		zr, ok := s.byZone[zone]
		id := ""
		if ok {
			id = zr.id
		} else if zr, ok = s.byZone["*"]; ok {
			id = rateID(s.carrier, s.service, zone)
		} else {
			continue
		}
		rows := zr.rows
		var total decimal.Decimal
		transit := 0
		fits := true
		for k, w := range weights {
			j := sort.Search(len(rows), func(k int) bool { return rows[k].maxNg >= w })
			if j == len(rows) {
				fits = false
				heaviest = max(heaviest, w)
				break
			}
			if k == 0 {
				total = rows[j].price.Amount
			} else {
				total = total.Add(rows[j].price.Amount)
			}
			transit = max(transit, rows[j].transit)
		}
		if !fits {
			continue
		}
		out = append(out, commerce.Rate{
			ID:          id,
			Carrier:     s.carrier,
			Service:     s.service,
			Amount:      commerce.Money{Amount: total, Currency: rows[0].price.Currency},
			TransitDays: transit,
		})
	}
	if len(out) == 0 {
		if heaviest > 0 {
			return nil, fmt.Errorf("%s: no service in zone %s takes a parcel of %s kg; add a weight break", t.name, zone, decimal.New(heaviest, -12).String())
		}
		return nil, fmt.Errorf("%s: no service serves zone %s; add rows for it to the rates table", t.name, zone)
	}
	return out, nil
}

// appendShared appends the rates of a one-parcel shipment of ng nanograms
// as pointers to the table's own rates, which the caller must not modify;
// it allocates only for a "*" zone. It is Rates without the copies, for the
// router's hot path.
func (t *TableRates) appendShared(dst []*commerce.Rate, from, to *commerce.Address, ng int64) ([]*commerce.Rate, error) {
	zone, ok := t.ZoneFor(*from, *to)
	if !ok {
		return dst, fmt.Errorf("%s: no zone for %s %s → %s %s; add a row to the zones table", t.name, from.CountryCode, from.PostalCode, to.CountryCode, to.PostalCode)
	}
	n := len(dst)
	tooHeavy := false
	for i := range t.services {
		s := &t.services[i]
		zr, own := s.byZone[zone]
		if !own {
			if zr, ok = s.byZone["*"]; !ok {
				continue
			}
		}
		j := sort.Search(len(zr.rows), func(k int) bool { return zr.rows[k].maxNg >= ng })
		if j == len(zr.rows) {
			tooHeavy = true
			continue
		}
		if own {
			dst = append(dst, &zr.rates[j])
		} else {
			r := zr.rates[j]
			r.ID = rateID(s.carrier, s.service, zone)
			dst = append(dst, &r)
		}
	}
	if len(dst) == n {
		if tooHeavy {
			return dst, fmt.Errorf("%s: no service in zone %s takes a parcel of %s kg; add a weight break", t.name, zone, decimal.New(ng, -12).String())
		}
		return dst, fmt.Errorf("%s: no service serves zone %s; add rows for it to the rates table", t.name, zone)
	}
	return dst, nil
}

func rateID(carrier, service, zone string) string {
	return "table:" + carrier + ":" + service + ":" + zone
}

// ngPer is the nanograms in one unit (exact for every unit).
var ngPer = map[commerce.WeightUnit]decimal.Decimal{
	commerce.Grams:     decimal.New(1, 9),
	commerce.Kilograms: decimal.New(1, 12),
	commerce.Pounds:    decimal.New(45359237, 4), // 453.59237 g
	commerce.Ounces:    decimal.New(28349523125, 0),
}

// ngShift is the power of ten from a unit to nanograms, for the fast path.
var ngShift = map[commerce.WeightUnit]int32{commerce.Grams: 9, commerce.Kilograms: 12}

var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// maxNanograms keeps weights far from int64 overflow when summed: 1,000 t.
const maxNanograms = int64(1e18)

// nanograms converts a weight to whole nanograms, rounding up.
func nanograms(w commerce.Weight) (int64, error) {
	// Fast path, exact: kilograms or grams with few decimals.
	if shift, ok := ngShift[w.Unit]; ok && !w.Value.IsNegative() {
		if e := w.Value.Exponent() + shift; e >= 0 && e <= 9 {
			if w.Value.NumDigits() <= 18 {
				if c := w.Value.CoefficientInt64(); c < maxNanograms/pow10[e] {
					return c * pow10[e], nil
				}
			}
		}
	}
	f, ok := ngPer[w.Unit]
	if !ok {
		return 0, fmt.Errorf("weight unit %q must be g, kg, lb or oz", w.Unit)
	}
	if w.Value.IsNegative() {
		return 0, fmt.Errorf("weight %s %s must not be negative", w.Value, w.Unit)
	}
	v := w.Value.Mul(f).Ceil()
	if v.GreaterThan(decimal.NewFromInt(maxNanograms)) {
		return 0, fmt.Errorf("weight %s %s is above 1,000 tonnes", w.Value, w.Unit)
	}
	return v.IntPart(), nil
}

// weightOf returns whole nanograms as a weight in kilograms, exactly.
func weightOf(ng int64) commerce.Weight {
	return commerce.Weight{Value: decimal.New(ng, -12), Unit: commerce.Kilograms}
}

var _ LocalSource = (*TableRates)(nil)
