package vrp

import (
	"errors"
	"fmt"
	"math"

	"github.com/supplyhub/supplyhub/core/routing/tsplib"
)

// Instance is a capacitated vehicle routing problem (or, with no demands, a
// travelling salesman problem) on a complete directed graph of integer
// distances. Node 0 is the depot and nodes 1..N-1 are customers, so a
// customer's index is its number in a CVRPLIB ".sol" file.
type Instance struct {
	// Name labels the instance in errors and output.
	Name string
	// N is the number of nodes, depot included.
	N int
	// Dist is the N×N distance matrix, row-major: Dist[i*N+j] is the
	// cost of travelling from i to j. Distances must be ≥ 0.
	Dist []int32
	// Demand holds each node's demand; Demand[0] (the depot) must be 0.
	// Nil for a TSP.
	Demand []int
	// Capacity is the vehicle capacity; 0 for a TSP.
	Capacity int
	// X and Y are optional node coordinates. The CVRP solver uses them to
	// pair routes by polar sector in its SWAP* neighbourhood; without them
	// it compares every pair of routes.
	X, Y []float64
}

// Fleet bounds the number of non-empty routes of a CVRP solution.
type Fleet struct {
	// MinRoutes is the least number of non-empty routes; 0 for no bound.
	MinRoutes int
	// MaxRoutes is the most routes; 0 for an unlimited fleet.
	MaxRoutes int
}

// ExactFleet requires exactly k non-empty routes, the convention of the
// Augerat A and P benchmark sets.
func ExactFleet(k int) Fleet { return Fleet{MinRoutes: k, MaxRoutes: k} }

// String describes the fleet rule.
func (f Fleet) String() string {
	switch {
	case f.MinRoutes == 0 && f.MaxRoutes == 0:
		return "unlimited fleet"
	case f.MinRoutes == f.MaxRoutes:
		return fmt.Sprintf("exactly %d routes", f.MinRoutes)
	case f.MaxRoutes == 0:
		return fmt.Sprintf("at least %d routes", f.MinRoutes)
	default:
		return fmt.Sprintf("%d to %d routes", f.MinRoutes, f.MaxRoutes)
	}
}

// ErrInfeasible is returned (wrapped) when an instance or fleet rule admits
// no feasible solution at all, for example a customer whose demand exceeds
// the capacity.
var ErrInfeasible = errors.New("vrp: no feasible solution exists")

// D returns the distance from i to j.
func (in *Instance) D(i, j int) int { return int(in.Dist[i*in.N+j]) }

// TotalDemand returns the sum of the customers' demands.
func (in *Instance) TotalDemand() int {
	t := 0
	for _, d := range in.Demand {
		t += d
	}
	return t
}

// MinVehicles returns the bin-packing lower bound ⌈total demand / capacity⌉
// on the number of routes (at least 1).
func (in *Instance) MinVehicles() int {
	if in.Capacity <= 0 {
		return 1
	}
	return max(1, (in.TotalDemand()+in.Capacity-1)/in.Capacity)
}

