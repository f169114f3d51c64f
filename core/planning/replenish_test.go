package planning

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func stock(sku, loc string, avail int, at time.Time) *commerce.InventoryLevel {
	return &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop", ExternalID: sku + "@" + loc}, UpdatedAt: at},
		SKU: sku, LocationID: loc, OnHand: avail, Available: avail}
}

func TestReplenishmentPlan(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	seedWeekly(t, st, 70) // TEE 2–5 a day, CAP 1 a day at L1; SOCK every third day
	now := day0.AddDate(0, 0, 69)
	cost := commerce.MustMoney("8.40", "EUR")
	price := commerce.MustMoney("29.99", "EUR")
	recs := []commerce.Record{
		&commerce.Product{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop", ExternalID: "p1"}, UpdatedAt: now}, Title: "Tee", Vendor: "Acme",
			Variants: []commerce.Variant{{ExternalID: "v1", SKU: "TEE", Cost: &cost, Price: &price}}},
		stock("TEE", "L1", 6, now),   // two days of cover: must order
		stock("CAP", "L1", 400, now), // more than a year: nothing to do
		stock("SOCK", "L1", 2, now),
	}
	if _, err := st.UpsertRecords(ctx, recs); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Horizon: 28, LeadTimeDays: 7}, st, nil, nil)
	s.now = func() time.Time { return now }
	if _, err := s.RunForecasts(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	status, err := s.Replenish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if status.State != "succeeded" || status.Items != 3 || status.Suggestions < 1 {
		t.Fatalf("status %+v", status)
	}
	sugs, _ := listAll[*commerce.ReplenishmentSuggestion](ctx, st, commerce.KindReplenishmentSuggestion)
	var tee *commerce.ReplenishmentSuggestion
	for _, sg := range sugs {
		if sg.SKU == "CAP" {
			t.Fatalf("CAP has a year of stock and got %+v", sg)
		}
		if sg.SKU == "TEE" {
			tee = sg
		}
	}
	if tee == nil {
		t.Fatalf("no suggestion for TEE among %d", len(sugs))
	}
	if tee.Type != "purchase" || tee.Quantity < 20 || tee.Supplier != "Acme" || tee.LeadTimeDays != 7 || tee.Reason == "" ||
		tee.UnitCost == nil || tee.UnitCost.Currency != "EUR" || tee.Class == "" || tee.ExpectedStockout.IsZero() {
		t.Fatalf("TEE suggestion %+v", tee)
	}
	if got := tee.OrderBy; got.After(commerce.DateOf(now)) {
		t.Fatalf("TEE with two days of cover and a 7-day lead time must be ordered today, not %s", got)
	}

	srv := api.New(api.Config{}, st, nil)
	s.Register(srv)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	tok, _, _ := api.IssueToken(ctx, st, "t", []string{"ops"})
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/v1/replenishment.csv?sku=TEE")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != 200 || err != nil || len(rows) != 2 || rows[0][0] != "type" || rows[1][1] != "TEE" || rows[1][17] != "EUR" {
		t.Fatalf("csv: %d %v\n%s", code, err, body)
	}
	code, body = get("/v1/replenishment?class=" + tee.Class[:1])
	if code != 200 || !strings.Contains(body, `"sku":"TEE"`) || !strings.Contains(body, `"state":"succeeded"`) {
		t.Fatalf("json: %d %s", code, body)
	}
	if code, _ := get("/v1/replenishment?sort=sku"); code != 400 {
		t.Fatalf("unknown parameter: %d", code)
	}
	// Stock arrives: the next run withdraws the TEE suggestion.
	if _, err := st.UpsertRecords(ctx, []commerce.Record{stock("TEE", "L1", 500, now.Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Replenish(ctx); err != nil {
		t.Fatal(err)
	}
	page, _ := st.ListRecords(ctx, store.Query{Kind: commerce.KindReplenishmentSuggestion, SKU: "TEE"})
	if len(page.Items) != 0 {
		t.Fatalf("the TEE suggestion was not withdrawn: %s", page.Items[0].Data)
	}
}

// TestReplenishmentUsesDatedReceipts stores a level (60 available, 100
// incoming by Odoo's count), a forecast of 10 a day and an open receipt of
// 150 units, and replans as the receipt is rescheduled from before the
// 7-day lead time to after it, then received.
func TestReplenishmentUsesDatedReceipts(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const sku, loc = "TEE", "stock.warehouse,1"
	fc := tenADay(sku, loc, now)
	level := &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: "odoo", ExternalID: "product.product,7@" + loc}, UpdatedAt: now},
		SKU: sku, LocationID: loc, OnHand: 60, Available: 60, Incoming: 100}
	receipt := func(at time.Time, expected time.Time, deleted bool) *commerce.Receipt {
		r := &commerce.Receipt{Meta: commerce.Meta{Source: commerce.Ref{Connection: "odoo", ExternalID: "stock.move,42"}, UpdatedAt: at, Deleted: deleted}}
		if !deleted {
			r.SKU, r.LocationID, r.Quantity, r.ExpectedAt = sku, loc, 150, &expected
			r.Document, r.PurchaseOrder = "WH/IN/00042", "P00017"
		}
		return r
	}
	if _, err := st.UpsertRecords(ctx, []commerce.Record{fc, level, receipt(now, now.AddDate(0, 0, 3), false)}); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Horizon: 28, LeadTimeDays: 7}, st, nil, nil)
	s.now = func() time.Time { return now }
	tee := func() *commerce.ReplenishmentSuggestion {
		t.Helper()
		if status, err := s.Replenish(ctx); err != nil || status.Items != 1 {
			t.Fatalf("replenish: %+v, %v", status, err)
		}
		sugs, err := listAll[*commerce.ReplenishmentSuggestion](ctx, st, commerce.KindReplenishmentSuggestion)
		if err != nil {
			t.Fatal(err)
		}
		for _, sg := range sugs {
			if sg.SKU == sku && !sg.Deleted {
				return sg
			}
		}
		return nil
	}
	// Arriving in 3 days, the receipt covers the lead time: 210 units last
	// beyond the week the plan looks ahead.
	if sg := tee(); sg != nil {
		t.Fatalf("with 150 units arriving in 3 days the plan suggests %d: %s", sg.Quantity, sg.Reason)
	}
	// Rescheduled to day 20, after an order placed today would arrive.
	if _, err := st.UpsertRecords(ctx, []commerce.Record{receipt(now.Add(time.Minute), now.AddDate(0, 0, 20), false)}); err != nil {
		t.Fatal(err)
	}
	sg := tee()
	if sg == nil {
		t.Fatal("with the receipt after the lead time nothing is suggested")
	}
	if sg.OrderBy != commerce.DateOf(now) || sg.Incoming != 150 || sg.ExpectedStockout != commerce.DateOf(now).AddDays(7) {
		t.Errorf("order by %s, incoming %d, stockout %s; want today, 150 (the receipts replace the level's 100), %s",
			sg.OrderBy, sg.Incoming, sg.ExpectedStockout, commerce.DateOf(now).AddDays(7))
	}
	for _, want := range []string{"inventory position 210 (available 60, incoming 150; dated: 150 on 2026-03-22 (WH/IN/00042 (P00017))",
		"150 expected after the 7-day protection period are not counted"} {
		if !strings.Contains(sg.Reason, want) {
			t.Errorf("reason lacks %q:\n%s", want, sg.Reason)
		}
	}
	// Received: the tombstone removes the receipt; the level's own incoming
	// figure (undated) counts again.
	if _, err := st.UpsertRecords(ctx, []commerce.Record{receipt(now.Add(2*time.Minute), time.Time{}, true)}); err != nil {
		t.Fatal(err)
	}
	if rs, err := storedReceipts(ctx, st); err != nil || len(rs) != 0 {
		t.Fatalf("after the tombstone: %v, %v", rs, err)
	}
	if sg := tee(); sg != nil && strings.Contains(sg.Reason, "dated:") {
		t.Fatalf("a received receipt still shapes the plan: %s", sg.Reason)
	}
}

