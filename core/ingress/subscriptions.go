package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
)

// Triggers of a SubscriptionReport.
const (
	// TriggerManual: POST /v1/connections/{id}/webhooks/subscribe.
	TriggerManual = "manual"
	// TriggerCreated: the connection was created.
	TriggerCreated = "connection_created"
	// TriggerConfigChanged: the connection's configuration changed.
	TriggerConfigChanged = "config_changed"
	// TriggerStartup: the gateway started with a public URL at which the
	// connection's subscriptions were not registered yet (the URL changed,
	// or it was configured after the connection was created).
	TriggerStartup = "startup"
)

// subscribeTimeout bounds registering one connection's subscriptions.
const subscribeTimeout = 2 * time.Minute

// SubscriptionReport is what the gateway last did to register a
// connection's webhook subscriptions upstream; GET /v1/connections/{id}
// shows it as webhook_subscriptions.
type SubscriptionReport struct {
	// At is when the gateway asked the plugin.
	At time.Time `json:"at"`
	// Trigger is manual, connection_created, config_changed or startup.
	Trigger string `json:"trigger"`
	// CallbackURL is the URL the subscriptions point at.
	CallbackURL string `json:"callback_url"`
	// Results has one entry per topic, as the connector reported it.
	Results []sdk.WebhookSubscriptionResult `json:"results"`
	// Counts are the results by action (created, updated, unchanged,
	// deleted, skipped, failed).
	Counts map[string]int `json:"counts"`
	// Error is set when the whole call failed (no results then).
	Error string `json:"error,omitempty"`
}

// CheckPublicURL checks the gateway's public base URL: empty, or an
// absolute http(s) URL without query or fragment.
func CheckPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be the absolute http(s) URL upstreams reach the gateway at, such as https://gateway.example.com, without query or fragment", s)
	}
	return nil
}

// CallbackURL returns the public URL of a connection's webhook endpoint,
// or "" when no public URL is configured.
func (in *Ingress) CallbackURL(id string) string {
	if in.cfg.PublicURL == "" {
		return ""
	}
	return strings.TrimSuffix(in.cfg.PublicURL, "/") + "/webhooks/" + url.PathEscape(id)
}

