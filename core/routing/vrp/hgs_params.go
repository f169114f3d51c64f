package vrp

import (
	"math"
	"math/rand/v2"
	"slices"
)

// hgsTuning holds the hybrid genetic search parameters (Vidal 2022 defaults).
type hgsTuning struct {
	granular       int     // neighbours per customer in the local search
	mu             int     // minimum subpopulation size
	lambda         int     // generation size
	nbElite        int     // elite individuals protected by the biased fitness
	nbClose        int     // neighbours for the diversity contribution
	targetFeasible float64 // target share of feasible offspring
	iterRestart    int     // iterations without improvement before a restart
}

func defaultTuning() hgsTuning {
	return hgsTuning{granular: 20, mu: 25, lambda: 40, nbElite: 4, nbClose: 5, targetFeasible: 0.2, iterRestart: 20000}
}

// hgsData is the read-only problem data shared by the workers.
type hgsData struct {
	in          *Instance
	n           int      // customers
	stride      int      // nodes = n+1
	dist        []int32  // stride×stride, as in the instance
	dist16      []uint16 // the same, when every distance fits in 16 bits
	demand      []int
	capacity    int
	totalDemand int
	maxDist     float64
	maxDemand   int
	hasCoords   bool
	polar       []int   // polar angle of each node around the depot, 0..65535
	correlated  [][]int // granular neighbour lists (symmetric closure)
	nbVehicles  int     // route slots
	fleet       Fleet
	tune        hgsTuning
}

func newHGSData(in *Instance, fleet Fleet, tune hgsTuning) *hgsData {
	d := &hgsData{in: in, n: in.N - 1, stride: in.N, demand: in.Demand, capacity: in.Capacity, fleet: fleet, tune: tune}
	d.dist = in.Dist
	for _, v := range in.Dist {
		d.maxDist = math.Max(d.maxDist, float64(v))
	}
	if d.maxDist <= math.MaxUint16 {
		d.dist16 = make([]uint16, len(in.Dist))
		for k, v := range in.Dist {
			d.dist16[k] = uint16(v)
		}
	}
	for _, q := range in.Demand {
		d.totalDemand += q
		d.maxDemand = max(d.maxDemand, q)
	}
	d.hasCoords = in.X != nil
	d.polar = make([]int, in.N)
	if d.hasCoords {
		for i := 1; i < in.N; i++ {
			a := math.Atan2(in.Y[i]-in.Y[0], in.X[i]-in.X[0])
			d.polar[i] = positiveMod(int(32768 * a / math.Pi))
		}
	}
	switch {
	case fleet.MaxRoutes > 0:
		d.nbVehicles = fleet.MaxRoutes
	default:
		lb := float64(d.totalDemand) / float64(d.capacity)
		// HGS's slack over the bin-packing bound, but never fewer slots
		// than a first-fit-decreasing packing needs (demands just over half
		// the capacity need a route each, far above the bound).
		d.nbVehicles = max(int(math.Ceil(1.3*lb))+3, firstFitDecreasing(in.Demand[1:], d.capacity)+1)
	}
	d.nbVehicles = max(d.nbVehicles, fleet.MinRoutes, 1)
	d.nbVehicles = min(d.nbVehicles, d.n)
	d.buildCorrelated()
	return d
}

func (d *hgsData) dd(i, j int) float64 { return float64(d.dist[i*d.stride+j]) }

// buildCorrelated keeps, for each customer, its granular closest
// customers, made symmetric: if j is close to i then i is listed for j.
func (d *hgsData) buildCorrelated() {
	n := d.n
	g := min(d.tune.granular, n-1)
	sets := make([]map[int]struct{}, n+1)
	for i := 1; i <= n; i++ {
		sets[i] = map[int]struct{}{}
	}
	var buf []int32
	for i := 1; i <= n; i++ {
		row := d.dist[i*d.stride : (i+1)*d.stride]
		for _, j := range kNearest(row, 1, n+1, i, g, buf) {
			sets[i][int(j)] = struct{}{}
			sets[j][i] = struct{}{}
		}
	}
	d.correlated = make([][]int, n+1)
	for i := 1; i <= n; i++ {
		l := make([]int, 0, len(sets[i]))
		for j := range sets[i] {
			l = append(l, j)
		}
		slices.Sort(l) // map order is random; sort for reproducibility
		d.correlated[i] = l
	}
}

func positiveMod(i int) int { return ((i % 65536) + 65536) % 65536 }

