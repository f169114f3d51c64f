package odootest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// method describes a public model method: its parameter names (for the
// positional arguments of execute_kw), whether it takes record ids, and
// whether it only reads.
type method struct {
	params   []string
	records  bool
	readonly bool
	models   []string // restricts the method to these models; empty = any
	minVer   int      // first Odoo major version with the method
	maxVer   int      // last one (0 = still there)
	run      func(tx *tx, model string, ids []int64, kw map[string]any) (any, error)
}

var methods map[string]*method

func init() {
	methods = map[string]*method{
		"search_read":            {params: []string{"domain", "fields", "offset", "limit", "order"}, readonly: true, run: mSearchRead},
		"search":                 {params: []string{"domain", "offset", "limit", "order"}, readonly: true, run: mSearch},
		"search_count":           {params: []string{"domain", "limit"}, readonly: true, run: mSearchCount},
		"read":                   {params: []string{"fields", "load"}, records: true, readonly: true, run: mRead},
		"fields_get":             {params: []string{"allfields", "attributes"}, readonly: true, run: mFieldsGet},
		"create":                 {params: []string{"vals_list"}, run: mCreate},
		"write":                  {params: []string{"vals"}, records: true, run: mWrite},
		"unlink":                 {records: true, run: mUnlink},
		"check_access_rights":    {params: []string{"operation", "raise_exception"}, readonly: true, maxVer: 18, run: mCheckAccessRights},
		"has_access":             {params: []string{"operation"}, readonly: true, minVer: 18, run: mHasAccess},
		"context_get":            {readonly: true, models: []string{"res.users"}, run: mContextGet},
		"action_confirm":         {records: true, models: []string{"sale.order"}, run: mSaleConfirm},
		"action_cancel":          {records: true, models: []string{"sale.order"}, run: mSaleCancel},
		"action_draft":           {records: true, models: []string{"sale.order"}, run: mSaleDraft},
		"message_post":           {params: []string{"body"}, records: true, models: []string{"sale.order", "purchase.order", "product.template", "product.product", "res.partner", "stock.quant"}, run: mMessagePost},
		"button_confirm":         {records: true, models: []string{"purchase.order"}, run: mPurchaseConfirm},
		"button_cancel":          {records: true, models: []string{"purchase.order"}, run: mPurchaseCancel},
		"action_apply_inventory": {records: true, models: []string{"stock.quant"}, run: mApplyInventory},
	}
}

// lookup finds a method for a model and version, or a NotFound error as
// Odoo answers for an unknown public method.
func lookup(d *db, model, name string) (*method, error) {
	m := methods[name]
	if m == nil || len(m.models) > 0 && !slices.Contains(m.models, model) || m.minVer > d.version || m.maxVer > 0 && d.version > m.maxVer {
		return nil, &odooError{name: "werkzeug.exceptions.NotFound", status: 404,
			message: fmt.Sprintf("The method '%s' does not exist on the model '%s'", name, model)}
	}
	return m, nil
}

// callCounter counts business method calls, for tests.
type callCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounter) add(key string) {
	c.mu.Lock()
	c.n[key]++
	c.mu.Unlock()
}

func (c *callCounter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// ---- argument helpers

func kwInt(kw map[string]any, k string) (int, error) {
	v, ok := kw[k]
	if !ok || v == nil || v == false {
		return 0, nil
	}
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || f < 0 {
		return 0, valueError("%s must be a non-negative integer, got %s", k, short(v))
	}
	return int(f), nil
}

func kwStrings(kw map[string]any, k string) ([]string, error) {
	v, ok := kw[k]
	if !ok || v == nil || v == false {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, valueError("%s must be a list of field names, got %s", k, short(v))
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, valueError("%s must be a list of field names, got %s", k, short(v))
		}
		out = append(out, s)
	}
	return out, nil
}

func kwString(kw map[string]any, k string) string {
	s, _ := kw[k].(string)
	return s
}

// ---- ORM methods

func mSearch(tx *tx, model string, _ []int64, kw map[string]any) (any, error) {
	off, err := kwInt(kw, "offset")
	if err != nil {
		return nil, err
	}
	lim, err := kwInt(kw, "limit")
	if err != nil {
		return nil, err
	}
	ids, err := tx.search(model, kw["domain"], kwString(kw, "order"), off, lim)
	if ids == nil {
		ids = []int64{}
	}
	return ids, err
}

