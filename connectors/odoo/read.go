package odoo

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Reads follow write_date. Every stream reads one root model (product
// templates, warehouses, storable variants, customers) in pages ordered by
// id, checkpointing after each page with the last id, so a resumed pass
// continues where it stopped. An incremental pass selects the roots whose
// own write_date, or the write_date of a row the record is built from
// (variants, vendor lines, quants, moves, addresses), is at or after
// "since", and sends the records whose version (the newest of those
// write_dates) is at or after it. When a pass ends, its high-water mark is
// the lower of the newest version seen and the server's time when the pass
// began, so nothing committed while it ran is missed. The next pass starts
// overlap_seconds earlier, to catch transactions that committed late with
// an older write_date, and skips the records it already sent unchanged
// ("recent": external id, write_date second and a hash of the content, as
// Odoo shows write_date to the second).

const cursorVersion = 1

// recentCap bounds the records remembered for the overlap window.
const recentCap = 5000

type cursor struct {
	V int `json:"v"`
	// HWM is the high-water mark of the last completed pass (RFC 3339, UTC).
	HWM string `json:"hwm,omitempty"`
	// Recent are the keys of records sent with a version at or after
	// HWM - overlap.
	Recent []string `json:"recent,omitempty"`
	// Pass is the pass in progress, if any.
	Pass *pass `json:"pass,omitempty"`
}

type pass struct {
	Full bool `json:"full,omitempty"`
	// Since is the lower bound of write_date ("" reads everything).
	Since string `json:"since,omitempty"`
	// Start is the server's time when the pass began.
	Start string `json:"start,omitempty"`
	// Last is the id of the last root record of the last completed page.
	Last int64 `json:"last,omitempty"`
	// Max is the newest version seen.
	Max string `json:"max,omitempty"`
	// Skip are the previous pass's Recent; Seen the records of this pass
	// the next one may skip.
	Skip []string `json:"skip,omitempty"`
	Seen []string `json:"seen,omitempty"`
	// Sent and Total count the pass's records for progress.
	Sent  int64 `json:"sent,omitempty"`
	Total int64 `json:"total,omitempty"`
	// Skipped counts roots that make no record (no SKU).
	Skipped int64 `json:"skipped,omitempty"`
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	if strings.TrimSpace(s) == "" {
		return cursor{V: cursorVersion}, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.V != cursorVersion {
		return c, sdk.InvalidInput("odoo: read: the cursor %q was not written by this connector (version %d)", snippet([]byte(s)), cursorVersion).
			WithDetail("reset the stream's cursor to read it in full again")
	}
	for _, t := range []string{c.HWM, passField(c.Pass, "since"), passField(c.Pass, "start"), passField(c.Pass, "max")} {
		if t == "" {
			continue
		}
		if _, err := time.Parse(time.RFC3339, t); err != nil {
			return c, sdk.InvalidInput("odoo: read: the cursor holds time %q, which is not RFC 3339", t).
				WithDetail("reset the stream's cursor to read it in full again")
		}
	}
	if c.Pass != nil && c.Pass.Last < 0 {
		return c, sdk.InvalidInput("odoo: read: the cursor's last id %d is negative", c.Pass.Last)
	}
	return c, nil
}

func passField(p *pass, f string) string {
	if p == nil {
		return ""
	}
	switch f {
	case "since":
		return p.Since
	case "start":
		return p.Start
	}
	return p.Max
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// seenKey identifies what was sent of a record: its external id, its
// version to the second and a hash of its content, so that a record
// changed twice within one second is sent again.
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

// stream says how one stream is read.
type stream struct {
	// model is the root model paged by id.
	model string
	// context of the root search, e.g. active_test false.
	ctx map[string]any
	// base is the root domain of every pass.
	base func(ctx context.Context, r *readRun) ([]any, error)
	// changed is the domain of roots changed since a time.
	changed func(since string) []any
	// fetch builds the records of root ids; since is "" in full passes.
	fetch func(ctx context.Context, r *readRun, ids []int64, since time.Time) ([]commerce.Record, error)
	// parseID turns an external id into a root id, for targeted reads.
	parseID func(id string) (int64, bool)
	// perRoot, when set, is how many records one root makes (levels: one
	// per warehouse), for the expected total of the progress.
	perRoot func(ctx context.Context, r *readRun) (int64, error)
}

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
	comp *companyInfo
	// per-run lookups
	countries map[int64]string
	states    map[int64]string
	// whs and locWH are the warehouses and the warehouse of every
	// internal location, read at the run's first need.
	whs   []warehouseInfo
	locWH map[int64]int64
	// batch collects the records of the current page.
	batch []commerce.Record
	waits time.Duration
}

// Read reads one stream; see the package documentation for the cursor.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadStream) error {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return err
	}
	st, ok := c.streams()[req.Stream]
	if !ok {
		return sdk.InvalidInput("odoo: read: unknown stream %q", req.Stream).
			WithDetail("use one of %s, %s, %s, %s, %s", StreamProducts, StreamLocations, StreamInventoryLevels, StreamCustomers, StreamReceipts)
	}
	if req.Mode != "" && req.Mode != sdk.ModeFull && req.Mode != sdk.ModeIncremental {
		return sdk.InvalidInput("odoo: read: mode %q must be full or incremental", req.Mode)
	}
	cur, err := parseCursor(req.Cursor)
	if err != nil {
		return err
	}
	r := &readRun{c: c, cl: c.clientFor(cfg), cfg: cfg, req: req, out: out, cur: cur, countries: map[int64]string{}, states: map[int64]string{}}
	if err := r.cl.ensure(ctx); err != nil {
		return err
	}
	r.waits = r.cl.rateLimitWait()
	if r.comp, err = r.cl.companyOf(ctx); err != nil {
		return err
	}
	if len(req.IDs) > 0 {
		return r.readIDs(ctx, st)
	}
	p := r.cur.Pass
	if p == nil || (req.Mode == sdk.ModeFull && !p.Full) {
		p = &pass{Full: req.Mode == sdk.ModeFull || r.cur.HWM == ""}
		if !p.Full {
			p.Since = mustTime(r.cur.HWM).Add(-cfg.overlap()).UTC().Format(time.RFC3339)
			p.Skip = r.cur.Recent
		}
		r.cur.Pass = p
	}
	r.skip = make(map[string]bool, len(p.Skip))
	for _, k := range p.Skip {
		r.skip[k] = true
	}
	if err := r.pages(ctx, st); err != nil {
		return err
	}
	return r.finishPass()
}

