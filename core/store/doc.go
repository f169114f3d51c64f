// Package store is the gateway's durable state: the unified records with
// their source references and versions, connections, API tokens, and the
// transactional outbox from which domain events reach the bus.
//
// It is for the rest of package core; nothing outside core touches the
// database. Start with [Open], which returns a [Store] backed by SQLite (the
// embedded default: one file in the data directory, WAL, synchronous=FULL,
// pure Go) or PostgreSQL (scale-out, through pgx), selected by [Config]
// alone. Both run the same versioned migrations (package migrations) and
// the same test suite.
//
// # Versions
//
// UpsertRecords is idempotent. A record is keyed by (connection, kind,
// external id) and ordered by its upstream updated_at: an older version never
// overwrites a newer one, an identical one is a no-op, and a different body
// with the same updated_at replaces the stored one (upstreams stamp seconds,
// so two real updates can share one; the scheduled incremental sync re-reads
// the latest). Every change writes an outbox event in the same transaction,
// so no committed change is ever missing from the bus.
package store
