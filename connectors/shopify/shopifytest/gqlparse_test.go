package shopifytest

import (
	"strings"
	"testing"
)

func TestParseDocument(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		doc  string
		err  string // substring, "" for valid
	}{
		{"shorthand", `{ shop { name } }`, ""},
		{"named with variables", `query Orders($first: Int! = 10, $after: String, $ids: [ID!]!) { orders(first: $first, after: $after) { nodes { id } } }`, ""},
		{"aliases, directives, fragments", `query { a: shop { n: name @include(if: true) ...F ... on Shop { email } } } fragment F on Shop { id }`, ""},
		{"block string and escapes", `mutation { bulkOperationRunQuery(query: """
			{ orders { edges { node { id } } } }
		""", groupObjects: true) { userErrors { message } } } # comment`, ""},
		{"unicode escape", `{ shop { name(x: "caf\u00e9 \"q\"") } }`, ""},
		{"object and list literals", `{ x(input: {a: [1, 2.5e3, -3], b: null, c: ENUM, d: {e: false}}) { y } }`, ""},
		{"empty", ``, "no operation"},
		{"unterminated selection", `{ shop { name }`, "unterminated"},
		{"empty selection", `{ shop { } }`, "must not be empty"},
		{"bad escape", `{ a(s: "\q") { b } }`, "unknown escape"},
		{"unterminated string", "{ a(s: \"abc\n\") { b } }", "unterminated string"},
		{"bad number", `{ a(n: 1.) { b } }`, "digits"},
		{"variable in default", `query($a: Int = $b) { x }`, "variable is not allowed"},
		{"duplicate argument", `{ a(x: 1, x: 2) { b } }`, "given twice"},
		{"duplicate fragment", `{ a { ...F } } fragment F on A { b } fragment F on A { c }`, "defined twice"},
		{"stray character", `{ a { b } } %`, "unexpected character"},
		{"too deep", strings.Repeat("{ a ", 100) + strings.Repeat("}", 100), "deeper"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parseDocument(tc.doc)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(doc.ops) == 0 {
					t.Fatal("no operation parsed")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.err)
			}
		})
	}
}

func TestBlockStringIndent(t *testing.T) {
	t.Parallel()
	got := blockStringValue("\n    line one\n      indented\n    line three\n  ")
	if got != "line one\n  indented\nline three" {
		t.Fatalf("got %q", got)
	}
}

func FuzzParseDocument(f *testing.F) {
	for _, s := range []string{`{ shop { name } }`, `query Q($a: [ID!]! = ["x"]) { nodes(ids: $a) { ... on Order { id } } }`,
		`mutation { m(x: """a\"""b""") @idempotent(key: "k") { y } }`, `fragment F on T { a } { ...F }`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := parseDocument(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if len(doc.ops) == 0 {
			t.Fatal("a document without operations was accepted")
		}
	})
}

func TestParseSearch(t *testing.T) {
	t.Parallel()
	sq, err := parseSearch(`updated_at:>='2026-03-14T10:00:00Z' AND updated_at:<"2026-03-15" sku:'TS3 GRY' bogus:1 OR x`, "sku")
	if err != nil {
		t.Fatal(err)
	}
	if sq.updated.lo == nil || !sq.updated.loIncl || sq.updated.lo.Format("2006-01-02T15:04:05Z") != "2026-03-14T10:00:00Z" ||
		sq.updated.hi == nil || sq.updated.hiIncl || sq.terms["sku"] != "TS3 GRY" || len(sq.warnings) != 3 {
		t.Fatalf("parsed %+v", sq)
	}
	if _, err := parseSearch(`updated_at:>=yesterday`); err == nil {
		t.Fatal("a bad date was accepted")
	}
}

func FuzzParseSearch(f *testing.F) {
	f.Add(`updated_at:>='2026-03-14T10:00:00Z' sku:ABC`)
	f.Add(`"unterminated`)
	f.Fuzz(func(t *testing.T, q string) {
		sq, err := parseSearch(q, "sku")
		if err == nil && sq.updated.lo != nil && sq.updated.hi != nil && sq.updated.lo.After(*sq.updated.hi) {
			return // an empty range is allowed
		}
	})
}
