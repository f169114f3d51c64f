package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Webhook payloads are REST resources: numeric ids beside
// admin_graphql_api_id, snake_case, money as price_set bags, times in the
// shop's zone. They are converted into the GraphQL wire types and mapped
// by the same code as a sync, so a webhook and a later sync upsert the
// same record (same gid, same amounts, same times).

// rID is a REST id: a JSON number (beyond 2^53, so never a float) or a
// string of digits.
type rID int64

func (id *rID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*id = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("id %s is not an integer", string(b))
	}
	*id = rID(n)
	return nil
}

func (id rID) gid(typ, admin string) string {
	if admin != "" {
		return admin
	}
	if id == 0 {
		return ""
	}
	return "gid://shopify/" + typ + "/" + strconv.FormatInt(int64(id), 10)
}

type rMoney struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currency_code"`
}

type rSet struct {
	ShopMoney        rMoney  `json:"shop_money"`
	PresentmentMoney *rMoney `json:"presentment_money"`
}

func (s rSet) g() gBag {
	b := gBag{ShopMoney: gMoney{Amount: s.ShopMoney.Amount, CurrencyCode: s.ShopMoney.CurrencyCode}}
	if s.PresentmentMoney != nil {
		b.PresentmentMoney = &gMoney{Amount: s.PresentmentMoney.Amount, CurrencyCode: s.PresentmentMoney.CurrencyCode}
	}
	return b
}

type rTax struct {
	Title    string      `json:"title"`
	Rate     json.Number `json:"rate"`
	PriceSet rSet        `json:"price_set"`
}

func taxesG(ts []rTax) []gTax {
	out := make([]gTax, len(ts))
	for i, t := range ts {
		out[i] = gTax{Title: t.Title, Rate: t.Rate, PriceSet: t.PriceSet.g()}
	}
	return out
}

type rAddr struct {
	FirstName    string   `json:"first_name"`
	LastName     string   `json:"last_name"`
	Name         string   `json:"name"`
	Company      string   `json:"company"`
	Address1     string   `json:"address1"`
	Address2     string   `json:"address2"`
	City         string   `json:"city"`
	Province     string   `json:"province"`
	ProvinceCode string   `json:"province_code"`
	Zip          string   `json:"zip"`
	CountryCode  string   `json:"country_code"`
	Phone        string   `json:"phone"`
	Latitude     *float64 `json:"latitude"`
	Longitude    *float64 `json:"longitude"`
}

func (a *rAddr) g() *gAddr {
	if a == nil {
		return nil
	}
	return &gAddr{Name: a.Name, FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Address1: a.Address1, Address2: a.Address2,
		City: a.City, Province: a.Province, ProvinceCode: a.ProvinceCode, Zip: a.Zip, CountryCodeV2: a.CountryCode, Phone: a.Phone,
		Latitude: a.Latitude, Longitude: a.Longitude}
}

type rAlloc struct {
	AmountSet rSet `json:"amount_set"`
	Index     int  `json:"discount_application_index"`
}

type rDiscountApp struct {
	Type  string `json:"type"`
	Code  string `json:"code"`
	Title string `json:"title"`
}

func allocsG(as []rAlloc, apps []rDiscountApp) []gAlloc {
	out := make([]gAlloc, 0, len(as))
	for _, a := range as {
		g := gAlloc{AllocatedAmountSet: a.AmountSet.g()}
		if a.Index >= 0 && a.Index < len(apps) {
			app := apps[a.Index]
			switch discountType(app.Type) {
			case "code":
				g.DiscountApplication.Typename = "DiscountCodeApplication"
			case "automatic":
				g.DiscountApplication.Typename = "AutomaticDiscountApplication"
			case "manual":
				g.DiscountApplication.Typename = "ManualDiscountApplication"
			case "script":
				g.DiscountApplication.Typename = "ScriptDiscountApplication"
			}
			g.DiscountApplication.Code, g.DiscountApplication.Title = app.Code, app.Title
		}
		out = append(out, g)
	}
	return out
}

