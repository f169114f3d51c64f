package recommend

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Model holds the counts learned from orders and answers recommendation
// queries. Make one with [New] or [Build] (or [Load]); the zero value is not
// usable.
//
// Locking: every method is safe for concurrent use. Writers ([Model.Upsert],
// [Model.Remove], [Model.SetCatalog]) hold an exclusive lock while they apply
// exact count updates, in time proportional to the order (and, for the
// customer-level counts, to the customer's distinct items). Readers (queries,
// [Model.Stats], [Model.Save]) hold a shared lock, so they run in parallel
// and always see a state between two whole writes. Readers cache each item's
// top neighbours; every write invalidates those caches, so an answer never
// mixes two states.
type Model struct {
	mu  sync.RWMutex
	cfg Config
	gen uint64 // bumped by every write that changes an answer

	skus  []string
	skuID map[string]int32
	cat   []int32 // per item: category id or -1
	ven   []int32 // per item: vendor id or -1
	cats  groups
	vens  groups

	orderCount []int32 // per item: live orders containing it
	basket     sparse  // item × item: orders containing both
	custPairs  sparse  // item × item: customers who bought both
	buyers     sparse  // item × customer: that customer's orders containing the item

	orders     map[string]*order
	tombstones map[string]time.Time // versions of orders removed by an empty basket
	lines      int                  // live (order, SKU) pairs
	customers  []*customer
	customerID map[string]int32
	nBuyers    int // customers with at least one live order

	pop atomic.Pointer[ranking]
	nb  [3][]atomic.Pointer[neighbourList] // per item-method, per item
	scr sync.Pool
}

// order is the model's copy of one live order.
type order struct {
	id      string
	cust    int32 // -1 for a guest
	created time.Time
	version time.Time
	items   []int32 // sorted, distinct
}

// customer is one buyer's history.
type customer struct {
	id     string
	orders []*order
	items  []cell // item and the number of this customer's orders containing it
}

// itemSet returns the customer's distinct items, sorted.
func (c *customer) itemSet() []int32 {
	out := make([]int32, len(c.items))
	for i, x := range c.items {
		out[i] = x.id
	}
	return out
}

// groups interns category or vendor names and lists their items.
type groups struct {
	names   []string
	ids     map[string]int32
	members [][]int32
}

// move puts item into the group called name (none when empty), taking it
// out of group old.
func (g *groups) move(item, old int32, name string) int32 {
	if old >= 0 {
		m := g.members[old]
		if k := slices.Index(m, item); k >= 0 {
			g.members[old] = slices.Delete(m, k, k+1)
		}
	}
	if name == "" {
		return -1
	}
	id, ok := g.ids[name]
	if !ok {
		if g.ids == nil {
			g.ids = map[string]int32{}
		}
		id = int32(len(g.names))
		g.names = append(g.names, name)
		g.ids[name] = id
		g.members = append(g.members, nil)
	}
	g.members[id] = append(g.members[id], item)
	return id
}

// Change says what an upsert did.
type Change int

// The outcomes of [Model.Upsert].
const (
	// Unchanged: the same order version was already applied, or an empty
	// basket for an order the model does not hold.
	Unchanged Change = iota
	// Added: a new order was counted.
	Added
	// Replaced: an order's previous version was uncounted and the new one
	// counted.
	Replaced
	// Removed: an empty basket (cancelled or fully refunded) removed the order.
	Removed
	// Stale: the basket's version is older than the one the model holds; it
	// was ignored.
	Stale
)

// String returns the change's name, e.g. "replaced".
func (c Change) String() string {
	switch c {
	case Unchanged:
		return "unchanged"
	case Added:
		return "added"
	case Replaced:
		return "replaced"
	case Removed:
		return "removed"
	case Stale:
		return "stale"
	}
	return fmt.Sprintf("Change(%d)", int(c))
}

// New returns an empty model. It fails when cfg is out of range.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Model{
		cfg:        cfg.withDefaults(),
		skuID:      map[string]int32{},
		orders:     map[string]*order{},
		tombstones: map[string]time.Time{},
		customerID: map[string]int32{},
	}, nil
}

// Config returns the model's configuration with defaults filled in.
func (m *Model) Config() Config { return m.cfg }

// item returns the id of sku, adding it if new. Caller holds the write lock.
func (m *Model) item(sku string) int32 {
	if id, ok := m.skuID[sku]; ok {
		return id
	}
	id := int32(len(m.skus))
	m.skus = append(m.skus, sku)
	m.skuID[sku] = id
	m.cat = append(m.cat, -1)
	m.ven = append(m.ven, -1)
	m.orderCount = append(m.orderCount, 0)
	m.basket = append(m.basket, nil)
	m.custPairs = append(m.custPairs, nil)
	m.buyers = append(m.buyers, nil)
	return id
}

