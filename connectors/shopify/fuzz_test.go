package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/supplyhub/supplyhub/sdk"
)

// webhookTopics are the topics ParseWebhook maps without calling Shopify.
var webhookTopics = []string{"orders/create", "orders/updated", "orders/cancelled", "orders/delete", "refunds/create",
	"fulfillments/create", "fulfillments/update", "products/delete", "inventory_levels/disconnect",
	"customers/redact", "customers/data_request", "shop/redact", "app/uninstalled", "bulk_operations/finish"}

func seedFixtures(f *testing.F, add func(body []byte)) {
	names, _ := filepath.Glob(filepath.Join(fixtures, "*.json"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			add(b)
		}
	}
	add([]byte(`{"id":1}`))
	add([]byte(`{"id":"820982911946154508","line_items":[{"id":1,"price_set":{"shop_money":{"amount":"1e9","currency_code":"XXX"}}}]}`))
}

// FuzzParseWebhook feeds arbitrary bodies to every topic that maps
// without an API call: ParseWebhook never panics, refuses bad input as
// invalid input, and returns only valid records.
func FuzzParseWebhook(f *testing.F) {
	seedFixtures(f, func(b []byte) {
		for i := range webhookTopics {
			f.Add(uint8(i), b)
		}
	})
	c := New()
	cfg := json.RawMessage(`{"shop_domain":"supplyhub-demo.myshopify.com","access_token":"shpat_x","base_url":"http://127.0.0.1:1"}`)
	f.Fuzz(func(t *testing.T, topic uint8, body []byte) {
		h := http.Header{}
		h.Set("X-Shopify-Topic", webhookTopics[int(topic)%len(webhookTopics)])
		h.Set("X-Shopify-Triggered-At", "2026-03-14T14:22:33.512734087Z")
		resp, err := c.ParseWebhook(context.Background(), sdk.WebhookRequest{Connection: "fuzz", Config: cfg, Headers: h, Body: body})
		if err != nil {
			if sdk.KindOf(err) != sdk.KindInvalidInput {
				t.Fatalf("error of kind %s: %v", sdk.KindOf(err), err)
			}
			return
		}
		for _, r := range resp.Records {
			if err := r.Validate(); err != nil {
				t.Fatalf("invalid record returned: %v", err)
			}
		}
	})
}

// FuzzGraphQLOrder maps arbitrary GraphQL order nodes: no panic, and a
// mapping that succeeds yields a record whose validation is a plain
// ValidationError or nil.
func FuzzGraphQLOrder(f *testing.F) {
	f.Add([]byte(`{"id":"gid://shopify/Order/1","createdAt":"2026-03-14T14:22:31Z","updatedAt":"2026-03-14T14:22:33Z","currencyCode":"USD",
		"lineItems":{"nodes":[{"id":"gid://shopify/LineItem/1","quantity":1,"originalUnitPriceSet":{"shopMoney":{"amount":"1.5","currencyCode":"USD"}},
		"taxLines":[{"title":"t","rate":1e-3,"priceSet":{"shopMoney":{"amount":"0","currencyCode":"USD"}}}]}]},
		"subtotalPriceSet":{"shopMoney":{"amount":"1.5","currencyCode":"USD"}},"totalPriceSet":{"shopMoney":{"amount":"1.5","currencyCode":"USD"}}}`))
	seedFixtures(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, raw []byte) {
		var g gOrder
		if json.Unmarshal(raw, &g) != nil {
			return
		}
		m := &mapper{conn: "fuzz"}
		rec := m.mapOrder(&g, g.Refunds, g.Fulfillments)
		if m.err != nil {
			if sdk.KindOf(m.err) != sdk.KindInvalidInput {
				t.Fatalf("mapping error of kind %s", sdk.KindOf(m.err))
			}
			return
		}
		_ = rec.Validate()
	})
}

// FuzzBulkFile parses arbitrary export files: no panic; every error says
// what is wrong.
func FuzzBulkFile(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(fixtures, "bulk-orders.jsonl")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("{\"id\":\"gid://shopify/Order/1\",\"refunds\":[{\"id\":\"gid://shopify/Refund/2\"}]}\n{\"__typename\":\"RefundLineItem\",\"id\":\"gid://shopify/RefundLineItem/3\",\"__parentId\":\"gid://shopify/Refund/2\"}\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, err := scanBulk(bytes.NewReader(raw), func(line int, root []byte, children [][]byte) error {
			o, err := assembleOrder(root, children)
			if err == nil {
				m := &mapper{conn: "fuzz"}
				m.mapOrder(o, o.Refunds, o.Fulfillments)
			}
			return err
		})
		if err != nil && err.Error() == "" {
			t.Fatal("an error without a message")
		}
	})
}

// FuzzParseConfig: configurations never panic, and an accepted one is
// accepted again after a round trip.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"shop_domain":"supplyhub-demo.myshopify.com","access_token":"shpat_x","api_version":"2026-01","base_url":"http://127.0.0.1:8081"}`))
	f.Add([]byte(`{"shop_domain":"a.myshopify.com","access_token":"x","overlap_seconds":1e9}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := ParseConfig(raw)
		if err != nil {
			if sdk.KindOf(err) != sdk.KindInvalidInput {
				t.Fatalf("error of kind %s: %v", sdk.KindOf(err), err)
			}
			return
		}
		b, _ := json.Marshal(c)
		if _, err := ParseConfig(b); err != nil {
			t.Fatalf("an accepted config fails after a round trip: %v", err)
		}
	})
}
