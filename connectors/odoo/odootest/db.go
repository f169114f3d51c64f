package odootest

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Field types, as fields_get names them.
const (
	tChar      = "char"
	tText      = "text"
	tHTML      = "html"
	tInt       = "integer"
	tFloat     = "float"
	tMonetary  = "monetary"
	tBool      = "boolean"
	tDate      = "date"
	tDatetime  = "datetime"
	tSelection = "selection"
	tM2O       = "many2one"
	tO2M       = "one2many"
	tM2M       = "many2many"
)

// fieldDef describes one field of a fake model.
type fieldDef struct {
	name, typ, label string
	relation         string // comodel of relational fields
	inverse          string // many2one on the comodel of a one2many
	required         bool
	readonly         bool // computed: refused in create and write
	selection        []string
	def              func(tx *tx, vals record) any // default on create
	// compute, for a readonly field that is not stored, returns its value
	// from the row (related and computed fields).
	compute func(tx *tx, r record) any
}

// modelDef describes a fake model: its fields and business hooks.
type modelDef struct {
	name, label string
	fields      map[string]*fieldDef
	order       []string // field names in declaration order
	recName     string
	// after runs after a create or write of ids in this model, inside the
	// call's transaction, to recompute stored computed fields.
	after func(tx *tx, ids []int64) error
	// display computes display_name; recName is used when nil.
	display func(tx *tx, r record) string
	// writeCheck refuses a write of vals to the record (business rules).
	writeCheck func(tx *tx, id int64, vals record) error
	// unlinkCheck refuses a deletion.
	unlinkCheck func(tx *tx, id int64) error
}

func (m *modelDef) field(name string) *fieldDef { return m.fields[name] }

// add declares fields in order.
func (m *modelDef) add(fs ...*fieldDef) *modelDef {
	for _, f := range fs {
		if m.fields == nil {
			m.fields = map[string]*fieldDef{}
		}
		if _, dup := m.fields[f.name]; !dup {
			m.order = append(m.order, f.name)
		}
		m.fields[f.name] = f
	}
	return m
}

// record is one row: field name to value. Values are string (char, text,
// html, selection, date), int64 (integer, many2one id; 0 is false), float64
// (float, monetary), bool, time.Time (datetime; zero is false) and []int64
// (many2many). One2many fields are not stored: they are the rows of the
// comodel whose inverse points here.
type record map[string]any

type table struct {
	def  *modelDef
	rows map[int64]record
	next int64
	ids  []int64 // sorted, for deterministic scans
	// gen counts changes; the children indexes are rebuilt when it moves.
	gen   uint64
	idxMu sync.Mutex
	idx   map[string]*childIndex
}

// childIndex maps a many2one's value to the rows holding it, for one2many
// lookups.
type childIndex struct {
	gen      uint64
	byParent map[int64][]int64
}

// byParent returns the ids of rows whose many2one field is id.
func (t *table) byParent(field string, id int64) []int64 {
	t.idxMu.Lock()
	defer t.idxMu.Unlock()
	ci := t.idx[field]
	if ci == nil || ci.gen != t.gen {
		ci = &childIndex{gen: t.gen, byParent: map[int64][]int64{}}
		for _, cid := range t.ids {
			if v, _ := t.rows[cid][field].(int64); v != 0 {
				ci.byParent[v] = append(ci.byParent[v], cid)
			}
		}
		if t.idx == nil {
			t.idx = map[string]*childIndex{}
		}
		t.idx[field] = ci
	}
	return ci.byParent[id]
}

// db is the fake's database. Calls run inside a tx that undoes every change
// when the call fails, as Odoo rolls back the transaction of a failed RPC.
type db struct {
	tables  map[string]*table
	clock   func() time.Time
	version int // major version: 17, 18 or 19
}

func newDB(clock func() time.Time, version int) *db {
	return &db{tables: map[string]*table{}, clock: clock, version: version}
}