// customerOf returns the id of the customer called name, adding it if new.
func (m *Model) customerOf(name string) int32 {
	if id, ok := m.customerID[name]; ok {
		return id
	}
	id := int32(len(m.customers))
	m.customers = append(m.customers, &customer{id: name})
	m.customerID[name] = id
	return id
}

// items interns skus and returns their ids sorted.
func (m *Model) items(skus []string) []int32 {
	ids := make([]int32, len(skus))
	for i, s := range skus {
		ids[i] = m.item(s)
	}
	slices.Sort(ids)
	return ids
}

// changed invalidates the readers' caches after a write. Caller holds the
// write lock, so no reader is computing a cache entry at the same time.
func (m *Model) changed() {
	m.gen++
	m.pop.Store(nil)
	if n := len(m.skus); len(m.nb[0]) < n {
		for i := range m.nb {
			m.nb[i] = make([]atomic.Pointer[neighbourList], n+n/4+16)
		}
	}
}

// Upsert counts an order, replacing the version counted before, if any: an
// order re-sent unchanged is not counted twice, an edited order moves its
// counts, and an empty basket (cancelled or fully refunded) removes it. A
// basket whose Version is older than the one held is ignored (Stale); the
// version of a removed order is remembered so that a late older version
// cannot bring it back. Bad input (no order id, no created_at, a negative
// quantity, an empty SKU) is an error and changes nothing.
func (m *Model) Upsert(b Basket) (Change, error) {
	skus, err := b.validate()
	if err != nil {
		return Unchanged, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.upsert(&b, skus), nil
}

func (m *Model) upsert(b *Basket, skus []string) Change {
	old := m.orders[b.OrderID]
	if !b.Version.IsZero() {
		if old != nil && b.Version.Before(old.version) {
			return Stale
		}
		if t, ok := m.tombstones[b.OrderID]; ok && old == nil && b.Version.Before(t) {
			return Stale
		}
	}
	if len(skus) == 0 {
		if !b.Version.IsZero() {
			if t, ok := m.tombstones[b.OrderID]; !ok || b.Version.After(t) {
				m.tombstones[b.OrderID] = b.Version
			}
		}
		if old == nil {
			return Unchanged
		}
		m.detach(old)
		delete(m.orders, old.id)
		m.changed()
		return Removed
	}
	items := m.items(skus)
	cust := int32(-1)
	if b.CustomerID != "" {
		cust = m.customerOf(b.CustomerID)
	}
	if old != nil && old.cust == cust && slices.Equal(old.items, items) {
		old.version = later(old.version, b.Version)
		if !old.created.Equal(b.CreatedAt) {
			old.created = b.CreatedAt
			m.changed() // recency weights may change
		}
		return Unchanged
	}
	delete(m.tombstones, b.OrderID)
	o := &order{id: b.OrderID, cust: cust, created: b.CreatedAt, version: b.Version, items: items}
	change := Added
	var oldItems []int32
	if old != nil {
		change = Replaced
		oldItems = old.items
		m.detachCustomer(old)
		o.version = later(old.version, b.Version)
	}
	m.orders[o.id] = o
	m.countOrder(oldItems, o.items)
	m.basket.replaceSet(oldItems, o.items, m.cfg.MaxBasketItems)
	m.attachCustomer(o)
	m.changed()
	return change
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Remove uncounts an order and forgets it, with no tombstone: a later
// upsert of the same order counts it again. To record a cancellation, upsert
// an empty basket with the cancellation's version instead. It reports
// whether the model held the order.
func (m *Model) Remove(orderID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tombstones, orderID)
	o := m.orders[orderID]
	if o == nil {
		return false
	}
	m.detach(o)
	delete(m.orders, orderID)
	m.changed()
	return true
}

// detach uncounts a live order everywhere.
func (m *Model) detach(o *order) {
	m.countOrder(o.items, nil)
	m.basket.replaceSet(o.items, nil, m.cfg.MaxBasketItems)
	m.detachCustomer(o)
}

// countOrder moves the per-item order counts and the line count from the
// old item set of an order to the new one.
func (m *Model) countOrder(old, new []int32) {
	removed, _, added := diffSorted(old, new)
	for _, i := range removed {
		m.orderCount[i]--
	}
	for _, i := range added {
		m.orderCount[i]++
	}
	m.lines += len(new) - len(old)
}

// attachCustomer adds o to its customer's history and customer-level counts.
func (m *Model) attachCustomer(o *order) {
	if o.cust < 0 {
		return
	}
	c := m.customers[o.cust]
	c.orders = append(c.orders, o)
	m.rebuy(o.cust, nil, o.items)
}

// detachCustomer takes o out of its customer's history and counts.
func (m *Model) detachCustomer(o *order) {
	if o.cust < 0 {
		return
	}
	c := m.customers[o.cust]
	if k := slices.Index(c.orders, o); k >= 0 {
		c.orders = slices.Delete(c.orders, k, k+1)
	}
	m.rebuy(o.cust, o.items, nil)
}

// rebuy takes one order's worth of items dec out of customer u's history
// and puts inc in, updating the buyers index and, when the customer's set of
// distinct items changes, the customer-level pair counts.
func (m *Model) rebuy(u int32, dec, inc []int32) {
	c := m.customers[u]
	before := c.itemSet()
	for _, i := range dec {
		k, _ := slices.BinarySearchFunc(c.items, i, cellCmp)
		c.items[k].n--
		if c.items[k].n == 0 {
			c.items = slices.Delete(c.items, k, k+1)
		}
		m.buyers.add(i, u, -1)
	}
	for _, i := range inc {
		k, ok := slices.BinarySearchFunc(c.items, i, cellCmp)
		if ok {
			c.items[k].n++
		} else {
			c.items = slices.Insert(c.items, k, cell{id: i, n: 1})
		}
		m.buyers.add(i, u, 1)
	}
	after := c.itemSet()
	if len(before) == 0 && len(after) > 0 {
		m.nBuyers++
	} else if len(before) > 0 && len(after) == 0 {
		m.nBuyers--
	}
	if !slices.Equal(before, after) {
		m.custPairs.replaceSet(before, after, m.cfg.MaxCustomerItems)
	}
}

// SetCatalog records the category and vendor of the catalogue's SKUs, for
// the cold-start fallbacks. Entries for SKUs already known are replaced;
// SKUs absent from c keep what they had.
func (m *Model) SetCatalog(c Catalog) {
	m.mu.Lock()
	defer m.mu.Unlock()
	skus := make([]string, 0, len(c))
	for s := range c {
		if s != "" {
			skus = append(skus, s)
		}
	}
	slices.Sort(skus) // deterministic group member order
	for _, s := range skus {
		m.setInfo(m.item(s), c[s])
	}
	m.changed()
}

func (m *Model) setInfo(i int32, info ItemInfo) {
	if name := m.groupName(&m.cats, m.cat[i]); name != info.Category {
		m.cat[i] = m.cats.move(i, m.cat[i], info.Category)
	}
	if name := m.groupName(&m.vens, m.ven[i]); name != info.Vendor {
		m.ven[i] = m.vens.move(i, m.ven[i], info.Vendor)
	}
}

func (m *Model) groupName(g *groups, id int32) string {
	if id < 0 {
		return ""
	}
	return g.names[id]
}

// Info returns the catalogue entry of sku, if the model has one.
func (m *Model) Info(sku string) (ItemInfo, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.skuID[sku]
	if !ok || (m.cat[i] < 0 && m.ven[i] < 0) {
		return ItemInfo{}, false
	}
	return ItemInfo{Category: m.groupName(&m.cats, m.cat[i]), Vendor: m.groupName(&m.vens, m.ven[i])}, true
}

// Stats describes what a model has learned.
type Stats struct {
	// Orders is the number of live orders (cancelled ones excluded).
	Orders int `json:"orders"`
	// Lines is the number of distinct (order, SKU) pairs counted.
	Lines int `json:"lines"`
	// Items is the number of SKUs with at least one order.
	Items int `json:"items"`
	// SKUs is the number of SKUs known from orders or the catalogue.
	SKUs int `json:"skus"`
	// Customers is the number of customers with at least one order.
	Customers int `json:"customers"`
	// Pairs is the number of SKU pairs seen together in an order.
	Pairs int `json:"pairs"`
	// CustomerPairs is the number of SKU pairs bought by the same customer.
	CustomerPairs int `json:"customer_pairs"`
	// Removed is the number of cancelled orders remembered.
	Removed int `json:"removed"`
}

// Stats returns the model's counts.
func (m *Model) Stats() Stats {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := Stats{Orders: len(m.orders), Lines: m.lines, SKUs: len(m.skus), Customers: m.nBuyers,
		Pairs: m.basket.entries() / 2, CustomerPairs: m.custPairs.entries() / 2, Removed: len(m.tombstones)}
	for _, c := range m.orderCount {
		if c > 0 {
			s.Items++
		}
	}
	return s
}
