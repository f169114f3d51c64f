// Package routing decides which locations ship each line of an order and
// with which carrier service (order routing and rate shopping, with landed
// cost for cross-border parcels); its sub-packages solve network problems
// (graph, tsplib, vrp, siting).
//
// It is for the gateway, which routes every new order and serves dry runs,
// and for merchants trying their rules offline with "supplyhub route order".
// The engine is pure: it sees the unified model (sdk/commerce) and a few
// small interfaces the host adapts its plugins to — [RateSource] for
// carriers, [LandedCoster] for customs — and never a store or a bus.
//
// Where to start:
//
//   - Build a [Router] with [New] from a [Config]: the rate sources (or a
//     [TableRates] zone/weight table when no carrier is connected), the
//     merchant's [Rules] (read with [ParseRules]), the objective (cost or
//     speed) and the rate-shopping deadline.
//   - Call [Router.Route] with a [Request]: the order, the candidate
//     locations, the [Stock] available per SKU and location, the channel and
//     the delivery [Promise]. The [Decision] names, per line, the location and
//     quantity; per shipment, the chosen rate and the DDP/DAP landed-cost
//     comparison; the total cost in one currency; the plans it rejected; and
//     an explanation in words. When no plan exists the error is an
//     [*UnroutableError] saying why.
//   - Route many orders against one stock position with [Router.RouteBatch]
//     (or [Router.RouteAndReserve] from concurrent callers): a [Ledger]
//     reserves the chosen units so that two orders never take the last one.
//   - [Router.ShopRates] rate-shops one parcel on its own.
//
// Money is never a float: costs are [commerce.Money], and amounts in another
// currency are converted only with the [commerce.FXRate]s the request
// carries. docs/order-routing.md describes the rules, their order, the cost
// function and the explanations.
package routing
