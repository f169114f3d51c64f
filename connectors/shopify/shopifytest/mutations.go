package shopifytest

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// mutationRoot serves the mutations the connector uses. They run under the
// store's write lock.
type mutationRoot struct{}

func (mutationRoot) typename() string { return "Mutation" }

func (mutationRoot) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	s := ec.srv
	switch field {
	case "inventorySetQuantities":
		return s.idempotent(ec, field, args, func() (gqlObject, error) { return s.inventorySetQuantities(args) })
	case "fulfillmentCreate":
		return s.idempotent(ec, field, args, func() (gqlObject, error) { return s.fulfillmentCreate(args) })
	case "metafieldsSet":
		return s.metafieldsSet(args)
	case "metafieldsDelete":
		return s.metafieldsDelete(args)
	case "webhookSubscriptionCreate":
		return s.webhookSubscriptionCreate(args)
	case "webhookSubscriptionUpdate":
		return s.webhookSubscriptionUpdate(args)
	case "webhookSubscriptionDelete":
		return s.webhookSubscriptionDelete(args)
	case "bulkOperationRunQuery":
		return s.bulks.run(ec, args)
	case "bulkOperationCancel":
		return s.bulks.cancel(strArg(args, "id")), nil
	}
	return nil, errNoField
}

// idempotent honours the @idempotent(key:) directive: a repeated key with
// the same input returns the first result without applying it again.
func (s *Server) idempotent(ec *execCtx, field string, args map[string]any, apply func() (gqlObject, error)) (any, error) {
	key := ""
	for _, d := range ec.field.dirs {
		if d.name == "idempotent" {
			for _, a := range d.args {
				if a.name == "key" {
					key, _ = valueToGo(a.val, ec.req.vars).(string)
				}
			}
			if key == "" {
				return nil, &fieldError{code: "BAD_REQUEST", msg: "@idempotent needs a non-empty key"}
			}
		}
	}
	if key == "" {
		return apply()
	}
	in, _ := json.Marshal(args)
	s.idemMu.Lock()
	prev, seen := s.idem[field+"\x00"+key]
	s.idemMu.Unlock()
	if seen {
		if prev.input != string(in) {
			return nil, &fieldError{code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", msg: "The idempotency key was already used with different arguments."}
		}
		s.stats.replays.Add(1)
		return prev.payload, nil
	}
	p, err := apply()
	if err != nil {
		return nil, err
	}
	s.idemMu.Lock()
	s.idem[field+"\x00"+key] = idemEntry{input: string(in), payload: p}
	s.idemMu.Unlock()
	if pl, ok := p.(*payload); !ok || len(pl.errs) == 0 {
		s.appliedMu.Lock()
		s.applied[key]++
		s.appliedMu.Unlock()
	}
	return p, nil
}

// userError is an entry of a payload's userErrors.
type userError struct {
	typ     string
	field   []string
	message string
	code    string
	// elementIndex is the index of the list value element at fault
	// (MetafieldsSetUserError).
	elementIndex *int
}

func (u *userError) typename() string { return u.typ }

func (u *userError) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "field":
		if u.field == nil {
			return nil, nil
		}
		return u.field, nil
	case "message":
		return u.message, nil
	case "elementIndex":
		if u.elementIndex == nil {
			return nil, nil
		}
		return *u.elementIndex, nil
	case "code":
		if u.code == "" {
			return nil, nil
		}
		return enumValue(u.code), nil
	}
	return nil, errNoField
}

// payload is a mutation payload: named fields plus userErrors.
type payload struct {
	typ    string
	fields map[string]any
	errs   []gqlObject
}

func (p *payload) typename() string { return p.typ }

func (p *payload) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	if field == "userErrors" {
		if p.errs == nil {
			return []gqlObject{}, nil
		}
		return p.errs, nil
	}
	if v, ok := p.fields[field]; ok {
		return v, nil
	}
	return nil, nil
}

func failed(typ, errTyp, code, msg string, field ...string) *payload {
	return &payload{typ: typ, errs: []gqlObject{&userError{typ: errTyp, field: field, message: msg, code: code}}}
}

