package forecast

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

func seasonal(n, m int, level, slope, amp, noise float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	y := make([]float64, n)
	for t := range y {
		y[t] = level + slope*float64(t) + amp*math.Sin(2*math.Pi*float64(t)/float64(m)) + noise*r.NormFloat64()
	}
	return y
}

// TestMethodsTable runs every method on series whose future is known and
// checks the point forecast, the shape of the intervals and the model name.
func TestMethodsTable(t *testing.T) {
	t.Parallel()
	const h = 12
	line := make([]float64, 60)
	for i := range line {
		line[i] = 10 + 2*float64(i)
	}
	season := seasonal(96, 12, 100, 0, 20, 0, 1)
	noisySeason := seasonal(120, 12, 100, 0.3, 15, 2, 2)
	intermittent := make([]float64, 200)
	for i := range intermittent {
		if i%4 == 1 {
			intermittent[i] = 5
		}
	}
	tests := []struct {
		name     string
		method   Method
		y        []float64
		m        int
		want     func(step int) float64 // expected mean at 1-based step
		tol      float64
		namePart string
	}{
		{"naive repeats the last value", MethodNaive, line, 1, func(int) float64 { return line[59] }, 1e-9, "naive"},
		{"drift extends a line exactly", MethodDrift, line, 1, func(s int) float64 { return line[59] + 2*float64(s) }, 1e-9, "drift"},
		{"mean of a line", MethodMean, line, 1, func(int) float64 { return 69 }, 1e-9, "mean"},
		{"snaive repeats the last season", MethodSNaive, season, 12, func(s int) float64 { return season[96-12+(s-1)%12] }, 1e-9, "snaive[12]"},
		{"ets on a clean season", MethodETS, season, 12, func(s int) float64 { return season[96-12+(s-1)%12] }, 0.5, "ETS("},
		{"arima on a clean season", MethodARIMA, season, 12, func(s int) float64 { return season[96-12+(s-1)%12] }, 0.5, "ARIMA("},
		// standard Theta keeps half the slope (theta = 2)
		{"theta on a line", MethodTheta, line, 1, func(s int) float64 { return line[59] + float64(s) }, 1, "theta"},
		{"otm on a line", MethodOptimizedTheta, line, 1, func(s int) float64 { return line[59] + 2*float64(s) }, 1, "otm("},
		{"ets trend on a line", MethodETS, line, 1, func(s int) float64 { return line[59] + 2*float64(s) }, 1, "ETS("},
		{"arima drift on a line", MethodARIMA, line, 1, func(s int) float64 { return line[59] + 2*float64(s) }, 0.5, "ARIMA("},
		{"auto on a noisy season", MethodAuto, noisySeason, 12, func(s int) float64 {
			return 100 + 0.3*float64(119+s) + 15*math.Sin(2*math.Pi*float64(119+s)/12)
		}, 6, ""},
		{"ensemble on a noisy season", MethodEnsemble, noisySeason, 12, func(s int) float64 {
			return 100 + 0.3*float64(119+s) + 15*math.Sin(2*math.Pi*float64(119+s)/12)
		}, 6, "ensemble("},
		{"croston rate", MethodCroston, intermittent, 1, func(int) float64 { return 1.25 }, 0.05, "croston"},
		{"sba is below croston", MethodSBA, intermittent, 1, func(int) float64 { return 1.25 * 0.95 }, 0.05, "sba"},
		{"tsb rate", MethodTSB, intermittent, 1, func(int) float64 { return 1.25 }, 0.1, "tsb("},
		{"adida rate", MethodADIDA, intermittent, 1, func(int) float64 { return 1.25 }, 0.05, "adida(k=4)"},
		{"auto picks the croston family", MethodAuto, intermittent, 1, func(int) float64 { return 1.25 }, 0.3, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := Forecast(Series{ID: tc.name, Values: tc.y, SeasonLength: tc.m}, Config{Horizon: h, Method: tc.method})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Method, tc.namePart) {
				t.Errorf("method %q, want it to contain %q", r.Method, tc.namePart)
			}
			if len(r.Mean) != h || len(r.Intervals) != 2 {
				t.Fatalf("got %d steps and %d intervals, want %d and 2", len(r.Mean), len(r.Intervals), h)
			}
			for s := 1; s <= h; s++ {
				if got, want := r.Mean[s-1], tc.want(s); math.Abs(got-want) > tc.tol {
					t.Errorf("step %d: forecast %.4f, want %.4f ± %v", s, got, want, tc.tol)
				}
				lo80, hi80 := r.Intervals[0].Lower[s-1], r.Intervals[0].Upper[s-1]
				lo95, hi95 := r.Intervals[1].Lower[s-1], r.Intervals[1].Upper[s-1]
				if !(lo95 <= lo80 && lo80 <= hi80 && hi80 <= hi95) || lo95 < 0 {
					t.Errorf("step %d: intervals 80 [%v, %v] 95 [%v, %v] not nested or negative", s, lo80, hi80, lo95, hi95)
				}
			}
			if strings.HasPrefix(tc.name, "auto picks") && !strings.ContainsAny(r.Method[:1], "sctan") {
				t.Errorf("auto chose %q for an intermittent series", r.Method)
			}
		})
	}
}

