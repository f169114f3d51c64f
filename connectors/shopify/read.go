package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Reads follow updated_at. A pass queries "updated_at >= since" sorted by
// (updated_at, id) and checkpoints after every page; Shopify's cursors
// encode the last (updated_at, id), so ties and records updated during the
// pass (they move behind the cursor and are read again) are handled. When
// a pass ends, its high-water mark is the lowest of the newest updated_at
// seen and the server time when the pass began, so that nothing changed
// while it ran can be missed. The next pass starts overlap_seconds before
// that mark, to catch records Shopify's search index made visible late,
// and skips the records it already sent unchanged ("Recent": id,
// updated_at and a hash of the content), so the overlap does not send
// needless duplicates, while a record changed twice within one second
// (updated_at has second precision) is sent again.

// cursorVersion is the version of the cursor format.
const cursorVersion = 1

// recentCap bounds the records remembered for the overlap window.
const recentCap = 5000

type cursor struct {
	V int `json:"v"`
	// HWM is the high-water mark of the last completed pass (RFC 3339).
	HWM string `json:"hwm,omitempty"`
	// Recent are "id@unix" of records at or after HWM - overlap that were
	// already sent in that version.
	Recent []string `json:"recent,omitempty"`
	// Pass is the pass in progress, if any.
	Pass *pass `json:"pass,omitempty"`
}

type pass struct {
	Full  bool   `json:"full,omitempty"`
	Since string `json:"since,omitempty"` // lower bound of the query, "" = all
	Start string `json:"start,omitempty"` // server time when the pass began
	After string `json:"after,omitempty"` // GraphQL cursor after the last completed page
	Max   string `json:"max,omitempty"`   // newest updated_at seen
	// Skip are the previous pass's Recent; Seen the records of this pass
	// that may be skipped next time.
	Skip []string `json:"skip,omitempty"`
	Seen []string `json:"seen,omitempty"`
	// Inventory levels: the locations of the pass and the current one.
	Locations []string `json:"locations,omitempty"`
	Location  int      `json:"location,omitempty"`
	// Bulk is the bulk operation serving the pass, if any.
	Bulk *bulkState `json:"bulk,omitempty"`
	// BulkRestarts counts abandoned operations of this pass.
	BulkRestarts int `json:"bulk_restarts,omitempty"`
	// Sent and Total count the pass's records for progress.
	Sent  int64 `json:"sent,omitempty"`
	Total int64 `json:"total,omitempty"`
	// Done marks a pass whose records were all sent: resuming only closes it.
	Done bool `json:"done,omitempty"`
}

