package inventorytest

import (
	"math"
	"slices"
	"testing"
)

func TestIntermittent(t *testing.T) {
	t.Parallel()
	s, f, err := Intermittent("a", 7, 20000, 0.3, 4)
	if err != nil {
		t.Fatal(err)
	}
	again, _, _ := Intermittent("a", 7, 20000, 0.3, 4)
	if !slices.Equal(s.Demand, again.Demand) {
		t.Error("same seed, different series")
	}
	days, units := 0, 0
	for _, d := range s.Demand {
		if d > 0 {
			days++
			units += d
		}
	}
	if p := float64(days) / 20000; math.Abs(p-0.3) > 0.015 {
		t.Errorf("share of demand days = %.3f, want 0.3", p)
	}
	if m := float64(units) / float64(days); math.Abs(m-4) > 0.1 {
		t.Errorf("mean size = %.3f, want 4", m)
	}
	dem, err := f(0)
	if err != nil {
		t.Fatal(err)
	}
	if m := dem.Mean(1); math.Abs(m-1.2) > 1e-9 {
		t.Errorf("oracle mean = %v, want 0.3·4 = 1.2", m)
	}
	if _, _, err := Intermittent("bad", 1, 10, 0, 1); err == nil {
		t.Error("p = 0 should fail")
	}
}

func TestSeasonal(t *testing.T) {
	t.Parallel()
	s, f, err := Seasonal("s", 3, 365*4, 20, 0.5, 365, 30)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, d := range s.Demand {
		total += d
	}
	// Over whole years the sine averages out; the weekly factors average 1.
	if m := float64(total) / float64(len(s.Demand)); math.Abs(m-20) > 0.5 {
		t.Errorf("mean daily demand = %.2f, want about 20", m)
	}
	dem, _ := f(90) // the forecast made on day 90 starts at the peak (day 91)
	if dem.Horizon() != 30 || dem.Mean(1) < 25 {
		t.Errorf("oracle horizon %d, peak mean %.1f", dem.Horizon(), dem.Mean(1))
	}
	if _, _, err := Seasonal("bad", 1, 10, 1, 1.5, 7, 7); err == nil {
		t.Error("amplitude 1.5 should fail")
	}
}
