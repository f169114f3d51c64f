package sdk

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Capability names an optional interface a connector implements.
type Capability string

// The capabilities.
const (
	CapSource   Capability = "source"
	CapSink     Capability = "sink"
	CapWebhooks Capability = "webhooks"
	CapCarrier  Capability = "carrier"
	CapFX       Capability = "fx"
	CapCustoms  Capability = "customs"
	// CapSubscriptions registers the connection's webhook subscriptions
	// upstream (see Subscriptions).
	CapSubscriptions Capability = "subscriptions"
)

// Connector is implemented by every connector.
type Connector interface {
	// Describe returns the connector's manifest. It must not call the
	// upstream and must be cheap: the host calls it at every launch.
	Describe(ctx context.Context) (*Manifest, error)
	// Check validates a configuration and its credentials against the
	// upstream. Bad credentials are an Authentication error; a config that
	// does not fit the schema is InvalidInput.
	Check(ctx context.Context, req CheckRequest) (*CheckResponse, error)
}

// Manifest describes a connector to the host and to users.
type Manifest struct {
	// Name is the connector's short name, e.g. "shopify"; the plugin binary
	// is supplyhub-plugin-<name>.
	Name string `json:"name"`
	// Version is the connector's own semantic version.
	Version string `json:"version"`
	// Description says what the connector connects to, in one sentence.
	Description string `json:"description"`
	// Capabilities lists what the connector offers. Serve fills it from the
	// interfaces the connector implements; leave it empty.
	Capabilities []Capability `json:"capabilities"`
	// ConfigSchema is the JSON Schema (draft 2020-12) of the connection
	// configuration, with descriptions, defaults and examples for users.
	ConfigSchema json.RawMessage `json:"config_schema"`
	// SecretFields are the top-level config properties that hold secrets:
	// the host encrypts them at rest and redacts them in logs and the API.
	SecretFields []string `json:"secret_fields,omitempty"`
	// RateLimitKey is the config property that identifies the upstream
	// account (e.g. "shop_domain"); connections sharing it share one rate
	// budget in the host.
	RateLimitKey string `json:"rate_limit_key,omitempty"`
	// Streams are the streams Read offers.
	Streams []StreamSpec `json:"streams,omitempty"`
	// Webhook says how the host verifies webhook deliveries natively,
	// without calling the plugin. Required with the Webhooks capability.
	Webhook *WebhookSpec `json:"webhook,omitempty"`
	// WriteActions lists the Change actions Write accepts.
	WriteActions []string `json:"write_actions,omitempty"`
	// SDK names the SDK and protocol that serve the plugin, e.g.
	// "supplyhub-go/1"; Serve fills it, for diagnostics. Leave it empty.
	SDK string `json:"sdk,omitempty"`
}

// StreamSpec describes one stream of records.
type StreamSpec struct {
	// Name is the stream's name, e.g. "orders".
	Name string `json:"name"`
	// Kinds are the record kinds the stream emits.
	Kinds []commerce.Kind `json:"kinds"`
	// CursorField names the upstream field incremental reads follow, e.g.
	// "updated_at"; empty when the stream only supports full reads.
	CursorField string `json:"cursor_field,omitempty"`
	// Description says what the stream holds.
	Description string `json:"description,omitempty"`
}

// Signature schemes of WebhookSpec.
const (
	// SchemeHMACSHA256 signs the raw body with HMAC-SHA256 and the secret.
	SchemeHMACSHA256 = "hmac-sha256"
	// SchemeHMACSHA1 signs the raw body with HMAC-SHA1 and the secret.
	SchemeHMACSHA1 = "hmac-sha1"
	// SchemeToken sends the shared secret itself, in a header or (with
	// WebhookSpec.QueryParam) in a query parameter of the webhook URL.
	SchemeToken = "token"
)

