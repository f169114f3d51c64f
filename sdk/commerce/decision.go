package commerce

import "time"

// Forecast is the demand forecast for one SKU at one location, per day.
// Quantities are units of demand (not money) and may be fractional.
type Forecast struct {
	Meta
	SKU        string `json:"sku"`
	LocationID string `json:"location_id"`
	// Method is the model chosen, e.g. "ets(A,Ad,A)", with a note when it fell
	// back to a simpler one.
	Method string `json:"method"`
	// GeneratedAt is when the forecast was computed.
	GeneratedAt time.Time `json:"generated_at"`
	// Points are the forecast days, in order.
	Points []ForecastPoint `json:"points"`
	// MASE is the backtest's mean absolute scaled error, if backtested.
	MASE *float64 `json:"mase,omitempty"`
	// SMAPE is the backtest's symmetric mean absolute percentage error.
	SMAPE *float64 `json:"smape,omitempty"`
}

// ForecastPoint is the forecast for one day.
type ForecastPoint struct {
	Date Date    `json:"date"`
	Mean float64 `json:"mean"`
	// Intervals are prediction intervals by level (80, 95).
	Intervals []Interval `json:"intervals,omitempty"`
}

// Interval is a central prediction interval at a level in percent.
type Interval struct {
	Level float64 `json:"level"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
}

// Kind returns KindForecast.
func (*Forecast) Kind() Kind { return KindForecast }

// Validate checks the forecast.
func (f *Forecast) Validate() error {
	c := newChecker(KindForecast)
	c.meta(f.Meta)
	if f.Deleted {
		return c.err()
	}
	c.required("sku", f.SKU)
	c.required("method", f.Method)
	c.time("generated_at", f.GeneratedAt)
	for i, p := range f.Points {
		pc := c.index("points", i)
		if p.Date.IsZero() {
			pc.fail("date", "is required")
		}
		if i > 0 && !f.Points[i-1].Date.Before(p.Date) {
			pc.fail("date", "%s does not follow %s", p.Date, f.Points[i-1].Date)
		}
		for j, iv := range p.Intervals {
			ic := pc.index("intervals", j)
			if iv.Level <= 0 || iv.Level >= 100 {
				ic.fail("level", "must be between 0 and 100 (got %v)", iv.Level)
			}
			if iv.Lo > iv.Hi {
				ic.fail("lo", "%v is above hi %v", iv.Lo, iv.Hi)
			}
		}
	}
	return c.err()
}

// ReplenishmentSuggestion says what to order or transfer, where and by when,
// and why.
type ReplenishmentSuggestion struct {
	Meta
	// Type is purchase (from a supplier) or transfer (between locations).
	Type       string `json:"type"`
	SKU        string `json:"sku"`
	LocationID string `json:"location_id"`
	// FromLocationID is the source location of a transfer.
	FromLocationID string `json:"from_location_id,omitempty"`
	// Supplier names the supplier of a purchase, when known.
	Supplier string `json:"supplier,omitempty"`
	// Quantity is the units to order, after minimum and pack-size rounding.
	Quantity int `json:"quantity"`
	// OrderBy is the last day to order without risking a stockout.
	OrderBy Date `json:"order_by"`
	// LeadTimeDays is the supplier or transfer lead time used.
	LeadTimeDays int `json:"lead_time_days"`
	// ExpectedStockout is when stock runs out if nothing is ordered.
	ExpectedStockout Date `json:"expected_stockout,omitzero"`
	// Policy names the policy, e.g. "rop", "ss", "rs", "minmax".
	Policy string `json:"policy"`
	// Class is the ABC/XYZ class, e.g. "AX".
	Class string `json:"class,omitempty"`
	// Position figures used: on hand, incoming, reorder point, safety stock.
	OnHand       int     `json:"on_hand"`
	Incoming     int     `json:"incoming"`
	ReorderPoint float64 `json:"reorder_point"`
	SafetyStock  float64 `json:"safety_stock"`
	// UnitCost and TotalCost, when the cost is known.
	UnitCost  *Money `json:"unit_cost,omitempty"`
	TotalCost *Money `json:"total_cost,omitempty"`
	// Reason explains the suggestion in words.
	Reason string `json:"reason"`
}

// Kind returns KindReplenishmentSuggestion.
func (*ReplenishmentSuggestion) Kind() Kind { return KindReplenishmentSuggestion }

// Validate checks the suggestion.
func (s *ReplenishmentSuggestion) Validate() error {
	c := newChecker(KindReplenishmentSuggestion)
	c.meta(s.Meta)
	if s.Deleted {
		return c.err()
	}
	c.oneOf("type", s.Type, "purchase", "transfer")
	c.required("type", s.Type)
	c.required("sku", s.SKU)
	c.required("location_id", s.LocationID)
	if s.Type == "transfer" {
		c.required("from_location_id", s.FromLocationID)
	}
	if s.Quantity <= 0 {
		c.fail("quantity", "must be at least 1 (got %d)", s.Quantity)
	}
	c.required("reason", s.Reason)
	c.required("policy", s.Policy)
	c.optMoney("unit_cost", s.UnitCost, "")
	if s.UnitCost != nil {
		c.optMoney("total_cost", s.TotalCost, s.UnitCost.Currency)
	}
	return c.err()
}

// Interface guards.
var (
	_ Record = (*Product)(nil)
	_ Record = (*Location)(nil)
	_ Record = (*InventoryLevel)(nil)
	_ Record = (*Order)(nil)
	_ Record = (*Refund)(nil)
	_ Record = (*Shipment)(nil)
	_ Record = (*Customer)(nil)
	_ Record = (*Forecast)(nil)
	_ Record = (*ReplenishmentSuggestion)(nil)
)
