package shopify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/supplyhub/supplyhub/sdk"
)

// WebhookTopic is a topic the connector subscribes to: its REST name (the
// X-Shopify-Topic of deliveries), its WebhookSubscriptionTopic value in the
// GraphQL Admin API, and the access scope Shopify requires for it (as the
// WebhookSubscriptionTopic reference lists them; empty means none).
type WebhookTopic struct {
	Topic, Enum, Scope string
}

// WebhookTopics are the topics EnsureWebhooks subscribes, in order: every
// topic ParseWebhook turns into records or actions.
var WebhookTopics = []WebhookTopic{
	{"orders/create", "ORDERS_CREATE", "read_orders"},
	{"orders/updated", "ORDERS_UPDATED", "read_orders"},
	{"orders/cancelled", "ORDERS_CANCELLED", "read_orders"},
	{"orders/delete", "ORDERS_DELETE", "read_orders"},
	{"refunds/create", "REFUNDS_CREATE", "read_orders"},
	{"products/create", "PRODUCTS_CREATE", "read_products"},
	{"products/update", "PRODUCTS_UPDATE", "read_products"},
	{"products/delete", "PRODUCTS_DELETE", "read_products"},
	{"inventory_levels/update", "INVENTORY_LEVELS_UPDATE", "read_inventory"},
	{"inventory_levels/connect", "INVENTORY_LEVELS_CONNECT", "read_inventory"},
	{"inventory_levels/disconnect", "INVENTORY_LEVELS_DISCONNECT", "read_inventory"},
	{"fulfillments/create", "FULFILLMENTS_CREATE", "read_fulfillments"},
	{"fulfillments/update", "FULFILLMENTS_UPDATE", "read_fulfillments"},
	{"app/uninstalled", "APP_UNINSTALLED", ""},
}

// ComplianceTopics are Shopify's mandatory privacy topics. They are not
// values of WebhookSubscriptionTopic: an app subscribes them in its
// configuration (shopify.app.toml compliance_topics, or the Partner
// Dashboard), never through the Admin API, so EnsureWebhooks reports them
// skipped with what to do.
var ComplianceTopics = []string{"customers/data_request", "customers/redact", "shop/redact"}

const webhookSubscriptionFields = `id topic uri format`

const webhookSubscriptionsQuery = `query WebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    nodes { ` + webhookSubscriptionFields + ` }
    pageInfo { hasNextPage endCursor }
  }
}`

const webhookSubscriptionCreateMutation = `mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { ` + webhookSubscriptionFields + ` }
    userErrors { field message }
  }
}`

const webhookSubscriptionUpdateMutation = `mutation WebhookSubscriptionUpdate($id: ID!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $webhookSubscription) {
    webhookSubscription { ` + webhookSubscriptionFields + ` }
    userErrors { field message }
  }
}`

const webhookSubscriptionDeleteMutation = `mutation WebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}`

const accessScopesQuery = `query AccessScopes { currentAppInstallation { accessScopes { handle } } }`

type gqlSubscription struct {
	ID     string `json:"id"`
	Topic  string `json:"topic"`
	URI    string `json:"uri"`
	Format string `json:"format"`
}

type gqlUserError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
}

