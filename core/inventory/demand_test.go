package inventory

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDistDiscrete(t *testing.T) {
	t.Parallel()
	// X: 0 w.p. 0.5, 2 w.p. 0.3, 5 w.p. 0.2 (mean 1.6).
	d := newDist([]float64{5, 0, 2}, []float64{0.2, 0.5, 0.3})
	if !slices.Equal(d.v, []float64{0, 2, 5}) {
		t.Fatalf("values = %v, want sorted [0 2 5]", d.v)
	}
	near(t, "mean", d.mean(), 1.6, 1e-12)
	for _, c := range []struct{ a, q float64 }{{0.4, 0}, {0.5, 0}, {0.51, 2}, {0.8, 2}, {0.81, 5}, {0.99, 5}} {
		near(t, "quantile", d.quantile(c.a), c.q, 0)
	}
	// E[(X−r)⁺] by hand: r=0: 1.6; r=1: 0.3·1+0.2·4 = 1.1; r=3: 0.2·2 = 0.4.
	for _, c := range []struct{ r, s float64 }{{0, 1.6}, {1, 1.1}, {3, 0.4}, {5, 0}, {-1, 2.6}} {
		near(t, "shortage", d.shortage(c.r), c.s, 1e-12)
	}
	// coverFor inverts shortage.
	for _, target := range []float64{0, 0.1, 0.4, 0.7, 1.1, 1.6, 2} {
		r := d.coverFor(target)
		near(t, "shortage(coverFor)", d.shortage(r), target, 1e-12)
	}
	// Duplicate values merge.
	m := newDist([]float64{1, 1, 2}, []float64{1, 1, 2})
	if len(m.v) != 2 || m.p[0] != 0.5 {
		t.Errorf("merged = %v %v, want [1 2] [0.5 0.5]", m.v, m.p)
	}
}

func TestDistSumsAndPowers(t *testing.T) {
	t.Parallel()
	coin := newDist([]float64{0, 1}, []float64{0.5, 0.5})
	// Sum of 4 fair coins is Binomial(4, ½): 1 4 6 4 1 over 16.
	b := coin.power(4)
	want := []float64{1.0 / 16, 4.0 / 16, 6.0 / 16, 4.0 / 16, 1.0 / 16}
	if len(b.p) != 5 {
		t.Fatalf("Binomial(4) support = %v", b.v)
	}
	for i := range want {
		near(t, "binomial pmf", b.p[i], want[i], 1e-15)
	}
	if coin.power(0).mean() != 0 || coin.power(1).mean() != 0.5 {
		t.Error("power(0) should be 0 and power(1) the distribution itself")
	}
	// Non-integer values take the pairwise path; means and variances add.
	x := newDist([]float64{0.5, 1.25, 3.1}, []float64{0.2, 0.5, 0.3})
	y := newDist([]float64{0, 0.7}, []float64{0.6, 0.4})
	s := add(x, y)
	near(t, "mean of sum", s.mean(), x.mean()+y.mean(), 1e-12)
	near(t, "var of sum", s.sd()*s.sd(), x.sd()*x.sd()+y.sd()*y.sd(), 1e-12)
	// A large non-integer convolution is binned but keeps its mean.
	wide := make([]float64, 300)
	w := make([]float64, 300)
	for i := range wide {
		wide[i] = float64(i)*1.37 + 0.1
		w[i] = 1
	}
	big := newDist(wide, w)
	bs := add(big, big)
	if len(bs.v) > maxAtoms {
		t.Errorf("binned sum has %d atoms, over %d", len(bs.v), maxAtoms)
	}
	near(t, "binned mean", bs.mean(), 2*big.mean(), 1e-9)
	// Normal + normal stays normal.
	n := add(normalDist(3, 4), normalDist(1, 3))
	if n.discrete() || n.mu != 4 || n.sigma != 5 {
		t.Errorf("normal sum = %+v, want N(4, 5)", n)
	}
	// Normal + discrete goes through a grid and keeps the mean.
	nd := add(normalDist(10, 2), coin)
	near(t, "normal+discrete mean", nd.mean(), 10.5, 1e-9)
	// Pooling keeps mass and mean.
	v, p := pool(wide, slices.Repeat([]float64{1.0 / 300}, 300), 16)
	if len(v) > 16 {
		t.Errorf("pool kept %d bins", len(v))
	}
	near(t, "pooled mean", newDist(v, p).mean(), big.mean(), 1e-9)
}

