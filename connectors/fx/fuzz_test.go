package fx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func seed(f *testing.F, name string) {
	if b, err := os.ReadFile(filepath.Join(fixtures, name)); err == nil {
		f.Add(b)
	}
}

// FuzzParseXML checks that no input panics the XML parser and that whatever
// it accepts is a consistent table.
func FuzzParseXML(f *testing.F) {
	seed(f, "eurofxref-daily-2023-04-06.xml")
	seed(f, "eurofxref-hist-90d-sample.xml")
	f.Add([]byte(`<Envelope><Cube><Cube time='2023-01-02'><Cube currency='USD' rate='1.1'/></Cube></Cube></Envelope>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := ParseXML(bytes.NewReader(b))
		if err != nil {
			return
		}
		checkTable(t, tb)
	})
}

// FuzzParseCSV does the same for the CSV layout.
func FuzzParseCSV(f *testing.F) {
	seed(f, "eurofxref-hist-sample.csv")
	f.Add([]byte("Date,USD,\n2023-01-02,1.1,\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := ParseCSV(bytes.NewReader(b))
		if err != nil {
			return
		}
		checkTable(t, tb)
	})
}

func checkTable(t *testing.T, tb *Table) {
	t.Helper()
	if tb.Len() == 0 {
		t.Fatal("accepted a feed with no day")
	}
	for i, d := range tb.Days() {
		if i > 0 && !tb.Days()[i-1].Date.Before(d.Date) {
			t.Fatalf("days not strictly ascending at %d", i)
		}
		if len(d.Rates) == 0 {
			t.Fatalf("%s has no rate", d.Date)
		}
		for c, r := range d.Rates {
			if !r.IsPositive() || len(c) != 3 {
				t.Fatalf("%s: bad rate %s=%s accepted", d.Date, c, r)
			}
		}
	}
}
