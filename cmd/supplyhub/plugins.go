package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/supplyhub/supplyhub/core/config"
	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

func init() { register(newPluginsCmd) }

// pluginsFlags are the flags every plugins subcommand shares.
type pluginsFlags struct {
	dir    string
	config string
}

// resolve returns the plugins directory: --plugins-dir, else the gateway's
// configuration (SUPPLYHUB_PLUGINS_DIR, plugins.dir in the file), else
// ./plugins/bin.
func (f *pluginsFlags) resolve() (string, error) {
	if f.dir != "" {
		return f.dir, nil
	}
	file := f.config
	if file == "" {
		file = os.Getenv("SUPPLYHUB_CONFIG")
	}
	if file == "" {
		if d := os.Getenv("SUPPLYHUB_PLUGINS_DIR"); d != "" {
			return d, nil
		}
		return host.DefaultDir, nil
	}
	cfg, err := config.Load(file, os.LookupEnv)
	if err != nil {
		return "", fmt.Errorf("plugins: %w (or pass --plugins-dir)", err)
	}
	return cfg.Plugins.Dir, nil
}

func newPluginsCmd() *cobra.Command {
	f := &pluginsFlags{}
	cmd := &cobra.Command{
		Use:   "plugins",
		Short: "List, lock and verify the connector plugins",
		Long: `Manage the connector plugins the gateway runs: the supplyhub-plugin-<name>
binaries in the plugins directory, and the lock file plugins.lock beside them
that pins each binary's SHA-256. The gateway refuses to launch a binary that
is not pinned or does not match.

The plugins directory is --plugins-dir, else plugins.dir of the configuration
(file or SUPPLYHUB_PLUGINS_DIR), else ./plugins/bin.`,
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&f.dir, "plugins-dir", "", "plugins directory (default: the configured one, or ./plugins/bin)")
	cmd.PersistentFlags().StringVar(&f.config, "config", "", "YAML configuration file to read plugins.dir from (default $SUPPLYHUB_CONFIG)")
	cmd.AddCommand(newPluginsListCmd(f), newPluginsLockCmd(f), newPluginsVerifyCmd(f))
	return cmd
}

// pluginRow is one line of "plugins list".
type pluginRow struct {
	host.Entry
	Version      string           `json:"version,omitempty"`
	Capabilities []sdk.Capability `json:"capabilities,omitempty"`
	Streams      []string         `json:"streams,omitempty"`
	Error        string           `json:"error,omitempty"`
}

