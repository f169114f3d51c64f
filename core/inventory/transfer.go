package inventory

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// TransferConfig configures transfer suggestions between the locations of
// a SKU.
type TransferConfig struct {
	// LeadTime is the transfer lead time between any two locations, unless
	// LeadTimes says otherwise.
	LeadTime LeadTime
	// LeadTimes, when set, gives the lead time from one location to another;
	// false means the pair cannot transfer.
	LeadTimes func(from, to string) (LeadTime, bool)
	// MinQuantity is the smallest transfer worth moving (default 1).
	MinQuantity int
	// Pack moves stock in whole cases of this many units (0 or 1: units).
	Pack int
}

// Validate checks the configuration.
func (c TransferConfig) Validate() error {
	if err := c.LeadTime.Validate(); err != nil {
		return fmt.Errorf("transfers: %w", err)
	}
	if c.MinQuantity < 0 || c.Pack < 0 {
		return inputErr("transfers: min quantity %d and pack %d must be ≥ 0", c.MinQuantity, c.Pack)
	}
	return nil
}

func (c TransferConfig) leadTime(from, to string) (LeadTime, bool) {
	if c.LeadTimes != nil {
		return c.LeadTimes(from, to)
	}
	return c.LeadTime, true
}

// Transfers plans transfers between the locations of one SKU, given the
// decisions of each location (from [Decide]): a location that must order
// today (the receiver) takes stock from one whose inventory position is
// above its own order-up-to level (the donor), up to the donor's available
// stock and excess and up to what lifts the receiver to its order-up-to
// level, in whole cases. Receivers are served earliest stockout first,
// donors largest excess first; a transfer that would arrive later than a
// purchase from the receiver's supplier is not suggested. It returns the
// transfer suggestions and the decisions again, re-planned with the
// transfers counted as incoming (receivers) or gone (donors), so that
// purchases only cover what transfers do not.
func Transfers(ds []Decision, cfg Config, tc TransferConfig) ([]*commerce.ReplenishmentSuggestion, []Decision, error) {
	c := cfg
	c.Transfers = &tc
	if err := c.Validate(); err != nil {
		return nil, ds, err
	}
	return planTransfers(ds, c.withDefaults())
}

