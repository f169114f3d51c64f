package forecast

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// fitted is a method fitted to a whole series, with a way to refit the same
// model (same ETS form, same ARIMA order) to a shorter history for
// backtesting.
type fitted struct {
	method Method
	mod    *model
	refit  func(train []float64) (*model, error)
}

// env is what every method needs besides the data.
type env struct {
	m, h int
	fast bool // long series: cheaper model space
}

// fitMethod fits one concrete method.
func fitMethod(method Method, y []float64, e env) (fitted, error) {
	plain := func(f func(y []float64) (*model, error)) (fitted, error) {
		mod, err := f(y)
		if err != nil {
			return fitted{}, err
		}
		return fitted{method: method, mod: mod, refit: f}, nil
	}
	switch method {
	case MethodNaive:
		return plain(func(y []float64) (*model, error) { return fitNaive(y, e.h) })
	case MethodSNaive:
		return plain(func(y []float64) (*model, error) { return fitSNaive(y, e.m, e.h) })
	case MethodMean:
		return plain(func(y []float64) (*model, error) { return fitMean(y, e.h) })
	case MethodDrift:
		return plain(func(y []float64) (*model, error) { return fitDrift(y, e.h) })
	case MethodTheta:
		return plain(func(y []float64) (*model, error) { return fitTheta(y, e.m, e.h, false) })
	case MethodOptimizedTheta:
		return plain(func(y []float64) (*model, error) { return fitTheta(y, e.m, e.h, true) })
	case MethodCroston:
		return plain(func(y []float64) (*model, error) { return fitCroston(y, e.h, false) })
	case MethodSBA:
		return plain(func(y []float64) (*model, error) { return fitCroston(y, e.h, true) })
	case MethodTSB:
		return plain(func(y []float64) (*model, error) { return fitTSB(y, e.h) })
	case MethodADIDA:
		return plain(func(y []float64) (*model, error) { return fitADIDA(y, e.h) })
	case MethodSES, MethodETS:
		var f *etsFit
		var err error
		if method == MethodSES {
			f, err = fitETSSpec(y, etsSpec{}, 1, !e.fast, nil)
		} else {
			f, err = fitETSAuto(y, e.m, e.fast)
		}
		if err != nil {
			return fitted{}, err
		}
		refit := func(train []float64) (*model, error) {
			g, err := fitETSSpec(train, f.spec, e.m, f.optimisedInitialStates, f)
			if err != nil {
				return nil, err
			}
			return g.model(e.h), nil
		}
		return fitted{method: method, mod: f.model(e.h), refit: refit}, nil
	case MethodARIMA:
		f, err := fitARIMAAuto(y, e.m)
		if err != nil {
			return fitted{}, err
		}
		refit := func(train []float64) (*model, error) {
			g, err := fitARIMAOrder(train, f.order)
			if err != nil {
				return nil, err
			}
			return g.model(e.h), nil
		}
		return fitted{method: method, mod: f.model(e.h), refit: refit}, nil
	}
	return fitted{}, fmt.Errorf("forecast: method %q cannot be fitted directly", method)
}

// fitWithFallback fits method and, when the series is too short for it,
// the simplest method that fits, naming the fallback in the model name.
func fitWithFallback(method Method, y []float64, e env) (fitted, error) {
	f, err := fitMethod(method, y, e)
	if err == nil {
		return f, nil
	}
	var short *tooShortError
	errors.As(err, &short) // otherwise (e.g. no admissible model) the reason is the error itself
	fb := MethodNaive
	if e.m > 1 && len(y) >= 2*e.m {
		fb = MethodSNaive
	}
	g, err2 := fitMethod(fb, y, e)
	if err2 != nil {
		return fitted{}, fmt.Errorf("%v; fallback %s: %w", err, fb, err2)
	}
	reason := err.Error()
	if short != nil {
		reason = fmt.Sprintf("%d points, %s needs %d", short.have, method, short.need)
	}
	reason = strings.TrimPrefix(reason, "forecast: ")
	g.mod.name = fmt.Sprintf("%s (fallback: %s)", g.mod.name, reason)
	return g, nil
}

