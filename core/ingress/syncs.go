package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

var (
	errCancelled = errors.New("cancelled by request")
	errLeaseLost = errors.New("lease lost to another worker")
)

// SyncRequest asks for a sync job.
type SyncRequest struct {
	// Streams to read; empty means every stream the connector offers.
	Streams []string `json:"streams,omitempty"`
	// Mode is incremental (default) or full.
	Mode string `json:"mode,omitempty"`
	// IDs restricts the read to these upstream ids.
	IDs []string `json:"ids,omitempty"`
}

// StartSync validates and queues a sync job.
func (in *Ingress) StartSync(ctx context.Context, connection string, req SyncRequest, trigger string) (*store.SyncJob, error) {
	cn, err := in.conns.get(ctx, connection)
	if err != nil {
		return nil, err
	}
	if cn.plugin.Source == nil {
		return nil, badRequest("connector %s of connection %s cannot read streams", cn.Connector, connection)
	}
	if cn.Status == StatusUninstalled {
		return nil, badRequest("connection %s was uninstalled", connection)
	}
	if req.Mode == "" {
		req.Mode = sdk.ModeIncremental
	}
	if req.Mode != sdk.ModeIncremental && req.Mode != sdk.ModeFull {
		return nil, badRequest("mode %q must be incremental or full", req.Mode)
	}
	offered := make([]string, 0, len(cn.manifest.Streams))
	for _, s := range cn.manifest.Streams {
		offered = append(offered, s.Name)
	}
	if len(req.Streams) == 0 {
		req.Streams = offered
	}
	for _, s := range req.Streams {
		if !slices.Contains(offered, s) {
			return nil, badRequest("connector %s has no stream %q; it offers %v", cn.Connector, s, offered)
		}
	}
	j := &store.SyncJob{Connection: connection, Streams: req.Streams, Mode: req.Mode, IDs: req.IDs, Trigger: trigger}
	if err := in.store.CreateSyncJob(ctx, j); err != nil {
		return nil, err
	}
	wake(in.syncWake)
	return j, nil
}

func (in *Ingress) runSyncWorker(ctx context.Context) {
	for ctx.Err() == nil {
		job, err := in.store.ClaimSyncJob(ctx, in.cfg.Lease)
		if err != nil {
			if ctx.Err() == nil {
				in.log.Warn("claim sync job", "err", err)
				sleep(ctx, time.Second, nil)
			}
			continue
		}
		if job == nil {
			sleep(ctx, in.cfg.Poll, in.syncWake)
			continue
		}
		in.runJob(ctx, job)
		wake(in.syncWake) // another job of the same connection may be due
	}
}

// runJob runs a claimed job to its end (or until its lease is lost).
func (in *Ingress) runJob(ctx context.Context, job *store.SyncJob) {
	log := in.log.With("job", job.ID, "connection", job.Connection, "attempt", job.Attempts)
	finish := func(state, reason string, retry bool, next time.Time) {
		if err := in.store.FinishSyncJob(context.WithoutCancel(ctx), job.ID, job.LeaseToken, state, reason, retry, next); err != nil {
			log.Warn("finish sync job", "err", err)
		}
		if !retry {
			in.metrics.syncs.WithLabelValues(state).Inc()
		}
		in.progress.publish(job.ID)
	}
	if job.CancelRequested {
		finish(store.SyncCancelled, "cancelled by request", false, time.Time{})
		return
	}
	cn, err := in.conns.get(ctx, job.Connection)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			finish(store.SyncFailed, "the connection was deleted", false, time.Time{})
		} else {
			finish("", err.Error(), true, time.Now().Add(in.backoff(job.Attempts)))
		}
		return
	}
	if cn.plugin.Source == nil {
		finish(store.SyncFailed, sdk.Missing(cn.Connector, sdk.CapSource).Error(), false, time.Time{})
		return
	}
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(max(in.cfg.Lease/4, 50*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-jctx.Done():
				return
			case <-t.C:
				cancelReq, err := in.store.RenewSyncLease(jctx, job.ID, job.LeaseToken, in.cfg.Lease)
				switch {
				case errors.Is(err, store.ErrLeaseLost):
					cancel(errLeaseLost)
					return
				case err != nil:
					log.Warn("renew sync lease", "err", err)
				case cancelReq:
					cancel(errCancelled)
					return
				}
			}
		}
	}()
	defer wg.Wait()
	defer cancel(nil)

	progress := job.Progress
	if progress == nil {
		progress = map[string]store.StreamProgress{}
	}
	for _, stream := range job.Streams {
		if progress[stream].Done {
			continue
		}
		err := in.readStream(jctx, job, cn, stream, progress)
		if err == nil {
			continue
		}
		switch cause := context.Cause(jctx); {
		case errors.Is(cause, errLeaseLost):
			log.Warn("sync job taken over by another worker; stopping here")
			return
		case errors.Is(cause, errCancelled):
			finish(store.SyncCancelled, "cancelled by request", false, time.Time{})
			return
		case ctx.Err() != nil:
			// Shutting down: leave the job to its lease; the next claim
			// resumes it from its last checkpoint.
			return
		}
		reason := fmt.Sprintf("stream %s: %v", stream, err)
		log.Warn("sync job failed", "stream", stream, "err", err)
		kind := sdk.KindOf(err)
		if kind == sdk.KindAuthentication {
			in.setConnectionError(ctx, cn.ID, StatusError, reason)
		}
		if sdk.IsRetryable(err) && job.Attempts < in.cfg.SyncMaxAttempts {
			next := time.Now().Add(in.backoff(job.Attempts))
			if ra := sdk.RetryAfterOf(err); ra > 0 {
				next = time.Now().Add(ra)
			}
			finish("", reason, true, next)
			return
		}
		finish(store.SyncFailed, reason, false, time.Time{})
		return
	}
	finish(store.SyncSucceeded, "", false, time.Time{})
	log.Info("sync job succeeded", "streams", job.Streams, "mode", job.Mode)
}

