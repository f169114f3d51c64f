package grpcplugin

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	connectorv1 "github.com/supplyhub/supplyhub/sdk/proto/supplyhub/connector/v1"
)

// ProtocolVersion is the version of the plugin protocol the handshake
// negotiates: the "v1" of the proto package supplyhub.connector.v1.
// Additions within v1 keep it; only a breaking change makes a v2 package and
// bumps it.
const ProtocolVersion = 1

// ProtoPackage is the proto package whose version ProtocolVersion is.
const ProtoPackage = "supplyhub.connector.v1"

// PluginName is the key of the one plugin in the go-plugin plugin set.
const PluginName = "connector"

// Handshake is the go-plugin handshake of every Supplyhub plugin. The magic
// cookie never changes: it is not a secret, only a guard against running a
// plugin binary by hand. A plugin written in another language checks that
// the environment variable MagicCookieKey holds MagicCookieValue and prints
// "1|<ProtocolVersion>|tcp|<addr>|grpc|<server cert>" on stdout.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "SUPPLYHUB_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "d6c1b5a0e1f2c0de9a7a4c1e8b3f5d20supplyhub",
}

// MaxMessageSize bounds one gRPC message in either direction (a batch of
// records, a webhook body): 64 MiB.
const MaxMessageSize = 64 << 20

// Servers holds the capability services a plugin serves; nil ones are not
// registered, so calling them returns codes.Unimplemented.
type Servers struct {
	Connector connectorv1.ConnectorServer
	Source    connectorv1.SourceServer
	Sink      connectorv1.SinkServer
	Webhooks  connectorv1.WebhooksServer
	Carrier   connectorv1.CarrierServer
	FX        connectorv1.FXServer
	Customs   connectorv1.CustomsServer
	// Subscriptions registers webhook subscriptions upstream.
	Subscriptions connectorv1.SubscriptionsServer
}

// Register registers the non-nil services on s.
func (sv *Servers) Register(s grpc.ServiceRegistrar) {
	if sv.Connector != nil {
		connectorv1.RegisterConnectorServer(s, sv.Connector)
	}
	if sv.Source != nil {
		connectorv1.RegisterSourceServer(s, sv.Source)
	}
	if sv.Sink != nil {
		connectorv1.RegisterSinkServer(s, sv.Sink)
	}
	if sv.Webhooks != nil {
		connectorv1.RegisterWebhooksServer(s, sv.Webhooks)
	}
	if sv.Carrier != nil {
		connectorv1.RegisterCarrierServer(s, sv.Carrier)
	}
	if sv.FX != nil {
		connectorv1.RegisterFXServer(s, sv.FX)
	}
	if sv.Customs != nil {
		connectorv1.RegisterCustomsServer(s, sv.Customs)
	}
	if sv.Subscriptions != nil {
		connectorv1.RegisterSubscriptionsServer(s, sv.Subscriptions)
	}
}

// Clients holds a client of every capability service over one connection.
// Which of them the plugin serves is what Describe says.
type Clients struct {
	Conn      grpc.ClientConnInterface
	Connector connectorv1.ConnectorClient
	Source    connectorv1.SourceClient
	Sink      connectorv1.SinkClient
	Webhooks  connectorv1.WebhooksClient
	Carrier   connectorv1.CarrierClient
	FX        connectorv1.FXClient
	Customs   connectorv1.CustomsClient
	// Subscriptions registers webhook subscriptions upstream.
	Subscriptions connectorv1.SubscriptionsClient
}

// NewClients returns the clients of every service over cc.
func NewClients(cc grpc.ClientConnInterface) *Clients {
	return &Clients{
		Conn:      cc,
		Connector: connectorv1.NewConnectorClient(cc),
		Source:    connectorv1.NewSourceClient(cc),
		Sink:      connectorv1.NewSinkClient(cc),
		Webhooks:  connectorv1.NewWebhooksClient(cc),
		Carrier:   connectorv1.NewCarrierClient(cc),
		FX:        connectorv1.NewFXClient(cc),
		Customs:   connectorv1.NewCustomsClient(cc),

		Subscriptions: connectorv1.NewSubscriptionsClient(cc),
	}
}

