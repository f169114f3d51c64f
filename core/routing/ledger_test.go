package routing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func lampOrder(id string) Request {
	o := order(dresden, line("1", "LAMP", 1, "80.00"))
	o.Source.ExternalID, o.Number = id, "#"+id
	return request(o, nil, leipzig, hamburg)
}

func TestBatchReservesStock(t *testing.T) {
	t.Parallel()
	r := newRouter(t, Config{})
	ledger := NewLedger(StockTable{{"LAMP", "leipzig"}: 1, {"LAMP", "hamburg"}: 1}, nil)
	res := r.RouteBatch(context.Background(), []Request{lampOrder("1"), lampOrder("2"), lampOrder("3")}, ledger)
	if res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("orders 1 and 2 failed: %v, %v", res[0].Err, res[1].Err)
	}
	// The first order takes the nearer location's only lamp; the second
	// must not take it again.
	if got := locations(res[0].Decision); got[0] != "leipzig" {
		t.Errorf("order 1 shipped from %v, want Leipzig", got)
	}
	if got := locations(res[1].Decision); got[0] != "hamburg" {
		t.Errorf("order 2 shipped from %v, want Hamburg (Leipzig's lamp is reserved)", got)
	}
	var ue *UnroutableError
	if !errors.As(res[2].Err, &ue) || ue.Reason != NoStock {
		t.Fatalf("order 3: %v, want unroutable for no stock", res[2].Err)
	}
	if ledger.Available("LAMP", "leipzig") != 0 || ledger.Reserved("LAMP", "leipzig") != 1 || ledger.Orders("hamburg") != 1 {
		t.Errorf("ledger: available %d, reserved %d at Leipzig, %d orders at Hamburg",
			ledger.Available("LAMP", "leipzig"), ledger.Reserved("LAMP", "leipzig"), ledger.Orders("hamburg"))
	}
	// Cancelling order 1 gives its lamp back to order 3.
	if !ledger.Release("1") || ledger.Release("1") {
		t.Error("release should succeed once")
	}
	d, err := r.RouteAndReserve(context.Background(), lampOrder("3"), ledger)
	if err != nil || locations(d)[0] != "leipzig" {
		t.Fatalf("order 3 after the release: %v, %v", d, err)
	}
}

func TestBatchWorkload(t *testing.T) {
	t.Parallel()
	// The store takes one order a day and already has none; the second
	// order must go elsewhere.
	r := newRouter(t, Config{Rules: Rules{Stores: &LocationRule{MaxOrdersPerDay: 1}}})
	near := addr("DE", "80333", geo(48.14, 11.56))
	var reqs []Request
	for i := range 2 {
		o := order(near, line("1", "MUG", 1, "12.00"))
		o.Source.ExternalID = fmt.Sprint(i + 1)
		reqs = append(reqs, request(o, nil, munich, leipzig))
	}
	ledger := NewLedger(StockTable{{"MUG", "munich"}: 10, {"MUG", "leipzig"}: 10}, WorkloadTable{"leipzig": 40})
	res := r.RouteBatch(context.Background(), reqs, ledger)
	if res[0].Err != nil || res[1].Err != nil {
		t.Fatal(res[0].Err, res[1].Err)
	}
	if a, b := locations(res[0].Decision)[0], locations(res[1].Decision)[0]; a != "munich" || b != "leipzig" {
		t.Errorf("shipped from %s then %s, want munich then leipzig", a, b)
	}
	if !strings.Contains(res[1].Decision.Explanation, "ship-from-store limit reached: 1 of 1 orders today") {
		t.Errorf("explanation: %s", res[1].Decision.Explanation)
	}
	if ledger.Orders("leipzig") != 41 {
		t.Errorf("Leipzig has %d orders, want the 40 it had plus 1", ledger.Orders("leipzig"))
	}
}

func TestConcurrentReservationsNeverOversell(t *testing.T) {
	t.Parallel()
	r := newRouter(t, Config{})
	ledger := NewLedger(StockTable{{"LAMP", "leipzig"}: 3, {"LAMP", "hamburg"}: 2}, nil)
	const orders = 16
	var wg sync.WaitGroup
	results := make([]error, orders)
	decisions := make([]*Decision, orders)
	for i := range orders {
		wg.Go(func() {
			decisions[i], results[i] = r.RouteAndReserve(context.Background(), lampOrder(fmt.Sprint(i)), ledger)
		})
	}
	wg.Wait()
	ok, perLoc := 0, map[string]int{}
	for i, err := range results {
		switch {
		case err == nil:
			ok++
			perLoc[decisions[i].Assignments[0].LocationID]++
		case errors.Is(err, ErrUnroutable) || errors.Is(err, ErrStockChanged):
		default:
			t.Errorf("order %d: %v", i, err)
		}
	}
	if ok != 5 || perLoc["leipzig"] != 3 || perLoc["hamburg"] != 2 {
		t.Errorf("%d orders routed (%v), want exactly the 5 lamps in stock", ok, perLoc)
	}
	for _, loc := range []string{"leipzig", "hamburg"} {
		if n := ledger.Available("LAMP", loc); n != 0 {
			t.Errorf("%s has %d available after selling out", loc, n)
		}
	}
}

func TestLedgerReserve(t *testing.T) {
	t.Parallel()
	base := StockTable{{"MUG", "leipzig"}: 2}
	l := NewLedger(base, nil)
	d := &Decision{OrderID: "1", Assignments: []Assignment{{LineID: "1", SKU: "MUG", LocationID: "leipzig", Quantity: 2}},
		Shipments: []Shipment{{LocationID: "leipzig"}}}
	if err := l.Reserve(d); err != nil {
		t.Fatal(err)
	}
	if err := l.Reserve(d); err == nil || !strings.Contains(err.Error(), "already reserved") {
		t.Errorf("reserving twice: %v", err)
	}
	d2 := &Decision{OrderID: "2", Assignments: []Assignment{{LineID: "1", SKU: "MUG", LocationID: "leipzig", Quantity: 1}}}
	if err := l.Reserve(d2); !errors.Is(err, ErrStockChanged) || !strings.Contains(err.Error(), "needs 1 of MUG at leipzig, 0 left") {
		t.Errorf("over-reserving: %v", err)
	}
	if l.Reserved("MUG", "leipzig") != 2 {
		t.Errorf("a failed reservation changed the ledger: %d reserved", l.Reserved("MUG", "leipzig"))
	}
	if err := l.Reserve(nil); err == nil {
		t.Error("a nil decision was reserved")
	}
	// Negative base stock (an oversold channel) counts as none.
	neg := NewLedger(StockTable{{"MUG", "leipzig"}: -3}, nil)
	if n := neg.Available("MUG", "leipzig"); n != 0 {
		t.Errorf("available %d for oversold stock, want 0", n)
	}
}

func TestStockFromLevels(t *testing.T) {
	t.Parallel()
	levels := []commerce.InventoryLevel{
		{SKU: "MUG", LocationID: "leipzig", OnHand: 10, Committed: 7, Available: 3},
		{SKU: "TEE", LocationID: "leipzig", OnHand: 5, Available: 5, Meta: commerce.Meta{Deleted: true}},
	}
	s := StockFromLevels(levels)
	if s.Available("MUG", "leipzig") != 3 {
		t.Errorf("MUG available %d, want 3 (available, not the 10 on hand)", s.Available("MUG", "leipzig"))
	}
	if s.Available("TEE", "leipzig") != 0 {
		t.Error("a deleted level counted")
	}
}
