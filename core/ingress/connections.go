package ingress

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/jsonschema"
)

// Connection statuses.
const (
	StatusActive      = "active"
	StatusPaused      = "paused"
	StatusError       = "error"
	StatusUninstalled = "uninstalled"
)

// conn is a connection ready to use: its plugin, manifest, and decrypted
// configuration. It is cached; never mutate it.
type conn struct {
	store.Connection
	plugin   sdk.Plugin
	manifest *sdk.Manifest
	config   json.RawMessage // secrets decrypted
	// secrets are the webhook signing secrets and tokens by config
	// property: the manifest's webhook secret_field and those of its
	// alternatives; an absent one is "".
	secrets map[string]string
	// tokens are the non-empty secrets of token schemes, which a delivery
	// carries verbatim, as is and percent-encoded: the stored headers never
	// show them.
	tokens []string
	// tokenHeaders are the headers of token schemes, stored redacted.
	tokenHeaders []string
	loaded       time.Time
}

// connCache keeps ready connections for the webhook hot path and the
// workers. Entries expire after a short TTL so that changes made through
// another instance are seen.
type connCache struct {
	in  *Ingress
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*conn
}

func newConnCache(in *Ingress) *connCache {
	return &connCache{in: in, ttl: 15 * time.Second, m: map[string]*conn{}}
}

func (c *connCache) invalidate(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// get returns the connection or store.ErrNotFound.
func (c *connCache) get(ctx context.Context, id string) (*conn, error) {
	c.mu.Lock()
	cn, ok := c.m[id]
	c.mu.Unlock()
	if ok && time.Since(cn.loaded) < c.ttl {
		return cn, nil
	}
	sc, err := c.in.store.GetConnection(ctx, id)
	if err != nil {
		return nil, err
	}
	cn, err = c.in.ready(ctx, sc)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[id] = cn
	c.mu.Unlock()
	return cn, nil
}

// ready opens a stored connection: finds its plugin and decrypts its config.
func (in *Ingress) ready(ctx context.Context, sc *store.Connection) (*conn, error) {
	p, m, err := in.plugins.Plugin(ctx, sc.Connector)
	if err != nil {
		return nil, fmt.Errorf("connection %s: connector %s: %w", sc.ID, sc.Connector, err)
	}
	cfg, err := in.box.OpenFields(sc.Config, m.SecretFields)
	if err != nil {
		return nil, fmt.Errorf("connection %s: %w", sc.ID, err)
	}
	cn := &conn{Connection: *sc, plugin: p, manifest: m, config: cfg, loaded: time.Now()}
	if m.Webhook != nil {
		var obj map[string]json.RawMessage
		json.Unmarshal(cfg, &obj) //nolint:errcheck // not an object: no secrets, verification fails clearly
		cn.secrets = map[string]string{}
		for _, sc := range m.Webhook.Schemes() {
			var v string
			if raw, ok := obj[sc.SecretField]; ok {
				json.Unmarshal(raw, &v) //nolint:errcheck // not a string: "", verification fails clearly
			}
			cn.secrets[sc.SecretField] = v
			if sc.Scheme == sdk.SchemeToken && sc.SignatureHeader != "" {
				cn.tokenHeaders = append(cn.tokenHeaders, sc.SignatureHeader)
			}
			if sc.Scheme == sdk.SchemeToken && v != "" {
				for _, t := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
					if !slices.Contains(cn.tokens, t) {
						cn.tokens = append(cn.tokens, t)
					}
				}
			}
		}
	}
	return cn, nil
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// CreateRequest creates a connection.
type CreateRequest struct {
	// ID is the connection's id in URLs; default derived from the name.
	ID string `json:"id,omitempty"`
	// Connector names the plugin, e.g. "shopify".
	Connector string `json:"connector"`
	// Name is a label for people.
	Name string `json:"name"`
	// Config is the connector's configuration, as its JSON Schema describes.
	Config json.RawMessage `json:"config"`
}

// UpdateRequest changes a connection; absent fields stay as they are.
type UpdateRequest struct {
	Name *string `json:"name,omitempty"`
	// Config is merged into the stored configuration key by key; a secret
	// sent as "<redacted>" keeps its stored value.
	Config json.RawMessage `json:"config,omitempty"`
	// Status is active or paused.
	Status *string `json:"status,omitempty"`
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// validateConfig checks a configuration against the connector's schema and
// asks the plugin to check the credentials.
func (in *Ingress) validateConfig(ctx context.Context, id string, p sdk.Plugin, m *sdk.Manifest, cfg json.RawMessage) (*sdk.CheckResponse, error) {
	if len(bytes.TrimSpace(cfg)) == 0 || cfg[0] != '{' {
		return nil, api.BadRequest("config must be a JSON object; see GET /v1/connectors/%s for its schema", m.Name)
	}
	if len(m.ConfigSchema) > 0 {
		sch, err := jsonschema.Compile(m.ConfigSchema)
		if err != nil {
			return nil, fmt.Errorf("connector %s has an invalid config schema: %w", m.Name, err)
		}
		if err := sch.Validate(cfg); err != nil {
			return nil, api.BadRequest("config does not fit connector %s: %v", m.Name, err)
		}
	}
	res, err := p.Connector.Check(ctx, sdk.CheckRequest{Connection: id, Config: cfg})
	if err != nil {
		switch sdk.KindOf(err) {
		case sdk.KindAuthentication:
			return nil, api.Errorf(http.StatusUnprocessableEntity, "check_failed", "the upstream rejected the credentials: %v", err)
		case sdk.KindInvalidInput:
			return nil, api.BadRequest("config rejected by connector %s: %v", m.Name, err)
		}
		return nil, api.Errorf(http.StatusBadGateway, "upstream_unavailable", "could not check the connection against the upstream: %v", err)
	}
	return res, nil
}

// CreateConnection validates, checks and stores a new connection.
func (in *Ingress) CreateConnection(ctx context.Context, req CreateRequest) (*store.Connection, *sdk.CheckResponse, error) {
	if req.Connector == "" {
		return nil, nil, api.BadRequest("connector is required; available: %s", strings.Join(in.plugins.Connectors(), ", "))
	}
	if strings.TrimSpace(req.Name) == "" {
		return nil, nil, api.BadRequest("name is required")
	}
	if req.ID == "" {
		req.ID = slug(req.Name)
	}
	if !idRE.MatchString(req.ID) {
		return nil, nil, api.BadRequest("id %q must be 2 to 63 lowercase letters, digits or dashes, starting with a letter or digit", req.ID)
	}
	p, m, err := in.plugins.Plugin(ctx, req.Connector)
	if err != nil {
		return nil, nil, api.BadRequest("unknown connector %q (%v); available: %s", req.Connector, err, strings.Join(in.plugins.Connectors(), ", "))
	}
	if _, err := in.store.GetConnection(ctx, req.ID); err == nil {
		return nil, nil, api.Conflict("a connection %q already exists; choose another id", req.ID)
	}
	check, err := in.validateConfig(ctx, req.ID, p, m, req.Config)
	if err != nil {
		return nil, nil, err
	}
	sealed, err := in.box.SealFields(req.Config, m.SecretFields)
	if err != nil {
		return nil, nil, api.BadRequest("%v", err)
	}
	c := &store.Connection{ID: req.ID, Connector: req.Connector, Name: req.Name, Config: sealed, Status: StatusActive}
	if err := in.store.CreateConnection(ctx, c); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, nil, api.Conflict("a connection %q already exists; choose another id", req.ID)
		}
		return nil, nil, err
	}
	in.log.Info("connection created", "connection", c.ID, "connector", c.Connector)
	if in.cfg.PublicURL != "" {
		in.autoSubscribe(ctx, c, TriggerCreated)
		if fresh, err := in.store.GetConnection(ctx, c.ID); err == nil {
			c = fresh
		}
	}
	return c, check, nil
}

