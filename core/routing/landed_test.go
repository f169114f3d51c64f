package routing

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// fakeCustoms is a LandedCoster whose quotes a test scripts by incoterm.
type fakeCustoms struct {
	quote func(req LandedCostRequest) (*commerce.LandedCost, error)
	mu    sync.Mutex
	reqs  []LandedCostRequest
}

func (f *fakeCustoms) LandedCost(_ context.Context, req LandedCostRequest) (*commerce.LandedCost, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	return f.quote(req)
}

// quotes returns a script answering DDP with duties and taxes and DAP with
// the amount due at delivery, all in cur.
func quotes(duties, taxes, due string, cur commerce.Currency) func(LandedCostRequest) (*commerce.LandedCost, error) {
	return func(req LandedCostRequest) (*commerce.LandedCost, error) {
		q := &commerce.LandedCost{Incoterm: req.Incoterm, OriginCountry: req.OriginCountry, DestinationCountry: req.DestinationCountry, Currency: cur}
		q.Totals.Duties = commerce.MustMoney(duties, cur)
		q.Totals.Taxes = commerce.MustMoney(taxes, cur)
		q.Totals.Fees = commerce.Zero(cur)
		q.Totals.DueAtDelivery = commerce.Zero(cur)
		if req.Incoterm == IncotermDAP {
			q.Totals.DueAtDelivery = commerce.MustMoney(due, cur)
		}
		return q, nil
	}
}

func kettleToGeneva() *commerce.Order { return order(geneva, line("1", "KETTLE", 1, "60.00")) }

func TestLandedCostDDPvsDAP(t *testing.T) {
	t.Parallel()
	eurCHF := commerce.FXRate{Base: "EUR", Quote: "CHF", Rate: decimal.RequireFromString("0.95"), Date: commerce.Date{Year: 2026, Month: 3, Day: 13}, Source: "ECB"}
	cases := []struct {
		name      string
		rules     Rules
		customs   func(LandedCostRequest) (*commerce.LandedCost, error)
		fx        []commerce.FXRate
		term      string
		merchant  string // EUR
		total     string // EUR: DPD Classic international 13.50 + merchant
		wantWhy   string
		wantError string
	}{
		{name: "auto: DDP spares the buyer a bill at the door", customs: quotes("2.40", "10.00", "14.10", "EUR"),
			term: "DDP", merchant: "12.40", total: "25.90",
			wantWhy: "Cross-border DE → CH: DDP costs the merchant 12.40 EUR, DAP leaves the buyer 14.10 EUR to pay on delivery; ships DDP because under DAP the buyer would owe 14.10 EUR at the door (DDP costs the merchant 12.40 EUR)."},
		{name: "auto: nothing due at the door, so DAP", customs: quotes("0.00", "0.00", "0.00", "EUR"),
			term: "DAP", merchant: "0", total: "13.50", wantWhy: "ships DAP because nothing would be due at delivery"},
		{name: "auto: DDP above the merchant's limit", rules: Rules{MaxDDPCost: eur("10.00")}, customs: quotes("2.40", "10.00", "14.10", "EUR"),
			term: "DAP", merchant: "0", total: "13.50", wantWhy: "DDP would cost the merchant 12.40 EUR, above the 10.00 EUR limit"},
		{name: "rules ship DAP", rules: Rules{Incoterm: "dap"}, customs: quotes("2.40", "10.00", "14.10", "EUR"),
			term: "DAP", merchant: "0", total: "13.50", wantWhy: "ships DAP because the rules ship DAP"},
		{name: "rules ship DDP", rules: Rules{Incoterm: "DDP"}, customs: quotes("0.00", "0.00", "0.00", "EUR"),
			term: "DDP", merchant: "0", total: "13.50", wantWhy: "ships DDP because the rules ship DDP"},
		{name: "a quote in francs converted with the FX rate", customs: quotes("2.85", "9.50", "12.35", "CHF"), fx: []commerce.FXRate{eurCHF},
			term: "DDP", merchant: "13.00", total: "26.50", wantWhy: "DDP costs the merchant 13.00 EUR, DAP leaves the buyer 13.00 EUR"},
		{name: "a quote in francs without an FX rate", customs: quotes("2.85", "9.50", "12.35", "CHF"),
			wantError: "no landed-cost quote", total: "13.50"},
		{name: "the DDP quote fails", customs: func(req LandedCostRequest) (*commerce.LandedCost, error) {
			if req.Incoterm == IncotermDDP {
				return nil, errors.New("HS code 851671 unknown to the tariff")
			}
			return quotes("2.40", "10.00", "14.10", "EUR")(req)
		}, term: "DAP", merchant: "0", total: "13.50", wantWhy: "ships DAP because the DDP quote failed (HS code 851671 unknown to the tariff)"},
		{name: "both quotes fail", customs: func(LandedCostRequest) (*commerce.LandedCost, error) { return nil, errors.New("customs plugin down") },
			wantError: "no landed-cost quote (customs plugin down); duties and taxes are not included", total: "13.50"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			customs := &fakeCustoms{quote: c.customs}
			r := newRouter(t, Config{LandedCost: customs, Rules: c.rules})
			req := request(kettleToGeneva(), StockTable{{"KETTLE", "leipzig"}: 1}, leipzig)
			req.FXRates = c.fx
			d := mustRoute(t, r, req)
			s := d.Shipments[0]
			if !s.CrossBorder || s.Landed == nil {
				t.Fatalf("shipment %+v is not treated as cross-border", s)
			}
			if !d.Total.Equal(commerce.MustMoney(c.total, "EUR")) {
				t.Errorf("total %s, want %s EUR", d.Total, c.total)
			}
			if c.wantError != "" {
				if !strings.Contains(s.Landed.Error, c.wantError) {
					t.Errorf("landed error %q, want %q", s.Landed.Error, c.wantError)
				}
				if !d.Cost.Duties.IsZero() {
					t.Errorf("duties %s counted without a quote", d.Cost.Duties)
				}
				return
			}
			if s.Landed.Incoterm != c.term {
				t.Errorf("incoterm %s, want %s (%s)", s.Landed.Incoterm, c.term, s.Landed.Reason)
			}
			if !s.Landed.MerchantCost.Equal(commerce.MustMoney(c.merchant, "EUR")) || !d.Cost.Duties.Equal(s.Landed.MerchantCost) {
				t.Errorf("merchant cost %s, duties %s, want %s EUR", s.Landed.MerchantCost, d.Cost.Duties, c.merchant)
			}
			if s.Landed.DDP == nil && c.term == "DDP" {
				t.Error("the DDP quote is not kept")
			}
			if !strings.Contains(d.Explanation, c.wantWhy) {
				t.Errorf("explanation lacks %q:\n%s", c.wantWhy, d.Explanation)
			}
			checkDecision(t, req.Order, d)
		})
	}
}

