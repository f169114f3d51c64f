package api

import (
	"testing"
)

// TestSchemaOfRecursiveStruct: a struct that contains itself (as
// sdk.WebhookSpec does through Alternatives) is described once, and the
// inner occurrence says what it is instead of recursing forever.
func TestSchemaOfRecursiveStruct(t *testing.T) {
	t.Parallel()
	type node struct {
		Name     string `json:"name"`
		Children []node `json:"children,omitempty"`
		Next     *node  `json:"next,omitempty"`
	}
	type pair struct {
		A node `json:"a"`
		B node `json:"b"`
	}
	s := SchemaOf(pair{})
	props := s["properties"].(map[string]any)
	for _, k := range []string{"a", "b"} { // siblings are both described in full
		n := props[k].(map[string]any)
		np := n["properties"].(map[string]any)
		if _, ok := np["name"]; !ok {
			t.Fatalf("%s: %v", k, n)
		}
		inner := np["children"].(map[string]any)["items"].(map[string]any)
		if inner["type"] != "object" || inner["description"] != "a node like the enclosing one" {
			t.Fatalf("%s.children items: %v", k, inner)
		}
		if next := np["next"].(map[string]any); next["description"] != "a node like the enclosing one" {
			t.Fatalf("%s.next: %v", k, next)
		}
	}
}
