package demo

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkSeedHistory places a year of the default demo's web store
// (60 orders a day at the start) in a fake shop, with follow-ups and stock:
// the part of supplyhub demo's start-up before the first sync.
func BenchmarkSeedHistory(b *testing.B) {
	now := time.Now()
	ch := Channels(300, 1, now.AddDate(-1, 0, 0), now)[0]
	b.ReportAllocs()
	var orders int
	for b.Loop() {
		s, err := newShop(ch, now, nil)
		if err != nil {
			b.Fatal(err)
		}
		st, err := s.seedHistory(rand.New(rand.NewPCG(1, 1)), 365, now)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.seedStock(rand.New(rand.NewPCG(1, 2)), now); err != nil {
			b.Fatal(err)
		}
		s.srv.Close()
		orders = st.Orders
	}
	b.ReportMetric(float64(orders), "orders")
	b.ReportMetric(float64(orders)*float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkOrderTimes draws a year of order times for the default web
// store's pattern.
func BenchmarkOrderTimes(b *testing.B) {
	now := time.Now()
	p := Channels(300, 1, now.AddDate(-1, 0, 0), now)[0].Pattern
	loc := time.UTC
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(p.OrderTimes(rand.New(rand.NewPCG(1, 1)), now.AddDate(-1, 0, 0), now, now, loc))
	}
	b.ReportMetric(float64(n), "orders")
}
