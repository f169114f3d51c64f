package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Register adds the ingress routes and schemas to the API server.
func (in *Ingress) Register(s *api.Server) {
	s.AddSchemas(schemas())
	s.Add(in.Routes()...)
}

func idParam(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, api.BadRequest("%s %q is not a numeric id", name, c.Param(name))
	}
	return id, nil
}

// fail maps store and ingress errors to HTTP errors.
func fail(c *gin.Context, err error) {
	if errors.Is(err, store.ErrNotFound) {
		api.Fail(c, api.NotFound("%v", err))
		return
	}
	api.Fail(c, err)
}

// The filters of the list endpoints.
var (
	inboxParams = []api.Param{{Name: "connection", Description: "only this connection"},
		{Name: "status", Description: "only this status", Enum: []string{store.InboxPending, store.InboxProcessing, store.InboxRetry, store.InboxProcessed, store.InboxDead}}}
	syncParams = []api.Param{{Name: "connection", Description: "only this connection"},
		{Name: "state", Description: "only this state", Enum: []string{store.SyncQueued, store.SyncRunning, store.SyncSucceeded, store.SyncFailed, store.SyncCancelled}}}
	writebackParams = []api.Param{{Name: "connection", Description: "only this connection"},
		{Name: "status", Description: "only this status", Enum: []string{store.WritebackPending, store.WritebackProcessing, store.WritebackRetry, store.WritebackSucceeded, store.WritebackDead}}}
	rejectParams = []api.Param{{Name: "connection", Description: "only this connection"}}
)

var pageParams = []api.Param{
	{Name: "limit", Type: "integer", Description: "page size, 1 to 1000 (default 50)"},
	{Name: "cursor", Description: "next_cursor of the previous page"},
}

func parsePage(c *gin.Context, params []api.Param) (limit int, before int64, err error) {
	if err := api.CheckQuery(c, append(append([]api.Param{}, pageParams...), params...)); err != nil {
		return 0, 0, err
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, 0, api.BadRequest("limit %q must be an integer from 1 to 1000", v)
		}
		limit = n
	}
	before, err = api.DecodeCursor(c.Query("cursor"))
	return limit, before, err
}

// listHandler serves a newest-first list filtered by params (each a query
// parameter passed to list by name), paged with limit and cursor.
func listHandler[T any](params []api.Param, list func(ctx context.Context, q func(string) string, before int64, limit int) ([]T, int64, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit, before, err := parsePage(c, params)
		if err != nil {
			api.Fail(c, err)
			return
		}
		items, next, err := list(c.Request.Context(), c.Query, before, limit)
		if err != nil {
			fail(c, err)
			return
		}
		if items == nil {
			items = []T{}
		}
		writeList(c, items, next)
	}
}

// getHandler serves one item by the numeric :id path parameter.
func getHandler[T any](get func(ctx context.Context, id int64) (T, error), view func(T) any) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := idParam(c, "id")
		if err != nil {
			api.Fail(c, err)
			return
		}
		item, err := get(c.Request.Context(), id)
		if err != nil {
			fail(c, err)
			return
		}
		c.PureJSON(http.StatusOK, view(item))
	}
}

func writeList(c *gin.Context, items any, next int64) {
	var cursor any
	if next > 0 {
		cursor = api.EncodeCursor(next)
	}
	c.PureJSON(http.StatusOK, gin.H{"items": items, "next_cursor": cursor})
}

// connectionView is a connection as the API shows it: secrets redacted,
// with its health.
type connectionView struct {
	store.Connection
	Capabilities []sdk.Capability `json:"capabilities"`
	WebhookURL   string           `json:"webhook_url,omitempty"`
	// PublicWebhookURL is the webhook URL as upstreams reach it, when the
	// gateway's public URL is configured.
	PublicWebhookURL string `json:"public_webhook_url,omitempty"`
	// WebhookSubscriptions is the last registration of the connection's
	// webhook subscriptions upstream, absent until there was one.
	WebhookSubscriptions *SubscriptionReport `json:"webhook_subscriptions,omitempty"`
	Health               *connectionHealth   `json:"health,omitempty"`
}

