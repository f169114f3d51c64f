// Package planning runs the decision modules inside the gateway: it builds
// daily demand per SKU and location from the stored orders, forecasts it
// (core/forecast) on a schedule and on demand, keeps the recommendation
// model (core/recommend) current from order events, and serves the results
// over the HTTP API.
//
// The modules themselves stay pure and runnable on CSV; this package is the
// glue between them, the store and the bus. Start with [New], [Service.Run]
// and [Service.Register].
package planning
