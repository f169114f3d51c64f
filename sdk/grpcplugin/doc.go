// Package grpcplugin is the go-plugin glue of the Supplyhub plugin protocol:
// the handshake (magic cookie and protocol version), the plugin set, and the
// gRPC registration of the capability services.
//
// It knows only the wire types of package connectorv1. Connector authors do
// not use it (they call sdk.Serve); the SDK's server and client and the
// host (core/host) do. Start with [Handshake] and [Plugin].
package grpcplugin
