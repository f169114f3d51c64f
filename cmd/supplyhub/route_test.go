package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/core/routing/tsplib"
)

// routingData is the shared benchmark data, relative to this package.
const routingData = "../../../shared/bench/routing"

func needRoutingData(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(routingData); err != nil {
		t.Skipf("benchmark data %s not present (%v); it ships beside the repository in ../shared", routingData, err)
	}
}

// runRoute runs "supplyhub route ..." in-process.
func runRoute(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"route"}, args...))
	err := root.Execute()
	return out.String(), errOut.String(), err
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRouteCVRP(t *testing.T) {
	needRoutingData(t)
	t.Parallel()
	vrpPath := filepath.Join(routingData, "cvrp", "A", "A-n32-k5.vrp")
	solPath := filepath.Join(t.TempDir(), "A-n32-k5.sol")
	out, _, err := runRoute(t, "cvrp", "--input", vrpPath, "--time-limit", "1s", "--seed", "1", "--output", solPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "A-n32-k5: cost") || !strings.Contains(out, "exactly 5 routes") {
		t.Errorf("summary %q lacks the cost or the fleet rule", out)
	}
	in, err := tsplib.ReadFile(vrpPath)
	if err != nil {
		t.Fatal(err)
	}
	sol, err := tsplib.ReadSolutionFile(solPath)
	if err != nil {
		t.Fatal(err)
	}
	cost, routes, _, err := in.RoutesCost(sol.Routes)
	if err != nil {
		t.Fatal(err)
	}
	if cost != sol.Cost || routes != 5 {
		t.Fatalf("solution file: recomputed cost %d, stated %d, %d routes; want equal costs and 5 routes", cost, sol.Cost, routes)
	}
	if gap := 100 * float64(cost-784) / 784; gap > 3 {
		t.Fatalf("cost %d is %.2f%% above the optimum 784", cost, gap)
	}
}

func TestRouteCVRPReproducibleToStdout(t *testing.T) {
	needRoutingData(t)
	t.Parallel()
	vrpPath := filepath.Join(routingData, "cvrp", "P", "P-n16-k8.vrp")
	args := []string{"cvrp", "--input", vrpPath, "--time-limit", "0", "--iterations", "200", "--seed", "7"}
	a, aErr, err := runRoute(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := runRoute(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("same seed and iteration budget, different solutions:\n%s\n%s", a, b)
	}
	if !strings.HasPrefix(a, "Route #1: ") || !strings.Contains(a, "\nCost 450\n") {
		t.Fatalf("stdout %q is not the optimal CVRPLIB solution (cost 450)", a)
	}
	if !strings.Contains(aErr, "P-n16-k8: cost 450") {
		t.Fatalf("summary on stderr %q", aErr)
	}
}

func TestRouteTSP(t *testing.T) {
	needRoutingData(t)
	t.Parallel()
	tspPath := filepath.Join(routingData, "tsp", "berlin52.tsp")
	tourPath := filepath.Join(t.TempDir(), "berlin52.tour")
	out, _, err := runRoute(t, "tsp", "--input", tspPath, "--time-limit", "1s", "--output", tourPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "berlin52: length") {
		t.Errorf("summary %q", out)
	}
	in, err := tsplib.ReadFile(tspPath)
	if err != nil {
		t.Fatal(err)
	}
	tour, err := tsplib.ReadTourFile(tourPath)
	if err != nil {
		t.Fatal(err)
	}
	length, err := in.TourLength(tour)
	if err != nil {
		t.Fatal(err)
	}
	if gap := 100 * float64(length-7542) / 7542; gap > 2 {
		t.Fatalf("tour length %d is %.2f%% above the optimum 7542", length, gap)
	}
}

const fiveNodeCSV = "0,5,7,10,12\n5,0,3,8,11\n7,3,0,6,9\n10,8,6,0,4\n12,11,9,4,0\n"

func TestRouteShortestPath(t *testing.T) {
	t.Parallel()
	matrix := writeFile(t, "m.csv", fiveNodeCSV)
	named := writeFile(t, "named.csv", "a,b,c\n0,1,-\n1,0,1\n,1,0\n")
	edges := writeFile(t, "e.csv", "from,to,km\ndepot,x,4\nx,store,4\ndepot,store,10\nstore,far,1\n")
	coords := writeFile(t, "c.csv", "id,x,y\ndepot,0,0\nx,4,0\nstore,8,0\nfar,9,0\n")
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"issue example dijkstra", []string{"--matrix", matrix, "--from", "1", "--to", "5"}, []string{"path: 1 -> 5\n", "cost: 12\n"}},
		{"issue example astar", []string{"--matrix", matrix, "--from", "1", "--to", "5", "--algorithm", "astar"}, []string{"path: 1 -> 5\n", "cost: 12\n"}},
		{"named matrix with gaps", []string{"--matrix", named, "--from", "a", "--to", "c"}, []string{"path: a -> b -> c\n", "cost: 2\n"}},
		{"edge list", []string{"--edges", edges, "--from", "depot", "--to", "far"}, []string{"path: depot -> x -> store -> far\n", "cost: 9\n"}},
		{"edge list astar coords", []string{"--edges", edges, "--from", "far", "--to", "depot", "--algorithm", "astar", "--coords", coords}, []string{"path: far -> store -> x -> depot\n", "cost: 9\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, _, err := runRoute(t, append([]string{"shortest-path"}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
		})
	}
}

