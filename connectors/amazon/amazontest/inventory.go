package amazontest

import (
	"fmt"
	"net/http"
	"sort"
	"time"
)

// inventoryPage is getInventorySummaries' page size.
const inventoryPage = 50

func (s *Server) summary(mp string, k *sku, f *fba) map[string]any {
	return map[string]any{
		"asin": k.asin, "fnSku": k.fnsku, "sellerSku": k.sku, "condition": "NewItem", "productName": k.title,
		"lastUpdatedTime": rfc(f.updated), "totalQuantity": f.total(), "stores": []string{},
		"inventoryDetails": map[string]any{
			"fulfillableQuantity": f.fulfillable, "inboundWorkingQuantity": f.working, "inboundShippedQuantity": f.shipped,
			"inboundReceivingQuantity": f.receiving,
			"reservedQuantity": map[string]any{"totalReservedQuantity": f.reserved(), "pendingCustomerOrderQuantity": f.pendingOrder,
				"pendingTransshipmentQuantity": f.transship, "fcProcessingQuantity": f.processing},
			"researchingQuantity": map[string]any{"totalResearchingQuantity": f.researching, "researchingQuantityBreakdown": []map[string]any{
				{"name": "researchingQuantityInShortTerm", "quantity": f.researching}, {"name": "researchingQuantityInMidTerm", "quantity": 0},
				{"name": "researchingQuantityInLongTerm", "quantity": 0}}},
			"unfulfillableQuantity": map[string]any{"totalUnfulfillableQuantity": f.unfulfillable, "customerDamagedQuantity": f.unfulfillable,
				"warehouseDamagedQuantity": 0, "distributorDamagedQuantity": 0, "carrierDamagedQuantity": 0, "defectiveQuantity": 0, "expiredQuantity": 0},
		},
	}
}

func (s *Server) inventorySummaries(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	if q.Get("granularityType") != "Marketplace" {
		apiError(w, http.StatusBadRequest, "InvalidInput", "granularityType must be Marketplace", "")
		return
	}
	mp := q.Get("granularityId")
	if !contains(s.opts.Marketplaces, mp) || q.Get("marketplaceIds") != mp {
		apiError(w, http.StatusBadRequest, "InvalidInput", "granularityId and marketplaceIds must name one marketplace of the seller", "")
		return
	}
	var since time.Time
	if v := q.Get("startDateTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			apiError(w, http.StatusBadRequest, "InvalidInput", "startDateTime is not in ISO 8601 format", "")
			return
		}
		since = t
	}
	skus := map[string]bool{}
	for _, k := range splitList(q.Get("sellerSkus")) {
		skus[k] = true
	}
	if len(skus) > 50 {
		apiError(w, http.StatusBadRequest, "InvalidInput", "sellerSkus accepts at most 50 SKUs", "")
		return
	}
	key := fmt.Sprint("inv|", mp, "|", q.Get("startDateTime"), "|", q.Get("sellerSkus"), "|", q.Get("details"))
	after := ""
	if nt := q.Get("nextToken"); nt != "" {
		t, ok := s.decodeToken(nt)
		if !ok || t.Query != key {
			apiError(w, http.StatusBadRequest, "InvalidInput", "Invalid nextToken", "")
			return
		}
		if time.Since(time.Unix(0, t.Issued)) > s.opts.InventoryTokenTTL {
			apiError(w, http.StatusBadRequest, "InvalidInput", "The nextToken has expired", "nextToken values are valid for 30 seconds.")
			return
		}
		after = t.LastID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stock := s.data.stock[mp]
	ids := make([]string, 0, len(stock))
	for id, f := range stock {
		if id > after && (since.IsZero() || !f.updated.Before(since)) && (len(skus) == 0 || skus[id]) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := map[string]any{}
	list := []map[string]any{}
	for i, id := range ids {
		if i == inventoryPage {
			out["pagination"] = map[string]any{"nextToken": s.encodeToken(pageToken{Query: key, LastID: ids[i-1], Issued: time.Now().UnixNano()})}
			break
		}
		list = append(list, s.summary(mp, s.data.skuByID[id], stock[id]))
	}
	if q.Get("details") != "true" {
		for _, x := range list {
			delete(x, "inventoryDetails")
		}
	}
	out["payload"] = map[string]any{"granularity": map[string]any{"granularityType": "Marketplace", "granularityId": mp}, "inventorySummaries": list}
	writeJSON(w, http.StatusOK, out)
}

// FBALevel is a SKU's FBA stock in one marketplace, as the fake holds it.
type FBALevel struct {
	SKU                                  string
	Fulfillable, Reserved, Researching   int
	Unfulfillable, Inbound, Warehouse    int
	Updated                              time.Time
	Working, Shipped, Receiving, Pending int
}

// FBA returns a SKU's FBA stock in marketplace mp.
func (s *Server) FBA(mp, skuID string) (FBALevel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.data.stock[mp][skuID]
	if f == nil {
		return FBALevel{}, false
	}
	return fbaLevel(skuID, f), true
}

func fbaLevel(id string, f *fba) FBALevel {
	return FBALevel{SKU: id, Fulfillable: f.fulfillable, Reserved: f.reserved(), Researching: f.researching, Unfulfillable: f.unfulfillable,
		Inbound: f.working + f.shipped + f.receiving, Warehouse: f.fulfillable + f.reserved() + f.researching + f.unfulfillable, Updated: f.updated,
		Working: f.working, Shipped: f.shipped, Receiving: f.receiving, Pending: f.pendingOrder}
}

// SKUs returns the catalogue's SKUs in order.
func (s *Server) SKUs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.data.skus))
	for i, k := range s.data.skus {
		out[i] = k.sku
	}
	return out
}

// SetFBA sets a SKU's fulfillable FBA quantity in marketplace mp, moving
// its lastUpdatedTime, and enqueues FBA_INVENTORY_AVAILABILITY_CHANGES.
func (s *Server) SetFBA(mp, skuID string, fulfillable int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.data.stock[mp][skuID]
	if f == nil {
		return fmt.Errorf("amazontest: no FBA stock of %s in %s", skuID, mp)
	}
	f.fulfillable = fulfillable
	at := s.opts.Clock().Truncate(time.Second)
	if !at.After(f.updated) {
		at = f.updated.Add(time.Second)
	}
	f.updated = at
	s.notifyLocked(s.fbaNotificationLocked(skuID, at))
	return nil
}

// AddSKU adds a SKU to the catalogue with FBA stock in every marketplace
// (updated now) and enqueues its FBA_INVENTORY_AVAILABILITY_CHANGES.
func (s *Server) AddSKU(skuID, title string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data.skuByID[skuID] != nil {
		return fmt.Errorf("amazontest: SKU %s exists", skuID)
	}
	now := s.opts.Clock().Truncate(time.Second)
	s.data.addSKU(skuID, title, s.opts.Marketplaces, now)
	for _, mp := range s.opts.Marketplaces {
		s.data.stock[mp][skuID].updated = now
	}
	s.notifyLocked(s.fbaNotificationLocked(skuID, now))
	return nil
}
