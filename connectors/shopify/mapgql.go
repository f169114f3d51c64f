package shopify

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// GraphQL wire types: what the connector's documents select, in Shopify's
// JSON shapes. Nullable scalars decode to their zero value.

type gMoney struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

type gBag struct {
	ShopMoney        gMoney  `json:"shopMoney"`
	PresentmentMoney *gMoney `json:"presentmentMoney"`
}

type gTax struct {
	Title    string      `json:"title"`
	Rate     json.Number `json:"rate"`
	PriceSet gBag        `json:"priceSet"`
}

type gAddr struct {
	Name          string   `json:"name"`
	FirstName     string   `json:"firstName"`
	LastName      string   `json:"lastName"`
	Company       string   `json:"company"`
	Address1      string   `json:"address1"`
	Address2      string   `json:"address2"`
	City          string   `json:"city"`
	Province      string   `json:"province"`
	ProvinceCode  string   `json:"provinceCode"`
	Zip           string   `json:"zip"`
	CountryCodeV2 string   `json:"countryCodeV2"`
	CountryCode   string   `json:"countryCode"`
	Phone         string   `json:"phone"`
	Latitude      *float64 `json:"latitude"`
	Longitude     *float64 `json:"longitude"`
}

type gAlloc struct {
	AllocatedAmountSet  gBag `json:"allocatedAmountSet"`
	DiscountApplication struct {
		Typename string `json:"__typename"`
		Code     string `json:"code"`
		Title    string `json:"title"`
	} `json:"discountApplication"`
}

type idOnly struct {
	ID string `json:"id"`
}

type pageInfo struct {
	HasNextPage bool   `json:"hasNextPage"`
	EndCursor   string `json:"endCursor"`
}

type gLine struct {
	ID                   string   `json:"id"`
	Name                 string   `json:"name"`
	SKU                  string   `json:"sku"`
	Quantity             int      `json:"quantity"`
	RequiresShipping     bool     `json:"requiresShipping"`
	OriginalUnitPriceSet gBag     `json:"originalUnitPriceSet"`
	TaxLines             []gTax   `json:"taxLines"`
	DiscountAllocations  []gAlloc `json:"discountAllocations"`
	Variant              *idOnly  `json:"variant"`
	Product              *idOnly  `json:"product"`
}

type gShip struct {
	ID                  string   `json:"id"`
	Title               string   `json:"title"`
	Code                string   `json:"code"`
	Source              string   `json:"source"`
	OriginalPriceSet    gBag     `json:"originalPriceSet"`
	DiscountedPriceSet  *gBag    `json:"discountedPriceSet"`
	TaxLines            []gTax   `json:"taxLines"`
	DiscountAllocations []gAlloc `json:"discountAllocations"`
}

type gCustomer struct {
	ID                  string `json:"id"`
	FirstName           string `json:"firstName"`
	LastName            string `json:"lastName"`
	DefaultEmailAddress *struct {
		EmailAddress string `json:"emailAddress"`
	} `json:"defaultEmailAddress"`
	DefaultPhoneNumber *struct {
		PhoneNumber string `json:"phoneNumber"`
	} `json:"defaultPhoneNumber"`
}

type gLineRef struct {
	ID  string `json:"id"`
	SKU string `json:"sku"`
}

type gRefundLine struct {
	ID          string   `json:"id"`
	Quantity    int      `json:"quantity"`
	RestockType string   `json:"restockType"`
	Location    *idOnly  `json:"location"`
	LineItem    gLineRef `json:"lineItem"`
	SubtotalSet gBag     `json:"subtotalSet"`
	TotalTaxSet gBag     `json:"totalTaxSet"`
}

type gRefund struct {
	ID               string `json:"id"`
	CreatedAt        string `json:"createdAt"`
	Note             string `json:"note"`
	TotalRefundedSet *gBag  `json:"totalRefundedSet"`
	RefundLineItems  struct {
		PageInfo pageInfo      `json:"pageInfo"`
		Nodes    []gRefundLine `json:"nodes"`
	} `json:"refundLineItems"`
}

