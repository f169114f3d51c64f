package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an output buffer a command writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// runUntil runs a command in-process until it prints match (then cancels
// it) or ends by itself.
func runUntil(t *testing.T, match *regexp.Regexp, args ...string) (out string, found []string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root := newRootCmd()
	var buf lockedBuffer
	root.SetOut(&buf)
	root.SetErr(&buf)
	root.SetArgs(args)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	for {
		select {
		case err := <-done:
			return buf.String(), match.FindStringSubmatch(buf.String()), err
		case <-time.After(20 * time.Millisecond):
			if m := match.FindStringSubmatch(buf.String()); m != nil {
				found = m
				cancel()
				err := <-done
				return buf.String(), found, err
			}
		}
	}
}

func TestDemoNeedsPlugins(t *testing.T) {
	t.Setenv("SUPPLYHUB_CONFIG", "")
	t.Setenv("SUPPLYHUB_PLUGINS_DIR", "")
	out, _, err := runUntil(t, regexp.MustCompile(`never`), "demo", "--data-dir", t.TempDir(), "--plugins-dir", filepath.Join(t.TempDir(), "empty"), "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("demo without plugins: %v\n%s", err, out)
	}
}

func TestDemoFlagsAreValidated(t *testing.T) {
	t.Setenv("SUPPLYHUB_CONFIG", "")
	_, _, err := runUntil(t, regexp.MustCompile(`never`), "demo", "--data-dir", t.TempDir(), "--skus", "3")
	if err == nil || !strings.Contains(err.Error(), "--skus 3") {
		t.Fatalf("demo --skus 3: %v", err)
	}
}

func TestFakeServesUntilCancelled(t *testing.T) {
	tests := []struct {
		kind  string
		probe string // path under the printed URL
	}{
		{"fx", "/stats/eurofxref/eurofxref-daily.xml"},
		{"shopify", "/admin/api/2026-01/orders.json"},
		{"amazon", "/auth/o2/token"},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			url := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)\n[\s\S]*serving until Ctrl-C`)
			out, m, err := runUntil(t, url, "fake", tc.kind, "--addr", "127.0.0.1:0", "--orders", "20")
			if err != nil || m == nil {
				t.Fatalf("fake %s: %v\n%s", tc.kind, err, out)
			}
			var cfg map[string]any
			line := regexp.MustCompile(`(?m)^  (\{.*\})$`).FindStringSubmatch(out)
			if line == nil || json.Unmarshal([]byte(line[1]), &cfg) != nil {
				t.Fatalf("no connection configuration printed:\n%s", out)
			}
			// Cancelled: the port is closed again.
			if resp, err := http.Get(m[1] + tc.probe); err == nil {
				resp.Body.Close()
				t.Fatalf("the fake still answers after the command ended")
			}
		})
	}
}

func TestFakeRefusals(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"fake"}, 2, "fake takes one upstream"},
		{[]string{"fake", "customs"}, 2, "works offline"},
		{[]string{"fake", "dhl"}, 1, "unknown fake"},
		{[]string{"fake", "shopify", "--orders", "-3"}, 2, "must not be negative"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runUntil(t, regexp.MustCompile(`never`), tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || exitCode(err) != tc.code {
				var ee *exitError
				t.Fatalf("error %v (exit %d, exitError %v), want exit %d saying %q", err, exitCode(err), errors.As(err, &ee), tc.code, tc.want)
			}
		})
	}
}
