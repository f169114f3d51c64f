package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-plugin"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
	"github.com/supplyhub/supplyhub/sdk/jsonschema"
)

// State is where a plugin is in its life.
type State string

// The states.
const (
	// StateStopped: not launched yet (plugins start on first use).
	StateStopped State = "stopped"
	// StateStarting: launching and handshaking.
	StateStarting State = "starting"
	// StateRunning: serving calls.
	StateRunning State = "running"
	// StateRestarting: crashed or failed to start; waiting out the backoff.
	StateRestarting State = "restarting"
	// StateUnhealthy: failed UnhealthyAfter times in a row; still
	// restarted, at the slowest pace. Someone should look at its logs.
	StateUnhealthy State = "unhealthy"
	// StateRefused: the host will not run it as it is (checksum mismatch,
	// not locked, incompatible protocol, invalid manifest); LastError says
	// what to do. It is tried again at most every RestartMax.
	StateRefused State = "refused"
	// StateClosed: the host was closed.
	StateClosed State = "closed"
)

// Health is a plugin's state as the host sees it.
type Health struct {
	Name    string `json:"name"`
	State   State  `json:"state"`
	Version string `json:"version,omitempty"`
	// PID is the running process's id, 0 when not running.
	PID int `json:"pid,omitempty"`
	// Since is when the plugin entered its state.
	Since time.Time `json:"since"`
	// Restarts counts crashes of running processes since the host started.
	Restarts int `json:"restarts"`
	// Failures counts consecutive crashes and failed starts.
	Failures int `json:"failures"`
	// LastError is the last crash or start failure.
	LastError string `json:"last_error,omitempty"`
	// NextStart is when a crashed plugin will be started again.
	NextStart time.Time `json:"next_start,omitzero"`
}

// generation is one running process of a plugin.
type generation struct {
	client   *plugin.Client
	remote   sdk.Plugin
	manifest *sdk.Manifest
	health   healthpb.HealthClient
	pid      int
	started  time.Time
	// ctx ends when the process is declared dead; calls in flight on it
	// are cancelled with it.
	ctx    context.Context
	cancel context.CancelFunc
}

// supervisor launches one plugin, watches it and restarts it.
type supervisor struct {
	h        *Host
	name     string
	path     string
	reattach *grpcplugin.Reattach
	log      *slog.Logger
	stderr   *tail

	mu        sync.Mutex
	state     State
	since     time.Time
	gen       *generation
	starting  chan struct{}
	failures  int
	restarts  int
	lastErr   error
	refused   error
	refusedAt time.Time
	nextStart time.Time
	timer     *time.Timer
	manifest  *sdk.Manifest
	plugin    sdk.Plugin
	closed    bool
}

func newSupervisor(h *Host, name, path string, r *grpcplugin.Reattach) *supervisor {
	return &supervisor{h: h, name: name, path: path, reattach: r, log: h.log.With("plugin", name),
		stderr: newTail(20), state: StateStopped, since: time.Now()}
}

// refusal marks errors that restarting cannot fix.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

func refuse(kind sdk.ErrorKind, detail, format string, args ...any) error {
	return &refusal{err: &sdk.Error{Kind: kind, Message: fmt.Sprintf(format, args...), Detail: detail}}
}

// acquire returns the running generation, launching the plugin when it is
// due to start. While a crashed plugin waits out its backoff, it returns a
// retryable error saying how long to wait.
func (s *supervisor) acquire(ctx context.Context) (*generation, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
		if g := s.gen; g != nil {
			s.mu.Unlock()
			return g, nil
		}
		if ch := s.starting; ch != nil {
			s.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("host: plugin %s: waiting for it to start: %w", s.name, ctx.Err())
			}
		}
		if s.refused != nil && time.Since(s.refusedAt) < s.h.cfg.RestartMax {
			err := s.refused
			s.mu.Unlock()
			return nil, err
		}
		if wait := time.Until(s.nextStart); wait > 0 {
			err := &sdk.Error{Kind: sdk.KindRetryable, RetryAfter: wait, Cause: s.lastErr,
				Message: fmt.Sprintf("host: plugin %s is down (%v); it restarts in %v", s.name, s.lastErr, wait.Round(time.Millisecond)),
				Detail:  "retry after the wait; the host restarts crashed plugins with backoff"}
			s.mu.Unlock()
			return nil, err
		}
		ch := make(chan struct{})
		s.starting = ch
		s.setState(StateStarting)
		s.mu.Unlock()

		g, err := s.launch()

		s.mu.Lock()
		s.starting = nil
		close(ch)
		if err == nil && s.closed {
			err = ErrClosed
			go g.client.Kill()
		}
		if err != nil {
			s.failed(err)
			s.mu.Unlock()
			return nil, s.publicError(err)
		}
		s.gen = g
		s.manifest = g.manifest
		if s.plugin.Connector == nil {
			s.plugin = s.newHandle(g.manifest)
		}
		s.refused = nil
		s.setState(StateRunning)
		s.mu.Unlock()
		s.log.Info("plugin started", "version", g.manifest.Version, "pid", g.pid, "capabilities", g.manifest.Capabilities)
		go s.watch(g)
		return g, nil
	}
}

