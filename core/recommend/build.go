package recommend

import (
	"fmt"
	"slices"
	"time"
)

// Build returns a model counting every basket, computed in bulk: much faster
// than upserting them one by one (the pair counts are one sparse matrix
// product, split across the CPUs). Baskets with the same order id are
// versions of one order: the one with the latest Version counts (the later
// in the slice on a tie). Empty baskets record cancellations. It fails on
// the first invalid basket or an out-of-range cfg, naming the order.
func Build(baskets []Basket, cfg Config) (*Model, error) {
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	keep, skus, err := latestVersions(baskets)
	if err != nil {
		return nil, err
	}
	m.orders = make(map[string]*order, len(keep))
	for _, i := range keep {
		b := &baskets[i]
		if len(skus[i]) == 0 {
			if !b.Version.IsZero() {
				m.tombstones[b.OrderID] = b.Version
			}
			continue
		}
		cust := int32(-1)
		if b.CustomerID != "" {
			cust = m.customerOf(b.CustomerID)
		}
		m.addBulk(b.OrderID, cust, b.CreatedAt, b.Version, m.items(skus[i]))
	}
	m.finishBulk()
	return m, nil
}

// latestVersions validates every basket and returns the indices of the
// latest version of each order, in input order, with every basket's
// distinct positive SKUs.
func latestVersions(baskets []Basket) (keep []int, skus [][]string, err error) {
	skus = make([][]string, len(baskets))
	latest := make(map[string]int, len(baskets))
	for i := range baskets {
		b := &baskets[i]
		if skus[i], err = b.validate(); err != nil {
			return nil, nil, fmt.Errorf("basket %d: %w", i+1, err)
		}
		if j, dup := latest[b.OrderID]; dup && b.Version.Before(baskets[j].Version) {
			continue
		}
		latest[b.OrderID] = i
	}
	for i := range baskets {
		if latest[baskets[i].OrderID] == i {
			keep = append(keep, i)
		}
	}
	return keep, skus, nil
}

// addBulk records one order without touching the pair counts, which
// finishBulk computes for all orders at once.
func (m *Model) addBulk(id string, cust int32, created, version time.Time, items []int32) {
	o := &order{id: id, cust: cust, created: created, version: version, items: items}
	m.orders[id] = o
	for _, i := range items {
		m.orderCount[i]++
	}
	m.lines += len(items)
	if cust < 0 {
		return
	}
	c := m.customers[cust]
	c.orders = append(c.orders, o)
	for _, i := range items {
		k, ok := slices.BinarySearchFunc(c.items, i, cellCmp)
		if ok {
			c.items[k].n++
		} else {
			c.items = slices.Insert(c.items, k, cell{id: i, n: 1})
		}
	}
}

// finishBulk computes the pair counts and the buyers index from the orders
// and customers recorded by addBulk.
func (m *Model) finishBulk() {
	n := len(m.skus)
	sets := make([][]int32, 0, len(m.orders))
	for _, o := range m.orders {
		sets = append(sets, o.items)
	}
	m.basket = cooccur(sets, n, m.cfg.MaxBasketItems)

	sets = sets[:0]
	perItem := make([]int32, n+1)
	flat := make([]int32, 0, m.lines)
	for _, c := range m.customers {
		if len(c.items) == 0 {
			continue
		}
		m.nBuyers++
		from := len(flat)
		for _, x := range c.items {
			flat = append(flat, x.id)
			perItem[x.id+1]++
		}
		sets = append(sets, flat[from:len(flat):len(flat)])
	}
	m.custPairs = cooccur(sets, n, m.cfg.MaxCustomerItems)

	for i := range n {
		perItem[i+1] += perItem[i]
	}
	cells := make([]cell, perItem[n])
	fill := slices.Clone(perItem[:n])
	for u, c := range m.customers { // customer ids ascending: rows come out sorted
		for _, x := range c.items {
			cells[fill[x.id]] = cell{id: int32(u), n: x.n}
			fill[x.id]++
		}
	}
	m.buyers = make(sparse, n)
	for i := range n {
		if lo, hi := perItem[i], perItem[i+1]; hi > lo {
			m.buyers[i] = cells[lo:hi:hi]
		}
	}
	m.changed()
}