type connectionHealth struct {
	// Status is ok, error, paused or uninstalled.
	Status   string           `json:"status"`
	Webhooks map[string]int64 `json:"webhooks"`
	LastSync *store.SyncJob   `json:"last_sync,omitempty"`
	Plugin   string           `json:"plugin"`
}

func (in *Ingress) view(ctx context.Context, sc *store.Connection, health bool) connectionView {
	v := connectionView{Connection: *sc}
	v.Config = in.redactedConfig(ctx, sc)
	p, m, err := in.plugins.Plugin(ctx, sc.Connector)
	if err == nil {
		v.Capabilities = p.Capabilities()
		if m.Webhook != nil {
			v.WebhookURL = "/webhooks/" + sc.ID
			v.PublicWebhookURL = in.CallbackURL(sc.ID)
		}
	}
	v.WebhookSubscriptions = subscriptionReport(sc)
	if !health {
		return v
	}
	h := &connectionHealth{Status: "ok", Plugin: "ok"}
	if err != nil {
		h.Plugin = err.Error()
		h.Status = StatusError
	}
	switch {
	case sc.Status != StatusActive:
		h.Status = sc.Status
	case sc.LastError != "":
		h.Status = StatusError
	}
	h.Webhooks, _ = in.store.InboxCounts(ctx, sc.ID)
	if jobs, _, err := in.store.ListSyncJobs(ctx, store.SyncQuery{Connection: sc.ID, Limit: 1}); err == nil && len(jobs) > 0 {
		h.LastSync = &jobs[0]
	}
	v.Health = h
	return v
}

// jobView adds an ETA to a job.
type jobView struct {
	store.SyncJob
	// ETASeconds estimates the time left where the upstream reported totals.
	ETASeconds *float64 `json:"eta_seconds,omitempty"`
	// RecordsPerSecond is the read rate so far.
	RecordsPerSecond float64 `json:"records_per_second"`
}

func viewJob(j *store.SyncJob) jobView {
	v := jobView{SyncJob: *j}
	if j.StartedAt == nil {
		return v
	}
	end := time.Now()
	if j.FinishedAt != nil {
		end = *j.FinishedAt
	}
	elapsed := end.Sub(*j.StartedAt).Seconds()
	var read, remaining int64
	known := false
	for _, p := range j.Progress {
		read += p.RecordsRead
		if !p.Done && p.Total > 0 {
			remaining += max(p.Total-p.RecordsRead, 0)
			known = true
		}
	}
	if elapsed > 0 {
		v.RecordsPerSecond = float64(read) / elapsed
	}
	if known && j.State == store.SyncRunning && v.RecordsPerSecond > 0 {
		eta := float64(remaining) / v.RecordsPerSecond
		v.ETASeconds = &eta
	}
	return v
}

// inboxView shows an event with its body and redacted headers.
type inboxView struct {
	store.InboxEvent
	Body string `json:"body,omitempty"`
}

func inboxDetail(e *store.InboxEvent) inboxView {
	v := inboxView{InboxEvent: *e, Body: string(e.Body)}
	return v
}

