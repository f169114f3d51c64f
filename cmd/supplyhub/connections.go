package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func init() { register(newConnectionsCmd) }

type connectionSummary struct {
	ID           string          `json:"id"`
	Connector    string          `json:"connector"`
	Name         string          `json:"name"`
	Status       string          `json:"status"`
	LastError    string          `json:"last_error"`
	Config       json.RawMessage `json:"config"`
	Capabilities []string        `json:"capabilities"`
	WebhookURL   string          `json:"webhook_url"`
	Health       *struct {
		Status   string           `json:"status"`
		Webhooks map[string]int64 `json:"webhooks"`
		LastSync *syncJob         `json:"last_sync"`
		Plugin   string           `json:"plugin"`
	} `json:"health"`
}

// readConfig reads a connection config given inline (JSON) or as @file.
func readConfig(s string) (json.RawMessage, error) {
	if strings.HasPrefix(s, "@") {
		b, err := os.ReadFile(s[1:])
		if err != nil {
			return nil, err
		}
		s = string(b)
	}
	if !json.Valid([]byte(s)) {
		return nil, fmt.Errorf("--config is not valid JSON; pass a JSON object or @file.json")
	}
	return json.RawMessage(s), nil
}

func newConnectionsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "connections",
		Aliases: []string{"connection", "conn"},
		Short:   "Create, inspect, change and delete connections of a running gateway",
		Long: `A connection is one upstream account (a Shopify shop, an Amazon seller account, a
carrier account …) served by a connector plugin. These commands call the
gateway's HTTP API (--server, --token or SUPPLYHUB_SERVER, SUPPLYHUB_TOKEN).`,
	}
	cmd.AddCommand(newConnectionsListCmd(), newConnectionsGetCmd(), newConnectionsCreateCmd(), newConnectionsUpdateCmd(), newConnectionsDeleteCmd(), newConnectionsSubscribeCmd(), newConnectorsCmd())
	return cmd
}

func newConnectionsListCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List connections with their health",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			var out struct{ Items []connectionSummary }
			raw, err := c.do(cmd.Context(), "GET", "/v1/connections", nil, &out)
			if err != nil {
				return err
			}
			if sf.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tCONNECTOR\tNAME\tHEALTH\tWEBHOOKS (processed/dead)\tLAST SYNC")
			for _, cn := range out.Items {
				health, hooks, last := cn.Status, "-", "never"
				if h := cn.Health; h != nil {
					health = h.Status
					hooks = fmt.Sprintf("%d/%d", h.Webhooks["processed"], h.Webhooks["dead"])
					if h.LastSync != nil {
						last = fmt.Sprintf("%s %s (#%s)", h.LastSync.State, h.LastSync.CreatedAt.Format("2006-01-02 15:04"), h.LastSync.ID)
					}
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", cn.ID, cn.Connector, cn.Name, health, hooks, last)
			}
			return w.Flush()
		},
	}
	sf.register(cmd)
	return cmd
}

func newConnectionsGetCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "get ID",
		Short: "Show a connection: configuration (secrets redacted), health, last sync, webhook counts and errors",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			raw, err := c.do(cmd.Context(), "GET", "/v1/connections/"+args[0], nil, nil)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), raw)
		},
	}
	sf.register(cmd)
	return cmd
}

