package bus

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/supplyhub/supplyhub/core/store"
)

// Outbox is the part of the store the relay reads.
type Outbox interface {
	ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]store.OutboxEvent, error)
	MarkPublished(ctx context.Context, ids []int64) error
}

// Relay moves events from the store's outbox to the bus: claim a batch,
// publish each event, mark the batch published. An event whose publish
// fails stays in the outbox and is retried after its lease; a relay that
// crashes between publish and mark republishes, and JetStream drops the
// duplicate by its message id within its two-minute window. Consumers
// must be idempotent anyway.
type Relay struct {
	outbox Outbox
	bus    *Bus
	log    *slog.Logger
	wake   chan struct{}
	// Batch is the number of events per claim; default 256.
	Batch int
	// Idle is the poll interval when the outbox is empty; default 100 ms.
	Idle time.Duration
}

// NewRelay returns a relay from outbox to b.
func NewRelay(outbox Outbox, b *Bus, logger *slog.Logger) *Relay {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Relay{outbox: outbox, bus: b, log: logger, wake: make(chan struct{}, 1), Batch: 256, Idle: 100 * time.Millisecond}
}

// Notify wakes the relay at once, e.g. right after a commit that wrote events.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx is done.
func (r *Relay) Run(ctx context.Context) error {
	backoff := r.Idle
	for {
		n, err := r.RelayOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := time.Duration(0)
		switch {
		case err != nil:
			r.log.Warn("outbox relay failed; retrying", "err", err, "in", backoff)
			wait = backoff
			backoff = min(backoff*2, 10*time.Second)
		case n == 0:
			wait = r.Idle
			backoff = r.Idle
		default:
			backoff = r.Idle
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-r.wake:
			case <-time.After(wait):
			}
		}
	}
}

// RelayOnce relays one batch and returns how many events it published.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	events, err := r.outbox.ClaimOutbox(ctx, r.Batch, 30*time.Second)
	if err != nil {
		return 0, err
	}
	if len(events) == 0 {
		return 0, nil
	}
	done := make([]int64, 0, len(events))
	var firstErr error
	for _, e := range events {
		// The id doubles as JetStream's dedupe key; created_at keeps it unique
		// even if a database is recreated next to a long-lived NATS.
		msg := message.NewMessage(fmt.Sprintf("outbox-%d-%d", e.ID, e.CreatedAt.UnixNano()), message.Payload(e.Payload))
		msg.Metadata.Set("key", e.Key)
		msg.Metadata.Set("outbox_id", fmt.Sprint(e.ID))
		if err := r.bus.Publish(e.Topic, msg); err != nil {
			// Keep order per key: stop at the first failure; the rest are
			// retried after the lease with it.
			firstErr = err
			break
		}
		done = append(done, e.ID)
	}
	if err := r.outbox.MarkPublished(ctx, done); err != nil {
		return 0, fmt.Errorf("bus: relay: mark published: %w", err)
	}
	return len(done), firstErr
}
