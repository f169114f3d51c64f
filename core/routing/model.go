package routing

import (
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Request is one order to route and everything the decision depends on.
type Request struct {
	// Order is the order to route. Its shipping address is the destination;
	// units already in its shipments are not routed again.
	Order *commerce.Order
	// Locations are the candidate locations. Inactive ones and those that
	// do not fulfil online orders are skipped, and the explanation says so.
	Locations []commerce.Location
	// Stock gives the units available to sell per SKU and location (not on
	// hand: committed units are not available).
	Stock Stock
	// Workload, optional, says how many orders each location was already
	// given today, for LocationRule.MaxOrdersPerDay.
	Workload Workload
	// Channel is the connection id the order came from, for per-channel
	// rules; empty means Order.Source.Connection.
	Channel string
	// Promise is the delivery promise made to the buyer.
	Promise Promise
	// Items describe the SKUs (weight, dimensions, HS code, origin), for
	// parcel weights and landed cost. See ItemsFromProducts.
	Items map[string]Item
	// FXRates are the exchange rates to convert rates, penalties and
	// landed costs into the decision's currency; nothing is converted
	// without one.
	FXRates []commerce.FXRate
	// Now is the time of the decision, for promise dates (default: now).
	Now time.Time
}

// Promise is a delivery promise. The zero value promises nothing.
type Promise struct {
	// Days is the most business days (Monday to Friday) from now to
	// delivery, handling included; 0 is no limit.
	Days int `json:"days,omitempty"`
	// DeliverBy is the latest delivery date, in its own zone.
	DeliverBy *time.Time `json:"deliver_by,omitempty"`
	// MaxDistanceKm is the farthest a shipment should travel, for merchants
	// who promise regional delivery; 0 is no limit.
	MaxDistanceKm float64 `json:"max_distance_km,omitempty"`
}

// Item is what routing needs to know about one SKU.
type Item struct {
	// Weight is one unit's shipping weight. Without it the router assumes
	// Config.DefaultItemWeight and says so.
	Weight *commerce.Weight `json:"weight,omitempty"`
	// Dimensions are one unit's packed dimensions, passed to carriers for a
	// parcel of a single unit.
	Dimensions *commerce.Dimensions `json:"dimensions,omitempty"`
	// HSCode and CountryOfOrigin are needed for landed cost.
	HSCode          string `json:"hs_code,omitempty"`
	CountryOfOrigin string `json:"country_of_origin,omitempty"`
}

// ItemsFromProducts returns the items of every variant with a SKU.
func ItemsFromProducts(products []commerce.Product) map[string]Item {
	out := map[string]Item{}
	for _, p := range products {
		for _, v := range p.Variants {
			if v.SKU == "" {
				continue
			}
			out[v.SKU] = Item{Weight: v.Weight, Dimensions: v.Dimensions, HSCode: v.HSCode, CountryOfOrigin: v.CountryOfOrigin}
		}
	}
	return out
}

// Decision is where and how an order ships, and why.
type Decision struct {
	// OrderID is the order's upstream id; OrderNumber its human name.
	OrderID     string `json:"order_id"`
	OrderNumber string `json:"order_number,omitempty"`
	// Channel is the channel whose rules applied.
	Channel string `json:"channel,omitempty"`
	// Objective is cost or speed.
	Objective Objective `json:"objective"`
	// Ranking is the order in which the criteria were applied.
	Ranking []Criterion `json:"ranking"`
	// Assignments say, per order line, which location ships how many
	// units; a line split between locations appears once per location.
	Assignments []Assignment `json:"assignments"`
	// Shipments are the parcels, one per location, with their rates.
	Shipments []Shipment `json:"shipments"`
	// Skipped are lines not routed (already shipped, no SKU).
	Skipped []SkippedLine `json:"skipped,omitempty"`
	// Cost itemises the total cost of the plan.
	Cost CostBreakdown `json:"cost"`
	// Total is the plan's total cost (Cost.Total).
	Total commerce.Money `json:"total"`
	// Alternatives are the other plans considered, best first.
	Alternatives []Alternative `json:"alternatives,omitempty"`
	// PlansConsidered counts the plans the stock allowed; PlansPriced
	// those that were rate-shopped.
	PlansConsidered int `json:"plans_considered"`
	PlansPriced     int `json:"plans_priced"`
	// Excluded are the locations the rules took out, and why.
	Excluded []Exclusion `json:"excluded,omitempty"`
	// SourceErrors are rate sources and customs quotes that failed or did
	// not answer in time; the decision used the others.
	SourceErrors []SourceError `json:"source_errors,omitempty"`
	// Explanation says in words why this plan was chosen.
	Explanation string `json:"explanation"`
	// DecidedAt is the request's Now.
	DecidedAt time.Time `json:"decided_at"`
}

// Assignment is a quantity of one order line shipped from one location.
type Assignment struct {
	LineID     string `json:"line_id"`
	SKU        string `json:"sku"`
	LocationID string `json:"location_id"`
	Quantity   int    `json:"quantity"`
}

// SkippedLine is an order line the router did not route.
type SkippedLine struct {
	LineID string `json:"line_id"`
	SKU    string `json:"sku,omitempty"`
	Reason string `json:"reason"`
}

// Shipment is one parcel (or parcels) from one location.
type Shipment struct {
	LocationID   string `json:"location_id"`
	LocationName string `json:"location_name"`
	// Lines are the assignments shipped from here.
	Lines []Assignment `json:"lines"`
	// Parcels are the parcels priced.
	Parcels []Parcel `json:"parcels"`
	// Rate is the chosen carrier service, in the carrier's currency.
	Rate commerce.Rate `json:"rate"`
	// Source names the rate source that quoted it.
	Source string `json:"source"`
	// ShippingCost is Rate.Amount in the decision's currency.
	ShippingCost commerce.Money `json:"shipping_cost"`
	// DeliveryDays are handling plus transit business days; 0 if unknown.
	DeliveryDays int `json:"delivery_days,omitempty"`
	// MeetsPromise says whether the service meets the delivery promise.
	MeetsPromise bool `json:"meets_promise"`
	// Options are the services quoted, best first, with why each lost.
	Options []Quote `json:"options,omitempty"`
	// DistanceKm is the great-circle distance to the destination, when
	// both ends have coordinates.
	DistanceKm *float64 `json:"distance_km,omitempty"`
	// CrossBorder is set when the location's country is not the
	// destination's.
	CrossBorder bool `json:"cross_border,omitempty"`
	// Landed compares DDP and DAP for a cross-border shipment.
	Landed *LandedChoice `json:"landed,omitempty"`
	// Cost is what this shipment adds to the total: shipping, the
	// merchant's duties and taxes, promise penalties.
	Cost commerce.Money `json:"cost"`
}

// Quote is one service quoted for a shipment.
type Quote struct {
	Source  string         `json:"source"`
	Carrier string         `json:"carrier"`
	Service string         `json:"service"`
	Amount  commerce.Money `json:"amount"`
	// Cost is Amount in the decision's currency.
	Cost commerce.Money `json:"cost"`
	// Days are handling plus transit business days; 0 if unknown.
	Days int `json:"days,omitempty"`
	// MeetsPromise says whether it meets the delivery promise.
	MeetsPromise bool `json:"meets_promise"`
	// Dropped says why it was not eligible, if it was not.
	Dropped string `json:"dropped,omitempty"`
}

// LandedChoice is the DDP versus DAP comparison of a cross-border shipment.
type LandedChoice struct {
	// Incoterm is the one chosen, DDP or DAP.
	Incoterm string `json:"incoterm"`
	// MerchantCost is what the merchant pays in duties, taxes and fees
	// under the chosen incoterm (zero for DAP), in the decision's currency.
	MerchantCost commerce.Money `json:"merchant_cost"`
	// DDPCost is what the merchant would pay under DDP.
	DDPCost *commerce.Money `json:"ddp_cost,omitempty"`
	// DAPDueAtDelivery is what the buyer would pay on delivery under DAP.
	DAPDueAtDelivery *commerce.Money `json:"dap_due_at_delivery,omitempty"`
	// Reason says why this incoterm.
	Reason string `json:"reason"`
	// DDP and DAP are the customs quotes.
	DDP *commerce.LandedCost `json:"ddp,omitempty"`
	DAP *commerce.LandedCost `json:"dap,omitempty"`
	// Error says why no quote was available, if none was; the shipment's
	// cost then lacks duties and taxes.
	Error string `json:"error,omitempty"`
}

// CostBreakdown itemises a plan's cost in the decision's currency.
type CostBreakdown struct {
	Shipping commerce.Money `json:"shipping"`
	// Duties are the duties, taxes and fees the merchant pays (DDP).
	Duties commerce.Money `json:"duties"`
	// SplitPenalty is Rules.SplitPenalty per shipment beyond the first.
	SplitPenalty commerce.Money `json:"split_penalty"`
	// LatePenalty and DistancePenalty are the soft promise penalties.
	LatePenalty     commerce.Money `json:"late_penalty"`
	DistancePenalty commerce.Money `json:"distance_penalty"`
	Total           commerce.Money `json:"total"`
}

// Alternative is a plan that was not chosen.
type Alternative struct {
	// Locations are the plan's locations, one per shipment.
	Locations []string `json:"locations"`
	// Total is its cost, when it could be priced.
	Total *commerce.Money `json:"total,omitempty"`
	// DeliveryDays of its slowest shipment; 0 if unknown or unpriced.
	DeliveryDays int `json:"delivery_days,omitempty"`
	// Rejected says why it lost or could not be used.
	Rejected string `json:"rejected"`
}

// Exclusion is a location the rules took out of consideration.
type Exclusion struct {
	LocationID string `json:"location_id"`
	Name       string `json:"name,omitempty"`
	Reason     string `json:"reason"`
}

// SourceError is one rate source's or the customs capability's failure.
type SourceError struct {
	Source  string `json:"source"`
	Message string `json:"message"`
}