type gTracking struct {
	Company string `json:"company"`
	Number  string `json:"number"`
	URL     string `json:"url"`
}

type gFulfillmentLine struct {
	ID       string   `json:"id"`
	Quantity int      `json:"quantity"`
	LineItem gLineRef `json:"lineItem"`
}

type gFulfillment struct {
	ID                   string      `json:"id"`
	CreatedAt            string      `json:"createdAt"`
	UpdatedAt            string      `json:"updatedAt"`
	Status               string      `json:"status"`
	DisplayStatus        string      `json:"displayStatus"`
	EstimatedDeliveryAt  *string     `json:"estimatedDeliveryAt"`
	DeliveredAt          *string     `json:"deliveredAt"`
	Location             *idOnly     `json:"location"`
	TrackingInfo         []gTracking `json:"trackingInfo"`
	FulfillmentLineItems struct {
		PageInfo pageInfo           `json:"pageInfo"`
		Nodes    []gFulfillmentLine `json:"nodes"`
	} `json:"fulfillmentLineItems"`
}

type gOrder struct {
	Typename                 string     `json:"__typename"`
	ID                       string     `json:"id"`
	Name                     string     `json:"name"`
	CreatedAt                string     `json:"createdAt"`
	UpdatedAt                string     `json:"updatedAt"`
	CancelledAt              *string    `json:"cancelledAt"`
	CancelReason             string     `json:"cancelReason"`
	ClosedAt                 *string    `json:"closedAt"`
	CurrencyCode             string     `json:"currencyCode"`
	PresentmentCurrencyCode  string     `json:"presentmentCurrencyCode"`
	DisplayFinancialStatus   string     `json:"displayFinancialStatus"`
	DisplayFulfillmentStatus string     `json:"displayFulfillmentStatus"`
	TaxesIncluded            bool       `json:"taxesIncluded"`
	Tags                     []string   `json:"tags"`
	Email                    string     `json:"email"`
	Customer                 *gCustomer `json:"customer"`
	ShippingAddress          *gAddr     `json:"shippingAddress"`
	BillingAddress           *gAddr     `json:"billingAddress"`
	SubtotalPriceSet         gBag       `json:"subtotalPriceSet"`
	TotalDiscountsSet        gBag       `json:"totalDiscountsSet"`
	TotalShippingPriceSet    gBag       `json:"totalShippingPriceSet"`
	TotalTaxSet              gBag       `json:"totalTaxSet"`
	TotalPriceSet            gBag       `json:"totalPriceSet"`
	TaxLines                 []gTax     `json:"taxLines"`
	LineItems                struct {
		PageInfo pageInfo `json:"pageInfo"`
		Nodes    []gLine  `json:"nodes"`
	} `json:"lineItems"`
	ShippingLines struct {
		PageInfo pageInfo `json:"pageInfo"`
		Nodes    []gShip  `json:"nodes"`
	} `json:"shippingLines"`
	Refunds      []gRefund      `json:"refunds"`
	Fulfillments []gFulfillment `json:"fulfillments"`
}

// mapper turns wire data into commerce records, collecting the first error
// with the path of the field that caused it.
type mapper struct {
	conn string
	// loc is the shop's zone; GraphQL times (UTC) are shown in it, as REST
	// shows them, so that a webhook and a sync give the same record.
	loc  *time.Location
	what string // e.g. "order gid://shopify/Order/1"
	err  error
}

func (m *mapper) fail(field, format string, args ...any) {
	if m.err == nil {
		m.err = sdk.InvalidInput("shopify: %s: %s: %s", m.what, field, fmt.Sprintf(format, args...)).
			WithDetail("Shopify sent a value the connector cannot map; report it with the record id")
	}
}

func (m *mapper) money(field string, g gMoney) commerce.Money {
	mo, err := commerce.NewMoney(g.Amount, commerce.Currency(g.CurrencyCode))
	if err != nil {
		m.fail(field, "%v", err)
	}
	return mo
}

