package recommend

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTopK(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, k int }{{0, 3}, {5, 10}, {10, 10}, {100, 7}, {1000, 1}, {50, 0}} {
		t.Run(fmt.Sprintf("n%d_k%d", tc.n, tc.k), func(t *testing.T) {
			xs := make([]int, tc.n)
			for i := range xs {
				xs[i] = r.IntN(40) // ties on purpose
			}
			orig := slices.Clone(xs)
			desc := func(a, b int) int { return b - a }
			got := slices.Clone(topK(xs, tc.k, desc))
			want := slices.Clone(orig)
			slices.SortFunc(want, desc)
			want = want[:min(tc.k, len(want))]
			if !slices.Equal(got, want) {
				t.Fatalf("topK = %v, want %v", got, want)
			}
			slices.Sort(xs)
			slices.Sort(orig)
			if !slices.Equal(xs, orig) {
				t.Fatal("topK lost elements: xs is no longer a permutation of its input")
			}
		})
	}
}

// randomSets returns n sorted distinct sets over items 0..items-1.
func randomSets(r *rand.Rand, n, items, maxLen int) [][]int32 {
	sets := make([][]int32, n)
	for i := range sets {
		k := 1 + r.IntN(maxLen)
		var s []int32
		for range k {
			j := int32(r.IntN(items))
			if !slices.Contains(s, j) {
				s = append(s, j)
			}
		}
		slices.Sort(s)
		sets[i] = s
	}
	return sets
}

func TestCooccurMatchesPairwiseCounting(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	sets := randomSets(r, 500, 60, 8)
	const maxSet = 6
	got := cooccur(sets, 60, maxSet)
	want := make(sparse, 60)
	for _, s := range sets {
		if len(s) <= maxSet {
			want.pairs(s, 1)
		}
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) && (len(got[i]) > 0 || len(want[i]) > 0) {
			t.Fatalf("row %d: bulk %v, pairwise %v", i, got[i], want[i])
		}
	}
	// Incremental moves between sets agree with recounting.
	inc := cooccur(sets, 60, maxSet)
	for x := range 300 {
		i := r.IntN(len(sets))
		next := randomSets(r, 1, 60, 9)[0]
		if x%7 == 0 {
			next = nil
		}
		inc.replaceSet(sets[i], next, maxSet)
		sets[i] = next
	}
	want = cooccur(sets, 60, maxSet)
	for i := range want {
		if !slices.Equal(inc[i], want[i]) && (len(inc[i]) > 0 || len(want[i]) > 0) {
			t.Fatalf("row %d after updates: incremental %v, recount %v", i, inc[i], want[i])
		}
	}
}

// dump renders a model's counts with names instead of ids, so that two
// models built in different orders compare equal.
func dump(m *Model) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var lines []string
	for i, s := range m.skus {
		if m.orderCount[i] == 0 && len(m.basket[i]) == 0 && len(m.custPairs[i]) == 0 && len(m.buyers[i]) == 0 {
			continue
		}
		row := func(sp sparse, names func(int32) string) string {
			var parts []string
			for _, c := range sp[i] {
				parts = append(parts, fmt.Sprintf("%s:%d", names(c.id), c.n))
			}
			slices.Sort(parts)
			return strings.Join(parts, ",")
		}
		sku := func(j int32) string { return m.skus[j] }
		cust := func(u int32) string { return m.customers[u].id }
		lines = append(lines, fmt.Sprintf("%s n=%d basket[%s] cust[%s] buyers[%s]", s, m.orderCount[i],
			row(m.basket, sku), row(m.custPairs, sku), row(m.buyers, cust)))
	}
	for id, o := range m.orders {
		var items []string
		for _, i := range o.items {
			items = append(items, m.skus[i])
		}
		slices.Sort(items)
		c := ""
		if o.cust >= 0 {
			c = m.customers[o.cust].id
		}
		lines = append(lines, fmt.Sprintf("order %s cust=%s at=%s v=%s %v", id, c, o.created.UTC(), o.version.UTC(), items))
	}
	for id, v := range m.tombstones {
		lines = append(lines, fmt.Sprintf("tomb %s %s", id, v.UTC()))
	}
	slices.Sort(lines)
	return fmt.Sprintf("orders=%d lines=%d buyers=%d\n%s", len(m.orders), m.lines, m.nBuyers, strings.Join(lines, "\n"))
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600))

