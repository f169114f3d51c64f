package shopify

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// countStream counts records, as a host that stores them elsewhere would
// see them; it keeps nothing.
type countStream struct{ records, checkpoints int }

func (c *countStream) Records(rs ...commerce.Record) error { c.records += len(rs); return nil }
func (c *countStream) Checkpoint(string) error             { c.checkpoints++; return nil }
func (c *countStream) Progress(sdk.Progress) error         { return nil }

// heapPeak samples the live heap until stop is called and returns the
// highest value seen, in bytes.
func heapPeak() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak }
}

// BenchmarkSync100k reads 100,000 orders from the fake shop with throttling
// off, through a bulk operation (the initial load) and by paging, and
// reports orders per second and the peak live heap of the process, which
// holds both the connector and the fake shop (the fake keeps no orders in
// memory; its bulk file is on disk).
func BenchmarkSync100k(b *testing.B) {
	const orders = 100_000
	for _, mode := range []string{"bulk", "paged"} {
		b.Run(mode, func(b *testing.B) {
			srv := newShop(b, shopifytest.Options{Orders: orders, Seed: 1, Unthrottled: true})
			bulkMode := map[string]string{"bulk": "always", "paged": "never"}[mode]
			cfg := config(b, srv, map[string]any{"bulk_mode": bulkMode, "request_timeout_seconds": 60})
			c := New()
			runtime.GC()
			stop := heapPeak()
			start := time.Now()
			for b.Loop() {
				var s countStream
				if err := c.Read(context.Background(), sdk.ReadRequest{Connection: "bench", Config: cfg, Stream: StreamOrders, Mode: sdk.ModeFull}, &s); err != nil {
					b.Fatal(err)
				}
				if s.records != orders {
					b.Fatalf("%d records, want %d", s.records, orders)
				}
			}
			el := time.Since(start)
			peak := stop()
			b.ReportMetric(float64(orders*b.N)/el.Seconds(), "orders/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}
