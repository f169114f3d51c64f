package secrets

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := make([]byte, 32)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := b.Seal("shpat_123")
	s2, _ := b.Seal("shpat_123")
	if s1 == s2 || !strings.HasPrefix(s1, Prefix) || strings.Contains(s1, "shpat") {
		t.Fatalf("seal: %q %q", s1, s2)
	}
	if pt, err := b.Open(s1); err != nil || pt != "shpat_123" {
		t.Fatalf("open = %q, %v", pt, err)
	}
	other, _ := New(append([]byte{1}, key[1:]...))
	if _, err := other.Open(s1); err == nil || !strings.Contains(err.Error(), "key changed") {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := b.Open(Prefix + "!!!"); err == nil {
		t.Fatal("corrupt value accepted")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestFields(t *testing.T) {
	b, _ := New(make([]byte, 32))
	cfg := json.RawMessage(`{"shop_domain":"acme.myshopify.com","access_token":"shpat_1","client_secret":"","api_version":"2026-01","limit":3}`)
	sealed, err := b.SealFields(cfg, []string{"access_token", "client_secret", "missing"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "shpat_1") || !strings.Contains(string(sealed), "acme.myshopify.com") || !strings.Contains(string(sealed), `"limit":3`) {
		t.Fatalf("sealed %s", sealed)
	}
	again, _ := b.SealFields(sealed, []string{"access_token"})
	if string(again) != string(sealed) {
		t.Fatal("sealing twice changed the value")
	}
	opened, err := b.OpenFields(sealed, []string{"access_token"})
	if err != nil || !strings.Contains(string(opened), `"access_token":"shpat_1"`) {
		t.Fatalf("opened %s %v", opened, err)
	}
	red, _ := RedactFields(sealed, []string{"access_token"})
	if !strings.Contains(string(red), Redacted) || strings.Contains(string(red), Prefix) {
		t.Fatalf("redacted %s", red)
	}
	if _, err := b.SealFields(json.RawMessage(`{"access_token":5}`), []string{"access_token"}); err == nil {
		t.Fatal("non-string secret accepted")
	}
	if _, err := b.SealFields(json.RawMessage(`[1]`), []string{"x"}); err == nil {
		t.Fatal("non-object config accepted")
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "secret.key")
	k1, err := LoadKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadKey("", path)
	if err != nil || string(k1) != string(k2) {
		t.Fatal("key file not reused")
	}
	os.Chmod(path, 0o644)
	if _, err := LoadKey("", path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file: %v", err)
	}
	enc := base64.StdEncoding.EncodeToString(make([]byte, 32))
	if k, err := LoadKey(enc, ""); err != nil || len(k) != 32 {
		t.Fatal(err)
	}
	if _, err := LoadKey("bm90IDMyIGJ5dGVz", ""); err == nil {
		t.Fatal("short env key accepted")
	}
}
