package shopifytest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Resolvers: one small type per GraphQL object type, reading the store.

func gqlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return gqlTime(*t)
}

func optString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func legacy(id int64) string { return strconv.FormatInt(id, 10) }

// page builds a connection page from a complete list, honouring first and
// after (nested connections; cursors encode the item id). Without first
// (bulk operations) it returns every item.
func page(typ string, items []gqlObject, ids []int64, args map[string]any) (*connection, error) {
	start := 0
	if after := strArg(args, "after"); after != "" {
		c, err := decodeCursor(after)
		if err != nil {
			return nil, err
		}
		start = len(ids)
		for i, id := range ids {
			if id == c.LastID {
				start = i + 1
			}
		}
	}
	if _, ok := args["last"]; ok {
		return nil, &fieldError{code: "BAD_REQUEST", msg: "the Shopify fake supports forward pagination only (first/after)"}
	}
	end := len(items)
	if n, ok := intArg(args, "first"); ok {
		end = min(end, start+n)
	}
	c := &connection{typ: typ, hasPrev: start > 0, hasNext: end < len(items)}
	if start < end {
		c.nodes = items[start:end]
		page := ids[start:end]
		c.cursorOf = func(i int) string { return idCursor(page[i]) }
	}
	return c, nil
}

// ---- root

type queryRoot struct{}

func (queryRoot) typename() string { return "QueryRoot" }

func (queryRoot) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	s, st := ec.srv, ec.srv.st
	switch field {
	case "shop":
		return shopObj{s}, nil
	case "currentAppInstallation":
		return appInstallation{s}, nil
	case "orders":
		return ec.srv.ordersConnection(ec, args)
	case "ordersCount":
		sq, err := parseSearch(strArg(args, "query"))
		if err != nil {
			return nil, &fieldError{code: "BAD_REQUEST", msg: err.Error()}
		}
		ec.searchWarnings("ordersCount", strArg(args, "query"), sq.warnings)
		n := st.countOrders(sq.updated)
		return countOf(n, args), nil
	case "order":
		o := s.orderByGID(strArg(args, "id"))
		if o == nil {
			return nil, nil
		}
		return &orderObj{o: o, s: s}, nil
	case "products":
		return s.productsConnection(ec, args)
	case "productsCount":
		sq, err := parseSearch(strArg(args, "query"))
		if err != nil {
			return nil, &fieldError{code: "BAD_REQUEST", msg: err.Error()}
		}
		n := 0
		for _, p := range st.cat.products {
			if sq.updated.lowOK(p.updatedAt) && sq.updated.highOK(p.updatedAt) {
				n++
			}
		}
		return countOf(n, args), nil
	case "product":
		if p := s.productByGID(strArg(args, "id")); p != nil {
			return &productObj{p: p, s: s}, nil
		}
		return nil, nil
	case "locations":
		var items []gqlObject
		var ids []int64
		inactive, _ := args["includeInactive"].(bool)
		for _, l := range st.cat.locations {
			if l.active || inactive {
				items = append(items, &locationObj{l: l, s: s})
				ids = append(ids, l.id)
			}
		}
		return page("LocationConnection", items, ids, args)
	case "location":
		if l := s.locationByGID(strArg(args, "id")); l != nil {
			return &locationObj{l: l, s: s}, nil
		}
		return nil, nil
	case "inventoryItems":
		sq, err := parseSearch(strArg(args, "query"), "sku", "id")
		if err != nil {
			return nil, &fieldError{code: "BAD_REQUEST", msg: err.Error()}
		}
		ec.searchWarnings("inventoryItems", strArg(args, "query"), sq.warnings)
		var items []gqlObject
		var ids []int64
		for _, v := range st.cat.variants {
			if sku, ok := sq.terms["sku"]; ok && !strings.EqualFold(sku, v.sku) {
				continue
			}
			if id, ok := sq.terms["id"]; ok && id != legacy(v.itemID) {
				continue
			}
			if !sq.updated.lowOK(v.updatedAt) || !sq.updated.highOK(v.updatedAt) {
				continue
			}
			items = append(items, &inventoryItemObj{v: v, s: s})
			ids = append(ids, v.itemID)
		}
		return page("InventoryItemConnection", items, ids, args)
	case "inventoryItem":
		if v := s.variantByItemGID(strArg(args, "id")); v != nil {
			return &inventoryItemObj{v: v, s: s}, nil
		}
		return nil, nil
	case "node":
		return s.nodeByGID(strArg(args, "id")), nil
	case "nodes":
		list, _ := args["ids"].([]any)
		out := make([]gqlObject, 0, len(list))
		for _, x := range list {
			id, _ := x.(string)
			n := s.nodeByGID(id)
			if n == nil {
				out = append(out, nil)
				continue
			}
			out = append(out, n)
		}
		return nullableList(out), nil
	case "webhookSubscriptions":
		return s.webhookSubscriptionsConnection(args)
	case "webhookSubscription":
		if w := s.webhookSubscriptionByID(strArg(args, "id")); w != nil {
			return w, nil
		}
		return nil, nil
	case "currentBulkOperation":
		if op := s.bulks.current(); op != nil {
			return op, nil
		}
		return nil, nil
	case "bulkOperation":
		if op := s.bulks.byGID(strArg(args, "id")); op != nil {
			return op, nil
		}
		return nil, nil
	}
	return nil, errNoField
}

// nullableList is a list that may hold nulls (nodes(ids:)).
type nullableList []gqlObject

func countOf(n int, args map[string]any) gqlObject {
	limit := 10000
	if l, ok := intArg(args, "limit"); ok {
		limit = l
	} else if v, given := args["limit"]; given && v == nil {
		limit = -1
	}
	c := &countObj{n: n, precision: "EXACT"}
	if limit >= 0 && n > limit {
		c.n, c.precision = limit, "AT_LEAST"
	}
	return c
}

type countObj struct {
	n         int
	precision string
}

func (c *countObj) typename() string { return "Count" }

func (c *countObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "count":
		return c.n, nil
	case "precision":
		return enumValue(c.precision), nil
	}
	return nil, errNoField
}

type shopObj struct{ s *Server }

func (shopObj) typename() string { return "Shop" }

func (o shopObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return gid("Shop", shopID), nil
	case "name":
		return o.s.opts.ShopName, nil
	case "myshopifyDomain":
		return o.s.opts.Shop, nil
	case "currencyCode":
		return enumValue(o.s.opts.Currency), nil
	case "ianaTimezone":
		return o.s.opts.Timezone, nil
	case "email":
		return "owner@" + o.s.opts.Shop, nil
	}
	return nil, errNoField
}

type appInstallation struct{ s *Server }

