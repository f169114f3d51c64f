package shopifytest

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Webhook subscriptions through the GraphQL Admin API (2026-01):
// webhookSubscriptions (filter topics, first/after), webhookSubscriptionCreate
// (topic, webhookSubscription: {uri, format}), webhookSubscriptionUpdate and
// webhookSubscriptionDelete. Each subscription the fake holds receives the
// signed deliveries of its topic, beside the URL given to
// StartWebhookDelivery.

// WebhookSubscription is a subscription the fake shop holds.
type WebhookSubscription struct {
	// ID is the global id, e.g. "gid://shopify/WebhookSubscription/1047800001".
	ID string
	// Topic is the topic in REST form, e.g. "orders/create".
	Topic string
	// URI is where deliveries go.
	URI string
	// Format is JSON or XML.
	Format               string
	CreatedAt, UpdatedAt time.Time
}

// webhookTopics maps the WebhookSubscriptionTopic values the fake knows to
// their REST topic and the access scope Shopify requires for them (empty:
// none). Compliance topics (customers/data_request, customers/redact,
// shop/redact) are not values of the enum: they are set in the app's
// configuration, not through the API.
var webhookTopics = map[string]struct{ topic, scope string }{
	"APP_UNINSTALLED":             {"app/uninstalled", ""},
	"ORDERS_CREATE":               {"orders/create", "read_orders"},
	"ORDERS_UPDATED":              {"orders/updated", "read_orders"},
	"ORDERS_CANCELLED":            {"orders/cancelled", "read_orders"},
	"ORDERS_DELETE":               {"orders/delete", "read_orders"},
	"ORDERS_PAID":                 {"orders/paid", "read_orders"},
	"ORDERS_FULFILLED":            {"orders/fulfilled", "read_orders"},
	"REFUNDS_CREATE":              {"refunds/create", "read_orders"},
	"CARTS_CREATE":                {"carts/create", "read_orders"},
	"PRODUCTS_CREATE":             {"products/create", "read_products"},
	"PRODUCTS_UPDATE":             {"products/update", "read_products"},
	"PRODUCTS_DELETE":             {"products/delete", "read_products"},
	"INVENTORY_LEVELS_UPDATE":     {"inventory_levels/update", "read_inventory"},
	"INVENTORY_LEVELS_CONNECT":    {"inventory_levels/connect", "read_inventory"},
	"INVENTORY_LEVELS_DISCONNECT": {"inventory_levels/disconnect", "read_inventory"},
	"INVENTORY_ITEMS_UPDATE":      {"inventory_items/update", "read_inventory"},
	"LOCATIONS_CREATE":            {"locations/create", "read_locations"},
	"FULFILLMENTS_CREATE":         {"fulfillments/create", "read_fulfillments"},
	"FULFILLMENTS_UPDATE":         {"fulfillments/update", "read_fulfillments"},
	"CUSTOMERS_CREATE":            {"customers/create", "read_customers"},
	"SHOP_UPDATE":                 {"shop/update", ""},
}

const subscriptionBase = 1_047_800_000

type subscriptions struct {
	mu   sync.Mutex
	seq  int64
	list []*WebhookSubscription // in id order
}

func (ss *subscriptions) byID(id string) *WebhookSubscription {
	for _, w := range ss.list {
		if w.ID == id {
			return w
		}
	}
	return nil
}

// WebhookSubscriptions returns a copy of the subscriptions the shop holds,
// in creation order.
func (s *Server) WebhookSubscriptions() []WebhookSubscription {
	ss := &s.subs
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make([]WebhookSubscription, len(ss.list))
	for i, w := range ss.list {
		out[i] = *w
	}
	return out
}

// AddWebhookSubscription subscribes uri to topic (REST form, e.g.
// "orders/create") as if another client of the same app had, so that a
// test can start from subscriptions pointing elsewhere. It applies the same
// validation as webhookSubscriptionCreate, scopes excepted.
func (s *Server) AddWebhookSubscription(topic, uri string) (WebhookSubscription, error) {
	enum := ""
	for e, t := range webhookTopics {
		if t.topic == topic {
			enum = e
		}
	}
	if enum == "" {
		return WebhookSubscription{}, fmt.Errorf("shopifytest: topic %q is not one the fake knows", topic)
	}
	ss := &s.subs
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if msg := s.checkURI(topic, uri, ""); msg != "" {
		return WebhookSubscription{}, fmt.Errorf("shopifytest: %s", msg)
	}
	return *s.addSubLocked(topic, uri, "JSON"), nil
}

