package vrp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/routing/tsplib"
)

const benchDir = "../../../../shared/bench/routing"

// load reads a benchmark instance, skipping the test when the shared data
// is absent.
func load(t testing.TB, rel string) *Instance {
	t.Helper()
	if _, err := os.Stat(benchDir); err != nil {
		t.Skipf("benchmark data %s not present (%v); it ships beside the repository in ../shared", benchDir, err)
	}
	ti, err := tsplib.ReadFile(filepath.Join(benchDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	in, err := FromTSPLIB(ti)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// randomCVRP builds a small planar CVRP instance.
func randomCVRP(seed uint64, n, capacity int) *Instance {
	rng := rand.New(rand.NewPCG(seed, 11))
	in := &Instance{Name: fmt.Sprint("rand", seed), N: n + 1, Capacity: capacity}
	in.X, in.Y = make([]float64, n+1), make([]float64, n+1)
	in.Demand = make([]int, n+1)
	for i := range n + 1 {
		in.X[i], in.Y[i] = float64(rng.IntN(100)), float64(rng.IntN(100))
		if i > 0 {
			in.Demand[i] = 1 + rng.IntN(capacity/2)
		}
	}
	in.Dist = make([]int32, (n+1)*(n+1))
	for i := range n + 1 {
		for j := range n + 1 {
			in.Dist[i*(n+1)+j] = int32(tsplib.EUC2D(tsplib.Point{X: in.X[i], Y: in.Y[i]}, tsplib.Point{X: in.X[j], Y: in.Y[j]}))
		}
	}
	return in
}

// optimalCVRP solves a tiny CVRP exactly: Held–Karp for the best route of
// every customer subset, then the best partition into feasible subsets
// with a route count in [minR, maxR] (maxR 0: unlimited).
func optimalCVRP(in *Instance, minR, maxR int) int64 {
	n := in.N - 1
	full := 1<<n - 1
	const inf = math.MaxInt64 / 4
	// hk[S][j]: shortest path from the depot through S ending at customer j (bit j-1 in S).
	hk := make([][]int64, full+1)
	for s := range hk {
		hk[s] = make([]int64, n)
		for j := range hk[s] {
			hk[s][j] = inf
		}
	}
	for j := range n {
		hk[1<<j][j] = int64(in.D(0, j+1))
	}
	for s := 1; s <= full; s++ {
		for j := range n {
			if s&(1<<j) == 0 || hk[s][j] == inf {
				continue
			}
			for k := range n {
				if s&(1<<k) != 0 {
					continue
				}
				if c := hk[s][j] + int64(in.D(j+1, k+1)); c < hk[s|1<<k][k] {
					hk[s|1<<k][k] = c
				}
			}
		}
	}
	route := make([]int64, full+1)
	for s := 1; s <= full; s++ {
		load := 0
		for j := range n {
			if s&(1<<j) != 0 {
				load += in.Demand[j+1]
			}
		}
		route[s] = inf
		if load > in.Capacity {
			continue
		}
		for j := range n {
			if s&(1<<j) != 0 && hk[s][j] < inf {
				route[s] = min(route[s], hk[s][j]+int64(in.D(j+1, 0)))
			}
		}
	}
	// part[r][S]: best cost covering S with exactly r routes.
	maxRoutes := n
	if maxR > 0 {
		maxRoutes = maxR
	}
	part := make([][]int64, maxRoutes+1)
	for r := range part {
		part[r] = make([]int64, full+1)
		for s := range part[r] {
			part[r][s] = inf
		}
	}
	part[0][0] = 0
	for r := 1; r <= maxRoutes; r++ {
		for s := 1; s <= full; s++ {
			low := s & -s // the route holding the lowest customer of s
			for sub := s; sub > 0; sub = (sub - 1) & s {
				if sub&low == 0 || route[sub] == inf || part[r-1][s^sub] == inf {
					continue
				}
				part[r][s] = min(part[r][s], part[r-1][s^sub]+route[sub])
			}
		}
	}
	best := int64(inf)
	for r := max(1, minR); r <= maxRoutes; r++ {
		best = min(best, part[r][full])
	}
	return best
}

func TestSolveCVRPMatchesExactOptimum(t *testing.T) {
	t.Parallel()
	for seed := range uint64(8) {
		for _, m := range []Method{MethodHGS, MethodILS} {
			t.Run(fmt.Sprintf("%s/seed%d", m, seed), func(t *testing.T) {
				t.Parallel()
				in := randomCVRP(seed, 8, 20)
				want := optimalCVRP(in, 0, 0)
				// The genetic search splits offspring into at most as many routes
				// as a parent has, so an optimum that needs one more route can
				// take a while to appear; 2000 iterations are a few milliseconds.
				res, err := SolveCVRP(context.Background(), in, Config{Seed: seed, MaxIterations: 2000, Method: m})
				if err != nil {
					t.Fatal(err)
				}
				if res.Cost != want {
					t.Fatalf("cost %d, exact optimum %d (routes %v)", res.Cost, want, res.Routes)
				}
				if got, err := Check(in, res.Routes, Fleet{}); err != nil || got != res.Cost {
					t.Fatalf("Check = %d, %v; result says %d", got, err, res.Cost)
				}
			})
		}
	}
}

func TestSolveCVRPExactFleetOptimum(t *testing.T) {
	t.Parallel()
	// With one more route than needed the optimum is usually worse than with
	// a free fleet; the solver must respect the rule and still be optimal.
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			in := randomCVRP(100+seed, 8, 30)
			k := in.MinVehicles() + 1
			want := optimalCVRP(in, k, k)
			for _, m := range []Method{MethodHGS, MethodILS} {
				res, err := SolveCVRP(context.Background(), in, Config{Seed: seed, MaxIterations: 400, Fleet: ExactFleet(k), Method: m})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Routes) != k || res.Cost != want {
					t.Fatalf("%s: %d routes cost %d, want %d routes cost %d", m, len(res.Routes), res.Cost, k, want)
				}
			}
		})
	}
}