func (appInstallation) typename() string { return "AppInstallation" }

func (a appInstallation) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return gid("AppInstallation", 580111), nil
	case "accessScopes":
		var out []gqlObject
		for _, sc := range a.s.opts.Scopes {
			out = append(out, accessScope(sc))
		}
		return out, nil
	}
	return nil, errNoField
}

type accessScope string

func (accessScope) typename() string { return "AccessScope" }

func (a accessScope) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "handle":
		return string(a), nil
	case "description":
		return "Scope " + string(a), nil
	}
	return nil, errNoField
}

// ---- money

type moneyBag struct {
	pres            int64
	presCur, shopCu string
}

func (o *order) bag(pres int64) *moneyBag {
	return &moneyBag{pres: pres, presCur: o.presCur, shopCu: o.shopCur}
}

func (moneyBag) typename() string { return "MoneyBag" }

func (m *moneyBag) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "shopMoney":
		return &moneyV2{minor: convert(m.pres, m.presCur, m.shopCu), cur: m.shopCu}, nil
	case "presentmentMoney":
		return &moneyV2{minor: m.pres, cur: m.presCur}, nil
	}
	return nil, errNoField
}

type moneyV2 struct {
	minor int64
	cur   string
}

func (moneyV2) typename() string { return "MoneyV2" }

func (m *moneyV2) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "amount":
		return formatGQL(m.minor, m.cur), nil
	case "currencyCode":
		return enumValue(m.cur), nil
	}
	return nil, errNoField
}

// ---- orders

type orderObj struct {
	o *order
	s *Server
}

func (orderObj) typename() string { return "Order" }

func (x *orderObj) nodeID() string { return x.o.gid() }

func (x *orderObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	o := x.o
	redacted := o.cust != nil && o.cust.redacted
	switch field {
	case "id":
		return o.gid(), nil
	case "legacyResourceId":
		return legacy(o.id), nil
	case "name":
		return o.name(), nil
	case "createdAt", "processedAt":
		return gqlTime(o.createdAt), nil
	case "updatedAt":
		return gqlTime(o.updatedAt), nil
	case "cancelledAt":
		return optTime(o.cancelledAt), nil
	case "cancelReason":
		if o.cancelReason == "" {
			return nil, nil
		}
		return enumValue(strings.ToUpper(o.cancelReason)), nil
	case "closedAt":
		return optTime(o.closedAt), nil
	case "closed":
		return o.closedAt != nil, nil
	case "currencyCode":
		return enumValue(o.shopCur), nil
	case "presentmentCurrencyCode":
		return enumValue(o.presCur), nil
	case "displayFinancialStatus":
		return enumValue(strings.ToUpper(o.financialStatus())), nil
	case "displayFulfillmentStatus":
		switch o.fulfillmentStatus() {
		case "fulfilled":
			return enumValue("FULFILLED"), nil
		case "partial":
			return enumValue("PARTIALLY_FULFILLED"), nil
		}
		return enumValue("UNFULFILLED"), nil
	case "taxesIncluded":
		return o.taxesIncluded, nil
	case "tags":
		return append([]string{}, o.tags...), nil
	case "email":
		if redacted {
			return nil, nil
		}
		return o.email, nil
	case "phone":
		if redacted {
			return nil, nil
		}
		return optString(o.addr.phone), nil
	case "note":
		return optString(o.note), nil
	case "sourceName":
		return o.sourceName, nil
	case "test":
		return false, nil
	case "discountCodes":
		if o.disc != nil && o.disc.kind == "code" {
			return []string{o.disc.code}, nil
		}
		return []string{}, nil
	case "customer":
		if o.cust == nil {
			return nil, nil
		}
		return &customerObj{c: o.cust}, nil
	case "shippingAddress", "billingAddress":
		if redacted || !o.needsShipping() && field == "shippingAddress" {
			return nil, nil
		}
		return &mailingAddress{a: o.addr, id: o.id}, nil
	case "subtotalPriceSet":
		return o.bag(o.subtotal()), nil
	case "currentSubtotalPriceSet":
		sub, _, _ := o.refunded()
		return o.bag(o.subtotal() - sub), nil
	case "totalDiscountsSet", "currentTotalDiscountsSet":
		return o.bag(o.totalDiscounts()), nil
	case "totalShippingPriceSet":
		return o.bag(o.totalShipping()), nil
	case "currentShippingPriceSet":
		ship := o.totalShipping()
		for _, r := range o.refunds {
			ship -= r.shipping
		}
		return o.bag(ship), nil
	case "totalTaxSet":
		return o.bag(o.totalTax()), nil
	case "currentTotalTaxSet":
		_, tax, _ := o.refunded()
		return o.bag(o.totalTax() - tax), nil
	case "totalPriceSet":
		return o.bag(o.total()), nil
	case "currentTotalPriceSet":
		_, _, total := o.refunded()
		return o.bag(o.total() - total), nil
	case "totalRefundedSet":
		_, _, total := o.refunded()
		return o.bag(total), nil
	case "taxLines":
		if o.totalTax() == 0 && o.mkt.taxBP == 0 {
			return []gqlObject{}, nil
		}
		return []gqlObject{&taxLineObj{o: o, amount: o.totalTax()}}, nil
	case "lineItems":
		items := make([]gqlObject, len(o.lines))
		ids := make([]int64, len(o.lines))
		for k := range o.lines {
			items[k] = &lineItemObj{o: o, k: k, s: x.s}
			ids[k] = o.lines[k].id
		}
		return page("LineItemConnection", items, ids, args)
	case "shippingLines":
		items := make([]gqlObject, len(o.shipping))
		ids := make([]int64, len(o.shipping))
		for k := range o.shipping {
			items[k] = &shippingLineObj{o: o, k: k}
			ids[k] = o.shipping[k].id
		}
		return page("ShippingLineConnection", items, ids, args)
	case "refunds":
		n := len(o.refunds)
		if f, ok := intArg(args, "first"); ok {
			n = min(n, f)
		}
		out := make([]gqlObject, n)
		for k := 0; k < n; k++ {
			out[k] = &refundObj{o: o, k: k, s: x.s}
		}
		return out, nil
	case "fulfillments":
		n := len(o.fulfillments)
		if f, ok := intArg(args, "first"); ok {
			n = min(n, f)
		}
		out := make([]gqlObject, n)
		for k := 0; k < n; k++ {
			out[k] = &fulfillmentObj{o: o, k: k, s: x.s}
		}
		return out, nil
	case "fulfillmentOrders":
		fos := o.fulfillmentOrders()
		items := make([]gqlObject, len(fos))
		ids := make([]int64, len(fos))
		for k, fo := range fos {
			items[k] = &fulfillmentOrderObj{o: o, fo: fo, s: x.s}
			ids[k] = fo.id
		}
		return page("FulfillmentOrderConnection", items, ids, args)
	}
	return nil, errNoField
}

