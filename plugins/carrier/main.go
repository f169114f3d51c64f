// Command supplyhub-plugin-carrier is the carrier connector as a Supplyhub
// plugin: rates, labels and tracking through EasyPost- and Shippo-shaped
// APIs and zone/weight rate tables, and EasyPost tracking webhooks. Run it
// through the gateway, or with -debug under a debugger.
package main

import (
	"github.com/supplyhub/supplyhub/connectors/carrier"
	"github.com/supplyhub/supplyhub/sdk"
)

func main() { sdk.Serve(carrier.New()) }
