package amazon_test

import (
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/amazon"
	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest/suite"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

func newSuiteFake(t *testing.T, opts amazontest.Options) *amazontest.Server {
	t.Helper()
	srv, err := amazontest.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// TestConformanceInProcess runs the conformance kit against the connector
// called directly, reading orders with the Orders API 2026-01-01.
func TestConformanceInProcess(t *testing.T) {
	t.Parallel()
	srv := newSuiteFake(t, suite.Options())
	conformance.Run(t, suite.New(t, srv, sdk.InProcess(amazon.New()), nil))
}

// TestConformanceLoopback runs the kit through the plugin protocol's wire
// encoding (records as JSON, errors as gRPC status details).
func TestConformanceLoopback(t *testing.T) {
	t.Parallel()
	srv := newSuiteFake(t, suite.Options())
	p, _, closeFn, err := sdk.Loopback(amazon.New())
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	conformance.Run(t, suite.New(t, srv, p, nil))
}

// TestConformanceOrdersV0 runs the kit with orders read through the
// deprecated Orders API v0 (getOrders, then getOrderItems per order).
func TestConformanceOrdersV0(t *testing.T) {
	t.Parallel()
	srv := newSuiteFake(t, suite.Options())
	conformance.Run(t, suite.New(t, srv, sdk.InProcess(amazon.New()), map[string]any{"orders_api": "v0"}))
}

// TestConformanceReports runs the kit with every full read going through
// the Reports API (orders in 7-day windows, inventory per marketplace),
// resumes included.
func TestConformanceReports(t *testing.T) {
	t.Parallel()
	srv := newSuiteFake(t, suite.Options())
	c := amazon.New(amazon.WithReportPollInterval(5 * time.Millisecond))
	conformance.Run(t, suite.New(t, srv, sdk.InProcess(c), map[string]any{"reports_mode": "always", "report_window_days": 7, "backfill_days": 45}))
}
