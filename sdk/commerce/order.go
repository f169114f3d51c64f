package commerce

import (
	"time"

	"github.com/shopspring/decimal"
)

// Financial statuses of an order, the unified vocabulary.
const (
	FinancialPending           = "pending"
	FinancialAuthorized        = "authorized"
	FinancialPartiallyPaid     = "partially_paid"
	FinancialPaid              = "paid"
	FinancialPartiallyRefunded = "partially_refunded"
	FinancialRefunded          = "refunded"
	FinancialVoided            = "voided"
)

// Fulfilment statuses of an order, the unified vocabulary.
const (
	FulfillmentUnfulfilled = "unfulfilled"
	FulfillmentPartial     = "partial"
	FulfillmentFulfilled   = "fulfilled"
	FulfillmentRestocked   = "restocked"
)

// Order is a customer's order on a channel, with its lines, charges, refunds
// and shipments. Amounts are MoneyBags: the shop currency always, the
// presentment currency when the buyer paid in another one.
type Order struct {
	Meta
	// Number is the human-facing order name, e.g. "#1001" or an Amazon order id.
	Number string `json:"number,omitempty"`
	// MarketplaceID is the marketplace within the channel (Amazon), if any.
	MarketplaceID string `json:"marketplace_id,omitempty"`
	// CreatedAt is when the buyer placed the order.
	CreatedAt time.Time `json:"created_at"`
	// CancelledAt is set when the order was cancelled.
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	// CancelReason is the channel's reason for a cancellation.
	CancelReason string `json:"cancel_reason,omitempty"`
	// ClosedAt is set when the order was archived or closed.
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// Currency is the shop (settlement) currency of all Shop amounts.
	Currency Currency `json:"currency"`
	// PresentmentCurrency is the buyer's currency of all Presentment amounts.
	PresentmentCurrency Currency `json:"presentment_currency,omitempty"`
	// FinancialStatus is pending, authorized, partially_paid, paid,
	// partially_refunded, refunded or voided.
	FinancialStatus string `json:"financial_status,omitempty"`
	// FulfillmentStatus is unfulfilled, partial, fulfilled or restocked.
	FulfillmentStatus string `json:"fulfillment_status,omitempty"`
	// Customer is the buyer, when the channel shares it.
	Customer *OrderCustomer `json:"customer,omitempty"`
	// ShippingAddress is where the order ships.
	ShippingAddress *Address `json:"shipping_address,omitempty"`
	// BillingAddress is the buyer's billing address.
	BillingAddress *Address `json:"billing_address,omitempty"`
	// Lines are the items ordered.
	Lines []OrderLine `json:"lines"`
	// ShippingLines are the shipping methods charged.
	ShippingLines []ShippingLine `json:"shipping_lines,omitempty"`
	// TaxLines are the order's taxes by jurisdiction and rate.
	TaxLines []TaxLine `json:"tax_lines,omitempty"`
	// TaxesIncluded says whether prices already include tax.
	TaxesIncluded bool `json:"taxes_included,omitempty"`
	// Discounts are the discounts applied to the order.
	Discounts []Discount `json:"discounts,omitempty"`
	// Subtotal is the line items' price after line discounts, before shipping and tax.
	Subtotal MoneyBag `json:"subtotal"`
	// TotalDiscounts is the sum of all discounts.
	TotalDiscounts MoneyBag `json:"total_discounts"`
	// TotalShipping is the shipping charged after shipping discounts.
	TotalShipping MoneyBag `json:"total_shipping"`
	// TotalTax is the tax charged.
	TotalTax MoneyBag `json:"total_tax"`
	// Total is what the buyer was charged at checkout.
	Total MoneyBag `json:"total"`
	// Refunds are the refunds issued against the order.
	Refunds []Refund `json:"refunds,omitempty"`
	// Shipments are the fulfilments sent for the order.
	Shipments []Shipment `json:"shipments,omitempty"`
	// Tags are the channel's free-form tags.
	Tags []string `json:"tags,omitempty"`
}

