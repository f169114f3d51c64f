package amazon

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Tests over every file of ../shared/fixtures/amazon.

func participationsHandler(mps ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var out []map[string]any
		for _, id := range mps {
			m := marketplaceByID[id]
			out = append(out, map[string]any{"marketplace": map[string]any{"id": id, "name": m.SalesChannel, "countryCode": m.Country,
				"defaultCurrencyCode": string(m.Currency)}, "participation": map[string]any{"isParticipating": true}})
		}
		w.Header().Set("x-amzn-RateLimit-Limit", "0.016")
		_ = json.NewEncoder(w).Encode(map[string]any{"payload": out})
	}
}

// TestFixtureLWA exchanges the refresh token as the fixture shows (form
// body, fields), uses the access token it returns, caches it, and takes
// invalid_grant as an authentication error without retrying.
func TestFixtureLWA(t *testing.T) {
	t.Parallel()
	want := loadExchange(t, "lwa-token-refresh.exchange.json")
	var wantBody string
	if err := json.Unmarshal(want.Request.Body, &wantBody); err != nil {
		t.Fatal(err)
	}
	wantForm, _ := url.ParseQuery(wantBody)
	var accessToken struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(want.Response.Body, &accessToken)

	t.Run("refresh", func(t *testing.T) {
		rp := newReplay(t)
		var gotForm url.Values
		var gotType string
		rp.handle("POST /auth/o2/token", func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			gotForm, _ = url.ParseQuery(string(b))
			gotType = r.Header.Get("Content-Type")
			want.write(w)
		})
		rp.handle("GET /sellers/v1/marketplaceParticipations", participationsHandler("A1PA6795UKMFR9", "A1F83G8C2ARO7P"))
		c := fastConnector()
		for i := 0; i < 2; i++ {
			res, err := c.Check(ctxT(t), sdk.CheckRequest{Connection: "c", Config: rp.config(t, nil)})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(res.Message, "Amazon.de") || res.Details["marketplace.A1F83G8C2ARO7P"] != "Amazon.co.uk GBP" {
				t.Fatalf("check: %+v", res)
			}
		}
		for k := range wantForm {
			if gotForm.Get(k) != wantForm.Get(k) {
				t.Errorf("token request %s = %q, the fixture sends %q", k, gotForm.Get(k), wantForm.Get(k))
			}
		}
		if !strings.HasPrefix(gotType, "application/x-www-form-urlencoded") {
			t.Errorf("token request Content-Type %q", gotType)
		}
		if n := rp.count("POST /auth/o2/token"); n != 1 {
			t.Errorf("%d token exchanges for two checks, want 1 (cached)", n)
		}
		for _, tok := range rp.tokens {
			if tok != accessToken.AccessToken {
				t.Errorf("SP-API call carried x-amz-access-token %q, want the exchanged %q", tok, accessToken.AccessToken)
			}
		}
	})

	t.Run("invalid grant", func(t *testing.T) {
		rp := newReplay(t)
		bad := loadExchange(t, "lwa-token-invalid-grant.exchange.json")
		rp.handle("POST /auth/o2/token", func(w http.ResponseWriter, r *http.Request) { bad.write(w) })
		_, err := fastConnector().Check(ctxT(t), sdk.CheckRequest{Connection: "c", Config: rp.config(t, nil)})
		if sdk.KindOf(err) != sdk.KindAuthentication || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("Check with a revoked refresh token: %v (kind %s), want an authentication error naming invalid_grant", err, sdk.KindOf(err))
		}
		if n := rp.count("POST /auth/o2/token"); n != 1 {
			t.Errorf("invalid_grant was tried %d times; it is not retryable", n)
		}
	})
}

// TestFixture403TokenExpired exchanges the refresh token again once when
// Amazon says the access token expired, and fails with an authentication
// error when the fresh token is refused too.
func TestFixture403TokenExpired(t *testing.T) {
	t.Parallel()
	expired := loadExchange(t, "error-403-token-expired.exchange.json")
	rp := newReplay(t)
	var mu sync.Mutex
	fails := 1
	ok := participationsHandler("A1PA6795UKMFR9", "A1F83G8C2ARO7P")
	rp.handle("GET /sellers/v1/marketplaceParticipations", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		f := fails > 0
		fails--
		mu.Unlock()
		if f {
			expired.write(w)
			return
		}
		ok(w, r)
	})
	c := fastConnector()
	if _, err := c.Check(ctxT(t), sdk.CheckRequest{Connection: "c", Config: rp.config(t, nil)}); err != nil {
		t.Fatalf("one expired token: %v", err)
	}
	if n := rp.count("POST /auth/o2/token"); n != 2 {
		t.Fatalf("%d token exchanges, want 2 (the first token expired)", n)
	}
	mu.Lock()
	fails = 100
	mu.Unlock()
	_, err := c.Check(ctxT(t), sdk.CheckRequest{Connection: "c", Config: rp.config(t, nil)})
	if sdk.KindOf(err) != sdk.KindAuthentication || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("always expired: %v (kind %s), want an authentication error", err, sdk.KindOf(err))
	}
	if n := rp.count("POST /auth/o2/token"); n != 3 {
		t.Fatalf("%d token exchanges, want 3: one refresh per call, not a loop", n)
	}
}

