package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func byID(rs []commerce.Record) map[string]commerce.Record {
	m := map[string]commerce.Record{}
	for _, r := range rs {
		m[r.Ref().ExternalID] = r
	}
	return m
}

func mustRead(t *testing.T, c *Connector, cfg json.RawMessage, stream, mode, cursor string) *memStream {
	t.Helper()
	ms, err := read(t, c, cfg, stream, mode, cursor)
	if err != nil {
		t.Fatalf("read %s %s: %v", stream, mode, err)
	}
	return ms
}

// TestReadOrdersMatchShop reads every order by paging and by a bulk
// operation and checks both against the shop: same orders, same totals,
// lines, refunds, fulfilments; and the two paths give identical records.
func TestReadOrdersMatchShop(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 300, Seed: 3})
	c := fastConnector()
	paged := mustRead(t, c, config(t, srv, map[string]any{"bulk_mode": "never"}), StreamOrders, sdk.ModeFull, "")
	bulk := mustRead(t, c, config(t, srv, map[string]any{"bulk_mode": "always"}), StreamOrders, sdk.ModeFull, "")
	got := byID(paged.records)
	if len(paged.records) != 300 || len(got) != 300 {
		t.Fatalf("paged read gave %d records for %d orders, want 300", len(paged.records), len(got))
	}
	cover := map[string]int{}
	srv.EachOrder(func(want shopifytest.OrderSummary) bool {
		r, ok := got[want.GID]
		if !ok {
			t.Errorf("order %s missing", want.GID)
			return true
		}
		o := r.(*commerce.Order)
		if !o.Total.Shop.Equal(commerce.MustMoney(want.Total, commerce.Currency(want.Currency))) ||
			!o.Total.Presentment.Equal(commerce.MustMoney(want.TotalPresentment, commerce.Currency(want.PresentmentCurrency))) ||
			!o.TotalTax.Shop.Equal(commerce.MustMoney(want.TotalTax, commerce.Currency(want.Currency))) {
			t.Errorf("%s: total %v tax %v, want %s %s / %s %s", want.GID, o.Total, o.TotalTax, want.Total, want.TotalPresentment, want.TotalTax, want.PresentmentCurrency)
		}
		if len(o.Lines) != want.Lines || len(o.Refunds) != want.Refunds || len(o.Shipments) != want.Fulfillments || (o.CancelledAt != nil) != want.Cancelled {
			t.Errorf("%s: %d lines %d refunds %d shipments cancelled=%v, want %d %d %d %v", want.GID, len(o.Lines), len(o.Refunds), len(o.Shipments),
				o.CancelledAt != nil, want.Lines, want.Refunds, want.Fulfillments, want.Cancelled)
		}
		if o.FinancialStatus != financialStatus(want.FinancialStatus) {
			t.Errorf("%s: financial status %s, want %s", want.GID, o.FinancialStatus, want.FinancialStatus)
		}
		if !o.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("%s: updated_at %s, want %s", want.GID, o.UpdatedAt, want.UpdatedAt)
		}
		if want.Lines > pageLines {
			cover["more lines than a page"]++
		}
		if want.Refunds > 0 {
			cover["refunds"]++
		}
		if want.Cancelled {
			cover["cancelled"]++
		}
		if want.PresentmentCurrency != want.Currency {
			cover["presentment currency"]++
		}
		if want.PresentmentCurrency == "JPY" {
			cover["JPY"]++
		}
		if o.Customer == nil || o.Customer.ExternalID == "" {
			cover["guest"]++
		}
		if len(o.Discounts) > 0 {
			cover["discounts"]++
		}
		return true
	})
	for _, k := range []string{"more lines than a page", "refunds", "cancelled", "presentment currency", "JPY", "guest", "discounts"} {
		if cover[k] == 0 {
			t.Errorf("the generated shop has no order with %s: the test covers less than it claims", k)
		}
	}
	if len(bulk.records) != len(paged.records) {
		t.Fatalf("bulk read gave %d records, paged %d", len(bulk.records), len(paged.records))
	}
	for _, r := range bulk.records {
		a, _ := json.Marshal(got[r.Ref().ExternalID])
		b, _ := json.Marshal(r)
		if string(a) != string(b) {
			t.Fatalf("bulk and paged reads differ for %s:\npaged %s\nbulk  %s", r.Ref().ExternalID, a, b)
		}
	}
	// the paged read checkpointed after each page, the bulk read every
	// bulkBatch orders and once the operation started
	if len(paged.cursors) < 300/50 || len(bulk.cursors) < 2 {
		t.Fatalf("%d paged and %d bulk checkpoints", len(paged.cursors), len(bulk.cursors))
	}
}

