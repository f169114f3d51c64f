package inventory

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func level(conn, sku, loc string, at time.Time, onHand, committed, incoming int) commerce.InventoryLevel {
	return commerce.InventoryLevel{
		Meta:       commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: sku + "@" + loc}, UpdatedAt: at},
		SKU:        sku,
		LocationID: loc,
		OnHand:     onHand,
		Committed:  committed,
		Available:  onHand - committed,
		Incoming:   incoming,
	}
}

func TestPositions(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.FixedZone("EST", -5*3600))
	levels := []commerce.InventoryLevel{
		level("shopify", "B", "wh1", t0, 10, 2, 5),
		level("shopify", "A", "wh1", t0, 50, 8, 0),
		level("erp", "A", "wh1", t0.Add(time.Hour), 48, 8, 0), // newer: wins
		level("shopify", "A", "wh2", t0.Add(time.Hour), 7, 0, 0),
		level("erp", "A", "wh2", t0, 9, 0, 0), // older: loses
		level("shopify", "C", "wh1", t0, 3, 0, 0),
	}
	gone := level("shopify", "C", "wh1", t0.Add(time.Minute), 0, 0, 0)
	gone.Deleted = true
	levels = append(levels, gone)
	receipts := []Receipt{
		{SKU: "B", LocationID: "wh1", Quantity: 12, Expected: commerce.Date{Year: 2026, Month: 3, Day: 20}, Ref: "PO-2"},
		{SKU: "B", LocationID: "wh1", Quantity: 3, Expected: commerce.Date{Year: 2026, Month: 3, Day: 16}, Ref: "PO-1"},
		{SKU: "B", LocationID: "wh1", Quantity: 1, Ref: "undated"},
		{SKU: "D", LocationID: "wh3", Quantity: 40, Ref: "PO-9"},
	}
	got, err := Positions(levels, receipts)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, len(got))
	for i, p := range got {
		keys[i] = p.Key()
	}
	if want := []string{"A@wh1", "A@wh2", "B@wh1", "D@wh3"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("positions = %v, want %v (C deleted)", keys, want)
	}
	if got[0].OnHand != 48 || got[0].Available != 40 {
		t.Errorf("A@wh1 = %+v, want the newer ERP level (48 on hand)", got[0])
	}
	if got[1].OnHand != 7 {
		t.Errorf("A@wh2 on hand = %d, want the newer 7", got[1].OnHand)
	}
	b := got[2]
	if b.Incoming != 16 || len(b.Receipts) != 2 || b.Receipts[0].Ref != "PO-1" {
		t.Errorf("B@wh1 = %+v, want incoming 16 from receipts (not the level's 5), dated receipts sorted", b)
	}
	if b.InventoryPosition() != 8+16 {
		t.Errorf("B inventory position = %d, want 24", b.InventoryPosition())
	}
	if d := got[3]; d.OnHand != 0 || d.Incoming != 40 {
		t.Errorf("D@wh3 = %+v, want a position from its receipt only", d)
	}

	bad := level("shopify", "", "wh1", t0, 1, 0, 0)
	if _, err := Positions([]commerce.InventoryLevel{bad}, nil); err == nil || !strings.Contains(err.Error(), "sku") {
		t.Errorf("invalid level: error = %v, want one naming sku", err)
	}
	if _, err := Positions(nil, []Receipt{{SKU: "A", LocationID: "x", Quantity: 0, Ref: "PO"}}); !errors.Is(err, ErrInput) {
		t.Errorf("zero receipt: error = %v, want ErrInput", err)
	}
}

