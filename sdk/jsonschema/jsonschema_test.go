package jsonschema

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const shopSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "shop_domain": {"type": "string", "pattern": "^[a-z0-9-]+\\.myshopify\\.com$", "description": "the shop"},
    "access_token": {"type": "string", "minLength": 8},
    "base_url": {"type": "string", "format": "uri"},
    "page_size": {"type": "integer", "minimum": 1, "maximum": 250, "default": 50},
    "streams": {"type": "array", "items": {"$ref": "#/$defs/stream"}}
  },
  "required": ["shop_domain", "access_token"],
  "additionalProperties": false,
  "$defs": {"stream": {"type": "object", "properties": {"name": {"enum": ["orders", "products"]}}, "required": ["name"]}}
}`

func TestValidate(t *testing.T) {
	t.Parallel()
	s, err := Compile([]byte(shopSchema))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		doc      string
		pointers []string
	}{
		{"valid", `{"shop_domain": "acme.myshopify.com", "access_token": "shpat_12345678"}`, nil},
		{"valid with defaults and refs", `{"shop_domain": "a.myshopify.com", "access_token": "shpat_12345678", "page_size": 250, "streams": [{"name": "orders"}]}`, nil},
		{"missing required", `{"shop_domain": "acme.myshopify.com"}`, []string{""}},
		{"bad pattern", `{"shop_domain": "acme.com", "access_token": "shpat_12345678"}`, []string{"/shop_domain"}},
		{"bad format", `{"shop_domain": "a.myshopify.com", "access_token": "shpat_12345678", "base_url": "not a uri"}`, []string{"/base_url"}},
		{"two problems", `{"shop_domain": 7, "access_token": "short"}`, []string{"/access_token", "/shop_domain"}},
		{"nested through ref", `{"shop_domain": "a.myshopify.com", "access_token": "shpat_12345678", "streams": [{"name": "orders"}, {"name": "x"}]}`, []string{"/streams/1/name"}},
		{"additional property", `{"shop_domain": "a.myshopify.com", "access_token": "shpat_12345678", "tokn": "x"}`, []string{""}},
		{"out of range", `{"shop_domain": "a.myshopify.com", "access_token": "shpat_12345678", "page_size": 0}`, []string{"/page_size"}},
		{"not an object", `[]`, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := s.Validate([]byte(tt.doc))
			if tt.pointers == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate = %v, want *Error", err)
			}
			if e.InSchema {
				t.Fatal("a document problem is flagged as a schema problem")
			}
			var got []string
			for _, p := range e.Problems {
				got = append(got, p.Pointer)
				if p.Message == "" {
					t.Errorf("problem at %q has no message", p.Pointer)
				}
			}
			if !reflect.DeepEqual(got, tt.pointers) {
				t.Fatalf("pointers = %q, want %q (%v)", got, tt.pointers, err)
			}
			if !strings.HasPrefix(err.Error(), "jsonschema: document does not match the schema: ") {
				t.Fatalf("message %q lacks the prefix", err)
			}
		})
	}
}

func TestCompileRejectsBadSchemas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, schema, want string
	}{
		{"not json", `{"type": `, "not valid JSON"},
		{"not an object", `"string"`, "must be an object or a boolean"},
		{"bad type keyword", `{"type": "strng"}`, "/type"},
		{"bad minimum", `{"properties": {"n": {"minimum": "one"}}}`, "/properties/n/minimum"},
		{"remote ref", `{"$ref": "https://example.com/other.json"}`, "self-contained"},
		{"dangling ref", `{"$ref": "#/$defs/missing"}`, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile([]byte(tt.schema))
			if err == nil {
				t.Fatal("Compile succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestSchemaErrorsAreFlagged(t *testing.T) {
	t.Parallel()
	_, err := Compile([]byte(`{"type": 12}`))
	var e *Error
	if !errors.As(err, &e) || !e.InSchema {
		t.Fatalf("Compile = %v, want *Error with InSchema", err)
	}
	if len(Problems(err)) == 0 || Problems(err)[0].Pointer != "/type" {
		t.Fatalf("Problems = %v", Problems(err))
	}
	if Problems(errors.New("other")) != nil {
		t.Fatal("Problems of a foreign error must be nil")
	}
}

func TestBooleanSchemas(t *testing.T) {
	t.Parallel()
	if err := Validate([]byte(`true`), []byte(`{"anything": 1}`)); err != nil {
		t.Fatalf("true schema rejected: %v", err)
	}
	if err := Validate([]byte(`false`), []byte(`{}`)); err == nil {
		t.Fatal("false schema accepted")
	}
	if err := Validate([]byte(`{}`), []byte(`{"a"`)); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("bad document: %v", err)
	}
}

func FuzzValidate(f *testing.F) {
	s := MustCompile([]byte(shopSchema))
	f.Add([]byte(`{"shop_domain": "acme.myshopify.com", "access_token": "shpat_12345678"}`))
	f.Add([]byte(`{"streams": [{"name": 1}]}`))
	f.Add([]byte(`[1, 2, {"a": null}]`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := s.Validate(doc)
		var e *Error
		if errors.As(err, &e) && len(e.Problems) == 0 {
			t.Fatalf("an *Error without problems for %q", doc)
		}
	})
}

func BenchmarkValidate(b *testing.B) {
	s := MustCompile([]byte(shopSchema))
	doc := []byte(`{"shop_domain": "a.myshopify.com", "access_token": "shpat_12345678", "page_size": 250, "streams": [{"name": "orders"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Validate(doc); err != nil {
			b.Fatal(err)
		}
	}
}
