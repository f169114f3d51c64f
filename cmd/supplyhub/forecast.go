package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/forecast"
)

func init() { register(newForecastCmd) }

// forecastFlags are the flags shared by forecast and forecast backtest.
type forecastFlags struct {
	input, output string
	horizon       int
	method        string
	levels        string
	seasonLength  int
	workers       int
}

func (f *forecastFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.input, "input", "", `CSV with header series_id,t,value[,season_length] ("-" for standard input)`)
	fl.IntVar(&f.horizon, "horizon", 0, "number of periods to forecast (required)")
	fl.StringVar(&f.levels, "levels", "80,95", "prediction-interval levels in percent, comma-separated")
	fl.IntVar(&f.seasonLength, "season-length", 0, "periods per season for every series (default: the season_length column, or 7/52/12/4/1 from daily/weekly/monthly/quarterly/yearly dates, else 1)")
	fl.IntVar(&f.workers, "workers", 0, "parallel workers (default: number of CPUs)")
	fl.StringVar(&f.output, "output", "-", `output CSV file ("-" for standard output)`)
}

// config turns the flags into a forecast configuration, or a usage error.
func (f *forecastFlags) config() (forecast.Config, error) {
	usage := func(format string, a ...any) error {
		return &exitError{code: 2, err: fmt.Errorf("forecast: "+format, a...)}
	}
	if f.input == "" {
		return forecast.Config{}, usage("--input is required: a CSV file with header series_id,t,value, or - for standard input")
	}
	if f.horizon < 1 {
		return forecast.Config{}, usage("--horizon is required and must be at least 1 (got %d)", f.horizon)
	}
	var levels []float64
	for _, s := range strings.Split(f.levels, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v > 0 && v < 100) {
			return forecast.Config{}, usage("--levels: %q is not a percentage between 0 and 100 (e.g. --levels 80,95)", s)
		}
		levels = append(levels, v)
	}
	if len(levels) == 0 {
		return forecast.Config{}, usage("--levels is empty: give at least one level such as 95")
	}
	if f.seasonLength < 0 {
		return forecast.Config{}, usage("--season-length must be 1 or more (got %d)", f.seasonLength)
	}
	cfg := forecast.Config{Horizon: f.horizon, Levels: levels, SeasonLength: f.seasonLength}.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return cfg, &exitError{code: 2, err: err}
	}
	return cfg, nil
}

// openSeries returns the series of the input. A regular file grouped by
// series is streamed (one series in memory at a time, checked by a first
// pass); standard input and ungrouped files are read whole, which takes
// memory in proportion to the number of rows.
func openSeries(path string, stdin io.Reader) (iter.Seq2[forecast.Series, error], func() error, error) {
	if path == "-" {
		return readAll(stdin), func() error { return nil }, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("forecast: open input: %w", err)
	}
	grouped, err := forecast.IsGrouped(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("forecast: %s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("forecast: rewind input %s: %w", path, err)
	}
	if grouped {
		return forecast.StreamCSV(f), f.Close, nil
	}
	return readAll(f), f.Close, nil
}

func readAll(r io.Reader) iter.Seq2[forecast.Series, error] {
	return func(yield func(forecast.Series, error) bool) {
		all, err := forecast.ReadCSV(r)
		if err != nil {
			yield(forecast.Series{}, err)
			return
		}
		for _, s := range all {
			if !yield(s, nil) {
				return
			}
		}
	}
}

func openOutput(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "-" || path == "" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("forecast: create output: %w", err)
	}
	return f, f.Close, nil
}

