package vrp

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Config controls a solver run. Either TimeLimit, MaxIterations or a
// deadline on the context must bound the run.
type Config struct {
	// Seed makes the run reproducible: the same seed and the same
	// MaxIterations give the same answer. With a wall-clock bound
	// (TimeLimit or a context deadline) the answer can differ between
	// runs, because the machine's speed decides how far the search gets.
	Seed uint64
	// TimeLimit stops the search after this long; 0 means no time limit.
	TimeLimit time.Duration
	// MaxIterations stops the search after this many iterations; 0 means
	// no iteration budget. For the CVRP solver an iteration is one
	// solution built (randomly or by crossover) and improved by local
	// search; for the TSP solver it is one perturbation and repair.
	MaxIterations int
	// Workers runs this many independent searches in parallel with seeds
	// Seed, Seed+1, … and keeps the best (ties go to the lowest seed), so
	// the result stays reproducible for an iteration budget. 0 means 1.
	Workers int
	// Fleet bounds the number of routes (CVRP only). The zero value is an
	// unlimited fleet.
	Fleet Fleet
	// Method selects the CVRP algorithm; the zero value picks by size.
	Method Method
	// OnImprove, if set, is called each time a worker finds a better
	// feasible solution. Calls are serialised across workers.
	OnImprove func(Progress)
}

// Method is a CVRP search algorithm.
type Method int

const (
	// MethodAuto uses MethodHGS up to 300 customers and MethodILS above.
	MethodAuto Method = iota
	// MethodHGS is the hybrid genetic search: strongest given time in
	// proportion to the instance size.
	MethodHGS
	// MethodILS is the iterated local search with ruin and recreate:
	// improves fastest on large instances under short time limits.
	MethodILS
)

// String names the method as the CLI spells it.
func (m Method) String() string {
	switch m {
	case MethodHGS:
		return "hgs"
	case MethodILS:
		return "ils"
	}
	return "auto"
}

// ParseMethod reads "auto", "hgs" or "ils".
func ParseMethod(s string) (Method, error) {
	switch s {
	case "auto", "":
		return MethodAuto, nil
	case "hgs":
		return MethodHGS, nil
	case "ils":
		return MethodILS, nil
	}
	return 0, fmt.Errorf("vrp: method %q is not one of auto, hgs, ils", s)
}

// Progress reports an improvement found during a run.
type Progress struct {
	// Worker is the index of the worker that found it (0-based).
	Worker int
	// Cost is the new best cost of that worker.
	Cost int64
	// Iteration is the worker's iteration count when it was found.
	Iteration int
	// Elapsed is the time since the run started.
	Elapsed time.Duration
}

// Result is the outcome of a CVRP run.
type Result struct {
	// Routes lists the non-empty routes' customers (1..N-1) in order.
	Routes [][]int
	// Cost is the total distance of Routes.
	Cost int64
	// Iterations sums the iterations of all workers.
	Iterations int
	// Elapsed is the wall-clock duration of the run.
	Elapsed time.Duration
	// TimeToBest is when the returned solution was first found.
	TimeToBest time.Duration
	// Seed is the seed of the worker that found the returned solution.
	Seed uint64
	// Method is the algorithm that ran.
	Method Method
}

// TourResult is the outcome of a TSP run.
type TourResult struct {
	// Tour visits every node once, starting at node 0; it is closed (the
	// last node returns to node 0).
	Tour []int
	// Cost is the length of the closed tour.
	Cost int64
	// Iterations sums the iterations of all workers.
	Iterations int
	// Elapsed is the wall-clock duration of the run.
	Elapsed time.Duration
	// TimeToBest is when the returned tour was first found.
	TimeToBest time.Duration
	// Seed is the seed of the worker that found the returned tour.
	Seed uint64
}

// ErrNoBound is returned when a run has neither a time limit, an iteration
// budget nor a context deadline, and so would never stop.
var ErrNoBound = errors.New("vrp: no time limit, iteration budget or context deadline; set one")

// runBounds turns a config and context into a stop condition.
type runBounds struct {
	ctx      context.Context
	start    time.Time
	deadline time.Time // zero: none
	maxIter  int
}

func newBounds(ctx context.Context, cfg Config) (runBounds, error) {
	if cfg.TimeLimit < 0 || cfg.MaxIterations < 0 || cfg.Workers < 0 {
		return runBounds{}, fmt.Errorf("vrp: time limit %v, iterations %d and workers %d must not be negative", cfg.TimeLimit, cfg.MaxIterations, cfg.Workers)
	}
	b := runBounds{ctx: ctx, start: time.Now(), maxIter: cfg.MaxIterations}
	if cfg.TimeLimit > 0 {
		b.deadline = b.start.Add(cfg.TimeLimit)
	}
	if d, ok := ctx.Deadline(); ok && (b.deadline.IsZero() || d.Before(b.deadline)) {
		b.deadline = d
	}
	if b.deadline.IsZero() && b.maxIter == 0 {
		return runBounds{}, ErrNoBound
	}
	return b, nil
}

// expired reports whether the wall clock or the context says stop.
func (b *runBounds) expired() bool {
	if b.ctx.Err() != nil {
		return true
	}
	return !b.deadline.IsZero() && !time.Now().Before(b.deadline)
}

// progress returns how far the run is towards its nearest bound, from 0 to
// 1, given the iterations done so far.
func (b *runBounds) progress(iter int) float64 {
	f := 0.0
	if b.maxIter > 0 {
		f = float64(iter) / float64(b.maxIter)
	}
	if !b.deadline.IsZero() {
		total := b.deadline.Sub(b.start)
		if total > 0 {
			f = max(f, float64(time.Since(b.start))/float64(total))
		}
	}
	return min(1, max(0, f))
}
