package shopify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // shop time zones must load on minimal systems

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// Version is the connector's semantic version.
const Version = "1.0.0"

// Stream names.
const (
	StreamProducts        = "products"
	StreamLocations       = "locations"
	StreamInventoryLevels = "inventory_levels"
	StreamOrders          = "orders"
)

// Connector is the Shopify connector. It keeps no per-connection state
// beyond caches it can rebuild: one API client per shop and token (with the
// shop's cost bucket, learned query costs and the shop's currency and
// zone).
type Connector struct {
	log       *slog.Logger
	transport http.RoundTripper
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	// retryBase and retryMax bound the HTTP client's backoff.
	retryBase, retryMax time.Duration

	mu      sync.Mutex
	clients map[string]*client
	buckets map[string]*costBucket
}

// Option configures a Connector.
type Option func(*Connector)

// WithLogger sends the connector's logs to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(c *Connector) { c.log = l } }

// WithTransport makes the connector send its requests through rt (default:
// a clone of http.DefaultTransport); deadlines and retries come from the
// connection's configuration.
func WithTransport(rt http.RoundTripper) Option { return func(c *Connector) { c.transport = rt } }

// New returns a Shopify connector.
func New(opts ...Option) *Connector {
	c := &Connector{now: time.Now, sleep: sleepCtx, clients: map[string]*client{}, buckets: map[string]*costBucket{},
		retryBase: 250 * time.Millisecond, retryMax: 15 * time.Second}
	for _, o := range opts {
		o(c)
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 8
		c.transport = t
	}
	return c
}

// clientFor returns the cached client of a configuration.
func (c *Connector) clientFor(cfg Config) *client {
	sum := sha256.Sum256([]byte(cfg.AccessToken))
	tok := hex.EncodeToString(sum[:8])
	key := strings.Join([]string{cfg.baseURL(), cfg.ShopDomain, tok, cfg.APIVersion, fmt.Sprint(cfg.RequestTimeoutSeconds, "/", cfg.MaxRetries)}, "|")
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[key]; ok {
		return cl
	}
	bk := cfg.ShopDomain + "|" + tok
	b, ok := c.buckets[bk]
	if !ok {
		b = &costBucket{}
		c.buckets[bk] = b
	}
	log := c.log.With("shop", cfg.ShopDomain)
	hcfg := httpclient.Config{Transport: c.transport, Timeout: cfg.requestTimeout(), MaxAttempts: cfg.MaxRetries + 1,
		BaseDelay: c.retryBase, MaxDelay: c.retryMax, Logger: log, UserAgent: "supplyhub-shopify/" + Version}
	dl := hcfg
	dl.Timeout = 2 * time.Hour // a bulk file may be hundreds of megabytes
	cl := &client{cfg: cfg, endpoint: cfg.baseURL() + "/admin/api/" + cfg.APIVersion + "/graphql.json", hc: httpclient.New(hcfg),
		dl: httpclient.New(dl), bucket: b, log: log, sleep: c.sleep, now: c.now, retryBase: c.retryBase}
	c.clients[key] = cl
	return cl
}

// Describe returns the manifest.
func (c *Connector) Describe(ctx context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name:         "shopify",
		Version:      Version,
		Description:  "Shopify shops through the GraphQL Admin API: products, locations, stock and orders in; stock levels, fulfilments and product recommendations out; signed webhooks.",
		ConfigSchema: []byte(ConfigSchema),
		SecretFields: []string{"access_token", "client_secret"},
		RateLimitKey: "shop_domain",
		Streams: []sdk.StreamSpec{
			{Name: StreamProducts, Kinds: []commerce.Kind{commerce.KindProduct}, CursorField: "updated_at",
				Description: "Products with their variants and inventory items (SKU, barcode, weight, HS code, country of origin, cost)."},
			{Name: StreamLocations, Kinds: []commerce.Kind{commerce.KindLocation},
				Description: "Locations, active and inactive, with addresses and coordinates; always read in full."},
			{Name: StreamInventoryLevels, Kinds: []commerce.Kind{commerce.KindInventoryLevel}, CursorField: "updated_at",
				Description: "Available, on hand, committed and incoming stock per inventory item and location."},
			{Name: StreamOrders, Kinds: []commerce.Kind{commerce.KindOrder}, CursorField: "updated_at",
				Description: "Orders with lines, taxes, discounts, shipping lines, refunds and fulfilments, in shop and presentment money."},
		},
		Webhook:      WebhookSpec(),
		WriteActions: []string{sdk.ActionSetInventory, sdk.ActionCreateFulfillment, sdk.ActionSetRecommendations},
	}, nil
}

