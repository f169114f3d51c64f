package commerce

import (
	"fmt"
	"strings"
)

// Currency is an ISO 4217 alphabetic currency code such as "EUR".
type Currency string

type currencyInfo struct {
	numeric    string
	minorUnits int
	name       string
	fund       bool
}

// ParseCurrency returns the currency for an ISO 4217 code, accepting any
// letter case. Unknown codes are an error.
func ParseCurrency(code string) (Currency, error) {
	c := Currency(strings.ToUpper(strings.TrimSpace(code)))
	if !c.Valid() {
		return "", fmt.Errorf("commerce: unknown currency %q: use an ISO 4217 code such as EUR or USD", code)
	}
	return c, nil
}

// Valid reports whether c is a known ISO 4217 code with minor units (money
// can be kept in it).
func (c Currency) Valid() bool {
	info, ok := currencyTable[c]
	return ok && info.minorUnits >= 0
}

// MinorUnits returns the number of decimal places of c's minor unit (2 for
// EUR, 0 for JPY, 3 for KWD), or -1 for an unknown code.
func (c Currency) MinorUnits() int {
	info, ok := currencyTable[c]
	if !ok {
		return -1
	}
	return info.minorUnits
}

// Name returns the ISO 4217 name of c, or "" for an unknown code.
func (c Currency) Name() string { return currencyTable[c].name }

// Numeric returns the ISO 4217 numeric code of c, or "" for an unknown code.
func (c Currency) Numeric() string { return currencyTable[c].numeric }

// String returns the code.
func (c Currency) String() string { return string(c) }