// OrderCustomer is the buyer as recorded on an order. Redaction replaces the
// personal fields and sets Redacted.
type OrderCustomer struct {
	// ExternalID is the upstream customer id, if the buyer has an account.
	ExternalID string `json:"external_id,omitempty"`
	Email      string `json:"email,omitempty"`
	FirstName  string `json:"first_name,omitempty"`
	LastName   string `json:"last_name,omitempty"`
	Phone      string `json:"phone,omitempty"`
	// Redacted is set once the personal data was removed at the buyer's or
	// the channel's request.
	Redacted bool `json:"redacted,omitempty"`
}

// OrderLine is one item on an order.
type OrderLine struct {
	// ExternalID is the upstream line id.
	ExternalID string `json:"external_id"`
	// SKU is the merchant's stock-keeping unit of the item.
	SKU string `json:"sku,omitempty"`
	// ProductID and VariantID are the upstream ids, where known.
	ProductID string `json:"product_id,omitempty"`
	VariantID string `json:"variant_id,omitempty"`
	// Title is the item's name at the time of the order.
	Title string `json:"title,omitempty"`
	// Quantity is the number of units ordered.
	Quantity int `json:"quantity"`
	// UnitPrice is the price of one unit before discounts.
	UnitPrice MoneyBag `json:"unit_price"`
	// TotalDiscount is the discount allocated to this line.
	TotalDiscount *MoneyBag `json:"total_discount,omitempty"`
	// TaxLines are the taxes on this line.
	TaxLines []TaxLine `json:"tax_lines,omitempty"`
	// RequiresShipping is false for digital goods and services.
	RequiresShipping bool `json:"requires_shipping,omitempty"`
	// LocationID is the upstream location assigned to ship the line, if any.
	LocationID string `json:"location_id,omitempty"`
}

// TaxLine is one tax charged.
type TaxLine struct {
	// Title names the tax, e.g. "VAT" or "CA State Tax".
	Title string `json:"title"`
	// Rate is the rate as a fraction, e.g. "0.19".
	Rate decimal.Decimal `json:"rate"`
	// Amount is the tax charged.
	Amount MoneyBag `json:"amount"`
}

// Discount is a discount applied to an order.
type Discount struct {
	// Code is the discount code entered, if any.
	Code string `json:"code,omitempty"`
	// Title describes an automatic or manual discount.
	Title string `json:"title,omitempty"`
	// Type is code, automatic, manual or script.
	Type string `json:"type,omitempty"`
	// Amount is the discount's value on this order.
	Amount MoneyBag `json:"amount"`
}

// ShippingLine is a shipping method charged on an order.
type ShippingLine struct {
	// Title is the method's name shown to the buyer.
	Title string `json:"title"`
	// Code is the channel's or carrier's service code.
	Code string `json:"code,omitempty"`
	// Carrier is the carrier, when the rate came from one.
	Carrier string `json:"carrier,omitempty"`
	// Price is the price charged before shipping discounts.
	Price MoneyBag `json:"price"`
	// DiscountedPrice is the price after shipping discounts.
	DiscountedPrice *MoneyBag `json:"discounted_price,omitempty"`
	// TaxLines are the taxes on shipping.
	TaxLines []TaxLine `json:"tax_lines,omitempty"`
}

// Kind returns KindOrder.
func (*Order) Kind() Kind { return KindOrder }

// Validate checks the order, that every amount is in the order's shop or
// presentment currency, and that line quantities are positive.
func (o *Order) Validate() error {
	c := newChecker(KindOrder)
	c.meta(o.Meta)
	if o.Deleted {
		return c.err()
	}
	o.check(c)
	return c.err()
}

