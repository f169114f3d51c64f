package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

// DefaultDir is the plugins directory when Config.Dir is empty: where
// "make build" puts the first-party plugins.
const DefaultDir = "./plugins/bin"

// Config configures a Host. Zero fields take the defaults in their
// comments.
type Config struct {
	// Dir is the plugins directory holding supplyhub-plugin-<name>
	// binaries; "./plugins/bin" when empty.
	Dir string `yaml:"dir" env:"SUPPLYHUB_PLUGINS_DIR"`
	// LockFile pins each binary's SHA-256; <Dir>/plugins.lock when empty.
	// A binary that is not pinned, or does not match, is refused.
	LockFile string `yaml:"lock_file" env:"SUPPLYHUB_PLUGINS_LOCK_FILE"`
	// StartTimeout bounds a plugin's launch and handshake; 30s.
	StartTimeout time.Duration `yaml:"start_timeout" env:"SUPPLYHUB_PLUGINS_START_TIMEOUT"`
	// HealthInterval is how often a running plugin is health-checked over
	// gRPC; 10s. Two failed checks in a row restart it.
	HealthInterval time.Duration `yaml:"health_interval" env:"SUPPLYHUB_PLUGINS_HEALTH_INTERVAL"`
	// HealthTimeout bounds one health check; 5s.
	HealthTimeout time.Duration `yaml:"health_timeout" env:"SUPPLYHUB_PLUGINS_HEALTH_TIMEOUT"`
	// RestartMin and RestartMax bound the backoff between restarts of a
	// crashed plugin: RestartMin after the first crash, doubling up to
	// RestartMax; 100ms and 30s.
	RestartMin time.Duration `yaml:"restart_min" env:"SUPPLYHUB_PLUGINS_RESTART_MIN"`
	RestartMax time.Duration `yaml:"restart_max" env:"SUPPLYHUB_PLUGINS_RESTART_MAX"`
	// StableAfter is how long a plugin must run before a crash counts as
	// the first again (the backoff resets); 1m.
	StableAfter time.Duration `yaml:"stable_after" env:"SUPPLYHUB_PLUGINS_STABLE_AFTER"`
	// UnhealthyAfter is how many failures in a row make a plugin reported
	// unhealthy (it is still restarted, at the slowest pace); 5.
	UnhealthyAfter int `yaml:"unhealthy_after" env:"SUPPLYHUB_PLUGINS_UNHEALTHY_AFTER"`
	// Env is extra environment for plugin processes, "KEY=value". Plugins
	// do not inherit the host's environment (it holds the gateway's
	// secrets); they get PATH, HOME, TMPDIR, LANG, LC_ALL, TZ,
	// SUPPLYHUB_PLUGIN_LOG_LEVEL, the HTTP(S)_PROXY/NO_PROXY variables and
	// SSL_CERT_FILE/SSL_CERT_DIR, plus these.
	Env []string `yaml:"env"`
	// Reattach connects to plugins started by hand with -debug instead of
	// launching them, by name; read from SUPPLYHUB_REATTACH_PLUGINS when
	// nil. Their checksums are not verified.
	Reattach map[string]grpcplugin.Reattach `yaml:"-"`

	// exitPoll is how often a running plugin's process is checked for
	// exit.
	exitPoll time.Duration
}

func (c *Config) fill() error {
	if c.Dir == "" {
		c.Dir = DefaultDir
	}
	if c.LockFile == "" {
		c.LockFile = filepath.Join(c.Dir, LockFileName)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.StartTimeout, 30*time.Second)
	def(&c.HealthInterval, 10*time.Second)
	def(&c.HealthTimeout, 5*time.Second)
	def(&c.RestartMin, 100*time.Millisecond)
	def(&c.RestartMax, 30*time.Second)
	def(&c.StableAfter, time.Minute)
	def(&c.exitPoll, 50*time.Millisecond)
	if c.UnhealthyAfter == 0 {
		c.UnhealthyAfter = 5
	}
	if c.Reattach == nil {
		r, err := grpcplugin.ParseReattach(os.Getenv(grpcplugin.ReattachEnv))
		if err != nil {
			return fmt.Errorf("host: %w", err)
		}
		c.Reattach = r
	}
	return c.Validate()
}

