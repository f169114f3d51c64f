package routing

import (
	"strings"
	"testing"
)

func TestReadStockCSV(t *testing.T) {
	t.Parallel()
	in := "\ufeffSKU,location_id,on_hand,available\n# a comment\nMUG,leipzig,10,7\nTEE, berlin ,3,-2\n"
	st, err := ReadStockCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if st.Available("MUG", "leipzig") != 7 || st.Available("TEE", "berlin") != -2 || len(st) != 2 {
		t.Errorf("stock %v", st)
	}
	cases := []struct{ name, csv, err string }{
		{"empty", "", "stock CSV is empty"},
		{"missing column", "sku,location_id,on_hand\nA,B,1\n", `lacks column "available"`},
		{"not a number", "sku,location_id,available\nA,B,1.5\n", `line 2: available "1.5" must be a whole number`},
		{"no sku", "sku,location_id,available\n,B,1\n", "line 2: sku and location_id are required"},
		{"twice", "sku,location_id,available\nA,B,1\nA,B,2\n", "line 3: SKU A at B is listed twice"},
		{"no rows", "sku,location_id,available\n", "has a header but no rows"},
		{"short row", "sku,location_id,available\nA,B\n", `line 2: available "" must be a whole number`},
	}
	for _, c := range cases {
		if _, err := ReadStockCSV(strings.NewReader(c.csv)); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		}
	}
}

func FuzzReadStockCSV(f *testing.F) {
	f.Add("sku,location_id,available\nMUG,leipzig,3\n")
	f.Add("available,sku,location_id,extra\n-4,A,B,x\n\"q\"\"x\",1,2\n")
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ReadStockCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		for k := range st {
			if k.SKU == "" || k.LocationID == "" {
				t.Fatalf("empty key %+v accepted", k)
			}
		}
	})
}
