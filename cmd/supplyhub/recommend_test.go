package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/core/recommend"
)

// recommendCLI runs the supplyhub command tree in-process.
func recommendCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestRecommendCommands(t *testing.T) {
	dir := t.TempDir()
	orders, catalog, truth := filepath.Join(dir, "orders.csv"), filepath.Join(dir, "catalog.csv"), filepath.Join(dir, "truth.json")
	out, err := recommendCLI(t, "recommend", "generate", "--demo", "--out", orders, "--catalog-out", catalog, "--truth-out", truth)
	if err != nil || !strings.Contains(out, "2381 orders") || !strings.Contains(out, "planted 12 pairs") {
		t.Fatalf("generate: %v\n%s", err, out)
	}

	t.Run("evaluate table", func(t *testing.T) {
		out, err := recommendCLI(t, "recommend", "evaluate", "--orders", orders, "--k", "10")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"2381 orders", "scored: 442 customers", "hit@10", "precision@10", "coverage", "baseline",
			"best: user-knn (hit rate 0.498) beats popularity (0.473)", "best: item-knn (hit rate 0.666) beats popularity (0.559)"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("evaluate json", func(t *testing.T) {
		out, err := recommendCLI(t, "recommend", "evaluate", "--orders", orders, "--methods", "cosine,item-knn", "--format", "json")
		if err != nil {
			t.Fatal(err)
		}
		var ev recommend.Evaluation
		if err := json.Unmarshal([]byte(out), &ev); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if len(ev.Customer) != 3 || ev.Customer[0].Method != recommend.Popularity || ev.Evaluated != 442 {
			t.Fatalf("evaluation %+v: want popularity, cosine and item-knn for 442 customers", ev)
		}
		if best, _ := recommend.Best(ev.Basket); best.HitRate <= ev.Basket[0].HitRate {
			t.Fatalf("best item method %+v does not beat popularity %+v", best, ev.Basket[0])
		}
	})

	t.Run("item finds the planted partner", func(t *testing.T) {
		raw, err := os.ReadFile(truth)
		if err != nil {
			t.Fatal(err)
		}
		var planted struct{ Pairs []struct{ A, B string } }
		if err := json.Unmarshal(raw, &planted); err != nil || len(planted.Pairs) == 0 {
			t.Fatalf("truth file: %v", err)
		}
		p := planted.Pairs[0]
		out, err := recommendCLI(t, "recommend", "item", "--orders", orders, "--sku", p.A, "--k", "5")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(out, "\n")
		if len(lines) < 2 || !strings.Contains(lines[1], p.B) || !strings.Contains(lines[1], "cosine") {
			t.Fatalf("item %s: want partner %s ranked first:\n%s", p.A, p.B, out)
		}
	})

	t.Run("new sku falls back to its category", func(t *testing.T) {
		cat, err := os.ReadFile(catalog)
		if err != nil {
			t.Fatal(err)
		}
		withNew := filepath.Join(dir, "catalog-new.csv")
		if err := os.WriteFile(withNew, append(cat, "cameras-new,cameras,vendor-01\n"...), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := recommendCLI(t, "recommend", "item", "--orders", orders, "--catalog", withNew, "--sku", "cameras-new", "--k", "3")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, `note: SKU "cameras-new" has no orders yet; showing what is bought with its category "cameras"`) ||
			strings.Count(out, "category") < 4 {
			t.Fatalf("cold start output:\n%s", out)
		}
	})

	t.Run("customer", func(t *testing.T) {
		out, err := recommendCLI(t, "recommend", "customer", "--orders", orders, "--customer", "C000047", "--k", "4", "--format", "json")
		if err != nil {
			t.Fatal(err)
		}
		var res recommend.Result
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Items) != 4 || res.Method != recommend.ItemKNN || res.Items[0].Because == "" {
			t.Fatalf("customer result %+v (%v)\n%s", res, err, out)
		}
		out, err = recommendCLI(t, "recommend", "customer", "--orders", orders, "--customer", "nobody", "--k", "2")
		if err != nil || !strings.Contains(out, `note: customer "nobody" has no orders yet; showing best sellers`) {
			t.Fatalf("new customer: %v\n%s", err, out)
		}
	})

	t.Run("errors", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.csv")
		if err := os.WriteFile(bad, []byte("order_id,customer_id,sku,quantity,created_at\n1,c,a,x,2026-01-01\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			args []string
			want string
			code int
		}{
			{"missing orders flag", []string{"recommend", "evaluate"}, `required flag(s) "orders" not set`, 1},
			{"bad format", []string{"recommend", "evaluate", "--orders", orders, "--format", "xml"}, `--format "xml"`, 2},
			{"bad k", []string{"recommend", "item", "--orders", orders, "--sku", "a", "--k", "0"}, "--k 0", 2},
			{"bad method", []string{"recommend", "evaluate", "--orders", orders, "--methods", "magic"}, `unknown method "magic"`, 2},
			{"bad tz", []string{"recommend", "evaluate", "--orders", orders, "--tz", "Mars/Olympus"}, `--tz "Mars/Olympus"`, 2},
			{"missing file", []string{"recommend", "evaluate", "--orders", filepath.Join(dir, "none.csv")}, "open orders", 1},
			{"bad row", []string{"recommend", "evaluate", "--orders", bad}, `line 2 (order "1"): quantity "x" is not a whole number`, 1},
			{"user-knn for an item", []string{"recommend", "item", "--orders", orders, "--sku", "a", "--method", "user-knn"}, "user-knn needs a customer", 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := recommendCLI(t, tc.args...)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want %q", err, tc.want)
				}
				if got := exitCode(err); got != tc.code {
					t.Fatalf("exit code %d, want %d", got, tc.code)
				}
				var ee *exitError
				if tc.code == 2 && !errors.As(err, &ee) {
					t.Fatal("usage error not marked")
				}
			})
		}
	})
}
