package odootest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A domain is Odoo's search filter in Polish notation: a list of leaves
// [path, operator, value] and the operators "&", "|" and "!" before their
// operands; consecutive terms are joined with "&". Paths may follow
// relational fields with dots ("partner_id.country_id.code",
// "product_variant_ids.write_date"); a path through a one2many or
// many2many matches when any related record does.

type node interface {
	eval(tx *tx, r record) bool
	mentions(field string) bool
}

type andNode struct{ a, b node }
type orNode struct{ a, b node }
type notNode struct{ a node }
type trueNode struct{}

func (n andNode) eval(tx *tx, r record) bool { return n.a.eval(tx, r) && n.b.eval(tx, r) }
func (n orNode) eval(tx *tx, r record) bool  { return n.a.eval(tx, r) || n.b.eval(tx, r) }
func (n notNode) eval(tx *tx, r record) bool { return !n.a.eval(tx, r) }
func (trueNode) eval(*tx, record) bool       { return true }

func (n andNode) mentions(f string) bool { return n.a.mentions(f) || n.b.mentions(f) }
func (n orNode) mentions(f string) bool  { return n.a.mentions(f) || n.b.mentions(f) }
func (n notNode) mentions(f string) bool { return n.a.mentions(f) }
func (trueNode) mentions(string) bool    { return false }

type leaf struct {
	model *modelDef
	path  []*fieldDef
	op    string
	value any
	raw   string
	like  *regexp.Regexp
	// when is the value as a time for datetime comparisons
	when    time.Time
	hasWhen bool
}

func (l *leaf) mentions(f string) bool { return len(l.path) == 1 && l.path[0].name == f }

var ops = []string{"=", "!=", "<", "<=", ">", ">=", "in", "not in", "like", "not like", "ilike", "not ilike", "=like", "=ilike"}

// compileDomain parses a JSON domain for model m.
func compileDomain(tx *tx, m *modelDef, domain any) (node, error) {
	if domain == nil || domain == false {
		return trueNode{}, nil
	}
	items, ok := domain.([]any)
	if !ok {
		return nil, valueError("Domains to normalize must have a 'domain' form: a list or tuple of domain components")
	}
	p := &domainParser{tx: tx, m: m, items: items}
	var terms []node
	for p.i < len(items) {
		n, err := p.parse()
		if err != nil {
			return nil, err
		}
		terms = append(terms, n)
	}
	if len(terms) == 0 {
		return trueNode{}, nil
	}
	out := terms[0]
	for _, t := range terms[1:] {
		out = andNode{out, t}
	}
	return out, nil
}

type domainParser struct {
	tx    *tx
	m     *modelDef
	items []any
	i     int
}

func (p *domainParser) parse() (node, error) {
	if p.i >= len(p.items) {
		return nil, valueError("Domain %s is syntactically not correct: an operator lacks operands", short(p.items))
	}
	it := p.items[p.i]
	p.i++
	if s, ok := it.(string); ok {
		switch s {
		case "&", "|":
			a, err := p.parse()
			if err != nil {
				return nil, err
			}
			b, err := p.parse()
			if err != nil {
				return nil, err
			}
			if s == "&" {
				return andNode{a, b}, nil
			}
			return orNode{a, b}, nil
		case "!":
			a, err := p.parse()
			if err != nil {
				return nil, err
			}
			return notNode{a}, nil
		}
		return nil, valueError("Invalid domain operator %q", s)
	}
	arr, ok := it.([]any)
	if !ok || len(arr) != 3 {
		return nil, valueError("Invalid leaf %s", short(it))
	}
	path, ok := arr[0].(string)
	op, ok2 := arr[1].(string)
	if !ok || !ok2 {
		return nil, valueError("Invalid leaf %s", short(it))
	}
	op = strings.ToLower(op)
	if !slices.Contains(ops, op) {
		return nil, valueError("Invalid leaf %s: operator %q is not supported", short(it), op)
	}
	l := &leaf{model: p.m, op: op, value: arr[2], raw: short(it)}
	m := p.m
	for i, name := range strings.Split(path, ".") {
		f := m.fields[name]
		if f == nil {
			return nil, valueError("Invalid field %s.%s in leaf %s", m.name, name, short(it))
		}
		l.path = append(l.path, f)
		if i < len(strings.Split(path, "."))-1 {
			if f.relation == "" {
				return nil, valueError("Invalid path %q in leaf %s: %s is not relational", path, short(it), name)
			}
			m = p.tx.db.tables[f.relation].def
		}
	}
	last := l.path[len(l.path)-1]
	if strings.Contains(op, "like") {
		s, _ := arr[2].(string)
		pat := s
		if op == "like" || op == "ilike" || op == "not like" || op == "not ilike" {
			pat = "%" + s + "%"
		}
		re := "^" + regexp.QuoteMeta(pat) + "$"
		re = strings.ReplaceAll(strings.ReplaceAll(re, "%", ".*"), "_", ".")
		if strings.Contains(op, "ilike") {
			re = "(?is)" + re
		} else {
			re = "(?s)" + re
		}
		l.like = regexp.MustCompile(re)
	}
	if last.typ == tDatetime {
		if s, ok := arr[2].(string); ok {
			t, err := time.Parse(dtLayout, s)
			if err != nil {
				t, err = time.Parse("2006-01-02", s)
			}
			if err != nil {
				return nil, valueError("Invalid datetime %q in leaf %s: use 'YYYY-MM-DD HH:MM:SS' in UTC", s, short(it))
			}
			l.when, l.hasWhen = t.UTC(), true
		}
	}
	return l, nil
}

