package odoo

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Receipts are the open incoming stock moves (picking type code
// "incoming": purchase receipts and inbound transfers), one record per
// move, so that the planner knows when incoming stock arrives.
//
// The expected arrival is the move's "date": while a move is open it is
// its scheduled date, which purchase_stock sets from the purchase order
// line's expected arrival (date_planned) and which follows the receipt
// when it is rescheduled. date_deadline keeps the date first promised and
// is not used; the picking's scheduled_date is the earliest of its moves'
// dates, so the move's own date is the more precise one.

// closedMoveStates are the states of a move no longer to be received.
var closedMoveStates = []string{"draft", "cancel", "done"}

func receiptsStream() stream {
	return stream{
		model: "stock.move",
		base: func(_ context.Context, r *readRun) ([]any, error) {
			d := []any{[]any{"picking_code", "=", "incoming"}}
			if p := r.cur.Pass; p == nil || p.Since == "" {
				// a full pass sends the open moves only; an incremental one
				// also meets the moves received or cancelled since, and
				// sends them as tombstones
				d = append(d, []any{"state", "not in", closedMoveStates})
			}
			return d, nil
		},
		changed: func(s string) []any { return []any{[]any{"write_date", ">=", s}} },
		fetch:   fetchReceipts,
		parseID: func(id string) (int64, bool) { return parseRef(id, "stock.move") },
	}
}

type receiptRow struct {
	ID        oint  `json:"id"`
	Product   m2o   `json:"product_id"`
	To        m2o   `json:"location_dest_id"`
	Qty       onum  `json:"product_qty"`
	Done      onum  `json:"quantity"`
	State     ostr  `json:"state"`
	Date      otime `json:"date"`
	Reference ostr  `json:"reference"`
	Origin    ostr  `json:"origin"`
	Line      m2o   `json:"purchase_line_id"`
	WriteDate otime `json:"write_date"`
}

// fetchReceipts builds the receipts of stock moves. A move that is no
// longer open (received, cancelled, back to draft, nothing left to
// receive, its product without an internal reference, or not bound for a
// warehouse) is a tombstone, except in a full pass, which skips it.
func fetchReceipts(ctx context.Context, r *readRun, ids []int64, _ time.Time) ([]commerce.Record, error) {
	fields := []string{"id", "product_id", "location_dest_id", "product_qty", "quantity", "state", "date", "reference", "origin", "write_date"}
	purchase, err := r.cl.has(ctx, "stock.move", "purchase_line_id")
	if err != nil {
		return nil, err
	}
	if purchase {
		fields = append(fields, "purchase_line_id")
	}
	var moves []receiptRow
	if _, err := r.cl.call(ctx, "stock.move", "read", ids, map[string]any{"fields": fields}, nil, &moves); err != nil {
		return nil, err
	}
	_, locWH, err := r.warehouses(ctx)
	if err != nil {
		return nil, err
	}
	var pids, lines []int64
	for _, m := range moves {
		pids = append(pids, m.Product.ID)
		if m.Line.ID != 0 {
			lines = append(lines, m.Line.ID)
		}
	}
	skus := map[int64]string{}
	if len(pids) > 0 {
		slices.Sort(pids)
		var prods []struct {
			ID  oint `json:"id"`
			SKU ostr `json:"default_code"`
		}
		if _, err := r.cl.call(ctx, "product.product", "read", slices.Compact(pids), map[string]any{"fields": []string{"id", "default_code"}}, inactiveToo, &prods); err != nil {
			return nil, err
		}
		for _, p := range prods {
			skus[int64(p.ID)] = string(p.SKU)
		}
	}
	orderOf, err := r.purchaseOrders(ctx, lines)
	if err != nil {
		return nil, err
	}
	full := len(r.req.IDs) == 0 && (r.cur.Pass == nil || r.cur.Pass.Since == "")
	out := make([]commerce.Record, 0, len(moves))
	for _, m := range moves {
		meta := commerce.Meta{Source: commerce.Ref{Connection: r.req.Connection, ExternalID: ref("stock.move", int64(m.ID))}, UpdatedAt: m.WriteDate.t}
		sku := skus[m.Product.ID]
		wh, toWarehouse := locWH[m.To.ID]
		left := int(m.Qty.Dec().Sub(m.Done.Dec()).Floor().IntPart())
		if slices.Contains(closedMoveStates, string(m.State)) || left <= 0 || sku == "" || !toWarehouse {
			if full {
				if sku == "" && r.cur.Pass != nil {
					r.cur.Pass.Skipped++
				}
				continue
			}
			meta.Deleted = true
			out = append(out, &commerce.Receipt{Meta: meta})
			continue
		}
		rc := &commerce.Receipt{Meta: meta, SKU: sku, VariantID: ref("product.product", m.Product.ID), LocationID: ref("stock.warehouse", wh),
			Quantity: left, Document: string(m.Reference), PurchaseOrder: string(m.Origin)}
		if !m.Date.t.IsZero() {
			t := m.Date.t.UTC()
			rc.ExpectedAt = &t
		}
		if o, ok := orderOf[m.Line.ID]; ok {
			if o.name != "" {
				rc.PurchaseOrder = o.name
			}
			rc.Supplier = o.vendor
		}
		out = append(out, rc)
	}
	return out, nil
}

type purchaseRef struct{ name, vendor string }

// purchaseOrders returns the purchase order name and vendor of purchase
// order lines. A user without Purchase rights gets none (an AccessError is
// not a failure): receipts then carry the move's origin and no vendor.
func (r *readRun) purchaseOrders(ctx context.Context, lines []int64) (map[int64]purchaseRef, error) {
	out := map[int64]purchaseRef{}
	if len(lines) == 0 {
		return out, nil
	}
	denied := func(err error) bool {
		var f *fault
		return errors.As(err, &f) && f.is("AccessError")
	}
	slices.Sort(lines)
	var pl []struct {
		ID    oint `json:"id"`
		Order m2o  `json:"order_id"`
	}
	if _, err := r.cl.call(ctx, "purchase.order.line", "read", slices.Compact(lines), map[string]any{"fields": []string{"id", "order_id"}}, nil, &pl); err != nil {
		if denied(err) {
			return out, nil
		}
		return nil, err
	}
	var oids []int64
	for _, l := range pl {
		oids = append(oids, l.Order.ID)
	}
	slices.Sort(oids)
	var pos []struct {
		ID      oint `json:"id"`
		Name    ostr `json:"name"`
		Partner m2o  `json:"partner_id"`
	}
	if _, err := r.cl.call(ctx, "purchase.order", "read", slices.Compact(oids), map[string]any{"fields": []string{"id", "name", "partner_id"}}, nil, &pos); err != nil {
		if denied(err) {
			return out, nil
		}
		return nil, err
	}
	byID := map[int64]purchaseRef{}
	for _, o := range pos {
		byID[int64(o.ID)] = purchaseRef{string(o.Name), o.Partner.Name}
	}
	for _, l := range pl {
		out[int64(l.ID)] = byID[l.Order.ID]
	}
	return out, nil
}
