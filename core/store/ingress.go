package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// IngressStore keeps what the ingress engine needs: the webhook inbox, sync
// jobs with their checkpoints, and write-backs. Work items are claimed with
// a lease and a token; completing an item checks the token, so an instance
// whose lease expired cannot complete work another instance took over.
type IngressStore interface {
	// AppendInbox durably appends deliveries in one transaction (one fsync
	// for the batch) and reports, per event, its id and whether it was a
	// duplicate of one already stored (same connection and dedupe key).
	AppendInbox(ctx context.Context, events []InboxEvent) ([]AppendResult, error)
	// ClaimInbox leases up to limit events that are due. For events with an
	// ordering key only the oldest unfinished event of each key is claimable.
	ClaimInbox(ctx context.Context, limit int, lease time.Duration) ([]InboxEvent, error)
	// ClaimInboxRuns is ClaimInbox that also claims, after each head of an
	// ordering key, up to follow due events that come next for that key
	// without a gap, under the head's lease token: one worker then
	// processes the run in order. Events are returned heads first, each
	// followed by its run.
	ClaimInboxRuns(ctx context.Context, limit, follow int, lease time.Duration) ([]InboxEvent, error)
	// CompleteInboxBatch completes several events in one transaction.
	CompleteInboxBatch(ctx context.Context, cs []InboxCompletion) ([]UpsertResult, error)
	// ReleaseInbox returns claimed events unprocessed.
	ReleaseInbox(ctx context.Context, ids []int64, token string) error
	// CompleteInbox upserts recs and marks the event processed with result,
	// in one transaction, if the lease token still holds.
	CompleteInbox(ctx context.Context, id int64, token string, recs []commerce.Record, result json.RawMessage) ([]UpsertResult, error)
	// FailInbox records a failed attempt: retry at next, or dead when dead.
	FailInbox(ctx context.Context, id int64, token, reason string, next time.Time, dead bool) error
	GetInbox(ctx context.Context, id int64) (*InboxEvent, error)
	ListInbox(ctx context.Context, q InboxQuery) ([]InboxEvent, int64, error)
	// ReplayInbox makes a failed or dead event due again; it reports false
	// (and changes nothing) for an event that was already processed.
	ReplayInbox(ctx context.Context, id int64) (bool, error)
	// InboxCounts counts events by status, for one connection or all.
	InboxCounts(ctx context.Context, connection string) (map[string]int64, error)
	// ReleaseLeases makes every leased inbox event, sync job and
	// write-back claimable again at once. Only a sole instance may call it
	// at startup (the embedded SQLite store): it declares every earlier
	// holder dead.
	ReleaseLeases(ctx context.Context) error
	// PruneInbox deletes processed events received before t.
	PruneInbox(ctx context.Context, before time.Time) (int64, error)

	CreateSyncJob(ctx context.Context, j *SyncJob) error
	GetSyncJob(ctx context.Context, id int64) (*SyncJob, error)
	ListSyncJobs(ctx context.Context, q SyncQuery) ([]SyncJob, int64, error)
	// ClaimSyncJob leases the oldest due queued (or lease-expired running)
	// job, skipping connections that already have a job running; nil when
	// none.
	ClaimSyncJob(ctx context.Context, lease time.Duration) (*SyncJob, error)
	// RenewSyncLease extends a running job's lease and reports whether
	// cancellation was requested.
	RenewSyncLease(ctx context.Context, id int64, token string, lease time.Duration) (cancel bool, err error)
	// CommitSyncBatch upserts recs, stores the job's progress and, when
	// cursor is not nil, the stream's cursor — in one transaction, if the
	// lease token still holds. A checkpoint therefore never runs ahead of
	// the records it covers. progress is called inside the transaction with
	// the upsert results and returns the progress to store with them.
	CommitSyncBatch(ctx context.Context, id int64, token, stream string, recs []commerce.Record, cursor *string, progress func([]UpsertResult) map[string]StreamProgress) ([]UpsertResult, error)
	// FinishSyncJob ends a job: succeeded, failed or cancelled. A failed
	// job with retry true goes back to queued, due at next.
	FinishSyncJob(ctx context.Context, id int64, token, state, reason string, retry bool, next time.Time) error
	// CancelSyncJob requests cancellation: a queued job is cancelled at
	// once, a running one when its worker notices.
	CancelSyncJob(ctx context.Context, id int64) (*SyncJob, error)
	// Cursor returns the last committed cursor of a stream ("" if none).
	Cursor(ctx context.Context, connection, stream string) (string, error)

	// EnqueueWritebacks stores changes to push; a change whose idempotency
	// key is already stored for the connection is reported as a duplicate.
	EnqueueWritebacks(ctx context.Context, ws []Writeback) ([]AppendResult, error)
	ClaimWritebacks(ctx context.Context, limit int, lease time.Duration) ([]Writeback, error)
	CompleteWriteback(ctx context.Context, id int64, token, externalID string) error
	FailWriteback(ctx context.Context, id int64, token, reason string, next time.Time, dead bool) error
	GetWriteback(ctx context.Context, id int64) (*Writeback, error)
	ListWritebacks(ctx context.Context, q WritebackQuery) ([]Writeback, int64, error)
	ReplayWriteback(ctx context.Context, id int64) (bool, error)
}

