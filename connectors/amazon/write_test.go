package amazon

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func stockChange(key, sku, loc string, qty int) sdk.Change {
	return sdk.Change{IdempotencyKey: key, Action: sdk.ActionSetInventory, Record: &commerce.InventoryLevel{
		Meta: commerce.Meta{Source: commerce.Ref{Connection: "c", ExternalID: loc + "/" + sku}, UpdatedAt: time.Now()},
		SKU:  sku, LocationID: loc, Available: qty}}
}

func shipChange(key, order, carrier, tracking string, lines ...commerce.ShipmentLine) sdk.Change {
	return sdk.Change{IdempotencyKey: key, Action: sdk.ActionCreateFulfillment, Record: &commerce.Shipment{
		Meta:    commerce.Meta{Source: commerce.Ref{Connection: "c", ExternalID: key}, UpdatedAt: time.Now()},
		OrderID: order, Status: commerce.TrackingPreTransit, Carrier: carrier, TrackingNumbers: []string{tracking}, Lines: lines, CreatedAt: time.Now()}}
}

// TestWrite covers the write-back cases one by one: each change succeeds
// or fails alone, with the error kind the host acts on.
func TestWrite(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{Orders: 40, Seed: 31})
	skus := srv.SKUs()
	var afn, shipped string
	srv.EachOrder(func(o amazontest.OrderSummary) bool {
		if o.Channel == "AFN" && afn == "" {
			afn = o.ID
		}
		if o.Channel == "MFN" && o.Status == amazontest.StatusShipped && shipped == "" {
			shipped = o.ID
		}
		return afn == "" || shipped == ""
	})
	open, err := srv.CreateOrder("A1F83G8C2ARO7P")
	if err != nil || afn == "" || shipped == "" {
		t.Fatalf("fixtures: %v %q %q", err, afn, shipped)
	}
	partial, err := srv.CreateOrder("")
	if err != nil {
		t.Fatal(err)
	}
	q0, _ := srv.MFNQuantity(skus[0])
	changes := []sdk.Change{
		stockChange("k1", skus[0], MFNLocation, q0+3),
		stockChange("k2", skus[1], "MFN/A1F83G8C2ARO7P", 9),
		stockChange("k3", skus[2], "FBA/A1PA6795UKMFR9", 9),
		stockChange("k4", skus[2], "MFN/ATVPDKIKX0DER", 9),
		stockChange("k5", skus[2], "warehouse-1", 9),
		shipChange("k6", open.ID, "Evri", "H00AAA0000000001"),
		shipChange("k7", afn, "DHL", "JJD000"),
		shipChange("k8", "not-an-order!", "DHL", "JJD001"),
		shipChange("k9", partial.ID, "Acme Freight", "ACME-42", commerce.ShipmentLine{SKU: partial.SKUs[0], Quantity: 1}),
		{IdempotencyKey: "k10", Action: sdk.ActionUpsertOrder, Record: &commerce.Order{}},
		{Action: sdk.ActionSetInventory},
	}
	res, err := fastConnector().Write(ctxT(t), sdk.WriteRequest{Connection: "c", Config: fakeConfig(srv, nil), Changes: changes})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status string
		kind   sdk.ErrorKind
		ext    string
	}{
		{sdk.StatusOK, "", "MFN/" + skus[0]},
		{sdk.StatusOK, "", "MFN/" + skus[1]},
		{sdk.StatusFailed, sdk.KindPermanent, ""},
		{sdk.StatusFailed, sdk.KindInvalidInput, ""},
		{sdk.StatusFailed, sdk.KindInvalidInput, ""},
		{sdk.StatusOK, "", open.ID + "/"},
		{sdk.StatusFailed, sdk.KindPermanent, ""},
		{sdk.StatusFailed, sdk.KindInvalidInput, ""},
		{sdk.StatusOK, "", partial.ID + "/"},
		{sdk.StatusFailed, sdk.KindNotImplemented, ""},
		{sdk.StatusFailed, sdk.KindInvalidInput, ""},
	}
	for i, w := range want {
		r := res.Results[i]
		if r.Status != w.status || (w.kind != "" && (r.Error == nil || r.Error.Kind != w.kind)) || !strings.HasPrefix(r.ExternalID, w.ext) {
			t.Errorf("change %d (%s): %s %v %q, want %s %s %q", i, changes[i].IdempotencyKey, r.Status, r.Error, r.ExternalID, w.status, w.kind, w.ext)
		}
	}
	if q, _ := srv.MFNQuantity(skus[0]); q != q0+3 {
		t.Errorf("MFN quantity %d, want %d", q, q0+3)
	}
	o, _ := srv.Order(open.ID)
	if o.Status != amazontest.StatusShipped || o.Packages != 1 || o.Trackings[0] != "H00AAA0000000001" {
		t.Errorf("the confirmed order: %+v", o)
	}
	p, _ := srv.Order(partial.ID)
	if p.Packages != 1 || p.Unshipped != p.Units-1 {
		t.Errorf("the partly confirmed order: %+v", p)
	}
	// written again: duplicates, applied once
	again, err := fastConnector().Write(ctxT(t), sdk.WriteRequest{Connection: "c", Config: fakeConfig(srv, nil), Changes: []sdk.Change{changes[0], changes[5]}})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again.Results {
		if r.Status != sdk.StatusDuplicate {
			t.Errorf("rewritten change %d: %s %v", i, r.Status, r.Error)
		}
	}
	if again.Results[1].ExternalID != res.Results[5].ExternalID || srv.ListingPatches(skus[0]) != 1 {
		t.Errorf("a retry changed the external id (%s, first %s) or patched again (%d)", again.Results[1].ExternalID, res.Results[5].ExternalID, srv.ListingPatches(skus[0]))
	}
	// a bad configuration fails the whole call
	if _, err := fastConnector().Write(ctxT(t), sdk.WriteRequest{Connection: "c", Config: []byte(`{}`), Changes: changes[:1]}); sdk.KindOf(err) != sdk.KindInvalidInput {
		t.Errorf("write with an invalid config: %v", err)
	}
}