func planTransfers(ds []Decision, cfg Config) ([]*commerce.ReplenishmentSuggestion, []Decision, error) {
	tc := *cfg.Transfers
	if len(ds) < 2 {
		return nil, ds, nil
	}
	sku := ds[0].Input.Position.SKU
	for _, d := range ds[1:] {
		if d.Input.Position.SKU != sku {
			return nil, ds, inputErr("transfers: decisions for SKUs %q and %q: plan transfers one SKU at a time", sku, d.Input.Position.SKU)
		}
	}
	today := commerce.DateOf(cfg.Now)
	type side struct {
		i   int
		qty int // need (receiver) or excess (donor)
	}
	var recv, donors []side
	for i, d := range ds {
		if d.DaysToOrder == 0 && d.Quantity > 0 {
			need := int(math.Ceil(d.Levels.OrderUpTo - float64(d.Position) - 1e-9))
			if need > 0 {
				recv = append(recv, side{i, need})
			}
			continue
		}
		excess := min(int(math.Floor(float64(d.Position)-d.Levels.OrderUpTo+1e-9)), d.Input.Position.Available)
		if excess > 0 {
			donors = append(donors, side{i, excess})
		}
	}
	if len(recv) == 0 || len(donors) == 0 {
		return nil, ds, nil
	}
	slices.SortFunc(recv, func(a, b side) int {
		sa, sb := ds[a.i].Stockout, ds[b.i].Stockout
		switch {
		case sa.IsZero() != sb.IsZero():
			if sa.IsZero() {
				return 1
			}
			return -1
		case sa != sb:
			return sa.In(time.UTC).Compare(sb.In(time.UTC))
		}
		return cmp.Or(cmp.Compare(b.qty, a.qty), strings.Compare(ds[a.i].Input.Position.LocationID, ds[b.i].Input.Position.LocationID))
	})
	slices.SortFunc(donors, func(a, b side) int {
		return cmp.Or(cmp.Compare(b.qty, a.qty), strings.Compare(ds[a.i].Input.Position.LocationID, ds[b.i].Input.Position.LocationID))
	})
	pack := max(tc.Pack, 1)
	minQ := max(tc.MinQuantity, 1)
	var out []*commerce.ReplenishmentSuggestion
	arriving := make([][]Receipt, len(ds))
	sent := make([]int, len(ds))
	for ri := range recv {
		r := &recv[ri]
		rd := ds[r.i]
		for di := range donors {
			dn := &donors[di]
			if r.qty <= 0 {
				break
			}
			if dn.qty <= 0 {
				continue
			}
			from, to := ds[dn.i].Input.Position.LocationID, rd.Input.Position.LocationID
			lt, ok := tc.leadTime(from, to)
			if !ok || lt.Days > rd.Input.LeadTime.Days {
				continue
			}
			q := min(r.qty, dn.qty) / pack * pack
			if q < minQ {
				continue
			}
			r.qty -= q
			dn.qty -= q
			arriving[r.i] = append(arriving[r.i], Receipt{SKU: sku, LocationID: to, Quantity: q, Expected: today.AddDays(lt.Days), Ref: "suggested transfer from " + from})
			sent[dn.i] += q
			out = append(out, transferSuggestion(rd, ds[dn.i], q, lt, today, cfg))
		}
	}
	if len(out) == 0 {
		return nil, ds, nil
	}
	// Re-plan every location that moved stock.
	res := slices.Clone(ds)
	for i := range ds {
		if sent[i] == 0 && len(arriving[i]) == 0 {
			continue
		}
		in := ds[i].Input
		p := in.Position
		p.Receipts = append(slices.Clone(p.Receipts), arriving[i]...)
		for _, r := range arriving[i] {
			p.Incoming += r.Quantity
		}
		p.Available -= sent[i]
		p.OnHand -= sent[i]
		in.Position = p
		d, err := decide(in, cfg)
		if err != nil {
			return nil, ds, &ItemError{SKU: p.SKU, LocationID: p.LocationID, Err: err}
		}
		res[i] = d
	}
	return out, res, nil
}

func transferSuggestion(to, from Decision, q int, lt LeadTime, today commerce.Date, cfg Config) *commerce.ReplenishmentSuggestion {
	tp, fp := to.Input.Position, from.Input.Position
	reason := fmt.Sprintf("%s has inventory position %d, %.1f above its order-up-to level %.1f, with %d available; %s is at or below its reorder point %.1f (position %d)",
		fp.LocationID, from.Position, float64(from.Position)-from.Levels.OrderUpTo, from.Levels.OrderUpTo, fp.Available,
		tp.LocationID, to.Levels.ReorderPoint, to.Position)
	if !to.Stockout.IsZero() {
		reason += fmt.Sprintf(" and runs out around %s", to.Stockout)
	}
	reason += fmt.Sprintf(". Transfer %d units, arriving in %d days (a purchase takes %d).", q, lt.Days, to.Input.LeadTime.Days)
	s := &commerce.ReplenishmentSuggestion{
		Meta: commerce.Meta{
			Source:    commerce.Ref{Connection: commerce.InternalConnection, ExternalID: suggestionID("transfer", tp.SKU, fp.LocationID, tp.LocationID, today)},
			UpdatedAt: cfg.Now,
		},
		Type:             "transfer",
		SKU:              tp.SKU,
		LocationID:       tp.LocationID,
		FromLocationID:   fp.LocationID,
		Quantity:         q,
		OrderBy:          today,
		LeadTimeDays:     lt.Days,
		ExpectedStockout: to.Stockout,
		Policy:           string(to.Levels.Rule.Policy),
		Class:            to.Input.Class,
		OnHand:           tp.OnHand,
		Incoming:         tp.Incoming,
		ReorderPoint:     round2(to.Levels.ReorderPoint),
		SafetyStock:      round2(to.Levels.SafetyStock),
		Reason:           reason,
	}
	if u := to.Input.Economics.UnitCost; u.Valid() {
		unit := u
		total := u.MulInt(q).Round(commerce.RoundHalfEven)
		s.UnitCost, s.TotalCost = &unit, &total
	}
	return s
}
