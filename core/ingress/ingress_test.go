package ingress

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

type harness struct {
	t      *testing.T
	st     store.Store
	fake   *fakeConn
	in     *Ingress
	srv    *httptest.Server
	admin  string
	cancel context.CancelFunc
	done   chan struct{}
}

func testConfig() Config {
	return Config{Poll: 20 * time.Millisecond, RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond,
		Lease: 2 * time.Second, MaxAttempts: 3, SyncMaxAttempts: 3, Schedule: -1}
}

// newHarness boots store, API and ingress with the fake connector (and
// the extra connectors given); the ingress runs until the test ends (or
// h.stop).
func newHarness(t *testing.T, st store.Store, cfg Config, extra ...Static) *harness {
	t.Helper()
	if st == nil {
		var err error
		st, err = store.Open(context.Background(), store.Config{}, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	box, _ := secrets.New(make([]byte, 32))
	h := &harness{t: t, st: st, fake: newFakeConn()}
	conns := Static{"fake": h.fake}
	for _, x := range extra {
		for name, c := range x {
			conns[name] = c
		}
	}
	h.in = New(cfg, st, conns, box, nil, nil)
	srv := api.New(api.Config{BodyLimit: 64 << 10}, st, nil)
	h.in.Register(srv)
	h.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(h.srv.Close)
	h.admin, _, _ = api.IssueToken(context.Background(), st, "admin", []string{"admin"})
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() { defer close(h.done); h.in.Run(ctx) }() //nolint:errcheck
}

func (h *harness) stop() {
	if h.cancel != nil {
		h.cancel()
		<-h.done
		h.cancel = nil
	}
}

func (h *harness) call(method, path, body string, out any) int {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h.admin)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

// createConn creates connection "shop" with good credentials.
func (h *harness) createConn() {
	h.t.Helper()
	var out map[string]any
	if code := h.call("POST", "/v1/connections", `{"id":"shop","connector":"fake","name":"Shop","config":{"token":"good","webhook_secret":"s3cret"}}`, &out); code != 201 {
		h.t.Fatalf("create connection: %d %v", code, out)
	}
}

// deliver signs and posts a webhook body.
func (h *harness) deliver(conn, eventID, body string, sign bool) (int, map[string]string) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.srv.URL+"/webhooks/"+conn, strings.NewReader(body))
	req.Header.Set("X-Test-Event-Id", eventID)
	req.Header.Set("X-Test-Topic", "orders/updated")
	req.Header.Set("Content-Type", "application/json")
	if sign {
		req.Header.Set("X-Test-Hmac", fakeSpec.Sign("s3cret", []byte(body)))
	} else {
		req.Header.Set("X-Test-Hmac", fakeSpec.Sign("wrong", []byte(body)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &out) //nolint:errcheck
	return resp.StatusCode, out
}

// eventually polls cond until it holds or fails the test after d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", d, what)
}

func orderBody(id string, v time.Time, total, email string) string {
	b, _ := json.Marshal(map[string]any{"id": id, "updated_at": v, "total": total, "email": email})
	return string(b)
}

func (h *harness) storedOrder(id string) *commerce.Order {
	sr, err := h.st.GetRecordByRef(context.Background(), commerce.KindOrder, commerce.Ref{Connection: "shop", ExternalID: id})
	if err != nil {
		return nil
	}
	r, err := sr.Decode()
	if err != nil {
		h.t.Fatal(err)
	}
	return r.(*commerce.Order)
}

func TestConnectionsAPI(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	type apiErr struct {
		Error struct{ Code, Message string }
	}
	cases := []struct {
		name, body string
		status     int
		contains   string
	}{
		{"unknown connector", `{"connector":"ebay","name":"Test shop","config":{}}`, 400, "fake"},
		{"schema violation", `{"connector":"fake","name":"Test shop","config":{"token":"good","webhook_secret":"s","region":"mars"}}`, 400, "/region"},
		{"missing field", `{"connector":"fake","name":"Test shop","config":{"token":"good"}}`, 400, "webhook_secret"},
		{"bad credentials", `{"connector":"fake","name":"Test shop","config":{"token":"bad","webhook_secret":"s"}}`, 422, "rejected"},
		{"bad id", `{"id":"Shop EU","connector":"fake","name":"Test shop","config":{"token":"good","webhook_secret":"s"}}`, 400, "lowercase"},
		{"config not an object", `{"connector":"fake","name":"Test shop","config":[1]}`, 400, "JSON object"},
	}
	for _, c := range cases {
		var e apiErr
		if code := h.call("POST", "/v1/connections", c.body, &e); code != c.status || !strings.Contains(e.Error.Message, c.contains) {
			t.Errorf("%s: %d %+v, want %d containing %q", c.name, code, e, c.status, c.contains)
		}
	}
	h.createConn()
	var e apiErr
	if code := h.call("POST", "/v1/connections", `{"id":"shop","connector":"fake","name":"Shop","config":{"token":"good","webhook_secret":"x"}}`, &e); code != 409 {
		t.Fatalf("duplicate id: %d", code)
	}
	// Secrets are sealed at rest and redacted in the API.
	sc, _ := h.st.GetConnection(context.Background(), "shop")
	if strings.Contains(string(sc.Config), "s3cret") || !strings.Contains(string(sc.Config), secrets.Prefix) {
		t.Fatalf("secret stored in clear: %s", sc.Config)
	}
	var v struct {
		Config       map[string]string `json:"config"`
		Capabilities []string          `json:"capabilities"`
		WebhookURL   string            `json:"webhook_url"`
		Health       struct{ Status string }
	}
	h.call("GET", "/v1/connections/shop", "", &v)
	if v.Config["token"] != secrets.Redacted || v.WebhookURL != "/webhooks/shop" || v.Health.Status != "ok" || len(v.Capabilities) != 3 {
		t.Fatalf("view: %+v", v)
	}
	// A patch that leaves secrets redacted keeps them; a bad one is refused.
	if code := h.call("PATCH", "/v1/connections/shop", `{"name":"Shop EU","config":{"token":"<redacted>","region":"eu"}}`, &v); code != 200 {
		t.Fatalf("patch: %d", code)
	}
	sc, _ = h.st.GetConnection(context.Background(), "shop")
	cn, err := h.in.ready(context.Background(), sc)
	if err != nil || !strings.Contains(string(cn.config), `"token":"good"`) || !strings.Contains(string(cn.config), `"region":"eu"`) || sc.Name != "Shop EU" {
		t.Fatalf("after patch: %s %v", cn.config, err)
	}
	if code := h.call("PATCH", "/v1/connections/shop", `{"config":{"token":"bad"}}`, &e); code != 422 {
		t.Fatalf("patch with bad credentials: %d", code)
	}
	if code := h.call("PATCH", "/v1/connections/shop", `{"status":"deleted"}`, &e); code != 400 {
		t.Fatalf("bad status: %d", code)
	}
	var list struct{ Items []map[string]any }
	h.call("GET", "/v1/connections", "", &list)
	if len(list.Items) != 1 {
		t.Fatalf("list: %+v", list)
	}
	var conns struct{ Items []sdk.Manifest }
	h.call("GET", "/v1/connectors", "", &conns)
	if len(conns.Items) != 1 || conns.Items[0].Name != "fake" || len(conns.Items[0].Capabilities) != 3 {
		t.Fatalf("connectors: %+v", conns)
	}
	if code := h.call("DELETE", "/v1/connections/shop", "", nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := h.deliver("shop", "e1", orderBody("1", testT0, "1.00", ""), true); code != 404 {
		t.Fatalf("webhook to a deleted connection: %d", code)
	}
}

func TestWebhooksAreVerifiedStoredOnceAndProcessed(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.createConn()
	ctx := context.Background()

	code, ack := h.deliver("shop", "evt-1", orderBody("1001", testT0, "10.00", ""), true)
	if code != 200 || ack["status"] != "accepted" {
		t.Fatalf("delivery: %d %v", code, ack)
	}
	eventually(t, 5*time.Second, "order 1001 stored", func() bool { return h.storedOrder("1001") != nil })
	// A redelivery is acknowledged but not processed again.
	code, ack2 := h.deliver("shop", "evt-1", orderBody("1001", testT0, "10.00", ""), true)
	if code != 200 || ack2["status"] != "duplicate" || ack2["id"] != ack["id"] {
		t.Fatalf("redelivery: %d %v", code, ack2)
	}
	// A bad signature stores nothing.
	before, _ := h.st.InboxCounts(ctx, "shop")
	if code, _ := h.deliver("shop", "evt-2", orderBody("1002", testT0, "1.00", ""), false); code != 401 {
		t.Fatalf("bad signature: %d", code)
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/webhooks/shop", strings.NewReader(`{"id":"1003"}`))
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("missing signature: %d", resp.StatusCode)
	}
	after, _ := h.st.InboxCounts(ctx, "shop")
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("rejected deliveries changed the inbox: %v → %v", before, after)
	}
	if code, _ := h.deliver("nope", "evt-3", "{}", true); code != 404 {
		t.Fatalf("unknown connection: %d", code)
	}
	big := orderBody("1004", testT0, strings.Repeat("9", 70000), "")
	if code, _ := h.deliver("shop", "evt-4", big, true); code != 413 {
		t.Fatalf("body over the limit: %d", code)
	}
	// An older update arriving late does not overwrite the newer one.
	h.deliver("shop", "evt-5", orderBody("1001", testT0.Add(time.Hour), "12.00", ""), true)
	eventually(t, 5*time.Second, "order 1001 updated", func() bool {
		o := h.storedOrder("1001")
		return o != nil && o.Total.Shop.Amount.String() == "12"
	})
	h.deliver("shop", "evt-6", orderBody("1001", testT0.Add(30*time.Minute), "11.00", ""), true)
	eventually(t, 5*time.Second, "evt-6 processed", func() bool {
		c, _ := h.st.InboxCounts(ctx, "shop")
		return c[store.InboxProcessed] == 3
	})
	if o := h.storedOrder("1001"); o.Total.Shop.Amount.String() != "12" {
		t.Fatalf("an older webhook overwrote a newer one: total %s", o.Total.Shop.Amount)
	}
	var ev struct {
		Status  string
		Body    string
		Headers map[string][]string
		Result  struct{ Records map[string]int }
	}
	h.call("GET", "/v1/webhooks/events/"+ack["id"], "", &ev)
	if ev.Status != "processed" || !strings.Contains(ev.Body, "1001") || ev.Result.Records["order"] != 1 || ev.Headers["X-Test-Topic"][0] != "orders/updated" {
		t.Fatalf("event detail: %+v", ev)
	}
}

func TestMalformedWebhooksAreDeadLetteredAndReplayable(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.createConn()
	ctx := context.Background()
	_, ack := h.deliver("shop", "bad-1", `{"id":"x"`, true)
	var ev store.InboxEvent
	eventually(t, 5*time.Second, "dead letter", func() bool {
		e, _ := h.st.GetInbox(ctx, mustID(ack["id"]))
		if e != nil {
			ev = *e
		}
		return e != nil && e.Status == store.InboxDead
	})
	if ev.Attempts != 1 || !strings.Contains(ev.LastError, "invalid_input") || !strings.Contains(ev.LastError, "not JSON") {
		t.Fatalf("a malformed body is dead at once with its reason: %+v", ev)
	}
	var list struct{ Items []store.InboxEvent }
	h.call("GET", "/v1/webhooks/events?status=dead", "", &list)
	if len(list.Items) != 1 {
		t.Fatalf("dead letters listed: %d", len(list.Items))
	}
	// Transient failures retry with backoff, then succeed.
	h.fake.mu.Lock()
	h.fake.parseFailures = 2
	h.fake.mu.Unlock()
	_, ack = h.deliver("shop", "flaky", orderBody("2001", testT0, "5.00", ""), true)
	eventually(t, 5*time.Second, "flaky event processed", func() bool { return h.storedOrder("2001") != nil })
	e, _ := h.st.GetInbox(ctx, mustID(ack["id"]))
	if e.Attempts != 3 {
		t.Fatalf("flaky event took %d attempts, want 3", e.Attempts)
	}
	// Failing more often than MaxAttempts dead-letters; replay then works.
	h.fake.mu.Lock()
	h.fake.parseFailures = 3
	h.fake.mu.Unlock()
	_, ack = h.deliver("shop", "flakier", orderBody("2002", testT0, "5.00", ""), true)
	eventually(t, 5*time.Second, "gave up", func() bool {
		e, _ := h.st.GetInbox(ctx, mustID(ack["id"]))
		return e.Status == store.InboxDead && strings.Contains(e.LastError, "gave up after 3 attempts")
	})
	var rep struct{ Replayed bool }
	if h.call("POST", "/v1/webhooks/events/"+ack["id"]+"/replay", "", &rep); !rep.Replayed {
		t.Fatal("replay of a dead event refused")
	}
	eventually(t, 5*time.Second, "replayed event processed", func() bool { return h.storedOrder("2002") != nil })
	if h.call("POST", "/v1/webhooks/events/"+ack["id"]+"/replay", "", &rep); rep.Replayed {
		t.Fatal("replay of a processed event must be a no-op")
	}
	if code := h.call("POST", "/v1/webhooks/events/999999/replay", "", nil); code != 404 {
		t.Fatalf("replay missing: %d", code)
	}
}

func mustID(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

// TestConcurrentBurstIsStoredExactlyOnce delivers many signed webhooks
// concurrently, each twice, and checks group commit stored each once.
func TestConcurrentBurstIsStoredExactlyOnce(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.createConn()
	var batches []int
	var mu sync.Mutex
	h.in.committer.onBatch = func(n int) { mu.Lock(); batches = append(batches, n); mu.Unlock() }
	n := 300
	if raceEnabled {
		n = 40
	}
	var wg sync.WaitGroup
	for i := range n {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if code, _ := h.deliver("shop", fmt.Sprint("burst-", i), orderBody(fmt.Sprint(5000+i), testT0, "1.00", ""), true); code != 200 {
					t.Errorf("delivery %d: %d", i, code)
				}
			}()
		}
	}
	wg.Wait()
	eventually(t, 30*time.Second, "burst processed", func() bool {
		c, _ := h.st.InboxCounts(context.Background(), "shop")
		return c[store.InboxProcessed] == int64(n)
	})
	cnt, _ := h.st.CountRecords(context.Background(), commerce.KindOrder, "shop")
	if cnt != int64(n) {
		t.Fatalf("%d orders, want %d", cnt, n)
	}
	mu.Lock()
	defer mu.Unlock()
	maxBatch := 0
	for _, b := range batches {
		maxBatch = max(maxBatch, b)
	}
	if maxBatch < 2 {
		t.Fatalf("group commit never batched: %v", batches)
	}
	t.Logf("%d deliveries in %d commits (largest %d)", 2*n, len(batches), maxBatch)
}