// publicError unwraps a refusal for callers.
func (s *supervisor) publicError(err error) error {
	var r *refusal
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

func (s *supervisor) setState(st State) {
	if s.state != st {
		s.state, s.since = st, time.Now()
	}
}

// failed records a failed start or a crash (s.mu held) and schedules the
// next start.
func (s *supervisor) failed(err error) {
	s.lastErr = s.publicError(err)
	var r *refusal
	if errors.As(err, &r) {
		s.refused, s.refusedAt = r.err, time.Now()
		s.setState(StateRefused)
		s.log.Error("plugin refused", "error", r.err)
		return
	}
	if errors.Is(err, ErrClosed) {
		return
	}
	if s.reattach != nil {
		s.refused, s.refusedAt = &sdk.Error{Kind: sdk.KindRetryable,
			Message: fmt.Sprintf("host: debug plugin %s is gone: %v", s.name, err),
			Detail:  "start it again with -debug and update " + grpcplugin.ReattachEnv}, time.Now()
		s.setState(StateRefused)
		return
	}
	s.failures++
	delay := s.h.cfg.RestartMin
	for i := 1; i < s.failures && delay < s.h.cfg.RestartMax; i++ {
		delay *= 2
	}
	delay = min(delay, s.h.cfg.RestartMax)
	s.nextStart = time.Now().Add(delay)
	if s.failures >= s.h.cfg.UnhealthyAfter {
		s.setState(StateUnhealthy)
	} else {
		s.setState(StateRestarting)
	}
	s.log.Warn("plugin down; restarting with backoff", "error", err, "failures", s.failures, "restart_in", delay)
	if s.timer != nil {
		s.timer.Stop()
	}
	s.timer = time.AfterFunc(delay, func() {
		if _, err := s.acquire(context.Background()); err != nil && !errors.Is(err, ErrClosed) {
			s.log.Debug("plugin restart failed", "error", err)
		}
	})
}

// died declares g dead (once): calls in flight on it are cancelled and a
// restart is scheduled.
func (s *supervisor) died(g *generation, cause error) { s.dead(g, cause, false) }

// dead is died; hung says the process is alive but not answering, so it is
// killed at once instead of being asked to shut down.
func (s *supervisor) dead(g *generation, cause error, hung bool) {
	s.mu.Lock()
	if s.gen != g {
		s.mu.Unlock()
		return
	}
	s.gen = nil
	g.cancel()
	if time.Since(g.started) >= s.h.cfg.StableAfter {
		s.failures = 0
	}
	s.restarts++
	s.failed(fmt.Errorf("plugin process %d stopped: %w", g.pid, cause))
	s.mu.Unlock()
	if hung && g.pid > 0 && s.reattach == nil {
		if p, err := os.FindProcess(g.pid); err == nil {
			_ = p.Kill()
		}
	}
	go g.client.Kill()
}

// watch polls g's process for exit and health-checks it until it dies or
// the host closes.
func (s *supervisor) watch(g *generation) {
	exit := time.NewTicker(s.h.cfg.exitPoll)
	defer exit.Stop()
	health := time.NewTicker(s.h.cfg.HealthInterval)
	defer health.Stop()
	misses := 0
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-exit.C:
			if g.client.Exited() {
				s.died(g, errors.New("the process exited"))
				return
			}
		case <-health.C:
			ctx, cancel := context.WithTimeout(g.ctx, s.h.cfg.HealthTimeout)
			res, err := g.health.Check(ctx, &healthpb.HealthCheckRequest{Service: plugin.GRPCServiceName})
			cancel()
			if g.ctx.Err() != nil {
				return
			}
			if err == nil && res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				err = fmt.Errorf("health status %s", res.GetStatus())
			}
			if err == nil {
				misses = 0
				continue
			}
			misses++
			s.log.Warn("plugin health check failed", "error", err, "misses", misses)
			if misses >= 2 {
				s.dead(g, fmt.Errorf("two health checks failed in a row: %w", err), true)
				return
			}
		}
	}
}

