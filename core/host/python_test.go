package host_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/plugins/example-go/example/exampletest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// pythonPlugin builds the example-python zipapp into dir, or skips when
// Debian's python3 lacks the packages .ci/apt-packages installs.
func pythonPlugin(t *testing.T, dir string) {
	t.Helper()
	check := exec.Command("/usr/bin/python3", "-c", "import grpc, google.protobuf, cryptography")
	if out, err := check.CombinedOutput(); err != nil {
		t.Skipf("/usr/bin/python3 cannot import grpc, protobuf and cryptography (install python3-grpcio, python3-protobuf, python3-cryptography): %v: %s", err, out)
	}
	build := exec.Command("sh", filepath.Join(repoRoot, "plugins", "example-python", "build.sh"), filepath.Join(dir, host.BinaryPrefix+"example-python"))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the python plugin: %v\n%s", err, out)
	}
}

// Done when: the Python plugin passes the same conformance checks as a Go
// one, launched by the real host (AutoMTLS, handshake, health checks).
func TestPythonPluginConformance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pythonPlugin(t, dir)
	if _, err := host.Lock(dir, filepath.Join(dir, host.LockFileName)); err != nil {
		t.Fatal(err)
	}
	h := newHost(t, dir, host.Config{}, discard)
	p, m, err := h.Plugin(context.Background(), "example-python")
	if err != nil {
		t.Fatal(err)
	}
	if m.SDK != "supplyhub-python/1" || p.Source == nil || p.Webhooks != nil || p.Sink != nil {
		t.Fatalf("manifest %+v, capabilities %v", m, p.Capabilities())
	}
	up := exampletest.New(t, exampletest.Config{Orders: 150, RateLimitEvery: 11})
	// Typed errors cross from Python as status details, detail included.
	_, err = p.Connector.Check(context.Background(), sdk.CheckRequest{Config: up.ConfigWithKey("wrong-key-0000")})
	var e *sdk.Error
	if !errors.As(err, &e) || e.Kind != sdk.KindAuthentication || !strings.Contains(e.Detail, "create a new one") {
		t.Fatalf("Check with a bad key = %#v, want an authentication error with its detail", err)
	}
	s := up.Suite(p)
	conformance.Run(t, s)
	if hl := health(h, "example-python"); hl.State != host.StateRunning || hl.PID == 0 {
		t.Fatalf("health %+v", hl)
	}
}
