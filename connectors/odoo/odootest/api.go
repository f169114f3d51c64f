package odootest

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// do runs fn as the superuser in a transaction at the clock's time, as a
// person working in Odoo's interface would change data.
func (s *Server) do(write bool, fn func(tx *tx) error) error {
	if write {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	tx := &tx{db: s.db, sudo: true, ctx: map[string]any{"active_test": false}, now: s.opts.Clock().UTC(), calls: s.calls}
	if err := fn(tx); err != nil {
		tx.rollback()
		return err
	}
	return nil
}

func (tx *tx) find(model, field string, value any) int64 {
	t := tx.db.tables[model]
	for _, id := range t.ids {
		if t.rows[id][field] == value {
			return id
		}
	}
	return 0
}

func formatAmount(x float64, cur string) string {
	return strconv.FormatFloat(odooRound(x, roundingOf(cur)), 'f', currencyDigits[cur], 64)
}

func roundingOf(cur string) float64 {
	if currencyDigits[cur] == 0 {
		return 1
	}
	return 0.01
}

// Product is a product variant of the fake.
type Product struct {
	ID, TemplateID int64
	SKU, Name      string
	// ListPrice is the variant's sales price in the company currency.
	ListPrice float64
	Storable  bool
	Active    bool
}

// Products lists every product variant, archived ones included, by id.
func (s *Server) Products() []Product {
	var out []Product
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["product.product"]
		for _, id := range t.ids {
			r := t.rows[id]
			tm := tx.get("product.template", r["product_tmpl_id"].(int64))
			lp, _ := tx.value("product.product", r, t.def.fields["lst_price"]).(float64)
			active := r["active"].(bool) && tm["active"].(bool)
			out = append(out, Product{ID: id, TemplateID: tm["id"].(int64), SKU: r["default_code"].(string), Name: tm["name"].(string),
				ListPrice: lp, Storable: s.storable(tm), Active: active})
		}
		return nil
	})
	return out
}

func (s *Server) storable(tm record) bool {
	if s.version >= 18 {
		b, _ := tm["is_storable"].(bool)
		return b
	}
	return tm["type"] == "product"
}

// ProductBySKU returns the variant with an internal reference.
func (s *Server) ProductBySKU(sku string) (Product, bool) {
	for _, p := range s.Products() {
		if p.SKU == sku {
			return p, true
		}
	}
	return Product{}, false
}

// ProductSpec describes a product to add.
type ProductSpec struct {
	Name string
	// SKUs are the internal references of its variants (one variant each;
	// at least one).
	SKUs []string
	// ListPrice and Cost are in the company currency.
	ListPrice, Cost float64
	// Service makes a service product (no stock); otherwise it is storable.
	Service bool
	// Taxes are sale tax names (see Tax); default "Tax 15%".
	Taxes []string
	// Vendor names a vendor to buy it from (created when new), with its
	// lead time in days.
	Vendor      string
	VendorDelay int
}

// AddProduct creates a product template with its variants and returns the
// variants' ids.
func (s *Server) AddProduct(p ProductSpec) ([]int64, error) {
	if p.Name == "" || len(p.SKUs) == 0 {
		return nil, errors.New("odootest: AddProduct needs a name and at least one SKU")
	}
	var ids []int64
	err := s.do(true, func(tx *tx) error {
		vals := map[string]any{"name": p.Name, "list_price": p.ListPrice, "standard_price": p.Cost}
		if p.Service {
			vals["type"] = "service"
		} else {
			for k, v := range s.storableVals() {
				vals[k] = v
			}
		}
		taxes := p.Taxes
		if taxes == nil {
			taxes = []string{"Tax 15%"}
		}
		var taxIDs []any
		for _, name := range taxes {
			id := tx.find("account.tax", "name", name)
			if id == 0 {
				return fmt.Errorf("odootest: no tax named %q", name)
			}
			taxIDs = append(taxIDs, float64(id))
		}
		vals["taxes_id"] = []any{[]any{6.0, 0.0, taxIDs}}
		var cmds []any
		for _, sku := range p.SKUs {
			cmds = append(cmds, []any{0.0, 0.0, map[string]any{"default_code": sku}})
		}
		vals["product_variant_ids"] = cmds
		if len(p.SKUs) == 1 {
			vals["default_code"] = p.SKUs[0]
		}
		tmpl, err := tx.create("product.template", vals)
		if err != nil {
			return err
		}
		if p.Vendor != "" {
			v := tx.find("res.partner", "name", p.Vendor)
			if v == 0 {
				if v, err = tx.create("res.partner", map[string]any{"name": p.Vendor, "is_company": true, "supplier_rank": 1.0}); err != nil {
					return err
				}
			}
			if _, err := tx.create("product.supplierinfo", map[string]any{"partner_id": f(v), "product_tmpl_id": f(tmpl),
				"price": p.Cost, "delay": float64(p.VendorDelay)}); err != nil {
				return err
			}
		}
		ids = tx.children(tx.db.tables["product.template"].def.fields["product_variant_ids"], tmpl)
		return nil
	})
	return ids, err
}

