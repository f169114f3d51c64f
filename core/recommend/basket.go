package recommend

import (
	"fmt"
	"slices"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Basket is one order as the recommender sees it: who bought which SKUs
// when. Lines hold net quantities; a line whose quantity is zero (fully
// refunded) is ignored, and a basket with no positive line stands for a
// cancelled or fully refunded order.
type Basket struct {
	// OrderID identifies the order; upserting a basket with the same id
	// replaces the previous version, so an order is never counted twice.
	OrderID string
	// CustomerID is the buyer's id, or empty for a guest checkout.
	CustomerID string
	// CreatedAt is when the order was placed; it orders a customer's history.
	CreatedAt time.Time
	// Version is the upstream updated_at of the order. When set, an upsert
	// older than the version the model holds is ignored. Zero means "always
	// apply".
	Version time.Time
	// Lines are the items, one or more lines per SKU.
	Lines []Line
}

// Line is a SKU and its net quantity on an order.
type Line struct {
	SKU      string
	Quantity int
}

// validate checks b and returns its distinct SKUs with a positive net
// quantity, in first-seen order.
func (b *Basket) validate() ([]string, error) {
	if b.OrderID == "" {
		return nil, fmt.Errorf("recommend: basket has no order id: set OrderID to the upstream order id")
	}
	if b.CreatedAt.IsZero() {
		return nil, fmt.Errorf("recommend: order %q: created_at is missing: set CreatedAt to when the order was placed", b.OrderID)
	}
	// Net quantity per distinct SKU, in first-seen order. Baskets are small:
	// a linear scan beats a map until they are not.
	skus := make([]string, 0, len(b.Lines))
	qty := make([]int, 0, len(b.Lines))
	var index map[string]int
	for i, l := range b.Lines {
		if l.SKU == "" {
			return nil, fmt.Errorf("recommend: order %q line %d: empty SKU: drop lines without a SKU (custom items, tips) before building a basket", b.OrderID, i+1)
		}
		if l.Quantity < 0 {
			return nil, fmt.Errorf("recommend: order %q line %d (SKU %q): quantity %d is negative: give net quantities (ordered minus refunded, at least 0)", b.OrderID, i+1, l.SKU, l.Quantity)
		}
		k := -1
		if index != nil {
			if j, ok := index[l.SKU]; ok {
				k = j
			}
		} else {
			k = slices.Index(skus, l.SKU)
		}
		if k < 0 {
			k = len(skus)
			skus, qty = append(skus, l.SKU), append(qty, 0)
			if index != nil {
				index[l.SKU] = k
			} else if len(skus) > 16 {
				index = make(map[string]int, len(b.Lines))
				for j, s := range skus {
					index[s] = j
				}
			}
		}
		qty[k] += l.Quantity
	}
	out := skus[:0]
	for k, s := range skus {
		if qty[k] > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

// FromOrder converts an order of the unified model into a Basket, net of
// refunds and cancellations (see [commerce.Order.NetQuantity]): a cancelled
// or deleted order, or one refunded in full, gives a basket with no lines,
// which removes the order from a model. Lines without a SKU are skipped.
// The order id is the order's source reference ("connection/external_id"),
// unique across channels, and the version is its upstream updated_at.
func FromOrder(o *commerce.Order) Basket {
	b := Basket{
		OrderID:   o.Source.String(),
		CreatedAt: o.CreatedAt,
		Version:   o.UpdatedAt,
	}
	if o.Customer != nil && o.Customer.ExternalID != "" {
		b.CustomerID = o.Source.Connection + "/" + o.Customer.ExternalID
	}
	if o.Deleted {
		return b
	}
	for _, sku := range o.SKUs() {
		if n := o.NetQuantity(sku); n > 0 {
			b.Lines = append(b.Lines, Line{SKU: sku, Quantity: n})
		}
	}
	return b
}
