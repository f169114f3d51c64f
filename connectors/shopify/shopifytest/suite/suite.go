// Package suite builds the conformance kit's Suite for the Shopify
// connector against a fake shop, for the connector's own tests and for the
// end-to-end tests that run the kit through the plugin process.
//
// Start with New: conformance.Run(t, suite.New(t, srv, plugin)).
package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// Connection is the connection id the suite uses.
const Connection = "conformance"

// Config returns a connection configuration for srv. The fake must have
// been created with Token "shpat_conformance" and ClientSecret "hush"
// (see Options).
func Config(srv *shopifytest.Server, token string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"shop_domain": "supplyhub-demo.myshopify.com", "access_token": token,
		"client_secret": "hush", "base_url": srv.URL, "request_timeout_seconds": 5, "max_retries": 4})
	return b
}

// Options are the fake shop options the suite expects; callers may change
// Orders, Seed and the bucket.
func Options() shopifytest.Options {
	return shopifytest.Options{Token: "shpat_conformance", ClientSecret: "hush", Orders: 120, Products: 12, Seed: 11, RestoreRate: 100_000}
}

// New returns the Suite for plugin against srv. It picks its fixtures from
// the fake's data and changes the shop (an update whose webhook is missed,
// two updates of one order) while it does.
func New(t testing.TB, srv *shopifytest.Server, plugin sdk.Plugin) conformance.Suite {
	t.Helper()
	var picked []shopifytest.OrderSummary
	var fulfil shopifytest.OrderSummary
	srv.EachOrder(func(o shopifytest.OrderSummary) bool {
		if !o.Cancelled && len(picked) < 4 {
			picked = append(picked, o)
		}
		if fulfil.GID == "" && !o.Cancelled && o.Fulfillments == 0 && o.Fulfillable > 0 && o.FinancialStatus == "paid" {
			fulfil = o
		}
		return len(picked) < 4 || fulfil.GID == ""
	})
	if len(picked) < 4 || fulfil.GID == "" {
		t.Fatalf("suite: the fake shop needs at least 4 orders and an unfulfilled paid one (Options().Orders)")
	}
	return conformance.Suite{
		Plugin:         plugin,
		Connection:     Connection,
		Config:         Config(srv, "shpat_conformance"),
		BadCredentials: Config(srv, "shpat_revoked_token"),
		Upstream:       upstream(srv),
		Webhooks:       webhooks(t, srv, picked),
		Writes:         writes(t, srv, fulfil.GID),
	}
}

func upstream(srv *shopifytest.Server) conformance.Upstream {
	n := 0
	return conformance.Upstream{
		Add: func(ctx context.Context, stream string) (string, error) {
			n++
			switch stream {
			case shopify.StreamOrders:
				o, err := srv.CreateOrder()
				return o.GID, err
			case shopify.StreamProducts, shopify.StreamInventoryLevels:
				id, err := srv.AddProduct(shopifytest.ProductSpec{Title: fmt.Sprintf("Conformance Tote %d", n), Vendor: "Supplyhub",
					Variants: []shopifytest.VariantSpec{{SKU: fmt.Sprintf("CONF-TOTE-%d", n), Price: "12.00", Grams: 200, Available: 5}}})
				if err != nil || stream == shopify.StreamProducts {
					return id, err
				}
				for _, it := range srv.InventoryItems() {
					if it.SKU == fmt.Sprintf("CONF-TOTE-%d", n) {
						return level(it.GID, it.Locations[0]), nil
					}
				}
				return "", fmt.Errorf("suite: the new product's inventory item is missing")
			}
			return "", fmt.Errorf("suite: cannot add to stream %s", stream)
		},
		Update: func(ctx context.Context, stream string) (string, error) {
			n++
			switch stream {
			case shopify.StreamOrders:
				id := shopifytest.OrderGID(7)
				return id, srv.UpdateOrder(id, fmt.Sprintf("conformance update %d", n))
			case shopify.StreamProducts:
				p := srv.ProductGIDs()[0]
				return p, srv.UpdateProduct(p, fmt.Sprintf("Renamed by conformance %d", n))
			case shopify.StreamInventoryLevels:
				it := srv.InventoryItems()[0]
				avail, _ := srv.Available(it.GID, it.Locations[0])
				return level(it.GID, it.Locations[0]), srv.SetAvailable(it.GID, it.Locations[0], avail+1)
			}
			return "", fmt.Errorf("suite: cannot update stream %s", stream)
		},
		Stall: srv.Stall,
	}
}

