package shopify_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/supplyhub/supplyhub/connectors/shopify"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// printStream prints each order a read sends.
type printStream struct{ cursor string }

func (p *printStream) Records(rs ...commerce.Record) error {
	for _, r := range rs {
		o := r.(*commerce.Order)
		fmt.Printf("%s %s: %d lines, total %s (%s)\n", o.Number, o.Source.ExternalID, len(o.Lines), o.Total.Shop, o.Total.Presentment)
	}
	return nil
}
func (p *printStream) Checkpoint(c string) error   { p.cursor = c; return nil }
func (p *printStream) Progress(sdk.Progress) error { return nil }

// Example reads the orders of a fake shop, then reads again from the last
// checkpoint after one order changed.
func Example() {
	srv, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_example", Orders: 3, Seed: 1})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	cfg, _ := json.Marshal(map[string]any{"shop_domain": "supplyhub-demo.myshopify.com", "access_token": "shpat_example", "base_url": srv.URL})
	c := shopify.New()
	ctx := context.Background()
	var out printStream
	if err := c.Read(ctx, sdk.ReadRequest{Connection: "shop", Config: cfg, Stream: shopify.StreamOrders, Mode: sdk.ModeFull}, &out); err != nil {
		panic(err)
	}
	if _, err := srv.RefundOrder(shopifytest.OrderGID(1)); err != nil {
		panic(err)
	}
	fmt.Println("after a refund:")
	if err := c.Read(ctx, sdk.ReadRequest{Connection: "shop", Config: cfg, Stream: shopify.StreamOrders, Mode: sdk.ModeIncremental, Cursor: out.cursor}, &out); err != nil {
		panic(err)
	}
	// Output:
	// #1001 gid://shopify/Order/5862346000000: 2 lines, total 867.36 USD (867.36 USD)
	// #1002 gid://shopify/Order/5862346032768: 1 lines, total 378.01 USD (298.82 GBP)
	// #1003 gid://shopify/Order/5862346065536: 3 lines, total 259.98 USD (239.66 EUR)
	// after a refund:
	// #1002 gid://shopify/Order/5862346032768: 1 lines, total 378.01 USD (298.82 GBP)
}
