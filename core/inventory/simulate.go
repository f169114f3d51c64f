package inventory

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Estimate says how the simulator estimates the demand distribution from
// the trailing window of history when no forecast is given.
type Estimate string

// The estimation methods.
const (
	// EstimateAuto uses EstimateEmpirical for intermittent or lumpy demand
	// (Syntetos–Boylan: average demand interval > 1.32 days or squared
	// coefficient of variation of the non-zero sizes > 0.49) and
	// EstimateErrors otherwise.
	EstimateAuto Estimate = "auto"
	// EstimateNormal fits a normal to the window's daily mean and standard
	// deviation.
	EstimateNormal Estimate = "normal"
	// EstimateEmpirical bootstraps the window's days ([NewHistoryDemand]).
	EstimateEmpirical Estimate = "empirical"
	// EstimateErrors forecasts with the least-squares trend line through the
	// last Level days and takes lead-time demand from that forecast's own
	// past errors over the window ([ErrorDemand] with Trend), which follows
	// seasonality and trends.
	EstimateErrors Estimate = "errors"
)

// ParseEstimate parses auto, normal or empirical.
func ParseEstimate(s string) (Estimate, error) {
	switch e := Estimate(s); e {
	case EstimateAuto, EstimateNormal, EstimateEmpirical, EstimateErrors:
		return e, nil
	}
	return "", inputErr("unknown estimation method %q: use auto, normal or empirical", s)
}

// DefaultWindow is the trailing window of history, in days, from which the
// simulator estimates demand when no forecast is given.
const DefaultWindow = 56

// Forecaster gives the simulator the forecast made at the end of day t (0-
// based) of a series, covering days t+1 onwards as its days 1, 2, …
type Forecaster func(t int) (Demand, error)

// SimConfig configures a policy simulation.
type SimConfig struct {
	// Rule is the policy to replay.
	Rule Rule
	// LeadTime is the supplier lead time; with SD > 0 each order's lead time
	// is drawn from a normal with that mean and SD, rounded to whole days and
	// at least 0 (orders may then cross).
	LeadTime LeadTime
	// Economics size the lots (EOQ) and price the report; without costs the
	// report has no money columns.
	Economics Economics
	// Backorders keeps unmet demand as a backlog served by the next receipts;
	// by default it is lost.
	Backorders bool
	// Estimate is how demand is estimated from history when Forecast is nil
	// (default auto).
	Estimate Estimate
	// Window is the trailing history window in days (default 56).
	Window int
	// Level is the moving-average length of EstimateErrors (default 28).
	Level int
	// Warmup is the days before scoring starts (default Window, and at least
	// Window when estimating from history).
	Warmup int
	// Forecast, when set, replaces the history estimate: the simulator asks
	// it for the forecast at the end of every review day.
	Forecast Forecaster
	// Seed drives stochastic lead times; with the series id it makes every
	// run reproducible.
	Seed uint64
}

