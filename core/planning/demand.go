package planning

import (
	"context"
	"math"
	"sort"
	"strconv"

	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Unassigned is the location of demand whose orders do not say where they
// shipped from: it is forecast at the channel level.
const Unassigned = "*"

// DemandSeries is the daily net demand of one SKU at one location.
type DemandSeries struct {
	SKU        string        `json:"sku"`
	LocationID string        `json:"location_id"`
	Start      commerce.Date `json:"start"`
	// Values holds one day each from Start; a stockout day without sales is
	// NaN (missing) rather than zero, so that it does not read as no demand.
	// In JSON, missing days are null.
	Values Days `json:"values"`
	// Stockout marks the days the location had no stock.
	Stockout []bool `json:"stockout"`
	// Units is the total net demand.
	Units float64 `json:"units"`
}

// Days is a daily series whose missing days (NaN) encode as JSON null.
type Days []float64

// MarshalJSON writes the values with null for missing days.
func (d Days) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 4*len(d)+2)
	b = append(b, '[')
	for i, v := range d {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, v, 'f', -1, 64)
		}
	}
	return append(b, ']'), nil
}

// Key returns "sku@location".
func (d DemandSeries) Key() string { return d.SKU + "@" + d.LocationID }

// DemandFilter selects series; empty fields do not filter.
type DemandFilter struct {
	SKU        string
	Location   string
	Connection string
}

// lineLocation returns where an order line shipped from: its own location,
// else the first shipment of the order that carries it, else Unassigned.
func lineLocation(o *commerce.Order, l commerce.OrderLine) string {
	if l.LocationID != "" {
		return l.LocationID
	}
	for _, s := range o.Shipments {
		for _, sl := range s.Lines {
			if (sl.LineID != "" && sl.LineID == l.ExternalID) || (sl.LineID == "" && sl.SKU == l.SKU) {
				if s.LocationID != "" {
					return s.LocationID
				}
			}
		}
	}
	return Unassigned
}

// Demand builds daily net demand (units ordered minus units refunded, zero
// for cancelled orders) per SKU and location from the stored orders, from
// each series' first sale to the last day with any order (or until, when
// later). Days are calendar days in each order's own zone.
func Demand(ctx context.Context, st store.Store, f DemandFilter, until commerce.Date) ([]DemandSeries, error) {
	type key struct{ sku, loc string }
	daily := map[key]map[commerce.Date]float64{}
	var last commerce.Date
	for sr, err := range records(ctx, st, store.Query{Kind: commerce.KindOrder, Connection: f.Connection, SKU: f.SKU}) {
		if err != nil {
			return nil, err
		}
		rec, err := sr.Decode()
		if err != nil {
			return nil, err
		}
		o := rec.(*commerce.Order)
		day := commerce.DateOf(o.CreatedAt)
		if day.After(last) {
			last = day
		}
		if o.CancelledAt != nil {
			continue
		}
		refunded := map[string]int{}
		for _, r := range o.Refunds {
			for _, rl := range r.Lines {
				refunded[rl.LineID] += rl.Quantity
			}
		}
		for _, l := range o.Lines {
			if l.SKU == "" || (f.SKU != "" && l.SKU != f.SKU) {
				continue
			}
			loc := lineLocation(o, l)
			if f.Location != "" && loc != f.Location {
				continue
			}
			n := float64(max(l.Quantity-refunded[l.ExternalID], 0))
			k := key{l.SKU, loc}
			if daily[k] == nil {
				daily[k] = map[commerce.Date]float64{}
			}
			daily[k][day] += n
		}
	}
	if until.After(last) {
		last = until
	}
	stockouts, err := st.StockoutDays(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DemandSeries, 0, len(daily))
	for k, days := range daily {
		first := last
		for d := range days {
			if d.Before(first) {
				first = d
			}
		}
		n := first.DaysUntil(last) + 1
		s := DemandSeries{SKU: k.sku, LocationID: k.loc, Start: first, Values: make([]float64, n), Stockout: make([]bool, n)}
		out_ := stockouts[k.sku+"@"+k.loc]
		for i := range n {
			d := first.AddDays(i)
			v := days[d]
			s.Units += v
			if out_[d] {
				s.Stockout[i] = true
				if v == 0 {
					v = math.NaN()
				}
			}
			s.Values[i] = v
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out, nil
}
