package odoo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// A channel order becomes one sale order:
//
//   - client_order_ref holds the channel's order id (the record's external
//     id), the key a replay searches for; origin holds the order's number
//     and the version it was written from: "#1001 [supplyhub
//     2026-03-01T10:00:00Z]". An older or equal version changes nothing;
//     a newer one updates the order.
//   - one line per channel line at its unit price, with the line's taxes
//     (matched by rate and whether prices include them, or by tax_map);
//     a line's discount is a line of the discount product with the same
//     taxes; each shipping line is a line of the shipping product at its
//     discounted price; each refund adds lines of the discount product
//     that take back the refunded items (with their taxes) and any rest of
//     the refunded amount.
//   - Odoo computes taxes itself; when its total differs from the
//     channel's (the order's total less its refunds) by no more than
//     max_rounding_adjustment, a "Rounding difference" line makes them
//     equal; a larger difference is reported as a conflict.
//   - a cancelled order is cancelled in Odoo (action_cancel); otherwise the
//     order is confirmed when confirm_orders is on.

// roundingName names the line that absorbs rounding differences.
const roundingName = "Rounding difference (Supplyhub)"

const versionTag = "[supplyhub "

// originOf formats origin: the order's number and version.
func originOf(o *commerce.Order) string {
	n := o.Number
	if n == "" {
		n = o.Source.ExternalID
	}
	return n + " " + versionTag + o.UpdatedAt.UTC().Format(time.RFC3339Nano) + "]"
}

// versionOf reads the version back from origin; ok is false when origin
// holds none (an order not written by the connector).
func versionOf(origin string) (time.Time, bool) {
	i := strings.LastIndex(origin, versionTag)
	if i < 0 || !strings.HasSuffix(origin, "]") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, origin[i+len(versionTag):len(origin)-1])
	return t, err == nil
}

// lineSpec is a sale order line the connector wants.
type lineSpec struct {
	product int64
	name    string
	qty     decimal.Decimal
	price   decimal.Decimal
	taxes   []int64
}

type existingLine struct {
	ID      oint   `json:"id"`
	Product m2o    `json:"product_id"`
	Name    ostr   `json:"name"`
	Qty     onum   `json:"product_uom_qty"`
	Price   onum   `json:"price_unit"`
	Display ostr   `json:"display_type"`
	Taxes   []oint `json:"-"`
	raw     map[string]json.RawMessage
}

type saleOrderRow struct {
	ID     oint   `json:"id"`
	Name   ostr   `json:"name"`
	State  ostr   `json:"state"`
	Origin ostr   `json:"origin"`
	Locked obool  `json:"locked"`
	Total  onum   `json:"amount_total"`
	Lines  []oint `json:"order_line"`
	Cur    m2o    `json:"currency_id"`
}

// orderMoney picks an amount of the order's booking currency.
type orderMoney struct {
	presentment bool
	cur         commerce.Currency
}

func (m orderMoney) of(b commerce.MoneyBag) decimal.Decimal {
	if m.presentment && b.Presentment != nil {
		return b.Presentment.Amount
	}
	return b.Shop.Amount
}

// missingPresentment names the first amount an order has only in the shop
// currency, or returns "".
func missingPresentment(o *commerce.Order) string {
	miss := func(b *commerce.MoneyBag) bool { return b != nil && b.Presentment == nil }
	if miss(&o.Total) {
		return "total"
	}
	for i := range o.Lines {
		if miss(&o.Lines[i].UnitPrice) || miss(o.Lines[i].TotalDiscount) {
			return fmt.Sprintf("lines[%d]", i)
		}
	}
	for i := range o.ShippingLines {
		if miss(&o.ShippingLines[i].Price) || miss(o.ShippingLines[i].DiscountedPrice) {
			return fmt.Sprintf("shipping_lines[%d]", i)
		}
	}
	for i := range o.Refunds {
		if miss(&o.Refunds[i].Amount) {
			return fmt.Sprintf("refunds[%d]", i)
		}
		for j := range o.Refunds[i].Lines {
			if miss(&o.Refunds[i].Lines[j].Subtotal) || miss(o.Refunds[i].Lines[j].Tax) {
				return fmt.Sprintf("refunds[%d].lines[%d]", i, j)
			}
		}
	}
	return ""
}

