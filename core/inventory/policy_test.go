package inventory

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// quantileOnly hides every optional interface of a Demand, as a forecasting
// engine's result would, so ComputeLevels has to use the quantile grid.
type quantileOnly struct{ d Demand }

func (q quantileOnly) Horizon() int         { return q.d.Horizon() }
func (q quantileOnly) Mean(day int) float64 { return q.d.Mean(day) }
func (q quantileOnly) LeadTimeQuantile(p float64, days int) float64 {
	return q.d.LeadTimeQuantile(p, days)
}

func econ12() Economics {
	return Economics{UnitCost: commerce.MustMoney("12", "EUR"), OrderCost: commerce.MustMoney("100", "EUR"), HoldingRate: dec("0.25")}
}

func TestComputeLevelsNormal(t *testing.T) {
	t.Parallel()
	dem, _ := NewConstantDemand(10, 3)
	z95 := 1.6448536269514722
	// EOQ: D = 3650, S = 100, H = 12·0.25 = 3: √(2·3650·100/3) = 493.29.
	eoq := math.Sqrt(2 * 3650 * 100 / 3.0)
	cases := []struct {
		name               string
		rule               Rule
		lt                 LeadTime
		rop, upTo, ss, und float64
		q                  int
	}{
		{"rop textbook", Rule{Policy: PolicyROP, Service: CSL(0.95), NoUndershoot: true}, LeadTime{Days: 9},
			90 + z95*9, 90 + z95*9 + 493, z95 * 9, 0, 493},
		{"ss textbook", Rule{Policy: PolicySS, Service: CSL(0.95), NoUndershoot: true}, LeadTime{Days: 9},
			90 + z95*9, 90 + z95*9 + 493, z95 * 9, 0, 493},
		// σ = √(9·9 + 10²·2²) = √481.
		{"rop lead-time variability", Rule{Policy: PolicyROP, Service: CSL(0.95), NoUndershoot: true}, LeadTime{Days: 9, SD: 2},
			90 + z95*math.Sqrt(481), 90 + z95*math.Sqrt(481) + 493, z95 * math.Sqrt(481), 0, 493},
		// Undershoot of a N(10, 3) day: E[U] = (9+100)/20 = 5.45, Var[U] = 127/3 − 5.45².
		{"rop with undershoot", Rule{Policy: PolicyROP, Service: CSL(0.95)}, LeadTime{Days: 9},
			95.45 + z95*math.Sqrt(81+127/3.0-5.45*5.45), 95.45 + z95*math.Sqrt(81+127/3.0-5.45*5.45) + 493,
			z95 * math.Sqrt(81+127/3.0-5.45*5.45), 5.45, 493},
		// R + L = 16 days: S = 160 + z·3·4.
		{"rs", Rule{Policy: PolicyRS, Service: CSL(0.95), ReviewPeriod: 7}, LeadTime{Days: 9},
			160 + z95*12, 160 + z95*12, z95 * 12, 0, 0},
		{"minmax days", Rule{Policy: PolicyMinMax, MinDays: 7, MaxDays: 21}, LeadTime{Days: 9},
			70, 210, 70 - 90, 0, 0},
		{"minmax units", Rule{Policy: PolicyMinMax, Min: 40, Max: 100}, LeadTime{Days: 9},
			40, 100, 40 - 90, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			lv, err := ComputeLevels(c.rule, dem, c.lt, econ12())
			if err != nil {
				t.Fatal(err)
			}
			near(t, "reorder point", lv.ReorderPoint, c.rop, 1e-9)
			near(t, "order-up-to", lv.OrderUpTo, c.upTo, 1e-9)
			near(t, "safety stock", lv.SafetyStock, c.ss, 1e-9)
			near(t, "undershoot", lv.Undershoot, c.und, 1e-9)
			if lv.Quantity != c.q {
				t.Errorf("quantity = %d, want %d", lv.Quantity, c.q)
			}
			if c.q > 0 {
				near(t, "EOQ", lv.EOQ, eoq, 1e-9)
			}
		})
	}
}

