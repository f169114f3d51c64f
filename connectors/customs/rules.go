package customs

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

//go:embed rules/tariff.json
var tariffJSON []byte

// Table is the rule table: HS nomenclature, customs regimes, dated duty,
// tax, preference, surcharge and low-value rules. Load it with LoadTable or
// use DefaultTable. It is immutable and safe for concurrent use.
type Table struct {
	// Version and Published identify the table; quotes name them.
	Version   string        `json:"version"`
	Published commerce.Date `json:"published"`
	// Disclaimer says what the table is and is not.
	Disclaimer  string            `json:"disclaimer"`
	Sources     map[string]string `json:"sources"`
	HS          []HSEntry         `json:"hs"`
	Regimes     []Regime          `json:"regimes"`
	Duties      []DutyRule        `json:"duties"`
	Preferences []DutyRule        `json:"preferences"`
	Surcharges  []DutyRule        `json:"surcharges"`
	Taxes       []TaxRule         `json:"taxes"`
	LowValue    []LowValueRule    `json:"low_value"`
	// Gaps are periods whose rules the table knows it does not model:
	// quotes dated in them fail rather than understate.
	Gaps []Gap `json:"gaps"`

	hs6 map[string]*HSEntry
}

// HSEntry is one 6-digit HS subheading the table knows, with the national
// codes (or code prefixes) each scheme defines under it.
type HSEntry struct {
	HS6         string              `json:"hs6"`
	Description string              `json:"description"`
	National    map[string][]string `json:"national"`
}

// Regime is a customs territory: one or more destination countries sharing
// a tariff, a currency for thresholds and a valuation basis.
type Regime struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Currency  commerce.Currency `json:"currency"`
	Countries []string          `json:"countries"`
	// Scheme names the national HS extension, e.g. EU-CN8.
	Scheme string `json:"scheme"`
	// Model selects the regime's low-value logic: eu, gb, au, ca or us.
	Model string `json:"model"`
	// Valuation is CIF (goods + transport + insurance) or FOB (goods).
	Valuation string `json:"valuation"`
}

// Dated is the validity of a rule: from EffectiveFrom to EffectiveTo
// inclusive (open when nil).
type Dated struct {
	EffectiveFrom commerce.Date  `json:"effective_from"`
	EffectiveTo   *commerce.Date `json:"effective_to"`
}

// In reports whether the rule is in force on d.
func (r Dated) In(d commerce.Date) bool {
	return !d.Before(r.EffectiveFrom) && (r.EffectiveTo == nil || !d.After(*r.EffectiveTo))
}

// SpecificDuty is an amount per quantity of goods.
type SpecificDuty struct {
	Amount   decimal.Decimal   `json:"amount"`
	Currency commerce.Currency `json:"currency"`
	// PerKg is the net weight the amount is per, in kg (e.g. 100).
	PerKg decimal.Decimal `json:"per_kg"`
}

// DutyRule is an ad valorem and/or specific duty for goods whose HS code
// starts with HSPrefix (duties), originating in Origins (preferences), or
// on every import (surcharges).
type DutyRule struct {
	ID          string           `json:"id"`
	Regime      string           `json:"regime"`
	HSPrefix    string           `json:"hs_prefix,omitempty"`
	Origins     []string         `json:"origins,omitempty"`
	AdValorem   *decimal.Decimal `json:"ad_valorem,omitempty"`
	Specific    *SpecificDuty    `json:"specific,omitempty"`
	Description string           `json:"description"`
	Source      string           `json:"source"`
	Verified    bool             `json:"verified"`
	Dated
}

// TaxRule is a VAT, GST, HST, PST or QST rate of a country or province.
type TaxRule struct {
	ID          string          `json:"id"`
	Country     string          `json:"country"`
	Subdivision string          `json:"subdivision"`
	Type        string          `json:"type"`
	Rate        decimal.Decimal `json:"rate"`
	Source      string          `json:"source"`
	Verified    bool            `json:"verified"`
	Dated
}

// FlatDuty is a fixed duty per distinct HS subheading for consignments
// below a value.
type FlatDuty struct {
	Amount decimal.Decimal `json:"amount"`
	Per    string          `json:"per"`
	Below  decimal.Decimal `json:"below"`
}

// LowValueRule is a regime's de minimis / low-value regime for a period.
// Thresholds are in the regime's currency; nil means no relief.
type LowValueRule struct {
	ID             string           `json:"id"`
	Regime         string           `json:"regime"`
	Origins        []string         `json:"origins,omitempty"`
	DutyThreshold  *decimal.Decimal `json:"duty_threshold"`
	TaxThreshold   *decimal.Decimal `json:"tax_threshold"`
	IOSSMax        *decimal.Decimal `json:"ioss_max,omitempty"`
	PointOfSaleMax *decimal.Decimal `json:"point_of_sale_max,omitempty"`
	FlatDuty       *FlatDuty        `json:"flat_duty,omitempty"`
	Unmodelled     string           `json:"unmodelled,omitempty"`
	Description    string           `json:"description"`
	Source         string           `json:"source"`
	Dated
}

// Gap is a period of a regime whose rules the table does not model.
type Gap struct {
	ID     string `json:"id"`
	Regime string `json:"regime"`
	Reason string `json:"reason"`
	Source string `json:"source"`
	Dated
}

// DefaultTable is the table the connector ships.
var DefaultTable = mustLoad(tariffJSON)

func mustLoad(b []byte) *Table {
	t, err := LoadTable(b)
	if err != nil {
		panic(err)
	}
	return t
}