// Routes returns the ingress's HTTP routes.
func (in *Ingress) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Path: "/v1/connectors", Tag: "connections", Scope: api.ScopeRead,
			Summary: "List the available connectors with their capabilities, streams and configuration schema", Response: "ConnectorList",
			Handler: func(c *gin.Context) {
				names := in.plugins.Connectors()
				sort.Strings(names)
				items := []any{}
				for _, n := range names {
					_, m, err := in.plugins.Plugin(c.Request.Context(), n)
					if err != nil {
						items = append(items, gin.H{"name": n, "error": err.Error()})
						continue
					}
					items = append(items, m)
				}
				c.PureJSON(http.StatusOK, gin.H{"items": items})
			}},
		{Method: http.MethodGet, Path: "/v1/connectors/:name", Tag: "connections", Scope: api.ScopeRead,
			Summary: "Describe one connector", Response: "Manifest", Errors: []int{404},
			Handler: func(c *gin.Context) {
				_, m, err := in.plugins.Plugin(c.Request.Context(), c.Param("name"))
				if err != nil {
					api.Fail(c, api.NotFound("connector %q: %v", c.Param("name"), err))
					return
				}
				c.PureJSON(http.StatusOK, m)
			}},
		{Method: http.MethodPost, Path: "/v1/connections", Tag: "connections", Scope: api.ScopeAdmin,
			Summary:     "Create a connection",
			Description: "Validates the config against the connector's JSON Schema and checks it against the upstream; secrets are encrypted at rest.",
			Request:     "CreateConnection", Response: "Connection", Status: http.StatusCreated, Errors: []int{400, 409, 413, 422, 502},
			Handler: func(c *gin.Context) {
				var req CreateRequest
				if err := api.DecodeJSON(c, &req); err != nil {
					api.Fail(c, err)
					return
				}
				sc, check, err := in.CreateConnection(c.Request.Context(), req)
				if err != nil {
					fail(c, err)
					return
				}
				v := in.view(c.Request.Context(), sc, false)
				c.PureJSON(http.StatusCreated, gin.H{"connection": v, "check": check})
			}},
		{Method: http.MethodGet, Path: "/v1/connections", Tag: "connections", Scope: api.ScopeRead,
			Summary: "List connections with their health", Response: "ConnectionList",
			Handler: func(c *gin.Context) {
				if err := api.CheckQuery(c, nil); err != nil {
					api.Fail(c, err)
					return
				}
				list, err := in.store.ListConnections(c.Request.Context())
				if err != nil {
					fail(c, err)
					return
				}
				items := make([]connectionView, 0, len(list))
				for i := range list {
					items = append(items, in.view(c.Request.Context(), &list[i], true))
				}
				c.PureJSON(http.StatusOK, gin.H{"items": items})
			}},
		{Method: http.MethodGet, Path: "/v1/connections/:id", Tag: "connections", Scope: api.ScopeRead,
			Summary:  "Get a connection: configuration (secrets redacted), health, last sync, webhook counts and errors",
			Response: "Connection", Errors: []int{404},
			Handler: func(c *gin.Context) {
				sc, err := in.store.GetConnection(c.Request.Context(), c.Param("id"))
				if err != nil {
					fail(c, err)
					return
				}
				c.PureJSON(http.StatusOK, in.view(c.Request.Context(), sc, true))
			}},
		{Method: http.MethodPatch, Path: "/v1/connections/:id", Tag: "connections", Scope: api.ScopeAdmin,
			Summary: "Change a connection's name, configuration (merged, re-checked) or status (active, paused)",
			Request: "UpdateConnection", Response: "Connection", Errors: []int{400, 404, 413, 422, 502},
			Handler: func(c *gin.Context) {
				var req UpdateRequest
				if err := api.DecodeJSON(c, &req); err != nil {
					api.Fail(c, err)
					return
				}
				sc, err := in.UpdateConnection(c.Request.Context(), c.Param("id"), req)
				if err != nil {
					fail(c, err)
					return
				}
				c.PureJSON(http.StatusOK, in.view(c.Request.Context(), sc, true))
			}},
		{Method: http.MethodDelete, Path: "/v1/connections/:id", Tag: "connections", Scope: api.ScopeAdmin,
			Summary:     "Delete a connection",
			Description: "Its webhooks answer 404 from then on; records already stored stay.",
			Status:      http.StatusNoContent, Errors: []int{404},
			Handler: func(c *gin.Context) {
				if err := in.store.DeleteConnection(c.Request.Context(), c.Param("id")); err != nil {
					fail(c, err)
					return
				}
				in.conns.invalidate(c.Param("id"))
				c.Status(http.StatusNoContent)
			}},

		{Method: http.MethodPost, Path: "/v1/connections/:id/webhooks/subscribe", Tag: "connections", Scope: api.ScopeOps,
			Summary: "Register the connection's webhook subscriptions upstream at the gateway's public URL",
			Description: "Asks the connector (subscriptions capability) to subscribe every topic it handles at <webhooks.public_url>/webhooks/{id}: " +
				"missing subscriptions are created, ones pointing elsewhere updated, unchanged ones left alone, so calling it again changes nothing. " +
				"Answers the per-topic results, also shown as webhook_subscriptions on GET /v1/connections/{id}. " +
				"409 when no public URL is configured; 422 when the connector cannot subscribe webhooks or the upstream refuses the credentials.",
			Response: "SubscriptionReport", Errors: []int{404, 409, 422, 502},
			Handler: func(c *gin.Context) {
				rep, err := in.EnsureWebhooks(c.Request.Context(), c.Param("id"), TriggerManual)
				if err != nil {
					fail(c, err)
					return
				}
				c.PureJSON(http.StatusOK, rep)
			}},

		{Method: http.MethodPost, Path: "/webhooks/:connection", Tag: "webhooks",
			Summary:     "Receive a webhook delivery from an upstream",
			Description: "Verifies the signature with the connector's declared scheme (401 and nothing stored when it does not match), appends the delivery durably to the inbox, then answers 200. A redelivery answers 200 with status duplicate and is not processed again.",
			Response:    "WebhookAck", Errors: []int{401, 404, 410, 413, 503}, Handler: in.handleWebhook},
		{Method: http.MethodGet, Path: "/v1/webhooks/events", Tag: "webhooks", Scope: api.ScopeRead,
			Summary: "List inbox events, newest first", Response: "InboxEventList", Errors: []int{400},
			Query: inboxParams,
			Handler: listHandler(inboxParams, func(ctx context.Context, q func(string) string, before int64, limit int) ([]store.InboxEvent, int64, error) {
				return in.store.ListInbox(ctx, store.InboxQuery{Connection: q("connection"), Status: q("status"), Before: before, Limit: limit})
			})},
		{Method: http.MethodGet, Path: "/v1/webhooks/events/:id", Tag: "webhooks", Scope: api.ScopeRead,
			Summary:  "Get one inbox event: raw body, headers (secrets redacted), attempts, last error and result",
			Response: "InboxEvent", Errors: []int{400, 404},
			Handler: getHandler(in.store.GetInbox, func(e *store.InboxEvent) any { return inboxDetail(e) })},
		{Method: http.MethodPost, Path: "/v1/webhooks/events/:id/replay", Tag: "webhooks", Scope: api.ScopeOps,
			Summary:     "Replay a failed or dead-lettered event",
			Description: "Makes the event due again with fresh attempts. Replaying an event that was processed is a no-op by design (replayed: false).",
			Response:    "Replay", Errors: []int{400, 404},
			Handler: func(c *gin.Context) {
				id, err := idParam(c, "id")
				if err != nil {
					api.Fail(c, err)
					return
				}
				ok, err := in.store.ReplayInbox(c.Request.Context(), id)
				if err != nil {
					fail(c, err)
					return
				}
				if ok {
					wake(in.inboxWake)
				}
				msg := "queued for processing"
				if !ok {
					msg = "not replayed: the event is processed, or already waiting to be processed"
				}
				c.PureJSON(http.StatusOK, gin.H{"replayed": ok, "message": msg})
			}},

		{Method: http.MethodPost, Path: "/v1/connections/:id/syncs", Tag: "syncs", Scope: api.ScopeOps,
			Summary: "Start a sync", Description: "Queues a job that reads the streams (all by default) in incremental (default) or full mode.",
			Request: "SyncRequest", Response: "SyncJob", Status: http.StatusAccepted, Errors: []int{400, 404, 413},
			Handler: func(c *gin.Context) {
				var req SyncRequest
				if c.Request.ContentLength != 0 {
					if err := api.DecodeJSON(c, &req); err != nil {
						api.Fail(c, err)
						return
					}
				}
				j, err := in.StartSync(c.Request.Context(), c.Param("id"), req, "api")
				if err != nil {
					fail(c, err)
					return
				}
				c.PureJSON(http.StatusAccepted, viewJob(j))
			}},
		{Method: http.MethodGet, Path: "/v1/syncs", Tag: "syncs", Scope: api.ScopeRead,
			Summary: "List sync jobs, newest first", Response: "SyncJobList", Errors: []int{400},
			Query: syncParams,
			Handler: listHandler(syncParams, func(ctx context.Context, q func(string) string, before int64, limit int) ([]jobView, int64, error) {
				jobs, next, err := in.store.ListSyncJobs(ctx, store.SyncQuery{Connection: q("connection"), State: q("state"), Before: before, Limit: limit})
				items := make([]jobView, 0, len(jobs))
				for i := range jobs {
					items = append(items, viewJob(&jobs[i]))
				}
				return items, next, err
			})},
		{Method: http.MethodGet, Path: "/v1/syncs/:id", Tag: "syncs", Scope: api.ScopeRead,
			Summary:  "Get a sync job: state, records read and written per stream, pages, rate-limit waits and ETA",
			Response: "SyncJob", Errors: []int{400, 404},
			Handler: getHandler(in.store.GetSyncJob, func(j *store.SyncJob) any { return viewJob(j) })},
		{Method: http.MethodGet, Path: "/v1/syncs/:id/events", Tag: "syncs", Scope: api.ScopeRead, QueryToken: true,
			Summary:     "Stream a sync job's progress as Server-Sent Events",
			Description: "Sends a `progress` event with the job (as GET /v1/syncs/{id}) whenever it changes and a final `done` event when it ends. EventSource clients may pass the token as ?access_token=.",
			ContentType: "text/event-stream", Errors: []int{400, 404}, Handler: in.syncEvents},
		{Method: http.MethodPost, Path: "/v1/syncs/:id/cancel", Tag: "syncs", Scope: api.ScopeOps,
			Summary: "Cancel a sync job", Description: "A queued job is cancelled at once; a running one stops at its next checkpoint, keeping what it committed.",
			Response: "SyncJob", Errors: []int{400, 404, 409},
			Handler: func(c *gin.Context) {
				id, err := idParam(c, "id")
				if err != nil {
					api.Fail(c, err)
					return
				}
				before, err := in.store.GetSyncJob(c.Request.Context(), id)
				if err != nil {
					fail(c, err)
					return
				}
				if before.State != store.SyncQueued && before.State != store.SyncRunning {
					api.Fail(c, api.Conflict("sync job %d already ended (%s)", id, before.State))
					return
				}
				j, err := in.store.CancelSyncJob(c.Request.Context(), id)
				if err != nil {
					fail(c, err)
					return
				}
				c.PureJSON(http.StatusOK, viewJob(j))
			}},

		{Method: http.MethodPost, Path: "/v1/connections/:id/writebacks", Tag: "writebacks", Scope: api.ScopeOps,
			Summary:     "Queue a change to write back to the upstream",
			Description: "The idempotency key identifies the change; queueing the same key again returns the first write-back.",
			Request:     "WritebackRequest", Response: "WritebackAck", Status: http.StatusAccepted, Errors: []int{400, 404, 413},
			Handler: func(c *gin.Context) {
				var req struct {
					Action         string          `json:"action"`
					IdempotencyKey string          `json:"idempotency_key"`
					Kind           commerce.Kind   `json:"kind"`
					Record         json.RawMessage `json:"record"`
				}
				if err := api.DecodeJSON(c, &req); err != nil {
					api.Fail(c, err)
					return
				}
				rec, err := commerce.Decode(req.Kind, req.Record)
				if err != nil {
					api.Fail(c, api.BadRequest("%v", err))
					return
				}
				id, dup, err := in.EnqueueWriteback(c.Request.Context(), c.Param("id"), req.Action, req.IdempotencyKey, rec)
				if err != nil {
					fail(c, err)
					return
				}
				c.PureJSON(http.StatusAccepted, gin.H{"id": strconv.FormatInt(id, 10), "duplicate": dup})
			}},
		{Method: http.MethodGet, Path: "/v1/writebacks", Tag: "writebacks", Scope: api.ScopeRead,
			Summary: "List write-backs, newest first", Response: "WritebackList", Errors: []int{400},
			Query: writebackParams,
			Handler: listHandler(writebackParams, func(ctx context.Context, q func(string) string, before int64, limit int) ([]store.Writeback, int64, error) {
				return in.store.ListWritebacks(ctx, store.WritebackQuery{Connection: q("connection"), Status: q("status"), Before: before, Limit: limit})
			})},
		{Method: http.MethodGet, Path: "/v1/writebacks/:id", Tag: "writebacks", Scope: api.ScopeRead,
			Summary: "Get a write-back", Response: "Writeback", Errors: []int{400, 404},
			Handler: getHandler(in.store.GetWriteback, func(w *store.Writeback) any { return w })},
		{Method: http.MethodPost, Path: "/v1/writebacks/:id/replay", Tag: "writebacks", Scope: api.ScopeOps,
			Summary: "Replay a failed or dead-lettered write-back (a succeeded one is a no-op)", Response: "Replay", Errors: []int{400, 404},
			Handler: func(c *gin.Context) {
				id, err := idParam(c, "id")
				if err != nil {
					api.Fail(c, err)
					return
				}
				ok, err := in.store.ReplayWriteback(c.Request.Context(), id)
				if err != nil {
					fail(c, err)
					return
				}
				if ok {
					wake(in.writebackWake)
				}
				c.PureJSON(http.StatusOK, gin.H{"replayed": ok})
			}},
		{Method: http.MethodGet, Path: "/v1/rejects", Tag: "syncs", Scope: api.ScopeRead,
			Summary: "List records that syncs rejected as invalid, with the reason", Response: "RejectList", Errors: []int{400},
			Query: rejectParams,
			Handler: listHandler(rejectParams, func(ctx context.Context, q func(string) string, before int64, limit int) ([]store.Reject, int64, error) {
				return in.store.ListRejects(ctx, q("connection"), before, limit)
			})},
	}
}