func (o *order) needsShipping() bool {
	for _, l := range o.lines {
		if l.variant.requiresShip {
			return true
		}
	}
	return false
}

type taxLineObj struct {
	o      *order
	amount int64
}

func (taxLineObj) typename() string { return "TaxLine" }

func (t *taxLineObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "title":
		return t.o.mkt.taxTitle, nil
	case "rate":
		return rawJSON(bpString(t.o.mkt.taxBP)), nil
	case "ratePercentage":
		return rawJSON(strconv.FormatFloat(float64(t.o.mkt.taxBP)/100, 'f', -1, 64)), nil
	case "priceSet":
		return t.o.bag(t.amount), nil
	case "channelLiable":
		return false, nil
	}
	return nil, errNoField
}

// bpString formats basis points as a JSON number fraction: 1900 -> 0.19.
func bpString(bp int64) string {
	s := fmt.Sprintf("%d.%04d", bp/10000, bp%10000)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return s
}

type mailingAddress struct {
	a  address
	id int64
}

func (mailingAddress) typename() string { return "MailingAddress" }

func (m *mailingAddress) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	a := m.a
	switch field {
	case "id":
		return gid("MailingAddress", m.id) + "?model_name=Address", nil
	case "firstName":
		return optString(a.first), nil
	case "lastName":
		return optString(a.last), nil
	case "name":
		return a.name(), nil
	case "company":
		return optString(a.company), nil
	case "address1":
		return optString(a.address1), nil
	case "address2":
		return optString(a.address2), nil
	case "city":
		return optString(a.city), nil
	case "province":
		return optString(a.province), nil
	case "provinceCode":
		return optString(a.provinceCode), nil
	case "zip":
		return optString(a.zip), nil
	case "country":
		return optString(a.country), nil
	case "countryCodeV2":
		return enumValue(a.countryCode), nil
	case "phone":
		return optString(a.phone), nil
	case "latitude":
		return a.lat, nil
	case "longitude":
		return a.lon, nil
	}
	return nil, errNoField
}

type customerObj struct{ c *customer }

func (customerObj) typename() string { return "Customer" }

func (x *customerObj) nodeID() string { return gid("Customer", x.c.id) }

func (x *customerObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	c := x.c
	if c.redacted && field != "id" && field != "legacyResourceId" && field != "createdAt" && field != "updatedAt" {
		return nil, nil
	}
	switch field {
	case "id":
		return gid("Customer", c.id), nil
	case "legacyResourceId":
		return legacy(c.id), nil
	case "firstName":
		return c.first, nil
	case "lastName":
		return c.last, nil
	case "displayName":
		return c.first + " " + c.last, nil
	case "email":
		return c.email, nil
	case "phone":
		return optString(c.phone), nil
	case "createdAt", "updatedAt":
		return gqlTime(c.created), nil
	case "defaultEmailAddress":
		return &contactObj{typ: "CustomerEmailAddress", field: "emailAddress", v: c.email}, nil
	case "defaultPhoneNumber":
		if c.phone == "" {
			return nil, nil
		}
		return &contactObj{typ: "CustomerPhoneNumber", field: "phoneNumber", v: c.phone}, nil
	}
	return nil, errNoField
}

type contactObj struct{ typ, field, v string }

func (c *contactObj) typename() string { return c.typ }

func (c *contactObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	if field == c.field {
		return c.v, nil
	}
	return nil, errNoField
}

type lineItemObj struct {
	o *order
	k int
	s *Server
}

func (lineItemObj) typename() string { return "LineItem" }

func (x *lineItemObj) nodeID() string { return gid("LineItem", x.o.lines[x.k].id) }

func (x *lineItemObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	l := x.o.lines[x.k]
	v := l.variant
	switch field {
	case "id":
		return gid("LineItem", l.id), nil
	case "name":
		if len(v.product.variants) > 1 || v.title != "Default Title" {
			return v.product.title + " - " + v.title, nil
		}
		return v.product.title, nil
	case "title":
		return v.product.title, nil
	case "variantTitle":
		return v.title, nil
	case "sku":
		return optString(v.sku), nil
	case "quantity":
		return l.qty, nil
	case "currentQuantity":
		return l.qty - x.o.refundedQty(x.k), nil
	case "requiresShipping":
		return v.requiresShip, nil
	case "vendor":
		return v.product.vendor, nil
	case "originalUnitPriceSet":
		return x.o.bag(l.unit), nil
	case "totalDiscountSet":
		return x.o.bag(0), nil
	case "taxLines":
		return []gqlObject{&taxLineObj{o: x.o, amount: l.tax}}, nil
	case "discountAllocations":
		if l.alloc == 0 {
			return []gqlObject{}, nil
		}
		return []gqlObject{&discountAllocationObj{o: x.o, amount: l.alloc}}, nil
	case "variant":
		return &variantObj{v: v, s: x.s}, nil
	case "product":
		return &productObj{p: v.product, s: x.s}, nil
	}
	return nil, errNoField
}

type discountAllocationObj struct {
	o      *order
	amount int64
}

func (discountAllocationObj) typename() string { return "DiscountAllocation" }

func (d *discountAllocationObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "allocatedAmountSet":
		return d.o.bag(d.amount), nil
	case "discountApplication":
		return &discountApplicationObj{d: d.o.disc}, nil
	}
	return nil, errNoField
}

type discountApplicationObj struct{ d *discountApp }

func (x *discountApplicationObj) typename() string {
	if x.d.kind == "code" {
		return "DiscountCodeApplication"
	}
	return "AutomaticDiscountApplication"
}

func (x *discountApplicationObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "code":
		return x.d.code, nil
	case "title", "description":
		return x.d.title, nil
	case "index":
		return 0, nil
	case "allocationMethod":
		return enumValue("ACROSS"), nil
	case "targetSelection":
		return enumValue("ALL"), nil
	case "targetType":
		return enumValue("LINE_ITEM"), nil
	}
	return nil, errNoField
}

type shippingLineObj struct {
	o *order
	k int
}

func (shippingLineObj) typename() string { return "ShippingLine" }

func (x *shippingLineObj) nodeID() string { return gid("ShippingLine", x.o.shipping[x.k].id) }

