package fx

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// historyXML builds a feed of n publication days × 30 currencies in the ECB
// layout, about the size of the full history when n is 6,800.
func historyXML(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube>`)
	curs := []string{"USD", "JPY", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF", "ISK", "NOK", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN", "MYR", "NZD", "PHP", "SGD", "THB", "ZAR", "BGN"}
	d := commerce.Date{Year: 1999, Month: 1, Day: 4}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "<Cube time='%s'>", d)
		for j, c := range curs {
			fmt.Fprintf(&b, "<Cube currency='%s' rate='%d.%04d'/>", c, 1+j, (i*7+j)%10000)
		}
		b.WriteString("</Cube>")
		d = d.AddDays(1)
	}
	b.WriteString("</Cube></gesmes:Envelope>")
	return b.Bytes()
}

func BenchmarkParseXML(b *testing.B) {
	for _, n := range []int{64, 6800} {
		feed := historyXML(n)
		b.Run(fmt.Sprintf("days=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(feed)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseXML(bytes.NewReader(feed)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkConvert(b *testing.B) {
	t, err := ParseXML(bytes.NewReader(historyXML(6800)))
	if err != nil {
		b.Fatal(err)
	}
	m := commerce.MustMoney("1234.56", "USD")
	on := commerce.Date{Year: 2010, Month: 6, Day: 15}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.Convert(m, "JPY", on, commerce.RoundHalfEven); err != nil {
			b.Fatal(err)
		}
	}
}
