package routing

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Stock reports the units of a SKU available to sell at a location: on
// hand minus committed and other reservations. Negative values count as
// zero. Implementations must be safe for concurrent use when shared
// between goroutines.
type Stock interface {
	Available(sku, locationID string) int
}

// StockKey names one SKU at one location.
type StockKey struct {
	SKU        string
	LocationID string
}

// StockTable is a Stock held in a map.
type StockTable map[StockKey]int

// Available returns the table's units for sku at locationID.
func (t StockTable) Available(sku, locationID string) int {
	return t[StockKey{SKU: sku, LocationID: locationID}]
}

// StockFromLevels builds a StockTable from inventory levels, taking each
// level's Available (never OnHand). Deleted levels are skipped; a SKU and
// location given twice keeps the last.
func StockFromLevels(levels []commerce.InventoryLevel) StockTable {
	t := make(StockTable, len(levels))
	for _, l := range levels {
		if l.Deleted {
			continue
		}
		t[StockKey{SKU: l.SKU, LocationID: l.LocationID}] = l.Available
	}
	return t
}

// ReadStockCSV reads a stock CSV: a header naming sku, location_id and
// available (any order, other columns such as on_hand ignored), then one row
// per SKU and location. Available may be negative (an oversold channel);
// it then counts as zero. A SKU and location given twice is an error.
func ReadStockCSV(r io.Reader) (StockTable, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("routing: stock CSV is empty: it needs a header sku,location_id,available")
	}
	if err != nil {
		return nil, fmt.Errorf("routing: stock CSV: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, c := range []string{"sku", "location_id", "available"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("routing: stock CSV header lacks column %q (it needs sku,location_id,available)", c)
		}
	}
	t := StockTable{}
	for line := 2; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("routing: stock CSV: %w", err)
		}
		get := func(c string) string {
			if i := col[c]; i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		k := StockKey{SKU: get("sku"), LocationID: get("location_id")}
		if k.SKU == "" || k.LocationID == "" {
			return nil, fmt.Errorf("routing: stock CSV line %d: sku and location_id are required", line)
		}
		n, err := strconv.Atoi(get("available"))
		if err != nil {
			return nil, fmt.Errorf("routing: stock CSV line %d: available %q must be a whole number of units", line, get("available"))
		}
		if _, dup := t[k]; dup {
			return nil, fmt.Errorf("routing: stock CSV line %d: SKU %s at %s is listed twice", line, k.SKU, k.LocationID)
		}
		t[k] = n
	}
	if len(t) == 0 {
		return nil, errors.New("routing: stock CSV has a header but no rows")
	}
	return t, nil
}

// Workload reports how many orders a location was already given in the
// current day, for LocationRule.MaxOrdersPerDay.
type Workload interface {
	Orders(locationID string) int
}

// WorkloadTable is a Workload held in a map by location id.
type WorkloadTable map[string]int

// Orders returns the count for locationID.
func (w WorkloadTable) Orders(locationID string) int { return w[locationID] }

// ErrStockChanged is returned by Ledger.Reserve when a decision needs units
// that another order reserved since the decision was made. Route the order
// again (RouteAndReserve does).
var ErrStockChanged = errors.New("routing: stock changed since the decision; route the order again")

// Ledger is a stock position that decrements as orders are routed: the
// units of each reserved decision are no longer available to the next
// order, so two orders never take the last unit. It also counts the orders
// each location was given, as a Workload. Safe for concurrent use.
type Ledger struct {
	mu       sync.Mutex
	base     Stock
	workload Workload
	taken    map[StockKey]int
	orders   map[string]int
	held     map[string][]Assignment
}

// NewLedger starts a ledger over base stock and, optionally, the workload
// the locations already have (nil for none).
func NewLedger(base Stock, workload Workload) *Ledger {
	return &Ledger{base: base, workload: workload, taken: map[StockKey]int{}, orders: map[string]int{}, held: map[string][]Assignment{}}
}

// Available returns the base stock minus the units reserved so far.
func (l *Ledger) Available(sku, locationID string) int {
	k := StockKey{SKU: sku, LocationID: locationID}
	l.mu.Lock()
	n := l.taken[k]
	l.mu.Unlock()
	return max(l.base.Available(sku, locationID), 0) - n
}

// Orders returns the base workload plus the orders reserved so far.
func (l *Ledger) Orders(locationID string) int {
	l.mu.Lock()
	n := l.orders[locationID]
	l.mu.Unlock()
	if l.workload != nil {
		n += l.workload.Orders(locationID)
	}
	return n
}

// Reserve takes the decision's units out of the available stock, all or
// none: when any SKU at any location no longer has enough, nothing is
// reserved and the error wraps ErrStockChanged. Reserving the same order
// twice is an error; Release it first.
func (l *Ledger) Reserve(d *Decision) error {
	if d == nil {
		return errors.New("routing: reserve: nil decision")
	}
	need := map[StockKey]int{}
	for _, a := range d.Assignments {
		need[StockKey{SKU: a.SKU, LocationID: a.LocationID}] += a.Quantity
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, dup := l.held[d.OrderID]; dup {
		return fmt.Errorf("routing: reserve: order %s is already reserved; release it before reserving again", d.OrderID)
	}
	for k, q := range need {
		if avail := max(l.base.Available(k.SKU, k.LocationID), 0) - l.taken[k]; avail < q {
			return fmt.Errorf("%w: order %s needs %d of %s at %s, %d left", ErrStockChanged, d.OrderID, q, k.SKU, k.LocationID, avail)
		}
	}
	for k, q := range need {
		l.taken[k] += q
	}
	for _, s := range d.Shipments {
		l.orders[s.LocationID]++
	}
	l.held[d.OrderID] = append([]Assignment(nil), d.Assignments...)
	return nil
}

// Release gives back the units reserved for an order (cancelled, or
// re-routed) and reports whether it held any.
func (l *Ledger) Release(orderID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	as, ok := l.held[orderID]
	if !ok {
		return false
	}
	locs := map[string]bool{}
	for _, a := range as {
		k := StockKey{SKU: a.SKU, LocationID: a.LocationID}
		l.taken[k] -= a.Quantity
		if l.taken[k] == 0 {
			delete(l.taken, k)
		}
		locs[a.LocationID] = true
	}
	for loc := range locs {
		l.orders[loc]--
	}
	delete(l.held, orderID)
	return true
}

// Reserved returns the units reserved for sku at locationID.
func (l *Ledger) Reserved(sku, locationID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.taken[StockKey{SKU: sku, LocationID: locationID}]
}
