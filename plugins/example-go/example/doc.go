// Package example is the example Supplyhub connector: it reads orders from
// the Example Shop API incrementally by updated_at, parses its signed
// webhooks, and writes inventory levels back idempotently.
//
// It is for connector authors, as the worked example of
// docs/writing-a-connector.md, and for the host's tests, which launch it as
// the plugin supplyhub-plugin-example-go. Start with [New]; the fake
// upstream is package exampletest.
package example