// prepare trims leading missing values, rejects infinities and imputes
// interior missing values by linear interpolation (trailing ones carry the
// last observation). It returns the imputed series, the trimmed original
// (NaN kept, for scoring) and the number of trimmed leading values.
func prepare(s Series) (y, orig []float64, lead int, err error) {
	for i, v := range s.Values {
		if math.IsInf(v, 0) {
			return nil, nil, 0, fmt.Errorf("forecast: series %q value %d is infinite: give a finite quantity or NaN for missing: %w", s.ID, i+1, ErrInvalidSeries)
		}
	}
	for lead < len(s.Values) && math.IsNaN(s.Values[lead]) {
		lead++
	}
	if lead == len(s.Values) {
		return nil, nil, 0, fmt.Errorf("forecast: series %q has no observed value (%d values, all missing): %w", s.ID, len(s.Values), ErrInvalidSeries)
	}
	orig = s.Values[lead:]
	y = make([]float64, len(orig))
	copy(y, orig)
	last := 0
	for t := 1; t < len(y); t++ {
		if !math.IsNaN(orig[t]) {
			if gap := t - last; gap > 1 {
				for k := 1; k < gap; k++ {
					y[last+k] = orig[last] + (orig[t]-orig[last])*float64(k)/float64(gap)
				}
			}
			last = t
		}
	}
	for t := last + 1; t < len(y); t++ {
		y[t] = orig[last]
	}
	return y, orig, lead, nil
}

// isIntermittent reports whether the observed values are non-negative with
// zeros and an average demand interval above adi.
func isIntermittent(orig []float64, adi float64) bool {
	obs, nz := 0, 0
	for _, v := range orig {
		if math.IsNaN(v) {
			continue
		}
		if v < 0 {
			return false
		}
		obs++
		if v > 0 {
			nz++
		}
	}
	if obs == nz || obs == 0 {
		return false
	}
	return nz == 0 || float64(obs)/float64(nz) > adi
}

// seasonLength resolves the season length for s under cfg.
func seasonLength(s Series, cfg Config) int {
	switch {
	case cfg.SeasonLength > 0:
		return cfg.SeasonLength
	case s.SeasonLength > 0:
		return s.SeasonLength
	}
	return s.Freq.SeasonLength()
}

// Forecast forecasts one series. It fills defaults into cfg and validates it;
// errors wrap ErrInvalidConfig or ErrInvalidSeries and name the series.
func Forecast(s Series, cfg Config) (Result, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	return forecastValid(s, cfg)
}

// forecastValid is Forecast for a configuration already defaulted and
// validated (the batch path validates once).
func forecastValid(s Series, cfg Config) (Result, error) {
	y, orig, lead, err := prepare(s)
	if err != nil {
		return Result{}, err
	}
	e := env{m: max(seasonLength(s, cfg), 1), h: cfg.Horizon, fast: len(y) > cfg.LongSeries}
	var chosen fitted
	var scores []Score
	switch cfg.Method {
	case MethodAuto, MethodEnsemble, MethodIntermittent:
		cands := candidates(cfg, len(y))
		intermittent := cfg.Method == MethodIntermittent || isIntermittent(orig, cfg.IntermittentADI)
		if intermittent {
			// naive is there for series that merely switch on or off (a
			// listing that started selling): Croston suits sporadic demand.
			cands = []Method{MethodSBA, MethodCroston, MethodTSB, MethodADIDA, MethodNaive}
			if cfg.Method == MethodAuto && len(y) > cfg.LongSeries {
				// long slow movers often keep a weekly pattern that the
				// Croston family, which forecasts a flat rate, cannot
				// follow: let smoothing methods compete.
				cands = append(cands, MethodETS, MethodTheta)
			}
		}
		fits, sc := selectByBacktest(cands, y, orig, e, cfg, intermittent)
		scores = sc
		if len(fits) == 0 {
			chosen, err = fitWithFallback(MethodNaive, y, e)
			if err != nil {
				return Result{}, fmt.Errorf("forecast: series %q: %w", s.ID, err)
			}
			chosen.mod.name += fmt.Sprintf(" (fallback: %d points, too short for every %s candidate)", len(y), cfg.Method)
			break
		}
		// intermittent series keep the single best method: averaging
		// demand rates of the Croston family gains nothing.
		if cfg.Method == MethodEnsemble && !intermittent && len(fits) > 1 {
			members := ensembleMembers(fits, cfg.EnsembleSize)
			chosen = ensemble(members, cfg.Combine)
			if len(members) == 1 {
				chosen = members[0]
			}
		} else {
			chosen = fits[0]
		}
	default:
		chosen, err = fitWithFallback(cfg.Method, y, e)
		if err != nil {
			return Result{}, fmt.Errorf("forecast: series %q: %w", s.ID, err)
		}
	}
	ensureSpread(chosen.mod, y)
	r := buildResult(s, cfg, chosen.mod, lead, scores)
	if cfg.Backtest {
		r.Backtest = backtestMethod(s, cfg, lead, orig, e)
	}
	return r, nil
}