// Inbox event statuses.
const (
	InboxPending    = "pending"
	InboxProcessing = "processing"
	InboxRetry      = "retry"
	InboxProcessed  = "processed"
	InboxDead       = "dead"
)

// InboxEvent is one webhook delivery.
type InboxEvent struct {
	ID         int64  `json:"id,string"`
	Connection string `json:"connection"`
	// DedupeKey is the upstream event id, or the body's SHA-256.
	DedupeKey   string              `json:"dedupe_key"`
	Topic       string              `json:"topic,omitempty"`
	OrderingKey string              `json:"ordering_key,omitempty"`
	Headers     map[string][]string `json:"headers"`
	Body        []byte              `json:"-"`
	ReceivedAt  time.Time           `json:"received_at"`
	Status      string              `json:"status"`
	Attempts    int                 `json:"attempts"`
	// NextAttemptAt is when a retry is due.
	NextAttemptAt time.Time       `json:"next_attempt_at,omitzero"`
	LastError     string          `json:"last_error,omitempty"`
	Result        json.RawMessage `json:"result,omitempty"`
	ProcessedAt   *time.Time      `json:"processed_at,omitempty"`
	// LeaseToken identifies the current claim (not shown).
	LeaseToken string `json:"-"`
}

// InboxCompletion is one event of CompleteInboxBatch.
type InboxCompletion struct {
	ID      int64
	Token   string
	Records []commerce.Record
	Result  json.RawMessage
	// Attempts is the event's attempt count, for the caller's retry logic.
	Attempts int
}

// AppendResult reports an append.
type AppendResult struct {
	ID        int64
	Duplicate bool
}

// InboxQuery selects inbox events, newest first.
type InboxQuery struct {
	Connection string
	Status     string
	// Before is the cursor: only ids below it.
	Before int64
	Limit  int
}

// Sync job states.
const (
	SyncQueued    = "queued"
	SyncRunning   = "running"
	SyncSucceeded = "succeeded"
	SyncFailed    = "failed"
	SyncCancelled = "cancelled"
)

// SyncJob is a pull sync of some streams of one connection.
type SyncJob struct {
	ID         int64    `json:"id,string"`
	Connection string   `json:"connection"`
	Streams    []string `json:"streams"`
	// Mode is full or incremental.
	Mode string `json:"mode"`
	// IDs restricts the read to these upstream ids (targeted re-reads).
	IDs []string `json:"ids,omitempty"`
	// Trigger is api, schedule or webhook.
	Trigger string `json:"trigger"`
	State   string `json:"state"`
	// CancelRequested is set while a running job is being cancelled.
	CancelRequested bool                      `json:"cancel_requested,omitempty"`
	Progress        map[string]StreamProgress `json:"progress"`
	Attempts        int                       `json:"attempts"`
	Error           string                    `json:"error,omitempty"`
	CreatedAt       time.Time                 `json:"created_at"`
	StartedAt       *time.Time                `json:"started_at,omitempty"`
	FinishedAt      *time.Time                `json:"finished_at,omitempty"`
	UpdatedAt       time.Time                 `json:"updated_at"`
	LeaseToken      string                    `json:"-"`
}

// StreamProgress is the progress of one stream of a job.
type StreamProgress struct {
	RecordsRead int64 `json:"records_read"`
	// RecordsWritten counts records committed to the store; RecordsChanged
	// those that were new or newer than what was stored.
	RecordsWritten int64 `json:"records_written"`
	RecordsChanged int64 `json:"records_changed"`
	// Rejected counts records that did not validate (see /v1/rejects).
	Rejected int64 `json:"rejected,omitempty"`
	Pages    int64 `json:"pages"`
	// Total is the expected number of records, 0 when unknown.
	Total           int64  `json:"total,omitempty"`
	RateLimitWaitMS int64  `json:"rate_limit_wait_ms"`
	Checkpoints     int64  `json:"checkpoints"`
	Cursor          string `json:"cursor,omitempty"`
	Done            bool   `json:"done"`
	Message         string `json:"message,omitempty"`
}

// SyncQuery selects sync jobs, newest first.
type SyncQuery struct {
	Connection string
	State      string
	Before     int64
	Limit      int
}

// Write-back statuses.
const (
	WritebackPending    = "pending"
	WritebackProcessing = "processing"
	WritebackRetry      = "retry"
	WritebackSucceeded  = "succeeded"
	WritebackDead       = "dead"
)

// Writeback is one change to push to an upstream.
type Writeback struct {
	ID             int64           `json:"id,string"`
	Connection     string          `json:"connection"`
	IdempotencyKey string          `json:"idempotency_key"`
	Action         string          `json:"action"`
	Kind           commerce.Kind   `json:"kind"`
	Record         json.RawMessage `json:"record"`
	Status         string          `json:"status"`
	Attempts       int             `json:"attempts"`
	NextAttemptAt  time.Time       `json:"next_attempt_at,omitzero"`
	LastError      string          `json:"last_error,omitempty"`
	ExternalID     string          `json:"external_id,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	LeaseToken     string          `json:"-"`
}

// WritebackQuery selects write-backs, newest first.
type WritebackQuery struct {
	Connection string
	Status     string
	Before     int64
	Limit      int
}
