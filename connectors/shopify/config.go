package shopify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
)

// DefaultAPIVersion is the Admin API version the connector is built and
// tested against.
const DefaultAPIVersion = "2026-01"

// Config is a Shopify connection's configuration, as the host stores it
// (secrets decrypted). The JSON Schema users see is ConfigSchema.
type Config struct {
	// ShopDomain is the shop's permanent myshopify domain, e.g.
	// "supplyhub-demo.myshopify.com" (not a custom domain).
	ShopDomain string `json:"shop_domain"`
	// AccessToken is the Admin API access token of the app installation
	// ("shpat_…" for a custom app, "shpca_…" for a public app).
	AccessToken string `json:"access_token"`
	// ClientSecret is the app's client secret: Shopify signs webhooks with
	// it, and the host verifies X-Shopify-Hmac-Sha256 with it.
	ClientSecret string `json:"client_secret,omitempty"`
	// APIVersion is the Admin API version, YYYY-MM (default 2026-01).
	APIVersion string `json:"api_version,omitempty"`
	// BaseURL replaces https://{shop_domain} for API calls: the fake shop
	// in tests and in the demo.
	BaseURL string `json:"base_url,omitempty"`
	// OverlapSeconds is how far back before the last high-water mark an
	// incremental read starts again, to catch records Shopify's search
	// index made visible late (default 120).
	OverlapSeconds int `json:"overlap_seconds,omitempty"`
	// BulkThreshold is the number of records from which a full read uses a
	// bulk operation instead of paging (default 10000; 0 means default).
	BulkThreshold int `json:"bulk_threshold,omitempty"`
	// BulkMode is auto (by BulkThreshold), always or never.
	BulkMode string `json:"bulk_mode,omitempty"`
	// RequestTimeoutSeconds bounds each HTTP request (default 30).
	RequestTimeoutSeconds int `json:"request_timeout_seconds,omitempty"`
	// MaxRetries is how many times a failed request (5xx, timeout,
	// malformed answer, 429) is retried before the call fails (default 8).
	MaxRetries int `json:"max_retries,omitempty"`
}

