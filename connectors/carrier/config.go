package carrier

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
)

// Default API roots.
const (
	DefaultEasyPostURL = "https://api.easypost.com/v2"
	DefaultShippoURL   = "https://api.goshippo.com"
)

// Config is a connection's configuration: any of an EasyPost account, a
// Shippo account and rate tables, quoted together.
type Config struct {
	// EasyPost configures an EasyPost account (API key in easypost_api_key).
	EasyPost *APIAccount `json:"easypost,omitempty"`
	// EasyPostAPIKey is the EasyPost API key (HTTP Basic user name).
	EasyPostAPIKey string `json:"easypost_api_key,omitempty"`
	// Shippo configures a Shippo account (token in shippo_api_key).
	Shippo *APIAccount `json:"shippo,omitempty"`
	// ShippoAPIKey is the Shippo API token ("ShippoToken <token>").
	ShippoAPIKey string `json:"shippo_api_key,omitempty"`
	// Tables are rate tables of carriers without an API account.
	Tables []TableConfig `json:"tables,omitempty"`
	// WebhookSecret is the EasyPost webhook secret the host verifies
	// X-Hmac-Signature with.
	WebhookSecret string `json:"webhook_secret,omitempty"`
	// ShippoWebhookToken is a token you generate and append to the webhook
	// URL you give Shippo (…/webhooks/<connection>?token=<token>); the
	// host accepts a Shippo delivery only when its ?token= equals it.
	ShippoWebhookToken string `json:"shippo_webhook_token,omitempty"`
	// RateTimeout bounds rate shopping (Go duration, default "2s"): Rates
	// returns at this deadline (or just before the caller's, if sooner)
	// with whatever carriers answered.
	RateTimeout string `json:"rate_timeout,omitempty"`
	// Tracking names the account Track uses: "easypost" or "shippo"
	// (default: EasyPost when configured, else Shippo).
	Tracking string `json:"tracking,omitempty"`
}

// APIAccount is an EasyPost or Shippo account.
type APIAccount struct {
	// BaseURL overrides the API root (tests, sandboxes).
	BaseURL string `json:"base_url,omitempty"`
	// CarrierAccounts are the account's carrier accounts. Listing them
	// makes Rates ask each one in its own parallel request, so that one slow
	// carrier cannot hold up the others; when empty, one request asks all.
	CarrierAccounts []CarrierAccount `json:"carrier_accounts,omitempty"`
}

// CarrierAccount is one carrier account of an API account.
type CarrierAccount struct {
	// ID is the upstream carrier account id (ca_... on EasyPost, an
	// object_id on Shippo).
	ID string `json:"id"`
	// Carrier is the carrier's name, e.g. "UPS".
	Carrier string `json:"carrier"`
}

// TableConfig is a table-rate carrier: prices by zone and weight break from
// CSV (formats in docs/connectors/carrier.md), dimensional weight and
// surcharges.
type TableConfig struct {
	// Carrier is the carrier's name on the rates, e.g. "Regional Courier".
	Carrier string `json:"carrier"`
	// RatesCSV is the rate table: service,zone,max_weight,weight_unit,price,currency[,transit_days].
	RatesCSV string `json:"rates_csv"`
	// ZonesCSV maps routes to zones: origin,destination,zone.
	ZonesCSV string `json:"zones_csv"`
	// Dim is the dimensional-weight rule (default: the built-in rule for
	// the carrier's name and the route).
	Dim *DimRule `json:"dim,omitempty"`
	// FuelSurchargePercent is applied to the base price plus handling.
	FuelSurchargePercent decimal.Decimal `json:"fuel_surcharge_percent,omitzero"`
	// AdditionalHandling is a flat charge for long or heavy parcels.
	AdditionalHandling *AdditionalHandling `json:"additional_handling,omitempty"`
	// DeclaredValue charges for declared value above a free amount.
	DeclaredValue *DeclaredValue `json:"declared_value,omitempty"`
}

