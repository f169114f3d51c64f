package forecast

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The CSV format for offline use (supplyhub forecast):
//
//	series_id,t,value[,season_length]
//
// t is an integer period index or an ISO date (2024-01-31 or RFC 3339); rows
// may come in any order. An empty value, NA or NaN marks a missing period
// (a stockout); so do gaps in t. Other columns are ignored.

// ErrInput is returned (wrapped) for malformed CSV input; the message names
// the row and, when known, the series.
var ErrInput = errors.New("invalid forecast input")

// maxGap bounds the number of periods one series may span, so that a typo in
// a date cannot allocate gigabytes.
const maxGap = 5_000_000

// csvRow is one parsed row, kept small (24 bytes) because unsorted input
// holds every row in memory until the end.
type csvRow struct {
	idx   int64 // integer t, or the date's civil day number since 1970-01-01
	value float64
	line  int32
	date  bool
}

// civilDay numbers the calendar date of t (in t's own zone) from 1970-01-01.
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// dayDate is the inverse of civilDay, as a UTC midnight.
func dayDate(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }

type csvColumns struct {
	id, t, value, season int
}

func inputErr(line int, id string, format string, a ...any) error {
	where := fmt.Sprintf("row %d", line)
	if id != "" {
		where += fmt.Sprintf(" (series %q)", id)
	}
	return fmt.Errorf("forecast: input %s: %s: %w", where, fmt.Sprintf(format, a...), ErrInput)
}

func readHeader(cr *csv.Reader) (csvColumns, error) {
	head, err := cr.Read()
	if err == io.EOF {
		return csvColumns{}, fmt.Errorf("forecast: input is empty: want a header series_id,t,value: %w", ErrInput)
	}
	if err != nil {
		return csvColumns{}, fmt.Errorf("forecast: input header: %v: %w", err, ErrInput)
	}
	c := csvColumns{-1, -1, -1, -1}
	for i, h := range head {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "series_id":
			c.id = i
		case "t":
			c.t = i
		case "value":
			c.value = i
		case "season_length":
			c.season = i
		}
	}
	var missing []string
	for name, i := range map[string]int{"series_id": c.id, "t": c.t, "value": c.value} {
		if i < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return c, fmt.Errorf("forecast: input header %q lacks column(s) %s: want series_id,t,value[,season_length]: %w",
			strings.Join(head, ","), strings.Join(missing, ", "), ErrInput)
	}
	return c, nil
}

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// parseRow parses one data record.
func parseRow(rec []string, c csvColumns, line int) (id string, row csvRow, tm time.Time, season int, err error) {
	field := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	id = field(c.id)
	if id == "" {
		return "", row, tm, 0, inputErr(line, "", "series_id is empty")
	}
	row.line = int32(min(line, math.MaxInt32))
	ts := field(c.t)
	if ts == "" {
		return id, row, tm, 0, inputErr(line, id, "t is empty: give an integer period or an ISO date")
	}
	if v, e := strconv.ParseInt(ts, 10, 64); e == nil {
		row.idx = v
	} else {
		var e error
		tm, e = parseDate(ts)
		if e != nil {
			return id, row, tm, 0, inputErr(line, id, "t %q is neither an integer nor an ISO date (2024-01-31)", ts)
		}
		row.date, row.idx = true, civilDay(tm)
	}
	vs := field(c.value)
	switch strings.ToLower(vs) {
	case "", "na", "nan", "null":
		row.value = math.NaN()
	default:
		v, e := strconv.ParseFloat(vs, 64)
		if e != nil || math.IsInf(v, 0) {
			return id, row, tm, 0, inputErr(line, id, "value %q is not a number: give a quantity, or leave it empty for a missing period", vs)
		}
		row.value = v
	}
	if ss := field(c.season); ss != "" {
		s, e := strconv.Atoi(ss)
		if e != nil || s < 1 {
			return id, row, tm, 0, inputErr(line, id, "season_length %q is not a positive integer", ss)
		}
		season = s
	}
	return id, row, tm, season, nil
}

