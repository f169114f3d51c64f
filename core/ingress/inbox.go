package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// runFollow bounds how many consecutive events of one ordering key one
// worker claims and completes together.
const runFollow = 64

// runInbox claims due inbox events and processes them with bounded
// concurrency until ctx is done. Events of one ordering key come as a run
// that one worker processes in order and completes in one transaction.
func (in *Ingress) runInbox(ctx context.Context) {
	sem := make(chan struct{}, in.cfg.InboxWorkers)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		free := in.cfg.InboxWorkers - len(sem)
		if free == 0 {
			sleep(ctx, 10*time.Millisecond, nil)
			continue
		}
		events, err := in.store.ClaimInboxRuns(ctx, free, runFollow, in.cfg.Lease)
		if err != nil {
			if ctx.Err() == nil {
				in.log.Warn("claim inbox", "err", err)
				sleep(ctx, time.Second, nil)
			}
			continue
		}
		if len(events) == 0 {
			sleep(ctx, in.cfg.Poll, in.inboxWake)
			continue
		}
		for _, run := range splitRuns(events) {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				in.processRun(ctx, run)
				// The next event of the same ordering key is due now.
				wake(in.inboxWake)
			}()
		}
	}
}

// splitRuns groups claimed events into runs: a head and the events that
// share its lease token.
func splitRuns(events []store.InboxEvent) [][]store.InboxEvent {
	var runs [][]store.InboxEvent
	for i, e := range events {
		if i > 0 && e.LeaseToken == events[i-1].LeaseToken {
			runs[len(runs)-1] = append(runs[len(runs)-1], e)
			continue
		}
		runs = append(runs, []store.InboxEvent{e})
	}
	return runs
}

// inboxResult is what processing an event did, kept with the event.
type inboxResult struct {
	Topic   string         `json:"topic,omitempty"`
	EventID string         `json:"event_id,omitempty"`
	Records map[string]int `json:"records"`
	Actions []actionResult `json:"actions,omitempty"`
}

type actionResult struct {
	Type   string `json:"type"`
	Result string `json:"result"`
}

// processRun parses a run of events in order and completes them together.
// At the first failure it completes what came before, records the
// failure, and gives the rest back unprocessed so that order holds. The
// whole run shares one lease, which nothing renews: once half of it has
// passed, the run completes what it has and gives the rest back, so that
// a long run is never taken over (and its events processed twice). At
// shutdown (ctx done) it likewise keeps what it parsed and gives the rest
// back, without counting an attempt against any event.
func (in *Ingress) processRun(ctx context.Context, run []store.InboxEvent) {
	deadline := time.Now().Add(in.cfg.Lease / 2)
	var done []store.InboxCompletion
	for i, ev := range run {
		if ctx.Err() != nil || (i > 0 && time.Now().After(deadline)) {
			in.completeInbox(ctx, done)
			in.releaseInbox(ctx, run[i:])
			return
		}
		c, err := in.parseEvent(ctx, ev)
		if err == nil {
			done = append(done, c)
			continue
		}
		if ctx.Err() != nil {
			// The failure is the shutdown's, not the event's.
			in.completeInbox(ctx, done)
			in.releaseInbox(ctx, run[i:])
			return
		}
		in.completeInbox(ctx, done)
		in.failInbox(ctx, ev, err)
		in.releaseInbox(ctx, run[i+1:])
		return
	}
	in.completeInbox(ctx, done)
}

// releaseInbox gives the unprocessed rest of a run back, due at once.
func (in *Ingress) releaseInbox(ctx context.Context, rest []store.InboxEvent) {
	if len(rest) == 0 {
		return
	}
	ids := make([]int64, len(rest))
	for i, r := range rest {
		ids[i] = r.ID
	}
	if err := in.store.ReleaseInbox(context.WithoutCancel(ctx), ids, rest[0].LeaseToken); err != nil {
		in.log.Warn("release inbox events", "err", err)
	}
}

// completeInbox commits parsed events and their records in one transaction.
func (in *Ingress) completeInbox(ctx context.Context, done []store.InboxCompletion) {
	if len(done) == 0 {
		return
	}
	// Parsed (and its actions run) is worth committing even at shutdown.
	ups, err := in.store.CompleteInboxBatch(context.WithoutCancel(ctx), done)
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		in.log.Warn("inbox events were taken over by another worker; dropping this result", "first", done[0].ID, "err", err)
		return
	case err != nil:
		// Nothing was written; the events retry.
		for _, c := range done {
			in.failInbox(ctx, store.InboxEvent{ID: c.ID, LeaseToken: c.Token, Attempts: c.Attempts}, sdk.Retryable(err, "store records"))
		}
		return
	}
	for _, u := range ups {
		in.metrics.records.WithLabelValues("webhook", string(u.Outcome)).Inc()
	}
	in.metrics.inbox.WithLabelValues("processed").Add(float64(len(done)))
	in.notify()
}

