package carrier

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// WebhookSpec is how the host verifies tracking webhooks natively, from
// either sender:
//
//   - EasyPost: X-Hmac-Signature = "hmac-sha256-hex=" + lowercase hex
//     HMAC-SHA256 of the raw body keyed with the NFKD-normalised
//     webhook_secret (@easypost/api validateWebhook).
//   - Shippo: the self-generated token of its webhook security options,
//     appended to the registered URL as ?token= and echoed on every POST
//     (docs.goshippo.com, "Webhook security"), compared with
//     shippo_webhook_token.
//
// Neither sends an event id header, so the host deduplicates by the body's
// SHA-256; redeliveries of one event are byte-identical.
func WebhookSpec() *sdk.WebhookSpec {
	return &sdk.WebhookSpec{
		Scheme:              sdk.SchemeHMACSHA256,
		SignatureHeader:     "X-Hmac-Signature",
		Encoding:            "hex",
		Prefix:              "hmac-sha256-hex=",
		SecretField:         "webhook_secret",
		SecretNormalization: "NFKD",
		Name:                "EasyPost",
		Alternatives: []sdk.WebhookSpec{{
			Scheme:      sdk.SchemeToken,
			QueryParam:  ShippoTokenParam,
			SecretField: "shippo_webhook_token",
			Name:        "Shippo",
		}},
	}
}

// ShippoTokenParam is the query parameter of the webhook URL registered
// with Shippo that carries shippo_webhook_token.
const ShippoTokenParam = "token"

// ParseTrackingWebhook parses a tracking webhook body: an EasyPost Event
// ("object": "Event") whose result is a Tracker, or a Shippo track_updated
// payload ({"event": "track_updated", "data": Track}). Events about other
// objects (batches, shipments) parse into no record. A body of neither
// shape, or a tracker without the fields a Shipment needs, is an error.
func ParseTrackingWebhook(connection string, body []byte) (*sdk.WebhookResponse, error) {
	var probe struct {
		Object      string          `json:"object"`
		ID          string          `json:"id"`
		Description string          `json:"description"`
		Result      json.RawMessage `json:"result"`
		Event       string          `json:"event"`
		Data        json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("carrier: webhook body is not JSON: %w", err)
	}
	switch {
	case probe.Object == "Event":
		resp := &sdk.WebhookResponse{EventID: probe.ID, Topic: probe.Description}
		var head struct {
			Object string `json:"object"`
		}
		if len(probe.Result) == 0 || json.Unmarshal(probe.Result, &head) != nil || head.Object != "Tracker" {
			return resp, nil
		}
		var t epTracker
		if err := json.Unmarshal(probe.Result, &t); err != nil {
			return nil, fmt.Errorf("carrier: easypost %s: result: %w", probe.Description, err)
		}
		s, err := epTrackerToShipment(connection, t)
		if err != nil {
			return nil, fmt.Errorf("carrier: easypost %s %s: %w", probe.Description, probe.ID, err)
		}
		resp.Records = []commerce.Record{s}
		return resp, nil
	case probe.Event != "":
		resp := &sdk.WebhookResponse{Topic: probe.Event}
		if probe.Event != "track_updated" {
			return resp, nil
		}
		if len(bytes.TrimSpace(probe.Data)) == 0 {
			return nil, fmt.Errorf("carrier: shippo track_updated has no data")
		}
		var t shTrack
		if err := json.Unmarshal(probe.Data, &t); err != nil {
			return nil, fmt.Errorf("carrier: shippo track_updated: data: %w", err)
		}
		s, err := shTrackToShipment(connection, t)
		if err != nil {
			return nil, fmt.Errorf("carrier: shippo track_updated: %w", err)
		}
		if t.TrackingStatus != nil && t.TrackingStatus.ObjectID != "" {
			resp.EventID = "shippo:" + t.TrackingStatus.ObjectID + ":" + t.TrackingStatus.Status
		}
		resp.Records = []commerce.Record{s}
		return resp, nil
	}
	return nil, fmt.Errorf("carrier: webhook body is neither an EasyPost Event nor a Shippo track webhook")
}
