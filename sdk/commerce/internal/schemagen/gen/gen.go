// Package gen builds the JSON Schema of package commerce from its Go source.
// It is used by the schemagen command and by the test that keeps the
// committed schema fresh.
package gen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Object is an ordered JSON object, so that the generated file is stable.
type Object struct {
	keys []string
	vals map[string]any
}

func newObject() *Object { return &Object{vals: map[string]any{}} }

// Set adds or replaces a key, keeping first-insertion order.
func (o *Object) Set(k string, v any) *Object {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

// MarshalJSON writes the keys in insertion order.
func (o *Object) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := jsonString(k)
		b.WriteString(kb)
		b.WriteByte(':')
		vb, err := marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// Generate parses the non-test Go files of the package in dir and returns
// its JSON Schema.
func Generate(dir string) (*Object, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", dir, err)
	}
	pkg, ok := pkgs["commerce"]
	if !ok {
		return nil, fmt.Errorf("no package commerce in %s", dir)
	}
	g := &generator{structs: map[string]*ast.StructType{}, docs: map[string]string{}, enums: map[string][]string{}, kinds: map[string]string{}}
	files := make([]string, 0, len(pkg.Files))
	for name := range pkg.Files {
		files = append(files, name)
	}
	sort.Strings(files)
	for _, name := range files {
		g.collect(pkg.Files[name])
	}
	return g.schema()
}

type generator struct {
	structs map[string]*ast.StructType
	docs    map[string]string
	enums   map[string][]string // named string type -> constant values
	kinds   map[string]string   // kind value -> struct name
	order   []string
}

func (g *generator) collect(f *ast.File) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.GenDecl:
			switch d.Tok {
			case token.TYPE:
				for _, spec := range d.Specs {
					ts := spec.(*ast.TypeSpec)
					if !ts.Name.IsExported() {
						continue
					}
					doc := d.Doc
					if ts.Doc != nil {
						doc = ts.Doc
					}
					g.docs[ts.Name.Name] = clean(doc.Text())
					if st, ok := ts.Type.(*ast.StructType); ok {
						g.structs[ts.Name.Name] = st
						g.order = append(g.order, ts.Name.Name)
					}
				}
			case token.CONST:
				for _, spec := range d.Specs {
					vs := spec.(*ast.ValueSpec)
					id, ok := vs.Type.(*ast.Ident)
					if !ok || len(vs.Values) != len(vs.Names) {
						continue
					}
					for _, v := range vs.Values {
						lit, ok := v.(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						s, _ := strconv.Unquote(lit.Value)
						g.enums[id.Name] = append(g.enums[id.Name], s)
					}
				}
			}
		case *ast.FuncDecl:
			// func (*Order) Kind() Kind { return KindOrder }
			if d.Recv == nil || d.Name.Name != "Kind" || len(d.Recv.List) != 1 || d.Body == nil || len(d.Body.List) != 1 {
				continue
			}
			recv := d.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			rid, ok := recv.(*ast.Ident)
			ret, ok2 := d.Body.List[0].(*ast.ReturnStmt)
			if !ok || !ok2 || len(ret.Results) != 1 {
				continue
			}
			if k, ok := ret.Results[0].(*ast.Ident); ok {
				g.kinds[k.Name] = rid.Name
			}
		}
	}
}

func (g *generator) schema() (*Object, error) {
	defs := newObject()
	defs.Set("Money", newObject().
		Set("description", "An exact decimal amount in an ISO 4217 currency. The amount is a decimal string, never a JSON number.").
		Set("type", "object").
		Set("properties", newObject().
			Set("amount", newObject().Set("$ref", "#/$defs/Decimal")).
			Set("currency", newObject().Set("$ref", "#/$defs/Currency"))).
		Set("required", []string{"amount", "currency"}).
		Set("additionalProperties", false))
	defs.Set("Decimal", newObject().
		Set("description", "An exact decimal number written as a string, e.g. \"12.30\" or \"-0.5\".").
		Set("type", "string").
		Set("pattern", `^-?[0-9]+(\.[0-9]+)?$`))
	defs.Set("Currency", newObject().
		Set("description", g.docs["Currency"]).
		Set("type", "string").
		Set("pattern", "^[A-Z]{3}$"))
	defs.Set("Date", newObject().
		Set("description", g.docs["Date"]).
		Set("type", []string{"string", "null"}).
		Set("format", "date"))
	enumNames := make([]string, 0, len(g.enums))
	for name := range g.enums {
		enumNames = append(enumNames, name)
	}
	sort.Strings(enumNames)
	for _, name := range enumNames {
		if name == "Kind" {
			continue
		}
		defs.Set(name, newObject().Set("description", g.docs[name]).Set("type", "string").Set("enum", g.enums[name]))
	}
	names := append([]string(nil), g.order...)
	sort.Strings(names)
	for _, name := range names {
		if name == "Money" || name == "Date" {
			continue
		}
		obj, err := g.structSchema(name)
		if err != nil {
			return nil, err
		}
		defs.Set(name, obj)
	}
	kinds := newObject()
	oneOf := []any{}
	kindNames := make([]string, 0, len(g.kinds))
	for k := range g.kinds {
		kindNames = append(kindNames, k)
	}
	sort.Strings(kindNames)
	for _, constName := range kindNames {
		val := ""
		for i, c := range g.enums["Kind"] {
			_ = i
			if "Kind"+camel(c) == constName {
				val = c
			}
		}
		if val == "" {
			return nil, fmt.Errorf("kind constant %s has no string value", constName)
		}
		ref := "#/$defs/" + g.kinds[constName]
		kinds.Set(val, ref)
		oneOf = append(oneOf, newObject().Set("$ref", ref))
	}
	return newObject().
		Set("$schema", "https://json-schema.org/draft/2020-12/schema").
		Set("$id", "https://github.com/supplyhub/supplyhub/sdk/commerce/schema/commerce.schema.json").
		Set("title", "Supplyhub unified commerce model").
		Set("description", "Every record that crosses the plugin boundary or the HTTP API. Generated from sdk/commerce by go generate; do not edit.").
		Set("x-supplyhub-kinds", kinds).
		Set("oneOf", oneOf).
		Set("$defs", defs), nil
}