// checkExited declares g dead if its process exited, and reports whether
// it is dead.
func (s *supervisor) checkExited(g *generation) bool {
	if g.ctx.Err() != nil {
		return true
	}
	if g.client.Exited() {
		s.died(g, errors.New("the process exited"))
		return true
	}
	return false
}

// minimalEnv is the part of the host's environment plugins get.
var minimalEnv = []string{"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "SUPPLYHUB_PLUGIN_LOG_LEVEL",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"}

func (s *supervisor) env() []string {
	var env []string
	for _, k := range minimalEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, s.h.cfg.Env...)
}

// launch starts a process, handshakes and describes it.
func (s *supervisor) launch() (*generation, error) {
	cfg := s.h.cfg
	logger := newHCLogAdapter(s.log, nil)
	out := func(stream string) *lineWriter {
		return &lineWriter{emit: func(line string) { s.log.Info(line, "stream", stream) }}
	}
	cc := &plugin.ClientConfig{
		HandshakeConfig:  grpcplugin.Handshake,
		VersionedPlugins: grpcplugin.VersionedPlugins(),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		StartTimeout:     cfg.StartTimeout,
		GRPCDialOptions:  grpcplugin.DialOptions(),
		Stderr:           s.stderr,
		SyncStdout:       out("stdout"),
		SyncStderr:       out("stderr"),
	}
	if s.reattach != nil {
		rc, err := s.reattach.Config()
		if err != nil {
			return nil, &refusal{err: fmt.Errorf("host: plugin %s: %w", s.name, err)}
		}
		cc.Reattach = rc
		cc.Plugins = grpcplugin.VersionedPlugins()[grpcplugin.ProtocolVersion]
		s.log.Warn("reattaching to a plugin started with -debug; its checksum is not verified", "pid", rc.Pid, "addr", rc.Addr)
	} else {
		sum, err := s.verify()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(s.path)
		cmd.Env = s.env()
		ownProcessGroup(cmd)
		cc.Cmd = cmd
		cc.SkipHostEnv = true
		cc.AutoMTLS = true
		cc.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	s.stderr.reset()
	client := plugin.NewClient(cc)
	g, err := s.handshake(client)
	if err != nil {
		client.Kill()
		return nil, err
	}
	return g, nil
}

// verify checks the binary against the lock file and returns the pinned
// checksum.
func (s *supervisor) verify() ([]byte, error) {
	cfg := s.h.cfg
	relock := fmt.Sprintf("supplyhub plugins lock --plugins-dir %s", cfg.Dir)
	lock, err := ReadLock(cfg.LockFile)
	if err != nil {
		return nil, refuse(sdk.KindPermanent, "run \""+relock+"\" after installing plugins you trust", "host: plugin %s: %v", s.name, err)
	}
	file := filepath.Base(s.path)
	want, ok := lock[file]
	if !ok {
		return nil, refuse(sdk.KindPermanent, "if you installed it on purpose, run \""+relock+"\"; otherwise remove it",
			"host: plugin binary %s is not in the lock file %s", s.path, cfg.LockFile)
	}
	got, err := Checksum(s.path)
	if err != nil {
		return nil, fmt.Errorf("host: plugin %s: %w", s.name, err)
	}
	if got != want {
		return nil, refuse(sdk.KindPermanent,
			"if you rebuilt or upgraded it on purpose, run \""+relock+"\"; otherwise it may have been tampered with: reinstall it",
			"host: refusing plugin binary %s: its SHA-256 is %s but %s pins %s", s.path, got, cfg.LockFile, want)
	}
	b, _ := hex.DecodeString(want)
	return b, nil
}

// handshake connects to a started client, dispenses and describes the
// plugin, and checks its manifest.
func (s *supervisor) handshake(client *plugin.Client) (*generation, error) {
	cfg := s.h.cfg
	rpc, err := client.Client()
	if err != nil {
		return nil, s.startError(err)
	}
	raw, err := rpc.Dispense(grpcplugin.PluginName)
	if err != nil {
		return nil, fmt.Errorf("host: plugin %s: %w", s.name, err)
	}
	clients, ok := raw.(*grpcplugin.Clients)
	if !ok {
		return nil, fmt.Errorf("host: plugin %s: dispensed %T", s.name, raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.StartTimeout)
	defer cancel()
	remote, m, err := sdk.NewRemote(ctx, s.name, clients)
	if err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, refuse(sdk.KindPermanent, "fix the connector's Describe and rebuild the plugin", "host: plugin %s: %v", s.name, err)
	}
	if m.Name != s.name {
		return nil, refuse(sdk.KindPermanent, "name the binary after the connector, or fix its manifest",
			"host: plugin binary %s%s describes itself as %q", BinaryPrefix, s.name, m.Name)
	}
	if _, err := jsonschema.Compile(m.ConfigSchema); err != nil {
		return nil, refuse(sdk.KindPermanent, "fix the connector's config schema and rebuild the plugin",
			"host: plugin %s: config schema: %v", s.name, err)
	}
	g := &generation{client: client, remote: remote, manifest: m, health: healthpb.NewHealthClient(clients.Conn), started: time.Now()}
	if rc := client.ReattachConfig(); rc != nil {
		g.pid = rc.Pid
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	return g, nil
}

// startError explains why go-plugin could not start or reach a plugin.
func (s *supervisor) startError(err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		return refuse(sdk.KindPermanent, "the binary changed between the host's check and its launch; reinstall it and run \"supplyhub plugins lock\"",
			"host: refusing plugin binary %s: checksum does not match the lock file", s.path)
	case strings.Contains(msg, "incompatible API version"):
		return refuse(sdk.KindPermanent,
			fmt.Sprintf("install a build of the plugin for protocol %d (%s), or a Supplyhub that speaks the plugin's version", grpcplugin.ProtocolVersion, grpcplugin.ProtoPackage),
			"host: plugin %s speaks another protocol version than this host (%d): %s", s.name, grpcplugin.ProtocolVersion, firstLine(msg))
	case strings.Contains(msg, "incompatible core API version"):
		return refuse(sdk.KindPermanent, "rebuild the plugin against a current SDK",
			"host: plugin %s uses an incompatible go-plugin core protocol: %s", s.name, firstLine(msg))
	case strings.Contains(msg, "Unrecognized remote plugin message"):
		detail := "check that it is a Supplyhub plugin built with sdk.Serve (or speaking the same handshake)"
		if out := s.stderr.String(); out != "" {
			detail += "; its last output: " + out
		}
		return refuse(sdk.KindPermanent, detail,
			"host: %s is not a Supplyhub plugin (it did not print the go-plugin handshake): %s", s.path, firstLine(msg))
	}
	e := &sdk.Error{Kind: sdk.KindRetryable, Message: fmt.Sprintf("host: plugin %s did not start: %s", s.name, firstLine(msg)), Cause: err}
	if out := s.stderr.String(); out != "" {
		e.Detail = "its last output: " + out
	}
	return e
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func (s *supervisor) health() Health {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := Health{Name: s.name, State: s.state, Since: s.since, Restarts: s.restarts, Failures: s.failures}
	if s.manifest != nil {
		h.Version = s.manifest.Version
	}
	if s.gen != nil {
		h.PID = s.gen.pid
	}
	if s.lastErr != nil && s.state != StateRunning {
		h.LastError = s.lastErr.Error()
	}
	if s.state == StateRestarting || s.state == StateUnhealthy {
		h.NextStart = s.nextStart
	}
	return h
}

func (s *supervisor) close() {
	s.mu.Lock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	g := s.gen
	s.gen = nil
	s.setState(StateClosed)
	s.mu.Unlock()
	if g != nil {
		g.cancel()
		g.client.Kill()
		s.log.Info("plugin stopped")
	}
}
