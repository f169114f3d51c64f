package forecast

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Frequency is the sampling interval of a series. It supplies a default
// season length when none is given.
type Frequency int

// Frequencies understood by the engine.
const (
	FreqUnknown Frequency = iota
	Daily
	Weekly
	Monthly
	Quarterly
	Yearly
)

// String returns the lower-case name of the frequency.
func (f Frequency) String() string {
	switch f {
	case Daily:
		return "daily"
	case Weekly:
		return "weekly"
	case Monthly:
		return "monthly"
	case Quarterly:
		return "quarterly"
	case Yearly:
		return "yearly"
	}
	return "unknown"
}

// SeasonLength returns the usual season length for the frequency: 7 for
// daily data (the week), 52 for weekly, 12 for monthly, 4 for quarterly and
// 1 (no season) for yearly or unknown data.
func (f Frequency) SeasonLength() int {
	switch f {
	case Daily:
		return 7
	case Weekly:
		return 52
	case Monthly:
		return 12
	case Quarterly:
		return 4
	}
	return 1
}

// Series is one demand history, for example the daily units of one SKU at
// one location. Values are in time order, equally spaced; a NaN value marks a
// missing period (a stockout, a day the shop was closed), which the engine
// imputes for fitting and leaves out of accuracy metrics. Do not record a
// stockout as zero: zero means "no demand".
type Series struct {
	// ID names the series in results and errors, e.g. "SKU-1@store-3".
	ID string
	// Values are the observations, oldest first. NaN means missing.
	Values []float64
	// SeasonLength is the number of periods in a season (7 for daily data
	// with a weekly pattern, 12 for monthly data). 0 means "take it from
	// Freq", and 1 means "no season".
	SeasonLength int
	// Start is the time of Values[0]; optional, used only for reporting.
	Start time.Time
	// Freq is the sampling frequency; optional, used for the default
	// SeasonLength.
	Freq Frequency
}

// Method names a forecasting method. The zero value means MethodAuto.
type Method string

// The methods of the engine. MethodAuto chooses per series; the others force a
// method (falling back to a simpler one, and saying so in Result.Method, when
// the series is too short for it).
const (
	MethodAuto           Method = "auto"
	MethodNaive          Method = "naive"
	MethodSNaive         Method = "snaive"
	MethodMean           Method = "mean"
	MethodDrift          Method = "drift"
	MethodSES            Method = "ses"
	MethodETS            Method = "ets"
	MethodARIMA          Method = "arima"
	MethodTheta          Method = "theta"
	MethodOptimizedTheta Method = "otm"
	MethodCroston        Method = "croston"
	MethodSBA            Method = "sba"
	MethodTSB            Method = "tsb"
	MethodADIDA          Method = "adida"
	MethodIntermittent   Method = "intermittent"
	MethodEnsemble       Method = "ensemble"
)

// Methods lists every method name accepted in Config.Method.
func Methods() []Method {
	return []Method{MethodAuto, MethodNaive, MethodSNaive, MethodMean, MethodDrift, MethodSES,
		MethodETS, MethodARIMA, MethodTheta, MethodOptimizedTheta, MethodCroston, MethodSBA,
		MethodTSB, MethodADIDA, MethodIntermittent, MethodEnsemble}
}

// ParseMethod returns the Method named s (case-insensitive), or an error
// listing the valid names.
func ParseMethod(s string) (Method, error) {
	m := Method(strings.ToLower(strings.TrimSpace(s)))
	if m == "" {
		return MethodAuto, nil
	}
	if slices.Contains(Methods(), m) {
		return m, nil
	}
	names := make([]string, 0, len(Methods()))
	for _, x := range Methods() {
		names = append(names, string(x))
	}
	return "", fmt.Errorf("forecast: unknown method %q: use one of %s", s, strings.Join(names, ", "))
}

// Combine says how an ensemble merges its members' forecasts.
type Combine string

// Ways to combine ensemble members.
const (
	CombineMedian Combine = "median"
	CombineMean   Combine = "mean"
)

