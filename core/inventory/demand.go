package inventory

import (
	"fmt"
	"math"
	"slices"
)

// Demand is a demand forecast for one SKU-location, day by day from
// tomorrow (day 1) to Horizon. Quantities are units and may be fractional.
//
// The forecasting engine's results fit it with a thin adapter: Mean(day) is
// the point forecast of step day, and LeadTimeQuantile the quantile of the
// total over steps 1..days. [NormalDemand], [PathDemand] and [DailyDemand]
// are ready-made implementations.
type Demand interface {
	// Horizon is the number of days forecast.
	Horizon() int
	// Mean returns the expected demand on day (1..Horizon).
	Mean(day int) float64
	// LeadTimeQuantile returns the p-quantile (0 < p < 1) of the total
	// demand over days 1..days (1 ≤ days ≤ Horizon).
	LeadTimeQuantile(p float64, days int) float64
}

// Describer is implemented by a Demand that can name its method in a few
// words ("normal approximation", "empirical, 500 sample paths"). Reasons and
// simulator reports quote it.
type Describer interface {
	Describe() string
}

// atomDemand is implemented by Demands that know their lead-time demand
// distribution exactly as a discrete distribution, which is sharper than a
// quantile grid: values ascending, probabilities summing to 1.
type atomDemand interface {
	leadAtoms(days int) dist
}

// normalDemand is implemented by Demands whose daily demands are independent
// normals: the planner then uses the closed forms.
type normalDemand interface {
	daySD(day int) float64
}

// maxFlatHorizon is the horizon of a flat forecast such as a history: any
// protection period a policy could need.
const maxFlatHorizon = 1 << 20

// NormalDemand forecasts daily demand as independent normal variables with
// a mean and a standard deviation per day: lead-time demand is then normal
// with mean Σμ and variance Σσ², and the planner uses the closed forms
// (Φ⁻¹ for a cycle service level, the loss function G for a fill rate).
// Quantiles are clipped at 0, since demand is never negative.
type NormalDemand struct {
	means, sds []float64
	flat       bool
}

// NewNormalDemand returns a normal forecast from per-day means and standard
// deviations (equal lengths, finite, ≥ 0).
func NewNormalDemand(means, sds []float64) (*NormalDemand, error) {
	if len(means) == 0 {
		return nil, inputErr("normal demand: no forecast days: give at least one mean")
	}
	if len(sds) != len(means) {
		return nil, inputErr("normal demand: %d means but %d standard deviations: give one of each per day", len(means), len(sds))
	}
	for i := range means {
		if bad(means[i]) || bad(sds[i]) {
			return nil, inputErr("normal demand: day %d: mean %v and standard deviation %v must be finite and ≥ 0", i+1, means[i], sds[i])
		}
	}
	return &NormalDemand{means: slices.Clone(means), sds: slices.Clone(sds)}, nil
}

// NewConstantDemand returns a normal forecast with the same mean and
// standard deviation every day, with an unlimited horizon.
func NewConstantDemand(mean, sd float64) (*NormalDemand, error) {
	if bad(mean) || bad(sd) {
		return nil, inputErr("constant demand: mean %v and standard deviation %v must be finite and ≥ 0", mean, sd)
	}
	return &NormalDemand{means: []float64{mean}, sds: []float64{sd}, flat: true}, nil
}

func bad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) || x < 0 }

// Horizon returns the number of days forecast.
func (d *NormalDemand) Horizon() int {
	if d.flat {
		return maxFlatHorizon
	}
	return len(d.means)
}

func (d *NormalDemand) at(day int) int {
	if d.flat {
		return 0
	}
	return day - 1
}

// Mean returns the mean demand of day (1-based); NaN out of range.
func (d *NormalDemand) Mean(day int) float64 {
	if day < 1 || day > d.Horizon() {
		return math.NaN()
	}
	return d.means[d.at(day)]
}

func (d *NormalDemand) daySD(day int) float64 { return d.sds[d.at(day)] }

