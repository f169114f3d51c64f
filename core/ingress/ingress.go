package ingress

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
)

// Plugins gives the ingress the connectors it runs. core/host implements it
// with plugin processes; tests use [Static].
type Plugins interface {
	// Plugin returns the capabilities and manifest of a connector.
	Plugin(ctx context.Context, connector string) (sdk.Plugin, *sdk.Manifest, error)
	// Connectors lists the connectors available.
	Connectors() []string
}

// Static serves in-process connectors by name; for tests and embedding.
type Static map[string]sdk.Connector

// Plugin returns the connector's capabilities.
func (s Static) Plugin(ctx context.Context, name string) (sdk.Plugin, *sdk.Manifest, error) {
	c, ok := s[name]
	if !ok {
		return sdk.Plugin{}, nil, fmt.Errorf("ingress: no connector %q", name)
	}
	p := sdk.InProcess(c)
	m, err := c.Describe(ctx)
	if err != nil {
		return sdk.Plugin{}, nil, err
	}
	mc := *m
	mc.Capabilities = p.Capabilities()
	return p, &mc, nil
}

// Connectors lists the names.
func (s Static) Connectors() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	return out
}

// Config tunes the ingress. Zero fields take the documented defaults.
type Config struct {
	// InboxWorkers bounds concurrent webhook processing; default 8.
	InboxWorkers int `yaml:"inbox_workers" env:"SUPPLYHUB_INGRESS_INBOX_WORKERS"`
	// MaxAttempts is how often a webhook or write-back is tried before it
	// is dead-lettered; default 8.
	MaxAttempts int `yaml:"max_attempts" env:"SUPPLYHUB_INGRESS_MAX_ATTEMPTS"`
	// RetryBase and RetryMax bound the jittered exponential backoff; default 1s and 10m.
	RetryBase time.Duration `yaml:"retry_base" env:"SUPPLYHUB_INGRESS_RETRY_BASE"`
	RetryMax  time.Duration `yaml:"retry_max" env:"SUPPLYHUB_INGRESS_RETRY_MAX"`
	// SyncWorkers bounds concurrent sync jobs per instance; default 2.
	SyncWorkers int `yaml:"sync_workers" env:"SUPPLYHUB_INGRESS_SYNC_WORKERS"`
	// SyncMaxAttempts is how often a failing sync job is retried; default 5.
	SyncMaxAttempts int `yaml:"sync_max_attempts" env:"SUPPLYHUB_INGRESS_SYNC_MAX_ATTEMPTS"`
	// WritebackWorkers bounds concurrent write-back calls; default 2.
	WritebackWorkers int `yaml:"writeback_workers" env:"SUPPLYHUB_INGRESS_WRITEBACK_WORKERS"`
	// Schedule is the interval of scheduled incremental syncs per
	// connection; default 15m; negative disables them.
	Schedule time.Duration `yaml:"schedule" env:"SUPPLYHUB_INGRESS_SCHEDULE"`
	// CommitBatch bounds the deliveries of one group commit; default 512.
	CommitBatch int `yaml:"commit_batch" env:"SUPPLYHUB_INGRESS_COMMIT_BATCH"`
	// Committers is the number of concurrent group commits; default 1 on
	// SQLite (one writer) and 4 on PostgreSQL.
	Committers int `yaml:"committers" env:"SUPPLYHUB_INGRESS_COMMITTERS"`
	// Poll is how often idle workers look for work another instance
	// queued; default 200ms (local work wakes them at once).
	Poll time.Duration `yaml:"poll" env:"SUPPLYHUB_INGRESS_POLL"`
	// Lease is how long a worker holds a claimed item before another
	// instance may take it over; default 30s. Sync jobs renew theirs.
	Lease time.Duration `yaml:"lease" env:"SUPPLYHUB_INGRESS_LEASE"`
	// PublicURL is the gateway's base URL as upstreams reach it (the
	// configuration's webhooks.public_url, set by the application); empty
	// disables registering webhook subscriptions.
	PublicURL string `yaml:"-"`
}

func (c *Config) setDefaults(driver string) {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.InboxWorkers, 8)
	def(&c.MaxAttempts, 8)
	def(&c.SyncWorkers, 2)
	def(&c.SyncMaxAttempts, 5)
	def(&c.WritebackWorkers, 2)
	def(&c.CommitBatch, 512)
	if driver == "postgres" {
		def(&c.Committers, 4)
	} else {
		def(&c.Committers, 1)
	}
	defd(&c.RetryBase, time.Second)
	defd(&c.RetryMax, 10*time.Minute)
	defd(&c.Schedule, 15*time.Minute)
	defd(&c.Poll, 200*time.Millisecond)
	defd(&c.Lease, 30*time.Second)
}

// Ingress runs connections, webhooks, syncs and write-back.
type Ingress struct {
	cfg     Config
	store   store.Store
	plugins Plugins
	box     *secrets.Box
	log     *slog.Logger
	notify  func() // wakes the outbox relay after commits

	conns     *connCache
	committer *committer
	progress  *progressHub

	inboxWake, syncWake, writebackWake chan struct{}

	metrics *metrics

	mu      sync.Mutex
	running bool
}

// New returns an Ingress. notify, if not nil, is called after commits that
// wrote outbox events (the outbox relay's Notify).
func New(cfg Config, st store.Store, plugins Plugins, box *secrets.Box, logger *slog.Logger, notify func()) *Ingress {
	cfg.setDefaults(st.Driver())
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if notify == nil {
		notify = func() {}
	}
	in := &Ingress{cfg: cfg, store: st, plugins: plugins, box: box, log: logger.With("component", "ingress"), notify: notify,
		inboxWake: make(chan struct{}, 1), syncWake: make(chan struct{}, 1), writebackWake: make(chan struct{}, 1),
		progress: newProgressHub(), metrics: newMetrics()}
	in.conns = newConnCache(in)
	in.committer = newCommitter(st, cfg.CommitBatch, cfg.Committers)
	return in
}

// Collectors returns the Prometheus collectors to register.
func (in *Ingress) Collectors() []prometheus.Collector { return in.metrics.collectors() }

// Run starts the group committer and the workers and blocks until ctx is
// done; in-flight work finishes or is left to its lease.
func (in *Ingress) Run(ctx context.Context) error {
	if in.store.Driver() == "sqlite" {
		// The embedded store has one process: whatever is leased belongs
		// to a previous run that died, so it is due again at once.
		if err := in.store.ReleaseLeases(ctx); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	start := func(f func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	start(in.committer.run)
	start(in.runInbox)
	for range in.cfg.SyncWorkers {
		start(in.runSyncWorker)
	}
	start(in.runWriteback)
	start(in.subscribeAtStartup)
	if in.cfg.Schedule > 0 {
		start(in.runScheduler)
	}
	in.mu.Lock()
	in.running = true
	in.mu.Unlock()
	<-ctx.Done()
	wg.Wait()
	return nil
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// backoff returns the jittered exponential delay before attempt n+1.
func (in *Ingress) backoff(attempt int) time.Duration {
	d := in.cfg.RetryBase << min(attempt-1, 20)
	if d <= 0 || d > in.cfg.RetryMax {
		d = in.cfg.RetryMax
	}
	// Full jitter between d/2 and d.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// sleep waits for d, a wake-up, or ctx.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-wake:
	case <-t.C:
	}
}
