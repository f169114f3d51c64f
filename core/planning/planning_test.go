package planning

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var day0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.FixedZone("CET", 3600)) // a Monday

type line struct {
	sku string
	qty int
	loc string
}

func mkOrder(id string, at time.Time, lines ...line) *commerce.Order {
	eur := func(s string) commerce.MoneyBag { return commerce.Bag(commerce.MustMoney(s, "EUR")) }
	o := &commerce.Order{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop", ExternalID: id}, UpdatedAt: at},
		CreatedAt: at, Currency: "EUR", Subtotal: eur("1"), TotalDiscounts: eur("0"), TotalShipping: eur("0"), TotalTax: eur("0"), Total: eur("1"),
		Customer: &commerce.OrderCustomer{ExternalID: "c-" + id[len(id)-1:]}}
	for i, l := range lines {
		o.Lines = append(o.Lines, commerce.OrderLine{ExternalID: fmt.Sprintf("%s-%d", id, i), SKU: l.sku, Quantity: l.qty, UnitPrice: eur("1"), LocationID: l.loc})
	}
	return o
}

func TestDemandNetsRefundsCancellationsAndStockouts(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	refunded := mkOrder("o3", day0.Add(48*time.Hour), line{"A", 5, "L1"})
	refunded.Refunds = []commerce.Refund{{Meta: commerce.Meta{Source: commerce.Ref{ExternalID: "r1"}, UpdatedAt: day0}, OrderID: "o3",
		CreatedAt: day0.Add(72 * time.Hour), Lines: []commerce.RefundLine{{LineID: "o3-0", Quantity: 2, Subtotal: commerce.Bag(commerce.MustMoney("2", "EUR"))}},
		Amount: commerce.Bag(commerce.MustMoney("2", "EUR"))}}
	cancelled := mkOrder("o4", day0.Add(72*time.Hour), line{"A", 9, "L1"})
	at := day0.Add(96 * time.Hour)
	cancelled.CancelledAt = &at
	shipped := mkOrder("o5", day0.Add(24*time.Hour), line{"A", 1, ""})
	shipped.Shipments = []commerce.Shipment{{Meta: commerce.Meta{Source: commerce.Ref{ExternalID: "f1"}, UpdatedAt: day0}, Status: commerce.TrackingInTransit,
		CreatedAt: day0, LocationID: "L1", Lines: []commerce.ShipmentLine{{LineID: "o5-0", Quantity: 1}}}}
	recs := []commerce.Record{
		mkOrder("o1", day0, line{"A", 2, "L1"}, line{"B", 1, ""}),
		mkOrder("o2", day0.Add(2*time.Hour), line{"A", 1, "L1"}),
		refunded, cancelled, shipped,
		mkOrder("o6", day0.Add(6*24*time.Hour), line{"A", 1, "L1"}),
	}
	if _, err := st.UpsertRecords(ctx, recs); err != nil {
		t.Fatal(err)
	}
	st.RecordStock(ctx, "A", "L1", commerce.DateOf(day0).AddDays(4), 0) //nolint:errcheck
	series, err := Demand(ctx, st, DemandFilter{}, commerce.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 2 || series[0].Key() != "A@L1" || series[1].Key() != "B@*" {
		t.Fatalf("series %v", series)
	}
	a := series[0]
	// day0: 2+1, day1: 1 (via shipment), day2: 5-2 refunded, day3: cancelled → 0, day4: stockout → NaN, day5: 0, day6: 1
	want := []float64{3, 1, 3, 0, math.NaN(), 0, 1}
	if len(a.Values) != len(want) || a.Units != 8 {
		t.Fatalf("A@L1 = %v (units %v), want %v", a.Values, a.Units, want)
	}
	for i, w := range want {
		if math.IsNaN(w) != math.IsNaN(a.Values[i]) || (!math.IsNaN(w) && a.Values[i] != w) {
			t.Fatalf("day %d: %v, want %v (series %v)", i, a.Values[i], w, a.Values)
		}
	}
	if !a.Stockout[4] || a.Stockout[3] {
		t.Fatalf("stockout flags %v", a.Stockout)
	}
	b, _ := json.Marshal(a)
	if !strings.Contains(string(b), `"values":[3,1,3,0,null,0,1]`) {
		t.Fatalf("JSON %s", b)
	}
	only, _ := Demand(ctx, st, DemandFilter{SKU: "B"}, commerce.Date{})
	if len(only) != 1 || only[0].Units != 1 {
		t.Fatalf("filtered %v", only)
	}
}

// seedWeekly stores days of orders for two SKUs with a weekly pattern and
// a co-purchase pair.
func seedWeekly(t *testing.T, st store.Store, days int) {
	t.Helper()
	var recs []commerce.Record
	for d := range days {
		at := day0.AddDate(0, 0, d)
		qty := 2 + (d%7)/2
		recs = append(recs, mkOrder(fmt.Sprintf("w%d", d), at, line{"TEE", qty, "L1"}, line{"CAP", 1, "L1"}))
		if d%3 == 0 {
			recs = append(recs, mkOrder(fmt.Sprintf("x%d", d), at.Add(time.Hour), line{"SOCK", 1, "L1"}))
		}
	}
	if _, err := st.UpsertRecords(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
}

func TestForecastRunStoresForecasts(t *testing.T) {
	st := openStore(t)
	seedWeekly(t, st, 70)
	s := New(Config{Horizon: 14}, st, nil, nil)
	s.now = func() time.Time { return day0.AddDate(0, 0, 69) }
	status, err := s.RunForecasts(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if status.State != "succeeded" || status.Series != 3 || status.Failed != 0 {
		t.Fatalf("status %+v", status)
	}
	page, _ := st.ListRecords(context.Background(), store.Query{Kind: commerce.KindForecast, SKU: "TEE"})
	if len(page.Items) != 1 {
		t.Fatalf("%d TEE forecasts", len(page.Items))
	}
	rec, _ := page.Items[0].Decode()
	f := rec.(*commerce.Forecast)
	if len(f.Points) != 14 || f.Method == "" || f.LocationID != "L1" || f.MASE == nil {
		t.Fatalf("forecast %+v", f)
	}
	last := commerce.DateOf(day0).AddDays(69)
	if f.Points[0].Date != last.AddDays(1) {
		t.Fatalf("first point %s, want the day after the history (%s)", f.Points[0].Date, last.AddDays(1))
	}
	for _, p := range f.Points {
		if len(p.Intervals) != 2 || p.Intervals[0].Lo > p.Mean || p.Intervals[0].Hi < p.Mean || p.Intervals[1].Lo > p.Intervals[0].Lo {
			t.Fatalf("point %+v: intervals must nest around the mean", p)
		}
		if p.Mean < 1.5 || p.Mean > 6 {
			t.Fatalf("mean %v is far from a demand of 2 to 5 a day", p.Mean)
		}
	}
	// A second run replaces, not duplicates.
	s.RunForecasts(context.Background(), "test") //nolint:errcheck
	if n, _ := st.CountRecords(context.Background(), commerce.KindForecast, ""); n != 3 {
		t.Fatalf("%d forecasts after two runs", n)
	}
}

func TestPlanningAPI(t *testing.T) {
	st := openStore(t)
	seedWeekly(t, st, 40)
	s := New(Config{Horizon: 7}, st, nil, nil)
	s.now = func() time.Time { return day0.AddDate(0, 0, 39) }
	srv := api.New(api.Config{}, st, nil)
	s.Register(srv)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	tok, _, _ := api.IssueToken(context.Background(), st, "t", []string{"ops"})
	get := func(method, path string, out any) int {
		req, _ := http.NewRequest(method, hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if out != nil {
			json.Unmarshal(b, out) //nolint:errcheck
		}
		return resp.StatusCode
	}
	var demand struct{ Items []DemandSeries }
	if code := get("GET", "/v1/demand?sku=TEE", &demand); code != 200 || len(demand.Items) != 1 || len(demand.Items[0].Values) != 40 {
		t.Fatalf("demand: %d %+v", code, demand)
	}
	if code := get("GET", "/v1/demand?skus=TEE", nil); code != 400 {
		t.Fatalf("unknown parameter: %d", code)
	}
	if code := get("GET", "/v1/recommendations?sku=TEE", nil); code != 503 {
		t.Fatalf("before the model is built: %d", code)
	}
	if err := s.rebuildRecommendations(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Items []struct{ SKU string }
	}
	if code := get("GET", "/v1/recommendations?sku=TEE&k=3", &rec); code != 200 || len(rec.Items) == 0 || rec.Items[0].SKU != "CAP" {
		t.Fatalf("recommendations for TEE: %d %+v (CAP is always bought with it)", code, rec)
	}
	if code := get("GET", "/v1/recommendations?sku=TEE&customer=x", nil); code != 400 {
		t.Fatalf("both sku and customer: %d", code)
	}
	if code := get("GET", "/v1/recommendations?sku=TEE&k=1000", nil); code != 400 {
		t.Fatalf("k too big: %d", code)
	}
	var run RunStatus
	if code := get("POST", "/v1/forecasts/run", &run); code != 202 {
		t.Fatalf("run: %d", code)
	}
	if code := get("POST", "/v1/forecasts/run", nil); code != 409 {
		t.Fatalf("second queued run: %d", code)
	}
	// The scheduler is not running in this test: run by hand, then read.
	<-s.wake
	if _, err := s.RunForecasts(context.Background(), "api"); err != nil {
		t.Fatal(err)
	}
	var page struct {
		Items []commerce.Forecast
	}
	if code := get("GET", "/v1/forecasts?sku=CAP", &page); code != 200 || len(page.Items) != 1 || len(page.Items[0].Points) != 7 {
		t.Fatalf("forecasts: %d %+v", code, page)
	}
	get("GET", "/v1/forecasts/run", &run)
	if run.State != "succeeded" || run.Series != 3 {
		t.Fatalf("run status %+v", run)
	}
	// A new order updates the model through its event.
	before := s.recommender().Stats()
	o := mkOrder("late", day0.AddDate(0, 2, 0), line{"SOCK", 1, "L1"}, line{"GLOVE", 1, "L1"})
	res, _ := st.UpsertRecords(context.Background(), []commerce.Record{o})
	if err := s.onOrder(context.Background(), store.RecordEvent{ID: res[0].ID, Kind: commerce.KindOrder}); err != nil {
		t.Fatal(err)
	}
	after := s.recommender().Stats()
	if after.Orders != before.Orders+1 || after.Items != before.Items+1 {
		t.Fatalf("the order event did not reach the model: %+v → %+v", before, after)
	}
}
