package odoo

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"", `{"v":1}`, `{"v":1,"hwm":"2026-03-01T10:00:00Z","recent":["product.template,3@1772359200#abc"],"pass":{"since":"2026-03-01T09:55:00Z","last":7,"seen":["x@1#y"]}}`, `{"v":2}`, `[]`, `{"v":1,"pass":{"max":"nope"}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			return
		}
		again, err := parseCursor(c.String())
		if err != nil {
			t.Fatalf("a cursor the connector accepted does not parse again: %q → %q: %v", s, c.String(), err)
		}
		if again.String() != c.String() {
			t.Fatalf("round trip changed %q into %q", c.String(), again.String())
		}
		for _, k := range append(c.Recent, passSeen(c)...) {
			_ = seenTime(k)
		}
	})
}

func passSeen(c cursor) []string {
	if c.Pass == nil {
		return nil
	}
	return append(c.Pass.Seen, c.Pass.Skip...)
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{`{"base_url":"https://acme.odoo.com","database":"acme","api_key":"k","login":"bot"}`,
		`{"base_url":"http://x","database":"d","api_key":"k","masters":{"stock":"channel"},"tax_map":{"VAT":3},"max_rounding_adjustment":"0.05"}`,
		`{}`, `null`, `{"page_size":1e9}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConfig(json.RawMessage(s))
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("a valid config fails validation again: %v", err)
		}
		if c.PageSize < 1 || c.OverlapSeconds < 1 || c.maxRounding.IsNegative() || c.API == "" {
			t.Fatalf("defaults not filled: %+v", c)
		}
	})
}

// FuzzOdooRows decodes arbitrary answers into the rows the connector
// reads: bad shapes are errors, never panics.
func FuzzOdooRows(f *testing.F) {
	for _, s := range []string{
		`[{"id":1,"name":"Lamp","type":"consu","is_storable":true,"categ_id":[3,"All"],"weight":1.5,"active":true,"write_date":"2026-03-01 10:00:00","product_variant_ids":[4,5]}]`,
		`[{"id":1,"name":false,"categ_id":false,"weight":false,"write_date":false}]`,
		`[{"product_id":[2,"x"],"location_id":[8,"WH/Stock"],"quantity":12.5,"reserved_quantity":1,"write_date":"2026-03-01 10:00:00.123456"}]`,
		`[{"id":"x"}]`, `{"a":1}`, `[{"categ_id":[1]}]`, `[{"weight":"1e400"}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var tm []tmplRow
		_ = json.Unmarshal([]byte(s), &tm)
		var q []quantRow
		_ = json.Unmarshal([]byte(s), &q)
		var p []partnerRow
		_ = json.Unmarshal([]byte(s), &p)
		var v []variantRow
		if json.Unmarshal([]byte(s), &v) == nil {
			for _, r := range v {
				_ = r.Price.Dec().String()
				_ = r.Weight.Int()
			}
		}
	})
}

func FuzzOrderVersion(f *testing.F) {
	f.Add("#1001", int64(1772359200123456789))
	f.Add("", int64(0))
	f.Add("#10 [supplyhub x]", int64(-5))
	f.Fuzz(func(t *testing.T, number string, nanos int64) {
		at := time.Unix(0, nanos).UTC()
		o := &commerce.Order{Meta: commerce.Meta{Source: commerce.Ref{ExternalID: "gid://x/Order/1"}, UpdatedAt: at}, Number: number}
		v, ok := versionOf(originOf(o))
		if at.Year() >= 0 && at.Year() <= 9999 && (!ok || !v.Equal(at)) {
			t.Fatalf("origin %q gave back %v %v, want %v", originOf(o), v, ok, at)
		}
		_, _ = versionOf(number)
	})
}
