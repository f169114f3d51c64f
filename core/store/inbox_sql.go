package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func newLeaseToken() string {
	var b [12]byte
	rand.Read(b[:]) //nolint:errcheck
	return hex.EncodeToString(b[:])
}

func clampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}

func (s *sqlStore) AppendInbox(ctx context.Context, events []InboxEvent) ([]AppendResult, error) {
	if len(events) == 0 {
		return nil, nil
	}
	results := make([]AppendResult, len(events))
	now := s.now().UnixNano()
	args := make([][]any, len(events))
	for i, e := range events {
		hdr, err := json.Marshal(e.Headers)
		if err != nil {
			return nil, err
		}
		received := e.ReceivedAt.UnixNano()
		if e.ReceivedAt.IsZero() {
			received = now
		}
		args[i] = []any{e.Connection, e.DedupeKey, e.Topic, e.OrderingKey, string(hdr), string(e.Body), received}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.d.positional {
			// PostgreSQL: a statement is a network round trip, so the batch
			// goes in multi-row statements (about twice the rate of one per event,
			// BenchmarkDurableAppend/postgres).
			return s.appendInboxRows(ctx, tx, events, args, results)
		}
		// SQLite: one prepared statement executed per event, parsed once
		// per transaction, is faster than building a multi-row one.
		return s.appendInboxEach(ctx, tx, events, args, results)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

const insertInbox = `INSERT INTO inbox (connection, dedupe_key, topic, ordering_key, headers, body, received_at) VALUES `

// findInbox returns the id of the stored event with e's dedupe key: the
// event e duplicates.
func (s *sqlStore) findInbox(ctx context.Context, tx *sql.Tx, find **sql.Stmt, e InboxEvent) (int64, error) {
	if *find == nil {
		st, err := tx.PrepareContext(ctx, s.q("SELECT id FROM inbox WHERE connection = ? AND dedupe_key = ?"))
		if err != nil {
			return 0, err
		}
		*find = st
	}
	var id int64
	if err := (*find).QueryRowContext(ctx, e.Connection, e.DedupeKey).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: append inbox: find duplicate: %w", err)
	}
	return id, nil
}

func (s *sqlStore) appendInboxEach(ctx context.Context, tx *sql.Tx, events []InboxEvent, args [][]any, results []AppendResult) error {
	ins, err := tx.PrepareContext(ctx, s.q(insertInbox+`(?, ?, ?, ?, ?, ?, ?) ON CONFLICT (connection, dedupe_key) DO NOTHING RETURNING id`))
	if err != nil {
		return fmt.Errorf("store: append inbox: %w", err)
	}
	defer ins.Close()
	var find *sql.Stmt
	defer func() {
		if find != nil {
			find.Close()
		}
	}()
	for i, e := range events {
		var id int64
		err := ins.QueryRowContext(ctx, args[i]...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			// A duplicate: of a stored event, or of an earlier one in this batch.
			if id, err = s.findInbox(ctx, tx, &find, e); err != nil {
				return err
			}
			results[i] = AppendResult{ID: id, Duplicate: true}
			continue
		}
		if err != nil {
			return fmt.Errorf("store: append inbox: %w", err)
		}
		results[i] = AppendResult{ID: id}
	}
	return nil
}

func (s *sqlStore) appendInboxRows(ctx context.Context, tx *sql.Tx, events []InboxEvent, args [][]any, results []AppendResult) error {
	var find *sql.Stmt
	defer func() {
		if find != nil {
			find.Close()
		}
	}()
	first := map[string]int{} // dedupe key -> the batch's first event with it
	for start := 0; start < len(events); start += upsertChunk {
		var vals []any
		var rows []int // events of this chunk that are not repeats within the batch
		for i := start; i < min(start+upsertChunk, len(events)); i++ {
			k := events[i].Connection + "\x00" + events[i].DedupeKey
			if _, ok := first[k]; ok {
				continue
			}
			first[k] = i
			vals = append(vals, args[i]...)
			rows = append(rows, i)
		}
		if len(rows) == 0 {
			continue
		}
		// Rows are inserted, and take their ids, in the order given.
		res, err := tx.QueryContext(ctx, s.q(insertInbox+tuples(len(rows), 7)+
			` ON CONFLICT (connection, dedupe_key) DO NOTHING RETURNING id, connection, dedupe_key`), vals...)
		if err != nil {
			return fmt.Errorf("store: append inbox: %w", err)
		}
		inserted := make(map[string]int64, len(rows))
		for res.Next() {
			var id int64
			var conn, key string
			if err := res.Scan(&id, &conn, &key); err != nil {
				res.Close()
				return err
			}
			inserted[conn+"\x00"+key] = id
		}
		if err := res.Close(); err != nil {
			return err
		}
		for _, i := range rows {
			if id, ok := inserted[events[i].Connection+"\x00"+events[i].DedupeKey]; ok {
				results[i] = AppendResult{ID: id}
				continue
			}
			id, err := s.findInbox(ctx, tx, &find, events[i]) // stored before this batch
			if err != nil {
				return err
			}
			results[i] = AppendResult{ID: id, Duplicate: true}
		}
	}
	// Repeats within the batch take their first event's id.
	for i, e := range events {
		if j := first[e.Connection+"\x00"+e.DedupeKey]; j != i {
			results[i] = AppendResult{ID: results[j].ID, Duplicate: true}
		}
	}
	return nil
}

const inboxColumns = "id, connection, dedupe_key, topic, ordering_key, headers, body, received_at, status, attempts, next_attempt_at, last_error, result, processed_at, lease_token"

func scanInbox(row interface{ Scan(...any) error }) (*InboxEvent, error) {
	var e InboxEvent
	var headers, body, result string
	var received, next int64
	var processed sql.NullInt64
	if err := row.Scan(&e.ID, &e.Connection, &e.DedupeKey, &e.Topic, &e.OrderingKey, &headers, &body, &received,
		&e.Status, &e.Attempts, &next, &e.LastError, &result, &processed, &e.LeaseToken); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(headers), &e.Headers); err != nil {
		return nil, fmt.Errorf("store: inbox %d headers: %w", e.ID, err)
	}
	e.Body = []byte(body)
	e.ReceivedAt = fromNanos(received)
	if next > 0 {
		e.NextAttemptAt = fromNanos(next)
	}
	if result != "" {
		e.Result = json.RawMessage(result)
	}
	e.ProcessedAt = optTime(processed)
	return &e, nil
}

