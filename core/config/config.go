package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"

	"github.com/supplyhub/supplyhub/core/bus"
	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/core/ingress"
	"github.com/supplyhub/supplyhub/core/planning"
	"github.com/supplyhub/supplyhub/core/store"
)

// Config is the whole configuration of the gateway.
type Config struct {
	// Addr is the HTTP listen address.
	Addr string `yaml:"addr" env:"SUPPLYHUB_ADDR"`
	// DataDir holds the embedded store, the embedded bus and the secret key file.
	DataDir string `yaml:"data_dir" env:"SUPPLYHUB_DATA_DIR"`
	// Store selects SQLite (embedded, default) or PostgreSQL.
	Store store.Config `yaml:"store"`
	// Bus selects the embedded NATS server (default) or an external one.
	Bus bus.Config `yaml:"bus"`
	// Plugins configures the connector plugins' directory and supervision.
	Plugins host.Config `yaml:"plugins"`
	// Ingress tunes webhooks, syncs and write-back.
	Ingress ingress.Config `yaml:"ingress"`
	// Webhooks says how upstreams reach the gateway's webhook endpoint.
	Webhooks Webhooks `yaml:"webhooks"`
	// Planning tunes forecasting and recommendations in the gateway.
	Planning planning.Config `yaml:"planning"`
	// Secrets configures encryption of connector secrets at rest.
	Secrets Secrets `yaml:"secrets"`
	// HTTP configures the API server.
	HTTP HTTP `yaml:"http"`
	// Log configures logging.
	Log Log `yaml:"log"`
}

// Secrets configures the key that encrypts connector secrets (AES-256-GCM).
type Secrets struct {
	// Key is the 32-byte key, base64 encoded. When empty, KeyFile is used.
	Key string `yaml:"key" env:"SUPPLYHUB_SECRET_KEY" secret:"true"`
	// KeyFile holds the key; created with mode 0600 on first start. Default <data dir>/secret.key.
	KeyFile string `yaml:"key_file" env:"SUPPLYHUB_SECRET_KEY_FILE"`
}

// Webhooks says how upstreams reach the gateway.
type Webhooks struct {
	// PublicURL is the gateway's base URL as upstreams reach it, e.g.
	// https://gateway.example.com (a reverse proxy or tunnel in front of
	// addr). When set, the gateway registers each connection's webhook
	// subscriptions upstream at <public_url>/webhooks/<connection> on
	// creation, after a configuration change and on
	// POST /v1/connections/{id}/webhooks/subscribe. Empty: merchants
	// register webhooks by hand.
	PublicURL string `yaml:"public_url" env:"SUPPLYHUB_PUBLIC_URL"`
}

