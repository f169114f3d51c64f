package vrp

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestKNearestMatchesSort(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		n := 1 + rng.IntN(60)
		row := make([]int32, n)
		for i := range row {
			row[i] = int32(rng.IntN(8)) // many ties
		}
		from := rng.IntN(2)
		skip := rng.IntN(n)
		k := rng.IntN(n + 3)
		var want []int32
		for j := from; j < n; j++ {
			if j != skip {
				want = append(want, int32(j))
			}
		}
		slices.SortStableFunc(want, func(a, b int32) int { return int(row[a]) - int(row[b]) })
		want = want[:min(k, len(want))]
		got := kNearest(row, from, n, skip, k, nil)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: row %v from %d skip %d k %d: got %v want %v", trial, row, from, skip, k, got, want)
		}
	}
}