func parseDate(s string) (time.Time, error) {
	if t, ok := parseISODay(s); ok {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// parseISODay is a fast path for YYYY-MM-DD (time.Parse was a fifth of the
// reading time of a large file); it rejects impossible dates.
func parseISODay(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	num := func(b string) (int, bool) {
		v := 0
		for i := 0; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // e.g. 2023-02-30
		return time.Time{}, false
	}
	return t, true
}

// seriesBuilder collects the rows of one series.
type seriesBuilder struct {
	id     string
	rows   []csvRow
	season int
	start  time.Time // the earliest date seen, with its zone
}

func (b *seriesBuilder) add(row csvRow, tm time.Time, season int) error {
	if season != 0 {
		if b.season != 0 && b.season != season {
			return inputErr(int(row.line), b.id, "season_length %d differs from %d given earlier for this series", season, b.season)
		}
		b.season = season
	}
	if len(b.rows) > 0 && b.rows[0].date != row.date {
		return inputErr(int(row.line), b.id, "t mixes integers and dates within one series")
	}
	if row.date && (b.start.IsZero() || tm.Before(b.start)) {
		b.start = tm
	}
	b.rows = append(b.rows, row)
	return nil
}

// build sorts the rows by t, rejects duplicates and fills gaps with NaN.
func (b *seriesBuilder) build() (Series, error) {
	rows := b.rows
	slices.SortStableFunc(rows, func(x, y csvRow) int { return int(min(max(x.idx-y.idx, -1), 1)) })
	s := Series{ID: b.id, SeasonLength: b.season}
	pos := make([]int64, len(rows))
	if rows[0].date {
		freq, err := inferFrequency(rows, b.id)
		if err != nil {
			return s, err
		}
		s.Freq, s.Start = freq, b.start
		first := dayDate(rows[0].idx)
		for i, r := range rows {
			p, ok := periodIndex(first, dayDate(r.idx), freq)
			if !ok {
				return s, inputErr(int(r.line), b.id, "date %s is not on the %s grid that starts at %s", dayDate(r.idx).Format("2006-01-02"), freq, first.Format("2006-01-02"))
			}
			pos[i] = p
		}
	} else {
		for i, r := range rows {
			pos[i] = r.idx - rows[0].idx
		}
	}
	for i := 1; i < len(rows); i++ {
		if pos[i] == pos[i-1] {
			return s, inputErr(int(rows[i].line), b.id, "t duplicates row %d: give one value per period", rows[i-1].line)
		}
	}
	span := pos[len(pos)-1] + 1
	if span > maxGap {
		return s, inputErr(int(rows[len(rows)-1].line), b.id, "t spans %d periods: at most %d are supported; check t", span, maxGap)
	}
	s.Values = make([]float64, span)
	for i := range s.Values {
		s.Values[i] = math.NaN()
	}
	for i, r := range rows {
		s.Values[pos[i]] = r.value
	}
	return s, nil
}

// inferFrequency finds the grid the dates lie on: the greatest common
// divisor of the gaps, in months when every date falls on the same day of
// the month or on month ends (1 monthly, 3 quarterly, 12 yearly), else in
// days (1 daily, 7 weekly).
func inferFrequency(rows []csvRow, id string) (Frequency, error) {
	if len(rows) < 2 {
		return Daily, nil
	}
	monthEnd := func(t time.Time) bool { return t.AddDate(0, 0, 1).Day() == 1 }
	first := dayDate(rows[0].idx)
	sameDay, allMonthEnds := true, monthEnd(first)
	gm, gd := 0, 0
	for i := 1; i < len(rows); i++ {
		a, b := dayDate(rows[i-1].idx), dayDate(rows[i].idx)
		d := int(rows[i].idx - rows[i-1].idx)
		if d == 0 {
			return 0, inputErr(int(rows[i].line), id, "t duplicates row %d: give one value per period", rows[i-1].line)
		}
		gd = gcd(gd, d)
		if b.Day() != first.Day() {
			sameDay = false
		}
		if !monthEnd(b) {
			allMonthEnds = false
		}
		gm = gcd(gm, (b.Year()-a.Year())*12+int(b.Month()-a.Month()))
	}
	if (sameDay || allMonthEnds) && gm > 0 {
		switch {
		case gm%12 == 0:
			return Yearly, nil
		case gm%3 == 0:
			return Quarterly, nil
		default:
			return Monthly, nil
		}
	}
	switch {
	case gd%7 == 0:
		return Weekly, nil
	case gd == 1:
		return Daily, nil
	}
	return 0, inputErr(int(rows[1].line), id, "cannot tell the frequency from dates %d days apart: use daily, weekly, monthly, quarterly or yearly dates, or integer t", gd)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	if a < 0 {
		return -a
	}
	return a
}

func periodIndex(start, t time.Time, f Frequency) (int64, bool) {
	months := func() int64 {
		return int64(t.Year()-start.Year())*12 + int64(t.Month()-start.Month())
	}
	switch f {
	case Daily, Weekly:
		days := int64(math.Round(t.Sub(start).Hours() / 24))
		if f == Weekly {
			return days / 7, days%7 == 0
		}
		return days, true
	case Monthly:
		return months(), true
	case Quarterly:
		mo := months()
		return mo / 3, mo%3 == 0
	case Yearly:
		return int64(t.Year() - start.Year()), true
	}
	return 0, false
}

// ReadCSV reads every series of the input (rows in any order) into memory.
// Memory grows with the number of rows (about 80 bytes per row while
// reading); use StreamCSV when the input is grouped by series.
func ReadCSV(r io.Reader) ([]Series, error) {
	var out []Series
	for s, err := range readCSV(r, false) {
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// StreamCSV yields series one at a time from input whose rows are grouped by
// series (all rows of a series together, t in any order within the group).
// It holds one series in memory; a series that appears again after another
// one started is an error.
func StreamCSV(r io.Reader) iter.Seq2[Series, error] { return readCSV(r, true) }

func readCSV(r io.Reader, grouped bool) iter.Seq2[Series, error] {
	return func(yield func(Series, error) bool) {
		cr := newCSVReader(r)
		cols, err := readHeader(cr)
		if err != nil {
			yield(Series{}, err)
			return
		}
		var order []string
		byID := map[string]*seriesBuilder{}
		done := map[string]bool{}
		var cur *seriesBuilder
		flush := func() bool {
			if cur == nil {
				return true
			}
			s, err := cur.build()
			done[cur.id] = true
			cur = nil
			return yield(s, err) && err == nil
		}
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				yield(Series{}, fmt.Errorf("forecast: input: %v: %w", err, ErrInput))
				return
			}
			line, _ := cr.FieldPos(0)
			id, row, tm, season, err := parseRow(rec, cols, line)
			if err != nil {
				yield(Series{}, err)
				return
			}
			if grouped {
				if cur == nil || cur.id != id {
					if done[id] || (cur != nil && cur.id == id) {
						yield(Series{}, inputErr(line, id, "the input is not grouped by series: this series appeared before another one started; sort by series_id or read the input whole"))
						return
					}
					if !flush() {
						return
					}
					cur = &seriesBuilder{id: id}
				}
				if err := cur.add(row, tm, season); err != nil {
					yield(Series{}, err)
					return
				}
				continue
			}
			b := byID[id]
			if b == nil {
				b = &seriesBuilder{id: id}
				byID[id] = b
				order = append(order, id)
			}
			if err := b.add(row, tm, season); err != nil {
				yield(Series{}, err)
				return
			}
		}
		if grouped {
			flush()
			return
		}
		for _, id := range order {
			cur = byID[id]
			delete(byID, id)
			if !flush() {
				return
			}
		}
	}
}

// IsGrouped reports whether the CSV input has all rows of each series
// together, so that StreamCSV can read it in bounded memory. It keeps only
// the set of series IDs.
func IsGrouped(r io.Reader) (bool, error) {
	cr := newCSVReader(r)
	cols, err := readHeader(cr)
	if err != nil {
		return false, err
	}
	seen := map[string]bool{}
	last := ""
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("forecast: input: %v: %w", err, ErrInput)
		}
		if cols.id >= len(rec) {
			continue
		}
		id := strings.TrimSpace(rec[cols.id])
		if id == last {
			continue
		}
		if seen[id] {
			return false, nil
		}
		seen[id] = true
		last = id
	}
}

