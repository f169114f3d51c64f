package shopify

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

const (
	testToken  = "shpat_test_token"
	testSecret = "hush"
	testShop   = "supplyhub-demo.myshopify.com"
)

// fixtures is the shared Shopify fixture folder, from this package's
// directory (connectors/shopify) to the repository root and beside it.
const fixtures = "../../../shared/fixtures/shopify"

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if os.IsNotExist(err) {
		t.Skipf("%s/%s is absent: clone the shared fixtures beside the repository to run this test", fixtures, name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newShop starts a fake shop for a test.
func newShop(t testing.TB, opts shopifytest.Options) *shopifytest.Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = testSecret
	}
	if opts.RestoreRate == 0 {
		// tests cap the connector's sleeps; a fast bucket keeps real-time
		// refills in step (throttling tests set their own)
		opts.RestoreRate = 100_000
	}
	srv, err := shopifytest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// config returns a connection config for srv with extra fields.
func config(t testing.TB, srv *shopifytest.Server, extra map[string]any) json.RawMessage {
	t.Helper()
	m := map[string]any{"shop_domain": testShop, "access_token": testToken, "client_secret": testSecret, "base_url": srv.URL,
		"request_timeout_seconds": 5}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// memStream is a ReadStream that keeps everything.
type memStream struct {
	mu       sync.Mutex
	records  []commerce.Record
	cursors  []string
	progress []sdk.Progress
	// stopAfter, when > 0, makes Records fail once that many records were
	// received (a killed job).
	stopAfter int
}

var errStopped = sdk.Retryable(context.Canceled, "test: job killed")

func (s *memStream) Records(rs ...commerce.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopAfter > 0 && len(s.records) >= s.stopAfter {
		return errStopped
	}
	s.records = append(s.records, rs...)
	return nil
}

func (s *memStream) Checkpoint(c string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursors = append(s.cursors, c)
	return nil
}

func (s *memStream) Progress(p sdk.Progress) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress = append(s.progress, p)
	return nil
}

func (s *memStream) lastCursor() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cursors) == 0 {
		return ""
	}
	return s.cursors[len(s.cursors)-1]
}

// read runs one Read and returns what it produced.
func read(t testing.TB, c *Connector, cfg json.RawMessage, stream, mode, cursor string) (*memStream, error) {
	t.Helper()
	ms := &memStream{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := c.Read(ctx, sdk.ReadRequest{Connection: "shop-test", Config: cfg, Stream: stream, Mode: mode, Cursor: cursor}, ms)
	return ms, err
}

// fastConnector returns a connector whose retries do not sleep long.
func fastConnector() *Connector {
	c := New()
	c.retryBase, c.retryMax = time.Millisecond, 20*time.Millisecond
	c.sleep = func(ctx context.Context, d time.Duration) error {
		return sleepCtx(ctx, min(d, 20*time.Millisecond))
	}
	return c
}

func orders(rs []commerce.Record) []*commerce.Order {
	var out []*commerce.Order
	for _, r := range rs {
		if o, ok := r.(*commerce.Order); ok {
			out = append(out, o)
		}
	}
	return out
}
