package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/demo"
)

func init() { register(newDemoCmd) }

func newDemoCmd() *cobra.Command {
	var (
		flags      configFlags
		pluginsDir string
		cfg        demo.Config
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole product on fake upstreams: gateway, plugins, a year of history, live webhooks and the dashboard",
		Long: `Run a demonstration of the whole product with nothing but this binary and its
plugins (build both with make build; make demo builds and runs this):

  1. a fake Shopify web store (USD, buyers in seven markets) with a year of
     order history: trend, weekly and yearly seasonality, promotions, three
     locations, several currencies and cross-border orders; when the amazon
     plugin is built, a fake Amazon seller (Amazon.de and Amazon.co.uk) selling
     the intermittent long tail, its notifications relayed through SQS; the
     fake carrier APIs (USPS, UPS, DHL Express) and the fake ECB exchange-rate
     feeds, each on a loopback port;
  2. the gateway on the configured store and bus (the embedded default: SQLite
     and an in-process NATS JetStream in --data-dir), its plugins as processes,
     and the dashboard at /dashboard/;
  3. the connections and the first full syncs, created through the HTTP API;
  4. then, until Ctrl-C, the fakes keep sending signed webhooks (new orders,
     fulfilments, refunds, cancellations, stock changes; Amazon's through SQS) at --rate changes a
     second, plus one truncated delivery every --malformed-every, which lands in
     the inbox's dead letters for you to inspect and replay.

It prints the dashboard URL and an admin API token once everything is up.
Nothing takes a shortcut into the store: the demo uses the plugins, the HTTP
endpoints and the bus as production does. Order volume grows with --skus (about
0.23 orders a day per SKU before seasonality and growth); see docs/demo.md.`,
		Example: `  make demo
  supplyhub demo --addr 127.0.0.1:8080 --data-dir ./data/demo
  supplyhub demo --skus 60 --days 365 --rate 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			gw, err := flags.load()
			if err != nil {
				return err
			}
			if pluginsDir != "" {
				gw.Plugins.Dir = pluginsDir
			}
			// A demo prints its own progress; the gateway's request log
			// would drown it. SUPPLYHUB_LOG_LEVEL or a configuration file
			// choose otherwise.
			if _, set := os.LookupEnv("SUPPLYHUB_LOG_LEVEL"); !set && flags.file == "" && os.Getenv("SUPPLYHUB_CONFIG") == "" {
				gw.Log.Level = "warn"
			}
			cfg.Gateway = gw
			cfg.Version = version
			cfg.Stdout = cmd.OutOrStdout()
			cfg.Stderr = cmd.ErrOrStderr()
			if err := demo.Run(cmd.Context(), cfg); err != nil && !errors.Is(err, cmd.Context().Err()) {
				return err
			}
			return nil
		},
	}
	flags.register(cmd, true)
	f := cmd.Flags()
	f.StringVar(&pluginsDir, "plugins-dir", "", "plugins directory (default: the configured one, or ./plugins/bin)")
	f.IntVar(&cfg.SKUs, "skus", 300, "about how many distinct SKUs the web store and the Amazon seller sell together (10 to 20000); order volume grows with it")
	f.IntVar(&cfg.Days, "days", 365, "days of order history placed before the first sync (28 to 1095)")
	f.Int64Var(&cfg.Seed, "seed", 1, "seed of the generated catalogues, history and traffic")
	f.Float64Var(&cfg.Rate, "rate", 2, "shop changes per second after the first syncs, each sending one to a few webhooks (negative: none)")
	f.DurationVar(&cfg.MalformedEvery, "malformed-every", 0, "how often a truncated webhook is delivered to show a dead letter (default 10m; negative: never)")
	return cmd
}