// UpdateProduct renames a product template, moving its write_date.
func (s *Server) UpdateProduct(templateID int64, name string) error {
	return s.do(true, func(tx *tx) error {
		return tx.write("product.template", []int64{templateID}, map[string]any{"name": name})
	})
}

// SetListPrice changes a product template's sales price.
func (s *Server) SetListPrice(templateID int64, price float64) error {
	return s.do(true, func(tx *tx) error {
		return tx.write("product.template", []int64{templateID}, map[string]any{"list_price": price})
	})
}

// Warehouse is a warehouse of the fake.
type Warehouse struct {
	ID              int64
	Code, Name      string
	StockLocationID int64
	Active          bool
}

// Warehouses lists the warehouses, archived ones included.
func (s *Server) Warehouses() []Warehouse {
	var out []Warehouse
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["stock.warehouse"]
		for _, id := range t.ids {
			r := t.rows[id]
			out = append(out, Warehouse{ID: id, Code: r["code"].(string), Name: r["name"].(string), StockLocationID: r["lot_stock_id"].(int64), Active: r["active"].(bool)})
		}
		return nil
	})
	return out
}

// AddWarehouse creates a warehouse with its stock location.
func (s *Server) AddWarehouse(name, code string) (int64, error) {
	var id int64
	err := s.do(true, func(tx *tx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		id = s.addWarehouse(tx, name, code, 0, true)
		return nil
	})
	return id, err
}

// RenameWarehouse renames a warehouse, moving its write_date.
func (s *Server) RenameWarehouse(id int64, name string) error {
	return s.do(true, func(tx *tx) error { return tx.write("stock.warehouse", []int64{id}, map[string]any{"name": name}) })
}

// SetQuantity sets the on-hand quantity of a SKU in a warehouse's stock
// location, as an inventory count does.
func (s *Server) SetQuantity(sku, warehouseCode string, qty float64) error {
	return s.do(true, func(tx *tx) error {
		pid := tx.find("product.product", "default_code", sku)
		wh := tx.find("stock.warehouse", "code", warehouseCode)
		if pid == 0 || wh == 0 {
			return fmt.Errorf("odootest: no product %q or warehouse %q", sku, warehouseCode)
		}
		loc := tx.get("stock.warehouse", wh)["lot_stock_id"].(int64)
		t := tx.db.tables["stock.quant"]
		for _, id := range t.ids {
			r := t.rows[id]
			if r["product_id"] == pid && r["location_id"] == loc {
				return tx.write("stock.quant", []int64{id}, map[string]any{"quantity": qty})
			}
		}
		_, err := tx.create("stock.quant", map[string]any{"product_id": f(pid), "location_id": f(loc), "quantity": qty})
		return err
	})
}

// Quantity returns the on-hand and reserved quantity of a SKU in a
// warehouse (all its internal locations).
func (s *Server) Quantity(sku, warehouseCode string) (onHand, reserved float64) {
	_ = s.do(false, func(tx *tx) error {
		pid := tx.find("product.product", "default_code", sku)
		wh := tx.find("stock.warehouse", "code", warehouseCode)
		t := tx.db.tables["stock.quant"]
		for _, id := range t.ids {
			r := t.rows[id]
			loc := tx.get("stock.location", r["location_id"].(int64))
			if r["product_id"] == pid && loc["warehouse_id"] == wh && loc["usage"] == "internal" {
				onHand += r["quantity"].(float64)
				reserved += r["reserved_quantity"].(float64)
			}
		}
		return nil
	})
	return onHand, reserved
}

