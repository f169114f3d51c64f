package vrp_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/supplyhub/supplyhub/core/routing/tsplib"
	"github.com/supplyhub/supplyhub/core/routing/vrp"
)

// A depot and four customers on a line either side of it: with capacity 10
// each side is one route.
const tiny = `NAME : tiny
TYPE : CVRP
DIMENSION : 5
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 10 0
3 20 0
4 -10 0
5 -20 0
DEMAND_SECTION
1 0
2 5
3 5
4 5
5 5
DEPOT_SECTION
1
-1
EOF
`

func ExampleSolveCVRP() {
	ti, err := tsplib.Parse(strings.NewReader(tiny))
	if err != nil {
		panic(err)
	}
	in, err := vrp.FromTSPLIB(ti)
	if err != nil {
		panic(err)
	}
	// An iteration budget without a time limit makes the run reproducible.
	res, err := vrp.SolveCVRP(context.Background(), in, vrp.Config{Seed: 1, MaxIterations: 50})
	if err != nil {
		panic(err)
	}
	fmt.Println("cost", res.Cost, "routes", len(res.Routes))
	// Output: cost 80 routes 2
}

func ExampleSolveTSP() {
	ti, err := tsplib.Parse(strings.NewReader(tiny))
	if err != nil {
		panic(err)
	}
	in, err := vrp.FromTSPLIB(ti) // SolveTSP ignores the demands
	if err != nil {
		panic(err)
	}
	res, err := vrp.SolveTSP(context.Background(), in, vrp.Config{Seed: 1, MaxIterations: 100})
	if err != nil {
		panic(err)
	}
	fmt.Println("length", res.Cost)
	// Output: length 80
}
