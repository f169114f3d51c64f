package amazon

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Notification types the connector understands.
const (
	TypeOrderChange              = "ORDER_CHANGE"
	TypeFBAInventoryAvailability = "FBA_INVENTORY_AVAILABILITY_CHANGES"
	TypeAnyOfferChanged          = "ANY_OFFER_CHANGED"
	TypeReportProcessingFinished = "REPORT_PROCESSING_FINISHED"
	TypeListingsMFNQuantity      = "LISTINGS_ITEM_MFN_QUANTITY_CHANGE"
)

// MFNLocation is the location id of merchant-fulfilled stock as Amazon
// holds it for a SKU (the quantity of the offer's DEFAULT fulfilment
// channel).
const MFNLocation = "MFN"

// Notification is a Selling Partner API notification as Amazon delivers
// it: the document SQS carries as a message body, or the detail of an
// EventBridge event. Envelope keys are PascalCase for most types
// (NotificationType, Payload) and camelCase for newer ones
// (notificationType, payload); both parse. The payload of each known type
// is decoded into its field; others keep only Payload.
type Notification struct {
	NotificationVersion string `json:"NotificationVersion"`
	NotificationType    string `json:"NotificationType"`
	PayloadVersion      string `json:"PayloadVersion"`
	// EventTime is when the event happened.
	EventTime time.Time `json:"-"`
	// Payload is the raw payload.
	Payload json.RawMessage `json:"Payload"`
	// Metadata identifies the delivery; NotificationID is the dedupe key.
	Metadata NotificationMetadata `json:"NotificationMetadata"`
	// EventBridgeID is the event id when the notification came wrapped in
	// an EventBridge event.
	EventBridgeID string `json:"-"`

	OrderChange    *OrderChange        `json:"-"`
	FBAInventory   *FBAInventoryChange `json:"-"`
	OfferChange    *OfferChange        `json:"-"`
	ReportFinished *ReportFinished     `json:"-"`
	MFNQuantity    *MFNQuantityChange  `json:"-"`
}

// NotificationMetadata identifies one notification.
type NotificationMetadata struct {
	ApplicationID  string `json:"ApplicationId"`
	SubscriptionID string `json:"SubscriptionId"`
	PublishTime    string `json:"PublishTime"`
	NotificationID string `json:"NotificationId"`
}

// ID returns the notification's dedupe key: its NotificationId, else the
// EventBridge event id.
func (n *Notification) ID() string { return cmp.Or(n.Metadata.NotificationID, n.EventBridgeID) }

// OrderChange is an ORDER_CHANGE payload: the order changed (status,
// buyer cancellation request, items); it carries no money, so the
// connector re-reads the order.
type OrderChange struct {
	NotificationLevel  string `json:"NotificationLevel"`
	SellerID           string `json:"SellerId"`
	AmazonOrderID      string `json:"AmazonOrderId"`
	OrderChangeType    string `json:"OrderChangeType"`
	OrderChangeTrigger struct {
		TimeOfOrderChange string `json:"TimeOfOrderChange"`
		ChangeReason      string `json:"ChangeReason"`
	} `json:"OrderChangeTrigger"`
	Summary struct {
		MarketplaceID   string `json:"MarketplaceId"`
		OrderStatus     string `json:"OrderStatus"`
		PurchaseDate    string `json:"PurchaseDate"`
		FulfillmentType string `json:"FulfillmentType"`
		OrderType       string `json:"OrderType"`
		OrderItems      []struct {
			OrderItemID            string `json:"OrderItemId"`
			SellerSKU              string `json:"SellerSKU"`
			OrderItemStatus        string `json:"OrderItemStatus"`
			Quantity               int    `json:"Quantity"`
			QuantityShipped        int    `json:"QuantityShipped"`
			IsBuyerRequestedCancel bool   `json:"IsBuyerRequestedCancel"`
		} `json:"OrderItems"`
	} `json:"Summary"`
}