// AddCustomer creates a customer and returns its id.
func (s *Server) AddCustomer(name, email string) (int64, error) {
	var id int64
	err := s.do(true, func(tx *tx) (err error) {
		id, err = tx.create("res.partner", map[string]any{"name": name, "email": email, "customer_rank": 1.0,
			"city": "Lisbon", "country_id": f(tx.find("res.country", "code", "PT"))})
		return err
	})
	return id, err
}

// UpdateCustomer changes a partner's phone, moving its write_date.
func (s *Server) UpdateCustomer(id int64, phone string) error {
	return s.do(true, func(tx *tx) error { return tx.write("res.partner", []int64{id}, map[string]any{"phone": phone}) })
}

// Customers returns the ids of the partners with a customer rank.
func (s *Server) Customers() []int64 {
	var out []int64
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["res.partner"]
		for _, id := range t.ids {
			if n, _ := t.rows[id]["customer_rank"].(int64); n > 0 {
				out = append(out, id)
			}
		}
		return nil
	})
	return out
}

// TaxSpec describes a tax to add.
type TaxSpec struct {
	Name string
	// Amount is the rate in percent, e.g. 19.
	Amount   float64
	Included bool
	// Use is "sale" (default) or "purchase".
	Use string
}

// AddTax creates a tax and returns its id.
func (s *Server) AddTax(t TaxSpec) (int64, error) {
	if t.Use == "" {
		t.Use = "sale"
	}
	var id int64
	err := s.do(true, func(tx *tx) (err error) {
		id, err = tx.create("account.tax", map[string]any{"name": t.Name, "amount": t.Amount, "price_include": t.Included, "type_tax_use": t.Use})
		return err
	})
	return id, err
}

// Tax is a tax of the fake.
type Tax struct {
	ID       int64
	Name     string
	Amount   float64
	Included bool
	Use      string
}

// Taxes lists the taxes.
func (s *Server) Taxes() []Tax {
	var out []Tax
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["account.tax"]
		for _, id := range t.ids {
			r := t.rows[id]
			out = append(out, Tax{ID: id, Name: r["name"].(string), Amount: r["amount"].(float64), Included: r["price_include"].(bool), Use: r["type_tax_use"].(string)})
		}
		return nil
	})
	return out
}

// SaleOrder is a sales order as the fake holds it. Amounts are formatted
// in the order's currency ("130.28").
type SaleOrder struct {
	ID                                    int64
	Name, ClientOrderRef, Origin          string
	State                                 string
	Currency                              string
	PartnerID                             int64
	PartnerName, PartnerEmail             string
	ShippingPartnerID                     int64
	DateOrder                             time.Time
	AmountUntaxed, AmountTax, AmountTotal string
	Lines                                 []SaleLine
	WriteDate                             time.Time
}

// SaleLine is a line of a sales order.
type SaleLine struct {
	ID              int64
	SKU, Name       string
	Quantity        float64
	PriceUnit       float64
	Discount        float64
	Taxes           []string
	Subtotal, Total string
}

