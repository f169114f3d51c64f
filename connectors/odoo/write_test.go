package odoo_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/connectors/odoo"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest/suite"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

const conn = "odoo-test"

func newOdoo(t *testing.T, opts odootest.Options) *odootest.Server {
	t.Helper()
	if opts.Products == 0 {
		opts.Products = 12
	}
	if opts.Customers == 0 {
		opts.Customers = 6
	}
	srv, err := odootest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// config returns a configuration for srv with fields overridden.
func config(t *testing.T, srv *odootest.Server, over map[string]any) json.RawMessage {
	t.Helper()
	m := map[string]any{"base_url": srv.URL, "database": srv.Database(), "login": srv.Login(), "api_key": srv.APIKey(),
		"request_timeout_seconds": 5, "max_retries": 2}
	for k, v := range over {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t *testing.T, c *odoo.Connector, cfg json.RawMessage, changes ...sdk.Change) []sdk.ChangeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.Write(ctx, sdk.WriteRequest{Connection: conn, Config: cfg, Changes: changes})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if len(res.Results) != len(changes) {
		t.Fatalf("%d results for %d changes", len(res.Results), len(changes))
	}
	return res.Results
}

func upsert(key string, o *commerce.Order) sdk.Change {
	return sdk.Change{IdempotencyKey: key, Action: sdk.ActionUpsertOrder, Record: o}
}

func oneOrder(t *testing.T, srv *odootest.Server, ref string) odootest.SaleOrder {
	t.Helper()
	sos := srv.SaleOrdersByRef(ref)
	if len(sos) != 1 {
		t.Fatalf("%d sale orders carry client_order_ref %s, want 1", len(sos), ref)
	}
	return sos[0]
}

func TestUpsertOrders(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"17.0", "19.0"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv := newOdoo(t, odootest.Options{Version: v})
			c := odoo.New()
			cfg := config(t, srv, nil)
			a, b, cc := suite.Orders(t, srv, conn)
			res := write(t, c, cfg, upsert("a", a), upsert("b", b), sdk.Change{IdempotencyKey: "c", Action: sdk.ActionCancelOrder, Record: cc})
			for i, r := range res {
				if r.Status != sdk.StatusOK || !strings.HasPrefix(r.ExternalID, "sale.order,") {
					t.Fatalf("change %d: %s %s %v", i, r.Status, r.ExternalID, r.Error)
				}
			}
			for _, tc := range []struct {
				name, ref, total, tax, state string
				lines                        int
			}{
				{"tax excluded, discount, shipping", a.Source.ExternalID, "32.77", "4.28", "sale", 4},
				{"tax included, refunded", b.Source.ExternalID, "23.80", "3.80", "sale", 2},
				{"cancelled", cc.Source.ExternalID, "9.99", "0.00", "cancel", 1},
			} {
				t.Run(tc.name, func(t *testing.T) {
					so := oneOrder(t, srv, tc.ref)
					if so.AmountTotal != tc.total || so.AmountTax != tc.tax || so.State != tc.state || len(so.Lines) != tc.lines {
						t.Fatalf("order %s: total %s tax %s state %s, %d lines; want %s %s %s %d\n%+v", so.Name, so.AmountTotal, so.AmountTax,
							so.State, len(so.Lines), tc.total, tc.tax, tc.state, tc.lines, so.Lines)
					}
					for _, l := range so.Lines {
						if strings.Contains(l.Name, "Rounding") {
							t.Errorf("an exact order got a rounding line %+v", l)
						}
					}
					if !strings.Contains(so.Origin, "[supplyhub ") || so.Currency != "USD" {
						t.Errorf("origin %q currency %s", so.Origin, so.Currency)
					}
				})
			}
			sa := oneOrder(t, srv, a.Source.ExternalID)
			if sa.PartnerEmail != "lena.mueller@conformance.example" || sa.ShippingPartnerID == sa.PartnerID {
				t.Errorf("order A: partner %s, shipping partner %d (customer %d): want the buyer and a delivery address", sa.PartnerEmail, sa.ShippingPartnerID, sa.PartnerID)
			}
			if !sa.DateOrder.Equal(a.CreatedAt) {
				t.Errorf("order A's date %s, want the channel's %s (confirmation must not move it)", sa.DateOrder, a.CreatedAt)
			}
			if sb := oneOrder(t, srv, b.Source.ExternalID); sb.PartnerName != "Marketplace customer (Supplyhub)" {
				t.Errorf("a guest order went to partner %q", sb.PartnerName)
			}
		})
	}
}