var inventoryReasons = map[string]bool{"correction": true, "cycle_count_available": true, "damaged": true, "movement_created": true,
	"movement_updated": true, "movement_received": true, "movement_canceled": true, "other": true, "promotion": true,
	"quality_control": true, "received": true, "reservation_created": true, "reservation_deleted": true, "reservation_updated": true,
	"restock": true, "safety_stock": true, "shrinkage": true}

type adjustment struct {
	lv                *level
	name              string
	delta, quantAfter int
}

type adjustmentGroup struct {
	id        int64
	createdAt time.Time
	reason    string
	docURI    string
	changes   []adjustment
	s         *Server
}

func (a *adjustmentGroup) typename() string { return "InventoryAdjustmentGroup" }

func (a *adjustmentGroup) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return gid("InventoryAdjustmentGroup", a.id), nil
	case "createdAt":
		return gqlTime(a.createdAt), nil
	case "reason":
		return a.reason, nil
	case "referenceDocumentUri":
		return optString(a.docURI), nil
	case "changes":
		out := make([]gqlObject, len(a.changes))
		for i := range a.changes {
			out[i] = &changeObj{c: a.changes[i], s: a.s}
		}
		return out, nil
	}
	return nil, errNoField
}

type changeObj struct {
	c adjustment
	s *Server
}

func (c *changeObj) typename() string { return "InventoryChange" }

func (c *changeObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "name":
		return c.c.name, nil
	case "delta":
		return c.c.delta, nil
	case "quantityAfterChange":
		return c.c.quantAfter, nil
	case "item":
		if v := c.s.st.variantByItem(c.c.lv.itemID); v != nil {
			return &inventoryItemObj{v: v, s: c.s}, nil
		}
		return nil, nil
	case "location":
		if l := c.s.st.location(c.c.lv.locationID); l != nil {
			return &locationObj{l: l, s: c.s}, nil
		}
		return nil, nil
	}
	return nil, errNoField
}

var adjustmentSeq int64 = 9_000_000_000

