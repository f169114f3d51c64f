package shopifytest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Mutators change the shop the way a merchant or a buyer would, and send
// the webhooks Shopify sends for the change to the subscribed URL (see
// StartWebhookDelivery). Accessors let tests compare what a connector read
// with what the shop holds. Every id is Shopify's global id form
// ("gid://shopify/Order/5862346000000").

// OrderSummary is what tests need to check an order read by a connector.
type OrderSummary struct {
	GID, Name                     string
	CreatedAt, UpdatedAt          time.Time
	Currency, PresentmentCurrency string
	// Total, Subtotal, TotalTax and TotalRefunded are shop-money amounts as
	// the REST API prints them ("130.28"); TotalPresentment is in the
	// presentment currency.
	Total, TotalPresentment, Subtotal, TotalTax, TotalRefunded string
	Lines, Refunds, Fulfillments                               int
	// Fulfillable is the number of units still to ship.
	Fulfillable                        int
	Cancelled                          bool
	FinancialStatus, FulfillmentStatus string
	CustomerGID                        string
}

func summarize(o *order) OrderSummary {
	_, _, refunded := o.refunded()
	sum := OrderSummary{GID: o.gid(), Name: o.name(), CreatedAt: o.createdAt, UpdatedAt: o.updatedAt, Currency: o.shopCur,
		PresentmentCurrency: o.presCur, Total: o.shopAmount(o.total()), TotalPresentment: formatREST(o.total(), o.presCur),
		Subtotal: o.shopAmount(o.subtotal()), TotalTax: o.shopAmount(o.totalTax()), TotalRefunded: o.shopAmount(refunded),
		Lines: len(o.lines), Refunds: len(o.refunds), Fulfillments: len(o.fulfillments), Cancelled: o.cancelledAt != nil,
		FinancialStatus: o.financialStatus(), FulfillmentStatus: o.fulfillmentStatus()}
	if o.cust != nil {
		sum.CustomerGID = gid("Customer", o.cust.id)
	}
	if o.cancelledAt == nil {
		for k, l := range o.lines {
			if l.variant.requiresShip {
				sum.Fulfillable += max(0, l.qty-o.fulfilledQty(k)-o.refundedQty(k))
			}
		}
	}
	return sum
}

// Fulfillments returns the tracking numbers of an order's fulfilments, one
// entry per fulfilment ("" when it has none).
func (s *Server) Fulfillments(orderGID string) []string {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	o := s.orderByGID(orderGID)
	if o == nil {
		return nil
	}
	out := make([]string, len(o.fulfillments))
	for i, f := range o.fulfillments {
		out[i] = f.number
	}
	return out
}

// OrderGID returns the global id of the i-th order (0-based, in creation
// order).
func OrderGID(i int) string { return gid("Order", orderBase+int64(i)*idStride) }

// OrderCount returns the number of orders in the shop.
func (s *Server) OrderCount() int {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	return s.st.total - len(s.st.deleted)
}

// EachOrder calls fn for every order in id order until fn returns false.
func (s *Server) EachOrder(fn func(OrderSummary) bool) {
	var after int64
	for {
		s.st.mu.RLock()
		idxs := s.st.ordersByID(after, timeFilter{}, 512)
		sums := make([]OrderSummary, len(idxs))
		for k, i := range idxs {
			o := s.st.get(i)
			sums[k] = summarize(o)
			after = o.id
		}
		s.st.mu.RUnlock()
		for _, sm := range sums {
			if !fn(sm) {
				return
			}
		}
		if len(idxs) < 512 {
			return
		}
	}
}

// Order returns the summary of an order.
func (s *Server) Order(orderGID string) (OrderSummary, bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	o := s.orderByGID(orderGID)
	if o == nil {
		return OrderSummary{}, false
	}
	return summarize(o), true
}

// OrderJSON returns the REST JSON of an order, the body of its webhooks.
func (s *Server) OrderJSON(orderGID string) ([]byte, bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	o := s.orderByGID(orderGID)
	if o == nil {
		return nil, false
	}
	return s.restOrder(o), true
}

