package odoo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Replenishment suggestions become draft purchase orders (RFQs), one per
// vendor and receiving warehouse, with a line per product: a suggestion
// sets its product's line in the open RFQ the connector started for that
// vendor and warehouse, or starts one. Setting, not adding: a planner run
// repeated before the buyer acted (draft RFQs are not incoming stock, so
// it suggests the same purchase again) leaves the RFQ as the latest run
// wants it, and a suggestion older than the line (an earlier order-by day)
// changes nothing. The RFQ's origin lists "Supplyhub:" and a short hash
// of every change it took, so a replayed change is found at once. RFQs are
// never confirmed: a buyer reviews and confirms them in Odoo, and an RFQ
// that was sent or confirmed is not changed again.

const rfqPrefix = "Supplyhub:"

// RFQToken is the short hash of a change (its connection and idempotency
// key) that Write adds to the origin of the RFQ holding it; tests and
// people find a suggestion's RFQ by it.
func RFQToken(conn, key string) string {
	sum := sha256.Sum256([]byte(conn + "\x00" + key))
	return "sh-" + hex.EncodeToString(sum[:5])
}

type poRow struct {
	ID     oint   `json:"id"`
	Name   ostr   `json:"name"`
	State  ostr   `json:"state"`
	Origin ostr   `json:"origin"`
	Lines  []oint `json:"order_line"`
}

func (w *writer) purchase(ctx context.Context, ch sdk.Change) (string, string, error) {
	s, ok := ch.Record.(*commerce.ReplenishmentSuggestion)
	if !ok || s == nil {
		return "", "", sdk.InvalidInput("odoo: %s needs a replenishment_suggestion record, got %T", ch.Action, ch.Record)
	}
	if err := s.Validate(); err != nil {
		return "", "", sdk.InvalidInput("odoo: %s: %v", ch.Action, err)
	}
	if s.Type != "purchase" {
		return "", "", sdk.InvalidInput("odoo: %s: a %s suggestion is not a purchase", ch.Action, s.Type).
			WithDetail("only purchase suggestions become RFQs; plan transfers in Odoo")
	}
	token := RFQToken(w.conn, ch.IdempotencyKey)
	var done []poRow
	if _, err := w.cl.searchRead(ctx, "purchase.order", []any{[]any{"origin", "like", token}}, []string{"id", "name", "state", "origin"}, 0, 1, "id", nil, &done); err != nil {
		return "", "", err
	}
	if len(done) > 0 {
		return ref("purchase.order", int64(done[0].ID)), sdk.StatusDuplicate, nil
	}
	p, err := w.product(ctx, s.SKU)
	if err != nil {
		return "", "", err
	}
	wh, ok := parseRef(s.LocationID, "stock.warehouse")
	if !ok {
		return "", "", sdk.InvalidInput("odoo: %s: location_id %q is not an Odoo warehouse id such as stock.warehouse,1", ch.Action, s.LocationID).
			WithDetail("plan with the inventory levels this Odoo connection reads: their location ids are its warehouses")
	}
	pickingType, err := w.receiptType(ctx, wh)
	if err != nil {
		return "", "", err
	}
	vendor, err := w.vendor(ctx, s, p)
	if err != nil {
		return "", "", err
	}
	line := map[string]any{"product_id": p.ID, "product_qty": s.Quantity}
	var arrive time.Time
	if !s.OrderBy.IsZero() {
		arrive = s.OrderBy.AddDays(s.LeadTimeDays).In(time.UTC).Add(12 * time.Hour)
		line["date_planned"] = formatTime(arrive)
	}
	if s.UnitCost != nil && string(s.UnitCost.Currency) == w.comp.Currency {
		line["price_unit"] = f64(s.UnitCost.Amount)
	}
	var open []poRow
	if _, err := w.cl.searchRead(ctx, "purchase.order", []any{[]any{"partner_id", "=", vendor}, []any{"picking_type_id", "=", pickingType},
		[]any{"state", "=", "draft"}, []any{"origin", "=like", rfqPrefix + "%"}}, []string{"id", "name", "state", "origin", "order_line"}, 0, 1, "id", nil, &open); err != nil {
		return "", "", err
	}
	if len(open) == 0 {
		var id int64
		err := w.create(ctx, "purchase.order", map[string]any{"partner_id": vendor, "picking_type_id": pickingType,
			"origin": rfqPrefix + " " + token, "order_line": []any{[]any{0, 0, line}}}, &id)
		if err != nil {
			return "", "", err
		}
		return ref("purchase.order", id), sdk.StatusOK, nil
	}
	po := open[0]
	var existing []struct {
		ID      oint  `json:"id"`
		Qty     onum  `json:"product_qty"`
		Planned otime `json:"date_planned"`
	}
	if _, err := w.cl.searchRead(ctx, "purchase.order.line", []any{[]any{"order_id", "=", int64(po.ID)}, []any{"product_id", "=", p.ID}},
		[]string{"id", "product_qty", "date_planned"}, 0, 1, "id", nil, &existing); err != nil {
		return "", "", err
	}
	cmd := []any{0, 0, line}
	if len(existing) > 0 {
		e := existing[0]
		stale := !arrive.IsZero() && !e.Planned.t.IsZero() && commerce.DateOf(arrive).Before(commerce.DateOf(e.Planned.t))
		sameDate := arrive.IsZero() || commerce.DateOf(arrive) == commerce.DateOf(e.Planned.t)
		if stale || e.Qty.Dec().Equal(decimalInt(s.Quantity)) && sameDate {
			return ref("purchase.order", int64(po.ID)), sdk.StatusDuplicate, nil
		}
		upd := map[string]any{"product_qty": s.Quantity}
		if d, ok := line["date_planned"]; ok {
			upd["date_planned"] = d
		}
		cmd = []any{1, int64(e.ID), upd}
	}
	// the line and the token go in one call: Odoo applies both or neither
	origin := strings.TrimSpace(string(po.Origin)) + ", " + token
	if _, err := w.cl.call(ctx, "purchase.order", "write", []int64{int64(po.ID)}, map[string]any{"vals": map[string]any{
		"origin": origin, "order_line": []any{cmd}}}, nil, nil); err != nil {
		return "", "", err
	}
	return ref("purchase.order", int64(po.ID)), sdk.StatusOK, nil
}

