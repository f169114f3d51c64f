package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

// buildAmazonPlugin builds plugins/amazon into dir (as
// supplyhub-plugin-amazon) and locks the directory.
func buildAmazonPlugin(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, host.BinaryPrefix+"amazon")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "./plugins/amazon")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./plugins/amazon: %v\n%s", err, out)
	}
	if _, err := host.Lock(dir, filepath.Join(dir, host.LockFileName)); err != nil {
		t.Fatal(err)
	}
	return bin
}

// amazonPlugin builds plugins/amazon into a locked plugins directory,
// starts a host over it and launches the plugin process. It returns the
// plugin and the path of its binary.
func amazonPlugin(t testing.TB) (sdk.Plugin, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and launches the Amazon plugin process; skipped in -short mode")
	}
	dir := t.TempDir()
	bin := buildAmazonPlugin(t, dir)
	h, err := host.New(host.Config{Dir: dir, Reattach: map[string]grpcplugin.Reattach{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, m, err := h.Plugin(ctx, "amazon")
	if err != nil {
		t.Fatalf("launch the amazon plugin: %v", err)
	}
	if m.Name != "amazon" || p.Source == nil || p.Sink == nil || p.Webhooks == nil {
		t.Fatalf("plugin %s offers %v", m.Name, p.Capabilities())
	}
	return p, bin
}

// amazonOrders lists the orders the gateway stored for a connection.
func amazonOrders(t *testing.T, addr, token, connection string) map[string]string {
	t.Helper()
	out := map[string]string{} // order id -> updated_at
	path := "/v1/orders?limit=1000&connection=" + connection
	for {
		var page struct {
			Items []struct {
				Source struct {
					ExternalID string `json:"external_id"`
				} `json:"source"`
				UpdatedAt string `json:"updated_at"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		if code := apiCall(t, addr, token, "GET", path, nil, &page); code != 200 {
			t.Fatalf("list orders: %d", code)
		}
		for _, it := range page.Items {
			out[it.Source.ExternalID] = it.UpdatedAt
		}
		if page.NextCursor == nil {
			return out
		}
		path = "/v1/orders?limit=1000&connection=" + connection + "&cursor=" + *page.NextCursor
	}
}
