package inventory_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/core/inventory"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func ExampleEOQ() {
	q, _ := inventory.EOQ(1000, decimal.NewFromInt(100), decimal.NewFromInt(10))
	fmt.Printf("EOQ %.2f units, %d in packs of 12\n", q, inventory.RoundOrderNearest(q, 0, 12))
	// Output: EOQ 141.42 units, 144 in packs of 12
}

func ExampleSafetyStock() {
	// Daily demand 50 ± 10, lead time 9 ± 2 days, 95 % cycle service level.
	sigma := inventory.LeadTimeDemandSD(50, 10, 9, 2)
	ss, _ := inventory.SafetyStock(inventory.CSL(0.95), sigma, 0)
	fmt.Printf("σ_LTD %.2f, safety stock %.2f, reorder point %.2f\n", sigma, ss, 450+ss)
	// Output: σ_LTD 104.40, safety stock 171.73, reorder point 621.73
}

func ExampleATS() {
	positions := []inventory.Position{
		{SKU: "MUG-1", LocationID: "berlin", Available: 40},
		{SKU: "MUG-1", LocationID: "lyon", Available: 12},
	}
	rules := []inventory.ChannelRule{
		{Channel: "shopify", PerLocation: true, Buffer: 2},
		{Channel: "amazon", BufferPercent: 10, Cap: 30},
	}
	ats, _ := inventory.ATS(positions, rules)
	for _, q := range ats {
		fmt.Println(q.Channel, q.LocationID, q.Quantity)
	}
	// Output:
	// amazon pool 30
	// shopify berlin 38
	// shopify lyon 10
}

func ExampleDecide() {
	demand, _ := inventory.NewConstantDemand(10, 3) // 10 ± 3 units a day
	d, _ := inventory.Decide(inventory.Input{
		Position: inventory.Position{SKU: "MUG-1", LocationID: "berlin", OnHand: 60, Committed: 5, Available: 55},
		Demand:   demand,
		LeadTime: inventory.LeadTime{Days: 9},
		Economics: inventory.Economics{
			UnitCost:    commerce.MustMoney("4.20", "EUR"),
			OrderCost:   commerce.MustMoney("60", "EUR"),
			HoldingRate: decimal.RequireFromString("0.25"),
			Pack:        24,
		},
		Class: "AX",
	}, inventory.Config{Now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)})
	s := d.Suggestion
	fmt.Println(s.Type, s.Quantity, "by", s.OrderBy, "stockout", s.ExpectedStockout, "total", s.TotalCost)
	// Output: purchase 648 by 2026-03-14 stockout 2026-03-20 total 2721.60 EUR
}
