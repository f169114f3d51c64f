package odoo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Write applies changes one by one; one failing change does not stop the
// others. Every action is idempotent by what it finds in Odoo, not by
// what the connector remembers: a sale order carries the channel's order
// id in client_order_ref and the version it was written from in origin; an
// RFQ lists the short hashes of the changes it holds in origin; a stock
// change sets an absolute quantity. A change whose effect is already there
// reports StatusDuplicate with the same external id.
func (c *Connector) Write(ctx context.Context, req sdk.WriteRequest) (*sdk.WriteResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	cl := c.clientFor(cfg)
	if err := cl.ensure(ctx); err != nil {
		return nil, err
	}
	comp, err := cl.companyOf(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{c: c, cl: cl, cfg: cfg, conn: req.Connection, comp: comp, products: map[string]productInfo{}, partners: map[string]int64{}}
	if err := w.prefetch(ctx, req.Changes); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if sdk.KindOf(err) == sdk.KindAuthentication {
			return nil, err
		}
		// the per-change lookups below will fail or succeed on their own
		w.products = map[string]productInfo{}
	}
	resp := &sdk.WriteResponse{Results: make([]sdk.ChangeResult, 0, len(req.Changes))}
	for i, ch := range req.Changes {
		res := sdk.ChangeResult{IdempotencyKey: ch.IdempotencyKey}
		var ext, status string
		var err error
		switch {
		case ch.IdempotencyKey == "":
			err = sdk.InvalidInput("odoo: write change %d: idempotency_key is required", i)
		case ch.Record == nil:
			err = sdk.InvalidInput("odoo: write change %d (%s): no record", i, ch.Action)
		case ch.Action == sdk.ActionUpsertOrder:
			ext, status, err = w.upsertOrder(ctx, ch, false)
		case ch.Action == sdk.ActionCancelOrder:
			ext, status, err = w.upsertOrder(ctx, ch, true)
		case ch.Action == sdk.ActionCreatePurchaseOrder:
			ext, status, err = w.purchase(ctx, ch)
		case ch.Action == sdk.ActionSetInventory:
			ext, status, err = w.setInventory(ctx, ch)
		default:
			err = sdk.NotImplemented("odoo: write: action %q is not supported", ch.Action).
				WithDetail("the Odoo connector writes %s, %s, %s and %s", sdk.ActionUpsertOrder, sdk.ActionCancelOrder, sdk.ActionCreatePurchaseOrder, sdk.ActionSetInventory)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if sdk.KindOf(err) == sdk.KindAuthentication {
				return nil, err
			}
			var se *sdk.Error
			if !errors.As(err, &se) {
				se = sdk.Retryable(err, "odoo: write %s", ch.Action)
			}
			res.Status, res.Error = sdk.StatusFailed, se
			c.log.Warn("odoo write failed", "action", ch.Action, "key", ch.IdempotencyKey, "err", se)
		} else {
			res.Status, res.ExternalID = status, ext
		}
		resp.Results = append(resp.Results, res)
	}
	return resp, nil
}

// writer is one Write call.
type writer struct {
	c        *Connector
	cl       *client
	cfg      Config
	conn     string
	comp     *companyInfo
	products map[string]productInfo // by SKU
	partners map[string]int64       // by lower-case e-mail, within the call
}

type productInfo struct {
	ID       int64
	Template int64
	SKU      string
	Name     string
	Price    decimal.Decimal
}

// prefetch looks up every SKU of the changes in one call.
func (w *writer) prefetch(ctx context.Context, changes []sdk.Change) error {
	var skus []string
	for _, ch := range changes {
		switch r := ch.Record.(type) {
		case *commerce.Order:
			for _, l := range r.Lines {
				skus = append(skus, l.SKU)
			}
		case *commerce.ReplenishmentSuggestion:
			skus = append(skus, r.SKU)
		case *commerce.InventoryLevel:
			skus = append(skus, r.SKU)
		}
	}
	skus = append(skus, w.cfg.ShippingProduct, w.cfg.DiscountProduct)
	return w.lookupSKUs(ctx, skus)
}

// lookupSKUs finds active variants by internal reference.
func (w *writer) lookupSKUs(ctx context.Context, skus []string) error {
	var need []string
	for _, s := range skus {
		if _, ok := w.products[s]; !ok && s != "" && !slices.Contains(need, s) {
			need = append(need, s)
		}
	}
	for start := 0; start < len(need); start += 500 {
		chunk := need[start:min(len(need), start+500)]
		var rows []struct {
			ID    oint `json:"id"`
			SKU   ostr `json:"default_code"`
			Tmpl  m2o  `json:"product_tmpl_id"`
			Name  ostr `json:"display_name"`
			Price onum `json:"lst_price"`
		}
		if _, err := w.cl.searchRead(ctx, "product.product", []any{[]any{"default_code", "in", chunk}},
			[]string{"id", "default_code", "product_tmpl_id", "display_name", "lst_price"}, 0, 0, "id", nil, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			if _, dup := w.products[string(r.SKU)]; dup {
				continue // the oldest variant with the reference wins
			}
			w.products[string(r.SKU)] = productInfo{ID: int64(r.ID), Template: r.Tmpl.ID, SKU: string(r.SKU), Name: string(r.Name), Price: r.Price.Dec()}
		}
	}
	return nil
}

