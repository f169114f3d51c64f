package vrp

import (
	"math"
	"math/rand/v2"
	"slices"
)

// The local search of the hybrid genetic search: relocate (one or two
// customers, possibly reversed), swap (1-1, 2-1, 2-2), 2-opt inside a route
// and 2-opt* between routes, over granular neighbour lists, plus SWAP*
// between routes whose polar sectors overlap. Routes are doubly linked
// lists between a start and an end depot node, so that a move touches only
// a few pointers. Moves are applied as soon as they improve the penalised
// cost (first improvement), in a random order.
//
// Time windows would extend the per-node data below (cumulated load and
// reversal distance) with forward and backward time-warp segments, and the
// move evaluations with their concatenation, as in HGS-TW.

const epsilon = 1e-5

type lsNode struct {
	isDepot          bool
	cour             int // customer index, 0 for depots
	position         int // 0 for the start depot, 1.. for customers
	whenLastTestedRI int
	next, prev       *lsNode
	route            *lsRoute
	cumLoad          int
	cumReversal      float64 // cost change of reversing the route up to here
	deltaRemoval     float64 // SWAP*: cost change of removing this customer
}

type lsRoute struct {
	cour                   int
	nbCustomers            int
	whenLastModified       int
	whenLastTestedSWAPStar int
	depot                  *lsNode
	load                   int
	reversalDistance       float64
	penalty                float64
	polarBarycenter        float64
	sector                 circleSector
	distance               float64 // route length
	version                int     // changes whenever the content may have changed
}

// threeBest keeps the three cheapest insertion positions of a customer in a
// route, for SWAP*.
type threeBest struct {
	version int // route version the entry was computed for
	cost    [3]float64
	loc     [3]*lsNode
}

func (t *threeBest) reset() {
	t.cost = [3]float64{1e30, 1e30, 1e30}
	t.loc = [3]*lsNode{}
}

func (t *threeBest) add(cost float64, at *lsNode) {
	switch {
	case cost >= t.cost[2]:
	case cost >= t.cost[1]:
		t.cost[2], t.loc[2] = cost, at
	case cost >= t.cost[0]:
		t.cost[2], t.loc[2] = t.cost[1], t.loc[1]
		t.cost[1], t.loc[1] = cost, at
	default:
		t.cost[2], t.loc[2] = t.cost[1], t.loc[1]
		t.cost[1], t.loc[1] = t.cost[0], t.loc[0]
		t.cost[0], t.loc[0] = cost, at
	}
}

// circleSector is an arc of polar angles in 0..65535.
type circleSector struct{ start, end int }

func (c *circleSector) init(p int) { c.start, c.end = p, p }

func (c *circleSector) enclosed(p int) bool {
	return positiveMod(p-c.start) <= positiveMod(c.end-c.start)
}

func (c *circleSector) extend(p int) {
	if !c.enclosed(p) {
		if positiveMod(p-c.end) <= positiveMod(c.start-p) {
			c.end = p
		} else {
			c.start = p
		}
	}
}

func sectorsOverlap(a, b *circleSector) bool {
	return positiveMod(b.start-a.start) <= positiveMod(a.end-a.start) ||
		positiveMod(a.start-b.start) <= positiveMod(b.end-b.start)
}

type localSearch struct {
	d           *hgsData
	rng         *rand.Rand
	dist        []int32
	dist16      []uint16 // the same distances when they all fit, for cache locality
	stride      int
	clients     []lsNode
	depots      []lsNode
	depotsEnd   []lsNode
	routes      []lsRoute
	bestInsert  [][]threeBest // [route][customer]
	orderNodes  []int
	orderRoutes []int
	correlated  [][]int // private copy, shuffled in place
	empty       []bool
	nbEmpty     int

	nbMoves        int
	lastDescent    int // nbMoves when the last descent ended
	lastSwapPass   int // nbMoves when the last neighbour SWAP* pass started
	versions       int // source of route versions
	stamp          int // generation for mark
	mark           []int
	dirty          []int
	orderBuf       []int
	swapNeighbours bool  // pair routes for SWAP* by granular neighbourhood, not only by sector
	routeMark      []int // per route: marked at routeStamp
	routeStamp     int
	loopID         int
	penalty        float64
	stop           func() bool
	giveUp         func() bool // optional: abandon a descent before SWAP* (descend then reports false)

	nodeU, nodeX, nodeV, nodeY                             *lsNode
	routeU, routeV                                         *lsRoute
	nodeUPrevIndex, nodeUIndex, nodeXIndex, nodeXNextIndex int
	nodeVPrevIndex, nodeVIndex, nodeYIndex, nodeYNextIndex int
	loadU, loadX, loadV, loadY                             int
	intraRouteMove                                         bool
}

