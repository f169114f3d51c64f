package forecast

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
)

// publicCase is one public series with its holdout, as recorded by
// bench/r_accuracy.R into testdata/public.
type publicCase struct {
	id   string
	m, h int
	y    []float64
	r    map[string]float64 // R method -> MASE
}

// publicDir is the committed holdout, or FORECAST_PUBLIC_DIR when
// bench/run.sh has just recorded a fresh one from R.
func publicDir() string {
	if d := os.Getenv("FORECAST_PUBLIC_DIR"); d != "" {
		return d
	}
	return "testdata/public"
}

func loadPublic(t testing.TB) []publicCase {
	t.Helper()
	f, err := os.Open(filepath.Join(publicDir(), "series.csv"))
	if err != nil {
		t.Fatalf("open public series: %v", err)
	}
	defer f.Close()
	series, err := ReadCSV(f)
	if err != nil {
		t.Fatalf("read public series: %v", err)
	}
	rf, err := os.Open(filepath.Join(publicDir(), "r_results.csv"))
	if err != nil {
		t.Fatalf("open R results: %v", err)
	}
	defer rf.Close()
	recs, err := csv.NewReader(rf).ReadAll()
	if err != nil {
		t.Fatalf("read R results: %v", err)
	}
	byID := map[string]*publicCase{}
	for _, rec := range recs[1:] {
		c := byID[rec[0]]
		if c == nil {
			m, _ := strconv.Atoi(rec[1])
			h, _ := strconv.Atoi(rec[2])
			c = &publicCase{id: rec[0], m: m, h: h, r: map[string]float64{}}
			byID[rec[0]] = c
		}
		v, _ := strconv.ParseFloat(rec[5], 64)
		c.r[rec[3]] = v
	}
	var out []publicCase
	for _, s := range series {
		c := byID[s.ID]
		if c == nil {
			t.Fatalf("series %q has no R result", s.ID)
		}
		c.y = s.Values
		out = append(out, *c)
	}
	return out
}

// publicMASE forecasts every public series' holdout with cfg and returns the
// MASE per series.
func publicMASE(t testing.TB, cases []publicCase, method Method) []float64 {
	t.Helper()
	out := make([]float64, len(cases))
	names := make([]string, len(cases))
	errs := make([]error, len(cases))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, c := range cases {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			n := len(c.y)
			train := Series{ID: c.id, Values: c.y[:n-c.h], SeasonLength: c.m}
			res, err := Forecast(train, Config{Horizon: c.h, Method: method, AllowNegative: true})
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = MASE(c.y[n-c.h:], res.Mean, c.y[:n-c.h], c.m)
			names[i] = res.Method
		}()
	}
	wg.Wait()
	for i, c := range cases {
		if errs[i] != nil {
			t.Fatalf("%s %s: %v", method, c.id, errs[i])
		}
		if testing.Verbose() && os.Getenv("FORECAST_VERBOSE") != "" {
			fmt.Printf("%-28s %-10s %-40s %.3f  R arima %.3f ets %.3f\n", c.id, method, names[i], out[i], c.r["auto.arima"], c.r["ets"])
		}
	}
	return out
}

func meanFinite(v []float64) float64 {
	s, k := 0.0, 0
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s += x
			k++
		}
	}
	return s / float64(k)
}

// TestPublicAccuracyVsR fails if the automatic method's mean MASE on the
// committed public-data holdout is worse than R forecast's auto.arima or ets
// as recorded by bench/r_accuracy.R.
func TestPublicAccuracyVsR(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: fits every public series")
	}
	cases := loadPublic(t)
	rMean := map[string]float64{}
	for _, m := range []string{"auto.arima", "ets", "thetaf", "snaive"} {
		var v []float64
		for _, c := range cases {
			v = append(v, c.r[m])
		}
		rMean[m] = meanFinite(v)
	}
	methods := []Method{MethodAuto}
	if os.Getenv("FORECAST_ALL") != "" {
		methods = []Method{MethodAuto, MethodEnsemble, MethodETS, MethodARIMA, MethodTheta, MethodOptimizedTheta, MethodSNaive}
	}
	ours := map[Method]float64{}
	for _, m := range methods {
		ours[m] = meanFinite(publicMASE(t, cases, m))
	}
	keys := make([]string, 0, len(rMean))
	for k := range rMean {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("R %-12s mean MASE %.4f", k, rMean[k])
	}
	for _, m := range methods {
		t.Logf("Go %-11s mean MASE %.4f", m, ours[m])
	}
	if got, lim := ours[MethodAuto], math.Min(rMean["auto.arima"], rMean["ets"]); got > lim {
		t.Errorf("auto mean MASE %.4f is worse than R's best of auto.arima/ets %.4f on %d series", got, lim, len(cases))
	}
}
