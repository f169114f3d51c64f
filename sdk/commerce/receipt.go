package commerce

import "time"

// Receipt is stock expected at one location: the open part of a purchase
// order line or of an inbound transfer, with its expected arrival. It is
// the dated detail behind InventoryLevel.Incoming; the planner uses it to
// tell stock arriving tomorrow from stock arriving after the lead time.
//
// Its ExternalID is the upstream's id of the line (for Odoo, the incoming
// stock move: "stock.move,42"). A receipt that is fully received or
// cancelled is sent as a tombstone (Deleted), so the store drops it.
type Receipt struct {
	Meta
	// SKU is the item's stock-keeping unit.
	SKU string `json:"sku"`
	// VariantID is the upstream variant id, where known.
	VariantID string `json:"variant_id,omitempty"`
	// LocationID is the upstream id of the receiving location, the same id
	// the connector's inventory levels use, so the two join.
	LocationID string `json:"location_id"`
	// Quantity is the units still to arrive (> 0): ordered minus received.
	Quantity int `json:"quantity"`
	// ExpectedAt is when the stock is expected to arrive; absent when the
	// upstream has no date (the planner then counts it as arriving today).
	ExpectedAt *time.Time `json:"expected_at,omitempty"`
	// Document is the receiving document, e.g. the receipt "WH/IN/00042".
	Document string `json:"document,omitempty"`
	// PurchaseOrder is the purchase order the stock was bought on, e.g.
	// "P00017"; empty for transfers.
	PurchaseOrder string `json:"purchase_order,omitempty"`
	// Supplier names the vendor, where known.
	Supplier string `json:"supplier,omitempty"`
}

// Kind returns KindReceipt.
func (*Receipt) Kind() Kind { return KindReceipt }

// Validate checks the receipt. A tombstone needs only its source and
// version.
func (r *Receipt) Validate() error {
	c := newChecker(KindReceipt)
	c.meta(r.Meta)
	if r.Deleted {
		return c.err()
	}
	c.required("sku", r.SKU)
	c.required("location_id", r.LocationID)
	if r.Quantity <= 0 {
		c.fail("quantity", "must be > 0 (got %d): send a fully received or cancelled receipt as a tombstone (deleted)", r.Quantity)
	}
	c.optTime("expected_at", r.ExpectedAt)
	return c.err()
}

var _ Record = (*Receipt)(nil)
