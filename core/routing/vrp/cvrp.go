package vrp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// SolveCVRP solves a capacitated vehicle routing problem with cfg.Method:
// a hybrid genetic search (Vidal 2022: giant-tour crossover, Split,
// granular local search with relocate, swap, 2-opt, 2-opt* and SWAP*,
// penalised capacity and diversity management) or an iterated local search
// (SISR-style string removal and greedy reinsertion with blinks, the same
// local search around the changed routes, simulated annealing). It stops
// at cfg.TimeLimit, after cfg.MaxIterations, or when ctx is done, whichever
// comes first, and returns the best feasible solution found, checked with
// [Check].
//
// It returns an error wrapping [ErrInfeasible] when no feasible solution
// exists or none was found before the limit, and [ErrNoBound] when nothing
// would stop it.
func SolveCVRP(ctx context.Context, in *Instance, cfg Config) (*Result, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.Demand == nil {
		return nil, fmt.Errorf("vrp: %s has no demands; use SolveTSP for a travelling salesman problem", in.Name)
	}
	if err := in.validateFleet(cfg.Fleet); err != nil {
		return nil, err
	}
	bounds, err := newBounds(ctx, cfg)
	if err != nil {
		return nil, err
	}
	method := cfg.Method
	if method == MethodAuto {
		method = MethodHGS
		if in.N-1 > autoILSThreshold {
			method = MethodILS
		}
	}
	tune := defaultTuning()
	if method == MethodILS {
		tune.granular = ilsGranular
	}
	data := newHGSData(in, cfg.Fleet, tune)
	workers := max(1, cfg.Workers)
	results := make([]cvrpWorker, workers)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var onImprove func(cost int64, iter int)
			if cfg.OnImprove != nil {
				onImprove = func(cost int64, iter int) {
					mu.Lock()
					defer mu.Unlock()
					cfg.OnImprove(Progress{Worker: w, Cost: cost, Iteration: iter, Elapsed: time.Since(bounds.start)})
				}
			}
			var run cvrpWorker
			if method == MethodILS {
				r := newILSRun(data, cfg.Seed+uint64(w), &bounds)
				r.onImprove = onImprove
				run = r
			} else {
				h := newHGSRun(data, cfg.Seed+uint64(w), &bounds)
				h.onImprove = onImprove
				run = h
			}
			run.run()
			results[w] = run
		}()
	}
	wg.Wait()
	res := &Result{Elapsed: time.Since(bounds.start)}
	var best *workerResult
	for _, w := range results {
		r := w.result()
		res.Iterations += r.iter
		if r.routes != nil && (best == nil || r.cost < best.cost) {
			best = &r
		}
	}
	if best == nil {
		return nil, fmt.Errorf("vrp: %s: no feasible solution found in %v (%d iterations) with %s; allow more time or check the fleet rule: %w",
			in.Name, res.Elapsed.Round(time.Millisecond), res.Iterations, cfg.Fleet, ErrInfeasible)
	}
	cost, err := Check(in, best.routes, cfg.Fleet)
	if err != nil || cost != best.cost {
		return nil, fmt.Errorf("vrp: internal error, solver returned an invalid solution (cost %d, reported %d): %v", cost, best.cost, err)
	}
	res.Routes, res.Cost, res.TimeToBest, res.Seed, res.Method = best.routes, cost, best.timeToBest, best.seed, method
	return res, nil
}

// autoILSThreshold is the number of customers above which MethodAuto uses
// the iterated local search rather than the genetic search.
const autoILSThreshold = 300

// cvrpWorker is one independent search.
type cvrpWorker interface {
	run()
	result() workerResult
}

type workerResult struct {
	routes     [][]int
	cost       int64
	timeToBest time.Duration
	iter       int
	seed       uint64
}

func (h *hgsRun) result() workerResult {
	return workerResult{routes: h.bestRoutes, cost: h.bestCost, timeToBest: h.timeToBest, iter: h.iter, seed: h.seed}
}

func (r *ilsRun) result() workerResult {
	return workerResult{routes: r.bestRoutes, cost: r.bestCost, timeToBest: r.timeToBest, iter: r.iter, seed: r.seed}
}

// hgsRun is one worker of the hybrid genetic search.
type hgsRun struct {
	d      *hgsData
	seed   uint64
	rng    *rand.Rand
	bounds *runBounds
	ls     *localSearch
	split  *splitter
	pop    *population
	iter   int

	bestCost   int64
	bestRoutes [][]int
	timeToBest time.Duration
	onImprove  func(cost int64, iter int)
	taken      []bool // crossover scratch
}

