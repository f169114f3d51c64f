package customs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Version is the connector's version, reported by Describe.
const Version = "1.0.0"

// Config is a connection's configuration.
type Config struct {
	// RequireTableVersion, when set, makes every call fail unless the
	// connector's rule table has this version, so that quotes stay
	// reproducible across plugin upgrades.
	RequireTableVersion string `json:"require_table_version,omitempty"`
}

var configSchema = []byte(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Customs connection",
  "description": "Landed-cost quotes from the rule table the connector ships (no upstream account needed).",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "require_table_version": {
      "type": "string",
      "description": "Fail unless the connector's rule table has this version, so that quotes stay reproducible across plugin upgrades.",
      "examples": ["2026.03.1"]
    }
  }
}`)

// Connector is the customs connector. It is safe for concurrent use.
type Connector struct {
	table *Table
	now   func() time.Time
}

// New returns the connector with the shipped rule table.
func New() *Connector { return &Connector{table: DefaultTable, now: time.Now} }

// NewWithTable returns the connector with another table and clock (tests).
func NewWithTable(t *Table, now func() time.Time) *Connector {
	if now == nil {
		now = time.Now
	}
	return &Connector{table: t, now: now}
}

// Describe returns the manifest.
func (c *Connector) Describe(context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name:         "customs",
		Version:      Version,
		Description:  "HS code validation and itemised landed-cost quotes (duty, VAT/GST, de minimis) from a dated rule table, table " + c.table.Version + ".",
		ConfigSchema: configSchema,
	}, nil
}

func (c *Connector) config(raw json.RawMessage) (*Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(raw)) > 0 && string(bytes.TrimSpace(raw)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return nil, sdk.InvalidInput("customs: config: %v", err).WithDetail("the only setting is require_table_version")
		}
	}
	if cfg.RequireTableVersion != "" && cfg.RequireTableVersion != c.table.Version {
		return nil, sdk.Permanent(fmt.Errorf("table %s", c.table.Version), "customs: the connection requires rule table %s but this plugin ships %s", cfg.RequireTableVersion, c.table.Version).
			WithDetail("install the plugin version that ships table %s, or change require_table_version", cfg.RequireTableVersion)
	}
	return &cfg, nil
}

// Check reports the rule table's version and coverage.
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, sdk.Retryable(err, "customs: check")
	}
	if _, err := c.config(req.Config); err != nil {
		return nil, err
	}
	var regimes []string
	for _, r := range c.table.Regimes {
		regimes = append(regimes, r.ID)
	}
	return &sdk.CheckResponse{
		Message: fmt.Sprintf("rule table %s (published %s): %d HS subheadings, destinations %s", c.table.Version, c.table.Published, len(c.table.HS), strings.Join(regimes, " ")),
		Details: map[string]string{"table_version": c.table.Version, "published": c.table.Published.String()},
	}, nil
}

// LandedCost quotes duty, taxes and fees for a parcel; see Quote. A zero
// AsOf means today (UTC).
func (c *Connector) LandedCost(ctx context.Context, req sdk.LandedCostRequest) (*commerce.LandedCost, error) {
	if err := ctx.Err(); err != nil {
		return nil, sdk.Retryable(err, "customs: landed cost")
	}
	if _, err := c.config(req.Config); err != nil {
		return nil, err
	}
	return Quote(c.table, req, commerce.DateOf(c.now().UTC()))
}

// Interface guards.
var (
	_ sdk.Connector = (*Connector)(nil)
	_ sdk.Customs   = (*Connector)(nil)
)
