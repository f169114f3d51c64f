package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func inboxEvent(conn, key, ordering string) InboxEvent {
	return InboxEvent{Connection: conn, DedupeKey: key, Topic: "orders/create", OrderingKey: ordering,
		Headers: map[string][]string{"X-Shopify-Topic": {"orders/create"}}, Body: []byte(`{"id":` + fmt.Sprint(len(key)) + `}`)}
}

func TestInboxAppendDedupes(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		res, err := s.AppendInbox(ctx, []InboxEvent{inboxEvent("shop", "e1", ""), inboxEvent("shop", "e2", ""), inboxEvent("shop", "e1", ""), inboxEvent("other", "e1", "")})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Duplicate || res[1].Duplicate || !res[2].Duplicate || res[3].Duplicate || res[2].ID != res[0].ID {
			t.Fatalf("within-batch dedupe: %+v", res)
		}
		again, err := s.AppendInbox(ctx, []InboxEvent{inboxEvent("shop", "e2", "")})
		if err != nil || !again[0].Duplicate || again[0].ID != res[1].ID {
			t.Fatalf("redelivery: %+v %v", again, err)
		}
		e, err := s.GetInbox(ctx, res[0].ID)
		if err != nil || e.Status != InboxPending || e.Headers["X-Shopify-Topic"][0] != "orders/create" || string(e.Body) != `{"id":2}` {
			t.Fatalf("get: %+v %v", e, err)
		}
		counts, _ := s.InboxCounts(ctx, "shop")
		if counts[InboxPending] != 2 {
			t.Fatalf("counts %v", counts)
		}
	})
}

func TestInboxLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		res, _ := s.AppendInbox(ctx, []InboxEvent{inboxEvent("shop", "a", ""), inboxEvent("shop", "b", "")})
		claimed, err := s.ClaimInbox(ctx, 10, time.Minute)
		if err != nil || len(claimed) != 2 || claimed[0].Attempts != 1 || claimed[0].LeaseToken == "" {
			t.Fatalf("claim: %+v %v", claimed, err)
		}
		if again, _ := s.ClaimInbox(ctx, 10, time.Minute); len(again) != 0 {
			t.Fatalf("leased events claimed twice: %d", len(again))
		}
		// Complete the first with a record: both in one transaction.
		up, err := s.CompleteInbox(ctx, claimed[0].ID, claimed[0].LeaseToken, []commerce.Record{order("shop", "1", t0, "1.00", "A")}, json.RawMessage(`{"records":1}`))
		if err != nil || len(up) != 1 || up[0].Outcome != Inserted {
			t.Fatalf("complete: %+v %v", up, err)
		}
		if _, err := s.CompleteInbox(ctx, claimed[0].ID, claimed[0].LeaseToken, nil, nil); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("completing twice: %v", err)
		}
		// A wrong token cannot complete, and an invalid record writes nothing.
		if _, err := s.CompleteInbox(ctx, claimed[1].ID, "stolen", nil, nil); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("wrong token: %v", err)
		}
		bad := order("shop", "2", t0, "1.00", "A")
		bad.Currency = "???"
		if _, err := s.CompleteInbox(ctx, claimed[1].ID, claimed[1].LeaseToken, []commerce.Record{bad}, nil); err == nil {
			t.Fatal("invalid record accepted")
		}
		if e, _ := s.GetInbox(ctx, claimed[1].ID); e.Status != InboxProcessing {
			t.Fatalf("failed completion changed status to %s", e.Status)
		}
		// Retry later, then dead.
		if err := s.FailInbox(ctx, claimed[1].ID, claimed[1].LeaseToken, "plugin crashed", time.Now().Add(time.Hour), false); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.ClaimInbox(ctx, 10, time.Minute); len(got) != 0 {
			t.Fatalf("retry claimed before it was due")
		}
		if ok, err := s.ReplayInbox(ctx, claimed[1].ID); err != nil || !ok {
			t.Fatalf("replay retrying event: %v %v", ok, err)
		}
		c2, _ := s.ClaimInbox(ctx, 10, time.Minute)
		if len(c2) != 1 || c2[0].ID != res[1].ID || c2[0].Attempts != 1 {
			t.Fatalf("after replay: %+v", c2)
		}
		if err := s.FailInbox(ctx, c2[0].ID, c2[0].LeaseToken, "malformed body: unexpected EOF", time.Now(), true); err != nil {
			t.Fatal(err)
		}
		dead, _, _ := s.ListInbox(ctx, InboxQuery{Status: InboxDead})
		if len(dead) != 1 || dead[0].LastError != "malformed body: unexpected EOF" {
			t.Fatalf("dead letters: %+v", dead)
		}
		if ok, _ := s.ReplayInbox(ctx, res[0].ID); ok {
			t.Fatal("replaying a processed event must be a no-op")
		}
		if _, err := s.ReplayInbox(ctx, 99999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("replay missing: %v", err)
		}
		if n, _ := s.PruneInbox(ctx, time.Now().Add(time.Hour)); n != 1 {
			t.Fatalf("pruned %d, want the one processed event", n)
		}
	})
}

