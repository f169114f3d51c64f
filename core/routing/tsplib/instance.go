package tsplib

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Problem types understood by [Parse].
const (
	ProblemTSP  = "TSP"
	ProblemCVRP = "CVRP"
	ProblemTour = "TOUR"
)

// Limits that keep a malformed or hostile file from exhausting memory.
const (
	// MaxDimension is the largest DIMENSION accepted.
	MaxDimension = 1 << 20
	// MaxExplicitDimension is the largest DIMENSION accepted with
	// EDGE_WEIGHT_TYPE EXPLICIT, whose full matrix is held in memory.
	MaxExplicitDimension = 5000
	// maxLineBytes bounds one line of input.
	maxLineBytes = 1 << 20
	// maxCoord bounds coordinates so that every distance fits an int.
	maxCoord = 1e15
)

// Instance is a parsed TSPLIB or CVRPLIB file: a TSP or CVRP instance, or a
// tour file. Node indices are 0-based (TSPLIB node id k is index k-1).
type Instance struct {
	// Name is the NAME field.
	Name string
	// Comment is the COMMENT field (the last one if repeated).
	Comment string
	// Type is TSP, CVRP or TOUR.
	Type string
	// Dimension is the number of nodes, depot included for CVRP.
	Dimension int
	// EdgeWeightType is EUC_2D, CEIL_2D, ATT, GEO, MAN_2D, MAX_2D or EXPLICIT.
	EdgeWeightType string
	// EdgeWeightFormat is the layout of EDGE_WEIGHT_SECTION for EXPLICIT
	// instances (FULL_MATRIX, UPPER_ROW, LOWER_DIAG_ROW, ...).
	EdgeWeightFormat string
	// Capacity is the vehicle capacity of a CVRP instance.
	Capacity int
	// Vehicles is the number of vehicles the file states, from a VEHICLES
	// field or a "No of trucks: k" COMMENT as in the Augerat sets; 0 when
	// the file does not say.
	Vehicles int
	// Coords holds the node coordinates by index (nil for EXPLICIT
	// instances without coordinates).
	Coords []Point
	// Demands holds the CVRP demands by node index.
	Demands []int
	// Depots holds the 0-based depot indices of a CVRP instance.
	Depots []int
	// Tour is the first tour of a TOUR_SECTION, as 0-based node indices.
	Tour []int

	// weights is the full n×n matrix of an EXPLICIT instance.
	weights []int32
	dist    func(a, b Point) int
}

// ReadFile parses the TSPLIB/CVRPLIB file at path.
func ReadFile(path string) (*Instance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tsplib: %w", err)
	}
	defer f.Close()
	in, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

var trucksRE = regexp.MustCompile(`(?i)no\s+of\s+trucks\s*:\s*(\d+)`)

// coordEntry and demandEntry are collected while parsing and laid out by id
// once the file is complete, so memory grows with the input, not with a
// claimed DIMENSION.
type coordEntry struct {
	id   int
	p    Point
	line int
}

type demandEntry struct {
	id, demand, line int
}

type parser struct {
	in       *Instance
	section  string
	coords   []coordEntry
	demands  []demandEntry
	weights  []int64
	tourDone bool
	depotEnd bool
	haveTour bool
	line     int
}

