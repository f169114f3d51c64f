package tsplib

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Solution is a CVRPLIB ".sol" file: routes of customer numbers and the
// stated cost.
type Solution struct {
	// Routes lists each route's customers in visiting order, numbered
	// 1..n as in the file (node id − 1, the depot being node 1). Routes
	// start and end at the depot, which is not written.
	Routes [][]int
	// Cost is the cost the file states.
	Cost int64
	// HasCost reports whether the file had a Cost line.
	HasCost bool
}

// ReadSolutionFile parses the CVRPLIB solution file at path.
func ReadSolutionFile(path string) (*Solution, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tsplib: %w", err)
	}
	defer f.Close()
	s, err := ParseSolution(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// ParseSolution reads a CVRPLIB solution: "Route #k: c1 c2 ..." lines and a
// "Cost N" line ("Cost: N" and "cost N" are accepted too). Blank lines are
// skipped; any other line is an error.
func ParseSolution(r io.Reader) (*Solution, error) {
	s := &Solution{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLineBytes)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(string(bytes.TrimRight(sc.Bytes(), "\r")))
		if line == "" {
			continue
		}
		lower := strings.ToLower(line)
		switch {
		case strings.HasPrefix(lower, "route"):
			colon := strings.IndexByte(line, ':')
			if colon < 0 {
				return nil, fmt.Errorf("tsplib: solution line %d: route line without ':' (want \"Route #k: c1 c2 ...\")", lineNo)
			}
			label := strings.TrimSpace(line[len("route"):colon])
			label = strings.TrimPrefix(label, "#")
			if _, err := strconv.Atoi(strings.TrimSpace(label)); err != nil {
				return nil, fmt.Errorf("tsplib: solution line %d: route label %q is not \"#k\"", lineNo, line[:colon])
			}
			fields := strings.Fields(line[colon+1:])
			route := make([]int, 0, len(fields))
			for _, f := range fields {
				c, err := strconv.Atoi(f)
				if err != nil || c < 1 || c > MaxDimension {
					return nil, fmt.Errorf("tsplib: solution line %d: customer %q is not a customer number ≥ 1", lineNo, f)
				}
				route = append(route, c)
			}
			s.Routes = append(s.Routes, route)
		case strings.HasPrefix(lower, "cost"):
			v := strings.TrimSpace(line[len("cost"):])
			v = strings.TrimSpace(strings.TrimPrefix(v, ":"))
			c, err := parseCost(v)
			if err != nil {
				return nil, fmt.Errorf("tsplib: solution line %d: %w", lineNo, err)
			}
			if s.HasCost {
				return nil, fmt.Errorf("tsplib: solution line %d: second Cost line", lineNo)
			}
			s.Cost, s.HasCost = c, true
		default:
			return nil, fmt.Errorf("tsplib: solution line %d: %q is neither \"Route #k: ...\" nor \"Cost N\"", lineNo, truncate(line, 40))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tsplib: read solution: %w", err)
	}
	if len(s.Routes) == 0 {
		return nil, errors.New("tsplib: solution has no \"Route #k:\" lines")
	}
	return s, nil
}

func parseCost(v string) (int64, error) {
	if c, err := strconv.ParseInt(v, 10, 64); err == nil {
		return c, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("cost %q is not an integer", v)
	}
	return int64(f), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// WriteSolution writes routes (customer numbers 1..n) and cost in the
// CVRPLIB solution format. Empty routes are skipped and the remaining ones
// numbered from 1.
func WriteSolution(w io.Writer, routes [][]int, cost int64) error {
	bw := bufio.NewWriter(w)
	k := 0
	for _, r := range routes {
		if len(r) == 0 {
			continue
		}
		k++
		fmt.Fprintf(bw, "Route #%d:", k)
		for _, c := range r {
			bw.WriteByte(' ')
			bw.WriteString(strconv.Itoa(c))
		}
		bw.WriteByte('\n')
	}
	fmt.Fprintf(bw, "Cost %d\n", cost)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tsplib: write solution: %w", err)
	}
	return nil
}

// RoutesCost checks routes against a CVRP instance whose depot is node 1
// and returns their total cost, the number of non-empty routes and the
// load of each route. Customers are numbered 1..n as in a ".sol" file. It
// reports customers missing, repeated or out of range, and overloaded
// routes.
func (in *Instance) RoutesCost(routes [][]int) (cost int64, nonEmpty int, loads []int, err error) {
	if in.Type != ProblemCVRP {
		return 0, 0, nil, fmt.Errorf("tsplib: %s is a %s instance, not CVRP", in.Name, in.Type)
	}
	if len(in.Depots) != 1 || in.Depots[0] != 0 {
		return 0, 0, nil, fmt.Errorf("tsplib: %s: CVRPLIB solutions need a single depot at node 1", in.Name)
	}
	n := in.Dimension
	seen := make([]int, n)
	loads = make([]int, len(routes))
	for k, r := range routes {
		if len(r) == 0 {
			continue
		}
		nonEmpty++
		prev := 0
		for _, c := range r {
			if c < 1 || c >= n {
				return 0, 0, nil, fmt.Errorf("tsplib: %s: route %d: customer %d is not in 1..%d", in.Name, k+1, c, n-1)
			}
			if seen[c] != 0 {
				return 0, 0, nil, fmt.Errorf("tsplib: %s: customer %d is on route %d and route %d", in.Name, c, seen[c], k+1)
			}
			seen[c] = k + 1
			loads[k] += in.Demands[c]
			cost += int64(in.Dist(prev, c))
			prev = c
		}
		cost += int64(in.Dist(prev, 0))
		if loads[k] > in.Capacity {
			return 0, 0, nil, fmt.Errorf("tsplib: %s: route %d carries %d, over the capacity %d", in.Name, k+1, loads[k], in.Capacity)
		}
	}
	for c := 1; c < n; c++ {
		if seen[c] == 0 {
			return 0, 0, nil, fmt.Errorf("tsplib: %s: customer %d is on no route", in.Name, c)
		}
	}
	return cost, nonEmpty, loads, nil
}
