package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

var (
	odooBuildOnce sync.Once
	odooBuildDir  string
	odooBuildErr  error
)

// odooGatewayBuild builds the supplyhub binary with the Shopify and Odoo
// plugins (locked) once per test run, into a fixed directory under the
// temporary directory so that reruns only relink (one per checkout, so that
// two worktrees testing at once do not overwrite each other's binaries and
// lock file), and returns the binary and the plugins directory.
func odooGatewayBuild(t *testing.T) (bin, pluginsDir string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the gateway binary and two plugins; skipped with -short")
	}
	odooBuildOnce.Do(func() {
		root, err := filepath.Abs("..")
		if odooBuildErr = err; err != nil {
			return
		}
		h := fnv.New32a()
		h.Write([]byte(root))
		odooBuildDir = filepath.Join(os.TempDir(), fmt.Sprintf("supplyhub-e2e-odoo-%d-%08x", os.Getuid(), h.Sum32()))
		plugins := filepath.Join(odooBuildDir, "plugins")
		if odooBuildErr = os.MkdirAll(plugins, 0o755); odooBuildErr != nil {
			return
		}
		gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i, b := range [][2]string{
			{filepath.Join(odooBuildDir, "supplyhub"), "./cmd/supplyhub"},
			{filepath.Join(plugins, host.BinaryPrefix+"shopify"), "./plugins/shopify"},
			{filepath.Join(plugins, host.BinaryPrefix+"odoo"), "./plugins/odoo"},
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(gobin, "build", "-o", b[0], b[1])
				cmd.Dir = ".."
				if out, err := cmd.CombinedOutput(); err != nil {
					errs[i] = fmt.Errorf("go build %s: %v\n%s", b[1], err, out)
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				odooBuildErr = err
				return
			}
		}
		_, odooBuildErr = host.Lock(plugins, filepath.Join(plugins, host.LockFileName))
	})
	if odooBuildErr != nil {
		t.Fatal(odooBuildErr)
	}
	return filepath.Join(odooBuildDir, "supplyhub"), filepath.Join(odooBuildDir, "plugins")
}

