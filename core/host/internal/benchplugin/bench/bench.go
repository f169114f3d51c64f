// Package bench is a connector that generates small orders in memory, with
// no upstream, so that benchmarks measure the plugin boundary and nothing
// else. The host's benchmarks run it in-process and as the plugin
// supplyhub-plugin-bench, and its Check can be told to crash or hang.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Connector generates orders.
type Connector struct{}

// Config is the connection config: how many orders a read yields.
type Config struct {
	Orders int `json:"orders"`
	// Mode makes Check misbehave: "crash" exits the process, "hang" blocks
	// until cancelled.
	Mode string `json:"mode,omitempty"`
	// Env makes Check report this environment variable of the plugin
	// process, so that tests can see what the host passed.
	Env string `json:"env,omitempty"`
}

var zone = time.FixedZone("CET", 3600)

// Describe returns the manifest.
func (Connector) Describe(context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{Name: "bench", Version: "1.0.0", Description: "Generated small orders for benchmarks.",
		ConfigSchema: json.RawMessage(`{"type":"object","properties":{"orders":{"type":"integer","minimum":0,"description":"orders per read"},` +
			`"mode":{"enum":["","crash","hang"],"description":"make Check misbehave"},` +
			`"env":{"type":"string","description":"environment variable Check reports"}}}`),
		Streams: []sdk.StreamSpec{{Name: "orders", Kinds: []commerce.Kind{commerce.KindOrder}, CursorField: "updated_at", Description: "generated orders"}},
		Webhook: &sdk.WebhookSpec{Scheme: sdk.SchemeHMACSHA256, SignatureHeader: "X-Bench-Hmac", Encoding: "hex", SecretField: "secret"},
	}, nil
}

func parse(raw json.RawMessage) (Config, error) {
	var c Config
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c); err != nil {
			return c, sdk.InvalidInput("bench: config: %v", err)
		}
	}
	return c, nil
}

// Check answers at once, or crashes or hangs as the config says.
func (Connector) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	c, err := parse(req.Config)
	if err != nil {
		return nil, err
	}
	switch c.Mode {
	case "crash":
		fmt.Fprintln(os.Stderr, "bench: crashing on purpose")
		os.Exit(3)
	case "hang":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if c.Env != "" {
		v, ok := os.LookupEnv(c.Env)
		if !ok {
			v = "(unset)"
		}
		return &sdk.CheckResponse{Message: c.Env + "=" + v}, nil
	}
	return &sdk.CheckResponse{Message: "ok"}, nil
}

// Order returns the i-th generated order: one line, small.
func Order(conn string, i int) *commerce.Order {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, zone).Add(time.Duration(i) * time.Second)
	price := commerce.Bag(commerce.FromMinor(int64(1000+i%5000), "EUR"))
	zero := commerce.Bag(commerce.Zero("EUR"))
	id := strconv.Itoa(i)
	return &commerce.Order{
		Meta:      commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: id}, UpdatedAt: t},
		Number:    "#" + id,
		CreatedAt: t, Currency: "EUR", FinancialStatus: commerce.FinancialPaid,
		Lines:    []commerce.OrderLine{{ExternalID: id + "-1", SKU: "SKU-" + strconv.Itoa(i%100), Quantity: 1, UnitPrice: price}},
		Subtotal: price, TotalDiscounts: zero, TotalShipping: zero, TotalTax: zero, Total: price,
	}
}

// Read yields Config.Orders orders from the cursor (an order number), with
// a checkpoint every 1000.
func (Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadStream) error {
	c, err := parse(req.Config)
	if err != nil {
		return err
	}
	start := 0
	if req.Cursor != "" {
		if start, err = strconv.Atoi(req.Cursor); err != nil {
			return sdk.InvalidInput("bench: cursor %q", req.Cursor)
		}
	}
	for i := start; i < c.Orders; i++ {
		if err := out.Records(Order(req.Connection, i)); err != nil {
			return err
		}
		if (i+1)%1000 == 0 {
			if err := out.Checkpoint(strconv.Itoa(i + 1)); err != nil {
				return err
			}
		}
	}
	return out.Checkpoint(strconv.Itoa(max(c.Orders, start)))
}

// ParseWebhook reads a delivery's body as the number of a generated order.
func (Connector) ParseWebhook(_ context.Context, req sdk.WebhookRequest) (*sdk.WebhookResponse, error) {
	i, err := strconv.Atoi(string(req.Body))
	if err != nil {
		return nil, sdk.InvalidInput("bench: webhook body %q is not an order number", req.Body)
	}
	return &sdk.WebhookResponse{Topic: "orders/create", Records: []commerce.Record{Order(req.Connection, i)}}, nil
}

// EnsureWebhooks reports one topic, "orders/create", subscribed to the
// callback URL with the plugin's process id as the subscription id, so that
// tests see which process answered; with Mode "crash" it exits instead.
func (Connector) EnsureWebhooks(ctx context.Context, req sdk.EnsureWebhooksRequest) (*sdk.EnsureWebhooksResponse, error) {
	c, err := parse(req.Config)
	if err != nil {
		return nil, err
	}
	if c.Mode == "crash" {
		fmt.Fprintln(os.Stderr, "bench: crashing on purpose")
		os.Exit(3)
	}
	if req.CallbackURL == "" {
		return nil, sdk.InvalidInput("bench: no callback URL")
	}
	return &sdk.EnsureWebhooksResponse{Results: []sdk.WebhookSubscriptionResult{{Topic: "orders/create",
		SubscriptionID: strconv.Itoa(os.Getpid()) + " " + req.CallbackURL, Action: sdk.SubscriptionCreated}}}, nil
}

var (
	_ sdk.Connector     = Connector{}
	_ sdk.Source        = Connector{}
	_ sdk.Webhooks      = Connector{}
	_ sdk.Subscriptions = Connector{}
)