// DeleteWebhookSubscriptions removes every subscription, as uninstalling
// the app does.
func (s *Server) DeleteWebhookSubscriptions() {
	s.subs.mu.Lock()
	s.subs.list = nil
	s.subs.mu.Unlock()
}

func (s *Server) addSubLocked(topic, uri, format string) *WebhookSubscription {
	ss := &s.subs
	ss.seq++
	now := s.opts.Clock().UTC().Truncate(time.Second)
	w := &WebhookSubscription{ID: gid("WebhookSubscription", subscriptionBase+ss.seq), Topic: topic, URI: uri, Format: format,
		CreatedAt: now, UpdatedAt: now}
	ss.list = append(ss.list, w)
	return w
}

// checkURI validates a subscription address as Shopify does for HTTP
// endpoints: an absolute https URL (http only with
// Options.AllowHTTPCallbacks), not already taken for the topic by another
// subscription than self. It returns the userError message, or "".
func (s *Server) checkURI(topic, uri, self string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" || u.Scheme == "" || strings.ContainsAny(uri, " \t\n") {
		return "Address is invalid"
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !s.opts.AllowHTTPCallbacks {
			return "Address protocol http:// is not supported"
		}
	default:
		return fmt.Sprintf("Address protocol %s:// is not supported", u.Scheme)
	}
	if h := u.Hostname(); h == "" || strings.HasSuffix(h, ".myshopify.com") || (net.ParseIP(h) == nil && !strings.Contains(h, ".") && h != "localhost") {
		return "Address is invalid"
	}
	for _, w := range s.subs.list {
		if w.Topic == topic && w.URI == uri && w.ID != self {
			return "Address for this topic has already been taken"
		}
	}
	return ""
}

// subscribers returns the addresses subscribed to topic.
func (s *Server) subscribers(topic string) []subTarget {
	ss := &s.subs
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var out []subTarget
	for _, w := range ss.list {
		if w.Topic == topic {
			out = append(out, subTarget{id: w.ID, uri: w.URI})
		}
	}
	return out
}

type subTarget struct{ id, uri string }

// ---- GraphQL

type subscriptionObj struct{ w WebhookSubscription }

func (subscriptionObj) typename() string { return "WebhookSubscription" }

func (o subscriptionObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "id":
		return o.w.ID, nil
	case "legacyResourceId":
		_, id, _, _ := parseGID(o.w.ID)
		return legacy(id), nil
	case "topic":
		for e, t := range webhookTopics {
			if t.topic == o.w.Topic {
				return enumValue(e), nil
			}
		}
		return nil, nil
	case "uri", "callbackUrl":
		return o.w.URI, nil
	case "format":
		return enumValue(o.w.Format), nil
	case "createdAt":
		return gqlTime(o.w.CreatedAt), nil
	case "updatedAt":
		return gqlTime(o.w.UpdatedAt), nil
	case "filter":
		return nil, nil
	case "includeFields", "metafieldNamespaces":
		return []string{}, nil
	}
	return nil, errNoField
}

// enumArg reads an enum argument given as a literal or through a variable.
func enumArg(v any) (string, bool) {
	switch x := v.(type) {
	case enumValue:
		return string(x), true
	case string:
		return x, true
	}
	return "", false
}

// webhookSubscriptionsConnection serves webhookSubscriptions(topics, format,
// first, after). Shopify lists only the subscriptions of the calling app.
func (s *Server) webhookSubscriptionsConnection(args map[string]any) (any, error) {
	var topics []string
	if list, given := args["topics"].([]any); given {
		for _, x := range list {
			e, _ := enumArg(x)
			t, ok := webhookTopics[e]
			if !ok {
				return nil, &fieldError{code: "BAD_REQUEST", msg: fmt.Sprintf("Argument 'topics' has an invalid value: %q is not a WebhookSubscriptionTopic", e)}
			}
			topics = append(topics, t.topic)
		}
	}
	format, _ := enumArg(args["format"])
	s.subs.mu.Lock()
	var items []gqlObject
	var ids []int64
	for _, w := range s.subs.list {
		if len(topics) > 0 && !slices.Contains(topics, w.Topic) || format != "" && format != w.Format {
			continue
		}
		_, id, _, _ := parseGID(w.ID)
		items = append(items, subscriptionObj{*w})
		ids = append(ids, id)
	}
	s.subs.mu.Unlock()
	return page("WebhookSubscriptionConnection", items, ids, args)
}

func (s *Server) webhookSubscriptionByID(id string) gqlObject {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	if w := s.subs.byID(id); w != nil {
		return subscriptionObj{*w}
	}
	return nil
}