func (c SimConfig) withDefaults() SimConfig {
	if c.Estimate == "" {
		c.Estimate = EstimateAuto
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.Level == 0 {
		c.Level = 28
	}
	need := c.Window
	if c.Estimate == EstimateErrors || c.Estimate == EstimateAuto {
		need = c.Level + c.Window + c.LeadTime.Days + c.Rule.review()
	}
	if c.Warmup == 0 {
		c.Warmup = need
	}
	if c.Forecast == nil {
		c.Warmup = max(c.Warmup, need)
	}
	return c
}

// Validate checks the configuration.
func (c SimConfig) Validate() error {
	c = c.withDefaults()
	if err := c.Rule.Validate(); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if err := c.LeadTime.Validate(); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if err := c.Economics.Validate(); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if _, err := ParseEstimate(string(c.Estimate)); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if c.Window < 2 || c.Warmup < 0 {
		return inputErr("simulate: window %d must be ≥ 2 days and warmup %d ≥ 0", c.Window, c.Warmup)
	}
	return nil
}

// Series is a daily demand history in whole units, oldest first.
type Series struct {
	// ID names the series, for example "SKU-1@warehouse-a".
	ID string
	// Demand is the units demanded each day.
	Demand []int
	// Start is the t of the first day as read from CSV: an integer index, or
	// with Dated the day number since 1970-01-01. Forecast files align on it.
	Start int64
	// Dated says the CSV's t were dates.
	Dated bool
}

// SimResult is what a policy achieved on one series (or, from [Total], on
// several).
type SimResult struct {
	// SeriesID names the series ("TOTAL" for a total).
	SeriesID string
	// Policy describes the rule, for example "rop at 95% cycle service level".
	Policy string
	// Method says how the policy saw demand, for example "empirical bootstrap
	// of history (intermittent)".
	Method string
	// Days is the number of days scored (after the warm-up).
	Days int
	// Demanded and Served are units demanded and served from stock on the
	// day they were demanded.
	Demanded, Served int64
	// FillRate is Served/Demanded (NaN without demand).
	FillRate float64
	// Cycles counts replenishment cycles, each ending with a receipt, and
	// StockoutCycles those with any unmet demand.
	Cycles, StockoutCycles int
	// CSL is the cycle service level achieved: 1 − StockoutCycles/Cycles
	// (NaN without a completed cycle).
	CSL float64
	// StockoutDays counts days with unmet demand.
	StockoutDays int
	// UnitDays is the sum of end-of-day stock on hand over the scored days.
	UnitDays int64
	// AvgOnHand is UnitDays/Days.
	AvgOnHand float64
	// Orders is the number of orders placed.
	Orders int
	// HoldingCost is UnitDays × unit cost × holding rate / 365;
	// OrderingCost is Orders × order cost; TotalCost their sum. All are
	// rounded to the currency's minor units, and zero Money without costs.
	HoldingCost, OrderingCost, TotalCost commerce.Money
}

// Simulate replays one demand history through a policy, day by day: at the
// start of a day orders due arrive; the day's demand is served from stock
// (the rest is lost, or backordered); at the end of the day the policy
// reviews the inventory position (every day, or every R days for rs) with
// levels recomputed from the forecast or the trailing window, and orders
// arrive after the lead time. The first Warmup days only feed the estimate;
// scoring starts with stock at the policy's order-up-to level.
func Simulate(s Series, cfg SimConfig) (SimResult, error) {
	if err := cfg.Validate(); err != nil {
		return SimResult{}, err
	}
	cfg = cfg.withDefaults()
	for t, d := range s.Demand {
		if d < 0 {
			return SimResult{}, inputErr("simulate: series %q day %d: demand %d must be ≥ 0", s.ID, t, d)
		}
	}
	start := cfg.Warmup
	if len(s.Demand) <= start {
		return SimResult{}, inputErr("simulate: series %q has %d days, not more than the %d-day warm-up: give a longer history or a shorter --window/--warmup", s.ID, len(s.Demand), start)
	}
	res := SimResult{SeriesID: s.ID, Policy: cfg.Rule.String()}
	h := fnv.New64a()
	h.Write([]byte(s.ID))
	rng := rand.New(rand.NewPCG(cfg.Seed, h.Sum64()))

	methods := map[string]int{}
	var seen []string
	levelsAt := func(t int) (Levels, error) {
		dem, method, err := cfg.demandAt(s, t)
		if err != nil {
			return Levels{}, err
		}
		lv, err := ComputeLevels(cfg.Rule, dem, cfg.LeadTime, cfg.Economics)
		if err != nil {
			return Levels{}, fmt.Errorf("simulate: series %q day %d: %w", s.ID, t, err)
		}
		if _, ok := methods[method]; !ok {
			seen = append(seen, method)
		}
		methods[method]++
		return lv, nil
	}

	lv, err := levelsAt(start - 1)
	if err != nil {
		return SimResult{}, err
	}
	net := int(math.Ceil(lv.OrderUpTo - 1e-9)) // stock on hand minus backorders
	type order struct{ due, qty int }
	var pipeline []order
	onOrder := 0
	short := false
	review := cfg.Rule.review()
	for t := start; t < len(s.Demand); t++ {
		// Receipts at the start of the day close a cycle each.
		kept := pipeline[:0]
		for _, o := range pipeline {
			if o.due != t {
				kept = append(kept, o)
				continue
			}
			net += o.qty
			onOrder -= o.qty
			res.Cycles++
			if short {
				res.StockoutCycles++
				short = false
			}
		}
		pipeline = kept

		d := s.Demand[t]
		served := min(max(net, 0), d)
		res.Demanded += int64(d)
		res.Served += int64(served)
		if served < d {
			short = true
			res.StockoutDays++
		}
		if cfg.Backorders {
			net -= d
		} else {
			net -= served
		}
		res.UnitDays += int64(max(net, 0))
		res.Days++

		if review > 0 && (t-start)%review != 0 {
			continue
		}
		if lv, err = levelsAt(t); err != nil {
			return SimResult{}, err
		}
		if q := lv.Order(net + onOrder); q > 0 {
			lead := cfg.LeadTime.Days
			if cfg.LeadTime.SD > 0 {
				lead = max(0, int(math.Round(float64(lead)+cfg.LeadTime.SD*rng.NormFloat64())))
			}
			pipeline = append(pipeline, order{due: t + lead + 1, qty: q})
			onOrder += q
			res.Orders++
		}
	}
	res.Method = seen[0]
	if len(seen) > 1 {
		parts := make([]string, len(seen))
		for i, m := range seen {
			parts[i] = fmt.Sprintf("%s on %d reviews", m, methods[m])
		}
		res.Method = strings.Join(parts, "; ")
	}
	res.finish(cfg.Economics)
	return res, nil
}

// demandAt returns the demand forecast the policy sees at the end of day t.
func (c SimConfig) demandAt(s Series, t int) (Demand, string, error) {
	if c.Forecast != nil {
		dem, err := c.Forecast(t)
		if err != nil {
			return nil, "", fmt.Errorf("simulate: series %q forecast at day %d: %w", s.ID, t, err)
		}
		return dem, "forecast: " + describe(dem), nil
	}
	lo := max(0, t+1-c.Window)
	window := make([]float64, t+1-lo)
	for i := range window {
		window[i] = float64(s.Demand[lo+i])
	}
	method := c.Estimate
	note := ""
	if method == EstimateAuto {
		if intermittent(window) {
			method, note = EstimateEmpirical, " (auto: intermittent or lumpy)"
		} else {
			method, note = EstimateErrors, " (auto: smooth)"
		}
	}
	if method == EstimateErrors {
		lo := max(0, t+1-(c.Level+c.Window+c.LeadTime.Days+c.Rule.review()+1))
		hist := make([]float64, t+1-lo)
		for i := range hist {
			hist[i] = float64(s.Demand[lo+i])
		}
		dem, err := NewErrorDemand(hist, ErrorConfig{Level: c.Level, Origins: c.Window, Trend: true})
		if err != nil {
			return nil, "", fmt.Errorf("simulate: series %q day %d: %w", s.ID, t, err)
		}
		return dem, dem.Describe() + note, nil
	}
	if method == EstimateEmpirical {
		dem, err := NewHistoryDemand(window)
		if err != nil {
			return nil, "", err
		}
		return dem, dem.Describe() + note, nil
	}
	mean, sd := meanSD(window)
	dem, err := NewConstantDemand(mean, sd)
	if err != nil {
		return nil, "", err
	}
	return dem, dem.Describe() + note, nil
}

func meanSD(x []float64) (float64, float64) {
	m := 0.0
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	ss := 0.0
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	if len(x) < 2 {
		return m, 0
	}
	return m, math.Sqrt(ss / float64(len(x)-1))
}

// intermittent applies the Syntetos–Boylan–Croston cut-offs: average
// inter-demand interval above 1.32 days, or squared coefficient of
// variation of the non-zero demand sizes above 0.49.
//
// Reference: A. A. Syntetos, J. E. Boylan and J. D. Croston, "On the
// categorization of demand patterns", JORS 56, 2005, 495–503.
func intermittent(x []float64) bool {
	var sizes []float64
	for _, v := range x {
		if v > 0 {
			sizes = append(sizes, v)
		}
	}
	if len(sizes) == 0 {
		return true
	}
	adi := float64(len(x)) / float64(len(sizes))
	m, sd := meanSD(sizes)
	return adi > 1.32 || (sd*sd)/(m*m) > 0.49
}

func (r *SimResult) finish(e Economics) {
	r.FillRate = ratio(r.Served, r.Demanded)
	r.CSL = math.NaN()
	if r.Cycles > 0 {
		r.CSL = 1 - float64(r.StockoutCycles)/float64(r.Cycles)
	}
	r.AvgOnHand = math.NaN()
	if r.Days > 0 {
		r.AvgOnHand = float64(r.UnitDays) / float64(r.Days)
	}
	cur := e.UnitCost.Currency
	if !e.UnitCost.Valid() {
		cur = e.OrderCost.Currency
	}
	if !cur.Valid() {
		return
	}
	r.HoldingCost, r.OrderingCost = commerce.Zero(cur), commerce.Zero(cur)
	if h, ok := e.HoldingCost(); ok {
		r.HoldingCost = commerce.Money{
			Amount:   h.Mul(decimal.NewFromInt(r.UnitDays)).Div(decimal.NewFromInt(DaysPerYear)),
			Currency: cur,
		}.Round(commerce.RoundHalfEven)
	}
	if e.OrderCost.Valid() {
		r.OrderingCost = e.OrderCost.MulInt(r.Orders).Round(commerce.RoundHalfEven)
	}
	r.TotalCost = commerce.Money{Amount: r.HoldingCost.Amount.Add(r.OrderingCost.Amount), Currency: cur}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// Total adds up results: units, cycles, days, orders and costs are summed;
// fill rate and CSL are recomputed from the sums, and AvgOnHand is the sum of
// the series' averages (the stock the whole assortment carries). Costs must
// share a currency.
func Total(results []SimResult) (SimResult, error) {
	t := SimResult{SeriesID: "TOTAL"}
	var unitDays float64
	for i, r := range results {
		if i == 0 {
			t.Policy, t.Method = r.Policy, r.Method
			t.HoldingCost, t.OrderingCost, t.TotalCost = r.HoldingCost, r.OrderingCost, r.TotalCost
		} else {
			if r.Policy != t.Policy {
				t.Policy = "mixed"
			}
			if r.Method != t.Method {
				t.Method = "mixed"
			}
			if err := addMoney(&t, r); err != nil {
				return SimResult{}, err
			}
		}
		t.Demanded += r.Demanded
		t.Served += r.Served
		t.Cycles += r.Cycles
		t.StockoutCycles += r.StockoutCycles
		t.StockoutDays += r.StockoutDays
		t.UnitDays += r.UnitDays
		t.Orders += r.Orders
		t.Days = max(t.Days, r.Days)
		if r.Days > 0 {
			unitDays += float64(r.UnitDays) / float64(r.Days)
		}
	}
	t.FillRate = ratio(t.Served, t.Demanded)
	t.CSL = math.NaN()
	if t.Cycles > 0 {
		t.CSL = 1 - float64(t.StockoutCycles)/float64(t.Cycles)
	}
	t.AvgOnHand = unitDays
	return t, nil
}

func addMoney(t *SimResult, r SimResult) error {
	var err error
	if t.HoldingCost, err = t.HoldingCost.Add(r.HoldingCost); err == nil {
		if t.OrderingCost, err = t.OrderingCost.Add(r.OrderingCost); err == nil {
			t.TotalCost, err = t.TotalCost.Add(r.TotalCost)
		}
	}
	if err != nil {
		return fmt.Errorf("simulate: total of series %q: %w", r.SeriesID, err)
	}
	return nil
}

// SimulateAll simulates every series with the same configuration, in order,
// stopping at the first error or when ctx is done. forecasts, when not nil,
// gives each series its own Forecaster (overriding cfg.Forecast).
func SimulateAll(ctx context.Context, series []Series, cfg SimConfig, forecasts func(Series) (Forecaster, error)) ([]SimResult, error) {
	out := make([]SimResult, 0, len(series))
	for _, s := range series {
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("simulate: %w", err)
		}
		c := cfg
		if forecasts != nil {
			f, err := forecasts(s)
			if err != nil {
				return out, err
			}
			c.Forecast = f
		}
		r, err := Simulate(s, c)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// MatchMinMax tunes the naive baseline a spreadsheet would use, min/max in
// days of average demand with max = min + lotDays, to the service the
// policy under test achieved: it finds by bisection the smallest min (to
// 0.01 day, up to 365 days) whose cycle service level over all series is at
// least targetCSL, and returns that rule with its results and total. cfg
// supplies everything else (lead time, economics, estimate or forecasts),
// so both policies see the same demand information. Comparing costs then
// answers: what does the better policy save at the same service?
func MatchMinMax(ctx context.Context, series []Series, cfg SimConfig, forecasts func(Series) (Forecaster, error), targetCSL, lotDays float64) (Rule, []SimResult, SimResult, error) {
	if !(targetCSL > 0 && targetCSL <= 1) || !(lotDays > 0) || math.IsInf(lotDays, 0) {
		return Rule{}, nil, SimResult{}, inputErr("match min/max: target CSL %v must be in (0, 1] and lot days %v > 0", targetCSL, lotDays)
	}
	run := func(minDays float64) (Rule, []SimResult, SimResult, error) {
		c := cfg
		c.Rule = Rule{Policy: PolicyMinMax, MinDays: minDays, MaxDays: minDays + lotDays}
		rs, err := SimulateAll(ctx, series, c, forecasts)
		if err != nil {
			return Rule{}, nil, SimResult{}, err
		}
		tot, err := Total(rs)
		return c.Rule, rs, tot, err
	}
	// Bisect over hundredths of a day.
	lo, hi := 0, 100*DaysPerYear
	rule, rs, tot, err := run(float64(hi) / 100)
	if err != nil {
		return Rule{}, nil, SimResult{}, err
	}
	if math.IsNaN(tot.CSL) || tot.CSL < targetCSL {
		return Rule{}, nil, SimResult{}, inputErr("match min/max: even %d days of cover reach a cycle service level of only %.3f, below %.3f", DaysPerYear, tot.CSL, targetCSL)
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		r, s, t, err := run(float64(mid) / 100)
		if err != nil {
			return Rule{}, nil, SimResult{}, err
		}
		if !math.IsNaN(t.CSL) && t.CSL >= targetCSL {
			hi, rule, rs, tot = mid, r, s, t
		} else {
			lo = mid
		}
	}
	return rule, rs, tot, nil
}
