package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

// shopifyPlugin builds plugins/shopify into a locked plugins directory,
// starts a host over it and launches the plugin process. It returns the
// plugin and the path of its binary.
func shopifyPlugin(t testing.TB) (sdk.Plugin, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and launches the Shopify plugin process; skipped in -short mode")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, host.BinaryPrefix+"shopify")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "./plugins/shopify")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./plugins/shopify: %v\n%s", err, out)
	}
	if _, err := host.Lock(dir, filepath.Join(dir, host.LockFileName)); err != nil {
		t.Fatal(err)
	}
	h, err := host.New(host.Config{Dir: dir, Reattach: map[string]grpcplugin.Reattach{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, m, err := h.Plugin(ctx, "shopify")
	if err != nil {
		t.Fatalf("launch the shopify plugin: %v", err)
	}
	if m.Name != "shopify" || p.Source == nil || p.Sink == nil || p.Webhooks == nil {
		t.Fatalf("plugin %s offers %v", m.Name, p.Capabilities())
	}
	return p, bin
}

// shopifyPeakRSS returns the peak resident set (VmHWM) of the running process
// whose executable is bin, in bytes; 0 where /proc is not available.
func shopifyPeakRSS(bin string) uint64 {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err != nil || exe != bin {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			return 0
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// shopifyCountStream counts what a read sends.
type shopifyCountStream struct{ records, checkpoints int }

func (c *shopifyCountStream) Records(rs ...commerce.Record) error { c.records += len(rs); return nil }
func (c *shopifyCountStream) Checkpoint(string) error             { c.checkpoints++; return nil }
func (c *shopifyCountStream) Progress(sdk.Progress) error         { return nil }

// shopifyCommitter is a ReadStream that behaves as the gateway does: records
// become durable only when a checkpoint covers them; records sent after the
// last checkpoint of an interrupted read are lost and must come again.
type shopifyCommitter struct {
	store *conformance.Store
	// killAfter, when > 0, cancels the read once that many records arrived.
	killAfter int
	cancel    context.CancelFunc

	mu        sync.Mutex
	pending   []commerce.Record
	received  int
	applied   int
	skipped   int
	cursor    string
	progress  sdk.Progress
	lastWaits time.Duration
}

func (c *shopifyCommitter) Records(rs ...commerce.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, rs...)
	c.received += len(rs)
	if c.killAfter > 0 && c.received >= c.killAfter && c.cancel != nil {
		c.cancel()
		c.cancel = nil
	}
	return nil
}

func (c *shopifyCommitter) Checkpoint(cursor string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, s := c.store.Apply(c.pending...)
	c.applied += a
	c.skipped += s
	c.pending = c.pending[:0]
	c.cursor = cursor
	return nil
}

func (c *shopifyCommitter) Progress(p sdk.Progress) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.progress = p
	c.lastWaits = max(c.lastWaits, p.RateLimitWait)
	return nil
}
