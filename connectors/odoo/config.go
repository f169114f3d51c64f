package odoo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
)

// The external APIs the connector speaks.
const (
	// APIAuto tries JSON-2 first and falls back to JSON-RPC.
	APIAuto = "auto"
	// APIJSON2 is Odoo 19's /json/2/<model>/<method> with a bearer API key.
	APIJSON2 = "json-2"
	// APIJSONRPC is /jsonrpc execute_kw with the database, user id and API
	// key (Odoo 17 and 18; deprecated in 19, removed in 22).
	APIJSONRPC = "json-rpc"
)

// Masters of a field: which side is right when the channel and Odoo
// disagree.
const (
	MasterERP     = "erp"
	MasterChannel = "channel"
)

// Config is an Odoo connection's configuration, as the host stores it
// (secrets decrypted). The JSON Schema users see is ConfigSchema.
type Config struct {
	// BaseURL is the Odoo server, e.g. "https://acme.odoo.com".
	BaseURL string `json:"base_url"`
	// Database is the database name (X-Odoo-Database for JSON-2; the first
	// argument of every JSON-RPC call).
	Database string `json:"database"`
	// Login is the integration user's login; JSON-RPC needs it to find the
	// user id, JSON-2 does not.
	Login string `json:"login,omitempty"`
	// APIKey is the user's API key (Preferences → Account Security → New
	// API Key). It replaces the password in JSON-RPC calls.
	APIKey string `json:"api_key"`
	// API is auto (default), json-2 or json-rpc.
	API string `json:"api,omitempty"`
	// CompanyID restricts the connection to one company of a multi-company
	// database (allowed_company_ids in the context); 0 uses the user's
	// default company.
	CompanyID int64 `json:"company_id,omitempty"`
	// Masters says which side owns each shared field.
	Masters Masters `json:"masters,omitzero"`
	// OrderCurrency is shop (default) or presentment: which of an order's
	// two currencies the sale order is booked in.
	OrderCurrency string `json:"order_currency,omitempty"`
	// ConfirmOrders confirms pushed sale orders (default true); false
	// leaves them as quotations.
	ConfirmOrders *bool `json:"confirm_orders,omitempty"`
	// ShippingProduct is the internal reference of the service product of
	// shipping lines (default "SHIP").
	ShippingProduct string `json:"shipping_product,omitempty"`
	// DiscountProduct is the internal reference of the service product of
	// discount, refund and rounding lines (default "DISC").
	DiscountProduct string `json:"discount_product,omitempty"`
	// DefaultCustomer is the name of the partner used for orders without a
	// customer (guest or redacted buyers); created when missing.
	DefaultCustomer string `json:"default_customer,omitempty"`
	// TaxMap maps a channel tax title ("DE MwSt") to an Odoo account.tax
	// id, for taxes the rate alone does not identify.
	TaxMap map[string]int64 `json:"tax_map,omitempty"`
	// MaxRoundingAdjustment is the largest difference between Odoo's total
	// and the channel's that a "rounding difference" line absorbs (default
	// "0.10" in the order currency); a larger one is left visible and
	// reported as a conflict.
	MaxRoundingAdjustment string `json:"max_rounding_adjustment,omitempty"`
	// ConflictNotes posts a note in the chatter of records that disagree
	// with the channel (default true).
	ConflictNotes *bool `json:"conflict_notes,omitempty"`
	// OverlapSeconds is how far before the last high-water mark an
	// incremental read starts again (default 300).
	OverlapSeconds int `json:"overlap_seconds,omitempty"`
	// PageSize is how many records one read call asks for (default 200).
	PageSize int `json:"page_size,omitempty"`
	// RequestTimeoutSeconds bounds each HTTP request (default 30).
	RequestTimeoutSeconds int `json:"request_timeout_seconds,omitempty"`
	// MaxRetries is how many times a failed read call is retried (default 5).
	MaxRetries int `json:"max_retries,omitempty"`

	maxRounding decimal.Decimal
}

