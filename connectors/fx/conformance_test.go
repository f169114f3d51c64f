package fx

import (
	"context"
	"net/http"
	"testing"

	"github.com/supplyhub/supplyhub/connectors/fx/fxtest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

func TestConformance(t *testing.T) {
	srv := fxtest.NewServer()
	defer srv.Close()
	srv.RequireAPIKey("sk_test_1")
	good := cfg(map[string]any{"base_url": srv.FeedURL()})
	bad := cfg(map[string]any{"source": "rates_api", "base_url": srv.URL, "api_key": "sk_wrong"})
	loop, _, closeLoop, err := sdk.Loopback(New())
	if err != nil {
		t.Fatal(err)
	}
	defer closeLoop()
	for _, p := range []struct {
		name   string
		plugin sdk.Plugin
	}{{"in-process", sdk.InProcess(New())}, {"loopback", loop}} {
		t.Run(p.name, func(t *testing.T) {
			conformance.Run(t, conformance.Suite{
				Plugin:         p.plugin,
				Config:         good,
				BadCredentials: bad,
				Upstream:       conformance.Upstream{Stall: srv.Stall},
			})
		})
	}
	// Rates cross the wire encoding exactly, with the publication day used.
	resp, err := loop.FX.Rates(context.Background(), sdk.FXRequest{Config: good, Base: "USD", Date: date("2023-04-09"), Quotes: []commerce.Currency{"JPY", "EUR"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Rates) != 2 || resp.Rates[0].Date != date("2023-04-06") || !resp.Rates[0].Rate.Equal(dec("131.46129180027485112231")) {
		t.Fatalf("loopback rates %+v", resp.Rates)
	}
	if _, err := loop.FX.Rates(context.Background(), sdk.FXRequest{Config: good, Base: "EUR", Quotes: []commerce.Currency{"KWD"}}); sdk.KindOf(err) != sdk.KindInvalidInput {
		t.Fatalf("KWD through the wire: %v", err)
	}
}

// TestTransientFailureIsRetried checks that the default client absorbs one
// 503 from the ECB.
func TestTransientFailureIsRetried(t *testing.T) {
	t.Parallel()
	srv := fxtest.NewServer()
	defer srv.Close()
	srv.Fail(http.StatusServiceUnavailable)
	c := New()
	defer c.Close()
	if _, err := c.Rates(context.Background(), sdk.FXRequest{Config: cfg(map[string]any{"base_url": srv.FeedURL()}), Base: EUR}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests(fxtest.FeedPath + "/eurofxref-daily.xml"); n != 2 {
		t.Fatalf("%d requests, want 2 (one 503, one retry)", n)
	}
}
