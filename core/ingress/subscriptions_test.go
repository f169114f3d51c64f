package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/sdk"
)

// subsConn is the fake connector plus the Subscriptions capability over an
// in-memory upstream that holds one URL per topic.
type subsConn struct {
	*fakeConn
	mu    sync.Mutex
	subs  map[string]string // topic -> URL
	calls []sdk.EnsureWebhooksRequest
	fail  error // fails the whole call when set
}

func (s *subsConn) EnsureWebhooks(_ context.Context, req sdk.EnsureWebhooksRequest) (*sdk.EnsureWebhooksResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, req)
	if s.fail != nil {
		return nil, s.fail
	}
	res := &sdk.EnsureWebhooksResponse{}
	for _, t := range []string{"orders/create", "orders/updated"} {
		r := sdk.WebhookSubscriptionResult{Topic: t, SubscriptionID: "sub-" + t}
		switch s.subs[t] {
		case req.CallbackURL:
			r.Action = sdk.SubscriptionUnchanged
		case "":
			r.Action = sdk.SubscriptionCreated
		default:
			r.Action = sdk.SubscriptionUpdated
		}
		s.subs[t] = req.CallbackURL
		res.Results = append(res.Results, r)
	}
	res.Results = append(res.Results, sdk.WebhookSubscriptionResult{Topic: "shop/redact", Action: sdk.SubscriptionSkipped,
		Error: &sdk.Error{Kind: sdk.KindNotImplemented, Message: "compliance topic", Detail: "set it in the app configuration"}})
	return res, nil
}

func (s *subsConn) lastCall() sdk.EnsureWebhooksRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) == 0 {
		return sdk.EnsureWebhooksRequest{}
	}
	return s.calls[len(s.calls)-1]
}

type connWithSubs struct {
	PublicWebhookURL     string              `json:"public_webhook_url"`
	WebhookSubscriptions *SubscriptionReport `json:"webhook_subscriptions"`
}

type apiError struct {
	Error struct{ Code, Message string }
}

func TestSubscribeNeedsAPublicURL(t *testing.T) {
	sc := &subsConn{fakeConn: newFakeConn(), subs: map[string]string{}}
	h := newHarness(t, nil, testConfig(), Static{"subs": sc})
	if code := h.call("POST", "/v1/connections", `{"id":"shop","connector":"subs","name":"Shop","config":{"token":"good","webhook_secret":"s3cret"}}`, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	var e apiError
	if code := h.call("POST", "/v1/connections/shop/webhooks/subscribe", "", &e); code != http.StatusConflict ||
		e.Error.Code != "no_public_url" || !strings.Contains(e.Error.Message, "SUPPLYHUB_PUBLIC_URL") {
		t.Fatalf("subscribe without a public URL: %d %+v", code, e)
	}
	var v connWithSubs
	h.call("GET", "/v1/connections/shop", "", &v)
	if len(sc.calls) != 0 || v.WebhookSubscriptions != nil || v.PublicWebhookURL != "" {
		t.Fatalf("without a public URL nothing is subscribed: calls %d, view %+v", len(sc.calls), v)
	}
}

func TestSubscribeRecordsAndShowsResults(t *testing.T) {
	sc := &subsConn{fakeConn: newFakeConn(), subs: map[string]string{}}
	cfg := testConfig()
	cfg.PublicURL = "https://gw.example.com/base/"
	h := newHarness(t, nil, cfg, Static{"subs": sc})
	const callback = "https://gw.example.com/base/webhooks/shop"

	// Creating the connection subscribes it, and the create answer shows it.
	var created struct{ Connection connWithSubs }
	if code := h.call("POST", "/v1/connections", `{"id":"shop","connector":"subs","name":"Shop","config":{"token":"good","webhook_secret":"s3cret"}}`, &created); code != 201 {
		t.Fatalf("create: %d", code)
	}
	rep := created.Connection.WebhookSubscriptions
	if rep == nil || rep.Trigger != TriggerCreated || rep.CallbackURL != callback || rep.Counts[sdk.SubscriptionCreated] != 2 ||
		rep.Counts[sdk.SubscriptionSkipped] != 1 || created.Connection.PublicWebhookURL != callback {
		t.Fatalf("after create: %+v", created.Connection)
	}
	if call := sc.lastCall(); call.Connection != "shop" || call.CallbackURL != callback || !strings.Contains(string(call.Config), `"token":"good"`) {
		t.Fatalf("the plugin got %+v (config must carry decrypted secrets)", call)
	}

	// Asking again changes nothing and says so; GET shows the last report.
	var got SubscriptionReport
	if code := h.call("POST", "/v1/connections/shop/webhooks/subscribe", "", &got); code != 200 {
		t.Fatalf("subscribe: %d %+v", code, got)
	}
	if got.Trigger != TriggerManual || got.Counts[sdk.SubscriptionUnchanged] != 2 || len(got.Results) != 3 || got.Results[2].Error == nil ||
		got.Results[2].Error.Detail != "set it in the app configuration" {
		t.Fatalf("second subscribe: %+v", got)
	}
	var v connWithSubs
	h.call("GET", "/v1/connections/shop", "", &v)
	if v.WebhookSubscriptions == nil || v.WebhookSubscriptions.Trigger != TriggerManual || !v.WebhookSubscriptions.At.Equal(got.At) {
		t.Fatalf("GET shows %+v, want the manual report %+v", v.WebhookSubscriptions, got)
	}

	// A configuration change subscribes again; a rename does not.
	before := len(sc.calls)
	if code := h.call("PATCH", "/v1/connections/shop", `{"name":"Shop EU"}`, nil); code != 200 || len(sc.calls) != before {
		t.Fatalf("rename: %d, %d calls (want %d)", code, len(sc.calls), before)
	}
	if code := h.call("PATCH", "/v1/connections/shop", `{"config":{"region":"eu"}}`, &v); code != 200 ||
		v.WebhookSubscriptions == nil || v.WebhookSubscriptions.Trigger != TriggerConfigChanged {
		t.Fatalf("config change: %d %+v", code, v.WebhookSubscriptions)
	}

	// An upstream failure answers 502 and is recorded; credentials 422.
	sc.mu.Lock()
	sc.fail = sdk.Retryable(errors.New("connection reset"), "shopify: list webhook subscriptions")
	sc.mu.Unlock()
	var e apiError
	if code := h.call("POST", "/v1/connections/shop/webhooks/subscribe", "", &e); code != http.StatusBadGateway || !strings.Contains(e.Error.Message, "connection reset") {
		t.Fatalf("failing upstream: %d %+v", code, e)
	}
	h.call("GET", "/v1/connections/shop", "", &v)
	if v.WebhookSubscriptions == nil || !strings.Contains(v.WebhookSubscriptions.Error, "connection reset") || len(v.WebhookSubscriptions.Results) != 0 {
		t.Fatalf("the failure is not recorded: %+v", v.WebhookSubscriptions)
	}
	sc.mu.Lock()
	sc.fail = sdk.Authentication("shopify: 401").WithDetail("reinstall the app")
	sc.mu.Unlock()
	if code := h.call("POST", "/v1/connections/shop/webhooks/subscribe", "", &e); code != http.StatusUnprocessableEntity || e.Error.Code != "check_failed" {
		t.Fatalf("bad credentials: %d %+v", code, e)
	}

	// An unknown connection, a read-only token.
	if code := h.call("POST", "/v1/connections/nope/webhooks/subscribe", "", &e); code != http.StatusNotFound {
		t.Fatalf("unknown connection: %d", code)
	}
	read, _, _ := api.IssueToken(context.Background(), h.st, "reader", []string{"read"})
	req, _ := http.NewRequest("POST", h.srv.URL+"/v1/connections/shop/webhooks/subscribe", nil)
	req.Header.Set("Authorization", "Bearer "+read)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("read token: %d, want 403", resp.StatusCode)
	}
}

