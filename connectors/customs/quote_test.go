package customs

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// fixtures is ../shared/fixtures/customs relative to the repository root.
const fixtures = "../../../shared/fixtures/customs"

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

func date(s string) commerce.Date {
	d, err := commerce.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func money(s string, c commerce.Currency) commerce.Money { return commerce.MustMoney(s, c) }

// leadingAmount reads "0.00 (carrier disbursement fee extra, varies)" as 0.00.
func leadingAmount(s string) string { return strings.Fields(s)[0] }

// TestLandedCostCases runs every row of landed-cost-cases.csv.
func TestLandedCostCases(t *testing.T) {
	t.Parallel()
	rows, err := csv.NewReader(bytes.NewReader(fixture(t, "landed-cost-cases.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 9 {
		t.Fatalf("only %d cases", len(rows)-1)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		get := func(c string) string { return r[col[c]] }
		t.Run(get("case")+"_"+get("route")+"_"+get("date")+"_"+get("incoterm"), func(t *testing.T) {
			t.Parallel()
			from, to, _ := strings.Cut(get("route"), "->")
			cur := commerce.Currency(get("currency"))
			req := sdk.LandedCostRequest{
				AsOf: date(get("date")), Incoterm: get("incoterm"), OriginCountry: from, DestinationCountry: to, Currency: cur,
				Items:    []commerce.LandedCostItem{{SKU: "TSH-1", HSCode: get("hs6"), CountryOfOrigin: from, Quantity: 1, UnitPrice: money(get("goods"), cur)}},
				Shipping: money(get("shipping"), cur),
			}
			lc, err := New().LandedCost(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			check := func(name string, got commerce.Money, want string) {
				t.Helper()
				if !got.Equal(money(leadingAmount(want), cur)) {
					t.Errorf("%s = %s, want %s (%s / %s)", name, got, want, get("duty_rule"), get("tax_rule"))
				}
			}
			check("duty", lc.Totals.Duties, get("duty"))
			check("tax", lc.Totals.Taxes, get("tax"))
			check("fees", lc.Totals.Fees, get("fees"))
			check("landed", lc.Totals.LandedCost, get("landed"))
			// Every charge names its rule and date; totals add up.
			sum := commerce.Zero(cur)
			for _, ch := range append(append([]commerce.Charge{}, lc.Duties...), lc.Taxes...) {
				if ch.Rule == "" || ch.EffectiveFrom.IsZero() || ch.Amount.Currency != cur {
					t.Errorf("charge without rule, date or in the wrong currency: %+v", ch)
				}
				sum, _ = sum.Add(ch.Amount)
			}
			if total, _ := lc.Totals.Duties.Add(lc.Totals.Taxes); !total.Equal(sum) {
				t.Errorf("charges add up to %s, totals say %s", sum, total)
			}
			if len(lc.DeMinimis) != 2 {
				t.Errorf("de minimis entries: %+v", lc.DeMinimis)
			}
			for _, d := range lc.DeMinimis {
				if d.Rule == "" {
					t.Errorf("de minimis without rule: %+v", d)
				}
			}
			if lc.Incoterm == DDP && !lc.Totals.DueAtDelivery.IsZero() {
				t.Errorf("DDP with %s due at delivery", lc.Totals.DueAtDelivery)
			}
			if err := lc.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestUnifiedQuoteCaseC compares the quote of case C with the suggested
// provider-neutral quote in landed-cost-quote.unified.json.
func TestUnifiedQuoteCaseC(t *testing.T) {
	t.Parallel()
	var want struct {
		commerce.LandedCost
		Note string `json:"_note"`
	}
	if err := json.Unmarshal(fixture(t, "landed-cost-quote.unified.json"), &want); err != nil {
		t.Fatal(err)
	}
	req := sdk.LandedCostRequest{AsOf: want.AsOf, Incoterm: want.Incoterm, OriginCountry: want.OriginCountry, DestinationCountry: want.DestinationCountry,
		Currency: want.Currency, Items: want.Items, Shipping: want.Shipping, Insurance: want.Insurance}
	got, err := New().LandedCost(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	eq := func(name string, a, b commerce.Money) {
		if !a.Equal(b) {
			t.Errorf("%s = %s, want %s", name, a, b)
		}
	}
	eq("totals.duties", got.Totals.Duties, want.Totals.Duties)
	eq("totals.taxes", got.Totals.Taxes, want.Totals.Taxes)
	eq("totals.fees", got.Totals.Fees, want.Totals.Fees)
	eq("totals.landed_cost", got.Totals.LandedCost, want.Totals.LandedCost)
	eq("totals.due_at_delivery", got.Totals.DueAtDelivery, want.Totals.DueAtDelivery)
	if len(got.Duties) != 1 || len(got.Taxes) != 1 {
		t.Fatalf("duties %+v taxes %+v", got.Duties, got.Taxes)
	}
	for _, p := range []struct {
		name      string
		got, want commerce.Charge
	}{{"duty", got.Duties[0], want.Duties[0]}, {"tax", got.Taxes[0], want.Taxes[0]}} {
		if !p.got.Rate.Equal(*p.want.Rate) || p.got.Basis != p.want.Basis || !p.got.Base.Equal(*p.want.Base) || !p.got.Amount.Equal(p.want.Amount) {
			t.Errorf("%s: rate %s basis %q base %s amount %s; want %s %q %s %s", p.name, p.got.Rate, p.got.Basis, p.got.Base, p.got.Amount,
				p.want.Rate, p.want.Basis, p.want.Base, p.want.Amount)
		}
	}
	if got.Duties[0].ItemSKU != "TSH-COT-BLK-M" || got.Items[0].HSCodeScheme != "EU-CN8" || got.Items[0].HS6 != "610910" {
		t.Errorf("item fields: %+v / %+v", got.Duties[0], got.Items[0])
	}
	if d := got.DeMinimis[0]; d.Type != "DUTY" || d.Applied || !d.Threshold.Equal(*want.DeMinimis[0].Threshold) {
		t.Errorf("de minimis %+v, want %+v", d, want.DeMinimis[0])
	}
}

func usd(s string) commerce.Money { return money(s, "USD") }
func eur(s string) commerce.Money { return money(s, "EUR") }

// ecbRates are EUR legs as the FX capability returns them (ECB 2023-04-06).
var ecbRates = []commerce.FXRate{
	{Base: "EUR", Quote: "USD", Rate: dec("1.0915"), Date: date("2023-04-06"), Source: "ECB"},
	{Base: "EUR", Quote: "GBP", Rate: dec("0.87495"), Date: date("2023-04-06"), Source: "ECB"},
	{Base: "EUR", Quote: "CAD", Rate: dec("1.4704"), Date: date("2023-04-06"), Source: "ECB"},
}

func TestQuotes(t *testing.T) {
	t.Parallel()
	shirt := func(sku, hs string, qty int, unit commerce.Money) commerce.LandedCostItem {
		return commerce.LandedCostItem{SKU: sku, HSCode: hs, CountryOfOrigin: "US", Quantity: qty, UnitPrice: unit}
	}
	kg := func(v string) *commerce.Weight { return &commerce.Weight{Value: dec(v), Unit: commerce.Kilograms} }
	cases := []struct {
		name                string
		req                 sdk.LandedCostRequest
		duties, taxes, due  string
		landed              string
		fx                  int
		dutyLines, taxLines int
	}{
		{
			// 2 distinct subheadings → 2 × EUR 3; VAT 21% (NL) on 80 + 5 + 6.
			name: "EU flat duty per distinct subheading",
			req: sdk.LandedCostRequest{AsOf: date("2026-08-01"), Incoterm: DDP, OriginCountry: "US", DestinationCountry: "NL", Currency: "EUR",
				Items: []commerce.LandedCostItem{shirt("TS-1", "610910", 2, eur("20.00")), shirt("TS-2", "61091000", 1, eur("10.00")), shirt("TR-1", "620462", 1, eur("30.00"))}, Shipping: eur("5.00")},
			duties: "6.00", taxes: "19.11", due: "0", landed: "110.11", dutyLines: 2, taxLines: 1,
		},
		{
			// DAP after July 2026: no IOSS → tariff on CIF: 12% of (50 + 10) = 7.20; VAT 19% of 67.20 = 12.77 at the border.
			name: "EU DAP after July 2026 pays the tariff",
			req: sdk.LandedCostRequest{AsOf: date("2026-07-15"), Incoterm: DAP, OriginCountry: "US", DestinationCountry: "DE", Currency: "EUR",
				Items: []commerce.LandedCostItem{shirt("TS-1", "610910", 1, eur("50.00"))}, Shipping: eur("10.00")},
			duties: "7.20", taxes: "12.77", due: "19.97", landed: "79.97", dutyLines: 1, taxLines: 1,
		},
		{
			// Quote in USD, rules in EUR: 100 USD = 91.62 EUR ≤ 150: no duty; VAT 25.5% (FI since
			// 2024-09-01) via IOSS, assessed in EUR: 25.5% of 109.94 EUR = 28.03 EUR = 30.59 USD.
			name: "EU in another currency, Finland's new rate",
			req: sdk.LandedCostRequest{AsOf: date("2025-03-01"), Incoterm: DDP, OriginCountry: "US", DestinationCountry: "FI", Currency: "USD",
				Items: []commerce.LandedCostItem{shirt("TS-1", "610910", 1, usd("100.00"))}, Shipping: usd("20.00"), FXRates: ecbRates},
			duties: "0", taxes: "30.59", due: "0", landed: "150.59", fx: 1, taxLines: 1,
		},
		{
			// Estonia on 2025-06-30 (22%) and 2025-07-01 (24%), above 150 EUR: duty 12% of 210 = 25.20.
			name: "Estonia before its VAT change",
			req: sdk.LandedCostRequest{AsOf: date("2025-06-30"), Incoterm: DAP, OriginCountry: "US", DestinationCountry: "EE", Currency: "EUR",
				Items: []commerce.LandedCostItem{shirt("TS-1", "610910", 4, eur("50.00"))}, Shipping: eur("10.00")},
			duties: "25.20", taxes: "51.74", due: "76.94", landed: "286.94", dutyLines: 1, taxLines: 1,
		},
		{
			name: "Estonia after its VAT change",
			req: sdk.LandedCostRequest{AsOf: date("2025-07-01"), Incoterm: DAP, OriginCountry: "US", DestinationCountry: "EE", Currency: "EUR",
				Items: []commerce.LandedCostItem{shirt("TS-1", "610910", 4, eur("50.00"))}, Shipping: eur("10.00")},
			duties: "25.20", taxes: "56.45", due: "81.65", landed: "291.65", dutyLines: 1, taxLines: 1,
		},
		{
			// Specific duty: 250 kg of white sugar × EUR 41.90 / 100 kg = 104.75; VAT 19% of 1000 + 50 + 104.75.
			name: "EU specific duty per weight",
			req: sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DAP, OriginCountry: "BR", DestinationCountry: "DE", Currency: "EUR",
				Items: []commerce.LandedCostItem{{SKU: "SUGAR", HSCode: "1701.99.10", CountryOfOrigin: "BR", Quantity: 10, UnitPrice: eur("100.00"), Weight: kg("250")}}, Shipping: eur("50.00")},
			duties: "104.75", taxes: "219.40", due: "324.15", landed: "1374.15", dutyLines: 1, taxLines: 1,
		},
		{
			// US: no de minimis, 16.5% MFN + 10% Section 122 on FOB 40.
			name: "US after the de minimis suspension",
			req: sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DDP, OriginCountry: "DE", DestinationCountry: "US", Currency: "USD",
				Items: []commerce.LandedCostItem{{SKU: "TS", HSCode: "6109.10.00", CountryOfOrigin: "PT", Quantity: 2, UnitPrice: usd("20.00")}}, Shipping: usd("15.00")},
			duties: "10.60", taxes: "0", due: "0", landed: "65.60", dutyLines: 2,
		},
		{
			name: "US before the suspension: USD 800 de minimis",
			req: sdk.LandedCostRequest{AsOf: date("2024-11-01"), Incoterm: DAP, OriginCountry: "DE", DestinationCountry: "US", Currency: "USD",
				Items: []commerce.LandedCostItem{{SKU: "TS", HSCode: "610910", Quantity: 2, UnitPrice: usd("20.00")}}, Shipping: usd("15.00")},
			duties: "0", taxes: "0", due: "0", landed: "55.00",
		},
		{
			// CA from the US above CAD 150: CUSMA-originating goods duty-free; HST 13% on 200 + 20.
			name: "Canada above 150, CUSMA origin",
			req: sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DAP, OriginCountry: "US", DestinationCountry: "CA-ON", Currency: "CAD",
				Items: []commerce.LandedCostItem{{SKU: "TS", HSCode: "610910", CountryOfOrigin: "US", Quantity: 4, UnitPrice: money("50.00", "CAD")}}, Shipping: money("20.00", "CAD")},
			duties: "0", taxes: "28.60", due: "28.60", landed: "248.60", dutyLines: 1, taxLines: 1,
		},
		{
			// Made in China, shipped from the US: MFN 18% on 200; QC: GST 5% + QST 9.975% on 200 + 20 + 36.
			name: "Canada, Quebec, non-CUSMA goods",
			req: sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DAP, OriginCountry: "US", DestinationCountry: "CA-QC", Currency: "CAD",
				Items: []commerce.LandedCostItem{{SKU: "TS", HSCode: "610910", CountryOfOrigin: "CN", Quantity: 4, UnitPrice: money("50.00", "CAD")}}, Shipping: money("20.00", "CAD")},
			duties: "36.00", taxes: "38.34", due: "74.34", landed: "294.34", dutyLines: 1, taxLines: 2,
		},
		{
			// From the UK to Canada: CAD 20 thresholds; 30 CAD of goods → taxes; duty-free? no: 30 > 20 → duty 18% too.
			name: "Canada from elsewhere: CAD 20",
			req: sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DAP, OriginCountry: "GB", DestinationCountry: "CA-ON", Currency: "CAD",
				Items: []commerce.LandedCostItem{{SKU: "TS", HSCode: "610910", CountryOfOrigin: "GB", Quantity: 1, UnitPrice: money("30.00", "CAD")}}, Shipping: money("5.00", "CAD")},
			duties: "5.40", taxes: "5.25", due: "10.65", landed: "45.65", dutyLines: 1, taxLines: 1,
		},
		{
			// AU above AUD 1,000: 5% on FOB 1,200; GST 10% on 1,200 + 60 + 30 (+ insurance).
			name: "Australia above 1,000",
			req: sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DAP, OriginCountry: "US", DestinationCountry: "AU", Currency: "AUD",
				Items: []commerce.LandedCostItem{{SKU: "TS", HSCode: "610910", Quantity: 24, UnitPrice: money("50.00", "AUD")}}, Shipping: money("30.00", "AUD"), Insurance: money("10.00", "AUD")},
			duties: "60.00", taxes: "130.00", due: "190.00", landed: "1430.00", dutyLines: 1, taxLines: 1,
		},
		{
			// GBP quote with GBP rules but the item priced in USD: 150 USD → 120.24 GBP ≤ 135.
			name: "UK item in USD converted through EUR legs",
			req: sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DDP, OriginCountry: "US", DestinationCountry: "GB", Currency: "GBP",
				Items: []commerce.LandedCostItem{{SKU: "TS", HSCode: "610910", Quantity: 1, LineValue: usd("150.00")}}, Shipping: money("10.00", "GBP"), FXRates: ecbRates},
			duties: "0", taxes: "26.05", due: "0", landed: "156.29", fx: 2, taxLines: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lc, err := New().LandedCost(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			cur := tc.req.Currency
			for _, c := range []struct {
				name string
				got  commerce.Money
				want string
			}{{"duties", lc.Totals.Duties, tc.duties}, {"taxes", lc.Totals.Taxes, tc.taxes}, {"due", lc.Totals.DueAtDelivery, tc.due}, {"landed", lc.Totals.LandedCost, tc.landed}} {
				if !c.got.Equal(money(c.want, cur)) {
					t.Errorf("%s = %s, want %s\nduties %+v\ntaxes %+v", c.name, c.got, c.want, lc.Duties, lc.Taxes)
				}
			}
			if len(lc.Duties) != tc.dutyLines || len(lc.Taxes) != tc.taxLines || len(lc.FX) != tc.fx {
				t.Errorf("%d duty lines, %d tax lines, %d fx; want %d, %d, %d", len(lc.Duties), len(lc.Taxes), len(lc.FX), tc.dutyLines, tc.taxLines, tc.fx)
			}
			if err := lc.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestQuoteErrors(t *testing.T) {
	t.Parallel()
	base := func() sdk.LandedCostRequest {
		return sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DDP, OriginCountry: "US", DestinationCountry: "DE", Currency: "EUR",
			Items: []commerce.LandedCostItem{{SKU: "TS", HSCode: "610910", Quantity: 1, UnitPrice: eur("10.00")}}, Shipping: eur("1.00")}
	}
	cases := []struct {
		name   string
		change func(*sdk.LandedCostRequest)
		is     error
		words  string
	}{
		{"unknown destination", func(r *sdk.LandedCostRequest) { r.DestinationCountry = "BR" }, ErrUnknownDestination, "BR"},
		{"unknown HS code", func(r *sdk.LandedCostRequest) { r.Items[0].HSCode = "950300" }, ErrUnknownHSCode, "950300"},
		{"malformed HS code", func(r *sdk.LandedCostRequest) { r.Items[0].HSCode = "6109-10" }, ErrInvalidHSCode, "6109-10"},
		{"reserved chapter", func(r *sdk.LandedCostRequest) { r.Items[0].HSCode = "770100" }, ErrInvalidHSCode, "77"},
		{"national code not under the subheading", func(r *sdk.LandedCostRequest) { r.Items[0].HSCode = "61091099" }, ErrUnknownHSCode, "6109"},
		{"no duty rate for the regime", func(r *sdk.LandedCostRequest) {
			r.DestinationCountry, r.Currency, r.Incoterm = "GB", "GBP", DAP
			r.Items[0] = commerce.LandedCostItem{SKU: "S", HSCode: "170199", Quantity: 1, UnitPrice: money("500.00", "GBP")}
			r.Shipping = money("1.00", "GBP")
		}, ErrNoRule, "170199"},
		{"date before the table", func(r *sdk.LandedCostRequest) { r.AsOf = date("2019-01-01") }, ErrNoRule, "2019-01-01"},
		{"US in the IEEPA window", func(r *sdk.LandedCostRequest) {
			r.DestinationCountry, r.Currency, r.AsOf = "US", "USD", date("2025-09-01")
			r.Items[0].UnitPrice, r.Shipping = usd("10.00"), usd("1.00")
		}, ErrNoRule, "IEEPA"},
		{"missing FX rate", func(r *sdk.LandedCostRequest) { r.Items[0].UnitPrice = usd("10.00") }, nil, "no FX rate from USD to EUR"},
		{"bad incoterm", func(r *sdk.LandedCostRequest) { r.Incoterm = "EXW" }, nil, "DDP or DAP"},
		{"no items", func(r *sdk.LandedCostRequest) { r.Items = nil }, nil, "at least one item"},
		{"zero quantity", func(r *sdk.LandedCostRequest) { r.Items[0].Quantity = 0 }, nil, "quantity"},
		{"no price", func(r *sdk.LandedCostRequest) { r.Items[0].UnitPrice = commerce.Money{} }, nil, "unit_price or line_value"},
		{"no shipping", func(r *sdk.LandedCostRequest) { r.Shipping = commerce.Money{} }, nil, "shipping"},
		{"Canada needs a province", func(r *sdk.LandedCostRequest) {
			r.DestinationCountry, r.Currency, r.Incoterm = "CA", "CAD", DAP
			r.Items[0].UnitPrice, r.Shipping = money("100.00", "CAD"), money("1.00", "CAD")
		}, nil, "CA-ON"},
		{"specific duty needs weight", func(r *sdk.LandedCostRequest) {
			r.Incoterm = DAP
			r.Items[0] = commerce.LandedCostItem{SKU: "S", HSCode: "17019910", Quantity: 10, UnitPrice: eur("100.00")}
		}, nil, "net weight"},
		{"bad origin", func(r *sdk.LandedCostRequest) { r.OriginCountry = "usa" }, nil, "origin_country"},
		{"bad fx rate", func(r *sdk.LandedCostRequest) {
			r.FXRates = []commerce.FXRate{{Base: "EUR", Quote: "USD", Rate: dec("-1"), Date: date("2026-03-13")}}
		}, nil, "fx_rates[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := base()
			tc.change(&req)
			_, err := New().LandedCost(context.Background(), req)
			if err == nil {
				t.Fatal("no error")
			}
			if sdk.KindOf(err) != sdk.KindInvalidInput {
				t.Errorf("kind %s, want invalid input: %v", sdk.KindOf(err), err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.words) {
				t.Errorf("err = %q, want it to mention %q", err, tc.words)
			}
		})
	}
}

func TestHSCodesSample(t *testing.T) {
	t.Parallel()
	rows, err := csv.NewReader(bytes.NewReader(fixture(t, "hs-codes-sample.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	tb := DefaultTable
	eu, _ := tb.RegimeOf("DE")
	gb, _ := tb.RegimeOf("GB")
	us, _ := tb.RegimeOf("US")
	pct := func(s string) decimal.Decimal {
		if s == "Free" {
			return decimal.Zero
		}
		return dec(strings.TrimSuffix(s, "%")).Div(decimal.NewFromInt(100))
	}
	for _, r := range rows[1:] {
		hs6, usHTS, usRate, euCN, euRate, ukRate := r[0], r[4], r[5], r[6], r[7], r[9]
		t.Run(hs6, func(t *testing.T) {
			for _, c := range []struct {
				regime *Regime
				code   string
				rate   string
			}{{eu, euCN, euRate}, {gb, hs6, ukRate}, {us, usHTS, usRate}} {
				code := c.code
				if strings.Contains(code, "..") {
					code = hs6
				}
				h, err := tb.ValidateHS(code, c.regime)
				if err != nil {
					t.Fatalf("%s %s: %v", c.regime.ID, code, err)
				}
				rule, ok := tb.duty(c.regime.ID, h.Code, date("2026-03-14"))
				if !ok || rule.AdValorem == nil || !rule.AdValorem.Equal(pct(c.rate)) {
					t.Errorf("%s duty for %s = %v, want %s", c.regime.ID, code, rule, c.rate)
				}
			}
		})
	}
}

func TestRuleTable(t *testing.T) {
	t.Parallel()
	tb := DefaultTable
	if tb.Version == "" || len(tb.HS) == 0 || len(tb.Destinations()) < 30 {
		t.Fatalf("table %s: %d hs, destinations %v", tb.Version, len(tb.HS), tb.Destinations())
	}
	var vat []struct {
		Country string
		Rate    string
	}
	rows, err := csv.NewReader(bytes.NewReader(fixture(t, "vat-rates.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		vat = append(vat, struct{ Country, Rate string }{r[0], r[2]})
	}
	// Every destination's VAT/GST on 2026-03-14 matches vat-rates.csv.
	for _, v := range vat {
		if _, ok := tb.RegimeOf(v.Country); !ok || v.Rate == "" {
			continue
		}
		rules := tb.taxes(v.Country, "", date("2026-03-14"))
		if len(rules) != 1 || !rules[0].Rate.Shift(2).Equal(dec(v.Rate)) {
			t.Errorf("%s: %v, want %s%%", v.Country, rules, v.Rate)
		}
	}
	// The de minimis thresholds match de-minimis-thresholds.json.
	var dm struct {
		Destinations []struct {
			Country string
			Rules   []struct {
				EffectiveFrom string  `json:"effective_from"`
				DutyThreshold *string `json:"duty_threshold"`
				TaxThreshold  *string `json:"tax_threshold"`
			}
		}
	}
	if err := json.Unmarshal(fixture(t, "de-minimis-thresholds.json"), &dm); err != nil {
		t.Fatal(err)
	}
	checked := 0
	same := func(a *decimal.Decimal, b *string) bool {
		return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(dec(*b)))
	}
	for _, d := range dm.Destinations {
		if _, ok := tb.RegimeOf(d.Country); !ok && d.Country != "EU" {
			continue // NZ, NO, CH: not covered (unverified in the fixture)
		}
		for _, r := range d.Rules {
			found := false
			for _, lv := range tb.LowValue {
				if lv.Regime == d.Country && lv.EffectiveFrom == date(r.EffectiveFrom) && same(lv.DutyThreshold, r.DutyThreshold) && same(lv.TaxThreshold, r.TaxThreshold) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s rule from %s (duty %v, tax %v) has no matching low-value rule in the table", d.Country, r.EffectiveFrom, deref(r.DutyThreshold), deref(r.TaxThreshold))
			}
			checked++
		}
	}
	if checked < 6 {
		t.Errorf("only %d low-value rules matched the fixture by regime and date", checked)
	}
	if _, err := LoadTable([]byte(`{"version":"x","published":"2026-01-01","regimes":[{"id":"X","currency":"EUR","valuation":"CIF"}],"taxes":[{"id":"T","country":"Y","rate":"0.1","effective_from":"2026-01-01","source":"s"}],"sources":{"s":"u"}}`)); err == nil {
		t.Error("a tax rule for a country no regime covers was accepted")
	}
}

func deref(s *string) string {
	if s == nil {
		return "none"
	}
	return *s
}
