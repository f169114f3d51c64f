package amazon

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func newFake(t testing.TB, opts amazontest.Options) *amazontest.Server {
	t.Helper()
	if opts.RateScale == 0 {
		opts.RateScale = 5000
	}
	if opts.ReportDelay == 0 {
		opts.ReportDelay = 10 * time.Millisecond
	}
	srv, err := amazontest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func fakeConfig(srv *amazontest.Server, overrides map[string]any) json.RawMessage {
	o := map[string]any{"request_timeout_seconds": 5, "reports_mode": "never"}
	for k, v := range overrides {
		o[k] = v
	}
	return srv.Config(o)
}

func read(t testing.TB, c *Connector, cfg json.RawMessage, stream, mode, cursor string) (*collect, error) {
	t.Helper()
	out := &collect{}
	err := c.Read(ctxT(t), sdk.ReadRequest{Connection: "c", Config: cfg, Stream: stream, Mode: mode, Cursor: cursor}, out)
	return out, err
}

func mustRead(t testing.TB, c *Connector, cfg json.RawMessage, stream, mode, cursor string) *collect {
	t.Helper()
	out, err := read(t, c, cfg, stream, mode, cursor)
	if err != nil {
		t.Fatalf("read %s %s: %v", stream, mode, err)
	}
	return out
}

// TestOrdersSameAcrossShapes reads the same fake orders through Orders API
// v0, Orders API 2026-01-01 and the orders report: each order must give
// the same record (the v0 and report shapes have no packages, and the
// report no order item ids).
func TestOrdersSameAcrossShapes(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 300, Seed: 3})
	c := fastConnector()
	byShape := map[string]map[string]*commerce.Order{}
	for name, o := range map[string]map[string]any{
		"2026":   {"orders_api": "2026-01-01"},
		"v0":     {"orders_api": "v0"},
		"report": {"reports_mode": "always", "backfill_days": 40},
	} {
		byShape[name] = orders(t, mustRead(t, c, fakeConfig(srv, o), StreamOrders, sdk.ModeFull, "").records)
	}
	if len(byShape["2026"]) != 300 || len(byShape["v0"]) != 300 || len(byShape["report"]) != 300 {
		t.Fatalf("orders read: 2026 %d, v0 %d, report %d; want 300 each", len(byShape["2026"]), len(byShape["v0"]), len(byShape["report"]))
	}
	norm := func(o *commerce.Order, keepLineIDs bool) string {
		cp := *o
		cp.Shipments = nil
		cp.Lines = append([]commerce.OrderLine(nil), o.Lines...)
		for i := range cp.Lines {
			if !keepLineIDs {
				cp.Lines[i].ExternalID = ""
			}
			cp.Lines[i].Title = ""
		}
		b, _ := json.Marshal(&cp)
		return string(b)
	}
	diffs := 0
	for id, o := range byShape["2026"] {
		if a, b := norm(o, true), norm(byShape["v0"][id], true); a != b && diffs < 3 {
			diffs++
			t.Errorf("order %s differs between Orders API 2026-01-01 and v0:\n%s\n%s", id, a, b)
		}
		if a, b := norm(o, false), norm(byShape["report"][id], false); a != b && diffs < 3 {
			diffs++
			t.Errorf("order %s differs between the Orders API and the orders report:\n%s\n%s", id, a, b)
		}
		sum, _ := srv.Order(id)
		if !o.Total.Shop.Equal(commerce.MustMoney(sum.Total, commerce.Currency(sum.Currency))) || o.MarketplaceID != sum.Marketplace {
			t.Errorf("order %s: total %s in %s, the fake says %s %s in %s", id, o.Total.Shop, o.MarketplaceID, sum.Total, sum.Currency, sum.Marketplace)
		}
		if (sum.Channel == "MFN") != (len(o.Shipments) == sum.Packages) && sum.Channel == "MFN" {
			t.Errorf("order %s: %d shipments, the fake has %d packages", id, len(o.Shipments), sum.Packages)
		}
	}
}

