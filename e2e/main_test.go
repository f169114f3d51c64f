// Package e2e holds the tests that cross layers: the gateway binary, real
// plugin processes, fake upstreams, PostgreSQL and NATS.
package e2e

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	if os.Getenv("SUPPLYHUB_TEST_POSTGRES_URL") == "" || os.Getenv("SUPPLYHUB_TEST_NATS_URL") == "" {
		fmt.Fprintln(os.Stderr, "e2e: the scale-out test needs SUPPLYHUB_TEST_POSTGRES_URL and SUPPLYHUB_TEST_NATS_URL (.ci/run sets both)")
	}
	os.Exit(code)
}