// Plugin is the go-plugin plugin: on the plugin side it registers Servers,
// on the host side it dispenses *Clients.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Servers is set on the plugin side only.
	Servers *Servers
}

var _ plugin.GRPCPlugin = (*Plugin)(nil)

// GRPCServer registers the plugin's services.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Servers == nil || p.Servers.Connector == nil {
		return fmt.Errorf("grpcplugin: a plugin must serve the Connector service")
	}
	p.Servers.Register(s)
	return nil
}

// GRPCClient returns *Clients over the plugin's connection.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, cc *grpc.ClientConn) (any, error) {
	return NewClients(cc), nil
}

// VersionedPlugins is the plugin set the host offers, keyed by protocol
// version. A plugin speaking another version is refused at handshake.
func VersionedPlugins() map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{ProtocolVersion: {PluginName: &Plugin{}}}
}

// ServeConfig returns the go-plugin serve configuration for servers, logging
// with logger (hclog JSON on stderr is what the host expects).
func ServeConfig(servers *Servers, logger hclog.Logger) *plugin.ServeConfig {
	return &plugin.ServeConfig{
		HandshakeConfig: Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			ProtocolVersion: {PluginName: &Plugin{Servers: servers}},
		},
		GRPCServer: NewServer,
		Logger:     logger,
	}
}

// NewServer creates the plugin's gRPC server with the protocol's message
// size limits.
func NewServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts, grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize))
	return grpc.NewServer(opts...)
}

// DialOptions are the gRPC dial options the host uses with every plugin.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(
		grpc.MaxCallRecvMsgSize(MaxMessageSize),
		grpc.MaxCallSendMsgSize(math.MaxInt32),
	)}
}

// ReattachEnv is the environment variable through which a host reattaches
// to plugins started by hand with -debug: a JSON object from plugin name to
// Reattach.
const ReattachEnv = "SUPPLYHUB_REATTACH_PLUGINS"

// Reattach says where a plugin started with -debug listens.
type Reattach struct {
	Protocol        string `json:"protocol"`
	ProtocolVersion int    `json:"protocol_version"`
	Pid             int    `json:"pid"`
	// Network is "unix" or "tcp"; Addr the socket path or host:port.
	Network string `json:"network"`
	Addr    string `json:"addr"`
}

// NewReattach describes a plugin served in test mode from go-plugin's
// reattach configuration.
func NewReattach(rc *plugin.ReattachConfig) Reattach {
	return Reattach{Protocol: string(rc.Protocol), ProtocolVersion: rc.ProtocolVersion, Pid: rc.Pid,
		Network: rc.Addr.Network(), Addr: rc.Addr.String()}
}

// Config returns the go-plugin reattach configuration.
func (r Reattach) Config() (*plugin.ReattachConfig, error) {
	var addr net.Addr
	var err error
	switch r.Network {
	case "unix":
		addr, err = net.ResolveUnixAddr("unix", r.Addr)
	case "tcp":
		addr, err = net.ResolveTCPAddr("tcp", r.Addr)
	default:
		return nil, fmt.Errorf("grpcplugin: reattach: network %q must be unix or tcp", r.Network)
	}
	if err != nil {
		return nil, fmt.Errorf("grpcplugin: reattach address %s: %w", r.Addr, err)
	}
	if r.Protocol != string(plugin.ProtocolGRPC) {
		return nil, fmt.Errorf("grpcplugin: reattach: protocol %q must be grpc", r.Protocol)
	}
	return &plugin.ReattachConfig{Protocol: plugin.ProtocolGRPC, ProtocolVersion: r.ProtocolVersion, Pid: r.Pid, Addr: addr, Test: true}, nil
}

// ParseReattach parses the value of ReattachEnv.
func ParseReattach(s string) (map[string]Reattach, error) {
	out := map[string]Reattach{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("grpcplugin: %s is not a JSON object of plugin name to reattach config: %w", ReattachEnv, err)
	}
	return out, nil
}
