package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/host"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// gatewayBuild builds the supplyhub binary and the Shopify plugin (with its
// lock file) once per test run and returns the binary and plugins dir.
func gatewayBuild(t testing.TB) (bin, pluginsDir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the gateway binary and a plugin; skipped with -short")
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "supplyhub-e2e-")
		if buildErr != nil {
			return
		}
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		plugins := filepath.Join(buildDir, "plugins")
		for _, b := range [][2]string{
			{filepath.Join(buildDir, "supplyhub"), "./cmd/supplyhub"},
			{filepath.Join(plugins, host.BinaryPrefix+"shopify"), "./plugins/shopify"},
		} {
			cmd := exec.Command(gobin, "build", "-o", b[0], b[1])
			cmd.Dir = ".."
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", b[1], err, out)
				return
			}
		}
		_, buildErr = host.Lock(plugins, filepath.Join(plugins, host.LockFileName))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "supplyhub"), filepath.Join(buildDir, "plugins")
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// gateway is a supplyhub serve subprocess.
type gateway struct {
	t      testing.TB
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startGateway runs `supplyhub serve` with env added to a minimal
// environment and waits for /healthz.
func startGateway(t testing.TB, bin, pluginsDir, dataDir, addr string, env ...string) *gateway {
	t.Helper()
	g := &gateway{t: t, addr: addr, stderr: &syncBuffer{}}
	g.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", dataDir)
	g.cmd.Stderr = g.stderr
	g.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"SUPPLYHUB_PLUGINS_DIR=" + pluginsDir, "SUPPLYHUB_LOG_LEVEL=warn", "SUPPLYHUB_INGRESS_POLL=50ms"}, env...)
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.kill)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return g
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gateway on %s did not serve /healthz within 30 s:\n%s", addr, g.stderr)
	return nil
}

// kill sends SIGKILL and waits.
func (g *gateway) kill() {
	if g.cmd.ProcessState == nil {
		g.cmd.Process.Kill() //nolint:errcheck
		g.cmd.Wait()         //nolint:errcheck
	}
}

var tokenRE = regexp.MustCompile(`shk_[a-z0-9]+`)

// bootstrapToken returns the admin token the first start printed.
func (g *gateway) bootstrapToken() string {
	g.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if tok := tokenRE.FindString(g.stderr.String()); tok != "" {
			return tok
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.t.Fatalf("no bootstrap token printed:\n%s", g.stderr)
	return ""
}

// api calls the gateway's API and decodes the JSON answer into out.
func apiCall(t testing.TB, addr, token, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+addr+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	if resp.StatusCode >= 500 {
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return resp.StatusCode
}

// inboxEvent is the part of /v1/webhooks/events items the tests read.
type inboxEvent struct {
	ID         string `json:"id"`
	Connection string `json:"connection"`
	DedupeKey  string `json:"dedupe_key"`
	Status     string `json:"status"`
	Attempts   int    `json:"attempts"`
	LastError  string `json:"last_error"`
}

// allInboxEvents pages through every inbox event of a connection.
func allInboxEvents(t testing.TB, addr, token, connection string) []inboxEvent {
	t.Helper()
	var all []inboxEvent
	path := "/v1/webhooks/events?limit=1000&connection=" + connection
	for {
		var page struct {
			Items      []inboxEvent `json:"items"`
			NextCursor *string      `json:"next_cursor"`
		}
		if code := apiCall(t, addr, token, "GET", path, nil, &page); code != 200 {
			t.Fatalf("list inbox: %d", code)
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		path = "/v1/webhooks/events?limit=1000&connection=" + connection + "&cursor=" + *page.NextCursor
	}
}