func syncAndWait(t *testing.T, h *harness, body string) jobView {
	t.Helper()
	var j jobView
	if code := h.call("POST", "/v1/connections/shop/syncs", body, &j); code != 202 {
		t.Fatalf("start sync: %d %+v", code, j)
	}
	var got jobView
	eventually(t, 15*time.Second, "sync job to end", func() bool {
		h.call("GET", fmt.Sprintf("/v1/syncs/%d", j.ID), "", &got)
		return got.State == store.SyncSucceeded || got.State == store.SyncFailed || got.State == store.SyncCancelled
	})
	return got
}

func TestSyncFullThenIncrementalResumesAfterFailures(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.createConn()
	for i := range 25 {
		h.fake.put(makeOrder(fmt.Sprintf("o%02d", i), testT0.Add(time.Duration(i)*time.Minute), "3.00", ""))
	}
	// The upstream fails after 9 records (a 502 mid-read): the job retries
	// and resumes from its last checkpoint.
	h.fake.failReadAfter = 9
	j := syncAndWait(t, h, `{"mode":"full"}`)
	if j.State != store.SyncSucceeded || j.Attempts != 2 {
		t.Fatalf("job: %+v", j)
	}
	p := j.Progress["orders"]
	if !p.Done || p.RecordsWritten != 25 || p.RecordsChanged != 25 || p.Cursor == "" {
		t.Fatalf("progress: %+v", p)
	}
	h.fake.mu.Lock()
	resumedFrom := h.fake.readCalls[1].Cursor
	h.fake.mu.Unlock()
	if resumedFrom == "" || !strings.HasSuffix(resumedFrom, "/o07") {
		t.Fatalf("the retry resumed from %q, want the checkpoint after o07", resumedFrom)
	}
	n, _ := h.st.CountRecords(context.Background(), commerce.KindOrder, "shop")
	if n != 25 {
		t.Fatalf("%d orders stored, want 25", n)
	}
	// New and changed upstream orders: an incremental sync reads only them.
	h.fake.put(makeOrder("o03", testT0.Add(2*time.Hour), "9.00", ""))
	h.fake.put(makeOrder("o99", testT0.Add(3*time.Hour), "4.00", ""))
	j = syncAndWait(t, h, `{"streams":["orders"]}`)
	if j.State != store.SyncSucceeded || j.Progress["orders"].RecordsRead != 2 {
		t.Fatalf("incremental: %+v", j.Progress["orders"])
	}
	if o := h.storedOrder("o03"); o.Total.Shop.Amount.String() != "9" {
		t.Fatalf("o03 not updated: %s", o.Total.Shop.Amount)
	}
	// Bad requests.
	var e map[string]any
	if code := h.call("POST", "/v1/connections/shop/syncs", `{"streams":["refunds"]}`, &e); code != 400 {
		t.Fatalf("unknown stream: %d", code)
	}
	if code := h.call("POST", "/v1/connections/shop/syncs", `{"mode":"partial"}`, &e); code != 400 {
		t.Fatalf("bad mode: %d", code)
	}
	if code := h.call("POST", "/v1/connections/nope/syncs", `{}`, &e); code != 404 {
		t.Fatalf("unknown connection: %d", code)
	}
}