func mSearchRead(tx *tx, model string, _ []int64, kw map[string]any) (any, error) {
	off, err := kwInt(kw, "offset")
	if err != nil {
		return nil, err
	}
	lim, err := kwInt(kw, "limit")
	if err != nil {
		return nil, err
	}
	fields, err := kwStrings(kw, "fields")
	if err != nil {
		return nil, err
	}
	ids, err := tx.search(model, kw["domain"], kwString(kw, "order"), off, lim)
	if err != nil {
		return nil, err
	}
	return tx.read(model, ids, fields)
}

func mSearchCount(tx *tx, model string, _ []int64, kw map[string]any) (any, error) {
	lim, err := kwInt(kw, "limit")
	if err != nil {
		return nil, err
	}
	ids, err := tx.search(model, kw["domain"], "", 0, lim)
	return len(ids), err
}

func mRead(tx *tx, model string, ids []int64, kw map[string]any) (any, error) {
	fields, err := kwStrings(kw, "fields")
	if err != nil {
		return nil, err
	}
	return tx.read(model, ids, fields)
}

func mFieldsGet(tx *tx, model string, _ []int64, kw map[string]any) (any, error) {
	t, err := tx.db.table(model)
	if err != nil {
		return nil, err
	}
	if err := tx.check(model, "read"); err != nil {
		return nil, err
	}
	only, err := kwStrings(kw, "allfields")
	if err != nil {
		return nil, err
	}
	attrs, err := kwStrings(kw, "attributes")
	if err != nil {
		return nil, err
	}
	want := func(a string) bool { return len(attrs) == 0 || slices.Contains(attrs, a) }
	out := map[string]any{}
	for _, name := range t.def.order {
		if len(only) > 0 && !slices.Contains(only, name) {
			continue
		}
		f := t.def.fields[name]
		d := map[string]any{}
		if want("type") {
			d["type"] = f.typ
		}
		if want("string") {
			d["string"] = f.label
		}
		if want("required") {
			d["required"] = f.required
		}
		if want("readonly") {
			d["readonly"] = f.readonly
		}
		if want("relation") && f.relation != "" {
			d["relation"] = f.relation
		}
		if want("store") {
			d["store"] = f.compute == nil && f.typ != tO2M
		}
		if want("selection") && f.typ == tSelection {
			sel := make([]any, len(f.selection))
			for i, s := range f.selection {
				sel[i] = []any{s, s}
			}
			d["selection"] = sel
		}
		out[name] = d
	}
	return out, nil
}

