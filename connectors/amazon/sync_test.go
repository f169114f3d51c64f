package amazon

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// committer is a ReadStream that behaves as the gateway does: records
// become durable only when a checkpoint covers them; records sent after
// the last checkpoint of an interrupted read are lost and must come again.
type committer struct {
	store *conformance.Store
	// killAfter, when > 0, cancels the read once that many records arrived.
	killAfter int
	cancel    context.CancelFunc

	mu       sync.Mutex
	pending  []commerce.Record
	received int
	applied  int
	skipped  int
	cursor   string
	waits    time.Duration
}

func (c *committer) Records(rs ...commerce.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, rs...)
	c.received += len(rs)
	if c.killAfter > 0 && c.received >= c.killAfter && c.cancel != nil {
		c.cancel()
		c.cancel = nil
	}
	return nil
}

func (c *committer) Checkpoint(cursor string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, s := c.store.Apply(c.pending...)
	c.applied += a
	c.skipped += s
	c.pending = c.pending[:0]
	c.cursor = cursor
	return nil
}

func (c *committer) Progress(p sdk.Progress) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = max(c.waits, p.RateLimitWait)
	return nil
}

// syncer runs reads as the gateway's sync jobs do: a retryable failure
// resumes from the last committed checkpoint.
type syncer struct {
	t       *testing.T
	read    func(ctx context.Context, req sdk.ReadRequest, out sdk.ReadStream) error
	cfg     json.RawMessage
	store   *conformance.Store
	retries int
}

// run reads until done, resuming after retryable errors; killAfter > 0
// cancels the first attempt after that many records, as a killed job.
func (s *syncer) run(mode, cursor string, killAfter int) (received, applied, skipped int, waits time.Duration, last string) {
	s.t.Helper()
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		c := &committer{store: s.store, cursor: cursor, killAfter: killAfter, cancel: cancel}
		err := s.read(ctx, sdk.ReadRequest{Connection: "shop", Config: s.cfg, Stream: StreamOrders, Mode: mode, Cursor: cursor}, c)
		cancel()
		received, applied, skipped, waits = received+c.received, applied+c.applied, skipped+c.skipped, max(waits, c.waits)
		cursor = c.cursor
		switch {
		case err == nil:
			return received, applied, skipped, waits, cursor
		case killAfter > 0 && c.received >= killAfter:
			if c.applied == 0 || cursor == "" {
				s.t.Fatalf("the killed sync committed %d records, cursor %q: nothing to resume from", c.applied, cursor)
			}
			killAfter = 0
		case sdk.IsRetryable(err) && attempt < 20:
			s.retries++
		default:
			s.t.Fatalf("sync (attempt %d): %v", attempt, err)
		}
		mode = sdk.ModeIncremental // resume the pass from its checkpoint
	}
}

// TestSync10000Orders is the acceptance test: a full sync of
// 10,000 orders across Amazon.de (EUR) and Amazon.co.uk (GBP), killed
// midway and resumed, then an incremental sync after changes, while the
// fake enforces the operations' quotas and injects 429s, 5xx, expired
// tokens, slow and malformed answers. Every order must be stored once,
// with its latest version and the fake's totals, per currency.
func TestSync10000Orders(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10,000-order sync; skipped with -short")
	}
	t.Parallel()
	for _, v := range []struct {
		name   string
		orders int
		config map[string]any
	}{
		{"orders API 2026-01-01", 10_000, map[string]any{"reports_mode": "never"}},
		{"reports backfill then API", 10_000, map[string]any{"reports_mode": "always", "backfill_days": 70}},
		// v0 reads each order's items with one more call: fewer orders
		// keep the test short (the benchmark reads 100,000)
		{"orders API v0", 2_500, map[string]any{"reports_mode": "never", "orders_api": "v0"}},
	} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			syncUnderThrottling(t, v.orders, v.config)
		})
	}
}

