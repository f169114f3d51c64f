package shopify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// Tests over every file of ../shared/fixtures/shopify.

type delivery struct {
	File       string            `json:"file"`
	Topic      string            `json:"topic"`
	Secret     string            `json:"secret"`
	Headers    map[string]string `json:"headers"`
	BodySHA256 string            `json:"body_sha256_hex"`
	BodyBytes  int               `json:"body_bytes"`
}

func deliveries(t *testing.T) []delivery {
	var f struct {
		Deliveries []delivery `json:"deliveries"`
	}
	if err := json.Unmarshal(fixture(t, "webhook-deliveries.json"), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Deliveries) < 10 {
		t.Fatalf("webhook-deliveries.json lists %d deliveries, want every webhook and compliance file", len(f.Deliveries))
	}
	return f.Deliveries
}

func (d delivery) header() http.Header {
	h := http.Header{}
	for k, v := range d.Headers {
		h.Set(k, v)
	}
	return h
}

// TestHMACVectors runs every vector through the manifest's WebhookSpec,
// which is what the host verifies with.
func TestHMACVectors(t *testing.T) {
	var f struct {
		Vectors []struct {
			Name          string `json:"name"`
			Secret        string `json:"secret"`
			BodyBase64    string `json:"body_base64"`
			BodyBytes     int    `json:"body_bytes"`
			Header        string `json:"x_shopify_hmac_sha256"`
			HMACHex       string `json:"hmac_hex"`
			ExpectedValid bool   `json:"expected_valid"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(fixture(t, "hmac-vectors.json"), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) != 8 {
		t.Fatalf("got %d vectors, the fixture has 8", len(f.Vectors))
	}
	spec := WebhookSpec()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	valid, invalid := 0, 0
	for _, v := range f.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			body, err := base64.StdEncoding.DecodeString(v.BodyBase64)
			if err != nil {
				t.Fatal(err)
			}
			if len(body) != v.BodyBytes {
				t.Fatalf("body is %d bytes, fixture says %d", len(body), v.BodyBytes)
			}
			// the expected MAC of this body and secret, as the fixture computed it
			if got := spec.Sign(v.Secret, body); len(body) > 0 {
				raw, _ := base64.StdEncoding.DecodeString(got)
				if hex.EncodeToString(raw) != v.HMACHex {
					t.Fatalf("HMAC of the body is %x, fixture says %s", raw, v.HMACHex)
				}
				if got != shopifytest.Sign(v.Secret, body) {
					t.Fatal("the fake signs differently from the manifest's spec")
				}
			}
			h := http.Header{}
			h.Set("X-Shopify-Hmac-Sha256", v.Header)
			err = spec.Verify(v.Secret, h, body)
			if v.ExpectedValid != (err == nil) {
				t.Fatalf("expected_valid=%v, Verify returned %v", v.ExpectedValid, err)
			}
			if err != nil && !errors.Is(err, sdk.ErrBadSignature) {
				t.Fatalf("rejection %v is not ErrBadSignature", err)
			}
		})
		if v.ExpectedValid {
			valid++
		} else {
			invalid++
		}
	}
	if valid == 0 || invalid == 0 {
		t.Fatalf("want both valid and invalid vectors, got %d and %d", valid, invalid)
	}
}

// TestFixtureDeliveriesVerify checks every fixture delivery's signature over
// the exact file bytes, and that one changed byte is rejected.
func TestFixtureDeliveriesVerify(t *testing.T) {
	spec := WebhookSpec()
	for _, d := range deliveries(t) {
		t.Run(d.File, func(t *testing.T) {
			body := fixture(t, d.File)
			sum := sha256.Sum256(body)
			if hex.EncodeToString(sum[:]) != d.BodySHA256 || len(body) != d.BodyBytes {
				t.Fatalf("%s changed on disk (sha256 %x, %d bytes); the signatures no longer apply", d.File, sum, len(body))
			}
			if err := spec.Verify(d.Secret, d.header(), body); err != nil {
				t.Fatalf("valid delivery rejected: %v", err)
			}
			tampered := bytes.Clone(body)
			tampered[len(tampered)/2] ^= 1
			if err := spec.Verify(d.Secret, d.header(), tampered); !errors.Is(err, sdk.ErrBadSignature) {
				t.Fatalf("tampered body accepted (%v)", err)
			}
			if err := spec.Verify("new-secret-after-rotation", d.header(), body); !errors.Is(err, sdk.ErrBadSignature) {
				t.Fatalf("wrong secret accepted (%v)", err)
			}
			if got := d.header().Get(spec.EventIDHeader); got == "" {
				t.Fatalf("delivery has no %s, the inbox's dedupe key", spec.EventIDHeader)
			}
		})
	}
}

// fixtureShop is a fake shop holding the fixtures' product, so that the
// webhooks that read Shopify back (products, inventory levels) find it.
func fixtureShop(t *testing.T) *shopifytest.Server {
	t.Helper()
	srv := newShop(t, shopifytest.Options{Orders: 1, Seed: 1})
	_, err := srv.AddProduct(shopifytest.ProductSpec{ID: 8912345645367, Title: "Trail Socks 3-Pack", Vendor: "Supplyhub Outfitters", ProductType: "Socks",
		Category: "Apparel & Accessories > Clothing > Socks", Tags: []string{"hiking", "merino", "socks"}, UpdatedAt: time.Date(2026, 3, 14, 14, 40, 2, 0, time.UTC),
		Variants: []shopifytest.VariantSpec{
			{ID: 44985110413623, InventoryItemID: 47091811909943, SKU: "TS3-GRY", Barcode: "4006381333931", Title: "Grey", Price: "21.15", Cost: "7.40", Grams: 90, HSCode: "6115.95.00", Origin: "TR", Available: 46},
			{ID: 44985110446391, InventoryItemID: 47091811942711, SKU: "TS3-OLV", Barcode: "4006381333948", Title: "Olive", Price: "21.15", Grams: 90, HSCode: "611595", Origin: "TR"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func parseFixture(t *testing.T, c *Connector, cfg json.RawMessage, d delivery) *sdk.WebhookResponse {
	t.Helper()
	resp, err := c.ParseWebhook(context.Background(), sdk.WebhookRequest{Connection: "shop-eu", Config: cfg, Headers: d.header(), Body: fixture(t, d.File)})
	if err != nil {
		t.Fatalf("ParseWebhook(%s): %v", d.File, err)
	}
	if resp.Topic != d.Topic || resp.EventID != d.Headers["X-Shopify-Webhook-Id"] {
		t.Fatalf("topic %q event %q, want %q %q", resp.Topic, resp.EventID, d.Topic, d.Headers["X-Shopify-Webhook-Id"])
	}
	for _, r := range resp.Records {
		if err := r.Validate(); err != nil {
			t.Fatalf("%s gave an invalid record: %v", d.File, err)
		}
	}
	return resp
}

func money(t *testing.T, m commerce.Money, want string, cur commerce.Currency) {
	t.Helper()
	w := commerce.MustMoney(want, cur)
	if !m.Equal(w) {
		t.Fatalf("got %s, want %s", m, w)
	}
}

func bag(t *testing.T, b commerce.MoneyBag, shop, pres string) {
	t.Helper()
	money(t, b.Shop, shop, "USD")
	if b.Presentment == nil {
		t.Fatal("presentment money is missing")
	}
	money(t, *b.Presentment, pres, "EUR")
}

// TestFixtureWebhooks parses every fixture delivery and checks what each
// means.
func TestFixtureWebhooks(t *testing.T) {
	srv := fixtureShop(t)
	c := New()
	cfg := config(t, srv, nil)
	seen := map[string]bool{}
	for _, d := range deliveries(t) {
		seen[d.File] = true
		t.Run(d.Topic, func(t *testing.T) {
			resp := parseFixture(t, c, cfg, d)
			switch d.Topic {
			case "orders/create", "orders/updated":
				if len(resp.Records) != 1 {
					t.Fatalf("got %d records, want the order", len(resp.Records))
				}
				o := resp.Records[0].(*commerce.Order)
				if o.Source.ExternalID != "gid://shopify/Order/5862346506295" || o.Number != "#1042" || len(o.Lines) != 2 {
					t.Fatalf("order %s %s with %d lines", o.Source.ExternalID, o.Number, len(o.Lines))
				}
				if _, off := o.CreatedAt.Zone(); off != -4*3600 {
					t.Fatalf("created_at lost its zone: %s", o.CreatedAt)
				}
				bag(t, o.Total, "130.28", "120.10")
				bag(t, o.Subtotal, "124.97", "115.20")
				bag(t, o.TotalTax, "20.80", "19.17")
				bag(t, o.TotalDiscounts, "13.89", "12.80")
				bag(t, *o.Lines[0].TotalDiscount, "9.65", "8.90")
				if len(o.Discounts) != 1 || o.Discounts[0].Code != "WELCOME10" || o.Discounts[0].Type != "code" {
					t.Fatalf("discounts %+v", o.Discounts)
				}
				bag(t, o.Discounts[0].Amount, "13.88", "12.80") // sum of the allocations, each rounded in USD
				if !o.TaxesIncluded || o.TaxLines[0].Rate.String() != "0.19" || o.Customer.ExternalID != "gid://shopify/Customer/7612345678135" {
					t.Fatalf("taxes %v rate %s customer %+v", o.TaxesIncluded, o.TaxLines[0].Rate, o.Customer)
				}
				if o.ShippingAddress.Geo == nil || o.ShippingAddress.CountryCode != "DE" {
					t.Fatalf("shipping address %+v", o.ShippingAddress)
				}
				if d.Topic == "orders/create" {
					if o.FinancialStatus != "paid" || o.FulfillmentStatus != "unfulfilled" || len(o.Refunds)+len(o.Shipments) != 0 {
						t.Fatalf("status %s/%s refunds %d shipments %d", o.FinancialStatus, o.FulfillmentStatus, len(o.Refunds), len(o.Shipments))
					}
					return
				}
				if o.FinancialStatus != "partially_refunded" || o.FulfillmentStatus != "fulfilled" || len(o.Refunds) != 1 || len(o.Shipments) != 1 {
					t.Fatalf("status %s/%s refunds %d shipments %d", o.FinancialStatus, o.FulfillmentStatus, len(o.Refunds), len(o.Shipments))
				}
				checkFixtureRefund(t, &o.Refunds[0])
				checkFixtureShipment(t, &o.Shipments[0])
				if o.NetQuantity("TS3-GRY") != 1 {
					t.Fatalf("net TS3-GRY demand %d, want 1 after the refund", o.NetQuantity("TS3-GRY"))
				}
			case "refunds/create":
				r := resp.Records[0].(*commerce.Refund)
				checkFixtureRefund(t, r)
			case "fulfillments/create":
				s := resp.Records[0].(*commerce.Shipment)
				checkFixtureShipment(t, s)
			case "products/update":
				if len(resp.Records) != 1 {
					t.Fatalf("got %d records", len(resp.Records))
				}
				p := resp.Records[0].(*commerce.Product)
				if p.Source.ExternalID != "gid://shopify/Product/8912345645367" || len(p.Variants) != 2 {
					t.Fatalf("product %s with %d variants", p.Source.ExternalID, len(p.Variants))
				}
				v := p.Variants[0]
				if v.SKU != "TS3-GRY" || v.InventoryItemID != "gid://shopify/InventoryItem/47091811909943" || v.HSCode != "61159500" ||
					v.CountryOfOrigin != "TR" || v.Weight == nil || v.Weight.Unit != commerce.Grams || v.Cost == nil {
					t.Fatalf("variant %+v", v)
				}
				money(t, *v.Price, "21.15", "USD")
			case "inventory_levels/update":
				if len(resp.Records) != 1 {
					t.Fatalf("got %d records", len(resp.Records))
				}
				l := resp.Records[0].(*commerce.InventoryLevel)
				if l.Source.ExternalID != "gid://shopify/InventoryLevel/76543210551?inventory_item_id=47091811909943" ||
					l.SKU != "TS3-GRY" || l.Available != 46 || l.LocationID != "gid://shopify/Location/76543210551" {
					t.Fatalf("level %+v", l)
				}
			case "customers/redact", "customers/data_request":
				want := sdk.ActionRedactCustomer
				if d.Topic == "customers/data_request" {
					want = sdk.ActionDataRequest
				}
				if len(resp.Actions) != 1 || resp.Actions[0].Type != want || len(resp.Records) != 0 {
					t.Fatalf("actions %+v", resp.Actions)
				}
				a := resp.Actions[0]
				if a.Customer.ExternalID != "gid://shopify/Customer/7612345678135" || a.Customer.Email != "lena.mueller@example.de" ||
					len(a.OrderIDs) != 2 || a.OrderIDs[0] != "gid://shopify/Order/5862346506295" {
					t.Fatalf("action %+v customer %+v", a, a.Customer)
				}
			case "shop/redact":
				if len(resp.Actions) != 1 || resp.Actions[0].Type != sdk.ActionRedactShop {
					t.Fatalf("actions %+v", resp.Actions)
				}
			case "bulk_operations/finish":
				if len(resp.Records)+len(resp.Actions) != 0 {
					t.Fatalf("a finished bulk operation stores nothing, got %+v", resp)
				}
			default:
				t.Fatalf("no expectation for topic %s", d.Topic)
			}
		})
	}
	for _, f := range []string{"webhook-orders-create.json", "webhook-orders-updated.json", "webhook-refunds-create.json", "webhook-products-update.json",
		"webhook-inventory-levels-update.json", "webhook-fulfillments-create.json", "webhook-bulk-operations-finish.json",
		"compliance-customers-data-request.json", "compliance-customers-redact.json", "compliance-shop-redact.json"} {
		if !seen[f] {
			t.Errorf("fixture %s has no delivery in webhook-deliveries.json", f)
		}
	}
}

func checkFixtureRefund(t *testing.T, r *commerce.Refund) {
	t.Helper()
	if r.Source.ExternalID != "gid://shopify/Refund/1023456789047" || r.OrderID != "gid://shopify/Order/5862346506295" || len(r.Lines) != 1 {
		t.Fatalf("refund %+v", r)
	}
	l := r.Lines[0]
	if l.LineID != "gid://shopify/LineItem/14372016456001" || l.SKU != "TS3-GRY" || l.Quantity != 1 || !l.Restock || l.LocationID != "gid://shopify/Location/76543210551" {
		t.Fatalf("refund line %+v", l)
	}
	// prices include tax: the model's subtotal is before tax
	bag(t, l.Subtotal, "16.00", "14.75")
	bag(t, *l.Tax, "3.04", "2.80")
	// what the buyer got back: the transaction's 17.55 EUR
	bag(t, r.Amount, "19.04", "17.55")
	if r.Shipping != nil {
		t.Fatalf("no shipping was refunded, got %+v", r.Shipping)
	}
}

func checkFixtureShipment(t *testing.T, s *commerce.Shipment) {
	t.Helper()
	if s.Source.ExternalID != "gid://shopify/Fulfillment/5398765432119" || s.OrderID != "gid://shopify/Order/5862346506295" ||
		s.Carrier != "DHL Express" || len(s.TrackingNumbers) != 1 || s.TrackingNumbers[0] != "1234567890" || len(s.TrackingURLs) != 1 ||
		s.Status != commerce.TrackingPreTransit || len(s.Lines) != 2 || s.Lines[1].Quantity != 2 || s.LocationID != "gid://shopify/Location/76543210551" {
		t.Fatalf("shipment %+v", s)
	}
}

// exchange is a recorded HTTP exchange from the fixtures.
type exchange struct {
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"response"`
}

// TestFixtureRESTPages maps the orders of the REST pages (the REST order
// is the webhook payload shape) and checks the pagination headers the
// fake copies.
func TestFixtureRESTPages(t *testing.T) {
	for _, name := range []string{"rest-orders-page-1.exchange.json", "rest-orders-page-2.exchange.json"} {
		t.Run(name, func(t *testing.T) {
			var ex exchange
			if err := json.Unmarshal(fixture(t, name), &ex); err != nil {
				t.Fatal(err)
			}
			if ex.Response.Headers["X-Shopify-Shop-Api-Call-Limit"] == "" || !strings.Contains(ex.Response.Headers["Link"], "page_info=") {
				t.Fatalf("headers %v lack the call limit or the Link", ex.Response.Headers)
			}
			var body struct {
				Orders []json.RawMessage `json:"orders"`
			}
			if err := json.Unmarshal(ex.Response.Body, &body); err != nil {
				t.Fatal(err)
			}
			for _, raw := range body.Orders {
				var o rOrder
				if err := json.Unmarshal(raw, &o); err != nil {
					t.Fatal(err)
				}
				g, rs, fs := orderG(&o)
				m := &mapper{conn: "shop-eu"}
				rec := m.mapOrder(&g, rs, fs)
				err := m.err
				if err == nil {
					err = rec.Validate()
				}
				if len(o.LineItems) > 0 {
					if err != nil {
						t.Fatalf("%s: %v", o.Name, err)
					}
					if rec.Source.ExternalID != o.AdminID {
						t.Fatalf("id %s, want %s", rec.Source.ExternalID, o.AdminID)
					}
					continue
				}
				// the fixture abbreviates some orders (no lines, no subtotal):
				// they are refused with an error naming the order and field
				if sdk.KindOf(err) != sdk.KindInvalidInput || !strings.Contains(err.Error(), o.AdminID) || !strings.Contains(err.Error(), "subtotal") {
					t.Fatalf("%s abbreviated: got %v, want invalid input naming the order and subtotal", o.Name, err)
				}
			}
		})
	}
}

// replay serves recorded answers in turn, then the last one again.
func replay(t *testing.T, answers ...func(w http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		answers[min(i, len(answers)-1)](w)
	}))
	t.Cleanup(hs.Close)
	return hs, &n
}

