package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

type harness struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	store store.Store
	admin string
	read  string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := New(Config{BodyLimit: 2048, Version: "test"}, st, nil)
	h := &harness{t: t, srv: srv, http: httptest.NewServer(srv.Handler()), store: st}
	t.Cleanup(h.http.Close)
	h.admin, _, err = IssueToken(context.Background(), st, "admin", []string{"admin"})
	if err != nil {
		t.Fatal(err)
	}
	h.read, _, _ = IssueToken(context.Background(), st, "reader", []string{"read"})
	return h
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (h *harness) do(method, path, token, body string, out any) *http.Response {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.http.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp
}

type errResp struct {
	Error struct{ Code, Message string } `json:"error"`
}

func (h *harness) expectError(method, path, token, body string, status int, code, contains string) {
	h.t.Helper()
	var e errResp
	resp := h.do(method, path, token, body, &e)
	if resp.StatusCode != status || e.Error.Code != code || !strings.Contains(e.Error.Message, contains) {
		h.t.Fatalf("%s %s: %d %+v, want %d %s containing %q", method, path, resp.StatusCode, e.Error, status, code, contains)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t)
	var health map[string]string
	if resp := h.do("GET", "/healthz", "", "", &health); resp.StatusCode != 200 || health["status"] != "ok" {
		t.Fatalf("healthz %d %v", resp.StatusCode, health)
	}
	var ready struct {
		Status string
		Checks map[string]string
	}
	if resp := h.do("GET", "/readyz", "", "", &ready); resp.StatusCode != 200 || ready.Checks["store"] != "ok" {
		t.Fatalf("readyz %d %+v", resp.StatusCode, ready)
	}
	h.srv.AddReadiness("plugins", func(context.Context) error { return errors.New("shopify: not running") })
	if resp := h.do("GET", "/readyz", "", "", &ready); resp.StatusCode != 503 || ready.Checks["plugins"] != "shopify: not running" {
		t.Fatalf("readyz with a failing check %d %+v", resp.StatusCode, ready)
	}
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	h.expectError("GET", "/v1/orders", "", "", 401, "unauthenticated", "supplyhub tokens create")
	h.expectError("GET", "/v1/orders", "shk_nope", "", 401, "unauthenticated", "unknown or revoked")
	h.expectError("GET", "/v1/tokens", h.read, "", 403, "forbidden", "scope admin")
	req, _ := http.NewRequest("GET", h.http.URL+"/v1/orders", nil)
	req.Header.Set("Authorization", "Basic abc")
	resp, _ := http.DefaultClient.Do(req)
	if resp.StatusCode != 401 {
		t.Fatalf("basic auth: %d", resp.StatusCode)
	}
	if resp := h.do("GET", "/v1/orders", h.read, "", nil); resp.StatusCode != 200 {
		t.Fatalf("read token on a read route: %d", resp.StatusCode)
	}
	if resp := h.do("GET", "/v1/orders", h.admin, "", nil); resp.StatusCode != 200 {
		t.Fatalf("admin includes read: %d", resp.StatusCode)
	}
	if resp := h.do("GET", "/v1/orders?access_token="+h.read, "", "", nil); resp.StatusCode != 401 {
		t.Fatalf("query token accepted on a route that does not allow it: %d", resp.StatusCode)
	}
}