func TestATS(t *testing.T) {
	t.Parallel()
	pos := []Position{
		{SKU: "A", LocationID: "wh1", Available: 40},
		{SKU: "A", LocationID: "wh2", Available: 7},
		{SKU: "A", LocationID: "store", Available: -3}, // oversold
		{SKU: "B", LocationID: "wh1", Available: 5},
	}
	rules := []ChannelRule{
		{Channel: "shopify", PerLocation: true, Buffer: 2},
		{Channel: "amazon", Locations: []string{"wh1", "wh2"}, BufferPercent: 10, Cap: 30},
		{Channel: "ebay", Locations: []string{"wh2", "store"}, Pool: "east"},
	}
	got, err := ATS(pos, rules)
	if err != nil {
		t.Fatal(err)
	}
	want := []ChannelQuantity{
		// amazon pools wh1+wh2 = 47, holds back ⌈4.7⌉ = 5 → 42, capped at 30.
		{"amazon", "A", "pool", 30},
		// B: 5, holds back ⌈0.5⌉ = 1 → 4.
		{"amazon", "B", "pool", 4},
		// ebay pools wh2 + oversold store = 4.
		{"ebay", "A", "east", 4},
		// shopify per location, 2 held back each, oversold counts as 0.
		{"shopify", "A", "store", 0},
		{"shopify", "A", "wh1", 38},
		{"shopify", "A", "wh2", 5},
		{"shopify", "B", "wh1", 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ATS =\n%v\nwant\n%v", got, want)
	}

	errCases := []struct {
		name  string
		pos   []Position
		rules []ChannelRule
		want  string
	}{
		{"no channel", pos, []ChannelRule{{}}, "channel is required"},
		{"percent", pos, []ChannelRule{{Channel: "x", BufferPercent: 100}}, "percent"},
		{"negative buffer", pos, []ChannelRule{{Channel: "x", Buffer: -1}}, "buffer"},
		{"duplicate position", append(pos, pos[0]), rules, "twice"},
		{"same pool twice", pos, []ChannelRule{{Channel: "x"}, {Channel: "x"}}, "twice"},
	}
	for _, c := range errCases {
		if _, err := ATS(c.pos, c.rules); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v, want ErrInput containing %q", c.name, err, c.want)
		}
	}
}

func TestChangedATS(t *testing.T) {
	t.Parallel()
	rules := []ChannelRule{
		{Channel: "shopify", PerLocation: true},
		{Channel: "amazon", Buffer: 5},
	}
	before := []Position{
		{SKU: "A", LocationID: "wh1", Available: 10},
		{SKU: "A", LocationID: "wh2", Available: 4},
	}
	// wh1 sells 1 (shopify wh1 and amazon change); wh2 unchanged; wh3 appears;
	// the amazon pool rises by 3 - 1 = 2.
	after := []Position{
		{SKU: "A", LocationID: "wh1", Available: 9},
		{SKU: "A", LocationID: "wh2", Available: 4},
		{SKU: "A", LocationID: "wh3", Available: 3},
	}
	got, err := ChangedATS(before, after, rules)
	if err != nil {
		t.Fatal(err)
	}
	want := []ATSChange{
		{ChannelQuantity: ChannelQuantity{"amazon", "A", "pool", 11}, Previous: 9},
		{ChannelQuantity: ChannelQuantity{"shopify", "A", "wh1", 9}, Previous: 10},
		{ChannelQuantity: ChannelQuantity{"shopify", "A", "wh3", 3}, Added: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChangedATS =\n%+v\nwant\n%+v", got, want)
	}
	// A location that disappears is pushed as 0.
	got = DiffATS([]ChannelQuantity{{"shopify", "A", "wh9", 4}}, nil)
	if len(got) != 1 || !got[0].Removed || got[0].Quantity != 0 || got[0].Previous != 4 {
		t.Errorf("removed figure = %+v, want Removed with quantity 0", got)
	}
	if got := DiffATS(after2(), after2()); len(got) != 0 {
		t.Errorf("no change should push nothing, got %+v", got)
	}
	if _, err := ChangedATS(nil, []Position{{SKU: "A"}}, rules); err == nil {
		t.Error("a position without a location should fail")
	}
}

func after2() []ChannelQuantity {
	return []ChannelQuantity{{"a", "A", "x", 1}, {"b", "A", "y", 2}}
}
