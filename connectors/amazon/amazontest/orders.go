package amazontest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func moneyObj(m market, v int64, pascal bool) map[string]any {
	if pascal {
		return map[string]any{"CurrencyCode": m.currency, "Amount": money(m, v)}
	}
	return map[string]any{"currencyCode": m.currency, "amount": money(m, v)}
}

// ---- pagination tokens

// pageToken is the state a pagination token carries: the query it belongs
// to, the pass's upper bound, and the last (updated, id) returned.
type pageToken struct {
	Query   string `json:"q"`
	Before  int64  `json:"b"`
	After   int64  `json:"a"`
	LastUpd int64  `json:"u"`
	LastID  string `json:"i"`
	Issued  int64  `json:"t"`
	Size    int    `json:"n,omitempty"`
}

func (s *Server) encodeToken(t pageToken) string {
	b, _ := json.Marshal(t)
	mac := hmac.New(sha256.New, []byte(s.opts.ClientSecret))
	mac.Write(b)
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12])
}

func (s *Server) decodeToken(tok string) (pageToken, bool) {
	var t pageToken
	body, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return t, false
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return t, false
	}
	mac := hmac.New(sha256.New, []byte(s.opts.ClientSecret))
	mac.Write(b)
	if base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:12]) != sig {
		return t, false
	}
	return t, json.Unmarshal(b, &t) == nil
}

