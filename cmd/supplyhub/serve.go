package main

import (
	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/app"
)

func init() { register(newServeCmd) }

func newServeCmd() *cobra.Command {
	var flags configFlags
	var pluginsDir string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway: API, webhooks, syncs and the dashboard",
		Long: `Run the gateway. With no configuration it uses the embedded default: a SQLite
store and an in-process NATS JetStream bus, both in the data directory, so
nothing needs to be installed. Stop it with Ctrl-C (SIGINT) or SIGTERM; it
finishes in-flight requests first.

On the first start, when no API token exists, an admin token is created and
printed once.`,
		Example: `  supplyhub serve
  supplyhub serve --addr 0.0.0.0:8080 --data-dir /var/lib/supplyhub
  supplyhub serve --plugins-dir /opt/supplyhub/plugins
  SUPPLYHUB_STORE_DRIVER=postgres SUPPLYHUB_STORE_URL=postgres://... supplyhub serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := flags.load()
			if err != nil {
				return err
			}
			if pluginsDir != "" {
				cfg.Plugins.Dir = pluginsDir
			}
			a, err := app.New(cmd.Context(), cfg, app.Options{Version: version, Stderr: cmd.ErrOrStderr()})
			if err != nil {
				return err
			}
			defer a.Close()
			return a.Run(cmd.Context(), nil)
		},
	}
	flags.register(cmd, true)
	cmd.Flags().StringVar(&pluginsDir, "plugins-dir", "", "plugins directory (default $SUPPLYHUB_PLUGINS_DIR or ./plugins/bin); its plugins.lock pins the binaries")
	return cmd
}
