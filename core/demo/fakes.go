package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
	"github.com/supplyhub/supplyhub/connectors/carrier/carriertest"
	"github.com/supplyhub/supplyhub/connectors/fx/fxtest"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
)

// FakeKinds are the upstreams "supplyhub fake" knows, in the order its
// help lists them.
var FakeKinds = []string{"shopify", "amazon", "carrier", "fx", "customs"}

// ErrNoUpstream is returned by StartFake for a connector that has no
// upstream to fake.
var ErrNoUpstream = errors.New("no upstream to fake")

// FakeOptions configure StartFake.
type FakeOptions struct {
	// Addr is the listen address, e.g. 127.0.0.1:9001; empty picks a free
	// loopback port.
	Addr string
	// Orders is the number of generated orders (shopify, amazon); default
	// 1000; negative is an error.
	Orders int
	// Seed makes the generated data reproducible.
	Seed int64
	// Logf receives a line per notable event of the fake; nil discards.
	Logf func(format string, args ...any)
}

// Fake is a running fake upstream.
type Fake struct {
	// Kind is one of FakeKinds.
	Kind string
	// URL is the fake's root URL on Addr.
	URL string
	// Connection is a configuration for the connector that points it at
	// the fake, as POST /v1/connections takes it.
	Connection map[string]any
	// Notes are lines for people: credentials, what the fake serves.
	Notes []string
	// Shopify is the fake shop, for kind shopify.
	Shopify *shopifytest.Server

	srv   *http.Server
	close []func()
}

// Close stops the fake.
func (f *Fake) Close() {
	if f.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		f.srv.Shutdown(ctx) //nolint:errcheck // best effort on the way out
	}
	for _, c := range f.close {
		c()
	}
}

// StartFake runs one fake upstream on opts.Addr: the fake Shopify shop, the
// fake Amazon seller account (SP-API, Login with Amazon and SQS), the
// carrier APIs (EasyPost- and Shippo-shaped) or the ECB rate feeds.
// Customs has no upstream (its rule table ships inside the plugin) and
// returns ErrNoUpstream with what to do instead.
func StartFake(kind string, opts FakeOptions) (*Fake, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.Orders == 0 {
		opts.Orders = 1000
	}
	if opts.Orders < 0 {
		return nil, fmt.Errorf("%s: --orders %d must not be negative", kind, opts.Orders)
	}
	switch kind {
	case "shopify":
		return startShopifyFake(opts)
	case "carrier":
		c := carriertest.NewServer()
		f, err := serveFake(kind, opts.Addr, c.Config.Handler, c.Close)
		if err != nil {
			return nil, err
		}
		f.Connection = carrierConnection(f.URL)
		f.Notes = []string{
			"EasyPost-shaped API at " + f.URL + "/v2 (HTTP Basic, API key " + carriertest.EasyPostKey + ")",
			"Shippo-shaped API at " + f.URL + " (Authorization: ShippoToken " + carriertest.ShippoToken + ")",
			"carriers: USPS, UPS and DHL Express with their services, zone prices and tracking",
		}
		return f, nil
	case "fx":
		x := fxtest.NewServer()
		publishRates(x, time.Now(), 400, uint64(opts.Seed))
		f, err := serveFake(kind, opts.Addr, x.Config.Handler, x.Close)
		if err != nil {
			return nil, err
		}
		f.Connection = map[string]any{"source": "ecb", "base_url": f.URL + fxtest.FeedPath}
		f.Notes = []string{
			"ECB euro reference rates at " + f.URL + fxtest.FeedPath + "/eurofxref-daily.xml (also -hist-90d.xml, -hist.xml, -hist.zip)",
			"rates for every weekday of the last 400 days (a seeded random walk), plus the fake's fixed sample days",
		}
		return f, nil
	case "customs":
		return nil, fmt.Errorf("customs: %w: its duty and tax rule table ships inside the customs plugin (connectors/customs/rules), so create a customs connection with the configuration {} and it works offline", ErrNoUpstream)
	case "amazon":
		return startAmazonFake(opts)
	}
	return nil, fmt.Errorf("unknown fake %q: use one of %s", kind, strings.Join(FakeKinds, ", "))
}