// page selects the orders of marketplaces mps updated in [after, before]
// after the token's position, up to n.
func (s *Server) page(mps map[string]bool, after, before time.Time, lastUpd int64, lastID string, n int) ([]*order, bool) {
	all := s.data.sortedOrders()
	start := sort.Search(len(all), func(i int) bool {
		o := all[i]
		if lastID == "" {
			return !o.updated.Before(after)
		}
		u := o.updated.Unix()
		return u > lastUpd || (u == lastUpd && o.id > lastID)
	})
	var out []*order
	for i := start; i < len(all); i++ {
		o := all[i]
		if o.updated.After(before) {
			return out, false
		}
		if !mps[o.market] {
			continue
		}
		if len(out) == n {
			return out, true
		}
		out = append(out, o)
	}
	return out, false
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) marketSet(w http.ResponseWriter, list string, param string) (map[string]bool, bool) {
	ids := splitList(list)
	if len(ids) == 0 {
		apiError(w, http.StatusBadRequest, "InvalidInput", param+" is required", "")
		return nil, false
	}
	set := map[string]bool{}
	for _, id := range ids {
		if !contains(s.opts.Marketplaces, id) {
			apiError(w, http.StatusBadRequest, "InvalidInput", "Invalid "+param+": "+id, "The seller does not participate in this marketplace.")
			return nil, false
		}
		set[id] = true
	}
	return set, true
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// ---- Orders API 2026-01-01

func (s *Server) order2026(o *order, included map[string]bool) map[string]any {
	m := fakeMarkets[o.market]
	out := map[string]any{
		"orderId":         o.id,
		"createdTime":     rfc(o.created),
		"lastUpdatedTime": rfc(o.updated),
		"programs":        []string{},
		"salesChannel":    map[string]any{"channelName": "AMAZON", "marketplaceId": o.market, "marketplaceName": m.channel},
	}
	var items []map[string]any
	var sumItem, sumShip, sumTax, sumPromo int64
	for _, it := range o.items {
		price, tax, ship, shipTax, promo := o.amounts(it)
		sumItem, sumShip, sumTax, sumPromo = sumItem+price, sumShip+ship, sumTax+tax+shipTax, sumPromo+promo
		x := map[string]any{
			"orderItemId":     it.id,
			"quantityOrdered": it.qty,
			"product": map[string]any{"asin": it.asin, "title": it.title, "sellerSku": it.sku,
				"condition": map[string]any{"conditionType": "NEW", "conditionSubtype": "NEW"},
				"price":     map[string]any{"unitPrice": moneyObj(m, it.unit, false)}},
		}
		if included["PROCEEDS"] {
			bd := []map[string]any{{"type": "ITEM", "subtotal": moneyObj(m, price, false)}}
			if ship > 0 {
				bd = append(bd, map[string]any{"type": "SHIPPING", "subtotal": moneyObj(m, ship, false)})
			}
			if promo > 0 {
				bd = append(bd, map[string]any{"type": "DISCOUNT", "subtotal": moneyObj(m, -promo, false)})
			}
			if tax+shipTax > 0 {
				det := []map[string]any{{"subtype": "ITEM", "value": moneyObj(m, tax, false)}}
				if shipTax > 0 {
					det = append(det, map[string]any{"subtype": "SHIPPING", "value": moneyObj(m, shipTax, false)})
				}
				bd = append(bd, map[string]any{"type": "TAX", "subtotal": moneyObj(m, tax+shipTax, false), "detailedBreakdowns": det})
			}
			total := price + ship - promo
			if !m.taxIncluded {
				total += tax + shipTax
			}
			x["proceeds"] = map[string]any{"proceedsTotal": moneyObj(m, total, false), "breakdowns": bd}
		}
		if included["FULFILLMENT"] {
			x["fulfillment"] = map[string]any{"quantityFulfilled": it.shipped, "quantityUnfulfilled": it.qty - it.shipped}
		}
		items = append(items, x)
	}
	out["orderItems"] = items
	if included["PROCEEDS"] {
		p := map[string]any{}
		bd := []map[string]any{{"type": "ITEM", "subtotal": moneyObj(m, sumItem, false)}}
		if sumShip > 0 {
			bd = append(bd, map[string]any{"type": "SHIPPING", "subtotal": moneyObj(m, sumShip, false)})
		}
		if sumPromo > 0 {
			bd = append(bd, map[string]any{"type": "DISCOUNT", "subtotal": moneyObj(m, -sumPromo, false)})
		}
		if sumTax > 0 {
			bd = append(bd, map[string]any{"type": "TAX", "subtotal": moneyObj(m, sumTax, false)})
		}
		p["breakdowns"] = bd
		if o.status != StatusPending {
			p["grandTotal"] = moneyObj(m, o.total(), false)
		}
		out["proceeds"] = p
	}
	if included["FULFILLMENT"] {
		by := "MERCHANT"
		if o.channel == "AFN" {
			by = "AMAZON"
		}
		out["fulfillment"] = map[string]any{"fulfillmentStatus": status2026(o.status), "fulfilledBy": by,
			"fulfillmentServiceLevel": strings.ToUpper(o.service)}
	}
	if included["RECIPIENT"] && o.status != StatusPending { // as v0, no address before payment
		out["recipient"] = map[string]any{"deliveryAddress": map[string]any{"city": o.city, "postalCode": o.postal, "countryCode": m.country}}
	}
	if included["PACKAGES"] && o.channel == "MFN" {
		var ps []map[string]any
		for _, p := range o.packages {
			var pi []map[string]any
			ids := make([]string, 0, len(p.items))
			for id := range p.items {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			for _, id := range ids {
				pi = append(pi, map[string]any{"orderItemId": id, "quantity": p.items[id]})
			}
			ps = append(ps, map[string]any{"packageReferenceId": p.ref, "createdTime": rfc(p.shipped), "carrier": p.carrier,
				"shipTime": rfc(p.shipped), "shippingService": p.service, "trackingNumber": p.tracking,
				"packageStatus": map[string]any{"status": p.status, "detailedStatus": p.status}, "packageItems": pi})
		}
		if ps != nil {
			out["packages"] = ps
		}
	}
	return out
}

func status2026(s string) string {
	switch s {
	case StatusPending:
		return "PENDING"
	case StatusUnshipped:
		return "UNSHIPPED"
	case StatusPartiallyShipped:
		return "PARTIALLY_SHIPPED"
	case StatusShipped:
		return "SHIPPED"
	case StatusCanceled:
		return "CANCELLED"
	}
	return s
}

var included2026 = map[string]bool{"BUYER": true, "RECIPIENT": true, "PROCEEDS": true, "EXPENSE": true, "PROMOTION": true, "CANCELLATION": true,
	"FULFILLMENT": true, "PACKAGES": true, "TAX": true, "PAYMENT": true, "FULFILLMENT_ORDERS": true}

func parseIncluded(w http.ResponseWriter, v string) (map[string]bool, bool) {
	set := map[string]bool{}
	for _, x := range splitList(v) {
		if !included2026[x] {
			apiError(w, http.StatusBadRequest, "InvalidInput", "Invalid includedData value: "+x, "")
			return nil, false
		}
		set[x] = true
	}
	return set, true
}

// lagBefore is the upper bound a search sees now.
func (s *Server) lagBefore() time.Time {
	return s.opts.Clock().Add(-s.opts.IndexLag).Truncate(time.Second)
}

func (s *Server) searchOrders(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	included, ok := parseIncluded(w, q.Get("includedData"))
	if !ok {
		return
	}
	size := 100
	if v := q.Get("maxResultsPerPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			apiError(w, http.StatusBadRequest, "InvalidInput", "maxResultsPerPage must be between 1 and 100", "")
			return
		}
		size = n
	}
	if (q.Get("createdAfter") == "") == (q.Get("lastUpdatedAfter") == "") {
		apiError(w, http.StatusBadRequest, "InvalidInput", "Exactly one of createdAfter and lastUpdatedAfter must be specified", "")
		return
	}
	if q.Get("createdAfter") != "" {
		apiError(w, http.StatusBadRequest, "InvalidInput", "The fake serves lastUpdatedAfter searches only", "")
		return
	}
	after, err := time.Parse(time.RFC3339, q.Get("lastUpdatedAfter"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidInput", "lastUpdatedAfter is not in ISO 8601 format", "")
		return
	}
	mps, ok := s.marketSet(w, q.Get("marketplaceIds"), "marketplaceIds")
	if !ok {
		return
	}
	key := "2026|" + q.Get("lastUpdatedAfter") + "|" + q.Get("marketplaceIds") + "|" + q.Get("lastUpdatedBefore")
	s.mu.Lock()
	defer s.mu.Unlock()
	before := s.lagBefore()
	if v := q.Get("lastUpdatedBefore"); v != "" {
		b, err := time.Parse(time.RFC3339, v)
		if err != nil || b.After(s.opts.Clock().Add(-2*time.Minute)) {
			apiError(w, http.StatusBadRequest, "InvalidInput", "lastUpdatedBefore must be at least two minutes before the time of the request", "")
			return
		}
		before = b
	}
	tok := pageToken{Query: key, Before: before.Unix(), After: after.Unix()}
	if pt := q.Get("paginationToken"); pt != "" {
		t, ok := s.decodeToken(pt)
		if !ok || t.Query != key {
			apiError(w, http.StatusBadRequest, "InvalidInput", "Invalid paginationToken", "The other parameters must have the values of the request that returned the token.")
			return
		}
		if time.Since(time.Unix(t.Issued, 0)) > 24*time.Hour {
			apiError(w, http.StatusBadRequest, "InvalidInput", "The paginationToken has expired", "")
			return
		}
		tok = t
	}
	orders, more := s.page(mps, time.Unix(tok.After, 0), time.Unix(tok.Before, 0), tok.LastUpd, tok.LastID, size)
	list := make([]map[string]any, 0, len(orders))
	for _, o := range orders {
		list = append(list, s.order2026(o, included))
	}
	out := map[string]any{"orders": list, "lastUpdatedBefore": rfc(time.Unix(tok.Before, 0))}
	if more && len(orders) > 0 {
		last := orders[len(orders)-1]
		next := tok
		next.LastUpd, next.LastID, next.Issued = last.updated.Unix(), last.id, time.Now().Unix()
		out["pagination"] = map[string]any{"nextToken": s.encodeToken(next)}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getOrder2026(w http.ResponseWriter, r *http.Request, m []string) {
	included, ok := parseIncluded(w, r.URL.Query().Get("includedData"))
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.data.orders[m[1]]
	if o == nil {
		apiError(w, http.StatusNotFound, "NotFound", "Order not found: "+m[1], "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"order": s.order2026(o, included)})
}

// ---- Orders API v0

func (s *Server) orderV0(o *order) map[string]any {
	m := fakeMarkets[o.market]
	shipped, unshipped := 0, 0
	for _, it := range o.items {
		shipped += it.shipped
		unshipped += it.qty - it.shipped
	}
	if o.status == StatusPending || o.status == StatusCanceled {
		shipped, unshipped = 0, 0
	}
	out := map[string]any{
		"AmazonOrderId":                o.id,
		"PurchaseDate":                 rfc(o.created),
		"LastUpdateDate":               rfc(o.updated),
		"OrderStatus":                  o.status,
		"FulfillmentChannel":           o.channel,
		"SalesChannel":                 m.channel,
		"ShipServiceLevel":             "Std " + m.amazonCountry + " Dom_1",
		"ShipmentServiceLevelCategory": o.service,
		"NumberOfItemsShipped":         shipped,
		"NumberOfItemsUnshipped":       unshipped,
		"PaymentMethodDetails":         []string{"Standard"},
		"IsReplacementOrder":           false,
		"MarketplaceId":                o.market,
		"OrderType":                    "StandardOrder",
		"IsBusinessOrder":              false,
		"IsPrime":                      o.channel == "AFN",
		"IsPremiumOrder":               false,
		"IsGlobalExpressEnabled":       false,
		"IsSoldByAB":                   false,
		"IsISPU":                       false,
		"IsAccessPointOrder":           false,
		"HasRegulatedItems":            false,
		"ElectronicInvoiceStatus":      "NotRequired",
	}
	if o.status != StatusPending {
		out["OrderTotal"] = moneyObj(m, o.total(), true)
		out["PaymentMethod"] = "Other"
		out["ShippingAddress"] = map[string]any{"City": o.city, "PostalCode": o.postal, "CountryCode": m.country}
	}
	return out
}

func (s *Server) itemsV0(o *order) []map[string]any {
	m := fakeMarkets[o.market]
	var out []map[string]any
	for _, it := range o.items {
		price, tax, ship, shipTax, promo := o.amounts(it)
		x := map[string]any{
			"ASIN": it.asin, "OrderItemId": it.id, "SellerSKU": it.sku, "Title": it.title,
			"QuantityOrdered": it.qty, "QuantityShipped": it.shipped, "ProductInfo": map[string]any{"NumberOfItems": "1"},
			"ItemPrice": moneyObj(m, price, true), "ItemTax": moneyObj(m, tax, true),
			"ShippingPrice": moneyObj(m, ship, true), "ShippingTax": moneyObj(m, shipTax, true),
			"ShippingDiscount": moneyObj(m, 0, true), "ShippingDiscountTax": moneyObj(m, 0, true),
			"PromotionDiscount": moneyObj(m, promo, true), "PromotionDiscountTax": moneyObj(m, 0, true),
			"PromotionIds": []string{}, "IsGift": "false", "ConditionId": "New", "ConditionSubtypeId": "New",
			"IsTransparency": false, "SerialNumberRequired": false,
			"BuyerRequestedCancel": map[string]any{"IsBuyerRequestedCancel": "false", "BuyerCancelReason": ""},
		}
		out = append(out, x)
	}
	return out
}

func (s *Server) getOrdersV0(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	mps, ok := s.marketSet(w, q.Get("MarketplaceIds"), "MarketplaceIds")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var tok pageToken
	size := 100
	if nt := q.Get("NextToken"); nt != "" {
		t, ok := s.decodeToken(nt)
		if !ok || t.Query != "v0|"+q.Get("MarketplaceIds") {
			apiError(w, http.StatusBadRequest, "InvalidInput", "Invalid NextToken", "")
			return
		}
		tok = t
		if t.Size > 0 {
			size = t.Size
		}
	} else {
		if q.Get("LastUpdatedAfter") == "" {
			apiError(w, http.StatusBadRequest, "InvalidInput", "CreatedAfter or LastUpdatedAfter must be specified", "")
			return
		}
		after, err := time.Parse(time.RFC3339, q.Get("LastUpdatedAfter"))
		if err != nil {
			apiError(w, http.StatusBadRequest, "InvalidInput", "LastUpdatedAfter is not in ISO 8601 format", "")
			return
		}
		if v := q.Get("MaxResultsPerPage"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				apiError(w, http.StatusBadRequest, "InvalidInput", "MaxResultsPerPage must be between 1 and 100", "")
				return
			}
			size = n
		}
		tok = pageToken{Query: "v0|" + q.Get("MarketplaceIds"), Before: s.lagBefore().Unix(), After: after.Unix(), Size: size}
	}
	orders, more := s.page(mps, time.Unix(tok.After, 0), time.Unix(tok.Before, 0), tok.LastUpd, tok.LastID, size)
	list := make([]map[string]any, 0, len(orders))
	for _, o := range orders {
		list = append(list, s.orderV0(o))
	}
	payload := map[string]any{"Orders": list, "LastUpdatedBefore": rfc(time.Unix(tok.Before, 0))}
	if more && len(orders) > 0 {
		last := orders[len(orders)-1]
		next := tok
		next.LastUpd, next.LastID, next.Issued = last.updated.Unix(), last.id, time.Now().Unix()
		payload["NextToken"] = s.encodeToken(next)
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": payload})
}

func (s *Server) getOrderV0(w http.ResponseWriter, r *http.Request, m []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.data.orders[m[1]]
	if o == nil {
		apiError(w, http.StatusNotFound, "NotFound", "Order not found: "+m[1], "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": s.orderV0(o)})
}

func (s *Server) getOrderItemsV0(w http.ResponseWriter, r *http.Request, m []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.data.orders[m[1]]
	if o == nil {
		apiError(w, http.StatusNotFound, "NotFound", "Order not found: "+m[1], "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{"AmazonOrderId": o.id, "OrderItems": s.itemsV0(o)}})
}

func (s *Server) confirmShipment(w http.ResponseWriter, r *http.Request, m []string) {
	var body struct {
		PackageDetail struct {
			PackageReferenceID string `json:"packageReferenceId"`
			CarrierCode        string `json:"carrierCode"`
			CarrierName        string `json:"carrierName"`
			ShippingMethod     string `json:"shippingMethod"`
			TrackingNumber     string `json:"trackingNumber"`
			ShipDate           string `json:"shipDate"`
			OrderItems         []struct {
				OrderItemID string `json:"orderItemId"`
				Quantity    int    `json:"quantity"`
			} `json:"orderItems"`
		} `json:"packageDetail"`
		MarketplaceID string `json:"marketplaceId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		apiError(w, http.StatusBadRequest, "InvalidInput", "Malformed request body", err.Error())
		return
	}
	pd := body.PackageDetail
	if _, err := strconv.ParseUint(pd.PackageReferenceID, 10, 64); err != nil || pd.PackageReferenceID == "0" {
		apiError(w, http.StatusBadRequest, "InvalidInput", "packageReferenceId must be a positive number", "")
		return
	}
	if pd.CarrierCode == "" || pd.TrackingNumber == "" || (pd.CarrierCode == "Other" && pd.CarrierName == "") {
		apiError(w, http.StatusBadRequest, "InvalidInput", "carrierCode and trackingNumber are required (carrierName with carrierCode Other)", "")
		return
	}
	ship, err := time.Parse(time.RFC3339, pd.ShipDate)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidInput", "shipDate is not in ISO 8601 format", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.data.orders[m[1]]
	if o == nil {
		apiError(w, http.StatusNotFound, "NotFound", "Order not found: "+m[1], "")
		return
	}
	if body.MarketplaceID != o.market {
		apiError(w, http.StatusBadRequest, "InvalidInput", "marketplaceId does not match the order", "")
		return
	}
	if o.channel != "MFN" || o.status == StatusCanceled || o.status == StatusPending {
		apiError(w, http.StatusBadRequest, "InvalidInput", "The order cannot be confirmed: status "+o.status+", channel "+o.channel, "")
		return
	}
	for _, p := range o.packages {
		if p.ref == pd.PackageReferenceID {
			apiError(w, http.StatusBadRequest, "InvalidInput", "packageReferenceId "+pd.PackageReferenceID+" is already used for this order", "")
			return
		}
	}
	items := map[string]*item{}
	for _, it := range o.items {
		items[it.id] = it
	}
	qty := map[string]int{}
	for _, pi := range pd.OrderItems {
		it := items[pi.OrderItemID]
		if it == nil || pi.Quantity < 1 || it.shipped+qty[pi.OrderItemID]+pi.Quantity > it.qty {
			apiError(w, http.StatusBadRequest, "InvalidInput", fmt.Sprintf("orderItemId %s quantity %d exceeds what is left to ship", pi.OrderItemID, pi.Quantity), "")
			return
		}
		qty[pi.OrderItemID] += pi.Quantity
	}
	if len(qty) == 0 {
		apiError(w, http.StatusBadRequest, "InvalidInput", "orderItems is required", "")
		return
	}
	service := pd.ShippingMethod
	if service == "" {
		service = o.service
	}
	carrier := pd.CarrierCode
	if carrier == "Other" {
		carrier = pd.CarrierName
	}
	s.shipLocked(o, &pkg{ref: pd.PackageReferenceID, carrier: carrier, service: service, tracking: pd.TrackingNumber, status: "IN_TRANSIT",
		shipped: ship, items: qty})
	w.WriteHeader(http.StatusNoContent)
}

// shipLocked adds a package and moves the order's status.
func (s *Server) shipLocked(o *order, p *pkg) {
	for id, n := range p.items {
		for _, it := range o.items {
			if it.id == id {
				it.shipped += n
			}
		}
	}
	o.packages = append(o.packages, p)
	all := true
	for _, it := range o.items {
		if it.shipped < it.qty {
			all = false
		}
	}
	o.status = StatusPartiallyShipped
	if all {
		o.status = StatusShipped
	}
	s.data.touch(o, s.opts.Clock())
	s.notifyOrderLocked(o, "OrderStatusChange")
}
