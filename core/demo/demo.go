package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/app"
	"github.com/supplyhub/supplyhub/core/config"
	"github.com/supplyhub/supplyhub/core/dashboard"
	"github.com/supplyhub/supplyhub/core/host"
)

// Config configures Run. Zero fields take the default in their comment.
type Config struct {
	// Gateway is the gateway's configuration: listen address, data
	// directory, plugins directory, store and bus (the embedded default
	// unless configured otherwise).
	Gateway config.Config
	// SKUs is roughly how many distinct SKUs the shops sell together;
	// default 300. Order volume grows with it (about 0.23 orders a day per
	// SKU across the channels before seasonality and growth).
	SKUs int
	// Days is the length of the order history placed before the first
	// sync; default 365.
	Days int
	// Seed makes catalogues, history and traffic reproducible; default 1.
	Seed int64
	// Rate is the number of shop changes per second after the first
	// syncs (each sends one to a few webhooks); default 2; negative for
	// none.
	Rate float64
	// MalformedEvery sends a truncated webhook this often so that the
	// inbox shows a dead letter; default 10m; negative for never.
	MalformedEvery time.Duration
	// Version is reported by /healthz.
	Version string
	// Stdout receives the banner (dashboard URL and token) and progress.
	Stdout io.Writer
	// Stderr receives the gateway's logs.
	Stderr io.Writer
	// Logger overrides the logger built from Gateway.Log on Stderr.
	Logger *slog.Logger
	// Ready, when set, is called once the demo is fully up.
	Ready func(Info)
}

// Info is what the demo prints once it is up.
type Info struct {
	// Addr is the gateway's address; URL its root URL.
	Addr, URL string
	// DashboardURL opens the dashboard (the token travels in the URL's
	// fragment, which browsers do not send to the server).
	DashboardURL string
	// Token is an admin API token created for this run.
	Token string
	// Connections are the ids of the connections the demo created.
	Connections []string
	// Fakes maps each fake upstream to its URL.
	Fakes map[string]string
	// History describes what was placed in each shop before the first sync.
	History map[string]HistoryStats
}

// RequiredPlugins are the plugins the demo launches; Run refuses to start
// when one is missing from the plugins directory.
var RequiredPlugins = []string{"shopify", "carrier", "fx", "customs"}

