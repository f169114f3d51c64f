package shopify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Bulk operations export a whole stream as JSON Lines without cost limits.
// The connector starts the operation and checkpoints its id at once (a
// killed job resumes polling the same operation), polls with a growing
// interval, then streams the file, rebuilding each root object from the
// lines that follow it (groupObjects: true) and checkpointing every
// bulkBatch roots. A file that should hold objects but is empty is an
// error, never "no changes"; the next attempt starts a new operation.

const bulkBatch = 250

type bulkOp struct {
	ID              string  `json:"id"`
	Status          string  `json:"status"`
	ErrorCode       string  `json:"errorCode"`
	CreatedAt       string  `json:"createdAt"`
	CompletedAt     *string `json:"completedAt"`
	ObjectCount     string  `json:"objectCount"`
	RootObjectCount string  `json:"rootObjectCount"`
	FileSize        string  `json:"fileSize"`
	URL             string  `json:"url"`
	PartialDataURL  string  `json:"partialDataUrl"`
}

// bulkPass reads the pass's records through a bulk operation.
func (r *readRun) bulkPass(ctx context.Context, stream string) error {
	p := r.cur.Pass
	for {
		if p.Bulk == nil {
			if err := r.startBulk(ctx, stream); err != nil {
				return err
			}
		}
		op, err := r.pollBulk(ctx)
		if err != nil {
			return err
		}
		switch op.Status {
		case "COMPLETED":
		case "CANCELED", "CANCELING", "EXPIRED":
			if err := r.restartBulk(fmt.Sprintf("bulk operation %s was %s", op.ID, strings.ToLower(op.Status))); err != nil {
				return err
			}
			continue
		case "FAILED":
			if op.ErrorCode == "ACCESS_DENIED" {
				return sdk.Authentication("shopify: bulk operation %s failed: ACCESS_DENIED", op.ID).
					WithDetail("the access token lacks a scope the %s export needs; grant it and reinstall the app", stream)
			}
			if err := r.restartBulk(fmt.Sprintf("bulk operation %s failed with %s", op.ID, op.ErrorCode)); err != nil {
				return err
			}
			return sdk.Retryable(fmt.Errorf("bulk operation %s failed with %s", op.ID, op.ErrorCode), "shopify: read %s", stream).
				WithDetail("Shopify could not finish the export; the next attempt starts a new one")
		default:
			return sdk.Retryable(fmt.Errorf("unexpected status %q", op.Status), "shopify: bulk operation %s", op.ID)
		}
		objects, _ := strconv.ParseInt(op.ObjectCount, 10, 64)
		roots, _ := strconv.ParseInt(op.RootObjectCount, 10, 64)
		if objects == 0 {
			return nil // nothing matched: a legitimate empty export
		}
		if op.URL == "" {
			if err := r.restartBulk("no file URL"); err != nil {
				return err
			}
			return sdk.Retryable(fmt.Errorf("bulk operation %s reported %d objects but no file URL", op.ID, objects), "shopify: read %s", stream).
				WithDetail("an export that should hold records is not served; the next attempt starts a new one")
		}
		err = r.readBulkFile(ctx, stream, op, roots)
		var gone *errBulkGone
		if errors.As(err, &gone) {
			if err := r.restartBulk("file URL refused"); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

func (r *readRun) restartBulk(why string) error {
	p := r.cur.Pass
	p.BulkRestarts++
	if p.BulkRestarts > 3 {
		return sdk.Retryable(errors.New(why), "shopify: read %s: bulk operations keep failing", r.req.Stream).
			WithDetail("Shopify could not complete an export after several attempts; the host will retry later")
	}
	r.c.log.Warn("shopify: abandoning bulk operation", "stream", r.req.Stream, "reason", why)
	// the next attempt starts a new operation; records already sent are
	// covered, and may be sent again
	p.Bulk = nil
	return r.out.Checkpoint(r.cur.String())
}

func (r *readRun) startBulk(ctx context.Context, stream string) error {
	tmpl := bulkOrdersQuery
	if stream == StreamProducts {
		tmpl = bulkProductsQuery
	}
	q := bulkQuery(tmpl, r.search())
	var out struct {
		BulkOperationRunQuery struct {
			BulkOperation *bulkOp `json:"bulkOperation"`
			UserErrors    []struct {
				Field   []string `json:"field"`
				Message string   `json:"message"`
				Code    string   `json:"code"`
			} `json:"userErrors"`
		} `json:"bulkOperationRunQuery"`
	}
	if _, err := r.cl.do(ctx, "bulk run", bulkRunMutation, map[string]any{"query": q}, 10, r.wait, &out); err != nil {
		return fmt.Errorf("shopify: start bulk export of %s: %w", stream, err)
	}
	if ue := out.BulkOperationRunQuery.UserErrors; len(ue) > 0 {
		if ue[0].Code == "OPERATION_IN_PROGRESS" {
			return sdk.RateLimited(time.Minute, "shopify: start bulk export of %s: %s", stream, ue[0].Message).
				WithDetail("the app already runs as many bulk operations as Shopify allows on this shop")
		}
		return sdk.Permanent(errors.New(ue[0].Message), "shopify: start bulk export of %s", stream).
			WithDetail("Shopify refused the export query for api_version %s", r.cfg.APIVersion)
	}
	op := out.BulkOperationRunQuery.BulkOperation
	if op == nil || op.ID == "" {
		return sdk.Retryable(errors.New("no operation in the answer"), "shopify: start bulk export of %s", stream)
	}
	p := r.cur.Pass
	p.Bulk = &bulkState{ID: op.ID, CreatedAt: op.CreatedAt}
	// the export is a snapshot from its creation: later changes are read
	// by the next pass, whatever the file's newest updated_at
	if t, err := time.Parse(time.RFC3339, op.CreatedAt); err == nil {
		p.Start = t.UTC().Format(time.RFC3339)
	}
	r.prog.Message = "started bulk operation " + op.ID
	if err := r.out.Checkpoint(r.cur.String()); err != nil {
		return err
	}
	return r.out.Progress(r.prog)
}

// pollBulk waits for the pass's operation to leave CREATED/RUNNING.
func (r *readRun) pollBulk(ctx context.Context) (*bulkOp, error) {
	id := r.cur.Pass.Bulk.ID
	interval := 50 * time.Millisecond
	for {
		var out struct {
			Node *bulkOp `json:"node"`
		}
		if _, err := r.cl.do(ctx, "bulk status", bulkStatusQuery, map[string]any{"id": id}, 1, r.wait, &out); err != nil {
			return nil, fmt.Errorf("shopify: poll bulk operation %s: %w", id, err)
		}
		if out.Node == nil || out.Node.ID == "" {
			return &bulkOp{ID: id, Status: "EXPIRED"}, nil
		}
		op := out.Node
		if op.Status != "CREATED" && op.Status != "RUNNING" && op.Status != "CANCELING" {
			return op, nil
		}
		r.prog.Message = fmt.Sprintf("waiting for bulk operation %s (%s, %s objects so far)", id, strings.ToLower(op.Status), op.ObjectCount)
		if err := r.out.Progress(r.prog); err != nil {
			return nil, err
		}
		if err := r.c.sleep(ctx, interval); err != nil {
			return nil, err
		}
		interval = min(interval*2, time.Second)
	}
}

// readBulkFile streams the export, skipping the roots already sent.
func (r *readRun) readBulkFile(ctx context.Context, stream string, op *bulkOp, wantRoots int64) error {
	p := r.cur.Pass
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		resp, err := r.cl.download(ctx, op.URL)
		if err != nil {
			var gone *errBulkGone
			if errors.As(err, &gone) || ctx.Err() != nil {
				return err
			}
			lastErr = err
			if err := r.c.sleep(ctx, r.cl.retryDelay(attempt+1)); err != nil {
				return err
			}
			continue
		}
		roots, err := r.parseBulk(ctx, stream, resp.Body, p.Bulk.Roots, wantRoots)
		resp.Body.Close()
		if err != nil {
			var perm *sdk.Error
			if errors.As(err, &perm) || ctx.Err() != nil {
				return err
			}
			lastErr = err // a broken download: try again from the checkpoint
			r.batch = r.batch[:0]
			continue
		}
		if roots == 0 {
			if err := r.restartBulk("empty file"); err != nil {
				return err
			}
			return sdk.Retryable(fmt.Errorf("bulk operation %s reported %s objects but its file is empty", op.ID, op.ObjectCount), "shopify: read %s", stream).
				WithDetail("an empty export where records were expected is an error, not \"no changes\"; the next attempt starts a new export")
		}
		if wantRoots > 0 && roots < wantRoots {
			lastErr = fmt.Errorf("bulk file of %s ended after %d of %d root objects", op.ID, roots, wantRoots)
			continue
		}
		return nil
	}
	return sdk.Retryable(lastErr, "shopify: read %s: bulk file", stream).WithDetail("the export could not be downloaded whole; the host will retry")
}

// bulkLine is any nested node of an export line (a union of the nested
// types the export selects), decoded once and dispatched on __typename.
type bulkLine struct {
	Typename            string   `json:"__typename"`
	ParentID            string   `json:"__parentId"`
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	Title               string   `json:"title"`
	Code                string   `json:"code"`
	Source              string   `json:"source"`
	SKU                 string   `json:"sku"`
	Barcode             string   `json:"barcode"`
	Quantity            int      `json:"quantity"`
	RequiresShipping    bool     `json:"requiresShipping"`
	RestockType         string   `json:"restockType"`
	Location            *idOnly  `json:"location"`
	LineItem            gLineRef `json:"lineItem"`
	SubtotalSet         gBag     `json:"subtotalSet"`
	TotalTaxSet         gBag     `json:"totalTaxSet"`
	OriginalUnitPrice   gBag     `json:"originalUnitPriceSet"`
	OriginalPriceSet    gBag     `json:"originalPriceSet"`
	DiscountedPriceSet  *gBag    `json:"discountedPriceSet"`
	TaxLines            []gTax   `json:"taxLines"`
	DiscountAllocations []gAlloc `json:"discountAllocations"`
	Variant             *idOnly  `json:"variant"`
	Product             *idOnly  `json:"product"`
}

var parentKey = []byte(`"__parentId":`)

// scanBulk reads an export and calls fn once per root object with the
// lines nested under it (the file is grouped by parent). Lines are copies
// that fn may keep. It returns the number of roots.
func scanBulk(body io.Reader, fn func(line int, root []byte, children [][]byte) error) (int64, error) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	var roots int64
	var root []byte
	var children [][]byte
	rootLine, line := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if b[0] != '{' {
			return roots, fmt.Errorf("bulk file line %d is not a JSON object", line)
		}
		if bytes.Contains(b, parentKey) {
			if root == nil {
				return roots, fmt.Errorf("bulk file line %d: a nested object comes before any root object", line)
			}
			children = append(children, bytes.Clone(b))
			continue
		}
		if root != nil {
			if err := fn(rootLine, root, children); err != nil {
				return roots, err
			}
		}
		roots++
		root, children, rootLine = bytes.Clone(b), nil, line
	}
	if err := sc.Err(); err != nil {
		return roots, fmt.Errorf("read bulk file: %w", err)
	}
	if root != nil {
		if err := fn(rootLine, root, children); err != nil {
			return roots, err
		}
	}
	return roots, nil
}