func (s *Server) orderIdx(orderGID string) (int, error) {
	typ, id, _, ok := parseGID(orderGID)
	if !ok || typ != "Order" {
		return -1, fmt.Errorf("shopifytest: %q is not an order id such as gid://shopify/Order/5862346000000", orderGID)
	}
	i := s.st.idxOf(id)
	if i < 0 {
		return -1, fmt.Errorf("shopifytest: order %s does not exist", orderGID)
	}
	return i, nil
}

// CreateOrder places a new order now and sends orders/create.
func (s *Server) CreateOrder() (OrderSummary, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	i := s.st.total
	o := s.st.genOrder(i, s.st.stamp())
	s.st.total++
	s.st.put(o)
	s.hooks.enqueue("orders/create", s.restOrder(o))
	return summarize(o), nil
}

// UpdateOrder changes an order's note (bumping updated_at) and sends
// orders/updated.
func (s *Server) UpdateOrder(orderGID, note string) error {
	return s.UpdateOrderAt(orderGID, note, time.Time{})
}

// UpdateOrderAt is UpdateOrder with an explicit updated_at, which may lie
// in the past: it models Shopify's search index catching up late, the case
// an incremental sync's overlap window exists for.
func (s *Server) UpdateOrderAt(orderGID, note string, at time.Time) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	i, err := s.orderIdx(orderGID)
	if err != nil {
		return err
	}
	o, err := s.st.mutate(i, at, func(o *order) error { o.note = note; return nil })
	if err != nil {
		return err
	}
	s.hooks.enqueue("orders/updated", s.restOrder(o))
	return nil
}

