package ingress

import (
	"context"

	"github.com/supplyhub/supplyhub/core/store"
)

// GroupCommitter appends inbox events durably, batching the appends of
// concurrent callers into shared transactions. The webhook endpoint uses
// one; benchmarks use it to measure the durable append alone.
type GroupCommitter struct{ c *committer }

// NewGroupCommitter returns a committer of at most maxBatch events per
// transaction with workers transactions in flight.
func NewGroupCommitter(st store.IngressStore, maxBatch, workers int) *GroupCommitter {
	return &GroupCommitter{c: newCommitter(st, maxBatch, workers)}
}

// Run commits until ctx is done.
func (g *GroupCommitter) Run(ctx context.Context) { g.c.run(ctx) }

// Append waits until ev is durable.
func (g *GroupCommitter) Append(ctx context.Context, ev store.InboxEvent) (store.AppendResult, error) {
	return g.c.append(ctx, ev)
}

// RunIngestOnly runs only the group committer behind the webhook endpoint,
// not the workers: deliveries are acknowledged and stay pending. For
// measuring the acknowledgement path alone.
func (in *Ingress) RunIngestOnly(ctx context.Context) { in.committer.run(ctx) }