func TestSyncRejectsInvalidRecordsAndRefusesSuspiciousEmptyReads(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.createConn()
	for i := range 10 {
		h.fake.put(makeOrder(fmt.Sprint("r", i), testT0.Add(time.Duration(i)*time.Minute), "1.00", ""))
	}
	h.fake.invalidEvery = 5
	j := syncAndWait(t, h, `{"mode":"full"}`)
	if j.State != store.SyncSucceeded || j.Progress["orders"].Rejected != 2 || j.Progress["orders"].RecordsWritten != 8 {
		t.Fatalf("job with invalid records: %+v", j.Progress["orders"])
	}
	var rejects struct{ Items []store.Reject }
	h.call("GET", "/v1/rejects?connection=shop", "", &rejects)
	if len(rejects.Items) != 2 || !strings.Contains(rejects.Items[0].Reason, "lines") {
		t.Fatalf("rejects: %+v", rejects.Items)
	}
	// A full read that suddenly returns nothing is not "no data".
	h.fake.invalidEvery = 0
	h.fake.emptyFullRead = true
	j = syncAndWait(t, h, `{"mode":"full"}`)
	if j.State != store.SyncFailed || !strings.Contains(j.Error, "suspiciously empty") {
		t.Fatalf("empty full read: %s %q", j.State, j.Error)
	}
	n, _ := h.st.CountRecords(context.Background(), commerce.KindOrder, "shop")
	if n != 8 {
		t.Fatalf("records changed by an empty read: %d", n)
	}
}

