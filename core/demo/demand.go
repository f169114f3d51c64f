package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// Pattern is the daily order intensity of one sales channel: a level that
// grows over the year, a weekly and a yearly cycle, and promotions. The
// demo turns it into a day-by-day order count (Poisson around Rate) and
// places those orders in a fake shop at their historical times.
type Pattern struct {
	// Base is the mean number of orders per day at the start of the
	// history, before the cycles and promotions.
	Base float64
	// Growth is the relative change of the level over 365 days: 0.3 means
	// 30 % more orders a year later. It compounds smoothly.
	Growth float64
	// Weekly multiplies each weekday, indexed by time.Weekday (Sunday
	// first). Zero entries count as 1; the values are normalised to a mean
	// of 1 so that Base keeps its meaning.
	Weekly [7]float64
	// YearlyAmplitude is the height of the yearly cycle: 0.25 swings the
	// level ±25 % around the year.
	YearlyAmplitude float64
	// YearlyPeak is the day of the year (1–366) when the yearly cycle
	// peaks, e.g. 340 for early December.
	YearlyPeak int
	// Promotions lift the rate on their days.
	Promotions []Promotion
	// Hourly weights the hours of a day (shop local time) when orders are
	// placed; zero entries count as 1.
	Hourly [24]float64
}

// Promotion is a sales event that multiplies the order rate.
type Promotion struct {
	// Name is shown in logs and docs, e.g. "Black Friday".
	Name string
	// Start is the first day (local midnight in the shop's zone).
	Start time.Time
	// Days is the length in days, at least 1.
	Days int
	// Uplift multiplies the rate on the promotion's days, e.g. 2.5.
	Uplift float64
}

// Contains reports whether day (any time in it) falls in the promotion.
func (p Promotion) Contains(day time.Time) bool {
	d := midnight(day.In(p.Start.Location()))
	return !d.Before(p.Start) && d.Before(p.Start.AddDate(0, 0, p.Days))
}

// Validate reports a pattern that cannot produce orders.
func (p Pattern) Validate() error {
	if !(p.Base > 0) || math.IsInf(p.Base, 0) {
		return fmt.Errorf("demo: pattern base %v must be a positive number of orders per day", p.Base)
	}
	if p.Growth <= -1 || math.IsNaN(p.Growth) {
		return fmt.Errorf("demo: pattern growth %v must be above -1 (-0.5 halves the level over a year)", p.Growth)
	}
	if p.YearlyAmplitude < 0 || p.YearlyAmplitude >= 1 {
		return fmt.Errorf("demo: yearly amplitude %v must be in [0, 1)", p.YearlyAmplitude)
	}
	for i, w := range p.Weekly {
		if w < 0 || math.IsNaN(w) {
			return fmt.Errorf("demo: weekly multiplier for %s is %v; use a non-negative number", time.Weekday(i), w)
		}
	}
	for i, w := range p.Hourly {
		if w < 0 || math.IsNaN(w) {
			return fmt.Errorf("demo: hourly weight for hour %d is %v; use a non-negative number", i, w)
		}
	}
	for _, pr := range p.Promotions {
		if pr.Days < 1 || !(pr.Uplift > 0) {
			return fmt.Errorf("demo: promotion %q needs at least one day and a positive uplift (got %d days, ×%v)", pr.Name, pr.Days, pr.Uplift)
		}
	}
	return nil
}

// weekly returns the normalised weekday multiplier.
func (p Pattern) weekly(d time.Weekday) float64 {
	sum := 0.0
	for _, w := range p.Weekly {
		if w == 0 {
			w = 1
		}
		sum += w
	}
	w := p.Weekly[d]
	if w == 0 {
		w = 1
	}
	return w * 7 / sum
}