func (m *mapper) bag(field string, b gBag) commerce.MoneyBag {
	out := commerce.MoneyBag{Shop: m.money(field+".shop", b.ShopMoney)}
	if b.PresentmentMoney != nil && b.PresentmentMoney.CurrencyCode != "" {
		p := m.money(field+".presentment", *b.PresentmentMoney)
		out.Presentment = &p
	}
	return out
}

func (m *mapper) time(field, s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		m.fail(field, "time %q is not RFC 3339", s)
		return time.Time{}
	}
	if m.loc != nil {
		t = t.In(m.loc)
	}
	return t
}

func (m *mapper) optTime(field string, s *string) *time.Time {
	if s == nil || *s == "" {
		return nil
	}
	t := m.time(field, *s)
	return &t
}

// number parses a JSON number (a tax rate, a weight) exactly. The value is
// returned as the Amount of a currency-less Money: the package keeps to the
// sdk's types and the standard library.
func (m *mapper) number(field string, n json.Number) commerce.Money {
	s := string(n)
	if s == "" {
		s = "0"
	}
	d, err := commerce.ParseAmount(s)
	if err != nil {
		// exponent notation: go through a float, exact enough for a rate
		// or a weight as Shopify prints them
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			m.fail(field, "%q is not a number", s)
			return commerce.Money{}
		}
		if d, err = commerce.ParseAmount(strconv.FormatFloat(f, 'f', -1, 64)); err != nil {
			m.fail(field, "%q: %v", s, err)
			return commerce.Money{}
		}
	}
	return commerce.Money{Amount: d}
}

func (m *mapper) taxLines(field string, ts []gTax) []commerce.TaxLine {
	var out []commerce.TaxLine
	for i, t := range ts {
		f := fmt.Sprintf("%s[%d]", field, i)
		out = append(out, commerce.TaxLine{Title: t.Title, Rate: m.number(f+".rate", t.Rate).Amount, Amount: m.bag(f+".amount", t.PriceSet)})
	}
	return out
}

// addBag adds two bags; a missing presentment side stays missing.
func (m *mapper) addBag(field string, a, b commerce.MoneyBag) commerce.MoneyBag {
	s, err := a.Shop.Add(b.Shop)
	if err != nil {
		m.fail(field, "%v", err)
	}
	out := commerce.MoneyBag{Shop: s}
	if a.Presentment != nil && b.Presentment != nil {
		p, err := a.Presentment.Add(*b.Presentment)
		if err != nil {
			m.fail(field, "%v", err)
		}
		out.Presentment = &p
	}
	return out
}

func (m *mapper) subBag(field string, a, b commerce.MoneyBag) commerce.MoneyBag {
	neg := commerce.MoneyBag{Shop: b.Shop.Neg()}
	if b.Presentment != nil {
		p := b.Presentment.Neg()
		neg.Presentment = &p
	}
	return m.addBag(field, a, neg)
}

func zeroBag(like commerce.MoneyBag) commerce.MoneyBag {
	out := commerce.MoneyBag{Shop: commerce.Zero(like.Shop.Currency)}
	if like.Presentment != nil {
		p := commerce.Zero(like.Presentment.Currency)
		out.Presentment = &p
	}
	return out
}

func address(a *gAddr) *commerce.Address {
	if a == nil {
		return nil
	}
	cc := a.CountryCodeV2
	if cc == "" {
		cc = a.CountryCode
	}
	name := a.Name
	if name == "" {
		name = strings.TrimSpace(a.FirstName + " " + a.LastName)
	}
	out := &commerce.Address{Name: name, Company: a.Company, Line1: a.Address1, Line2: a.Address2, City: a.City,
		Province: a.Province, ProvinceCode: provinceCode(a.ProvinceCode, cc), PostalCode: a.Zip, CountryCode: strings.ToUpper(cc), Phone: a.Phone}
	if a.Latitude != nil && a.Longitude != nil && (*a.Latitude != 0 || *a.Longitude != 0) {
		out.Geo = &commerce.GeoPoint{Lat: *a.Latitude, Lon: *a.Longitude}
	}
	return out
}

