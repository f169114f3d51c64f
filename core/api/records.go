package api

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// ListParams are the query parameters of every record list.
var ListParams = []Param{
	{Name: "connection", Description: "only records from this connection id"},
	{Name: "sku", Description: "only records that mention this SKU"},
	{Name: "location", Description: "only records at this upstream location id"},
	{Name: "external_id", Description: "only the record with this upstream id (use with connection)"},
	{Name: "updated_since", Description: "only records whose upstream updated_at is at or after this RFC 3339 time, e.g. 2026-03-01T00:00:00Z"},
	{Name: "limit", Type: "integer", Description: "page size, 1 to 1000 (default 100)"},
	{Name: "cursor", Description: "the next_cursor of the previous page"},
}

// EncodeCursor and DecodeCursor make the opaque page cursors.
func EncodeCursor(id int64) string {
	if id == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("r" + strconv.FormatInt(id, 10)))
}

// DecodeCursor parses a cursor made by EncodeCursor.
func DecodeCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != 'r' {
		return 0, BadRequest("cursor %q is not one this API issued: pass next_cursor from the previous page", s)
	}
	id, err := strconv.ParseInt(string(b[1:]), 10, 64)
	if err != nil || id <= 0 {
		return 0, BadRequest("cursor %q is not one this API issued", s)
	}
	return id, nil
}

// CheckQuery rejects query parameters a route does not document, so that a
// typo such as ?skus= is an error rather than a silently ignored filter.
func CheckQuery(c *gin.Context, params []Param) error {
	allowed := map[string]bool{"access_token": true}
	for _, p := range params {
		allowed[p.Name] = true
	}
	for k := range c.Request.URL.Query() {
		if !allowed[k] {
			names := make([]string, 0, len(params))
			for _, p := range params {
				names = append(names, p.Name)
			}
			return BadRequest("unknown query parameter %q; this endpoint takes %s", k, strings.Join(names, ", "))
		}
	}
	return nil
}

// ParseListQuery reads ListParams into a store query.
func ParseListQuery(c *gin.Context, kind commerce.Kind) (store.Query, error) {
	if err := CheckQuery(c, ListParams); err != nil {
		return store.Query{}, err
	}
	q := store.Query{Kind: kind, Connection: c.Query("connection"), SKU: c.Query("sku"), Location: c.Query("location"), ExternalID: c.Query("external_id")}
	if v := c.Query("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return q, BadRequest("updated_since %q is not an RFC 3339 time with a zone, e.g. 2026-03-01T00:00:00Z", v)
		}
		q.UpdatedSince = t
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return q, BadRequest("limit %q must be an integer from 1 to 1000", v)
		}
		q.Limit = n
	}
	after, err := DecodeCursor(c.Query("cursor"))
	if err != nil {
		return q, err
	}
	q.After = after
	return q, nil
}

// RecordJSON writes a stored record as its model JSON with the store's
// "id" (a string) and "ingested_at" added in front.
func RecordJSON(r *store.StoredRecord) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"id":"%d","ingested_at":"%s"`, r.ID, r.IngestedAt.Format(time.RFC3339Nano))
	data := bytes.TrimSpace(r.Data)
	if len(data) > 2 {
		b.WriteByte(',')
		b.Write(data[1:])
	} else {
		b.WriteByte('}')
	}
	return b.Bytes()
}

// WritePage writes {"items": [...], "next_cursor": "..."}.
func WritePage(c *gin.Context, page store.Page) {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := range page.Items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(RecordJSON(&page.Items[i]))
	}
	b.WriteString(`],"next_cursor":`)
	if page.Next == 0 {
		b.WriteString("null}")
	} else {
		b.WriteString(`"` + EncodeCursor(page.Next) + `"}`)
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", b.Bytes())
}

// recordCollections maps API collections to record kinds.
var recordCollections = []struct {
	path, title string
	kind        commerce.Kind
}{
	{"orders", "orders", commerce.KindOrder},
	{"products", "products with their variants", commerce.KindProduct},
	{"inventory", "inventory levels per SKU and location", commerce.KindInventoryLevel},
	{"receipts", "dated incoming stock (open purchase receipts and inbound transfers)", commerce.KindReceipt},
	{"locations", "locations", commerce.KindLocation},
	{"shipments", "shipments and fulfilments", commerce.KindShipment},
	{"refunds", "refunds", commerce.KindRefund},
	{"customers", "customers", commerce.KindCustomer},
}

func schemaName(k commerce.Kind) string {
	parts := strings.Split(string(k), "_")
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, "")
}

// PageSchema returns the component schema of a page of records of kind.
func PageSchema(k commerce.Kind) map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"items": map[string]any{"type": "array", "items": map[string]any{"allOf": []any{ref(schemaName(k)), ref("StoreFields")}}},
			"next_cursor": map[string]any{"type": []string{"string", "null"},
				"description": "pass as cursor to get the next page; null on the last page"},
		},
		"required": []string{"items", "next_cursor"},
	}
}

func (s *Server) recordRoutes() []Route {
	schemas := map[string]any{
		"StoreFields": map[string]any{"type": "object", "properties": map[string]any{
			"id":          map[string]any{"type": "string", "description": "the store's id of the record"},
			"ingested_at": map[string]any{"type": "string", "format": "date-time", "description": "when the gateway last wrote it"},
		}},
	}
	var routes []Route
	for _, col := range recordCollections {
		kind := col.kind
		name := schemaName(kind)
		schemas[name+"Page"] = PageSchema(kind)
		schemas["Stored"+name] = map[string]any{"allOf": []any{ref(name), ref("StoreFields")}}
		routes = append(routes,
			Route{Method: http.MethodGet, Path: "/v1/" + col.path, Tag: "records", Scope: ScopeRead,
				Summary: "List " + col.title, Query: ListParams, Response: name + "Page", Errors: []int{400},
				Description: "Records of the unified model, oldest first, in pages. Filters combine with AND.",
				Handler: func(c *gin.Context) {
					q, err := ParseListQuery(c, kind)
					if err != nil {
						Fail(c, err)
						return
					}
					page, err := s.store.ListRecords(c.Request.Context(), q)
					if err != nil {
						Fail(c, err)
						return
					}
					WritePage(c, page)
				}},
			Route{Method: http.MethodGet, Path: "/v1/" + col.path + "/:id", Tag: "records", Scope: ScopeRead,
				Summary: "Get one of the " + col.title + " by its store id", Response: "Stored" + name, Errors: []int{400, 404},
				Handler: func(c *gin.Context) {
					id, err := strconv.ParseInt(c.Param("id"), 10, 64)
					if err != nil || id <= 0 {
						Fail(c, BadRequest("id %q is not a record id; ids are the \"id\" field of list results", c.Param("id")))
						return
					}
					r, err := s.store.GetRecord(c.Request.Context(), kind, id)
					if errors.Is(err, store.ErrNotFound) {
						Fail(c, NotFound("no %s with id %d", kind, id))
						return
					}
					if err != nil {
						Fail(c, err)
						return
					}
					c.Data(http.StatusOK, "application/json; charset=utf-8", RecordJSON(r))
				}},
		)
	}
	s.AddSchemas(schemas)
	return routes
}
