package routing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// benchCities are real places (country, postal code, coordinates) that
// locations and destinations are drawn from.
var benchCities = []struct {
	cc, postal string
	lat, lon   float64
}{
	{"DE", "10115", 52.52, 13.40}, {"DE", "20095", 53.55, 9.99}, {"DE", "80331", 48.14, 11.58}, {"DE", "50667", 50.94, 6.96},
	{"DE", "60311", 50.11, 8.68}, {"DE", "70173", 48.78, 9.18}, {"DE", "04103", 51.34, 12.37}, {"DE", "01067", 51.05, 13.74},
	{"DE", "30159", 52.37, 9.74}, {"DE", "90402", 49.45, 11.08}, {"AT", "1010", 48.21, 16.37}, {"AT", "5020", 47.81, 13.06},
	{"CH", "8001", 47.38, 8.54}, {"CH", "1201", 46.20, 6.14}, {"FR", "75001", 48.86, 2.35}, {"FR", "69001", 45.76, 4.84},
	{"NL", "1011", 52.37, 4.90}, {"BE", "1000", 50.85, 4.35}, {"PL", "00-001", 52.23, 21.01}, {"CZ", "110 00", 50.08, 14.44},
	{"IT", "20121", 45.46, 9.19}, {"DK", "1050", 55.68, 12.57},
}

// benchScenario is a set of requests with 1–5 lines and 5–20 locations.
func benchScenario(tb testing.TB, n int) []Request {
	tb.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	const skus = 200
	itemsBySKU := map[string]Item{}
	for s := range skus {
		w := decimal.New(int64(100+rng.IntN(3000)), -3) // 0.1–3.1 kg
		itemsBySKU[fmt.Sprintf("SKU-%03d", s)] = Item{Weight: &commerce.Weight{Value: w, Unit: commerce.Kilograms}}
	}
	var locs []commerce.Location
	for i, c := range benchCities {
		typ := "warehouse"
		if i%3 == 2 {
			typ = "store"
		}
		l := warehouse(fmt.Sprintf("loc-%02d", i), fmt.Sprintf("%s %s", c.cc, c.postal), addr(c.cc, c.postal, geo(c.lat, c.lon)))
		l.Type = typ
		locs = append(locs, l)
	}
	stock := StockTable{}
	for _, l := range locs {
		for s := range skus {
			if rng.Float64() < 0.5 {
				stock[StockKey{fmt.Sprintf("SKU-%03d", s), l.Source.ExternalID}] = rng.IntN(8)
			}
		}
	}
	reqs := make([]Request, n)
	for i := range reqs {
		dest := benchCities[rng.IntN(len(benchCities))]
		var lines []commerce.OrderLine
		for j := range 1 + rng.IntN(5) {
			lines = append(lines, line(fmt.Sprint(j+1), fmt.Sprintf("SKU-%03d", rng.IntN(skus)), 1+rng.IntN(3), fmt.Sprintf("%d.%02d", 5+rng.IntN(80), rng.IntN(100))))
		}
		o := order(addr(dest.cc, dest.postal, geo(dest.lat+rng.Float64()*0.2, dest.lon+rng.Float64()*0.2)), lines...)
		o.Source.ExternalID = fmt.Sprint(i)
		perm := rng.Perm(len(locs))[:5+rng.IntN(16)]
		var candidates []commerce.Location
		for _, p := range perm {
			candidates = append(candidates, locs[p])
		}
		reqs[i] = Request{Order: o, Locations: candidates, Stock: stock, Items: itemsBySKU, Now: monday, Promise: Promise{Days: 5}}
	}
	return reqs
}

func benchRouter(tb testing.TB) *Router {
	rules := Rules{SplitPenalty: eur("2.00"), Stores: &LocationRule{MaxUnitsPerShipment: 4, SafetyStock: 1}}
	return newRouter(tb, Config{Rules: rules})
}

