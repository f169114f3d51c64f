package siting

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// PMedian chooses k sites among candidate demand points to minimise the
// demand-weighted distance (the p-median problem). It starts from a greedy
// construction (add the site that saves most, k times) and improves it by
// fast interchange (Teitz and Bart's swap search in Whitaker's form: for
// each candidate site, the best site to close is found in one pass over
// the demand points using each point's nearest and second-nearest open
// sites) until no swap improves. The result is a local optimum for single
// swaps; on small instances it is usually optimal. Time grows with points ×
// candidates × k per pass: for more than a few thousand points, pass fewer
// Candidates or aggregate the demand.
func PMedian(points []Point, k int, cfg Config) (*Solution, error) {
	g, err := prepare(points, cfg)
	if err != nil {
		return nil, err
	}
	cands := cfg.Candidates
	if cands == nil {
		cands = make([]int, len(points))
		for i := range cands {
			cands[i] = i
		}
	} else {
		seen := map[int]bool{}
		for _, c := range cands {
			if c < 0 || c >= len(points) {
				return nil, fmt.Errorf("siting: candidate site %d is not a point index (0..%d)", c, len(points)-1)
			}
			if seen[c] {
				return nil, fmt.Errorf("siting: candidate site %d (%q) listed twice", c, points[c].ID)
			}
			seen[c] = true
		}
	}
	if err := checkK(k, len(cands)); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	pm := newPMedian(g, cands, rand.New(rand.NewPCG(cfg.Seed, 0x706d6564)))
	var open []int
	bestCost := math.Inf(1)
	for r := range cfg.Restarts {
		if r == 0 {
			pm.greedy(k)
		} else {
			pm.randomStart(k)
		}
		pm.interchange()
		if c := pm.cost(); c < bestCost-1e-12*math.Max(1, c) {
			bestCost, open = c, slices.Clone(pm.open)
		}
	}
	slices.Sort(open)
	sites := make([]Center, len(open))
	for c, f := range open {
		sites[c] = Center{X: points[f].X, Y: points[f].Y, Point: f, ID: points[f].ID}
	}
	return g.solution("pmedian", points, sites), nil
}

// pmedian is the interchange state: open sites and, per demand point, the
// nearest and second-nearest open site.
type pmedian struct {
	g      *geo
	matrix []float32 // distances point × candidate slot, when small enough
	slotOf []int     // candidate slot of each point, -1 if not a candidate
	cands  []int
	rng    *rand.Rand
	open   []int // point indices of open sites
	isOpen []bool
	c1, c2 []int     // nearest and second-nearest open site per point (-1 if none)
	d1, d2 []float64 // their distances
	loss   []float64 // scratch, per open slot
}

// maxMatrix bounds the cached distance matrix (entries of 4 bytes).
const maxMatrix = 1 << 23

func newPMedian(g *geo, cands []int, rng *rand.Rand) *pmedian {
	n := len(g.w)
	pm := &pmedian{
		g: g, cands: cands, rng: rng,
		isOpen: make([]bool, n),
		c1:     make([]int, n), c2: make([]int, n),
		d1: make([]float64, n), d2: make([]float64, n),
		slotOf: make([]int, n),
	}
	for i := range pm.slotOf {
		pm.slotOf[i] = -1
	}
	for s, f := range cands {
		pm.slotOf[f] = s
	}
	if n*len(cands) <= maxMatrix {
		m := len(cands)
		pm.matrix = make([]float32, n*m)
		for i := range n {
			for s, f := range cands {
				pm.matrix[i*m+s] = float32(g.distPoints(i, f))
			}
		}
	}
	return pm
}

// dist is the distance from point i to candidate site f.
func (pm *pmedian) dist(i, f int) float64 {
	if pm.matrix != nil {
		return float64(pm.matrix[i*len(pm.cands)+pm.slotOf[f]])
	}
	return pm.g.distPoints(i, f)
}

// randomStart opens k random candidate sites.
func (pm *pmedian) randomStart(k int) {
	for _, f := range pm.open {
		pm.isOpen[f] = false
	}
	pm.open = pm.open[:0]
	for _, s := range pm.rng.Perm(len(pm.cands))[:k] {
		f := pm.cands[s]
		pm.open = append(pm.open, f)
		pm.isOpen[f] = true
	}
	pm.reassign()
}

func (pm *pmedian) cost() float64 {
	s := 0.0
	for i, w := range pm.g.w {
		s += w * pm.d1[i]
	}
	return s
}

// greedy opens k sites one at a time, each the one that saves most.
func (pm *pmedian) greedy(k int) {
	n := len(pm.g.w)
	for _, f := range pm.open {
		pm.isOpen[f] = false
	}
	pm.open = pm.open[:0]
	for i := range n {
		pm.c1[i], pm.c2[i] = -1, -1
		pm.d1[i], pm.d2[i] = math.Inf(1), math.Inf(1)
	}
	for len(pm.open) < k {
		best, bestCost := -1, math.Inf(1)
		for _, f := range pm.cands {
			if pm.isOpen[f] {
				continue
			}
			c := 0.0
			for i := range n {
				c += pm.g.w[i] * math.Min(pm.d1[i], pm.dist(i, f))
			}
			if c < bestCost {
				best, bestCost = f, c
			}
		}
		pm.open = append(pm.open, best)
		pm.isOpen[best] = true
		pm.reassign()
	}
}

// reassign recomputes nearest and second-nearest open sites.
func (pm *pmedian) reassign() {
	for i := range pm.g.w {
		pm.c1[i], pm.c2[i] = -1, -1
		pm.d1[i], pm.d2[i] = math.Inf(1), math.Inf(1)
		for slot, f := range pm.open {
			d := pm.dist(i, f)
			switch {
			case d < pm.d1[i]:
				pm.c2[i], pm.d2[i] = pm.c1[i], pm.d1[i]
				pm.c1[i], pm.d1[i] = slot, d
			case d < pm.d2[i]:
				pm.c2[i], pm.d2[i] = slot, d
			}
		}
	}
}

// interchange applies improving swaps (first improvement over candidates in
// random order, best site to close for each) until none is left.
func (pm *pmedian) interchange() {
	n := len(pm.g.w)
	k := len(pm.open)
	if k == len(pm.cands) {
		return
	}
	pm.loss = make([]float64, k)
	order := slices.Clone(pm.cands)
	const minGain = 1e-12
	tol := minGain * math.Max(1, pm.cost())
	for improved := true; improved; {
		improved = false
		pm.rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, f := range order {
			if pm.isOpen[f] {
				continue
			}
			// Gain of opening f; loss of then closing each open slot.
			gain := 0.0
			clear(pm.loss)
			for i := range n {
				w := pm.g.w[i]
				if w == 0 {
					continue
				}
				d := pm.dist(i, f)
				if d < pm.d1[i] {
					gain += w * (pm.d1[i] - d)
					// Closing any slot leaves f or the nearest: no loss.
				} else {
					// Closing the nearest sends i to f or its second.
					pm.loss[pm.c1[i]] += w * (math.Min(d, pm.d2[i]) - pm.d1[i])
				}
			}
			bestSlot := 0
			for s := 1; s < k; s++ {
				if pm.loss[s] < pm.loss[bestSlot] {
					bestSlot = s
				}
			}
			if gain-pm.loss[bestSlot] > tol {
				pm.isOpen[pm.open[bestSlot]] = false
				pm.open[bestSlot] = f
				pm.isOpen[f] = true
				pm.reassign()
				improved = true
				tol = minGain * math.Max(1, pm.cost())
			}
		}
	}
}
