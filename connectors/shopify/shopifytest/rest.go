package shopifytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// REST shapes: webhook payloads are the REST Admin API's resources
// (numeric ids, snake_case, money as strings with price_set bags, times
// in the shop's zone), so the fake builds them here, and also serves
// GET orders.json with Link pagination and the leaky-bucket call limit.

// jw builds JSON objects with keys in insertion order, as Shopify writes them.
type jw struct{ b []byte }

func (j *jw) open() *jw  { j.b = append(j.b, '{'); return j }
func (j *jw) close() *jw { j.trim(); j.b = append(j.b, '}', ','); return j }
func (j *jw) trim() {
	if n := len(j.b); n > 0 && j.b[n-1] == ',' {
		j.b = j.b[:n-1]
	}
}
func (j *jw) key(k string) *jw { j.b = appendString(j.b, k); j.b = append(j.b, ':'); return j }
func (j *jw) str(k, v string) *jw {
	j.key(k)
	j.b = appendString(j.b, v)
	j.b = append(j.b, ',')
	return j
}
func (j *jw) optStr(k, v string) *jw {
	if v == "" {
		return j.null(k)
	}
	return j.str(k, v)
}
func (j *jw) null(k string) *jw { j.key(k); j.b = append(j.b, "null,"...); return j }
func (j *jw) num(k string, v int64) *jw {
	j.key(k)
	j.b = strconv.AppendInt(j.b, v, 10)
	j.b = append(j.b, ',')
	return j
}
func (j *jw) raw(k, v string) *jw {
	j.key(k)
	j.b = append(j.b, v...)
	j.b = append(j.b, ',')
	return j
}
func (j *jw) boolean(k string, v bool) *jw {
	j.key(k)
	j.b = strconv.AppendBool(j.b, v)
	j.b = append(j.b, ',')
	return j
}
func (j *jw) arr(k string) *jw { j.key(k); j.b = append(j.b, '['); return j }
func (j *jw) end() *jw         { j.trim(); j.b = append(j.b, ']', ','); return j }
func (j *jw) bytes() []byte    { j.trim(); return j.b }

// restTime formats t in the shop's zone, as REST does.
func (s *Server) restTime(t time.Time) string { return t.In(s.st.tz).Format(time.RFC3339) }

func (s *Server) optRestTime(j *jw, k string, t *time.Time) {
	if t == nil {
		j.null(k)
		return
	}
	j.str(k, s.restTime(*t))
}

func (o *order) set(j *jw, k string, pres int64) {
	j.key(k).open()
	j.key("shop_money").open().str("amount", formatREST(convert(pres, o.presCur, o.shopCur), o.shopCur)).str("currency_code", o.shopCur).close()
	j.key("presentment_money").open().str("amount", formatREST(pres, o.presCur)).str("currency_code", o.presCur).close()
	j.close()
}

func (o *order) shopAmount(pres int64) string {
	return formatREST(convert(pres, o.presCur, o.shopCur), o.shopCur)
}

func (o *order) taxLinesREST(j *jw, amount int64) {
	j.arr("tax_lines")
	if o.mkt.taxBP > 0 || amount != 0 {
		j.open().boolean("channel_liable", false).str("price", formatREST(amount, o.presCur))
		o.set(j, "price_set", amount)
		j.raw("rate", bpString(o.mkt.taxBP)).str("title", o.mkt.taxTitle).close()
	}
	j.end()
}

func (s *Server) addressREST(j *jw, k string, a address) {
	j.key(k).open().optStr("first_name", a.first).optStr("address1", a.address1).optStr("phone", a.phone).optStr("city", a.city).
		optStr("zip", a.zip).optStr("province", a.province).optStr("country", a.country).optStr("last_name", a.last).
		optStr("address2", a.address2).optStr("company", a.company).
		raw("latitude", strconv.FormatFloat(a.lat, 'f', -1, 64)).raw("longitude", strconv.FormatFloat(a.lon, 'f', -1, 64)).
		str("name", a.name()).optStr("country_code", a.countryCode).optStr("province_code", a.provinceCode).close()
}

