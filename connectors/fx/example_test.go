package fx_test

import (
	"fmt"
	"strings"

	"github.com/supplyhub/supplyhub/connectors/fx"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Convert 250 EUR to KRW with the ECB rates of 6 April 2023, in both rounding
// modes: the exact result 359702.5 is a tie at KRW's zero minor units.
func ExampleTable_Convert() {
	feed := `<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<Cube><Cube time='2023-04-06'><Cube currency='USD' rate='1.0915'/><Cube currency='KRW' rate='1438.81'/></Cube></Cube></gesmes:Envelope>`
	table, err := fx.ParseXML(strings.NewReader(feed))
	if err != nil {
		panic(err)
	}
	on, _ := commerce.ParseDate("2023-04-08") // a Saturday: Thursday's rates apply
	for _, mode := range []commerce.RoundingMode{commerce.RoundHalfUp, commerce.RoundHalfEven} {
		c, err := table.Convert(commerce.MustMoney("250.00", "EUR"), "KRW", on, mode)
		if err != nil {
			panic(err)
		}
		fmt.Println(mode, c.Amount, "exact", c.Exact.String(), "rates of", c.Date)
	}
	// Output:
	// half-up 359703 KRW exact 359702.5 rates of 2023-04-06
	// half-even 359702 KRW exact 359702.5 rates of 2023-04-06
}