// provinceCode strips a country prefix ("JP-13" -> "13"): the model keeps
// the ISO 3166-2 subdivision without the country.
func provinceCode(code, country string) string {
	if country != "" {
		code = strings.TrimPrefix(code, strings.ToUpper(country)+"-")
	}
	return code
}

func financialStatus(s string) string {
	switch strings.ToLower(s) {
	case "pending":
		return commerce.FinancialPending
	case "authorized":
		return commerce.FinancialAuthorized
	case "partially_paid":
		return commerce.FinancialPartiallyPaid
	case "paid":
		return commerce.FinancialPaid
	case "partially_refunded":
		return commerce.FinancialPartiallyRefunded
	case "refunded":
		return commerce.FinancialRefunded
	case "voided", "expired":
		return commerce.FinancialVoided
	}
	return ""
}

func fulfillmentStatus(s string) string {
	switch strings.ToLower(s) {
	case "fulfilled":
		return commerce.FulfillmentFulfilled
	case "partially_fulfilled", "partial":
		return commerce.FulfillmentPartial
	case "restocked":
		return commerce.FulfillmentRestocked
	}
	return commerce.FulfillmentUnfulfilled
}

// trackingStatus maps a fulfilment's status and shipment status (GraphQL
// displayStatus or REST shipment_status, any case) to the unified one.
func trackingStatus(status, shipment string) commerce.TrackingStatus {
	switch strings.ToLower(status) {
	case "cancelled", "canceled":
		return commerce.TrackingCancelled
	case "error", "failure":
		return commerce.TrackingException
	}
	switch strings.ToLower(shipment) {
	case "delivered", "picked_up":
		return commerce.TrackingDelivered
	case "in_transit":
		return commerce.TrackingInTransit
	case "out_for_delivery":
		return commerce.TrackingOutForDelivery
	case "ready_for_pickup":
		return commerce.TrackingAvailableForPickup
	case "attempted_delivery", "failure", "not_delivered":
		return commerce.TrackingException
	case "canceled", "cancelled":
		return commerce.TrackingCancelled
	case "", "fulfilled", "marked_as_fulfilled", "confirmed", "label_printed", "label_purchased", "submitted", "success":
		return commerce.TrackingPreTransit
	case "label_voided":
		return commerce.TrackingCancelled
	}
	return commerce.TrackingUnknown
}

// discountKey identifies a discount application across allocations.
type discountKey struct{ typ, code, title string }

func discountType(typename string) string {
	switch typename {
	case "DiscountCodeApplication", "discount_code":
		return "code"
	case "AutomaticDiscountApplication", "automatic":
		return "automatic"
	case "ManualDiscountApplication", "manual":
		return "manual"
	case "ScriptDiscountApplication", "script":
		return "script"
	}
	return ""
}

// discounts groups discount allocations by application, in the order the
// applications first appear.
type discountSum struct {
	keys []discountKey
	sums map[discountKey]commerce.MoneyBag
}

func (d *discountSum) add(m *mapper, field string, k discountKey, amount commerce.MoneyBag) {
	if d.sums == nil {
		d.sums = map[discountKey]commerce.MoneyBag{}
	}
	if prev, ok := d.sums[k]; ok {
		d.sums[k] = m.addBag(field, prev, amount)
		return
	}
	d.keys = append(d.keys, k)
	d.sums[k] = amount
}

func (d *discountSum) list() []commerce.Discount {
	var out []commerce.Discount
	for _, k := range d.keys {
		out = append(out, commerce.Discount{Code: k.code, Title: k.title, Type: k.typ, Amount: d.sums[k]})
	}
	return out
}

func sortedTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// mapOrder maps a GraphQL order with its complete lines and the details of
// its refunds and fulfilments.
func (m *mapper) mapOrder(g *gOrder, refunds []gRefund, fulfillments []gFulfillment) *commerce.Order {
	m.what = "order " + g.ID
	o := &commerce.Order{
		Meta:                commerce.Meta{Source: commerce.Ref{Connection: m.conn, ExternalID: g.ID}, UpdatedAt: m.time("updated_at", g.UpdatedAt)},
		Number:              g.Name,
		CreatedAt:           m.time("created_at", g.CreatedAt),
		CancelledAt:         m.optTime("cancelled_at", g.CancelledAt),
		CancelReason:        strings.ToLower(g.CancelReason),
		ClosedAt:            m.optTime("closed_at", g.ClosedAt),
		Currency:            commerce.Currency(g.CurrencyCode),
		PresentmentCurrency: commerce.Currency(g.PresentmentCurrencyCode),
		FinancialStatus:     financialStatus(g.DisplayFinancialStatus),
		FulfillmentStatus:   fulfillmentStatus(g.DisplayFulfillmentStatus),
		ShippingAddress:     address(g.ShippingAddress),
		BillingAddress:      address(g.BillingAddress),
		TaxesIncluded:       g.TaxesIncluded,
		Subtotal:            m.bag("subtotal", g.SubtotalPriceSet),
		TotalDiscounts:      m.bag("total_discounts", g.TotalDiscountsSet),
		TotalShipping:       m.bag("total_shipping", g.TotalShippingPriceSet),
		TotalTax:            m.bag("total_tax", g.TotalTaxSet),
		Total:               m.bag("total", g.TotalPriceSet),
		TaxLines:            m.taxLines("tax_lines", g.TaxLines),
		Tags:                sortedTags(g.Tags),
	}
	if c := g.Customer; c != nil {
		oc := &commerce.OrderCustomer{ExternalID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: g.Email}
		if c.DefaultEmailAddress != nil && c.DefaultEmailAddress.EmailAddress != "" {
			oc.Email = c.DefaultEmailAddress.EmailAddress
		}
		if c.DefaultPhoneNumber != nil {
			oc.Phone = c.DefaultPhoneNumber.PhoneNumber
		}
		o.Customer = oc
	} else if g.Email != "" {
		o.Customer = &commerce.OrderCustomer{Email: g.Email}
	}
	var disc discountSum
	alloc := func(field string, as []gAlloc) *commerce.MoneyBag {
		var total *commerce.MoneyBag
		for i, a := range as {
			f := fmt.Sprintf("%s.discount_allocations[%d]", field, i)
			amt := m.bag(f, a.AllocatedAmountSet)
			k := discountKey{typ: discountType(a.DiscountApplication.Typename), code: a.DiscountApplication.Code, title: a.DiscountApplication.Title}
			disc.add(m, f, k, amt)
			if total == nil {
				total = &amt
			} else {
				t := m.addBag(f, *total, amt)
				total = &t
			}
		}
		return total
	}
	for i, l := range g.LineItems.Nodes {
		f := fmt.Sprintf("lines[%d]", i)
		ol := commerce.OrderLine{ExternalID: l.ID, SKU: l.SKU, Title: l.Name, Quantity: l.Quantity,
			UnitPrice: m.bag(f+".unit_price", l.OriginalUnitPriceSet), TaxLines: m.taxLines(f+".tax_lines", l.TaxLines),
			RequiresShipping: l.RequiresShipping}
		if l.Variant != nil {
			ol.VariantID = l.Variant.ID
		}
		if l.Product != nil {
			ol.ProductID = l.Product.ID
		}
		ol.TotalDiscount = alloc(f, l.DiscountAllocations)
		o.Lines = append(o.Lines, ol)
	}
	for i, s := range g.ShippingLines.Nodes {
		f := fmt.Sprintf("shipping_lines[%d]", i)
		sl := commerce.ShippingLine{Title: s.Title, Code: s.Code, Price: m.bag(f+".price", s.OriginalPriceSet),
			TaxLines: m.taxLines(f+".tax_lines", s.TaxLines)}
		if s.Source != "" && s.Source != "shopify" {
			sl.Carrier = s.Source
		}
		if s.DiscountedPriceSet != nil {
			d := m.bag(f+".discounted_price", *s.DiscountedPriceSet)
			sl.DiscountedPrice = &d
		}
		alloc(f, s.DiscountAllocations)
		o.ShippingLines = append(o.ShippingLines, sl)
	}
	o.Discounts = disc.list()
	for i := range refunds {
		o.Refunds = append(o.Refunds, *m.mapRefund(fmt.Sprintf("refunds[%d]", i), g.ID, g.TaxesIncluded, &refunds[i]))
	}
	for i := range fulfillments {
		o.Shipments = append(o.Shipments, *m.mapFulfillment(fmt.Sprintf("shipments[%d]", i), g.ID, &fulfillments[i]))
	}
	m.what = "order " + g.ID
	return o
}

