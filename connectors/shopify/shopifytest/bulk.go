package shopifytest

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bulk operations: bulkOperationRunQuery validates the query with the bulk
// rules (no first/after needed, at most five connections, two levels of
// nesting), writes the JSON Lines file in the background (nested
// connection nodes on their own lines after their parent, with
// __parentId), and serves it from a signed URL that expires after a week.

type bulkOperation struct {
	mu          sync.Mutex
	id          int64
	status      string
	errorCode   string
	createdAt   time.Time
	completedAt *time.Time
	query       string
	objects     int64
	roots       int64
	size        int64
	path        string
	cancelled   chan struct{}
	reg         *bulkRegistry
}

func (op *bulkOperation) typename() string { return "BulkOperation" }

func (op *bulkOperation) nodeID() string { return gid("BulkOperation", op.id) }

func (op *bulkOperation) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	op.mu.Lock()
	defer op.mu.Unlock()
	switch field {
	case "id":
		return op.nodeID(), nil
	case "status":
		return enumValue(op.status), nil
	case "errorCode":
		if op.errorCode == "" {
			return nil, nil
		}
		return enumValue(op.errorCode), nil
	case "createdAt":
		return gqlTime(op.createdAt), nil
	case "completedAt":
		return optTime(op.completedAt), nil
	case "objectCount":
		return strconv.FormatInt(op.objects, 10), nil
	case "rootObjectCount":
		return strconv.FormatInt(op.roots, 10), nil
	case "fileSize":
		if op.status != "COMPLETED" {
			return nil, nil
		}
		return strconv.FormatInt(op.size, 10), nil
	case "url":
		if op.status != "COMPLETED" || op.objects == 0 {
			return nil, nil
		}
		return op.reg.signedURL(op), nil
	case "partialDataUrl":
		return nil, nil
	case "query":
		return op.query, nil
	case "type":
		return enumValue("QUERY"), nil
	}
	return nil, errNoField
}

type bulkRegistry struct {
	s   *Server
	mu  sync.Mutex
	seq int64
	ops map[int64]*bulkOperation
	wg  sync.WaitGroup
	key [16]byte
}

func (b *bulkRegistry) wait() { b.wg.Wait() }

func (b *bulkRegistry) current() *bulkOperation {
	b.mu.Lock()
	defer b.mu.Unlock()
	var last *bulkOperation
	for _, op := range b.ops {
		if last == nil || op.id > last.id {
			last = op
		}
	}
	return last
}

