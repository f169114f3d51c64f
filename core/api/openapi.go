package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// OpenAPIPath converts a gin path to OpenAPI syntax: /v1/orders/:id →
// /v1/orders/{id}.
func OpenAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// baseSchemas are the component schemas of the API's own types.
func baseSchemas() map[string]any {
	obj := func(props map[string]any, required ...string) map[string]any {
		m := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			m["required"] = required
		}
		return m
	}
	str := map[string]any{"type": "string"}
	return map[string]any{
		"Error": obj(map[string]any{"error": obj(map[string]any{
			"code":    map[string]any{"type": "string", "description": "stable machine-readable code, e.g. invalid_argument, unauthenticated, forbidden, not_found, conflict, payload_too_large, internal"},
			"message": map[string]any{"type": "string", "description": "what went wrong and what to do"},
		}, "code", "message")}, "error"),
		"Health":    obj(map[string]any{"status": str, "version": str}, "status"),
		"Readiness": obj(map[string]any{"status": str, "checks": map[string]any{"type": "object", "additionalProperties": str}}, "status", "checks"),
		"Token": obj(map[string]any{
			"id": str, "name": str, "scopes": map[string]any{"type": "array", "items": str},
			"created_at":   map[string]any{"type": "string", "format": "date-time"},
			"last_used_at": map[string]any{"type": "string", "format": "date-time"},
			"revoked_at":   map[string]any{"type": "string", "format": "date-time"},
		}, "id", "name", "scopes", "created_at"),
		"TokenList": obj(map[string]any{"items": map[string]any{"type": "array", "items": ref("Token")}}, "items"),
		"TokenRequest": obj(map[string]any{
			"name":   str,
			"scopes": map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []string{"read", "ops", "admin"}}},
		}, "name", "scopes"),
		"IssuedToken": obj(map[string]any{"token": map[string]any{"type": "string", "description": "the secret token, shown only once"}, "info": ref("Token")}, "token", "info"),
	}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

// commerceSchemas returns the model's $defs with references rewritten for
// OpenAPI components.
func commerceSchemas() map[string]any {
	raw := strings.ReplaceAll(string(commerce.JSONSchema()), "#/$defs/", "#/components/schemas/")
	var doc struct {
		Defs map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		panic("api: embedded commerce schema: " + err.Error())
	}
	return doc.Defs
}

// OpenAPI returns the OpenAPI 3.1 document of every registered route.
func (s *Server) OpenAPI() map[string]any {
	schemas := commerceSchemas()
	for k, v := range baseSchemas() {
		schemas[k] = v
	}
	for k, v := range s.schemas {
		schemas[k] = v
	}
	paths := map[string]map[string]any{}
	routes := append([]Route(nil), s.routes...)
	sort.SliceStable(routes, func(i, j int) bool { return routes[i].Path < routes[j].Path })
	for _, r := range routes {
		p := OpenAPIPath(r.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{
			"summary":     r.Summary,
			"operationId": operationID(r),
			"tags":        []string{r.Tag},
		}
		if r.Description != "" {
			op["description"] = r.Description
		}
		var params []any
		for _, m := range ginParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range r.Query {
			typ := q.Type
			if typ == "" {
				typ = "string"
			}
			sch := map[string]any{"type": typ}
			if len(q.Enum) > 0 {
				sch["enum"] = q.Enum
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required, "description": q.Description, "schema": sch})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Request != "" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(r.Request)}}}
		}
		status := r.Status
		if status == 0 {
			status = http.StatusOK
		}
		success := map[string]any{"description": http.StatusText(status)}
		switch {
		case r.Response != "":
			success["content"] = map[string]any{"application/json": map[string]any{"schema": ref(r.Response)}}
		case r.ContentType != "":
			success["content"] = map[string]any{r.ContentType: map[string]any{}}
		}
		responses := map[string]any{strconv.Itoa(status): success}
		errs := append([]int(nil), r.Errors...)
		if r.Scope != ScopeNone {
			errs = append(errs, http.StatusUnauthorized, http.StatusForbidden)
			op["security"] = []any{map[string]any{"bearer": []string{string(r.Scope)}}}
			op["x-required-scope"] = string(r.Scope)
		}
		for _, e := range errs {
			responses[strconv.Itoa(e)] = map[string]any{"description": http.StatusText(e),
				"content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
		}
		op["responses"] = responses
		paths[p][strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Supplyhub API",
			"version":     s.cfg.Version,
			"description": "Integration gateway for multi-channel merchants: connections, webhooks, syncs, the unified commerce model, forecasts, replenishment and routing. Tokens carry scopes read ⊂ ops ⊂ admin.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "API token from supplyhub tokens create"}},
		},
	}
}

func operationID(r Route) string {
	parts := strings.FieldsFunc(r.Path, func(c rune) bool { return c == '/' || c == ':' || c == '-' || c == '.' || c == '*' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.ToLower(r.Method) + strings.Join(parts, "")
}