// CancelOrder cancels an order, refunding it in full when it was paid, and
// sends orders/cancelled and orders/updated.
func (s *Server) CancelOrder(orderGID, reason string) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	i, err := s.orderIdx(orderGID)
	if err != nil {
		return err
	}
	if reason == "" {
		reason = "customer"
	}
	o, err := s.st.mutate(i, time.Time{}, func(o *order) error {
		if o.cancelledAt != nil {
			return fmt.Errorf("shopifytest: order %s is already cancelled", orderGID)
		}
		now := s.st.stamp()
		o.cancelledAt, o.cancelReason = &now, reason
		if o.baseFinancial == "paid" && len(o.refunds) < maxChildren {
			rf := refund{id: refundBase + int64(o.idx)*maxChildren + int64(len(o.refunds)), createdAt: now, note: "Order cancelled"}
			for k, l := range o.lines {
				left := l.qty - o.refundedQty(k)
				if left <= 0 {
					continue
				}
				rf.lines = append(rf.lines, refundLine{id: refundLineID(o.idx, len(o.refunds), k), line: k, qty: left,
					subtotal: (l.unit*int64(l.qty) - l.alloc) * int64(left) / int64(l.qty), tax: l.tax * int64(left) / int64(l.qty), restock: "cancel", locationID: l.locationID})
			}
			for _, sl := range o.shipping {
				rf.shipping += sl.price - sl.alloc
				rf.shipTax += sl.tax
			}
			if len(rf.lines) > 0 || rf.shipping > 0 {
				o.refunds = append(o.refunds, rf)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	body := s.restOrder(o)
	s.hooks.enqueue("orders/cancelled", body)
	s.hooks.enqueue("orders/updated", body)
	if len(o.refunds) > 0 && o.refunds[len(o.refunds)-1].note == "Order cancelled" {
		s.hooks.enqueue("refunds/create", s.restRefund(o, len(o.refunds)-1))
	}
	return nil
}

// RefundOrder refunds one unit of the first line that has a unit left,
// restocking it, and sends refunds/create and orders/updated. It returns
// the refund's id.
func (s *Server) RefundOrder(orderGID string) (string, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	i, err := s.orderIdx(orderGID)
	if err != nil {
		return "", err
	}
	o, err := s.st.mutate(i, time.Time{}, func(o *order) error {
		if len(o.refunds) >= maxChildren {
			return fmt.Errorf("shopifytest: order %s already has %d refunds, the fake's limit", orderGID, maxChildren)
		}
		for k, l := range o.lines {
			if l.qty-o.refundedQty(k) <= 0 {
				continue
			}
			n := len(o.refunds)
			rf := refund{id: refundBase + int64(o.idx)*maxChildren + int64(n), createdAt: s.st.stamp(), note: "Refund requested by the buyer"}
			rf.lines = []refundLine{{id: refundLineID(o.idx, n, k), line: k, qty: 1,
				subtotal: l.unit - divRoundHalfUp(l.alloc, int64(l.qty)), tax: divRoundHalfUp(l.tax, int64(l.qty)), restock: "return", locationID: l.locationID}}
			o.refunds = append(o.refunds, rf)
			return nil
		}
		return fmt.Errorf("shopifytest: order %s has nothing left to refund", orderGID)
	})
	if err != nil {
		return "", err
	}
	k := len(o.refunds) - 1
	s.hooks.enqueue("refunds/create", s.restRefund(o, k))
	s.hooks.enqueue("orders/updated", s.restOrder(o))
	return gid("Refund", o.refunds[k].id), nil
}

// FulfillOrder fulfils every remaining line of an order with tracking and
// sends fulfillments/create and orders/updated. It returns the
// fulfilment's id.
func (s *Server) FulfillOrder(orderGID, company, number, url string) (string, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	i, err := s.orderIdx(orderGID)
	if err != nil {
		return "", err
	}
	o := s.st.get(i)
	var groups []any
	for _, fo := range o.fulfillmentOrders() {
		foo := &fulfillmentOrderObj{o: o, fo: fo, s: s}
		open := 0
		for _, k := range fo.lines {
			open += foo.remaining(k)
		}
		if open > 0 {
			groups = append(groups, map[string]any{"fulfillmentOrderId": gid("FulfillmentOrder", fo.id)})
			break // one location per fulfilment
		}
	}
	if len(groups) == 0 {
		return "", fmt.Errorf("shopifytest: order %s has nothing left to fulfil", orderGID)
	}
	p, err := s.fulfillmentCreate(map[string]any{"fulfillment": map[string]any{"lineItemsByFulfillmentOrder": groups,
		"trackingInfo": map[string]any{"company": company, "number": number, "url": url}}})
	if err != nil {
		return "", err
	}
	pl := p.(*payload)
	if len(pl.errs) > 0 {
		return "", errors.New("shopifytest: " + pl.errs[0].(*userError).message)
	}
	f := pl.fields["fulfillment"].(*fulfillmentObj)
	return f.nodeID(), nil
}

// SetAvailable sets the available quantity of an inventory item at a
// location (on hand moves by the same delta) and sends
// inventory_levels/update.
func (s *Server) SetAvailable(itemGID, locationGID string, available int) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	v := s.variantByItemGID(itemGID)
	l := s.locationByGID(locationGID)
	if v == nil || l == nil {
		return fmt.Errorf("shopifytest: no inventory item %s at location %s", itemGID, locationGID)
	}
	lv := s.st.cat.levels[[2]int64{v.itemID, l.id}]
	if lv == nil {
		return fmt.Errorf("shopifytest: item %s is not stocked at %s", itemGID, locationGID)
	}
	lv.onHand += available - lv.available
	lv.available = available
	lv.updatedAt = s.st.stamp()
	s.hooks.enqueue("inventory_levels/update", s.restLevel(lv))
	return nil
}

// Available returns the available quantity of an item at a location.
func (s *Server) Available(itemGID, locationGID string) (int, bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	v := s.variantByItemGID(itemGID)
	l := s.locationByGID(locationGID)
	if v == nil || l == nil {
		return 0, false
	}
	lv := s.st.cat.levels[[2]int64{v.itemID, l.id}]
	if lv == nil {
		return 0, false
	}
	return lv.available, true
}

// InventoryItem describes a stock-tracked item for tests.
type InventoryItem struct {
	GID, SKU, VariantGID string
	// Locations are the locations stocking it.
	Locations []string
}

// InventoryItems lists the stock-tracked items.
func (s *Server) InventoryItems() []InventoryItem {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	var out []InventoryItem
	for _, v := range s.st.cat.variants {
		it := InventoryItem{GID: gid("InventoryItem", v.itemID), SKU: v.sku, VariantGID: gid("ProductVariant", v.id)}
		for _, l := range s.st.cat.locations {
			if s.st.cat.levels[[2]int64{v.itemID, l.id}] != nil {
				it.Locations = append(it.Locations, gid("Location", l.id))
			}
		}
		if len(it.Locations) > 0 {
			out = append(out, it)
		}
	}
	return out
}

// ProductCount returns the number of products.
func (s *Server) ProductCount() int {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	return len(s.st.cat.products)
}

// ProductGIDs returns the ids of every product, in creation order.
func (s *Server) ProductGIDs() []string {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := make([]string, len(s.st.cat.products))
	for i, p := range s.st.cat.products {
		out[i] = gid("Product", p.id)
	}
	return out
}

// LocationGIDs returns the ids of every location, active or not.
func (s *Server) LocationGIDs() []string {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	var out []string
	for _, l := range s.st.cat.locations {
		out = append(out, gid("Location", l.id))
	}
	return out
}

// ProductSpec describes a product to add with AddProduct. Zero ids are
// assigned.
type ProductSpec struct {
	ID                         int64
	Title, Vendor, ProductType string
	Status                     string // active (default), draft or archived
	Tags                       []string
	Category                   string
	Variants                   []VariantSpec
	UpdatedAt                  time.Time // zero: now
}

// VariantSpec describes a variant of a ProductSpec. Price and Cost are
// decimal strings in the shop currency ("21.15").
type VariantSpec struct {
	ID, InventoryItemID int64
	SKU, Barcode, Title string
	Price, Cost         string
	Grams               int
	HSCode, Origin      string
	// Available is stocked at every active location.
	Available int
}

func parseMinor(s, cur string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	exp := currencyExp[cur]
	if len(frac) > exp {
		return 0, fmt.Errorf("shopifytest: amount %q has more than %d decimals", s, exp)
	}
	for len(frac) < exp {
		frac += "0"
	}
	return strconv.ParseInt(whole+frac, 10, 64)
}

// AddProduct adds a product and sends products/create. It returns the
// product's id.
func (s *Server) AddProduct(p ProductSpec) (string, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	cat := s.st.cat
	if p.Title == "" || len(p.Variants) == 0 {
		return "", errors.New("shopifytest: a product needs a title and at least one variant")
	}
	if p.ID == 0 {
		p.ID = productBase + int64(len(cat.products)+1000)*idStride
	}
	for _, q := range cat.products {
		if q.id == p.ID {
			return "", fmt.Errorf("shopifytest: product %d exists", p.ID)
		}
	}
	if p.Status == "" {
		p.Status = "active"
	}
	now := p.UpdatedAt
	if now.IsZero() {
		now = s.st.stamp()
	}
	pr := &product{id: p.ID, title: p.Title, handle: strings.ToLower(strings.ReplaceAll(p.Title, " ", "-")), vendor: p.Vendor,
		productType: p.ProductType, category: p.Category, status: p.Status, tags: p.Tags, createdAt: now, updatedAt: now, optionName: "Title"}
	for k, vs := range p.Variants {
		if vs.ID == 0 {
			vs.ID = variantBase + int64(len(cat.variants)+1000+k)*idStride
		}
		if vs.InventoryItemID == 0 {
			vs.InventoryItemID = itemBase + int64(len(cat.variants)+1000+k)*idStride
		}
		price, err := parseMinor(vs.Price, s.opts.Currency)
		if err != nil {
			return "", err
		}
		cost, err := parseMinor(vs.Cost, s.opts.Currency)
		if err != nil {
			return "", err
		}
		title := vs.Title
		if title == "" {
			title = "Default Title"
		}
		v := &variant{id: vs.ID, itemID: vs.InventoryItemID, product: pr, sku: vs.SKU, barcode: vs.Barcode, title: title, options: []string{title},
			price: price, cost: cost, grams: vs.Grams, hsCode: vs.HSCode, origin: vs.Origin, tracked: true, requiresShip: true, createdAt: now, updatedAt: now}
		pr.variants = append(pr.variants, v)
		for _, l := range cat.locations {
			if l.active {
				cat.levels[[2]int64{v.itemID, l.id}] = &level{itemID: v.itemID, locationID: l.id, available: vs.Available, onHand: vs.Available, updatedAt: now}
			}
		}
	}
	cat.products = append(cat.products, pr)
	cat.reindex()
	s.hooks.enqueue("products/create", s.restProduct(pr))
	return gid("Product", pr.id), nil
}

// UpdateProduct retitles a product and sends products/update.
func (s *Server) UpdateProduct(productGID, title string) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	p := s.productByGID(productGID)
	if p == nil {
		return fmt.Errorf("shopifytest: product %s does not exist", productGID)
	}
	p.title = title
	p.updatedAt = s.st.stamp()
	s.hooks.enqueue("products/update", s.restProduct(p))
	return nil
}

// DeleteProduct deletes a product and sends products/delete.
func (s *Server) DeleteProduct(productGID string) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	cat := s.st.cat
	for i, p := range cat.products {
		if gid("Product", p.id) == productGID {
			cat.products = append(cat.products[:i], cat.products[i+1:]...)
			for _, v := range p.variants {
				for _, l := range cat.locations {
					delete(cat.levels, [2]int64{v.itemID, l.id})
				}
			}
			cat.reindex()
			s.st.stamp()
			s.hooks.enqueue("products/delete", fmt.Appendf(nil, `{"id":%d}`, p.id))
			return nil
		}
	}
	return fmt.Errorf("shopifytest: product %s does not exist", productGID)
}