// mapRefund maps a refund. Shopify's line subtotals include tax when the
// order's prices do; the model's RefundLine.Subtotal is before tax, so the
// tax is taken out. Shipping is what the refund returned beyond its lines
// (shipping and its tax).
func (m *mapper) mapRefund(field, orderID string, taxesIncluded bool, r *gRefund) *commerce.Refund {
	created := m.time(field+".created_at", r.CreatedAt)
	out := &commerce.Refund{
		Meta:      commerce.Meta{Source: commerce.Ref{Connection: m.conn, ExternalID: r.ID}, UpdatedAt: created},
		OrderID:   orderID,
		CreatedAt: created,
		Note:      r.Note,
	}
	var lines *commerce.MoneyBag
	for i, l := range r.RefundLineItems.Nodes {
		f := fmt.Sprintf("%s.lines[%d]", field, i)
		sub := m.bag(f+".subtotal", l.SubtotalSet)
		tax := m.bag(f+".tax", l.TotalTaxSet)
		if taxesIncluded {
			sub = m.subBag(f+".subtotal", sub, tax)
		}
		rl := commerce.RefundLine{LineID: l.LineItem.ID, SKU: l.LineItem.SKU, Quantity: l.Quantity,
			Restock: l.RestockType != "" && !strings.EqualFold(l.RestockType, "NO_RESTOCK"), Subtotal: sub, Tax: &tax}
		if l.Location != nil {
			rl.LocationID = l.Location.ID
		}
		out.Lines = append(out.Lines, rl)
		both := m.addBag(f, sub, tax)
		if lines == nil {
			lines = &both
		} else {
			t := m.addBag(f, *lines, both)
			lines = &t
		}
	}
	if r.TotalRefundedSet != nil {
		out.Amount = m.bag(field+".amount", *r.TotalRefundedSet)
		if lines != nil {
			ship := m.subBag(field+".shipping", out.Amount, *lines)
			// with a presentment side, it decides: a shop-side remainder
			// alone is the rounding of converting each field separately
			if ship.Presentment != nil && !ship.Presentment.IsZero() || ship.Presentment == nil && !ship.Shop.IsZero() {
				out.Shipping = &ship
			}
		} else if !out.Amount.Shop.IsZero() {
			ship := out.Amount
			out.Shipping = &ship
		}
	} else if lines != nil {
		out.Amount = *lines
	}
	return out
}