// WebhookSpec is how the host verifies Shopify webhooks natively: base64
// HMAC-SHA256 of the raw body with the app's client secret in
// X-Shopify-Hmac-Sha256. The inbox dedupes on X-Shopify-Webhook-Id, which
// every retry of a delivery repeats; X-Shopify-Event-Id is not used because
// one event may trigger several topics, which must all be processed.
func WebhookSpec() *sdk.WebhookSpec {
	return &sdk.WebhookSpec{
		Scheme:            sdk.SchemeHMACSHA256,
		SignatureHeader:   "X-Shopify-Hmac-Sha256",
		Encoding:          "base64",
		SecretField:       "client_secret",
		EventIDHeader:     "X-Shopify-Webhook-Id",
		TopicHeader:       "X-Shopify-Topic",
		OrderingKeyHeader: "X-Shopify-Shop-Domain",
	}
}

// requiredScopes are needed to read; the others only to write back.
var (
	requiredScopes = []string{"read_orders", "read_products", "read_inventory", "read_locations"}
	writeScopes    = []string{"write_inventory", "write_merchant_managed_fulfillment_orders"}
)

// Check validates the configuration and the token's access to the shop.
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	cl := c.clientFor(cfg)
	var out struct {
		Shop                   shopInfo `json:"shop"`
		CurrentAppInstallation struct {
			AccessScopes []struct {
				Handle string `json:"handle"`
			} `json:"accessScopes"`
		} `json:"currentAppInstallation"`
	}
	if _, err := cl.do(ctx, "check", checkQuery, nil, 3, nil, &out); err != nil {
		return nil, err
	}
	if !strings.EqualFold(out.Shop.MyshopifyDomain, cfg.ShopDomain) {
		return nil, sdk.InvalidInput("shopify: check: the token belongs to %s, not %s", out.Shop.MyshopifyDomain, cfg.ShopDomain).
			WithDetail("set shop_domain to %s or use that shop's token", out.Shop.MyshopifyDomain)
	}
	have := map[string]bool{}
	for _, s := range out.CurrentAppInstallation.AccessScopes {
		have[s.Handle] = true
	}
	implied := func(s string) bool {
		// a write scope implies its read scope
		return have[s] || strings.HasPrefix(s, "read_") && have["write_"+strings.TrimPrefix(s, "read_")]
	}
	var missing, missingWrite []string
	for _, s := range requiredScopes {
		if !implied(s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return nil, sdk.Authentication("shopify: check: the access token lacks scopes %s", strings.Join(missing, ", ")).
			WithDetail("add them to the app's access scopes and reinstall the app on %s", cfg.ShopDomain)
	}
	for _, s := range writeScopes {
		if !implied(s) {
			missingWrite = append(missingWrite, s)
		}
	}
	if !implied("write_merchant_managed_fulfillment_orders") && implied("write_fulfillments") {
		missingWrite = slicesDelete(missingWrite, "write_merchant_managed_fulfillment_orders")
	}
	details := map[string]string{"shop": out.Shop.Name, "currency": out.Shop.CurrencyCode, "timezone": out.Shop.IanaTimezone, "api_version": cfg.APIVersion}
	scopes := make([]string, 0, len(have))
	for s := range have {
		scopes = append(scopes, s)
	}
	sort.Strings(scopes)
	details["scopes"] = strings.Join(scopes, ",")
	if len(missingWrite) > 0 {
		details["write_back"] = "disabled: missing " + strings.Join(missingWrite, ", ")
	}
	if !implied("write_products") {
		details["recommendations"] = "disabled: grant write_products to write product recommendation metafields"
	}
	if !implied("read_all_orders") {
		details["order_history"] = "last 60 days only: grant read_all_orders for older orders"
	}
	if cfg.ClientSecret == "" {
		details["webhooks"] = "disabled: set client_secret to verify Shopify's webhooks"
	}
	cl.mu.Lock()
	s := out.Shop
	s.loc = time.UTC
	if loc, err := time.LoadLocation(s.IanaTimezone); err == nil {
		s.loc = loc
	}
	cl.shop = &s
	cl.mu.Unlock()
	return &sdk.CheckResponse{Message: fmt.Sprintf("shop %s (%s), %s, API %s", cfg.ShopDomain, out.Shop.Name, out.Shop.CurrencyCode, cfg.APIVersion), Details: details}, nil
}

func slicesDelete(xs []string, x string) []string {
	out := xs[:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// Interface guards.
var (
	_ sdk.Connector = (*Connector)(nil)
	_ sdk.Source    = (*Connector)(nil)
	_ sdk.Sink      = (*Connector)(nil)
	_ sdk.Webhooks  = (*Connector)(nil)
)
