package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/connectors/amazon"
	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest/suite"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// TestAmazonPlugin runs the Amazon connector as a real plugin process
// launched by the host: the conformance kit, then a full and an
// incremental sync of 10,000 orders across two marketplaces and
// currencies while the fake enforces quotas and fails, then a relayed
// notification and a write-back across the process boundary.
func TestAmazonPlugin(t *testing.T) {
	p, _ := amazonPlugin(t)

	t.Run("conformance", func(t *testing.T) {
		srv, err := amazontest.NewServer(suite.Options())
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		conformance.Run(t, suite.New(t, srv, p, nil))
	})

	t.Run("sync 10000 orders under throttling", func(t *testing.T) {
		amazonSyncUnderThrottling(t, p)
	})
}

func amazonSyncUnderThrottling(t *testing.T, p sdk.Plugin) {
	const orders = 10_000
	srv, err := amazontest.NewServer(amazontest.Options{Orders: orders, Seed: 42, HistoryDays: 60, RateScale: 3000})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.SetFaults(amazontest.Faults{Err429: 0.05, Err5xx: 0.04, ExpireTokens: 0.01, Malformed: 0.02, Slow: 0.02, SlowDelay: 20 * time.Millisecond})
	cfg := srv.Config(map[string]any{"reports_mode": "never", "request_timeout_seconds": 2, "max_retries": 10})
	store := conformance.NewStore()
	read := func(mode, cursor string, killAfter int) (*shopifyCommitter, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		c := &shopifyCommitter{store: store, killAfter: killAfter, cancel: cancel, cursor: cursor}
		err := p.Source.Read(ctx, sdk.ReadRequest{Connection: "amazon-e2e", Config: cfg, Stream: amazon.StreamOrders, Mode: mode, Cursor: cursor}, c)
		return c, err
	}
	start := time.Now()
	first, err := read(sdk.ModeFull, "", 4000)
	if err == nil || first.applied == 0 || first.cursor == "" {
		t.Fatalf("the sync killed after 4000 records: %v, %d committed, cursor %q", err, first.applied, first.cursor)
	}
	second, err := read(sdk.ModeIncremental, first.cursor, 0)
	if err != nil {
		t.Fatalf("resume the full sync: %v", err)
	}
	if got := store.Len(); got != orders || first.skipped+second.skipped != 0 {
		t.Fatalf("after the full sync the store holds %d orders (%d duplicate versions), want %d", got, first.skipped+second.skipped, orders)
	}
	t.Logf("full sync through the plugin: %d orders in %s (killed after %d received, %d committed; resumed; %s waiting for quotas)",
		orders, time.Since(start).Round(time.Millisecond), first.received, first.applied, max(first.lastWaits, second.lastWaits).Round(time.Millisecond))

	changed := map[string]bool{}
	ids := srv.OrderIDs()
	for i := 0; i < 200; i++ {
		id := ids[i*37%orders]
		if err := srv.UpdateOrder(id); err != nil {
			t.Fatal(err)
		}
		changed[id] = true
	}
	for i := 0; i < 30; i++ {
		o, err := srv.CreateOrder([]string{"A1PA6795UKMFR9", "A1F83G8C2ARO7P"}[i%2])
		if err != nil {
			t.Fatal(err)
		}
		changed[o.ID] = true
	}
	start = time.Now()
	inc, err := read(sdk.ModeIncremental, second.cursor, 0)
	if err != nil {
		t.Fatalf("incremental sync: %v", err)
	}
	if inc.received != len(changed) || inc.applied != len(changed) || inc.skipped != 0 {
		t.Fatalf("the incremental sync received %d, applied %d, skipped %d; %d orders changed", inc.received, inc.applied, inc.skipped, len(changed))
	}
	t.Logf("incremental sync: %d changed orders in %s", inc.received, time.Since(start).Round(time.Millisecond))
	want := map[string]decimal.Decimal{}
	got := map[string]decimal.Decimal{}
	srv.EachOrder(func(o amazontest.OrderSummary) bool {
		r := store.Get(commerce.KindOrder, commerce.Ref{Connection: "amazon-e2e", ExternalID: o.ID})
		if r == nil {
			t.Errorf("order %s is missing", o.ID)
			return true
		}
		ord := r.(*commerce.Order)
		total := commerce.MustMoney(o.Total, commerce.Currency(o.Currency))
		if !ord.UpdatedAt.Equal(o.Updated) || !ord.Total.Shop.Equal(total) || ord.MarketplaceID != o.Marketplace {
			t.Errorf("order %s: %s %s %s; the fake says %s %s %s", o.ID, ord.UpdatedAt, ord.Total.Shop, ord.MarketplaceID, o.Updated, total, o.Marketplace)
		}
		want[o.Currency] = want[o.Currency].Add(total.Amount)
		got[string(ord.Currency)] = got[string(ord.Currency)].Add(ord.Total.Shop.Amount)
		return true
	})
	if store.Len() != orders+30 || len(want) != 2 || !got["EUR"].Equal(want["EUR"]) || !got["GBP"].Equal(want["GBP"]) {
		t.Fatalf("%d orders stored; totals %v stored, %v at the fake", store.Len(), got, want)
	}
	if st := srv.Stats(); st.Injected429+st.Injected5xx+st.InjectedMalformed == 0 {
		t.Fatalf("the fake did not fail as intended: %+v", st)
	}

	// a relayed notification and a write-back across the boundary
	srv.SetFaults(amazontest.Faults{})
	body, _ := srv.OrderChangeNotification(ids[1])
	d := suite.Relayed(body, amazontest.DefaultRelaySecret)
	m, err := p.Connector.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Webhook.Verify(amazontest.DefaultRelaySecret, d.Headers, d.Body); err != nil {
		t.Fatalf("the host's native verification refused the relayed notification: %v", err)
	}
	res, err := p.Webhooks.ParseWebhook(context.Background(), sdk.WebhookRequest{Connection: "amazon-e2e", Config: cfg, Headers: d.Headers, Body: d.Body})
	if err != nil || len(res.Actions) != 1 || res.Actions[0].IDs[0] != ids[1] {
		t.Fatalf("ParseWebhook through the plugin: %v %+v", err, res)
	}
	sku := srv.SKUs()[0]
	w, err := p.Sink.Write(context.Background(), sdk.WriteRequest{Connection: "amazon-e2e", Config: cfg, Changes: []sdk.Change{{
		IdempotencyKey: "e2e-stock-1", Action: sdk.ActionSetInventory, Record: &commerce.InventoryLevel{
			Meta: commerce.Meta{Source: commerce.Ref{Connection: "amazon-e2e", ExternalID: "MFN/" + sku}, UpdatedAt: time.Now()},
			SKU:  sku, LocationID: amazon.MFNLocation, Available: 77}}}})
	if err != nil || w.Results[0].Status != sdk.StatusOK {
		t.Fatalf("write through the plugin: %v %+v", err, w)
	}
	if q, _ := srv.MFNQuantity(sku); q != 77 {
		t.Fatalf("MFN quantity %d after the write, want 77", q)
	}
}

