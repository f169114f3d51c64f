// Package customs is the customs connector: HS code validation and an
// itemised landed-cost quote (duty, taxes, fees) for a cross-border parcel,
// from a versioned, dated rule table the connector ships
// (rules/tariff.json, with its sources).
//
// It is for the gateway's routing module, which quotes landed cost next to
// carrier rates for cross-border orders, passing the FX rates it fetched from
// the FX capability. Start with [New] (the connector the plugin serves),
// [Quote] (the engine, without the plugin boundary) and [Table.ValidateHS].
//
// Every charge names the rule it applied and the date that rule took effect;
// de minimis decisions are listed with their thresholds. An unknown HS code,
// destination, or a date no rule covers is an InvalidInput error, never a
// silent zero. The rules follow ../shared/fixtures/customs (EU €150 relief
// until 2026-06-30 then the €3 flat duty per subheading, UK £135, AU
// A$1,000, Canada's CUSMA courier thresholds, the US de minimis suspension);
// docs/connectors/customs.md describes the model and its limits.
package customs
