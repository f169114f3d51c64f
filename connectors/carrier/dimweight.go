package carrier

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// DimRule is a carrier's dimensional-weight rule: billable weight is the
// greater of the actual weight and volume / Divisor, both rounded up to the
// carrier's weight increment.
type DimRule struct {
	// Divisor is the volume per weight unit, e.g. 139 (in³/lb) or 5000 (cm³/kg).
	Divisor decimal.Decimal `json:"divisor"`
	// LengthUnit is the unit of the divisor's volume: in or cm.
	LengthUnit commerce.LengthUnit `json:"length_unit"`
	// WeightUnit is the unit of the result: lb or kg.
	WeightUnit commerce.WeightUnit `json:"weight_unit"`
	// RoundEachDimension rounds every dimension up to a whole LengthUnit
	// before multiplying (UPS and FedEx since 2025-08-18).
	RoundEachDimension bool `json:"round_each_dimension,omitempty"`
	// MinVolume, when positive, applies dimensional weight only to parcels
	// whose volume is above it (USPS: 1,728 in³, one cubic foot).
	MinVolume decimal.Decimal `json:"min_volume,omitzero"`
	// Increment is the step weights are rounded up to: 1 lb, 0.5 kg. Zero
	// means 1 for lb and 0.5 for kg.
	Increment decimal.Decimal `json:"increment,omitzero"`
}

// Built-in rules, from ../shared/fixtures/carriers/SOURCES.md (verify against
// the carriers' service guides before relying on them).
var (
	// RuleUPSDaily is UPS (and FedEx) daily rates: 139 in³/lb, each
	// dimension rounded up.
	RuleUPSDaily = DimRule{Divisor: decimal.NewFromInt(139), LengthUnit: commerce.Inches, WeightUnit: commerce.Pounds, RoundEachDimension: true}
	// RuleUPSRetail is UPS retail rates: 166 in³/lb.
	RuleUPSRetail = DimRule{Divisor: decimal.NewFromInt(166), LengthUnit: commerce.Inches, WeightUnit: commerce.Pounds, RoundEachDimension: true}
	// RuleUSPS is USPS: 166 in³/lb, only above 1,728 in³.
	RuleUSPS = DimRule{Divisor: decimal.NewFromInt(166), LengthUnit: commerce.Inches, WeightUnit: commerce.Pounds, MinVolume: decimal.NewFromInt(1728)}
	// RuleMetric is DHL Express and international UPS/FedEx: 5,000 cm³/kg,
	// in 0.5 kg steps.
	RuleMetric = DimRule{Divisor: decimal.NewFromInt(5000), LengthUnit: commerce.Centimetres, WeightUnit: commerce.Kilograms}
)

// RuleFor returns the built-in rule of a carrier for a route: USPS always
// uses RuleUSPS; UPS and FedEx use RuleUPSDaily within the US and RuleMetric
// across borders; DHL Express and any other carrier use RuleMetric.
func RuleFor(carrier string, domestic bool) DimRule {
	switch normalizeCarrier(carrier) {
	case "USPS":
		return RuleUSPS
	case "UPS", "FedEx":
		if domestic {
			return RuleUPSDaily
		}
	}
	return RuleMetric
}

// Validate checks the rule.
func (r DimRule) Validate() error {
	if !r.Divisor.IsPositive() {
		return fmt.Errorf("carrier: dimensional rule: divisor %s must be positive", r.Divisor)
	}
	if _, ok := cmPer[r.LengthUnit]; !ok {
		return fmt.Errorf("carrier: dimensional rule: length_unit %q must be in, cm or mm", r.LengthUnit)
	}
	if _, err := (commerce.Weight{Value: decimal.Zero, Unit: r.WeightUnit}).To(commerce.Grams); err != nil {
		return fmt.Errorf("carrier: dimensional rule: weight_unit %q must be lb, kg, oz or g", r.WeightUnit)
	}
	if r.Increment.IsNegative() || r.MinVolume.IsNegative() {
		return errors.New("carrier: dimensional rule: increment and min_volume must not be negative")
	}
	return nil
}

