package amazon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/supplyhub/supplyhub/sdk"
)

// NotificationsScope is the scope of the grantless access tokens the
// Notifications API's destination operations and deleteSubscriptionById
// need (client_credentials grant, no refresh token).
const NotificationsScope = "sellingpartnerapi::notifications"

// SubscribedType is a notification type EnsureWebhooks subscribes the
// seller to, with the payload version it asks for.
type SubscribedType struct {
	Type, PayloadVersion string
}

// SubscribedTypes are the notification types EnsureWebhooks subscribes to
// the connection's SQS queue, in order: those Amazon delivers to SQS and
// ParseWebhook turns into records or actions.
var SubscribedTypes = []SubscribedType{
	{TypeOrderChange, "1.0"},
	{TypeFBAInventoryAvailability, "1.0"},
	{TypeAnyOfferChanged, "1.0"},
}

// EventBridgeTypes are notification types ParseWebhook understands that
// Amazon delivers only to EventBridge destinations, so EnsureWebhooks
// reports them skipped.
var EventBridgeTypes = []string{TypeListingsMFNQuantity}

// destination is a Notifications API destination.
type destination struct {
	DestinationID string `json:"destinationId"`
	Name          string `json:"name"`
	Resource      struct {
		SQS *struct {
			ARN string `json:"arn"`
		} `json:"sqs,omitempty"`
	} `json:"resource"`
}

// subscription is a Notifications API subscription.
type subscription struct {
	SubscriptionID string `json:"subscriptionId"`
	PayloadVersion string `json:"payloadVersion"`
	DestinationID  string `json:"destinationId"`
}

// EnsureWebhooks subscribes the seller to every type in SubscribedTypes
// through the Notifications API v1, delivering to the connection's SQS
// queue (sqs_queue_url; its ARN is derived from the URL and sqs_region).
//
// Amazon does not post these notifications to an HTTP callback: it puts
// them in the queue, and the relay (the plugin's SQS poller or
// supplyhub-plugin-amazon relay) forwards them to the gateway, so
// req.CallbackURL is not used.
//
// With an access token of the app's own (client_credentials grant, scope
// NotificationsScope) it finds the destination of the queue among the
// app's destinations (getDestinations) or creates it (createDestination).
// Then, acting for the seller, for each type: a subscription to that
// destination with the wanted payload version is unchanged; one to another
// destination (or with another payload version) is deleted
// (deleteSubscriptionById, grantless) and created again, reported updated;
// none is created (createSubscription). A type Amazon refuses fails with
// Amazon's message; the types of EventBridgeTypes are skipped. Bad LWA
// credentials for either token fail the whole call with an authentication
// error. Calling it again changes nothing.
func (c *Connector) EnsureWebhooks(ctx context.Context, req sdk.EnsureWebhooksRequest) (*sdk.EnsureWebhooksResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	out := &sdk.EnsureWebhooksResponse{}
	skipEventBridge := func() {
		for _, t := range EventBridgeTypes {
			out.Results = append(out.Results, sdk.WebhookSubscriptionResult{Topic: t, Action: sdk.SubscriptionSkipped,
				Error: &sdk.Error{Kind: sdk.KindNotImplemented,
					Message: fmt.Sprintf("amazon: %s is delivered only to EventBridge, not to an SQS queue", t),
					Detail:  "create an EventBridge destination and subscription for it, and an API destination posting to the gateway's webhook URL with the relay token (docs/connectors/amazon.md)"}})
		}
	}
	arn, aerr := queueARN(cfg)
	if aerr != nil {
		for _, t := range SubscribedTypes {
			out.Results = append(out.Results, sdk.WebhookSubscriptionResult{Topic: t.Type, Action: sdk.SubscriptionSkipped, Error: aerr})
		}
		skipEventBridge()
		return out, nil
	}
	seller := c.clientFor(cfg)
	app := c.grantlessClientFor(cfg, NotificationsScope)
	// Both tokens first: bad credentials fail the whole call rather than
	// every type.
	if _, err := app.tokens.get(ctx); err != nil {
		return nil, fmt.Errorf("amazon: ensure notification subscriptions: grantless token: %w", err)
	}
	if _, err := seller.tokens.get(ctx); err != nil {
		return nil, fmt.Errorf("amazon: ensure notification subscriptions: %w", err)
	}
	destID, err := c.ensureDestination(ctx, app, arn)
	if err != nil {
		return nil, err
	}
	for _, t := range SubscribedTypes {
		res, err := c.ensureSubscription(ctx, seller, app, t, destID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("amazon: ensure notification subscriptions: %w", ctx.Err())
			}
			res.Action, res.Error = sdk.SubscriptionFailed, asSDKError(err, "amazon: subscribe %s", t.Type)
		}
		out.Results = append(out.Results, res)
	}
	skipEventBridge()
	return out, nil
}