// TestAmazonNotificationsThroughGateway runs the gateway binary with the
// Amazon plugin. A connection whose configuration enables the in-plugin
// SQS poller gets its ORDER_CHANGE notifications from the fake's queue
// into the gateway's inbox (authenticated by the relay secret), each one
// deleted from the queue only after the gateway stored it; each becomes a
// targeted re-read of the order, which lands in the store. A second
// connection is served by the standalone "relay" command, and a relay with
// the wrong secret is refused and leaves its message in the queue.
func TestAmazonNotificationsThroughGateway(t *testing.T) {
	bin, _ := gatewayBuild(t)
	plugins := t.TempDir()
	pluginBin := buildAmazonPlugin(t, plugins)
	fake, err := amazontest.NewServer(amazontest.Options{Orders: 30, Seed: 5, RateScale: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	addr := freeAddr(t)
	g := startGateway(t, bin, plugins, t.TempDir(), addr)
	token := g.bootstrapToken()
	var cfg map[string]any
	_ = json.Unmarshal(fake.Config(map[string]any{"sqs_poll": true, "sqs_wait_seconds": 1, "gateway_webhook_url": "http://" + addr + "/webhooks/amazon-eu"}), &cfg)
	var created map[string]any
	if code := apiCall(t, addr, token, "POST", "/v1/connections", map[string]any{"id": "amazon-eu", "connector": "amazon", "name": "Amazon EU", "config": cfg}, &created); code != 201 {
		t.Fatalf("create connection: %d %v\n%s", code, created, g.stderr)
	}
	ids := fake.OrderIDs()
	changed := ids[:6]
	for _, id := range changed {
		if err := fake.UpdateOrder(id); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	var stored map[string]string
	for time.Now().Before(deadline) {
		stored = amazonOrders(t, addr, token, "amazon-eu")
		if len(stored) == len(changed) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, id := range changed {
		o, _ := fake.Order(id)
		at, err := time.Parse(time.RFC3339, stored[id])
		if err != nil || !at.Equal(o.Updated) {
			t.Fatalf("order %s stored at version %q, the fake's is %s (stored: %v)\n%s", id, stored[id], o.Updated, stored, g.stderr)
		}
	}
	evs := allInboxEvents(t, addr, token, "amazon-eu")
	if len(evs) != len(changed) {
		t.Fatalf("%d inbox events for %d notifications", len(evs), len(changed))
	}
	if q := fake.Queue(); q.Visible+q.InFlight != 0 {
		t.Fatalf("queue %+v: relayed notifications must be deleted", q)
	}

	// the standalone relay for a second connection, and a wrong secret
	var cfg2 map[string]any
	_ = json.Unmarshal(fake.Config(map[string]any{"relay_secret": "second-connection-relay-secret"}), &cfg2)
	if code := apiCall(t, addr, token, "POST", "/v1/connections", map[string]any{"id": "amazon-relay", "connector": "amazon", "name": "Amazon relayed", "config": cfg2}, nil); code != 201 {
		t.Fatalf("create the second connection: %d", code)
	}
	// stop the first connection's poller by switching it off
	if code := apiCall(t, addr, token, "PATCH", "/v1/connections/amazon-eu", map[string]any{"config": map[string]any{"sqs_poll": false}}, nil); code != 200 {
		t.Fatalf("update the first connection: %d", code)
	}
	time.Sleep(1500 * time.Millisecond) // a receive in flight ends
	relayCfg := func(secret string) string {
		c := map[string]any{}
		for k, v := range cfg2 {
			c[k] = v
		}
		c["relay_secret"] = secret
		c["gateway_webhook_url"] = "http://" + addr + "/webhooks/amazon-relay"
		c["sqs_wait_seconds"] = 1
		b, _ := json.Marshal(c)
		p := filepath.Join(t.TempDir(), "relay.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := fake.UpdateOrder(ids[10]); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pluginBin, "relay", "-config", relayCfg("not-the-secret-of-the-connection"), "-once").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "401") {
		t.Fatalf("a relay with the wrong secret: %v\n%s", err, out)
	}
	if q := fake.Queue(); q.Visible+q.InFlight != 1 {
		t.Fatalf("queue %+v: the refused notification must stay", q)
	}
	// the refused message is hidden for the visibility timeout; use a
	// fresh notification for the good relay and let the first come back
	// later (it is relayed then, or expires to the dead-letter queue)
	if err := fake.UpdateOrder(ids[11]); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(pluginBin, "relay", "-config", relayCfg("second-connection-relay-secret"), "-once").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "relayed 1 notifications") {
		t.Fatalf("the standalone relay: %v\n%s", err, out)
	}
	deadline = time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && len(amazonOrders(t, addr, token, "amazon-relay")) != 1 {
		time.Sleep(200 * time.Millisecond)
	}
	if got := amazonOrders(t, addr, token, "amazon-relay"); len(got) != 1 || got[ids[11]] == "" {
		t.Fatalf("the relayed ORDER_CHANGE did not become a stored order: %v\n%s", got, g.stderr)
	}
}

// BenchmarkAmazonPlugin100k reads 100,000 orders from the fake (quotas
// off) through the plugin process launched by the host, with the Orders
// API 2026-01-01. It reports orders per second and the plugin process's
// peak resident memory.
func BenchmarkAmazonPlugin100k(b *testing.B) {
	const orders = 100_000
	p, bin := amazonPlugin(b)
	srv, err := amazontest.NewServer(amazontest.Options{Orders: orders, Seed: 1, Unthrottled: true, RateScale: 1e6, HistoryDays: 365})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cfg := srv.Config(map[string]any{"reports_mode": "never", "request_timeout_seconds": 60})
	start := time.Now()
	for b.Loop() {
		var s shopifyCountStream
		if err := p.Source.Read(context.Background(), sdk.ReadRequest{Connection: "bench", Config: cfg, Stream: amazon.StreamOrders, Mode: sdk.ModeFull}, &s); err != nil {
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
