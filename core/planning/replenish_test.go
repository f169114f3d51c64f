package planning

import (
	"context"
	"encoding/csv"
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
