package customs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Incoterms of a quote.
const (
	// DDP: delivered duty paid; the seller pays duties and taxes.
	DDP = "DDP"
	// DAP: delivered at place; the buyer pays duties and border taxes on
	// delivery.
	DAP = "DAP"
)

// line is one item in the regime's currency.
type line struct {
	out    commerce.LandedCostItem
	hs     HSCode
	value  commerce.Money // line value in the regime currency, exact
	origin string
	kg     *decimal.Decimal
}

// assessed is one charge in the regime currency, rounded.
type assessed struct {
	commerce.Charge
	group    string // duty, tax or fee
	atBorder bool   // collected at import (due at delivery under DAP)
}

// quote carries one computation.
type quote struct {
	t           *Table
	req         sdk.LandedCostRequest
	asOf        commerce.Date
	regime      *Regime
	country     string
	subdivision string
	conv        *converter
	lines       []line
	goods       commerce.Money // intrinsic value, regime currency
	shipping    commerce.Money
	insurance   commerce.Money
	charges     []assessed
	deMinimis   []commerce.DeMinimis
}

// Quote computes a landed-cost quote with table t. today is the date used
// when req.AsOf is zero. Errors are *sdk.Error of kind InvalidInput naming
// the bad field, and wrap ErrInvalidHSCode, ErrUnknownHSCode,
// ErrUnknownDestination or ErrNoRule where those apply.
func Quote(t *Table, req sdk.LandedCostRequest, today commerce.Date) (*commerce.LandedCost, error) {
	q := &quote{t: t, req: req, asOf: req.AsOf}
	if q.asOf.IsZero() {
		q.asOf = today
	}
	if err := q.prepare(); err != nil {
		return nil, err
	}
	for _, g := range t.Gaps {
		if g.Regime == q.regime.ID && g.In(q.asOf) {
			return nil, invalid(ErrNoRule, "customs: %s on %s: %v: %s (%s, %s to %s)", q.regime.ID, q.asOf, ErrNoRule, g.Reason, g.ID, g.EffectiveFrom, g.EffectiveTo)
		}
	}
	var err error
	switch q.regime.Model {
	case "eu":
		err = q.eu()
	case "gb":
		err = q.pointOfSaleModel()
	case "au":
		err = q.pointOfSaleModel()
	case "ca":
		err = q.ca()
	case "us":
		err = q.us()
	default:
		err = fmt.Errorf("customs: regime %s has unknown model %q", q.regime.ID, q.regime.Model)
	}
	if err != nil {
		return nil, asInput(err)
	}
	return q.result()
}

func asInput(err error) error {
	if _, ok := err.(*sdk.Error); ok {
		return err
	}
	return &sdk.Error{Kind: sdk.KindInvalidInput, Message: err.Error(), Cause: err}
}

