package host_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/core/host/internal/benchplugin/bench"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// benchOrders is how many small orders one Read yields in the benchmarks.
const benchOrders = 20000

// counter is a ReadStream that counts what arrives.
type counter struct{ records, checkpoints int }

func (c *counter) Records(rs ...commerce.Record) error { c.records += len(rs); return nil }
func (c *counter) Checkpoint(string) error             { c.checkpoints++; return nil }
func (c *counter) Progress(sdk.Progress) error         { return nil }

func benchRead(b *testing.B, p sdk.Plugin, pid int) {
	cfg := json.RawMessage(fmt.Sprintf(`{"orders": %d}`, benchOrders))
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	cpu0 := cpuTime(b, pid)
	for b.Loop() {
		var c counter
		if err := p.Source.Read(ctx, sdk.ReadRequest{Connection: "bench", Config: cfg, Stream: "orders", Mode: sdk.ModeFull}, &c); err != nil {
			b.Fatal(err)
		}
		if c.records != benchOrders {
			b.Fatalf("read %d records, want %d", c.records, benchOrders)
		}
		n += c.records
	}
	cpu := cpuTime(b, pid) - cpu0
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	// CPU time of host and plugin per record: unlike records/s, it hardly
	// depends on what else the machine runs.
	b.ReportMetric(cpu.Seconds()*1e6/float64(n), "cpu-µs/record")
	b.ReportMetric(0, "ns/op")
}

// cpuTime is the CPU time (user and system) of this process and, when pid
// is not 0, of that process too.
func cpuTime(b *testing.B, pid int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	d := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if pid == 0 {
		return d
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name: state is field 3; utime and stime are 14 and 15.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return d + time.Duration(ut+st)*time.Second/ticks
}

func pluginForBench(b *testing.B) (sdk.Plugin, int) {
	dir := pluginsDir(b, map[string]string{"bench": benchPkg})
	h := newHost(b, dir, host.Config{}, discard)
	p, _, err := h.Plugin(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	return p, health(h, "bench").PID
}

func loopbackForBench(b *testing.B) sdk.Plugin {
	p, _, closeFn, err := sdk.Loopback(bench.Connector{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(closeFn)
	return p
}

// BenchmarkReadPlugin reads small generated orders from a plugin process
// through the host: batching, gRPC over a Unix socket with mTLS, JSON
// encoding in the plugin, strict decoding and validation in the host.
func BenchmarkReadPlugin(b *testing.B) {
	p, pid := pluginForBench(b)
	benchRead(b, p, pid)
}

// BenchmarkReadLoopback is the same work through the wire encoding but in
// one process (in-memory gRPC, no TLS).
func BenchmarkReadLoopback(b *testing.B) { benchRead(b, loopbackForBench(b), 0) }

// BenchmarkReadInProcess is the baseline: the connector called directly,
// records passed as Go values.
func BenchmarkReadInProcess(b *testing.B) { benchRead(b, sdk.InProcess(bench.Connector{}), 0) }

func benchUnary(b *testing.B, p sdk.Plugin, check bool) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if check {
			_, err = p.Connector.Check(ctx, sdk.CheckRequest{Connection: "bench", Config: json.RawMessage(`{}`)})
		} else {
			_, err = p.Connector.Describe(ctx)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckPlugin is the latency of a unary call to a plugin process.
func BenchmarkCheckPlugin(b *testing.B) {
	p, _ := pluginForBench(b)
	benchUnary(b, p, true)
}

// BenchmarkDescribePlugin is the latency of Describe (a larger answer).
func BenchmarkDescribePlugin(b *testing.B) {
	p, _ := pluginForBench(b)
	benchUnary(b, p, false)
}

// BenchmarkCheckLoopback is the unary call through the encoding in one process.
func BenchmarkCheckLoopback(b *testing.B) { benchUnary(b, loopbackForBench(b), true) }

// BenchmarkCheckInProcess is the baseline.
func BenchmarkCheckInProcess(b *testing.B) { benchUnary(b, sdk.InProcess(bench.Connector{}), true) }

// BenchmarkDescribeInProcess is the baseline of Describe.
func BenchmarkDescribeInProcess(b *testing.B) { benchUnary(b, sdk.InProcess(bench.Connector{}), false) }
