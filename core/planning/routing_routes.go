package planning

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/routing"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// routeRequest is the body of POST /v1/route/order.
type routeRequest struct {
	// Order is an order of the unified model; its shipping address is the destination.
	Order json.RawMessage `json:"order"`
	// Promise is the delivery promise; default: the configured promise days.
	Promise routing.Promise `json:"promise"`
}

// routeResponse is the answer of a dry run.
type routeResponse struct {
	// Outcome is routed or unroutable.
	Outcome  string            `json:"outcome"`
	Decision *routing.Decision `json:"decision,omitempty"`
	// Error says why an order could not be routed.
	Error string `json:"error,omitempty"`
}

func (s *Service) routingRoutes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Path: "/v1/route/order", Tag: "routing", Scope: api.ScopeRead,
			Summary:     "Route an order without reserving anything (a dry run)",
			Description: "Chooses the location(s) that ship each line from the stored locations and stock, shops the connected carriers' rates (or the rate table) with a deadline, adds landed cost for cross-border shipments, and explains the choice. Unroutable orders answer 200 with outcome unroutable and the reason.",
			Request:     "RouteRequest", Response: "RouteResponse", Errors: []int{400, 413},
			Handler: func(c *gin.Context) {
				var req routeRequest
				if err := api.DecodeJSON(c, &req); err != nil {
					api.Fail(c, err)
					return
				}
				if len(bytes.TrimSpace(req.Order)) == 0 {
					api.Fail(c, api.BadRequest("order is required: an order of the unified model (see components.schemas.Order)"))
					return
				}
				rec, err := commerce.Decode(commerce.KindOrder, req.Order)
				if err == nil {
					m := rec.Metadata()
					if m.Source.Connection == "" {
						m.Source.Connection = "dry-run"
					}
					err = rec.Validate()
				}
				if err != nil {
					api.Fail(c, api.BadRequest("order: %v", err))
					return
				}
				d, err := s.RouteOrder(c.Request.Context(), rec.(*commerce.Order), req.Promise)
				var ue *routing.UnroutableError
				switch {
				case errors.As(err, &ue):
					c.PureJSON(http.StatusOK, routeResponse{Outcome: "unroutable", Decision: ue.Decision, Error: ue.Error()})
				case errors.Is(err, routing.ErrNothingToRoute):
					c.PureJSON(http.StatusOK, routeResponse{Outcome: "unroutable", Error: err.Error()})
				case errors.Is(err, routing.ErrInvalidRequest):
					api.Fail(c, api.BadRequest("%v", err))
				case err != nil:
					api.Fail(c, err)
				default:
					c.PureJSON(http.StatusOK, routeResponse{Outcome: "routed", Decision: d})
				}
			}},
		{Method: http.MethodGet, Path: "/v1/route/decisions", Tag: "routing", Scope: api.ScopeRead,
			Summary:     "The latest routing decisions, newest first, with their explanation, rates and landed cost",
			Description: "New orders are routed as they arrive (stock is reserved at the chosen locations); each item is the decision with the store's id, the order reference and the outcome: routed, unroutable (the decision says why), or failed (the router could not consider the order; the body is {\"error\": ...} and the order's next update is routed again).",
			Query: []api.Param{{Name: "order", Description: "only this order: <connection>/<external id>"},
				{Name: "limit", Type: "integer", Description: "page size, 1 to 1000 (default 50)"},
				{Name: "cursor", Description: "next_cursor of the previous page"}},
			Response: "RouteDecisionList", Errors: []int{400},
			Handler: func(c *gin.Context) {
				if err := api.CheckQuery(c, []api.Param{{Name: "order"}, {Name: "limit"}, {Name: "cursor"}}); err != nil {
					api.Fail(c, err)
					return
				}
				limit := 50
				if v := c.Query("limit"); v != "" {
					n, err := strconv.Atoi(v)
					if err != nil || n < 1 || n > 1000 {
						api.Fail(c, api.BadRequest("limit %q must be an integer from 1 to 1000", v))
						return
					}
					limit = n
				}
				before, err := api.DecodeCursor(c.Query("cursor"))
				if err != nil {
					api.Fail(c, err)
					return
				}
				ds, next, err := s.store.ListDecisions(c.Request.Context(), c.Query("order"), before, limit)
				if err != nil {
					api.Fail(c, err)
					return
				}
				items := make([]json.RawMessage, 0, len(ds))
				for _, d := range ds {
					items = append(items, decisionItem(d))
				}
				var cursor any
				if next > 0 {
					cursor = api.EncodeCursor(next)
				}
				c.PureJSON(http.StatusOK, gin.H{"items": items, "next_cursor": cursor})
			}},
	}
}

// decisionItem merges a stored decision's fields into its JSON.
func decisionItem(d store.Decision) json.RawMessage {
	var m map[string]any
	if err := json.Unmarshal(d.Decision, &m); err != nil || m == nil {
		m = map[string]any{}
	}
	m["id"] = strconv.FormatInt(d.ID, 10)
	m["order_ref"] = d.OrderRef
	m["outcome"] = d.Outcome
	m["recorded_at"] = d.DecidedAt
	b, _ := json.Marshal(m)
	return b
}
