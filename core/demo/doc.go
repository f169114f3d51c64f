// Package demo runs the whole product on fake upstreams, so that a
// newcomer sees it work without a Shopify or carrier account: the gateway
// (in this process, on the configured store and bus, with the dashboard)
// and its real plugin processes, a fake Shopify shop holding a year of
// generated history (trend, weekly and yearly seasonality, promotions,
// several locations and currencies, cross-border orders), a fake Amazon
// seller with the intermittent long tail (when the amazon plugin is built),
// the fake carrier APIs and the fake ECB rate feeds.
//
// Everything goes through the production paths: connections are created
// and first syncs run through the HTTP API, the plugins read the fakes
// over HTTP, and live changes reach the gateway as signed webhooks. The
// demo never writes to the store, except to issue the API token it prints.
//
// It is for "supplyhub demo" and "supplyhub fake" (cmd/supplyhub) and the
// dashboard's end-to-end test. Start with [Run] and [Config]; [StartFake]
// runs one fake upstream on its own; [Pattern] and [Channels] describe the
// generated demand. docs/demo.md is the user's guide.
//
// This is the one core package that imports the fake upstreams
// (connectors/*/…test, which depend on the standard library only); it
// never imports a connector.
package demo