// EnsureWebhooks subscribes the connection's shop to every topic in
// WebhookTopics at req.CallbackURL through the GraphQL Admin API
// (webhookSubscriptions, webhookSubscriptionCreate with the uri input field
// of API 2025-10 and later, webhookSubscriptionUpdate,
// webhookSubscriptionDelete). A topic already subscribed at the URL is
// unchanged; one subscribed only elsewhere has that subscription pointed at
// the URL (updated); a second subscription of a topic at the URL is
// deleted; a topic the token lacks the scope for fails with the scope to
// grant; the compliance topics are reported skipped. Subscriptions of the
// app to other topics are left alone. Calling it again changes nothing.
func (c *Connector) EnsureWebhooks(ctx context.Context, req sdk.EnsureWebhooksRequest) (*sdk.EnsureWebhooksResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	if err := checkCallbackURL(req.CallbackURL); err != nil {
		return nil, err
	}
	cl := c.clientFor(cfg)
	var scopes struct {
		CurrentAppInstallation struct {
			AccessScopes []struct {
				Handle string `json:"handle"`
			} `json:"accessScopes"`
		} `json:"currentAppInstallation"`
	}
	if _, err := cl.do(ctx, "access scopes", accessScopesQuery, nil, 2, nil, &scopes); err != nil {
		return nil, fmt.Errorf("shopify: ensure webhooks: %w", err)
	}
	have := map[string]bool{}
	for _, s := range scopes.CurrentAppInstallation.AccessScopes {
		have[s.Handle] = true
	}
	existing, err := c.listSubscriptions(ctx, cl)
	if err != nil {
		return nil, err
	}
	byTopic := map[string][]gqlSubscription{}
	for _, s := range existing {
		byTopic[s.Topic] = append(byTopic[s.Topic], s)
	}
	out := &sdk.EnsureWebhooksResponse{}
	wanted := map[string]bool{}
	for _, t := range WebhookTopics {
		wanted[t.Enum] = true
		res, err := c.ensureTopic(ctx, cl, t, byTopic[t.Enum], req.CallbackURL, have)
		if err != nil {
			if ctx.Err() != nil || sdk.KindOf(err) == sdk.KindAuthentication {
				return nil, err
			}
			res = sdk.WebhookSubscriptionResult{Topic: t.Topic, Action: sdk.SubscriptionFailed, Error: asSDKError(err, "shopify: subscribe %s", t.Topic)}
		}
		out.Results = append(out.Results, res)
	}
	// Subscriptions at the callback to topics the connector no longer
	// wants (an older version subscribed them) only cost deliveries: remove
	// them. Subscriptions elsewhere are left alone.
	for _, s := range existing {
		if wanted[s.Topic] || s.URI != req.CallbackURL {
			continue
		}
		res := sdk.WebhookSubscriptionResult{Topic: restTopic(s.Topic), SubscriptionID: s.ID, Action: sdk.SubscriptionDeleted}
		if err := c.deleteSubscription(ctx, cl, s.ID); err != nil {
			if ctx.Err() != nil || sdk.KindOf(err) == sdk.KindAuthentication {
				return nil, err
			}
			res.Action, res.Error = sdk.SubscriptionFailed, asSDKError(err, "shopify: unsubscribe %s", res.Topic)
		}
		out.Results = append(out.Results, res)
	}
	for _, t := range ComplianceTopics {
		out.Results = append(out.Results, sdk.WebhookSubscriptionResult{Topic: t, Action: sdk.SubscriptionSkipped,
			Error: &sdk.Error{Kind: sdk.KindNotImplemented,
				Message: fmt.Sprintf("shopify: %s is a mandatory compliance topic, which the Admin API cannot subscribe", t),
				Detail: fmt.Sprintf("set its URL (%s) in the app's configuration: compliance_topics in shopify.app.toml, or the Partner Dashboard's compliance webhooks",
					req.CallbackURL)}})
	}
	return out, nil
}

// ensureTopic makes exactly one of subs (the app's subscriptions to t)
// point at callback, creating one when there is none.
func (c *Connector) ensureTopic(ctx context.Context, cl *client, t WebhookTopic, subs []gqlSubscription, callback string, have map[string]bool) (sdk.WebhookSubscriptionResult, error) {
	res := sdk.WebhookSubscriptionResult{Topic: t.Topic}
	if t.Scope != "" && !have[t.Scope] && !have["write_"+strings.TrimPrefix(t.Scope, "read_")] {
		return res, sdk.Permanent(fmt.Errorf("the access token lacks the %s scope", t.Scope), "shopify: subscribe %s", t.Topic).
			WithDetail("add %s to the app's access scopes and reinstall the app, then subscribe again", t.Scope)
	}
	at := slices.IndexFunc(subs, func(s gqlSubscription) bool { return s.URI == callback })
	switch {
	case at >= 0:
		res.Action, res.SubscriptionID = sdk.SubscriptionUnchanged, subs[at].ID
		if subs[at].Format != "" && subs[at].Format != "JSON" {
			s, err := c.mutateSubscription(ctx, cl, "update webhook subscription", webhookSubscriptionUpdateMutation,
				map[string]any{"id": subs[at].ID, "webhookSubscription": map[string]any{"uri": callback, "format": "JSON"}}, "webhookSubscriptionUpdate")
			if err != nil {
				return res, err
			}
			res.Action, res.SubscriptionID = sdk.SubscriptionUpdated, s.ID
		}
	case len(subs) > 0:
		// subscribed elsewhere (the gateway moved): repoint the first one
		s, err := c.mutateSubscription(ctx, cl, "update webhook subscription", webhookSubscriptionUpdateMutation,
			map[string]any{"id": subs[0].ID, "webhookSubscription": map[string]any{"uri": callback, "format": "JSON"}}, "webhookSubscriptionUpdate")
		if err != nil {
			return res, err
		}
		res.Action, res.SubscriptionID = sdk.SubscriptionUpdated, s.ID
		at = 0
	default:
		s, err := c.mutateSubscription(ctx, cl, "create webhook subscription", webhookSubscriptionCreateMutation,
			map[string]any{"topic": t.Enum, "webhookSubscription": map[string]any{"uri": callback, "format": "JSON"}}, "webhookSubscriptionCreate")
		if err != nil {
			return res, err
		}
		res.Action, res.SubscriptionID = sdk.SubscriptionCreated, s.ID
		return res, nil
	}
	// Further subscriptions of the topic at the callback would deliver
	// every event twice: remove them. Those pointing elsewhere may belong
	// to another gateway of the same app and are left alone.
	for i, s := range subs {
		if i == at || s.URI != callback {
			continue
		}
		if err := c.deleteSubscription(ctx, cl, s.ID); err != nil {
			return res, err
		}
		if res.Action == sdk.SubscriptionUnchanged {
			res.Action = sdk.SubscriptionDeleted
		}
	}
	return res, nil
}