// ensureDestination returns the id of the app's destination for the queue
// ARN, creating it when there is none.
func (c *Connector) ensureDestination(ctx context.Context, app *client, arn string) (string, error) {
	find := func() (string, error) {
		var list struct {
			Payload []destination `json:"payload"`
		}
		if _, err := app.getJSON(ctx, opGetDestinations, opGetDestinations.path(), nil, &list); err != nil {
			return "", fmt.Errorf("amazon: ensure notification destination: %w", err)
		}
		for _, d := range list.Payload {
			if d.Resource.SQS != nil && d.Resource.SQS.ARN == arn {
				return d.DestinationID, nil
			}
		}
		return "", nil
	}
	if id, err := find(); err != nil || id != "" {
		return id, err
	}
	name := "supplyhub " + arn[strings.LastIndexByte(arn, ':')+1:]
	body := map[string]any{"name": name, "resourceSpecification": map[string]any{"sqs": map[string]any{"arn": arn}}}
	res, err := app.call(ctx, opCreateDestination, opCreateDestination.path(), nil, body)
	if err != nil {
		if errors.Is(err, errConflict) {
			// created meanwhile (another gateway, a retried request)
			if id, ferr := find(); ferr != nil || id != "" {
				return id, ferr
			}
		}
		return "", fmt.Errorf("amazon: create notification destination for %s: %w", arn, err)
	}
	var created struct {
		Payload destination `json:"payload"`
	}
	if err := json.Unmarshal(res.Body, &created); err != nil || created.Payload.DestinationID == "" {
		return "", sdk.Retryable(fmt.Errorf("no destinationId in the answer"), "amazon: createDestination: malformed answer (%d bytes)", len(res.Body))
	}
	return created.Payload.DestinationID, nil
}

// ensureSubscription makes the seller's subscription to t deliver to
// destID with t's payload version.
func (c *Connector) ensureSubscription(ctx context.Context, seller, app *client, t SubscribedType, destID string) (sdk.WebhookSubscriptionResult, error) {
	res := sdk.WebhookSubscriptionResult{Topic: t.Type}
	var cur struct {
		Payload *subscription `json:"payload"`
	}
	_, err := seller.getJSON(ctx, opGetSubscription, opGetSubscription.path(t.Type), nil, &cur)
	switch {
	case err != nil && !isNotFound(err):
		return res, err
	case err == nil && cur.Payload != nil && cur.Payload.SubscriptionID != "":
		s := cur.Payload
		res.SubscriptionID = s.SubscriptionID
		if s.DestinationID == destID && s.PayloadVersion == t.PayloadVersion {
			res.Action = sdk.SubscriptionUnchanged
			return res, nil
		}
		// another destination (an older queue, another tool's) or payload
		// version: Amazon keeps one subscription per type and app, so
		// replace it
		if _, err := app.call(ctx, opDeleteSubscriptionByID, opDeleteSubscriptionByID.path(t.Type, s.SubscriptionID), nil, nil); err != nil && !isNotFound(err) {
			return res, fmt.Errorf("delete subscription %s to destination %s: %w", s.SubscriptionID, s.DestinationID, err)
		}
		res.Action = sdk.SubscriptionUpdated
	default:
		res.Action = sdk.SubscriptionCreated
	}
	r, err := seller.call(ctx, opCreateSubscription, opCreateSubscription.path(t.Type), nil,
		map[string]any{"payloadVersion": t.PayloadVersion, "destinationId": destID})
	if err != nil {
		return res, err
	}
	var created struct {
		Payload subscription `json:"payload"`
	}
	if err := json.Unmarshal(r.Body, &created); err != nil || created.Payload.SubscriptionID == "" {
		return res, sdk.Retryable(fmt.Errorf("no subscriptionId in the answer"), "amazon: createSubscription %s: malformed answer (%d bytes)", t.Type, len(r.Body))
	}
	res.SubscriptionID = created.Payload.SubscriptionID
	return res, nil
}

// queueARN derives the SQS queue's ARN from sqs_queue_url
// (https://sqs.<region>.amazonaws.com/<account>/<name>) and sqs_region.
func queueARN(cfg Config) (string, *sdk.Error) {
	if cfg.SQSQueueURL == "" {
		return "", sdk.InvalidInput("amazon: no sqs_queue_url: Amazon delivers these notifications only to an SQS queue").
			WithDetail("create an SQS queue that allows Amazon's notifications principal to send to it, set sqs_queue_url and its credentials, then subscribe again")
	}
	u, err := url.Parse(cfg.SQSQueueURL)
	parts := []string{}
	if err == nil {
		parts = strings.Split(strings.Trim(u.Path, "/"), "/")
	}
	if len(parts) != 2 || cfg.SQSRegion == "" {
		return "", sdk.InvalidInput("amazon: cannot derive the queue ARN from sqs_queue_url %q and sqs_region %q", cfg.SQSQueueURL, cfg.SQSRegion).
			WithDetail("set sqs_queue_url to https://sqs.<region>.amazonaws.com/<account id>/<queue name>")
	}
	partition := "aws"
	if strings.HasPrefix(cfg.SQSRegion, "cn-") {
		partition = "aws-cn"
	}
	return "arn:" + partition + ":sqs:" + cfg.SQSRegion + ":" + parts[0] + ":" + parts[1], nil
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