// BenchmarkRoute routes realistic orders (1–5 lines, 5–20 candidate
// locations across 10 countries, 200 SKUs, table rates, a 5-day promise)
// one after the other and reports decisions per second.
func BenchmarkRoute(b *testing.B) {
	r := benchRouter(b)
	reqs := benchScenario(b, 512)
	ctx := context.Background()
	unroutable := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := range b.N {
		_, err := r.Route(ctx, reqs[i%len(reqs)])
		if err != nil {
			if !errors.Is(err, ErrUnroutable) {
				b.Fatal(err)
			}
			unroutable++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "decisions/cpu-s")
	b.ReportMetric(100*float64(unroutable)/float64(b.N), "%unroutable")
}

// cpuTime is the process's user and system CPU time: on a machine shared
// with other work it is steadier than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRouteParallel is BenchmarkRoute on every core.
func BenchmarkRouteParallel(b *testing.B) {
	r := benchRouter(b)
	reqs := benchScenario(b, 512)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(reqs))
		for pb.Next() {
			if _, err := r.Route(ctx, reqs[i%len(reqs)]); err != nil && !errors.Is(err, ErrUnroutable) {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "decisions/cpu-s")
}

// BenchmarkRouteBatch routes 512 orders against one ledger (reserving
// stock as it goes) and reports decisions per second.
func BenchmarkRouteBatch(b *testing.B) {
	r := benchRouter(b)
	reqs := benchScenario(b, 512)
	base := reqs[0].Stock
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		r.RouteBatch(ctx, reqs, NewLedger(base, nil))
	}
	b.ReportMetric(float64(b.N*len(reqs))/b.Elapsed().Seconds(), "decisions/s")
	b.ReportMetric(float64(b.N*len(reqs))/(cpuTime()-cpu0).Seconds(), "decisions/cpu-s")
}

// TestBenchScenario keeps the benchmark honest: most of its orders are
// routable, and the plans it explores are real.
func TestBenchScenario(t *testing.T) {
	t.Parallel()
	r := benchRouter(t)
	reqs := benchScenario(t, 200)
	routed, splits := 0, 0
	for _, req := range reqs {
		d, err := r.Route(context.Background(), req)
		if err != nil {
			if !errors.Is(err, ErrUnroutable) {
				t.Fatal(err)
			}
			continue
		}
		routed++
		if len(d.Shipments) > 1 {
			splits++
		}
		checkDecision(t, req.Order, d)
		// Never more than a location has available (stores keep one unit
		// and ship at most four), never from a location not offered.
		offered := map[string]commerce.Location{}
		for _, l := range req.Locations {
			offered[l.Source.ExternalID] = l
		}
		units := map[string]int{}
		perKey := map[StockKey]int{}
		for _, a := range d.Assignments {
			l, ok := offered[a.LocationID]
			if !ok {
				t.Fatalf("order %s ships from %s, not a candidate", req.Order.Source.ExternalID, a.LocationID)
			}
			limit := req.Stock.Available(a.SKU, a.LocationID)
			if l.Type == "store" {
				limit--
				units[a.LocationID] += a.Quantity
				if units[a.LocationID] > 4 {
					t.Errorf("order %s: store %s ships %d units, above its cap of 4", req.Order.Source.ExternalID, a.LocationID, units[a.LocationID])
				}
			}
			k := StockKey{SKU: a.SKU, LocationID: a.LocationID}
			if perKey[k] += a.Quantity; perKey[k] > limit {
				t.Errorf("order %s: %d of %s from %s, %d available", req.Order.Source.ExternalID, perKey[k], a.SKU, a.LocationID, limit)
			}
		}
	}
	if routed < 150 || splits == 0 {
		t.Errorf("%d of %d routed, %d split: the benchmark scenario is not realistic", routed, len(reqs), splits)
	}
	t.Logf("%d of %d routed, %d split", routed, len(reqs), splits)
}
