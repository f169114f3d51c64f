package e2e

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

type recommendationPush struct {
	Queued   int `json:"queued"`
	Channels []struct {
		Channel   string `json:"channel"`
		Products  int    `json:"products"`
		Queued    int    `json:"queued"`
		Unchanged int    `json:"unchanged"`
		Error     string `json:"error"`
	} `json:"channels"`
}

// TestRecommendationsReachShopify runs the gateway with the Shopify plugin
// and planning.recommend.channels set: it syncs a fake shop's products
// and orders, pushes the frequently-bought-together lists over the API,
// and checks that each list the gateway queued is the complementary
// products metafield of the product in the shop; a second push with no
// new orders queues nothing.
func TestRecommendationsReachShopify(t *testing.T) {
	bin, plugins := gatewayBuild(t)
	shop, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_e2e", ClientSecret: "e2e-secret", Orders: 600, Products: 12, Seed: 31, RestoreRate: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	defer shop.Close()
	addr := freeAddr(t)
	g := startGateway(t, bin, plugins, t.TempDir(), addr, "SUPPLYHUB_INGRESS_SCHEDULE=-1s", "SUPPLYHUB_PLANNING_EVERY=-1s",
		"SUPPLYHUB_RECOMMEND_CHANNELS=shop", "SUPPLYHUB_RECOMMEND_K=4")
	token := g.bootstrapToken()
	createShopifyConnection(t, addr, token, shop)
	syncAndWait(t, addr, token, "shop", map[string]any{"streams": []string{"products", "orders"}, "mode": "full"}, 2*time.Minute)

	// Orders reach the model through their events: push until a push finds
	// every list as it was (the model has caught up and stopped changing).
	var res recommendationPush
	queued := 0
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code := apiCall(t, addr, token, "POST", "/v1/recommendations/push", nil, &res); code != 200 {
			t.Fatalf("push: %d %+v", code, res)
		}
		if len(res.Channels) != 1 || res.Channels[0].Channel != "shop" || res.Channels[0].Error != "" || res.Channels[0].Products != 12 {
			t.Fatalf("push answer %+v", res)
		}
		queued += res.Queued
		if res.Queued == 0 && res.Channels[0].Unchanged > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lists never settled; last push %+v\n%s", res, g.stderr)
		}
		time.Sleep(300 * time.Millisecond)
	}
	ws := waitWritebacks(t, addr, token, "shop", queued, time.Minute)
	if len(ws) != queued {
		t.Fatalf("%d write-backs for %d queued lists", len(ws), queued)
	}

	// The last list queued for each product is what the shop shows.
	var page struct {
		Items []struct {
			Action string          `json:"action"`
			Status string          `json:"status"`
			Record json.RawMessage `json:"record"`
		} `json:"items"`
	}
	if code := apiCall(t, addr, token, "GET", "/v1/writebacks?limit=1000&connection=shop", nil, &page); code != 200 {
		t.Fatalf("list write-backs: %d", code)
	}
	latest := map[string][]string{}
	for i := len(page.Items) - 1; i >= 0; i-- { // newest first: walk oldest to newest
		it := page.Items[i]
		rec, err := commerce.DecodeValid(commerce.KindProductRecommendations, it.Record)
		if err != nil || it.Action != "set_recommendations" || it.Status != "succeeded" {
			t.Fatalf("write-back %s %s: %v", it.Action, it.Status, err)
		}
		pr := rec.(*commerce.ProductRecommendations)
		latest[pr.Source.ExternalID] = pr.ProductIDs()
	}
	if len(latest) < 3 {
		t.Fatalf("only %d products got a list from 600 orders", len(latest))
	}
	for product, ids := range latest {
		if len(ids) > 4 {
			t.Fatalf("%s: %d items, k is 4", product, len(ids))
		}
		got := shop.ProductReferences(product, shopifytest.RecommendationNamespace, shopifytest.ComplementaryKey)
		if !slices.Equal(got, ids) {
			t.Fatalf("%s shows %v, the gateway pushed %v", product, got, ids)
		}
	}
	// Same model, same lists: nothing new.
	if code := apiCall(t, addr, token, "POST", "/v1/recommendations/push", nil, &res); code != 200 || res.Queued != 0 {
		t.Fatalf("a push without new orders queued %d: %d %+v", res.Queued, code, res)
	}
	products := listRecords(t, addr, token, "products", commerce.KindProduct, url.Values{"connection": {"shop"}})
	t.Logf("%d products, %d with a list, %d lists queued in all", len(products), len(latest), queued)
}
