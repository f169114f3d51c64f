package forecasttest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/core/forecast"
)

func TestDailyIsReproducibleAndMixed(t *testing.T) {
	t.Parallel()
	a, b := Daily(1, 42, 100), Daily(1, 42, 100)
	for i := range a.Values {
		if a.Values[i] != b.Values[i] {
			t.Fatalf("value %d differs between two calls: %v vs %v", i, a.Values[i], b.Values[i])
		}
	}
	count := map[Kind]int{}
	for i := range 2000 {
		s := Daily(1, i, 60)
		k := KindOf(1, i)
		count[k]++
		if !strings.HasSuffix(s.ID, "@"+k.String()) || s.SeasonLength != 7 || s.Freq != forecast.Daily {
			t.Fatalf("series %d: id %q season %d freq %v", i, s.ID, s.SeasonLength, s.Freq)
		}
		zeros := 0
		for _, v := range s.Values {
			if v < 0 || v != float64(int(v)) {
				t.Fatalf("series %s has a non-count value %v", s.ID, v)
			}
			if v == 0 {
				zeros++
			}
		}
		if k == Intermittent && zeros < 20 {
			t.Errorf("intermittent series %s has only %d zero days of 60", s.ID, zeros)
		}
	}
	for k, want := range map[Kind]float64{Regular: 0.60, SlowMover: 0.25, Intermittent: 0.15} {
		if got := float64(count[k]) / 2000; got < want-0.04 || got > want+0.04 {
			t.Errorf("%v share %.3f, want about %.2f", k, got, want)
		}
	}
}

func TestWriteCSVRoundTrips(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, 3, 4, 30); err != nil {
		t.Fatal(err)
	}
	series, err := forecast.ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 4 {
		t.Fatalf("read %d series, want 4", len(series))
	}
	for i, s := range series {
		want := Daily(3, i, 30)
		if s.ID != want.ID || len(s.Values) != 30 || !s.Start.Equal(Start) || s.Freq != forecast.Daily {
			t.Errorf("series %d: %q, %d values, start %v, freq %v", i, s.ID, len(s.Values), s.Start, s.Freq)
		}
		for j := range want.Values {
			if s.Values[j] != want.Values[j] {
				t.Fatalf("series %s value %d: read %v, wrote %v", s.ID, j, s.Values[j], want.Values[j])
			}
		}
	}
}
