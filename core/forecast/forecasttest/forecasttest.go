// Package forecasttest generates synthetic demand series for tests,
// benchmarks and demos of core/forecast, like net/http/httptest does for
// servers.
//
// Daily(seed, i, n) returns the i-th of a reproducible population of daily
// SKU-location histories: about 60% regular sellers with a weekly pattern,
// a trend and noise, 25% slow movers (Poisson counts of a few units a day)
// and 15% intermittent items (most days zero). Start with Daily, or WriteCSV
// to feed the supplyhub forecast command.
package forecasttest

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/supplyhub/supplyhub/core/forecast"
)

// Kind is the demand pattern of a synthetic series.
type Kind int

// Demand patterns.
const (
	Regular Kind = iota
	SlowMover
	Intermittent
)

// String returns the pattern name.
func (k Kind) String() string {
	return [...]string{"regular", "slow", "intermittent"}[k]
}

// KindOf returns the pattern of the i-th series of the population.
func KindOf(seed uint64, i int) Kind {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	switch u := r.Float64(); {
	case u < 0.60:
		return Regular
	case u < 0.85:
		return SlowMover
	}
	return Intermittent
}

// Start is the date of the first value of every synthetic series.
var Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Daily returns the i-th synthetic daily series of n days (whole units, no
// missing values), with season length 7.
func Daily(seed uint64, i, n int) forecast.Series {
	kind := KindOf(seed, i)
	r := rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(i)))
	week := make([]float64, 7)
	amp := 0.1 + 0.4*r.Float64()
	for d := range week {
		week[d] = 1 + amp*math.Sin(2*math.Pi*float64(d)/7+r.Float64())
	}
	v := make([]float64, n)
	switch kind {
	case Regular:
		level := math.Exp(3 + 2*r.Float64()) // about 20 to 150 a day
		trend := (r.Float64() - 0.5) * 0.6 * level / float64(n)
		noise := 0.05 + 0.2*r.Float64()
		for t := range v {
			level += trend + level*0.01*r.NormFloat64()
			level = math.Max(level, 1)
			mu := level * week[t%7]
			v[t] = math.Max(0, math.Round(mu*(1+noise*r.NormFloat64())))
		}
	case SlowMover:
		rate := 0.8 + 4*r.Float64()
		for t := range v {
			v[t] = float64(poisson(r, rate*week[t%7]))
		}
	default:
		p := 0.05 + 0.3*r.Float64()
		size := 1 + 5*r.Float64()
		for t := range v {
			if r.Float64() < p {
				v[t] = float64(1 + poisson(r, size))
			}
		}
	}
	return forecast.Series{ID: fmt.Sprintf("sku-%05d@%s", i, kind), Values: v, SeasonLength: 7, Start: Start, Freq: forecast.Daily}
}

// poisson draws a Poisson count (Knuth's method; the rates here are small).
func poisson(r *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// WriteCSV writes count synthetic daily series of n days as
// series_id,t,value rows with ISO dates, grouped by series.
func WriteCSV(w io.Writer, seed uint64, count, n int) error {
	if _, err := io.WriteString(w, "series_id,t,value\n"); err != nil {
		return err
	}
	buf := make([]byte, 0, 64)
	for i := range count {
		s := Daily(seed, i, n)
		for t, v := range s.Values {
			buf = buf[:0]
			buf = append(buf, s.ID...)
			buf = append(buf, ',')
			buf = Start.AddDate(0, 0, t).AppendFormat(buf, "2006-01-02")
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	return nil
}