// fmt formats an amount of the booking currency, "12.30 EUR".
func (m orderMoney) fmt(d decimal.Decimal) string {
	return commerce.Money{Amount: d, Currency: m.cur}.String()
}

func (m orderMoney) ofPtr(b *commerce.MoneyBag) decimal.Decimal {
	if b == nil {
		return decimal.Zero
	}
	return m.of(*b)
}

// saleTaxField is sale.order.line's taxes field: tax_id up to Odoo 18,
// tax_ids from 19.
func (w *writer) saleTaxField(ctx context.Context) (string, error) {
	f, err := w.cl.pick(ctx, "sale.order.line", "tax_ids", "tax_id")
	if err == nil && f == "" {
		err = sdk.Permanent(errors.New("sale.order.line has neither tax_ids nor tax_id"), "odoo: sale order lines").
			WithDetail("install the Sales app")
	}
	return f, err
}

func (w *writer) upsertOrder(ctx context.Context, ch sdk.Change, cancel bool) (string, string, error) {
	o, ok := ch.Record.(*commerce.Order)
	if !ok || o == nil {
		return "", "", sdk.InvalidInput("odoo: %s needs an order record, got %T", ch.Action, ch.Record)
	}
	if err := o.Validate(); err != nil {
		return "", "", sdk.InvalidInput("odoo: %s: %v", ch.Action, err)
	}
	channelRef := o.Source.ExternalID
	if channelRef == "" {
		return "", "", sdk.InvalidInput("odoo: %s: the order has no external id", ch.Action)
	}
	if cancel && o.CancelledAt == nil {
		c := *o
		t := o.UpdatedAt
		c.CancelledAt = &t
		o = &c
	}
	money := orderMoney{cur: o.Currency}
	if w.cfg.OrderCurrency == "presentment" && o.PresentmentCurrency != "" && o.PresentmentCurrency != o.Currency {
		if field := missingPresentment(o); field != "" {
			w.c.log.Warn("odoo: order lacks presentment amounts; booked in the shop currency", "order", channelRef, "field", field)
		} else {
			money = orderMoney{presentment: true, cur: o.PresentmentCurrency}
		}
	}
	taxField, err := w.saleTaxField(ctx)
	if err != nil {
		return "", "", err
	}
	var found []saleOrderRow
	fields := []string{"id", "name", "state", "origin", "amount_total", "order_line", "currency_id"}
	if ok, err := w.cl.has(ctx, "sale.order", "locked"); err != nil {
		return "", "", err
	} else if ok {
		fields = append(fields, "locked")
	}
	if _, err := w.cl.searchRead(ctx, "sale.order", []any{[]any{"client_order_ref", "=", channelRef}}, fields, 0, 0, "id", nil, &found); err != nil {
		return "", "", err
	}
	var cur *saleOrderRow
	// newer: the order changed on the channel since Odoo's copy was
	// written; otherwise this is a replay, which only finishes what an
	// interrupted write left undone (the rounding line and the
	// confirmation, before the order leaves draft; a cancellation).
	newer := true
	if len(found) > 0 {
		cur = &found[0]
		if len(found) > 1 {
			w.c.log.Warn("odoo: several sale orders carry the same channel order", "client_order_ref", channelRef, "using", cur.Name)
		}
		v, ok := versionOf(string(cur.Origin))
		if ok && v.After(o.UpdatedAt) {
			return ref("sale.order", int64(cur.ID)), sdk.StatusDuplicate, nil // an older version arriving late
		}
		newer = !ok || o.UpdatedAt.After(v)
		if cur.Cur.Name != "" && cur.Cur.Name != string(money.cur) {
			return "", "", sdk.Permanent(fmt.Errorf("sale order %s is in %s, the order in %s", cur.Name, cur.Cur.Name, money.cur),
				"odoo: update %s", cur.Name).WithDetail("order_currency changed since the order was written; set it back or cancel %s in Odoo", cur.Name)
		}
	}
	lines, want, err := w.orderLines(ctx, o, money)
	if err != nil {
		return "", "", err
	}
	changed := false
	var id int64
	state := ""
	if cur == nil {
		vals, err := w.orderHeader(ctx, o, money)
		if err != nil {
			return "", "", err
		}
		cmds := make([]any, 0, len(lines))
		for i, l := range lines {
			cmds = append(cmds, []any{0, 0, lineVals(l, taxField, i)})
		}
		vals["order_line"] = cmds
		vals["client_order_ref"] = channelRef
		vals["origin"] = originOf(o)
		var ids []int64
		if _, err := w.cl.call(ctx, "sale.order", "create", nil, map[string]any{"vals_list": []any{vals}}, nil, &ids); err != nil {
			return "", "", err
		}
		if len(ids) != 1 {
			return "", "", sdk.Retryable(fmt.Errorf("create returned %v", ids), "odoo: create the sale order of %s", channelRef)
		}
		id, state, changed = ids[0], "draft", true
	} else {
		id, state = int64(cur.ID), string(cur.State)
		if newer && state != "cancel" && !bool(cur.Locked) {
			c, err := w.syncLines(ctx, id, state, lines, taxField)
			if err != nil {
				return "", "", err
			}
			changed = changed || c
		}
	}
	// totals: absorb a rounding difference with one line
	var conflicts []string
	diff := decimal.Zero
	total := want
	if newer || state == "draft" || state == "sent" {
		if total, err = w.orderTotal(ctx, id); err != nil {
			return "", "", err
		}
		diff = want.Sub(total)
	}
	if !diff.IsZero() && (state == "cancel" || (cur != nil && bool(cur.Locked))) {
		conflicts = append(conflicts, fmt.Sprintf("total: Odoo %s, channel %s; the order is %s in Odoo, so Supplyhub left it as it is",
			money.fmt(total), money.fmt(want), map[bool]string{true: "cancelled", false: "locked"}[state == "cancel"]))
	} else if !diff.IsZero() {
		c, conflict, err := w.round(ctx, id, state, diff, taxField, money)
		if err != nil {
			return "", "", err
		}
		changed = changed || c
		if conflict != "" {
			conflicts = append(conflicts, conflict)
		}
	}
	// state
	switch {
	case o.CancelledAt != nil && state != "cancel":
		var res json.RawMessage
		if _, err := w.cl.call(ctx, "sale.order", "action_cancel", []int64{id}, nil, map[string]any{"disable_cancel_warning": true}, &res); err != nil {
			return "", "", err
		}
		if string(res) != "true" {
			return "", "", sdk.Permanent(fmt.Errorf("action_cancel answered %s", snippet(res)), "odoo: cancel the sale order of %s", channelRef).
				WithDetail("Odoo asked for a confirmation it cannot get over the API; cancel the order in Odoo")
		}
		changed = true
	case o.CancelledAt == nil && state == "cancel":
		conflicts = append(conflicts, "state: cancelled in Odoo, open on the channel; Supplyhub does not reopen it")
	case o.CancelledAt == nil && *w.cfg.ConfirmOrders && (state == "draft" || state == "sent"):
		if _, err := w.cl.call(ctx, "sale.order", "action_confirm", []int64{id}, nil, nil, nil); err != nil {
			return "", "", err
		}
		// confirming stamps date_order with the time of confirmation; keep
		// the channel's order date
		if _, err := w.cl.call(ctx, "sale.order", "write", []int64{id}, map[string]any{"vals": map[string]any{"date_order": formatTime(o.CreatedAt)}}, nil, nil); err != nil {
			return "", "", err
		}
		changed = true
	}
	if cur != nil && string(cur.Origin) != originOf(o) {
		if _, err := w.cl.call(ctx, "sale.order", "write", []int64{id}, map[string]any{"vals": map[string]any{"origin": originOf(o)}}, nil, nil); err != nil {
			return "", "", err
		}
		changed = true
	}
	if changed {
		conflicts = append(conflicts, w.priceConflicts(o, money)...)
		w.note(ctx, "sale.order", id, conflicts)
	}
	if !changed {
		return ref("sale.order", id), sdk.StatusDuplicate, nil
	}
	return ref("sale.order", id), sdk.StatusOK, nil
}

