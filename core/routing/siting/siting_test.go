package siting

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// clusters builds k plus-shaped clusters 1000 apart: a centre point and
// four points at distance 1. The optimal sites are the centres, each
// cluster costing 4 (all weights 1).
func clusters(k int) []Point {
	var pts []Point
	for c := range k {
		cx, cy := float64(c)*1000, float64(c%2)*1000
		pts = append(pts,
			Point{ID: fmt.Sprintf("c%d", c), X: cx, Y: cy, Weight: 1},
			Point{ID: fmt.Sprintf("c%dn", c), X: cx, Y: cy + 1, Weight: 1},
			Point{ID: fmt.Sprintf("c%de", c), X: cx + 1, Y: cy, Weight: 1},
			Point{ID: fmt.Sprintf("c%ds", c), X: cx, Y: cy - 1, Weight: 1},
			Point{ID: fmt.Sprintf("c%dw", c), X: cx - 1, Y: cy, Weight: 1},
		)
	}
	return pts
}

func TestKnownOptimumClusters(t *testing.T) {
	t.Parallel()
	pts := clusters(3)
	for name, solve := range map[string]func([]Point, int, Config) (*Solution, error){"kmeans": KMeans, "pmedian": PMedian} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := solve(pts, 3, Config{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s.WeightedDistance-12) > 1e-9 {
				t.Fatalf("weighted distance %v, want 12 (sites at the three cluster centres)", s.WeightedDistance)
			}
			if s.TotalWeight != 15 || math.Abs(s.MeanDistance()-0.8) > 1e-9 {
				t.Errorf("total weight %v mean %v, want 15 and 0.8", s.TotalWeight, s.MeanDistance())
			}
			for _, c := range s.Centers {
				if c.Demand != 5 {
					t.Errorf("site at (%v,%v) serves %v, want 5", c.X, c.Y, c.Demand)
				}
				if name == "pmedian" && (!strings.HasPrefix(c.ID, "c") || len(c.ID) != 2) {
					t.Errorf("p-median site %q is not a cluster centre", c.ID)
				}
			}
		})
	}
}

func TestWeightsPullTheSite(t *testing.T) {
	t.Parallel()
	pts := []Point{{ID: "light", X: 0, Y: 0, Weight: 1}, {ID: "heavy", X: 10, Y: 0, Weight: 3}}
	s, err := PMedian(pts, 1, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Centers[0].ID != "heavy" || s.WeightedDistance != 10 {
		t.Fatalf("site %q cost %v, want heavy and 10", s.Centers[0].ID, s.WeightedDistance)
	}
	km, err := KMeans(pts, 1, Config{})
	if err != nil {
		t.Fatal(err)
	}
	// The weighted centroid is at x = 7.5: cost 1×7.5 + 3×2.5 = 15.
	if math.Abs(km.Centers[0].X-7.5) > 1e-9 || math.Abs(km.WeightedDistance-15) > 1e-9 {
		t.Fatalf("centroid x %v cost %v, want 7.5 and 15", km.Centers[0].X, km.WeightedDistance)
	}
}

// bruteForce returns the optimal p-median cost over all k-subsets.
func bruteForce(pts []Point, k int, m Metric) float64 {
	n := len(pts)
	best := math.Inf(1)
	idx := make([]int, k)
	var rec func(pos, from int)
	rec = func(pos, from int) {
		if pos == k {
			c := 0.0
			for _, p := range pts {
				d := math.Inf(1)
				for _, f := range idx {
					d = math.Min(d, Distance(m, p, pts[f]))
				}
				c += p.Weight * d
			}
			best = math.Min(best, c)
			return
		}
		for f := from; f <= n-(k-pos); f++ {
			idx[pos] = f
			rec(pos+1, f+1)
		}
	}
	rec(0, 0)
	return best
}

func TestPMedianMatchesBruteForce(t *testing.T) {
	t.Parallel()
	for seed := range uint64(12) {
		for _, m := range []Metric{Euclidean, Haversine} {
			t.Run(fmt.Sprintf("%s/seed%d", m, seed), func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(seed, 3))
				pts := make([]Point, 14)
				for i := range pts {
					pts[i] = Point{ID: fmt.Sprint(i), X: rng.Float64()*10 + 40, Y: rng.Float64()*10 - 5, Weight: float64(1 + rng.IntN(9))}
				}
				prev := math.Inf(1)
				for k := 1; k <= 4; k++ {
					s, err := PMedian(pts, k, Config{Metric: m, Seed: seed})
					if err != nil {
						t.Fatal(err)
					}
					want := bruteForce(pts, k, m)
					if math.Abs(s.WeightedDistance-want) > 1e-6*want {
						t.Errorf("k=%d: p-median %v, optimum %v", k, s.WeightedDistance, want)
					}
					if s.WeightedDistance > prev+1e-9 {
						t.Errorf("k=%d costs %v, more than k-1 (%v)", k, s.WeightedDistance, prev)
					}
					prev = s.WeightedDistance
				}
			})
		}
	}
}