func TestSyncCancelAndAuthFailure(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.createConn()
	for i := range 40 {
		h.fake.put(makeOrder(fmt.Sprint("c", i), testT0.Add(time.Duration(i)*time.Minute), "1.00", ""))
	}
	h.fake.slowRead = 100 * time.Millisecond
	var j jobView
	h.call("POST", "/v1/connections/shop/syncs", `{"mode":"full"}`, &j)
	<-h.fake.readStarted
	var c jobView
	if code := h.call("POST", fmt.Sprintf("/v1/syncs/%d/cancel", j.ID), "", &c); code != 200 {
		t.Fatalf("cancel: %d", code)
	}
	var got jobView
	eventually(t, 10*time.Second, "cancelled", func() bool {
		h.call("GET", fmt.Sprintf("/v1/syncs/%d", j.ID), "", &got)
		return got.State == store.SyncCancelled
	})
	if got.Progress["orders"].RecordsWritten >= 40 {
		t.Fatalf("cancel came too late to test anything: %+v", got.Progress)
	}
	if code := h.call("POST", fmt.Sprintf("/v1/syncs/%d/cancel", j.ID), "", nil); code != 409 {
		t.Fatalf("cancel an ended job: %d", code)
	}
	// An authentication error fails the job at once and marks the connection.
	h.fake.slowRead = 0
	h.fake.failReadAfter = 1
	h.fake.failReadErr = sdk.Authentication("fake: token revoked")
	j = syncAndWait(t, h, `{"mode":"full"}`)
	if j.State != store.SyncFailed || j.Attempts != 1 {
		t.Fatalf("auth failure: %+v", j)
	}
	var v struct{ Health struct{ Status string } }
	h.call("GET", "/v1/connections/shop", "", &v)
	if v.Health.Status != StatusError {
		t.Fatalf("connection health after auth failure: %s", v.Health.Status)
	}
}

