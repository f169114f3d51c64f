package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/config"
)

// configFlags are the flags of every command that reads the gateway's
// configuration. They override the file and the environment.
type configFlags struct {
	file    string
	dataDir string
	addr    string
	withAdr bool
}

func (f *configFlags) register(cmd *cobra.Command, withAddr bool) {
	cmd.Flags().StringVar(&f.file, "config", "", "YAML configuration file (default $SUPPLYHUB_CONFIG)")
	cmd.Flags().StringVar(&f.dataDir, "data-dir", "", "data directory (default $SUPPLYHUB_DATA_DIR or ./data)")
	if withAddr {
		f.withAdr = true
		cmd.Flags().StringVar(&f.addr, "addr", "", "listen address (default $SUPPLYHUB_ADDR or 127.0.0.1:8080)")
	}
}

// load returns the effective configuration: defaults, file, environment,
// then flags.
func (f *configFlags) load() (config.Config, error) {
	file := f.file
	if file == "" {
		file = os.Getenv("SUPPLYHUB_CONFIG")
	}
	cfg, err := config.Load(file, os.LookupEnv)
	if err != nil {
		return cfg, err
	}
	if f.dataDir != "" {
		cfg.DataDir = f.dataDir
	}
	if f.addr != "" {
		cfg.Addr = f.addr
	}
	return cfg, cfg.Validate()
}