// TestWebhookEqualsSync maps each order's webhook payload and compares it
// with the record a sync reads: a webhook and a sync upsert the same
// record. Only a refund's shop-money total may differ by a cent: GraphQL
// converts the total, REST gives the parts, each rounded on its own.
func TestWebhookEqualsSync(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 150, Seed: 5})
	c := fastConnector()
	cfg := config(t, srv, map[string]any{"bulk_mode": "never"})
	ms := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, "")
	cent := commerce.MustMoney("0.01", "USD")
	for _, o := range orders(ms.records) {
		body, _ := srv.OrderJSON(o.Source.ExternalID)
		resp, err := c.ParseWebhook(context.Background(), sdk.WebhookRequest{Connection: "shop-test", Config: cfg,
			Headers: srv.WebhookHeaders("orders/updated", body), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		w := resp.Records[0].(*commerce.Order)
		for i := range w.Refunds {
			d, _ := w.Refunds[i].Amount.Shop.Sub(o.Refunds[i].Amount.Shop)
			if d.Amount.Abs().Cmp(cent.Amount) <= 0 {
				w.Refunds[i].Amount.Shop = o.Refunds[i].Amount.Shop
			}
		}
		a, _ := json.Marshal(o)
		b, _ := json.Marshal(w)
		if string(a) != string(b) {
			i := 0
			for i < len(a) && i < len(b) && a[i] == b[i] {
				i++
			}
			t.Fatalf("%s: webhook and sync differ at byte %d:\nsync    …%s\nwebhook …%s", o.Source.ExternalID, i,
				a[max(0, i-80):min(len(a), i+120)], b[max(0, i-80):min(len(b), i+120)])
		}
	}
}

// TestIncrementalReadsChanges changes the shop after a full read and
// checks that the next incremental read returns exactly what changed, once.
func TestIncrementalReadsChanges(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"never", "always"} {
		t.Run("bulk_"+mode, func(t *testing.T) {
			t.Parallel()
			srv := newShop(t, shopifytest.Options{Orders: 200, Seed: 9})
			c := fastConnector()
			cfg := config(t, srv, map[string]any{"bulk_mode": mode})
			full := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, "")
			if len(full.records) != 200 {
				t.Fatalf("full read: %d records", len(full.records))
			}
			changed := map[string]bool{}
			must := func(id string, err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				changed[id] = true
			}
			o, err := srv.CreateOrder()
			must(o.GID, err)
			must(shopifytest.OrderGID(3), srv.UpdateOrder(shopifytest.OrderGID(3), "gift wrap"))
			_, err = srv.RefundOrder(shopifytest.OrderGID(10))
			must(shopifytest.OrderGID(10), err)
			var open string
			srv.EachOrder(func(s shopifytest.OrderSummary) bool {
				if !s.Cancelled && s.Fulfillable > 0 && s.Fulfillments == 0 && !changed[s.GID] {
					open = s.GID
					return false
				}
				return true
			})
			_, err = srv.FulfillOrder(open, "UPS", "1Z-INC-1", "https://ups.example/1Z-INC-1")
			must(open, err)
			must(shopifytest.OrderGID(20), srv.CancelOrder(shopifytest.OrderGID(20), "customer"))
			// an update Shopify's index shows late, stamped inside the
			// overlap window before the last read's high-water mark
			var last commerce.Record
			for _, r := range full.records {
				if last == nil || r.Version().After(last.Version()) {
					last = r
				}
			}
			lateID := shopifytest.OrderGID(42)
			must(lateID, srv.UpdateOrderAt(lateID, "late index", last.Version().Add(-30*time.Second)))

			inc := mustRead(t, c, cfg, StreamOrders, sdk.ModeIncremental, full.lastCursor())
			got := byID(inc.records)
			if len(inc.records) != len(got) {
				t.Fatalf("the incremental read sent %d records for %d orders: duplicates", len(inc.records), len(got))
			}
			for id := range changed {
				if got[id] == nil {
					t.Errorf("changed order %s was not read", id)
				}
			}
			for id := range got {
				if !changed[id] {
					t.Errorf("unchanged order %s was read again: a needless duplicate", id)
				}
			}
			if r := got[shopifytest.OrderGID(10)]; r != nil && len(r.(*commerce.Order).Refunds) == 0 {
				t.Error("the refunded order came back without its refund")
			}
			if r := got[shopifytest.OrderGID(20)]; r != nil && r.(*commerce.Order).CancelledAt == nil {
				t.Error("the cancelled order came back without cancelled_at")
			}
			again := mustRead(t, c, cfg, StreamOrders, sdk.ModeIncremental, inc.lastCursor())
			if len(again.records) != 0 {
				t.Fatalf("reading again with nothing changed gave %d records", len(again.records))
			}
			// a full read with a completed cursor reads everything again
			all := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, again.lastCursor())
			if len(all.records) != 201 {
				t.Fatalf("full read after incremental ones: %d records, want 201", len(all.records))
			}
		})
	}
}

