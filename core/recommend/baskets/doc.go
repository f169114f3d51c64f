// Package baskets generates order histories with planted associations
// (items bought together, bundles, follow-up purchases) whose answers are
// known, to test and measure recommenders.
//
// It is for the recommend package's tests and benchmarks, the demo (which
// seeds its shop with [Demo]) and "supplyhub recommend generate". Start
// with [Generate] and a [Config]: a zero Config gives a mid-sized shop,
// [Demo] a small one, and Config.Lines a data set of a chosen size.
package baskets