// syncEvents streams a job's progress as Server-Sent Events until it ends.
func (in *Ingress) syncEvents(c *gin.Context) {
	id, err := idParam(c, "id")
	if err != nil {
		api.Fail(c, err)
		return
	}
	j, err := in.store.GetSyncJob(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	ch, unsubscribe := in.progress.subscribe(id)
	defer unsubscribe()
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	var last []byte
	send := func(event string, j *store.SyncJob) bool {
		b, _ := json.Marshal(viewJob(j))
		if event == "progress" && string(b) == string(last) {
			return true
		}
		last = b
		if _, err := fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return false
		}
		c.Writer.Flush()
		return true
	}
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	poll := time.NewTicker(500 * time.Millisecond)
	defer poll.Stop()
	for {
		ended := j.State == store.SyncSucceeded || j.State == store.SyncFailed || j.State == store.SyncCancelled
		if ended {
			send("done", j)
			return
		}
		if !send("progress", j) {
			return
		}
		select {
		case <-c.Request.Context().Done():
			return
		case <-heartbeat.C:
			fmt.Fprint(c.Writer, ": keep-alive\n\n")
			c.Writer.Flush()
		case <-ch:
		case <-poll.C:
		}
		if j, err = in.store.GetSyncJob(c.Request.Context(), id); err != nil {
			return
		}
	}
}