// parseEvent turns one event into its records through the plugin, runs its
// actions, and returns the completion to commit.
func (in *Ingress) parseEvent(ctx context.Context, ev store.InboxEvent) (store.InboxCompletion, error) {
	none := store.InboxCompletion{}
	cn, err := in.conns.get(ctx, ev.Connection)
	if errors.Is(err, store.ErrNotFound) {
		return none, sdk.Permanent(err, "connection %s no longer exists", ev.Connection)
	}
	if err != nil {
		return none, sdk.Retryable(err, "open connection %s", ev.Connection)
	}
	if cn.plugin.Webhooks == nil {
		return none, sdk.Missing(cn.Connector, sdk.CapWebhooks)
	}
	resp, err := cn.plugin.Webhooks.ParseWebhook(ctx, sdk.WebhookRequest{Connection: cn.ID, Config: cn.config, Headers: http.Header(ev.Headers), Body: ev.Body})
	if err != nil {
		return none, err
	}
	recs, err := in.ownRecords(ctx, cn, resp.Records)
	if err != nil {
		return none, err
	}
	result := inboxResult{Topic: resp.Topic, EventID: resp.EventID, Records: map[string]int{}}
	for _, r := range recs {
		if err := r.Validate(); err != nil {
			return none, sdk.InvalidInput("connector %s produced an invalid record: %v", cn.Connector, err)
		}
		result.Records[string(r.Kind())]++
	}
	// Actions run before completion: if one fails the event is retried,
	// and each action is idempotent.
	for _, a := range resp.Actions {
		msg, err := in.runAction(ctx, cn, a)
		if err != nil {
			return none, fmt.Errorf("action %s: %w", a.Type, err)
		}
		result.Actions = append(result.Actions, actionResult{Type: a.Type, Result: msg})
	}
	raw, _ := json.Marshal(result)
	return store.InboxCompletion{ID: ev.ID, Token: ev.LeaseToken, Records: recs, Result: raw, Attempts: ev.Attempts}, nil
}

// ownRecords checks that a plugin's records belong to the connection
// (filling in an empty connection) and redacts records of redacted
// customers before they are stored.
func (in *Ingress) ownRecords(ctx context.Context, cn *conn, recs []commerce.Record) ([]commerce.Record, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	redacted, err := in.store.Redactions(ctx, cn.ID)
	if err != nil {
		return nil, sdk.Retryable(err, "load redactions")
	}
	for _, r := range recs {
		if err := setConnection(r, cn.ID); err != nil {
			return nil, err
		}
		if len(redacted) > 0 {
			redactIfListed(r, redacted)
		}
	}
	return recs, nil
}

// failInbox records a failed attempt: retry with backoff (or at the
// upstream's Retry-After), or dead-letter when retrying cannot help or the
// attempts are used up.
func (in *Ingress) failInbox(ctx context.Context, ev store.InboxEvent, cause error) {
	dead := !sdk.IsRetryable(cause) || ev.Attempts >= in.cfg.MaxAttempts
	next := time.Now().Add(in.backoff(ev.Attempts))
	if ra := sdk.RetryAfterOf(cause); ra > 0 {
		next = time.Now().Add(ra)
	}
	reason := fmt.Sprintf("%s: %v", sdk.KindOf(cause), cause)
	if dead && sdk.IsRetryable(cause) {
		reason = fmt.Sprintf("gave up after %d attempts: %s", ev.Attempts, reason)
	}
	if err := in.store.FailInbox(context.WithoutCancel(ctx), ev.ID, ev.LeaseToken, reason, next, dead); err != nil {
		in.log.Warn("record inbox failure", "event", ev.ID, "err", err)
		return
	}
	outcome := "retry"
	if dead {
		outcome = "dead"
		in.log.Warn("webhook dead-lettered", "event", ev.ID, "connection", ev.Connection, "reason", reason)
	}
	in.metrics.inbox.WithLabelValues(outcome).Inc()
}

// runAction performs a webhook's follow-up and says what it did.
func (in *Ingress) runAction(ctx context.Context, cn *conn, a sdk.Action) (string, error) {
	switch a.Type {
	case sdk.ActionReread:
		if cn.plugin.Source == nil {
			return "", sdk.Missing(cn.Connector, sdk.CapSource)
		}
		j := &store.SyncJob{Connection: cn.ID, Streams: []string{a.Stream}, Mode: sdk.ModeIncremental, IDs: a.IDs, Trigger: "webhook"}
		if err := in.store.CreateSyncJob(ctx, j); err != nil {
			return "", sdk.Retryable(err, "queue re-read")
		}
		wake(in.syncWake)
		return fmt.Sprintf("queued sync job %d to re-read %d %s", j.ID, len(a.IDs), a.Stream), nil
	case sdk.ActionRedactCustomer:
		return in.redactCustomer(ctx, cn.ID, a.Customer, a.OrderIDs, "customers/redact")
	case sdk.ActionRedactShop:
		return in.redactConnection(ctx, cn.ID)
	case sdk.ActionDataRequest:
		return in.dataRequest(ctx, cn.ID, a.Customer, a.OrderIDs)
	case sdk.ActionUninstalled:
		in.setConnectionError(ctx, cn.ID, StatusUninstalled, "the merchant uninstalled the app; webhooks now answer 410")
		return "connection marked uninstalled", nil
	}
	return "", sdk.InvalidInput("unknown webhook action %q", a.Type)
}
