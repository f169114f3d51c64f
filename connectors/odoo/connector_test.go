package odoo

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/odoo/odootest"
	"github.com/supplyhub/supplyhub/sdk"
)

func TestCheckDetectsTheAPI(t *testing.T) {
	t.Parallel()
	servers := map[string]*odootest.Server{}
	for _, v := range []string{"17.0", "18.0", "19.0"} {
		servers[v] = fake(t, odootest.Options{Version: v, Products: 2, Customers: 1,
			Users: []odootest.User{{Login: "reader", APIKey: "reader-key", Access: map[string]string{"*": "r"}},
				{Login: "nobody", APIKey: "nobody-key", Access: map[string]string{"res.partner": "r", "res.users": "r", "res.company": "r"}}}})
	}
	for _, tc := range []struct {
		name    string
		version string
		over    map[string]any
		api     string
		kind    sdk.ErrorKind
		detail  string
	}{
		{"17 auto falls back to JSON-RPC", "17.0", nil, APIJSONRPC, "", ""},
		{"18 auto falls back to JSON-RPC", "18.0", nil, APIJSONRPC, "", ""},
		{"19 auto finds JSON-2", "19.0", nil, APIJSON2, "", ""},
		{"19 without login over JSON-2", "19.0", map[string]any{"login": ""}, APIJSON2, "", ""},
		{"19 forced to JSON-RPC", "19.0", map[string]any{"api": "json-rpc"}, APIJSONRPC, "", ""},
		{"17 forced to JSON-2", "17.0", map[string]any{"api": "json-2"}, "", sdk.KindPermanent, ""},
		{"17 without login", "17.0", map[string]any{"login": ""}, "", sdk.KindInvalidInput, ""},
		{"17 wrong key", "17.0", map[string]any{"api_key": "nope"}, "", sdk.KindAuthentication, ""},
		{"19 wrong key", "19.0", map[string]any{"api_key": "nope"}, "", sdk.KindAuthentication, ""},
		{"17 wrong database", "17.0", map[string]any{"database": "other"}, "", sdk.KindPermanent, ""},
		{"19 wrong database", "19.0", map[string]any{"database": "other"}, "", sdk.KindPermanent, ""},
		{"read-only user", "18.0", map[string]any{"login": "reader", "api_key": "reader-key"}, APIJSONRPC, "", "disabled"},
		{"user without inventory access", "17.0", map[string]any{"login": "nobody", "api_key": "nobody-key"}, "", sdk.KindAuthentication, ""},
		{"no Odoo there", "17.0", map[string]any{"base_url": "http://127.0.0.1:1"}, "", sdk.KindRetryable, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := servers[tc.version]
			over := map[string]any{"max_retries": 1}
			for k, v := range tc.over {
				over[k] = v
			}
			res, err := newTestConnector().Check(context.Background(), sdk.CheckRequest{Connection: testConn, Config: testConfig(t, srv, over)})
			if tc.kind != "" {
				if sdk.KindOf(err) != tc.kind {
					t.Fatalf("Check = %v (kind %s), want %s", err, sdk.KindOf(err), tc.kind)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if res.Details["api"] != tc.api || res.Details["server_version"] != tc.version || res.Details["currency"] != "USD" || res.Details["api_reason"] == "" {
				t.Fatalf("details %v, want api %s on %s", res.Details, tc.api, tc.version)
			}
			if !strings.Contains(res.Message, strings.ToUpper(tc.api)) {
				t.Errorf("message %q does not say which API", res.Message)
			}
			if tc.detail != "" && !strings.Contains(res.Details["write_back"], tc.detail) {
				t.Errorf("write_back detail %q", res.Details["write_back"])
			}
		})
	}
}

func TestCheckReportsMissingServiceProducts(t *testing.T) {
	t.Parallel()
	srv := fake(t, odootest.Options{Products: 1, Customers: 1})
	res, err := New().Check(context.Background(), sdk.CheckRequest{Config: testConfig(t, srv, map[string]any{"shipping_product": "NO-SHIP"})})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Details["order_products"], "NO-SHIP") || strings.Contains(res.Details["order_products"], "DISC") {
		t.Fatalf("details %v", res.Details)
	}
	if !strings.Contains(res.Details["conflicts"], "0 notes") {
		t.Fatalf("conflicts detail %q", res.Details["conflicts"])
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	good := `{"base_url":"https://acme.odoo.com/","database":"acme","login":"bot","api_key":"k"}`
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"good", good, ""},
		{"empty", ``, "config is empty"},
		{"not an object", `[]`, "config"},
		{"unknown field", `{"base_url":"https://a.odoo.com","database":"a","api_key":"k","tokn":"x"}`, "unknown field"},
		{"wrong type", `{"base_url":"https://a.odoo.com","database":"a","api_key":"k","page_size":"10"}`, "page_size"},
		{"relative url", `{"base_url":"acme.odoo.com","database":"a","api_key":"k"}`, "base_url"},
		{"no database", `{"base_url":"https://a.odoo.com","api_key":"k"}`, "database is required"},
		{"no key", `{"base_url":"https://a.odoo.com","database":"a"}`, "api_key is required"},
		{"json-rpc needs login", `{"base_url":"https://a.odoo.com","database":"a","api_key":"k","api":"json-rpc"}`, "login is required"},
		{"bad api", `{"base_url":"https://a.odoo.com","database":"a","api_key":"k","api":"xmlrpc"}`, "api \"xmlrpc\""},
		{"bad master", `{"base_url":"https://a.odoo.com","database":"a","api_key":"k","masters":{"stock":"both"}}`, "masters.stock"},
		{"bad rounding", `{"base_url":"https://a.odoo.com","database":"a","api_key":"k","max_rounding_adjustment":"-1"}`, "max_rounding_adjustment"},
		{"bad tax map", `{"base_url":"https://a.odoo.com","database":"a","api_key":"k","tax_map":{"VAT":0}}`, "tax_map"},
		{"bad currency choice", `{"base_url":"https://a.odoo.com","database":"a","api_key":"k","order_currency":"both"}`, "order_currency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(json.RawMessage(tc.raw))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.BaseURL != "https://acme.odoo.com" || c.API != APIAuto || c.Masters.Stock != MasterERP || c.Masters.Prices != MasterChannel ||
					!*c.ConfirmOrders || c.ShippingProduct != "SHIP" || c.OverlapSeconds != 300 || c.maxRounding.String() != "0.1" {
					t.Fatalf("defaults not filled: %+v", c)
				}
				return
			}
			if sdk.KindOf(err) != sdk.KindInvalidInput || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want invalid input mentioning %q", err, tc.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    fault
		kind sdk.ErrorKind
	}{
		{fault{Name: "odoo.exceptions.AccessDenied", Message: "Access Denied"}, sdk.KindAuthentication},
		{fault{Name: "werkzeug.exceptions.Unauthorized", Message: "Invalid apikey", Status: 401}, sdk.KindAuthentication},
		{fault{Name: "odoo.exceptions.AccessError", Message: "You are not allowed", Status: 403}, sdk.KindPermanent},
		{fault{Name: "odoo.exceptions.MissingError", Message: "Record does not exist", Status: 404}, sdk.KindPermanent},
		{fault{Name: "odoo.exceptions.ValidationError", Message: "mandatory field", Status: 422}, sdk.KindInvalidInput},
		{fault{Name: "odoo.exceptions.UserError", Message: "locked"}, sdk.KindInvalidInput},
		{fault{Name: "odoo.exceptions.LockError", Status: 409}, sdk.KindRetryable},
		{fault{Name: "psycopg2.errors.SerializationFailure", Message: "could not serialize access"}, sdk.KindRetryable},
		{fault{Name: "werkzeug.exceptions.NotFound", Status: 404}, sdk.KindPermanent},
		{fault{Name: "builtins.ValueError", Message: "Invalid field"}, sdk.KindPermanent},
		{fault{Message: "internal server error", Status: 500}, sdk.KindRetryable},
	} {
		t.Run(tc.f.Name+tc.f.Message, func(t *testing.T) {
			e := classify("sale.order.create", &tc.f)
			if e.Kind != tc.kind || !strings.Contains(e.Error(), "sale.order.create") {
				t.Fatalf("%v: kind %s, want %s", e, e.Kind, tc.kind)
			}
			if e.Kind != sdk.KindRetryable && e.Detail == "" {
				t.Errorf("%v has no detail telling what to do", e)
			}
		})
	}
	for _, tc := range []struct {
		status int
		kind   sdk.ErrorKind
	}{
		{429, sdk.KindRateLimited}, {502, sdk.KindRetryable}, {504, sdk.KindRetryable}, {401, sdk.KindAuthentication}, {404, sdk.KindPermanent},
	} {
		h := http.Header{}
		h.Set("Retry-After", "3")
		err := httpFault("op", tc.status, h, nil)
		if sdk.KindOf(err) != tc.kind {
			t.Errorf("HTTP %d: %v", tc.status, err)
		}
		if tc.status == 429 && sdk.RetryAfterOf(err) != 3*time.Second {
			t.Errorf("429 waits %v", sdk.RetryAfterOf(err))
		}
	}
}

func TestCancelledCallsReturnPromptly(t *testing.T) {
	t.Parallel()
	srv := fake(t, odootest.Options{Version: "19.0", Products: 2, Customers: 1})
	c := New()
	cfg := testConfig(t, srv, nil)
	release := srv.Stall()
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Write(ctx, sdk.WriteRequest{Connection: testConn, Config: cfg, Changes: []sdk.Change{{IdempotencyKey: "k", Action: sdk.ActionUpsertOrder}}})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("Write against a stalled Odoo: %v after %v", err, time.Since(start))
	}
}
