package planning

import (
	"encoding/csv"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

var replenishParams = []api.Param{
	{Name: "sku", Description: "only this SKU"},
	{Name: "location", Description: "only this location (destination of a transfer)"},
	{Name: "class", Description: "only this ABC/XYZ class, e.g. AX, or one letter (A, X)"},
	{Name: "type", Description: "purchase or transfer", Enum: []string{"purchase", "transfer"}},
}

// suggestions returns the current suggestions matching the request's
// filters, soonest order-by first.
func (s *Service) suggestions(c *gin.Context) ([]*commerce.ReplenishmentSuggestion, error) {
	if err := api.CheckQuery(c, replenishParams); err != nil {
		return nil, err
	}
	all, err := listAll[*commerce.ReplenishmentSuggestion](c.Request.Context(), s.store, commerce.KindReplenishmentSuggestion)
	if err != nil {
		return nil, err
	}
	sku, loc, class, typ := c.Query("sku"), c.Query("location"), strings.ToUpper(c.Query("class")), c.Query("type")
	out := make([]*commerce.ReplenishmentSuggestion, 0, len(all))
	for _, r := range all {
		switch {
		case sku != "" && r.SKU != sku, loc != "" && r.LocationID != loc, typ != "" && r.Type != typ:
		case class != "" && !(r.Class == class || (len(class) == 1 && strings.Contains(r.Class, class))):
		default:
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].OrderBy != out[j].OrderBy {
			return out[i].OrderBy.Before(out[j].OrderBy)
		}
		return out[i].SKU+out[i].LocationID < out[j].SKU+out[j].LocationID
	})
	return out, nil
}

var csvHeader = []string{"type", "sku", "location_id", "from_location_id", "supplier", "quantity", "order_by", "lead_time_days",
	"expected_stockout", "policy", "class", "on_hand", "incoming", "reorder_point", "safety_stock", "unit_cost", "total_cost", "currency", "reason"}

func csvRow(r *commerce.ReplenishmentSuggestion) []string {
	date := func(d commerce.Date) string {
		if d.IsZero() {
			return ""
		}
		return d.String()
	}
	var unit, total, cur string
	if r.UnitCost != nil {
		unit, cur = r.UnitCost.Round(commerce.RoundHalfEven).Amount.String(), string(r.UnitCost.Currency)
	}
	if r.TotalCost != nil {
		total = r.TotalCost.Round(commerce.RoundHalfEven).Amount.String()
	}
	return []string{r.Type, r.SKU, r.LocationID, r.FromLocationID, r.Supplier, strconv.Itoa(r.Quantity), date(r.OrderBy),
		strconv.Itoa(r.LeadTimeDays), date(r.ExpectedStockout), r.Policy, r.Class, strconv.Itoa(r.OnHand), strconv.Itoa(r.Incoming),
		strconv.FormatFloat(r.ReorderPoint, 'f', 1, 64), strconv.FormatFloat(r.SafetyStock, 'f', 1, 64), unit, total, cur, r.Reason}
}

func (s *Service) replenishmentRoutes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Path: "/v1/replenishment", Tag: "planning", Scope: api.ScopeRead,
			Summary:     "The current replenishment plan: what to order or transfer, where, by when, and why",
			Description: "Suggestions of the last replenishment run, soonest order-by date first, each with its quantity, order-by date, lead time, expected stockout date if nothing is ordered, policy, ABC/XYZ class and the reason in words.",
			Query:       replenishParams, Response: "ReplenishmentList", Errors: []int{400},
			Handler: func(c *gin.Context) {
				out, err := s.suggestions(c)
				if err != nil {
					api.Fail(c, err)
					return
				}
				c.PureJSON(http.StatusOK, gin.H{"items": out, "run": s.ReplenishmentStatus()})
			}},
		{Method: http.MethodGet, Path: "/v1/replenishment.csv", Tag: "planning", Scope: api.ScopeRead,
			Summary: "The current replenishment plan as CSV, for a spreadsheet or a purchasing system",
			Query:   replenishParams, ContentType: "text/csv", Errors: []int{400},
			Handler: func(c *gin.Context) {
				out, err := s.suggestions(c)
				if err != nil {
					api.Fail(c, err)
					return
				}
				c.Header("Content-Type", "text/csv; charset=utf-8")
				c.Header("Content-Disposition", `attachment; filename="replenishment.csv"`)
				c.Status(http.StatusOK)
				w := csv.NewWriter(c.Writer)
				w.Write(csvHeader) //nolint:errcheck
				for _, r := range out {
					w.Write(csvRow(r)) //nolint:errcheck
				}
				w.Flush()
			}},
		{Method: http.MethodPost, Path: "/v1/replenishment/run", Tag: "planning", Scope: api.ScopeOps,
			Summary:     "Recompute the replenishment plan now from the stored stock and forecasts",
			Description: "Runs synchronously and answers with the run's status; it usually takes seconds.",
			Response:    "ReplenishmentRun", Errors: []int{500},
			Handler: func(c *gin.Context) {
				st, err := s.Replenish(c.Request.Context())
				if err != nil {
					api.Fail(c, err)
					return
				}
				c.PureJSON(http.StatusOK, st)
			}},
	}
}

// ReplenishmentStatus returns the last replenishment run's status.
func (s *Service) ReplenishmentStatus() ReplenishmentStatus {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	return s.replenishStatus
}