func (o *Order) check(c checker) {
	c.time("created_at", o.CreatedAt)
	c.optTime("cancelled_at", o.CancelledAt)
	c.optTime("closed_at", o.ClosedAt)
	if !o.Currency.Valid() {
		c.fail("currency", "unknown currency %q: use an ISO 4217 code", string(o.Currency))
	}
	pres := o.PresentmentCurrency
	if pres != "" && !pres.Valid() {
		c.fail("presentment_currency", "unknown currency %q: use an ISO 4217 code", string(pres))
	}
	if pres == "" {
		pres = o.Currency
	}
	shop := o.Currency
	c.oneOf("financial_status", o.FinancialStatus, FinancialPending, FinancialAuthorized, FinancialPartiallyPaid,
		FinancialPaid, FinancialPartiallyRefunded, FinancialRefunded, FinancialVoided)
	c.oneOf("fulfillment_status", o.FulfillmentStatus, FulfillmentUnfulfilled, FulfillmentPartial,
		FulfillmentFulfilled, FulfillmentRestocked)
	if o.ShippingAddress != nil {
		c.at("shipping_address").address(*o.ShippingAddress)
	}
	if o.BillingAddress != nil {
		c.at("billing_address").address(*o.BillingAddress)
	}
	if len(o.Lines) == 0 {
		c.fail("lines", "an order needs at least one line")
	}
	for i, l := range o.Lines {
		lc := c.index("lines", i)
		lc.required("external_id", l.ExternalID)
		if l.Quantity <= 0 {
			lc.fail("quantity", "must be at least 1 (got %d)", l.Quantity)
		}
		lc.bag("unit_price", l.UnitPrice, shop, pres)
		if l.TotalDiscount != nil {
			lc.bag("total_discount", *l.TotalDiscount, shop, pres)
		}
		for j, t := range l.TaxLines {
			lc.index("tax_lines", j).taxLine(t, shop, pres)
		}
	}
	for i, s := range o.ShippingLines {
		sc := c.index("shipping_lines", i)
		sc.bag("price", s.Price, shop, pres)
		if s.DiscountedPrice != nil {
			sc.bag("discounted_price", *s.DiscountedPrice, shop, pres)
		}
		for j, t := range s.TaxLines {
			sc.index("tax_lines", j).taxLine(t, shop, pres)
		}
	}
	for i, t := range o.TaxLines {
		c.index("tax_lines", i).taxLine(t, shop, pres)
	}
	for i, d := range o.Discounts {
		dc := c.index("discounts", i)
		dc.oneOf("type", d.Type, "code", "automatic", "manual", "script")
		dc.bag("amount", d.Amount, shop, pres)
	}
	c.bag("subtotal", o.Subtotal, shop, pres)
	c.bag("total_discounts", o.TotalDiscounts, shop, pres)
	c.bag("total_shipping", o.TotalShipping, shop, pres)
	c.bag("total_tax", o.TotalTax, shop, pres)
	c.bag("total", o.Total, shop, pres)
	for i := range o.Refunds {
		o.Refunds[i].check(c.index("refunds", i), shop, pres, true)
	}
	for i := range o.Shipments {
		o.Shipments[i].check(c.index("shipments", i), true)
	}
}

func (c checker) taxLine(t TaxLine, shop, pres Currency) {
	c.required("title", t.Title)
	c.nonNegativeDecimal("rate", t.Rate)
	c.bag("amount", t.Amount, shop, pres)
}

// Refund is money returned to the buyer for some lines or charges of an
// order, optionally restocking the items. It appears inside its Order and,
// when a channel sends refunds on their own, as a record of its own.
type Refund struct {
	Meta
	// OrderID is the upstream id of the refunded order.
	OrderID string `json:"order_id"`
	// CreatedAt is when the refund was issued.
	CreatedAt time.Time `json:"created_at"`
	// Note is the merchant's reason.
	Note string `json:"note,omitempty"`
	// Lines are the refunded items.
	Lines []RefundLine `json:"lines,omitempty"`
	// Shipping is the shipping amount refunded, if any.
	Shipping *MoneyBag `json:"shipping,omitempty"`
	// Amount is the total refunded to the buyer.
	Amount MoneyBag `json:"amount"`
}

