package fx

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// fixtures is ../shared/fixtures/fx relative to the repository root; this
// package is two levels down.
const fixtures = "../../../shared/fixtures/fx"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if os.IsNotExist(err) {
		t.Skipf("%s is absent: clone the shared fixtures beside the repository to run this test", filepath.Join(fixtures, name))
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func date(s string) commerce.Date {
	d, err := commerce.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestParseXMLDaily(t *testing.T) {
	t.Parallel()
	tb, err := ParseXML(bytes.NewReader(fixture(t, "eurofxref-daily-2023-04-06.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 1 || tb.Last() != date("2023-04-06") {
		t.Fatalf("days = %d, last = %s; want one day 2023-04-06", tb.Len(), tb.Last())
	}
	d := tb.Days()[0]
	if len(d.Rates) != 30 {
		t.Errorf("currencies = %d, want 30", len(d.Rates))
	}
	for cur, want := range map[commerce.Currency]string{"USD": "1.0915", "JPY": "143.49", "GBP": "0.87495", "BGN": "1.9558", "IDR": "16290.63"} {
		got, err := d.Rate(cur)
		if err != nil || !got.Equal(dec(want)) {
			t.Errorf("%s = %s, %v; want %s", cur, got, err, want)
		}
	}
}

func TestParseXML90DayWithHolidays(t *testing.T) {
	t.Parallel()
	tb, err := ParseXML(bytes.NewReader(fixture(t, "eurofxref-hist-90d-sample.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 5 || tb.First() != date("2025-04-17") || tb.Last() != date("2025-04-25") {
		t.Fatalf("got %d days %s..%s, want 5 days 2025-04-17..2025-04-25", tb.Len(), tb.First(), tb.Last())
	}
	// 18 April (Good Friday) and 21 April (Easter Monday) are TARGET
	// holidays; 19–20 are a weekend: all resolve to Thursday 17 April.
	cases := []struct{ ask, used string }{
		{"2025-04-17", "2025-04-17"},
		{"2025-04-18", "2025-04-17"},
		{"2025-04-19", "2025-04-17"},
		{"2025-04-20", "2025-04-17"},
		{"2025-04-21", "2025-04-17"},
		{"2025-04-22", "2025-04-22"},
		{"2025-04-26", "2025-04-25"},
		{"2025-05-30", "2025-04-25"},
	}
	for _, c := range cases {
		t.Run(c.ask, func(t *testing.T) {
			d, err := tb.On(date(c.ask))
			if err != nil || d.Date != date(c.used) {
				t.Fatalf("On(%s) = %s, %v; want %s", c.ask, d.Date, err, c.used)
			}
		})
	}
	if _, err := tb.On(date("2025-04-16")); !errors.Is(err, ErrBeforeSeries) {
		t.Fatalf("On(before first) err = %v, want ErrBeforeSeries", err)
	}
}

// TestParseCSVMatchesXML checks that the zipped-history CSV layout (N/A,
// trailing commas, dropped trailing zeros) gives the same rates as the XML
// layout for the same five days.
func TestParseCSVMatchesXML(t *testing.T) {
	t.Parallel()
	x, err := ParseXML(bytes.NewReader(fixture(t, "eurofxref-hist-90d-sample.xml")))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCSV(bytes.NewReader(fixture(t, "eurofxref-hist-sample.csv")))
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != x.Len() {
		t.Fatalf("CSV has %d days, XML %d", c.Len(), x.Len())
	}
	for i, xd := range x.Days() {
		cd := c.Days()[i]
		if cd.Date != xd.Date {
			t.Fatalf("day %d: CSV %s, XML %s", i, cd.Date, xd.Date)
		}
		if _, ok := cd.Rates["CYP"]; ok {
			t.Errorf("%s: N/A column CYP must be absent", cd.Date)
		}
		if len(cd.Rates) != len(xd.Rates) {
			t.Errorf("%s: CSV %d currencies, XML %d", cd.Date, len(cd.Rates), len(xd.Rates))
		}
		for cur, xr := range xd.Rates {
			if cr, ok := cd.Rates[cur]; !ok || !cr.Equal(xr) {
				t.Errorf("%s %s: CSV %s, XML %s", cd.Date, cur, cr, xr)
			}
		}
	}
}

func TestParseZip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("eurofxref-hist.csv")
	w.Write(fixture(t, "eurofxref-hist-sample.csv"))
	zw.Close()
	tb, err := ParseZip(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 5 {
		t.Fatalf("days = %d, want 5", tb.Len())
	}
	if _, err := ParseZip([]byte("not a zip")); err == nil {
		t.Fatal("garbage accepted as a zip")
	}
}

func TestSyntheticDaily2026HasNoBGN(t *testing.T) {
	t.Parallel()
	tb, err := ParseXML(bytes.NewReader(fixture(t, "eurofxref-daily-2026-synthetic.xml")))
	if err != nil {
		t.Fatal(err)
	}
	d := tb.Days()[0]
	if len(d.Rates) != 29 {
		t.Errorf("currencies = %d, want 29", len(d.Rates))
	}
	_, err = d.Convert(commerce.MustMoney("10.00", "BGN"), EUR, commerce.RoundHalfEven)
	if !errors.Is(err, ErrNoRate) || !strings.Contains(err.Error(), "Bulgaria adopted the euro") {
		t.Fatalf("BGN in 2026: err = %v, want ErrNoRate naming the euro adoption", err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	wrap := func(days string) string {
		return `<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube>` + days + `</Cube></gesmes:Envelope>`
	}
	xmlCases := []struct{ name, in, want string }{
		{"not xml", "hello", "ECB XML"},
		{"no days", wrap(""), "no <Cube time"},
		{"bad date", wrap(`<Cube time='2023-13-01'><Cube currency='USD' rate='1'/></Cube>`), "not YYYY-MM-DD"},
		{"negative rate", wrap(`<Cube time='2023-01-02'><Cube currency='USD' rate='-1'/></Cube>`), "not a positive decimal"},
		{"zero rate", wrap(`<Cube time='2023-01-02'><Cube currency='USD' rate='0'/></Cube>`), "not a positive decimal"},
		{"exponent", wrap(`<Cube time='2023-01-02'><Cube currency='USD' rate='1e3'/></Cube>`), "not a positive decimal"},
		{"bad currency", wrap(`<Cube time='2023-01-02'><Cube currency='usd' rate='1'/></Cube>`), "three capital letters"},
		{"duplicate currency", wrap(`<Cube time='2023-01-02'><Cube currency='USD' rate='1'/><Cube currency='USD' rate='2'/></Cube>`), "twice"},
		{"duplicate day", wrap(`<Cube time='2023-01-02'><Cube currency='USD' rate='1'/></Cube><Cube time='2023-01-02'><Cube currency='USD' rate='1'/></Cube>`), "appears twice"},
		{"empty day", wrap(`<Cube time='2023-01-02'></Cube>`), "lists no currency"},
	}
	for _, c := range xmlCases {
		t.Run("xml/"+c.name, func(t *testing.T) {
			_, err := ParseXML(strings.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
	csvCases := []struct{ name, in, want string }{
		{"empty", "", "header"},
		{"bad header", "Day,USD,\n", "must start with"},
		{"bad currency", "Date,US1,\n2023-01-02,1,\n", "not a currency code"},
		{"no rows", "Date,USD,\n", "no rows"},
		{"bad date", "Date,USD,\n02/01/2023,1,\n", "not YYYY-MM-DD"},
		{"short row", "Date,USD,JPY,\n2023-01-02,1,\n", "wrong number of fields"},
		{"all N/A", "Date,USD,\n2023-01-02,N/A,\n", "has no rate"},
		{"bad rate", "Date,USD,\n2023-01-02,abc,\n", "not a positive decimal"},
	}
	for _, c := range csvCases {
		t.Run("csv/"+c.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

// TestConversionCases runs every row of fx-conversion-cases.csv in both
// rounding modes, and checks the cross rate and the exact result to the ten
// places the fixture prints.
func TestConversionCases(t *testing.T) {
	t.Parallel()
	tb, err := ParseXML(bytes.NewReader(fixture(t, "eurofxref-daily-2023-04-06.xml")))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(fixture(t, "fx-conversion-cases.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if len(rows) < 11 {
		t.Fatalf("only %d cases in the fixture", len(rows)-1)
	}
	for _, r := range rows[1:] {
		get := func(name string) string { return r[col[name]] }
		name := get("amount") + "_" + get("from") + "_to_" + get("to")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			amount, err := commerce.NewMoney(get("amount"), commerce.Currency(get("from")))
			if err != nil {
				t.Fatal(err)
			}
			to := commerce.Currency(get("to"))
			on := date(get("date"))
			if strings.HasPrefix(get("note"), "error") {
				_, err := tb.Convert(amount, to, on, commerce.RoundHalfUp)
				if !errors.Is(err, ErrNoRate) || !strings.Contains(err.Error(), get("from")) {
					t.Fatalf("err = %v, want ErrNoRate naming %s", err, get("from"))
				}
				return
			}
			for _, m := range []struct {
				mode commerce.RoundingMode
				col  string
			}{{commerce.RoundHalfUp, "result_half_up"}, {commerce.RoundHalfEven, "result_half_even"}} {
				c, err := tb.Convert(amount, to, on, m.mode)
				if err != nil {
					t.Fatalf("%s: %v", m.mode, err)
				}
				want := commerce.Money{Amount: dec(get(m.col)), Currency: to}
				if !c.Amount.Equal(want) {
					t.Errorf("%s: got %s, want %s", m.mode, c.Amount, want)
				}
				if c.Amount.Amount.Exponent() != -int32(to.MinorUnits()) && !c.Amount.Amount.IsZero() && to.MinorUnits() > 0 {
					t.Errorf("%s: %s not at %d minor units", m.mode, c.Amount.Amount, to.MinorUnits())
				}
				if c.Date != on {
					t.Errorf("date used = %s, want %s", c.Date, on)
				}
				if got := c.Exact.Round(10); !got.Equal(dec(get("exact_result"))) {
					t.Errorf("exact = %s, want %s", got, get("exact_result"))
				}
				if got := c.CrossRate.Round(10); !got.Equal(dec(get("cross_rate"))) {
					t.Errorf("cross rate = %s, want %s", got, get("cross_rate"))
				}
				if mu := get("minor_units_to"); mu != "" && mu != itoa(to.MinorUnits()) {
					t.Errorf("minor units of %s = %d, fixture says %s", to, to.MinorUnits(), mu)
				}
			}
		})
	}
}

func itoa(i int) string { return decimal.NewFromInt(int64(i)).String() }

func TestRoundQuo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, num, den string
		places         int32
		mode           commerce.RoundingMode
		want           string
	}{
		{"tie half-even down", "2.5", "1", 0, commerce.RoundHalfEven, "2"},
		{"tie half-even up", "3.5", "1", 0, commerce.RoundHalfEven, "4"},
		{"tie half-up", "2.5", "1", 0, commerce.RoundHalfUp, "3"},
		{"just above tie", "2.5000000000000000000000000000001", "1", 0, commerce.RoundHalfEven, "3"},
		{"non-terminating", "2", "3", 2, commerce.RoundHalfEven, "0.67"},
		{"one third down", "1", "3", 2, commerce.RoundHalfUp, "0.33"},
		{"negative tie half-up", "-2.5", "1", 0, commerce.RoundHalfUp, "-3"},
		{"negative half-even", "-0.125", "1", 2, commerce.RoundHalfEven, "-0.12"},
		{"negative denominator", "1", "-8", 2, commerce.RoundHalfEven, "-0.12"},
		{"down", "0.999", "1", 2, commerce.RoundDown, "0.99"},
		{"up", "0.001", "1", 2, commerce.RoundUp, "0.01"},
		{"exact", "10", "4", 2, commerce.RoundHalfEven, "2.5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := RoundQuo(dec(c.num), dec(c.den), c.places, c.mode)
			if !got.Equal(dec(c.want)) {
				t.Fatalf("RoundQuo(%s/%s, %d, %s) = %s, want %s", c.num, c.den, c.places, c.mode, got, c.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	a, _ := NewTable([]Day{{Date: date("2025-01-02"), Rates: map[commerce.Currency]decimal.Decimal{"USD": dec("1.03")}}})
	b, _ := NewTable([]Day{
		{Date: date("2025-01-02"), Rates: map[commerce.Currency]decimal.Decimal{"USD": dec("1.04")}},
		{Date: date("2025-01-03"), Rates: map[commerce.Currency]decimal.Decimal{"USD": dec("1.05")}},
	})
	m := a.Merge(b)
	if m.Len() != 2 {
		t.Fatalf("len = %d", m.Len())
	}
	if r, _ := m.Days()[0].Rate("USD"); !r.Equal(dec("1.04")) {
		t.Fatalf("newer download must win, got %s", r)
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"1.0915", "1.0915", true}, {"162.8", "162.8", true}, {"16290.63", "16290.63", true}, {"0", "0", true},
		{"1234567890.123456789012", "1234567890.123456789012", true},
		{"", "", false}, {".5", "", false}, {"5.", "", false}, {"1.2.3", "", false}, {"-1", "", false}, {"1e3", "", false}, {" 1", "", false},
	} {
		got, ok := parseRate(c.in)
		if ok != c.ok || (ok && !got.Equal(dec(c.want))) {
			t.Errorf("parseRate(%q) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