// FBAInventoryChange is a FBA_INVENTORY_AVAILABILITY_CHANGES payload: the
// SKU's FBA stock in each marketplace.
type FBAInventoryChange struct {
	SellerID    string `json:"SellerId"`
	FNSKU       string `json:"FNSKU"`
	ASIN        string `json:"ASIN"`
	SKU         string `json:"SKU"`
	Marketplace []struct {
		MarketplaceID string `json:"MarketplaceId"`
		ItemName      string `json:"ItemName"`
		Inventory     struct {
			Inbound struct {
				Working   int `json:"Working"`
				Shipped   int `json:"Shipped"`
				Receiving int `json:"Receiving"`
			} `json:"InboundQuantityBreakdown"`
			Fulfillable   int `json:"Fulfillable"`
			Unfulfillable int `json:"Unfulfillable"`
			Researching   int `json:"Researching"`
			Reserved      struct {
				WarehouseProcessing  int `json:"WarehouseProcessing"`
				WarehouseTransfer    int `json:"WarehouseTransfer"`
				PendingCustomerOrder int `json:"PendingCustomerOrder"`
			} `json:"ReservedQuantityBreakdown"`
			FutureSupplyBuyable           int `json:"FutureSupplyBuyable"`
			PendingCustomerOrderInTransit int `json:"PendingCustomerOrderInTransit"`
		} `json:"FulfillmentInventory"`
	} `json:"FulfillmentInventoryByMarketplace"`
}

// OfferChange is an ANY_OFFER_CHANGED payload reduced to what pricing
// needs: the trigger and the lowest and buy-box prices, as exact money
// (the notification sends prices as JSON numbers).
type OfferChange struct {
	SellerID      string
	MarketplaceID string
	ASIN          string
	ItemCondition string
	ChangedAt     time.Time
	ChangeType    string
	LowestPrices  []OfferPrice
	BuyBoxPrices  []OfferPrice
	// Offers counts the offers in the notification's top offers list.
	Offers int
}

// OfferPrice is one price point of an offer summary.
type OfferPrice struct {
	Condition          string
	FulfillmentChannel string
	Landed             commerce.Money
	Listing            commerce.Money
	Shipping           commerce.Money
}

// ReportFinished is a REPORT_PROCESSING_FINISHED payload.
type ReportFinished struct {
	SellerID         string `json:"sellerId"`
	ReportID         string `json:"reportId"`
	ReportType       string `json:"reportType"`
	ProcessingStatus string `json:"processingStatus"`
	ReportDocumentID string `json:"reportDocumentId"`
}

// MFNQuantityChange is a LISTINGS_ITEM_MFN_QUANTITY_CHANGE payload (an
// EventBridge type): the merchant-fulfilled quantity of a SKU.
type MFNQuantityChange struct {
	SellerID               string `json:"SellerId"`
	FulfillmentChannelCode string `json:"FulfillmentChannelCode"`
	SKU                    string `json:"Sku"`
	Quantity               int    `json:"Quantity"`
}

