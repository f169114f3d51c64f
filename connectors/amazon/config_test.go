package amazon

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
)

func baseConfig() map[string]any {
	return map[string]any{
		"lwa_client_id": "amzn1.application-oa2-client.abc", "lwa_client_secret": "secret", "refresh_token": "Atzr|token",
		"seller_id": "A2FIXTURESELLER", "region": "eu", "marketplace_ids": []string{"A1PA6795UKMFR9"},
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		change  map[string]any
		wantErr string
	}{
		{"minimal", nil, ""},
		{"region in another case", map[string]any{"region": " EU "}, ""},
		{"bad client id", map[string]any{"lwa_client_id": "client"}, "lwa_client_id"},
		{"no secret", map[string]any{"lwa_client_secret": " "}, "lwa_client_secret is required"},
		{"bad refresh token", map[string]any{"refresh_token": "Atza|access"}, "refresh_token must be"},
		{"bad seller", map[string]any{"seller_id": "seller-1"}, "seller_id"},
		{"unknown region", map[string]any{"region": "asia"}, "region \"asia\" must be na, eu or fe"},
		{"no marketplaces", map[string]any{"marketplace_ids": []string{}}, "marketplace_ids is required"},
		{"marketplace of another region", map[string]any{"marketplace_ids": []string{"ATVPDKIKX0DER"}}, "belongs to region na"},
		{"unknown marketplace", map[string]any{"marketplace_ids": []string{"AZZZZZZZZZZZ"}}, "not a marketplace the connector knows"},
		{"duplicate marketplace", map[string]any{"marketplace_ids": []string{"A1PA6795UKMFR9", "A1PA6795UKMFR9"}}, "listed twice"},
		{"bad orders api", map[string]any{"orders_api": "2024-01-01"}, "orders_api"},
		{"bad reports mode", map[string]any{"reports_mode": "sometimes"}, "reports_mode"},
		{"window too long", map[string]any{"report_window_days": 31}, "report_window_days 31"},
		{"page too big", map[string]any{"page_size": 101}, "page_size 101"},
		{"bad endpoint", map[string]any{"endpoint": "ftp://x"}, "endpoint"},
		{"bad queue url", map[string]any{"sqs_queue_url": "https://example.com/queue", "sqs_access_key_id": "A", "sqs_secret_access_key": "B"}, "sqs_queue_url"},
		{"queue without keys", map[string]any{"sqs_queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/q"}, "sqs_access_key_id and sqs_secret_access_key"},
		{"poll without gateway", map[string]any{"sqs_poll": true, "sqs_queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/q",
			"sqs_access_key_id": "A", "sqs_secret_access_key": "B", "relay_secret": "0123456789abcdef"}, "gateway_webhook_url"},
		{"poll without secret", map[string]any{"sqs_poll": true, "sqs_queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/q",
			"sqs_access_key_id": "A", "sqs_secret_access_key": "B", "gateway_webhook_url": "http://gw/webhooks/x"}, "relay_secret"},
		{"long poll too long", map[string]any{"sqs_wait_seconds": 21}, "sqs_wait_seconds"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := baseConfig()
			for k, v := range tc.change {
				m[k] = v
			}
			raw, _ := json.Marshal(m)
			cfg, err := ParseConfig(raw)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Region != "eu" || cfg.OrdersAPI != OrdersAPI2026 || cfg.BackfillDays != 730 || cfg.OverlapSeconds != 300 ||
					cfg.ReportsMode != ReportsAuto || cfg.PageSize != 100 || cfg.LWAEndpoint != DefaultLWAEndpoint || cfg.baseURL() != regionEndpoints["eu"] {
					t.Fatalf("defaults: %+v", cfg)
				}
				return
			}
			if sdk.KindOf(err) != sdk.KindInvalidInput || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v (kind %s), want invalid input mentioning %q", err, sdk.KindOf(err), tc.wantErr)
			}
		})
	}
	t.Run("queue region from the url", func(t *testing.T) {
		m := baseConfig()
		m["sqs_queue_url"], m["sqs_access_key_id"], m["sqs_secret_access_key"] = "https://sqs.eu-central-1.amazonaws.com/123456789012/q.fifo", "A", "B"
		raw, _ := json.Marshal(m)
		cfg, err := ParseConfig(raw)
		if err != nil || cfg.SQSRegion != "eu-central-1" {
			t.Fatalf("%v %q", err, cfg.SQSRegion)
		}
	})
	for _, raw := range []string{``, `{"lwa_client_id": 3}`, `{"typo_field": 1}`, `{} {}`} {
		if _, err := ParseConfig(json.RawMessage(raw)); sdk.KindOf(err) != sdk.KindInvalidInput {
			t.Errorf("ParseConfig(%q) = %v, want invalid input", raw, err)
		}
	}
}

