// Package fx is the FX connector: ECB euro reference rates (daily, 90-day and
// historical feeds, XML and the CSV of the zipped history), exact conversion
// between any two currencies through EUR, and a Stripe-style rates API shape
// for payment-provider settlement currencies.
//
// It is for the gateway's routing and customs paths, which need "the rate for
// a date", and for connector authors who want exact decimal conversions. Start
// with [New] (the connector the plugin serves), [ParseXML] and [ParseCSV]
// (the feeds), and [Table.Convert] (amount / rate[from] × rate[to], rounded to
// the target currency's ISO 4217 minor units with a chosen mode).
//
// The rate for a date is the one of the last publication day on or before it
// (the ECB publishes on TARGET business days only, around 16:00 CET); every
// answer says which publication day it used. A currency the ECB does not
// publish (KWD) or a date before the series starts is an InvalidInput error,
// never a silent zero.
package fx