func newLocalSearch(d *hgsData, rng *rand.Rand, stop func() bool) *localSearch {
	n, nv := d.n, d.nbVehicles
	ls := &localSearch{
		d: d, rng: rng, dist: d.in.Dist, dist16: d.dist16, stride: d.stride, stop: stop,
		clients:     make([]lsNode, n+1),
		depots:      make([]lsNode, nv),
		depotsEnd:   make([]lsNode, nv),
		routes:      make([]lsRoute, nv),
		bestInsert:  make([][]threeBest, nv),
		orderNodes:  make([]int, n),
		orderRoutes: make([]int, nv),
		correlated:  make([][]int, n+1),
		empty:       make([]bool, nv),
		mark:        make([]int, n+1),
		orderBuf:    make([]int, nv),
		routeMark:   make([]int, nv),
	}
	for i := 0; i <= n; i++ {
		ls.clients[i].cour = i
		if i > 0 {
			ls.orderNodes[i-1] = i
			ls.correlated[i] = slices.Clone(d.correlated[i])
		}
	}
	for r := range nv {
		ls.routes[r].cour = r
		ls.routes[r].depot = &ls.depots[r]
		ls.depots[r] = lsNode{isDepot: true, route: &ls.routes[r]}
		ls.depotsEnd[r] = lsNode{isDepot: true, route: &ls.routes[r]}
		ls.orderRoutes[r] = r
		ls.bestInsert[r] = make([]threeBest, n+1)
	}
	return ls
}

func (ls *localSearch) dd(i, j int) float64 {
	if ls.dist16 != nil {
		return float64(ls.dist16[i*ls.stride+j])
	}
	return float64(ls.dist[i*ls.stride+j])
}

func (ls *localSearch) penaltyLoad(load int) float64 {
	return float64(max(0, load-ls.d.capacity)) * ls.penalty
}

// run improves ind in place with capacity penalty lsPenalty, then
// evaluates it with evalPenalty (the population's current penalty).
func (ls *localSearch) run(ind *individual, lsPenalty, evalPenalty float64) {
	ls.penalty = lsPenalty
	ls.load(ind)
	rng := ls.rng
	rng.Shuffle(len(ls.orderNodes), func(i, j int) { ls.orderNodes[i], ls.orderNodes[j] = ls.orderNodes[j], ls.orderNodes[i] })
	rng.Shuffle(len(ls.orderRoutes), func(i, j int) { ls.orderRoutes[i], ls.orderRoutes[j] = ls.orderRoutes[j], ls.orderRoutes[i] })
	g := max(1, ls.d.tune.granular)
	for i := 1; i <= ls.d.n; i++ {
		if rng.IntN(g) == 0 {
			l := ls.correlated[i]
			rng.Shuffle(len(l), func(a, b int) { l[a], l[b] = l[b], l[a] })
		}
	}
	ls.descend(false)
	ls.export(ind, evalPenalty)
}

// descend runs the moves to a local optimum. Route-improvement moves run
// to a local optimum first; SWAP*, which costs more and pays off on compact
// routes, runs only then, and the search ends when a SWAP* pass finds
// nothing either. With selective, each pass visits only customers in or
// next to routes changed since the previous pass (or, for the first pass,
// since the previous descent), which keeps a descent after a small change
// cheap on large instances. It returns false if the run must stop.
func (ls *localSearch) descend(selective bool) bool {
	since := ls.lastDescent
	first := 0
	if selective {
		first = 1 // the structure is already a local optimum but for the changes
	}
	for ls.loopID = first; ; ls.loopID++ {
		before := ls.nbMoves
		nodes := ls.orderNodes
		if selective {
			nodes = ls.dirtyNodes(since)
		}
		since = before
		if !ls.routeImprovementPass(nodes) {
			return false
		}
		// A second pass always runs: moves into empty routes start there.
		if ls.nbMoves != before || ls.loopID == 0 {
			continue
		}
		if ls.giveUp != nil && ls.giveUp() {
			return false
		}
		if !ls.swapStarPass() {
			break
		}
		if ls.stop() {
			return false
		}
	}
	ls.lastDescent = ls.nbMoves
	return true
}

// dirtyNodes lists the customers in routes changed after move count since,
// and their granular neighbours, in a reproducible order.
func (ls *localSearch) dirtyNodes(since int) []int {
	ls.stamp++
	out := ls.dirty[:0]
	add := func(c int) {
		if ls.mark[c] != ls.stamp {
			ls.mark[c] = ls.stamp
			out = append(out, c)
		}
	}
	for r := range ls.routes {
		rt := &ls.routes[r]
		if rt.whenLastModified <= since {
			continue
		}
		for node := rt.depot.next; !node.isDepot; node = node.next {
			add(node.cour)
			for _, v := range ls.correlated[node.cour] {
				add(v)
			}
		}
	}
	ls.dirty = out
	return out
}