func newHGSRun(d *hgsData, seed uint64, b *runBounds) *hgsRun {
	rng := rand.New(rand.NewPCG(seed, 0x5eed_c0de_2024))
	h := &hgsRun{d: d, seed: seed, rng: rng, bounds: b}
	h.ls = newLocalSearch(d, rng, b.expired)
	h.split = newSplitter(d)
	h.pop = newPopulation(d, rng)
	return h
}

func (h *hgsRun) done() bool {
	return (h.bounds.maxIter > 0 && h.iter >= h.bounds.maxIter) || h.bounds.expired()
}

// record notes a new best feasible solution.
func (h *hgsRun) record() {
	b := h.pop.best
	if b == nil {
		return
	}
	cost := int64(b.distance + 0.5)
	if h.bestRoutes != nil && cost >= h.bestCost {
		return
	}
	h.bestCost = cost
	h.bestRoutes = h.bestRoutes[:0]
	for _, r := range b.routes {
		if len(r) > 0 {
			h.bestRoutes = append(h.bestRoutes, append([]int(nil), r...))
		}
	}
	h.timeToBest = time.Since(h.bounds.start)
	if h.onImprove != nil {
		h.onImprove(cost, h.iter)
	}
}

// improve runs the local search on ind, adds it to the population and,
// for half of the infeasible ones, tries a repair with a tenfold penalty.
func (h *hgsRun) improve(ind *individual) bool {
	pen := h.pop.penalty
	h.ls.run(ind, pen, pen)
	isNewBest := h.pop.add(ind, true)
	if !ind.feasible && h.rng.IntN(2) == 0 {
		h.ls.run(ind, pen*10, pen)
		if ind.feasible {
			isNewBest = h.pop.add(ind, false) || isNewBest
		}
	}
	if isNewBest {
		h.record()
	}
	h.iter++
	return isNewBest
}

func (h *hgsRun) initialPopulation() {
	for range 4 * h.d.tune.mu {
		if h.done() {
			return
		}
		ind := randomIndividual(h.d, h.rng)
		h.split.split(ind, h.d.nbVehicles, h.pop.penalty)
		h.improve(ind)
	}
}

func (h *hgsRun) run() {
	if h.d.n == 1 {
		h.bestRoutes, h.bestCost = [][]int{{1}}, int64(h.d.dd(0, 1)+h.d.dd(1, 0))
		h.iter = 1
		return
	}
	h.initialPopulation()
	offspring := newIndividual(h.d)
	nonProd := 1
	for !h.done() {
		if h.pop.size() == 0 {
			h.initialPopulation()
			continue
		}
		p1, p2 := h.pop.parents()
		h.crossoverOX(offspring, p1, p2)
		if h.improve(offspring) {
			nonProd = 1
		} else {
			nonProd++
		}
		if h.iter%100 == 0 {
			h.pop.managePenalty()
		}
		if nonProd >= h.d.tune.iterRestart && !h.bounds.deadline.IsZero() {
			h.pop.restart()
			nonProd = 1
		}
	}
	if h.bestRoutes == nil {
		h.repairLast()
	}
}

// repairLast tries hard to turn the best infeasible individual into a
// feasible one when the run ended without any.
func (h *hgsRun) repairLast() {
	if len(h.pop.infeasible) == 0 {
		return
	}
	ind := newIndividual(h.d)
	ind.copyFrom(h.pop.infeasible[0])
	saved := h.ls.stop
	h.ls.stop = func() bool { return h.bounds.ctx.Err() != nil }
	defer func() { h.ls.stop = saved }()
	pen := h.pop.penalty
	for k := 0; k < 4 && !ind.feasible; k++ {
		pen *= 10
		h.ls.run(ind, pen, h.pop.penalty)
	}
	if ind.feasible {
		h.pop.add(ind, false)
		h.record()
	}
}

// crossoverOX is the ordered crossover on giant tours followed by Split.
func (h *hgsRun) crossoverOX(res, p1, p2 *individual) {
	n := h.d.n
	if h.taken == nil {
		h.taken = make([]bool, n+1)
	}
	taken := h.taken
	clear(taken)
	start := h.rng.IntN(n)
	end := h.rng.IntN(n)
	for end == start {
		end = h.rng.IntN(n)
	}
	j := start
	for j%n != (end+1)%n {
		c := p1.giant[j%n]
		res.giant[j%n] = c
		taken[c] = true
		j++
	}
	for i := 1; i <= n; i++ {
		c := p2.giant[(end+i)%n]
		if !taken[c] {
			res.giant[j%n] = c
			j++
		}
	}
	h.split.split(res, p1.nbRoutes, h.pop.penalty)
}