func TestInboxLeaseExpiryAndOrdering(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		s.AppendInbox(ctx, []InboxEvent{inboxEvent("shop", "k1", "shop-a"), inboxEvent("shop", "k2", "shop-a"), inboxEvent("shop", "k3", "shop-b"), inboxEvent("shop", "k4", "")}) //nolint:errcheck
		c, _ := s.ClaimInbox(ctx, 10, 20*time.Millisecond)
		keys := map[string]bool{}
		for _, e := range c {
			keys[e.DedupeKey] = true
		}
		if len(c) != 3 || !keys["k1"] || keys["k2"] || !keys["k3"] || !keys["k4"] {
			t.Fatalf("claimed %v: only the oldest event of each ordering key may be claimed", keys)
		}
		time.Sleep(40 * time.Millisecond)
		// The leases expired (a worker died): the same events come back, k2
		// still waits behind k1.
		c2, _ := s.ClaimInbox(ctx, 10, time.Minute)
		if len(c2) != 3 || c2[0].Attempts != 2 {
			t.Fatalf("after lease expiry: %+v", c2)
		}
		for _, e := range c2 {
			if e.DedupeKey == "k1" {
				if _, err := s.CompleteInbox(ctx, e.ID, e.LeaseToken, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The old lease holder cannot complete any more.
		if _, err := s.CompleteInbox(ctx, c[0].ID, c[0].LeaseToken, nil, nil); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("expired lease completed: %v", err)
		}
		c3, _ := s.ClaimInbox(ctx, 10, time.Minute)
		if len(c3) != 1 || c3[0].DedupeKey != "k2" {
			t.Fatalf("after k1 is done, k2 is due: %+v", c3)
		}
	})
}

func TestInboxConcurrentClaimsNeverOverlap(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		var evs []InboxEvent
		for i := range 200 {
			evs = append(evs, inboxEvent("shop", fmt.Sprint("e", i), ""))
		}
		if _, err := s.AppendInbox(ctx, evs); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		done := map[int64]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					c, err := s.ClaimInbox(ctx, 7, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(c) == 0 {
						return
					}
					for _, e := range c {
						if _, err := s.CompleteInbox(ctx, e.ID, e.LeaseToken, nil, nil); err != nil {
							t.Error(err)
						}
						mu.Lock()
						done[e.ID]++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		if len(done) != 200 {
			t.Fatalf("processed %d of 200", len(done))
		}
		for id, n := range done {
			if n != 1 {
				t.Fatalf("event %d processed %d times", id, n)
			}
		}
	})
}