// subscriptionInput reads a WebhookSubscriptionInput: uri (or the
// deprecated callbackUrl) and format (default JSON).
func subscriptionInput(args map[string]any) (uri, format string, given bool) {
	in, _ := args["webhookSubscription"].(map[string]any)
	if in == nil {
		return "", "", false
	}
	uri, _ = in["uri"].(string)
	if uri == "" {
		uri, _ = in["callbackUrl"].(string)
	}
	format, _ = enumArg(in["format"])
	if format == "" {
		format = "JSON"
	}
	return uri, format, true
}

func (s *Server) webhookSubscriptionCreate(args map[string]any) (gqlObject, error) {
	const pt, et = "WebhookSubscriptionCreatePayload", "UserError"
	e, _ := enumArg(args["topic"])
	t, ok := webhookTopics[e]
	if !ok {
		return nil, &fieldError{code: "BAD_REQUEST", msg: fmt.Sprintf("Variable $topic of type WebhookSubscriptionTopic! was provided invalid value %q", e)}
	}
	uri, format, given := subscriptionInput(args)
	if !given {
		return failed(pt, et, "", "webhookSubscription is required", "webhookSubscription"), nil
	}
	if format != "JSON" && format != "XML" {
		return failed(pt, et, "", fmt.Sprintf("Format %q is not JSON or XML", format), "webhookSubscription", "format"), nil
	}
	if t.scope != "" && !s.hasScope(t.scope) {
		return failed(pt, et, "", fmt.Sprintf("Access denied for topic %s: the app needs the %s access scope", t.topic, t.scope), "topic"), nil
	}
	ss := &s.subs
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if msg := s.checkURI(t.topic, uri, ""); msg != "" {
		return failed(pt, et, "", msg, "webhookSubscription", "uri"), nil
	}
	w := s.addSubLocked(t.topic, uri, format)
	return &payload{typ: pt, fields: map[string]any{"webhookSubscription": subscriptionObj{*w}}}, nil
}

func (s *Server) webhookSubscriptionUpdate(args map[string]any) (gqlObject, error) {
	const pt, et = "WebhookSubscriptionUpdatePayload", "UserError"
	uri, format, given := subscriptionInput(args)
	if !given {
		return failed(pt, et, "", "webhookSubscription is required", "webhookSubscription"), nil
	}
	ss := &s.subs
	ss.mu.Lock()
	defer ss.mu.Unlock()
	w := ss.byID(strArg(args, "id"))
	if w == nil {
		return failed(pt, et, "", "Webhook subscription does not exist", "id"), nil
	}
	if uri == "" {
		uri = w.URI
	}
	if msg := s.checkURI(w.Topic, uri, w.ID); msg != "" {
		return failed(pt, et, "", msg, "webhookSubscription", "uri"), nil
	}
	w.URI, w.Format, w.UpdatedAt = uri, format, s.opts.Clock().UTC().Truncate(time.Second)
	return &payload{typ: pt, fields: map[string]any{"webhookSubscription": subscriptionObj{*w}}}, nil
}

func (s *Server) webhookSubscriptionDelete(args map[string]any) (gqlObject, error) {
	const pt, et = "WebhookSubscriptionDeletePayload", "UserError"
	ss := &s.subs
	ss.mu.Lock()
	defer ss.mu.Unlock()
	id := strArg(args, "id")
	i := slices.IndexFunc(ss.list, func(w *WebhookSubscription) bool { return w.ID == id })
	if i < 0 {
		return failed(pt, et, "", "Webhook subscription does not exist", "id"), nil
	}
	ss.list = slices.Delete(ss.list, i, i+1)
	return &payload{typ: pt, fields: map[string]any{"deletedWebhookSubscriptionId": id}}, nil
}

func (s *Server) hasScope(scope string) bool {
	have := s.opts.Scopes
	return slices.Contains(have, scope) ||
		strings.HasPrefix(scope, "read_") && slices.Contains(have, "write_"+strings.TrimPrefix(scope, "read_"))
}

// WebhookTopicEnum returns the WebhookSubscriptionTopic value of a REST
// topic ("orders/create" → "ORDERS_CREATE"), or "" when the fake does not
// know it.
func WebhookTopicEnum(topic string) string {
	keys := make([]string, 0, len(webhookTopics))
	for e := range webhookTopics {
		keys = append(keys, e)
	}
	sort.Strings(keys)
	for _, e := range keys {
		if webhookTopics[e].topic == topic {
			return e
		}
	}
	return ""
}