// parseBulk reads an export, skipping the first skip roots (sent before a
// checkpoint); it returns the number of roots in the file. want is the
// operation's rootObjectCount (0 if unknown): a file that holds them all
// completes the pass.
func (r *readRun) parseBulk(ctx context.Context, stream string, body io.Reader, skip, want int64) (int64, error) {
	p := r.cur.Pass
	var n int64
	roots, err := scanBulk(body, func(line int, root []byte, children [][]byte) error {
		n++
		if n <= skip {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var rec commerce.Record
		switch stream {
		case StreamOrders:
			o, err := assembleOrder(root, children)
			if err != nil {
				return sdk.InvalidInput("shopify: bulk file line %d: %v", line, err).
					WithDetail("the export is not the shape the connector asked for (grouped by parent)")
			}
			rec = r.m.mapOrder(o, o.Refunds, o.Fulfillments)
		case StreamProducts:
			pr, err := assembleProduct(root, children)
			if err != nil {
				return sdk.InvalidInput("shopify: bulk file line %d: %v", line, err).
					WithDetail("the export is not the shape the connector asked for (grouped by parent)")
			}
			rec = r.m.mapProduct(pr, r.shop.CurrencyCode)
		}
		if r.m.err != nil {
			return r.m.err
		}
		if err := r.add(rec, true); err != nil {
			return err
		}
		if len(r.batch) >= bulkBatch {
			p.Bulk.Roots = n
			return r.flush(fmt.Sprintf("read %d of %d %s from bulk operation %s", n, p.Total, stream, p.Bulk.ID))
		}
		return nil
	})
	if err != nil {
		var se *sdk.Error
		if errors.As(err, &se) || ctx.Err() != nil {
			return roots, err
		}
		return roots, fmt.Errorf("shopify: %w", err)
	}
	if len(r.batch) > 0 || roots > skip {
		p.Bulk.Roots = roots
		p.Done = want == 0 || roots >= want
		if err := r.flush(fmt.Sprintf("read %d %s from bulk operation %s", roots, stream, p.Bulk.ID)); err != nil {
			return roots, err
		}
	}
	return roots, nil
}

// assembleOrder decodes an order line and attaches its nested lines.
func assembleOrder(root []byte, children [][]byte) (*gOrder, error) {
	o := new(gOrder)
	if err := json.Unmarshal(root, o); err != nil {
		return nil, err
	}
	refunds := map[string]int{}
	fulfillments := map[string]int{}
	for i, rf := range o.Refunds {
		refunds[rf.ID] = i
	}
	for i, f := range o.Fulfillments {
		fulfillments[f.ID] = i
	}
	for _, raw := range children {
		var c bulkLine
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		if err := attachBulkChild(o, nil, refunds, fulfillments, &c, raw); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// assembleProduct decodes a product line and attaches its variants.
func assembleProduct(root []byte, children [][]byte) (*gProduct, error) {
	p := new(gProduct)
	if err := json.Unmarshal(root, p); err != nil {
		return nil, err
	}
	for _, raw := range children {
		var c bulkLine
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		if err := attachBulkChild(nil, p, nil, nil, &c, raw); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// gidType returns the type of a global id ("LineItem" for
// gid://shopify/LineItem/1).
func gidType(id string) string {
	rest, ok := strings.CutPrefix(id, "gid://shopify/")
	if !ok {
		return ""
	}
	typ, _, _ := strings.Cut(rest, "/")
	return typ
}

// attachBulkChild puts a nested node under its parent.
func attachBulkChild(order *gOrder, product *gProduct, refunds, fulfillments map[string]int, c *bulkLine, raw []byte) error {
	typ := c.Typename
	if typ == "" {
		typ = gidType(c.ID) // __typename not selected: the id says it
	}
	switch typ {
	case "LineItem":
		if order == nil || c.ParentID != order.ID {
			return fmt.Errorf("line item %s of %s is not under its order", c.ID, c.ParentID)
		}
		order.LineItems.Nodes = append(order.LineItems.Nodes, gLine{ID: c.ID, Name: c.Name, SKU: c.SKU, Quantity: c.Quantity,
			RequiresShipping: c.RequiresShipping, OriginalUnitPriceSet: c.OriginalUnitPrice, TaxLines: c.TaxLines,
			DiscountAllocations: c.DiscountAllocations, Variant: c.Variant, Product: c.Product})
	case "ShippingLine":
		if order == nil || c.ParentID != order.ID {
			return fmt.Errorf("shipping line %s of %s is not under its order", c.ID, c.ParentID)
		}
		order.ShippingLines.Nodes = append(order.ShippingLines.Nodes, gShip{ID: c.ID, Title: c.Title, Code: c.Code, Source: c.Source,
			OriginalPriceSet: c.OriginalPriceSet, DiscountedPriceSet: c.DiscountedPriceSet, TaxLines: c.TaxLines, DiscountAllocations: c.DiscountAllocations})
	case "RefundLineItem":
		i, ok := refunds[c.ParentID]
		if order == nil || !ok {
			return fmt.Errorf("refund line %s of %s is not under its order", c.ID, c.ParentID)
		}
		rf := &order.Refunds[i]
		rf.RefundLineItems.Nodes = append(rf.RefundLineItems.Nodes, gRefundLine{ID: c.ID, Quantity: c.Quantity, RestockType: c.RestockType,
			Location: c.Location, LineItem: c.LineItem, SubtotalSet: c.SubtotalSet, TotalTaxSet: c.TotalTaxSet})
	case "FulfillmentLineItem":
		i, ok := fulfillments[c.ParentID]
		if order == nil || !ok {
			return fmt.Errorf("fulfilment line %s of %s is not under its order", c.ID, c.ParentID)
		}
		f := &order.Fulfillments[i]
		f.FulfillmentLineItems.Nodes = append(f.FulfillmentLineItems.Nodes, gFulfillmentLine{ID: c.ID, Quantity: c.Quantity, LineItem: c.LineItem})
	case "ProductVariant":
		if product == nil || c.ParentID != product.ID {
			return fmt.Errorf("variant %s of %s is not under its product", c.ID, c.ParentID)
		}
		var v gVariant
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		product.Variants.Nodes = append(product.Variants.Nodes, v)
	default:
		return fmt.Errorf("unexpected nested object %q (%s)", typ, c.ID)
	}
	return nil
}
