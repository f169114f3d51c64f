package demo

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var utc = time.UTC

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, utc) }

func TestPatternRate(t *testing.T) {
	t.Parallel()
	start := day(2025, 1, 6) // a Monday
	flat := Pattern{Base: 10}
	weekly := Pattern{Base: 10, Weekly: [7]float64{2, 1, 1, 1, 1, 1, 2}}
	tests := []struct {
		name string
		p    Pattern
		at   time.Time
		want float64
	}{
		{"flat", flat, start.AddDate(0, 0, 100), 10},
		{"growth compounds over a year", Pattern{Base: 10, Growth: 0.3}, start.AddDate(0, 0, 365), 13},
		{"growth half way", Pattern{Base: 10, Growth: 0.44}, start.AddDate(0, 0, 182).Add(12 * time.Hour), 12},
		{"weekly normalised: Sunday", weekly, day(2025, 1, 12), 10 * 2 * 7 / 9.0},
		{"weekly normalised: Wednesday", weekly, day(2025, 1, 8), 10 * 7 / 9.0},
		{"zero weekday counts as one", Pattern{Base: 10, Weekly: [7]float64{0, 0, 0, 0, 0, 0, 0}}, day(2025, 1, 8), 10},
		{"yearly peak", Pattern{Base: 10, YearlyAmplitude: 0.3, YearlyPeak: 100}, day(2025, 4, 10), 13},
		{"yearly trough", Pattern{Base: 10, YearlyAmplitude: 0.3, YearlyPeak: 100}, day(2025, 10, 9), 7},
		{"promotion", Pattern{Base: 10, Promotions: []Promotion{{Name: "x", Start: day(2025, 3, 1), Days: 3, Uplift: 2.5}}}, day(2025, 3, 3).Add(20 * time.Hour), 25},
		{"after the promotion", Pattern{Base: 10, Promotions: []Promotion{{Name: "x", Start: day(2025, 3, 1), Days: 3, Uplift: 2.5}}}, day(2025, 3, 4), 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.p.Rate(tc.at, start)
			if math.Abs(got-tc.want) > 0.02*tc.want {
				t.Fatalf("Rate(%s) = %.3f, want %.3f", tc.at.Format(time.DateOnly), got, tc.want)
			}
		})
	}
}

func TestPatternWeeklyMeanIsBase(t *testing.T) {
	t.Parallel()
	p := Pattern{Base: 40, Weekly: [7]float64{1.2, 1.0, 0.9, 0.9, 0.95, 1.05, 1.3}}
	sum := 0.0
	for i := range 7 {
		sum += p.Rate(day(2025, 2, 3).AddDate(0, 0, i), day(2025, 2, 3))
	}
	if math.Abs(sum/7-40) > 1e-9 {
		t.Fatalf("mean over a week %.6f, want the base 40", sum/7)
	}
}

func TestPatternValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Pattern
		want string // "" for valid
	}{
		{"valid", Pattern{Base: 3, Growth: 0.2, YearlyAmplitude: 0.5}, ""},
		{"zero base", Pattern{}, "base"},
		{"NaN base", Pattern{Base: math.NaN()}, "base"},
		{"infinite base", Pattern{Base: math.Inf(1)}, "base"},
		{"collapse", Pattern{Base: 1, Growth: -1}, "growth"},
		{"amplitude of one", Pattern{Base: 1, YearlyAmplitude: 1}, "amplitude"},
		{"negative weekday", Pattern{Base: 1, Weekly: [7]float64{1, -1}}, "Monday"},
		{"negative hour", Pattern{Base: 1, Hourly: [24]float64{3: -2}}, "hour 3"},
		{"empty promotion", Pattern{Base: 1, Promotions: []Promotion{{Name: "Sale", Days: 0, Uplift: 2}}}, `"Sale"`},
		{"promotion without uplift", Pattern{Base: 1, Promotions: []Promotion{{Name: "Sale", Days: 2}}}, `"Sale"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// TestOrderTimesFollowThePattern draws a year of orders and checks that
// the counts show the planted trend, weekly cycle, yearly cycle, promotion
// and time-of-day profile.
func TestOrderTimesFollowThePattern(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, loc)
	end := start.AddDate(1, 0, 0)
	bf := RetailCalendar(start, end, loc, 1)
	p := Pattern{Base: 150, Growth: 0.5, Weekly: [7]float64{1, 1, 1, 1, 1, 1, 2}, YearlyAmplitude: 0.25, YearlyPeak: 182,
		Promotions: bf, Hourly: [24]float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50}}
	times := p.OrderTimes(rand.New(rand.NewPCG(7, 7)), start, end, end, loc)
	again := p.OrderTimes(rand.New(rand.NewPCG(7, 7)), start, end, end, loc)
	if len(times) != len(again) || times[len(times)/2] != again[len(again)/2] {
		t.Fatal("the same seed drew different orders")
	}
	perDay := map[string]int{}
	var weekday [7]int
	var hours [24]int
	var q1, q4 int
	for i, tm := range times {
		if i > 0 && tm.Before(times[i-1]) {
			t.Fatal("order times are not sorted")
		}
		if tm.Before(start) || !tm.Before(end) || tm.Location() != loc {
			t.Fatalf("order time %v outside [%v, %v) or not in the shop's zone", tm, start, end)
		}
		perDay[tm.Format(time.DateOnly)]++
		weekday[tm.Weekday()]++
		hours[tm.Hour()]++
		if tm.Month() <= 3 {
			q1++
		}
		if tm.Month() >= 10 {
			q4++
		}
	}
	// Expected total: the integral of the rate, within a few percent.
	want := 0.0
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		want += p.Rate(d, start)
	}
	if got := float64(len(times)); math.Abs(got-want) > 0.02*want {
		t.Fatalf("%v orders, want about %.0f", got, want)
	}
	// Saturday is weighted 2 of 8: twice a weekday's orders.
	if r := float64(weekday[time.Saturday]) / float64(weekday[time.Wednesday]); r < 1.85 || r > 2.15 {
		t.Fatalf("Saturday/Wednesday = %.2f, want about 2", r)
	}
	// Hour 20 weighs 50 against 23 hours of weight 1 (zero counts as one).
	if share := float64(hours[20]) / float64(len(times)); math.Abs(share-50.0/73) > 0.01 {
		t.Fatalf("%.3f of the orders at 20:00, want %.3f", share, 50.0/73)
	}
	// Growth of 50 % beats the yearly cycle's symmetric Q1/Q4 difference.
	if q4 <= q1 {
		t.Fatalf("Q4 %d orders not above Q1 %d despite 50 %% growth", q4, q1)
	}
	// Black Friday weekend against the same days a week before.
	var promo Promotion
	for _, pr := range bf {
		if strings.HasPrefix(pr.Name, "Black Friday") {
			promo = pr
		}
	}
	in, before := 0, 0
	for i := range promo.Days {
		in += perDay[promo.Start.AddDate(0, 0, i).Format(time.DateOnly)]
		before += perDay[promo.Start.AddDate(0, 0, i-7).Format(time.DateOnly)]
	}
	if r := float64(in) / float64(before); r < 2.2 || r > 3.0 {
		t.Fatalf("Black Friday lifted orders ×%.2f, want about ×%.1f", r, promo.Uplift)
	}
}

func TestOrderTimesStopAtNow(t *testing.T) {
	t.Parallel()
	start := day(2026, 1, 1)
	now := day(2026, 1, 10).Add(13 * time.Hour)
	times := Pattern{Base: 50}.OrderTimes(rand.New(rand.NewPCG(1, 2)), start, day(2026, 1, 11), now, utc)
	if len(times) == 0 {
		t.Fatal("no orders")
	}
	if last := times[len(times)-1]; !last.Before(now) {
		t.Fatalf("an order at %v is not before now %v", last, now)
	}
	if last := times[len(times)-1]; last.Before(day(2026, 1, 10)) {
		t.Fatalf("no order on the last day before now (last %v)", last)
	}
}

func TestPoissonMoments(t *testing.T) {
	t.Parallel()
	for _, lambda := range []float64{0.05, 0.8, 3, 29, 31, 250} {
		t.Run("", func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, uint64(lambda*100)))
			const n = 40000
			var sum, sq float64
			for range n {
				x := float64(poisson(r, lambda))
				if x < 0 {
					t.Fatal("negative draw")
				}
				sum += x
				sq += x * x
			}
			mean := sum / n
			variance := sq/n - mean*mean
			se := math.Sqrt(lambda / n)
			if math.Abs(mean-lambda) > 5*se+0.01 {
				t.Fatalf("λ=%v: mean %.4f", lambda, mean)
			}
			if math.Abs(variance-lambda) > 0.08*lambda+0.01 {
				t.Fatalf("λ=%v: variance %.4f", lambda, variance)
			}
		})
	}
	if poisson(rand.New(rand.NewPCG(1, 1)), 0) != 0 || poisson(rand.New(rand.NewPCG(1, 1)), math.NaN()) != 0 {
		t.Fatal("a zero or NaN mean must draw zero")
	}
}

func TestRetailCalendar(t *testing.T) {
	t.Parallel()
	cal := RetailCalendar(day(2026, 1, 1), day(2027, 1, 1), utc, 1)
	want := map[string]string{
		"Spring sale":                  "2026-03-20",
		"Summer sale":                  "2026-07-13",
		"Singles' Day":                 "2026-11-11",
		"Black Friday to Cyber Monday": "2026-11-27",
	}
	if len(cal) != len(want) {
		t.Fatalf("%d promotions, want %d: %+v", len(cal), len(want), cal)
	}
	for i, p := range cal {
		if i > 0 && p.Start.Before(cal[i-1].Start) {
			t.Fatal("promotions are not in date order")
		}
		if got := p.Start.Format(time.DateOnly); got != want[p.Name] {
			t.Errorf("%s starts %s, want %s", p.Name, got, want[p.Name])
		}
	}
	half := RetailCalendar(day(2026, 11, 1), day(2026, 12, 1), utc, 0.5)
	if len(half) != 2 || half[1].Uplift != 1.8 {
		t.Fatalf("November with half the uplift: %+v", half)
	}
	if !half[1].Contains(day(2026, 11, 30).Add(23*time.Hour)) || half[1].Contains(day(2026, 12, 1)) {
		t.Fatal("Black Friday to Cyber Monday must cover 27–30 November")
	}
}

func TestChannels(t *testing.T) {
	t.Parallel()
	from, to := day(2025, 11, 23), day(2026, 11, 23)
	chs := Channels(300, 1, from, to)
	if len(chs) != 1 {
		t.Fatalf("%d Shopify channels, want the web store", len(chs))
	}
	web := chs[0]
	amazonSKUs, amazonOrders := sellerSize(300, 365)
	if web.Products*4 >= amazonSKUs || web.Products < 15 {
		t.Fatalf("the web store's %d products must be the head of a demo whose Amazon catalogue has %d SKUs", web.Products, amazonSKUs)
	}
	if perSKU := float64(amazonOrders) / 365 / float64(amazonSKUs); perSKU > 0.1 {
		t.Fatalf("Amazon SKUs sell %.2f orders a day each; the long tail must be intermittent", perSKU)
	}
	if err := web.Pattern.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(web.Pattern.Promotions) < 4 || web.Share != 1 {
		t.Fatalf("web store %+v", web)
	}
	if small := Channels(10, 1, from, to); small[0].Products < 9 {
		t.Fatal("tiny demos still get one product per template")
	}
}