func TestUndershoot(t *testing.T) {
	t.Parallel()
	// A steady demand of 2 a day lands 0 or 1 below a level, half and half.
	u := pointDist(2).undershoot()
	if !slices.Equal(u.v, []float64{0, 1}) || math.Abs(u.p[0]-0.5) > 1e-15 {
		t.Errorf("undershoot of D=2: %v %v, want [0 1] [0.5 0.5]", u.v, u.p)
	}
	// P(U=u) = P(D>u)/E[D]: D ∈ {0 (½), 3 (½)}: E[D] = 1.5, U uniform on {0,1,2}.
	u = newDist([]float64{0, 3}, []float64{0.5, 0.5}).undershoot()
	if len(u.v) != 3 || math.Abs(u.p[2]-1.0/3) > 1e-12 {
		t.Errorf("undershoot of lumpy D: %v %v, want uniform on 0..2", u.v, u.p)
	}
	// Continuous: E[U] = E[D²]/(2E[D]); for D ∈ {0.5, 1.5} equally: (0.25+2.25)/2/(2·1) = 0.625.
	u = newDist([]float64{0.5, 1.5}, []float64{0.5, 0.5}).undershoot()
	near(t, "continuous E[U]", u.mean(), 0.625, 1e-12)
	// Normal: moments formula.
	un := normalDist(10, 3).undershoot()
	near(t, "normal E[U]", un.mean(), (9+100)/20.0, 1e-12)
	near(t, "normal Var[U]", un.sd()*un.sd(), (100+27)/3.0-5.45*5.45, 1e-9)
	if got := pointDist(0).undershoot(); got.mean() != 0 {
		t.Errorf("no demand: undershoot mean %v", got.mean())
	}
	// A simulation agrees with the discrete formula.
	rng := rand.New(rand.NewPCG(1, 2))
	d := newDist([]float64{0, 1, 4, 9}, []float64{0.4, 0.3, 0.2, 0.1})
	counts := map[int]int{}
	for range 20000 {
		level := 1000 + rng.IntN(50)
		ip := level + 200
		for ip > level {
			r := rng.Float64()
			switch {
			case r < 0.4:
			case r < 0.7:
				ip--
			case r < 0.9:
				ip -= 4
			default:
				ip -= 9
			}
		}
		counts[level-ip]++
	}
	want := d.undershoot()
	for i, v := range want.v {
		got := float64(counts[int(v)]) / 20000
		if math.Abs(got-want.p[i]) > 0.015 {
			t.Errorf("P(U=%v): simulated %.3f, formula %.3f", v, got, want.p[i])
		}
	}
}

func TestNormalDemand(t *testing.T) {
	t.Parallel()
	d, err := NewNormalDemand([]float64{10, 20, 30}, []float64{3, 4, 0})
	if err != nil {
		t.Fatal(err)
	}
	if d.Horizon() != 3 || d.Mean(2) != 20 || !math.IsNaN(d.Mean(4)) || !math.IsNaN(d.Mean(0)) {
		t.Error("NormalDemand horizon/mean wrong")
	}
	// Over 2 days: N(30, 5); 95 % quantile 30 + 1.6449·5.
	near(t, "LTQ", d.LeadTimeQuantile(0.95, 2), 30+5*1.6448536269514722, 1e-9)
	if d.LeadTimeQuantile(0.01, 1) < 0 {
		t.Error("quantiles must be clipped at 0")
	}
	if !math.IsNaN(d.LeadTimeQuantile(0.5, 4)) || !math.IsNaN(d.LeadTimeQuantile(1, 1)) {
		t.Error("out-of-range LTQ must be NaN")
	}
	c, _ := NewConstantDemand(5, 2)
	near(t, "constant LTQ", c.LeadTimeQuantile(0.5, 100), 500, 1e-9)
	for _, bad := range [][2][]float64{{nil, nil}, {{1}, {1, 2}}, {{-1}, {1}}, {{math.NaN()}, {1}}, {{1}, {math.Inf(1)}}} {
		if _, err := NewNormalDemand(bad[0], bad[1]); !errors.Is(err, ErrInput) {
			t.Errorf("NewNormalDemand(%v, %v) error = %v, want ErrInput", bad[0], bad[1], err)
		}
	}
	if _, err := NewConstantDemand(-1, 0); !errors.Is(err, ErrInput) {
		t.Error("NewConstantDemand(-1) should fail")
	}
}

