package amazontest

import (
	"encoding/json"
	"fmt"
	"time"
)

const (
	appID     = "amzn1.sellerapps.app.0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
	stampForm = "2006-01-02T15:04:05.000Z"
)

func (s *Server) metadata(sub string, at time.Time) map[string]any {
	id := randHex(16)
	return map[string]any{"ApplicationId": appID, "SubscriptionId": sub, "PublishTime": at.UTC().Format(stampForm),
		"NotificationId": id[:8] + "-" + id[8:12] + "-4" + id[13:16] + "-a" + id[17:20] + "-" + id[20:32]}
}

// orderChangeLocked builds an ORDER_CHANGE document (PascalCase envelope).
func (s *Server) orderChangeLocked(o *order, changeType string) map[string]any {
	m := fakeMarkets[o.market]
	var items []map[string]any
	for _, it := range o.items {
		st := "Unshipped"
		if it.shipped == it.qty {
			st = "Shipped"
		}
		if o.status == StatusCanceled {
			st = "Canceled"
		}
		items = append(items, map[string]any{"OrderItemId": it.id, "SellerSKU": it.sku, "SupplySourceId": nil, "OrderItemStatus": st,
			"Quantity": it.qty, "QuantityShipped": it.shipped})
	}
	ft := o.channel
	at := o.updated
	return map[string]any{
		"NotificationVersion": "1.0", "NotificationType": "ORDER_CHANGE", "PayloadVersion": "1.0", "EventTime": at.UTC().Format(stampForm),
		"Payload": map[string]any{"OrderChangeNotification": map[string]any{
			"NotificationLevel": "OrderLevel", "SellerId": s.opts.SellerID, "AmazonOrderId": o.id, "OrderChangeType": changeType,
			"OrderChangeTrigger": map[string]any{"TimeOfOrderChange": at.UTC().Format(stampForm), "ChangeReason": "Order Status Changed"},
			"Summary": map[string]any{"MarketplaceId": o.market, "OrderStatus": o.status, "PurchaseDate": o.created.UTC().Format(stampForm),
				"DestinationPostalCode": o.postal, "FulfillmentType": ft, "OrderType": "StandardOrder", "OrderPrograms": []string{},
				"ShippingPrograms": []string{}, "EasyShipShipmentStatus": nil, "ElectronicInvoiceStatus": "NotRequired", "OrderItems": items,
				"CountryCode": m.country},
		}},
		"NotificationMetadata": s.metadata("7d6c5b4a-3f2e-4d1c-9b0a-8f7e6d5c4b3a", at),
	}
}

func (s *Server) notifyOrderLocked(o *order, changeType string) {
	s.notifyLocked(s.orderChangeLocked(o, changeType))
}

// fbaNotificationLocked builds a FBA_INVENTORY_AVAILABILITY_CHANGES
// document for a SKU across the seller's marketplaces.
func (s *Server) fbaNotificationLocked(skuID string, at time.Time) map[string]any {
	k := s.data.skuByID[skuID]
	var per []map[string]any
	for _, mp := range s.opts.Marketplaces {
		f := s.data.stock[mp][skuID]
		if f == nil {
			continue
		}
		per = append(per, map[string]any{"MarketplaceId": mp, "ItemName": k.title,
			"FulfillmentInventory": map[string]any{
				"InboundQuantityBreakdown":  map[string]any{"Working": f.working, "Shipped": f.shipped, "Receiving": f.receiving},
				"Fulfillable":               f.fulfillable,
				"Unfulfillable":             f.unfulfillable,
				"Researching":               f.researching,
				"ReservedQuantityBreakdown": map[string]any{"WarehouseProcessing": f.processing, "WarehouseTransfer": f.transship, "PendingCustomerOrder": f.pendingOrder},
				"FutureSupplyBuyable":       0, "PendingCustomerOrderInTransit": 0,
			}, "Stores": []string{}})
	}
	return map[string]any{
		"NotificationVersion": "1.0", "NotificationType": "FBA_INVENTORY_AVAILABILITY_CHANGES", "PayloadVersion": "1.0",
		"EventTime": at.UTC().Format(stampForm),
		"Payload": map[string]any{"SellerId": s.opts.SellerID, "FNSKU": k.fnsku, "ASIN": k.asin, "SKU": k.sku,
			"FulfillmentInventoryByMarketplace": per},
		"NotificationMetadata": s.metadata("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", at),
	}
}

// OrderChangeNotification returns an ORDER_CHANGE document for an order as
// it is now, without enqueueing it.
func (s *Server) OrderChangeNotification(id string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.data.orders[id]
	if o == nil {
		return nil, fmt.Errorf("amazontest: no order %s", id)
	}
	return json.Marshal(s.orderChangeLocked(o, "OrderStatusChange"))
}

