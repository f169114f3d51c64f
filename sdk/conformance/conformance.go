package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/jsonschema"
)

// Suite describes the connector under test and its fake upstream.
type Suite struct {
	// Plugin is the connector under test: sdk.InProcess(c), sdk.Loopback(c)
	// or a plugin from the host.
	Plugin sdk.Plugin
	// Connection is the connection id the kit uses; "conformance" when empty.
	Connection string
	// Config is a working configuration pointing at the fake upstream. It
	// must match the manifest's config schema.
	Config json.RawMessage
	// BadCredentials is Config with wrong credentials (still matching the
	// schema): Check must reject it with an authentication error.
	BadCredentials json.RawMessage
	// Upstream changes the fake upstream between reads.
	Upstream Upstream
	// Webhooks are the webhook fixtures; required when the plugin offers
	// webhooks.
	Webhooks *WebhookFixtures
	// Writes are the changes to write; required when the plugin offers a
	// sink.
	Writes *WriteFixtures
	// Skip skips checks by name ("read/orders/cancel", "webhooks/duplicate"
	// ...), each with the reason, which the test log shows. A name that
	// matches no check fails the suite, so a typo cannot skip silently.
	Skip map[string]string
	// CallbackURL is the URL the subscriptions check asks EnsureWebhooks
	// to subscribe; https://conformance.example.com/webhooks/<Connection>
	// when empty. The fake upstream must accept it.
	CallbackURL string
	// CallTimeout bounds each call to the plugin; 30 s when zero.
	CallTimeout time.Duration
	// CancelWithin is how soon a cancelled call must return; 2 s when zero.
	CancelWithin time.Duration
	// MaxResumes is how many checkpoints of a full read each resume check
	// reads from (spread evenly, always including the first and the last);
	// 0 means 8, -1 means every checkpoint.
	MaxResumes int
}

// Upstream changes the fake upstream between reads. Each function is
// called with a stream name from the manifest.
type Upstream struct {
	// Add creates a new record in the stream upstream, without delivering
	// a webhook, and returns its external id.
	Add func(ctx context.Context, stream string) (externalID string, err error)
	// Update changes an existing record of the stream upstream, moving its
	// updated_at forward, without delivering a webhook, and returns its
	// external id.
	Update func(ctx context.Context, stream string) (externalID string, err error)
	// Stall makes every upstream request hang until release is called, so
	// that the kit can check that a cancelled call returns promptly.
	Stall func() (release func())
}

// Delivery is one webhook delivery as the upstream sends it.
type Delivery struct {
	Headers http.Header
	Body    []byte
}

// WebhookFixtures are deliveries made by the fake upstream, signed with the
// secret in Suite.Config.
type WebhookFixtures struct {
	// Valid is a correctly signed delivery that parses into at least one
	// record.
	Valid Delivery
	// BadSignature is a delivery whose signature does not match: the host's
	// native verification must reject it.
	BadSignature Delivery
	// Duplicate is a redelivery of Valid's event (the upstream retrying):
	// it must yield the same dedupe key and the same records. When its body
	// is empty, Valid is sent again.
	Duplicate Delivery
	// Older and Newer are two updates of the same record, Older's version
	// before Newer's; the kit delivers Newer first and checks that Older
	// does not overwrite it.
	Older, Newer Delivery
	// Missed makes a change upstream whose webhook is never delivered and
	// returns the stream and external id of the changed record: the next
	// incremental read must return it. When nil, Upstream.Update is used on
	// the first stream.
	Missed func(ctx context.Context) (stream, externalID string, err error)
}

// WriteFixtures are changes for the sink checks.
type WriteFixtures struct {
	// Changes must all succeed (status ok) the first time they are
	// written, and be reported ok or duplicate, with the same external ids
	// and nothing applied twice, when written again.
	Changes []sdk.Change
	// Failing is a change the upstream rejects (an unknown SKU, say): sent
	// together with Changes it must fail alone, with an error, while the
	// others succeed. Nil needs a reason in Skip["write/partial-failure"].
	Failing *sdk.Change
	// Applied, when set, returns how many times the upstream applied the
	// change with this idempotency key; the kit requires exactly once.
	Applied func(ctx context.Context, idempotencyKey string) (int, error)
}

