package store

import (
	"context"

	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/store/storetest"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// openTestStores opens one SQLite store and, when SUPPLYHUB_TEST_POSTGRES_URL
// is set, one PostgreSQL store in a fresh schema.
func openTestStores(t testing.TB) map[string]Store {
	t.Helper()
	ctx := context.Background()
	stores := map[string]Store{}
	s, err := Open(ctx, Config{Driver: "sqlite"}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	stores["sqlite"] = s
	if pg := storetest.PostgresURL(t); pg != "" {
		s, err := Open(ctx, Config{Driver: "postgres", URL: pg}, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores["postgres"] = s
	}
	return stores
}

// forEachStore runs f as a subtest against every available store.
func forEachStore(t *testing.T, f func(t *testing.T, s Store)) {
	t.Helper()
	for name, s := range openTestStores(t) {
		t.Run(name, func(t *testing.T) { f(t, s) })
	}
}

func TestMain(m *testing.M) {
	if os.Getenv("SUPPLYHUB_TEST_POSTGRES_URL") == "" {
		fmt.Fprintln(os.Stderr, "store: SUPPLYHUB_TEST_POSTGRES_URL is not set; the PostgreSQL half of the suite is skipped (.ci/run sets it)")
	}
	os.Exit(m.Run())
}

var t0 = time.Date(2026, 3, 14, 10, 0, 0, 0, time.FixedZone("EDT", -4*3600))

func order(conn, id string, version time.Time, total string, skus ...string) *commerce.Order {
	o := &commerce.Order{
		Meta:      commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: id}, UpdatedAt: version},
		Number:    "#" + id,
		CreatedAt: t0,
		Currency:  "USD",
		Total:     commerce.Bag(commerce.MustMoney(total, "USD")),
	}
	for i, sku := range skus {
		o.Lines = append(o.Lines, commerce.OrderLine{ExternalID: fmt.Sprintf("%s-%d", id, i), SKU: sku, Quantity: 1,
			UnitPrice: commerce.Bag(commerce.MustMoney("10", "USD")), LocationID: "loc-1"})
	}
	if len(skus) == 0 {
		o.Lines = []commerce.OrderLine{{ExternalID: id + "-0", Quantity: 1, UnitPrice: commerce.Bag(commerce.MustMoney("10", "USD"))}}
	}
	o.Subtotal, o.TotalDiscounts, o.TotalShipping, o.TotalTax = o.Total, commerce.Bag(commerce.Zero("USD")), commerce.Bag(commerce.Zero("USD")), commerce.Bag(commerce.Zero("USD"))
	return o
}

func level(conn, sku, loc string, version time.Time, available int) *commerce.InventoryLevel {
	return &commerce.InventoryLevel{
		Meta: commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: sku + "@" + loc}, UpdatedAt: version},
		SKU:  sku, LocationID: loc, OnHand: available, Available: available,
	}
}

func outcomes(rs []UpsertResult) []Outcome {
	out := make([]Outcome, len(rs))
	for i, r := range rs {
		out[i] = r.Outcome
	}
	return out
}

func TestUpsertVersions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		o1 := order("shop", "1", t0, "10.00", "A")
		res, err := s.UpsertRecords(ctx, []commerce.Record{o1})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Outcome != Inserted || res[0].ID == 0 {
			t.Fatalf("first upsert = %+v, want inserted", res[0])
		}
		id := res[0].ID
		steps := []struct {
			name string
			rec  *commerce.Order
			want Outcome
		}{
			{"redelivery", order("shop", "1", t0, "10.00", "A"), Unchanged},
			{"newer", order("shop", "1", t0.Add(time.Minute), "12.00", "A"), Updated},
			{"older arrives late", order("shop", "1", t0.Add(30*time.Second), "11.00", "A"), Stale},
			{"same second, new body", order("shop", "1", t0.Add(time.Minute), "13.00", "A"), Updated},
			{"same version again", order("shop", "1", t0.Add(time.Minute), "13.00", "A"), Unchanged},
		}
		for _, st := range steps {
			res, err := s.UpsertRecords(ctx, []commerce.Record{st.rec})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Outcome != st.want || res[0].ID != id {
				t.Fatalf("%s: %+v, want %s with id %d", st.name, res[0], st.want, id)
			}
		}
		got, err := s.GetRecord(ctx, commerce.KindOrder, id)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := got.Decode()
		if err != nil {
			t.Fatal(err)
		}
		if total := rec.(*commerce.Order).Total.Shop.String(); total != "13.00 USD" {
			t.Fatalf("stored total %s, want the newest 13.00 USD", total)
		}
		if !got.Version.Equal(t0.Add(time.Minute)) {
			t.Fatalf("version %v", got.Version)
		}
		// Three changes were written: insert, newer, same-second body.
		events, err := s.ClaimOutbox(ctx, 100, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 3 {
			t.Fatalf("outbox has %d events, want 3 (one per change): %+v", len(events), events)
		}
		for _, e := range events {
			if e.Topic != "order.upserted" || e.Key != "shop/1" {
				t.Fatalf("event %+v", e)
			}
		}
	})
}

