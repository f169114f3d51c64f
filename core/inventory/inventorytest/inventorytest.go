// Package inventorytest generates demand histories with known generating
// distributions, for tests, benchmarks and demos of the inventory policies.
//
// It is for whoever needs reproducible intermittent or seasonal demand:
// [Intermittent] and [Seasonal] return a series and an oracle
// [inventory.Forecaster] that knows the true distribution, so a simulation
// can separate the policy's error from the forecast's. Every generator is
// deterministic for a seed.
package inventorytest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/supplyhub/supplyhub/core/inventory"
)

// Intermittent returns n days of intermittent demand: each day has an order
// with probability p, whose size is 1 + Poisson(size−1) units (mean size),
// together with an oracle forecaster that returns that daily distribution.
func Intermittent(id string, seed uint64, n int, p, size float64) (inventory.Series, inventory.Forecaster, error) {
	if n < 1 || !(p > 0 && p <= 1) || !(size >= 1) {
		return inventory.Series{}, nil, fmt.Errorf("inventorytest: intermittent %q: need n ≥ 1 (got %d), 0 < p ≤ 1 (got %v) and size ≥ 1 (got %v)", id, n, p, size)
	}
	rng := rand.New(rand.NewPCG(seed, 0x1e7))
	s := inventory.Series{ID: id, Demand: make([]int, n)}
	for t := range s.Demand {
		if rng.Float64() < p {
			s.Demand[t] = 1 + poissonDraw(rng, size-1)
		}
	}
	// The true daily distribution: 0 with probability 1−p, 1+k with
	// probability p·Poisson(k; size−1).
	values := []float64{0}
	probs := []float64{1 - p}
	lambda := size - 1
	pk := math.Exp(-lambda)
	for k := 0; k < 1000; k++ {
		if k > 0 {
			pk *= lambda / float64(k)
		}
		if float64(k) > lambda && pk < 1e-14 {
			break
		}
		values = append(values, float64(1+k))
		probs = append(probs, p*pk)
	}
	dem, err := inventory.NewDailyDemand(values, probs)
	if err != nil {
		return inventory.Series{}, nil, fmt.Errorf("inventorytest: intermittent %q: %w", id, err)
	}
	return s, func(int) (inventory.Demand, error) { return dem, nil }, nil
}

// Seasonal returns n days of Poisson demand around a mean of base units a
// day with a yearly sine of relative amplitude amp (peak on day period/4)
// and a weekly pattern (weekends 40 % above weekdays), together with an
// oracle forecaster that returns the true per-day Poisson means for the next
// horizon days.
func Seasonal(id string, seed uint64, n int, base, amp float64, period, horizon int) (inventory.Series, inventory.Forecaster, error) {
	if n < 1 || !(base > 0) || !(amp >= 0 && amp < 1) || period < 1 || horizon < 1 {
		return inventory.Series{}, nil, fmt.Errorf("inventorytest: seasonal %q: need n ≥ 1, base > 0, 0 ≤ amp < 1, period ≥ 1 and horizon ≥ 1 (got %d, %v, %v, %d, %d)", id, n, base, amp, period, horizon)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5ea))
	week := [7]float64{0.9, 0.9, 0.9, 0.9, 0.9, 1.26, 1.26}
	rate := func(t int) float64 {
		return base * (1 + amp*math.Sin(2*math.Pi*float64(t)/float64(period))) * week[t%7]
	}
	s := inventory.Series{ID: id, Demand: make([]int, n)}
	for t := range s.Demand {
		s.Demand[t] = poissonDraw(rng, rate(t))
	}
	return s, func(t int) (inventory.Demand, error) {
		means := make([]float64, horizon)
		for k := range means {
			means[k] = rate(t + 1 + k)
		}
		return inventory.NewPoissonDemand(means)
	}, nil
}

// poissonDraw draws a Poisson count exactly, by multiplying uniforms (in
// chunks of mean 30 so that e^{-λ} never underflows).
func poissonDraw(rng *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	k := 0
	for lambda > 30 {
		// A sum of Poisson counts is Poisson with the summed mean.
		k += poissonDraw(rng, 30)
		lambda -= 30
	}
	l := math.Exp(-lambda)
	prod := rng.Float64()
	for prod > l {
		k++
		prod *= rng.Float64()
	}
	return k
}