// WebhookSpec declares a connector's webhook signature scheme so that the
// host can verify deliveries natively, in constant time, before storing
// anything.
//
// A connector whose deliveries come from more than one sender (EasyPost and
// Shippo, say) lists the other senders' schemes in Alternatives, each with
// its own secret field; the host verifies a delivery with the one scheme
// whose signature header or query parameter it carries (see VerifyRequest).
type WebhookSpec struct {
	// Scheme is hmac-sha256, hmac-sha1 or token.
	Scheme string `json:"scheme"`
	// SignatureHeader is the header carrying the signature or token, e.g.
	// "X-Shopify-Hmac-Sha256". Leave it empty when QueryParam is set.
	SignatureHeader string `json:"signature_header,omitempty"`
	// QueryParam, with the token scheme only, is the query parameter of the
	// webhook URL that carries the token instead of a header, e.g. "token"
	// for a URL registered as https://gateway/webhooks/c1?token=<secret>.
	// The host never stores or logs its value.
	QueryParam string `json:"query_param,omitempty"`
	// Name says who sends deliveries this way, e.g. "Shippo"; error
	// messages use it to tell alternatives apart. Optional.
	Name string `json:"name,omitempty"`
	// Encoding of the signature: base64 or hex.
	Encoding string `json:"encoding,omitempty"`
	// Prefix is stripped from the header value before decoding, e.g.
	// "hmac-sha256-hex=" (EasyPost) or "sha256=".
	Prefix string `json:"prefix,omitempty"`
	// SecretField is the config property holding the signing secret.
	SecretField string `json:"secret_field"`
	// SecretNormalization is "" or "NFKD" (EasyPost normalises the secret).
	SecretNormalization string `json:"secret_normalization,omitempty"`
	// EventIDHeader carries the upstream's unique delivery or event id, the
	// inbox's dedupe key. When empty or absent on a delivery, the host uses
	// the SHA-256 of the body.
	EventIDHeader string `json:"event_id_header,omitempty"`
	// TopicHeader carries the event topic, e.g. "X-Shopify-Topic".
	TopicHeader string `json:"topic_header,omitempty"`
	// OrderingKeyHeader carries the key within which deliveries must be
	// processed in order, e.g. a shop domain; empty means per connection.
	OrderingKeyHeader string `json:"ordering_key_header,omitempty"`
	// Alternatives are further schemes a delivery may use instead of this
	// one, each complete with its own SecretField (and its own event id,
	// topic and ordering key headers, which apply when it is the one
	// used). They may not have Alternatives of their own, and no two
	// schemes may read the same header or query parameter.
	Alternatives []WebhookSpec `json:"alternatives,omitempty"`
}

// CheckRequest asks a connector to validate a configuration.
type CheckRequest struct {
	// Connection is the connection id (empty while a connection is being created).
	Connection string
	// Config is the connection's configuration, secrets decrypted.
	Config json.RawMessage
}

// CheckResponse reports a successful check.
type CheckResponse struct {
	// Message describes what was checked, e.g. "shop acme.myshopify.com, API 2026-01".
	Message string `json:"message"`
	// Details are facts learned, e.g. {"api": "json-2"} for Odoo.
	Details map[string]string `json:"details,omitempty"`
}

// Source reads streams of records from the upstream.
type Source interface {
	// Read reads one stream and sends records, checkpoints and progress to
	// out. A checkpoint covers every record sent before it: the host
	// commits those records before it stores the cursor, and a later Read
	// given that cursor must continue without gaps. An empty Cursor or
	// Mode full reads everything. Read returns when the stream is done,
	// the context is cancelled, or an error occurs.
	Read(ctx context.Context, req ReadRequest, out ReadStream) error
}

// Read modes.
const (
	ModeFull        = "full"
	ModeIncremental = "incremental"
)

// ReadRequest asks for one stream.
type ReadRequest struct {
	Connection string
	Config     json.RawMessage
	// Stream is the stream's name from the manifest.
	Stream string
	// Mode is full or incremental.
	Mode string
	// Cursor is the last checkpoint's cursor, opaque to the host; empty
	// for a fresh read.
	Cursor string
	// IDs restricts the read to these upstream ids (a targeted re-read,
	// e.g. after an Amazon ORDER_CHANGE notification).
	IDs []string
}

