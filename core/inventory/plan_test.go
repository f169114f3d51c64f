package inventory

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

var planNow = time.Date(2026, 3, 14, 18, 30, 0, 0, time.FixedZone("PDT", -7*3600))

func constDemand(t testing.TB, mean, sd float64, days int) Demand {
	t.Helper()
	d, err := NewNormalDemand(repeat(mean, days), repeat(sd, days))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDecidePurchaseNow(t *testing.T) {
	t.Parallel()
	rule := Rule{Policy: PolicyROP, Service: CSL(0.95), NoUndershoot: true}
	in := Input{
		Position:  Position{SKU: "SKU-1", LocationID: "wh1", OnHand: 50, Committed: 8, Available: 42, Incoming: 0},
		Demand:    constDemand(t, 10, 3, 60),
		LeadTime:  LeadTime{Days: 9},
		Supplier:  "acme",
		Economics: Economics{UnitCost: commerce.MustMoney("12.00", "EUR"), OrderCost: commerce.MustMoney("100", "EUR"), HoldingRate: dec("0.25"), Pack: 25},
		Rule:      &rule,
		Class:     "AX",
	}
	d, err := Decide(in, Config{Now: planNow})
	if err != nil {
		t.Fatal(err)
	}
	// ROP = 90 + 1.645·9 = 104.8 > 42: order now; EOQ 493.3 → 500 in packs of 25.
	if d.DaysToOrder != 0 || d.Quantity != 500 {
		t.Fatalf("decision = order %d in %d days, want 500 now", d.Quantity, d.DaysToOrder)
	}
	s := d.Suggestion
	if s == nil {
		t.Fatal("no suggestion")
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("suggestion does not validate: %v", err)
	}
	// 42 units at 10 a day: day 5 needs the 43rd–50th units.
	wantStockout := commerce.Date{Year: 2026, Month: 3, Day: 19}
	if s.ExpectedStockout != wantStockout || s.OrderBy != (commerce.Date{Year: 2026, Month: 3, Day: 14}) {
		t.Errorf("order by %s, stockout %s; want 2026-03-14 (the plan's own zone) and %s", s.OrderBy, s.ExpectedStockout, wantStockout)
	}
	if s.Source.Connection != commerce.InternalConnection || s.Source.ExternalID != "purchase:SKU-1@wh1:2026-03-14" {
		t.Errorf("source = %v", s.Source)
	}
	if s.TotalCost == nil || s.TotalCost.String() != "6000.00 EUR" {
		t.Errorf("total cost = %v, want 6000.00 EUR", s.TotalCost)
	}
	if s.Policy != "rop" || s.Class != "AX" || s.Supplier != "acme" || s.LeadTimeDays != 9 || s.ReorderPoint != 104.8 {
		t.Errorf("suggestion fields = %+v", s)
	}
	for _, want := range []string{"inventory position 42", "reorder point 104.8", "lead-time demand 90.0 over 9 days", "safety stock 14.8", "95% cycle service level",
		"normal approximation", "Order 500", "EOQ 493.3", "packs of 25", "runs out around 2026-03-19", "(item)"} {
		if !strings.Contains(s.Reason, want) {
			t.Errorf("reason lacks %q:\n%s", want, s.Reason)
		}
	}
	// The same decision on the same day has the same id.
	d2, _ := Decide(in, Config{Now: planNow.Add(time.Hour)})
	if d2.Suggestion.Source.ExternalID != s.Source.ExternalID {
		t.Error("external id is not deterministic within a day")
	}
}

func TestDecideLookaheadAndClasses(t *testing.T) {
	t.Parallel()
	base := Input{
		Position: Position{SKU: "S", LocationID: "L", OnHand: 200, Available: 200},
		Demand:   constDemand(t, 10, 3, 90),
		LeadTime: LeadTime{Days: 9},
	}
	// By class AX: rop at 98 % (with undershoot); reorder point ≈ 90+5.45+2.054·9.68 ≈ 115.3:
	// the position 200 reaches it after 9 days (200 − 90 = 110 ≤ 115.3).
	base.Class = "AX"
	d, err := Decide(base, Config{Now: planNow})
	if err != nil {
		t.Fatal(err)
	}
	if d.RuleSource != "class AX" || d.Levels.Rule.Service.Level != 0.98 {
		t.Errorf("rule source %q, rule %v", d.RuleSource, d.Levels.Rule)
	}
	if d.DaysToOrder != 9 || d.Suggestion != nil {
		t.Errorf("order due in %d days with suggestion %v; want 9 days and no suggestion without lookahead", d.DaysToOrder, d.Suggestion)
	}
	d, _ = Decide(base, Config{Now: planNow, Lookahead: 10})
	if d.Suggestion == nil || d.Suggestion.OrderBy != (commerce.Date{Year: 2026, Month: 3, Day: 23}) || !strings.Contains(d.Suggestion.Reason, "in 9 days") {
		t.Errorf("lookahead suggestion = %+v", d.Suggestion)
	}
	// No cost known: lots cover 14 days; unknown class falls back to the default.
	base.Class = "QQ"
	d, _ = Decide(base, Config{Now: planNow, Lookahead: 30})
	if d.RuleSource != "default" || d.Levels.Quantity != 140 || d.Suggestion.UnitCost != nil {
		t.Errorf("default rule: source %q, lot %d, unit cost %v", d.RuleSource, d.Levels.Quantity, d.Suggestion.UnitCost)
	}
	// rs orders at every plan run while below S = 160 + 1.2816·12 = 175.4.
	rs := Rule{Policy: PolicyRS, Service: CSL(0.9), ReviewPeriod: 7}
	base.Rule = &rs
	d, _ = Decide(base, Config{Now: planNow})
	if d.Suggestion != nil {
		t.Errorf("rs above S suggested %+v", d.Suggestion)
	}
	base.Position.Available = 100
	d, _ = Decide(base, Config{Now: planNow})
	if d.Suggestion == nil || d.Quantity != 76 || d.DaysToOrder != 0 || !strings.Contains(d.Suggestion.Reason, "Periodic review every 7 days") {
		t.Errorf("rs decision = %+v", d)
	}
	// Enough stock: nothing within the forecast.
	base.Rule = nil
	base.Class = ""
	base.Position.Available = 5000
	d, _ = Decide(base, Config{Now: planNow, Lookahead: 365})
	if d.Suggestion != nil || d.DaysToOrder != -1 || !d.Stockout.IsZero() {
		t.Errorf("overstocked: %+v", d)
	}
}

func TestStockoutWithReceipts(t *testing.T) {
	t.Parallel()
	dem := constDemand(t, 10, 0, 60)
	today := commerce.DateOf(planNow)
	p := Position{SKU: "S", LocationID: "L", Available: 25, Incoming: 45,
		Receipts: []Receipt{{Quantity: 30, Expected: today.AddDays(3)}}}
	// Day 0: 25 + 15 undated = 40; day 3 gets 30 → 70 units last 7 days; day 8 is short.
	if got := stockout(p, dem, today, 60); got != today.AddDays(8) {
		t.Errorf("stockout = %s, want %s", got, today.AddDays(8))
	}
	// A late receipt does not save day 3.
	p = Position{SKU: "S", LocationID: "L", Available: 25, Incoming: 30, Receipts: []Receipt{{Quantity: 30, Expected: today.AddDays(5)}}}
	if got := stockout(p, dem, today, 60); got != today.AddDays(3) {
		t.Errorf("stockout = %s, want %s", got, today.AddDays(3))
	}
}

// TestDecideLateReceipts checks that a receipt expected after the lead
// time of an order placed now does not hold the order back, while the same
// receipt expected within the lead time does.
func TestDecideLateReceipts(t *testing.T) {
	t.Parallel()
	today := commerce.DateOf(planNow)
	rop := Rule{Policy: PolicyROP, Service: CSL(0.95), NoUndershoot: true}
	input := func(expected int, rule Rule) Input {
		return Input{
			Position: Position{SKU: "S", LocationID: "L", OnHand: 60, Available: 60, Incoming: 100,
				Receipts: []Receipt{{SKU: "S", LocationID: "L", Quantity: 100, Expected: today.AddDays(expected), Ref: "WH/IN/00042"}}},
			Demand:   constDemand(t, 10, 3, 60),
			LeadTime: LeadTime{Days: 9},
			Rule:     &rule,
		}
	}
	tests := []struct {
		name               string
		expected           int
		rule               Rule
		wantDays, wantLate int
		wantQty            int
		wantStockout       commerce.Date
		reason             []string
	}{
		// ROP 104.8: 160 units reach it on day 6 (160 − 60 = 100).
		{"rop, receipt within the lead time", 3, rop, 6, 0, 140, today.AddDays(17),
			[]string{"incoming 100; dated: 100 on 2026-03-17 (WH/IN/00042))", "in 6 days"}},
		// The receipt on day 20 arrives after an order placed today (day 9):
		// only the 60 available count, below 104.8; they last 6 days.
		{"rop, receipt after the lead time", 20, rop, 0, 100, 140, today.AddDays(7),
			[]string{"100 on 2026-04-03 (WH/IN/00042); 100 expected after the 9-day protection period are not counted", "runs out around 2026-03-21"}},
		// rs protects review + lead = 16 days: S = 160 + 1.2816·12 = 175.4.
		{"rs, receipt within the protection period", 12, Rule{Policy: PolicyRS, Service: CSL(0.9), ReviewPeriod: 7}, 0, 0, 16, today.AddDays(7), nil},
		{"rs, receipt after the protection period", 20, Rule{Policy: PolicyRS, Service: CSL(0.9), ReviewPeriod: 7}, 0, 100, 116, today.AddDays(7),
			[]string{"expected after the 16-day protection period are not counted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Decide(input(tt.expected, tt.rule), Config{Now: planNow, Lookahead: 7})
			if err != nil {
				t.Fatal(err)
			}
			if d.DaysToOrder != tt.wantDays || d.Late != tt.wantLate || d.Quantity != tt.wantQty || d.Stockout != tt.wantStockout {
				t.Fatalf("order %d in %d days, %d late, stockout %s; want %d in %d days, %d late, stockout %s",
					d.Quantity, d.DaysToOrder, d.Late, d.Stockout, tt.wantQty, tt.wantDays, tt.wantLate, tt.wantStockout)
			}
			if d.Position != 160 {
				t.Errorf("position %d, want 160 (available and every receipt)", d.Position)
			}
			for _, want := range tt.reason {
				if d.Suggestion == nil || !strings.Contains(d.Suggestion.Reason, want) {
					t.Errorf("reason lacks %q: %v", want, d.Suggestion)
				}
			}
		})
	}
}

func seq(ins []Input) iter.Seq2[Input, error] {
	return func(yield func(Input, error) bool) {
		for _, in := range ins {
			if !yield(in, nil) {
				return
			}
		}
	}
}

func TestPlanStream(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) { testPlanStream(t, workers) })
	}
}

