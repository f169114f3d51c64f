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

// Position is the stock of one SKU at one location.
type Position struct {
	// SKU and LocationID identify the SKU-location (upstream ids, strings).
	SKU        string
	LocationID string
	// OnHand is the physical count.
	OnHand int
	// Committed is reserved for open orders.
	Committed int
	// Available is what can still be sold: on hand minus committed and other
	// reservations; negative when a channel oversold.
	Available int
	// Incoming is on its way: open purchase orders and transfers.
	Incoming int
	// Receipts are the dated part of Incoming, by expected date; what
	// Incoming holds beyond them has no date and counts as arriving today.
	Receipts []Receipt
	// UpdatedAt is the upstream time of the newest figure used.
	UpdatedAt time.Time
}

// InventoryPosition returns available plus incoming: the stock a
// replenishment policy compares with its reorder point (backorders, as
// negative available, count against it).
func (p Position) InventoryPosition() int { return p.Available + p.Incoming }

// Key returns "SKU@location".
func (p Position) Key() string { return p.SKU + "@" + p.LocationID }

// Receipt is an open purchase order or transfer line expected at a location.
type Receipt struct {
	// SKU and LocationID say what arrives where.
	SKU        string
	LocationID string
	// Quantity is the units still to arrive (> 0).
	Quantity int
	// Expected is the expected arrival day; the zero Date means unknown.
	Expected commerce.Date
	// Ref names the document, for example "PO-1042" or "transfer/77".
	Ref string
}

// Positions builds one Position per SKU-location from unified inventory
// levels and open receipts, sorted by SKU then location.
//
// When several levels name the same SKU-location (several connections, or
// several versions), the newest UpdatedAt wins; a tombstone (Deleted) that
// wins removes the position. Every level must pass Validate. When open
// receipts are given for a SKU-location, their sum replaces the level's
// Incoming figure (which usually counts the same purchase orders and
// transfers without dates); a receipt for a SKU-location without a level
// makes a position with no stock.
func Positions(levels []commerce.InventoryLevel, receipts []Receipt) ([]Position, error) {
	type entry struct {
		lvl   *commerce.InventoryLevel
		recvd []Receipt
	}
	byKey := map[string]*entry{}
	get := func(sku, loc string) *entry {
		k := sku + "\x00" + loc
		e := byKey[k]
		if e == nil {
			e = &entry{}
			byKey[k] = e
		}
		return e
	}
	for i := range levels {
		l := &levels[i]
		if err := l.Validate(); err != nil {
			return nil, fmt.Errorf("inventory: positions: level %d (%s): %w", i, l.Source, err)
		}
		if l.SKU == "" || l.LocationID == "" {
			// A tombstone may omit them; it cannot be placed.
			continue
		}
		e := get(l.SKU, l.LocationID)
		if e.lvl == nil || l.UpdatedAt.After(e.lvl.UpdatedAt) ||
			l.UpdatedAt.Equal(e.lvl.UpdatedAt) && l.Source.String() > e.lvl.Source.String() {
			e.lvl = l
		}
	}
	for i, r := range receipts {
		if r.SKU == "" || r.LocationID == "" || r.Quantity <= 0 {
			return nil, inputErr("positions: receipt %d (%q): needs a sku, a location_id and a quantity > 0 (got %q, %q, %d)", i, r.Ref, r.SKU, r.LocationID, r.Quantity)
		}
		e := get(r.SKU, r.LocationID)
		e.recvd = append(e.recvd, r)
	}
	out := make([]Position, 0, len(byKey))
	for _, e := range byKey {
		var p Position
		if e.lvl != nil {
			if e.lvl.Deleted {
				continue
			}
			l := e.lvl
			p = Position{SKU: l.SKU, LocationID: l.LocationID, OnHand: l.OnHand, Committed: l.Committed,
				Available: l.Available, Incoming: l.Incoming, UpdatedAt: l.UpdatedAt}
		} else {
			p = Position{SKU: e.recvd[0].SKU, LocationID: e.recvd[0].LocationID}
		}
		if len(e.recvd) > 0 {
			p.Incoming = 0
			for _, r := range e.recvd {
				p.Incoming += r.Quantity
				if !r.Expected.IsZero() {
					p.Receipts = append(p.Receipts, r)
				}
			}
			slices.SortStableFunc(p.Receipts, func(a, b Receipt) int { return a.Expected.In(time.UTC).Compare(b.Expected.In(time.UTC)) })
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Position) int {
		return cmp.Or(strings.Compare(a.SKU, b.SKU), strings.Compare(a.LocationID, b.LocationID))
	})
	return out, nil
}