func TestOrderReplayAndUpdate(t *testing.T) {
	t.Parallel()
	srv := newOdoo(t, odootest.Options{Version: "18.0"})
	c := odoo.New()
	cfg := config(t, srv, nil)
	a, _, _ := suite.Orders(t, srv, conn)
	first := write(t, c, cfg, upsert("a@1", a))[0]

	// the same version again, under another key: found in Odoo, nothing changes
	again := write(t, c, cfg, upsert("a@1-replay", a))[0]
	if again.Status != sdk.StatusDuplicate || again.ExternalID != first.ExternalID {
		t.Fatalf("replay: %s %s, want duplicate %s", again.Status, again.ExternalID, first.ExternalID)
	}
	// a salesperson adds a line in Odoo; a replay leaves it alone
	if _, err := srv.AddSaleOrderLine(oneOrder(t, srv, a.Source.ExternalID).ID, a.Lines[0].SKU, 1, 3.5); err != nil {
		t.Fatal(err)
	}
	if r := write(t, c, cfg, upsert("a@1-replay-2", a))[0]; r.Status != sdk.StatusDuplicate {
		t.Fatalf("replay after an edit in Odoo: %s %v", r.Status, r.Error)
	}
	before := oneOrder(t, srv, a.Source.ExternalID)
	if len(before.Lines) != 5 || before.AmountTotal == "32.77" {
		t.Fatalf("a replay undid an edit made in Odoo: %d lines, total %s", len(before.Lines), before.AmountTotal)
	}

	// an older version arriving late changes nothing
	older := *a
	older.UpdatedAt = a.UpdatedAt.Add(-time.Hour)
	older.Lines = older.Lines[:1]
	if r := write(t, c, cfg, upsert("a@0", &older))[0]; r.Status != sdk.StatusDuplicate {
		t.Fatalf("an older version: %s %v", r.Status, r.Error)
	}
	if so := oneOrder(t, srv, a.Source.ExternalID); len(so.Lines) != len(before.Lines) || so.AmountTotal != before.AmountTotal {
		t.Fatalf("an older version changed the order: %+v", so)
	}

	// a newer version: the second line's quantity rises and a refund comes
	newer := *a
	newer.UpdatedAt = a.UpdatedAt.Add(time.Hour)
	newer.Lines = append([]commerce.OrderLine(nil), a.Lines...)
	newer.Lines[1].Quantity = 3
	newer.Lines[1].TaxLines = []commerce.TaxLine{{Title: "NY Tax", Rate: decimal.RequireFromString("0.15"), Amount: commerce.Bag(commerce.MustMoney("2.48", "USD"))}}
	newer.Subtotal = commerce.Bag(commerce.MustMoney("34.50", "USD"))
	newer.TotalTax = commerce.Bag(commerce.MustMoney("5.93", "USD"))
	newer.Total = commerce.Bag(commerce.MustMoney("45.42", "USD"))
	at := newer.UpdatedAt
	newer.Refunds = []commerce.Refund{{Meta: commerce.Meta{Source: commerce.Ref{ExternalID: "gid://conformance/Refund/9"}, UpdatedAt: at}, OrderID: a.Source.ExternalID,
		CreatedAt: at, Amount: commerce.Bag(commerce.MustMoney("5.00", "USD"))}}
	r := write(t, c, cfg, upsert("a@2", &newer))[0]
	if r.Status != sdk.StatusOK || r.ExternalID != first.ExternalID {
		t.Fatalf("a newer version: %s %s %v", r.Status, r.ExternalID, r.Error)
	}
	so := oneOrder(t, srv, a.Source.ExternalID)
	if so.AmountTotal != "40.42" || so.State != "sale" {
		t.Fatalf("after the update: total %s (want 45.42 less the 5.00 refund), state %s\n%+v", so.AmountTotal, so.State, so.Lines)
	}
	if len(so.Lines) != len(before.Lines)+1 {
		t.Fatalf("%d lines after adding a refund to %d", len(so.Lines), len(before.Lines))
	}
	zeroed := 0
	for _, l := range so.Lines {
		if l.Quantity == 0 {
			zeroed++
		}
	}
	if zeroed != 1 {
		t.Fatalf("a newer version must set the line added in Odoo to 0 (confirmed lines cannot be deleted): %+v", so.Lines)
	}

	// then the channel cancels it
	cancelled := newer
	cancelled.UpdatedAt = newer.UpdatedAt.Add(time.Minute)
	ct := cancelled.UpdatedAt
	cancelled.CancelledAt = &ct
	if r := write(t, c, cfg, sdk.Change{IdempotencyKey: "a@3", Action: sdk.ActionCancelOrder, Record: &cancelled})[0]; r.Status != sdk.StatusOK {
		t.Fatalf("cancel: %s %v", r.Status, r.Error)
	}
	if so := oneOrder(t, srv, a.Source.ExternalID); so.State != "cancel" || so.AmountTotal != "40.42" {
		t.Fatalf("after the cancellation: %s %s", so.State, so.AmountTotal)
	}
	if r := write(t, c, cfg, sdk.Change{IdempotencyKey: "a@3-again", Action: sdk.ActionCancelOrder, Record: &cancelled})[0]; r.Status != sdk.StatusDuplicate {
		t.Fatalf("cancel again: %s %v", r.Status, r.Error)
	}
	if srv.Calls("sale.order.action_cancel") != 1 {
		t.Fatalf("action_cancel ran %d times", srv.Calls("sale.order.action_cancel"))
	}
}

