package odoo_test

import (
	"testing"

	"github.com/supplyhub/supplyhub/connectors/odoo"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest/suite"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

func newSuiteOdoo(t *testing.T, version string) *odootest.Server {
	t.Helper()
	srv, err := odootest.NewServer(suite.Options(version))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestConformance runs the conformance kit against the connector called
// directly, once per Odoo version: JSON-RPC for 17.0 and 18.0, JSON-2 for
// 19.0.
func TestConformance(t *testing.T) {
	for _, v := range []string{"17.0", "18.0", "19.0"} {
		t.Run(v, func(t *testing.T) {
			srv := newSuiteOdoo(t, v)
			conformance.Run(t, suite.New(t, srv, sdk.InProcess(odoo.New())))
			want := int64(0)
			if v == "19.0" {
				want = 1
			}
			if st := srv.Stats(); (st.JSON2 > 0) != (want > 0) || st.JSONRPC == 0 && want == 0 {
				t.Errorf("Odoo %s served %d JSON-2 and %d JSON-RPC calls", v, st.JSON2, st.JSONRPC)
			}
		})
	}
}

// TestConformanceLoopback runs the kit through the plugin protocol's wire
// encoding (records as JSON, errors as gRPC status details).
func TestConformanceLoopback(t *testing.T) {
	srv := newSuiteOdoo(t, "19.0")
	p, _, closeFn, err := sdk.Loopback(odoo.New())
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	conformance.Run(t, suite.New(t, srv, p))
}
