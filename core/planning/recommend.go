package planning

import (
	"context"
	"errors"

	"github.com/supplyhub/supplyhub/core/recommend"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// rebuildRecommendations builds the recommendation model from every stored
// order and product.
func (s *Service) rebuildRecommendations(ctx context.Context) error {
	var baskets []recommend.Basket
	for sr, err := range records(ctx, s.store, store.Query{Kind: commerce.KindOrder, IncludeDeleted: true}) {
		if err != nil {
			return err
		}
		rec, err := sr.Decode()
		if err != nil {
			return err
		}
		if b := recommend.FromOrder(rec.(*commerce.Order)); len(b.Lines) > 0 {
			baskets = append(baskets, b)
		}
	}
	m, err := recommend.Build(baskets, recommend.Config{})
	if err != nil {
		return err
	}
	catalog, err := s.catalog(ctx)
	if err != nil {
		return err
	}
	m.SetCatalog(catalog)
	s.recMu.Lock()
	s.rec = m
	s.recMu.Unlock()
	s.log.Info("recommendations built", "orders", m.Stats().Orders, "items", m.Stats().Items)
	return nil
}

// catalog reads products into the recommender's catalogue (category and
// vendor of each SKU, for cold start).
func (s *Service) catalog(ctx context.Context) (recommend.Catalog, error) {
	c := recommend.Catalog{}
	for sr, err := range records(ctx, s.store, store.Query{Kind: commerce.KindProduct}) {
		if err != nil {
			return nil, err
		}
		rec, err := sr.Decode()
		if err != nil {
			return nil, err
		}
		c.AddProduct(rec.(*commerce.Product))
	}
	return c, nil
}

// onOrder applies a changed order to the recommendation model.
func (s *Service) onOrder(ctx context.Context, ev store.RecordEvent) error {
	s.recMu.RLock()
	m := s.rec
	s.recMu.RUnlock()
	if m == nil {
		return nil // the model is built from the store on start
	}
	o, err := s.storedOrder(ctx, ev.ID)
	if err != nil || o == nil {
		return err
	}
	_, err = m.Upsert(recommend.FromOrder(o))
	return err
}

// storedOrder reads the order an event names: nil when it is gone since or
// cannot be decoded (logged; redelivery cannot mend it), an error when the
// store fails (the event is redelivered).
func (s *Service) storedOrder(ctx context.Context, id int64) (*commerce.Order, error) {
	sr, err := s.store.GetRecord(ctx, commerce.KindOrder, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec, err := sr.Decode()
	if err != nil {
		s.log.Error("skip an order the store cannot decode", "record", id, "err", err)
		return nil, nil
	}
	return rec.(*commerce.Order), nil
}

// recommender returns the current model, or nil before the first build.
func (s *Service) recommender() *recommend.Model {
	s.recMu.RLock()
	defer s.recMu.RUnlock()
	return s.rec
}