// SaleOrders lists every sales order, by id.
func (s *Server) SaleOrders() []SaleOrder {
	var out []SaleOrder
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["sale.order"]
		lines := t.def.fields["order_line"]
		taxField := tx.db.names().saleTax
		for _, id := range t.ids {
			r := t.rows[id]
			cur := tx.get("res.currency", tx.value("sale.order", r, t.def.fields["currency_id"]).(int64))["name"].(string)
			p := tx.get("res.partner", r["partner_id"].(int64))
			so := SaleOrder{ID: id, Name: r["name"].(string), ClientOrderRef: r["client_order_ref"].(string), Origin: str(r["origin"]),
				State: r["state"].(string), Currency: cur, PartnerID: p["id"].(int64), PartnerName: str(p["name"]), PartnerEmail: str(p["email"]),
				ShippingPartnerID: r["partner_shipping_id"].(int64), DateOrder: r["date_order"].(time.Time),
				AmountUntaxed: formatAmount(num(r["amount_untaxed"]), cur), AmountTax: formatAmount(num(r["amount_tax"]), cur),
				AmountTotal: formatAmount(num(r["amount_total"]), cur), WriteDate: r["write_date"].(time.Time)}
			for _, lid := range tx.children(lines, id) {
				l := tx.get("sale.order.line", lid)
				sl := SaleLine{ID: lid, Name: str(l["name"]), Quantity: num(l["product_uom_qty"]), PriceUnit: num(l["price_unit"]),
					Discount: num(l["discount"]), Subtotal: formatAmount(num(l["price_subtotal"]), cur), Total: formatAmount(num(l["price_total"]), cur)}
				if pid, _ := l["product_id"].(int64); pid != 0 {
					sl.SKU = str(tx.get("product.product", pid)["default_code"])
				}
				taxes, _ := l[taxField].([]int64)
				for _, tid := range taxes {
					sl.Taxes = append(sl.Taxes, tx.get("account.tax", tid)["name"].(string))
				}
				so.Lines = append(so.Lines, sl)
			}
			out = append(out, so)
		}
		return nil
	})
	return out
}

func str(v any) string  { s, _ := v.(string); return s }
func num(v any) float64 { x, _ := v.(float64); return x }

// SaleOrdersByRef returns the sales orders whose customer reference is ref.
func (s *Server) SaleOrdersByRef(ref string) []SaleOrder {
	var out []SaleOrder
	for _, so := range s.SaleOrders() {
		if so.ClientOrderRef == ref {
			out = append(out, so)
		}
	}
	return out
}

// LockSaleOrder locks a confirmed order, as a salesperson does.
func (s *Server) LockSaleOrder(id int64) error {
	return s.do(true, func(tx *tx) error { return tx.write("sale.order", []int64{id}, map[string]any{"locked": true}) })
}

// PurchaseOrder is a purchase order (or RFQ) of the fake.
type PurchaseOrder struct {
	ID                  int64
	Name, Origin, State string
	PartnerID           int64
	Partner             string
	WarehouseCode       string
	Currency            string
	AmountTotal         string
	Lines               []PurchaseLine
}

// PurchaseLine is a line of a purchase order.
type PurchaseLine struct {
	ID          int64
	SKU         string
	Quantity    float64
	PriceUnit   float64
	DatePlanned time.Time
}

// PurchaseOrders lists every purchase order and RFQ, by id.
func (s *Server) PurchaseOrders() []PurchaseOrder {
	var out []PurchaseOrder
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["purchase.order"]
		for _, id := range t.ids {
			r := t.rows[id]
			cur := tx.get("res.currency", r["currency_id"].(int64))["name"].(string)
			po := PurchaseOrder{ID: id, Name: str(r["name"]), Origin: str(r["origin"]), State: str(r["state"]), PartnerID: r["partner_id"].(int64),
				Partner: tx.displayName("res.partner", r["partner_id"].(int64)), Currency: cur, AmountTotal: formatAmount(num(r["amount_total"]), cur)}
			if pt := tx.get("stock.picking.type", r["picking_type_id"].(int64)); pt != nil {
				if wh := tx.get("stock.warehouse", pt["warehouse_id"].(int64)); wh != nil {
					po.WarehouseCode = str(wh["code"])
				}
			}
			for _, lid := range tx.children(t.def.fields["order_line"], id) {
				l := tx.get("purchase.order.line", lid)
				pl := PurchaseLine{ID: lid, Quantity: num(l["product_qty"]), PriceUnit: num(l["price_unit"])}
				pl.DatePlanned, _ = l["date_planned"].(time.Time)
				if pid, _ := l["product_id"].(int64); pid != 0 {
					pl.SKU = str(tx.get("product.product", pid)["default_code"])
				}
				po.Lines = append(po.Lines, pl)
			}
			out = append(out, po)
		}
		return nil
	})
	return out
}