// TestAccessTokenExpiresDuringRead: Amazon expires the tokens mid-read;
// the connector exchanges the refresh token again and carries on.
func TestAccessTokenExpiresDuringRead(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 400, Seed: 5})
	c := fastConnector()
	cfg := fakeConfig(srv, map[string]any{"page_size": 50})
	out := &collect{}
	expired := false
	err := c.Read(ctxT(t), sdk.ReadRequest{Connection: "c", Config: cfg, Stream: StreamOrders, Mode: sdk.ModeFull}, &hookStream{collect: out, onCheckpoint: func(n int) {
		if n == 3 && !expired {
			expired = true
			srv.ExpireAccessTokens()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.records) != 400 || srv.Stats().ExpiredTokens == 0 || srv.Stats().TokenExchanges != 2 {
		t.Fatalf("%d records, %d expired-token answers, %d exchanges", len(out.records), srv.Stats().ExpiredTokens, srv.Stats().TokenExchanges)
	}
}

type hookStream struct {
	*collect
	onCheckpoint func(n int)
	n            int
}

func (h *hookStream) Checkpoint(c string) error {
	h.n++
	if h.onCheckpoint != nil {
		h.onCheckpoint(h.n)
	}
	return h.collect.Checkpoint(c)
}

// TestIndexLag: Amazon's searches see changes about two minutes late; an
// order changed after the search's lastUpdatedBefore comes with the next
// incremental read that sees it, once.
func TestIndexLag(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	srv := newFake(t, amazontest.Options{Orders: 50, Seed: 9, Clock: clock, IndexLag: amazontest.DefaultIndexLag})
	c := fastConnector()
	cfg := fakeConfig(srv, nil)
	full := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, "")
	id := srv.OrderIDs()[7]
	if err := srv.UpdateOrder(id); err != nil {
		t.Fatal(err)
	}
	inc := mustRead(t, c, cfg, StreamOrders, sdk.ModeIncremental, full.last())
	if len(inc.records) != 0 {
		t.Fatalf("the change is not visible yet (lag), but the read returned %d orders", len(inc.records))
	}
	advance(3 * time.Minute)
	inc2 := mustRead(t, c, cfg, StreamOrders, sdk.ModeIncremental, inc.last())
	if len(inc2.records) != 1 || inc2.records[0].Ref().ExternalID != id {
		t.Fatalf("after the lag the incremental read returned %v, want order %s", inc2.records, id)
	}
	advance(time.Minute)
	if again := mustRead(t, c, cfg, StreamOrders, sdk.ModeIncremental, inc2.last()); len(again.records) != 0 {
		t.Fatalf("a read with nothing new returned %d orders", len(again.records))
	}
}

// TestRereadByID re-reads orders by id through both Orders APIs and leaves
// the cursor as it was.
func TestRereadByID(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 20, Seed: 11})
	ids := srv.OrderIDs()
	for _, api := range []string{OrdersAPI2026, OrdersAPIV0} {
		t.Run(api, func(t *testing.T) {
			c := fastConnector()
			cfg := fakeConfig(srv, map[string]any{"orders_api": api})
			out := &collect{}
			req := sdk.ReadRequest{Connection: "c", Config: cfg, Stream: StreamOrders, Mode: sdk.ModeIncremental, Cursor: `{"v":1,"stream":"orders","hwm":"2026-01-01T00:00:00Z"}`,
				IDs: []string{ids[3], "999-0000000-0000000", ids[5]}}
			if err := c.Read(ctxT(t), req, out); err != nil {
				t.Fatal(err)
			}
			got := orders(t, out.records)
			if len(got) != 2 || got[ids[3]] == nil || got[ids[5]] == nil {
				t.Fatalf("re-read %v, want %s and %s (the unknown id skipped)", got, ids[3], ids[5])
			}
			if out.last() != req.Cursor {
				t.Fatalf("a targeted re-read moved the cursor to %s", out.last())
			}
			req.IDs = []string{"not an order id!"}
			if err := c.Read(ctxT(t), req, &collect{}); sdk.KindOf(err) != sdk.KindInvalidInput {
				t.Fatalf("a malformed id: %v", err)
			}
		})
	}
	c := fastConnector()
	skus := srv.SKUs()
	mp := srv.Options().Marketplaces[1]
	out := &collect{}
	if err := c.Read(ctxT(t), sdk.ReadRequest{Connection: "c", Config: fakeConfig(srv, nil), Stream: StreamInventory, IDs: []string{"FBA/" + mp + "/" + skus[2]}}, out); err != nil {
		t.Fatal(err)
	}
	lv := levels(t, out.records)["FBA/"+mp+"/"+skus[2]]
	want, _ := srv.FBA(mp, skus[2])
	if lv == nil || lv.Available != want.Fulfillable || lv.OnHand != want.Warehouse || lv.Incoming != want.Inbound {
		t.Fatalf("inventory re-read %+v, the fake has %+v", lv, want)
	}
}

// TestInventoryTokenExpiry: nextToken lives 30 seconds; a pass resumed
// after that reads the marketplace again instead of failing.
func TestInventoryTokenExpiry(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{SKUs: 120, Seed: 13, InventoryTokenTTL: 700 * time.Millisecond})
	c := fastConnector()
	cfg := fakeConfig(srv, nil)
	full := mustRead(t, c, cfg, StreamInventory, sdk.ModeFull, "")
	if len(full.records) != 240 {
		t.Fatalf("%d levels, want 120 SKUs × 2 marketplaces", len(full.records))
	}
	mid := full.cursors[1] // within the first marketplace, with a nextToken
	if !strings.Contains(mid, `"token"`) {
		t.Fatalf("checkpoint %s has no nextToken", mid)
	}
	time.Sleep(time.Second)
	res := mustRead(t, c, cfg, StreamInventory, sdk.ModeIncremental, mid)
	got := levels(t, res.records)
	if len(got) < 190 {
		t.Fatalf("the resumed read returned %d levels: the expired token must restart the marketplace", len(got))
	}
}

