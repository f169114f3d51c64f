package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/core/inventory"
	"github.com/supplyhub/supplyhub/core/inventory/inventorytest"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func costs(orderCost string) inventory.Economics {
	return inventory.Economics{
		UnitCost:    commerce.MustMoney("12", "EUR"),
		OrderCost:   commerce.MustMoney(orderCost, "EUR"),
		HoldingRate: decimal.RequireFromString("0.25"),
	}
}

func flat(mean float64) inventory.Forecaster {
	d, _ := inventory.NewConstantDemand(mean, 0)
	return func(int) (inventory.Demand, error) { return d, nil }
}

// TestSimulateByHand checks the day-by-day mechanics against a trace worked
// by hand: demand 2 a day, min/max 5/20, scoring from day 1 with 20 on hand.
func TestSimulateByHand(t *testing.T) {
	t.Parallel()
	s := inventory.Series{ID: "hand", Demand: []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}}
	base := inventory.SimConfig{
		Rule:      inventory.Rule{Policy: inventory.PolicyMinMax, Min: 5, Max: 20},
		Economics: costs("100"),
		Forecast:  flat(2),
		Warmup:    1,
	}
	cases := []struct {
		name                          string
		lead                          int
		backorders                    bool
		unitDays, served, stockDays   int64
		cycles, stockCycles, orders   int
		holding, ordering, totalMoney string
	}{
		// End-of-day stock 18 16 … 4 (order 16 at day 8, due day 11), 2, 0,
		// then 16−2 = 14, 12: 116 unit-days; one clean cycle.
		// Holding 116 · 12 · 0.25 / 365 = 0.9534 → 0.95.
		{"lead 2", 2, false, 116, 24, 0, 1, 0, 1, "0.95", "100.00", "100.95"},
		// Lead 3: day 11 has no stock (lost), the order lands on day 12.
		{"lead 3 lost", 3, false, 104, 22, 1, 1, 1, 1, "0.85", "100.00", "100.85"},
		// Backordered: day 12 receives 16, pays back 2, serves 2 → 12 left.
		{"lead 3 backordered", 3, true, 102, 22, 1, 1, 1, 1, "0.84", "100.00", "100.84"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := base
			cfg.LeadTime = inventory.LeadTime{Days: c.lead}
			cfg.Backorders = c.backorders
			r, err := inventory.Simulate(s, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if r.Days != 12 || r.Demanded != 24 || r.UnitDays != c.unitDays || r.Served != c.served || int64(r.StockoutDays) != c.stockDays ||
				r.Cycles != c.cycles || r.StockoutCycles != c.stockCycles || r.Orders != c.orders {
				t.Errorf("result = %+v\nwant unit-days %d, served %d, stockout days %d, cycles %d (%d short), orders %d",
					r, c.unitDays, c.served, c.stockDays, c.cycles, c.stockCycles, c.orders)
			}
			if inventory.Amount(r.HoldingCost) != c.holding || inventory.Amount(r.OrderingCost) != c.ordering || inventory.Amount(r.TotalCost) != c.totalMoney {
				t.Errorf("costs = %s + %s = %s, want %s + %s = %s", r.HoldingCost, r.OrderingCost, r.TotalCost, c.holding, c.ordering, c.totalMoney)
			}
			if want := float64(c.served) / 24; math.Abs(r.FillRate-want) > 1e-12 {
				t.Errorf("fill rate = %v, want %v", r.FillRate, want)
			}
		})
	}
}

// scenario simulates n generated series with a rule and returns the total.
func scenario(t testing.TB, kind string, n, days int, cfg inventory.SimConfig, oracle bool) inventory.SimResult {
	t.Helper()
	results := make([]inventory.SimResult, 0, n)
	for i := range n {
		var s inventory.Series
		var f inventory.Forecaster
		var err error
		switch kind {
		case "intermittent":
			// 15–60 % of days have demand, mean sizes 1–5.
			s, f, err = inventorytest.Intermittent(fmt.Sprintf("int-%d", i), uint64(i), days, 0.15+0.05*float64(i%10), 1+float64(i%5))
		case "seasonal":
			s, f, err = inventorytest.Seasonal(fmt.Sprintf("sea-%d", i), uint64(i), days, 4+float64(i%12)*3, 0.5, 365, 60)
		}
		if err != nil {
			t.Fatal(err)
		}
		c := cfg
		if oracle {
			c.Forecast = f
		}
		r, err := inventory.Simulate(s, c)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	total, err := inventory.Total(results)
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// TestSimulateHitsTarget replays intermittent and seasonal demand with the
// true demand distribution as the forecast: the achieved cycle service level
// must land near the target, for each policy.
func TestSimulateHitsTarget(t *testing.T) {
	t.Parallel()
	n, days := 24, 600
	if testing.Short() {
		n = 8
	}
	for _, kind := range []string{"intermittent", "seasonal"} {
		for _, pol := range []inventory.PolicyKind{inventory.PolicyROP, inventory.PolicySS, inventory.PolicyRS} {
			for _, target := range []float64{0.9, 0.95} {
				name := fmt.Sprintf("%s/%s/%g", kind, pol, target)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					cfg := inventory.SimConfig{
						Rule:       inventory.Rule{Policy: pol, Service: inventory.CSL(target), ReviewPeriod: 7},
						LeadTime:   inventory.LeadTime{Days: 7},
						Economics:  costs("10"),
						Backorders: true,
						Warmup:     30,
					}
					tot := scenario(t, kind, n, days, cfg, true)
					// Standard error of a proportion over the cycles, plus the
					// discreteness of whole-unit quantiles that rounds levels up.
					se := math.Sqrt(target * (1 - target) / float64(tot.Cycles))
					if tot.CSL < target-3*se-0.01 || tot.CSL > target+3*se+0.035 {
						t.Errorf("achieved CSL %.3f over %d cycles, target %.2f (±3σ = %.3f)", tot.CSL, tot.Cycles, target, 3*se)
					}
					t.Logf("achieved CSL %.3f over %d cycles, fill rate %.4f", tot.CSL, tot.Cycles, tot.FillRate)
				})
			}
		}
	}
}

