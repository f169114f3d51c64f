// Package carrier is the carrier connector: rate shopping, labels and
// tracking through multi-carrier APIs shaped like EasyPost and Shippo, and a
// table-rate mode (zone/weight CSV) for merchants without an API account.
//
// It is for the gateway's routing module, which calls Rates across every
// configured carrier with a deadline and buys the label of the chosen rate,
// and for the webhook path, which turns tracking webhooks into Shipment
// records. Start with [New] (the connector the plugin serves) and its
// Config; [DimRule] computes dimensional and billable weight; [MapStatus]
// maps any provider's tracking status to the unified vocabulary of
// commerce.TrackingStatus; [ParseTableRates] and [ParseZones] read the
// table-rate CSVs (their format is in docs/connectors/carrier.md).
//
// Rates fans out to every carrier account (and rate table) in parallel and
// returns at its deadline with the rates that arrived plus one CarrierError
// per carrier that failed or was too slow; it never waits for the slowest.
package carrier
