// Package suite builds the conformance kit's Suite for the Amazon
// connector against a fake Selling Partner API, for the connector's own
// tests and for the end-to-end tests that run the kit through the plugin
// process.
//
// Start with New: conformance.Run(t, suite.New(t, srv, plugin, nil)).
package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/amazon"
	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// Connection is the connection id the suite uses.
const Connection = "conformance"

// Options are the fake's options the suite expects: enough orders for
// several pages, quotas sped up so that the kit's many reads finish in
// seconds, reports processed at once, and inventory tokens that outlive
// the resume checks.
func Options() amazontest.Options {
	return amazontest.Options{Orders: 150, SKUs: 10, Seed: 7, RateScale: 2000, ReportDelay: 20 * time.Millisecond,
		InventoryTokenTTL: 10 * time.Minute}
}

// Config returns the connection configuration the suite uses for srv,
// with overrides.
func Config(srv *amazontest.Server, overrides map[string]any) json.RawMessage {
	o := map[string]any{"page_size": 20, "request_timeout_seconds": 5, "max_retries": 4, "reports_mode": "never"}
	for k, v := range overrides {
		o[k] = v
	}
	return srv.Config(o)
}

// New returns the Suite for plugin against srv, with configuration
// overrides (e.g. {"reports_mode": "always"}). It picks its fixtures from
// the fake's data and changes the fake (an update whose notification is
// missed, two inventory changes of one SKU) while it does.
func New(t testing.TB, srv *amazontest.Server, plugin sdk.Plugin, overrides map[string]any) conformance.Suite {
	t.Helper()
	skus := srv.SKUs()
	ids := srv.OrderIDs()
	if len(skus) < 4 || len(ids) < 3 {
		t.Fatalf("suite: the fake needs at least 4 SKUs and 3 orders (Options())")
	}
	bad := map[string]any{"refresh_token": "Atzr|revoked-by-the-seller"}
	for k, v := range overrides {
		bad[k] = v
	}
	return conformance.Suite{
		Plugin:         plugin,
		Connection:     Connection,
		Config:         Config(srv, overrides),
		BadCredentials: Config(srv, bad),
		Upstream:       upstream(srv, skus, ids),
		Webhooks:       webhooks(t, srv, skus, ids),
		Writes:         writes(t, srv, skus),
	}
}

func firstMarket(srv *amazontest.Server) string { return srv.Options().Marketplaces[0] }

func upstream(srv *amazontest.Server, skus, ids []string) conformance.Upstream {
	n := 0
	return conformance.Upstream{
		Add: func(ctx context.Context, stream string) (string, error) {
			n++
			switch stream {
			case amazon.StreamOrders:
				o, err := srv.CreateOrder("")
				return o.ID, err
			case amazon.StreamInventory:
				sku := fmt.Sprintf("CONF-NEW-%03d", n)
				return "FBA/" + firstMarket(srv) + "/" + sku, srv.AddSKU(sku, "Conformance Tote")
			}
			return "", fmt.Errorf("suite: cannot add to stream %s", stream)
		},
		Update: func(ctx context.Context, stream string) (string, error) {
			switch stream {
			case amazon.StreamOrders:
				return ids[0], srv.UpdateOrder(ids[0])
			case amazon.StreamInventory:
				mp := firstMarket(srv)
				lv, _ := srv.FBA(mp, skus[0])
				return "FBA/" + mp + "/" + skus[0], srv.SetFBA(mp, skus[0], lv.Fulfillable+1)
			}
			return "", fmt.Errorf("suite: cannot update stream %s", stream)
		},
		Stall: srv.Stall,
	}
}

// Relayed returns a notification as the relay posts it to the gateway.
func Relayed(body []byte, secret string) conformance.Delivery {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(amazon.RelayTokenHeader, secret)
	if n, err := amazon.ParseNotification(body); err == nil {
		h.Set(amazon.RelayEventIDHeader, n.ID())
		h.Set(amazon.RelayTopicHeader, n.NotificationType)
	}
	return conformance.Delivery{Headers: h, Body: body}
}

func webhooks(t testing.TB, srv *amazontest.Server, skus, ids []string) *conformance.WebhookFixtures {
	secret := amazontest.DefaultRelaySecret
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	valid := Relayed(must(srv.FBANotification(skus[1], time.Time{})), secret)
	bad := Relayed(valid.Body, "not-the-relay-secret")
	older := Relayed(must(srv.FBANotification(skus[2], time.Time{})), secret)
	mp := firstMarket(srv)
	lv, _ := srv.FBA(mp, skus[2])
	if err := srv.SetFBA(mp, skus[2], lv.Fulfillable+3); err != nil {
		t.Fatal(err)
	}
	newer := Relayed(must(srv.FBANotification(skus[2], time.Time{})), secret)
	return &conformance.WebhookFixtures{
		Valid:        valid,
		BadSignature: bad,
		Duplicate:    conformance.Delivery{Headers: valid.Headers.Clone(), Body: valid.Body},
		Older:        older,
		Newer:        newer,
		Missed: func(ctx context.Context) (string, string, error) {
			// the order changes; its ORDER_CHANGE is never relayed
			return amazon.StreamOrders, ids[1], srv.UpdateOrder(ids[1])
		},
	}
}

func writes(t testing.TB, srv *amazontest.Server, skus []string) *conformance.WriteFixtures {
	target, err := srv.CreateOrder("")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	setStock := func(key, sku string) sdk.Change {
		q, _ := srv.MFNQuantity(sku)
		return sdk.Change{IdempotencyKey: key, Action: sdk.ActionSetInventory, Record: &commerce.InventoryLevel{
			Meta: commerce.Meta{Source: commerce.Ref{Connection: Connection, ExternalID: amazon.MFNLocation + "/" + sku}, UpdatedAt: now},
			SKU:  sku, LocationID: amazon.MFNLocation, Available: q + 5, OnHand: q + 5}}
	}
	tracking := "00340434161234567890"
	changes := []sdk.Change{
		setStock("conformance-stock-1", skus[0]),
		setStock("conformance-stock-2", skus[3]),
		{IdempotencyKey: "conformance-ship-1", Action: sdk.ActionCreateFulfillment, Record: &commerce.Shipment{
			Meta:    commerce.Meta{Source: commerce.Ref{Connection: Connection, ExternalID: "supplyhub-shipment-1"}, UpdatedAt: now},
			OrderID: target.ID, Status: commerce.TrackingPreTransit, Carrier: "DHL", Service: "Paket", TrackingNumbers: []string{tracking}, CreatedAt: now}},
	}
	failing := sdk.Change{IdempotencyKey: "conformance-stock-unknown", Action: sdk.ActionSetInventory, Record: &commerce.InventoryLevel{
		Meta: commerce.Meta{Source: commerce.Ref{Connection: Connection, ExternalID: "MFN/NO-SUCH-SKU-404"}, UpdatedAt: now},
		SKU:  "NO-SUCH-SKU-404", LocationID: amazon.MFNLocation, Available: 1}}
	keys := map[string]string{"conformance-stock-1": skus[0], "conformance-stock-2": skus[3]}
	return &conformance.WriteFixtures{
		Changes: changes,
		Failing: &failing,
		Applied: func(ctx context.Context, key string) (int, error) {
			if sku, ok := keys[key]; ok {
				return srv.ListingPatches(sku), nil
			}
			o, ok := srv.Order(target.ID)
			if !ok {
				return 0, fmt.Errorf("suite: order %s is gone", target.ID)
			}
			n := 0
			for _, tr := range o.Trackings {
				if tr == tracking {
					n++
				}
			}
			return n, nil
		},
	}
}
