package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds supplyhub once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "supplyhub")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type gateway struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	addr   string
}

func startGateway(t *testing.T, bin, dataDir, addr string) *gateway {
	t.Helper()
	g := &gateway{addr: addr, stderr: &bytes.Buffer{}}
	g.cmd = exec.Command(bin, "serve", "--addr", addr, "--data-dir", dataDir)
	g.cmd.Stderr = g.stderr
	g.cmd.Env = append(os.Environ(), "SUPPLYHUB_LOG_LEVEL=warn")
	start := time.Now()
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.cmd.Process.Kill(); g.cmd.Wait() }) //nolint:errcheck
	for time.Since(start) < 20*time.Second {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Logf("gateway served /healthz after %v", time.Since(start).Round(time.Millisecond))
				return g
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gateway did not serve /healthz within 20 s\n%s", g.stderr)
	return nil
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var tokenRE = regexp.MustCompile(`shk_[a-z0-9]+`)

// TestServeSurvivesSIGKILL starts the real binary on the embedded default,
// uses it, kills it with SIGKILL, starts it again, and finds its data.
func TestServeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	g := startGateway(t, bin, dir, addr)
	bootstrap := tokenRE.FindString(g.stderr.String())
	if bootstrap == "" {
		t.Fatalf("no bootstrap token printed:\n%s", g.stderr)
	}
	// The CLI creates a token in the same store while the gateway runs.
	out, err := exec.Command(bin, "tokens", "create", "--scope", "read", "--name", "cli", "--data-dir", dir).Output()
	if err != nil {
		t.Fatalf("tokens create: %v", err)
	}
	cliToken := strings.TrimSpace(string(out))
	if code, body := get(t, "http://"+addr+"/v1/orders", cliToken); code != 200 || !strings.Contains(body, `"items":[]`) {
		t.Fatalf("CLI token: %d %s", code, body)
	}
	if code, _ := get(t, "http://"+addr+"/v1/tokens", cliToken); code != 403 {
		t.Fatalf("read token on admin route: %d", code)
	}
	code, body := get(t, "http://"+addr+"/v1/tokens", bootstrap)
	if code != 200 || !strings.Contains(body, `"name":"cli"`) {
		t.Fatalf("list tokens: %d %s", code, body)
	}

	if err := g.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	g.cmd.Wait() //nolint:errcheck
	g2 := startGateway(t, bin, dir, addr)
	if tokenRE.MatchString(g2.stderr.String()) {
		t.Fatalf("a second bootstrap token was issued after restart:\n%s", g2.stderr)
	}
	for _, tok := range []string{bootstrap, cliToken} {
		if code, body := get(t, "http://"+addr+"/v1/orders", tok); code != 200 {
			t.Fatalf("token lost after SIGKILL: %d %s", code, body)
		}
	}
	if code, body := get(t, "http://"+addr+"/readyz", ""); code != 200 {
		t.Fatalf("readyz after restart: %d %s", code, body)
	}
	// Graceful stop on SIGTERM.
	g2.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck
	done := make(chan error, 1)
	go func() { done <- g2.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, g2.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop within 20 s of SIGTERM")
	}
}

func TestTokensCLI(t *testing.T) {
	dir := t.TempDir()
	out, _, err := runCLI(t, "", "tokens", "create", "--scope", "ops,read", "--name", "ci", "--data-dir", dir)
	if err != nil || !tokenRE.MatchString(out) {
		t.Fatalf("create: %q %v", out, err)
	}
	out, _, err = runCLI(t, "", "tokens", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "ci") || !strings.Contains(out, "ops,read") || tokenRE.MatchString(out) {
		t.Fatalf("list: %q %v", out, err)
	}
	id := regexp.MustCompile(`tok_[a-z0-9]+`).FindString(out)
	if _, _, err := runCLI(t, "", "tokens", "revoke", id, "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "", "tokens", "revoke", id, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "tokens list") {
		t.Fatalf("double revoke: %v", err)
	}
	if _, _, err := runCLI(t, "", "tokens", "create", "--scope", "root", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "root") {
		t.Fatalf("bad scope: %v", err)
	}
	if _, _, err := runCLI(t, "", "tokens", "create", "--data-dir", dir); err == nil {
		t.Fatal("create without --scope accepted")
	}
}

func TestConfigPrint(t *testing.T) {
	t.Setenv("SUPPLYHUB_STORE_URL", "postgres://u:hunter2@db/x")
	t.Setenv("SUPPLYHUB_PUBLIC_URL", "https://gateway.example.com")
	out, _, err := runCLI(t, "", "config", "print", "--addr", "0.0.0.0:9999")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "webhooks:\n    public_url: https://gateway.example.com") {
		t.Fatalf("config print does not show webhooks.public_url:\n%s", out)
	}
	if !strings.Contains(out, "addr: 0.0.0.0:9999") || strings.Contains(out, "hunter2") || !strings.Contains(out, "<redacted>") {
		t.Fatalf("config print:\n%s", out)
	}
	if _, _, err := runCLI(t, "", "config", "print", "--config", "/nonexistent.yaml"); err == nil {
		t.Fatal("missing config file accepted")
	}
}

func TestVersion(t *testing.T) {
	out, _, err := runCLI(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "supplyhub ") {
		t.Fatalf("version: %q %v", out, err)
	}
}
