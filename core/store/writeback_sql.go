package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

const writebackColumns = "id, connection, idempotency_key, action, kind, record, status, attempts, next_attempt_at, last_error, external_id, created_at, updated_at, lease_token"

func scanWriteback(row interface{ Scan(...any) error }) (*Writeback, error) {
	var w Writeback
	var kind, record string
	var next, created, updated int64
	if err := row.Scan(&w.ID, &w.Connection, &w.IdempotencyKey, &w.Action, &kind, &record, &w.Status, &w.Attempts,
		&next, &w.LastError, &w.ExternalID, &created, &updated, &w.LeaseToken); err != nil {
		return nil, err
	}
	w.Kind, w.Record = commerce.Kind(kind), []byte(record)
	if next > 0 {
		w.NextAttemptAt = fromNanos(next)
	}
	w.CreatedAt, w.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &w, nil
}

func (s *sqlStore) EnqueueWritebacks(ctx context.Context, ws []Writeback) ([]AppendResult, error) {
	results := make([]AppendResult, len(ws))
	now := s.now().UnixNano()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i, w := range ws {
			if w.IdempotencyKey == "" || w.Connection == "" || w.Action == "" {
				return fmt.Errorf("store: write-back %d needs a connection, an action and an idempotency key", i)
			}
			var id int64
			err := tx.QueryRowContext(ctx, s.q(`INSERT INTO writebacks (connection, idempotency_key, action, kind, record, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (connection, idempotency_key) DO NOTHING RETURNING id`),
				w.Connection, w.IdempotencyKey, w.Action, string(w.Kind), string(w.Record), now, now).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				if err := tx.QueryRowContext(ctx, s.q("SELECT id FROM writebacks WHERE connection = ? AND idempotency_key = ?"), w.Connection, w.IdempotencyKey).Scan(&id); err != nil {
					return err
				}
				results[i] = AppendResult{ID: id, Duplicate: true}
				continue
			}
			if err != nil {
				return fmt.Errorf("store: enqueue write-back: %w", err)
			}
			results[i] = AppendResult{ID: id}
		}
		return nil
	})
	return results, err
}

func (s *sqlStore) ClaimWritebacks(ctx context.Context, limit int, lease time.Duration) ([]Writeback, error) {
	limit = clampLimit(limit, 50, 500)
	now := s.now().UnixNano()
	var out []Writeback
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT `+writebackColumns+` FROM writebacks
			WHERE (status IN ('pending', 'retry') AND next_attempt_at <= ?) OR (status = 'processing' AND lease_until < ?)
			ORDER BY id LIMIT %d`, limit)+s.d.skipLocked), now, now)
		if err != nil {
			return fmt.Errorf("store: claim write-backs: %w", err)
		}
		for rows.Next() {
			w, err := scanWriteback(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, *w)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		until := s.now().Add(lease).UnixNano()
		for i := range out {
			out[i].LeaseToken = newLeaseToken()
			out[i].Attempts++
			out[i].Status = WritebackProcessing
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE writebacks SET status = 'processing', attempts = attempts + 1, lease_until = ?, lease_token = ?, updated_at = ? WHERE id = ?`),
				until, out[i].LeaseToken, now, out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (s *sqlStore) CompleteWriteback(ctx context.Context, id int64, token, externalID string) error {
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE writebacks SET status = 'succeeded', external_id = ?, last_error = '', lease_until = 0, updated_at = ?
		WHERE id = ? AND lease_token = ? AND status = 'processing'`), externalID, s.now().UnixNano(), id, token)
	if err != nil {
		return fmt.Errorf("store: complete write-back %d: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("write-back %d: %w", id, ErrLeaseLost)
	}
	return nil
}

func (s *sqlStore) FailWriteback(ctx context.Context, id int64, token, reason string, next time.Time, dead bool) error {
	status := WritebackRetry
	if dead {
		status = WritebackDead
	}
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE writebacks SET status = ?, last_error = ?, next_attempt_at = ?, lease_until = 0, updated_at = ?
		WHERE id = ? AND lease_token = ? AND status = 'processing'`), status, reason, next.UnixNano(), s.now().UnixNano(), id, token)
	if err != nil {
		return fmt.Errorf("store: fail write-back %d: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("write-back %d: %w", id, ErrLeaseLost)
	}
	return nil
}

func (s *sqlStore) GetWriteback(ctx context.Context, id int64) (*Writeback, error) {
	w, err := scanWriteback(s.r.QueryRowContext(ctx, s.q("SELECT "+writebackColumns+" FROM writebacks WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: write-back %d", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: write-back %d: %w", id, err)
	}
	return w, nil
}

func (s *sqlStore) ListWritebacks(ctx context.Context, q WritebackQuery) ([]Writeback, int64, error) {
	return listNewest(ctx, s, "writebacks", writebackColumns, []cond{eq("connection", q.Connection), eq("status", q.Status)}, q.Before, q.Limit, scanWriteback,
		func(w *Writeback) int64 { return w.ID })
}

func (s *sqlStore) ReplayWriteback(ctx context.Context, id int64) (bool, error) {
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE writebacks SET status = 'pending', attempts = 0, next_attempt_at = 0, last_error = '', lease_until = 0, updated_at = ?
		WHERE id = ? AND status IN ('dead', 'retry')`), s.now().UnixNano(), id)
	if err != nil {
		return false, fmt.Errorf("store: replay write-back %d: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		return true, nil
	}
	if _, err := s.GetWriteback(ctx, id); err != nil {
		return false, err
	}
	return false, nil
}
