package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func optNanos(p *time.Time) any {
	if p == nil {
		return nil
	}
	return p.UnixNano()
}

func optTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromNanos(n.Int64)
	return &t
}

func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "duplicate key value") || strings.Contains(msg, "SQLSTATE 23505")
}

func (s *sqlStore) CreateConnection(ctx context.Context, c *Connection) error {
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	if c.Status == "" {
		c.Status = "active"
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO connections (id, connector, name, config, status, last_error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), c.ID, c.Connector, c.Name, string(c.Config), c.Status, c.LastError, nanos(now), nanos(now))
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: connection %q", ErrConflict, c.ID)
	}
	if err != nil {
		return fmt.Errorf("store: create connection: %w", err)
	}
	return nil
}

const connColumns = "id, connector, name, config, status, last_error, created_at, updated_at, webhook_subscriptions"

func scanConnection(row interface{ Scan(...any) error }) (*Connection, error) {
	var c Connection
	var config, subs string
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Connector, &c.Name, &config, &c.Status, &c.LastError, &created, &updated, &subs); err != nil {
		return nil, err
	}
	c.Config = []byte(config)
	if subs != "" {
		c.WebhookSubscriptions = []byte(subs)
	}
	c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &c, nil
}

func (s *sqlStore) GetConnection(ctx context.Context, id string) (*Connection, error) {
	c, err := scanConnection(s.r.QueryRowContext(ctx, s.q("SELECT "+connColumns+" FROM connections WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: connection %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get connection %q: %w", id, err)
	}
	return c, nil
}

func (s *sqlStore) ListConnections(ctx context.Context) ([]Connection, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+connColumns+" FROM connections ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: list connections: %w", err)
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

func (s *sqlStore) UpdateConnection(ctx context.Context, c *Connection) error {
	c.UpdatedAt = s.now().UTC()
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE connections SET connector = ?, name = ?, config = ?, status = ?, last_error = ?, updated_at = ? WHERE id = ?`),
		c.Connector, c.Name, string(c.Config), c.Status, c.LastError, nanos(c.UpdatedAt), c.ID)
	if err != nil {
		return fmt.Errorf("store: update connection %q: %w", c.ID, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: connection %q", ErrNotFound, c.ID)
	}
	return nil
}

func (s *sqlStore) SetWebhookSubscriptions(ctx context.Context, id string, report json.RawMessage) error {
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE connections SET webhook_subscriptions = ? WHERE id = ?`), string(report), id)
	if err != nil {
		return fmt.Errorf("store: record webhook subscriptions of connection %q: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: connection %q", ErrNotFound, id)
	}
	return nil
}

func (s *sqlStore) DeleteConnection(ctx context.Context, id string) error {
	r, err := s.w.ExecContext(ctx, s.q("DELETE FROM connections WHERE id = ?"), id)
	if err != nil {
		return fmt.Errorf("store: delete connection %q: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: connection %q", ErrNotFound, id)
	}
	return nil
}

func (s *sqlStore) CreateToken(ctx context.Context, t *Token) error {
	t.CreatedAt = s.now().UTC()
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO api_tokens (id, name, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)`),
		t.ID, t.Name, t.Hash, strings.Join(t.Scopes, " "), nanos(t.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: token %q", ErrConflict, t.ID)
	}
	if err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	return nil
}

const tokenColumns = "id, name, hash, scopes, created_at, last_used_at, revoked_at"

func scanToken(row interface{ Scan(...any) error }) (*Token, error) {
	var t Token
	var scopes string
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &scopes, &created, &used, &revoked); err != nil {
		return nil, err
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt = fromNanos(created)
	t.LastUsedAt, t.RevokedAt = optTime(used), optTime(revoked)
	return &t, nil
}

func (s *sqlStore) TokenByHash(ctx context.Context, hash string) (*Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, s.q("SELECT "+tokenColumns+" FROM api_tokens WHERE hash = ? AND revoked_at IS NULL"), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: token", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: token: %w", err)
	}
	return t, nil
}

func (s *sqlStore) ListTokens(ctx context.Context) ([]Token, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

func (s *sqlStore) RevokeToken(ctx context.Context, id string) error {
	r, err := s.w.ExecContext(ctx, s.q("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"), nanos(s.now()), id)
	if err != nil {
		return fmt.Errorf("store: revoke token %q: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: active token %q", ErrNotFound, id)
	}
	return nil
}

func (s *sqlStore) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"), nanos(at), id)
	return err
}

// cond is one condition of a list query; a zero cond does not filter.
type cond struct {
	sql  string
	args []any
}

// eq filters column = value, or nothing when value is empty.
func eq(column, value string) cond {
	if value == "" {
		return cond{}
	}
	return cond{sql: column + " = ?", args: []any{value}}
}

// listNewest returns one page of a table, newest (highest id) first, with
// ids below before (0: from the newest), and the cursor of the next page (0
// at the end).
func listNewest[T any](ctx context.Context, s *sqlStore, table, columns string, conds []cond, before int64, limit int,
	scan func(interface{ Scan(...any) error }) (*T, error), id func(*T) int64) ([]T, int64, error) {
	limit = clampLimit(limit, 50, 1000)
	where, args := []string{"1 = 1"}, []any{}
	if before > 0 {
		conds = append(conds, cond{sql: "id < ?", args: []any{before}})
	}
	for _, c := range conds {
		if c.sql != "" {
			where, args = append(where, c.sql), append(args, c.args...)
		}
	}
	rows, err := s.r.QueryContext(ctx, s.q(fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY id DESC LIMIT %d", columns, table, joinAnd(where), limit+1)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list %s: %w", table, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: list %s: %w", table, err)
		}
		out = append(out, *item)
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = id(&out[limit-1])
	}
	return out, next, rows.Err()
}
