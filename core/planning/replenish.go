package planning

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/core/inventory"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// ReplenishmentStatus describes a replenishment run.
type ReplenishmentStatus struct {
	State      string     `json:"state"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Items is the number of SKU-locations planned; Suggestions the orders
	// and transfers suggested; Errors the items that could not be planned.
	Items       int      `json:"items"`
	Suggestions int      `json:"suggestions"`
	Errors      []string `json:"errors,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// forecastDemand adapts a stored forecast to the planner: per-day means,
// and per-day spreads recovered from the 80% interval (normal errors,
// independent days).
func forecastDemand(f *commerce.Forecast) (inventory.Demand, error) {
	means := make([]float64, len(f.Points))
	sds := make([]float64, len(f.Points))
	const z80 = 1.2815515655446004
	for i, p := range f.Points {
		means[i] = math.Max(p.Mean, 0)
		for _, iv := range p.Intervals {
			if iv.Level == 80 {
				sds[i] = math.Max((iv.Hi-iv.Lo)/(2*z80), 0)
			}
		}
	}
	return inventory.NewNormalDemand(means, sds)
}

// Replenish plans every SKU-location with a forecast and stored stock and
// stores the suggestions, replacing the previous run's.
func (s *Service) Replenish(ctx context.Context) (ReplenishmentStatus, error) {
	start := s.now().UTC()
	st := ReplenishmentStatus{State: "running", StartedAt: &start}
	err := s.replenish(ctx, start, &st)
	end := s.now().UTC()
	st.FinishedAt = &end
	st.State = "succeeded"
	if err != nil {
		st.State, st.Error = "failed", err.Error()
	}
	s.runMu.Lock()
	s.replenishStatus = st
	s.runMu.Unlock()
	s.log.Info("replenishment run done", "state", st.State, "items", st.Items, "suggestions", st.Suggestions)
	return st, err
}

func listAll[T commerce.Record](ctx context.Context, st store.Store, kind commerce.Kind) ([]T, error) {
	var out []T
	for sr, err := range records(ctx, st, store.Query{Kind: kind}) {
		if err != nil {
			return nil, err
		}
		rec, err := sr.Decode()
		if err != nil {
			return nil, err
		}
		out = append(out, rec.(T))
	}
	return out, nil
}

// records pages through the stored records a query matches, a thousand at
// a time, ending with the store's error if it fails.
func records(ctx context.Context, st store.Store, q store.Query) iter.Seq2[*store.StoredRecord, error] {
	return func(yield func(*store.StoredRecord, error) bool) {
		q.Limit = 1000
		for {
			page, err := st.ListRecords(ctx, q)
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range page.Items {
				if !yield(&page.Items[i], nil) {
					return
				}
			}
			if page.Next == 0 {
				return
			}
			q.After = page.Next
		}
	}
}

func (s *Service) replenish(ctx context.Context, now time.Time, st *ReplenishmentStatus) error {
	levels, err := listAll[*commerce.InventoryLevel](ctx, s.store, commerce.KindInventoryLevel)
	if err != nil {
		return err
	}
	lv := make([]commerce.InventoryLevel, len(levels))
	for i, l := range levels {
		lv[i] = *l
	}
	receipts, err := storedReceipts(ctx, s.store)
	if err != nil {
		return err
	}
	positions, err := inventory.Positions(lv, receipts)
	if err != nil {
		return err
	}
	forecasts, err := listAll[*commerce.Forecast](ctx, s.store, commerce.KindForecast)
	if err != nil {
		return err
	}
	byKey := map[string]*commerce.Forecast{}
	for _, f := range forecasts {
		byKey[f.SKU+"@"+f.LocationID] = f
	}
	products, err := listAll[*commerce.Product](ctx, s.store, commerce.KindProduct)
	if err != nil {
		return err
	}
	cost := map[string]commerce.Money{}
	price := map[string]commerce.Money{}
	supplier := map[string]string{}
	leadTime := map[string]int{}
	moq := map[string]int{}
	erpSupplier := map[string]bool{} // the supplier came from an ERP's purchasing data
	for _, p := range products {
		tagSupplier, tagLead, tagMOQ := supplierTags(p.Tags)
		for _, v := range p.Variants {
			if v.Cost != nil {
				cost[v.SKU] = *v.Cost
			}
			if v.Price != nil {
				price[v.SKU] = *v.Price
			}
			switch {
			case tagSupplier != "":
				supplier[v.SKU], erpSupplier[v.SKU] = tagSupplier, true
			case p.Vendor != "" && !erpSupplier[v.SKU]:
				supplier[v.SKU] = p.Vendor
			}
			if tagLead > 0 {
				leadTime[v.SKU] = tagLead
			}
			if tagMOQ > 0 {
				moq[v.SKU] = tagMOQ
			}
		}
	}
	classes, err := s.classify(ctx, price)
	if err != nil {
		return err
	}
	// Inputs: positions that have a forecast, grouped by SKU for transfers.
	sort.Slice(positions, func(i, j int) bool { return positions[i].Key() < positions[j].Key() })
	var inputs []inventory.Input
	for _, p := range positions {
		f := byKey[p.SKU+"@"+p.LocationID]
		if f == nil {
			continue
		}
		d, err := forecastDemand(f)
		if err != nil {
			st.Errors = append(st.Errors, fmt.Sprintf("%s@%s: %v", p.SKU, p.LocationID, err))
			continue
		}
		econ := inventory.Economics{HoldingRate: s.cfg.HoldingRate, MOQ: moq[p.SKU], Pack: 1}
		if c, ok := cost[p.SKU]; ok && c.Valid() {
			econ.UnitCost = c
			if oc, err := commerce.NewMoney(s.cfg.OrderCost.String(), c.Currency); err == nil {
				econ.OrderCost = oc
			}
		}
		lt := s.cfg.LeadTimeDays
		if days, ok := leadTime[p.SKU]; ok {
			lt = days
		}
		inputs = append(inputs, inventory.Input{Position: p, Demand: d, LeadTime: inventory.LeadTime{Days: lt},
			Supplier: supplier[p.SKU], Economics: econ, Class: classes[p.SKU]})
	}
	st.Items = len(inputs)
	src := func(yield func(inventory.Input, error) bool) {
		for _, in := range inputs {
			if !yield(in, nil) {
				return
			}
		}
	}
	cfg := inventory.Config{Now: now, Lookahead: 7, Transfers: &inventory.TransferConfig{LeadTime: inventory.LeadTime{Days: 2}}}
	fresh := map[string]bool{}
	var batch []commerce.Record
	for sug, err := range inventory.Plan(ctx, iter.Seq2[inventory.Input, error](src), cfg) {
		if err != nil {
			var ie *inventory.ItemError
			if errors.As(err, &ie) {
				st.Errors = append(st.Errors, err.Error())
				continue
			}
			return err
		}
		sg := sug
		sg.UpdatedAt = now
		fresh[sg.Source.ExternalID] = true
		batch = append(batch, &sg)
		st.Suggestions++
	}
	// Suggestions of the previous run that this run did not repeat are
	// withdrawn (tombstoned), so the list always is the current plan.
	old, err := listAll[*commerce.ReplenishmentSuggestion](ctx, s.store, commerce.KindReplenishmentSuggestion)
	if err != nil {
		return err
	}
	for _, o := range old {
		if !fresh[o.Source.ExternalID] {
			batch = append(batch, &commerce.ReplenishmentSuggestion{Meta: commerce.Meta{Source: o.Source, UpdatedAt: now, Deleted: true}})
		}
	}
	for i := 0; i < len(batch); i += 500 {
		if _, err := s.store.UpsertRecords(ctx, batch[i:min(i+500, len(batch))]); err != nil {
			return err
		}
	}
	return s.pushPurchases(ctx)
}

// storedReceipts returns the open receipts in the store (dated incoming
// stock, e.g. from the Odoo connector's receipts stream) for the planner.
// Where a SKU-location has receipts, inventory.Positions counts them
// instead of the level's undated Incoming figure, so stock on its way is
// never counted twice. Expected days are UTC calendar days, like the
// plan's today.
func storedReceipts(ctx context.Context, st store.Store) ([]inventory.Receipt, error) {
	recs, err := listAll[*commerce.Receipt](ctx, st, commerce.KindReceipt)
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Receipt, 0, len(recs))
	for _, r := range recs {
		if r.Deleted || r.Quantity <= 0 {
			continue
		}
		rc := inventory.Receipt{SKU: r.SKU, LocationID: r.LocationID, Quantity: r.Quantity, Ref: receiptRef(r)}
		if r.ExpectedAt != nil {
			rc.Expected = commerce.DateOf(r.ExpectedAt.UTC())
		}
		out = append(out, rc)
	}
	return out, nil
}

