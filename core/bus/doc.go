// Package bus carries domain events (order.upserted, inventory_level.upserted
// …) between the gateway's parts and instances, on watermill.
//
// Open returns a [Bus] from [Config] alone: an in-process NATS JetStream
// server with its file store in the data directory and no listening port
// (the embedded default), an external NATS JetStream server or cluster
// (scale-out), or watermill's GoChannel (unit tests only). Subscribers name
// a group: every group gets every message once, and the instances of one
// group share its messages through a durable JetStream consumer, so several
// gateways can split the work.
//
// Events enter the bus from the store's transactional outbox through a
// [Relay]: the store, not the bus, is the point of durability for anything
// acknowledged to an upstream.
package bus
