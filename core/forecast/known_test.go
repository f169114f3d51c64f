package forecast

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"
)

// rKnown holds R forecast 8.20's output recorded by bench/r_known_values.R
// (see the command in that script): case -> what -> values.
type rKnown map[string]map[string][]string

func loadKnown(t *testing.T) rKnown {
	t.Helper()
	f, err := os.Open("testdata/r_known_values.csv")
	if err != nil {
		t.Fatalf("open recorded R values: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read recorded R values: %v", err)
	}
	k := rKnown{}
	for _, r := range recs[1:] {
		if k[r[0]] == nil {
			k[r[0]] = map[string][]string{}
		}
		k[r[0]][r[1]] = append(k[r[0]][r[1]], r[3])
	}
	return k
}

func (k rKnown) floats(t *testing.T, c, what string) []float64 {
	t.Helper()
	s := k[c][what]
	if len(s) == 0 {
		t.Fatalf("no recorded R value %s/%s", c, what)
	}
	out := make([]float64, len(s))
	for i, v := range s {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("recorded R value %s/%s[%d] = %q: %v", c, what, i, v, err)
		}
		out[i] = x
	}
	return out
}

// assertClose checks got against want with a relative tolerance.
func assertClose(t *testing.T, name string, got, want []float64, rel float64) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: got %d values, want %d", name, len(got), len(want))
	}
	for i, w := range want {
		if d := math.Abs(got[i] - w); d > rel*math.Max(math.Abs(w), 1e-9) {
			t.Errorf("%s[%d] = %.6g, R says %.6g (relative difference %.3g > %.3g)", name, i, got[i], w, d/math.Abs(w), rel)
		}
	}
}

// assertCloseTo checks |got-want| <= rel·|scale| element-wise.
func assertCloseTo(t *testing.T, name string, got, want, scale []float64, rel float64) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: got %d values, want %d", name, len(got), len(want))
	}
	for i, w := range want {
		if d := math.Abs(got[i] - w); d > rel*math.Abs(scale[i]) {
			t.Errorf("%s[%d] = %.6g, R says %.6g (difference %.3g of the forecast > %.3g)", name, i, got[i], w, d/math.Abs(scale[i]), rel)
		}
	}
}

func intervalBounds(r Result, level float64) (lo, hi []float64) {
	for _, iv := range r.Intervals {
		if iv.Level == level {
			return iv.Lower, iv.Upper
		}
	}
	return nil, nil
}

// TestKnownValuesVsR compares point forecasts, intervals and parameters with
// R's forecast package on textbook series.
func TestKnownValuesVsR(t *testing.T) {
	t.Parallel()
	k := loadKnown(t)
	ap := k.floats(t, "AirPassengers", "data")
	nile := k.floats(t, "Nile", "data")
	tests := []struct {
		name     string
		rcase    string
		y        []float64
		m, h     int
		method   Method
		meanTol  float64
		bandTol  float64 // 0: intervals not compared
		wantName string
	}{
		{"naive", "naive.AirPassengers", ap, 12, 12, MethodNaive, 1e-9, 1e-6, "naive"},
		{"snaive", "snaive.AirPassengers", ap, 12, 24, MethodSNaive, 1e-9, 1e-6, "snaive[12]"},
		{"drift", "drift.AirPassengers", ap, 12, 12, MethodDrift, 1e-9, 1e-6, "drift"},
		// R's meanf uses Student-t quantiles, the engine normal ones.
		{"mean", "mean.AirPassengers", ap, 12, 6, MethodMean, 1e-9, 0.02, "mean"},
		{"ses", "ses.Nile", nile, 1, 10, MethodSES, 0.01, 0.02, "ETS(A,N,N)"},
		{"theta nonseasonal", "thetaf.Nile", nile, 1, 10, MethodTheta, 0.02, 0.05, "theta"},
		{"theta seasonal", "thetaf.AirPassengers", ap, 12, 12, MethodTheta, 0.02, 0.05, "theta[12]"},
		{"arima css seasonal", "arima.css.USAccDeaths", k.floats(t, "USAccDeaths", "data"), 12, 12, "", 0.005, 0.02, ""},
		{"arima css ar1", "arima.css.lh", k.floats(t, "lh", "data"), 1, 8, "", 0.005, 0.02, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Result
			var err error
			s := Series{ID: tc.rcase, Values: tc.y, SeasonLength: tc.m}
			cfg := Config{Horizon: tc.h, Method: tc.method, AllowNegative: true}
			switch tc.rcase {
			case "arima.css.USAccDeaths":
				r, err = forecastOrder(s, cfg, arimaOrder{q: 1, d: 1, Q: 1, D: 1, m: 12})
			case "arima.css.lh":
				r, err = forecastOrder(s, cfg, arimaOrder{p: 1, m: 1, constant: true})
			default:
				r, err = Forecast(s, cfg)
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantName != "" && r.Method != tc.wantName {
				t.Errorf("method %q, want %q", r.Method, tc.wantName)
			}
			assertClose(t, "mean", r.Mean, k.floats(t, tc.rcase, "mean"), tc.meanTol)
			if tc.bandTol > 0 {
				// bounds are compared relative to the forecast, since a lower
				// bound near zero makes a relative error meaningless
				rm := k.floats(t, tc.rcase, "mean")
				for _, l := range []float64{80, 95} {
					lo, hi := intervalBounds(r, l)
					ls := strconv.Itoa(int(l))
					assertCloseTo(t, "lo"+ls, lo, k.floats(t, tc.rcase, "lo"+ls), rm, tc.bandTol)
					assertCloseTo(t, "hi"+ls, hi, k.floats(t, tc.rcase, "hi"+ls), rm, tc.bandTol)
				}
			}
		})
	}
}