func TestIntervalsWidenWithHorizon(t *testing.T) {
	t.Parallel()
	y := seasonal(100, 1, 50, 0, 0, 3, 3)
	for i := 1; i < len(y); i++ {
		y[i] = y[i-1] + y[i] - 50 // a random walk
	}
	for _, m := range []Method{MethodNaive, MethodETS, MethodARIMA, MethodTheta, MethodDrift} {
		r, err := Forecast(Series{ID: "rw", Values: y}, Config{Horizon: 10, Method: m, AllowNegative: true})
		if err != nil {
			t.Fatal(err)
		}
		w1 := r.Intervals[1].Upper[0] - r.Intervals[1].Lower[0]
		w10 := r.Intervals[1].Upper[9] - r.Intervals[1].Lower[9]
		if !(w10 > w1) || !(w1 > 0) {
			t.Errorf("%s (%s): 95%% width %v at step 1 and %v at step 10, want positive and widening", m, r.Method, w1, w10)
		}
	}
}

func TestLeadTimeQuantile(t *testing.T) {
	t.Parallel()
	// naive on a random walk: the sum over L steps has variance
	// sigma² Σ_{k=1..L} k², since the shock at step k stays for L-k+1 steps.
	y := make([]float64, 200)
	r := rand.New(rand.NewPCG(5, 5))
	for i := 1; i < len(y); i++ {
		y[i] = y[i-1] + r.NormFloat64()
	}
	res, err := Forecast(Series{ID: "rw", Values: y}, Config{Horizon: 10, Method: MethodNaive, AllowNegative: true})
	if err != nil {
		t.Fatal(err)
	}
	const L = 5
	want := L*y[len(y)-1] + normQuantile(0.95)*res.Sigma*math.Sqrt(1+4+9+16+25)
	if got := res.LeadTimeQuantile(0.95, L); math.Abs(got-want) > 1e-9 {
		t.Errorf("lead-time quantile %v, want %v", got, want)
	}
	if got := res.LeadTimeQuantile(0.95, 1); math.Abs(got-res.Quantile(0.95, 1)) > 1e-9 {
		t.Errorf("one-period lead time %v differs from the step-1 quantile %v", got, res.Quantile(0.95, 1))
	}
	if got := res.LeadTimeMean(L); math.Abs(got-L*y[len(y)-1]) > 1e-9 {
		t.Errorf("lead-time mean %v, want %v", got, L*y[len(y)-1])
	}
	for _, bad := range []struct {
		p    float64
		lead int
	}{{0, 3}, {1, 3}, {0.5, 0}, {0.5, 11}} {
		if v := res.LeadTimeQuantile(bad.p, bad.lead); !math.IsNaN(v) {
			t.Errorf("LeadTimeQuantile(%v, %d) = %v, want NaN", bad.p, bad.lead, v)
		}
	}
	if v := res.Quantile(0.5, 0); !math.IsNaN(v) {
		t.Errorf("Quantile at step 0 = %v, want NaN", v)
	}
}