// ParseNotification parses a notification document, bare (as SQS carries
// it) or inside an EventBridge event, and decodes the payload of the
// types the connector knows. A document that is not a notification is an
// InvalidInput error.
func ParseNotification(body []byte) (*Notification, error) {
	// one pass reads a bare notification and an EventBridge envelope alike
	type envelope struct {
		Notification
		EventTime  string          `json:"EventTime"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Detail     json.RawMessage `json:"detail"`
	}
	var raw envelope
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, sdk.InvalidInput("amazon: notification is not a JSON notification: %v", err)
	}
	eventBridge := len(raw.Detail) > 0 && string(raw.Detail) != "null"
	id, detailType := raw.ID, raw.DetailType
	if eventBridge {
		detail := raw.Detail
		raw = envelope{}
		if err := json.Unmarshal(detail, &raw); err != nil {
			return nil, sdk.InvalidInput("amazon: EventBridge event detail: %v", err)
		}
	}
	n := raw.Notification
	if eventBridge {
		n.EventBridgeID = id
		if n.NotificationType == "" {
			n.NotificationType = detailType
		}
	}
	if n.NotificationType == "" {
		return nil, sdk.InvalidInput("amazon: the body is not an SP-API notification: NotificationType is missing").
			WithDetail("relay the SQS message body or the EventBridge event unchanged")
	}
	for _, s := range []string{raw.EventTime, n.Metadata.PublishTime} {
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, sdk.InvalidInput("amazon: %s notification: time %q is not ISO 8601", n.NotificationType, s)
		}
		n.EventTime = t
		break
	}
	if err := n.decodePayload(); err != nil {
		return nil, err
	}
	return &n, nil
}

func (n *Notification) decodePayload() error {
	if len(n.Payload) == 0 || string(n.Payload) == "null" {
		return sdk.InvalidInput("amazon: %s notification has no Payload", n.NotificationType)
	}
	bad := func(err error) error {
		return sdk.InvalidInput("amazon: %s notification payload: %v", n.NotificationType, err)
	}
	switch n.NotificationType {
	case TypeOrderChange:
		var p struct {
			OrderChange *OrderChange `json:"OrderChangeNotification"`
		}
		if err := json.Unmarshal(n.Payload, &p); err != nil {
			return bad(err)
		}
		if p.OrderChange == nil || p.OrderChange.AmazonOrderID == "" {
			return bad(fmt.Errorf("OrderChangeNotification.AmazonOrderId is missing"))
		}
		n.OrderChange = p.OrderChange
	case TypeFBAInventoryAvailability:
		var p FBAInventoryChange
		if err := json.Unmarshal(n.Payload, &p); err != nil {
			return bad(err)
		}
		if p.SKU == "" {
			return bad(fmt.Errorf("SKU is missing"))
		}
		n.FBAInventory = &p
	case TypeAnyOfferChanged:
		oc, err := parseOfferChange(n.Payload)
		if err != nil {
			return bad(err)
		}
		n.OfferChange = oc
	case TypeReportProcessingFinished:
		var p struct {
			R *ReportFinished `json:"reportProcessingFinishedNotification"`
		}
		if err := json.Unmarshal(n.Payload, &p); err != nil {
			return bad(err)
		}
		if p.R == nil || p.R.ReportID == "" {
			return bad(fmt.Errorf("reportProcessingFinishedNotification.reportId is missing"))
		}
		n.ReportFinished = p.R
	case TypeListingsMFNQuantity:
		var p MFNQuantityChange
		if err := json.Unmarshal(n.Payload, &p); err != nil {
			return bad(err)
		}
		if p.SKU == "" {
			return bad(fmt.Errorf("Sku is missing"))
		}
		n.MFNQuantity = &p
	}
	return nil
}

type offerMoney struct {
	Amount       amountText `json:"Amount"`
	CurrencyCode string     `json:"CurrencyCode"`
}

type offerPriceJSON struct {
	Condition          string      `json:"Condition"`
	FulfillmentChannel string      `json:"FulfillmentChannel"`
	LandedPrice        *offerMoney `json:"LandedPrice"`
	ListingPrice       *offerMoney `json:"ListingPrice"`
	Shipping           *offerMoney `json:"Shipping"`
}

func parseOfferChange(payload json.RawMessage) (*OfferChange, error) {
	var p struct {
		N *struct {
			SellerID string `json:"SellerId"`
			Trigger  struct {
				MarketplaceID     string `json:"MarketplaceId"`
				ASIN              string `json:"ASIN"`
				ItemCondition     string `json:"ItemCondition"`
				TimeOfOfferChange string `json:"TimeOfOfferChange"`
				OfferChangeType   string `json:"OfferChangeType"`
			} `json:"OfferChangeTrigger"`
			Summary struct {
				LowestPrices []offerPriceJSON `json:"LowestPrices"`
				BuyBoxPrices []offerPriceJSON `json:"BuyBoxPrices"`
			} `json:"Summary"`
			Offers []json.RawMessage `json:"Offers"`
		} `json:"AnyOfferChangedNotification"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, err
	}
	if p.N == nil || p.N.Trigger.ASIN == "" {
		return nil, fmt.Errorf("AnyOfferChangedNotification.OfferChangeTrigger.ASIN is missing")
	}
	oc := &OfferChange{SellerID: p.N.SellerID, MarketplaceID: p.N.Trigger.MarketplaceID, ASIN: p.N.Trigger.ASIN,
		ItemCondition: p.N.Trigger.ItemCondition, ChangeType: p.N.Trigger.OfferChangeType, Offers: len(p.N.Offers)}
	if s := p.N.Trigger.TimeOfOfferChange; s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("TimeOfOfferChange %q is not ISO 8601", s)
		}
		oc.ChangedAt = t
	}
	conv := func(list []offerPriceJSON) ([]OfferPrice, error) {
		var out []OfferPrice
		for i, x := range list {
			op := OfferPrice{Condition: x.Condition, FulfillmentChannel: x.FulfillmentChannel}
			for _, f := range []struct {
				name string
				m    *offerMoney
				dst  *commerce.Money
			}{{"LandedPrice", x.LandedPrice, &op.Landed}, {"ListingPrice", x.ListingPrice, &op.Listing}, {"Shipping", x.Shipping, &op.Shipping}} {
				if f.m == nil {
					continue
				}
				a, err := parseAmount(string(f.m.Amount))
				if err != nil {
					return nil, fmt.Errorf("price %d %s: %v", i, f.name, err)
				}
				cur := commerce.Currency(strings.ToUpper(f.m.CurrencyCode))
				if !cur.Valid() {
					return nil, fmt.Errorf("price %d %s: unknown currency %q", i, f.name, f.m.CurrencyCode)
				}
				*f.dst = commerce.Money{Amount: a, Currency: cur}
			}
			out = append(out, op)
		}
		return out, nil
	}
	var err error
	if oc.LowestPrices, err = conv(p.N.Summary.LowestPrices); err != nil {
		return nil, err
	}
	if oc.BuyBoxPrices, err = conv(p.N.Summary.BuyBoxPrices); err != nil {
		return nil, err
	}
	return oc, nil
}