func (l *leaf) eval(tx *tx, r record) bool {
	return l.evalPath(tx, l.model.name, r, 0)
}

func (l *leaf) evalPath(tx *tx, model string, r record, depth int) bool {
	f := l.path[depth]
	if depth == len(l.path)-1 {
		return l.test(tx, model, f, tx.value(model, r, f))
	}
	var ids []int64
	switch v := tx.value(model, r, f).(type) {
	case int64:
		if v != 0 {
			ids = []int64{v}
		}
	case []int64:
		ids = v
	}
	if len(ids) == 0 {
		return false // no related record to test
	}
	for _, id := range ids {
		rr := tx.get(f.relation, id)
		if rr != nil && l.evalPath(tx, f.relation, rr, depth+1) {
			return true
		}
	}
	return false
}

// test compares one value of field f with the leaf's operand.
func (l *leaf) test(tx *tx, model string, f *fieldDef, v any) bool {
	switch f.typ {
	case tM2O:
		id, _ := v.(int64)
		switch l.value.(type) {
		case string:
			name := ""
			if id != 0 {
				name = tx.displayName(f.relation, id)
			}
			return l.cmpString(name)
		}
		return l.cmpIDs([]int64{id}, id == 0)
	case tO2M, tM2M:
		ids, _ := v.([]int64)
		return l.cmpIDs(ids, len(ids) == 0)
	}
	empty := isEmpty(v)
	if b, ok := v.(bool); ok {
		empty = !b
	}
	switch l.value {
	case false, nil:
		switch l.op {
		case "=":
			return empty
		case "!=":
			return !empty
		}
	}
	switch x := v.(type) {
	case string:
		return l.cmpString(x)
	case int64:
		return l.cmpNumber(float64(x))
	case float64:
		return l.cmpNumber(x)
	case bool:
		want, ok := l.value.(bool)
		if !ok {
			return false
		}
		switch l.op {
		case "=":
			return x == want
		case "!=":
			return x != want
		}
		return false
	case time.Time:
		if !l.hasWhen {
			return l.op == "!=" && !x.IsZero()
		}
		if x.IsZero() {
			return l.op == "!="
		}
		// Odoo compares in SQL with the stored precision (microseconds)
		// against a value given to the second.
		return cmpResult(l.op, x.Compare(l.when))
	}
	return false
}

func cmpResult(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

func (l *leaf) cmpString(s string) bool {
	if l.like != nil {
		m := l.like.MatchString(s)
		if strings.HasPrefix(l.op, "not ") {
			return !m
		}
		return m
	}
	switch want := l.value.(type) {
	case string:
		return cmpResult(l.op, strings.Compare(s, want))
	case []any:
		in := false
		for _, x := range want {
			if xs, ok := x.(string); ok && xs == s {
				in = true
			}
		}
		if l.op == "in" {
			return in
		}
		if l.op == "not in" {
			return !in
		}
	case bool:
		if !want {
			return cmpResult(l.op, strings.Compare(s, ""))
		}
	}
	return false
}

func (l *leaf) cmpNumber(x float64) bool {
	switch want := l.value.(type) {
	case float64:
		switch {
		case x < want:
			return cmpResult(l.op, -1)
		case x > want:
			return cmpResult(l.op, 1)
		}
		return cmpResult(l.op, 0)
	case []any:
		in := false
		for _, y := range want {
			if yf, ok := y.(float64); ok && yf == x {
				in = true
			}
		}
		if l.op == "in" {
			return in
		}
		if l.op == "not in" {
			return !in
		}
	}
	return false
}

// cmpIDs compares related ids with the operand: an id, a list of ids or
// false.
func (l *leaf) cmpIDs(ids []int64, empty bool) bool {
	var want []int64
	isFalse := false
	switch x := l.value.(type) {
	case float64:
		want = []int64{int64(x)}
	case []any:
		for _, y := range x {
			if yf, ok := y.(float64); ok {
				want = append(want, int64(yf))
			}
		}
	case bool:
		isFalse = !x
	case nil:
		isFalse = true
	default:
		return false
	}
	any := false
	for _, id := range ids {
		if id != 0 && slices.Contains(want, id) {
			any = true
		}
	}
	switch l.op {
	case "=":
		if isFalse {
			return empty
		}
		return any
	case "in":
		return any
	case "!=":
		if isFalse {
			return !empty
		}
		return !any
	case "not in":
		return !any
	}
	return false
}

func (l *leaf) String() string { return fmt.Sprintf("leaf %s", l.raw) }
