package customs

import (
	"errors"
	"fmt"
	"strings"
)

// Errors that HS validation and quotes wrap; test with errors.Is.
var (
	// ErrInvalidHSCode: the code is not 6, 8 or 10 digits in a valid chapter.
	ErrInvalidHSCode = errors.New("customs: invalid HS code")
	// ErrUnknownHSCode: the code is well formed but the table does not know
	// its 6-digit subheading, or the national extension is not one the
	// destination's scheme defines under it.
	ErrUnknownHSCode = errors.New("customs: HS code not in the rule table")
	// ErrUnknownDestination: no regime of the table covers the destination.
	ErrUnknownDestination = errors.New("customs: destination not covered by the rule table")
	// ErrNoRule: no rule of the table is in force for the date (or the
	// table says the rules then in force are not modelled).
	ErrNoRule = errors.New("customs: no rule in force")
)

// HSCode is a validated HS code.
type HSCode struct {
	// Code is the code without dots or spaces: 6, 8 or 10 digits.
	Code string
	// HS6 is the international 6-digit subheading.
	HS6 string
	// Scheme is "HS6" for a 6-digit code, else the destination's national
	// scheme (EU-CN8, UK, US-HTS ...).
	Scheme string
	// Description is the subheading's description in the table.
	Description string
}

// NormalizeHS strips the dots and spaces people write HS codes with
// ("6109.10.00", "6109 10 00").
func NormalizeHS(code string) string {
	return strings.NewReplacer(".", "", " ", "").Replace(strings.TrimSpace(code))
}

// ValidateHS checks an HS code for a destination regime: digits only, 6, 8
// or 10 long, chapter 01–97 (77 is reserved), its 6-digit subheading known
// to the table, and, when longer than 6 digits and the regime's scheme lists
// national codes under the subheading, starting with one of them.
func (t *Table) ValidateHS(code string, r *Regime) (HSCode, error) {
	c := NormalizeHS(code)
	if !digits(c) || (len(c) != 6 && len(c) != 8 && len(c) != 10) {
		return HSCode{}, fmt.Errorf("%w: %q must be 6, 8 or 10 digits (dots and spaces are ignored)", ErrInvalidHSCode, code)
	}
	ch := c[:2]
	if ch == "00" || ch == "77" || ch > "97" {
		return HSCode{}, fmt.Errorf("%w: %q: chapter %s does not exist (chapters run 01–97, 77 is reserved)", ErrInvalidHSCode, code, ch)
	}
	e, ok := t.hs6[c[:6]]
	if !ok {
		return HSCode{}, fmt.Errorf("%w: subheading %s (from %q) has no duty data in table %s; classify the item under a known code or extend the table",
			ErrUnknownHSCode, c[:6], code, t.Version)
	}
	h := HSCode{Code: c, HS6: c[:6], Scheme: "HS6", Description: e.Description}
	if len(c) > 6 && r != nil {
		h.Scheme = r.Scheme
		if known := e.National[r.Scheme]; len(known) > 0 {
			match := false
			for _, k := range known {
				if strings.HasPrefix(c, k) {
					match = true
				}
			}
			if !match {
				return HSCode{}, fmt.Errorf("%w: %q is not a %s code under %s (known: %s); send the 6-digit %s or a listed code",
					ErrUnknownHSCode, code, r.Scheme, c[:6], strings.Join(known, ", "), c[:6])
			}
		}
	}
	return h, nil
}
