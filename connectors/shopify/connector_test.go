package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/jsonschema"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	m, err := New().Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m.Capabilities = sdk.InProcess(New()).Capabilities()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := jsonschema.Compile(m.ConfigSchema); err != nil {
		t.Fatalf("config schema: %v", err)
	}
	if m.Webhook == nil || m.Webhook.EventIDHeader != "X-Shopify-Webhook-Id" || len(m.Streams) != 4 || !slices.Equal(m.WriteActions, []string{sdk.ActionSetInventory, sdk.ActionCreateFulfillment, sdk.ActionSetRecommendations}) {
		t.Fatalf("manifest %+v", m)
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		raw  string
		want string // substring of the error, "" for valid
	}{
		{"minimal", `{"shop_domain":"supplyhub-demo.myshopify.com","access_token":"shpat_x"}`, ""},
		{"domain with scheme and case", `{"shop_domain":"HTTPS://Supplyhub-Demo.myshopify.com/","access_token":"shpat_x"}`, ""},
		{"custom domain", `{"shop_domain":"shop.example.com","access_token":"shpat_x"}`, "shop_domain"},
		{"no token", `{"shop_domain":"a.myshopify.com"}`, "access_token"},
		{"bad version", `{"shop_domain":"a.myshopify.com","access_token":"x","api_version":"2026-02"}`, "api_version"},
		{"bad base url", `{"shop_domain":"a.myshopify.com","access_token":"x","base_url":"localhost:80"}`, "base_url"},
		{"bad bulk mode", `{"shop_domain":"a.myshopify.com","access_token":"x","bulk_mode":"sometimes"}`, "bulk_mode"},
		{"negative overlap", `{"shop_domain":"a.myshopify.com","access_token":"x","overlap_seconds":-5}`, "overlap_seconds"},
		{"unknown field", `{"shop_domain":"a.myshopify.com","access_token":"x","acess_token":"y"}`, "acess_token"},
		{"wrong type", `{"shop_domain":"a.myshopify.com","access_token":"x","max_retries":"3"}`, "max_retries"},
		{"empty", ``, "empty"},
		{"trailing", `{"shop_domain":"a.myshopify.com","access_token":"x"} {}`, "trailing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(json.RawMessage(tc.raw))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.APIVersion != DefaultAPIVersion || c.OverlapSeconds != 120 || c.BulkThreshold != 10000 || c.BulkMode != "auto" ||
					!strings.HasSuffix(c.ShopDomain, ".myshopify.com") || strings.ToLower(c.ShopDomain) != c.ShopDomain {
					t.Fatalf("defaults not filled: %+v", c)
				}
				return
			}
			if sdk.KindOf(err) != sdk.KindInvalidInput || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want invalid input naming %s", err, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	c := fastConnector()
	cases := []struct {
		name   string
		opts   shopifytest.Options
		extra  map[string]any
		kind   sdk.ErrorKind
		detail string
	}{
		{"ok", shopifytest.Options{}, nil, "", ""},
		{"wrong token", shopifytest.Options{}, map[string]any{"access_token": "shpat_nope"}, sdk.KindAuthentication, "revoked"},
		{"other shop", shopifytest.Options{Shop: "another-shop.myshopify.com"}, nil, sdk.KindInvalidInput, "another-shop"},
		{"missing read scope", shopifytest.Options{Scopes: []string{"read_products", "read_inventory", "read_locations"}}, nil, sdk.KindAuthentication, "read_orders"},
		{"read only", shopifytest.Options{Scopes: []string{"read_orders", "read_products", "read_inventory", "read_locations"}}, map[string]any{"client_secret": ""}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Orders = 1
			srv := newShop(t, tc.opts)
			res, err := c.Check(context.Background(), sdk.CheckRequest{Config: config(t, srv, tc.extra)})
			if tc.kind != "" {
				if sdk.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.detail) {
					t.Fatalf("got %v (kind %s), want %s mentioning %q", err, sdk.KindOf(err), tc.kind, tc.detail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(res.Message, testShop) || res.Details["currency"] != "USD" {
				t.Fatalf("check %+v", res)
			}
			if tc.name == "read only" && (res.Details["write_back"] == "" || res.Details["webhooks"] == "" || res.Details["order_history"] == "") {
				t.Fatalf("a read-only token without a secret should be reported in details: %v", res.Details)
			}
		})
	}
}

func TestCostBucketReserve(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var b costBucket
	if d := b.reserve(500, now); d != 0 {
		t.Fatalf("an unknown bucket waited %s", d)
	}
	b.observe(throttleStatus{MaximumAvailable: 1000, CurrentlyAvailable: 300, RestoreRate: 50}, now)
	if d := b.reserve(200, now); d != 0 {
		t.Fatalf("waited %s with 300 points for 200", d)
	}
	// 100 left: 400 more points take 8 s at 50/s
	if d := b.reserve(500, now); d != 8*time.Second {
		t.Fatalf("waited %s, want 8s", d)
	}
	// a query above the bucket's size waits for a full bucket, not forever
	b.observe(throttleStatus{MaximumAvailable: 1000, CurrentlyAvailable: 1000, RestoreRate: 50}, now)
	if d := b.reserve(5000, now.Add(time.Minute)); d != 0 {
		t.Fatalf("waited %s with a full bucket", d)
	}
}

// TestMutationsAreNotRepeated: a fulfilment (no idempotency key on Shopify's
// side) is sent once even when the answer is lost; the host's retry goes
// through the duplicate check instead.
func TestMutationsAreNotRepeated(t *testing.T) {
	t.Parallel()
	calls := 0
	hs, _ := replay(t, func(w http.ResponseWriter) {
		calls++
		w.WriteHeader(http.StatusBadGateway)
	})
	cl, _ := testClient(t, hs.URL)
	_, err := cl.do(context.Background(), "create fulfillment", fulfillmentCreateMutation, nil, 10, nil, nil)
	if err == nil || calls != 1 {
		t.Fatalf("%d calls, error %v: a mutation without a key must be sent once", calls, err)
	}
	calls = 0
	_, err = cl.do(context.Background(), "shop", shopQuery, nil, 1, nil, nil)
	if err == nil || calls != 4 || sdk.KindOf(err) != sdk.KindRetryable {
		t.Fatalf("%d calls, error %v (kind %s): a query is retried max_retries times, then retryable", calls, err, sdk.KindOf(err))
	}
}

// TestCancellation: a read against a stalled shop returns promptly when
// its context ends.
func TestCancellation(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 5, Seed: 1})
	release := srv.Stall()
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := New().Read(ctx, sdk.ReadRequest{Connection: "x", Config: config(t, srv, nil), Stream: StreamOrders, Mode: sdk.ModeFull}, &memStream{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %s", err, time.Since(start))
	}
}