func newPluginsListCmd(f *pluginsFlags) *cobra.Command {
	var describe, asJSON bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the plugin binaries and how they compare with the lock file",
		Long: `List every supplyhub-plugin-<name> binary with its checksum and lock status
(ok, mismatch, unlocked, or missing for a locked binary that is gone).
With --describe, launch each verified plugin and show its version,
capabilities and streams.`,
		Example: `  supplyhub plugins list
  supplyhub plugins list --describe --plugins-dir ./plugins/bin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := f.resolve()
			if err != nil {
				return err
			}
			rows, err := listPlugins(cmd.Context(), dir, describe, timeout)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			return printPlugins(cmd.OutOrStdout(), dir, rows, describe)
		},
	}
	cmd.Flags().BoolVar(&describe, "describe", false, "launch each verified plugin and show its manifest")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for each plugin to start with --describe")
	return cmd
}

// listPlugins compares the binaries with the lock (a missing lock file
// makes every binary unlocked) and, when asked, describes the good ones.
func listPlugins(ctx context.Context, dir string, describe bool, timeout time.Duration) ([]pluginRow, error) {
	lockPath := filepath.Join(dir, host.LockFileName)
	entries, _, err := host.Verify(dir, lockPath)
	if err != nil {
		if _, statErr := os.Stat(lockPath); !os.IsNotExist(statErr) {
			return nil, err
		}
		bins, derr := host.Discover(dir)
		if derr != nil {
			return nil, derr
		}
		entries = nil
		for _, b := range bins {
			sum, err := host.Checksum(b.Path)
			if err != nil {
				return nil, err
			}
			entries = append(entries, host.Entry{Binary: b, File: filepath.Base(b.Path), Status: host.StatusUnlocked, Sum: sum})
		}
	}
	rows := make([]pluginRow, len(entries))
	for i, e := range entries {
		rows[i] = pluginRow{Entry: e}
	}
	if !describe {
		return rows, nil
	}
	h, err := host.New(host.Config{Dir: dir, StartTimeout: timeout, Reattach: map[string]grpcplugin.Reattach{}}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	defer h.Close()
	for i := range rows {
		r := &rows[i]
		if r.Status != host.StatusLocked {
			r.Error = "not launched: " + string(r.Status)
			continue
		}
		_, m, err := h.Plugin(ctx, r.Name)
		if err != nil {
			r.Error = err.Error()
			continue
		}
		r.Version, r.Capabilities = m.Version, m.Capabilities
		for _, s := range m.Streams {
			r.Streams = append(r.Streams, s.Name)
		}
	}
	return rows, nil
}

func printPlugins(w io.Writer, dir string, rows []pluginRow, describe bool) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintf(w, "no plugins in %s (binaries are named %s<name>; make build puts the first-party ones there)\n", dir, host.BinaryPrefix)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	header := "NAME\tFILE\tSHA256\tLOCK"
	if describe {
		header += "\tVERSION\tCAPABILITIES\tSTREAMS"
	}
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		sum := r.Sum
		if len(sum) > 12 {
			sum = sum[:12]
		}
		if sum == "" {
			sum = "-"
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s", r.Name, r.File, sum, r.Status)
		if describe {
			caps := make([]string, len(r.Capabilities))
			for i, c := range r.Capabilities {
				caps[i] = string(c)
			}
			line += fmt.Sprintf("\t%s\t%s\t%s", dash(r.Version), dash(strings.Join(caps, ",")), dash(strings.Join(r.Streams, ",")))
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.Error != "" && describe {
			fmt.Fprintf(w, "%s: %s\n", r.Name, r.Error)
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newPluginsLockCmd(f *pluginsFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "lock",
		Short: "Pin the SHA-256 of every plugin binary in plugins.lock",
		Long: `Compute the SHA-256 of every supplyhub-plugin-<name> binary in the plugins
directory and write them to plugins.lock there, replacing it. Run it after
installing or upgrading plugins you trust; the gateway refuses binaries that
do not match. The file has sha256sum's format.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := f.resolve()
			if err != nil {
				return err
			}
			lockPath := filepath.Join(dir, host.LockFileName)
			lock, err := host.Lock(dir, lockPath)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, line := range strings.Split(strings.TrimSpace(string(lock.Bytes())), "\n") {
				if line != "" {
					fmt.Fprintln(out, "locked", line)
				}
			}
			_, err = fmt.Fprintf(out, "wrote %s (%d plugins)\n", lockPath, len(lock))
			return err
		},
	}
}

func newPluginsVerifyCmd(f *pluginsFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check every plugin binary against plugins.lock; exit non-zero on any mismatch",
		Long: `Compare every supplyhub-plugin-<name> binary with the SHA-256 pinned in
plugins.lock. Exits 1 when a binary does not match, is not pinned, or a
pinned binary is missing, naming each.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := f.resolve()
			if err != nil {
				return err
			}
			lockPath := filepath.Join(dir, host.LockFileName)
			entries, ok, err := host.Verify(dir, lockPath)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			bad := 0
			for _, e := range entries {
				switch e.Status {
				case host.StatusLocked:
					fmt.Fprintf(out, "ok        %s\n", e.File)
				case host.StatusMismatch:
					bad++
					fmt.Fprintf(out, "MISMATCH  %s: sha256 %s, locked %s\n", e.File, e.Sum, e.Locked)
				case host.StatusUnlocked:
					bad++
					fmt.Fprintf(out, "UNLOCKED  %s: sha256 %s is not in %s\n", e.File, e.Sum, host.LockFileName)
				case host.StatusMissing:
					bad++
					fmt.Fprintf(out, "MISSING   %s: locked but not in %s\n", e.File, dir)
				}
			}
			if !ok {
				return &exitError{code: 1, err: fmt.Errorf("plugins verify: %d of %d plugin binaries do not match %s; if you trust them, run \"supplyhub plugins lock --plugins-dir %s\", otherwise reinstall them",
					bad, len(entries), lockPath, dir)}
			}
			_, err = fmt.Fprintf(out, "all %d plugins match %s\n", len(entries), lockPath)
			return err
		},
	}
}
