package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Decision is a stored order-routing decision.
type Decision struct {
	ID int64 `json:"id,string"`
	// OrderRef is the order's source reference, "connection/external_id".
	OrderRef string `json:"order_ref"`
	Channel  string `json:"channel"`
	// Outcome is routed, unroutable or failed.
	Outcome   string          `json:"outcome"`
	DecidedAt time.Time       `json:"decided_at"`
	Decision  json.RawMessage `json:"decision"`
}

// DecisionStore keeps routing decisions.
type DecisionStore interface {
	AddDecision(ctx context.Context, d *Decision) error
	// ListDecisions returns decisions newest first; orderRef, when not
	// empty, keeps one order's.
	ListDecisions(ctx context.Context, orderRef string, before int64, limit int) ([]Decision, int64, error)
}

func (s *sqlStore) AddDecision(ctx context.Context, d *Decision) error {
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO routing_decisions (order_ref, channel, decided_at, outcome, decision) VALUES (?, ?, ?, ?, ?) RETURNING id`),
		d.OrderRef, d.Channel, nanos(d.DecidedAt), d.Outcome, string(d.Decision)).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("store: add routing decision: %w", err)
	}
	return nil
}

func (s *sqlStore) ListDecisions(ctx context.Context, orderRef string, before int64, limit int) ([]Decision, int64, error) {
	return listNewest(ctx, s, "routing_decisions", "id, order_ref, channel, decided_at, outcome, decision", []cond{eq("order_ref", orderRef)}, before, limit,
		func(row interface{ Scan(...any) error }) (*Decision, error) {
			var d Decision
			var at int64
			var body string
			if err := row.Scan(&d.ID, &d.OrderRef, &d.Channel, &at, &d.Outcome, &body); err != nil {
				return nil, err
			}
			d.DecidedAt, d.Decision = fromNanos(at), json.RawMessage(body)
			return &d, nil
		}, func(d *Decision) int64 { return d.ID })
}