func TestRoundingAndTotalConflicts(t *testing.T) {
	t.Parallel()
	srv := newOdoo(t, odootest.Options{})
	c := odoo.New()
	cfg := config(t, srv, nil)
	a, _, _ := suite.Orders(t, srv, conn)
	// the channel rounded its tax one cent lower than Odoo does
	off := *a
	off.Source.ExternalID = "gid://conformance/Order/2001"
	off.TotalTax = commerce.Bag(commerce.MustMoney("4.27", "USD"))
	off.Total = commerce.Bag(commerce.MustMoney("32.76", "USD"))
	// and another one is five dollars off: not a rounding difference
	wrong := *a
	wrong.Source.ExternalID = "gid://conformance/Order/2002"
	wrong.Total = commerce.Bag(commerce.MustMoney("37.77", "USD"))
	res := write(t, c, cfg, upsert("off", &off), upsert("wrong", &wrong))
	for _, r := range res {
		if r.Status != sdk.StatusOK {
			t.Fatalf("%s: %s %v", r.IdempotencyKey, r.Status, r.Error)
		}
	}
	so := oneOrder(t, srv, off.Source.ExternalID)
	if so.AmountTotal != "32.76" {
		t.Fatalf("the rounding line did not absorb a cent: total %s", so.AmountTotal)
	}
	found := false
	for _, l := range so.Lines {
		if strings.HasPrefix(l.Name, "Rounding difference") && l.PriceUnit == -0.01 && len(l.Taxes) == 0 {
			found = true
		}
	}
	if !found {
		t.Fatalf("no untaxed rounding line of -0.01: %+v", so.Lines)
	}
	sw := oneOrder(t, srv, wrong.Source.ExternalID)
	if sw.AmountTotal != "32.77" {
		t.Fatalf("a 5.00 difference was absorbed: total %s", sw.AmountTotal)
	}
	notes := srv.Messages("sale.order", sw.ID)
	if len(notes) == 0 || !strings.Contains(notes[0], odoo.ConflictMarker) || !strings.Contains(notes[0], "differs from the channel's by -5.00 USD") {
		t.Fatalf("no conflict note on %s: %q", sw.Name, notes)
	}
	// a replay of the rounded order changes nothing
	if r := write(t, c, cfg, upsert("off-again", &off))[0]; r.Status != sdk.StatusDuplicate {
		t.Fatalf("replay of a rounded order: %s %v", r.Status, r.Error)
	}
}