// Config says what to forecast and how. The zero value plus a Horizon is a
// valid configuration: automatic method choice, 80% and 95% intervals.
type Config struct {
	// Horizon is the number of periods to forecast (required, at least 1).
	Horizon int
	// Method forces a method; empty or "auto" chooses per series by
	// rolling-origin backtest (see Candidates).
	Method Method
	// Levels are the prediction-interval coverages in percent, each in
	// (0, 100). Default 80 and 95.
	Levels []float64
	// SeasonLength, when above 0, overrides every series' own season length.
	SeasonLength int
	// Candidates are the methods that MethodAuto and MethodEnsemble compare on
	// series that are not intermittent. Default: ets, arima, theta and
	// snaive; for series longer than LongSeries only ets and theta, which
	// keeps large daily batches fast (arima) and selection less noisy
	// (snaive rarely beats a seasonal ETS on long histories).
	Candidates []Method
	// BacktestWindows is the number of rolling origins (each Horizon periods
	// apart) used to score candidates. Default 2; fewer are used when the
	// series is short, and the information criterion decides when even one
	// window does not fit.
	BacktestWindows int
	// EnsembleSize is how many of the best candidates MethodEnsemble
	// combines. Default 3.
	EnsembleSize int
	// Combine is how the ensemble merges its members. Default median.
	Combine Combine
	// IntermittentADI is the average demand interval (periods per non-zero
	// demand) above which a series counts as intermittent and MethodAuto uses
	// the Croston family. Default 1.32 (Syntetos–Boylan).
	IntermittentADI float64
	// LongSeries is the length above which MethodAuto uses the fast model
	// space (no arima among the default candidates, ETS initial states from a
	// heuristic instead of the optimiser). Default 400.
	LongSeries int
	// AllowNegative keeps negative forecasts and interval bounds. By default
	// they are clipped at zero, since demand cannot be negative.
	AllowNegative bool
	// Backtest, when true, also fills Result.Backtest: the method (automatic
	// selection included) is rerun from each of the last BacktestWindows
	// origins and scored on the Horizon periods after it. It multiplies the
	// work by about BacktestWindows+1.
	Backtest bool
}

// ErrInvalidConfig is returned (wrapped) by Config.Validate and Forecast when
// the configuration cannot be used.
var ErrInvalidConfig = errors.New("invalid forecast configuration")

// ErrInvalidSeries is returned (wrapped) by Forecast when a series cannot be
// forecast at all, for example when every value is missing.
var ErrInvalidSeries = errors.New("invalid series")

// WithDefaults returns a copy of c with every unset field filled in.
func (c Config) WithDefaults() Config {
	if c.Method == "" {
		c.Method = MethodAuto
	}
	if len(c.Levels) == 0 {
		c.Levels = []float64{80, 95}
	} else {
		c.Levels = slices.Clone(c.Levels)
	}
	if c.BacktestWindows == 0 {
		c.BacktestWindows = 2
	}
	if c.EnsembleSize == 0 {
		c.EnsembleSize = 3
	}
	if c.Combine == "" {
		c.Combine = CombineMedian
	}
	if c.IntermittentADI == 0 {
		c.IntermittentADI = 1.32
	}
	if c.LongSeries == 0 {
		c.LongSeries = 400
	}
	return c
}

// Validate reports the first problem with c, wrapped in ErrInvalidConfig.
// Call it on a Config that went through WithDefaults.
func (c Config) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("forecast: %w: %s", ErrInvalidConfig, fmt.Sprintf(format, a...))
	}
	if c.Horizon < 1 {
		return bad("horizon is %d: set a horizon of at least 1 period", c.Horizon)
	}
	if c.Horizon > 10000 {
		return bad("horizon is %d: at most 10000 periods are supported", c.Horizon)
	}
	if _, err := ParseMethod(string(c.Method)); err != nil {
		return bad("%v", err)
	}
	for _, l := range c.Levels {
		if !(l > 0 && l < 100) {
			return bad("level %v is outside (0, 100): give coverages in percent such as 80 or 95", l)
		}
	}
	if c.SeasonLength < 0 {
		return bad("season length is %d: use 1 for no season or the number of periods per season", c.SeasonLength)
	}
	for _, m := range c.Candidates {
		if _, err := ParseMethod(string(m)); err != nil {
			return bad("candidate: %v", err)
		}
		if m == MethodAuto || m == MethodEnsemble || m == MethodIntermittent {
			return bad("candidate %q is itself a selection: list concrete methods such as ets, arima, theta", m)
		}
	}
	if c.BacktestWindows < 1 {
		return bad("backtest windows is %d: use at least 1", c.BacktestWindows)
	}
	if c.EnsembleSize < 1 {
		return bad("ensemble size is %d: use at least 1", c.EnsembleSize)
	}
	if c.Combine != CombineMedian && c.Combine != CombineMean {
		return bad("combine is %q: use median or mean", c.Combine)
	}
	if c.IntermittentADI < 1 {
		return bad("intermittent ADI threshold is %v: it is periods per demand, at least 1", c.IntermittentADI)
	}
	if c.LongSeries < 10 {
		return bad("long-series threshold is %d: use at least 10", c.LongSeries)
	}
	return nil
}

