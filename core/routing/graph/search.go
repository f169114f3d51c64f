package graph

import (
	"fmt"
	"math"
)

// Path is a shortest path found by a search.
type Path struct {
	// Nodes lists the node indices from source to target, both included.
	Nodes []int
	// Cost is the sum of the arc weights along Nodes.
	Cost float64
	// Settled is the number of nodes the search expanded: a measure of
	// the work done, which a good A* heuristic makes smaller.
	Settled int
}

// Names returns the names of the path's nodes.
func (p Path) Names(g *Graph) []string {
	out := make([]string, len(p.Nodes))
	for i, v := range p.Nodes {
		out[i] = g.Name(v)
	}
	return out
}

// Heuristic estimates the remaining cost from a node to the search target.
// A* returns a shortest path when the estimate never exceeds the true
// remaining cost (admissible); it expands each node once when the estimate
// is also consistent: h(u) ≤ w(u,v) + h(v) for every arc.
type Heuristic func(node int) float64

// heapItem is a queue entry: a node and its key (g or g + h).
type heapItem struct {
	key  float64
	node int
}

// minHeap is a binary heap of heapItem ordered by key then node, so that
// ties are broken the same way on every run.
type minHeap []heapItem

func (h minHeap) less(i, j int) bool {
	if h[i].key != h[j].key {
		return h[i].key < h[j].key
	}
	return h[i].node < h[j].node
}

func (h *minHeap) push(it heapItem) {
	*h = append(*h, it)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !a.less(i, p) {
			break
		}
		a[i], a[p] = a[p], a[i]
		i = p
	}
}

func (h *minHeap) pop() heapItem {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(a) {
			break
		}
		m := l
		if r := l + 1; r < len(a) && a.less(r, l) {
			m = r
		}
		if !a.less(m, i) {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}

// Tree is a shortest-path tree from one source, as computed by
// [Graph.Dijkstra].
type Tree struct {
	Source int
	// Dist holds the distance from Source to each node; +Inf when
	// unreachable.
	Dist []float64
	// Prev holds each node's predecessor on a shortest path; -1 for the
	// source and unreachable nodes.
	Prev []int
}

// PathTo reconstructs the shortest path from the tree's source to dst.
func (t *Tree) PathTo(dst int) (Path, error) {
	if dst < 0 || dst >= len(t.Dist) {
		return Path{}, fmt.Errorf("graph: path to node index %d: not in 0..%d", dst, len(t.Dist)-1)
	}
	if math.IsInf(t.Dist[dst], 1) {
		return Path{}, fmt.Errorf("%w from node %d to node %d", ErrNoPath, t.Source, dst)
	}
	return Path{Nodes: reconstruct(t.Prev, t.Source, dst), Cost: t.Dist[dst]}, nil
}

func reconstruct(prev []int, src, dst int) []int {
	var rev []int
	for v := dst; v != -1; v = prev[v] {
		rev = append(rev, v)
		if v == src {
			break
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// Dijkstra computes shortest distances from src to every node.
func (g *Graph) Dijkstra(src int) (*Tree, error) {
	if err := g.checkNode("dijkstra", src); err != nil {
		return nil, err
	}
	dist, prev, _ := g.search(src, -1, nil)
	return &Tree{Source: src, Dist: dist, Prev: prev}, nil
}

// ShortestPath returns a shortest path from src to dst with Dijkstra's
// algorithm, stopping as soon as dst is settled.
func (g *Graph) ShortestPath(src, dst int) (Path, error) {
	return g.AStar(src, dst, nil)
}

// AStar returns a shortest path from src to dst guided by h, which must be
// admissible (never overestimate the remaining cost) for the result to be
// shortest; nil h is Dijkstra. Nodes are re-expanded when a shorter path
// to them appears, so an admissible but inconsistent h is still exact.
func (g *Graph) AStar(src, dst int, h Heuristic) (Path, error) {
	if err := g.checkNode("shortest path", src); err != nil {
		return Path{}, err
	}
	if err := g.checkNode("shortest path", dst); err != nil {
		return Path{}, err
	}
	dist, prev, settled := g.search(src, dst, h)
	if math.IsInf(dist[dst], 1) {
		return Path{Settled: settled}, fmt.Errorf("%w from %s to %s", ErrNoPath, g.names[src], g.names[dst])
	}
	return Path{Nodes: reconstruct(prev, src, dst), Cost: dist[dst], Settled: settled}, nil
}

// search is Dijkstra (h == nil) or A* with lazy deletion. With dst < 0 it
// runs to exhaustion.
func (g *Graph) search(src, dst int, h Heuristic) (dist []float64, prev []int, settled int) {
	n := len(g.names)
	dist = make([]float64, n)
	prev = make([]int, n)
	for i := range dist {
		dist[i] = math.Inf(1)
		prev[i] = -1
	}
	est := func(v int) float64 {
		if h == nil {
			return 0
		}
		e := h(v)
		if math.IsNaN(e) || e < 0 {
			return 0
		}
		return e
	}
	dist[src] = 0
	q := minHeap{{key: est(src), node: src}}
	for len(q) > 0 {
		it := q.pop()
		u := it.node
		if it.key > dist[u]+est(u) {
			continue // stale entry
		}
		settled++
		if u == dst {
			break
		}
		for _, a := range g.adj[u] {
			nd := dist[u] + a.Weight
			if nd < dist[a.To] {
				dist[a.To] = nd
				prev[a.To] = u
				q.push(heapItem{key: nd + est(a.To), node: a.To})
			}
		}
	}
	return dist, prev, settled
}
