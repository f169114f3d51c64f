package odoo

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func decimalInt(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }

// setInventory applies a channel's available quantity of a SKU in a
// warehouse when the channel is the stock master: the on-hand quantity of
// the warehouse's stock location moves so that on hand minus reserved
// equals it, through an inventory adjustment (stock.quant
// inventory_quantity, then action_apply_inventory). When Odoo is the
// master, the change is refused and a disagreement is reported.
func (w *writer) setInventory(ctx context.Context, ch sdk.Change) (string, string, error) {
	lv, ok := ch.Record.(*commerce.InventoryLevel)
	if !ok || lv == nil {
		return "", "", sdk.InvalidInput("odoo: %s needs an inventory_level record, got %T", ch.Action, ch.Record)
	}
	wh, ok := parseRef(lv.LocationID, "stock.warehouse")
	if !ok {
		return "", "", sdk.InvalidInput("odoo: %s: location_id %q is not an Odoo warehouse id such as stock.warehouse,1", ch.Action, lv.LocationID)
	}
	p, err := w.product(ctx, lv.SKU)
	if err != nil {
		return "", "", err
	}
	ext := ref("product.product", p.ID) + "@" + ref("stock.warehouse", wh)
	var whs []struct {
		Stock m2o `json:"lot_stock_id"`
	}
	if _, err := w.cl.call(ctx, "stock.warehouse", "read", []int64{wh}, map[string]any{"fields": []string{"lot_stock_id"}}, inactiveToo, &whs); err != nil {
		return "", "", err
	}
	if len(whs) != 1 || whs[0].Stock.ID == 0 {
		return "", "", sdk.Permanent(fmt.Errorf("warehouse %d has no stock location", wh), "odoo: %s", ch.Action)
	}
	stockLoc := whs[0].Stock.ID
	var quants []struct {
		ID       oint `json:"id"`
		Location m2o  `json:"location_id"`
		Quantity onum `json:"quantity"`
		Reserved onum `json:"reserved_quantity"`
	}
	if _, err := w.cl.searchRead(ctx, "stock.quant", []any{[]any{"product_id", "=", p.ID}, []any{"location_id.warehouse_id", "=", wh},
		[]any{"location_id.usage", "=", "internal"}}, []string{"id", "location_id", "quantity", "reserved_quantity"}, 0, 0, "id", nil, &quants); err != nil {
		return "", "", err
	}
	onHand, reserved := decimal.Zero, decimal.Zero
	var stockQuant int64
	stockQty := decimal.Zero
	for _, q := range quants {
		onHand = onHand.Add(q.Quantity.Dec())
		reserved = reserved.Add(q.Reserved.Dec())
		if q.Location.ID == stockLoc && stockQuant == 0 {
			stockQuant, stockQty = int64(q.ID), q.Quantity.Dec()
		}
	}
	available := onHand.Sub(reserved)
	diff := decimalInt(lv.Available).Sub(available)
	if diff.IsZero() {
		return ext, sdk.StatusDuplicate, nil
	}
	if w.cfg.Masters.Stock != MasterChannel {
		w.note(ctx, "product.template", p.Template, []string{fmt.Sprintf("stock of %s at %s (master: erp): the channel has %d available, Odoo %s; Odoo's quantity stands",
			lv.SKU, lv.LocationID, lv.Available, available)})
		return "", "", sdk.Permanent(fmt.Errorf("the channel's available %d differs from Odoo's %s", lv.Available, available),
			"odoo: %s of %s at %s refused: stock is mastered by Odoo", ch.Action, lv.SKU, lv.LocationID).
			WithDetail("set masters.stock to channel to let the channel's quantities overwrite Odoo's, or correct the channel")
	}
	target := stockQty.Add(diff)
	if stockQuant == 0 {
		if err := w.create(ctx, "stock.quant", map[string]any{"product_id": p.ID, "location_id": stockLoc}, &stockQuant); err != nil {
			return "", "", err
		}
	}
	if _, err := w.cl.call(ctx, "stock.quant", "write", []int64{stockQuant}, map[string]any{"vals": map[string]any{
		"inventory_quantity": f64(target), "inventory_quantity_set": true}}, nil, nil); err != nil {
		return "", "", err
	}
	if _, err := w.cl.call(ctx, "stock.quant", "action_apply_inventory", []int64{stockQuant}, nil, nil, nil); err != nil {
		return "", "", err
	}
	return ext, sdk.StatusOK, nil
}
