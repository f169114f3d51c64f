package graph

import (
	"fmt"
	"math"
)

// Point is a node position in the plane, for straight-line heuristics.
type Point struct {
	X, Y float64
}

// Euclidean returns the heuristic scale·|p(v) − p(dst)|. It is admissible
// and consistent when every arc weight is at least scale times the
// straight-line length of the arc; [ConsistentScale] finds the largest
// such scale for a graph.
func Euclidean(pos []Point, dst int, scale float64) Heuristic {
	t := pos[dst]
	return func(v int) float64 {
		return scale * math.Hypot(pos[v].X-t.X, pos[v].Y-t.Y)
	}
}

// ConsistentScale returns the largest scale s ≤ 1 for which Euclidean(pos,
// ·, s) is consistent on g: the minimum over arcs of weight / straight-line
// length. It returns 1 when every arc is at least as long as the straight
// line, and 0 when some arc of positive length has weight 0.
func ConsistentScale(g *Graph, pos []Point) (float64, error) {
	if len(pos) != g.Len() {
		return 0, fmt.Errorf("graph: %d positions for %d nodes", len(pos), g.Len())
	}
	s := 1.0
	for u, arcs := range g.adj {
		for _, a := range arcs {
			l := math.Hypot(pos[u].X-pos[a.To].X, pos[u].Y-pos[a.To].Y)
			if l > 0 {
				s = math.Min(s, a.Weight/l)
			}
		}
	}
	return s, nil
}

// Landmarks holds exact distances from and to a few landmark nodes, for the
// ALT lower bound (A*, landmarks, triangle inequality): for any landmark L,
// d(v,t) ≥ d(L,t) − d(L,v) and d(v,t) ≥ d(v,L) − d(t,L). The bound needs no
// coordinates and is admissible and consistent on any graph with
// non-negative weights.
type Landmarks struct {
	nodes []int
	from  [][]float64 // from[k][v] = d(L_k, v)
	to    [][]float64 // to[k][v] = d(v, L_k)
}

// NewLandmarks picks k landmarks by farthest-point selection starting from
// node 0 and precomputes their distances (2k Dijkstra runs).
func NewLandmarks(g *Graph, k int) (*Landmarks, error) {
	if k <= 0 {
		return nil, fmt.Errorf("graph: landmarks: k = %d, want at least 1", k)
	}
	if g.Len() == 0 {
		return nil, fmt.Errorf("graph: landmarks: empty graph")
	}
	k = min(k, g.Len())
	rev := g.Reverse()
	lm := &Landmarks{}
	// minSum[v] is how close v is to the chosen landmarks; the next
	// landmark is the reachable node farthest from all of them.
	minSum := make([]float64, g.Len())
	for i := range minSum {
		minSum[i] = math.Inf(1)
	}
	next := 0
	for len(lm.nodes) < k {
		fw, _, _ := g.search(next, -1, nil)
		bw, _, _ := rev.search(next, -1, nil)
		lm.nodes = append(lm.nodes, next)
		lm.from = append(lm.from, fw)
		lm.to = append(lm.to, bw)
		best, bestV := -1.0, -1
		for v := range minSum {
			d := fw[v] + bw[v] // +Inf when unreachable either way: never picked
			if d < minSum[v] {
				minSum[v] = d
			}
			if !math.IsInf(minSum[v], 1) && minSum[v] > best {
				best, bestV = minSum[v], v
			}
		}
		if bestV < 0 || best == 0 {
			break
		}
		next = bestV
	}
	return lm, nil
}

// Nodes returns the landmark node indices.
func (lm *Landmarks) Nodes() []int { return append([]int(nil), lm.nodes...) }

// Heuristic returns the ALT lower bound on the distance to dst.
func (lm *Landmarks) Heuristic(dst int) Heuristic {
	return func(v int) float64 {
		best := 0.0
		for k := range lm.nodes {
			if a, b := lm.from[k][dst], lm.from[k][v]; !math.IsInf(a, 1) && !math.IsInf(b, 1) {
				best = math.Max(best, a-b)
			}
			if a, b := lm.to[k][v], lm.to[k][dst]; !math.IsInf(a, 1) && !math.IsInf(b, 1) {
				best = math.Max(best, a-b)
			}
		}
		return best
	}
}
