package odootest

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Field constructors.
func char(name, label string) *fieldDef { return &fieldDef{name: name, typ: tChar, label: label} }
func text(name, label string) *fieldDef { return &fieldDef{name: name, typ: tText, label: label} }
func html(name, label string) *fieldDef { return &fieldDef{name: name, typ: tHTML, label: label} }
func integer(name, label string) *fieldDef {
	return &fieldDef{name: name, typ: tInt, label: label}
}
func float(name, label string) *fieldDef { return &fieldDef{name: name, typ: tFloat, label: label} }
func money(name, label string) *fieldDef { return &fieldDef{name: name, typ: tMonetary, label: label} }
func boolean(name, label string) *fieldDef {
	return &fieldDef{name: name, typ: tBool, label: label}
}
func date(name, label string) *fieldDef { return &fieldDef{name: name, typ: tDate, label: label} }
func datetime(name, label string) *fieldDef {
	return &fieldDef{name: name, typ: tDatetime, label: label}
}
func selection(name, label string, values ...string) *fieldDef {
	return &fieldDef{name: name, typ: tSelection, label: label, selection: values}
}
func m2o(name, label, rel string) *fieldDef {
	return &fieldDef{name: name, typ: tM2O, label: label, relation: rel}
}
func o2m(name, label, rel, inverse string) *fieldDef {
	return &fieldDef{name: name, typ: tO2M, label: label, relation: rel, inverse: inverse}
}
func m2m(name, label, rel string) *fieldDef {
	return &fieldDef{name: name, typ: tM2M, label: label, relation: rel}
}

func (f *fieldDef) req() *fieldDef { f.required = true; return f }
func (f *fieldDef) ro() *fieldDef  { f.readonly = true; return f }
func (f *fieldDef) withDefault(d func(tx *tx, vals record) any) *fieldDef {
	f.def = d
	return f
}
func (f *fieldDef) computed(c func(tx *tx, r record) any) *fieldDef {
	f.readonly = true
	f.compute = c
	return f
}

func constant(v any) func(*tx, record) any { return func(*tx, record) any { return v } }

func now(tx *tx, _ record) any { return tx.now }

// related returns a compute that reads field of the many2one via.
func related(via, relModel, field string) func(tx *tx, r record) any {
	return func(tx *tx, r record) any {
		id, _ := r[via].(int64)
		rr := tx.get(relModel, id)
		f := tx.db.tables[relModel].def.fields[field]
		if rr == nil {
			return zero(f.typ)
		}
		return tx.value(relModel, rr, f)
	}
}

// Field names that differ between Odoo versions.
type names struct {
	saleTax, purchaseTax string // sale.order.line / purchase.order.line taxes
	uom                  string // order lines' unit of measure
}

func (d *db) names() names {
	if d.version >= 19 {
		return names{saleTax: "tax_ids", purchaseTax: "tax_ids", uom: "product_uom_id"}
	}
	return names{saleTax: "tax_id", purchaseTax: "taxes_id", uom: "product_uom"}
}

