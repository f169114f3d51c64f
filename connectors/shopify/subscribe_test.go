package shopify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
)

const testCallback = "https://gateway.example.com/webhooks/shop-1"

func ensure(t *testing.T, c *Connector, srv *shopifytest.Server, callback string) *sdk.EnsureWebhooksResponse {
	t.Helper()
	res, err := c.EnsureWebhooks(context.Background(), sdk.EnsureWebhooksRequest{Connection: "shop-1", Config: config(t, srv, nil), CallbackURL: callback})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// actions maps each topic to its action (the last result wins when a
// topic appears twice).
func actions(res *sdk.EnsureWebhooksResponse) map[string]string {
	out := map[string]string{}
	for _, r := range res.Results {
		out[r.Topic] = r.Action
	}
	return out
}

// subsAt returns the fake's subscriptions at uri, by topic.
func subsAt(srv *shopifytest.Server, uri string) map[string]int {
	out := map[string]int{}
	for _, s := range srv.WebhookSubscriptions() {
		if s.URI == uri {
			out[s.Topic]++
		}
	}
	return out
}

func TestEnsureWebhooksCreatesThenChangesNothing(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{})
	c := New()
	first := ensure(t, c, srv, testCallback)
	got := actions(first)
	for _, wt := range WebhookTopics {
		if got[wt.Topic] != sdk.SubscriptionCreated {
			t.Errorf("%s: action %q, want created", wt.Topic, got[wt.Topic])
		}
	}
	for _, ct := range ComplianceTopics {
		if got[ct] != sdk.SubscriptionSkipped {
			t.Errorf("compliance topic %s: action %q, want skipped", ct, got[ct])
		}
	}
	if len(first.Results) != len(WebhookTopics)+len(ComplianceTopics) {
		t.Fatalf("%d results, want %d", len(first.Results), len(WebhookTopics)+len(ComplianceTopics))
	}
	at := subsAt(srv, testCallback)
	if len(at) != len(WebhookTopics) {
		t.Fatalf("the shop holds subscriptions for %v at the callback, want the %d topics", at, len(WebhookTopics))
	}
	ids := map[string]string{}
	for _, r := range first.Results {
		if r.Action == sdk.SubscriptionCreated {
			if !strings.HasPrefix(r.SubscriptionID, "gid://shopify/WebhookSubscription/") {
				t.Errorf("%s: subscription id %q", r.Topic, r.SubscriptionID)
			}
			ids[r.Topic] = r.SubscriptionID
		}
	}
	for _, s := range srv.WebhookSubscriptions() {
		if ids[s.Topic] != s.ID || s.Format != "JSON" {
			t.Errorf("shop holds %+v; the result said %s", s, ids[s.Topic])
		}
	}

	second := ensure(t, c, srv, testCallback)
	for _, r := range second.Results {
		want := sdk.SubscriptionUnchanged
		if slices.Contains(ComplianceTopics, r.Topic) {
			want = sdk.SubscriptionSkipped
		}
		if r.Action != want || r.Error != nil && want != sdk.SubscriptionSkipped {
			t.Errorf("second call: %s %s (%v), want %s", r.Topic, r.Action, r.Error, want)
		}
		if want == sdk.SubscriptionUnchanged && r.SubscriptionID != ids[r.Topic] {
			t.Errorf("second call: %s id %s, want %s", r.Topic, r.SubscriptionID, ids[r.Topic])
		}
	}
	if n := len(srv.WebhookSubscriptions()); n != len(WebhookTopics) {
		t.Fatalf("after the second call the shop holds %d subscriptions, want %d", n, len(WebhookTopics))
	}
}

func TestEnsureWebhooksRepointsAndCleansUp(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{})
	// 120 subscriptions of the app elsewhere put the ones that matter on
	// the second page of webhookSubscriptions.
	for i := range 120 {
		if _, err := srv.AddWebhookSubscription("products/update", fmt.Sprintf("https://gw%d.example.com/hook", i)); err != nil {
			t.Fatal(err)
		}
	}
	old, err := srv.AddWebhookSubscription("orders/create", "https://old-gateway.example.com/webhooks/shop-1")
	if err != nil {
		t.Fatal(err)
	}
	stale, err := srv.AddWebhookSubscription("carts/create", testCallback) // no longer wanted
	if err != nil {
		t.Fatal(err)
	}
	other, err := srv.AddWebhookSubscription("carts/create", "https://someone-else.example.com/hook")
	if err != nil {
		t.Fatal(err)
	}
	res := ensure(t, New(), srv, testCallback)
	var sawStale bool
	for _, r := range res.Results {
		switch r.Topic {
		case "orders/create":
			if r.Action != sdk.SubscriptionUpdated || r.SubscriptionID != old.ID {
				t.Errorf("orders/create: %s %s, want updated %s", r.Action, r.SubscriptionID, old.ID)
			}
		case "carts/create":
			sawStale = true
			if r.Action != sdk.SubscriptionDeleted || r.SubscriptionID != stale.ID {
				t.Errorf("carts/create: %s %s, want deleted %s", r.Action, r.SubscriptionID, stale.ID)
			}
		}
	}
	if !sawStale {
		t.Error("the stale carts/create subscription at the callback was not reported")
	}
	byID := map[string]shopifytest.WebhookSubscription{}
	for _, s := range srv.WebhookSubscriptions() {
		byID[s.ID] = s
	}
	if byID[old.ID].URI != testCallback {
		t.Errorf("orders/create still points at %q", byID[old.ID].URI)
	}
	if _, ok := byID[stale.ID]; ok {
		t.Error("the stale subscription is still there")
	}
	if byID[other.ID].URI != other.URI {
		t.Error("a subscription to another address was touched")
	}
	if n := subsAt(srv, testCallback)["orders/create"]; n != 1 {
		t.Errorf("%d orders/create subscriptions at the callback, want 1", n)
	}
}

