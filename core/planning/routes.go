package planning

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/recommend"
	"github.com/supplyhub/supplyhub/core/routing"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Register adds the planning routes and schemas to the API server.
func (s *Service) Register(srv *api.Server) {
	srv.AddSchemas(map[string]any{
		"DemandList":         api.ListOf(api.SchemaOf(DemandSeries{})),
		"ForecastRun":        api.SchemaOf(RunStatus{}),
		"Recommendation":     api.SchemaOf(recommend.Result{}),
		"RecommendationPush": api.SchemaOf(RecommendationPush{}),
		"ForecastPage":       api.PageSchema(commerce.KindForecast),
		"ReplenishmentList": map[string]any{"type": "object", "properties": map[string]any{
			"items": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/ReplenishmentSuggestion"}},
			"run":   api.SchemaOf(ReplenishmentStatus{})}},
		"ReplenishmentRun": api.SchemaOf(ReplenishmentStatus{}),
		"RouteRequest":     api.SchemaOf(routeRequest{}),
		"RouteResponse":    api.SchemaOf(routeResponse{}),
		"RouteDecisionList": api.ListOf(map[string]any{"allOf": []any{api.SchemaOf(routing.Decision{}), map[string]any{"type": "object", "properties": map[string]any{
			"id": map[string]any{"type": "string"}, "order_ref": map[string]any{"type": "string"},
			"outcome": map[string]any{"type": "string", "enum": []string{"routed", "unroutable"}}, "recorded_at": map[string]any{"type": "string", "format": "date-time"}}}}}),
	})
	srv.Add(s.routes()...)
	srv.Add(s.replenishmentRoutes()...)
	srv.Add(s.routingRoutes()...)
}

func (s *Service) routes() []api.Route {
	demandParams := []api.Param{
		{Name: "sku", Description: "only this SKU"},
		{Name: "location", Description: "only this upstream location id (\"*\" for orders that do not say)"},
		{Name: "connection", Description: "only orders of this connection"},
	}
	return []api.Route{
		{Method: http.MethodGet, Path: "/v1/demand", Tag: "planning", Scope: api.ScopeRead,
			Summary:     "Daily net demand per SKU and location, built from the stored orders",
			Description: "Units ordered minus units refunded, nothing for cancelled orders, one value per day from the first sale; a stockout day without sales is null, not zero.",
			Query:       demandParams, Response: "DemandList", Errors: []int{400},
			Handler: func(c *gin.Context) {
				if err := api.CheckQuery(c, demandParams); err != nil {
					api.Fail(c, err)
					return
				}
				series, err := Demand(c.Request.Context(), s.store, DemandFilter{SKU: c.Query("sku"), Location: c.Query("location"), Connection: c.Query("connection")}, commerce.Date{})
				if err != nil {
					api.Fail(c, err)
					return
				}
				if series == nil {
					series = []DemandSeries{}
				}
				c.PureJSON(http.StatusOK, gin.H{"items": series})
			}},
		{Method: http.MethodGet, Path: "/v1/forecasts", Tag: "planning", Scope: api.ScopeRead,
			Summary:     "Stored demand forecasts per SKU and location",
			Description: "Each forecast has one point per day with the mean and the 80% and 95% intervals, the method chosen and its backtest MASE and sMAPE. Filter with sku and location.",
			Query:       api.ListParams, Response: "ForecastPage", Errors: []int{400},
			Handler: func(c *gin.Context) {
				q, err := api.ParseListQuery(c, commerce.KindForecast)
				if err != nil {
					api.Fail(c, err)
					return
				}
				page, err := s.store.ListRecords(c.Request.Context(), q)
				if err != nil {
					api.Fail(c, err)
					return
				}
				api.WritePage(c, page)
			}},
		{Method: http.MethodPost, Path: "/v1/forecasts/run", Tag: "planning", Scope: api.ScopeOps,
			Summary: "Recompute every forecast now", Description: "Queues a run; follow it with GET /v1/forecasts/run.",
			Response: "ForecastRun", Status: http.StatusAccepted, Errors: []int{409},
			Handler: func(c *gin.Context) {
				if !s.RequestRun("api") {
					api.Fail(c, api.Conflict("a forecast run is already running or queued; see GET /v1/forecasts/run"))
					return
				}
				c.PureJSON(http.StatusAccepted, s.Status())
			}},
		{Method: http.MethodGet, Path: "/v1/forecasts/run", Tag: "planning", Scope: api.ScopeRead,
			Summary: "The state of the last forecast run", Response: "ForecastRun",
			Handler: func(c *gin.Context) { c.PureJSON(http.StatusOK, s.Status()) }},
		{Method: http.MethodGet, Path: "/v1/recommendations", Tag: "planning", Scope: api.ScopeRead,
			Summary:     "Items bought together with a SKU, or for a customer from their history",
			Description: "Pass sku (one item) or customer (\"<connection>/<customer external id>\"). A new or rare SKU falls back to its category, vendor or best sellers; the answer says which and why.",
			Query: []api.Param{{Name: "sku", Description: "recommend items bought with this SKU"},
				{Name: "customer", Description: "recommend for this customer: <connection>/<customer external id>"},
				{Name: "k", Type: "integer", Description: "number of items, 1 to 100 (default 10)"},
				{Name: "method", Description: "lift, cosine, item-knn, user-knn or popularity (default: the configured one)"}},
			Response: "Recommendation", Errors: []int{400, 503},
			Handler: s.recommendations},
		{Method: http.MethodPost, Path: "/v1/recommendations/push", Tag: "planning", Scope: api.ScopeOps,
			Summary: "Push \"frequently bought together\" lists to the recommendation channels now",
			Description: "For every product of every channel in planning.recommend.channels, computes the products most often bought with it that the channel also sells " +
				"and queues each list that changed since the last push as a set_recommendations write-back (on Shopify, the complementary products metafield). " +
				"Answers how many lists were queued per channel; follow them with GET /v1/writebacks?connection=<id>.",
			Response: "RecommendationPush", Errors: []int{409, 503},
			Handler: s.pushRecommendations},
	}
}

