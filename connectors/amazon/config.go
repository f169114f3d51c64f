package amazon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
)

// Orders API versions.
const (
	// OrdersAPI2026 is the Orders API 2026-01-01 (searchOrders, camelCase),
	// the version Amazon's models point to; the default.
	OrdersAPI2026 = "2026-01-01"
	// OrdersAPIV0 is the deprecated Orders API v0 (getOrders and
	// getOrderItems, PascalCase), for accounts not yet moved.
	OrdersAPIV0 = "v0"
)

// Report modes.
const (
	ReportsAuto   = "auto"
	ReportsAlways = "always"
	ReportsNever  = "never"
)

// Config is an Amazon connection's configuration as the host stores it
// (secrets decrypted). The JSON Schema users see is ConfigSchema.
type Config struct {
	// LWAClientID is the app's Login with Amazon client id
	// ("amzn1.application-oa2-client.…").
	LWAClientID string `json:"lwa_client_id"`
	// LWAClientSecret is the app's LWA client secret.
	LWAClientSecret string `json:"lwa_client_secret"`
	// RefreshToken is the selling partner's LWA refresh token ("Atzr|…"),
	// issued when the seller authorised the app.
	RefreshToken string `json:"refresh_token"`
	// SellerID is the selling partner id (merchant token), e.g.
	// "A2FIXTURESELLER"; the Listings Items API needs it.
	SellerID string `json:"seller_id"`
	// Region is the SP-API region: na, eu or fe.
	Region string `json:"region"`
	// MarketplaceIDs are the marketplaces to read and write, all in Region.
	MarketplaceIDs []string `json:"marketplace_ids"`
	// Endpoint replaces the region's SP-API endpoint: the fake in tests.
	Endpoint string `json:"endpoint,omitempty"`
	// LWAEndpoint replaces https://api.amazon.com/auth/o2/token.
	LWAEndpoint string `json:"lwa_endpoint,omitempty"`
	// OrdersAPI is 2026-01-01 (default) or v0.
	OrdersAPI string `json:"orders_api,omitempty"`
	// BackfillDays is how far back a full read of orders starts (default
	// 730, the Orders API's limit).
	BackfillDays int `json:"backfill_days,omitempty"`
	// OverlapSeconds is how far before the last high-water mark an
	// incremental read starts again (default 300).
	OverlapSeconds int `json:"overlap_seconds,omitempty"`
	// ReportsMode says when full reads go through the Reports API: auto
	// (orders backfills longer than ReportThresholdDays), always, never.
	ReportsMode string `json:"reports_mode,omitempty"`
	// ReportThresholdDays is the backfill length from which auto uses
	// reports (default 30).
	ReportThresholdDays int `json:"report_threshold_days,omitempty"`
	// ReportWindowDays is the span of one orders report (default 30).
	ReportWindowDays int `json:"report_window_days,omitempty"`
	// PageSize is the number of orders per page (1 to 100, default 100).
	PageSize int `json:"page_size,omitempty"`
	// RequestTimeoutSeconds bounds each HTTP attempt (default 30).
	RequestTimeoutSeconds int `json:"request_timeout_seconds,omitempty"`
	// MaxRetries is how many times a failed request is retried (default 8).
	MaxRetries int `json:"max_retries,omitempty"`
	// RelaySecret is the shared secret the gateway checks on notifications
	// relayed to its webhook path (X-Supplyhub-Relay-Token).
	RelaySecret string `json:"relay_secret,omitempty"`
	// SQSQueueURL is the SQS queue Amazon delivers notifications to.
	SQSQueueURL string `json:"sqs_queue_url,omitempty"`
	// SQSRegion is the queue's AWS region (default: from the queue URL).
	SQSRegion string `json:"sqs_region,omitempty"`
	// SQSAccessKeyID, SQSSecretAccessKey and SQSSessionToken are AWS
	// credentials allowed to receive and delete messages of the queue.
	SQSAccessKeyID     string `json:"sqs_access_key_id,omitempty"`
	SQSSecretAccessKey string `json:"sqs_secret_access_key,omitempty"`
	SQSSessionToken    string `json:"sqs_session_token,omitempty"`
	// SQSEndpoint replaces the queue's host for API calls: the fake.
	SQSEndpoint string `json:"sqs_endpoint,omitempty"`
	// SQSPoll starts the SQS poller inside the plugin for this connection.
	SQSPoll bool `json:"sqs_poll,omitempty"`
	// GatewayWebhookURL is where the poller posts each notification: the
	// gateway's /webhooks/<connection> URL.
	GatewayWebhookURL string `json:"gateway_webhook_url,omitempty"`
	// SQSWaitSeconds is the long-polling wait of ReceiveMessage (1 to 20, default 20).
	SQSWaitSeconds int `json:"sqs_wait_seconds,omitempty"`
	// SQSVisibilityTimeoutSeconds hides a received message from other
	// receivers while it is relayed (default 120).
	SQSVisibilityTimeoutSeconds int `json:"sqs_visibility_timeout_seconds,omitempty"`
}

