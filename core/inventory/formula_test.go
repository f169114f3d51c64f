package inventory

import (
	"errors"
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (±%g)", name, got, want, tol)
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestNormalQuantile(t *testing.T) {
	t.Parallel()
	// Reference values of Φ⁻¹ (to 15–16 digits, from tables computed in
	// extended precision).
	cases := []struct {
		p, z float64
	}{
		{0.5, 0},
		{0.9, 1.2815515655446004},
		{0.95, 1.6448536269514722},
		{0.975, 1.959963984540054},
		{0.99, 2.3263478740408408},
		{0.999, 3.090232306167813},
		{0.05, -1.6448536269514722},
		{1e-10, -6.361340902404056},
		{1 - 1e-10, 6.361340889697422}, // 1−1e-10 is not exact in binary
	}
	for _, c := range cases {
		near(t, "NormalQuantile", NormalQuantile(c.p), c.z, 1e-12*math.Max(1, math.Abs(c.z))*10)
	}
	// Against √2·erfinv(2p−1) where that is accurate, and Φ(Φ⁻¹(p)) = p.
	for p := 0.001; p < 0.999; p += 0.00731 {
		near(t, "vs erfinv", NormalQuantile(p), math.Sqrt2*math.Erfinv(2*p-1), 1e-13)
		near(t, "Φ(Φ⁻¹(p))", NormalCDF(NormalQuantile(p)), p, 1e-15)
	}
	for _, p := range []float64{1e-300, 1e-100, 1e-20, 1e-5} {
		z := NormalQuantile(p)
		if rel := math.Abs(NormalCDF(z)-p) / p; rel > 1e-12 {
			t.Errorf("Φ(Φ⁻¹(%g)) off by %g relative", p, rel)
		}
	}
	if !math.IsInf(NormalQuantile(0), -1) || !math.IsInf(NormalQuantile(1), 1) || !math.IsNaN(NormalQuantile(1.5)) || !math.IsNaN(NormalQuantile(math.NaN())) {
		t.Error("NormalQuantile edge cases: want -Inf at 0, +Inf at 1, NaN outside")
	}
}

func TestNormalLoss(t *testing.T) {
	t.Parallel()
	// G(z) = φ(z) − z(1−Φ(z)) worked by hand from φ and Φ to 7 digits, as in
	// the loss tables of inventory textbooks: G(1) = 0.2419707 − 0.1586553.
	cases := []struct{ z, g float64 }{
		{-1, 1.0833155},
		{0, 0.3989423},
		{0.5, 0.1977966},
		{1, 0.0833155},
		{1.5, 0.0293068},
		{2, 0.0084907},
		{3, 0.0003822},
	}
	for _, c := range cases {
		near(t, "NormalLoss", NormalLoss(c.z), c.g, 5e-8)
		// G' = −(1−Φ), so 7 digits of G pin z to about 5e-8/(1−Φ(z)).
		near(t, "InverseNormalLoss", InverseNormalLoss(c.g), c.z, 6e-8/(1-NormalCDF(c.z)))
	}
	for _, g := range []float64{1e-12, 1e-6, 0.05, 0.3989, 1, 10, 500} {
		z := InverseNormalLoss(g)
		if rel := math.Abs(NormalLoss(z)-g) / g; rel > 1e-10 {
			t.Errorf("G(G⁻¹(%g)) off by %g relative (z = %g)", g, rel, z)
		}
	}
	if !math.IsNaN(InverseNormalLoss(0)) || !math.IsNaN(InverseNormalLoss(-1)) {
		t.Error("InverseNormalLoss(≤0) should be NaN")
	}
}

func TestEOQ(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		d       float64
		s, h    string
		want    float64
		wantErr bool
	}{
		// The check: √(2·1000·100/10) = √20000.
		{"issue example", 1000, "100", "10", 141.4213562373095, false},
		// Harris-style textbook example: D = 2400, S = 50, H = 6 → √40000.
		{"round figure", 2400, "50", "6", 200, false},
		{"no demand", 0, "100", "10", 0, false},
		{"free orders", 1000, "0", "10", 0, false},
		{"negative demand", -1, "100", "10", 0, true},
		{"NaN demand", math.NaN(), "100", "10", 0, true},
		{"zero holding", 1000, "100", "0", 0, true},
		{"negative order cost", 1000, "-1", "10", 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := EOQ(c.d, dec(c.s), dec(c.h))
			if c.wantErr {
				if !errors.Is(err, ErrInput) {
					t.Fatalf("EOQ error = %v, want ErrInput", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			near(t, "EOQ", got, c.want, 1e-9)
		})
	}
	// The EOQ minimises ordering + holding cost.
	q, _ := EOQ(1000, dec("100"), dec("10"))
	best, _ := EOQCost(q, 1000, dec("100"), dec("10"))
	for _, other := range []float64{q * 0.9, q * 1.1, 100, 200} {
		c, _ := EOQCost(other, 1000, dec("100"), dec("10"))
		if !c.GreaterThan(best) {
			t.Errorf("cost at %v (%s) is not above the cost at the EOQ (%s)", other, c, best)
		}
	}
	// At the EOQ the two halves are equal: 1000/141.42·100 = 141.42/2·10 = 707.1.
	if f, _ := best.Float64(); math.Abs(f-1414.2135623730951) > 1e-6 {
		t.Errorf("EOQ cost = %v, want 1414.21", f)
	}
}

func TestRoundOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		q               float64
		moq, pack       int
		up, nearestWant int
	}{
		{"plain", 141.42, 0, 0, 142, 141},
		{"packs of 12", 141.42, 0, 12, 144, 144},
		{"packs of 25", 141.42, 0, 25, 150, 150},
		{"nearest down", 137, 0, 25, 150, 125},
		{"moq above", 141.42, 200, 0, 200, 200},
		{"moq not a pack multiple", 10, 30, 12, 36, 36},
		{"tiny", 0.2, 0, 6, 6, 6},
		{"exact", 48, 0, 12, 48, 48},
		{"nothing", 0, 10, 5, 0, 0},
		{"negative", -3, 0, 1, 0, 0},
	}
	for _, c := range cases {
		if got := RoundOrderUp(c.q, c.moq, c.pack); got != c.up {
			t.Errorf("%s: RoundOrderUp(%v, %d, %d) = %d, want %d", c.name, c.q, c.moq, c.pack, got, c.up)
		}
		if got := RoundOrderNearest(c.q, c.moq, c.pack); got != c.nearestWant {
			t.Errorf("%s: RoundOrderNearest(%v, %d, %d) = %d, want %d", c.name, c.q, c.moq, c.pack, got, c.nearestWant)
		}
	}
}