func TestSyncJobs(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		j1 := &SyncJob{Connection: "shop", Streams: []string{"orders", "products"}, Mode: "full"}
		j2 := &SyncJob{Connection: "shop", Streams: []string{"orders"}, Mode: "incremental"}
		j3 := &SyncJob{Connection: "amazon", Streams: []string{"orders"}, Mode: "incremental", IDs: []string{"111-222"}, Trigger: "webhook"}
		for _, j := range []*SyncJob{j1, j2, j3} {
			if err := s.CreateSyncJob(ctx, j); err != nil {
				t.Fatal(err)
			}
		}
		c1, err := s.ClaimSyncJob(ctx, time.Minute)
		if err != nil || c1 == nil || c1.ID != j1.ID || c1.State != SyncRunning || c1.StartedAt == nil {
			t.Fatalf("claim 1: %+v %v", c1, err)
		}
		c2, _ := s.ClaimSyncJob(ctx, time.Minute)
		if c2 == nil || c2.ID != j3.ID || len(c2.IDs) != 1 || c2.Trigger != "webhook" {
			t.Fatalf("claim 2 should skip the busy connection and take amazon's job: %+v", c2)
		}
		if c, _ := s.ClaimSyncJob(ctx, time.Minute); c != nil {
			t.Fatalf("claimed %d while shop's job runs", c.ID)
		}
		if err := s.FinishSyncJob(ctx, c2.ID, c2.LeaseToken, SyncSucceeded, "", false, time.Time{}); err != nil {
			t.Fatal(err)
		}
		// A batch and its checkpoint commit together.
		cur := "orders:page-1"
		prog := map[string]StreamProgress{"orders": {RecordsRead: 2, RecordsWritten: 2, Pages: 1, Cursor: cur}}
		res, err := s.CommitSyncBatch(ctx, c1.ID, c1.LeaseToken, "orders", []commerce.Record{order("shop", "1", t0, "1.00"), order("shop", "2", t0, "2.00")}, &cur, func([]UpsertResult) map[string]StreamProgress { return prog })
		if err != nil || len(res) != 2 {
			t.Fatalf("commit: %v %v", res, err)
		}
		if got, _ := s.Cursor(ctx, "shop", "orders"); got != cur {
			t.Fatalf("cursor %q", got)
		}
		// A batch with an invalid record commits neither records nor cursor.
		bad := order("shop", "3", t0, "1.00")
		bad.Lines = nil
		next := "orders:page-2"
		if _, err := s.CommitSyncBatch(ctx, c1.ID, c1.LeaseToken, "orders", []commerce.Record{order("shop", "4", t0, "1.00"), bad}, &next, func([]UpsertResult) map[string]StreamProgress { return prog }); err == nil {
			t.Fatal("invalid batch committed")
		}
		if got, _ := s.Cursor(ctx, "shop", "orders"); got != cur {
			t.Fatalf("cursor advanced past a failed batch: %q", got)
		}
		if n, _ := s.CountRecords(ctx, commerce.KindOrder, "shop"); n != 2 {
			t.Fatalf("%d orders after a failed batch, want 2", n)
		}
		// The worker dies: its lease expires and the job is claimed again,
		// with its progress, by another worker. (The store's clock moves on
		// rather than the test sleeping, so that a slow machine cannot
		// expire leases the test means to hold.)
		ss := s.(*sqlStore)
		ss.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		defer func() { ss.now = time.Now }()
		c1b, _ := s.ClaimSyncJob(ctx, time.Minute)
		if c1b == nil || c1b.ID != j1.ID || c1b.Attempts != 2 || c1b.Progress["orders"].Cursor != cur {
			t.Fatalf("resume: %+v", c1b)
		}
		if _, err := s.CommitSyncBatch(ctx, c1.ID, c1.LeaseToken, "orders", nil, &next, func([]UpsertResult) map[string]StreamProgress { return prog }); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("dead worker committed: %v", err)
		}
		// Cancellation of a running job is noticed at the next renewal.
		if j, _ := s.CancelSyncJob(ctx, c1b.ID); !j.CancelRequested {
			t.Fatalf("cancel: %+v", j)
		}
		if cancel, err := s.RenewSyncLease(ctx, c1b.ID, c1b.LeaseToken, time.Minute); err != nil || !cancel {
			t.Fatalf("renew: %v %v", cancel, err)
		}
		if running, _, _ := s.ListSyncJobs(ctx, SyncQuery{State: SyncRunning}); len(running) != 1 || !running[0].CancelRequested {
			t.Fatalf("a job being cancelled is still running: %+v", running)
		}
		if err := s.FinishSyncJob(ctx, c1b.ID, c1b.LeaseToken, SyncCancelled, "cancelled by ops", false, time.Time{}); err != nil {
			t.Fatal(err)
		}
		// The queued incremental job is now claimable; fail it with a retry.
		c3, _ := s.ClaimSyncJob(ctx, time.Minute)
		if c3 == nil || c3.ID != j2.ID {
			t.Fatalf("claim 3: %+v", c3)
		}
		if err := s.FinishSyncJob(ctx, c3.ID, c3.LeaseToken, "", "429 from upstream", true, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.ClaimSyncJob(ctx, time.Minute); c != nil {
			t.Fatalf("retry claimed early: %d", c.ID)
		}
		// Cancelling a queued job is immediate.
		if j, _ := s.CancelSyncJob(ctx, j2.ID); j.State != SyncCancelled {
			t.Fatalf("cancel queued: %s", j.State)
		}
		jobs, _, _ := s.ListSyncJobs(ctx, SyncQuery{Connection: "shop"})
		if len(jobs) != 2 || jobs[0].ID != j2.ID {
			t.Fatalf("list newest first: %+v", jobs)
		}
		if _, err := s.GetSyncJob(ctx, 999999); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
	})
}