func TestUpsertIsAtomicAndValidates(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		bad := order("shop", "2", t0, "5.00", "B")
		bad.Lines[0].Quantity = 0
		_, err := s.UpsertRecords(ctx, []commerce.Record{order("shop", "1", t0, "5.00", "A"), bad})
		var ve *commerce.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "lines[0].quantity") {
			t.Fatalf("err = %v, want a validation error naming lines[0].quantity", err)
		}
		n, err := s.CountRecords(ctx, commerce.KindOrder, "")
		if err != nil || n != 0 {
			t.Fatalf("count = %d, %v: a failed batch must write nothing", n, err)
		}
		if _, err := s.UpsertRecords(ctx, []commerce.Record{nil}); err == nil {
			t.Fatal("nil record accepted")
		}
	})
}

func TestTombstones(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		if _, err := s.UpsertRecords(ctx, []commerce.Record{order("shop", "9", t0, "1.00", "Z")}); err != nil {
			t.Fatal(err)
		}
		tomb := &commerce.Order{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop", ExternalID: "9"}, UpdatedAt: t0.Add(time.Hour), Deleted: true}}
		res, err := s.UpsertRecords(ctx, []commerce.Record{tomb})
		if err != nil || res[0].Outcome != Updated {
			t.Fatalf("tombstone: %+v %v", res, err)
		}
		page, err := s.ListRecords(ctx, Query{Kind: commerce.KindOrder})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("deleted record listed: %+v %v", page.Items, err)
		}
		page, _ = s.ListRecords(ctx, Query{Kind: commerce.KindOrder, IncludeDeleted: true})
		if len(page.Items) != 1 || !page.Items[0].Deleted {
			t.Fatalf("IncludeDeleted: %+v", page.Items)
		}
		events, _ := s.ClaimOutbox(ctx, 10, time.Minute)
		if len(events) != 2 || events[1].Topic != "order.deleted" {
			t.Fatalf("events %+v", events)
		}
		// A late update older than the deletion does not resurrect it.
		res, _ = s.UpsertRecords(ctx, []commerce.Record{order("shop", "9", t0.Add(time.Minute), "1.00", "Z")})
		if res[0].Outcome != Stale {
			t.Fatalf("late update after delete: %s", res[0].Outcome)
		}
	})
}

func TestListFiltersAndPagination(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		var recs []commerce.Record
		for i := range 25 {
			recs = append(recs, order([]string{"shop", "amazon"}[i%2], fmt.Sprint(i), t0.Add(time.Duration(i)*time.Hour), "1.00", fmt.Sprintf("SKU-%d", i%3), "COMMON"))
		}
		recs = append(recs, level("shop", "SKU-0", "loc-A", t0, 5), level("shop", "SKU-1", "loc-B", t0, 7))
		if _, err := s.UpsertRecords(ctx, recs); err != nil {
			t.Fatal(err)
		}
		count := func(q Query) int {
			t.Helper()
			n, seen := 0, map[int64]bool{}
			q.Limit = 4
			for {
				page, err := s.ListRecords(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range page.Items {
					if seen[it.ID] {
						t.Fatalf("id %d returned twice", it.ID)
					}
					seen[it.ID] = true
					if q.Kind != "" && it.Kind != q.Kind {
						t.Fatalf("kind filter leaked %s", it.Kind)
					}
				}
				n += len(page.Items)
				if page.Next == 0 {
					return n
				}
				q.After = page.Next
			}
		}
		tests := []struct {
			name string
			q    Query
			want int
		}{
			{"all orders", Query{Kind: commerce.KindOrder}, 25},
			{"connection", Query{Kind: commerce.KindOrder, Connection: "amazon"}, 12},
			{"sku", Query{Kind: commerce.KindOrder, SKU: "SKU-1"}, 8},
			{"common sku", Query{Kind: commerce.KindOrder, SKU: "COMMON"}, 25},
			{"location", Query{Kind: commerce.KindInventoryLevel, Location: "loc-B"}, 1},
			{"updated since", Query{Kind: commerce.KindOrder, UpdatedSince: t0.Add(20 * time.Hour)}, 5},
			{"sku and connection", Query{Kind: commerce.KindOrder, SKU: "SKU-0", Connection: "shop"}, 5},
			{"external id", Query{Kind: commerce.KindOrder, Connection: "shop", ExternalID: "4"}, 1},
			{"no match", Query{Kind: commerce.KindOrder, SKU: "nope"}, 0},
		}
		for _, tt := range tests {
			if got := count(tt.q); got != tt.want {
				t.Errorf("%s: %d records, want %d", tt.name, got, tt.want)
			}
		}
		if _, err := s.GetRecordByRef(ctx, commerce.KindOrder, commerce.Ref{Connection: "shop", ExternalID: "nope"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing ref: %v", err)
		}
		if _, err := s.GetRecord(ctx, commerce.KindProduct, 1); !errors.Is(err, ErrNotFound) {
			t.Fatalf("wrong kind: %v", err)
		}
	})
}

