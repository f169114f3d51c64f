package ingress

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/core/store/storetest"
)

const (
	benchConns = 64
	benchBody  = 4096
)

// signedBody returns a 4 KB JSON order body, unique per i.
func signedBody(i int) []byte {
	b := []byte(orderBody(fmt.Sprint("bench-", i), testT0, "10.00", ""))
	pad := benchBody - len(b) - 16
	b = append(b[:len(b)-1], []byte(fmt.Sprintf(`,"pad":"%s"}`, bytes.Repeat([]byte("x"), pad)))...)
	return b
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkWebhookIngest measures the acknowledgement path end to end on
// loopback: HTTP (gin), native HMAC-SHA256 verification, dedupe, and a
// durable group-committed append to SQLite (WAL, synchronous=FULL) before
// the 200; 64 keep-alive connections posting distinct signed 4 KB bodies.
// Processing (the inbox workers) is not running, as in the prototype the
// figure is compared with.
func BenchmarkWebhookIngest(b *testing.B) {
	st, err := store.Open(context.Background(), store.Config{}, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	box, _ := secrets.New(make([]byte, 32))
	in := New(Config{}, st, Static{"fake": newFakeConn()}, box, nil, nil)
	srv := api.New(api.Config{BodyLimit: 1 << 20}, st, nil)
	in.Register(srv)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go in.committer.run(ctx)
	if _, _, err := in.CreateConnection(ctx, CreateRequest{ID: "shop", Connector: "fake", Name: "Bench", Config: []byte(`{"token":"good","webhook_secret":"s3cret"}`)}); err != nil {
		b.Fatal(err)
	}
	n := b.N * 2000
	bodies := make([][]byte, n)
	sigs := make([]string, n)
	for i := range n {
		bodies[i] = signedBody(i)
		sigs[i] = fakeSpec.Sign("s3cret", bodies[i])
	}
	tr := &http.Transport{MaxIdleConnsPerHost: benchConns, MaxConnsPerHost: benchConns}
	client := &http.Client{Transport: tr}
	var next atomic.Int64
	lat := make([][]time.Duration, benchConns)
	var failures atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range benchConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req, _ := http.NewRequest("POST", hs.URL+"/webhooks/shop", bytes.NewReader(bodies[i]))
				req.Header.Set("X-Test-Hmac", sigs[i])
				req.Header.Set("X-Test-Event-Id", fmt.Sprint("evt-", i))
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != 200 {
					failures.Add(1)
				}
				if resp != nil {
					io.Copy(io.Discard, resp.Body) //nolint:errcheck // drain, so the connection is reused
					resp.Body.Close()
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if failures.Load() > 0 {
		b.Fatalf("%d deliveries failed", failures.Load())
	}
	counts, _ := st.InboxCounts(ctx, "shop")
	if counts[store.InboxPending] != int64(n) {
		b.Fatalf("%d pending events, want %d", counts[store.InboxPending], n)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "webhooks/s")
	b.ReportMetric(float64(percentile(all, 0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(all, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkDurableAppend measures the raw rate of the same durable append
// (group commit into SQLite with synchronous=FULL, or into the PostgreSQL
// at SUPPLYHUB_TEST_POSTGRES_URL) from 64 concurrent callers, without HTTP
// or verification: the ceiling of the ingest path.
func BenchmarkDurableAppend(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchAppend(b, store.Config{}) })
	b.Run("postgres", func(b *testing.B) {
		url := storetest.PostgresURL(b)
		if url == "" {
			b.Skip("set " + storetest.EnvPostgres + " to measure PostgreSQL")
		}
		benchAppend(b, store.Config{Driver: "postgres", URL: url})
	})
}

func benchAppend(b *testing.B, cfg store.Config) {
	st, err := store.Open(context.Background(), cfg, b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	c := newCommitter(st, 512, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.run(ctx)
	n := b.N * 2000
	body := signedBody(0)
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range benchConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if _, err := c.append(ctx, store.InboxEvent{Connection: "shop", DedupeKey: fmt.Sprint("e", i), Headers: map[string][]string{"X": {"y"}}, Body: body}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "appends/s")
}