func (c *Config) setDefaults() {
	if c.SKUs == 0 {
		c.SKUs = 300
	}
	if c.Days == 0 {
		c.Days = 365
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Rate == 0 {
		c.Rate = 2
	}
	if c.MalformedEvery == 0 {
		c.MalformedEvery = 10 * time.Minute
	}
	if c.Stdout == nil {
		c.Stdout = io.Discard
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
}

// Validate checks the demo's own settings.
func (c *Config) Validate() error {
	if c.SKUs < 10 || c.SKUs > 20000 {
		return fmt.Errorf("demo: --skus %d must be between 10 and 20000", c.SKUs)
	}
	if c.Days < 28 || c.Days > 3*365 {
		return fmt.Errorf("demo: --days %d must be between 28 and 1095 (the forecasts need four weeks of history)", c.Days)
	}
	if c.Rate > 200 {
		return fmt.Errorf("demo: --rate %v is above 200 changes a second; the fakes and a laptop's disk would not keep up", c.Rate)
	}
	return nil
}

// CheckPlugins returns an error naming the missing plugins and the command
// that builds them, or nil when every required plugin and the lock file
// are in dir.
func CheckPlugins(dir string) error {
	var missing []string
	for _, p := range RequiredPlugins {
		if _, err := os.Stat(filepath.Join(dir, host.BinaryPrefix+p)); err != nil {
			missing = append(missing, host.BinaryPrefix+p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("demo: %s missing from the plugins directory %s: run make build (or make demo, which builds first)", strings.Join(missing, ", "), dir)
	}
	if _, err := os.Stat(filepath.Join(dir, host.LockFileName)); err != nil {
		return fmt.Errorf("demo: no %s in %s, so the plugins cannot be verified: run make build (it locks them), or supplyhub plugins lock --plugins-dir %s", host.LockFileName, dir, dir)
	}
	return nil
}

// Channels returns the demo's Shopify storefront for a demo of about skus
// SKUs: a US web store selling the head of the range (about an eighth of
// the SKUs) at volume, with weekend peaks, a December season, strong
// growth and the retail promotions, buyers in seven markets. The Amazon
// seller sells the long tail.
func Channels(skus int, seed int64, from, to time.Time) []Channel {
	ny, _ := time.LoadLocation("America/New_York")
	evening := [24]float64{0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 0.9, 1, 1, 1.1, 1.3, 1.2, 1.1, 1.1, 1.2, 1.3, 1.5, 1.8, 2, 1.8, 1.2, 0.5}
	return []Channel{
		{ID: "webstore", Name: "Web store (Shopify, USD)", Domain: "supplyhub-demo-web.myshopify.com", Currency: "USD", Timezone: "America/New_York",
			Products: max(9, int(float64(skus)*0.12/1.8+0.5)), Seed: seed, Share: 1,
			Pattern: Pattern{Base: 0.2 * float64(skus), Growth: 0.35, YearlyAmplitude: 0.3, YearlyPeak: 345,
				Weekly:     [7]float64{1.2, 1.0, 0.9, 0.9, 0.95, 1.05, 1.3},
				Promotions: RetailCalendar(from, to, ny, 1), Hourly: evening}},
	}
}

// Run starts the fakes, the gateway with its plugins and dashboard,
// creates the connections and runs the first syncs through the HTTP API,
// prints the dashboard URL and a token, and keeps the fakes sending
// webhooks until ctx ends. It returns nil after a clean shutdown.
func Run(ctx context.Context, cfg Config) error {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := cfg.Gateway.Validate(); err != nil {
		return err
	}
	if err := CheckPlugins(cfg.Gateway.Plugins.Dir); err != nil {
		return err
	}
	out := cfg.Stdout
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	logf := func(format string, args ...any) {}
	if cfg.Logger != nil {
		logf = func(format string, args ...any) { cfg.Logger.Debug(fmt.Sprintf(format, args...)) }
	}
	start := time.Now()
	now := start
	from := midnight(now).AddDate(0, 0, -cfg.Days)
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0xDE30))

	// The fakes: the web store and the Amazon seller with a year of
	// history, carriers, ECB rates.
	info := Info{Fakes: map[string]string{}, History: map[string]HistoryStats{}}
	var shops []*shop
	defer func() {
		for _, s := range shops {
			s.srv.Close()
		}
	}()
	for _, ch := range Channels(cfg.SKUs, cfg.Seed, from, now) {
		s, err := newShop(ch, now, logf)
		if err != nil {
			return err
		}
		shops = append(shops, s)
		st, err := s.seedHistory(r, cfg.Days, now)
		if err != nil {
			return err
		}
		outs, err := s.seedStock(r, now)
		if err != nil {
			return err
		}
		info.History[ch.ID] = st
		info.Fakes[ch.ID] = s.srv.URL
		say("fake shop %-9s %s: %d SKUs, %d orders over %d days (%d fulfilled, %d refunded, %d cancelled), %d item-locations out of stock",
			ch.ID, s.srv.URL, len(s.items), st.Orders, cfg.Days, st.Fulfilled, st.Refunded, st.Cancelled, outs)
	}
	var amazon *seller
	if _, err := os.Stat(filepath.Join(cfg.Gateway.Plugins.Dir, host.BinaryPrefix+"amazon")); err == nil {
		if amazon, err = newSeller(cfg.SKUs, cfg.Days, cfg.Seed); err != nil {
			return err
		}
		defer amazon.srv.Close()
		orders, skus := amazon.stats()
		info.Fakes[amazonConnection] = amazon.srv.URL
		var mps []string
		for _, mp := range amazon.mps {
			mps = append(mps, mp+" ("+amazon.srv.Marketplaces()[mp]+")")
		}
		say("fake Amazon seller %s: %d SKUs on marketplaces %s, %d orders over %d days (FBA and merchant-fulfilled)",
			amazon.srv.URL, skus, strings.Join(mps, " and "), orders, cfg.Days)
	} else {
		say("no %s%s in %s: the demo runs without its Amazon channel (make build builds it)", host.BinaryPrefix, "amazon", cfg.Gateway.Plugins.Dir)
	}
	carrier, err := StartFake("carrier", FakeOptions{Seed: cfg.Seed, Logf: logf})
	if err != nil {
		return err
	}
	defer carrier.Close()
	fx, err := StartFake("fx", FakeOptions{Seed: cfg.Seed, Logf: logf})
	if err != nil {
		return err
	}
	defer fx.Close()
	info.Fakes["carriers"], info.Fakes["fx"] = carrier.URL, fx.URL
	say("fake carriers %s (USPS, UPS, DHL Express), fake ECB rates %s", carrier.URL, fx.URL)

	// The gateway, in this process; its plugins run as processes.
	a, err := app.New(ctx, cfg.Gateway, app.Options{Version: cfg.Version, Logger: cfg.Logger, Stderr: cfg.Stderr})
	if err != nil {
		return err
	}
	defer a.Close()
	token, _, err := api.IssueToken(ctx, a.Store, "demo "+now.UTC().Format(time.RFC3339), []string{string(api.ScopeAdmin)})
	if err != nil {
		return fmt.Errorf("demo: create an API token: %w", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan string, 1)
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(runCtx, func(addr string) { ready <- addr }) }()
	select {
	case info.Addr = <-ready:
	case err := <-runErr:
		if err == nil {
			err = errors.New("demo: the gateway stopped before it served")
		}
		return err
	case <-ctx.Done():
		return <-runErr
	}
	info.URL = "http://" + info.Addr
	info.Token = token
	info.DashboardURL = info.URL + dashboard.Path + "#token=" + token
	c := newClient(info.URL, token)

	// Connections and first syncs, through the API.
	webhookURL := func(s *shop) string { return info.URL + "/webhooks/" + s.ch.ID }
	type conn struct {
		id, connector, name string
		config              map[string]any
	}
	conns := []conn{
		{"carriers", "carrier", "Carriers (EasyPost: USPS, UPS, DHL Express)", carrier.Connection},
		{"fx", "fx", "ECB reference rates", fx.Connection},
		{"customs", "customs", "Customs duties and taxes", map[string]any{}},
	}
	for _, s := range shops {
		conns = append(conns, conn{s.ch.ID, "shopify", s.ch.Name, map[string]any{
			"shop_domain": s.ch.Domain, "access_token": s.token, "client_secret": s.secret, "api_version": "2026-01",
			"base_url": s.srv.URL, "bulk_threshold": 500,
		}})
	}
	if amazon != nil {
		acfg, err := amazon.connection(info.URL+"/webhooks/"+amazonConnection, cfg.Days)
		if err != nil {
			return err
		}
		conns = append(conns, conn{amazonConnection, "amazon", "Amazon EU (Amazon.de, Amazon.co.uk)", acfg})
	}
	for _, cn := range conns {
		if err := ensureConnection(ctx, c, cn.id, cn.connector, cn.name, cn.config); err != nil {
			return err
		}
		info.Connections = append(info.Connections, cn.id)
	}
	say("connections created: %s", strings.Join(info.Connections, ", "))
	var jobs []syncJob
	sources := []string{}
	for _, s := range shops {
		sources = append(sources, s.ch.ID)
	}
	if amazon != nil {
		sources = append(sources, amazonConnection)
	}
	for _, id := range sources {
		var j syncJob
		if err := c.do(ctx, http.MethodPost, "/v1/connections/"+id+"/syncs", map[string]any{"mode": "full"}, &j); err != nil {
			return fmt.Errorf("demo: start the first sync of %s: %w", id, err)
		}
		jobs = append(jobs, j)
	}
	if err := waitSyncs(ctx, c, jobs, say); err != nil {
		return err
	}
	for _, s := range shops {
		s.srv.StartWebhookDelivery(webhookURL(s))
	}
	if err := c.do(ctx, http.MethodPost, "/v1/forecasts/run", map[string]any{}, nil); err != nil {
		say("forecast run not started: %v", err)
	} else {
		say("forecast run started")
	}

	t := &traffic{shops: shops, seller: amazon, rate: cfg.Rate, malformedEvery: cfg.MalformedEvery, webhookURL: webhookURL, logf: logf,
		r: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7AFF1C))}
	if cfg.MalformedEvery < 0 {
		t.malformedEvery = 0
	}
	trafficDone := make(chan struct{})
	go func() { defer close(trafficDone); t.run(runCtx) }()

	rule := strings.Repeat("─", 78)
	say("\n%s\n  Supplyhub demo is up (%s).\n", rule, time.Since(start).Round(100*time.Millisecond))
	say("  Dashboard   %s", info.DashboardURL)
	say("  API         %s/v1   (every endpoint: %s/openapi.json)", info.URL, info.URL)
	say("  API token   %s   (admin; send it as \"Authorization: Bearer <token>\")", token)
	if cfg.Rate > 0 {
		say("\n  The fakes now change at about %.3g changes a second (orders, fulfilments,", cfg.Rate)
		say("  refunds, stock): the shop sends signed webhooks, Amazon's notifications come")
		say("  through SQS and the plugin's relay. A truncated delivery arrives every %s", t.malformedEvery)
		say("  so that the inbox has a dead letter to inspect and replay. Stop with Ctrl-C.")
	}
	say("%s", rule)
	if cfg.Ready != nil {
		cfg.Ready(info)
	}

	select {
	case <-ctx.Done():
	case err := <-runErr:
		stop()
		<-trafficDone
		return err
	}
	stop()
	<-trafficDone
	st := t.Stats()
	say("demo stopped: live traffic placed %d orders, %d fulfilments, %d refunds, %d cancellations, %d edits, %d stock changes in the shop; %d orders, %d shipments, %d FBA stock changes on Amazon",
		st.Orders, st.Fulfilments, st.Refunds, st.Cancellations, st.Updates, st.StockChanges, st.AmazonOrders, st.AmazonShipments, st.AmazonStock)
	return <-runErr
}

