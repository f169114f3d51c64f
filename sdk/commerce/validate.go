package commerce

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// FieldError is one invalid field of a record, named by its JSON path.
type FieldError struct {
	// Field is the JSON path of the field, e.g. "lines[2].quantity".
	Field string `json:"field"`
	// Message says what is wrong and what a valid value looks like.
	Message string `json:"message"`
}

// ValidationError lists every invalid field of a record. Validate methods
// return it (or nil); use errors.As to get at the fields.
type ValidationError struct {
	// Kind is the record kind that failed, e.g. "order".
	Kind Kind `json:"kind"`
	// Fields are the invalid fields in the order they were found.
	Fields []FieldError `json:"fields"`
}

// Error joins the field errors into one line.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("commerce: invalid %s: %s", e.Kind, strings.Join(parts, "; "))
}

// checker accumulates field errors under a path prefix.
type checker struct {
	kind   Kind
	prefix string
	errs   *[]FieldError
}

func newChecker(kind Kind) checker {
	return checker{kind: kind, errs: new([]FieldError)}
}

// at returns a checker for a nested object.
func (c checker) at(field string) checker {
	p := field
	if c.prefix != "" {
		p = c.prefix + "." + field
	}
	return checker{kind: c.kind, prefix: p, errs: c.errs}
}

// index returns a checker for element i of a list field.
func (c checker) index(field string, i int) checker {
	return c.at(fmt.Sprintf("%s[%d]", field, i))
}

func (c checker) path(field string) string {
	if c.prefix == "" {
		return field
	}
	if field == "" {
		return c.prefix
	}
	return c.prefix + "." + field
}

func (c checker) fail(field, format string, args ...any) {
	*c.errs = append(*c.errs, FieldError{Field: c.path(field), Message: fmt.Sprintf(format, args...)})
}

func (c checker) err() error {
	if len(*c.errs) == 0 {
		return nil
	}
	return &ValidationError{Kind: c.kind, Fields: *c.errs}
}

func (c checker) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.fail(field, "is required")
	}
}

func (c checker) nonNegative(field string, n int) {
	if n < 0 {
		c.fail(field, "must not be negative (got %d)", n)
	}
}

func (c checker) time(field string, t time.Time) {
	if t.IsZero() {
		c.fail(field, "is required: an RFC 3339 time with zone, e.g. 2026-03-14T10:22:31-04:00")
	}
}

func (c checker) optTime(field string, t *time.Time) {
	if t != nil && t.IsZero() {
		c.fail(field, "must be an RFC 3339 time with zone or absent")
	}
}

// money checks currency validity and, when want is not empty, that the
// currency is want.
func (c checker) money(field string, m Money, want Currency) {
	c.decimal(field+".amount", m.Amount)
	if !m.Currency.Valid() {
		c.fail(field+".currency", "unknown currency %q: use an ISO 4217 code", string(m.Currency))
		return
	}
	if want != "" && m.Currency != want {
		c.fail(field+".currency", "is %s but this record's currency is %s", m.Currency, want)
	}
}

func (c checker) optMoney(field string, m *Money, want Currency) {
	if m != nil {
		c.money(field, *m, want)
	}
}

func (c checker) bag(field string, b MoneyBag, shop, presentment Currency) {
	c.money(field+".shop", b.Shop, shop)
	if b.Presentment != nil {
		c.money(field+".presentment", *b.Presentment, presentment)
	}
}

// sane reports whether d is within the range a commerce figure can have:
// at most 28 decimal places and 40 digits. Larger values come only from
// hostile or broken input and would cost unbounded memory to print.
func sane(d decimal.Decimal) bool {
	e := d.Exponent()
	return e >= -28 && e <= 28 && d.Coefficient().BitLen() <= 133
}

func (c checker) decimal(field string, d decimal.Decimal) {
	if !sane(d) {
		c.fail(field, "is out of range: at most 40 digits and 28 decimal places")
	}
}

func (c checker) nonNegativeDecimal(field string, d decimal.Decimal) {
	c.decimal(field, d)
	if d.IsNegative() {
		c.fail(field, "must not be negative (got %s)", d)
	}
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

func (c checker) country(field, v string) {
	if v != "" && !countryRE.MatchString(v) {
		c.fail(field, "%q is not an ISO 3166-1 alpha-2 country code such as DE or US", v)
	}
}

var hsRE = regexp.MustCompile(`^[0-9]{6}([0-9]{2,4})?$`)

func (c checker) hsCode(field, v string) {
	if v != "" && !hsRE.MatchString(v) {
		c.fail(field, "%q is not an HS code: 6 digits, optionally 8 or 10 with a national extension, no dots", v)
	}
}

func (c checker) oneOf(field, v string, allowed ...string) {
	if v == "" {
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.fail(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

// meta checks the source reference and version common to every record.
func (c checker) meta(m Meta) {
	c.required("source.connection", m.Source.Connection)
	c.required("source.external_id", m.Source.ExternalID)
	c.time("updated_at", m.UpdatedAt)
}
