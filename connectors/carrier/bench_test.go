package carrier

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
)

// BenchmarkRateShopping measures one Rates call across the fake's three
// carriers (EasyPost shape, one request per carrier account), and reports
// the latency percentiles. In the slow-carrier case UPS answers after 2 s
// and the rate deadline is 200 ms: the call must return at the deadline
// with the other carriers' rates, not wait for UPS.
func BenchmarkRateShopping(b *testing.B) {
	for _, bc := range []struct {
		name string
		slow time.Duration
	}{{"all-fast", 0}, {"one-carrier-slow", 2 * time.Second}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := newFake(b)
			if bc.slow > 0 {
				srv.SetCarrierDelay("UPS", bc.slow)
			}
			c := New()
			cfg := easyPostConfig(srv, map[string]any{"rate_timeout": "200ms"})
			req := sdk.RatesRequest{Config: cfg, From: sf, To: berlin, Parcels: []sdk.Parcel{box("3", "12", "10", "6")}}
			var mu sync.Mutex
			var lat []time.Duration
			partial := 0
			b.ReportAllocs()
			b.ResetTimer()
			b.SetParallelism(2) // 2×GOMAXPROCS shoppers at once
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					start := time.Now()
					resp, err := c.Rates(context.Background(), req)
					d := time.Since(start)
					if err != nil {
						b.Error(err)
						return
					}
					if len(resp.Rates) == 0 {
						b.Error("no rates")
						return
					}
					mu.Lock()
					lat = append(lat, d)
					if len(resp.Errors) > 0 {
						partial++
					}
					mu.Unlock()
				}
			})
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			q := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
			b.ReportMetric(float64(partial)/float64(len(lat)), "partial-ratio")
		})
	}
}

// TestRateShoppingDeadline is a short, load-tolerant version of the
// benchmark that fails only on a gross regression (waiting for the slow
// carrier): UPS takes 5 s, the deadline is 1 s, and each of 8 concurrent
// calls must return in under 3 s with rates and a UPS error.
func TestRateShoppingDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	srv := newFake(t)
	srv.SetCarrierDelay("UPS", 5*time.Second)
	c := New()
	cfg := easyPostConfig(srv, map[string]any{"rate_timeout": "1s"})
	req := sdk.RatesRequest{Config: cfg, From: sf, To: berlin, Parcels: []sdk.Parcel{box("3", "12", "10", "6")}}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			resp, err := c.Rates(context.Background(), req)
			took := time.Since(start)
			switch {
			case err != nil:
				errs <- err.Error()
			case took > 3*time.Second:
				errs <- "waited " + took.String()
			case len(resp.Rates) == 0 || len(resp.Errors) == 0 || resp.Errors[0].Carrier != "UPS":
				errs <- fmt.Sprintf("rates %d, errors %+v", len(resp.Rates), resp.Errors)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
