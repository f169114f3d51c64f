package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/planning"
)

func newRecommendPushCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Push \"frequently bought together\" lists to the configured channels now (a running gateway)",
		Long: `Ask a running gateway to compute, for every product of every channel in
planning.recommend.channels, the products most often bought with it, and to
queue each list that changed since the last push as a write-back (on Shopify,
the product's complementary products metafield). Follow the write-backs with
GET /v1/writebacks?connection=<id>.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			var out planning.RecommendationPush // the answer of POST /v1/recommendations/push
			raw, err := c.do(cmd.Context(), "POST", "/v1/recommendations/push", nil, &out)
			if err != nil {
				return err
			}
			if sf.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CHANNEL\tPRODUCTS\tQUEUED\tUNCHANGED\tNO LIST\tERROR")
			for _, ch := range out.Channels {
				fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%s\n", ch.Channel, ch.Products, ch.Queued, ch.Unchanged, ch.Empty, ch.Error)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "queued %d recommendation lists\n", out.Queued)
			return nil
		},
	}
	sf.register(cmd)
	return cmd
}
