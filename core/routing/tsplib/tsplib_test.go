package tsplib

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// benchDir is the shared routing benchmark data, relative to this package.
const benchDir = "../../../../shared/bench/routing"

func needBench(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(benchDir); err != nil {
		t.Skipf("benchmark data %s not present (%v); it ships beside the repository in ../shared", benchDir, err)
	}
}

func TestDistanceFunctions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		fn   func(a, b Point) int
		a, b Point
		want int
	}{
		{"euc2d 3-4-5", EUC2D, Point{0, 0}, Point{3, 4}, 5},
		{"euc2d rounds half up", EUC2D, Point{0, 0}, Point{2.5, 0}, 3},
		{"euc2d rounds down", EUC2D, Point{0, 0}, Point{1, 1}, 1},
		{"euc2d zero", EUC2D, Point{7, 7}, Point{7, 7}, 0},
		{"ceil2d", CEIL2D, Point{0, 0}, Point{1, 1}, 2},
		{"att bumps when rounding down", ATT, Point{0, 0}, Point{10, 0}, 4}, // r = 3.162, nint 3 < r
		{"att exact", ATT, Point{0, 0}, Point{0, 0}, 0},
		{"man2d", MAN2D, Point{0, 0}, Point{1.2, 2.4}, 4},
		{"max2d", MAX2D, Point{0, 0}, Point{1.2, 2.6}, 3},
		// TSPLIB GEO: two points one degree of latitude apart on the equator meridian.
		{"geo one degree", GEO, Point{0, 0}, Point{1, 0}, 112},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.fn(tc.a, tc.b); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

func TestDistanceFuncUnknown(t *testing.T) {
	t.Parallel()
	if _, err := DistanceFunc("EUC_3D"); err == nil || !strings.Contains(err.Error(), "EUC_3D") {
		t.Fatalf("want an error naming EUC_3D, got %v", err)
	}
}

// TestCheckValues reproduces the README's check values for the distance
// conventions.
func TestCheckValues(t *testing.T) {
	needBench(t)
	t.Parallel()
	att532, err := ReadFile(filepath.Join(benchDir, "tsp", "att532.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	identity := make([]int, att532.Dimension)
	for i := range identity {
		identity[i] = i
	}
	if got, _ := att532.TourLength(identity); got != 309636 {
		t.Errorf("att532 identity tour = %d, want TSPLIB's check value 309636", got)
	}

	att48, err := ReadFile(filepath.Join(benchDir, "tsp", "att48.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	tour, err := ReadTourFile(filepath.Join(benchDir, "tsp", "att48.opt.tour"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := att48.TourLength(tour); got != 10628 {
		t.Errorf("att48 opt tour with ATT = %d, want 10628", got)
	}
	var euc int64
	for k, v := range tour {
		euc += int64(EUC2D(att48.Coords[v], att48.Coords[tour[(k+1)%len(tour)]]))
	}
	if euc != 33522 {
		t.Errorf("att48 opt tour with EUC_2D = %d, want 33522", euc)
	}

	for _, tc := range []struct {
		vrp, sol string
		want     int64
	}{
		{"cvrp/A/A-n32-k5.vrp", "cvrp/A/A-n32-k5.sol", 784},
		{"cvrp/X/X-n101-k25.vrp", "cvrp/X/X-n101-k25.sol", 27591},
	} {
		in, err := ReadFile(filepath.Join(benchDir, tc.vrp))
		if err != nil {
			t.Fatal(err)
		}
		sol, err := ReadSolutionFile(filepath.Join(benchDir, tc.sol))
		if err != nil {
			t.Fatal(err)
		}
		got, _, _, err := in.RoutesCost(sol.Routes)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s = %d, want %d", tc.sol, got, tc.want)
		}
	}

	pr, err := ReadFile(filepath.Join(benchDir, "tsp", "pr1002.tsp"))
	if err != nil {
		t.Fatal(err)
	}
	prTour, err := ReadTourFile(filepath.Join(benchDir, "tsp", "pr1002.opt.tour"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := pr.TourLength(prTour); got != 259045 {
		t.Errorf("pr1002 opt tour = %d, want 259045", got)
	}
}

// TestShippedSolutions recomputes every shipped .sol and .opt.tour and
// compares it with bks.csv: cost, feasibility and the route count rule.
func TestShippedSolutions(t *testing.T) {
	needBench(t)
	t.Parallel()
	rows, err := ReadBKSFile(filepath.Join(benchDir, "bks.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 74 {
		t.Fatalf("bks.csv has %d rows, the README says 74", len(rows))
	}
	for _, b := range rows {
		t.Run(b.Instance, func(t *testing.T) {
			t.Parallel()
			if b.Type == "TSP" {
				in, err := ReadFile(filepath.Join(benchDir, "tsp", b.Instance+".tsp"))
				if err != nil {
					t.Fatal(err)
				}
				if in.Dimension != b.N {
					t.Errorf("DIMENSION %d, bks.csv n %d", in.Dimension, b.N)
				}
				tourPath := filepath.Join(benchDir, "tsp", b.Instance+".opt.tour")
				if b.SolCost == 0 {
					if _, err := os.Stat(tourPath); err == nil {
						t.Errorf("bks.csv lists no tour but %s exists", tourPath)
					}
					return
				}
				tour, err := ReadTourFile(tourPath)
				if err != nil {
					t.Fatal(err)
				}
				got, err := in.TourLength(tour)
				if err != nil {
					t.Fatal(err)
				}
				if got != b.SolCost || got != b.Value {
					t.Errorf("tour length %d, bks.csv sol_cost %d, bks %d", got, b.SolCost, b.Value)
				}
				return
			}
			in, err := ReadFile(filepath.Join(benchDir, "cvrp", b.Set, b.Instance+".vrp"))
			if err != nil {
				t.Fatal(err)
			}
			if in.Dimension != b.N+1 {
				t.Errorf("DIMENSION %d, bks.csv n+1 = %d", in.Dimension, b.N+1)
			}
			sol, err := ReadSolutionFile(filepath.Join(benchDir, "cvrp", b.Set, b.Instance+".sol"))
			if err != nil {
				t.Fatal(err)
			}
			got, routes, _, err := in.RoutesCost(sol.Routes)
			if err != nil {
				t.Fatal(err)
			}
			if got != b.SolCost || (sol.HasCost && got != sol.Cost) {
				t.Errorf("recomputed cost %d, file says %d, bks.csv sol_cost %d", got, sol.Cost, b.SolCost)
			}
			if got < b.Value {
				t.Errorf("recomputed cost %d is below the BKS %d", got, b.Value)
			}
			if b.ExactFleet {
				if routes != b.Vehicles || in.Vehicles != b.Vehicles {
					t.Errorf("%d routes, file says %d trucks, bks.csv k = %d", routes, in.Vehicles, b.Vehicles)
				}
			} else if in.Vehicles != 0 {
				t.Errorf("X instance states %d vehicles; the X fleet is unlimited", in.Vehicles)
			}
		})
	}
}

func TestParseTolerantWhitespace(t *testing.T) {
	t.Parallel()
	want := &Instance{
		Name: "tiny", Comment: "(x, No of trucks: 2, Optimal value: 9)", Type: "CVRP", Dimension: 3,
		EdgeWeightType: "EUC_2D", Capacity: 10, Vehicles: 2,
		Coords:  []Point{{0, 0}, {3, 4}, {0, 4.5}},
		Demands: []int{0, 4, 5},
		Depots:  []int{0},
	}
	base := "NAME : tiny\nCOMMENT : (x, No of trucks: 2, Optimal value: 9)\nTYPE : CVRP\nDIMENSION : 3\n" +
		"EDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 0 4.5\n" +
		"DEMAND_SECTION\n1 0\n2 4\n3 5\nDEPOT_SECTION\n1\n-1\nEOF\n"
	variants := map[string]string{
		"plain":           base,
		"crlf and tabs":   strings.ReplaceAll(strings.ReplaceAll(base, " ", "\t"), "\n", "\t\r\n"),
		"leading blanks":  strings.ReplaceAll(base, "\n", "\n  "),
		"trailing blanks": strings.ReplaceAll(base, "\n", " \n"),
		"key colon tight": strings.ReplaceAll(base, " : ", ": "),
		"no EOF":          strings.TrimSuffix(base, "EOF\n"),
		"depot one line":  strings.Replace(base, "DEPOT_SECTION\n1\n-1\n", "DEPOT_SECTION\n 1 -1\n", 1),
		"blank lines":     strings.ReplaceAll(base, "\n", "\n\n"),
	}
	for name, text := range variants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in, err := Parse(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			in.dist = nil
			if name == "crlf and tabs" {
				want := *want
				want.Comment = "(x,\tNo\tof\ttrucks:\t2,\tOptimal\tvalue:\t9)"
				if !reflect.DeepEqual(in, &want) {
					t.Fatalf("got %+v\nwant %+v", in, &want)
				}
				return
			}
			if !reflect.DeepEqual(in, want) {
				t.Fatalf("got %+v\nwant %+v", in, want)
			}
		})
	}
}

func TestParseExplicit(t *testing.T) {
	t.Parallel()
	// The same symmetric 3-node matrix in every supported layout.
	full := [][]int{{0, 1, 2}, {1, 0, 3}, {2, 3, 0}}
	layouts := map[string]string{
		"FULL_MATRIX":    "0 1 2\n1 0 3\n2 3 0",
		"UPPER_ROW":      "1 2\n3",
		"LOWER_ROW":      "1\n2 3",
		"UPPER_DIAG_ROW": "0 1 2\n0 3\n0",
		"LOWER_DIAG_ROW": "0\n1 0\n2 3 0",
		"UPPER_COL":      "1\n2 3",
		"LOWER_DIAG_COL": "0 1 2\n0 3\n0",
	}
	for format, body := range layouts {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			text := "NAME: m\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: " + format +
				"\nEDGE_WEIGHT_SECTION\n" + body + "\nEOF\n"
			in, err := Parse(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				for j := range 3 {
					if got := in.Dist(i, j); got != full[i][j] {
						t.Errorf("Dist(%d,%d) = %d, want %d", i, j, got, full[i][j])
					}
				}
			}
			m, err := in.Matrix()
			if err != nil || m[1*3+2] != 3 {
				t.Errorf("Matrix()[1][2] = %v (err %v), want 3", m, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	head := "NAME: e\nTYPE: CVRP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nCAPACITY: 5\n"
	cases := []struct {
		name, text, want string
	}{
		{"bad type", "TYPE: SOP\n", "TYPE"},
		{"bad dimension", "DIMENSION: -3\n", "DIMENSION"},
		{"huge dimension", "DIMENSION: 99999999999\n", "DIMENSION"},
		{"unsupported weight type", "EDGE_WEIGHT_TYPE: EUC_3D\n", "EUC_3D"},
		{"coords before dimension", "NODE_COORD_SECTION\n1 0 0\n", "before DIMENSION"},
		{"number outside section", head + "1 2 3\n", "outside any data section"},
		{"coord wrong field count", head + "NODE_COORD_SECTION\n1 0\n", "id x y"},
		{"coord id out of range", head + "NODE_COORD_SECTION\n3 0 0\n", "not in 1..DIMENSION=2"},
		{"coord not a number", head + "NODE_COORD_SECTION\n1 a 0\n", "not finite"},
		{"coord NaN", head + "NODE_COORD_SECTION\n1 NaN 0\n", "not finite"},
		{"coord twice", head + "NODE_COORD_SECTION\n1 0 0\n1 0 0\nDEMAND_SECTION\n1 0\n2 1\nDEPOT_SECTION\n1\n-1\n", "listed twice"},
		{"missing coords", head + "NODE_COORD_SECTION\n1 0 0\nDEMAND_SECTION\n1 0\n2 1\nDEPOT_SECTION\n1\n-1\n", "has 1 nodes"},
		{"negative demand", head + "NODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 -1\n", "demand"},
		{"missing depot", head + "NODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 1\n", "DEPOT_SECTION"},
		{"no capacity", "TYPE: CVRP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 1\nDEMAND_SECTION\n1 0\n2 1\nDEPOT_SECTION\n1\n-1\n", "CAPACITY"},
		{"no weight type", "TYPE: TSP\nDIMENSION: 2\nNODE_COORD_SECTION\n1 0 0\n2 1 1\n", "EDGE_WEIGHT_TYPE"},
		{"explicit short", "TYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2\n", "needs 9"},
		{"explicit no format", "TYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_SECTION\n1\n", "EDGE_WEIGHT_FORMAT"},
		{"tour repeats", "TYPE: TOUR\nDIMENSION: 3\nTOUR_SECTION\n1 2 2\n-1\n", "twice"},
		{"tour too short", "TYPE: TOUR\nDIMENSION: 3\nTOUR_SECTION\n1 2\n-1\n", "want DIMENSION=3"},
		{"3d coords", "NODE_COORD_TYPE: THREED_COORDS\n", "THREED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tc.text))
			if err == nil {
				t.Fatalf("want an error containing %q, got none", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "tsplib: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestSolutionRoundTrip(t *testing.T) {
	t.Parallel()
	routes := [][]int{{3, 1}, {}, {2}}
	var buf bytes.Buffer
	if err := WriteSolution(&buf, routes, 42); err != nil {
		t.Fatal(err)
	}
	if want := "Route #1: 3 1\nRoute #2: 2\nCost 42\n"; buf.String() != want {
		t.Fatalf("wrote %q, want %q", buf.String(), want)
	}
	sol, err := ParseSolution(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sol.Routes, [][]int{{3, 1}, {2}}) || sol.Cost != 42 || !sol.HasCost {
		t.Fatalf("read back %+v", sol)
	}
}

func TestParseSolutionVariants(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text string
		cost       int64
		err        string
	}{
		{"cost colon", "Route #1: 1 2\r\nCost: 17\r\n", 17, ""},
		{"lower cost", "Route #1: 1 2\n\ncost 17\n", 17, ""},
		{"float cost", "Route #1: 1\nCost 17.0\n", 17, ""},
		{"fraction cost", "Route #1: 1\nCost 17.5\n", 0, "not an integer"},
		{"bad customer", "Route #1: 1 x\n", 0, "customer"},
		{"zero customer", "Route #1: 0 1\n", 0, "customer"},
		{"garbage", "Route #1: 1\nhello\n", 0, "neither"},
		{"no routes", "Cost 3\n", 0, "no \"Route"},
		{"no colon", "Route #1 1 2\n", 0, "without ':'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sol, err := ParseSolution(strings.NewReader(tc.text))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want error containing %q, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sol.Cost != tc.cost {
				t.Fatalf("cost %d, want %d", sol.Cost, tc.cost)
			}
		})
	}
}

func TestRoutesCostErrors(t *testing.T) {
	t.Parallel()
	text := "TYPE: CVRP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\nCAPACITY: 5\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\n4 0 4\n" +
		"DEMAND_SECTION\n1 0\n2 3\n3 3\n4 2\nDEPOT_SECTION\n1\n-1\n"
	in, err := Parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	cost, k, loads, err := in.RoutesCost([][]int{{1, 2}, {3}})
	if err == nil || !strings.Contains(err.Error(), "over the capacity") {
		t.Fatalf("want capacity error, got cost %d k %d loads %v err %v", cost, k, loads, err)
	}
	for _, tc := range []struct {
		name   string
		routes [][]int
		want   string
	}{
		{"missing", [][]int{{1}, {2}}, "customer 3 is on no route"},
		{"twice", [][]int{{1, 3}, {2, 3}}, "customer 3 is on route 1 and route 2"},
		{"range", [][]int{{1, 4}, {2, 3}}, "not in 1..3"},
	} {
		if _, _, _, err := in.RoutesCost(tc.routes); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want %q, got %v", tc.name, tc.want, err)
		}
	}
	cost, k, loads, err = in.RoutesCost([][]int{{1, 3}, {2}})
	if err != nil {
		t.Fatal(err)
	}
	// 0→(3,4)=5, (3,4)→(0,4)=3, (0,4)→0=4; 0→(6,8)=10 and back 10.
	if cost != 32 || k != 2 || !reflect.DeepEqual(loads, []int{5, 3}) {
		t.Fatalf("cost %d routes %d loads %v, want 32 2 [5 3]", cost, k, loads)
	}
}

func TestTourRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteTour(&buf, "t\nx", []int{2, 0, 1}, 9); err != nil {
		t.Fatal(err)
	}
	tour, err := ParseTour(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tour, []int{2, 0, 1}) {
		t.Fatalf("read back %v", tour)
	}
}

func TestReadBKSErrors(t *testing.T) {
	t.Parallel()
	if _, err := ReadBKS(strings.NewReader("instance,type\n")); err == nil || !strings.Contains(err.Error(), "lacks column") {
		t.Fatalf("want missing column error, got %v", err)
	}
	if _, err := ReadBKS(strings.NewReader("instance,type,set,n,vehicles,fleet,bks\nA,CVRP,A,3,1,exactly k,zero\n")); err == nil || !strings.Contains(err.Error(), "A") {
		t.Fatalf("want bad bks error naming the instance, got %v", err)
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts is
// internally consistent.
func FuzzParse(f *testing.F) {
	f.Add([]byte("NAME : t\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 1 0\n3 0 1\nEOF\n"))
	f.Add([]byte("TYPE: CVRP\r\nDIMENSION:\t2\r\nEDGE_WEIGHT_TYPE : ATT \r\nCAPACITY : 5\r\nNODE_COORD_SECTION\r\n1\t0\t0\r\n2\t1\t1\r\nDEMAND_SECTION\r\n1 0\r\n2 1\r\nDEPOT_SECTION\r\n 1\r\n -1\r\n"))
	f.Add([]byte("TYPE: TOUR\nDIMENSION: 2\nTOUR_SECTION\n2\n1\n-1\nEOF\n"))
	f.Add([]byte("TYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: LOWER_DIAG_ROW\nEDGE_WEIGHT_SECTION\n0 5 0\n"))
	if data, err := os.ReadFile(filepath.Join(benchDir, "cvrp", "A", "A-n32-k5.vrp")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Parse(bytes.NewReader(data))
		if err != nil {
			if in != nil {
				t.Fatal("non-nil instance with an error")
			}
			return
		}
		switch in.Type {
		case ProblemTour:
			if len(in.Tour) != in.Dimension {
				t.Fatalf("tour of %d nodes, DIMENSION %d", len(in.Tour), in.Dimension)
			}
			return
		case ProblemTSP, ProblemCVRP:
		default:
			t.Fatalf("accepted TYPE %q", in.Type)
		}
		if in.Dimension <= 0 {
			t.Fatalf("accepted DIMENSION %d", in.Dimension)
		}
		if in.Coords != nil && len(in.Coords) != in.Dimension {
			t.Fatalf("%d coords for DIMENSION %d", len(in.Coords), in.Dimension)
		}
		if in.Type == ProblemCVRP && (len(in.Demands) != in.Dimension || in.Capacity <= 0 || len(in.Depots) == 0) {
			t.Fatalf("inconsistent CVRP: %d demands, capacity %d, depots %v", len(in.Demands), in.Capacity, in.Depots)
		}
		if in.Dimension <= 200 {
			for i := range in.Dimension {
				for j := range in.Dimension {
					if d := in.Dist(i, j); d < 0 && in.EdgeWeightType != TypeGEO {
						t.Fatalf("negative distance %d", d)
					}
				}
			}
		}
	})
}

// FuzzParseSolution checks that ParseSolution never panics and that an
// accepted solution round-trips through WriteSolution.
func FuzzParseSolution(f *testing.F) {
	f.Add([]byte("Route #1: 1 2 3\nRoute #2: 4\nCost 42\n"))
	f.Add([]byte("Route #1: 5\r\ncost: 7\r\n"))
	f.Add([]byte("route #1:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sol, err := ParseSolution(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteSolution(&buf, sol.Routes, sol.Cost); err != nil {
			t.Fatal(err)
		}
		again, err := ParseSolution(&buf)
		nonEmpty := 0
		for _, r := range sol.Routes {
			if len(r) > 0 {
				nonEmpty++
			}
		}
		if nonEmpty == 0 {
			return // nothing to write back but the cost
		}
		if err != nil {
			t.Fatalf("written solution does not parse: %v\n%s", err, buf.String())
		}
		if again.Cost != sol.Cost || len(again.Routes) != nonEmpty {
			t.Fatalf("round trip changed the solution: %+v -> %+v", sol, again)
		}
	})
}