// routeImprovementPass tries the granular moves once for every customer.
// It returns false if the run must stop.
func (ls *localSearch) routeImprovementPass(nodes []int) bool {
	for posU, u := range nodes {
		if posU&63 == 0 && ls.stop() {
			return false
		}
		ls.nodeU = &ls.clients[u]
		lastTest := ls.nodeU.whenLastTestedRI
		ls.nodeU.whenLastTestedRI = ls.nbMoves
		for _, v := range ls.correlated[u] {
			ls.nodeV = &ls.clients[v]
			if max(ls.nodeU.route.whenLastModified, ls.nodeV.route.whenLastModified) <= lastTest {
				continue
			}
			ls.setU()
			ls.setV()
			if ls.move1() || ls.move2() || ls.move3() ||
				(ls.nodeUIndex <= ls.nodeVIndex && ls.move4()) || ls.move5() ||
				(ls.nodeUIndex <= ls.nodeVIndex && ls.move6()) ||
				(ls.intraRouteMove && ls.move7()) ||
				(!ls.intraRouteMove && (ls.move8() || ls.move9())) {
				continue
			}
			// Moves that put U right after the depot of V's route.
			if ls.nodeV.prev.isDepot {
				ls.nodeV = ls.nodeV.prev
				ls.setV()
				if ls.move1() || ls.move2() || ls.move3() ||
					(!ls.intraRouteMove && (ls.move8() || ls.move9())) {
					continue
				}
			}
		}
		// Moves into an empty route, from the second pass on.
		if ls.loopID > 0 && ls.nbEmpty > 0 {
			r := slices.Index(ls.empty, true)
			ls.nodeV = ls.routes[r].depot
			ls.setU()
			ls.setV()
			_ = ls.move1() || ls.move2() || ls.move3() || ls.move9()
		}
	}
	return true
}

// swapStarPass tries SWAP* on every pair of routes whose polar sectors
// overlap and of which one changed since the pair was last tried. It
// reports whether it improved anything.
func (ls *localSearch) swapStarPass() bool {
	if !ls.d.hasCoords && ls.d.nbVehicles > 50 {
		return false // without coordinates every pair would be tried
	}
	if ls.swapNeighbours {
		return ls.swapStarNeighbourPass()
	}
	before := ls.nbMoves
	minRoutes := ls.d.fleet.MinRoutes
	for _, ru := range ls.orderRoutes {
		if ls.stop() {
			return false
		}
		ls.routeU = &ls.routes[ru]
		lastTest := ls.routeU.whenLastTestedSWAPStar
		ls.routeU.whenLastTestedSWAPStar = ls.nbMoves
		if ls.routeU.nbCustomers == 0 {
			continue
		}
		for _, rv := range ls.orderRoutes {
			ls.routeV = &ls.routes[rv]
			if ls.routeV.nbCustomers > 0 && ls.routeU.cour < ls.routeV.cour &&
				max(ls.routeU.whenLastModified, ls.routeV.whenLastModified) > lastTest &&
				(!ls.d.hasCoords || sectorsOverlap(&ls.routeU.sector, &ls.routeV.sector)) {
				ls.swapStar(minRoutes)
			}
		}
	}
	return ls.nbMoves != before
}

// swapStarNeighbourPass tries SWAP* between each route changed since the
// previous such pass and the routes holding granular neighbours of its
// customers. Pairs of unchanged routes were tried before and are skipped.
func (ls *localSearch) swapStarNeighbourPass() bool {
	before := ls.nbMoves
	since := ls.lastSwapPass
	ls.lastSwapPass = ls.nbMoves
	minRoutes := ls.d.fleet.MinRoutes
	for _, ra := range ls.orderRoutes {
		a := &ls.routes[ra]
		if a.whenLastModified <= since || a.nbCustomers == 0 {
			continue
		}
		if ls.stop() {
			return false
		}
		ls.markNeighbourRoutes(a)
		stamp := ls.routeStamp
		for _, rb := range ls.orderRoutes {
			b := &ls.routes[rb]
			if rb == ra || ls.routeMark[rb] != stamp || b.nbCustomers == 0 || a.nbCustomers == 0 {
				continue
			}
			if b.whenLastModified > since && rb < ra {
				continue // both changed: the pair is tried from the lower index
			}
			if ls.d.hasCoords && !sectorsOverlap(&a.sector, &b.sector) {
				continue
			}
			ls.routeU, ls.routeV = a, b
			ls.swapStar(minRoutes)
		}
	}
	return ls.nbMoves != before
}

// markNeighbourRoutes marks the routes holding a granular neighbour of a
// customer of r: the only routes SWAP* pairs r with in neighbour mode.
func (ls *localSearch) markNeighbourRoutes(r *lsRoute) {
	ls.routeStamp++
	for node := r.depot.next; !node.isDepot; node = node.next {
		for _, v := range ls.correlated[node.cour] {
			if rt := ls.clients[v].route; rt != nil {
				ls.routeMark[rt.cour] = ls.routeStamp
			}
		}
	}
}

func (ls *localSearch) setU() {
	ls.routeU = ls.nodeU.route
	ls.nodeX = ls.nodeU.next
	ls.nodeXNextIndex = ls.nodeX.next.cour
	ls.nodeUPrevIndex = ls.nodeU.prev.cour
	ls.nodeUIndex = ls.nodeU.cour
	ls.nodeXIndex = ls.nodeX.cour
	ls.loadU = ls.d.demand[ls.nodeUIndex]
	ls.loadX = ls.d.demand[ls.nodeXIndex]
}

