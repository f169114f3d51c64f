package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/odoo/odootest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

const testConn = "odoo-read"

func fake(t testing.TB, opts odootest.Options) *odootest.Server {
	t.Helper()
	srv, err := odootest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func testConfig(t testing.TB, srv *odootest.Server, over map[string]any) json.RawMessage {
	t.Helper()
	m := map[string]any{"base_url": srv.URL, "database": srv.Database(), "login": srv.Login(), "api_key": srv.APIKey(),
		"request_timeout_seconds": 5, "max_retries": 3}
	for k, v := range over {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

func newTestConnector() *Connector { return New(withRetryDelays(time.Millisecond, 5*time.Millisecond)) }

// collector is a ReadStream that keeps everything.
type collector struct {
	mu       sync.Mutex
	records  []commerce.Record
	cursor   string
	progress []sdk.Progress
}

func (c *collector) Records(rs ...commerce.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, rs...)
	return nil
}

func (c *collector) Checkpoint(cur string) error { c.cursor = cur; return nil }

func (c *collector) Progress(p sdk.Progress) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.progress = append(c.progress, p)
	return nil
}

func read(t testing.TB, c *Connector, cfg json.RawMessage, stream, mode, cursor string) *collector {
	t.Helper()
	out := &collector{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Read(ctx, sdk.ReadRequest{Connection: testConn, Config: cfg, Stream: stream, Mode: mode, Cursor: cursor}, out); err != nil {
		t.Fatalf("read %s %s: %v", stream, mode, err)
	}
	return out
}

func byID(rs []commerce.Record) map[string]commerce.Record {
	m := map[string]commerce.Record{}
	for _, r := range rs {
		m[r.Ref().ExternalID] = r
	}
	return m
}

func TestReadProducts(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"17.0", "18.0", "19.0"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv := fake(t, odootest.Options{Version: v, Products: 20, Customers: -1, Seed: 4})
			got := byID(read(t, newTestConnector(), testConfig(t, srv, nil), StreamProducts, sdk.ModeFull, "").records)
			variants := 0
			for _, p := range srv.Products() {
				rec, ok := got[ref("product.template", p.TemplateID)]
				if !ok {
					t.Fatalf("template %d (%s) was not read", p.TemplateID, p.Name)
				}
				prod := rec.(*commerce.Product)
				wantStatus := "active"
				if !p.Active {
					wantStatus = "archived"
				}
				if prod.Status != wantStatus {
					t.Errorf("%s: status %s, want %s", p.SKU, prod.Status, wantStatus)
				}
				va, ok := prod.VariantBySKU(p.SKU)
				if !ok {
					t.Errorf("%s: variant missing from %s", p.SKU, prod.Title)
					continue
				}
				variants++
				if va.ExternalID != ref("product.product", p.ID) || va.Price == nil || va.Price.Amount.InexactFloat64() != p.ListPrice || va.Price.Currency != "USD" {
					t.Errorf("%s: %+v, want price %v USD", p.SKU, va, p.ListPrice)
				}
				if va.Tracked != p.Storable || va.RequiresShipping == (p.SKU == "SHIP" || p.SKU == "DISC") {
					t.Errorf("%s: tracked %v requires shipping %v", p.SKU, va.Tracked, va.RequiresShipping)
				}
				if p.Storable {
					if va.Weight == nil || va.Weight.Unit != commerce.Kilograms || va.HSCode == "" || va.CountryOfOrigin == "" {
						t.Errorf("%s: weight %v HS %q origin %q", p.SKU, va.Weight, va.HSCode, va.CountryOfOrigin)
					}
					if !slices.ContainsFunc(prod.Tags, func(s string) bool { return strings.HasPrefix(s, "lead_time_days:") }) || prod.Vendor == "" ||
						!slices.Contains(prod.Tags, "supplier:"+prod.Vendor) {
						t.Errorf("%s: vendor %q tags %v", p.SKU, prod.Vendor, prod.Tags)
					}
				}
			}
			if variants == 0 {
				t.Fatal("no variants checked")
			}
		})
	}
}

