package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

var badRequest = api.BadRequest

// EnqueueWriteback queues a change for an upstream. The record keeps its
// source (an order from a channel written to an ERP names the channel); an
// empty source connection becomes the target's. The idempotency key
// identifies the change: enqueueing the same key again is a no-op that
// returns the first write-back's id with duplicate set.
func (in *Ingress) EnqueueWriteback(ctx context.Context, connection, action, key string, rec commerce.Record) (int64, bool, error) {
	cn, err := in.conns.get(ctx, connection)
	if err != nil {
		return 0, false, err
	}
	if cn.plugin.Sink == nil {
		return 0, false, badRequest("connector %s of connection %s cannot write back", cn.Connector, connection)
	}
	if len(cn.manifest.WriteActions) > 0 {
		ok := false
		for _, a := range cn.manifest.WriteActions {
			ok = ok || a == action
		}
		if !ok {
			return 0, false, badRequest("connector %s does not accept action %q; it accepts %v", cn.Connector, action, cn.manifest.WriteActions)
		}
	}
	if key == "" {
		return 0, false, badRequest("an idempotency key is required")
	}
	// A record keeps its own source: an order written to an ERP is still
	// the channel's order, and the ERP connector keys it by that source.
	if m := rec.Metadata(); m.Source.Connection == "" {
		m.Source.Connection = connection
	}
	if err := rec.Validate(); err != nil {
		return 0, false, badRequest("%v", err)
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return 0, false, err
	}
	res, err := in.store.EnqueueWritebacks(ctx, []store.Writeback{{Connection: connection, IdempotencyKey: key, Action: action, Kind: rec.Kind(), Record: raw}})
	if err != nil {
		return 0, false, err
	}
	wake(in.writebackWake)
	return res[0].ID, res[0].Duplicate, nil
}

func (in *Ingress) runWriteback(ctx context.Context) {
	for ctx.Err() == nil {
		ws, err := in.store.ClaimWritebacks(ctx, 100, in.cfg.Lease)
		if err != nil {
			if ctx.Err() == nil {
				in.log.Warn("claim write-backs", "err", err)
				sleep(ctx, time.Second, nil)
			}
			continue
		}
		if len(ws) == 0 {
			sleep(ctx, in.cfg.Poll, in.writebackWake)
			continue
		}
		byConn := map[string][]store.Writeback{}
		var order []string
		for _, w := range ws {
			if byConn[w.Connection] == nil {
				order = append(order, w.Connection)
			}
			byConn[w.Connection] = append(byConn[w.Connection], w)
		}
		sem := make(chan struct{}, in.cfg.WritebackWorkers)
		done := make(chan struct{})
		for _, c := range order {
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; done <- struct{}{} }()
				in.writeConnection(ctx, c, byConn[c])
			}()
		}
		for range order {
			<-done
		}
	}
}

// writeConnection sends one connection's claimed changes in one Write.
func (in *Ingress) writeConnection(ctx context.Context, connection string, ws []store.Writeback) {
	failAll := func(cause error) {
		for _, w := range ws {
			in.failWriteback(ctx, w, cause)
		}
	}
	cn, err := in.conns.get(ctx, connection)
	if errors.Is(err, store.ErrNotFound) {
		failAll(sdk.Permanent(err, "connection %s no longer exists", connection))
		return
	}
	if err != nil {
		failAll(sdk.Retryable(err, "open connection"))
		return
	}
	if cn.plugin.Sink == nil {
		failAll(sdk.Missing(cn.Connector, sdk.CapSink))
		return
	}
	changes := make([]sdk.Change, 0, len(ws))
	sent := make([]store.Writeback, 0, len(ws))
	for _, w := range ws {
		rec, err := commerce.Decode(w.Kind, w.Record)
		if err != nil {
			in.failWriteback(ctx, w, sdk.InvalidInput("stored change does not decode: %v", err))
			continue
		}
		changes = append(changes, sdk.Change{IdempotencyKey: w.IdempotencyKey, Action: w.Action, Record: rec})
		sent = append(sent, w)
	}
	if len(changes) == 0 {
		return
	}
	resp, err := cn.plugin.Sink.Write(ctx, sdk.WriteRequest{Connection: cn.ID, Config: cn.config, Changes: changes})
	if err != nil {
		for _, w := range sent {
			in.failWriteback(ctx, w, err)
		}
		return
	}
	results := map[string]sdk.ChangeResult{}
	for _, r := range resp.Results {
		results[r.IdempotencyKey] = r
	}
	for _, w := range sent {
		r, ok := results[w.IdempotencyKey]
		switch {
		case !ok:
			in.failWriteback(ctx, w, sdk.Retryable(fmt.Errorf("no result for this change"), "connector %s", cn.Connector))
		case r.Status == sdk.StatusOK || r.Status == sdk.StatusDuplicate:
			if err := in.store.CompleteWriteback(ctx, w.ID, w.LeaseToken, r.ExternalID); err != nil {
				in.log.Warn("complete write-back", "id", w.ID, "err", err)
				continue
			}
			in.metrics.writebacks.WithLabelValues("succeeded").Inc()
		default:
			var cause error = sdk.Retryable(fmt.Errorf("failed without a reason"), "connector %s", cn.Connector)
			if r.Error != nil {
				cause = r.Error
			}
			in.failWriteback(ctx, w, cause)
		}
	}
}

func (in *Ingress) failWriteback(ctx context.Context, w store.Writeback, cause error) {
	dead := !sdk.IsRetryable(cause) || w.Attempts >= in.cfg.MaxAttempts
	next := time.Now().Add(in.backoff(w.Attempts))
	if ra := sdk.RetryAfterOf(cause); ra > 0 {
		next = time.Now().Add(ra)
	}
	reason := fmt.Sprintf("%s: %v", sdk.KindOf(cause), cause)
	if err := in.store.FailWriteback(context.WithoutCancel(ctx), w.ID, w.LeaseToken, reason, next, dead); err != nil {
		in.log.Warn("record write-back failure", "id", w.ID, "err", err)
		return
	}
	outcome := "retry"
	if dead {
		outcome = "dead"
		in.log.Warn("write-back dead-lettered", "id", w.ID, "connection", w.Connection, "reason", reason)
	}
	in.metrics.writebacks.WithLabelValues(outcome).Inc()
}
