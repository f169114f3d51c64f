package vrp

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// randomTSP builds a symmetric planar instance of n nodes.
func randomTSP(seed uint64, n int) *Instance {
	in := randomCVRP(seed, n-1, 10)
	in.Demand, in.Capacity = nil, 0
	return in
}

// heldKarp returns the optimal tour length.
func heldKarp(in *Instance) int64 {
	n := in.N - 1 // nodes 1..n, tour starts and ends at 0
	full := 1<<n - 1
	const inf = math.MaxInt64 / 4
	dp := make([][]int64, full+1)
	for s := range dp {
		dp[s] = make([]int64, n)
		for j := range dp[s] {
			dp[s][j] = inf
		}
	}
	for j := range n {
		dp[1<<j][j] = int64(in.D(0, j+1))
	}
	for s := 1; s <= full; s++ {
		for j := range n {
			if dp[s][j] == inf || s&(1<<j) == 0 {
				continue
			}
			for k := range n {
				if s&(1<<k) == 0 {
					dp[s|1<<k][k] = min(dp[s|1<<k][k], dp[s][j]+int64(in.D(j+1, k+1)))
				}
			}
		}
	}
	best := int64(inf)
	for j := range n {
		best = min(best, dp[full][j]+int64(in.D(j+1, 0)))
	}
	return best
}

func TestSolveTSPMatchesHeldKarp(t *testing.T) {
	t.Parallel()
	for _, n := range []int{3, 4, 5, 9, 12} {
		for seed := range uint64(4) {
			t.Run(fmt.Sprintf("n%d/seed%d", n, seed), func(t *testing.T) {
				t.Parallel()
				in := randomTSP(seed+uint64(n)*10, n)
				want := heldKarp(in)
				res, err := SolveTSP(context.Background(), in, Config{Seed: seed, MaxIterations: 2000})
				if err != nil {
					t.Fatal(err)
				}
				if res.Cost != want {
					t.Fatalf("tour %v costs %d, optimum %d", res.Tour, res.Cost, want)
				}
				if res.Tour[0] != 0 {
					t.Fatalf("tour starts at %d, want 0", res.Tour[0])
				}
			})
		}
	}
}

func TestSolveTSPBenchmarkShort(t *testing.T) {
	if testing.Short() {
		t.Skip("wall-clock solver run; skipped with -short")
	}
	t.Parallel()
	cases := []struct {
		file   string
		opt    int64
		maxGap float64
	}{
		{"tsp/att48.tsp", 10628, 1},
		{"tsp/eil51.tsp", 426, 2},
		{"tsp/kroA100.tsp", 21282, 2},
		{"tsp/a280.tsp", 2579, 3},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			in := load(t, tc.file)
			res, err := SolveTSP(context.Background(), in, Config{Seed: 1, TimeLimit: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			gap := 100 * float64(res.Cost-tc.opt) / float64(tc.opt)
			if gap < 0 || gap > tc.maxGap {
				t.Fatalf("length %d, gap %.2f%% to the optimum %d; want within %.0f%%", res.Cost, gap, tc.opt, tc.maxGap)
			}
			if got, err := TourCost(in, res.Tour); err != nil || got != res.Cost {
				t.Fatalf("TourCost = %d, %v; result says %d", got, err, res.Cost)
			}
		})
	}
}

func TestSolveTSPDeterministic(t *testing.T) {
	t.Parallel()
	in := load(t, "tsp/ch150.tsp")
	cfg := Config{Seed: 9, MaxIterations: 3000, Workers: 2}
	a, err := SolveTSP(context.Background(), in, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := SolveTSP(context.Background(), in, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.Cost != b.Cost || !reflect.DeepEqual(a.Tour, b.Tour) || a.Seed != b.Seed {
		t.Fatalf("two runs differ: %d vs %d", a.Cost, b.Cost)
	}
}

func TestSolveTSPStopsOnCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("wall-clock solver run; skipped with -short")
	}
	in := load(t, "tsp/pr1002.tsp")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	res, err := SolveTSP(ctx, in, Config{Seed: 1, TimeLimit: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Fatalf("cancelled after 0.3 s, returned after %v", elapsed)
	}
	if res.Cost < 259045 {
		t.Fatalf("length %d below the optimum", res.Cost)
	}
}

func TestSolveTSPErrors(t *testing.T) {
	t.Parallel()
	asym := randomTSP(1, 4)
	asym.Dist = append([]int32(nil), asym.Dist...)
	asym.Dist[1] += 5
	if _, err := SolveTSP(context.Background(), asym, Config{MaxIterations: 1}); err == nil || !strings.Contains(err.Error(), "symmetric") {
		t.Fatalf("asymmetric: want a symmetry error, got %v", err)
	}
	if _, err := SolveTSP(context.Background(), randomTSP(1, 4), Config{}); err != ErrNoBound {
		t.Fatalf("no bound: want ErrNoBound, got %v", err)
	}
	tour := []int{0, 1, 1}
	if _, err := TourCost(randomTSP(1, 3), tour); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("TourCost repeat: got %v", err)
	}
}

func BenchmarkSolveTSPKroA100(b *testing.B) {
	in := load(b, "tsp/kroA100.tsp")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SolveTSP(context.Background(), in, Config{Seed: 1, MaxIterations: 2000}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolveCVRPA32(b *testing.B) {
	in := load(b, "cvrp/A/A-n32-k5.vrp")
	for _, m := range []Method{MethodHGS, MethodILS} {
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SolveCVRP(context.Background(), in, Config{Seed: 1, MaxIterations: 500, Fleet: ExactFleet(5), Method: m}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSolveCVRPX101(b *testing.B) {
	in := load(b, "cvrp/X/X-n101-k25.vrp")
	for _, m := range []Method{MethodHGS, MethodILS} {
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SolveCVRP(context.Background(), in, Config{Seed: 1, MaxIterations: 300, Method: m}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