// inventorySetQuantities implements the 2026-01 semantics: name available
// or on_hand, a reason, and per quantity a compare-and-swap through
// changeFromQuantity (null opts out) or the older compareQuantity /
// ignoreCompareQuantity pair.
func (s *Server) inventorySetQuantities(args map[string]any) (gqlObject, error) {
	const pt, et = "InventorySetQuantitiesPayload", "InventorySetQuantitiesUserError"
	in, _ := args["input"].(map[string]any)
	if in == nil {
		return failed(pt, et, "INVALID_INPUT", "input is required", "input"), nil
	}
	name, _ := in["name"].(string)
	if name != "available" && name != "on_hand" {
		return failed(pt, et, "INVALID_NAME", fmt.Sprintf("The quantity name %q is not available or on_hand.", name), "input", "name"), nil
	}
	reason, _ := in["reason"].(string)
	if !inventoryReasons[reason] {
		return failed(pt, et, "INVALID_REASON", fmt.Sprintf("The reason %q is invalid.", reason), "input", "reason"), nil
	}
	ignore, _ := in["ignoreCompareQuantity"].(bool)
	qs, _ := in["quantities"].([]any)
	if len(qs) == 0 || len(qs) > 250 {
		return failed(pt, et, "INVALID_INPUT", "quantities must hold 1 to 250 entries", "input", "quantities"), nil
	}
	type planned struct {
		lv  *level
		qty int
	}
	var plan []planned
	for i, q := range qs {
		m, _ := q.(map[string]any)
		idx := fmt.Sprint(i)
		v := s.variantByItemGID(fmt.Sprint(m["inventoryItemId"]))
		if v == nil {
			return failed(pt, et, "INVALID_INVENTORY_ITEM", "The specified inventory item could not be found.", "input", "quantities", idx, "inventoryItemId"), nil
		}
		l := s.locationByGID(fmt.Sprint(m["locationId"]))
		if l == nil {
			return failed(pt, et, "INVALID_LOCATION", "The specified location could not be found.", "input", "quantities", idx, "locationId"), nil
		}
		lv := s.st.cat.levels[[2]int64{v.itemID, l.id}]
		if lv == nil {
			return failed(pt, et, "ITEM_NOT_STOCKED_AT_LOCATION", "The specified inventory item is not stocked at the location.", "input", "quantities", idx, "locationId"), nil
		}
		qty, ok := m["quantity"].(int64)
		if !ok {
			return failed(pt, et, "INVALID_QUANTITY", "quantity must be an integer", "input", "quantities", idx, "quantity"), nil
		}
		if qty < -1_000_000_000 || qty > 1_000_000_000 {
			return failed(pt, et, "INVALID_QUANTITY_TOO_HIGH", "The quantity is out of range.", "input", "quantities", idx, "quantity"), nil
		}
		current := lv.available
		if name == "on_hand" {
			current = lv.onHand
		}
		if cf, given := m["changeFromQuantity"]; given {
			if cf != nil && cf.(int64) != int64(current) {
				return failed(pt, et, "CHANGE_FROM_QUANTITY_STALE", "The changeFromQuantity doesn't match the persisted value.", "input", "quantities", idx, "changeFromQuantity"), nil
			}
		} else if !ignore {
			cq, given := m["compareQuantity"].(int64)
			if !given {
				return failed(pt, et, "COMPARE_QUANTITY_REQUIRED", "compareQuantity or changeFromQuantity is required unless ignoreCompareQuantity is true.", "input", "quantities", idx, "compareQuantity"), nil
			}
			if cq != int64(current) {
				return failed(pt, et, "COMPARE_QUANTITY_STALE", "The compareQuantity doesn't match the persisted value.", "input", "quantities", idx, "compareQuantity"), nil
			}
		}
		plan = append(plan, planned{lv: lv, qty: int(qty)})
	}
	adjustmentSeq++
	g := &adjustmentGroup{id: adjustmentSeq, createdAt: s.st.stamp(), reason: reason, s: s}
	g.docURI, _ = in["referenceDocumentUri"].(string)
	for _, p := range plan {
		lv := p.lv
		var delta int
		if name == "available" {
			delta = p.qty - lv.available
			lv.available = p.qty
			lv.onHand += delta
		} else {
			delta = p.qty - lv.onHand
			lv.onHand = p.qty
			lv.available += delta
		}
		lv.updatedAt = g.createdAt
		g.changes = append(g.changes, adjustment{lv: lv, name: name, delta: delta, quantAfter: p.qty})
		s.hooks.enqueue("inventory_levels/update", s.restLevel(lv))
	}
	return &payload{typ: pt, fields: map[string]any{"inventoryAdjustmentGroup": g}}, nil
}

