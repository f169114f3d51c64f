// Package suite builds the conformance kit's Suite for the Odoo connector
// against a fake Odoo, for the connector's own tests and for the
// end-to-end tests that run the kit through the plugin process.
//
// Start with New: conformance.Run(t, suite.New(t, srv, plugin)).
package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/connectors/odoo"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// Connection is the connection id the suite uses.
const Connection = "conformance"

// Options are the fake Odoo options the suite expects; callers may change
// Version and Seed.
func Options(version string) odootest.Options {
	return odootest.Options{Version: version, Products: 12, Customers: 8, Seed: 11}
}

// Config returns a connection configuration for srv with an API key. The
// channel is the stock master, so that set_inventory changes apply.
func Config(srv *odootest.Server, key string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"base_url": srv.URL, "database": srv.Database(), "login": srv.Login(), "api_key": key,
		"request_timeout_seconds": 5, "max_retries": 3, "page_size": 4, "masters": map[string]any{"stock": "channel"}})
	return b
}

// New returns the Suite for plugin against srv.
func New(t testing.TB, srv *odootest.Server, plugin sdk.Plugin) conformance.Suite {
	t.Helper()
	return conformance.Suite{
		Plugin:         plugin,
		Connection:     Connection,
		Config:         Config(srv, srv.APIKey()),
		BadCredentials: Config(srv, "revoked-api-key"),
		Upstream:       upstream(srv),
		Writes:         Writes(t, srv, Connection),
		CancelWithin:   3 * time.Second,
	}
}

func upstream(srv *odootest.Server) conformance.Upstream {
	n := 0
	wh := func(code string) odootest.Warehouse {
		for _, w := range srv.Warehouses() {
			if w.Code == code {
				return w
			}
		}
		return odootest.Warehouse{}
	}
	return conformance.Upstream{
		Add: func(ctx context.Context, stream string) (string, error) {
			n++
			switch stream {
			case odoo.StreamProducts, odoo.StreamInventoryLevels:
				sku := fmt.Sprintf("CONF-TOTE-%d", n)
				ids, err := srv.AddProduct(odootest.ProductSpec{Name: fmt.Sprintf("Conformance Tote %d", n), SKUs: []string{sku}, ListPrice: 12, Cost: 5,
					Vendor: "Acme Components", VendorDelay: 9})
				if err != nil {
					return "", err
				}
				if stream == odoo.StreamInventoryLevels {
					if err := srv.SetQuantity(sku, "WH", 5); err != nil {
						return "", err
					}
					return fmt.Sprintf("product.product,%d@stock.warehouse,%d", ids[0], wh("WH").ID), nil
				}
				p, _ := srv.ProductBySKU(sku)
				return fmt.Sprintf("product.template,%d", p.TemplateID), nil
			case odoo.StreamLocations:
				id, err := srv.AddWarehouse(fmt.Sprintf("Conformance %d", n), fmt.Sprintf("CF%d", n))
				return fmt.Sprintf("stock.warehouse,%d", id), err
			case odoo.StreamCustomers:
				id, err := srv.AddCustomer(fmt.Sprintf("Conformance Buyer %d", n), fmt.Sprintf("buyer%d@conformance.example", n))
				return fmt.Sprintf("res.partner,%d", id), err
			case odoo.StreamReceipts:
				id, err := srv.AddReceipt(activeStorable(srv)[2].SKU, "WH", vendor(srv), float64(10+n), time.Now().UTC().AddDate(0, 0, 5))
				return fmt.Sprintf("stock.move,%d", id), err
			}
			return "", fmt.Errorf("suite: cannot add to stream %s", stream)
		},
		Update: func(ctx context.Context, stream string) (string, error) {
			n++
			switch stream {
			case odoo.StreamProducts:
				p := activeStorable(srv)[0]
				return fmt.Sprintf("product.template,%d", p.TemplateID), srv.UpdateProduct(p.TemplateID, fmt.Sprintf("Renamed by conformance %d", n))
			case odoo.StreamInventoryLevels:
				p := activeStorable(srv)[1]
				on, _ := srv.Quantity(p.SKU, "WH")
				return fmt.Sprintf("product.product,%d@stock.warehouse,%d", p.ID, wh("WH").ID), srv.SetQuantity(p.SKU, "WH", on+1)
			case odoo.StreamLocations:
				w := wh("BER")
				return fmt.Sprintf("stock.warehouse,%d", w.ID), srv.RenameWarehouse(w.ID, fmt.Sprintf("Berlin %d", n))
			case odoo.StreamCustomers:
				id := srv.Customers()[0]
				return fmt.Sprintf("res.partner,%d", id), srv.UpdateCustomer(id, fmt.Sprintf("+49 30 %07d", n))
			case odoo.StreamReceipts:
				for _, m := range srv.IncomingMoves() {
					if m.State == "assigned" && m.SKU != "" && m.Demand-m.Quantity >= 2 {
						return fmt.Sprintf("stock.move,%d", m.ID), srv.ReceiveMove(m.ID, 1)
					}
				}
				return "", fmt.Errorf("suite: the fake has no open receipt to receive part of")
			}
			return "", fmt.Errorf("suite: cannot update stream %s", stream)
		},
		Stall: srv.Stall,
	}
}