func TestLeadTimeQuantileIntermittent(t *testing.T) {
	t.Parallel()
	y := make([]float64, 120)
	for i := range y {
		if i%3 == 0 {
			y[i] = 4
		}
	}
	res, err := Forecast(Series{ID: "int", Values: y}, Config{Horizon: 14, Method: MethodTSB})
	if err != nil {
		t.Fatal(err)
	}
	if q := res.Quantile(0.5, 1); q != 0 && q != 4 {
		t.Errorf("median demand %v: want 0 or a demand size (4)", q)
	}
	q50, q95 := res.LeadTimeQuantile(0.5, 14), res.LeadTimeQuantile(0.95, 14)
	mean := res.LeadTimeMean(14)
	if !(q95 > q50) || math.Abs(q50-mean) > 0.35*mean {
		t.Errorf("14-period lead time: median %v, 95%% %v, mean %v", q50, q95, mean)
	}
	if again := res.LeadTimeQuantile(0.95, 14); again != q95 {
		t.Errorf("lead-time quantile is not reproducible: %v then %v", q95, again)
	}
}

func TestMissingValues(t *testing.T) {
	t.Parallel()
	y := seasonal(84, 7, 50, 0, 10, 1, 9)
	withGaps := append([]float64{math.NaN(), math.NaN()}, y...)
	for _, i := range []int{10, 11, 12, 40, 85} { // a stockout week and the last day
		withGaps[i] = math.NaN()
	}
	res, err := Forecast(Series{ID: "gaps", Values: withGaps, SeasonLength: 7}, Config{Horizon: 7, Method: MethodETS, Backtest: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Fitted) != len(withGaps) || !math.IsNaN(res.Fitted[0]) {
		t.Errorf("fitted has %d values (want %d) and starts with %v (want NaN for the trimmed lead)", len(res.Fitted), len(withGaps), res.Fitted[0])
	}
	for s, v := range res.Mean {
		if math.IsNaN(v) || math.Abs(v-50) > 20 {
			t.Errorf("step %d forecast %v: missing values leaked into the fit", s+1, v)
		}
	}
	if res.Backtest == nil || math.IsNaN(res.Backtest.MASE) {
		t.Errorf("backtest %+v: want finite metrics that skip missing actuals", res.Backtest)
	}
}

func TestForecastErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    Series
		cfg  Config
		is   error
		want string
	}{
		{"no horizon", Series{ID: "a", Values: []float64{1, 2}}, Config{}, ErrInvalidConfig, "horizon"},
		{"bad level", Series{ID: "a", Values: []float64{1, 2}}, Config{Horizon: 2, Levels: []float64{100}}, ErrInvalidConfig, "level 100"},
		{"bad method", Series{ID: "a", Values: []float64{1, 2}}, Config{Horizon: 2, Method: "magic"}, ErrInvalidConfig, "magic"},
		{"recursive candidate", Series{ID: "a", Values: []float64{1, 2}}, Config{Horizon: 2, Candidates: []Method{MethodAuto}}, ErrInvalidConfig, "itself a selection"},
		{"intermittent candidate", Series{ID: "a", Values: []float64{1, 2}}, Config{Horizon: 2, Candidates: []Method{MethodETS, MethodIntermittent}}, ErrInvalidConfig, "itself a selection"},
		{"bad combine", Series{ID: "a", Values: []float64{1, 2}}, Config{Horizon: 2, Combine: "max"}, ErrInvalidConfig, "combine"},
		{"all missing", Series{ID: "sku-9", Values: []float64{math.NaN(), math.NaN()}}, Config{Horizon: 2}, ErrInvalidSeries, `"sku-9"`},
		{"empty", Series{ID: "sku-0"}, Config{Horizon: 2}, ErrInvalidSeries, `"sku-0"`},
		{"infinite", Series{ID: "sku-1", Values: []float64{1, math.Inf(1)}}, Config{Horizon: 2}, ErrInvalidSeries, "value 2 is infinite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Forecast(tc.s, tc.cfg)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v: want %v mentioning %q", err, tc.is, tc.want)
			}
		})
	}
}

func TestShortSeriesFallBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method Method
		y      []float64
		m      int
		want   string
	}{
		{MethodETS, []float64{3, 4, 5}, 1, "naive (fallback: 3 points, ets needs"},
		{MethodARIMA, []float64{3, 4, 5, 6}, 1, "naive (fallback: 4 points, arima needs"},
		{MethodARIMA, seasonal(30, 12, 10, 0, 2, 0.1, 1)[:5], 12, "naive (fallback: 5 points, arima needs 6)"},
		{MethodAuto, []float64{7}, 1, "naive"},
		{MethodTheta, []float64{1, 2}, 1, "naive (fallback: 2 points, theta needs 4)"},
	}
	for _, tc := range tests {
		r, err := Forecast(Series{ID: "short", Values: tc.y, SeasonLength: tc.m}, Config{Horizon: 3, Method: tc.method})
		if err != nil {
			t.Fatalf("%s on %d points: %v", tc.method, len(tc.y), err)
		}
		if !strings.HasPrefix(r.Method, tc.want) {
			t.Errorf("%s on %d points: method %q, want prefix %q", tc.method, len(tc.y), r.Method, tc.want)
		}
	}
}

func TestNonNegativeClipping(t *testing.T) {
	t.Parallel()
	y := make([]float64, 40)
	for i := range y {
		y[i] = 40 - float64(i) // falling to 1
	}
	clipped, err := Forecast(Series{ID: "falling", Values: y}, Config{Horizon: 10, Method: MethodDrift})
	if err != nil {
		t.Fatal(err)
	}
	free, err := Forecast(Series{ID: "falling", Values: y}, Config{Horizon: 10, Method: MethodDrift, AllowNegative: true})
	if err != nil {
		t.Fatal(err)
	}
	if clipped.Mean[9] != 0 || free.Mean[9] >= 0 {
		t.Errorf("step 10: clipped %v (want 0), free %v (want negative)", clipped.Mean[9], free.Mean[9])
	}
	if clipped.Intervals[1].Lower[9] != 0 {
		t.Errorf("clipped lower bound %v, want 0", clipped.Intervals[1].Lower[9])
	}
}

