package ingress

import (
	"context"
	"encoding/json"
	"slices"
	"sort"

	"github.com/supplyhub/supplyhub/sdk"
)

// Use returns an active connection's plugin and its decrypted
// configuration, for other parts of the gateway that call a capability
// directly (carrier rates, FX rates, landed cost).
func (in *Ingress) Use(ctx context.Context, connection string) (sdk.Plugin, json.RawMessage, error) {
	cn, err := in.conns.get(ctx, connection)
	if err != nil {
		return sdk.Plugin{}, nil, err
	}
	return cn.plugin, cn.config, nil
}

// ConnectionsWith lists the active connections whose connector offers c,
// sorted by id.
func (in *Ingress) ConnectionsWith(ctx context.Context, c sdk.Capability) ([]string, error) {
	list, err := in.store.ListConnections(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, sc := range list {
		if sc.Status != StatusActive {
			continue
		}
		cn, err := in.conns.get(ctx, sc.ID)
		if err != nil {
			continue
		}
		for _, have := range cn.plugin.Capabilities() {
			if have == c {
				out = append(out, sc.ID)
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// ConnectionsAccepting lists the active connections whose connector can
// write back and declares the write action, sorted by id.
func (in *Ingress) ConnectionsAccepting(ctx context.Context, action string) ([]string, error) {
	sinks, err := in.ConnectionsWith(ctx, sdk.CapSink)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range sinks {
		cn, err := in.conns.get(ctx, id)
		if err != nil {
			continue
		}
		if slices.Contains(cn.manifest.WriteActions, action) {
			out = append(out, id)
		}
	}
	return out, nil
}