func jsonAnswer(status int, headers map[string]string, body []byte) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}
}

// testClient is a client for base whose sleeps are recorded, not slept.
func testClient(t *testing.T, base string) (*client, *[]time.Duration) {
	t.Helper()
	c := New()
	c.retryBase, c.retryMax = time.Millisecond, 10*time.Millisecond
	var slept []time.Duration
	clock := time.Date(2026, 3, 14, 14, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return clock }
	c.sleep = func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		clock = clock.Add(d)
		return nil
	}
	cfg, err := ParseConfig(json.RawMessage(`{"shop_domain":"` + testShop + `","access_token":"` + testToken + `","base_url":"` + base + `","max_retries":3}`))
	if err != nil {
		t.Fatal(err)
	}
	return c.clientFor(cfg), &slept
}

// TestFixtureGraphQLOrders decodes the recorded orders answer: a page of
// edges, cost extensions, decimals that dropped trailing zeros.
func TestFixtureGraphQLOrders(t *testing.T) {
	hs, _ := replay(t, jsonAnswer(200, nil, fixture(t, "graphql-orders.response.json")))
	cl, _ := testClient(t, hs.URL)
	var out struct {
		Orders struct {
			Edges []struct {
				Cursor string `json:"cursor"`
				Node   struct {
					gOrder
					CurrentTotalPriceSet gBag `json:"currentTotalPriceSet"`
				} `json:"node"`
			} `json:"edges"`
			PageInfo pageInfo `json:"pageInfo"`
		} `json:"orders"`
	}
	res, err := cl.do(context.Background(), "orders", "query { orders(first: 1) { edges { node { id } } } }", nil, 62, nil, &out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cost == nil || res.Cost.RequestedQueryCost != 62 || *res.Cost.ActualQueryCost != 8 || res.Cost.ThrottleStatus.CurrentlyAvailable != 1992 {
		t.Fatalf("cost %+v", res.Cost)
	}
	if len(out.Orders.Edges) != 1 || !out.Orders.PageInfo.HasNextPage || out.Orders.PageInfo.EndCursor != out.Orders.Edges[0].Cursor {
		t.Fatalf("page %+v", out.Orders)
	}
	g := out.Orders.Edges[0].Node
	loc, _ := time.LoadLocation("America/New_York")
	m := &mapper{conn: "shop-eu", loc: loc}
	total := m.bag("total", g.CurrentTotalPriceSet)
	unit := m.bag("unit", g.LineItems.Nodes[1].OriginalUnitPriceSet)
	if m.err != nil {
		t.Fatal(m.err)
	}
	// "120.1" EUR is 120.10 EUR, "19.5" is 19.50
	bag(t, total, "130.28", "120.10")
	bag(t, unit, "21.15", "19.50")
	if g.ID != "gid://shopify/Order/5862346506295" || len(g.LineItems.Nodes) != 2 || g.LineItems.Nodes[1].SKU != "TS3-GRY" {
		t.Fatalf("order %+v", g.gOrder)
	}
	if ts := m.time("updated_at", g.UpdatedAt); ts.Format(time.RFC3339) != "2026-03-14T10:22:33-04:00" {
		t.Fatalf("GraphQL UTC time in the shop's zone is %s, the webhook says 2026-03-14T10:22:33-04:00", ts.Format(time.RFC3339))
	}
	// the bucket now knows the shop's state: 1992 points, no wait for 62
	if d := cl.bucket.reserve(62, time.Now()); d != 0 {
		t.Fatalf("waited %s with 1992 points available", d)
	}
}

// TestFixtureThrottled replays the THROTTLED answer (HTTP 200): the client
// waits (requested − available) / restoreRate, reports the wait, and
// sends again.
func TestFixtureThrottled(t *testing.T) {
	ok := []byte(`{"data":{"shop":{"name":"x"}},"extensions":{"cost":{"requestedQueryCost":1,"actualQueryCost":1,"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":1999,"restoreRate":100.0}}}}`)
	hs, calls := replay(t, jsonAnswer(200, nil, fixture(t, "graphql-throttled.response.json")), jsonAnswer(200, nil, ok))
	cl, slept := testClient(t, hs.URL)
	var waits []time.Duration
	var out struct {
		Shop struct {
			Name string `json:"name"`
		} `json:"shop"`
	}
	if _, err := cl.do(context.Background(), "shop", "{ shop { name } }", nil, 752, func(d time.Duration, why string) { waits = append(waits, d) }, &out); err != nil {
		t.Fatal(err)
	}
	want := time.Duration((752.0 - 113.0) / 100.0 * float64(time.Second))
	if calls.Load() != 2 || out.Shop.Name != "x" {
		t.Fatalf("%d calls, shop %q", calls.Load(), out.Shop.Name)
	}
	if len(*slept) == 0 || (*slept)[len(*slept)-1] != want || len(waits) == 0 || waits[len(waits)-1] != want {
		t.Fatalf("slept %v, reported %v, want a wait of %s", *slept, waits, want)
	}
}

// TestFixtureREST429 replays the REST 429 with Retry-After "2.0": the
// client waits two seconds (reported) and tries again.
func TestFixtureREST429(t *testing.T) {
	var ex exchange
	if err := json.Unmarshal(fixture(t, "rest-429-throttled.exchange.json"), &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Response.Status != 429 {
		t.Fatalf("status %d", ex.Response.Status)
	}
	ok := []byte(`{"data":{"shop":{"name":"x"}}}`)
	hs, calls := replay(t, jsonAnswer(429, ex.Response.Headers, ex.Response.Body), jsonAnswer(200, nil, ok))
	cl, _ := testClient(t, hs.URL)
	var waits []time.Duration
	start := time.Now()
	if _, err := cl.do(context.Background(), "shop", "{ shop { name } }", nil, 1, func(d time.Duration, _ string) { waits = append(waits, d) }, nil); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 || time.Since(start) < 2*time.Second || len(waits) != 1 || waits[0] < 2*time.Second || waits[0] > 3*time.Second {
		t.Fatalf("%d calls in %s, reported %v; want one 2s wait", calls.Load(), time.Since(start), waits)
	}
	// when every answer is a 429 the call fails as rate-limited, asking to
	// wait (here after no retries, to keep the test short)
	hs2, _ := replay(t, jsonAnswer(429, ex.Response.Headers, ex.Response.Body))
	cl2, _ := testClient(t, hs2.URL)
	cl2.hc = httpclient.New(httpclient.Config{MaxAttempts: 1})
	_, err := cl2.do(context.Background(), "shop", "{ shop { name } }", nil, 1, nil, nil)
	if sdk.KindOf(err) != sdk.KindRateLimited || sdk.RetryAfterOf(err) != 2*time.Second {
		t.Fatalf("got %v (kind %s, retry after %s), want rate_limited after 2s", err, sdk.KindOf(err), sdk.RetryAfterOf(err))
	}
}

// TestFixtureBulk replays the bulk run and status answers and parses the
// recorded JSONL (whose nested lines carry no __typename).
func TestFixtureBulk(t *testing.T) {
	var run struct {
		Data struct {
			BulkOperationRunQuery struct {
				BulkOperation bulkOp `json:"bulkOperation"`
			} `json:"bulkOperationRunQuery"`
		} `json:"data"`
	}
	if err := json.Unmarshal(fixture(t, "graphql-bulk-run.response.json"), &run); err != nil {
		t.Fatal(err)
	}
	if op := run.Data.BulkOperationRunQuery.BulkOperation; op.ID != "gid://shopify/BulkOperation/4472588009661" || op.Status != "CREATED" {
		t.Fatalf("run answer %+v", op)
	}
	var status struct {
		Data struct {
			Node bulkOp `json:"node"`
		} `json:"data"`
	}
	if err := json.Unmarshal(fixture(t, "graphql-bulk-status.response.json"), &status); err != nil {
		t.Fatal(err)
	}
	op := status.Data.Node
	if op.Status != "COMPLETED" || op.ObjectCount != "5" || op.RootObjectCount != "2" || op.URL == "" {
		t.Fatalf("status %+v", op)
	}
	var got []*gOrder
	roots, err := scanBulk(bytes.NewReader(fixture(t, "bulk-orders.jsonl")), func(line int, root []byte, children [][]byte) error {
		o, err := assembleOrder(root, children)
		got = append(got, o)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if roots != 2 || len(got) != 2 {
		t.Fatalf("%d roots, want 2 (rootObjectCount)", roots)
	}
	lines := len(got[0].LineItems.Nodes) + len(got[1].LineItems.Nodes)
	if int64(lines)+roots != 5 {
		t.Fatalf("%d objects, want 5 (objectCount)", int64(lines)+roots)
	}
	if got[0].ID != "gid://shopify/Order/5862346506295" || len(got[0].LineItems.Nodes) != 2 || got[0].LineItems.Nodes[1].SKU != "TS3-GRY" ||
		got[1].LineItems.Nodes[0].SKU != "MCS-NAV-L" {
		t.Fatalf("orders %+v %+v", got[0], got[1])
	}
	// a nested line before any root, or under the wrong parent, is an error
	if _, err := scanBulk(strings.NewReader(`{"id":"gid://shopify/LineItem/1","__parentId":"gid://shopify/Order/1"}`), func(int, []byte, [][]byte) error { return nil }); err == nil {
		t.Fatal("a child before its parent was accepted")
	}
	if _, err := assembleOrder([]byte(`{"id":"gid://shopify/Order/2"}`), [][]byte{[]byte(`{"id":"gid://shopify/LineItem/1","__parentId":"gid://shopify/Order/1"}`)}); err == nil {
		t.Fatal("a line under another order was accepted")
	}
}

// TestEveryFixtureCovered fails when the shared fixture folder gains a
// file no test here reads, so that new wire facts do not go untested.
func TestEveryFixtureCovered(t *testing.T) {
	covered := map[string]string{
		"SOURCES.md":                             "documentation",
		"hmac-vectors.json":                      "TestHMACVectors",
		"webhook-deliveries.json":                "TestFixtureDeliveriesVerify, TestFixtureWebhooks",
		"webhook-orders-create.json":             "TestFixtureWebhooks",
		"webhook-orders-updated.json":            "TestFixtureWebhooks",
		"webhook-refunds-create.json":            "TestFixtureWebhooks",
		"webhook-products-update.json":           "TestFixtureWebhooks",
		"webhook-inventory-levels-update.json":   "TestFixtureWebhooks",
		"webhook-fulfillments-create.json":       "TestFixtureWebhooks",
		"webhook-bulk-operations-finish.json":    "TestFixtureWebhooks",
		"compliance-customers-data-request.json": "TestFixtureWebhooks",
		"compliance-customers-redact.json":       "TestFixtureWebhooks",
		"compliance-shop-redact.json":            "TestFixtureWebhooks",
		"rest-orders-page-1.exchange.json":       "TestFixtureRESTPages",
		"rest-orders-page-2.exchange.json":       "TestFixtureRESTPages",
		"rest-429-throttled.exchange.json":       "TestFixtureREST429",
		"graphql-orders.response.json":           "TestFixtureGraphQLOrders",
		"graphql-throttled.response.json":        "TestFixtureThrottled",
		"graphql-bulk-run.response.json":         "TestFixtureBulk",
		"graphql-bulk-status.response.json":      "TestFixtureBulk",
		"bulk-orders.jsonl":                      "TestFixtureBulk, FuzzBulkFile",
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