func testPlanStream(t *testing.T, workers int) {
	var ins []Input
	for i := range 10 {
		ins = append(ins, Input{
			Position: Position{SKU: fmt.Sprintf("S%d", i), LocationID: "wh", Available: i * 20},
			Demand:   constDemand(t, 10, 3, 30),
			LeadTime: LeadTime{Days: 5},
		})
	}
	ins[3].LeadTime.Days = 40 // beyond the 30-day forecast
	var got []commerce.ReplenishmentSuggestion
	var itemErrs []*ItemError
	for s, err := range Plan(context.Background(), seq(ins), Config{Now: planNow, Workers: workers}) {
		var ie *ItemError
		switch {
		case errors.As(err, &ie):
			itemErrs = append(itemErrs, ie)
		case err != nil:
			t.Fatal(err)
		default:
			got = append(got, s)
		}
	}
	if len(itemErrs) != 1 || itemErrs[0].SKU != "S3" || !strings.Contains(itemErrs[0].Error(), "S3@wh") {
		t.Errorf("item errors = %v, want one for S3", itemErrs)
	}
	// Reorder point ≈ 50 + 5.45 + 1.645·7.4 ≈ 67.6: positions 0, 20, 40, 60 order (S3 failed).
	if len(got) != 3 {
		t.Fatalf("%d suggestions, want 3: %+v", len(got), got)
	}
	for _, s := range got {
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
	}

	// An input error stops the plan and says where.
	failing := func(yield func(Input, error) bool) {
		if yield(ins[0], nil) {
			yield(Input{}, errors.New("store: connection reset"))
		}
	}
	var last error
	n := 0
	for _, err := range Plan(context.Background(), failing, Config{Now: planNow, Workers: workers}) {
		n++
		last = err
	}
	if last == nil || !strings.Contains(last.Error(), "reading input 2") || n != 2 {
		t.Errorf("input error: last = %v after %d yields", last, n)
	}

	// A cancelled context stops it.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	many := func(yield func(Input, error) bool) {
		for range 1000 {
			if !yield(ins[9], nil) {
				return
			}
		}
	}
	last = nil
	for _, err := range Plan(ctx, many, Config{Now: planNow, Workers: workers}) {
		last = err
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("cancelled plan ended with %v", last)
	}

	// A bad config is reported once.
	for _, err := range Plan(context.Background(), seq(ins), Config{}) {
		if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "Now") {
			t.Errorf("config error = %v", err)
		}
	}
}