// ensureConnection creates a connection, or updates the configuration of
// one a previous run left in the same data directory (the fakes listen on
// new ports each run).
func ensureConnection(ctx context.Context, c *client, id, connector, name string, cfg map[string]any) error {
	err := c.do(ctx, http.MethodPost, "/v1/connections", map[string]any{"id": id, "connector": connector, "name": name, "config": cfg}, nil)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusConflict {
		err = c.do(ctx, http.MethodPatch, "/v1/connections/"+id, map[string]any{"config": cfg, "status": "active"}, nil)
	}
	if err != nil {
		return fmt.Errorf("demo: connection %s (%s): %w", id, connector, err)
	}
	return nil
}

// syncJob is the part of a sync job the demo reads.
type syncJob struct {
	ID         string `json:"id"`
	Connection string `json:"connection"`
	State      string `json:"state"`
	Error      string `json:"error"`
	Progress   map[string]struct {
		RecordsRead    int64 `json:"records_read"`
		RecordsWritten int64 `json:"records_written"`
		Done           bool  `json:"done"`
	} `json:"progress"`
}

func (j syncJob) ended() bool {
	return j.State == "succeeded" || j.State == "failed" || j.State == "cancelled"
}

func (j syncJob) records() (read, written int64) {
	for _, p := range j.Progress {
		read += p.RecordsRead
		written += p.RecordsWritten
	}
	return
}

// waitSyncs polls the jobs until they end, reporting progress every few
// seconds; a failed or cancelled job is an error.
func waitSyncs(ctx context.Context, c *client, jobs []syncJob, say func(string, ...any)) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastSay := time.Now()
	for {
		all := true
		var parts []string
		for i := range jobs {
			if !jobs[i].ended() {
				if err := c.do(ctx, http.MethodGet, "/v1/syncs/"+jobs[i].ID, nil, &jobs[i]); err != nil {
					return fmt.Errorf("demo: follow sync %s: %w", jobs[i].ID, err)
				}
			}
			read, written := jobs[i].records()
			parts = append(parts, fmt.Sprintf("%s %s (%d read, %d stored)", jobs[i].Connection, jobs[i].State, read, written))
			all = all && jobs[i].ended()
		}
		if all || time.Since(lastSay) > 3*time.Second {
			say("first syncs: %s", strings.Join(parts, "; "))
			lastSay = time.Now()
		}
		if all {
			for _, j := range jobs {
				if j.State != "succeeded" {
					return fmt.Errorf("demo: the first sync of %s %s: %s", j.Connection, j.State, j.Error)
				}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