func TestComputeLevelsFillRate(t *testing.T) {
	t.Parallel()
	// σ_LTD = 3·√9 = 9, Q = 493: G(z) = 0.01·493/9.
	dem, _ := NewConstantDemand(10, 3)
	lv, err := ComputeLevels(Rule{Policy: PolicyROP, Service: Fill(0.99), NoUndershoot: true}, dem, LeadTime{Days: 9}, econ12())
	if err != nil {
		t.Fatal(err)
	}
	z := InverseNormalLoss(0.01 * 493 / 9)
	near(t, "fill-rate ROP", lv.ReorderPoint, 90+9*z, 1e-9)
	// For rs the cycle demand is the mean over the review period: 70.
	lv, _ = ComputeLevels(Rule{Policy: PolicyRS, Service: Fill(0.98), ReviewPeriod: 7}, dem, LeadTime{Days: 9}, econ12())
	near(t, "fill-rate S", lv.OrderUpTo, 160+12*InverseNormalLoss(0.02*70/12), 1e-9)
}

func TestComputeLevelsQuantileGrid(t *testing.T) {
	t.Parallel()
	// A forecast that only offers quantiles must land near the closed form.
	norm, _ := NewNormalDemand(repeat(20, 60), repeat(6, 60))
	generic := quantileOnly{norm}
	for _, rule := range []Rule{
		{Policy: PolicyROP, Service: CSL(0.95), NoUndershoot: true},
		{Policy: PolicyROP, Service: CSL(0.95)},
		{Policy: PolicyROP, Service: Fill(0.99)},
		{Policy: PolicyRS, Service: CSL(0.9)},
	} {
		for _, lt := range []LeadTime{{Days: 7}, {Days: 7, SD: 1.5}} {
			want, err := ComputeLevels(rule, norm, lt, econ12())
			if err != nil {
				t.Fatal(err)
			}
			got, err := ComputeLevels(rule, generic, lt, econ12())
			if err != nil {
				t.Fatal(err)
			}
			if rel := math.Abs(got.ReorderPoint-want.ReorderPoint) / want.ReorderPoint; rel > 0.01 {
				t.Errorf("%s, %+v: grid reorder point %.2f vs closed form %.2f", rule, lt, got.ReorderPoint, want.ReorderPoint)
			}
			if got.Method != "forecast quantiles" && !strings.HasPrefix(got.Method, "forecast quantiles") {
				t.Errorf("method = %q, want forecast quantiles", got.Method)
			}
		}
	}
}

func TestComputeLevelsEmpirical(t *testing.T) {
	t.Parallel()
	// Daily demand 0 or 10, half and half; 3-day lead time: total ∈ {0,10,20,30}
	// with 1/8, 3/8, 3/8, 1/8; the 90 % quantile is 30, the 80 % quantile 20.
	d, _ := NewDailyDemand([]float64{0, 10}, []float64{1, 1})
	lv, err := ComputeLevels(Rule{Policy: PolicyROP, Service: CSL(0.8), NoUndershoot: true}, d, LeadTime{Days: 3}, econ12())
	if err != nil {
		t.Fatal(err)
	}
	near(t, "empirical ROP", lv.ReorderPoint, 20, 0)
	lv, _ = ComputeLevels(Rule{Policy: PolicyROP, Service: CSL(0.9), NoUndershoot: true}, d, LeadTime{Days: 3}, econ12())
	near(t, "empirical ROP 90", lv.ReorderPoint, 30, 0)
	// Lead-time variability widens the distribution as σ² = L·σ_d² + d̄²·σ_L²:
	// over 10 days, Var = 10·25 = 250; a lead time of 10 ± 1 day (rounded to
	// whole days, variance 1 + 1/12) adds 5²·(1 + 1/12).
	dm, _, _, err := protectionDist(d, LeadTime{Days: 10, SD: 1}, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "mixture mean", dm.mean(), 50, 0.01) // clipping at 0 adds a hair
	near(t, "mixture variance", dm.sd()*dm.sd(), 250+25*(1+1.0/12), 3)
}

func TestLevelsOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		lv   Levels
		ip   int
		want int
	}{
		{"rop above", Levels{Rule: Rule{Policy: PolicyROP}, ReorderPoint: 50, Quantity: 100}, 51, 0},
		{"rop at", Levels{Rule: Rule{Policy: PolicyROP}, ReorderPoint: 50, Quantity: 100}, 50, 100},
		{"rop far below", Levels{Rule: Rule{Policy: PolicyROP}, ReorderPoint: 50, Quantity: 100}, -120, 200},
		{"ss", Levels{Rule: Rule{Policy: PolicySS}, ReorderPoint: 50, OrderUpTo: 150}, 30, 120},
		{"ss packs", Levels{Rule: Rule{Policy: PolicySS}, ReorderPoint: 50, OrderUpTo: 150, Pack: 25}, 30, 125},
		{"rs fractional S", Levels{Rule: Rule{Policy: PolicyRS}, OrderUpTo: 61.3}, 61, 1},
		{"rs at S", Levels{Rule: Rule{Policy: PolicyRS}, OrderUpTo: 62}, 62, 0},
		{"rs moq", Levels{Rule: Rule{Policy: PolicyRS}, OrderUpTo: 62, MOQ: 20}, 55, 20},
		{"minmax equal", Levels{Rule: Rule{Policy: PolicyMinMax}, ReorderPoint: 10, OrderUpTo: 10}, 10, 1},
	}
	for _, c := range cases {
		if got := c.lv.Order(c.ip); got != c.want {
			t.Errorf("%s: Order(%d) = %d, want %d", c.name, c.ip, got, c.want)
		}
	}
}

func TestLotSize(t *testing.T) {
	t.Parallel()
	q, eoq, note, err := econ12().LotSize(10)
	if err != nil || q != 493 || math.Abs(eoq-493.2883) > 1e-3 || !strings.Contains(note, "EOQ 493.3") {
		t.Errorf("LotSize = %d, %v, %q, %v", q, eoq, note, err)
	}
	e := Economics{Pack: 6}
	q, eoq, note, _ = e.LotSize(10)
	if q != 138 || eoq != 0 || !strings.Contains(note, "14 days") {
		t.Errorf("cover-days lot = %d, %v, %q; want 138 (140 to the nearest 6)", q, eoq, note)
	}
	e = Economics{MOQ: 50, CoverDays: 3}
	if q, _, _, _ := e.LotSize(1); q != 50 {
		t.Errorf("MOQ lot = %d, want 50", q)
	}
	mixed := econ12()
	mixed.OrderCost = commerce.MustMoney("100", "USD")
	if _, _, _, err := mixed.LotSize(10); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "FX") {
		t.Errorf("mixed currencies: %v, want ErrInput naming FX", err)
	}
}

func TestComputeLevelsErrors(t *testing.T) {
	t.Parallel()
	short, _ := NewNormalDemand(repeat(5, 10), repeat(1, 10))
	good := Rule{Policy: PolicyROP, Service: CSL(0.95)}
	cases := []struct {
		name string
		rule Rule
		dem  Demand
		lt   LeadTime
		want string
	}{
		{"horizon", Rule{Policy: PolicyRS, Service: CSL(0.9), ReviewPeriod: 7}, short, LeadTime{Days: 7}, "forecast further ahead"},
		{"service", Rule{Policy: PolicyROP, Service: CSL(1.2)}, short, LeadTime{Days: 2}, "between 0 and 1"},
		{"policy", Rule{Policy: "kanban"}, short, LeadTime{Days: 2}, "unknown policy"},
		{"lead time", good, short, LeadTime{Days: -1}, "lead time"},
		{"no demand", good, nil, LeadTime{Days: 2}, "no demand"},
		{"minmax order", Rule{Policy: PolicyMinMax, Min: 10, Max: 5}, short, LeadTime{Days: 2}, "min 10"},
		{"minmax days", Rule{Policy: PolicyMinMax, MinDays: 9, MaxDays: 3}, short, LeadTime{Days: 2}, "min-days"},
	}
	for _, c := range cases {
		_, err := ComputeLevels(c.rule, c.dem, c.lt, econ12())
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v, want ErrInput containing %q", c.name, err, c.want)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]PolicyKind{"rop": PolicyROP, "(s,S)": PolicySS, "R,S": PolicyRS, "min/max": PolicyMinMax, "SS": PolicySS} {
		if got, err := ParsePolicy(in); err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePolicy("jit"); !errors.Is(err, ErrInput) {
		t.Error("ParsePolicy(jit) should fail")
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
