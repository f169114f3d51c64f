package carrier

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// fixtures is ../shared/fixtures/carriers relative to the repository root.
const fixtures = "../../../shared/fixtures/carriers"

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

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func readCSV(t testing.TB, name string) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(fixture(t, name))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestDimWeightCases runs every row of dim-weight-cases.csv.
func TestDimWeightCases(t *testing.T) {
	t.Parallel()
	rows := readCSV(t, "dim-weight-cases.csv")
	if len(rows) < 8 {
		t.Fatalf("only %d cases", len(rows))
	}
	for _, r := range rows {
		t.Run(r["carrier"]+"/"+r["service"]+"/"+r["length"]+"x"+r["width"]+"x"+r["height"], func(t *testing.T) {
			t.Parallel()
			rule := DimRule{
				Divisor:            dec(r["divisor"]),
				LengthUnit:         commerce.LengthUnit(r["dim_unit"]),
				WeightUnit:         commerce.WeightUnit(r["weight_unit"]),
				RoundEachDimension: r["dimension_rounding"] == "round-up-each-dim",
			}
			if r["carrier"] == "USPS" {
				rule.MinVolume = dec("1728")
			}
			dims := &commerce.Dimensions{Length: dec(r["length"]), Width: dec(r["width"]), Height: dec(r["height"]), Unit: rule.LengthUnit}
			res, err := rule.Apply(commerce.Weight{Value: dec(r["actual_weight"]), Unit: rule.WeightUnit}, dims)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Volume.Equal(dec(r["volume"])) {
				t.Errorf("volume = %s, want %s", res.Volume, r["volume"])
			}
			if r["dim_weight"] == "n/a" {
				if res.Dimensional != nil {
					t.Errorf("dimensional weight = %s, want none", res.Dimensional.Value)
				}
			} else if res.Dimensional == nil || !res.Dimensional.Value.Equal(dec(r["dim_weight"])) {
				t.Errorf("dimensional weight = %v, want %s", res.Dimensional, r["dim_weight"])
			}
			if !res.Billable.Value.Equal(dec(r["billable_weight"])) || res.Billable.Unit != rule.WeightUnit {
				t.Errorf("billable = %s %s, want %s %s", res.Billable.Value, res.Billable.Unit, r["billable_weight"], rule.WeightUnit)
			}
		})
	}
}

func TestDimWeightBuiltInRules(t *testing.T) {
	t.Parallel()
	in := func(l, w, h string) *commerce.Dimensions {
		return &commerce.Dimensions{Length: dec(l), Width: dec(w), Height: dec(h), Unit: commerce.Inches}
	}
	cases := []struct {
		name     string
		rule     DimRule
		weight   commerce.Weight
		dims     *commerce.Dimensions
		billable string
		dim      string // "" when none
	}{
		{"UPS daily", RuleFor("UPS", true), commerce.Weight{Value: dec("8"), Unit: commerce.Pounds}, in("18", "14", "10"), "19", "19"},
		{"FedEx domestic rounds each side", RuleFor("fedex", true), commerce.Weight{Value: dec("3.2"), Unit: commerce.Pounds}, in("12.2", "10.1", "6.5"), "8", "8"},
		{"USPS small box", RuleFor("USPS", true), commerce.Weight{Value: dec("1"), Unit: commerce.Pounds}, in("12", "12", "12"), "1", ""},
		{"actual weight wins, rounded up", RuleFor("UPS", true), commerce.Weight{Value: dec("20.2"), Unit: commerce.Pounds}, in("10", "10", "10"), "21", "8"},
		{"ounces converted", RuleFor("UPS", true), commerce.Weight{Value: dec("15.4"), Unit: commerce.Ounces}, nil, "1", ""},
		{"DHL from inches to cm", RuleFor("DHLExpress", false), commerce.Weight{Value: dec("1"), Unit: commerce.Kilograms}, in("10", "10", "10"), "3.5", "3.5"},
		{"UPS international is metric", RuleFor("UPS", false), commerce.Weight{Value: dec("2"), Unit: commerce.Kilograms},
			&commerce.Dimensions{Length: dec("500"), Width: dec("400"), Height: dec("300"), Unit: commerce.Millimetres}, "12", "12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, err := c.rule.Apply(c.weight, c.dims)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Billable.Value.Equal(dec(c.billable)) {
				t.Errorf("billable = %s, want %s", res.Billable.Value, c.billable)
			}
			if (res.Dimensional == nil) != (c.dim == "") || (res.Dimensional != nil && !res.Dimensional.Value.Equal(dec(c.dim))) {
				t.Errorf("dimensional = %v, want %q", res.Dimensional, c.dim)
			}
		})
	}
}

func TestDimWeightErrors(t *testing.T) {
	t.Parallel()
	lb := func(v string) commerce.Weight { return commerce.Weight{Value: dec(v), Unit: commerce.Pounds} }
	cases := []struct {
		name   string
		rule   DimRule
		weight commerce.Weight
		dims   *commerce.Dimensions
	}{
		{"zero weight", RuleUSPS, lb("0"), nil},
		{"negative side", RuleUSPS, lb("1"), &commerce.Dimensions{Length: dec("-1"), Width: dec("1"), Height: dec("1"), Unit: commerce.Inches}},
		{"unknown length unit", RuleUSPS, lb("1"), &commerce.Dimensions{Length: dec("1"), Width: dec("1"), Height: dec("1"), Unit: "ft"}},
		{"unknown weight unit", RuleUSPS, commerce.Weight{Value: dec("1"), Unit: "st"}, nil},
		{"zero divisor", DimRule{LengthUnit: commerce.Inches, WeightUnit: commerce.Pounds}, lb("1"), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, err := c.rule.Apply(c.weight, c.dims); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestStatusMapMatchesFixture checks every row of tracking-status-map.csv
// and that the code's map has no row the fixture lacks.
func TestStatusMapMatchesFixture(t *testing.T) {
	t.Parallel()
	rows := readCSV(t, "tracking-status-map.csv")
	seen := map[string]bool{}
	for _, r := range rows {
		got, ok := MapStatus(r["provider"], r["provider_status"])
		if !ok || string(got) != r["normalized_status"] {
			t.Errorf("%s %s = %s (%v), want %s", r["provider"], r["provider_status"], got, ok, r["normalized_status"])
		}
		if !got.Valid() {
			t.Errorf("%s is not a commerce.TrackingStatus", got)
		}
		seen[r["provider"]+"/"+r["provider_status"]] = true
	}
	for p, m := range statusMap {
		for s := range m {
			if !seen[p+"/"+s] {
				t.Errorf("%s/%s is mapped in code but not in the fixture", p, s)
			}
		}
	}
	if s, ok := MapStatus("easypost", "teleported"); ok || s != commerce.TrackingUnknown {
		t.Errorf("unknown status = %s, %v", s, ok)
	}
	if s, ok := MapStatus("shippo", "transit"); !ok || s != commerce.TrackingInTransit {
		t.Errorf("case-insensitive match = %s, %v", s, ok)
	}
}