// orderHeader returns the values of a new sale order: customer, delivery
// address, pricelist of the currency, date.
func (w *writer) orderHeader(ctx context.Context, o *commerce.Order, money orderMoney) (map[string]any, error) {
	partner, shipping, err := w.orderPartners(ctx, o)
	if err != nil {
		return nil, err
	}
	pl, err := w.pricelist(ctx, string(money.cur))
	if err != nil {
		return nil, err
	}
	vals := map[string]any{"partner_id": partner, "partner_invoice_id": partner, "partner_shipping_id": shipping,
		"pricelist_id": pl, "date_order": formatTime(o.CreatedAt)}
	if w.cfg.CompanyID > 0 {
		vals["company_id"] = w.cfg.CompanyID
	}
	return vals, nil
}

// pricelist finds an active pricelist in a currency.
func (w *writer) pricelist(ctx context.Context, cur string) (int64, error) {
	id, err := w.cl.cached("pricelist:"+cur, func() (int64, error) {
		var ids []int64
		_, err := w.cl.call(ctx, "product.pricelist", "search", nil, map[string]any{"domain": []any{[]any{"currency_id.name", "=", cur}}, "limit": 1, "order": "id"}, nil, &ids)
		if err != nil || len(ids) == 0 {
			return 0, err
		}
		return ids[0], nil
	})
	if err == nil && id == 0 {
		err = sdk.Permanent(fmt.Errorf("no active pricelist in %s", cur), "odoo: pricelist").
			WithDetail("create a pricelist in %s in Odoo (Sales → Products → Pricelists), or set order_currency to shop", cur)
	}
	return id, err
}