func TestTokensAPI(t *testing.T) {
	h := newHarness(t)
	var issued struct {
		Token string
		Info  store.Token
	}
	if resp := h.do("POST", "/v1/tokens", h.admin, `{"name":"ci","scopes":["ops"]}`, &issued); resp.StatusCode != 201 || !strings.HasPrefix(issued.Token, TokenPrefix) {
		t.Fatalf("create: %d %+v", resp.StatusCode, issued)
	}
	if resp := h.do("GET", "/v1/orders", issued.Token, "", nil); resp.StatusCode != 200 {
		t.Fatalf("new token rejected: %d", resp.StatusCode)
	}
	h.expectError("POST", "/v1/tokens", h.admin, `{"name":"x","scopes":["root"]}`, 400, "invalid_argument", `"root"`)
	h.expectError("POST", "/v1/tokens", h.admin, `{"name":"x","scopes":["read"],"expires":"never"}`, 400, "invalid_argument", "expires")
	h.expectError("POST", "/v1/tokens", h.admin, `{"name":"x",`, 400, "invalid_argument", "")
	h.expectError("POST", "/v1/tokens", h.admin, `{"name":5,"scopes":["read"]}`, 400, "invalid_argument", "name")
	h.expectError("POST", "/v1/tokens", h.admin, "", 400, "invalid_argument", "empty")
	h.expectError("POST", "/v1/tokens", h.admin, `{"name":"`+strings.Repeat("x", 4000)+`","scopes":["read"]}`, 413, "payload_too_large", "2048")
	req, _ := http.NewRequest("POST", h.http.URL+"/v1/tokens", strings.NewReader(`name=x`))
	req.Header.Set("Authorization", "Bearer "+h.admin)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 415 {
		t.Fatalf("form body: %d", resp.StatusCode)
	}
	var list struct{ Items []store.Token }
	h.do("GET", "/v1/tokens", h.admin, "", &list)
	if len(list.Items) != 3 {
		t.Fatalf("%d tokens listed", len(list.Items))
	}
	if resp := h.do("DELETE", "/v1/tokens/"+issued.Info.ID, h.admin, "", nil); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	h.expectError("GET", "/v1/orders", issued.Token, "", 401, "unauthenticated", "revoked")
	h.expectError("DELETE", "/v1/tokens/"+issued.Info.ID, h.admin, "", 404, "not_found", issued.Info.ID)
}

func seedOrders(t *testing.T, st store.Store, n int) {
	t.Helper()
	var recs []commerce.Record
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		usd := func(s string) commerce.MoneyBag { return commerce.Bag(commerce.MustMoney(s, "USD")) }
		recs = append(recs, &commerce.Order{
			Meta:      commerce.Meta{Source: commerce.Ref{Connection: []string{"shop", "amazon"}[i%2], ExternalID: fmt.Sprint(1000 + i)}, UpdatedAt: base.Add(time.Duration(i) * time.Hour)},
			CreatedAt: base, Currency: "USD",
			Lines:    []commerce.OrderLine{{ExternalID: "l", SKU: fmt.Sprintf("SKU-%d", i%3), Quantity: 1, UnitPrice: usd("9.99")}},
			Subtotal: usd("9.99"), TotalDiscounts: usd("0"), TotalShipping: usd("0"), TotalTax: usd("0"), Total: usd("9.99"),
		})
	}
	if _, err := st.UpsertRecords(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
}