// TestKilledInstanceResumes stops one ingress mid-job without finishing
// it (as a crash would) and starts another on the same store: the job is
// taken over when its lease expires and finishes with every record once.
func TestKilledInstanceResumes(t *testing.T) {
	cfg := testConfig()
	cfg.Lease = 300 * time.Millisecond
	h := newHarness(t, nil, cfg)
	h.createConn()
	for i := range 30 {
		h.fake.put(makeOrder(fmt.Sprintf("k%02d", i), testT0.Add(time.Duration(i)*time.Minute), "2.00", ""))
	}
	h.fake.slowRead = 50 * time.Millisecond
	var j jobView
	h.call("POST", "/v1/connections/shop/syncs", `{"mode":"full"}`, &j)
	eventually(t, 5*time.Second, "some progress", func() bool {
		jj, _ := h.st.GetSyncJob(context.Background(), j.ID)
		return jj.Progress["orders"].Checkpoints >= 3
	})
	h.stop() // the instance goes away mid-read
	h.fake.slowRead = 0
	h2 := &harness{t: t, st: h.st, fake: h.fake, srv: h.srv, admin: h.admin}
	box, _ := secrets.New(make([]byte, 32))
	h2.in = New(cfg, h.st, Static{"fake": h.fake}, box, nil, nil)
	h2.start()
	defer h2.stop()
	var got *store.SyncJob
	eventually(t, 10*time.Second, "job finished by the second instance", func() bool {
		got, _ = h.st.GetSyncJob(context.Background(), j.ID)
		return got.State == store.SyncSucceeded
	})
	if got.Attempts < 2 {
		t.Fatalf("attempts %d: the job was not taken over", got.Attempts)
	}
	n, _ := h.st.CountRecords(context.Background(), commerce.KindOrder, "shop")
	if n != 30 {
		t.Fatalf("%d orders, want 30", n)
	}
	h.fake.mu.Lock()
	last := h.fake.readCalls[len(h.fake.readCalls)-1]
	h.fake.mu.Unlock()
	if last.Cursor == "" {
		t.Fatal("the second instance started over instead of resuming from the checkpoint")
	}
}

