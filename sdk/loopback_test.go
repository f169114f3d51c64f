package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
	pb "github.com/supplyhub/supplyhub/sdk/proto/supplyhub/connector/v1"
)

// fake is a Connector whose behaviour tests set through function fields.
type fake struct {
	check func(context.Context, CheckRequest) (*CheckResponse, error)
}

func (f *fake) Describe(context.Context) (*Manifest, error) {
	return &Manifest{Name: "fake", Version: "1.0.0", Description: "a test connector",
		ConfigSchema: json.RawMessage(`{"type":"object"}`),
		Streams:      []StreamSpec{{Name: "orders", Kinds: []commerce.Kind{commerce.KindOrder}, CursorField: "updated_at"}},
		Webhook:      &WebhookSpec{Scheme: SchemeHMACSHA256, SignatureHeader: "X-Sig", Encoding: "hex", SecretField: "secret"},
		WriteActions: []string{ActionSetInventory}}, nil
}

func (f *fake) Check(ctx context.Context, req CheckRequest) (*CheckResponse, error) {
	if f.check != nil {
		return f.check(ctx, req)
	}
	return &CheckResponse{Message: "ok " + req.Connection}, nil
}

// fakeSource adds Read, Write and ParseWebhook.
type fakeSource struct {
	fake
	read  func(context.Context, ReadRequest, ReadStream) error
	write func(context.Context, WriteRequest) (*WriteResponse, error)
	parse func(context.Context, WebhookRequest) (*WebhookResponse, error)
}

func (f *fakeSource) Read(ctx context.Context, req ReadRequest, out ReadStream) error {
	return f.read(ctx, req, out)
}

func (f *fakeSource) Write(ctx context.Context, req WriteRequest) (*WriteResponse, error) {
	return f.write(ctx, req)
}

func (f *fakeSource) ParseWebhook(ctx context.Context, req WebhookRequest) (*WebhookResponse, error) {
	return f.parse(ctx, req)
}

// collect is a ReadStream that records what arrives, in order.
type collect struct {
	mu      sync.Mutex
	events  []string
	records []commerce.Record
	rejects []error
	reject  bool
	onRec   func()
}

func (c *collect) Records(rs ...commerce.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records = append(c.records, rs...)
	c.events = append(c.events, fmt.Sprintf("records:%d", len(rs)))
	if c.onRec != nil {
		c.onRec()
	}
	return nil
}

func (c *collect) Checkpoint(cursor string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, "checkpoint:"+cursor)
	return nil
}

func (c *collect) Progress(p Progress) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, fmt.Sprintf("progress:%d", p.Records))
	return nil
}

type rejecting struct{ *collect }

func (r rejecting) RejectRecord(kind commerce.Kind, doc []byte, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rejects = append(r.rejects, err)
	return nil
}

func loopback(t *testing.T, c Connector) Plugin {
	t.Helper()
	p, m, closeFn, err := Loopback(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFn)
	if m.SDK != sdkID {
		t.Fatalf("manifest SDK = %q", m.SDK)
	}
	return p
}

func TestLoopbackServesOnlyImplementedCapabilities(t *testing.T) {
	t.Parallel()
	p := loopback(t, &fake{})
	if p.Connector == nil || p.Source != nil || p.Sink != nil || p.Webhooks != nil {
		t.Fatalf("capabilities = %v, want none beyond Connector", p.Capabilities())
	}
	m, err := p.Connector.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Capabilities) != 0 || m.Name != "fake" {
		t.Fatalf("manifest = %+v", m)
	}
	p = loopback(t, &fakeSource{})
	if got := fmt.Sprint(p.Capabilities()); got != "[source sink webhooks]" {
		t.Fatalf("capabilities = %s", got)
	}
}