func (d *NormalDemand) moments(days int) (mu, sigma float64) {
	if d.flat {
		return float64(days) * d.means[0], math.Sqrt(float64(days)) * d.sds[0]
	}
	v := 0.0
	for i := range days {
		mu += d.means[i]
		v += d.sds[i] * d.sds[i]
	}
	return mu, math.Sqrt(v)
}

// LeadTimeQuantile returns the p-quantile of the demand over days 1..days,
// clipped at 0; NaN when p or days is out of range.
func (d *NormalDemand) LeadTimeQuantile(p float64, days int) float64 {
	if !(p > 0 && p < 1) || days < 1 || days > d.Horizon() {
		return math.NaN()
	}
	mu, sigma := d.moments(days)
	return max(0, mu+sigma*NormalQuantile(p))
}

// Describe returns "normal approximation".
func (d *NormalDemand) Describe() string { return "normal approximation" }

// PathDemand forecasts demand by sample paths, for example paths simulated
// from a forecast model: each path is one possible future, day 1 first. The
// lead-time demand distribution is the empirical distribution of the paths'
// totals, so skewed and intermittent demand keeps its shape. It caches the
// sorted totals per lead time and is not safe for concurrent use.
type PathDemand struct {
	paths [][]float64
	cache map[int]dist
}

// NewPathDemand returns a forecast from sample paths: at least one path, all
// of the same length, every value finite and ≥ 0.
func NewPathDemand(paths [][]float64) (*PathDemand, error) {
	if len(paths) == 0 || len(paths[0]) == 0 {
		return nil, inputErr("path demand: no sample paths: give at least one path of at least one day")
	}
	n := len(paths[0])
	for i, p := range paths {
		if len(p) != n {
			return nil, inputErr("path demand: path %d has %d days but path 0 has %d: give every path the same horizon", i, len(p), n)
		}
		for j, v := range p {
			if bad(v) {
				return nil, inputErr("path demand: path %d day %d: value %v must be finite and ≥ 0", i, j+1, v)
			}
		}
	}
	return &PathDemand{paths: paths, cache: map[int]dist{}}, nil
}

// Horizon returns the paths' length in days.
func (d *PathDemand) Horizon() int { return len(d.paths[0]) }

// Mean returns the average over the paths of day (1-based); NaN out of range.
func (d *PathDemand) Mean(day int) float64 {
	if day < 1 || day > d.Horizon() {
		return math.NaN()
	}
	s := 0.0
	for _, p := range d.paths {
		s += p[day-1]
	}
	return s / float64(len(d.paths))
}

func (d *PathDemand) leadAtoms(days int) dist {
	if a, ok := d.cache[days]; ok {
		return a
	}
	v := make([]float64, len(d.paths))
	for i, p := range d.paths {
		for _, x := range p[:days] {
			v[i] += x
		}
	}
	w := make([]float64, len(v))
	for i := range w {
		w[i] = 1 / float64(len(v))
	}
	a := newDist(v, w)
	d.cache[days] = a
	return a
}

// LeadTimeQuantile returns the p-quantile of the paths' totals over days
// 1..days (the smallest total with at least a share p of paths at or below
// it); NaN when p or days is out of range.
func (d *PathDemand) LeadTimeQuantile(p float64, days int) float64 {
	if !(p > 0 && p < 1) || days < 1 || days > d.Horizon() {
		return math.NaN()
	}
	return d.leadAtoms(days).quantile(p)
}

// Describe names the method and the number of paths.
func (d *PathDemand) Describe() string {
	return fmt.Sprintf("empirical, %d sample paths", len(d.paths))
}

// DailyDemand forecasts every future day as an independent draw from one
// discrete distribution of daily demand, so the lead-time demand
// distribution is that distribution convolved with itself once per day,
// computed exactly for whole-unit demand. [NewHistoryDemand] takes the
// distribution from a window of history (a bootstrap), which suits
// intermittent and skewed demand, where the normal approximation misplaces
// the quantiles; it ignores trend and seasonality. [NewDailyDemand] takes it
// from a model, for example a Croston-type forecast's occurrence probability
// and size distribution. It caches per lead time and is not safe for
// concurrent use.
type DailyDemand struct {
	day   dist
	desc  string
	cache map[int]dist
}

