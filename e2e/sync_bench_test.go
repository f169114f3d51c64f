package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
)

// peakRSS returns a process's peak resident set (VmHWM) in MiB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkGatewaySync100k syncs 100,000 orders from the Shopify fake (rate
// limits off) through the real plugin into the gateway's embedded store and
// reports orders per second and the gateway's and plugin's peak memory.
// Set SUPPLYHUB_BENCH_ORDERS to change the volume, SUPPLYHUB_BENCH_PROFILE
// to a file to capture a 15-second CPU profile of the gateway.
func BenchmarkGatewaySync100k(b *testing.B) {
	n := 100000
	if v := os.Getenv("SUPPLYHUB_BENCH_ORDERS"); v != "" {
		fmt.Sscan(v, &n)
	}
	for range b.N {
		b.StopTimer()
		bin, plugins := gatewayBuild(b)
		fake, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_e2e", ClientSecret: "e2e-secret", Orders: n, Seed: 3, Unthrottled: true})
		if err != nil {
			b.Fatal(err)
		}
		g := startGateway(b, bin, plugins, b.TempDir(), freeAddr(b))
		token := g.bootstrapToken()
		createShopifyConnection(b, g.addr, token, fake)
		b.StartTimer()
		start := time.Now()
		var job struct {
			ID string `json:"id"`
		}
		if code := apiCall(b, g.addr, token, "POST", "/v1/connections/shop/syncs", map[string]any{"streams": []string{"orders"}, "mode": "full"}, &job); code != 202 {
			b.Fatalf("start sync: %d", code)
		}
		if path := os.Getenv("SUPPLYHUB_BENCH_PROFILE"); path != "" {
			// A CPU profile of the gateway during the sync, for go tool pprof.
			go func() {
				req, _ := http.NewRequest("GET", "http://"+g.addr+"/debug/pprof/profile?seconds=15", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					os.WriteFile(path, b, 0o644) //nolint:errcheck
				}
			}()
		}
		var st struct {
			State    string `json:"state"`
			Error    string `json:"error"`
			Progress map[string]struct {
				RecordsWritten int64 `json:"records_written"`
			} `json:"progress"`
		}
		for {
			apiCall(b, g.addr, token, "GET", "/v1/syncs/"+job.ID, nil, &st)
			if st.State == "succeeded" || st.State == "failed" || st.State == "cancelled" {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		if st.State != "succeeded" || st.Progress["orders"].RecordsWritten < int64(n) {
			b.Fatalf("sync %s (%s), %d written", st.State, st.Error, st.Progress["orders"].RecordsWritten)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "orders/s")
		b.ReportMetric(peakRSS(g.cmd.Process.Pid), "gateway-peak-MiB")
		b.ReportMetric(childPeakRSS(g.cmd.Process.Pid, "supplyhub-plugin-shopify"), "plugin-peak-MiB")
		g.kill()
		fake.Close()
	}
}

// childPeakRSS returns the peak RSS in MiB of the child of pid whose command
// line contains name, or 0.
func childPeakRSS(pid int, name string) float64 {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var child int
		if _, err := fmt.Sscan(e.Name(), &child); err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 2 || fields[1] != fmt.Sprint(pid) {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", child))
		if strings.Contains(string(cmdline), name) {
			return peakRSS(child)
		}
	}
	return 0
}
