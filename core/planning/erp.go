package planning

import (
	"context"
	"errors"
	"fmt"

	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// onOrderERP writes a channel's order to the ERP connection as a sale
// order (a cancellation cancels it), through the write-back path. The
// idempotency key is the order's source and version, so redeliveries and
// replays write each version once.
func (s *Service) onOrderERP(ctx context.Context, ev store.RecordEvent) error {
	if s.cfg.ERP == "" || s.writer == nil || ev.Connection == s.cfg.ERP {
		return nil
	}
	o, err := s.storedOrder(ctx, ev.ID)
	if err != nil || o == nil || o.Deleted {
		return err
	}
	action := sdk.ActionUpsertOrder
	if o.CancelledAt != nil {
		action = sdk.ActionCancelOrder
	}
	key := fmt.Sprintf("%s:%s:%d", action, o.Source, o.UpdatedAt.UnixNano())
	if _, _, err := s.writer.EnqueueWriteback(ctx, s.cfg.ERP, action, key, o); err != nil {
		return fmt.Errorf("planning: write order %s to the ERP %s: %w", o.Source, s.cfg.ERP, err)
	}
	return nil
}

// pushPurchases sends the plan's purchase suggestions to the ERP as draft
// purchase orders (never confirmed). A suggestion whose quantity or date
// changes is sent again; the ERP keeps the latest.
func (s *Service) pushPurchases(ctx context.Context) error {
	if s.cfg.ERP == "" || s.writer == nil {
		return nil
	}
	sugs, err := listAll[*commerce.ReplenishmentSuggestion](ctx, s.store, commerce.KindReplenishmentSuggestion)
	if err != nil {
		return err
	}
	var errs []error
	for _, sg := range sugs {
		if sg.Type != "purchase" {
			continue
		}
		key := fmt.Sprintf("rfq:%s:%d:%s", sg.Source.ExternalID, sg.Quantity, sg.OrderBy)
		if _, _, err := s.writer.EnqueueWriteback(ctx, s.cfg.ERP, sdk.ActionCreatePurchaseOrder, key, sg); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sg.Source.ExternalID, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("planning: draft purchase orders to the ERP %s: %w", s.cfg.ERP, errors.Join(errs...))
	}
	return nil
}
