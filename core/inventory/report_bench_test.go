package inventory_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/core/inventory"
)

// BenchmarkServiceLevels is the measurement behind docs/benchmarks.md: on
// generated intermittent and seasonal demand (40 series × 730 days each,
// fixed seeds), each policy at each target, once with the true demand
// distribution as the forecast and once estimating demand from history
// (EstimateAuto). It logs one markdown row per run; run it with
// "make bench-inventory".
func BenchmarkServiceLevels(b *testing.B) {
	const n, days = 40, 730
	for b.Loop() {
		b.Log("| demand | forecast | policy | target CSL | achieved CSL | cycles | fill rate | avg on hand | orders | total cost |")
		b.Log("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, kind := range []string{"intermittent", "seasonal"} {
			series, oracle := generate(b, kind, n, days)
			for _, source := range []string{"true distribution", "history (auto)"} {
				var forecasts func(inventory.Series) (inventory.Forecaster, error)
				if source == "true distribution" {
					forecasts = func(s inventory.Series) (inventory.Forecaster, error) { return oracle[s.ID], nil }
				}
				for _, pol := range []inventory.PolicyKind{inventory.PolicyROP, inventory.PolicySS, inventory.PolicyRS} {
					for _, target := range []float64{0.90, 0.95, 0.98} {
						cfg := inventory.SimConfig{
							Rule:      inventory.Rule{Policy: pol, Service: inventory.CSL(target), ReviewPeriod: 7},
							LeadTime:  inventory.LeadTime{Days: 7},
							Economics: costs("25"),
							Warmup:    120,
						}
						rs, err := inventory.SimulateAll(context.Background(), series, cfg, forecasts)
						if err != nil {
							b.Fatal(err)
						}
						t, _ := inventory.Total(rs)
						b.Logf("| %s | %s | %s | %.2f | %.3f | %d | %.4f | %.0f | %d | %s |", kind, source, pol, target, t.CSL, t.Cycles, t.FillRate, t.AvgOnHand, t.Orders, t.TotalCost)
					}
				}
				// The textbook reorder point, without the undershoot allowance.
				if source == "true distribution" {
					cfg := inventory.SimConfig{
						Rule:      inventory.Rule{Policy: inventory.PolicyROP, Service: inventory.CSL(0.95), NoUndershoot: true},
						LeadTime:  inventory.LeadTime{Days: 7},
						Economics: costs("25"),
						Warmup:    120,
					}
					rs, err := inventory.SimulateAll(context.Background(), series, cfg, forecasts)
					if err != nil {
						b.Fatal(err)
					}
					t, _ := inventory.Total(rs)
					b.Logf("| %s | %s | rop, no undershoot | 0.95 | %.3f | %d | %.4f | %.0f | %d | %s |", kind, source, t.CSL, t.Cycles, t.FillRate, t.AvgOnHand, t.Orders, t.TotalCost)
				}
			}
		}
	}
}

// BenchmarkVersusMinMax compares the reorder-point and (s,S) policies at a
// 95 % cycle service level with a naive min/max in days of cover, tuned to
// reach the same cycle service level on the same series and the same
// forecast: for each lot (max − min) of 14, 30, 60 and 90 days the least
// min that does, and the cheapest of those four.
func BenchmarkVersusMinMax(b *testing.B) {
	const n, days = 40, 730
	for b.Loop() {
		b.Log("| demand | forecast | policy | CSL | fill rate | avg on hand | orders | holding | ordering | total cost | saving |")
		b.Log("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, kind := range []string{"intermittent", "seasonal"} {
			series, oracle := generate(b, kind, n, days)
			for _, source := range []string{"true distribution", "history (auto)"} {
				var forecasts func(inventory.Series) (inventory.Forecaster, error)
				if source == "true distribution" {
					forecasts = func(s inventory.Series) (inventory.Forecaster, error) { return oracle[s.ID], nil }
				}
				for _, pol := range []inventory.PolicyKind{inventory.PolicyROP, inventory.PolicySS} {
					cfg := inventory.SimConfig{
						Rule:      inventory.Rule{Policy: pol, Service: inventory.CSL(0.95)},
						LeadTime:  inventory.LeadTime{Days: 7},
						Economics: costs("25"),
						Warmup:    120,
					}
					rs, err := inventory.SimulateAll(context.Background(), series, cfg, forecasts)
					if err != nil {
						b.Fatal(err)
					}
					t, _ := inventory.Total(rs)
					var best inventory.SimResult
					var bestRule inventory.Rule
					for _, lot := range []float64{14, 30, 60, 90} {
						rule, _, mm, err := inventory.MatchMinMax(context.Background(), series, cfg, forecasts, t.CSL, lot)
						if err != nil {
							b.Fatal(err)
						}
						if c, _ := mm.TotalCost.Cmp(best.TotalCost); best.TotalCost.Currency == "" || c < 0 {
							best, bestRule = mm, rule
						}
					}
					saved, _ := best.TotalCost.Sub(t.TotalCost)
					pct, _ := saved.Amount.Div(best.TotalCost.Amount).Float64()
					row := func(name string, r inventory.SimResult, saving string) {
						b.Logf("| %s | %s | %s | %.3f | %.4f | %.0f | %d | %s | %s | %s | %s |", kind, source, name, r.CSL, r.FillRate, r.AvgOnHand, r.Orders,
							inventory.Amount(r.HoldingCost), inventory.Amount(r.OrderingCost), inventory.Amount(r.TotalCost), saving)
					}
					row(cfg.Rule.String(), t, fmt.Sprintf("%.1f %%", 100*pct))
					row("best naive "+strings.TrimPrefix(bestRule.String(), "minmax "), best, "")
				}
			}
		}
	}
}