// receiptRef names a receipt for people: "WH/IN/00042 (P00017)".
func receiptRef(r *commerce.Receipt) string {
	switch {
	case r.Document != "" && r.PurchaseOrder != "" && r.PurchaseOrder != r.Document:
		return r.Document + " (" + r.PurchaseOrder + ")"
	case r.Document != "":
		return r.Document
	case r.PurchaseOrder != "":
		return r.PurchaseOrder
	}
	return r.Source.ExternalID
}

// classify returns the ABC/XYZ class of each SKU from the demand history:
// ABC by revenue (units × price) over the last 90 days, XYZ by the
// variability of weekly demand.
func (s *Service) classify(ctx context.Context, price map[string]commerce.Money) (map[string]string, error) {
	series, err := Demand(ctx, s.store, DemandFilter{}, commerce.DateOf(s.now().UTC()))
	if err != nil {
		return nil, err
	}
	daily := map[string][]float64{}
	for _, d := range series {
		v := d.Values
		if len(v) > 90 {
			v = v[len(v)-90:]
		}
		acc := daily[d.SKU]
		if len(acc) < len(v) {
			acc = append(make([]float64, len(v)-len(acc)), acc...)
		}
		off := len(acc) - len(v)
		for i, x := range v {
			if !math.IsNaN(x) {
				acc[off+i] += x
			}
		}
		daily[d.SKU] = acc
	}
	skus := make([]string, 0, len(daily))
	for k := range daily {
		skus = append(skus, k)
	}
	sort.Strings(skus)
	items := make([]inventory.ValueItem, len(skus))
	for i, sku := range skus {
		units := 0.0
		for _, x := range daily[sku] {
			units += x
		}
		value := decimal.NewFromFloat(units)
		if p, ok := price[sku]; ok {
			value = value.Mul(p.Amount)
		}
		items[i] = inventory.ValueItem{Key: sku, Value: value}
	}
	abc, err := inventory.ClassifyABC(items, inventory.ABCConfig{})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, sku := range skus {
		cv := inventory.CoefficientOfVariation(inventory.Buckets(daily[sku], 7))
		xyz, err := inventory.ClassifyXYZ(cv, inventory.XYZConfig{})
		if err != nil {
			xyz = "Z"
		}
		out[sku] = abc[i] + xyz
	}
	return out, nil
}

// supplierTags reads the main supplier, its lead time and its minimum
// order quantity from a product's tags, as ERP connectors set them
// ("supplier:<name>", "lead_time_days:<n>", "min_order_qty:<q>"; the Odoo
// connector takes them from the product's main vendor). They win over the
// channel's vendor and over planning.lead_time_days, which are only
// defaults. A fractional minimum rounds up to whole units.
func supplierTags(tags []string) (supplier string, leadDays, minQty int) {
	for _, t := range tags {
		switch k, v, _ := strings.Cut(t, ":"); k {
		case "supplier":
			supplier = strings.TrimSpace(v)
		case "lead_time_days":
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
				leadDays = n
			}
		case "min_order_qty":
			if q, err := decimal.NewFromString(strings.TrimSpace(v)); err == nil && q.IsPositive() && q.LessThan(decimal.NewFromInt(1e9)) {
				minQty = int(q.Ceil().IntPart())
			}
		}
	}
	return supplier, leadDays, minQty
}