// DefaultLWAEndpoint is Login with Amazon's token endpoint.
const DefaultLWAEndpoint = "https://api.amazon.com/auth/o2/token"

var (
	sellerRE      = regexp.MustCompile(`^[A-Z0-9]{8,20}$`)
	marketplaceRE = regexp.MustCompile(`^[A-Z0-9]{9,20}$`)
	queueURLRE    = regexp.MustCompile(`^https?://(sqs\.([a-z0-9-]+)\.amazonaws\.com|[^/]+)/[0-9]{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?$`)
)

// Validate checks the configuration and fills defaults. Errors name the
// field and say what a valid value looks like.
func (c *Config) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !strings.HasPrefix(c.LWAClientID, "amzn1.application-oa2-client.") {
		bad("lwa_client_id %q must be the app's LWA client id (amzn1.application-oa2-client.…)", c.LWAClientID)
	}
	if strings.TrimSpace(c.LWAClientSecret) == "" {
		bad("lwa_client_secret is required: the app's LWA client secret")
	}
	if !strings.HasPrefix(c.RefreshToken, "Atzr|") {
		bad("refresh_token must be the seller's LWA refresh token (Atzr|…)")
	}
	if !sellerRE.MatchString(c.SellerID) {
		bad("seller_id %q must be the selling partner id (merchant token), such as A2FIXTURESELLER", c.SellerID)
	}
	c.Region = strings.ToLower(strings.TrimSpace(c.Region))
	if _, ok := regionEndpoints[c.Region]; !ok {
		bad("region %q must be na, eu or fe", c.Region)
	}
	if len(c.MarketplaceIDs) == 0 {
		bad("marketplace_ids is required: at least one marketplace id, such as A1PA6795UKMFR9 (Germany)")
	}
	seen := map[string]bool{}
	for i, id := range c.MarketplaceIDs {
		m, ok := marketplaceByID[id]
		switch {
		case !marketplaceRE.MatchString(id):
			bad("marketplace_ids[%d] %q is not a marketplace id", i, id)
		case seen[id]:
			bad("marketplace_ids[%d] %q is listed twice", i, id)
		case ok && c.Region != "" && m.Region != c.Region:
			bad("marketplace_ids[%d] %s (%s) belongs to region %s, not %s: one connection per region", i, id, m.Name, m.Region, c.Region)
		case !ok:
			bad("marketplace_ids[%d] %q is not a marketplace the connector knows (see docs/connectors/amazon.md)", i, id)
		}
		seen[id] = true
	}
	for _, u := range []struct{ field, v string }{{"endpoint", c.Endpoint}, {"lwa_endpoint", c.LWAEndpoint}, {"sqs_endpoint", c.SQSEndpoint}, {"gateway_webhook_url", c.GatewayWebhookURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("%s %q must be an absolute http(s) URL", u.field, u.v)
		}
	}
	c.Endpoint = strings.TrimSuffix(c.Endpoint, "/")
	c.SQSEndpoint = strings.TrimSuffix(c.SQSEndpoint, "/")
	if c.LWAEndpoint == "" {
		c.LWAEndpoint = DefaultLWAEndpoint
	}
	switch c.OrdersAPI {
	case "":
		c.OrdersAPI = OrdersAPI2026
	case OrdersAPI2026, OrdersAPIV0:
	default:
		bad("orders_api %q must be %s or %s", c.OrdersAPI, OrdersAPI2026, OrdersAPIV0)
	}
	defInt(&c.BackfillDays, 730)
	if c.BackfillDays < 1 || c.BackfillDays > 3650 {
		bad("backfill_days %d must be between 1 and 3650", c.BackfillDays)
	}
	defInt(&c.OverlapSeconds, 300)
	if c.OverlapSeconds < 1 || c.OverlapSeconds > 86400 {
		bad("overlap_seconds %d must be between 1 and 86400", c.OverlapSeconds)
	}
	switch c.ReportsMode {
	case "":
		c.ReportsMode = ReportsAuto
	case ReportsAuto, ReportsAlways, ReportsNever:
	default:
		bad("reports_mode %q must be auto, always or never", c.ReportsMode)
	}
	defInt(&c.ReportThresholdDays, 30)
	if c.ReportThresholdDays < 1 {
		bad("report_threshold_days %d must be positive", c.ReportThresholdDays)
	}
	defInt(&c.ReportWindowDays, 30)
	if c.ReportWindowDays < 1 || c.ReportWindowDays > 30 {
		bad("report_window_days %d must be between 1 and 30 (Amazon's longest orders report)", c.ReportWindowDays)
	}
	defInt(&c.PageSize, 100)
	if c.PageSize < 1 || c.PageSize > 100 {
		bad("page_size %d must be between 1 and 100", c.PageSize)
	}
	defInt(&c.RequestTimeoutSeconds, 30)
	if c.RequestTimeoutSeconds < 1 || c.RequestTimeoutSeconds > 600 {
		bad("request_timeout_seconds %d must be between 1 and 600", c.RequestTimeoutSeconds)
	}
	defInt(&c.MaxRetries, 8)
	if c.MaxRetries < 1 || c.MaxRetries > 50 {
		bad("max_retries %d must be between 1 and 50", c.MaxRetries)
	}
	defInt(&c.SQSWaitSeconds, 20)
	if c.SQSWaitSeconds < 1 || c.SQSWaitSeconds > 20 {
		bad("sqs_wait_seconds %d must be between 1 and 20 (SQS long polling)", c.SQSWaitSeconds)
	}
	defInt(&c.SQSVisibilityTimeoutSeconds, 120)
	if c.SQSVisibilityTimeoutSeconds < 5 || c.SQSVisibilityTimeoutSeconds > 43200 {
		bad("sqs_visibility_timeout_seconds %d must be between 5 and 43200", c.SQSVisibilityTimeoutSeconds)
	}
	if c.SQSQueueURL != "" {
		m := queueURLRE.FindStringSubmatch(c.SQSQueueURL)
		if m == nil {
			bad("sqs_queue_url %q must be an SQS queue URL such as https://sqs.eu-west-1.amazonaws.com/123456789012/sp-notifications", c.SQSQueueURL)
		} else if c.SQSRegion == "" {
			c.SQSRegion = m[2]
		}
		if c.SQSRegion == "" {
			bad("sqs_region is required when sqs_queue_url does not name the region")
		}
		if c.SQSAccessKeyID == "" || c.SQSSecretAccessKey == "" {
			bad("sqs_access_key_id and sqs_secret_access_key are required with sqs_queue_url")
		}
	}
	if c.SQSPoll {
		if c.SQSQueueURL == "" {
			bad("sqs_poll needs sqs_queue_url")
		}
		if c.GatewayWebhookURL == "" {
			bad("sqs_poll needs gateway_webhook_url: the gateway's /webhooks/<connection> URL")
		}
		if c.RelaySecret == "" {
			bad("sqs_poll needs relay_secret: the gateway checks it on every relayed notification")
		}
	}
	if len(errs) > 0 {
		return sdk.InvalidInput("amazon: config: %s", strings.Join(errs, "; ")).
			WithDetail("fix the connection's configuration; see docs/connectors/amazon.md")
	}
	return nil
}