// defineModels declares every model the fake serves, as the given Odoo
// version names its fields.
func (d *db) defineModels() {
	n := d.names()
	d.define((&modelDef{name: "res.currency", label: "Currency"}).add(
		char("name", "Currency").req(), char("symbol", "Symbol"),
		float("rounding", "Rounding Factor").withDefault(constant(0.01)),
		integer("decimal_places", "Decimal Places").withDefault(constant(int64(2))),
		boolean("active", "Active").withDefault(constant(true))))
	d.define((&modelDef{name: "res.country", label: "Country"}).add(char("name", "Country Name").req(), char("code", "Country Code")))
	d.define((&modelDef{name: "res.country.state", label: "Country state"}).add(
		char("name", "State Name").req(), char("code", "State Code"), m2o("country_id", "Country", "res.country").req()))
	d.define((&modelDef{name: "res.company", label: "Companies"}).add(
		char("name", "Company Name").req(), m2o("currency_id", "Currency", "res.currency").req(), m2o("partner_id", "Partner", "res.partner")))
	partner := &modelDef{name: "res.partner", label: "Contact", display: partnerDisplay}
	partner.add(
		char("name", "Name"), char("email", "Email"), char("phone", "Phone"), char("mobile", "Mobile"),
		char("street", "Street"), char("street2", "Street2"), char("city", "City"), char("zip", "Zip"),
		m2o("state_id", "State", "res.country.state"), m2o("country_id", "Country", "res.country"),
		char("country_code", "Country Code").computed(related("country_id", "res.country", "code")),
		boolean("is_company", "Is a Company"), m2o("parent_id", "Related Company", "res.partner"),
		o2m("child_ids", "Contact", "res.partner", "parent_id"),
		selection("type", "Address Type", "contact", "invoice", "delivery", "other").withDefault(constant("contact")),
		integer("customer_rank", "Customer Rank"), integer("supplier_rank", "Supplier Rank"),
		boolean("active", "Active").withDefault(constant(true)), char("ref", "Reference"), text("comment", "Notes"))
	d.define(partner)
	d.define((&modelDef{name: "res.users", label: "User", recName: "name"}).add(
		char("name", "Name"), char("login", "Login").req(), m2o("partner_id", "Related Partner", "res.partner"),
		m2o("company_id", "Company", "res.company"), boolean("active", "Active").withDefault(constant(true))))
	d.define((&modelDef{name: "product.category", label: "Product Category"}).add(char("name", "Name").req()))
	d.define((&modelDef{name: "account.tax", label: "Tax"}).add(
		char("name", "Tax Name").req(), float("amount", "Amount"),
		selection("amount_type", "Tax Computation", "group", "fixed", "percent", "division").withDefault(constant("percent")),
		selection("type_tax_use", "Tax Type", "sale", "purchase", "none").withDefault(constant("sale")),
		boolean("price_include", "Included in Price"), boolean("active", "Active").withDefault(constant(true)),
		m2o("company_id", "Company", "res.company").withDefault(constant(int64(1))), char("description", "Label on Invoices")))
	d.define((&modelDef{name: "product.pricelist", label: "Pricelist"}).add(
		char("name", "Pricelist Name").req(), m2o("currency_id", "Currency", "res.currency").req(),
		boolean("active", "Active").withDefault(constant(true))))

	types := []string{"consu", "service", "product"}
	if d.version >= 18 {
		types = []string{"consu", "service", "combo"}
	}
	tmpl := &modelDef{name: "product.template", label: "Product"}
	tmpl.add(
		char("name", "Name").req(), char("default_code", "Internal Reference"), char("barcode", "Barcode"),
		float("list_price", "Sales Price").withDefault(constant(1.0)), float("standard_price", "Cost"),
		selection("type", "Product Type", types...).withDefault(constant("consu")),
		m2o("categ_id", "Product Category", "product.category"), float("weight", "Weight"), float("volume", "Volume"),
		boolean("active", "Active").withDefault(constant(true)), boolean("sale_ok", "Can be Sold").withDefault(constant(true)),
		boolean("purchase_ok", "Can be Purchased").withDefault(constant(true)), text("description_sale", "Sales Description"),
		char("hs_code", "HS Code"), m2o("country_of_origin", "Origin of Goods", "res.country"),
		m2m("taxes_id", "Sales Taxes", "account.tax"), m2m("supplier_taxes_id", "Purchase Taxes", "account.tax"),
		o2m("seller_ids", "Vendors", "product.supplierinfo", "product_tmpl_id"),
		o2m("product_variant_ids", "Products", "product.product", "product_tmpl_id"))
	if d.version >= 18 {
		tmpl.add(boolean("is_storable", "Track Inventory"))
	}
	// archiving a product archives its variants, as Odoo does
	tmpl.writeCheck = func(tx *tx, id int64, vals record) error {
		if a, ok := vals["active"].(bool); ok {
			saved := tx.ctx["active_test"]
			tx.ctx["active_test"] = false
			for _, v := range tx.children(tx.db.tables["product.template"].def.fields["product_variant_ids"], id) {
				tx.set("product.product", v, "active", a)
			}
			tx.ctx["active_test"] = saved
		}
		return nil
	}
	d.define(tmpl)
	d.define((&modelDef{name: "product.template.attribute.value", label: "Product Template Attribute Value",
		display: func(tx *tx, r record) string {
			return fmt.Sprintf("%s: %s", r["attribute_name"], r["name"])
		}}).add(char("name", "Value").req(), char("attribute_name", "Attribute")))
	variant := &modelDef{name: "product.product", label: "Product Variant", display: variantDisplay}
	variant.add(
		m2o("product_tmpl_id", "Product Template", "product.template").req(),
		char("name", "Name").computed(related("product_tmpl_id", "product.template", "name")),
		char("default_code", "Internal Reference"), char("barcode", "Barcode"),
		boolean("active", "Active").withDefault(constant(true)), float("price_extra", "Variant Price Extra"),
		float("lst_price", "Sales Price").computed(func(tx *tx, r record) any {
			lp, _ := related("product_tmpl_id", "product.template", "list_price")(tx, r).(float64)
			pe, _ := r["price_extra"].(float64)
			return lp + pe
		}),
		float("standard_price", "Cost"), float("weight", "Weight"),
		selection("type", "Product Type", types...).computed(related("product_tmpl_id", "product.template", "type")),
		m2m("product_template_variant_value_ids", "Variant Values", "product.template.attribute.value"),
		o2m("stock_quant_ids", "Stock Quants", "stock.quant", "product_id"),
		o2m("stock_move_ids", "Stock Moves", "stock.move", "product_id"))
	if d.version >= 18 {
		variant.add(boolean("is_storable", "Track Inventory").computed(related("product_tmpl_id", "product.template", "is_storable")))
	}
	d.define(variant)
	d.define((&modelDef{name: "product.supplierinfo", label: "Supplier Pricelist", recName: "partner_id",
		display: func(tx *tx, r record) string { return tx.displayName("res.partner", r["partner_id"].(int64)) }}).add(
		m2o("partner_id", "Vendor", "res.partner").req(), m2o("product_tmpl_id", "Product Template", "product.template"),
		m2o("product_id", "Product Variant", "product.product"), float("min_qty", "Quantity"), float("price", "Price"),
		integer("delay", "Delivery Lead Time").withDefault(constant(int64(1))), integer("sequence", "Sequence").withDefault(constant(int64(1))),
		m2o("currency_id", "Currency", "res.currency")))

	d.define((&modelDef{name: "stock.location", label: "Inventory Locations",
		display: func(tx *tx, r record) string { return locationName(tx, r) }}).add(
		char("name", "Location Name").req(),
		char("complete_name", "Full Location Name").computed(func(tx *tx, r record) any { return locationName(tx, r) }),
		m2o("location_id", "Parent Location", "stock.location"),
		selection("usage", "Location Type", "supplier", "view", "internal", "customer", "inventory", "production", "transit").withDefault(constant("internal")),
		m2o("warehouse_id", "Warehouse", "stock.warehouse"), boolean("active", "Active").withDefault(constant(true))))
	d.define((&modelDef{name: "stock.picking.type", label: "Picking Type"}).add(
		char("name", "Operation Type").req(), selection("code", "Type of Operation", "incoming", "outgoing", "internal").req(),
		m2o("warehouse_id", "Warehouse", "stock.warehouse"), m2o("default_location_dest_id", "Default Destination Location", "stock.location"),
		boolean("active", "Active").withDefault(constant(true))))
	d.define((&modelDef{name: "stock.warehouse", label: "Warehouse"}).add(
		char("name", "Warehouse").req(), char("code", "Short Name").req(), m2o("lot_stock_id", "Location Stock", "stock.location"),
		m2o("view_location_id", "View Location", "stock.location"), m2o("partner_id", "Address", "res.partner"),
		m2o("in_type_id", "In Type", "stock.picking.type"), boolean("active", "Active").withDefault(constant(true)),
		m2o("company_id", "Company", "res.company").withDefault(constant(int64(1)))))
	d.define((&modelDef{name: "stock.quant", label: "Quants",
		display: func(tx *tx, r record) string { return tx.displayName("product.product", r["product_id"].(int64)) }}).add(
		m2o("product_id", "Product", "product.product").req(), m2o("location_id", "Location", "stock.location").req(),
		m2o("warehouse_id", "Warehouse", "stock.warehouse").computed(related("location_id", "stock.location", "warehouse_id")),
		float("quantity", "Quantity"), float("reserved_quantity", "Reserved Quantity"),
		float("inventory_quantity", "Counted Quantity"), boolean("inventory_quantity_set", "Inventory Quantity Set"),
		float("inventory_diff_quantity", "Difference").computed(func(tx *tx, r record) any {
			q, _ := r["quantity"].(float64)
			iq, _ := r["inventory_quantity"].(float64)
			if set, _ := r["inventory_quantity_set"].(bool); !set {
				return 0.0
			}
			return iq - q
		})))
	d.define((&modelDef{name: "stock.move", label: "Stock Move"}).add(
		char("name", "Description"), m2o("product_id", "Product", "product.product").req(),
		float("product_uom_qty", "Demand"),
		float("product_qty", "Real Quantity").computed(func(tx *tx, r record) any { return r["product_uom_qty"] }),
		float("quantity", "Quantity"),
		selection("state", "Status", "draft", "waiting", "confirmed", "partially_available", "assigned", "done", "cancel").withDefault(constant("draft")),
		selection("picking_code", "Picking Code", "incoming", "outgoing", "internal"),
		m2o("location_id", "Source Location", "stock.location").req(), m2o("location_dest_id", "Destination Location", "stock.location").req(),
		datetime("date", "Date Scheduled").withDefault(now), datetime("date_deadline", "Deadline"), char("origin", "Source Document"),
		m2o("purchase_line_id", "Purchase Order Line", "purchase.order.line"), char("reference", "Reference")))

	d.define((&modelDef{name: "sale.order", label: "Sales Order", after: saleOrderAfter, writeCheck: saleOrderWriteCheck}).add(
		char("name", "Order Reference").withDefault(func(tx *tx, _ record) any {
			return fmt.Sprintf("S%05d", tx.db.tables["sale.order"].next)
		}),
		m2o("partner_id", "Customer", "res.partner").req(), m2o("partner_invoice_id", "Invoice Address", "res.partner"),
		m2o("partner_shipping_id", "Delivery Address", "res.partner"), char("client_order_ref", "Customer Reference"),
		char("origin", "Source Document"), datetime("date_order", "Order Date").withDefault(now),
		selection("state", "Status", "draft", "sent", "sale", "cancel").withDefault(constant("draft")),
		boolean("locked", "Locked"), m2o("pricelist_id", "Pricelist", "product.pricelist"),
		m2o("currency_id", "Currency", "res.currency").computed(func(tx *tx, r record) any {
			if pl, _ := r["pricelist_id"].(int64); pl != 0 {
				return tx.get("product.pricelist", pl)["currency_id"]
			}
			return tx.get("res.company", 1)["currency_id"]
		}),
		o2m("order_line", "Order Lines", "sale.order.line", "order_id"),
		money("amount_untaxed", "Untaxed Amount").ro(), money("amount_tax", "Taxes").ro(), money("amount_total", "Total").ro(),
		html("note", "Terms and conditions"), m2o("company_id", "Company", "res.company").withDefault(constant(int64(1))),
		m2o("warehouse_id", "Warehouse", "stock.warehouse")))
	d.define((&modelDef{name: "sale.order.line", label: "Sales Order Line", after: saleLineAfter, unlinkCheck: saleLineUnlinkCheck,
		writeCheck: saleLineWriteCheck}).add(
		m2o("order_id", "Order Reference", "sale.order").req(), integer("sequence", "Sequence").withDefault(constant(int64(10))),
		m2o("product_id", "Product", "product.product"),
		text("name", "Description").withDefault(func(tx *tx, vals record) any {
			if p, _ := vals["product_id"].(int64); p != 0 {
				return tx.displayName("product.product", p)
			}
			return ""
		}).req(),
		float("product_uom_qty", "Quantity").withDefault(constant(1.0)),
		float("price_unit", "Unit Price").withDefault(func(tx *tx, vals record) any {
			if p, _ := vals["product_id"].(int64); p != 0 {
				return tx.value("product.product", tx.get("product.product", p), tx.db.tables["product.product"].def.fields["lst_price"])
			}
			return 0.0
		}),
		float("discount", "Discount (%)"),
		m2m(n.saleTax, "Taxes", "account.tax").withDefault(func(tx *tx, vals record) any {
			if p, _ := vals["product_id"].(int64); p != 0 {
				t, _ := related("product_tmpl_id", "product.template", "taxes_id")(tx, tx.get("product.product", p)).([]int64)
				return append([]int64(nil), t...)
			}
			return []int64(nil)
		}),
		selection("display_type", "Display Type", "line_section", "line_note"),
		money("price_subtotal", "Subtotal").ro(), money("price_tax", "Total Tax").ro(), money("price_total", "Total").ro(),
		float("qty_delivered", "Delivery Quantity"),
		selection("state", "Order Status", "draft", "sent", "sale", "cancel").computed(related("order_id", "sale.order", "state"))))

	d.define((&modelDef{name: "purchase.order", label: "Purchase Order", after: purchaseOrderAfter}).add(
		char("name", "Order Reference").withDefault(func(tx *tx, _ record) any {
			return fmt.Sprintf("P%05d", tx.db.tables["purchase.order"].next)
		}),
		m2o("partner_id", "Vendor", "res.partner").req(), char("partner_ref", "Vendor Reference"), char("origin", "Source Document"),
		datetime("date_order", "Order Deadline").withDefault(now), datetime("date_approve", "Confirmation Date"),
		selection("state", "Status", "draft", "sent", "to approve", "purchase", "done", "cancel").withDefault(constant("draft")),
		m2o("picking_type_id", "Deliver To", "stock.picking.type"),
		m2o("currency_id", "Currency", "res.currency").withDefault(func(tx *tx, _ record) any { return tx.get("res.company", 1)["currency_id"] }),
		o2m("order_line", "Order Lines", "purchase.order.line", "order_id"),
		money("amount_untaxed", "Untaxed Amount").ro(), money("amount_tax", "Taxes").ro(), money("amount_total", "Total").ro(),
		html("notes", "Terms and Conditions"), m2o("company_id", "Company", "res.company").withDefault(constant(int64(1)))))
	d.define((&modelDef{name: "purchase.order.line", label: "Purchase Order Line", after: purchaseLineAfter}).add(
		m2o("order_id", "Order Reference", "purchase.order").req(), integer("sequence", "Sequence").withDefault(constant(int64(10))),
		m2o("product_id", "Product", "product.product"),
		text("name", "Description").withDefault(func(tx *tx, vals record) any {
			if p, _ := vals["product_id"].(int64); p != 0 {
				return tx.displayName("product.product", p)
			}
			return ""
		}).req(),
		float("product_qty", "Quantity").withDefault(constant(1.0)),
		float("price_unit", "Unit Price").withDefault(func(tx *tx, vals record) any { return supplierPrice(tx, vals) }),
		datetime("date_planned", "Expected Arrival").withDefault(func(tx *tx, vals record) any { return supplierDate(tx, vals) }),
		m2m(n.purchaseTax, "Taxes", "account.tax"), float("qty_received", "Received Qty"),
		money("price_subtotal", "Subtotal").ro(), money("price_tax", "Tax").ro(), money("price_total", "Total").ro(),
		selection("display_type", "Display Type", "line_section", "line_note"),
		selection("state", "Status", "draft", "sent", "to approve", "purchase", "done", "cancel").computed(related("order_id", "purchase.order", "state"))))

	d.define((&modelDef{name: "mail.message", label: "Message", recName: "record_name"}).add(
		char("model", "Related Document Model"), integer("res_id", "Related Document ID"), html("body", "Contents"),
		selection("message_type", "Type", "email", "comment", "notification", "auto_comment", "user_notification").withDefault(constant("comment")),
		char("subtype_xmlid", "Subtype"), datetime("date", "Date").withDefault(now), m2o("author_id", "Author", "res.partner"),
		char("record_name", "Message Record Name")))
}

