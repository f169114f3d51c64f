package amazon

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Orders reach the connector in three shapes: Orders API v0 (PascalCase,
// items from getOrderItems), Orders API 2026-01-01 (camelCase, items and
// proceeds inline) and the flat-file orders report (one row per item).
// Each is turned into a draft, and one function turns a draft into a
// commerce.Order, so that the same order gives the same record whichever
// way it was read.

// amountText is a money amount as Amazon sends it: a JSON string in the
// APIs ("44.99"), a JSON number in some notifications (10.0). Numbers are
// kept as their text, never passed through a float.
type amountText string

// UnmarshalJSON accepts a string or a number.
func (a *amountText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*a = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = amountText(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("amount %s is neither a string nor a number", snippet(b))
	}
	*a = amountText(n.String())
	return nil
}

// apiMoney is Amazon's Money: {"CurrencyCode", "Amount"} in v0 and the
// notifications, {"currencyCode", "amount"} in the newer APIs (JSON keys
// match case-insensitively).
type apiMoney struct {
	CurrencyCode string     `json:"CurrencyCode"`
	Amount       amountText `json:"Amount"`
}

// parseAmount parses an amount: a plain decimal, or a JSON number with an
// exponent (decimal arithmetic, never a float).
func parseAmount(s string) (decimal.Decimal, error) {
	if d, err := commerce.ParseAmount(s); err == nil {
		return d, nil
	}
	if len(s) > 40 {
		return decimal.Decimal{}, fmt.Errorf("amount %q is too long", s[:40]+"…")
	}
	d, err := decimal.NewFromString(s)
	if err != nil || d.Exponent() < -28 || d.Exponent() > 28 {
		return decimal.Decimal{}, fmt.Errorf("amount %q is not a decimal number", s)
	}
	return d, nil
}

// draftLine is one order item in order currency.
type draftLine struct {
	id, sku, asin, title string
	qty                  int
	// price is the line's item price: unit price times quantity (VAT
	// included where the marketplace's prices include it).
	price                                decimal.Decimal
	tax, ship, shipTax, shipDisc, promo  decimal.Decimal
	promoTax, shipDiscTax, gift, giftTax decimal.Decimal
	// unit is the unit price when Amazon states it (2026-01-01).
	unit *decimal.Decimal
}

type draftPackage struct {
	id, carrier, service, tracking, status, detailed string
	shipped                                          time.Time
	lines                                            []commerce.ShipmentLine
}

// draft is an order in the shape-independent form the mapping works on.
type draft struct {
	id, marketplace, salesChannel string
	// status is pending, unshipped, partial, shipped, canceled or
	// unfulfillable ("" when unknown).
	status string
	// channel is afn (fulfilled by Amazon) or mfn (by the merchant).
	channel          string
	service          string
	created, updated time.Time
	currency         commerce.Currency
	// total is the order total Amazon states, when it does.
	total *decimal.Decimal
	// other charges (COD fees, delivery tips) count in the total only.
	other    decimal.Decimal
	address  *commerce.Address
	lines    []draftLine
	packages []draftPackage
	// source names the shape, for error messages.
	source string
}

func (d *draft) fail(format string, args ...any) error {
	return sdk.InvalidInput("amazon: order %s (%s): %s", d.id, d.source, fmt.Sprintf(format, args...)).
		WithDetail("Amazon sent an order the connector cannot map; report it with the order id")
}

// amount converts one money value of the order, checking its currency.
// A nil or empty value is zero.
func (d *draft) amount(field string, m *apiMoney) (decimal.Decimal, error) {
	if m == nil || m.Amount == "" {
		return decimal.Zero, nil
	}
	v, err := parseAmount(string(m.Amount))
	if err != nil {
		return decimal.Zero, d.fail("%s: %v", field, err)
	}
	if err := d.useCurrency(field, m.CurrencyCode); err != nil {
		return decimal.Zero, err
	}
	return v, nil
}

func (d *draft) useCurrency(field, code string) error {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return nil
	}
	cur := commerce.Currency(code)
	if !cur.Valid() {
		return d.fail("%s: unknown currency %q", field, code)
	}
	if d.currency == "" {
		d.currency = cur
		return nil
	}
	if d.currency != cur {
		return d.fail("%s is in %s but the order is in %s", field, cur, d.currency)
	}
	return nil
}