func newConnectionsCreateCmd() *cobra.Command {
	var sf serverFlags
	var id, connector, name, config string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a connection; the gateway validates the config and checks the credentials",
		Example: `  supplyhub connections create --connector shopify --name "EU shop" --id shop-eu \
    --config '{"shop_domain":"acme.myshopify.com","access_token":"shpat_…","client_secret":"…","api_version":"2026-01"}'
  supplyhub connections create --connector amazon --name "Amazon EU" --config @amazon.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := readConfig(config)
			if err != nil {
				return err
			}
			c, err := sf.client()
			if err != nil {
				return err
			}
			var out struct {
				Connection connectionSummary `json:"connection"`
				Check      *struct {
					Message string `json:"message"`
				} `json:"check"`
			}
			raw, err := c.do(cmd.Context(), "POST", "/v1/connections", map[string]any{"id": id, "connector": connector, "name": name, "config": cfg}, &out)
			if err != nil {
				return err
			}
			if sf.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created connection %s (%s)\n", out.Connection.ID, out.Connection.Connector)
			if out.Check != nil && out.Check.Message != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "check: %s\n", out.Check.Message)
			}
			if out.Connection.WebhookURL != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "point the upstream's webhooks at %s%s\n", c.base, out.Connection.WebhookURL)
			}
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&id, "id", "", "connection id used in URLs (default: derived from --name)")
	cmd.Flags().StringVar(&connector, "connector", "", "connector name, e.g. shopify (see supplyhub connections connectors)")
	cmd.Flags().StringVar(&name, "name", "", "a name for people")
	cmd.Flags().StringVar(&config, "config", "", "configuration as JSON, or @file.json")
	for _, f := range []string{"connector", "name", "config"} {
		cmd.MarkFlagRequired(f) //nolint:errcheck
	}
	return cmd
}

func newConnectionsUpdateCmd() *cobra.Command {
	var sf serverFlags
	var name, config, status string
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a connection's name, configuration (merged key by key, re-checked) or status (active, paused)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]any{}
			if cmd.Flags().Changed("name") {
				body["name"] = name
			}
			if cmd.Flags().Changed("status") {
				body["status"] = status
			}
			if config != "" {
				cfg, err := readConfig(config)
				if err != nil {
					return err
				}
				body["config"] = cfg
			}
			if len(body) == 0 {
				return fmt.Errorf("nothing to change: pass --name, --config or --status")
			}
			c, err := sf.client()
			if err != nil {
				return err
			}
			raw, err := c.do(cmd.Context(), "PATCH", "/v1/connections/"+args[0], body, nil)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), raw)
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&name, "name", "", "new name")
	cmd.Flags().StringVar(&config, "config", "", "configuration keys to change, as JSON or @file.json")
	cmd.Flags().StringVar(&status, "status", "", "active or paused")
	return cmd
}

func newConnectionsDeleteCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a connection (its webhooks then answer 404; stored records stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			if _, err := c.do(cmd.Context(), "DELETE", "/v1/connections/"+args[0], nil, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "deleted connection %s\n", args[0])
			return nil
		},
	}
	sf.register(cmd)
	return cmd
}

func newConnectorsCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "connectors [NAME]",
		Short: "List the connectors the gateway's plugins offer, or describe one (its config schema, streams, webhooks)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			path := "/v1/connectors"
			if len(args) == 1 {
				path += "/" + args[0]
			}
			var out struct {
				Items []struct {
					Name         string   `json:"name"`
					Version      string   `json:"version"`
					Description  string   `json:"description"`
					Capabilities []string `json:"capabilities"`
				}
			}
			raw, err := c.do(cmd.Context(), "GET", path, nil, &out)
			if err != nil {
				return err
			}
			if sf.json || len(args) == 1 {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tVERSION\tCAPABILITIES\tDESCRIPTION")
			for _, m := range out.Items {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.Name, m.Version, strings.Join(m.Capabilities, ","), m.Description)
			}
			return w.Flush()
		},
	}
	sf.register(cmd)
	return cmd
}

// subscriptionReport is the answer of POST /v1/connections/{id}/webhooks/subscribe.
type subscriptionReport struct {
	At          string         `json:"at"`
	CallbackURL string         `json:"callback_url"`
	Counts      map[string]int `json:"counts"`
	Results     []struct {
		Topic          string `json:"topic"`
		SubscriptionID string `json:"subscription_id"`
		Action         string `json:"action"`
		Error          *struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
		} `json:"error"`
	} `json:"results"`
}

func newConnectionsSubscribeCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "subscribe ID",
		Short: "Register the connection's webhook subscriptions upstream at the gateway's public URL",
		Long: `Asks the connection's connector to subscribe every webhook topic it handles at
<webhooks.public_url>/webhooks/ID: missing subscriptions are created, ones
pointing elsewhere updated, the rest left alone, so running it again changes
nothing. Needs the gateway's webhooks.public_url (SUPPLYHUB_PUBLIC_URL) and a
connector with the subscriptions capability (Shopify). Prints one line per
topic; topics the upstream refused or that cannot be subscribed through its
API say why.`,
		Example: `  supplyhub connections subscribe shop-eu
  supplyhub connections subscribe shop-eu --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			var rep subscriptionReport
			raw, err := c.do(cmd.Context(), "POST", "/v1/connections/"+args[0]+"/webhooks/subscribe", nil, &rep)
			if err != nil {
				return err
			}
			if sf.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "webhooks of %s point at %s\n", args[0], rep.CallbackURL)
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "TOPIC\tACTION\tSUBSCRIPTION\tNOTE")
			for _, r := range rep.Results {
				id, note := r.SubscriptionID, ""
				if id == "" {
					id = "-"
				}
				if r.Error != nil {
					note = r.Error.Message
					if r.Error.Detail != "" {
						note += " (" + r.Error.Detail + ")"
					}
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Topic, r.Action, id, note)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			var parts []string
			for _, a := range []string{"created", "updated", "unchanged", "deleted", "skipped", "failed"} {
				if n := rep.Counts[a]; n > 0 {
					parts = append(parts, fmt.Sprintf("%d %s", n, a))
				}
			}
			fmt.Fprintln(out, strings.Join(parts, ", "))
			if n := rep.Counts["failed"]; n > 0 {
				return fmt.Errorf("%d topic(s) could not be subscribed; see the NOTE column", n)
			}
			return nil
		},
	}
	sf.register(cmd)
	return cmd
}