// TestFixture429 waits out QuotaExceeded answers with the operation's
// bucket (reporting the wait as progress), learns the rate from
// x-amzn-RateLimit-Limit, and succeeds.
func TestFixture429(t *testing.T) {
	t.Parallel()
	quota := loadExchange(t, "error-429-quota-exceeded.exchange.json")
	inv := loadExchange(t, "fba-inventory-getInventorySummaries.exchange.json")
	rp := newReplay(t)
	var mu sync.Mutex
	n := 0
	rp.handle("GET /fba/inventory/v1/summaries", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		if k <= 3 { // the burst of 2 and a first retry
			quota.write(w)
			return
		}
		if r.URL.Query().Get("nextToken") != "" {
			_, _ = io.WriteString(w, `{"payload":{"inventorySummaries":[]}}`)
			return
		}
		inv.write(w)
	})
	c := fastConnector()
	out := &collect{}
	cfg := rp.config(t, map[string]any{"marketplace_ids": []string{"A1PA6795UKMFR9"}, "reports_mode": "never"})
	start := time.Now()
	if err := c.Read(ctxT(t), sdk.ReadRequest{Connection: "c", Config: cfg, Stream: StreamInventory, Mode: sdk.ModeFull}, out); err != nil {
		t.Fatal(err)
	}
	if len(out.records) != 2 {
		t.Fatalf("%d records after the 429s, want the fixture's 2", len(out.records))
	}
	if w := out.maxWait(); w < 400*time.Millisecond || time.Since(start) < 400*time.Millisecond {
		t.Fatalf("reported %s of rate-limit waits after three 429s at 2 requests/s; want at least one 1/rate wait", w)
	}
	cl := c.clientFor(mustConfig(t, cfg))
	if rate, _ := c.bucketFor(cl.cfg, opInventorySummaries).state(time.Now()); rate != 2.0 {
		t.Fatalf("bucket rate %v after x-amzn-RateLimit-Limit 2.0", rate)
	}

	// a POST that stays throttled fails as rate-limited
	rp.handle("POST /reports/2021-06-30/reports", func(w http.ResponseWriter, r *http.Request) { quota.write(w) })
	cl2 := c.clientFor(mustConfig(t, rp.config(t, map[string]any{"max_retries": 1})))
	b := c.bucketFor(cl2.cfg, opCreateReport)
	b.observe(1000, time.Now()) // do not wait a minute per token here
	_, err := cl2.createReport(ctxT(t), ReportOrders, time.Time{}, time.Time{}, []string{"A1PA6795UKMFR9"})
	if sdk.KindOf(err) != sdk.KindRateLimited || sdk.RetryAfterOf(err) <= 0 || !strings.Contains(err.Error(), "QuotaExceeded") {
		t.Fatalf("createReport throttled throughout: %v (kind %s, retry after %s)", err, sdk.KindOf(err), sdk.RetryAfterOf(err))
	}
	if got := rp.count("POST /reports/2021-06-30/reports"); got != 2 {
		t.Fatalf("createReport sent %d times with max_retries 1, want 2", got)
	}
}

