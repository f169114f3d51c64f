package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
)

func init() { register(newTokensCmd) }

// openStore opens only the store of the configured gateway; the gateway
// may be running at the same time.
func openStore(ctx context.Context, flags *configFlags) (store.Store, error) {
	cfg, err := flags.load()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, cfg.Store, cfg.DataDir, nil)
}

func newTokensCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Create, list and revoke API tokens",
		Long: `API tokens authenticate calls to /v1 as "Authorization: Bearer <token>".
Each token has scopes: read (see data), ops (also trigger and replay syncs and
webhooks), admin (also manage connections and tokens). Only a hash of each
token is stored; the secret is shown once, when it is created.`,
	}
	cmd.AddCommand(newTokensCreateCmd(), newTokensListCmd(), newTokensRevokeCmd())
	return cmd
}

func newTokensCreateCmd() *cobra.Command {
	var flags configFlags
	var scopes []string
	var name string
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create a token and print its secret once",
		Example: "  supplyhub tokens create --scope read --name dashboard\n  supplyhub tokens create --scope ops,read --name ci",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openStore(cmd.Context(), &flags)
			if err != nil {
				return err
			}
			defer st.Close()
			if name == "" {
				name = strings.Join(scopes, "+")
			}
			plain, t, err := api.IssueToken(cmd.Context(), st, name, scopes)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), plain)
			fmt.Fprintf(cmd.ErrOrStderr(), "created token %s (%s) with scopes %s; the secret above is not shown again\n", t.ID, t.Name, strings.Join(t.Scopes, ", "))
			return nil
		},
	}
	flags.register(create, false)
	create.Flags().StringSliceVar(&scopes, "scope", nil, "scopes: read, ops, admin (repeat or comma-separate)")
	create.Flags().StringVar(&name, "name", "", "a label for the token (default: its scopes)")
	create.MarkFlagRequired("scope") //nolint:errcheck
	return create
}

func newTokensListCmd() *cobra.Command {
	var flags configFlags
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openStore(cmd.Context(), &flags)
			if err != nil {
				return err
			}
			defer st.Close()
			toks, err := st.ListTokens(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tSCOPES\tCREATED\tLAST USED\tSTATUS")
			for _, t := range toks {
				used, status := "never", "active"
				if t.LastUsedAt != nil {
					used = t.LastUsedAt.Format("2006-01-02 15:04")
				}
				if t.RevokedAt != nil {
					status = "revoked " + t.RevokedAt.Format("2006-01-02")
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Scopes, ","), t.CreatedAt.Format("2006-01-02 15:04"), used, status)
			}
			return w.Flush()
		},
	}
	flags.register(list, false)
	return list
}

func newTokensRevokeCmd() *cobra.Command {
	var flags configFlags
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStore(cmd.Context(), &flags)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.RevokeToken(cmd.Context(), args[0]); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no active token %q; see supplyhub tokens list", args[0])
			} else if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "revoked %s\n", args[0])
			return nil
		},
	}
	flags.register(revoke, false)
	return revoke
}
