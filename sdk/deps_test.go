package sdk_test

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// The arrows point one way: cmd → core → sdk ← connectors ← plugins. No
// package under sdk/ may depend on core, connectors, plugins or cmd.
func TestSDKDependsOnNothingAbove(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	cmd := exec.Command(runtime.GOROOT()+"/bin/go", "list", "-deps", "-f", "{{.ImportPath}}", "./...")
	cmd.Dir = "."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, bad := range []string{"/core", "/connectors", "/plugins", "/cmd"} {
			if strings.HasPrefix(pkg, "github.com/supplyhub/supplyhub"+bad) {
				t.Errorf("sdk depends on %s", pkg)
			}
		}
	}
	if !strings.Contains(string(out), "github.com/supplyhub/supplyhub/sdk/commerce") {
		t.Fatal("go list did not list the sdk's own packages")
	}
}