// randomHistory makes versions of orders: edits, customer changes,
// cancellations and re-deliveries, in a shuffled arrival order.
func randomHistory(r *rand.Rand, orders, skus, customers int) []Basket {
	var out []Basket
	for o := range orders {
		versions := 1 + r.IntN(3)
		cust := ""
		if r.IntN(5) > 0 {
			cust = fmt.Sprintf("c%d", r.IntN(customers))
		}
		for v := range versions {
			b := Basket{OrderID: fmt.Sprintf("o%d", o), CustomerID: cust, CreatedAt: t0.Add(time.Duration(o) * time.Hour),
				Version: t0.Add(time.Duration(o*10+v) * time.Minute)}
			if v > 0 && r.IntN(4) == 0 {
				b.CustomerID = fmt.Sprintf("c%d", r.IntN(customers)) // customer merged or corrected
			}
			if v == 0 || r.IntN(5) > 0 {
				for range 1 + r.IntN(5) {
					b.Lines = append(b.Lines, Line{SKU: fmt.Sprintf("s%02d", r.IntN(skus)), Quantity: r.IntN(3)})
				}
			} // else: cancelled (no lines)
			out = append(out, b)
			if r.IntN(6) == 0 {
				out = append(out, b) // re-delivered
			}
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestIncrementalMatchesBulkBuild(t *testing.T) {
	t.Parallel()
	for seed := range uint64(5) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 9))
			hist := randomHistory(r, 150, 30, 25)
			cfg := Config{MaxBasketItems: 4, MaxCustomerItems: 12, MinOrders: 5}
			inc, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range hist {
				if _, err := inc.Upsert(b); err != nil {
					t.Fatal(err)
				}
			}
			bulk, err := Build(hist, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := dump(inc), dump(bulk); a != b {
				t.Fatalf("incremental and bulk models differ:\n--- incremental\n%s\n--- bulk\n%s", a, b)
			}
			for _, q := range []Query{{SKUs: []string{"s01"}, K: 5}, {Customer: "c3", K: 5}, {Customer: "c4", K: 5, Method: UserKNN},
				{SKUs: []string{"s02", "s07"}, K: 8, Method: Lift}} {
				ri, err1 := inc.Recommend(q)
				rb, err2 := bulk.Recommend(q)
				if err1 != nil || err2 != nil || !reflect.DeepEqual(ri, rb) {
					t.Fatalf("query %+v: incremental %+v (%v), bulk %+v (%v)", q, ri, err1, rb, err2)
				}
			}
			// Removing everything leaves no counts behind.
			for _, b := range hist {
				inc.Remove(b.OrderID)
			}
			if s := inc.Stats(); s.Orders != 0 || s.Lines != 0 || s.Pairs != 0 || s.CustomerPairs != 0 || s.Customers != 0 || s.Items != 0 {
				t.Fatalf("after removing every order: %+v", s)
			}
		})
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	m, err := Build(randomHistory(r, 200, 40, 30), Config{MinOrders: 5})
	if err != nil {
		t.Fatal(err)
	}
	m.SetCatalog(Catalog{"s01": {Category: "cameras", Vendor: "acme"}, "new-1": {Category: "cameras"}})
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Load(&buf, Config{MinOrders: 5})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := dump(m), dump(back); a != b {
		t.Fatalf("restored model differs:\n%s\n---\n%s", a, b)
	}
	if info, ok := back.Info("new-1"); !ok || info.Category != "cameras" {
		t.Fatalf("catalogue not restored: %+v %v", info, ok)
	}
	for _, q := range []Query{{SKUs: []string{"new-1"}, K: 4}, {Customer: "c1", K: 6}} {
		a, _ := m.Recommend(q)
		b, _ := back.Recommend(q)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("query %+v: before %+v, after %+v", q, a, b)
		}
	}
}

