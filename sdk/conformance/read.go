package conformance

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// checkpoint is a cursor and how many records of the read preceded it.
type checkpoint struct {
	cursor string
	after  int
}

type readResult struct {
	records     []commerce.Record
	checkpoints []checkpoint
	progress    int
	// tail counts records after the last checkpoint.
	tail int
}

func (r *readResult) lastCursor() string {
	if len(r.checkpoints) == 0 {
		return ""
	}
	return r.checkpoints[len(r.checkpoints)-1].cursor
}

// recorder is the kit's ReadStream. After ctx ends it refuses everything
// and counts what the connector still tried to send.
type recorder struct {
	ctx      context.Context
	mu       sync.Mutex
	res      readResult
	late     atomic.Int64
	onRecord func(n int)
}

func (r *recorder) Records(rs ...commerce.Record) error {
	if err := r.ctx.Err(); err != nil {
		r.late.Add(1)
		return err
	}
	r.mu.Lock()
	r.res.records = append(r.res.records, rs...)
	r.res.tail += len(rs)
	n := len(r.res.records)
	r.mu.Unlock()
	if r.onRecord != nil {
		r.onRecord(n)
	}
	return nil
}

func (r *recorder) Checkpoint(cursor string) error {
	if err := r.ctx.Err(); err != nil {
		r.late.Add(1)
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.checkpoints = append(r.res.checkpoints, checkpoint{cursor: cursor, after: len(r.res.records)})
	r.res.tail = 0
	return nil
}

func (r *recorder) Progress(sdk.Progress) error {
	if err := r.ctx.Err(); err != nil {
		r.late.Add(1)
		return err
	}
	r.mu.Lock()
	r.res.progress++
	r.mu.Unlock()
	return nil
}

func (k *kit) stream(t *testing.T, name string) sdk.StreamSpec {
	t.Helper()
	for _, s := range k.manifest.Streams {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("stream %q is not in the manifest", name)
	return sdk.StreamSpec{}
}

// read runs one Read to completion and checks every record.
func (k *kit) read(t *testing.T, req sdk.ReadRequest, st sdk.StreamSpec) *readResult {
	t.Helper()
	req.Connection, req.Config = k.s.Connection, k.s.Config
	rec := &recorder{ctx: k.ctx(t)}
	if err := k.s.Plugin.Source.Read(rec.ctx, req, rec); err != nil {
		t.Fatalf("Read %s (mode %s, cursor %q): %v", req.Stream, req.Mode, req.Cursor, err)
	}
	seen := map[recordKey]int{}
	for i, r := range rec.res.records {
		k.validRecord(t, fmt.Sprintf("%s record %d", st.Name, i), r, &st)
		key := keyOf(r)
		if j, dup := seen[key]; dup {
			t.Errorf("%s records %d and %d are the same version of %s %s: a duplicate", st.Name, j, i, r.Kind(), r.Ref())
		}
		seen[key] = i
	}
	return &rec.res
}

// validRecord checks one record: it validates, belongs to the connection,
// has an upstream id and version, and (for reads) is of a kind the stream
// declares.
func (k *kit) validRecord(t *testing.T, what string, r commerce.Record, st *sdk.StreamSpec) {
	t.Helper()
	if r == nil {
		t.Errorf("%s is nil", what)
		return
	}
	if err := r.Validate(); err != nil {
		t.Errorf("%s (%s %s): %v", what, r.Kind(), r.Ref().ExternalID, err)
	}
	if r.Ref().Connection != k.s.Connection {
		t.Errorf("%s has source connection %q, want the request's %q", what, r.Ref().Connection, k.s.Connection)
	}
	if r.Ref().ExternalID == "" {
		t.Errorf("%s has no external id", what)
	}
	if r.Version().IsZero() {
		t.Errorf("%s (%s) has no updated_at: the store cannot order its versions", what, r.Ref().ExternalID)
	}
	if st != nil && !slices.Contains(st.Kinds, r.Kind()) {
		t.Errorf("%s is a %s, but stream %s declares only %v", what, r.Kind(), st.Name, st.Kinds)
	}
}

// recordKey identifies one version of one record.
type recordKey struct {
	kind    commerce.Kind
	ref     commerce.Ref
	version int64
}

func keyOf(r commerce.Record) recordKey {
	return recordKey{kind: r.Kind(), ref: r.Ref(), version: r.Version().UnixNano()}
}

func (k *kit) lastCursor(stream string) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	c, ok := k.cursors[stream]
	return c, ok
}

func (k *kit) setCursor(stream, cursor string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.cursors[stream] = cursor
}

func (k *kit) readChecks(t *testing.T, st sdk.StreamSpec) {
	var full *readResult
	for _, c := range readChecks {
		name := "read/" + st.Name + "/" + c
		k.check(t, name, func(t *testing.T) {
			if k.s.Plugin.Source == nil {
				t.Skip("the plugin does not offer a source")
			}
			if c != "full" && c != "cancel" && st.CursorField == "" {
				t.Skipf("stream %s has no cursor field: it supports full reads only", st.Name)
			}
			if c != "full" && c != "cancel" && full == nil {
				t.Fatalf("needs a successful read/%s/full", st.Name)
			}
			switch c {
			case "full":
				full = k.checkFullRead(t, st)
			case "resume":
				k.checkResume(t, st, full)
			case "changes":
				k.checkChanges(t, st)
			case "cancel":
				k.checkCancelRead(t, st)
			}
		})
	}
}

func (k *kit) checkFullRead(t *testing.T, st sdk.StreamSpec) *readResult {
	res := k.read(t, sdk.ReadRequest{Stream: st.Name, Mode: sdk.ModeFull}, st)
	if len(res.records) == 0 {
		t.Fatalf("a full read of %s returned no records: seed the fake upstream so that there is something to check", st.Name)
	}
	if st.CursorField != "" {
		if len(res.checkpoints) == 0 {
			t.Fatalf("a full read of %s (cursor field %s) sent no checkpoint", st.Name, st.CursorField)
		}
		if res.tail > 0 {
			t.Errorf("%d records came after the last checkpoint: end every read with a checkpoint covering them", res.tail)
		}
		for i, cp := range res.checkpoints {
			if cp.cursor == "" {
				t.Errorf("checkpoint %d has an empty cursor", i)
			}
		}
		k.setCursor(st.Name, res.lastCursor())
	}
	k.store.Apply(res.records...)
	t.Logf("%s: %d records, %d checkpoints, %d progress reports", st.Name, len(res.records), len(res.checkpoints), res.progress)
	return res
}

// pick returns up to max indexes of n, spread evenly, including the first
// and the last.
func pick(n, max int) []int {
	if max < 0 || n <= max {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	var idx []int
	for i := 0; i < max; i++ {
		j := i * (n - 1) / (max - 1)
		if len(idx) == 0 || idx[len(idx)-1] != j {
			idx = append(idx, j)
		}
	}
	return idx
}

func (k *kit) checkResume(t *testing.T, st sdk.StreamSpec, full *readResult) {
	all := map[recordKey]bool{}
	for _, r := range full.records {
		all[keyOf(r)] = true
	}
	for _, i := range pick(len(full.checkpoints), k.s.MaxResumes) {
		cp := full.checkpoints[i]
		res := k.read(t, sdk.ReadRequest{Stream: st.Name, Mode: sdk.ModeIncremental, Cursor: cp.cursor}, st)
		before := map[recordKey]bool{}
		for _, r := range full.records[:cp.after] {
			before[keyOf(r)] = true
		}
		got := map[recordKey]bool{}
		for _, r := range res.records {
			key := keyOf(r)
			if before[key] {
				t.Errorf("resuming from checkpoint %d (%q) returned %s %s again: a duplicate of a record the checkpoint covers", i, cp.cursor, r.Kind(), r.Ref().ExternalID)
			}
			if !all[key] {
				t.Errorf("resuming from checkpoint %d returned %s %s at a version the full read did not have", i, r.Kind(), r.Ref().ExternalID)
			}
			got[key] = true
		}
		missing := 0
		for key := range all {
			if !before[key] && !got[key] {
				if missing < 5 {
					t.Errorf("resuming from checkpoint %d (%q) never returned %s %s: a gap", i, cp.cursor, key.kind, key.ref.ExternalID)
				}
				missing++
			}
		}
		if missing > 5 {
			t.Errorf("... and %d more missing records", missing-5)
		}
		if len(res.checkpoints) == 0 {
			t.Errorf("resuming from checkpoint %d sent no checkpoint", i)
		}
	}
}

func (k *kit) checkChanges(t *testing.T, st sdk.StreamSpec) {
	up := k.s.Upstream
	if up.Add == nil || up.Update == nil {
		t.Fatalf("Suite.Upstream.Add and Update are needed to change the upstream between reads, or skip read/%s/changes with a reason", st.Name)
	}
	cursor, ok := k.lastCursor(st.Name)
	if !ok {
		t.Fatalf("no checkpoint from read/%s/full", st.Name)
	}
	ctx := k.ctx(t)
	updated, err := up.Update(ctx, st.Name)
	if err != nil {
		t.Fatalf("Upstream.Update(%s): %v", st.Name, err)
	}
	added, err := up.Add(ctx, st.Name)
	if err != nil {
		t.Fatalf("Upstream.Add(%s): %v", st.Name, err)
	}
	res := k.read(t, sdk.ReadRequest{Stream: st.Name, Mode: sdk.ModeIncremental, Cursor: cursor}, st)
	found := map[string]bool{}
	for _, r := range res.records {
		id := r.Ref().ExternalID
		if id != added && id != updated {
			if old := k.store.Get(r.Kind(), r.Ref()); old != nil && !r.Version().After(old.Version()) {
				t.Errorf("the incremental read returned unchanged %s %s (version %v): a duplicate", r.Kind(), id, r.Version())
			}
			continue
		}
		found[id] = true
		if applied, _ := k.store.Apply(r); applied != 1 {
			t.Errorf("%s came back from the incremental read without a newer version", id)
		}
	}
	for _, id := range []string{updated, added} {
		if !found[id] {
			t.Errorf("the incremental read from the last checkpoint missed %s, changed upstream after the full read", id)
		}
	}
	if res.lastCursor() == "" {
		t.Fatal("the incremental read sent no checkpoint")
	}
	k.setCursor(st.Name, res.lastCursor())
	again := k.read(t, sdk.ReadRequest{Stream: st.Name, Mode: sdk.ModeIncremental, Cursor: res.lastCursor()}, st)
	if len(again.records) > 0 {
		t.Errorf("reading again from the newest checkpoint, with nothing changed upstream, returned %d records (first %s): duplicates",
			len(again.records), again.records[0].Ref().ExternalID)
	}
	if again.lastCursor() == "" {
		t.Error("an incremental read with nothing new must still end with a checkpoint")
	}
}

func (k *kit) checkCancelRead(t *testing.T, st sdk.StreamSpec) {
	within := k.s.CancelWithin
	req := sdk.ReadRequest{Connection: k.s.Connection, Config: k.s.Config, Stream: st.Name, Mode: sdk.ModeFull}
	if k.s.Upstream.Stall != nil {
		func() {
			release := k.s.Upstream.Stall()
			defer release()
			ctx, cancel := context.WithCancel(context.Background())
			rec := &recorder{ctx: ctx}
			done := make(chan error, 1)
			go func() { done <- k.s.Plugin.Source.Read(ctx, req, rec) }()
			time.Sleep(100 * time.Millisecond)
			cancel()
			select {
			case err := <-done:
				if err == nil {
					t.Error("a Read cancelled while the upstream stalled returned no error")
				}
			case <-time.After(within):
				t.Fatalf("a Read cancelled while the upstream stalled did not return within %v", within)
			}
		}()
	}
	// Cancel from inside the first batch.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{ctx: ctx}
	var cancelledAt time.Time
	var once sync.Once
	rec.onRecord = func(int) { once.Do(func() { cancelledAt = time.Now(); cancel() }) }
	done := make(chan error, 1)
	go func() { done <- k.s.Plugin.Source.Read(ctx, req, rec) }()
	select {
	case err := <-done:
		if cancelledAt.IsZero() {
			t.Fatalf("the read ended before any record arrived: %v", err)
		}
		if el := time.Since(cancelledAt); el > within {
			t.Fatalf("Read returned %v after cancellation, want within %v", el, within)
		}
		if err == nil && rec.late.Load() > 0 {
			t.Errorf("Read ignored %d refused sends after cancellation and returned no error", rec.late.Load())
		}
	case <-time.After(k.s.CallTimeout):
		t.Fatalf("Read did not return within %v of starting, cancelled at its first batch", k.s.CallTimeout)
	}
}
