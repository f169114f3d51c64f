package demo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/supplyhub/supplyhub/core/config"
	"github.com/supplyhub/supplyhub/core/host"
)

func TestCheckPlugins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	err := CheckPlugins(dir)
	if err == nil || !strings.Contains(err.Error(), "run make build") || !strings.Contains(err.Error(), "supplyhub-plugin-shopify") {
		t.Fatalf("empty directory: %v", err)
	}
	for _, p := range RequiredPlugins {
		if err := os.WriteFile(filepath.Join(dir, host.BinaryPrefix+p), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := CheckPlugins(dir); err == nil || !strings.Contains(err.Error(), host.LockFileName) {
		t.Fatalf("no lock file: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, host.LockFileName), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckPlugins(dir); err != nil {
		t.Fatal(err)
	}
}

func TestRunRefusesWithoutPlugins(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Plugins.Dir = filepath.Join(t.TempDir(), "none")
	err := Run(context.Background(), Config{Gateway: cfg})
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("Run without plugins: %v", err)
	}
	if entries, _ := os.ReadDir(cfg.DataDir); len(entries) != 0 {
		t.Fatal("Run wrote to the data directory before checking its plugins")
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"defaults", Config{}, ""},
		{"too few SKUs", Config{SKUs: 5}, "--skus"},
		{"too many SKUs", Config{SKUs: 50000}, "--skus"},
		{"too short", Config{Days: 7}, "--days"},
		{"too fast", Config{Rate: 1000}, "--rate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.setDefaults()
			err := c.Validate()
			if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// apiStub is a gateway stand-in for the demo's API client.
type apiStub struct {
	mu    sync.Mutex
	calls []string
	polls int
}

func (a *apiStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer tok" {
		w.WriteHeader(401)
		return
	}
	switch {
	case r.Method == "POST" && r.URL.Path == "/v1/connections":
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		if req["id"] == "old" {
			w.WriteHeader(409)
			w.Write([]byte(`{"error":{"code":"conflict","message":"connection old exists"}}`))
			return
		}
		w.WriteHeader(201)
	case r.Method == "PATCH":
		w.Write([]byte(`{}`))
	case r.URL.Path == "/v1/syncs/1":
		a.polls++
		state := "running"
		if a.polls > 2 {
			state = "succeeded"
		}
		json.NewEncoder(w).Encode(map[string]any{"id": "1", "connection": "shop", "state": state,
			"progress": map[string]any{"orders": map[string]any{"records_read": 10 * a.polls, "records_written": 10 * a.polls}}})
	case r.URL.Path == "/v1/syncs/2":
		w.Write([]byte(`{"id":"2","connection":"broken","state":"failed","error":"upstream said no"}`))
	default:
		w.WriteHeader(404)
	}
}

func TestClientHelpers(t *testing.T) {
	t.Parallel()
	stub := &apiStub{}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	ctx := context.Background()
	c := newClient(srv.URL+"/", "tok")
	if err := ensureConnection(ctx, c, "new", "shopify", "New", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if err := ensureConnection(ctx, c, "old", "shopify", "Old", map[string]any{"base_url": "http://x"}); err != nil {
		t.Fatal(err)
	}
	var said []string
	say := func(f string, a ...any) { said = append(said, f) }
	if err := waitSyncs(ctx, c, []syncJob{{ID: "1"}}, say); err != nil {
		t.Fatal(err)
	}
	err := waitSyncs(ctx, c, []syncJob{{ID: "2"}}, say)
	if err == nil || !strings.Contains(err.Error(), "upstream said no") || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("a failed first sync: %v", err)
	}
	stub.mu.Lock()
	calls := strings.Join(stub.calls, ", ")
	stub.mu.Unlock()
	if !strings.HasPrefix(calls, "POST /v1/connections, POST /v1/connections, PATCH /v1/connections/old, GET /v1/syncs/1") {
		t.Fatalf("calls: %s", calls)
	}
	bad := newClient(srv.URL, "nope")
	var ae *apiError
	if err := bad.do(ctx, "GET", "/v1/syncs/1", nil, nil); !errors.As(err, &ae) || ae.Status != 401 {
		t.Fatalf("a refused token: %v", err)
	}
}
