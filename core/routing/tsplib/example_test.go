package tsplib_test

import (
	"fmt"
	"strings"

	"github.com/supplyhub/supplyhub/core/routing/tsplib"
)

func ExampleParse() {
	in, err := tsplib.Parse(strings.NewReader("NAME: tri\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 0 4.5\nEOF\n"))
	if err != nil {
		panic(err)
	}
	length, _ := in.TourLength([]int{0, 1, 2})
	fmt.Println(in.Name, in.Dist(0, 1), in.Dist(1, 2), length)
	// Output: tri 5 3 13
}
