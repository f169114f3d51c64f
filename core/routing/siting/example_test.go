package siting_test

import (
	"fmt"

	"github.com/supplyhub/supplyhub/core/routing/siting"
)

func ExampleSweep() {
	points := []siting.Point{
		{ID: "north-1", X: 0, Y: 10, Weight: 5}, {ID: "north-2", X: 1, Y: 10, Weight: 1},
		{ID: "south-1", X: 0, Y: -10, Weight: 2}, {ID: "south-2", X: 1, Y: -10, Weight: 2},
	}
	choices, err := siting.Sweep(points, 1, 2, siting.Config{Seed: 1})
	if err != nil {
		panic(err)
	}
	for _, c := range choices {
		fmt.Printf("k=%d p-median %.0f, first site %s\n", c.K, c.PMedian.WeightedDistance, c.PMedian.Centers[0].ID)
	}
	// Output:
	// k=1 p-median 81, first site north-1
	// k=2 p-median 3, first site north-1
}