// customerOrders lists the ids of a customer's orders.
func (s *Server) customerOrders(c int) []int64 {
	var ids []int64
	for i := 0; i < s.st.total; i++ {
		if s.st.deleted[i] {
			continue
		}
		if ci, ok := s.st.customerOf(i); ok && ci == c {
			ids = append(ids, orderBase+int64(i)*idStride)
		}
	}
	return ids
}

func (s *Server) customerIdx(customerGID string) (int, error) {
	typ, id, _, ok := parseGID(customerGID)
	if !ok || typ != "Customer" || id < customerBase || (id-customerBase)%idStride != 0 || int((id-customerBase)/idStride) >= s.st.nCustomers {
		return -1, fmt.Errorf("shopifytest: %q is not a customer of this shop", customerGID)
	}
	return int((id - customerBase) / idStride), nil
}

func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// RedactCustomer erases a customer's personal data from the shop's orders
// and sends customers/redact listing their orders, as Shopify does 10 days
// after a buyer asks (or at once for a customer with no recent orders).
func (s *Server) RedactCustomer(customerGID string) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c, err := s.customerIdx(customerGID)
	if err != nil {
		return err
	}
	cu := genCustomer(s.st.seed, c, s.st.until)
	ids := s.customerOrders(c)
	s.st.redacted[c] = true
	for _, o := range s.st.overlay {
		if o.cust != nil && o.cust.idx == c {
			o.cust.redacted = true
		}
	}
	body := fmt.Appendf(nil, `{"shop_id":%d,"shop_domain":%q,"customer":{"id":%d,"email":%q,"phone":%s},"orders_to_redact":%s}`,
		shopID, s.opts.Shop, cu.id, cu.email, jsonOrNull(cu.phone), idList(ids))
	s.hooks.enqueue("customers/redact", body)
	return nil
}

