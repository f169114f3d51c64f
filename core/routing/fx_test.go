package routing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func fxRate(base, quote commerce.Currency, rate string, day int) commerce.FXRate {
	return commerce.FXRate{Base: base, Quote: quote, Rate: decimal.RequireFromString(rate), Date: commerce.Date{Year: 2026, Month: 3, Day: day}, Source: "ECB"}
}

// ECB-style reference rates: everything against EUR.
var ecb = []commerce.FXRate{
	fxRate("EUR", "USD", "1.0850", 13),
	fxRate("EUR", "CHF", "0.9500", 13),
	fxRate("EUR", "GBP", "0.8400", 13),
	fxRate("EUR", "JPY", "162.50", 13),
}

func TestFXBook(t *testing.T) {
	t.Parallel()
	book, err := newFXBook(append(ecb, fxRate("EUR", "USD", "1.1000", 12))) // an older USD rate is ignored
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in   commerce.Money
		to   commerce.Currency
		want string
	}{
		{commerce.MustMoney("10.00", "EUR"), "EUR", "10.00 EUR"},
		{commerce.MustMoney("10.00", "EUR"), "USD", "10.85 USD"}, // direct, latest rate
		{commerce.MustMoney("10.00", "CHF"), "EUR", "10.53 EUR"}, // inverse: 10.526315…
		{commerce.MustMoney("10.00", "CHF"), "USD", "11.42 USD"}, // two legs: 10 / 0.95 × 1.085 = 11.421052…
		{commerce.MustMoney("1000", "JPY"), "GBP", "5.17 GBP"},   // 1000 / 162.5 × 0.84 = 5.169230…
		{commerce.MustMoney("5.17", "GBP"), "JPY", "1000 JPY"},   // 5.17 / 0.84 × 162.5 = 1000.148… → 0 minor units
		{commerce.MustMoney("0.125", "EUR"), "EUR", "0.125 EUR"}, // same currency: untouched
		{commerce.MustMoney("1.00", "USD"), "CHF", "0.88 CHF"},   // 1 / 1.085 × 0.95 = 0.875576…
		{commerce.MustMoney("2.00", "EUR"), "GBP", "1.68 GBP"},
	}
	for _, c := range cases {
		got, err := book.convert(c.in, c.to)
		if err != nil {
			t.Errorf("%s → %s: %v", c.in, c.to, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("%s → %s = %s, want %s", c.in, c.to, got, c.want)
		}
	}
	_, err = book.convert(commerce.MustMoney("1.00", "SEK"), "EUR")
	if !errors.Is(err, commerce.ErrCurrencyMismatch) || !strings.Contains(err.Error(), "no FX rate from SEK to EUR") {
		t.Errorf("missing rate: %v", err)
	}
	if _, err := newFXBook([]commerce.FXRate{{Base: "EUR", Quote: "USD", Rate: decimal.Zero}}); err == nil {
		t.Error("a zero rate was accepted")
	}
}

func TestMultiCurrencyRates(t *testing.T) {
	t.Parallel()
	// Three carriers quoting in three currencies; the order is in EUR.
	swiss := &fakeSource{name: "swisspost", rates: flat("Swiss Post", svc("Priority", "10.00", "CHF", 2))} // 10.53 EUR
	royal := &fakeSource{name: "royalmail", rates: flat("Royal Mail", svc("Tracked", "8.90", "GBP", 2))}   // 10.60 EUR
	ups := &fakeSource{name: "ups", rates: flat("UPS", svc("Standard", "11.40", "USD", 2))}                // 10.51 EUR
	sek := &fakeSource{name: "postnord", rates: flat("PostNord", svc("Parcel", "50.00", "SEK", 2))}        // no rate
	r := newRouter(t, Config{Sources: []RateSource{swiss, royal, ups, sek}})
	req := request(mugOrder(), mugStock, leipzig)
	req.FXRates = ecb
	d := mustRoute(t, r, req)
	s := d.Shipments[0]
	if s.Rate.Carrier != "UPS" || !s.Rate.Amount.Equal(commerce.MustMoney("11.40", "USD")) {
		t.Fatalf("chose %s at %s, want UPS at 11.40 USD (10.51 EUR)", s.Rate.Carrier, s.Rate.Amount)
	}
	if want := commerce.MustMoney("10.51", "EUR"); !s.ShippingCost.Equal(want) || !d.Total.Equal(want) {
		t.Errorf("shipping %s, total %s, want %s", s.ShippingCost, d.Total, want)
	}
	costs := map[string]string{}
	for _, o := range s.Options {
		costs[o.Carrier] = o.Cost.String() + " from " + o.Amount.String()
	}
	for carrier, want := range map[string]string{"Swiss Post": "10.53 EUR from 10.00 CHF", "Royal Mail": "10.60 EUR from 8.90 GBP", "UPS": "10.51 EUR from 11.40 USD"} {
		if costs[carrier] != want {
			t.Errorf("%s: %s, want %s", carrier, costs[carrier], want)
		}
	}
	if _, ok := costs["PostNord"]; ok || !hasSourceError(d, "postnord", "no FX rate from SEK to EUR") {
		t.Errorf("the SEK rate without an FX rate: options %v, errors %+v", costs, d.SourceErrors)
	}
	if !strings.Contains(d.Explanation, "UPS Standard at 10.51 EUR (11.40 USD)") {
		t.Errorf("explanation does not show both currencies: %s", d.Explanation)
	}
}

func TestDecisionCurrency(t *testing.T) {
	t.Parallel()
	// Decisions in USD for an order in EUR, with a penalty in GBP.
	rules := Rules{SplitPenalty: &Amount{commerce.MustMoney("1.00", "GBP")}}
	r := newRouter(t, Config{Currency: "USD", Rules: rules})
	req := request(mugAndTee(dresden), StockTable{{"MUG", "leipzig"}: 1, {"TEE", "berlin"}: 1}, leipzig, berlin)
	req.FXRates = ecb
	d := mustRoute(t, r, req)
	// Two DPD parcels at 4.95 EUR = 5.37 USD each (5.370750), penalty 1 GBP = 1.29 USD (1.291666…).
	if want := commerce.MustMoney("1.29", "USD"); !d.Cost.SplitPenalty.Equal(want) {
		t.Errorf("split penalty %s, want %s", d.Cost.SplitPenalty, want)
	}
	if want := commerce.MustMoney("12.03", "USD"); !d.Total.Equal(want) {
		t.Errorf("total %s, want %s", d.Total, want)
	}
	checkDecision(t, req.Order, d)
	// Without FX rates the penalty cannot be converted: a request error.
	req.FXRates = nil
	_, err := r.Route(context.Background(), req)
	if err == nil || errors.Is(err, ErrUnroutable) || !strings.Contains(err.Error(), "split_penalty (1.00 GBP) in the decision currency USD") {
		t.Errorf("error %v, want one naming the rule that cannot be converted", err)
	}
}
