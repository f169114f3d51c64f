package forecast_test

import (
	"context"
	"iter"
	"runtime"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/forecast"
	"github.com/supplyhub/supplyhub/core/forecast/forecasttest"
)

// dailySource yields count synthetic daily series of two years, generated on
// the fly so that memory stays bounded by the batch window.
func dailySource(count int) iter.Seq2[forecast.Series, error] {
	return func(yield func(forecast.Series, error) bool) {
		for i := range count {
			if !yield(forecasttest.Daily(1, i, 730), nil) {
				return
			}
		}
	}
}

func runDaily(b *testing.B, count int) {
	b.ReportAllocs()
	for b.Loop() {
		start, cpu0 := time.Now(), cpuTime()
		var peak uint64
		done := 0
		err := forecast.Batch{Config: forecast.Config{Horizon: 28}}.Run(context.Background(), dailySource(count), func(it forecast.Item) error {
			if it.Err != nil {
				return it.Err
			}
			done++
			if done%1000 == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric(float64(count)/el.Seconds(), "series/s")
		b.ReportMetric(el.Seconds(), "s/batch")
		// CPU seconds do not depend on what else runs on the machine:
		// cpu-s/batch divided by the number of idle cores is the wall time
		// on a machine of our own.
		if cpu := cpuTime() - cpu0; cpu > 0 {
			b.ReportMetric(cpu.Seconds(), "cpu-s/batch")
			b.ReportMetric(float64(count)/cpu.Seconds(), "series/cpu-s")
		}
		if peak > 0 {
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		}
	}
}

// BenchmarkAuto10kDaily is the speed target of issue 8: 10,000 daily series
// of two years, horizon 28, automatic selection, all cores.
func BenchmarkAuto10kDaily(b *testing.B) { runDaily(b, 10000) }

// BenchmarkAuto500Daily is a quicker sample of the same population.
func BenchmarkAuto500Daily(b *testing.B) { runDaily(b, 500) }