// receiptType returns a warehouse's receipt operation type.
func (w *writer) receiptType(ctx context.Context, wh int64) (int64, error) {
	id, err := w.cl.cached(fmt.Sprintf("receipts:%d", wh), func() (int64, error) {
		var rows []struct {
			In m2o `json:"in_type_id"`
		}
		if _, err := w.cl.call(ctx, "stock.warehouse", "read", []int64{wh}, map[string]any{"fields": []string{"in_type_id"}}, inactiveToo, &rows); err != nil {
			return 0, err
		}
		if len(rows) == 0 {
			return 0, nil
		}
		return rows[0].In.ID, nil
	})
	if err == nil && id == 0 {
		err = sdk.Permanent(fmt.Errorf("warehouse %d has no receipt operation type", wh), "odoo: RFQ").
			WithDetail("check the warehouse's configuration in Odoo (Inventory → Configuration → Warehouses)")
	}
	return id, err
}

// vendor returns the suggestion's supplier by name, or the product's first
// vendor.
func (w *writer) vendor(ctx context.Context, s *commerce.ReplenishmentSuggestion, p productInfo) (int64, error) {
	if s.Supplier != "" {
		id, err := w.cl.cached("vendor:"+s.Supplier, func() (int64, error) {
			var ids []int64
			_, err := w.cl.call(ctx, "res.partner", "search", nil, map[string]any{"domain": []any{[]any{"name", "=", s.Supplier}},
				"limit": 1, "order": "supplier_rank desc, id"}, nil, &ids)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return ids[0], nil
		})
		if err != nil || id != 0 {
			return id, err
		}
	}
	var rows []sellerRow
	if _, err := w.cl.searchRead(ctx, "product.supplierinfo", []any{[]any{"product_tmpl_id", "=", p.Template},
		"|", []any{"product_id", "=", false}, []any{"product_id", "=", p.ID}}, []string{"partner_id"}, 0, 1, "sequence, id", nil, &rows); err != nil {
		return 0, err
	}
	if len(rows) > 0 && rows[0].Partner.ID != 0 {
		return rows[0].Partner.ID, nil
	}
	who := "no vendor"
	if s.Supplier != "" {
		who = fmt.Sprintf("no partner named %q and no vendor", s.Supplier)
	}
	return 0, sdk.Permanent(fmt.Errorf("%s for %s", who, s.SKU), "odoo: RFQ for %s", s.SKU).
		WithDetail("add a vendor on the product's Purchase tab in Odoo, or give the suggestion a supplier that exists in Odoo")
}