func (s *Service) pushRecommendations(c *gin.Context) {
	if len(s.cfg.Recommend.Channels) == 0 {
		api.Fail(c, api.Conflict("no recommendation channels are configured: set planning.recommend.channels (or SUPPLYHUB_RECOMMEND_CHANNELS) to connection ids, or \"*\""))
		return
	}
	if err := s.cfg.Recommend.Validate(); err != nil {
		api.Fail(c, api.Conflict("%v", err))
		return
	}
	res, err := s.PushRecommendations(c.Request.Context(), "api")
	if errors.Is(err, errNoModel) {
		api.Fail(c, api.Errorf(http.StatusServiceUnavailable, "unavailable", "%v", err))
		return
	}
	if err != nil {
		api.Fail(c, err)
		return
	}
	c.PureJSON(http.StatusOK, res)
}

func (s *Service) recommendations(c *gin.Context) {
	if err := api.CheckQuery(c, []api.Param{{Name: "sku"}, {Name: "customer"}, {Name: "k"}, {Name: "method"}}); err != nil {
		api.Fail(c, err)
		return
	}
	m := s.recommender()
	if m == nil {
		api.Fail(c, api.Errorf(http.StatusServiceUnavailable, "unavailable", "the recommendation model is still being built; retry in a moment"))
		return
	}
	k := 10
	if v := c.Query("k"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			api.Fail(c, api.BadRequest("k %q must be an integer from 1 to 100", v))
			return
		}
		k = n
	}
	q := recommend.Query{K: k, Customer: c.Query("customer")}
	if sku := c.Query("sku"); sku != "" {
		q.SKUs = []string{sku}
	}
	if (len(q.SKUs) == 0) == (q.Customer == "") {
		api.Fail(c, api.BadRequest("pass exactly one of sku or customer"))
		return
	}
	if v := c.Query("method"); v != "" {
		meth, err := recommend.ParseMethod(v)
		if err != nil {
			api.Fail(c, api.BadRequest("%v", err))
			return
		}
		q.Method = meth
	}
	res, err := m.Recommend(q)
	if errors.Is(err, recommend.ErrInsufficientData) {
		// Too little history is an answer, not a failure.
		c.PureJSON(http.StatusOK, gin.H{"items": []any{}, "notice": gin.H{"message": err.Error()}})
		return
	}
	if err != nil {
		api.Fail(c, api.BadRequest("%v", err))
		return
	}
	c.PureJSON(http.StatusOK, res)
}
