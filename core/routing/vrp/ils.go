package vrp

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// ilsRun is an iterated local search for large CVRP instances: each
// iteration ruins a few neighbouring strings of customers (adjacent string
// removal, after Christiaens and Vanden Berghe's SISR), reinserts them
// greedily with blinks, and runs the granular local search of the hybrid
// genetic search only around the routes that changed. The result is
// accepted by simulated annealing; rejected iterations are undone route by
// route. An iteration costs far less than a genetic offspring on a large
// instance, so the search improves from its first second.
type ilsRun struct {
	d      *hgsData
	seed   uint64
	rng    *rand.Rand
	bounds *runBounds
	ls     *localSearch
	near   [][]int32 // customers by distance from each customer, nearest first

	iter       int
	cur        float64
	bestCost   int64
	bestRoutes [][]int
	timeToBest time.Duration
	onImprove  func(cost int64, iter int)

	meanEdge   float64
	removed    []int
	ruined     []bool // per route slot, this iteration
	saved      [][]int
	savedMod   []int
	routeMark  []int // per route slot: visited at routeStamp
	routeStamp int
}

// SISR ruin parameters: average number of customers removed and longest
// string.
const (
	ilsMaxString = 10
	ilsBlinkRate = 0.01
	ilsNear      = 64 // neighbours kept per customer for the ruin
)

// Simulated annealing temperatures at the start and the end of a run, in
// mean edge lengths of the first solution, and the average number of
// customers a ruin removes. Measured on X-n701-k44 at equal iteration
// counts: start temperatures of 0.3 and 3 and an end of 0.1 did worse;
// removing 6 or 15 on average did about as well per second as 10.
const (
	ilsTempStart  = 1.0
	ilsTempEnd    = 0.01
	ilsAvgRemoved = 10.0
)

// ilsGranular is the number of nearest customers each customer's local
// search moves consider in the iterated local search (12 made iterations
// cheaper but the search worse per second on X-n1001-k43).
const ilsGranular = 20

// ilsGiveUpSlack is how far, in mean edge lengths, a candidate may lie
// above the acceptance limit after the route-improvement moves and still
// get its SWAP* passes. With 2, four 60 s runs side by side on X-n1001-k43
// did 1.6–2.2 times the iterations and ended 0.2 % lower than without the
// cut-off; 0 and 0.5 dropped too many candidates that SWAP* would have
// rescued.
const ilsGiveUpSlack = 2.0

func newILSRun(d *hgsData, seed uint64, b *runBounds) *ilsRun {
	rng := rand.New(rand.NewPCG(seed, 0x1150_5eed))
	r := &ilsRun{d: d, seed: seed, rng: rng, bounds: b}
	r.ls = newLocalSearch(d, rng, b.expired)
	r.ls.swapNeighbours = true
	r.near = nearestCustomers(d, ilsNear)
	r.ruined = make([]bool, d.nbVehicles)
	r.saved = make([][]int, d.nbVehicles)
	r.savedMod = make([]int, d.nbVehicles)
	r.routeMark = make([]int, d.nbVehicles)
	return r
}

// nearestCustomers lists, for each customer, the k nearest other customers.
func nearestCustomers(d *hgsData, k int) [][]int32 {
	out := make([][]int32, d.n+1)
	buf := make([]int32, 0, d.n)
	for i := 1; i <= d.n; i++ {
		out[i] = kNearest(d.dist[i*d.stride:(i+1)*d.stride], 1, d.n+1, i, k, buf)
	}
	return out
}

func (r *ilsRun) done() bool {
	return (r.bounds.maxIter > 0 && r.iter >= r.bounds.maxIter) || r.bounds.expired()
}

// initial builds a first feasible solution: customers in polar-angle order
// (a sweep; random order without coordinates), split into routes, improved
// by local search with a rising capacity penalty until feasible. If that
// fails (a tight fleet), it retries from random orders until the run ends.
func (r *ilsRun) initial() *individual {
	d := r.d
	ind := newIndividual(d)
	for i := range ind.giant {
		ind.giant[i] = i + 1
	}
	if d.hasCoords {
		slices.SortStableFunc(ind.giant, func(a, b int) int { return d.polar[a] - d.polar[b] })
	} else {
		r.rng.Shuffle(len(ind.giant), func(i, j int) { ind.giant[i], ind.giant[j] = ind.giant[j], ind.giant[i] })
	}
	sp := newSplitter(d)
	for {
		pen := math.Max(0.1, math.Min(1000, d.maxDist/float64(max(1, d.maxDemand))))
		sp.split(ind, d.nbVehicles, pen)
		r.ls.run(ind, pen, pen)
		for k := 0; !ind.feasible && k < 8; k++ {
			pen *= 10
			r.ls.run(ind, pen, pen)
		}
		if ind.feasible || r.done() {
			return ind
		}
		r.iter++
		r.rng.Shuffle(len(ind.giant), func(i, j int) { ind.giant[i], ind.giant[j] = ind.giant[j], ind.giant[i] })
	}
}