func (d *db) define(m *modelDef) {
	m.add(
		&fieldDef{name: "id", typ: tInt, label: "ID", readonly: true},
		&fieldDef{name: "display_name", typ: tChar, label: "Display Name", readonly: true},
		&fieldDef{name: "create_date", typ: tDatetime, label: "Created on", readonly: true},
		&fieldDef{name: "write_date", typ: tDatetime, label: "Last Updated on", readonly: true},
	)
	if m.recName == "" {
		m.recName = "name"
	}
	d.tables[m.name] = &table{def: m, rows: map[int64]record{}, next: 1}
}

func (d *db) table(model string) (*table, error) {
	t, ok := d.tables[model]
	if !ok {
		return nil, &odooError{name: "werkzeug.exceptions.NotFound", status: 404, message: fmt.Sprintf("the model %q does not exist", model)}
	}
	return t, nil
}

// tx is one RPC call's transaction.
type tx struct {
	db    *db
	user  *user
	ctx   map[string]any
	now   time.Time
	undo  []func()
	sudo  bool
	calls *callCounter
}

func (tx *tx) rollback() {
	for i := len(tx.undo) - 1; i >= 0; i-- {
		tx.undo[i]()
	}
	tx.undo = nil
}

func (tx *tx) activeTest() bool {
	if v, ok := tx.ctx["active_test"].(bool); ok {
		return v
	}
	return true
}

// get returns a row or nil.
func (tx *tx) get(model string, id int64) record {
	t := tx.db.tables[model]
	if t == nil {
		return nil
	}
	return t.rows[id]
}

// insert adds a row with a fresh id; vals must already be normalised.
func (tx *tx) insert(model string, vals record) int64 {
	t := tx.db.tables[model]
	id := t.next
	t.next++
	r := record{}
	for k, v := range vals {
		r[k] = v
	}
	r["id"] = id
	if _, ok := r["create_date"]; !ok {
		r["create_date"] = tx.now
	}
	if _, ok := r["write_date"]; !ok {
		r["write_date"] = tx.now
	}
	t.rows[id] = r
	t.gen++
	i, _ := slices.BinarySearch(t.ids, id)
	t.ids = slices.Insert(t.ids, i, id)
	tx.undo = append(tx.undo, func() {
		t.gen++
		delete(t.rows, id)
		if i, ok := slices.BinarySearch(t.ids, id); ok {
			t.ids = slices.Delete(t.ids, i, i+1)
		}
		if t.next == id+1 {
			t.next = id
		}
	})
	return id
}

// set changes one value of a row and moves its write_date.
func (tx *tx) set(model string, id int64, field string, v any) {
	t := tx.db.tables[model]
	r := t.rows[id]
	old, had := r[field]
	oldWD := r["write_date"]
	r[field] = v
	t.gen++
	if field != "write_date" {
		r["write_date"] = tx.now
	}
	tx.undo = append(tx.undo, func() {
		t.gen++
		if had {
			r[field] = old
		} else {
			delete(r, field)
		}
		r["write_date"] = oldWD
	})
}

// remove deletes a row.
func (tx *tx) remove(model string, id int64) {
	t := tx.db.tables[model]
	r := t.rows[id]
	delete(t.rows, id)
	t.gen++
	i, ok := slices.BinarySearch(t.ids, id)
	if ok {
		t.ids = slices.Delete(t.ids, i, i+1)
	}
	tx.undo = append(tx.undo, func() {
		t.gen++
		t.rows[id] = r
		j, _ := slices.BinarySearch(t.ids, id)
		t.ids = slices.Insert(t.ids, j, id)
	})
}

// children returns the ids of comodel rows whose inverse field is id.
func (tx *tx) children(f *fieldDef, id int64) []int64 {
	t := tx.db.tables[f.relation]
	all := t.byParent(f.inverse, id)
	_, hasActive := t.def.fields["active"]
	if !hasActive || !tx.activeTest() {
		return slices.Clone(all)
	}
	out := make([]int64, 0, len(all))
	for _, cid := range all {
		if a, _ := t.rows[cid]["active"].(bool); a {
			out = append(out, cid)
		}
	}
	return out
}

// displayName returns a row's display name.
func (tx *tx) displayName(model string, id int64) string {
	t := tx.db.tables[model]
	r := t.rows[id]
	if r == nil {
		return ""
	}
	if t.def.display != nil {
		return t.def.display(tx, r)
	}
	s, _ := r[t.def.recName].(string)
	return s
}

