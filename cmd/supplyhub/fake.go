package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/demo"
)

func init() { register(newFakeCmd) }

func newFakeCmd() *cobra.Command {
	var opts demo.FakeOptions
	cmd := &cobra.Command{
		Use:   "fake <" + strings.Join(demo.FakeKinds, "|") + ">",
		Short: "Run one fake upstream (Shopify, Amazon, carriers, ECB rates) on a local port",
		Long: `Run one of the fake upstreams the tests and the demo use, on its own, so that
a connector developer or a user can point anything at it:

  shopify   a Shopify shop: the GraphQL and REST Admin API with generated
            orders (--orders, --seed), cost-based throttling, bulk operations;
            token and webhook secret are printed
  carrier   EasyPost- and Shippo-shaped multi-carrier APIs (USPS, UPS, DHL
            Express): rates, labels, tracking
  fx        the ECB euro reference-rate feeds, with a rate for every weekday of
            the last 400 days
  amazon    an Amazon seller account: the Selling Partner API (orders, FBA
            inventory, reports), Login with Amazon and the SQS notification
            queue, with generated orders (--orders, --seed)
  customs   has no upstream: its rule table ships inside the plugin

It prints the URL and a connection configuration for the matching connector,
then serves until Ctrl-C.`,
		Example: `  supplyhub fake shopify --addr 127.0.0.1:9001 --orders 5000 --seed 7
  supplyhub fake amazon --addr 127.0.0.1:9004 --orders 2000
  supplyhub fake carrier --addr 127.0.0.1:9002
  supplyhub fake fx --addr 127.0.0.1:9003`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &exitError{code: 2, err: fmt.Errorf("fake takes one upstream: %s", strings.Join(demo.FakeKinds, ", "))}
			}
			return nil
		},
		ValidArgs: demo.FakeKinds,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Orders < 0 {
				return &exitError{code: 2, err: fmt.Errorf("fake: --orders %d must not be negative", opts.Orders)}
			}
			f, err := demo.StartFake(args[0], opts)
			if errors.Is(err, demo.ErrNoUpstream) {
				return &exitError{code: 2, err: fmt.Errorf("fake %w", err)}
			}
			if err != nil {
				return fmt.Errorf("fake %w", err)
			}
			defer f.Close()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "fake %s listening on %s\n", f.Kind, f.URL)
			for _, n := range f.Notes {
				fmt.Fprintf(out, "  %s\n", n)
			}
			connector := f.Kind
			cfg, _ := json.Marshal(f.Connection)
			fmt.Fprintf(out, "\nconnection configuration for the %s connector:\n  %s\n", connector, cfg)
			fmt.Fprintf(out, "\ne.g. supplyhub connections create --connector %s --name \"fake %s\" --config '%s'\n", connector, f.Kind, cfg)
			if f.Shopify != nil {
				fmt.Fprintf(out, "then point its webhooks at the gateway from a Go program with shopifytest.(*Server).StartWebhookDelivery, or run supplyhub demo.\n")
			}
			fmt.Fprintf(out, "\nserving until Ctrl-C\n")
			<-cmd.Context().Done()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free one)")
	f.IntVar(&opts.Orders, "orders", 1000, "generated orders (shopify, amazon)")
	f.Int64Var(&opts.Seed, "seed", 1, "seed of the generated data")
	return cmd
}
