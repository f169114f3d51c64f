package grpcplugin

import (
	"fmt"
	"strings"
	"testing"

	connectorv1 "github.com/supplyhub/supplyhub/sdk/proto/supplyhub/connector/v1"
)

// The handshake's protocol version is the version of the proto package:
// renaming the package to v2 without bumping the constant (or the reverse)
// fails here.
func TestProtocolVersionMatchesProtoPackage(t *testing.T) {
	t.Parallel()
	pkg := string(connectorv1.File_supplyhub_connector_v1_connector_proto.Package())
	if pkg != ProtoPackage {
		t.Fatalf("proto package = %q, ProtoPackage = %q", pkg, ProtoPackage)
	}
	if want := fmt.Sprintf(".v%d", ProtocolVersion); !strings.HasSuffix(pkg, want) {
		t.Fatalf("proto package %q does not end in %q: bump ProtocolVersion with the package", pkg, want)
	}
	if Handshake.ProtocolVersion != ProtocolVersion {
		t.Fatalf("Handshake.ProtocolVersion = %d, want %d", Handshake.ProtocolVersion, ProtocolVersion)
	}
	if _, ok := VersionedPlugins()[ProtocolVersion][PluginName]; !ok {
		t.Fatal("VersionedPlugins lacks the connector plugin at ProtocolVersion")
	}
}

// The magic cookie is part of the protocol: plugins in other languages
// hard-code it. It must never change.
func TestMagicCookieNeverChanges(t *testing.T) {
	t.Parallel()
	if Handshake.MagicCookieKey != "SUPPLYHUB_PLUGIN_MAGIC_COOKIE" ||
		Handshake.MagicCookieValue != "d6c1b5a0e1f2c0de9a7a4c1e8b3f5d20supplyhub" {
		t.Fatalf("the magic cookie changed: %+v", Handshake)
	}
}

func TestEveryServiceHasAClient(t *testing.T) {
	t.Parallel()
	fd := connectorv1.File_supplyhub_connector_v1_connector_proto
	var names []string
	for i := 0; i < fd.Services().Len(); i++ {
		names = append(names, string(fd.Services().Get(i).Name()))
	}
	want := []string{"Connector", "Source", "Sink", "Webhooks", "Carrier", "FX", "Customs", "Subscriptions"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("services = %v, want %v: add the new service to Servers, Clients and the SDK", names, want)
	}
	c := NewClients(nil)
	if c.Connector == nil || c.Source == nil || c.Sink == nil || c.Webhooks == nil || c.Carrier == nil || c.FX == nil || c.Customs == nil || c.Subscriptions == nil {
		t.Fatal("NewClients left a client nil")
	}
}

func TestPluginNeedsAConnector(t *testing.T) {
	t.Parallel()
	p := &Plugin{Servers: &Servers{}}
	if err := p.GRPCServer(nil, NewServer(nil)); err == nil {
		t.Fatal("a plugin without the Connector service was accepted")
	}
}

func TestReattachRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, env string
		want      map[string]Reattach
		wantErr   string
	}{
		{"empty", "", map[string]Reattach{}, ""},
		{"unix", `{"example-go": {"protocol": "grpc", "protocol_version": 1, "pid": 42, "network": "unix", "addr": "/tmp/plugin1"}}`,
			map[string]Reattach{"example-go": {Protocol: "grpc", ProtocolVersion: 1, Pid: 42, Network: "unix", Addr: "/tmp/plugin1"}}, ""},
		{"not json", `{"x": `, nil, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReattach(tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for name, r := range got {
				rc, err := r.Config()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if back := NewReattach(rc); back != r {
					t.Fatalf("round trip: %+v != %+v", back, r)
				}
			}
		})
	}
	for _, bad := range []Reattach{{Protocol: "grpc", Network: "udp", Addr: "x"}, {Protocol: "netrpc", Network: "unix", Addr: "/x"}} {
		if _, err := bad.Config(); err == nil {
			t.Errorf("Config(%+v) accepted", bad)
		}
	}
}
