// Package amazontest is a fake Amazon Selling Partner API that speaks the
// real wire format, for the Amazon connector's tests, the conformance kit
// and the demo, in the way net/http/httptest serves HTTP tests. It uses the
// standard library only.
//
// Start one with NewServer and point the connector's endpoint, lwa_endpoint
// and sqs_endpoint at its URL (Config returns a working configuration):
//
//	srv, err := amazontest.NewServer(amazontest.Options{Orders: 10_000, Seed: 1})
//	defer srv.Close()
//
// It serves the Login with Amazon token exchange (refresh-token grant,
// invalid_grant, expiring access tokens; the client_credentials grant for
// grantless tokens, its scope checked), the Notifications API's
// destinations and subscriptions (AddDestination, Subscribe and
// RefuseSubscription set them up for tests; Options.RequireSubscriptions
// delivers only subscribed types), Orders API v0 (getOrders with
// NextToken, getOrder, getOrderItems, confirmShipment) and 2026-01-01
// (searchOrders with paginationToken and includedData, getOrder), FBA
// inventory summaries (nextToken expiring after 30 seconds), the Reports
// API lifecycle (createReport, IN_QUEUE → IN_PROGRESS → DONE, CANCELLED
// when there is no data, getReportDocument with a pre-signed, expiring,
// gzipped document), Listings Items get and patch, and seller marketplace
// participations. Every operation has a token bucket with its documented
// rate and burst (Options.RateScale speeds them all up), answers carry
// x-amzn-RateLimit-Limit and x-amzn-RequestId, and errors use the SP-API
// envelope {"errors": [{"code", "message", "details"}]}.
//
// Notifications are delivered the way Amazon does: into an SQS queue
// served by the same server (AWS JSON protocol, SigV4-verified
// ReceiveMessage with long polling and visibility timeouts, DeleteMessage).
// Mutators (CreateOrder, UpdateOrder, CancelOrder, ShipOrder, SetFBA,
// AddSKU, NotifyOfferChange) change the data and enqueue ORDER_CHANGE,
// FBA_INVENTORY_AVAILABILITY_CHANGES and ANY_OFFER_CHANGED notifications;
// finished reports enqueue REPORT_PROCESSING_FINISHED. SetFaults switches on
// 429s, 5xx, slow answers, timeouts, malformed bodies, expired access
// tokens, failing or empty reports at any time.
package amazontest