func syncUnderThrottling(t *testing.T, orders int, overrides map[string]any) {
	srv, err := amazontest.NewServer(amazontest.Options{Orders: orders, Seed: 42, HistoryDays: 60, RateScale: 3000,
		ReportDelay: 30 * time.Millisecond, SKUs: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.SetFaults(amazontest.Faults{Err429: 0.05, Err5xx: 0.04, ExpireTokens: 0.01, Slow: 0.02, SlowDelay: 20 * time.Millisecond,
		Malformed: 0.02, Timeout: 0.002, TimeoutDelay: 5 * time.Second})
	o := map[string]any{"request_timeout_seconds": 1, "max_retries": 10}
	for k, v := range overrides {
		o[k] = v
	}
	c := New(WithReportPollInterval(10 * time.Millisecond))
	c.retryBase, c.retryMax = 5*time.Millisecond, 100*time.Millisecond
	s := &syncer{t: t, read: c.Read, cfg: srv.Config(o), store: conformance.NewStore()}

	start := time.Now()
	rcv, applied, skipped, waits, cursor := s.run(sdk.ModeFull, "", orders*2/5)
	if got := s.store.Len(); got != orders || skipped != 0 || applied != orders {
		t.Fatalf("after the full sync the store holds %d orders (%d applied, %d duplicate versions), want %d once", got, applied, skipped, orders)
	}
	t.Logf("full sync: %d orders in %s (%d received, killed after %d and resumed; %d retries after faults; %s waiting for quotas)",
		orders, time.Since(start).Round(time.Millisecond), rcv, orders*2/5, s.retries, waits.Round(time.Millisecond))

	// the seller's orders change
	changed := map[string]bool{}
	note := func(id string, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		changed[id] = true
	}
	ids := srv.OrderIDs()
	for i := 0; i < 300; i++ {
		id := ids[i*31%orders]
		note(id, srv.UpdateOrder(id))
	}
	for i := 0; i < 40; i++ {
		mp := []string{"A1PA6795UKMFR9", "A1F83G8C2ARO7P"}[i%2]
		ord, err := srv.CreateOrder(mp)
		note(ord.ID, err)
	}
	cancelled, shipped := 0, 0
	srv.EachOrder(func(o amazontest.OrderSummary) bool {
		switch {
		case changed[o.ID]:
		case cancelled < 15 && (o.Status == amazontest.StatusUnshipped || o.Status == amazontest.StatusPending):
			note(o.ID, srv.CancelOrder(o.ID))
			cancelled++
		case shipped < 20 && o.Channel == "MFN" && o.Status == amazontest.StatusUnshipped:
			note(o.ID, srv.ShipOrder(o.ID, "DHL", fmt.Sprintf("JJD%012d", shipped)))
			shipped++
		}
		return cancelled < 15 || shipped < 20
	})
	start = time.Now()
	s.retries = 0
	rcv, applied, skipped, waits, cursor = s.run(sdk.ModeIncremental, cursor, 0)
	// records received after the last checkpoint of a failed attempt are
	// sent again by the next: count what was committed
	if applied != len(changed) || skipped != 0 || (s.retries == 0 && rcv != len(changed)) {
		t.Fatalf("the incremental sync received %d, applied %d, skipped %d records; %d orders changed", rcv, applied, skipped, len(changed))
	}
	t.Logf("incremental sync: %d changed orders in %s (%d retries, %s waiting for quotas)", rcv, time.Since(start).Round(time.Millisecond), s.retries, waits.Round(time.Millisecond))
	if rcv, _, _, _, _ = s.run(sdk.ModeIncremental, cursor, 0); rcv != 0 {
		t.Fatalf("an incremental sync with nothing changed received %d orders", rcv)
	}

	// every order once, with its latest version and the fake's totals
	want := map[commerce.Currency]decimal.Decimal{}
	got := map[commerce.Currency]decimal.Decimal{}
	n := 0
	srv.EachOrder(func(o amazontest.OrderSummary) bool {
		n++
		r := s.store.Get(commerce.KindOrder, commerce.Ref{Connection: "shop", ExternalID: o.ID})
		if r == nil {
			t.Errorf("order %s is missing", o.ID)
			return true
		}
		ord := r.(*commerce.Order)
		total := commerce.MustMoney(o.Total, commerce.Currency(o.Currency))
		if !ord.UpdatedAt.Equal(o.Updated) || !ord.Total.Shop.Equal(total) || ord.MarketplaceID != o.Marketplace ||
			(ord.CancelledAt != nil) != (o.Status == amazontest.StatusCanceled) || len(ord.Lines) != o.Lines {
			t.Errorf("order %s: updated %s total %s in %s, %d lines, cancelled %v; the fake says %s %s %s %d lines %s",
				o.ID, ord.UpdatedAt, ord.Total.Shop, ord.MarketplaceID, len(ord.Lines), ord.CancelledAt != nil, o.Updated, total, o.Marketplace, o.Lines, o.Status)
		}
		want[total.Currency] = want[total.Currency].Add(total.Amount)
		got[ord.Currency] = got[ord.Currency].Add(ord.Total.Shop.Amount)
		return true
	})
	if n != orders+40 || s.store.Len() != n || len(want) != 2 {
		t.Fatalf("%d orders at the fake, %d in the store, currencies %v", n, s.store.Len(), want)
	}
	for cur, w := range want {
		if !got[cur].Equal(w) {
			t.Fatalf("totals in %s: %s stored, %s at the fake", cur, got[cur], w)
		}
	}
	st := srv.Stats()
	if st.Injected429+st.Injected5xx+st.InjectedMalformed+st.ExpiredTokens == 0 {
		t.Fatalf("the fake did not throttle and fail as intended: %+v", st)
	}
	t.Logf("fake: %d quota 429s, %d injected 429s, %d injected 5xx, %d malformed, %d expired tokens (%d exchanges), %d reports; totals %s EUR, %s GBP",
		st.Throttled, st.Injected429, st.Injected5xx, st.InjectedMalformed, st.ExpiredTokens, st.TokenExchanges, st.Reports, got["EUR"], got["GBP"])
}
