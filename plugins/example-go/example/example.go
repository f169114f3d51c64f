package example

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// Name is the connector's name; its plugin binary is supplyhub-plugin-example-go.
const Name = "example-go"

// Version is the connector's version.
const Version = "1.0.0"

//go:embed config.schema.json
var configSchema []byte

// The Example Shop API's webhook headers and the connector's one stream.
const (
	signatureHeader = "X-Example-Signature"
	eventIDHeader   = "X-Example-Event-Id"
	topicHeader     = "X-Example-Topic"
	streamOrders    = "orders"
)

// apiOrder is an order as the Example Shop API sends it.
type apiOrder struct {
	ID        string    `json:"id"`
	Number    int       `json:"number"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Status    string    `json:"status"`
	Currency  string    `json:"currency"`
	Email     string    `json:"email,omitempty"`
	Lines     []struct {
		ID        string `json:"id"`
		SKU       string `json:"sku"`
		Quantity  int    `json:"quantity"`
		UnitPrice string `json:"unit_price"`
	} `json:"lines"`
	Shipping string `json:"shipping"`
	Deleted  bool   `json:"deleted,omitempty"`
}

// apiOrdersPage is the body of GET /v1/orders.
type apiOrdersPage struct {
	Orders  []apiOrder `json:"orders"`
	HasMore bool       `json:"has_more"`
}

// apiInventoryWrite is the body of POST /v1/inventory_levels and its answer.
type apiInventoryWrite struct {
	SKU        string `json:"sku"`
	LocationID string `json:"location_id"`
	Available  int    `json:"available"`
	Duplicate  bool   `json:"duplicate,omitempty"`
}

// Config is a connection's configuration; config.schema.json documents it.
type Config struct {
	BaseURL       string `json:"base_url"`
	APIKey        string `json:"api_key"`
	WebhookSecret string `json:"webhook_secret,omitempty"`
	PageSize      int    `json:"page_size,omitempty"`
}

// parseConfig decodes and checks a configuration. Errors are InvalidInput
// and name the field.
func parseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, sdk.InvalidInput("example: config: %v", err).WithDetail("see the connector's config schema")
	}
	u, err := url.Parse(c.BaseURL)
	switch {
	case c.BaseURL == "":
		return Config{}, sdk.InvalidInput("example: config: base_url is required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return Config{}, sdk.InvalidInput("example: config: base_url %q is not an http(s) URL", c.BaseURL)
	case len(c.APIKey) < 8:
		return Config{}, sdk.InvalidInput("example: config: api_key is required (at least 8 characters)")
	case c.PageSize < 0 || c.PageSize > 250:
		return Config{}, sdk.InvalidInput("example: config: page_size %d must be 1..250", c.PageSize)
	}
	if c.PageSize == 0 {
		c.PageSize = 100
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c, nil
}

// Connector is the example connector. Its zero value is not usable; call New.
type Connector struct {
	mu      sync.Mutex
	clients map[string]*httpclient.Client
}

// New returns the connector.
func New() *Connector { return &Connector{clients: map[string]*httpclient.Client{}} }

// client returns the HTTP client of a shop: one per base URL, so that all
// connections to one shop share its rate limiter.
func (c *Connector) client(cfg Config) *httpclient.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[cfg.BaseURL]; ok {
		return cl
	}
	limiter, _ := httpclient.NewTokenBucket(200, 50)
	cl := httpclient.New(httpclient.Config{
		Limiter:   limiter,
		Logger:    sdk.Logger().With("connector", Name),
		UserAgent: "supplyhub-example/" + Version,
		BaseDelay: 50 * time.Millisecond,
		MaxDelay:  2 * time.Second,
	})
	c.clients[cfg.BaseURL] = cl
	return cl
}

func (c *Connector) get(ctx context.Context, cfg Config, path string, q url.Values, out any) error {
	u := cfg.BaseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return c.client(cfg).JSON(ctx, http.MethodGet, u, http.Header{"X-Api-Key": {cfg.APIKey}}, nil, out)
}

// Describe returns the manifest.
func (c *Connector) Describe(context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name:         Name,
		Version:      Version,
		Description:  "Example Shop: orders in, inventory levels out (the connector of the tutorial).",
		ConfigSchema: configSchema,
		SecretFields: []string{"api_key", "webhook_secret"},
		RateLimitKey: "base_url",
		Streams: []sdk.StreamSpec{{
			Name: streamOrders, Kinds: []commerce.Kind{commerce.KindOrder}, CursorField: "updated_at",
			Description: "Orders, oldest change first; deleted orders come as tombstones.",
		}},
		Webhook: &sdk.WebhookSpec{
			Scheme: sdk.SchemeHMACSHA256, SignatureHeader: signatureHeader, Encoding: "hex", Prefix: "sha256=",
			SecretField: "webhook_secret", EventIDHeader: eventIDHeader, TopicHeader: topicHeader,
		},
		WriteActions: []string{sdk.ActionSetInventory},
	}, nil
}

// Check fetches the shop to prove the base URL and key work.
func (c *Connector) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	var shop struct {
		Name     string `json:"name"`
		Currency string `json:"currency"`
	}
	if err := c.get(ctx, cfg, "/v1/shop", nil, &shop); err != nil {
		return nil, fmt.Errorf("example: check: %w", err)
	}
	return &sdk.CheckResponse{Message: fmt.Sprintf("shop %q, currency %s", shop.Name, shop.Currency),
		Details: map[string]string{"currency": shop.Currency}}, nil
}

// cursor is a position in the orders feed: the (updated_at, id) of the last
// order read. Its string form is "<RFC 3339 updated_at>|<id>", or "start".
type cursor struct {
	updated time.Time
	id      string
}

func (c cursor) String() string {
	if c.updated.IsZero() {
		return "start"
	}
	return c.updated.Format(time.RFC3339Nano) + "|" + c.id
}

func parseCursor(s string) (cursor, error) {
	if s == "" || s == "start" {
		return cursor{}, nil
	}
	ts, id, ok := strings.Cut(s, "|")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil || id == "" {
		return cursor{}, sdk.InvalidInput("example: cursor %q is not <RFC 3339 time>|<order id>", s)
	}
	return cursor{updated: t, id: id}, nil
}

// Read reads the orders stream. Each page is followed by a checkpoint at
// its last order, so that a resumed read continues after it.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadStream) error {
	if req.Stream != streamOrders {
		return sdk.InvalidInput("example: unknown stream %q (the connector offers %q)", req.Stream, streamOrders)
	}
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return err
	}
	if len(req.IDs) > 0 {
		return c.readIDs(ctx, cfg, req, out)
	}
	cur := cursor{}
	if req.Mode != sdk.ModeFull {
		if cur, err = parseCursor(req.Cursor); err != nil {
			return err
		}
	}
	log := sdk.Logger().With("connection", req.Connection, "stream", req.Stream)
	log.Debug("read started", "mode", req.Mode, "cursor", cur.String())
	var n, pages int64
	for {
		q := url.Values{"limit": {strconv.Itoa(cfg.PageSize)}}
		if !cur.updated.IsZero() {
			q.Set("updated_after", cur.updated.Format(time.RFC3339Nano))
			q.Set("after_id", cur.id)
		}
		var page apiOrdersPage
		if err := c.get(ctx, cfg, "/v1/orders", q, &page); err != nil {
			return fmt.Errorf("example: read orders after %s: %w", cur, err)
		}
		pages++
		recs := make([]commerce.Record, 0, len(page.Orders))
		for i := range page.Orders {
			o, err := mapOrder(req.Connection, &page.Orders[i])
			if err != nil {
				return err
			}
			recs = append(recs, o)
		}
		if len(recs) > 0 {
			if err := out.Records(recs...); err != nil {
				return err
			}
			last := page.Orders[len(page.Orders)-1]
			cur = cursor{updated: last.UpdatedAt, id: last.ID}
			n += int64(len(recs))
		}
		if err := out.Checkpoint(cur.String()); err != nil {
			return err
		}
		if err := out.Progress(sdk.Progress{Records: n, Pages: pages, RateLimitWait: c.client(cfg).RateLimitWait()}); err != nil {
			return err
		}
		if !page.HasMore {
			log.Debug("read finished", "records", n, "pages", pages, "cursor", cur.String())
			return nil
		}
	}
}

// readIDs re-reads single orders; it sends no checkpoint, since it does
// not move through the feed.
func (c *Connector) readIDs(ctx context.Context, cfg Config, req sdk.ReadRequest, out sdk.ReadStream) error {
	for _, id := range req.IDs {
		var o apiOrder
		if err := c.get(ctx, cfg, "/v1/orders/"+url.PathEscape(id), nil, &o); err != nil {
			return fmt.Errorf("example: read order %s: %w", id, err)
		}
		rec, err := mapOrder(req.Connection, &o)
		if err != nil {
			return err
		}
		if err := out.Records(rec); err != nil {
			return err
		}
	}
	return nil
}

var financial = map[string]string{
	"pending":   commerce.FinancialPending,
	"paid":      commerce.FinancialPaid,
	"refunded":  commerce.FinancialRefunded,
	"cancelled": commerce.FinancialVoided,
}

// mapOrder maps the API's order to the unified model.
func mapOrder(connection string, o *apiOrder) (commerce.Record, error) {
	meta := commerce.Meta{Source: commerce.Ref{Connection: connection, ExternalID: o.ID}, UpdatedAt: o.UpdatedAt, Deleted: o.Deleted}
	if o.Deleted {
		return &commerce.Order{Meta: meta}, nil
	}
	cur, err := commerce.ParseCurrency(o.Currency)
	if err != nil {
		return nil, sdk.InvalidInput("example: order %s: %v", o.ID, err)
	}
	fs, ok := financial[o.Status]
	if !ok {
		return nil, sdk.InvalidInput("example: order %s: unknown status %q", o.ID, o.Status)
	}
	money := func(field, amount string) (commerce.Money, error) {
		m, err := commerce.NewMoney(amount, cur)
		if err != nil {
			return commerce.Money{}, sdk.InvalidInput("example: order %s: %s %q: %v", o.ID, field, amount, err)
		}
		return m, nil
	}
	subtotal := commerce.Zero(cur)
	order := &commerce.Order{
		Meta: meta, Number: "#" + strconv.Itoa(o.Number), CreatedAt: o.CreatedAt, Currency: cur,
		FinancialStatus: fs, FulfillmentStatus: commerce.FulfillmentUnfulfilled,
	}
	if o.Email != "" {
		order.Customer = &commerce.OrderCustomer{Email: o.Email}
	}
	if o.Status == "cancelled" {
		t := o.UpdatedAt
		order.CancelledAt = &t
	}
	for i, l := range o.Lines {
		price, err := money(fmt.Sprintf("lines[%d].unit_price", i), l.UnitPrice)
		if err != nil {
			return nil, err
		}
		order.Lines = append(order.Lines, commerce.OrderLine{ExternalID: l.ID, SKU: l.SKU, Quantity: l.Quantity,
			UnitPrice: commerce.Bag(price), RequiresShipping: true})
		subtotal, _ = subtotal.Add(price.Mul(decimal.NewFromInt(int64(l.Quantity))))
	}
	shipping, err := money("shipping", o.Shipping)
	if err != nil {
		return nil, err
	}
	total, _ := subtotal.Add(shipping)
	order.Subtotal, order.TotalShipping, order.Total = commerce.Bag(subtotal), commerce.Bag(shipping), commerce.Bag(total)
	order.TotalDiscounts, order.TotalTax = commerce.Bag(commerce.Zero(cur)), commerce.Bag(commerce.Zero(cur))
	return order, nil
}

// ParseWebhook maps a delivery (already verified by the host) to the order
// it carries. Topics orders/create, orders/updated and orders/deleted are
// known; others are InvalidInput.
func (c *Connector) ParseWebhook(_ context.Context, req sdk.WebhookRequest) (*sdk.WebhookResponse, error) {
	topic := req.Headers.Get(topicHeader)
	switch topic {
	case "orders/create", "orders/updated", "orders/deleted":
	default:
		return nil, sdk.InvalidInput("example: webhook topic %q is not handled", topic)
	}
	var o apiOrder
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return nil, sdk.InvalidInput("example: webhook %s: body is not an order: %v", topic, err)
	}
	if o.ID == "" || o.UpdatedAt.IsZero() {
		return nil, sdk.InvalidInput("example: webhook %s: the order has no id or updated_at", topic)
	}
	o.Deleted = o.Deleted || topic == "orders/deleted"
	rec, err := mapOrder(req.Connection, &o)
	if err != nil {
		return nil, err
	}
	return &sdk.WebhookResponse{EventID: req.Headers.Get(eventIDHeader), Topic: topic, Records: []commerce.Record{rec}}, nil
}

// Write sets inventory levels. Each change is sent with its idempotency
// key, so a retried change is reported as a duplicate, not applied twice.
func (c *Connector) Write(ctx context.Context, req sdk.WriteRequest) (*sdk.WriteResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	res := &sdk.WriteResponse{}
	for _, ch := range req.Changes {
		r := sdk.ChangeResult{IdempotencyKey: ch.IdempotencyKey}
		if err := c.writeOne(ctx, cfg, ch, &r); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			var e *sdk.Error
			if !errors.As(err, &e) {
				e = sdk.Retryable(err, "example: write %s", ch.IdempotencyKey)
			}
			r.Status, r.Error = sdk.StatusFailed, e
		}
		res.Results = append(res.Results, r)
	}
	return res, nil
}

func (c *Connector) writeOne(ctx context.Context, cfg Config, ch sdk.Change, r *sdk.ChangeResult) error {
	if ch.Action != sdk.ActionSetInventory {
		return sdk.NotImplemented("example: action %q is not supported (only %s)", ch.Action, sdk.ActionSetInventory)
	}
	lvl, ok := ch.Record.(*commerce.InventoryLevel)
	if !ok {
		return sdk.InvalidInput("example: %s needs an inventory_level record, got %T", ch.Action, ch.Record)
	}
	var ans apiInventoryWrite
	h := http.Header{"X-Api-Key": {cfg.APIKey}, "Idempotency-Key": {ch.IdempotencyKey}}
	body := apiInventoryWrite{SKU: lvl.SKU, LocationID: lvl.LocationID, Available: lvl.Available}
	if err := c.client(cfg).JSON(ctx, http.MethodPost, cfg.BaseURL+"/v1/inventory_levels", h, body, &ans); err != nil {
		return fmt.Errorf("example: set %s at %s: %w", lvl.SKU, lvl.LocationID, err)
	}
	r.Status, r.ExternalID = sdk.StatusOK, ans.SKU+"@"+ans.LocationID
	if ans.Duplicate {
		r.Status = sdk.StatusDuplicate
	}
	return nil
}

// Interface guards.
var (
	_ sdk.Connector = (*Connector)(nil)
	_ sdk.Source    = (*Connector)(nil)
	_ sdk.Webhooks  = (*Connector)(nil)
	_ sdk.Sink      = (*Connector)(nil)
)
