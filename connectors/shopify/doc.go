// Package shopify is Supplyhub's Shopify connector: it reads products,
// locations, stock levels and orders through the GraphQL Admin API, parses
// Shopify's signed webhooks (the mandatory privacy topics included),
// registers the shop's webhook subscriptions at the gateway's public URL
// (EnsureWebhooks), and writes stock levels and fulfilments back. It is the model for every
// other connector.
//
// It is for the plugin binary (plugins/shopify runs sdk.Serve(shopify.New()))
// and for tests that embed it in-process with sdk.InProcess. Start with
// [New], [Config] and the manifest that Describe returns;
// docs/connectors/shopify.md explains configuration, streams, webhooks and
// rate limits, and how to point the connector at the fake shop in package
// shopifytest.
//
// # Reads
//
// Every stream except locations follows updated_at: a pass pages through
// "updated_at >= since" sorted by (updated_at, id) and checkpoints after
// each page; the next incremental pass starts overlap_seconds before the
// previous high-water mark and skips the records it already sent. Large
// reads (bulk_threshold records or more) run as bulk operations whose JSON
// Lines file is streamed and rebuilt parent by parent. Page sizes follow
// Shopify's calculated query cost so that no query exceeds 1000 points.
//
// # Rate limits
//
// The connector tracks the shop's cost bucket from each answer's
// extensions.cost.throttleStatus and waits before sending a query the
// bucket cannot pay for; a THROTTLED answer (HTTP 200) waits for the
// missing points; 429s honour Retry-After; 5xx, timeouts and malformed
// answers are retried with backoff. Every wait is reported as progress.
//
// REST is not used for reads or writes: every operation has a GraphQL
// equivalent. Webhook payloads are REST resources, and are mapped through
// the same code as GraphQL records so both give identical records.
package shopify
