package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/dashboard/browsertest"
	"github.com/supplyhub/supplyhub/core/host"
)

// demoBuild builds the supplyhub binary and the five plugins the demo
// launches into a locked plugins directory of the test's own.
func demoBuild(t *testing.T) (bin, plugins string) {
	t.Helper()
	dir := t.TempDir()
	plugins = filepath.Join(dir, "plugins")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	targets := [][2]string{{filepath.Join(dir, "supplyhub"), "./cmd/supplyhub"}}
	for _, p := range []string{"shopify", "amazon", "carrier", "fx", "customs"} {
		targets = append(targets, [2]string{filepath.Join(plugins, host.BinaryPrefix+p), "./plugins/" + p})
	}
	for _, b := range targets {
		cmd := exec.Command(gobin, "build", "-o", b[0], b[1])
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	if _, err := host.Lock(plugins, filepath.Join(plugins, host.LockFileName)); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "supplyhub"), plugins
}

// screenshotDir is where the dashboard test saves its screenshots:
// $SUPPLYHUB_SCREENSHOTS, else a directory under the system's temp dir
// that outlives the test so that they can be looked at.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("SUPPLYHUB_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "supplyhub-dashboard-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDemoDashboard starts "supplyhub demo" as users do (a small shop),
// opens the dashboard in headless Chromium, checks that every page shows
// the gateway's live data, starts a sync and watches it finish over SSE,
// replays a dead letter and sees the replay's result, and saves a
// screenshot of each page.
func TestDemoDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gateway and its plugins, runs the demo and a browser; skipped with -short")
	}
	chromium, ok := browsertest.Find()
	if !ok {
		t.Skip("no Chromium on this machine: apt-get install chromium (.ci/apt-packages lists it, so CI runs this test)")
	}
	start := time.Now()
	bin, plugins := demoBuild(t)
	t.Logf("built the binary and five plugins in %v", time.Since(start).Round(time.Millisecond))

	// supplyhub demo, as a process.
	addr := freeAddr(t)
	demo := exec.Command(bin, "demo", "--addr", addr, "--data-dir", t.TempDir(), "--plugins-dir", plugins,
		"--skus", "60", "--days", "365", "--rate", "4", "--malformed-every", "30s", "--seed", "3")
	demo.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "SUPPLYHUB_INGRESS_POLL=50ms"}
	stdout, err := demo.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	demo.Stderr = stderr
	demoStart := time.Now()
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if demo.ProcessState == nil {
			demo.Process.Kill() //nolint:errcheck
			demo.Wait()         //nolint:errcheck
		}
	})
	out := &syncBuffer{}
	banner := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			fmt.Fprintln(out, sc.Text())
			if strings.Contains(sc.Text(), "Stop with Ctrl-C") {
				once.Do(func() { close(banner) })
			}
		}
	}()
	select {
	case <-banner:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the demo did not come up within 3 minutes:\n%s\n%s", out, stderr)
	}
	upIn := time.Since(demoStart)
	t.Logf("supplyhub demo --skus 60 --days 365 was up in %v:\n%s", upIn.Round(100*time.Millisecond), out)
	m := regexp.MustCompile(`Dashboard\s+(http://\S+/dashboard/)#token=(shk_[a-z0-9]+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no dashboard URL with a token in the banner:\n%s", out)
	}
	dashURL, token := m[1], m[2]
	if !strings.Contains(out.String(), "API token   "+token) {
		t.Fatalf("the banner does not print the token on its own line:\n%s", out)
	}
	for _, want := range []string{"fake shop webstore", "fake Amazon seller", "first syncs: webstore succeeded", "amazon succeeded"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("the demo did not say %q:\n%s", want, out)
		}
	}
	// core/app always mounts the planning routes, so the planning pages
	// must show live data, never their "not available" fallback.
	served := openAPIPaths(t, addr)
	for _, p := range []string{"/v1/forecasts", "/v1/forecasts/run", "/v1/replenishment", "/v1/route/decisions"} {
		if !served[p] {
			t.Fatalf("the gateway does not document %s", p)
		}
	}

	// The browser.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	b, err := browsertest.Launch(ctx, browsertest.Options{Path: chromium, Width: 1440, Height: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.NewPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shots := screenshotDir(t)
	shoot := func(name string) {
		t.Helper()
		var leak string
		err := p.Eval(ctx, `(() => { const c = document.querySelector('main').cloneNode(true); c.querySelectorAll('pre').forEach(e => e.remove()); const m = /null|undefined|NaN|\[object /.exec(c.textContent); return m ? m[0] : ''; })()`, &leak)
		if err != nil && !strings.HasPrefix(name, "failed-") {
			t.Errorf("the %s page: look for leaked values: %v", name, err)
		}
		if leak != "" && !strings.HasPrefix(name, "failed-") {
			t.Errorf("the %s page shows %q", name, leak)
		}
		path := filepath.Join(shots, name+".png")
		if err := p.Screenshot(ctx, path, false); err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
	}
	wait := func(what, cond string, d time.Duration) {
		t.Helper()
		if err := p.WaitFor(ctx, cond, d); err != nil {
			shoot("failed-" + regexp.MustCompile(`\W+`).ReplaceAllString(what, "-"))
			t.Fatalf("%s: %v\nconsole: %v", what, err, p.Console())
		}
	}
	if err := p.Navigate(ctx, dashURL+"#token="+token); err != nil {
		t.Fatal(err)
	}

	// Connections: the web store and Amazon synced, plugins running, webhooks arriving.
	wait("connections", `document.querySelector('#connections tr[data-connection="webstore"]') && document.querySelector('#connections tr[data-connection="amazon"]')`, 20*time.Second)
	var hash string
	p.Eval(ctx, "location.hash", &hash) //nolint:errcheck
	if strings.Contains(hash, "token") {
		t.Fatalf("the token stayed in the URL: %s", hash)
	}
	var conns struct {
		Items []struct {
			ID     string `json:"id"`
			Health struct {
				LastSync struct {
					ID string `json:"id"`
				} `json:"last_sync"`
			} `json:"health"`
		} `json:"items"`
	}
	apiCall(t, addr, token, "GET", "/v1/connections", nil, &conns)
	for _, c := range conns.Items {
		if c.ID == "webstore" {
			wait("webstore's last sync as the API has it", fmt.Sprintf(`document.querySelector('#connections tr[data-connection="webstore"]').innerText.includes('#%s')`, c.Health.LastSync.ID), 10*time.Second)
		}
	}
	wait("webhooks arriving", `(() => { const r = document.querySelector('#connections tr[data-connection="webstore"] .rate'); return r && parseFloat(r.textContent.replace(/[^0-9.]/g, '')) > 0; })()`, 40*time.Second)
	wait("plugin processes", `document.querySelectorAll('#plugins tbody tr').length >= 5 && !document.querySelector('#plugins').innerText.includes('crashed')`, 10*time.Second)
	wait("Amazon notifications relayed", `(() => { const r = document.querySelector('#connections tr[data-connection="amazon"] .rate'); return r && parseFloat(r.textContent.replace(/[^0-9.]/g, '')) > 0; })()`, 60*time.Second)
	shoot("connections")

	// Syncs: start an incremental sync of the web store and watch it end.
	var before struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	apiCall(t, addr, token, "GET", "/v1/syncs?limit=1", nil, &before)
	p.Eval(ctx, "location.hash = '#/syncs'", nil) //nolint:errcheck
	wait("sync form", `document.querySelector('#sync-connection option[value="webstore"]')`, 10*time.Second)
	if err := p.Eval(ctx, `document.getElementById('sync-connection').value = 'webstore'`, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Click(ctx, "#start-sync-button"); err != nil {
		t.Fatal(err)
	}
	wait("sync queued", `[...document.querySelectorAll('.flash')].some(f => /Sync job #\d+ queued for webstore/.test(f.innerText))`, 10*time.Second)
	var jobID string
	p.Eval(ctx, `(/Sync job #(\d+) queued/.exec([...document.querySelectorAll('.flash')].map(f => f.innerText).join(' ')) || [])[1] || ''`, &jobID) //nolint:errcheck
	if jobID == "" || len(before.Items) > 0 && jobID == before.Items[0].ID {
		t.Fatalf("no new job id in the page (%q)", jobID)
	}
	wait("the new job succeeds on the page", fmt.Sprintf(`document.querySelector('tr[data-job="%s"][data-state="succeeded"]')`, jobID), 60*time.Second)
	var job struct {
		State, Trigger, Mode string
	}
	apiCall(t, addr, token, "GET", "/v1/syncs/"+jobID, nil, &job)
	if job.State != "succeeded" || job.Trigger != "api" || job.Mode != "incremental" {
		t.Fatalf("the API has job %s as %+v", jobID, job)
	}
	shoot("syncs")

	// Webhook inbox: the planted truncated delivery is a dead letter with
	// the parser's reason; replay it and see the result.
	p.Eval(ctx, "location.hash = '#/inbox?status=dead'", nil) //nolint:errcheck
	wait("a dead letter with its reason", `document.querySelector('#inbox-events tr[data-status="dead"]') && document.querySelector('#inbox-events').innerText.includes('not the expected JSON')`, 60*time.Second)
	var deadID string
	p.Eval(ctx, `document.querySelector('#inbox-events tr[data-status="dead"]').dataset.event`, &deadID) //nolint:errcheck
	var ev struct {
		Status    string    `json:"status"`
		Attempts  int       `json:"attempts"`
		NextAt    time.Time `json:"next_attempt_at"`
		LastError string    `json:"last_error"`
	}
	apiCall(t, addr, token, "GET", "/v1/webhooks/events/"+deadID, nil, &ev)
	failedAt := ev.NextAt
	if ev.Status != "dead" || failedAt.IsZero() {
		t.Fatalf("event %s before the replay: %+v", deadID, ev)
	}
	if err := p.Click(ctx, fmt.Sprintf(`#inbox-events button[data-replay="%s"]`, deadID)); err != nil {
		t.Fatal(err)
	}
	wait("replay result", fmt.Sprintf(`[...document.querySelectorAll('.flash')].some(f => f.innerText.includes('Event #%s: queued for processing'))`, deadID), 10*time.Second)
	// The replay made the event due with fresh attempts; the plugin parses
	// the truncated body again and it is dead-lettered again, later.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		apiCall(t, addr, token, "GET", "/v1/webhooks/events/"+deadID, nil, &ev)
		if ev.Status == "dead" && ev.NextAt.After(failedAt) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if ev.Status != "dead" || !ev.NextAt.After(failedAt) || ev.Attempts != 1 || !strings.Contains(ev.LastError, "not the expected JSON") {
		t.Fatalf("the replayed event was not processed again: %+v (first failure recorded %v)", ev, failedAt)
	}
	wait("the replayed event back among the dead letters", fmt.Sprintf(`document.querySelector('#inbox-events tr[data-event="%s"][data-status="dead"]')`, deadID), 15*time.Second)
	if err := p.Click(ctx, fmt.Sprintf(`#inbox-events tr[data-event="%s"] a`, deadID)); err != nil {
		t.Fatal(err)
	}
	wait("dead letter detail with headers and body", `!document.getElementById('inbox-detail').hidden && document.getElementById('inbox-detail').innerText.includes('X-Shopify-Topic')`, 10*time.Second)
	shoot("inbox")

	// Forecasts, replenishment and routing: live data.
	waitForecastRun(t, addr, token)
	var fc struct {
		Items []struct {
			SKU        string `json:"sku"`
			LocationID string `json:"location_id"`
			Method     string `json:"method"`
		} `json:"items"`
	}
	apiCall(t, addr, token, "GET", "/v1/forecasts?limit=1000", nil, &fc)
	if len(fc.Items) == 0 {
		t.Fatal("the forecast run stored no forecast")
	}
	f := fc.Items[len(fc.Items)/2]
	p.Eval(ctx, fmt.Sprintf("location.hash = '#/forecasts?sku=%s&location=%s'", url.QueryEscape(f.SKU), url.QueryEscape(f.LocationID)), nil) //nolint:errcheck
	wait("forecast chart", fmt.Sprintf(`document.querySelector('#forecast-chart canvas') && document.getElementById('forecast-method') && document.getElementById('forecast-method').textContent === %q && document.querySelector('#forecast-chart h2').innerText.startsWith(%q)`, f.Method, f.SKU), 30*time.Second)
	wait("forecast list", fmt.Sprintf(`document.querySelectorAll('#forecast-list tbody tr').length === Math.min(300, %d)`, len(fc.Items)), 10*time.Second)
	shoot("forecasts")
	for _, pg := range []struct{ page, rows string }{
		{"replenishment", "#replenishment-list tbody tr, #replenishment-list .empty"},
		{"routing", "#routing-decisions details.decision, #routing-decisions .empty"},
	} {
		p.Eval(ctx, "location.hash = '#/"+pg.page+"'", nil) //nolint:errcheck
		wait(pg.page, fmt.Sprintf(`document.querySelector(%q) && !document.querySelector('main .error-box') && !document.querySelector('.not-available')`, pg.rows), 30*time.Second)
		if pg.page == "routing" {
			// A routed order shows its shipments, the rates shopped
			// and the explanation once opened.
			wait("a routed order", `document.querySelector('#routing-decisions details.decision[data-outcome="routed"]')`, 60*time.Second)
			p.Eval(ctx, `document.querySelector('#routing-decisions details.decision[data-outcome="routed"]').open = true`, nil) //nolint:errcheck
			wait("its rates and explanation", `(() => { const d = document.querySelector('#routing-decisions details.decision[data-outcome="routed"][open]'); return d && d.querySelector('.shipment') && d.querySelector('table.rates tr.selected') && d.querySelector('.explanation'); })()`, 15*time.Second)
		}
		shoot(pg.page)
	}
	for _, e := range p.Errors() {
		t.Errorf("dashboard error: %s", e)
	}
	t.Logf("screenshots in %s", shots)

	// Ctrl-C stops the demo cleanly.
	demo.Process.Signal(os.Interrupt) //nolint:errcheck
	exited := make(chan error, 1)
	go func() { exited <- demo.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the demo exited with %v after Ctrl-C:\n%s", err, stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop within 30 s of Ctrl-C")
	}
	time.Sleep(100 * time.Millisecond)
	if !strings.Contains(out.String(), "demo stopped: live traffic placed") {
		t.Fatalf("no summary after Ctrl-C:\n%s", out)
	}
}

// openAPIPaths returns the paths the running gateway documents.
func openAPIPaths(t *testing.T, addr string) map[string]bool {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for k := range doc.Paths {
		out[k] = true
	}
	return out
}

// waitForecastRun waits for the forecast run the demo started to end.
func waitForecastRun(t *testing.T, addr, token string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var st struct {
		State string `json:"state"`
		Error string `json:"error"`
	}
	for time.Now().Before(deadline) {
		apiCall(t, addr, token, "GET", "/v1/forecasts/run", nil, &st)
		if st.State == "succeeded" {
			return
		}
		if st.State == "failed" {
			t.Fatalf("the forecast run failed: %s", st.Error)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("the forecast run did not end within 2 minutes (state %s)", st.State)
}