func partnerDisplay(tx *tx, r record) string {
	name, _ := r["name"].(string)
	if p, _ := r["parent_id"].(int64); p != 0 {
		parent := tx.displayName("res.partner", p)
		if name == "" {
			return parent
		}
		return parent + ", " + name
	}
	return name
}

func variantDisplay(tx *tx, r record) string {
	name := tx.displayName("product.template", r["product_tmpl_id"].(int64))
	var vals []string
	ids, _ := r["product_template_variant_value_ids"].([]int64)
	for _, id := range ids {
		if v := tx.get("product.template.attribute.value", id); v != nil {
			vals = append(vals, v["name"].(string))
		}
	}
	if len(vals) > 0 {
		name += " (" + strings.Join(vals, ", ") + ")"
	}
	if code, _ := r["default_code"].(string); code != "" {
		name = "[" + code + "] " + name
	}
	return name
}

func locationName(tx *tx, r record) string {
	name, _ := r["name"].(string)
	if p, _ := r["location_id"].(int64); p != 0 {
		if pr := tx.get("stock.location", p); pr != nil {
			if u, _ := pr["usage"].(string); u == "view" && pr["location_id"].(int64) == 0 {
				return pr["name"].(string) + "/" + name
			}
			return locationName(tx, pr) + "/" + name
		}
	}
	return name
}