// readStream reads one stream into the store, committing each batch with
// its checkpoint.
func (in *Ingress) readStream(ctx context.Context, job *store.SyncJob, cn *conn, stream string, progress map[string]store.StreamProgress) error {
	cursor := progress[stream].Cursor
	if cursor == "" && job.Mode == sdk.ModeIncremental {
		c, err := in.store.Cursor(ctx, cn.ID, stream)
		if err != nil {
			return sdk.Retryable(err, "load cursor")
		}
		cursor = c
	}
	redacted, err := in.store.Redactions(ctx, cn.ID)
	if err != nil {
		return sdk.Retryable(err, "load redactions")
	}
	js := &jobStream{in: in, ctx: ctx, job: job, cn: cn, stream: stream, progress: progress, redacted: redacted,
		base: progress[stream], batch: 500, lastPersist: time.Now()}
	err = cn.plugin.Source.Read(ctx, sdk.ReadRequest{Connection: cn.ID, Config: cn.config, Stream: stream, Mode: job.Mode, Cursor: cursor, IDs: job.IDs}, js)
	if err == nil {
		err = js.commit(nil)
	}
	if err != nil {
		return err
	}
	p := progress[stream]
	if job.Mode == sdk.ModeFull && len(job.IDs) == 0 && js.read == 0 {
		// A full read that yields nothing while the store holds this
		// stream's records is an upstream failure, not "no data": an empty
		// bulk export is a known way to lose data silently.
		if n := in.storedForStream(ctx, cn, stream); n > 0 {
			return sdk.Retryable(fmt.Errorf("a full read returned no records but %d are stored", n), "suspiciously empty result")
		}
	}
	p.Done = true
	p.Message = ""
	progress[stream] = p
	_, err = in.store.CommitSyncBatch(ctx, job.ID, job.LeaseToken, stream, nil, nil, func([]store.UpsertResult) map[string]store.StreamProgress { return progress })
	in.progress.publish(job.ID)
	return err
}

// storedForStream counts stored records of the kinds a stream emits.
func (in *Ingress) storedForStream(ctx context.Context, cn *conn, stream string) int64 {
	var n int64
	for _, s := range cn.manifest.Streams {
		if s.Name != stream {
			continue
		}
		for _, k := range s.Kinds {
			c, _ := in.store.CountRecords(ctx, k, cn.ID)
			n += c
		}
	}
	return n
}

// jobStream receives a plugin's Read and commits it in batches.
type jobStream struct {
	in       *Ingress
	ctx      context.Context
	job      *store.SyncJob
	cn       *conn
	stream   string
	progress map[string]store.StreamProgress
	redacted map[string]bool
	// base is the stream's progress when this Read began, so that the
	// plugin's per-call counters add to it.
	base        store.StreamProgress
	buf         []commerce.Record
	batch       int
	read        int64
	lastPersist time.Time
}