// vendor returns the name of one of the fake's vendors.
func vendor(srv *odootest.Server) string {
	names := make([]string, 0)
	for name := range srv.Suppliers() {
		names = append(names, name)
	}
	slices.Sort(names)
	return names[0]
}

// activeStorable returns the active storable products with a SKU.
func activeStorable(srv *odootest.Server) []odootest.Product {
	var out []odootest.Product
	for _, p := range srv.Products() {
		if p.Storable && p.Active && p.SKU != "" {
			out = append(out, p)
		}
	}
	return out
}

func money(s string) commerce.Money  { return commerce.MustMoney(s, "USD") }
func bag(s string) commerce.MoneyBag { return commerce.Bag(money(s)) }

func bagp(s string) *commerce.MoneyBag {
	b := bag(s)
	return &b
}

// Orders returns three orders of conn over the fake's products, with
// totals consistent with Odoo's tax computation: A (tax excluded, a line
// discount, shipping), B (tax included, a refund, a guest buyer) and C
// (cancelled). They are the suite's write fixtures.
func Orders(t testing.TB, srv *odootest.Server, conn string) (a, b, c *commerce.Order) {
	t.Helper()
	ps := activeStorable(srv)
	if len(ps) < 4 {
		t.Fatalf("suite: the fake needs four storable products with a SKU, has %d", len(ps))
	}
	now := time.Now().UTC().Truncate(time.Second)
	meta := func(id string) commerce.Meta {
		return commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: id}, UpdatedAt: now}
	}
	tax := func(title, rate, amount string) []commerce.TaxLine {
		return []commerce.TaxLine{{Title: title, Rate: decimal.RequireFromString(rate), Amount: bag(amount)}}
	}
	ship := &commerce.Address{Name: "Lena Müller", Line1: "350 Fifth Avenue", City: "New York", ProvinceCode: "NY", PostalCode: "10118", CountryCode: "US"}
	a = &commerce.Order{Meta: meta("gid://conformance/Order/1001"), Number: "#1001", CreatedAt: now.Add(-time.Hour), Currency: "USD",
		FinancialStatus: commerce.FinancialPaid, Customer: &commerce.OrderCustomer{Email: "lena.mueller@conformance.example", FirstName: "Lena", LastName: "Müller"},
		ShippingAddress: ship, BillingAddress: ship,
		Lines: []commerce.OrderLine{
			{ExternalID: "1001-1", SKU: ps[0].SKU, Title: ps[0].Name, Quantity: 2, UnitPrice: bag("10.00"), TotalDiscount: bagp("2.00"), TaxLines: tax("NY Tax", "0.15", "2.70")},
			{ExternalID: "1001-2", SKU: ps[1].SKU, Title: ps[1].Name, Quantity: 1, UnitPrice: bag("5.50"), TaxLines: tax("NY Tax", "0.15", "0.83")},
		},
		ShippingLines: []commerce.ShippingLine{{Title: "Standard Shipping", Price: bag("4.99"), TaxLines: tax("NY Tax", "0.15", "0.75")}},
		Subtotal:      bag("23.50"), TotalDiscounts: bag("2.00"), TotalShipping: bag("4.99"), TotalTax: bag("4.28"), Total: bag("32.77"),
	}
	refundAt := now.Add(-10 * time.Minute)
	b = &commerce.Order{Meta: meta("gid://conformance/Order/1002"), Number: "#1002", CreatedAt: now.Add(-2 * time.Hour), Currency: "USD",
		FinancialStatus: commerce.FinancialPartiallyRefunded, TaxesIncluded: true,
		Lines:    []commerce.OrderLine{{ExternalID: "1002-1", SKU: ps[2].SKU, Title: ps[2].Name, Quantity: 3, UnitPrice: bag("11.90"), TaxLines: tax("DE MwSt", "0.19", "5.70")}},
		Subtotal: bag("35.70"), TotalDiscounts: bag("0.00"), TotalShipping: bag("0.00"), TotalTax: bag("5.70"), Total: bag("35.70"),
		Refunds: []commerce.Refund{{Meta: commerce.Meta{Source: commerce.Ref{ExternalID: "gid://conformance/Refund/77"}, UpdatedAt: refundAt},
			OrderID: "gid://conformance/Order/1002", CreatedAt: refundAt,
			Lines:  []commerce.RefundLine{{LineID: "1002-1", SKU: ps[2].SKU, Quantity: 1, Subtotal: bag("11.90"), Tax: bagp("1.90")}},
			Amount: bag("11.90")}},
	}
	cancelled := now.Add(-5 * time.Minute)
	c = &commerce.Order{Meta: meta("gid://conformance/Order/1003"), Number: "#1003", CreatedAt: now.Add(-3 * time.Hour), Currency: "USD",
		CancelledAt: &cancelled, FinancialStatus: commerce.FinancialVoided,
		Customer: &commerce.OrderCustomer{Email: "noah.brown@conformance.example", FirstName: "Noah", LastName: "Brown"},
		Lines:    []commerce.OrderLine{{ExternalID: "1003-1", SKU: ps[3].SKU, Title: ps[3].Name, Quantity: 1, UnitPrice: bag("9.99")}},
		Subtotal: bag("9.99"), TotalDiscounts: bag("0.00"), TotalShipping: bag("0.00"), TotalTax: bag("0.00"), Total: bag("9.99"),
	}
	return a, b, c
}