// HTTP configures the API server.
type HTTP struct {
	// BodyLimit is the largest request body accepted, in bytes; larger bodies get 413.
	BodyLimit int64 `yaml:"body_limit" env:"SUPPLYHUB_HTTP_BODY_LIMIT"`
	// ReadTimeout bounds reading a request.
	ReadTimeout time.Duration `yaml:"read_timeout" env:"SUPPLYHUB_HTTP_READ_TIMEOUT"`
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" env:"SUPPLYHUB_HTTP_SHUTDOWN_TIMEOUT"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level" env:"SUPPLYHUB_LOG_LEVEL"`
	// Format is text or json.
	Format string `yaml:"format" env:"SUPPLYHUB_LOG_FORMAT"`
}

// Default returns the documented defaults.
func Default() Config {
	return Config{
		Addr:    "127.0.0.1:8080",
		DataDir: "./data",
		Store:   store.Config{Driver: "sqlite", MaxConns: 16},
		Bus:     bus.Config{Driver: "embedded", Stream: "SUPPLYHUB", Subject: "supplyhub", MaxAge: 7 * 24 * time.Hour, AckWait: 30 * time.Second},
		Plugins: host.Config{Dir: host.DefaultDir},
		HTTP:    HTTP{BodyLimit: 4 << 20, ReadTimeout: 30 * time.Second, ShutdownTimeout: 15 * time.Second},
		Log:     Log{Level: "info", Format: "text"},
	}
}

// Load returns the defaults overridden by the YAML file at path (when not
// empty) and then by the environment (lookup is os.LookupEnv in
// production).
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	cfg := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: read %s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), lookup); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Validate checks the configuration and says what to fix.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q is not host:port (e.g. 127.0.0.1:8080): %w", c.Addr, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir is required"))
	}
	switch c.Store.Driver {
	case "sqlite":
	case "postgres":
		if c.Store.URL == "" {
			errs = append(errs, errors.New("store.url (SUPPLYHUB_STORE_URL) is required with store.driver postgres"))
		}
	default:
		errs = append(errs, fmt.Errorf("store.driver %q must be sqlite or postgres", c.Store.Driver))
	}
	switch c.Bus.Driver {
	case "embedded", "gochannel":
	case "nats":
		if c.Bus.URL == "" {
			errs = append(errs, errors.New("bus.url (SUPPLYHUB_BUS_URL) is required with bus.driver nats"))
		}
	default:
		errs = append(errs, fmt.Errorf("bus.driver %q must be embedded or nats", c.Bus.Driver))
	}
	if err := c.Planning.Recommend.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := ingress.CheckPublicURL(c.Webhooks.PublicURL); err != nil {
		errs = append(errs, fmt.Errorf("webhooks.public_url (SUPPLYHUB_PUBLIC_URL): %w", err))
	}
	if c.HTTP.BodyLimit < 1024 {
		errs = append(errs, fmt.Errorf("http.body_limit %d is too small: at least 1024 bytes", c.HTTP.BodyLimit))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q must be debug, info, warn or error", c.Log.Level))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		errs = append(errs, fmt.Errorf("log.format %q must be text or json", c.Log.Format))
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %w", errors.Join(errs...))
	}
	return nil
}

// KeyFile returns the secret key file path, defaulting into the data dir.
func (c *Config) KeyFile() string {
	if c.Secrets.KeyFile != "" {
		return c.Secrets.KeyFile
	}
	return filepath.Join(c.DataDir, "secret.key")
}

// leaf reports whether a struct type is one setting rather than a section.
func leaf(t reflect.Type) bool {
	return t == reflect.TypeOf(time.Time{}) || t == reflect.TypeOf(decimal.Decimal{})
}

func applyEnv(v reflect.Value, lookup func(string) (string, bool)) error {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if f.Type.Kind() == reflect.Struct && !leaf(f.Type) {
			if err := applyEnv(fv, lookup); err != nil {
				return err
			}
			continue
		}
		name := f.Tag.Get("env")
		if name == "" {
			continue
		}
		raw, ok := lookup(name)
		if !ok {
			continue
		}
		if err := setField(fv, raw); err != nil {
			return fmt.Errorf("config: %s=%q: %w", name, raw, err)
		}
	}
	return nil
}

func setField(v reflect.Value, raw string) error {
	switch v.Interface().(type) {
	case decimal.Decimal:
		d, err := decimal.NewFromString(raw)
		if err != nil {
			return fmt.Errorf("not a decimal number such as 0.25")
		}
		v.Set(reflect.ValueOf(d))
		return nil
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration such as 30s or 5m")
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		v.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not true or false")
		}
		v.SetBool(b)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported setting type %s", v.Type())
		}
		// a comma-separated list; empty clears it
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		v.Set(reflect.ValueOf(items).Convert(v.Type()))
	default:
		return fmt.Errorf("unsupported setting type %s", v.Kind())
	}
	return nil
}

// Print returns the configuration as YAML with secrets redacted.
func Print(c Config) ([]byte, error) {
	redacted := c
	redact(reflect.ValueOf(&redacted).Elem())
	return yaml.Marshal(redacted)
}

func redact(v reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		if f.Type.Kind() == reflect.Struct && !leaf(f.Type) {
			redact(fv)
			continue
		}
		if f.Tag.Get("secret") == "true" && fv.Kind() == reflect.String && fv.String() != "" {
			fv.SetString("<redacted>")
		}
	}
}

// Settings lists every setting as "yaml.path ENV_NAME", for documentation
// and for a test that keeps docs/configuration.md complete.
func Settings() [][2]string {
	var out [][2]string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if f.Type.Kind() == reflect.Struct && !leaf(f.Type) {
				walk(f.Type, prefix+name+".")
				continue
			}
			if env := f.Tag.Get("env"); env != "" {
				out = append(out, [2]string{prefix + name, env})
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return out
}