func defInt(p *int, v int) {
	if *p == 0 {
		*p = v
	}
}

func (c *Config) overlap() time.Duration { return time.Duration(c.OverlapSeconds) * time.Second }

func (c *Config) requestTimeout() time.Duration {
	return time.Duration(c.RequestTimeoutSeconds) * time.Second
}

// baseURL is where SP-API calls go.
func (c *Config) baseURL() string {
	if c.Endpoint != "" {
		return c.Endpoint
	}
	return regionEndpoints[c.Region]
}

// marketplaces returns the configured marketplaces.
func (c *Config) marketplaces() []Marketplace {
	out := make([]Marketplace, 0, len(c.MarketplaceIDs))
	for _, id := range c.MarketplaceIDs {
		out = append(out, marketplaceByID[id])
	}
	return out
}

func (c *Config) hasMarketplace(id string) bool { return slices.Contains(c.MarketplaceIDs, id) }

// ParseConfig decodes and validates a connection configuration. Unknown
// fields are refused so that a typo does not silently fall back to a
// default.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return c, sdk.InvalidInput("amazon: config is empty").WithDetail("set lwa_client_id, lwa_client_secret, refresh_token, seller_id, region and marketplace_ids")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return c, sdk.InvalidInput("amazon: config: field %s must be a %s, not a JSON %s", te.Field, te.Type, te.Value)
		}
		return c, sdk.InvalidInput("amazon: config: %v", err).WithDetail("the configuration must be a JSON object with the fields of the connector's schema")
	}
	if dec.More() {
		return c, sdk.InvalidInput("amazon: config: trailing data after the JSON object")
	}
	return c, c.Validate()
}

