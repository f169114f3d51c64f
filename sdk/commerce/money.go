package commerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// ErrCurrencyMismatch is returned by Money arithmetic and comparisons when
// the two operands have different currencies. Convert one side with an
// FXRate first.
var ErrCurrencyMismatch = errors.New("commerce: currency mismatch")

// RoundingMode says how an amount is rounded to its currency's minor units.
type RoundingMode int

const (
	// RoundHalfEven rounds to the nearest minor unit, ties to even (banker's
	// rounding). It is the default for computed amounts.
	RoundHalfEven RoundingMode = iota
	// RoundHalfUp rounds to the nearest minor unit, ties away from zero.
	RoundHalfUp
	// RoundDown truncates toward zero.
	RoundDown
	// RoundUp rounds away from zero.
	RoundUp
)

// String names the mode as the CLI and configuration spell it.
func (m RoundingMode) String() string {
	switch m {
	case RoundHalfEven:
		return "half-even"
	case RoundHalfUp:
		return "half-up"
	case RoundDown:
		return "down"
	case RoundUp:
		return "up"
	}
	return fmt.Sprintf("RoundingMode(%d)", int(m))
}

// ParseRoundingMode parses "half-even", "half-up", "down" or "up".
func ParseRoundingMode(s string) (RoundingMode, error) {
	for _, m := range []RoundingMode{RoundHalfEven, RoundHalfUp, RoundDown, RoundUp} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("commerce: unknown rounding mode %q: use half-even, half-up, down or up", s)
}

// Money is an exact decimal amount in an ISO 4217 currency. The zero value
// has no currency and is not valid money; use Zero or NewMoney.
type Money struct {
	// Amount is the exact decimal amount, in major units ("12.30" EUR).
	Amount decimal.Decimal
	// Currency is the ISO 4217 code.
	Currency Currency
}

// maxAmountLen bounds the text of an amount, so that hostile input such as
// "1e400000000000" or a megabyte of digits cannot exhaust memory.
const maxAmountLen = 40

// ParseAmount parses a plain decimal number such as "12.30" or "-0.5": an
// optional minus sign, digits, and an optional fraction. Exponents, spaces,
// thousands separators and more than 40 characters are refused.
func ParseAmount(s string) (decimal.Decimal, error) {
	if len(s) == 0 || len(s) > maxAmountLen || !plainDecimal(s) {
		if len(s) > maxAmountLen {
			s = s[:maxAmountLen] + "…"
		}
		return decimal.Decimal{}, fmt.Errorf("commerce: amount %q is not a plain decimal number such as \"12.30\"", s)
	}
	return decimal.NewFromString(s)
}

func plainDecimal(s string) bool {
	i := 0
	if s[0] == '-' {
		i++
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0:
			dot = true
			digits = 0
		default:
			return false
		}
	}
	return digits > 0
}

// NewMoney parses a decimal amount such as "12.30" in currency cur.
func NewMoney(amount string, cur Currency) (Money, error) {
	d, err := ParseAmount(amount)
	if err != nil {
		return Money{}, err
	}
	if !cur.Valid() {
		return Money{}, fmt.Errorf("commerce: unknown currency %q: use an ISO 4217 code such as EUR or USD", string(cur))
	}
	return Money{Amount: d, Currency: cur}, nil
}

// MustMoney is NewMoney for constants in tests and examples; it panics on
// bad input.
func MustMoney(amount string, cur Currency) Money {
	m, err := NewMoney(amount, cur)
	if err != nil {
		panic(err)
	}
	return m
}

// Zero returns zero in currency cur.
func Zero(cur Currency) Money { return Money{Amount: decimal.Zero, Currency: cur} }

// FromMinor returns the money for an integer count of minor units (cents).
func FromMinor(units int64, cur Currency) Money {
	return Money{Amount: decimal.New(units, -int32(max(cur.MinorUnits(), 0))), Currency: cur}
}

// IsZero reports whether the amount is zero, whatever the currency.
func (m Money) IsZero() bool { return m.Amount.IsZero() }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.Amount.IsNegative() }

// Valid reports whether m has a known currency.
func (m Money) Valid() bool { return m.Currency.Valid() }

func (m Money) same(o Money, op string) error {
	if m.Currency != o.Currency {
		return fmt.Errorf("%w: cannot %s %s and %s; convert with an FX rate first", ErrCurrencyMismatch, op, m.Currency, o.Currency)
	}
	return nil
}