// odooPlugin builds plugins/odoo into a locked plugins directory, starts a
// host over it and launches the plugin process.
func odooPlugin(t testing.TB) sdk.Plugin {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and launches the Odoo plugin process; skipped in -short mode")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, host.BinaryPrefix+"odoo")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "./plugins/odoo")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./plugins/odoo: %v\n%s", err, out)
	}
	if _, err := host.Lock(dir, filepath.Join(dir, host.LockFileName)); err != nil {
		t.Fatal(err)
	}
	h, err := host.New(host.Config{Dir: dir, Reattach: map[string]grpcplugin.Reattach{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, m, err := h.Plugin(ctx, "odoo")
	if err != nil {
		t.Fatalf("launch the odoo plugin: %v", err)
	}
	if m.Name != "odoo" || p.Source == nil || p.Sink == nil || p.Webhooks != nil {
		t.Fatalf("plugin %s offers %v", m.Name, p.Capabilities())
	}
	return p
}

// syncAndWait starts a sync of a connection and waits until it ends.
func syncAndWait(t *testing.T, addr, token, connection string, req map[string]any, timeout time.Duration) map[string]any {
	t.Helper()
	var job struct {
		ID string `json:"id"`
	}
	if code := apiCall(t, addr, token, "POST", "/v1/connections/"+connection+"/syncs", req, &job); code != 202 {
		t.Fatalf("start a sync of %s: %d", connection, code)
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var j map[string]any
		apiCall(t, addr, token, "GET", "/v1/syncs/"+job.ID, nil, &j)
		switch j["state"] {
		case "succeeded":
			return j
		case "failed", "cancelled":
			t.Fatalf("sync %s of %s %s: %v", job.ID, connection, j["state"], j["error"])
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("sync %s of %s did not end within %v", job.ID, connection, timeout)
	return nil
}

// listRecords pages through a record collection and decodes each item.
func listRecords(t *testing.T, addr, token, collection string, kind commerce.Kind, query url.Values) []commerce.Record {
	t.Helper()
	var out []commerce.Record
	query.Set("limit", "1000")
	for {
		var page struct {
			Items      []map[string]json.RawMessage `json:"items"`
			NextCursor *string                      `json:"next_cursor"`
		}
		if code := apiCall(t, addr, token, "GET", "/v1/"+collection+"?"+query.Encode(), nil, &page); code != 200 {
			t.Fatalf("list %s: %d", collection, code)
		}
		for _, item := range page.Items {
			delete(item, "id")
			delete(item, "ingested_at")
			b, _ := json.Marshal(item)
			rec, err := commerce.Decode(kind, b)
			if err != nil {
				t.Fatalf("decode a %s from the API: %v", kind, err)
			}
			out = append(out, rec)
		}
		if page.NextCursor == nil {
			return out
		}
		query.Set("cursor", *page.NextCursor)
	}
}

// enqueue queues a write-back and reports whether the gateway had it
// already.
func enqueue(t *testing.T, addr, token, connection, action, key string, rec commerce.Record) bool {
	t.Helper()
	var ack struct {
		ID        string `json:"id"`
		Duplicate bool   `json:"duplicate"`
	}
	body := map[string]any{"action": action, "idempotency_key": key, "kind": rec.Kind(), "record": rec}
	code := apiCall(t, addr, token, "POST", "/v1/connections/"+connection+"/writebacks", body, &ack)
	if code != 202 {
		b, _ := json.Marshal(rec)
		t.Fatalf("enqueue %s %s: %d (%s)", action, key, code, bytes.TrimSpace(b)[:min(200, len(b))])
	}
	return ack.Duplicate
}

type writeback struct {
	ID             string `json:"id"`
	IdempotencyKey string `json:"idempotency_key"`
	Action         string `json:"action"`
	Status         string `json:"status"`
	Attempts       int    `json:"attempts"`
	LastError      string `json:"last_error"`
	ExternalID     string `json:"external_id"`
}

// allWritebacks lists every write-back of a connection.
func allWritebacks(t *testing.T, addr, token, connection string) []writeback {
	t.Helper()
	var all []writeback
	path := "/v1/writebacks?limit=1000&connection=" + connection
	for {
		var page struct {
			Items      []writeback `json:"items"`
			NextCursor *string     `json:"next_cursor"`
		}
		if code := apiCall(t, addr, token, "GET", path, nil, &page); code != 200 {
			t.Fatalf("list write-backs: %d", code)
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		path = "/v1/writebacks?limit=1000&connection=" + connection + "&cursor=" + *page.NextCursor
	}
}

// waitWritebacks waits until want write-backs of the connection have
// succeeded; a dead-lettered one fails the test with its error.
func waitWritebacks(t *testing.T, addr, token, connection string, want int, timeout time.Duration) []writeback {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var ws []writeback
	for time.Now().Before(deadline) {
		ws = allWritebacks(t, addr, token, connection)
		done := 0
		for _, w := range ws {
			switch w.Status {
			case "succeeded":
				done++
			case "dead":
				t.Fatalf("write-back %s (%s %s) dead after %d attempts: %s", w.ID, w.Action, w.IdempotencyKey, w.Attempts, w.LastError)
			}
		}
		if done >= want && done == len(ws) {
			return ws
		}
		time.Sleep(200 * time.Millisecond)
	}
	counts := map[string]int{}
	for _, w := range ws {
		counts[w.Status]++
	}
	t.Fatalf("write-backs of %s not done after %v: want %d succeeded, have %v", connection, timeout, want, counts)
	return nil
}

// forConnection returns a copy of an order addressed to another
// connection: the gateway takes a record for a write-back only when its
// source connection is empty or the target's, so the channel's order keeps
// its external id (the channel's order id) and drops the channel
// connection.
func forConnection(o *commerce.Order) *commerce.Order {
	c := *o
	c.Source.Connection = ""
	return &c
}

func orderKey(o *commerce.Order) string {
	return o.Source.Connection + "/" + o.Source.ExternalID + "@" + o.UpdatedAt.UTC().Format(time.RFC3339Nano)
}

// refunded returns the shop-money total of an order's refunds.
func refunded(o *commerce.Order) commerce.Money {
	sum := commerce.Zero(o.Currency)
	for _, r := range o.Refunds {
		s, err := sum.Add(r.Amount.Shop)
		if err == nil {
			sum = s
		}
	}
	return sum
}

// tagValue returns the value of a "name:value" tag.
func tagValue(tags []string, name string) string {
	for _, tg := range tags {
		if v, ok := strings.CutPrefix(tg, name+":"); ok {
			return v
		}
	}
	return ""
}
