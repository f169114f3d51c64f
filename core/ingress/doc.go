// Package ingress is the path from a merchant's upstreams to the unified
// model and back: connections, webhooks, pull syncs and write-back.
//
//   - Connections: a connector plus its configuration, validated against the
//     connector's JSON Schema and checked against the upstream before it is
//     stored, secrets sealed.
//   - Webhooks: POST /webhooks/{connection} verifies the signature natively
//     (the connector declares its scheme; no plugin call on the hot path),
//     appends the delivery durably to the inbox with group commit (many
//     concurrent deliveries share one fsync), and only then answers 2xx.
//     Inbox workers call the plugin's ParseWebhook and upsert the records in
//     the same transaction that marks the event processed; failures retry
//     with jittered backoff, then go to the dead-letter list, which ops can
//     inspect and replay.
//   - Syncs: jobs read streams from a plugin's Source; every batch and its
//     checkpoint commit together, so a job killed at any point resumes from
//     its last checkpoint with nothing lost or repeated. Progress is served
//     as JSON and Server-Sent Events. A scheduler queues incremental syncs
//     that reconcile what webhooks missed.
//   - Write-back: changes decided by the modules go out through the
//     plugins' Write, idempotently, with the same retry and dead-letter path.
//
// All work is claimed from the store with leases, so several gateway
// instances on PostgreSQL share it and an instance that dies loses nothing.
// Start with [New] and [Ingress.Run]; [Ingress.Routes] are the HTTP routes.
package ingress