// ChannelRule says what one sales channel may sell of the stock: which
// locations feed it, what is held back, and the most it may show.
type ChannelRule struct {
	// Channel names the channel, usually its connection id ("shopify-eu").
	Channel string `yaml:"channel" json:"channel"`
	// Locations are the locations that feed the channel (its pool); empty
	// means every location.
	Locations []string `yaml:"locations" json:"locations"`
	// PerLocation publishes one figure per location (as Shopify keeps stock
	// per location); otherwise one pooled figure is published under Pool (as
	// an Amazon listing has one quantity).
	PerLocation bool `yaml:"per_location" json:"per_location"`
	// Pool names the pooled figure's location (default "pool").
	Pool string `yaml:"pool" json:"pool"`
	// Buffer is the units held back from the channel: from each location
	// when PerLocation, from the pool otherwise.
	Buffer int `yaml:"buffer" json:"buffer"`
	// BufferPercent holds back this share (0–100) of the available stock,
	// rounded up to whole units, on top of Buffer.
	BufferPercent float64 `yaml:"buffer_percent" json:"buffer_percent"`
	// Cap is the most the channel may show (0: no cap), for example to limit
	// exposure on a marketplace.
	Cap int `yaml:"cap" json:"cap"`
}

func (r ChannelRule) pool() string {
	if r.Pool == "" {
		return "pool"
	}
	return r.Pool
}

// Validate checks the rule.
func (r ChannelRule) Validate() error {
	if r.Channel == "" {
		return inputErr("channel rule: channel is required")
	}
	if r.Buffer < 0 || r.Cap < 0 {
		return inputErr("channel rule %q: buffer %d and cap %d must be ≥ 0", r.Channel, r.Buffer, r.Cap)
	}
	if math.IsNaN(r.BufferPercent) || r.BufferPercent < 0 || r.BufferPercent >= 100 {
		return inputErr("channel rule %q: buffer percent %v must be in [0, 100)", r.Channel, r.BufferPercent)
	}
	return nil
}

// sellable applies the buffers and the cap to an available quantity.
func (r ChannelRule) sellable(avail int) int {
	if avail <= 0 {
		return 0
	}
	held := r.Buffer + int(math.Ceil(float64(avail)*r.BufferPercent/100-1e-9))
	q := max(avail-held, 0)
	if r.Cap > 0 {
		q = min(q, r.Cap)
	}
	return q
}

// ChannelQuantity is the available-to-sell figure of one SKU on one channel,
// at a location or for a pool: what to push through the channel's write
// path (sdk.ActionSetInventory).
type ChannelQuantity struct {
	Channel string
	SKU     string
	// LocationID is the location, or the pool's name for a pooled figure.
	LocationID string
	// Quantity is the units the channel may sell (≥ 0).
	Quantity int
}

func (q ChannelQuantity) key() string { return q.Channel + "\x00" + q.SKU + "\x00" + q.LocationID }

func compareCQ(a, b ChannelQuantity) int {
	return cmp.Or(strings.Compare(a.Channel, b.Channel), strings.Compare(a.SKU, b.SKU), strings.Compare(a.LocationID, b.LocationID))
}