func TestRecordLists(t *testing.T) {
	h := newHarness(t)
	seedOrders(t, h.store, 25)
	type page struct {
		Items []struct {
			ID         string          `json:"id"`
			Number     string          `json:"number"`
			Source     commerce.Ref    `json:"source"`
			Total      json.RawMessage `json:"total"`
			IngestedAt time.Time       `json:"ingested_at"`
		}
		NextCursor *string `json:"next_cursor"`
	}
	seen := map[string]bool{}
	path := "/v1/orders?limit=10&connection=shop"
	pages := 0
	for {
		var p page
		if resp := h.do("GET", path, h.read, "", &p); resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		pages++
		for _, it := range p.Items {
			if it.Source.Connection != "shop" || seen[it.ID] || it.IngestedAt.IsZero() || !strings.Contains(string(it.Total), `"amount":"9.99"`) {
				t.Fatalf("bad item %+v", it)
			}
			seen[it.ID] = true
		}
		if p.NextCursor == nil {
			break
		}
		path = "/v1/orders?limit=10&connection=shop&cursor=" + *p.NextCursor
	}
	if len(seen) != 13 || pages != 2 {
		t.Fatalf("%d shop orders in %d pages, want 13 in 2", len(seen), pages)
	}
	var p page
	h.do("GET", "/v1/orders?sku=SKU-1&updated_since=2026-03-01T10:00:00Z", h.read, "", &p)
	if len(p.Items) != 5 {
		t.Fatalf("sku+updated_since: %d items, want 5", len(p.Items))
	}
	var one struct {
		ID     string       `json:"id"`
		Source commerce.Ref `json:"source"`
	}
	id := ""
	for k := range seen {
		id = k
		break
	}
	if resp := h.do("GET", "/v1/orders/"+id, h.read, "", &one); resp.StatusCode != 200 || one.ID != id {
		t.Fatalf("get %s: %d %+v", id, resp.StatusCode, one)
	}
	h.expectError("GET", "/v1/orders/999999", h.read, "", 404, "not_found", "999999")
	h.expectError("GET", "/v1/orders/abc", h.read, "", 400, "invalid_argument", "abc")
	h.expectError("GET", "/v1/products/"+id, h.read, "", 404, "not_found", "product")
	h.expectError("GET", "/v1/orders?skus=A", h.read, "", 400, "invalid_argument", `"skus"`)
	h.expectError("GET", "/v1/orders?limit=0", h.read, "", 400, "invalid_argument", "limit")
	h.expectError("GET", "/v1/orders?limit=5000", h.read, "", 400, "invalid_argument", "limit")
	h.expectError("GET", "/v1/orders?cursor=zzz", h.read, "", 400, "invalid_argument", "cursor")
	h.expectError("GET", "/v1/orders?updated_since=2026-03-01", h.read, "", 400, "invalid_argument", "RFC 3339")
	h.expectError("GET", "/v1/nothing", h.read, "", 404, "not_found", "/openapi.json")
	h.expectError("PUT", "/v1/orders", h.read, "", 405, "method_not_allowed", "PUT")
}

// TestOpenAPIMatchesRoutes keeps /openapi.json true: every route gin serves
// is documented, and every documented path is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t)
	var doc struct {
		OpenAPI    string
		Paths      map[string]map[string]json.RawMessage
		Components struct{ Schemas map[string]json.RawMessage }
	}
	if resp := h.do("GET", "/openapi.json", "", "", &doc); resp.StatusCode != 200 || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %d %s", resp.StatusCode, doc.OpenAPI)
	}
	served := map[string]bool{}
	for _, r := range h.srv.Engine().Routes() {
		key := strings.ToLower(r.Method) + " " + OpenAPIPath(r.Path)
		served[key] = true
		if _, ok := doc.Paths[OpenAPIPath(r.Path)][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s is served but not in /openapi.json", key)
		}
	}
	raw, _ := json.Marshal(doc.Paths)
	for p, ops := range doc.Paths {
		for m := range ops {
			if !served[m+" "+p] {
				t.Errorf("%s %s is documented but not served", m, p)
			}
		}
	}
	// Every $ref resolves.
	for _, m := range refRE.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("dangling $ref %s", m[1])
		}
	}
	schemas, _ := json.Marshal(doc.Components.Schemas)
	for _, m := range refRE.FindAllStringSubmatch(string(schemas), -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("dangling $ref %s in components", m[1])
		}
	}
}

func TestMetrics(t *testing.T) {
	h := newHarness(t)
	h.do("GET", "/healthz", "", "", nil)
	resp, err := http.Get(h.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `supplyhub_http_requests_total{method="GET",route="/healthz",status="200"}`) {
		t.Fatalf("metrics lack the request counter:\n%.2000s", b)
	}
}

func TestPanicIsA500WithoutDetail(t *testing.T) {
	h := newHarness(t)
	h.srv.Add(Route{Method: "GET", Path: "/v1/boom", Tag: "test", Summary: "panics", Handler: func(*gin.Context) { panic("secret detail") }})
	var e errResp
	resp := h.do("GET", "/v1/boom", "", "", &e)
	if resp.StatusCode != 500 || strings.Contains(e.Error.Message, "secret") || e.Error.Code != "internal" {
		t.Fatalf("panic: %d %+v", resp.StatusCode, e)
	}
}

var refRE = regexp.MustCompile(`"#/components/schemas/([A-Za-z0-9_]+)"`)
