package fx

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// EUR is the euro, the base of every ECB reference rate.
const EUR = commerce.Currency("EUR")

// Errors a lookup or a conversion wraps; test with errors.Is. The connector
// returns them inside an sdk InvalidInput error.
var (
	// ErrNoRate: the ECB did not publish the currency on the publication day
	// used (it never publishes KWD; BGN stopped when Bulgaria adopted the
	// euro on 2026-01-01).
	ErrNoRate = errors.New("fx: no ECB reference rate for the currency")
	// ErrBeforeSeries: the date is before the first publication day held
	// (the ECB series starts on 1999-01-04).
	ErrBeforeSeries = errors.New("fx: date is before the first published reference rate")
	// ErrFutureDate: the date is after today in Frankfurt, so its rate is not
	// known yet.
	ErrFutureDate = errors.New("fx: date is in the future")
)

// Day is one publication day: how many units of each currency one euro buys.
type Day struct {
	// Date is the reference (publication) date, a civil date in Frankfurt.
	Date commerce.Date
	// Rates maps a currency to the units of it one EUR buys. EUR itself is
	// not listed; Rate returns 1 for it.
	Rates map[commerce.Currency]decimal.Decimal
}

// Rate returns the units of c that one EUR buys on d, or an error wrapping
// ErrNoRate that names the currencies published that day.
func (d Day) Rate(c commerce.Currency) (decimal.Decimal, error) {
	if c == EUR {
		return decimal.NewFromInt(1), nil
	}
	r, ok := d.Rates[c]
	if !ok {
		hint := ""
		if e, ok := discontinued[c]; ok && !d.Date.Before(e.from) {
			hint = "; " + e.note
		}
		return decimal.Decimal{}, fmt.Errorf("%w: the ECB published no %s rate for %s (it published %s)%s",
			ErrNoRate, c, d.Date, strings.Join(d.Currencies(), " "), hint)
	}
	return r, nil
}

// Currencies lists the currencies published on d, sorted, without EUR.
func (d Day) Currencies() []string {
	cs := make([]string, 0, len(d.Rates))
	for c := range d.Rates {
		cs = append(cs, string(c))
	}
	sort.Strings(cs)
	return cs
}

// discontinued explains why a currency the ECB once published is missing.
var discontinued = map[commerce.Currency]struct {
	from commerce.Date
	note string
}{
	"BGN": {commerce.Date{Year: 2026, Month: 1, Day: 1}, "Bulgaria adopted the euro on 2026-01-01 at the irrevocable rate 1.95583 BGN = 1 EUR; price in EUR"},
	"HRK": {commerce.Date{Year: 2023, Month: 1, Day: 1}, "Croatia adopted the euro on 2023-01-01 at the irrevocable rate 7.53450 HRK = 1 EUR; price in EUR"},
	"RUB": {commerce.Date{Year: 2022, Month: 3, Day: 2}, "the ECB suspended the RUB reference rate on 2022-03-02"},
}

// Table is a series of publication days, oldest first. It is immutable once
// built and safe for concurrent use.
type Table struct {
	days []Day
}

// NewTable sorts days by date and checks that no date appears twice.
func NewTable(days []Day) (*Table, error) {
	ds := append([]Day(nil), days...)
	sort.Slice(ds, func(i, j int) bool { return ds[i].Date.Before(ds[j].Date) })
	for i := 1; i < len(ds); i++ {
		if ds[i].Date == ds[i-1].Date {
			return nil, fmt.Errorf("fx: publication day %s appears twice", ds[i].Date)
		}
	}
	return &Table{days: ds}, nil
}

// Len returns the number of publication days.
func (t *Table) Len() int { return len(t.days) }

// Days returns the publication days, oldest first. Do not modify them.
func (t *Table) Days() []Day { return t.days }

// First returns the oldest publication date, or the zero Date for an empty table.
func (t *Table) First() commerce.Date {
	if len(t.days) == 0 {
		return commerce.Date{}
	}
	return t.days[0].Date
}

// Last returns the newest publication date, or the zero Date for an empty table.
func (t *Table) Last() commerce.Date {
	if len(t.days) == 0 {
		return commerce.Date{}
	}
	return t.days[len(t.days)-1].Date
}

// On returns the last publication day on or before date: a weekend or a
// TARGET holiday (Good Friday, Easter Monday, 1 May, 25–26 December, 1
// January) resolves to the business day before it. The zero date means the
// latest day. A date before the first day is an error wrapping
// ErrBeforeSeries.
func (t *Table) On(date commerce.Date) (Day, error) {
	if len(t.days) == 0 {
		return Day{}, errors.New("fx: the rate table is empty")
	}
	if date.IsZero() {
		return t.days[len(t.days)-1], nil
	}
	// The first day strictly after date, minus one.
	i := sort.Search(len(t.days), func(i int) bool { return t.days[i].Date.After(date) })
	if i == 0 {
		return Day{}, fmt.Errorf("%w: %s is before %s, the first publication day held", ErrBeforeSeries, date, t.days[0].Date)
	}
	return t.days[i-1], nil
}