// UpdateConnection applies a change, re-checking a changed configuration.
func (in *Ingress) UpdateConnection(ctx context.Context, id string, req UpdateRequest) (*store.Connection, error) {
	sc, err := in.store.GetConnection(ctx, id)
	if err != nil {
		return nil, err
	}
	if req.Name != nil {
		if strings.TrimSpace(*req.Name) == "" {
			return nil, api.BadRequest("name must not be empty")
		}
		sc.Name = *req.Name
	}
	if req.Status != nil {
		if *req.Status != StatusActive && *req.Status != StatusPaused {
			return nil, api.BadRequest("status %q must be active or paused", *req.Status)
		}
		sc.Status = *req.Status
		if *req.Status == StatusActive {
			sc.LastError = ""
		}
	}
	if len(req.Config) > 0 {
		p, m, err := in.plugins.Plugin(ctx, sc.Connector)
		if err != nil {
			return nil, err
		}
		current, err := in.box.OpenFields(sc.Config, m.SecretFields)
		if err != nil {
			return nil, err
		}
		merged, err := mergeConfig(current, req.Config)
		if err != nil {
			return nil, err
		}
		if _, err := in.validateConfig(ctx, id, p, m, merged); err != nil {
			return nil, err
		}
		if sc.Config, err = in.box.SealFields(merged, m.SecretFields); err != nil {
			return nil, err
		}
	}
	if err := in.store.UpdateConnection(ctx, sc); err != nil {
		return nil, err
	}
	in.conns.invalidate(id)
	if len(req.Config) > 0 && in.cfg.PublicURL != "" && sc.Status == StatusActive {
		in.autoSubscribe(ctx, sc, TriggerConfigChanged)
		if fresh, err := in.store.GetConnection(ctx, id); err == nil {
			sc = fresh
		}
	}
	return sc, nil
}

// mergeConfig replaces top-level keys of current with those of patch; a
// value of "<redacted>" keeps the current one.
func mergeConfig(current, patch json.RawMessage) (json.RawMessage, error) {
	var cur, p map[string]json.RawMessage
	if err := json.Unmarshal(current, &cur); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, api.BadRequest("config must be a JSON object: %v", err)
	}
	for k, v := range p {
		if string(v) == `"`+secrets.Redacted+`"` {
			continue
		}
		if string(v) == "null" {
			delete(cur, k)
			continue
		}
		cur[k] = v
	}
	return json.Marshal(cur)
}

// setConnectionError records an error (or clears it with "") on a connection.
func (in *Ingress) setConnectionError(ctx context.Context, id, status, msg string) {
	sc, err := in.store.GetConnection(ctx, id)
	if err != nil {
		return
	}
	if sc.LastError == msg && (status == "" || sc.Status == status) {
		return
	}
	sc.LastError = msg
	if status != "" {
		sc.Status = status
	}
	if err := in.store.UpdateConnection(ctx, sc); err != nil {
		in.log.Warn("record connection error", "connection", id, "err", err)
	}
	in.conns.invalidate(id)
}

// redactedConfig returns a connection's config with secrets redacted.
func (in *Ingress) redactedConfig(ctx context.Context, sc *store.Connection) json.RawMessage {
	_, m, err := in.plugins.Plugin(ctx, sc.Connector)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	out, err := secrets.RedactFields(sc.Config, m.SecretFields)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return out
}