// normStatus maps the order statuses of the three shapes to one vocabulary.
func normStatus(s string) string {
	k := strings.ToLower(strings.NewReplacer("_", "", " ", "", "-", "").Replace(s))
	switch k {
	case "pending", "pendingavailability":
		return "pending"
	case "unshipped":
		return "unshipped"
	case "partiallyshipped", "shipping":
		return "partial"
	case "shipped", "invoiceunconfirmed", "delivered":
		return "shipped"
	case "canceled", "cancelled":
		return "canceled"
	case "unfulfillable":
		return "unfulfillable"
	}
	return ""
}

// normChannel maps AFN/MFN, AMAZON/MERCHANT and Amazon/Merchant.
func normChannel(s string) string {
	switch strings.ToLower(s) {
	case "afn", "amazon":
		return "afn"
	case "mfn", "merchant", "seller":
		return "mfn"
	}
	return ""
}

func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an ISO 8601 time", field, s)
	}
	return t, nil
}

func taxTitle(m Marketplace) string {
	switch m.Country {
	case "US", "CA":
		return "Sales tax"
	case "AU", "SG", "IN":
		return "GST"
	case "JP":
		return "Consumption tax"
	}
	return "VAT"
}

// taxRate infers the rate of tax on amount (gross when included): the
// APIs report amounts, not rates. It is rounded to 3 decimals.
func taxRate(amount, tax decimal.Decimal, included bool) decimal.Decimal {
	base := amount
	if included {
		base = amount.Sub(tax)
	}
	if !base.IsPositive() || !tax.IsPositive() {
		return decimal.Zero
	}
	return tax.DivRound(base, 8).RoundBank(3)
}

// packageStatus maps a 2026-01-01 package status to the unified vocabulary.
func packageStatus(status, detailed string) commerce.TrackingStatus {
	switch strings.ToUpper(detailed) {
	case "OUT_FOR_DELIVERY":
		return commerce.TrackingOutForDelivery
	case "DELIVERED":
		return commerce.TrackingDelivered
	}
	switch strings.ToUpper(status) {
	case "DELIVERED":
		return commerce.TrackingDelivered
	case "IN_TRANSIT", "SHIPPED":
		return commerce.TrackingInTransit
	case "PENDING", "READY_FOR_PICKUP", "PICKED_UP", "LABEL_CREATED":
		return commerce.TrackingPreTransit
	case "RETURNED", "RETURNING", "RETURN_TO_SENDER":
		return commerce.TrackingReturned
	case "UNDELIVERABLE", "DELAYED", "LOST", "DAMAGED":
		return commerce.TrackingException
	case "CANCELLED", "CANCELED":
		return commerce.TrackingCancelled
	}
	return commerce.TrackingUnknown
}

