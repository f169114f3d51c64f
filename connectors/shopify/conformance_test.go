package shopify_test

import (
	"encoding/json"
	"testing"

	"github.com/supplyhub/supplyhub/connectors/shopify"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest/suite"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

func newSuiteShop(t *testing.T) *shopifytest.Server {
	t.Helper()
	srv, err := shopifytest.NewServer(suite.Options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestConformanceInProcess runs the conformance kit against the connector
// called directly.
func TestConformanceInProcess(t *testing.T) {
	srv := newSuiteShop(t)
	conformance.Run(t, suite.New(t, srv, sdk.InProcess(shopify.New())))
}

// TestConformanceLoopback runs the kit through the plugin protocol's wire
// encoding (records as JSON, errors as gRPC status details).
func TestConformanceLoopback(t *testing.T) {
	srv := newSuiteShop(t)
	p, _, closeFn, err := sdk.Loopback(shopify.New())
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	conformance.Run(t, suite.New(t, srv, p))
}

// TestConformanceBulk runs the kit with every full read of orders and
// products going through a bulk operation, resumes included.
func TestConformanceBulk(t *testing.T) {
	srv := newSuiteShop(t)
	s := suite.New(t, srv, sdk.InProcess(shopify.New()))
	s.Config = withField(t, s.Config, "bulk_mode", "always")
	s.BadCredentials = withField(t, s.BadCredentials, "bulk_mode", "always")
	conformance.Run(t, s)
}

func withField(t *testing.T, raw json.RawMessage, k string, v any) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m[k] = v
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
