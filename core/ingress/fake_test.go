package ingress

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// fakeConn is an in-process connector over an in-memory upstream, with
// switches to make it fail the ways real upstreams do.
type fakeConn struct {
	mu     sync.Mutex
	orders map[string]*commerce.Order // upstream state by id
	// faults
	failReadAfter int   // fail a Read (retryable) after this many records, once; 0 = never
	failReadErr   error // the error to fail with
	emptyFullRead bool  // a full read returns nothing
	invalidEvery  int   // every n-th record sent is invalid
	parseFailures int   // ParseWebhook fails (retryable) this many times
	slowRead      time.Duration
	slowParse     time.Duration // each ParseWebhook takes this long
	parseCalls    int
	readCalls     []sdk.ReadRequest
	writes        map[string]int // idempotency key -> times applied
	writeFailures int
	writeFailKind sdk.ErrorKind
	readStarted   chan struct{}
}

func newFakeConn() *fakeConn {
	return &fakeConn{orders: map[string]*commerce.Order{}, writes: map[string]int{}, readStarted: make(chan struct{}, 100)}
}

var testT0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("EST", -5*3600))

func makeOrder(id string, version time.Time, total string, email string) *commerce.Order {
	usd := func(s string) commerce.MoneyBag { return commerce.Bag(commerce.MustMoney(s, "USD")) }
	o := &commerce.Order{
		Meta:      commerce.Meta{Source: commerce.Ref{ExternalID: id}, UpdatedAt: version},
		CreatedAt: testT0, Currency: "USD", Number: "#" + id,
		Lines:    []commerce.OrderLine{{ExternalID: id + "-1", SKU: "SKU-1", Quantity: 1, UnitPrice: usd(total)}},
		Subtotal: usd(total), TotalDiscounts: usd("0"), TotalShipping: usd("0"), TotalTax: usd("0"), Total: usd(total),
	}
	if email != "" {
		o.Customer = &commerce.OrderCustomer{ExternalID: "cust-" + email, Email: email, FirstName: "Ann"}
		o.ShippingAddress = &commerce.Address{Name: "Ann", Line1: "1 Main St", City: "Springfield", CountryCode: "US", ProvinceCode: "IL"}
	}
	return o
}

// put adds or updates an upstream order.
func (f *fakeConn) put(o *commerce.Order) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders[o.Source.ExternalID] = o
}

var fakeSpec = sdk.WebhookSpec{Scheme: sdk.SchemeHMACSHA256, SignatureHeader: "X-Test-Hmac", Encoding: "base64",
	SecretField: "webhook_secret", EventIDHeader: "X-Test-Event-Id", TopicHeader: "X-Test-Topic"}

func (f *fakeConn) Describe(context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name: "fake", Version: "1.0.0", Description: "an in-memory upstream for tests",
		ConfigSchema: json.RawMessage(`{"type":"object","required":["token","webhook_secret"],"additionalProperties":false,
			"properties":{"token":{"type":"string","minLength":1},"webhook_secret":{"type":"string"},"region":{"type":"string","enum":["eu","us"]}}}`),
		SecretFields: []string{"token", "webhook_secret"},
		Streams:      []sdk.StreamSpec{{Name: "orders", Kinds: []commerce.Kind{commerce.KindOrder}, CursorField: "updated_at"}},
		Webhook:      &fakeSpec,
		WriteActions: []string{sdk.ActionSetInventory},
	}, nil
}

func (f *fakeConn) Check(_ context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	var cfg struct{ Token string }
	if err := json.Unmarshal(req.Config, &cfg); err != nil {
		return nil, sdk.InvalidInput("config: %v", err)
	}
	if cfg.Token != "good" {
		return nil, sdk.Authentication("fake: token %q rejected", cfg.Token)
	}
	return &sdk.CheckResponse{Message: "fake upstream reachable"}, nil
}

