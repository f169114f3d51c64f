package ingress

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
)

// committer appends inbox events with group commit: deliveries that arrive
// while a transaction commits wait and share the next one, so that a burst
// of concurrent webhooks costs one fsync per batch rather than one each.
type committer struct {
	st       store.IngressStore
	reqs     chan appendReq
	maxBatch int
	workers  int
	onBatch  func(n int)
}

type appendReq struct {
	ctx  context.Context
	ev   store.InboxEvent
	done chan appendResp
}

type appendResp struct {
	res store.AppendResult
	err error
}

func newCommitter(st store.IngressStore, maxBatch, workers int) *committer {
	return &committer{st: st, reqs: make(chan appendReq, maxBatch*workers), maxBatch: maxBatch, workers: workers, onBatch: func(int) {}}
}

// append queues ev and waits until it is durable.
func (c *committer) append(ctx context.Context, ev store.InboxEvent) (store.AppendResult, error) {
	done := make(chan appendResp, 1)
	select {
	case c.reqs <- appendReq{ctx: ctx, ev: ev, done: done}:
	case <-ctx.Done():
		return store.AppendResult{}, ctx.Err()
	}
	select {
	case r := <-done:
		return r.res, r.err
	case <-ctx.Done():
		// The commit may still succeed; the upstream will redeliver and
		// the dedupe key will absorb the duplicate.
		return store.AppendResult{}, ctx.Err()
	}
}

func (c *committer) run(ctx context.Context) {
	done := make(chan struct{})
	for range c.workers {
		go func() {
			defer func() { done <- struct{}{} }()
			c.loop(ctx)
		}()
	}
	for range c.workers {
		<-done
	}
}

func (c *committer) loop(ctx context.Context) {
	batch := make([]appendReq, 0, c.maxBatch)
	events := make([]store.InboxEvent, 0, c.maxBatch)
	for {
		batch, events = batch[:0], events[:0]
		select {
		case <-ctx.Done():
			return
		case r := <-c.reqs:
			batch = append(batch, r)
		}
	fill:
		for len(batch) < c.maxBatch {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		for _, r := range batch {
			events = append(events, r.ev)
		}
		// Commit even if the requests' contexts are done: a delivery that
		// reached this point is written rather than half-handled.
		res, err := c.st.AppendInbox(context.WithoutCancel(ctx), events)
		c.onBatch(len(batch))
		for i, r := range batch {
			if err != nil {
				r.done <- appendResp{err: err}
			} else {
				r.done <- appendResp{res: res[i]}
			}
		}
	}
}

// droppedHeaders are never stored with a delivery.
var droppedHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Proxy-Authorization": true}

// redacted replaces a secret in a stored header.
const redacted = "<redacted>"

// storedHeaders returns the headers kept with a delivery: without
// credentials, with every token scheme's header redacted, and with any
// value that contains one of the connection's tokens redacted too (a
// proxy may copy the original URL, ?token= included, into a header such
// as X-Original-URI).
func storedHeaders(cn *conn, h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		if droppedHeaders[k] {
			continue
		}
		if slices.ContainsFunc(cn.tokenHeaders, func(h string) bool { return strings.EqualFold(h, k) }) {
			out[k] = []string{redacted}
			continue
		}
		if slices.ContainsFunc(vs, func(v string) bool { return containsToken(v, cn.tokens) }) {
			vs = slices.Clone(vs)
			for i, v := range vs {
				if containsToken(v, cn.tokens) {
					vs[i] = redacted
				}
			}
		}
		out[k] = vs
	}
	return out
}

// containsToken reports whether v holds one of tokens (see conn.tokens).
func containsToken(v string, tokens []string) bool {
	for _, t := range tokens {
		if strings.Contains(v, t) {
			return true
		}
	}
	return false
}

// handleWebhook is POST /webhooks/:connection: verify, append durably,
// acknowledge. It makes no plugin call.
func (in *Ingress) handleWebhook(c *gin.Context) {
	id := c.Param("connection")
	cn, err := in.conns.get(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		in.metrics.webhooks.WithLabelValues("", "unknown_connection").Inc()
		api.Fail(c, api.NotFound("no connection %q; webhooks go to /webhooks/<connection id>", id))
		return
	}
	if err != nil {
		in.metrics.webhooks.WithLabelValues("", "error").Inc()
		api.Fail(c, api.Errorf(http.StatusServiceUnavailable, "unavailable", "connection %s is not ready: %v", id, err))
		return
	}
	spec := cn.manifest.Webhook
	if spec == nil || cn.plugin.Webhooks == nil {
		api.Fail(c, api.NotFound("connector %s of connection %s does not accept webhooks", cn.Connector, id))
		return
	}
	if cn.Status == StatusUninstalled {
		api.Fail(c, api.Errorf(http.StatusGone, "gone", "connection %s was uninstalled", id))
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		api.Fail(c, err) // over the limit: 413
		return
	}
	// The query is only read for a token the manifest places there; the
	// URL itself (with that token) is never stored or logged.
	spec, err = spec.VerifyRequest(cn.secrets, c.Request.Header, c.Request.URL.Query(), body)
	if err != nil {
		in.metrics.webhooks.WithLabelValues(cn.Connector, "bad_signature").Inc()
		api.Fail(c, api.Errorf(http.StatusUnauthorized, "bad_signature", "%v", err))
		return
	}
	ev := store.InboxEvent{Connection: id, Body: body, ReceivedAt: time.Now(), Headers: storedHeaders(cn, c.Request.Header)}
	if spec.EventIDHeader != "" {
		ev.DedupeKey = c.GetHeader(spec.EventIDHeader)
	}
	if ev.DedupeKey == "" {
		sum := sha256.Sum256(body)
		ev.DedupeKey = "sha256:" + hex.EncodeToString(sum[:])
	}
	if spec.TopicHeader != "" {
		ev.Topic = c.GetHeader(spec.TopicHeader)
	}
	if spec.OrderingKeyHeader != "" {
		ev.OrderingKey = id + "/" + c.GetHeader(spec.OrderingKeyHeader)
	}
	res, err := in.committer.append(c.Request.Context(), ev)
	if err != nil {
		in.metrics.webhooks.WithLabelValues(cn.Connector, "error").Inc()
		in.log.Error("webhook not stored", "connection", id, "err", err)
		api.Fail(c, api.Errorf(http.StatusServiceUnavailable, "unavailable", "the delivery could not be stored; retry"))
		return
	}
	status := "accepted"
	if res.Duplicate {
		status = "duplicate"
	} else {
		wake(in.inboxWake)
	}
	in.metrics.webhooks.WithLabelValues(cn.Connector, status).Inc()
	c.PureJSON(http.StatusOK, gin.H{"status": status, "id": strconv.FormatInt(res.ID, 10)})
}