// tax finds the sale tax of a channel tax line.
func (w *writer) tax(ctx context.Context, t commerce.TaxLine, included bool) (int64, error) {
	if id, ok := w.cfg.TaxMap[t.Title]; ok {
		return id, nil
	}
	pct := t.Rate.Mul(decimal.NewFromInt(100))
	key := fmt.Sprintf("tax:%s:%t", pct.String(), included)
	id, err := w.cl.cached(key, func() (int64, error) {
		var ids []int64
		_, err := w.cl.call(ctx, "account.tax", "search", nil, map[string]any{"domain": []any{[]any{"type_tax_use", "=", "sale"},
			[]any{"amount_type", "=", "percent"}, []any{"amount", "=", f64(pct)}, []any{"price_include", "=", included}}, "limit": 1, "order": "id"}, nil, &ids)
		if err != nil || len(ids) == 0 {
			return 0, err
		}
		return ids[0], nil
	})
	if err == nil && id == 0 {
		incl := "excluded from"
		if included {
			incl = "included in"
		}
		err = sdk.Permanent(fmt.Errorf("no sale tax of %s%% %s the price", pct, incl), "odoo: tax %q", t.Title).
			WithDetail("create a sale tax of %s%% (%s price) in Odoo, or map %q to a tax id in tax_map", pct, incl, t.Title)
	}
	return id, err
}

