package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/connectors/shopify"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest/suite"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// TestShopifyPlugin runs the Shopify connector as a real plugin process
// launched by the host: the conformance kit, then a full and an
// incremental sync of 10,000 orders while the fake shop throttles and
// fails, then a webhook and a write-back across the process boundary.
func TestShopifyPlugin(t *testing.T) {
	p, _ := shopifyPlugin(t)

	t.Run("conformance", func(t *testing.T) {
		srv, err := shopifytest.NewServer(suite.Options())
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		conformance.Run(t, suite.New(t, srv, p))
	})

	t.Run("sync 10000 orders under faults", func(t *testing.T) {
		shopifySyncUnderFaults(t, p)
	})
}

func shopifySyncUnderFaults(t *testing.T, p sdk.Plugin) {
	const orders = 10_000
	srv, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_e2e", ClientSecret: "hush", Orders: orders, Seed: 42,
		BucketSize: 2000, RestoreRate: 20_000, WebhookRetryScale: 0.0001})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	faults := shopifytest.Faults{Throttle: 0.05, Err429: 0.02, RetryAfter: 100 * time.Millisecond, Err5xx: 0.03, Malformed: 0.01,
		Slow: 0.02, SlowDelay: 50 * time.Millisecond, Timeout: 0.003, TimeoutDelay: 10 * time.Second}
	srv.SetFaults(faults)
	cfg, _ := json.Marshal(map[string]any{"shop_domain": "supplyhub-demo.myshopify.com", "access_token": "shpat_e2e", "client_secret": "hush",
		"base_url": srv.URL, "request_timeout_seconds": 1, "max_retries": 10, "bulk_threshold": 5000})
	store := conformance.NewStore()
	read := func(mode, cursor string, killAfter int) (*shopifyCommitter, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		c := &shopifyCommitter{store: store, killAfter: killAfter, cancel: cancel, cursor: cursor}
		err := p.Source.Read(ctx, sdk.ReadRequest{Connection: "shop-e2e", Config: cfg, Stream: shopify.StreamOrders, Mode: mode, Cursor: cursor}, c)
		return c, err
	}

	// the full sync (a bulk export: 10,000 orders is over bulk_threshold),
	// killed midway and resumed from its last checkpoint
	start := time.Now()
	first, err := read(sdk.ModeFull, "", 4000)
	if err == nil {
		t.Fatal("the full sync finished although it was killed after 4000 records")
	}
	if first.applied == 0 || first.cursor == "" {
		t.Fatalf("the killed sync committed %d records, cursor %q: nothing to resume from", first.applied, first.cursor)
	}
	second, err := read(sdk.ModeIncremental, first.cursor, 0)
	if err != nil {
		t.Fatalf("resume the full sync: %v", err)
	}
	full := time.Since(start)
	if got := store.Len(); got != orders {
		t.Fatalf("after the full sync the store holds %d orders, want %d", got, orders)
	}
	if first.skipped+second.skipped != 0 {
		t.Fatalf("the full sync committed %d duplicate versions", first.skipped+second.skipped)
	}
	t.Logf("full sync: %d orders in %s (killed after %d received, %d committed; resumed)", orders, full.Round(time.Millisecond), first.received, first.applied)

	// the shop changes
	changed := map[string]bool{}
	note := func(id string, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		changed[id] = true
	}
	for i := 0; i < 300; i++ {
		id := shopifytest.OrderGID(i * 31 % orders)
		note(id, srv.UpdateOrder(id, fmt.Sprintf("update %d", i)))
	}
	for i := 0; i < 40; i++ {
		o, err := srv.CreateOrder()
		note(o.GID, err)
	}
	refunded, cancelled, fulfilled := 0, 0, 0
	srv.EachOrder(func(o shopifytest.OrderSummary) bool {
		switch {
		case o.Cancelled || changed[o.GID]:
		case refunded < 30 && o.FinancialStatus == "paid" && o.Refunds == 0:
			_, err := srv.RefundOrder(o.GID)
			note(o.GID, err)
			refunded++
		case cancelled < 15 && o.Fulfillments == 0 && o.Refunds == 0:
			note(o.GID, srv.CancelOrder(o.GID, "inventory"))
			cancelled++
		case fulfilled < 20 && o.Fulfillments == 0 && o.Fulfillable > 0:
			_, err := srv.FulfillOrder(o.GID, "UPS", fmt.Sprintf("1ZE2E%05d", fulfilled), "")
			note(o.GID, err)
			fulfilled++
		}
		return refunded < 30 || cancelled < 15 || fulfilled < 20
	})

	// the incremental sync (paged: the changes are under bulk_threshold)
	start = time.Now()
	inc, err := read(sdk.ModeIncremental, second.cursor, 0)
	if err != nil {
		t.Fatalf("incremental sync: %v", err)
	}
	if inc.received != len(changed) || inc.applied != len(changed) || inc.skipped != 0 {
		t.Fatalf("the incremental sync received %d, applied %d, skipped %d records; %d orders changed", inc.received, inc.applied, inc.skipped, len(changed))
	}
	t.Logf("incremental sync: %d changed orders in %s, %s waiting for rate limits", inc.received, time.Since(start).Round(time.Millisecond), inc.lastWaits)
	again, err := read(sdk.ModeIncremental, inc.cursor, 0)
	if err != nil {
		t.Fatal(err)
	}
	if again.received != 0 {
		t.Fatalf("an incremental sync with nothing changed received %d orders", again.received)
	}

	// every order once, with the right version and totals
	want := decimal.Zero
	got := decimal.Zero
	n := 0
	srv.EachOrder(func(o shopifytest.OrderSummary) bool {
		n++
		r := store.Get(commerce.KindOrder, commerce.Ref{Connection: "shop-e2e", ExternalID: o.GID})
		if r == nil {
			t.Errorf("order %s is missing", o.GID)
			return true
		}
		ord := r.(*commerce.Order)
		total := commerce.MustMoney(o.Total, commerce.Currency(o.Currency))
		if !ord.UpdatedAt.Equal(o.UpdatedAt) || !ord.Total.Shop.Equal(total) || len(ord.Lines) != o.Lines ||
			len(ord.Refunds) != o.Refunds || len(ord.Shipments) != o.Fulfillments || (ord.CancelledAt != nil) != o.Cancelled {
			t.Errorf("order %s: updated %s total %s lines %d refunds %d shipments %d; shop says %s %s %d %d %d",
				o.GID, ord.UpdatedAt, ord.Total.Shop, len(ord.Lines), len(ord.Refunds), len(ord.Shipments), o.UpdatedAt, o.Total, o.Lines, o.Refunds, o.Fulfillments)
		}
		want = want.Add(total.Amount)
		got = got.Add(ord.Total.Shop.Amount)
		return true
	})
	if n != orders+40 || store.Len() != n || !got.Equal(want) {
		t.Fatalf("%d orders in the shop, %d in the store; totals %s stored, %s in the shop", n, store.Len(), got, want)
	}
	st := srv.Stats()
	if st.Throttled == 0 || st.Injected5xx == 0 || st.Injected429 == 0 {
		t.Fatalf("the shop did not throttle and fail as intended: %+v", st)
	}
	t.Logf("shop stats: %+v; sum of totals %s USD", st, got)

	// a webhook and a write-back across the process boundary
	id := shopifytest.OrderGID(123)
	body, _ := srv.OrderJSON(id)
	h := srv.WebhookHeaders("orders/updated", body)
	m, _, err := shopifyWebhookSpec(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Verify("hush", h, body); err != nil {
		t.Fatalf("the host's native verification refused the fake's delivery: %v", err)
	}
	srv.SetFaults(shopifytest.Faults{})
	res, err := p.Webhooks.ParseWebhook(context.Background(), sdk.WebhookRequest{Connection: "shop-e2e", Config: cfg, Headers: h, Body: body})
	if err != nil || len(res.Records) != 1 || res.Records[0].Ref().ExternalID != id {
		t.Fatalf("webhook through the plugin: %v %+v", err, res)
	}
	if applied, _ := store.Apply(res.Records...); applied != 0 {
		t.Fatal("the webhook of an unchanged order replaced the synced version: webhook and sync disagree on the version")
	}
	it := srv.InventoryItems()[0]
	w, err := p.Sink.Write(context.Background(), sdk.WriteRequest{Connection: "shop-e2e", Config: cfg, Changes: []sdk.Change{{
		IdempotencyKey: "e2e-stock-1", Action: sdk.ActionSetInventory, Record: &commerce.InventoryLevel{
			Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop-e2e", ExternalID: "x"}, UpdatedAt: time.Now()},
			SKU:  it.SKU, InventoryItemID: it.GID, LocationID: it.Locations[0], Available: 11}}}})
	if err != nil || w.Results[0].Status != sdk.StatusOK {
		t.Fatalf("write through the plugin: %v %+v", err, w)
	}
	if q, _ := srv.Available(it.GID, it.Locations[0]); q != 11 {
		t.Fatalf("available %d after the write, want 11", q)
	}
}

