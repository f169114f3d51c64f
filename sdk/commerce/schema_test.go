package commerce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/sdk/commerce/internal/schemagen/gen"
)

const schemaFile = "schema/commerce.schema.json"

// TestSchemaIsFresh fails when the committed JSON Schema no longer matches
// the Go types: run "go generate ./sdk/commerce" and commit the result.
func TestSchemaIsFresh(t *testing.T) {
	t.Parallel()
	s, err := gen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("%s is stale: run `go generate ./sdk/commerce` and commit the result", schemaFile)
	}
}

// TestExamplesMatchSchema checks every example record, as the Go code
// encodes it, against the committed schema with a small validator for the
// keywords the schema uses. It proves the schema describes the real wire
// format, not an imagined one.
func TestExamplesMatchSchema(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	v := &miniValidator{defs: schema["$defs"].(map[string]any)}
	kinds := schema["x-supplyhub-kinds"].(map[string]any)
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			ref, ok := kinds[string(k)].(string)
			if !ok {
				t.Fatalf("schema has no entry for kind %s", k)
			}
			r, err := DecodeValid(k, loadExample(t, k))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(r)
			var doc any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if errs := v.check(map[string]any{"$ref": ref}, doc, "$"); len(errs) > 0 {
				t.Fatalf("encoded %s does not match the schema:\n%s", k, strings.Join(errs, "\n"))
			}
			// And the schema must reject what Decode rejects.
			doc.(map[string]any)["unexpected"] = true
			if errs := v.check(map[string]any{"$ref": ref}, doc, "$"); len(errs) == 0 {
				t.Fatal("schema accepts an unknown property")
			}
		})
	}
}

type miniValidator struct{ defs map[string]any }

func (v *miniValidator) check(s map[string]any, doc any, path string) []string {
	if ref, ok := s["$ref"].(string); ok {
		def, ok := v.defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		if !ok {
			return []string{path + ": dangling $ref " + ref}
		}
		return v.check(def, doc, path)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	if typ, ok := s["type"]; ok && !typeMatches(typ, doc) {
		fail("type %v, got %T", typ, doc)
		return errs
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == doc {
				found = true
			}
		}
		if !found {
			fail("%v not in enum", doc)
		}
	}
	if pat, ok := s["pattern"].(string); ok {
		if str, ok := doc.(string); ok && !regexp.MustCompile(pat).MatchString(str) {
			fail("%q does not match %s", str, pat)
		}
	}
	switch d := doc.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asSlice(s["required"]) {
			if _, ok := d[r.(string)]; !ok {
				fail("required property %s missing", r)
			}
		}
		for k, val := range d {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					fail("property %s is not in the schema", k)
				}
				continue
			}
			errs = append(errs, v.check(ps, val, path+"."+k)...)
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range d {
				errs = append(errs, v.check(items, e, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func typeMatches(typ any, doc any) bool {
	switch t := typ.(type) {
	case []any:
		for _, one := range t {
			if typeMatches(one, doc) {
				return true
			}
		}
		return false
	case string:
		switch t {
		case "object":
			_, ok := doc.(map[string]any)
			return ok
		case "array":
			_, ok := doc.([]any)
			return ok
		case "string":
			_, ok := doc.(string)
			return ok
		case "boolean":
			_, ok := doc.(bool)
			return ok
		case "null":
			return doc == nil
		case "number":
			_, ok := doc.(float64)
			return ok
		case "integer":
			f, ok := doc.(float64)
			return ok && f == float64(int64(f))
		}
	}
	return false
}
