package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

const syncColumns = "id, connection, streams, mode, ids, trigger_by, state, progress, attempts, error, created_at, started_at, finished_at, updated_at, lease_token"

func scanSync(row interface{ Scan(...any) error }) (*SyncJob, error) {
	var j SyncJob
	var streams, ids, progress string
	var created, updated int64
	var started, finished sql.NullInt64
	if err := row.Scan(&j.ID, &j.Connection, &streams, &j.Mode, &ids, &j.Trigger, &j.State, &progress, &j.Attempts, &j.Error,
		&created, &started, &finished, &updated, &j.LeaseToken); err != nil {
		return nil, err
	}
	j.Streams = strings.Fields(streams)
	j.IDs = strings.Fields(ids)
	if err := json.Unmarshal([]byte(progress), &j.Progress); err != nil {
		return nil, fmt.Errorf("store: sync job %d progress: %w", j.ID, err)
	}
	if j.State == "cancelling" {
		j.State, j.CancelRequested = SyncRunning, true
	}
	j.CreatedAt, j.UpdatedAt = fromNanos(created), fromNanos(updated)
	j.StartedAt, j.FinishedAt = optTime(started), optTime(finished)
	return &j, nil
}

func (s *sqlStore) CreateSyncJob(ctx context.Context, j *SyncJob) error {
	now := s.now().UTC()
	j.State, j.CreatedAt, j.UpdatedAt = SyncQueued, now, now
	if j.Progress == nil {
		j.Progress = map[string]StreamProgress{}
	}
	if j.Trigger == "" {
		j.Trigger = "api"
	}
	progress, _ := json.Marshal(j.Progress)
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO sync_jobs (connection, streams, mode, ids, trigger_by, state, progress, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) RETURNING id`), j.Connection, strings.Join(j.Streams, " "), j.Mode,
		strings.Join(j.IDs, " "), j.Trigger, string(progress), nanos(now), nanos(now)).Scan(&j.ID)
	if err != nil {
		return fmt.Errorf("store: create sync job: %w", err)
	}
	return nil
}

func (s *sqlStore) GetSyncJob(ctx context.Context, id int64) (*SyncJob, error) {
	j, err := scanSync(s.r.QueryRowContext(ctx, s.q("SELECT "+syncColumns+" FROM sync_jobs WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: sync job %d", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: sync job %d: %w", id, err)
	}
	return j, nil
}

func (s *sqlStore) ListSyncJobs(ctx context.Context, q SyncQuery) ([]SyncJob, int64, error) {
	state := eq("state", q.State)
	if q.State == SyncRunning {
		state = cond{sql: "state IN ('running', 'cancelling')"} // cancelling is running to the API
	}
	return listNewest(ctx, s, "sync_jobs", syncColumns, []cond{eq("connection", q.Connection), state}, q.Before, q.Limit, scanSync, func(j *SyncJob) int64 { return j.ID })
}

func (s *sqlStore) ClaimSyncJob(ctx context.Context, lease time.Duration) (*SyncJob, error) {
	now := s.now()
	var job *SyncJob
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.d.name == "postgres" {
			// Serialise claims across instances so that two cannot start
			// jobs of the same connection at the same moment.
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7340032)"); err != nil {
				return fmt.Errorf("store: claim sync job: lock: %w", err)
			}
		}
		// Due: queued and its time has come, or running with an expired
		// lease (its worker died: resume from its checkpoints). One job per
		// connection at a time.
		row := tx.QueryRowContext(ctx, s.q(`SELECT `+syncColumns+` FROM sync_jobs j
			WHERE ((j.state = 'queued' AND j.next_attempt_at <= ?) OR (j.state IN ('running', 'cancelling') AND j.lease_until < ?))
			  AND NOT EXISTS (SELECT 1 FROM sync_jobs o WHERE o.connection = j.connection AND o.id <> j.id
			        AND o.state IN ('running', 'cancelling') AND o.lease_until >= ?)
			ORDER BY j.id LIMIT 1`+s.d.skipLocked), now.UnixNano(), now.UnixNano(), now.UnixNano())
		j, err := scanSync(row)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("store: claim sync job: %w", err)
		}
		j.LeaseToken = newLeaseToken()
		j.Attempts++
		if !j.CancelRequested {
			j.State = SyncRunning
		}
		state := "running"
		if j.CancelRequested {
			state = "cancelling"
		}
		if j.StartedAt == nil {
			t := now.UTC()
			j.StartedAt = &t
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE sync_jobs SET state = ?, attempts = attempts + 1, lease_until = ?, lease_token = ?,
			started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?`),
			state, now.Add(lease).UnixNano(), j.LeaseToken, now.UnixNano(), now.UnixNano(), j.ID); err != nil {
			return fmt.Errorf("store: claim sync job: %w", err)
		}
		job = j
		return nil
	})
	return job, err
}