func (ls *localSearch) setV() {
	ls.routeV = ls.nodeV.route
	ls.nodeY = ls.nodeV.next
	ls.nodeYNextIndex = ls.nodeY.next.cour
	ls.nodeVPrevIndex = ls.nodeV.prev.cour
	ls.nodeVIndex = ls.nodeV.cour
	ls.nodeYIndex = ls.nodeY.cour
	ls.loadV = ls.d.demand[ls.nodeVIndex]
	ls.loadY = ls.d.demand[ls.nodeYIndex]
	ls.intraRouteMove = ls.routeU == ls.routeV
}

// fleetAllows reports whether leaving route U with cu customers and route
// V with cv keeps at least the fleet's minimum of non-empty routes.
func (ls *localSearch) fleetAllows(cu, cv int) bool {
	minRoutes := ls.d.fleet.MinRoutes
	if minRoutes == 0 {
		return true
	}
	nonEmpty := len(ls.routes) - ls.nbEmpty
	if ls.routeU.nbCustomers > 0 && cu == 0 {
		nonEmpty--
	}
	if ls.routeV != ls.routeU {
		if ls.routeV.nbCustomers > 0 && cv == 0 {
			nonEmpty--
		}
		if ls.routeV.nbCustomers == 0 && cv > 0 {
			nonEmpty++
		}
	}
	return nonEmpty >= minRoutes
}

// insertNode moves u right after v.
func insertNode(u, v *lsNode) {
	u.prev.next = u.next
	u.next.prev = u.prev
	v.next.prev = u
	u.prev = v
	u.next = v.next
	v.next = u
	u.route = v.route
}

// swapNode exchanges two non-adjacent nodes.
func swapNode(u, v *lsNode) {
	vPred, vSucc, uPred, uSucc := v.prev, v.next, u.prev, u.next
	ru, rv := u.route, v.route
	uPred.next = v
	uSucc.prev = v
	vPred.next = u
	vSucc.prev = u
	u.prev, u.next = vPred, vSucc
	v.prev, v.next = uPred, uSucc
	u.route, v.route = rv, ru
}

func (ls *localSearch) applied() {
	ls.nbMoves++
	ls.updateRoute(ls.routeU)
	if ls.routeV != ls.routeU {
		ls.updateRoute(ls.routeV)
	}
}

// move1 relocates U after V.
func (ls *localSearch) move1() bool {
	costU := ls.dd(ls.nodeUPrevIndex, ls.nodeXIndex) - ls.dd(ls.nodeUPrevIndex, ls.nodeUIndex) - ls.dd(ls.nodeUIndex, ls.nodeXIndex)
	costV := ls.dd(ls.nodeVIndex, ls.nodeUIndex) + ls.dd(ls.nodeUIndex, ls.nodeYIndex) - ls.dd(ls.nodeVIndex, ls.nodeYIndex)
	if !ls.intraRouteMove {
		if costU+costV >= ls.routeU.penalty+ls.routeV.penalty {
			return false
		}
		costU += ls.penaltyLoad(ls.routeU.load-ls.loadU) - ls.routeU.penalty
		costV += ls.penaltyLoad(ls.routeV.load+ls.loadU) - ls.routeV.penalty
	}
	if costU+costV > -epsilon || ls.nodeUIndex == ls.nodeYIndex {
		return false
	}
	if !ls.intraRouteMove && !ls.fleetAllows(ls.routeU.nbCustomers-1, ls.routeV.nbCustomers+1) {
		return false
	}
	insertNode(ls.nodeU, ls.nodeV)
	ls.applied()
	return true
}

// move2 relocates the pair U,X after V.
func (ls *localSearch) move2() bool {
	if ls.nodeU == ls.nodeY || ls.nodeV == ls.nodeX || ls.nodeX.isDepot {
		return false
	}
	costU := ls.dd(ls.nodeUPrevIndex, ls.nodeXNextIndex) - ls.dd(ls.nodeUPrevIndex, ls.nodeUIndex) - ls.dd(ls.nodeXIndex, ls.nodeXNextIndex)
	costV := ls.dd(ls.nodeVIndex, ls.nodeUIndex) + ls.dd(ls.nodeXIndex, ls.nodeYIndex) - ls.dd(ls.nodeVIndex, ls.nodeYIndex)
	if !ls.intraRouteMove {
		if costU+costV >= ls.routeU.penalty+ls.routeV.penalty {
			return false
		}
		costU += ls.penaltyLoad(ls.routeU.load-ls.loadU-ls.loadX) - ls.routeU.penalty
		costV += ls.penaltyLoad(ls.routeV.load+ls.loadU+ls.loadX) - ls.routeV.penalty
	}
	if costU+costV > -epsilon {
		return false
	}
	if !ls.intraRouteMove && !ls.fleetAllows(ls.routeU.nbCustomers-2, ls.routeV.nbCustomers+2) {
		return false
	}
	insertNode(ls.nodeU, ls.nodeV)
	insertNode(ls.nodeX, ls.nodeU)
	ls.applied()
	return true
}

