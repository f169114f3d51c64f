package inventory

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// The CSV formats of "supplyhub inventory simulate":
//
//	demand:   series_id,t,value          (value: whole units demanded that day)
//	forecast: series_id,t,mean[,sd]      (the forecast for day t, made before it)
//
// t is an integer day index or a date (2026-03-14); one series uses one kind.
// Rows may come in any order; other columns are ignored; a UTF-8 byte order
// mark is tolerated. Every day between a series' first and last t must be
// present (pass FillGaps to read missing days as 0 demand).

// maxSpan bounds the days one series may span, so that a typo in a date or
// an index cannot allocate gigabytes.
const maxSpan = 200_000

// CSVOptions tunes [ReadDemandCSV].
type CSVOptions struct {
	// FillGaps reads days missing between a series' first and last t as 0
	// demand instead of failing (exports often omit days without sales).
	FillGaps bool
}

type csvCell struct {
	t    int64
	val  float64
	sd   float64
	line int
}

type csvSeries struct {
	id    string
	dated bool
	rows  []csvCell
}

// readCSV reads the common layout: a header naming series_id, t and the
// value columns, then rows grouped into series in order of first appearance.
func readCSV(r io.Reader, what string, valueCols []string, optional string) ([]*csvSeries, bool, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, false, inputErr("%s csv is empty: want a header series_id,t,%s", what, strings.Join(valueCols, ","))
	}
	if err != nil {
		return nil, false, inputErr("%s csv header: %v", what, err)
	}
	cols := map[string]int{}
	for i, h := range head {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := cols[name]; dup {
			return nil, false, inputErr("%s csv header: column %q appears twice", what, name)
		}
		cols[name] = i
	}
	need := append([]string{"series_id", "t"}, valueCols...)
	for _, c := range need {
		if _, ok := cols[c]; !ok {
			return nil, false, inputErr("%s csv header %q lacks column %q: want series_id,t,%s", what, strings.Join(head, ","), c, strings.Join(valueCols, ","))
		}
	}
	optIdx, hasOpt := cols[optional]
	hasOpt = hasOpt && optional != ""
	byID := map[string]*csvSeries{}
	var order []*csvSeries
	line := 1
	for {
		rec, err := cr.Read()
		line++
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false, inputErr("%s csv: %v", what, err)
		}
		field := func(name string) string {
			if i := cols[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		id := field("series_id")
		if id == "" {
			return nil, false, inputErr("%s csv row %d: series_id is empty", what, line)
		}
		s := byID[id]
		if s == nil {
			s = &csvSeries{id: id}
			byID[id] = s
			order = append(order, s)
		}
		tv, dated, err := parseT(field("t"))
		if err != nil {
			return nil, false, inputErr("%s csv row %d (series %q): %v", what, line, id, err)
		}
		if len(s.rows) == 0 {
			s.dated = dated
		} else if s.dated != dated {
			return nil, false, inputErr("%s csv row %d (series %q): t %q mixes dates and integer indexes in one series", what, line, id, field("t"))
		}
		c := csvCell{t: tv, line: line, sd: math.NaN()}
		vs := field(valueCols[0])
		if c.val, err = strconv.ParseFloat(vs, 64); err != nil || bad(c.val) {
			return nil, false, inputErr("%s csv row %d (series %q): %s %q is not a finite number ≥ 0", what, line, id, valueCols[0], vs)
		}
		if hasOpt {
			ss := ""
			if optIdx < len(rec) {
				ss = strings.TrimSpace(rec[optIdx])
			}
			if c.sd, err = strconv.ParseFloat(ss, 64); err != nil || bad(c.sd) {
				return nil, false, inputErr("%s csv row %d (series %q): %s %q is not a finite number ≥ 0", what, line, id, optional, ss)
			}
		}
		s.rows = append(s.rows, c)
	}
	if len(order) == 0 {
		return nil, false, inputErr("%s csv has a header but no rows", what)
	}
	for _, s := range order {
		slices.SortStableFunc(s.rows, func(a, b csvCell) int { return cmp.Compare(a.t, b.t) })
		for i := 1; i < len(s.rows); i++ {
			if s.rows[i].t == s.rows[i-1].t {
				return nil, false, inputErr("%s csv rows %d and %d: series %q has day %s twice", what, s.rows[i-1].line, s.rows[i].line, s.id, formatT(s.rows[i].t, s.dated))
			}
		}
		if span := s.rows[len(s.rows)-1].t - s.rows[0].t; span >= maxSpan {
			return nil, false, inputErr("%s csv: series %q spans %d days, more than %d: check its t values", what, s.id, span+1, maxSpan)
		}
	}
	return order, hasOpt, nil
}

// parseT reads an integer index or a date (as its day number since 1970).
func parseT(s string) (int64, bool, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < -1<<40 || n > 1<<40 {
			return 0, false, fmt.Errorf("t %d is out of range", n)
		}
		return n, false, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false, fmt.Errorf("t %q is neither an integer day index nor a date YYYY-MM-DD", s)
	}
	return d.Unix() / 86400, true, nil
}

func formatT(t int64, dated bool) string {
	if dated {
		return time.Unix(t*86400, 0).UTC().Format(time.DateOnly)
	}
	return strconv.FormatInt(t, 10)
}