func TestWritebacks(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		rec, _ := json.Marshal(level("shop", "SKU", "L", t0, 5))
		w := Writeback{Connection: "shop", IdempotencyKey: "ats:SKU@L:5", Action: "set_inventory", Kind: commerce.KindInventoryLevel, Record: rec}
		res, err := s.EnqueueWritebacks(ctx, []Writeback{w, w})
		if err != nil || res[0].Duplicate || !res[1].Duplicate || res[0].ID != res[1].ID {
			t.Fatalf("enqueue: %+v %v", res, err)
		}
		if _, err := s.EnqueueWritebacks(ctx, []Writeback{{Connection: "shop", Action: "x"}}); err == nil {
			t.Fatal("write-back without idempotency key accepted")
		}
		c, _ := s.ClaimWritebacks(ctx, 10, time.Minute)
		if len(c) != 1 || c[0].Attempts != 1 {
			t.Fatalf("claim: %+v", c)
		}
		if err := s.FailWriteback(ctx, c[0].ID, c[0].LeaseToken, "503", time.Now(), false); err != nil {
			t.Fatal(err)
		}
		c, _ = s.ClaimWritebacks(ctx, 10, time.Minute)
		if len(c) != 1 || c[0].Attempts != 2 {
			t.Fatalf("retry claim: %+v", c)
		}
		if err := s.CompleteWriteback(ctx, c[0].ID, c[0].LeaseToken, "gid://shopify/InventoryLevel/1"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetWriteback(ctx, c[0].ID)
		if got.Status != WritebackSucceeded || got.ExternalID == "" {
			t.Fatalf("after completion: %+v", got)
		}
		if ok, _ := s.ReplayWriteback(ctx, got.ID); ok {
			t.Fatal("replaying a succeeded write-back must be a no-op")
		}
		list, _, _ := s.ListWritebacks(ctx, WritebackQuery{Connection: "shop", Status: WritebackSucceeded})
		if len(list) != 1 {
			t.Fatalf("list: %+v", list)
		}
	})
}

func TestRejectsRedactionsAndLocks(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		r := &Reject{Connection: "shop", Source: "sync 3 orders", Kind: commerce.KindOrder, Document: `{"x":1}`, Reason: "lines: an order needs at least one line"}
		if err := s.AddReject(ctx, r); err != nil || r.ID == 0 {
			t.Fatal(err)
		}
		list, _, _ := s.ListRejects(ctx, "shop", 0, 10)
		if len(list) != 1 || list[0].Reason != r.Reason {
			t.Fatalf("rejects: %+v", list)
		}
		if err := s.AddRedactions(ctx, "shop", "customers/redact", []string{"c1", CustomerEmailKey("a@b.c"), "c1"}); err != nil {
			t.Fatal(err)
		}
		red, _ := s.Redactions(ctx, "shop")
		if !red["c1"] || !red["email:a@b.c"] || len(red) != 2 {
			t.Fatalf("redactions %v", red)
		}
		unlock, ok, err := s.TryLock(ctx, "scheduler")
		if err != nil || !ok {
			t.Fatalf("lock: %v %v", ok, err)
		}
		if s.Driver() == "postgres" {
			if _, ok2, _ := s.TryLock(ctx, "scheduler"); ok2 {
				t.Fatal("the lock was taken twice")
			}
		}
		unlock()
		if u, ok, _ := s.TryLock(ctx, "scheduler"); !ok {
			t.Fatal("lock not released")
		} else {
			u()
		}
	})
}

func TestReleaseLeases(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		s.AppendInbox(ctx, []InboxEvent{inboxEvent("shop", "x", "")}) //nolint:errcheck
		if c, _ := s.ClaimInbox(ctx, 1, time.Hour); len(c) != 1 {
			t.Fatal("claim")
		}
		if err := s.ReleaseLeases(ctx); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.ClaimInbox(ctx, 1, time.Hour); len(c) != 1 || c[0].Attempts != 2 {
			t.Fatalf("after release: %+v", c)
		}
	})
}