// Check names, for Suite.Skip. Read checks are per stream:
// "read/<stream>/full", "read/<stream>/resume", "read/<stream>/changes",
// "read/<stream>/cancel".
const (
	CheckDescribe           = "describe"
	CheckConfigSchema       = "describe/config-schema"
	CheckGoodCredentials    = "check/good-credentials"
	CheckBadCredentials     = "check/bad-credentials"
	CheckInvalidConfig      = "check/invalid-config"
	CheckCancelCheck        = "check/cancel"
	CheckWebhookVerify      = "webhooks/verify"
	CheckWebhookParse       = "webhooks/parse"
	CheckWebhookDuplicate   = "webhooks/duplicate"
	CheckWebhookOutOfOrder  = "webhooks/out-of-order"
	CheckWebhookMissed      = "webhooks/missed-event"
	CheckWriteIdempotent    = "write/idempotent"
	CheckWritePartialFailed = "write/partial-failure"
	CheckSubscriptionsIdem  = "subscriptions/idempotent"
)

// readChecks are the per-stream check suffixes.
var readChecks = []string{"full", "resume", "changes", "cancel"}

// Run runs every check as a subtest of t.
func Run(t *testing.T, s Suite) {
	t.Helper()
	k := newKit(t, s)
	k.run(t)
}

type kit struct {
	s        Suite
	manifest *sdk.Manifest
	schema   *jsonschema.Schema
	// store holds the records read so far, as the gateway's store would.
	store *Store
	// cursors holds the last checkpoint of each stream's full read.
	cursors map[string]string
	ran     map[string]bool
	mu      sync.Mutex
}

func newKit(t *testing.T, s Suite) *kit {
	if s.Connection == "" {
		s.Connection = "conformance"
	}
	if s.CallTimeout <= 0 {
		s.CallTimeout = 30 * time.Second
	}
	if s.CancelWithin <= 0 {
		s.CancelWithin = 2 * time.Second
	}
	if s.MaxResumes == 0 {
		s.MaxResumes = 8
	}
	if s.CallbackURL == "" {
		s.CallbackURL = "https://conformance.example.com/webhooks/" + s.Connection
	}
	return &kit{s: s, store: NewStore(), cursors: map[string]string{}, ran: map[string]bool{}}
}

func (k *kit) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), k.s.CallTimeout)
	t.Cleanup(cancel)
	return ctx
}

// check runs one named check, skipping it when Suite.Skip says so.
func (k *kit) check(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	k.mu.Lock()
	k.ran[name] = true
	k.mu.Unlock()
	t.Run(name, func(t *testing.T) {
		if reason, ok := k.s.Skip[name]; ok {
			if strings.TrimSpace(reason) == "" {
				t.Fatalf("Suite.Skip[%q] has no reason: say why the check does not apply", name)
			}
			t.Skip("skipped by the suite: " + reason)
		}
		f(t)
	})
}

