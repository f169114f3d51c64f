// Package api is the gateway's HTTP interface on gin: health and readiness,
// Prometheus metrics, the OpenAPI document, bearer-token authentication with
// scopes, and the /v1 routes that the rest of core registers.
//
// Every route is declared as a [Route] with its documentation, its required
// [Scope] and its handler; [Server.Add] registers it on gin and in the
// OpenAPI document at /openapi.json, and a test checks that the two agree.
// Errors are JSON, {"error": {"code": "...", "message": "..."}}, with the
// HTTP status that says what happened; see [Error].
package api
