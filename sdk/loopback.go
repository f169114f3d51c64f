package sdk

import (
	"context"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
)

// Loopback serves c over gRPC inside this process and returns the Plugin a
// host would get from it, so that every call crosses the real wire
// encoding (records as JSON, errors as status details) without building a
// plugin binary. It is for tests: run the conformance kit through it to
// catch what only the wire changes. Call close when done.
func Loopback(c Connector) (p Plugin, m *Manifest, close func(), err error) {
	lis := bufconn.Listen(4 << 20)
	srv := grpcplugin.NewServer(nil)
	newServers(c).Register(srv)
	go func() { _ = srv.Serve(lis) }()
	opts := append([]grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}, grpcplugin.DialOptions()...)
	cc, err := grpc.NewClient("passthrough:///loopback", opts...)
	if err != nil {
		srv.Stop()
		return Plugin{}, nil, nil, fmt.Errorf("sdk: loopback: %w", err)
	}
	close = func() {
		_ = cc.Close()
		srv.Stop()
	}
	name := "loopback"
	if d, derr := c.Describe(context.Background()); derr == nil && d != nil && d.Name != "" {
		name = d.Name
	}
	p, m, err = NewRemote(context.Background(), name, grpcplugin.NewClients(cc))
	if err != nil {
		close()
		return Plugin{}, nil, nil, err
	}
	return p, m, close, nil
}