func TestLostResponseIsRetriedSafely(t *testing.T) {
	t.Parallel()
	srv := newOdoo(t, odootest.Options{Version: "19.0"})
	c := odoo.New()
	cfg := config(t, srv, nil)
	a, _, _ := suite.Orders(t, srv, conn)
	srv.SetFaults(odootest.Faults{LostResponse: 1})
	r := write(t, c, cfg, upsert("a", a))[0]
	if r.Status != sdk.StatusFailed || r.Error.Kind != sdk.KindRetryable {
		t.Fatalf("a lost answer: %s %v, want a retryable failure", r.Status, r.Error)
	}
	srv.SetFaults(odootest.Faults{})
	// the write-back queue retries the change
	r = write(t, c, cfg, upsert("a", a))[0]
	if r.Status != sdk.StatusOK && r.Status != sdk.StatusDuplicate {
		t.Fatalf("the retry: %s %v", r.Status, r.Error)
	}
	so := oneOrder(t, srv, a.Source.ExternalID)
	if so.AmountTotal != "32.77" || so.State != "sale" {
		t.Fatalf("after the retry: %s %s", so.AmountTotal, so.State)
	}
	if srv.Stats().LostResponses == 0 {
		t.Fatal("no answer was lost")
	}
}

func suggestion(sku, wh string, qty int, supplier string) *commerce.ReplenishmentSuggestion {
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	return &commerce.ReplenishmentSuggestion{Meta: commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: "purchase:" + sku + "@" + wh}, UpdatedAt: now},
		Type: "purchase", SKU: sku, LocationID: wh, Quantity: qty, Supplier: supplier, OrderBy: commerce.DateOf(now), LeadTimeDays: 10,
		Policy: "rop", Reason: "below the reorder point"}
}

func rfq(key string, s *commerce.ReplenishmentSuggestion) sdk.Change {
	return sdk.Change{IdempotencyKey: key, Action: sdk.ActionCreatePurchaseOrder, Record: s}
}

