package planning

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/inventory"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

type recordedWrite struct {
	connection, action, key string
	level                   *commerce.InventoryLevel
}

type fakeWriter struct {
	mu     sync.Mutex
	writes []recordedWrite
}

func (w *fakeWriter) EnqueueWriteback(_ context.Context, connection, action, key string, rec commerce.Record) (int64, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, recordedWrite{connection, action, key, rec.(*commerce.InventoryLevel)})
	return int64(len(w.writes)), false, nil
}

func TestAvailableToSellIsPushedWhenStockChanges(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	now := day0
	channels := []inventory.ChannelRule{
		{Channel: "shopify-eu", PerLocation: true, Locations: []string{"WH1"}, Buffer: 2},
		{Channel: "amazon-eu", Pool: "DEFAULT", BufferPercent: 10, Cap: 50},
	}
	s := New(Config{Channels: channels}, st, nil, nil)
	w := &fakeWriter{}
	s.SetWriter(w)
	put := func(loc string, avail int, at time.Time) {
		t.Helper()
		l := &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: "erp", ExternalID: "TEE@" + loc}, UpdatedAt: at},
			SKU: "TEE", LocationID: loc, OnHand: avail, Available: avail}
		res, err := st.UpsertRecords(ctx, []commerce.Record{l})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.onStock(ctx, storeEvent(res[0].ID)); err != nil {
			t.Fatal(err)
		}
	}
	// Shopify's variant maps the SKU to its inventory item.
	st.UpsertRecords(ctx, []commerce.Record{&commerce.Product{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shopify-eu", ExternalID: "p"}, UpdatedAt: now},
		Title: "Tee", Variants: []commerce.Variant{{ExternalID: "v", SKU: "TEE", InventoryItemID: "gid://shopify/InventoryItem/9"}}}}) //nolint:errcheck
	put("WH1", 30, now)
	put("WH2", 40, now)
	got := map[string]int{}
	for _, wr := range w.writes {
		if wr.action != sdk.ActionSetInventory {
			t.Fatalf("action %s", wr.action)
		}
		got[wr.connection+"/"+wr.level.LocationID] = wr.level.Available
		if wr.connection == "shopify-eu" && wr.level.InventoryItemID != "gid://shopify/InventoryItem/9" {
			t.Fatalf("shopify write lacks the inventory item: %+v", wr.level)
		}
	}
	// Shopify sees WH1 only, minus 2; Amazon sees the pool of 70 minus 10%, capped at 50.
	if got["shopify-eu/WH1"] != 28 || got["amazon-eu/DEFAULT"] != 50 {
		t.Fatalf("pushed %v", got)
	}
	n := len(w.writes)
	// A change at WH2 leaves Shopify's figure alone and moves Amazon's below its cap.
	put("WH2", 10, now.Add(time.Minute))
	if len(w.writes) != n+1 || w.writes[n].connection != "amazon-eu" || w.writes[n].level.Available != 36 {
		t.Fatalf("after WH2 drops: %+v", w.writes[n:])
	}
	// The same figure again is not pushed again.
	put("WH2", 10, now.Add(2*time.Minute))
	if len(w.writes) != n+1 {
		t.Fatalf("an unchanged figure was pushed again: %+v", w.writes[n+1:])
	}
}

func storeEvent(id int64) store.RecordEvent {
	return store.RecordEvent{ID: id, Kind: commerce.KindInventoryLevel}
}

func TestOrdersAndPurchasesGoToTheERP(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	seedWeekly(t, st, 70)
	now := day0.AddDate(0, 0, 69)
	cost := commerce.MustMoney("8.40", "EUR")
	st.UpsertRecords(ctx, []commerce.Record{ //nolint:errcheck
		&commerce.Product{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop", ExternalID: "p1"}, UpdatedAt: now}, Title: "Tee", Vendor: "Acme",
			Variants: []commerce.Variant{{ExternalID: "v1", SKU: "TEE", Cost: &cost}}},
		stock("TEE", "L1", 3, now),
	})
	s := New(Config{ERP: "odoo"}, st, nil, nil)
	s.now = func() time.Time { return now }
	w := &anyWriter{}
	s.SetWriter(w)
	// A channel order becomes a sale order, its cancellation a cancellation.
	o := mkOrder("o-erp", now, line{"TEE", 1, "L1"})
	res, _ := st.UpsertRecords(ctx, []commerce.Record{o})
	ev := store.RecordEvent{ID: res[0].ID, Kind: commerce.KindOrder, Connection: "shop"}
	if err := s.onOrderERP(ctx, ev); err != nil {
		t.Fatal(err)
	}
	at := now.Add(time.Hour)
	o.CancelledAt, o.UpdatedAt = &at, at
	st.UpsertRecords(ctx, []commerce.Record{o}) //nolint:errcheck
	s.onOrderERP(ctx, ev)                       //nolint:errcheck
	// Orders that came from the ERP itself are not written back to it.
	s.onOrderERP(ctx, store.RecordEvent{ID: res[0].ID, Kind: commerce.KindOrder, Connection: "odoo"}) //nolint:errcheck
	if len(w.calls) != 2 || w.calls[0].action != sdk.ActionUpsertOrder || w.calls[1].action != sdk.ActionCancelOrder || w.calls[0].key == w.calls[1].key {
		t.Fatalf("ERP writes %+v", w.calls)
	}
	if w.calls[0].rec.Ref().Connection != "shop" {
		t.Fatal("the order written to the ERP must keep its channel as source")
	}
	// The plan's purchases become draft purchase orders.
	if _, err := s.RunForecasts(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Replenish(ctx); err != nil {
		t.Fatal(err)
	}
	var rfqs int
	for _, c := range w.calls[2:] {
		if c.action == sdk.ActionCreatePurchaseOrder && c.connection == "odoo" && c.rec.(*commerce.ReplenishmentSuggestion).SKU == "TEE" {
			rfqs++
		}
	}
	if rfqs != 1 {
		t.Fatalf("%d draft purchase orders for TEE: %+v", rfqs, w.calls)
	}
}

type anyCall struct {
	connection, action, key string
	rec                     commerce.Record
}

type anyWriter struct{ calls []anyCall }

func (w *anyWriter) EnqueueWriteback(_ context.Context, connection, action, key string, rec commerce.Record) (int64, bool, error) {
	w.calls = append(w.calls, anyCall{connection, action, key, rec})
	return int64(len(w.calls)), false, nil
}

// getFails is a store whose GetRecord fails.
type getFails struct {
	store.Store
	err error
}

func (g getFails) GetRecord(context.Context, commerce.Kind, int64) (*store.StoredRecord, error) {
	return nil, g.err
}

func TestOnStockReturnsStoreErrorsForRedelivery(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		err     error
		wantErr bool
	}{
		{"record gone: nothing to record", store.ErrNotFound, false},
		{"store down: redelivered", errors.New("connection refused"), true},
	} {
		s := New(Config{}, getFails{Store: st, err: c.err}, nil, nil)
		if err := s.onStock(ctx, storeEvent(1)); (err != nil) != c.wantErr {
			t.Errorf("%s: error %v, want error %v", c.name, err, c.wantErr)
		}
	}
}
