package planning

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func warehouse(id, name, country string, lat, lon float64) *commerce.Location {
	return &commerce.Location{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop", ExternalID: id}, UpdatedAt: day0},
		Name: name, Type: "warehouse", Active: true, FulfillsOnlineOrders: true,
		Address: commerce.Address{City: name, CountryCode: country, Geo: &commerce.GeoPoint{Lat: lat, Lon: lon}}}
}

func berlinOrder(id string, qty int) *commerce.Order {
	o := mkOrder(id, day0, line{"TEE", qty, ""})
	o.ShippingAddress = &commerce.Address{City: "Berlin", PostalCode: "10119", CountryCode: "DE", Geo: &commerce.GeoPoint{Lat: 52.53, Lon: 13.40}}
	return o
}

func TestOrdersAreRoutedReservedAndExplained(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	w := commerce.Weight{Value: decimal.RequireFromString("0.3"), Unit: commerce.Kilograms}
	recs := []commerce.Record{
		warehouse("LEJ", "Leipzig", "DE", 51.34, 12.37),
		warehouse("EWR", "Newark", "US", 40.73, -74.17),
		&commerce.Product{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop", ExternalID: "p"}, UpdatedAt: day0}, Title: "Tee",
			Variants: []commerce.Variant{{ExternalID: "v", SKU: "TEE", Weight: &w}}},
		stock("TEE", "LEJ", 1, day0),
		stock("TEE", "EWR", 5, day0),
	}
	if _, err := st.UpsertRecords(ctx, recs); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Routing: RoutingConfig{PromiseDays: 10}}, st, nil, nil)
	s.now = func() time.Time { return day0 }
	if err := s.loadStock(ctx); err != nil {
		t.Fatal(err)
	}
	route := func(o *commerce.Order) {
		t.Helper()
		res, err := st.UpsertRecords(ctx, []commerce.Record{o})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.onOrderRoute(ctx, store.RecordEvent{ID: res[0].ID, Kind: commerce.KindOrder}); err != nil {
			t.Fatal(err)
		}
	}
	route(berlinOrder("b1", 1))
	route(berlinOrder("b2", 1)) // Leipzig's only unit is reserved for b1
	route(berlinOrder("b1", 1)) // an update does not route again
	ds, _, _ := st.ListDecisions(ctx, "", 0, 10)
	if len(ds) != 2 {
		t.Fatalf("%d decisions, want one per order", len(ds))
	}
	var d1, d2 struct {
		Shipments []struct {
			LocationID string `json:"location_id"`
		} `json:"shipments"`
		Explanation string `json:"explanation"`
	}
	json.Unmarshal(ds[1].Decision, &d1) //nolint:errcheck
	json.Unmarshal(ds[0].Decision, &d2) //nolint:errcheck
	if len(d1.Shipments) != 1 || d1.Shipments[0].LocationID != "LEJ" || d1.Explanation == "" {
		t.Fatalf("first Berlin order should ship from Leipzig: %s", ds[1].Decision)
	}
	if len(d2.Shipments) != 1 || d2.Shipments[0].LocationID != "EWR" {
		t.Fatalf("second order must not take Leipzig's reserved unit: %s", ds[0].Decision)
	}

	// The API: the decisions list and a dry run.
	srv := api.New(api.Config{}, st, nil)
	s.Register(srv)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	tok, _, _ := api.IssueToken(ctx, st, "t", []string{"read"})
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, hs.URL+path, bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := call("GET", "/v1/route/decisions?limit=1", "")
	if code != 200 || !strings.Contains(body, `"order_ref":"shop/b2"`) || !strings.Contains(body, `"outcome":"routed"`) || !strings.Contains(body, `"next_cursor":"`) {
		t.Fatalf("decisions: %d %s", code, body)
	}
	order, _ := json.Marshal(berlinOrder("dry", 2))
	code, body = call("POST", "/v1/route/order", `{"order":`+string(order)+`}`)
	if code != 200 || !strings.Contains(body, `"outcome":"routed"`) || !strings.Contains(body, `"location_id":"EWR"`) {
		t.Fatalf("dry run: %d %s", code, body)
	}
	big, _ := json.Marshal(berlinOrder("huge", 500))
	code, body = call("POST", "/v1/route/order", `{"order":`+string(big)+`}`)
	if code != 200 || !strings.Contains(body, `"outcome":"unroutable"`) {
		t.Fatalf("an order beyond all stock: %d %s", code, body)
	}
	if code, _ := call("POST", "/v1/route/order", `{"order":{"lines":[]}}`); code != 400 {
		t.Fatalf("invalid order: %d", code)
	}
	if n, _ := st.CountRecords(ctx, commerce.KindOrder, "dry-run"); n != 0 {
		t.Fatal("a dry run stored the order")
	}
	// Cancelling b1 releases Leipzig's unit.
	c := berlinOrder("b1", 1)
	c.UpdatedAt = day0.Add(time.Hour)
	at := day0.Add(time.Hour)
	c.CancelledAt = &at
	route(c)
	if got := s.routeLedger().Available("TEE", "LEJ"); got != 1 {
		t.Fatalf("Leipzig has %d available after the cancellation, want 1", got)
	}
}
