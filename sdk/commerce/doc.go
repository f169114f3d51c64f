// Package commerce is Supplyhub's unified commerce model: the records that
// every connector produces and every decision module consumes, whatever the
// channel they came from.
//
// It is for connector authors (who map an upstream's wire format into these
// types) and for the gateway's modules (which read them from the store).
// Start with [Money], then [Order], [Product] and [InventoryLevel].
//
// # Money
//
// Money is an exact decimal amount with an ISO 4217 currency; it is never a
// float. Arithmetic between two currencies fails with [ErrCurrencyMismatch]
// unless an explicit [FXRate] converts one side first. Amounts round to the
// currency's minor units with an explicit [RoundingMode]. In JSON an amount
// is a decimal string: {"amount": "12.30", "currency": "EUR"}.
//
// # Records
//
// Every stored record implements [Record]: it has a [Kind], a source
// reference (the connection it came from and the upstream's own id, always a
// string) and the upstream's updated_at, which orders versions so that an
// older version never overwrites a newer one. Timestamps are time.Time values
// that carry their zone; calendar dates (an FX reference day, an order-by
// date) are [Date] values.
//
// Validate on each record returns a [ValidationError] that names every bad
// field by its JSON path, such as "lines[2].unit_price.shop.currency".
//
// # JSON Schema
//
// The JSON Schema of the model lives in schema/commerce.schema.json and is
// generated from this package's source by "go generate ./sdk/commerce"; a
// test fails when it is stale. Plugins in other languages validate against it.
package commerce

//go:generate go run ./internal/schemagen -out schema/commerce.schema.json