func TestReadLevelsMatchOdoo(t *testing.T) {
	t.Parallel()
	srv := fake(t, odootest.Options{Version: "18.0", Products: 20, Customers: -1, Seed: 9})
	codes := map[string]string{}
	for _, w := range srv.Warehouses() {
		codes[ref("stock.warehouse", w.ID)] = w.Code
	}
	incoming := map[string]int{}
	for _, po := range srv.PurchaseOrders() {
		if po.State != "purchase" {
			continue
		}
		for _, l := range po.Lines {
			incoming[l.SKU+"@"+po.WarehouseCode] += int(l.Quantity)
		}
	}
	var locReads atomic.Int64 // search_reads of stock.location (JSON-RPC, as 18.0)
	count := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		if bytes.Contains(b, []byte(`"stock.location","search_read"`)) {
			locReads.Add(1)
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		return http.DefaultTransport.RoundTrip(req)
	})
	c := New(withRetryDelays(time.Millisecond, 5*time.Millisecond), WithTransport(count))
	out := read(t, c, testConfig(t, srv, map[string]any{"page_size": 7}), StreamInventoryLevels, sdk.ModeFull, "")
	recs := out.records
	if last := out.progress[len(out.progress)-1]; last.Total != int64(len(recs)) || last.Records != int64(len(recs)) || last.Pages < 3 {
		t.Errorf("last progress %+v for %d levels: the expected total counts one level per product and warehouse", last, len(recs))
	}
	if n := locReads.Load(); n != 1 {
		t.Errorf("the warehouses' locations were read %d times in one pass of %d pages; once per run is enough", n, out.progress[len(out.progress)-1].Pages)
	}
	withIncoming, deleted := 0, 0
	for _, r := range recs {
		lv := r.(*commerce.InventoryLevel)
		code := codes[lv.LocationID]
		if code == "OLD" || code == "" {
			t.Fatalf("a level at an archived or unknown warehouse: %+v", lv)
		}
		on, reserved := srv.Quantity(lv.SKU, code)
		if lv.Deleted {
			deleted++
			continue
		}
		if lv.OnHand != int(on) || lv.Committed != int(reserved) || lv.Available != int(on-reserved) || lv.Incoming != incoming[lv.SKU+"@"+code] {
			t.Errorf("%s at %s: on hand %d committed %d available %d incoming %d; Odoo has %v, %v reserved, %d incoming",
				lv.SKU, code, lv.OnHand, lv.Committed, lv.Available, lv.Incoming, on, reserved, incoming[lv.SKU+"@"+code])
		}
		if lv.Incoming > 0 {
			withIncoming++
		}
	}
	if withIncoming == 0 || deleted == 0 {
		t.Fatalf("%d levels with incoming stock and %d tombstones of archived products: the seed should have both", withIncoming, deleted)
	}
}

func TestIncrementalSendsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	srv := fake(t, odootest.Options{Version: "19.0", Products: 10, Customers: 5, Seed: 2, Clock: clock.now})
	c := newTestConnector()
	cfg := testConfig(t, srv, map[string]any{"page_size": 3})
	full := read(t, c, cfg, StreamInventoryLevels, sdk.ModeFull, "")
	var rfq odootest.PurchaseOrder
	for _, po := range srv.PurchaseOrders() {
		if po.State == "draft" {
			rfq = po
		}
	}
	clock.add(time.Minute)
	if err := srv.ConfirmPurchaseOrder(rfq.ID); err != nil {
		t.Fatal(err)
	}
	inc := read(t, c, cfg, StreamInventoryLevels, sdk.ModeIncremental, full.cursor)
	want := map[string]int{}
	for _, l := range rfq.Lines {
		want[l.SKU] += int(l.Quantity)
	}
	before := byID(full.records)
	if len(inc.records) != len(want) {
		t.Fatalf("confirming an RFQ of %d products at %s re-sent %d levels", len(want), rfq.WarehouseCode, len(inc.records))
	}
	for _, r := range inc.records {
		lv := r.(*commerce.InventoryLevel)
		old := before[lv.Source.ExternalID].(*commerce.InventoryLevel)
		if lv.Incoming-old.Incoming != want[lv.SKU] || !lv.UpdatedAt.After(old.UpdatedAt) {
			t.Errorf("%s: incoming %d → %d, want +%d; version %s → %s", lv.SKU, old.Incoming, lv.Incoming, want[lv.SKU], old.UpdatedAt, lv.UpdatedAt)
		}
	}
	// two changes of one product within the same second are both read
	p := srv.Products()[3]
	prods := read(t, c, cfg, StreamProducts, sdk.ModeFull, "")
	clock.add(time.Minute)
	if err := srv.UpdateProduct(p.TemplateID, "First rename"); err != nil {
		t.Fatal(err)
	}
	one := read(t, c, cfg, StreamProducts, sdk.ModeIncremental, prods.cursor)
	if err := srv.UpdateProduct(p.TemplateID, "Second rename"); err != nil {
		t.Fatal(err)
	}
	two := read(t, c, cfg, StreamProducts, sdk.ModeIncremental, one.cursor)
	three := read(t, c, cfg, StreamProducts, sdk.ModeIncremental, two.cursor)
	if len(one.records) != 1 || len(two.records) != 1 || len(three.records) != 0 {
		t.Fatalf("reads after two renames in one second: %d, %d, %d records; want 1, 1, 0", len(one.records), len(two.records), len(three.records))
	}
	if got := two.records[0].(*commerce.Product).Title; got != "Second rename" {
		t.Fatalf("the second read has %q", got)
	}
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestReadUnderFaults(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"17.0", "19.0"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv := fake(t, odootest.Options{Version: v, Products: 25, Customers: 20, Seed: 5})
			c := newTestConnector()
			cfg := testConfig(t, srv, map[string]any{"page_size": 5, "max_retries": 12, "request_timeout_seconds": 1})
			clean := map[string][]string{}
			for _, st := range []string{StreamProducts, StreamLocations, StreamInventoryLevels, StreamCustomers} {
				clean[st] = keys(read(t, c, cfg, st, sdk.ModeFull, "").records)
			}
			srv.SetFaults(odootest.Faults{Err5xx: 0.15, Err429: 0.1, RetryAfter: 5 * time.Millisecond, Malformed: 0.05,
				Timeout: 0.02, TimeoutDelay: 3 * time.Second, Slow: 0.05, SlowDelay: 20 * time.Millisecond})
			for _, st := range []string{StreamProducts, StreamLocations, StreamInventoryLevels, StreamCustomers} {
				out := read(t, c, cfg, st, sdk.ModeFull, "")
				if got := keys(out.records); !slices.Equal(got, clean[st]) {
					t.Fatalf("%s under faults read %d records, without %d", st, len(got), len(clean[st]))
				}
			}
			stats := srv.Stats()
			if stats.Injected5xx == 0 || stats.Injected429 == 0 || stats.InjectedMalformed == 0 {
				t.Fatalf("the fake did not fail as intended: %+v", stats)
			}
		})
	}
}

func keys(rs []commerce.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = seenKey(r)
	}
	slices.Sort(out)
	return out
}

