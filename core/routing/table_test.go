package routing

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func zonedTable(t *testing.T) *TableRates {
	t.Helper()
	rates, err := os.Open(filepath.Join("testdata", "zoned-rates.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer rates.Close()
	zones, err := os.Open(filepath.Join("testdata", "zones.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer zones.Close()
	tr, err := ParseTableRates("Regional", rates, zones)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTableZones(t *testing.T) {
	t.Parallel()
	tr := zonedTable(t)
	cases := []struct {
		name     string
		from, to commerce.Address
		zone     string
	}{
		{"same postal area beats the country", leipzig.Address, dresden, "0"},
		{"country to country", berlin.Address, dresden, "1"},
		{"DE to AT", leipzig.Address, salzburg, "2"},
		{"AT to DE", vienna.Address, dresden, "2"},
		{"anything else", zurich.Address, dresden, "9"},
	}
	for _, c := range cases {
		if z, ok := tr.ZoneFor(c.from, c.to); !ok || z != c.zone {
			t.Errorf("%s: zone %q, %v; want %q", c.name, z, ok, c.zone)
		}
	}
	// Without a zones table: domestic or international.
	def := loadTable(t, "rates.csv")
	if z, _ := def.ZoneFor(leipzig.Address, dresden); z != ZoneDomestic {
		t.Errorf("default zone %q within Germany", z)
	}
	if z, _ := def.ZoneFor(leipzig.Address, geneva); z != ZoneInternational {
		t.Errorf("default zone %q across a border", z)
	}
}

func parcel(w string, unit commerce.WeightUnit) Parcel {
	return Parcel{Weight: commerce.Weight{Value: decimal.RequireFromString(w), Unit: unit}}
}

func TestTableRates(t *testing.T) {
	t.Parallel()
	def := loadTable(t, "rates.csv")
	zoned := zonedTable(t)
	cases := []struct {
		name    string
		table   *TableRates
		from    commerce.Address
		parcels []Parcel
		want    string // "carrier service amount days", joined by "; "
		err     string
	}{
		{name: "a break holds its own weight", table: def, from: leipzig.Address, parcels: []Parcel{parcel("2", commerce.Kilograms)},
			want: "DHL Paket 5.49 EUR 2; DHL Express 19.90 EUR 1; DPD Classic 4.95 EUR 3"},
		{name: "just above a break", table: def, from: leipzig.Address, parcels: []Parcel{parcel("2001", commerce.Grams)},
			want: "DHL Paket 6.99 EUR 2; DHL Express 19.90 EUR 1; DPD Classic 4.95 EUR 3"},
		{name: "pounds", table: def, from: leipzig.Address, parcels: []Parcel{parcel("10", commerce.Pounds)}, // 4.54 kg
			want: "DHL Paket 6.99 EUR 2; DHL Express 19.90 EUR 1; DPD Classic 8.95 EUR 3"},
		{name: "parcels add up, the slowest sets the transit", table: def, from: leipzig.Address,
			parcels: []Parcel{parcel("1", commerce.Kilograms), parcel("12", commerce.Kilograms)},
			want:    "DHL Paket 21.98 EUR 2; DHL Express 54.80 EUR 1; DPD Classic 13.90 EUR 3"},
		{name: "international", table: def, from: leipzig.Address, parcels: []Parcel{parcel("4", commerce.Kilograms)},
			want: "DHL Paket International 15.99 EUR 5; DPD Classic 29.00 EUR 5"},
		{name: "too heavy for every break", table: def, from: leipzig.Address, parcels: []Parcel{parcel("40", commerce.Kilograms)},
			err: "no service in zone domestic takes a parcel of 40 kg; add a weight break"},
		{name: "a zone's own break", table: zoned, from: leipzig.Address, parcels: []Parcel{parcel("3", commerce.Kilograms)},
			want: "Regional Standard 3.90 EUR 1"},
		{name: "a zone's own breaks take precedence over the * zone", table: zoned, from: leipzig.Address, parcels: []Parcel{parcel("20", commerce.Kilograms)},
			err: "no service in zone 0 takes a parcel of 20 kg"},
		{name: "no parcels", table: def, from: leipzig.Address, err: "no parcels"},
		{name: "bad unit", table: def, from: leipzig.Address, parcels: []Parcel{parcel("1", "stone")}, err: `weight unit "stone" must be g, kg, lb or oz`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			to := dresden
			if c.name == "international" {
				to = geneva
			}
			rates, err := c.table.Rates(context.Background(), RateRequest{From: c.from, To: to, Parcels: c.parcels})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rates {
				got = append(got, strings.Join([]string{r.Carrier, r.Service, r.Amount.String(), strconv.Itoa(r.TransitDays)}, " "))
				if !strings.HasPrefix(r.ID, "table:") || r.Validate() != nil {
					t.Errorf("rate %+v: bad id or invalid", r)
				}
			}
			if strings.Join(got, "; ") != c.want {
				t.Errorf("rates\n %s\nwant\n %s", strings.Join(got, "; "), c.want)
			}
		})
	}
}

func TestTableStarZone(t *testing.T) {
	t.Parallel()
	tr, err := ParseTableRates("Flat", strings.NewReader("service,zone,max_weight,weight_unit,price,currency\nAnywhere,*,10,kg,7.00,EUR\nNear,domestic,10,kg,4.00,EUR\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		to   commerce.Address
		want string
	}{{dresden, "Anywhere 7.00 EUR, Near 4.00 EUR"}, {geneva, "Anywhere 7.00 EUR"}} {
		rates, err := tr.Rates(context.Background(), RateRequest{From: leipzig.Address, To: c.to, Parcels: []Parcel{parcel("1", commerce.Kilograms)}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rates {
			got = append(got, r.Service+" "+r.Amount.String())
		}
		if strings.Join(got, ", ") != c.want {
			t.Errorf("to %s: %v, want %s", c.to.CountryCode, got, c.want)
		}
	}
}

func TestParseTableRatesErrors(t *testing.T) {
	t.Parallel()
	const head = "service,zone,max_weight,weight_unit,price,currency,transit_days\n"
	cases := []struct {
		name, rates, zones, err string
	}{
		{"empty", "", "", "rates CSV is empty"},
		{"header only", head, "", "has a header but no rows"},
		{"missing column", "service,zone,max_weight,price,currency\nA,1,1,5,EUR\n", "", `lacks column "weight_unit"`},
		{"unknown column", "service,zone,max_weight,weight_unit,price,currency,fuel\nA,1,1,kg,5,EUR,3\n", "", `unknown column "fuel"`},
		{"duplicate column", "service,zone,zone,max_weight,weight_unit,price,currency\n", "", `names column "zone" twice`},
		{"no service", head + ",1,1,kg,5.00,EUR,2\n", "", "line 2: service and zone are required"},
		{"zero weight", head + "A,1,0,kg,5.00,EUR,2\n", "", "line 2: max_weight \"0\" must be a positive decimal"},
		{"bad unit", head + "A,1,1,st,5.00,EUR,2\n", "", `line 2: weight unit "st"`},
		{"float price", head + "A,1,1,kg,5e2,EUR,2\n", "", "line 2: price"},
		{"negative price", head + "A,1,1,kg,-5.00,EUR,2\n", "", "line 2: price"},
		{"bad currency", head + "A,1,1,kg,5.00,EURO,2\n", "", "line 2: price"},
		{"bad transit", head + "A,1,1,kg,5.00,EUR,two\n", "", `line 2: transit_days "two"`},
		{"mixed currencies", head + "A,1,1,kg,5.00,EUR,2\nA,2,1,kg,5.00,USD,2\n", "", "line 3: table A is priced in EUR and USD"},
		{"bad zone pattern", head + "A,1,1,kg,5.00,EUR,2\n", "origin,destination,zone\nGermany,*,1\n", `zones CSV line 2: "Germany"`},
		{"zone missing", head + "A,1,1,kg,5.00,EUR,2\n", "origin,destination,zone\nDE,*,\n", "zones CSV line 2: zone is required"},
		{"ragged row", head + "A,1,1,kg\n", "", "wrong number of fields"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var zones *strings.Reader
			if c.zones != "" {
				zones = strings.NewReader(c.zones)
			}
			var err error
			if zones != nil {
				_, err = ParseTableRates("table", strings.NewReader(c.rates), zones)
			} else {
				_, err = ParseTableRates("table", strings.NewReader(c.rates), nil)
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("error %v, want %q", err, c.err)
			}
		})
	}
	if _, err := ParseTableRates(" ", strings.NewReader(head+"A,1,1,kg,5.00,EUR,2\n"), nil); err == nil {
		t.Error("a table without a name was accepted")
	}
}

func TestTableReadsCarrierConnectorFormat(t *testing.T) {
	t.Parallel()
	// The example of docs/connectors/carrier.md, unchanged.
	rates := "service,zone,max_weight,weight_unit,price,currency,transit_days\nStandard,1,1,lb,6.20,USD,2\nStandard,1,5,lb,8.90,USD,2\nStandard,2,5,lb,10.30,USD,3\nExpress,1,5,lb,19.00,USD,1\n"
	zones := "origin,destination,zone\nUS:94,US:94,1\nUS,US,2\nUS,CA,7\n"
	tr, err := ParseTableRates("Regional Courier", strings.NewReader(rates), strings.NewReader(zones))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tr.Rates(context.Background(), RateRequest{From: addr("US", "94107", nil), To: addr("US", "94016", nil), Parcels: []Parcel{parcel("2", commerce.Pounds)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Amount.String() != "8.90 USD" || got[1].Amount.String() != "19.00 USD" || got[0].Carrier != "Regional Courier" {
		t.Errorf("rates %+v", got)
	}
}

func FuzzParseTableRates(f *testing.F) {
	for _, name := range []string{"rates.csv", "zoned-rates.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), "origin,destination,zone\nDE,DE,1\n")
	}
	f.Add("service,zone,max_weight,weight_unit,price,currency\nA,*,1e9,kg,1,EUR\n", "")
	f.Add("service,zone,max_weight,weight_unit,price,currency\nA,1,99999999999999999999,kg,1,EUR\n", "")
	f.Fuzz(func(t *testing.T, rates, zones string) {
		var zr *strings.Reader
		if zones != "" {
			zr = strings.NewReader(zones)
		}
		var tr *TableRates
		var err error
		if zr != nil {
			tr, err = ParseTableRates("fuzz", strings.NewReader(rates), zr)
		} else {
			tr, err = ParseTableRates("fuzz", strings.NewReader(rates), nil)
		}
		if err != nil {
			if tr != nil {
				t.Fatal("a table and an error")
			}
			return
		}
		// A parsed table must answer any request without panicking, with
		// valid rates or an error.
		rs, err := tr.Rates(context.Background(), RateRequest{From: leipzig.Address, To: dresden, Parcels: []Parcel{parcel("1.5", commerce.Kilograms)}})
		if err != nil && len(rs) > 0 {
			t.Fatalf("rates and an error: %v", err)
		}
		for _, r := range rs {
			if err := r.Validate(); err != nil {
				t.Fatalf("invalid rate %+v: %v", r, err)
			}
		}
	})
}

func TestNanograms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		w    commerce.Weight
		want int64
		err  bool
	}{
		{commerce.Weight{Value: decimal.RequireFromString("1.5"), Unit: commerce.Kilograms}, 1_500_000_000_000, false},
		{commerce.Weight{Value: decimal.RequireFromString("250"), Unit: commerce.Grams}, 250_000_000_000, false},
		{commerce.Weight{Value: decimal.RequireFromString("0.0000000001"), Unit: commerce.Grams}, 1, false}, // rounds up
		{commerce.Weight{Value: decimal.RequireFromString("1"), Unit: commerce.Pounds}, 453_592_370_000, false},
		{commerce.Weight{Value: decimal.RequireFromString("1"), Unit: commerce.Ounces}, 28_349_523_125, false},
		{commerce.Weight{Value: decimal.RequireFromString("1000000"), Unit: commerce.Kilograms}, 1e18, false},
		{commerce.Weight{Value: decimal.RequireFromString("1000001"), Unit: commerce.Kilograms}, 0, true},
		{commerce.Weight{Value: decimal.RequireFromString("123456789012345678901234567890"), Unit: commerce.Grams}, 0, true},
		{commerce.Weight{Value: decimal.RequireFromString("-1"), Unit: commerce.Kilograms}, 0, true},
		{commerce.Weight{Value: decimal.RequireFromString("1"), Unit: "t"}, 0, true},
	}
	for _, c := range cases {
		got, err := nanograms(c.w)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("nanograms(%s %s) = %d, %v; want %d (error %v)", c.w.Value, c.w.Unit, got, err, c.want, c.err)
		}
	}
}

// The router's shared-rate path must answer exactly as Rates does.
func TestTableSharedMatchesRates(t *testing.T) {
	t.Parallel()
	star, err := ParseTableRates("Flat", strings.NewReader("service,zone,max_weight,weight_unit,price,currency,transit_days\nAnywhere,*,10,kg,7.00,EUR,4\nNear,domestic,2,kg,4.00,EUR,1\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tables := []*TableRates{loadTable(t, "rates.csv"), zonedTable(t), star}
	dests := []commerce.Address{dresden, salzburg, geneva, addr("US", "94107", nil)}
	for ti, tr := range tables {
		for _, to := range dests {
			for _, w := range []string{"0.001", "1", "2", "2.0001", "5", "12", "31.5", "40"} {
				p := parcel(w, commerce.Kilograms)
				ng, _ := nanograms(p.Weight)
				want, werr := tr.Rates(context.Background(), RateRequest{From: leipzig.Address, To: to, Parcels: []Parcel{p}})
				got, gerr := tr.appendShared(nil, &leipzig.Address, &to, ng)
				if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
					t.Errorf("table %d → %s %s kg: errors %v and %v", ti, to.CountryCode, w, werr, gerr)
					continue
				}
				if len(got) != len(want) {
					t.Errorf("table %d → %s %s kg: %d shared rates, %d rates", ti, to.CountryCode, w, len(got), len(want))
					continue
				}
				for i := range want {
					g := got[i]
					if g.ID != want[i].ID || g.Carrier != want[i].Carrier || g.Service != want[i].Service || !g.Amount.Equal(want[i].Amount) || g.TransitDays != want[i].TransitDays {
						t.Errorf("table %d → %s %s kg: shared %+v, rate %+v", ti, to.CountryCode, w, *g, want[i])
					}
				}
			}
		}
	}
}