// move3 relocates the pair U,X after V as X,U.
func (ls *localSearch) move3() bool {
	if ls.nodeU == ls.nodeY || ls.nodeX == ls.nodeV || ls.nodeX.isDepot {
		return false
	}
	costU := ls.dd(ls.nodeUPrevIndex, ls.nodeXNextIndex) - ls.dd(ls.nodeUPrevIndex, ls.nodeUIndex) - ls.dd(ls.nodeUIndex, ls.nodeXIndex) - ls.dd(ls.nodeXIndex, ls.nodeXNextIndex)
	costV := ls.dd(ls.nodeVIndex, ls.nodeXIndex) + ls.dd(ls.nodeXIndex, ls.nodeUIndex) + ls.dd(ls.nodeUIndex, ls.nodeYIndex) - ls.dd(ls.nodeVIndex, ls.nodeYIndex)
	if !ls.intraRouteMove {
		if costU+costV >= ls.routeU.penalty+ls.routeV.penalty {
			return false
		}
		costU += ls.penaltyLoad(ls.routeU.load-ls.loadU-ls.loadX) - ls.routeU.penalty
		costV += ls.penaltyLoad(ls.routeV.load+ls.loadU+ls.loadX) - ls.routeV.penalty
	}
	if costU+costV > -epsilon {
		return false
	}
	if !ls.intraRouteMove && !ls.fleetAllows(ls.routeU.nbCustomers-2, ls.routeV.nbCustomers+2) {
		return false
	}
	insertNode(ls.nodeX, ls.nodeV)
	insertNode(ls.nodeU, ls.nodeX)
	ls.applied()
	return true
}

// move4 swaps U and V.
func (ls *localSearch) move4() bool {
	if ls.nodeUIndex == ls.nodeVPrevIndex || ls.nodeUIndex == ls.nodeYIndex {
		return false
	}
	costU := ls.dd(ls.nodeUPrevIndex, ls.nodeVIndex) + ls.dd(ls.nodeVIndex, ls.nodeXIndex) - ls.dd(ls.nodeUPrevIndex, ls.nodeUIndex) - ls.dd(ls.nodeUIndex, ls.nodeXIndex)
	costV := ls.dd(ls.nodeVPrevIndex, ls.nodeUIndex) + ls.dd(ls.nodeUIndex, ls.nodeYIndex) - ls.dd(ls.nodeVPrevIndex, ls.nodeVIndex) - ls.dd(ls.nodeVIndex, ls.nodeYIndex)
	if !ls.intraRouteMove {
		if costU+costV >= ls.routeU.penalty+ls.routeV.penalty {
			return false
		}
		costU += ls.penaltyLoad(ls.routeU.load+ls.loadV-ls.loadU) - ls.routeU.penalty
		costV += ls.penaltyLoad(ls.routeV.load+ls.loadU-ls.loadV) - ls.routeV.penalty
	}
	if costU+costV > -epsilon {
		return false
	}
	swapNode(ls.nodeU, ls.nodeV)
	ls.applied()
	return true
}

// move5 swaps the pair U,X with V.
func (ls *localSearch) move5() bool {
	if ls.nodeU == ls.nodeV.prev || ls.nodeX == ls.nodeV.prev || ls.nodeU == ls.nodeY || ls.nodeX.isDepot {
		return false
	}
	costU := ls.dd(ls.nodeUPrevIndex, ls.nodeVIndex) + ls.dd(ls.nodeVIndex, ls.nodeXNextIndex) - ls.dd(ls.nodeUPrevIndex, ls.nodeUIndex) - ls.dd(ls.nodeXIndex, ls.nodeXNextIndex)
	costV := ls.dd(ls.nodeVPrevIndex, ls.nodeUIndex) + ls.dd(ls.nodeXIndex, ls.nodeYIndex) - ls.dd(ls.nodeVPrevIndex, ls.nodeVIndex) - ls.dd(ls.nodeVIndex, ls.nodeYIndex)
	if !ls.intraRouteMove {
		if costU+costV >= ls.routeU.penalty+ls.routeV.penalty {
			return false
		}
		costU += ls.penaltyLoad(ls.routeU.load+ls.loadV-ls.loadU-ls.loadX) - ls.routeU.penalty
		costV += ls.penaltyLoad(ls.routeV.load+ls.loadU+ls.loadX-ls.loadV) - ls.routeV.penalty
	}
	if costU+costV > -epsilon {
		return false
	}
	swapNode(ls.nodeU, ls.nodeV)
	insertNode(ls.nodeX, ls.nodeU)
	ls.applied()
	return true
}

// move6 swaps the pair U,X with the pair V,Y.
func (ls *localSearch) move6() bool {
	if ls.nodeX.isDepot || ls.nodeY.isDepot || ls.nodeY == ls.nodeU.prev || ls.nodeU == ls.nodeY || ls.nodeX == ls.nodeV || ls.nodeV == ls.nodeX.next {
		return false
	}
	costU := ls.dd(ls.nodeUPrevIndex, ls.nodeVIndex) + ls.dd(ls.nodeYIndex, ls.nodeXNextIndex) - ls.dd(ls.nodeUPrevIndex, ls.nodeUIndex) - ls.dd(ls.nodeXIndex, ls.nodeXNextIndex)
	costV := ls.dd(ls.nodeVPrevIndex, ls.nodeUIndex) + ls.dd(ls.nodeXIndex, ls.nodeYNextIndex) - ls.dd(ls.nodeVPrevIndex, ls.nodeVIndex) - ls.dd(ls.nodeYIndex, ls.nodeYNextIndex)
	if !ls.intraRouteMove {
		if costU+costV >= ls.routeU.penalty+ls.routeV.penalty {
			return false
		}
		costU += ls.penaltyLoad(ls.routeU.load+ls.loadV+ls.loadY-ls.loadU-ls.loadX) - ls.routeU.penalty
		costV += ls.penaltyLoad(ls.routeV.load+ls.loadU+ls.loadX-ls.loadV-ls.loadY) - ls.routeV.penalty
	}
	if costU+costV > -epsilon {
		return false
	}
	swapNode(ls.nodeU, ls.nodeV)
	swapNode(ls.nodeX, ls.nodeY)
	ls.applied()
	return true
}

