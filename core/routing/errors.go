package routing

import (
	"errors"
	"fmt"
)

// ErrUnroutable is wrapped by every *UnroutableError: no plan can ship the
// order under the stock and the rules. Check with errors.Is, and get the
// reason with errors.As.
var ErrUnroutable = errors.New("routing: order cannot be routed")

// ErrNothingToRoute is returned by Route for an order with nothing left to
// ship: cancelled, closed, or every line already in a shipment. It is not
// a failure; the gateway skips such orders.
var ErrNothingToRoute = errors.New("routing: nothing to route")

// ErrInvalidRequest is wrapped by the errors Route returns for a request
// that cannot be considered as given: a negative promise, a line quantity
// below 1, an invalid currency, FX rate or item weight. The caller should
// fix the request (an API answers 400), not retry it.
var ErrInvalidRequest = errors.New("routing: invalid request")

// Reason says why an order cannot be routed.
type Reason string

// The reasons.
const (
	// NoDestination: the order has no shipping address with a country.
	NoDestination Reason = "no-destination"
	// NoLocations: the request lists no location that could ship.
	NoLocations Reason = "no-locations"
	// NoStock: some SKU lacks the units anywhere, even ignoring the rules.
	NoStock Reason = "no-stock"
	// AllExcluded: the stock exists, but the rules keep it from the order:
	// it is at excluded locations or held back as safety stock.
	AllExcluded Reason = "all-excluded"
	// SplitNotAllowed: the order needs more shipments than the rules allow
	// (never split, max shipments).
	SplitNotAllowed Reason = "split-not-allowed"
	// SplitTooCostly: every plan needs a split whose shipping is above the
	// split-cost limit.
	SplitTooCostly Reason = "split-too-costly"
	// PromiseImpossible: no service of any plan meets the delivery promise.
	PromiseImpossible Reason = "promise-impossible"
	// NoRates: no rate source quoted any plan.
	NoRates Reason = "no-rates"
)

// UnroutableError says why an order cannot be routed, in a sentence a
// merchant can act on, and carries the partial decision: excluded
// locations, the plans tried and why each failed, source errors.
type UnroutableError struct {
	OrderID string
	Reason  Reason
	// Detail says what is missing and what to do.
	Detail string
	// Decision holds what was found on the way; its Shipments are empty.
	Decision *Decision
}

// Error returns "routing: order X cannot be routed (reason): detail".
func (e *UnroutableError) Error() string {
	return fmt.Sprintf("routing: order %s cannot be routed (%s): %s", e.OrderID, e.Reason, e.Detail)
}

// Unwrap returns ErrUnroutable.
func (e *UnroutableError) Unwrap() error { return ErrUnroutable }