// EnsureWebhooks asks the connection's plugin to register its webhook
// subscriptions at the gateway's public URL, records the report on the
// connection and returns it. Errors are API errors: 409 without a public
// URL, 404 for an unknown connection, 422 when the connector cannot
// subscribe webhooks or the upstream refuses the credentials, 502 when the
// upstream fails; the report is recorded for the upstream failures too.
func (in *Ingress) EnsureWebhooks(ctx context.Context, id, trigger string) (*SubscriptionReport, error) {
	callback := in.CallbackURL(id)
	if callback == "" {
		return nil, api.Errorf(http.StatusConflict, "no_public_url",
			"the gateway has no public URL, so it cannot tell the upstream of %s where to send webhooks: set webhooks.public_url (SUPPLYHUB_PUBLIC_URL) "+
				"to the https address upstreams reach this gateway at, or register <public URL>/webhooks/%s by hand", id, id)
	}
	cn, err := in.conns.get(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		return nil, api.Errorf(http.StatusBadGateway, "plugin_unavailable", "%v", err)
	}
	if cn.plugin.Subscriptions == nil {
		return nil, api.Errorf(http.StatusUnprocessableEntity, "not_supported",
			"connector %s cannot register webhook subscriptions (it does not offer the %s capability): register %s in the upstream's admin by hand, or upgrade the plugin",
			cn.Connector, sdk.CapSubscriptions, callback)
	}
	ctx, cancel := context.WithTimeout(ctx, subscribeTimeout)
	defer cancel()
	rep := &SubscriptionReport{At: time.Now().UTC(), Trigger: trigger, CallbackURL: callback, Counts: map[string]int{}}
	res, callErr := cn.plugin.Subscriptions.EnsureWebhooks(ctx, sdk.EnsureWebhooksRequest{Connection: id, Config: cn.config, CallbackURL: callback})
	if callErr != nil {
		rep.Error = callErr.Error()
	} else {
		rep.Results = res.Results
		for _, r := range res.Results {
			rep.Counts[r.Action]++
		}
	}
	if rep.Results == nil {
		rep.Results = []sdk.WebhookSubscriptionResult{}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return nil, fmt.Errorf("ingress: encode the subscription report: %w", err)
	}
	if err := in.store.SetWebhookSubscriptions(context.WithoutCancel(ctx), id, b); err != nil {
		return nil, err
	}
	if callErr != nil {
		in.log.Warn("webhook subscriptions failed", "connection", id, "trigger", trigger, "callback", callback, "err", callErr)
		switch sdk.KindOf(callErr) {
		case sdk.KindAuthentication:
			return rep, api.Errorf(http.StatusUnprocessableEntity, "check_failed", "the upstream rejected the credentials: %v", callErr)
		case sdk.KindInvalidInput, sdk.KindNotImplemented:
			return rep, api.Errorf(http.StatusUnprocessableEntity, "subscribe_failed", "%v", callErr)
		}
		return rep, api.Errorf(http.StatusBadGateway, "upstream_unavailable", "could not register the webhook subscriptions: %v", callErr)
	}
	in.log.Info("webhook subscriptions ensured", "connection", id, "trigger", trigger, "callback", callback,
		"created", rep.Counts[sdk.SubscriptionCreated], "updated", rep.Counts[sdk.SubscriptionUpdated],
		"unchanged", rep.Counts[sdk.SubscriptionUnchanged], "deleted", rep.Counts[sdk.SubscriptionDeleted],
		"skipped", rep.Counts[sdk.SubscriptionSkipped], "failed", rep.Counts[sdk.SubscriptionFailed])
	for _, r := range rep.Results {
		if r.Action == sdk.SubscriptionFailed {
			in.log.Warn("webhook topic not subscribed", "connection", id, "topic", r.Topic, "err", r.Error)
		}
	}
	return rep, nil
}

// autoSubscribe registers a connection's subscriptions after it was
// created or its configuration changed, when a public URL is configured
// and the connector can; a failure is recorded and logged, never returned.
func (in *Ingress) autoSubscribe(ctx context.Context, sc *store.Connection, trigger string) {
	if in.cfg.PublicURL == "" {
		return
	}
	p, _, err := in.plugins.Plugin(ctx, sc.Connector)
	if err != nil || p.Subscriptions == nil {
		return
	}
	in.conns.invalidate(sc.ID)
	if _, err := in.EnsureWebhooks(ctx, sc.ID, trigger); err != nil {
		in.log.Warn("could not register webhook subscriptions", "connection", sc.ID, "trigger", trigger, "err", err)
	}
}

// subscribeAtStartup registers the subscriptions of every active
// connection whose last report is missing or points at another callback
// URL than the configured public URL gives now. Connectors that cannot
// subscribe are left alone.
func (in *Ingress) subscribeAtStartup(ctx context.Context) {
	if in.cfg.PublicURL == "" {
		return
	}
	conns, err := in.store.ListConnections(ctx)
	if err != nil {
		in.log.Warn("webhook subscriptions at startup: list connections", "err", err)
		return
	}
	for i := range conns {
		sc := &conns[i]
		if sc.Status == StatusPaused || sc.Status == StatusUninstalled {
			continue
		}
		if rep := subscriptionReport(sc); rep != nil && rep.Error == "" && rep.CallbackURL == in.CallbackURL(sc.ID) {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		in.autoSubscribe(ctx, sc, TriggerStartup)
	}
}

// subscriptionReport decodes a connection's stored report, nil when none.
func subscriptionReport(sc *store.Connection) *SubscriptionReport {
	if len(sc.WebhookSubscriptions) == 0 {
		return nil
	}
	var rep SubscriptionReport
	if err := json.Unmarshal(sc.WebhookSubscriptions, &rep); err != nil {
		return &SubscriptionReport{Error: fmt.Sprintf("the stored report is unreadable: %v", err)}
	}
	return &rep
}