// RefundLine is one refunded item.
type RefundLine struct {
	// LineID is the upstream id of the order line.
	LineID string `json:"line_id"`
	// SKU is the refunded item's SKU, where known.
	SKU string `json:"sku,omitempty"`
	// Quantity is the number of units refunded.
	Quantity int `json:"quantity"`
	// Restock says whether the units went back into stock.
	Restock bool `json:"restock,omitempty"`
	// LocationID is where restocked units went.
	LocationID string `json:"location_id,omitempty"`
	// Subtotal is the refunded amount for these units before tax.
	Subtotal MoneyBag `json:"subtotal"`
	// Tax is the refunded tax for these units.
	Tax *MoneyBag `json:"tax,omitempty"`
}

// Kind returns KindRefund.
func (*Refund) Kind() Kind { return KindRefund }

// Validate checks a refund sent as a record of its own.
func (r *Refund) Validate() error {
	c := newChecker(KindRefund)
	c.meta(r.Meta)
	if r.Deleted {
		return c.err()
	}
	cur := r.Amount.Shop.Currency
	var pres Currency
	if r.Amount.Presentment != nil {
		pres = r.Amount.Presentment.Currency
	}
	r.check(c, cur, pres, false)
	return c.err()
}

// check validates the refund; nested refunds inside an order need only an
// external id, not a full source reference.
func (r *Refund) check(c checker, shop, pres Currency, nested bool) {
	if nested {
		c.required("source.external_id", r.Source.ExternalID)
	}
	c.required("order_id", r.OrderID)
	c.time("created_at", r.CreatedAt)
	for i, l := range r.Lines {
		lc := c.index("lines", i)
		lc.required("line_id", l.LineID)
		if l.Quantity < 0 {
			lc.fail("quantity", "must not be negative (got %d)", l.Quantity)
		}
		lc.bag("subtotal", l.Subtotal, shop, pres)
		if l.Tax != nil {
			lc.bag("tax", *l.Tax, shop, pres)
		}
	}
	if r.Shipping != nil {
		c.bag("shipping", *r.Shipping, shop, pres)
	}
	c.bag("amount", r.Amount, shop, pres)
}

// Customer is a buyer with an account on a channel or in an ERP.
type Customer struct {
	Meta
	Email     string    `json:"email,omitempty"`
	FirstName string    `json:"first_name,omitempty"`
	LastName  string    `json:"last_name,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Addresses []Address `json:"addresses,omitempty"`
	// CreatedAt is when the account was created.
	CreatedAt *time.Time `json:"created_at,omitempty"`
	// Redacted is set once the personal data was removed.
	Redacted bool `json:"redacted,omitempty"`
}

// Kind returns KindCustomer.
func (*Customer) Kind() Kind { return KindCustomer }

// Validate checks the customer.
func (cu *Customer) Validate() error {
	c := newChecker(KindCustomer)
	c.meta(cu.Meta)
	if cu.Deleted {
		return c.err()
	}
	c.optTime("created_at", cu.CreatedAt)
	for i, a := range cu.Addresses {
		c.index("addresses", i).address(a)
	}
	return c.err()
}

// SKUs returns the distinct SKUs on the order's lines, in line order.
func (o *Order) SKUs() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range o.Lines {
		if l.SKU != "" && !seen[l.SKU] {
			seen[l.SKU] = true
			out = append(out, l.SKU)
		}
	}
	return out
}

// NetQuantity returns the units of sku ordered minus the units refunded, and
// zero for a cancelled order: the demand the order represents.
func (o *Order) NetQuantity(sku string) int {
	if o.CancelledAt != nil {
		return 0
	}
	lines := map[string]bool{}
	n := 0
	for _, l := range o.Lines {
		if l.SKU == sku {
			n += l.Quantity
			lines[l.ExternalID] = true
		}
	}
	for _, r := range o.Refunds {
		for _, rl := range r.Lines {
			if lines[rl.LineID] || (rl.LineID == "" && rl.SKU == sku) {
				n -= rl.Quantity
			}
		}
	}
	return max(n, 0)
}
