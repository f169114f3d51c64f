package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

func (s *sqlStore) AppendOutbox(ctx context.Context, events []OutboxEvent) error {
	if len(events) == 0 {
		return nil
	}
	now := s.now().UnixNano()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, e := range events {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO outbox (topic, msg_key, payload, created_at) VALUES (?, ?, ?, ?)"),
				e.Topic, e.Key, string(e.Payload), now); err != nil {
				return fmt.Errorf("store: append outbox: %w", err)
			}
		}
		return nil
	})
}

func (s *sqlStore) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]OutboxEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	now := s.now()
	var events []OutboxEvent
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT id, topic, msg_key, payload, created_at FROM outbox
			WHERE published_at IS NULL AND leased_until < ? ORDER BY id LIMIT %d`, limit)+s.d.skipLocked), now.UnixNano())
		if err != nil {
			return fmt.Errorf("store: claim outbox: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e OutboxEvent
			var payload string
			var created int64
			if err := rows.Scan(&e.ID, &e.Topic, &e.Key, &payload, &created); err != nil {
				return err
			}
			e.Payload = []byte(payload)
			e.CreatedAt = time.Unix(0, created).UTC()
			events = append(events, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if len(events) == 0 {
			return nil
		}
		ids := make([]any, 0, len(events)+1)
		ids = append(ids, now.Add(lease).UnixNano())
		for _, e := range events {
			ids = append(ids, e.ID)
		}
		_, err = tx.ExecContext(ctx, s.q("UPDATE outbox SET leased_until = ? WHERE id IN ("+placeholders(len(events))+")"), ids...)
		return err
	})
	return events, err
}

func (s *sqlStore) MarkPublished(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, s.now().UnixNano())
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := s.w.ExecContext(ctx, s.q("UPDATE outbox SET published_at = ? WHERE id IN ("+placeholders(len(ids))+")"), args...)
	if err != nil {
		return fmt.Errorf("store: mark published: %w", err)
	}
	return nil
}

func (s *sqlStore) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	r, err := s.w.ExecContext(ctx, s.q("DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ?"), before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("store: prune outbox: %w", err)
	}
	return r.RowsAffected()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
