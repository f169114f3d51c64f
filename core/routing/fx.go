package routing

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// fxBook converts money with explicit rates only: a direct rate, the
// inverse of one, or two legs through a common currency (the ECB publishes
// every rate against EUR). The amount is carried exactly through the legs
// and rounded once, half-even, to the target's minor units.
type fxBook struct {
	rates map[[2]commerce.Currency]commerce.FXRate
}

// divPlaces is the precision of a division by a rate (inverse legs).
const divPlaces = 20

func newFXBook(rates []commerce.FXRate) (*fxBook, error) {
	b := &fxBook{rates: make(map[[2]commerce.Currency]commerce.FXRate, len(rates))}
	for i, r := range rates {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("routing: fx_rates[%d]: %w", i, err)
		}
		k := [2]commerce.Currency{r.Base, r.Quote}
		if old, ok := b.rates[k]; ok && !old.Date.Before(r.Date) {
			continue // keep the latest publication
		}
		b.rates[k] = r
	}
	return b, nil
}

// leg converts an exact amount from one currency to another with one rate
// (direct or inverted), without rounding.
func (b *fxBook) leg(a decimal.Decimal, from, to commerce.Currency) (decimal.Decimal, bool) {
	if r, ok := b.rates[[2]commerce.Currency{from, to}]; ok {
		return a.Mul(r.Rate), true
	}
	if r, ok := b.rates[[2]commerce.Currency{to, from}]; ok {
		return a.DivRound(r.Rate, divPlaces), true
	}
	return decimal.Decimal{}, false
}

// convert returns m in currency to.
func (b *fxBook) convert(m commerce.Money, to commerce.Currency) (commerce.Money, error) {
	if m.Currency == to {
		return m, nil
	}
	if a, ok := b.leg(m.Amount, m.Currency, to); ok {
		return commerce.Money{Amount: a, Currency: to}.Round(commerce.RoundHalfEven), nil
	}
	// Two legs through a common currency, tried in a fixed order.
	var vias []commerce.Currency
	seen := map[commerce.Currency]bool{}
	for k := range b.rates {
		for _, c := range k {
			if c != m.Currency && c != to && !seen[c] {
				seen[c] = true
				vias = append(vias, c)
			}
		}
	}
	sort.Slice(vias, func(i, j int) bool { return vias[i] < vias[j] })
	for _, via := range vias {
		a, ok := b.leg(m.Amount, m.Currency, via)
		if !ok {
			continue
		}
		if a, ok = b.leg(a, via, to); ok {
			return commerce.Money{Amount: a, Currency: to}.Round(commerce.RoundHalfEven), nil
		}
	}
	return commerce.Money{}, fmt.Errorf("%w: no FX rate from %s to %s (directly, inverted, or through a common currency); pass one in the request's fx_rates", commerce.ErrCurrencyMismatch, m.Currency, to)
}