// ---- arithmetic as Odoo does it: floats rounded half away from zero with
// an epsilon (odoo.tools.float_utils.float_round).

func odooRound(x, rounding float64) float64 {
	if rounding <= 0 {
		rounding = 0.01
	}
	n := x / rounding
	if n != 0 {
		eps := math.Pow(2, math.Log2(math.Abs(n))-52)
		if n > 0 {
			n += eps
		} else {
			n -= eps
		}
	}
	r := math.Round(n) * rounding
	// clean the binary noise of the multiplication
	digits := int(math.Max(0, math.Ceil(-math.Log10(rounding))))
	p := math.Pow(10, float64(digits))
	return math.Round(r*p) / p
}

// currencyRounding returns the rounding factor of a currency id.
func currencyRounding(tx *tx, cur int64) float64 {
	if c := tx.get("res.currency", cur); c != nil {
		if r, _ := c["rounding"].(float64); r > 0 {
			return r
		}
	}
	return 0.01
}

// computeTaxes splits a line amount into untaxed amount and taxes, per
// line and rounded to the currency (round_per_line, Odoo's default). Taxes
// included in the price are extracted first.
func computeTaxes(tx *tx, base float64, taxIDs []int64, rounding float64) (untaxed, tax float64) {
	var incl, excl []float64
	for _, id := range taxIDs {
		t := tx.get("account.tax", id)
		if t == nil {
			continue
		}
		rate, _ := t["amount"].(float64)
		if at, _ := t["amount_type"].(string); at != "percent" {
			continue
		}
		if pi, _ := t["price_include"].(bool); pi {
			incl = append(incl, rate/100)
		} else {
			excl = append(excl, rate/100)
		}
	}
	total := odooRound(base, rounding)
	sumIncl := 0.0
	for _, r := range incl {
		sumIncl += r
	}
	exclBase := base / (1 + sumIncl)
	inclTax := 0.0
	for _, r := range incl {
		inclTax += odooRound(exclBase*r, rounding)
	}
	untaxed = odooRound(total-inclTax, rounding)
	tax = inclTax
	for _, r := range excl {
		tax += odooRound(untaxed*r, rounding)
	}
	return untaxed, odooRound(tax, rounding)
}

