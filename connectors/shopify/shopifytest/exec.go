package shopifytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// gqlError is one entry of a GraphQL response's "errors", in Shopify's shape.
type gqlError struct {
	Message    string         `json:"message"`
	Locations  []errLocation  `json:"locations,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

type errLocation struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

func errAt(s *selection, code, format string, args ...any) gqlError {
	e := gqlError{Message: fmt.Sprintf(format, args...)}
	if s != nil {
		e.Locations = []errLocation{{s.line, s.col}}
	}
	if code != "" {
		e.Extensions = map[string]any{"code": code}
	}
	return e
}

// enumValue is an enum literal from a document.
type enumValue string

// request is a parsed, validated GraphQL request.
type request struct {
	doc       *document
	op        *operation
	vars      map[string]any
	cost      int // requested cost
	bulkQuery bool
}

// parseRequest reads a GraphQL request body (JSON with query, variables and
// operationName, or a raw application/graphql document).
func parseRequest(body []byte, contentType string) (*request, []gqlError) {
	var in struct {
		Query         string          `json:"query"`
		Variables     json.RawMessage `json:"variables"`
		OperationName string          `json:"operationName"`
	}
	if strings.HasPrefix(contentType, "application/graphql") {
		in.Query = string(body)
	} else {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			return nil, []gqlError{{Message: "Invalid JSON in request body: " + err.Error(), Extensions: map[string]any{"code": "BAD_REQUEST"}}}
		}
	}
	if strings.TrimSpace(in.Query) == "" {
		return nil, []gqlError{{Message: "No query string was present", Extensions: map[string]any{"code": "BAD_REQUEST"}}}
	}
	doc, err := parseDocument(in.Query)
	if err != nil {
		e := gqlError{Message: err.Error(), Extensions: map[string]any{"code": "parseError"}}
		if se, ok := err.(*syntaxError); ok {
			e.Message = fmt.Sprintf("Parse error on %q at [%d, %d]", se.msg, se.line, se.col)
			e.Locations = []errLocation{{se.line, se.col}}
		}
		return nil, []gqlError{e}
	}
	var op *operation
	if in.OperationName != "" {
		for _, o := range doc.ops {
			if o.name == in.OperationName {
				op = o
			}
		}
		if op == nil {
			return nil, []gqlError{{Message: fmt.Sprintf("No operation named %q", in.OperationName)}}
		}
	} else if len(doc.ops) > 1 {
		return nil, []gqlError{{Message: "An operation name is required when the document has several operations"}}
	} else {
		op = doc.ops[0]
	}
	if op.kind == "subscription" {
		return nil, []gqlError{{Message: "Subscriptions are not supported by the Admin API"}}
	}
	vars := map[string]any{}
	if len(in.Variables) > 0 && string(in.Variables) != "null" {
		dec := json.NewDecoder(bytes.NewReader(in.Variables))
		dec.UseNumber()
		var raw map[string]any
		if err := dec.Decode(&raw); err != nil {
			return nil, []gqlError{{Message: "Variables must be a JSON object: " + err.Error(), Extensions: map[string]any{"code": "BAD_REQUEST"}}}
		}
		for k, v := range raw {
			vars[k] = normaliseJSON(v)
		}
	}
	req := &request{doc: doc, op: op, vars: map[string]any{}}
	var errs []gqlError
	for _, vd := range op.vars {
		v, given := vars[vd.name]
		if !given && vd.def != nil {
			v, given = valueToGo(*vd.def, nil), true
		}
		if (!given || v == nil) && vd.nonNull {
			errs = append(errs, gqlError{Message: fmt.Sprintf("Variable $%s of type %s was provided invalid value", vd.name, vd.typ),
				Locations: []errLocation{{vd.line, 1}}, Extensions: map[string]any{"code": "INVALID_VARIABLE", "value": nil,
					"problems": []any{map[string]any{"path": []any{}, "explanation": "Expected value to not be null"}}}})
			continue
		}
		if given {
			if msg := checkVarType(vd, v); msg != "" {
				errs = append(errs, gqlError{Message: fmt.Sprintf("Variable $%s of type %s was provided invalid value", vd.name, vd.typ),
					Locations: []errLocation{{vd.line, 1}}, Extensions: map[string]any{"code": "INVALID_VARIABLE",
						"problems": []any{map[string]any{"path": []any{}, "explanation": msg}}}})
				continue
			}
			req.vars[vd.name] = v
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return req, nil
}

// checkVarType checks the scalar kinds of a variable's value.
func checkVarType(vd varDef, v any) string {
	if v == nil {
		return ""
	}
	if strings.HasPrefix(vd.typ, "[") {
		if _, ok := v.([]any); !ok {
			return "Expected a list"
		}
		return ""
	}
	switch vd.typeBase {
	case "Int":
		if _, ok := v.(int64); !ok {
			return fmt.Sprintf("Could not coerce value %v to Int", v)
		}
	case "String", "ID", "DateTime", "URL":
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("Could not coerce value %v to %s", v, vd.typeBase)
		}
	case "Boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("Could not coerce value %v to Boolean", v)
		}
	}
	return ""
}

func normaliseJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = normaliseJSON(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = normaliseJSON(x[k])
		}
		return x
	}
	return v
}

// valueToGo evaluates a literal with variables.
func valueToGo(v value, vars map[string]any) any {
	switch v.kind {
	case valVariable:
		return vars[v.text]
	case valInt:
		i, err := strconv.ParseInt(v.text, 10, 64)
		if err != nil {
			f, _ := strconv.ParseFloat(v.text, 64)
			return f
		}
		return i
	case valFloat:
		f, _ := strconv.ParseFloat(v.text, 64)
		return f
	case valString:
		return v.text
	case valBool:
		return v.b
	case valNull:
		return nil
	case valEnum:
		return enumValue(v.text)
	case valList:
		out := make([]any, len(v.list))
		for i, x := range v.list {
			out[i] = valueToGo(x, vars)
		}
		return out
	case valObject:
		out := make(map[string]any, len(v.fields))
		for _, f := range v.fields {
			out[f.name] = valueToGo(f.val, vars)
		}
		return out
	}
	return nil
}

func argsOf(s *selection, vars map[string]any) map[string]any {
	if len(s.args) == 0 {
		return nil
	}
	m := make(map[string]any, len(s.args))
	for _, a := range s.args {
		m[a.name] = valueToGo(a.val, vars)
	}
	return m
}

func intArg(args map[string]any, name string) (int, bool) {
	switch x := args[name].(type) {
	case int64:
		return int(x), true
	case float64:
		return int(x), true
	}
	return 0, false
}

func strArg(args map[string]any, name string) string {
	switch x := args[name].(type) {
	case string:
		return x
	case enumValue:
		return string(x)
	}
	return ""
}

// validator checks a document against the schema and computes its
// requested cost.
type validator struct {
	req      *request
	errs     []gqlError
	visiting map[string]bool
	bulk     bool
	conns    int // connections seen (bulk limit)
	depth    int // current connection nesting (bulk limit)
	maxDepth int
}

func (v *validator) fail(e gqlError) {
	if len(v.errs) < 20 {
		v.errs = append(v.errs, e)
	}
}

// validate returns the requested cost of the operation, or errors.
func validate(req *request, bulk bool) (int, []gqlError) {
	v := &validator{req: req, visiting: map[string]bool{}, bulk: bulk}
	root := "QueryRoot"
	if req.op.kind == "mutation" {
		root = "Mutation"
	}
	cost := v.selSet(req.op.sel, root)
	if req.op.kind == "mutation" {
		cost = 0
		for _, s := range req.op.sel {
			if s.kind == selField && s.name != "__typename" {
				cost += 10
			}
		}
	}
	if bulk {
		if v.conns == 0 {
			v.fail(gqlError{Message: "Bulk queries must contain at least one connection."})
		}
		if v.conns > 5 {
			v.fail(gqlError{Message: fmt.Sprintf("Queries that contain more than 5 connections are not supported (found %d).", v.conns)})
		}
		if v.maxDepth > 3 {
			v.fail(gqlError{Message: "Queries that contain a connection field within more than 2 levels of nested connections are not supported."})
		}
	}
	return cost, v.errs
}

func (v *validator) selSet(sels []*selection, typ string) int {
	cost, other := 0, 0
	for _, s := range sels {
		switch s.kind {
		case selField:
			cost += v.field(s, typ)
		case selInline, selSpread:
			cond, inner := s.typeCond, s.sel
			if s.kind == selSpread {
				f := v.req.doc.frags[s.name]
				if f == nil {
					v.fail(errAt(s, "useAndDefineFragment", "Fragment %s was used, but not defined", s.name))
					continue
				}
				if v.visiting[s.name] {
					v.fail(errAt(s, "infiniteLoop", "Fragment %s contains an infinite loop", s.name))
					continue
				}
				v.visiting[s.name] = true
				cond, inner = f.typeCond, f.sel
			}
			if cond != "" && schema[cond] == nil {
				v.fail(errAt(s, "undefinedType", "No such type %s, so it can't be a fragment condition", cond))
			} else if !fragmentApplies(cond, typ) {
				v.fail(errAt(s, "fragmentSpreadImpossible", "Fragment on %s can't be spread inside %s", cond, typ))
			} else {
				t := typ
				if cond != "" {
					t = cond
				}
				c := v.selSet(inner, t)
				if cond == "" || cond == typ {
					cost += c
				} else {
					other = max(other, c)
				}
			}
			if s.kind == selSpread {
				delete(v.visiting, s.name)
			}
		}
	}
	return cost + other
}

func (v *validator) field(s *selection, typ string) int {
	td := schema[typ]
	fd, ok := td.fields[s.name]
	if !ok {
		e := errAt(s, "undefinedField", "Field '%s' doesn't exist on type '%s'", s.name, typ)
		e.Extensions["typeName"], e.Extensions["fieldName"] = typ, s.name
		v.fail(e)
		return 0
	}
	for _, a := range s.args {
		if !fd.args[a.name] {
			e := errAt(s, "argumentNotAccepted", "Field '%s' doesn't accept argument '%s'", s.name, a.name)
			e.Extensions["name"], e.Extensions["typeName"], e.Extensions["argumentName"] = s.name, "Field", a.name
			v.fail(e)
		}
		v.checkVars(s, a.val)
	}
	for _, d := range s.dirs {
		for _, a := range d.args {
			v.checkVars(s, a.val)
		}
	}
	if scalarTypes[fd.typ] {
		if s.sel != nil {
			v.fail(errAt(s, "selectionMismatch", "Selections can't be made on scalars (field '%s' returns %s but has selections)", s.name, fd.typ))
		}
		return 0
	}
	if s.sel == nil {
		v.fail(errAt(s, "selectionMismatch", "Field must have selections (field '%s' returns %s but has no selections. Did you mean '%s { ... }'?)", s.name, fd.typ, s.name))
		return 0
	}
	args := argsOf(s, v.req.vars)
	if isConnection(fd.typ) {
		first, okF := intArg(args, "first")
		last, okL := intArg(args, "last")
		n := max(first, last)
		if v.bulk {
			v.conns++
			v.depth++
			v.maxDepth = max(v.maxDepth, v.depth)
			defer func() { v.depth-- }()
			n = 1
		} else {
			if !okF && !okL {
				v.fail(errAt(s, "", "you must provide one of first or last"))
				return 0
			}
			if n < 0 || n > 250 {
				v.fail(errAt(s, "", "The value of first or last for %s must be between 0 and 250 (got %d)", s.name, n))
				return 0
			}
		}
		return 2 + n*v.connNodeCost(s.sel, fd.typ)
	}
	child := 1 + v.selSet(s.sel, fd.typ)
	if fd.list {
		if s.name == "nodes" && typ == "QueryRoot" {
			ids, _ := args["ids"].([]any)
			if len(ids) > 250 {
				v.fail(errAt(s, "", "The ids argument accepts at most 250 ids (got %d)", len(ids)))
			}
			return len(ids) * child
		}
		if n, ok := intArg(args, "first"); ok {
			return max(n, 1) * child
		}
	}
	return child
}

// connNodeCost is the cost of one node selected through a connection.
func (v *validator) connNodeCost(sels []*selection, connType string) int {
	node := strings.TrimSuffix(connType, "Connection")
	cost := 0
	for _, s := range sels {
		if s.kind != selField {
			// fragments on the connection type itself
			cost = max(cost, v.selSet([]*selection{s}, connType))
			continue
		}
		switch s.name {
		case "nodes":
			if s.sel == nil {
				v.fail(errAt(s, "selectionMismatch", "Field must have selections (field 'nodes' returns [%s] but has no selections)", node))
				continue
			}
			cost = max(cost, 1+v.selSet(s.sel, node))
		case "edges":
			if s.sel == nil {
				v.fail(errAt(s, "selectionMismatch", "Field must have selections (field 'edges' returns [%sEdge] but has no selections)", node))
				continue
			}
			for _, e := range s.sel {
				if e.kind == selField && e.name == "node" {
					if e.sel == nil {
						v.fail(errAt(e, "selectionMismatch", "Field must have selections (field 'node' returns %s but has no selections)", node))
						continue
					}
					cost = max(cost, 1+v.selSet(e.sel, node))
				} else {
					v.selSet([]*selection{e}, node+"Edge")
				}
			}
		default:
			v.selSet([]*selection{s}, connType)
		}
	}
	return cost
}

func (v *validator) checkVars(s *selection, val value) {
	switch val.kind {
	case valVariable:
		for _, vd := range v.req.op.vars {
			if vd.name == val.text {
				return
			}
		}
		v.fail(errAt(s, "variableNotDefined", "Variable $%s is used by %s but not declared", val.text, opName(v.req.op)))
	case valList:
		for _, x := range val.list {
			v.checkVars(s, x)
		}
	case valObject:
		for _, f := range val.fields {
			v.checkVars(s, f.val)
		}
	}
}

func opName(op *operation) string {
	if op.name != "" {
		return op.name
	}
	return "anonymous " + op.kind
}

// ---------------------------------------------------------------------
// Execution

// gqlObject is a value of an object type.
type gqlObject interface {
	typename() string
	resolve(ec *execCtx, field string, args map[string]any) (any, error)
}

// identified objects have a global id (bulk children point at it).
type identified interface{ nodeID() string }

// rawJSON is a pre-encoded scalar, e.g. a float as Shopify prints it.
type rawJSON string

// connection is a page of a connection field. Cursors are computed on
// demand from cursorOf (bulk exports never ask for them).
type connection struct {
	typ      string
	nodes    []gqlObject
	cursors  []string
	cursorOf func(i int) string
	hasNext  bool
	hasPrev  bool
}

func (c *connection) cursor(i int) string {
	if i < len(c.cursors) {
		return c.cursors[i]
	}
	if c.cursorOf != nil {
		return c.cursorOf(i)
	}
	return ""
}

func (c *connection) typename() string { return c.typ }

func (c *connection) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "nodes":
		return c.nodes, nil
	case "edges":
		out := make([]gqlObject, len(c.nodes))
		for i, n := range c.nodes {
			out[i] = &edge{typ: strings.TrimSuffix(c.typ, "Connection") + "Edge", node: n, cursor: c.cursor(i)}
		}
		return out, nil
	case "pageInfo":
		pi := &pageInfo{hasNext: c.hasNext, hasPrev: c.hasPrev}
		if len(c.nodes) > 0 {
			pi.start, pi.end = c.cursor(0), c.cursor(len(c.nodes)-1)
		}
		return pi, nil
	}
	return nil, errNoField
}

type edge struct {
	typ    string
	node   gqlObject
	cursor string
}

func (e *edge) typename() string { return e.typ }

func (e *edge) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "node":
		return e.node, nil
	case "cursor":
		return e.cursor, nil
	}
	return nil, errNoField
}

type pageInfo struct {
	hasNext, hasPrev bool
	start, end       string
}

func (p *pageInfo) typename() string { return "PageInfo" }

func (p *pageInfo) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "hasNextPage":
		return p.hasNext, nil
	case "hasPreviousPage":
		return p.hasPrev, nil
	case "startCursor":
		if p.start == "" {
			return nil, nil
		}
		return p.start, nil
	case "endCursor":
		if p.end == "" {
			return nil, nil
		}
		return p.end, nil
	}
	return nil, errNoField
}

// errNoField is returned by resolvers for a field the fake does not serve
// (validation has already accepted it as part of the schema).
var errNoField = fmt.Errorf("field not served")

// fieldError is a resolver error that becomes an entry of "errors" with the
// field set to null.
type fieldError struct {
	code string
	msg  string
}

func (e *fieldError) Error() string { return e.msg }

// execCtx executes one operation.
type execCtx struct {
	srv     *Server
	req     *request
	out     []byte
	errs    []gqlError
	actual  int
	path    []pathElem
	collect map[collectKey][]fieldGroup
	// bulk, when set, writes nested connections as separate JSONL lines.
	bulk *bulkLines
	// search holds search warnings for extensions.search.
	search []map[string]any
	// field is the field being resolved (resolvers read its directives).
	field *selection
}

// pathElem is a step of the response path: a key, or a list index when
// key is empty. Kept as a struct so that walking costs no allocation.
type pathElem struct {
	key string
	idx int
}

func (ec *execCtx) errPath() []any {
	out := make([]any, len(ec.path))
	for i, p := range ec.path {
		if p.key != "" {
			out[i] = p.key
		} else {
			out[i] = p.idx
		}
	}
	return out
}

type collectKey struct {
	first *selection
	typ   string
}

type fieldGroup struct {
	key    string
	fields []*selection
}

// collectFields merges the fields of a selection set (with its fragments)
// by response key for an object of concrete type typ.
func (ec *execCtx) collectFields(sels []*selection, typ string) []fieldGroup {
	if len(sels) == 0 {
		return nil
	}
	k := collectKey{sels[0], typ}
	if g, ok := ec.collect[k]; ok {
		return g
	}
	var groups []fieldGroup
	index := map[string]int{}
	var walk func(sels []*selection)
	walk = func(sels []*selection) {
		for _, s := range sels {
			if skipped(s.dirs, ec.req.vars) {
				continue
			}
			switch s.kind {
			case selField:
				key := s.key()
				if i, ok := index[key]; ok {
					groups[i].fields = append(groups[i].fields, s)
				} else {
					index[key] = len(groups)
					groups = append(groups, fieldGroup{key: key, fields: []*selection{s}})
				}
			case selInline:
				if runtimeMatches(s.typeCond, typ) {
					walk(s.sel)
				}
			case selSpread:
				if f := ec.req.doc.frags[s.name]; f != nil && runtimeMatches(f.typeCond, typ) {
					walk(f.sel)
				}
			}
		}
	}
	walk(sels)
	if ec.collect == nil {
		ec.collect = map[collectKey][]fieldGroup{}
	}
	ec.collect[k] = groups
	return groups
}

func skipped(dirs []directive, vars map[string]any) bool {
	for _, d := range dirs {
		if d.name != "skip" && d.name != "include" {
			continue
		}
		for _, a := range d.args {
			if a.name == "if" {
				b, _ := valueToGo(a.val, vars).(bool)
				if (d.name == "skip") == b {
					return true
				}
			}
		}
	}
	return false
}

func mergedSel(fields []*selection) []*selection {
	if len(fields) == 1 {
		return fields[0].sel
	}
	var out []*selection
	for _, f := range fields {
		out = append(out, f.sel...)
	}
	return out
}

// object writes obj with the selection set.
func (ec *execCtx) object(obj gqlObject, sels []*selection) {
	switch obj.(type) {
	case *edge, *pageInfo, queryRoot, mutationRoot:
		// free: their node, the connection or the operation carries the cost
	case *connection:
		ec.actual += 2
	default:
		ec.actual++
	}
	ec.out = append(ec.out, '{')
	first := true
	for _, g := range ec.collectFields(sels, obj.typename()) {
		f := g.fields[0]
		if ec.bulk != nil && ec.bulk.deferConnection(ec, obj, f, g) {
			continue
		}
		if !first {
			ec.out = append(ec.out, ',')
		}
		first = false
		ec.out = appendString(ec.out, g.key)
		ec.out = append(ec.out, ':')
		ec.path = append(ec.path, pathElem{key: g.key})
		ec.fieldValue(obj, f, g.fields)
		ec.path = ec.path[:len(ec.path)-1]
	}
	ec.out = append(ec.out, '}')
}

func (ec *execCtx) fieldValue(obj gqlObject, f *selection, fields []*selection) {
	if f.name == "__typename" {
		ec.out = appendString(ec.out, obj.typename())
		return
	}
	ec.field = f
	v, err := obj.resolve(ec, f.name, argsOf(f, ec.req.vars))
	if err != nil {
		e := gqlError{Message: err.Error(), Locations: []errLocation{{f.line, f.col}}, Path: ec.errPath()}
		if fe, ok := err.(*fieldError); ok && fe.code != "" {
			e.Extensions = map[string]any{"code": fe.code}
		}
		if err == errNoField {
			e.Message = fmt.Sprintf("the Shopify fake does not serve field %s.%s yet", obj.typename(), f.name)
		}
		ec.errs = append(ec.errs, e)
		ec.out = append(ec.out, "null"...)
		return
	}
	ec.value(v, fields)
}

func (ec *execCtx) value(v any, fields []*selection) {
	switch x := v.(type) {
	case nil:
		ec.out = append(ec.out, "null"...)
	case string:
		ec.out = appendString(ec.out, x)
	case enumValue:
		ec.out = appendString(ec.out, string(x))
	case bool:
		ec.out = strconv.AppendBool(ec.out, x)
	case int:
		ec.out = strconv.AppendInt(ec.out, int64(x), 10)
	case int64:
		ec.out = strconv.AppendInt(ec.out, x, 10)
	case float64:
		ec.out = strconv.AppendFloat(ec.out, x, 'f', -1, 64)
	case rawJSON:
		ec.out = append(ec.out, x...)
	case gqlObject:
		ec.object(x, mergedSel(fields))
	case []gqlObject:
		ec.out = append(ec.out, '[')
		for i, o := range x {
			if i > 0 {
				ec.out = append(ec.out, ',')
			}
			ec.path = append(ec.path, pathElem{idx: i})
			ec.object(o, mergedSel(fields))
			ec.path = ec.path[:len(ec.path)-1]
		}
		ec.out = append(ec.out, ']')
	case nullableList:
		ec.out = append(ec.out, '[')
		for i, o := range x {
			if i > 0 {
				ec.out = append(ec.out, ',')
			}
			if o == nil {
				ec.out = append(ec.out, "null"...)
				continue
			}
			ec.path = append(ec.path, pathElem{idx: i})
			ec.object(o, mergedSel(fields))
			ec.path = ec.path[:len(ec.path)-1]
		}
		ec.out = append(ec.out, ']')
	case []string:
		ec.out = append(ec.out, '[')
		for i, s := range x {
			if i > 0 {
				ec.out = append(ec.out, ',')
			}
			ec.out = appendString(ec.out, s)
		}
		ec.out = append(ec.out, ']')
	default:
		b, _ := json.Marshal(x)
		ec.out = append(ec.out, b...)
	}
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, fmt.Sprintf(`\u%04x`, c)...)
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, fmt.Sprintf(`\u%04x`, r)...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
