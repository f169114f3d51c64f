package sdk

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

// Serve runs c as a Supplyhub plugin process and never returns. It is the
// whole of a plugin's main:
//
//	func main() { sdk.Serve(shopify.New()) }
//
// Serve finds the capabilities c implements by type assertion, checks the
// manifest c describes, and serves them over gRPC to the host that launched
// the process (go-plugin, AutoMTLS when the host asks for it). Started by
// hand with -debug, it serves in the foreground and prints the
// SUPPLYHUB_REATTACH_PLUGINS line to give the host, so that the plugin can
// run under a debugger.
func Serve(c Connector) {
	if err := serve(c, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(stderr, "supplyhub plugin: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serve(c Connector, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plugin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	debug := fs.Bool("debug", false, "serve in the foreground for a debugger and print the "+grpcplugin.ReattachEnv+" value for the host")
	if err := fs.Parse(args); err != nil {
		return err
	}
	caps := InProcess(c).Capabilities()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	m, err := describe(ctx, c, caps)
	cancel()
	if err != nil {
		return fmt.Errorf("describe: %w", err)
	}
	if err := m.Validate(); err != nil {
		return err
	}
	hl := hclog.New(&hclog.LoggerOptions{
		Name:       "supplyhub-plugin-" + m.Name,
		Level:      hclog.LevelFromString(hclogLevel(logLevel())),
		Output:     stderr,
		JSONFormat: true,
	})
	cfg := grpcplugin.ServeConfig(newServers(c), hl)
	if !*debug {
		go exitWithParent(os.Getppid(), time.Second, func() {
			hl.Warn("the host process is gone; exiting")
			os.Exit(1)
		})
		plugin.Serve(cfg)
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	cfg.Test = &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach, CloseCh: closed}
	go plugin.Serve(cfg)
	select {
	case rc := <-reattach:
		b, err := json.Marshal(map[string]grpcplugin.Reattach{m.Name: grpcplugin.NewReattach(rc)})
		if err != nil {
			return fmt.Errorf("encode reattach config: %w", err)
		}
		fmt.Fprintf(stdout, "Plugin %s is serving in debug mode. Start the host with:\n\n\t%s='%s'\n\n", m.Name, grpcplugin.ReattachEnv, b)
	case <-closed:
		return fmt.Errorf("the plugin stopped before it was serving")
	}
	<-closed
	return nil
}

// exitWithParent calls exit once the process's parent is no longer ppid:
// the host was killed (SIGKILL, a crash) without stopping its plugins, and
// the orphan was adopted by init. Plugins run in a process group of their
// own, so nothing else would stop them.
func exitWithParent(ppid int, every time.Duration, exit func()) {
	if ppid <= 1 {
		return // already orphaned, or started by init: nothing to watch
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		if os.Getppid() != ppid {
			exit()
			return
		}
	}
}
