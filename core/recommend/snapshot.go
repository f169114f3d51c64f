package recommend

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"slices"
	"time"
)

// snapshotFormat is the version of the snapshot layout; Load refuses others.
const snapshotFormat = 1

// snapshot is the persisted form of a model: its orders, customers and
// catalogue. The pair counts are not stored: Load recomputes them in bulk,
// which is as fast as decoding them and cannot disagree with the orders.
type snapshot struct {
	Format       int
	SKUs         []string
	Categories   []string
	Vendors      []string
	ItemCategory []int32 // per SKU, -1 for none
	ItemVendor   []int32
	Customers    []string
	OrderIDs     []string
	OrderCust    []int32 // per order, -1 for a guest
	OrderCreated []time.Time
	OrderVersion []time.Time
	OrderEnds    []int32 // per order, end of its items in OrderItems
	OrderItems   []int32
	TombIDs      []string
	TombVersions []time.Time
}

// Save writes a snapshot of the model (orders, customers, catalogue and
// cancellation versions) to w in a versioned gob format. Queries may run
// meanwhile; writes wait.
func (m *Model) Save(w io.Writer) error {
	m.mu.RLock()
	s := snapshot{Format: snapshotFormat, SKUs: m.skus, Categories: m.cats.names, Vendors: m.vens.names,
		ItemCategory: m.cat, ItemVendor: m.ven}
	for _, c := range m.customers {
		s.Customers = append(s.Customers, c.id)
	}
	ids := make([]string, 0, len(m.orders))
	for id := range m.orders {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	s.OrderIDs = ids
	s.OrderCust = make([]int32, len(ids))
	s.OrderCreated = make([]time.Time, len(ids))
	s.OrderVersion = make([]time.Time, len(ids))
	s.OrderEnds = make([]int32, len(ids))
	s.OrderItems = make([]int32, 0, m.lines)
	for x, id := range ids {
		o := m.orders[id]
		s.OrderCust[x], s.OrderCreated[x], s.OrderVersion[x] = o.cust, o.created, o.version
		s.OrderItems = append(s.OrderItems, o.items...)
		s.OrderEnds[x] = int32(len(s.OrderItems))
	}
	for id, v := range m.tombstones {
		s.TombIDs = append(s.TombIDs, id)
		s.TombVersions = append(s.TombVersions, v)
	}
	bw := bufio.NewWriter(w)
	err := gob.NewEncoder(bw).Encode(&s)
	m.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("recommend: save snapshot: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("recommend: save snapshot: %w", err)
	}
	return nil
}

// Load reads a snapshot written by [Model.Save] and rebuilds the model with
// cfg. A damaged or foreign snapshot gives an error saying what is wrong,
// never a partial model.
func Load(r io.Reader, cfg Config) (*Model, error) {
	var s snapshot
	if err := gob.NewDecoder(bufio.NewReader(r)).Decode(&s); err != nil {
		return nil, fmt.Errorf("recommend: load snapshot: %w (is it a file written by recommend Save?)", err)
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("recommend: load snapshot: %w", err)
	}
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	for _, sku := range s.SKUs {
		m.item(sku)
	}
	for i := range s.SKUs {
		if c := s.ItemCategory[i]; c >= 0 {
			m.cat[i] = m.cats.move(int32(i), -1, s.Categories[c])
		}
		if v := s.ItemVendor[i]; v >= 0 {
			m.ven[i] = m.vens.move(int32(i), -1, s.Vendors[v])
		}
	}
	for _, c := range s.Customers {
		m.customerOf(c)
	}
	from := int32(0)
	for x, id := range s.OrderIDs {
		to := s.OrderEnds[x]
		m.addBulk(id, s.OrderCust[x], s.OrderCreated[x], s.OrderVersion[x], slices.Clone(s.OrderItems[from:to]))
		from = to
	}
	for x, id := range s.TombIDs {
		m.tombstones[id] = s.TombVersions[x]
	}
	m.finishBulk()
	return m, nil
}

// check verifies the snapshot's internal references before anything is
// built from it.
func (s *snapshot) check() error {
	if s.Format != snapshotFormat {
		return fmt.Errorf("format %d is not supported (want %d): rebuild the model from orders", s.Format, snapshotFormat)
	}
	nSKU, nOrd := len(s.SKUs), len(s.OrderIDs)
	if len(s.ItemCategory) != nSKU || len(s.ItemVendor) != nSKU {
		return fmt.Errorf("%d SKUs but %d categories and %d vendors assigned", nSKU, len(s.ItemCategory), len(s.ItemVendor))
	}
	if len(s.OrderCust) != nOrd || len(s.OrderCreated) != nOrd || len(s.OrderVersion) != nOrd || len(s.OrderEnds) != nOrd {
		return fmt.Errorf("%d orders but columns of other lengths", nOrd)
	}
	if len(s.TombIDs) != len(s.TombVersions) {
		return fmt.Errorf("%d removed orders but %d versions", len(s.TombIDs), len(s.TombVersions))
	}
	if err := distinct("SKU", s.SKUs); err != nil {
		return err
	}
	if err := distinct("customer", s.Customers); err != nil {
		return err
	}
	if err := distinct("order", s.OrderIDs); err != nil {
		return err
	}
	if err := distinct("category", s.Categories); err != nil {
		return err
	}
	if err := distinct("vendor", s.Vendors); err != nil {
		return err
	}
	for i := range nSKU {
		if c := s.ItemCategory[i]; c < -1 || int(c) >= len(s.Categories) {
			return fmt.Errorf("SKU %q: category index %d out of range", s.SKUs[i], c)
		}
		if v := s.ItemVendor[i]; v < -1 || int(v) >= len(s.Vendors) {
			return fmt.Errorf("SKU %q: vendor index %d out of range", s.SKUs[i], v)
		}
	}
	from := int32(0)
	for x, id := range s.OrderIDs {
		to := s.OrderEnds[x]
		if to <= from || int(to) > len(s.OrderItems) {
			return fmt.Errorf("order %q: item range [%d,%d) is empty or out of range", id, from, to)
		}
		if c := s.OrderCust[x]; c < -1 || int(c) >= len(s.Customers) {
			return fmt.Errorf("order %q: customer index %d out of range", id, c)
		}
		if s.OrderCreated[x].IsZero() {
			return fmt.Errorf("order %q: created_at is missing", id)
		}
		prev := int32(-1)
		for _, it := range s.OrderItems[from:to] {
			if it <= prev || int(it) >= nSKU {
				return fmt.Errorf("order %q: item index %d out of range or not ascending", id, it)
			}
			prev = it
		}
		from = to
	}
	if int(from) != len(s.OrderItems) {
		return fmt.Errorf("%d order items but orders end at %d", len(s.OrderItems), from)
	}
	return nil
}

func distinct(what string, xs []string) error {
	seen := make(map[string]bool, len(xs))
	for _, x := range xs {
		if x == "" {
			return fmt.Errorf("empty %s name", what)
		}
		if seen[x] {
			return fmt.Errorf("%s %q appears twice", what, x)
		}
		seen[x] = true
	}
	return nil
}