// ConfirmPurchaseOrder confirms an RFQ as a buyer does in Odoo: it becomes
// a purchase order and its receipts become incoming stock.
func (s *Server) ConfirmPurchaseOrder(id int64) error {
	return s.do(true, func(tx *tx) error { return confirmPurchase(tx, id) })
}

// Messages returns the bodies of the chatter messages posted on a record,
// oldest first.
func (s *Server) Messages(model string, id int64) []string {
	var out []string
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["mail.message"]
		for _, mid := range t.ids {
			r := t.rows[mid]
			if r["model"] == model && r["res_id"] == id {
				out = append(out, str(r["body"]))
			}
		}
		return nil
	})
	return out
}

// MessagesContaining returns every chatter message body containing s, with
// its model and record id ("sale.order,12: …").
func (s *Server) MessagesContaining(sub string) []string {
	var out []string
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["mail.message"]
		for _, mid := range t.ids {
			r := t.rows[mid]
			if b := str(r["body"]); strings.Contains(b, sub) {
				out = append(out, fmt.Sprintf("%s,%d: %s", r["model"], r["res_id"], b))
			}
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// Count returns the number of records of a model (archived included).
func (s *Server) Count(model string) int {
	n := 0
	_ = s.do(false, func(tx *tx) error {
		if t := tx.db.tables[model]; t != nil {
			n = len(t.ids)
		}
		return nil
	})
	return n
}

// Suppliers lists the vendors (partners with a supplier rank) by name.
func (s *Server) Suppliers() map[string]int64 {
	out := map[string]int64{}
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["res.partner"]
		for _, id := range t.ids {
			if n, _ := t.rows[id]["supplier_rank"].(int64); n > 0 {
				out[str(t.rows[id]["name"])] = id
			}
		}
		return nil
	})
	return out
}

// AddSaleOrderLine adds a line to a sales order, as a salesperson does in
// Odoo, and returns its id.
func (s *Server) AddSaleOrderLine(orderID int64, sku string, qty, price float64) (int64, error) {
	var id int64
	err := s.do(true, func(tx *tx) (err error) {
		pid := tx.find("product.product", "default_code", sku)
		if pid == 0 {
			return fmt.Errorf("odootest: no product %q", sku)
		}
		id, err = tx.create("sale.order.line", map[string]any{"order_id": f(orderID), "product_id": f(pid), "product_uom_qty": qty, "price_unit": price})
		return err
	})
	return id, err
}

// Move is an incoming stock move: a receipt line of a confirmed purchase
// order.
type Move struct {
	ID int64
	// SKU is the product's internal reference.
	SKU string
	// WarehouseCode is the code of the destination's warehouse.
	WarehouseCode string
	// Demand is product_uom_qty; Quantity the part received (picked).
	Demand, Quantity float64
	// State is draft, assigned, done or cancel.
	State string
	// Date is the scheduled (expected) date.
	Date time.Time
	// Reference is the receipt's name ("WH/IN/00001"); Origin the
	// purchase order's name.
	Reference, Origin string
	// WriteDate is the move's write_date.
	WriteDate time.Time
}

// IncomingMoves lists the incoming stock moves by id, in every state.
func (s *Server) IncomingMoves() []Move {
	var out []Move
	_ = s.do(false, func(tx *tx) error {
		t := tx.db.tables["stock.move"]
		for _, id := range t.ids {
			r := t.rows[id]
			if str(r["picking_code"]) != "incoming" {
				continue
			}
			m := Move{ID: id, Demand: num(r["product_uom_qty"]), Quantity: num(r["quantity"]), State: str(r["state"]),
				Reference: str(r["reference"]), Origin: str(r["origin"])}
			m.Date, _ = r["date"].(time.Time)
			m.WriteDate, _ = r["write_date"].(time.Time)
			if p := tx.get("product.product", r["product_id"].(int64)); p != nil {
				m.SKU = str(p["default_code"])
			}
			if loc := tx.get("stock.location", r["location_dest_id"].(int64)); loc != nil {
				if wh, _ := loc["warehouse_id"].(int64); wh != 0 {
					m.WarehouseCode = str(tx.get("stock.warehouse", wh)["code"])
				}
			}
			out = append(out, m)
		}
		return nil
	})
	return out
}

