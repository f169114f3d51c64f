package graph

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// fiveNode is the issue's symmetric 5-node example.
var fiveNode = [][]float64{
	{0, 5, 7, 10, 12},
	{5, 0, 3, 8, 11},
	{7, 3, 0, 6, 9},
	{10, 8, 6, 0, 4},
	{12, 11, 9, 4, 0},
}

func TestFiveNodeExample(t *testing.T) {
	t.Parallel()
	g, err := FromMatrix(fiveNode, nil)
	if err != nil {
		t.Fatal(err)
	}
	lm, err := NewLandmarks(g, 2)
	if err != nil {
		t.Fatal(err)
	}
	searches := map[string]func() (Path, error){
		"dijkstra": func() (Path, error) { return g.ShortestPath(0, 4) },
		"tree": func() (Path, error) {
			tr, err := g.Dijkstra(0)
			if err != nil {
				return Path{}, err
			}
			return tr.PathTo(4)
		},
		"astar landmarks": func() (Path, error) { return g.AStar(0, 4, lm.Heuristic(4)) },
	}
	for name, run := range searches {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := run()
			if err != nil {
				t.Fatal(err)
			}
			// The direct edge 1→5 costs 12; 1→3→5 costs 16, not 28, and is longer anyway.
			if p.Cost != 12 || !reflect.DeepEqual(p.Names(g), []string{"1", "5"}) {
				t.Fatalf("got %v cost %v, want [1 5] cost 12", p.Names(g), p.Cost)
			}
		})
	}
	// Every pair agrees with Floyd–Warshall.
	fw := floyd(fiveNode)
	for s := range 5 {
		tr, _ := g.Dijkstra(s)
		for d := range 5 {
			if tr.Dist[d] != fw[s][d] {
				t.Errorf("dist %d→%d = %v, Floyd–Warshall %v", s+1, d+1, tr.Dist[d], fw[s][d])
			}
		}
	}
}

func floyd(m [][]float64) [][]float64 {
	n := len(m)
	d := make([][]float64, n)
	for i := range d {
		d[i] = append([]float64(nil), m[i]...)
		d[i][i] = 0
	}
	for k := range n {
		for i := range n {
			for j := range n {
				if d[i][k]+d[k][j] < d[i][j] {
					d[i][j] = d[i][k] + d[k][j]
				}
			}
		}
	}
	return d
}

// randomPlanar builds a random directed graph whose arcs are at least as
// long as the straight line between their ends, so Euclidean(·,1) is
// consistent.
func randomPlanar(rng *rand.Rand, n, arcs int) (*Graph, []Point, [][]float64) {
	g := New()
	pos := make([]Point, n)
	m := make([][]float64, n)
	for i := range n {
		g.AddNode(fmt.Sprint("n", i))
		pos[i] = Point{rng.Float64() * 100, rng.Float64() * 100}
		m[i] = make([]float64, n)
		for j := range m[i] {
			m[i][j] = math.Inf(1)
		}
	}
	for range arcs {
		u, v := rng.IntN(n), rng.IntN(n)
		if u == v {
			continue
		}
		w := math.Hypot(pos[u].X-pos[v].X, pos[u].Y-pos[v].Y) * (1 + rng.Float64())
		if err := g.AddArc(u, v, w); err != nil {
			panic(err)
		}
		m[u][v] = math.Min(m[u][v], w)
	}
	return g, pos, m
}

func TestSearchesAgreeWithFloydWarshall(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 7))
			g, pos, m := randomPlanar(rng, 30, 120)
			fw := floyd(m)
			scale, err := ConsistentScale(g, pos)
			if err != nil || scale < 1 {
				t.Fatalf("scale %v err %v, want 1", scale, err)
			}
			lm, err := NewLandmarks(g, 3)
			if err != nil {
				t.Fatal(err)
			}
			for s := range 30 {
				tr, _ := g.Dijkstra(s)
				for d := range 30 {
					want := fw[s][d]
					if !near(tr.Dist[d], want) {
						t.Fatalf("dijkstra %d→%d = %v, want %v", s, d, tr.Dist[d], want)
					}
					for name, h := range map[string]Heuristic{
						"none": nil, "euclid": Euclidean(pos, d, scale), "alt": lm.Heuristic(d),
					} {
						p, err := g.AStar(s, d, h)
						if math.IsInf(want, 1) {
							if !errors.Is(err, ErrNoPath) {
								t.Fatalf("%s %d→%d: want ErrNoPath, got %v", name, s, d, err)
							}
							continue
						}
						if err != nil || !near(p.Cost, want) {
							t.Fatalf("%s %d→%d = %v (%v), want %v", name, s, d, p.Cost, err, want)
						}
						if p.Nodes[0] != s || p.Nodes[len(p.Nodes)-1] != d {
							t.Fatalf("%s path %v does not run %d→%d", name, p.Nodes, s, d)
						}
						if got := pathCost(g, p.Nodes); !near(got, p.Cost) {
							t.Fatalf("%s path %v costs %v, reported %v", name, p.Nodes, got, p.Cost)
						}
					}
				}
			}
		})
	}
}

