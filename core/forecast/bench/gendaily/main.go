// Command gendaily writes synthetic daily demand series (the population of
// BenchmarkAuto10kDaily, from forecasttest.Daily) as a supplyhub forecast
// input CSV, for the side-by-side speed benchmark with R.
//
//	go run ./core/forecast/bench/gendaily -count 40 -days 730 > daily.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/supplyhub/supplyhub/core/forecast/forecasttest"
)

func main() {
	count := flag.Int("count", 40, "number of series")
	days := flag.Int("days", 730, "days per series")
	seed := flag.Uint64("seed", 1, "population seed (the benchmark uses 1)")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	if err := forecasttest.WriteCSV(w, *seed, *count, *days); err != nil {
		fmt.Fprintln(os.Stderr, "gendaily:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gendaily:", err)
		os.Exit(1)
	}
}
