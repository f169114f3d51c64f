package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/routing/graph"
	"github.com/supplyhub/supplyhub/core/routing/siting"
	"github.com/supplyhub/supplyhub/core/routing/tsplib"
	"github.com/supplyhub/supplyhub/core/routing/vrp"
)

func init() { register(newRouteCmd) }

// routeSubcommands holds constructors of further "route" subcommands, so a
// new one (for example order routing) registers itself from its own file
// with registerRoute instead of editing this one.
var routeSubcommands []func() *cobra.Command

// registerRoute adds a "route" subcommand constructor. Call it from init.
func registerRoute(f func() *cobra.Command) { routeSubcommands = append(routeSubcommands, f) }

// newRouteCmd builds the "route" command: delivery routes and network
// design run offline on files.
func newRouteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "route",
		Short: "Plan delivery routes and networks offline: CVRP, TSP, shortest paths, warehouse siting",
		Long: `Plan delivery routes and networks offline on files.

  route cvrp           capacitated vehicle routing on a CVRPLIB .vrp file, writes a .sol
  route tsp            travelling salesman on a TSPLIB .tsp file, writes a .tour
  route shortest-path  Dijkstra or A* on a matrix or edge-list CSV
  route site           warehouse siting (weighted k-means and p-median) on a CSV of demand points
  route bench          run the solvers on a benchmark directory and report gaps to best-known solutions`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newRouteCVRPCmd(), newRouteTSPCmd(), newRouteShortestPathCmd(), newRouteSiteCmd(), newRouteBenchCmd())
	for _, f := range routeSubcommands {
		cmd.AddCommand(f())
	}
	return cmd
}

// usageError marks a command-line mistake (exit code 2).
func usageError(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

// solverFlags are the flags shared by the cvrp and tsp commands.
type solverFlags struct {
	input, output string
	timeLimit     time.Duration
	iterations    int
	seed          uint64
	workers       int
	progress      bool
}

func (f *solverFlags) add(cmd *cobra.Command, defaultLimit time.Duration, outputHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&f.input, "input", "", "instance file (TSPLIB/CVRPLIB format); required")
	fl.StringVar(&f.output, "output", "", outputHelp+" (default: standard output)")
	fl.DurationVar(&f.timeLimit, "time-limit", defaultLimit, "stop after this long (0 for no limit; then set --iterations)")
	fl.IntVar(&f.iterations, "iterations", 0, "stop after this many iterations (0 for no budget); with a fixed seed and no time limit the answer is reproducible")
	fl.Uint64Var(&f.seed, "seed", 1, "random seed")
	fl.IntVar(&f.workers, "workers", 1, "independent searches run in parallel (seeds seed, seed+1, ...); the best is kept")
	fl.BoolVar(&f.progress, "progress", false, "print each improvement to standard error")
}

func (f *solverFlags) config(cmd *cobra.Command) (vrp.Config, error) {
	if f.input == "" {
		return vrp.Config{}, usageError("--input is required")
	}
	if f.timeLimit < 0 || f.iterations < 0 || f.workers < 1 {
		return vrp.Config{}, usageError("--time-limit and --iterations must not be negative and --workers must be at least 1")
	}
	if f.timeLimit == 0 && f.iterations == 0 {
		return vrp.Config{}, usageError("set --time-limit or --iterations, or the search never stops")
	}
	cfg := vrp.Config{Seed: f.seed, TimeLimit: f.timeLimit, MaxIterations: f.iterations, Workers: f.workers}
	if f.progress {
		errOut := cmd.ErrOrStderr()
		cfg.OnImprove = func(p vrp.Progress) {
			fmt.Fprintf(errOut, "%8.3fs  worker %d  iteration %d  cost %d\n", p.Elapsed.Seconds(), p.Worker, p.Iteration, p.Cost)
		}
	}
	return cfg, nil
}

// writeOutput writes via fn to the --output file, or to standard output.
func writeOutput(cmd *cobra.Command, path string, fn func(io.Writer) error) error {
	if path == "" || path == "-" {
		return fn(cmd.OutOrStdout())
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("route: write %s: %w", path, err)
	}
	return nil
}

// summaryWriter is where the one-line run summary goes: standard output
// when the solution went to a file, standard error when it went to
// standard output.
func summaryWriter(cmd *cobra.Command, output string) io.Writer {
	if output == "" || output == "-" {
		return cmd.ErrOrStderr()
	}
	return cmd.OutOrStdout()
}