func (b *bulkRegistry) byGID(g string) *bulkOperation {
	typ, id, _, ok := parseGID(g)
	if !ok || typ != "BulkOperation" {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ops[id]
}

func (b *bulkRegistry) signature(id int64, expires int64) string {
	m := hmac.New(sha256.New, b.key[:])
	fmt.Fprintf(m, "%d:%d", id, expires)
	return hex.EncodeToString(m.Sum(nil))[:32]
}

func (b *bulkRegistry) signedURL(op *bulkOperation) string {
	exp := op.completedAt.Add(7 * 24 * time.Hour).Unix()
	return fmt.Sprintf("%s/bulk-operation-outputs/%d-final?GoogleAccessId=shopifytest&Expires=%d&Signature=%s",
		b.s.URL, op.id, exp, b.signature(op.id, exp))
}

const bulkPT, bulkET = "BulkOperationRunQueryPayload", "BulkOperationUserError"

// run starts a bulk query operation.
func (b *bulkRegistry) run(ec *execCtx, args map[string]any) (any, error) {
	q := strArg(args, "query")
	doc, err := parseDocument(q)
	if err != nil {
		return failed(bulkPT, bulkET, "INVALID", "Invalid bulk query: "+err.Error(), "query"), nil
	}
	if len(doc.ops) != 1 || doc.ops[0].kind != "query" {
		return failed(bulkPT, bulkET, "INVALID", "Bulk queries must contain exactly one query operation.", "query"), nil
	}
	req := &request{doc: doc, op: doc.ops[0], vars: map[string]any{}}
	if _, errs := validate(req, true); len(errs) > 0 {
		return failed(bulkPT, bulkET, "INVALID", "Invalid bulk query: "+errs[0].Message, "query"), nil
	}
	var roots []*selection
	for _, s := range req.op.sel {
		if s.kind == selField && s.name != "__typename" {
			roots = append(roots, s)
		}
	}
	if len(roots) != 1 {
		return failed(bulkPT, bulkET, "INVALID", "Bulk queries must select exactly one top-level field.", "query"), nil
	}
	root := roots[0]
	switch root.name {
	case "orders", "products", "locations", "inventoryItems":
	default:
		return failed(bulkPT, bulkET, "INVALID", fmt.Sprintf("The Shopify fake cannot run bulk queries on %s.", root.name), "query"), nil
	}
	b.mu.Lock()
	running := 0
	for _, op := range b.ops {
		op.mu.Lock()
		if op.status == "CREATED" || op.status == "RUNNING" {
			running++
		}
		op.mu.Unlock()
	}
	if running >= 5 {
		b.mu.Unlock()
		return failed(bulkPT, bulkET, "OPERATION_IN_PROGRESS", "Five bulk query operations are already running for this app and shop.", "query"), nil
	}
	b.seq++
	op := &bulkOperation{id: 4472588000000 + b.seq, status: "CREATED", createdAt: ec.srv.st.stamp(), query: q, cancelled: make(chan struct{}), reg: b}
	b.ops[op.id] = op
	b.mu.Unlock()
	b.s.stats.bulk.Add(1)
	b.wg.Add(1)
	go b.generate(op, req, root)
	return &payload{typ: bulkPT, fields: map[string]any{"bulkOperation": op}}, nil
}

func (b *bulkRegistry) cancel(g string) gqlObject {
	op := b.byGID(g)
	if op == nil {
		return failed("BulkOperationCancelPayload", "UserError", "", "Bulk operation does not exist", "id")
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.status != "CREATED" && op.status != "RUNNING" {
		return failed("BulkOperationCancelPayload", "UserError", "", "A bulk operation cannot be canceled when it is "+strings.ToLower(op.status), "id")
	}
	op.status = "CANCELING"
	close(op.cancelled)
	return &payload{typ: "BulkOperationCancelPayload", fields: map[string]any{"bulkOperation": op}}
}

func (b *bulkRegistry) finish(op *bulkOperation, status, code string) {
	op.mu.Lock()
	if op.status == "CANCELING" {
		status, code = "CANCELED", ""
	}
	op.status, op.errorCode = status, code
	now := b.s.opts.Clock().UTC().Truncate(time.Second)
	op.completedAt = &now
	op.mu.Unlock()
	body := fmt.Sprintf(`{"admin_graphql_api_id":%q,"completed_at":%q,"created_at":%q,"error_code":%s,"status":%q,"type":"query"}`,
		op.nodeID(), b.s.restTime(now), b.s.restTime(op.createdAt), jsonOrNull(strings.ToLower(code)), strings.ToLower(status))
	b.s.hooks.enqueue("bulk_operations/finish", []byte(body))
}

func jsonOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return strconv.Quote(s)
}

// generate writes the operation's JSONL file.
func (b *bulkRegistry) generate(op *bulkOperation, req *request, root *selection) {
	defer b.wg.Done()
	s := b.s
	op.mu.Lock()
	op.status = "RUNNING"
	op.mu.Unlock()
	f, err := os.CreateTemp(s.tmp, "bulk-*.jsonl")
	if err != nil {
		b.finish(op, "FAILED", "INTERNAL_SERVER_ERROR")
		return
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<16)
	ec := &execCtx{srv: s, req: req, bulk: &bulkLines{}}
	nodeSel := connectionNodeSel(root.sel)
	args := argsOf(root, req.vars)
	var objects, roots int64
	emit := func(obj gqlObject) bool {
		objects += int64(ec.bulkLine(w, obj, nodeSel, ""))
		roots++
		select {
		case <-op.cancelled:
			return false
		case <-s.closed:
			return false
		default:
			return true
		}
	}
	if err := s.bulkIterate(root.name, args, emit); err != nil {
		b.finish(op, "FAILED", "INTERNAL_SERVER_ERROR")
		return
	}
	if err := w.Flush(); err != nil {
		b.finish(op, "FAILED", "INTERNAL_SERVER_ERROR")
		return
	}
	faults := s.Faults()
	if faults.BulkEmptyFile {
		f.Truncate(0)
	}
	st, _ := f.Stat()
	op.mu.Lock()
	op.objects, op.roots, op.path = objects, roots, f.Name()
	if st != nil {
		op.size = st.Size()
	}
	op.mu.Unlock()
	if s.opts.BulkDelay > 0 {
		select {
		case <-time.After(s.opts.BulkDelay):
		case <-op.cancelled:
		case <-s.closed:
		}
	}
	if faults.BulkFail {
		b.finish(op, "FAILED", "INTERNAL_SERVER_ERROR")
		return
	}
	b.finish(op, "COMPLETED", "")
}

// connectionNodeSel returns the node selection of a connection's selection
// set (nodes { … } or edges { node { … } }).
func connectionNodeSel(sels []*selection) []*selection {
	var out []*selection
	for _, s := range sels {
		if s.kind != selField {
			continue
		}
		switch s.name {
		case "nodes":
			out = append(out, s.sel...)
		case "edges":
			for _, e := range s.sel {
				if e.kind == selField && e.name == "node" {
					out = append(out, e.sel...)
				}
			}
		}
	}
	return out
}

// bulkIterate calls emit for every root object of a bulk query, holding the
// read lock for a chunk at a time so writers are not starved.
func (s *Server) bulkIterate(field string, args map[string]any, emit func(gqlObject) bool) error {
	sq, err := parseSearch(strArg(args, "query"), "sku", "status", "id")
	if err != nil {
		return err
	}
	switch field {
	case "orders":
		var after int64
		byUpdated := strArg(args, "sortKey") == "UPDATED_AT"
		var key *orderKey
		for {
			s.st.mu.RLock()
			var idxs []int
			if byUpdated {
				idxs = s.st.ordersByUpdated(key, sq.updated, 256)
			} else {
				idxs = s.st.ordersByID(after, sq.updated, 256)
			}
			for _, i := range idxs {
				o := s.st.get(i)
				after = o.id
				key = &orderKey{upd: o.updatedAt, id: o.id, idx: i}
				if !emit(&orderObj{o: o, s: s}) {
					s.st.mu.RUnlock()
					return nil
				}
			}
			s.st.mu.RUnlock()
			if len(idxs) < 256 {
				return nil
			}
		}
	case "products":
		s.st.mu.RLock()
		defer s.st.mu.RUnlock()
		for _, p := range s.st.cat.products {
			if sq.updated.lowOK(p.updatedAt) && sq.updated.highOK(p.updatedAt) && !emit(&productObj{p: p, s: s}) {
				return nil
			}
		}
	case "locations":
		s.st.mu.RLock()
		defer s.st.mu.RUnlock()
		inactive, _ := args["includeInactive"].(bool)
		for _, l := range s.st.cat.locations {
			if (l.active || inactive) && !emit(&locationObj{l: l, s: s}) {
				return nil
			}
		}
	case "inventoryItems":
		s.st.mu.RLock()
		defer s.st.mu.RUnlock()
		for _, v := range s.st.cat.variants {
			if !emit(&inventoryItemObj{v: v, s: s}) {
				return nil
			}
		}
	}
	return nil
}

// bulkLines collects nested connection nodes while a line is written.
type bulkLines struct {
	pending []bulkChild
}

type bulkChild struct {
	obj    gqlObject
	sel    []*selection
	parent string
}

// deferConnection takes a connection field out of the line being written
// and queues its nodes as child lines.
func (bl *bulkLines) deferConnection(ec *execCtx, obj gqlObject, f *selection, g fieldGroup) bool {
	td := schema[obj.typename()]
	if td == nil {
		return false
	}
	fd, ok := td.fields[f.name]
	if !ok || !isConnection(fd.typ) {
		return false
	}
	args := argsOf(f, ec.req.vars)
	delete(args, "first")
	v, err := obj.resolve(ec, f.name, args)
	conn, ok := v.(*connection)
	if err != nil || !ok {
		return true
	}
	parent := ""
	if id, ok := obj.(identified); ok {
		parent = id.nodeID()
	}
	sel := connectionNodeSel(mergedSel(g.fields))
	for _, n := range conn.nodes {
		bl.pending = append(bl.pending, bulkChild{obj: n, sel: sel, parent: parent})
	}
	return true
}

// bulkLine writes obj as one JSONL line and its nested connection nodes as
// the lines after it; it returns the number of lines written.
func (ec *execCtx) bulkLine(w io.Writer, obj gqlObject, sel []*selection, parent string) int {
	saved := ec.bulk.pending
	ec.bulk.pending = nil
	ec.out = ec.out[:0]
	ec.object(obj, sel)
	if parent != "" {
		ec.out = ec.out[:len(ec.out)-1]
		if len(ec.out) > 1 {
			ec.out = append(ec.out, ',')
		}
		ec.out = append(ec.out, `"__parentId":`...)
		ec.out = appendString(ec.out, parent)
		ec.out = append(ec.out, '}')
	}
	ec.out = append(ec.out, '\n')
	w.Write(ec.out)
	children := ec.bulk.pending
	ec.bulk.pending = saved
	n := 1
	for _, c := range children {
		n += ec.bulkLine(w, c.obj, c.sel, c.parent)
	}
	return n
}

// serveBulkFile serves a completed operation's file from its signed URL.
func (s *Server) serveBulkFile(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/bulk-operation-outputs/")
	idStr, _, _ := strings.Cut(name, "-")
	id, err := strconv.ParseInt(idStr, 10, 64)
	q := r.URL.Query()
	exp, err2 := strconv.ParseInt(q.Get("Expires"), 10, 64)
	s.bulks.mu.Lock()
	op := s.bulks.ops[id]
	s.bulks.mu.Unlock()
	denied := func(code, msg string) {
		w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code><Message>%s</Message></Error>", code, msg)
	}
	if err != nil || err2 != nil || op == nil || !hmac.Equal([]byte(q.Get("Signature")), []byte(s.bulks.signature(id, exp))) {
		denied("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	}
	if s.opts.Clock().Unix() > exp {
		denied("ExpiredToken", "The provided token has expired.")
		return
	}
	op.mu.Lock()
	path := op.path
	op.mu.Unlock()
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, "bulk file is gone", http.StatusNotFound)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/jsonl")
	http.ServeContent(w, r, "", time.Time{}, f)
}
