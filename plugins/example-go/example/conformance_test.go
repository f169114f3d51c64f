package example_test

import (
	"testing"

	"github.com/supplyhub/supplyhub/plugins/example-go/example"
	"github.com/supplyhub/supplyhub/plugins/example-go/example/exampletest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// The connector passes the conformance kit in-process...
func TestConformanceInProcess(t *testing.T) {
	t.Parallel()
	up := exampletest.New(t, exampletest.Config{Orders: 120, RateLimitEvery: 7})
	conformance.Run(t, up.Suite(sdk.InProcess(example.New())))
}

// ...and through the wire encoding, as the host sees it.
func TestConformanceLoopback(t *testing.T) {
	t.Parallel()
	up := exampletest.New(t, exampletest.Config{Orders: 120})
	p, _, closeFn, err := sdk.Loopback(example.New())
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	conformance.Run(t, up.Suite(p))
}