// Validate checks the configuration's values.
func (c Config) Validate() error {
	for name, d := range map[string]time.Duration{"start_timeout": c.StartTimeout, "health_interval": c.HealthInterval,
		"health_timeout": c.HealthTimeout, "restart_min": c.RestartMin, "restart_max": c.RestartMax, "stable_after": c.StableAfter} {
		if d < 0 {
			return fmt.Errorf("host: config %s is %v; it must not be negative", name, d)
		}
	}
	if c.RestartMin > c.RestartMax {
		return fmt.Errorf("host: config restart_min %v is above restart_max %v", c.RestartMin, c.RestartMax)
	}
	if c.UnhealthyAfter < 0 {
		return fmt.Errorf("host: config unhealthy_after is %d; it must not be negative", c.UnhealthyAfter)
	}
	for _, e := range c.Env {
		if !strings.Contains(e, "=") {
			return fmt.Errorf("host: config env entry %q must be KEY=value", e)
		}
	}
	return nil
}

// ErrClosed is returned by a Host's methods, and by calls to its plugins,
// after Close.
var ErrClosed = errors.New("host: closed")

// Host runs the plugins of one plugins directory. It is safe for
// concurrent use.
type Host struct {
	cfg  Config
	log  *slog.Logger
	sups map[string]*supervisor

	closeOnce sync.Once
}

// New discovers the plugins in cfg.Dir and returns a host that launches
// each on first use (or all at once with Start). It launches nothing
// itself. A nil logger discards.
func New(cfg Config, logger *slog.Logger) (*Host, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Host{cfg: cfg, log: logger, sups: map[string]*supervisor{}}
	bins, err := Discover(cfg.Dir)
	if err != nil && len(cfg.Reattach) == 0 {
		return nil, err
	}
	for _, b := range bins {
		h.sups[b.Name] = newSupervisor(h, b.Name, b.Path, nil)
	}
	for name, r := range cfg.Reattach {
		r := r
		h.sups[name] = newSupervisor(h, name, "", &r)
	}
	logger.Info("plugins discovered", "dir", cfg.Dir, "plugins", h.Connectors())
	return h, nil
}

// Connectors lists the plugins' names, sorted.
func (h *Host) Connectors() []string {
	names := make([]string, 0, len(h.sups))
	for n := range h.sups {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Plugin returns a plugin's capabilities and manifest, launching it if it
// is not running. The sdk.Plugin survives restarts: its calls go to
// whichever process is current, and fail as sdk.KindRetryable while the
// plugin is down. The manifest's Capabilities list what it serves.
func (h *Host) Plugin(ctx context.Context, name string) (sdk.Plugin, *sdk.Manifest, error) {
	s, ok := h.sups[name]
	if !ok {
		return sdk.Plugin{}, nil, &sdk.Error{Kind: sdk.KindPermanent,
			Message: fmt.Sprintf("host: no plugin %q in %s (found: %s)", name, h.cfg.Dir, strings.Join(h.Connectors(), ", ")),
			Detail:  fmt.Sprintf("install %s%s into the plugins directory and lock it", BinaryPrefix, name)}
	}
	if _, err := s.acquire(ctx); err != nil {
		return sdk.Plugin{}, nil, err
	}
	p, m := s.handle()
	return p, m, nil
}

// Start launches every plugin that is not running and returns the errors
// of those that failed, joined; the others run.
func (h *Host) Start(ctx context.Context) error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, name := range h.Connectors() {
		s := h.sups[name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.acquire(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Manifests returns the manifest of every plugin that has started at least
// once, by name.
func (h *Host) Manifests() map[string]*sdk.Manifest {
	out := map[string]*sdk.Manifest{}
	for name, s := range h.sups {
		if _, m := s.handle(); m != nil {
			out[name] = m
		}
	}
	return out
}

// Health reports every plugin's state, sorted by name.
func (h *Host) Health() []Health {
	out := make([]Health, 0, len(h.sups))
	for _, name := range h.Connectors() {
		out = append(out, h.sups[name].health())
	}
	return out
}

// Close stops every plugin (gracefully, then by force after 2 seconds) and
// makes further calls fail with ErrClosed.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		var wg sync.WaitGroup
		for _, s := range h.sups {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.close()
			}()
		}
		wg.Wait()
	})
	return nil
}
