package shopifytest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is a small GraphQL document parser: enough of the language for
// the operations a Shopify client sends (operations, variables with
// defaults, fields with aliases and arguments, directives, named and inline
// fragments, every literal kind, block strings and comments).

type tokKind int

const (
	tokEOF tokKind = iota
	tokPunct
	tokName
	tokInt
	tokFloat
	tokString
)

type token struct {
	kind      tokKind
	text      string // punctuator, name, number text or decoded string
	line, col int
}

type lexer struct {
	src       string
	pos       int
	line, col int
	tok       token
}

type syntaxError struct {
	msg       string
	line, col int
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("syntax error at line %d column %d: %s", e.line, e.col, e.msg)
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

func (lx *lexer) fail(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...), line: lx.tok.line, col: lx.tok.col}
}

func (lx *lexer) advance(n int) {
	for i := 0; i < n && lx.pos < len(lx.src); i++ {
		if lx.src[lx.pos] == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
		lx.pos++
	}
}

// next reads the next token into lx.tok.
func (lx *lexer) next() error {
	// skip ignored tokens: whitespace, commas, comments, BOM
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' {
			lx.advance(1)
			continue
		}
		if c == '#' {
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.advance(1)
			}
			continue
		}
		if strings.HasPrefix(lx.src[lx.pos:], "\ufeff") {
			lx.advance(3)
			continue
		}
		break
	}
	lx.tok = token{line: lx.line, col: lx.col}
	if lx.pos >= len(lx.src) {
		lx.tok.kind = tokEOF
		return nil
	}
	c := lx.src[lx.pos]
	switch {
	case strings.HasPrefix(lx.src[lx.pos:], "..."):
		lx.tok.kind, lx.tok.text = tokPunct, "..."
		lx.advance(3)
	case strings.IndexByte("!$&():=@[]{}|", c) >= 0:
		lx.tok.kind, lx.tok.text = tokPunct, string(c)
		lx.advance(1)
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		start := lx.pos
		for lx.pos < len(lx.src) {
			d := lx.src[lx.pos]
			if d == '_' || d >= 'a' && d <= 'z' || d >= 'A' && d <= 'Z' || d >= '0' && d <= '9' {
				lx.advance(1)
				continue
			}
			break
		}
		lx.tok.kind, lx.tok.text = tokName, lx.src[start:lx.pos]
	case c == '-' || c >= '0' && c <= '9':
		return lx.number()
	case c == '"':
		if strings.HasPrefix(lx.src[lx.pos:], `"""`) {
			return lx.blockString()
		}
		return lx.str()
	default:
		r, _ := utf8.DecodeRuneInString(lx.src[lx.pos:])
		return lx.fail("unexpected character %q", r)
	}
	return nil
}

func (lx *lexer) number() error {
	start := lx.pos
	isFloat := false
	if lx.src[lx.pos] == '-' {
		lx.advance(1)
	}
	digits := func() int {
		n := 0
		for lx.pos < len(lx.src) && lx.src[lx.pos] >= '0' && lx.src[lx.pos] <= '9' {
			lx.advance(1)
			n++
		}
		return n
	}
	if digits() == 0 {
		return lx.fail("a number needs digits")
	}
	if lx.pos < len(lx.src) && lx.src[lx.pos] == '.' {
		isFloat = true
		lx.advance(1)
		if digits() == 0 {
			return lx.fail("a number needs digits after the decimal point")
		}
	}
	if lx.pos < len(lx.src) && (lx.src[lx.pos] == 'e' || lx.src[lx.pos] == 'E') {
		isFloat = true
		lx.advance(1)
		if lx.pos < len(lx.src) && (lx.src[lx.pos] == '+' || lx.src[lx.pos] == '-') {
			lx.advance(1)
		}
		if digits() == 0 {
			return lx.fail("a number needs digits in its exponent")
		}
	}
	lx.tok.kind, lx.tok.text = tokInt, lx.src[start:lx.pos]
	if isFloat {
		lx.tok.kind = tokFloat
	}
	return nil
}