// product returns the active variant with an internal reference.
func (w *writer) product(ctx context.Context, sku string) (productInfo, error) {
	if sku == "" {
		return productInfo{}, sdk.InvalidInput("odoo: the line has no SKU").
			WithDetail("Odoo matches products by internal reference; give the product a SKU on the channel")
	}
	if p, ok := w.products[sku]; ok {
		return p, nil
	}
	if err := w.lookupSKUs(ctx, []string{sku}); err != nil {
		return productInfo{}, err
	}
	if p, ok := w.products[sku]; ok {
		return p, nil
	}
	return productInfo{}, sdk.Permanent(fmt.Errorf("no active product has internal reference %q", sku), "odoo: product %s", sku).
		WithDetail("create the product in Odoo with internal reference %s, or fix the SKU on the channel", sku)
}

// country returns the id of a country by ISO code, 0 when unknown.
func (w *writer) country(ctx context.Context, code string) (int64, error) {
	if code == "" {
		return 0, nil
	}
	return w.cl.cached("country:"+code, func() (int64, error) {
		var ids []int64
		_, err := w.cl.call(ctx, "res.country", "search", nil, map[string]any{"domain": []any{[]any{"code", "=", strings.ToUpper(code)}}, "limit": 1}, nil, &ids)
		if err != nil || len(ids) == 0 {
			return 0, err
		}
		return ids[0], nil
	})
}

// state returns the id of a country's state by code, 0 when unknown.
func (w *writer) state(ctx context.Context, country int64, code string) (int64, error) {
	if country == 0 || code == "" {
		return 0, nil
	}
	return w.cl.cached(fmt.Sprintf("state:%d:%s", country, code), func() (int64, error) {
		var rows []struct {
			ID   oint `json:"id"`
			Code ostr `json:"code"`
		}
		if _, err := w.cl.searchRead(ctx, "res.country.state", []any{[]any{"country_id", "=", country}}, []string{"id", "code"}, 0, 0, "id", nil, &rows); err != nil {
			return 0, err
		}
		for _, r := range rows {
			c := string(r.Code)
			if strings.EqualFold(c, code) || strings.EqualFold(c[strings.IndexByte(c, '-')+1:], code) {
				return int64(r.ID), nil
			}
		}
		return 0, nil
	})
}

// addressVals are res.partner values for an address.
func (w *writer) addressVals(ctx context.Context, a *commerce.Address) (map[string]any, error) {
	v := map[string]any{}
	if a == nil {
		return v, nil
	}
	v["street"], v["street2"], v["city"], v["zip"] = a.Line1, a.Line2, a.City, a.PostalCode
	if a.Phone != "" {
		v["phone"] = a.Phone
	}
	cid, err := w.country(ctx, a.CountryCode)
	if err != nil {
		return nil, err
	}
	if cid != 0 {
		v["country_id"] = cid
		sid, err := w.state(ctx, cid, a.ProvinceCode)
		if err != nil {
			return nil, err
		}
		if sid != 0 {
			v["state_id"] = sid
		}
	}
	return v, nil
}

// notesOn reports whether conflict notes are on.
func (w *writer) notesOn() bool { return w.cfg.ConflictNotes != nil && *w.cfg.ConflictNotes }

// note posts a conflict note in a record's chatter and logs it.
func (w *writer) note(ctx context.Context, model string, id int64, lines []string) {
	if len(lines) == 0 {
		return
	}
	body := ConflictMarker + ": " + strings.Join(lines, "\n")
	w.c.log.Warn("odoo conflict", "connection", w.conn, "record", ref(model, id), "conflict", strings.Join(lines, "; "))
	if !w.notesOn() {
		return
	}
	if _, err := w.cl.call(ctx, model, "message_post", []int64{id}, map[string]any{"body": body, "message_type": "comment", "subtype_xmlid": "mail.mt_note"}, nil, nil); err != nil {
		w.c.log.Warn("odoo conflict note not posted", "record", ref(model, id), "err", err)
	}
}

// f64 converts an exact decimal into the float Odoo's JSON carries.
func f64(d decimal.Decimal) float64 { return d.InexactFloat64() }