// Merge returns a table holding the days of t and o; where both hold a date,
// o's day wins (a fresher download of the same feed).
func (t *Table) Merge(o *Table) *Table {
	byDate := make(map[commerce.Date]Day, len(t.days)+len(o.days))
	for _, d := range t.days {
		byDate[d.Date] = d
	}
	for _, d := range o.days {
		byDate[d.Date] = d
	}
	days := make([]Day, 0, len(byDate))
	for _, d := range byDate {
		days = append(days, d)
	}
	m, _ := NewTable(days) // dates are unique by construction
	return m
}

// Conversion is the result of converting an amount through EUR.
type Conversion struct {
	// From is the amount converted.
	From commerce.Money `json:"from"`
	// Amount is the result, rounded to the target currency's minor units.
	Amount commerce.Money `json:"amount"`
	// Exact is the unrounded result to 28 decimal places (for audit).
	Exact decimal.Decimal `json:"exact"`
	// CrossRate is rate[to] / rate[from] to 20 decimal places, for display:
	// the conversion itself never rounds the cross rate.
	CrossRate decimal.Decimal `json:"cross_rate"`
	// Date is the publication day whose rates were used.
	Date commerce.Date `json:"date"`
	// Requested is the date asked for (zero for "latest").
	Requested commerce.Date `json:"requested,omitzero"`
	// Rounding is the rounding mode applied.
	Rounding string `json:"rounding"`
}

// Convert converts m into currency to with the rates of the last publication
// day on or before date (zero: latest), rounding to to's minor units with
// mode. See Day.Convert.
func (t *Table) Convert(m commerce.Money, to commerce.Currency, date commerce.Date, mode commerce.RoundingMode) (*Conversion, error) {
	d, err := t.On(date)
	if err != nil {
		return nil, err
	}
	c, err := d.Convert(m, to, mode)
	if err != nil {
		return nil, err
	}
	c.Requested = date
	return c, nil
}

// Convert converts m into currency to with d's rates: m / rate[from] ×
// rate[to], computed exactly and rounded once, to to's ISO 4217 minor units,
// with mode. The cross rate is never rounded on the way.
func (d Day) Convert(m commerce.Money, to commerce.Currency, mode commerce.RoundingMode) (*Conversion, error) {
	if !m.Currency.Valid() {
		return nil, fmt.Errorf("fx: convert: unknown currency %q: use an ISO 4217 code", string(m.Currency))
	}
	if !to.Valid() {
		return nil, fmt.Errorf("fx: convert: unknown target currency %q: use an ISO 4217 code", string(to))
	}
	rf, err := d.Rate(m.Currency)
	if err != nil {
		return nil, err
	}
	rt, err := d.Rate(to)
	if err != nil {
		return nil, err
	}
	num := m.Amount.Mul(rt)
	places := int32(to.MinorUnits())
	return &Conversion{
		From:      m,
		Amount:    commerce.Money{Amount: RoundQuo(num, rf, places, mode), Currency: to},
		Exact:     num.DivRound(rf, 28),
		CrossRate: rt.DivRound(rf, 20),
		Date:      d.Date,
		Rounding:  mode.String(),
	}, nil
}

// RoundQuo returns num / den rounded to places decimal places with mode,
// exactly: the rounding decision looks at the true remainder, so a quotient
// that does not terminate can never be mistaken for a tie. den must not be
// zero.
func RoundQuo(num, den decimal.Decimal, places int32, mode commerce.RoundingMode) decimal.Decimal {
	neg := num.Sign()*den.Sign() < 0
	num, den = num.Abs(), den.Abs()
	q, r := num.QuoRem(den, places) // num = den*q + r, 0 <= r < den*ulp
	if r.IsZero() {
		if neg {
			return q.Neg()
		}
		return q
	}
	ulp := decimal.New(1, -places)
	// Compare r with half an ulp of the quotient: 2r against den*ulp.
	cmp := r.Mul(decimal.NewFromInt(2)).Cmp(den.Mul(ulp))
	up := false
	switch mode {
	case commerce.RoundDown:
	case commerce.RoundUp:
		up = true
	case commerce.RoundHalfUp:
		up = cmp >= 0
	default: // half-even
		if cmp > 0 {
			up = true
		} else if cmp == 0 {
			// Tie: round to the even last digit.
			up = q.Shift(places).Mod(decimal.NewFromInt(2)).Equal(decimal.NewFromInt(1))
		}
	}
	if up {
		q = q.Add(ulp)
	}
	if neg {
		return q.Neg()
	}
	return q
}
