package amazon

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Fuzzers for everything the connector parses from Amazon: notification
// documents (bare, camelCase, inside EventBridge events), order pages of
// both Orders APIs, and flat files. None may panic; every failure must be
// an sdk error saying what is wrong; every record must validate.

func fuzzConfig(f *testing.F) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"lwa_client_id": "amzn1.application-oa2-client.x", "lwa_client_secret": "s", "refresh_token": "Atzr|x", "seller_id": "A2FIXTURESELLER",
		"region": "na", "marketplace_ids": []string{"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}, "relay_secret": "fuzz-relay-secret-0123"})
	return b
}

func FuzzNotification(f *testing.F) {
	for _, name := range []string{"notification-order-change.json", "notification-fba-inventory-availability-changes.json",
		"notification-any-offer-changed.json", "notification-report-processing-finished.json", "eventbridge-listings-item-mfn-quantity-change.json",
		"notification-order-change-model-example.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"NotificationType":"ORDER_CHANGE","Payload":{"OrderChangeNotification":{}}}`))
	f.Add([]byte(`{"detail":null,"notificationType":"X","payload":{}}`))
	f.Add([]byte(`{"NotificationType":"ANY_OFFER_CHANGED","Payload":{"AnyOfferChangedNotification":{"OfferChangeTrigger":{"ASIN":"A"},"Summary":{"LowestPrices":[{"LandedPrice":{"Amount":1e400,"CurrencyCode":"USD"}}]}}}}`))
	cfg := fuzzConfig(f)
	c := New()
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseNotification(body)
		if err != nil {
			if sdk.KindOf(err) != sdk.KindInvalidInput {
				t.Fatalf("ParseNotification error %v has kind %s, want invalid input", err, sdk.KindOf(err))
			}
			return
		}
		if n.NotificationType == "" {
			t.Fatal("a notification without a type parsed")
		}
		res, err := c.ParseWebhook(context.Background(), sdk.WebhookRequest{Connection: "fuzz", Config: cfg, Body: body})
		if err != nil {
			if sdk.KindOf(err) != sdk.KindInvalidInput {
				t.Fatalf("ParseWebhook error %v has kind %s", err, sdk.KindOf(err))
			}
			return
		}
		for _, r := range res.Records {
			if err := r.Validate(); err != nil {
				t.Fatalf("record %v does not validate: %v", r.Ref(), err)
			}
		}
		for _, a := range res.Actions {
			if a.Type != sdk.ActionReread || len(a.IDs) != 1 || a.IDs[0] == "" {
				t.Fatalf("action %+v", a)
			}
		}
	})
}

func checkOrder(t *testing.T, d *draft, err error) {
	if err != nil {
		if sdk.KindOf(err) != sdk.KindInvalidInput {
			t.Fatalf("draft error %v has kind %s", err, sdk.KindOf(err))
		}
		return
	}
	o, err := d.toOrder("fuzz")
	if err != nil {
		if sdk.KindOf(err) != sdk.KindInvalidInput {
			t.Fatalf("toOrder error %v has kind %s", err, sdk.KindOf(err))
		}
		return
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("order %s does not validate: %v", o.Source.ExternalID, err)
	}
	for _, m := range []commerce.MoneyBag{o.Total, o.Subtotal, o.TotalTax, o.TotalShipping, o.TotalDiscounts} {
		if m.Shop.Currency != o.Currency {
			t.Fatalf("order %s mixes %s into %s", o.Source.ExternalID, m.Shop.Currency, o.Currency)
		}
	}
}

