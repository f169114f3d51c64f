// Package secrets encrypts connector secrets at rest with AES-256-GCM and
// redacts them for display.
//
// A [Box] seals and opens single values ("enc:v1:" + base64 of nonce and
// ciphertext); SealFields, OpenFields and RedactFields apply it to the named
// top-level string properties of a connection's JSON configuration. The key
// comes from configuration or from a key file that LoadKey creates with mode
// 0600 on first start.
package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Prefix marks a sealed value.
const Prefix = "enc:v1:"

// Redacted replaces secrets in output.
const Redacted = "<redacted>"

// Box seals and opens values with one key.
type Box struct{ aead cipher.AEAD }

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets: key must be 32 bytes (AES-256), got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// LoadKey returns the key: encoded (base64) when not empty, otherwise the
// contents of keyFile, which is created with a random key and mode 0600 if
// it does not exist. A key file readable by others is refused.
func LoadKey(encoded, keyFile string) ([]byte, error) {
	if encoded != "" {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
		if err != nil || len(key) != 32 {
			return nil, errors.New("secrets: SUPPLYHUB_SECRET_KEY must be the base64 of 32 bytes (head -c 32 /dev/urandom | base64)")
		}
		return key, nil
	}
	if keyFile == "" {
		return nil, errors.New("secrets: no key and no key file configured")
	}
	b, err := os.ReadFile(keyFile)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
			return nil, fmt.Errorf("secrets: create %s: %w", filepath.Dir(keyFile), err)
		}
		f, err := os.OpenFile(keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("secrets: create key file: %w", err)
		}
		_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, fmt.Errorf("secrets: write key file %s: %w", keyFile, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: read key file: %w", err)
	}
	if st, err := os.Stat(keyFile); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets: key file %s has mode %v; run chmod 600 %s", keyFile, st.Mode().Perm(), keyFile)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("secrets: key file %s does not hold the base64 of 32 bytes", keyFile)
	}
	return key, nil
}

// Seal encrypts plaintext.
func (b *Box) Seal(plaintext string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return Prefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed value; values without the prefix are returned as is.
func (b *Box) Open(value string) (string, error) {
	if !strings.HasPrefix(value, Prefix) {
		return value, nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(value, Prefix))
	n := b.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", errors.New("secrets: sealed value is corrupt")
	}
	pt, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", errors.New("secrets: cannot decrypt: the secret key changed since this value was stored")
	}
	return string(pt), nil
}

// mapFields applies f to the named top-level string fields of a JSON object.
func mapFields(config json.RawMessage, fields []string, f func(string) (string, error)) (json.RawMessage, error) {
	if len(fields) == 0 {
		return config, nil
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(config))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("secrets: config is not a JSON object: %w", err)
	}
	for _, name := range fields {
		raw, ok := obj[name]
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("secrets: config field %s must be a string", name)
		}
		if s == "" {
			continue
		}
		v, err := f(s)
		if err != nil {
			return nil, fmt.Errorf("secrets: field %s: %w", name, err)
		}
		obj[name] = marshal(v)
	}
	return marshal(obj), nil
}

// marshal encodes without HTML escaping, so "<redacted>" stays readable.
func marshal(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v) //nolint:errcheck // strings and raw-message maps always encode
	return bytes.TrimRight(b.Bytes(), "\n")
}

// SealFields encrypts the named fields (already sealed values stay as they are).
func (b *Box) SealFields(config json.RawMessage, fields []string) (json.RawMessage, error) {
	return mapFields(config, fields, func(s string) (string, error) {
		if strings.HasPrefix(s, Prefix) {
			return s, nil
		}
		return b.Seal(s)
	})
}

// OpenFields decrypts the named fields.
func (b *Box) OpenFields(config json.RawMessage, fields []string) (json.RawMessage, error) {
	return mapFields(config, fields, b.Open)
}

// RedactFields replaces the named fields with Redacted.
func RedactFields(config json.RawMessage, fields []string) (json.RawMessage, error) {
	return mapFields(config, fields, func(string) (string, error) { return Redacted, nil })
}
