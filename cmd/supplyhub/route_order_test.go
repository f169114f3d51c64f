package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/core/routing"
)

// orderExample is the example of docs/order-routing.md, relative to this package.
const orderExample = "../../core/routing/testdata/example"

func exampleArgs(extra ...string) []string {
	p := func(name string) string { return filepath.Join(orderExample, name) }
	return append([]string{"order", "--order", p("order.json"), "--locations", p("locations.json"), "--stock", p("stock.csv"),
		"--rates", filepath.Join(orderExample, "..", "rates.csv"), "--rules", p("rules.yaml"), "--catalog", p("catalog.json"),
		"--fx", p("fx.json"), "--now", "2026-03-16T09:00:00+01:00"}, extra...)
}

func TestRouteOrderText(t *testing.T) {
	t.Parallel()
	out, _, err := runRoute(t, exampleArgs("--promise-days", "3")...)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Order #1001 → Dresden 01069 DE",
		"from Leipzig (leipzig)  DHL Paket  6.99 EUR  2 business days",
		"LAPTOP × 1",
		"why: Ship from Leipzig: all 3 lines in one shipment. Cheapest of 3 usable plans at 6.99 EUR; one parcel instead of two saves 4.41 EUR.",
		"meets the 3-day promise",
		"costs 4.41 EUR more (11.40 EUR)",
		"Zurich: none of the 2 services quoted meets the 3-day promise",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRouteOrderJSON(t *testing.T) {
	t.Parallel()
	out, _, err := runRoute(t, exampleArgs("--json", "--objective", "speed", "--channel", "amazon-de")...)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Order    string           `json:"order"`
		Decision routing.Decision `json:"decision"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	d := got.Decision
	if got.Order != "#1001" || d.Objective != routing.Speed || d.Channel != "amazon-de" {
		t.Errorf("order %q, objective %q, channel %q", got.Order, d.Objective, d.Channel)
	}
	if len(d.Shipments) != 1 || d.Shipments[0].Rate.Service != "Express" {
		t.Errorf("shipments %+v, want one DHL Express parcel (speed)", d.Shipments)
	}
	excluded := false
	for _, e := range d.Excluded {
		excluded = excluded || (e.LocationID == "munich-store" && e.Reason == "excluded for channel amazon-de")
	}
	if !excluded {
		t.Errorf("excluded %+v lacks the Munich store for amazon-de", d.Excluded)
	}
	if d.Total.String() != "19.90 EUR" || len(d.Assignments) != 3 {
		t.Errorf("total %s, %d assignments", d.Total, len(d.Assignments))
	}
}

func TestRouteOrderLandedCost(t *testing.T) {
	t.Parallel()
	// The example order shipped to London: every location is abroad, and
	// the built-in customs rules quote DDP and DAP.
	data, err := os.ReadFile(filepath.Join(orderExample, "order.json"))
	if err != nil {
		t.Fatal(err)
	}
	london := strings.Replace(string(data), `"postal_code": "01069", "country_code": "DE", "geo": {"lat": 51.0436, "lon": 13.7360}`,
		`"postal_code": "SW1A 1AA", "country_code": "GB", "geo": {"lat": 51.501, "lon": -0.1416}`, 1)
	if london == string(data) {
		t.Fatal("the example order's address changed; update this test")
	}
	args := exampleArgs("--landed-cost", "--json")
	args[2] = writeFile(t, "london.json", london)
	out, _, err := runRoute(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Decision routing.Decision `json:"decision"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	s := got.Decision.Shipments[0]
	if !s.CrossBorder || s.Landed == nil || s.Landed.Error != "" || s.Landed.DDP == nil || s.Landed.DAP == nil {
		t.Fatalf("landed %+v: want both quotes", s.Landed)
	}
	if s.Landed.Incoterm != "DDP" || s.Landed.MerchantCost.IsZero() || !got.Decision.Cost.Duties.Equal(s.Landed.MerchantCost) {
		t.Errorf("incoterm %s, merchant cost %s, duties %s", s.Landed.Incoterm, s.Landed.MerchantCost, got.Decision.Cost.Duties)
	}
	if !strings.Contains(got.Decision.Explanation, "→ GB: DDP costs the merchant") {
		t.Errorf("explanation: %s", got.Decision.Explanation)
	}
}

func TestRouteOrderBatch(t *testing.T) {
	t.Parallel()
	// Twelve copies of the example order (two trousers each): the stock
	// where the rules allow holds 23 trousers, enough for eleven orders.
	data, err := os.ReadFile(filepath.Join(orderExample, "order.json"))
	if err != nil {
		t.Fatal(err)
	}
	var orders []string
	for i := range 12 {
		id := fmt.Sprintf("B%02d", i+1)
		o := strings.Replace(string(data), `"number": "#1001"`, `"number": "#`+id+`"`, 1)
		orders = append(orders, strings.Replace(o, `"external_id": "5862346506295"`, `"external_id": "`+id+`"`, 1))
	}
	args := exampleArgs("--json")
	args[2] = writeFile(t, "orders.json", "["+strings.Join(orders, ",")+"]")
	out, _, err := runRoute(t, args...)
	if err == nil || !strings.Contains(err.Error(), "1 of 12 orders could not be routed") {
		t.Errorf("error %v, want one order of twelve unroutable", err)
	}
	var got []struct {
		Order      string            `json:"order"`
		Decision   *routing.Decision `json:"decision"`
		Unroutable *struct {
			Reason routing.Reason `json:"reason"`
			Detail string         `json:"detail"`
		} `json:"unroutable"`
	}
	if jerr := json.Unmarshal([]byte(out), &got); jerr != nil {
		t.Fatalf("%v:\n%s", jerr, out)
	}
	if len(got) != 12 {
		t.Fatalf("%d results", len(got))
	}
	last := got[11]
	if last.Decision != nil || last.Unroutable == nil || last.Unroutable.Reason != routing.AllExcluded ||
		!strings.Contains(last.Unroutable.Detail, "TROUSERS: 2 ordered, 1 available where the rules allow, 1 held back as safety stock") {
		t.Errorf("the twelfth order: %+v", last.Unroutable)
	}
	// No location ships more than it has available (stores keep one unit).
	stockFile, err := os.Open(filepath.Join(orderExample, "stock.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer stockFile.Close()
	stock, err := routing.ReadStockCSV(stockFile)
	if err != nil {
		t.Fatal(err)
	}
	used := map[routing.StockKey]int{}
	for _, r := range got[:11] {
		if r.Decision == nil {
			t.Fatalf("order %s was not routed: %+v", r.Order, r.Unroutable)
		}
		for _, a := range r.Decision.Assignments {
			used[routing.StockKey{SKU: a.SKU, LocationID: a.LocationID}] += a.Quantity
		}
	}
	for k, n := range used {
		limit := stock[k]
		if k.LocationID == "munich-store" {
			limit-- // safety stock
		}
		if n > limit {
			t.Errorf("%s at %s: %d shipped, %d available", k.SKU, k.LocationID, n, limit)
		}
	}
	if got[0].Decision.Shipments[0].LocationID != "leipzig" || got[1].Decision.Shipments[0].LocationID == "leipzig" {
		t.Errorf("the second order reused Leipzig's reserved stock")
	}
}

func TestRouteOrderErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badRules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(badRules, []byte("split_penalty: 1.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(dir, "typo.json")
	if err := os.WriteFile(typo, []byte(`{"never_splt": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"missing flag", []string{"order", "--order", "x.json"}, "is required", 2},
		{"objective", exampleArgs("--objective", "cheap"), `objective "cheap" must be cost or speed`, 2},
		{"deliver by", exampleArgs("--deliver-by", "next week"), "--deliver-by", 2},
		{"money as a YAML number", replaceArg(exampleArgs(), "--rules", badRules), "never a bare number", 1},
		{"misspelt rule", replaceArg(exampleArgs(), "--rules", typo), `unknown field "never_splt"`, 1},
		{"missing file", replaceArg(exampleArgs(), "--stock", filepath.Join(dir, "none.csv")), "no such file", 1},
		{"promise impossible", exampleArgs("--deliver-by", "2026-03-13"), "cannot be routed (promise-impossible)", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := runRoute(t, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if got := exitCode(err); got != c.code {
				t.Errorf("exit code %d, want %d", got, c.code)
			}
		})
	}
}

// replaceArg sets the value after flag.
func replaceArg(args []string, flag, value string) []string {
	out := append([]string(nil), args...)
	for i := range out {
		if out[i] == flag && i+1 < len(out) {
			out[i+1] = value
		}
	}
	return out
}