func TestInboxRuns(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		var evs []InboxEvent
		for i := range 6 {
			evs = append(evs, inboxEvent("shop", fmt.Sprint("r", i), "shop-a"))
		}
		evs = append(evs, inboxEvent("shop", "u1", ""), inboxEvent("shop", "b1", "shop-b"))
		if _, err := s.AppendInbox(ctx, evs); err != nil {
			t.Fatal(err)
		}
		c, err := s.ClaimInboxRuns(ctx, 10, 3, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, e := range c {
			keys = append(keys, e.DedupeKey)
		}
		if fmt.Sprint(keys) != "[r0 r1 r2 r3 u1 b1]" {
			t.Fatalf("claimed %v, want the head of shop-a with 3 followers, u1 and b1", keys)
		}
		if c[1].LeaseToken != c[0].LeaseToken || c[4].LeaseToken == c[0].LeaseToken {
			t.Fatal("a run shares its head's lease token; others do not")
		}
		// Complete r0, r1 in one batch; release r2, r3 unprocessed.
		ups, err := s.CompleteInboxBatch(ctx, []InboxCompletion{
			{ID: c[0].ID, Token: c[0].LeaseToken, Records: []commerce.Record{order("shop", "1", t0, "1.00")}},
			{ID: c[1].ID, Token: c[1].LeaseToken, Records: []commerce.Record{order("shop", "1", t0.Add(time.Second), "2.00")}},
		})
		if err != nil || len(ups) != 2 || ups[1].Outcome != Inserted || ups[0].Outcome != Stale {
			t.Fatalf("batch: %+v %v", ups, err)
		}
		if err := s.ReleaseInbox(ctx, []int64{c[2].ID, c[3].ID}, c[0].LeaseToken); err != nil {
			t.Fatal(err)
		}
		if e, _ := s.GetInbox(ctx, c[2].ID); e.Status != InboxPending || e.Attempts != 0 {
			t.Fatalf("released event: %+v", e)
		}
		c2, _ := s.ClaimInboxRuns(ctx, 10, 10, time.Minute)
		keys = keys[:0]
		for _, e := range c2 {
			keys = append(keys, e.DedupeKey)
		}
		if fmt.Sprint(keys) != "[r2 r3 r4 r5]" {
			t.Fatalf("second claim %v", keys)
		}
		if _, err := s.CompleteInboxBatch(ctx, []InboxCompletion{{ID: c2[0].ID, Token: "stale"}}); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("batch with a wrong token: %v", err)
		}
	})
}

func TestStockDays(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		d1, _ := commerce.ParseDate("2026-03-01")
		d2 := d1.AddDays(1)
		for _, v := range []int{5, 0, 3} {
			if err := s.RecordStock(ctx, "A", "L", d1, v); err != nil {
				t.Fatal(err)
			}
		}
		s.RecordStock(ctx, "A", "L", d2, 4)  //nolint:errcheck
		s.RecordStock(ctx, "B", "L", d2, -1) //nolint:errcheck
		days, err := s.StockoutDays(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !days["A@L"][d1] || days["A@L"][d2] || !days["B@L"][d2] || len(days) != 2 {
			t.Fatalf("stockout days %v", days)
		}
	})
}

func TestRoutingDecisions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		for i, ref := range []string{"shop/1", "shop/2", "shop/1"} {
			d := &Decision{OrderRef: ref, Channel: "shop", Outcome: "routed", DecidedAt: t0.Add(time.Duration(i) * time.Minute), Decision: json.RawMessage(`{"n":` + fmt.Sprint(i) + `}`)}
			if err := s.AddDecision(ctx, d); err != nil || d.ID == 0 {
				t.Fatal(err)
			}
		}
		all, _, _ := s.ListDecisions(ctx, "", 0, 10)
		if len(all) != 3 || string(all[0].Decision) != `{"n":2}` {
			t.Fatalf("decisions %+v", all)
		}
		one, _, _ := s.ListDecisions(ctx, "shop/1", 0, 10)
		if len(one) != 2 || !one[0].DecidedAt.Equal(t0.Add(2*time.Minute)) {
			t.Fatalf("order's decisions %+v", one)
		}
	})
}
