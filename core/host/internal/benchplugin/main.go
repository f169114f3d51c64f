// Command benchplugin is the host's benchmark and fault-injection plugin:
// generated orders, and a Check that crashes or hangs on request.
package main

import (
	"github.com/supplyhub/supplyhub/core/host/internal/benchplugin/bench"
	"github.com/supplyhub/supplyhub/sdk"
)

func main() { sdk.Serve(bench.Connector{}) }