func (s *sqlStore) ClaimInbox(ctx context.Context, limit int, lease time.Duration) ([]InboxEvent, error) {
	return s.ClaimInboxRuns(ctx, limit, 0, lease)
}

func (s *sqlStore) ClaimInboxRuns(ctx context.Context, limit, follow int, lease time.Duration) ([]InboxEvent, error) {
	limit = clampLimit(limit, 64, 1000)
	follow = max(0, min(follow, 1000))
	now := s.now().UnixNano()
	var out []InboxEvent
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// An event is due when pending, or retrying and its time has come,
		// or processing with an expired lease (its worker died). Events
		// with an ordering key wait for every older unfinished event of
		// the same key.
		rows, err := tx.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT `+inboxColumns+` FROM inbox i
			WHERE ((i.status IN ('pending', 'retry') AND i.next_attempt_at <= ?) OR (i.status = 'processing' AND i.lease_until < ?))
			  AND (i.ordering_key = '' OR NOT EXISTS (
			        SELECT 1 FROM inbox o WHERE o.ordering_key = i.ordering_key AND o.id < i.id
			          AND o.status IN ('pending', 'retry', 'processing')))
			ORDER BY i.id LIMIT %d`, limit)+s.d.skipLocked), now, now)
		if err != nil {
			return fmt.Errorf("store: claim inbox: %w", err)
		}
		for rows.Next() {
			e, err := scanInbox(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, *e)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		// Each head of an ordering key brings the due events that follow
		// it without a gap; its worker processes the run in order.
		var runs []InboxEvent
		for _, head := range out {
			head.LeaseToken = newLeaseToken()
			runs = append(runs, head)
			if head.OrderingKey == "" || follow == 0 {
				continue
			}
			frows, err := tx.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT `+inboxColumns+` FROM inbox
				WHERE ordering_key = ? AND id > ? AND status IN ('pending', 'retry', 'processing') ORDER BY id LIMIT %d`, follow)),
				head.OrderingKey, head.ID)
			if err != nil {
				return fmt.Errorf("store: claim inbox: %w", err)
			}
			for frows.Next() {
				e, err := scanInbox(frows)
				if err != nil {
					frows.Close()
					return err
				}
				if !(e.Status == InboxPending || (e.Status == InboxRetry && !e.NextAttemptAt.After(time.Unix(0, now)))) {
					break
				}
				e.LeaseToken = head.LeaseToken
				runs = append(runs, *e)
			}
			if err := frows.Close(); err != nil {
				return err
			}
		}
		out = runs
		until := s.now().Add(lease).UnixNano()
		for i := range out {
			out[i].Attempts++
			out[i].Status = InboxProcessing
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE inbox SET status = 'processing', attempts = attempts + 1, lease_until = ?, lease_token = ? WHERE id = ?`),
				until, out[i].LeaseToken, out[i].ID); err != nil {
				return fmt.Errorf("store: claim inbox: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// ErrLeaseLost is returned when completing work whose lease another worker
// has taken over; the caller must drop its result.
var ErrLeaseLost = errors.New("store: lease lost: another worker took this item over")

func (s *sqlStore) CompleteInbox(ctx context.Context, id int64, token string, recs []commerce.Record, result json.RawMessage) ([]UpsertResult, error) {
	return s.CompleteInboxBatch(ctx, []InboxCompletion{{ID: id, Token: token, Records: recs, Result: result}})
}

// CompleteInboxBatch completes several claimed events in one transaction
// (one fsync): the records of all of them are upserted in order, so that
// within the batch a later event's version of a record wins a tie.
func (s *sqlStore) CompleteInboxBatch(ctx context.Context, cs []InboxCompletion) ([]UpsertResult, error) {
	var all []commerce.Record
	for _, c := range cs {
		all = append(all, c.Records...)
	}
	ps, err := prepare(all)
	if err != nil {
		return nil, err
	}
	var results []UpsertResult
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now().UnixNano()
		for _, c := range cs {
			r, err := tx.ExecContext(ctx, s.q(`UPDATE inbox SET status = 'processed', processed_at = ?, result = ?, last_error = '', lease_until = 0
				WHERE id = ? AND lease_token = ? AND status = 'processing'`), now, string(c.Result), c.ID, c.Token)
			if err != nil {
				return fmt.Errorf("store: complete inbox %d: %w", c.ID, err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return fmt.Errorf("inbox event %d: %w", c.ID, ErrLeaseLost)
			}
		}
		if len(ps) > 0 {
			results, err = s.upsertTx(ctx, tx, ps)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// ReleaseInbox gives claimed events back unprocessed: due again at once,
// their claim not counted as an attempt.
func (s *sqlStore) ReleaseInbox(ctx context.Context, ids []int64, token string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{token}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := s.w.ExecContext(ctx, s.q(`UPDATE inbox SET status = 'pending', attempts = attempts - 1, lease_until = 0
		WHERE lease_token = ? AND status = 'processing' AND id IN (`+placeholders(len(ids))+`)`), args...)
	if err != nil {
		return fmt.Errorf("store: release inbox: %w", err)
	}
	return nil
}

func (s *sqlStore) FailInbox(ctx context.Context, id int64, token, reason string, next time.Time, dead bool) error {
	status := InboxRetry
	if dead {
		status = InboxDead
	}
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE inbox SET status = ?, last_error = ?, next_attempt_at = ?, lease_until = 0
		WHERE id = ? AND lease_token = ? AND status = 'processing'`), status, reason, next.UnixNano(), id, token)
	if err != nil {
		return fmt.Errorf("store: fail inbox %d: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("inbox event %d: %w", id, ErrLeaseLost)
	}
	return nil
}

