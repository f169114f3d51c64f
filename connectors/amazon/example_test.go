package amazon_test

import (
	"context"
	"fmt"

	"github.com/supplyhub/supplyhub/connectors/amazon"
	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// printStream prints each order a read sends.
type printStream struct{ cursor string }

func (p *printStream) Records(rs ...commerce.Record) error {
	for _, r := range rs {
		o := r.(*commerce.Order)
		fmt.Printf("%s on %s: %d lines, total %s, %s\n", o.Number, o.MarketplaceID, len(o.Lines), o.Total.Shop, o.FulfillmentStatus)
	}
	return nil
}
func (p *printStream) Checkpoint(c string) error   { p.cursor = c; return nil }
func (p *printStream) Progress(sdk.Progress) error { return nil }

// Example reads the orders of a fake seller on Amazon.de and Amazon.co.uk,
// then reads again from the last checkpoint after a new order came in.
func Example() {
	srv, err := amazontest.NewServer(amazontest.Options{Orders: 3, Seed: 4, RateScale: 100})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	cfg := srv.Config(map[string]any{"reports_mode": "never"})
	c := amazon.New()
	ctx := context.Background()
	var out printStream
	if err := c.Read(ctx, sdk.ReadRequest{Connection: "amazon-eu", Config: cfg, Stream: amazon.StreamOrders, Mode: sdk.ModeFull}, &out); err != nil {
		panic(err)
	}
	if _, err := srv.CreateOrder("A1F83G8C2ARO7P"); err != nil {
		panic(err)
	}
	fmt.Println("after a new order:")
	if err := c.Read(ctx, sdk.ReadRequest{Connection: "amazon-eu", Config: cfg, Stream: amazon.StreamOrders, Mode: sdk.ModeIncremental, Cursor: out.cursor}, &out); err != nil {
		panic(err)
	}
	// Output:
	// 301-8120821-0000001 on A1PA6795UKMFR9: 2 lines, total 81.29 EUR, fulfilled
	// 303-6471670-0000003 on A1PA6795UKMFR9: 2 lines, total 111.98 EUR, fulfilled
	// 301-7403458-0000002 on A1F83G8C2ARO7P: 2 lines, total 251.96 GBP, fulfilled
	// after a new order:
	// 304-4319003-0000004 on A1F83G8C2ARO7P: 2 lines, total 121.96 GBP, unfulfilled
}