func TestDraftRFQsPerSupplier(t *testing.T) {
	t.Parallel()
	srv := newOdoo(t, odootest.Options{Version: "19.0"})
	c := odoo.New()
	cfg := config(t, srv, nil)
	for _, spec := range []odootest.ProductSpec{
		{Name: "Rope 10 m", SKUs: []string{"ROPE-10"}, ListPrice: 20, Cost: 8, Vendor: "Harbour Ropes", VendorDelay: 12},
		{Name: "Rope 20 m", SKUs: []string{"ROPE-20"}, ListPrice: 35, Cost: 14, Vendor: "Harbour Ropes", VendorDelay: 12},
		{Name: "Cleat", SKUs: []string{"CLEAT"}, ListPrice: 9, Cost: 3, Vendor: "Dockside Metal", VendorDelay: 5},
	} {
		if _, err := srv.AddProduct(spec); err != nil {
			t.Fatal(err)
		}
	}
	var wh, ber string
	for _, w := range srv.Warehouses() {
		switch w.Code {
		case "WH":
			wh = "stock.warehouse," + itoa(w.ID)
		case "BER":
			ber = "stock.warehouse," + itoa(w.ID)
		}
	}
	changes := []sdk.Change{
		rfq("s1", suggestion("ROPE-10", wh, 30, "")),
		rfq("s2", suggestion("ROPE-20", wh, 12, "Harbour Ropes")),
		rfq("s3", suggestion("ROPE-10", wh, 6, "")),
		rfq("s4", suggestion("CLEAT", wh, 100, "")),
		rfq("s5", suggestion("CLEAT", ber, 40, "")),
	}
	res := write(t, c, cfg, changes...)
	for _, r := range res {
		if r.Status != sdk.StatusOK {
			t.Fatalf("%s: %s %v", r.IdempotencyKey, r.Status, r.Error)
		}
	}
	if res[0].ExternalID != res[1].ExternalID || res[0].ExternalID != res[2].ExternalID || res[3].ExternalID == res[0].ExternalID || res[4].ExternalID == res[3].ExternalID {
		t.Fatalf("RFQs per vendor and warehouse: %v %v %v %v %v", res[0].ExternalID, res[1].ExternalID, res[2].ExternalID, res[3].ExternalID, res[4].ExternalID)
	}
	got := map[string]map[string]float64{}
	for _, po := range srv.PurchaseOrders() {
		if !strings.HasPrefix(po.Origin, "Supplyhub:") {
			continue
		}
		if po.State != "draft" {
			t.Fatalf("RFQ %s is %s", po.Name, po.State)
		}
		k := po.Partner + "@" + po.WarehouseCode
		got[k] = map[string]float64{}
		for _, l := range po.Lines {
			got[k][l.SKU] += l.Quantity
			if want := time.Date(2026, 3, 12, 12, 0, 0, 0, time.UTC); !l.DatePlanned.Equal(want) {
				t.Errorf("%s: expected arrival %s, want the order-by day plus the lead time %s", l.SKU, l.DatePlanned, want)
			}
		}
	}
	want := map[string]map[string]float64{
		"Harbour Ropes@WH":   {"ROPE-10": 6, "ROPE-20": 12},
		"Dockside Metal@WH":  {"CLEAT": 100},
		"Dockside Metal@BER": {"CLEAT": 40},
	}
	if js(got) != js(want) {
		t.Fatalf("RFQ quantities %s, want %s", js(got), js(want))
	}
	// replay, with the same keys and with new ones: nothing changes
	for i, r := range write(t, c, cfg, changes...) {
		if r.Status != sdk.StatusDuplicate || r.ExternalID != res[i].ExternalID {
			t.Fatalf("replay of %s: %s %s", r.IdempotencyKey, r.Status, r.ExternalID)
		}
	}
	again := []sdk.Change{rfq("s3-next-run", suggestion("ROPE-10", wh, 6, "")), rfq("s2-next-run", suggestion("ROPE-20", wh, 12, ""))}
	for _, r := range write(t, c, cfg, again...) {
		if r.Status != sdk.StatusDuplicate {
			t.Fatalf("the same suggestion under a new key: %s %v", r.Status, r.Error)
		}
	}
	// a later run sets the quantity; an older suggestion arriving late does not
	later := suggestion("ROPE-10", wh, 50, "")
	later.OrderBy = later.OrderBy.AddDays(1)
	older := suggestion("ROPE-10", wh, 7, "")
	older.OrderBy = older.OrderBy.AddDays(-3)
	if r := write(t, c, cfg, rfq("s7", later), rfq("s8", older)); r[0].Status != sdk.StatusOK || r[1].Status != sdk.StatusDuplicate {
		t.Fatalf("a later and an older suggestion: %s %s", r[0].Status, r[1].Status)
	}
	for _, po := range srv.PurchaseOrders() {
		for _, l := range po.Lines {
			if po.ID == idOf(t, res[0].ExternalID) && l.SKU == "ROPE-10" && l.Quantity != 50 {
				t.Fatalf("ROPE-10 after a later run: %v units, want 50", l.Quantity)
			}
		}
	}
	if srv.Calls("purchase.order.button_confirm") != 0 {
		t.Fatal("the connector confirmed an RFQ")
	}
	// once the buyer confirmed an RFQ, new suggestions start another one
	id := idOf(t, res[3].ExternalID)
	if err := srv.ConfirmPurchaseOrder(id); err != nil {
		t.Fatal(err)
	}
	r := write(t, c, cfg, rfq("s6", suggestion("CLEAT", wh, 10, "")))[0]
	if r.Status != sdk.StatusOK || r.ExternalID == res[3].ExternalID {
		t.Fatalf("a suggestion after the RFQ was confirmed: %s %s", r.Status, r.ExternalID)
	}
	for _, tc := range []struct {
		name string
		ch   sdk.Change
		kind sdk.ErrorKind
	}{
		{"unknown SKU", rfq("e1", suggestion("NOPE", wh, 1, "")), sdk.KindPermanent},
		{"not a warehouse", rfq("e2", suggestion("CLEAT", "gid://shopify/Location/1", 1, "")), sdk.KindInvalidInput},
		{"transfer", rfq("e3", func() *commerce.ReplenishmentSuggestion {
			s := suggestion("CLEAT", wh, 1, "")
			s.Type, s.FromLocationID = "transfer", ber
			return s
		}()), sdk.KindInvalidInput},
		{"no vendor", rfq("e4", suggestion(srv.Products()[0].SKU, wh, 1, "Nobody Ltd")), sdk.KindPermanent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := write(t, c, cfg, tc.ch)[0]
			if r.Status != sdk.StatusFailed || r.Error.Kind != tc.kind || r.Error.Detail == "" {
				t.Fatalf("%s %v, want a %s failure with a detail", r.Status, r.Error, tc.kind)
			}
		})
	}
}

