package customs

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

func TestConformance(t *testing.T) {
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
				Config:         json.RawMessage(`{}`),
				BadCredentials: json.RawMessage(`{}`),
				Skip: map[string]string{
					conformance.CheckBadCredentials: "the customs connector has no upstream account: its rule table ships with it",
				},
			})
		})
	}
	// A quote crosses the wire encoding intact (case C of the fixtures).
	req := sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DAP, OriginCountry: "US", DestinationCountry: "DE", Currency: "EUR",
		Items:    []commerce.LandedCostItem{{SKU: "TSH-COT-BLK-M", HSCode: "61091000", CountryOfOrigin: "US", Quantity: 6, UnitPrice: eur("30.00")}},
		Shipping: eur("20.00")}
	lc, err := loop.Customs.LandedCost(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !lc.Totals.LandedCost.Equal(eur("266.56")) || !lc.Totals.DueAtDelivery.Equal(eur("66.56")) || lc.Duties[0].Rule == "" || lc.Duties[0].EffectiveFrom.IsZero() {
		t.Fatalf("loopback quote %+v", lc)
	}
	req.DestinationCountry = "BR"
	if _, err := loop.Customs.LandedCost(context.Background(), req); sdk.KindOf(err) != sdk.KindInvalidInput {
		t.Fatalf("unknown destination through the wire: %v", err)
	}
	if _, err := New().Check(context.Background(), sdk.CheckRequest{Config: json.RawMessage(`{"require_table_version":"1999.1"}`)}); sdk.KindOf(err) != sdk.KindPermanent {
		t.Fatalf("pinned to another table version: %v", err)
	}
}

// FuzzValidateHS checks that no code panics the validator and that accepted
// codes are digits of a valid length whose subheading the table knows.
func FuzzValidateHS(f *testing.F) {
	for _, s := range []string{"610910", "6109.10.00", "6109 10 00 10", "61091099", "770100", "", "6"} {
		f.Add(s)
	}
	eu, _ := DefaultTable.RegimeOf("DE")
	f.Fuzz(func(t *testing.T, code string) {
		h, err := DefaultTable.ValidateHS(code, eu)
		if err != nil {
			return
		}
		if !digits(h.Code) || (len(h.Code) != 6 && len(h.Code) != 8 && len(h.Code) != 10) || DefaultTable.hs6[h.HS6] == nil {
			t.Fatalf("accepted %q as %+v", code, h)
		}
	})
}