func (s *sqlStore) GetInbox(ctx context.Context, id int64) (*InboxEvent, error) {
	e, err := scanInbox(s.r.QueryRowContext(ctx, s.q("SELECT "+inboxColumns+" FROM inbox WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: inbox event %d", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: inbox event %d: %w", id, err)
	}
	return e, nil
}

func (s *sqlStore) ListInbox(ctx context.Context, q InboxQuery) ([]InboxEvent, int64, error) {
	return listNewest(ctx, s, "inbox", inboxColumns, []cond{eq("connection", q.Connection), eq("status", q.Status)}, q.Before, q.Limit, scanInbox,
		func(e *InboxEvent) int64 { return e.ID })
}

func (s *sqlStore) ReplayInbox(ctx context.Context, id int64) (bool, error) {
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE inbox SET status = 'pending', attempts = 0, next_attempt_at = 0, last_error = '', lease_until = 0
		WHERE id = ? AND status IN ('dead', 'retry')`), id)
	if err != nil {
		return false, fmt.Errorf("store: replay inbox %d: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		return true, nil
	}
	if _, err := s.GetInbox(ctx, id); err != nil {
		return false, err
	}
	return false, nil
}

func (s *sqlStore) InboxCounts(ctx context.Context, connection string) (map[string]int64, error) {
	query, args := "SELECT status, COUNT(*) FROM inbox", []any{}
	if connection != "" {
		query, args = query+" WHERE connection = ?", append(args, connection)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query+" GROUP BY status"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: inbox counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

func (s *sqlStore) PruneInbox(ctx context.Context, before time.Time) (int64, error) {
	r, err := s.w.ExecContext(ctx, s.q("DELETE FROM inbox WHERE status = 'processed' AND received_at < ?"), before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("store: prune inbox: %w", err)
	}
	return r.RowsAffected()
}

func joinAnd(conds []string) string {
	out := conds[0]
	for _, c := range conds[1:] {
		out += " AND " + c
	}
	return out
}

func (s *sqlStore) ReleaseLeases(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			"UPDATE inbox SET lease_until = 0 WHERE status = 'processing'",
			"UPDATE sync_jobs SET lease_until = 0 WHERE state IN ('running', 'cancelling')",
			"UPDATE writebacks SET lease_until = 0 WHERE status = 'processing'",
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("store: release leases: %w", err)
			}
		}
		return nil
	})
}