func mCreate(tx *tx, model string, _ []int64, kw map[string]any) (any, error) {
	switch v := kw["vals_list"].(type) {
	case map[string]any:
		return tx.create(model, v)
	case []any:
		ids := make([]int64, 0, len(v))
		for _, x := range v {
			vals, ok := x.(map[string]any)
			if !ok {
				return nil, valueError("create expects a list of dictionaries, got %s", short(x))
			}
			id, err := tx.create(model, vals)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	return nil, &odooError{name: "builtins.TypeError", status: 422, message: "create() missing 1 required positional argument: 'vals_list'"}
}

func mWrite(tx *tx, model string, ids []int64, kw map[string]any) (any, error) {
	vals, ok := kw["vals"].(map[string]any)
	if !ok {
		return nil, &odooError{name: "builtins.TypeError", status: 422, message: "write() missing 1 required positional argument: 'vals'"}
	}
	return true, tx.write(model, ids, vals)
}

func mUnlink(tx *tx, model string, ids []int64, _ map[string]any) (any, error) {
	return true, tx.unlink(model, ids)
}

func mCheckAccessRights(tx *tx, model string, _ []int64, kw map[string]any) (any, error) {
	op := kwString(kw, "operation")
	if !slices.Contains([]string{"read", "write", "create", "unlink"}, op) {
		return nil, valueError("Invalid access mode %q", op)
	}
	err := tx.check(model, op)
	if err != nil {
		if re, ok := kw["raise_exception"].(bool); ok && !re {
			return false, nil
		}
		return nil, err
	}
	return true, nil
}

func mHasAccess(tx *tx, model string, _ []int64, kw map[string]any) (any, error) {
	op := kwString(kw, "operation")
	if !slices.Contains([]string{"read", "write", "create", "unlink"}, op) {
		return nil, valueError("Invalid access mode %q", op)
	}
	return tx.check(model, op) == nil, nil
}

func mContextGet(tx *tx, _ string, _ []int64, _ map[string]any) (any, error) {
	return map[string]any{"lang": "en_US", "tz": "UTC", "uid": tx.user.id}, nil
}

// ---- business methods

func mSaleConfirm(tx *tx, model string, ids []int64, _ map[string]any) (any, error) {
	if err := tx.check(model, "write"); err != nil {
		return nil, err
	}
	if err := tx.exist(model, ids); err != nil {
		return nil, err
	}
	for _, id := range ids {
		o := tx.get(model, id)
		if st := o["state"].(string); st != "draft" && st != "sent" {
			return nil, userError("The following orders are not in a state requiring confirmation: %s", o["name"])
		}
		lines := tx.children(tx.db.tables[model].def.fields["order_line"], id)
		for _, lid := range lines {
			l := tx.get("sale.order.line", lid)
			if dt, _ := l["display_type"].(string); dt == "" && l["product_id"].(int64) == 0 {
				return nil, userError("A line on these orders missing a product, you cannot confirm it.")
			}
		}
		tx.set(model, id, "state", "sale")
		tx.set(model, id, "date_order", tx.now)
	}
	tx.calls.add("sale.order.action_confirm")
	return true, nil
}

func mSaleCancel(tx *tx, model string, ids []int64, _ map[string]any) (any, error) {
	if err := tx.check(model, "write"); err != nil {
		return nil, err
	}
	if err := tx.exist(model, ids); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if locked, _ := tx.get(model, id)["locked"].(bool); locked {
			return nil, userError("You cannot cancel a locked order. Please unlock it first.")
		}
	}
	if v, _ := tx.ctx["disable_cancel_warning"].(bool); !v {
		for _, id := range ids {
			if st := tx.get(model, id)["state"].(string); st != "draft" {
				// Odoo shows a confirmation wizard instead of cancelling
				return map[string]any{"name": "Cancel Sales Order", "type": "ir.actions.act_window", "res_model": "sale.order.cancel",
					"view_mode": "form", "target": "new", "context": map[string]any{"default_order_id": id}}, nil
			}
		}
	}
	for _, id := range ids {
		tx.set(model, id, "state", "cancel")
	}
	tx.calls.add("sale.order.action_cancel")
	return true, nil
}

func mSaleDraft(tx *tx, model string, ids []int64, _ map[string]any) (any, error) {
	if err := tx.check(model, "write"); err != nil {
		return nil, err
	}
	if err := tx.exist(model, ids); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if st := tx.get(model, id)["state"].(string); st == "cancel" || st == "sent" {
			tx.set(model, id, "state", "draft")
		}
	}
	return true, nil
}

func mMessagePost(tx *tx, model string, ids []int64, kw map[string]any) (any, error) {
	if err := tx.check(model, "read"); err != nil {
		return nil, err
	}
	if len(ids) != 1 {
		return nil, valueError("Expected singleton: %s(%v)", model, ids)
	}
	if err := tx.exist(model, ids); err != nil {
		return nil, err
	}
	body := kwString(kw, "body")
	mt := kwString(kw, "message_type")
	if mt == "" {
		mt = "notification"
	}
	sub := kwString(kw, "subtype_xmlid")
	saved := tx.sudo
	tx.sudo = true
	defer func() { tx.sudo = saved }()
	var author int64
	if tx.user != nil {
		author = tx.user.partner
	}
	return tx.create("mail.message", map[string]any{"model": model, "res_id": float64(ids[0]), "body": escapeHTML(body),
		"message_type": mt, "subtype_xmlid": sub, "author_id": float64(author), "record_name": tx.displayName(model, ids[0])})
}

func escapeHTML(s string) string {
	return "<p>" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", "<br>").Replace(s) + "</p>"
}

func mPurchaseConfirm(tx *tx, model string, ids []int64, _ map[string]any) (any, error) {
	tx.calls.add("purchase.order.button_confirm")
	if err := tx.check(model, "write"); err != nil {
		return nil, err
	}
	if err := tx.exist(model, ids); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := confirmPurchase(tx, id); err != nil {
			return nil, err
		}
	}
	return true, nil
}

