package amazon

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/sdk"
)

const testCallback = "https://gateway.example.com/webhooks/amazon-eu"

func ensureSubs(t *testing.T, c *Connector, cfg json.RawMessage) *sdk.EnsureWebhooksResponse {
	t.Helper()
	res, err := c.EnsureWebhooks(ctxT(t), sdk.EnsureWebhooksRequest{Connection: "amazon-eu", Config: cfg, CallbackURL: testCallback})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func resultsByTopic(res *sdk.EnsureWebhooksResponse) map[string]sdk.WebhookSubscriptionResult {
	out := map[string]sdk.WebhookSubscriptionResult{}
	for _, r := range res.Results {
		out[r.Topic] = r
	}
	return out
}

// ourDestination returns the id of the fake's destination for its queue,
// failing unless there is exactly one.
func ourDestination(t *testing.T, srv *amazontest.Server) string {
	t.Helper()
	var ids []string
	for _, d := range srv.Destinations() {
		if d.ARN == srv.QueueARN {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("destinations of %s: %v, want exactly one", srv.QueueARN, srv.Destinations())
	}
	return ids[0]
}

func TestQueueARN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, url, region, want, err string
	}{
		{"aws", "https://sqs.eu-west-1.amazonaws.com/123456789012/sp-notifications", "eu-west-1", "arn:aws:sqs:eu-west-1:123456789012:sp-notifications", ""},
		{"fifo name kept", "https://sqs.us-east-1.amazonaws.com/210987654321/q.fifo", "us-east-1", "arn:aws:sqs:us-east-1:210987654321:q.fifo", ""},
		{"china partition", "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q", "cn-north-1", "arn:aws-cn:sqs:cn-north-1:123456789012:q", ""},
		{"no queue", "", "", "", "no sqs_queue_url"},
		{"no account", "https://sqs.eu-west-1.amazonaws.com/q", "eu-west-1", "", "cannot derive the queue ARN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := queueARN(Config{SQSQueueURL: tc.url, SQSRegion: tc.region})
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Message, tc.err)):
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case got != tc.want:
				t.Fatalf("ARN %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEnsureWebhooksCreatesThenChangesNothing(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{})
	c := fastConnector()
	cfg := fakeConfig(srv, nil)

	first := resultsByTopic(ensureSubs(t, c, cfg))
	dest := ourDestination(t, srv)
	subs := srv.Subscriptions()
	for _, st := range SubscribedTypes {
		r := first[st.Type]
		if r.Action != sdk.SubscriptionCreated || r.Error != nil {
			t.Errorf("%s: %s (%v), want created", st.Type, r.Action, r.Error)
		}
		s, ok := subs[st.Type]
		switch {
		case !ok:
			t.Errorf("%s: the fake holds no subscription", st.Type)
		case s.DestinationID != dest || s.PayloadVersion != st.PayloadVersion || s.ID != r.SubscriptionID:
			t.Errorf("%s: the fake holds %+v, want destination %s, payload %s, id %s", st.Type, s, dest, st.PayloadVersion, r.SubscriptionID)
		}
	}
	if len(subs) != len(SubscribedTypes) {
		t.Errorf("the fake holds %d subscriptions, want %d: %v", len(subs), len(SubscribedTypes), subs)
	}
	if r := first[TypeListingsMFNQuantity]; r.Action != sdk.SubscriptionSkipped || r.Error == nil || !strings.Contains(r.Error.Message, "EventBridge") {
		t.Errorf("%s: %+v, want skipped naming EventBridge", TypeListingsMFNQuantity, r)
	}

	requests := srv.Stats().Requests
	second := resultsByTopic(ensureSubs(t, c, cfg))
	for _, st := range SubscribedTypes {
		if r := second[st.Type]; r.Action != sdk.SubscriptionUnchanged || r.SubscriptionID != first[st.Type].SubscriptionID {
			t.Errorf("second call: %s: %s %s, want unchanged %s", st.Type, r.Action, r.SubscriptionID, first[st.Type].SubscriptionID)
		}
	}
	after := srv.Stats().Requests
	for _, op := range []string{"v1/createDestination", "v1/createSubscription", "v1/deleteSubscriptionById"} {
		if after[op] != requests[op] {
			t.Errorf("second call sent %s %d times, want none", op, after[op]-requests[op])
		}
	}
	if got := len(srv.Destinations()); got != 1 {
		t.Errorf("%d destinations after two calls, want 1", got)
	}
}

func TestEnsureWebhooksReplacesSubscriptionToAnotherDestination(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{})
	old := srv.AddDestination("old queue", "arn:aws:sqs:eu-west-1:123456789012:old-notifications")
	oldSub := srv.Subscribe(TypeOrderChange, old, "1.0")
	// our queue's destination exists already: it must be reused
	ours := srv.AddDestination("set up by hand", srv.QueueARN)
	keep := srv.Subscribe(TypeFBAInventoryAvailability, ours, "1.0")

	got := resultsByTopic(ensureSubs(t, fastConnector(), fakeConfig(srv, nil)))
	if d := ourDestination(t, srv); d != ours {
		t.Fatalf("destination %s, want the existing %s", d, ours)
	}
	subs := srv.Subscriptions()
	for _, tc := range []struct {
		typ, action string
	}{
		{TypeOrderChange, sdk.SubscriptionUpdated},
		{TypeFBAInventoryAvailability, sdk.SubscriptionUnchanged},
		{TypeAnyOfferChanged, sdk.SubscriptionCreated},
	} {
		r := got[tc.typ]
		if r.Action != tc.action {
			t.Errorf("%s: %s (%v), want %s", tc.typ, r.Action, r.Error, tc.action)
		}
		if s := subs[tc.typ]; s.DestinationID != ours || s.ID != r.SubscriptionID {
			t.Errorf("%s: the fake holds %+v, want destination %s and id %s", tc.typ, s, ours, r.SubscriptionID)
		}
	}
	if subs[TypeOrderChange].ID == oldSub {
		t.Errorf("%s still has the old subscription %s", TypeOrderChange, oldSub)
	}
	if subs[TypeFBAInventoryAvailability].ID != keep {
		t.Errorf("%s: subscription %s replaced, want %s kept", TypeFBAInventoryAvailability, subs[TypeFBAInventoryAvailability].ID, keep)
	}
	if n := srv.Stats().Requests["v1/deleteSubscriptionById"]; n != 1 {
		t.Errorf("deleteSubscriptionById sent %d times, want 1", n)
	}
}