func (r *readRun) progress(msg string) error {
	r.prog.RateLimitWait = r.cl.rateLimitWait() - r.waits
	r.prog.Message = msg
	return r.out.Progress(r.prog)
}

// pages reads the pass's roots page by page.
func (r *readRun) pages(ctx context.Context, st stream) error {
	p := r.cur.Pass
	base, err := st.base(ctx, r)
	if err != nil {
		return err
	}
	var since time.Time
	domain := slices.Clone(base)
	if p.Since != "" {
		since = mustTime(p.Since)
		domain = append(domain, st.changed(formatTime(since))...)
	}
	if p.Total == 0 && p.Last == 0 {
		var n int64
		date, err := r.cl.call(ctx, st.model, "search_count", nil, map[string]any{"domain": domain}, st.ctx, &n)
		if err != nil {
			return fmt.Errorf("odoo: read %s: count: %w", r.req.Stream, err)
		}
		r.noteStart(date)
		if st.perRoot != nil {
			k, err := st.perRoot(ctx, r)
			if err != nil {
				return err
			}
			n *= k
		}
		p.Total = n
	}
	for {
		page := append(slices.Clone(domain), []any{"id", ">", p.Last})
		var ids []int64
		date, err := r.cl.call(ctx, st.model, "search", nil, map[string]any{"domain": page, "limit": r.cfg.PageSize, "order": "id"}, st.ctx, &ids)
		if err != nil {
			return fmt.Errorf("odoo: read %s page %d: %w", r.req.Stream, r.prog.Pages+1, err)
		}
		r.noteStart(date)
		if len(ids) > 0 {
			recs, err := st.fetch(ctx, r, ids, since)
			if err != nil {
				return fmt.Errorf("odoo: read %s page %d: %w", r.req.Stream, r.prog.Pages+1, err)
			}
			for _, rec := range recs {
				if err := r.add(rec, since); err != nil {
					return err
				}
			}
			p.Last = ids[len(ids)-1]
		}
		done := len(ids) < r.cfg.PageSize
		if err := r.flush(fmt.Sprintf("%d %s records sent, %s up to id %d", p.Sent, r.req.Stream, st.model, p.Last)); err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// noteStart records the server time of the pass's first answer.
func (r *readRun) noteStart(t time.Time) {
	if p := r.cur.Pass; p != nil && p.Start == "" {
		if t.IsZero() {
			t = r.c.now()
		}
		p.Start = t.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
}

// add queues a record of the current page unless it is older than the
// pass's lower bound or the previous pass sent this version already.
func (r *readRun) add(rec commerce.Record, since time.Time) error {
	if err := rec.Validate(); err != nil {
		return sdk.InvalidInput("odoo: read %s: %v", r.req.Stream, err).
			WithDetail("Odoo holds a record the unified model refuses; fix it in Odoo (the error names the field) or report it with the record id")
	}
	v := rec.Version()
	if !since.IsZero() && v.Before(since) {
		return nil // unchanged: only a sibling row changed
	}
	p := r.cur.Pass
	if p != nil {
		if p.Max == "" || v.After(mustTime(p.Max)) {
			p.Max = v.UTC().Format(time.RFC3339)
		}
		key := seenKey(rec)
		p.Seen = append(p.Seen, key)
		if r.skip[key] {
			return nil
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
	if p := r.cur.Pass; p != nil {
		r.prog.Total = p.Total
		r.pruneSeen()
	}
	if err := r.out.Checkpoint(r.cur.String()); err != nil {
		return err
	}
	return r.progress(message)
}

// floor is the lowest version the next pass can meet again.
func (r *readRun) floor() time.Time {
	p := r.cur.Pass
	f := mustTime(p.Max)
	if p.Start != "" {
		if s := mustTime(p.Start); s.Before(f) || p.Max == "" {
			f = s
		}
	}
	return f
}

// pruneSeen keeps Seen to the records the next pass can meet again.
func (r *readRun) pruneSeen() {
	p := r.cur.Pass
	if p == nil || len(p.Seen) == 0 || p.Max == "" {
		return
	}
	cut := r.floor().Add(-r.cfg.overlap()).Unix()
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
	if p.Max != "" || p.Start != "" {
		cand := r.floor()
		if hwm == "" || cand.After(mustTime(hwm)) {
			hwm = cand.UTC().Format(time.RFC3339)
		}
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
	msg := "done"
	if p.Skipped > 0 {
		msg = fmt.Sprintf("done; %d records without an internal reference (SKU) skipped", p.Skipped)
	}
	r.cur = cursor{V: cursorVersion, HWM: hwm, Recent: recent}
	if err := r.out.Checkpoint(r.cur.String()); err != nil {
		return err
	}
	return r.progress(msg)
}

// readIDs re-reads the given records and keeps the cursor.
func (r *readRun) readIDs(ctx context.Context, st stream) error {
	var ids []int64
	seen := map[int64]bool{}
	for _, s := range r.req.IDs {
		id, ok := st.parseID(s)
		if !ok {
			return sdk.InvalidInput("odoo: read %s: %q is not an id of this stream", r.req.Stream, s).
				WithDetail("ids look like %s,42", st.model)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for start := 0; start < len(ids); start += r.cfg.PageSize {
		var found []int64
		chunk := ids[start:min(len(ids), start+r.cfg.PageSize)]
		if _, err := r.cl.call(ctx, st.model, "search", nil, map[string]any{"domain": []any{[]any{"id", "in", chunk}}}, map[string]any{"active_test": false}, &found); err != nil {
			return err
		}
		slices.Sort(found)
		recs, err := st.fetch(ctx, r, found, time.Time{})
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if err := rec.Validate(); err != nil {
				return sdk.InvalidInput("odoo: read %s: %v", r.req.Stream, err)
			}
		}
		r.batch = append(r.batch, recs...)
		if err := r.flush(fmt.Sprintf("re-read %d of %d", min(len(ids), start+r.cfg.PageSize), len(ids))); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return r.out.Checkpoint(r.req.Cursor)
	}
	return nil
}
