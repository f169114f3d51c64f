package inventory

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// ABCConfig sets the ABC cut-offs as cumulative shares of the total value.
type ABCConfig struct {
	// A is the cumulative share of value the A items make up (default 0.8).
	A float64
	// B is the cumulative share of the A and B items together (default 0.95);
	// the rest are C.
	B float64
}

func (c ABCConfig) withDefaults() ABCConfig {
	if c.A == 0 {
		c.A = 0.8
	}
	if c.B == 0 {
		c.B = 0.95
	}
	return c
}

// Validate checks 0 < A ≤ B ≤ 1 (after defaults).
func (c ABCConfig) Validate() error {
	c = c.withDefaults()
	if !(c.A > 0 && c.A <= c.B && c.B <= 1) {
		return inputErr("abc: cut-offs A %v and B %v must satisfy 0 < A ≤ B ≤ 1, for example 0.8 and 0.95", c.A, c.B)
	}
	return nil
}

// ValueItem is one SKU-location (or SKU) with the value that ranks it: its
// revenue or its margin over the same period, in one currency.
type ValueItem struct {
	// Key identifies the item, for example "SKU-1@warehouse-a".
	Key string
	// Value is the revenue or margin; negative margins count as 0.
	Value decimal.Decimal
}

// ClassifyABC ranks items by value, largest first (ties by key), and
// returns each item's class in input order: A while the cumulative share of
// value before the item is below cfg.A, then B while below cfg.B, then C.
// So the item that crosses 80 % is still an A. Items with no value are C.
// Keys must be unique.
//
// Reference: Silver, Pyke and Thomas (2017), chapter 2 (the Pareto or ABC
// classification).
func ClassifyABC(items []ValueItem, cfg ABCConfig) ([]string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	idx := make([]int, len(items))
	total := decimal.Zero
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		if seen[it.Key] {
			return nil, inputErr("abc: item %q appears twice: sum its value first", it.Key)
		}
		seen[it.Key] = true
		idx[i] = i
		if it.Value.IsPositive() {
			total = total.Add(it.Value)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(items[b].Value.Cmp(items[a].Value), strings.Compare(items[a].Key, items[b].Key))
	})
	out := make([]string, len(items))
	a := decimal.NewFromFloat(cfg.A).Mul(total)
	b := decimal.NewFromFloat(cfg.B).Mul(total)
	cum := decimal.Zero
	for _, i := range idx {
		v := items[i].Value
		switch {
		case !v.IsPositive():
			out[i] = "C"
		case cum.LessThan(a):
			out[i] = "A"
		case cum.LessThan(b):
			out[i] = "B"
		default:
			out[i] = "C"
		}
		if v.IsPositive() {
			cum = cum.Add(v)
		}
	}
	return out, nil
}

// XYZConfig sets the XYZ cut-offs on the coefficient of variation of demand
// per period.
type XYZConfig struct {
	// X is the largest CV of an X item (default 0.5).
	X float64
	// Y is the largest CV of a Y item (default 1.0); above it, Z.
	Y float64
}

func (c XYZConfig) withDefaults() XYZConfig {
	if c.X == 0 {
		c.X = 0.5
	}
	if c.Y == 0 {
		c.Y = 1.0
	}
	return c
}

// Validate checks 0 < X ≤ Y (after defaults).
func (c XYZConfig) Validate() error {
	c = c.withDefaults()
	if !(c.X > 0 && c.X <= c.Y) || math.IsInf(c.Y, 0) {
		return inputErr("xyz: cut-offs X %v and Y %v must satisfy 0 < X ≤ Y, for example 0.5 and 1.0", c.X, c.Y)
	}
	return nil
}

// CoefficientOfVariation returns the standard deviation of demand over its
// mean (population standard deviation), +Inf when the mean is 0 and NaN for
// no data.
func CoefficientOfVariation(demand []float64) float64 {
	if len(demand) == 0 {
		return math.NaN()
	}
	m := 0.0
	for _, v := range demand {
		m += v
	}
	m /= float64(len(demand))
	if m == 0 {
		return math.Inf(1)
	}
	ss := 0.0
	for _, v := range demand {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss/float64(len(demand))) / m
}

// Buckets sums daily demand into periods of days days (7 for weekly),
// dropping an incomplete last period.
func Buckets(daily []float64, days int) []float64 {
	if days <= 1 {
		return slices.Clone(daily)
	}
	out := make([]float64, 0, len(daily)/days)
	for i := 0; i+days <= len(daily); i += days {
		s := 0.0
		for _, v := range daily[i : i+days] {
			s += v
		}
		out = append(out, s)
	}
	return out
}

// ClassifyXYZ returns X, Y or Z for a coefficient of variation: X up to
// cfg.X (steady), Y up to cfg.Y (variable), Z above (erratic or
// intermittent, including no demand). Compute the CV on weekly buckets of
// daily demand ([Buckets]) so that daily noise does not push every slow
// mover into Z.
func ClassifyXYZ(cv float64, cfg XYZConfig) (string, error) {
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	if math.IsNaN(cv) || cv < 0 {
		return "", inputErr("xyz: coefficient of variation %v must be ≥ 0 (no demand history gives NaN)", cv)
	}
	cfg = cfg.withDefaults()
	switch {
	case cv <= cfg.X:
		return "X", nil
	case cv <= cfg.Y:
		return "Y", nil
	}
	return "Z", nil
}

// Matrix maps an ABC/XYZ class ("AX" … "CZ") to its replenishment rule.
type Matrix map[string]Rule

// DefaultMatrix returns the documented default policy matrix, a common
// starting point to tune with the simulator rather than an optimum:
//
//	     X (steady)          Y (variable)        Z (erratic)
//	A    rop, CSL 98 %       rop, CSL 97 %       ss, CSL 95 %
//	B    rop, CSL 95 %       ss, CSL 93 %        ss, CSL 90 %
//	C    rs 14 d, CSL 92 %   rs 14 d, CSL 90 %   rs 14 d, CSL 85 %
//
// A items (most of the value) are reviewed continuously at high service;
// erratic items order up to a level (s, S) so one large order does not leave
// the position short; C items are reviewed every two weeks to save orders.
func DefaultMatrix() Matrix {
	rop := func(l float64) Rule { return Rule{Policy: PolicyROP, Service: CSL(l)} }
	ss := func(l float64) Rule { return Rule{Policy: PolicySS, Service: CSL(l)} }
	rs := func(l float64) Rule { return Rule{Policy: PolicyRS, Service: CSL(l), ReviewPeriod: 14} }
	return Matrix{
		"AX": rop(0.98), "AY": rop(0.97), "AZ": ss(0.95),
		"BX": rop(0.95), "BY": ss(0.93), "BZ": ss(0.90),
		"CX": rs(0.92), "CY": rs(0.90), "CZ": rs(0.85),
	}
}

// Validate checks every class name and rule.
func (m Matrix) Validate() error {
	for class, r := range m {
		if !validClass(class) {
			return inputErr("matrix: class %q is not an ABC letter followed by an XYZ letter, such as AX", class)
		}
		if err := r.Validate(); err != nil {
			return fmt.Errorf("matrix class %s: %w", class, err)
		}
	}
	return nil
}

func validClass(c string) bool {
	return len(c) == 2 && strings.IndexByte("ABC", c[0]) >= 0 && strings.IndexByte("XYZ", c[1]) >= 0
}

// Rule returns the rule of a class.
func (m Matrix) Rule(class string) (Rule, bool) {
	r, ok := m[class]
	return r, ok
}