// Writes returns the suite's write fixtures: two orders, a cancellation,
// a purchase suggestion and a stock level; the failing change is an order
// of an unknown SKU.
func Writes(t testing.TB, srv *odootest.Server, conn string) *conformance.WriteFixtures {
	t.Helper()
	a, b, c := Orders(t, srv, conn)
	ps := activeStorable(srv)
	var whID int64
	for _, w := range srv.Warehouses() {
		if w.Code == "WH" {
			whID = w.ID
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	sug := &commerce.ReplenishmentSuggestion{Meta: commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: "purchase:" + ps[4%len(ps)].SKU}, UpdatedAt: now},
		Type: "purchase", SKU: ps[4%len(ps)].SKU, LocationID: fmt.Sprintf("stock.warehouse,%d", whID), Quantity: 24,
		OrderBy: commerce.DateOf(now), LeadTimeDays: 9, Policy: "rop", Reason: "conformance: below the reorder point"}
	on, reserved := srv.Quantity(ps[5%len(ps)].SKU, "WH")
	level := &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: "level"}, UpdatedAt: now},
		SKU: ps[5%len(ps)].SKU, LocationID: fmt.Sprintf("stock.warehouse,%d", whID), Available: int(on-reserved) + 7}
	bad := *a
	bad.Source.ExternalID = "gid://conformance/Order/404"
	bad.Lines = []commerce.OrderLine{{ExternalID: "404-1", SKU: "NO-SUCH-SKU-404", Quantity: 1, UnitPrice: bag("1.00")}}
	bad.ShippingLines, bad.Subtotal, bad.TotalDiscounts, bad.TotalShipping, bad.TotalTax, bad.Total = nil, bag("1.00"), bag("0"), bag("0"), bag("0"), bag("1.00")
	failing := sdk.Change{IdempotencyKey: "conformance-order-unknown-sku", Action: sdk.ActionUpsertOrder, Record: &bad}
	changes := []sdk.Change{
		{IdempotencyKey: "conformance-order-1001", Action: sdk.ActionUpsertOrder, Record: a},
		{IdempotencyKey: "conformance-order-1002", Action: sdk.ActionUpsertOrder, Record: b},
		{IdempotencyKey: "conformance-cancel-1003", Action: sdk.ActionCancelOrder, Record: c},
		{IdempotencyKey: "conformance-rfq-1", Action: sdk.ActionCreatePurchaseOrder, Record: sug},
		{IdempotencyKey: "conformance-stock-1", Action: sdk.ActionSetInventory, Record: level},
	}
	refs := map[string]string{"conformance-order-1001": a.Source.ExternalID, "conformance-order-1002": b.Source.ExternalID,
		"conformance-cancel-1003": c.Source.ExternalID}
	return &conformance.WriteFixtures{
		Changes: changes,
		Failing: &failing,
		Applied: func(ctx context.Context, key string) (int, error) {
			if r, ok := refs[key]; ok {
				return len(srv.SaleOrdersByRef(r)), nil
			}
			switch key {
			case "conformance-rfq-1":
				n := 0
				tok := odoo.RFQToken(conn, key)
				for _, po := range srv.PurchaseOrders() {
					n += strings.Count(po.Origin, tok)
				}
				return n, nil
			case "conformance-stock-1":
				return srv.Calls("stock.quant.action_apply_inventory"), nil
			}
			return 0, fmt.Errorf("suite: no count for change %s", key)
		},
	}
}