// TestResumeAfterKill kills reads midway and resumes them from the last
// checkpoint: every order arrives, and only records sent after that
// checkpoint are sent twice.
func TestResumeAfterKill(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"never", "always"} {
		t.Run("bulk_"+mode, func(t *testing.T) {
			t.Parallel()
			srv := newShop(t, shopifytest.Options{Orders: 700, Seed: 13})
			c := fastConnector()
			cfg := config(t, srv, map[string]any{"bulk_mode": mode})
			seen := map[string]int{}
			cursor := ""
			kills := 0
			for round := 0; ; round++ {
				if round > 20 {
					t.Fatal("the read never finished")
				}
				ms := &memStream{stopAfter: 150}
				err := c.Read(context.Background(), sdk.ReadRequest{Connection: "shop-test", Config: cfg, Stream: StreamOrders, Mode: sdk.ModeFull, Cursor: cursor}, ms)
				for _, r := range ms.records {
					seen[r.Ref().ExternalID]++
				}
				cursor = ms.lastCursor()
				if err == nil {
					break
				}
				if !errors.Is(err, errStopped) {
					t.Fatalf("round %d: %v", round, err)
				}
				kills++
			}
			if kills < 2 {
				t.Fatalf("only %d kills: the test did not interrupt the read", kills)
			}
			dups := 0
			srv.EachOrder(func(o shopifytest.OrderSummary) bool {
				switch n := seen[o.GID]; {
				case n == 0:
					t.Errorf("order %s was never read", o.GID)
				case n > 1:
					dups++
				}
				return true
			})
			// records sent after a checkpoint and before the kill are sent
			// again: at most one batch per kill
			limit := kills * 50
			if mode == "always" {
				limit = kills * bulkBatch
			}
			if dups > limit {
				t.Fatalf("%d orders read twice over %d kills, want at most %d", dups, kills, limit)
			}
		})
	}
}

// TestReadUnderFaults reads while the shop throttles, answers 429, 5xx,
// slowly, not at all or with broken JSON: every order arrives once and the
// waits are reported as progress.
func TestReadUnderFaults(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 160, Seed: 21})
	srv.SetFaults(shopifytest.Faults{Throttle: 0.15, Err429: 0.05, RetryAfter: 20 * time.Millisecond, Err5xx: 0.08, Slow: 0.05,
		SlowDelay: 20 * time.Millisecond, Timeout: 0.02, TimeoutDelay: 3 * time.Second, Malformed: 0.04})
	c := fastConnector()
	cfg := config(t, srv, map[string]any{"bulk_mode": "never", "request_timeout_seconds": 1, "max_retries": 10})
	ms := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, "")
	if got := byID(ms.records); len(got) != 160 || len(ms.records) != 160 {
		t.Fatalf("%d records for %d orders, want 160 once each", len(ms.records), len(got))
	}
	st := srv.Stats()
	if st.Throttled == 0 || st.Injected429 == 0 || st.Injected5xx == 0 || st.InjectedMalformed == 0 || st.InjectedTimeout == 0 {
		t.Fatalf("faults not all injected: %+v", st)
	}
	var waited time.Duration
	for _, p := range ms.progress {
		waited = max(waited, p.RateLimitWait)
	}
	if waited == 0 {
		t.Fatal("throttling and 429s happened but no rate-limit wait was reported")
	}
}