func (x *shippingLineObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	sl := x.o.shipping[x.k]
	switch field {
	case "id":
		return gid("ShippingLine", sl.id), nil
	case "title":
		return sl.title, nil
	case "code":
		return sl.code, nil
	case "carrierIdentifier":
		return nil, nil
	case "source":
		return "shopify", nil
	case "isRemoved":
		return false, nil
	case "originalPriceSet":
		return x.o.bag(sl.price), nil
	case "discountedPriceSet", "currentDiscountedPriceSet":
		return x.o.bag(sl.price - sl.alloc), nil
	case "taxLines":
		return []gqlObject{&taxLineObj{o: x.o, amount: sl.tax}}, nil
	case "discountAllocations":
		if sl.alloc == 0 {
			return []gqlObject{}, nil
		}
		return []gqlObject{&discountAllocationObj{o: x.o, amount: sl.alloc}}, nil
	}
	return nil, errNoField
}

type refundObj struct {
	o *order
	k int
	s *Server
}

func (refundObj) typename() string { return "Refund" }

func (x *refundObj) nodeID() string { return gid("Refund", x.o.refunds[x.k].id) }

func (x *refundObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	r := &x.o.refunds[x.k]
	switch field {
	case "id":
		return gid("Refund", r.id), nil
	case "legacyResourceId":
		return legacy(r.id), nil
	case "createdAt", "updatedAt":
		return gqlTime(r.createdAt), nil
	case "note":
		return optString(r.note), nil
	case "order":
		return &orderObj{o: x.o, s: x.s}, nil
	case "totalRefundedSet":
		return x.o.bag(r.total(x.o.taxesIncluded)), nil
	case "refundLineItems":
		items := make([]gqlObject, len(r.lines))
		ids := make([]int64, len(r.lines))
		for k := range r.lines {
			items[k] = &refundLineItemObj{o: x.o, r: r, k: k, s: x.s}
			ids[k] = r.lines[k].id
		}
		return page("RefundLineItemConnection", items, ids, args)
	case "refundShippingLines":
		var items []gqlObject
		var ids []int64
		if r.shipping != 0 || r.shipTax != 0 {
			items = append(items, &refundShippingLineObj{o: x.o, r: r})
			ids = append(ids, r.id)
		}
		return page("RefundShippingLineConnection", items, ids, args)
	}
	return nil, errNoField
}

type refundLineItemObj struct {
	o *order
	r *refund
	k int
	s *Server
}

func (refundLineItemObj) typename() string { return "RefundLineItem" }

func (x *refundLineItemObj) nodeID() string { return gid("RefundLineItem", x.r.lines[x.k].id) }

func (x *refundLineItemObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	rl := x.r.lines[x.k]
	switch field {
	case "id":
		return gid("RefundLineItem", rl.id), nil
	case "quantity":
		return rl.qty, nil
	case "restockType":
		return enumValue(strings.ToUpper(rl.restock)), nil
	case "restocked":
		return rl.restock != "no_restock", nil
	case "location":
		if l := x.s.st.location(rl.locationID); l != nil && rl.restock != "no_restock" {
			return &locationObj{l: l, s: x.s}, nil
		}
		return nil, nil
	case "lineItem":
		return &lineItemObj{o: x.o, k: rl.line, s: x.s}, nil
	case "subtotalSet":
		return x.o.bag(rl.subtotal), nil
	case "totalTaxSet":
		return x.o.bag(rl.tax), nil
	case "priceSet":
		return x.o.bag(x.o.lines[rl.line].unit), nil
	}
	return nil, errNoField
}

type refundShippingLineObj struct {
	o *order
	r *refund
}

func (refundShippingLineObj) typename() string { return "RefundShippingLine" }

func (x *refundShippingLineObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return gid("RefundShippingLine", x.r.id), nil
	case "shippingLine":
		if len(x.o.shipping) == 0 {
			return nil, nil
		}
		return &shippingLineObj{o: x.o, k: 0}, nil
	case "subtotalAmountSet":
		return x.o.bag(x.r.shipping), nil
	case "taxAmountSet":
		return x.o.bag(x.r.shipTax), nil
	}
	return nil, errNoField
}

type fulfillmentObj struct {
	o *order
	k int
	s *Server
}

func (fulfillmentObj) typename() string { return "Fulfillment" }

func (x *fulfillmentObj) nodeID() string { return gid("Fulfillment", x.o.fulfillments[x.k].id) }

// displayStatus maps a fulfilment's REST shipment_status to GraphQL's
// FulfillmentDisplayStatus.
func (f *fulfillment) displayStatus() string {
	if f.status == "cancelled" {
		return "CANCELED"
	}
	switch f.shipmentStatus {
	case "":
		return "FULFILLED"
	case "failure":
		return "FAILURE"
	}
	return strings.ToUpper(f.shipmentStatus)
}

func (x *fulfillmentObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	f := &x.o.fulfillments[x.k]
	switch field {
	case "id":
		return gid("Fulfillment", f.id), nil
	case "legacyResourceId":
		return legacy(f.id), nil
	case "name":
		return fmt.Sprintf("%s.%d", x.o.name(), x.k+1), nil
	case "createdAt":
		return gqlTime(f.createdAt), nil
	case "updatedAt":
		return gqlTime(f.updatedAt), nil
	case "status":
		return enumValue(strings.ToUpper(f.status)), nil
	case "displayStatus":
		return enumValue(f.displayStatus()), nil
	case "estimatedDeliveryAt":
		return nil, nil
	case "deliveredAt":
		if f.shipmentStatus == "delivered" {
			return gqlTime(f.updatedAt), nil
		}
		return nil, nil
	case "inTransitAt":
		if f.shipmentStatus != "" {
			return gqlTime(f.createdAt.Add(6 * time.Hour)), nil
		}
		return nil, nil
	case "location":
		if l := x.s.st.location(f.locationID); l != nil {
			return &locationObj{l: l, s: x.s}, nil
		}
		return nil, nil
	case "order":
		return &orderObj{o: x.o, s: x.s}, nil
	case "trackingInfo":
		if f.number == "" && f.company == "" {
			return []gqlObject{}, nil
		}
		return []gqlObject{&trackingInfoObj{f: f}}, nil
	case "fulfillmentLineItems":
		items := make([]gqlObject, len(f.lines))
		ids := make([]int64, len(f.lines))
		for k := range f.lines {
			items[k] = &fulfillmentLineItemObj{o: x.o, fl: f.lines[k], s: x.s}
			ids[k] = f.lines[k].id
		}
		return page("FulfillmentLineItemConnection", items, ids, args)
	}
	return nil, errNoField
}

type trackingInfoObj struct{ f *fulfillment }

func (trackingInfoObj) typename() string { return "FulfillmentTrackingInfo" }