// toOrder maps a draft to an Order of connection conn.
func (d *draft) toOrder(conn string) (*commerce.Order, error) {
	if d.id == "" {
		return nil, sdk.InvalidInput("amazon: an order (%s) has no order id", d.source)
	}
	if d.updated.IsZero() {
		return nil, d.fail("no last-updated time")
	}
	if d.created.IsZero() {
		d.created = d.updated
	}
	mp, known := marketplaceByID[d.marketplace]
	if !known && d.salesChannel != "" {
		if m, ok := marketplaceBySalesChannel(d.salesChannel); ok {
			mp, known, d.marketplace = m, true, m.ID
		}
	}
	if d.currency == "" {
		if !known {
			return nil, d.fail("no amount states its currency and marketplace %q is unknown", d.marketplace)
		}
		d.currency = mp.Currency
	}
	cur := d.currency
	money := func(v decimal.Decimal) commerce.Money { return commerce.Money{Amount: v, Currency: cur} }
	bag := func(v decimal.Decimal) commerce.MoneyBag { return commerce.Bag(money(v)) }

	var items, tax, ship, shipDisc, promo, gift decimal.Decimal
	var shipTax decimal.Decimal
	for _, l := range d.lines {
		items = items.Add(l.price)
		tax = tax.Add(l.tax).Add(l.giftTax).Sub(l.promoTax)
		shipTax = shipTax.Add(l.shipTax).Sub(l.shipDiscTax)
		ship = ship.Add(l.ship)
		shipDisc = shipDisc.Add(l.shipDisc)
		promo = promo.Add(l.promo)
		gift = gift.Add(l.gift)
	}
	totalTax := tax.Add(shipTax)
	base := items.Sub(promo).Add(ship).Sub(shipDisc).Add(gift).Add(d.other)
	included := mp.TaxIncluded
	if d.total != nil && totalTax.IsPositive() {
		switch {
		case d.total.Equal(base):
			included = true
		case d.total.Equal(base.Add(totalTax)):
			included = false
		}
	}
	total := base
	if !included {
		total = base.Add(totalTax)
	}
	if d.total != nil {
		total = *d.total
	}
	title := taxTitle(mp)
	o := &commerce.Order{
		Meta:           commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: d.id}, UpdatedAt: d.updated},
		Number:         d.id,
		MarketplaceID:  d.marketplace,
		CreatedAt:      d.created,
		Currency:       cur,
		TaxesIncluded:  included,
		Subtotal:       bag(items.Sub(promo)),
		TotalDiscounts: bag(promo.Add(shipDisc)),
		TotalShipping:  bag(ship.Sub(shipDisc)),
		TotalTax:       bag(totalTax),
		Total:          bag(total),
	}
	switch d.status {
	case "pending":
		o.FinancialStatus, o.FulfillmentStatus = commerce.FinancialPending, commerce.FulfillmentUnfulfilled
	case "unshipped", "unfulfillable":
		o.FinancialStatus, o.FulfillmentStatus = commerce.FinancialPaid, commerce.FulfillmentUnfulfilled
	case "partial":
		o.FinancialStatus, o.FulfillmentStatus = commerce.FinancialPaid, commerce.FulfillmentPartial
	case "shipped":
		o.FinancialStatus, o.FulfillmentStatus = commerce.FinancialPaid, commerce.FulfillmentFulfilled
	case "canceled":
		o.FinancialStatus, o.FulfillmentStatus = commerce.FinancialVoided, commerce.FulfillmentUnfulfilled
		at := d.updated
		o.CancelledAt = &at
	}
	switch d.channel {
	case "afn":
		o.Tags = []string{"fba"}
	case "mfn":
		o.Tags = []string{"fbm"}
	}
	if d.address != nil {
		a := *d.address
		o.ShippingAddress = &a
	}
	for _, l := range d.lines {
		qty := l.qty
		if qty <= 0 {
			// Amazon reports some cancelled items with quantity 0; the
			// model needs at least 1, and a cancelled order's demand is 0
			// whatever its lines say.
			if d.status != "canceled" {
				return nil, d.fail("item %s has quantity %d", l.id, l.qty)
			}
			qty = 1
		}
		unit := l.price
		switch {
		case l.unit != nil:
			unit = *l.unit
		case qty > 1:
			q := decimal.NewFromInt(int64(qty))
			unit = l.price.DivRound(q, 12)
			if !unit.Mul(q).Equal(l.price) {
				unit = money(unit).Round(commerce.RoundHalfEven).Amount
			}
		}
		line := commerce.OrderLine{ExternalID: l.id, SKU: l.sku, ProductID: l.asin, Title: l.title, Quantity: qty,
			UnitPrice: bag(unit), RequiresShipping: true}
		if l.promo.IsPositive() {
			b := bag(l.promo)
			line.TotalDiscount = &b
		}
		if t := l.tax.Add(l.giftTax).Sub(l.promoTax); t.IsPositive() {
			line.TaxLines = []commerce.TaxLine{{Title: title, Rate: taxRate(l.price.Sub(l.promo), t, included), Amount: bag(t)}}
		}
		o.Lines = append(o.Lines, line)
	}
	if ship.IsPositive() || shipTax.IsPositive() {
		sl := commerce.ShippingLine{Title: strings.ToLower(cmp.Or(d.service, "standard")), Price: bag(ship)}
		if shipDisc.IsPositive() {
			b := bag(ship.Sub(shipDisc))
			sl.DiscountedPrice = &b
		}
		if shipTax.IsPositive() {
			sl.TaxLines = []commerce.TaxLine{{Title: title, Rate: taxRate(ship.Sub(shipDisc), shipTax, included), Amount: bag(shipTax)}}
		}
		o.ShippingLines = []commerce.ShippingLine{sl}
	}
	if totalTax.IsPositive() {
		o.TaxLines = []commerce.TaxLine{{Title: title, Rate: taxRate(items.Sub(promo).Add(ship).Sub(shipDisc).Add(gift), totalTax, included), Amount: bag(totalTax)}}
	}
	if promo.Add(shipDisc).IsPositive() {
		o.Discounts = []commerce.Discount{{Title: "Amazon promotions", Type: "automatic", Amount: bag(promo.Add(shipDisc))}}
	}
	for _, p := range d.packages {
		s := commerce.Shipment{
			Meta:            commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: d.id + "/" + p.id}, UpdatedAt: d.updated},
			OrderID:         d.id,
			Status:          packageStatus(p.status, p.detailed),
			Carrier:         p.carrier,
			Service:         p.service,
			Lines:           p.lines,
			CreatedAt:       p.shipped,
			TrackingNumbers: nonEmpty(p.tracking),
		}
		if s.CreatedAt.IsZero() {
			s.CreatedAt = d.updated
		}
		if s.Status == commerce.TrackingDelivered {
			t := d.updated
			s.DeliveredAt = &t
		}
		o.Shipments = append(o.Shipments, s)
	}
	if err := o.Validate(); err != nil {
		return nil, d.fail("%v", err)
	}
	return o, nil
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// ---- Orders API v0