func (lx *lexer) str() error {
	lx.advance(1)
	var b strings.Builder
	for {
		if lx.pos >= len(lx.src) || lx.src[lx.pos] == '\n' {
			return lx.fail("unterminated string")
		}
		c := lx.src[lx.pos]
		if c == '"' {
			lx.advance(1)
			break
		}
		if c != '\\' {
			r, size := utf8.DecodeRuneInString(lx.src[lx.pos:])
			b.WriteRune(r)
			lx.advance(size)
			continue
		}
		if lx.pos+1 >= len(lx.src) {
			return lx.fail("unterminated escape")
		}
		e := lx.src[lx.pos+1]
		lx.advance(2)
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if lx.pos+4 > len(lx.src) {
				return lx.fail("short unicode escape")
			}
			n, err := strconv.ParseUint(lx.src[lx.pos:lx.pos+4], 16, 32)
			if err != nil {
				return lx.fail("bad unicode escape %q", lx.src[lx.pos:lx.pos+4])
			}
			b.WriteRune(rune(n))
			lx.advance(4)
		default:
			return lx.fail("unknown escape \\%c", e)
		}
	}
	lx.tok.kind, lx.tok.text = tokString, b.String()
	return nil
}

func (lx *lexer) blockString() error {
	lx.advance(3)
	var raw strings.Builder
	for {
		if lx.pos >= len(lx.src) {
			return lx.fail("unterminated block string")
		}
		if strings.HasPrefix(lx.src[lx.pos:], `\"""`) {
			raw.WriteString(`"""`)
			lx.advance(4)
			continue
		}
		if strings.HasPrefix(lx.src[lx.pos:], `"""`) {
			lx.advance(3)
			break
		}
		raw.WriteByte(lx.src[lx.pos])
		lx.advance(1)
	}
	lx.tok.kind, lx.tok.text = tokString, blockStringValue(raw.String())
	return nil
}

