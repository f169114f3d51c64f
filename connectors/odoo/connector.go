package odoo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Version is the connector's semantic version.
const Version = "1.0.0"

// Stream names.
const (
	StreamProducts        = "products"
	StreamLocations       = "locations"
	StreamInventoryLevels = "inventory_levels"
	StreamCustomers       = "customers"
	StreamReceipts        = "receipts"
)

// ConflictMarker starts every note the connector posts in Odoo's chatter
// about a record that disagrees with the channel; search for it in Odoo
// to list the conflicts.
const ConflictMarker = "Supplyhub conflict"

// Connector is the Odoo connector. It keeps no per-connection state beyond
// caches it can rebuild: one client per server, database, user and key
// (with the detected API, user id, version and field names).
type Connector struct {
	log       *slog.Logger
	transport http.RoundTripper
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	retryBase time.Duration
	retryMax  time.Duration

	mu      sync.Mutex
	clients map[string]*client
}

// Option configures a Connector.
type Option func(*Connector)

// WithLogger sends the connector's logs to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(c *Connector) { c.log = l } }

// WithTransport sends requests through rt (default: a clone of
// http.DefaultTransport).
func WithTransport(rt http.RoundTripper) Option { return func(c *Connector) { c.transport = rt } }

// withRetryDelays shortens the backoff between retries, for tests.
func withRetryDelays(base, max time.Duration) Option {
	return func(c *Connector) { c.retryBase, c.retryMax = base, max }
}

// New returns an Odoo connector.
func New(opts ...Option) *Connector {
	c := &Connector{now: time.Now, sleep: sleepCtx, retryBase: 250 * time.Millisecond, retryMax: 10 * time.Second, clients: map[string]*client{}}
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

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// clientFor returns the cached client of a configuration.
func (c *Connector) clientFor(cfg Config) *client {
	sum := sha256.Sum256([]byte(cfg.APIKey))
	key := strings.Join([]string{cfg.BaseURL, cfg.Database, cfg.Login, hex.EncodeToString(sum[:8]), cfg.API,
		fmt.Sprint(cfg.CompanyID, "/", cfg.RequestTimeoutSeconds, "/", cfg.MaxRetries)}, "|")
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[key]; ok {
		cl.cfg = cfg // non-key settings (masters, products) may change
		return cl
	}
	cl := newClient(cfg, c.transport, c.log.With("odoo", cfg.BaseURL, "database", cfg.Database), c.sleep, c.retryBase, c.retryMax)
	c.clients[key] = cl
	return cl
}

// Describe returns the manifest.
func (c *Connector) Describe(ctx context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name:         "odoo",
		Version:      Version,
		Description:  "Odoo ERP (17, 18, 19) through its external API (JSON-2 or JSON-RPC): products, warehouses, stock, dated incoming receipts and customers in; marketplace orders as sale orders and replenishment suggestions as draft RFQs out.",
		ConfigSchema: []byte(ConfigSchema),
		SecretFields: []string{"api_key"},
		RateLimitKey: "base_url",
		Streams: []sdk.StreamSpec{
			{Name: StreamProducts, Kinds: []commerce.Kind{commerce.KindProduct}, CursorField: "write_date",
				Description: "Product templates with their variants (SKU = internal reference, barcode, list price and cost in the company currency, weight, HS code, country of origin), archived ones as archived, and the main vendor with its lead time as tags supplier:<name> and lead_time_days:<n>."},
			{Name: StreamLocations, Kinds: []commerce.Kind{commerce.KindLocation}, CursorField: "write_date",
				Description: "Warehouses with their addresses; archived ones inactive."},
			{Name: StreamInventoryLevels, Kinds: []commerce.Kind{commerce.KindInventoryLevel}, CursorField: "write_date",
				Description: "Stock per storable product and warehouse: on hand and reserved (stock.quant in the warehouse's internal locations), available, and incoming (open receipts, which include confirmed purchase orders)."},
			{Name: StreamCustomers, Kinds: []commerce.Kind{commerce.KindCustomer}, CursorField: "write_date",
				Description: "Partners with a customer rank, with their own and delivery addresses; archived ones as tombstones."},
			{Name: StreamReceipts, Kinds: []commerce.Kind{commerce.KindReceipt}, CursorField: "write_date",
				Description: "Open incoming stock moves (purchase receipts and inbound transfers), one per move: SKU, warehouse, quantity still to receive, expected arrival (the move's scheduled date), receipt and purchase order names and the vendor; moves received or cancelled since the last read as tombstones."},
		},
		WriteActions: []string{sdk.ActionUpsertOrder, sdk.ActionCancelOrder, sdk.ActionCreatePurchaseOrder, sdk.ActionSetInventory},
	}, nil
}