// FBANotification returns a FBA_INVENTORY_AVAILABILITY_CHANGES document
// for a SKU's stock as it is now, stamped at (zero: the SKU's last
// update), without enqueueing it.
func (s *Server) FBANotification(skuID string, at time.Time) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data.skuByID[skuID] == nil {
		return nil, fmt.Errorf("amazontest: no SKU %s", skuID)
	}
	if at.IsZero() {
		for _, mp := range s.opts.Marketplaces {
			if f := s.data.stock[mp][skuID]; f != nil && f.updated.After(at) {
				at = f.updated
			}
		}
	}
	return json.Marshal(s.fbaNotificationLocked(skuID, at))
}

// NotifyOfferChange enqueues an ANY_OFFER_CHANGED for a SKU's ASIN in
// marketplace mp: two competing offers, prices as JSON numbers as Amazon
// sends them.
func (s *Server) NotifyOfferChange(mp, skuID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.data.skuByID[skuID]
	m, ok := fakeMarkets[mp]
	if k == nil || !ok {
		return fmt.Errorf("amazontest: no SKU %s or marketplace %s", skuID, mp)
	}
	at := s.opts.Clock()
	price := json.Number(money(m, k.price[m.currency]))
	lower := json.Number(money(m, k.price[m.currency]-100))
	zero := json.Number(money(m, 0))
	pr := func(cond, ch string, p json.Number) map[string]any {
		return map[string]any{"Condition": cond, "FulfillmentChannel": ch, "LandedPrice": map[string]any{"Amount": p, "CurrencyCode": m.currency},
			"ListingPrice": map[string]any{"Amount": p, "CurrencyCode": m.currency}, "Shipping": map[string]any{"Amount": zero, "CurrencyCode": m.currency}}
	}
	s.notifyLocked(map[string]any{
		"NotificationVersion": "1.0", "NotificationType": "ANY_OFFER_CHANGED", "PayloadVersion": "1.0", "EventTime": at.UTC().Format(stampForm),
		"NotificationMetadata": s.metadata("a1b2c3d4-offers", at),
		"Payload": map[string]any{"AnyOfferChangedNotification": map[string]any{
			"SellerId": s.opts.SellerID,
			"OfferChangeTrigger": map[string]any{"MarketplaceId": mp, "ASIN": k.asin, "ItemCondition": "New",
				"TimeOfOfferChange": at.UTC().Format(stampForm), "OfferChangeType": "External"},
			"Summary": map[string]any{
				"NumberOfOffers": []map[string]any{{"Condition": "new", "FulfillmentChannel": "Merchant", "OfferCount": 2}},
				"LowestPrices":   []map[string]any{pr("new", "Merchant", lower)},
				"BuyBoxPrices":   []map[string]any{pr("new", "Merchant", price)},
			},
			"Offers": []map[string]any{{"SellerId": s.opts.SellerID, "SubCondition": "new", "ListingPrice": map[string]any{"Amount": price, "CurrencyCode": m.currency},
				"Shipping": map[string]any{"Amount": zero, "CurrencyCode": m.currency}, "IsFulfilledByAmazon": false, "IsBuyBoxWinner": true}},
		}},
	})
	return nil
}

// EventBridgeMFNQuantity returns an EventBridge event carrying a
// LISTINGS_ITEM_MFN_QUANTITY_CHANGE for a SKU's merchant-fulfilled
// quantity, as an EventBridge API destination would post it.
func (s *Server) EventBridgeMFNQuantity(skuID string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.data.skuByID[skuID]
	if k == nil {
		return nil, fmt.Errorf("amazontest: no SKU %s", skuID)
	}
	at := s.opts.Clock()
	return json.Marshal(map[string]any{
		"version": "0", "id": randHex(16), "detail-type": "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
		"source": "aws.partner/sellingpartnerapi.amazon.com/" + appID, "account": DefaultAccountID, "time": at.UTC().Format(time.RFC3339),
		"region": s.opts.AWSRegion, "resources": []string{},
		"detail": map[string]any{"NotificationVersion": "1.0", "NotificationType": "LISTINGS_ITEM_MFN_QUANTITY_CHANGE", "PayloadVersion": "1.0",
			"EventTime":            at.UTC().Format(stampForm),
			"Payload":              map[string]any{"SellerId": s.opts.SellerID, "FulfillmentChannelCode": "DEFAULT", "Sku": k.sku, "Quantity": k.mfn},
			"NotificationMetadata": s.metadata("93b098e1-listings", at)},
	})
}

// Marketplaces returns the seller's marketplaces and their currencies.
func (s *Server) Marketplaces() map[string]string {
	out := map[string]string{}
	for _, id := range s.opts.Marketplaces {
		out[id] = fakeMarkets[id].currency
	}
	return out
}