// ParseWebhook turns one relayed notification into records and actions:
// ORDER_CHANGE asks the host to re-read the order (the notification has no
// money); FBA_INVENTORY_AVAILABILITY_CHANGES gives the SKU's FBA stock in
// each configured marketplace; LISTINGS_ITEM_MFN_QUANTITY_CHANGE gives its
// merchant-fulfilled quantity. ANY_OFFER_CHANGED, REPORT_PROCESSING_FINISHED
// and other types are acknowledged with their topic and event id (the
// unified model has no offer record). A body that is not a notification is
// invalid input.
func (c *Connector) ParseWebhook(ctx context.Context, req sdk.WebhookRequest) (*sdk.WebhookResponse, error) {
	cfg, err := ParseConfig(req.Config)
	if err != nil {
		return nil, err
	}
	c.ensurePoller(req.Connection, cfg)
	n, err := ParseNotification(req.Body)
	if err != nil {
		return nil, err
	}
	res := &sdk.WebhookResponse{EventID: n.ID(), Topic: n.NotificationType}
	at := n.EventTime
	switch {
	case n.OrderChange != nil:
		if mp := n.OrderChange.Summary.MarketplaceID; mp != "" && !cfg.hasMarketplace(mp) {
			return res, nil // another marketplace's order: not this connection's
		}
		res.Actions = []sdk.Action{{Type: sdk.ActionReread, Stream: StreamOrders, IDs: []string{n.OrderChange.AmazonOrderID}}}
	case n.FBAInventory != nil:
		if at.IsZero() {
			return nil, sdk.InvalidInput("amazon: %s notification %s has no EventTime", n.NotificationType, n.ID())
		}
		p := n.FBAInventory
		for _, m := range p.Marketplace {
			if !cfg.hasMarketplace(m.MarketplaceID) {
				continue
			}
			inv := m.Inventory
			reserved := inv.Reserved.WarehouseProcessing + inv.Reserved.WarehouseTransfer + inv.Reserved.PendingCustomerOrder
			onHand := inv.Fulfillable + inv.Unfulfillable + inv.Researching + reserved
			lv := fbaLevel(req.Connection, m.MarketplaceID, p.SKU, at, inv.Fulfillable, reserved, onHand,
				inv.Inbound.Working+inv.Inbound.Shipped+inv.Inbound.Receiving)
			res.Records = append(res.Records, lv)
		}
	case n.MFNQuantity != nil:
		q := n.MFNQuantity
		if !strings.EqualFold(q.FulfillmentChannelCode, "DEFAULT") || at.IsZero() {
			return res, nil
		}
		res.Records = append(res.Records, &commerce.InventoryLevel{
			Meta: commerce.Meta{Source: commerce.Ref{Connection: req.Connection, ExternalID: MFNLocation + "/" + q.SKU}, UpdatedAt: at},
			SKU:  q.SKU, LocationID: MFNLocation, OnHand: q.Quantity, Available: q.Quantity})
	}
	for _, r := range res.Records {
		if err := r.Validate(); err != nil {
			return nil, sdk.InvalidInput("amazon: %s notification %s: %v", n.NotificationType, n.ID(), err)
		}
	}
	return res, nil
}