// CSVWriter writes results as series_id,step,forecast,lo<L>,hi<L>...,method
// rows, one per step, with one lo/hi pair per level.
type CSVWriter struct {
	w      *csv.Writer
	levels []float64
	rec    []string
}

// NewCSVWriter writes the header for levels (in percent) and returns the
// writer. Call Flush when done.
func NewCSVWriter(w io.Writer, levels []float64) (*CSVWriter, error) {
	cw := &CSVWriter{w: csv.NewWriter(w), levels: levels}
	head := []string{"series_id", "step", "forecast"}
	for _, l := range levels {
		ls := strconv.FormatFloat(l, 'f', -1, 64)
		head = append(head, "lo"+ls, "hi"+ls)
	}
	head = append(head, "method")
	cw.rec = make([]string, len(head))
	return cw, cw.w.Write(head)
}

func formatValue(v float64) string {
	if math.IsNaN(v) {
		return "NA"
	}
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

// Write writes the rows of one result.
func (cw *CSVWriter) Write(r *Result) error {
	for i := range r.Mean {
		rec := cw.rec[:0]
		rec = append(rec, r.SeriesID, strconv.Itoa(i+1), formatValue(r.Mean[i]))
		for j := range cw.levels {
			if j < len(r.Intervals) {
				rec = append(rec, formatValue(r.Intervals[j].Lower[i]), formatValue(r.Intervals[j].Upper[i]))
			} else {
				rec = append(rec, "NA", "NA")
			}
		}
		rec = append(rec, r.Method)
		if err := cw.w.Write(rec); err != nil {
			return err
		}
	}
	return cw.w.Error()
}

// Flush writes buffered rows and reports any write error.
func (cw *CSVWriter) Flush() error {
	cw.w.Flush()
	return cw.w.Error()
}
