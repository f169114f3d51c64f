package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// BenchmarkUpsert10kOrders writes a batch of 10,000 realistic orders (three
// lines each) into each store in batches of 500 — the size a sync writes
// per checkpoint — and reports orders per second.
func BenchmarkUpsert10kOrders(b *testing.B) {
	for name, s := range openTestStores(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			const n, batch = 10000, 500
			orders := make([]commerce.Record, n)
			for b.Loop() {
				b.StopTimer()
				version := time.Now()
				for i := range orders {
					orders[i] = order("bench", fmt.Sprint(i), version, "30.00", "SKU-A", fmt.Sprintf("SKU-%d", i%500), "SKU-C")
				}
				b.StartTimer()
				for i := 0; i < n; i += batch {
					if _, err := s.UpsertRecords(ctx, orders[i:i+batch]); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