func TestReadBatchesAndKeepsCheckpointsAfterTheirRecords(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 10, 0, 0, 0, berlin)
	src := &fakeSource{read: func(ctx context.Context, req ReadRequest, out ReadStream) error {
		if req.Stream != "orders" || req.Cursor != "c0" || req.Connection != "shop-1" {
			return InvalidInput("unexpected request %+v", req)
		}
		for i := 0; i < 1203; i++ {
			if err := out.Records(testOrder("shop-1", fmt.Sprint(i), now.Add(time.Duration(i)*time.Second))); err != nil {
				return err
			}
			if i == 600 {
				if err := out.Checkpoint("c601"); err != nil {
					return err
				}
			}
		}
		if err := out.Progress(Progress{Records: 1203}); err != nil {
			return err
		}
		return out.Checkpoint("c1203")
	}}
	p := loopback(t, src)
	var got collect
	err := p.Source.Read(context.Background(), ReadRequest{Connection: "shop-1", Stream: "orders", Mode: ModeIncremental, Cursor: "c0"}, &got)
	if err != nil {
		t.Fatal(err)
	}
	want := "records:500 records:101 checkpoint:c601 records:500 records:102 progress:1203 checkpoint:c1203"
	if strings.Join(got.events, " ") != want {
		t.Fatalf("events:\n got %s\nwant %s", strings.Join(got.events, " "), want)
	}
	for i, r := range got.records {
		if r.Ref().ExternalID != fmt.Sprint(i) {
			t.Fatalf("record %d is %s: order not kept", i, r.Ref().ExternalID)
		}
	}
}

func TestInvalidRecordsFromAPlugin(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 10, 0, 0, 0, berlin)
	src := &fakeSource{read: func(ctx context.Context, req ReadRequest, out ReadStream) error {
		bad := testOrder("shop-1", "2", now)
		bad.Currency = "XXX1"
		return out.Records(testOrder("shop-1", "1", now), bad, testOrder("shop-1", "3", now))
	}}
	p := loopback(t, src)
	var plain collect
	err := p.Source.Read(context.Background(), ReadRequest{Stream: "orders"}, &plain)
	if KindOf(err) != KindInvalidInput || !strings.Contains(err.Error(), `order record "2"`) || !strings.Contains(err.Error(), "currency") {
		t.Fatalf("Read = %v, want invalid_input naming record 2 and the currency field", err)
	}
	if len(plain.records) != 0 {
		t.Fatalf("a failed batch delivered %d records", len(plain.records))
	}
	rj := rejecting{&collect{}}
	if err := p.Source.Read(context.Background(), ReadRequest{Stream: "orders"}, rj); err != nil {
		t.Fatalf("Read with a rejecter = %v", err)
	}
	if len(rj.records) != 2 || len(rj.rejects) != 1 || KindOf(rj.rejects[0]) != KindInvalidInput {
		t.Fatalf("records %d, rejects %v", len(rj.records), rj.rejects)
	}
}

func TestErrorsAndCancellationCrossTheLoopback(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	src := &fakeSource{
		fake: fake{check: func(ctx context.Context, req CheckRequest) (*CheckResponse, error) {
			if string(req.Config) != `{"token":"good"}` {
				return nil, Authentication("token rejected").WithDetail("create a new token")
			}
			return &CheckResponse{Message: "ok"}, nil
		}},
		read: func(ctx context.Context, req ReadRequest, out ReadStream) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		},
		write: func(ctx context.Context, req WriteRequest) (*WriteResponse, error) {
			return nil, RateLimited(3*time.Second, "429 from upstream")
		},
	}
	p := loopback(t, src)
	ctx := context.Background()
	if _, err := p.Connector.Check(ctx, CheckRequest{Config: json.RawMessage(`{"token":"good"}`)}); err != nil {
		t.Fatal(err)
	}
	_, err := p.Connector.Check(ctx, CheckRequest{Config: json.RawMessage(`{"token":"bad"}`)})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindAuthentication || e.Detail != "create a new token" {
		t.Fatalf("Check with bad token = %#v", err)
	}
	lvl := &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: "c", ExternalID: "i@l"}, UpdatedAt: time.Now()}, SKU: "s", LocationID: "l"}
	_, err = p.Sink.Write(ctx, WriteRequest{Changes: []Change{{IdempotencyKey: "k", Action: ActionSetInventory, Record: lvl}}})
	if RetryAfterOf(err) != 3*time.Second || KindOf(err) != KindRateLimited {
		t.Fatalf("Write = %v, want rate limited 3s", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Source.Read(rctx, ReadRequest{Stream: "orders"}, &collect{}) }()
	<-started
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Read = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read did not return after cancellation")
	}
}