// backtestMethod scores the whole method, automatic selection included, on
// rolling origins: each window forecasts from the history before it exactly
// as Forecast would, so the figures are honest about selection.
func backtestMethod(s Series, cfg Config, lead int, orig []float64, e env) *Metrics {
	k := backtestWindows(len(orig), e, cfg.BacktestWindows)
	if k == 0 {
		return nil
	}
	sub := cfg
	sub.Backtest = false
	var ws []Metrics
	for i := k; i >= 1; i-- {
		cut := len(orig) - i*e.h
		train := s
		train.Values = s.Values[:lead+cut]
		r, err := forecastValid(train, sub)
		if err != nil {
			continue
		}
		ws = append(ws, windowMetrics(orig[cut:cut+e.h], orig[:cut], e.m, r.Mean, r.quantile0, cfg.Levels))
	}
	if len(ws) == 0 {
		return nil
	}
	m := averageMetrics(ws)
	return &m
}

// ensureSpread is the empirical fallback for intervals: when a model's own
// variance is unusable (no residual left to estimate it, as for a seasonal
// naive on one season, or a non-finite value), the bands come from the
// empirical distribution of its in-sample residuals, or of the one-step
// changes of the series when it has no residuals either.
func ensureSpread(mod *model, y []float64) {
	q := mod.dist.quantile(0.975, len(mod.mean)-1) - mod.dist.quantile(0.025, len(mod.mean)-1)
	if q > 0 && !math.IsInf(q, 0) && !math.IsNaN(q) {
		return
	}
	res := make([]float64, 0, len(y))
	for i, f := range mod.fitted {
		if !math.IsNaN(f) {
			res = append(res, y[i]-f)
		}
	}
	if variance(res) == 0 {
		res = res[:0]
		for i := 1; i < len(y); i++ {
			res = append(res, y[i]-y[i-1])
		}
	}
	if variance(res) == 0 {
		return // a constant series: a zero-width band is the honest answer
	}
	mod.dist = newEmpiricalDist(mod.mean, res)
	mod.name += " (empirical intervals)"
}

func buildResult(s Series, cfg Config, mod *model, lead int, scores []Score) Result {
	nonNeg := !cfg.AllowNegative
	r := Result{SeriesID: s.ID, Method: mod.name, Sigma: mod.sigma, dist: mod.dist, nonNeg: nonNeg,
		candidates: scores}
	r.Mean = make([]float64, cfg.Horizon)
	for i := range r.Mean {
		v := mod.mean[i]
		if nonNeg && v < 0 {
			v = 0
		}
		r.Mean[i] = v
	}
	for _, l := range cfg.Levels {
		iv := Interval{Level: l, Lower: make([]float64, cfg.Horizon), Upper: make([]float64, cfg.Horizon)}
		for i := range iv.Lower {
			iv.Lower[i] = r.Quantile((1-l/100)/2, i+1)
			iv.Upper[i] = r.Quantile((1+l/100)/2, i+1)
		}
		r.Intervals = append(r.Intervals, iv)
	}
	r.Fitted = make([]float64, lead+len(mod.fitted))
	for i := 0; i < lead; i++ {
		r.Fitted[i] = math.NaN()
	}
	copy(r.Fitted[lead:], mod.fitted)
	return r
}

// candidates returns the methods automatic selection compares on a regular
// (non-intermittent) series.
func candidates(cfg Config, n int) []Method {
	if len(cfg.Candidates) > 0 {
		return cfg.Candidates
	}
	if n > cfg.LongSeries {
		return []Method{MethodETS, MethodTheta}
	}
	return []Method{MethodETS, MethodARIMA, MethodTheta, MethodSNaive}
}

// backtestWindows is how many rolling origins fit: each leaves at least
// max(2m+2, 8) observations to train on.
func backtestWindows(n int, e env, want int) int {
	minTrain := max(2*e.m+2, 8)
	k := (n - minTrain) / e.h
	return max(0, min(k, want))
}