// TestReportFailures: a FATAL report and an empty document are retryable
// errors, never "no changes"; the next attempt requests a new report and
// succeeds.
func TestReportFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		faults amazontest.Faults
		want   string
	}{
		{"fatal", amazontest.Faults{ReportFatal: true}, "FATAL"},
		{"empty document", amazontest.Faults{ReportEmptyDocument: true}, "empty document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, amazontest.Options{Orders: 60, Seed: 17})
			c := fastConnector()
			cfg := fakeConfig(srv, map[string]any{"reports_mode": "always", "backfill_days": 40})
			srv.SetFaults(tc.faults)
			out, err := read(t, c, cfg, StreamOrders, sdk.ModeFull, "")
			if !sdk.IsRetryable(err) || !strings.Contains(err.Error(), tc.want) || len(out.records) != 0 {
				t.Fatalf("read with %s: %v (kind %s), %d records; want a retryable error", tc.name, err, sdk.KindOf(err), len(out.records))
			}
			srv.SetFaults(amazontest.Faults{})
			res := mustRead(t, c, cfg, StreamOrders, sdk.ModeIncremental, out.last())
			if len(res.records) != 60 {
				t.Fatalf("the retry read %d orders, want 60", len(res.records))
			}
			if srv.Stats().Reports < 3 {
				t.Fatalf("%d reports created: the retry must request a new one", srv.Stats().Reports)
			}
		})
	}
}

// TestReportCharset reads a windows-1252 flat file (as some EU reports
// are) into UTF-8 titles.
func TestReportCharset(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 80, Seed: 19, ReportCharset: "windows-1252"})
	c := fastConnector()
	got := orders(t, mustRead(t, c, fakeConfig(srv, map[string]any{"reports_mode": "always", "backfill_days": 40}), StreamOrders, sdk.ModeFull, "").records)
	found := false
	for _, o := range got {
		for _, l := range o.Lines {
			if strings.HasPrefix(l.Title, "Grüner Tee") {
				found = true
			}
			if strings.ContainsRune(l.Title, '\uFFFD') {
				t.Fatalf("title %q was not decoded", l.Title)
			}
		}
	}
	if !found {
		t.Fatal("no line titled Grüner Tee: the charset was not honoured")
	}
}

// TestThrottlingReportedAsProgress: with Amazon's real quotas (scaled) a
// read waits for tokens and says so in its progress.
func TestThrottlingReportedAsProgress(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 440, Seed: 23, RateScale: 200}) // searchOrders 1.1/s, burst 20
	c := fastConnector()
	cfg := fakeConfig(srv, map[string]any{"page_size": 20})
	out := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, "")
	if len(out.records) != 440 {
		t.Fatalf("%d orders", len(out.records))
	}
	waited := false
	for _, p := range out.progress {
		if p.RateLimitWait > 0 && strings.Contains(p.Message, "searchOrders quota") {
			waited = true
		}
	}
	if !waited || srv.Stats().Throttled > 2 {
		t.Fatalf("progress never reported a searchOrders quota wait (max wait %s), or the fake throttled %d times", out.maxWait(), srv.Stats().Throttled)
	}
}

// TestReadCancel returns promptly when cancelled while waiting for quota.
func TestReadCancel(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 200, Seed: 29, RateScale: 1})
	c := fastConnector()
	cfg := fakeConfig(srv, map[string]any{"page_size": 1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Read(ctx, sdk.ReadRequest{Connection: "c", Config: cfg, Stream: StreamOrders, Mode: sdk.ModeFull}, &collect{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("read cancelled while waiting for searchOrders' quota (0.0056/s) returned %v after %s", err, time.Since(start))
	}
}

// TestCursorGuards refuses a cursor of another stream or version.
func TestCursorGuards(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 5})
	c := fastConnector()
	for _, cur := range []string{`{"v":1,"stream":"inventory"}`, `{"v":9,"stream":"orders"}`, `not json`, `{"v":1,"stream":"orders","hwm":"yesterday"}`} {
		if _, err := read(t, c, fakeConfig(srv, nil), StreamOrders, sdk.ModeIncremental, cur); sdk.KindOf(err) != sdk.KindInvalidInput {
			t.Errorf("cursor %s: %v", cur, err)
		}
	}
	if _, err := read(t, c, fakeConfig(srv, nil), "listings", sdk.ModeFull, ""); sdk.KindOf(err) != sdk.KindInvalidInput {
		t.Errorf("unknown stream: %v", err)
	}
}