// NewDailyDemand returns iid daily demand taking values[i] with probability
// probs[i] (values finite and ≥ 0, probabilities ≥ 0 with a positive sum;
// they are normalised).
func NewDailyDemand(values, probs []float64) (*DailyDemand, error) {
	if len(values) == 0 || len(values) != len(probs) {
		return nil, inputErr("daily demand: %d values and %d probabilities: give one probability per value, at least one", len(values), len(probs))
	}
	sum := 0.0
	for i := range values {
		if bad(values[i]) || bad(probs[i]) {
			return nil, inputErr("daily demand: value %v with probability %v: both must be finite and ≥ 0", values[i], probs[i])
		}
		sum += probs[i]
	}
	if !(sum > 0) {
		return nil, inputErr("daily demand: the probabilities sum to 0")
	}
	var v, p []float64
	for i := range values {
		if probs[i] > 0 {
			v, p = append(v, values[i]), append(p, probs[i])
		}
	}
	return &DailyDemand{day: newDist(v, p), desc: "empirical daily distribution", cache: map[int]dist{}}, nil
}

// NewHistoryDemand returns a bootstrap forecast from daily history (at least
// one day, every value finite and ≥ 0).
func NewHistoryDemand(window []float64) (*DailyDemand, error) {
	if len(window) == 0 {
		return nil, inputErr("history demand: empty window: give at least one day of history")
	}
	w := make([]float64, len(window))
	for i, v := range window {
		if bad(v) {
			return nil, inputErr("history demand: day %d: value %v must be finite and ≥ 0", i+1, v)
		}
		w[i] = 1 / float64(len(window))
	}
	return &DailyDemand{day: newDist(slices.Clone(window), w), desc: "empirical bootstrap of history", cache: map[int]dist{}}, nil
}

// Horizon is unlimited: the forecast is the same for every day.
func (d *DailyDemand) Horizon() int { return maxFlatHorizon }

// Mean returns the mean daily demand.
func (d *DailyDemand) Mean(day int) float64 {
	if day < 1 {
		return math.NaN()
	}
	return d.day.mean()
}

func (d *DailyDemand) leadAtoms(days int) dist {
	if a, ok := d.cache[days]; ok {
		return a
	}
	a := d.day.power(days)
	d.cache[days] = a
	return a
}

// LeadTimeQuantile returns the p-quantile of the total over days days.
func (d *DailyDemand) LeadTimeQuantile(p float64, days int) float64 {
	if !(p > 0 && p < 1) || days < 1 {
		return math.NaN()
	}
	return d.leadAtoms(days).quantile(p)
}

// Describe names the source of the distribution.
func (d *DailyDemand) Describe() string { return d.desc }

// PoissonDemand forecasts daily demand as independent Poisson counts with a
// mean per day, a common model for slow movers when a forecast gives only
// means: demand over several days is then Poisson with the summed mean, and
// its distribution is used exactly.
type PoissonDemand struct {
	means []float64
	cache map[int]dist
}

// NewPoissonDemand returns a Poisson forecast from per-day means (at least
// one, finite, ≥ 0).
func NewPoissonDemand(means []float64) (*PoissonDemand, error) {
	if len(means) == 0 {
		return nil, inputErr("poisson demand: no forecast days: give at least one mean")
	}
	for i, m := range means {
		if bad(m) {
			return nil, inputErr("poisson demand: day %d: mean %v must be finite and ≥ 0", i+1, m)
		}
	}
	return &PoissonDemand{means: slices.Clone(means), cache: map[int]dist{}}, nil
}

// Horizon returns the number of days forecast.
func (d *PoissonDemand) Horizon() int { return len(d.means) }

// Mean returns the mean of day (1-based); NaN out of range.
func (d *PoissonDemand) Mean(day int) float64 {
	if day < 1 || day > len(d.means) {
		return math.NaN()
	}
	return d.means[day-1]
}