func TestPathDemand(t *testing.T) {
	t.Parallel()
	paths := [][]float64{{0, 1, 2}, {3, 0, 0}, {1, 1, 1}, {0, 0, 9}}
	d, err := NewPathDemand(paths)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "mean day 3", d.Mean(3), 3, 1e-12)
	// Totals over 2 days: 1, 3, 2, 0 → sorted 0 1 2 3; the 0.5-quantile is 1,
	// the 0.75-quantile 2.
	near(t, "median", d.LeadTimeQuantile(0.5, 2), 1, 0)
	near(t, "q75", d.LeadTimeQuantile(0.75, 2), 2, 0)
	near(t, "q99", d.LeadTimeQuantile(0.99, 3), 9, 0)
	if d.Describe() != "empirical, 4 sample paths" {
		t.Errorf("Describe = %q", d.Describe())
	}
	for name, bad := range map[string][][]float64{"none": nil, "ragged": {{1, 2}, {1}}, "negative": {{1, -2}}} {
		if _, err := NewPathDemand(bad); !errors.Is(err, ErrInput) {
			t.Errorf("%s: error = %v, want ErrInput", name, err)
		}
	}
}

func TestDailyAndPoissonDemand(t *testing.T) {
	t.Parallel()
	// Daily 0/1 coin: over 4 days Binomial(4, ½); P(≤2) = 11/16 < 0.9 ≤ P(≤3) = 15/16.
	d, err := NewDailyDemand([]float64{0, 1}, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "binomial q90", d.LeadTimeQuantile(0.9, 4), 3, 0)
	near(t, "mean", d.Mean(7), 0.5, 1e-15)
	h, _ := NewHistoryDemand([]float64{0, 1, 0, 1})
	near(t, "history q90", h.LeadTimeQuantile(0.9, 4), 3, 0)
	// Poisson(10): P(≤14) = 0.9165, P(≤15) = 0.9513, so the 95 % quantile is 15.
	p, err := NewPoissonDemand([]float64{4, 6, 1})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "poisson q95", p.LeadTimeQuantile(0.95, 2), 15, 0)
	near(t, "poisson mean", p.leadAtoms(3).mean(), 11, 1e-9)
	near(t, "poisson sd", p.leadAtoms(3).sd(), math.Sqrt(11), 1e-9)
	if _, err := NewDailyDemand([]float64{1}, []float64{0}); !errors.Is(err, ErrInput) {
		t.Error("zero probabilities should fail")
	}
	if _, err := NewHistoryDemand(nil); !errors.Is(err, ErrInput) {
		t.Error("empty history should fail")
	}
	if _, err := NewPoissonDemand([]float64{-1}); !errors.Is(err, ErrInput) {
		t.Error("negative Poisson mean should fail")
	}
}

func TestErrorDemand(t *testing.T) {
	t.Parallel()
	// A steady history: the forecast is exact, so every quantile is k·level.
	flat := slices.Repeat([]float64{4}, 60)
	d, err := NewErrorDemand(flat, ErrorConfig{Level: 7, Origins: 20})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "flat q95", d.LeadTimeQuantile(0.95, 5), 20, 1e-9)
	// A straight line: the trend forecast is exact too and extends the line.
	line := make([]float64, 80)
	for i := range line {
		line[i] = float64(i)
	}
	d, err = NewErrorDemand(line, ErrorConfig{Level: 10, Origins: 30, Trend: true})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "trend mean day 1", d.Mean(1), 80, 1e-9)
	near(t, "trend q95 over 3 days", d.LeadTimeQuantile(0.95, 3), 80+81+82, 1e-6)
	// A flat average lags the line by the same amount at every origin, so its
	// measured errors put the quantile back on the line.
	d, _ = NewErrorDemand(line, ErrorConfig{Level: 10, Origins: 30})
	near(t, "lagging level corrected", d.LeadTimeQuantile(0.5, 3), 80+81+82, 1e-6)
	if d.Horizon() != 80-10-minOrigins+1 {
		t.Errorf("horizon = %d", d.Horizon())
	}
	for name, c := range map[string]ErrorConfig{"level": {Level: 1, Origins: 20}, "origins": {Level: 5, Origins: 3}} {
		if _, err := NewErrorDemand(line, c); !errors.Is(err, ErrInput) {
			t.Errorf("%s: error = %v, want ErrInput", name, err)
		}
	}
	if _, err := NewErrorDemand(line[:12], ErrorConfig{Level: 5, Origins: 20}); !errors.Is(err, ErrInput) {
		t.Error("short history should fail")
	}
}
