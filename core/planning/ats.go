package planning

import (
	"context"
	"fmt"
	"sync"

	"github.com/supplyhub/supplyhub/core/inventory"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Writer queues changes for an upstream's write path; the ingress
// implements it (write-back with retries and dead letters).
type Writer interface {
	EnqueueWriteback(ctx context.Context, connection, action, key string, rec commerce.Record) (int64, bool, error)
}

// atsPusher pushes available-to-sell figures to channels when stock
// changes, remembering what it pushed last so that unchanged figures are
// not sent again.
type atsPusher struct {
	mu   sync.Mutex
	last map[string]int // channel/sku/location -> quantity pushed
}

// SetWriter enables pushing available-to-sell to the configured channels.
func (s *Service) SetWriter(w Writer) { s.writer = w }

// pushATS recomputes a SKU's available-to-sell on every configured channel
// from its stock at every location and queues the figures that changed.
func (s *Service) pushATS(ctx context.Context, sku string, version int64) error {
	if s.writer == nil || len(s.cfg.Channels) == 0 {
		return nil
	}
	var levels []commerce.InventoryLevel
	channels := map[string]bool{}
	for _, r := range s.cfg.Channels {
		channels[r.Channel] = true
	}
	for sr, err := range records(ctx, s.store, store.Query{Kind: commerce.KindInventoryLevel, SKU: sku}) {
		if err != nil {
			return err
		}
		if channels[sr.Connection] {
			continue // a channel's own figure is an output here, not stock
		}
		rec, err := sr.Decode()
		if err != nil {
			return err
		}
		levels = append(levels, *rec.(*commerce.InventoryLevel))
	}
	// No receipts: available-to-sell never counts stock still on its way.
	positions, err := inventory.Positions(levels, nil)
	if err != nil {
		return err
	}
	qs, err := inventory.ATS(positions, s.cfg.Channels)
	if err != nil {
		return err
	}
	for _, q := range qs {
		k := q.Channel + "/" + q.SKU + "/" + q.LocationID
		s.ats.mu.Lock()
		prev, seen := s.ats.last[k]
		s.ats.mu.Unlock()
		if seen && prev == q.Quantity {
			continue
		}
		item, _ := s.inventoryItem(ctx, q.Channel, q.SKU)
		rec := &commerce.InventoryLevel{
			Meta:            commerce.Meta{Source: commerce.Ref{Connection: q.Channel, ExternalID: q.SKU + "@" + q.LocationID}, UpdatedAt: s.now().UTC()},
			SKU:             q.SKU,
			InventoryItemID: item,
			LocationID:      q.LocationID,
			OnHand:          q.Quantity,
			Available:       q.Quantity,
		}
		key := fmt.Sprintf("ats:%s:%s@%s:%d:%d", q.Channel, q.SKU, q.LocationID, q.Quantity, version)
		if _, _, err := s.writer.EnqueueWriteback(ctx, q.Channel, sdk.ActionSetInventory, key, rec); err != nil {
			return fmt.Errorf("planning: push available-to-sell of %s to %s: %w", q.SKU, q.Channel, err)
		}
		s.ats.mu.Lock()
		s.ats.last[k] = q.Quantity
		s.ats.mu.Unlock()
	}
	return nil
}

// inventoryItem finds a channel's inventory item id for a SKU from its
// stored products (Shopify needs it to set a quantity).
func (s *Service) inventoryItem(ctx context.Context, channel, sku string) (string, error) {
	page, err := s.store.ListRecords(ctx, store.Query{Kind: commerce.KindProduct, Connection: channel, SKU: sku, Limit: 10})
	if err != nil {
		return "", err
	}
	for i := range page.Items {
		rec, err := page.Items[i].Decode()
		if err != nil {
			continue
		}
		if v, ok := rec.(*commerce.Product).VariantBySKU(sku); ok {
			if v.InventoryItemID != "" {
				return v.InventoryItemID, nil
			}
			return v.ExternalID, nil
		}
	}
	return "", nil
}
