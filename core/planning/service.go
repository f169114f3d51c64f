package planning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/core/bus"
	"github.com/supplyhub/supplyhub/core/forecast"
	"github.com/supplyhub/supplyhub/core/inventory"
	"github.com/supplyhub/supplyhub/core/recommend"
	"github.com/supplyhub/supplyhub/core/routing"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Config tunes planning. Zero fields take the defaults in their comments.
type Config struct {
	// Horizon is the number of days forecast; 28.
	Horizon int `yaml:"horizon" env:"SUPPLYHUB_PLANNING_HORIZON"`
	// Every is the interval of scheduled forecast runs; 24h; negative disables them.
	Every time.Duration `yaml:"every" env:"SUPPLYHUB_PLANNING_EVERY"`
	// MinHistory is the fewest days of history a series needs to be forecast; 14.
	MinHistory int `yaml:"min_history" env:"SUPPLYHUB_PLANNING_MIN_HISTORY"`
	// Method is the forecasting method; auto.
	Method string `yaml:"method" env:"SUPPLYHUB_PLANNING_METHOD"`
	// LeadTimeDays is the supplier lead time when none is known; 14.
	LeadTimeDays int `yaml:"lead_time_days" env:"SUPPLYHUB_PLANNING_LEAD_TIME_DAYS"`
	// OrderCost is the fixed cost of placing a purchase order, in the
	// currency of each item's unit cost; 50.
	OrderCost decimal.Decimal `yaml:"order_cost" env:"SUPPLYHUB_PLANNING_ORDER_COST"`
	// HoldingRate is the yearly cost of holding stock as a share of its
	// value; 0.25.
	HoldingRate decimal.Decimal `yaml:"holding_rate" env:"SUPPLYHUB_PLANNING_HOLDING_RATE"`
	// Channels are the sales channels (connections) that receive
	// available-to-sell figures whenever stock changes, with their buffers,
	// caps and location pools; none by default. Stock read from these
	// connections is not counted as stock: it is what they were told.
	Channels []inventory.ChannelRule `yaml:"channels"`
	// Routing configures order routing.
	Routing RoutingConfig `yaml:"routing"`
	// ERP is the connection id of the merchant's ERP (e.g. Odoo): every
	// channel order is written to it as a sale order, and each
	// replenishment plan's purchases become draft purchase orders there.
	// Empty: none.
	ERP string `yaml:"erp" env:"SUPPLYHUB_PLANNING_ERP"`
	// Recommend configures pushing "frequently bought together" lists to
	// sales channels.
	Recommend RecommendConfig `yaml:"recommend"`
}

func (c *Config) setDefaults() {
	if c.Horizon <= 0 {
		c.Horizon = 28
	}
	if c.Every == 0 {
		c.Every = 24 * time.Hour
	}
	if c.MinHistory <= 0 {
		c.MinHistory = 14
	}
	if c.Method == "" {
		c.Method = string(forecast.MethodAuto)
	}
	if c.LeadTimeDays <= 0 {
		c.LeadTimeDays = 14
	}
	if c.OrderCost.IsZero() {
		c.OrderCost = decimal.NewFromInt(50)
	}
	if c.HoldingRate.IsZero() {
		c.HoldingRate = decimal.RequireFromString("0.25")
	}
	c.Recommend.setDefaults()
}