// move7 is 2-opt inside a route: reverse the segment X..V.
func (ls *localSearch) move7() bool {
	if ls.nodeU.position > ls.nodeV.position {
		return false
	}
	cost := ls.dd(ls.nodeUIndex, ls.nodeVIndex) + ls.dd(ls.nodeXIndex, ls.nodeYIndex) - ls.dd(ls.nodeUIndex, ls.nodeXIndex) - ls.dd(ls.nodeVIndex, ls.nodeYIndex) +
		ls.nodeV.cumReversal - ls.nodeX.cumReversal
	if cost > -epsilon || ls.nodeU.next == ls.nodeV {
		return false
	}
	nodeNum := ls.nodeX.next
	ls.nodeX.prev = nodeNum
	ls.nodeX.next = ls.nodeY
	for nodeNum != ls.nodeV {
		temp := nodeNum.next
		nodeNum.next = nodeNum.prev
		nodeNum.prev = temp
		nodeNum = temp
	}
	ls.nodeV.next = ls.nodeV.prev
	ls.nodeV.prev = ls.nodeU
	ls.nodeU.next = ls.nodeV
	ls.nodeY.prev = ls.nodeX
	ls.applied()
	return true
}

// move8 is 2-opt* between routes joining U→V and X→Y, reversing parts.
func (ls *localSearch) move8() bool {
	ru, rv := ls.routeU, ls.routeV
	u, v, x, y := ls.nodeU, ls.nodeV, ls.nodeX, ls.nodeY
	cost := ls.dd(ls.nodeUIndex, ls.nodeVIndex) + ls.dd(ls.nodeXIndex, ls.nodeYIndex) - ls.dd(ls.nodeUIndex, ls.nodeXIndex) - ls.dd(ls.nodeVIndex, ls.nodeYIndex) +
		v.cumReversal + ru.reversalDistance - x.cumReversal - ru.penalty - rv.penalty
	if cost >= 0 {
		return false
	}
	cost += ls.penaltyLoad(u.cumLoad+v.cumLoad) + ls.penaltyLoad(ru.load+rv.load-u.cumLoad-v.cumLoad)
	if cost > -epsilon {
		return false
	}
	if !ls.fleetAllows(u.position+v.position, ru.nbCustomers-u.position+rv.nbCustomers-v.position) {
		return false
	}
	depotU, depotV := ru.depot, rv.depot
	depotUFin, depotVFin := depotU.prev, depotV.prev
	depotVSucc := depotV.next

	xx := x
	for !xx.isDepot {
		temp := xx.next
		xx.next = xx.prev
		xx.prev = temp
		xx.route = rv
		xx = temp
	}
	vv := v
	for !vv.isDepot {
		temp := vv.prev
		vv.prev = vv.next
		vv.next = temp
		vv.route = ru
		vv = temp
	}
	u.next = v
	v.prev = u
	x.next = y
	y.prev = x
	switch {
	case x.isDepot:
		depotUFin.next = depotU
		depotUFin.prev = depotVSucc
		depotUFin.prev.next = depotUFin
		depotV.next = y
		y.prev = depotV
	case v.isDepot:
		depotV.next = depotUFin.prev
		depotV.next.prev = depotV
		depotV.prev = depotVFin
		depotUFin.prev = u
		u.next = depotUFin
	default:
		depotV.next = depotUFin.prev
		depotV.next.prev = depotV
		depotUFin.prev = depotVSucc
		depotUFin.prev.next = depotUFin
	}
	ls.applied()
	return true
}

