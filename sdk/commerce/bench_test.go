package commerce

import (
	"encoding/json"
	"os"
	"testing"
)

func BenchmarkDecodeOrder(b *testing.B) {
	data, err := os.ReadFile("testdata/valid/order.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeValid(KindOrder, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeOrder(b *testing.B) {
	data, _ := os.ReadFile("testdata/valid/order.json")
	r, err := DecodeValid(KindOrder, data)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(r); err != nil {
			b.Fatal(err)
		}
	}
}