func TestSolveCVRPBenchmarkShort(t *testing.T) {
	if testing.Short() {
		t.Skip("wall-clock solver run; skipped with -short")
	}
	t.Parallel()
	in := load(t, "cvrp/A/A-n32-k5.vrp")
	for _, m := range []Method{MethodHGS, MethodILS} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			res, err := SolveCVRP(context.Background(), in, Config{Seed: 1, TimeLimit: 2 * time.Second, Fleet: ExactFleet(5), Method: m})
			if err != nil {
				t.Fatal(err)
			}
			if gap := 100 * float64(res.Cost-784) / 784; gap > 2 || gap < 0 {
				t.Fatalf("A-n32-k5 cost %d, gap %.2f%% to the optimum 784; want within 2%%", res.Cost, gap)
			}
			if len(res.Routes) != 5 {
				t.Fatalf("%d routes, want exactly 5", len(res.Routes))
			}
			if res.TimeToBest > res.Elapsed || res.Elapsed > 4*time.Second {
				t.Fatalf("time to best %v, elapsed %v for a 2 s limit", res.TimeToBest, res.Elapsed)
			}
		})
	}
}

func TestSolveCVRPFleetRule(t *testing.T) {
	t.Parallel()
	// P-n55-k8: the optimum with exactly 8 routes is 588, but 7 routes can
	// cost 576. The exact rule must give 8 routes.
	in := load(t, "cvrp/P/P-n55-k8.vrp")
	res, err := SolveCVRP(context.Background(), in, Config{Seed: 3, MaxIterations: 300, Fleet: ExactFleet(8)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Routes) != 8 || res.Cost < 588 {
		t.Fatalf("%d routes cost %d; want exactly 8 routes costing at least the optimum 588", len(res.Routes), res.Cost)
	}
	res, err = SolveCVRP(context.Background(), in, Config{Seed: 3, MaxIterations: 300, Fleet: Fleet{MaxRoutes: 7}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Routes) > 7 || res.Cost < 576 {
		t.Fatalf("%d routes cost %d; want at most 7 routes costing at least 576", len(res.Routes), res.Cost)
	}
}

func TestSolveCVRPDeterministic(t *testing.T) {
	t.Parallel()
	in := load(t, "cvrp/X/X-n101-k25.vrp")
	for _, m := range []Method{MethodHGS, MethodILS} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			iters := 150
			if m == MethodILS {
				iters = 1500
			}
			cfg := Config{Seed: 42, MaxIterations: iters, Method: m, Workers: 2}
			a, err := SolveCVRP(context.Background(), in, cfg)
			if err != nil {
				t.Fatal(err)
			}
			b, err := SolveCVRP(context.Background(), in, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if a.Cost != b.Cost || !reflect.DeepEqual(a.Routes, b.Routes) || a.Seed != b.Seed || a.Iterations != b.Iterations {
				t.Fatalf("two runs with seed 42 differ: cost %d vs %d, seed %d vs %d", a.Cost, b.Cost, a.Seed, b.Seed)
			}
			if a.Iterations != 2*iters {
				t.Errorf("%d iterations, want %d (two workers)", a.Iterations, 2*iters)
			}
		})
	}
}

