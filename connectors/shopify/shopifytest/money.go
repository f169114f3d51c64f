package shopifytest

import (
	"strconv"
	"strings"
)

// Money in the fake is kept as int64 minor units of its currency, so the
// package needs nothing beyond the standard library and never rounds twice.

// currencyExp is the number of minor-unit digits of each currency the fake
// generates.
var currencyExp = map[string]int{"USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "JPY": 0, "CHF": 2}

// usdMicros is the value of one unit of each currency in millionths of a US
// dollar: the fake's fixed exchange rates.
var usdMicros = map[string]int64{"USD": 1_000_000, "EUR": 1_084_800, "GBP": 1_265_000, "CAD": 735_000, "AUD": 655_000, "JPY": 6_700, "CHF": 1_130_000}

func pow10(n int) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// divRoundHalfUp divides a by b (b > 0), rounding half away from zero.
func divRoundHalfUp(a, b int64) int64 {
	neg := a < 0
	if neg {
		a = -a
	}
	q, r := a/b, a%b
	if 2*r >= b {
		q++
	}
	if neg {
		q = -q
	}
	return q
}

// convert converts minor units of from into minor units of to at the fake's
// rates, rounding half up, as Shopify converts each presentment amount into
// shop money field by field.
func convert(minor int64, from, to string) int64 {
	if from == to {
		return minor
	}
	num := minor * usdMicros[from] * pow10(currencyExp[to])
	den := usdMicros[to] * pow10(currencyExp[from])
	return divRoundHalfUp(num, den)
}

// formatREST formats minor units as the REST Admin API does: fixed minor
// digits ("120.10"; "1200" for JPY).
func formatREST(minor int64, cur string) string {
	exp := currencyExp[cur]
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if exp > 0 {
		for len(s) <= exp {
			s = "0" + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// formatGQL formats minor units as the GraphQL Admin API serialises a
// Decimal: trailing zeros dropped but at least one fraction digit ("120.1",
// "89.0", "1200.0").
func formatGQL(minor int64, cur string) string {
	s := formatREST(minor, cur)
	if !strings.Contains(s, ".") {
		return s + ".0"
	}
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return s
}

// bag is an amount in shop and presentment money.
type bag struct {
	shop, pres int64
}

func (b bag) add(o bag) bag { return bag{b.shop + o.shop, b.pres + o.pres} }

// presBag builds a bag from an exact presentment amount, converting it into
// the shop currency.
func presBag(pres int64, presCur, shopCur string) bag {
	return bag{shop: convert(pres, presCur, shopCur), pres: pres}
}
