// Command supplyhub-plugin-shopify is the Shopify connector as a Supplyhub
// plugin: products, locations, stock and orders from the GraphQL Admin
// API, Shopify's signed webhooks, and stock levels and fulfilments back.
// The gateway launches it; started by hand with -debug it serves in the
// foreground for a debugger.
package main

import (
	"github.com/supplyhub/supplyhub/connectors/shopify"
	"github.com/supplyhub/supplyhub/sdk"
)

func main() { sdk.Serve(shopify.New(shopify.WithLogger(sdk.Logger()))) }