func (w *writer) taxes(ctx context.Context, lines []commerce.TaxLine, included bool) ([]int64, error) {
	var ids []int64
	for _, t := range lines {
		if t.Rate.IsZero() && t.Amount.Shop.IsZero() {
			continue
		}
		id, err := w.tax(ctx, t, included)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// orderLines builds the wanted lines and the total Odoo must show.
func (w *writer) orderLines(ctx context.Context, o *commerce.Order, money orderMoney) ([]lineSpec, decimal.Decimal, error) {
	disc, err := w.product(ctx, w.cfg.DiscountProduct)
	discErr := err
	var out []lineSpec
	lineTaxes := map[string][]int64{}
	lineSKU := map[string]string{}
	for i, l := range o.Lines {
		p, err := w.product(ctx, l.SKU)
		if err != nil {
			return nil, decimal.Zero, fmt.Errorf("odoo: line %d (%s): %w", i+1, l.Title, err)
		}
		tl := l.TaxLines
		if len(tl) == 0 {
			tl = o.TaxLines
		}
		taxes, err := w.taxes(ctx, tl, o.TaxesIncluded)
		if err != nil {
			return nil, decimal.Zero, err
		}
		lineTaxes[l.ExternalID], lineSKU[l.ExternalID] = taxes, l.SKU
		title := l.Title
		if title == "" {
			title = p.Name
		}
		name := "[" + l.SKU + "] " + title
		out = append(out, lineSpec{product: p.ID, name: name, qty: decimal.NewFromInt(int64(l.Quantity)), price: money.of(l.UnitPrice), taxes: taxes})
		if d := money.ofPtr(l.TotalDiscount); !d.IsZero() {
			if discErr != nil {
				return nil, decimal.Zero, discErr
			}
			out = append(out, lineSpec{product: disc.ID, name: "Discount on " + name, qty: decimal.NewFromInt(1), price: d.Neg(), taxes: taxes})
		}
	}
	for _, s := range o.ShippingLines {
		price := money.of(s.Price)
		if s.DiscountedPrice != nil {
			price = money.of(*s.DiscountedPrice)
		}
		taxes, err := w.taxes(ctx, s.TaxLines, o.TaxesIncluded)
		if err != nil {
			return nil, decimal.Zero, err
		}
		if price.IsZero() && len(taxes) == 0 {
			continue
		}
		ship, err := w.product(ctx, w.cfg.ShippingProduct)
		if err != nil {
			return nil, decimal.Zero, err
		}
		title := s.Title
		if title == "" {
			title = "Shipping"
		}
		out = append(out, lineSpec{product: ship.ID, name: title, qty: decimal.NewFromInt(1), price: price, taxes: taxes})
	}
	refunded := decimal.Zero
	for _, r := range o.Refunds {
		amount := money.of(r.Amount)
		refunded = refunded.Add(amount)
		if amount.IsZero() {
			continue
		}
		if discErr != nil {
			return nil, decimal.Zero, discErr
		}
		rid := r.Source.ExternalID
		if i := strings.LastIndexAny(rid, "/,"); i >= 0 {
			rid = rid[i+1:]
		}
		covered := decimal.Zero
		for _, rl := range r.Lines {
			sub := money.of(rl.Subtotal)
			if sub.IsZero() {
				continue
			}
			taxes := lineTaxes[rl.LineID]
			sku := cmpOr(rl.SKU, lineSKU[rl.LineID])
			out = append(out, lineSpec{product: disc.ID, name: fmt.Sprintf("Refund %s: [%s] × %d", rid, sku, rl.Quantity),
				qty: decimal.NewFromInt(1), price: sub.Neg(), taxes: taxes})
			covered = covered.Add(sub)
			if !o.TaxesIncluded && len(taxes) > 0 {
				covered = covered.Add(money.ofPtr(rl.Tax))
			}
		}
		if rest := amount.Sub(covered); !rest.IsZero() {
			out = append(out, lineSpec{product: disc.ID, name: fmt.Sprintf("Refund %s", rid), qty: decimal.NewFromInt(1), price: rest.Neg()})
		}
	}
	return out, money.of(o.Total).Sub(refunded), nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func lineVals(l lineSpec, taxField string, i int) map[string]any {
	taxes := l.taxes
	if taxes == nil {
		taxes = []int64{}
	}
	return map[string]any{"product_id": l.product, "name": l.name, "product_uom_qty": f64(l.qty), "price_unit": f64(l.price),
		taxField: []any{[]any{6, 0, taxes}}, "sequence": 10 * (i + 1)}
}

// readLines reads a sale order's lines with their taxes.
func (w *writer) readLines(ctx context.Context, order int64, taxField string) ([]existingLine, error) {
	var raw []map[string]json.RawMessage
	if _, err := w.cl.searchRead(ctx, "sale.order.line", []any{[]any{"order_id", "=", order}},
		[]string{"id", "product_id", "name", "product_uom_qty", "price_unit", "display_type", taxField}, 0, 0, "sequence, id", nil, &raw); err != nil {
		return nil, err
	}
	out := make([]existingLine, 0, len(raw))
	for _, r := range raw {
		var l existingLine
		b, _ := json.Marshal(r)
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, sdk.InvalidInput("odoo: sale order line: %v", err)
		}
		var taxes []oint
		if t, ok := r[taxField]; ok {
			if err := json.Unmarshal(t, &taxes); err != nil {
				return nil, sdk.InvalidInput("odoo: sale order line taxes: %v", err)
			}
		}
		l.Taxes = taxes
		out = append(out, l)
	}
	return out, nil
}

func sameTaxes(a []oint, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	x := make([]int64, len(a))
	for i, v := range a {
		x[i] = int64(v)
	}
	slices.Sort(x)
	return slices.Equal(x, b)
}

// syncLines makes an existing order's lines the wanted ones: lines are
// matched by product and description; changed ones are updated, missing
// ones added, extra ones removed (set to quantity 0 once the order is
// confirmed, as Odoo refuses to delete them). The rounding line is left
// to round.
func (w *writer) syncLines(ctx context.Context, order int64, state string, want []lineSpec, taxField string) (bool, error) {
	have, err := w.readLines(ctx, order, taxField)
	if err != nil {
		return false, err
	}
	used := make([]bool, len(have))
	var cmds []any
	for i, l := range want {
		match := -1
		for j, h := range have {
			if !used[j] && h.Display == "" && h.Product.ID == l.product && string(h.Name) == l.name {
				match = j
				break
			}
		}
		if match < 0 {
			cmds = append(cmds, []any{0, 0, lineVals(l, taxField, i)})
			continue
		}
		used[match] = true
		h := have[match]
		if !h.Qty.Dec().Equal(l.qty) || !h.Price.Dec().Equal(l.price) || !sameTaxes(h.Taxes, l.taxes) {
			v := lineVals(l, taxField, i)
			delete(v, "product_id")
			delete(v, "name")
			cmds = append(cmds, []any{1, int64(h.ID), v})
		}
	}
	for j, h := range have {
		if used[j] || h.Display != "" || string(h.Name) == roundingName {
			continue
		}
		switch {
		case state == "draft" || state == "sent":
			cmds = append(cmds, []any{2, int64(h.ID), 0})
		case !h.Qty.Dec().IsZero():
			cmds = append(cmds, []any{1, int64(h.ID), map[string]any{"product_uom_qty": 0}})
		}
	}
	if len(cmds) == 0 {
		return false, nil
	}
	_, err = w.cl.call(ctx, "sale.order", "write", []int64{order}, map[string]any{"vals": map[string]any{"order_line": cmds}}, nil, nil)
	return err == nil, err
}

func (w *writer) orderTotal(ctx context.Context, id int64) (decimal.Decimal, error) {
	var rows []saleOrderRow
	if _, err := w.cl.call(ctx, "sale.order", "read", []int64{id}, map[string]any{"fields": []string{"amount_total"}}, nil, &rows); err != nil {
		return decimal.Zero, err
	}
	if len(rows) != 1 {
		return decimal.Zero, sdk.Retryable(errors.New("sale order vanished"), "odoo: read sale order %d", id)
	}
	return rows[0].Total.Dec(), nil
}

// round adds diff to the rounding line (creating, changing or zeroing it)
// when the result stays within max_rounding_adjustment; otherwise it
// reports the difference as a conflict.
func (w *writer) round(ctx context.Context, order int64, state string, diff decimal.Decimal, taxField string, money orderMoney) (bool, string, error) {
	have, err := w.readLines(ctx, order, taxField)
	if err != nil {
		return false, "", err
	}
	var rl *existingLine
	for i := range have {
		if string(have[i].Name) == roundingName {
			rl = &have[i]
		}
	}
	price := diff
	if rl != nil {
		price = rl.Price.Dec().Mul(rl.Qty.Dec()).Add(diff)
	}
	if price.Abs().GreaterThan(w.cfg.maxRounding) {
		return false, fmt.Sprintf("total: Odoo's computed total differs from the channel's by %s, more than max_rounding_adjustment %s; check the taxes of the order's lines",
			money.fmt(diff.Neg()), w.cfg.MaxRoundingAdjustment), nil
	}
	var cmd []any
	switch {
	case rl == nil:
		disc, err := w.product(ctx, w.cfg.DiscountProduct)
		if err != nil {
			return false, "", err
		}
		cmd = []any{0, 0, map[string]any{"product_id": disc.ID, "name": roundingName, "product_uom_qty": 1, "price_unit": f64(price),
			taxField: []any{[]any{6, 0, []int64{}}}, "sequence": 9999}}
	case price.IsZero() && (state == "draft" || state == "sent"):
		cmd = []any{2, int64(rl.ID), 0}
	default:
		cmd = []any{1, int64(rl.ID), map[string]any{"product_uom_qty": 1, "price_unit": f64(price)}}
	}
	if _, err := w.cl.call(ctx, "sale.order", "write", []int64{order}, map[string]any{"vals": map[string]any{"order_line": []any{cmd}}}, nil, nil); err != nil {
		return false, "", err
	}
	return true, "", nil
}

// orderPartners finds or creates the customer and the delivery address.
func (w *writer) orderPartners(ctx context.Context, o *commerce.Order) (partner, shipping int64, err error) {
	cu := o.Customer
	if cu == nil || cu.Redacted || (cu.Email == "" && cu.FirstName == "" && cu.LastName == "") {
		partner, err = w.defaultCustomer(ctx)
		return partner, partner, err
	}
	name := strings.TrimSpace(cu.FirstName + " " + cu.LastName)
	if name == "" {
		name = cu.Email
	}
	key := strings.ToLower(cu.Email)
	if key == "" {
		key = "name:" + name
	}
	if id, ok := w.partners[key]; ok {
		partner = id
	} else {
		domain := []any{[]any{"email", "=ilike", cu.Email}}
		if cu.Email == "" {
			domain = []any{[]any{"name", "=", name}, []any{"customer_rank", ">", 0}}
		}
		var ids []int64
		if _, err := w.cl.call(ctx, "res.partner", "search", nil, map[string]any{"domain": domain, "limit": 1, "order": "id"}, nil, &ids); err != nil {
			return 0, 0, err
		}
		if len(ids) > 0 {
			partner = ids[0]
		} else {
			addr := o.BillingAddress
			if addr == nil {
				addr = o.ShippingAddress
			}
			vals, err := w.addressVals(ctx, addr)
			if err != nil {
				return 0, 0, err
			}
			vals["name"], vals["customer_rank"] = name, 1
			if cu.Email != "" {
				vals["email"] = cu.Email
			}
			if cu.Phone != "" {
				vals["phone"] = cu.Phone
			}
			if err := w.create(ctx, "res.partner", vals, &partner); err != nil {
				return 0, 0, err
			}
		}
		w.partners[key] = partner
	}
	shipping = partner
	if a := o.ShippingAddress; a != nil && a.Line1 != "" {
		var ids []int64
		if _, err := w.cl.call(ctx, "res.partner", "search", nil, map[string]any{"domain": []any{[]any{"parent_id", "=", partner},
			[]any{"type", "=", "delivery"}, []any{"street", "=", a.Line1}, []any{"zip", "=", a.PostalCode}, []any{"city", "=", a.City}}, "limit": 1, "order": "id"}, nil, &ids); err != nil {
			return 0, 0, err
		}
		if len(ids) > 0 {
			return partner, ids[0], nil
		}
		vals, err := w.addressVals(ctx, a)
		if err != nil {
			return 0, 0, err
		}
		vals["parent_id"], vals["type"] = partner, "delivery"
		vals["name"] = cmpOr(a.Name, name)
		if err := w.create(ctx, "res.partner", vals, &shipping); err != nil {
			return 0, 0, err
		}
	}
	return partner, shipping, nil
}

func (w *writer) defaultCustomer(ctx context.Context) (int64, error) {
	name := w.cfg.DefaultCustomer
	return w.cl.cached("partner:default:"+name, func() (int64, error) {
		var ids []int64
		if _, err := w.cl.call(ctx, "res.partner", "search", nil, map[string]any{"domain": []any{[]any{"name", "=", name}}, "limit": 1, "order": "id"}, nil, &ids); err != nil {
			return 0, err
		}
		if len(ids) > 0 {
			return ids[0], nil
		}
		var id int64
		err := w.create(ctx, "res.partner", map[string]any{"name": name, "customer_rank": 1, "is_company": true}, &id)
		return id, err
	})
}

// create creates one record and returns its id.
func (w *writer) create(ctx context.Context, model string, vals map[string]any, id *int64) error {
	var ids []int64
	if _, err := w.cl.call(ctx, model, "create", nil, map[string]any{"vals_list": []any{vals}}, nil, &ids); err != nil {
		return err
	}
	if len(ids) != 1 {
		return sdk.Retryable(fmt.Errorf("create returned %v", ids), "odoo: create %s", model)
	}
	*id = ids[0]
	return nil
}

// priceConflicts compares the channel's unit prices with Odoo's list
// prices (in the company currency only).
func (w *writer) priceConflicts(o *commerce.Order, money orderMoney) []string {
	if string(money.cur) != w.comp.Currency {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, l := range o.Lines {
		p, ok := w.products[l.SKU]
		if !ok || seen[l.SKU] {
			continue
		}
		seen[l.SKU] = true
		price := money.of(l.UnitPrice)
		if o.TaxesIncluded || price.Equal(p.Price) {
			continue // a price with tax included is not comparable with a list price
		}
		fix := "update the list price in Odoo"
		if w.cfg.Masters.Prices == MasterERP {
			fix = "update the price on the channel"
		}
		out = append(out, fmt.Sprintf("price of %s (master: %s): channel %s, Odoo list price %s; %s",
			l.SKU, w.cfg.Masters.Prices, money.fmt(price), money.fmt(p.Price), fix))
	}
	return out
}
