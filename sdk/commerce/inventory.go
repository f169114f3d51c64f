package commerce

// InventoryLevel is the stock of one item at one location. Its ExternalID is
// the connector's id for the pair (for Shopify, "<inventory item id>@<location id>").
type InventoryLevel struct {
	Meta
	// SKU is the item's stock-keeping unit.
	SKU string `json:"sku"`
	// VariantID is the upstream variant id, where known.
	VariantID string `json:"variant_id,omitempty"`
	// InventoryItemID is the upstream inventory item id, where distinct.
	InventoryItemID string `json:"inventory_item_id,omitempty"`
	// LocationID is the upstream id of the location.
	LocationID string `json:"location_id"`
	// OnHand is the physical count at the location.
	OnHand int `json:"on_hand"`
	// Committed is reserved for open orders.
	Committed int `json:"committed"`
	// Available is what can still be sold: on hand minus committed and other
	// reservations. It may be negative when the channel oversold.
	Available int `json:"available"`
	// Incoming is on its way: open purchase orders and transfers.
	Incoming int `json:"incoming"`
}

// Kind returns KindInventoryLevel.
func (*InventoryLevel) Kind() Kind { return KindInventoryLevel }

// Validate checks the level.
func (l *InventoryLevel) Validate() error {
	c := newChecker(KindInventoryLevel)
	c.meta(l.Meta)
	if l.Deleted {
		return c.err()
	}
	c.required("sku", l.SKU)
	c.required("location_id", l.LocationID)
	c.nonNegative("committed", l.Committed)
	c.nonNegative("incoming", l.Incoming)
	return c.err()
}
