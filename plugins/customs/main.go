// Command supplyhub-plugin-customs is the customs connector as a Supplyhub
// plugin: HS code validation and itemised landed-cost quotes from the rule
// table it ships. Run it through the gateway, or with -debug under a
// debugger.
package main

import (
	"github.com/supplyhub/supplyhub/connectors/customs"
	"github.com/supplyhub/supplyhub/sdk"
)

func main() { sdk.Serve(customs.New()) }
