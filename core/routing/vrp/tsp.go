package vrp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// SolveTSP finds a short closed tour through all nodes of in with an
// iterated local search: 2-opt and Or-opt moves (segments of up to three
// nodes, either orientation) over nearest-neighbour candidate lists with
// don't-look bits, perturbed by double bridges between nearby tour
// positions and accepted when not worse. Demands, if any, are ignored.
// It stops at cfg.TimeLimit, after cfg.MaxIterations perturbations, or
// when ctx is done.
func SolveTSP(ctx context.Context, in *Instance, cfg Config) (*TourResult, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	for i := range in.N {
		for j := i + 1; j < in.N; j++ {
			if in.D(i, j) != in.D(j, i) {
				return nil, fmt.Errorf("vrp: %s: distance %d→%d is %d but %d→%d is %d; the TSP solver needs symmetric distances", in.Name, i, j, in.D(i, j), j, i, in.D(j, i))
			}
		}
	}
	bounds, err := newBounds(ctx, cfg)
	if err != nil {
		return nil, err
	}
	workers := max(1, cfg.Workers)
	cand := tspCandidates(in, 10)
	runs := make([]*tspRun, workers)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := newTSPRun(in, cand, cfg.Seed+uint64(w), &bounds)
			if cfg.OnImprove != nil {
				t.onImprove = func(cost int64, iter int) {
					mu.Lock()
					defer mu.Unlock()
					cfg.OnImprove(Progress{Worker: w, Cost: cost, Iteration: iter, Elapsed: time.Since(bounds.start)})
				}
			}
			t.run()
			runs[w] = t
		}()
	}
	wg.Wait()
	res := &TourResult{Elapsed: time.Since(bounds.start)}
	var best *tspRun
	for _, t := range runs {
		res.Iterations += t.iter
		if best == nil || t.bestCost < best.bestCost {
			best = t
		}
	}
	tour := make([]int, in.N)
	start := slices.Index(best.best, 0)
	for i := range tour {
		tour[i] = int(best.best[(start+i)%in.N])
	}
	cost, err := TourCost(in, tour)
	if err != nil || cost != best.bestCost {
		return nil, fmt.Errorf("vrp: internal error, TSP tour costs %d, solver reported %d: %v", cost, best.bestCost, err)
	}
	res.Tour, res.Cost, res.TimeToBest, res.Seed = tour, cost, best.timeToBest, best.seed
	return res, nil
}

// tspCandidates returns each node's k nearest other nodes, nearest first.
func tspCandidates(in *Instance, k int) [][]int32 {
	out := make([][]int32, in.N)
	buf := make([]int32, 0, in.N)
	for i := range in.N {
		out[i] = kNearest(in.Dist[i*in.N:(i+1)*in.N], 0, in.N, i, k, buf)
	}
	return out
}

// tspRun is one worker of the TSP iterated local search. The tour is an
// array with the position of each node, so that 2-opt reverses the shorter
// side of the tour.
type tspRun struct {
	in     *Instance
	n      int
	dist   []int32
	cand   [][]int32
	rng    *rand.Rand
	seed   uint64
	bounds *runBounds

	tour, pos  []int32
	saveTour   []int32
	cost       int64
	queue      []int32
	queued     []bool
	best       []int32
	bestCost   int64
	iter       int
	timeToBest time.Duration
	onImprove  func(cost int64, iter int)
	window     int
	segmentBuf []int32
}

func newTSPRun(in *Instance, cand [][]int32, seed uint64, b *runBounds) *tspRun {
	n := in.N
	return &tspRun{
		in: in, n: n, dist: in.Dist, cand: cand, seed: seed, bounds: b,
		rng:        rand.New(rand.NewPCG(seed, 0x75b_5eed)),
		tour:       make([]int32, n),
		pos:        make([]int32, n),
		saveTour:   make([]int32, n),
		queued:     make([]bool, n),
		best:       make([]int32, n),
		window:     max(8, min(tspWindow, n/4)),
		segmentBuf: make([]int32, n),
	}
}

func (t *tspRun) d(a, b int32) int64 { return int64(t.dist[int(a)*t.n+int(b)]) }