type v0Address struct {
	City          string `json:"City"`
	StateOrRegion string `json:"StateOrRegion"`
	PostalCode    string `json:"PostalCode"`
	CountryCode   string `json:"CountryCode"`
}

type v0Order struct {
	AmazonOrderID                string     `json:"AmazonOrderId"`
	PurchaseDate                 string     `json:"PurchaseDate"`
	LastUpdateDate               string     `json:"LastUpdateDate"`
	OrderStatus                  string     `json:"OrderStatus"`
	FulfillmentChannel           string     `json:"FulfillmentChannel"`
	SalesChannel                 string     `json:"SalesChannel"`
	ShipServiceLevel             string     `json:"ShipServiceLevel"`
	ShipmentServiceLevelCategory string     `json:"ShipmentServiceLevelCategory"`
	OrderTotal                   *apiMoney  `json:"OrderTotal"`
	MarketplaceID                string     `json:"MarketplaceId"`
	ShippingAddress              *v0Address `json:"ShippingAddress"`
}

type v0Item struct {
	ASIN                 string    `json:"ASIN"`
	OrderItemID          string    `json:"OrderItemId"`
	SellerSKU            string    `json:"SellerSKU"`
	Title                string    `json:"Title"`
	QuantityOrdered      int       `json:"QuantityOrdered"`
	QuantityShipped      int       `json:"QuantityShipped"`
	ItemPrice            *apiMoney `json:"ItemPrice"`
	ItemTax              *apiMoney `json:"ItemTax"`
	ShippingPrice        *apiMoney `json:"ShippingPrice"`
	ShippingTax          *apiMoney `json:"ShippingTax"`
	ShippingDiscount     *apiMoney `json:"ShippingDiscount"`
	ShippingDiscountTax  *apiMoney `json:"ShippingDiscountTax"`
	PromotionDiscount    *apiMoney `json:"PromotionDiscount"`
	PromotionDiscountTax *apiMoney `json:"PromotionDiscountTax"`
}

// draftV0 builds the draft of a v0 order and its items.
func draftV0(o *v0Order, items []v0Item) (*draft, error) {
	d := &draft{id: o.AmazonOrderID, marketplace: o.MarketplaceID, salesChannel: o.SalesChannel, status: normStatus(o.OrderStatus),
		channel: normChannel(o.FulfillmentChannel), service: o.ShipmentServiceLevelCategory, source: "Orders API v0"}
	var err error
	if d.created, err = parseTime("PurchaseDate", o.PurchaseDate); err != nil {
		return nil, d.fail("%v", err)
	}
	if d.updated, err = parseTime("LastUpdateDate", o.LastUpdateDate); err != nil {
		return nil, d.fail("%v", err)
	}
	if o.OrderTotal != nil && o.OrderTotal.Amount != "" {
		t, err := d.amount("OrderTotal", o.OrderTotal)
		if err != nil {
			return nil, err
		}
		d.total = &t
	}
	if a := o.ShippingAddress; a != nil {
		d.address = &commerce.Address{City: a.City, Province: a.StateOrRegion, PostalCode: a.PostalCode, CountryCode: strings.ToUpper(a.CountryCode)}
	}
	for i := range items {
		it := &items[i]
		l := draftLine{id: it.OrderItemID, sku: it.SellerSKU, asin: it.ASIN, title: it.Title, qty: it.QuantityOrdered}
		for _, f := range []struct {
			name string
			m    *apiMoney
			dst  *decimal.Decimal
		}{{"ItemPrice", it.ItemPrice, &l.price}, {"ItemTax", it.ItemTax, &l.tax}, {"ShippingPrice", it.ShippingPrice, &l.ship},
			{"ShippingTax", it.ShippingTax, &l.shipTax}, {"ShippingDiscount", it.ShippingDiscount, &l.shipDisc},
			{"ShippingDiscountTax", it.ShippingDiscountTax, &l.shipDiscTax}, {"PromotionDiscount", it.PromotionDiscount, &l.promo},
			{"PromotionDiscountTax", it.PromotionDiscountTax, &l.promoTax}} {
			v, err := d.amount("item "+it.OrderItemID+" "+f.name, f.m)
			if err != nil {
				return nil, err
			}
			*f.dst = v.Abs()
		}
		d.lines = append(d.lines, l)
	}
	return d, nil
}

