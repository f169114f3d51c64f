package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
)

func testChannel(base float64) Channel {
	return Channel{ID: "shop", Name: "Test shop", Domain: "demo-test.myshopify.com", Currency: "USD", Timezone: "America/New_York",
		Products: 9, Seed: 5, Share: 1, Pattern: Pattern{Base: base, Weekly: [7]float64{1, 1, 1, 1, 1, 1, 3}}}
}

// TestSeedHistoryPlacesThePattern places 60 days in a fake shop and checks
// that the shop holds exactly those orders, at their historical times
// (with the Saturday peak), fulfilled, refunded and cancelled as planned,
// and that no webhook was sent.
func TestSeedHistoryPlacesThePattern(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s, err := newShop(testChannel(30), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.srv.Close()
	st, err := s.seedHistory(rand.New(rand.NewPCG(1, 1)), 60, now)
	if err != nil {
		t.Fatal(err)
	}
	if st.Orders < 1000 || st.Orders != s.srv.OrderCount() {
		t.Fatalf("placed %d orders, the shop holds %d", st.Orders, s.srv.OrderCount())
	}
	if st.Fulfilled < st.Orders*3/4 || st.Refunded == 0 || st.Cancelled == 0 {
		t.Fatalf("follow-ups %+v", st)
	}
	var sat, wed, fulfilled, refunded, cancelled int
	s.srv.EachOrder(func(o shopifytest.OrderSummary) bool {
		at := o.CreatedAt.In(s.loc)
		if at.Before(st.From) || !at.Before(now) {
			t.Errorf("order %s created %v, outside the history", o.GID, at)
		}
		switch at.Weekday() {
		case time.Saturday:
			sat++
		case time.Wednesday:
			wed++
		}
		if o.Fulfillments > 0 {
			fulfilled++
		}
		if o.Refunds > 0 {
			refunded++
		}
		if o.Cancelled {
			cancelled++
		}
		return true
	})
	if r := float64(sat) / float64(wed); r < 2.4 || r > 3.6 {
		t.Fatalf("Saturday/Wednesday orders %d/%d: the weekly pattern did not reach the shop", sat, wed)
	}
	if cancelled != st.Cancelled || refunded == 0 || fulfilled < st.Fulfilled*9/10 {
		t.Fatalf("the shop has %d fulfilled, %d refunded, %d cancelled; the history says %+v", fulfilled, refunded, cancelled, st)
	}
	if len(s.srv.Deliveries()) != 0 {
		t.Fatal("the history sent webhooks before anyone subscribed")
	}
	if got := s.clock.Now(); time.Since(got) > time.Second {
		t.Fatal("the shop's clock did not return to the wall clock")
	}
	recentLines := 0
	for _, p := range s.recent {
		recentLines += len(p.lines)
		if now.Sub(p.at) > recentWindow {
			t.Fatal("an old order is remembered as recent")
		}
	}
	if len(s.recent) == 0 || recentLines < len(s.recent) {
		t.Fatalf("%d recent orders with %d lines", len(s.recent), recentLines)
	}

	outs, err := s.seedStock(rand.New(rand.NewPCG(2, 2)), now)
	if err != nil {
		t.Fatal(err)
	}
	if outs == 0 {
		t.Fatal("no item is out of stock; replenishment would have nothing urgent")
	}
	var stocked int
	for _, it := range s.srv.InventoryItems() {
		if n, ok := s.srv.Available(it.GID, s.newark); ok && n > 0 {
			stocked++
		}
	}
	if stocked == 0 {
		t.Fatal("nothing is in stock in Newark")
	}
}

// receiver is a gateway stand-in that checks each delivery's signature.
type receiver struct {
	secret string
	mu     sync.Mutex
	topics map[string]int
	bad    []string
	broken int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Header.Get("X-Shopify-Hmac-Sha256") != shopifytest.Sign(rc.secret, body) {
		rc.bad = append(rc.bad, r.Header.Get("X-Shopify-Topic"))
		w.WriteHeader(401)
		return
	}
	if !json.Valid(body) {
		rc.broken++
	}
	rc.topics[r.Header.Get("X-Shopify-Topic")]++
}

func TestTrafficSendsSignedWebhooks(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s, err := newShop(testChannel(20), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.srv.Close()
	if _, err := s.seedHistory(rand.New(rand.NewPCG(1, 1)), 30, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.seedStock(rand.New(rand.NewPCG(1, 2)), now); err != nil {
		t.Fatal(err)
	}
	rc := &receiver{secret: s.secret, topics: map[string]int{}}
	gw := httptest.NewServer(rc)
	defer gw.Close()
	s.srv.StartWebhookDelivery(gw.URL + "/webhooks/shop")
	tr := &traffic{shops: []*shop{s}, rate: 200, malformedEvery: time.Hour, webhookURL: func(*shop) string { return gw.URL + "/webhooks/shop" },
		logf: t.Logf, r: rand.New(rand.NewPCG(3, 3))}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	tr.run(ctx)
	cancel()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := s.srv.WaitDeliveries(wctx); err != nil {
		t.Fatal(err)
	}
	st := tr.Stats()
	if st.Orders == 0 || st.Fulfilments == 0 || st.StockChanges == 0 || st.Malformed != 1 {
		t.Fatalf("traffic %+v", st)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Fatalf("%d deliveries with a bad signature: %v", len(rc.bad), rc.bad)
	}
	for _, topic := range []string{"orders/create", "fulfillments/create", "inventory_levels/update", "orders/updated"} {
		if rc.topics[topic] == 0 {
			t.Errorf("no %s webhook (got %v)", topic, rc.topics)
		}
	}
	if int64(rc.topics["orders/create"]) < st.Orders {
		t.Fatalf("%d orders placed, %d orders/create received", st.Orders, rc.topics["orders/create"])
	}
	if rc.broken != 1 {
		t.Fatalf("%d malformed deliveries received, want the one planted", rc.broken)
	}
	// Live orders took their units out of stock.
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.recent) == 0 {
		t.Fatal("no order remembered")
	}
}

func TestTrafficWithoutRateWaits(t *testing.T) {
	t.Parallel()
	tr := &traffic{rate: 0}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	tr.run(ctx)
	if time.Since(start) < 40*time.Millisecond || tr.Stats() != (TrafficStats{}) {
		t.Fatal("a zero rate must do nothing until the context ends")
	}
}

func TestStartFake(t *testing.T) {
	t.Parallel()
	get := func(t *testing.T, url string, hdr map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	t.Run("shopify", func(t *testing.T) {
		t.Parallel()
		f, err := StartFake("shopify", FakeOptions{Orders: 50, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.Shopify.OrderCount() != 50 || f.Connection["base_url"] != f.URL {
			t.Fatalf("orders %d, config %v", f.Shopify.OrderCount(), f.Connection)
		}
		body := []byte(`{"query":"{ shop { name } }"}`)
		req, _ := http.NewRequest("POST", f.URL+"/admin/api/2026-01/graphql.json", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Access-Token", f.Connection["access_token"].(string))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), "Supplyhub fake shop") {
			t.Fatalf("GraphQL on the chosen address: %d %s", resp.StatusCode, b)
		}
	})
	t.Run("carrier", func(t *testing.T) {
		t.Parallel()
		f, err := StartFake("carrier", FakeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		req, _ := http.NewRequest("GET", f.URL+"/v2/events?page_size=1", nil)
		req.SetBasicAuth(f.Connection["easypost_api_key"].(string), "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("EasyPost events: %d", resp.StatusCode)
		}
	})
	t.Run("amazon", func(t *testing.T) {
		t.Parallel()
		f, err := StartFake("amazon", FakeOptions{Orders: 40, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.Connection["endpoint"] != f.URL || !strings.HasPrefix(f.Connection["sqs_queue_url"].(string), f.URL+"/") {
			t.Fatalf("the configuration does not name the chosen address %s: %v", f.URL, f.Connection)
		}
		form := "grant_type=refresh_token&refresh_token=" + f.Connection["refresh_token"].(string) +
			"&client_id=" + f.Connection["lwa_client_id"].(string) + "&client_secret=" + f.Connection["lwa_client_secret"].(string)
		resp, err := http.Post(f.URL+"/auth/o2/token", "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), "access_token") {
			t.Fatalf("token exchange on the chosen address: %d %s", resp.StatusCode, b)
		}
	})
	t.Run("fx", func(t *testing.T) {
		t.Parallel()
		f, err := StartFake("fx", FakeOptions{Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		code, body := get(t, f.Connection["base_url"].(string)+"/eurofxref-daily.xml", nil)
		last := time.Now().UTC()
		for last.Weekday() == time.Saturday || last.Weekday() == time.Sunday {
			last = last.AddDate(0, 0, -1)
		}
		if code != 200 || !strings.Contains(body, last.Format(time.DateOnly)) || !strings.Contains(body, `currency='USD'`) {
			t.Fatalf("daily feed %d does not hold %s:\n%.400s", code, last.Format(time.DateOnly), body)
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		tests := []struct{ kind, want string }{
			{"customs", "{}"}, {"ups", "unknown fake"},
		}
		for _, tc := range tests {
			if _, err := StartFake(tc.kind, FakeOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want an error saying %q", tc.kind, err, tc.want)
			}
		}
		if _, err := StartFake("shopify", FakeOptions{Orders: -1}); err == nil {
			t.Error("negative orders accepted")
		}
		f, err := StartFake("carrier", FakeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		taken := strings.TrimPrefix(f.URL, "http://")
		if _, err := StartFake("fx", FakeOptions{Addr: taken}); err == nil || !strings.Contains(err.Error(), "--addr") {
			t.Errorf("a taken address: %v", err)
		}
	})
}

func TestPublishRatesIsARandomWalkOfWeekdays(t *testing.T) {
	t.Parallel()
	f, err := StartFake("fx", FakeOptions{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resp, err := http.Get(f.Connection["base_url"].(string) + "/eurofxref-hist-90d.xml")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	days := strings.Count(body, "<Cube time='")
	if days < 55 || days > 70 {
		t.Fatalf("%d publication days in the 90-day feed, want the weekdays only", days)
	}
	for d := time.Now().UTC().AddDate(0, 0, -20); d.Before(time.Now().UTC().AddDate(0, 0, -1)); d = d.AddDate(0, 0, 1) {
		published := strings.Contains(body, `time='`+d.Format(time.DateOnly)+`'`)
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		if published == weekend {
			t.Fatalf("%s (%s) published=%v", d.Format(time.DateOnly), d.Weekday(), published)
		}
	}
}

// TestSellerChangesReachItsQueue checks the Amazon channel: a generated
// history, a configuration for the connector with the in-plugin relay,
// and live changes that queue notifications, as Amazon's SQS does.
func TestSellerChangesReachItsQueue(t *testing.T) {
	t.Parallel()
	s, err := newSeller(60, 90, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer s.srv.Close()
	orders, skus := s.stats()
	wantSKUs, wantOrders := sellerSize(60, 90)
	if skus != wantSKUs || orders != wantOrders {
		t.Fatalf("%d SKUs and %d orders, want %d and %d", skus, orders, wantSKUs, wantOrders)
	}
	cfg, err := s.connection("http://127.0.0.1:1/webhooks/amazon", 90)
	if err != nil {
		t.Fatal(err)
	}
	if cfg["sqs_poll"] != true || cfg["gateway_webhook_url"] != "http://127.0.0.1:1/webhooks/amazon" || cfg["endpoint"] != s.srv.URL || cfg["backfill_days"] != float64(91) {
		t.Fatalf("connection %v", cfg)
	}
	before := s.srv.Queue()
	r := rand.New(rand.NewPCG(1, 1))
	tr := &traffic{seller: s, r: r}
	for i := range 30 {
		if err := tr.amazonStep(float64(i%10) / 10); err != nil {
			t.Fatal(err)
		}
	}
	st := tr.Stats()
	if st.AmazonOrders == 0 || st.AmazonShipments == 0 || st.AmazonStock == 0 {
		t.Fatalf("amazon traffic %+v", st)
	}
	after := s.srv.Queue()
	if after.Visible <= before.Visible {
		t.Fatalf("no notification queued: %+v", after)
	}
	if got, _ := s.stats(); got != orders+int(st.AmazonOrders) {
		t.Fatalf("%d orders after placing %d on %d", got, st.AmazonOrders, orders)
	}
}