// forecastOrder fits one fixed ARIMA order, as R's Arima(method = "CSS").
func forecastOrder(s Series, cfg Config, o arimaOrder) (Result, error) {
	cfg = cfg.WithDefaults()
	f, err := fitARIMAOrder(s.Values, o)
	if err != nil {
		return Result{}, err
	}
	return buildResult(s, cfg, f.model(cfg.Horizon), 0, nil), nil
}

func TestARIMACoefficientsVsR(t *testing.T) {
	t.Parallel()
	k := loadKnown(t)
	f, err := fitARIMAOrder(k.floats(t, "lh", "data"), arimaOrder{p: 1, m: 1, constant: true})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "lh ar1, mean", []float64{f.phi[0], f.c}, k.floats(t, "arima.css.lh", "coef"), 1e-3)
	g, err := fitARIMAOrder(k.floats(t, "USAccDeaths", "data"), arimaOrder{q: 1, d: 1, Q: 1, D: 1, m: 12})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "USAccDeaths ma1, sma1", []float64{g.theta[0], g.sthe[0]}, k.floats(t, "arima.css.USAccDeaths", "coef"), 2e-3)
}

func TestETSVsR(t *testing.T) {
	t.Parallel()
	k := loadKnown(t)
	ap := k.floats(t, "AirPassengers", "data")
	t.Run("ses alpha", func(t *testing.T) {
		f, err := fitETSSpec(k.floats(t, "Nile", "data"), etsSpec{}, 1, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, "alpha", []float64{f.alpha}, k.floats(t, "ses.Nile", "alpha"), 0.05)
	})
	t.Run("MAM", func(t *testing.T) {
		f, err := fitETSSpec(ap, etsSpec{errMul: true, trend: compAdd, season: compMul}, 12, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The likelihood is flat in the initial states and has several
		// optima: ours must be at least as good as R's (AICc not higher by
		// more than 1); the forecasts of two near-optimal fits still differ,
		// so they are compared loosely.
		want := k.floats(t, "ets.MAM.AirPassengers", "aicc")[0]
		if f.aicc > want+1 {
			t.Errorf("AICc %.2f, R reaches %.2f", f.aicc, want)
		}
		t.Logf("AICc %.2f (R %.2f), alpha %.3f beta %.4f gamma %.4f", f.aicc, want, f.alpha, f.beta, f.gamma)
		mean, _ := f.forecast(24)
		assertClose(t, "mean", mean, k.floats(t, "ets.MAM.AirPassengers", "mean"), 0.15)
	})
	t.Run("auto AICc", func(t *testing.T) {
		f, err := fitETSAuto(ap, 12, false)
		if err != nil {
			t.Fatal(err)
		}
		if want := k.floats(t, "ets.auto.AirPassengers", "aicc")[0]; f.aicc > want+1 {
			t.Errorf("chose %v with AICc %.2f; R chose %s with AICc %.2f", f.spec, f.aicc, k["ets.auto.AirPassengers"]["model"][0], want)
		}
	})
}

func TestCrostonVsR(t *testing.T) {
	t.Parallel()
	k := loadKnown(t)
	r, err := Forecast(Series{ID: "x", Values: k.floats(t, "intermittent", "data")}, Config{Horizon: 5, Method: MethodCroston})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "croston", r.Mean, k.floats(t, "croston.intermittent", "mean"), 1e-9)
}