func (r *ilsRun) totalDistance() float64 {
	t := 0.0
	for i := range r.ls.routes {
		t += r.ls.routes[i].distance
	}
	return t
}

func (r *ilsRun) record() {
	cost := int64(r.cur + 0.5)
	if r.bestRoutes != nil && cost >= r.bestCost {
		return
	}
	r.bestCost = cost
	r.bestRoutes = r.bestRoutes[:0]
	for i := range r.ls.routes {
		rt := &r.ls.routes[i]
		if rt.nbCustomers == 0 {
			continue
		}
		route := make([]int, 0, rt.nbCustomers)
		for node := rt.depot.next; !node.isDepot; node = node.next {
			route = append(route, node.cour)
		}
		r.bestRoutes = append(r.bestRoutes, route)
	}
	r.timeToBest = time.Since(r.bounds.start)
	if r.onImprove != nil {
		r.onImprove(cost, r.iter)
	}
}

func (r *ilsRun) run() {
	d := r.d
	if d.n == 1 {
		r.bestRoutes, r.bestCost = [][]int{{1}}, int64(d.dd(0, 1)+d.dd(1, 0))
		r.iter = 1
		return
	}
	ind := r.initial()
	if !ind.feasible {
		return
	}
	ls := r.ls
	// From here on the structure stays feasible: any capacity excess costs
	// more than any move could save.
	ls.penalty = 10 * (4*d.maxDist + 1)
	ls.load(ind)
	ls.descend(false)
	r.cur = r.totalDistance()
	r.record()
	r.meanEdge = r.cur / float64(d.n+ind.nbRoutes)
	// A candidate whose cost after the cheap moves is far above what the
	// annealing would accept is dropped before the costlier SWAP* passes.
	var limit float64
	ls.giveUp = func() bool { return r.totalDistance() > limit+ilsGiveUpSlack*r.meanEdge }
	for !r.done() {
		r.iter++
		start := ls.nbMoves
		temp := r.meanEdge * ilsTempStart * math.Pow(ilsTempEnd/ilsTempStart, r.bounds.progress(r.iter))
		limit = r.cur - temp*math.Log(1-r.rng.Float64())
		r.snapshot()
		if !r.ruinRecreate() || !ls.descend(true) {
			r.restore(start)
			continue
		}
		cost := r.totalDistance()
		if cost < r.cur-epsilon || cost < limit {
			r.cur = cost
			if int64(cost+0.5) < r.bestCost {
				r.record()
			}
		} else {
			r.restore(start)
		}
	}
}

// snapshot remembers every route's customers and modification stamp, so
// that restore can undo an iteration.
func (r *ilsRun) snapshot() {
	for i := range r.ls.routes {
		rt := &r.ls.routes[i]
		s := r.saved[i][:0]
		for node := rt.depot.next; !node.isDepot; node = node.next {
			s = append(s, node.cour)
		}
		r.saved[i] = s
		r.savedMod[i] = rt.whenLastModified
	}
}

// restore relinks the routes changed since move count start as they were
// at the snapshot. The restored state was a local optimum, so the routes
// keep their old modification stamps and are not searched again.
func (r *ilsRun) restore(start int) {
	ls := r.ls
	for i := range ls.routes {
		rt := &ls.routes[i]
		if rt.whenLastModified <= start {
			continue
		}
		depot, depotEnd := &ls.depots[i], &ls.depotsEnd[i]
		prev := depot
		for _, c := range r.saved[i] {
			node := &ls.clients[c]
			node.prev = prev
			prev.next = node
			node.route = rt
			prev = node
		}
		prev.next = depotEnd
		depotEnd.prev = prev
	}
	for i := range ls.routes {
		rt := &ls.routes[i]
		if rt.whenLastModified <= start {
			continue
		}
		ls.updateRoute(rt)
		rt.whenLastModified = r.savedMod[i]
	}
	ls.lastDescent = ls.nbMoves
}

