package vrp

import "slices"

// kNearest returns the k indices j in [from, to), j ≠ skip, with the
// smallest row[j], nearest first; ties go to the lower index, so the
// result is reproducible. buf is scratch space and may be nil.
func kNearest(row []int32, from, to, skip, k int, buf []int32) []int32 {
	buf = buf[:0]
	for j := from; j < to; j++ {
		if j != skip {
			buf = append(buf, int32(j))
		}
	}
	k = min(k, len(buf))
	less := func(a, b int32) bool { return row[a] < row[b] || (row[a] == row[b] && a < b) }
	// Quickselect the k smallest into buf[:k].
	lo, hi := 0, len(buf)-1
	for lo < hi && k < len(buf) {
		// Median of three as pivot.
		mid := lo + (hi-lo)/2
		if less(buf[mid], buf[lo]) {
			buf[mid], buf[lo] = buf[lo], buf[mid]
		}
		if less(buf[hi], buf[lo]) {
			buf[hi], buf[lo] = buf[lo], buf[hi]
		}
		if less(buf[hi], buf[mid]) {
			buf[hi], buf[mid] = buf[mid], buf[hi]
		}
		pivot := buf[mid]
		i, j := lo, hi
		for i <= j {
			for less(buf[i], pivot) {
				i++
			}
			for less(pivot, buf[j]) {
				j--
			}
			if i <= j {
				buf[i], buf[j] = buf[j], buf[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			lo = hi // the k-th is in the pivot band: done
		}
	}
	out := slices.Clone(buf[:k])
	slices.SortFunc(out, func(a, b int32) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	return out
}
