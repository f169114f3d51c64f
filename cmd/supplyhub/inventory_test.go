package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/core/inventory/inventorytest"
)

// runInventory runs "supplyhub inventory …" in-process.
func runInventory(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"inventory"}, args...))
	err := root.Execute()
	return out.String(), errOut.String(), err
}

func TestInventoryFormulas(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"eoq issue example", []string{"eoq", "--demand", "1000", "--order-cost", "100", "--holding-cost", "10"},
			[]string{"= 141.42 units", "1414.21", "141 units"}},
		{"eoq from unit cost and packs", []string{"eoq", "--demand", "1000", "--order-cost", "100", "--unit-cost", "40", "--holding-rate", "0.25", "--pack", "12"},
			[]string{"= 141.42 units", "144 units"}},
		{"safety stock", []string{"safety-stock", "--demand-mean", "50", "--demand-sd", "10", "--lead-time", "9", "--service-level", "0.95"},
			[]string{"= 30.0000", "z = 1.6449", "safety stock = 49.35 units"}},
		// √(9·100 + 2500·4) = 104.4031; G(z) = 0.01·500/104.4 → z = 1.2761.
		{"reorder point, fill rate", []string{"reorder-point", "--demand-mean", "50", "--demand-sd", "10", "--lead-time", "9", "--lead-time-sd", "2", "--fill-rate", "0.99", "--order-quantity", "500"},
			[]string{"= 104.4031", "z = 1.2761 for a 99% fill rate", "mean lead-time demand = 50 × 9 = 450.00", "reorder point = 583.23 units"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out, _, err := runInventory(t, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestInventoryUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	demand := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(demand, []byte("series_id,t,value\na,1,1\na,3,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"eoq without holding", []string{"eoq", "--demand", "10", "--order-cost", "5"}, 2, "--holding-cost"},
		{"eoq bad money", []string{"eoq", "--demand", "10", "--order-cost", "1e3", "--holding-cost", "1"}, 2, "plain decimal"},
		{"eoq negative demand", []string{"eoq", "--demand", "-10", "--order-cost", "5", "--holding-cost", "1"}, 2, "annual demand"},
		{"both targets", []string{"safety-stock", "--demand-mean", "1", "--lead-time", "1", "--service-level", "0.9", "--fill-rate", "0.9"}, 2, "not both"},
		{"fill rate without Q", []string{"safety-stock", "--demand-mean", "1", "--demand-sd", "1", "--lead-time", "1", "--fill-rate", "0.9"}, 2, "order quantity"},
		{"bad service", []string{"safety-stock", "--demand-mean", "1", "--lead-time", "1", "--service-level", "95"}, 2, "between 0 and 1"},
		{"bad policy", []string{"simulate", "--demand", demand, "--policy", "jit"}, 2, "--policy"},
		{"bad currency", []string{"simulate", "--demand", demand, "--currency", "euro"}, 2, "--currency"},
		{"gap in demand", []string{"simulate", "--demand", demand}, 1, "jumps from day 1 to 3"},
		{"missing file", []string{"simulate", "--demand", filepath.Join(dir, "nope.csv")}, 1, "open demand"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := runInventory(t, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) || exitCode(err) != c.code {
				t.Errorf("error = %v (exit %d), want exit %d and a message containing %q", err, exitCode(err), c.code, c.want)
			}
		})
	}
}

func writeInventoryDemand(t *testing.T, path string, n, days int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("series_id,t,value\n")
	for i := range n {
		s, _, err := inventorytest.Intermittent(fmt.Sprintf("sku-%d", i), uint64(i), days, 0.4, 3)
		if err != nil {
			t.Fatal(err)
		}
		for d, v := range s.Demand {
			fmt.Fprintf(&b, "%s,%d,%d\n", s.ID, d, v)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestInventorySimulate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	demand := filepath.Join(dir, "demand.csv")
	writeInventoryDemand(t, demand, 3, 300)
	output := filepath.Join(dir, "out.csv")
	out, errOut, err := runInventory(t, "simulate", "--demand", demand, "--policy", "rop", "--service-level", "0.95", "--lead-time", "7",
		"--order-cost", "20", "--holding-rate", "0.25", "--unit-cost", "12", "--currency", "EUR", "--baseline", "--output", output)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"policy: rop at 95% cycle service level; lead time 7 days; lost sales; 3 series", "sku-0", "sku-2", "TOTAL", "TOTAL (baseline)",
		"baseline: naive minmax", "against the baseline at the same cycle service level"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(errOut, "wrote 8 rows") {
		t.Errorf("stderr = %q, want a note of 8 rows (3 series + total, 3 baseline series + total)", errOut)
	}
	f, err := os.Open(output)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 9 || recs[0][0] != "series_id" || recs[4][0] != "TOTAL" || recs[8][0] != "TOTAL (baseline)" {
		t.Fatalf("CSV rows = %d; first cells %q %q", len(recs), recs[0][0], recs[len(recs)-1][0])
	}
	for _, r := range recs[1:] {
		if r[16] != "EUR" || r[15] == "" {
			t.Errorf("row %q lacks its cost in EUR", r[0])
		}
	}

	// With a forecast file: every series gets the true mean 0.4·3 = 1.2, Poisson.
	var fc strings.Builder
	fc.WriteString("series_id,t,mean\n")
	for i := range 3 {
		for d := range 320 {
			fmt.Fprintf(&fc, "sku-%d,%d,1.2\n", i, d)
		}
	}
	forecast := filepath.Join(dir, "forecast.csv")
	if err := os.WriteFile(forecast, []byte(fc.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runInventory(t, "simulate", "--demand", demand, "--forecast", forecast, "--policy", "rs", "--review-period", "7", "--fill-rate", "0.9", "--backorders")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "rs every 7 days at 90% fill rate") || !strings.Contains(out, "backorders") || !strings.Contains(out, "  299  ") {
		t.Errorf("forecast run output:\n%s", out)
	}
}
