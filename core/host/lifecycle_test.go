package host_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

// childHostEnv, when set to "<plugins directory>|<plugin name>", makes the
// test binary act as a gateway: it launches that plugin through a host,
// prints "plugin-pid <n>", and on SIGTERM or SIGINT closes the host and
// exits.
const childHostEnv = "SUPPLYHUB_HOST_TEST_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(childHostEnv); v != "" {
		dir, name, _ := strings.Cut(v, "|")
		os.Exit(runChildHost(dir, name))
	}
	os.Exit(m.Run())
}

func runChildHost(dir, name string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h, err := host.New(host.Config{Dir: dir, Reattach: map[string]grpcplugin.Reattach{}}, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, _, err := h.Plugin(ctx, name); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Printf("plugin-pid %d\n", health(h, name).PID)
	<-ctx.Done()
	h.Close()
	return 0
}

// startChildHost runs the test binary as a gateway of the named plugin
// (example-go or example-python) in a process group of its own and returns
// it with its plugin's pid and its log.
func startChildHost(t *testing.T, name string) (*exec.Cmd, int, *bytes.Buffer) {
	t.Helper()
	var dir string
	if name == "example-python" {
		dir = t.TempDir()
		pythonPlugin(t, dir)
		if _, err := host.Lock(dir, filepath.Join(dir, host.LockFileName)); err != nil {
			t.Fatal(err)
		}
	} else {
		dir = pluginsDir(t, map[string]string{name: examplePkg})
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), childHostEnv+"="+dir+"|"+name)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) //nolint:errcheck
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill() //nolint:errcheck
		cmd.Wait()         //nolint:errcheck
		t.Fatalf("the child host printed no plugin pid (%v); its log:\n%s", err, logs.String())
	}
	var pid int
	if _, err := fmt.Sscanf(line, "plugin-pid %d", &pid); err != nil || pid <= 0 {
		t.Fatalf("child host said %q", line)
	}
	return cmd, pid, &logs
}

// gone reports whether pid has exited: no such process, or a zombie that
// nobody has reaped yet.
func gone(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

// A signal to the gateway's whole process group (Ctrl-C in a terminal,
// SIGTERM from a process manager) must not reach the plugins: the host
// stops them itself, in order, and nothing is logged as an error.
func TestGroupSignalStopsPluginsThroughTheHost(t *testing.T) {
	cmd, pid, logs := startChildHost(t, "example-go")
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child host: %v\n%s", err, logs.String())
	}
	waitFor(t, "the plugin process to exit", 5*time.Second, func() bool { return gone(pid) })
	log := logs.String()
	if strings.Contains(log, "level=ERROR") {
		t.Errorf("a clean stop logged an error:\n%s", log)
	}
	if !strings.Contains(log, `level=INFO msg="plugin process exited"`) {
		t.Errorf("the plugin did not exit cleanly (want an INFO \"plugin process exited\"):\n%s", log)
	}
	if strings.Contains(log, "restarting") {
		t.Errorf("the host restarted a plugin while stopping:\n%s", log)
	}
}

// A gateway killed outright cannot stop its plugins; they notice that
// their parent is gone and exit rather than linger as orphans, in Go
// (sdk.Serve) and in Python (the example's supplyhub_plugin.serve).
func TestPluginExitsWhenTheHostIsKilled(t *testing.T) {
	for _, name := range []string{"example-go", "example-python"} {
		t.Run(name, func(t *testing.T) {
			cmd, pid, _ := startChildHost(t, name)
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait() //nolint:errcheck
			waitFor(t, "the orphaned plugin to exit", 10*time.Second, func() bool { return gone(pid) })
		})
	}
}
