package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Reject is a record a plugin sent that did not decode or validate.
type Reject struct {
	ID         int64  `json:"id,string"`
	Connection string `json:"connection"`
	// Source says where it came from, e.g. "sync 12 orders".
	Source    string        `json:"source"`
	Kind      commerce.Kind `json:"kind"`
	Document  string        `json:"document"`
	Reason    string        `json:"reason"`
	CreatedAt time.Time     `json:"created_at"`
}

// ComplianceStore keeps rejected records, redactions and leadership locks.
type ComplianceStore interface {
	AddReject(ctx context.Context, r *Reject) error
	ListRejects(ctx context.Context, connection string, before int64, limit int) ([]Reject, int64, error)
	// AddRedactions records that the customers' data was redacted.
	AddRedactions(ctx context.Context, connection, reason string, customerKeys []string) error
	// Redactions returns the redacted customer keys of a connection.
	Redactions(ctx context.Context, connection string) (map[string]bool, error)
	// TryLock takes a named lock held until unlock is called or the process
	// dies, for work one instance must do alone (schedules). ok is false
	// when another instance holds it. On SQLite, which one process uses,
	// it always succeeds.
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)
}

func (s *sqlStore) AddReject(ctx context.Context, r *Reject) error {
	r.CreatedAt = s.now().UTC()
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO rejects (connection, source, kind, document, reason, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		r.Connection, r.Source, string(r.Kind), r.Document, r.Reason, nanos(r.CreatedAt)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("store: add reject: %w", err)
	}
	return nil
}

func (s *sqlStore) ListRejects(ctx context.Context, connection string, before int64, limit int) ([]Reject, int64, error) {
	return listNewest(ctx, s, "rejects", "id, connection, source, kind, document, reason, created_at", []cond{eq("connection", connection)}, before, limit,
		func(row interface{ Scan(...any) error }) (*Reject, error) {
			var r Reject
			var kind string
			var created int64
			if err := row.Scan(&r.ID, &r.Connection, &r.Source, &kind, &r.Document, &r.Reason, &created); err != nil {
				return nil, err
			}
			r.Kind, r.CreatedAt = commerce.Kind(kind), fromNanos(created)
			return &r, nil
		}, func(r *Reject) int64 { return r.ID })
}

func (s *sqlStore) AddRedactions(ctx context.Context, connection, reason string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	now := s.now().UnixNano()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO redactions (connection, customer_key, reason, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (connection, customer_key) DO NOTHING`), connection, k, reason, now); err != nil {
				return fmt.Errorf("store: add redaction: %w", err)
			}
		}
		return nil
	})
}

func (s *sqlStore) Redactions(ctx context.Context, connection string) (map[string]bool, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT customer_key FROM redactions WHERE connection = ?"), connection)
	if err != nil {
		return nil, fmt.Errorf("store: redactions: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}

func (s *sqlStore) TryLock(ctx context.Context, name string) (func(), bool, error) {
	if s.d.name != "postgres" {
		return func() {}, true, nil
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("store: lock %s: %w", name, err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(hashtext($1))", "supplyhub:"+name).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("store: lock %s: %w", name, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(hashtext($1))", "supplyhub:"+name) //nolint:errcheck
		conn.Close()
	}, true, nil
}