type bulkState struct {
	ID        string `json:"id"`
	CreatedAt string `json:"created_at"`
	// Roots is the number of root objects of the file already sent.
	Roots int64 `json:"roots"`
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	if strings.TrimSpace(s) == "" {
		return cursor{V: cursorVersion}, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion {
		return c, sdk.InvalidInput("shopify: read: the cursor %q was not written by this connector (version %d)", snippet([]byte(s)), cursorVersion).
			WithDetail("reset the stream's cursor to read it in full again")
	}
	return c, nil
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// Seen and Recent entries identify what was sent of a record:
// "id@unix#hash", its numeric id, its updated_at second and a hash of its
// content. updated_at has second precision in Shopify's API, so a record
// changed twice within one second keeps it; the hash tells those versions
// apart, so the second one is sent (the store takes an equal version whose
// content differs).

// versionKey is "id@unix" of a record.
func versionKey(rec commerce.Record) string {
	id := rec.Ref().ExternalID
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	return id + "@" + strconv.FormatInt(rec.Version().Unix(), 10)
}

// contentHash is a short hash of a record's JSON document.
func contentHash(rec commerce.Record) string {
	h := fnv.New32a()
	_ = json.NewEncoder(h).Encode(rec)
	return strconv.FormatUint(uint64(h.Sum32()), 36)
}

func seenTime(k string) int64 {
	_, t, _ := strings.Cut(k, "@")
	t, _, _ = strings.Cut(t, "#")
	n, _ := strconv.ParseInt(t, 10, 64)
	return n
}

// readRun is one Read call.
type readRun struct {
	c    *Connector
	cl   *client
	cfg  Config
	req  sdk.ReadRequest
	out  sdk.ReadStream
	m    *mapper
	shop *shopInfo
	cur  cursor
	prog sdk.Progress
	skip map[string]bool
	// skipIDs are the "id@unix" parts of skip.
	skipIDs map[string]bool
	// batch collects the records of the current page.
	batch []commerce.Record
}

// Read reads one stream; see the package documentation for the cursor.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadStream) error {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return err
	}
	switch req.Stream {
	case StreamOrders, StreamProducts, StreamLocations, StreamInventoryLevels:
	default:
		return sdk.InvalidInput("shopify: read: unknown stream %q", req.Stream).
			WithDetail("use one of %s, %s, %s, %s", StreamProducts, StreamLocations, StreamInventoryLevels, StreamOrders)
	}
	if req.Mode != "" && req.Mode != sdk.ModeFull && req.Mode != sdk.ModeIncremental {
		return sdk.InvalidInput("shopify: read: mode %q must be full or incremental", req.Mode)
	}
	cur, err := parseCursor(req.Cursor)
	if err != nil {
		return err
	}
	r := &readRun{c: c, cl: c.clientFor(cfg), cfg: cfg, req: req, out: out, cur: cur}
	r.shop, err = r.cl.shopInfo(ctx, r.wait)
	if err != nil {
		return err
	}
	r.m = &mapper{conn: req.Connection, loc: r.shop.loc}
	if len(req.IDs) > 0 {
		return r.readIDs(ctx)
	}
	if req.Stream == StreamLocations {
		return r.readLocations(ctx)
	}
	p := r.cur.Pass
	if p == nil || (req.Mode == sdk.ModeFull && !p.Full) {
		p = &pass{Full: req.Mode == sdk.ModeFull || r.cur.HWM == ""}
		if !p.Full {
			hwm, err := time.Parse(time.RFC3339, r.cur.HWM)
			if err != nil {
				return sdk.InvalidInput("shopify: read: cursor high-water mark %q is not RFC 3339", r.cur.HWM)
			}
			p.Since = hwm.Add(-cfg.overlap()).UTC().Format(time.RFC3339)
			p.Skip = r.cur.Recent
		}
		r.cur.Pass = p
	}
	r.skip = make(map[string]bool, len(p.Skip))
	r.skipIDs = make(map[string]bool, len(p.Skip))
	for _, k := range p.Skip {
		r.skip[k] = true
		id, _, _ := strings.Cut(k, "#")
		r.skipIDs[id] = true
	}
	r.prog.Records = 0
	switch {
	case p.Done:
	case req.Stream == StreamOrders:
		err = r.readOrders(ctx)
	case req.Stream == StreamProducts:
		err = r.readProducts(ctx)
	case req.Stream == StreamInventoryLevels:
		err = r.readLevels(ctx)
	}
	if err != nil {
		return err
	}
	return r.finishPass()
}

// wait reports a rate-limit wait as progress.
func (r *readRun) wait(d time.Duration, why string) {
	r.prog.RateLimitWait += d
	r.prog.Message = why
	_ = r.out.Progress(r.prog)
}

func (r *readRun) search() string {
	if p := r.cur.Pass; p != nil && p.Since != "" {
		return "updated_at:>='" + p.Since + "'"
	}
	return ""
}

// add queues a record of the current page unless the previous pass sent
// this version already. trackSeen remembers it for the next pass's overlap.
func (r *readRun) add(rec commerce.Record, trackSeen bool) error {
	if err := rec.Validate(); err != nil {
		return sdk.InvalidInput("shopify: read %s: %v", r.req.Stream, err).
			WithDetail("Shopify sent a record the unified model refuses; report it with the record id")
	}
	p := r.cur.Pass
	upd := rec.Version()
	if p != nil {
		maxT := mustTime(p.Max)
		if p.Max == "" || upd.After(maxT) {
			p.Max, maxT = upd.UTC().Format(time.RFC3339), upd.Truncate(time.Second)
		}
		// hashing the record costs a JSON encoding: do it only for records
		// the next pass may meet again, or that the previous pass sent
		id := versionKey(rec)
		recent := trackSeen && !upd.Before(maxT.Add(-r.cfg.overlap()))
		if r.skipIDs[id] || recent {
			key := id + "#" + contentHash(rec)
			if recent {
				p.Seen = append(p.Seen, key)
			}
			if r.skip[key] {
				return nil
			}
		}
		p.Sent++
	}
	r.batch = append(r.batch, rec)
	return nil
}