// TestConfigSchemaMatchesStruct keeps the JSON Schema users see and the
// Config struct in step: same properties, secrets writeOnly.
func TestConfigSchemaMatchesStruct(t *testing.T) {
	t.Parallel()
	var schema struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal([]byte(ConfigSchema), &schema); err != nil {
		t.Fatal(err)
	}
	fields := map[string]bool{}
	ty := reflect.TypeOf(Config{})
	for i := 0; i < ty.NumField(); i++ {
		name, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
		fields[name] = true
		if _, ok := schema.Properties[name]; !ok {
			t.Errorf("config field %s is not in the schema", name)
		}
	}
	for name := range schema.Properties {
		if !fields[name] {
			t.Errorf("schema property %s is not a config field", name)
		}
	}
	m, _ := New().Describe(ctxT(t))
	for _, s := range m.SecretFields {
		var p struct {
			WriteOnly bool `json:"writeOnly"`
		}
		_ = json.Unmarshal(schema.Properties[s], &p)
		if !p.WriteOnly {
			t.Errorf("secret %s is not writeOnly in the schema", s)
		}
	}
	if err := WebhookSpec().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestOperationPaths(t *testing.T) {
	t.Parallel()
	if got := opGetListingsItem.path("A2FIXTURESELLER", "SKU/with space"); got != "/listings/2021-08-01/items/A2FIXTURESELLER/SKU%2Fwith%20space" {
		t.Fatalf("path %q", got)
	}
	if got := opGetOrderItemsV0.path("302-4829175-6613108"); got != "/orders/v0/orders/302-4829175-6613108/orderItems" {
		t.Fatalf("path %q", got)
	}
	seen := map[string]bool{}
	for _, op := range operations {
		if seen[op.key()] {
			t.Errorf("operation %s listed twice", op.key())
		}
		seen[op.key()] = true
	}
}

func TestBucket(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	b := newBucket(0.5, 3)
	for i := 0; i < 3; i++ {
		if d := b.reserve(now); d != 0 {
			t.Fatalf("burst request %d waits %s", i, d)
		}
	}
	if d := b.reserve(now); d != 2*time.Second {
		t.Fatalf("the request after the burst waits %s, want 1/rate = 2s", d)
	}
	// Amazon reports a faster plan: the debt is paid at the new rate
	if !b.observe(2, now) || b.observe(2, now) {
		t.Fatal("observe must report a change once")
	}
	// tokens: -1 + 0.25 s × 2/s = -0.5; the next request owes 1.5 tokens
	if d := b.reserve(now.Add(250 * time.Millisecond)); d != 750*time.Millisecond {
		t.Fatalf("250 ms later at 2/s the next request waits %s, want 750ms", d)
	}
	b2 := newBucket(1, 5)
	b2.throttled(now)
	if d := b2.reserve(now); d != time.Second {
		t.Fatalf("after a 429 the next request waits %s, want a full token (1s)", d)
	}
	b2.give(now)
	if _, tok := b2.state(now); tok != 0 {
		t.Fatalf("tokens %v after giving the reservation back", tok)
	}
	for _, tc := range []struct {
		in   string
		want float64
	}{{"0.0167", 0.0167}, {" 2.0 ", 2}, {"", 0}, {"abc", 0}, {"-1", 0}, {"NaN", 0}, {"+Inf", 0}} {
		if got := parseRateLimit(tc.in); got != tc.want {
			t.Errorf("parseRateLimit(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