// ruinRecreate removes a few strings of neighbouring customers and
// reinserts them. It reports false if a customer could not be reinserted.
func (r *ilsRun) ruinRecreate() bool {
	ls, d, rng := r.ls, r.d, r.rng
	nonEmpty := len(ls.routes) - ls.nbEmpty
	avgCard := float64(d.n) / float64(max(1, nonEmpty))
	lsMax := math.Min(ilsMaxString, avgCard)
	ksMax := 4*ilsAvgRemoved/(1+lsMax) - 1
	ks := int(rng.Float64()*ksMax) + 1
	clear(r.ruined)
	r.removed = r.removed[:0]
	seed := 1 + rng.IntN(d.n)
	ruinedRoutes := 0
	visit := func(c int) {
		node := &ls.clients[c]
		if node.route == nil || r.ruined[node.route.cour] {
			return
		}
		rt := node.route
		card := rt.nbCustomers
		lMax := min(card, int(lsMax))
		l := 1 + rng.IntN(max(1, lMax))
		if l == card && d.fleet.MinRoutes > 0 && len(ls.routes)-ls.nbEmpty <= d.fleet.MinRoutes {
			l = card - 1 // keep the route: the fleet needs it
			if l == 0 {
				return
			}
		}
		// A string of l customers containing c, at a random offset.
		pos := node.position
		lo, hi := max(1, pos-l+1), min(pos, card-l+1)
		startPos := lo + rng.IntN(hi-lo+1)
		first := rt.depot.next
		for first.position < startPos {
			first = first.next
		}
		for k := 0; k < l; k++ {
			next := first.next
			first.prev.next = next
			next.prev = first.prev
			first.route = nil
			r.removed = append(r.removed, first.cour)
			first = next
		}
		r.ruined[rt.cour] = true
		ruinedRoutes++
		ls.nbMoves++
		ls.updateRoute(rt)
	}
	visit(seed)
	for _, c := range r.near[seed] {
		if ruinedRoutes >= ks {
			break
		}
		visit(int(c))
	}
	// Reinsertion order: random, largest demand, farthest or nearest to
	// the depot (weights 4:4:2:1).
	switch k := rng.IntN(11); {
	case k < 4:
		rng.Shuffle(len(r.removed), func(i, j int) { r.removed[i], r.removed[j] = r.removed[j], r.removed[i] })
	case k < 8:
		slices.SortStableFunc(r.removed, func(a, b int) int { return d.demand[b] - d.demand[a] })
	case k < 10:
		slices.SortStableFunc(r.removed, func(a, b int) int { return int(d.dd(0, b) - d.dd(0, a)) })
	default:
		slices.SortStableFunc(r.removed, func(a, b int) int { return int(d.dd(0, a) - d.dd(0, b)) })
	}
	for _, c := range r.removed {
		if !r.insert(c) {
			return false
		}
	}
	return true
}

// insert puts customer c at its cheapest feasible position, looking at the
// routes of its nearest neighbours first, then at every route, then at an
// empty route; each position is skipped with a small probability (blinks).
func (r *ilsRun) insert(c int) bool {
	ls, d := r.ls, r.d
	dem := d.demand[c]
	bestCost := math.Inf(1)
	var bestAfter *lsNode
	tryRoute := func(rt *lsRoute) {
		if rt.nbCustomers == 0 || rt.load+dem > d.capacity {
			return
		}
		prev := rt.depot
		for {
			next := prev.next
			if r.rng.Float64() >= ilsBlinkRate {
				cost := ls.dd(prev.cour, c) + ls.dd(c, next.cour) - ls.dd(prev.cour, next.cour)
				if cost < bestCost {
					bestCost, bestAfter = cost, prev
				}
			}
			if next.isDepot {
				return
			}
			prev = next
		}
	}
	r.routeStamp++
	seen := 0
	for _, v := range r.near[c] {
		node := &ls.clients[v]
		if node.route == nil || r.routeMark[node.route.cour] == r.routeStamp {
			continue
		}
		r.routeMark[node.route.cour] = r.routeStamp
		tryRoute(node.route)
		if seen++; seen >= 8 {
			break
		}
	}
	if bestAfter == nil {
		for i := range ls.routes {
			tryRoute(&ls.routes[i])
		}
	}
	// An empty route, if the fleet has one.
	if ls.nbEmpty > 0 {
		e := slices.Index(ls.empty, true)
		if cost := ls.dd(0, c) + ls.dd(c, 0); cost < bestCost {
			bestCost, bestAfter = cost, ls.routes[e].depot
		}
	}
	if bestAfter == nil {
		return false
	}
	node := &ls.clients[c]
	next := bestAfter.next
	node.prev, node.next = bestAfter, next
	bestAfter.next = node
	next.prev = node
	node.route = bestAfter.route
	ls.nbMoves++
	ls.updateRoute(node.route)
	return true
}