// Rate is the expected number of orders on day (taken in its own zone),
// for a history that starts on start.
func (p Pattern) Rate(day, start time.Time) float64 {
	day = midnight(day)
	elapsed := day.Sub(midnight(start.In(day.Location()))).Hours() / 24
	r := p.Base * math.Pow(1+p.Growth, elapsed/365)
	r *= p.weekly(day.Weekday())
	if p.YearlyAmplitude > 0 {
		phase := 2 * math.Pi * float64(day.YearDay()-p.YearlyPeak) / 365.25
		r *= 1 + p.YearlyAmplitude*math.Cos(phase)
	}
	for _, pr := range p.Promotions {
		if pr.Contains(day) {
			r *= pr.Uplift
		}
	}
	return r
}

// OrderTimes draws the order times of the days from start (inclusive,
// local midnight in loc) to end (exclusive): a Poisson count per day
// around Rate, each order at a time of day drawn from Hourly. Times are in
// loc, sorted, with second precision. Times at or after now are dropped.
func (p Pattern) OrderTimes(r *rand.Rand, start, end, now time.Time, loc *time.Location) []time.Time {
	var cum [24]float64
	total := 0.0
	for h, w := range p.Hourly {
		if w == 0 {
			w = 1
		}
		total += w
		cum[h] = total
	}
	var out []time.Time
	start = midnight(start.In(loc))
	for day := start; day.Before(end); day = day.AddDate(0, 0, 1) {
		n := poisson(r, p.Rate(day, start))
		for range n {
			x := r.Float64() * total
			h := sort.SearchFloat64s(cum[:], x)
			if h > 23 {
				h = 23
			}
			t := day.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
			if t.Before(now) {
				out = append(out, t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// poisson draws from a Poisson distribution with mean lambda: by
// multiplication of uniforms for small means, by a rounded normal
// approximation (continuity-corrected, clipped at zero) from 30 up, where
// its error is far below the demo's noise.
func poisson(r *rand.Rand, lambda float64) int {
	switch {
	case !(lambda > 0):
		return 0
	case lambda < 30:
		l := math.Exp(-lambda)
		k, p := 0, 1.0
		for {
			p *= r.Float64()
			if p <= l {
				return k
			}
			k++
		}
	default:
		x := math.Floor(lambda + math.Sqrt(lambda)*r.NormFloat64() + 0.5)
		return int(max(x, 0))
	}
}

// midnight returns the start of t's day in t's zone.
func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// nthWeekday returns the n-th (1-based) weekday wd of month m in year y.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int, loc *time.Location) time.Time {
	d := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	for d.Weekday() != wd {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 7*(n-1))
}

// RetailCalendar returns the usual promotions of a web store in the years
// that overlap [from, to): a spring sale (the third weekend of March,
// Friday to Sunday), a summer sale (the second week of July), Singles' Day
// (11 November) and Black Friday to Cyber Monday. scale stretches every
// uplift: 1 keeps them, 0.5 halves the extra demand.
func RetailCalendar(from, to time.Time, loc *time.Location, scale float64) []Promotion {
	lift := func(u float64) float64 { return 1 + (u-1)*scale }
	var out []Promotion
	for y := from.In(loc).Year(); y <= to.In(loc).Year(); y++ {
		bf := nthWeekday(y, time.November, time.Thursday, 4, loc).AddDate(0, 0, 1)
		cands := []Promotion{
			{Name: "Spring sale", Start: nthWeekday(y, time.March, time.Friday, 3, loc), Days: 3, Uplift: lift(1.8)},
			{Name: "Summer sale", Start: nthWeekday(y, time.July, time.Monday, 2, loc), Days: 7, Uplift: lift(1.5)},
			{Name: "Singles' Day", Start: time.Date(y, time.November, 11, 0, 0, 0, 0, loc), Days: 1, Uplift: lift(1.7)},
			{Name: "Black Friday to Cyber Monday", Start: bf, Days: 4, Uplift: lift(2.6)},
		}
		for _, p := range cands {
			if p.Start.Before(to) && p.Start.AddDate(0, 0, p.Days).After(from) {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}
