package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// mem is a connector over an in-memory upstream, with switches that plant
// the bugs the kit must catch.
type mem struct {
	bug string

	mu      sync.Mutex
	orders  map[string]time.Time
	clock   time.Time
	next    int
	applied map[string]int
	hooks   map[string]string // topic -> subscribed URL
}

var zone = time.FixedZone("CET", 3600)

func newMem(bug string) *mem {
	m := &mem{bug: bug, orders: map[string]time.Time{}, clock: time.Date(2026, 3, 1, 9, 0, 0, 0, zone), next: 100, applied: map[string]int{}, hooks: map[string]string{}}
	for i := 0; i < 32; i++ {
		m.add()
	}
	return m
}

func (m *mem) add() string {
	m.next++
	m.clock = m.clock.Add(time.Second)
	id := strconv.Itoa(m.next)
	m.orders[id] = m.clock
	return id
}

func (m *mem) Describe(context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{
		Name: "mem", Version: "0.1.0", Description: "in-memory test shop",
		ConfigSchema: json.RawMessage(`{"type":"object","properties":{"token":{"type":"string","description":"API token"},` +
			`"secret":{"type":"string","description":"webhook secret"}},"required":["token"],"additionalProperties":false}`),
		SecretFields: []string{"token", "secret"},
		Streams:      []sdk.StreamSpec{{Name: "orders", Kinds: []commerce.Kind{commerce.KindOrder}, CursorField: "updated_at", Description: "orders"}},
		Webhook:      &sdk.WebhookSpec{Scheme: sdk.SchemeHMACSHA256, SignatureHeader: "X-Sig", Encoding: "hex", SecretField: "secret", EventIDHeader: "X-Event"},
		WriteActions: []string{sdk.ActionSetInventory},
	}, nil
}

type memConfig struct {
	Token  string `json:"token"`
	Secret string `json:"secret"`
}

func (m *mem) config(raw json.RawMessage) (memConfig, error) {
	var c memConfig
	if err := json.Unmarshal(raw, &c); err != nil || c.Token == "" {
		return c, sdk.InvalidInput("mem: config needs a token")
	}
	if c.Token != "good" {
		if m.bug == "auth-kind" {
			return c, sdk.Retryable(errors.New("401"), "mem")
		}
		return c, sdk.Authentication("mem: token rejected")
	}
	return c, nil
}

func (m *mem) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	if _, err := m.config(req.Config); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &sdk.CheckResponse{Message: "token ok"}, nil
}

func (m *mem) order(conn, id string, updated time.Time) *commerce.Order {
	eur := commerce.Bag(commerce.MustMoney("10", "EUR"))
	zero := commerce.Bag(commerce.Zero("EUR"))
	o := &commerce.Order{Meta: commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: id}, UpdatedAt: updated},
		CreatedAt: updated, Currency: "EUR", Lines: []commerce.OrderLine{{ExternalID: id + "-1", Quantity: 1, UnitPrice: eur}},
		Subtotal: eur, TotalDiscounts: zero, TotalShipping: zero, TotalTax: zero, Total: eur}
	if m.bug == "invalid-record" && id == "110" {
		o.Lines[0].Quantity = 0
	}
	return o
}

func (m *mem) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadStream) error {
	if _, err := m.config(req.Config); err != nil {
		return err
	}
	var after time.Time
	afterID := ""
	if req.Mode == sdk.ModeIncremental && req.Cursor != "" {
		ts, id, _ := strings.Cut(req.Cursor, "|")
		n, _ := strconv.ParseInt(ts, 10, 64)
		after, afterID = time.Unix(0, n).In(zone), id
	}
	m.mu.Lock()
	type row struct {
		id string
		t  time.Time
	}
	var rows []row
	for id, t := range m.orders {
		switch {
		case t.After(after), t.Equal(after) && id > afterID:
		case m.bug == "duplicate-resume" && t.Equal(after) && id == afterID:
		default:
			continue
		}
		rows = append(rows, row{id, t})
	}
	m.mu.Unlock()
	sort.Slice(rows, func(i, j int) bool { return rows[i].t.Before(rows[j].t) })
	if m.bug == "gap" && !after.IsZero() && len(rows) > 1 {
		rows = rows[1:]
	}
	cursor := req.Cursor
	if cursor == "" || req.Mode == sdk.ModeFull {
		cursor = "0|"
	}
	for i, r := range rows {
		if m.bug == "ignore-cancel" {
			_ = out.Records(m.order(req.Connection, r.id, r.t))
			if ctx.Err() != nil {
				time.Sleep(30 * time.Millisecond)
			}
			continue
		}
		if err := out.Records(m.order(req.Connection, r.id, r.t)); err != nil {
			return err
		}
		cursor = fmt.Sprintf("%d|%s", r.t.UnixNano(), r.id)
		if i%5 == 4 || (i == len(rows)-1 && m.bug != "no-final-checkpoint") {
			if err := out.Checkpoint(cursor); err != nil {
				return err
			}
		}
	}
	if len(rows) == 0 {
		return out.Checkpoint(cursor)
	}
	return nil
}

