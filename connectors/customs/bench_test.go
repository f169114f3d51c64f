package customs

import (
	"testing"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// BenchmarkQuote quotes a three-item DAP parcel into Germany priced in USD
// (so every value goes through EUR legs).
func BenchmarkQuote(b *testing.B) {
	req := sdk.LandedCostRequest{AsOf: date("2026-03-14"), Incoterm: DAP, OriginCountry: "US", DestinationCountry: "DE", Currency: "USD",
		Items: []commerce.LandedCostItem{
			{SKU: "A", HSCode: "61091000", Quantity: 3, UnitPrice: usd("40.00")},
			{SKU: "B", HSCode: "620462", Quantity: 2, UnitPrice: usd("55.00")},
			{SKU: "C", HSCode: "847130", Quantity: 1, UnitPrice: usd("899.00")},
		},
		Shipping: usd("45.00"), FXRates: ecbRates}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Quote(DefaultTable, req, date("2026-03-14")); err != nil {
			b.Fatal(err)
		}
	}
}