func TestSyncEventsStreamProgress(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.createConn()
	for i := range 12 {
		h.fake.put(makeOrder(fmt.Sprint("s", i), testT0.Add(time.Duration(i)*time.Minute), "1.00", ""))
	}
	h.fake.slowRead = 30 * time.Millisecond
	var j jobView
	h.call("POST", "/v1/connections/shop/syncs", `{"mode":"full"}`, &j)
	resp, err := http.Get(fmt.Sprintf("%s/v1/syncs/%d/events?access_token=%s", h.srv.URL, j.ID, h.admin))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	b, _ := io.ReadAll(resp.Body)
	events := strings.Count(string(b), "event: progress")
	if events < 2 || !strings.Contains(string(b), "event: done") || !bytes.Contains(b, []byte(`"state":"succeeded"`)) {
		t.Fatalf("SSE stream had %d progress events:\n%s", events, b)
	}
}

func TestWebhookActions(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.createConn()
	ctx := context.Background()
	h.deliver("shop", "a1", orderBody("3001", testT0, "7.00", "ann@example.com"), true)
	h.deliver("shop", "a2", orderBody("3002", testT0, "8.00", "bob@example.com"), true)
	eventually(t, 5*time.Second, "orders stored", func() bool { return h.storedOrder("3001") != nil && h.storedOrder("3002") != nil })
	_, ack := h.deliver("shop", "redact-1", `{"redact":"ann@example.com"}`, true)
	var e *store.InboxEvent
	eventually(t, 5*time.Second, "redaction processed", func() bool {
		e, _ = h.st.GetInbox(ctx, mustID(ack["id"]))
		return e.Status == store.InboxProcessed
	})
	if !strings.Contains(string(e.Result), "removed name, e-mail") || !strings.Contains(string(e.Result), "3001") {
		t.Fatalf("redaction result does not say what it did: %s", e.Result)
	}
	o := h.storedOrder("3001")
	if o.Customer.Email != "" || !o.Customer.Redacted || o.ShippingAddress.Line1 != "" || o.ShippingAddress.CountryCode != "US" {
		t.Fatalf("order not redacted: %+v %+v", o.Customer, o.ShippingAddress)
	}
	if h.storedOrder("3002").Customer.Email != "bob@example.com" {
		t.Fatal("another customer was redacted")
	}
	// A later delivery about the redacted customer is stored redacted.
	h.deliver("shop", "a3", orderBody("3001", testT0.Add(time.Hour), "7.50", "ann@example.com"), true)
	eventually(t, 5*time.Second, "update stored", func() bool { return h.storedOrder("3001").Total.Shop.Amount.String() == "7.5" })
	if o := h.storedOrder("3001"); o.Customer.Email != "" || !o.Customer.Redacted {
		t.Fatalf("redacted data came back: %+v", o.Customer)
	}
	// A re-read action queues a targeted sync.
	h.fake.put(makeOrder("3003", testT0, "1.00", ""))
	h.deliver("shop", "reread-1", `{"reread":"3003"}`, true)
	eventually(t, 5*time.Second, "re-read order stored", func() bool { return h.storedOrder("3003") != nil })
	jobs, _, _ := h.st.ListSyncJobs(ctx, store.SyncQuery{Connection: "shop"})
	if len(jobs) != 1 || jobs[0].Trigger != "webhook" || len(jobs[0].IDs) != 1 {
		t.Fatalf("re-read job: %+v", jobs)
	}
}

