package recommend

import "strings"

// scratch holds a query's dense accumulators, reused through a pool so that
// a query allocates little beyond its answer. Every entry a query touches is
// reset by collect (items) or userKNN (customers) before the scratch goes
// back.
type scratch struct {
	acc     []float64 // per item: summed score
	best    []float64 // per item: largest single contribution
	because []int32   // per item: seed of the largest contribution
	support []int32   // per item: support of that contribution
	seen    []bool
	touched []int32
	overlap []int32 // per customer: shared items with the query customer
	users   []int32
	nbrs    []userSim
}

// userSim is a candidate neighbour of user-knn and its similarity.
type userSim struct {
	u   int32
	sim float64
}

// scratch returns a pooled scratch sized for the model. Caller holds the
// read lock and puts it back when done.
func (m *Model) scratch() *scratch {
	sc, _ := m.scr.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	if n := len(m.skus); len(sc.acc) < n {
		n += n / 4
		sc.acc, sc.best = make([]float64, n), make([]float64, n)
		sc.because, sc.support = make([]int32, n), make([]int32, n)
		sc.seen = make([]bool, n)
	}
	if n := len(m.customers); len(sc.overlap) < n {
		sc.overlap = make([]int32, n+n/4)
	}
	return sc
}

// collect returns the best k touched items as Scored, naming the seed that
// contributed most when withBecause, and resets the accumulators.
func (sc *scratch) collect(m *Model, k int, withBecause bool, src Source) []Scored {
	ids := topK(sc.touched, k, func(a, b int32) int {
		if sc.acc[a] != sc.acc[b] {
			if sc.acc[a] > sc.acc[b] {
				return -1
			}
			return 1
		}
		if sc.support[a] != sc.support[b] {
			return int(sc.support[b] - sc.support[a])
		}
		return strings.Compare(m.skus[a], m.skus[b])
	})
	out := make([]Scored, len(ids))
	for x, j := range ids {
		out[x] = Scored{SKU: m.skus[j], Score: sc.acc[j], Support: int(sc.support[j]), Source: src}
		if withBecause {
			out[x].Because = m.skus[sc.because[j]]
		}
	}
	for _, j := range sc.touched {
		sc.acc[j], sc.best[j], sc.because[j], sc.support[j], sc.seen[j] = 0, 0, 0, 0, false
	}
	sc.touched = sc.touched[:0]
	return out
}