func FuzzOrder2026(f *testing.F) {
	f.Add(fixture(f, "orders-2026-01-01-searchOrders.response.json"))
	f.Add([]byte(`{"orders":[{"orderId":"1","lastUpdatedTime":"2026-01-01T00:00:00Z","orderItems":[{"orderItemId":"a","quantityOrdered":0,"product":{"price":{"unitPrice":{"amount":"1e3","currencyCode":"EUR"}}}}]}]}`))
	f.Add([]byte(`{"orders":[{"orderId":"1","lastUpdatedTime":"2026-01-01T00:00:00Z","salesChannel":{"marketplaceId":"A1PA6795UKMFR9"},"proceeds":{"grandTotal":{"amount":"5","currencyCode":"GBP"}},"orderItems":[{"orderItemId":"a","quantityOrdered":3,"proceeds":{"breakdowns":[{"type":"ITEM","subtotal":{"amount":"10.00","currencyCode":"EUR"}}]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var ans searchOrdersAnswer
		if json.Unmarshal(body, &ans) != nil {
			return
		}
		for i := range ans.Orders {
			d, err := draft2026(&ans.Orders[i])
			checkOrder(t, d, err)
		}
	})
}

func FuzzOrdersV0(f *testing.F) {
	page := loadExchange(f, "orders-v0-getOrders-page-1.exchange.json")
	items := loadExchange(f, "orders-v0-getOrderItems.exchange.json")
	f.Add([]byte(page.Response.Body), []byte(items.Response.Body))
	f.Add([]byte(`{"payload":{"Orders":[{"AmazonOrderId":"1","LastUpdateDate":"2026-01-01T00:00:00Z","OrderStatus":"Canceled","MarketplaceId":"ATVPDKIKX0DER"}]}}`),
		[]byte(`{"payload":{"OrderItems":[{"OrderItemId":"a","QuantityOrdered":0,"ItemPrice":{"CurrencyCode":"USD","Amount":"-0"}}]}}`))
	f.Fuzz(func(t *testing.T, orders, items []byte) {
		var ans getOrdersAnswer
		var it orderItemsAnswer
		if json.Unmarshal(orders, &ans) != nil || json.Unmarshal(items, &it) != nil {
			return
		}
		for i := range ans.Payload.Orders {
			d, err := draftV0(&ans.Payload.Orders[i], it.Payload.OrderItems)
			checkOrder(t, d, err)
		}
	})
}

const ordersReportSample = "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\torder-channel\turl\tship-service-level\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\titem-tax\tshipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\tship-promotion-discount\tship-city\tship-state\tship-postal-code\tship-country\tpromotion-ids\tis-business-order\tpurchase-order-number\tprice-designation\n" +
	"302-4829175-6613108\t\t2026-03-14T08:41:12+00:00\t2026-03-14T09:02:47+00:00\tUnshipped\tMerchant\tAmazon.de\t\t\tStandard\tMerino Crew Sweater\tMCS-NAV-M\tB0CXYZ1234\tUnshipped\t1\tEUR\t44.99\t7.18\t0.00\t0.00\t\t\t0.00\t0.00\tBerlin\t\t10119\tDE\t\tfalse\t\t\n" +
	"302-4829175-6613108\t\t2026-03-14T08:41:12+00:00\t2026-03-14T09:02:47+00:00\tUnshipped\tMerchant\tAmazon.de\t\t\tStandard\tTrail Socks\tTS3-GRY\tB0CXYZ5678\tUnshipped\t1\tEUR\t9.90\t1.58\t0.00\t0.00\t\t\t0.00\t0.00\tBerlin\t\t10119\tDE\t\tfalse\t\t\n"

func FuzzFlatFile(f *testing.F) {
	f.Add(fixture(f, "report-GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA.tsv"))
	f.Add([]byte(ordersReportSample))
	f.Add([]byte("sku\tafn-warehouse-quantity\tafn-fulfillable-quantity\tafn-reserved-quantity\nA\t-1\tx\t\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, kind := range []string{"orders", "inventory"} {
			ff, err := newFlatFile(strings.NewReader(string(doc)))
			if err != nil {
				return
			}
			var count int
			if kind == "orders" {
				err = reportOrders(ff, func(d *draft) error {
					count++
					o, err := d.toOrder("fuzz")
					if err != nil {
						if sdk.KindOf(err) != sdk.KindInvalidInput {
							t.Fatalf("toOrder error %v has kind %s", err, sdk.KindOf(err))
						}
						return nil
					}
					if err := o.Validate(); err != nil {
						t.Fatalf("report order %s does not validate: %v", o.Source.ExternalID, err)
					}
					return nil
				})
			} else {
				at := mustTime("2026-03-14T14:30:00Z")
				err = reportInventory(ff, "fuzz", "A1PA6795UKMFR9", at, func(lv *commerce.InventoryLevel) error {
					count++
					if lv.SKU == "" {
						t.Fatal("a level without a SKU")
					}
					return nil
				})
			}
			_ = err // malformed rows are errors, never panics
		}
	})
}