func TestSetInventoryFollowsTheStockMaster(t *testing.T) {
	t.Parallel()
	srv := newOdoo(t, odootest.Options{Version: "17.0"})
	c := odoo.New()
	var p odootest.Product
	for _, x := range srv.Products() {
		if x.Storable && x.Active && x.SKU != "" {
			p = x
			break
		}
	}
	var whID int64
	for _, w := range srv.Warehouses() {
		if w.Code == "BER" {
			whID = w.ID
		}
	}
	on, reserved := srv.Quantity(p.SKU, "BER")
	level := &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: "x"}, UpdatedAt: time.Now()},
		SKU: p.SKU, LocationID: "stock.warehouse," + itoa(whID), Available: int(on-reserved) + 5}
	set := sdk.Change{IdempotencyKey: "stock-1", Action: sdk.ActionSetInventory, Record: level}

	r := write(t, c, config(t, srv, nil), set)[0]
	if r.Status != sdk.StatusFailed || r.Error.Kind != sdk.KindPermanent || !strings.Contains(r.Error.Message, "mastered by Odoo") {
		t.Fatalf("with Odoo as stock master: %s %v", r.Status, r.Error)
	}
	if got, _ := srv.Quantity(p.SKU, "BER"); got != on {
		t.Fatalf("a refused change moved the stock from %v to %v", on, got)
	}
	if notes := srv.Messages("product.template", p.TemplateID); len(notes) != 1 || !strings.Contains(notes[0], "master: erp") {
		t.Fatalf("conflict notes %q", notes)
	}

	channel := config(t, srv, map[string]any{"masters": map[string]any{"stock": "channel"}})
	r = write(t, c, channel, set)[0]
	if r.Status != sdk.StatusOK {
		t.Fatalf("with the channel as stock master: %s %v", r.Status, r.Error)
	}
	if got, res := srv.Quantity(p.SKU, "BER"); int(got-res) != level.Available || res != reserved {
		t.Fatalf("on hand %v reserved %v, want available %d with reserved %v kept", got, res, level.Available, reserved)
	}
	if r := write(t, c, channel, set)[0]; r.Status != sdk.StatusDuplicate {
		t.Fatalf("setting the same quantity again: %s %v", r.Status, r.Error)
	}
	if n := srv.Calls("stock.quant.action_apply_inventory"); n != 1 {
		t.Fatalf("%d inventory adjustments, want 1", n)
	}
}

