package carrier

import (
	"context"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

const testRatesCSV = `# Regional Courier 2026 tariff
service,zone,max_weight,weight_unit,price,currency,transit_days
Standard,1,1,lb,6.20,USD,2
Standard,1,5,lb,8.90,USD,2
Standard,1,20,lb,14.40,USD,2
Standard,2,1,lb,7.10,USD,3
Standard,2,5,lb,10.30,USD,3
Standard,2,20,lb,18.75,USD,3
Express,1,5,lb,19.00,USD,1
Express,2,5,lb,24.50,USD,1
`

const testZonesCSV = `origin,destination,zone
US:94,US:94,1
US:9,US:9,1
US,US,2
`

func testTable() map[string]any {
	return map[string]any{
		"carrier": "Regional Courier", "rates_csv": testRatesCSV, "zones_csv": testZonesCSV,
		"fuel_surcharge_percent": "10",
		"additional_handling":    map[string]any{"longest_side_over": "24", "amount": "5.00"},
		"declared_value":         map[string]any{"free_up_to": "100", "per_100": "1.50"},
	}
}

func TestTableRates(t *testing.T) {
	t.Parallel()
	cfg := raw(map[string]any{"tables": []any{testTable()}})
	la := commerce.Address{CountryCode: "US", PostalCode: "90012"}
	oakland := commerce.Address{CountryCode: "US", PostalCode: "94607"}
	value := commerce.MustMoney("250.00", "USD")
	cases := []struct {
		name       string
		to         commerce.Address
		parcels    []sdk.Parcel
		value      *commerce.Money
		service    string
		amount     string
		surcharges map[string]string
		billable   string
		transit    int
	}{
		// 3 lb in zone 1 (94 → 94): 8.90 base + 10% fuel = 9.79.
		{"zone 1 base and fuel", oakland, []sdk.Parcel{box("3", "10", "8", "4")}, nil, "Standard", "9.79", map[string]string{"FUEL": "0.89"}, "3", 2},
		// 9 → 9 prefix also zone 1; 18×14×10 at 139 → 19 lb dim.
		{"dimensional weight picks the 20 lb break", la, []sdk.Parcel{box("8", "18", "14", "10")}, nil, "Standard", "15.84", map[string]string{"FUEL": "1.44"}, "19", 2},
		// NYC is zone 2; 30×6×6 → 8 lb dim (20 lb break, 18.75); a 30 in side adds
		// handling 5.00; fuel 10% of 23.75 = 2.375 → 2.38 (half-up); declared 250 → 2 × 1.50.
		{"handling, fuel and declared value", nyc, []sdk.Parcel{box("4", "30", "6", "6")}, &value, "Standard", "29.13", map[string]string{"ADDITIONAL_HANDLING": "5.00", "FUEL": "2.38", "DECLARED_VALUE": "3.00"}, "8", 3},
		// 6×6×6 → 2 lb dim each; 2 lb and 3 lb both take the 5 lb break.
		{"two parcels add up", oakland, []sdk.Parcel{box("1", "6", "6", "6"), box("3", "6", "6", "6")}, nil, "Standard", "19.58", map[string]string{"FUEL": "1.78"}, "5", 2},
		{"express", nyc, []sdk.Parcel{box("2", "6", "6", "6")}, nil, "Express", "26.95", map[string]string{"FUEL": "2.45"}, "2", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, err := New().Rates(context.Background(), sdk.RatesRequest{Config: cfg, From: sf, To: tc.to, Parcels: tc.parcels, Value: tc.value})
			if err != nil {
				t.Fatal(err)
			}
			var r *commerce.Rate
			for i := range resp.Rates {
				if resp.Rates[i].Service == tc.service {
					r = &resp.Rates[i]
				}
			}
			if r == nil {
				t.Fatalf("no %s rate: %+v", tc.service, resp)
			}
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
			if !r.Amount.Equal(commerce.MustMoney(tc.amount, "USD")) {
				t.Errorf("amount %s, want %s (surcharges %+v)", r.Amount, tc.amount, r.Surcharges)
			}
			got := map[string]string{}
			sum := commerce.Zero("USD")
			for _, s := range r.Surcharges {
				got[s.Type] = s.Amount.Amount.StringFixed(2)
				sum, _ = sum.Add(s.Amount)
			}
			for k, v := range tc.surcharges {
				if got[k] != v {
					t.Errorf("surcharge %s = %q, want %s", k, got[k], v)
				}
			}
			if len(got) != len(tc.surcharges) {
				t.Errorf("surcharges %v, want %v", got, tc.surcharges)
			}
			if !r.BillableWeight.Value.Equal(dec(tc.billable)) || r.TransitDays != tc.transit {
				t.Errorf("billable %s transit %d, want %s, %d", r.BillableWeight.Value, r.TransitDays, tc.billable, tc.transit)
			}
		})
	}
	// Heavier than every break, and a route with no zone: errors for this carrier, not the call.
	resp, err := New().Rates(context.Background(), sdk.RatesRequest{Config: cfg, From: sf, To: nyc, Parcels: []sdk.Parcel{box("40", "6", "6", "6")}})
	if err != nil || len(resp.Rates) != 0 || len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, "add a weight break") {
		t.Fatalf("too heavy: %+v %v", resp, err)
	}
	resp, err = New().Rates(context.Background(), sdk.RatesRequest{Config: cfg, From: sf, To: berlin, Parcels: []sdk.Parcel{box("1", "6", "6", "6")}})
	if err != nil || len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, "no zone") {
		t.Fatalf("no zone: %+v %v", resp, err)
	}
	eur := commerce.MustMoney("10.00", "EUR")
	resp, _ = New().Rates(context.Background(), sdk.RatesRequest{Config: cfg, From: sf, To: nyc, Parcels: []sdk.Parcel{box("1", "6", "6", "6")}, Value: &eur})
	if len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, "convert it first") {
		t.Fatalf("declared value in another currency: %+v", resp)
	}
	if _, err := New().BuyLabel(context.Background(), sdk.LabelRequest{Config: cfg, RateID: "table:Regional Courier:Standard:1"}); sdk.KindOf(err) != sdk.KindPermanent {
		t.Fatalf("buying a table rate: %v", err)
	}
}

func TestZoneFor(t *testing.T) {
	t.Parallel()
	zones, err := ParseZones(strings.NewReader("origin,destination,zone\n*,*,9\nUS,*,5\nUS,CA,7\nUS:94,US:94,1\nUS,US,2\nUS:9,US:100,3\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ from, fromZip, to, toZip, want string }{
		{"US", "94117", "US", "94607", "1"},
		{"US", "94117", "US", "10001", "3"},
		{"US", "94117", "US", "60601", "2"},
		{"US", "94117", "CA", "M5J 2X5", "7"},
		{"US", "94117", "DE", "10117", "5"},
		{"GB", "SW1A 1AA", "DE", "10117", "9"},
	}
	for _, c := range cases {
		got, ok := ZoneFor(zones, commerce.Address{CountryCode: c.from, PostalCode: c.fromZip}, commerce.Address{CountryCode: c.to, PostalCode: c.toZip})
		if !ok || got != c.want {
			t.Errorf("%s %s → %s %s = %q, want %q", c.from, c.fromZip, c.to, c.toZip, got, c.want)
		}
	}
	for _, bad := range []string{"origin,destination,zone\nusa,*,1\n", "origin,destination\n*,*\n", "origin,destination,zone,colour\n*,*,1,red\n", "origin,destination,zone\n*,*,\n"} {
		if _, err := ParseZones(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