func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// flush sends the page's records, then checkpoints.
func (r *readRun) flush(message string) error {
	if len(r.batch) > 0 {
		if err := r.out.Records(r.batch...); err != nil {
			return err
		}
		r.prog.Records += int64(len(r.batch))
		r.batch = r.batch[:0]
	}
	r.prog.Pages++
	if p := r.cur.Pass; p != nil {
		r.prog.Total = p.Total
		r.pruneSeen()
	}
	r.prog.Message = message
	if err := r.out.Checkpoint(r.cur.String()); err != nil {
		return err
	}
	return r.out.Progress(r.prog)
}

// pruneSeen keeps Seen to the records the next pass can meet again.
func (r *readRun) pruneSeen() {
	p := r.cur.Pass
	if p == nil || len(p.Seen) == 0 || p.Max == "" {
		return
	}
	floor := mustTime(p.Max)
	if p.Start != "" {
		if s := mustTime(p.Start); s.Before(floor) {
			floor = s
		}
	}
	cut := floor.Add(-r.cfg.overlap()).Unix()
	keep := p.Seen[:0]
	for _, k := range p.Seen {
		if seenTime(k) >= cut {
			keep = append(keep, k)
		}
	}
	if len(keep) > recentCap {
		keep = keep[len(keep)-recentCap:]
	}
	p.Seen = keep
}

// finishPass closes the pass: new high-water mark, Recent, checkpoint.
func (r *readRun) finishPass() error {
	p := r.cur.Pass
	hwm := r.cur.HWM
	var cand time.Time
	switch {
	case p.Max != "" && p.Start != "":
		cand = mustTime(p.Max)
		if s := mustTime(p.Start); s.Before(cand) {
			cand = s
		}
	case p.Max != "":
		cand = mustTime(p.Max)
	case p.Start != "":
		cand = mustTime(p.Start)
	}
	if !cand.IsZero() && (hwm == "" || cand.After(mustTime(hwm))) {
		hwm = cand.UTC().Format(time.RFC3339)
	}
	var recent []string
	if hwm != "" {
		cut := mustTime(hwm).Add(-r.cfg.overlap()).Unix()
		for _, k := range slices.Concat(p.Seen, p.Skip) {
			if seenTime(k) >= cut {
				recent = append(recent, k)
			}
		}
		slices.Sort(recent)
		recent = slices.Compact(recent)
		if len(recent) > recentCap {
			recent = recent[len(recent)-recentCap:]
		}
	}
	r.cur = cursor{V: cursorVersion, HWM: hwm, Recent: recent}
	r.prog.Message = "done"
	if err := r.out.Checkpoint(r.cur.String()); err != nil {
		return err
	}
	return r.out.Progress(r.prog)
}

// noteStart records the server time of the pass's first answer.
func (r *readRun) noteStart(t time.Time) {
	if p := r.cur.Pass; p != nil && p.Start == "" {
		p.Start = t.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
}

// count asks how many records a pass will read (no limit).
func (r *readRun) count(ctx context.Context, query string) (int64, error) {
	var out struct {
		OrdersCount *struct {
			Count int64 `json:"count"`
		} `json:"ordersCount"`
		ProductsCount *struct {
			Count int64 `json:"count"`
		} `json:"productsCount"`
	}
	vars := map[string]any{"query": r.search(), "limit": nil}
	res, err := r.cl.do(ctx, "count", query, vars, 1, r.wait, &out)
	if err != nil {
		return 0, err
	}
	r.noteStart(res.Date)
	switch {
	case out.OrdersCount != nil:
		return out.OrdersCount.Count, nil
	case out.ProductsCount != nil:
		return out.ProductsCount.Count, nil
	}
	return 0, nil
}

// useBulk decides whether the pass runs as a bulk operation.
func (r *readRun) useBulk(ctx context.Context, countQ string) (bool, error) {
	p := r.cur.Pass
	if p.Bulk != nil {
		return true, nil
	}
	if p.After != "" {
		return false, nil // a paged pass in progress
	}
	n, err := r.count(ctx, countQ)
	if err != nil {
		return false, err
	}
	p.Total = n
	switch r.cfg.BulkMode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	}
	return n >= int64(r.cfg.BulkThreshold), nil
}