// camel turns "inventory_level" into "InventoryLevel".
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

func (g *generator) structSchema(name string) (*Object, error) {
	props := newObject()
	var required []string
	if err := g.addFields(name, g.structs[name], props, &required); err != nil {
		return nil, err
	}
	obj := newObject().Set("description", g.docs[name]).Set("type", "object").Set("properties", props)
	if len(required) > 0 {
		obj.Set("required", required)
	}
	return obj.Set("additionalProperties", false), nil
}

func (g *generator) addFields(owner string, st *ast.StructType, props *Object, required *[]string) error {
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 { // embedded: flatten its fields
			id, ok := f.Type.(*ast.Ident)
			if !ok || g.structs[id.Name] == nil {
				return fmt.Errorf("%s: unsupported embedded field %T", owner, f.Type)
			}
			if err := g.addFields(owner, g.structs[id.Name], props, required); err != nil {
				return err
			}
			continue
		}
		tag := ""
		if f.Tag != nil {
			raw, _ := strconv.Unquote(f.Tag.Value)
			tag = reflect.StructTag(raw).Get("json")
		}
		jsonName, opts, _ := strings.Cut(tag, ",")
		if jsonName == "-" || !f.Names[0].IsExported() {
			continue
		}
		for _, n := range f.Names {
			jn := jsonName
			if jn == "" {
				jn = n.Name
			}
			s, optional, err := g.typeSchema(f.Type)
			if err != nil {
				return fmt.Errorf("%s.%s: %w", owner, n.Name, err)
			}
			if doc := clean(f.Doc.Text()); doc != "" {
				s.Set("description", doc)
			}
			props.Set(jn, s)
			if !optional && !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				*required = append(*required, jn)
			}
		}
	}
	return nil
}

// typeSchema maps a Go type expression to a schema; optional is true for
// pointers.
func (g *generator) typeSchema(e ast.Expr) (*Object, bool, error) {
	switch t := e.(type) {
	case *ast.StarExpr:
		s, _, err := g.typeSchema(t.X)
		return s, true, err
	case *ast.ArrayType:
		s, _, err := g.typeSchema(t.Elt)
		if err != nil {
			return nil, false, err
		}
		return newObject().Set("type", "array").Set("items", s), false, nil
	case *ast.SelectorExpr:
		pkg, _ := t.X.(*ast.Ident)
		switch pkg.Name + "." + t.Sel.Name {
		case "decimal.Decimal":
			return newObject().Set("$ref", "#/$defs/Decimal"), false, nil
		case "time.Time":
			return newObject().Set("type", "string").Set("format", "date-time"), false, nil
		}
		return nil, false, fmt.Errorf("unsupported type %s.%s", pkg.Name, t.Sel.Name)
	case *ast.Ident:
		switch t.Name {
		case "string":
			return newObject().Set("type", "string"), false, nil
		case "bool":
			return newObject().Set("type", "boolean"), false, nil
		case "int", "int64", "int32":
			return newObject().Set("type", "integer"), false, nil
		case "float64":
			return newObject().Set("type", "number"), false, nil
		case "Kind":
			return newObject().Set("type", "string").Set("enum", g.enums["Kind"]), false, nil
		}
		if g.structs[t.Name] != nil || g.enums[t.Name] != nil || t.Name == "Currency" || t.Name == "Money" || t.Name == "Date" {
			return newObject().Set("$ref", "#/$defs/"+t.Name), false, nil
		}
		return nil, false, fmt.Errorf("unsupported type %s", t.Name)
	}
	return nil, false, fmt.Errorf("unsupported type expression %T", e)
}

func clean(s string) string { return strings.Join(strings.Fields(s), " ") }