func newRouteCVRPCmd() *cobra.Command {
	var sf solverFlags
	var fleet, method string
	var vehicles int
	cmd := &cobra.Command{
		Use:   "cvrp",
		Short: "Solve a capacitated vehicle routing problem from a CVRPLIB .vrp file",
		Long: `Solve a capacitated vehicle routing problem read from a CVRPLIB .vrp file and
write the solution in the CVRPLIB format ("Route #k: ..." lines numbering
customers from 1, then "Cost N"). Distances follow the file's EDGE_WEIGHT_TYPE
with TSPLIB's rounding (EUC_2D: nearest integer per edge).

Fleet: "auto" requires exactly k routes when the file states k (a VEHICLES
field or "No of trucks: k" in the COMMENT, as in the Augerat A and P sets) and
leaves the fleet unlimited otherwise (as in the X set); "exact" and "max" use
--vehicles or the file's k; "unlimited" ignores k.

Method: "hgs" is a hybrid genetic search (Vidal 2022), "ils" an iterated local
search with ruin and recreate; "auto" uses hgs up to 300 customers and ils above.`,
		Example: `  supplyhub route cvrp --input A-n32-k5.vrp --time-limit 10s --seed 1 --output A-n32-k5.sol
  supplyhub route cvrp --input X-n101-k25.vrp --iterations 2000 --time-limit 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := sf.config(cmd)
			if err != nil {
				return err
			}
			if cfg.Method, err = vrp.ParseMethod(method); err != nil {
				return usageError("--method: %v", err)
			}
			ti, err := tsplib.ReadFile(sf.input)
			if err != nil {
				return err
			}
			if ti.Type != tsplib.ProblemCVRP {
				return fmt.Errorf("route cvrp: %s is a %s file; use \"route tsp\" for TSP instances", sf.input, ti.Type)
			}
			if cfg.Fleet, err = fleetFromFlags(fleet, vehicles, ti.Vehicles); err != nil {
				return err
			}
			in, err := vrp.FromTSPLIB(ti)
			if err != nil {
				return err
			}
			res, err := vrp.SolveCVRP(cmd.Context(), in, cfg)
			if err != nil {
				return err
			}
			if err := writeOutput(cmd, sf.output, func(w io.Writer) error { return tsplib.WriteSolution(w, res.Routes, res.Cost) }); err != nil {
				return err
			}
			fmt.Fprintf(summaryWriter(cmd, sf.output), "%s: cost %d with %d routes (%s), %s, %d iterations, best found at %.2fs of %.2fs, seed %d\n",
				in.Name, res.Cost, len(res.Routes), cfg.Fleet, res.Method, res.Iterations, res.TimeToBest.Seconds(), res.Elapsed.Seconds(), res.Seed)
			return nil
		},
	}
	sf.add(cmd, 30*time.Second, "solution file to write (CVRPLIB .sol)")
	cmd.Flags().StringVar(&fleet, "fleet", "auto", "route count rule: auto, exact, max or unlimited")
	cmd.Flags().IntVar(&vehicles, "vehicles", 0, "number of vehicles k for --fleet exact or max (default: the file's k)")
	cmd.Flags().StringVar(&method, "method", "auto", "search algorithm: auto, hgs or ils")
	return cmd
}

// fleetFromFlags turns --fleet and --vehicles into a fleet rule; fileK is
// the vehicle count the instance states (0 if none).
func fleetFromFlags(mode string, vehicles, fileK int) (vrp.Fleet, error) {
	if vehicles < 0 {
		return vrp.Fleet{}, usageError("--vehicles %d must not be negative", vehicles)
	}
	k := fileK
	if vehicles > 0 {
		k = vehicles
	}
	switch mode {
	case "auto":
		if k > 0 {
			return vrp.ExactFleet(k), nil
		}
		return vrp.Fleet{}, nil
	case "unlimited":
		return vrp.Fleet{}, nil
	case "exact", "max":
		if k == 0 {
			return vrp.Fleet{}, usageError("--fleet %s needs --vehicles: the instance does not state a number of vehicles", mode)
		}
		if mode == "max" {
			return vrp.Fleet{MaxRoutes: k}, nil
		}
		return vrp.ExactFleet(k), nil
	}
	return vrp.Fleet{}, usageError("--fleet %q is not one of auto, exact, max, unlimited", mode)
}

func newRouteTSPCmd() *cobra.Command {
	var sf solverFlags
	cmd := &cobra.Command{
		Use:   "tsp",
		Short: "Solve a travelling salesman problem from a TSPLIB .tsp file",
		Long: `Find a short closed tour through every node of a TSPLIB .tsp file (symmetric
distances: EUC_2D, CEIL_2D, ATT, GEO, MAN_2D, MAX_2D or EXPLICIT) with an
iterated 2-opt/Or-opt local search, and write it as a TSPLIB TOUR file.`,
		Example: `  supplyhub route tsp --input pr1002.tsp --time-limit 10s --seed 1 --output pr1002.tour`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := sf.config(cmd)
			if err != nil {
				return err
			}
			ti, err := tsplib.ReadFile(sf.input)
			if err != nil {
				return err
			}
			if ti.Type != tsplib.ProblemTSP {
				return fmt.Errorf("route tsp: %s is a %s file; use \"route cvrp\" for CVRP instances", sf.input, ti.Type)
			}
			in, err := vrp.FromTSPLIB(ti)
			if err != nil {
				return err
			}
			res, err := vrp.SolveTSP(cmd.Context(), in, cfg)
			if err != nil {
				return err
			}
			if err := writeOutput(cmd, sf.output, func(w io.Writer) error { return tsplib.WriteTour(w, in.Name+".tour", res.Tour, res.Cost) }); err != nil {
				return err
			}
			fmt.Fprintf(summaryWriter(cmd, sf.output), "%s: length %d, %d iterations, best found at %.2fs of %.2fs, seed %d\n",
				in.Name, res.Cost, res.Iterations, res.TimeToBest.Seconds(), res.Elapsed.Seconds(), res.Seed)
			return nil
		},
	}
	sf.add(cmd, 10*time.Second, "tour file to write (TSPLIB TOUR)")
	return cmd
}

func newRouteShortestPathCmd() *cobra.Command {
	var matrixPath, edgesPath, coordsPath, from, to, algorithm string
	var directed bool
	var landmarks int
	cmd := &cobra.Command{
		Use:   "shortest-path",
		Short: "Find a shortest path with Dijkstra or A* on a matrix or edge-list CSV",
		Long: `Find a shortest path between two nodes of a road graph.

Input, one of:
  --matrix FILE  a square CSV of arc weights, row i column j being the weight
                 of i → j; an optional first row of node names; an empty cell,
                 "-" or "inf" means no arc. Without names the nodes are 1..n.
  --edges FILE   a CSV of "from,to,weight" rows (an optional header row);
                 edges are undirected unless --directed.

--algorithm astar uses straight-line distances from --coords (a CSV of
"id,x,y" rows), scaled so the estimate never exceeds an arc's weight, or,
without coordinates, landmark lower bounds (ALT).`,
		Example: `  supplyhub route shortest-path --matrix roads.csv --from 1 --to 5
  supplyhub route shortest-path --edges roads.csv --from depot --to store-17 --algorithm astar --coords nodes.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (matrixPath == "") == (edgesPath == "") {
				return usageError("give exactly one of --matrix and --edges")
			}
			if from == "" || to == "" {
				return usageError("--from and --to are required")
			}
			var g *graph.Graph
			var err error
			if matrixPath != "" {
				g, err = readMatrixGraph(matrixPath)
			} else {
				g, err = readEdgeGraph(edgesPath, directed)
			}
			if err != nil {
				return err
			}
			src, ok := g.Node(from)
			if !ok {
				return fmt.Errorf("route shortest-path: node %q (--from) is not in the graph", from)
			}
			dst, ok := g.Node(to)
			if !ok {
				return fmt.Errorf("route shortest-path: node %q (--to) is not in the graph", to)
			}
			var h graph.Heuristic
			switch algorithm {
			case "dijkstra":
			case "astar":
				if coordsPath != "" {
					pos, err := readCoords(coordsPath, g)
					if err != nil {
						return err
					}
					scale, err := graph.ConsistentScale(g, pos)
					if err != nil {
						return err
					}
					h = graph.Euclidean(pos, dst, scale)
				} else {
					lm, err := graph.NewLandmarks(g, landmarks)
					if err != nil {
						return err
					}
					h = lm.Heuristic(dst)
				}
			default:
				return usageError("--algorithm %q is not dijkstra or astar", algorithm)
			}
			p, err := g.AStar(src, dst, h)
			if err != nil {
				return fmt.Errorf("route shortest-path: %w", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "path: %s\n", strings.Join(p.Names(g), " -> "))
			fmt.Fprintf(out, "cost: %s\n", strconv.FormatFloat(p.Cost, 'f', -1, 64))
			fmt.Fprintf(out, "settled: %d of %d nodes (%s)\n", p.Settled, g.Len(), algorithm)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&matrixPath, "matrix", "", "CSV weight matrix")
	fl.StringVar(&edgesPath, "edges", "", "CSV edge list: from,to,weight")
	fl.StringVar(&coordsPath, "coords", "", "CSV of node coordinates id,x,y for the A* straight-line heuristic")
	fl.StringVar(&from, "from", "", "source node name")
	fl.StringVar(&to, "to", "", "target node name")
	fl.StringVar(&algorithm, "algorithm", "dijkstra", "dijkstra or astar")
	fl.BoolVar(&directed, "directed", false, "treat --edges rows as one-way arcs")
	fl.IntVar(&landmarks, "landmarks", 4, "landmarks for A* without --coords")
	return cmd
}

// readCSV reads every record of a CSV file, trimming blanks.
func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("route: %s: %w", path, err)
	}
	var out [][]string
	for _, rec := range recs {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		out = append(out, rec)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("route: %s is empty", path)
	}
	return out, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func readMatrixGraph(path string) (*graph.Graph, error) {
	recs, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	var names []string
	header := false
	for _, cell := range recs[0] {
		if cell != "" && cell != "-" && !strings.EqualFold(cell, "inf") && !isNumber(cell) {
			header = true
		}
	}
	if header {
		names = recs[0]
		recs = recs[1:]
	}
	m := make([][]float64, len(recs))
	for i, rec := range recs {
		if names != nil && len(rec) == len(names)+1 {
			rec = rec[1:] // a leading row-name column
		}
		m[i] = make([]float64, len(rec))
		for j, cell := range rec {
			switch {
			case cell == "" || cell == "-" || strings.EqualFold(cell, "inf"):
				m[i][j] = math.Inf(1)
			default:
				v, err := strconv.ParseFloat(cell, 64)
				if err != nil {
					return nil, fmt.Errorf("route: %s: row %d column %d: %q is not a number, \"-\" or empty", path, i+1, j+1, cell)
				}
				m[i][j] = v
			}
		}
	}
	if names != nil && len(names) > 0 && names[0] == "" && len(names) == len(recs)+1 {
		names = names[1:] // header with an empty corner cell
	}
	g, err := graph.FromMatrix(m, names)
	if err != nil {
		return nil, fmt.Errorf("route: %s: %w", path, err)
	}
	return g, nil
}

