package host_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

// repoRoot is the repository root, from this package's directory.
var repoRoot = filepath.Join("..", "..")

var (
	buildMu    sync.Mutex
	buildLocks = map[string]*sync.Mutex{}
	buildCache = map[string]string{}
	buildDir   = filepath.Join(os.TempDir(), "supplyhub-host-test-bin")
)

// built builds a Go plugin package once per test binary and returns the
// binary's path. The binaries stay in a fixed directory between runs, so
// that go build finds them up to date and skips the link.
func built(t testing.TB, pkg string) string {
	t.Helper()
	buildMu.Lock()
	l, ok := buildLocks[pkg]
	if !ok {
		l = new(sync.Mutex)
		buildLocks[pkg] = l
	}
	buildMu.Unlock()
	l.Lock()
	defer l.Unlock()
	buildMu.Lock()
	p, ok := buildCache[pkg]
	buildMu.Unlock()
	if ok {
		return p
	}
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(buildDir, strings.ReplaceAll(strings.Trim(pkg, "./"), "/", "_"))
	cmd := exec.Command(runtime.GOROOT()+"/bin/go", "build", "-o", out, "./"+pkg)
	cmd.Dir = repoRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	buildMu.Lock()
	buildCache[pkg] = out
	buildMu.Unlock()
	return out
}

// install copies a binary into dir as supplyhub-plugin-<name>.
func install(t testing.TB, dir, name, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, host.BinaryPrefix+name)
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// script installs a shell script as a plugin binary.
func script(t testing.TB, dir, name, body string) string {
	t.Helper()
	dst := filepath.Join(dir, host.BinaryPrefix+name)
	if err := os.WriteFile(dst, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// pluginsDir returns a plugins directory holding the example-go plugin
// (and the others named), locked.
func pluginsDir(t testing.TB, plugins map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, pkg := range plugins {
		install(t, dir, name, built(t, pkg))
	}
	if _, err := host.Lock(dir, filepath.Join(dir, host.LockFileName)); err != nil {
		t.Fatal(err)
	}
	return dir
}

const (
	examplePkg = "plugins/example-go"
	benchPkg   = "core/host/internal/benchplugin"
)

// newHost starts a host over dir with fast restarts and closes it with t.
func newHost(t testing.TB, dir string, cfg host.Config, logger *slog.Logger) *host.Host {
	t.Helper()
	cfg.Dir = dir
	if cfg.RestartMin == 0 {
		cfg.RestartMin = 50 * time.Millisecond
	}
	if cfg.RestartMax == 0 {
		cfg.RestartMax = time.Second
	}
	if cfg.Reattach == nil {
		cfg.Reattach = map[string]grpcplugin.Reattach{}
	}
	h, err := host.New(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", timeout, what)
}

func health(h *host.Host, name string) host.Health {
	for _, x := range h.Health() {
		if x.Name == name {
			return x
		}
	}
	return host.Health{}
}

// records is a slog handler that keeps what it is given.
type records struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}
func (r *records) WithAttrs(attrs []slog.Attr) slog.Handler { return &withAttrs{r, attrs} }
func (r *records) WithGroup(string) slog.Handler            { return r }

type withAttrs struct {
	r     *records
	attrs []slog.Attr
}

func (w *withAttrs) Enabled(context.Context, slog.Level) bool { return true }
func (w *withAttrs) Handle(ctx context.Context, rec slog.Record) error {
	rec = rec.Clone()
	rec.AddAttrs(w.attrs...)
	return w.r.Handle(ctx, rec)
}
func (w *withAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &withAttrs{w.r, append(append([]slog.Attr(nil), w.attrs...), attrs...)}
}
func (w *withAttrs) WithGroup(string) slog.Handler { return w }

// find returns the first record with msg and the attribute key=value.
func (r *records) find(msg, key, value string) (slog.Record, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range r.recs {
		if rec.Message != msg {
			continue
		}
		found := false
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == key && a.Value.String() == value {
				found = true
				return false
			}
			return true
		})
		if found {
			return rec, true
		}
	}
	return slog.Record{}, false
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))