func (s *Server) lineREST(j *jw, o *order, k int, qty int) {
	l := o.lines[k]
	v := l.variant
	name := v.product.title + " - " + v.title
	fs := ""
	switch done := o.fulfilledQty(k); {
	case done >= l.qty:
		fs = "fulfilled"
	case done > 0:
		fs = "partial"
	}
	j.open().num("id", l.id).str("admin_graphql_api_id", gid("LineItem", l.id)).raw("attributed_staffs", "[]").
		num("current_quantity", int64(l.qty-o.refundedQty(k))).num("fulfillable_quantity", int64(max(0, l.qty-o.fulfilledQty(k)-o.refundedQty(k)))).
		str("fulfillment_service", "manual").optStr("fulfillment_status", fs).boolean("gift_card", !v.requiresShip).num("grams", int64(v.grams)).
		str("name", name).str("price", formatREST(l.unit, o.presCur))
	o.set(j, "price_set", l.unit)
	j.boolean("product_exists", true).num("product_id", v.product.id).raw("properties", "[]").num("quantity", int64(qty)).
		boolean("requires_shipping", v.requiresShip).optStr("sku", v.sku).boolean("taxable", true).str("title", v.product.title).
		str("total_discount", formatREST(0, o.presCur))
	o.set(j, "total_discount_set", 0)
	j.num("variant_id", v.id).str("variant_inventory_management", "shopify").str("variant_title", v.title).str("vendor", v.product.vendor)
	o.taxLinesREST(j, l.tax)
	j.raw("duties", "[]").arr("discount_allocations")
	if l.alloc != 0 {
		j.open().str("amount", formatREST(l.alloc, o.presCur))
		o.set(j, "amount_set", l.alloc)
		j.num("discount_application_index", 0).close()
	}
	j.end().close()
}

func (s *Server) refundREST(j *jw, o *order, r *refund) {
	j.open().num("id", r.id).str("admin_graphql_api_id", gid("Refund", r.id)).str("created_at", s.restTime(r.createdAt)).
		optStr("note", r.note).num("order_id", o.id).str("processed_at", s.restTime(r.createdAt)).boolean("restock", len(r.lines) > 0 && r.lines[0].restock != "no_restock")
	o.set(j, "total_duties_set", 0)
	j.num("user_id", 109876543).arr("order_adjustments")
	if r.shipping != 0 || r.shipTax != 0 {
		j.open().num("id", r.id+1).num("order_id", o.id).num("refund_id", r.id).str("amount", formatREST(-r.shipping, o.presCur))
		o.set(j, "amount_set", -r.shipping)
		j.str("tax_amount", formatREST(-r.shipTax, o.presCur))
		o.set(j, "tax_amount_set", -r.shipTax)
		j.str("kind", "shipping_refund").str("reason", "Shipping refund").close()
	}
	j.end().arr("transactions").open().num("id", r.id+7).str("admin_graphql_api_id", gid("OrderTransaction", r.id+7)).
		str("amount", formatREST(r.total(o.taxesIncluded), o.presCur)).str("created_at", s.restTime(r.createdAt)).str("currency", o.presCur).
		str("gateway", "shopify_payments").str("kind", "refund").num("order_id", o.id).str("status", "success").boolean("test", false).close().end()
	j.arr("refund_line_items")
	for i, rl := range r.lines {
		j.open().num("id", rl.id).num("line_item_id", o.lines[rl.line].id)
		if rl.restock != "no_restock" {
			j.num("location_id", rl.locationID)
		} else {
			j.null("location_id")
		}
		j.num("quantity", int64(rl.qty)).str("restock_type", rl.restock).
			raw("subtotal", restNumber(rl.subtotal, o.presCur))
		o.set(j, "subtotal_set", rl.subtotal)
		j.raw("total_tax", restNumber(rl.tax, o.presCur))
		o.set(j, "total_tax_set", rl.tax)
		j.key("line_item")
		s.lineREST(j, o, rl.line, o.lines[rl.line].qty)
		j.close()
		_ = i
	}
	j.end().raw("duties", "[]").raw("additional_fees", "[]")
	o.set(j, "total_additional_fees_set", 0)
	j.null("return").close()
}