func (s *jobStream) Records(recs ...commerce.Record) error {
	for _, r := range recs {
		// In-process plugins hand over records without the wire's
		// validation: check here too, so that an invalid record is
		// dead-lettered rather than failing its whole batch.
		err := setConnection(r, s.cn.ID)
		if err == nil {
			err = r.Validate()
		}
		if err != nil {
			doc, _ := json.Marshal(r)
			if err := s.reject(r.Kind(), doc, err); err != nil {
				return err
			}
			continue
		}
		if len(s.redacted) > 0 {
			redactIfListed(r, s.redacted)
		}
		s.buf = append(s.buf, r)
		s.read++
		p := s.progress[s.stream]
		p.RecordsRead++
		s.progress[s.stream] = p
	}
	if len(s.buf) >= s.batch {
		return s.commit(nil)
	}
	return nil
}

func (s *jobStream) Checkpoint(cursor string) error {
	p := s.progress[s.stream]
	p.Cursor = cursor
	p.Checkpoints++
	s.progress[s.stream] = p
	return s.commit(&cursor)
}

func (s *jobStream) Progress(pr sdk.Progress) error {
	p := s.progress[s.stream]
	p.Pages = s.base.Pages + pr.Pages
	wait := s.base.RateLimitWaitMS + pr.RateLimitWait.Milliseconds()
	if wait > p.RateLimitWaitMS {
		s.in.metrics.rateLimitWait.Add(float64(wait-p.RateLimitWaitMS) / 1000)
	}
	p.RateLimitWaitMS = wait
	if pr.Total > 0 {
		p.Total = pr.Total
	}
	p.Message = pr.Message
	s.progress[s.stream] = p
	if time.Since(s.lastPersist) > time.Second {
		return s.commit(nil)
	}
	s.in.progress.publish(s.job.ID)
	return nil
}

// RejectRecord dead-letters a record that did not decode or validate; the
// read goes on.
func (s *jobStream) RejectRecord(kind commerce.Kind, doc []byte, err error) error {
	return s.reject(kind, doc, err)
}

func (s *jobStream) reject(kind commerce.Kind, doc []byte, cause error) error {
	p := s.progress[s.stream]
	p.Rejected++
	s.progress[s.stream] = p
	r := &store.Reject{Connection: s.cn.ID, Source: fmt.Sprintf("sync %d %s", s.job.ID, s.stream), Kind: kind, Document: string(doc), Reason: cause.Error()}
	if err := s.in.store.AddReject(s.ctx, r); err != nil {
		return sdk.Retryable(err, "dead-letter a rejected record")
	}
	s.in.log.Warn("sync record rejected", "job", s.job.ID, "stream", s.stream, "kind", kind, "reason", cause)
	return nil
}

// commit writes the buffered records, the progress and (when not nil) the
// cursor in one transaction.
func (s *jobStream) commit(cursor *string) error {
	var changed int64
	res, err := s.in.store.CommitSyncBatch(s.ctx, s.job.ID, s.job.LeaseToken, s.stream, s.buf, cursor,
		func(res []store.UpsertResult) map[string]store.StreamProgress {
			out := make(map[string]store.StreamProgress, len(s.progress))
			for k, v := range s.progress {
				out[k] = v
			}
			changed = 0
			for _, r := range res {
				if r.Changed() {
					changed++
				}
			}
			p := out[s.stream]
			p.RecordsWritten += int64(len(s.buf))
			p.RecordsChanged += changed
			out[s.stream] = p
			return out
		})
	if err != nil {
		if errors.Is(err, store.ErrLeaseLost) {
			return err
		}
		var ve *commerce.ValidationError
		if errors.As(err, &ve) {
			return sdk.InvalidInput("connector %s produced an invalid record: %v", s.cn.Connector, err)
		}
		return sdk.Retryable(err, "commit batch")
	}
	for _, r := range res {
		s.in.metrics.records.WithLabelValues("sync", string(r.Outcome)).Inc()
	}
	p := s.progress[s.stream]
	p.RecordsWritten += int64(len(s.buf))
	p.RecordsChanged += changed
	s.progress[s.stream] = p
	s.buf = s.buf[:0]
	s.lastPersist = time.Now()
	if changed > 0 {
		s.in.notify()
	}
	s.in.progress.publish(s.job.ID)
	return nil
}

// progressHub wakes Server-Sent Event streams when a local job changes.
type progressHub struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]bool
}

func newProgressHub() *progressHub { return &progressHub{subs: map[int64]map[chan struct{}]bool{}} }

func (h *progressHub) subscribe(id int64) (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[id] == nil {
		h.subs[id] = map[chan struct{}]bool{}
	}
	h.subs[id][ch] = true
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[id], ch)
		if len(h.subs[id]) == 0 {
			delete(h.subs, id)
		}
		h.mu.Unlock()
	}
}

func (h *progressHub) publish(id int64) {
	h.mu.Lock()
	for ch := range h.subs[id] {
		wake(ch)
	}
	h.mu.Unlock()
}
