package recommend

import (
	"errors"
	"fmt"
)

// Method names a way of scoring items.
type Method string

// The methods. Their string values appear in the CLI, the HTTP API and
// evaluation reports.
const (
	// Popularity ranks items by the number of orders containing them: the
	// baseline every other method must beat.
	Popularity Method = "popularity"
	// Lift scores a pair by how much more often the two items share an order
	// than chance predicts: n·N/(nA·nB), shrunk by n/(n+λ).
	Lift Method = "lift"
	// Cosine scores a pair by n/√(nA·nB) over orders, shrunk by n/(n+λ).
	Cosine Method = "cosine"
	// ItemKNN is item-based collaborative filtering: cosine between items
	// over customers (bought by the same customers, in any of their
	// orders), shrunk by n/(n+λ).
	ItemKNN Method = "item-knn"
	// UserKNN finds the customers whose purchases overlap most with a
	// customer's and recommends what they bought. It needs a customer.
	UserKNN Method = "user-knn"
)

// Methods lists every method, popularity first.
var Methods = []Method{Popularity, Lift, Cosine, ItemKNN, UserKNN}

// ParseMethod returns the method called s.
func ParseMethod(s string) (Method, error) {
	for _, m := range Methods {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("recommend: unknown method %q: use popularity, lift, cosine, item-knn or user-knn", s)
}

// Source says where a recommended item came from.
type Source string

// The sources: a method's name when the method produced the item, or one of
// the cold-start fallbacks.
const (
	FromLift       Source = Source(Lift)
	FromCosine     Source = Source(Cosine)
	FromItemKNN    Source = Source(ItemKNN)
	FromUserKNN    Source = Source(UserKNN)
	FromCategory   Source = "category"
	FromVendor     Source = "vendor"
	FromPopularity Source = Source(Popularity)
)

// Scored is one recommended item.
type Scored struct {
	// SKU is the recommended item.
	SKU string `json:"sku"`
	// Score orders the items of one result; scores of different methods or
	// results are not comparable.
	Score float64 `json:"score"`
	// Support is the evidence behind the score: for item methods the number
	// of orders (lift, cosine) or customers (item-knn) with both items, for
	// user-knn the number of similar customers who bought it, for
	// popularity the number of orders containing it.
	Support int `json:"support"`
	// Because is, for recommendations built from several items (a cart or a
	// customer's history), the one that contributed most.
	Because string `json:"because,omitempty"`
	// Source is the method or fallback that produced the item.
	Source Source `json:"source"`
}

// Result is a list of recommendations with how it was made.
type Result struct {
	// Items are the recommendations, best first; at most k, fewer only when
	// the model knows fewer items.
	Items []Scored `json:"items"`
	// Method is the method that was asked for.
	Method Method `json:"method"`
	// Fallback is set when the method could not answer and a fallback
	// produced the leading items: category, vendor or popularity.
	Fallback Source `json:"fallback,omitempty"`
	// Notice explains a fallback; nil when the method answered on its own.
	Notice *Notice `json:"notice,omitempty"`
}

// Reason says why a result fell back.
type Reason string

// The reasons for a fallback.
const (
	// ReasonFewOrders: the model has fewer orders than Config.MinOrders.
	ReasonFewOrders Reason = "few-orders"
	// ReasonUnknownSKU: the SKU has no orders and no catalogue entry.
	ReasonUnknownSKU Reason = "unknown-sku"
	// ReasonRareSKU: the SKU has fewer orders than Config.MinItemOrders.
	ReasonRareSKU Reason = "rare-sku"
	// ReasonNoNeighbours: the items have no pair with enough support.
	ReasonNoNeighbours Reason = "no-neighbours"
	// ReasonNewCustomer: the customer has no orders in the model.
	ReasonNewCustomer Reason = "new-customer"
)

// Notice tells a person why a result fell back and what would change it.
type Notice struct {
	// Reason is the machine-readable cause.
	Reason Reason `json:"reason"`
	// Orders is the number of orders the decision was based on: in the
	// model (few-orders) or containing the SKU (rare-sku).
	Orders int `json:"orders"`
	// Need is the number of orders needed for the method to answer.
	Need int `json:"need,omitempty"`
	// Message is a sentence for people, e.g. "only 12 orders; need at least
	// 50 for co-purchase recommendations; showing best sellers".
	Message string `json:"message"`
}

// String returns the message.
func (n *Notice) String() string { return n.Message }

// ErrInsufficientData is matched (with errors.Is) by the error a query
// returns when the model has no orders at all, so that there is nothing,
// not even best sellers, to recommend.
var ErrInsufficientData = errors.New("recommend: not enough order data")

// InsufficientDataError is returned by queries on a model without orders.
type InsufficientDataError struct {
	// Orders is the number of orders in the model.
	Orders int
	// Need is the number of orders needed for co-purchase recommendations.
	Need int
}

// Error says how many orders the model has and how many it needs.
func (e *InsufficientDataError) Error() string {
	return fmt.Sprintf("recommend: the model has %d orders; add order history (at least %d orders for co-purchase recommendations, at least 1 for best sellers)", e.Orders, e.Need)
}

// Is reports whether target is ErrInsufficientData.
func (e *InsufficientDataError) Is(target error) bool { return target == ErrInsufficientData }