type memEvent struct {
	ID      string    `json:"id"`
	Updated time.Time `json:"updated_at"`
}

func (m *mem) ParseWebhook(_ context.Context, req sdk.WebhookRequest) (*sdk.WebhookResponse, error) {
	var ev memEvent
	if err := json.Unmarshal(req.Body, &ev); err != nil {
		return nil, sdk.InvalidInput("mem: webhook body: %v", err)
	}
	if m.bug == "version-now" {
		ev.Updated = time.Now()
	}
	return &sdk.WebhookResponse{EventID: req.Headers.Get("X-Event"), Records: []commerce.Record{m.order(req.Connection, ev.ID, ev.Updated)}}, nil
}

func (m *mem) Write(_ context.Context, req sdk.WriteRequest) (*sdk.WriteResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res := &sdk.WriteResponse{}
	for _, c := range req.Changes {
		lvl := c.Record.(*commerce.InventoryLevel)
		r := sdk.ChangeResult{IdempotencyKey: c.IdempotencyKey, ExternalID: lvl.SKU + "@" + lvl.LocationID, Status: sdk.StatusOK}
		switch {
		case lvl.SKU == "UNKNOWN":
			r.Status, r.Error, r.ExternalID = sdk.StatusFailed, sdk.InvalidInput("unknown sku"), ""
		case m.applied[c.IdempotencyKey] > 0 && m.bug != "write-twice":
			r.Status = sdk.StatusDuplicate
		default:
			m.applied[c.IdempotencyKey]++
		}
		res.Results = append(res.Results, r)
	}
	return res, nil
}

// EnsureWebhooks subscribes two topics at the callback URL; the planted
// bug "subscribe-twice" creates them again on every call.
func (m *mem) EnsureWebhooks(_ context.Context, req sdk.EnsureWebhooksRequest) (*sdk.EnsureWebhooksResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	res := &sdk.EnsureWebhooksResponse{}
	for _, topic := range []string{"orders/create", "orders/updated"} {
		r := sdk.WebhookSubscriptionResult{Topic: topic, SubscriptionID: "sub-" + topic, Action: sdk.SubscriptionCreated}
		if m.hooks[topic] == req.CallbackURL && m.bug != "subscribe-twice" {
			r.Action = sdk.SubscriptionUnchanged
		}
		m.hooks[topic] = req.CallbackURL
		res.Results = append(res.Results, r)
	}
	return res, nil
}

func (m *mem) delivery(secret, event, id string) Delivery {
	m.mu.Lock()
	body, _ := json.Marshal(memEvent{ID: id, Updated: m.orders[id]})
	m.mu.Unlock()
	spec := &sdk.WebhookSpec{Scheme: sdk.SchemeHMACSHA256, Encoding: "hex"}
	return Delivery{Headers: http.Header{"X-Sig": {spec.Sign(secret, body)}, "X-Event": {event}}, Body: body}
}

func (m *mem) update(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.clock = m.clock.Add(time.Second)
	m.orders[id] = m.clock
}

func memSuite(m *mem) Suite {
	older := m.delivery("s3cret", "e2", "103")
	m.update("103")
	newer := m.delivery("s3cret", "e3", "103")
	valid := m.delivery("s3cret", "e1", "102")
	level := func(sku string) commerce.Record {
		return &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: "conformance", ExternalID: sku + "@l"},
			UpdatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, zone)}, SKU: sku, LocationID: "l"}
	}
	return Suite{
		Plugin:         sdk.InProcess(m),
		Config:         json.RawMessage(`{"token":"good","secret":"s3cret"}`),
		BadCredentials: json.RawMessage(`{"token":"bad","secret":"s3cret"}`),
		Upstream: Upstream{
			Add: func(context.Context, string) (string, error) {
				m.mu.Lock()
				defer m.mu.Unlock()
				return m.add(), nil
			},
			Update: func(context.Context, string) (string, error) { m.update("101"); return "101", nil },
		},
		Webhooks: &WebhookFixtures{
			Valid: valid, BadSignature: Delivery{Headers: http.Header{"X-Sig": {"00"}, "X-Event": {"e9"}}, Body: valid.Body},
			Older: older, Newer: newer,
		},
		Writes: &WriteFixtures{
			Changes: []sdk.Change{{IdempotencyKey: "k1", Action: sdk.ActionSetInventory, Record: level("A")}},
			Failing: &sdk.Change{IdempotencyKey: "k2", Action: sdk.ActionSetInventory, Record: level("UNKNOWN")},
			Applied: func(_ context.Context, key string) (int, error) {
				m.mu.Lock()
				defer m.mu.Unlock()
				return m.applied[key], nil
			},
		},
		MaxResumes:   -1,
		CancelWithin: 500 * time.Millisecond,
	}
}