var (
	shopDomainRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*\.myshopify\.com$`)
	apiVersionRE = regexp.MustCompile(`^(20[0-9]{2}-(01|04|07|10)|unstable)$`)
)

// Validate checks the configuration and fills defaults. Errors name the
// field and say what a valid value looks like.
func (c *Config) Validate() error {
	var errs []string
	c.ShopDomain = strings.ToLower(strings.TrimSpace(c.ShopDomain))
	c.ShopDomain = strings.TrimPrefix(strings.TrimPrefix(c.ShopDomain, "https://"), "http://")
	c.ShopDomain = strings.TrimSuffix(c.ShopDomain, "/")
	if !shopDomainRE.MatchString(c.ShopDomain) {
		errs = append(errs, fmt.Sprintf("shop_domain %q must be the shop's myshopify domain, such as supplyhub-demo.myshopify.com", c.ShopDomain))
	}
	if strings.TrimSpace(c.AccessToken) == "" {
		errs = append(errs, "access_token is required: the Admin API access token of the app installation (shpat_…)")
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if !apiVersionRE.MatchString(c.APIVersion) {
		errs = append(errs, fmt.Sprintf("api_version %q must be a Shopify release such as %s (YYYY-01, -04, -07 or -10)", c.APIVersion, DefaultAPIVersion))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Sprintf("base_url %q must be an absolute http(s) URL such as http://127.0.0.1:8081", c.BaseURL))
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	}
	if c.OverlapSeconds == 0 {
		c.OverlapSeconds = 120
	}
	if c.OverlapSeconds < 0 || c.OverlapSeconds > 86400 {
		errs = append(errs, fmt.Sprintf("overlap_seconds %d must be between 1 and 86400", c.OverlapSeconds))
	}
	if c.BulkThreshold == 0 {
		c.BulkThreshold = 10000
	}
	if c.BulkThreshold < 0 {
		errs = append(errs, fmt.Sprintf("bulk_threshold %d must be positive", c.BulkThreshold))
	}
	switch c.BulkMode {
	case "":
		c.BulkMode = "auto"
	case "auto", "always", "never":
	default:
		errs = append(errs, fmt.Sprintf("bulk_mode %q must be auto, always or never", c.BulkMode))
	}
	if c.RequestTimeoutSeconds == 0 {
		c.RequestTimeoutSeconds = 30
	}
	if c.RequestTimeoutSeconds < 1 || c.RequestTimeoutSeconds > 600 {
		errs = append(errs, fmt.Sprintf("request_timeout_seconds %d must be between 1 and 600", c.RequestTimeoutSeconds))
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 8
	}
	if c.MaxRetries < 0 || c.MaxRetries > 50 {
		errs = append(errs, fmt.Sprintf("max_retries %d must be between 1 and 50", c.MaxRetries))
	}
	if len(errs) > 0 {
		return sdk.InvalidInput("shopify: config: %s", strings.Join(errs, "; ")).
			WithDetail("fix the connection's configuration; see docs/connectors/shopify.md")
	}
	return nil
}

func (c *Config) overlap() time.Duration { return time.Duration(c.OverlapSeconds) * time.Second }

func (c *Config) requestTimeout() time.Duration {
	return time.Duration(c.RequestTimeoutSeconds) * time.Second
}

// baseURL is where API calls go.
func (c *Config) baseURL() string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	return "https://" + c.ShopDomain
}

// ParseConfig decodes and validates a connection configuration. Unknown
// fields are refused so that a typo does not silently fall back to a
// default.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return c, sdk.InvalidInput("shopify: config is empty").WithDetail("set shop_domain and access_token")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return c, sdk.InvalidInput("shopify: config: field %s must be a %s, not a JSON %s", te.Field, te.Type, te.Value)
		}
		return c, sdk.InvalidInput("shopify: config: %v", err).WithDetail("the configuration must be a JSON object with the fields of the connector's schema")
	}
	if dec.More() {
		return c, sdk.InvalidInput("shopify: config: trailing data after the JSON object")
	}
	return c, c.Validate()
}

// ConfigSchema is the JSON Schema (draft 2020-12) of Config, with the
// descriptions, defaults and examples users see.
const ConfigSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Shopify connection",
  "description": "Reads products, locations, stock and orders from a Shopify shop through the GraphQL Admin API, receives its webhooks, and writes stock levels and fulfilments back.",
  "type": "object",
  "additionalProperties": false,
  "required": ["shop_domain", "access_token"],
  "properties": {
    "shop_domain": {
      "type": "string",
      "description": "The shop's permanent myshopify domain (not a custom domain).",
      "pattern": "^[A-Za-z0-9][A-Za-z0-9-]*\\.myshopify\\.com$",
      "examples": ["supplyhub-demo.myshopify.com"]
    },
    "access_token": {
      "type": "string",
      "description": "Admin API access token of the app installation. Scopes needed: read_orders (and read_all_orders for orders older than 60 days), read_products, read_inventory, read_locations; write_inventory and write_merchant_managed_fulfillment_orders to write back stock and fulfilments; write_products to write product recommendations.",
      "writeOnly": true,
      "examples": ["shpat_0123456789abcdef0123456789abcdef"]
    },
    "client_secret": {
      "type": "string",
      "description": "The app's client secret. Shopify signs webhooks with it (X-Shopify-Hmac-Sha256); required to receive webhooks, including the mandatory privacy webhooks.",
      "writeOnly": true,
      "examples": ["shpss_0123456789abcdef0123456789abcdef"]
    },
    "api_version": {
      "type": "string",
      "description": "Admin API version.",
      "pattern": "^(20[0-9]{2}-(01|04|07|10)|unstable)$",
      "default": "2026-01",
      "examples": ["2026-01"]
    },
    "base_url": {
      "type": "string",
      "description": "Send API calls here instead of https://{shop_domain}: the fake shop (supplyhub fake shopify) in tests and in the demo.",
      "format": "uri",
      "examples": ["http://127.0.0.1:8081"]
    },
    "overlap_seconds": {
      "type": "integer",
      "description": "Incremental reads start this many seconds before the last high-water mark, to catch records Shopify's search index made visible late. Records already read are not sent again.",
      "minimum": 1,
      "maximum": 86400,
      "default": 120
    },
    "bulk_threshold": {
      "type": "integer",
      "description": "Full reads of at least this many orders or products run as a bulk operation (JSONL export) instead of paging.",
      "minimum": 1,
      "default": 10000
    },
    "bulk_mode": {
      "type": "string",
      "description": "auto uses bulk operations from bulk_threshold records; always and never force the choice.",
      "enum": ["auto", "always", "never"],
      "default": "auto"
    },
    "request_timeout_seconds": {
      "type": "integer",
      "description": "Deadline of each HTTP request.",
      "minimum": 1,
      "maximum": 600,
      "default": 30
    },
    "max_retries": {
      "type": "integer",
      "description": "Retries of a request that failed with a timeout, a 5xx, a malformed answer or a 429 before the call fails. Throttled GraphQL calls wait for the cost bucket and do not count.",
      "minimum": 1,
      "maximum": 50,
      "default": 8
    }
  }
}`