// RequestCustomerData sends customers/data_request for a customer.
func (s *Server) RequestCustomerData(customerGID string) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	c, err := s.customerIdx(customerGID)
	if err != nil {
		return err
	}
	cu := genCustomer(s.st.seed, c, s.st.until)
	body := fmt.Appendf(nil, `{"shop_id":%d,"shop_domain":%q,"orders_requested":%s,"customer":{"id":%d,"email":%q,"phone":%s},"data_request":{"id":%d}}`,
		shopID, s.opts.Shop, idList(s.customerOrders(c)), cu.id, cu.email, jsonOrNull(cu.phone), 9000+c)
	s.hooks.enqueue("customers/data_request", body)
	return nil
}

// RedactShop sends shop/redact, as Shopify does 48 hours after uninstall.
func (s *Server) RedactShop() {
	s.hooks.enqueue("shop/redact", fmt.Appendf(nil, `{"shop_id":%d,"shop_domain":%q}`, shopID, s.opts.Shop))
}

// Uninstall sends app/uninstalled.
func (s *Server) Uninstall() {
	s.hooks.enqueue("app/uninstalled", fmt.Appendf(nil, `{"id":%d,"name":%q,"email":%q,"domain":%q,"myshopify_domain":%q,"currency":%q,"iana_timezone":%q}`,
		shopID, s.opts.ShopName, "owner@"+s.opts.Shop, s.opts.Shop, s.opts.Shop, s.opts.Currency, s.opts.Timezone))
}
