package odoo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/odoo"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest/suite"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

type countStream struct{ records, checkpoints int }

func (c *countStream) Records(rs ...commerce.Record) error { c.records += len(rs); return nil }
func (c *countStream) Checkpoint(string) error             { c.checkpoints++; return nil }
func (c *countStream) Progress(sdk.Progress) error         { return nil }

// BenchmarkRead reads each stream in full from a fake Odoo of 2,000
// product templates (about 4,400 variants, 8,800 stock levels) and 2,000
// customers, over JSON-RPC (18.0) and JSON-2 (19.0).
func BenchmarkRead(b *testing.B) {
	for _, v := range []string{"18.0", "19.0"} {
		srv, err := odootest.NewServer(odootest.Options{Version: v, Products: 2000, Customers: 2000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		cfg := benchConfig(srv, 500)
		for _, st := range []string{odoo.StreamProducts, odoo.StreamInventoryLevels, odoo.StreamCustomers} {
			b.Run(v+"/"+st, func(b *testing.B) {
				c := odoo.New()
				before := srv.Stats().Requests
				n := 0
				start := time.Now()
				for b.Loop() {
					var out countStream
					if err := c.Read(context.Background(), sdk.ReadRequest{Connection: "bench", Config: cfg, Stream: st, Mode: sdk.ModeFull}, &out); err != nil {
						b.Fatal(err)
					}
					n += out.records
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "records/s")
				b.ReportMetric(float64(srv.Stats().Requests-before)/float64(b.N), "requests/read")
			})
		}
		srv.Close()
	}
}

func benchConfig(srv *odootest.Server, page int) []byte {
	return []byte(fmt.Sprintf(`{"base_url":%q,"database":%q,"login":%q,"api_key":%q,"page_size":%d,"request_timeout_seconds":60}`,
		srv.URL, srv.Database(), srv.Login(), srv.APIKey(), page))
}

// BenchmarkWriteOrders pushes 1,000 orders as sale orders in Write calls
// of 100 changes (as the write-back queue batches them), then replays
// them: orders per second and HTTP requests per order.
func BenchmarkWriteOrders(b *testing.B) {
	for _, v := range []string{"18.0", "19.0"} {
		b.Run(v, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				srv, err := odootest.NewServer(odootest.Options{Version: v, Products: 200, Customers: -1, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				orders := suite.GenerateOrders(srv, "bench", 1000, 7)
				c := odoo.New()
				cfg := benchConfig(srv, 200)
				b.StartTimer()
				for _, phase := range []string{"first", "replay"} {
					start, before := time.Now(), srv.Stats().Requests
					for i := 0; i < len(orders); i += 100 {
						var changes []sdk.Change
						for k, o := range orders[i:min(len(orders), i+100)] {
							changes = append(changes, sdk.Change{IdempotencyKey: fmt.Sprintf("%s-%d", phase, i+k), Action: sdk.ActionUpsertOrder, Record: o})
						}
						res, err := c.Write(context.Background(), sdk.WriteRequest{Connection: "bench", Config: cfg, Changes: changes})
						if err != nil {
							b.Fatal(err)
						}
						for _, r := range res.Results {
							if r.Status == sdk.StatusFailed {
								b.Fatalf("%s: %v", r.IdempotencyKey, r.Error)
							}
						}
					}
					el := time.Since(start)
					b.ReportMetric(float64(len(orders))/el.Seconds(), phase+"-orders/s")
					b.ReportMetric(float64(srv.Stats().Requests-before)/float64(len(orders)), phase+"-requests/order")
				}
				b.StopTimer()
				if got := srv.Count("sale.order"); got != len(orders) {
					b.Fatalf("%d sale orders for %d orders", got, len(orders))
				}
				srv.Close()
				b.StartTimer()
			}
		})
	}
}
