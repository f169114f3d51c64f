package amazon

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/sdk"
)

// gatewayStub verifies and records relayed deliveries as the gateway's
// ingress does: the connector's WebhookSpec checks the token, the dedupe
// key decides duplicates, and the answer is 2xx only once "stored".
type gatewayStub struct {
	*httptest.Server
	mu     sync.Mutex
	spec   *WebhookSpecT
	secret string
	down   bool
	bodies map[string][]byte // dedupe key -> body
	order  []string
	dups   int
}

// WebhookSpecT aliases the sdk type for the stub.
type WebhookSpecT = sdk.WebhookSpec

func newGateway(t testing.TB, secret string) *gatewayStub {
	g := &gatewayStub{spec: WebhookSpec(), secret: secret, bodies: map[string][]byte{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.down {
			http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		if err := g.spec.Verify(g.secret, r.Header, body); err != nil {
			http.Error(w, `{"error":"bad_signature"}`, http.StatusUnauthorized)
			return
		}
		key := r.Header.Get(g.spec.EventIDHeader)
		if _, dup := g.bodies[key]; dup {
			g.dups++
			_, _ = io.WriteString(w, `{"status":"duplicate"}`)
			return
		}
		g.bodies[key] = body
		g.order = append(g.order, key)
		_, _ = io.WriteString(w, `{"status":"accepted"}`)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gatewayStub) stored() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.bodies)
}

// TestRelayAgainstFakeSQS relays the fake's notifications through its
// SigV4-checked SQS: every notification reaches the gateway once, and a
// message leaves the queue only after the gateway stored it; while the
// gateway is down, messages stay and come back after their visibility
// timeout.
func TestRelayAgainstFakeSQS(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 10, Seed: 37})
	gw := newGateway(t, amazontest.DefaultRelaySecret)
	cfg := mustConfig(t, srv.Config(map[string]any{"gateway_webhook_url": gw.URL + "/webhooks/amazon-eu"}))
	rc := RelayConfigFrom(cfg)
	rc.WaitSeconds, rc.VisibilityTimeoutSeconds = 1, 1
	relay, err := NewRelay(rc)
	if err != nil {
		t.Fatal(err)
	}
	ids := srv.OrderIDs()
	for _, id := range ids[:4] {
		if err := srv.UpdateOrder(id); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.NotifyOfferChange("A1PA6795UKMFR9", srv.SKUs()[0]); err != nil {
		t.Fatal(err)
	}
	gw.mu.Lock()
	gw.down = true
	gw.mu.Unlock()
	if n, err := relay.Once(ctxT(t)); err == nil || n != 0 {
		t.Fatalf("relayed %d while the gateway was down: %v", n, err)
	}
	if q := srv.Queue(); q.InFlight+q.Visible != 5 {
		t.Fatalf("queue %+v: no message may leave before the gateway stored it", q)
	}
	gw.mu.Lock()
	gw.down = false
	gw.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for gw.stored() < 5 && time.Now().Before(deadline) {
		if _, err := relay.Once(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	if gw.stored() != 5 {
		t.Fatalf("the gateway stored %d of 5 notifications", gw.stored())
	}
	if q := srv.Queue(); q.InFlight+q.Visible != 0 || q.MaxReceives != 0 {
		t.Fatalf("queue %+v after relaying everything", q)
	}
	// a redelivered notification (Amazon delivers at least once) is a duplicate
	body, _ := srv.OrderChangeNotification(ids[0])
	srv.Notify(gw.bodies[gw.order[0]])
	srv.Notify(body)
	if _, err := relay.Once(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if gw.dups != 1 || gw.stored() != 6 {
		t.Fatalf("dups %d stored %d", gw.dups, gw.stored())
	}
	st := relay.Stats()
	if st.Relayed != 7 || st.Duplicates != 1 || st.Deleted != 7 || st.Failed != 5 {
		t.Fatalf("relay stats %+v", st)
	}
	// ParseWebhook turns the relayed ORDER_CHANGE into a re-read
	res, err := fastConnector().ParseWebhook(ctxT(t), sdk.WebhookRequest{Connection: "c", Config: srv.Config(nil), Body: gw.bodies[gw.order[0]]})
	if err != nil || len(res.Actions) != 1 || res.Actions[0].IDs[0] != ids[0] {
		t.Fatalf("ParseWebhook of a relayed ORDER_CHANGE: %+v %v", res, err)
	}
	// wrong AWS credentials: SQS refuses the signature
	bad := rc
	bad.SecretAccessKey = "wrong"
	br, _ := NewRelay(bad)
	if _, err := br.Once(ctxT(t)); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("a wrongly signed receive: %v", err)
	}
}

// TestPollerInPlugin starts the poller inside the connector with the
// first call for a connection whose configuration enables it, restarts it
// when the configuration changes, and stops it when it no longer does.
func TestPollerInPlugin(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 5, Seed: 41})
	gw := newGateway(t, amazontest.DefaultRelaySecret)
	c := fastConnector()
	defer c.Close()
	cfg := srv.Config(map[string]any{"sqs_poll": true, "gateway_webhook_url": gw.URL + "/webhooks/amazon-eu", "sqs_wait_seconds": 1})
	if _, err := c.Check(ctxT(t), sdk.CheckRequest{Connection: "amazon-eu", Config: cfg}); err != nil {
		t.Fatal(err)
	}
	for _, id := range srv.OrderIDs()[:3] {
		_ = srv.UpdateOrder(id)
	}
	waitFor(t, func() bool { return gw.stored() == 3 }, "the in-plugin poller to relay 3 notifications")
	c.mu.Lock()
	first := c.pollers["amazon-eu"]
	c.mu.Unlock()
	if first == nil {
		t.Fatal("no poller registered")
	}
	// the same configuration keeps the poller
	_, _ = c.ParseWebhook(ctxT(t), sdk.WebhookRequest{Connection: "amazon-eu", Config: cfg, Body: gw.bodies[gw.order[0]]})
	c.mu.Lock()
	same := c.pollers["amazon-eu"] == first
	c.mu.Unlock()
	if !same {
		t.Fatal("an unchanged configuration restarted the poller")
	}
	// polling switched off: the poller stops
	off := srv.Config(map[string]any{"gateway_webhook_url": gw.URL + "/webhooks/amazon-eu"})
	if _, err := c.Check(ctxT(t), sdk.CheckRequest{Connection: "amazon-eu", Config: off}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the poller did not stop")
	}
	_ = srv.UpdateOrder(srv.OrderIDs()[4])
	time.Sleep(300 * time.Millisecond)
	if gw.stored() != 3 {
		t.Fatalf("a stopped poller relayed: %d", gw.stored())
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestParseWebhookErrors: what is not a notification is invalid input;
// a notification of an unknown type is acknowledged with its topic.
func TestParseWebhookErrors(t *testing.T) {
	t.Parallel()
	c := fastConnector()
	cfg := offlineConfig(t, nil)
	for _, body := range []string{`{not json`, `{}`, `{"NotificationType":"ORDER_CHANGE"}`, `{"NotificationType":"ORDER_CHANGE","Payload":{"OrderChangeNotification":{}}}`,
		`{"NotificationType":"FBA_INVENTORY_AVAILABILITY_CHANGES","Payload":{"SKU":""}}`, `{"NotificationType":"ORDER_CHANGE","EventTime":"yesterday","Payload":{}}`,
		`{"notificationType":"REPORT_PROCESSING_FINISHED","payload":{"reportProcessingFinishedNotification":{}}}`} {
		if _, err := c.ParseWebhook(ctxT(t), sdk.WebhookRequest{Connection: "c", Config: cfg, Body: []byte(body)}); sdk.KindOf(err) != sdk.KindInvalidInput {
			t.Errorf("ParseWebhook(%s) = %v, want invalid input", body, err)
		}
	}
	res, err := c.ParseWebhook(ctxT(t), sdk.WebhookRequest{Connection: "c", Config: cfg,
		Body: []byte(`{"NotificationType":"FEED_PROCESSING_FINISHED","Payload":{"feedProcessingFinishedNotification":{}},"NotificationMetadata":{"NotificationId":"n-1"}}`)})
	if err != nil || res.Topic != "FEED_PROCESSING_FINISHED" || res.EventID != "n-1" || len(res.Records)+len(res.Actions) != 0 {
		t.Fatalf("an unknown type: %+v %v", res, err)
	}
	raw, _ := json.Marshal(map[string]any{"detail-type": "LISTINGS_ITEM_MFN_QUANTITY_CHANGE", "id": "evt-1",
		"detail": map[string]any{"EventTime": "2026-03-14T10:04:58Z", "Payload": map[string]any{"Sku": "A", "FulfillmentChannelCode": "AMAZON_EU", "Quantity": 3}}})
	res, err = c.ParseWebhook(ctxT(t), sdk.WebhookRequest{Connection: "c", Config: cfg, Body: raw})
	if err != nil || res.Topic != TypeListingsMFNQuantity || res.EventID != "evt-1" || len(res.Records) != 0 {
		t.Fatalf("an FBA channel quantity change is not MFN stock: %+v %v", res, err)
	}
}

// TestRelayMainVerbose runs the relay command once: -v logs every relayed
// message with its notification id, and the summary counts it.
func TestRelayMainVerbose(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 3, Seed: 11})
	gw := newGateway(t, amazontest.DefaultRelaySecret)
	path := filepath.Join(t.TempDir(), "amazon.json")
	if err := os.WriteFile(path, srv.Config(map[string]any{"gateway_webhook_url": gw.URL + "/webhooks/amazon-eu", "sqs_wait_seconds": 1}), 0o600); err != nil {
		t.Fatal(err)
	}
	id := srv.OrderIDs()[0]
	if err := srv.UpdateOrder(id); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := RelayMain([]string{"-config", path, "-once", "-v"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if gw.stored() != 1 || stdout.String() != "relayed 1 notifications\n" {
		t.Fatalf("stored %d, stdout %q", gw.stored(), stdout.String())
	}
	key := gw.order[0]
	if !strings.Contains(stderr.String(), "amazon relay: relayed") || !strings.Contains(stderr.String(), key) {
		t.Errorf("-v logged no line for notification %s:\n%s", key, stderr.String())
	}
}
