package inventory

import (
	"fmt"
	"math"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// PolicyKind names a replenishment policy. The string values appear in
// suggestions, CSV files and flags.
type PolicyKind string

// The policies.
const (
	// PolicyROP is continuous review with a reorder point and a fixed order
	// quantity, (r, Q): whenever the inventory position is at or below r,
	// order the smallest multiple of Q that lifts it above r. Q is the EOQ
	// after minimum-order and pack rounding.
	PolicyROP PolicyKind = "rop"
	// PolicySS is continuous review (s, S): whenever the inventory position
	// is at or below s, order up to S. s is the reorder point and S = s + Q.
	PolicySS PolicyKind = "ss"
	// PolicyRS is periodic review order-up-to (R, S): every R days, order up
	// to S, which covers demand over the review period plus the lead time.
	PolicyRS PolicyKind = "rs"
	// PolicyMinMax orders up to a configured max whenever the position is at
	// or below a configured min, in units or in days of average demand. It
	// uses no statistics; the simulator uses it as the naive baseline.
	PolicyMinMax PolicyKind = "minmax"
)

// Policies lists the policy kinds.
func Policies() []PolicyKind { return []PolicyKind{PolicyROP, PolicySS, PolicyRS, PolicyMinMax} }

// ParsePolicy parses a policy name: rop, ss (or "s,S"), rs (or "R,S"),
// minmax (or "min/max").
func ParsePolicy(s string) (PolicyKind, error) {
	switch strings.ToLower(strings.NewReplacer(" ", "", "(", "", ")", "").Replace(s)) {
	case "rop", "r,q", "reorder-point":
		return PolicyROP, nil
	case "ss", "s,s":
		return PolicySS, nil
	case "rs", "r,s", "periodic":
		return PolicyRS, nil
	case "minmax", "min/max", "min-max":
		return PolicyMinMax, nil
	}
	return "", inputErr("unknown policy %q: use rop, ss, rs or minmax", s)
}

// DefaultReviewPeriod is the review period of an (R, S) rule that sets none.
const DefaultReviewPeriod = 7

// Rule is a replenishment policy with its parameters, for one SKU-location
// or for a class of them (see [Matrix]).
type Rule struct {
	// Policy is rop, ss, rs or minmax.
	Policy PolicyKind
	// Service is the target of rop, ss and rs: a cycle service level or a
	// fill rate, for example CSL(0.95).
	Service Service
	// ReviewPeriod is the days between reviews of an rs policy (default 7).
	ReviewPeriod int
	// Min and Max are a minmax policy's levels in units; when Max is 0, they
	// come from MinDays and MaxDays of average daily demand instead.
	Min, Max int
	// MinDays and MaxDays are a minmax policy's levels in days of average
	// daily demand (for example 7 and 21).
	MinDays, MaxDays float64
	// NoUndershoot turns off the undershoot allowance of rop and ss. By
	// default the reorder point also covers how far below it the position
	// lands on the day it is crossed, since stock is reviewed once a day and
	// a day's demand moves it in steps; turn it off to get the textbook
	// continuous-review figure.
	NoUndershoot bool
}

// Validate checks the rule for its policy.
func (r Rule) Validate() error {
	switch r.Policy {
	case PolicyROP, PolicySS, PolicyRS:
		if err := r.Service.Validate(); err != nil {
			return fmt.Errorf("rule %s: %w", r.Policy, err)
		}
		if r.ReviewPeriod < 0 {
			return inputErr("rule %s: review period %d days must be ≥ 0", r.Policy, r.ReviewPeriod)
		}
	case PolicyMinMax:
		if r.Max > 0 {
			if r.Min < 0 || r.Min > r.Max {
				return inputErr("rule minmax: min %d must be between 0 and max %d units", r.Min, r.Max)
			}
			return nil
		}
		if bad(r.MinDays) || bad(r.MaxDays) || r.MaxDays < r.MinDays || r.MaxDays == 0 {
			return inputErr("rule minmax: give max > 0 units, or min-days %v ≤ max-days %v with max-days > 0", r.MinDays, r.MaxDays)
		}
	default:
		return inputErr("rule: unknown policy %q: use rop, ss, rs or minmax", r.Policy)
	}
	return nil
}

func (r Rule) review() int {
	if r.Policy != PolicyRS {
		return 0
	}
	if r.ReviewPeriod <= 0 {
		return DefaultReviewPeriod
	}
	return r.ReviewPeriod
}

// String describes the rule, for example "rop at 95% cycle service level"
// or "rs every 7 days at 98% fill rate".
func (r Rule) String() string {
	switch r.Policy {
	case PolicyRS:
		return fmt.Sprintf("rs every %d days at %s", r.review(), r.Service)
	case PolicyMinMax:
		if r.Max > 0 {
			return fmt.Sprintf("minmax %d/%d units", r.Min, r.Max)
		}
		return fmt.Sprintf("minmax %g/%g days of cover", math.Round(r.MinDays*100)/100, math.Round(r.MaxDays*100)/100)
	}
	return fmt.Sprintf("%s at %s", r.Policy, r.Service)
}

// LeadTime is a supplier or transfer lead time in days: from placing an
// order (at the end of a day) to having the goods, so that an order placed
// today with Days = 7 serves demand from the eighth day on.
type LeadTime struct {
	// Days is the mean lead time.
	Days int
	// SD is the lead time's standard deviation in days, 0 when fixed.
	SD float64
}

// Validate checks that the lead time is ≥ 0 days with a finite SD ≥ 0.
func (l LeadTime) Validate() error {
	if l.Days < 0 || bad(l.SD) {
		return inputErr("lead time: %d days with standard deviation %v: both must be ≥ 0", l.Days, l.SD)
	}
	return nil
}

// DefaultCoverDays is the days of demand one order covers when no order and
// holding costs are known to compute an EOQ.
const DefaultCoverDays = 14

// Economics are the costs and order constraints that size an order.
type Economics struct {
	// UnitCost is the purchase cost of one unit; the zero Money means unknown.
	UnitCost commerce.Money
	// OrderCost is the fixed cost of placing one order; zero Money means
	// unknown.
	OrderCost commerce.Money
	// HoldingRate is the yearly cost of holding stock as a share of its
	// value, for example 0.25.
	HoldingRate decimal.Decimal
	// MOQ is the supplier's minimum order quantity in units (0: none).
	MOQ int
	// Pack is the pack size: orders are whole packs (0 or 1: single units).
	Pack int
	// CoverDays is the days of demand one order covers when the costs are
	// unknown (default 14).
	CoverDays float64
}

// Validate checks the economics: non-negative costs and rate, a shared
// currency, and MOQ, pack and cover days ≥ 0.
func (e Economics) Validate() error {
	if e.UnitCost.Valid() && e.UnitCost.IsNegative() {
		return inputErr("economics: unit cost %s must be ≥ 0", e.UnitCost.Amount)
	}
	if e.OrderCost.Valid() && e.OrderCost.IsNegative() {
		return inputErr("economics: order cost %s must be ≥ 0", e.OrderCost.Amount)
	}
	if e.UnitCost.Valid() && e.OrderCost.Valid() && e.UnitCost.Currency != e.OrderCost.Currency {
		return inputErr("economics: unit cost in %s but order cost in %s: convert one with an FX rate first", e.UnitCost.Currency, e.OrderCost.Currency)
	}
	if e.HoldingRate.IsNegative() {
		return inputErr("economics: holding rate %s must be ≥ 0 (0.25 is 25%% a year)", e.HoldingRate)
	}
	if e.MOQ < 0 || e.Pack < 0 || bad(e.CoverDays) {
		return inputErr("economics: moq %d, pack %d and cover days %v must be ≥ 0", e.MOQ, e.Pack, e.CoverDays)
	}
	return nil
}

// HoldingCost returns the yearly cost of holding one unit, and false when
// the unit cost or the holding rate is unknown or zero.
func (e Economics) HoldingCost() (decimal.Decimal, bool) {
	if !e.UnitCost.Valid() || !e.UnitCost.Amount.IsPositive() || !e.HoldingRate.IsPositive() {
		return decimal.Zero, false
	}
	return HoldingCost(e.UnitCost.Amount, e.HoldingRate), true
}

// LotSize returns the order quantity for a mean daily demand: the EOQ when
// the order and holding costs are known, otherwise CoverDays of demand,
// rounded to the nearest whole pack and at least the MOQ; with the
// unrounded EOQ (0 when not used) and a note on how it was set.
func (e Economics) LotSize(meanDaily float64) (q int, eoq float64, note string, err error) {
	if err := e.Validate(); err != nil {
		return 0, 0, "", err
	}
	if bad(meanDaily) {
		return 0, 0, "", inputErr("lot size: mean daily demand %v must be finite and ≥ 0", meanDaily)
	}
	h, ok := e.HoldingCost()
	if ok && e.OrderCost.Valid() && e.OrderCost.Amount.IsPositive() {
		eoq, err = EOQ(meanDaily*DaysPerYear, e.OrderCost.Amount, h)
		if err != nil {
			return 0, 0, "", err
		}
		q = max(RoundOrderNearest(eoq, e.MOQ, e.Pack), minOrder(e.MOQ, max(e.Pack, 1)))
		return q, eoq, fmt.Sprintf("EOQ %.1f", eoq), nil
	}
	days := e.CoverDays
	if days == 0 {
		days = DefaultCoverDays
	}
	q = max(RoundOrderNearest(meanDaily*days, e.MOQ, e.Pack), minOrder(e.MOQ, max(e.Pack, 1)))
	return q, 0, fmt.Sprintf("no order and holding cost known, so a lot covers %g days of demand", days), nil
}

// Levels are a policy's parameters for one SKU-location, worked out from
// its rule, demand forecast, lead time and economics by [ComputeLevels].
type Levels struct {
	// Rule is the rule the levels implement.
	Rule Rule
	// ReorderPoint is the level at or below which to order: r of rop, s of
	// ss, min of minmax. For rs it equals OrderUpTo: each review orders the
	// shortfall below it.
	ReorderPoint float64
	// OrderUpTo is S of ss and rs, max of minmax, and r + Q for rop.
	OrderUpTo float64
	// Quantity is the fixed lot of rop and the lot that sets S = s + Q for ss
	// (0 for rs and minmax).
	Quantity int
	// EOQ is the unrounded economic order quantity (0 when costs are
	// unknown).
	EOQ float64
	// LotNote says how the lot was sized.
	LotNote string
	// ProtectionDays is the period the reorder level protects: the lead time
	// for rop and ss, review period plus lead time for rs.
	ProtectionDays int
	// MeanDemand is the expected demand over the protection period.
	MeanDemand float64
	// Undershoot is the expected undershoot allowed for (rop and ss).
	Undershoot float64
	// SafetyStock is the reorder level minus the expected demand over the
	// protection period and the expected undershoot.
	SafetyStock float64
	// MeanDaily is the average daily demand used to size lots and cover.
	MeanDaily float64
	// Method says how the demand distribution was taken: "normal
	// approximation", "empirical, 500 sample paths", "forecast quantiles" …,
	// with "and lead-time variability" when the lead time varies.
	Method string
	// MOQ and Pack round every order.
	MOQ, Pack int
}

// Order returns the quantity to order now for an inventory position (on
// hand − committed + incoming − backorders), or 0 when the policy says to
// wait. For rs it assumes today is a review day.
func (l Levels) Order(position int) int {
	ip := float64(position)
	switch l.Rule.Policy {
	case PolicyROP:
		if ip > l.ReorderPoint {
			return 0
		}
		n := math.Floor((l.ReorderPoint-ip)/float64(l.Quantity)) + 1
		return int(n) * l.Quantity
	case PolicyRS:
		target := math.Ceil(l.OrderUpTo - 1e-9)
		if ip >= target {
			return 0
		}
		return RoundOrderUp(target-ip, l.MOQ, l.Pack)
	default: // ss, minmax
		if ip > l.ReorderPoint {
			return 0
		}
		return RoundOrderUp(max(l.OrderUpTo-ip, 1), l.MOQ, l.Pack)
	}
}

// ComputeLevels works out a rule's levels for one SKU-location.
//
// For rop and ss the reorder point is the service quantile of demand over
// the lead time (plus the undershoot, unless the rule turns it off); for rs,
// S is the service quantile of demand over the review period plus the lead
// time. A cycle service level α takes the α-quantile; a fill rate β takes the
// smallest level whose expected shortage per cycle is at most (1−β) times
// the demand per cycle (the lot Q, or the mean demand of a review period).
// Normal forecasts use the closed forms with σ_LTD = √(Σσ² + d̄²·σ_L²).
// Sample-path, daily and Poisson forecasts use their exact distribution,
// mixed over the lead-time distribution when it varies. Other (quantile-
// only) forecasts answer a cycle service level with their own quantile,
// widened for lead-time variability and undershoot as a normal would be,
// and a fill rate from a grid of 200 of their quantiles.
func ComputeLevels(rule Rule, dem Demand, lt LeadTime, econ Economics) (Levels, error) {
	if err := rule.Validate(); err != nil {
		return Levels{}, err
	}
	if err := lt.Validate(); err != nil {
		return Levels{}, err
	}
	if dem == nil {
		return Levels{}, inputErr("levels: no demand forecast")
	}
	h := dem.Horizon()
	if h < 1 {
		return Levels{}, inputErr("levels: the demand forecast has no days")
	}
	meanDaily := 0.0
	n := min(h, DaysPerYear)
	for day := 1; day <= n; day++ {
		m := dem.Mean(day)
		if bad(m) {
			return Levels{}, inputErr("levels: forecast mean of day %d is %v: it must be finite and ≥ 0", day, m)
		}
		meanDaily += m
	}
	meanDaily /= float64(n)
	q, eoq, note, err := econ.LotSize(meanDaily)
	if err != nil {
		return Levels{}, err
	}
	lv := Levels{Rule: rule, MeanDaily: meanDaily, MOQ: econ.MOQ, Pack: econ.Pack, LotNote: note}
	if rule.Policy == PolicyMinMax {
		lv.Method = "configured"
		if rule.Max > 0 {
			lv.ReorderPoint, lv.OrderUpTo = float64(rule.Min), float64(rule.Max)
		} else {
			lv.ReorderPoint, lv.OrderUpTo = rule.MinDays*meanDaily, rule.MaxDays*meanDaily
			lv.Method = fmt.Sprintf("%g and %g days of average demand %.2f/day", rule.MinDays, rule.MaxDays, meanDaily)
		}
		lv.ProtectionDays = lt.Days
		lv.MeanDemand = meanMass(dem, min(lt.Days, h))
		lv.SafetyStock = lv.ReorderPoint - lv.MeanDemand
		return lv, nil
	}
	review := rule.review()
	lv.ProtectionDays = lt.Days + review
	if lv.ProtectionDays > h {
		return Levels{}, inputErr("levels: the forecast covers %d days but %s needs %d (lead time %d + review period %d): forecast further ahead", h, rule.Policy, lv.ProtectionDays, lt.Days, review)
	}
	lv.MeanDemand = meanMass(dem, lv.ProtectionDays)
	undershoot := rule.Policy != PolicyRS && !rule.NoUndershoot
	// Demand per replenishment cycle, for a fill-rate target.
	cycle := float64(q)
	if rule.Policy == PolicyRS {
		cycle = meanMass(dem, review)
	}
	var level float64
	if !isNormal(dem) && !isAtoms(dem) && rule.Service.Kind == CycleService {
		// A quantile-only forecast answers a cycle service level with one
		// quantile. A variable lead time and the undershoot U widen it as
		// they would a normal: + E[U] + z·(√(σ_X² + d̄²σ_L² + σ_U²) − σ_X),
		// with σ_X read from the forecast's ±1σ quantiles. This keeps the
		// forecast's own shape and costs a few dozen quantile calls.
		lv.Method = describe(dem)
		p := lv.ProtectionDays
		if p > 0 {
			level = dem.LeadTimeQuantile(rule.Service.Level, p)
			if math.IsNaN(level) || math.IsInf(level, 0) {
				return Levels{}, inputErr("levels: the forecast gives no %g-quantile over %d days (got %v)", rule.Service.Level, p, level)
			}
		}
		extra := 0.0
		if lt.SD > 0 {
			dbar := dem.Mean(1)
			if lt.Days > 0 {
				dbar = meanMass(dem, lt.Days) / float64(lt.Days)
			}
			extra += dbar * dbar * lt.SD * lt.SD
			lv.Method += " and lead-time variability"
		}
		if undershoot {
			day, err := atomsFor(dem, 1, undershootGrid)
			if err != nil {
				return Levels{}, err
			}
			u := day.undershoot()
			lv.Undershoot = u.mean()
			level += lv.Undershoot
			extra += u.sd() * u.sd()
		}
		if extra > 0 {
			sx := 0.0
			if p > 0 {
				sx = (dem.LeadTimeQuantile(0.8413447460685429, p) - dem.LeadTimeQuantile(0.15865525393145707, p)) / 2
			}
			if !(sx >= 0) || math.IsInf(sx, 0) {
				return Levels{}, inputErr("levels: the forecast's quantiles over %d days are not increasing (spread %v)", p, sx)
			}
			level += NormalQuantile(rule.Service.Level) * (math.Sqrt(sx*sx+extra) - sx)
		}
	} else {
		d, u, method, err := protectionDist(dem, lt, review, undershoot)
		if err != nil {
			return Levels{}, err
		}
		lv.Method, lv.Undershoot = method, u
		switch {
		case rule.Service.Kind == CycleService:
			level = d.quantile(rule.Service.Level)
		case !(cycle > 0):
			// No demand per cycle: nothing can be short.
			level = d.quantile(0.5)
		default:
			level = d.coverFor((1 - rule.Service.Level) * cycle)
		}
	}
	level = max(level, 0)
	lv.SafetyStock = level - lv.MeanDemand - lv.Undershoot
	if rule.Policy == PolicyRS {
		lv.ReorderPoint, lv.OrderUpTo = level, level
		return lv, nil
	}
	lv.ReorderPoint, lv.OrderUpTo, lv.Quantity, lv.EOQ = level, level+float64(q), q, eoq
	return lv, nil
}

// meanMass returns the expected demand over days 1..days.
func meanMass(dem Demand, days int) float64 {
	s := 0.0
	for day := 1; day <= days; day++ {
		s += dem.Mean(day)
	}
	return s
}

func isNormal(dem Demand) bool {
	_, ok := dem.(normalDemand)
	return ok
}

func isAtoms(dem Demand) bool {
	_, ok := dem.(atomDemand)
	return ok
}

func describe(dem Demand) string {
	if d, ok := dem.(Describer); ok {
		return d.Describe()
	}
	return "forecast quantiles"
}

// undershootGrid is the number of quantiles of one day's demand read from a
// quantile-only forecast to work out the undershoot, and undershootAtoms the
// bins the undershoot is pooled into before it is added to lead-time demand
// (it is small beside it, so its shape matters less than its mean, which
// pooling keeps).
const (
	undershootGrid  = 50
	undershootAtoms = 24
)

// atomsFor returns the distribution of demand over days 1..days of a
// non-normal forecast: exact for sample paths, daily and Poisson forecasts,
// otherwise a grid of n of the forecast's quantiles.
func atomsFor(dem Demand, days, n int) (dist, error) {
	if days == 0 {
		return pointDist(0), nil
	}
	if a, ok := dem.(atomDemand); ok {
		return a.leadAtoms(days), nil
	}
	v := make([]float64, n)
	w := make([]float64, n)
	for i := range v {
		p := (float64(i) + 0.5) / float64(n)
		v[i] = dem.LeadTimeQuantile(p, days)
		if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			return dist{}, inputErr("levels: the forecast's %g-quantile over %d days is %v: it must be a finite number", p, days, v[i])
		}
		w[i] = 1 / float64(n)
	}
	return newDist(v, w), nil
}

