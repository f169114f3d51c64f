// Command supplyhub-plugin-example-go is the example connector as a
// Supplyhub plugin: orders from the Example Shop API, its webhooks, and
// inventory levels back. Run it through the gateway, or with -debug under
// a debugger.
package main

import (
	"github.com/supplyhub/supplyhub/plugins/example-go/example"
	"github.com/supplyhub/supplyhub/sdk"
)

func main() { sdk.Serve(example.New()) }