// Interval is a prediction interval at one coverage level.
type Interval struct {
	// Level is the coverage in percent, e.g. 95.
	Level float64
	// Lower and Upper hold one bound per forecast step.
	Lower, Upper []float64
}

// Metrics are accuracy figures of forecasts against held-out actuals,
// averaged over the backtest windows (missing actuals are left out).
type Metrics struct {
	// Windows is the number of rolling origins that were scored.
	Windows int
	// MASE is the mean absolute error scaled by the in-sample mean absolute
	// error of the seasonal naive method (lag 1 when there is no season).
	MASE float64
	// SMAPE is the symmetric mean absolute percentage error, 0..200.
	SMAPE float64
	// RMSSE is the root mean squared error scaled by the in-sample one-step
	// naive mean squared error, as in the M5 competition.
	RMSSE float64
	// Coverage maps each interval level to the share (0..1) of actuals that
	// fell inside the interval.
	Coverage map[float64]float64
	// Pinball is the mean pinball (quantile) loss over the median and every
	// interval bound, scaled like MASE.
	Pinball float64
}

// Result is the forecast of one series.
type Result struct {
	// SeriesID repeats Series.ID.
	SeriesID string
	// Method names the model that produced the forecast, for example
	// "ETS(M,Ad,M)", "ARIMA(0,1,1)(0,1,1)[12]" or "snaive (fallback: 9 points,
	// too short for ets)".
	Method string
	// Mean holds the point forecast for steps 1..Horizon.
	Mean []float64
	// Intervals holds one prediction interval per configured level, in the
	// order of Config.Levels.
	Intervals []Interval
	// Fitted holds the in-sample one-step-ahead fitted values (NaN where not
	// defined, for example the first season of the seasonal naive method).
	Fitted []float64
	// Sigma is the standard deviation of the one-step-ahead residuals.
	Sigma float64
	// Backtest holds the accuracy of the method on held-out windows when
	// Config.Backtest is set and the series is long enough (nil otherwise).
	Backtest *Metrics

	dist       predictive
	nonNeg     bool
	candidates []Score
}

// Score is one candidate's backtest accuracy during automatic selection.
type Score struct {
	// Method is the candidate method and Model the model it fitted last.
	Method Method
	Model  string
	// Metrics are its backtest figures.
	Metrics Metrics
}

// Candidates returns the backtest scores of the methods MethodAuto or
// MethodEnsemble compared for this series, best first (nil when no
// comparison was made).
func (r *Result) Candidates() []Score { return r.candidates }

// Quantile returns the p-quantile (0 < p < 1) of demand at step (1-based,
// 1..Horizon). It returns NaN when p or step is out of range.
func (r *Result) Quantile(p float64, step int) float64 {
	if r.dist == nil || !(p > 0 && p < 1) || step < 1 || step > len(r.Mean) {
		return math.NaN()
	}
	q := r.dist.quantile(p, step-1)
	if r.nonNeg && q < 0 {
		q = 0
	}
	return q
}

// quantile0 is Quantile with a 0-based step, for metrics.
func (r *Result) quantile0(p float64, step int) float64 { return r.Quantile(p, step+1) }

// LeadTimeQuantile returns the p-quantile of the total demand over the next
// lead periods (steps 1..lead), accounting for the correlation of forecast
// errors across steps. Inventory uses it for safety stock: reorder point =
// LeadTimeQuantile(service level, lead time). It returns NaN when p or lead is
// out of range (lead must be 1..Horizon).
func (r *Result) LeadTimeQuantile(p float64, lead int) float64 {
	if r.dist == nil || !(p > 0 && p < 1) || lead < 1 || lead > len(r.Mean) {
		return math.NaN()
	}
	q := r.dist.leadQuantile(p, lead)
	if r.nonNeg && q < 0 {
		q = 0
	}
	return q
}

// LeadTimeMean returns the expected total demand over steps 1..lead.
func (r *Result) LeadTimeMean(lead int) float64 {
	if lead < 1 || lead > len(r.Mean) {
		return math.NaN()
	}
	s := 0.0
	for _, v := range r.Mean[:lead] {
		s += v
	}
	return s
}