// backtest refits f on rolling origins and averages the window metrics.
func backtest(f fitted, y, orig []float64, e env, cfg Config) (Metrics, bool) {
	k := backtestWindows(len(y), e, cfg.BacktestWindows)
	if k == 0 {
		return Metrics{}, false
	}
	var ws []Metrics
	for i := k; i >= 1; i-- {
		cut := len(y) - i*e.h
		mod, err := f.refit(y[:cut])
		if err != nil {
			continue
		}
		q := func(p float64, h int) float64 {
			v := mod.dist.quantile(p, h)
			if !cfg.AllowNegative && v < 0 {
				v = 0
			}
			return v
		}
		ws = append(ws, windowMetrics(orig[cut:cut+e.h], orig[:cut], e.m, mod.mean, q, cfg.Levels))
	}
	if len(ws) == 0 {
		return Metrics{}, false
	}
	return averageMetrics(ws), true
}

// selectByBacktest fits every candidate on the whole series and scores it
// on rolling origins; it returns the fits and scores, best first (by MASE,
// or RMSSE for intermittent series, where MASE rewards forecasting zero).
// Without room for a backtest it keeps the candidates' order, so the first
// that fits wins (ETS, chosen within its family by AICc, by default).
func selectByBacktest(cands []Method, y, orig []float64, e env, cfg Config, intermittent bool) ([]fitted, []Score) {
	var fits []fitted
	for _, c := range cands {
		f, err := fitMethod(c, y, e)
		if err != nil {
			continue
		}
		fits = append(fits, f)
	}
	if len(fits) == 0 || backtestWindows(len(y), e, cfg.BacktestWindows) == 0 {
		return fits, nil
	}
	type scored struct {
		f   fitted
		s   Score
		key float64
	}
	var all []scored
	for _, f := range fits {
		mt, ok := backtest(f, y, orig, e, cfg)
		key := math.Inf(1)
		if ok {
			key = mt.MASE
			if intermittent {
				key = mt.RMSSE
			}
			if math.IsNaN(key) {
				key = math.Inf(1)
			}
		}
		all = append(all, scored{f: f, s: Score{Method: f.method, Model: f.mod.name, Metrics: mt}, key: key})
	}
	// ties (e.g. every window all zeros) go to the better in-sample fit
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].key != all[j].key {
			return all[i].key < all[j].key
		}
		return all[i].f.mod.sigma < all[j].f.mod.sigma
	})
	fits = fits[:0]
	scores := make([]Score, 0, len(all))
	for _, a := range all {
		fits = append(fits, a.f)
		scores = append(scores, a.s)
	}
	return fits, scores
}

// ensembleMembers takes the best size fits, leaving out the baselines
// (naive, snaive, mean, drift) while enough model-based fits remain: a
// median with a baseline in it is mostly the baseline.
func ensembleMembers(fits []fitted, size int) []fitted {
	var models []fitted
	for _, f := range fits {
		switch f.method {
		case MethodNaive, MethodSNaive, MethodMean, MethodDrift:
		default:
			models = append(models, f)
		}
	}
	if len(models) < 2 {
		models = fits
	}
	return models[:min(size, len(models))]
}

// ensemble combines fitted models by the per-step median or mean of their
// forecasts and quantiles.
func ensemble(fits []fitted, how Combine) fitted {
	h := len(fits[0].mod.mean)
	n := len(fits[0].mod.fitted)
	comb := func(vals []float64) float64 {
		if how == CombineMean {
			return meanOf(vals)
		}
		return median(vals)
	}
	mean := make([]float64, h)
	fit := make([]float64, n)
	vals := make([]float64, len(fits))
	names := make([]string, len(fits))
	members := make([]predictive, len(fits))
	for i, f := range fits {
		names[i] = f.mod.name
		members[i] = f.mod.dist
	}
	for t := 0; t < h; t++ {
		for i, f := range fits {
			vals[i] = f.mod.mean[t]
		}
		mean[t] = comb(vals)
	}
	for t := 0; t < n; t++ {
		for i, f := range fits {
			vals[i] = f.mod.fitted[t]
		}
		fit[t] = comb(vals)
	}
	sig := make([]float64, len(fits))
	for i, f := range fits {
		sig[i] = f.mod.sigma
	}
	mod := &model{
		name:   fmt.Sprintf("ensemble(%s: %s)", how, strings.Join(names, " + ")),
		mean:   mean,
		fitted: fit,
		sigma:  comb(sig),
		dist:   &ensembleDist{members: members, median: how == CombineMedian},
		aicc:   math.NaN(),
	}
	// no refit: an ensemble is backtested by rerunning the whole selection
	// (backtestMethod), never member by member
	return fitted{method: MethodEnsemble, mod: mod}
}
