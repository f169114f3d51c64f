package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/config"
)

// TestBootsTheWholeGateway starts the gateway in-process on the embedded
// default with an empty plugins directory and checks that every part
// answers, then shuts it down.
func TestBootsTheWholeGateway(t *testing.T) {
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Plugins.Dir = t.TempDir()
	cfg.Log.Level = "warn"
	var stderr strings.Builder
	a, err := New(context.Background(), cfg, Options{Version: "test", Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, func(addr string) { ready <- addr }) }()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not ready within 10 s")
	}
	token := strings.TrimSpace(regexpFind(stderr.String()))
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	if code, body := get("/readyz"); code != 200 || !strings.Contains(body, `"plugins":"ok"`) || !strings.Contains(body, `"bus":"ok"`) {
		t.Fatalf("readyz: %d %s", code, body)
	}
	if code, body := get("/v1/plugins"); code != 200 || body != `{"items":[]}` {
		t.Fatalf("plugins: %d %s", code, body)
	}
	if code, body := get("/v1/connections"); code != 200 || body != `{"items":[]}` {
		t.Fatalf("connections: %d %s", code, body)
	}
	_, doc := get("/openapi.json")
	var oa struct{ Paths map[string]any }
	json.Unmarshal([]byte(doc), &oa) //nolint:errcheck
	for _, p := range []string{"/webhooks/{connection}", "/v1/syncs/{id}/events", "/v1/plugins", "/v1/orders",
		"/v1/forecasts", "/v1/replenishment.csv", "/v1/route/order", "/v1/route/decisions", "/v1/recommendations"} {
		if _, ok := oa.Paths[p]; !ok {
			t.Errorf("openapi lacks %s", p)
		}
	}
	// Every route of every part is documented, and every reference resolves.
	var full struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct{ Schemas map[string]json.RawMessage }
	}
	json.Unmarshal([]byte(doc), &full) //nolint:errcheck
	for _, r := range a.API.Engine().Routes() {
		if _, ok := full.Paths[api.OpenAPIPath(r.Path)][strings.ToLower(r.Method)]; !ok && !strings.HasPrefix(r.Path, "/dashboard") {
			t.Errorf("%s %s is served but not documented", r.Method, r.Path)
		}
	}
	for _, m := range regexp.MustCompile(`#/components/schemas/([A-Za-z0-9_]+)`).FindAllStringSubmatch(doc, -1) {
		if _, ok := full.Components.Schemas[m[1]]; !ok {
			t.Errorf("dangling $ref %s", m[1])
		}
	}
	if code, body := get("/dashboard/"); code != 200 || !strings.Contains(body, "<html") {
		t.Fatalf("dashboard: %d", code)
	}
	if code, _ := get("/metrics"); code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not shut down")
	}
}

func regexpFind(s string) string {
	i := strings.Index(s, api.TokenPrefix)
	if i < 0 {
		return ""
	}
	end := strings.IndexAny(s[i:], " \n")
	return s[i : i+end]
}
