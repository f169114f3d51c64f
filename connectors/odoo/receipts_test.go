package odoo

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/odoo/odootest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

var receiptNameRE = regexp.MustCompile(`^[A-Z0-9]+/IN/[0-9]{5}$`)

// TestReadReceipts reads the receipts of the seeded purchase orders and
// checks each against the fake's move, and that they add up to the
// inventory levels' incoming figures, so the two join.
func TestReadReceipts(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"17.0", "18.0", "19.0"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv := fake(t, odootest.Options{Version: v, Products: 20, Customers: -1, Seed: 4})
			c := newTestConnector()
			cfg := testConfig(t, srv, map[string]any{"page_size": 3})
			got := byID(read(t, c, cfg, StreamReceipts, sdk.ModeFull, "").records)
			whID := map[string]int64{}
			for _, w := range srv.Warehouses() {
				whID[w.Code] = w.ID
			}
			open := 0
			incoming := map[string]int{} // sku@location
			for _, m := range srv.IncomingMoves() {
				rec, ok := got[ref("stock.move", m.ID)]
				if m.State != "assigned" || m.SKU == "" {
					if ok {
						t.Errorf("move %d (%s, %s) was read: %+v", m.ID, m.State, m.SKU, rec)
					}
					continue
				}
				open++
				if !ok {
					t.Fatalf("open move %d (%s) was not read", m.ID, m.SKU)
				}
				rc := rec.(*commerce.Receipt)
				want := int(m.Demand - m.Quantity)
				if rc.Deleted || rc.SKU != m.SKU || rc.LocationID != ref("stock.warehouse", whID[m.WarehouseCode]) || rc.Quantity != want {
					t.Errorf("move %d: %+v, want %s at %s, %d units", m.ID, rc, m.SKU, m.WarehouseCode, want)
				}
				if rc.ExpectedAt == nil || !rc.ExpectedAt.Equal(m.Date.Truncate(time.Second)) || m.Date.IsZero() {
					t.Errorf("move %d: expected_at %v, want the move's date %v", m.ID, rc.ExpectedAt, m.Date)
				}
				if rc.Document != m.Reference || !receiptNameRE.MatchString(rc.Document) || rc.PurchaseOrder != m.Origin || rc.PurchaseOrder == "" || rc.Supplier == "" {
					t.Errorf("move %d: document %q purchase order %q supplier %q; want %q, %q and a vendor", m.ID, rc.Document, rc.PurchaseOrder, rc.Supplier, m.Reference, m.Origin)
				}
				if !rc.UpdatedAt.Equal(m.WriteDate.Truncate(time.Second)) {
					t.Errorf("move %d: version %v, want write_date %v", m.ID, rc.UpdatedAt, m.WriteDate)
				}
				incoming[rc.SKU+"@"+rc.LocationID] += rc.Quantity
			}
			if open == 0 || len(got) != open {
				t.Fatalf("read %d receipts, the fake has %d open ones", len(got), open)
			}
			levels := read(t, c, cfg, StreamInventoryLevels, sdk.ModeFull, "").records
			for _, r := range levels {
				lv := r.(*commerce.InventoryLevel)
				if k := lv.SKU + "@" + lv.LocationID; lv.Incoming != incoming[k] {
					t.Errorf("%s: the level has incoming %d, its receipts add up to %d", k, lv.Incoming, incoming[k])
				}
			}
		})
	}
}