func (t *trackingInfoObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "company":
		return optString(t.f.company), nil
	case "number":
		return optString(t.f.number), nil
	case "url":
		return optString(t.f.url), nil
	}
	return nil, errNoField
}

type fulfillmentLineItemObj struct {
	o  *order
	fl fulfillLine
	s  *Server
}

func (fulfillmentLineItemObj) typename() string { return "FulfillmentLineItem" }

func (x *fulfillmentLineItemObj) nodeID() string { return gid("FulfillmentLineItem", x.fl.id) }

func (x *fulfillmentLineItemObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return gid("FulfillmentLineItem", x.fl.id), nil
	case "quantity":
		return x.fl.qty, nil
	case "lineItem":
		return &lineItemObj{o: x.o, k: x.fl.line, s: x.s}, nil
	}
	return nil, errNoField
}

type fulfillmentOrderObj struct {
	o  *order
	fo fulfillmentOrder
	s  *Server
}

func (fulfillmentOrderObj) typename() string { return "FulfillmentOrder" }

func (x *fulfillmentOrderObj) nodeID() string { return gid("FulfillmentOrder", x.fo.id) }

func (x *fulfillmentOrderObj) remaining(k int) int {
	l := x.o.lines[k]
	if !l.variant.requiresShip || x.o.cancelledAt != nil {
		return 0
	}
	return max(0, l.qty-x.o.fulfilledQty(k)-x.o.refundedQty(k))
}

func (x *fulfillmentOrderObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return gid("FulfillmentOrder", x.fo.id), nil
	case "status":
		open, done := 0, 0
		for _, k := range x.fo.lines {
			open += x.remaining(k)
			done += x.o.fulfilledQty(k)
		}
		switch {
		case x.o.cancelledAt != nil:
			return enumValue("CANCELLED"), nil
		case open == 0:
			return enumValue("CLOSED"), nil
		case done > 0:
			return enumValue("IN_PROGRESS"), nil
		}
		return enumValue("OPEN"), nil
	case "assignedLocation":
		return &assignedLocationObj{l: x.s.st.location(x.fo.locationID), s: x.s}, nil
	case "lineItems":
		items := make([]gqlObject, len(x.fo.lines))
		ids := make([]int64, len(x.fo.lines))
		for j, k := range x.fo.lines {
			items[j] = &foLineItemObj{fo: x, k: k}
			ids[j] = fulfillOrderLnBase + int64(x.o.idx)*64 + int64(k)
		}
		return page("FulfillmentOrderLineItemConnection", items, ids, args)
	case "order":
		return &orderObj{o: x.o, s: x.s}, nil
	}
	return nil, errNoField
}

type assignedLocationObj struct {
	l *location
	s *Server
}

func (assignedLocationObj) typename() string { return "FulfillmentOrderAssignedLocation" }

func (a *assignedLocationObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "name":
		if a.l == nil {
			return nil, nil
		}
		return a.l.name, nil
	case "location":
		if a.l == nil {
			return nil, nil
		}
		return &locationObj{l: a.l, s: a.s}, nil
	}
	return nil, errNoField
}

type foLineItemObj struct {
	fo *fulfillmentOrderObj
	k  int
}

func (foLineItemObj) typename() string { return "FulfillmentOrderLineItem" }

func (x *foLineItemObj) nodeID() string {
	return gid("FulfillmentOrderLineItem", fulfillOrderLnBase+int64(x.fo.o.idx)*64+int64(x.k))
}

func (x *foLineItemObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	l := x.fo.o.lines[x.k]
	switch field {
	case "id":
		return x.nodeID(), nil
	case "sku":
		return optString(l.variant.sku), nil
	case "totalQuantity":
		return l.qty, nil
	case "remainingQuantity":
		return x.fo.remaining(x.k), nil
	case "lineItem":
		return &lineItemObj{o: x.fo.o, k: x.k, s: x.fo.s}, nil
	}
	return nil, errNoField
}

// ---- catalog

type productObj struct {
	p *product
	s *Server
}

func (productObj) typename() string { return "Product" }

func (x *productObj) nodeID() string { return gid("Product", x.p.id) }

func (x *productObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	p := x.p
	switch field {
	case "id":
		return gid("Product", p.id), nil
	case "legacyResourceId":
		return legacy(p.id), nil
	case "title":
		return p.title, nil
	case "handle":
		return p.handle, nil
	case "vendor":
		return p.vendor, nil
	case "productType":
		return p.productType, nil
	case "status":
		return enumValue(strings.ToUpper(p.status)), nil
	case "tags":
		return append([]string{}, p.tags...), nil
	case "createdAt":
		return gqlTime(p.createdAt), nil
	case "updatedAt":
		return gqlTime(p.updatedAt), nil
	case "category":
		if p.category == "" {
			return nil, nil
		}
		return &categoryObj{full: p.category}, nil
	case "variants":
		items := make([]gqlObject, len(p.variants))
		ids := make([]int64, len(p.variants))
		for k, v := range p.variants {
			items[k] = &variantObj{v: v, s: x.s}
			ids[k] = v.id
		}
		return page("ProductVariantConnection", items, ids, args)
	case "options":
		var values []string
		for _, v := range p.variants {
			values = append(values, v.options...)
		}
		return []gqlObject{&optionObj{id: p.id, name: p.optionName, values: values}}, nil
	case "metafield":
		m := p.metafields[strArg(args, "namespace")+"."+strArg(args, "key")]
		if m == nil {
			return nil, nil
		}
		return &metafieldObj{m: m, owner: gid("Product", p.id)}, nil
	}
	return nil, errNoField
}

type categoryObj struct{ full string }

func (categoryObj) typename() string { return "TaxonomyCategory" }

func (c *categoryObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return fmt.Sprintf("gid://shopify/TaxonomyCategory/aa-%d", len(c.full)), nil
	case "name":
		parts := strings.Split(c.full, " > ")
		return parts[len(parts)-1], nil
	case "fullName":
		return c.full, nil
	}
	return nil, errNoField
}

type optionObj struct {
	id     int64
	name   string
	values []string
}

func (optionObj) typename() string { return "ProductOption" }

func (o *optionObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return gid("ProductOption", o.id), nil
	case "name":
		return o.name, nil
	case "position":
		return 1, nil
	case "values":
		return o.values, nil
	}
	return nil, errNoField
}

type variantObj struct {
	v *variant
	s *Server
}

func (variantObj) typename() string { return "ProductVariant" }

func (x *variantObj) nodeID() string { return gid("ProductVariant", x.v.id) }

