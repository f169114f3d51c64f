// Package app is the gateway's composition root: it opens the store and the
// bus, builds the HTTP API, starts the background workers, and shuts it
// all down in order. A test boots the whole gateway with New and Run.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/bus"
	"github.com/supplyhub/supplyhub/core/config"
	"github.com/supplyhub/supplyhub/core/dashboard"
	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/core/ingress"
	"github.com/supplyhub/supplyhub/core/planning"
	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/core/store"
)

// Options are what the caller of New supplies besides the configuration.
type Options struct {
	// Version is reported by /healthz and the OpenAPI document.
	Version string
	// Logger receives structured logs; nil builds one from cfg.Log on Stderr.
	Logger *slog.Logger
	// Stderr receives the bootstrap token notice; default os.Stderr.
	Stderr io.Writer
}

// App is a running gateway.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Store    store.Store
	Bus      *bus.Bus
	Secrets  *secrets.Box
	API      *api.Server
	Host     *host.Host
	Ingress  *ingress.Ingress
	Planning *planning.Service

	relay  *bus.Relay
	stderr io.Writer

	mu   sync.Mutex
	addr string
}

// NewLogger returns a slog logger for the log settings.
func NewLogger(cfg config.Log, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.Level)); err != nil {
		return nil, fmt.Errorf("log.level %q: %w", cfg.Level, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// New opens everything the gateway needs. Close releases it.
func New(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Logger == nil {
		l, err := NewLogger(cfg.Log, opts.Stderr)
		if err != nil {
			return nil, err
		}
		opts.Logger = l
	}
	a := &App{Config: cfg, Log: opts.Logger, stderr: opts.Stderr}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: create data directory %s: %w", cfg.DataDir, err)
	}
	key, err := secrets.LoadKey(cfg.Secrets.Key, cfg.KeyFile())
	if err != nil {
		return nil, err
	}
	if a.Secrets, err = secrets.New(key); err != nil {
		return nil, err
	}
	if a.Store, err = store.Open(ctx, cfg.Store, cfg.DataDir, a.Log); err != nil {
		return nil, err
	}
	if a.Bus, err = bus.Open(ctx, cfg.Bus, cfg.DataDir, a.Log); err != nil {
		a.Store.Close()
		return nil, err
	}
	a.relay = bus.NewRelay(a.Store, a.Bus, a.Log)
	if err := os.MkdirAll(cfg.Plugins.Dir, 0o755); err != nil {
		a.Close()
		return nil, fmt.Errorf("app: plugins directory: %w", err)
	}
	if a.Host, err = host.New(cfg.Plugins, a.Log.With("component", "host")); err != nil {
		a.Close()
		return nil, err
	}
	if len(a.Host.Connectors()) == 0 {
		a.Log.Warn("no connector plugins found: build them with make build", "dir", cfg.Plugins.Dir)
	}
	icfg := cfg.Ingress
	icfg.PublicURL = cfg.Webhooks.PublicURL
	a.Ingress = ingress.New(icfg, a.Store, a.Host, a.Secrets, a.Log, a.relay.Notify)
	a.API = api.New(api.Config{BodyLimit: cfg.HTTP.BodyLimit, Version: opts.Version}, a.Store, a.Log)
	a.API.AddReadiness("bus", a.Bus.Ping)
	a.API.AddReadiness("plugins", a.pluginsReady)
	a.API.Registry().MustRegister(a.Ingress.Collectors()...)
	a.Ingress.Register(a.API)
	a.Planning = planning.New(cfg.Planning, a.Store, a.Bus, a.Log)
	a.Planning.SetWriter(a.Ingress)
	a.Planning.SetCapabilities(a.Ingress)
	a.Planning.Register(a.API)
	a.API.Add(a.routes()...)
	dashboard.Register(a.API)
	return a, nil
}

// Addr returns the address the HTTP server listens on, once Run has
// started listening.
func (a *App) Addr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addr
}

// Run serves until ctx is done, then shuts down gracefully. ready, if not
// nil, is called with the listen address once requests can be served.
func (a *App) Run(ctx context.Context, ready func(addr string)) error {
	if err := a.bootstrapToken(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("app: listen on %s: %w (is another process using it? set --addr)", a.Config.Addr, err)
	}
	a.mu.Lock()
	a.addr = ln.Addr().String()
	a.mu.Unlock()
	srv := &http.Server{
		Handler:           a.API.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       a.Config.HTTP.ReadTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		a.relay.Run(workCtx) //nolint:errcheck // returns nil on cancel
	}()
	go func() {
		defer wg.Done()
		a.Ingress.Run(workCtx) //nolint:errcheck // returns nil on cancel
	}()
	go func() {
		defer wg.Done()
		if err := a.Planning.Run(workCtx); err != nil {
			a.Log.Error("planning stopped", "err", err)
		}
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	a.Log.Info("supplyhub is serving", "addr", "http://"+a.addr, "store", a.Store.Driver(), "bus", a.Bus.Driver(), "data_dir", a.Config.DataDir)
	if ready != nil {
		ready(a.addr)
	}
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			runErr = fmt.Errorf("app: serve: %w", err)
		}
	}
	a.Log.Info("shutting down", "timeout", a.Config.HTTP.ShutdownTimeout)
	shCtx, cancel := context.WithTimeout(context.Background(), a.Config.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shCtx); err != nil {
		a.Log.Warn("http shutdown", "err", err)
	}
	stopWork()
	wg.Wait()
	return runErr
}

// bootstrapToken issues an admin token when none exists, so that a fresh
// gateway can be used at once; the secret is printed once to stderr.
func (a *App) bootstrapToken(ctx context.Context) error {
	toks, err := a.Store.ListTokens(ctx)
	if err != nil {
		return err
	}
	if len(toks) > 0 {
		return nil
	}
	plain, _, err := api.IssueToken(ctx, a.Store, "bootstrap", []string{string(api.ScopeAdmin)})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "\n%s\n  No API tokens existed, so an admin token was created. It is shown only once:\n\n    %s\n\n  Use it as \"Authorization: Bearer <token>\"; create others with: supplyhub tokens create --scope read\n%s\n\n",
		strings.Repeat("─", 78), plain, strings.Repeat("─", 78))
	return nil
}

// Close stops the plugins and releases the bus and the store.
func (a *App) Close() error {
	var errs []error
	if a.Host != nil {
		errs = append(errs, a.Host.Close())
	}
	if a.Bus != nil {
		errs = append(errs, a.Bus.Close())
	}
	if a.Store != nil {
		errs = append(errs, a.Store.Close())
	}
	return errors.Join(errs...)
}