func TestLandedCostRequest(t *testing.T) {
	t.Parallel()
	customs := &fakeCustoms{quote: quotes("2.40", "10.00", "14.10", "EUR")}
	r := newRouter(t, Config{LandedCost: customs})
	o := order(geneva, line("1", "KETTLE", 2, "60.00"), line("2", "TEE", 1, "20.00"))
	req := request(o, StockTable{{"KETTLE", "leipzig"}: 2, {"TEE", "leipzig"}: 1}, leipzig)
	fx := commerce.FXRate{Base: "EUR", Quote: "CHF", Rate: decimal.RequireFromString("0.95"), Date: commerce.Date{Year: 2026, Month: 3, Day: 13}}
	req.FXRates = []commerce.FXRate{fx}
	d := mustRoute(t, r, req)
	if len(customs.reqs) != 2 {
		t.Fatalf("%d customs calls, want DDP and DAP", len(customs.reqs))
	}
	var terms []string
	for _, q := range customs.reqs {
		terms = append(terms, q.Incoterm)
	}
	slices.Sort(terms)
	if strings.Join(terms, ",") != "DAP,DDP" {
		t.Errorf("incoterms asked %v", terms)
	}
	q := customs.reqs[0]
	if q.OriginCountry != "DE" || q.DestinationCountry != "CH" || q.Currency != "EUR" || q.AsOf != (commerce.Date{Year: 2026, Month: 3, Day: 16}) {
		t.Errorf("request %+v: wrong route, currency or date", q)
	}
	if !q.Shipping.Equal(d.Shipments[0].Rate.Amount) {
		t.Errorf("shipping %s, want the chosen rate %s", q.Shipping, d.Shipments[0].Rate.Amount)
	}
	if len(q.FXRates) != 1 || q.FXRates[0] != fx {
		t.Errorf("FX rates %+v not passed on", q.FXRates)
	}
	want := []commerce.LandedCostItem{
		{SKU: "KETTLE", HSCode: "851671", CountryOfOrigin: "CN", Quantity: 2, UnitPrice: commerce.MustMoney("60.00", "EUR"), LineValue: commerce.MustMoney("120.00", "EUR")},
		{SKU: "TEE", HSCode: "610910", CountryOfOrigin: "PT", Quantity: 1, UnitPrice: commerce.MustMoney("20.00", "EUR"), LineValue: commerce.MustMoney("20.00", "EUR")},
	}
	if len(q.Items) != len(want) {
		t.Fatalf("items %+v", q.Items)
	}
	for i, w := range want {
		got := q.Items[i]
		if got.SKU != w.SKU || got.HSCode != w.HSCode || got.CountryOfOrigin != w.CountryOfOrigin || got.Quantity != w.Quantity ||
			!got.UnitPrice.Equal(w.UnitPrice) || !got.LineValue.Equal(w.LineValue) || got.Weight == nil {
			t.Errorf("item %d: %+v, want %+v with a weight", i, got, w)
		}
	}
}

