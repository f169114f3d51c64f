package amazon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// Version is the connector's semantic version.
const Version = "1.0.0"

// Stream names.
const (
	// StreamOrders holds orders with their lines, taxes, shipping and
	// packages, in each marketplace's currency.
	StreamOrders = "orders"
	// StreamInventory holds FBA inventory per SKU and marketplace.
	StreamInventory = "inventory"
)

// Connector is the Amazon Selling Partner API connector. It keeps no
// per-connection state beyond what it can rebuild: access tokens per app
// and refresh token, one token bucket per seller and operation, clients
// per configuration, and the SQS pollers of connections that run them in
// the plugin.
type Connector struct {
	log       *slog.Logger
	transport http.RoundTripper
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	// retryBase and retryMax bound the HTTP clients' backoff.
	retryBase, retryMax time.Duration
	// reportPoll is the first delay between getReport polls.
	reportPoll time.Duration

	mu      sync.Mutex
	clients map[string]*client
	tokens  map[string]*tokenSource
	buckets map[string]*bucket
	pollers map[string]*pollerHandle
}

// Option configures a Connector.
type Option func(*Connector)

// WithLogger sends the connector's logs to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(c *Connector) { c.log = l } }

// WithTransport makes the connector send its requests through rt (default:
// a clone of http.DefaultTransport); deadlines and retries come from the
// connection's configuration.
func WithTransport(rt http.RoundTripper) Option { return func(c *Connector) { c.transport = rt } }

// WithReportPollInterval sets the first delay between polls of a report's
// status (default 2 s); it doubles up to 30 s while the report processes.
func WithReportPollInterval(d time.Duration) Option {
	return func(c *Connector) {
		if d > 0 {
			c.reportPoll = d
		}
	}
}

// New returns an Amazon connector.
func New(opts ...Option) *Connector {
	c := &Connector{now: time.Now, sleep: sleepCtx, retryBase: 250 * time.Millisecond, retryMax: 15 * time.Second, reportPoll: 2 * time.Second,
		clients: map[string]*client{}, tokens: map[string]*tokenSource{}, buckets: map[string]*bucket{}, pollers: map[string]*pollerHandle{}}
	for _, o := range opts {
		o(c)
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		c.transport = t
	}
	return c
}