// An older plugin that declares a capability but does not serve it (or a
// new RPC it lacks) answers Unimplemented; the host sees Missing.
func TestUnservedCapabilityIsMissing(t *testing.T) {
	t.Parallel()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	pb.RegisterConnectorServer(srv, &lyingConnector{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cc, err := grpc.NewClient("passthrough:///x", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	p, _, err := NewRemote(context.Background(), "old", grpcplugin.NewClients(cc))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Source.Read(context.Background(), ReadRequest{Stream: "orders"}, &collect{})
	if KindOf(err) != KindNotImplemented || !strings.Contains(err.Error(), "plugin old does not implement source") {
		t.Fatalf("Read = %v, want Missing", err)
	}
}

type lyingConnector struct {
	pb.UnimplementedConnectorServer
}

func (lyingConnector) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	return &pb.DescribeResponse{Manifest: &pb.Manifest{Name: "old", Capabilities: []string{"source"}}}, nil
}

func TestManifestValidate(t *testing.T) {
	t.Parallel()
	good := func() *Manifest {
		m, _ := (&fake{}).Describe(context.Background())
		m.Capabilities = []Capability{CapSource, CapSink, CapWebhooks}
		return m
	}
	tests := []struct {
		name   string
		change func(*Manifest)
		want   string
	}{
		{"good", func(*Manifest) {}, ""},
		{"name", func(m *Manifest) { m.Name = "Shopify Plus" }, "name"},
		{"version", func(m *Manifest) { m.Version = "latest" }, "semantic version"},
		{"description", func(m *Manifest) { m.Description = "" }, "description"},
		{"schema missing", func(m *Manifest) { m.ConfigSchema = nil }, "config_schema is empty"},
		{"schema not an object", func(m *Manifest) { m.ConfigSchema = json.RawMessage(`[]`) }, "not a JSON object"},
		{"unknown capability", func(m *Manifest) { m.Capabilities = append(m.Capabilities, "teleport") }, "teleport"},
		{"source without streams", func(m *Manifest) { m.Streams = nil }, "list its streams"},
		{"duplicate stream", func(m *Manifest) { m.Streams = append(m.Streams, m.Streams[0]) }, "listed twice"},
		{"unknown kind", func(m *Manifest) { m.Streams[0].Kinds = []commerce.Kind{"invoice"} }, "invoice"},
		{"webhooks without spec", func(m *Manifest) { m.Webhook = nil }, "signature scheme"},
		{"bad webhook spec", func(m *Manifest) { m.Webhook.Encoding = "base32" }, "encoding"},
		{"sink without actions", func(m *Manifest) { m.WriteActions = nil }, "write_actions"},
		{"subscriptions", func(m *Manifest) { m.Capabilities = append(m.Capabilities, CapSubscriptions) }, ""},
		{"subscriptions without webhooks", func(m *Manifest) { m.Capabilities = []Capability{CapSource, CapSink, CapSubscriptions} }, "must also parse them"},
		{"unknown action", func(m *Manifest) { m.WriteActions = []string{"delete_everything"} }, "delete_everything"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := good()
			tt.change(m)
			err := m.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want a mention of %q", err, tt.want)
			}
		})
	}
}

func TestLoggerWritesHCLogJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(newHCLogHandler(&buf, slog.LevelDebug))
	l.Warn("page fetched", "page", 3, slog.Group("req", "status", 429))
	l.Debug("detail")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines = %q", lines)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	if m["@level"] != "warn" || m["@message"] != "page fetched" || m["page"] != float64(3) {
		t.Fatalf("entry = %v", m)
	}
	if _, err := time.Parse(hclogTimeFormat, m["@timestamp"].(string)); err != nil {
		t.Fatalf("timestamp %v is not in hclog's format: %v", m["@timestamp"], err)
	}
	if req, ok := m["req"].(map[string]any); !ok || req["status"] != float64(429) {
		t.Fatalf("group = %v", m["req"])
	}
	if !strings.Contains(lines[1], `"@level":"debug"`) {
		t.Fatalf("debug line = %s", lines[1])
	}
}