func (t *tspRun) succ(a int32) int32 {
	p := t.pos[a] + 1
	if int(p) == t.n {
		p = 0
	}
	return t.tour[p]
}

func (t *tspRun) pred(a int32) int32 {
	p := t.pos[a] - 1
	if p < 0 {
		p = int32(t.n - 1)
	}
	return t.tour[p]
}

func (t *tspRun) push(a int32) {
	if !t.queued[a] {
		t.queued[a] = true
		t.queue = append(t.queue, a)
	}
}

// reversePositions reverses the tour between positions i and j inclusive,
// walking forward from i (wrapping around the end).
func (t *tspRun) reversePositions(i, j int) {
	n := t.n
	length := (j-i+n)%n + 1
	for k := 0; k < length/2; k++ {
		a, b := t.tour[i], t.tour[j]
		t.tour[i], t.tour[j] = b, a
		t.pos[b], t.pos[a] = int32(i), int32(j)
		i++
		if i == n {
			i = 0
		}
		j--
		if j < 0 {
			j = n - 1
		}
	}
}

// exchange removes edges {a,b} and {c,d} and adds {a,c} and {b,d}. The
// tour must run a→b … c→d in one orientation or the other.
func (t *tspRun) exchange(a, b, c, d int32) {
	if t.succ(a) != b {
		a, b, c, d = b, a, d, c
	}
	// Now a→b and c→d: reverse the path b..c, or its complement d..a.
	i, j := int(t.pos[b]), int(t.pos[c])
	inner := (j-i+t.n)%t.n + 1
	if 2*inner <= t.n {
		t.reversePositions(i, j)
	} else {
		t.reversePositions(int(t.pos[d]), int(t.pos[a]))
	}
}

// improveNode tries 2-opt and Or-opt moves around a and applies the first
// improving one. It reports whether it changed the tour.
func (t *tspRun) improveNode(a int32) bool {
	for dir := 0; dir < 2; dir++ {
		var b int32
		if dir == 0 {
			b = t.succ(a)
		} else {
			b = t.pred(a)
		}
		dab := t.d(a, b)
		for _, c := range t.cand[a] {
			g1 := dab - t.d(a, c)
			if g1 <= 0 {
				break
			}
			var dn int32
			if dir == 0 {
				dn = t.succ(c)
			} else {
				dn = t.pred(c)
			}
			if c == b || dn == a {
				continue
			}
			if delta := t.d(b, dn) - t.d(c, dn) - g1; delta < 0 {
				t.exchange(a, b, c, dn)
				t.cost += delta
				t.push(a)
				t.push(b)
				t.push(c)
				t.push(dn)
				return true
			}
		}
	}
	return t.orOpt(a)
}

// orOpt moves a segment of 1–3 nodes starting at a (in either tour
// direction) between two neighbouring nodes elsewhere, in either
// orientation.
func (t *tspRun) orOpt(a int32) bool {
	for dir := 0; dir < 2; dir++ {
		next := t.succ
		prev := t.pred
		if dir == 1 {
			next, prev = t.pred, t.succ
		}
		s1 := a
		p := prev(s1)
		s2 := s1
		for length := 1; length <= 3 && length < t.n-2; length++ {
			if length > 1 {
				s2 = next(s2)
			}
			nx := next(s2)
			if nx == p {
				break
			}
			removeGain := t.d(p, s1) + t.d(s2, nx) - t.d(p, nx)
			if removeGain <= 0 {
				continue
			}
			for end := 0; end < 2; end++ {
				e := s1
				if end == 1 {
					e = s2
				}
				for _, c := range t.cand[e] {
					g := removeGain - t.d(e, c)
					if g <= 0 {
						break
					}
					if t.inSegment(c, s1, s2, next) {
						continue
					}
					// Try both tour edges at c, in the tour direction of this scan.
					for side := 0; side < 2; side++ {
						var x, y int32 // insert between x→y (x before y in scan direction)
						if side == 0 {
							x, y = c, next(c)
						} else {
							x, y = prev(c), c
						}
						// x == nx or y == p would swap the segment with one
						// neighbour; that is the Or-opt move of the neighbour.
						if x == s2 || y == s1 || x == nx || y == p {
							continue
						}
						if t.inSegment(x, s1, s2, next) || t.inSegment(y, s1, s2, next) {
							continue
						}
						// e is adjacent to c: choose the orientation that makes it so.
						var add int64
						var reversed bool
						switch {
						case c == x && e == s1: // x→s1..s2→y
							add = t.d(x, s1) + t.d(s2, y)
						case c == x && e == s2: // x→s2..s1→y
							add, reversed = t.d(x, s2)+t.d(s1, y), true
						case c == y && e == s2: // x→s1..s2→y
							add = t.d(x, s1) + t.d(s2, y)
						default: // c == y, e == s1: x→s2..s1→y
							add, reversed = t.d(x, s2)+t.d(s1, y), true
						}
						delta := add - t.d(x, y) - removeGain
						if delta >= 0 {
							continue
						}
						t.applyOrOpt(p, s1, s2, nx, x, y, reversed)
						t.cost += delta
						for _, v := range [...]int32{p, s1, s2, nx, x, y} {
							t.push(v)
						}
						return true
					}
				}
			}
		}
	}
	return false
}