func invalid(cause error, format string, args ...any) error {
	return &sdk.Error{Kind: sdk.KindInvalidInput, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// prepare validates the request and converts its values to the regime
// currency.
func (q *quote) prepare() error {
	r := q.req
	if r.Incoterm != DDP && r.Incoterm != DAP {
		return invalid(nil, "customs: incoterm %q must be DDP or DAP", r.Incoterm)
	}
	if !r.Currency.Valid() {
		return invalid(nil, "customs: currency %q is not an ISO 4217 code", string(r.Currency))
	}
	if len(r.OriginCountry) != 2 || strings.ToUpper(r.OriginCountry) != r.OriginCountry {
		return invalid(nil, "customs: origin_country %q must be an ISO 3166-1 alpha-2 code such as US", r.OriginCountry)
	}
	q.country, q.subdivision, _ = strings.Cut(strings.ToUpper(r.DestinationCountry), "-")
	reg, ok := q.t.RegimeOf(q.country)
	if !ok {
		return invalid(ErrUnknownDestination, "customs: destination %q: %v; the table covers %s", r.DestinationCountry, ErrUnknownDestination, strings.Join(q.t.Destinations(), " "))
	}
	q.regime = reg
	conv, err := newConverter(r.FXRates)
	if err != nil {
		return err
	}
	q.conv = conv
	if len(r.Items) == 0 {
		return invalid(nil, "customs: items: at least one item is required")
	}
	q.goods = commerce.Zero(reg.Currency)
	for i, it := range r.Items {
		hs, err := q.t.ValidateHS(it.HSCode, reg)
		if err != nil {
			return invalid(err, "customs: items[%d] (%s): %v", i, it.SKU, err)
		}
		if it.Quantity < 1 {
			return invalid(nil, "customs: items[%d] (%s): quantity %d must be at least 1", i, it.SKU, it.Quantity)
		}
		value := it.LineValue
		if value.Currency == "" {
			if !it.UnitPrice.Currency.Valid() {
				return invalid(nil, "customs: items[%d] (%s): give unit_price or line_value with a currency", i, it.SKU)
			}
			value = it.UnitPrice.MulInt(it.Quantity)
		}
		if !value.Currency.Valid() || value.IsNegative() {
			return invalid(nil, "customs: items[%d] (%s): line value %s must be non-negative money in an ISO 4217 currency", i, it.SKU, value)
		}
		inC, err := q.conv.convert(value, reg.Currency)
		if err != nil {
			return err
		}
		origin := it.CountryOfOrigin
		if origin == "" {
			origin = r.OriginCountry
		}
		l := line{hs: hs, value: inC, origin: origin}
		if it.Weight != nil {
			w, err := it.Weight.To(commerce.Kilograms)
			if err != nil || w.Value.IsNegative() {
				return invalid(nil, "customs: items[%d] (%s): weight: must be a non-negative weight in g, kg, lb or oz", i, it.SKU)
			}
			l.kg = &w.Value
		}
		out := it
		out.HSCode, out.HS6, out.HSCodeScheme, out.CountryOfOrigin = hs.Code, hs.HS6, hs.Scheme, origin
		if out.LineValue, err = q.toQuote(value); err != nil {
			return err
		}
		unit := it.UnitPrice
		if unit.Currency == "" {
			unit = commerce.Money{Amount: value.Amount.DivRound(decimal.NewFromInt(int64(it.Quantity)), fxPrecision), Currency: value.Currency}
		}
		if out.UnitPrice, err = q.toQuote(unit); err != nil {
			return err
		}
		l.out = out
		q.lines = append(q.lines, l)
		q.goods, _ = q.goods.Add(inC)
	}
	if !r.Shipping.Currency.Valid() || r.Shipping.IsNegative() {
		return invalid(nil, "customs: shipping must be non-negative money with a currency (0 in the quote currency when free)")
	}
	if q.shipping, err = q.conv.convert(r.Shipping, reg.Currency); err != nil {
		return err
	}
	ins := r.Insurance
	if ins.Currency == "" && ins.IsZero() {
		ins = commerce.Zero(r.Currency)
	}
	if !ins.Currency.Valid() || ins.IsNegative() {
		return invalid(nil, "customs: insurance must be non-negative money with a currency")
	}
	q.insurance, err = q.conv.convert(ins, reg.Currency)
	return err
}

// toQuote converts money to the quote currency, rounded half-up.
func (q *quote) toQuote(m commerce.Money) (commerce.Money, error) {
	c, err := q.conv.convert(m, q.req.Currency)
	if err != nil {
		return commerce.Money{}, err
	}
	return round(c), nil
}

func (q *quote) money(d decimal.Decimal) commerce.Money {
	return commerce.Money{Amount: d, Currency: q.regime.Currency}
}

func (q *quote) threshold(d *decimal.Decimal) *commerce.Money {
	if d == nil {
		return nil
	}
	m := q.money(*d)
	return &m
}

func ruleName(id string, d Dated) string {
	return id + " (in force from " + d.EffectiveFrom.String() + ")"
}

// lowValue returns the regime's low-value rule in force, or ErrNoRule.
func (q *quote) lowValue() (*LowValueRule, error) {
	lv, ok := q.t.lowValue(q.regime.ID, q.req.OriginCountry, q.asOf)
	if !ok {
		return nil, fmt.Errorf("%w: table %s has no %s low-value rule for %s", ErrNoRule, q.t.Version, q.regime.ID, q.asOf)
	}
	return lv, nil
}

func (q *quote) cif() commerce.Money {
	return q.money(q.goods.Amount.Add(q.shipping.Amount).Add(q.insurance.Amount))
}

// duties assesses each line's duty (ad valorem on the regime's valuation
// basis, specific per weight), CUSMA-style preferences and surcharges.
func (q *quote) duties() error {
	transport := q.shipping.Amount.Add(q.insurance.Amount)
	basis := q.regime.Valuation
	for i, l := range q.lines {
		base := l.value.Amount
		if basis == "CIF" && q.goods.Amount.IsPositive() {
			base = base.Add(transport.Mul(l.value.Amount).DivRound(q.goods.Amount, fxPrecision))
		}
		baseM := round(q.money(base))
		rule, ok := q.t.duty(q.regime.ID, l.hs.Code, q.asOf)
		if !ok {
			return fmt.Errorf("%w: items[%d]: no %s duty rate for HS %s on %s in table %s", ErrNoRule, i, q.regime.ID, l.hs.Code, q.asOf, q.t.Version)
		}
		if pref, ok := q.t.preference(q.regime.ID, l.origin, q.asOf); ok {
			rule = pref
		}
		sku := l.out.SKU
		if rule.AdValorem != nil {
			rate := *rule.AdValorem
			q.add(assessed{group: "duty", atBorder: true, Charge: commerce.Charge{Type: "DUTY", ItemSKU: sku,
				Description: rule.Description + " on HS " + l.hs.Code, Rate: &rate, Basis: basis, Base: &baseM,
				Amount: round(q.money(base.Mul(rate))), Rule: ruleName(rule.ID, rule.Dated), EffectiveFrom: rule.EffectiveFrom}})
		}
		if s := rule.Specific; s != nil {
			if l.kg == nil {
				return fmt.Errorf("customs: items[%d] (%s): HS %s has a specific duty per %s kg (%s); give the line's net weight", i, sku, l.hs.Code, s.PerKg, rule.ID)
			}
			amt, err := q.conv.convert(commerce.Money{Amount: s.Amount.Mul(*l.kg).DivRound(s.PerKg, fxPrecision), Currency: s.Currency}, q.regime.Currency)
			if err != nil {
				return err
			}
			q.add(assessed{group: "duty", atBorder: true, Charge: commerce.Charge{Type: "DUTY", ItemSKU: sku,
				Description: fmt.Sprintf("%s: %s kg net", rule.Description, l.kg.String()), Basis: "net weight",
				Amount: round(amt), Rule: ruleName(rule.ID, rule.Dated), EffectiveFrom: rule.EffectiveFrom}})
		}
		for _, sc := range q.t.surcharges(q.regime.ID, q.asOf) {
			rate := *sc.AdValorem
			q.add(assessed{group: "duty", atBorder: true, Charge: commerce.Charge{Type: "DUTY", ItemSKU: sku,
				Description: sc.Description, Rate: &rate, Basis: basis, Base: &baseM,
				Amount: round(q.money(base.Mul(rate))), Rule: ruleName(sc.ID, sc.Dated), EffectiveFrom: sc.EffectiveFrom}})
		}
	}
	return nil
}

func (q *quote) dutyTotal() decimal.Decimal {
	d := decimal.Zero
	for _, c := range q.charges {
		if c.group == "duty" {
			d = d.Add(c.Amount.Amount)
		}
	}
	return d
}

// taxes assesses the destination's VAT/GST (and provincial taxes) on base.
func (q *quote) taxes(base commerce.Money, basis string, atBorder bool, via string) error {
	rules := q.t.taxes(q.country, q.subdivision, q.asOf)
	if len(rules) == 0 {
		return fmt.Errorf("%w: table %s has no VAT/GST rate for %s on %s", ErrNoRule, q.t.Version, q.req.DestinationCountry, q.asOf)
	}
	for _, r := range rules {
		rate := r.Rate
		b := round(base)
		desc := fmt.Sprintf("%s %s%% on %s", r.Type, rate.Shift(2).String(), basis)
		if !atBorder {
			desc += ", collected at the point of sale"
		}
		name := ruleName(r.ID, r.Dated)
		if via != "" {
			name += " via " + via
		}
		if !r.Verified {
			desc += " (rate not verified)"
		}
		q.add(assessed{group: "tax", atBorder: atBorder, Charge: commerce.Charge{Type: r.Type, Description: desc, Rate: &rate,
			Basis: basis, Base: &b, Amount: round(q.money(base.Amount.Mul(rate))), Rule: name, EffectiveFrom: r.EffectiveFrom}})
	}
	return nil
}

func (q *quote) add(a assessed) { q.charges = append(q.charges, a) }

func (q *quote) relief(typ string, threshold *decimal.Decimal, applied bool, lv *LowValueRule) {
	q.deMinimis = append(q.deMinimis, commerce.DeMinimis{Type: typ, Threshold: q.threshold(threshold), Applied: applied,
		Rule: ruleName(lv.ID, lv.Dated) + ": " + lv.Description})
}

// eu: until 2026-06-30 consignments of intrinsic value <= EUR 150 pay no
// duty and VAT is due on every import (at checkout through IOSS under DDP,
// at the border otherwise); from 2026-07-01 IOSS consignments < EUR 150 pay
// EUR 3 per distinct subheading and the VAT base includes it; everything
// else pays the tariff on CIF and import VAT on CIF + duty.
func (q *quote) eu() error {
	lv, err := q.lowValue()
	if err != nil {
		return err
	}
	g := q.goods.Amount
	ioss := q.req.Incoterm == DDP && lv.IOSSMax != nil && g.LessThanOrEqual(*lv.IOSSMax)
	switch {
	case lv.FlatDuty != nil:
		q.relief("DUTY", nil, false, lv)
		q.relief("TAX", nil, false, lv)
		if ioss && g.LessThan(lv.FlatDuty.Below) {
			seen := map[string]bool{}
			for _, l := range q.lines {
				if seen[l.hs.HS6] {
					continue
				}
				seen[l.hs.HS6] = true
				q.add(assessed{group: "duty", atBorder: false, Charge: commerce.Charge{Type: "DUTY", ItemSKU: l.out.SKU,
					Description: fmt.Sprintf("flat duty %s EUR for subheading %s (IOSS consignment under %s EUR)", lv.FlatDuty.Amount.StringFixed(2), l.hs.HS6, lv.FlatDuty.Below.StringFixed(2)),
					Basis:       "per subheading", Amount: round(q.money(lv.FlatDuty.Amount)), Rule: ruleName(lv.ID, lv.Dated), EffectiveFrom: lv.EffectiveFrom}})
			}
			return q.taxes(q.money(q.cif().Amount.Add(q.dutyTotal())), "goods + shipping + insurance + duty", false, "IOSS ("+lv.ID+")")
		}
	case lv.DutyThreshold != nil:
		relief := g.LessThanOrEqual(*lv.DutyThreshold)
		q.relief("DUTY", lv.DutyThreshold, relief, lv)
		q.relief("TAX", nil, false, lv)
		if relief {
			if ioss {
				return q.taxes(q.cif(), "price incl. shipping and insurance", false, "IOSS ("+lv.ID+")")
			}
			return q.taxes(q.cif(), "CIF", true, "")
		}
	default:
		return fmt.Errorf("%w: EU low-value rule %s has neither a threshold nor a flat duty", ErrNoRule, lv.ID)
	}
	if err := q.duties(); err != nil {
		return err
	}
	return q.taxes(q.money(q.cif().Amount.Add(q.dutyTotal())), "CIF + duty", true, "")
}

// pointOfSaleModel is the UK's and Australia's: at or under the threshold no
// duty, and VAT/GST is charged by the seller at the point of sale on the
// price including delivery; above it, duty on the regime's valuation and
// import VAT/GST at the border on value + duty (+ transport where the
// valuation excludes it).
func (q *quote) pointOfSaleModel() error {
	lv, err := q.lowValue()
	if err != nil {
		return err
	}
	if lv.DutyThreshold == nil || lv.PointOfSaleMax == nil {
		return fmt.Errorf("%w: %s low-value rule %s lacks thresholds", ErrNoRule, q.regime.ID, lv.ID)
	}
	g := q.goods.Amount
	relief := g.LessThanOrEqual(*lv.DutyThreshold)
	q.relief("DUTY", lv.DutyThreshold, relief, lv)
	q.relief("TAX", lv.TaxThreshold, lv.TaxThreshold != nil && g.LessThanOrEqual(*lv.TaxThreshold), lv)
	if g.LessThanOrEqual(*lv.PointOfSaleMax) {
		if !relief {
			if err := q.duties(); err != nil {
				return err
			}
		}
		return q.taxes(q.money(q.cif().Amount.Add(q.dutyTotal())), "price incl. delivery", false, lv.ID)
	}
	if err := q.duties(); err != nil {
		return err
	}
	return q.taxes(q.money(q.cif().Amount.Add(q.dutyTotal())), "customs value + duty + transport", true, "")
}

// ca: Canada's thresholds depend on the place of direct shipment (CUSMA
// courier from the US or Mexico: CAD 40 tax, CAD 150 duty; otherwise CAD
// 20). Taxes are GST/HST and provincial PST/QST of the destination
// province, on value + shipping (+ duty), at the border.
func (q *quote) ca() error {
	if q.subdivision == "" {
		return invalid(nil, "customs: destination CA needs a province, e.g. CA-ON: GST/HST and PST differ by province")
	}
	lv, err := q.lowValue()
	if err != nil {
		return err
	}
	if lv.DutyThreshold == nil || lv.TaxThreshold == nil {
		return fmt.Errorf("%w: CA low-value rule %s lacks thresholds", ErrNoRule, lv.ID)
	}
	g := q.goods.Amount
	dutyFree := g.LessThanOrEqual(*lv.DutyThreshold)
	taxFree := g.LessThanOrEqual(*lv.TaxThreshold)
	q.relief("DUTY", lv.DutyThreshold, dutyFree, lv)
	q.relief("TAX", lv.TaxThreshold, taxFree, lv)
	if taxFree {
		return nil
	}
	if !dutyFree {
		if err := q.duties(); err != nil {
			return err
		}
	}
	return q.taxes(q.money(q.cif().Amount.Add(q.dutyTotal())), "value + shipping + duty", true, "")
}

// us: the de minimis (USD 800 until 2025-08-28) is suspended; every parcel
// pays duty on its value (FOB) plus surcharges in force. There is no federal
// VAT; state sales tax is not modelled.
func (q *quote) us() error {
	lv, err := q.lowValue()
	if err != nil {
		return err
	}
	relief := lv.DutyThreshold != nil && q.goods.Amount.LessThanOrEqual(*lv.DutyThreshold)
	q.relief("DUTY", lv.DutyThreshold, relief, lv)
	q.relief("TAX", nil, false, lv)
	if relief {
		return nil
	}
	return q.duties()
}

// result converts the charges to the quote currency and totals them.
func (q *quote) result() (*commerce.LandedCost, error) {
	cur := q.req.Currency
	lc := &commerce.LandedCost{
		AsOf: q.asOf, Provider: "internal-rules/" + q.t.Version, Incoterm: q.req.Incoterm,
		OriginCountry: q.req.OriginCountry, DestinationCountry: q.country, Currency: cur,
		DeMinimis: q.deMinimis, Duties: []commerce.Charge{}, Taxes: []commerce.Charge{}, Fees: []commerce.Charge{},
	}
	for _, l := range q.lines {
		lc.Items = append(lc.Items, l.out)
	}
	var err error
	if lc.Shipping, err = q.toQuote(q.shipping); err != nil {
		return nil, err
	}
	if lc.Insurance, err = q.toQuote(q.insurance); err != nil {
		return nil, err
	}
	for i, d := range lc.DeMinimis {
		if d.Threshold != nil {
			t, err := q.toQuote(*d.Threshold)
			if err != nil {
				// A threshold in another currency stays as the law states it.
				t = *d.Threshold
			}
			lc.DeMinimis[i].Threshold = &t
		}
	}
	duties, taxes, fees, due := commerce.Zero(cur), commerce.Zero(cur), commerce.Zero(cur), commerce.Zero(cur)
	for _, a := range q.charges {
		ch := a.Charge
		if ch.Amount, err = q.toQuote(ch.Amount); err != nil {
			return nil, err
		}
		if ch.Base != nil {
			b, err := q.toQuote(*ch.Base)
			if err != nil {
				return nil, err
			}
			ch.Base = &b
		}
		var sum *commerce.Money
		switch a.group {
		case "duty":
			lc.Duties = append(lc.Duties, ch)
			sum = &duties
		case "tax":
			lc.Taxes = append(lc.Taxes, ch)
			sum = &taxes
		default:
			lc.Fees = append(lc.Fees, ch)
			sum = &fees
		}
		if *sum, err = sum.Add(ch.Amount); err != nil {
			return nil, invalid(err, "customs: totals: %v", err)
		}
		if a.atBorder && q.req.Incoterm == DAP {
			due, _ = due.Add(ch.Amount)
		}
	}
	goods := commerce.Zero(cur)
	for _, it := range lc.Items {
		goods, _ = goods.Add(it.LineValue)
	}
	landed, err := commerce.Sum(cur, goods, lc.Shipping, lc.Insurance, duties, taxes, fees)
	if err != nil {
		return nil, invalid(err, "customs: totals: %v", err)
	}
	lc.Totals = commerce.LandedCostTotals{Duties: duties, Taxes: taxes, Fees: fees, LandedCost: landed, DueAtDelivery: due}
	lc.FX = q.conv.order
	sort.SliceStable(lc.FX, func(i, j int) bool { return lc.FX[i].Base+lc.FX[i].Quote < lc.FX[j].Base+lc.FX[j].Quote })
	lc.ID = quoteID(q.t.Version, q.req, q.asOf)
	if err := lc.Validate(); err != nil {
		return nil, &sdk.Error{Kind: sdk.KindInvalidInput, Message: "customs: the quote does not validate: " + err.Error(), Cause: err}
	}
	return lc, nil
}

// quoteID is a stable id for the same request against the same table.
func quoteID(version string, req sdk.LandedCostRequest, asOf commerce.Date) string {
	req.Config, req.Connection, req.AsOf = nil, "", asOf
	b, _ := json.Marshal(req)
	h := sha256.Sum256(append([]byte(version+"|"), b...))
	return "lcq_" + hex.EncodeToString(h[:10])
}
