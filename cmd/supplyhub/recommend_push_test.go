package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecommendPushCLI(t *testing.T) {
	var calls []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		io.Copy(io.Discard, r.Body) //nolint:errcheck
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer ops-token" {
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"code":"conflict","message":"no recommendation channels are configured"}`) //nolint:errcheck
			return
		}
		io.WriteString(w, `{"trigger":"api","queued":7,"at":"2026-03-17T02:00:00Z","channels":[{"channel":"shopify-eu","products":40,"queued":7,"unchanged":30,"empty":3},{"channel":"gone","products":0,"queued":0,"unchanged":0,"empty":0,"error":"connection gone not found"}]}`) //nolint:errcheck
	}))
	defer hs.Close()
	out, errOut, err := runCLI(t, "", "recommend", "push", "--server", hs.URL, "--token", "ops-token")
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0] != "POST /v1/recommendations/push Bearer ops-token" {
		t.Fatalf("calls %v", calls)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "CHANNEL") || strings.Join(strings.Fields(lines[1]), " ") != "shopify-eu 40 7 30 3" ||
		!strings.Contains(lines[2], "connection gone not found") || !strings.Contains(errOut, "queued 7 recommendation lists") {
		t.Fatalf("output:\n%s\n%s", out, errOut)
	}
	if out, _, err := runCLI(t, "", "recommend", "push", "--server", hs.URL, "--token", "ops-token", "--json"); err != nil || !strings.Contains(out, `"queued": 7`) {
		t.Fatalf("--json: %q %v", out, err)
	}
	if _, _, err := runCLI(t, "", "recommend", "push", "--server", hs.URL, "--token", "other"); err == nil || !strings.Contains(err.Error(), "no recommendation channels") {
		t.Fatalf("a 409 should fail with the API's message: %v", err)
	}
}