// leadPoints discretises a variable lead time into whole days with
// probabilities, from 4 standard deviations below to 4 above (at least 0).
func leadPoints(lt LeadTime) ([]int, []float64) {
	if lt.SD == 0 {
		return []int{lt.Days}, []float64{1}
	}
	m := float64(lt.Days)
	lo := max(0, int(math.Floor(m-4*lt.SD)))
	hi := int(math.Ceil(m + 4*lt.SD))
	var days []int
	var ws []float64
	for l := lo; l <= hi; l++ {
		a, b := NormalCDF((float64(l)-0.5-m)/lt.SD), NormalCDF((float64(l)+0.5-m)/lt.SD)
		if l == lo {
			a = 0
		}
		if l == hi {
			b = 1
		}
		if b > a {
			days = append(days, l)
			ws = append(ws, b-a)
		}
	}
	return days, ws
}

// protectionDist returns the distribution of demand over the lead time plus
// extra days (the review period), widened by the lead-time distribution and
// plus the undershoot when asked, with the undershoot's mean, and names the
// method.
//
// Lead-time variability follows σ² = L·σ_d² + d̄²·σ_L²: normal forecasts add
// the second term to the variance; other forecasts mix copies of their
// distribution shifted by d̄·(l − L) for each lead time l (rounded to whole
// units when demand is), which has that variance while keeping the shape.
func protectionDist(dem Demand, lt LeadTime, extra int, undershoot bool) (dist, float64, string, error) {
	days := lt.Days + extra
	method := describe(dem)
	dbar := dem.Mean(1)
	if lt.Days > 0 {
		dbar = meanMass(dem, lt.Days) / float64(lt.Days)
	}
	if lt.SD > 0 {
		method += " and lead-time variability"
	}
	if nd, ok := dem.(normalDemand); ok {
		mu, v := 0.0, 0.0
		for day := 1; day <= days; day++ {
			mu += dem.Mean(day)
			s := nd.daySD(day)
			v += s * s
		}
		v += dbar * dbar * lt.SD * lt.SD
		d := normalDist(mu, math.Sqrt(v))
		u := 0.0
		if undershoot {
			ud := normalDist(dem.Mean(1), nd.daySD(1)).undershoot()
			d, u = add(d, ud), ud.mean()
		}
		return d, u, method, nil
	}
	d, err := atomsFor(dem, days, gridSize)
	if err != nil {
		return dist{}, 0, "", err
	}
	if lt.SD > 0 {
		ls, ws := leadPoints(lt)
		whole := integral(d.v)
		shifts := make([]float64, len(ls))
		for k, l := range ls {
			shifts[k] = dbar * float64(l-lt.Days)
			if whole {
				shifts[k] = math.Round(shifts[k])
			}
		}
		d = d.shiftMix(shifts, ws)
	}
	u := 0.0
	if undershoot {
		if isAtoms(dem) {
			day, err := atomsFor(dem, 1, 0)
			if err != nil {
				return dist{}, 0, "", err
			}
			ud := day.undershoot()
			d, u = add(d, ud.pooled(undershootAtoms)), ud.mean()
		} else {
			day, err := atomsFor(dem, 1, undershootGrid)
			if err != nil {
				return dist{}, 0, "", err
			}
			ud := day.undershoot()
			d, u = add(d, ud.pooled(undershootAtoms)), ud.mean()
		}
	}
	return d, u, method, nil
}
