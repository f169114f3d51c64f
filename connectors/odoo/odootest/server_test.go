package odootest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func newTest(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// rpc calls /jsonrpc and returns the result or the error object.
func rpc(t *testing.T, s *Server, service, method string, args ...any) (any, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
		"params": map[string]any{"service": service, "method": method, "args": args}})
	resp, err := http.Post(s.URL+"/jsonrpc", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result any            `json:"result"`
		Error  map[string]any `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s.%s: %v", service, method, err)
	}
	return out.Result, out.Error
}

func execKW(t *testing.T, s *Server, uid any, key, model, method string, args []any, kw map[string]any) (any, map[string]any) {
	t.Helper()
	if kw == nil {
		kw = map[string]any{}
	}
	return rpc(t, s, "object", "execute_kw", s.Database(), uid, key, model, method, args, kw)
}

func errName(e map[string]any) string {
	if e == nil {
		return ""
	}
	d, _ := e["data"].(map[string]any)
	n, _ := d["name"].(string)
	return n
}

func json2(t *testing.T, s *Server, key, model, method string, body map[string]any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.URL+"/json/2/"+model+"/"+method, bytes.NewReader(b))
	req.Header.Set("Authorization", "bearer "+key)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Odoo-Database", s.Database())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := newTest(t, Options{Version: "17.0", Products: -1, Customers: -1})
	for _, tc := range []struct {
		name      string
		db, login string
		key       string
		wantUID   bool
		wantError string
	}{
		{"good", s.Database(), s.Login(), s.APIKey(), true, ""},
		{"wrong key", s.Database(), s.Login(), "nope", false, ""},
		{"wrong database", "other", s.Login(), s.APIKey(), false, "psycopg2.OperationalError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, e := rpc(t, s, "common", "authenticate", tc.db, tc.login, tc.key, map[string]any{})
			if got := errName(e); got != tc.wantError {
				t.Fatalf("error %q, want %q (%v)", got, tc.wantError, e)
			}
			if _, isNum := res.(float64); isNum != tc.wantUID {
				t.Fatalf("authenticate returned %v", res)
			}
		})
	}
	_, e := execKW(t, s, 2, "wrong", "res.partner", "search_count", []any{[]any{}}, nil)
	if errName(e) != "odoo.exceptions.AccessDenied" {
		t.Fatalf("execute_kw with a wrong key: %v", e)
	}
	v, _ := rpc(t, s, "common", "version")
	if m, _ := v.(map[string]any); m["server_version"] != "17.0" {
		t.Fatalf("version: %v", v)
	}
}

func TestJSON2OnlyFrom19(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"17.0", "18.0", "19.0"} {
		t.Run(v, func(t *testing.T) {
			s := newTest(t, Options{Version: v, Products: 2, Customers: -1})
			code, body := json2(t, s, s.APIKey(), "res.users", "context_get", map[string]any{})
			if v != "19.0" {
				if code != 404 {
					t.Fatalf("JSON-2 on %s answered %d %s, want 404", v, code, body)
				}
				return
			}
			if code != 200 || !strings.Contains(string(body), `"uid"`) {
				t.Fatalf("context_get: %d %s", code, body)
			}
			code, body = json2(t, s, "bad", "res.users", "context_get", map[string]any{})
			if code != 401 || !strings.Contains(string(body), "Invalid apikey") {
				t.Fatalf("bad key: %d %s", code, body)
			}
			code, body = json2(t, s, s.APIKey(), "res.partner", "search_read", map[string]any{"domain": []any{[]any{"id", "=", 999999}}, "bogus": 1})
			if code != 422 {
				t.Fatalf("unknown argument: %d %s", code, body)
			}
			code, body = json2(t, s, s.APIKey(), "res.partner", "read", map[string]any{"ids": []any{999999}, "fields": []any{"name"}})
			if code != 404 || !strings.Contains(string(body), "MissingError") {
				t.Fatalf("missing record: %d %s", code, body)
			}
		})
	}
}

func TestSearchDomainsAndPaging(t *testing.T) {
	t.Parallel()
	s := newTest(t, Options{Version: "18.0", Products: 12, Seed: 3, Customers: 5})
	all, _ := execKW(t, s, 2, s.APIKey(), "product.product", "search", []any{}, map[string]any{"domain": []any{[]any{"default_code", "!=", false}}, "order": "id"})
	ids := all.([]any)
	if len(ids) < 12 {
		t.Fatalf("%d variants with a SKU", len(ids))
	}
	var paged []any
	for off := 0; ; off += 5 {
		page, e := execKW(t, s, 2, s.APIKey(), "product.product", "search_read", []any{},
			map[string]any{"domain": []any{[]any{"default_code", "!=", false}}, "fields": []any{"default_code"}, "offset": off, "limit": 5, "order": "id"})
		if e != nil {
			t.Fatal(e)
		}
		rows := page.([]any)
		paged = append(paged, rows...)
		if len(rows) < 5 {
			break
		}
	}
	if len(paged) != len(ids) {
		t.Fatalf("paging returned %d of %d", len(paged), len(ids))
	}
	for _, tc := range []struct {
		name   string
		domain []any
		check  func(n int) bool
	}{
		{"or", []any{"|", []any{"default_code", "=", "SHIP"}, []any{"default_code", "=", "DISC"}}, func(n int) bool { return n == 2 }},
		{"not", []any{"!", []any{"default_code", "=", "SHIP"}}, func(n int) bool { return n == len(ids)-1 }},
		{"ilike", []any{[]any{"default_code", "=ilike", "ship"}}, func(n int) bool { return n == 1 }},
		{"dotted many2one", []any{[]any{"product_tmpl_id.type", "=", "service"}}, func(n int) bool { return n == 2 }},
		{"x2many path", []any{[]any{"stock_quant_ids.quantity", ">", 0}}, func(n int) bool { return n > 0 && n < len(ids) }},
		{"in", []any{[]any{"id", "in", []any{ids[0], ids[1]}}}, func(n int) bool { return n == 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, e := execKW(t, s, 2, s.APIKey(), "product.product", "search_count", []any{tc.domain}, nil)
			if e != nil {
				t.Fatal(e)
			}
			if n := int(res.(float64)); !tc.check(n) {
				t.Fatalf("domain %v matched %d", tc.domain, n)
			}
		})
	}
	_, e := execKW(t, s, 2, s.APIKey(), "product.product", "search_count", []any{[]any{[]any{"no_such_field", "=", 1}}}, nil)
	if errName(e) != "builtins.ValueError" {
		t.Fatalf("invalid field: %v", e)
	}
}

func TestWriteDateFilterSeesMicroseconds(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)
	s := newTest(t, Options{Products: 3, Customers: -1, Clock: func() time.Time { return clock }})
	p := s.Products()[0]
	if err := s.UpdateProduct(p.TemplateID, "Renamed"); err != nil {
		t.Fatal(err)
	}
	res, _ := execKW(t, s, 2, s.APIKey(), "product.template", "search_read", []any{},
		map[string]any{"domain": []any{[]any{"write_date", ">=", "2026-03-01 12:00:00"}}, "fields": []any{"write_date"}})
	rows := res.([]any)
	if len(rows) != 1 || rows[0].(map[string]any)["write_date"] != "2026-03-01 12:00:00" {
		t.Fatalf("write_date filter: %v", rows)
	}
	res, _ = execKW(t, s, 2, s.APIKey(), "product.template", "search_count", []any{[]any{[]any{"write_date", ">", "2026-03-01 12:00:00"}}}, nil)
	if res.(float64) != 1 {
		t.Fatalf("a write at .5 s is after the same second: got %v", res)
	}
}

func TestSaleOrderTotalsAndRules(t *testing.T) {
	t.Parallel()
	s := newTest(t, Options{Version: "19.0", Products: 3, Customers: 2})
	var vat int64
	for _, tx := range s.Taxes() {
		if tx.Name == "19% VAT (incl.)" {
			vat = tx.ID
		}
	}
	p := s.Products()[0]
	partner := s.Customers()[0]
	ordered, e := execKW(t, s, 2, s.APIKey(), "sale.order", "create", []any{[]any{map[string]any{
		"partner_id": partner, "client_order_ref": "ref-1",
		"order_line": []any{
			[]any{0, 0, map[string]any{"product_id": p.ID, "product_uom_qty": 3, "price_unit": 19.99, "tax_ids": []any{[]any{6, 0, []any{vat}}}}},
			[]any{0, 0, map[string]any{"product_id": p.ID, "product_uom_qty": 1, "price_unit": -5, "tax_ids": []any{[]any{6, 0, []any{vat}}}}},
		}}}}, nil)
	if e != nil {
		t.Fatal(e)
	}
	id := ordered.([]any)[0]
	so := s.SaleOrdersByRef("ref-1")[0]
	// 59.97 incl. 19 %: tax 9.58; -5.00: tax -0.80
	if so.AmountTotal != "54.97" || so.AmountTax != "8.78" || so.AmountUntaxed != "46.19" {
		t.Fatalf("totals %s / %s / %s", so.AmountUntaxed, so.AmountTax, so.AmountTotal)
	}
	res, e := execKW(t, s, 2, s.APIKey(), "sale.order", "action_confirm", []any{[]any{id}}, nil)
	if e != nil || res != true {
		t.Fatalf("confirm: %v %v", res, e)
	}
	_, e = execKW(t, s, 2, s.APIKey(), "sale.order.line", "unlink", []any{[]any{so.Lines[0].ID}}, nil)
	if errName(e) != "odoo.exceptions.UserError" {
		t.Fatalf("unlinking a confirmed line: %v", e)
	}
	res, e = execKW(t, s, 2, s.APIKey(), "sale.order", "action_cancel", []any{[]any{id}}, nil)
	if e != nil {
		t.Fatal(e)
	}
	if m, ok := res.(map[string]any); !ok || m["res_model"] != "sale.order.cancel" || s.SaleOrdersByRef("ref-1")[0].State != "sale" {
		t.Fatalf("cancelling without disable_cancel_warning returned %v and state %s: want the wizard", res, s.SaleOrdersByRef("ref-1")[0].State)
	}
	res, e = execKW(t, s, 2, s.APIKey(), "sale.order", "action_cancel", []any{[]any{id}}, map[string]any{"context": map[string]any{"disable_cancel_warning": true}})
	if e != nil || res != true || s.SaleOrdersByRef("ref-1")[0].State != "cancel" {
		t.Fatalf("cancel: %v %v %s", res, e, s.SaleOrdersByRef("ref-1")[0].State)
	}
}

func TestFailedCallRollsBack(t *testing.T) {
	t.Parallel()
	s := newTest(t, Options{Products: 2, Customers: 1})
	before := s.Count("sale.order.line")
	_, e := execKW(t, s, 2, s.APIKey(), "sale.order", "create", []any{[]any{map[string]any{
		"partner_id": s.Customers()[0],
		"order_line": []any{
			[]any{0, 0, map[string]any{"product_id": s.Products()[0].ID}},
			[]any{0, 0, map[string]any{"product_id": 999999}},
		}}}}, nil)
	if errName(e) != "odoo.exceptions.ValidationError" {
		t.Fatalf("a line with a missing product: %v", e)
	}
	if s.Count("sale.order") != 0 || s.Count("sale.order.line") != before {
		t.Fatalf("the failed create left %d orders and %d lines", s.Count("sale.order"), s.Count("sale.order.line")-before)
	}
	_, e = execKW(t, s, 2, s.APIKey(), "sale.order", "create", []any{[]any{map[string]any{"client_order_ref": "no partner"}}}, nil)
	if errName(e) != "odoo.exceptions.ValidationError" || !strings.Contains(fmt.Sprint(e), "mandatory field") {
		t.Fatalf("missing partner: %v", e)
	}
}

func TestAccessRights(t *testing.T) {
	t.Parallel()
	s := newTest(t, Options{Version: "18.0", Products: 2, Customers: 1,
		Users: []User{{Login: "reader", APIKey: "reader-key", Access: map[string]string{"*": "r"}}}})
	uid, _ := rpc(t, s, "common", "authenticate", s.Database(), "reader", "reader-key", map[string]any{})
	_, e := execKW(t, s, uid, "reader-key", "res.partner", "search_count", []any{[]any{}}, nil)
	if e != nil {
		t.Fatalf("read: %v", e)
	}
	_, e = execKW(t, s, uid, "reader-key", "res.partner", "create", []any{[]any{map[string]any{"name": "x"}}}, nil)
	if errName(e) != "odoo.exceptions.AccessError" {
		t.Fatalf("create as a reader: %v", e)
	}
	ok, _ := execKW(t, s, uid, "reader-key", "sale.order", "has_access", []any{"create"}, nil)
	if ok != false {
		t.Fatalf("has_access(create) = %v", ok)
	}
	ok, _ = execKW(t, s, uid, "reader-key", "sale.order", "check_access_rights", []any{"create"}, map[string]any{"raise_exception": false})
	if ok != false {
		t.Fatalf("check_access_rights(create) = %v", ok)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := newTest(t, Options{Products: 2, Customers: 1})
	s.SetFaults(Faults{LostResponse: 1})
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": map[string]any{"service": "object", "method": "execute_kw",
		"args": []any{s.Database(), 2, s.APIKey(), "res.partner", "create", []any{[]any{map[string]any{"name": "Lost"}}}, map[string]any{}}}})
	resp, err := http.Post(s.URL+"/jsonrpc", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 {
		t.Fatalf("lost response answered %d", resp.StatusCode)
	}
	s.SetFaults(Faults{})
	n, _ := execKW(t, s, 2, s.APIKey(), "res.partner", "search_count", []any{[]any{[]any{"name", "=", "Lost"}}}, nil)
	if n.(float64) != 1 {
		t.Fatalf("the change behind the lost response was applied %v times, want 1", n)
	}
	s.SetFaults(Faults{Err429: 1, RetryAfter: 2 * time.Second})
	resp, err = http.Post(s.URL+"/jsonrpc", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("429: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if st := s.Stats(); st.LostResponses != 1 || st.Injected429 != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPurchaseConfirmMakesIncoming(t *testing.T) {
	t.Parallel()
	s := newTest(t, Options{Version: "17.0", Products: 4, Customers: -1})
	moves := s.Count("stock.move")
	var rfq PurchaseOrder
	for _, po := range s.PurchaseOrders() {
		if po.State == "draft" {
			rfq = po
		}
	}
	if rfq.ID == 0 {
		t.Fatal("the seed has no RFQ")
	}
	if err := s.ConfirmPurchaseOrder(rfq.ID); err != nil {
		t.Fatal(err)
	}
	if got := s.Count("stock.move") - moves; got != len(rfq.Lines) {
		t.Fatalf("confirming an RFQ of %d lines made %d receipt moves", len(rfq.Lines), got)
	}
	if s.Calls("purchase.order.button_confirm") != 0 {
		t.Fatal("a confirmation by a person counted as an API call")
	}
}

func TestDeterministicSeed(t *testing.T) {
	t.Parallel()
	clock := func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }
	a := newTest(t, Options{Seed: 5, Products: 8, Customers: 4, Clock: clock})
	b := newTest(t, Options{Seed: 5, Products: 8, Customers: 4, Clock: clock})
	pa, pb := a.Products(), b.Products()
	if len(pa) == 0 || fmt.Sprint(pa) != fmt.Sprint(pb) {
		t.Fatalf("the same seed made different catalogues:\n%v\n%v", pa, pb)
	}
	c := newTest(t, Options{Seed: 6, Products: 8, Customers: 4, Clock: clock})
	oa, _ := a.Quantity(pa[2].SKU, "WH")
	oc, _ := c.Quantity(c.Products()[2].SKU, "WH")
	qa, _ := a.Quantity(pa[3].SKU, "BER")
	qc, _ := c.Quantity(c.Products()[3].SKU, "BER")
	if oa == oc && qa == qc {
		t.Log("two seeds gave the same two quantities (possible, but unlikely)")
	}
}

// FuzzDomain feeds arbitrary JSON as a search domain: the fake answers an
// Odoo error or a result, never panics.
func FuzzDomain(f *testing.F) {
	for _, s := range []string{`[]`, `[["default_code","=","SHIP"]]`, `["|",["id",">",3],"!",["name","ilike","oak"]]`,
		`[["product_tmpl_id.seller_ids.partner_id.name","=like","Acme%"]]`, `["&"]`, `[["write_date",">=","2026-01-01 00:00:00"]]`,
		`[["stock_quant_ids.quantity","in",[1,2]]]`, `[[1,2,3]]`, `"x"`, `[["id","child_of",1]]`} {
		f.Add(s)
	}
	s, err := NewServer(Options{Products: 3, Customers: 2})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, domain string) {
		var d any
		if json.Unmarshal([]byte(domain), &d) != nil {
			return
		}
		_ = s.do(false, func(tx *tx) error {
			_, err := tx.search("product.product", d, "", 0, 0)
			return err
		})
	})
}