func level(item, location string) string {
	var itemN, locN int64
	fmt.Sscanf(item, "gid://shopify/InventoryItem/%d", &itemN)
	fmt.Sscanf(location, "gid://shopify/Location/%d", &locN)
	return fmt.Sprintf("gid://shopify/InventoryLevel/%d?inventory_item_id=%d", locN, itemN)
}

func delivery(srv *shopifytest.Server, topic, orderGID string) conformance.Delivery {
	body, _ := srv.OrderJSON(orderGID)
	return conformance.Delivery{Headers: srv.WebhookHeaders(topic, body), Body: body}
}

func webhooks(t testing.TB, srv *shopifytest.Server, picked []shopifytest.OrderSummary) *conformance.WebhookFixtures {
	valid := delivery(srv, "orders/updated", picked[0].GID)
	bad := conformance.Delivery{Headers: valid.Headers.Clone(), Body: valid.Body}
	bad.Headers.Set("X-Shopify-Hmac-Sha256", shopifytest.Sign("not-the-secret", valid.Body))
	older := delivery(srv, "orders/updated", picked[1].GID)
	if err := srv.UpdateOrder(picked[1].GID, "newer version"); err != nil {
		t.Fatal(err)
	}
	newer := delivery(srv, "orders/updated", picked[1].GID)
	return &conformance.WebhookFixtures{
		Valid:        valid,
		BadSignature: bad,
		Duplicate:    conformance.Delivery{Headers: valid.Headers.Clone(), Body: valid.Body},
		Older:        older,
		Newer:        newer,
		Missed: func(ctx context.Context) (string, string, error) {
			// the change happens; its webhook is never delivered
			return shopify.StreamOrders, picked[2].GID, srv.UpdateOrder(picked[2].GID, "webhook lost")
		},
	}
}

func writes(t testing.TB, srv *shopifytest.Server, orderGID string) *conformance.WriteFixtures {
	items := srv.InventoryItems()
	if len(items) < 2 {
		t.Fatal("suite: the fake shop needs two stocked items")
	}
	now := time.Now()
	setLevel := func(key string, it shopifytest.InventoryItem, qty int) sdk.Change {
		return sdk.Change{IdempotencyKey: key, Action: sdk.ActionSetInventory, Record: &commerce.InventoryLevel{
			Meta: commerce.Meta{Source: commerce.Ref{Connection: Connection, ExternalID: level(it.GID, it.Locations[0])}, UpdatedAt: now},
			SKU:  it.SKU, InventoryItemID: it.GID, LocationID: it.Locations[0], Available: qty}}
	}
	tracking := "1Z999AA10123456784"
	changes := []sdk.Change{
		setLevel("conformance-stock-1", items[0], 17),
		setLevel("conformance-stock-2", items[1], 3),
		{IdempotencyKey: "conformance-ship-1", Action: sdk.ActionCreateFulfillment, Record: &commerce.Shipment{
			Meta:    commerce.Meta{Source: commerce.Ref{Connection: Connection, ExternalID: "supplyhub-shipment-1"}, UpdatedAt: now},
			OrderID: orderGID, Status: commerce.TrackingPreTransit, Carrier: "UPS", TrackingNumbers: []string{tracking},
			TrackingURLs: []string{"https://www.ups.com/track?tracknum=" + tracking}, CreatedAt: now}},
	}
	failing := sdk.Change{IdempotencyKey: "conformance-stock-unknown", Action: sdk.ActionSetInventory, Record: &commerce.InventoryLevel{
		Meta: commerce.Meta{Source: commerce.Ref{Connection: Connection, ExternalID: "unknown-sku"}, UpdatedAt: now},
		SKU:  "NO-SUCH-SKU-404", LocationID: items[0].Locations[0], Available: 1}}
	return &conformance.WriteFixtures{
		Changes: changes,
		Failing: &failing,
		Applied: func(ctx context.Context, key string) (int, error) {
			if key == "conformance-ship-1" {
				n := 0
				for _, number := range srv.Fulfillments(orderGID) {
					if number == tracking {
						n++
					}
				}
				return n, nil
			}
			return srv.Applied(shopify.IdempotencyKey(Connection, key)), nil
		},
	}
}
