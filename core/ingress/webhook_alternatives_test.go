package ingress

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
)

// trackingConn is a connector receiving tracking webhooks from two senders,
// shaped like connectors/carrier's manifest (which core may not import):
// EasyPost's X-Hmac-Signature, or Shippo's token in the URL's ?token=.
type trackingConn struct{}

var trackingSpec = sdk.WebhookSpec{
	Scheme: sdk.SchemeHMACSHA256, SignatureHeader: "X-Hmac-Signature", Encoding: "hex", Prefix: "hmac-sha256-hex=",
	SecretField: "webhook_secret", SecretNormalization: "NFKD", Name: "EasyPost",
	Alternatives: []sdk.WebhookSpec{{Scheme: sdk.SchemeToken, QueryParam: "token", SecretField: "shippo_webhook_token", Name: "Shippo"}},
}

func (trackingConn) Describe(context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name: "tracking", Version: "1.0.0", Description: "EasyPost and Shippo tracking webhooks",
		ConfigSchema: json.RawMessage(`{"type":"object","additionalProperties":false,
			"properties":{"webhook_secret":{"type":"string"},"shippo_webhook_token":{"type":"string"}}}`),
		SecretFields: []string{"webhook_secret", "shippo_webhook_token"},
		Webhook:      &trackingSpec,
	}, nil
}

func (trackingConn) Check(context.Context, sdk.CheckRequest) (*sdk.CheckResponse, error) {
	return &sdk.CheckResponse{Message: "ok"}, nil
}

// ParseWebhook reads the topic of an EasyPost Event or a Shippo payload;
// records are connectors/carrier's business, not the host's.
func (trackingConn) ParseWebhook(_ context.Context, req sdk.WebhookRequest) (*sdk.WebhookResponse, error) {
	var b struct{ Event, Description string }
	if err := json.Unmarshal(req.Body, &b); err != nil {
		return nil, sdk.InvalidInput("tracking: %v", err)
	}
	return &sdk.WebhookResponse{Topic: b.Event + b.Description}, nil
}

// syncBuffer is a log sink written by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// shippoBody is the shared Shippo track_updated fixture, or a minimal one
// of the same shape when the shared fixtures are not beside the repository.
func shippoBody(t *testing.T) []byte {
	b, err := os.ReadFile("../../../shared/fixtures/carriers/shippo-webhook-track-updated.json")
	if err != nil {
		t.Logf("shared Shippo fixture not found (%v); using a minimal track_updated body", err)
		return []byte(`{"event":"track_updated","test":true,"data":{"carrier":"usps","tracking_number":"92701901755477000000000011",` +
			`"tracking_status":{"object_id":"6c3e8c6a0b784b2cc4f5d3a2e1b0a9f8","status":"DELIVERED","status_date":"2026-03-16T11:03:00Z"}}}`)
	}
	return b
}