func (m *mapper) mapFulfillment(field, orderID string, f *gFulfillment) *commerce.Shipment {
	s := &commerce.Shipment{
		Meta:              commerce.Meta{Source: commerce.Ref{Connection: m.conn, ExternalID: f.ID}, UpdatedAt: m.time(field+".updated_at", f.UpdatedAt)},
		OrderID:           orderID,
		Status:            trackingStatus(f.Status, f.DisplayStatus),
		CreatedAt:         m.time(field+".created_at", f.CreatedAt),
		EstimatedDelivery: m.optTime(field+".estimated_delivery", f.EstimatedDeliveryAt),
		DeliveredAt:       m.optTime(field+".delivered_at", f.DeliveredAt),
	}
	if f.Location != nil {
		s.LocationID = f.Location.ID
	}
	for _, t := range f.TrackingInfo {
		if s.Carrier == "" {
			s.Carrier = t.Company
		}
		if t.Number != "" {
			s.TrackingNumbers = append(s.TrackingNumbers, t.Number)
		}
		if t.URL != "" {
			s.TrackingURLs = append(s.TrackingURLs, t.URL)
		}
	}
	for _, l := range f.FulfillmentLineItems.Nodes {
		s.Lines = append(s.Lines, commerce.ShipmentLine{LineID: l.LineItem.ID, SKU: l.LineItem.SKU, Quantity: l.Quantity})
	}
	return s
}

// ---- catalog

type gVariant struct {
	ID              string `json:"id"`
	SKU             string `json:"sku"`
	Barcode         string `json:"barcode"`
	Title           string `json:"title"`
	Price           string `json:"price"`
	CompareAtPrice  string `json:"compareAtPrice"`
	SelectedOptions []struct {
		Value string `json:"value"`
	} `json:"selectedOptions"`
	InventoryItem *struct {
		ID                   string  `json:"id"`
		Tracked              bool    `json:"tracked"`
		RequiresShipping     bool    `json:"requiresShipping"`
		CountryCodeOfOrigin  string  `json:"countryCodeOfOrigin"`
		HarmonizedSystemCode string  `json:"harmonizedSystemCode"`
		UnitCost             *gMoney `json:"unitCost"`
		Measurement          *struct {
			Weight *struct {
				Unit  string      `json:"unit"`
				Value json.Number `json:"value"`
			} `json:"weight"`
		} `json:"measurement"`
	} `json:"inventoryItem"`
}

type gProduct struct {
	Typename    string   `json:"__typename"`
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Handle      string   `json:"handle"`
	Vendor      string   `json:"vendor"`
	ProductType string   `json:"productType"`
	Status      string   `json:"status"`
	Tags        []string `json:"tags"`
	UpdatedAt   string   `json:"updatedAt"`
	Category    *struct {
		FullName string `json:"fullName"`
	} `json:"category"`
	Variants struct {
		PageInfo pageInfo   `json:"pageInfo"`
		Nodes    []gVariant `json:"nodes"`
	} `json:"variants"`
}

var weightUnits = map[string]commerce.WeightUnit{"GRAMS": commerce.Grams, "KILOGRAMS": commerce.Kilograms, "POUNDS": commerce.Pounds, "OUNCES": commerce.Ounces}