// Parse reads a TSPLIB95/CVRPLIB instance or tour file. It accepts LF and
// CRLF line endings, tabs or spaces between fields, leading and trailing
// blanks, "KEY : value" and "KEY: value", and a missing EOF line.
func Parse(r io.Reader) (*Instance, error) {
	p := &parser{in: &Instance{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLineBytes)
	for sc.Scan() {
		p.line++
		line := strings.TrimSpace(string(bytes.TrimRight(sc.Bytes(), "\r")))
		if line == "" {
			continue
		}
		if line == "EOF" {
			break
		}
		if err := p.handle(line); err != nil {
			return nil, fmt.Errorf("tsplib: line %d: %w", p.line, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("tsplib: line %d longer than %d bytes", p.line+1, maxLineBytes)
		}
		return nil, fmt.Errorf("tsplib: read: %w", err)
	}
	if err := p.finish(); err != nil {
		return nil, fmt.Errorf("tsplib: %w", err)
	}
	return p.in, nil
}

// isKeywordStart reports whether a line starts with a keyword rather than a
// number.
func isKeywordStart(line string) bool {
	c := line[0]
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'
}

func (p *parser) handle(line string) error {
	if !isKeywordStart(line) {
		return p.data(strings.Fields(line))
	}
	key, value := line, ""
	if i := strings.IndexByte(line, ':'); i >= 0 {
		key, value = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
	}
	if f := strings.Fields(key); len(f) > 1 {
		// "NODE_COORD_SECTION 1 2 3" or "KEY value" without a colon.
		key = f[0]
		value = strings.TrimSpace(strings.TrimPrefix(line, f[0]))
		value = strings.TrimSpace(strings.TrimPrefix(value, ":"))
	}
	key = strings.ToUpper(key)
	if strings.HasSuffix(key, "_SECTION") {
		return p.startSection(key, value)
	}
	p.section = ""
	return p.spec(key, value)
}

func (p *parser) spec(key, value string) error {
	in := p.in
	switch key {
	case "NAME":
		in.Name = value
	case "COMMENT":
		in.Comment = value
		if m := trucksRE.FindStringSubmatch(value); m != nil && in.Vehicles == 0 {
			k, err := strconv.Atoi(m[1])
			if err == nil && k > 0 && k <= MaxDimension {
				in.Vehicles = k
			}
		}
	case "TYPE":
		t := strings.ToUpper(value)
		switch t {
		case ProblemTSP, ProblemCVRP, ProblemTour:
			in.Type = t
		default:
			return fmt.Errorf("TYPE %q is not supported; use TSP, CVRP or TOUR", value)
		}
	case "DIMENSION":
		n, err := strconv.Atoi(value)
		if err != nil || n <= 0 {
			return fmt.Errorf("DIMENSION %q is not a positive integer", value)
		}
		if n > MaxDimension {
			return fmt.Errorf("DIMENSION %d is larger than the supported %d", n, MaxDimension)
		}
		if in.Dimension != 0 && in.Dimension != n {
			return fmt.Errorf("DIMENSION given twice (%d and %d)", in.Dimension, n)
		}
		in.Dimension = n
	case "CAPACITY":
		c, err := strconv.Atoi(value)
		if err != nil || c <= 0 {
			return fmt.Errorf("CAPACITY %q is not a positive integer", value)
		}
		in.Capacity = c
	case "VEHICLES":
		k, err := strconv.Atoi(value)
		if err != nil || k <= 0 || k > MaxDimension {
			return fmt.Errorf("VEHICLES %q is not a positive integer", value)
		}
		in.Vehicles = k
	case "EDGE_WEIGHT_TYPE":
		t := strings.ToUpper(value)
		if t != TypeExplicit {
			fn, err := DistanceFunc(t)
			if err != nil {
				return errors.New(strings.TrimPrefix(err.Error(), "tsplib: "))
			}
			in.dist = fn
		}
		in.EdgeWeightType = t
	case "EDGE_WEIGHT_FORMAT":
		in.EdgeWeightFormat = strings.ToUpper(value)
	case "NODE_COORD_TYPE":
		if t := strings.ToUpper(value); t != "TWOD_COORDS" && t != "NO_COORDS" {
			return fmt.Errorf("NODE_COORD_TYPE %q is not supported; only TWOD_COORDS", value)
		}
	case "DISPLAY_DATA_TYPE", "EDGE_DATA_FORMAT", "DISTANCE", "SERVICE_TIME":
		// Known keys with no bearing on the data read here.
	default:
		// TSPLIB variants add their own keys; unknown keys are ignored.
	}
	return nil
}

func (p *parser) startSection(key, rest string) error {
	switch key {
	case "NODE_COORD_SECTION", "DEMAND_SECTION", "EDGE_WEIGHT_SECTION":
		if p.in.Dimension == 0 {
			return fmt.Errorf("%s before DIMENSION; put DIMENSION in the specification part", key)
		}
	case "DEPOT_SECTION":
		p.depotEnd = false
	case "TOUR_SECTION":
		if p.haveTour {
			p.tourDone = true // keep the first tour only
		}
		p.haveTour = true
	}
	if key == "EDGE_WEIGHT_SECTION" && p.in.Dimension > MaxExplicitDimension {
		return fmt.Errorf("EDGE_WEIGHT_SECTION with DIMENSION %d is larger than the supported %d", p.in.Dimension, MaxExplicitDimension)
	}
	p.section = key
	if rest != "" && !isKeywordStart(rest) {
		return p.data(strings.Fields(rest))
	}
	return nil
}

func (p *parser) data(fields []string) error {
	switch p.section {
	case "":
		return fmt.Errorf("number %q outside any data section", fields[0])
	case "NODE_COORD_SECTION":
		if len(fields) != 3 {
			return fmt.Errorf("NODE_COORD_SECTION: want \"id x y\", got %d fields %q", len(fields), strings.Join(fields, " "))
		}
		id, err := p.nodeID(fields[0])
		if err != nil {
			return fmt.Errorf("NODE_COORD_SECTION: %w", err)
		}
		x, errX := strconv.ParseFloat(fields[1], 64)
		y, errY := strconv.ParseFloat(fields[2], 64)
		if errX != nil || errY != nil || !(math.Abs(x) <= maxCoord) || !(math.Abs(y) <= maxCoord) {
			return fmt.Errorf("NODE_COORD_SECTION: node %d: coordinates %q %q are not finite numbers within ±1e15", id, fields[1], fields[2])
		}
		if len(p.coords) >= p.in.Dimension {
			return fmt.Errorf("NODE_COORD_SECTION: more than DIMENSION=%d nodes", p.in.Dimension)
		}
		p.coords = append(p.coords, coordEntry{id: id, p: Point{x, y}, line: p.line})
	case "DEMAND_SECTION":
		if len(fields) != 2 {
			return fmt.Errorf("DEMAND_SECTION: want \"id demand\", got %d fields %q", len(fields), strings.Join(fields, " "))
		}
		id, err := p.nodeID(fields[0])
		if err != nil {
			return fmt.Errorf("DEMAND_SECTION: %w", err)
		}
		d, err := strconv.Atoi(fields[1])
		if err != nil || d < 0 || d > math.MaxInt32 {
			return fmt.Errorf("DEMAND_SECTION: node %d: demand %q is not a non-negative integer", id, fields[1])
		}
		if len(p.demands) >= p.in.Dimension {
			return fmt.Errorf("DEMAND_SECTION: more than DIMENSION=%d demands", p.in.Dimension)
		}
		p.demands = append(p.demands, demandEntry{id: id, demand: d, line: p.line})
	case "DEPOT_SECTION":
		for _, f := range fields {
			if p.depotEnd {
				return fmt.Errorf("DEPOT_SECTION: %q after the terminating -1", f)
			}
			if f == "-1" {
				p.depotEnd = true
				continue
			}
			id, err := p.nodeID(f)
			if err != nil {
				return fmt.Errorf("DEPOT_SECTION: %w", err)
			}
			p.in.Depots = append(p.in.Depots, id-1)
		}
	case "EDGE_WEIGHT_SECTION":
		for _, f := range fields {
			w, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				v, ferr := strconv.ParseFloat(f, 64)
				if ferr != nil || v != math.Trunc(v) || math.Abs(v) > math.MaxInt32 {
					return fmt.Errorf("EDGE_WEIGHT_SECTION: weight %q is not an integer", f)
				}
				w = int64(v)
			}
			if w < 0 || w > math.MaxInt32 {
				return fmt.Errorf("EDGE_WEIGHT_SECTION: weight %d is outside 0..%d", w, math.MaxInt32)
			}
			if len(p.weights) >= p.in.Dimension*p.in.Dimension {
				return fmt.Errorf("EDGE_WEIGHT_SECTION: more weights than a %d×%d matrix holds", p.in.Dimension, p.in.Dimension)
			}
			p.weights = append(p.weights, w)
		}
	case "TOUR_SECTION":
		for _, f := range fields {
			if p.tourDone {
				return nil
			}
			if f == "-1" {
				p.tourDone = true
				continue
			}
			id, err := strconv.Atoi(f)
			if err != nil || id < 1 || id > MaxDimension {
				return fmt.Errorf("TOUR_SECTION: node %q is not a node id", f)
			}
			if len(p.in.Tour) >= MaxDimension {
				return fmt.Errorf("TOUR_SECTION: more than %d nodes", MaxDimension)
			}
			p.in.Tour = append(p.in.Tour, id-1)
		}
	default:
		// DISPLAY_DATA_SECTION, FIXED_EDGES_SECTION and others: not needed.
	}
	return nil
}

func (p *parser) nodeID(s string) (int, error) {
	id, err := strconv.Atoi(s)
	if err != nil || id < 1 || id > p.in.Dimension {
		return 0, fmt.Errorf("node id %q is not in 1..DIMENSION=%d", s, p.in.Dimension)
	}
	return id, nil
}

func (p *parser) finish() error {
	in := p.in
	if in.Type == "" {
		switch {
		case p.haveTour:
			in.Type = ProblemTour
		case in.Capacity > 0 || len(p.demands) > 0:
			in.Type = ProblemCVRP
		default:
			in.Type = ProblemTSP
		}
	}
	if in.Type == ProblemTour {
		return p.finishTour()
	}
	if in.Dimension == 0 {
		return errors.New("missing DIMENSION")
	}
	if in.EdgeWeightType == "" {
		return errors.New("missing EDGE_WEIGHT_TYPE")
	}
	if len(p.coords) > 0 {
		if len(p.coords) != in.Dimension {
			return fmt.Errorf("NODE_COORD_SECTION has %d nodes, DIMENSION says %d", len(p.coords), in.Dimension)
		}
		in.Coords = make([]Point, in.Dimension)
		seen := make([]bool, in.Dimension)
		for _, c := range p.coords {
			if seen[c.id-1] {
				return fmt.Errorf("line %d: NODE_COORD_SECTION: node %d listed twice", c.line, c.id)
			}
			seen[c.id-1] = true
			in.Coords[c.id-1] = c.p
		}
	}
	if in.EdgeWeightType == TypeExplicit {
		if err := p.buildExplicit(); err != nil {
			return err
		}
	} else if in.Coords == nil {
		return fmt.Errorf("EDGE_WEIGHT_TYPE %s needs a NODE_COORD_SECTION", in.EdgeWeightType)
	}
	if p.haveTour {
		if err := checkPermutation(in.Tour, in.Dimension); err != nil {
			return fmt.Errorf("TOUR_SECTION: %w", err)
		}
	}
	if in.Type == ProblemCVRP {
		return p.finishCVRP()
	}
	return nil
}

func (p *parser) finishCVRP() error {
	in := p.in
	if in.Capacity <= 0 {
		return errors.New("CVRP instance without a positive CAPACITY")
	}
	if len(p.demands) != in.Dimension {
		return fmt.Errorf("DEMAND_SECTION has %d demands, DIMENSION says %d", len(p.demands), in.Dimension)
	}
	in.Demands = make([]int, in.Dimension)
	seen := make([]bool, in.Dimension)
	for _, d := range p.demands {
		if seen[d.id-1] {
			return fmt.Errorf("line %d: DEMAND_SECTION: node %d listed twice", d.line, d.id)
		}
		seen[d.id-1] = true
		in.Demands[d.id-1] = d.demand
	}
	if len(in.Depots) == 0 {
		return errors.New("CVRP instance without a DEPOT_SECTION; list the depot node and end with -1")
	}
	return nil
}

func (p *parser) finishTour() error {
	in := p.in
	if !p.haveTour {
		return errors.New("TOUR file without a TOUR_SECTION")
	}
	if in.Dimension == 0 {
		in.Dimension = len(in.Tour)
	}
	if err := checkPermutation(in.Tour, in.Dimension); err != nil {
		return fmt.Errorf("TOUR_SECTION: %w", err)
	}
	return nil
}

// checkPermutation verifies that tour visits every index 0..n-1 once.
func checkPermutation(tour []int, n int) error {
	if len(tour) != n {
		return fmt.Errorf("tour has %d nodes, want DIMENSION=%d", len(tour), n)
	}
	seen := make([]bool, n)
	for _, v := range tour {
		if v < 0 || v >= n {
			return fmt.Errorf("node %d is not in 1..%d", v+1, n)
		}
		if seen[v] {
			return fmt.Errorf("node %d visited twice", v+1)
		}
		seen[v] = true
	}
	return nil
}

// buildExplicit lays out EDGE_WEIGHT_SECTION as a full n×n matrix.
func (p *parser) buildExplicit() error {
	in := p.in
	n := in.Dimension
	format := in.EdgeWeightFormat
	// A column-wise triangle of a symmetric matrix is the other row-wise one.
	switch format {
	case "UPPER_COL":
		format = "LOWER_ROW"
	case "LOWER_COL":
		format = "UPPER_ROW"
	case "UPPER_DIAG_COL":
		format = "LOWER_DIAG_ROW"
	case "LOWER_DIAG_COL":
		format = "UPPER_DIAG_ROW"
	}
	var want int
	switch format {
	case "FULL_MATRIX":
		want = n * n
	case "UPPER_ROW", "LOWER_ROW":
		want = n * (n - 1) / 2
	case "UPPER_DIAG_ROW", "LOWER_DIAG_ROW":
		want = n * (n + 1) / 2
	case "":
		return errors.New("EDGE_WEIGHT_TYPE EXPLICIT without EDGE_WEIGHT_FORMAT")
	default:
		return fmt.Errorf("EDGE_WEIGHT_FORMAT %q is not supported; use FULL_MATRIX, UPPER_ROW, LOWER_ROW, UPPER_DIAG_ROW or LOWER_DIAG_ROW", in.EdgeWeightFormat)
	}
	if len(p.weights) != want {
		return fmt.Errorf("EDGE_WEIGHT_SECTION has %d weights, %s with DIMENSION %d needs %d", len(p.weights), in.EdgeWeightFormat, n, want)
	}
	m := make([]int32, n*n)
	k := 0
	set := func(i, j int) {
		w := int32(p.weights[k])
		k++
		m[i*n+j] = w
		m[j*n+i] = w
	}
	switch format {
	case "FULL_MATRIX":
		for i := range n {
			for j := range n {
				m[i*n+j] = int32(p.weights[i*n+j])
			}
		}
	case "UPPER_ROW":
		for i := range n {
			for j := i + 1; j < n; j++ {
				set(i, j)
			}
		}
	case "LOWER_ROW":
		for i := range n {
			for j := range i {
				set(i, j)
			}
		}
	case "UPPER_DIAG_ROW":
		for i := range n {
			for j := i; j < n; j++ {
				set(i, j)
			}
		}
	case "LOWER_DIAG_ROW":
		for i := range n {
			for j := 0; j <= i; j++ {
				set(i, j)
			}
		}
	}
	in.weights = m
	return nil
}

// Dist returns the integer distance between 0-based nodes i and j with the
// instance's EDGE_WEIGHT_TYPE convention. It panics if i or j is out of
// range, like a slice index.
func (in *Instance) Dist(i, j int) int {
	if in.weights != nil {
		return int(in.weights[i*in.Dimension+j])
	}
	return in.dist(in.Coords[i], in.Coords[j])
}

// Matrix returns the full distance matrix, row-major: entry i*Dimension+j
// is Dist(i, j). It fails if a distance does not fit in an int32.
func (in *Instance) Matrix() ([]int32, error) {
	n := in.Dimension
	if in.weights != nil {
		return append([]int32(nil), in.weights...), nil
	}
	if in.dist == nil || len(in.Coords) != n {
		return nil, fmt.Errorf("tsplib: %s: no coordinates or distance function to build a matrix from", in.Name)
	}
	m := make([]int32, n*n)
	for i := range n {
		for j := i + 1; j < n; j++ {
			d := in.dist(in.Coords[i], in.Coords[j])
			if d < 0 || d > math.MaxInt32 {
				return nil, fmt.Errorf("tsplib: %s: distance between nodes %d and %d is %d, outside 0..%d; rescale the coordinates", in.Name, i+1, j+1, d, math.MaxInt32)
			}
			m[i*n+j] = int32(d)
			m[j*n+i] = int32(d)
		}
	}
	return m, nil
}

// TourLength returns the length of the closed tour (0-based node indices,
// returning from the last node to the first) under the instance's distance.
func (in *Instance) TourLength(tour []int) (int64, error) {
	if err := checkPermutation(tour, in.Dimension); err != nil {
		return 0, fmt.Errorf("tsplib: %s: %w", in.Name, err)
	}
	var total int64
	for k, v := range tour {
		total += int64(in.Dist(v, tour[(k+1)%len(tour)]))
	}
	return total, nil
}