func (x *variantObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	v := x.v
	cur := x.s.opts.Currency
	switch field {
	case "id":
		return gid("ProductVariant", v.id), nil
	case "legacyResourceId":
		return legacy(v.id), nil
	case "title":
		return v.title, nil
	case "sku":
		return optString(v.sku), nil
	case "barcode":
		return optString(v.barcode), nil
	case "price":
		return formatREST(v.price, cur), nil
	case "compareAtPrice":
		if v.compareAt == 0 {
			return nil, nil
		}
		return formatREST(v.compareAt, cur), nil
	case "position":
		for i, o := range v.product.variants {
			if o == v {
				return i + 1, nil
			}
		}
		return 1, nil
	case "createdAt":
		return gqlTime(v.createdAt), nil
	case "updatedAt":
		return gqlTime(v.updatedAt), nil
	case "selectedOptions":
		var out []gqlObject
		for _, o := range v.options {
			out = append(out, &selectedOptionObj{name: v.product.optionName, value: o})
		}
		return out, nil
	case "inventoryItem":
		return &inventoryItemObj{v: v, s: x.s}, nil
	case "product":
		return &productObj{p: v.product, s: x.s}, nil
	case "taxable":
		return true, nil
	case "inventoryQuantity":
		n := 0
		for _, l := range x.s.st.cat.locations {
			if lv := x.s.st.cat.levels[[2]int64{v.itemID, l.id}]; lv != nil {
				n += lv.available
			}
		}
		return n, nil
	}
	return nil, errNoField
}

type selectedOptionObj struct{ name, value string }

func (selectedOptionObj) typename() string { return "SelectedOption" }

func (o *selectedOptionObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "name":
		return o.name, nil
	case "value":
		return o.value, nil
	}
	return nil, errNoField
}

type inventoryItemObj struct {
	v *variant
	s *Server
}

func (inventoryItemObj) typename() string { return "InventoryItem" }

func (x *inventoryItemObj) nodeID() string { return gid("InventoryItem", x.v.itemID) }

func (x *inventoryItemObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	v := x.v
	switch field {
	case "id":
		return gid("InventoryItem", v.itemID), nil
	case "legacyResourceId":
		return legacy(v.itemID), nil
	case "sku":
		return optString(v.sku), nil
	case "tracked":
		return v.tracked, nil
	case "requiresShipping":
		return v.requiresShip, nil
	case "countryCodeOfOrigin":
		if v.origin == "" {
			return nil, nil
		}
		return enumValue(v.origin), nil
	case "harmonizedSystemCode":
		return optString(v.hsCode), nil
	case "createdAt":
		return gqlTime(v.createdAt), nil
	case "updatedAt":
		return gqlTime(v.updatedAt), nil
	case "unitCost":
		if v.cost == 0 {
			return nil, nil
		}
		return &moneyV2{minor: v.cost, cur: x.s.opts.Currency}, nil
	case "measurement":
		return &measurementObj{v: v}, nil
	case "variant":
		return &variantObj{v: v, s: x.s}, nil
	case "inventoryLevels":
		sq, err := parseSearch(strArg(args, "query"))
		if err != nil {
			return nil, &fieldError{code: "BAD_REQUEST", msg: err.Error()}
		}
		var items []gqlObject
		var ids []int64
		for _, l := range x.s.st.cat.locations {
			lv := x.s.st.cat.levels[[2]int64{v.itemID, l.id}]
			if lv == nil || !sq.updated.lowOK(lv.updatedAt) || !sq.updated.highOK(lv.updatedAt) {
				continue
			}
			items = append(items, &inventoryLevelObj{lv: lv, s: x.s})
			ids = append(ids, l.id)
		}
		return page("InventoryLevelConnection", items, ids, args)
	case "inventoryLevel":
		l := x.s.locationByGID(strArg(args, "locationId"))
		if l == nil {
			return nil, nil
		}
		if lv := x.s.st.cat.levels[[2]int64{v.itemID, l.id}]; lv != nil {
			return &inventoryLevelObj{lv: lv, s: x.s}, nil
		}
		return nil, nil
	}
	return nil, errNoField
}

type measurementObj struct{ v *variant }

func (measurementObj) typename() string { return "InventoryItemMeasurement" }

func (m *measurementObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return gid("InventoryItemMeasurement", m.v.itemID), nil
	case "weight":
		return &weightObj{grams: m.v.grams}, nil
	}
	return nil, errNoField
}

type weightObj struct{ grams int }

func (weightObj) typename() string { return "Weight" }

func (w *weightObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "unit":
		return enumValue("GRAMS"), nil
	case "value":
		return rawJSON(strconv.Itoa(w.grams) + ".0"), nil
	}
	return nil, errNoField
}

func levelGID(itemID, locationID int64) string {
	return fmt.Sprintf("gid://shopify/InventoryLevel/%d?inventory_item_id=%d", locationID, itemID)
}

type inventoryLevelObj struct {
	lv *level
	s  *Server
}

func (inventoryLevelObj) typename() string { return "InventoryLevel" }

func (x *inventoryLevelObj) nodeID() string { return levelGID(x.lv.itemID, x.lv.locationID) }

var quantityNames = map[string]bool{"available": true, "on_hand": true, "committed": true, "incoming": true, "reserved": true,
	"damaged": true, "safety_stock": true, "quality_control": true}

func (x *inventoryLevelObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	lv := x.lv
	switch field {
	case "id":
		return x.nodeID(), nil
	case "createdAt":
		return gqlTime(lv.updatedAt.AddDate(0, -1, 0)), nil
	case "updatedAt":
		return gqlTime(lv.updatedAt), nil
	case "location":
		if l := x.s.st.location(lv.locationID); l != nil {
			return &locationObj{l: l, s: x.s}, nil
		}
		return nil, nil
	case "item":
		if v := x.s.st.variantByItem(lv.itemID); v != nil {
			return &inventoryItemObj{v: v, s: x.s}, nil
		}
		return nil, nil
	case "quantities":
		names, _ := args["names"].([]any)
		if len(names) == 0 {
			return nil, &fieldError{code: "BAD_REQUEST", msg: "quantities requires names, e.g. [\"available\", \"on_hand\"]"}
		}
		var out []gqlObject
		for _, n := range names {
			name, _ := n.(string)
			if !quantityNames[name] {
				return nil, &fieldError{code: "BAD_REQUEST", msg: fmt.Sprintf("%q is not a valid quantity name", name)}
			}
			q := 0
			switch name {
			case "available":
				q = lv.available
			case "on_hand":
				q = lv.onHand
			case "committed":
				q = lv.committed
			case "incoming":
				q = lv.incoming
			}
			out = append(out, &quantityObj{lv: lv, name: name, q: q})
		}
		return out, nil
	}
	return nil, errNoField
}