// ReceiveMove records qty more units received on an open incoming move,
// as a warehouse worker entering the quantity on the receipt does. When
// the whole demand is received the move is validated: it becomes done and
// its quantity enters the destination's stock.
func (s *Server) ReceiveMove(id int64, qty float64) error {
	return s.do(true, func(tx *tx) error {
		m := tx.get("stock.move", id)
		if m == nil || str(m["picking_code"]) != "incoming" {
			return fmt.Errorf("odootest: no incoming move %d", id)
		}
		if st := str(m["state"]); st == "done" || st == "cancel" || st == "draft" {
			return fmt.Errorf("odootest: move %d is %s", id, st)
		}
		got := num(m["quantity"]) + qty
		tx.set("stock.move", id, "quantity", got)
		if got < num(m["product_uom_qty"]) {
			return nil
		}
		tx.set("stock.move", id, "state", "done")
		pid, loc := m["product_id"].(int64), m["location_dest_id"].(int64)
		t := tx.db.tables["stock.quant"]
		for _, qid := range t.ids {
			q := t.rows[qid]
			if q["product_id"] == pid && q["location_id"] == loc {
				tx.set("stock.quant", qid, "quantity", num(q["quantity"])+got)
				return nil
			}
		}
		_, err := tx.create("stock.quant", map[string]any{"product_id": f(pid), "location_id": f(loc), "quantity": got})
		return err
	})
}

// RescheduleMove moves an open incoming move's scheduled date, as a buyer
// does when the vendor confirms another delivery date.
func (s *Server) RescheduleMove(id int64, date time.Time) error {
	return s.do(true, func(tx *tx) error {
		if m := tx.get("stock.move", id); m == nil || str(m["picking_code"]) != "incoming" {
			return fmt.Errorf("odootest: no incoming move %d", id)
		}
		tx.set("stock.move", id, "date", date.UTC().Truncate(time.Second))
		return nil
	})
}

// CancelMove cancels an open incoming move.
func (s *Server) CancelMove(id int64) error {
	return s.do(true, func(tx *tx) error {
		if m := tx.get("stock.move", id); m == nil || str(m["picking_code"]) != "incoming" {
			return fmt.Errorf("odootest: no incoming move %d", id)
		}
		tx.set("stock.move", id, "state", "cancel")
		return nil
	})
}

// AddReceipt orders qty units of a SKU from a vendor for a warehouse,
// expected on a date, and confirms the order, as a buyer does: the order's
// receipt move is incoming stock. It returns the move's id.
func (s *Server) AddReceipt(sku, warehouseCode, vendor string, qty float64, expected time.Time) (int64, error) {
	var move int64
	err := s.do(true, func(tx *tx) error {
		pid := tx.find("product.product", "default_code", sku)
		wh := tx.find("stock.warehouse", "code", warehouseCode)
		partner := tx.find("res.partner", "name", vendor)
		if pid == 0 || wh == 0 || partner == 0 {
			return fmt.Errorf("odootest: no product %q, warehouse %q or vendor %q", sku, warehouseCode, vendor)
		}
		pt := tx.get("stock.warehouse", wh)["in_type_id"].(int64)
		po, err := tx.create("purchase.order", map[string]any{"partner_id": f(partner), "picking_type_id": f(pt),
			"order_line": []any{[]any{0.0, 0.0, map[string]any{"product_id": f(pid), "product_qty": qty,
				"date_planned": expected.UTC().Format(dtLayout)}}}})
		if err != nil {
			return err
		}
		before := tx.db.tables["stock.move"].next
		if err := confirmPurchase(tx, po); err != nil {
			return err
		}
		t := tx.db.tables["stock.move"]
		for _, id := range t.ids {
			if id >= before && t.rows[id]["product_id"] == pid {
				move = id
			}
		}
		if move == 0 {
			return fmt.Errorf("odootest: confirming the order of %s made no receipt", sku)
		}
		return nil
	})
	return move, err
}