// GenerateOrders makes n channel orders of conn over the fake's storable
// products (deterministic from seed), with
// taxes excluded (4 %) or included (19 %), shipping on most, totals as a
// channel computes them (tax per line, half-even). The fake needs a sale
// tax of 4 % (excluded) and one of 19 % (included); the seeded ones do.
func GenerateOrders(srv *odootest.Server, conn string, n int, seed uint64) []*commerce.Order {
	var ps []odootest.Product
	for _, p := range srv.Products() {
		if p.Storable && p.Active && p.SKU != "" {
			ps = append(ps, p)
		}
	}
	r := rand.New(rand.NewPCG(seed, 3))
	usd := func(d decimal.Decimal) commerce.MoneyBag {
		return commerce.Bag(commerce.Money{Amount: d.RoundBank(2), Currency: "USD"})
	}
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	out := make([]*commerce.Order, 0, n)
	for i := 0; i < n; i++ {
		incl := r.IntN(3) == 0
		rate := decimal.RequireFromString("0.04")
		title := "NY State Tax"
		if incl {
			rate, title = decimal.RequireFromString("0.19"), "DE MwSt"
		}
		o := &commerce.Order{Meta: commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: fmt.Sprintf("gid://bench/Order/%d", i)}, UpdatedAt: at.Add(time.Duration(i) * time.Minute)},
			Number: fmt.Sprintf("#%d", 1000+i), CreatedAt: at.Add(time.Duration(i) * time.Minute), Currency: "USD", TaxesIncluded: incl,
			Customer: &commerce.OrderCustomer{Email: fmt.Sprintf("buyer%d@bench.example", r.IntN(n/3+1)), FirstName: "Bench", LastName: fmt.Sprint(i)}}
		sub, tax := decimal.Zero, decimal.Zero
		taxOf := func(amount decimal.Decimal) decimal.Decimal {
			if incl {
				return amount.Sub(amount.Div(decimal.NewFromInt(1).Add(rate))).RoundBank(2)
			}
			return amount.Mul(rate).RoundBank(2)
		}
		for k := 0; k < 1+r.IntN(3); k++ {
			p := ps[r.IntN(len(ps))]
			qty := 1 + r.IntN(3)
			unit := decimal.NewFromFloat(p.ListPrice).Round(2)
			line := unit.Mul(decimal.NewFromInt(int64(qty)))
			t := taxOf(line)
			o.Lines = append(o.Lines, commerce.OrderLine{ExternalID: fmt.Sprintf("%d-%d", i, k), SKU: p.SKU, Title: p.Name, Quantity: qty,
				UnitPrice: usd(unit), TaxLines: []commerce.TaxLine{{Title: title, Rate: rate, Amount: usd(t)}}})
			sub, tax = sub.Add(line), tax.Add(t)
		}
		ship := decimal.Zero
		if r.IntN(4) > 0 {
			ship = decimal.RequireFromString("7.99")
			t := taxOf(ship)
			o.ShippingLines = []commerce.ShippingLine{{Title: "Standard", Price: usd(ship), TaxLines: []commerce.TaxLine{{Title: title, Rate: rate, Amount: usd(t)}}}}
			tax = tax.Add(t)
		}
		total := sub.Add(ship)
		if !incl {
			total = total.Add(tax)
		}
		o.Subtotal, o.TotalDiscounts, o.TotalShipping, o.TotalTax, o.Total = usd(sub), usd(decimal.Zero), usd(ship), usd(tax), usd(total)
		out = append(out, o)
	}
	return out
}