func TestSeasonLengthFromFrequency(t *testing.T) {
	t.Parallel()
	y := seasonal(70, 7, 30, 0, 8, 0, 4)
	r, err := Forecast(Series{ID: "d", Values: y, Freq: Daily}, Config{Horizon: 7, Method: MethodSNaive})
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "snaive[7]" {
		t.Errorf("daily series: method %q, want snaive[7]", r.Method)
	}
	r, err = Forecast(Series{ID: "d", Values: y, Freq: Daily}, Config{Horizon: 7, Method: MethodSNaive, SeasonLength: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "naive" {
		t.Errorf("season length 1 override: method %q, want naive (snaive without a season)", r.Method)
	}
}

func TestAutoCandidatesAndBacktest(t *testing.T) {
	t.Parallel()
	y := seasonal(120, 12, 200, 0.5, 30, 3, 11)
	r, err := Forecast(Series{ID: "s", Values: y, SeasonLength: 12}, Config{Horizon: 12, Backtest: true})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Candidates()
	if len(c) != 4 {
		t.Fatalf("%d candidates scored, want 4 (ets, arima, theta, snaive): %+v", len(c), c)
	}
	for i := 1; i < len(c); i++ {
		if c[i].Metrics.MASE < c[i-1].Metrics.MASE {
			t.Errorf("candidates not sorted by MASE: %v before %v", c[i-1].Metrics.MASE, c[i].Metrics.MASE)
		}
	}
	if r.Method != c[0].Model {
		t.Errorf("chose %q but the best candidate is %q", r.Method, c[0].Model)
	}
	if r.Backtest == nil || r.Backtest.Windows != 2 || r.Backtest.MASE > 2 {
		t.Errorf("backtest %+v: want 2 windows and a MASE well below that of noise", r.Backtest)
	}
	if cov := r.Backtest.Coverage[95]; cov < 0.5 {
		t.Errorf("95%% coverage %v on a well-specified series", cov)
	}
}

func TestParseMethod(t *testing.T) {
	t.Parallel()
	for _, m := range Methods() {
		got, err := ParseMethod(strings.ToUpper(string(m)))
		if err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %q, %v", strings.ToUpper(string(m)), got, err)
		}
	}
	if m, err := ParseMethod(""); err != nil || m != MethodAuto {
		t.Errorf("empty method = %q, %v; want auto", m, err)
	}
	if _, err := ParseMethod("prophet"); err == nil || !strings.Contains(err.Error(), "ets") {
		t.Errorf("unknown method error %v should list the valid names", err)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	hist := []float64{1, 2, 3, 4, 5, 6}
	actual := []float64{7, math.NaN(), 9}
	fc := []float64{8, 100, 8}
	if got := MASE(actual, fc, hist, 1); math.Abs(got-1) > 1e-12 {
		t.Errorf("MASE %v, want 1 (MAE 1, naive scale 1, NaN skipped)", got)
	}
	if got := MASE(actual, fc, hist, 2); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("seasonal MASE %v, want 0.5 (scale 2)", got)
	}
	if got := RMSSE(actual, fc, hist); math.Abs(got-1) > 1e-12 {
		t.Errorf("RMSSE %v, want 1", got)
	}
	want := (200.0/15 + 200.0/17) / 2
	if got := SMAPE(actual, fc); math.Abs(got-want) > 1e-12 {
		t.Errorf("sMAPE %v, want %v", got, want)
	}
	if got := Coverage(actual, []float64{6, 0, 9.5}, []float64{8, 0, 10}); got != 0.5 {
		t.Errorf("coverage %v, want 0.5", got)
	}
	if got := Pinball([]float64{10, 0}, []float64{8, 2}, 0.9); math.Abs(got-(0.9*2+0.1*2)/2) > 1e-12 {
		t.Errorf("pinball %v", got)
	}
	if got := MASE([]float64{math.NaN()}, []float64{1}, hist, 1); !math.IsNaN(got) {
		t.Errorf("MASE with no actual %v, want NaN", got)
	}
}

func TestEmpiricalIntervalFallback(t *testing.T) {
	t.Parallel()
	// exactly one season: the seasonal naive has no residual to estimate
	// its variance from, so the band comes from the series' own changes.
	y := []float64{10, 14, 9, 12, 11, 15, 8}
	r, err := Forecast(Series{ID: "one-season", Values: y, SeasonLength: 7}, Config{Horizon: 3, Method: MethodSNaive})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Method, "empirical intervals") {
		t.Errorf("method %q should say the intervals are empirical", r.Method)
	}
	if w := r.Intervals[1].Upper[0] - r.Intervals[1].Lower[0]; !(w > 0) {
		t.Errorf("95%% band width %v, want positive", w)
	}
	flat, err := Forecast(Series{ID: "flat", Values: []float64{5, 5, 5, 5}}, Config{Horizon: 2, Method: MethodNaive})
	if err != nil {
		t.Fatal(err)
	}
	if flat.Intervals[0].Lower[0] != 5 || flat.Intervals[0].Upper[0] != 5 || strings.Contains(flat.Method, "empirical") {
		t.Errorf("constant series: %q with band [%v, %v], want a zero-width model band at 5", flat.Method, flat.Intervals[0].Lower[0], flat.Intervals[0].Upper[0])
	}
}

// TestLeadTimeQuantileMatchesSimulation simulates the fitted ETS(A,A,N)
// state-space model forward and compares the 95% quantile of demand summed
// over the lead time with the closed form.
func TestLeadTimeQuantileMatchesSimulation(t *testing.T) {
	t.Parallel()
	y := seasonal(150, 1, 100, 0.5, 0, 4, 21)
	f, err := fitETSSpec(y, etsSpec{trend: compAdd}, 1, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Horizon: 12, AllowNegative: true}.WithDefaults()
	res := buildResult(Series{ID: "aan", Values: y}, cfg, f.model(12), 0, nil)
	const L, sims = 8, 40000
	r := rand.New(rand.NewPCG(1, 2))
	sigma := math.Sqrt(f.sigma2) * f.scale
	sums := make([]float64, sims)
	for i := range sums {
		l, b := f.l*f.scale, f.b*f.scale
		for h := 0; h < L; h++ {
			e := sigma * r.NormFloat64()
			sums[i] += l + b + e
			l, b = l+b+f.alpha*e, b+f.beta*e
		}
	}
	want := empiricalQuantile(sortedCopy(sums), 0.95)
	got := res.LeadTimeQuantile(0.95, L)
	spread := want - res.LeadTimeMean(L)
	if math.Abs(got-want) > 0.03*spread {
		t.Errorf("95%% lead-time quantile %.2f, simulation says %.2f (safety stock %.2f vs %.2f)", got, want, got-res.LeadTimeMean(L), spread)
	}
}

func sortedCopy(v []float64) []float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s
}