// ---- Orders API 2026-01-01

type address26 struct {
	City          string `json:"city"`
	StateOrRegion string `json:"stateOrRegion"`
	PostalCode    string `json:"postalCode"`
	CountryCode   string `json:"countryCode"`
}

type breakdown26 struct {
	Type               string    `json:"type"`
	Subtotal           *apiMoney `json:"subtotal"`
	DetailedBreakdowns []struct {
		Subtype string    `json:"subtype"`
		Value   *apiMoney `json:"value"`
	} `json:"detailedBreakdowns"`
}

type item26 struct {
	OrderItemID     string `json:"orderItemId"`
	QuantityOrdered int    `json:"quantityOrdered"`
	Product         struct {
		ASIN      string `json:"asin"`
		Title     string `json:"title"`
		SellerSKU string `json:"sellerSku"`
		Price     *struct {
			UnitPrice *apiMoney `json:"unitPrice"`
		} `json:"price"`
	} `json:"product"`
	Proceeds *struct {
		ProceedsTotal *apiMoney     `json:"proceedsTotal"`
		Breakdowns    []breakdown26 `json:"breakdowns"`
	} `json:"proceeds"`
}

type package26 struct {
	PackageReferenceID string `json:"packageReferenceId"`
	CreatedTime        string `json:"createdTime"`
	PackageStatus      *struct {
		Status         string `json:"status"`
		DetailedStatus string `json:"detailedStatus"`
	} `json:"packageStatus"`
	Carrier         string `json:"carrier"`
	ShipTime        string `json:"shipTime"`
	ShippingService string `json:"shippingService"`
	TrackingNumber  string `json:"trackingNumber"`
	PackageItems    []struct {
		OrderItemID string `json:"orderItemId"`
		Quantity    int    `json:"quantity"`
	} `json:"packageItems"`
}

type order26 struct {
	OrderID         string `json:"orderId"`
	CreatedTime     string `json:"createdTime"`
	LastUpdatedTime string `json:"lastUpdatedTime"`
	SalesChannel    struct {
		ChannelName     string `json:"channelName"`
		MarketplaceID   string `json:"marketplaceId"`
		MarketplaceName string `json:"marketplaceName"`
	} `json:"salesChannel"`
	Recipient *struct {
		DeliveryAddress *address26 `json:"deliveryAddress"`
	} `json:"recipient"`
	Proceeds *struct {
		GrandTotal *apiMoney     `json:"grandTotal"`
		Breakdowns []breakdown26 `json:"breakdowns"`
	} `json:"proceeds"`
	Fulfillment *struct {
		FulfillmentStatus       string `json:"fulfillmentStatus"`
		FulfilledBy             string `json:"fulfilledBy"`
		FulfillmentServiceLevel string `json:"fulfillmentServiceLevel"`
	} `json:"fulfillment"`
	OrderItems []item26    `json:"orderItems"`
	Packages   []package26 `json:"packages"`
}