// TestCostBucket reads with a small bucket: the client waits for points
// before sending instead of being throttled again and again.
func TestCostBucket(t *testing.T) {
	t.Parallel()
	// a page requests 806 points and uses about 330: with 850 in the
	// bucket every page after the first must wait for the refill
	srv := newShop(t, shopifytest.Options{Orders: 16, Seed: 4, BucketSize: 850, RestoreRate: 800})
	c := New() // real sleeps: the bucket refills in real time
	ms := mustRead(t, c, config(t, srv, map[string]any{"bulk_mode": "never"}), StreamOrders, sdk.ModeFull, "")
	if len(ms.records) != 16 {
		t.Fatalf("%d records", len(ms.records))
	}
	st := srv.Stats()
	if st.Throttled > 2 {
		t.Fatalf("%d of %d calls were throttled: the client does not wait for the bucket", st.Throttled, st.GraphQL)
	}
	if ms.progress[len(ms.progress)-1].RateLimitWait == 0 {
		t.Fatal("no wait for the bucket was reported")
	}
}

// TestQueryCostLimit makes the shop's single-query limit small: page sizes
// adapt from the MAX_COST_EXCEEDED answer.
func TestQueryCostLimit(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 60, Seed: 8, MaxQueryCost: 300})
	c := fastConnector()
	for stream, want := range map[string]int{StreamOrders: 60, StreamProducts: 40, StreamInventoryLevels: len(srv.InventoryItems()) * 3} {
		ms := mustRead(t, c, config(t, srv, map[string]any{"bulk_mode": "never"}), stream, sdk.ModeFull, "")
		if len(ms.records) != want {
			t.Fatalf("%s: %d records, want %d", stream, len(ms.records), want)
		}
	}
	long := 0
	srv.EachOrder(func(o shopifytest.OrderSummary) bool {
		if o.Lines > pageLines {
			long++
		}
		return true
	})
	if long == 0 {
		t.Fatal("no order has more lines than a page: the follow-up query is not exercised")
	}
}

// TestBulkFailures: an export that fails, or completes with objects but an
// empty file, is an error (never "no changes"); the next attempt starts a
// new export and succeeds.
func TestBulkFailures(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]shopifytest.Faults{"empty file": {BulkEmptyFile: true}, "failed": {BulkFail: true}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newShop(t, shopifytest.Options{Orders: 40, Seed: 2})
			c := fastConnector()
			cfg := config(t, srv, map[string]any{"bulk_mode": "always"})
			srv.SetFaults(f)
			ms, err := read(t, c, cfg, StreamOrders, sdk.ModeFull, "")
			if err == nil || sdk.KindOf(err) != sdk.KindRetryable {
				t.Fatalf("got %v (kind %s), want a retryable error", err, sdk.KindOf(err))
			}
			if len(ms.records) != 0 {
				t.Fatalf("%d records from a broken export", len(ms.records))
			}
			srv.SetFaults(shopifytest.Faults{})
			again := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, ms.lastCursor())
			if len(again.records) != 40 {
				t.Fatalf("retry read %d records, want 40", len(again.records))
			}
			if got := srv.Stats().BulkOperations; got != 2 {
				t.Fatalf("%d bulk operations, want the broken one and a new one", got)
			}
		})
	}
}

