package carrier

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/carrier/carriertest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// webhookFixtures makes the conformance kit's deliveries with the fake: a
// delivered tracker, a bad signature, and two updates of one parcel bought
// at a fixed time.
func webhookFixtures(t *testing.T, srv *carriertest.Server, secret string) *conformance.WebhookFixtures {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 16, 14, 0, 0, 0, time.UTC)}
	srv.SetNow(clk.now)
	c := fastConnector()
	cfg := easyPostConfig(srv, nil)
	ctx := context.Background()
	if _, err := c.Track(ctx, sdk.TrackRequest{Config: cfg, Carrier: "USPS", TrackingNumber: "EZ4000000004"}); err != nil {
		t.Fatal(err)
	}
	delivery := func(code, sig string) conformance.Delivery {
		body, err := srv.EasyPostTrackerEvent(code)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		if sig == "" {
			sig = carriertest.SignEasyPost(secret, body)
		}
		h.Set("X-Hmac-Signature", sig)
		return conformance.Delivery{Headers: h, Body: body}
	}
	valid := delivery("EZ4000000004", "")
	bad := delivery("EZ4000000004", carriertest.SignEasyPost("not-the-secret", valid.Body))
	rates, err := c.Rates(ctx, sdk.RatesRequest{Config: cfg, From: sf, To: nyc, Parcels: []sdk.Parcel{box("2", "10", "8", "4")}, Carriers: []string{"USPS"}})
	if err != nil || len(rates.Rates) == 0 {
		t.Fatalf("rates: %v", err)
	}
	l, err := c.BuyLabel(ctx, sdk.LabelRequest{Config: cfg, ShipmentID: rates.Rates[0].ShipmentID, RateID: rates.Rates[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(5 * time.Hour)
	older := delivery(l.TrackingNumber, "")
	clk.add(24 * time.Hour)
	newer := delivery(l.TrackingNumber, "")
	return &conformance.WebhookFixtures{Valid: valid, BadSignature: bad, Duplicate: valid, Older: older, Newer: newer}
}

func TestConformance(t *testing.T) {
	srv := newFake(t)
	cfg := easyPostConfig(srv, nil)
	fixtures := webhookFixtures(t, srv, "whsec-test")
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
				Config:         cfg,
				BadCredentials: easyPostConfig(srv, map[string]any{"easypost_api_key": "EZTK_wrong"}),
				Upstream:       conformance.Upstream{Stall: srv.Stall},
				Webhooks:       fixtures,
			})
		})
	}
	// Rates, labels and tracking cross the wire encoding intact.
	resp, err := loop.Carrier.Rates(context.Background(), sdk.RatesRequest{Config: cfg, From: sf, To: berlin, Parcels: []sdk.Parcel{box("3", "12", "10", "6")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := carriersOf(resp.Rates); got["USPS"] == 0 || got["UPS"] == 0 || got["DHL Express"] == 0 {
		t.Fatalf("loopback rates from %v", got)
	}
	r := resp.Rates[0]
	if r.BillableWeight == nil || r.Amount.Currency != "USD" || r.ID == "" {
		t.Fatalf("loopback rate lost fields: %+v", r)
	}
	l, err := loop.Carrier.BuyLabel(context.Background(), sdk.LabelRequest{Config: cfg, ShipmentID: r.ShipmentID, RateID: r.ID})
	if err != nil || !l.Rate.Amount.Equal(r.Amount) {
		t.Fatalf("loopback label %+v %v", l, err)
	}
	s, err := loop.Carrier.Track(context.Background(), sdk.TrackRequest{Connection: "c1", Config: cfg, Carrier: r.Carrier, TrackingNumber: l.TrackingNumber})
	if err != nil || s.TrackingNumbers[0] != l.TrackingNumber {
		t.Fatalf("loopback track %+v %v", s, err)
	}
}