func TestReadIDsAndErrors(t *testing.T) {
	t.Parallel()
	srv := fake(t, odootest.Options{Products: 5, Customers: 3})
	c := newTestConnector()
	cfg := testConfig(t, srv, nil)
	ps := srv.Products()
	out := &collector{}
	ids := []string{ref("product.template", ps[2].TemplateID), ref("product.template", ps[0].TemplateID)}
	if err := c.Read(context.Background(), sdk.ReadRequest{Connection: testConn, Config: cfg, Stream: StreamProducts, IDs: ids}, out); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(out.records); !slices.Equal(got, []string{ids[1], ids[0]}) && !slices.Equal(got, []string{ids[0], ids[1]}) {
		t.Fatalf("a targeted read returned %v, want %v", got, ids)
	}
	for _, tc := range []struct {
		name string
		req  sdk.ReadRequest
	}{
		{"unknown stream", sdk.ReadRequest{Stream: "orders"}},
		{"bad mode", sdk.ReadRequest{Stream: StreamProducts, Mode: "sometimes"}},
		{"foreign cursor", sdk.ReadRequest{Stream: StreamProducts, Cursor: `{"after":"abc"}`}},
		{"cursor with a bad time", sdk.ReadRequest{Stream: StreamProducts, Cursor: `{"v":1,"hwm":"yesterday"}`}},
		{"id of another model", sdk.ReadRequest{Stream: StreamProducts, IDs: []string{"res.partner,3"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Connection, tc.req.Config = testConn, cfg
			err := c.Read(context.Background(), tc.req, &collector{})
			if sdk.KindOf(err) != sdk.KindInvalidInput {
				t.Fatalf("%v (kind %s), want invalid input", err, sdk.KindOf(err))
			}
		})
	}
}

func keysOf(rs []commerce.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Ref().ExternalID)
	}
	return out
}

func TestReadCustomersAndLocations(t *testing.T) {
	t.Parallel()
	srv := fake(t, odootest.Options{Version: "17.0", Products: 2, Customers: 14, Seed: 8})
	c := newTestConnector()
	cfg := testConfig(t, srv, nil)
	custs := read(t, c, cfg, StreamCustomers, sdk.ModeFull, "").records
	if len(custs) != len(srv.Customers()) {
		t.Fatalf("%d customers read, Odoo has %d", len(custs), len(srv.Customers()))
	}
	withDelivery := 0
	for _, r := range custs {
		cu := r.(*commerce.Customer)
		if cu.Email == "" || len(cu.Addresses) == 0 || cu.Addresses[0].CountryCode == "" || cu.CreatedAt == nil {
			t.Errorf("customer %s: %+v", cu.Source.ExternalID, cu)
		}
		if len(cu.Addresses) > 1 {
			withDelivery++
		}
	}
	if withDelivery == 0 {
		t.Error("no customer carries its delivery address")
	}
	locs := read(t, c, cfg, StreamLocations, sdk.ModeFull, "").records
	active := 0
	for _, r := range locs {
		l := r.(*commerce.Location)
		if l.Active {
			active++
			if l.Address.CountryCode == "" || l.Address.City == "" {
				t.Errorf("warehouse %s has no address: %+v", l.Name, l.Address)
			}
		}
	}
	if len(locs) != 3 || active != 2 {
		t.Fatalf("%d warehouses read, %d active; the fake has 3, 2 active", len(locs), active)
	}
	if l := byID(locs)[ref("stock.warehouse", srv.Warehouses()[0].ID)].(*commerce.Location); l.Address.ProvinceCode != "CA" {
		t.Errorf("San Francisco's province code %q, want CA", l.Address.ProvinceCode)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		ok   bool
	}{
		{"empty", "", true},
		{"fresh", `{"v":1}`, true},
		{"with pass", `{"v":1,"hwm":"2026-03-01T10:00:00Z","pass":{"since":"2026-03-01T09:55:00Z","start":"2026-03-01T10:10:00Z","last":40}}`, true},
		{"old version", `{"v":0}`, false},
		{"negative id", `{"v":1,"pass":{"last":-4}}`, false},
		{"not json", `{`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseCursor(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("parseCursor(%q) = %v", tc.in, err)
			}
			if err == nil {
				again, err := parseCursor(c.String())
				if err != nil || fmt.Sprint(again) != fmt.Sprint(c) {
					t.Fatalf("round trip of %q: %v %v", tc.in, again, err)
				}
			}
		})
	}
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
