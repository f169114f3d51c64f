package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// ErrNotFound is returned by Get methods when nothing matches.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a create would duplicate an existing key.
var ErrConflict = errors.New("store: already exists")

// Store is the gateway's durable state. Both implementations are safe for
// concurrent use.
type Store interface {
	RecordStore
	ConnectionStore
	TokenStore
	OutboxStore
	IngressStore
	ComplianceStore
	StockStore
	DecisionStore
	// Driver returns "sqlite" or "postgres".
	Driver() string
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Outcome says what an upsert did.
type Outcome string

// The upsert outcomes.
const (
	Inserted  Outcome = "inserted"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged" // same version and body: a redelivery
	Stale     Outcome = "stale"     // older than the stored version: ignored
)

// UpsertResult reports the outcome for one record.
type UpsertResult struct {
	// ID is the store's id of the record.
	ID      int64
	Kind    commerce.Kind
	Ref     commerce.Ref
	Outcome Outcome
}

// Changed reports whether the upsert wrote the record.
func (r UpsertResult) Changed() bool { return r.Outcome == Inserted || r.Outcome == Updated }

// RecordStore keeps the unified records.
type RecordStore interface {
	// UpsertRecords validates and writes records in one transaction, each
	// keyed by (connection, kind, external id) and ordered by its version,
	// and writes one outbox event per changed record. Invalid records fail
	// the whole call before anything is written.
	UpsertRecords(ctx context.Context, recs []commerce.Record) ([]UpsertResult, error)
	// GetRecord returns the record with the store id.
	GetRecord(ctx context.Context, kind commerce.Kind, id int64) (*StoredRecord, error)
	// GetRecordByRef returns the record with the source reference.
	GetRecordByRef(ctx context.Context, kind commerce.Kind, ref commerce.Ref) (*StoredRecord, error)
	// ListRecords returns one page of records in store id order.
	ListRecords(ctx context.Context, q Query) (Page, error)
	// ReplaceRecordData rewrites a record's body in place, keeping its
	// version, and writes an outbox event. It is for redaction, not for
	// upstream updates.
	ReplaceRecordData(ctx context.Context, id int64, rec commerce.Record) error
	// CountRecords counts records of a kind, optionally for one connection.
	CountRecords(ctx context.Context, kind commerce.Kind, connection string) (int64, error)
}

// StoredRecord is a record as stored, with its store metadata.
type StoredRecord struct {
	ID         int64           `json:"id"`
	Kind       commerce.Kind   `json:"kind"`
	Connection string          `json:"connection"`
	ExternalID string          `json:"external_id"`
	Version    time.Time       `json:"version"`
	Deleted    bool            `json:"deleted"`
	IngestedAt time.Time       `json:"ingested_at"`
	Data       json.RawMessage `json:"data"`
}

// Decode returns the record.
func (r *StoredRecord) Decode() (commerce.Record, error) {
	rec, err := commerce.Decode(r.Kind, r.Data)
	if err != nil {
		return nil, fmt.Errorf("store: record %d: %w", r.ID, err)
	}
	return rec, nil
}

// Query selects records. Zero fields do not filter.
type Query struct {
	Kind       commerce.Kind
	Connection string
	ExternalID string
	SKU        string
	Location   string
	// Customer is an upstream customer id or CustomerEmailKey(email).
	Customer     string
	UpdatedSince time.Time
	// After is the cursor: the last id of the previous page.
	After int64
	// Limit is the page size: 1..1000, default 100.
	Limit int
	// IncludeDeleted also returns tombstones.
	IncludeDeleted bool
}

// Page is one page of records.
type Page struct {
	Items []StoredRecord
	// Next is the cursor for the next page, 0 at the end.
	Next int64
}

// Connection is a configured connector instance: one shop, one account.
type Connection struct {
	// ID is the connection's id, used in webhook URLs and the API.
	ID string `json:"id"`
	// Connector names the plugin, e.g. "shopify".
	Connector string `json:"connector"`
	// Name is the merchant's label.
	Name string `json:"name"`
	// Config is the configuration JSON with secret fields sealed.
	Config json.RawMessage `json:"config"`
	// Status is active, paused, error or uninstalled.
	Status string `json:"status"`
	// LastError is the most recent error, empty when healthy.
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// WebhookSubscriptions is the last result of registering the
	// connection's webhook subscriptions upstream, a JSON document the
	// ingress writes (empty until then). UpdateConnection leaves it alone;
	// SetWebhookSubscriptions writes it.
	WebhookSubscriptions json.RawMessage `json:"-"`
}

// ConnectionStore keeps connections.
type ConnectionStore interface {
	CreateConnection(ctx context.Context, c *Connection) error
	GetConnection(ctx context.Context, id string) (*Connection, error)
	ListConnections(ctx context.Context) ([]Connection, error)
	UpdateConnection(ctx context.Context, c *Connection) error
	DeleteConnection(ctx context.Context, id string) error
	// SetWebhookSubscriptions stores the last result of registering the
	// connection's webhook subscriptions, and nothing else.
	SetWebhookSubscriptions(ctx context.Context, id string, report json.RawMessage) error
}

// Token is an API token; only its SHA-256 hash is stored.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Hash       string     `json:"-"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// TokenStore keeps API tokens.
type TokenStore interface {
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns an unrevoked token.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	ListTokens(ctx context.Context) ([]Token, error)
	RevokeToken(ctx context.Context, id string) error
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// OutboxEvent is a domain event waiting to be published.
type OutboxEvent struct {
	ID        int64           `json:"id"`
	Topic     string          `json:"topic"`
	Key       string          `json:"key"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
}

// OutboxStore is the transactional outbox.
type OutboxStore interface {
	// ClaimOutbox returns up to limit unpublished events in id order and
	// leases them for lease; another claimer skips leased events.
	ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]OutboxEvent, error)
	// MarkPublished marks events as published.
	MarkPublished(ctx context.Context, ids []int64) error
	// AppendOutbox writes events outside a record upsert.
	AppendOutbox(ctx context.Context, events []OutboxEvent) error
	// PruneOutbox deletes events published before t.
	PruneOutbox(ctx context.Context, before time.Time) (int64, error)
}

// RecordEvent is the payload of the outbox events UpsertRecords writes, on
// topics "<kind>.upserted" and "<kind>.deleted".
type RecordEvent struct {
	ID         int64         `json:"id"`
	Kind       commerce.Kind `json:"kind"`
	Connection string        `json:"connection"`
	ExternalID string        `json:"external_id"`
	Version    time.Time     `json:"version"`
	Outcome    Outcome       `json:"outcome"`
}

// Topic returns the bus topic for a change of kind: "order.upserted".
func Topic(kind commerce.Kind, deleted bool) string {
	if deleted {
		return string(kind) + ".deleted"
	}
	return string(kind) + ".upserted"
}