// restTopic turns a WebhookSubscriptionTopic value into its REST name:
// from WebhookTopics when known, else by Shopify's usual pattern
// (CARTS_CREATE → carts/create).
func restTopic(enum string) string {
	for _, t := range WebhookTopics {
		if t.Enum == enum {
			return t.Topic
		}
	}
	s := strings.ToLower(enum)
	if i := strings.LastIndexByte(s, '_'); i > 0 {
		s = s[:i] + "/" + s[i+1:]
	}
	return s
}

// listSubscriptions pages through the app's webhook subscriptions in the
// shop (those made through the API; app-wide ones from shopify.app.toml
// are not listed).
func (c *Connector) listSubscriptions(ctx context.Context, cl *client) ([]gqlSubscription, error) {
	var all []gqlSubscription
	after := any(nil)
	for page := 1; ; page++ {
		var out struct {
			WebhookSubscriptions struct {
				Nodes    []gqlSubscription `json:"nodes"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"webhookSubscriptions"`
		}
		if _, err := cl.do(ctx, "list webhook subscriptions", webhookSubscriptionsQuery, map[string]any{"after": after}, 12, nil, &out); err != nil {
			return nil, fmt.Errorf("shopify: list webhook subscriptions page %d: %w", page, err)
		}
		all = append(all, out.WebhookSubscriptions.Nodes...)
		pi := out.WebhookSubscriptions.PageInfo
		if !pi.HasNextPage || pi.EndCursor == "" {
			return all, nil
		}
		after = pi.EndCursor
	}
}

// mutateSubscription runs a create or update mutation and returns the
// subscription; userErrors become an InvalidInput error quoting Shopify.
func (c *Connector) mutateSubscription(ctx context.Context, cl *client, op, mutation string, vars map[string]any, field string) (gqlSubscription, error) {
	var out map[string]struct {
		WebhookSubscription *gqlSubscription `json:"webhookSubscription"`
		UserErrors          []gqlUserError   `json:"userErrors"`
	}
	if _, err := cl.do(ctx, op, mutation, vars, 10, nil, &out); err != nil {
		return gqlSubscription{}, err
	}
	p := out[field]
	if err := userErrorsErr(op, p.UserErrors); err != nil {
		return gqlSubscription{}, err
	}
	if p.WebhookSubscription == nil {
		return gqlSubscription{}, sdk.InvalidInput("shopify: %s: Shopify returned no subscription and no error", op)
	}
	return *p.WebhookSubscription, nil
}

func (c *Connector) deleteSubscription(ctx context.Context, cl *client, id string) error {
	var out struct {
		WebhookSubscriptionDelete struct {
			DeletedWebhookSubscriptionID string         `json:"deletedWebhookSubscriptionId"`
			UserErrors                   []gqlUserError `json:"userErrors"`
		} `json:"webhookSubscriptionDelete"`
	}
	if _, err := cl.do(ctx, "delete webhook subscription", webhookSubscriptionDeleteMutation, map[string]any{"id": id}, 10, nil, &out); err != nil {
		return err
	}
	return userErrorsErr("delete webhook subscription "+id, out.WebhookSubscriptionDelete.UserErrors)
}

func userErrorsErr(op string, ues []gqlUserError) error {
	if len(ues) == 0 {
		return nil
	}
	msgs := make([]string, len(ues))
	for i, u := range ues {
		msgs[i] = u.Message
		if len(u.Field) > 0 {
			msgs[i] += " (" + strings.Join(u.Field, ".") + ")"
		}
	}
	return sdk.InvalidInput("shopify: %s: Shopify refused it: %s", op, strings.Join(msgs, "; ")).
		WithDetail("fix what Shopify names (an https callback URL it can reach, the app's access scopes), then subscribe again")
}

// asSDKError keeps an *sdk.Error as it is and wraps anything else as
// retryable.
func asSDKError(err error, format string, args ...any) *sdk.Error {
	var e *sdk.Error
	if errors.As(err, &e) {
		return e
	}
	return sdk.Retryable(err, format, args...)
}

// checkCallbackURL refuses a callback Shopify could not deliver to.
func checkCallbackURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return sdk.InvalidInput("shopify: ensure webhooks: callback URL %q is not an absolute http(s) URL", s).
			WithDetail("set the gateway's public URL (webhooks.public_url) to the https address Shopify reaches it at")
	}
	return nil
}

// Interface guard.
var _ sdk.Subscriptions = (*Connector)(nil)
