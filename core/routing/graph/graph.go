package graph

import (
	"errors"
	"fmt"
	"math"
)

// ErrNoPath is returned by the path searches when the target cannot be
// reached from the source.
var ErrNoPath = errors.New("graph: no path")

// Arc is a directed weighted connection to node To.
type Arc struct {
	To     int
	Weight float64
}

// Graph is a weighted directed graph whose nodes carry string names (IDs
// from upstream systems are strings) and dense indices 0..Len()-1. An
// undirected road is two arcs; see [Graph.AddEdge]. The zero value is not
// usable; call [New].
type Graph struct {
	names []string
	index map[string]int
	adj   [][]Arc
	arcs  int
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{index: map[string]int{}}
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.names) }

// ArcCount returns the number of arcs (an undirected edge counts twice).
func (g *Graph) ArcCount() int { return g.arcs }

// AddNode returns the index of the node called name, adding it if new.
func (g *Graph) AddNode(name string) int {
	if i, ok := g.index[name]; ok {
		return i
	}
	i := len(g.names)
	g.names = append(g.names, name)
	g.index[name] = i
	g.adj = append(g.adj, nil)
	return i
}

// Node returns the index of the node called name.
func (g *Graph) Node(name string) (int, bool) {
	i, ok := g.index[name]
	return i, ok
}

// Name returns the name of node i.
func (g *Graph) Name(i int) string { return g.names[i] }

// Arcs returns the arcs leaving node u. The slice must not be modified.
func (g *Graph) Arcs(u int) []Arc { return g.adj[u] }

func (g *Graph) checkNode(op string, i int) error {
	if i < 0 || i >= len(g.names) {
		return fmt.Errorf("graph: %s: node index %d is not in 0..%d", op, i, len(g.names)-1)
	}
	return nil
}

// AddArc adds a directed arc from → to. The weight must be finite and not
// negative: Dijkstra and A* are only correct for non-negative weights.
func (g *Graph) AddArc(from, to int, weight float64) error {
	if err := g.checkNode("add arc", from); err != nil {
		return err
	}
	if err := g.checkNode("add arc", to); err != nil {
		return err
	}
	if math.IsNaN(weight) || math.IsInf(weight, 0) || weight < 0 {
		return fmt.Errorf("graph: arc %s→%s: weight %v must be a finite number ≥ 0", g.names[from], g.names[to], weight)
	}
	g.adj[from] = append(g.adj[from], Arc{To: to, Weight: weight})
	g.arcs++
	return nil
}

// AddEdge adds an undirected edge: arcs a → b and b → a of the same weight.
func (g *Graph) AddEdge(a, b int, weight float64) error {
	if err := g.AddArc(a, b, weight); err != nil {
		return err
	}
	if a == b {
		return nil
	}
	return g.AddArc(b, a, weight)
}

// Reverse returns the graph with every arc turned around, sharing node
// names and indices. Searches on it give distances *to* a node.
func (g *Graph) Reverse() *Graph {
	r := &Graph{names: g.names, index: g.index, adj: make([][]Arc, len(g.adj)), arcs: g.arcs}
	for u, arcs := range g.adj {
		for _, a := range arcs {
			r.adj[a.To] = append(r.adj[a.To], Arc{To: u, Weight: a.Weight})
		}
	}
	return r
}

// FromMatrix builds a graph from a square weight matrix: entry [i][j] is
// the weight of arc i → j, and +Inf (or NaN) means no arc. The diagonal is
// ignored. names gives the node names; nil names the nodes "1".."n".
func FromMatrix(m [][]float64, names []string) (*Graph, error) {
	n := len(m)
	if names != nil && len(names) != n {
		return nil, fmt.Errorf("graph: matrix has %d rows but %d names", n, len(names))
	}
	g := New()
	for i := range n {
		name := fmt.Sprint(i + 1)
		if names != nil {
			name = names[i]
		}
		if j := g.AddNode(name); j != i {
			return nil, fmt.Errorf("graph: node name %q appears twice", name)
		}
	}
	for i, row := range m {
		if len(row) != n {
			return nil, fmt.Errorf("graph: matrix row %d has %d entries, want %d", i+1, len(row), n)
		}
		for j, w := range row {
			if i == j || math.IsInf(w, 1) || math.IsNaN(w) {
				continue
			}
			if err := g.AddArc(i, j, w); err != nil {
				return nil, fmt.Errorf("graph: matrix row %d column %d: %w", i+1, j+1, err)
			}
		}
	}
	return g, nil
}