// TestWebhookAlternativesThroughHTTP posts EasyPost and Shippo deliveries
// to the real webhook handler of a connection that accepts both, and
// checks what is stored, answered and logged.
func TestWebhookAlternativesThroughHTTP(t *testing.T) {
	const (
		hmacSecret  = "whsec-ep-7c1"
		shippoToken = "shp-tok-9Qz+/x" // '+' and '/' change under percent-encoding
	)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	box, _ := secrets.New(make([]byte, 32))
	in := New(testConfig(), st, Static{"tracking": trackingConn{}}, box, logger, nil)
	apiSrv := api.New(api.Config{BodyLimit: 64 << 10}, st, logger)
	in.Register(apiSrv)
	srv := httptest.NewServer(apiSrv.Handler())
	t.Cleanup(srv.Close)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); in.Run(runCtx) }() //nolint:errcheck
	t.Cleanup(func() { cancel(); <-done })
	admin, _, _ := api.IssueToken(ctx, st, "admin", []string{"admin"})

	call := func(method, path, body string, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
			}
		}
		return resp.StatusCode
	}
	mk := func(id string, cfg map[string]string) {
		b, _ := json.Marshal(map[string]any{"id": id, "connector": "tracking", "name": id, "config": cfg})
		if code := call("POST", "/v1/connections", string(b), nil); code != 201 {
			t.Fatalf("create %s: %d", id, code)
		}
	}
	mk("both", map[string]string{"webhook_secret": hmacSecret, "shippo_webhook_token": shippoToken})
	mk("easypost-only", map[string]string{"webhook_secret": hmacSecret})

	type delivery struct {
		query  string // raw query of the webhook URL
		header map[string]string
		body   []byte
	}
	post := func(conn string, d delivery) (int, string) {
		t.Helper()
		u := srv.URL + "/webhooks/" + conn
		if d.query != "" {
			u += "?" + d.query
		}
		req, _ := http.NewRequest("POST", u, bytes.NewReader(d.body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range d.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	easypostSig := func(body []byte) string {
		m := hmac.New(sha256.New, []byte(hmacSecret))
		m.Write(body)
		return "hmac-sha256-hex=" + hex.EncodeToString(m.Sum(nil))
	}
	shippo := shippoBody(t)
	easypost := []byte(`{"object":"Event","id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","status":"delivered"}}`)
	tokenQ := "token=" + url.QueryEscape(shippoToken)
	count := func(conn string) int64 {
		c, err := st.InboxCounts(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, v := range c {
			n += v
		}
		return n
	}

	// Rejections first: nothing of them may reach the inbox.
	rejected := []struct {
		name string
		conn string
		d    delivery
		want string
	}{
		{"shippo without a token", "both", delivery{body: shippo}, "missing signature: expected X-Hmac-Signature (EasyPost) or ?token= (Shippo)"},
		{"shippo with a wrong token", "both", delivery{query: "token=shp-tok-9Qz%2B%2Fy", body: shippo}, "token in ?token= does not match"},
		{"shippo with the token twice", "both", delivery{query: tokenQ + "&" + tokenQ, body: shippo}, "given 2 times"},
		{"shippo token in a header", "both", delivery{header: map[string]string{"Token": shippoToken}, body: shippo}, "missing signature"},
		{"shippo token unencoded ('+' reads as a space)", "both", delivery{query: "token=" + shippoToken, body: shippo}, "does not match"},
		{"easypost signed with another secret", "both", delivery{header: map[string]string{"X-Hmac-Signature": "hmac-sha256-hex=" + strings.Repeat("ab", 32)}, body: easypost}, "does not match the body"},
		{"shippo to a connection without a shippo token", "easypost-only", delivery{query: tokenQ, body: shippo}, "no shippo_webhook_token configured"},
	}
	for _, r := range rejected {
		before := count(r.conn)
		code, body := post(r.conn, r.d)
		if code != http.StatusUnauthorized || !strings.Contains(body, r.want) {
			t.Errorf("%s: %d %s, want 401 with %q", r.name, code, body, r.want)
		}
		if strings.Contains(body, "shp-tok") {
			t.Errorf("%s: the answer echoes the token: %s", r.name, body)
		}
		if after := count(r.conn); after != before {
			t.Errorf("%s: the inbox of %s went from %d to %d events", r.name, r.conn, before, after)
		}
	}

	// A Shippo delivery with the right token, through a proxy that copies
	// the original URL into a header.
	code, ackBody := post("both", delivery{query: "test=1&" + tokenQ, body: shippo,
		header: map[string]string{"X-Original-URI": "/webhooks/both?" + tokenQ, "X-Forwarded-Query": "token=" + shippoToken, "User-Agent": "Shippo-Webhook/1"}})
	var ack map[string]string
	json.Unmarshal([]byte(ackBody), &ack) //nolint:errcheck
	if code != http.StatusOK || ack["status"] != "accepted" {
		t.Fatalf("shippo delivery with the token: %d %s", code, ackBody)
	}
	// EasyPost still verified on the same connection, and on the other.
	for _, conn := range []string{"both", "easypost-only"} {
		if code, body := post(conn, delivery{header: map[string]string{"X-Hmac-Signature": easypostSig(easypost)}, body: easypost}); code != http.StatusOK {
			t.Fatalf("easypost delivery to %s: %d %s", conn, code, body)
		}
	}
	if n := count("both"); n != 2 {
		t.Fatalf("connection both holds %d events, want the Shippo and the EasyPost delivery", n)
	}

	var ev struct {
		Body    string              `json:"body"`
		Topic   string              `json:"topic"`
		Status  string              `json:"status"`
		Headers map[string][]string `json:"headers"`
	}
	eventually(t, 5*time.Second, "the Shippo event processed", func() bool {
		call("GET", "/v1/webhooks/events/"+ack["id"], "", &ev)
		return ev.Status == "processed"
	})
	if ev.Body != string(shippo) {
		t.Fatalf("stored body differs from the delivery")
	}
	if got := ev.Headers["User-Agent"]; len(got) != 1 || got[0] != "Shippo-Webhook/1" {
		t.Fatalf("ordinary headers must be kept: %v", ev.Headers)
	}
	for _, k := range []string{"X-Original-Uri", "X-Forwarded-Query"} {
		if got := ev.Headers[k]; len(got) != 1 || got[0] != "<redacted>" {
			t.Fatalf("header %s carrying the token is stored as %v", k, got)
		}
	}
	raw := map[string]string{}
	for _, path := range []string{"/v1/webhooks/events/" + ack["id"], "/v1/webhooks/events?connection=both", "/v1/connections/both"} {
		var out json.RawMessage
		call("GET", path, "", &out)
		raw[path] = string(out)
	}
	row, err := st.GetInbox(ctx, mustAtoi(t, ack["id"]))
	if err != nil {
		t.Fatal(err)
	}
	raw["store row"] = fmt.Sprint(row.Headers, row.DedupeKey, row.Topic)
	raw["logs"] = logs.String()
	for where, s := range raw {
		for _, form := range []string{shippoToken, url.QueryEscape(shippoToken), hmacSecret} {
			if strings.Contains(s, form) {
				t.Errorf("%s contains the secret %q:\n%s", where, form, s)
			}
		}
	}
	if !strings.Contains(raw["logs"], `"path":"/webhooks/both"`) {
		t.Errorf("the access log does not show the webhook requests (is it at debug level?):\n%s", raw["logs"])
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}
