// Command supplyhub is the Supplyhub gateway and its tools in one binary:
// serve the gateway, run the demo, manage plugins, tokens and connections,
// and run the decision modules (forecast, inventory, routing, recommend)
// offline on CSV files.
//
// Run "supplyhub help" for the list of commands; each command documents its
// flags with "supplyhub <command> --help".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "supplyhub:", err)
		os.Exit(exitCode(err))
	}
}