// AdditionalHandling is charged per parcel whose longest side (in the dim
// rule's length unit) or actual weight (in its weight unit) exceeds a limit.
type AdditionalHandling struct {
	LongestSideOver decimal.Decimal `json:"longest_side_over,omitzero"`
	WeightOver      decimal.Decimal `json:"weight_over,omitzero"`
	Amount          decimal.Decimal `json:"amount"`
}

// DeclaredValue charges Per100 for every started 100 of declared value above
// FreeUpTo (in the table's currency).
type DeclaredValue struct {
	FreeUpTo decimal.Decimal `json:"free_up_to"`
	Per100   decimal.Decimal `json:"per_100"`
}

//go:embed config.schema.json
var configSchema []byte

type parsedConfig struct {
	Config
	timeout time.Duration
	tables  []*rateTable
}

// ParseConfig decodes and checks a configuration. Unknown fields, missing
// keys and malformed tables are InvalidInput errors naming the field.
func ParseConfig(raw json.RawMessage) (*parsedConfig, error) {
	var c Config
	if len(bytes.TrimSpace(raw)) > 0 && string(bytes.TrimSpace(raw)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, sdk.InvalidInput("carrier: config: %v", err).WithDetail("see the connector's config schema")
		}
	}
	p := &parsedConfig{Config: c, timeout: 2 * time.Second}
	if c.EasyPost == nil && c.Shippo == nil && len(c.Tables) == 0 {
		return nil, sdk.InvalidInput("carrier: config: no carrier configured").WithDetail("configure easypost, shippo or tables")
	}
	if c.EasyPost != nil {
		if c.EasyPostAPIKey == "" {
			return nil, sdk.InvalidInput("carrier: config: easypost_api_key is required with easypost")
		}
		if err := checkAccount("easypost", c.EasyPost, DefaultEasyPostURL); err != nil {
			return nil, err
		}
	}
	if c.Shippo != nil {
		if c.ShippoAPIKey == "" {
			return nil, sdk.InvalidInput("carrier: config: shippo_api_key is required with shippo")
		}
		if err := checkAccount("shippo", c.Shippo, DefaultShippoURL); err != nil {
			return nil, err
		}
	}
	if c.RateTimeout != "" {
		d, err := time.ParseDuration(c.RateTimeout)
		if err != nil || d < 10*time.Millisecond || d > 5*time.Minute {
			return nil, sdk.InvalidInput("carrier: config: rate_timeout %q must be a duration between 10ms and 5m, such as \"2s\"", c.RateTimeout)
		}
		p.timeout = d
	}
	switch c.Tracking {
	case "":
		if c.EasyPost != nil {
			p.Tracking = "easypost"
		} else if c.Shippo != nil {
			p.Tracking = "shippo"
		}
	case "easypost", "shippo":
		if (c.Tracking == "easypost" && c.EasyPost == nil) || (c.Tracking == "shippo" && c.Shippo == nil) {
			return nil, sdk.InvalidInput("carrier: config: tracking is %q but that account is not configured", c.Tracking)
		}
	default:
		return nil, sdk.InvalidInput("carrier: config: tracking %q must be easypost or shippo", c.Tracking)
	}
	for i, t := range c.Tables {
		rt, err := loadTable(t)
		if err != nil {
			return nil, sdk.InvalidInput("carrier: config: tables[%d] (%s): %v", i, t.Carrier, err)
		}
		p.tables = append(p.tables, rt)
	}
	return p, nil
}

func checkAccount(name string, a *APIAccount, def string) error {
	if a.BaseURL == "" {
		a.BaseURL = def
	}
	if !strings.HasPrefix(a.BaseURL, "http://") && !strings.HasPrefix(a.BaseURL, "https://") {
		return sdk.InvalidInput("carrier: config: %s.base_url %q must be an http(s) URL", name, a.BaseURL)
	}
	a.BaseURL = strings.TrimRight(a.BaseURL, "/")
	for i, ca := range a.CarrierAccounts {
		if ca.ID == "" || ca.Carrier == "" {
			return sdk.InvalidInput("carrier: config: %s.carrier_accounts[%d] needs id and carrier", name, i)
		}
	}
	return nil
}
