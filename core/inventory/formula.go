package inventory

import (
	"errors"
	"fmt"
	"math"

	"github.com/shopspring/decimal"
)

// ErrInput is returned (wrapped) when a formula, policy, position or CSV
// file gets a value it cannot use; the message names the field and the
// value and says what a valid one looks like. Check it with errors.Is.
var ErrInput = errors.New("invalid inventory input")

func inputErr(format string, a ...any) error {
	return fmt.Errorf("inventory: %s: %w", fmt.Sprintf(format, a...), ErrInput)
}

// DaysPerYear converts daily demand to the annual demand of EOQ and the
// annual holding rate to a daily one.
const DaysPerYear = 365

// EOQ returns the economic order quantity Q* = √(2·D·S/H) for an annual
// demand D in units, an order cost S per order and a holding cost H per unit
// per year (S and H in the same currency). For D = 1000, S = 100 and H = 10
// it is √20000 ≈ 141.42 units.
//
// Reference: F. W. Harris, "How many parts to make at once", Factory, The
// Magazine of Management 10(2), 1913; E. A. Silver, D. F. Pyke and
// D. J. Thomas, Inventory and Production Management in Supply Chains, 4th
// ed., 2017, chapter 4.
func EOQ(annualDemand float64, orderCost, holdingCost decimal.Decimal) (float64, error) {
	switch {
	case math.IsNaN(annualDemand) || math.IsInf(annualDemand, 0) || annualDemand < 0:
		return 0, inputErr("eoq: annual demand %v must be a finite number of units ≥ 0", annualDemand)
	case orderCost.IsNegative():
		return 0, inputErr("eoq: order cost %s must be ≥ 0", orderCost)
	case !holdingCost.IsPositive():
		return 0, inputErr("eoq: holding cost %s per unit-year must be > 0 (unit cost × holding rate)", holdingCost)
	}
	ratio, _ := orderCost.Div(holdingCost).Float64()
	return math.Sqrt(2 * annualDemand * ratio), nil
}

// EOQCost returns the annual ordering plus holding cost of ordering q units
// at a time, D/q·S + q/2·H, the curve EOQ minimises; money stays decimal.
func EOQCost(q, annualDemand float64, orderCost, holdingCost decimal.Decimal) (decimal.Decimal, error) {
	if !(q > 0) || math.IsInf(q, 0) {
		return decimal.Zero, inputErr("eoq cost: order quantity %v must be > 0", q)
	}
	if math.IsNaN(annualDemand) || math.IsInf(annualDemand, 0) || annualDemand < 0 {
		return decimal.Zero, inputErr("eoq cost: annual demand %v must be a finite number of units ≥ 0", annualDemand)
	}
	orders := decimal.NewFromFloat(annualDemand / q)
	half := decimal.NewFromFloat(q / 2)
	return orders.Mul(orderCost).Add(half.Mul(holdingCost)), nil
}

// HoldingCost returns the cost of holding one unit for a year: the unit cost
// times the annual holding rate (0.25 for 25 % a year).
func HoldingCost(unitCost, annualRate decimal.Decimal) decimal.Decimal {
	return unitCost.Mul(annualRate)
}

// RoundOrderUp turns a wanted quantity into an orderable one: at least the
// minimum order quantity, and a whole number of packs, rounding up so that
// the order covers at least q. moq and pack ≤ 1 mean no constraint; a moq
// that is not a whole number of packs is itself rounded up to packs. q ≤ 0
// gives 0 (nothing to order).
func RoundOrderUp(q float64, moq, pack int) int {
	if !(q > 0) {
		return 0
	}
	pack = max(pack, 1)
	n := int(math.Ceil(q/float64(pack) - 1e-9))
	return max(n*pack, minOrder(moq, pack))
}

// RoundOrderNearest rounds an economic quantity such as EOQ to the nearest
// whole number of packs (the cost curve is flat near its minimum), at least
// one pack and at least the minimum order quantity. q ≤ 0 gives 0.
func RoundOrderNearest(q float64, moq, pack int) int {
	if !(q > 0) {
		return 0
	}
	pack = max(pack, 1)
	n := max(int(math.Round(q/float64(pack))), 1)
	return max(n*pack, minOrder(moq, pack))
}

// minOrder is the moq rounded up to whole packs.
func minOrder(moq, pack int) int {
	if moq <= 1 {
		return pack
	}
	return (moq + pack - 1) / pack * pack
}