// ReadDemandCSV reads daily demand histories (series_id,t,value) in whole
// units, one [Series] per series_id in order of first appearance.
func ReadDemandCSV(r io.Reader, opt CSVOptions) ([]Series, error) {
	raw, _, err := readCSV(r, "demand", []string{"value"}, "")
	if err != nil {
		return nil, err
	}
	out := make([]Series, 0, len(raw))
	for _, s := range raw {
		first := s.rows[0].t
		n := int(s.rows[len(s.rows)-1].t-first) + 1
		ser := Series{ID: s.id, Demand: make([]int, n), Start: first, Dated: s.dated}
		prev := first - 1
		for _, c := range s.rows {
			if c.t != prev+1 && !opt.FillGaps {
				return nil, inputErr("demand csv row %d: series %q jumps from day %s to %s: add rows with value 0 for the missing days, or fill gaps (--fill-gaps)", c.line, s.id, formatT(prev, s.dated), formatT(c.t, s.dated))
			}
			prev = c.t
			if c.val != math.Trunc(c.val) || c.val > 1e12 {
				return nil, inputErr("demand csv row %d (series %q): value %v is not a whole number of units: round demand to units", c.line, s.id, c.val)
			}
			ser.Demand[c.t-first] = int(c.val)
		}
		out = append(out, ser)
	}
	return out, nil
}

// ForecastTable holds per-day forecasts read by [ReadForecastCSV]: for each
// series and day t, the forecast of that day's demand (a mean, and a
// standard deviation when the file has an sd column).
type ForecastTable struct {
	series map[string]*csvSeries
	hasSD  bool
}

// ReadForecastCSV reads per-day forecasts (series_id,t,mean[,sd]). With an
// sd column each day is normal; without, Poisson with that mean.
func ReadForecastCSV(r io.Reader) (*ForecastTable, error) {
	raw, hasSD, err := readCSV(r, "forecast", []string{"mean"}, "sd")
	if err != nil {
		return nil, err
	}
	ft := &ForecastTable{series: map[string]*csvSeries{}, hasSD: hasSD}
	for _, s := range raw {
		for i := 1; i < len(s.rows); i++ {
			if s.rows[i].t != s.rows[i-1].t+1 {
				return nil, inputErr("forecast csv row %d: series %q jumps from day %s to %s: give a forecast for every day", s.rows[i].line, s.id, formatT(s.rows[i-1].t, s.dated), formatT(s.rows[i].t, s.dated))
			}
		}
		ft.series[s.id] = s
	}
	return ft, nil
}

// Forecaster returns the forecaster of a demand series: at the end of day t
// it forecasts days t+1 … t+horizon from the table. Days past the table's
// last day repeat its last forecast. The series must be in the table, with
// the same kind of t, and the table must start by the series' second day.
func (ft *ForecastTable) Forecaster(s Series, horizon int) (Forecaster, error) {
	fs, ok := ft.series[s.ID]
	if !ok {
		return nil, inputErr("forecast csv has no series %q: give a forecast for every demand series", s.ID)
	}
	if fs.dated != s.Dated {
		return nil, inputErr("forecast csv series %q uses %s for t but the demand uses %s", s.ID, kindOfT(fs.dated), kindOfT(s.Dated))
	}
	if horizon < 1 {
		return nil, inputErr("forecaster: horizon %d must be ≥ 1", horizon)
	}
	first := fs.rows[0].t
	return func(t int) (Demand, error) {
		means := make([]float64, horizon)
		sds := make([]float64, horizon)
		for k := range means {
			day := s.Start + int64(t+1+k) // t is 0-based in the series
			i := day - first
			if i < 0 {
				return nil, inputErr("forecast csv series %q starts at %s, after day %s that the simulator needs", s.ID, formatT(first, fs.dated), formatT(day, fs.dated))
			}
			i = min(i, int64(len(fs.rows)-1))
			means[k], sds[k] = fs.rows[i].val, fs.rows[i].sd
		}
		if ft.hasSD {
			return NewNormalDemand(means, sds)
		}
		return NewPoissonDemand(means)
	}, nil
}

func kindOfT(dated bool) string {
	if dated {
		return "dates"
	}
	return "integer indexes"
}

// SimResultHeader is the header of [WriteSimResults].
var SimResultHeader = []string{"series_id", "policy", "method", "days", "demanded", "served", "fill_rate", "cycles", "stockout_cycles", "csl",
	"stockout_days", "avg_on_hand", "orders", "holding_cost", "ordering_cost", "total_cost", "currency"}

// Record returns the result as a CSV record matching SimResultHeader; rates
// have 4 decimals, NaN is written as an empty field, money as exact decimals.
func (r SimResult) Record() []string {
	f := func(x float64, prec int) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'f', prec, 64)
	}
	cur := ""
	if r.TotalCost.Valid() {
		cur = string(r.TotalCost.Currency)
	}
	return []string{r.SeriesID, r.Policy, r.Method, strconv.Itoa(r.Days), strconv.FormatInt(r.Demanded, 10), strconv.FormatInt(r.Served, 10),
		f(r.FillRate, 4), strconv.Itoa(r.Cycles), strconv.Itoa(r.StockoutCycles), f(r.CSL, 4), strconv.Itoa(r.StockoutDays),
		f(r.AvgOnHand, 2), strconv.Itoa(r.Orders), Amount(r.HoldingCost), Amount(r.OrderingCost), Amount(r.TotalCost), cur}
}

// Amount formats money's amount with its currency's minor units ("12.30"),
// or "" for the zero Money (no currency: costs unknown).
func Amount(m commerce.Money) string {
	if !m.Valid() {
		return ""
	}
	return m.Amount.StringFixed(int32(max(m.Currency.MinorUnits(), 0)))
}

// WriteSimResults writes results (and, usually last, their total) as CSV.
func WriteSimResults(w io.Writer, results []SimResult) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SimResultHeader); err != nil {
		return fmt.Errorf("inventory: write results: %w", err)
	}
	for _, r := range results {
		if err := cw.Write(r.Record()); err != nil {
			return fmt.Errorf("inventory: write results: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("inventory: write results: %w", err)
	}
	return nil
}