func mustConfig(t testing.TB, raw json.RawMessage) Config {
	t.Helper()
	cfg, err := ParseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestFixture400 maps InvalidInput to an invalid-input error that quotes
// Amazon's message.
func TestFixture400(t *testing.T) {
	t.Parallel()
	bad := loadExchange(t, "error-400-invalid-input.exchange.json")
	rp := newReplay(t)
	rp.handle("GET /orders/v0/orders", func(w http.ResponseWriter, r *http.Request) { bad.write(w) })
	err := fastConnector().Read(ctxT(t), sdk.ReadRequest{Connection: "c", Config: rp.config(t, map[string]any{"orders_api": "v0", "reports_mode": "never"}),
		Stream: StreamOrders, Mode: sdk.ModeFull}, &collect{})
	if sdk.KindOf(err) != sdk.KindInvalidInput || !strings.Contains(err.Error(), "CreatedAfter or LastUpdatedAfter must be specified") ||
		!strings.Contains(err.Error(), "c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f") {
		t.Fatalf("400: %v (kind %s), want invalid input with Amazon's message and request id", err, sdk.KindOf(err))
	}
	if n := rp.count("GET /orders/v0/orders"); n != 1 {
		t.Fatalf("a 400 was sent %d times; it is not retryable", n)
	}
}

// TestFixtureOrdersV0 pages getOrders with NextToken exactly as the
// fixtures show, reads each order's items, and maps the orders: money in
// the marketplace's currency, VAT included on Amazon.de, a Pending order
// without OrderTotal.
func TestFixtureOrdersV0(t *testing.T) {
	t.Parallel()
	p1 := loadExchange(t, "orders-v0-getOrders-page-1.exchange.json")
	p2 := loadExchange(t, "orders-v0-getOrders-page-2.exchange.json")
	items := loadExchange(t, "orders-v0-getOrderItems.exchange.json")
	u1, _ := url.Parse(p1.Request.URL)
	u2, _ := url.Parse(p2.Request.URL)
	rp := newReplay(t)
	rp.handle("GET /orders/v0/orders", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("NextToken") == "":
			for k, v := range u1.Query() {
				if q.Get(k) != v[0] {
					t.Errorf("page 1 query %s = %q, the fixture sends %q", k, q.Get(k), v[0])
				}
			}
			p1.write(w)
		default:
			if r.URL.RawQuery != u2.RawQuery {
				t.Errorf("page 2 query %q, the fixture sends %q", r.URL.RawQuery, u2.RawQuery)
			}
			p2.write(w)
		}
	})
	other := map[string]string{
		"026-1175520-3389912": `{"payload":{"AmazonOrderId":"026-1175520-3389912","OrderItems":[{"ASIN":"B0CXYZ9999","OrderItemId":"55512","SellerSKU":"TS3-GRY","Title":"Trail Socks","QuantityOrdered":2,"QuantityShipped":2,"ItemPrice":{"CurrencyCode":"GBP","Amount":"37.98"},"ItemTax":{"CurrencyCode":"GBP","Amount":"6.33"}}]}}`,
		"303-9981123-4401177": `{"payload":{"AmazonOrderId":"303-9981123-4401177","OrderItems":[{"ASIN":"B0CXYZ1234","OrderItemId":"77701","SellerSKU":"MCS-NAV-M","Title":"Merino","QuantityOrdered":1,"QuantityShipped":0,"ItemPrice":{"CurrencyCode":"EUR","Amount":"44.99"},"ItemTax":{"CurrencyCode":"EUR","Amount":"7.18"}}]}}`,
	}
	for id, body := range other {
		rp.handle("GET /orders/v0/orders/"+id+"/orderItems", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) })
	}
	rp.handle("GET /orders/v0/orders/302-4829175-6613108/orderItems", func(w http.ResponseWriter, r *http.Request) { items.write(w) })
	out := &collect{}
	cfg := rp.config(t, map[string]any{"orders_api": "v0", "page_size": 2, "overlap_seconds": 300})
	// an incremental pass whose lower bound is the fixture's LastUpdatedAfter
	cur := `{"v":1,"stream":"orders","hwm":"2026-03-14T00:05:00Z"}`
	if err := fastConnector().Read(ctxT(t), sdk.ReadRequest{Connection: "c", Config: cfg, Stream: StreamOrders, Mode: sdk.ModeIncremental, Cursor: cur}, out); err != nil {
		t.Fatal(err)
	}
	got := orders(t, out.records)
	if len(got) != 3 {
		t.Fatalf("%d orders, want 3", len(got))
	}
	de := got["302-4829175-6613108"]
	if !de.Total.Shop.Equal(money("54.89", "EUR")) || !de.TaxesIncluded || !de.TotalTax.Shop.Equal(money("8.76", "EUR")) ||
		de.MarketplaceID != "A1PA6795UKMFR9" || de.FinancialStatus != commerce.FinancialPaid || de.FulfillmentStatus != commerce.FulfillmentUnfulfilled ||
		len(de.Lines) != 2 || de.Lines[0].SKU != "MCS-NAV-M" || !de.Lines[0].UnitPrice.Shop.Equal(money("44.99", "EUR")) ||
		!de.Lines[0].TaxLines[0].Rate.Equal(decimal.RequireFromString("0.19")) || de.ShippingAddress.City != "Berlin" ||
		!de.UpdatedAt.Equal(time.Date(2026, 3, 14, 9, 2, 47, 0, time.UTC)) || de.Tags[0] != "fbm" {
		t.Errorf("the Amazon.de order: %+v", de)
	}
	uk := got["026-1175520-3389912"]
	if uk.Currency != "GBP" || !uk.Total.Shop.Equal(money("37.98", "GBP")) || uk.FulfillmentStatus != commerce.FulfillmentFulfilled ||
		uk.Tags[0] != "fba" || uk.ShippingAddress.CountryCode != "GB" || !uk.Lines[0].UnitPrice.Shop.Equal(money("18.99", "GBP")) {
		t.Errorf("the Amazon.co.uk order: %+v", uk)
	}
	pend := got["303-9981123-4401177"]
	if pend.FinancialStatus != commerce.FinancialPending || !pend.Total.Shop.Equal(money("44.99", "EUR")) || pend.ShippingAddress != nil {
		t.Errorf("the pending order without OrderTotal: %+v", pend)
	}
	var c cursor
	_ = json.Unmarshal([]byte(out.last()), &c)
	if c.HWM != "2026-03-14T14:23:00Z" || c.Pass != nil {
		t.Fatalf("final cursor %s: the high-water mark is the pass's LastUpdatedBefore", out.last())
	}
}