// fakeSubs adds EnsureWebhooks to fakeSource (a connector that subscribes
// webhooks must parse them).
type fakeSubs struct {
	fakeSource
	ensure func(context.Context, EnsureWebhooksRequest) (*EnsureWebhooksResponse, error)
}

func (f *fakeSubs) EnsureWebhooks(ctx context.Context, req EnsureWebhooksRequest) (*EnsureWebhooksResponse, error) {
	return f.ensure(ctx, req)
}

// EnsureWebhooks crosses the wire with its request, every result field
// and per-topic errors intact; whole-call errors keep their kind; a result
// with an unknown action is refused on the host side.
func TestEnsureWebhooksRoundTrip(t *testing.T) {
	t.Parallel()
	want := &EnsureWebhooksResponse{Results: []WebhookSubscriptionResult{
		{Topic: "orders/create", SubscriptionID: "gid://shopify/WebhookSubscription/1", Action: SubscriptionCreated},
		{Topic: "orders/updated", SubscriptionID: "gid://shopify/WebhookSubscription/2", Action: SubscriptionUpdated},
		{Topic: "refunds/create", SubscriptionID: "gid://shopify/WebhookSubscription/3", Action: SubscriptionUnchanged},
		{Topic: "carts/create", SubscriptionID: "gid://shopify/WebhookSubscription/4", Action: SubscriptionDeleted},
		{Topic: "customers/redact", Action: SubscriptionSkipped, Error: &Error{Kind: KindNotImplemented,
			Message: "compliance topic", Detail: "set it in the app configuration"}},
		{Topic: "inventory_levels/update", Action: SubscriptionFailed, Error: &Error{Kind: KindPermanent,
			Message: "access denied", Detail: "grant read_inventory"}},
	}}
	var got EnsureWebhooksRequest
	f := &fakeSubs{}
	f.ensure = func(_ context.Context, req EnsureWebhooksRequest) (*EnsureWebhooksResponse, error) {
		got = req
		switch req.Connection {
		case "auth":
			return nil, Authentication("shopify: 401").WithDetail("reinstall the app")
		case "bogus":
			return &EnsureWebhooksResponse{Results: []WebhookSubscriptionResult{{Topic: "x", Action: "maybe"}}}, nil
		}
		return want, nil
	}
	p := loopback(t, f)
	if p.Subscriptions == nil || fmt.Sprint(p.Capabilities()) != "[source sink webhooks subscriptions]" {
		t.Fatalf("capabilities = %v", p.Capabilities())
	}
	req := EnsureWebhooksRequest{Connection: "shop-1", Config: json.RawMessage(`{"shop":"a"}`), CallbackURL: "https://gw.example/webhooks/shop-1"}
	res, err := p.Subscriptions.EnsureWebhooks(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Connection != req.Connection || string(got.Config) != string(req.Config) || got.CallbackURL != req.CallbackURL {
		t.Fatalf("plugin got %+v, want %+v", got, req)
	}
	if !equalJSON(res, want) {
		a, _ := json.Marshal(res)
		b, _ := json.Marshal(want)
		t.Fatalf("results\n got %s\nwant %s", a, b)
	}
	_, err = p.Subscriptions.EnsureWebhooks(context.Background(), EnsureWebhooksRequest{Connection: "auth"})
	if KindOf(err) != KindAuthentication || !strings.Contains(err.Error(), "reinstall the app") {
		t.Fatalf("auth error = %v (kind %s)", err, KindOf(err))
	}
	_, err = p.Subscriptions.EnsureWebhooks(context.Background(), EnsureWebhooksRequest{Connection: "bogus"})
	if KindOf(err) != KindInvalidInput || !strings.Contains(err.Error(), `"maybe"`) {
		t.Fatalf("unknown action = %v (kind %s), want invalid input naming it", err, KindOf(err))
	}
}