func TestWriteback(t *testing.T) {
	h := newHarness(t, nil, testConfig())
	h.createConn()
	ctx := context.Background()
	lvl := `{"source":{"connection":"","external_id":"SKU-1@loc"},"updated_at":"2026-03-01T10:00:00Z","sku":"SKU-1","location_id":"loc","on_hand":5,"committed":0,"available":5,"incoming":0}`
	var ack struct {
		ID        string
		Duplicate bool
	}
	if code := h.call("POST", "/v1/connections/shop/writebacks", `{"action":"set_inventory","idempotency_key":"ats-1","kind":"inventory_level","record":`+lvl+`}`, &ack); code != 202 || ack.Duplicate {
		t.Fatalf("enqueue: %d %+v", code, ack)
	}
	eventually(t, 5*time.Second, "write-back applied", func() bool {
		w, _ := h.st.GetWriteback(ctx, mustID(ack.ID))
		return w.Status == store.WritebackSucceeded && w.ExternalID == "up-ats-1"
	})
	var dup struct{ Duplicate bool }
	h.call("POST", "/v1/connections/shop/writebacks", `{"action":"set_inventory","idempotency_key":"ats-1","kind":"inventory_level","record":`+lvl+`}`, &dup)
	if !dup.Duplicate {
		t.Fatal("same idempotency key enqueued twice")
	}
	// Retries, then the dead-letter list, then replay.
	h.fake.mu.Lock()
	h.fake.writeFailures = 3
	h.fake.mu.Unlock()
	id, _, err := h.in.EnqueueWriteback(ctx, "shop", sdk.ActionSetInventory, "ats-2", makeLevel())
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "write-back dead", func() bool {
		w, _ := h.st.GetWriteback(ctx, id)
		return w.Status == store.WritebackDead && w.Attempts == 3
	})
	var rep struct{ Replayed bool }
	h.call("POST", fmt.Sprintf("/v1/writebacks/%d/replay", id), "", &rep)
	eventually(t, 5*time.Second, "replayed write-back applied", func() bool {
		w, _ := h.st.GetWriteback(ctx, id)
		return w.Status == store.WritebackSucceeded
	})
	h.fake.mu.Lock()
	applied := h.fake.writes["ats-1"] + h.fake.writes["ats-2"]
	h.fake.mu.Unlock()
	if applied != 2 {
		t.Fatalf("upstream applied %d changes, want each once", applied)
	}
	// A permanent failure goes straight to the dead-letter list.
	h.fake.mu.Lock()
	h.fake.writeFailures, h.fake.writeFailKind = 1, sdk.KindPermanent
	h.fake.mu.Unlock()
	id, _, _ = h.in.EnqueueWriteback(ctx, "shop", sdk.ActionSetInventory, "ats-3", makeLevel())
	eventually(t, 5*time.Second, "permanent failure dead", func() bool {
		w, _ := h.st.GetWriteback(ctx, id)
		return w.Status == store.WritebackDead && w.Attempts == 1
	})
	if _, _, err := h.in.EnqueueWriteback(ctx, "shop", sdk.ActionCreateFulfillment, "x", makeLevel()); err == nil {
		t.Fatal("an action the connector does not accept was queued")
	}
}