// TestReceiptsIncremental follows receipts through their life: ordered,
// partly received, rescheduled, then received in full or cancelled (a
// tombstone), and reads nothing more when nothing changed.
func TestReceiptsIncremental(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	srv := fake(t, odootest.Options{Version: "19.0", Products: 10, Customers: -1, Seed: 2, Clock: clock.now})
	c := newTestConnector()
	cfg := testConfig(t, srv, map[string]any{"page_size": 2})
	full := read(t, c, cfg, StreamReceipts, sdk.ModeFull, "")
	var moves []odootest.Move
	for _, m := range srv.IncomingMoves() {
		if m.State == "assigned" && m.SKU != "" && m.Demand >= 10 {
			moves = append(moves, m)
		}
	}
	if len(moves) < 2 {
		t.Fatalf("the fake has %d open receipts of 10 or more units, want 2", len(moves))
	}
	partial, later := moves[0], moves[1]
	sku := partial.SKU
	vendor := ""
	for name := range srv.Suppliers() {
		vendor = name
	}

	clock.add(time.Minute)
	expected := time.Date(2026, 3, 20, 14, 0, 0, 0, time.UTC)
	added, err := srv.AddReceipt(sku, "WH", vendor, 30, expected)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ReceiveMove(partial.ID, 4); err != nil {
		t.Fatal(err)
	}
	moved := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	if err := srv.RescheduleMove(later.ID, moved); err != nil {
		t.Fatal(err)
	}
	inc := read(t, c, cfg, StreamReceipts, sdk.ModeIncremental, full.cursor)
	got := byID(inc.records)
	if len(inc.records) != 3 || len(got) != 3 {
		t.Fatalf("after a new order, a partial receipt and a new date, the incremental read sent %d records, want 3: %v", len(inc.records), got)
	}
	if rc := got[ref("stock.move", added)].(*commerce.Receipt); rc.Deleted || rc.SKU != sku || rc.Quantity != 30 || rc.ExpectedAt == nil || !rc.ExpectedAt.Equal(expected) ||
		rc.Supplier != vendor || rc.PurchaseOrder == "" || !receiptNameRE.MatchString(rc.Document) {
		t.Errorf("new receipt: %+v", rc)
	}
	if rc := got[ref("stock.move", partial.ID)].(*commerce.Receipt); rc.Deleted || rc.Quantity != int(partial.Demand)-4 {
		t.Errorf("partly received: %d units, want %d", rc.Quantity, int(partial.Demand)-4)
	}
	if rc := got[ref("stock.move", later.ID)].(*commerce.Receipt); rc.ExpectedAt == nil || !rc.ExpectedAt.Equal(moved) || rc.Quantity != int(later.Demand) {
		t.Errorf("rescheduled: expected %v, %d units; want %v, %d", rc.ExpectedAt, rc.Quantity, moved, int(later.Demand))
	}

	clock.add(time.Minute)
	if err := srv.ReceiveMove(partial.ID, partial.Demand-4); err != nil {
		t.Fatal(err)
	}
	if err := srv.CancelMove(added); err != nil {
		t.Fatal(err)
	}
	closed := read(t, c, cfg, StreamReceipts, sdk.ModeIncremental, inc.cursor)
	got = byID(closed.records)
	if len(closed.records) != 2 {
		t.Fatalf("after one receipt was received and one cancelled, the incremental read sent %d records, want 2 tombstones", len(closed.records))
	}
	for _, id := range []int64{partial.ID, added} {
		rc, ok := got[ref("stock.move", id)]
		if !ok || !rc.IsDeleted() || !rc.Version().Equal(clock.now()) {
			t.Errorf("move %d: %+v, want a tombstone at %v", id, rc, clock.now())
		}
	}
	if again := read(t, c, cfg, StreamReceipts, sdk.ModeIncremental, closed.cursor); len(again.records) != 0 {
		t.Fatalf("reading again with nothing changed sent %d records", len(again.records))
	}
	// a full read sends the open receipts only; a targeted read of a
	// received one sends its tombstone
	after := byID(read(t, c, cfg, StreamReceipts, sdk.ModeFull, "").records)
	if _, ok := after[ref("stock.move", partial.ID)]; ok {
		t.Error("a full read sent the received move")
	}
	if len(after) != len(byID(full.records))-1 {
		t.Errorf("a full read sent %d receipts, want %d", len(after), len(byID(full.records))-1)
	}
	out := &collector{}
	if err := c.Read(context.Background(), sdk.ReadRequest{Connection: testConn, Config: cfg, Stream: StreamReceipts, IDs: []string{ref("stock.move", partial.ID)}}, out); err != nil {
		t.Fatal(err)
	}
	if len(out.records) != 1 || !out.records[0].IsDeleted() {
		t.Fatalf("re-reading the received move gave %v, want its tombstone", out.records)
	}
	if on, _ := srv.Quantity(sku, partial.WarehouseCode); on < partial.Demand {
		t.Errorf("the received units did not reach the stock: on hand %v", on)
	}
}

// TestReceiptsWithoutPurchaseRights reads receipts as a user with
// Inventory but no Purchase rights: the purchase order comes from the
// move's origin and the vendor stays unknown, rather than the stream
// failing.
func TestReceiptsWithoutPurchaseRights(t *testing.T) {
	t.Parallel()
	srv := fake(t, odootest.Options{Version: "17.0", Products: 10, Customers: -1, Seed: 3,
		Users: []odootest.User{{Login: "stock", APIKey: "stock-key", Access: map[string]string{"*": "r", "purchase.order.line": "", "purchase.order": ""}}}})
	c := newTestConnector()
	admin := byID(read(t, c, testConfig(t, srv, nil), StreamReceipts, sdk.ModeFull, "").records)
	stock := read(t, c, testConfig(t, srv, map[string]any{"login": "stock", "api_key": "stock-key"}), StreamReceipts, sdk.ModeFull, "").records
	if len(stock) == 0 || len(stock) != len(admin) {
		t.Fatalf("the stock user read %d receipts, the admin %d", len(stock), len(admin))
	}
	for _, r := range stock {
		rc, full := r.(*commerce.Receipt), admin[r.Ref().ExternalID].(*commerce.Receipt)
		if rc.Supplier != "" || rc.PurchaseOrder != full.PurchaseOrder || full.Supplier == "" || rc.Quantity != full.Quantity || !rc.ExpectedAt.Equal(*full.ExpectedAt) {
			t.Errorf("%s: stock user %+v, admin %+v", rc.Source.ExternalID, rc, full)
		}
	}
}