// Add returns m + o, or ErrCurrencyMismatch.
func (m Money) Add(o Money) (Money, error) {
	if err := m.same(o, "add"); err != nil {
		return Money{}, err
	}
	return Money{Amount: m.Amount.Add(o.Amount), Currency: m.Currency}, nil
}

// Sub returns m - o, or ErrCurrencyMismatch.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.same(o, "subtract"); err != nil {
		return Money{}, err
	}
	return Money{Amount: m.Amount.Sub(o.Amount), Currency: m.Currency}, nil
}

// Cmp compares m and o: -1, 0 or +1, or ErrCurrencyMismatch.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.same(o, "compare"); err != nil {
		return 0, err
	}
	return m.Amount.Cmp(o.Amount), nil
}

// Equal reports whether m and o have the same currency and numerically equal
// amounts ("1.5" equals "1.50").
func (m Money) Equal(o Money) bool { return m.Currency == o.Currency && m.Amount.Equal(o.Amount) }

// Mul returns m multiplied by a decimal factor (a quantity, a tax rate),
// unrounded.
func (m Money) Mul(f decimal.Decimal) Money {
	return Money{Amount: m.Amount.Mul(f), Currency: m.Currency}
}

// MulInt returns m multiplied by an integer quantity.
func (m Money) MulInt(n int) Money { return m.Mul(decimal.NewFromInt(int64(n))) }

// Neg returns -m.
func (m Money) Neg() Money { return Money{Amount: m.Amount.Neg(), Currency: m.Currency} }

// Round rounds m to its currency's minor units with the given mode.
func (m Money) Round(mode RoundingMode) Money {
	places := int32(max(m.Currency.MinorUnits(), 0))
	var a decimal.Decimal
	switch mode {
	case RoundHalfUp:
		a = m.Amount.Round(places)
	case RoundDown:
		a = m.Amount.Truncate(places)
	case RoundUp:
		if m.Amount.IsNegative() {
			a = m.Amount.RoundFloor(places)
		} else {
			a = m.Amount.RoundCeil(places)
		}
	default:
		a = m.Amount.RoundBank(places)
	}
	return Money{Amount: a, Currency: m.Currency}
}

// Minor returns the amount in minor units (cents), rounding half-even first.
func (m Money) Minor() int64 {
	places := int32(max(m.Currency.MinorUnits(), 0))
	return m.Amount.RoundBank(places).Shift(places).IntPart()
}

// String formats m as "12.30 EUR", padded to the currency's minor units.
func (m Money) String() string {
	places := int32(max(m.Currency.MinorUnits(), 0))
	if m.Amount.Exponent() >= -places {
		return m.Amount.StringFixed(places) + " " + string(m.Currency)
	}
	return m.Amount.String() + " " + string(m.Currency)
}

// Sum adds amounts that must all be in currency cur; an empty list is zero.
func Sum(cur Currency, ms ...Money) (Money, error) {
	total := Zero(cur)
	for _, m := range ms {
		var err error
		if total, err = total.Add(m); err != nil {
			return Money{}, err
		}
	}
	return total, nil
}

// Allocate splits m into parts proportional to weights, rounded to minor
// units, so that the parts add up exactly to m rounded (the remainder goes
// one minor unit at a time to the largest fractional parts). It is how an
// order-level discount or shipping charge is spread over lines.
func (m Money) Allocate(weights []decimal.Decimal) ([]Money, error) {
	if len(weights) == 0 {
		return nil, errors.New("commerce: allocate needs at least one weight")
	}
	total := decimal.Zero
	for i, w := range weights {
		if w.IsNegative() {
			return nil, fmt.Errorf("commerce: allocate weight %d is negative (%s)", i, w)
		}
		total = total.Add(w)
	}
	if total.IsZero() {
		return nil, errors.New("commerce: allocate weights add up to zero")
	}
	places := int32(max(m.Currency.MinorUnits(), 0))
	whole := m.Round(RoundHalfEven).Amount
	unit := decimal.New(1, -places)
	if whole.IsNegative() {
		unit = unit.Neg()
	}
	parts := make([]Money, len(weights))
	rest := make([]decimal.Decimal, len(weights))
	allocated := decimal.Zero
	for i, w := range weights {
		exact := whole.Mul(w).Div(total)
		p := exact.Truncate(places)
		parts[i] = Money{Amount: p, Currency: m.Currency}
		rest[i] = exact.Sub(p).Abs()
		allocated = allocated.Add(p)
	}
	left := whole.Sub(allocated).Div(unit).IntPart()
	for ; left > 0; left-- {
		best := 0
		for i := range rest {
			if rest[i].GreaterThan(rest[best]) {
				best = i
			}
		}
		parts[best].Amount = parts[best].Amount.Add(unit)
		rest[best] = decimal.NewFromInt(-1)
	}
	return parts, nil
}