// shopifyWebhookSpec returns the plugin's webhook spec, which the host
// verifies deliveries with.
func shopifyWebhookSpec(p sdk.Plugin) (*sdk.WebhookSpec, *sdk.Manifest, error) {
	m, err := p.Connector.Describe(context.Background())
	if err != nil {
		return nil, nil, err
	}
	if m.Webhook == nil {
		return nil, m, fmt.Errorf("the manifest declares no webhook spec")
	}
	return m.Webhook, m, nil
}

// BenchmarkShopifyPlugin100k reads 100,000 orders from the fake shop
// (throttling off) through the plugin process launched by the host, as the
// initial load runs: a bulk operation. It reports orders per second and the
// plugin process's peak resident memory.
func BenchmarkShopifyPlugin100k(b *testing.B) {
	const orders = 100_000
	p, bin := shopifyPlugin(b)
	srv, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_bench", Orders: orders, Seed: 1, Unthrottled: true})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cfg, _ := json.Marshal(map[string]any{"shop_domain": "supplyhub-demo.myshopify.com", "access_token": "shpat_bench", "base_url": srv.URL,
		"bulk_mode": "always", "request_timeout_seconds": 60})
	start := time.Now()
	for b.Loop() {
		var s shopifyCountStream
		if err := p.Source.Read(context.Background(), sdk.ReadRequest{Connection: "bench", Config: cfg, Stream: shopify.StreamOrders, Mode: sdk.ModeFull}, &s); err != nil {
			b.Fatal(err)
		}
		if s.records != orders {
			b.Fatalf("%d records, want %d", s.records, orders)
		}
	}
	b.ReportMetric(float64(orders*b.N)/time.Since(start).Seconds(), "orders/s")
	if rss := shopifyPeakRSS(bin); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "plugin-peak-RSS-MB")
	}
}
