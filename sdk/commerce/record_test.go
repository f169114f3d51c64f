package commerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func loadExample(t *testing.T, k Kind) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "valid", string(k)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExamplesDecodeValidateAndRoundTrip(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			r, err := DecodeValid(k, loadExample(t, k))
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind() != k {
				t.Fatalf("Kind() = %s", r.Kind())
			}
			if r.Ref().Connection == "" || r.Ref().ExternalID == "" || r.Version().IsZero() {
				t.Fatalf("meta not decoded: %+v %v", r.Ref(), r.Version())
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := DecodeValid(k, b)
			if err != nil {
				t.Fatalf("re-decode of own encoding: %v\n%s", err, b)
			}
			b2, _ := json.Marshal(r2)
			if !bytes.Equal(b, b2) {
				t.Fatalf("encoding is not stable:\n%s\n%s", b, b2)
			}
		})
	}
}

func TestTimesKeepTheirZone(t *testing.T) {
	t.Parallel()
	r, err := DecodeValid(KindOrder, loadExample(t, KindOrder))
	if err != nil {
		t.Fatal(err)
	}
	o := r.(*Order)
	if _, off := o.CreatedAt.Zone(); off != -4*3600 {
		t.Fatalf("created_at offset = %d, want -4h", off)
	}
	b, _ := json.Marshal(o)
	if !strings.Contains(string(b), `"created_at":"2026-03-14T10:22:31-04:00"`) {
		t.Fatalf("created_at lost its zone: %s", b)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(o *Order)
		field  string
	}{
		{"missing connection", func(o *Order) { o.Source.Connection = "" }, "source.connection"},
		{"missing external id", func(o *Order) { o.Source.ExternalID = "" }, "source.external_id"},
		{"no updated_at", func(o *Order) { o.UpdatedAt = time.Time{} }, "updated_at"},
		{"unknown currency", func(o *Order) { o.Currency = "XYZ" }, "currency"},
		{"line in wrong currency", func(o *Order) { o.Lines[0].UnitPrice.Shop.Currency = "GBP" }, "lines[0].unit_price.shop.currency"},
		{"presentment mismatch", func(o *Order) { o.Total.Presentment.Currency = "USD" }, "total.presentment.currency"},
		{"zero quantity", func(o *Order) { o.Lines[0].Quantity = 0 }, "lines[0].quantity"},
		{"no lines", func(o *Order) { o.Lines = nil }, "lines"},
		{"bad status", func(o *Order) { o.FinancialStatus = "PAID" }, "financial_status"},
		{"bad country", func(o *Order) { o.ShippingAddress.CountryCode = "Germany" }, "shipping_address.country_code"},
		{"bad latitude", func(o *Order) { o.ShippingAddress.Geo.Lat = 91 }, "shipping_address.geo.lat"},
		{"tax line title", func(o *Order) { o.Lines[0].TaxLines[0].Title = "" }, "lines[0].tax_lines[0].title"},
		{"refund line", func(o *Order) { o.Refunds[0].Lines[0].LineID = "" }, "refunds[0].lines[0].line_id"},
		{"discount type", func(o *Order) { o.Discounts[0].Type = "coupon" }, "discounts[0].type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Decode(KindOrder, loadExample(t, KindOrder))
			if err != nil {
				t.Fatal(err)
			}
			o := r.(*Order)
			tt.mutate(o)
			err = o.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want *ValidationError", err)
			}
			found := false
			for _, f := range ve.Fields {
				if f.Field == tt.field {
					found = true
				}
			}
			if !found {
				t.Fatalf("errors %v do not name %s", ve.Fields, tt.field)
			}
			if ve.Kind != KindOrder || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("error %q should name kind and field", err)
			}
		})
	}
}

func TestValidateOtherKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   Kind
		mutate func(Record)
		field  string
	}{
		{KindProduct, func(r Record) { r.(*Product).Variants[0].HSCode = "6109.10" }, "variants[0].hs_code"},
		{KindProduct, func(r Record) { r.(*Product).Variants[0].Weight.Unit = "stone" }, "variants[0].weight.unit"},
		{KindProduct, func(r Record) { p := r.(*Product); p.Variants = append(p.Variants, p.Variants[0]) }, "variants[1].external_id"},
		{KindProduct, func(r Record) { r.(*Product).Variants[0].CountryOfOrigin = "prt" }, "variants[0].country_of_origin"},
		{KindInventoryLevel, func(r Record) { r.(*InventoryLevel).SKU = "" }, "sku"},
		{KindInventoryLevel, func(r Record) { r.(*InventoryLevel).Committed = -1 }, "committed"},
		{KindLocation, func(r Record) { r.(*Location).Name = "" }, "name"},
		{KindShipment, func(r Record) { r.(*Shipment).Status = "in transit" }, "status"},
		{KindShipment, func(r Record) { r.(*Shipment).Events[1].Status = "" }, "events[1].status"},
		{KindRefund, func(r Record) { r.(*Refund).Lines[0].Subtotal.Shop.Currency = "EUR" }, "lines[0].subtotal.shop.currency"},
		{KindForecast, func(r Record) { r.(*Forecast).Points[1].Date = r.(*Forecast).Points[0].Date }, "points[1].date"},
		{KindForecast, func(r Record) { r.(*Forecast).Points[0].Intervals[0].Lo = 100 }, "points[0].intervals[0].lo"},
		{KindReplenishmentSuggestion, func(r Record) { r.(*ReplenishmentSuggestion).Quantity = 0 }, "quantity"},
		{KindReplenishmentSuggestion, func(r Record) { r.(*ReplenishmentSuggestion).Type = "transfer" }, "from_location_id"},
		{KindCustomer, func(r Record) { r.(*Customer).Addresses[0].CountryCode = "de" }, "addresses[0].country_code"},
		{KindProductRecommendations, func(r Record) { r.(*ProductRecommendations).Intent = "upsell" }, "intent"},
		{KindProductRecommendations, func(r Record) { r.(*ProductRecommendations).Items[1].ProductID = "" }, "items[1].product_id"},
		{KindProductRecommendations, func(r Record) {
			p := r.(*ProductRecommendations)
			p.Items[1].ProductID = p.Items[0].ProductID
		}, "items[1].product_id"},
		{KindProductRecommendations, func(r Record) {
			p := r.(*ProductRecommendations)
			p.Items[0].ProductID = p.Source.ExternalID
		}, "items[0].product_id"},
		{KindProductRecommendations, func(r Record) { r.(*ProductRecommendations).Items[0].Score = math.NaN() }, "items[0].score"},
		{KindProductRecommendations, func(r Record) { r.(*ProductRecommendations).Items[0].SKU = " " }, "items[0].sku"},
		{KindProductRecommendations, func(r Record) {
			p := r.(*ProductRecommendations)
			for i := range MaxRecommendedProducts {
				p.Items = append(p.Items, RecommendedProduct{SKU: "S", ProductID: "gid://shopify/Product/" + strconv.Itoa(i)})
			}
		}, "items"},
		{KindProductRecommendations, func(r Record) { r.(*ProductRecommendations).GeneratedAt = time.Time{} }, "generated_at"},
		{KindReceipt, func(r Record) { r.(*Receipt).SKU = "" }, "sku"},
		{KindReceipt, func(r Record) { r.(*Receipt).LocationID = " " }, "location_id"},
		{KindReceipt, func(r Record) { r.(*Receipt).Quantity = 0 }, "quantity"},
		{KindReceipt, func(r Record) { r.(*Receipt).Quantity = -3 }, "quantity"},
		{KindReceipt, func(r Record) { r.(*Receipt).ExpectedAt = new(time.Time) }, "expected_at"},
		{KindReceipt, func(r Record) { r.(*Receipt).Source.ExternalID = "" }, "source.external_id"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.field, func(t *testing.T) {
			r, err := Decode(tt.kind, loadExample(t, tt.kind))
			if err != nil {
				t.Fatal(err)
			}
			tt.mutate(r)
			var ve *ValidationError
			if err := r.Validate(); !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.field+":") {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tt.field)
			}
		})
	}
}

func TestDeletedRecordNeedsOnlyItsReference(t *testing.T) {
	t.Parallel()
	p := &Product{Meta: Meta{Source: Ref{"shop", "gid://shopify/Product/1"}, UpdatedAt: time.Now(), Deleted: true}}
	if err := p.Validate(); err != nil {
		t.Fatalf("tombstone: %v", err)
	}
	p.Source.ExternalID = ""
	if err := p.Validate(); err == nil {
		t.Fatal("a tombstone still needs its external id")
	}
}

