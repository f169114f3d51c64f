package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// runCLI runs the supplyhub command tree in-process.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errb.String(), err
}

// seasonalCSV writes two monthly series (ungrouped when interleave is set)
// and one intermittent series.
func seasonalCSV(interleave bool) string {
	var b strings.Builder
	b.WriteString("series_id,t,value\n")
	var rows []string
	for t := 0; t < 60; t++ {
		a := 100 + float64(t) + 20*math.Sin(2*math.Pi*float64(t)/12)
		c := 50 + 10*math.Cos(2*math.Pi*float64(t)/12)
		date := fmt.Sprintf("%04d-%02d-01", 2020+t/12, t%12+1)
		rows = append(rows, fmt.Sprintf("A,%s,%.1f", date, a), fmt.Sprintf("B,%s,%.1f", date, c))
	}
	if !interleave {
		var ra, rb []string
		for i, r := range rows {
			if i%2 == 0 {
				ra = append(ra, r)
			} else {
				rb = append(rb, r)
			}
		}
		rows = append(ra, rb...)
	}
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	for t := 1; t <= 40; t++ {
		v := 0
		if t%5 == 0 {
			v = 3
		}
		fmt.Fprintf(&b, "C,%d,%d\n", t, v)
	}
	return b.String()
}

func readCSVOut(t *testing.T, s string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, s)
	}
	return recs
}

func TestForecastCommand(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name       string
		interleave bool
		stdin      bool
	}{
		{"grouped file streams", false, false},
		{"ungrouped file", true, false},
		{"stdin", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			if err := os.WriteFile(in, []byte(seasonalCSV(tc.interleave)), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out-"+filepath.Base(in))
			args := []string{"forecast", "--input", in, "--horizon", "6", "--output", out}
			stdin := ""
			if tc.stdin {
				args[2] = "-"
				stdin = seasonalCSV(true)
			}
			if _, stderr, err := runCLI(t, stdin, args...); err != nil {
				t.Fatalf("forecast: %v (%s)", err, stderr)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			recs := readCSVOut(t, string(data))
			wantHead := "series_id,step,forecast,lo80,hi80,lo95,hi95,method"
			if got := strings.Join(recs[0], ","); got != wantHead {
				t.Fatalf("header %q, want %q", got, wantHead)
			}
			if len(recs) != 1+3*6 {
				t.Fatalf("%d rows, want %d", len(recs)-1, 3*6)
			}
			order := []string{recs[1][0], recs[7][0], recs[13][0]}
			if strings.Join(order, "") != "ABC" {
				t.Errorf("series order %v, want input order A B C", order)
			}
			for _, r := range recs[1:] {
				f, _ := strconv.ParseFloat(r[2], 64)
				lo95, _ := strconv.ParseFloat(r[5], 64)
				hi95, _ := strconv.ParseFloat(r[6], 64)
				lo80, _ := strconv.ParseFloat(r[3], 64)
				hi80, _ := strconv.ParseFloat(r[4], 64)
				if !(lo95 <= lo80 && lo80 <= f && f <= hi80 && hi80 <= hi95) {
					t.Errorf("series %s step %s: intervals not nested around the forecast: %v", r[0], r[1], r)
				}
			}
			// A trends up with a yearly season: the forecast for step 1
			// (January 2025) is near 100+60+20·sin(0)=160.
			if f, _ := strconv.ParseFloat(recs[1][2], 64); math.Abs(f-160) > 8 {
				t.Errorf("A step 1 forecast %v, want about 160", f)
			}
			if m := recs[13][7]; !strings.Contains("sba croston tsb adida naive", strings.Fields(m)[0][:3]) {
				t.Errorf("intermittent series C got method %q, want the Croston family", m)
			}
		})
	}
}