func TestSubscribeWithoutTheCapability(t *testing.T) {
	cfg := testConfig()
	cfg.PublicURL = "https://gw.example.com"
	h := newHarness(t, nil, cfg)
	h.createConn() // connector "fake" has no subscriptions: creation still works
	var e apiError
	if code := h.call("POST", "/v1/connections/shop/webhooks/subscribe", "", &e); code != http.StatusUnprocessableEntity ||
		e.Error.Code != "not_supported" || !strings.Contains(e.Error.Message, "https://gw.example.com/webhooks/shop") {
		t.Fatalf("connector without the capability: %d %+v", code, e)
	}
	sc, err := h.st.GetConnection(context.Background(), "shop")
	if err != nil || sc.WebhookSubscriptions != nil {
		t.Fatalf("a report was stored for a connector that cannot subscribe: %s %v", sc.WebhookSubscriptions, err)
	}
	var v map[string]json.RawMessage
	h.call("GET", "/v1/connections/shop", "", &v)
	if string(v["public_webhook_url"]) != `"https://gw.example.com/webhooks/shop"` {
		t.Fatalf("public_webhook_url = %s", v["public_webhook_url"])
	}
}

// A gateway that starts with a public URL registers the subscriptions of
// connections created before it had one, or whose URL changed, once; the
// next start finds them registered and calls nobody.
func TestSubscribeAtStartup(t *testing.T) {
	sc := &subsConn{fakeConn: newFakeConn(), subs: map[string]string{}}
	h := newHarness(t, nil, testConfig(), Static{"subs": sc})
	for _, body := range []string{
		`{"id":"shop","connector":"subs","name":"Shop","config":{"token":"good","webhook_secret":"s3cret"}}`,
		`{"id":"paused","connector":"subs","name":"Paused","config":{"token":"good","webhook_secret":"s3cret"}}`,
	} {
		if code := h.call("POST", "/v1/connections", body, nil); code != 201 {
			t.Fatalf("create: %d", code)
		}
	}
	if code := h.call("PATCH", "/v1/connections/paused", `{"status":"paused"}`, nil); code != 200 {
		t.Fatalf("pause: %d", code)
	}
	h.stop()
	box, _ := secrets.New(make([]byte, 32))
	start := func(publicURL string) {
		t.Helper()
		cfg := testConfig()
		cfg.PublicURL = publicURL
		New(cfg, h.st, Static{"fake": newFakeConn(), "subs": sc}, box, nil, nil).subscribeAtStartup(context.Background())
	}
	start("https://gw.example.com")
	if len(sc.calls) != 1 || sc.lastCall().Connection != "shop" || sc.lastCall().CallbackURL != "https://gw.example.com/webhooks/shop" {
		t.Fatalf("first start with a public URL: %d calls, last %+v; want one for the active connection", len(sc.calls), sc.lastCall())
	}
	stored, err := h.st.GetConnection(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if rep := subscriptionReport(stored); rep == nil || rep.Trigger != TriggerStartup || rep.Counts[sdk.SubscriptionCreated] != 2 {
		t.Fatalf("stored report %+v", rep)
	}
	start("https://gw.example.com")
	if len(sc.calls) != 1 {
		t.Fatalf("a start with the same URL called the plugin again (%d calls)", len(sc.calls))
	}
	start("https://hooks.example.org")
	if len(sc.calls) != 2 || sc.lastCall().CallbackURL != "https://hooks.example.org/webhooks/shop" {
		t.Fatalf("after the URL changed: %d calls, last %+v", len(sc.calls), sc.lastCall())
	}
}