func (r DimRule) increment() decimal.Decimal {
	if r.Increment.IsPositive() {
		return r.Increment
	}
	if r.WeightUnit == commerce.Kilograms {
		return decimal.RequireFromString("0.5")
	}
	return decimal.NewFromInt(1)
}

// cmPer is centimetres per length unit, exact.
var cmPer = map[commerce.LengthUnit]decimal.Decimal{
	commerce.Centimetres: decimal.NewFromInt(1),
	commerce.Inches:      decimal.RequireFromString("2.54"),
	commerce.Millimetres: decimal.RequireFromString("0.1"),
}

// ConvertLength converts v from one length unit to another exactly (1 in =
// 2.54 cm by definition); conversions into inches keep 12 decimal places.
func ConvertLength(v decimal.Decimal, from, to commerce.LengthUnit) (decimal.Decimal, error) {
	f, ok := cmPer[from]
	if !ok {
		return decimal.Decimal{}, fmt.Errorf("carrier: unknown length unit %q: use in, cm or mm", from)
	}
	t, ok := cmPer[to]
	if !ok {
		return decimal.Decimal{}, fmt.Errorf("carrier: unknown length unit %q: use in, cm or mm", to)
	}
	if from == to {
		return v, nil
	}
	return v.Mul(f).DivRound(t, 12), nil
}

// DimResult is the outcome of applying a DimRule to a parcel.
type DimResult struct {
	// Volume is the volume the rule used (after rounding dimensions), in
	// the rule's length unit cubed.
	Volume decimal.Decimal
	// Dimensional is the dimensional weight, nil when the rule does not
	// apply (no dimensions, or volume at or under MinVolume).
	Dimensional *commerce.Weight
	// Actual is the actual weight rounded up to the increment.
	Actual commerce.Weight
	// Billable is the greater of Actual and Dimensional.
	Billable commerce.Weight
}

// Apply computes dimensional and billable weight for a parcel. dims may be
// nil (billable weight is then the rounded actual weight).
func (r DimRule) Apply(weight commerce.Weight, dims *commerce.Dimensions) (DimResult, error) {
	if err := r.Validate(); err != nil {
		return DimResult{}, err
	}
	if !weight.Value.IsPositive() {
		return DimResult{}, fmt.Errorf("carrier: parcel weight %s %s must be positive", weight.Value, weight.Unit)
	}
	w, err := weight.To(r.WeightUnit)
	if err != nil {
		return DimResult{}, fmt.Errorf("carrier: parcel weight: %w", err)
	}
	inc := r.increment()
	res := DimResult{Actual: commerce.Weight{Value: ceilTo(w.Value, inc), Unit: r.WeightUnit}}
	res.Billable = res.Actual
	if dims == nil {
		return res, nil
	}
	vol := decimal.NewFromInt(1)
	for _, d := range []decimal.Decimal{dims.Length, dims.Width, dims.Height} {
		if !d.IsPositive() {
			return DimResult{}, fmt.Errorf("carrier: parcel dimensions %s×%s×%s %s must all be positive", dims.Length, dims.Width, dims.Height, dims.Unit)
		}
		v, err := ConvertLength(d, dims.Unit, r.LengthUnit)
		if err != nil {
			return DimResult{}, fmt.Errorf("carrier: parcel dimensions: %w", err)
		}
		if r.RoundEachDimension {
			v = v.Ceil()
		}
		vol = vol.Mul(v)
	}
	res.Volume = vol
	if r.MinVolume.IsPositive() && vol.LessThanOrEqual(r.MinVolume) {
		return res, nil
	}
	dw := commerce.Weight{Value: ceilTo(vol.Div(r.Divisor), inc), Unit: r.WeightUnit}
	res.Dimensional = &dw
	if dw.Value.GreaterThan(res.Billable.Value) {
		res.Billable = dw
	}
	return res, nil
}

// ceilTo rounds v up to a multiple of inc.
func ceilTo(v, inc decimal.Decimal) decimal.Decimal {
	return v.DivRound(inc, 16).Ceil().Mul(inc)
}