// draft2026 builds the draft of a 2026-01-01 order.
func draft2026(o *order26) (*draft, error) {
	d := &draft{id: o.OrderID, marketplace: o.SalesChannel.MarketplaceID, salesChannel: o.SalesChannel.MarketplaceName, source: "Orders API 2026-01-01"}
	var err error
	if d.created, err = parseTime("createdTime", o.CreatedTime); err != nil {
		return nil, d.fail("%v", err)
	}
	if d.updated, err = parseTime("lastUpdatedTime", o.LastUpdatedTime); err != nil {
		return nil, d.fail("%v", err)
	}
	if f := o.Fulfillment; f != nil {
		d.status, d.channel, d.service = normStatus(f.FulfillmentStatus), normChannel(f.FulfilledBy), f.FulfillmentServiceLevel
	}
	if p := o.Proceeds; p != nil {
		if p.GrandTotal != nil && p.GrandTotal.Amount != "" {
			t, err := d.amount("proceeds.grandTotal", p.GrandTotal)
			if err != nil {
				return nil, err
			}
			d.total = &t
		}
		for _, b := range p.Breakdowns {
			// the other categories aggregate the items' own breakdowns
			if strings.EqualFold(b.Type, "DELIVERY_TIP") {
				v, err := d.amount("proceeds DELIVERY_TIP", b.Subtotal)
				if err != nil {
					return nil, err
				}
				d.other = d.other.Add(v)
			}
		}
	}
	if r := o.Recipient; r != nil && r.DeliveryAddress != nil {
		a := r.DeliveryAddress
		d.address = &commerce.Address{City: a.City, Province: a.StateOrRegion, PostalCode: a.PostalCode, CountryCode: strings.ToUpper(a.CountryCode)}
	}
	for i := range o.OrderItems {
		it := &o.OrderItems[i]
		l := draftLine{id: it.OrderItemID, sku: it.Product.SellerSKU, asin: it.Product.ASIN, title: it.Product.Title, qty: it.QuantityOrdered}
		field := "item " + it.OrderItemID
		hasItem := false
		if it.Proceeds != nil {
			for _, b := range it.Proceeds.Breakdowns {
				v, err := d.amount(field+" "+b.Type, b.Subtotal)
				if err != nil {
					return nil, err
				}
				switch strings.ToUpper(b.Type) {
				case "ITEM":
					l.price, hasItem = l.price.Add(v), true
				case "SHIPPING":
					l.ship = l.ship.Add(v)
				case "GIFT_WRAP":
					l.gift = l.gift.Add(v)
				case "DISCOUNT":
					l.promo = l.promo.Add(v.Abs())
				case "TAX":
					if len(b.DetailedBreakdowns) == 0 {
						l.tax = l.tax.Add(v)
						continue
					}
					for _, db := range b.DetailedBreakdowns {
						dv, err := d.amount(field+" TAX "+db.Subtype, db.Value)
						if err != nil {
							return nil, err
						}
						switch strings.ToUpper(db.Subtype) {
						case "SHIPPING":
							l.shipTax = l.shipTax.Add(dv)
						case "GIFT_WRAP":
							l.giftTax = l.giftTax.Add(dv)
						default:
							l.tax = l.tax.Add(dv)
						}
					}
				default: // COD_FEE, OTHER
					d.other = d.other.Add(v)
				}
			}
		}
		if pr := it.Product.Price; pr != nil && pr.UnitPrice != nil && pr.UnitPrice.Amount != "" {
			u, err := d.amount(field+" unitPrice", pr.UnitPrice)
			if err != nil {
				return nil, err
			}
			l.unit = &u
			if !hasItem {
				l.price = u.Mul(decimal.NewFromInt(int64(max(it.QuantityOrdered, 0))))
			}
		}
		d.lines = append(d.lines, l)
	}
	for _, p := range o.Packages {
		dp := draftPackage{id: p.PackageReferenceID, carrier: p.Carrier, service: p.ShippingService, tracking: p.TrackingNumber}
		if p.PackageStatus != nil {
			dp.status, dp.detailed = p.PackageStatus.Status, p.PackageStatus.DetailedStatus
		}
		t, err := parseTime("shipTime", cmp.Or(p.ShipTime, p.CreatedTime))
		if err != nil {
			return nil, d.fail("package %s: %v", p.PackageReferenceID, err)
		}
		dp.shipped = t
		for _, pi := range p.PackageItems {
			if pi.Quantity > 0 {
				dp.lines = append(dp.lines, commerce.ShipmentLine{LineID: pi.OrderItemID, Quantity: pi.Quantity})
			}
		}
		d.packages = append(d.packages, dp)
	}
	return d, nil
}
