package vrp

import (
	"math"
	"math/rand/v2"
	"slices"
)

// population holds the feasible and infeasible subpopulations of the
// hybrid genetic search, ordered by penalised cost, with the broken-pairs
// distances that drive the diversity part of the biased fitness.
type population struct {
	d           *hgsData
	rng         *rand.Rand
	feasible    []*individual
	infeasible  []*individual
	feasHistory []bool // feasibility of the last 100 offspring after local search
	penalty     float64
	best        *individual // best feasible since the start
	bestRestart *individual // best feasible since the last restart
	free        []*individual
	rankBuf     []rankEntry
}

type rankEntry struct {
	div float64
	idx int
}

func newPopulation(d *hgsData, rng *rand.Rand) *population {
	p := &population{d: d, rng: rng}
	if d.maxDemand > 0 {
		p.penalty = math.Max(0.1, math.Min(1000, d.maxDist/float64(d.maxDemand)))
	} else {
		p.penalty = 1
	}
	return p
}

func (p *population) alloc() *individual {
	if k := len(p.free); k > 0 {
		ind := p.free[k-1]
		p.free = p.free[:k-1]
		return ind
	}
	return newIndividual(p.d)
}

func (p *population) recycle(ind *individual) {
	ind.proximity = ind.proximity[:0]
	p.free = append(p.free, ind)
}

// add inserts a copy of ind. It reports whether ind is a new best feasible
// solution since the last restart.
func (p *population) add(ind *individual, updateFeasible bool) bool {
	if updateFeasible {
		p.feasHistory = append(p.feasHistory, ind.feasible)
		if len(p.feasHistory) > 100 {
			p.feasHistory = p.feasHistory[1:]
		}
	}
	sub := &p.infeasible
	if ind.feasible {
		sub = &p.feasible
	}
	cp := p.alloc()
	cp.copyFrom(ind)
	for _, o := range *sub {
		dist := cp.brokenPairs(o)
		o.addProximity(dist, cp)
		cp.addProximity(dist, o)
	}
	place := len(*sub)
	for place > 0 && (*sub)[place-1].penalizedCost > ind.penalizedCost-epsilon {
		place--
	}
	*sub = slices.Insert(*sub, place, cp)
	if len(*sub) > p.d.tune.mu+p.d.tune.lambda {
		for len(*sub) > p.d.tune.mu {
			p.removeWorst(sub)
		}
	}
	if ind.feasible && (p.bestRestart == nil || ind.penalizedCost < p.bestRestart.penalizedCost-epsilon) {
		if p.bestRestart == nil {
			p.bestRestart = newIndividual(p.d)
		}
		p.bestRestart.copyFrom(ind)
		if p.best == nil || ind.penalizedCost < p.best.penalizedCost-epsilon {
			if p.best == nil {
				p.best = newIndividual(p.d)
			}
			p.best.copyFrom(ind)
		}
		return true
	}
	return false
}

// updateBiasedFitness ranks a subpopulation by cost and by diversity
// contribution and combines the ranks.
func (p *population) updateBiasedFitness(sub []*individual) {
	if len(sub) == 0 {
		return
	}
	if len(sub) == 1 {
		sub[0].biasedFitness = 0
		return
	}
	p.rankBuf = p.rankBuf[:0]
	for i, ind := range sub {
		p.rankBuf = append(p.rankBuf, rankEntry{-ind.avgClosest(p.d.tune.nbClose), i})
	}
	slices.SortStableFunc(p.rankBuf, func(a, b rankEntry) int {
		switch {
		case a.div < b.div:
			return -1
		case a.div > b.div:
			return 1
		}
		return a.idx - b.idx
	})
	n := float64(len(sub) - 1)
	for i, r := range p.rankBuf {
		divRank := float64(i) / n
		fitRank := float64(r.idx) / n
		if len(sub) <= p.d.tune.nbElite {
			sub[r.idx].biasedFitness = fitRank
		} else {
			sub[r.idx].biasedFitness = fitRank + (1-float64(p.d.tune.nbElite)/float64(len(sub)))*divRank
		}
	}
}

// removeWorst removes the individual with the worst biased fitness,
// clones first; the best (index 0) is never removed.
func (p *population) removeWorst(sub *[]*individual) {
	s := *sub
	p.updateBiasedFitness(s)
	worst := -1
	worstClone := false
	worstFit := -1e30
	for i := 1; i < len(s); i++ {
		clone := s[i].avgClosest(1) < epsilon
		if (clone && !worstClone) || (clone == worstClone && s[i].biasedFitness > worstFit) {
			worstFit, worstClone, worst = s[i].biasedFitness, clone, i
		}
	}
	victim := s[worst]
	*sub = slices.Delete(s, worst, worst+1)
	for _, o := range *sub {
		o.removeProximity(victim)
	}
	p.recycle(victim)
}

// managePenalty steers the capacity penalty towards the target share of
// feasible offspring and re-sorts the infeasible subpopulation.
func (p *population) managePenalty() {
	if len(p.feasHistory) == 0 {
		return
	}
	feas := 0
	for _, f := range p.feasHistory {
		if f {
			feas++
		}
	}
	frac := float64(feas) / float64(len(p.feasHistory))
	target := p.d.tune.targetFeasible
	switch {
	case frac < target-0.05 && p.penalty < 100000:
		p.penalty = math.Min(p.penalty*1.2, 100000)
	case frac > target+0.05 && p.penalty > 0.1:
		p.penalty = math.Max(p.penalty*0.85, 0.1)
	}
	for _, ind := range p.infeasible {
		ind.penalizedCost = ind.distance + p.penalty*float64(ind.capacityExcess)
	}
	slices.SortStableFunc(p.infeasible, func(a, b *individual) int {
		switch {
		case a.penalizedCost < b.penalizedCost-epsilon:
			return -1
		case a.penalizedCost > b.penalizedCost+epsilon:
			return 1
		}
		return 0
	})
}

// tournament picks two individuals uniformly and keeps the one with the
// better biased fitness.
func (p *population) tournament() *individual {
	nf, ni := len(p.feasible), len(p.infeasible)
	pick := func() *individual {
		k := p.rng.IntN(nf + ni)
		if k < nf {
			return p.feasible[k]
		}
		return p.infeasible[k-nf]
	}
	a, b := pick(), pick()
	p.updateBiasedFitness(p.feasible)
	p.updateBiasedFitness(p.infeasible)
	if a.biasedFitness < b.biasedFitness {
		return a
	}
	return b
}

// parents picks two parents by tournament, retrying a few times when they
// are identical.
func (p *population) parents() (*individual, *individual) {
	a, b := p.tournament(), p.tournament()
	for tries := 1; tries < 10 && a.brokenPairs(b) < epsilon; tries++ {
		b = p.tournament()
	}
	return a, b
}

// restart empties both subpopulations, keeping the overall best.
func (p *population) restart() {
	for _, ind := range p.feasible {
		p.recycle(ind)
	}
	for _, ind := range p.infeasible {
		p.recycle(ind)
	}
	p.feasible, p.infeasible = p.feasible[:0], p.infeasible[:0]
	p.bestRestart = nil
}

// size returns the number of individuals held.
func (p *population) size() int { return len(p.feasible) + len(p.infeasible) }