func readEdgeGraph(path string, directed bool) (*graph.Graph, error) {
	recs, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	if len(recs[0]) >= 3 && !isNumber(recs[0][2]) {
		recs = recs[1:] // header
	}
	g := graph.New()
	for i, rec := range recs {
		if len(rec) != 3 {
			return nil, fmt.Errorf("route: %s: row %d has %d fields, want from,to,weight", path, i+1, len(rec))
		}
		w, err := strconv.ParseFloat(rec[2], 64)
		if err != nil {
			return nil, fmt.Errorf("route: %s: row %d: weight %q is not a number", path, i+1, rec[2])
		}
		a, b := g.AddNode(rec[0]), g.AddNode(rec[1])
		if directed {
			err = g.AddArc(a, b, w)
		} else {
			err = g.AddEdge(a, b, w)
		}
		if err != nil {
			return nil, fmt.Errorf("route: %s: row %d: %w", path, i+1, err)
		}
	}
	return g, nil
}

func readCoords(path string, g *graph.Graph) ([]graph.Point, error) {
	recs, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	if len(recs[0]) >= 3 && !isNumber(recs[0][1]) {
		recs = recs[1:]
	}
	pos := make([]graph.Point, g.Len())
	have := make([]bool, g.Len())
	for i, rec := range recs {
		if len(rec) != 3 {
			return nil, fmt.Errorf("route: %s: row %d has %d fields, want id,x,y", path, i+1, len(rec))
		}
		v, ok := g.Node(rec[0])
		if !ok {
			continue // a position for a node without roads
		}
		x, errX := strconv.ParseFloat(rec[1], 64)
		y, errY := strconv.ParseFloat(rec[2], 64)
		if errX != nil || errY != nil {
			return nil, fmt.Errorf("route: %s: row %d: coordinates %q, %q are not numbers", path, i+1, rec[1], rec[2])
		}
		pos[v], have[v] = graph.Point{X: x, Y: y}, true
	}
	for v, ok := range have {
		if !ok {
			return nil, fmt.Errorf("route: %s: no coordinates for node %q", path, g.Name(v))
		}
	}
	return pos, nil
}