func (k *kit) run(t *testing.T) {
	if k.s.Plugin.Connector == nil {
		t.Fatal("conformance: Suite.Plugin has no Connector; use sdk.InProcess(c), sdk.Loopback(c) or a host plugin")
	}
	k.check(t, CheckDescribe, k.checkDescribe)
	k.check(t, CheckConfigSchema, k.checkConfigSchema)
	if k.manifest == nil {
		t.Fatal("conformance: Describe failed; the remaining checks need the manifest")
	}
	k.check(t, CheckGoodCredentials, k.checkGoodCredentials)
	k.check(t, CheckBadCredentials, k.checkBadCredentials)
	k.check(t, CheckInvalidConfig, k.checkInvalidConfig)
	k.check(t, CheckCancelCheck, k.checkCancelCheck)
	for _, st := range k.manifest.Streams {
		k.readChecks(t, st)
	}
	k.webhookChecks(t)
	k.writeChecks(t)
	k.check(t, CheckSubscriptionsIdem, k.checkSubscriptions)
	var unknown []string
	for name := range k.s.Skip {
		if !k.ran[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		t.Errorf("conformance: Suite.Skip names checks that do not exist: %q (checks: %q)", unknown, k.checkNames())
	}
}

func (k *kit) checkNames() []string {
	var names []string
	for n := range k.ran {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ---------------------------------------------------------------------------
// Describe and Check

func (k *kit) checkDescribe(t *testing.T) {
	m, err := k.s.Plugin.Connector.Describe(k.ctx(t))
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if m == nil {
		t.Fatal("Describe returned no manifest")
	}
	cp := *m
	m = &cp
	k.manifest = m
	// In-process the capabilities are filled by Serve; compare with the
	// plugin's own.
	caps := k.s.Plugin.Capabilities()
	if len(m.Capabilities) == 0 {
		m.Capabilities = caps
	}
	if !slices.Equal(sortedCaps(m.Capabilities), sortedCaps(caps)) {
		t.Errorf("manifest capabilities %v differ from what the plugin offers %v", m.Capabilities, caps)
	}
	if err := m.Validate(); err != nil {
		t.Errorf("manifest: %v", err)
	}
	for _, st := range m.Streams {
		if st.Description == "" {
			t.Errorf("stream %s has no description: say what it holds", st.Name)
		}
	}
}

func sortedCaps(cs []sdk.Capability) []sdk.Capability {
	c := slices.Clone(cs)
	slices.Sort(c)
	return c
}

func (k *kit) checkConfigSchema(t *testing.T) {
	m := k.manifest
	if m == nil {
		t.Fatal("no manifest")
	}
	s, err := jsonschema.Compile(m.ConfigSchema)
	if err != nil {
		t.Fatalf("config schema: %v", err)
	}
	k.schema = s
	var schema struct {
		Type       any                        `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(m.ConfigSchema, &schema); err != nil {
		t.Fatalf("config schema: %v", err)
	}
	if schema.Type != "object" {
		t.Errorf(`config schema: "type" is %v, want "object"`, schema.Type)
	}
	for name, raw := range schema.Properties {
		var p struct {
			Description string `json:"description"`
		}
		_ = json.Unmarshal(raw, &p)
		if p.Description == "" {
			t.Errorf("config property %s has no description: users read it", name)
		}
	}
	for _, f := range m.SecretFields {
		if _, ok := schema.Properties[f]; !ok {
			t.Errorf("secret field %s is not a property of the config schema", f)
		}
	}
	if m.RateLimitKey != "" {
		if _, ok := schema.Properties[m.RateLimitKey]; !ok {
			t.Errorf("rate_limit_key %s is not a property of the config schema", m.RateLimitKey)
		}
	}
	if m.Webhook != nil {
		for _, f := range m.Webhook.SecretFields() {
			if _, ok := schema.Properties[f]; !ok {
				t.Errorf("webhook secret_field %s is not a property of the config schema", f)
			}
			if !slices.Contains(m.SecretFields, f) {
				t.Errorf("webhook secret_field %s is not listed in secret_fields: the host would store it in clear and show it in the API", f)
			}
		}
	}
	if len(k.s.Config) == 0 {
		t.Fatal("Suite.Config is empty: give a working configuration for the fake upstream")
	}
	if err := s.Validate(k.s.Config); err != nil {
		t.Errorf("Suite.Config does not match the config schema: %v", err)
	}
	if len(k.s.BadCredentials) > 0 {
		if err := s.Validate(k.s.BadCredentials); err != nil {
			t.Errorf("Suite.BadCredentials must match the schema (only the credentials are wrong): %v", err)
		}
	}
}

func (k *kit) checkGoodCredentials(t *testing.T) {
	res, err := k.s.Plugin.Connector.Check(k.ctx(t), sdk.CheckRequest{Connection: k.s.Connection, Config: k.s.Config})
	if err != nil {
		t.Fatalf("Check with Suite.Config: %v", err)
	}
	if res == nil || res.Message == "" {
		t.Error("Check succeeded without a message saying what was checked")
	}
}

func (k *kit) checkBadCredentials(t *testing.T) {
	if len(k.s.BadCredentials) == 0 {
		t.Fatal("Suite.BadCredentials is empty: give Config with a wrong token or key")
	}
	_, err := k.s.Plugin.Connector.Check(k.ctx(t), sdk.CheckRequest{Connection: k.s.Connection, Config: k.s.BadCredentials})
	if err == nil {
		t.Fatal("Check accepted bad credentials")
	}
	if sdk.KindOf(err) != sdk.KindAuthentication {
		t.Fatalf("Check with bad credentials returned %v (kind %s), want an authentication error", err, sdk.KindOf(err))
	}
}

func (k *kit) checkInvalidConfig(t *testing.T) {
	if k.schema == nil {
		t.Skip("the config schema did not compile; see " + CheckConfigSchema)
	}
	bad := json.RawMessage(`{}`)
	if k.schema.Validate(bad) == nil {
		bad = json.RawMessage(`{"conformance_unknown_property": [1, 2, 3]}`)
		if k.schema.Validate(bad) == nil {
			t.Skip("the config schema accepts {} and unknown properties: there is no invalid config to try")
		}
	}
	_, err := k.s.Plugin.Connector.Check(k.ctx(t), sdk.CheckRequest{Connection: k.s.Connection, Config: bad})
	if kind := sdk.KindOf(err); kind != sdk.KindInvalidInput {
		t.Fatalf("Check with config %s (which fails the schema) returned %v (kind %s), want invalid input", bad, err, kind)
	}
}

func (k *kit) checkCancelCheck(t *testing.T) {
	if k.s.Upstream.Stall == nil {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		_, err := k.s.Plugin.Connector.Check(ctx, sdk.CheckRequest{Connection: k.s.Connection, Config: k.s.Config})
		if el := time.Since(start); el > k.s.CancelWithin {
			t.Fatalf("Check with a cancelled context took %v", el)
		}
		if err == nil {
			t.Fatal("Check with a cancelled context succeeded; without Upstream.Stall only an already cancelled context is tried")
		}
		return
	}
	release := k.s.Upstream.Stall()
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := k.s.Plugin.Connector.Check(ctx, sdk.CheckRequest{Connection: k.s.Connection, Config: k.s.Config})
	if el := time.Since(start); el > 200*time.Millisecond+k.s.CancelWithin {
		t.Fatalf("Check against a stalled upstream returned %v after its deadline", el-200*time.Millisecond)
	}
	if err == nil {
		t.Fatal("Check against a stalled upstream succeeded after its deadline")
	}
}

// ---------------------------------------------------------------------------
// Webhooks

// DedupeKey is the inbox key the host uses for a delivery: the event id
// header the manifest names, or else the SHA-256 of the body.
func DedupeKey(spec *sdk.WebhookSpec, d Delivery) string {
	if spec != nil && spec.EventIDHeader != "" {
		if id := d.Headers.Get(spec.EventIDHeader); id != "" {
			return id
		}
	}
	sum := sha256.Sum256(d.Body)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (k *kit) secret(t *testing.T) string {
	var cfg map[string]any
	if err := json.Unmarshal(k.s.Config, &cfg); err != nil {
		t.Fatalf("Suite.Config is not a JSON object: %v", err)
	}
	v, _ := cfg[k.manifest.Webhook.SecretField].(string)
	if v == "" {
		t.Fatalf("Suite.Config has no %s (the webhook secret_field)", k.manifest.Webhook.SecretField)
	}
	return v
}

func (k *kit) webhookChecks(t *testing.T) {
	names := []string{CheckWebhookVerify, CheckWebhookParse, CheckWebhookDuplicate, CheckWebhookOutOfOrder, CheckWebhookMissed}
	wh := k.s.Plugin.Webhooks
	f := k.s.Webhooks
	for _, name := range names {
		k.check(t, name, func(t *testing.T) {
			if wh == nil {
				t.Skip("the plugin does not offer webhooks")
			}
			if f == nil {
				t.Fatal("the plugin offers webhooks but Suite.Webhooks is nil: add fixtures from the fake upstream")
			}
			if k.manifest.Webhook == nil {
				t.Fatal("the manifest declares no webhook spec")
			}
			switch name {
			case CheckWebhookVerify:
				k.checkVerify(t, f)
			case CheckWebhookParse:
				k.checkParse(t, f)
			case CheckWebhookDuplicate:
				k.checkDuplicate(t, f)
			case CheckWebhookOutOfOrder:
				k.checkOutOfOrder(t, f)
			case CheckWebhookMissed:
				k.checkMissed(t, f)
			}
		})
	}
}

func (k *kit) parse(t *testing.T, d Delivery, what string) *sdk.WebhookResponse {
	t.Helper()
	if len(d.Body) == 0 {
		t.Fatalf("Suite.Webhooks.%s is empty", what)
	}
	spec := k.manifest.Webhook
	if err := spec.Verify(k.secret(t), d.Headers, d.Body); err != nil {
		t.Fatalf("%s delivery does not verify: %v", what, err)
	}
	res, err := k.s.Plugin.Webhooks.ParseWebhook(k.ctx(t), sdk.WebhookRequest{Connection: k.s.Connection, Config: k.s.Config, Headers: d.Headers, Body: d.Body})
	if err != nil {
		t.Fatalf("ParseWebhook(%s): %v", what, err)
	}
	if res == nil {
		t.Fatalf("ParseWebhook(%s) returned nothing", what)
	}
	for i, r := range res.Records {
		k.validRecord(t, fmt.Sprintf("%s webhook record %d", what, i), r, nil)
	}
	return res
}

func (k *kit) checkVerify(t *testing.T, f *WebhookFixtures) {
	spec := k.manifest.Webhook
	secret := k.secret(t)
	if err := spec.Verify(secret, f.Valid.Headers, f.Valid.Body); err != nil {
		t.Errorf("the valid delivery does not verify: %v", err)
	}
	if len(f.BadSignature.Body) == 0 {
		t.Fatal("Suite.Webhooks.BadSignature is empty")
	}
	if err := spec.Verify(secret, f.BadSignature.Headers, f.BadSignature.Body); !errors.Is(err, sdk.ErrBadSignature) {
		t.Errorf("the badly signed delivery: Verify = %v, want ErrBadSignature", err)
	}
	tampered := slices.Clone(f.Valid.Body)
	tampered[len(tampered)/2] ^= 0x20
	if spec.Scheme != sdk.SchemeToken {
		if err := spec.Verify(secret, f.Valid.Headers, tampered); !errors.Is(err, sdk.ErrBadSignature) {
			t.Errorf("a tampered body with the valid signature: Verify = %v, want ErrBadSignature", err)
		}
	}
	if err := spec.Verify(secret+"x", f.Valid.Headers, f.Valid.Body); !errors.Is(err, sdk.ErrBadSignature) {
		t.Errorf("the valid delivery checked with another secret: Verify = %v, want ErrBadSignature", err)
	}
}

func (k *kit) checkParse(t *testing.T, f *WebhookFixtures) {
	res := k.parse(t, f.Valid, "Valid")
	if len(res.Records) == 0 && len(res.Actions) == 0 {
		t.Fatal("the valid delivery parsed into no records and no actions")
	}
	if spec := k.manifest.Webhook; spec.EventIDHeader == "" && res.EventID == "" {
		t.Log("no event id header and no event id in the body: the host deduplicates by the body's SHA-256")
	}
	_, err := k.s.Plugin.Webhooks.ParseWebhook(k.ctx(t), sdk.WebhookRequest{Connection: k.s.Connection, Config: k.s.Config,
		Headers: f.Valid.Headers, Body: []byte("{not json")})
	if sdk.KindOf(err) != sdk.KindInvalidInput {
		t.Errorf("ParseWebhook of a body that is not JSON returned %v (kind %s), want invalid input", err, sdk.KindOf(err))
	}
}

func (k *kit) checkDuplicate(t *testing.T, f *WebhookFixtures) {
	dup := f.Duplicate
	if len(dup.Body) == 0 {
		dup = f.Valid
	}
	spec := k.manifest.Webhook
	first := k.parse(t, f.Valid, "Valid")
	second := k.parse(t, dup, "Duplicate")
	k1, k2 := DedupeKey(spec, f.Valid), DedupeKey(spec, dup)
	if first.EventID != "" || second.EventID != "" {
		k1, k2 = first.EventID, second.EventID
	}
	if k1 != k2 {
		t.Errorf("a redelivery has dedupe key %q, the first delivery %q: the inbox would process the event twice", k2, k1)
	}
	if len(f.Newer.Body) > 0 {
		if kn := DedupeKey(spec, f.Newer); kn == DedupeKey(spec, f.Valid) {
			t.Errorf("two different events share the dedupe key %q: the inbox would drop one", kn)
		}
	}
	store := NewStore()
	if applied, _ := store.Apply(first.Records...); applied != len(first.Records) {
		t.Fatalf("applied %d of %d records of the first delivery", applied, len(first.Records))
	}
	if applied, _ := store.Apply(second.Records...); applied != 0 {
		t.Errorf("the redelivery changed %d stored records: its records must carry the same versions", applied)
	}
}

func (k *kit) checkOutOfOrder(t *testing.T, f *WebhookFixtures) {
	if len(f.Older.Body) == 0 || len(f.Newer.Body) == 0 {
		t.Fatal("Suite.Webhooks.Older and Newer are needed: two updates of one record")
	}
	newer := k.parse(t, f.Newer, "Newer")
	older := k.parse(t, f.Older, "Older")
	if len(newer.Records) == 0 || len(older.Records) == 0 {
		t.Fatal("Older and Newer must each parse into a record")
	}
	n, o := newer.Records[0], older.Records[0]
	if n.Kind() != o.Kind() || n.Ref() != o.Ref() {
		t.Fatalf("Older is %s %v and Newer %s %v: they must be the same record", o.Kind(), o.Ref(), n.Kind(), n.Ref())
	}
	if !o.Version().Before(n.Version()) {
		t.Fatalf("Older's version %v is not before Newer's %v: the connector must take updated_at from the upstream", o.Version(), n.Version())
	}
	store := NewStore()
	store.Apply(newer.Records...)
	if applied, _ := store.Apply(older.Records...); applied != 0 {
		t.Fatal("the older update overwrote the newer one")
	}
	if got := store.Get(n.Kind(), n.Ref()); got == nil || !got.Version().Equal(n.Version()) {
		t.Fatalf("the store holds %v, want Newer's version %v", got, n.Version())
	}
}

func (k *kit) checkMissed(t *testing.T, f *WebhookFixtures) {
	if k.s.Plugin.Source == nil {
		t.Skip("the plugin offers no source: a missed webhook cannot be recovered by reading")
	}
	if len(k.manifest.Streams) == 0 {
		t.Fatal("no streams")
	}
	missed := f.Missed
	if missed == nil {
		if k.s.Upstream.Update == nil {
			t.Fatal("set Suite.Webhooks.Missed or Suite.Upstream.Update to make a change whose webhook is never delivered")
		}
		stream := k.manifest.Streams[0].Name
		missed = func(ctx context.Context) (string, string, error) {
			id, err := k.s.Upstream.Update(ctx, stream)
			return stream, id, err
		}
	}
	stream, id, err := missed(k.ctx(t))
	if err != nil {
		t.Fatalf("Missed: %v", err)
	}
	st := k.stream(t, stream)
	cursor, ok := k.lastCursor(stream)
	if !ok {
		t.Fatalf("no checkpoint from a full read of %s to continue from", stream)
	}
	res := k.read(t, sdk.ReadRequest{Stream: stream, Mode: sdk.ModeIncremental, Cursor: cursor}, st)
	var found commerce.Record
	for _, r := range res.records {
		if r.Ref().ExternalID == id {
			found = r
		}
	}
	if found == nil {
		t.Fatalf("the incremental read from the last checkpoint did not return %s, whose webhook was missed", id)
	}
	if applied, _ := k.store.Apply(found); applied != 1 {
		t.Fatalf("the recovered %s is not newer than the stored version", id)
	}
	k.setCursor(stream, res.lastCursor())
}

// ---------------------------------------------------------------------------
// Writes

func (k *kit) writeChecks(t *testing.T) {
	for _, name := range []string{CheckWriteIdempotent, CheckWritePartialFailed} {
		k.check(t, name, func(t *testing.T) {
			if k.s.Plugin.Sink == nil {
				t.Skip("the plugin does not offer a sink")
			}
			if k.s.Writes == nil || len(k.s.Writes.Changes) == 0 {
				t.Fatal("the plugin offers a sink but Suite.Writes has no changes")
			}
			if name == CheckWriteIdempotent {
				k.checkIdempotent(t, k.s.Writes)
			} else {
				k.checkPartialFailure(t, k.s.Writes)
			}
		})
	}
}

func (k *kit) write(t *testing.T, changes []sdk.Change) *sdk.WriteResponse {
	t.Helper()
	for i, c := range changes {
		if !slices.Contains(k.manifest.WriteActions, c.Action) {
			t.Fatalf("fixture change %d has action %q, which the manifest does not list", i, c.Action)
		}
	}
	res, err := k.s.Plugin.Sink.Write(k.ctx(t), sdk.WriteRequest{Connection: k.s.Connection, Config: k.s.Config, Changes: changes})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if res == nil || len(res.Results) != len(changes) {
		t.Fatalf("Write returned %v results for %d changes: one per change, in order", res, len(changes))
	}
	for i, r := range res.Results {
		if r.IdempotencyKey != changes[i].IdempotencyKey {
			t.Errorf("result %d is for key %q, change %d has %q: keep the order", i, r.IdempotencyKey, i, changes[i].IdempotencyKey)
		}
		if !slices.Contains([]string{sdk.StatusOK, sdk.StatusDuplicate, sdk.StatusFailed}, r.Status) {
			t.Errorf("result %d has status %q", i, r.Status)
		}
		if r.Status == sdk.StatusFailed && r.Error == nil {
			t.Errorf("result %d failed without an error", i)
		}
	}
	return res
}

func (k *kit) checkIdempotent(t *testing.T, w *WriteFixtures) {
	first := k.write(t, w.Changes)
	for i, r := range first.Results {
		if r.Status != sdk.StatusOK {
			t.Fatalf("change %d (%s) first written: %s %v, want ok", i, r.IdempotencyKey, r.Status, r.Error)
		}
	}
	second := k.write(t, w.Changes)
	for i, r := range second.Results {
		if r.Status != sdk.StatusDuplicate && r.Status != sdk.StatusOK {
			t.Errorf("change %d (%s) written again: %s %v, want duplicate or ok", i, r.IdempotencyKey, r.Status, r.Error)
		}
		if r.ExternalID != first.Results[i].ExternalID {
			t.Errorf("change %d written again reports external id %q, first %q", i, r.ExternalID, first.Results[i].ExternalID)
		}
	}
	if w.Applied == nil {
		return
	}
	for _, c := range w.Changes {
		n, err := w.Applied(k.ctx(t), c.IdempotencyKey)
		if err != nil {
			t.Fatalf("Applied(%s): %v", c.IdempotencyKey, err)
		}
		if n != 1 {
			t.Errorf("the upstream applied change %s %d times, want once", c.IdempotencyKey, n)
		}
	}
}

func (k *kit) checkPartialFailure(t *testing.T, w *WriteFixtures) {
	if w.Failing == nil {
		t.Fatal("Suite.Writes.Failing is nil: give a change the upstream rejects, or skip " + CheckWritePartialFailed + " with a reason")
	}
	changes := append(slices.Clone(w.Changes), *w.Failing)
	res := k.write(t, changes)
	last := res.Results[len(res.Results)-1]
	if last.Status != sdk.StatusFailed || last.Error == nil {
		t.Fatalf("the failing change: %s %v, want failed with an error", last.Status, last.Error)
	}
	if sdk.IsRetryable(last.Error) && last.Error.Kind != sdk.KindRateLimited {
		t.Logf("the failing change's error is %s: the host will retry it", last.Error.Kind)
	}
	for i, r := range res.Results[:len(res.Results)-1] {
		if r.Status == sdk.StatusFailed {
			t.Errorf("change %d failed alongside the failing one: %v", i, r.Error)
		}
	}
}

// checkSubscriptions calls EnsureWebhooks twice with a working config: the
// first answer must be well formed (a topic and a known action per result,
// an error on every failed or skipped topic, no failed topic), and the
// second must report every topic it subscribed unchanged.
func (k *kit) checkSubscriptions(t *testing.T) {
	if k.s.Plugin.Subscriptions == nil {
		t.Skip("the plugin does not offer subscriptions")
	}
	ensure := func() map[string]sdk.WebhookSubscriptionResult {
		t.Helper()
		res, err := k.s.Plugin.Subscriptions.EnsureWebhooks(k.ctx(t), sdk.EnsureWebhooksRequest{Connection: k.s.Connection,
			Config: k.s.Config, CallbackURL: k.s.CallbackURL})
		if err != nil {
			t.Fatalf("EnsureWebhooks: %v", err)
		}
		if res == nil || len(res.Results) == 0 {
			t.Fatal("EnsureWebhooks reported no topic: return one result per topic the connector subscribes")
		}
		out := map[string]sdk.WebhookSubscriptionResult{}
		for i, r := range res.Results {
			switch {
			case r.Topic == "":
				t.Errorf("result %d has no topic", i)
			case !slices.Contains(sdk.SubscriptionActions(), r.Action):
				t.Errorf("%s: action %q is not one of %v", r.Topic, r.Action, sdk.SubscriptionActions())
			case (r.Action == sdk.SubscriptionFailed || r.Action == sdk.SubscriptionSkipped) && r.Error == nil:
				t.Errorf("%s is %s without an error saying why", r.Topic, r.Action)
			case r.Action == sdk.SubscriptionFailed:
				t.Errorf("%s failed with a working config: %v", r.Topic, r.Error)
			}
			if r.Action != sdk.SubscriptionDeleted {
				out[r.Topic] = r
			}
		}
		return out
	}
	first := ensure()
	second := ensure()
	for topic, r := range first {
		again, ok := second[topic]
		switch {
		case !ok:
			t.Errorf("%s: reported by the first call, missing from the second", topic)
		case r.Action == sdk.SubscriptionSkipped:
			if again.Action != sdk.SubscriptionSkipped {
				t.Errorf("%s: skipped, then %s", topic, again.Action)
			}
		case again.Action != sdk.SubscriptionUnchanged:
			t.Errorf("%s: the second call reported %s, want %s: EnsureWebhooks must be idempotent", topic, again.Action, sdk.SubscriptionUnchanged)
		case r.SubscriptionID != "" && again.SubscriptionID != r.SubscriptionID:
			t.Errorf("%s: subscription %s became %s", topic, r.SubscriptionID, again.SubscriptionID)
		}
	}
}
