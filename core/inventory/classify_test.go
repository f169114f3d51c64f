package inventory

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestClassifyABC(t *testing.T) {
	t.Parallel()
	// Ten items with revenues totalling 1000: shares 40 25 15 8 5 3 2 1 0.5 0.5 %.
	// Cumulative before each: 0 40 65 80 88 93 96 98 99 99.5 → A A A B B B C C C C
	// (the item that crosses 80 % is still A; the one starting at 80 % is B).
	vals := []string{"400", "250", "150", "80", "50", "30", "20", "10", "5", "5"}
	items := make([]ValueItem, len(vals))
	for i, v := range vals {
		items[i] = ValueItem{Key: string(rune('a' + i)), Value: decimal.RequireFromString(v)}
	}
	// Shuffle the input order: classes follow the input.
	shuffled := []ValueItem{items[9], items[3], items[0], items[6], items[1], items[8], items[2], items[5], items[4], items[7]}
	got, err := ClassifyABC(shuffled, ABCConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"C", "B", "A", "C", "A", "C", "A", "B", "B", "C"}
	if !slices.Equal(got, want) {
		t.Errorf("ClassifyABC = %v, want %v", got, want)
	}
	// Negative margins and zero value are C; all-zero gives all C.
	got, _ = ClassifyABC([]ValueItem{{"x", decimal.NewFromInt(-5)}, {"y", decimal.NewFromInt(10)}, {"z", decimal.Zero}}, ABCConfig{})
	if !slices.Equal(got, []string{"C", "A", "C"}) {
		t.Errorf("negative margin: %v", got)
	}
	got, _ = ClassifyABC([]ValueItem{{"x", decimal.Zero}}, ABCConfig{})
	if !slices.Equal(got, []string{"C"}) {
		t.Errorf("zero value: %v", got)
	}
	// Custom cut-offs: A up to 50 %.
	got, _ = ClassifyABC(items[:4], ABCConfig{A: 0.5, B: 0.9})
	if !slices.Equal(got, []string{"A", "A", "B", "C"}) {
		t.Errorf("custom cut-offs: %v", got)
	}
	if _, err := ClassifyABC(append(items[:1:1], items[0]), ABCConfig{}); !errors.Is(err, ErrInput) {
		t.Error("duplicate keys should fail")
	}
	if _, err := ClassifyABC(items, ABCConfig{A: 0.9, B: 0.5}); !errors.Is(err, ErrInput) {
		t.Error("A > B should fail")
	}
}

func TestClassifyXYZ(t *testing.T) {
	t.Parallel()
	// Weekly demand 10 10 10 10 → CV 0 → X; 5 15 5 15 → CV 0.5 → X (≤);
	// 0 20 0 20 → CV 1 → Y; 0 0 0 40 → CV √3 → Z.
	cases := []struct {
		weeks []float64
		cv    float64
		class string
	}{
		{[]float64{10, 10, 10, 10}, 0, "X"},
		{[]float64{5, 15, 5, 15}, 0.5, "X"},
		{[]float64{0, 20, 0, 20}, 1, "Y"},
		{[]float64{0, 0, 0, 40}, math.Sqrt(3), "Z"},
		{[]float64{0, 0, 0, 0}, math.Inf(1), "Z"},
	}
	for _, c := range cases {
		cv := CoefficientOfVariation(c.weeks)
		if !(cv == c.cv || math.Abs(cv-c.cv) < 1e-12) {
			t.Errorf("CV(%v) = %v, want %v", c.weeks, cv, c.cv)
		}
		got, err := ClassifyXYZ(cv, XYZConfig{})
		if err != nil || got != c.class {
			t.Errorf("ClassifyXYZ(%v) = %q, %v; want %q", cv, got, err, c.class)
		}
	}
	if !math.IsNaN(CoefficientOfVariation(nil)) {
		t.Error("CV of nothing should be NaN")
	}
	if _, err := ClassifyXYZ(math.NaN(), XYZConfig{}); !errors.Is(err, ErrInput) {
		t.Error("NaN CV should fail")
	}
	if _, err := ClassifyXYZ(0.2, XYZConfig{X: 2, Y: 1}); !errors.Is(err, ErrInput) {
		t.Error("X > Y should fail")
	}
	daily := []float64{1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 9}
	if got := Buckets(daily, 7); !slices.Equal(got, []float64{7, 14}) {
		t.Errorf("Buckets = %v, want [7 14] (incomplete week dropped)", got)
	}
}

func TestMatrix(t *testing.T) {
	t.Parallel()
	m := DefaultMatrix()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(m) != 9 {
		t.Errorf("default matrix has %d classes, want 9", len(m))
	}
	if r, ok := m.Rule("AX"); !ok || r.Policy != PolicyROP || r.Service.Level != 0.98 {
		t.Errorf("AX = %+v", r)
	}
	if r, _ := m.Rule("CZ"); r.Policy != PolicyRS || r.ReviewPeriod != 14 {
		t.Errorf("CZ = %+v", r)
	}
	if _, ok := m.Rule("DX"); ok {
		t.Error("DX should not be a class")
	}
	bad := Matrix{"AQ": {Policy: PolicyROP, Service: CSL(0.9)}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "AQ") {
		t.Errorf("bad class: %v", err)
	}
	bad = Matrix{"AX": {Policy: PolicyROP, Service: CSL(2)}}
	if err := bad.Validate(); !errors.Is(err, ErrInput) {
		t.Errorf("bad rule: %v", err)
	}
}
