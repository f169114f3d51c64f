// Package dashboard is the operations dashboard the gateway serves at
// /dashboard/: a static site (plain HTML, CSS and ES modules, embedded in
// the binary, no build step) that reads the gateway's own HTTP API with
// the API token the user types in, and shows connections and plugins, sync
// jobs with live progress, the webhook inbox with replay, forecasts,
// replenishment and routing.
//
// It is for whoever composes the gateway: core/app calls [Register] with
// the API server, so "supplyhub serve" and "supplyhub demo" both serve it. The pages live in static/; start with
// static/app.js. docs/dashboard.md describes each page and the endpoints
// it reads.
package dashboard