func TestEnsureWebhooksRefusedTypeFails(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{})
	const msg = "Access to requested resource is denied: the application lacks the Pricing role."
	srv.RefuseSubscription(TypeAnyOfferChanged, http.StatusForbidden, "Unauthorized", msg)

	got := resultsByTopic(ensureSubs(t, fastConnector(), fakeConfig(srv, nil)))
	r := got[TypeAnyOfferChanged]
	if r.Action != sdk.SubscriptionFailed || r.Error == nil || !strings.Contains(r.Error.Message, msg) {
		t.Fatalf("%s: %+v, want failed quoting %q", TypeAnyOfferChanged, r, msg)
	}
	for _, typ := range []string{TypeOrderChange, TypeFBAInventoryAvailability} {
		if got[typ].Action != sdk.SubscriptionCreated {
			t.Errorf("%s: %s (%v), want created despite the refused type", typ, got[typ].Action, got[typ].Error)
		}
	}
	if _, ok := srv.Subscriptions()[TypeAnyOfferChanged]; ok {
		t.Errorf("the fake holds a subscription to the refused %s", TypeAnyOfferChanged)
	}
}

func TestEnsureWebhooksBadCredentials(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{})
	for _, tc := range []struct {
		name      string
		overrides map[string]any
		want      string
	}{
		{"invalid client secret for the grantless token", map[string]any{"lwa_client_secret": "amzn1.oa2-cs.v1.rotated"}, "grantless token: amazon: login with amazon: invalid_client"},
		{"revoked refresh token", map[string]any{"refresh_token": "Atzr|revoked"}, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := fastConnector().EnsureWebhooks(ctxT(t), sdk.EnsureWebhooksRequest{Connection: "amazon-eu",
				Config: fakeConfig(srv, tc.overrides), CallbackURL: testCallback})
			if sdk.KindOf(err) != sdk.KindAuthentication || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v (kind %v), want an authentication error naming %s", err, sdk.KindOf(err), tc.want)
			}
		})
	}
	if n := len(srv.Destinations()) + len(srv.Subscriptions()); n != 0 {
		t.Errorf("bad credentials left %d destinations and subscriptions", n)
	}
}