func TestKitPassesACorrectConnector(t *testing.T) {
	Run(t, memSuite(newMem("")))
}

func TestKitAcceptsSkipsWithReasons(t *testing.T) {
	s := memSuite(newMem(""))
	s.Writes.Failing = nil
	s.Skip = map[string]string{CheckWritePartialFailed: "the upstream accepts every SKU"}
	Run(t, s)
}

// Each planted bug must make the kit fail, with a message that names it.
// The broken suites run in a child process, since a failing subtest would
// fail this test too.
func TestKitCatchesBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary once per planted bug")
	}
	tests := []struct{ bug, want string }{
		{"gap", "a gap"},
		{"duplicate-resume", "a duplicate"},
		{"auth-kind", "want an authentication error"},
		{"version-now", "must take updated_at from the upstream"},
		{"write-twice", "applied change k1 2 times"},
		{"ignore-cancel", "after cancellation"},
		{"invalid-record", "lines[0].quantity"},
		{"no-final-checkpoint", "after the last checkpoint"},
		{"empty-skip-reason", "has no reason"},
		{"unknown-skip", "do not exist"},
		{"missing-fixtures", "Suite.Webhooks is nil"},
		{"subscribe-twice", "EnsureWebhooks must be idempotent"},
	}
	for _, tt := range tests {
		t.Run(tt.bug, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestKitHelper$", "-test.v")
			cmd.Env = append(os.Environ(), "CONFORMANCE_BUG="+tt.bug)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the kit passed a connector with bug %q:\n%s", tt.bug, out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Fatalf("the kit failed, but not saying %q:\n%s", tt.want, out)
			}
		})
	}
}

// TestKitHelper runs a broken suite; only TestKitCatchesBugs starts it.
func TestKitHelper(t *testing.T) {
	bug := os.Getenv("CONFORMANCE_BUG")
	if bug == "" {
		t.Skip("runs only as the child process of TestKitCatchesBugs")
	}
	s := memSuite(newMem(bug))
	switch bug {
	case "empty-skip-reason":
		s.Skip = map[string]string{CheckWriteIdempotent: " "}
	case "unknown-skip":
		s.Skip = map[string]string{"webhooks/duplicates": "typo"}
	case "missing-fixtures":
		s.Webhooks = nil
	}
	Run(t, s)
}

func TestStore(t *testing.T) {
	t.Parallel()
	m := newMem("")
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, zone)
	s := NewStore()
	a, sk := s.Apply(m.order("c", "1", t0), m.order("c", "2", t0))
	if a != 2 || sk != 0 || s.Len() != 2 {
		t.Fatalf("applied %d skipped %d len %d", a, sk, s.Len())
	}
	if a, sk = s.Apply(m.order("c", "1", t0)); a != 0 || sk != 1 {
		t.Fatal("an equal version was applied again")
	}
	if a, _ = s.Apply(m.order("c", "1", t0.Add(-time.Second))); a != 0 {
		t.Fatal("an older version overwrote a newer one")
	}
	if a, _ = s.Apply(m.order("c", "1", t0.Add(time.Second))); a != 1 {
		t.Fatal("a newer version was refused")
	}
	if got := s.Get(commerce.KindOrder, commerce.Ref{Connection: "c", ExternalID: "1"}); !got.Version().Equal(t0.Add(time.Second)) {
		t.Fatalf("stored version %v", got.Version())
	}
}

func TestPick(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, max int
		want   string
	}{
		{5, 8, "[0 1 2 3 4]"},
		{100, 3, "[0 49 99]"},
		{10, -1, "[0 1 2 3 4 5 6 7 8 9]"},
		{0, 8, "[]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(pick(tt.n, tt.max)); got != tt.want {
			t.Errorf("pick(%d, %d) = %s, want %s", tt.n, tt.max, got, tt.want)
		}
	}
}

func TestDedupeKey(t *testing.T) {
	t.Parallel()
	spec := &sdk.WebhookSpec{EventIDHeader: "X-Event"}
	if k := DedupeKey(spec, Delivery{Headers: http.Header{"X-Event": {"e1"}}, Body: []byte("a")}); k != "e1" {
		t.Fatalf("key = %q", k)
	}
	k1 := DedupeKey(spec, Delivery{Headers: http.Header{}, Body: []byte("a")})
	k2 := DedupeKey(nil, Delivery{Body: []byte("a")})
	if k1 != k2 || !strings.HasPrefix(k1, "sha256:") || k1 == DedupeKey(nil, Delivery{Body: []byte("b")}) {
		t.Fatalf("body keys %q %q", k1, k2)
	}
}