func TestSimulateConfigErrors(t *testing.T) {
	t.Parallel()
	s := inventory.Series{ID: "x", Demand: make([]int, 100)}
	good := inventory.SimConfig{Rule: inventory.Rule{Policy: inventory.PolicyROP, Service: inventory.CSL(0.9)}, LeadTime: inventory.LeadTime{Days: 3}}
	cases := []struct {
		name string
		s    inventory.Series
		mod  func(*inventory.SimConfig)
		want string
	}{
		{"short", inventory.Series{ID: "x", Demand: make([]int, 20)}, func(*inventory.SimConfig) {}, "warm-up"},
		{"negative demand", inventory.Series{ID: "x", Demand: []int{1, -1}}, func(*inventory.SimConfig) {}, "demand -1"},
		{"estimate", s, func(c *inventory.SimConfig) { c.Estimate = "magic" }, "estimation method"},
		{"window", s, func(c *inventory.SimConfig) { c.Window = 1 }, "window"},
		{"rule", s, func(c *inventory.SimConfig) { c.Rule.Service = inventory.CSL(0) }, "between 0 and 1"},
		{"forecast", s, func(c *inventory.SimConfig) {
			c.Forecast = func(int) (inventory.Demand, error) { return nil, errors.New("no model") }
		}, "no model"},
	}
	for _, c := range cases {
		cfg := good
		c.mod(&cfg)
		_, err := inventory.Simulate(c.s, cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := inventory.SimulateAll(canceled(), []inventory.Series{s}, good, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("SimulateAll with a cancelled context: %v", err)
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func generate(t testing.TB, kind string, n, days int) ([]inventory.Series, map[string]inventory.Forecaster) {
	t.Helper()
	var series []inventory.Series
	oracle := map[string]inventory.Forecaster{}
	for i := range n {
		var s inventory.Series
		var f inventory.Forecaster
		var err error
		switch kind {
		case "intermittent":
			s, f, err = inventorytest.Intermittent(fmt.Sprintf("int-%d", i), uint64(i), days, 0.15+0.05*float64(i%10), 1+float64(i%5))
		case "seasonal":
			s, f, err = inventorytest.Seasonal(fmt.Sprintf("sea-%d", i), uint64(i), days, 4+float64(i%12)*3, 0.5, 365, 60)
		}
		if err != nil {
			t.Fatal(err)
		}
		series = append(series, s)
		oracle[s.ID] = f
	}
	return series, oracle
}

// TestPolicyBeatsNaiveMinMax checks the claim a merchant cares about: at
// the same cycle service level, the reorder-point policy (safety stock from
// the demand distribution, EOQ lots) costs less than min/max in days of
// cover tuned to reach that level.
func TestPolicyBeatsNaiveMinMax(t *testing.T) {
	t.Parallel()
	n := 12
	if testing.Short() {
		n = 6
	}
	for _, kind := range []string{"intermittent", "seasonal"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			series, oracle := generate(t, kind, n, 450)
			forecasts := func(s inventory.Series) (inventory.Forecaster, error) { return oracle[s.ID], nil }
			cfg := inventory.SimConfig{
				Rule:      inventory.Rule{Policy: inventory.PolicyROP, Service: inventory.CSL(0.95)},
				LeadTime:  inventory.LeadTime{Days: 7},
				Economics: costs("25"),
				Warmup:    30,
			}
			rs, err := inventory.SimulateAll(context.Background(), series, cfg, forecasts)
			if err != nil {
				t.Fatal(err)
			}
			rop, _ := inventory.Total(rs)
			rule, _, mm, err := inventory.MatchMinMax(context.Background(), series, cfg, forecasts, rop.CSL, 30)
			if err != nil {
				t.Fatal(err)
			}
			if mm.CSL < rop.CSL {
				t.Fatalf("min/max CSL %.3f below the target %.3f", mm.CSL, rop.CSL)
			}
			cmp, err := rop.TotalCost.Cmp(mm.TotalCost)
			if err != nil || cmp >= 0 {
				t.Errorf("rop costs %s at CSL %.3f; %s costs %s at CSL %.3f: want rop cheaper", rop.TotalCost, rop.CSL, rule, mm.TotalCost, mm.CSL)
			}
			t.Logf("rop: CSL %.3f fill %.4f cost %s; %s: CSL %.3f fill %.4f cost %s", rop.CSL, rop.FillRate, rop.TotalCost, rule, mm.CSL, mm.FillRate, mm.TotalCost)
		})
	}
}
