package main

import (
	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/config"
)

func init() { register(newConfigCmd) }

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect the configuration",
	}
	var flags configFlags
	print := &cobra.Command{
		Use:   "print",
		Short: "Print the effective configuration (defaults, file, environment, flags) with secrets redacted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := flags.load()
			if err != nil {
				return err
			}
			out, err := config.Print(cfg)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	flags.register(print, true)
	cmd.AddCommand(print)
	return cmd
}