func TestPackageReferenceID(t *testing.T) {
	t.Parallel()
	a, b := packageReferenceID("key-1"), packageReferenceID("key-2")
	if a == b || a != packageReferenceID("key-1") || strings.HasPrefix(a, "0") || a == "" {
		t.Fatalf("reference ids %q %q must be stable, distinct and positive", a, b)
	}
}

// TestSafePostRetried: createReport (a second report harms nothing) is
// sent again after a 5xx; confirmShipment (not safe to repeat blindly) is
// not, and its failure is retryable for the host, which checks the
// order's packages before confirming again.
func TestSafePostRetried(t *testing.T) {
	t.Parallel()
	rp := newReplay(t)
	n := 0
	rp.handle("POST /reports/2021-06-30/reports", func(w http.ResponseWriter, r *http.Request) {
		n++
		if n <= 2 {
			http.Error(w, `{"errors":[{"code":"InternalFailure","message":"We encountered an internal error."}]}`, http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"reportId":"42"}`)
	})
	rp.handle("POST /orders/v0/orders/302-4829175-6613108/shipmentConfirmation", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"errors":[{"code":"InternalFailure","message":"We encountered an internal error."}]}`, http.StatusInternalServerError)
	})
	c := fastConnector()
	cl := c.clientFor(mustConfig(t, rp.config(t, nil)))
	id, err := cl.createReport(ctxT(t), ReportOrders, time.Time{}, time.Time{}, []string{"A1PA6795UKMFR9"})
	if err != nil || id != "42" || n != 3 {
		t.Fatalf("createReport after two 500s: %q %v (%d calls)", id, err, n)
	}
	_, err = cl.call(ctxT(t), opConfirmShipment, opConfirmShipment.path("302-4829175-6613108"), nil, map[string]any{})
	if !sdk.IsRetryable(err) || rp.count("POST /orders/v0/orders/302-4829175-6613108/shipmentConfirmation") != 1 {
		t.Fatalf("confirmShipment after a 500: %v, sent %d times; want one attempt and a retryable error", err, rp.count("POST /orders/v0/orders/302-4829175-6613108/shipmentConfirmation"))
	}
}