type quantityObj struct {
	lv   *level
	name string
	q    int
}

func (quantityObj) typename() string { return "InventoryQuantity" }

func (x *quantityObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return fmt.Sprintf("gid://shopify/InventoryQuantity/%d?inventory_item_id=%d&name=%s", x.lv.locationID, x.lv.itemID, x.name), nil
	case "name":
		return x.name, nil
	case "quantity":
		return x.q, nil
	case "updatedAt":
		return gqlTime(x.lv.updatedAt), nil
	}
	return nil, errNoField
}

type locationObj struct {
	l *location
	s *Server
}

func (locationObj) typename() string { return "Location" }

func (x *locationObj) nodeID() string { return gid("Location", x.l.id) }

func (x *locationObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	l := x.l
	switch field {
	case "id":
		return gid("Location", l.id), nil
	case "legacyResourceId":
		return legacy(l.id), nil
	case "name":
		return l.name, nil
	case "isActive":
		return l.active, nil
	case "fulfillsOnlineOrders":
		return l.fulfillsOnline, nil
	case "shipsInventory":
		return l.active, nil
	case "createdAt":
		return gqlTime(l.createdAt), nil
	case "updatedAt":
		return gqlTime(l.updatedAt), nil
	case "deactivatedAt":
		if l.active {
			return nil, nil
		}
		return gqlTime(l.updatedAt), nil
	case "address":
		return &locationAddressObj{a: l.addr}, nil
	case "inventoryLevels":
		sq, err := parseSearch(strArg(args, "query"), "inventory_item_id")
		if err != nil {
			return nil, &fieldError{code: "BAD_REQUEST", msg: err.Error()}
		}
		ec.searchWarnings("inventoryLevels", strArg(args, "query"), sq.warnings)
		var items []gqlObject
		var ids []int64
		for _, v := range x.s.st.cat.variants {
			lv := x.s.st.cat.levels[[2]int64{v.itemID, l.id}]
			if lv == nil || !sq.updated.lowOK(lv.updatedAt) || !sq.updated.highOK(lv.updatedAt) {
				continue
			}
			items = append(items, &inventoryLevelObj{lv: lv, s: x.s})
			ids = append(ids, v.itemID)
		}
		return page("InventoryLevelConnection", items, ids, args)
	case "inventoryLevel":
		v := x.s.variantByItemGID(strArg(args, "inventoryItemId"))
		if v == nil {
			return nil, nil
		}
		if lv := x.s.st.cat.levels[[2]int64{v.itemID, l.id}]; lv != nil {
			return &inventoryLevelObj{lv: lv, s: x.s}, nil
		}
		return nil, nil
	}
	return nil, errNoField
}

type locationAddressObj struct{ a address }

func (locationAddressObj) typename() string { return "LocationAddress" }

func (x *locationAddressObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	a := x.a
	switch field {
	case "address1":
		return optString(a.address1), nil
	case "address2":
		return optString(a.address2), nil
	case "city":
		return optString(a.city), nil
	case "province":
		return optString(a.province), nil
	case "provinceCode":
		return optString(a.provinceCode), nil
	case "zip":
		return optString(a.zip), nil
	case "country":
		return optString(a.country), nil
	case "countryCode":
		return enumValue(a.countryCode), nil
	case "phone":
		return optString(a.phone), nil
	case "latitude":
		return a.lat, nil
	case "longitude":
		return a.lon, nil
	case "formatted":
		return []string{a.address1, strings.TrimSpace(a.zip + " " + a.city), a.country}, nil
	}
	return nil, errNoField
}

// ---- lookups (callers hold the store lock)

// parseGID splits "gid://shopify/Order/123?x=y" into type, id and query.
func parseGID(s string) (typ string, id int64, query string, ok bool) {
	rest, found := strings.CutPrefix(s, "gid://shopify/")
	if !found {
		return "", 0, "", false
	}
	rest, query, _ = strings.Cut(rest, "?")
	typ, num, found := strings.Cut(rest, "/")
	if !found {
		return "", 0, "", false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return "", 0, "", false
	}
	return typ, n, query, true
}

func (st *store) location(id int64) *location {
	for _, l := range st.cat.locations {
		if l.id == id {
			return l
		}
	}
	return nil
}

func (st *store) variantByItem(itemID int64) *variant {
	for _, v := range st.cat.variants {
		if v.itemID == itemID {
			return v
		}
	}
	return nil
}

func (s *Server) orderByGID(g string) *order {
	typ, id, _, ok := parseGID(g)
	if !ok || typ != "Order" {
		return nil
	}
	i := s.st.idxOf(id)
	if i < 0 {
		return nil
	}
	return s.st.get(i)
}