// Masters says which side owns each field both sides hold.
type Masters struct {
	// Stock is erp (default: Odoo's quantities are right; set_inventory
	// changes are refused and reported) or channel (set_inventory applies
	// the channel's quantity in Odoo as an inventory adjustment).
	Stock string `json:"stock,omitempty"`
	// Prices is channel (default: a channel price that differs from Odoo's
	// list price means Odoo's list price is stale) or erp (it means the
	// channel's price is wrong). Sale order lines always carry what the
	// buyer paid.
	Prices string `json:"prices,omitempty"`
}

// Validate checks the configuration and fills defaults.
func (c *Config) Validate() error {
	var errs []string
	c.BaseURL = strings.TrimSuffix(strings.TrimSpace(c.BaseURL), "/")
	if u, err := url.Parse(c.BaseURL); c.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Sprintf("base_url %q must be the Odoo server's address, such as https://acme.odoo.com", c.BaseURL))
	}
	if strings.TrimSpace(c.Database) == "" {
		errs = append(errs, "database is required: the Odoo database name (often the subdomain of *.odoo.com)")
	}
	if strings.TrimSpace(c.APIKey) == "" {
		errs = append(errs, "api_key is required: create one in Odoo under Preferences → Account Security → New API Key")
	}
	switch c.API {
	case "":
		c.API = APIAuto
	case APIAuto, APIJSON2, APIJSONRPC:
	default:
		errs = append(errs, fmt.Sprintf("api %q must be auto, json-2 or json-rpc", c.API))
	}
	if c.API == APIJSONRPC && strings.TrimSpace(c.Login) == "" {
		errs = append(errs, "login is required with api json-rpc: the integration user's login")
	}
	if c.CompanyID < 0 {
		errs = append(errs, fmt.Sprintf("company_id %d must be a positive Odoo company id", c.CompanyID))
	}
	switch c.Masters.Stock {
	case "":
		c.Masters.Stock = MasterERP
	case MasterERP, MasterChannel:
	default:
		errs = append(errs, fmt.Sprintf("masters.stock %q must be erp or channel", c.Masters.Stock))
	}
	switch c.Masters.Prices {
	case "":
		c.Masters.Prices = MasterChannel
	case MasterERP, MasterChannel:
	default:
		errs = append(errs, fmt.Sprintf("masters.prices %q must be channel or erp", c.Masters.Prices))
	}
	switch c.OrderCurrency {
	case "":
		c.OrderCurrency = "shop"
	case "shop", "presentment":
	default:
		errs = append(errs, fmt.Sprintf("order_currency %q must be shop or presentment", c.OrderCurrency))
	}
	if c.ConfirmOrders == nil {
		t := true
		c.ConfirmOrders = &t
	}
	if c.ConflictNotes == nil {
		t := true
		c.ConflictNotes = &t
	}
	if c.ShippingProduct == "" {
		c.ShippingProduct = "SHIP"
	}
	if c.DiscountProduct == "" {
		c.DiscountProduct = "DISC"
	}
	if c.DefaultCustomer == "" {
		c.DefaultCustomer = "Marketplace customer (Supplyhub)"
	}
	for title, id := range c.TaxMap {
		if id <= 0 {
			errs = append(errs, fmt.Sprintf("tax_map[%q] = %d must be an account.tax id", title, id))
		}
	}
	if c.MaxRoundingAdjustment == "" {
		c.MaxRoundingAdjustment = "0.10"
	}
	if d, err := decimal.NewFromString(c.MaxRoundingAdjustment); err != nil || d.IsNegative() {
		errs = append(errs, fmt.Sprintf("max_rounding_adjustment %q must be a non-negative decimal such as \"0.10\"", c.MaxRoundingAdjustment))
	} else {
		c.maxRounding = d
	}
	if c.OverlapSeconds == 0 {
		c.OverlapSeconds = 300
	}
	if c.OverlapSeconds < 1 || c.OverlapSeconds > 86400 {
		errs = append(errs, fmt.Sprintf("overlap_seconds %d must be between 1 and 86400", c.OverlapSeconds))
	}
	if c.PageSize == 0 {
		c.PageSize = 200
	}
	if c.PageSize < 1 || c.PageSize > 5000 {
		errs = append(errs, fmt.Sprintf("page_size %d must be between 1 and 5000", c.PageSize))
	}
	if c.RequestTimeoutSeconds == 0 {
		c.RequestTimeoutSeconds = 30
	}
	if c.RequestTimeoutSeconds < 1 || c.RequestTimeoutSeconds > 600 {
		errs = append(errs, fmt.Sprintf("request_timeout_seconds %d must be between 1 and 600", c.RequestTimeoutSeconds))
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 5
	}
	if c.MaxRetries < 1 || c.MaxRetries > 50 {
		errs = append(errs, fmt.Sprintf("max_retries %d must be between 1 and 50", c.MaxRetries))
	}
	if len(errs) > 0 {
		return sdk.InvalidInput("odoo: config: %s", strings.Join(errs, "; ")).
			WithDetail("fix the connection's configuration; see docs/connectors/odoo.md")
	}
	return nil
}