func TestSafetyStock(t *testing.T) {
	t.Parallel()
	// σ_d = 10 a day over L = 9 days: σ_LTD = 30; at 95 % CSL, SS = 1.6449·30.
	sigma := LeadTimeDemandSD(50, 10, 9, 0)
	near(t, "σ_LTD fixed lead time", sigma, 30, 1e-12)
	ss, err := SafetyStock(CSL(0.95), sigma, 0)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "SS 95% CSL", ss, 49.34560880854417, 1e-9)
	// With σ_L = 2 days: √(9·100 + 50²·4) = √10900 = 104.403.
	sigma = LeadTimeDemandSD(50, 10, 9, 2)
	near(t, "σ_LTD variable lead time", sigma, math.Sqrt(10900), 1e-12)
	ss, _ = SafetyStock(CSL(0.95), sigma, 0)
	near(t, "SS with σ_L", ss, 1.6448536269514722*math.Sqrt(10900), 1e-9)
	rop, _ := ReorderPoint(450, CSL(0.95), sigma, 0)
	near(t, "ROP", rop, 450+ss, 1e-9)

	// Fill rate 99 % with Q = 500 and σ = 100: G(z) = 0.01·500/100 = 0.05,
	// z ≈ 1.2563 (G(1.25) = 0.050586, G(1.26) = 0.049657 in the tables).
	z, err := SafetyFactor(Fill(0.99), 100, 500)
	if err != nil {
		t.Fatal(err)
	}
	if z < 1.2555 || z > 1.2570 {
		t.Errorf("fill-rate z = %v, want about 1.2563", z)
	}
	near(t, "G(z)", NormalLoss(z), 0.05, 1e-12)
	// A big lot meets a modest fill rate with negative safety stock.
	ss, _ = SafetyStock(Fill(0.9), 10, 1000)
	if ss >= 0 {
		t.Errorf("fill-rate SS with Q ≫ σ = %v, want < 0", ss)
	}
	// σ = 0 needs no safety stock.
	if ss, err := SafetyStock(CSL(0.99), 0, 0); err != nil || ss != 0 {
		t.Errorf("SS with σ = 0 = %v, %v; want 0, nil", ss, err)
	}

	bad := []struct {
		name  string
		s     Service
		sigma float64
		q     float64
	}{
		{"level 1", CSL(1), 10, 0},
		{"level 0", CSL(0), 10, 0},
		{"level NaN", Fill(math.NaN()), 10, 10},
		{"negative sigma", CSL(0.9), -1, 0},
		{"fill rate without Q", Fill(0.9), 10, 0},
		{"unknown kind", Service{Kind: 7, Level: 0.9}, 10, 0},
	}
	for _, c := range bad {
		if _, err := SafetyStock(c.s, c.sigma, c.q); !errors.Is(err, ErrInput) {
			t.Errorf("%s: error = %v, want ErrInput", c.name, err)
		}
	}
	if _, err := ReorderPoint(-1, CSL(0.9), 1, 0); !errors.Is(err, ErrInput) {
		t.Errorf("negative mean: %v, want ErrInput", err)
	}
}

func TestServiceString(t *testing.T) {
	t.Parallel()
	if got := CSL(0.95).String(); got != "95% cycle service level" {
		t.Errorf("CSL(0.95) = %q", got)
	}
	if got := Fill(0.985).String(); got != "98.5% fill rate" {
		t.Errorf("Fill(0.985) = %q", got)
	}
}