func TestLoadRejectsDamagedSnapshots(t *testing.T) {
	t.Parallel()
	good := func() snapshot {
		return snapshot{Format: snapshotFormat, SKUs: []string{"a", "b"}, Categories: []string{"x"},
			ItemCategory: []int32{0, -1}, ItemVendor: []int32{-1, -1}, Customers: []string{"c"},
			OrderIDs: []string{"o1"}, OrderCust: []int32{0}, OrderCreated: []time.Time{t0}, OrderVersion: []time.Time{{}},
			OrderEnds: []int32{2}, OrderItems: []int32{0, 1}}
	}
	for _, tc := range []struct {
		name, want string
		mut        func(*snapshot)
	}{
		{"ok", "", func(*snapshot) {}},
		{"format", "format 9 is not supported", func(s *snapshot) { s.Format = 9 }},
		{"item out of range", "item index 5 out of range", func(s *snapshot) { s.OrderItems[1] = 5 }},
		{"items not ascending", "not ascending", func(s *snapshot) { s.OrderItems = []int32{1, 0} }},
		{"customer out of range", "customer index 3 out of range", func(s *snapshot) { s.OrderCust[0] = 3 }},
		{"category out of range", "category index 4", func(s *snapshot) { s.ItemCategory[1] = 4 }},
		{"duplicate sku", `SKU "a" appears twice`, func(s *snapshot) { s.SKUs[1] = "a" }},
		{"column length", "columns of other lengths", func(s *snapshot) { s.OrderCreated = nil }},
		{"missing created", "created_at is missing", func(s *snapshot) { s.OrderCreated[0] = time.Time{} }},
		{"dangling items", "orders end at", func(s *snapshot) { s.OrderEnds[0] = 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.mut(&s)
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
				t.Fatal(err)
			}
			m, err := Load(&buf, Config{})
			if tc.want == "" {
				if err != nil || m.Stats().Orders != 1 {
					t.Fatalf("Load = %v, %v; want one order", m, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := Load(strings.NewReader("not a snapshot"), Config{}); err == nil || !strings.Contains(err.Error(), "load snapshot") {
		t.Fatalf("garbage: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	m, _ := Build(randomHistory(rand.New(rand.NewPCG(1, 1)), 5, 5, 3), Config{})
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(bytes.NewReader(data), Config{})
		if err == nil {
			_ = m.Stats()
			if _, err := m.Popular(3); err != nil && m.Stats().Orders > 0 {
				t.Fatalf("loaded model cannot answer: %v", err)
			}
		}
	})
}

// TestConcurrentReadersAndWriter runs queries while orders stream in; run
// with -race. The final state must equal a bulk build of the same orders.
func TestConcurrentReadersAndWriter(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 12))
	hist := randomHistory(r, 300, 40, 40)
	cfg := Config{MinOrders: 10}
	m, _ := New(cfg)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range 3 {
		wg.Go(func() {
			for x := 0; ; x++ {
				select {
				case <-done:
					return
				default:
				}
				q := Query{SKUs: []string{fmt.Sprintf("s%02d", (x+w)%40)}, K: 5}
				if x%3 == 1 {
					q = Query{Customer: fmt.Sprintf("c%d", x%40), K: 5, Method: Methods[x%len(Methods)]}
				}
				res, err := m.Recommend(q)
				if err != nil && !strings.Contains(err.Error(), "has 0 orders") {
					t.Errorf("query %+v: %v", q, err)
					return
				}
				if len(res.Items) > 5 {
					t.Errorf("query %+v returned %d items", q, len(res.Items))
					return
				}
			}
		})
	}
	for _, b := range hist {
		if _, err := m.Upsert(b); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	bulk, _ := Build(hist, cfg)
	if dump(m) != dump(bulk) {
		t.Fatal("model after concurrent queries differs from a bulk build")
	}
}
