package commerce

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar day with no time of day, such as an FX reference date
// or an order-by date. Timestamps use time.Time with a zone instead.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("commerce: date %q is not YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns the start of the day d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns d plus n days.
func (d Date) AddDays(n int) Date { return DateOf(d.In(time.UTC).AddDate(0, 0, n)) }

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.In(time.UTC).Before(o.In(time.UTC)) }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.In(time.UTC).After(o.In(time.UTC)) }

// DaysUntil returns the number of days from d to o (negative if o is before d).
func (d Date) DaysUntil(o Date) int {
	return int(o.In(time.UTC).Sub(d.In(time.UTC)).Hours() / 24)
}

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// String formats d as "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalJSON writes "2006-01-02", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "2006-01-02" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("commerce: date must be a string \"YYYY-MM-DD\": %w", err)
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}