type moneyJSON struct {
	Amount   json.RawMessage `json:"amount"`
	Currency Currency        `json:"currency"`
}

// MarshalJSON writes {"amount": "12.30", "currency": "EUR"} with the amount
// as a decimal string.
func (m Money) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 48)
	b = append(b, `{"amount":"`...)
	b = append(b, m.Amount.String()...)
	b = append(b, `","currency":`...)
	if plainCode(string(m.Currency)) {
		b = append(b, '"')
		b = append(b, m.Currency...)
		b = append(b, '"')
	} else {
		c, err := json.Marshal(string(m.Currency))
		if err != nil {
			return nil, err
		}
		b = append(b, c...)
	}
	return append(b, '}'), nil
}

// plainCode reports whether s needs no JSON escaping (ASCII letters and digits).
func plainCode(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// UnmarshalJSON reads {"amount": "12.30", "currency": "EUR"}. The amount
// must be a JSON string holding a decimal number: a JSON number would have
// passed through a float in many producers, so it is refused.
func (m *Money) UnmarshalJSON(data []byte) error {
	// Money is decoded millions of times in a sync: the common, simple form
	// is parsed by hand; anything else takes the general path below, which
	// also produces the errors.
	if amount, cur, ok := scanMoney(data); ok {
		d, err := ParseAmount(amount)
		if err != nil {
			return err
		}
		m.Amount, m.Currency = d, Currency(cur)
		return nil
	}
	var raw moneyJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("commerce: money must be an object {\"amount\": \"12.30\", \"currency\": \"EUR\"}: %w", err)
	}
	if len(raw.Amount) == 0 || raw.Amount[0] != '"' {
		return fmt.Errorf("commerce: money amount %s must be a decimal string such as \"12.30\", not a JSON number or null", string(raw.Amount))
	}
	var s string
	if err := json.Unmarshal(raw.Amount, &s); err != nil {
		return fmt.Errorf("commerce: money amount: %w", err)
	}
	d, err := ParseAmount(s)
	if err != nil {
		return err
	}
	m.Amount, m.Currency = d, raw.Currency
	return nil
}

// scanMoney parses {"amount":"…","currency":"…"} (either key order,
// whitespace allowed, strings without escapes). ok is false for anything
// else, which the caller hands to encoding/json.
func scanMoney(b []byte) (amount, currency string, ok bool) {
	i := 0
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
	}
	str := func() (string, bool) {
		if i >= len(b) || b[i] != '"' {
			return "", false
		}
		start := i + 1
		for j := start; j < len(b); j++ {
			switch c := b[j]; {
			case c == '"':
				i = j + 1
				return string(b[start:j]), true
			case c == '\\' || c < 0x20 || c >= 0x80:
				// Escapes, control characters and non-ASCII take the
				// general path, which validates and decodes them.
				return "", false
			}
		}
		return "", false
	}
	ws()
	if i >= len(b) || b[i] != '{' {
		return "", "", false
	}
	i++
	var haveA, haveC bool
	for n := 0; n < 2; n++ {
		ws()
		key, okk := str()
		if !okk {
			return "", "", false
		}
		ws()
		if i >= len(b) || b[i] != ':' {
			return "", "", false
		}
		i++
		ws()
		val, okv := str()
		if !okv {
			return "", "", false
		}
		switch {
		case key == "amount" && !haveA:
			amount, haveA = val, true
		case key == "currency" && !haveC:
			currency, haveC = val, true
		default:
			return "", "", false
		}
		ws()
		if i >= len(b) {
			return "", "", false
		}
		if n == 0 {
			if b[i] != ',' {
				return "", "", false
			}
			i++
		}
	}
	if b[i] != '}' {
		return "", "", false
	}
	i++
	ws()
	return amount, currency, haveA && haveC && i == len(b)
}

// MoneyBag holds the same amount in the shop's currency and, where the buyer
// paid in another currency, in the presentment (buyer-facing) currency.
type MoneyBag struct {
	// Shop is the amount in the shop's (settlement) currency.
	Shop Money `json:"shop"`
	// Presentment is the amount in the currency shown to the buyer, when it
	// differs from the shop currency or the channel reports it.
	Presentment *Money `json:"presentment,omitempty"`
}

// Bag returns a MoneyBag holding only a shop amount.
func Bag(shop Money) MoneyBag { return MoneyBag{Shop: shop} }