func newForecastCmd() *cobra.Command {
	var fl forecastFlags
	cmd := &cobra.Command{
		Use:   "forecast --input series.csv --horizon H [--output forecasts.csv]",
		Short: "Forecast demand per series from a CSV file, with prediction intervals",
		Long: `Forecast every series of a CSV file offline, without a store.

Input: a header series_id,t,value and an optional season_length column; t is an
integer period or an ISO date, rows in any order; an empty value, NA or a gap in
t marks a missing period (e.g. a stockout). Output: series_id,step,forecast,
lo80,hi80,lo95,hi95,method — one lo/hi pair per level, steps 1..H. A series too
short for the method falls back to a simpler one and says so in method.

Methods: auto (per-series choice by rolling-origin backtest; Croston family for
intermittent series), ets, arima, theta, otm, ses, croston, sba, tsb, adida,
intermittent, snaive, naive, mean, drift, ensemble.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := fl.config()
			if err != nil {
				return err
			}
			if cfg.Method, err = forecast.ParseMethod(fl.method); err != nil {
				return &exitError{code: 2, err: err}
			}
			return runForecast(cmd, fl, cfg)
		},
	}
	fl.add(cmd)
	cmd.Flags().StringVar(&fl.method, "method", "auto", "auto|ets|arima|theta|otm|ses|croston|sba|tsb|adida|intermittent|snaive|naive|mean|drift|ensemble")
	cmd.AddCommand(newForecastBacktestCmd())
	return cmd
}

func runForecast(cmd *cobra.Command, fl forecastFlags, cfg forecast.Config) error {
	src, closeIn, err := openSeries(fl.input, cmd.InOrStdin())
	if err != nil {
		return err
	}
	defer closeIn()
	out, closeOut, err := openOutput(fl.output, cmd.OutOrStdout())
	if err != nil {
		return err
	}
	cw, err := forecast.NewCSVWriter(out, cfg.Levels)
	if err != nil {
		closeOut()
		return fmt.Errorf("forecast: write output: %w", err)
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	err = forecast.Batch{Config: cfg, Workers: fl.workers}.Run(ctx, src, func(it forecast.Item) error {
		if it.Err != nil {
			return it.Err
		}
		if err := cw.Write(&it.Result); err != nil {
			return fmt.Errorf("forecast: write output: %w", err)
		}
		return nil
	})
	if ferr := cw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("forecast: write output: %w", ferr)
	}
	if cerr := closeOut(); err == nil && cerr != nil {
		err = fmt.Errorf("forecast: close output: %w", cerr)
	}
	return err
}

func newForecastBacktestCmd() *cobra.Command {
	var fl forecastFlags
	var methods string
	var windows int
	cmd := &cobra.Command{
		Use:   "backtest --input series.csv --horizon H [--methods auto,ets,arima,theta,snaive]",
		Short: "Score forecasting methods on the last H periods of each series (rolling origins)",
		Long: `Backtest forecasting methods on your own data.

Each method, automatic selection included, is rerun from the last --windows
origins (each H periods apart) and scored on the H periods after each origin.
The output is CSV: one row per series and method with MASE (scaled by the
in-sample seasonal naive), sMAPE, RMSSE, interval coverage per level and the
scaled pinball loss, then one row per method with series_id "ALL" holding the
mean over series.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := fl.config()
			if err != nil {
				return err
			}
			if windows < 1 {
				return &exitError{code: 2, err: fmt.Errorf("forecast backtest: --windows must be at least 1 (got %d)", windows)}
			}
			cfg.BacktestWindows = windows
			cfg.Backtest = true
			var ms []forecast.Method
			for _, s := range strings.Split(methods, ",") {
				if strings.TrimSpace(s) == "" {
					continue
				}
				m, err := forecast.ParseMethod(s)
				if err != nil {
					return &exitError{code: 2, err: err}
				}
				ms = append(ms, m)
			}
			if len(ms) == 0 {
				return &exitError{code: 2, err: fmt.Errorf("forecast backtest: --methods is empty")}
			}
			return runBacktest(cmd, fl, cfg, ms)
		},
	}
	fl.add(cmd)
	cmd.Flags().StringVar(&methods, "methods", "auto,ets,arima,theta,snaive", "comma-separated methods to score")
	cmd.Flags().IntVar(&windows, "windows", 2, "rolling origins per series")
	return cmd
}

func runBacktest(cmd *cobra.Command, fl forecastFlags, cfg forecast.Config, methods []forecast.Method) error {
	src, closeIn, err := openSeries(fl.input, cmd.InOrStdin())
	if err != nil {
		return err
	}
	var series []forecast.Series
	for s, err := range src {
		if err != nil {
			closeIn()
			return err
		}
		series = append(series, s)
	}
	closeIn()
	out, closeOut, err := openOutput(fl.output, cmd.OutOrStdout())
	if err != nil {
		return err
	}
	w := csv.NewWriter(out)
	head := []string{"series_id", "method", "model", "windows", "mase", "smape", "rmsse"}
	for _, l := range cfg.Levels {
		head = append(head, "coverage"+strconv.FormatFloat(l, 'f', -1, 64))
	}
	head = append(head, "pinball")
	w.Write(head)
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	type sum struct {
		n    int
		vals []float64
	}
	sums := map[forecast.Method]*sum{}
	f := func(v float64) string {
		if math.IsNaN(v) {
			return "NA"
		}
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	row := func(id string, m forecast.Method, model string, windows int, vals []float64) {
		rec := []string{id, string(m), model, strconv.Itoa(windows)}
		for _, v := range vals {
			rec = append(rec, f(v))
		}
		w.Write(rec)
	}
	for _, m := range methods {
		c := cfg
		c.Method = m
		sm := &sum{vals: make([]float64, 4+len(cfg.Levels))}
		sums[m] = sm
		all := func(yield func(forecast.Series, error) bool) {
			for _, s := range series {
				if !yield(s, nil) {
					return
				}
			}
		}
		err := forecast.Batch{Config: c, Workers: fl.workers}.Run(ctx, all, func(it forecast.Item) error {
			if it.Err != nil {
				return it.Err
			}
			bt := it.Result.Backtest
			if bt == nil {
				row(it.Series.ID, m, it.Result.Method+" (too short to backtest)", 0, nanVals(len(sm.vals)))
				return nil
			}
			vals := []float64{bt.MASE, bt.SMAPE, bt.RMSSE}
			for _, l := range cfg.Levels {
				vals = append(vals, bt.Coverage[l])
			}
			vals = append(vals, bt.Pinball)
			row(it.Series.ID, m, it.Result.Method, bt.Windows, vals)
			ok := true
			for _, v := range vals {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					ok = false
				}
			}
			if ok {
				sm.n++
				for i, v := range vals {
					sm.vals[i] += v
				}
			}
			return nil
		})
		if err != nil {
			closeOut()
			return err
		}
	}
	sorted := append([]forecast.Method(nil), methods...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sums[sorted[i]].vals[0]/float64(max(sums[sorted[i]].n, 1)) < sums[sorted[j]].vals[0]/float64(max(sums[sorted[j]].n, 1))
	})
	for _, m := range sorted {
		sm := sums[m]
		vals := nanVals(len(sm.vals))
		if sm.n > 0 {
			for i, v := range sm.vals {
				vals[i] = v / float64(sm.n)
			}
		}
		row("ALL", m, fmt.Sprintf("mean over %d series", sm.n), cfg.BacktestWindows, vals)
	}
	w.Flush()
	err = w.Error()
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("forecast backtest: write output: %w", err)
	}
	return nil
}

func nanVals(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}