// blockStringValue applies the spec's indentation removal to a block string.
func blockStringValue(raw string) string {
	lines := strings.Split(strings.ReplaceAll(raw, "\r\n", "\n"), "\n")
	common := -1
	for i, l := range lines {
		if i == 0 {
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < len(l) && (common < 0 || indent < common) {
			common = indent
		}
	}
	if common > 0 {
		for i := 1; i < len(lines); i++ {
			if len(lines[i]) >= common {
				lines[i] = lines[i][common:]
			} else {
				lines[i] = strings.TrimLeft(lines[i], " \t")
			}
		}
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// valueKind says what a literal is.
type valueKind int

const (
	valVariable valueKind = iota
	valInt
	valFloat
	valString
	valBool
	valNull
	valEnum
	valList
	valObject
)

type value struct {
	kind   valueKind
	text   string // variable name, number text, string, enum name
	b      bool
	list   []value
	fields []objectField
}

type objectField struct {
	name string
	val  value
}

type argument struct {
	name string
	val  value
}

type directive struct {
	name string
	args []argument
}

type selKind int

const (
	selField selKind = iota
	selInline
	selSpread
)

type selection struct {
	kind      selKind
	alias     string // response key for fields
	name      string // field name, or fragment name for spreads
	typeCond  string // inline fragment type condition ("" = none)
	args      []argument
	dirs      []directive
	sel       []*selection
	line, col int
}

func (s *selection) key() string {
	if s.alias != "" {
		return s.alias
	}
	return s.name
}

type varDef struct {
	name     string
	typ      string // e.g. "Int!", "[ID!]!"
	nonNull  bool
	def      *value
	line     int
	typeBase string
}

type operation struct {
	kind string // query or mutation
	name string
	vars []varDef
	dirs []directive
	sel  []*selection
}

type fragmentDef struct {
	name     string
	typeCond string
	sel      []*selection
}

type document struct {
	ops   []*operation
	frags map[string]*fragmentDef
}

type parser struct {
	lx    *lexer
	depth int
}

const maxDepth = 64

// parseDocument parses a GraphQL request document.
func parseDocument(src string) (*document, error) {
	p := &parser{lx: newLexer(src)}
	if err := p.lx.next(); err != nil {
		return nil, err
	}
	doc := &document{frags: map[string]*fragmentDef{}}
	for p.lx.tok.kind != tokEOF {
		t := p.lx.tok
		switch {
		case t.kind == tokPunct && t.text == "{":
			sel, err := p.selectionSet()
			if err != nil {
				return nil, err
			}
			doc.ops = append(doc.ops, &operation{kind: "query", sel: sel})
		case t.kind == tokName && (t.text == "query" || t.text == "mutation" || t.text == "subscription"):
			op, err := p.operation()
			if err != nil {
				return nil, err
			}
			doc.ops = append(doc.ops, op)
		case t.kind == tokName && t.text == "fragment":
			f, err := p.fragment()
			if err != nil {
				return nil, err
			}
			if _, dup := doc.frags[f.name]; dup {
				return nil, fmt.Errorf("fragment %s is defined twice", f.name)
			}
			doc.frags[f.name] = f
		default:
			return nil, p.lx.fail("expected an operation or a fragment, found %q", t.text)
		}
	}
	if len(doc.ops) == 0 {
		return nil, fmt.Errorf("the document has no operation")
	}
	return doc, nil
}

func (p *parser) expect(punct string) error {
	if p.lx.tok.kind != tokPunct || p.lx.tok.text != punct {
		return p.lx.fail("expected %q, found %q", punct, p.lx.tok.text)
	}
	return p.lx.next()
}

func (p *parser) isPunct(s string) bool { return p.lx.tok.kind == tokPunct && p.lx.tok.text == s }

func (p *parser) name() (string, error) {
	if p.lx.tok.kind != tokName {
		return "", p.lx.fail("expected a name, found %q", p.lx.tok.text)
	}
	n := p.lx.tok.text
	return n, p.lx.next()
}

func (p *parser) operation() (*operation, error) {
	op := &operation{kind: p.lx.tok.text}
	if err := p.lx.next(); err != nil {
		return nil, err
	}
	if p.lx.tok.kind == tokName {
		op.name = p.lx.tok.text
		if err := p.lx.next(); err != nil {
			return nil, err
		}
	}
	if p.isPunct("(") {
		if err := p.lx.next(); err != nil {
			return nil, err
		}
		for !p.isPunct(")") {
			line := p.lx.tok.line
			if err := p.expect("$"); err != nil {
				return nil, err
			}
			n, err := p.name()
			if err != nil {
				return nil, err
			}
			if err := p.expect(":"); err != nil {
				return nil, err
			}
			typ, base, nonNull, err := p.typeRef()
			if err != nil {
				return nil, err
			}
			vd := varDef{name: n, typ: typ, typeBase: base, nonNull: nonNull, line: line}
			if p.isPunct("=") {
				if err := p.lx.next(); err != nil {
					return nil, err
				}
				v, err := p.value(true)
				if err != nil {
					return nil, err
				}
				vd.def = &v
			}
			if _, err := p.directives(); err != nil {
				return nil, err
			}
			op.vars = append(op.vars, vd)
		}
		if err := p.lx.next(); err != nil {
			return nil, err
		}
	}
	dirs, err := p.directives()
	if err != nil {
		return nil, err
	}
	op.dirs = dirs
	op.sel, err = p.selectionSet()
	return op, err
}

func (p *parser) typeRef() (text, base string, nonNull bool, err error) {
	if p.isPunct("[") {
		if err = p.lx.next(); err != nil {
			return
		}
		var inner string
		inner, base, _, err = p.typeRef()
		if err != nil {
			return
		}
		if err = p.expect("]"); err != nil {
			return
		}
		text = "[" + inner + "]"
	} else {
		if base, err = p.name(); err != nil {
			return
		}
		text = base
	}
	if p.isPunct("!") {
		nonNull = true
		text += "!"
		err = p.lx.next()
	}
	return
}

func (p *parser) fragment() (*fragmentDef, error) {
	if err := p.lx.next(); err != nil {
		return nil, err
	}
	n, err := p.name()
	if err != nil {
		return nil, err
	}
	if n == "on" {
		return nil, p.lx.fail("a fragment cannot be named \"on\"")
	}
	if p.lx.tok.kind != tokName || p.lx.tok.text != "on" {
		return nil, p.lx.fail("expected \"on\" after fragment %s", n)
	}
	if err := p.lx.next(); err != nil {
		return nil, err
	}
	tc, err := p.name()
	if err != nil {
		return nil, err
	}
	if _, err := p.directives(); err != nil {
		return nil, err
	}
	sel, err := p.selectionSet()
	if err != nil {
		return nil, err
	}
	return &fragmentDef{name: n, typeCond: tc, sel: sel}, nil
}

func (p *parser) selectionSet() ([]*selection, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.lx.fail("the document nests deeper than %d levels", maxDepth)
	}
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var out []*selection
	for !p.isPunct("}") {
		if p.lx.tok.kind == tokEOF {
			return nil, p.lx.fail("unterminated selection set")
		}
		s, err := p.selection()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, p.lx.fail("a selection set must not be empty")
	}
	return out, p.lx.next()
}

func (p *parser) selection() (*selection, error) {
	line, col := p.lx.tok.line, p.lx.tok.col
	if p.isPunct("...") {
		if err := p.lx.next(); err != nil {
			return nil, err
		}
		if p.lx.tok.kind == tokName && p.lx.tok.text != "on" {
			n, err := p.name()
			if err != nil {
				return nil, err
			}
			dirs, err := p.directives()
			if err != nil {
				return nil, err
			}
			return &selection{kind: selSpread, name: n, dirs: dirs, line: line, col: col}, nil
		}
		s := &selection{kind: selInline, line: line, col: col}
		if p.lx.tok.kind == tokName && p.lx.tok.text == "on" {
			if err := p.lx.next(); err != nil {
				return nil, err
			}
			tc, err := p.name()
			if err != nil {
				return nil, err
			}
			s.typeCond = tc
		}
		dirs, err := p.directives()
		if err != nil {
			return nil, err
		}
		s.dirs = dirs
		s.sel, err = p.selectionSet()
		return s, err
	}
	n, err := p.name()
	if err != nil {
		return nil, err
	}
	s := &selection{kind: selField, name: n, line: line, col: col}
	if p.isPunct(":") {
		if err := p.lx.next(); err != nil {
			return nil, err
		}
		s.alias = n
		if s.name, err = p.name(); err != nil {
			return nil, err
		}
	}
	if s.args, err = p.arguments(false); err != nil {
		return nil, err
	}
	if s.dirs, err = p.directives(); err != nil {
		return nil, err
	}
	if p.isPunct("{") {
		if s.sel, err = p.selectionSet(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (p *parser) arguments(constant bool) ([]argument, error) {
	if !p.isPunct("(") {
		return nil, nil
	}
	if err := p.lx.next(); err != nil {
		return nil, err
	}
	var args []argument
	for !p.isPunct(")") {
		n, err := p.name()
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		v, err := p.value(constant)
		if err != nil {
			return nil, err
		}
		for _, a := range args {
			if a.name == n {
				return nil, p.lx.fail("argument %s is given twice", n)
			}
		}
		args = append(args, argument{name: n, val: v})
	}
	return args, p.lx.next()
}

func (p *parser) directives() ([]directive, error) {
	var ds []directive
	for p.isPunct("@") {
		if err := p.lx.next(); err != nil {
			return nil, err
		}
		n, err := p.name()
		if err != nil {
			return nil, err
		}
		args, err := p.arguments(false)
		if err != nil {
			return nil, err
		}
		ds = append(ds, directive{name: n, args: args})
	}
	return ds, nil
}

func (p *parser) value(constant bool) (value, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return value{}, p.lx.fail("a value nests deeper than %d levels", maxDepth)
	}
	t := p.lx.tok
	var v value
	switch t.kind {
	case tokPunct:
		switch t.text {
		case "$":
			if constant {
				return v, p.lx.fail("a variable is not allowed here")
			}
			if err := p.lx.next(); err != nil {
				return v, err
			}
			n, err := p.name()
			return value{kind: valVariable, text: n}, err
		case "[":
			if err := p.lx.next(); err != nil {
				return v, err
			}
			v.kind = valList
			for !p.isPunct("]") {
				if p.lx.tok.kind == tokEOF {
					return v, p.lx.fail("unterminated list")
				}
				item, err := p.value(constant)
				if err != nil {
					return v, err
				}
				v.list = append(v.list, item)
			}
			return v, p.lx.next()
		case "{":
			if err := p.lx.next(); err != nil {
				return v, err
			}
			v.kind = valObject
			for !p.isPunct("}") {
				n, err := p.name()
				if err != nil {
					return v, err
				}
				if err := p.expect(":"); err != nil {
					return v, err
				}
				fv, err := p.value(constant)
				if err != nil {
					return v, err
				}
				v.fields = append(v.fields, objectField{name: n, val: fv})
			}
			return v, p.lx.next()
		}
	case tokInt:
		v = value{kind: valInt, text: t.text}
	case tokFloat:
		v = value{kind: valFloat, text: t.text}
	case tokString:
		v = value{kind: valString, text: t.text}
	case tokName:
		switch t.text {
		case "true", "false":
			v = value{kind: valBool, b: t.text == "true"}
		case "null":
			v = value{kind: valNull}
		default:
			v = value{kind: valEnum, text: t.text}
		}
	default:
		return v, p.lx.fail("expected a value, found %q", t.text)
	}
	if t.kind == tokPunct {
		return v, p.lx.fail("expected a value, found %q", t.text)
	}
	return v, p.lx.next()
}