func (d *PoissonDemand) leadAtoms(days int) dist {
	if a, ok := d.cache[days]; ok {
		return a
	}
	lambda := 0.0
	for _, m := range d.means[:days] {
		lambda += m
	}
	a := poisson(lambda)
	d.cache[days] = a
	return a
}

// poisson returns the Poisson distribution with mean lambda, without the
// tails beyond 8 standard deviations (their mass is below 1e-12).
func poisson(lambda float64) dist {
	if lambda == 0 {
		return pointDist(0)
	}
	sd := math.Sqrt(lambda)
	lo := max(0, int(lambda-8*sd-5))
	hi := int(lambda+8*sd) + 10
	// p(mode) from the log-gamma function once, then the ratios
	// p(k+1)/p(k) = λ/(k+1) either way.
	mode := int(lambda)
	lg, _ := math.Lgamma(float64(mode) + 1)
	acc := make([]float64, hi-lo+1)
	pm := math.Exp(float64(mode)*math.Log(lambda) - lambda - lg)
	acc[mode-lo] = pm
	for k, pk := mode, pm; k < hi && pk > 1e-16; k++ {
		pk *= lambda / float64(k+1)
		acc[k+1-lo] = pk
	}
	for k, pk := mode, pm; k > lo && pk > 1e-16; k-- {
		pk *= float64(k) / lambda
		acc[k-1-lo] = pk
	}
	return fromDense(float64(lo), acc)
}

// LeadTimeQuantile returns the p-quantile of the Poisson total over days
// 1..days; NaN when p or days is out of range.
func (d *PoissonDemand) LeadTimeQuantile(p float64, days int) float64 {
	if !(p > 0 && p < 1) || days < 1 || days > len(d.means) {
		return math.NaN()
	}
	return d.leadAtoms(days).quantile(p)
}

// Describe returns "poisson".
func (d *PoissonDemand) Describe() string { return "poisson" }

// ErrorDemand is a simple forecast of recent history that carries its own
// error distribution. The forecast is the level of the last Level days (a
// moving average) or, with Trend, the least-squares line through them
// extended forward; demand over k days is the forecast's k-day total plus
// an error drawn from the errors the same method made over k days from each
// of the last Origins days of history (clipped at 0). Since the errors are
// measured, not assumed, they carry the forecast's bias as well as its
// noise: when seasonality makes the forecast lag, recent errors are large
// and so is the safety stock. This is safety stock from the forecast's error
// distribution over the lead time (Silver, Pyke and Thomas 2017, chapter 6), with
// the error measured empirically. It is not safe for concurrent use.
type ErrorDemand struct {
	s0, s1 []float64 // prefix sums of h[i] and of i·h[i] over the kept history
	cfg    ErrorConfig
	a, b   float64 // today's forecast: day j (1-based) has mean a + b·(Level−1+j)
	cache  map[int]dist
}

// ErrorConfig configures an [ErrorDemand].
type ErrorConfig struct {
	// Level is the number of recent days the forecast is fitted to (≥ 2).
	Level int
	// Origins is how many past forecasts' errors make the distribution (≥ 10).
	Origins int
	// Trend fits a line instead of a flat average.
	Trend bool
}

// errorKeep bounds the history an ErrorDemand keeps beyond Level + Origins:
// the longest protection period it can serve.
const errorKeep = 366

// minOrigins is the fewest past forecasts whose errors make a distribution.
const minOrigins = 10

// NewErrorDemand returns the forecast of history (oldest first, values
// finite and ≥ 0) with its own error distribution. History must hold at
// least Level + 10 days, and Level + Origins + the protection period for the
// full number of origins.
func NewErrorDemand(history []float64, cfg ErrorConfig) (*ErrorDemand, error) {
	if cfg.Level < 2 || cfg.Origins < minOrigins {
		return nil, inputErr("error demand: level %d must be ≥ 2 days and origins %d ≥ %d", cfg.Level, cfg.Origins, minOrigins)
	}
	if len(history) < cfg.Level+minOrigins {
		return nil, inputErr("error demand: %d days of history, need at least level %d + %d", len(history), cfg.Level, minOrigins)
	}
	h := history[max(0, len(history)-(cfg.Level+cfg.Origins+errorKeep)):]
	d := &ErrorDemand{s0: make([]float64, len(h)+1), s1: make([]float64, len(h)+1), cfg: cfg, cache: map[int]dist{}}
	for i, v := range h {
		if bad(v) {
			return nil, inputErr("error demand: history value %v must be finite and ≥ 0", v)
		}
		d.s0[i+1] = d.s0[i] + v
		d.s1[i+1] = d.s1[i] + float64(i)*v
	}
	d.a, d.b = d.fit(len(h))
	return d, nil
}