type rLine struct {
	ID                  rID      `json:"id"`
	AdminID             string   `json:"admin_graphql_api_id"`
	Name                string   `json:"name"`
	SKU                 string   `json:"sku"`
	Quantity            int      `json:"quantity"`
	RequiresShipping    bool     `json:"requires_shipping"`
	PriceSet            rSet     `json:"price_set"`
	ProductID           rID      `json:"product_id"`
	VariantID           rID      `json:"variant_id"`
	TaxLines            []rTax   `json:"tax_lines"`
	DiscountAllocations []rAlloc `json:"discount_allocations"`
}

type rShip struct {
	ID                  rID      `json:"id"`
	Title               string   `json:"title"`
	Code                string   `json:"code"`
	Source              string   `json:"source"`
	PriceSet            rSet     `json:"price_set"`
	DiscountedPriceSet  *rSet    `json:"discounted_price_set"`
	TaxLines            []rTax   `json:"tax_lines"`
	DiscountAllocations []rAlloc `json:"discount_allocations"`
}

type rCustomer struct {
	ID        rID    `json:"id"`
	AdminID   string `json:"admin_graphql_api_id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phone     string `json:"phone"`
}

type rRefundLine struct {
	ID          rID    `json:"id"`
	LineItemID  rID    `json:"line_item_id"`
	LocationID  rID    `json:"location_id"`
	Quantity    int    `json:"quantity"`
	RestockType string `json:"restock_type"`
	SubtotalSet rSet   `json:"subtotal_set"`
	TotalTaxSet rSet   `json:"total_tax_set"`
	LineItem    *rLine `json:"line_item"`
}

type rAdjustment struct {
	Kind         string `json:"kind"`
	AmountSet    rSet   `json:"amount_set"`
	TaxAmountSet rSet   `json:"tax_amount_set"`
}

type rTransaction struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Kind     string `json:"kind"`
	Status   string `json:"status"`
}

type rRefund struct {
	ID               rID            `json:"id"`
	AdminID          string         `json:"admin_graphql_api_id"`
	CreatedAt        string         `json:"created_at"`
	Note             string         `json:"note"`
	OrderID          rID            `json:"order_id"`
	RefundLineItems  []rRefundLine  `json:"refund_line_items"`
	OrderAdjustments []rAdjustment  `json:"order_adjustments"`
	Transactions     []rTransaction `json:"transactions"`
}

type rFulfillment struct {
	ID              rID      `json:"id"`
	AdminID         string   `json:"admin_graphql_api_id"`
	CreatedAt       string   `json:"created_at"`
	UpdatedAt       string   `json:"updated_at"`
	LocationID      rID      `json:"location_id"`
	OrderID         rID      `json:"order_id"`
	Status          string   `json:"status"`
	ShipmentStatus  string   `json:"shipment_status"`
	TrackingCompany string   `json:"tracking_company"`
	TrackingNumber  string   `json:"tracking_number"`
	TrackingNumbers []string `json:"tracking_numbers"`
	TrackingURL     string   `json:"tracking_url"`
	TrackingURLs    []string `json:"tracking_urls"`
	LineItems       []rLine  `json:"line_items"`
}

type rOrder struct {
	ID                    rID            `json:"id"`
	AdminID               string         `json:"admin_graphql_api_id"`
	Name                  string         `json:"name"`
	CreatedAt             string         `json:"created_at"`
	UpdatedAt             string         `json:"updated_at"`
	CancelledAt           *string        `json:"cancelled_at"`
	CancelReason          string         `json:"cancel_reason"`
	ClosedAt              *string        `json:"closed_at"`
	Currency              string         `json:"currency"`
	PresentmentCurrency   string         `json:"presentment_currency"`
	FinancialStatus       string         `json:"financial_status"`
	FulfillmentStatus     string         `json:"fulfillment_status"`
	TaxesIncluded         bool           `json:"taxes_included"`
	Tags                  string         `json:"tags"`
	Email                 string         `json:"email"`
	Customer              *rCustomer     `json:"customer"`
	ShippingAddress       *rAddr         `json:"shipping_address"`
	BillingAddress        *rAddr         `json:"billing_address"`
	SubtotalPriceSet      rSet           `json:"subtotal_price_set"`
	TotalDiscountsSet     rSet           `json:"total_discounts_set"`
	TotalShippingPriceSet rSet           `json:"total_shipping_price_set"`
	TotalTaxSet           rSet           `json:"total_tax_set"`
	TotalPriceSet         rSet           `json:"total_price_set"`
	TaxLines              []rTax         `json:"tax_lines"`
	DiscountApplications  []rDiscountApp `json:"discount_applications"`
	LineItems             []rLine        `json:"line_items"`
	ShippingLines         []rShip        `json:"shipping_lines"`
	Refunds               []rRefund      `json:"refunds"`
	Fulfillments          []rFulfillment `json:"fulfillments"`
}

func lineG(l rLine, apps []rDiscountApp) gLine {
	g := gLine{ID: l.ID.gid("LineItem", l.AdminID), Name: l.Name, SKU: l.SKU, Quantity: l.Quantity, RequiresShipping: l.RequiresShipping,
		OriginalUnitPriceSet: l.PriceSet.g(), TaxLines: taxesG(l.TaxLines), DiscountAllocations: allocsG(l.DiscountAllocations, apps)}
	if l.VariantID != 0 {
		g.Variant = &idOnly{ID: l.VariantID.gid("ProductVariant", "")}
	}
	if l.ProductID != 0 {
		g.Product = &idOnly{ID: l.ProductID.gid("Product", "")}
	}
	return g
}

// bagSum adds REST sets field by field, in each currency exactly.
type bagSum struct {
	shop, pres commerce.Money
	presOK     bool
	err        error
}

func (b *bagSum) add(s rSet, sign int) {
	add := func(acc *commerce.Money, m rMoney) {
		if m.CurrencyCode == "" {
			return
		}
		v, err := commerce.NewMoney(m.Amount, commerce.Currency(m.CurrencyCode))
		if err != nil {
			b.err = err
			return
		}
		if sign < 0 {
			v = v.Neg()
		}
		if acc.Currency == "" {
			*acc = v
			return
		}
		if *acc, err = acc.Add(v); err != nil {
			b.err = err
		}
	}
	add(&b.shop, s.ShopMoney)
	if s.PresentmentMoney != nil {
		b.presOK = true
		add(&b.pres, *s.PresentmentMoney)
	}
}

func (b *bagSum) set() *gBag {
	if b.shop.Currency == "" {
		return nil
	}
	g := &gBag{ShopMoney: gMoney{Amount: b.shop.Amount.String(), CurrencyCode: string(b.shop.Currency)}}
	if b.presOK && b.pres.Currency != "" {
		g.PresentmentMoney = &gMoney{Amount: b.pres.Amount.String(), CurrencyCode: string(b.pres.Currency)}
	}
	return g
}

// refundG converts a REST refund. REST refunds carry no total: it is the
// line subtotals (which hold their tax when prices include tax), plus their
// tax otherwise, plus refunded shipping. taxesIncluded is nil for a
// refunds/create payload, which does not say: then the refund's successful
// transactions (in presentment money) tell which sum is right.
func refundG(r rRefund, taxesIncluded *bool) (gRefund, bool) {
	g := gRefund{ID: r.ID.gid("Refund", r.AdminID), CreatedAt: r.CreatedAt, Note: r.Note}
	for _, l := range r.RefundLineItems {
		lr := gRefundLine{ID: l.ID.gid("RefundLineItem", ""), Quantity: l.Quantity, RestockType: strings.ToUpper(l.RestockType),
			SubtotalSet: l.SubtotalSet.g(), TotalTaxSet: l.TotalTaxSet.g()}
		lr.LineItem.ID = l.LineItemID.gid("LineItem", "")
		if l.LineItem != nil {
			lr.LineItem.ID = l.LineItem.ID.gid("LineItem", l.LineItem.AdminID)
			lr.LineItem.SKU = l.LineItem.SKU
		}
		if l.LocationID != 0 {
			lr.Location = &idOnly{ID: l.LocationID.gid("Location", "")}
		}
		g.RefundLineItems.Nodes = append(g.RefundLineItems.Nodes, lr)
	}
	total := func(included bool) *bagSum {
		var s bagSum
		for _, l := range r.RefundLineItems {
			s.add(l.SubtotalSet, 1)
			if !included {
				s.add(l.TotalTaxSet, 1)
			}
		}
		for _, a := range r.OrderAdjustments {
			if a.Kind == "shipping_refund" {
				s.add(a.AmountSet, -1)
				if !included {
					s.add(a.TaxAmountSet, -1)
				}
			}
		}
		return &s
	}
	included := false
	if taxesIncluded != nil {
		included = *taxesIncluded
	} else {
		var paid commerce.Money
		for _, t := range r.Transactions {
			if t.Kind != "refund" || t.Status != "success" {
				continue
			}
			m, err := commerce.NewMoney(t.Amount, commerce.Currency(t.Currency))
			if err != nil {
				continue
			}
			if paid.Currency == "" {
				paid = m
			} else if sum, err := paid.Add(m); err == nil {
				paid = sum
			}
		}
		if s := total(true); paid.Currency != "" && s.presOK && s.pres.Equal(paid) {
			included = true
		}
	}
	if s := total(included); s.err == nil {
		g.TotalRefundedSet = s.set()
	}
	return g, included
}

func fulfillmentG(f rFulfillment) gFulfillment {
	g := gFulfillment{ID: f.ID.gid("Fulfillment", f.AdminID), CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, Status: f.Status, DisplayStatus: f.ShipmentStatus}
	if f.LocationID != 0 {
		g.Location = &idOnly{ID: f.LocationID.gid("Location", "")}
	}
	if strings.EqualFold(f.ShipmentStatus, "delivered") {
		d := f.UpdatedAt
		g.DeliveredAt = &d
	}
	numbers := f.TrackingNumbers
	if len(numbers) == 0 && f.TrackingNumber != "" {
		numbers = []string{f.TrackingNumber}
	}
	urls := f.TrackingURLs
	if len(urls) == 0 && f.TrackingURL != "" {
		urls = []string{f.TrackingURL}
	}
	for i := 0; i < max(len(numbers), len(urls), min(1, len(f.TrackingCompany))); i++ {
		t := gTracking{Company: f.TrackingCompany}
		if i < len(numbers) {
			t.Number = numbers[i]
		}
		if i < len(urls) {
			t.URL = urls[i]
		}
		g.TrackingInfo = append(g.TrackingInfo, t)
	}
	for _, l := range f.LineItems {
		g.FulfillmentLineItems.Nodes = append(g.FulfillmentLineItems.Nodes, gFulfillmentLine{ID: l.ID.gid("LineItem", l.AdminID),
			Quantity: l.Quantity, LineItem: gLineRef{ID: l.ID.gid("LineItem", l.AdminID), SKU: l.SKU}})
	}
	return g
}

// orderG converts a REST order into the GraphQL shape.
func orderG(o *rOrder) (gOrder, []gRefund, []gFulfillment) {
	g := gOrder{ID: o.ID.gid("Order", o.AdminID), Name: o.Name, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, CancelledAt: nilIfBlank(o.CancelledAt),
		CancelReason: o.CancelReason, ClosedAt: nilIfBlank(o.ClosedAt), CurrencyCode: o.Currency, PresentmentCurrencyCode: o.PresentmentCurrency,
		DisplayFinancialStatus: o.FinancialStatus, DisplayFulfillmentStatus: o.FulfillmentStatus, TaxesIncluded: o.TaxesIncluded,
		Tags: strings.Split(o.Tags, ","), Email: o.Email, ShippingAddress: o.ShippingAddress.g(), BillingAddress: o.BillingAddress.g(),
		SubtotalPriceSet: o.SubtotalPriceSet.g(), TotalDiscountsSet: o.TotalDiscountsSet.g(), TotalShippingPriceSet: o.TotalShippingPriceSet.g(),
		TotalTaxSet: o.TotalTaxSet.g(), TotalPriceSet: o.TotalPriceSet.g(), TaxLines: taxesG(o.TaxLines)}
	if c := o.Customer; c != nil && c.ID != 0 {
		g.Customer = &gCustomer{ID: c.ID.gid("Customer", c.AdminID), FirstName: c.FirstName, LastName: c.LastName}
		if c.Email != "" {
			g.Customer.DefaultEmailAddress = &struct {
				EmailAddress string `json:"emailAddress"`
			}{c.Email}
		}
		if c.Phone != "" {
			g.Customer.DefaultPhoneNumber = &struct {
				PhoneNumber string `json:"phoneNumber"`
			}{c.Phone}
		}
	}
	for _, l := range o.LineItems {
		g.LineItems.Nodes = append(g.LineItems.Nodes, lineG(l, o.DiscountApplications))
	}
	for _, s := range o.ShippingLines {
		sg := gShip{ID: s.ID.gid("ShippingLine", ""), Title: s.Title, Code: s.Code, Source: s.Source, OriginalPriceSet: s.PriceSet.g(),
			TaxLines: taxesG(s.TaxLines), DiscountAllocations: allocsG(s.DiscountAllocations, o.DiscountApplications)}
		if s.DiscountedPriceSet != nil {
			d := s.DiscountedPriceSet.g()
			sg.DiscountedPriceSet = &d
		}
		g.ShippingLines.Nodes = append(g.ShippingLines.Nodes, sg)
	}
	var refunds []gRefund
	for _, r := range o.Refunds {
		g, _ := refundG(r, &o.TaxesIncluded)
		refunds = append(refunds, g)
	}
	var fulfillments []gFulfillment
	for _, f := range o.Fulfillments {
		fulfillments = append(fulfillments, fulfillmentG(f))
	}
	return g, refunds, fulfillments
}

func nilIfBlank(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

// ParseWebhook turns a verified delivery into records and actions.
// products/* and inventory_levels/update make one GraphQL call each: their
// payloads lack what the model needs (HS codes, weights and costs live on
// the inventory item; a level webhook has no SKU and only the available
// quantity), so the connector reads the record as a sync would.
func (c *Connector) ParseWebhook(ctx context.Context, req sdk.WebhookRequest) (*sdk.WebhookResponse, error) {
	topic := req.Headers.Get("X-Shopify-Topic")
	if topic == "" {
		return nil, sdk.InvalidInput("shopify: webhook: header X-Shopify-Topic is missing").
			WithDetail("only Shopify's webhook deliveries can be parsed")
	}
	resp := &sdk.WebhookResponse{Topic: topic, EventID: req.Headers.Get("X-Shopify-Webhook-Id")}
	if resp.EventID == "" {
		resp.EventID = req.Headers.Get("X-Shopify-Event-Id")
	}
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	if shop := req.Headers.Get("X-Shopify-Shop-Domain"); shop != "" && !strings.EqualFold(shop, cfg.ShopDomain) {
		return nil, sdk.InvalidInput("shopify: webhook %s: delivery for shop %s reached the connection of %s", topic, shop, cfg.ShopDomain).
			WithDetail("point %s's webhook subscription at its own connection", shop)
	}
	if len(bytes.TrimSpace(req.Body)) == 0 {
		return nil, sdk.InvalidInput("shopify: webhook %s: the body is empty", topic)
	}
	m := &mapper{conn: req.Connection}
	decode := func(v any) error {
		if err := json.Unmarshal(req.Body, v); err != nil {
			return sdk.InvalidInput("shopify: webhook %s: body is not the expected JSON: %v", topic, err)
		}
		return nil
	}
	add := func(r commerce.Record) error {
		if m.err != nil {
			return m.err
		}
		if err := r.Validate(); err != nil {
			return sdk.InvalidInput("shopify: webhook %s: %v", topic, err)
		}
		resp.Records = append(resp.Records, r)
		return nil
	}
	switch topic {
	case "orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/fulfilled", "orders/partially_fulfilled":
		var o rOrder
		if err := decode(&o); err != nil {
			return nil, err
		}
		if o.ID == 0 && o.AdminID == "" {
			return nil, sdk.InvalidInput("shopify: webhook %s: the order has no id", topic)
		}
		g, rs, fs := orderG(&o)
		return resp, add(m.mapOrder(&g, rs, fs))
	case "orders/delete":
		var o rOrder
		if err := decode(&o); err != nil {
			return nil, err
		}
		return resp, add(&commerce.Order{Meta: tombstone(req, m.conn, o.ID.gid("Order", o.AdminID))})
	case "refunds/create":
		var r rRefund
		if err := decode(&r); err != nil {
			return nil, err
		}
		g, included := refundG(r, nil)
		rec := m.mapRefund("refund", r.OrderID.gid("Order", ""), included, &g)
		return resp, add(rec)
	case "fulfillments/create", "fulfillments/update":
		var f rFulfillment
		if err := decode(&f); err != nil {
			return nil, err
		}
		g := fulfillmentG(f)
		return resp, add(m.mapFulfillment("shipment", f.OrderID.gid("Order", ""), &g))
	case "products/create", "products/update":
		var p struct {
			ID      rID    `json:"id"`
			AdminID string `json:"admin_graphql_api_id"`
		}
		if err := decode(&p); err != nil {
			return nil, err
		}
		recs, err := c.reread(ctx, cfg, req.Connection, StreamProducts, p.ID.gid("Product", p.AdminID))
		if err != nil {
			return nil, fmt.Errorf("shopify: webhook %s: %w", topic, err)
		}
		resp.Records = recs
		return resp, nil
	case "products/delete":
		var p struct {
			ID rID `json:"id"`
		}
		if err := decode(&p); err != nil {
			return nil, err
		}
		return resp, add(&commerce.Product{Meta: tombstone(req, m.conn, p.ID.gid("Product", ""))})
	case "inventory_levels/update", "inventory_levels/connect":
		return c.levelWebhook(ctx, cfg, req, resp, decode)
	case "inventory_levels/disconnect":
		var l struct {
			InventoryItemID rID `json:"inventory_item_id"`
			LocationID      rID `json:"location_id"`
		}
		if err := decode(&l); err != nil {
			return nil, err
		}
		id := fmt.Sprintf("gid://shopify/InventoryLevel/%d?inventory_item_id=%d", l.LocationID, l.InventoryItemID)
		return resp, add(&commerce.InventoryLevel{Meta: tombstone(req, m.conn, id)})
	case "customers/redact", "customers/data_request":
		var p struct {
			Customer struct {
				ID    rID    `json:"id"`
				Email string `json:"email"`
				Phone string `json:"phone"`
			} `json:"customer"`
			OrdersToRedact  []rID `json:"orders_to_redact"`
			OrdersRequested []rID `json:"orders_requested"`
		}
		if err := decode(&p); err != nil {
			return nil, err
		}
		if p.Customer.ID == 0 && p.Customer.Email == "" {
			return nil, sdk.InvalidInput("shopify: webhook %s: the payload names no customer", topic)
		}
		a := sdk.Action{Type: sdk.ActionRedactCustomer, Customer: &commerce.OrderCustomer{ExternalID: p.Customer.ID.gid("Customer", ""),
			Email: p.Customer.Email, Phone: p.Customer.Phone}}
		ids := p.OrdersToRedact
		if topic == "customers/data_request" {
			a.Type, ids = sdk.ActionDataRequest, p.OrdersRequested
		}
		for _, id := range ids {
			a.OrderIDs = append(a.OrderIDs, id.gid("Order", ""))
		}
		resp.Actions = append(resp.Actions, a)
		return resp, nil
	case "shop/redact":
		resp.Actions = append(resp.Actions, sdk.Action{Type: sdk.ActionRedactShop})
		return resp, nil
	case "app/uninstalled":
		resp.Actions = append(resp.Actions, sdk.Action{Type: sdk.ActionUninstalled})
		return resp, nil
	case "bulk_operations/finish":
		// reads poll their operation; nothing to store
		return resp, nil
	}
	return nil, sdk.InvalidInput("shopify: webhook: topic %q is not supported", topic).
		WithDetail("remove that webhook subscription, or upgrade the plugin")
}

// tombstone is the Meta of a deletion: its version is when Shopify
// triggered the webhook.
func tombstone(req sdk.WebhookRequest, conn, id string) commerce.Meta {
	at := time.Now()
	if t, err := time.Parse(time.RFC3339Nano, req.Headers.Get("X-Shopify-Triggered-At")); err == nil {
		at = t
	}
	return commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: id}, UpdatedAt: at, Deleted: true}
}

// levelWebhook reads the level a webhook announces; when Shopify's read
// lags behind the webhook, the webhook's available quantity and time win.
func (c *Connector) levelWebhook(ctx context.Context, cfg Config, req sdk.WebhookRequest, resp *sdk.WebhookResponse, decode func(any) error) (*sdk.WebhookResponse, error) {
	var l struct {
		InventoryItemID rID    `json:"inventory_item_id"`
		LocationID      rID    `json:"location_id"`
		Available       *int   `json:"available"`
		UpdatedAt       string `json:"updated_at"`
		AdminID         string `json:"admin_graphql_api_id"`
	}
	if err := decode(&l); err != nil {
		return nil, err
	}
	id := l.AdminID
	if id == "" {
		id = fmt.Sprintf("gid://shopify/InventoryLevel/%d?inventory_item_id=%d", l.LocationID, l.InventoryItemID)
	}
	recs, err := c.reread(ctx, cfg, req.Connection, StreamInventoryLevels, id)
	if err != nil {
		return nil, fmt.Errorf("shopify: webhook %s: %w", resp.Topic, err)
	}
	if len(recs) == 0 {
		// unknown level (deleted, or an item without a SKU): nothing to keep
		return resp, nil
	}
	lv := recs[0].(*commerce.InventoryLevel)
	if t, err := time.Parse(time.RFC3339, l.UpdatedAt); err == nil && t.After(lv.UpdatedAt) && l.Available != nil {
		lv.Available, lv.UpdatedAt = *l.Available, t
	}
	resp.Records = recs
	return resp, nil
}

// reread reads records by id for a webhook.
func (c *Connector) reread(ctx context.Context, cfg Config, conn, stream, id string) ([]commerce.Record, error) {
	var rs recordSink
	raw, _ := json.Marshal(cfg)
	err := c.Read(ctx, sdk.ReadRequest{Connection: conn, Config: raw, Stream: stream, IDs: []string{id}}, &rs)
	return rs.records, err
}

// recordSink collects records in memory.
type recordSink struct{ records []commerce.Record }

func (s *recordSink) Records(rs ...commerce.Record) error {
	s.records = append(s.records, rs...)
	return nil
}
func (s *recordSink) Checkpoint(string) error     { return nil }
func (s *recordSink) Progress(sdk.Progress) error { return nil }