// models the connector reads, and the ones it writes.
var (
	readModels  = []string{"product.product", "product.template", "stock.quant", "stock.move", "stock.warehouse", "res.partner"}
	writeModels = []string{"sale.order", "purchase.order", "res.partner"}
)

// Check validates the configuration, detects the API and checks the user's
// access rights. A user who may not read what the connector reads is an
// authentication error: the credentials do not grant enough.
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	res, err := c.check(ctx, req)
	var f *fault
	if err != nil && sdk.KindOf(err) == sdk.KindPermanent && errors.As(err, &f) && f.is("AccessError") {
		return nil, sdk.Authentication("odoo: check: %v", f).
			WithDetail("give the integration user Inventory, Sales and Purchase user rights (Settings → Users)")
	}
	return res, err
}

func (c *Connector) check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	cl := c.clientFor(cfg)
	if err := cl.ensure(ctx); err != nil {
		return nil, err
	}
	comp, err := cl.companyOf(ctx)
	if err != nil {
		return nil, err
	}
	details := map[string]string{"api": cl.api, "server_version": cl.version, "database": cfg.Database,
		"uid": fmt.Sprint(cl.uid), "company": comp.Name, "currency": comp.Currency,
		"masters": "stock=" + cfg.Masters.Stock + ", prices=" + cfg.Masters.Prices}
	if cl.api == APIJSON2 {
		details["api_reason"] = "the server offers /json/2 (Odoo 19 or later)"
	} else {
		details["api_reason"] = "the server has no /json/2 endpoint: JSON-RPC execute_kw (deprecated from Odoo 19, removed in 22)"
		if cfg.API == APIJSONRPC {
			details["api_reason"] = "api is set to json-rpc"
		}
	}
	var noRead, noWrite []string
	for _, m := range readModels {
		ok, err := cl.access(ctx, m, "read")
		if err != nil {
			return nil, err
		}
		if !ok {
			noRead = append(noRead, m)
		}
	}
	if len(noRead) > 0 {
		return nil, sdk.Authentication("odoo: check: user %d cannot read %s", cl.uid, strings.Join(noRead, ", ")).
			WithDetail("give the integration user Inventory and Sales user rights (Settings → Users)")
	}
	for _, m := range writeModels {
		for _, op := range []string{"create", "write"} {
			ok, err := cl.access(ctx, m, op)
			if err != nil {
				return nil, err
			}
			if !ok {
				noWrite = append(noWrite, m+" ("+op+")")
			}
		}
	}
	if len(noWrite) > 0 {
		details["write_back"] = "disabled: the user cannot " + strings.Join(noWrite, ", ")
	}
	var missing []string
	for _, code := range []string{cfg.ShippingProduct, cfg.DiscountProduct} {
		var rows []struct {
			ID oint `json:"id"`
		}
		if _, err := cl.searchRead(ctx, "product.product", []any{[]any{"default_code", "=", code}}, []string{"id"}, 0, 1, "id", nil, &rows); err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			missing = append(missing, code)
		}
	}
	if len(missing) > 0 {
		details["order_products"] = "missing service products " + strings.Join(missing, ", ") + ": create them (internal reference) or set shipping_product and discount_product; orders with shipping or discounts fail until then"
	}
	var n int
	since := formatTime(c.now().Add(-7 * 24 * time.Hour))
	if _, err := cl.call(ctx, "mail.message", "search_count", nil, map[string]any{"domain": []any{
		[]any{"body", "ilike", ConflictMarker}, []any{"date", ">=", since}}}, nil, &n); err == nil {
		details["conflicts"] = fmt.Sprintf("%d notes in the last 7 days (search %q in Odoo)", n, ConflictMarker)
	}
	msg := fmt.Sprintf("Odoo %s, database %s, user %d (%s, %s) over %s", cl.version, cfg.Database, cl.uid, comp.Name, comp.Currency, strings.ToUpper(cl.api))
	return &sdk.CheckResponse{Message: msg, Details: details}, nil
}

// access asks whether the user may do op on model: has_access from Odoo
// 18, check_access_rights before.
func (cl *client) access(ctx context.Context, model, op string) (bool, error) {
	var ok bool
	var err error
	if cl.major >= 18 {
		_, err = cl.call(ctx, model, "has_access", nil, map[string]any{"operation": op}, nil, &ok)
	} else {
		_, err = cl.call(ctx, model, "check_access_rights", nil, map[string]any{"operation": op, "raise_exception": false}, nil, &ok)
	}
	return ok, err
}

// Interface guards.
var (
	_ sdk.Connector = (*Connector)(nil)
	_ sdk.Source    = (*Connector)(nil)
	_ sdk.Sink      = (*Connector)(nil)
)
