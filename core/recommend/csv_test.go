package recommend_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/recommend"
	"github.com/supplyhub/supplyhub/core/recommend/baskets"
)

func TestReadOrdersCSV(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CET", 3600)
	in := "\ufeffsku,order_id,quantity,created_at,customer_id,channel\n" +
		"camera,1001,1,2026-03-01T10:00:00+01:00,c1,web\n" +
		"sd-card,1001,2,2026-03-01T10:00:00+01:00,c1,web\n" +
		"sd-card,1001,-2,2026-03-01T10:00:00+01:00,c1,web\n" + // returned in full
		"bag,1001,1,2026-03-01T10:00:00+01:00,c1,web\n" +
		"tea,1002,1,2026-03-02 09:30:00,,web\n" +
		"mug,1003,1,2026-03-03,c2,web\n" +
		"mug,1003,-1,2026-03-03,c2,web\n" // cancelled: dropped
	got, err := recommend.ReadOrdersCSV(strings.NewReader(in), recommend.CSVOptions{Location: berlin})
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.Basket{
		{OrderID: "1001", CustomerID: "c1", CreatedAt: time.Date(2026, 3, 1, 10, 0, 0, 0, berlin),
			Lines: []recommend.Line{{SKU: "camera", Quantity: 1}, {SKU: "bag", Quantity: 1}}},
		{OrderID: "1002", CreatedAt: time.Date(2026, 3, 2, 9, 30, 0, 0, berlin), Lines: []recommend.Line{{SKU: "tea", Quantity: 1}}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d baskets %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.OrderID != w.OrderID || g.CustomerID != w.CustomerID || !g.CreatedAt.Equal(w.CreatedAt) || !slices.Equal(g.Lines, w.Lines) {
			t.Errorf("basket %d = %+v, want %+v", i, g, w)
		}
	}
	if _, off := got[1].CreatedAt.Zone(); off != 3600 {
		t.Errorf("a time without offset was not read in the given zone: %v", got[1].CreatedAt)
	}
}

func TestReadOrdersCSVErrors(t *testing.T) {
	t.Parallel()
	const h = "order_id,customer_id,sku,quantity,created_at\n"
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "orders CSV is empty"},
		{"missing column", "order_id,sku,quantity\n", `column "created_at" is missing`},
		{"duplicate column", "order_id,sku,sku,quantity,created_at\n", `column "sku" appears twice`},
		{"bad quantity", h + "1,c,a,two,2026-03-01\n", `line 2 (order "1"): quantity "two" is not a whole number`},
		{"bad time", h + "1,c,a,1,yesterday\n", `line 2 (order "1"): created_at: "yesterday" is not a time`},
		{"empty time", h + "1,c,a,1,\n", "created_at: empty"},
		{"empty order", h + ",c,a,1,2026-03-01\n", "line 2: order_id is empty"},
		{"empty sku", h + "1,c,,1,2026-03-01\n", `line 2 (order "1"): sku is empty`},
		{"customer changes", h + "1,c1,a,1,2026-03-01\n1,c2,b,1,2026-03-01\n", `line 3: order "1" has customer_id "c2" here but "c1" on line 2`},
		{"time changes", h + "1,c1,a,1,2026-03-01\n1,c1,b,1,2026-03-02\n", `line 3: order "1" has created_at 2026-03-02T00:00:00Z here but 2026-03-01T00:00:00Z on line 2`},
		{"ragged row", h + "1,c1,a,1\n", "wrong number of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recommend.ReadOrdersCSV(strings.NewReader(tc.in), recommend.CSVOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestOrdersCSVRoundTrip(t *testing.T) {
	t.Parallel()
	ds, err := baskets.Generate(baskets.Demo())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := recommend.WriteOrdersCSV(&buf, ds.Baskets); err != nil {
		t.Fatal(err)
	}
	back, err := recommend.ReadOrdersCSV(&buf, recommend.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(ds.Baskets) {
		t.Fatalf("read %d baskets, wrote %d", len(back), len(ds.Baskets))
	}
	for i, b := range back {
		w := ds.Baskets[i]
		if b.OrderID != w.OrderID || b.CustomerID != w.CustomerID || !b.CreatedAt.Equal(w.CreatedAt) || !slices.Equal(b.Lines, w.Lines) {
			t.Fatalf("basket %d: read %+v, wrote %+v", i, b, w)
		}
	}
}

func FuzzReadOrdersCSV(f *testing.F) {
	f.Add("order_id,customer_id,sku,quantity,created_at\n1,c,a,1,2026-03-01T10:00:00Z\n1,c,b,-1,2026-03-01T10:00:00Z\n")
	f.Add("sku,order_id,quantity,created_at\nx,9,3,2026-03-01\n")
	f.Add("order_id,sku,quantity,created_at\n\"1\n2\",a,1,2026-03-01 10:00:00\n")
	f.Fuzz(func(t *testing.T, in string) {
		bs, err := recommend.ReadOrdersCSV(strings.NewReader(in), recommend.CSVOptions{})
		if err != nil {
			return
		}
		// Whatever parses must be a valid model input.
		if _, err := recommend.Build(bs, recommend.Config{}); err != nil {
			t.Fatalf("parsed baskets rejected by Build: %v", err)
		}
		for _, b := range bs {
			if len(b.Lines) == 0 {
				t.Fatalf("order %q has no lines", b.OrderID)
			}
			for _, l := range b.Lines {
				if l.Quantity <= 0 || l.SKU == "" {
					t.Fatalf("order %q: line %+v", b.OrderID, l)
				}
			}
		}
	})
}

func TestCatalogCSV(t *testing.T) {
	t.Parallel()
	c := recommend.Catalog{"cam": {Category: "cameras", Vendor: "acme"}, "bag": {Vendor: "acme"}}
	var buf bytes.Buffer
	if err := recommend.WriteCatalogCSV(&buf, c); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "sku,category,vendor\nbag,,acme\ncam,cameras,acme\n" {
		t.Fatalf("written %q", buf.String())
	}
	back, err := recommend.ReadCatalogCSV(&buf)
	if err != nil || len(back) != 2 || back["cam"] != c["cam"] || back["bag"] != c["bag"] {
		t.Fatalf("read back %v, %v", back, err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "catalogue CSV is empty"},
		{"no group column", "sku,title\n", "need a sku column and a category or vendor column"},
		{"empty sku", "sku,category\n,cameras\n", "line 2: sku is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := recommend.ReadCatalogCSV(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
