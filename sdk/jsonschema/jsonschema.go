package jsonschema

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	js "github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// schemaURL is the location a compiled schema is registered under; $refs
// relative to it stay inside the document.
const schemaURL = "mem:///schema.json"

// Schema is a compiled JSON Schema. It is safe for concurrent use.
type Schema struct {
	s *js.Schema
}

// Problem is one reason a document (or a schema) is invalid.
type Problem struct {
	// Pointer is the JSON pointer (RFC 6901) of the bad value, "" for the
	// document itself, e.g. "/shop_domain" or "/streams/2/name".
	Pointer string `json:"pointer"`
	// Message says what is wrong with the value.
	Message string `json:"message"`
}

// String formats the problem as "pointer: message", with "(root)" for the
// document itself.
func (p Problem) String() string {
	ptr := p.Pointer
	if ptr == "" {
		ptr = "(root)"
	}
	return ptr + ": " + p.Message
}

// Error reports an invalid document or schema. Use errors.As to get at the
// problems, or [Problems].
type Error struct {
	// InSchema is true when the schema itself is invalid (its pointers are
	// into the schema), false when a document does not match the schema.
	InSchema bool `json:"in_schema,omitempty"`
	// Problems lists every bad value found, sorted by pointer.
	Problems []Problem `json:"problems"`
}

// Error joins the problems into one line.
func (e *Error) Error() string {
	what := "document does not match the schema"
	if e.InSchema {
		what = "invalid schema"
	}
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("jsonschema: %s: %s", what, strings.Join(parts, "; "))
}

// Problems returns the problems of err when it is (or wraps) an *Error, nil
// otherwise.
func Problems(err error) []Problem {
	var e *Error
	if errors.As(err, &e) {
		return e.Problems
	}
	return nil
}

// Compile parses and compiles a JSON Schema. A schema without "$schema" is
// read as draft 2020-12. The schema is checked against its meta-schema; a
// schema that breaks it returns an *Error with InSchema set, naming the bad
// keyword by pointer. "format" is asserted, not only annotated, so that
// "format": "uri" rejects a value that is not a URI.
func Compile(schema []byte) (*Schema, error) {
	doc, err := js.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("jsonschema: schema is not valid JSON: %w", err)
	}
	if _, ok := doc.(map[string]any); !ok {
		if _, isBool := doc.(bool); !isBool {
			return nil, &Error{InSchema: true, Problems: []Problem{{Message: fmt.Sprintf("a schema must be an object or a boolean, got %s", typeName(doc))}}}
		}
	}
	c := js.NewCompiler()
	c.DefaultDraft(js.Draft2020)
	c.AssertFormat()
	c.UseLoader(noRemoteLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("jsonschema: add schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		var sve *js.SchemaValidationError
		if errors.As(err, &sve) {
			var ve *js.ValidationError
			if errors.As(sve.Err, &ve) {
				return nil, &Error{InSchema: true, Problems: problems(ve)}
			}
		}
		return nil, fmt.Errorf("jsonschema: compile schema: %w", err)
	}
	return &Schema{s: s}, nil
}

// MustCompile is Compile for schemas known at compile time; it panics on
// error.
func MustCompile(schema []byte) *Schema {
	s, err := Compile(schema)
	if err != nil {
		panic(err)
	}
	return s
}

// Validate checks a JSON document against the schema. It returns nil when
// the document matches, an *Error listing every problem by pointer when it
// does not, and a plain error when doc is not JSON.
func (s *Schema) Validate(doc []byte) error {
	v, err := js.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("jsonschema: document is not valid JSON: %w", err)
	}
	return s.ValidateValue(v)
}

// ValidateValue checks a decoded JSON value (as produced by encoding/json
// into any, with numbers as float64 or json.Number) against the schema.
func (s *Schema) ValidateValue(v any) error {
	err := s.s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *js.ValidationError
	if errors.As(err, &ve) {
		return &Error{Problems: problems(ve)}
	}
	return fmt.Errorf("jsonschema: validate: %w", err)
}

// Validate compiles schema and validates doc against it.
func Validate(schema, doc []byte) error {
	s, err := Compile(schema)
	if err != nil {
		return err
	}
	return s.Validate(doc)
}

// problems flattens a validation error tree into its leaves, the errors
// that say what is wrong rather than which branch failed.
func problems(ve *js.ValidationError) []Problem {
	var ps []Problem
	seen := map[Problem]bool{}
	var walk func(e *js.ValidationError)
	walk = func(e *js.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		p := Problem{Pointer: pointer(e.InstanceLocation), Message: e.ErrorKind.LocalizedString(printer)}
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	walk(ve)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Pointer < ps[j].Pointer })
	return ps
}

var printer = message.NewPrinter(language.English)

// pointer formats reference tokens as an RFC 6901 JSON pointer.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case []any:
		return "an array"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// noRemoteLoader refuses every URL: schemas must be self-contained. The
// compiler resolves the standard meta-schemas without a loader.
type noRemoteLoader struct{}

func (noRemoteLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("$ref to %s: schemas must be self-contained; inline the referenced schema under $defs", url)
}