// value returns a row's value of field f, one2many and display_name
// included.
func (tx *tx) value(model string, r record, f *fieldDef) any {
	switch {
	case f.name == "display_name":
		return tx.displayName(model, r["id"].(int64))
	case f.compute != nil:
		return f.compute(tx, r)
	case f.typ == tO2M:
		return tx.children(f, r["id"].(int64))
	}
	v, ok := r[f.name]
	if !ok {
		return zero(f.typ)
	}
	return v
}

func zero(typ string) any {
	switch typ {
	case tInt, tM2O:
		return int64(0)
	case tFloat, tMonetary:
		return 0.0
	case tBool:
		return false
	case tDatetime:
		return time.Time{}
	case tM2M, tO2M:
		return []int64(nil)
	}
	return ""
}

// ---- wire formats

const dtLayout = "2006-01-02 15:04:05"

// wire turns a stored value into its JSON form as Odoo's read returns it.
func (tx *tx) wire(f *fieldDef, v any) any {
	switch f.typ {
	case tChar, tText, tHTML, tSelection, tDate:
		if s, _ := v.(string); s != "" {
			return s
		}
		return false
	case tInt:
		n, _ := v.(int64)
		return n
	case tFloat, tMonetary:
		x, _ := v.(float64)
		return jsonFloat(x)
	case tBool:
		b, _ := v.(bool)
		return b
	case tDatetime:
		t, _ := v.(time.Time)
		if t.IsZero() {
			return false
		}
		return t.UTC().Format(dtLayout)
	case tM2O:
		id, _ := v.(int64)
		if id == 0 {
			return false
		}
		return []any{id, tx.displayName(f.relation, id)}
	case tM2M, tO2M:
		ids, _ := v.([]int64)
		if ids == nil {
			ids = []int64{}
		}
		return ids
	}
	return v
}

// jsonFloat prints floats as Odoo's JSON does: the shortest decimal that
// reads back as the same float.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("0"), nil
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return []byte(strconv.FormatFloat(x, 'f', 1, 64)), nil
	}
	return []byte(strconv.FormatFloat(x, 'f', -1, 64)), nil
}

// coerce converts a JSON value (from a create or write) into the stored
// form of field f, or returns a ValueError as Odoo would.
func (tx *tx) coerce(model string, f *fieldDef, v any) (any, error) {
	bad := func() error {
		return valueError("Wrong value for %s.%s: %s", model, f.name, short(v))
	}
	if v == nil || v == false {
		if f.typ == tBool {
			return false, nil
		}
		if f.typ == tM2M || f.typ == tO2M {
			return []int64(nil), nil
		}
		return zero(f.typ), nil
	}
	switch f.typ {
	case tChar, tText, tHTML:
		s, ok := v.(string)
		if !ok {
			if n, isNum := v.(float64); isNum {
				return strconv.FormatFloat(n, 'f', -1, 64), nil
			}
			return nil, bad()
		}
		return s, nil
	case tSelection:
		s, ok := v.(string)
		if !ok || len(f.selection) > 0 && !slices.Contains(f.selection, s) {
			return nil, valueError("Wrong value for %s.%s: %s", model, f.name, short(v))
		}
		return s, nil
	case tDate:
		s, ok := v.(string)
		if !ok {
			return nil, bad()
		}
		if len(s) > 10 {
			s = s[:10]
		}
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return nil, valueError("time data %q does not match format '%%Y-%%m-%%d'", s)
		}
		return s, nil
	case tDatetime:
		s, ok := v.(string)
		if !ok {
			return nil, bad()
		}
		t, err := time.Parse(dtLayout, s)
		if err != nil {
			if t2, err2 := time.Parse("2006-01-02", s); err2 == nil {
				return t2.UTC(), nil
			}
			return nil, valueError("time data %q does not match format '%%Y-%%m-%%d %%H:%%M:%%S'", s)
		}
		return t.UTC(), nil
	case tInt:
		n, ok := v.(float64)
		if !ok || n != math.Trunc(n) {
			return nil, bad()
		}
		return int64(n), nil
	case tFloat, tMonetary:
		n, ok := v.(float64)
		if !ok {
			return nil, bad()
		}
		return n, nil
	case tBool:
		b, ok := v.(bool)
		if !ok {
			return nil, bad()
		}
		return b, nil
	case tM2O:
		n, ok := v.(float64)
		if !ok || n != math.Trunc(n) || n < 0 {
			return nil, bad()
		}
		id := int64(n)
		if tx.get(f.relation, id) == nil {
			return nil, validationError("The operation cannot be completed: the %s (%s) referenced by %s (%s) does not exist.",
				tx.db.tables[f.relation].def.label, f.relation, f.label, f.name)
		}
		return id, nil
	}
	return nil, bad()
}

