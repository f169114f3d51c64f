// Command supplyhub-plugin-amazon is the Amazon Selling Partner API
// connector as a Supplyhub plugin: orders and FBA inventory in (with
// Reports API backfills), notifications relayed from SQS, merchant-fulfilled
// stock and shipment confirmations out. The gateway launches it; started by
// hand with -debug it serves in the foreground for a debugger.
//
// "supplyhub-plugin-amazon relay -config connection.json" runs the SQS
// relay on its own instead: it long-polls the connection's queue, posts
// each notification to the gateway's webhook path with the relay secret,
// and deletes it once the gateway stored it.
package main

import (
	"os"

	"github.com/supplyhub/supplyhub/connectors/amazon"
	"github.com/supplyhub/supplyhub/sdk"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "relay" {
		os.Exit(amazon.RelayMain(os.Args[2:], os.Stdout, os.Stderr))
	}
	sdk.Serve(amazon.New(amazon.WithLogger(sdk.Logger())))
}