func TestPlanTransfers(t *testing.T) {
	t.Parallel()
	rule := Rule{Policy: PolicySS, Service: CSL(0.95), NoUndershoot: true}
	mk := func(loc string, avail int) Input {
		return Input{
			Position:  Position{SKU: "A", LocationID: loc, OnHand: avail, Available: avail},
			Demand:    constDemand(t, 10, 0, 60),
			LeadTime:  LeadTime{Days: 7},
			Economics: Economics{CoverDays: 10, UnitCost: commerce.MustMoney("5", "USD")},
			Rule:      &rule,
		}
	}
	// σ = 0: s = 70, S = 170 everywhere.
	// wh1 holds 400 (230 above S), wh2 holds 20 (needs 150 to reach S),
	// store holds 60 (needs 110). B has a single location.
	ins := []Input{mk("wh1", 400), mk("wh2", 20), mk("store", 60)}
	other := mk("wh1", 10)
	other.Position.SKU = "B"
	ins = append(ins, other)
	tc := &TransferConfig{LeadTime: LeadTime{Days: 2}, Pack: 10}
	var transfers, purchases []commerce.ReplenishmentSuggestion
	for s, err := range Plan(context.Background(), seq(ins), Config{Now: planNow, Transfers: tc}) {
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("invalid suggestion: %v", err)
		}
		if s.Type == "transfer" {
			transfers = append(transfers, s)
		} else {
			purchases = append(purchases, s)
		}
	}
	// wh2 runs out first (day 3), so it is served first: 150; store gets the
	// remaining 80 (230 − 150, in cases of 10), then buys the rest.
	if len(transfers) != 2 {
		t.Fatalf("transfers = %+v, want 2", transfers)
	}
	if tr := transfers[0]; tr.LocationID != "wh2" || tr.FromLocationID != "wh1" || tr.Quantity != 150 || tr.LeadTimeDays != 2 {
		t.Errorf("first transfer = %+v", tr)
	}
	if tr := transfers[1]; tr.LocationID != "store" || tr.Quantity != 80 || !strings.Contains(tr.Reason, "Transfer 80 units, arriving in 2 days (a purchase takes 7)") {
		t.Errorf("second transfer = %+v", tr)
	}
	if transfers[0].Source.ExternalID != "transfer:A@wh1>wh2:2026-03-14" {
		t.Errorf("transfer id = %q", transfers[0].Source.ExternalID)
	}
	// wh2 is now at 170 (no purchase); store at 140 > s = 70 (no purchase);
	// B buys: position 10 ≤ 70 → up to 170.
	if len(purchases) != 1 || purchases[0].SKU != "B" || purchases[0].Quantity != 160 {
		t.Errorf("purchases = %+v, want only B for 160", purchases)
	}

	// A slow transfer lane is not used.
	slow := &TransferConfig{LeadTimes: func(from, to string) (LeadTime, bool) { return LeadTime{Days: 9}, true }}
	n := 0
	for s, err := range Plan(context.Background(), seq(ins[:3]), Config{Now: planNow, Transfers: slow}) {
		if err != nil {
			t.Fatal(err)
		}
		if s.Type == "transfer" {
			t.Errorf("transfer over a lane slower than the supplier: %+v", s)
		}
		n++
	}
	if n != 2 {
		t.Errorf("without transfers, %d purchases, want 2 (wh2 and store)", n)
	}
}

func TestPlanParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	collect := func(cfg Config, n int) []string {
		var out []string
		for s, err := range Plan(context.Background(), benchInputs(n, "normal"), cfg) {
			if err != nil {
				out = append(out, "error: "+err.Error())
				continue
			}
			out = append(out, fmt.Sprintf("%s %s>%s %d %s", s.Type, s.FromLocationID, s.LocationID, s.Quantity, s.Source.ExternalID))
		}
		return out
	}
	for _, transfers := range []*TransferConfig{nil, {LeadTime: LeadTime{Days: 2}}} {
		seqCfg := Config{Now: planNow, Workers: 1, Transfers: transfers}
		parCfg := Config{Now: planNow, Workers: 4, Transfers: transfers}
		a, b := collect(seqCfg, 3000), collect(parCfg, 3000)
		if len(a) == 0 || strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("transfers %v: sequential (%d) and parallel (%d) plans differ", transfers != nil, len(a), len(b))
		}
	}
	// Stopping early returns promptly, whatever is in flight.
	n := 0
	for range Plan(context.Background(), benchInputs(5000, "normal"), Config{Now: planNow, Workers: 3}) {
		if n++; n == 5 {
			break
		}
	}
	if n != 5 {
		t.Errorf("ranged %d times, want 5", n)
	}
}

