package baskets

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/core/recommend"
)

func TestGenerateIsReproducible(t *testing.T) {
	t.Parallel()
	a, err := Generate(Demo())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(Demo())
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same config gave two different data sets")
	}
	c := Demo()
	c.Seed++
	other, _ := Generate(c)
	if reflect.DeepEqual(a.Baskets, other.Baskets) {
		t.Fatal("another seed gave the same baskets")
	}
}

func TestGenerateShape(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 1, SKUs: 300, Categories: 12, Vendors: 5, Customers: 1000}
	ds, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Catalog) != 300 || len(ds.Pairs) != 15 || len(ds.Bundles) != 3 || len(ds.FollowUps) != 7 {
		t.Fatalf("catalog %d, pairs %d, bundles %d, follow-ups %d; want 300, 15, 3, 7", len(ds.Catalog), len(ds.Pairs), len(ds.Bundles), len(ds.FollowUps))
	}
	planted := map[string]bool{}
	for _, p := range append(slices.Clone(ds.Pairs), ds.FollowUps...) {
		for _, s := range []string{p.A, p.B} {
			if planted[s] {
				t.Fatalf("SKU %s is in two planted associations", s)
			}
			planted[s] = true
		}
		if ds.Catalog[p.A].Category == ds.Catalog[p.B].Category {
			t.Fatalf("planted pair %v is within one category; partners come from other categories", p)
		}
	}
	customers, guests, lines := map[string]bool{}, 0, 0
	for i, b := range ds.Baskets {
		if i > 0 && b.CreatedAt.Before(ds.Baskets[i-1].CreatedAt) {
			t.Fatal("baskets are not oldest first")
		}
		if b.CustomerID == "" {
			guests++
		} else {
			customers[b.CustomerID] = true
		}
		if len(b.Lines) == 0 {
			t.Fatalf("order %s has no lines", b.OrderID)
		}
		for _, l := range b.Lines {
			if _, ok := ds.Catalog[l.SKU]; !ok || l.Quantity < 1 {
				t.Fatalf("order %s line %+v: unknown SKU or bad quantity", b.OrderID, l)
			}
		}
		lines += len(b.Lines)
	}
	if len(customers) != 1000 || lines != ds.Lines {
		t.Fatalf("%d customers, %d lines (reported %d); want 1000 customers", len(customers), lines, ds.Lines)
	}
	if share := float64(guests) / float64(len(ds.Baskets)); share < 0.1 || share > 0.2 {
		t.Fatalf("guest share %.2f, want about 0.15", share)
	}
	if perCust := float64(len(ds.Baskets)-guests) / 1000; perCust < 2.2 || perCust > 2.8 {
		t.Fatalf("%.2f orders per customer, want about 2.5", perCust)
	}
	// Planted pairs really co-occur: the partner is in roughly PairProb of the anchor's orders.
	p := ds.Pairs[0]
	with, both := 0, 0
	for _, b := range ds.Baskets {
		has := func(s string) bool {
			return slices.ContainsFunc(b.Lines, func(l recommend.Line) bool { return l.SKU == s })
		}
		if has(p.A) {
			with++
			if has(p.B) {
				both++
			}
		}
	}
	if with < 10 || float64(both)/float64(with) < 0.35 {
		t.Fatalf("planted pair %v: partner in %d of %d anchor orders", p, both, with)
	}
}

func TestGenerateOneCategory(t *testing.T) {
	t.Parallel()
	// Partners normally come from another category; with one category the
	// generator must still finish and plant every association.
	ds, err := Generate(Config{Seed: 4, SKUs: 40, Categories: 1, Customers: 50, Pairs: 5, Bundles: 2, FollowUps: 5})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range append(ds.Pairs, ds.FollowUps...) {
		if p.A == p.B || seen[p.A] || seen[p.B] {
			t.Fatalf("association %v reuses an item", p)
		}
		seen[p.A], seen[p.B] = true, true
	}
	if len(ds.Pairs) != 5 || len(ds.FollowUps) != 5 || len(ds.Bundles) != 2 {
		t.Fatalf("planted %d pairs, %d follow-ups, %d bundles", len(ds.Pairs), len(ds.FollowUps), len(ds.Bundles))
	}
}

func TestGenerateTargetLines(t *testing.T) {
	t.Parallel()
	ds, err := Generate(Config{Seed: 2, Lines: 20000})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Lines < 20000 || ds.Lines > 20100 {
		t.Fatalf("%d lines, want just over 20000", ds.Lines)
	}
}

func TestGenerateRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"few skus", Config{SKUs: 5}, "SKUs 5"},
		{"too many categories", Config{SKUs: 20, Categories: 30}, "categories 30"},
		{"planted too many", Config{SKUs: 20, Categories: 4, Pairs: 10}, "need more than 20 SKUs"},
		{"probability", Config{PairProb: 2}, "at most 1"},
		{"guests", Config{GuestShare: 1}, "guest share"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Generate(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