func TestRouteSite(t *testing.T) {
	t.Parallel()
	planar := writeFile(t, "p.csv", "id,x,y,weight\nA,0,0,1\nA1,0,1,1\nA2,1,0,1\nB,100,0,1\nB1,100,1,1\nB2,101,0,1\n")
	out, _, err := runRoute(t, "site", "--input", planar, "--k", "1..2")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"6 demand points", "euclidean", "p-median sites for k=2: A B"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	// k=2 p-median: each cluster costs 2 (two points at distance 1).
	lines := strings.Split(out, "\n")
	var row2 string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "2" {
			row2 = l
		}
	}
	if f := strings.Fields(row2); len(f) != 5 || f[3] != "4.000" {
		t.Errorf("k=2 row %q: want p-median weighted distance 4.000", row2)
	}
	geo := writeFile(t, "g.csv", "id,lat,lon,weight\nparis,48.8566,2.3522,3\nlondon,51.5074,-0.1278,1\n")
	out, _, err = runRoute(t, "site", "--input", geo, "--k", "1", "--method", "pmedian")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "haversine-km") || !strings.Contains(out, "k=1: paris") {
		t.Errorf("geographic output:\n%s", out)
	}
}

func TestRouteBench(t *testing.T) {
	needRoutingData(t)
	t.Parallel()
	out, errOut, err := runRoute(t, "bench", "--data", routingData, "--set", "P", "--instances", "P-n16-k8,P-n19-k2", "--time-limit", "300ms", "--format", "markdown")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"| P-n16-k8 | 15 | 450 |", "| P-n19-k2 | 18 | 212 |", "| **mean** |"} {
		if !strings.Contains(out, w) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(errOut, "P-n16-k8") {
		t.Errorf("no progress line on stderr: %q", errOut)
	}
}

func TestRouteErrors(t *testing.T) {
	t.Parallel()
	matrix := writeFile(t, "m.csv", fiveNodeCSV)
	badCSV := writeFile(t, "bad.csv", "id,x,y,weight\nA,0,zero,1\n")
	vrpPath := filepath.Join(routingData, "cvrp", "X", "X-n101-k25.vrp")
	tspPath := filepath.Join(routingData, "tsp", "eil51.tsp")
	cases := []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"cvrp without input", []string{"cvrp"}, "--input is required", true},
		{"cvrp no bound", []string{"cvrp", "--input", vrpPath, "--time-limit", "0"}, "set --time-limit or --iterations", true},
		{"cvrp bad fleet", []string{"cvrp", "--input", vrpPath, "--fleet", "some"}, `--fleet "some"`, true},
		{"cvrp exact without k", []string{"cvrp", "--input", vrpPath, "--fleet", "exact"}, "needs --vehicles", true},
		{"cvrp bad method", []string{"cvrp", "--input", vrpPath, "--method", "magic"}, "--method", true},
		{"cvrp missing file", []string{"cvrp", "--input", "no/such.vrp"}, "no such file", false},
		{"cvrp on tsp file", []string{"cvrp", "--input", tspPath, "--iterations", "1"}, `use "route tsp"`, false},
		{"tsp on cvrp file", []string{"tsp", "--input", vrpPath, "--iterations", "1"}, `use "route cvrp"`, false},
		{"path needs one input", []string{"shortest-path", "--from", "1", "--to", "2"}, "exactly one of --matrix and --edges", true},
		{"path unknown node", []string{"shortest-path", "--matrix", matrix, "--from", "1", "--to", "9"}, `node "9" (--to)`, false},
		{"path bad algorithm", []string{"shortest-path", "--matrix", matrix, "--from", "1", "--to", "2", "--algorithm", "bfs"}, "--algorithm", true},
		{"site bad k", []string{"site", "--input", matrix, "--k", "3..1"}, `--k "3..1"`, true},
		{"site bad header", []string{"site", "--input", matrix}, "header", false},
		{"site bad number", []string{"site", "--input", badCSV, "--k", "1"}, `row 2 (A): y "zero"`, false},
		{"bench unknown set", []string{"bench", "--data", routingData, "--set", "Z"}, "no instances", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if strings.Contains(strings.Join(tc.args, " "), routingData) {
				needRoutingData(t)
			}
			_, _, err := runRoute(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
			if got := exitCode(err) == 2; got != tc.usage {
				t.Errorf("exit code %d for %v", exitCode(err), err)
			}
		})
	}
}
