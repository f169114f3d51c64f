package host_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/plugins/example-go/example/exampletest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

// The example plugin passes the conformance kit as a real process behind
// the host: AutoMTLS, handshake, wire encoding and all.
func TestConformanceThroughHost(t *testing.T) {
	t.Parallel()
	dir := pluginsDir(t, map[string]string{"example-go": examplePkg})
	h := newHost(t, dir, host.Config{}, discard)
	p, m, err := h.Plugin(context.Background(), "example-go")
	if err != nil {
		t.Fatal(err)
	}
	if m.SDK != "supplyhub-go/1" || fmt.Sprint(m.Capabilities) != "[source sink webhooks]" {
		t.Fatalf("manifest = %+v", m)
	}
	up := exampletest.New(t, exampletest.Config{Orders: 150, RateLimitEvery: 11})
	conformance.Run(t, up.Suite(p))
}

// job is a sync job as the gateway runs one: records are buffered and
// committed at each checkpoint together with the cursor; a failed Read
// loses what came after the last checkpoint and resumes from it.
type job struct {
	mu        sync.Mutex
	pending   []commerce.Record
	committed map[string]int
	cursor    string
	onRecords func(n int)
	received  int
}

func (j *job) Records(rs ...commerce.Record) error {
	j.mu.Lock()
	j.pending = append(j.pending, rs...)
	j.received += len(rs)
	n := j.received
	j.mu.Unlock()
	if j.onRecords != nil {
		j.onRecords(n)
	}
	return nil
}

func (j *job) Checkpoint(cursor string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range j.pending {
		j.committed[r.Ref().ExternalID]++
	}
	j.pending, j.cursor = nil, cursor
	return nil
}

func (j *job) Progress(sdk.Progress) error { return nil }

func (j *job) abort() {
	j.mu.Lock()
	j.pending = nil
	j.mu.Unlock()
}