// LoadTable parses and checks a rule table: every rule needs an id, a
// regime (or country) the table defines, a start date before its end, and a
// source the table lists; HS entries need six digits.
func LoadTable(b []byte) (*Table, error) {
	var t Table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("customs: rule table: %w", err)
	}
	if t.Version == "" || t.Published.IsZero() {
		return nil, errors.New("customs: rule table: version and published are required")
	}
	t.hs6 = map[string]*HSEntry{}
	for i := range t.HS {
		h := &t.HS[i]
		if len(h.HS6) != 6 || !digits(h.HS6) {
			return nil, fmt.Errorf("customs: rule table: hs[%d] %q is not six digits", i, h.HS6)
		}
		t.hs6[h.HS6] = h
	}
	regimes := map[string]bool{}
	countries := map[string]bool{}
	for _, r := range t.Regimes {
		if !r.Currency.Valid() || (r.Valuation != "CIF" && r.Valuation != "FOB") {
			return nil, fmt.Errorf("customs: rule table: regime %s: bad currency %q or valuation %q", r.ID, r.Currency, r.Valuation)
		}
		regimes[r.ID] = true
		for _, c := range r.Countries {
			countries[c] = true
		}
	}
	ids := map[string]bool{}
	check := func(kind, id, regime, source string, d Dated) error {
		if id == "" || ids[id] {
			return fmt.Errorf("customs: rule table: %s rule id %q is empty or repeated", kind, id)
		}
		ids[id] = true
		if !regimes[regime] && !countries[regime] {
			return fmt.Errorf("customs: rule table: %s %s: unknown regime or country %q", kind, id, regime)
		}
		if _, ok := t.Sources[source]; !ok {
			return fmt.Errorf("customs: rule table: %s %s: source %q is not listed in sources", kind, id, source)
		}
		if d.EffectiveFrom.IsZero() || (d.EffectiveTo != nil && d.EffectiveTo.Before(d.EffectiveFrom)) {
			return fmt.Errorf("customs: rule table: %s %s: effective dates are missing or reversed", kind, id)
		}
		return nil
	}
	for _, list := range []struct {
		kind  string
		rules []DutyRule
	}{{"duty", t.Duties}, {"preference", t.Preferences}, {"surcharge", t.Surcharges}} {
		for _, r := range list.rules {
			if err := check(list.kind, r.ID, r.Regime, r.Source, r.Dated); err != nil {
				return nil, err
			}
			if r.AdValorem == nil && r.Specific == nil {
				return nil, fmt.Errorf("customs: rule table: %s %s has neither ad_valorem nor specific", list.kind, r.ID)
			}
		}
	}
	for _, r := range t.Taxes {
		if err := check("tax", r.ID, r.Country, r.Source, r.Dated); err != nil {
			return nil, err
		}
	}
	for _, r := range t.LowValue {
		if err := check("low_value", r.ID, r.Regime, r.Source, r.Dated); err != nil {
			return nil, err
		}
	}
	for _, g := range t.Gaps {
		if err := check("gap", g.ID, g.Regime, g.Source, g.Dated); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// RegimeOf returns the regime of a destination country.
func (t *Table) RegimeOf(country string) (*Regime, bool) {
	for i := range t.Regimes {
		for _, c := range t.Regimes[i].Countries {
			if c == country {
				return &t.Regimes[i], true
			}
		}
	}
	return nil, false
}

// Destinations lists the destination countries the table covers, sorted.
func (t *Table) Destinations() []string {
	var out []string
	for _, r := range t.Regimes {
		out = append(out, r.Countries...)
	}
	sort.Strings(out)
	return out
}

// duty returns the duty rule of the longest HS prefix matching code in
// force on d.
func (t *Table) duty(regime, code string, d commerce.Date) (*DutyRule, bool) {
	var best *DutyRule
	for i := range t.Duties {
		r := &t.Duties[i]
		if r.Regime == regime && strings.HasPrefix(code, r.HSPrefix) && r.In(d) && (best == nil || len(r.HSPrefix) > len(best.HSPrefix)) {
			best = r
		}
	}
	return best, best != nil
}

func (t *Table) preference(regime, origin string, d commerce.Date) (*DutyRule, bool) {
	for i := range t.Preferences {
		r := &t.Preferences[i]
		if r.Regime == regime && r.In(d) && contains(r.Origins, origin) {
			return r, true
		}
	}
	return nil, false
}

func (t *Table) surcharges(regime string, d commerce.Date) []*DutyRule {
	var out []*DutyRule
	for i := range t.Surcharges {
		if r := &t.Surcharges[i]; r.Regime == regime && r.In(d) {
			out = append(out, r)
		}
	}
	return out
}

// taxes returns the tax rules of a country (and province) in force on d:
// the country's rule, replaced by a province's HST where there is one, plus
// provincial PST/QST.
func (t *Table) taxes(country, subdivision string, d commerce.Date) []*TaxRule {
	var national, hst *TaxRule
	var extra []*TaxRule
	for i := range t.Taxes {
		r := &t.Taxes[i]
		if r.Country != country || !r.In(d) {
			continue
		}
		switch {
		case r.Subdivision == "":
			national = r
		case r.Subdivision == subdivision && r.Type == "HST":
			hst = r
		case r.Subdivision == subdivision:
			extra = append(extra, r)
		}
	}
	if hst != nil {
		return []*TaxRule{hst}
	}
	if national == nil {
		return nil
	}
	return append([]*TaxRule{national}, extra...)
}

func (t *Table) lowValue(regime, origin string, d commerce.Date) (*LowValueRule, bool) {
	var fallback *LowValueRule
	for i := range t.LowValue {
		r := &t.LowValue[i]
		if r.Regime != regime || !r.In(d) {
			continue
		}
		if len(r.Origins) == 0 {
			if fallback == nil {
				fallback = r
			}
			continue
		}
		if contains(r.Origins, origin) {
			return r, true
		}
	}
	return fallback, fallback != nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