// Validate checks the instance's shape and values.
func (in *Instance) Validate() error {
	if in.N < 2 {
		return fmt.Errorf("vrp: instance %q has %d nodes; need a depot and at least one customer", in.Name, in.N)
	}
	if len(in.Dist) != in.N*in.N {
		return fmt.Errorf("vrp: instance %q: distance matrix has %d entries, want %d×%d", in.Name, len(in.Dist), in.N, in.N)
	}
	for k, d := range in.Dist {
		if d < 0 {
			return fmt.Errorf("vrp: instance %q: distance from node %d to node %d is negative (%d)", in.Name, k/in.N, k%in.N, d)
		}
	}
	if (in.X == nil) != (in.Y == nil) || (in.X != nil && (len(in.X) != in.N || len(in.Y) != in.N)) {
		return fmt.Errorf("vrp: instance %q: coordinates must be given for all %d nodes or none", in.Name, in.N)
	}
	if in.Demand == nil {
		return nil
	}
	if len(in.Demand) != in.N {
		return fmt.Errorf("vrp: instance %q: %d demands for %d nodes", in.Name, len(in.Demand), in.N)
	}
	if in.Capacity <= 0 {
		return fmt.Errorf("vrp: instance %q: capacity %d must be positive", in.Name, in.Capacity)
	}
	if in.Demand[0] != 0 {
		return fmt.Errorf("vrp: instance %q: the depot (node 0) has demand %d; it must be 0", in.Name, in.Demand[0])
	}
	for i, d := range in.Demand {
		if d < 0 {
			return fmt.Errorf("vrp: instance %q: customer %d has negative demand %d", in.Name, i, d)
		}
		if d > in.Capacity {
			return fmt.Errorf("vrp: instance %q: customer %d demands %d, more than the capacity %d: %w", in.Name, i, d, in.Capacity, ErrInfeasible)
		}
	}
	if in.TotalDemand() > math.MaxInt32 {
		return fmt.Errorf("vrp: instance %q: total demand is too large", in.Name)
	}
	return nil
}

// validateFleet checks that the fleet rule can be met at all.
func (in *Instance) validateFleet(f Fleet) error {
	if f.MinRoutes < 0 || f.MaxRoutes < 0 {
		return fmt.Errorf("vrp: fleet bounds must not be negative (got %s)", f)
	}
	if f.MaxRoutes > 0 && f.MinRoutes > f.MaxRoutes {
		return fmt.Errorf("vrp: fleet needs at least %d but at most %d routes", f.MinRoutes, f.MaxRoutes)
	}
	if f.MinRoutes > in.N-1 {
		return fmt.Errorf("vrp: instance %q: %s but only %d customers: %w", in.Name, f, in.N-1, ErrInfeasible)
	}
	if f.MaxRoutes > 0 && f.MaxRoutes < in.MinVehicles() {
		return fmt.Errorf("vrp: instance %q: %s cannot carry total demand %d with capacity %d (needs at least %d routes): %w",
			in.Name, f, in.TotalDemand(), in.Capacity, in.MinVehicles(), ErrInfeasible)
	}
	return nil
}

// MaxNodes is the largest instance FromTSPLIB converts: the solvers keep a
// full N×N distance matrix (400 MB at this size).
const MaxNodes = 10000

// FromTSPLIB converts a parsed TSPLIB/CVRPLIB instance. A CVRP instance must
// have a single depot at node 1 (as CVRPLIB's do); a TSP instance gets node 1
// as its start.
func FromTSPLIB(t *tsplib.Instance) (*Instance, error) {
	if t.Type != tsplib.ProblemCVRP && t.Type != tsplib.ProblemTSP {
		return nil, fmt.Errorf("vrp: %s is a %s file, not a TSP or CVRP instance", t.Name, t.Type)
	}
	if t.Dimension > MaxNodes {
		return nil, fmt.Errorf("vrp: %s has %d nodes; the solvers keep a full distance matrix and accept at most %d", t.Name, t.Dimension, MaxNodes)
	}
	m, err := t.Matrix()
	if err != nil {
		return nil, fmt.Errorf("vrp: %w", err)
	}
	in := &Instance{Name: t.Name, N: t.Dimension, Dist: m}
	if len(t.Coords) == t.Dimension {
		in.X = make([]float64, t.Dimension)
		in.Y = make([]float64, t.Dimension)
		for i, p := range t.Coords {
			in.X[i], in.Y[i] = p.X, p.Y
		}
	}
	if t.Type == tsplib.ProblemCVRP {
		if len(t.Depots) != 1 || t.Depots[0] != 0 {
			return nil, fmt.Errorf("vrp: %s: need a single depot at node 1, got depots %v (1-based)", t.Name, plusOne(t.Depots))
		}
		in.Demand = append([]int(nil), t.Demands...)
		in.Capacity = t.Capacity
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return in, nil
}

func plusOne(v []int) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = x + 1
	}
	return out
}