// pageSize returns the page size for an operation from the learned cost of
// one record, within Shopify's single query limit.
func (r *readRun) pageSize(op string, perRecord float64, maxSize int) int {
	if v := r.cl.learnedCost(op+"/record", perRecord); v > 0 {
		perRecord = v
	}
	limit := r.cl.learnedCost("max query cost", maxQueryCost)
	n := int((limit - 2) / perRecord)
	return max(1, min(n, maxSize))
}

// limit returns the shop's single-query cost limit as learned.
func (r *readRun) limit() float64 { return r.cl.learnedCost("max query cost", maxQueryCost) }

// fits returns how many items costing perItem points each one query may
// ask for (up to want), leaving room for the query's own objects.
func (r *readRun) fits(perItem float64, want int) int {
	return max(1, min(want, int((r.limit()-3)/perItem)))
}

// sized runs a follow-up query whose $first is n items of perItem points,
// halving n while Shopify refuses the query as too expensive.
func (r *readRun) sized(ctx context.Context, op, query string, vars map[string]any, perItem float64, n int, out any) (result, error) {
	for {
		vars["first"] = n
		res, err := r.cl.do(ctx, op, query, vars, 3+perItem*float64(n), r.wait, out)
		var mc *errMaxCost
		if errors.As(err, &mc) && n > 1 {
			if mc.max > 0 {
				r.cl.learn("max query cost", float64(mc.max))
			}
			n = max(1, min(n/2, r.fits(perItem, n)))
			continue
		}
		return res, err
	}
}

// tooCostly learns from a MAX_COST_EXCEEDED answer to a page of size
// records: the shop's limit and the cost of one record.
func (r *readRun) tooCostly(op string, mc *errMaxCost, size int) {
	if mc.max > 0 {
		r.cl.learn("max query cost", float64(mc.max))
	}
	per := float64(mc.cost-2) / float64(size)
	if per <= 0 {
		per = r.cl.learnedCost(op+"/record", 1) * 2
	}
	r.cl.learn(op+"/record", per*1.05)
}

func (r *readRun) learnPageCost(op string, res result, size int) {
	if res.Cost != nil && res.Cost.RequestedQueryCost > 2 && size > 0 {
		r.cl.learn(op+"/record", (res.Cost.RequestedQueryCost-2)/float64(size))
	}
}

// ---- orders

