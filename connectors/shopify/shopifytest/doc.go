// Package shopifytest is a fake Shopify shop that speaks the Admin API's
// real wire format, for the Shopify connector's tests, the conformance kit
// and the demo, in the way net/http/httptest serves HTTP tests.
//
// Start one with NewServer and point the connector's base_url at its URL:
//
//	srv, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_test", ClientSecret: "hush", Orders: 10_000, Seed: 1})
//	defer srv.Close()
//
// It serves the GraphQL Admin API (POST /admin/api/{version}/graphql.json)
// with Shopify's JSON shapes, cursor pagination, the calculated query cost
// model (extensions.cost with throttleStatus, THROTTLED answered with HTTP
// 200, MAX_COST_EXCEEDED), bulk operations whose JSON Lines files are
// served from signed, expiring URLs, the inventorySetQuantities and
// fulfillmentCreate mutations (with the @idempotent directive), product
// metafields (metafieldsSet, metafieldsDelete, product.metafield; read
// back with ProductMetafield and ProductReferences), webhook subscriptions
// (webhookSubscriptions, webhookSubscriptionCreate, -Update and -Delete,
// read with WebhookSubscriptions), and the
// REST orders endpoint with Link pagination and the leaky-bucket call
// limit. Orders are generated lazily and deterministically from the seed,
// so a shop of 100,000 orders costs memory only for the orders changed at
// runtime.
//
// Mutators (CreateOrder, UpdateOrder, CancelOrder, RefundOrder,
// FulfillOrder, SetAvailable, AddProduct, RedactCustomer …) change the shop
// and send the matching webhooks, signed with the client secret, to the URL
// given to StartWebhookDelivery and to every subscription of the topic,
// retried on Shopify's schedule (8 attempts
// over 4 hours, 5-second answer deadline; Options.WebhookRetryScale
// compresses it). SetFaults switches on 429s, 5xx, slow answers, timeouts,
// malformed bodies and failing bulk operations at any time.
package shopifytest
