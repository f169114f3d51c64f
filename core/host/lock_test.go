package host_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/core/host"
)

func TestDiscover(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script(t, dir, "b", "exit 0")
	script(t, dir, "a", "exit 0")
	if err := os.WriteFile(filepath.Join(dir, host.BinaryPrefix+"notexec"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, host.BinaryPrefix+"dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	bins, err := host.Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bins {
		names = append(names, b.Name)
	}
	if strings.Join(names, ",") != "a,b" {
		t.Fatalf("discovered %v, want [a b]", names)
	}
	if _, err := host.Discover(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("missing dir: %v", err)
	}
}

func TestLockAndVerify(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lockPath := filepath.Join(dir, host.LockFileName)
	script(t, dir, "a", "exit 0")
	script(t, dir, "b", "exit 1")
	lock, err := host.Lock(dir, lockPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(lock) != 2 {
		t.Fatalf("lock = %v", lock)
	}
	entries, ok, err := host.Verify(dir, lockPath)
	if err != nil || !ok || len(entries) != 2 {
		t.Fatalf("fresh lock: ok=%v entries=%v err=%v", ok, entries, err)
	}
	// sha256sum reads the same file.
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "--check", "--strict", host.LockFileName)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sha256sum -c: %v\n%s", err, out)
		}
	}
	script(t, dir, "a", "exit 2")                        // changed
	script(t, dir, "c", "exit 0")                        // new
	os.Remove(filepath.Join(dir, host.BinaryPrefix+"b")) // gone
	entries, ok, err = host.Verify(dir, lockPath)
	if err != nil || ok {
		t.Fatalf("after changes: ok=%v err=%v", ok, err)
	}
	got := map[string]host.LockStatus{}
	for _, e := range entries {
		got[e.Name] = e.Status
	}
	want := map[string]host.LockStatus{"a": host.StatusMismatch, "b": host.StatusMissing, "c": host.StatusUnlocked}
	for n, s := range want {
		if got[n] != s {
			t.Errorf("%s: %s, want %s", n, got[n], s)
		}
	}
}

func TestParseLock(t *testing.T) {
	t.Parallel()
	sum := strings.Repeat("ab", 32)
	tests := []struct {
		name, data, wantErr string
		files               int
	}{
		{"sha256sum format", sum + "  supplyhub-plugin-a\n", "", 1},
		{"binary marker and comments", "# pinned\n\n" + sum + " *supplyhub-plugin-a\n", "", 1},
		{"upper case", strings.ToUpper(sum) + "  supplyhub-plugin-a\n", "", 1},
		{"short sum", "abcd  supplyhub-plugin-a\n", "line 1", 0},
		{"no file", sum + "\n", "line 1", 0},
		{"path", sum + "  ../evil\n", "line 1", 0},
		{"twice", sum + "  a\n" + sum + "  a\n", "listed twice", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := host.ParseLock("plugins.lock", []byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(l) != tt.files {
				t.Fatalf("lock %v, err %v", l, err)
			}
			back, err := host.ParseLock("x", l.Bytes())
			if err != nil || len(back) != len(l) {
				t.Fatalf("round trip: %v %v", back, err)
			}
		})
	}
}

func FuzzParseLock(f *testing.F) {
	f.Add([]byte(strings.Repeat("0", 64) + "  supplyhub-plugin-x\n# c\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := host.ParseLock("fuzz", data)
		if err != nil {
			return
		}
		back, err := host.ParseLock("fuzz", l.Bytes())
		if err != nil || len(back) != len(l) {
			t.Fatalf("a parsed lock does not round-trip: %v", err)
		}
		for f, s := range l {
			if back[f] != s {
				t.Fatalf("%s: %s != %s", f, back[f], s)
			}
		}
	})
}
