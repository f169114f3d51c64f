package odoo

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestImports keeps the arrows honest: the connector imports only the sdk,
// decimal (the model's money) and the standard library; the fake Odoo only
// the standard library.
func TestImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/supplyhub/supplyhub/"
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-f", "{{.ImportPath}}: {{join .Imports \" \"}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		seen++
		for _, imp := range strings.Fields(imports) {
			std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
			switch {
			case std:
			case pkg == mod+"connectors/odoo/odootest":
				t.Errorf("%s imports %s: the fake Odoo uses the standard library only", pkg, imp)
			case strings.HasPrefix(imp, mod+"sdk"), strings.HasPrefix(imp, mod+"connectors/odoo"), imp == "github.com/shopspring/decimal":
			default:
				t.Errorf("%s imports %s: connectors import only sdk/..., decimal and the standard library", pkg, imp)
			}
		}
	}
	if seen < 3 {
		t.Fatalf("go list listed %d packages", seen)
	}
}