// ReadStream receives what Read produces. The SDK batches records.
type ReadStream interface {
	// Records sends records. They are delivered in order.
	Records(records ...commerce.Record) error
	// Checkpoint marks that every record sent so far is covered by cursor.
	Checkpoint(cursor string) error
	// Progress reports progress; it may be called as often as useful.
	Progress(p Progress) error
}

// Progress of a read.
type Progress struct {
	// Records read so far in this call.
	Records int64 `json:"records"`
	// Pages fetched so far.
	Pages int64 `json:"pages"`
	// Total is the expected number of records, 0 when unknown.
	Total int64 `json:"total,omitempty"`
	// RateLimitWait is the time spent waiting for rate limits so far.
	RateLimitWait time.Duration `json:"rate_limit_wait"`
	// Message describes the current step, e.g. "waiting for bulk operation".
	Message string `json:"message,omitempty"`
}

// Sink writes changes back to the upstream.
type Sink interface {
	// Write applies changes. Each change carries an idempotency key: a
	// change already applied must report StatusDuplicate (or StatusOK)
	// without applying it twice. One failing change must not fail the
	// others; the error return is for failures of the whole call.
	Write(ctx context.Context, req WriteRequest) (*WriteResponse, error)
}

// Write actions.
const (
	// ActionSetInventory sets available quantity: Record is an InventoryLevel.
	ActionSetInventory = "set_inventory"
	// ActionCreateFulfillment creates a fulfilment with tracking: Record is a Shipment.
	ActionCreateFulfillment = "create_fulfillment"
	// ActionUpsertOrder creates or updates an order (ERPs): Record is an Order.
	ActionUpsertOrder = "upsert_order"
	// ActionCancelOrder cancels an order (ERPs): Record is an Order.
	ActionCancelOrder = "cancel_order"
	// ActionCreatePurchaseOrder creates a draft purchase order: Record is a
	// ReplenishmentSuggestion.
	ActionCreatePurchaseOrder = "create_purchase_order"
	// ActionSetRecommendations replaces the list of products a channel
	// shows with a product ("frequently bought together"): Record is a
	// ProductRecommendations whose source external id is the channel's
	// product id. Setting the same list again changes nothing.
	ActionSetRecommendations = "set_recommendations"
)

// WriteRequest carries changes to apply.
type WriteRequest struct {
	Connection string
	Config     json.RawMessage
	Changes    []Change
}

// Change is one idempotent change.
type Change struct {
	// IdempotencyKey identifies the change; retries reuse it.
	IdempotencyKey string `json:"idempotency_key"`
	// Action is one of the Action constants.
	Action string `json:"action"`
	// Record is the record the action applies.
	Record commerce.Record `json:"record"`
}

// Statuses of a ChangeResult.
const (
	StatusOK        = "ok"
	StatusDuplicate = "duplicate"
	StatusFailed    = "failed"
)

// WriteResponse has one result per change, in order.
type WriteResponse struct {
	Results []ChangeResult `json:"results"`
}

// ChangeResult is the outcome of one change.
type ChangeResult struct {
	IdempotencyKey string `json:"idempotency_key"`
	// Status is ok, duplicate or failed.
	Status string `json:"status"`
	// ExternalID is the upstream id of what was created or updated.
	ExternalID string `json:"external_id,omitempty"`
	// Error says why it failed.
	Error *Error `json:"error,omitempty"`
}

// Webhooks parses verified webhook deliveries into records.
type Webhooks interface {
	// ParseWebhook turns one delivery, already verified by the host, into
	// records and actions. A body that cannot be parsed is InvalidInput.
	ParseWebhook(ctx context.Context, req WebhookRequest) (*WebhookResponse, error)
}

// WebhookRequest is one delivery.
type WebhookRequest struct {
	Connection string
	Config     json.RawMessage
	// Headers are the delivery's HTTP headers.
	Headers http.Header
	// Body is the raw body.
	Body []byte
}

