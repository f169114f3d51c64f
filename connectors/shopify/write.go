package shopify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"strings"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Write applies changes one by one (product recommendation lists in
// batches of 25 metafields); one failing change does not stop the others. Stock is set with inventorySetQuantities under the @idempotent
// directive keyed by the change's idempotency key, so a retried change is
// applied once. Fulfilments (which Shopify cannot deduplicate) are checked
// first against the order's existing fulfilments: same tracking number, or
// nothing left to fulfil for the requested lines, means the change was
// already applied (StatusDuplicate).
func (c *Connector) Write(ctx context.Context, req sdk.WriteRequest) (*sdk.WriteResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	cl := c.clientFor(cfg)
	results := make([]sdk.ChangeResult, len(req.Changes))
	var recs []recChange
	for i, ch := range req.Changes {
		res := sdk.ChangeResult{IdempotencyKey: ch.IdempotencyKey}
		var ext, status string
		var err error
		switch {
		case ch.IdempotencyKey == "":
			err = sdk.InvalidInput("shopify: write change %d: idempotency_key is required", i)
		case ch.Action == sdk.ActionSetInventory:
			ext, status, err = c.setInventory(ctx, cl, req.Connection, ch)
		case ch.Action == sdk.ActionCreateFulfillment:
			ext, status, err = c.createFulfillment(ctx, cl, ch)
		case ch.Action == sdk.ActionSetRecommendations:
			// checked now, written below in batches of 25 metafields
			var rc recChange
			if rc, err = checkRecommendations(i, ch); err == nil {
				recs = append(recs, rc)
				results[i] = res
				continue
			}
		default:
			err = sdk.NotImplemented("shopify: write: action %q is not supported", ch.Action).
				WithDetail("the Shopify connector writes %s, %s and %s", sdk.ActionSetInventory, sdk.ActionCreateFulfillment, sdk.ActionSetRecommendations)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if sdk.KindOf(err) == sdk.KindAuthentication {
				return nil, err
			}
			res.Status, res.Error = sdk.StatusFailed, asSDKError(err, "shopify: write %s", ch.Action)
		} else {
			res.Status, res.ExternalID = status, ext
		}
		results[i] = res
	}
	if len(recs) > 0 {
		if err := c.setRecommendations(ctx, cl, req.Connection, recs, results); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
	}
	return &sdk.WriteResponse{Results: results}, nil
}

// levelIDs splits "gid://shopify/InventoryLevel/<location>?inventory_item_id=<item>".
func levelIDs(gid string) (item, location string, ok bool) {
	rest, found := strings.CutPrefix(gid, "gid://shopify/InventoryLevel/")
	if !found {
		return "", "", false
	}
	loc, q, found := strings.Cut(rest, "?inventory_item_id=")
	if !found || loc == "" || q == "" {
		return "", "", false
	}
	return "gid://shopify/InventoryItem/" + q, "gid://shopify/Location/" + loc, true
}

// IdempotencyKey is the key Write sends in the @idempotent directive for a
// change of a connection: a UUID-shaped hash, so that the host's key may be
// any string and keys of two connections never collide.
func IdempotencyKey(conn, key string) string {
	sum := sha256.Sum256([]byte(conn + "\x00" + key))
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (c *Connector) setInventory(ctx context.Context, cl *client, conn string, ch sdk.Change) (string, string, error) {
	lv, ok := ch.Record.(*commerce.InventoryLevel)
	if !ok || lv == nil {
		return "", "", sdk.InvalidInput("shopify: %s needs an inventory_level record, got %T", ch.Action, ch.Record)
	}
	item, loc := lv.InventoryItemID, lv.LocationID
	if i, l, ok := levelIDs(lv.Source.ExternalID); ok {
		item = cmpOr(item, i)
		loc = cmpOr(loc, l)
	}
	if !strings.HasPrefix(loc, "gid://shopify/Location/") {
		return "", "", sdk.InvalidInput("shopify: %s: location_id %q is not a Shopify location id such as gid://shopify/Location/76543210551", ch.Action, loc)
	}
	if item == "" {
		if lv.SKU == "" {
			return "", "", sdk.InvalidInput("shopify: %s: set inventory_item_id or sku", ch.Action)
		}
		var out struct {
			InventoryItems struct {
				Nodes []struct {
					ID  string `json:"id"`
					SKU string `json:"sku"`
				} `json:"nodes"`
			} `json:"inventoryItems"`
		}
		if _, err := cl.do(ctx, "item by sku", itemBySKUQuery, map[string]any{"query": "sku:" + quoteSearch(lv.SKU)}, 4, nil, &out); err != nil {
			return "", "", err
		}
		var found []string
		for _, n := range out.InventoryItems.Nodes {
			if strings.EqualFold(n.SKU, lv.SKU) {
				found = append(found, n.ID)
			}
		}
		switch len(found) {
		case 0:
			return "", "", sdk.Permanent(fmt.Errorf("no inventory item has SKU %q", lv.SKU), "shopify: %s", ch.Action).
				WithDetail("create the product in Shopify or fix the SKU")
		case 1:
			item = found[0]
		default:
			return "", "", sdk.InvalidInput("shopify: %s: SKU %q matches several inventory items", ch.Action, lv.SKU).
				WithDetail("set inventory_item_id to say which one")
		}
	}
	if !strings.HasPrefix(item, "gid://shopify/InventoryItem/") {
		return "", "", sdk.InvalidInput("shopify: %s: inventory_item_id %q is not a Shopify id such as gid://shopify/InventoryItem/47091811909943", ch.Action, item)
	}
	input := map[string]any{
		"name":                 "available",
		"reason":               "correction",
		"referenceDocumentUri": "supplyhub://changes/" + IdempotencyKey(conn, ch.IdempotencyKey),
		"quantities": []any{map[string]any{
			"inventoryItemId":    item,
			"locationId":         loc,
			"quantity":           lv.Available,
			"changeFromQuantity": nil,
		}},
	}
	var out struct {
		InventorySetQuantities struct {
			InventoryAdjustmentGroup *struct {
				ID string `json:"id"`
			} `json:"inventoryAdjustmentGroup"`
			UserErrors []struct {
				Field   []string `json:"field"`
				Message string   `json:"message"`
				Code    string   `json:"code"`
			} `json:"userErrors"`
		} `json:"inventorySetQuantities"`
	}
	key := IdempotencyKey(conn, ch.IdempotencyKey)
	if _, err := cl.doKeyed(ctx, "set inventory", inventorySetMutation, map[string]any{"input": input, "key": key}, 10, nil, &out, key); err != nil {
		return "", "", err
	}
	if ue := out.InventorySetQuantities.UserErrors; len(ue) > 0 {
		e := fmt.Errorf("%s (%s)", ue[0].Message, ue[0].Code)
		switch ue[0].Code {
		case "INVALID_INVENTORY_ITEM", "INVALID_LOCATION", "ITEM_NOT_STOCKED_AT_LOCATION", "NON_MUTABLE_INVENTORY_ITEM":
			return "", "", sdk.Permanent(e, "shopify: set available of %s at %s", item, loc).
				WithDetail("stock the item at the location in Shopify first, or fix the ids")
		}
		return "", "", sdk.InvalidInput("shopify: set available of %s at %s: %v", item, loc, e)
	}
	itemNum := strings.TrimPrefix(item, "gid://shopify/InventoryItem/")
	locNum := strings.TrimPrefix(loc, "gid://shopify/Location/")
	return "gid://shopify/InventoryLevel/" + locNum + "?inventory_item_id=" + itemNum, sdk.StatusOK, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// quoteSearch quotes a value for Shopify's search syntax.
func quoteSearch(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

type foLine struct {
	ID                string   `json:"id"`
	RemainingQuantity int      `json:"remainingQuantity"`
	LineItem          gLineRef `json:"lineItem"`
}

type fulfillmentOrder struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	AssignedLocation struct {
		Location *idOnly `json:"location"`
	} `json:"assignedLocation"`
	LineItems struct {
		Nodes []foLine `json:"nodes"`
	} `json:"lineItems"`
}

func (c *Connector) createFulfillment(ctx context.Context, cl *client, ch sdk.Change) (string, string, error) {
	sh, ok := ch.Record.(*commerce.Shipment)
	if !ok || sh == nil {
		return "", "", sdk.InvalidInput("shopify: %s needs a shipment record, got %T", ch.Action, ch.Record)
	}
	if !strings.HasPrefix(sh.OrderID, "gid://shopify/Order/") {
		return "", "", sdk.InvalidInput("shopify: %s: order_id %q is not a Shopify order id such as gid://shopify/Order/5862346506295", ch.Action, sh.OrderID)
	}
	var out struct {
		Order *struct {
			ID           string `json:"id"`
			Name         string `json:"name"`
			Fulfillments []struct {
				ID           string      `json:"id"`
				TrackingInfo []gTracking `json:"trackingInfo"`
			} `json:"fulfillments"`
			FulfillmentOrders struct {
				Nodes []fulfillmentOrder `json:"nodes"`
			} `json:"fulfillmentOrders"`
		} `json:"order"`
	}
	if _, err := cl.do(ctx, "fulfillment orders", fulfillmentOrdersQuery, map[string]any{"id": sh.OrderID}, 410, nil, &out); err != nil {
		return "", "", err
	}
	if out.Order == nil {
		return "", "", sdk.Permanent(fmt.Errorf("order %s not found", sh.OrderID), "shopify: %s", ch.Action).
			WithDetail("the order was deleted, or belongs to another shop")
	}
	for _, f := range out.Order.Fulfillments {
		for _, t := range f.TrackingInfo {
			if t.Number != "" && slices.Contains(sh.TrackingNumbers, t.Number) {
				return f.ID, sdk.StatusDuplicate, nil
			}
		}
	}
	// open fulfilment orders, by location
	byLoc := map[string][]fulfillmentOrder{}
	var locs []string
	for _, fo := range out.Order.FulfillmentOrders.Nodes {
		if fo.Status != "OPEN" && fo.Status != "IN_PROGRESS" || fo.AssignedLocation.Location == nil {
			continue
		}
		l := fo.AssignedLocation.Location.ID
		if sh.LocationID != "" && l != sh.LocationID {
			continue
		}
		if _, seen := byLoc[l]; !seen {
			locs = append(locs, l)
		}
		byLoc[l] = append(byLoc[l], fo)
	}
	if len(locs) == 0 {
		if len(out.Order.Fulfillments) > 0 {
			// everything is fulfilled already: a retry of this change
			return out.Order.Fulfillments[len(out.Order.Fulfillments)-1].ID, sdk.StatusDuplicate, nil
		}
		where := ""
		if sh.LocationID != "" {
			where = " at " + sh.LocationID
		}
		return "", "", sdk.Permanent(fmt.Errorf("order %s has no open fulfillment order%s", out.Order.Name, where), "shopify: %s", ch.Action).
			WithDetail("the order may be cancelled, on hold, or assigned to another location")
	}
	if len(locs) > 1 && len(sh.Lines) == 0 {
		return "", "", sdk.InvalidInput("shopify: %s: order %s ships from %d locations (%s): set location_id or lines", ch.Action, out.Order.Name, len(locs), strings.Join(locs, ", "))
	}
	type pick struct {
		fo    string
		line  string
		qty   int
		total bool
	}
	var picks []pick
	loc := locs[0]
	if len(sh.Lines) == 0 {
		for _, fo := range byLoc[loc] {
			picks = append(picks, pick{fo: fo.ID, total: true})
		}
	} else {
		loc = ""
		for li, want := range sh.Lines {
			need := want.Quantity
			for _, l := range locs {
				for _, fo := range byLoc[l] {
					for _, fl := range fo.LineItems.Nodes {
						match := want.LineID != "" && fl.LineItem.ID == want.LineID || want.LineID == "" && want.SKU != "" && strings.EqualFold(fl.LineItem.SKU, want.SKU)
						if !match || need == 0 || fl.RemainingQuantity == 0 || loc != "" && l != loc {
							continue
						}
						q := min(need, fl.RemainingQuantity)
						picks = append(picks, pick{fo: fo.ID, line: fl.ID, qty: q})
						need -= q
						loc = l
					}
				}
			}
			if need > 0 {
				if need == want.Quantity && len(out.Order.Fulfillments) > 0 {
					continue // already fulfilled: checked below
				}
				return "", "", sdk.InvalidInput("shopify: %s: lines[%d] (%s): %d more units than remain to fulfil from one location", ch.Action, li, cmpOr(want.LineID, want.SKU), need)
			}
		}
		if len(picks) == 0 {
			return out.Order.Fulfillments[len(out.Order.Fulfillments)-1].ID, sdk.StatusDuplicate, nil
		}
	}
	var groups []any
	index := map[string]int{}
	for _, p := range picks {
		i, ok := index[p.fo]
		if !ok {
			i = len(groups)
			index[p.fo] = i
			groups = append(groups, map[string]any{"fulfillmentOrderId": p.fo})
		}
		if !p.total {
			g := groups[i].(map[string]any)
			items, _ := g["fulfillmentOrderLineItems"].([]any)
			g["fulfillmentOrderLineItems"] = append(items, map[string]any{"id": p.line, "quantity": p.qty})
		}
	}
	tracking := map[string]any{}
	if sh.Carrier != "" {
		tracking["company"] = sh.Carrier
	}
	if len(sh.TrackingNumbers) > 0 {
		tracking["numbers"] = sh.TrackingNumbers
	}
	if len(sh.TrackingURLs) > 0 {
		tracking["urls"] = sh.TrackingURLs
	}
	input := map[string]any{"lineItemsByFulfillmentOrder": groups, "notifyCustomer": false, "trackingInfo": tracking}
	var res struct {
		FulfillmentCreate struct {
			Fulfillment *struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"fulfillment"`
			UserErrors []struct {
				Field   []string `json:"field"`
				Message string   `json:"message"`
			} `json:"userErrors"`
		} `json:"fulfillmentCreate"`
	}
	if _, err := cl.do(ctx, "create fulfillment", fulfillmentCreateMutation, map[string]any{"fulfillment": input}, 10, nil, &res); err != nil {
		return "", "", err
	}
	if ue := res.FulfillmentCreate.UserErrors; len(ue) > 0 {
		return "", "", sdk.InvalidInput("shopify: create fulfilment of order %s: %s (field %s)", out.Order.Name, ue[0].Message, strings.Join(ue[0].Field, ".")).
			WithDetail("check the order's open fulfilment orders in Shopify")
	}
	if res.FulfillmentCreate.Fulfillment == nil {
		return "", "", sdk.Retryable(errors.New("no fulfilment in the answer"), "shopify: create fulfilment of order %s", out.Order.Name)
	}
	return res.FulfillmentCreate.Fulfillment.ID, sdk.StatusOK, nil
}