// TestProducts reads products with many variants and inventory item data.
func TestProducts(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 1, Seed: 6, Products: 15})
	var vs []shopifytest.VariantSpec
	for i := 0; i < 27; i++ {
		vs = append(vs, shopifytest.VariantSpec{SKU: "BIG-" + itoa(i), Title: "Size " + itoa(i), Price: "10.00", Cost: "4.25", Grams: 120 + i,
			HSCode: "6109.10.00", Origin: "PT", Available: i})
	}
	big, err := srv.AddProduct(shopifytest.ProductSpec{Title: "Big Tee", Vendor: "Supplyhub", Variants: vs})
	if err != nil {
		t.Fatal(err)
	}
	c := fastConnector()
	for _, mode := range []string{"never", "always"} {
		ms := mustRead(t, c, config(t, srv, map[string]any{"bulk_mode": mode}), StreamProducts, sdk.ModeFull, "")
		if len(ms.records) != 16 {
			t.Fatalf("bulk %s: %d products, want 16", mode, len(ms.records))
		}
		p := byID(ms.records)[big].(*commerce.Product)
		if len(p.Variants) != 27 {
			t.Fatalf("bulk %s: the big product has %d variants, want 27", mode, len(p.Variants))
		}
		v := p.Variants[26]
		if v.SKU != "BIG-26" || v.HSCode != "61091000" || v.CountryOfOrigin != "PT" || v.Weight == nil || v.Weight.Value.String() != "146" ||
			v.Cost == nil || v.Cost.String() != "4.25 USD" || v.Price.String() != "10.00 USD" || !v.Tracked {
			t.Fatalf("bulk %s: variant %+v", mode, v)
		}
	}
}

// TestInventoryLevels reads stock and then only the levels that changed.
func TestInventoryLevels(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 1, Seed: 6, Products: 10})
	c := fastConnector()
	cfg := config(t, srv, nil)
	full := mustRead(t, c, cfg, StreamInventoryLevels, sdk.ModeFull, "")
	items := srv.InventoryItems()
	want := 0
	for _, it := range items {
		want += len(it.Locations)
	}
	if len(full.records) != want {
		t.Fatalf("%d levels, want %d", len(full.records), want)
	}
	it := items[2]
	if err := srv.SetAvailable(it.GID, it.Locations[1], 77); err != nil {
		t.Fatal(err)
	}
	inc := mustRead(t, c, cfg, StreamInventoryLevels, sdk.ModeIncremental, full.lastCursor())
	if len(inc.records) != 1 {
		t.Fatalf("incremental read gave %d levels, want the one changed", len(inc.records))
	}
	l := inc.records[0].(*commerce.InventoryLevel)
	if l.Available != 77 || l.InventoryItemID != it.GID || l.LocationID != it.Locations[1] || l.SKU != it.SKU || l.OnHand < l.Available {
		t.Fatalf("level %+v", l)
	}
}

// TestReadByIDs re-reads records by id without touching the cursor.
func TestReadByIDs(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 30, Seed: 6})
	c := fastConnector()
	cfg := config(t, srv, nil)
	it := srv.InventoryItems()[0]
	cases := map[string][]string{
		StreamOrders:    {shopifytest.OrderGID(1), shopifytest.OrderGID(29), "gid://shopify/Order/1"},
		StreamProducts:  srv.ProductGIDs()[:3],
		StreamLocations: srv.LocationGIDs()[:2],
		StreamInventoryLevels: {"gid://shopify/InventoryLevel/" + strings.TrimPrefix(it.Locations[0], "gid://shopify/Location/") +
			"?inventory_item_id=" + strings.TrimPrefix(it.GID, "gid://shopify/InventoryItem/")},
	}
	for stream, ids := range cases {
		ms := &memStream{}
		err := c.Read(context.Background(), sdk.ReadRequest{Connection: "shop-test", Config: cfg, Stream: stream, IDs: ids, Cursor: `{"v":1,"hwm":"2026-01-01T00:00:00Z"}`}, ms)
		if err != nil {
			t.Fatalf("%s: %v", stream, err)
		}
		want := len(ids)
		if stream == StreamOrders {
			want-- // gid://shopify/Order/1 does not exist
		}
		if len(ms.records) != want {
			t.Fatalf("%s: %d records for ids %v, want %d", stream, len(ms.records), ids, want)
		}
		if ms.lastCursor() != `{"v":1,"hwm":"2026-01-01T00:00:00Z"}` {
			t.Fatalf("%s: a re-read by id moved the cursor to %s", stream, ms.lastCursor())
		}
	}
	ms := &memStream{}
	err := c.Read(context.Background(), sdk.ReadRequest{Connection: "shop-test", Config: cfg, Stream: StreamOrders, IDs: []string{"5862346000000"}}, ms)
	if sdk.KindOf(err) != sdk.KindInvalidInput {
		t.Fatalf("a numeric id: %v, want invalid input asking for a global id", err)
	}
}

