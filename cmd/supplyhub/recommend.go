package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/recommend"
	"github.com/supplyhub/supplyhub/core/recommend/baskets"
)

func init() { register(newRecommendCmd) }

func newRecommendCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recommend",
		Short: "Frequently-bought-together recommendations from an orders CSV, their offline evaluation, and the push to channels",
		Long: `Learn item-to-item and per-customer recommendations from order history.

The orders CSV has a header and the columns order_id, customer_id, sku,
quantity, created_at (RFC 3339, e.g. 2026-03-01T14:05:00+01:00; without an
offset it is read in --tz). Rows of one order share order_id, customer_id and
created_at; a negative quantity nets a return.`,
	}
	cmd.AddCommand(newRecommendEvaluateCmd(), newRecommendItemCmd(), newRecommendCustomerCmd(), newRecommendGenerateCmd(), newRecommendPushCmd())
	return cmd
}

// recommendFlags are the flags shared by the commands that read orders.
type recommendFlags struct {
	orders, catalog, tz, format string
	k                           int
	shrinkage                   float64
	minSupport, minOrders       int
}

func (f *recommendFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.orders, "orders", "", "orders CSV: order_id,customer_id,sku,quantity,created_at (required)")
	cmd.Flags().StringVar(&f.tz, "tz", "UTC", "time zone of created_at values written without an offset, e.g. Europe/Berlin")
	cmd.Flags().StringVar(&f.format, "format", "table", "output format: table or json")
	cmd.Flags().IntVar(&f.k, "k", 10, "number of recommendations")
	cmd.Flags().Float64Var(&f.shrinkage, "shrinkage", 0, "λ in the shrinkage n/(n+λ) of pair similarities (0: default 5)")
	cmd.Flags().IntVar(&f.minSupport, "min-support", 0, "least number of orders (customers for item-knn) a pair needs (0: default 2)")
	cmd.Flags().IntVar(&f.minOrders, "min-orders", 0, "least number of orders before anything but best sellers is shown (0: default 30)")
	_ = cmd.MarkFlagRequired("orders")
}

func usageErr(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

func (f *recommendFlags) config() recommend.Config {
	return recommend.Config{Shrinkage: f.shrinkage, MinSupport: f.minSupport, MinOrders: f.minOrders}
}

func (f *recommendFlags) check() error {
	if f.format != "table" && f.format != "json" {
		return usageErr("recommend: --format %q: use table or json", f.format)
	}
	if f.k < 1 {
		return usageErr("recommend: --k %d: must be at least 1", f.k)
	}
	return nil
}

// readOrders reads the orders CSV named by --orders.
func (f *recommendFlags) readOrders() ([]recommend.Basket, error) {
	loc, err := time.LoadLocation(f.tz)
	if err != nil {
		return nil, usageErr("recommend: --tz %q is not a time zone: use an IANA name such as Europe/Berlin, or UTC", f.tz)
	}
	file, err := os.Open(f.orders)
	if err != nil {
		return nil, fmt.Errorf("recommend: open orders: %w", err)
	}
	defer file.Close()
	bs, err := recommend.ReadOrdersCSV(file, recommend.CSVOptions{Location: loc})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.orders, err)
	}
	return bs, nil
}