// confirmPurchase turns an RFQ into a purchase order and creates its
// receipt moves, as the purchase_stock module does.
func confirmPurchase(tx *tx, id int64) error {
	o := tx.get("purchase.order", id)
	if st := o["state"].(string); st != "draft" && st != "sent" {
		return userError("Only RFQs can be confirmed; %s is %s.", o["name"], st)
	}
	tx.set("purchase.order", id, "state", "purchase")
	tx.set("purchase.order", id, "date_approve", tx.now)
	pt := tx.get("stock.picking.type", o["picking_type_id"].(int64))
	if pt == nil {
		return userError("Set the operation type (Deliver To) of %s before confirming it.", o["name"])
	}
	dest := pt["default_location_dest_id"].(int64)
	src := vendorLocation(tx)
	// the receipt (picking) of the order: its moves carry its name as
	// their reference, as stock.move.reference does
	receipt := receiptName(tx, pt)
	saved := tx.sudo
	tx.sudo = true
	defer func() { tx.sudo = saved }()
	for _, lid := range tx.children(tx.db.tables["purchase.order"].def.fields["order_line"], id) {
		l := tx.get("purchase.order.line", lid)
		if dt, _ := l["display_type"].(string); dt != "" {
			continue
		}
		qty := l["product_qty"].(float64) - l["qty_received"].(float64)
		if qty <= 0 {
			continue
		}
		if _, err := tx.create("stock.move", map[string]any{"name": l["name"], "product_id": float64(l["product_id"].(int64)),
			"product_uom_qty": qty, "state": "assigned", "picking_code": "incoming", "location_id": float64(src),
			"location_dest_id": float64(dest), "date": l["date_planned"].(time.Time).UTC().Format(dtLayout),
			"origin": o["name"], "purchase_line_id": float64(lid), "reference": receipt}); err != nil {
			return err
		}
	}
	return nil
}

// receiptName names the next receipt of an operation type's warehouse,
// "WH/IN/00001", counting the receipts named so far.
func receiptName(tx *tx, pt record) string {
	code := "IN"
	if wh := tx.get("stock.warehouse", pt["warehouse_id"].(int64)); wh != nil {
		code = wh["code"].(string) + "/IN"
	}
	seen := map[string]bool{}
	t := tx.db.tables["stock.move"]
	for _, id := range t.ids {
		if ref, _ := t.rows[id]["reference"].(string); strings.HasPrefix(ref, code+"/") {
			seen[ref] = true
		}
	}
	return fmt.Sprintf("%s/%05d", code, len(seen)+1)
}

func vendorLocation(tx *tx) int64 {
	t := tx.db.tables["stock.location"]
	for _, id := range t.ids {
		if t.rows[id]["usage"] == "supplier" {
			return id
		}
	}
	return 0
}

func mPurchaseCancel(tx *tx, model string, ids []int64, _ map[string]any) (any, error) {
	if err := tx.check(model, "write"); err != nil {
		return nil, err
	}
	if err := tx.exist(model, ids); err != nil {
		return nil, err
	}
	for _, id := range ids {
		tx.set(model, id, "state", "cancel")
	}
	return true, nil
}

// mApplyInventory applies counted quantities, as an inventory adjustment.
func mApplyInventory(tx *tx, model string, ids []int64, _ map[string]any) (any, error) {
	if err := tx.check(model, "write"); err != nil {
		return nil, err
	}
	if err := tx.exist(model, ids); err != nil {
		return nil, err
	}
	saved := tx.sudo
	tx.sudo = true
	defer func() { tx.sudo = saved }()
	adj := int64(0)
	t := tx.db.tables["stock.location"]
	for _, id := range t.ids {
		if t.rows[id]["usage"] == "inventory" {
			adj = id
		}
	}
	for _, id := range ids {
		q := tx.get(model, id)
		if set, _ := q["inventory_quantity_set"].(bool); !set {
			continue
		}
		diff := q["inventory_quantity"].(float64) - q["quantity"].(float64)
		if diff != 0 {
			src, dst := adj, q["location_id"].(int64)
			if diff < 0 {
				src, dst = dst, adj
			}
			if _, err := tx.create("stock.move", map[string]any{"name": "Product Quantity Updated", "product_id": float64(q["product_id"].(int64)),
				"product_uom_qty": math.Abs(diff), "quantity": math.Abs(diff), "state": "done", "location_id": float64(src),
				"location_dest_id": float64(dst), "reference": "Product Quantity Updated"}); err != nil {
				return nil, err
			}
			tx.set(model, id, "quantity", q["inventory_quantity"].(float64))
		}
		tx.set(model, id, "inventory_quantity", 0.0)
		tx.set(model, id, "inventory_quantity_set", false)
		tx.calls.add("stock.quant.action_apply_inventory")
	}
	return true, nil
}