// restNumber prints an amount as a JSON number, as refund_line_items'
// subtotal and total_tax are (the fixtures keep Shopify's quirk).
func restNumber(minor int64, cur string) string {
	s := formatREST(minor, cur)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func (s *Server) fulfillmentREST(j *jw, o *order, k int) {
	f := &o.fulfillments[k]
	status := f.status
	j.open().num("id", f.id).str("admin_graphql_api_id", gid("Fulfillment", f.id)).str("created_at", s.restTime(f.createdAt)).
		num("location_id", f.locationID).str("name", fmt.Sprintf("%s.%d", o.name(), k+1)).num("order_id", o.id).
		raw("origin_address", "{}").raw("receipt", "{}").str("service", "manual").optStr("shipment_status", f.shipmentStatus).
		str("status", status).optStr("tracking_company", f.company).optStr("tracking_number", f.number)
	j.arr("tracking_numbers")
	if f.number != "" {
		j.b = appendString(j.b, f.number)
		j.b = append(j.b, ',')
	}
	j.end().optStr("tracking_url", f.url).arr("tracking_urls")
	if f.url != "" {
		j.b = appendString(j.b, f.url)
		j.b = append(j.b, ',')
	}
	j.end().str("updated_at", s.restTime(f.updatedAt)).arr("line_items")
	for _, fl := range f.lines {
		s.lineREST(j, o, fl.line, fl.qty)
	}
	j.end()
}

// restFulfillment is the body of a fulfillments/create or /update webhook.
func (s *Server) restFulfillment(o *order, k int) []byte {
	j := &jw{}
	s.fulfillmentREST(j, o, k)
	redacted := o.cust != nil && o.cust.redacted
	if redacted {
		j.null("email").null("destination")
	} else {
		j.str("email", o.email)
		s.addressREST(j, "destination", o.addr)
	}
	j.close()
	return j.bytes()
}

// restRefund is the body of a refunds/create webhook.
func (s *Server) restRefund(o *order, k int) []byte {
	j := &jw{}
	s.refundREST(j, o, &o.refunds[k])
	return j.bytes()
}

// restOrder is the REST order resource, the body of orders/* webhooks.
func (s *Server) restOrder(o *order) []byte {
	j := &jw{}
	s.orderREST(j, o)
	return j.bytes()
}

func (s *Server) orderREST(j *jw, o *order) {
	redacted := o.cust != nil && o.cust.redacted
	subRef, taxRef, totRef := o.refunded()
	email := o.email
	if redacted {
		email = ""
	}
	j.open().num("id", o.id).str("admin_graphql_api_id", o.gid()).num("app_id", 580111).str("browser_ip", "203.0.113.24").
		boolean("buyer_accepts_marketing", false).optStr("cancel_reason", o.cancelReason)
	s.optRestTime(j, "cancelled_at", o.cancelledAt)
	s.optRestTime(j, "closed_at", o.closedAt)
	j.boolean("confirmed", true).optStr("contact_email", email).str("created_at", s.restTime(o.createdAt)).str("currency", o.shopCur)
	ship := o.totalShipping()
	for _, r := range o.refunds {
		ship -= r.shipping
	}
	o.set(j, "current_shipping_price_set", ship)
	j.str("current_subtotal_price", o.shopAmount(o.subtotal()-subRef))
	o.set(j, "current_subtotal_price_set", o.subtotal()-subRef)
	j.str("current_total_discounts", o.shopAmount(o.totalDiscounts()))
	o.set(j, "current_total_discounts_set", o.totalDiscounts())
	j.str("current_total_price", o.shopAmount(o.total()-totRef))
	o.set(j, "current_total_price_set", o.total()-totRef)
	j.str("current_total_tax", o.shopAmount(o.totalTax()-taxRef))
	o.set(j, "current_total_tax_set", o.totalTax()-taxRef)
	j.arr("discount_codes")
	if o.disc != nil && o.disc.kind == "code" {
		j.open().str("code", o.disc.code).str("amount", o.shopAmount(o.totalDiscounts())).str("type", "percentage").close()
	}
	j.end().optStr("email", email).str("financial_status", o.financialStatus()).optStr("fulfillment_status", o.fulfillmentStatus()).
		str("name", o.name()).optStr("note", o.note).num("number", int64(o.number-1000)).num("order_number", int64(o.number))
	if redacted {
		j.null("phone")
	} else {
		j.optStr("phone", o.addr.phone)
	}
	j.str("presentment_currency", o.presCur).str("processed_at", s.restTime(o.createdAt)).str("source_name", o.sourceName).
		str("subtotal_price", o.shopAmount(o.subtotal()))
	o.set(j, "subtotal_price_set", o.subtotal())
	j.str("tags", strings.Join(o.tags, ", "))
	o.taxLinesREST(j, o.totalTax())
	j.boolean("taxes_included", o.taxesIncluded).boolean("test", false).str("total_discounts", o.shopAmount(o.totalDiscounts()))
	o.set(j, "total_discounts_set", o.totalDiscounts())
	j.str("total_line_items_price", o.shopAmount(o.lineItemsTotal()))
	o.set(j, "total_line_items_price_set", o.lineItemsTotal())
	j.str("total_price", o.shopAmount(o.total()))
	o.set(j, "total_price_set", o.total())
	o.set(j, "total_shipping_price_set", o.totalShipping())
	j.str("total_tax", o.shopAmount(o.totalTax()))
	o.set(j, "total_tax_set", o.totalTax())
	j.str("updated_at", s.restTime(o.updatedAt))
	if redacted {
		j.null("billing_address")
	} else {
		s.addressREST(j, "billing_address", o.addr)
	}
	if o.cust == nil {
		j.null("customer")
	} else {
		c := o.cust
		j.key("customer").open().num("id", c.id).str("created_at", s.restTime(c.created)).str("updated_at", s.restTime(c.created))
		if c.redacted {
			j.null("first_name").null("last_name").null("email").null("phone")
		} else {
			j.str("first_name", c.first).str("last_name", c.last).str("email", c.email).optStr("phone", c.phone)
		}
		j.str("state", "disabled").boolean("verified_email", true).str("currency", o.presCur).str("admin_graphql_api_id", gid("Customer", c.id)).close()
	}
	j.arr("discount_applications")
	if o.disc != nil {
		j.open().str("target_type", "line_item").str("value", fmt.Sprintf("%d.0", o.disc.pct)).str("value_type", "percentage").
			str("allocation_method", "across").str("target_selection", "all")
		if o.disc.kind == "code" {
			j.str("type", "discount_code").str("code", o.disc.code)
		} else {
			j.str("type", "automatic").str("title", o.disc.title).str("description", o.disc.title)
		}
		j.close()
	}
	j.end().arr("fulfillments")
	for k := range o.fulfillments {
		s.fulfillmentREST(j, o, k)
		j.close()
	}
	j.end().arr("line_items")
	for k := range o.lines {
		s.lineREST(j, o, k, o.lines[k].qty)
	}
	j.end().arr("refunds")
	for k := range o.refunds {
		s.refundREST(j, o, &o.refunds[k])
	}
	j.end()
	if redacted || !o.needsShipping() {
		j.null("shipping_address")
	} else {
		s.addressREST(j, "shipping_address", o.addr)
	}
	j.arr("shipping_lines")
	for _, sl := range o.shipping {
		j.open().num("id", sl.id).null("carrier_identifier").str("code", sl.code)
		o.set(j, "current_discounted_price_set", sl.price-sl.alloc)
		j.str("discounted_price", formatREST(sl.price-sl.alloc, o.presCur))
		o.set(j, "discounted_price_set", sl.price-sl.alloc)
		j.boolean("is_removed", false).null("phone").str("price", formatREST(sl.price, o.presCur))
		o.set(j, "price_set", sl.price)
		j.null("requested_fulfillment_service_id").str("source", "shopify").str("title", sl.title)
		o.taxLinesREST(j, sl.tax)
		j.raw("discount_allocations", "[]").close()
	}
	j.end().close()
}

// restProduct is the body of products/create and products/update webhooks.
func (s *Server) restProduct(p *product) []byte {
	j := &jw{}
	j.open().str("admin_graphql_api_id", gid("Product", p.id)).str("body_html", "<p>"+p.title+"</p>").str("created_at", s.restTime(p.createdAt)).
		str("handle", p.handle).num("id", p.id).str("product_type", p.productType).str("published_at", s.restTime(p.createdAt)).
		str("template_suffix", "").str("title", p.title).str("updated_at", s.restTime(p.updatedAt)).str("vendor", p.vendor).
		str("status", p.status).str("published_scope", "global").str("tags", strings.Join(p.tags, ", ")).arr("variants")
	for i, v := range p.variants {
		j.open().str("admin_graphql_api_id", gid("ProductVariant", v.id)).optStr("barcode", v.barcode)
		if v.compareAt != 0 {
			j.str("compare_at_price", formatREST(v.compareAt, s.opts.Currency))
		} else {
			j.null("compare_at_price")
		}
		j.str("created_at", s.restTime(v.createdAt)).num("id", v.id).str("inventory_policy", "deny").num("position", int64(i+1)).
			str("price", formatREST(v.price, s.opts.Currency)).num("product_id", p.id).optStr("sku", v.sku).boolean("taxable", true).
			str("title", v.title).str("updated_at", s.restTime(v.updatedAt)).str("option1", v.title).null("option2").null("option3").
			null("image_id").num("inventory_item_id", v.itemID).close()
	}
	j.end().arr("variant_gids")
	for _, v := range p.variants {
		j.open().str("admin_graphql_api_id", gid("ProductVariant", v.id)).str("updated_at", v.updatedAt.UTC().Format("2006-01-02T15:04:05.000Z")).close()
	}
	j.end().close()
	return j.bytes()
}

// restLevel is the body of an inventory_levels/update webhook.
func (s *Server) restLevel(lv *level) []byte {
	return fmt.Appendf(nil, `{"inventory_item_id":%d,"location_id":%d,"available":%d,"updated_at":%q,"admin_graphql_api_id":%q}`,
		lv.itemID, lv.locationID, lv.available, s.restTime(lv.updatedAt), levelGID(lv.itemID, lv.locationID))
}

// ---- GET orders.json

type restPageInfo struct {
	Direction string `json:"direction"`
	LastID    int64  `json:"last_id"`
	LastValue string `json:"last_value"`
	Since     string `json:"updated_at_min,omitempty"`
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, resource string) {
	if resource != "orders" || r.Method != http.MethodGet {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
		return
	}
	// leaky bucket: 40 calls, leaking 2 per second
	s.restMu.Lock()
	now := s.opts.Clock()
	s.restUsed = math.Max(0, s.restUsed-now.Sub(s.restFill).Seconds()*2)
	s.restFill = now
	if s.restUsed+1 > 40 {
		s.restMu.Unlock()
		w.Header().Set("Retry-After", "2.0")
		w.Header().Set("X-Shopify-Shop-Api-Call-Limit", "40/40")
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})
		return
	}
	s.restUsed++
	used := int(math.Ceil(s.restUsed))
	s.restMu.Unlock()
	w.Header().Set("X-Shopify-Shop-Api-Call-Limit", fmt.Sprintf("%d/40", used))

	q := r.URL.Query()
	limit := 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 250 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"limit": "must be between 1 and 250"}})
			return
		}
		limit = n
	}
	var pi restPageInfo
	if p := q.Get("page_info"); p != "" {
		for k := range q {
			if k != "page_info" && k != "limit" && k != "fields" {
				writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"page_info": "Only limit and fields may be sent with page_info."}})
				return
			}
		}
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil || json.Unmarshal(b, &pi) != nil || pi.Direction != "next" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"page_info": "Invalid value."}})
			return
		}
	} else {
		pi.Since = q.Get("updated_at_min")
	}
	var f timeFilter
	if pi.Since != "" {
		t, err := time.Parse(time.RFC3339, pi.Since)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"updated_at_min": "must be ISO 8601"}})
			return
		}
		f.lo, f.loIncl = &t, true
	}
	s.st.mu.RLock()
	idxs := s.st.ordersByID(pi.LastID, f, limit+1)
	more := len(idxs) > limit
	if more {
		idxs = idxs[:limit]
	}
	j := &jw{}
	j.open().arr("orders")
	var last int64
	for _, i := range idxs {
		o := s.st.get(i)
		s.orderREST(j, o)
		last = o.id
	}
	j.end().close()
	s.st.mu.RUnlock()
	if more {
		next, _ := json.Marshal(restPageInfo{Direction: "next", LastID: last, LastValue: strconv.FormatInt(last, 10), Since: pi.Since})
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		u.RawQuery = fmt.Sprintf("limit=%d&page_info=%s", limit, base64.RawURLEncoding.EncodeToString(next))
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", u.String()))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(j.bytes())
}