// Done when: a test kills a plugin process in the middle of a Read; the
// host restarts it and the job resumes from its last checkpoint with no
// record lost or repeated.
func TestKillMidReadResumesFromCheckpoint(t *testing.T) {
	t.Parallel()
	const orders = 3000
	up := exampletest.New(t, exampletest.Config{Orders: orders})
	dir := pluginsDir(t, map[string]string{"example-go": examplePkg})
	h := newHost(t, dir, host.Config{}, discard)
	p, _, err := h.Plugin(context.Background(), "example-go")
	if err != nil {
		t.Fatal(err)
	}
	firstPID := health(h, "example-go").PID
	j := &job{committed: map[string]int{}}
	var once sync.Once
	j.onRecords = func(n int) {
		// Kill the process hard once a good part of the stream has arrived,
		// between two of the connector's checkpoints.
		if n >= 1240 {
			once.Do(func() {
				if err := syscall.Kill(firstPID, syscall.SIGKILL); err != nil {
					t.Errorf("kill %d: %v", firstPID, err)
				}
			})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var failures []error
	for attempt := 1; ; attempt++ {
		err := p.Source.Read(ctx, sdk.ReadRequest{Connection: "shop", Config: up.Config(), Stream: "orders",
			Mode: sdk.ModeIncremental, Cursor: j.cursor}, j)
		if err == nil {
			break
		}
		j.abort()
		failures = append(failures, err)
		if !sdk.IsRetryable(err) || attempt > 20 {
			t.Fatalf("attempt %d: %v (kind %s)", attempt, err, sdk.KindOf(err))
		}
		time.Sleep(max(sdk.RetryAfterOf(err), 20*time.Millisecond))
	}
	if len(failures) == 0 {
		t.Fatal("the read never failed: the plugin was not killed mid-read")
	}
	var crash *sdk.Error
	if !errors.As(failures[0], &crash) || crash.Kind != sdk.KindRetryable || !strings.Contains(crash.Message, "stopped during Read") {
		t.Fatalf("the in-flight Read failed with %v, want a retryable crash error", failures[0])
	}
	if got := len(j.committed); got != orders {
		t.Fatalf("committed %d distinct orders, want %d", got, orders)
	}
	for id, n := range j.committed {
		if n != 1 {
			t.Fatalf("order %s committed %d times", id, n)
		}
	}
	hl := health(h, "example-go")
	if hl.State != host.StateRunning || hl.PID == firstPID || hl.Restarts != 1 {
		t.Fatalf("health after the crash = %+v, want running in a new process after one restart", hl)
	}
	t.Logf("killed pid %d after 1240 records; resumed in pid %d after %d failed attempt(s); first error: %v", firstPID, hl.PID, len(failures), failures[0])
}

// Done when: a tampered plugin binary is refused before it runs.
func TestTamperedBinaryIsRefusedBeforeItRuns(t *testing.T) {
	t.Parallel()
	dir := pluginsDir(t, map[string]string{"example-go": examplePkg})
	marker := filepath.Join(t.TempDir(), "ran")
	// Replace the locked binary with one that would leave a mark.
	script(t, dir, "example-go", "touch "+marker+"\nexit 0")
	h := newHost(t, dir, host.Config{}, discard)
	_, _, err := h.Plugin(context.Background(), "example-go")
	if err == nil {
		t.Fatal("a tampered binary was accepted")
	}
	if _, statErr := os.Stat(marker); !os.IsNotExist(statErr) {
		t.Fatal("the tampered binary ran")
	}
	msg := err.Error()
	for _, want := range []string{filepath.Join(dir, "supplyhub-plugin-example-go"), "SHA-256", "supplyhub plugins lock --plugins-dir " + dir} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if sdk.KindOf(err) != sdk.KindPermanent {
		t.Errorf("kind = %s, want permanent", sdk.KindOf(err))
	}
	if hl := health(h, "example-go"); hl.State != host.StateRefused || hl.LastError == "" {
		t.Errorf("health = %+v, want refused with the reason", hl)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		lock  bool
		want  []string
	}{
		{"not in the lock file", func(t *testing.T, dir string) {
			if _, err := host.Lock(dir, filepath.Join(dir, host.LockFileName)); err != nil {
				t.Fatal(err)
			}
			install(t, dir, "example-go", built(t, examplePkg))
		}, false, []string{"is not in the lock file", "supplyhub plugins lock"}},
		{"no lock file", func(t *testing.T, dir string) {
			install(t, dir, "example-go", built(t, examplePkg))
		}, false, []string{"lock file", "does not exist"}},
		{"incompatible protocol version", func(t *testing.T, dir string) {
			script(t, dir, "example-go", `echo "1|2|tcp|127.0.0.1:1|grpc"; sleep 5`)
		}, true, []string{"protocol", "Plugin version: 2"}},
		{"not a plugin", func(t *testing.T, dir string) {
			script(t, dir, "example-go", `echo "hello"; sleep 5`)
		}, true, []string{"is not a Supplyhub plugin"}},
		{"named after another connector", func(t *testing.T, dir string) {
			install(t, dir, "other", built(t, examplePkg))
		}, true, []string{`describes itself as "example-go"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tt.setup(t, dir)
			if tt.lock {
				if _, err := host.Lock(dir, filepath.Join(dir, host.LockFileName)); err != nil {
					t.Fatal(err)
				}
			}
			h := newHost(t, dir, host.Config{StartTimeout: 10 * time.Second}, discard)
			name := h.Connectors()[0]
			_, _, err := h.Plugin(context.Background(), name)
			if err == nil {
				t.Fatal("the plugin was accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if hl := health(h, name); hl.State != host.StateRefused {
				t.Errorf("state = %s, want refused", hl.State)
			}
		})
	}
}

// A plugin that crashes is restarted with growing backoff, reported
// unhealthy when it keeps crashing, and never takes the host down; its
// in-flight calls fail as retryable.
func TestCrashingPluginBacksOffAndIsReportedUnhealthy(t *testing.T) {
	t.Parallel()
	dir := pluginsDir(t, map[string]string{"bench": benchPkg})
	h := newHost(t, dir, host.Config{RestartMin: 40 * time.Millisecond, RestartMax: 2 * time.Second, UnhealthyAfter: 3}, discard)
	p, _, err := h.Plugin(context.Background(), "bench")
	if err != nil {
		t.Fatal(err)
	}
	crash := json.RawMessage(`{"mode":"crash"}`)
	var waits []time.Duration
	for i := 0; i < 3; i++ {
		waitFor(t, "the plugin to run", 10*time.Second, func() bool { return health(h, "bench").State == host.StateRunning })
		_, err := p.Connector.Check(context.Background(), sdk.CheckRequest{Config: crash})
		if sdk.KindOf(err) != sdk.KindRetryable {
			t.Fatalf("crash %d: Check = %v (kind %s), want retryable", i+1, err, sdk.KindOf(err))
		}
		hl := health(h, "bench")
		waits = append(waits, time.Until(hl.NextStart).Round(10*time.Millisecond))
		if i == 2 && hl.State != host.StateUnhealthy {
			t.Fatalf("after 3 crashes in a row the state is %s, want unhealthy", hl.State)
		}
	}
	if !(waits[0] < waits[1] && waits[1] < waits[2]) {
		t.Fatalf("restart delays %v do not grow", waits)
	}
	// While it is down, calls fail fast as retryable with a retry-after.
	_, err = p.Connector.Check(context.Background(), sdk.CheckRequest{})
	if err != nil && (sdk.KindOf(err) != sdk.KindRetryable || sdk.RetryAfterOf(err) <= 0) {
		t.Fatalf("Check while down = %v, want retryable with retry-after", err)
	}
	waitFor(t, "the restart", 10*time.Second, func() bool { return health(h, "bench").State == host.StateRunning })
	if _, err := p.Connector.Check(context.Background(), sdk.CheckRequest{}); err != nil {
		t.Fatalf("Check after the restart: %v", err)
	}
	if hl := health(h, "bench"); hl.Restarts != 3 {
		t.Fatalf("restarts = %d, want 3", hl.Restarts)
	}
}

// A hung call is cancelled by its caller; the host returns promptly.
func TestCancellationReachesThePlugin(t *testing.T) {
	t.Parallel()
	dir := pluginsDir(t, map[string]string{"bench": benchPkg})
	h := newHost(t, dir, host.Config{}, discard)
	p, _, err := h.Plugin(context.Background(), "bench")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.Connector.Check(ctx, sdk.CheckRequest{Config: json.RawMessage(`{"mode":"hang"}`)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Check = %v, want the deadline", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("Check returned %v after its deadline", el)
	}
	if _, err := p.Connector.Check(context.Background(), sdk.CheckRequest{}); err != nil {
		t.Fatalf("the plugin is unusable after a cancelled call: %v", err)
	}
}

// Plugin logs land in the host's slog logger with the plugin's name and
// their own level.
func TestPluginLogsAreRouted(t *testing.T) {
	t.Parallel()
	dir := pluginsDir(t, map[string]string{"example-go": examplePkg})
	rec := &records{}
	h := newHost(t, dir, host.Config{Env: []string{"SUPPLYHUB_PLUGIN_LOG_LEVEL=debug"}}, slog.New(rec))
	p, _, err := h.Plugin(context.Background(), "example-go")
	if err != nil {
		t.Fatal(err)
	}
	up := exampletest.New(t, exampletest.Config{Orders: 30, RateLimitEvery: 2})
	if err := p.Source.Read(context.Background(), sdk.ReadRequest{Connection: "c", Config: up.Config(), Stream: "orders"}, &job{committed: map[string]int{}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the plugin's logs", 5*time.Second, func() bool {
		_, a := rec.find("read started", "plugin", "example-go")
		_, b := rec.find("http retry", "plugin", "example-go")
		return a && b
	})
	started, _ := rec.find("read started", "plugin", "example-go")
	retry, _ := rec.find("http retry", "plugin", "example-go")
	if started.Level != slog.LevelDebug || retry.Level != slog.LevelInfo {
		t.Fatalf("levels: read started %v, http retry %v; want DEBUG and INFO", started.Level, retry.Level)
	}
	if _, ok := rec.find("http retry", "status", "429"); !ok {
		t.Fatal("the plugin's attributes were not kept")
	}
	if _, ok := rec.find("plugin started", "plugin", "example-go"); !ok {
		t.Fatal("the host did not log the start with the plugin's name")
	}
}

// A plugin started by hand with -debug is reattached instead of launched.
func TestDebugReattach(t *testing.T) {
	t.Parallel()
	bin := built(t, examplePkg)
	cmd := exec.Command(bin, "-debug")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	var env string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, grpcplugin.ReattachEnv+"=") {
			env = strings.Trim(strings.TrimPrefix(line, grpcplugin.ReattachEnv+"="), "'")
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	reattach, err := grpcplugin.ParseReattach(env)
	if err != nil || reattach["example-go"].Pid != cmd.Process.Pid {
		t.Fatalf("reattach line %q: %v", env, err)
	}
	h := newHost(t, t.TempDir(), host.Config{Reattach: reattach}, discard)
	p, m, err := h.Plugin(context.Background(), "example-go")
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "example-go" || p.Source == nil {
		t.Fatalf("manifest %+v", m)
	}
	up := exampletest.New(t, exampletest.Config{Orders: 5})
	if _, err := p.Connector.Check(context.Background(), sdk.CheckRequest{Config: up.Config()}); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownPluginAndClose(t *testing.T) {
	t.Parallel()
	dir := pluginsDir(t, map[string]string{"bench": benchPkg})
	h := newHost(t, dir, host.Config{}, discard)
	if _, _, err := h.Plugin(context.Background(), "nope"); err == nil || !strings.Contains(err.Error(), `no plugin "nope"`) || !strings.Contains(err.Error(), "bench") {
		t.Fatalf("unknown plugin: %v", err)
	}
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := h.Manifests(); m["bench"] == nil || m["bench"].Version != "1.0.0" {
		t.Fatalf("Manifests = %v", m)
	}
	p, _, _ := h.Plugin(context.Background(), "bench")
	pid := health(h, "bench").PID
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Connector.Check(context.Background(), sdk.CheckRequest{}); !errors.Is(err, host.ErrClosed) {
		t.Fatalf("Check after Close = %v, want ErrClosed", err)
	}
	waitFor(t, "the plugin process to exit", 5*time.Second, func() bool { return syscall.Kill(pid, 0) != nil })
	if hl := health(h, "bench"); hl.State != host.StateClosed {
		t.Fatalf("state after Close = %s", hl.State)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, cfg := range []host.Config{
		{Dir: dir, RestartMin: time.Minute, RestartMax: time.Second},
		{Dir: dir, HealthInterval: -time.Second},
		{Dir: dir, Env: []string{"NOEQUALS"}},
	} {
		if _, err := host.New(cfg, nil); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	if _, err := host.New(host.Config{Dir: filepath.Join(dir, "missing"), Reattach: map[string]grpcplugin.Reattach{}}, nil); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing dir: %v", err)
	}
}

// The gateway's ingress consumes plugins through this interface
// (core/ingress.Plugins); the host must keep satisfying it.
var _ interface {
	Plugin(ctx context.Context, connector string) (sdk.Plugin, *sdk.Manifest, error)
	Connectors() []string
} = (*host.Host)(nil)

// A plugin that stops answering (here: stopped with SIGSTOP) fails its
// health checks and is replaced by a new process.
func TestHungPluginIsRestarted(t *testing.T) {
	t.Parallel()
	dir := pluginsDir(t, map[string]string{"bench": benchPkg})
	h := newHost(t, dir, host.Config{HealthInterval: 100 * time.Millisecond, HealthTimeout: 100 * time.Millisecond}, discard)
	p, _, err := h.Plugin(context.Background(), "bench")
	if err != nil {
		t.Fatal(err)
	}
	pid := health(h, "bench").PID
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	waitFor(t, "a new process", 15*time.Second, func() bool {
		hl := health(h, "bench")
		return hl.State == host.StateRunning && hl.PID != pid
	})
	if _, err := p.Connector.Check(context.Background(), sdk.CheckRequest{}); err != nil {
		t.Fatalf("Check on the new process: %v", err)
	}
	if hl := health(h, "bench"); hl.Restarts != 1 {
		t.Fatalf("restarts = %d", hl.Restarts)
	}
	// The hung process was killed, not left behind.
	waitFor(t, "the hung process to be killed", 5*time.Second, func() bool { return gone(pid) })
}

// Plugins get a minimal environment: the gateway's secrets stay in the
// host process.
func TestPluginsDoNotInheritTheHostEnvironment(t *testing.T) {
	t.Setenv("SUPPLYHUB_SECRET_KEY", "host-only-secret")
	t.Setenv("HTTPS_PROXY", "http://proxy.internal:3128")
	dir := pluginsDir(t, map[string]string{"bench": benchPkg})
	h := newHost(t, dir, host.Config{Env: []string{"ACME_REGION=eu"}}, discard)
	p, _, err := h.Plugin(context.Background(), "bench")
	if err != nil {
		t.Fatal(err)
	}
	for env, want := range map[string]string{
		"SUPPLYHUB_SECRET_KEY": "SUPPLYHUB_SECRET_KEY=(unset)",
		"ACME_REGION":          "ACME_REGION=eu",
		"HTTPS_PROXY":          "HTTPS_PROXY=http://proxy.internal:3128",
	} {
		res, err := p.Connector.Check(context.Background(), sdk.CheckRequest{Config: json.RawMessage(`{"env":"` + env + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Message != want {
			t.Errorf("plugin sees %q, want %q", res.Message, want)
		}
	}
}

// EnsureWebhooks reaches the plugin through the host's handle, and the
// handle keeps working after the plugin crashes during the call and is
// restarted (a new process answers).
func TestEnsureWebhooksThroughHostSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := pluginsDir(t, map[string]string{"bench": benchPkg})
	h := newHost(t, dir, host.Config{RestartMin: 20 * time.Millisecond, RestartMax: 200 * time.Millisecond}, discard)
	p, m, err := h.Plugin(context.Background(), "bench")
	if err != nil {
		t.Fatal(err)
	}
	if p.Subscriptions == nil || !strings.Contains(fmt.Sprint(m.Capabilities), "subscriptions") {
		t.Fatalf("capabilities %v, manifest %v: want subscriptions", p.Capabilities(), m.Capabilities)
	}
	ensure := func(cfg string) (string, error) {
		res, err := p.Subscriptions.EnsureWebhooks(context.Background(), sdk.EnsureWebhooksRequest{Connection: "c1",
			Config: json.RawMessage(cfg), CallbackURL: "https://gw.example/webhooks/c1"})
		if err != nil {
			return "", err
		}
		if len(res.Results) != 1 || res.Results[0].Action != sdk.SubscriptionCreated || res.Results[0].Topic != "orders/create" {
			t.Fatalf("results = %+v", res.Results)
		}
		return res.Results[0].SubscriptionID, nil
	}
	first, err := ensure(`{}`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(first, " https://gw.example/webhooks/c1") {
		t.Fatalf("subscription id %q does not carry the callback URL", first)
	}
	if _, err := ensure(`{"mode":"crash"}`); sdk.KindOf(err) != sdk.KindRetryable {
		t.Fatalf("EnsureWebhooks in a crashing plugin = %v (kind %s), want retryable", err, sdk.KindOf(err))
	}
	waitFor(t, "the restart", 10*time.Second, func() bool { return health(h, "bench").State == host.StateRunning })
	second, err := ensure(`{}`)
	if err != nil {
		t.Fatalf("EnsureWebhooks after the restart: %v", err)
	}
	if second == first {
		t.Fatalf("the same process answered before and after the crash: %q", second)
	}
}