// TestFixtureSearchOrders maps the Orders API 2026-01-01 example: proceeds
// breakdowns (a delivery tip outside the items), unit prices, packages.
func TestFixtureSearchOrders(t *testing.T) {
	t.Parallel()
	page := fixture(t, "orders-2026-01-01-searchOrders.response.json")
	rp := newReplay(t)
	rp.handle("GET /orders/2026-01-01/orders", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("marketplaceIds") != "ATVPDKIKX0DER" || q.Get("lastUpdatedAfter") == "" || q.Get("createdAfter") != "" ||
			!strings.Contains(q.Get("includedData"), "PROCEEDS") || q.Get("maxResultsPerPage") != "100" {
			t.Errorf("searchOrders query %q", r.URL.RawQuery)
		}
		if q.Get("paginationToken") == "" {
			_, _ = w.Write(page)
			return
		}
		if q.Get("paginationToken") != "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4" {
			t.Errorf("paginationToken %q, want the page's nextToken", q.Get("paginationToken"))
		}
		_, _ = io.WriteString(w, `{"orders":[],"lastUpdatedBefore":"2024-12-25T15:00:00Z"}`)
	})
	out := &collect{}
	cfg := rp.config(t, map[string]any{"region": "na", "marketplace_ids": []string{"ATVPDKIKX0DER"}, "reports_mode": "never"})
	if err := fastConnector().Read(ctxT(t), sdk.ReadRequest{Connection: "c", Config: cfg, Stream: StreamOrders, Mode: sdk.ModeFull}, out); err != nil {
		t.Fatal(err)
	}
	o := orders(t, out.records)["123-4567890-1234567"]
	if o == nil {
		t.Fatalf("records %v", out.records)
	}
	if !o.Total.Shop.Equal(money("154.99", "USD")) || o.TaxesIncluded || !o.TotalTax.Shop.Equal(money("0.02", "USD")) ||
		!o.Subtotal.Shop.Equal(money("149.97", "USD")) || len(o.Lines) != 2 || o.Lines[0].Quantity != 2 ||
		!o.Lines[0].UnitPrice.Shop.Equal(money("49.99", "USD")) || o.MarketplaceID != "ATVPDKIKX0DER" ||
		o.FulfillmentStatus != commerce.FulfillmentFulfilled || o.ShippingAddress.Province != "WA" || o.Tags[0] != "fbm" {
		t.Errorf("order: %+v", o)
	}
	if len(o.Shipments) != 1 || o.Shipments[0].Carrier != "UPS" || o.Shipments[0].TrackingNumbers[0] != "1Z999AA1234567890" ||
		o.Shipments[0].Status != commerce.TrackingDelivered || len(o.Shipments[0].Lines) != 2 || o.Shipments[0].Lines[0].Quantity != 2 {
		t.Errorf("shipments: %+v", o.Shipments)
	}
	var c cursor
	_ = json.Unmarshal([]byte(out.last()), &c)
	if c.HWM != "2024-12-25T15:00:00Z" {
		t.Fatalf("final cursor %s", out.last())
	}
}

// fixtureLevels checks the two SKUs of the inventory fixture, whichever way
// they were read.
func fixtureLevels(t *testing.T, got map[string]*commerce.InventoryLevel) {
	t.Helper()
	want := map[string][4]int{ // available, committed, on hand, incoming
		"FBA/A1PA6795UKMFR9/MCS-NAV-M": {57, 6, 65, 24},
		"FBA/A1PA6795UKMFR9/TS3-GRY":   {212, 6, 220, 40},
	}
	if len(got) != len(want) {
		t.Fatalf("%d levels, want %d", len(got), len(want))
	}
	for id, w := range want {
		lv := got[id]
		if lv == nil {
			t.Fatalf("no level %s", id)
		}
		if g := [4]int{lv.Available, lv.Committed, lv.OnHand, lv.Incoming}; g != w || lv.LocationID != "FBA/A1PA6795UKMFR9" {
			t.Errorf("%s: available, committed, on hand, incoming = %v at %s, want %v", id, g, lv.LocationID, w)
		}
	}
}