// Close stops the SQS pollers the connector started. The plugin process
// never needs to call it; tests do.
func (c *Connector) Close() {
	c.mu.Lock()
	ps := c.pollers
	c.pollers = map[string]*pollerHandle{}
	c.mu.Unlock()
	for _, p := range ps {
		p.stop()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func hash8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// bucketFor returns the bucket of an operation for the configuration's
// seller: every connection of the same seller and endpoint shares it, as
// Amazon counts the quota per selling partner and application.
func (c *Connector) bucketFor(cfg Config, op operation) *bucket {
	key := cfg.baseURL() + "|" + cfg.SellerID + "|" + cfg.LWAClientID + "|" + op.key()
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.buckets[key]
	if !ok {
		b = newBucket(op.Rate, op.Burst)
		c.buckets[key] = b
	}
	return b
}

// clientFor returns the cached client of a configuration, acting for the
// seller with tokens from the refresh token.
func (c *Connector) clientFor(cfg Config) *client { return c.clientWith(cfg, "") }

// grantlessClientFor returns the cached client of a configuration for
// grantless operations: its tokens come from the client_credentials grant
// with scope (the app's own credentials, no refresh token).
func (c *Connector) grantlessClientFor(cfg Config, scope string) *client {
	return c.clientWith(cfg, scope)
}

func (c *Connector) clientWith(cfg Config, scope string) *client {
	grant := "refresh:" + hash8(cfg.RefreshToken)
	if scope != "" {
		grant = "scope:" + scope
	}
	tkey := cfg.LWAEndpoint + "|" + cfg.LWAClientID + "|" + hash8(cfg.LWAClientSecret) + "|" + grant
	key := strings.Join([]string{cfg.baseURL(), tkey, cfg.SellerID, fmt.Sprint(cfg.RequestTimeoutSeconds, "/", cfg.MaxRetries)}, "|")
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[key]; ok {
		return cl
	}
	ts, ok := c.tokens[tkey]
	if !ok {
		ts = &tokenSource{endpoint: cfg.LWAEndpoint, clientID: cfg.LWAClientID, clientSecret: cfg.LWAClientSecret, refreshToken: cfg.RefreshToken,
			scope: scope,
			hc: httpclient.New(httpclient.Config{Transport: c.transport, Timeout: cfg.requestTimeout(), MaxAttempts: 1, Logger: c.log,
				Secrets: []string{"refresh_token", "client_secret"}, UserAgent: userAgent}),
			now: c.now, sleep: c.sleep, retries: cfg.MaxRetries}
		if scope != "" {
			ts.refreshToken = ""
		}
		c.tokens[tkey] = ts
	}
	log := c.log.With("seller", cfg.SellerID, "region", cfg.Region)
	cl := &client{c: c, cfg: cfg, base: cfg.baseURL(), tokens: ts, log: log, ops: map[string]*httpclient.Client{},
		dl: httpclient.New(httpclient.Config{Transport: c.transport, Timeout: 30 * time.Minute, MaxAttempts: cfg.MaxRetries + 1,
			BaseDelay: c.retryBase, MaxDelay: c.retryMax, Logger: log, UserAgent: userAgent})}
	c.clients[key] = cl
	return cl
}

// Describe returns the manifest.
func (c *Connector) Describe(ctx context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name:         "amazon",
		Version:      Version,
		Description:  "Amazon Selling Partner API: orders (Orders API 2026-01-01 or v0, Reports API backfills) and FBA inventory in; merchant-fulfilled stock and shipment confirmations out; notifications relayed from SQS.",
		ConfigSchema: []byte(ConfigSchema),
		SecretFields: []string{"lwa_client_secret", "refresh_token", "relay_secret", "sqs_secret_access_key", "sqs_session_token"},
		RateLimitKey: "seller_id",
		Streams: []sdk.StreamSpec{
			{Name: StreamOrders, Kinds: []commerce.Kind{commerce.KindOrder}, CursorField: "lastUpdatedTime",
				Description: "Orders of the configured marketplaces with lines, item and shipping taxes, promotions, totals in the marketplace's currency, shipping city and country, and merchant-fulfilled packages; full reads of long backfills go through order reports."},
			{Name: StreamInventory, Kinds: []commerce.Kind{commerce.KindInventoryLevel}, CursorField: "lastUpdatedTime",
				Description: "FBA inventory per SKU and marketplace (location FBA/<marketplace id>): fulfillable as available, reserved as committed, warehouse quantity as on hand, inbound as incoming."},
		},
		Webhook:      WebhookSpec(),
		WriteActions: []string{sdk.ActionSetInventory, sdk.ActionCreateFulfillment},
	}, nil
}

// Relay headers: what the SQS poller (or any relay) sends with each
// notification it posts to the gateway.
const (
	// RelayTokenHeader carries the connection's relay_secret.
	RelayTokenHeader = "X-Supplyhub-Relay-Token"
	// RelayEventIDHeader carries the notification's NotificationId, the
	// inbox's dedupe key (Amazon may deliver a notification twice).
	RelayEventIDHeader = "X-Supplyhub-Event-Id"
	// RelayTopicHeader carries the notification type, e.g. ORDER_CHANGE.
	RelayTopicHeader = "X-Supplyhub-Topic"
)

// WebhookSpec is how the host verifies relayed notifications natively:
// Amazon delivers ORDER_CHANGE, FBA_INVENTORY_AVAILABILITY_CHANGES and
// ANY_OFFER_CHANGED only to SQS (and listings types to EventBridge), with
// no signature the gateway could check, so the relay that moves them to
// the gateway's webhook path authenticates with the connection's shared
// secret in X-Supplyhub-Relay-Token. The inbox dedupes on the
// NotificationId the relay copies into X-Supplyhub-Event-Id (the body's
// SHA-256 when absent, e.g. from an EventBridge API destination).
func WebhookSpec() *sdk.WebhookSpec {
	return &sdk.WebhookSpec{
		Scheme:          sdk.SchemeToken,
		SignatureHeader: RelayTokenHeader,
		SecretField:     "relay_secret",
		EventIDHeader:   RelayEventIDHeader,
		TopicHeader:     RelayTopicHeader,
	}
}

// participation is one entry of getMarketplaceParticipations.
type participation struct {
	Marketplace struct {
		ID                  string `json:"id"`
		Name                string `json:"name"`
		CountryCode         string `json:"countryCode"`
		DefaultCurrencyCode string `json:"defaultCurrencyCode"`
	} `json:"marketplace"`
	Participation struct {
		IsParticipating      bool `json:"isParticipating"`
		HasSuspendedListings bool `json:"hasSuspendedListings"`
	} `json:"participation"`
}

// Check exchanges the refresh token and asks which marketplaces the seller
// participates in: a configured marketplace the seller does not sell on is
// invalid input.
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	c.ensurePoller(req.Connection, cfg)
	cl := c.clientFor(cfg)
	var out struct {
		Payload []participation `json:"payload"`
	}
	if _, err := cl.getJSON(ctx, opMarketParticipation, opMarketParticipation.path(), nil, &out); err != nil {
		return nil, err
	}
	part := map[string]participation{}
	for _, p := range out.Payload {
		part[p.Marketplace.ID] = p
	}
	var missing, names []string
	details := map[string]string{"orders_api": cfg.OrdersAPI, "region": cfg.Region, "reports_mode": cfg.ReportsMode}
	for _, m := range cfg.marketplaces() {
		p, ok := part[m.ID]
		if !ok || !p.Participation.IsParticipating {
			missing = append(missing, m.ID+" ("+m.Name+")")
			continue
		}
		names = append(names, m.SalesChannel)
		details["marketplace."+m.ID] = fmt.Sprintf("%s %s", m.SalesChannel, m.Currency)
		if p.Participation.HasSuspendedListings {
			details["marketplace."+m.ID] += ", has suspended listings"
		}
	}
	if len(missing) > 0 {
		return nil, sdk.InvalidInput("amazon: check: seller %s does not sell on %s", cfg.SellerID, strings.Join(missing, ", ")).
			WithDetail("remove them from marketplace_ids or register the seller there")
	}
	switch {
	case cfg.RelaySecret == "":
		details["notifications"] = "disabled: set relay_secret to accept relayed SQS notifications"
	case cfg.SQSPoll:
		details["notifications"] = "SQS poller in the plugin, posting to " + cfg.GatewayWebhookURL
	case cfg.SQSQueueURL != "":
		details["notifications"] = "run supplyhub-plugin-amazon relay for " + cfg.SQSQueueURL
	default:
		details["notifications"] = "relay endpoint only (no SQS queue configured)"
	}
	slices.Sort(names)
	return &sdk.CheckResponse{Message: fmt.Sprintf("seller %s on %s, orders API %s", cfg.SellerID, strings.Join(names, ", "), cfg.OrdersAPI), Details: details}, nil
}

// Interface guards.
var (
	_ sdk.Connector     = (*Connector)(nil)
	_ sdk.Source        = (*Connector)(nil)
	_ sdk.Sink          = (*Connector)(nil)
	_ sdk.Webhooks      = (*Connector)(nil)
	_ sdk.Subscriptions = (*Connector)(nil)
)
