package amazon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Reads follow Amazon's lastUpdatedTime. A pass asks for everything
// updated after its lower bound and checkpoints after every page; Amazon's
// pagination tokens (in the cursor) carry the pass's parameters, and its
// first answer says up to when the pass sees changes (lastUpdatedBefore,
// about two minutes before the request). That bound becomes the high-water
// mark when the pass ends. The next incremental pass starts
// overlap_seconds before it, to catch orders Amazon made visible late, and
// skips what it already sent unchanged ("Recent": id, second and a hash of
// the record), so the overlap sends no needless duplicates.

// orderIDRE matches Amazon order ids such as 302-4829175-6613108 (and the
// longer ids of non-Amazon channels).
var orderIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{4,48}$`)

// cursorVersion is the version of the cursor format.
const cursorVersion = 1

// recentCap bounds the records remembered for the overlap window.
const recentCap = 5000

type cursor struct {
	V int `json:"v"`
	// Stream is the stream the cursor belongs to.
	Stream string `json:"stream"`
	// HWM is the high-water mark of the last completed pass (RFC 3339).
	HWM string `json:"hwm,omitempty"`
	// Recent are the seenKeys of records sent at or after HWM - overlap.
	Recent []string `json:"recent,omitempty"`
	// Floor is the as-of time of the last inventory report pass: summaries
	// last updated before it are not sent again.
	Floor string `json:"floor,omitempty"`
	// Pass is the pass in progress, if any.
	Pass *pass `json:"pass,omitempty"`
}

type pass struct {
	Full bool `json:"full,omitempty"`
	// Since is the lower bound (lastUpdatedAfter, startDateTime); empty
	// reads everything (inventory).
	Since string `json:"since,omitempty"`
	// Before is the upper bound: Amazon's lastUpdatedBefore for orders,
	// the end of a report backfill, the oldest report snapshot.
	Before string `json:"before,omitempty"`
	// Start is the server time of the pass's first answer and Max the
	// newest lastUpdatedTime seen (inventory, whose API states no bound).
	Start string `json:"start,omitempty"`
	Max   string `json:"max,omitempty"`
	// Token is the pagination token of the next page.
	Token string `json:"token,omitempty"`
	// Market is the index of the marketplace being read (inventory).
	Market int `json:"market,omitempty"`
	// Report is the report backfill serving the pass, if any.
	Report *reportPass `json:"report,omitempty"`
	// Skip are the previous pass's Recent; Seen the records of this pass
	// the next one may meet again.
	Skip []string `json:"skip,omitempty"`
	Seen []string `json:"seen,omitempty"`
	// Sent counts the pass's records, for progress.
	Sent int64 `json:"sent,omitempty"`
	// Done marks a pass whose records were all sent.
	Done bool `json:"done,omitempty"`
}

// reportPass is the state of a report backfill.
type reportPass struct {
	// Window is the index of the current window (orders) or marketplace
	// (inventory).
	Window int `json:"window"`
	// End is the end of an orders backfill.
	End string `json:"end,omitempty"`
	// ReportID is the report of the current window, once requested.
	ReportID string `json:"report_id,omitempty"`
	// Sent is how many orders (or rows) of the report's document were sent.
	Sent int `json:"sent,omitempty"`
}

func parseCursor(s, stream string) (cursor, error) {
	if strings.TrimSpace(s) == "" {
		return cursor{V: cursorVersion, Stream: stream}, nil
	}
	var c cursor
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion {
		return c, sdk.InvalidInput("amazon: read: the cursor %q was not written by this connector (version %d)", snippet([]byte(s)), cursorVersion).
			WithDetail("reset the stream's cursor to read it in full again")
	}
	if c.Stream != stream {
		return c, sdk.InvalidInput("amazon: read %s: the cursor belongs to stream %q", stream, c.Stream).
			WithDetail("give each stream its own cursor, or reset it")
	}
	// the times are read with mustTime later, which would turn a damaged
	// one into the zero time (a silent full read, or a lost floor)
	times := [][2]string{{"hwm", c.HWM}, {"floor", c.Floor}}
	if p := c.Pass; p != nil {
		times = append(times, [2]string{"pass.since", p.Since}, [2]string{"pass.before", p.Before},
			[2]string{"pass.start", p.Start}, [2]string{"pass.max", p.Max})
		if p.Report != nil {
			times = append(times, [2]string{"pass.report.end", p.Report.End})
		}
	}
	for _, nv := range times {
		if nv[1] == "" {
			continue
		}
		if _, err := time.Parse(time.RFC3339, nv[1]); err != nil {
			return c, sdk.InvalidInput("amazon: read %s: the cursor's %s %q is not an RFC 3339 time", stream, nv[0], nv[1]).
				WithDetail("reset the stream's cursor to read it in full again")
		}
	}
	return c, nil
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// seenKey identifies what was sent of a record: its id, its version's
// second and a hash of its content, so that a record changed twice within
// one second (the APIs' precision) is sent again.
func seenKey(rec commerce.Record) string {
	h := fnv.New32a()
	_ = json.NewEncoder(h).Encode(rec)
	return rec.Ref().ExternalID + "@" + strconv.FormatInt(rec.Version().Unix(), 10) + "#" + strconv.FormatUint(uint64(h.Sum32()), 36)
}

func seenTime(k string) int64 {
	i := strings.LastIndexByte(k, '@')
	if i < 0 {
		return 0
	}
	t, _, _ := strings.Cut(k[i+1:], "#")
	n, _ := strconv.ParseInt(t, 10, 64)
	return n
}

func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

func formatTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// readRun is one Read call.
type readRun struct {
	c    *Connector
	cl   *client
	cfg  Config
	req  sdk.ReadRequest
	out  sdk.ReadStream
	cur  cursor
	prog sdk.Progress
	skip map[string]bool
	// skipFloor is the oldest second in skip: older records are not in it.
	skipFloor int64
	// batch collects the records of the current page.
	batch []commerce.Record
}

// Read reads one stream; see the package documentation for the cursor.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadStream) error {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return err
	}
	c.ensurePoller(req.Connection, cfg)
	switch req.Stream {
	case StreamOrders, StreamInventory:
	default:
		return sdk.InvalidInput("amazon: read: unknown stream %q", req.Stream).WithDetail("use %s or %s", StreamOrders, StreamInventory)
	}
	if req.Mode != "" && req.Mode != sdk.ModeFull && req.Mode != sdk.ModeIncremental {
		return sdk.InvalidInput("amazon: read: mode %q must be full or incremental", req.Mode)
	}
	cur, err := parseCursor(req.Cursor, req.Stream)
	if err != nil {
		return err
	}
	r := &readRun{c: c, cl: c.clientFor(cfg), cfg: cfg, req: req, out: out, cur: cur}
	ctx = withWaits(ctx, r.wait)
	if len(req.IDs) > 0 {
		if req.Stream == StreamOrders {
			return r.readOrderIDs(ctx)
		}
		return r.readInventoryIDs(ctx)
	}
	p := r.cur.Pass
	if p == nil || (req.Mode == sdk.ModeFull && !p.Full) {
		p = &pass{Full: req.Mode == sdk.ModeFull || r.cur.HWM == ""}
		if p.Full {
			if req.Stream == StreamOrders {
				p.Since = formatTime(c.now().AddDate(0, 0, -cfg.BackfillDays))
			}
			if r.useReports() {
				p.Report = &reportPass{}
			}
		} else {
			hwm, err := time.Parse(time.RFC3339, r.cur.HWM)
			if err != nil {
				return sdk.InvalidInput("amazon: read: cursor high-water mark %q is not RFC 3339", r.cur.HWM)
			}
			p.Since = formatTime(hwm.Add(-cfg.overlap()))
			p.Skip = r.cur.Recent
		}
		r.cur.Pass = p
	}
	r.skip = make(map[string]bool, len(p.Skip))
	r.skipFloor = 1<<63 - 1
	for _, k := range p.Skip {
		r.skip[k] = true
		r.skipFloor = min(r.skipFloor, seenTime(k))
	}
	switch {
	case p.Done:
	case req.Stream == StreamOrders && p.Report != nil:
		err = r.reportOrdersPass(ctx)
	case req.Stream == StreamOrders && cfg.OrdersAPI == OrdersAPIV0:
		err = r.ordersV0Pass(ctx)
	case req.Stream == StreamOrders:
		err = r.orders2026Pass(ctx)
	case p.Report != nil:
		err = r.reportInventoryPass(ctx)
	default:
		err = r.inventoryPass(ctx)
	}
	if err != nil {
		return err
	}
	return r.finishPass()
}

// useReports says whether a full pass goes through the Reports API.
func (r *readRun) useReports() bool {
	switch r.cfg.ReportsMode {
	case ReportsAlways:
		return true
	case ReportsNever:
		return false
	}
	return r.req.Stream == StreamOrders && r.cfg.BackfillDays > r.cfg.ReportThresholdDays
}

// wait reports a rate-limit wait as progress.
func (r *readRun) wait(d time.Duration, why string) {
	r.prog.RateLimitWait += d
	r.prog.Message = why
	_ = r.out.Progress(r.prog)
}

// message reports a step as progress.
func (r *readRun) message(msg string) error {
	r.prog.Message = msg
	return r.out.Progress(r.prog)
}

// add queues a record of the current page unless the previous pass sent
// this version already.
func (r *readRun) add(rec commerce.Record) error {
	if err := rec.Validate(); err != nil {
		return sdk.InvalidInput("amazon: read %s: %v", r.req.Stream, err).
			WithDetail("Amazon sent a record the unified model refuses; report it with the record id")
	}
	if r.cur.Floor != "" && rec.Version().Before(mustTime(r.cur.Floor)) {
		// an inventory report requested after this change covered it; a
		// change within the report's own second is sent again, to be safe
		return nil
	}
	p := r.cur.Pass
	if p != nil {
		upd := rec.Version()
		if p.Max == "" || upd.After(mustTime(p.Max)) {
			p.Max = formatTime(upd)
		}
		// the key (a hash of the record) matters only for records the
		// previous pass may have sent (skip) and records the next pass may
		// meet again (seen): within the overlap windows
		sec := upd.Unix()
		inSkip := len(r.skip) > 0 && sec >= r.skipFloor
		b := p.bound()
		tracked := b.IsZero() || sec >= b.Add(-r.cfg.overlap()).Unix()
		if inSkip || tracked {
			key := seenKey(rec)
			if tracked {
				p.Seen = append(p.Seen, key)
			}
			if inSkip && r.skip[key] {
				return nil
			}
		}
		p.Sent++
	}
	r.batch = append(r.batch, rec)
	return nil
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
	r.pruneSeen()
	r.prog.Message = message
	if err := r.out.Checkpoint(r.cur.String()); err != nil {
		return err
	}
	return r.out.Progress(r.prog)
}

// bound is the pass's high-water mark candidate: its upper bound when
// Amazon stated one, else the lower of the newest record seen and the
// server time when the pass began.
func (p *pass) bound() time.Time {
	if p.Before != "" {
		return mustTime(p.Before)
	}
	var cand time.Time
	if p.Max != "" {
		cand = mustTime(p.Max)
	}
	if p.Start != "" {
		if s := mustTime(p.Start); cand.IsZero() || s.Before(cand) {
			cand = s
		}
	}
	return cand
}

// pruneSeen keeps Seen to the records the next pass can meet again.
func (r *readRun) pruneSeen() {
	p := r.cur.Pass
	if p == nil || len(p.Seen) == 0 {
		return
	}
	b := p.bound()
	if b.IsZero() {
		return
	}
	cut := b.Add(-r.cfg.overlap()).Unix()
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
	if cand := p.bound(); !cand.IsZero() && (hwm == "" || cand.After(mustTime(hwm))) {
		hwm = formatTime(cand)
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
	floor := r.cur.Floor
	if floor != "" && hwm != "" && mustTime(hwm).Add(-r.cfg.overlap()).After(mustTime(floor)) {
		floor = "" // passes start after it now
	}
	r.cur = cursor{V: cursorVersion, Stream: r.req.Stream, HWM: hwm, Recent: recent, Floor: floor}
	r.prog.Message = "done"
	if err := r.out.Checkpoint(r.cur.String()); err != nil {
		return err
	}
	return r.out.Progress(r.prog)
}

// noteStart records the server time of the pass's first answer.
func (r *readRun) noteStart(t time.Time) {
	if p := r.cur.Pass; p != nil && p.Start == "" {
		p.Start = formatTime(t)
	}
}

// ---- orders through the APIs

// includedData are the 2026-01-01 datasets the connector asks for: money,
// status, the shipping city and country, and packages. BUYER is left out:
// the model needs no buyer identity from Amazon.
const includedData = "PROCEEDS,FULFILLMENT,RECIPIENT,PACKAGES"

type searchOrdersAnswer struct {
	Orders     []order26 `json:"orders"`
	Pagination *struct {
		NextToken string `json:"nextToken"`
	} `json:"pagination"`
	LastUpdatedBefore string `json:"lastUpdatedBefore"`
}

func (r *readRun) orders2026Pass(ctx context.Context) error {
	p := r.cur.Pass
	for {
		q := map[string][]string{
			"marketplaceIds":    {strings.Join(r.cfg.MarketplaceIDs, ",")},
			"lastUpdatedAfter":  {p.Since},
			"maxResultsPerPage": {strconv.Itoa(r.cfg.PageSize)},
			"includedData":      {includedData},
		}
		if p.Token != "" {
			q["paginationToken"] = []string{p.Token}
		}
		var ans searchOrdersAnswer
		res, err := r.cl.getJSON(ctx, opSearchOrders, opSearchOrders.path(), q, &ans)
		if err != nil {
			return fmt.Errorf("amazon: read orders page %d: %w", r.prog.Pages+1, err)
		}
		r.setBefore(ans.LastUpdatedBefore, res.Date)
		for i := range ans.Orders {
			d, err := draft2026(&ans.Orders[i])
			if err != nil {
				return err
			}
			if err := r.addDraft(d); err != nil {
				return err
			}
		}
		p.Token = ""
		if ans.Pagination != nil {
			p.Token = ans.Pagination.NextToken
		}
		p.Done = p.Token == ""
		if err := r.flush(fmt.Sprintf("read %d orders", p.Sent)); err != nil {
			return err
		}
		if p.Done {
			return nil
		}
	}
}

// setBefore fixes the pass's upper bound from Amazon's first answer: its
// lastUpdatedBefore, or two minutes before the server's clock when absent.
func (r *readRun) setBefore(lastUpdatedBefore string, date time.Time) {
	p := r.cur.Pass
	if p.Before != "" {
		return
	}
	if t, err := time.Parse(time.RFC3339, lastUpdatedBefore); err == nil {
		p.Before = formatTime(t)
		return
	}
	p.Before = formatTime(date.Add(-2 * time.Minute))
}

func (r *readRun) addDraft(d *draft) error {
	o, err := d.toOrder(r.req.Connection)
	if err != nil {
		return err
	}
	return r.add(o)
}

type getOrdersAnswer struct {
	Payload struct {
		Orders            []v0Order `json:"Orders"`
		NextToken         string    `json:"NextToken"`
		LastUpdatedBefore string    `json:"LastUpdatedBefore"`
	} `json:"payload"`
}

type orderItemsAnswer struct {
	Payload struct {
		AmazonOrderID string   `json:"AmazonOrderId"`
		OrderItems    []v0Item `json:"OrderItems"`
		NextToken     string   `json:"NextToken"`
	} `json:"payload"`
}

func (r *readRun) ordersV0Pass(ctx context.Context) error {
	p := r.cur.Pass
	for {
		q := map[string][]string{"MarketplaceIds": {strings.Join(r.cfg.MarketplaceIDs, ",")}}
		if p.Token != "" {
			q["NextToken"] = []string{p.Token}
		} else {
			q["LastUpdatedAfter"] = []string{p.Since}
			q["MaxResultsPerPage"] = []string{strconv.Itoa(r.cfg.PageSize)}
		}
		var ans getOrdersAnswer
		res, err := r.cl.getJSON(ctx, opGetOrdersV0, opGetOrdersV0.path(), q, &ans)
		if err != nil {
			return fmt.Errorf("amazon: read orders page %d: %w", r.prog.Pages+1, err)
		}
		r.setBefore(ans.Payload.LastUpdatedBefore, res.Date)
		for i := range ans.Payload.Orders {
			o := &ans.Payload.Orders[i]
			items, err := r.cl.orderItems(ctx, o.AmazonOrderID)
			if err != nil {
				return err
			}
			d, err := draftV0(o, items)
			if err != nil {
				return err
			}
			if err := r.addDraft(d); err != nil {
				return err
			}
		}
		p.Token = ans.Payload.NextToken
		p.Done = p.Token == ""
		if err := r.flush(fmt.Sprintf("read %d orders", p.Sent)); err != nil {
			return err
		}
		if p.Done {
			return nil
		}
	}
}

// orderItems reads every item of a v0 order.
func (cl *client) orderItems(ctx context.Context, id string) ([]v0Item, error) {
	var items []v0Item
	token := ""
	for page := 1; ; page++ {
		var q map[string][]string
		if token != "" {
			q = map[string][]string{"NextToken": {token}}
		}
		var ans orderItemsAnswer
		if _, err := cl.getJSON(ctx, opGetOrderItemsV0, opGetOrderItemsV0.path(id), q, &ans); err != nil {
			return nil, fmt.Errorf("amazon: items of order %s: %w", id, err)
		}
		items = append(items, ans.Payload.OrderItems...)
		if ans.Payload.NextToken == "" || ans.Payload.NextToken == token || page > 100 {
			return items, nil
		}
		token = ans.Payload.NextToken
	}
}

// ---- targeted re-reads

// readOrderIDs re-reads orders by id (an ORDER_CHANGE notification) and
// leaves the stream's cursor as it was. An order Amazon no longer shows is
// skipped.
func (r *readRun) readOrderIDs(ctx context.Context) error {
	for i, id := range r.req.IDs {
		if !orderIDRE.MatchString(id) {
			return sdk.InvalidInput("amazon: read orders by id: %q is not an Amazon order id such as 302-4829175-6613108", id)
		}
		d, err := fetchOrder(ctx, r.cl, id)
		if isNotFound(err) {
			r.c.log.Info("amazon: order to re-read not found", "order", id)
			continue
		}
		if err != nil {
			return err
		}
		o, err := d.toOrder(r.req.Connection)
		if err != nil {
			return err
		}
		if err := r.out.Records(o); err != nil {
			return err
		}
		r.prog.Records++
		r.prog.Pages++
		if err := r.message(fmt.Sprintf("re-read %d of %d orders", i+1, len(r.req.IDs))); err != nil {
			return err
		}
	}
	return r.out.Checkpoint(r.req.Cursor)
}

// fetchOrder reads one order with the configured Orders API.
func fetchOrder(ctx context.Context, cl *client, id string) (*draft, error) {
	if cl.cfg.OrdersAPI == OrdersAPIV0 {
		var ans struct {
			Payload v0Order `json:"payload"`
		}
		if _, err := cl.getJSON(ctx, opGetOrderV0, opGetOrderV0.path(id), nil, &ans); err != nil {
			return nil, err
		}
		items, err := cl.orderItems(ctx, id)
		if err != nil {
			return nil, err
		}
		return draftV0(&ans.Payload, items)
	}
	var ans struct {
		Order order26 `json:"order"`
	}
	if _, err := cl.getJSON(ctx, opGetOrder, opGetOrder.path(id), map[string][]string{"includedData": {includedData}}, &ans); err != nil {
		return nil, err
	}
	return draft2026(&ans.Order)
}

// ---- FBA inventory through the API

type inventorySummary struct {
	ASIN             string `json:"asin"`
	FnSKU            string `json:"fnSku"`
	SellerSKU        string `json:"sellerSku"`
	Condition        string `json:"condition"`
	InventoryDetails *struct {
		FulfillableQuantity      int `json:"fulfillableQuantity"`
		InboundWorkingQuantity   int `json:"inboundWorkingQuantity"`
		InboundShippedQuantity   int `json:"inboundShippedQuantity"`
		InboundReceivingQuantity int `json:"inboundReceivingQuantity"`
		ReservedQuantity         *struct {
			TotalReservedQuantity int `json:"totalReservedQuantity"`
		} `json:"reservedQuantity"`
		ResearchingQuantity *struct {
			TotalResearchingQuantity int `json:"totalResearchingQuantity"`
		} `json:"researchingQuantity"`
		UnfulfillableQuantity *struct {
			TotalUnfulfillableQuantity int `json:"totalUnfulfillableQuantity"`
		} `json:"unfulfillableQuantity"`
	} `json:"inventoryDetails"`
	LastUpdatedTime string `json:"lastUpdatedTime"`
	ProductName     string `json:"productName"`
	TotalQuantity   int    `json:"totalQuantity"`
}

type inventoryAnswer struct {
	Pagination *struct {
		NextToken string `json:"nextToken"`
	} `json:"pagination"`
	Payload struct {
		Granularity struct {
			GranularityType string `json:"granularityType"`
			GranularityID   string `json:"granularityId"`
		} `json:"granularity"`
		InventorySummaries []inventorySummary `json:"inventorySummaries"`
	} `json:"payload"`
}

// level maps one summary of marketplace mp.
func (s *inventorySummary) level(conn, mp string, fallback time.Time) (*commerce.InventoryLevel, error) {
	if s.SellerSKU == "" {
		return nil, sdk.InvalidInput("amazon: inventory summary of ASIN %s in %s has no sellerSku", s.ASIN, mp)
	}
	at := fallback
	if s.LastUpdatedTime != "" {
		t, err := time.Parse(time.RFC3339, s.LastUpdatedTime)
		if err != nil {
			return nil, sdk.InvalidInput("amazon: inventory summary of %s: lastUpdatedTime %q is not ISO 8601", s.SellerSKU, s.LastUpdatedTime)
		}
		at = t
	}
	d := s.InventoryDetails
	if d == nil {
		return nil, sdk.InvalidInput("amazon: inventory summary of %s has no inventoryDetails", s.SellerSKU).
			WithDetail("the connector asks with details=true; Amazon answered without them")
	}
	var reserved, researching, unfulfillable int
	if d.ReservedQuantity != nil {
		reserved = d.ReservedQuantity.TotalReservedQuantity
	}
	if d.ResearchingQuantity != nil {
		researching = d.ResearchingQuantity.TotalResearchingQuantity
	}
	if d.UnfulfillableQuantity != nil {
		unfulfillable = d.UnfulfillableQuantity.TotalUnfulfillableQuantity
	}
	onHand := d.FulfillableQuantity + reserved + researching + unfulfillable
	inbound := d.InboundWorkingQuantity + d.InboundShippedQuantity + d.InboundReceivingQuantity
	return fbaLevel(conn, mp, s.SellerSKU, at, d.FulfillableQuantity, reserved, onHand, inbound), nil
}

// inventoryQuery is getInventorySummaries' query for one marketplace.
func inventoryQuery(mp, since, token string, skus []string) map[string][]string {
	q := map[string][]string{"details": {"true"}, "granularityType": {"Marketplace"}, "granularityId": {mp}, "marketplaceIds": {mp}}
	if since != "" {
		q["startDateTime"] = []string{since}
	}
	if token != "" {
		q["nextToken"] = []string{token}
	}
	if len(skus) > 0 {
		q["sellerSkus"] = []string{strings.Join(skus, ",")}
	}
	return q
}

func (r *readRun) inventoryPass(ctx context.Context) error {
	p := r.cur.Pass
	mps := r.cfg.MarketplaceIDs
	restarted := false
	for p.Market < len(mps) {
		mp := mps[p.Market]
		var ans inventoryAnswer
		res, err := r.cl.getJSON(ctx, opInventorySummaries, opInventorySummaries.path(), inventoryQuery(mp, p.Since, p.Token, nil), &ans)
		if err != nil && p.Token != "" && sdk.KindOf(err) == sdk.KindInvalidInput && !restarted {
			// nextToken lives 30 seconds: a pass resumed later reads the
			// marketplace again (the store ignores versions it holds)
			r.c.log.Info("amazon: inventory nextToken refused, reading the marketplace again", "marketplace", mp, "err", err)
			p.Token, restarted = "", true
			continue
		}
		if err != nil {
			return fmt.Errorf("amazon: read inventory of %s: %w", mp, err)
		}
		r.noteStart(res.Date)
		for i := range ans.Payload.InventorySummaries {
			lv, err := ans.Payload.InventorySummaries[i].level(r.req.Connection, mp, mustTime(p.Start))
			if err != nil {
				return err
			}
			if err := r.add(lv); err != nil {
				return err
			}
		}
		p.Token = ""
		if ans.Pagination != nil {
			p.Token = ans.Pagination.NextToken
		}
		if p.Token == "" {
			p.Market++
			restarted = false
		}
		p.Done = p.Market >= len(mps)
		if err := r.flush(fmt.Sprintf("read %d inventory levels (marketplace %d of %d)", p.Sent, min(p.Market+1, len(mps)), len(mps))); err != nil {
			return err
		}
	}
	return nil
}

// readInventoryIDs re-reads levels by id ("FBA/<marketplace>/<sku>").
func (r *readRun) readInventoryIDs(ctx context.Context) error {
	bySite := map[string][]string{}
	var sites []string
	for _, id := range r.req.IDs {
		rest, ok := strings.CutPrefix(id, "FBA/")
		mp, sku, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 || sku == "" || !r.cfg.hasMarketplace(mp) {
			return sdk.InvalidInput("amazon: read inventory by id: %q is not FBA/<configured marketplace id>/<seller SKU>", id)
		}
		if _, seen := bySite[mp]; !seen {
			sites = append(sites, mp)
		}
		bySite[mp] = append(bySite[mp], sku)
	}
	for _, mp := range sites {
		skus := bySite[mp]
		for start := 0; start < len(skus); start += 50 {
			chunk := skus[start:min(len(skus), start+50)]
			token := ""
			for {
				var ans inventoryAnswer
				res, err := r.cl.getJSON(ctx, opInventorySummaries, opInventorySummaries.path(), inventoryQuery(mp, "", token, chunk), &ans)
				if err != nil {
					return err
				}
				var recs []commerce.Record
				for i := range ans.Payload.InventorySummaries {
					lv, err := ans.Payload.InventorySummaries[i].level(r.req.Connection, mp, res.Date)
					if err != nil {
						return err
					}
					recs = append(recs, lv)
				}
				if len(recs) > 0 {
					if err := r.out.Records(recs...); err != nil {
						return err
					}
				}
				r.prog.Records += int64(len(recs))
				r.prog.Pages++
				if err := r.message(fmt.Sprintf("re-read %d inventory levels", r.prog.Records)); err != nil {
					return err
				}
				if ans.Pagination == nil || ans.Pagination.NextToken == "" || ans.Pagination.NextToken == token {
					break
				}
				token = ans.Pagination.NextToken
			}
		}
	}
	return r.out.Checkpoint(r.req.Cursor)
}

// ---- report backfills

// reportOrdersPass backfills orders through order reports, one report per
// window of report_window_days from the pass's lower bound to its end (two
// minutes before the pass began), checkpointing when a report is requested
// and every 250 orders of its document, so that a killed read resumes
// polling the same report and skips the orders it already sent. The
// reports' rows carry each order's last-updated time, the same version the
// APIs give. When the windows are done, the pass goes on through the
// Orders API from overlap_seconds before the end, skipping what the
// reports sent, so that a full read ends as current as an API pass.
func (r *readRun) reportOrdersPass(ctx context.Context) error {
	p := r.cur.Pass
	rp := p.Report
	if rp.End == "" {
		rp.End = formatTime(r.c.now().Add(-2 * time.Minute))
	}
	since, end := mustTime(p.Since), mustTime(rp.End)
	p.Before = rp.End
	window := time.Duration(r.cfg.ReportWindowDays) * 24 * time.Hour
	windows := max(1, int((end.Sub(since)+window-1)/window))
	for rp.Window < windows {
		from := since.Add(time.Duration(rp.Window) * window)
		// windows do not overlap: times have second precision and Amazon's
		// bounds are inclusive
		to := from.Add(window - time.Second)
		if to.After(end) || rp.Window == windows-1 {
			to = end
		}
		info, err := r.report(ctx, ReportOrders, from, to, r.cfg.MarketplaceIDs, fmt.Sprintf("orders report %d of %d", rp.Window+1, windows))
		if err != nil {
			return err
		}
		if info.ProcessingStatus == reportDone {
			err := r.readDocument(ctx, info, func(f *flatFile) error {
				n := 0
				return reportOrders(f, func(d *draft) error {
					n++
					if n <= rp.Sent {
						return nil
					}
					if err := r.addDraft(d); err != nil {
						return err
					}
					rp.Sent = n
					if len(r.batch) >= 250 {
						return r.flush(fmt.Sprintf("read %d orders (report %d of %d)", p.Sent, rp.Window+1, windows))
					}
					return nil
				})
			})
			if err != nil {
				return err
			}
		}
		rp.Window++
		rp.ReportID, rp.Sent = "", 0
		if rp.Window >= windows {
			// the tail: what changed since the reports' end, through the API
			r.pruneSeen()
			p.Report, p.Before, p.Token = nil, "", ""
			p.Since = formatTime(end.Add(-r.cfg.overlap()))
			p.Skip = slices.Concat(p.Skip, p.Seen)
			for _, k := range p.Seen {
				r.skip[k] = true
				r.skipFloor = min(r.skipFloor, seenTime(k))
			}
		}
		if err := r.flush(fmt.Sprintf("read %d orders (report %d of %d)", p.Sent, min(rp.Window+1, windows), windows)); err != nil {
			return err
		}
	}
	if r.cfg.OrdersAPI == OrdersAPIV0 {
		return r.ordersV0Pass(ctx)
	}
	return r.orders2026Pass(ctx)
}

// reportInventoryPass reads FBA inventory through one report per
// marketplace. The flat file has no per-SKU update time, so every row
// takes a version one second before the pass's as-of time, fixed when the
// pass began (a report requested later holds every change before it):
// resumed reads give the same versions, later API passes skip summaries
// last updated before the as-of time (the cursor's floor), which the
// reports covered, and a change within the as-of second is newer than the
// rows.
func (r *readRun) reportInventoryPass(ctx context.Context) error {
	p := r.cur.Pass
	rp := p.Report
	if p.Start == "" {
		p.Start = formatTime(r.c.now())
	}
	// rows are a second older than the as-of time, so that a change within
	// that second (which the report may have missed) is newer than them
	at := mustTime(p.Start).Add(-time.Second)
	p.Before = p.Start
	mps := r.cfg.MarketplaceIDs
	for rp.Window < len(mps) {
		mp := mps[rp.Window]
		info, err := r.report(ctx, ReportFBAInventory, time.Time{}, time.Time{}, []string{mp}, "FBA inventory report of "+mp)
		if err != nil {
			return err
		}
		if info.ProcessingStatus == reportDone {
			err := r.readDocument(ctx, info, func(f *flatFile) error {
				n := 0
				return reportInventory(f, r.req.Connection, mp, at, func(lv *commerce.InventoryLevel) error {
					n++
					if n <= rp.Sent {
						return nil
					}
					if err := r.add(lv); err != nil {
						return err
					}
					rp.Sent = n
					if len(r.batch) >= 500 {
						return r.flush(fmt.Sprintf("read %d inventory levels (report of %s)", p.Sent, mp))
					}
					return nil
				})
			})
			if err != nil {
				return err
			}
		}
		rp.Window++
		rp.ReportID, rp.Sent = "", 0
		p.Done = rp.Window >= len(mps)
		if p.Done {
			r.cur.Floor = p.Start
		}
		if err := r.flush(fmt.Sprintf("read %d inventory levels (marketplace %d of %d)", p.Sent, min(rp.Window+1, len(mps)), len(mps))); err != nil {
			return err
		}
	}
	return nil
}

// report requests the current window's report (checkpointing its id) or
// resumes the one already requested, and waits until it is processed. A
// FATAL report is forgotten so that the next attempt requests a new one.
func (r *readRun) report(ctx context.Context, reportType string, from, to time.Time, mps []string, what string) (*reportInfo, error) {
	rp := r.cur.Pass.Report
	if rp.ReportID == "" {
		id, err := r.cl.createReport(ctx, reportType, from, to, mps)
		if err != nil {
			return nil, fmt.Errorf("amazon: request %s: %w", what, err)
		}
		rp.ReportID, rp.Sent = id, 0
		if err := r.flush(fmt.Sprintf("requested %s (report %s)", what, id)); err != nil {
			return nil, err
		}
	}
	info, err := r.cl.waitReport(ctx, rp.ReportID, func(status string) {
		_ = r.message(fmt.Sprintf("waiting for %s (report %s: %s)", what, rp.ReportID, status))
	})
	if err != nil {
		return nil, err
	}
	switch info.ProcessingStatus {
	case reportCancelled:
		// Amazon cancels a report that has no data
		r.c.log.Info("amazon: report cancelled: no data", "report", rp.ReportID, "what", what)
	case reportFatal:
		id := rp.ReportID
		rp.ReportID, rp.Sent = "", 0
		if err := r.flush(fmt.Sprintf("%s failed (report %s FATAL)", what, id)); err != nil {
			return nil, err
		}
		return nil, sdk.Retryable(errors.New("processingStatus FATAL"), "amazon: %s: report %s failed", what, id).
			WithDetail("Amazon could not produce the report; the next attempt requests a new one")
	}
	return info, nil
}

// readDocument downloads a done report's document and hands it to read.
// An empty document (not even a header row) is an error, never "no
// changes": the report is forgotten so that the next attempt requests a
// new one.
func (r *readRun) readDocument(ctx context.Context, info *reportInfo, read func(*flatFile) error) error {
	rp := r.cur.Pass.Report
	if info.ReportDocumentID == "" {
		return sdk.Retryable(errors.New("no reportDocumentId"), "amazon: report %s is DONE without a document", info.ReportID)
	}
	rc, err := r.cl.openDocument(ctx, info.ReportDocumentID)
	if err != nil {
		return fmt.Errorf("amazon: report %s: %w", info.ReportID, err)
	}
	defer rc.Close()
	f, err := newFlatFile(rc)
	if err == nil {
		err = read(f)
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se *sdk.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, errNoHeader) {
		id := rp.ReportID
		rp.ReportID, rp.Sent = "", 0
		if ferr := r.flush("report " + id + " had an empty document"); ferr != nil {
			return ferr
		}
		return sdk.Retryable(err, "amazon: report %s (%s): document %s", id, info.ReportType, info.ReportDocumentID).
			WithDetail("Amazon served an empty document where a flat file was expected; the next attempt requests a new report")
	}
	return sdk.Retryable(err, "amazon: report %s (%s): document %s", info.ReportID, info.ReportType, info.ReportDocumentID).
		WithDetail("the document was cut short or malformed; the next attempt downloads it again")
}