// WebhookResponse is what a delivery means.
type WebhookResponse struct {
	// EventID is the upstream's event id (the dedupe key), if the body has one.
	EventID string `json:"event_id,omitempty"`
	// Topic is the event's topic, e.g. "orders/create".
	Topic string `json:"topic,omitempty"`
	// Records are the records to upsert (tombstones for deletions).
	Records []commerce.Record `json:"records,omitempty"`
	// Actions are things the host must do beyond upserting records.
	Actions []Action `json:"actions,omitempty"`
}

// Action types.
const (
	// ActionReread asks the host to re-read IDs from Stream.
	ActionReread = "reread"
	// ActionRedactCustomer asks the host to remove a customer's personal data.
	ActionRedactCustomer = "redact_customer"
	// ActionRedactShop asks the host to remove all personal data of the connection.
	ActionRedactShop = "redact_shop"
	// ActionDataRequest asks the host to report what it holds on a customer.
	ActionDataRequest = "data_request"
	// ActionUninstalled tells the host the merchant removed the app.
	ActionUninstalled = "uninstalled"
)

// Action is a follow-up the host performs for a webhook.
type Action struct {
	Type string `json:"type"`
	// Stream and IDs say what to re-read.
	Stream string   `json:"stream,omitempty"`
	IDs    []string `json:"ids,omitempty"`
	// Customer identifies the customer to redact or report on.
	Customer *commerce.OrderCustomer `json:"customer,omitempty"`
	// OrderIDs are the upstream order ids the channel lists for the customer.
	OrderIDs []string `json:"order_ids,omitempty"`
}

// Subscriptions registers a connection's webhook subscriptions with the
// upstream, so that merchants need not create them by hand.
//
// The host calls EnsureWebhooks when an operator asks (POST
// /v1/connections/{id}/webhooks/subscribe) and, when the gateway has a
// public URL, after a connection is created or its configuration changes.
// It must be idempotent: it lists what the upstream holds, creates the
// subscriptions that are missing, points those aimed elsewhere at
// CallbackURL and leaves the rest alone, so that a second call reports
// every topic unchanged. One failing topic must not fail the others: it
// reports its own error in its result; the error return is for failures of
// the whole call (bad credentials, the upstream down).
type Subscriptions interface {
	EnsureWebhooks(ctx context.Context, req EnsureWebhooksRequest) (*EnsureWebhooksResponse, error)
}

// EnsureWebhooksRequest asks a connector to point its webhook topics at the
// gateway.
type EnsureWebhooksRequest struct {
	Connection string
	// Config is the connection's configuration, secrets decrypted.
	Config json.RawMessage
	// CallbackURL is the gateway's public URL for this connection's
	// deliveries, e.g. https://gateway.example.com/webhooks/shop-1.
	CallbackURL string
}

// Actions of a WebhookSubscriptionResult.
const (
	// SubscriptionCreated: the subscription did not exist and was created.
	SubscriptionCreated = "created"
	// SubscriptionUpdated: the topic was subscribed elsewhere and now points
	// at the callback URL.
	SubscriptionUpdated = "updated"
	// SubscriptionUnchanged: the topic already pointed at the callback URL.
	SubscriptionUnchanged = "unchanged"
	// SubscriptionDeleted: a subscription to the callback URL for a topic
	// the connector no longer wants was removed.
	SubscriptionDeleted = "deleted"
	// SubscriptionSkipped: the topic cannot be subscribed through the API
	// (e.g. Shopify's mandatory compliance topics, set in the app's
	// configuration); Error says how to subscribe it instead.
	SubscriptionSkipped = "skipped"
	// SubscriptionFailed: the upstream refused the topic; Error says why.
	SubscriptionFailed = "failed"
)

// SubscriptionActions lists every action of a WebhookSubscriptionResult.
func SubscriptionActions() []string {
	return []string{SubscriptionCreated, SubscriptionUpdated, SubscriptionUnchanged, SubscriptionDeleted,
		SubscriptionSkipped, SubscriptionFailed}
}