func TestEnsureWebhooksWithoutQueueSkips(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{})
	cfg := fakeConfig(srv, map[string]any{"sqs_queue_url": nil, "sqs_region": nil, "sqs_access_key_id": nil, "sqs_secret_access_key": nil, "sqs_endpoint": nil})
	for _, r := range ensureSubs(t, fastConnector(), cfg).Results {
		if r.Action != sdk.SubscriptionSkipped || r.Error == nil {
			t.Errorf("%s: %+v, want skipped with a reason", r.Topic, r)
		}
	}
	if len(srv.Destinations()) != 0 || srv.Stats().TokenExchanges != 0 {
		t.Errorf("called Amazon without a queue to subscribe")
	}
}

func TestEnsureWebhooksDeliversOnlySubscribedTypes(t *testing.T) {
	t.Parallel()
	srv := newFake(t, amazontest.Options{SKUs: 4, RequireSubscriptions: true})
	skus := srv.SKUs()
	mp := srv.Options().Marketplaces[0]
	if err := srv.NotifyOfferChange(mp, skus[0]); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Notifications; n != 0 {
		t.Fatalf("%d notifications enqueued before any subscription", n)
	}
	ensureSubs(t, fastConnector(), fakeConfig(srv, nil))
	if err := srv.NotifyOfferChange(mp, skus[0]); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Notifications; n != 1 {
		t.Fatalf("%d notifications enqueued after subscribing, want 1", n)
	}
}

// TestEnsureWebhooksDestinationConflict: a destination for the queue made
// between getDestinations and createDestination (409) is found and used,
// and the grantless token comes from the client_credentials grant with
// the notifications scope and no refresh token.
func TestEnsureWebhooksDestinationConflict(t *testing.T) {
	t.Parallel()
	rp := newReplay(t)
	lwa := loadExchange(t, "lwa-token-refresh.exchange.json")
	var mu sync.Mutex
	var grants []url.Values
	rp.handle("POST /auth/o2/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		grants = append(grants, r.PostForm)
		mu.Unlock()
		lwa.write(w)
	})
	const arn = "arn:aws:sqs:eu-west-1:123456789012:sp-notifications"
	rp.handle("GET /notifications/v1/destinations", func(w http.ResponseWriter, r *http.Request) {
		if rp.count("POST /notifications/v1/destinations") == 0 {
			_, _ = w.Write([]byte(`{"payload":[{"destinationId":"other","name":"x","resource":{"sqs":{"arn":"arn:aws:sqs:eu-west-1:123456789012:other"}}}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"payload":[{"destinationId":"dest-1","name":"made meanwhile","resource":{"sqs":{"arn":"` + arn + `"}}}]}`))
	})
	rp.handle("POST /notifications/v1/destinations", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusConflict)
		_, _ = w.Write([]byte(`{"errors":[{"code":"Conflict","message":"A destination for this resource already exists."}]}`))
	})
	for _, st := range SubscribedTypes {
		rp.handle("GET /notifications/v1/subscriptions/"+st.Type, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"payload":{"subscriptionId":"sub-` + st.Type + `","payloadVersion":"1.0","destinationId":"dest-1"}}`))
		})
	}
	cfg := rp.config(t, map[string]any{"sqs_queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/sp-notifications",
		"sqs_access_key_id": "AKIAFAKE", "sqs_secret_access_key": "secret"})
	got := resultsByTopic(ensureSubs(t, fastConnector(), cfg))
	for _, st := range SubscribedTypes {
		if r := got[st.Type]; r.Action != sdk.SubscriptionUnchanged || r.SubscriptionID != "sub-"+st.Type {
			t.Errorf("%s: %+v, want unchanged sub-%s", st.Type, r, st.Type)
		}
	}
	if n := rp.count("GET /notifications/v1/destinations"); n != 2 {
		t.Errorf("getDestinations called %d times, want 2 (before and after the conflict)", n)
	}
	mu.Lock()
	defer mu.Unlock()
	var grantless []url.Values
	for _, g := range grants {
		if g.Get("grant_type") == "client_credentials" {
			grantless = append(grantless, g)
		}
	}
	if len(grantless) != 1 || grantless[0].Get("scope") != NotificationsScope || grantless[0].Has("refresh_token") ||
		grantless[0].Get("client_secret") != "amzn1.oa2-cs.v1.fixturesecret" {
		t.Errorf("grantless token requests: %v, want one client_credentials grant with scope %s and no refresh token", grantless, NotificationsScope)
	}
}
