package inventory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func TestReadDemandCSV(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		opt     CSVOptions
		want    []Series
		wantErr string
	}{
		{"basic, any order, extra column", "series_id,t,value,note\nb,2,5,x\na,1,3,\nb,1,0,\na,0,1,\na,2,0,\n", CSVOptions{},
			[]Series{{ID: "b", Demand: []int{0, 5}, Start: 1}, {ID: "a", Demand: []int{1, 3, 0}}}, ""},
		{"BOM, reordered columns, decimals that are whole", "\ufeffvalue,t,series_id\n2.0,5,x\n3,6,x\n", CSVOptions{},
			[]Series{{ID: "x", Demand: []int{2, 3}, Start: 5}}, ""},
		{"dates", "series_id,t,value\ns,2026-03-01,4\ns,2026-03-02,6\n", CSVOptions{},
			[]Series{{ID: "s", Demand: []int{4, 6}, Start: 20513, Dated: true}}, ""},
		{"gap filled", "series_id,t,value\ns,1,4\ns,4,6\n", CSVOptions{FillGaps: true},
			[]Series{{ID: "s", Demand: []int{4, 0, 0, 6}, Start: 1}}, ""},
		{"gap", "series_id,t,value\ns,1,4\ns,4,6\n", CSVOptions{}, nil, "jumps from day 1 to 4"},
		{"date gap", "series_id,t,value\ns,2026-02-27,4\ns,2026-03-02,6\n", CSVOptions{}, nil, "jumps from day 2026-02-27 to 2026-03-02"},
		{"duplicate", "series_id,t,value\ns,1,4\ns,1,6\n", CSVOptions{}, nil, "day 1 twice"},
		{"fraction", "series_id,t,value\ns,1,2.5\n", CSVOptions{}, nil, "not a whole number"},
		{"negative", "series_id,t,value\ns,1,-2\n", CSVOptions{}, nil, "≥ 0"},
		{"missing value", "series_id,t,value\ns,1,\n", CSVOptions{}, nil, "row 2"},
		{"NaN", "series_id,t,value\ns,1,NaN\n", CSVOptions{}, nil, "finite"},
		{"bad t", "series_id,t,value\ns,monday,2\n", CSVOptions{}, nil, "neither an integer"},
		{"mixed t", "series_id,t,value\ns,1,2\ns,2026-01-01,2\n", CSVOptions{}, nil, "mixes dates"},
		{"no header column", "series,t,value\ns,1,2\n", CSVOptions{}, nil, `lacks column "series_id"`},
		{"empty", "", CSVOptions{}, nil, "empty"},
		{"header only", "series_id,t,value\n", CSVOptions{}, nil, "no rows"},
		{"empty id", "series_id,t,value\n,1,2\n", CSVOptions{}, nil, "series_id is empty"},
		{"huge span", "series_id,t,value\ns,1,2\ns,999999999,2\n", CSVOptions{FillGaps: true}, nil, "spans"},
		{"duplicate column", "series_id,t,value,t\ns,1,2,3\n", CSVOptions{}, nil, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadDemandCSV(strings.NewReader(c.in), c.opt)
			if c.wantErr != "" {
				if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error = %v, want ErrInput containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d series, want %d", len(got), len(c.want))
			}
			for i := range got {
				g, w := got[i], c.want[i]
				if g.ID != w.ID || !slices.Equal(g.Demand, w.Demand) || g.Start != w.Start || g.Dated != w.Dated {
					t.Errorf("series %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestForecastTable(t *testing.T) {
	t.Parallel()
	demand, _ := ReadDemandCSV(strings.NewReader("series_id,t,value\na,10,1\na,11,1\na,12,1\n"), CSVOptions{})
	ft, err := ReadForecastCSV(strings.NewReader("series_id,t,mean,sd\na,11,5,1\na,12,6,2\na,13,7,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := ft.Forecaster(demand[0], 4)
	if err != nil {
		t.Fatal(err)
	}
	// At the end of day 0 (t = 10) the forecast covers t = 11, 12, 13, then
	// repeats t = 13.
	d, err := f(0)
	if err != nil {
		t.Fatal(err)
	}
	if got := []float64{d.Mean(1), d.Mean(2), d.Mean(3), d.Mean(4)}; !slices.Equal(got, []float64{5, 6, 7, 7}) {
		t.Errorf("means = %v, want [5 6 7 7]", got)
	}
	near(t, "normal LTQ", d.LeadTimeQuantile(0.5, 2), 11, 1e-9)
	// Without sd, days are Poisson.
	ft, _ = ReadForecastCSV(strings.NewReader("series_id,t,mean\na,10,2\na,11,2\na,12,2\n"))
	f, _ = ft.Forecaster(demand[0], 2)
	d, _ = f(0)
	if _, ok := d.(*PoissonDemand); !ok {
		t.Errorf("forecast without sd is %T, want *PoissonDemand", d)
	}
	// A forecast that starts too late, a missing series, mixed t kinds.
	ft, _ = ReadForecastCSV(strings.NewReader("series_id,t,mean\na,20,2\n"))
	f, _ = ft.Forecaster(demand[0], 2)
	if _, err := f(0); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "starts at 20") {
		t.Errorf("late forecast: %v", err)
	}
	if _, err := ft.Forecaster(Series{ID: "zzz"}, 2); !errors.Is(err, ErrInput) {
		t.Errorf("missing series: %v", err)
	}
	if _, err := ft.Forecaster(Series{ID: "a", Dated: true}, 2); !errors.Is(err, ErrInput) {
		t.Errorf("mixed t kinds: %v", err)
	}
	if _, err := ReadForecastCSV(strings.NewReader("series_id,t,mean\na,1,2\na,3,2\n")); !errors.Is(err, ErrInput) {
		t.Errorf("forecast gap: %v", err)
	}
	if _, err := ReadForecastCSV(strings.NewReader("series_id,t,mean,sd\na,1,2,\n")); !errors.Is(err, ErrInput) {
		t.Errorf("missing sd: %v", err)
	}
}

func TestWriteSimResults(t *testing.T) {
	t.Parallel()
	r := SimResult{SeriesID: "a,b", Policy: "rop", Days: 10, Demanded: 20, Served: 19, FillRate: 0.95, Cycles: 2, CSL: 0.5, AvgOnHand: 3.14159,
		HoldingCost: commerce.MustMoney("1.5", "EUR"), OrderingCost: commerce.MustMoney("200", "EUR"), TotalCost: commerce.MustMoney("201.5", "EUR")}
	noCost := SimResult{SeriesID: "x", CSL: math.NaN(), FillRate: math.NaN(), AvgOnHand: math.NaN()}
	var buf bytes.Buffer
	if err := WriteSimResults(&buf, []SimResult{r, noCost}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || !slices.Equal(recs[0], SimResultHeader) {
		t.Fatalf("records = %v", recs)
	}
	want := []string{"a,b", "rop", "", "10", "20", "19", "0.9500", "2", "0", "0.5000", "0", "3.14", "0", "1.50", "200.00", "201.50", "EUR"}
	if !slices.Equal(recs[1], want) {
		t.Errorf("row = %q\nwant  %q", recs[1], want)
	}
	if recs[2][6] != "" || recs[2][9] != "" || recs[2][15] != "" || recs[2][16] != "" {
		t.Errorf("NaN and unknown costs should be empty: %q", recs[2])
	}
}

func FuzzReadDemandCSV(f *testing.F) {
	f.Add("series_id,t,value\na,1,2\na,2,3\n", false)
	f.Add("series_id,t,value\na,2026-01-01,2\nb,2026-01-03,0\n", true)
	f.Add("value,series_id,t\n1,x,5\n", false)
	f.Add("series_id,t,value\na,1,1e300\n", false)
	f.Fuzz(func(t *testing.T, in string, fill bool) {
		series, err := ReadDemandCSV(strings.NewReader(in), CSVOptions{FillGaps: fill})
		if err != nil {
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error %v is not ErrInput", err)
			}
			return
		}
		for _, s := range series {
			if s.ID == "" || len(s.Demand) == 0 || len(s.Demand) > maxSpan {
				t.Fatalf("bad series %q with %d days", s.ID, len(s.Demand))
			}
			for _, d := range s.Demand {
				if d < 0 {
					t.Fatalf("negative demand in %q", s.ID)
				}
			}
		}
	})
}
