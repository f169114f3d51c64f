package forecast

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestReadCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		input  string
		check  func(t *testing.T, s []Series)
		errHas []string
	}{
		{
			name:  "integer t in any order with gaps and missing values",
			input: "value,t,series_id,extra\n3,2,A,x\n1,0,A,x\nNA,3,A,x\n5,5,A,x\n7,1,B,x\n",
			check: func(t *testing.T, s []Series) {
				if len(s) != 2 || s[0].ID != "A" || s[1].ID != "B" {
					t.Fatalf("series %+v, want A then B", s)
				}
				want := []float64{1, math.NaN(), 3, math.NaN(), math.NaN(), 5}
				if len(s[0].Values) != len(want) {
					t.Fatalf("A values %v, want %v", s[0].Values, want)
				}
				for i, w := range want {
					if g := s[0].Values[i]; !(g == w || math.IsNaN(g) && math.IsNaN(w)) {
						t.Errorf("A[%d] = %v, want %v", i, g, w)
					}
				}
			},
		},
		{
			name:  "monthly dates set frequency, start and gaps",
			input: "series_id,t,value,season_length\nM,2024-03-01,3,\nM,2024-01-01,1,\nM,2024-02-01,2,6\n",
			check: func(t *testing.T, s []Series) {
				if s[0].Freq != Monthly || !s[0].Start.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) || s[0].SeasonLength != 6 {
					t.Errorf("got freq %v start %v season %d", s[0].Freq, s[0].Start, s[0].SeasonLength)
				}
				if len(s[0].Values) != 3 || s[0].Values[2] != 3 {
					t.Errorf("values %v", s[0].Values)
				}
			},
		},
		{
			name:  "daily dates with a gap",
			input: "series_id,t,value\nD,2024-01-01,1\nD,2024-01-04,4\nD,2024-01-02,2\n",
			check: func(t *testing.T, s []Series) {
				if s[0].Freq != Daily || len(s[0].Values) != 4 || !math.IsNaN(s[0].Values[2]) {
					t.Errorf("freq %v values %v", s[0].Freq, s[0].Values)
				}
			},
		},
		{
			name:  "weekly and quarterly dates",
			input: "series_id,t,value\nW,2024-01-01,1\nW,2024-01-15,3\nQ,2023-01-01,1\nQ,2023-07-01,3\n",
			check: func(t *testing.T, s []Series) {
				if s[0].Freq != Weekly || len(s[0].Values) != 3 || s[1].Freq != Quarterly || len(s[1].Values) != 3 {
					t.Errorf("W %v %v, Q %v %v", s[0].Freq, s[0].Values, s[1].Freq, s[1].Values)
				}
			},
		},
		{name: "empty input", input: "", errHas: []string{"empty"}},
		{name: "missing columns", input: "id,t,v\n", errHas: []string{"lacks column(s) series_id, value"}},
		{name: "bad value", input: "series_id,t,value\nA,1,1\nA,2,1e\n", errHas: []string{"row 3", `series "A"`, `"1e"`}},
		{name: "infinite value", input: "series_id,t,value\nA,1,Inf\n", errHas: []string{"row 2", "not a number"}},
		{name: "empty id", input: "series_id,t,value\n,1,1\n", errHas: []string{"row 2", "series_id is empty"}},
		{name: "empty t", input: "series_id,t,value\nA,,1\n", errHas: []string{"t is empty"}},
		{name: "duplicate integer t", input: "series_id,t,value\nA,1,1\nA,2,1\nA,1,2\n", errHas: []string{"row 4", "duplicates row 2"}},
		{name: "duplicate date", input: "series_id,t,value\nA,2024-01-01,1\nA,2024-01-01,2\n", errHas: []string{`series "A"`, "duplicates"}},
		{name: "mixed t kinds", input: "series_id,t,value\nA,1,1\nA,2024-01-01,2\n", errHas: []string{"row 3", "mixes integers and dates"}},
		{
			name:  "month-end dates are monthly",
			input: "series_id,t,value\nE,2024-01-31,1\nE,2024-04-30,2\nE,2024-02-29,2\n",
			check: func(t *testing.T, s []Series) {
				if s[0].Freq != Monthly || len(s[0].Values) != 4 || !math.IsNaN(s[0].Values[2]) {
					t.Errorf("freq %v values %v, want monthly with March missing", s[0].Freq, s[0].Values)
				}
			},
		},
		{name: "dates on no known grid", input: "series_id,t,value\nA,2024-01-01,1\nA,2024-01-30,2\n", errHas: []string{"row 3", "29 days apart"}},
		{name: "conflicting season", input: "series_id,t,value,season_length\nA,1,1,7\nA,2,1,12\n", errHas: []string{"row 3", "differs"}},
		{name: "bad season", input: "series_id,t,value,season_length\nA,1,1,0\n", errHas: []string{"season_length"}},
		{name: "huge span", input: "series_id,t,value\nA,1,1\nA,99999999,1\n", errHas: []string{"spans"}},
		{name: "quote error", input: "series_id,t,value\nA,1,\"1\n", errHas: []string{"forecast: input"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := ReadCSV(strings.NewReader(tc.input))
			if tc.errHas != nil {
				if err == nil || !errors.Is(err, ErrInput) {
					t.Fatalf("error %v, want ErrInput", err)
				}
				for _, w := range tc.errHas {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

func TestStreamCSVGrouped(t *testing.T) {
	t.Parallel()
	in := "series_id,t,value\nA,2,2\nA,1,1\nB,1,5\nC,1,7\n"
	grouped, err := IsGrouped(strings.NewReader(in))
	if err != nil || !grouped {
		t.Fatalf("IsGrouped = %v, %v; want true", grouped, err)
	}
	var ids []string
	for s, err := range StreamCSV(strings.NewReader(in)) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, "") != "ABC" {
		t.Errorf("streamed %v, want A B C", ids)
	}
	bad := "series_id,t,value\nA,1,1\nB,1,5\nA,2,2\n"
	if grouped, _ := IsGrouped(strings.NewReader(bad)); grouped {
		t.Error("IsGrouped = true for interleaved series")
	}
	var got error
	for _, err := range StreamCSV(strings.NewReader(bad)) {
		if err != nil {
			got = err
		}
	}
	if got == nil || !strings.Contains(got.Error(), "not grouped") || !strings.Contains(got.Error(), "row 4") {
		t.Errorf("interleaved stream error %v, want a 'not grouped' error at row 4", got)
	}
	// stopping early must not panic or read on
	for range StreamCSV(strings.NewReader(in)) {
		break
	}
}

func TestCSVWriter(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w, err := NewCSVWriter(&b, []float64{80, 97.5})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Forecast(Series{ID: "x,1", Values: []float64{1, 2, 3, 4}}, Config{Horizon: 2, Method: MethodNaive, Levels: []float64{80, 97.5}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&r); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if lines[0] != "series_id,step,forecast,lo80,hi80,lo97.5,hi97.5,method" {
		t.Errorf("header %q", lines[0])
	}
	if len(lines) != 3 || !strings.HasPrefix(lines[1], `"x,1",1,4,`) || !strings.HasSuffix(lines[2], ",naive") {
		t.Errorf("rows %q", lines[1:])
	}
}

// FuzzReadCSV checks that no input makes the parser panic, and that what
// it accepts is a well-formed series.
func FuzzReadCSV(f *testing.F) {
	f.Add("series_id,t,value\nA,1,1\nA,2,2\n")
	f.Add("series_id,t,value,season_length\nA,2024-01-01,1,7\nA,2024-01-03,NA,\nB,2024-02-01,3,\n")
	f.Add("value,series_id,t\n1,A,-5\n2,A,3\n")
	f.Add("series_id,t,value\nA,2024-01-01T00:00:00Z,1\nA,2025-01-01T00:00:00Z,2\n")
	f.Add("series_id,t,value\n\"A\nB\",1,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		series, err := ReadCSV(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error %v does not wrap ErrInput", err)
			}
			return
		}
		for _, s := range series {
			if s.ID == "" || len(s.Values) == 0 || len(s.Values) > maxGap {
				t.Fatalf("accepted a malformed series %q with %d values", s.ID, len(s.Values))
			}
			for _, v := range s.Values {
				if math.IsInf(v, 0) {
					t.Fatalf("accepted an infinite value in %q", s.ID)
				}
			}
		}
	})
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2024-02-29", true}, {"2023-02-29", false}, {"2024-13-01", false}, {"2024-00-10", false},
		{"2024-01-00", false}, {"2024-1-01", false}, {"20x4-01-01", false}, {"2024-01-01T10:00:00+02:00", true},
	} {
		got, err := parseDate(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("parseDate(%q) = %v, %v; want ok=%v", tc.in, got, err, tc.ok)
		}
		if tc.ok && len(tc.in) == 10 {
			if want, _ := time.Parse("2006-01-02", tc.in); !got.Equal(want) {
				t.Errorf("parseDate(%q) = %v, want %v", tc.in, got, want)
			}
		}
	}
}