func TestPriceConflictNote(t *testing.T) {
	t.Parallel()
	srv := newOdoo(t, odootest.Options{})
	c := odoo.New()
	a, _, _ := suite.Orders(t, srv, conn)
	for _, tc := range []struct {
		name, master, fix string
	}{
		{"channel is master", "channel", "update the list price in Odoo"},
		{"odoo is master", "erp", "update the price on the channel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := *a
			o.Source.ExternalID = "gid://conformance/Order/price-" + tc.master
			r := write(t, c, config(t, srv, map[string]any{"masters": map[string]any{"prices": tc.master}}), upsert("p-"+tc.master, &o))[0]
			if r.Status != sdk.StatusOK {
				t.Fatalf("%s %v", r.Status, r.Error)
			}
			so := oneOrder(t, srv, o.Source.ExternalID)
			notes := strings.Join(srv.Messages("sale.order", so.ID), "\n")
			if !strings.Contains(notes, odoo.ConflictMarker) || !strings.Contains(notes, "price of "+o.Lines[0].SKU) || !strings.Contains(notes, tc.fix) {
				t.Fatalf("notes %q", notes)
			}
		})
	}
	o := *a
	o.Source.ExternalID = "gid://conformance/Order/quiet"
	write(t, c, config(t, srv, map[string]any{"conflict_notes": false}), upsert("quiet", &o))
	if notes := srv.Messages("sale.order", oneOrder(t, srv, o.Source.ExternalID).ID); len(notes) != 0 {
		t.Fatalf("conflict_notes false still posted %q", notes)
	}
}

func TestWriteFailures(t *testing.T) {
	t.Parallel()
	srv := newOdoo(t, odootest.Options{Version: "18.0", Users: []odootest.User{{Login: "reader", APIKey: "reader-key", Access: map[string]string{"*": "r"}}}})
	c := odoo.New()
	a, _, _ := suite.Orders(t, srv, conn)
	eur := *a
	eur.Source.ExternalID = "gid://conformance/Order/eur"
	eur.PresentmentCurrency = "SEK"
	eur.Currency = "CAD"
	cad := func(b commerce.MoneyBag) commerce.MoneyBag {
		return commerce.MoneyBag{Shop: commerce.Money{Amount: b.Shop.Amount, Currency: "CAD"}}
	}
	eur.Lines = []commerce.OrderLine{{ExternalID: "x", SKU: a.Lines[1].SKU, Quantity: 1, UnitPrice: cad(a.Lines[1].UnitPrice)}}
	eur.ShippingLines, eur.Customer = nil, nil
	eur.Subtotal, eur.TotalDiscounts, eur.TotalShipping, eur.TotalTax, eur.Total = cad(a.Lines[1].UnitPrice), cad(commerce.Bag(commerce.MustMoney("0", "USD"))),
		cad(commerce.Bag(commerce.MustMoney("0", "USD"))), cad(commerce.Bag(commerce.MustMoney("0", "USD"))), cad(a.Lines[1].UnitPrice)
	oddTax := *a
	oddTax.Source.ExternalID = "gid://conformance/Order/odd-tax"
	oddTax.Lines = append([]commerce.OrderLine(nil), a.Lines...)
	oddTax.Lines[1].TaxLines = []commerce.TaxLine{{Title: "Odd Tax", Rate: decimal.RequireFromString("0.0825"), Amount: commerce.Bag(commerce.MustMoney("0.45", "USD"))}}
	for _, tc := range []struct {
		name string
		cfg  json.RawMessage
		ch   sdk.Change
		kind sdk.ErrorKind
		msg  string
	}{
		{"no pricelist in the currency", config(t, srv, map[string]any{"order_currency": "presentment"}), upsert("k1", withPresentment(&eur)), sdk.KindPermanent, "pricelist"},
		{"unknown tax rate", config(t, srv, nil), upsert("k2", &oddTax), sdk.KindPermanent, "8.25%"},
		{"wrong record kind", config(t, srv, nil), sdk.Change{IdempotencyKey: "k3", Action: sdk.ActionUpsertOrder, Record: suggestion("X", "stock.warehouse,1", 1, "")}, sdk.KindInvalidInput, "needs an order"},
		{"no idempotency key", config(t, srv, nil), upsert("", a), sdk.KindInvalidInput, "idempotency_key"},
		{"unknown action", config(t, srv, nil), sdk.Change{IdempotencyKey: "k4", Action: sdk.ActionCreateFulfillment, Record: a}, sdk.KindNotImplemented, "not supported"},
		{"read-only user", config(t, srv, map[string]any{"login": "reader", "api_key": "reader-key"}), upsert("k5", a), sdk.KindPermanent, "AccessError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := write(t, c, tc.cfg, tc.ch)[0]
			if r.Status != sdk.StatusFailed || r.Error == nil || r.Error.Kind != tc.kind || !strings.Contains(r.Error.Error(), tc.msg) {
				t.Fatalf("%s %v, want a %s failure mentioning %q", r.Status, r.Error, tc.kind, tc.msg)
			}
		})
	}
	_, err := c.Write(context.Background(), sdk.WriteRequest{Connection: conn, Config: config(t, srv, map[string]any{"api_key": "revoked"}), Changes: []sdk.Change{upsert("k6", a)}})
	if sdk.KindOf(err) != sdk.KindAuthentication {
		t.Fatalf("a revoked key: %v, want an authentication error for the whole call", err)
	}
	if n := srv.Count("sale.order"); n != 0 {
		t.Fatalf("failed writes left %d sale orders", n)
	}
}

