package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func init() { register(newWebhooksCmd) }

func newWebhooksCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Inspect the webhook inbox and replay failed or dead-lettered deliveries",
	}
	var lf serverFlags
	var connection, status string
	list := &cobra.Command{
		Use:   "list",
		Short: "List recent inbox events, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := lf.client()
			if err != nil {
				return err
			}
			q := "/v1/webhooks/events?limit=100"
			if connection != "" {
				q += "&connection=" + connection
			}
			if status != "" {
				q += "&status=" + status
			}
			var out struct {
				Items []struct {
					ID         string    `json:"id"`
					Connection string    `json:"connection"`
					Topic      string    `json:"topic"`
					Status     string    `json:"status"`
					Attempts   int       `json:"attempts"`
					LastError  string    `json:"last_error"`
					ReceivedAt time.Time `json:"received_at"`
				}
			}
			raw, err := c.do(cmd.Context(), "GET", q, nil, &out)
			if err != nil {
				return err
			}
			if lf.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			for _, e := range out.Items {
				fmt.Fprintf(cmd.OutOrStdout(), "%-8s %-12s %-24s %-10s %d  %s  %s\n", e.ID, e.Connection, e.Topic, e.Status, e.Attempts, e.ReceivedAt.Format(time.RFC3339), e.LastError)
			}
			return nil
		},
	}
	lf.register(list)
	list.Flags().StringVar(&connection, "connection", "", "only this connection")
	list.Flags().StringVar(&status, "status", "", "only this status: pending, processing, retry, processed, dead")

	var sf serverFlags
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one event: body, headers (secrets redacted), attempts, last error and result",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			raw, err := c.do(cmd.Context(), "GET", "/v1/webhooks/events/"+args[0], nil, nil)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), raw)
		},
	}
	sf.register(show)

	var rf serverFlags
	replay := &cobra.Command{
		Use:   "replay ID",
		Short: "Replay a failed or dead-lettered event (a processed one is left alone)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := rf.client()
			if err != nil {
				return err
			}
			var out struct {
				Replayed bool   `json:"replayed"`
				Message  string `json:"message"`
			}
			if _, err := c.do(cmd.Context(), "POST", "/v1/webhooks/events/"+args[0]+"/replay", nil, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "event %s: %s\n", args[0], out.Message)
			return nil
		},
	}
	rf.register(replay)
	cmd.AddCommand(list, show, replay)
	return cmd
}