func TestReplaceRecordData(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		o := order("shop", "7", t0, "3.00", "A")
		o.Customer = &commerce.OrderCustomer{Email: "lena@example.de", FirstName: "Lena"}
		res, err := s.UpsertRecords(ctx, []commerce.Record{o})
		if err != nil {
			t.Fatal(err)
		}
		if page, _ := s.ListRecords(ctx, Query{Kind: commerce.KindOrder, Customer: CustomerEmailKey("Lena@Example.de")}); len(page.Items) != 1 {
			t.Fatalf("before redaction the order is found by e-mail: %d", len(page.Items))
		}
		o.Customer = &commerce.OrderCustomer{Redacted: true}
		if err := s.ReplaceRecordData(ctx, res[0].ID, o); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetRecord(ctx, commerce.KindOrder, res[0].ID)
		if strings.Contains(string(got.Data), "lena@example.de") {
			t.Fatal("redacted data still stored")
		}
		if page, _ := s.ListRecords(ctx, Query{Kind: commerce.KindOrder, Customer: CustomerEmailKey("lena@example.de")}); len(page.Items) != 0 {
			t.Fatal("the redacted e-mail is still a lookup key")
		}
		// Redaction keeps the version: a redelivery of that version would
		// restore the data, so the ingress redacts incoming records of
		// redacted customers before it upserts them.
		if !got.Version.Equal(t0) {
			t.Fatalf("version changed to %v", got.Version)
		}
		if err := s.ReplaceRecordData(ctx, 999999, o); !errors.Is(err, ErrNotFound) {
			t.Fatalf("replace missing: %v", err)
		}
	})
}

func TestConnectionsAndTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		c := &Connection{ID: "shop-eu", Connector: "shopify", Name: "EU shop", Config: []byte(`{"shop_domain":"x"}`)}
		if err := s.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateConnection(ctx, &Connection{ID: "shop-eu", Connector: "shopify", Config: []byte("{}")}); !errors.Is(err, ErrConflict) {
			t.Fatalf("duplicate connection: %v", err)
		}
		got, err := s.GetConnection(ctx, "shop-eu")
		if err != nil || got.Status != "active" || string(got.Config) != `{"shop_domain":"x"}` {
			t.Fatalf("get: %+v %v", got, err)
		}
		got.Status, got.LastError = "error", "401 from Shopify"
		if err := s.UpdateConnection(ctx, got); err != nil {
			t.Fatal(err)
		}
		list, _ := s.ListConnections(ctx)
		if len(list) != 1 || list[0].LastError != "401 from Shopify" || list[0].WebhookSubscriptions != nil {
			t.Fatalf("list: %+v", list)
		}
		// the subscription report is written on its own and survives
		// UpdateConnection, which does not carry it
		report := `{"callback_url":"https://gw.example/webhooks/shop-eu","results":[]}`
		if err := s.SetWebhookSubscriptions(ctx, "shop-eu", []byte(report)); err != nil {
			t.Fatal(err)
		}
		got.Name = "EU shop (renamed)"
		if err := s.UpdateConnection(ctx, got); err != nil {
			t.Fatal(err)
		}
		if again, err := s.GetConnection(ctx, "shop-eu"); err != nil || string(again.WebhookSubscriptions) != report || again.Name != got.Name {
			t.Fatalf("after SetWebhookSubscriptions and an update: %+v %v", again, err)
		}
		if err := s.SetWebhookSubscriptions(ctx, "nope", []byte(report)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("subscriptions of a missing connection: %v", err)
		}
		if err := s.DeleteConnection(ctx, "shop-eu"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetConnection(ctx, "shop-eu"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if err := s.UpdateConnection(ctx, got); !errors.Is(err, ErrNotFound) {
			t.Fatalf("update missing: %v", err)
		}

		tok := &Token{ID: "tok_1", Name: "ci", Hash: "abc", Scopes: []string{"read", "ops"}}
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		found, err := s.TokenByHash(ctx, "abc")
		if err != nil || found.ID != "tok_1" || len(found.Scopes) != 2 {
			t.Fatalf("by hash: %+v %v", found, err)
		}
		if err := s.TouchToken(ctx, "tok_1", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, "tok_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenByHash(ctx, "abc"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoked token still valid: %v", err)
		}
		if err := s.RevokeToken(ctx, "tok_1"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("double revoke: %v", err)
		}
		toks, _ := s.ListTokens(ctx)
		if len(toks) != 1 || toks[0].RevokedAt == nil || toks[0].LastUsedAt == nil {
			t.Fatalf("list tokens: %+v", toks)
		}
	})
}

