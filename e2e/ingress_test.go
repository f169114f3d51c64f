package e2e

import (
	"bytes"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
)

// delivery is one signed Shopify webhook, kept so that it can be
// redelivered byte for byte.
type delivery struct {
	orderGID string
	body     []byte
	header   http.Header
}

func (d delivery) id() string { return d.header.Get("X-Shopify-Webhook-Id") }

func (d delivery) post(addr string) (int, error) {
	req, _ := http.NewRequest("POST", "http://"+addr+"/webhooks/shop", bytes.NewReader(d.body))
	req.Header = d.header.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// shopifyDeliveries prepares an orders/updated delivery for each order of
// the fake shop.
func shopifyDeliveries(t testing.TB, fake *shopifytest.Server, n int) []delivery {
	t.Helper()
	var ds []delivery
	fake.EachOrder(func(o shopifytest.OrderSummary) bool {
		body, ok := fake.OrderJSON(o.GID)
		if !ok {
			t.Fatalf("no JSON for %s", o.GID)
		}
		ds = append(ds, delivery{orderGID: o.GID, body: body, header: fake.WebhookHeaders("orders/updated", body)})
		return len(ds) < n
	})
	return ds
}

func createShopifyConnection(t testing.TB, addr, token string, fake *shopifytest.Server) {
	t.Helper()
	u, _ := url.Parse(fake.URL)
	var out map[string]any
	code := apiCall(t, addr, token, "POST", "/v1/connections", map[string]any{
		"id": "shop", "connector": "shopify", "name": "E2E shop",
		"config": map[string]any{"shop_domain": "supplyhub-demo.myshopify.com", "access_token": "shpat_e2e",
			"client_secret": "e2e-secret", "api_version": "2026-01", "base_url": u.String()},
	}, &out)
	if code != 201 {
		t.Fatalf("create connection: %d %v", code, out)
	}
}

// waitSettled waits until no inbox event of the connection is pending,
// processing or retrying.
func waitSettled(t testing.TB, addr, token string, want int, timeout time.Duration) []inboxEvent {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var evs []inboxEvent
	for time.Now().Before(deadline) {
		evs = allInboxEvents(t, addr, token, "shop")
		settled := len(evs) >= want
		for _, e := range evs {
			if e.Status != "processed" && e.Status != "dead" {
				settled = false
			}
		}
		if settled {
			return evs
		}
		time.Sleep(200 * time.Millisecond)
	}
	counts := map[string]int{}
	for _, e := range evs {
		counts[e.Status]++
	}
	t.Fatalf("inbox not settled after %v: %d events %v", timeout, len(evs), counts)
	return nil
}

// TestAcknowledgedWebhooksSurviveSIGKILL kills the gateway with SIGKILL
// during a burst of concurrent signed webhooks, starts it again, and checks
// that every delivery that got a 2xx is stored and processed exactly once.
func TestAcknowledgedWebhooksSurviveSIGKILL(t *testing.T) {
	start := time.Now()
	bin, plugins := gatewayBuild(t)
	t.Logf("built in %v", time.Since(start).Round(time.Millisecond))
	fake, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_e2e", ClientSecret: "e2e-secret", Orders: 600, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	data, addr := t.TempDir(), freeAddr(t)
	g := startGateway(t, bin, plugins, data, addr)
	token := g.bootstrapToken()
	createShopifyConnection(t, addr, token, fake)
	ds := shopifyDeliveries(t, fake, 600)

	var acked sync.Map // webhook id -> delivery
	var nAcked, nFailed atomic.Int64
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ds) {
					return
				}
				code, err := ds[i].post(addr)
				if err == nil && code >= 200 && code < 300 {
					acked.Store(ds[i].id(), ds[i])
					nAcked.Add(1)
				} else {
					nFailed.Add(1)
				}
			}
		}()
	}
	// Kill mid-burst.
	for nAcked.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	if err := g.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	g.cmd.Wait() //nolint:errcheck
	t.Logf("before SIGKILL and during it: %d deliveries acknowledged, %d failed", nAcked.Load(), nFailed.Load())
	if nFailed.Load() == 0 {
		t.Fatal("the kill came after the burst; the test proved nothing")
	}

	startGateway(t, bin, plugins, data, addr)
	t.Logf("restarted at %v", time.Since(start).Round(time.Millisecond))
	evs := waitSettled(t, addr, token, int(nAcked.Load()), 3*time.Minute)
	byID := map[string]int{}
	for _, e := range evs {
		byID[e.DedupeKey]++
		if e.Status != "processed" {
			t.Errorf("event %s is %s: %s", e.ID, e.Status, e.LastError)
		}
	}
	missing := 0
	acked.Range(func(k, v any) bool {
		switch byID[k.(string)] {
		case 0:
			missing++
		case 1:
		default:
			t.Errorf("delivery %s stored %d times", k, byID[k.(string)])
		}
		return true
	})
	if missing > 0 {
		t.Fatalf("%d acknowledged deliveries were lost", missing)
	}
	t.Logf("settled at %v", time.Since(start).Round(time.Millisecond))
	// Every acknowledged order is in the store, once.
	checked := 0
	acked.Range(func(_, v any) bool {
		d := v.(delivery)
		var page struct{ Items []map[string]any }
		apiCall(t, addr, token, "GET", "/v1/orders?connection=shop&external_id="+url.QueryEscape(d.orderGID), nil, &page)
		if len(page.Items) != 1 {
			t.Errorf("order %s: %d records", d.orderGID, len(page.Items))
		}
		checked++
		return checked < 100 // a sample keeps the test quick
	})
	// Redelivering everything stores only what was missing.
	dups := 0
	for _, d := range ds {
		code, err := d.post(addr)
		if err != nil || code != 200 {
			t.Fatalf("redelivery: %d %v", code, err)
		}
		if _, ok := acked.Load(d.id()); ok {
			dups++
		}
	}
	t.Logf("redelivered at %v", time.Since(start).Round(time.Millisecond))
	evs = waitSettled(t, addr, token, len(ds), 3*time.Minute)
	if len(evs) != len(ds) {
		t.Fatalf("%d inbox events after redelivering %d distinct deliveries", len(evs), len(ds))
	}
	t.Logf("after restart: %d events processed, %d redeliveries absorbed as duplicates", len(evs), dups)
}