// LeadTimeDemandSD returns the standard deviation of demand over a lead time
// of meanLead days whose own standard deviation is sdLead days, for daily
// demand with mean meanDaily and standard deviation sdDaily, independent from
// day to day: σ_LTD = √(L·σ_d² + d²·σ_L²).
//
// Reference: Silver, Pyke and Thomas (2017), chapter 6 (variable lead times).
func LeadTimeDemandSD(meanDaily, sdDaily, meanLead, sdLead float64) float64 {
	return math.Sqrt(meanLead*sdDaily*sdDaily + meanDaily*meanDaily*sdLead*sdLead)
}

// ServiceKind says which service measure a target sets.
type ServiceKind int

const (
	// CycleService is the cycle service level α: the probability that a
	// replenishment cycle has no stockout. Safety stock = z·σ with z = Φ⁻¹(α).
	CycleService ServiceKind = iota
	// FillRate is the fill rate β: the share of demand served from stock.
	// Safety stock = z·σ where σ·G(z) = (1−β)·Q.
	FillRate
)

// String returns "csl" or "fill-rate".
func (k ServiceKind) String() string {
	if k == FillRate {
		return "fill-rate"
	}
	return "csl"
}

// Service is a service target: a cycle service level or a fill rate.
type Service struct {
	// Kind is CycleService (the default) or FillRate.
	Kind ServiceKind
	// Level is the target in (0, 1), for example 0.95.
	Level float64
}

// CSL returns a cycle-service-level target.
func CSL(level float64) Service { return Service{Kind: CycleService, Level: level} }

// Fill returns a fill-rate target.
func Fill(level float64) Service { return Service{Kind: FillRate, Level: level} }

// Validate checks that the level is strictly between 0 and 1.
func (s Service) Validate() error {
	if s.Kind != CycleService && s.Kind != FillRate {
		return inputErr("service: unknown kind %d: use CycleService or FillRate", int(s.Kind))
	}
	if !(s.Level > 0 && s.Level < 1) {
		return inputErr("service: %s target %v must be strictly between 0 and 1, for example 0.95", s.Kind, s.Level)
	}
	return nil
}

// String formats the target as "95% cycle service level" or "98% fill rate".
func (s Service) String() string {
	pct := fmt.Sprintf("%g%%", math.Round(s.Level*1e4)/1e2)
	if s.Kind == FillRate {
		return pct + " fill rate"
	}
	return pct + " cycle service level"
}

// SafetyFactor returns the safety factor z for a target, for normal demand
// over the protection period with standard deviation sigma and an order
// quantity (or mean demand per review cycle) q: z = Φ⁻¹(α) for a cycle
// service level, and the z with σ·G(z) = (1−β)·q for a fill rate. The fill
// rate's z may be negative when q is large against σ: the order quantity
// alone then meets the target.
func SafetyFactor(s Service, sigma, q float64) (float64, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if s.Kind == CycleService {
		return NormalQuantile(s.Level), nil
	}
	if !(sigma > 0) || math.IsInf(sigma, 0) {
		return 0, inputErr("safety factor: a fill-rate target needs a lead-time demand standard deviation > 0 (got %v)", sigma)
	}
	if !(q > 0) || math.IsInf(q, 0) {
		return 0, inputErr("safety factor: a fill-rate target needs an order quantity > 0 (got %v)", q)
	}
	return InverseNormalLoss((1 - s.Level) * q / sigma), nil
}

// SafetyStock returns z·σ for normal lead-time demand with standard
// deviation sigma (see [SafetyFactor] for q). σ = 0 gives 0.
//
// Reference: Silver, Pyke and Thomas (2017), chapter 6 (cycle service level,
// their P1, and fill rate, their P2).
func SafetyStock(s Service, sigma, q float64) (float64, error) {
	if math.IsNaN(sigma) || sigma < 0 || math.IsInf(sigma, 0) {
		return 0, inputErr("safety stock: standard deviation %v must be finite and ≥ 0", sigma)
	}
	if sigma == 0 {
		if err := s.Validate(); err != nil {
			return 0, err
		}
		return 0, nil
	}
	z, err := SafetyFactor(s, sigma, q)
	if err != nil {
		return 0, err
	}
	return z * sigma, nil
}

// ReorderPoint returns mean lead-time demand plus safety stock for normal
// lead-time demand: the inventory position at or below which to order.
func ReorderPoint(meanLTD float64, s Service, sigma, q float64) (float64, error) {
	if math.IsNaN(meanLTD) || meanLTD < 0 || math.IsInf(meanLTD, 0) {
		return 0, inputErr("reorder point: mean lead-time demand %v must be finite and ≥ 0", meanLTD)
	}
	ss, err := SafetyStock(s, sigma, q)
	if err != nil {
		return 0, err
	}
	return meanLTD + ss, nil
}