// TestFixtureInventory reads the FBA inventory summaries fixture with the
// query it shows, and follows pagination.nextToken (beside the payload).
func TestFixtureInventory(t *testing.T) {
	t.Parallel()
	inv := loadExchange(t, "fba-inventory-getInventorySummaries.exchange.json")
	u, _ := url.Parse(inv.Request.URL)
	rp := newReplay(t)
	rp.handle("GET /fba/inventory/v1/summaries", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("nextToken") != "" {
			if q.Get("nextToken") != "seed-fixture-next-token-30s" {
				t.Errorf("nextToken %q", q.Get("nextToken"))
			}
			_, _ = io.WriteString(w, `{"payload":{"granularity":{"granularityType":"Marketplace","granularityId":"A1PA6795UKMFR9"},"inventorySummaries":[]}}`)
			return
		}
		for k, v := range u.Query() {
			if k != "startDateTime" && q.Get(k) != v[0] {
				t.Errorf("query %s = %q, the fixture sends %q", k, q.Get(k), v[0])
			}
		}
		inv.write(w)
	})
	out := &collect{}
	cfg := rp.config(t, map[string]any{"marketplace_ids": []string{"A1PA6795UKMFR9"}})
	if err := fastConnector().Read(ctxT(t), sdk.ReadRequest{Connection: "c", Config: cfg, Stream: StreamInventory, Mode: sdk.ModeFull}, out); err != nil {
		t.Fatal(err)
	}
	got := levels(t, out.records)
	fixtureLevels(t, got)
	if v := got["FBA/A1PA6795UKMFR9/TS3-GRY"].UpdatedAt; !v.Equal(time.Date(2026, 3, 14, 6, 12, 55, 0, time.UTC)) {
		t.Errorf("version %s, want lastUpdatedTime", v)
	}
	if rp.count("GET /fba/inventory/v1/summaries") != 2 {
		t.Errorf("%d calls, want 2 (two pages)", rp.count("GET /fba/inventory/v1/summaries"))
	}
}