func (c *Config) overlap() time.Duration { return time.Duration(c.OverlapSeconds) * time.Second }

func (c *Config) timeout() time.Duration { return time.Duration(c.RequestTimeoutSeconds) * time.Second }

// ParseConfig decodes and validates a connection configuration. Unknown
// fields are refused so that a typo does not silently fall back to a
// default.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return c, sdk.InvalidInput("odoo: config is empty").WithDetail("set base_url, database, login and api_key")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return c, sdk.InvalidInput("odoo: config: field %s must be a %s, not a JSON %s", te.Field, te.Type, te.Value)
		}
		return c, sdk.InvalidInput("odoo: config: %v", err).WithDetail("the configuration must be a JSON object with the fields of the connector's schema")
	}
	if dec.More() {
		return c, sdk.InvalidInput("odoo: config: trailing data after the JSON object")
	}
	return c, c.Validate()
}

// ConfigSchema is the JSON Schema (draft 2020-12) of Config, with the
// descriptions, defaults and examples users see.
const ConfigSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Odoo connection",
  "description": "Reads products, warehouses, stock (with incoming receipts) and customers from an Odoo database through its external API, and writes marketplace orders as sale orders and replenishment suggestions as draft RFQs.",
  "type": "object",
  "additionalProperties": false,
  "required": ["base_url", "database", "api_key"],
  "properties": {
    "base_url": {
      "type": "string",
      "description": "The Odoo server's address.",
      "format": "uri",
      "examples": ["https://acme.odoo.com", "http://127.0.0.1:8069"]
    },
    "database": {
      "type": "string",
      "description": "The database name: sent as X-Odoo-Database (JSON-2) or as the first argument of each JSON-RPC call.",
      "minLength": 1,
      "examples": ["acme"]
    },
    "login": {
      "type": "string",
      "description": "The integration user's login. Needed for JSON-RPC (Odoo 17 and 18), which identifies the user by id; JSON-2 (Odoo 19) finds the user from the API key. Use a dedicated user with access to Inventory, Sales and Purchase.",
      "examples": ["supplyhub@acme.example"]
    },
    "api_key": {
      "type": "string",
      "description": "The user's API key (Preferences → Account Security → New API Key). It is the bearer token of JSON-2 and replaces the password in JSON-RPC calls.",
      "writeOnly": true,
      "minLength": 1,
      "examples": ["6578616d706c65206a736f6e20617069206b6579"]
    },
    "api": {
      "type": "string",
      "description": "Which external API to use. auto tries JSON-2 (/json/2, Odoo 19 and later) and falls back to JSON-RPC (/jsonrpc execute_kw); Check reports the choice.",
      "enum": ["auto", "json-2", "json-rpc"],
      "default": "auto"
    },
    "company_id": {
      "type": "integer",
      "description": "In a multi-company database, the company to work in (allowed_company_ids); empty uses the user's default company.",
      "minimum": 1
    },
    "masters": {
      "type": "object",
      "description": "Which side owns each field that both hold. Disagreements are posted as notes in the Odoo record's chatter (\"Supplyhub conflict\") and logged.",
      "additionalProperties": false,
      "properties": {
        "stock": {
          "type": "string",
          "enum": ["erp", "channel"],
          "default": "erp",
          "description": "erp: Odoo's quantities are right; set_inventory changes are refused and reported. channel: set_inventory applies the channel's quantity in Odoo as an inventory adjustment."
        },
        "prices": {
          "type": "string",
          "enum": ["channel", "erp"],
          "default": "channel",
          "description": "channel: a channel price that differs from Odoo's list price means the list price is stale. erp: it means the channel's price is wrong. Sale order lines always carry what the buyer paid."
        }
      }
    },
    "order_currency": {
      "type": "string",
      "enum": ["shop", "presentment"],
      "default": "shop",
      "description": "Book sale orders in the shop (settlement) currency or in the buyer's presentment currency. Odoo needs an active pricelist in that currency."
    },
    "confirm_orders": {
      "type": "boolean",
      "default": true,
      "description": "Confirm pushed sale orders (deliveries are created); false leaves them as quotations."
    },
    "shipping_product": {
      "type": "string",
      "default": "SHIP",
      "description": "Internal reference of the service product used for shipping lines."
    },
    "discount_product": {
      "type": "string",
      "default": "DISC",
      "description": "Internal reference of the service product used for discount, refund and rounding lines."
    },
    "default_customer": {
      "type": "string",
      "default": "Marketplace customer (Supplyhub)",
      "description": "Partner name for orders without a customer (guests, redacted buyers); created when missing."
    },
    "tax_map": {
      "type": "object",
      "description": "Channel tax title to Odoo tax id, for taxes the rate alone does not identify. Other taxes are matched by rate and whether prices include them.",
      "additionalProperties": {"type": "integer", "minimum": 1},
      "examples": [{"DE MwSt": 12}]
    },
    "max_rounding_adjustment": {
      "type": "string",
      "default": "0.10",
      "pattern": "^[0-9]+(\\.[0-9]+)?$",
      "description": "Largest difference between Odoo's computed total and the channel's that a \"Rounding difference\" line absorbs, in the order currency. A larger difference is left visible and reported as a conflict."
    },
    "conflict_notes": {
      "type": "boolean",
      "default": true,
      "description": "Post a \"Supplyhub conflict\" note in the chatter of Odoo records that disagree with the channel."
    },
    "overlap_seconds": {
      "type": "integer",
      "minimum": 1,
      "maximum": 86400,
      "default": 300,
      "description": "Incremental reads start this many seconds before the last high-water mark of write_date, to catch transactions that committed late. Records already read are not sent again."
    },
    "page_size": {
      "type": "integer",
      "minimum": 1,
      "maximum": 5000,
      "default": 200,
      "description": "Records asked for per search_read."
    },
    "request_timeout_seconds": {
      "type": "integer",
      "minimum": 1,
      "maximum": 600,
      "default": 30,
      "description": "Deadline of each HTTP request."
    },
    "max_retries": {
      "type": "integer",
      "minimum": 1,
      "maximum": 50,
      "default": 5,
      "description": "Retries of a read call that failed with a timeout, a 5xx, a 429, a malformed answer or a serialization conflict. Calls that change data are retried only when Odoo surely did not apply them; otherwise the write-back queue retries the whole change, which is idempotent."
    }
  }
}`
