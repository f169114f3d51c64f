package tsplib

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// BKS is one row of a benchmark index (bks.csv): an instance and its
// best-known solution value.
type BKS struct {
	// Instance is the instance name, the file name without extension.
	Instance string
	// Type is CVRP or TSP.
	Type string
	// Set is the benchmark set: A, P, X or TSPLIB.
	Set string
	// N is the number of customers (CVRP) or nodes (TSP).
	N int
	// Vehicles is k, the fleet size of A/P or the route lower bound of X.
	Vehicles int
	// ExactFleet reports whether the BKS uses exactly Vehicles routes
	// (A and P sets) rather than an unlimited fleet (X set).
	ExactFleet bool
	// Value is the best-known (or optimal) objective.
	Value int64
	// ProvenOptimal reports whether Value is proven optimal.
	ProvenOptimal bool
	// SolCost is the cost of the shipped solution file, 0 if none.
	SolCost int64
}

// GapPercent returns 100·(cost − Value)/Value.
func (b BKS) GapPercent(cost int64) float64 {
	return 100 * float64(cost-b.Value) / float64(b.Value)
}

// ReadBKSFile reads a bks.csv benchmark index.
func ReadBKSFile(path string) ([]BKS, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tsplib: %w", err)
	}
	defer f.Close()
	rows, err := ReadBKS(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

// ReadBKS reads a bks.csv benchmark index with the columns instance, type,
// set, n, vehicles, fleet, bks, proven_optimal and sol_cost (others are
// ignored, order is free).
func ReadBKS(r io.Reader) ([]BKS, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("tsplib: bks header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	for _, need := range []string{"instance", "type", "set", "n", "vehicles", "fleet", "bks"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("tsplib: bks header lacks column %q", need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []BKS
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("tsplib: bks: %w", err)
		}
		b := BKS{
			Instance:      get(rec, "instance"),
			Type:          get(rec, "type"),
			Set:           get(rec, "set"),
			ExactFleet:    strings.HasPrefix(get(rec, "fleet"), "exactly"),
			ProvenOptimal: get(rec, "proven_optimal") == "yes",
		}
		if b.N, err = strconv.Atoi(get(rec, "n")); err != nil {
			return nil, fmt.Errorf("tsplib: bks line %d (%s): n: %w", line, b.Instance, err)
		}
		if b.Vehicles, err = strconv.Atoi(get(rec, "vehicles")); err != nil {
			return nil, fmt.Errorf("tsplib: bks line %d (%s): vehicles: %w", line, b.Instance, err)
		}
		if b.Value, err = strconv.ParseInt(get(rec, "bks"), 10, 64); err != nil || b.Value <= 0 {
			return nil, fmt.Errorf("tsplib: bks line %d (%s): bks %q is not a positive integer", line, b.Instance, get(rec, "bks"))
		}
		if s := get(rec, "sol_cost"); s != "" {
			if b.SolCost, err = strconv.ParseInt(s, 10, 64); err != nil {
				return nil, fmt.Errorf("tsplib: bks line %d (%s): sol_cost: %w", line, b.Instance, err)
			}
		}
		rows = append(rows, b)
	}
	return rows, nil
}
