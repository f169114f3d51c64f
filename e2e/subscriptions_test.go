package e2e

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
)

// subscriptionReport is the part of the subscribe answer the test reads.
type subscriptionReport struct {
	Trigger     string         `json:"trigger"`
	CallbackURL string         `json:"callback_url"`
	Counts      map[string]int `json:"counts"`
	Results     []struct {
		Topic, Action  string
		SubscriptionID string `json:"subscription_id"`
	} `json:"results"`
}

// TestShopifyWebhooksThroughSubscriptions runs the real gateway with a
// public URL and the Shopify plugin against the fake shop, which delivers
// webhooks only to the subscriptions it holds: creating the connection
// subscribes it, POST .../webhooks/subscribe then changes nothing, and an
// order placed in the shop arrives through its subscription as a signed
// webhook that the gateway verifies, stores and processes into an order.
func TestShopifyWebhooksThroughSubscriptions(t *testing.T) {
	start := time.Now()
	bin, plugins := gatewayBuild(t)
	fake, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_e2e", ClientSecret: "e2e-secret", Orders: 5, Seed: 3,
		AllowHTTPCallbacks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	data, addr := t.TempDir(), freeAddr(t)
	public := "http://" + addr
	g := startGateway(t, bin, plugins, data, addr, "SUPPLYHUB_PUBLIC_URL="+public)
	token := g.bootstrapToken()
	createShopifyConnection(t, addr, token, fake)
	callback := public + "/webhooks/shop"

	var conn struct {
		PublicWebhookURL     string              `json:"public_webhook_url"`
		WebhookSubscriptions *subscriptionReport `json:"webhook_subscriptions"`
	}
	if code := apiCall(t, addr, token, "GET", "/v1/connections/shop", nil, &conn); code != 200 {
		t.Fatalf("get connection: %d", code)
	}
	rep := conn.WebhookSubscriptions
	if rep == nil || rep.Trigger != "connection_created" || rep.CallbackURL != callback || rep.Counts["created"] != len(shopify.WebhookTopics) ||
		conn.PublicWebhookURL != callback {
		t.Fatalf("after create: %+v %+v\n%s", conn, rep, g.stderr)
	}

	var again subscriptionReport
	if code := apiCall(t, addr, token, "POST", "/v1/connections/shop/webhooks/subscribe", nil, &again); code != 200 {
		t.Fatalf("subscribe: %d", code)
	}
	if again.Counts["unchanged"] != len(shopify.WebhookTopics) || again.Counts["created"] != 0 || again.Counts["skipped"] != len(shopify.ComplianceTopics) {
		t.Fatalf("second subscribe changed something: %+v", again.Counts)
	}
	subs := fake.WebhookSubscriptions()
	if len(subs) != len(shopify.WebhookTopics) {
		t.Fatalf("the shop holds %d subscriptions, want %d", len(subs), len(shopify.WebhookTopics))
	}
	for _, s := range subs {
		if s.URI != callback {
			t.Fatalf("subscription %+v does not point at %s", s, callback)
		}
	}

	o, err := fake.CreateOrder()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fake.WaitDeliveries(ctx); err != nil {
		t.Fatalf("deliveries: %v %+v", err, fake.Deliveries())
	}
	ds := fake.Deliveries()
	if len(ds) != 1 || ds[0].SubscriptionID == "" || ds[0].Topic != "orders/create" || !ds[0].Done || ds[0].Attempts[0] != "200" {
		t.Fatalf("deliveries: %+v", ds)
	}
	evs := waitSettled(t, addr, token, 1, 10*time.Second)
	if len(evs) != 1 || evs[0].Status != "processed" || evs[0].DedupeKey != ds[0].WebhookID {
		t.Fatalf("inbox: %+v", evs)
	}
	var page struct{ Items []map[string]any }
	apiCall(t, addr, token, "GET", "/v1/orders?connection=shop&external_id="+url.QueryEscape(o.GID), nil, &page)
	if len(page.Items) != 1 {
		t.Fatalf("order %s: %d records", o.GID, len(page.Items))
	}
	t.Logf("subscribed, delivered and processed in %v", time.Since(start).Round(time.Millisecond))
}