func makeLevel() *commerce.InventoryLevel {
	return &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{ExternalID: "SKU-2@loc"}, UpdatedAt: testT0}, SKU: "SKU-2", LocationID: "loc", Available: 3, OnHand: 3}
}

func TestScheduler(t *testing.T) {
	cfg := testConfig()
	h := newHarness(t, nil, cfg)
	h.createConn()
	ctx := context.Background()
	now := time.Now()
	if err := h.in.scheduleOnce(ctx, now, time.Hour); err != nil {
		t.Fatal(err)
	}
	jobs, _, _ := h.st.ListSyncJobs(ctx, store.SyncQuery{Connection: "shop"})
	if len(jobs) != 1 || jobs[0].Trigger != "schedule" || jobs[0].Mode != sdk.ModeIncremental {
		t.Fatalf("scheduled: %+v", jobs)
	}
	h.in.scheduleOnce(ctx, now.Add(time.Minute), time.Hour) //nolint:errcheck
	jobs, _, _ = h.st.ListSyncJobs(ctx, store.SyncQuery{Connection: "shop"})
	if len(jobs) != 1 {
		t.Fatalf("scheduled twice within the interval: %d jobs", len(jobs))
	}
	eventually(t, 5*time.Second, "scheduled job done", func() bool {
		j, _ := h.st.GetSyncJob(ctx, jobs[0].ID)
		return j.State == store.SyncSucceeded
	})
	h.in.scheduleOnce(ctx, now.Add(2*time.Hour), time.Hour) //nolint:errcheck
	jobs, _, _ = h.st.ListSyncJobs(ctx, store.SyncQuery{Connection: "shop"})
	if len(jobs) != 2 {
		t.Fatalf("not rescheduled after the interval: %d jobs", len(jobs))
	}
	// Paused connections are not scheduled.
	paused := StatusPaused
	h.in.UpdateConnection(ctx, "shop", UpdateRequest{Status: &paused}) //nolint:errcheck
	h.in.scheduleOnce(ctx, now.Add(5*time.Hour), time.Hour)            //nolint:errcheck
	jobs, _, _ = h.st.ListSyncJobs(ctx, store.SyncQuery{Connection: "shop"})
	if len(jobs) != 2 {
		t.Fatalf("a paused connection was scheduled")
	}
}