func (r *readRun) readOrders(ctx context.Context) error {
	bulk, err := r.useBulk(ctx, countQuery)
	if err != nil {
		return err
	}
	if bulk {
		return r.bulkPass(ctx, StreamOrders)
	}
	p := r.cur.Pass
	for {
		size := r.pageSize("orders", 201, 50)
		var out struct {
			Orders struct {
				PageInfo pageInfo `json:"pageInfo"`
				Nodes    []gOrder `json:"nodes"`
			} `json:"orders"`
		}
		vars := map[string]any{"first": size, "after": nilIfEmpty(p.After), "query": nilIfEmpty(r.search())}
		res, err := r.cl.do(ctx, "orders", ordersPageQuery, vars, float64(2+size*201), r.wait, &out)
		var mc *errMaxCost
		if errors.As(err, &mc) {
			if size == 1 {
				return sdk.Permanent(err, "shopify: read orders: one order costs more than Shopify allows in one query")
			}
			r.tooCostly("orders", mc, size)
			continue
		}
		if err != nil {
			return fmt.Errorf("shopify: read orders page %d: %w", r.prog.Pages+1, err)
		}
		r.noteStart(res.Date)
		r.learnPageCost("orders", res, size)
		if err := r.completeOrders(ctx, out.Orders.Nodes); err != nil {
			return err
		}
		if out.Orders.PageInfo.HasNextPage && out.Orders.PageInfo.EndCursor != "" {
			p.After = out.Orders.PageInfo.EndCursor
		} else {
			p.After, p.Done = "", true
		}
		if err := r.flush(fmt.Sprintf("read %d orders", p.Sent)); err != nil {
			return err
		}
		if p.After == "" {
			return nil
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// completeOrders fetches what the page left out (more lines, refunds and
// fulfilments), maps the orders and queues them.
func (r *readRun) completeOrders(ctx context.Context, orders []gOrder) error {
	var childIDs []string
	for i := range orders {
		o := &orders[i]
		if err := r.moreLines(ctx, o); err != nil {
			return err
		}
		if len(o.Refunds) >= pageChildIDs || len(o.Fulfillments) >= pageChildIDs {
			var more struct {
				Node *struct {
					Refunds      []gRefund      `json:"refunds"`
					Fulfillments []gFulfillment `json:"fulfillments"`
				} `json:"node"`
			}
			if _, err := r.sized(ctx, "order children", orderChildIDsQuery, map[string]any{"id": o.ID}, 2, r.fits(2, 250), &more); err != nil {
				return err
			}
			if more.Node != nil {
				o.Refunds, o.Fulfillments = more.Node.Refunds, more.Node.Fulfillments
			}
		}
		for _, c := range o.Refunds {
			childIDs = append(childIDs, c.ID)
		}
		for _, c := range o.Fulfillments {
			childIDs = append(childIDs, c.ID)
		}
	}
	refunds, fulfillments, err := r.children(ctx, childIDs)
	if err != nil {
		return err
	}
	for i := range orders {
		o := &orders[i]
		var rs []gRefund
		var fs []gFulfillment
		for _, c := range o.Refunds {
			if d, ok := refunds[c.ID]; ok {
				rs = append(rs, *d)
			}
		}
		for _, c := range o.Fulfillments {
			if d, ok := fulfillments[c.ID]; ok {
				fs = append(fs, *d)
			}
		}
		rec := r.m.mapOrder(o, rs, fs)
		if r.m.err != nil {
			return r.m.err
		}
		if err := r.add(rec, true); err != nil {
			return err
		}
	}
	return nil
}

// moreLines completes an order's line items and shipping lines beyond the
// first page.
func (r *readRun) moreLines(ctx context.Context, o *gOrder) error {
	for after := o.LineItems.PageInfo; after.HasNextPage; {
		var out struct {
			Node *struct {
				LineItems struct {
					PageInfo pageInfo `json:"pageInfo"`
					Nodes    []gLine  `json:"nodes"`
				} `json:"lineItems"`
			} `json:"node"`
		}
		if _, err := r.sized(ctx, "order lines", orderLinesQuery, map[string]any{"id": o.ID, "after": after.EndCursor}, costLine, r.fits(costLine, 50), &out); err != nil {
			return err
		}
		if out.Node == nil {
			break
		}
		o.LineItems.Nodes = append(o.LineItems.Nodes, out.Node.LineItems.Nodes...)
		after = out.Node.LineItems.PageInfo
	}
	for after := o.ShippingLines.PageInfo; after.HasNextPage; {
		var out struct {
			Node *struct {
				ShippingLines struct {
					PageInfo pageInfo `json:"pageInfo"`
					Nodes    []gShip  `json:"nodes"`
				} `json:"shippingLines"`
			} `json:"node"`
		}
		if _, err := r.sized(ctx, "order shipping lines", orderShipLinesQuery, map[string]any{"id": o.ID, "after": after.EndCursor}, costShipLine, r.fits(costShipLine, 25), &out); err != nil {
			return err
		}
		if out.Node == nil {
			break
		}
		o.ShippingLines.Nodes = append(o.ShippingLines.Nodes, out.Node.ShippingLines.Nodes...)
		after = out.Node.ShippingLines.PageInfo
	}
	return nil
}

// children fetches refunds and fulfilments by id, with their lines.
func (r *readRun) children(ctx context.Context, ids []string) (map[string]*gRefund, map[string]*gFulfillment, error) {
	refunds := map[string]*gRefund{}
	fulfillments := map[string]*gFulfillment{}
	for start := 0; start < len(ids); {
		n := r.fits(costChild, 8)
		batch := ids[start:min(len(ids), start+n)]
		var out struct {
			Nodes []json.RawMessage `json:"nodes"`
		}
		_, err := r.cl.do(ctx, "refunds and fulfilments", childrenQuery, map[string]any{"ids": batch}, float64(2+len(batch)*costChild), r.wait, &out)
		var mc *errMaxCost
		if errors.As(err, &mc) && len(batch) > 1 {
			r.cl.learn("max query cost", float64(max(mc.max, 3)))
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		start += len(batch)
		for _, raw := range out.Nodes {
			var probe struct {
				Typename string `json:"__typename"`
			}
			if len(raw) == 0 || string(raw) == "null" || json.Unmarshal(raw, &probe) != nil {
				continue // deleted since the page was read
			}
			switch probe.Typename {
			case "Refund":
				var g gRefund
				if err := json.Unmarshal(raw, &g); err != nil {
					return nil, nil, sdk.InvalidInput("shopify: refund: unexpected shape: %v", err)
				}
				if err := r.moreRefundLines(ctx, &g); err != nil {
					return nil, nil, err
				}
				refunds[g.ID] = &g
			case "Fulfillment":
				var g gFulfillment
				if err := json.Unmarshal(raw, &g); err != nil {
					return nil, nil, sdk.InvalidInput("shopify: fulfilment: unexpected shape: %v", err)
				}
				if err := r.moreFulfillmentLines(ctx, &g); err != nil {
					return nil, nil, err
				}
				fulfillments[g.ID] = &g
			}
		}
	}
	return refunds, fulfillments, nil
}

func (r *readRun) moreRefundLines(ctx context.Context, g *gRefund) error {
	for after := g.RefundLineItems.PageInfo; after.HasNextPage; {
		var out struct {
			Node *gRefund `json:"node"`
		}
		if _, err := r.sized(ctx, "refund lines", refundLinesQuery, map[string]any{"id": g.ID, "after": after.EndCursor}, costRefundLine, r.fits(costRefundLine, 50), &out); err != nil {
			return err
		}
		if out.Node == nil {
			return nil
		}
		g.RefundLineItems.Nodes = append(g.RefundLineItems.Nodes, out.Node.RefundLineItems.Nodes...)
		after = out.Node.RefundLineItems.PageInfo
	}
	return nil
}

func (r *readRun) moreFulfillmentLines(ctx context.Context, g *gFulfillment) error {
	for after := g.FulfillmentLineItems.PageInfo; after.HasNextPage; {
		var out struct {
			Node *gFulfillment `json:"node"`
		}
		if _, err := r.sized(ctx, "fulfilment lines", fulfillmentLinesQuery, map[string]any{"id": g.ID, "after": after.EndCursor}, costFulfillmentLine, r.fits(costFulfillmentLine, 50), &out); err != nil {
			return err
		}
		if out.Node == nil {
			return nil
		}
		g.FulfillmentLineItems.Nodes = append(g.FulfillmentLineItems.Nodes, out.Node.FulfillmentLineItems.Nodes...)
		after = out.Node.FulfillmentLineItems.PageInfo
	}
	return nil
}

// ---- products

func (r *readRun) readProducts(ctx context.Context) error {
	bulk, err := r.useBulk(ctx, productsCountQuery)
	if err != nil {
		return err
	}
	if bulk {
		return r.bulkPass(ctx, StreamProducts)
	}
	p := r.cur.Pass
	for {
		size := r.pageSize("products", 124, 100)
		var out struct {
			Products struct {
				PageInfo pageInfo   `json:"pageInfo"`
				Nodes    []gProduct `json:"nodes"`
			} `json:"products"`
		}
		vars := map[string]any{"first": size, "after": nilIfEmpty(p.After), "query": nilIfEmpty(r.search())}
		res, err := r.cl.do(ctx, "products", productsPageQuery, vars, float64(2+size*124), r.wait, &out)
		var mc *errMaxCost
		if errors.As(err, &mc) && size > 1 {
			r.tooCostly("products", mc, size)
			continue
		}
		if err != nil {
			return fmt.Errorf("shopify: read products page %d: %w", r.prog.Pages+1, err)
		}
		r.noteStart(res.Date)
		r.learnPageCost("products", res, size)
		for i := range out.Products.Nodes {
			if err := r.addProduct(ctx, &out.Products.Nodes[i], true); err != nil {
				return err
			}
		}
		p.After, p.Done = "", true
		if out.Products.PageInfo.HasNextPage && out.Products.PageInfo.EndCursor != "" {
			p.After, p.Done = out.Products.PageInfo.EndCursor, false
		}
		if err := r.flush(fmt.Sprintf("read %d products", p.Sent)); err != nil {
			return err
		}
		if p.After == "" {
			return nil
		}
	}
}

func (r *readRun) addProduct(ctx context.Context, g *gProduct, track bool) error {
	for after := g.Variants.PageInfo; after.HasNextPage; {
		var out struct {
			Node *gProduct `json:"node"`
		}
		if _, err := r.sized(ctx, "product variants", productVariantsQuery, map[string]any{"id": g.ID, "after": after.EndCursor}, costVariant, r.fits(costVariant, 100), &out); err != nil {
			return err
		}
		if out.Node == nil {
			break
		}
		g.Variants.Nodes = append(g.Variants.Nodes, out.Node.Variants.Nodes...)
		after = out.Node.Variants.PageInfo
	}
	rec := r.m.mapProduct(g, r.shop.CurrencyCode)
	if r.m.err != nil {
		return r.m.err
	}
	return r.add(rec, track)
}

// ---- locations

func (r *readRun) readLocations(ctx context.Context) error {
	locs, _, err := r.locations(ctx)
	if err != nil {
		return err
	}
	for i := range locs {
		rec := r.m.mapLocation(&locs[i])
		if r.m.err != nil {
			return r.m.err
		}
		if err := r.add(rec, false); err != nil {
			return err
		}
	}
	r.cur = cursor{V: cursorVersion}
	return r.flush(fmt.Sprintf("read %d locations", len(locs)))
}

func (r *readRun) locations(ctx context.Context) ([]gLocation, time.Time, error) {
	var all []gLocation
	var after any
	var date time.Time
	for {
		var out struct {
			Locations struct {
				PageInfo pageInfo    `json:"pageInfo"`
				Nodes    []gLocation `json:"nodes"`
			} `json:"locations"`
		}
		res, err := r.cl.do(ctx, "locations", locationsQuery, map[string]any{"first": 100, "after": after}, 302, r.wait, &out)
		if err != nil {
			return nil, date, fmt.Errorf("shopify: read locations: %w", err)
		}
		date = res.Date
		all = append(all, out.Locations.Nodes...)
		if !out.Locations.PageInfo.HasNextPage {
			return all, date, nil
		}
		after = out.Locations.PageInfo.EndCursor
	}
}

// ---- inventory levels

const levelsPage = 150

func (r *readRun) readLevels(ctx context.Context) error {
	p := r.cur.Pass
	if p.Locations == nil {
		locs, date, err := r.locations(ctx)
		if err != nil {
			return err
		}
		r.noteStart(date)
		p.Locations = []string{}
		for _, l := range locs {
			if l.IsActive {
				p.Locations = append(p.Locations, l.ID)
			}
		}
	}
	skipped := 0
	for p.Location < len(p.Locations) {
		loc := p.Locations[p.Location]
		var out struct {
			Location *struct {
				InventoryLevels struct {
					PageInfo pageInfo `json:"pageInfo"`
					Nodes    []gLevel `json:"nodes"`
				} `json:"inventoryLevels"`
			} `json:"location"`
		}
		vars := map[string]any{"location": loc, "after": nilIfEmpty(p.After), "query": nilIfEmpty(r.search())}
		res, err := r.sized(ctx, "inventory levels", levelsPageQuery, vars, costLevel, r.fits(costLevel, levelsPage), &out)
		if err != nil {
			return fmt.Errorf("shopify: read inventory levels of %s: %w", loc, err)
		}
		r.noteStart(res.Date)
		if out.Location == nil { // the location was deleted during the pass
			p.Location, p.After = p.Location+1, ""
			continue
		}
		for i := range out.Location.InventoryLevels.Nodes {
			rec := r.m.mapLevel(&out.Location.InventoryLevels.Nodes[i])
			if r.m.err != nil {
				return r.m.err
			}
			if rec == nil {
				skipped++
				continue
			}
			if err := r.add(rec, true); err != nil {
				return err
			}
		}
		pi := out.Location.InventoryLevels.PageInfo
		if pi.HasNextPage && pi.EndCursor != "" {
			p.After = pi.EndCursor
		} else {
			p.Location, p.After = p.Location+1, ""
			p.Done = p.Location >= len(p.Locations)
		}
		msg := fmt.Sprintf("read %d inventory levels (location %d of %d)", p.Sent, min(p.Location+1, len(p.Locations)), len(p.Locations))
		if skipped > 0 {
			msg += fmt.Sprintf("; %d items without a SKU skipped", skipped)
		}
		if err := r.flush(msg); err != nil {
			return err
		}
	}
	return nil
}

// ---- targeted re-reads

func (r *readRun) readIDs(ctx context.Context) error {
	var batch int
	var query, op string
	var est float64
	switch r.req.Stream {
	case StreamOrders:
		query, op, est = ordersByIDQuery, "orders by id", costOrderByID
	case StreamProducts:
		query, op, est = productsByIDQuery, "products by id", costProduct
	case StreamLocations:
		query, op, est = locationsByIDQuery, "locations by id", 3
	case StreamInventoryLevels:
		query, op, est = levelsByIDQuery, "inventory levels by id", costLevel
	}
	batch = r.fits(est, 100)
	for start := 0; start < len(r.req.IDs); start += batch {
		ids := r.req.IDs[start:min(len(r.req.IDs), start+batch)]
		for _, id := range ids {
			if !strings.HasPrefix(id, "gid://shopify/") {
				return sdk.InvalidInput("shopify: read %s by id: %q is not a Shopify global id such as gid://shopify/Order/5862346506295", r.req.Stream, id)
			}
		}
		var out struct {
			Nodes []json.RawMessage `json:"nodes"`
		}
		_, err := r.cl.do(ctx, op, query, map[string]any{"ids": ids}, 2+float64(len(ids))*est, r.wait, &out)
		if err != nil {
			return err
		}
		var orders []gOrder
		for _, raw := range out.Nodes {
			if len(raw) == 0 || string(raw) == "null" {
				continue
			}
			switch r.req.Stream {
			case StreamOrders:
				var g gOrder
				if err := json.Unmarshal(raw, &g); err != nil {
					return sdk.InvalidInput("shopify: order: unexpected shape: %v", err)
				}
				if g.Typename == "Order" {
					orders = append(orders, g)
				}
			case StreamProducts:
				var g gProduct
				if err := json.Unmarshal(raw, &g); err != nil {
					return sdk.InvalidInput("shopify: product: unexpected shape: %v", err)
				}
				if g.Typename == "Product" {
					if err := r.addProduct(ctx, &g, false); err != nil {
						return err
					}
				}
			case StreamLocations:
				var g gLocation
				if err := json.Unmarshal(raw, &g); err != nil {
					return sdk.InvalidInput("shopify: location: unexpected shape: %v", err)
				}
				if g.Typename == "Location" {
					rec := r.m.mapLocation(&g)
					if r.m.err != nil {
						return r.m.err
					}
					if err := r.add(rec, false); err != nil {
						return err
					}
				}
			case StreamInventoryLevels:
				var g gLevel
				if err := json.Unmarshal(raw, &g); err != nil {
					return sdk.InvalidInput("shopify: inventory level: unexpected shape: %v", err)
				}
				if g.Typename == "InventoryLevel" {
					if rec := r.m.mapLevel(&g); rec != nil {
						if err := r.add(rec, false); err != nil {
							return err
						}
					} else if r.m.err != nil {
						return r.m.err
					}
				}
			}
		}
		if len(orders) > 0 {
			if err := r.completeOrders(ctx, orders); err != nil {
				return err
			}
		}
		if len(r.batch) > 0 {
			if err := r.out.Records(r.batch...); err != nil {
				return err
			}
			r.prog.Records += int64(len(r.batch))
			r.batch = r.batch[:0]
		}
		r.prog.Pages++
		if err := r.out.Progress(r.prog); err != nil {
			return err
		}
	}
	// a targeted re-read leaves the stream's cursor as it was
	return r.out.Checkpoint(r.req.Cursor)
}
