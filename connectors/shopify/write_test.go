package shopify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func levelChange(key string, it shopifytest.InventoryItem, loc string, qty int, byGID bool) sdk.Change {
	l := &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop-test", ExternalID: "level-" + key}, UpdatedAt: time.Now()},
		SKU: it.SKU, Available: qty}
	if byGID {
		l.Source.ExternalID = "gid://shopify/InventoryLevel/" + strings.TrimPrefix(loc, "gid://shopify/Location/") +
			"?inventory_item_id=" + strings.TrimPrefix(it.GID, "gid://shopify/InventoryItem/")
	} else {
		l.InventoryItemID, l.LocationID = it.GID, loc
	}
	return sdk.Change{IdempotencyKey: key, Action: sdk.ActionSetInventory, Record: l}
}

func write(t *testing.T, c *Connector, cfg []byte, changes ...sdk.Change) *sdk.WriteResponse {
	t.Helper()
	resp, err := c.Write(context.Background(), sdk.WriteRequest{Connection: "shop-test", Config: cfg, Changes: changes})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != len(changes) {
		t.Fatalf("%d results for %d changes", len(resp.Results), len(changes))
	}
	return resp
}

func TestWriteInventory(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 1, Seed: 3, Products: 6})
	c := fastConnector()
	cfg := config(t, srv, nil)
	items := srv.InventoryItems()
	a, b, d := items[0], items[1], items[2]
	bySKU := levelChange("by-sku", d, d.Locations[1], 5, false)
	bySKU.Record.(*commerce.InventoryLevel).InventoryItemID = ""
	bySKU.Record.(*commerce.InventoryLevel).LocationID = d.Locations[1]
	changes := []sdk.Change{levelChange("k1", a, a.Locations[0], 42, false), levelChange("k2", b, b.Locations[1], 0, true), bySKU}
	first := write(t, c, cfg, changes...)
	for i, r := range first.Results {
		if r.Status != sdk.StatusOK || !strings.HasPrefix(r.ExternalID, "gid://shopify/InventoryLevel/") {
			t.Fatalf("change %d: %+v", i, r)
		}
	}
	for _, tc := range []struct {
		it  shopifytest.InventoryItem
		loc string
		qty int
	}{{a, a.Locations[0], 42}, {b, b.Locations[1], 0}, {d, d.Locations[1], 5}} {
		if got, _ := srv.Available(tc.it.GID, tc.loc); got != tc.qty {
			t.Fatalf("%s at %s: available %d, want %d", tc.it.SKU, tc.loc, got, tc.qty)
		}
	}
	// a retry with the same keys is not applied again, even after someone
	// changed the stock in between
	if err := srv.SetAvailable(a.GID, a.Locations[0], 40); err != nil {
		t.Fatal(err)
	}
	again := write(t, c, cfg, changes...)
	for i, r := range again.Results {
		if r.Status != sdk.StatusOK || r.ExternalID != first.Results[i].ExternalID {
			t.Fatalf("retried change %d: %+v, first %+v", i, r, first.Results[i])
		}
		if n := srv.Applied(IdempotencyKey("shop-test", changes[i].IdempotencyKey)); n != 1 {
			t.Fatalf("change %d applied %d times", i, n)
		}
	}
	if got, _ := srv.Available(a.GID, a.Locations[0]); got != 40 {
		t.Fatalf("the replay overwrote a later change: available %d", got)
	}
	if srv.Stats().IdempotentReplays != 3 {
		t.Fatalf("%d replays, want 3", srv.Stats().IdempotentReplays)
	}
}

func TestWriteFailures(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 3, Seed: 3, Products: 4})
	c := fastConnector()
	cfg := config(t, srv, nil)
	it := srv.InventoryItems()[0]
	locs := srv.LocationGIDs()
	inactive := locs[len(locs)-1] // the closed depot stocks nothing
	unknownSKU := levelChange("unknown-sku", it, it.Locations[0], 1, false)
	unknownSKU.Record.(*commerce.InventoryLevel).InventoryItemID = ""
	unknownSKU.Record.(*commerce.InventoryLevel).SKU = "NO-SUCH-SKU"
	cases := []struct {
		name   string
		change sdk.Change
		kind   sdk.ErrorKind
		text   string
	}{
		{"unknown sku", unknownSKU, sdk.KindPermanent, "NO-SUCH-SKU"},
		{"not stocked", levelChange("not-stocked", it, inactive, 1, false), sdk.KindPermanent, "ITEM_NOT_STOCKED_AT_LOCATION"},
		{"bad location", levelChange("bad-loc", it, "76543210551", 1, false), sdk.KindInvalidInput, "location_id"},
		{"wrong record", sdk.Change{IdempotencyKey: "wrong", Action: sdk.ActionSetInventory, Record: &commerce.Location{}}, sdk.KindInvalidInput, "inventory_level"},
		{"no key", sdk.Change{Action: sdk.ActionSetInventory, Record: levelChange("x", it, it.Locations[0], 1, false).Record}, sdk.KindInvalidInput, "idempotency_key"},
		{"unknown action", sdk.Change{IdempotencyKey: "u", Action: sdk.ActionUpsertOrder, Record: &commerce.Order{}}, sdk.KindNotImplemented, "upsert_order"},
		{"fulfil unknown order", sdk.Change{IdempotencyKey: "f", Action: sdk.ActionCreateFulfillment, Record: &commerce.Shipment{OrderID: "gid://shopify/Order/1"}}, sdk.KindPermanent, "not found"},
	}
	var changes []sdk.Change
	for _, tc := range cases {
		changes = append(changes, tc.change)
	}
	ok := levelChange("ok", it, it.Locations[0], 9, false)
	changes = append(changes, ok)
	resp := write(t, c, cfg, changes...)
	for i, tc := range cases {
		r := resp.Results[i]
		if r.Status != sdk.StatusFailed || r.Error == nil || r.Error.Kind != tc.kind || !strings.Contains(r.Error.Error(), tc.text) {
			t.Errorf("%s: %+v (error %v), want failed %s mentioning %q", tc.name, r, r.Error, tc.kind, tc.text)
		}
	}
	if last := resp.Results[len(resp.Results)-1]; last.Status != sdk.StatusOK {
		t.Fatalf("the good change failed beside the bad ones: %+v", last)
	}
	// bad credentials fail the whole call
	_, err := c.Write(context.Background(), sdk.WriteRequest{Connection: "shop-test", Config: config(t, srv, map[string]any{"access_token": "shpat_bad"}), Changes: []sdk.Change{ok}})
	if sdk.KindOf(err) != sdk.KindAuthentication {
		t.Fatalf("bad token: %v, want authentication", err)
	}
}