func short(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// ---- create, write, unlink, read

// create inserts one record from client values, handling x2many commands,
// defaults and required fields, then runs the model's hook.
func (tx *tx) create(model string, vals map[string]any) (int64, error) {
	t, err := tx.db.table(model)
	if err != nil {
		return 0, err
	}
	if err := tx.check(model, "create"); err != nil {
		return 0, err
	}
	row := record{}
	var x2m []string
	for k, v := range vals {
		f := t.def.fields[k]
		if f == nil {
			return 0, valueError("Invalid field %q on model %q", k, model)
		}
		if f.readonly {
			continue // Odoo ignores computed fields without an inverse
		}
		if f.typ == tO2M || f.typ == tM2M {
			x2m = append(x2m, k)
			continue
		}
		cv, err := tx.coerce(model, f, v)
		if err != nil {
			return 0, err
		}
		row[k] = cv
	}
	for _, name := range t.def.order {
		f := t.def.fields[name]
		if _, set := row[name]; set || f.def == nil {
			continue
		}
		if slices.Contains(x2m, name) {
			continue
		}
		row[name] = f.def(tx, row)
	}
	for _, name := range t.def.order {
		f := t.def.fields[name]
		if _, set := row[name]; !set && f.compute == nil && f.typ != tO2M && name != "id" && name != "display_name" &&
			name != "create_date" && name != "write_date" {
			row[name] = zero(f.typ)
		}
		if f.required && isEmpty(row[name]) {
			return 0, validationError("The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: %s (%s)\nField: %s (%s)", t.def.label, model, f.label, f.name)
		}
	}
	id := tx.insert(model, row)
	sort.Strings(x2m)
	for _, k := range x2m {
		if err := tx.x2many(model, id, t.def.fields[k], vals[k]); err != nil {
			return 0, err
		}
	}
	if t.def.after != nil {
		if err := t.def.after(tx, []int64{id}); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case int64:
		return x == 0
	case time.Time:
		return x.IsZero()
	}
	return false
}

// write applies client values to existing records.
func (tx *tx) write(model string, ids []int64, vals map[string]any) error {
	t, err := tx.db.table(model)
	if err != nil {
		return err
	}
	if err := tx.check(model, "write"); err != nil {
		return err
	}
	if err := tx.exist(model, ids); err != nil {
		return err
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, id := range ids {
		if t.def.writeCheck != nil {
			if err := t.def.writeCheck(tx, id, vals); err != nil {
				return err
			}
		}
		for _, k := range keys {
			f := t.def.fields[k]
			if f == nil {
				return valueError("Invalid field %q on model %q", k, model)
			}
			if f.readonly {
				continue
			}
			if f.typ == tO2M || f.typ == tM2M {
				if err := tx.x2many(model, id, f, vals[k]); err != nil {
					return err
				}
				tx.set(model, id, "write_date", tx.now)
				continue
			}
			cv, err := tx.coerce(model, f, vals[k])
			if err != nil {
				return err
			}
			if f.required && isEmpty(cv) {
				return validationError("The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: %s (%s)\nField: %s (%s)", t.def.label, model, f.label, f.name)
			}
			tx.set(model, id, k, cv)
		}
	}
	if t.def.after != nil {
		return t.def.after(tx, ids)
	}
	return nil
}

// unlink deletes records.
func (tx *tx) unlink(model string, ids []int64) error {
	t, err := tx.db.table(model)
	if err != nil {
		return err
	}
	if err := tx.check(model, "unlink"); err != nil {
		return err
	}
	if err := tx.exist(model, ids); err != nil {
		return err
	}
	for _, id := range ids {
		if t.def.unlinkCheck != nil {
			if err := t.def.unlinkCheck(tx, id); err != nil {
				return err
			}
		}
		tx.remove(model, id)
	}
	return nil
}

// x2many applies Odoo's one2many / many2many commands to record id.
func (tx *tx) x2many(model string, id int64, f *fieldDef, v any) error {
	cmds, ok := v.([]any)
	if !ok {
		if v == nil || v == false {
			return nil
		}
		return valueError("Wrong value for %s.%s: %s", model, f.name, short(v))
	}
	for _, c := range cmds {
		cmd, ok := c.([]any)
		if !ok || len(cmd) == 0 {
			// a bare list of ids for a many2many means "set"
			if n, isNum := c.(float64); isNum && f.typ == tM2M {
				cur, _ := tx.get(model, id)[f.name].([]int64)
				if !slices.Contains(cur, int64(n)) {
					tx.set(model, id, f.name, append(slices.Clone(cur), int64(n)))
				}
				continue
			}
			return valueError("Wrong value for %s.%s: %s", model, f.name, short(v))
		}
		op, _ := cmd[0].(float64)
		arg := func(i int) int64 {
			if i < len(cmd) {
				n, _ := cmd[i].(float64)
				return int64(n)
			}
			return 0
		}
		vals := func(i int) map[string]any {
			if i < len(cmd) {
				m, _ := cmd[i].(map[string]any)
				return m
			}
			return nil
		}
		switch int(op) {
		case 0: // create
			nv := map[string]any{}
			for k, x := range vals(2) {
				nv[k] = x
			}
			if f.typ == tO2M {
				nv[f.inverse] = float64(id)
				if _, err := tx.create(f.relation, nv); err != nil {
					return err
				}
			} else {
				nid, err := tx.create(f.relation, nv)
				if err != nil {
					return err
				}
				cur, _ := tx.get(model, id)[f.name].([]int64)
				tx.set(model, id, f.name, append(slices.Clone(cur), nid))
			}
		case 1: // update
			if err := tx.write(f.relation, []int64{arg(1)}, vals(2)); err != nil {
				return err
			}
		case 2: // delete
			if err := tx.unlink(f.relation, []int64{arg(1)}); err != nil {
				return err
			}
		case 3: // unlink the relation
			if f.typ == tO2M {
				if err := tx.write(f.relation, []int64{arg(1)}, map[string]any{f.inverse: false}); err != nil {
					return err
				}
			} else {
				cur, _ := tx.get(model, id)[f.name].([]int64)
				tx.set(model, id, f.name, slices.DeleteFunc(slices.Clone(cur), func(x int64) bool { return x == arg(1) }))
			}
		case 4: // link
			if tx.get(f.relation, arg(1)) == nil {
				return missingError(f.relation, []int64{arg(1)}, tx.user)
			}
			if f.typ == tO2M {
				if err := tx.write(f.relation, []int64{arg(1)}, map[string]any{f.inverse: float64(id)}); err != nil {
					return err
				}
			} else {
				cur, _ := tx.get(model, id)[f.name].([]int64)
				if !slices.Contains(cur, arg(1)) {
					tx.set(model, id, f.name, append(slices.Clone(cur), arg(1)))
				}
			}
		case 5: // clear
			if f.typ == tO2M {
				for _, cid := range tx.children(f, id) {
					if err := tx.unlink(f.relation, []int64{cid}); err != nil {
						return err
					}
				}
			} else {
				tx.set(model, id, f.name, []int64(nil))
			}
		case 6: // set
			var ids []int64
			if len(cmd) > 2 {
				list, _ := cmd[2].([]any)
				for _, x := range list {
					n, _ := x.(float64)
					if tx.get(f.relation, int64(n)) == nil {
						return missingError(f.relation, []int64{int64(n)}, tx.user)
					}
					ids = append(ids, int64(n))
				}
			}
			if f.typ == tO2M {
				return valueError("command 6 is not supported on one2many %s.%s", model, f.name)
			}
			tx.set(model, id, f.name, ids)
		default:
			return valueError("Unknown x2many command %v on %s.%s", cmd[0], model, f.name)
		}
	}
	return nil
}

// exist returns a MissingError when one of ids is not a row.
func (tx *tx) exist(model string, ids []int64) error {
	var missing []int64
	for _, id := range ids {
		if tx.get(model, id) == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return missingError(model, missing, tx.user)
	}
	return nil
}

// read returns the records in Odoo's read format.
func (tx *tx) read(model string, ids []int64, fields []string) ([]map[string]any, error) {
	t, err := tx.db.table(model)
	if err != nil {
		return nil, err
	}
	if err := tx.check(model, "read"); err != nil {
		return nil, err
	}
	if err := tx.exist(model, ids); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		fields = t.def.order
	}
	for _, name := range fields {
		if t.def.fields[name] == nil {
			return nil, valueError("Invalid field %q on model %q", name, model)
		}
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		r := t.rows[id]
		m := map[string]any{"id": id}
		for _, name := range fields {
			f := t.def.fields[name]
			m[name] = tx.wire(f, tx.value(model, r, f))
		}
		out = append(out, m)
	}
	return out, nil
}

// search returns the ids matching domain, ordered, after offset and limit.
func (tx *tx) search(model string, domain any, order string, offset, limit int) ([]int64, error) {
	t, err := tx.db.table(model)
	if err != nil {
		return nil, err
	}
	if err := tx.check(model, "read"); err != nil {
		return nil, err
	}
	pred, err := compileDomain(tx, t.def, domain)
	if err != nil {
		return nil, err
	}
	_, hasActive := t.def.fields["active"]
	var ids []int64
	for _, id := range t.ids {
		r := t.rows[id]
		if hasActive && tx.activeTest() && !pred.mentions("active") {
			if a, _ := r["active"].(bool); !a {
				continue
			}
		}
		if pred.eval(tx, r) {
			ids = append(ids, id)
		}
	}
	if err := tx.sortIDs(t, ids, order); err != nil {
		return nil, err
	}
	if offset > 0 {
		if offset >= len(ids) {
			ids = nil
		} else {
			ids = ids[offset:]
		}
	}
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

// sortIDs orders ids by an Odoo order spec such as "write_date desc, id".
func (tx *tx) sortIDs(t *table, ids []int64, order string) error {
	order = strings.TrimSpace(order)
	if order == "" || order == "id" || order == "id asc" {
		return nil // rows are scanned in id order
	}
	type key struct {
		f    *fieldDef
		desc bool
	}
	var keys []key
	for _, part := range strings.Split(order, ",") {
		fs := strings.Fields(part)
		if len(fs) == 0 || len(fs) > 2 {
			return valueError("Invalid \"order\" specified (%s)", order)
		}
		f := t.def.fields[fs[0]]
		if f == nil || f.typ == tO2M || f.typ == tM2M {
			return valueError("Invalid \"order\" specified (%s). A valid \"order\" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)", order)
		}
		desc := len(fs) == 2 && strings.EqualFold(fs[1], "desc")
		if len(fs) == 2 && !desc && !strings.EqualFold(fs[1], "asc") {
			return valueError("Invalid \"order\" specified (%s)", order)
		}
		keys = append(keys, key{f, desc})
	}
	sort.SliceStable(ids, func(i, j int) bool {
		a, b := t.rows[ids[i]], t.rows[ids[j]]
		for _, k := range keys {
			c := compareValues(tx.value(t.def.name, a, k.f), tx.value(t.def.name, b, k.f))
			if c == 0 {
				continue
			}
			if k.desc {
				return c > 0
			}
			return c < 0
		}
		return ids[i] < ids[j]
	})
	return nil
}

// compareValues orders two stored values of the same field.
func compareValues(a, b any) int {
	switch x := a.(type) {
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case int64:
		y, _ := b.(int64)
		return cmpInt(x, y)
	case float64:
		y, _ := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case bool:
		y, _ := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case time.Time:
		y, _ := b.(time.Time)
		return x.Compare(y)
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