// An ERP's purchasing data on the product (tags supplier:<name> and
// lead_time_days:<n>, as the Odoo connector sets them) wins over the
// channel's vendor and the configured default lead time.
func TestReplenishmentUsesTheERPSupplierAndLeadTime(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const sku, loc = "TEE", "stock.warehouse,1"
	fc := tenADay(sku, loc, now)
	level := &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: "odoo", ExternalID: "product.product,7@" + loc}, UpdatedAt: now},
		SKU: sku, LocationID: loc, OnHand: 60, Available: 60}
	product := func(conn, vendor string, tags ...string) *commerce.Product {
		return &commerce.Product{Meta: commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: "p-" + conn}, UpdatedAt: now},
			Title: "Tee", Vendor: vendor, Tags: tags, Variants: []commerce.Variant{{ExternalID: "v-" + conn, SKU: sku}}}
	}
	s := New(Config{Horizon: 28, LeadTimeDays: 7}, st, nil, nil)
	s.now = func() time.Time { return now }
	suggestion := func() *commerce.ReplenishmentSuggestion {
		t.Helper()
		if _, err := s.Replenish(ctx); err != nil {
			t.Fatal(err)
		}
		sugs, err := listAll[*commerce.ReplenishmentSuggestion](ctx, st, commerce.KindReplenishmentSuggestion)
		if err != nil {
			t.Fatal(err)
		}
		for _, sg := range sugs {
			if sg.SKU == sku && !sg.Deleted && sg.Type == "purchase" {
				return sg
			}
		}
		t.Fatal("no purchase suggested")
		return nil
	}
	if _, err := st.UpsertRecords(ctx, []commerce.Record{fc, level, product("shop", "BrandX")}); err != nil {
		t.Fatal(err)
	}
	if sg := suggestion(); sg.LeadTimeDays != 7 || sg.Supplier != "BrandX" {
		t.Fatalf("without ERP data: lead time %d, supplier %q; want the default 7 days and the channel's vendor", sg.LeadTimeDays, sg.Supplier)
	}
	if _, err := st.UpsertRecords(ctx, []commerce.Record{product("odoo", "", "supplier:Acme Textiles", "lead_time_days:14", "min_order_qty:249.5")}); err != nil {
		t.Fatal(err)
	}
	if sg := suggestion(); sg.LeadTimeDays != 14 || sg.Supplier != "Acme Textiles" || sg.Quantity < 250 {
		t.Fatalf("with the ERP's vendor: lead time %d, supplier %q, quantity %d; want 14 days from Acme Textiles, at least the minimum of 250",
			sg.LeadTimeDays, sg.Supplier, sg.Quantity)
	}
}