// model reads the orders (and catalogue) and builds a model.
func (f *recommendFlags) model() (*recommend.Model, error) {
	bs, err := f.readOrders()
	if err != nil {
		return nil, err
	}
	m, err := recommend.Build(bs, f.config())
	if err != nil {
		return nil, err
	}
	if f.catalog != "" {
		file, err := os.Open(f.catalog)
		if err != nil {
			return nil, fmt.Errorf("recommend: open catalogue: %w", err)
		}
		defer file.Close()
		c, err := recommend.ReadCatalogCSV(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.catalog, err)
		}
		m.SetCatalog(c)
	}
	return m, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newRecommendEvaluateCmd() *cobra.Command {
	var f recommendFlags
	var methods string
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Compare the methods offline: hold out each customer's last order, report hit rate@k, precision@k and coverage",
		Example: `  supplyhub recommend evaluate --orders orders.csv --k 10
  supplyhub recommend evaluate --orders orders.csv --methods cosine,item-knn --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			var ms []recommend.Method
			if methods != "" {
				for _, s := range strings.Split(methods, ",") {
					m, err := recommend.ParseMethod(strings.TrimSpace(s))
					if err != nil {
						return usageErr("--methods: %w", err)
					}
					ms = append(ms, m)
				}
			}
			bs, err := f.readOrders()
			if err != nil {
				return err
			}
			ev, err := recommend.Evaluate(bs, recommend.EvalConfig{K: f.k, Methods: ms, Model: f.config()})
			if err != nil {
				return err
			}
			if f.format == "json" {
				return writeJSON(cmd.OutOrStdout(), ev)
			}
			return printEvaluation(cmd.OutOrStdout(), f.orders, ev)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&methods, "methods", "", "comma-separated methods to compare (default all: popularity, lift, cosine, item-knn, user-knn)")
	return cmd
}

func printEvaluation(w io.Writer, name string, ev *recommend.Evaluation) error {
	fmt.Fprintf(w, "%s: %d orders; trained on %d, %d SKUs with orders\n", name, ev.Orders, ev.TrainOrders, ev.Items)
	fmt.Fprintf(w, "scored: %d customers on their held-out last order (not scored: %d with a single order, %d whose last order only repeats earlier purchases)\n",
		ev.Evaluated, ev.SingleOrder, ev.RepeatOnly)
	for _, n := range ev.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	table := func(title string, scores []recommend.Score, queries int) {
		fmt.Fprintf(w, "\n%s (%d queries, k=%d)\n", title, queries, ev.K)
		if queries == 0 {
			fmt.Fprintln(w, "  nothing to score")
			return
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "method\thit@%d\tprecision@%d\trecall@%d\tcoverage\tvs popularity\t\n", ev.K, ev.K, ev.K)
		var base float64
		for _, s := range scores {
			if s.Method == recommend.Popularity {
				base = s.HitRate
			}
		}
		for _, s := range scores {
			vs := "baseline"
			if s.Method != recommend.Popularity {
				vs = "n/a"
				if base > 0 {
					vs = fmt.Sprintf("%+.0f%%", 100*(s.HitRate/base-1))
				}
			}
			fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.1f%%\t%s\t\n", s.Method, s.HitRate, s.Precision, s.Recall, 100*s.Coverage, vs)
		}
		tw.Flush()
		if best, ok := recommend.Best(scores); ok {
			verdict := "beats"
			if best.HitRate <= base {
				verdict = "does not beat"
			}
			fmt.Fprintf(w, "best: %s (hit rate %.3f) %s popularity (%.3f)\n", best.Method, best.HitRate, verdict, base)
		}
	}
	table("Customers: recommend from history, hit = an item of the held-out order not bought before", ev.Customer, ev.Evaluated)
	table("Items: complete each held-out order from one of its items, hit = another item of the order", ev.Basket, ev.BasketQueries)
	return nil
}

func newRecommendItemCmd() *cobra.Command {
	var f recommendFlags
	var sku, method string
	cmd := &cobra.Command{
		Use:     "item",
		Short:   "Items frequently bought with a SKU (several --sku for a cart)",
		Example: `  supplyhub recommend item --orders orders.csv --sku CAM-100 --k 5 --catalog catalog.csv`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			var skus []string
			for _, s := range strings.Split(sku, ",") {
				if s = strings.TrimSpace(s); s != "" {
					skus = append(skus, s)
				}
			}
			if len(skus) == 0 {
				return usageErr("recommend item: --sku is empty: name one SKU, or several separated by commas")
			}
			m, err := f.model()
			if err != nil {
				return err
			}
			return runQuery(cmd, m, recommend.Query{SKUs: skus, K: f.k, Method: recommend.Method(method)}, f.format)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&f.catalog, "catalog", "", "catalogue CSV sku,category,vendor for the cold-start fallbacks")
	cmd.Flags().StringVar(&sku, "sku", "", "the SKU, or several separated by commas (a cart) (required)")
	cmd.Flags().StringVar(&method, "method", "", "lift, cosine, item-knn or popularity (default cosine)")
	_ = cmd.MarkFlagRequired("sku")
	return cmd
}

func newRecommendCustomerCmd() *cobra.Command {
	var f recommendFlags
	var customer, method string
	var include bool
	cmd := &cobra.Command{
		Use:     "customer",
		Short:   "Items for a customer from their order history, leaving out what they bought",
		Example: `  supplyhub recommend customer --orders orders.csv --customer C000042 --method user-knn`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			m, err := f.model()
			if err != nil {
				return err
			}
			return runQuery(cmd, m, recommend.Query{Customer: customer, K: f.k, Method: recommend.Method(method), IncludePurchased: include}, f.format)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&customer, "customer", "", "the customer_id (required)")
	cmd.Flags().StringVar(&method, "method", "", "item-knn, user-knn, cosine, lift or popularity (default item-knn)")
	cmd.Flags().BoolVar(&include, "include-purchased", false, "keep items the customer already bought (consumables)")
	_ = cmd.MarkFlagRequired("customer")
	return cmd
}

func runQuery(cmd *cobra.Command, m *recommend.Model, q recommend.Query, format string) error {
	res, err := m.Recommend(q)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if format == "json" {
		return writeJSON(w, res)
	}
	if res.Notice != nil {
		fmt.Fprintf(w, "note: %s\n", res.Notice.Message)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tsku\tscore\tsupport\tsource\tbecause")
	for i, s := range res.Items {
		fmt.Fprintf(tw, "%d\t%s\t%.4f\t%d\t%s\t%s\n", i+1, s.SKU, s.Score, s.Support, s.Source, s.Because)
	}
	return tw.Flush()
}

func newRecommendGenerateCmd() *cobra.Command {
	var out, catalogOut, truthOut string
	var demo bool
	var cfg baskets.Config
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a generated orders CSV with planted associations (pairs, bundles, follow-ups) to try the recommender on",
		Example: `  supplyhub recommend generate --demo --out orders.csv --catalog-out catalog.csv
  supplyhub recommend generate --lines 1000000 --skus 10000 --out big.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if demo {
				d := baskets.Demo()
				if cmd.Flags().Changed("seed") {
					d.Seed = cfg.Seed
				}
				cfg = d
			}
			ds, err := baskets.Generate(cfg)
			if err != nil {
				return usageErr("%w", err)
			}
			write := func(path string, f func(io.Writer) error) error {
				file, err := os.Create(path)
				if err != nil {
					return fmt.Errorf("recommend generate: %w", err)
				}
				if err := f(file); err != nil {
					file.Close()
					return err
				}
				return file.Close()
			}
			if err := write(out, func(w io.Writer) error { return recommend.WriteOrdersCSV(w, ds.Baskets) }); err != nil {
				return err
			}
			if catalogOut != "" {
				if err := write(catalogOut, func(w io.Writer) error { return recommend.WriteCatalogCSV(w, ds.Catalog) }); err != nil {
					return err
				}
			}
			if truthOut != "" {
				truth := map[string]any{"pairs": ds.Pairs, "bundles": ds.Bundles, "follow_ups": ds.FollowUps}
				if err := write(truthOut, func(w io.Writer) error { return writeJSON(w, truth) }); err != nil {
					return err
				}
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d orders, %d lines, %d SKUs; planted %d pairs, %d bundles, %d follow-ups\n",
				out, len(ds.Baskets), ds.Lines, len(ds.Catalog), len(ds.Pairs), len(ds.Bundles), len(ds.FollowUps))
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "orders CSV to write (required)")
	cmd.Flags().StringVar(&catalogOut, "catalog-out", "", "also write the catalogue CSV (sku,category,vendor)")
	cmd.Flags().StringVar(&truthOut, "truth-out", "", "also write the planted associations as JSON")
	cmd.Flags().BoolVar(&demo, "demo", false, "the demo shop: 150 SKUs, 800 customers, about 2,400 orders")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	cmd.Flags().IntVar(&cfg.Lines, "lines", 0, "generate customers until there are this many order lines")
	cmd.Flags().IntVar(&cfg.SKUs, "skus", 0, "catalogue size (default 2000)")
	cmd.Flags().IntVar(&cfg.Categories, "categories", 0, "number of categories (default 40)")
	cmd.Flags().IntVar(&cfg.Customers, "customers", 0, "number of customers when --lines is not set (default 5000)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