// move9 is 2-opt* between routes joining U→Y and V→X.
func (ls *localSearch) move9() bool {
	ru, rv := ls.routeU, ls.routeV
	u, v, x, y := ls.nodeU, ls.nodeV, ls.nodeX, ls.nodeY
	cost := ls.dd(ls.nodeUIndex, ls.nodeYIndex) + ls.dd(ls.nodeVIndex, ls.nodeXIndex) - ls.dd(ls.nodeUIndex, ls.nodeXIndex) - ls.dd(ls.nodeVIndex, ls.nodeYIndex) -
		ru.penalty - rv.penalty
	if cost >= 0 {
		return false
	}
	cost += ls.penaltyLoad(u.cumLoad+rv.load-v.cumLoad) + ls.penaltyLoad(v.cumLoad+ru.load-u.cumLoad)
	if cost > -epsilon {
		return false
	}
	if !ls.fleetAllows(u.position+rv.nbCustomers-v.position, v.position+ru.nbCustomers-u.position) {
		return false
	}
	depotU, depotV := ru.depot, rv.depot
	depotUFin, depotVFin := depotU.prev, depotV.prev
	depotUPred := depotUFin.prev

	for c := y; !c.isDepot; c = c.next {
		c.route = ru
	}
	for c := x; !c.isDepot; c = c.next {
		c.route = rv
	}
	u.next = y
	y.prev = u
	v.next = x
	x.prev = v
	if x.isDepot {
		depotUFin.prev = depotVFin.prev
		depotUFin.prev.next = depotUFin
		v.next = depotVFin
		depotVFin.prev = v
	} else {
		depotUFin.prev = depotVFin.prev
		depotUFin.prev.next = depotUFin
		depotVFin.prev = depotUPred
		depotUPred.next = depotVFin
	}
	ls.applied()
	return true
}

// swapStar tries SWAP* (exchange U of route U and V of route V, each
// reinserted at its best place in the other route) and the relocations it
// evaluates for free, and applies the best improving one.
func (ls *localSearch) swapStar(minRoutes int) bool {
	ru, rv := ls.routeU, ls.routeV
	ls.preprocessInsertions(ru, rv)
	ls.preprocessInsertions(rv, ru)
	bestCost := 1e30
	var bestU, bestV, bestPosU, bestPosV *lsNode
	dem := ls.d.demand
	for u := ru.depot.next; !u.isDepot; u = u.next {
		for v := rv.depot.next; !v.isDepot; v = v.next {
			deltaPenU := ls.penaltyLoad(ru.load+dem[v.cour]-dem[u.cour]) - ru.penalty
			deltaPenV := ls.penaltyLoad(rv.load+dem[u.cour]-dem[v.cour]) - rv.penalty
			if deltaPenU+u.deltaRemoval+deltaPenV+v.deltaRemoval > 0 {
				continue
			}
			extraV, posU := ls.cheapestInsertSimultRemoval(u, v)
			extraU, posV := ls.cheapestInsertSimultRemoval(v, u)
			c := deltaPenU + u.deltaRemoval + extraU + deltaPenV + v.deltaRemoval + extraV
			if c < bestCost {
				bestCost, bestU, bestV, bestPosU, bestPosV = c, u, v, posU, posV
			}
		}
	}
	// Relocations of one customer to the other route.
	if ru.nbCustomers > 1 || minRoutes == 0 || len(ls.routes)-ls.nbEmpty > minRoutes {
		for u := ru.depot.next; !u.isDepot; u = u.next {
			bi := &ls.bestInsert[rv.cour][u.cour]
			c := ls.dd(u.prev.cour, u.next.cour) - ls.dd(u.prev.cour, u.cour) - ls.dd(u.cour, u.next.cour) + bi.cost[0] +
				ls.penaltyLoad(ru.load-dem[u.cour]) - ru.penalty + ls.penaltyLoad(rv.load+dem[u.cour]) - rv.penalty
			if c < bestCost {
				bestCost, bestU, bestV, bestPosU, bestPosV = c, u, nil, bi.loc[0], nil
			}
		}
	}
	if rv.nbCustomers > 1 || minRoutes == 0 || len(ls.routes)-ls.nbEmpty > minRoutes {
		for v := rv.depot.next; !v.isDepot; v = v.next {
			bi := &ls.bestInsert[ru.cour][v.cour]
			c := ls.dd(v.prev.cour, v.next.cour) - ls.dd(v.prev.cour, v.cour) - ls.dd(v.cour, v.next.cour) + bi.cost[0] +
				ls.penaltyLoad(ru.load+dem[v.cour]) - ru.penalty + ls.penaltyLoad(rv.load-dem[v.cour]) - rv.penalty
			if c < bestCost {
				bestCost, bestU, bestV, bestPosU, bestPosV = c, nil, v, nil, bi.loc[0]
			}
		}
	}
	if bestCost > -epsilon {
		return false
	}
	if bestPosU != nil {
		insertNode(bestU, bestPosU)
	}
	if bestPosV != nil {
		insertNode(bestV, bestPosV)
	}
	ls.nbMoves++
	ls.updateRoute(ru)
	ls.updateRoute(rv)
	return true
}

// cheapestInsertSimultRemoval returns the cheapest cost of inserting u in
// v's route once v has left it, and the node to insert u after.
func (ls *localSearch) cheapestInsertSimultRemoval(u, v *lsNode) (float64, *lsNode) {
	bi := &ls.bestInsert[v.route.cour][u.cour]
	pos, cost := bi.loc[0], bi.cost[0]
	found := pos.cour != v.cour && pos.next.cour != v.cour
	if !found && bi.loc[1] != nil {
		pos, cost = bi.loc[1], bi.cost[1]
		found = pos.cour != v.cour && pos.next.cour != v.cour
		if !found && bi.loc[2] != nil {
			pos, cost = bi.loc[2], bi.cost[2]
			found = true
		}
	}
	// Inserting u in v's place.
	delta := ls.dd(v.prev.cour, u.cour) + ls.dd(u.cour, v.next.cour) - ls.dd(v.prev.cour, v.next.cour)
	if !found || delta < cost {
		pos, cost = v.prev, delta
	}
	return cost, pos
}