func TestSolveCVRPWithoutCoordinates(t *testing.T) {
	t.Parallel()
	in := load(t, "cvrp/A/A-n32-k5.vrp")
	bare := *in
	bare.X, bare.Y = nil, nil
	for _, m := range []Method{MethodHGS, MethodILS} {
		res, err := SolveCVRP(context.Background(), &bare, Config{Seed: 1, MaxIterations: 300, Fleet: ExactFleet(5), Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if gap := 100 * float64(res.Cost-784) / 784; gap > 3 {
			t.Fatalf("%s without coordinates: cost %d, gap %.2f%%", m, res.Cost, gap)
		}
	}
}

// TestSolveCVRPStopsPromptly is not parallel: the other tests of the
// package would compete for the CPU it measures.
func TestSolveCVRPStopsPromptly(t *testing.T) {
	if testing.Short() {
		t.Skip("wall-clock solver run; skipped with -short")
	}
	in := load(t, "cvrp/X/X-n1001-k43.vrp")
	for _, m := range []Method{MethodHGS, MethodILS} {
		t.Run(m.String()+"/time limit", func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			res, err := SolveCVRP(context.Background(), in, Config{Seed: 1, TimeLimit: 1500 * time.Millisecond, Method: m})
			elapsed := time.Since(start)
			// On a loaded machine the first feasible solution of a 1000-customer
			// instance may take longer than the limit: then the error must say so.
			if err != nil && !errors.Is(err, ErrInfeasible) {
				t.Fatal(err)
			}
			if err == nil && res.Cost <= 72355 {
				t.Fatalf("cost %d is below the best known 72355", res.Cost)
			}
			if elapsed > 4*time.Second {
				t.Fatalf("a 1.5 s limit took %v", elapsed)
			}
		})
		t.Run(m.String()+"/cancel", func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(500*time.Millisecond, cancel)
			start := time.Now()
			_, err := SolveCVRP(ctx, in, Config{Seed: 1, TimeLimit: time.Minute, Method: m})
			if err != nil && !errors.Is(err, ErrInfeasible) {
				t.Fatal(err)
			}
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Fatalf("cancelled after 0.5 s, returned after %v", elapsed)
			}
		})
	}
}

func TestSolveCVRPErrors(t *testing.T) {
	t.Parallel()
	good := randomCVRP(1, 5, 20)
	heavy := randomCVRP(1, 5, 20)
	heavy.Demand = append([]int(nil), heavy.Demand...)
	heavy.Demand[3] = 21
	depotDemand := randomCVRP(1, 5, 20)
	depotDemand.Demand = append([]int(nil), depotDemand.Demand...)
	depotDemand.Demand[0] = 1
	cases := []struct {
		name string
		in   *Instance
		cfg  Config
		want string
		is   error
	}{
		{"no bound", good, Config{}, "no time limit", ErrNoBound},
		{"customer over capacity", heavy, Config{MaxIterations: 1}, "customer 3 demands 21", ErrInfeasible},
		{"depot demand", depotDemand, Config{MaxIterations: 1}, "depot (node 0) has demand 1", nil},
		{"fleet larger than customers", good, Config{MaxIterations: 1, Fleet: ExactFleet(6)}, "only 5 customers", ErrInfeasible},
		{"fleet too small", good, Config{MaxIterations: 1, Fleet: Fleet{MaxRoutes: 1}}, "needs at least", ErrInfeasible},
		{"min over max", good, Config{MaxIterations: 1, Fleet: Fleet{MinRoutes: 3, MaxRoutes: 2}}, "at least 3 but at most 2", nil},
		{"negative limit", good, Config{TimeLimit: -time.Second}, "must not be negative", nil},
		{"tsp instance", &Instance{Name: "t", N: 2, Dist: []int32{0, 1, 1, 0}}, Config{MaxIterations: 1}, "use SolveTSP", nil},
		{"bad matrix", &Instance{Name: "m", N: 2, Dist: []int32{0, 1}}, Config{MaxIterations: 1}, "distance matrix has 2 entries", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := SolveCVRP(context.Background(), tc.in, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("want errors.Is(err, %v), got %v", tc.is, err)
			}
		})
	}
}

