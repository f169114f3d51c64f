package inventory

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// benchInputs streams n generated SKU-locations (4 locations per SKU) with
// a 90-day forecast each, built on the fly as a store cursor would, so the
// planner never sees them all at once.
func benchInputs(n int, kind string) iter.Seq2[Input, error] {
	classes := []string{"AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"}
	return func(yield func(Input, error) bool) {
		rng := rand.New(rand.NewPCG(42, 7))
		for i := range n {
			mean := 0.2 + rng.Float64()*30
			means := make([]float64, 90)
			for d := range means {
				means[d] = mean * (0.8 + 0.4*rng.Float64())
			}
			var dem Demand
			var err error
			switch kind {
			case "poisson":
				dem, err = NewPoissonDemand(means)
			case "history":
				// 56 days of intermittent history: demand on ~30 % of days.
				hist := make([]float64, 56)
				for d := range hist {
					if rng.Float64() < 0.3 {
						hist[d] = float64(1 + rng.IntN(int(2*mean/0.3)+1))
					}
				}
				dem, err = NewHistoryDemand(hist)
			default:
				sds := make([]float64, 90)
				for d := range sds {
					sds[d] = 0.5 * means[d]
				}
				var nd *NormalDemand
				nd, err = NewNormalDemand(means, sds)
				dem = nd
				if kind == "quantile" {
					dem = quantileOnly{nd}
				}
			}
			in := Input{
				Position: Position{SKU: fmt.Sprintf("SKU-%06d", i/4), LocationID: fmt.Sprintf("loc-%d", i%4),
					OnHand: rng.IntN(int(mean*40) + 1), Available: rng.IntN(int(mean*40) + 1), Incoming: rng.IntN(int(mean * 10))},
				Demand:   dem,
				LeadTime: LeadTime{Days: 3 + rng.IntN(20), SD: float64(rng.IntN(3))},
				Supplier: "acme",
				Economics: Economics{UnitCost: commerce.FromMinor(int64(100+rng.IntN(10000)), "EUR"), OrderCost: commerce.MustMoney("40", "EUR"),
					HoldingRate: dec("0.25"), MOQ: 10 * rng.IntN(3), Pack: 1 + rng.IntN(12)},
				Class: classes[rng.IntN(len(classes))],
			}
			if !yield(in, err) {
				return
			}
		}
	}
}

// BenchmarkPlan100k plans 100,000 SKU-locations in one streaming pass and
// reports the time per plan (ns/op), suggestions, and the peak heap in use,
// sampled every 5,000 inputs: memory stays bounded because inputs are
// streamed and every suggestion is handed on at once.
func BenchmarkPlan100k(b *testing.B) {
	for _, c := range []struct {
		name, kind string
		transfers  bool
	}{
		{"normal", "normal", false},
		{"poisson", "poisson", false},
		{"history", "history", false},
		{"quantile-only", "quantile", false},
		{"normal+transfers", "normal", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			const n = 100_000
			cfg := Config{Now: planNow}
			if c.transfers {
				cfg.Transfers = &TransferConfig{LeadTime: LeadTime{Days: 2}}
			}
			var peak uint64
			var ms runtime.MemStats
			suggestions, errs := 0, 0
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			for b.Loop() {
				suggestions, errs, peak = 0, 0, 0
				seen := 0
				for _, err := range Plan(context.Background(), benchInputs(n, c.kind), cfg) {
					if err != nil {
						errs++
					} else {
						suggestions++
					}
					if seen++; seen%5000 == 0 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}
				}
			}
			if errs > 0 {
				b.Fatalf("%d item errors", errs)
			}
			// CPU seconds per plan: on a shared machine, wall time (ns/op)
			// includes waiting for the CPU; this does not.
			b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(suggestions), "suggestions")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// cpuSeconds returns the user and system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkPlanMemory plans 10,000, 100,000 and 300,000 SKU-locations
// with normal forecasts: the peak heap stays flat while the input grows,
// since nothing is kept per SKU-location.
func BenchmarkPlanMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 300_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			var peak uint64
			var ms runtime.MemStats
			for b.Loop() {
				seen := 0
				for _, err := range Plan(context.Background(), benchInputs(n, "normal"), Config{Now: planNow}) {
					if err != nil {
						b.Fatal(err)
					}
					if seen++; seen%2000 == 0 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse)
					}
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// BenchmarkDecide times one SKU-location decision with a normal forecast.
func BenchmarkDecide(b *testing.B) {
	var in Input
	for x := range benchInputs(1, "normal") {
		in = x
	}
	in.Position.Available = 0
	cfg := Config{Now: planNow}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decide(in, cfg); err != nil {
			b.Fatal(err)
		}
	}
}