func TestTransfersDirect(t *testing.T) {
	t.Parallel()
	rule := Rule{Policy: PolicySS, Service: CSL(0.95), NoUndershoot: true}
	mk := func(sku, loc string, avail int) Decision {
		d, err := Decide(Input{
			Position:  Position{SKU: sku, LocationID: loc, OnHand: avail, Available: avail},
			Demand:    constDemand(t, 10, 0, 60),
			LeadTime:  LeadTime{Days: 7},
			Economics: Economics{CoverDays: 10},
			Rule:      &rule,
		}, Config{Now: planNow})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// s = 70, S = 170: the donor has 130 above S; the receiver needs 160.
	ds := []Decision{mk("A", "north", 300), mk("A", "south", 10)}
	tr, after, err := Transfers(ds, Config{Now: planNow}, TransferConfig{LeadTime: LeadTime{Days: 1}, MinQuantity: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 1 || tr[0].Quantity != 130 || tr[0].FromLocationID != "north" || tr[0].LocationID != "south" {
		t.Fatalf("transfers = %+v", tr)
	}
	// South now has 140 coming, still ≤ s? 10 + 130 = 140 > 70: no purchase.
	if after[1].Suggestion != nil || after[1].Position != 140 || after[0].Position != 170 {
		t.Errorf("after transfers: north %d, south %d (suggestion %v)", after[0].Position, after[1].Position, after[1].Suggestion)
	}
	if _, _, err := Transfers([]Decision{mk("A", "x", 1), mk("B", "y", 1)}, Config{Now: planNow}, TransferConfig{}); !errors.Is(err, ErrInput) {
		t.Errorf("mixed SKUs: %v", err)
	}
	if _, _, err := Transfers(ds, Config{Now: planNow}, TransferConfig{MinQuantity: -1}); !errors.Is(err, ErrInput) {
		t.Errorf("bad config: %v", err)
	}
}
