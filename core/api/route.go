package api

import "github.com/gin-gonic/gin"

// Scope is what a token may do. Scopes nest: admin includes ops, ops
// includes read.
type Scope string

// The scopes. ScopeNone marks a public route.
const (
	ScopeNone  Scope = ""
	ScopeRead  Scope = "read"
	ScopeOps   Scope = "ops"
	ScopeAdmin Scope = "admin"
)

var scopeRank = map[Scope]int{ScopeRead: 1, ScopeOps: 2, ScopeAdmin: 3}

// ValidScope reports whether s names a scope a token can hold.
func ValidScope(s string) bool { _, ok := scopeRank[Scope(s)]; return ok }

// allows reports whether a token with scopes may use a route needing need.
func allows(scopes []string, need Scope) bool {
	if need == ScopeNone {
		return true
	}
	for _, s := range scopes {
		if scopeRank[Scope(s)] >= scopeRank[need] {
			return true
		}
	}
	return false
}

// Param documents a path or query parameter.
type Param struct {
	Name        string
	Description string
	// Type is the JSON Schema type: string (default), integer, boolean.
	Type     string
	Required bool
	// Enum lists the allowed values, if any.
	Enum []string
}

// Route is one endpoint: its documentation, its scope and its handler.
type Route struct {
	Method string
	// Path uses gin syntax: /v1/orders/:id.
	Path        string
	Summary     string
	Description string
	// Tag groups routes in the OpenAPI document.
	Tag   string
	Scope Scope
	// QueryToken also accepts the token as ?access_token= (for EventSource
	// and links, which cannot set headers).
	QueryToken bool
	Query      []Param
	// Request names the component schema of the JSON body, if any.
	Request string
	// Response names the component schema of the success body; empty for
	// no body or a non-JSON body (then ContentType says which).
	Response string
	// ContentType of a non-JSON success body, e.g. text/event-stream.
	ContentType string
	// Status is the success status; default 200.
	Status int
	// Errors lists the error statuses the route may answer besides 401/403.
	Errors  []int
	Handler gin.HandlerFunc
}
