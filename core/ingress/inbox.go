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

// runInbox claims due inbox events and processes them with bounded
// concurrency until ctx is done.
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
		events, err := in.store.ClaimInbox(ctx, free, in.cfg.Lease)
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
		for _, ev := range events {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				in.processInbox(ctx, ev)
				// The next event of the same ordering key is due now.
				wake(in.inboxWake)
			}()
		}
	}
}

// inboxResult is what processing an event did, kept with the event.
type inboxResult struct {
	Topic    string           `json:"topic,omitempty"`
	EventID  string           `json:"event_id,omitempty"`
	Records  map[string]int   `json:"records"`
	Actions  []actionResult   `json:"actions,omitempty"`
	Outcomes map[string]int64 `json:"outcomes,omitempty"`
}

type actionResult struct {
	Type   string `json:"type"`
	Result string `json:"result"`
}

// processInbox parses one event through its plugin and commits the records
// together with the event's completion.
func (in *Ingress) processInbox(ctx context.Context, ev store.InboxEvent) {
	log := in.log.With("event", ev.ID, "connection", ev.Connection, "attempt", ev.Attempts)
	cn, err := in.conns.get(ctx, ev.Connection)
	if errors.Is(err, store.ErrNotFound) {
		in.failInbox(ctx, ev, sdk.Permanent(err, "connection %s no longer exists", ev.Connection))
		return
	}
	if err != nil {
		in.failInbox(ctx, ev, sdk.Retryable(err, "open connection %s", ev.Connection))
		return
	}
	if cn.plugin.Webhooks == nil {
		in.failInbox(ctx, ev, sdk.Missing(cn.Connector, sdk.CapWebhooks))
		return
	}
	resp, err := cn.plugin.Webhooks.ParseWebhook(ctx, sdk.WebhookRequest{Connection: cn.ID, Config: cn.config, Headers: http.Header(ev.Headers), Body: ev.Body})
	if err != nil {
		in.failInbox(ctx, ev, err)
		return
	}
	recs, err := in.ownRecords(ctx, cn, resp.Records)
	if err != nil {
		in.failInbox(ctx, ev, err)
		return
	}
	result := inboxResult{Topic: resp.Topic, EventID: resp.EventID, Records: map[string]int{}, Outcomes: map[string]int64{}}
	for _, r := range recs {
		result.Records[string(r.Kind())]++
	}
	// Actions run before completion: if one fails the event is retried,
	// and each action is idempotent.
	for _, a := range resp.Actions {
		msg, err := in.runAction(ctx, cn, a)
		if err != nil {
			in.failInbox(ctx, ev, fmt.Errorf("action %s: %w", a.Type, err))
			return
		}
		result.Actions = append(result.Actions, actionResult{Type: a.Type, Result: msg})
	}
	raw, _ := json.Marshal(result)
	ups, err := in.store.CompleteInbox(ctx, ev.ID, ev.LeaseToken, recs, raw)
	if errors.Is(err, store.ErrLeaseLost) {
		log.Warn("inbox event was taken over by another worker; dropping this result", "err", err)
		return
	}
	if err != nil {
		var ve *commerce.ValidationError
		if errors.As(err, &ve) {
			in.failInbox(ctx, ev, sdk.InvalidInput("connector %s produced an invalid record: %v", cn.Connector, err))
		} else {
			in.failInbox(ctx, ev, sdk.Retryable(err, "store records"))
		}
		return
	}
	for _, u := range ups {
		in.metrics.records.WithLabelValues("webhook", string(u.Outcome)).Inc()
	}
	in.metrics.inbox.WithLabelValues("processed").Inc()
	in.notify()
	log.Debug("inbox event processed", "topic", resp.Topic, "records", len(recs))
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