// inSegment reports whether v lies on the path s1..s2 following next.
func (t *tspRun) inSegment(v, s1, s2 int32, next func(int32) int32) bool {
	for u := s1; ; u = next(u) {
		if u == v {
			return true
		}
		if u == s2 {
			return false
		}
	}
}

// applyOrOpt moves the path p→s1..s2→nx to between x and y as three (or
// two) edge exchanges: the result has edges p–nx, x–s1 and s2–y (or x–s2
// and s1–y when reversed).
func (t *tspRun) applyOrOpt(p, s1, s2, nx, x, y int32, reversed bool) {
	// p s1..s2 nx … x y  →  p x … nx s2..s1 y  (adds p–x, s1–y)
	t.exchange(p, s1, x, y)
	// p x … nx s2..s1 y  →  p nx … x s2..s1 y  (adds p–nx, x–s2)
	t.exchange(p, x, nx, s2)
	if !reversed {
		// x s2..s1 y → x s1..s2 y
		t.exchange(x, s2, s1, y)
	}
}

// localSearch empties the queue of active nodes.
func (t *tspRun) localSearch() bool {
	for k := 0; len(t.queue) > 0; k++ {
		if k&255 == 255 && t.bounds.expired() {
			return false
		}
		a := t.queue[len(t.queue)-1]
		t.queue = t.queue[:len(t.queue)-1]
		t.queued[a] = false
		for t.improveNode(a) {
		}
	}
	t.queue = t.queue[:0]
	return true
}

// initialTour builds a nearest-neighbour tour using the candidate lists,
// falling back to a full scan.
func (t *tspRun) initialTour() {
	n := t.n
	used := make([]bool, n)
	cur := int32(t.rng.IntN(n))
	for k := 0; k < n; k++ {
		t.tour[k] = cur
		t.pos[cur] = int32(k)
		used[cur] = true
		next := int32(-1)
		for _, c := range t.cand[cur] {
			if !used[c] {
				next = c
				break
			}
		}
		if next < 0 {
			bestD := int64(1 << 62)
			for j := range int32(n) {
				if !used[j] && t.d(cur, j) < bestD {
					bestD, next = t.d(cur, j), j
				}
			}
		}
		if next < 0 {
			break
		}
		cur = next
	}
	t.cost = 0
	for k := range n {
		t.cost += t.d(t.tour[k], t.tour[(k+1)%n])
	}
}

