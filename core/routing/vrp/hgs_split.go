package vrp

import "math"

// splitter cuts a giant tour into routes optimally (Prins' Split) under a
// penalised capacity: a route's cost is its distance plus the penalty times
// its load in excess of the capacity. Route loads are bounded by
// splitLoadFactor × capacity to keep the dynamic programme near-linear; if
// that bound leaves no solution with the required route count, the split
// is repeated without it.
type splitter struct {
	d         *hgsData
	d0x, dx0  []float64 // depot→customer and customer→depot, by position
	dnext     []float64 // position i → i+1
	demand    []int     // by position
	potential [][]float64
	pred      [][]int
}

const splitLoadFactor = 1.5

func newSplitter(d *hgsData) *splitter {
	n := d.n
	s := &splitter{
		d:      d,
		d0x:    make([]float64, n+1),
		dx0:    make([]float64, n+1),
		dnext:  make([]float64, n+1),
		demand: make([]int, n+1),
	}
	s.potential = make([][]float64, d.nbVehicles+1)
	s.pred = make([][]int, d.nbVehicles+1)
	for k := range s.potential {
		s.potential[k] = make([]float64, n+1)
		s.pred[k] = make([]int, n+1)
	}
	return s
}

// split fills ind.routes from ind.giant with at most maxVehicles routes
// (and at least the fleet's minimum) and evaluates it.
func (s *splitter) split(ind *individual, maxVehicles int, penalty float64) {
	d := s.d
	n := d.n
	maxVehicles = min(max(maxVehicles, d.in.MinVehicles(), d.fleet.MinRoutes), d.nbVehicles)
	for i := 1; i <= n; i++ {
		c := ind.giant[i-1]
		s.d0x[i] = d.dd(0, c)
		s.dx0[i] = d.dd(c, 0)
		s.demand[i] = d.demand[c]
		if i < n {
			s.dnext[i] = d.dd(c, ind.giant[i])
		}
	}
	ok := false
	if d.fleet.MinRoutes <= 1 {
		ok = s.simple(ind, maxVehicles, penalty)
	}
	if !ok && !s.limited(ind, maxVehicles, penalty, true) {
		s.limited(ind, maxVehicles, penalty, false)
	}
	ind.evaluate(d, penalty)
}

// simple is the split with an unlimited fleet; it fails when the best split
// needs more than maxVehicles routes.
func (s *splitter) simple(ind *individual, maxVehicles int, penalty float64) bool {
	d := s.d
	n := d.n
	pot, pred := s.potential[0], s.pred[0]
	for i := 1; i <= n; i++ {
		pot[i] = math.Inf(1)
	}
	pot[0] = 0
	maxLoad := int(splitLoadFactor * float64(d.capacity))
	for i := 0; i < n; i++ {
		if math.IsInf(pot[i], 1) {
			continue
		}
		load := 0
		dist := 0.0
		for j := i + 1; j <= n; j++ {
			load += s.demand[j]
			if j == i+1 {
				dist = s.d0x[j]
			} else {
				dist += s.dnext[j-1]
			}
			c := pot[i] + dist + s.dx0[j] + penalty*float64(max(0, load-d.capacity))
			if c < pot[j] {
				pot[j] = c
				pred[j] = i
			}
			if load > maxLoad {
				break
			}
		}
	}
	routes := 0
	for end := n; end > 0; end = pred[end] {
		routes++
	}
	if routes > maxVehicles {
		return false
	}
	s.fill(ind, routes, func(k, end int) int { return pred[end] })
	return true
}

// limited is the split with between the fleet minimum and maxVehicles
// routes. With bounded it caps route loads; it reports false when no split
// meets the route count under that cap.
func (s *splitter) limited(ind *individual, maxVehicles int, penalty float64, bounded bool) bool {
	d := s.d
	n := d.n
	maxLoad := math.MaxInt
	if bounded {
		maxLoad = int(splitLoadFactor * float64(d.capacity))
	}
	for k := 0; k <= maxVehicles; k++ {
		for i := range s.potential[k] {
			s.potential[k][i] = math.Inf(1)
		}
	}
	s.potential[0][0] = 0
	for k := 0; k < maxVehicles; k++ {
		pk, pk1, pr := s.potential[k], s.potential[k+1], s.pred[k+1]
		for i := k; i < n; i++ {
			if math.IsInf(pk[i], 1) {
				continue
			}
			load := 0
			dist := 0.0
			for j := i + 1; j <= n; j++ {
				load += s.demand[j]
				if j == i+1 {
					dist = s.d0x[j]
				} else {
					dist += s.dnext[j-1]
				}
				c := pk[i] + dist + s.dx0[j] + penalty*float64(max(0, load-d.capacity))
				if c < pk1[j] {
					pk1[j] = c
					pr[j] = i
				}
				if load > maxLoad {
					break
				}
			}
		}
	}
	best, bestK := math.Inf(1), -1
	for k := max(1, d.fleet.MinRoutes); k <= maxVehicles; k++ {
		if s.potential[k][n] < best {
			best, bestK = s.potential[k][n], k
		}
	}
	if bestK < 0 {
		return false
	}
	s.fill(ind, bestK, func(k, end int) int { return s.pred[k][end] })
	return true
}

// fill writes routes routes into ind, walking predecessors from the end.
func (s *splitter) fill(ind *individual, routes int, predOf func(k, end int) int) {
	for r := range ind.routes {
		ind.routes[r] = ind.routes[r][:0]
	}
	end := s.d.n
	for k := routes; k >= 1; k-- {
		begin := predOf(k, end)
		ind.routes[k-1] = append(ind.routes[k-1], ind.giant[begin:end]...)
		end = begin
	}
}
