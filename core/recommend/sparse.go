package recommend

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// cell is one non-zero entry of a sparse row: column id and count.
type cell struct{ id, n int32 }

// sparse is a matrix of counts stored by rows, each row sorted by column id
// with no zero entries. Rows of a bulk-built matrix share one backing array
// with their capacity capped at their length, so that growing one row
// reallocates it instead of overwriting its neighbour.
type sparse [][]cell

func cellCmp(c cell, id int32) int { return cmp.Compare(c.id, id) }

// get returns the count at (i, j).
func (s sparse) get(i, j int32) int32 {
	row := s[i]
	if k, ok := slices.BinarySearchFunc(row, j, cellCmp); ok {
		return row[k].n
	}
	return 0
}

// add adds d to the count at (i, j), inserting or deleting the entry as
// needed. A count never goes below zero: that would mean the model removed
// something it never added, a bug rather than bad input.
func (s sparse) add(i, j, d int32) {
	row := s[i]
	k, ok := slices.BinarySearchFunc(row, j, cellCmp)
	switch {
	case ok:
		row[k].n += d
		if row[k].n < 0 {
			panic(fmt.Sprintf("recommend: internal error: count (%d,%d) went negative", i, j))
		}
		if row[k].n == 0 {
			row = slices.Delete(row, k, k+1)
		}
	case d > 0:
		row = slices.Insert(row, k, cell{id: j, n: d})
	case d < 0:
		panic(fmt.Sprintf("recommend: internal error: decrement of absent count (%d,%d)", i, j))
	}
	s[i] = row
}

// entries returns the number of non-zero entries.
func (s sparse) entries() int {
	n := 0
	for _, r := range s {
		n += len(r)
	}
	return n
}

// pairs adds d to (a, b) and (b, a) for every two distinct items of set.
func (s sparse) pairs(set []int32, d int32) {
	for x, a := range set {
		for _, b := range set[x+1:] {
			s.add(a, b, d)
			s.add(b, a, d)
		}
	}
}

// cross adds d to (a, b) and (b, a) for every a in as and b in bs; the two
// sets must be disjoint.
func (s sparse) cross(as, bs []int32, d int32) {
	for _, a := range as {
		for _, b := range bs {
			s.add(a, b, d)
			s.add(b, a, d)
		}
	}
}

// replaceSet moves the co-occurrence counts from set old to set new (both
// sorted, distinct): pairs in both stay, others are removed or added. Sets
// larger than maxSet contribute no pairs.
func (s sparse) replaceSet(old, new []int32, maxSet int) {
	oldOK, newOK := len(old) <= maxSet, len(new) <= maxSet
	if oldOK && newOK {
		removed, kept, added := diffSorted(old, new)
		s.pairs(removed, -1)
		s.cross(removed, kept, -1)
		s.pairs(added, 1)
		s.cross(added, kept, 1)
		return
	}
	if oldOK {
		s.pairs(old, -1)
	}
	if newOK {
		s.pairs(new, 1)
	}
}

// diffSorted splits two sorted distinct sets into a\b, a∩b and b\a.
func diffSorted(a, b []int32) (onlyA, both, onlyB []int32) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			onlyA = append(onlyA, a[i])
			i++
		case a[i] > b[j]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			both = append(both, a[i])
			i++
			j++
		}
	}
	return append(onlyA, a[i:]...), both, append(onlyB, b[j:]...)
}

// cooccur builds the co-occurrence matrix of sets over n items: row i holds,
// for every j ≠ i, the number of sets containing both. Sets larger than
// maxSet are skipped. It is the sparse product SᵀS computed row by row from
// an inverted index, with a dense accumulator per worker, so that it makes
// no allocation per pair; rows are split among GOMAXPROCS workers.
func cooccur(sets [][]int32, n, maxSet int) sparse {
	// Inverted index: for each item, the sets that contain it.
	start := make([]int32, n+1)
	for _, s := range sets {
		if len(s) >= 2 && len(s) <= maxSet {
			for _, i := range s {
				start[i+1]++
			}
		}
	}
	for i := range n {
		start[i+1] += start[i]
	}
	inv := make([]int32, start[n])
	fill := slices.Clone(start[:n])
	for si, s := range sets {
		if len(s) >= 2 && len(s) <= maxSet {
			for _, i := range s {
				inv[fill[i]] = int32(si)
				fill[i]++
			}
		}
	}

	type span struct{ item, from, to int32 }
	type part struct {
		cells []cell
		spans []span
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	parts := make([]part, workers)
	var next atomic.Int32
	const chunk = 256
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			acc := make([]int32, n)
			var touched []int32
			p := &parts[w]
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+chunk, n); i++ {
					touched = touched[:0]
					for _, si := range inv[start[i]:start[i+1]] {
						for _, j := range sets[si] {
							if j == int32(i) {
								continue
							}
							if acc[j] == 0 {
								touched = append(touched, j)
							}
							acc[j]++
						}
					}
					if len(touched) == 0 {
						continue
					}
					slices.Sort(touched)
					from := int32(len(p.cells))
					for _, j := range touched {
						p.cells = append(p.cells, cell{id: j, n: acc[j]})
						acc[j] = 0
					}
					p.spans = append(p.spans, span{item: int32(i), from: from, to: int32(len(p.cells))})
				}
			}
		})
	}
	wg.Wait()
	out := make(sparse, n)
	for _, p := range parts {
		for _, sp := range p.spans {
			out[sp.item] = p.cells[sp.from:sp.to:sp.to]
		}
	}
	return out
}
