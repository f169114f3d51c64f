package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

var (
	timeType     = reflect.TypeOf(time.Time{})
	durationType = reflect.TypeOf(time.Duration(0))
	rawType      = reflect.TypeOf(json.RawMessage{})
	decimalType  = reflect.TypeOf(decimal.Decimal{})
)

// commerceNamed are model types the OpenAPI components already define
// (from the commerce JSON Schema); SchemaOf refers to them.
var commerceNamed = map[reflect.Type]string{
	reflect.TypeOf(commerce.Money{}):    "Money",
	reflect.TypeOf(commerce.MoneyBag{}): "MoneyBag",
	reflect.TypeOf(commerce.Date{}):     "Date",
}

// SchemaOf returns a JSON Schema for the JSON encoding of v's type, from
// its json tags: fields without omitempty are required, int64 with
// ",string" is a string, time.Time is a date-time, model types are $refs
// to their components. A struct that contains itself (a WebhookSpec's
// alternatives) is described once; the inner occurrence is an object that
// says so. It documents API responses; it is not a validator.
func SchemaOf(v any) map[string]any { return schemaOf(reflect.TypeOf(v), map[reflect.Type]bool{}) }

// schemaOf describes t; open holds the structs being described, to stop
// at recursive types.
func schemaOf(t reflect.Type, open map[reflect.Type]bool) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if name, ok := commerceNamed[t]; ok {
		return ref(name)
	}
	if t.PkgPath() == "github.com/supplyhub/supplyhub/sdk/commerce" && t.Kind() == reflect.Struct && t.Name() != "" {
		return ref(t.Name())
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case durationType:
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	case rawType:
		return map[string]any{}
	case decimalType:
		return ref("Decimal")
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), open)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), open)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if open[t] {
			return map[string]any{"type": "object", "description": "a " + t.Name() + " like the enclosing one"}
		}
		open[t] = true
		defer delete(open, t)
		props := map[string]any{}
		var required []string
		addStruct(t, props, &required, open)
		m := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			m["required"] = required
		}
		return m
	}
	return map[string]any{}
}

func addStruct(t reflect.Type, props map[string]any, required *[]string, open map[reflect.Type]bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addStruct(ft, props, required, open)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := schemaOf(f.Type, open)
		if strings.Contains(opts, "string") && (f.Type.Kind() == reflect.Int64 || f.Type.Kind() == reflect.Int) {
			s = map[string]any{"type": "string", "description": "an integer id, as a string"}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}

// ListOf returns the schema of {"items": [...], "next_cursor": ...} for an
// item schema.
func ListOf(item map[string]any) map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{
		"items":       map[string]any{"type": "array", "items": item},
		"next_cursor": map[string]any{"type": []string{"string", "null"}},
	}, "required": []string{"items"}}
}