func (s *sqlStore) RenewSyncLease(ctx context.Context, id int64, token string, lease time.Duration) (bool, error) {
	now := s.now()
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE sync_jobs SET lease_until = ?, updated_at = ? WHERE id = ? AND lease_token = ? AND state IN ('running', 'cancelling')`),
		now.Add(lease).UnixNano(), now.UnixNano(), id, token)
	if err != nil {
		return false, fmt.Errorf("store: renew sync lease: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return false, fmt.Errorf("sync job %d: %w", id, ErrLeaseLost)
	}
	var state string
	if err := s.w.QueryRowContext(ctx, s.q("SELECT state FROM sync_jobs WHERE id = ?"), id).Scan(&state); err != nil {
		return false, err
	}
	return state == "cancelling", nil
}

func (s *sqlStore) CommitSyncBatch(ctx context.Context, id int64, token, stream string, recs []commerce.Record, cursor *string, progress func([]UpsertResult) map[string]StreamProgress) ([]UpsertResult, error) {
	ps, err := prepare(recs)
	if err != nil {
		return nil, err
	}
	var results []UpsertResult
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var conn string
		err := tx.QueryRowContext(ctx, s.q(`SELECT connection FROM sync_jobs WHERE id = ? AND lease_token = ? AND state IN ('running', 'cancelling')`), id, token).Scan(&conn)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sync job %d: %w", id, ErrLeaseLost)
		}
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			if results, err = s.upsertTx(ctx, tx, ps); err != nil {
				return err
			}
		}
		now := s.now().UnixNano()
		pj, err := json.Marshal(progress(results))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE sync_jobs SET progress = ?, updated_at = ? WHERE id = ?"), string(pj), now, id); err != nil {
			return err
		}
		if cursor != nil {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO sync_cursors (connection, stream, position, updated_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (connection, stream) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`),
				conn, stream, *cursor, now); err != nil {
				return fmt.Errorf("store: save cursor: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

func (s *sqlStore) FinishSyncJob(ctx context.Context, id int64, token, state, reason string, retry bool, next time.Time) error {
	now := s.now().UnixNano()
	var r sql.Result
	var err error
	if retry {
		r, err = s.w.ExecContext(ctx, s.q(`UPDATE sync_jobs SET state = 'queued', error = ?, next_attempt_at = ?, lease_until = 0, updated_at = ?
			WHERE id = ? AND lease_token = ? AND state IN ('running', 'cancelling')`), reason, next.UnixNano(), now, id, token)
	} else {
		r, err = s.w.ExecContext(ctx, s.q(`UPDATE sync_jobs SET state = ?, error = ?, finished_at = ?, lease_until = 0, updated_at = ?
			WHERE id = ? AND lease_token = ? AND state IN ('running', 'cancelling')`), state, reason, now, now, id, token)
	}
	if err != nil {
		return fmt.Errorf("store: finish sync job %d: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("sync job %d: %w", id, ErrLeaseLost)
	}
	return nil
}

func (s *sqlStore) CancelSyncJob(ctx context.Context, id int64) (*SyncJob, error) {
	now := s.now().UnixNano()
	if _, err := s.w.ExecContext(ctx, s.q(`UPDATE sync_jobs SET state = 'cancelled', finished_at = ?, updated_at = ?, error = 'cancelled before it started' WHERE id = ? AND state = 'queued'`), now, now, id); err != nil {
		return nil, fmt.Errorf("store: cancel sync job %d: %w", id, err)
	}
	if _, err := s.w.ExecContext(ctx, s.q(`UPDATE sync_jobs SET state = 'cancelling', updated_at = ? WHERE id = ? AND state = 'running'`), now, id); err != nil {
		return nil, fmt.Errorf("store: cancel sync job %d: %w", id, err)
	}
	return s.GetSyncJob(ctx, id)
}

func (s *sqlStore) Cursor(ctx context.Context, connection, stream string) (string, error) {
	var c string
	err := s.r.QueryRowContext(ctx, s.q("SELECT position FROM sync_cursors WHERE connection = ? AND stream = ?"), connection, stream).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: cursor %s/%s: %w", connection, stream, err)
	}
	return c, nil
}