// withPresentment gives every amount of an order a presentment amount in
// its presentment currency.
func withPresentment(o *commerce.Order) *commerce.Order {
	cp := *o
	pres := func(b commerce.MoneyBag) commerce.MoneyBag {
		p := commerce.Money{Amount: b.Shop.Amount, Currency: cp.PresentmentCurrency}
		b.Presentment = &p
		return b
	}
	cp.Lines = append([]commerce.OrderLine(nil), o.Lines...)
	for i := range cp.Lines {
		cp.Lines[i].UnitPrice = pres(cp.Lines[i].UnitPrice)
	}
	cp.Subtotal, cp.TotalDiscounts, cp.TotalShipping, cp.TotalTax, cp.Total = pres(cp.Subtotal), pres(cp.TotalDiscounts), pres(cp.TotalShipping), pres(cp.TotalTax), pres(cp.Total)
	return &cp
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func idOf(t *testing.T, ext string) int64 {
	t.Helper()
	_, s, _ := strings.Cut(ext, ",")
	var n int64
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("external id %q", ext)
	}
	return n
}

func TestPresentmentCurrency(t *testing.T) {
	t.Parallel()
	srv := newOdoo(t, odootest.Options{Version: "19.0"})
	c := odoo.New()
	cfg := config(t, srv, map[string]any{"order_currency": "presentment"})
	a, _, _ := suite.Orders(t, srv, conn)
	eur := *a
	eur.Source.ExternalID = "gid://conformance/Order/in-eur"
	eur.PresentmentCurrency = "EUR"
	full := withPresentment(&eur)
	full.ShippingLines = nil
	full.Lines = full.Lines[1:]
	for i := range full.Lines {
		full.Lines[i].TaxLines = nil
	}
	full.Total = full.Lines[0].UnitPrice
	if r := write(t, c, cfg, upsert("eur", full))[0]; r.Status != sdk.StatusOK {
		t.Fatalf("%s %v", r.Status, r.Error)
	}
	if so := oneOrder(t, srv, full.Source.ExternalID); so.Currency != "EUR" || so.AmountTotal != "5.50" {
		t.Fatalf("booked in %s, total %s; want EUR 5.50", so.Currency, so.AmountTotal)
	}
	// an order without presentment amounts is booked in the shop currency
	partial := *a
	partial.Source.ExternalID = "gid://conformance/Order/no-presentment"
	partial.PresentmentCurrency = "EUR"
	if r := write(t, c, cfg, upsert("partial", &partial))[0]; r.Status != sdk.StatusOK {
		t.Fatalf("%s %v", r.Status, r.Error)
	}
	if so := oneOrder(t, srv, partial.Source.ExternalID); so.Currency != "USD" || so.AmountTotal != "32.77" {
		t.Fatalf("booked in %s, total %s; want USD 32.77", so.Currency, so.AmountTotal)
	}
}