// TestReadErrors checks the errors a caller can fix.
func TestReadErrors(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 2, Seed: 1})
	c := fastConnector()
	good := config(t, srv, nil)
	cases := []struct {
		name   string
		cfg    json.RawMessage
		stream string
		mode   string
		cursor string
		kind   sdk.ErrorKind
		text   string
	}{
		{"unknown stream", good, "customers", sdk.ModeFull, "", sdk.KindInvalidInput, "unknown stream"},
		{"bad mode", good, StreamOrders, "sometimes", "", sdk.KindInvalidInput, "mode"},
		{"foreign cursor", good, StreamOrders, sdk.ModeIncremental, `{"page":3}`, sdk.KindInvalidInput, "cursor"},
		{"not json cursor", good, StreamOrders, sdk.ModeIncremental, `page=3`, sdk.KindInvalidInput, "cursor"},
		{"bad config", json.RawMessage(`{"shop_domain":"example.com","access_token":"x"}`), StreamOrders, sdk.ModeFull, "", sdk.KindInvalidInput, "shop_domain"},
		{"wrong token", config(t, srv, map[string]any{"access_token": "shpat_wrong"}), StreamOrders, sdk.ModeFull, "", sdk.KindAuthentication, "401"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := read(t, c, tc.cfg, tc.stream, tc.mode, tc.cursor)
			if sdk.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("got %v (kind %s), want %s mentioning %q", err, sdk.KindOf(err), tc.kind, tc.text)
			}
		})
	}
}

// TestRecentIsBounded: the overlap memory stays small however many
// records a pass reads.
func TestRecentIsBounded(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 50, Seed: 1})
	c := fastConnector()
	cfg := config(t, srv, map[string]any{"bulk_mode": "never", "overlap_seconds": 86400})
	ms := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, "")
	var cur cursor
	if err := json.Unmarshal([]byte(ms.lastCursor()), &cur); err != nil {
		t.Fatal(err)
	}
	if cur.HWM == "" || cur.Pass != nil || len(cur.Recent) == 0 || len(cur.Recent) > recentCap {
		t.Fatalf("completed cursor %+v", cur)
	}
	hwm := mustTime(cur.HWM)
	for _, k := range cur.Recent {
		if seenTime(k) < hwm.Add(-24*time.Hour).Unix() {
			t.Fatalf("Recent keeps %s, older than the overlap window", k)
		}
	}
	ids := make([]string, len(cur.Recent))
	copy(ids, cur.Recent)
	sort.Strings(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			t.Fatalf("Recent holds %s twice", ids[i])
		}
	}
}

// TestSameSecondChanges changes an order twice within one second (Shopify's
// updated_at keeps the second): the second change is read although its
// updated_at did not move, and an unchanged order is not read again.
func TestSameSecondChanges(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	srv := newShop(t, shopifytest.Options{Orders: 30, Seed: 5, Unthrottled: true, Clock: func() time.Time { return now }})
	c := fastConnector()
	cfg := config(t, srv, map[string]any{"bulk_mode": "never"})
	full := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, "")
	id := shopifytest.OrderGID(4)
	if _, err := srv.RefundOrder(id); err != nil {
		t.Fatal(err)
	}
	first := mustRead(t, c, cfg, StreamOrders, sdk.ModeIncremental, full.lastCursor())
	if len(first.records) != 1 || first.records[0].Ref().ExternalID != id {
		t.Fatalf("first change: %d records", len(first.records))
	}
	if _, err := srv.RefundOrder(id); err != nil { // same second
		t.Fatal(err)
	}
	second := mustRead(t, c, cfg, StreamOrders, sdk.ModeIncremental, first.lastCursor())
	if len(second.records) != 1 {
		t.Fatalf("the second change within the same second: %d records, want the order again", len(second.records))
	}
	a, b := first.records[0].(*commerce.Order), second.records[0].(*commerce.Order)
	if !a.UpdatedAt.Equal(b.UpdatedAt) || len(b.Refunds) != len(a.Refunds)+1 {
		t.Fatalf("updated_at %s → %s, refunds %d → %d", a.UpdatedAt, b.UpdatedAt, len(a.Refunds), len(b.Refunds))
	}
	if again := mustRead(t, c, cfg, StreamOrders, sdk.ModeIncremental, second.lastCursor()); len(again.records) != 0 {
		t.Fatalf("nothing changed, yet %d records", len(again.records))
	}
}
