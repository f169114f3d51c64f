// Package sdk is everything a Supplyhub connector author imports: the
// capability interfaces a connector implements, their request and response
// types, typed errors, webhook signature schemes, and Serve, which runs a
// connector as a plugin process of the gateway.
//
// # Writing a connector
//
// A connector is a Go value that implements [Connector] (Describe and Check)
// and any of the optional capabilities: [Source] (read streams of records),
// [Sink] (write changes back), [Webhooks] (parse signed deliveries),
// [Carrier] (rates, labels, tracking), [FX] (exchange rates), [Customs]
// (landed cost) and [Subscriptions] (register webhook subscriptions
// upstream). The plugin's main is one call:
//
//	func main() { sdk.Serve(shopify.New()) }
//
// Serve finds the capabilities by type assertion and serves only those.
// Records cross the process boundary as JSON documents of the unified model
// in package commerce, so plugins may be written in any language that speaks
// gRPC; see docs/writing-a-connector.md. Log with [Logger]; talk to the
// upstream with package sdk/httpclient; prove the connector with package
// sdk/conformance, in-process ([InProcess]), through the wire encoding
// ([Loopback]) and as a plugin process (core/host).
//
// # Lifecycle
//
// A plugin process serves every connection that uses its connector: each
// request carries the connection's id and decrypted configuration, so a
// connector keeps no per-connection state it cannot rebuild (it may cache
// clients keyed by connection). Calls may arrive concurrently. The host
// cancels a call's context when it no longer wants the answer; connectors
// must return promptly when it is done.
//
// # Errors
//
// Return errors built with [Authentication], [RateLimited], [Retryable],
// [Permanent] or [InvalidInput] so that the host can decide to wait, retry,
// dead-letter or alert; anything else counts as retryable. The host sees
// the same [*Error] on its side of the boundary.
//
// The host uses the same interfaces: [Plugin] bundles a connector's
// capabilities, whether they run in-process ([InProcess]) or in a plugin
// process (package core/host, which builds on [NewRemote]). Records a
// plugin sends are decoded and validated on the host's side; a ReadStream
// that implements [RecordRejecter] receives the invalid ones instead of the
// Read failing.
package sdk
