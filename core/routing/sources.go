package routing

import (
	"context"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// RateSource quotes carrier services for a shipment: a carrier plugin
// connection adapted by the host, or a TableRates.
//
// Rates is called concurrently, for several shipments of one order and for
// several orders, and must honour the context's deadline: the router stops
// waiting at the deadline and reports the source as not having answered.
// A source may return rates and an error together: partial results, such as
// a multi-carrier plugin one of whose carriers failed. The router keeps the
// rates and reports the error; an error made with errors.Join is reported
// as one error per joined error. The router keeps the returned slice:
// return a new one from every call.
type RateSource interface {
	// Name names the source in decisions and errors, e.g. the connection id.
	Name() string
	// Rates quotes every service the source has for the request.
	Rates(ctx context.Context, req RateRequest) ([]commerce.Rate, error)
}

// LocalSource is implemented by rate sources that answer from memory
// without blocking (TableRates). The router calls them inline, with no
// goroutine or deadline, which keeps table-rate routing fast.
type LocalSource interface {
	RateSource
	// Local reports whether Rates answers from memory.
	Local() bool
}

// RateRequest asks for rates for one shipment.
type RateRequest struct {
	// From is the shipping location's address; To the destination.
	From commerce.Address
	To   commerce.Address
	// Parcels are the parcels of the shipment.
	Parcels []Parcel
	// Value is the goods' value, for insurance and customs.
	Value *commerce.Money
}

// Parcel is one package to ship.
type Parcel struct {
	Weight     commerce.Weight      `json:"weight"`
	Dimensions *commerce.Dimensions `json:"dimensions,omitempty"`
}

// LandedCoster quotes the duties, taxes and fees of a cross-border
// shipment: the customs capability, adapted by the host. Called
// concurrently; it must honour the context's deadline.
type LandedCoster interface {
	LandedCost(ctx context.Context, req LandedCostRequest) (*commerce.LandedCost, error)
}

// LandedCostRequest describes a cross-border shipment to quote under one
// incoterm.
type LandedCostRequest struct {
	// AsOf is the date whose rules apply (the decision's date).
	AsOf commerce.Date
	// Incoterm is DDP or DAP.
	Incoterm string
	// OriginCountry is the shipping location's country (ISO 3166-1 alpha-2).
	OriginCountry string
	// DestinationCountry and DestinationProvince (ISO 3166-2 subdivision
	// without the country, e.g. "ON") are the destination's; some regimes
	// (Canada) need the province.
	DestinationCountry  string
	DestinationProvince string
	// Currency is the currency the quote should be in (the decision's).
	Currency commerce.Currency
	// Items are the goods, valued at the order's unit prices.
	Items []commerce.LandedCostItem
	// Shipping is the chosen rate's amount.
	Shipping commerce.Money
	// Insurance is zero unless insured.
	Insurance commerce.Money
	// FXRates are the request's exchange rates, for the quote's conversions.
	FXRates []commerce.FXRate
}