// Read sends orders in (updated_at, id) order, two per page, with a
// checkpoint after each page; the cursor is "<unix nanos>/<id>".
func (f *fakeConn) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadStream) error {
	f.mu.Lock()
	f.readCalls = append(f.readCalls, req)
	var all []*commerce.Order
	for _, o := range f.orders {
		c := *o
		all = append(all, &c)
	}
	empty, failAfter, failErr, invalidEvery, slow := f.emptyFullRead && req.Mode == sdk.ModeFull, f.failReadAfter, f.failReadErr, f.invalidEvery, f.slowRead
	f.mu.Unlock()
	select {
	case f.readStarted <- struct{}{}:
	default:
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].UpdatedAt.Equal(all[j].UpdatedAt) {
			return all[i].UpdatedAt.Before(all[j].UpdatedAt)
		}
		return all[i].Source.ExternalID < all[j].Source.ExternalID
	})
	if empty {
		all = nil
	}
	var fromNanos int64
	fromID := ""
	if req.Cursor != "" {
		var n int64
		fmt.Sscanf(req.Cursor, "%d/%s", &n, &fromID)
		fromNanos = n
	}
	ids := map[string]bool{}
	for _, id := range req.IDs {
		ids[id] = true
	}
	var page []commerce.Record
	sent, pages := 0, int64(0)
	for _, o := range all {
		if len(ids) > 0 && !ids[o.Source.ExternalID] {
			continue
		}
		v := o.UpdatedAt.UnixNano()
		if v < fromNanos || (v == fromNanos && o.Source.ExternalID <= fromID) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if failAfter > 0 && sent == failAfter {
			f.mu.Lock()
			f.failReadAfter = 0
			f.mu.Unlock()
			if failErr == nil {
				failErr = sdk.Retryable(fmt.Errorf("502 Bad Gateway"), "fake: list orders")
			}
			return failErr
		}
		var rec commerce.Record = o
		if invalidEvery > 0 && (sent+1)%invalidEvery == 0 {
			bad := *o
			bad.Lines = nil
			rec = &bad
		}
		page = append(page, rec)
		sent++
		if len(page) == 2 {
			pages++
			if err := out.Records(page...); err != nil {
				return err
			}
			if err := out.Checkpoint(strconv.FormatInt(v, 10) + "/" + o.Source.ExternalID); err != nil {
				return err
			}
			if err := out.Progress(sdk.Progress{Records: int64(sent), Pages: pages, Total: int64(len(all))}); err != nil {
				return err
			}
			page = page[:0]
			if slow > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(slow):
				}
			}
		}
	}
	if len(page) > 0 {
		last := page[len(page)-1]
		if err := out.Records(page...); err != nil {
			return err
		}
		return out.Checkpoint(strconv.FormatInt(last.Version().UnixNano(), 10) + "/" + last.Ref().ExternalID)
	}
	return nil
}

// ParseWebhook reads {"id", "updated_at", "total", "email"} or a
// {"redact": email} compliance body.
func (f *fakeConn) ParseWebhook(_ context.Context, req sdk.WebhookRequest) (*sdk.WebhookResponse, error) {
	f.mu.Lock()
	f.parseCalls++
	slow := f.slowParse
	if f.parseFailures > 0 {
		f.parseFailures--
		f.mu.Unlock()
		return nil, sdk.Retryable(fmt.Errorf("connection reset"), "fake: parse")
	}
	f.mu.Unlock()
	time.Sleep(slow)
	var body struct {
		ID        string    `json:"id"`
		UpdatedAt time.Time `json:"updated_at"`
		Total     string    `json:"total"`
		Email     string    `json:"email"`
		Redact    string    `json:"redact"`
		Reread    string    `json:"reread"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return nil, sdk.InvalidInput("fake: webhook body is not JSON: %v", err)
	}
	resp := &sdk.WebhookResponse{Topic: req.Headers.Get("X-Test-Topic"), EventID: req.Headers.Get("X-Test-Event-Id")}
	switch {
	case body.Redact != "":
		resp.Actions = []sdk.Action{{Type: sdk.ActionRedactCustomer, Customer: &commerce.OrderCustomer{Email: body.Redact}}}
	case body.Reread != "":
		resp.Actions = []sdk.Action{{Type: sdk.ActionReread, Stream: "orders", IDs: []string{body.Reread}}}
	default:
		if body.ID == "" || body.Total == "" {
			return nil, sdk.InvalidInput("fake: webhook body lacks id or total")
		}
		resp.Records = []commerce.Record{makeOrder(body.ID, body.UpdatedAt, body.Total, body.Email)}
	}
	return resp, nil
}

func (f *fakeConn) Write(_ context.Context, req sdk.WriteRequest) (*sdk.WriteResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.writeFailures > 0 {
		f.writeFailures--
		kind := f.writeFailKind
		if kind == "" {
			kind = sdk.KindRetryable
		}
		return nil, &sdk.Error{Kind: kind, Message: "fake: write failed"}
	}
	resp := &sdk.WriteResponse{}
	for _, c := range req.Changes {
		status := sdk.StatusOK
		if f.writes[c.IdempotencyKey] > 0 {
			status = sdk.StatusDuplicate
		} else {
			f.writes[c.IdempotencyKey]++
		}
		resp.Results = append(resp.Results, sdk.ChangeResult{IdempotencyKey: c.IdempotencyKey, Status: status, ExternalID: "up-" + c.IdempotencyKey})
	}
	return resp, nil
}

var (
	_ sdk.Connector = (*fakeConn)(nil)
	_ sdk.Source    = (*fakeConn)(nil)
	_ sdk.Webhooks  = (*fakeConn)(nil)
	_ sdk.Sink      = (*fakeConn)(nil)
)