func saleLineAfter(tx *tx, ids []int64) error {
	orders := map[int64]bool{}
	n := tx.db.names()
	for _, id := range ids {
		l := tx.get("sale.order.line", id)
		if l == nil {
			continue
		}
		oid := l["order_id"].(int64)
		orders[oid] = true
		if dt, _ := l["display_type"].(string); dt != "" {
			continue
		}
		order := tx.get("sale.order", oid)
		cur, _ := tx.value("sale.order", order, tx.db.tables["sale.order"].def.fields["currency_id"]).(int64)
		rounding := currencyRounding(tx, cur)
		price, _ := l["price_unit"].(float64)
		qty, _ := l["product_uom_qty"].(float64)
		disc, _ := l["discount"].(float64)
		taxes, _ := l[n.saleTax].([]int64)
		untaxed, tax := computeTaxes(tx, price*(1-disc/100)*qty, taxes, rounding)
		setIfChanged(tx, "sale.order.line", id, "price_subtotal", untaxed)
		setIfChanged(tx, "sale.order.line", id, "price_tax", tax)
		setIfChanged(tx, "sale.order.line", id, "price_total", odooRound(untaxed+tax, rounding))
	}
	for oid := range orders {
		if err := saleOrderAfter(tx, []int64{oid}); err != nil {
			return err
		}
	}
	return nil
}