func TestEnsureWebhooksReportsRefusedTopics(t *testing.T) {
	t.Parallel()
	// A token without read_inventory: the inventory_levels/* topics fail
	// with the scope to grant, the other topics are subscribed.
	scopes := slices.DeleteFunc(slices.Clone(shopifytest.DefaultScopes), func(s string) bool { return strings.HasSuffix(s, "_inventory") })
	srv := newShop(t, shopifytest.Options{Scopes: scopes})
	res := ensure(t, New(), srv, testCallback)
	for _, r := range res.Results {
		switch {
		case strings.HasPrefix(r.Topic, "inventory_levels/"):
			if r.Action != sdk.SubscriptionFailed || r.Error == nil || !strings.Contains(r.Error.Error(), "read_inventory") {
				t.Errorf("%s: %s %v, want failed naming read_inventory", r.Topic, r.Action, r.Error)
			}
		case slices.Contains(ComplianceTopics, r.Topic):
			if r.Error == nil || r.Error.Kind != sdk.KindNotImplemented || !strings.Contains(r.Error.Error(), "compliance") ||
				!strings.Contains(r.Error.Detail, testCallback) {
				t.Errorf("%s: %v, want a not-implemented note on compliance topics naming the URL", r.Topic, r.Error)
			}
		default:
			if r.Action != sdk.SubscriptionCreated {
				t.Errorf("%s: %s %v, want created", r.Topic, r.Action, r.Error)
			}
		}
	}
	for topic, n := range subsAt(srv, testCallback) {
		if strings.HasPrefix(topic, "inventory_levels/") && n != 0 {
			t.Errorf("%s was subscribed without the scope", topic)
		}
	}

	// Shopify refuses the address (http): every topic fails with its
	// message, and the call itself does not.
	srv2 := newShop(t, shopifytest.Options{})
	res = ensure(t, New(), srv2, "http://gateway.example.com/webhooks/shop-1")
	for _, r := range res.Results {
		if slices.Contains(ComplianceTopics, r.Topic) {
			continue
		}
		if r.Action != sdk.SubscriptionFailed || r.Error == nil || !strings.Contains(r.Error.Error(), "http:// is not supported") {
			t.Errorf("%s: %s %v, want failed quoting Shopify", r.Topic, r.Action, r.Error)
		}
	}
	if n := len(srv2.WebhookSubscriptions()); n != 0 {
		t.Errorf("%d subscriptions created for a refused address", n)
	}
}

func TestEnsureWebhooksRefusesBadInput(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{})
	c := New()
	for _, cb := range []string{"", "gateway/webhooks/x", "ftp://gateway.example.com/x"} {
		_, err := c.EnsureWebhooks(context.Background(), sdk.EnsureWebhooksRequest{Config: config(t, srv, nil), CallbackURL: cb})
		if sdk.KindOf(err) != sdk.KindInvalidInput {
			t.Errorf("callback %q: %v, want invalid input", cb, err)
		}
	}
	_, err := c.EnsureWebhooks(context.Background(), sdk.EnsureWebhooksRequest{Config: config(t, srv, map[string]any{"access_token": "shpat_wrong"}),
		CallbackURL: testCallback})
	if sdk.KindOf(err) != sdk.KindAuthentication {
		t.Errorf("wrong token: %v (kind %s), want authentication", err, sdk.KindOf(err))
	}
}

// The fake delivers a change to the subscriptions it holds, signed, each
// with its own webhook id, beside the StartWebhookDelivery URL.
func TestFakeDeliversToSubscriptions(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string][]http.Header{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Shopify-Hmac-Sha256") != shopifytest.Sign(testSecret, body) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got[r.URL.Path] = append(got[r.URL.Path], r.Header.Clone())
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	srv := newShop(t, shopifytest.Options{Orders: 3, AllowHTTPCallbacks: true})
	srv.StartWebhookDelivery(recv.URL+"/legacy", "orders/create")
	res := ensure(t, New(), srv, recv.URL+"/webhooks/shop-1")
	if actions(res)["orders/create"] != sdk.SubscriptionCreated {
		t.Fatalf("results %+v", res.Results)
	}
	if _, err := srv.CreateOrder(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	sub, legacy := got["/webhooks/shop-1"], got["/legacy"]
	if len(legacy) != 1 || len(sub) != 1 || sub[0].Get("X-Shopify-Topic") != "orders/create" {
		t.Fatalf("subscription got %d deliveries, legacy URL %d; want one orders/create each", len(sub), len(legacy))
	}
	if sub[0].Get("X-Shopify-Webhook-Id") == legacy[0].Get("X-Shopify-Webhook-Id") {
		t.Error("two deliveries share a webhook id")
	}
	if sub[0].Get("X-Shopify-Event-Id") != legacy[0].Get("X-Shopify-Event-Id") {
		t.Error("the deliveries of one event carry different event ids")
	}
	var fromSub int
	for _, d := range srv.Deliveries() {
		if d.SubscriptionID != "" {
			fromSub++
			if d.URL != recv.URL+"/webhooks/shop-1" {
				t.Errorf("delivery %+v", d)
			}
		}
	}
	if fromSub != 1 {
		t.Errorf("%d deliveries attributed to a subscription, want 1", fromSub)
	}
}
