package ingress

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/store"
)

// TestLongRunGivesBackBeforeItsLease claims a run of one ordering key
// whose parsing outlasts the lease: the run completes what it parsed
// within half the lease and gives the rest back unprocessed, so that no
// event stays claimed past its lease; the next run finishes the rest, and
// every event is parsed exactly once.
func TestLongRunGivesBackBeforeItsLease(t *testing.T) {
	cfg := testConfig()
	cfg.Lease = 400 * time.Millisecond
	h := newHarness(t, nil, cfg)
	h.createConn()
	h.stop() // this test drives the inbox itself
	ctx := context.Background()
	var evs []store.InboxEvent
	for i := range 6 {
		evs = append(evs, store.InboxEvent{Connection: "shop", DedupeKey: fmt.Sprint("run-", i), OrderingKey: "shop/o1",
			Body: fmt.Appendf(nil, `{"id":"r%d","updated_at":"2026-03-01T09:00:00Z","total":"1.00"}`, i)})
	}
	if _, err := h.st.AppendInbox(ctx, evs); err != nil {
		t.Fatal(err)
	}
	h.fake.slowParse = 100 * time.Millisecond

	run, err := h.st.ClaimInboxRuns(ctx, 10, runFollow, cfg.Lease)
	if err != nil || len(run) != 6 {
		t.Fatalf("claimed %d events (err %v), want one run of 6", len(run), err)
	}
	start := time.Now()
	h.in.processRun(ctx, run)
	if took := time.Since(start); took >= cfg.Lease {
		t.Fatalf("the run held its events %v, past their lease of %v", took, cfg.Lease)
	}
	counts, _ := h.st.InboxCounts(ctx, "shop")
	if counts[string(store.InboxProcessed)] == 0 || counts[string(store.InboxPending)] == 0 ||
		counts[string(store.InboxProcessed)]+counts[string(store.InboxPending)] != 6 {
		t.Fatalf("after the first run: %v, want some processed and the rest pending", counts)
	}

	for range 6 {
		run, err := h.st.ClaimInboxRuns(ctx, 10, runFollow, cfg.Lease)
		if err != nil {
			t.Fatal(err)
		}
		if len(run) == 0 {
			break
		}
		h.in.processRun(ctx, run)
	}
	counts, _ = h.st.InboxCounts(ctx, "shop")
	if counts[string(store.InboxProcessed)] != 6 {
		t.Fatalf("at the end: %v, want 6 processed", counts)
	}
	list, _, _ := h.st.ListInbox(ctx, store.InboxQuery{Connection: "shop"})
	for _, e := range list {
		if e.Attempts != 1 {
			t.Fatalf("event %d took %d attempts, want 1 (giving back is not an attempt)", e.ID, e.Attempts)
		}
	}
	h.fake.mu.Lock()
	defer h.fake.mu.Unlock()
	if h.fake.parseCalls != 6 {
		t.Fatalf("%d parses, want 6: each event exactly once", h.fake.parseCalls)
	}
}

// TestRunAtShutdownKeepsItsWork ends the context in the middle of a run:
// what was parsed is committed, the rest is given back pending, and no
// event is marked failed or charged an attempt for the shutdown.
func TestRunAtShutdownKeepsItsWork(t *testing.T) {
	cfg := testConfig()
	h := newHarness(t, nil, cfg)
	h.createConn()
	h.stop()
	bg := context.Background()
	var evs []store.InboxEvent
	for i := range 6 {
		evs = append(evs, store.InboxEvent{Connection: "shop", DedupeKey: fmt.Sprint("stop-", i), OrderingKey: "shop/o2",
			Body: fmt.Appendf(nil, `{"id":"s%d","updated_at":"2026-03-01T09:00:00Z","total":"1.00"}`, i)})
	}
	if _, err := h.st.AppendInbox(bg, evs); err != nil {
		t.Fatal(err)
	}
	h.fake.slowParse = 50 * time.Millisecond
	run, err := h.st.ClaimInboxRuns(bg, 10, runFollow, cfg.Lease)
	if err != nil || len(run) != 6 {
		t.Fatalf("claimed %d events (err %v), want one run of 6", len(run), err)
	}
	ctx, cancel := context.WithTimeout(bg, 75*time.Millisecond)
	defer cancel()
	h.in.processRun(ctx, run)
	list, _, _ := h.st.ListInbox(bg, store.InboxQuery{Connection: "shop"})
	var processed, pending int
	for _, e := range list {
		switch {
		case e.Status == store.InboxProcessed && e.Attempts == 1:
			processed++
		case e.Status == store.InboxPending && e.Attempts == 0:
			pending++
		default:
			t.Errorf("event %d: %s after %d attempts (%s); want processed once or pending untried", e.ID, e.Status, e.Attempts, e.LastError)
		}
	}
	if processed == 0 || pending == 0 || processed+pending != 6 {
		t.Fatalf("%d processed and %d pending, want the parsed ones processed and the rest pending", processed, pending)
	}
}