func TestSupplierTags(t *testing.T) {
	for _, c := range []struct {
		tags     []string
		supplier string
		lead     int
		moq      int
	}{
		{nil, "", 0, 0},
		{[]string{"supplier: Acme ", "lead_time_days:9", "min_order_qty:12"}, "Acme", 9, 12},
		{[]string{"min_order_qty:2.01"}, "", 0, 3},
		{[]string{"lead_time_days:0", "lead_time_days:x", "min_order_qty:-4", "min_order_qty:NaN", "summer"}, "", 0, 0},
	} {
		s, l, m := supplierTags(c.tags)
		if s != c.supplier || l != c.lead || m != c.moq {
			t.Errorf("supplierTags(%q) = %q, %d, %d; want %q, %d, %d", c.tags, s, l, m, c.supplier, c.lead, c.moq)
		}
	}
}

// tenADay is a 28-day forecast of 10 units a day (80 % interval 6.16 to
// 13.84) for sku at loc, made at now.
func tenADay(sku, loc string, now time.Time) *commerce.Forecast {
	fc := &commerce.Forecast{Meta: commerce.Meta{Source: commerce.Ref{Connection: commerce.InternalConnection, ExternalID: sku + "@" + loc}, UpdatedAt: now},
		SKU: sku, LocationID: loc, Method: "test", GeneratedAt: now}
	for i := range 28 {
		fc.Points = append(fc.Points, commerce.ForecastPoint{Date: commerce.DateOf(now).AddDays(i + 1), Mean: 10,
			Intervals: []commerce.Interval{{Level: 80, Lo: 6.16, Hi: 13.84}}})
	}
	return fc
}

// pagedStore serves n records through ListRecords in pages of the query's
// Limit, then fails on page failAt (counting from 1; 0: never).
type pagedStore struct {
	store.Store
	n, failAt int
	pages     int
}

func (p *pagedStore) ListRecords(_ context.Context, q store.Query) (store.Page, error) {
	p.pages++
	if p.pages == p.failAt {
		return store.Page{}, errors.New("store down")
	}
	var page store.Page
	for id := q.After + 1; id <= int64(p.n) && len(page.Items) < q.Limit; id++ {
		page.Items = append(page.Items, store.StoredRecord{ID: id})
	}
	if len(page.Items) == q.Limit && page.Items[len(page.Items)-1].ID < int64(p.n) {
		page.Next = page.Items[len(page.Items)-1].ID
	}
	return page, nil
}

func TestRecordsPagesThroughEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name            string
		n, failAt, want int
		wantErr         bool
	}{
		{"one short page", 3, 0, 3, false},
		{"three pages", 2500, 0, 2500, false},
		{"fails on the second page", 2500, 2, 1000, true},
	} {
		ps := &pagedStore{n: c.n, failAt: c.failAt}
		got, sawErr := 0, false
		for sr, err := range records(ctx, ps, store.Query{}) {
			if err != nil {
				sawErr = true
				continue
			}
			if sr.ID != int64(got+1) {
				t.Fatalf("%s: record %d has id %d", c.name, got+1, sr.ID)
			}
			got++
		}
		if got != c.want || sawErr != c.wantErr {
			t.Errorf("%s: %d records, error %v; want %d, %v", c.name, got, sawErr, c.want, c.wantErr)
		}
	}
}
