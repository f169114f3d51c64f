package recommend

import (
	"fmt"
	"math"
)

// Config tunes a Model. The zero value is usable: every zero field takes the
// default given in its comment.
type Config struct {
	// ItemMethod answers item-to-item queries (ForItem, carts) when a query
	// names no method: lift, cosine, item-knn or popularity. Default cosine.
	ItemMethod Method
	// CustomerMethod answers customer queries when a query names no method:
	// any method. Default item-knn.
	CustomerMethod Method
	// Shrinkage is λ in the factor n/(n+λ) applied to every pair
	// similarity, n being the pair's support: larger values trust rare
	// pairs less. Default 5. Use a tiny value such as 1e-9 to turn it off.
	Shrinkage float64
	// MinSupport is the least number of orders (or customers, for item-knn)
	// a pair needs before it can be recommended. Default 2.
	MinSupport int
	// MinOrders is the least number of orders in the model before anything
	// but best sellers is recommended. Default 30.
	MinOrders int
	// MinItemOrders is the least number of orders a SKU needs before its
	// own co-purchases are used; below it the SKU falls back to its
	// category, vendor, then best sellers. Default 3.
	MinItemOrders int
	// Neighbours is how many top neighbours of each item are kept (and
	// cached) to build recommendations from several items. Default 100.
	Neighbours int
	// UserNeighbours is how many similar customers user-knn uses. Default 50.
	UserNeighbours int
	// UserScanBudget caps how many (customer, item) purchases user-knn reads
	// to find similar customers; it reads the rarest items' buyers first.
	// Default 20000.
	UserScanBudget int
	// RecencyDecay weighs a customer's orders: the latest counts 1, the one
	// before RecencyDecay, then RecencyDecay², and so on. In (0, 1]; default
	// 0.7.
	RecencyDecay float64
	// MaxBasketItems: orders with more distinct SKUs than this (wholesale,
	// bulk restocking) count for popularity but add no pairs. Default 50.
	MaxBasketItems int
	// MaxCustomerItems: customers who bought more distinct SKUs than this
	// add no pairs to item-knn. Default 200.
	MaxCustomerItems int
	// MaxK is the largest k a query may ask for. Default 500.
	MaxK int
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.ItemMethod == "" {
		c.ItemMethod = Cosine
	}
	if c.CustomerMethod == "" {
		c.CustomerMethod = ItemKNN
	}
	set := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	if c.Shrinkage == 0 {
		c.Shrinkage = 5
	}
	set(&c.MinSupport, 2)
	set(&c.MinOrders, 30)
	set(&c.MinItemOrders, 3)
	set(&c.Neighbours, 100)
	set(&c.UserNeighbours, 50)
	set(&c.UserScanBudget, 20000)
	if c.RecencyDecay == 0 {
		c.RecencyDecay = 0.7
	}
	set(&c.MaxBasketItems, 50)
	set(&c.MaxCustomerItems, 200)
	set(&c.MaxK, 500)
	return c
}

// Validate reports the first field of c (after defaults) that is out of
// range.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.ItemMethod == UserKNN {
		return fmt.Errorf("recommend: config item_method: user-knn needs a customer; use lift, cosine, item-knn or popularity")
	}
	if _, err := ParseMethod(string(c.ItemMethod)); err != nil {
		return fmt.Errorf("recommend: config item_method: %w", err)
	}
	if _, err := ParseMethod(string(c.CustomerMethod)); err != nil {
		return fmt.Errorf("recommend: config customer_method: %w", err)
	}
	if c.Shrinkage < 0 || math.IsNaN(c.Shrinkage) || math.IsInf(c.Shrinkage, 0) {
		return fmt.Errorf("recommend: config shrinkage %v: must be a finite number at least 0", c.Shrinkage)
	}
	if c.RecencyDecay <= 0 || c.RecencyDecay > 1 || math.IsNaN(c.RecencyDecay) {
		return fmt.Errorf("recommend: config recency_decay %v: must be in (0, 1]", c.RecencyDecay)
	}
	for _, f := range []struct {
		name string
		v    int
		min  int
	}{
		{"min_support", c.MinSupport, 1}, {"min_orders", c.MinOrders, 1}, {"min_item_orders", c.MinItemOrders, 1},
		{"neighbours", c.Neighbours, 1}, {"user_neighbours", c.UserNeighbours, 1}, {"user_scan_budget", c.UserScanBudget, 1},
		{"max_basket_items", c.MaxBasketItems, 2}, {"max_customer_items", c.MaxCustomerItems, 2}, {"max_k", c.MaxK, 1},
	} {
		if f.v < f.min {
			return fmt.Errorf("recommend: config %s %d: must be at least %d", f.name, f.v, f.min)
		}
	}
	return nil
}