// fulfillmentCreate fulfils fulfilment order line items with tracking.
func (s *Server) fulfillmentCreate(args map[string]any) (gqlObject, error) {
	const pt, et = "FulfillmentCreatePayload", "UserError"
	in, _ := args["fulfillment"].(map[string]any)
	if in == nil {
		return failed(pt, et, "", "fulfillment is required", "fulfillment"), nil
	}
	groups, _ := in["lineItemsByFulfillmentOrder"].([]any)
	if len(groups) == 0 {
		return failed(pt, et, "", "lineItemsByFulfillmentOrder must not be empty", "fulfillment", "lineItemsByFulfillmentOrder"), nil
	}
	var target *order
	var locationID int64
	want := map[int]int{} // line index -> quantity
	for gi, g := range groups {
		gm, _ := g.(map[string]any)
		typ, foID, _, ok := parseGID(fmt.Sprint(gm["fulfillmentOrderId"]))
		if !ok || typ != "FulfillmentOrder" {
			return failed(pt, et, "", "Invalid fulfillment order id.", "fulfillment", "lineItemsByFulfillmentOrder", fmt.Sprint(gi), "fulfillmentOrderId"), nil
		}
		o, found := s.childOrder(foID, fulfillOrderBase, maxChildren)
		var fo *fulfillmentOrder
		if found {
			for _, f := range o.fulfillmentOrders() {
				if f.id == foID {
					f := f
					fo = &f
				}
			}
		}
		if fo == nil {
			return failed(pt, et, "", "Fulfillment order does not exist.", "fulfillment", "lineItemsByFulfillmentOrder", fmt.Sprint(gi), "fulfillmentOrderId"), nil
		}
		if target != nil && target.id != o.id {
			return failed(pt, et, "", "All fulfillment orders must belong to the same order.", "fulfillment", "lineItemsByFulfillmentOrder"), nil
		}
		if locationID != 0 && locationID != fo.locationID {
			return failed(pt, et, "", "All fulfillment orders must be assigned to the same location.", "fulfillment", "lineItemsByFulfillmentOrder"), nil
		}
		target, locationID = o, fo.locationID
		foo := &fulfillmentOrderObj{o: o, fo: *fo, s: s}
		if o.cancelledAt != nil {
			return failed(pt, et, "", fmt.Sprintf("Fulfillment order %d has an unfulfillable status= cancelled.", foID), "fulfillment"), nil
		}
		items, given := gm["fulfillmentOrderLineItems"].([]any)
		if !given {
			for _, k := range fo.lines {
				if r := foo.remaining(k); r > 0 {
					want[k] += r
				}
			}
			continue
		}
		for ii, it := range items {
			im, _ := it.(map[string]any)
			_, liID, _, ok := parseGID(fmt.Sprint(im["id"]))
			k := int(liID - fulfillOrderLnBase - int64(o.idx)*64)
			member := false
			for _, fk := range fo.lines {
				member = member || fk == k
			}
			if !ok || !member {
				return failed(pt, et, "", "Invalid fulfillment order line item id.", "fulfillment", "lineItemsByFulfillmentOrder", fmt.Sprint(gi), "fulfillmentOrderLineItems", fmt.Sprint(ii), "id"), nil
			}
			q, _ := im["quantity"].(int64)
			if q <= 0 || int(q) > foo.remaining(k)-want[k] {
				return failed(pt, et, "", fmt.Sprintf("Invalid quantity %d: at most %d remain to fulfil.", q, foo.remaining(k)-want[k]), "fulfillment", "lineItemsByFulfillmentOrder", fmt.Sprint(gi), "fulfillmentOrderLineItems", fmt.Sprint(ii), "quantity"), nil
			}
			want[k] += int(q)
		}
	}
	if len(want) == 0 {
		return failed(pt, et, "", "The fulfillment order has no remaining line items to fulfil.", "fulfillment"), nil
	}
	if len(target.fulfillments) >= maxChildren {
		return failed(pt, et, "", "The Shopify fake holds at most 8 fulfilments per order.", "fulfillment"), nil
	}
	ti, _ := in["trackingInfo"].(map[string]any)
	str := func(k string) string { v, _ := ti[k].(string); return v }
	var ff fulfillment
	o, err := s.st.mutate(target.idx, time.Time{}, func(o *order) error {
		ff = fulfillment{id: fulfillmentBase + int64(o.idx)*maxChildren + int64(len(o.fulfillments)), locationID: locationID, status: "success",
			company: str("company"), number: str("number"), url: str("url")}
		if ff.number == "" {
			if ns, _ := ti["numbers"].([]any); len(ns) > 0 {
				ff.number, _ = ns[0].(string)
			}
		}
		if ff.url == "" {
			if us, _ := ti["urls"].([]any); len(us) > 0 {
				ff.url, _ = us[0].(string)
			}
		}
		keys := make([]int, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		for _, k := range keys {
			ff.lines = append(ff.lines, fulfillLine{id: fulfillLineID(o.idx, len(o.fulfillments), k), line: k, qty: want[k]})
		}
		o.fulfillments = append(o.fulfillments, ff)
		return nil
	})
	if err != nil {
		return nil, err
	}
	k := len(o.fulfillments) - 1
	o.fulfillments[k].createdAt, o.fulfillments[k].updatedAt = o.updatedAt, o.updatedAt
	s.hooks.enqueue("fulfillments/create", s.restFulfillment(o, k))
	s.hooks.enqueue("orders/updated", s.restOrder(o))
	return &payload{typ: pt, fields: map[string]any{"fulfillment": &fulfillmentObj{o: o, k: k, s: s}}}, nil
}
