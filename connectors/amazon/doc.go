// Package amazon is Supplyhub's Amazon Selling Partner API connector: it
// reads orders (Orders API 2026-01-01, or v0 where configured, with Reports
// API backfills) and FBA inventory, parses the notifications Amazon sends
// through SQS (relayed to the gateway's webhook path), and writes
// merchant-fulfilled stock and shipment confirmations back.
//
// It is for the plugin binary (plugins/amazon runs sdk.Serve(amazon.New()))
// and for tests that embed it with sdk.InProcess. Start with [New],
// [Config] and the manifest Describe returns; docs/connectors/amazon.md
// explains configuration, streams, notifications and rate limits, and how
// to point the connector at the fake in package amazontest.
//
// # Authentication
//
// Every call carries an access token exchanged from the seller's refresh
// token with Login with Amazon, cached until a minute before it expires and
// exchanged again once when Amazon answers 403 with an expired token. An
// invalid grant is an authentication error, never retried.
//
// # Reads
//
// Orders follow lastUpdatedTime: a pass asks for orders updated after its
// lower bound, page by page (the pagination token is in the checkpoint),
// and Amazon's first answer fixes the pass's upper bound
// (lastUpdatedBefore), which becomes the high-water mark. The next pass
// starts overlap_seconds earlier and skips what it already sent. Full reads
// of long backfills run as order reports, one per window: create, poll,
// fetch the document, decompress, parse the flat file; the report id and
// the orders already sent are checkpointed. FBA inventory is read per
// marketplace with getInventorySummaries, or with one inventory report per
// marketplace. ReadRequest.IDs re-reads orders by id, as an ORDER_CHANGE
// notification asks.
//
// # Rate limits
//
// Each operation has a token bucket with the rate and burst of its usage
// plan, shared by every connection of the seller; the rate follows the
// x-amzn-RateLimit-Limit header of each answer. A 429 empties the bucket
// and the request is sent again when a token is due. Every wait is
// reported as progress (RateLimitWait).
//
// # Notifications
//
// ORDER_CHANGE, FBA_INVENTORY_AVAILABILITY_CHANGES and ANY_OFFER_CHANGED
// reach only SQS. A [Relay] (in the plugin when sqs_poll is set, or
// "supplyhub-plugin-amazon relay") long-polls the queue, posts each message
// body to the gateway's webhook path with the connection's relay secret,
// and deletes the message once the gateway stored it. ParseWebhook turns
// an ORDER_CHANGE into a targeted re-read of the order, and inventory
// changes into InventoryLevel records; EventBridge events (listings types)
// posted by an API destination parse too. EnsureWebhooks (the
// subscriptions capability) creates the queue's Notifications API
// destination with a grantless token and subscribes the seller to those
// three types there; the gateway's callback URL is not used.
package amazon