func TestHaversine(t *testing.T) {
	t.Parallel()
	// One degree of longitude on the equator: 2πR/360.
	want := 2 * math.Pi * EarthRadiusKm / 360
	if got := Distance(Haversine, Point{X: 0, Y: 0}, Point{X: 0, Y: 1}); math.Abs(got-want) > 1e-9 {
		t.Fatalf("1° on the equator = %v km, want %v", got, want)
	}
	// Paris – London, about 344 km.
	if got := Distance(Haversine, Point{X: 48.8566, Y: 2.3522}, Point{X: 51.5074, Y: -0.1278}); math.Abs(got-343.6) > 1 {
		t.Fatalf("Paris–London = %v km, want about 343.6", got)
	}
	// k-means centroid of points symmetric around (10, 20) is (10, 20).
	pts := []Point{{X: 11, Y: 20, Weight: 1}, {X: 9, Y: 20, Weight: 1}, {X: 10, Y: 21, Weight: 1}, {X: 10, Y: 19, Weight: 1}}
	s, err := KMeans(pts, 1, Config{Metric: Haversine})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s.Centers[0].X-10) > 0.01 || math.Abs(s.Centers[0].Y-20) > 0.01 {
		t.Fatalf("centroid (%v, %v), want about (10, 20)", s.Centers[0].X, s.Centers[0].Y)
	}
}

func TestSweepAndEvaluate(t *testing.T) {
	t.Parallel()
	pts := clusters(4)
	choices, err := Sweep(pts, 1, 5, Config{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(choices) != 5 {
		t.Fatalf("%d choices, want 5", len(choices))
	}
	if got := choices[3].PMedian.WeightedDistance; math.Abs(got-16) > 1e-9 {
		t.Errorf("k=4 p-median cost %v, want 16", got)
	}
	for i := 1; i < len(choices); i++ {
		if choices[i].PMedian.WeightedDistance > choices[i-1].PMedian.WeightedDistance+1e-9 {
			t.Errorf("p-median cost rises from k=%d to k=%d", i, i+1)
		}
	}
	ev, err := Evaluate(pts, choices[3].PMedian.Centers, Config{})
	if err != nil || math.Abs(ev.WeightedDistance-16) > 1e-9 {
		t.Fatalf("Evaluate = %v (%v), want 16", ev, err)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	ok := []Point{{ID: "a", Weight: 1}, {ID: "b", X: 1, Weight: 1}}
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"no points", func() error { _, err := PMedian(nil, 1, Config{}); return err }, "no demand points"},
		{"k zero", func() error { _, err := KMeans(ok, 0, Config{}); return err }, "k = 0"},
		{"k too big", func() error { _, err := PMedian(ok, 3, Config{}); return err }, "k ≤ 2"},
		{"negative weight", func() error {
			_, err := PMedian([]Point{{ID: "x", Weight: -1}}, 1, Config{})
			return err
		}, `point "x" (row 1): weight -1`},
		{"bad latitude", func() error {
			_, err := KMeans([]Point{{ID: "x", X: 91, Weight: 1}}, 1, Config{Metric: Haversine})
			return err
		}, "latitude 91"},
		{"bad candidate", func() error { _, err := PMedian(ok, 1, Config{Candidates: []int{5}}); return err }, "candidate site 5"},
		{"empty sweep", func() error { _, err := Sweep(ok, 2, 1, Config{}); return err }, "k range 2..1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
		})
	}
	if _, err := PMedian([]Point{{ID: "z"}}, 1, Config{}); !errors.Is(err, ErrNoDemand) {
		t.Errorf("zero demand: want ErrNoDemand, got %v", err)
	}
}

func BenchmarkPMedian2000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	pts := make([]Point, 2000)
	for i := range pts {
		pts[i] = Point{X: rng.Float64() * 1000, Y: rng.Float64() * 1000, Weight: 1 + rng.Float64()}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PMedian(pts, 10, Config{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKMeans2000(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	pts := make([]Point, 2000)
	for i := range pts {
		pts[i] = Point{X: rng.Float64() * 1000, Y: rng.Float64() * 1000, Weight: 1 + rng.Float64()}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := KMeans(pts, 10, Config{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
