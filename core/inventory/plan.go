package inventory

import (
	"context"
	"fmt"
	"iter"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Input is everything the planner needs about one SKU-location.
type Input struct {
	// Position is the current stock (see [Positions]).
	Position Position
	// Demand is the forecast from tomorrow on.
	Demand Demand
	// LeadTime is the supplier lead time.
	LeadTime LeadTime
	// Supplier names the supplier, when known; it is copied to suggestions.
	Supplier string
	// Economics are the costs, MOQ and pack size.
	Economics Economics
	// Rule, when set, is the policy of this SKU-location; otherwise the
	// class's rule from Config.Matrix, otherwise Config.Default.
	Rule *Rule
	// Class is the ABC/XYZ class, for example "AX" (see [ClassifyABC] and
	// [ClassifyXYZ]).
	Class string
}

// Config configures the planner.
type Config struct {
	// Now is the time of the plan; its location sets the calendar day of
	// order-by and stockout dates. Required.
	Now time.Time
	// Matrix maps classes to rules (nil: [DefaultMatrix]).
	Matrix Matrix
	// Default is the rule of inputs with neither a rule nor a class in the
	// matrix (zero: rop at a 95 % cycle service level).
	Default Rule
	// Lookahead also suggests orders due within this many days, with their
	// order-by date; 0 suggests only what must be ordered today.
	Lookahead int
	// Transfers, when set, also suggests transfers between the locations of a
	// SKU before purchases (inputs must then come grouped by SKU).
	Transfers *TransferConfig
	// Workers is the number of goroutines [Plan] plans on (0: GOMAXPROCS;
	// 1: plan on the caller's goroutine).
	Workers int
}

func (c Config) withDefaults() Config {
	if c.Matrix == nil {
		c.Matrix = DefaultMatrix()
	}
	if c.Default.Policy == "" {
		c.Default = Rule{Policy: PolicyROP, Service: CSL(0.95)}
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Now.IsZero() {
		return inputErr("plan: config Now is required: the plan's date and time zone")
	}
	if c.Lookahead < 0 || c.Workers < 0 {
		return inputErr("plan: lookahead %d days and workers %d must be ≥ 0", c.Lookahead, c.Workers)
	}
	c = c.withDefaults()
	if err := c.Matrix.Validate(); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	if err := c.Default.Validate(); err != nil {
		return fmt.Errorf("plan: default %w", err)
	}
	if c.Transfers != nil {
		if err := c.Transfers.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// ItemError is an error planning one SKU-location; [Plan] yields it and
// goes on with the next.
type ItemError struct {
	SKU, LocationID string
	Err             error
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("inventory: plan %s@%s: %v", e.SKU, e.LocationID, e.Err)
}

func (e *ItemError) Unwrap() error { return e.Err }

// Decision is the planner's view of one SKU-location.
type Decision struct {
	// Input is the input decided on (after any transfer).
	Input Input
	// RuleSource says where the rule came from: "item", "class AX" or
	// "default".
	RuleSource string
	// Levels are the policy's parameters.
	Levels Levels
	// Position is the inventory position (available + incoming).
	Position int
	// DaysToOrder is how many days until an order is due: 0 today, -1 when
	// none is due within the forecast.
	DaysToOrder int
	// Late is the units of dated receipts expected after the protection
	// period (the lead time, plus the review period for rs) of an order
	// placed on the order day: an order placed then arrives first, so the
	// decision does not count on them.
	Late int
	// Quantity is the order due then (0 when none).
	Quantity int
	// Stockout is the day demand first goes unserved if nothing is ordered,
	// by the mean forecast (zero Date: not within the forecast).
	Stockout commerce.Date
	// Suggestion is the purchase to suggest, or nil when no order is due
	// within the lookahead.
	Suggestion *commerce.ReplenishmentSuggestion
}

// maxProjection bounds how far the planner projects stock, in days.
const maxProjection = 366

// Decide plans one SKU-location: it resolves the rule, computes the levels,
// projects the inventory position with the mean forecast to find when an
// order is due and when stock would run out, and builds the suggestion.
func Decide(in Input, cfg Config) (Decision, error) {
	if err := cfg.Validate(); err != nil {
		return Decision{}, err
	}
	return decide(in, cfg.withDefaults())
}

func decide(in Input, cfg Config) (Decision, error) {
	p := in.Position
	if p.SKU == "" || p.LocationID == "" {
		return Decision{}, inputErr("plan: input needs a position with a sku and a location id (got %q)", p.Key())
	}
	if p.Incoming < 0 {
		return Decision{}, inputErr("plan: incoming %d must be ≥ 0", p.Incoming)
	}
	d := Decision{Input: in, Position: p.InventoryPosition(), DaysToOrder: -1}
	rule := cfg.Default
	d.RuleSource = "default"
	if in.Rule != nil {
		rule, d.RuleSource = *in.Rule, "item"
	} else if r, ok := cfg.Matrix.Rule(in.Class); ok {
		rule, d.RuleSource = r, "class "+in.Class
	}
	lv, err := ComputeLevels(rule, in.Demand, in.LeadTime, in.Economics)
	if err != nil {
		return Decision{}, err
	}
	d.Levels = lv
	today := commerce.DateOf(cfg.Now)
	horizon := min(in.Demand.Horizon(), maxProjection)

	// When is an order due? A dated receipt expected after an order placed
	// on a day would arrive (the day plus the protection period) does not
	// protect that order's lead time: the position compared with the
	// reorder point that day leaves it out.
	late := func(day int) int {
		n := 0
		for _, r := range p.Receipts {
			if today.DaysUntil(r.Expected) > day+lv.ProtectionDays {
				n += r.Quantity
			}
		}
		return n
	}
	if rule.Policy == PolicyRS {
		if q := lv.Order(d.Position - late(0)); q > 0 {
			d.DaysToOrder, d.Quantity, d.Late = 0, q, late(0)
		}
	} else {
		proj := float64(d.Position)
		for day := 0; day <= horizon; day++ {
			if day > 0 {
				proj -= in.Demand.Mean(day)
			}
			if eff := proj - float64(late(day)); eff <= lv.ReorderPoint {
				d.DaysToOrder, d.Late = day, late(day)
				d.Quantity = lv.Order(int(math.Floor(eff + 1e-9)))
				break
			}
		}
	}
	d.Stockout = stockout(p, in.Demand, today, horizon)
	if d.DaysToOrder >= 0 && d.DaysToOrder <= cfg.Lookahead && d.Quantity > 0 {
		d.Suggestion = suggestion(d, rule, today, cfg.Now)
	}
	return d, nil
}

// stockout returns the first day demand goes unserved by the mean forecast
// if nothing more is ordered: stock is what is available, plus undated
// incoming at once, plus dated receipts on their day.
func stockout(p Position, dem Demand, today commerce.Date, horizon int) commerce.Date {
	stock := float64(p.Available)
	dated := 0
	arrive := map[int]int{}
	for _, r := range p.Receipts {
		dated += r.Quantity
		arrive[max(0, today.DaysUntil(r.Expected))] += r.Quantity
	}
	stock += float64(max(p.Incoming-dated, 0) + arrive[0])
	for day := 1; day <= horizon; day++ {
		stock += float64(arrive[day]) - dem.Mean(day)
		if stock < -1e-9 {
			return today.AddDays(day)
		}
	}
	return commerce.Date{}
}

// suggestionID is the deterministic external id of a suggestion: the same
// decision on the same day gets the same id, so storing it again replaces it.
func suggestionID(kind, sku, from, to string, day commerce.Date) string {
	if from != "" {
		return fmt.Sprintf("%s:%s@%s>%s:%s", kind, sku, from, to, day)
	}
	return fmt.Sprintf("%s:%s@%s:%s", kind, sku, to, day)
}

func suggestion(d Decision, rule Rule, today commerce.Date, now time.Time) *commerce.ReplenishmentSuggestion {
	in, lv := d.Input, d.Levels
	s := &commerce.ReplenishmentSuggestion{
		Meta: commerce.Meta{
			Source:    commerce.Ref{Connection: commerce.InternalConnection, ExternalID: suggestionID("purchase", in.Position.SKU, "", in.Position.LocationID, today)},
			UpdatedAt: now,
		},
		Type:             "purchase",
		SKU:              in.Position.SKU,
		LocationID:       in.Position.LocationID,
		Supplier:         in.Supplier,
		Quantity:         d.Quantity,
		OrderBy:          today.AddDays(d.DaysToOrder),
		LeadTimeDays:     in.LeadTime.Days,
		ExpectedStockout: d.Stockout,
		Policy:           string(rule.Policy),
		Class:            in.Class,
		OnHand:           in.Position.OnHand,
		Incoming:         in.Position.Incoming,
		ReorderPoint:     round2(lv.ReorderPoint),
		SafetyStock:      round2(lv.SafetyStock),
		Reason:           reason(d, rule),
	}
	if u := in.Economics.UnitCost; u.Valid() {
		unit := u
		total := u.MulInt(d.Quantity).Round(commerce.RoundHalfEven)
		s.UnitCost, s.TotalCost = &unit, &total
	}
	return s
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// reason explains a purchase in words.
func reason(d Decision, rule Rule) string {
	in, lv := d.Input, d.Levels
	var b strings.Builder
	pos := fmt.Sprintf("inventory position %d (available %d, incoming %d%s)", d.Position, in.Position.Available, in.Position.Incoming, receiptNote(d))
	switch rule.Policy {
	case PolicyRS:
		fmt.Fprintf(&b, "Periodic review every %d days: order up to S = %.1f, which covers expected demand %.1f over the review period and lead time (%d days) plus safety stock %.1f for a %s (%s); %s",
			rule.review(), lv.OrderUpTo, lv.MeanDemand, lv.ProtectionDays, lv.SafetyStock, rule.Service, lv.Method, pos)
	case PolicyMinMax:
		fmt.Fprintf(&b, "Min/max (%s): %s is at or below min %.1f; order up to max %.1f", lv.Method, pos, lv.ReorderPoint, lv.OrderUpTo)
	default:
		if d.DaysToOrder == 0 {
			fmt.Fprintf(&b, "The %s is at or below the reorder point %.1f", pos, lv.ReorderPoint)
		} else {
			fmt.Fprintf(&b, "The %s will reach the reorder point %.1f in %d days at the forecast demand", pos, lv.ReorderPoint, d.DaysToOrder)
		}
		fmt.Fprintf(&b, " = expected lead-time demand %.1f over %d days", lv.MeanDemand, lv.ProtectionDays)
		if lv.Undershoot > 0 {
			fmt.Fprintf(&b, " + undershoot %.1f", lv.Undershoot)
		}
		fmt.Fprintf(&b, " + safety stock %.1f for a %s (%s)", lv.SafetyStock, rule.Service, lv.Method)
	}
	fmt.Fprintf(&b, ". Order %d", d.Quantity)
	switch rule.Policy {
	case PolicyROP:
		fmt.Fprintf(&b, " (lot %d from %s", lv.Quantity, lv.LotNote)
	case PolicySS:
		fmt.Fprintf(&b, " to reach S = %.1f (s + lot %d from %s", lv.OrderUpTo, lv.Quantity, lv.LotNote)
	default:
		b.WriteString(" (")
		b.WriteString("the shortfall")
	}
	if lv.Pack > 1 || lv.MOQ > 1 {
		fmt.Fprintf(&b, ", in packs of %d with a minimum order of %d", max(lv.Pack, 1), max(lv.MOQ, lv.Pack, 1))
	}
	b.WriteString(")")
	if d.DaysToOrder > 0 {
		fmt.Fprintf(&b, " within %d days", d.DaysToOrder)
	}
	if !d.Stockout.IsZero() {
		fmt.Fprintf(&b, ". Without an order, stock runs out around %s", d.Stockout)
	} else {
		fmt.Fprintf(&b, ". No stockout is expected within the %d-day forecast", min(in.Demand.Horizon(), maxProjection))
	}
	fmt.Fprintf(&b, ". Rule: %s (%s).", rule, d.RuleSource)
	return b.String()
}

// receiptNote lists the first dated receipts of a decision's position and
// says how many units arrive too late to count, for the reason.
func receiptNote(d Decision) string {
	rs := d.Input.Position.Receipts
	if len(rs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("; dated: ")
	for i, r := range rs {
		if i == 3 {
			fmt.Fprintf(&b, " and %d more", len(rs)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d on %s", r.Quantity, r.Expected)
		if r.Ref != "" {
			fmt.Fprintf(&b, " (%s)", r.Ref)
		}
	}
	if d.Late > 0 {
		fmt.Fprintf(&b, "; %d expected after the %d-day protection period are not counted", d.Late, d.Levels.ProtectionDays)
	}
	return b.String()
}

// Plan streams purchase (and, with Config.Transfers, transfer) suggestions
// for a stream of SKU-locations. It reads inputs in batches of a few hundred
// and plans them on Config.Workers goroutines, with a bounded number of
// batches in flight, and yields suggestions in input order: memory stays
// bounded however many SKU-locations there are. A SKU-location that cannot
// be planned yields an [*ItemError] and planning goes on; an error from
// inputs, an invalid config or a cancelled ctx is yielded last. Stop ranging
// to stop planning.
//
// With more than one worker, inputs are read on another goroutine (one at a
// time, never concurrently). With transfers, inputs must arrive grouped by
// SKU (all locations of a SKU one after the other); a SKU that comes back
// later is planned as a separate group.
func Plan(ctx context.Context, inputs iter.Seq2[Input, error], cfg Config) iter.Seq2[commerce.ReplenishmentSuggestion, error] {
	return func(yield func(commerce.ReplenishmentSuggestion, error) bool) {
		var zero commerce.ReplenishmentSuggestion
		if err := cfg.Validate(); err != nil {
			yield(zero, err)
			return
		}
		cfg = cfg.withDefaults()
		emit := func(outs []planOut) bool {
			for _, o := range outs {
				if o.err != nil && !yield(zero, o.err) || o.err == nil && !yield(*o.s, nil) {
					return false
				}
			}
			return true
		}
		if cfg.Workers == 1 {
			for b, err := range batches(ctx, inputs, cfg.Transfers != nil) {
				if err != nil {
					yield(zero, err)
					return
				}
				if !emit(planBatch(b, cfg)) {
					return
				}
			}
			return
		}
		planParallel(ctx, inputs, cfg, emit)
	}
}

// planOut is one yielded value of a plan: a suggestion or an error.
type planOut struct {
	s   *commerce.ReplenishmentSuggestion
	err error
}

// batchSize is the number of inputs planned together by one worker.
const batchSize = 256

// batches reads inputs into batches of groups: one input per group, or one
// SKU's inputs per group with transfers. An input error or a cancelled ctx
// ends the sequence with that error.
func batches(ctx context.Context, inputs iter.Seq2[Input, error], bySKU bool) iter.Seq2[[][]Input, error] {
	return func(yield func([][]Input, error) bool) {
		var batch [][]Input
		size, n := 0, 0
		for in, err := range inputs {
			n++
			if err != nil {
				// Plan what was read, then report the error.
				if len(batch) == 0 || yield(batch, nil) {
					yield(nil, fmt.Errorf("inventory: plan: reading input %d: %w", n, err))
				}
				return
			}
			if bySKU && len(batch) > 0 && batch[len(batch)-1][0].Position.SKU == in.Position.SKU {
				batch[len(batch)-1] = append(batch[len(batch)-1], in)
				size++
				continue
			}
			if size >= batchSize {
				if err := ctx.Err(); err != nil {
					yield(nil, fmt.Errorf("inventory: plan: stopped after %d inputs: %w", n-1, err))
					return
				}
				if !yield(batch, nil) {
					return
				}
				batch, size = nil, 0
			}
			batch = append(batch, []Input{in})
			size++
		}
		if err := ctx.Err(); err != nil {
			yield(nil, fmt.Errorf("inventory: plan: %w", err))
			return
		}
		if len(batch) > 0 {
			yield(batch, nil)
		}
	}
}

// planBatch plans a batch, in order.
func planBatch(groups [][]Input, cfg Config) []planOut {
	var out []planOut
	for _, g := range groups {
		if cfg.Transfers == nil {
			for _, in := range g {
				d, err := decide(in, cfg)
				switch {
				case err != nil:
					out = append(out, planOut{err: &ItemError{SKU: in.Position.SKU, LocationID: in.Position.LocationID, Err: err}})
				case d.Suggestion != nil:
					out = append(out, planOut{s: d.Suggestion})
				}
			}
			continue
		}
		sugg, errs := planGroup(g, cfg)
		for _, e := range errs {
			out = append(out, planOut{err: e})
		}
		for _, s := range sugg {
			out = append(out, planOut{s: s})
		}
	}
	return out
}

// planParallel reads batches on one goroutine, plans them on cfg.Workers
// goroutines and hands the results to emit in input order. At most
// 2·Workers batches are read ahead of the one being emitted.
func planParallel(parent context.Context, inputs iter.Seq2[Input, error], cfg Config, emit func([]planOut) bool) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	type job struct {
		seq    int
		groups [][]Input
		err    error
	}
	type result struct {
		seq  int
		outs []planOut
	}
	workers := cfg.Workers
	jobs := make(chan job)
	results := make(chan result, workers)
	slots := make(chan struct{}, 2*workers) // batches read but not yet emitted
	var wg sync.WaitGroup
	readerDone := make(chan struct{})
	// Never return while the reader may still be inside the caller's
	// iterator.
	defer func() { cancel(); <-readerDone }()
	go func() { // the reader
		defer close(readerDone)
		defer close(jobs)
		seq := 0
		for b, err := range batches(ctx, inputs, cfg.Transfers != nil) {
			if err != nil && ctx.Err() != nil {
				return // cancelled: the emitting side reports it
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{seq: seq, groups: b, err: err}:
			case <-ctx.Done():
				return
			}
			seq++
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r := result{seq: j.seq}
				if j.err != nil {
					r.outs = []planOut{{err: j.err}}
				} else {
					r.outs = planBatch(j.groups, cfg)
				}
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	pending := map[int][]planOut{}
	next := 0
	for r := range results {
		pending[r.seq] = r.outs
		for outs, ok := pending[next]; ok; outs, ok = pending[next] {
			delete(pending, next)
			next++
			<-slots
			if !emit(outs) {
				cancel()
				for range results {
					// Drain so the workers can stop.
				}
				return
			}
		}
	}
	if err := parent.Err(); err != nil {
		emit([]planOut{{err: fmt.Errorf("inventory: plan: %w", err)}})
	}
}

// planGroup plans the locations of one SKU with transfers.
func planGroup(group []Input, cfg Config) ([]*commerce.ReplenishmentSuggestion, []error) {
	var errs []error
	ds := make([]Decision, 0, len(group))
	for _, in := range group {
		d, err := decide(in, cfg)
		if err != nil {
			errs = append(errs, &ItemError{SKU: in.Position.SKU, LocationID: in.Position.LocationID, Err: err})
			continue
		}
		ds = append(ds, d)
	}
	transfers, ds, err := planTransfers(ds, cfg)
	if err != nil {
		errs = append(errs, err)
	}
	out := transfers
	for _, d := range ds {
		if d.Suggestion != nil {
			out = append(out, d.Suggestion)
		}
	}
	return out, errs
}