// TestFixtureReports runs the report lifecycle of the fixtures: createReport
// (202), getReport IN_PROGRESS then DONE, getReportDocument, a gzipped
// download from the pre-signed URL without SP-API headers, and the flat
// file, which matches the inventory summaries.
func TestFixtureReports(t *testing.T) {
	t.Parallel()
	create := loadExchange(t, "reports-createReport.exchange.json")
	inProgress := loadExchange(t, "reports-getReport-in-progress.exchange.json")
	done := loadExchange(t, "reports-getReport-done.exchange.json")
	doc := loadExchange(t, "reports-getReportDocument.exchange.json")
	gz := fixture(t, "report-GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA.tsv.gz")
	tsv := fixture(t, "report-GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA.tsv")
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, tsv) {
		t.Fatal("the .tsv.gz fixture does not decompress to the .tsv fixture")
	}
	rp := newReplay(t)
	rp.handle("POST /reports/2021-06-30/reports", func(w http.ResponseWriter, r *http.Request) {
		var got, want map[string]any
		_ = json.NewDecoder(r.Body).Decode(&got)
		_ = json.Unmarshal(create.Request.Body, &want)
		if got["reportType"] != want["reportType"] || !equalJSON(got["marketplaceIds"], want["marketplaceIds"]) {
			t.Errorf("createReport body %v, the fixture sends %v", got, want)
		}
		create.write(w)
	})
	polls := 0
	rp.handle("GET /reports/2021-06-30/reports/54517018502", func(w http.ResponseWriter, r *http.Request) {
		polls++
		if polls == 1 {
			inProgress.write(w)
			return
		}
		done.write(w)
	})
	rp.handle("GET /reports/2021-06-30/documents/amzn1.spdoc.1.4.eu.4f1b2c3d-0000-4e5f-9a8b-7c6d5e4f3a2b.T3ABCDEF1234567.2500", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.Unmarshal(doc.Response.Body, &body)
		body["url"] = rp.URL + "/fixture/report.tsv.gz?X-Amz-Expires=300&X-Amz-Signature=fixture"
		_ = json.NewEncoder(w).Encode(body)
	})
	rp.handle("GET /fixture/report.tsv.gz", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-amz-access-token") != "" {
			t.Error("the pre-signed download carried the SP-API access token")
		}
		w.Header().Set("Content-Type", "text/tab-separated-values;charset=UTF-8")
		_, _ = w.Write(gz)
	})
	out := &collect{}
	cfg := rp.config(t, map[string]any{"marketplace_ids": []string{"A1PA6795UKMFR9"}, "reports_mode": "always"})
	if err := fastConnector().Read(ctxT(t), sdk.ReadRequest{Connection: "c", Config: cfg, Stream: StreamInventory, Mode: sdk.ModeFull}, out); err != nil {
		t.Fatal(err)
	}
	fixtureLevels(t, levels(t, out.records))
	if polls < 2 {
		t.Fatalf("getReport polled %d times; the fixture goes IN_PROGRESS then DONE", polls)
	}
	// the checkpoint after createReport holds the report id, so a killed
	// read polls the same report
	found := false
	for _, c := range out.cursors {
		if strings.Contains(c, `"report_id":"54517018502"`) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no checkpoint carried the report id: %v", out.cursors)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestFixtureNotifications parses every notification fixture through
// ParseWebhook with a connection of the fixture's marketplaces.
func TestFixtureNotifications(t *testing.T) {
	t.Parallel()
	eu := offlineConfig(t, nil)
	na := offlineConfig(t, map[string]any{"region": "na", "marketplace_ids": []string{"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}})
	cases := []struct {
		file    string
		cfg     json.RawMessage
		topic   string
		eventID string
		check   func(t *testing.T, res *sdk.WebhookResponse)
	}{
		{"notification-order-change.json", eu, TypeOrderChange, "e1d2c3b4-a596-4877-8a6b-5c4d3e2f1a0b", func(t *testing.T, res *sdk.WebhookResponse) {
			if len(res.Actions) != 1 || res.Actions[0].Type != sdk.ActionReread || res.Actions[0].Stream != StreamOrders || res.Actions[0].IDs[0] != "302-4829175-6613108" || len(res.Records) != 0 {
				t.Errorf("ORDER_CHANGE: %+v", res)
			}
		}},
		{"notification-order-change-model-example.json", na, TypeOrderChange, "d0e9e693-c3ad-4373-979f-ed4ec98dd746", func(t *testing.T, res *sdk.WebhookResponse) {
			if len(res.Actions) != 1 || res.Actions[0].IDs[0] != "903-8868176-2219830" {
				t.Errorf("ORDER_CHANGE: %+v", res)
			}
		}},
		{"notification-order-change-model-example.json", eu, TypeOrderChange, "d0e9e693-c3ad-4373-979f-ed4ec98dd746", func(t *testing.T, res *sdk.WebhookResponse) {
			if len(res.Actions) != 0 {
				t.Errorf("an order of a marketplace the connection does not read was queued for re-read: %+v", res)
			}
		}},
		{"notification-fba-inventory-availability-changes.json", na, TypeFBAInventoryAvailability, "4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8", func(t *testing.T, res *sdk.WebhookResponse) {
			got := levels(t, res.Records)
			us, ca := got["FBA/ATVPDKIKX0DER/SELLERSKU-1"], got["FBA/A2EUQ1WTGCTBG2/SELLERSKU-1"]
			if us == nil || ca == nil || us.Available != 50 || us.Committed != 30 || us.OnHand != 80 || us.Incoming != 15 ||
				ca.Available != 40 || ca.Incoming != 6 || !us.UpdatedAt.Equal(time.Date(2026, 3, 14, 6, 12, 55, 870e6, time.UTC)) {
				t.Errorf("levels: %+v %+v", us, ca)
			}
		}},
		{"notification-any-offer-changed.json", na, TypeAnyOfferChanged, "d0e9e693-c3ad-4373-979f-ed4ec98dd746", func(t *testing.T, res *sdk.WebhookResponse) {
			if len(res.Records) != 0 || len(res.Actions) != 0 {
				t.Errorf("ANY_OFFER_CHANGED: %+v", res)
			}
		}},
		{"notification-report-processing-finished.json", eu, TypeReportProcessingFinished, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", nil},
		{"eventbridge-listings-item-mfn-quantity-change.json", eu, TypeListingsMFNQuantity, "8e009934-da2c-4f9c-9bc7-93f23b7e1f60", func(t *testing.T, res *sdk.WebhookResponse) {
			lv := levels(t, res.Records)["MFN/MCS-NAV-M"]
			if lv == nil || lv.Available != 41 || lv.LocationID != MFNLocation || !lv.UpdatedAt.Equal(time.Date(2026, 3, 14, 10, 4, 58, 120e6, time.UTC)) {
				t.Errorf("MFN quantity: %+v", res.Records)
			}
		}},
	}
	c := fastConnector()
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			res, err := c.ParseWebhook(ctxT(t), sdk.WebhookRequest{Connection: "c", Config: tc.cfg, Body: fixture(t, tc.file)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Topic != tc.topic || res.EventID != tc.eventID {
				t.Errorf("topic %q event %q, want %q %q", res.Topic, res.EventID, tc.topic, tc.eventID)
			}
			for _, r := range res.Records {
				if err := r.Validate(); err != nil {
					t.Error(err)
				}
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}

	t.Run("typed payloads", func(t *testing.T) {
		n, err := ParseNotification(fixture(t, "notification-any-offer-changed.json"))
		if err != nil {
			t.Fatal(err)
		}
		oc := n.OfferChange
		if oc == nil || oc.ASIN != "123" || oc.MarketplaceID != "ATVPDKIKX0DER" || len(oc.LowestPrices) != 2 || len(oc.BuyBoxPrices) != 2 ||
			!oc.LowestPrices[1].Shipping.Equal(money("40.00", "USD")) || !oc.BuyBoxPrices[0].Landed.Equal(money("10", "USD")) || oc.Offers != 1 {
			t.Fatalf("offer change %+v", oc)
		}
		n, err = ParseNotification(fixture(t, "notification-report-processing-finished.json"))
		if err != nil {
			t.Fatal(err)
		}
		if r := n.ReportFinished; r == nil || r.ReportID != "54517018502" || r.ProcessingStatus != "DONE" || r.ReportType != ReportFBAInventory ||
			n.NotificationVersion != "2020-09-04" || n.EventTime.IsZero() {
			t.Fatalf("report finished (camelCase envelope): %+v %+v", n, n.ReportFinished)
		}
		n, err = ParseNotification(fixture(t, "eventbridge-listings-item-mfn-quantity-change.json"))
		if err != nil {
			t.Fatal(err)
		}
		if n.EventBridgeID != "5d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f3a" || n.MFNQuantity == nil || n.MFNQuantity.Quantity != 41 {
			t.Fatalf("EventBridge: %+v", n)
		}
	})
}

// TestFixtureSQSRelay relays the SQS ReceiveMessage fixture: the body goes
// to the gateway unchanged with the relay headers, the checksum is
// checked, and the message is deleted only after the gateway's 2xx.
func TestFixtureSQSRelay(t *testing.T) {
	t.Parallel()
	var recv struct {
		Messages []sqsMessage `json:"Messages"`
	}
	raw := fixture(t, "sqs-receive-message.order-change.json")
	if err := json.Unmarshal(raw, &recv); err != nil {
		t.Fatal(err)
	}
	m := recv.Messages[0]
	sum := md5.Sum([]byte(m.Body))
	if hex.EncodeToString(sum[:]) != m.MD5OfBody {
		t.Fatalf("the fixture's MD5OfBody %s is not the MD5 of its Body", m.MD5OfBody)
	}
	var mu sync.Mutex
	var deleted []string
	var auth []string
	sqs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auth = append(auth, r.Header.Get("Authorization"))
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		if in["QueueUrl"] != "https://sqs.eu-west-1.amazonaws.com/123456789012/sp-notifications" || r.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
			t.Errorf("SQS request %v %q", in, r.Header.Get("Content-Type"))
		}
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSQS.ReceiveMessage":
			if in["WaitTimeSeconds"] != float64(20) || in["MaxNumberOfMessages"] != float64(10) {
				t.Errorf("ReceiveMessage %v: want long polling of 20 s, 10 messages", in)
			}
			_, _ = w.Write(raw)
		case "AmazonSQS.DeleteMessage":
			deleted = append(deleted, in["ReceiptHandle"].(string))
			_, _ = io.WriteString(w, "{}")
		}
	}))
	defer sqs.Close()
	var gotBody []byte
	var gotHeader http.Header
	status := http.StatusOK
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		gotBody, _ = io.ReadAll(r.Body)
		gotHeader = r.Header.Clone()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"status":"accepted","id":"1"}`)
	}))
	defer gw.Close()
	relay, err := NewRelay(RelayConfig{QueueURL: "https://sqs.eu-west-1.amazonaws.com/123456789012/sp-notifications", Region: "eu-west-1",
		Endpoint: sqs.URL, AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret", GatewayURL: gw.URL + "/webhooks/amazon-eu", Secret: "s3cret-relay-token"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := relay.Once(ctxT(t))
	if err != nil || n != 1 {
		t.Fatalf("relayed %d: %v", n, err)
	}
	mu.Lock()
	if string(gotBody) != m.Body || gotHeader.Get(RelayTokenHeader) != "s3cret-relay-token" ||
		gotHeader.Get(RelayEventIDHeader) != "e1d2c3b4-a596-4877-8a6b-5c4d3e2f1a0b" || gotHeader.Get(RelayTopicHeader) != TypeOrderChange {
		t.Errorf("the gateway got %q with headers %v", gotBody, gotHeader)
	}
	if len(deleted) != 1 || deleted[0] != "AQEBfixtureReceiptHandle+xyz==" {
		t.Errorf("deleted %v, want the fixture's receipt handle once", deleted)
	}
	if !strings.HasPrefix(auth[0], "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/") || !strings.Contains(auth[0], "/eu-west-1/sqs/aws4_request") {
		t.Errorf("SQS Authorization %q", auth[0])
	}
	status = http.StatusServiceUnavailable
	mu.Unlock()
	if _, err := relay.Once(ctxT(t)); err == nil {
		t.Fatal("a delivery the gateway refused was reported as relayed")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(deleted) != 1 {
		t.Fatalf("a message the gateway did not store was deleted: %v", deleted)
	}
	if s := relay.Stats(); s.Failed != 1 || s.Relayed != 1 || s.Deleted != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func readCSV(t *testing.T, name string) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(fixture(t, name))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestFixtureMarketplaces checks the marketplace table against the list.
func TestFixtureMarketplaces(t *testing.T) {
	t.Parallel()
	regions := map[string]string{"North America": "na", "Europe": "eu", "Far East": "fe"}
	rows := readCSV(t, "marketplaces.csv")
	if len(rows) != len(marketplaces) {
		t.Errorf("%d marketplaces in the fixture, %d in the table", len(rows), len(marketplaces))
	}
	for _, r := range rows {
		m, ok := LookupMarketplace(r["marketplace_id"])
		if !ok {
			t.Errorf("marketplace %s (%s) is missing", r["marketplace_id"], r["country"])
			continue
		}
		if m.Country != r["country_code"] || string(m.Currency) != r["default_currency"] || m.Region != regions[r["region"]] ||
			regionEndpoints[m.Region] != r["endpoint"] || m.AWSRegion != r["aws_region"] || m.Name != r["country"] || !m.Currency.Valid() {
			t.Errorf("marketplace %s: %+v, the fixture says %v", m.ID, m, r)
		}
		if regionAWS[m.Region] != m.AWSRegion || "https://sandbox."+strings.TrimPrefix(regionEndpoints[m.Region], "https://") != r["sandbox_endpoint"] {
			t.Errorf("marketplace %s: region %s endpoints disagree with %v", m.ID, m.Region, r)
		}
	}
}

// TestFixtureRateLimits checks every operation's usage plan against the
// table parsed from the models.
func TestFixtureRateLimits(t *testing.T) {
	t.Parallel()
	rows := readCSV(t, "rate-limits.csv")
	byKey := map[string]map[string]string{}
	for _, r := range rows {
		byKey[r["api_version"]+"/"+r["operation_id"]] = r
	}
	for _, op := range operations {
		r, ok := byKey[op.key()]
		if !ok {
			t.Errorf("operation %s is not in rate-limits.csv", op.key())
			continue
		}
		rate, _ := strconv.ParseFloat(r["rate_per_second"], 64)
		burst, _ := strconv.Atoi(r["burst"])
		if op.Rate != rate || op.Burst != burst || op.Method != r["method"] || op.Path != r["path"] {
			t.Errorf("%s: %v %s %v/%d, the models say %s %s %v/%d", op.key(), op.Method, op.Path, op.Rate, op.Burst, r["method"], r["path"], rate, burst)
		}
	}
}

// TestEveryFixtureCovered fails when the shared fixture folder gains a
// file no test here reads, so that new wire facts do not go untested.
func TestEveryFixtureCovered(t *testing.T) {
	covered := map[string]string{
		"SOURCES.md":                                            "documentation",
		"error-400-invalid-input.exchange.json":                 "TestFixture400",
		"error-403-token-expired.exchange.json":                 "TestFixture403TokenExpired",
		"error-429-quota-exceeded.exchange.json":                "TestFixture429",
		"eventbridge-listings-item-mfn-quantity-change.json":    "TestFixtureNotifications",
		"fba-inventory-getInventorySummaries.exchange.json":     "TestFixtureInventory, TestFixture429",
		"lwa-token-invalid-grant.exchange.json":                 "TestFixtureLWA",
		"lwa-token-refresh.exchange.json":                       "TestFixtureLWA (and every stub test)",
		"marketplaces.csv":                                      "TestFixtureMarketplaces",
		"notification-any-offer-changed.json":                   "TestFixtureNotifications, FuzzNotification",
		"notification-fba-inventory-availability-changes.json":  "TestFixtureNotifications, FuzzNotification",
		"notification-order-change-model-example.json":          "TestFixtureNotifications",
		"notification-order-change.json":                        "TestFixtureNotifications, FuzzNotification",
		"notification-report-processing-finished.json":          "TestFixtureNotifications",
		"orders-2026-01-01-searchOrders.response.json":          "TestFixtureSearchOrders, FuzzOrder2026",
		"orders-v0-getOrderItems.exchange.json":                 "TestFixtureOrdersV0",
		"orders-v0-getOrders-page-1.exchange.json":              "TestFixtureOrdersV0, FuzzOrdersV0",
		"orders-v0-getOrders-page-2.exchange.json":              "TestFixtureOrdersV0",
		"rate-limits.csv":                                       "TestFixtureRateLimits",
		"report-GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA.tsv":    "TestFixtureReports, FuzzFlatFile",
		"report-GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA.tsv.gz": "TestFixtureReports",
		"reports-createReport.exchange.json":                    "TestFixtureReports",
		"reports-getReport-done.exchange.json":                  "TestFixtureReports",
		"reports-getReport-in-progress.exchange.json":           "TestFixtureReports",
		"reports-getReportDocument.exchange.json":               "TestFixtureReports",
		"sqs-receive-message.order-change.json":                 "TestFixtureSQSRelay",
	}
	fixture(t, "SOURCES.md") // skips when the folder is absent
	entries, err := os.ReadDir(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := covered[e.Name()]; !ok {
			t.Errorf("fixture %s is read by no test: add one", e.Name())
		}
		delete(covered, e.Name())
	}
	for name := range covered {
		t.Errorf("fixture %s is gone: update the tests", name)
	}
}
