package amazontest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// ---- Listings Items API

func (s *Server) getListingsItem(w http.ResponseWriter, r *http.Request, m []string) {
	if m[1] != s.opts.SellerID {
		apiError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "The seller id does not match the authorisation.")
		return
	}
	if _, ok := s.marketSet(w, r.URL.Query().Get("marketplaceIds"), "marketplaceIds"); !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.data.skuByID[m[2]]
	if k == nil {
		apiError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("SKU '%s' not found in marketplace %s", m[2], r.URL.Query().Get("marketplaceIds")), "")
		return
	}
	out := map[string]any{"sku": k.sku, "summaries": []map[string]any{{"marketplaceId": s.opts.Marketplaces[0], "asin": k.asin,
		"productType": "PRODUCT", "itemName": k.title, "status": []string{"BUYABLE", "DISCOVERABLE"}}}}
	if strings.Contains(r.URL.Query().Get("includedData"), "fulfillmentAvailability") {
		out["fulfillmentAvailability"] = []map[string]any{{"fulfillmentChannelCode": "DEFAULT", "quantity": k.mfn}}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) patchListingsItem(w http.ResponseWriter, r *http.Request, m []string) {
	if m[1] != s.opts.SellerID {
		apiError(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "The seller id does not match the authorisation.")
		return
	}
	if _, ok := s.marketSet(w, r.URL.Query().Get("marketplaceIds"), "marketplaceIds"); !ok {
		return
	}
	var body struct {
		ProductType string `json:"productType"`
		Patches     []struct {
			Op    string          `json:"op"`
			Path  string          `json:"path"`
			Value json.RawMessage `json:"value"`
		} `json:"patches"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ProductType == "" || len(body.Patches) == 0 {
		apiError(w, http.StatusBadRequest, "InvalidInput", "productType and patches are required", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.data.skuByID[m[2]]
	if k == nil {
		writeJSON(w, http.StatusOK, map[string]any{"sku": m[2], "status": "INVALID", "submissionId": s.nextRequestID(),
			"issues": []map[string]any{{"code": "4000001", "message": "The SKU does not exist for this seller.", "severity": "ERROR", "attributeNames": []string{}}}})
		return
	}
	qty := -1
	for _, p := range body.Patches {
		if p.Path != "/attributes/fulfillment_availability" || (p.Op != "replace" && p.Op != "merge") {
			apiError(w, http.StatusBadRequest, "InvalidInput", "The fake patches /attributes/fulfillment_availability only", "")
			return
		}
		var vals []struct {
			Code     string `json:"fulfillment_channel_code"`
			Quantity *int   `json:"quantity"`
		}
		if err := json.Unmarshal(p.Value, &vals); err != nil || len(vals) == 0 {
			apiError(w, http.StatusBadRequest, "InvalidInput", "fulfillment_availability must be a list of {fulfillment_channel_code, quantity}", "")
			return
		}
		for _, v := range vals {
			if v.Code != "DEFAULT" || v.Quantity == nil || *v.Quantity < 0 {
				writeJSON(w, http.StatusOK, map[string]any{"sku": k.sku, "status": "INVALID", "submissionId": s.nextRequestID(),
					"issues": []map[string]any{{"code": "90000900", "message": "fulfillment_channel_code must be DEFAULT with a non-negative quantity", "severity": "ERROR"}}})
				return
			}
			qty = *v.Quantity
		}
	}
	k.mfn = qty
	k.patches++
	writeJSON(w, http.StatusOK, map[string]any{"sku": k.sku, "status": "ACCEPTED", "submissionId": s.nextRequestID(), "issues": []any{}})
}

// MFNQuantity returns the merchant-fulfilled quantity of a SKU's offer.
func (s *Server) MFNQuantity(skuID string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.data.skuByID[skuID]
	if k == nil {
		return 0, false
	}
	return k.mfn, true
}

// ListingPatches returns how many times a SKU's listing was patched.
func (s *Server) ListingPatches(skuID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.data.skuByID[skuID]; k != nil {
		return k.patches
	}
	return 0
}

// ---- orders, for tests

// OrderSummary is what tests check an order against.
type OrderSummary struct {
	ID, Marketplace, Currency string
	// Total is the order total as the APIs write it ("54.89").
	Total            string
	Status, Channel  string
	Created, Updated time.Time
	// Lines is the number of items; Units the units ordered.
	Lines, Units int
	// Packages is the number of merchant-fulfilled packages; Unshipped the
	// units left to ship.
	Packages, Unshipped int
	// Trackings are the packages' tracking numbers.
	Trackings []string
	// ItemIDs are the order item ids and SKUs their seller SKUs.
	ItemIDs, SKUs []string
}

func summarize(o *order) OrderSummary {
	m := fakeMarkets[o.market]
	sum := OrderSummary{ID: o.id, Marketplace: o.market, Currency: m.currency, Total: money(m, o.total()), Status: o.status, Channel: o.channel,
		Created: o.created, Updated: o.updated, Lines: len(o.items), Packages: len(o.packages)}
	for _, it := range o.items {
		sum.Units += it.qty
		sum.Unshipped += it.qty - it.shipped
		sum.ItemIDs = append(sum.ItemIDs, it.id)
		sum.SKUs = append(sum.SKUs, it.sku)
	}
	for _, p := range o.packages {
		sum.Trackings = append(sum.Trackings, p.tracking)
	}
	return sum
}

// EachOrder calls fn with every order in (updated, id) order until fn
// returns false.
func (s *Server) EachOrder(fn func(OrderSummary) bool) {
	s.mu.Lock()
	list := make([]OrderSummary, 0, len(s.data.orders))
	for _, o := range s.data.sortedOrders() {
		list = append(list, summarize(o))
	}
	s.mu.Unlock()
	for _, o := range list {
		if !fn(o) {
			return
		}
	}
}

// Order returns one order's summary.
func (s *Server) Order(id string) (OrderSummary, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.data.orders[id]
	if o == nil {
		return OrderSummary{}, false
	}
	return summarize(o), true
}

// OrderIDs returns every order id, sorted.
func (s *Server) OrderIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.data.orders))
	for id := range s.data.orders {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// CreateOrder places a new unshipped merchant-fulfilled order in
// marketplace mp ("" for the first) and enqueues its ORDER_CHANGE.
func (s *Server) CreateOrder(mp string) (OrderSummary, error) {
	if mp == "" {
		mp = s.opts.Marketplaces[0]
	}
	if !contains(s.opts.Marketplaces, mp) {
		return OrderSummary{}, fmt.Errorf("amazontest: marketplace %s is not the seller's", mp)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Clock()
	o := s.data.newOrder(mp, now)
	o.channel, o.status = "MFN", StatusUnshipped
	o.updated = now.Truncate(time.Second)
	s.data.orders[o.id] = o
	s.data.dirty = true
	s.notifyOrderLocked(o, "NewOrder")
	return summarize(o), nil
}

// UpdateOrder changes an order (its ship-by promise moves), moving its
// lastUpdatedTime, and enqueues its ORDER_CHANGE.
func (s *Server) UpdateOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.data.orders[id]
	if o == nil {
		return fmt.Errorf("amazontest: no order %s", id)
	}
	if o.status == StatusPending {
		o.status = StatusUnshipped
	}
	s.data.touch(o, s.opts.Clock())
	s.notifyOrderLocked(o, "OrderStatusChange")
	return nil
}

// CancelOrder cancels an order that has not shipped.
func (s *Server) CancelOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.data.orders[id]
	if o == nil {
		return fmt.Errorf("amazontest: no order %s", id)
	}
	if o.status == StatusShipped || o.status == StatusPartiallyShipped {
		return fmt.Errorf("amazontest: order %s has shipped", id)
	}
	o.status = StatusCanceled
	s.data.touch(o, s.opts.Clock())
	s.notifyOrderLocked(o, "BuyerRequestedChange")
	return nil
}

// ShipOrder ships what is left of a merchant-fulfilled order in one
// package, as if the seller confirmed it in Seller Central.
func (s *Server) ShipOrder(id, carrier, tracking string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.data.orders[id]
	if o == nil {
		return fmt.Errorf("amazontest: no order %s", id)
	}
	if o.channel != "MFN" || o.status == StatusCanceled || o.status == StatusShipped {
		return fmt.Errorf("amazontest: order %s (%s, %s) cannot ship", id, o.channel, o.status)
	}
	left := map[string]int{}
	for _, it := range o.items {
		if n := it.qty - it.shipped; n > 0 {
			left[it.id] = n
		}
	}
	s.shipLocked(o, &pkg{ref: fmt.Sprint(1_000_000 + s.data.rng.IntN(1_000_000)), carrier: carrier, service: o.service, tracking: tracking,
		status: "IN_TRANSIT", shipped: s.opts.Clock(), items: left})
	return nil
}
