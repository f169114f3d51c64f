// Command supplyhub-plugin-fx is the FX connector as a Supplyhub plugin:
// ECB euro reference rates (or a Stripe-style rates API) for any date, with
// the publication day used. Run it through the gateway, or with -debug under
// a debugger.
package main

import (
	"github.com/supplyhub/supplyhub/connectors/fx"
	"github.com/supplyhub/supplyhub/sdk"
)

func main() { sdk.Serve(fx.New()) }