func setIfChanged(tx *tx, model string, id int64, field string, v any) {
	if r := tx.get(model, id); r != nil && r[field] != v {
		tx.set(model, id, field, v)
	}
}

func saleOrderAfter(tx *tx, ids []int64) error {
	f := tx.db.tables["sale.order"].def.fields["order_line"]
	for _, oid := range ids {
		order := tx.get("sale.order", oid)
		if order == nil {
			continue
		}
		cur, _ := tx.value("sale.order", order, tx.db.tables["sale.order"].def.fields["currency_id"]).(int64)
		rounding := currencyRounding(tx, cur)
		var untaxed, tax float64
		for _, lid := range tx.children(f, oid) {
			l := tx.get("sale.order.line", lid)
			s, _ := l["price_subtotal"].(float64)
			t, _ := l["price_tax"].(float64)
			untaxed += s
			tax += t
		}
		untaxed, tax = odooRound(untaxed, rounding), odooRound(tax, rounding)
		setIfChanged(tx, "sale.order", oid, "amount_untaxed", untaxed)
		setIfChanged(tx, "sale.order", oid, "amount_tax", tax)
		setIfChanged(tx, "sale.order", oid, "amount_total", odooRound(untaxed+tax, rounding))
		if p, _ := order["partner_id"].(int64); p != 0 {
			if inv, _ := order["partner_invoice_id"].(int64); inv == 0 {
				tx.set("sale.order", oid, "partner_invoice_id", p)
			}
			if sh, _ := order["partner_shipping_id"].(int64); sh == 0 {
				tx.set("sale.order", oid, "partner_shipping_id", p)
			}
		}
	}
	return nil
}

