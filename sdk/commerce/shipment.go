package commerce

import "time"

// TrackingStatus is the unified vocabulary every carrier's statuses map to.
type TrackingStatus string

// The tracking statuses.
const (
	TrackingUnknown            TrackingStatus = "UNKNOWN"
	TrackingPreTransit         TrackingStatus = "PRE_TRANSIT"
	TrackingInTransit          TrackingStatus = "IN_TRANSIT"
	TrackingOutForDelivery     TrackingStatus = "OUT_FOR_DELIVERY"
	TrackingAvailableForPickup TrackingStatus = "AVAILABLE_FOR_PICKUP"
	TrackingDelivered          TrackingStatus = "DELIVERED"
	TrackingReturned           TrackingStatus = "RETURNED"
	TrackingException          TrackingStatus = "EXCEPTION"
	TrackingCancelled          TrackingStatus = "CANCELLED"
)

// TrackingStatuses lists every status.
var TrackingStatuses = []TrackingStatus{TrackingUnknown, TrackingPreTransit, TrackingInTransit,
	TrackingOutForDelivery, TrackingAvailableForPickup, TrackingDelivered, TrackingReturned,
	TrackingException, TrackingCancelled}

// Valid reports whether s is one of TrackingStatuses.
func (s TrackingStatus) Valid() bool {
	for _, t := range TrackingStatuses {
		if s == t {
			return true
		}
	}
	return false
}

// Shipment is a fulfilment of some order lines from one location: the
// parcel, its carrier and tracking. It appears inside its Order and as a
// record of its own (fulfilment webhooks, carrier tracking).
type Shipment struct {
	Meta
	// OrderID is the upstream id of the order, when it ships one.
	OrderID string `json:"order_id,omitempty"`
	// LocationID is the upstream id of the location it ships from.
	LocationID string `json:"location_id,omitempty"`
	// Status is the latest tracking status.
	Status TrackingStatus `json:"status"`
	// Carrier is the carrier's name, e.g. "UPS".
	Carrier string `json:"carrier,omitempty"`
	// Service is the carrier's service level, e.g. "Ground".
	Service string `json:"service,omitempty"`
	// TrackingNumbers are the parcels' tracking numbers.
	TrackingNumbers []string `json:"tracking_numbers,omitempty"`
	// TrackingURLs are the carrier's tracking pages.
	TrackingURLs []string `json:"tracking_urls,omitempty"`
	// Lines are the order lines and quantities in the parcel.
	Lines []ShipmentLine `json:"lines,omitempty"`
	// Events is the tracking history, oldest first.
	Events []TrackingEvent `json:"events,omitempty"`
	// CreatedAt is when the fulfilment was created.
	CreatedAt time.Time `json:"created_at"`
	// EstimatedDelivery is the carrier's current estimate.
	EstimatedDelivery *time.Time `json:"estimated_delivery,omitempty"`
	// DeliveredAt is set once delivered.
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// ShipmentLine is a quantity of one order line in a shipment.
type ShipmentLine struct {
	// LineID is the upstream order line id.
	LineID string `json:"line_id"`
	// SKU is the item's SKU, where known.
	SKU string `json:"sku,omitempty"`
	// Quantity is the number of units shipped.
	Quantity int `json:"quantity"`
}

// TrackingEvent is one scan or status change.
type TrackingEvent struct {
	// Time is when it happened, with the carrier's zone.
	Time time.Time `json:"time"`
	// Status is the unified status after the event.
	Status TrackingStatus `json:"status"`
	// CarrierStatus is the carrier's own status code, kept for audit.
	CarrierStatus string `json:"carrier_status,omitempty"`
	// Message is the carrier's description.
	Message string `json:"message,omitempty"`
	// Location is where it happened, as the carrier reports it.
	Location string `json:"location,omitempty"`
}

// Kind returns KindShipment.
func (*Shipment) Kind() Kind { return KindShipment }

// Validate checks the shipment.
func (s *Shipment) Validate() error {
	c := newChecker(KindShipment)
	c.meta(s.Meta)
	if s.Deleted {
		return c.err()
	}
	s.check(c, false)
	return c.err()
}

func (s *Shipment) check(c checker, nested bool) {
	if nested {
		c.required("source.external_id", s.Source.ExternalID)
	}
	if !s.Status.Valid() {
		c.fail("status", "%q is not a tracking status (UNKNOWN, PRE_TRANSIT, IN_TRANSIT, OUT_FOR_DELIVERY, AVAILABLE_FOR_PICKUP, DELIVERED, RETURNED, EXCEPTION, CANCELLED)", s.Status)
	}
	c.time("created_at", s.CreatedAt)
	c.optTime("estimated_delivery", s.EstimatedDelivery)
	c.optTime("delivered_at", s.DeliveredAt)
	for i, l := range s.Lines {
		lc := c.index("lines", i)
		if l.LineID == "" && l.SKU == "" {
			lc.fail("line_id", "is required (or sku)")
		}
		if l.Quantity <= 0 {
			lc.fail("quantity", "must be at least 1 (got %d)", l.Quantity)
		}
	}
	for i, e := range s.Events {
		ec := c.index("events", i)
		ec.time("time", e.Time)
		if !e.Status.Valid() {
			ec.fail("status", "%q is not a tracking status", e.Status)
		}
	}
}