func startShopifyFake(opts FakeOptions) (*Fake, error) {
	orders := opts.Orders
	const token, secret, domain = "shpat_fake", "fake-client-secret", "supplyhub-fake.myshopify.com"
	srv, err := shopifytest.NewUnstartedServer(shopifytest.Options{Shop: domain, ShopName: "Supplyhub fake shop", Token: token,
		ClientSecret: secret, Orders: orders, Seed: opts.Seed, Logf: opts.Logf, Until: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return nil, fmt.Errorf("shopify: %w", err)
	}
	f, err := serveFake("shopify", opts.Addr, srv, srv.Close)
	if err != nil {
		return nil, err
	}
	srv.URL = f.URL
	f.Shopify = srv
	f.Connection = map[string]any{"shop_domain": domain, "access_token": token, "client_secret": secret, "api_version": "2026-01", "base_url": f.URL}
	f.Notes = []string{
		fmt.Sprintf("Admin API (GraphQL and REST) of %s with %d generated orders over the last year, seed %d", domain, orders, opts.Seed),
		"access token " + token + " (X-Shopify-Access-Token); webhooks are signed with the client secret " + secret,
	}
	return f, nil
}

func startAmazonFake(opts FakeOptions) (*Fake, error) {
	orders := opts.Orders
	a, err := amazontest.NewServer(amazontest.Options{Orders: orders, Seed: uint64(opts.Seed), HistoryDays: 90})
	if err != nil {
		return nil, fmt.Errorf("amazon: %w", err)
	}
	f, err := serveFake("amazon", opts.Addr, a, a.Close)
	if err != nil {
		return nil, err
	}
	// Every URL the fake hands out (configuration, queue, report
	// documents) names the address it was asked to serve on.
	a.URL = f.URL
	a.QueueURL = f.URL + "/" + amazontest.DefaultAccountID + "/" + amazontest.DefaultQueueName
	if err := json.Unmarshal(a.Config(nil), &f.Connection); err != nil {
		f.Close()
		return nil, fmt.Errorf("amazon: the fake's configuration: %w", err)
	}
	var mps []string
	for mp, cur := range a.Marketplaces() {
		mps = append(mps, mp+" ("+cur+")")
	}
	sort.Strings(mps)
	f.Notes = []string{
		fmt.Sprintf("Selling Partner API with %d generated orders over the last 90 days on %s, seed %d", orders, strings.Join(mps, " and "), opts.Seed),
		"Login with Amazon at " + f.URL + "/auth/o2/token; notifications queue in SQS at " + a.QueueURL,
		"set sqs_poll and gateway_webhook_url (the gateway's /webhooks/<connection>) to have the plugin relay notifications",
	}
	return f, nil
}

// serveFake serves h on addr (a free loopback port when empty).
func serveFake(kind, addr string, h http.Handler, closeFn func()) (*Fake, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		closeFn()
		return nil, fmt.Errorf("%s: listen on %s: %w (is the port taken? choose another with --addr)", kind, addr, err)
	}
	f := &Fake{Kind: kind, URL: "http://" + ln.Addr().String(), close: []func(){closeFn}}
	f.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go f.srv.Serve(ln) //nolint:errcheck // ends with Close
	return f, nil
}

// carrierConnection is the carrier connector's configuration for the fake
// at url: every carrier account on the EasyPost-shaped API, tracking
// webhooks signed with a demo secret.
func carrierConnection(url string) map[string]any {
	var accounts []map[string]string
	for _, c := range carriertest.Carriers {
		accounts = append(accounts, map[string]string{"id": c.EasyPostAccount, "carrier": c.Name})
	}
	return map[string]any{
		"easypost":         map[string]any{"base_url": url + "/v2", "carrier_accounts": accounts},
		"easypost_api_key": carriertest.EasyPostKey, "webhook_secret": "demo-carrier-webhook-secret", "rate_timeout": "2s",
	}
}

// ecbBase are the reference rates (units per euro) the demo's random walk
// starts from.
var ecbBase = map[string]float64{"USD": 1.08, "GBP": 0.85, "CAD": 1.50, "AUD": 1.65, "JPY": 163, "CHF": 0.94, "SEK": 11.3, "DKK": 7.46, "PLN": 4.30}

// publishRates publishes an ECB day for every weekday of the days before
// now (inclusive), a seeded random walk of about 0.35 % a day per
// currency, printed as the ECB prints them (four significant decimals).
func publishRates(x *fxtest.Server, now time.Time, days int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0xECB))
	cur := make([]string, 0, len(ecbBase))
	for c := range ecbBase {
		cur = append(cur, c)
	}
	sort.Strings(cur)
	level := map[string]float64{}
	for _, c := range cur {
		level[c] = ecbBase[c]
	}
	day := midnight(now.UTC()).AddDate(0, 0, -days)
	for ; !day.After(now); day = day.AddDate(0, 0, 1) {
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			continue
		}
		rates := map[string]string{}
		for _, c := range cur {
			level[c] *= math.Exp(0.0035 * r.NormFloat64())
			prec := 4
			if level[c] >= 100 {
				prec = 2
			}
			rates[c] = strconv.FormatFloat(level[c], 'f', prec, 64)
		}
		x.SetDay(day.Format(time.DateOnly), rates)
	}
}
