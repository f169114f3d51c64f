package planning

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/routing"
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
	route := func(o *commerce.Order) { t.Helper(); storeAndRoute(t, st, s, o) }
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
	if code, body := call("POST", "/v1/route/order", `{"order":`+string(order)+`,"promise":{"days":-1}}`); code != 400 || !strings.Contains(body, "must not be negative") {
		t.Fatalf("a negative promise should be a 400 saying so: %d %s", code, body)
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
	// Fulfilling b2 releases its Newark unit: the reservation ends where the
	// upstream stock takes over.
	if got := s.routeLedger().Available("TEE", "EWR"); got != 4 {
		t.Fatalf("Newark has %d available while b2 holds a unit, want 4", got)
	}
	f := berlinOrder("b2", 1)
	f.UpdatedAt = day0.Add(2 * time.Hour)
	f.FulfillmentStatus = commerce.FulfillmentFulfilled
	route(f)
	if got := s.routeLedger().Available("TEE", "EWR"); got != 5 {
		t.Fatalf("Newark has %d available after b2 is fulfilled, want 5", got)
	}
}

// Two connections that both call a warehouse "W1" are two locations: each
// keeps its own stock, and the decision names the one it chose by
// connection.
func TestLocationsSharingAnIDAcrossConnectionsAreKeptApart(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	erpW1 := warehouse("W1", "Munich", "DE", 48.14, 11.58)
	erpW1.Source.Connection = "erp"
	erpStock := stock("TEE", "W1", 4, day0)
	erpStock.Source.Connection = "erp"
	erpStock.Source.ExternalID = "erp-TEE-W1"
	recs := []commerce.Record{
		warehouse("W1", "Leipzig", "DE", 51.34, 12.37), erpW1,
		stock("TEE", "W1", 0, day0), erpStock,
	}
	if _, err := st.UpsertRecords(ctx, recs); err != nil {
		t.Fatal(err)
	}
	s := New(Config{}, st, nil, nil)
	s.now = func() time.Time { return day0 }
	if err := s.loadStock(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := st.UpsertRecords(ctx, []commerce.Record{berlinOrder("b1", 2)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.onOrderRoute(ctx, store.RecordEvent{ID: res[0].ID, Kind: commerce.KindOrder}); err != nil {
		t.Fatal(err)
	}
	ds, _, _ := st.ListDecisions(ctx, "", 0, 10)
	if len(ds) != 1 || ds[0].Outcome != OutcomeRouted || !strings.Contains(string(ds[0].Decision), `"location_id":"erp/W1"`) {
		t.Fatalf("the order should ship from the ERP's W1, the only one with stock: %+v", ds)
	}
	if got := s.routeLedger().Available("TEE", "erp/W1"); got != 2 {
		t.Fatalf("erp/W1 has %d available after reserving 2 of 4", got)
	}
}

// An order the router refuses to consider (here: a rule in a currency it
// cannot convert) is recorded as failed and acknowledged, not redelivered
// for ever; its next update is routed again.
func TestRouterRefusalsAreRecordedNotRetried(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if _, err := st.UpsertRecords(ctx, []commerce.Record{warehouse("LEJ", "Leipzig", "DE", 51.34, 12.37), stock("TEE", "LEJ", 5, day0)}); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rules, []byte("split_penalty: 5 USD\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Routing: RoutingConfig{RulesFile: rules}}, st, nil, nil)
	s.now = func() time.Time { return day0 }
	if err := s.loadStock(ctx); err != nil {
		t.Fatal(err)
	}
	route := func(o *commerce.Order) { t.Helper(); storeAndRoute(t, st, s, o) } // a refusal is recorded, not returned
	route(berlinOrder("b1", 1))
	ds, _, _ := st.ListDecisions(ctx, "shop/b1", 0, 10)
	if len(ds) != 1 || ds[0].Outcome != OutcomeFailed || !strings.Contains(string(ds[0].Decision), "split_penalty") {
		t.Fatalf("want one failed decision naming the rule: %+v", ds)
	}
	// The merchant fixes the rule; the order's next update routes it.
	if err := os.WriteFile(rules, []byte("split_penalty: 5 EUR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.route = nil
	o := berlinOrder("b1", 1)
	o.UpdatedAt = day0.Add(time.Minute)
	route(o)
	ds, _, _ = st.ListDecisions(ctx, "shop/b1", 0, 10)
	if len(ds) != 2 || ds[0].Outcome != OutcomeRouted {
		t.Fatalf("the update should be routed: %+v", ds)
	}
}

// A first sync may store orders before any location: such an order is
// neither routed nor recorded as unroutable while there is none, and is
// routed, before the order that finds the first locations, as soon as
// they are stored (the empty state is not cached).
func TestOrdersBeforeAnyLocationWaitForLocations(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	s := New(Config{Routing: RoutingConfig{PromiseDays: 10}}, st, nil, nil)
	s.now = func() time.Time { return day0 }
	route := func(o *commerce.Order) { t.Helper(); storeAndRoute(t, st, s, o) }
	route(berlinOrder("early", 1))
	if ds, _, _ := st.ListDecisions(ctx, "", 0, 10); len(ds) != 0 {
		t.Fatalf("an order routed with no locations known: %+v", ds)
	}
	// One unit only: the early order must get it.
	if _, err := st.UpsertRecords(ctx, []commerce.Record{warehouse("LEJ", "Leipzig", "DE", 51.34, 12.37), stock("TEE", "LEJ", 1, day0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.loadStock(ctx); err != nil {
		t.Fatal(err)
	}
	route(berlinOrder("next", 1))
	outcomes := map[string]string{}
	ds, _, _ := st.ListDecisions(ctx, "", 0, 10)
	for _, d := range ds {
		outcomes[d.OrderRef] = d.Outcome
	}
	if len(ds) != 2 || outcomes["shop/early"] != OutcomeRouted || outcomes["shop/next"] != OutcomeUnroutable {
		t.Fatalf("want the early order routed first (and the only unit reserved for it), the next one unroutable: %v", outcomes)
	}
	route(berlinOrder("later", 1)) // the backlog is gone: nothing routed twice
	if ds, _, _ := st.ListDecisions(ctx, "shop/early", 0, 10); len(ds) != 1 {
		t.Fatalf("the early order was routed %d times", len(ds))
	}
}

// storeAndRoute stores o and routes it as the order.upserted handler does;
// any error (one that would have the event redelivered) fails the test.
func storeAndRoute(t *testing.T, st store.Store, s *Service, o *commerce.Order) {
	t.Helper()
	ctx := context.Background()
	res, err := st.UpsertRecords(ctx, []commerce.Record{o})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.onOrderRoute(ctx, store.RecordEvent{ID: res[0].ID, Kind: commerce.KindOrder}); err != nil {
		t.Fatalf("route %s: %v (want a recorded decision, not an error to redeliver)", o.Source, err)
	}
}

func TestCustomsRequest(t *testing.T) {
	t.Parallel()
	cases := []struct{ country, province, want string }{
		{"CA", "ON", "CA-ON"},
		{"CA", "", "CA"},
		{"US", "NY", "US"},
		{"DE", "", "DE"},
	}
	for _, c := range cases {
		req := routing.LandedCostRequest{DestinationCountry: c.country, DestinationProvince: c.province, OriginCountry: "CN",
			Incoterm: "DDP", Currency: "EUR", Shipping: commerce.MustMoney("4.95", "EUR")}
		got := CustomsRequest(req)
		if got.DestinationCountry != c.want {
			t.Errorf("%s/%s: destination %q, want %q", c.country, c.province, got.DestinationCountry, c.want)
		}
		if got.OriginCountry != "CN" || got.Incoterm != "DDP" || got.Currency != "EUR" || !got.Shipping.Equal(req.Shipping) {
			t.Errorf("%s/%s: fields lost in %+v", c.country, c.province, got)
		}
	}
}
