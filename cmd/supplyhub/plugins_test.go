package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runPlugins runs "supplyhub plugins args..." in-process.
func runPlugins(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"plugins"}, args...))
	err := root.Execute()
	return out.String(), err
}

func writePlugin(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "supplyhub-plugin-"+name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestPluginsLockVerifyList(t *testing.T) {
	t.Setenv("SUPPLYHUB_CONFIG", "")
	dir := t.TempDir()
	writePlugin(t, dir, "alpha", "exit 0")
	writePlugin(t, dir, "beta", "exit 0")

	out, err := runPlugins(t, "list", "--plugins-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "alpha") || strings.Count(out, "unlocked") != 2 {
		t.Fatalf("list before lock:\n%s", out)
	}
	if out, err := runPlugins(t, "verify", "--plugins-dir", dir); err == nil || !strings.Contains(err.Error(), "lock file") {
		t.Fatalf("verify without a lock file: %v\n%s", err, out)
	}

	out, err = runPlugins(t, "lock", "--plugins-dir", dir)
	if err != nil || !strings.Contains(out, "wrote "+filepath.Join(dir, "plugins.lock")+" (2 plugins)") {
		t.Fatalf("lock: %v\n%s", err, out)
	}
	out, err = runPlugins(t, "verify", "--plugins-dir", dir)
	if err != nil || !strings.Contains(out, "all 2 plugins match") {
		t.Fatalf("verify after lock: %v\n%s", err, out)
	}

	writePlugin(t, dir, "beta", "echo tampered")
	writePlugin(t, dir, "gamma", "exit 0")
	out, err = runPlugins(t, "verify", "--plugins-dir", dir)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || exitCode(err) != 1 {
		t.Fatalf("verify after tampering: err %v, want exit code 1\n%s", err, out)
	}
	for _, want := range []string{"ok        supplyhub-plugin-alpha", "MISMATCH  supplyhub-plugin-beta", "UNLOCKED  supplyhub-plugin-gamma"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(err.Error(), "supplyhub plugins lock --plugins-dir "+dir) {
		t.Errorf("the error does not say what to run: %v", err)
	}

	out, err = runPlugins(t, "list", "--plugins-dir", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []pluginRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	status := map[string]string{}
	for _, r := range rows {
		status[r.Name] = string(r.Status)
	}
	if status["alpha"] != "ok" || status["beta"] != "mismatch" || status["gamma"] != "unlocked" {
		t.Fatalf("statuses %v", status)
	}
}

func TestPluginsDirFromConfig(t *testing.T) {
	dir := t.TempDir()
	writePlugin(t, dir, "fromconfig", "exit 0")
	cfg := filepath.Join(t.TempDir(), "supplyhub.yaml")
	if err := os.WriteFile(cfg, []byte("plugins:\n  dir: "+dir+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SUPPLYHUB_PLUGINS_DIR", "")
	os.Unsetenv("SUPPLYHUB_PLUGINS_DIR") // restored by t.Setenv
	out, err := runPlugins(t, "list", "--config", cfg)
	if err != nil || !strings.Contains(out, "fromconfig") {
		t.Fatalf("list --config: %v\n%s", err, out)
	}
	t.Setenv("SUPPLYHUB_CONFIG", "")
	t.Setenv("SUPPLYHUB_PLUGINS_DIR", dir)
	if out, err := runPlugins(t, "list"); err != nil || !strings.Contains(out, "fromconfig") {
		t.Fatalf("list with SUPPLYHUB_PLUGINS_DIR: %v\n%s", err, out)
	}
	t.Setenv("SUPPLYHUB_PLUGINS_DIR", filepath.Join(dir, "nope"))
	if _, err := runPlugins(t, "list"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing dir: %v", err)
	}
}

func TestPluginsListDescribe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and launches the example plugin")
	}
	t.Setenv("SUPPLYHUB_CONFIG", "")
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "supplyhub-plugin-example-go"), "../../plugins/example-go")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	writePlugin(t, dir, "broken", "echo not a plugin")
	if _, err := runPlugins(t, "lock", "--plugins-dir", dir); err != nil {
		t.Fatal(err)
	}
	out, err := runPlugins(t, "list", "--describe", "--plugins-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"example-go", "1.0.0", "source,sink,webhooks", "orders", "broken: host:", "is not a Supplyhub plugin"} {
		if !strings.Contains(out, want) {
			t.Errorf("list --describe lacks %q:\n%s", want, out)
		}
	}
}