func TestWriteFulfillment(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 80, Seed: 12})
	c := fastConnector()
	cfg := config(t, srv, nil)
	var open []shopifytest.OrderSummary
	srv.EachOrder(func(o shopifytest.OrderSummary) bool {
		if !o.Cancelled && o.Fulfillments == 0 && o.Fulfillable > 0 && o.Refunds == 0 {
			open = append(open, o)
		}
		return len(open) < 2
	})
	if len(open) < 2 {
		t.Fatal("the shop has no two unfulfilled orders")
	}
	ship := func(key, order, number string, lines ...commerce.ShipmentLine) sdk.Change {
		return sdk.Change{IdempotencyKey: key, Action: sdk.ActionCreateFulfillment, Record: &commerce.Shipment{
			Meta:    commerce.Meta{Source: commerce.Ref{Connection: "shop-test", ExternalID: key}, UpdatedAt: time.Now()},
			OrderID: order, Status: commerce.TrackingPreTransit, Carrier: "DHL Express", TrackingNumbers: []string{number},
			TrackingURLs: []string{"https://dhl.example/" + number}, Lines: lines, CreatedAt: time.Now()}}
	}
	// the whole order
	first := write(t, c, cfg, ship("s1", open[0].GID, "JD0001"))
	if r := first.Results[0]; r.Status != sdk.StatusOK || !strings.HasPrefix(r.ExternalID, "gid://shopify/Fulfillment/") {
		t.Fatalf("fulfilment: %+v (%v)", r, r.Error)
	}
	if o, _ := srv.Order(open[0].GID); o.Fulfillable != 0 || o.Fulfillments != 1 {
		t.Fatalf("after fulfilling: %+v", o)
	}
	// the same change again: a duplicate, found by its tracking number
	again := write(t, c, cfg, ship("s1", open[0].GID, "JD0001"))
	if r := again.Results[0]; r.Status != sdk.StatusDuplicate || r.ExternalID != first.Results[0].ExternalID {
		t.Fatalf("retry: %+v, want duplicate of %s", r, first.Results[0].ExternalID)
	}
	if n := len(srv.Fulfillments(open[0].GID)); n != 1 {
		t.Fatalf("%d fulfilments after a retry, want 1", n)
	}
	// one line of another order, by line id read from a sync
	ms := mustRead(t, c, cfg, StreamOrders, sdk.ModeFull, "")
	o := byID(ms.records)[open[1].GID].(*commerce.Order)
	var line commerce.OrderLine
	for _, l := range o.Lines {
		if l.RequiresShipping {
			line = l
			break
		}
	}
	part := write(t, c, cfg, ship("s2", open[1].GID, "JD0002", commerce.ShipmentLine{LineID: line.ExternalID, Quantity: 1}))
	if r := part.Results[0]; r.Status != sdk.StatusOK {
		t.Fatalf("partial fulfilment: %+v (%v)", r, r.Error)
	}
	after, _ := srv.Order(open[1].GID)
	if after.Fulfillable != open[1].Fulfillable-1 || after.Fulfillments != 1 {
		t.Fatalf("after a one-unit fulfilment: fulfillable %d (was %d), fulfilments %d", after.Fulfillable, open[1].Fulfillable, after.Fulfillments)
	}
	// more units than remain
	over := write(t, c, cfg, ship("s3", open[1].GID, "JD0003", commerce.ShipmentLine{LineID: line.ExternalID, Quantity: 99}))
	if r := over.Results[0]; r.Status != sdk.StatusFailed || r.Error.Kind != sdk.KindInvalidInput {
		t.Fatalf("over-fulfilment: %+v", r)
	}
}
