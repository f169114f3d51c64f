package host

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BinaryPrefix starts the file name of every plugin binary.
const BinaryPrefix = "supplyhub-plugin-"

// LockFileName is the lock file's name inside the plugins directory.
const LockFileName = "plugins.lock"

// Binary is a plugin binary found in the plugins directory.
type Binary struct {
	// Name is the plugin's name: the file name without BinaryPrefix.
	Name string `json:"name"`
	// Path is the binary's path.
	Path string `json:"path"`
}

// Discover lists the plugin binaries in dir: regular, executable files
// named supplyhub-plugin-<name>, sorted by name. A missing directory is an
// error that says so.
func Discover(dir string) ([]Binary, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("host: plugins directory %s does not exist: build the plugins (make build) or pass --plugins-dir", dir)
		}
		return nil, fmt.Errorf("host: read plugins directory: %w", err)
	}
	var bins []Binary
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, BinaryPrefix) || len(name) == len(BinaryPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
			continue
		}
		bins = append(bins, Binary{Name: strings.TrimPrefix(name, BinaryPrefix), Path: filepath.Join(dir, name)})
	}
	sort.Slice(bins, func(i, j int) bool { return bins[i].Name < bins[j].Name })
	return bins, nil
}

// Checksum returns the hex SHA-256 of a file.
func Checksum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("host: checksum: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("host: checksum %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// LockFile pins the SHA-256 of each plugin binary by file name. It is
// written in the format of sha256sum, so "sha256sum -c plugins.lock" run in
// the plugins directory checks it too.
type LockFile map[string]string

// ReadLock reads a lock file. Blank lines and lines starting with # are
// ignored; any other line must be "<64 hex digits>  <file name>".
func ReadLock(path string) (LockFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("host: lock file %s does not exist: run \"supplyhub plugins lock --plugins-dir %s\" after installing plugins you trust", path, filepath.Dir(path))
		}
		return nil, fmt.Errorf("host: read lock file: %w", err)
	}
	return ParseLock(path, data)
}

// ParseLock parses the contents of a lock file; path names it in errors.
func ParseLock(path string, data []byte) (LockFile, error) {
	lock := LockFile{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, file, ok := strings.Cut(line, " ")
		file = strings.TrimPrefix(strings.TrimLeft(file, " "), "*")
		if b, err := hex.DecodeString(sum); !ok || err != nil || len(b) != sha256.Size || file == "" || strings.ContainsAny(file, `/\`) {
			return nil, fmt.Errorf("host: lock file %s line %d: want \"<sha256 hex>  <file name>\", got %q", path, n, line)
		}
		if _, dup := lock[file]; dup {
			return nil, fmt.Errorf("host: lock file %s line %d: %s is listed twice", path, n, file)
		}
		lock[file] = strings.ToLower(sum)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("host: read lock file %s: %w", path, err)
	}
	return lock, nil
}

// Bytes formats the lock file, sorted by file name.
func (l LockFile) Bytes() []byte {
	files := make([]string, 0, len(l))
	for f := range l {
		files = append(files, f)
	}
	sort.Strings(files)
	var b bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&b, "%s  %s\n", l[f], f)
	}
	return b.Bytes()
}

// Lock computes the checksum of every plugin binary in dir and writes them
// to lockPath (atomically), replacing what was there. It returns the lock.
func Lock(dir, lockPath string) (LockFile, error) {
	bins, err := Discover(dir)
	if err != nil {
		return nil, err
	}
	lock := LockFile{}
	for _, b := range bins {
		sum, err := Checksum(b.Path)
		if err != nil {
			return nil, err
		}
		lock[filepath.Base(b.Path)] = sum
	}
	tmp, err := os.CreateTemp(filepath.Dir(lockPath), ".plugins.lock-*")
	if err != nil {
		return nil, fmt.Errorf("host: write lock file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(lock.Bytes()); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("host: write lock file: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("host: write lock file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("host: write lock file: %w", err)
	}
	if err := os.Rename(tmp.Name(), lockPath); err != nil {
		return nil, fmt.Errorf("host: write lock file: %w", err)
	}
	return lock, nil
}

// LockStatus says how a plugin binary compares with the lock file.
type LockStatus string

// The lock statuses.
const (
	// StatusLocked: the binary's checksum matches the lock.
	StatusLocked LockStatus = "ok"
	// StatusMismatch: the binary changed since it was locked.
	StatusMismatch LockStatus = "mismatch"
	// StatusUnlocked: the binary is not in the lock file.
	StatusUnlocked LockStatus = "unlocked"
	// StatusMissing: the lock lists a binary the directory does not hold.
	StatusMissing LockStatus = "missing"
)

// Entry is one line of a verification.
type Entry struct {
	Binary
	// File is the binary's file name, as the lock file keys it.
	File string `json:"file"`
	// Status compares the binary with the lock.
	Status LockStatus `json:"status"`
	// Sum is the binary's SHA-256 (empty when missing); Locked the pinned one.
	Sum    string `json:"sha256,omitempty"`
	Locked string `json:"locked_sha256,omitempty"`
}

// Verify compares every plugin binary in dir with the lock file at
// lockPath. ok is true when every binary is locked and matches, and the
// lock lists nothing absent.
func Verify(dir, lockPath string) (entries []Entry, ok bool, err error) {
	bins, err := Discover(dir)
	if err != nil {
		return nil, false, err
	}
	lock, err := ReadLock(lockPath)
	if err != nil {
		return nil, false, err
	}
	ok = true
	seen := map[string]bool{}
	for _, b := range bins {
		file := filepath.Base(b.Path)
		seen[file] = true
		sum, err := Checksum(b.Path)
		if err != nil {
			return nil, false, err
		}
		e := Entry{Binary: b, File: file, Sum: sum, Locked: lock[file]}
		switch {
		case e.Locked == "":
			e.Status = StatusUnlocked
		case e.Locked == sum:
			e.Status = StatusLocked
		default:
			e.Status = StatusMismatch
		}
		ok = ok && e.Status == StatusLocked
		entries = append(entries, e)
	}
	var missing []string
	for file := range lock {
		if !seen[file] {
			missing = append(missing, file)
		}
	}
	sort.Strings(missing)
	for _, file := range missing {
		ok = false
		entries = append(entries, Entry{Binary: Binary{Name: strings.TrimPrefix(file, BinaryPrefix), Path: filepath.Join(dir, file)},
			File: file, Status: StatusMissing, Locked: lock[file]})
	}
	return entries, ok, nil
}
