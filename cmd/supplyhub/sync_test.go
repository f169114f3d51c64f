package main

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/connectors/shopify"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/ingress"
	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/plugins/example-go/example"
	"github.com/supplyhub/supplyhub/plugins/example-go/example/exampletest"
)

// gatewayForCLI serves the API and runs the ingress in-process with the
// example connector over its fake upstream, for the CLI commands to call.
func gatewayForCLI(t *testing.T) (url, token string, upstream *exampletest.Server) {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, _ := secrets.New(make([]byte, 32))
	in := ingress.New(ingress.Config{Schedule: -1}, st, ingress.Static{"example": example.New()}, box, nil, nil)
	srv := api.New(api.Config{}, st, nil)
	in.Register(srv)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); in.Run(ctx) }() //nolint:errcheck
	t.Cleanup(func() { cancel(); <-done })
	token, _, err = api.IssueToken(ctx, st, "cli", []string{"admin"})
	if err != nil {
		t.Fatal(err)
	}
	return hs.URL, token, exampletest.New(t, exampletest.Config{Orders: 120})
}

func TestConnectionsAndSyncCLI(t *testing.T) {
	url, token, up := gatewayForCLI(t)
	flags := []string{"--server", url, "--token", token}
	run := func(args ...string) (string, string, error) {
		return runCLI(t, "", append(args, flags...)...)
	}
	cfg := `{"base_url":"` + up.URL + `","api_key":"` + exampletest.DefaultAPIKey + `","webhook_secret":"` + exampletest.DefaultWebhookSecret + `"}`
	out, _, err := run("connections", "create", "--connector", "example", "--name", "Demo shop", "--config", cfg)
	if err != nil || !strings.Contains(out, "created connection demo-shop") || !strings.Contains(out, "/webhooks/demo-shop") {
		t.Fatalf("create: %q %v", out, err)
	}
	if _, _, err := run("connections", "create", "--connector", "example", "--name", "Bad", "--config", `{"base_url":"x"}`); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("bad config: %v", err)
	}
	out, _, err = run("connections", "list")
	if err != nil || !strings.Contains(out, "demo-shop") || !strings.Contains(out, "example") {
		t.Fatalf("list: %q %v", out, err)
	}
	out, _, err = run("connections", "get", "demo-shop")
	if err != nil || !strings.Contains(out, `"api_key": "<redacted>"`) {
		t.Fatalf("get must redact secrets: %q %v", out, err)
	}
	out, _, err = run("connections", "connectors")
	if err != nil || !strings.Contains(out, "example") || !strings.Contains(out, "source") {
		t.Fatalf("connectors: %q %v", out, err)
	}
	_, progress, err := run("sync", "start", "demo-shop", "--mode", "full", "--watch")
	if err != nil {
		t.Fatalf("sync start --watch: %v\n%s", err, progress)
	}
	if !strings.Contains(progress, "succeeded") || !strings.Contains(progress, "done") || !strings.Contains(progress, "120 read") {
		t.Fatalf("progress display:\n%s", progress)
	}
	out, _, err = run("sync", "list", "--connection", "demo-shop")
	id := regexp.MustCompile(`^(\d+)\s`).FindStringSubmatch(out)
	if err != nil || id == nil || !strings.Contains(out, "succeeded") {
		t.Fatalf("sync list: %q %v", out, err)
	}
	out, _, err = run("sync", "status", id[1])
	if err != nil || !strings.Contains(out, "job "+id[1]+" succeeded") {
		t.Fatalf("status: %q %v", out, err)
	}
	if _, _, err := run("sync", "cancel", id[1]); err == nil || !strings.Contains(err.Error(), "already ended") {
		t.Fatalf("cancel an ended job: %v", err)
	}
	out, _, err = run("sync", "start", "demo-shop")
	if err != nil || !regexp.MustCompile(`^\d+\n$`).MatchString(out) {
		t.Fatalf("sync start prints the job id: %q %v", out, err)
	}
	if _, _, err := run("sync", "start", "nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown connection: %v", err)
	}
	if _, _, err := run("webhooks", "list", "--status", "dead"); err != nil {
		t.Fatalf("webhooks list: %v", err)
	}
	if _, _, err := runCLI(t, "", "sync", "list", "--server", url); err == nil || !strings.Contains(err.Error(), "SUPPLYHUB_TOKEN") {
		t.Fatalf("missing token: %v", err)
	}
	if _, _, err := run("connections", "delete", "demo-shop"); err != nil {
		t.Fatal(err)
	}
}

// connections subscribe registers the webhooks of a Shopify connection in
// the fake shop, prints a line per topic, and --json gives the report.
func TestConnectionsSubscribeCLI(t *testing.T) {
	shop, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_cli", ClientSecret: "hush"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(shop.Close)
	st, err := store.Open(context.Background(), store.Config{}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, _ := secrets.New(make([]byte, 32))
	in := ingress.New(ingress.Config{Schedule: -1, PublicURL: "https://gw.example.com"}, st, ingress.Static{"shopify": shopify.New()}, box, nil, nil)
	srv := api.New(api.Config{}, st, nil)
	in.Register(srv)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	token, _, err := api.IssueToken(context.Background(), st, "cli", []string{"ops"})
	if err != nil {
		t.Fatal(err)
	}
	sc := &store.Connection{ID: "shop-eu", Connector: "shopify", Name: "EU", Status: ingress.StatusActive}
	sc.Config, _ = box.SealFields([]byte(`{"shop_domain":"supplyhub-demo.myshopify.com","access_token":"shpat_cli","client_secret":"hush","base_url":"`+shop.URL+`"}`),
		[]string{"access_token", "client_secret"})
	if err := st.CreateConnection(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--server", hs.URL, "--token", token}
	out, _, err := runCLI(t, "", append([]string{"connections", "subscribe", "shop-eu"}, flags...)...)
	if err != nil {
		t.Fatalf("subscribe: %v\n%s", err, out)
	}
	if !strings.Contains(out, "https://gw.example.com/webhooks/shop-eu") || !regexp.MustCompile(`orders/create\s+created\s+gid://shopify/WebhookSubscription/`).MatchString(out) ||
		!regexp.MustCompile(`shop/redact\s+skipped\s+-\s+.*compliance`).MatchString(out) || !strings.Contains(out, "14 created, 3 skipped") {
		t.Fatalf("subscribe output:\n%s", out)
	}
	out, _, err = runCLI(t, "", append([]string{"connections", "subscribe", "shop-eu", "--json"}, flags...)...)
	if err != nil || !strings.Contains(out, `"unchanged": 14`) || !strings.Contains(out, `"trigger": "manual"`) {
		t.Fatalf("subscribe --json: %v\n%s", err, out)
	}
	if n := len(shop.WebhookSubscriptions()); n != 14 {
		t.Fatalf("the shop holds %d subscriptions, want 14", n)
	}
	if _, _, err := runCLI(t, "", append([]string{"connections", "subscribe", "nope"}, flags...)...); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown connection: %v", err)
	}
}