func TestForecastCommandMethodsAndLevels(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(in, []byte(seasonalCSV(false)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"ets", "arima", "theta", "croston", "snaive", "ensemble"} {
		t.Run(m, func(t *testing.T) {
			out, stderr, err := runCLI(t, "", "forecast", "--input", in, "--horizon", "3", "--method", m, "--levels", "50,90,99")
			if err != nil {
				t.Fatalf("%v (%s)", err, stderr)
			}
			recs := readCSVOut(t, out)
			if got := strings.Join(recs[0], ","); got != "series_id,step,forecast,lo50,hi50,lo90,hi90,lo99,hi99,method" {
				t.Errorf("header %q", got)
			}
			if len(recs) != 10 {
				t.Errorf("%d rows, want 9", len(recs)-1)
			}
		})
	}
}

func TestForecastCommandShortSeriesFallsBack(t *testing.T) {
	out, stderr, err := runCLI(t, "series_id,t,value\nS,1,4\nS,2,5\nS,3,6\n", "forecast", "--input", "-", "--horizon", "2", "--method", "ets")
	if err != nil {
		t.Fatalf("%v (%s)", err, stderr)
	}
	recs := readCSVOut(t, out)
	if m := recs[1][7]; !strings.Contains(m, "fallback") || !strings.Contains(m, "ets") {
		t.Errorf("method %q should say it fell back from ets", m)
	}
}

func TestForecastCommandErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		args  []string
		want  []string
		code  int
	}{
		{"non-numeric value", "series_id,t,value\nA,1,3\nA,2,abc\n", nil, []string{`row 3`, `series "A"`, `"abc"`, "not a number"}, 1},
		{"duplicate t", "series_id,t,value\nA,1,3\nB,1,2\nA,1,4\n", nil, []string{`series "A"`, "row 4", "duplicates row 2"}, 1},
		{"missing column", "series_id,time,value\nA,1,3\n", nil, []string{"lacks column(s) t"}, 1},
		{"bad date", "series_id,t,value\nA,2024-13-01,3\n", nil, []string{"row 2", "neither an integer nor an ISO date"}, 1},
		{"no horizon", "series_id,t,value\nA,1,3\n", []string{"forecast", "--input", "-"}, []string{"--horizon is required"}, 2},
		{"bad method", "series_id,t,value\nA,1,3\n", []string{"forecast", "--input", "-", "--horizon", "2", "--method", "prophet"}, []string{"unknown method", "prophet"}, 2},
		{"bad level", "series_id,t,value\nA,1,3\n", []string{"forecast", "--input", "-", "--horizon", "2", "--levels", "80,120"}, []string{"--levels", "120"}, 2},
		{"all missing", "series_id,t,value\nA,1,NA\nA,2,\n", nil, []string{`series "A"`, "no observed value"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args == nil {
				args = []string{"forecast", "--input", "-", "--horizon", "2"}
			}
			_, _, err := runCLI(t, tc.input, args...)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if got := exitCode(err); got != tc.code {
				t.Errorf("exit code %d, want %d", got, tc.code)
			}
		})
	}
}

func TestForecastBacktestCommand(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(in, []byte(seasonalCSV(false)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runCLI(t, "", "forecast", "backtest", "--input", in, "--horizon", "6", "--methods", "auto,snaive,naive")
	if err != nil {
		t.Fatalf("%v (%s)", err, stderr)
	}
	recs := readCSVOut(t, out)
	if got := strings.Join(recs[0], ","); got != "series_id,method,model,windows,mase,smape,rmsse,coverage80,coverage95,pinball" {
		t.Fatalf("header %q", got)
	}
	if len(recs) != 1+3*3+3 {
		t.Fatalf("%d rows, want 12 (3 series × 3 methods + 3 summaries)", len(recs)-1)
	}
	mase := map[string]float64{}
	for _, r := range recs[1:] {
		if r[0] == "ALL" {
			v, err := strconv.ParseFloat(r[4], 64)
			if err != nil {
				t.Fatalf("summary MASE %q: %v", r[4], err)
			}
			mase[r[1]] = v
		}
	}
	// the seasonal series make naive far worse than a seasonal method
	if !(mase["auto"] < mase["naive"]) || !(mase["snaive"] < mase["naive"]) {
		t.Errorf("mean MASE %v: want auto and snaive better than naive", mase)
	}
	if recs[len(recs)-3][1] != "auto" && recs[len(recs)-3][1] != "snaive" {
		t.Errorf("summary rows should be sorted by MASE, best first: %v", recs[len(recs)-3:])
	}
}

func TestForecastCommandOutputError(t *testing.T) {
	_, _, err := runCLI(t, seasonalCSV(false), "forecast", "--input", "-", "--horizon", "2", "--output", filepath.Join(t.TempDir(), "no", "such", "dir.csv"))
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("want a not-exist error for an unwritable output, got %v", err)
	}
}