// fit returns the forecast made with h[u−Level..u−1] known: intercept a and
// slope b, day j after u having mean a + b·(Level−1+j).
func (d *ErrorDemand) fit(u int) (a, b float64) {
	l := d.cfg.Level
	lf := float64(l)
	s := u - l
	sum := d.s0[u] - d.s0[s]
	mean := sum / lf
	if !d.cfg.Trend {
		return mean, 0
	}
	sxy := d.s1[u] - d.s1[s] - float64(s)*sum // Σ i·x_i with local i
	ibar := (lf - 1) / 2
	b = (sxy - ibar*sum) / (lf * (lf*lf - 1) / 12)
	return mean - b*ibar, b
}

// total returns the forecast total over k days of a fit.
func (d *ErrorDemand) total(a, b float64, k int) float64 {
	kf := float64(k)
	return kf*a + b*(kf*float64(d.cfg.Level-1)+kf*(kf+1)/2)
}

// Horizon is the longest period with at least 10 past forecasts to measure
// errors on.
func (d *ErrorDemand) Horizon() int { return len(d.s0) - d.cfg.Level - minOrigins }

// Mean returns the forecast of day (1-based), clipped at 0.
func (d *ErrorDemand) Mean(day int) float64 {
	if day < 1 || day > d.Horizon() {
		return math.NaN()
	}
	return max(0, d.a+d.b*float64(d.cfg.Level-1+day))
}

func (d *ErrorDemand) leadAtoms(days int) dist {
	if a, ok := d.cache[days]; ok {
		return a
	}
	n := len(d.s0) - 1
	now := d.total(d.a, d.b, days)
	var v []float64
	for u := n - days; u >= d.cfg.Level && len(v) < d.cfg.Origins; u-- {
		a, b := d.fit(u)
		e := d.s0[u+days] - d.s0[u] - d.total(a, b, days)
		v = append(v, max(0, now+e))
	}
	if len(v) == 0 {
		v = append(v, max(0, now))
	}
	w := make([]float64, len(v))
	for i := range w {
		w[i] = 1 / float64(len(v))
	}
	a := newDist(v, w)
	d.cache[days] = a
	return a
}

// LeadTimeQuantile returns the p-quantile over days 1..days.
func (d *ErrorDemand) LeadTimeQuantile(p float64, days int) float64 {
	if !(p > 0 && p < 1) || days < 1 || days > d.Horizon() {
		return math.NaN()
	}
	return d.leadAtoms(days).quantile(p)
}

// Describe names the method.
func (d *ErrorDemand) Describe() string {
	if d.cfg.Trend {
		return fmt.Sprintf("%d-day trend line with its empirical lead-time errors", d.cfg.Level)
	}
	return fmt.Sprintf("%d-day moving average with its empirical lead-time errors", d.cfg.Level)
}

// Interface guards.
var (
	_ Demand     = (*NormalDemand)(nil)
	_ Demand     = (*PathDemand)(nil)
	_ Demand     = (*DailyDemand)(nil)
	_ atomDemand = (*PathDemand)(nil)
	_ atomDemand = (*DailyDemand)(nil)
	_ Demand     = (*PoissonDemand)(nil)
	_ atomDemand = (*PoissonDemand)(nil)
	_ Demand     = (*ErrorDemand)(nil)
	_ atomDemand = (*ErrorDemand)(nil)
	_ Describer  = (*NormalDemand)(nil)
	_ Describer  = (*PathDemand)(nil)
	_ Describer  = (*DailyDemand)(nil)
)