func TestOutboxLeases(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		var evs []OutboxEvent
		for i := range 10 {
			evs = append(evs, OutboxEvent{Topic: "test.event", Key: fmt.Sprint(i), Payload: []byte(`{}`)})
		}
		if err := s.AppendOutbox(ctx, evs); err != nil {
			t.Fatal(err)
		}
		// Concurrent claimers never get the same event.
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.ClaimOutbox(ctx, 3, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, e := range got {
					seen[e.ID]++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		for id, n := range seen {
			if n > 1 {
				t.Fatalf("event %d claimed %d times", id, n)
			}
		}
		if len(seen) != 10 {
			t.Fatalf("claimed %d of 10", len(seen))
		}
		if again, _ := s.ClaimOutbox(ctx, 100, time.Minute); len(again) != 0 {
			t.Fatalf("leased events claimed again: %d", len(again))
		}
		// A short lease expires and the event comes back until published.
		if err := s.AppendOutbox(ctx, []OutboxEvent{{Topic: "t", Key: "k", Payload: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
		first, _ := s.ClaimOutbox(ctx, 10, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		second, _ := s.ClaimOutbox(ctx, 10, time.Minute)
		if len(first) != 1 || len(second) != 1 || first[0].ID != second[0].ID {
			t.Fatalf("lease expiry: %v then %v", first, second)
		}
		if err := s.MarkPublished(ctx, []int64{second[0].ID}); err != nil {
			t.Fatal(err)
		}
		n, err := s.PruneOutbox(ctx, time.Now().Add(time.Second))
		if err != nil || n != 1 {
			t.Fatalf("prune = %d, %v", n, err)
		}
	})
}

// TestConcurrentVersionsConverge writes many versions of the same records
// in random order from several goroutines: the newest always wins.
func TestConcurrentVersionsConverge(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		const records, versions = 5, 20
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(g), 1))
				for _, v := range r.Perm(versions) {
					for i := range records {
						ver := t0.Add(time.Duration(v) * time.Second)
						if _, err := s.UpsertRecords(ctx, []commerce.Record{level("shop", fmt.Sprint("SKU", i), "L", ver, v)}); err != nil {
							t.Error(err)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		page, err := s.ListRecords(ctx, Query{Kind: commerce.KindInventoryLevel})
		if err != nil || len(page.Items) != records {
			t.Fatalf("%d records, %v", len(page.Items), err)
		}
		for _, it := range page.Items {
			rec, _ := it.Decode()
			if got := rec.(*commerce.InventoryLevel).Available; got != versions-1 {
				t.Fatalf("%s converged to %d, want the newest %d", it.ExternalID, got, versions-1)
			}
		}
	})
}

func TestSQLiteSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Config{}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertRecords(ctx, []commerce.Record{order("shop", "1", t0, "1.00")}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, Config{}, dir, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if n, _ := s.CountRecords(ctx, commerce.KindOrder, "shop"); n != 1 {
		t.Fatalf("after reopen %d orders", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "supplyhub.db-wal")); err != nil {
		t.Fatalf("WAL file missing, journal_mode not WAL? %v", err)
	}
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Config{}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.(*sqlStore).w.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)") //nolint:errcheck
	s.Close()
	if _, err := Open(ctx, Config{}, dir, nil); err == nil || !strings.Contains(err.Error(), "upgrade supplyhub") {
		t.Fatalf("err = %v, want schema-too-new error", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, Config{Driver: "mysql"}, t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "sqlite or postgres") {
		t.Fatalf("unknown driver: %v", err)
	}
	if _, err := Open(ctx, Config{Driver: "postgres"}, "", nil); err == nil || !strings.Contains(err.Error(), "store.url") {
		t.Fatalf("postgres without url: %v", err)
	}
	if _, err := Open(ctx, Config{Driver: "sqlite"}, "", nil); err == nil {
		t.Fatal("sqlite without data dir accepted")
	}
}

func TestRebind(t *testing.T) {
	if got := postgresDialect.rebind("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
		t.Fatalf("rebind = %q", got)
	}
	if got := sqliteDialect.rebind("a = ?"); got != "a = ?" {
		t.Fatalf("sqlite rebind changed the query: %q", got)
	}
}