func (s *Server) productByGID(g string) *product {
	typ, id, _, ok := parseGID(g)
	if !ok || typ != "Product" {
		return nil
	}
	for _, p := range s.st.cat.products {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (s *Server) locationByGID(g string) *location {
	typ, id, _, ok := parseGID(g)
	if !ok || typ != "Location" {
		return nil
	}
	return s.st.location(id)
}

func (s *Server) variantByItemGID(g string) *variant {
	typ, id, _, ok := parseGID(g)
	if !ok || typ != "InventoryItem" {
		return nil
	}
	return s.st.variantByItem(id)
}

// childOrder finds the order owning a child id laid out as base + idx*per + k.
func (s *Server) childOrder(id, base, per int64) (*order, bool) {
	if id < base {
		return nil, false
	}
	i := s.st.idxOf(orderBase + (id-base)/per*idStride)
	if i < 0 {
		return nil, false
	}
	return s.st.get(i), true
}

func (s *Server) nodeByGID(g string) gqlObject {
	typ, id, query, ok := parseGID(g)
	if !ok {
		return nil
	}
	switch typ {
	case "Order":
		if o := s.orderByGID(g); o != nil {
			return &orderObj{o: o, s: s}
		}
	case "Product":
		if p := s.productByGID(g); p != nil {
			return &productObj{p: p, s: s}
		}
	case "ProductVariant":
		for _, v := range s.st.cat.variants {
			if v.id == id {
				return &variantObj{v: v, s: s}
			}
		}
	case "InventoryItem":
		if v := s.variantByItemGID(g); v != nil {
			return &inventoryItemObj{v: v, s: s}
		}
	case "InventoryLevel":
		item, err := strconv.ParseInt(strings.TrimPrefix(query, "inventory_item_id="), 10, 64)
		if err == nil {
			if lv := s.st.cat.levels[[2]int64{item, id}]; lv != nil {
				return &inventoryLevelObj{lv: lv, s: s}
			}
		}
	case "Location":
		if l := s.st.location(id); l != nil {
			return &locationObj{l: l, s: s}
		}
	case "Customer":
		if id >= customerBase && (id-customerBase)%idStride == 0 && int((id-customerBase)/idStride) < s.st.nCustomers {
			c := genCustomer(s.st.seed, int((id-customerBase)/idStride), s.st.until)
			c.redacted = s.st.redacted[c.idx]
			return &customerObj{c: c}
		}
	case "Refund":
		if o, ok := s.childOrder(id, refundBase, maxChildren); ok {
			for k := range o.refunds {
				if o.refunds[k].id == id {
					return &refundObj{o: o, k: k, s: s}
				}
			}
		}
	case "Fulfillment":
		if o, ok := s.childOrder(id, fulfillmentBase, maxChildren); ok {
			for k := range o.fulfillments {
				if o.fulfillments[k].id == id {
					return &fulfillmentObj{o: o, k: k, s: s}
				}
			}
		}
	case "FulfillmentOrder":
		if o, ok := s.childOrder(id, fulfillOrderBase, maxChildren); ok {
			for _, fo := range o.fulfillmentOrders() {
				if fo.id == id {
					return &fulfillmentOrderObj{o: o, fo: fo, s: s}
				}
			}
		}
	case "LineItem":
		if o, ok := s.childOrder(id, lineBase, 64); ok {
			for k := range o.lines {
				if o.lines[k].id == id {
					return &lineItemObj{o: o, k: k, s: s}
				}
			}
		}
	case "BulkOperation":
		if op := s.bulks.byGID(g); op != nil {
			return op
		}
	}
	return nil
}

// ordersConnection serves the root orders field with real cursor
// pagination by UPDATED_AT or ID.
func (s *Server) ordersConnection(ec *execCtx, args map[string]any) (any, error) {
	if _, ok := args["last"]; ok {
		return nil, &fieldError{code: "BAD_REQUEST", msg: "the Shopify fake supports forward pagination only (first/after)"}
	}
	if rev, _ := args["reverse"].(bool); rev {
		return nil, &fieldError{code: "BAD_REQUEST", msg: "the Shopify fake does not support reverse: true"}
	}
	sq, err := parseSearch(strArg(args, "query"))
	if err != nil {
		return nil, &fieldError{code: "BAD_REQUEST", msg: err.Error()}
	}
	ec.searchWarnings("orders", strArg(args, "query"), sq.warnings)
	first, _ := intArg(args, "first")
	sortKey := strArg(args, "sortKey")
	st := s.st
	var idxs []int
	var cur cursorData
	if after := strArg(args, "after"); after != "" {
		if cur, err = decodeCursor(after); err != nil {
			return nil, err
		}
	}
	switch sortKey {
	case "UPDATED_AT":
		var k *orderKey
		if cur.LastID != 0 {
			t, err := time.Parse(cursorTimeLayout, cur.LastValue)
			if err != nil {
				return nil, &fieldError{code: "BAD_REQUEST", msg: "Invalid cursor for current pagination sort."}
			}
			k = &orderKey{upd: t, id: cur.LastID}
		}
		idxs = st.ordersByUpdated(k, sq.updated, first+1)
	case "", "ID", "CREATED_AT", "PROCESSED_AT", "ORDER_NUMBER":
		idxs = st.ordersByID(cur.LastID, sq.updated, first+1)
	default:
		return nil, &fieldError{code: "BAD_REQUEST", msg: fmt.Sprintf("the Shopify fake does not support sortKey %s", sortKey)}
	}
	c := &connection{typ: "OrderConnection", hasPrev: cur.LastID != 0}
	if len(idxs) > first {
		c.hasNext = true
		idxs = idxs[:first]
	}
	for _, i := range idxs {
		o := st.get(i)
		c.nodes = append(c.nodes, &orderObj{o: o, s: s})
		if sortKey == "UPDATED_AT" {
			c.cursors = append(c.cursors, encodeCursor(o.id, o.updatedAt.UTC().Format(cursorTimeLayout)))
		} else {
			c.cursors = append(c.cursors, idCursor(o.id))
		}
	}
	return c, nil
}

// productsConnection serves the root products field.
func (s *Server) productsConnection(ec *execCtx, args map[string]any) (any, error) {
	sq, err := parseSearch(strArg(args, "query"), "status", "sku")
	if err != nil {
		return nil, &fieldError{code: "BAD_REQUEST", msg: err.Error()}
	}
	ec.searchWarnings("products", strArg(args, "query"), sq.warnings)
	ps := make([]*product, 0, len(s.st.cat.products))
	for _, p := range s.st.cat.products {
		if sq.updated.lowOK(p.updatedAt) && sq.updated.highOK(p.updatedAt) {
			ps = append(ps, p)
		}
	}
	byUpdated := strArg(args, "sortKey") == "UPDATED_AT"
	if byUpdated {
		sort.SliceStable(ps, func(i, j int) bool {
			if !ps[i].updatedAt.Equal(ps[j].updatedAt) {
				return ps[i].updatedAt.Before(ps[j].updatedAt)
			}
			return ps[i].id < ps[j].id
		})
	}
	start := 0
	if after := strArg(args, "after"); after != "" {
		cur, err := decodeCursor(after)
		if err != nil {
			return nil, err
		}
		start = len(ps)
		for i, p := range ps {
			var past bool
			if byUpdated {
				t, err := time.Parse(cursorTimeLayout, cur.LastValue)
				if err != nil {
					return nil, &fieldError{code: "BAD_REQUEST", msg: "Invalid cursor for current pagination sort."}
				}
				past = p.updatedAt.After(t) || p.updatedAt.Equal(t) && p.id > cur.LastID
			} else {
				past = p.id > cur.LastID
			}
			if past {
				start = i
				break
			}
		}
	}
	first, _ := intArg(args, "first")
	end := min(len(ps), start+first)
	c := &connection{typ: "ProductConnection", hasPrev: start > 0, hasNext: end < len(ps)}
	for _, p := range ps[start:end] {
		c.nodes = append(c.nodes, &productObj{p: p, s: s})
		if byUpdated {
			c.cursors = append(c.cursors, encodeCursor(p.id, p.updatedAt.UTC().Format(cursorTimeLayout)))
		} else {
			c.cursors = append(c.cursors, idCursor(p.id))
		}
	}
	return c, nil
}

// searchWarnings records Shopify's search warnings for the response's
// extensions.
func (ec *execCtx) searchWarnings(field, query string, warnings []map[string]any) {
	if len(warnings) == 0 {
		return
	}
	ec.search = append(ec.search, map[string]any{"path": []any{field}, "query": query, "warnings": warnings})
}