func (ls *localSearch) preprocessInsertions(r1, r2 *lsRoute) {
	for u := r1.depot.next; !u.isDepot; u = u.next {
		u.deltaRemoval = ls.dd(u.prev.cour, u.next.cour) - ls.dd(u.prev.cour, u.cour) - ls.dd(u.cour, u.next.cour)
		bi := &ls.bestInsert[r2.cour][u.cour]
		if bi.version != r2.version {
			bi.reset()
			bi.version = r2.version
			first := r2.depot.next
			bi.cost[0] = ls.dd(0, u.cour) + ls.dd(u.cour, first.cour) - ls.dd(0, first.cour)
			bi.loc[0] = r2.depot
			for v := first; !v.isDepot; v = v.next {
				bi.add(ls.dd(v.cour, u.cour)+ls.dd(u.cour, v.next.cour)-ls.dd(v.cour, v.next.cour), v)
			}
		}
	}
}

// updateRoute recomputes a route's positions, cumulated loads, reversal
// costs, penalty and polar sector after a move.
func (ls *localSearch) updateRoute(r *lsRoute) {
	place, load := 0, 0
	reversal, dist := 0.0, 0.0
	cumX, cumY := 0.0, 0.0
	node := r.depot
	node.position, node.cumLoad, node.cumReversal = 0, 0, 0
	first := true
	in := ls.d.in
	for !node.isDepot || first {
		prevCour := node.cour
		node = node.next
		place++
		node.position = place
		load += ls.d.demand[node.cour]
		dist += ls.dd(prevCour, node.cour)
		reversal += ls.dd(node.cour, prevCour) - ls.dd(prevCour, node.cour)
		node.cumLoad = load
		node.cumReversal = reversal
		if !node.isDepot {
			if ls.d.hasCoords {
				cumX += in.X[node.cour]
				cumY += in.Y[node.cour]
				if first {
					r.sector.init(ls.d.polar[node.cour])
				} else {
					r.sector.extend(ls.d.polar[node.cour])
				}
			}
		}
		first = false
	}
	r.load = load
	r.penalty = ls.penaltyLoad(load)
	r.nbCustomers = place - 1
	r.reversalDistance = reversal
	r.distance = dist
	r.whenLastModified = ls.nbMoves
	ls.versions++
	r.version = ls.versions
	wasEmpty := ls.empty[r.cour]
	if r.nbCustomers == 0 {
		r.polarBarycenter = 1e30
		if !wasEmpty {
			ls.empty[r.cour] = true
			ls.nbEmpty++
		}
	} else {
		if ls.d.hasCoords {
			n := float64(r.nbCustomers)
			r.polarBarycenter = math.Atan2(cumY/n-in.Y[0], cumX/n-in.X[0])
		} else {
			r.polarBarycenter = float64(r.cour)
		}
		if wasEmpty {
			ls.empty[r.cour] = false
			ls.nbEmpty--
		}
	}
}

// load builds the linked lists from an individual's routes.
func (ls *localSearch) load(ind *individual) {
	ls.nbMoves = 0
	ls.lastDescent = -1
	ls.lastSwapPass = -1
	ls.nbEmpty = 0
	for r := range ls.routes {
		ls.empty[r] = false
	}
	for r := range ls.routes {
		depot, depotFin, route := &ls.depots[r], &ls.depotsEnd[r], &ls.routes[r]
		depot.prev = depotFin
		depotFin.next = depot
		if rt := ind.routes[r]; len(rt) > 0 {
			c := &ls.clients[rt[0]]
			c.route = route
			c.prev = depot
			depot.next = c
			for _, k := range rt[1:] {
				p := c
				c = &ls.clients[k]
				c.prev = p
				p.next = c
				c.route = route
			}
			c.next = depotFin
			depotFin.prev = c
		} else {
			depot.next = depotFin
			depotFin.prev = depot
		}
		ls.updateRoute(route)
		route.whenLastTestedSWAPStar = -1
	}
	for i := 1; i <= ls.d.n; i++ {
		ls.clients[i].whenLastTestedRI = -1
	}
}

// export writes the routes back into ind, ordered by polar angle so that
// the giant tour keeps neighbouring routes together.
func (ls *localSearch) export(ind *individual, evalPenalty float64) {
	order := ls.orderBuf
	for r := range order {
		order[r] = r
	}
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := ls.routes[a].polarBarycenter, ls.routes[b].polarBarycenter
		switch {
		case pa < pb:
			return -1
		case pa > pb:
			return 1
		}
		return 0
	})
	pos := 0
	for r, src := range order {
		ind.routes[r] = ind.routes[r][:0]
		for node := ls.depots[src].next; !node.isDepot; node = node.next {
			ind.giant[pos] = node.cour
			ind.routes[r] = append(ind.routes[r], node.cour)
			pos++
		}
	}
	ind.evaluate(ls.d, evalPenalty)
}