// EnsureWebhooksResponse has one result per topic.
type EnsureWebhooksResponse struct {
	Results []WebhookSubscriptionResult `json:"results"`
}

// WebhookSubscriptionResult is what EnsureWebhooks did for one topic.
type WebhookSubscriptionResult struct {
	// Topic is the upstream topic, e.g. "orders/create".
	Topic string `json:"topic"`
	// SubscriptionID is the upstream id of the subscription, when there is one.
	SubscriptionID string `json:"subscription_id,omitempty"`
	// Action is one of the Subscription* constants.
	Action string `json:"action"`
	// Error says why the topic failed or was skipped.
	Error *Error `json:"error,omitempty"`
}

// Carrier quotes rates, buys labels and tracks parcels.
type Carrier interface {
	Rates(ctx context.Context, req RatesRequest) (*RatesResponse, error)
	BuyLabel(ctx context.Context, req LabelRequest) (*commerce.Label, error)
	Track(ctx context.Context, req TrackRequest) (*commerce.Shipment, error)
}

// Parcel is one package to ship.
type Parcel struct {
	Weight     commerce.Weight      `json:"weight"`
	Dimensions *commerce.Dimensions `json:"dimensions,omitempty"`
}

// RatesRequest asks for rates for a shipment.
type RatesRequest struct {
	Connection string
	Config     json.RawMessage
	From       commerce.Address
	To         commerce.Address
	Parcels    []Parcel
	// Value is the declared value of the goods, for insurance and customs.
	Value *commerce.Money
	// Carriers restricts the quote to these carriers; empty means all.
	Carriers []string
}

// RatesResponse carries the rates, and per-carrier failures that did not
// stop the others.
type RatesResponse struct {
	Rates  []commerce.Rate `json:"rates"`
	Errors []CarrierError  `json:"errors,omitempty"`
}

// CarrierError is one carrier's failure to quote.
type CarrierError struct {
	Carrier string `json:"carrier"`
	Message string `json:"message"`
}

// LabelRequest buys a label for a quoted rate.
type LabelRequest struct {
	Connection string
	Config     json.RawMessage
	// ShipmentID and RateID come from the chosen rate.
	ShipmentID string
	RateID     string
	// IdempotencyKey makes a retried purchase return the same label.
	IdempotencyKey string
}

// TrackRequest asks for a parcel's tracking.
type TrackRequest struct {
	Connection     string
	Config         json.RawMessage
	Carrier        string
	TrackingNumber string
}

// FX provides exchange rates.
type FX interface {
	// Rates returns the rates from Base to each of Quotes for Date (the zero
	// Date means the latest). Each rate says which publication day it used:
	// the last one on or before Date.
	Rates(ctx context.Context, req FXRequest) (*FXResponse, error)
}

// FXRequest asks for exchange rates.
type FXRequest struct {
	Connection string
	Config     json.RawMessage
	Base       commerce.Currency
	// Quotes are the wanted currencies; empty means every one available.
	Quotes []commerce.Currency
	Date   commerce.Date
}

// FXResponse carries the rates.
type FXResponse struct {
	Rates []commerce.FXRate `json:"rates"`
}

// Customs quotes landed cost for cross-border parcels.
type Customs interface {
	LandedCost(ctx context.Context, req LandedCostRequest) (*commerce.LandedCost, error)
}

// LandedCostRequest describes a parcel to quote.
type LandedCostRequest struct {
	Connection string
	Config     json.RawMessage
	// AsOf is the date whose rules apply; zero means today.
	AsOf commerce.Date
	// Incoterm is DDP or DAP.
	Incoterm           string
	OriginCountry      string
	DestinationCountry string
	// Currency is the currency of the quote.
	Currency commerce.Currency
	Items    []commerce.LandedCostItem
	Shipping commerce.Money
	// Insurance may be zero.
	Insurance commerce.Money
	// FXRates are reference rates (from the FX capability) the connector
	// uses to convert values and thresholds; the host supplies them.
	FXRates []commerce.FXRate
}
