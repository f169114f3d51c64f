package recommend_test

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/recommend"
	"github.com/supplyhub/supplyhub/core/recommend/baskets"
)

var (
	benchOnce sync.Map // lines → func() *baskets.Dataset
)

// dataset returns a generated shop with about lines order lines (10,000
// SKUs in 100 categories), made once per size.
func dataset(b *testing.B, lines int) *baskets.Dataset {
	b.Helper()
	f, _ := benchOnce.LoadOrStore(lines, sync.OnceValue(func() *baskets.Dataset {
		ds, err := baskets.Generate(baskets.Config{Seed: 1, SKUs: 10000, Categories: 100, Vendors: 200, Lines: lines})
		if err != nil {
			panic(err)
		}
		return ds
	}))
	return f.(func() *baskets.Dataset)()
}

// BenchmarkBuild builds a model from 1,000,000 order lines in bulk: the
// issue's "model build for 1,000,000 order lines in seconds".
func BenchmarkBuild(b *testing.B) {
	for _, lines := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			ds := dataset(b, lines)
			b.ReportAllocs()
			var m *recommend.Model
			cpu0 := cpuTime()
			for b.Loop() {
				var err error
				if m, err = recommend.Build(ds.Baskets, recommend.Config{}); err != nil {
					b.Fatal(err)
				}
			}
			// CPU seconds per build (all threads): unlike ns/op, this does not
			// grow when other processes share the cores.
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			st := m.Stats()
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(st.Orders), "orders")
			b.ReportMetric(float64(st.Pairs), "pairs")
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heapMiB")
			runtime.KeepAlive(m)
		})
	}
}

// cpuTime returns the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkUpsert applies order.upserted events one at a time to a model
// of 100,000 lines: new orders, then the same orders edited.
func BenchmarkUpsert(b *testing.B) {
	ds := dataset(b, 100_000)
	n := len(ds.Baskets) * 9 / 10
	m, err := recommend.Build(ds.Baskets[:n], recommend.Config{})
	if err != nil {
		b.Fatal(err)
	}
	rest := ds.Baskets[n:]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bk := rest[i%len(rest)]
		if i/len(rest)%2 == 1 { // second pass: an edit dropping the last line
			bk.Lines = bk.Lines[:max(1, len(bk.Lines)-1)]
		}
		if _, err := m.Upsert(bk); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkQuery measures queries on a 1,000,000-line model, after the
// cache of the queried items' neighbours is warm (cold: every query
// right after a write).
func BenchmarkQuery(b *testing.B) {
	ds := dataset(b, 1_000_000)
	m, err := recommend.Build(ds.Baskets, recommend.Config{})
	if err != nil {
		b.Fatal(err)
	}
	var custs []string
	for _, bk := range ds.Baskets {
		if bk.CustomerID != "" && len(custs) < 1000 {
			custs = append(custs, bk.CustomerID)
		}
	}
	top, err := m.Popular(500)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct {
		name string
		make func(i int) recommend.Query
	}{
		{"item/cosine", func(i int) recommend.Query { return recommend.Query{SKUs: []string{top[i%len(top)].SKU}, K: 10} }},
		{"item/lift", func(i int) recommend.Query {
			return recommend.Query{SKUs: []string{top[i%len(top)].SKU}, K: 10, Method: recommend.Lift}
		}},
		{"customer/item-knn", func(i int) recommend.Query { return recommend.Query{Customer: custs[i%len(custs)], K: 10} }},
		{"customer/user-knn", func(i int) recommend.Query {
			return recommend.Query{Customer: custs[i%len(custs)], K: 10, Method: recommend.UserKNN}
		}},
		{"popular", func(i int) recommend.Query { return recommend.Query{K: 10} }},
	} {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := m.Recommend(q.make(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("item/cosine/cold", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m.Remove("no-such-order") // no change: caches stay warm, so invalidate by a real write
			bk := ds.Baskets[i%len(ds.Baskets)]
			if _, err := m.Upsert(bk); err != nil { // unchanged re-delivery: no invalidation either
				b.Fatal(err)
			}
			m.SetCatalog(recommend.Catalog{}) // a write: every cache is stale
			if _, err := m.ForItem(top[i%len(top)].SKU, 10); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkSnapshot saves and loads a 1,000,000-line model.
func BenchmarkSnapshot(b *testing.B) {
	ds := dataset(b, 1_000_000)
	m, err := recommend.Build(ds.Baskets, recommend.Config{})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil { // for load, also when -bench filters out save
		b.Fatal(err)
	}
	b.Run("save", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			if err := m.Save(&buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len())/(1<<20), "MiB")
	})
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			if _, err := recommend.Load(bytes.NewReader(buf.Bytes()), recommend.Config{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	})
}

// BenchmarkEvaluate runs the whole leave-last-order-out evaluation (every
// method, k=10) on 100,000 lines.
func BenchmarkEvaluate(b *testing.B) {
	ds := dataset(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := recommend.Evaluate(ds.Baskets, recommend.EvalConfig{K: 10}); err != nil {
			b.Fatal(err)
		}
	}
}