// RunStatus describes a forecast run.
type RunStatus struct {
	// State is idle, running, succeeded or failed.
	State      string     `json:"state"`
	Trigger    string     `json:"trigger,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Series is the number of SKU-location series forecast; Skipped those
	// with too little history; Failed those whose forecast failed.
	Series  int    `json:"series"`
	Skipped int    `json:"skipped"`
	Failed  int    `json:"failed"`
	Error   string `json:"error,omitempty"`
}

// Service runs forecasting and recommendations in the gateway.
type Service struct {
	cfg   Config
	store store.Store
	bus   *bus.Bus
	log   *slog.Logger

	runMu           sync.Mutex
	running         bool
	status          RunStatus
	replenishStatus ReplenishmentStatus
	wake            chan string

	recMu sync.RWMutex
	rec   *recommend.Model

	// now is the clock; tests move it.
	now func() time.Time

	writer  Writer
	ats     atsPusher
	recPush recPusher

	caps    Capabilities
	ledger  *stockCache
	routeMu sync.Mutex
	route   *routingState
	ledgerR *routing.Ledger
	// early holds the record ids of orders that arrived before any
	// location was stored, routed once the first locations are.
	early map[int64]bool
}

// New returns a Service.
func New(cfg Config, st store.Store, b *bus.Bus, logger *slog.Logger) *Service {
	cfg.setDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, store: st, bus: b, log: logger.With("component", "planning"),
		status: RunStatus{State: "idle"}, replenishStatus: ReplenishmentStatus{State: "idle"}, wake: make(chan string, 1), now: time.Now,
		ats: atsPusher{last: map[string]int{}}, recPush: recPusher{last: map[string]string{}}, ledger: &stockCache{m: routing.StockTable{}}}
}

// Run keeps the recommendation model and the stock history current from
// bus events and runs forecasts on schedule, until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	if err := s.rebuildRecommendations(ctx); err != nil {
		s.log.Warn("build recommendations", "err", err)
	} else if len(s.cfg.Recommend.Channels) > 0 {
		if _, err := s.PushRecommendations(ctx, "start"); err != nil && ctx.Err() == nil {
			s.log.Warn("push recommendations", "err", err)
		}
	}
	if err := s.loadStock(ctx); err != nil {
		s.log.Warn("load stock for routing", "err", err)
	}
	var wg sync.WaitGroup
	for _, sub := range []struct {
		topic, group string
		handle       func(context.Context, store.RecordEvent) error
	}{
		{"order.upserted", "recommend", s.onOrder},
		{"order.deleted", "recommend", s.onOrder},
		{"inventory_level.upserted", "planning-stock", s.onStock},
		{"order.upserted", "routing", s.onOrderRoute},
		{"order.upserted", "erp", s.onOrderERP},
	} {
		ch, err := s.bus.Subscribe(ctx, sub.topic, sub.group)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for msg := range ch {
				var ev store.RecordEvent
				if err := json.Unmarshal(msg.Payload, &ev); err != nil {
					s.log.Warn("drop malformed event", "topic", sub.topic, "err", err)
					msg.Ack()
					continue
				}
				if err := sub.handle(ctx, ev); err != nil {
					s.log.Warn("handle event; will be redelivered", "topic", sub.topic, "record", ev.ID, "err", err)
					msg.Nack()
					continue
				}
				msg.Ack()
			}
		}()
	}
	if s.cfg.Every > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.schedule(ctx)
		}()
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

// schedule runs forecasts every cfg.Every (first one shortly after start,
// so that a fresh gateway has forecasts once its first sync is in), and
// whenever RequestRun asks.
func (s *Service) schedule(ctx context.Context) {
	first := time.NewTimer(time.Minute)
	defer first.Stop()
	tick := time.NewTicker(s.cfg.Every)
	defer tick.Stop()
	for {
		trigger := "schedule"
		select {
		case <-ctx.Done():
			return
		case <-first.C:
		case <-tick.C:
		case trigger = <-s.wake:
		}
		unlock, ok, err := s.store.TryLock(ctx, "forecast")
		if err != nil || !ok {
			continue // another instance runs the forecasts
		}
		if _, err := s.RunForecasts(ctx, trigger); err != nil && ctx.Err() == nil {
			s.log.Warn("forecast run failed", "err", err)
		} else if _, err := s.Replenish(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("replenishment run failed", "err", err)
		}
		if len(s.cfg.Recommend.Channels) > 0 {
			if _, err := s.PushRecommendations(ctx, "schedule"); err != nil && ctx.Err() == nil {
				s.log.Warn("push recommendations", "err", err)
			}
		}
		unlock()
	}
}

// RequestRun asks for a forecast run soon; it reports false when one is
// already running or queued.
func (s *Service) RequestRun(trigger string) bool {
	s.runMu.Lock()
	running := s.running
	s.runMu.Unlock()
	if running {
		return false
	}
	select {
	case s.wake <- trigger:
		return true
	default:
		return false
	}
}

// Status returns the last forecast run's status.
func (s *Service) Status() RunStatus {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	return s.status
}

// RunForecasts builds the demand history, forecasts every series with
// enough history and stores one commerce.Forecast per SKU-location.
func (s *Service) RunForecasts(ctx context.Context, trigger string) (RunStatus, error) {
	s.runMu.Lock()
	if s.running {
		st := s.status
		s.runMu.Unlock()
		return st, fmt.Errorf("planning: a forecast run is already in progress")
	}
	s.running = true
	now := s.now().UTC()
	s.status = RunStatus{State: "running", Trigger: trigger, StartedAt: &now}
	s.runMu.Unlock()

	st, err := s.runForecasts(ctx, now)
	s.runMu.Lock()
	defer s.runMu.Unlock()
	s.running = false
	end := time.Now().UTC()
	st.State, st.Trigger, st.StartedAt, st.FinishedAt = "succeeded", trigger, &now, &end
	if err != nil {
		st.State, st.Error = "failed", err.Error()
	}
	s.status = st
	s.log.Info("forecast run done", "state", st.State, "series", st.Series, "skipped", st.Skipped, "failed", st.Failed, "took", end.Sub(now).Round(time.Millisecond))
	return st, err
}

func (s *Service) runForecasts(ctx context.Context, now time.Time) (RunStatus, error) {
	var st RunStatus
	series, err := Demand(ctx, s.store, DemandFilter{}, commerce.DateOf(now))
	if err != nil {
		return st, err
	}
	// The batch reads the source on its own goroutine while the sink runs on
	// another, so everything both touch is settled before it starts.
	byID := make(map[string]DemandSeries, len(series))
	inputs := make([]forecast.Series, 0, len(series))
	for _, d := range series {
		if len(d.Values) < s.cfg.MinHistory || d.Units == 0 {
			st.Skipped++
			continue
		}
		byID[d.Key()] = d
		inputs = append(inputs, forecast.Series{ID: d.Key(), Values: d.Values, SeasonLength: 7, Start: d.Start.In(time.UTC), Freq: forecast.Daily})
	}
	src := func(yield func(forecast.Series, error) bool) {
		for _, in := range inputs {
			if !yield(in, nil) {
				return
			}
		}
	}
	cfg := forecast.Config{Horizon: s.cfg.Horizon, Method: forecast.Method(s.cfg.Method), Levels: []float64{80, 95}, Backtest: true}
	var batch []commerce.Record
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := s.store.UpsertRecords(ctx, batch)
		batch = batch[:0]
		return err
	}
	err = forecast.Batch{Config: cfg}.Run(ctx, iter.Seq2[forecast.Series, error](src), func(it forecast.Item) error {
		if it.Err != nil {
			st.Failed++
			s.log.Warn("forecast failed", "series", it.Series.ID, "err", it.Err)
			return nil
		}
		d := byID[it.Series.ID]
		batch = append(batch, toForecast(d, it.Result, now))
		st.Series++
		if len(batch) >= 500 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	return st, flush()
}

// toForecast turns a forecast result into the model's record.
func toForecast(d DemandSeries, r forecast.Result, now time.Time) *commerce.Forecast {
	f := &commerce.Forecast{
		Meta:        commerce.Meta{Source: commerce.Ref{Connection: commerce.InternalConnection, ExternalID: "forecast:" + d.Key()}, UpdatedAt: now},
		SKU:         d.SKU,
		LocationID:  d.LocationID,
		Method:      r.Method,
		GeneratedAt: now,
	}
	if r.Backtest != nil && r.Backtest.Windows > 0 {
		mase, smape := r.Backtest.MASE, r.Backtest.SMAPE
		f.MASE, f.SMAPE = &mase, &smape
	}
	first := d.Start.AddDays(len(d.Values))
	for i, m := range r.Mean {
		p := commerce.ForecastPoint{Date: first.AddDays(i), Mean: m}
		for _, iv := range r.Intervals {
			p.Intervals = append(p.Intervals, commerce.Interval{Level: iv.Level, Lo: iv.Lower[i], Hi: iv.Upper[i]})
		}
		f.Points = append(f.Points, p)
	}
	return f
}

// onStock records the day's minimum stock of a changed inventory level.
func (s *Service) onStock(ctx context.Context, ev store.RecordEvent) error {
	sr, err := s.store.GetRecord(ctx, commerce.KindInventoryLevel, ev.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // gone since: nothing to record
	}
	if err != nil {
		return err // the store failed: redelivered, not lost
	}
	rec, err := sr.Decode()
	if err != nil {
		return nil
	}
	l := rec.(*commerce.InventoryLevel)
	s.ledger.set(l.Source.Connection, l.SKU, l.LocationID, l.Available)
	if err := s.store.RecordStock(ctx, l.SKU, l.LocationID, commerce.DateOf(l.UpdatedAt), l.Available); err != nil {
		return err
	}
	return s.pushATS(ctx, l.SKU, l.UpdatedAt.UnixNano())
}

// loadStock fills the routing stock cache from the stored inventory levels.
func (s *Service) loadStock(ctx context.Context) error {
	levels, err := listAll[*commerce.InventoryLevel](ctx, s.store, commerce.KindInventoryLevel)
	if err != nil {
		return err
	}
	for _, l := range levels {
		s.ledger.set(l.Source.Connection, l.SKU, l.LocationID, l.Available)
	}
	return nil
}
