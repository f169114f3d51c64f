// Command ingestbench measures the gateway's webhook acknowledgement path
// the way an upstream exercises it: a load generator (wrk, in another
// process) posts distinct signed 4 KB webhooks over 64 keep-alive
// connections on loopback to /webhooks/{connection}, which verifies the
// HMAC-SHA256 signature, dedupes, and appends each delivery durably (SQLite
// WAL, synchronous=FULL, group commit) before answering 200. It also
// measures the raw durable append of the same store in the same run.
//
//	go run ./e2e/ingestbench [-n 120000] [-d 10s] [-c 64]
//
// make bench-ingest runs it; wrk comes from Debian (apt-get install wrk).
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/ingress"
	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/plugins/example-go/example"
	"github.com/supplyhub/supplyhub/plugins/example-go/example/exampletest"
	"github.com/supplyhub/supplyhub/sdk"
)

const luaScript = `-- wrk script: each thread sends its own share of pre-signed requests.
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  reqs = {}
  local n = tonumber(args[2])
  local i = 0
  for line in io.lines(args[1]) do
    if i % n == tid then
      local id, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", "/webhooks/bench", {["Content-Type"] = "application/json",
        ["X-Example-Event-Id"] = id, ["X-Example-Topic"] = "orders/create", ["X-Example-Signature"] = sig}, body)
    end
    i = i + 1
  end
  k = 0
end
function request()
  k = k + 1
  if k > #reqs then k = 1 end
  return reqs[k]
end
`

func main() {
	n := flag.Int("n", 120000, "distinct signed requests to prepare (must exceed what wrk sends, or repeats count as duplicates)")
	dur := flag.Duration("d", 8*time.Second, "wrk duration")
	conns := flag.Int("c", 64, "connections")
	flag.IntVar(&commitBatch, "batch", 512, "most deliveries per group commit; 1 measures one fsync per request")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the gateway side during the wrk run to this file")
	flag.Parse()
	cpuProfile = *profile
	if err := run(*n, *dur, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "ingestbench:", err)
		os.Exit(1)
	}
}

// cpuProfile, when set, names the file for a CPU profile of the wrk run.
var cpuProfile string

// commitBatch bounds the deliveries of one group commit, in the webhook
// path and in the raw append alike.
var commitBatch int

func run(n int, dur time.Duration, conns int) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk is not installed: apt-get install wrk")
	}
	dir, err := os.MkdirTemp("", "ingestbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, store.Config{}, dir, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	up := exampletest.NewServer(exampletest.Config{})
	defer up.Close()
	box, _ := secrets.New(make([]byte, 32))
	in := ingress.New(ingress.Config{CommitBatch: commitBatch}, st, ingress.Static{"example": example.New()}, box, nil, nil)
	srv := api.New(api.Config{BodyLimit: 1 << 20}, st, nil)
	in.Register(srv)
	cfg := fmt.Sprintf(`{"base_url":%q,"api_key":%q,"webhook_secret":%q}`, up.URL, exampletest.DefaultAPIKey, exampletest.DefaultWebhookSecret)
	if _, _, err := in.CreateConnection(ctx, ingress.CreateRequest{ID: "bench", Connector: "example", Name: "Bench", Config: []byte(cfg)}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln) //nolint:errcheck
	defer hs.Close()
	go in.RunIngestOnly(ctx)

	// Distinct 4 KB bodies, each signed as the example connector declares.
	spec := sdk.WebhookSpec{Scheme: sdk.SchemeHMACSHA256, Encoding: "hex", Prefix: "sha256=", SignatureHeader: "X-Example-Signature", SecretField: "webhook_secret"}
	reqFile := filepath.Join(dir, "requests.tsv")
	f, err := os.Create(reqFile)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	pad := make([]byte, 2048)
	rand.Read(pad) //nolint:errcheck
	padding := hex.EncodeToString(pad)
	for i := range n {
		body := fmt.Sprintf(`{"id":"%d","number":"#%d","updated_at":"2026-03-02T09:00:00+01:00","created_at":"2026-03-02T09:00:00+01:00","currency":"EUR","lines":[],"note":"%s"}`, 100000+i, i, padding[:4096-140])
		fmt.Fprintf(w, "evt-%d\t%s\t%s\n", i, spec.Prefix+spec.Sign(exampletest.DefaultWebhookSecret, []byte(body)), body)
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		return err
	}
	script := filepath.Join(dir, "bench.lua")
	if err := os.WriteFile(script, []byte(luaScript), 0o644); err != nil {
		return err
	}
	fmt.Printf("webhook ingest: wrk -t2 -c%d -d%s --latency, distinct signed %d-byte bodies, SQLite WAL synchronous=FULL with group commit\n", conns, dur, 4096)
	if cpuProfile != "" {
		pf, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pf.Close()
	}
	out, err := exec.Command("wrk", "-t2", fmt.Sprintf("-c%d", conns), "-d"+dur.String(), "--latency", "-s", script,
		"http://"+ln.Addr().String()+"/webhooks/bench", "--", reqFile, "2").CombinedOutput()
	pprof.StopCPUProfile()
	fmt.Print(indent(string(out)))
	if err != nil {
		return fmt.Errorf("wrk: %w", err)
	}
	counts, err := st.InboxCounts(ctx, "bench")
	if err != nil {
		return err
	}
	fmt.Printf("stored: %d distinct deliveries\n\n", counts[store.InboxPending])
	if strings.Contains(string(out), "Non-2xx") {
		return fmt.Errorf("some deliveries were refused (see Non-2xx above)")
	}
	return rawAppend(ctx, st, conns, dur)
}

// rawAppend measures the durable append alone: conns goroutines appending
// through the same group committer for dur.
func rawAppend(ctx context.Context, st store.Store, conns int, dur time.Duration) error {
	app := ingress.NewGroupCommitter(st, commitBatch, 1)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go app.Run(cctx)
	body := make([]byte, 4096)
	var done atomic.Int64
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for g := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				if _, err := app.Append(cctx, store.InboxEvent{Connection: "raw", DedupeKey: fmt.Sprintf("%d-%d", g, i), Headers: map[string][]string{"X": {"y"}}, Body: body}); err != nil {
					firstErr.Store(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	fmt.Printf("raw durable append (same store, %d concurrent appenders, no HTTP): %.0f appends/s\n", conns, float64(done.Load())/dur.Seconds())
	return nil
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ") + "\n"
}