func near(a, b float64) bool {
	if math.IsInf(a, 1) || math.IsInf(b, 1) {
		return a == b
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// pathCost sums the cheapest arc between consecutive nodes.
func pathCost(g *Graph, nodes []int) float64 {
	total := 0.0
	for i := 1; i < len(nodes); i++ {
		best := math.Inf(1)
		for _, a := range g.Arcs(nodes[i-1]) {
			if a.To == nodes[i] {
				best = math.Min(best, a.Weight)
			}
		}
		total += best
	}
	return total
}

// TestAStarSettlesFewerNodes checks that a good heuristic actually prunes
// the search on a grid road network.
func TestAStarSettlesFewerNodes(t *testing.T) {
	t.Parallel()
	const side = 40
	g := New()
	pos := make([]Point, 0, side*side)
	for y := range side {
		for x := range side {
			g.AddNode(fmt.Sprintf("%d,%d", x, y))
			pos = append(pos, Point{float64(x), float64(y)})
		}
	}
	for y := range side {
		for x := range side {
			i := y*side + x
			if x+1 < side {
				_ = g.AddEdge(i, i+1, 1)
			}
			if y+1 < side {
				_ = g.AddEdge(i, i+side, 1)
			}
		}
	}
	// Along one side of the grid: few nodes lie on a shortest path. (Corner
	// to opposite corner would not do: every node lies on a shortest path.)
	src, dst := 0, side-1
	dj, err := g.ShortestPath(src, dst)
	if err != nil {
		t.Fatal(err)
	}
	as, err := g.AStar(src, dst, Euclidean(pos, dst, 1))
	if err != nil {
		t.Fatal(err)
	}
	if dj.Cost != side-1 || as.Cost != dj.Cost {
		t.Fatalf("costs dijkstra %v astar %v, want %d", dj.Cost, as.Cost, side-1)
	}
	if as.Settled >= dj.Settled {
		t.Fatalf("A* settled %d nodes, Dijkstra %d: the heuristic did not prune", as.Settled, dj.Settled)
	}
	// From the middle, A* towards a corner prunes most of the grid.
	mid := (side/2)*side + side/2
	corner := side*side - 1
	dj, _ = g.ShortestPath(mid, corner)
	as, _ = g.AStar(mid, corner, Euclidean(pos, corner, 1))
	if as.Settled*2 > dj.Settled {
		t.Errorf("A* settled %d nodes, Dijkstra %d; want at most half", as.Settled, dj.Settled)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	g := New()
	a, b := g.AddNode("a"), g.AddNode("b")
	if g.AddNode("a") != a {
		t.Fatal("AddNode did not return the existing index")
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"negative weight", g.AddArc(a, b, -1), "a→b: weight -1"},
		{"nan weight", g.AddArc(a, b, math.NaN()), "finite"},
		{"bad node", g.AddArc(a, 9, 1), "node index 9"},
	}
	_, err := g.ShortestPath(a, b)
	cases = append(cases, struct {
		name string
		err  error
		want string
	}{"no path", err, "no path from a to b"})
	_, err = FromMatrix([][]float64{{0, 1}, {1}}, nil)
	cases = append(cases, struct {
		name string
		err  error
		want string
	}{"ragged matrix", err, "row 2 has 1 entries"})
	_, err = FromMatrix([][]float64{{0, 1}, {1, 0}}, []string{"x", "x"})
	cases = append(cases, struct {
		name string
		err  error
		want string
	}{"duplicate names", err, "appears twice"})
	_, err = NewLandmarks(g, 0)
	cases = append(cases, struct {
		name string
		err  error
		want string
	}{"zero landmarks", err, "k = 0"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, tc.err)
			}
		})
	}
	if _, err := g.ShortestPath(a, b); !errors.Is(err, ErrNoPath) {
		t.Errorf("want errors.Is(err, ErrNoPath), got %v", err)
	}
}

func ExampleGraph_ShortestPath() {
	g, _ := FromMatrix(fiveNode, nil)
	p, _ := g.ShortestPath(0, 4)
	fmt.Println(p.Names(g), p.Cost)
	// Output: [1 5] 12
}

func BenchmarkDijkstraGrid(b *testing.B) {
	const side = 200
	g := New()
	for i := range side * side {
		g.AddNode(fmt.Sprint(i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range side {
		for x := range side {
			i := y*side + x
			if x+1 < side {
				_ = g.AddEdge(i, i+1, 1+rng.Float64())
			}
			if y+1 < side {
				_ = g.AddEdge(i, i+side, 1+rng.Float64())
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.ShortestPath(0, side*side-1); err != nil {
			b.Fatal(err)
		}
	}
}