// saleOrderWriteCheck refuses changes Odoo refuses on locked or cancelled
// orders.
func saleOrderWriteCheck(tx *tx, id int64, vals record) error {
	o := tx.get("sale.order", id)
	if locked, _ := o["locked"].(bool); locked {
		for k := range vals {
			if k == "order_line" || k == "partner_id" || k == "pricelist_id" {
				return userError("It is forbidden to modify the following fields in a locked order:\n%s", k)
			}
		}
	}
	return nil
}

func saleLineWriteCheck(tx *tx, id int64, vals record) error {
	l := tx.get("sale.order.line", id)
	o := tx.get("sale.order", l["order_id"].(int64))
	if st, _ := o["state"].(string); st == "cancel" {
		if _, ok := vals["product_uom_qty"]; ok {
			return userError("You cannot change the quantity of a line of a cancelled order.")
		}
	}
	if q, ok := vals["product_uom_qty"].(float64); ok {
		if d, _ := l["qty_delivered"].(float64); q < d {
			return userError("You cannot decrease the ordered quantity below the delivered quantity.\nCreate a return first.")
		}
	}
	return nil
}

func saleLineUnlinkCheck(tx *tx, id int64) error {
	l := tx.get("sale.order.line", id)
	o := tx.get("sale.order", l["order_id"].(int64))
	if st, _ := o["state"].(string); st == "sale" {
		if dt, _ := l["display_type"].(string); dt == "" {
			return userError("Once a sales order is confirmed, you can't remove one of its lines (we need to track if something gets invoiced or delivered).\n                Set the quantity to 0 instead.")
		}
	}
	return nil
}

