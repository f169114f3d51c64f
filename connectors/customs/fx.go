package customs

import (
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// fxPrecision is the number of decimal places conversions keep before the
// final rounding of a charge.
const fxPrecision = 28

// converter converts money with the FX rates of a request: a direct rate, an
// inverse one, or two rates from a common base (EUR legs from the ECB), so
// that no cross rate is ever rounded.
type converter struct {
	rates []commerce.FXRate
	used  map[[2]commerce.Currency]commerce.FXRate
	order []commerce.FXRate
}

func newConverter(rates []commerce.FXRate) (*converter, error) {
	for i, r := range rates {
		if err := r.Validate(); err != nil {
			return nil, sdk.InvalidInput("customs: fx_rates[%d]: %v", i, err)
		}
	}
	return &converter{rates: rates, used: map[[2]commerce.Currency]commerce.FXRate{}}, nil
}

func (c *converter) note(r commerce.FXRate) {
	k := [2]commerce.Currency{r.Base, r.Quote}
	if _, ok := c.used[k]; !ok {
		c.used[k] = r
		c.order = append(c.order, r)
	}
}

// convert returns m in currency to, unrounded (28 decimal places).
func (c *converter) convert(m commerce.Money, to commerce.Currency) (commerce.Money, error) {
	if m.Currency == to {
		return m, nil
	}
	for _, r := range c.rates {
		if r.Base == m.Currency && r.Quote == to {
			c.note(r)
			return commerce.Money{Amount: m.Amount.Mul(r.Rate), Currency: to}, nil
		}
	}
	for _, r := range c.rates {
		if r.Base == to && r.Quote == m.Currency {
			c.note(r)
			return commerce.Money{Amount: m.Amount.DivRound(r.Rate, fxPrecision), Currency: to}, nil
		}
	}
	for _, a := range c.rates {
		if a.Quote != m.Currency {
			continue
		}
		for _, b := range c.rates {
			if b.Base == a.Base && b.Quote == to {
				c.note(a)
				c.note(b)
				return commerce.Money{Amount: m.Amount.Mul(b.Rate).DivRound(a.Rate, fxPrecision), Currency: to}, nil
			}
		}
	}
	return commerce.Money{}, sdk.InvalidInput("customs: no FX rate from %s to %s in the request", m.Currency, to).
		WithDetail("fetch %s/%s (or EUR rates for both) from the FX capability and pass them in fx_rates", m.Currency, to)
}

// round rounds half-up to the currency's minor units, as customs
// assessments are.
func round(m commerce.Money) commerce.Money { return m.Round(commerce.RoundHalfUp) }