func TestDecodeIsStrict(t *testing.T) {
	t.Parallel()
	order := loadExample(t, KindOrder)
	tests := map[string]struct {
		kind Kind
		doc  string
		want string
	}{
		"unknown field":  {KindOrder, strings.Replace(string(order), `"number"`, `"nubmer"`, 1), "nubmer"},
		"float money":    {KindOrder, strings.Replace(string(order), `"amount": "59.30"`, `"amount": 59.30`, 1), "decimal string"},
		"comma decimal":  {KindOrder, strings.Replace(string(order), `"amount": "59.30"`, `"amount": "59,30"`, 1), "59,30"},
		"trailing data":  {KindOrder, string(order) + "{}", "trailing"},
		"unknown kind":   {"invoice", "{}", "unknown record kind"},
		"not json":       {KindProduct, "<xml/>", "decode product"},
		"string for int": {KindInventoryLevel, `{"on_hand": "4"}`, "on_hand"},
		"zoneless time":  {KindInventoryLevel, `{"updated_at": "2026-03-14 10:00:00"}`, "RFC 3339 with a zone"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(tt.kind, []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestOrderNetQuantity(t *testing.T) {
	t.Parallel()
	r, err := Decode(KindOrder, loadExample(t, KindOrder))
	if err != nil {
		t.Fatal(err)
	}
	o := r.(*Order)
	if got := o.NetQuantity("TSH-COT-BLK-M"); got != 1 {
		t.Fatalf("net = %d, want 2 ordered - 1 refunded = 1", got)
	}
	if got := o.NetQuantity("OTHER"); got != 0 {
		t.Fatalf("net of absent SKU = %d", got)
	}
	now := time.Now()
	o.CancelledAt = &now
	if got := o.NetQuantity("TSH-COT-BLK-M"); got != 0 {
		t.Fatalf("cancelled order net = %d, want 0", got)
	}
	if got := o.SKUs(); len(got) != 1 || got[0] != "TSH-COT-BLK-M" {
		t.Fatalf("SKUs = %v", got)
	}
}

func TestDate(t *testing.T) {
	t.Parallel()
	d, err := ParseDate("2024-02-28")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.AddDays(2).String(); got != "2024-03-01" {
		t.Fatalf("AddDays across a leap day = %s", got)
	}
	if n := d.DaysUntil(d.AddDays(30)); n != 30 {
		t.Fatalf("DaysUntil = %d", n)
	}
	if _, err := ParseDate("28/02/2024"); err == nil {
		t.Fatal("want error for a non-ISO date")
	}
	var z struct {
		D Date `json:"d,omitzero"`
	}
	b, _ := json.Marshal(z)
	if string(b) != "{}" {
		t.Fatalf("zero date not omitted: %s", b)
	}
}

func TestWeightConversion(t *testing.T) {
	t.Parallel()
	w := Weight{Value: mustDec("1"), Unit: Pounds}
	g, err := w.To(Grams)
	if err != nil || g.Value.String() != "453.59237" {
		t.Fatalf("1 lb = %v g, %v", g.Value, err)
	}
	oz, _ := Weight{Value: mustDec("16"), Unit: Ounces}.To(Pounds)
	if !oz.Value.Equal(mustDec("1")) {
		t.Fatalf("16 oz = %s lb, want 1", oz.Value)
	}
	if _, err := (Weight{Value: mustDec("1"), Unit: "st"}).To(Grams); err == nil {
		t.Fatal("want error for unknown unit")
	}
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	if k, err := ParseKind("order"); err != nil || k != KindOrder {
		t.Fatal(k, err)
	}
	if _, err := ParseKind("orders"); err == nil || !strings.Contains(err.Error(), "order") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzDecodeOrder(f *testing.F) {
	f.Add([]byte(`{}`))
	if b, err := os.ReadFile("testdata/valid/order.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(KindOrder, b)
		if err != nil {
			return
		}
		if r.Validate() != nil {
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("valid order does not encode: %v", err)
		}
		if _, err := DecodeValid(KindOrder, out); err != nil {
			t.Fatalf("valid order's encoding does not decode: %v\n%s", err, out)
		}
	})
}

// TestReceiptTombstoneAndUndated checks what a connector sends when a
// receipt is received or cancelled (a tombstone with no quantity) and
// that an expected arrival is optional.
func TestReceiptTombstoneAndUndated(t *testing.T) {
	t.Parallel()
	tomb := &Receipt{Meta: Meta{Source: Ref{Connection: "odoo", ExternalID: "stock.move,42"}, UpdatedAt: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), Deleted: true}}
	if err := tomb.Validate(); err != nil {
		t.Fatalf("tombstone: %v", err)
	}
	r, err := DecodeValid(KindReceipt, loadExample(t, KindReceipt))
	if err != nil {
		t.Fatal(err)
	}
	rc := r.(*Receipt)
	if want := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC); rc.ExpectedAt == nil || !rc.ExpectedAt.Equal(want) {
		t.Fatalf("expected_at = %v, want %v", rc.ExpectedAt, want)
	}
	if rc.Quantity != 48 || rc.Document != "WH/IN/00042" || rc.PurchaseOrder != "P00017" || rc.Supplier != "Acme Components" {
		t.Fatalf("decoded %+v", rc)
	}
	rc.ExpectedAt = nil
	if err := rc.Validate(); err != nil {
		t.Fatalf("undated receipt: %v", err)
	}
	b, err := json.Marshal(rc)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("expected_at")) {
		t.Fatalf("an undated receipt encodes expected_at: %s", b)
	}
}