// individual is a solution: a giant tour and its split into routes.
type individual struct {
	penalizedCost  float64
	distance       float64
	capacityExcess int
	nbRoutes       int
	feasible       bool
	giant          []int   // customers in giant-tour order
	routes         [][]int // one slice per route slot
	succ, pred     []int   // neighbours of each customer, 0 for the depot
	proximity      []proxEntry
	biasedFitness  float64
}

type proxEntry struct {
	dist float64
	ind  *individual
}

func newIndividual(d *hgsData) *individual {
	ind := &individual{
		giant:  make([]int, d.n),
		routes: make([][]int, d.nbVehicles),
		succ:   make([]int, d.n+1),
		pred:   make([]int, d.n+1),
	}
	return ind
}

func randomIndividual(d *hgsData, rng *rand.Rand) *individual {
	ind := newIndividual(d)
	for i := range ind.giant {
		ind.giant[i] = i + 1
	}
	rng.Shuffle(len(ind.giant), func(i, j int) { ind.giant[i], ind.giant[j] = ind.giant[j], ind.giant[i] })
	return ind
}

// copyFrom makes ind a deep copy of o's solution (not its proximity list).
func (ind *individual) copyFrom(o *individual) {
	ind.penalizedCost, ind.distance, ind.capacityExcess = o.penalizedCost, o.distance, o.capacityExcess
	ind.nbRoutes, ind.feasible = o.nbRoutes, o.feasible
	copy(ind.giant, o.giant)
	for r := range ind.routes {
		ind.routes[r] = append(ind.routes[r][:0], o.routes[r]...)
	}
	copy(ind.succ, o.succ)
	copy(ind.pred, o.pred)
	ind.proximity = ind.proximity[:0]
	ind.biasedFitness = 0
}

// evaluate recomputes costs, feasibility and neighbours from the routes.
func (ind *individual) evaluate(d *hgsData, penalty float64) {
	ind.distance, ind.capacityExcess, ind.nbRoutes = 0, 0, 0
	for _, r := range ind.routes {
		if len(r) == 0 {
			continue
		}
		ind.nbRoutes++
		load := 0
		prev := 0
		for k, c := range r {
			ind.distance += d.dd(prev, c)
			load += d.demand[c]
			ind.pred[c] = prev
			if k+1 < len(r) {
				ind.succ[c] = r[k+1]
			} else {
				ind.succ[c] = 0
			}
			prev = c
		}
		ind.distance += d.dd(prev, 0)
		ind.capacityExcess += max(0, load-d.capacity)
	}
	ind.penalizedCost = ind.distance + penalty*float64(ind.capacityExcess)
	ind.feasible = ind.capacityExcess == 0
}

// brokenPairs is the share of customers whose neighbours differ between
// the two solutions (the broken-pairs distance of HGS).
func (ind *individual) brokenPairs(o *individual) float64 {
	diff := 0
	n := len(ind.succ) - 1
	for j := 1; j <= n; j++ {
		if ind.succ[j] != o.succ[j] && ind.succ[j] != o.pred[j] {
			diff++
		}
		if ind.pred[j] == 0 && o.pred[j] != 0 && o.succ[j] != 0 {
			diff++
		}
	}
	return float64(diff) / float64(n)
}

// avgClosest is the mean distance to the k closest individuals.
func (ind *individual) avgClosest(k int) float64 {
	k = min(k, len(ind.proximity))
	if k == 0 {
		return 0
	}
	s := 0.0
	for _, e := range ind.proximity[:k] {
		s += e.dist
	}
	return s / float64(k)
}

func (ind *individual) addProximity(dist float64, o *individual) {
	i, _ := slices.BinarySearchFunc(ind.proximity, dist, func(e proxEntry, t float64) int {
		if e.dist <= t {
			return -1 // insert after equal distances: stable, reproducible order
		}
		return 1
	})
	ind.proximity = slices.Insert(ind.proximity, i, proxEntry{dist, o})
}

func (ind *individual) removeProximity(o *individual) {
	for i, e := range ind.proximity {
		if e.ind == o {
			ind.proximity = slices.Delete(ind.proximity, i, i+1)
			return
		}
	}
}

// firstFitDecreasing returns the number of vehicles a first-fit-decreasing
// packing of the demands uses: a feasible fleet size.
func firstFitDecreasing(demands []int, capacity int) int {
	sorted := slices.Clone(demands)
	slices.SortFunc(sorted, func(a, b int) int { return b - a })
	var free []int
	for _, q := range sorted {
		placed := false
		for i := range free {
			if free[i] >= q {
				free[i] -= q
				placed = true
				break
			}
		}
		if !placed {
			free = append(free, capacity-q)
		}
	}
	return len(free)
}
