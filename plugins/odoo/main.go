// Command supplyhub-plugin-odoo is the Odoo ERP connector as a Supplyhub
// plugin: products, warehouses, stock with incoming receipts and customers
// from Odoo 17, 18 or 19 (JSON-2 or JSON-RPC), and marketplace orders as
// sale orders and replenishment suggestions as draft RFQs back. The gateway
// launches it; started by hand with -debug it serves in the foreground for
// a debugger.
package main

import (
	"github.com/supplyhub/supplyhub/connectors/odoo"
	"github.com/supplyhub/supplyhub/sdk"
)

func main() { sdk.Serve(odoo.New(odoo.WithLogger(sdk.Logger()))) }