// ConfigSchema is the JSON Schema (draft 2020-12) of Config, with the
// descriptions, defaults and examples users see.
const ConfigSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Amazon Selling Partner API connection",
  "description": "Reads orders and FBA inventory from Amazon's Selling Partner API (with Reports API backfills), receives its notifications through SQS, and writes merchant-fulfilled stock and shipment confirmations back.",
  "type": "object",
  "additionalProperties": false,
  "required": ["lwa_client_id", "lwa_client_secret", "refresh_token", "seller_id", "region", "marketplace_ids"],
  "properties": {
    "lwa_client_id": {
      "type": "string",
      "description": "The app's Login with Amazon client id (Developer Central, LWA credentials).",
      "pattern": "^amzn1\\.application-oa2-client\\.",
      "examples": ["amzn1.application-oa2-client.0123456789abcdef0123456789abcdef"]
    },
    "lwa_client_secret": {
      "type": "string",
      "description": "The app's LWA client secret. Amazon rotates it every 180 days; update it here when it changes.",
      "writeOnly": true
    },
    "refresh_token": {
      "type": "string",
      "description": "The seller's LWA refresh token (Atzr|…), issued when the seller authorised the app. Roles needed: Inventory and Order Tracking, Amazon Fulfillment, Product Listing; Direct-to-Consumer Shipping to confirm shipments.",
      "pattern": "^Atzr\\|",
      "writeOnly": true
    },
    "seller_id": {
      "type": "string",
      "description": "The selling partner id (merchant token) of the seller, as given with the authorisation (selling_partner_id).",
      "pattern": "^[A-Z0-9]{8,20}$",
      "examples": ["A2FIXTURESELLER"]
    },
    "region": {
      "type": "string",
      "description": "The SP-API region of the marketplaces: na (North America), eu (Europe, Middle East, India) or fe (Far East).",
      "enum": ["na", "eu", "fe"]
    },
    "marketplace_ids": {
      "type": "array",
      "description": "Marketplaces to read and write, all in the region. Every money value keeps its marketplace and currency.",
      "items": {"type": "string", "pattern": "^[A-Z0-9]{9,20}$"},
      "minItems": 1,
      "uniqueItems": true,
      "examples": [["A1PA6795UKMFR9", "A1F83G8C2ARO7P"]]
    },
    "endpoint": {
      "type": "string",
      "description": "Send SP-API calls here instead of the region's endpoint: the fake (supplyhub fake amazon) in tests and the demo.",
      "format": "uri",
      "examples": ["http://127.0.0.1:8082"]
    },
    "lwa_endpoint": {
      "type": "string",
      "description": "Login with Amazon token endpoint.",
      "format": "uri",
      "default": "https://api.amazon.com/auth/o2/token"
    },
    "orders_api": {
      "type": "string",
      "description": "Orders API version: 2026-01-01 (searchOrders, items included) or the deprecated v0 (getOrders, then getOrderItems per order).",
      "enum": ["2026-01-01", "v0"],
      "default": "2026-01-01"
    },
    "backfill_days": {
      "type": "integer",
      "description": "How many days back a full read of orders starts. Amazon keeps two years of orders (longer in JP, AU, SG).",
      "minimum": 1,
      "maximum": 3650,
      "default": 730
    },
    "overlap_seconds": {
      "type": "integer",
      "description": "Incremental reads start this many seconds before the last high-water mark, to catch orders Amazon made visible late. Records already read are not sent again.",
      "minimum": 1,
      "maximum": 86400,
      "default": 300
    },
    "reports_mode": {
      "type": "string",
      "description": "When full reads go through the Reports API (create, poll, download, decompress): auto for orders backfills longer than report_threshold_days, always (orders and inventory), never.",
      "enum": ["auto", "always", "never"],
      "default": "auto"
    },
    "report_threshold_days": {
      "type": "integer",
      "description": "With reports_mode auto, orders backfills spanning more days than this use reports.",
      "minimum": 1,
      "default": 30
    },
    "report_window_days": {
      "type": "integer",
      "description": "Days covered by one orders report; a backfill requests one report per window.",
      "minimum": 1,
      "maximum": 30,
      "default": 30
    },
    "page_size": {
      "type": "integer",
      "description": "Orders per page of searchOrders or getOrders.",
      "minimum": 1,
      "maximum": 100,
      "default": 100
    },
    "request_timeout_seconds": {
      "type": "integer",
      "description": "Deadline of each HTTP attempt.",
      "minimum": 1,
      "maximum": 600,
      "default": 30
    },
    "max_retries": {
      "type": "integer",
      "description": "Retries of a request that failed with a timeout, a 5xx or a 429 before the call fails. Waits for the per-operation quota do not count.",
      "minimum": 1,
      "maximum": 50,
      "default": 8
    },
    "relay_secret": {
      "type": "string",
      "description": "Shared secret of this connection's notification relay: the SQS poller (in the plugin or supplyhub-plugin-amazon relay) or an EventBridge API destination sends it in X-Supplyhub-Relay-Token, and the gateway refuses deliveries without it. Use 32 random bytes or more.",
      "minLength": 16,
      "writeOnly": true
    },
    "sqs_queue_url": {
      "type": "string",
      "description": "The SQS queue the seller's notification subscriptions (ORDER_CHANGE, FBA_INVENTORY_AVAILABILITY_CHANGES, ANY_OFFER_CHANGED) deliver to.",
      "examples": ["https://sqs.eu-west-1.amazonaws.com/123456789012/sp-notifications"]
    },
    "sqs_region": {
      "type": "string",
      "description": "The queue's AWS region; taken from sqs_queue_url when it names one.",
      "examples": ["eu-west-1"]
    },
    "sqs_access_key_id": {
      "type": "string",
      "description": "AWS access key id allowed sqs:ReceiveMessage and sqs:DeleteMessage on the queue."
    },
    "sqs_secret_access_key": {
      "type": "string",
      "description": "The AWS secret access key of sqs_access_key_id.",
      "writeOnly": true
    },
    "sqs_session_token": {
      "type": "string",
      "description": "AWS session token, for temporary credentials.",
      "writeOnly": true
    },
    "sqs_endpoint": {
      "type": "string",
      "description": "Send SQS calls here instead of the queue URL's host: the fake in tests.",
      "format": "uri"
    },
    "sqs_poll": {
      "type": "boolean",
      "description": "Run the SQS poller inside the plugin for this connection: it long-polls the queue, posts each notification to gateway_webhook_url with relay_secret, and deletes it once the gateway stored it. It starts with the first call the plugin gets for the connection. Leave false when supplyhub-plugin-amazon relay runs instead.",
      "default": false
    },
    "gateway_webhook_url": {
      "type": "string",
      "description": "The gateway's webhook URL of this connection, /webhooks/<connection id>, where the poller posts notifications.",
      "format": "uri",
      "examples": ["http://127.0.0.1:8080/webhooks/amazon-eu"]
    },
    "sqs_wait_seconds": {
      "type": "integer",
      "description": "Long-polling wait of each ReceiveMessage call.",
      "minimum": 1,
      "maximum": 20,
      "default": 20
    },
    "sqs_visibility_timeout_seconds": {
      "type": "integer",
      "description": "How long a received message stays hidden while it is relayed; a message not deleted in that time (the gateway did not store it) is received again.",
      "minimum": 5,
      "maximum": 43200,
      "default": 120
    }
  }
}`
