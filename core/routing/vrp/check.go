package vrp

import "fmt"

// Check verifies a CVRP solution and returns its cost. routes lists each
// route's customers (indices 1..N-1) in visiting order; every route starts
// and ends at the depot. Every customer must be visited exactly once, no
// route may carry more than the capacity, and the number of non-empty
// routes must respect fleet.
func Check(in *Instance, routes [][]int, fleet Fleet) (int64, error) {
	if in.Demand == nil {
		return 0, fmt.Errorf("vrp: check %s: not a CVRP instance (no demands)", in.Name)
	}
	seen := make([]int, in.N)
	var cost int64
	nonEmpty := 0
	for r, route := range routes {
		if len(route) == 0 {
			continue
		}
		nonEmpty++
		load, prev := 0, 0
		for _, c := range route {
			if c < 1 || c >= in.N {
				return 0, fmt.Errorf("vrp: check %s: route %d: node %d is not a customer (1..%d)", in.Name, r+1, c, in.N-1)
			}
			if seen[c] != 0 {
				return 0, fmt.Errorf("vrp: check %s: customer %d is visited on route %d and route %d", in.Name, c, seen[c], r+1)
			}
			seen[c] = r + 1
			load += in.Demand[c]
			cost += int64(in.D(prev, c))
			prev = c
		}
		cost += int64(in.D(prev, 0))
		if load > in.Capacity {
			return 0, fmt.Errorf("vrp: check %s: route %d carries %d, over the capacity %d", in.Name, r+1, load, in.Capacity)
		}
	}
	for c := 1; c < in.N; c++ {
		if seen[c] == 0 {
			return 0, fmt.Errorf("vrp: check %s: customer %d is on no route", in.Name, c)
		}
	}
	if nonEmpty < fleet.MinRoutes || (fleet.MaxRoutes > 0 && nonEmpty > fleet.MaxRoutes) {
		return 0, fmt.Errorf("vrp: check %s: %d non-empty routes, the fleet rule is %s", in.Name, nonEmpty, fleet)
	}
	return cost, nil
}

// TourCost verifies that tour visits every node 0..N-1 exactly once and
// returns the length of the closed tour.
func TourCost(in *Instance, tour []int) (int64, error) {
	if len(tour) != in.N {
		return 0, fmt.Errorf("vrp: tour of %s has %d nodes, want %d", in.Name, len(tour), in.N)
	}
	seen := make([]bool, in.N)
	var cost int64
	for k, v := range tour {
		if v < 0 || v >= in.N {
			return 0, fmt.Errorf("vrp: tour of %s: node %d is not in 0..%d", in.Name, v, in.N-1)
		}
		if seen[v] {
			return 0, fmt.Errorf("vrp: tour of %s: node %d visited twice", in.Name, v)
		}
		seen[v] = true
		cost += int64(in.D(v, tour[(k+1)%len(tour)]))
	}
	return cost, nil
}