// ATS returns the available-to-sell of every SKU in positions on every
// channel, sorted by channel, SKU and location. A channel sees the
// Available stock of its pool's locations (incoming stock is not sellable),
// minus its buffers (absolute and percent, rounded up), capped at Cap and
// never below 0. A pooled figure sums the pool, counting oversold locations
// against it; a per-location figure treats an oversold location as 0.
// Positions must name each SKU-location once; two rules for one channel
// must publish different locations or pools.
func ATS(positions []Position, rules []ChannelRule) ([]ChannelQuantity, error) {
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	skus := map[string][]Position{}
	var order []string
	for _, p := range positions {
		if p.SKU == "" || p.LocationID == "" {
			return nil, inputErr("ats: position %q needs a sku and a location id", p.Key())
		}
		if seen[p.Key()] {
			return nil, inputErr("ats: position %s appears twice: build positions with Positions to merge levels", p.Key())
		}
		seen[p.Key()] = true
		if _, ok := skus[p.SKU]; !ok {
			order = append(order, p.SKU)
		}
		skus[p.SKU] = append(skus[p.SKU], p)
	}
	var out []ChannelQuantity
	published := map[string]bool{}
	emit := func(q ChannelQuantity) error {
		if published[q.key()] {
			return inputErr("ats: channel %q publishes %s at %q twice: give its rules distinct locations or pool names", q.Channel, q.SKU, q.LocationID)
		}
		published[q.key()] = true
		out = append(out, q)
		return nil
	}
	for _, r := range rules {
		feeds := func(loc string) bool { return len(r.Locations) == 0 || slices.Contains(r.Locations, loc) }
		for _, sku := range order {
			if r.PerLocation {
				for _, p := range skus[sku] {
					if feeds(p.LocationID) {
						if err := emit(ChannelQuantity{r.Channel, sku, p.LocationID, r.sellable(p.Available)}); err != nil {
							return nil, err
						}
					}
				}
				continue
			}
			sum, fed := 0, false
			for _, p := range skus[sku] {
				if feeds(p.LocationID) {
					sum += p.Available
					fed = true
				}
			}
			if fed {
				if err := emit(ChannelQuantity{r.Channel, sku, r.pool(), r.sellable(sum)}); err != nil {
					return nil, err
				}
			}
		}
	}
	slices.SortFunc(out, compareCQ)
	return out, nil
}

// ATSChange is an available-to-sell figure that must be pushed to a channel.
type ATSChange struct {
	ChannelQuantity
	// Previous is the figure before (0 when new).
	Previous int
	// Added is true for a figure that was not published before.
	Added bool
	// Removed is true for a figure no longer computed (its location left the
	// pool, or the position was deleted): push Quantity 0 to stop selling.
	Removed bool
}

// DiffATS compares two sets of available-to-sell figures and returns those
// to push, sorted by channel, SKU and location: changed quantities, new
// figures, and removed ones (with Quantity 0).
func DiffATS(before, after []ChannelQuantity) []ATSChange {
	old := make(map[string]ChannelQuantity, len(before))
	for _, q := range before {
		old[q.key()] = q
	}
	var out []ATSChange
	for _, q := range after {
		p, ok := old[q.key()]
		delete(old, q.key())
		switch {
		case !ok:
			out = append(out, ATSChange{ChannelQuantity: q, Added: true})
		case p.Quantity != q.Quantity:
			out = append(out, ATSChange{ChannelQuantity: q, Previous: p.Quantity})
		}
	}
	for _, p := range old {
		q := p
		q.Quantity = 0
		out = append(out, ATSChange{ChannelQuantity: q, Previous: p.Quantity, Removed: true})
	}
	slices.SortFunc(out, func(a, b ATSChange) int { return compareCQ(a.ChannelQuantity, b.ChannelQuantity) })
	return out
}

// ChangedATS computes the available-to-sell figures before and after a
// change of positions and returns those to push. Pass the positions of the
// affected SKUs at every location, before and after.
func ChangedATS(before, after []Position, rules []ChannelRule) ([]ATSChange, error) {
	b, err := ATS(before, rules)
	if err != nil {
		return nil, fmt.Errorf("inventory: changed ats, before: %w", err)
	}
	a, err := ATS(after, rules)
	if err != nil {
		return nil, fmt.Errorf("inventory: changed ats, after: %w", err)
	}
	return DiffATS(b, a), nil
}
