package amazon

import (
	"context"
	"encoding/json"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
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

// BenchmarkSync100k reads 100,000 orders across Amazon.de and
// Amazon.co.uk from the fake with the quotas off, through the Orders API
// 2026-01-01 (100 orders a page), the Orders API v0 (a getOrderItems call
// per order) and order reports (30-day windows, gzipped flat files). It
// reports orders per second and the peak live heap of the process, which
// holds the connector and the fake (the fake keeps every order in memory).
func BenchmarkSync100k(b *testing.B) {
	const orders = 100_000
	srv, err := amazontest.NewServer(amazontest.Options{Orders: orders, Seed: 1, Unthrottled: true, RateScale: 1e6, HistoryDays: 365, ReportDelay: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for _, mode := range []struct {
		name string
		cfg  map[string]any
	}{
		{"orders-2026-01-01", map[string]any{"reports_mode": "never"}},
		{"orders-v0", map[string]any{"reports_mode": "never", "orders_api": "v0"}},
		{"reports", map[string]any{"reports_mode": "always", "backfill_days": 370}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			mode.cfg["request_timeout_seconds"] = 60
			cfg := srv.Config(mode.cfg)
			c := New(WithReportPollInterval(5 * time.Millisecond))
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

// BenchmarkParseWebhook parses a relayed ORDER_CHANGE and a
// FBA_INVENTORY_AVAILABILITY_CHANGES, as the gateway's inbox worker asks
// the plugin to for every notification.
func BenchmarkParseWebhook(b *testing.B) {
	for _, name := range []string{"notification-order-change.json", "notification-fba-inventory-availability-changes.json"} {
		body := fixture(b, name)
		cfg := offlineConfig(b, map[string]any{"region": "na", "marketplace_ids": []string{"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}})
		if name == "notification-order-change.json" {
			cfg = offlineConfig(b, nil)
		}
		c := New()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.ParseWebhook(context.Background(), sdk.WebhookRequest{Connection: "bench", Config: cfg, Body: body}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMapOrder maps the Orders API 2026-01-01 example order.
func BenchmarkMapOrder(b *testing.B) {
	var ans searchOrdersAnswer
	if err := json.Unmarshal(fixture(b, "orders-2026-01-01-searchOrders.response.json"), &ans); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d, err := draft2026(&ans.Orders[0])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.toOrder("bench"); err != nil {
			b.Fatal(err)
		}
	}
}