// TestSolveCVRPHalfCapacityDemands: every demand exceeds half the
// capacity, so each customer needs its own route, far above the
// bin-packing bound; the route slots must still suffice.
func TestSolveCVRPHalfCapacityDemands(t *testing.T) {
	t.Parallel()
	in := randomCVRP(3, 20, 10)
	in.Demand = make([]int, in.N)
	for i := 1; i < in.N; i++ {
		in.Demand[i] = 6
	}
	var want int64
	for i := 1; i < in.N; i++ {
		want += int64(in.D(0, i) + in.D(i, 0))
	}
	for _, m := range []Method{MethodHGS, MethodILS} {
		res, err := SolveCVRP(context.Background(), in, Config{Seed: 1, MaxIterations: 50, Method: m})
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if len(res.Routes) != 20 || res.Cost != want {
			t.Fatalf("%s: %d routes cost %d, want 20 single-customer routes costing %d", m, len(res.Routes), res.Cost, want)
		}
	}
}

func TestSolveCVRPTiny(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 3; n++ {
		in := randomCVRP(uint64(n), n, 10)
		want := optimalCVRP(in, 0, 0)
		for _, m := range []Method{MethodHGS, MethodILS} {
			res, err := SolveCVRP(context.Background(), in, Config{MaxIterations: 50, Method: m})
			if err != nil {
				t.Fatalf("%d customers, %s: %v", n, m, err)
			}
			if res.Cost != want {
				t.Fatalf("%d customers, %s: cost %d, want %d", n, m, res.Cost, want)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	in := randomCVRP(5, 4, 10)
	in.Demand = []int{0, 3, 4, 5, 6}
	cases := []struct {
		name   string
		routes [][]int
		fleet  Fleet
		want   string
	}{
		{"ok", [][]int{{1, 2}, {}, {3}, {4}}, Fleet{}, ""},
		{"missing", [][]int{{1, 2}, {3}}, Fleet{}, "customer 4 is on no route"},
		{"twice", [][]int{{1, 2}, {3}, {4, 2}}, Fleet{}, "customer 2 is visited on route 1 and route 3"},
		{"depot listed", [][]int{{0, 1, 2}, {3, 4}}, Fleet{}, "node 0 is not a customer"},
		{"overloaded", [][]int{{1, 2, 3}, {4}}, Fleet{}, "route 1 carries 12, over the capacity 10"},
		{"too few routes", [][]int{{1, 2}, {3}, {4}}, ExactFleet(4), "3 non-empty routes, the fleet rule is exactly 4 routes"},
		{"too many routes", [][]int{{1, 2}, {3}, {4}}, Fleet{MaxRoutes: 2}, "3 non-empty routes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cost, err := Check(in, tc.routes, tc.fleet)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				want := int64(in.D(0, 1) + in.D(1, 2) + in.D(2, 0) + 2*in.D(0, 3) + 2*in.D(0, 4))
				if cost != want {
					t.Fatalf("cost %d, want %d", cost, want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
		})
	}
}

// TestShippedSolutionsCheck runs Check over the shipped CVRP solutions with
// their fleet rules: the checker agrees with the independent recount.
func TestShippedSolutionsCheck(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"A/A-n32-k5", "P/P-n55-k8", "X/X-n101-k25", "X/X-n153-k22"} {
		in := load(t, "cvrp/"+name+".vrp")
		sol, err := tsplib.ReadSolutionFile(filepath.Join(benchDir, "cvrp", name+".sol"))
		if err != nil {
			t.Fatal(err)
		}
		fleet := Fleet{}
		if strings.HasPrefix(name, "A/") || strings.HasPrefix(name, "P/") {
			fleet = ExactFleet(len(sol.Routes))
		}
		cost, err := Check(in, sol.Routes, fleet)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cost != sol.Cost {
			t.Fatalf("%s: Check %d, file %d", name, cost, sol.Cost)
		}
	}
}

func TestFromTSPLIBLimits(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	n := MaxNodes + 1
	fmt.Fprintf(&b, "NAME: big\nTYPE: TSP\nDIMENSION: %d\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d %d %d\n", i, i%100, i/100)
	}
	ti, err := tsplib.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromTSPLIB(ti); err == nil || !strings.Contains(err.Error(), "at most 10000") {
		t.Fatalf("want a size error, got %v", err)
	}
	two := "NAME: d\nTYPE: CVRP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nCAPACITY: 5\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n3 2 2\n" +
		"DEMAND_SECTION\n1 0\n2 1\n3 1\nDEPOT_SECTION\n1\n2\n-1\n"
	ti, err = tsplib.Parse(strings.NewReader(two))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromTSPLIB(ti); err == nil || !strings.Contains(err.Error(), "single depot at node 1") {
		t.Fatalf("want a depot error, got %v", err)
	}
}