func purchaseLineAfter(tx *tx, ids []int64) error {
	orders := map[int64]bool{}
	n := tx.db.names()
	for _, id := range ids {
		l := tx.get("purchase.order.line", id)
		if l == nil {
			continue
		}
		oid := l["order_id"].(int64)
		orders[oid] = true
		order := tx.get("purchase.order", oid)
		rounding := currencyRounding(tx, order["currency_id"].(int64))
		price, _ := l["price_unit"].(float64)
		qty, _ := l["product_qty"].(float64)
		taxes, _ := l[n.purchaseTax].([]int64)
		untaxed, tax := computeTaxes(tx, price*qty, taxes, rounding)
		setIfChanged(tx, "purchase.order.line", id, "price_subtotal", untaxed)
		setIfChanged(tx, "purchase.order.line", id, "price_tax", tax)
		setIfChanged(tx, "purchase.order.line", id, "price_total", odooRound(untaxed+tax, rounding))
	}
	for oid := range orders {
		if err := purchaseOrderAfter(tx, []int64{oid}); err != nil {
			return err
		}
	}
	return nil
}

func purchaseOrderAfter(tx *tx, ids []int64) error {
	f := tx.db.tables["purchase.order"].def.fields["order_line"]
	for _, oid := range ids {
		order := tx.get("purchase.order", oid)
		if order == nil {
			continue
		}
		rounding := currencyRounding(tx, order["currency_id"].(int64))
		var untaxed, tax float64
		for _, lid := range tx.children(f, oid) {
			l := tx.get("purchase.order.line", lid)
			s, _ := l["price_subtotal"].(float64)
			t, _ := l["price_tax"].(float64)
			untaxed += s
			tax += t
		}
		untaxed, tax = odooRound(untaxed, rounding), odooRound(tax, rounding)
		setIfChanged(tx, "purchase.order", oid, "amount_untaxed", untaxed)
		setIfChanged(tx, "purchase.order", oid, "amount_tax", tax)
		setIfChanged(tx, "purchase.order", oid, "amount_total", odooRound(untaxed+tax, rounding))
	}
	return nil
}

// supplierInfo returns the vendor line of a purchase line's product and
// order partner, or nil.
func supplierInfo(tx *tx, vals record) record {
	pid, _ := vals["product_id"].(int64)
	oid, _ := vals["order_id"].(int64)
	order := tx.get("purchase.order", oid)
	prod := tx.get("product.product", pid)
	if order == nil || prod == nil {
		return nil
	}
	partner := order["partner_id"].(int64)
	t := tx.db.tables["product.supplierinfo"]
	for _, id := range t.ids {
		s := t.rows[id]
		if s["partner_id"].(int64) != partner {
			continue
		}
		if v, _ := s["product_id"].(int64); v != 0 && v != pid {
			continue
		}
		if tm, _ := s["product_tmpl_id"].(int64); tm == prod["product_tmpl_id"].(int64) {
			return s
		}
	}
	return nil
}

func supplierPrice(tx *tx, vals record) any {
	if s := supplierInfo(tx, vals); s != nil {
		return s["price"]
	}
	if p := tx.get("product.product", vals["product_id"].(int64)); p != nil {
		return p["standard_price"]
	}
	return 0.0
}

func supplierDate(tx *tx, vals record) any {
	days := int64(0)
	if s := supplierInfo(tx, vals); s != nil {
		days, _ = s["delay"].(int64)
	}
	return tx.now.Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Second)
}