// perturb applies a double bridge inside a window of nearby positions:
// A B C D → A C B D, where B and C are consecutive short segments.
func (t *tspRun) perturb() {
	n := t.n
	if n < 8 {
		i, j := t.rng.IntN(n), t.rng.IntN(n)
		if i != j {
			a, b := t.tour[i], t.tour[j]
			t.tour[i], t.tour[j] = b, a
			t.pos[a], t.pos[b] = int32(j), int32(i)
			t.recomputeCost()
			for _, v := range [...]int32{a, b} {
				t.push(v)
				t.push(t.succ(v))
				t.push(t.pred(v))
			}
		}
		return
	}
	w := t.window
	lenB := 1 + t.rng.IntN(w)
	lenC := 1 + t.rng.IntN(w)
	if lenB+lenC > n-2 {
		lenB, lenC = 1, 1
	}
	start := t.rng.IntN(n) // position of the first node of B
	prevA := t.tour[(start-1+n)%n]
	b0 := t.tour[start]
	b1 := t.tour[(start+lenB-1)%n]
	c0 := t.tour[(start+lenB)%n]
	c1 := t.tour[(start+lenB+lenC-1)%n]
	d0 := t.tour[(start+lenB+lenC)%n]
	delta := t.d(prevA, c0) + t.d(c1, b0) + t.d(b1, d0) - t.d(prevA, b0) - t.d(b1, c0) - t.d(c1, d0)
	buf := t.segmentBuf[:0]
	for k := range lenC {
		buf = append(buf, t.tour[(start+lenB+k)%n])
	}
	for k := range lenB {
		buf = append(buf, t.tour[(start+k)%n])
	}
	for k, v := range buf {
		p := (start + k) % n
		t.tour[p] = v
		t.pos[v] = int32(p)
	}
	t.cost += delta
	for _, v := range [...]int32{prevA, b0, b1, c0, c1, d0} {
		t.push(v)
	}
}

func (t *tspRun) recomputeCost() {
	t.cost = 0
	for k := range t.n {
		t.cost += t.d(t.tour[k], t.tour[(k+1)%t.n])
	}
}

// threshold is how much worse than the current tour a new local optimum
// may be and still be accepted: a fraction of the mean edge length that
// shrinks to zero as the run nears its end, so the search can leave deep
// local optima early and settles at the end.
func (t *tspRun) threshold() int64 {
	frac := t.bounds.progress(t.iter)
	return int64(tspThresholdScale * (1 - frac) * float64(t.bestCost) / float64(t.n))
}

// tspThresholdScale is the starting threshold in mean edge lengths; 0.1
// let pr1002 and att532 stall halfway through a 10 s run.
const tspThresholdScale = 1.0

// tspWindow bounds the length of the two segments a double bridge swaps.
const tspWindow = 50

func (t *tspRun) done() bool {
	return (t.bounds.maxIter > 0 && t.iter >= t.bounds.maxIter) || t.bounds.expired()
}

func (t *tspRun) run() {
	t.initialTour()
	for v := range int32(t.n) {
		t.push(v)
	}
	t.localSearch()
	copy(t.best, t.tour)
	t.bestCost = t.cost
	t.timeToBest = time.Since(t.bounds.start)
	if t.n < 5 {
		t.bruteForceSmall()
		return
	}
	for !t.done() {
		t.iter++
		copy(t.saveTour, t.tour)
		before := t.cost
		t.perturb()
		complete := t.localSearch()
		if !complete || t.cost > before+t.threshold() {
			copy(t.tour, t.saveTour)
			for k, v := range t.tour {
				t.pos[v] = int32(k)
			}
			for _, v := range t.queue {
				t.queued[v] = false
			}
			t.queue = t.queue[:0]
			t.cost = before
			continue
		}
		if t.cost < t.bestCost {
			copy(t.best, t.tour)
			t.bestCost = t.cost
			t.timeToBest = time.Since(t.bounds.start)
			if t.onImprove != nil {
				t.onImprove(t.bestCost, t.iter)
			}
		}
	}
}

// bruteForceSmall solves tours of fewer than five nodes exactly.
func (t *tspRun) bruteForceSmall() {
	n := t.n
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			var c int64
			for i := range n {
				c += t.d(perm[i], perm[(i+1)%n])
			}
			if c < t.bestCost {
				t.bestCost = c
				copy(t.best, perm)
			}
			return
		}
		for i := k; i < n; i++ {
			perm[k], perm[i] = perm[i], perm[k]
			rec(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	rec(1)
	t.iter = 1
}