func newRouteSiteCmd() *cobra.Command {
	var input, kRange, method string
	var seed uint64
	var restarts int
	cmd := &cobra.Command{
		Use:   "site",
		Short: "Choose warehouse sites for k = 1..K by weighted k-means and p-median",
		Long: `Choose warehouse sites that keep demand close. The input is a CSV of demand
points with a header row: "id,x,y,weight" for planar coordinates (Euclidean
distances) or "id,lat,lon,weight" for latitude/longitude in degrees
(great-circle kilometres). For each k the table gives the demand-weighted
distance Σ weight × distance to the nearest site (and its mean per unit of
demand) for weighted k-means centroids and for the p-median local search,
whose sites are demand points.`,
		Example: `  supplyhub route site --input customers.csv --k 1..6
  supplyhub route site --input stores.csv --k 3 --method pmedian`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if input == "" {
				return usageError("--input is required")
			}
			kMin, kMax, err := parseKRange(kRange)
			if err != nil {
				return err
			}
			if method != "both" && method != "kmeans" && method != "pmedian" {
				return usageError("--method %q is not both, kmeans or pmedian", method)
			}
			pts, metric, err := readDemandPoints(input)
			if err != nil {
				return err
			}
			if kMax > len(pts) {
				return usageError("--k %s asks for more sites than the %d demand points", kRange, len(pts))
			}
			if method != "kmeans" && len(pts) > maxPMedianPoints {
				return usageError("%d demand points: the p-median search compares every point as a site and would take hours above %d; aggregate the points (for example by postcode) or use --method kmeans", len(pts), maxPMedianPoints)
			}
			cfg := siting.Config{Metric: metric, Seed: seed, Restarts: restarts}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(cmd.OutOrStdout(), "%d demand points, total demand %s, %s distances\n", len(pts), fmtNum(totalWeight(pts)), metric)
			fmt.Fprint(tw, "k\t")
			if method != "pmedian" {
				fmt.Fprint(tw, "kmeans weighted dist\tkmeans mean\t")
			}
			if method != "kmeans" {
				fmt.Fprint(tw, "pmedian weighted dist\tpmedian mean\t")
			}
			fmt.Fprintln(tw, "\t")
			var sites [][]string
			for k := kMin; k <= kMax; k++ {
				fmt.Fprintf(tw, "%d\t", k)
				if method != "pmedian" {
					s, err := siting.KMeans(pts, k, cfg)
					if err != nil {
						return err
					}
					fmt.Fprintf(tw, "%s\t%s\t", fmtNum(s.WeightedDistance), fmtNum(s.MeanDistance()))
				}
				if method != "kmeans" {
					s, err := siting.PMedian(pts, k, cfg)
					if err != nil {
						return err
					}
					fmt.Fprintf(tw, "%s\t%s\t", fmtNum(s.WeightedDistance), fmtNum(s.MeanDistance()))
					ids := make([]string, len(s.Centers))
					for i, c := range s.Centers {
						ids[i] = c.ID
					}
					sites = append(sites, []string{strconv.Itoa(k), strings.Join(ids, " ")})
				}
				fmt.Fprintln(tw, "\t")
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, s := range sites {
				fmt.Fprintf(cmd.OutOrStdout(), "p-median sites for k=%s: %s\n", s[0], s[1])
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&input, "input", "", "CSV of demand points: id,x,y,weight or id,lat,lon,weight; required")
	fl.StringVar(&kRange, "k", "1..5", "number of sites: K or a range A..B")
	fl.StringVar(&method, "method", "both", "both, kmeans or pmedian")
	fl.Uint64Var(&seed, "seed", 1, "random seed")
	fl.IntVar(&restarts, "restarts", 10, "k-means runs and p-median interchange starts per k")
	return cmd
}

// maxPMedianPoints bounds the p-median search of "route site", whose time
// grows with the square of the number of points.
const maxPMedianPoints = 5000

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func totalWeight(pts []siting.Point) float64 {
	t := 0.0
	for _, p := range pts {
		t += p.Weight
	}
	return t
}

// parseKRange reads "K" or "A..B".
func parseKRange(s string) (int, int, error) {
	a, b, isRange := strings.Cut(s, "..")
	if !isRange {
		b = a
	}
	kMin, errA := strconv.Atoi(strings.TrimSpace(a))
	kMax, errB := strconv.Atoi(strings.TrimSpace(b))
	if errA != nil || errB != nil || kMin < 1 || kMax < kMin {
		return 0, 0, usageError("--k %q is not a number of sites K ≥ 1 or a range A..B with 1 ≤ A ≤ B", s)
	}
	return kMin, kMax, nil
}

// readDemandPoints reads id,x,y,weight or id,lat,lon,weight; the header
// decides the metric.
func readDemandPoints(path string) ([]siting.Point, siting.Metric, error) {
	recs, err := readCSV(path)
	if err != nil {
		return nil, 0, err
	}
	header := make([]string, len(recs[0]))
	for i, h := range recs[0] {
		header[i] = strings.ToLower(h)
	}
	var metric siting.Metric
	switch strings.Join(header, ",") {
	case "id,x,y,weight":
		metric = siting.Euclidean
	case "id,lat,lon,weight", "id,latitude,longitude,weight", "id,lat,lng,weight":
		metric = siting.Haversine
	default:
		return nil, 0, fmt.Errorf("route site: %s: header %q is not \"id,x,y,weight\" or \"id,lat,lon,weight\"", path, strings.Join(recs[0], ","))
	}
	pts := make([]siting.Point, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		row := i + 2
		if len(rec) != 4 {
			return nil, 0, fmt.Errorf("route site: %s: row %d has %d fields, want 4", path, row, len(rec))
		}
		var v [3]float64
		for j := range 3 {
			if v[j], err = strconv.ParseFloat(rec[j+1], 64); err != nil {
				return nil, 0, fmt.Errorf("route site: %s: row %d (%s): %s %q is not a number", path, row, rec[0], header[j+1], rec[j+1])
			}
		}
		pts = append(pts, siting.Point{ID: rec[0], X: v[0], Y: v[1], Weight: v[2]})
	}
	if len(pts) == 0 {
		return nil, 0, fmt.Errorf("route site: %s has a header but no demand points", path)
	}
	return pts, metric, nil
}

func newRouteBenchCmd() *cobra.Command {
	var dataDir, set, only, format, method string
	var timeLimit time.Duration
	var seed uint64
	var workers, maxN int
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run the solvers on a benchmark set and report the gap to the best-known solutions",
		Long: `Run "route cvrp" or "route tsp" on every instance of a benchmark set listed in
DATA/bks.csv (the layout of ../shared/bench/routing: cvrp/A, cvrp/P, cvrp/X,
tsp/) and report, per instance, the cost, the gap 100·(cost − BKS)/BKS, the
time at which the best solution was found, and the mean gap. A and P use
exactly k routes, X an unlimited fleet. Every solution is checked.`,
		Example: `  supplyhub route bench --data ../shared/bench/routing --set A --time-limit 10s
  supplyhub route bench --data ../shared/bench/routing --set X --time-limit 60s --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if timeLimit <= 0 {
				return usageError("--time-limit must be positive")
			}
			if format != "text" && format != "markdown" {
				return usageError("--format %q is not text or markdown", format)
			}
			rows, err := tsplib.ReadBKSFile(filepath.Join(dataDir, "bks.csv"))
			if err != nil {
				return err
			}
			want := map[string]bool{}
			for _, name := range strings.Split(only, ",") {
				if name = strings.TrimSpace(name); name != "" {
					want[name] = true
				}
			}
			var selected []tsplib.BKS
			for _, b := range rows {
				if (set == "TSP" && b.Type != "TSP") || (set != "TSP" && b.Set != set) {
					continue
				}
				if (len(want) > 0 && !want[b.Instance]) || (maxN > 0 && b.N > maxN) {
					continue
				}
				selected = append(selected, b)
			}
			if len(selected) == 0 {
				return usageError("no instances of set %q (after --instances/--max-n) in %s", set, filepath.Join(dataDir, "bks.csv"))
			}
			sort.SliceStable(selected, func(i, j int) bool { return selected[i].N < selected[j].N })
			m, err := vrp.ParseMethod(method)
			if err != nil {
				return usageError("--method: %v", err)
			}
			return runBench(cmd, dataDir, selected, vrp.Config{Seed: seed, TimeLimit: timeLimit, Workers: workers, Method: m}, format)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dataDir, "data", "../shared/bench/routing", "benchmark directory with bks.csv")
	fl.StringVar(&set, "set", "A", "A, P, X (CVRP) or TSP")
	fl.StringVar(&only, "instances", "", "comma-separated instance names to run (default: the whole set)")
	fl.DurationVar(&timeLimit, "time-limit", 10*time.Second, "time limit per instance")
	fl.Uint64Var(&seed, "seed", 1, "random seed")
	fl.IntVar(&workers, "workers", 1, "parallel searches per instance")
	fl.IntVar(&maxN, "max-n", 0, "skip instances with more customers/nodes than this (0: none)")
	fl.StringVar(&format, "format", "text", "text or markdown")
	fl.StringVar(&method, "method", "auto", "CVRP search algorithm: auto, hgs or ils")
	return cmd
}

type benchRow struct {
	name       string
	n          int
	bks, cost  int64
	gap        float64
	ttb        time.Duration
	iterations int
	routes     int
	method     string
}

func runBench(cmd *cobra.Command, dataDir string, selected []tsplib.BKS, base vrp.Config, format string) error {
	out := cmd.OutOrStdout()
	var rows []benchRow
	for _, b := range selected {
		if err := cmd.Context().Err(); err != nil {
			return err
		}
		cfg := base
		var path string
		if b.Type == "TSP" {
			path = filepath.Join(dataDir, "tsp", b.Instance+".tsp")
		} else {
			path = filepath.Join(dataDir, "cvrp", b.Set, b.Instance+".vrp")
		}
		ti, err := tsplib.ReadFile(path)
		if err != nil {
			return err
		}
		in, err := vrp.FromTSPLIB(ti)
		if err != nil {
			return err
		}
		row := benchRow{name: b.Instance, n: b.N, bks: b.Value}
		if b.Type == "TSP" {
			res, err := vrp.SolveTSP(cmd.Context(), in, cfg)
			if err != nil {
				return fmt.Errorf("route bench: %s: %w", b.Instance, err)
			}
			row.cost, row.ttb, row.iterations, row.method = res.Cost, res.TimeToBest, res.Iterations, "ils-2opt-oropt"
		} else {
			if b.ExactFleet {
				cfg.Fleet = vrp.ExactFleet(b.Vehicles)
			}
			res, err := vrp.SolveCVRP(cmd.Context(), in, cfg)
			if err != nil {
				return fmt.Errorf("route bench: %s: %w", b.Instance, err)
			}
			if _, err := vrp.Check(in, res.Routes, cfg.Fleet); err != nil {
				return fmt.Errorf("route bench: %s: %w", b.Instance, err)
			}
			row.cost, row.ttb, row.iterations, row.method = res.Cost, res.TimeToBest, res.Iterations, res.Method.String()
			row.routes = len(res.Routes)
		}
		row.gap = b.GapPercent(row.cost)
		rows = append(rows, row)
		fmt.Fprintf(cmd.ErrOrStderr(), "%-12s gap %6.3f%%  cost %d  best at %.1fs\n", row.name, row.gap, row.cost, row.ttb.Seconds())
	}
	mean := 0.0
	for _, r := range rows {
		mean += r.gap
	}
	mean /= float64(len(rows))
	if format == "markdown" {
		fmt.Fprintln(out, "| instance | n | BKS | cost | gap % | time to best (s) | routes | method | iterations |")
		fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---|---:|")
		for _, r := range rows {
			routes := "-"
			if r.routes > 0 {
				routes = strconv.Itoa(r.routes)
			}
			fmt.Fprintf(out, "| %s | %d | %d | %d | %.3f | %.1f | %s | %s | %d |\n", r.name, r.n, r.bks, r.cost, r.gap, r.ttb.Seconds(), routes, r.method, r.iterations)
		}
		fmt.Fprintf(out, "| **mean** | | | | **%.3f** | | | | |\n", mean)
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "instance\tn\tBKS\tcost\tgap%\ttime-to-best\troutes\tmethod\titerations")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.3f\t%.1fs\t%d\t%s\t%d\n", r.name, r.n, r.bks, r.cost, r.gap, r.ttb.Seconds(), r.routes, r.method, r.iterations)
	}
	fmt.Fprintf(tw, "mean\t\t\t\t%.3f\t\t\t\t\n", mean)
	return tw.Flush()
}