// hsCode normalises a harmonized system code ("6115.95.00" -> "61159500");
// codes that are still not 6, 8 or 10 digits are dropped.
func hsCode(s string) string {
	s = strings.NewReplacer(".", "", " ", "", "-", "").Replace(s)
	if n := len(s); n != 6 && n != 8 && n != 10 {
		return ""
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return s
}

func (m *mapper) mapProduct(g *gProduct, shopCurrency string) *commerce.Product {
	m.what = "product " + g.ID
	p := &commerce.Product{
		Meta:   commerce.Meta{Source: commerce.Ref{Connection: m.conn, ExternalID: g.ID}, UpdatedAt: m.time("updated_at", g.UpdatedAt)},
		Title:  g.Title,
		Handle: g.Handle,
		Vendor: g.Vendor,
		Status: strings.ToLower(g.Status),
		Tags:   sortedTags(g.Tags),
	}
	p.Category = g.ProductType
	if g.Category != nil && g.Category.FullName != "" {
		p.Category = g.Category.FullName
	}
	cur := commerce.Currency(shopCurrency)
	for i, v := range g.Variants.Nodes {
		f := fmt.Sprintf("variants[%d]", i)
		out := commerce.Variant{ExternalID: v.ID, SKU: v.SKU, Barcode: v.Barcode, Title: v.Title}
		if v.Price != "" {
			pr := m.money(f+".price", gMoney{Amount: v.Price, CurrencyCode: string(cur)})
			out.Price = &pr
		}
		if v.CompareAtPrice != "" {
			pr := m.money(f+".compare_at_price", gMoney{Amount: v.CompareAtPrice, CurrencyCode: string(cur)})
			out.CompareAtPrice = &pr
		}
		for _, o := range v.SelectedOptions {
			out.Options = append(out.Options, o.Value)
		}
		if it := v.InventoryItem; it != nil {
			out.InventoryItemID = it.ID
			out.Tracked = it.Tracked
			out.RequiresShipping = it.RequiresShipping
			out.CountryOfOrigin = it.CountryCodeOfOrigin
			out.HSCode = hsCode(it.HarmonizedSystemCode)
			if it.UnitCost != nil && it.UnitCost.Amount != "" {
				c := m.money(f+".cost", *it.UnitCost)
				out.Cost = &c
			}
			if it.Measurement != nil && it.Measurement.Weight != nil && it.Measurement.Weight.Value != "" {
				w := it.Measurement.Weight
				unit, ok := weightUnits[w.Unit]
				if !ok {
					m.fail(f+".weight.unit", "unknown weight unit %q", w.Unit)
				}
				out.Weight = &commerce.Weight{Value: m.number(f+".weight.value", w.Value).Amount, Unit: unit}
			}
		}
		p.Variants = append(p.Variants, out)
	}
	return p
}

type gLocation struct {
	Typename             string `json:"__typename"`
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	IsActive             bool   `json:"isActive"`
	FulfillsOnlineOrders bool   `json:"fulfillsOnlineOrders"`
	UpdatedAt            string `json:"updatedAt"`
	Address              gAddr  `json:"address"`
}

func (m *mapper) mapLocation(g *gLocation) *commerce.Location {
	m.what = "location " + g.ID
	a := address(&g.Address)
	a.Name = ""
	return &commerce.Location{
		Meta:                 commerce.Meta{Source: commerce.Ref{Connection: m.conn, ExternalID: g.ID}, UpdatedAt: m.time("updated_at", g.UpdatedAt)},
		Name:                 g.Name,
		Address:              *a,
		Active:               g.IsActive,
		FulfillsOnlineOrders: g.FulfillsOnlineOrders,
	}
}

type gLevel struct {
	Typename  string  `json:"__typename"`
	ID        string  `json:"id"`
	UpdatedAt string  `json:"updatedAt"`
	Location  *idOnly `json:"location"`
	Item      *struct {
		ID      string  `json:"id"`
		SKU     string  `json:"sku"`
		Variant *idOnly `json:"variant"`
	} `json:"item"`
	Quantities []struct {
		Name     string `json:"name"`
		Quantity int    `json:"quantity"`
	} `json:"quantities"`
}

// mapLevel maps an inventory level; it returns nil for items without a
// SKU, which the model cannot key (they are counted as skipped).
func (m *mapper) mapLevel(g *gLevel) *commerce.InventoryLevel {
	m.what = "inventory level " + g.ID
	if g.Item == nil || strings.TrimSpace(g.Item.SKU) == "" {
		return nil
	}
	l := &commerce.InventoryLevel{
		Meta:            commerce.Meta{Source: commerce.Ref{Connection: m.conn, ExternalID: g.ID}, UpdatedAt: m.time("updated_at", g.UpdatedAt)},
		SKU:             g.Item.SKU,
		InventoryItemID: g.Item.ID,
	}
	if g.Item.Variant != nil {
		l.VariantID = g.Item.Variant.ID
	}
	if g.Location != nil {
		l.LocationID = g.Location.ID
	}
	for _, q := range g.Quantities {
		switch q.Name {
		case "available":
			l.Available = q.Quantity
		case "on_hand":
			l.OnHand = q.Quantity
		case "committed":
			l.Committed = max(q.Quantity, 0)
		case "incoming":
			l.Incoming = max(q.Quantity, 0)
		}
	}
	return l
}