func TestLandedCostMissing(t *testing.T) {
	t.Parallel()
	stock := StockTable{{"KETTLE", "leipzig"}: 1}
	// No HS code: no call, and the decision says what to add.
	customs := &fakeCustoms{quote: quotes("1.00", "1.00", "2.00", "EUR")}
	r := newRouter(t, Config{LandedCost: customs})
	req := request(kettleToGeneva(), stock, leipzig)
	req.Items = map[string]Item{"KETTLE": {Weight: kg("1.2")}}
	d := mustRoute(t, r, req)
	if len(customs.reqs) != 0 {
		t.Errorf("customs was asked without an HS code: %+v", customs.reqs)
	}
	if l := d.Shipments[0].Landed; l == nil || !strings.Contains(l.Error, "SKU KETTLE has no HS code or country of origin") {
		t.Errorf("landed %+v does not name the missing HS code", l)
	}
	// No customs capability at all.
	d = mustRoute(t, newRouter(t, Config{}), request(kettleToGeneva(), stock, leipzig))
	if !strings.Contains(d.Explanation, "Cross-border DE → CH: no customs capability connected; duties and taxes are not included.") {
		t.Errorf("explanation does not say duties are missing: %s", d.Explanation)
	}
	// Domestic shipments are never quoted.
	customs = &fakeCustoms{quote: quotes("1.00", "1.00", "2.00", "EUR")}
	mustRoute(t, newRouter(t, Config{LandedCost: customs}), request(order(dresden, line("1", "KETTLE", 1, "60.00")), stock, leipzig))
	if len(customs.reqs) != 0 {
		t.Errorf("a domestic shipment was sent to customs")
	}
}

func TestLandedCostDecidesThePlan(t *testing.T) {
	t.Parallel()
	// Shipping from Germany is cheaper than from the Swiss warehouse, but
	// duties may make it dearer.
	byOrigin := &fakeSource{name: "post", rates: func(req RateRequest) ([]commerce.Rate, error) {
		price := map[string]string{"DE": "8.00", "CH": "20.00"}[req.From.CountryCode]
		return []commerce.Rate{{Carrier: "Post", Service: "Parcel", Amount: commerce.MustMoney(price, "EUR"), TransitDays: 3}}, nil
	}}
	stock := StockTable{{"KETTLE", "leipzig"}: 1, {"KETTLE", "zurich"}: 1}
	for _, c := range []struct {
		duties, taxes string
		want          string
	}{
		{"1.00", "2.00", "leipzig"}, // 8 + 3 = 11 < 20
		{"5.00", "10.00", "zurich"}, // 8 + 15 = 23 > 20
	} {
		customs := &fakeCustoms{quote: quotes(c.duties, c.taxes, "30.00", "EUR")}
		r := newRouter(t, Config{Sources: []RateSource{byOrigin}, LandedCost: customs})
		d := mustRoute(t, r, request(kettleToGeneva(), stock, leipzig, zurich))
		if got := locations(d); len(got) != 1 || got[0] != c.want {
			t.Errorf("duties %s + taxes %s: shipped from %v, want %s\n%s", c.duties, c.taxes, got, c.want, d.Explanation)
		}
	}
}

func TestLandedCostQuotesShared(t *testing.T) {
	t.Parallel()
	// Two German warehouses, the same goods and the same table rate to
	// Geneva: one DDP and one DAP quote serve both plans.
	customs := &fakeCustoms{quote: quotes("2.40", "10.00", "14.10", "EUR")}
	r := newRouter(t, Config{LandedCost: customs})
	d := mustRoute(t, r, request(kettleToGeneva(), StockTable{{"KETTLE", "leipzig"}: 1, {"KETTLE", "berlin"}: 1}, leipzig, berlin))
	if len(customs.reqs) != 2 {
		t.Errorf("%d customs calls for two identical shipments, want 2", len(customs.reqs))
	}
	if d.PlansPriced != 2 || len(d.Alternatives) != 1 || d.Alternatives[0].Total == nil || !d.Alternatives[0].Total.Equal(d.Total) {
		t.Errorf("both plans should carry the same landed cost: %s vs %+v", d.Total, d.Alternatives)
	}
}
