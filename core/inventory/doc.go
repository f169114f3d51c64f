// Package inventory turns stock positions and demand forecasts into
// decisions: available-to-sell per channel, reorder policies, replenishment
// and transfer suggestions, ABC/XYZ classes, and a day-by-day policy
// simulator.
//
// It is for the gateway (which feeds it stock levels and forecasts from the
// store and publishes the results) and for merchants evaluating policies
// offline on CSV files with "supplyhub inventory".
//
// Where to start:
//
//   - The formulas on their own: [EOQ], [SafetyStock], [SafetyFactor],
//     [ReorderPoint], [LeadTimeDemandSD], [NormalQuantile], [NormalLoss],
//     [RoundOrderNearest], [RoundOrderUp].
//   - Stock positions and what each channel may sell: [Positions], [ATS],
//     [ChangedATS].
//   - Deciding what to order: describe each SKU-location as an [Input] (its
//     [Position], a [Demand] forecast, [LeadTime], costs, pack sizes and a
//     [Rule] or an ABC/XYZ class) and stream the inputs through [Plan]; use
//     [Decide] for one item. [ClassifyABC], [ClassifyXYZ] and [Matrix] pick a
//     rule by class.
//   - Comparing policies on a demand history: [Simulate], [SimulateAll],
//     [Total] and [MatchMinMax] (the naive baseline at the same service);
//     [ReadDemandCSV] and [ReadForecastCSV] read the CSV files, and package
//     inventorytest generates demand with a known distribution.
//
// Money is never a float: costs enter and leave as [commerce.Money];
// quantities and statistics are float64 or whole units. docs/inventory.md
// gives every formula with its reference.
package inventory
