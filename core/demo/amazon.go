package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/connectors/amazon/amazontest"
)

// seller is the demo's Amazon channel: a fake Selling Partner API account
// selling its own catalogue on Amazon.de (EUR) and Amazon.co.uk (GBP),
// partly fulfilled by Amazon (FBA stock per marketplace) and partly by the
// merchant. Its notifications reach the gateway the way Amazon's do: the
// fake queues them in SQS and the plugin's poller relays them to the
// gateway's webhook URL.
type seller struct {
	srv   *amazontest.Server
	clock *clock
	mps   []string

	mu   sync.Mutex
	open []string // merchant-fulfilled orders not yet shipped, oldest first
}

// amazonConnection is the connection id of the Amazon channel.
const amazonConnection = "amazon"

// sellerSize returns the Amazon catalogue and history size for a demo of
// skus SKUs over days: 80 % of the SKUs requested, each selling rarely
// (0.03 orders a day per requested SKU in all), the intermittent long tail.
func sellerSize(skus, days int) (catalogue, orders int) {
	return max(12, skus*8/10), max(20, int(0.03*float64(skus)*float64(days)))
}

// newSeller starts the fake seller account with its generated history
// (spread over the days before now; the fake draws the times and lines).
func newSeller(skus, days int, seed int64) (*seller, error) {
	catalogue, orders := sellerSize(skus, days)
	s := &seller{clock: &clock{}}
	var err error
	s.srv, err = amazontest.NewServer(amazontest.Options{
		Orders: orders, SKUs: catalogue, Seed: uint64(seed), HistoryDays: days, Clock: s.clock.Now,
		// Quotas thirty times Amazon's and reports that are ready at once,
		// so that the first sync of a year (a backfill through 30-day
		// orders reports) takes seconds rather than the real account's
		// minutes; the quota waits still happen and show in the progress.
		RateScale: 30, ReportDelay: time.Millisecond,
	})
	if err != nil {
		return nil, fmt.Errorf("demo: start the fake Amazon seller: %w", err)
	}
	for mp := range s.srv.Marketplaces() {
		s.mps = append(s.mps, mp)
	}
	sort.Strings(s.mps)
	if len(s.mps) == 0 {
		s.srv.Close()
		return nil, fmt.Errorf("demo: the fake Amazon seller has no marketplace")
	}
	return s, nil
}

// connection returns the Amazon connector's configuration for the fake,
// with the in-plugin SQS poller relaying notifications to webhookURL.
func (s *seller) connection(webhookURL string, days int) (map[string]any, error) {
	var cfg map[string]any
	raw := s.srv.Config(map[string]any{"sqs_poll": true, "gateway_webhook_url": webhookURL, "backfill_days": days + 1})
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("demo: the fake Amazon seller's configuration: %w", err)
	}
	return cfg, nil
}

// stats counts the generated orders.
func (s *seller) stats() (orders, skus int) {
	s.srv.EachOrder(func(amazontest.OrderSummary) bool { orders++; return true })
	return orders, len(s.srv.SKUs())
}

// placeOrder places a merchant-fulfilled order now in a random marketplace.
func (s *seller) placeOrder(r *rand.Rand) error {
	mp := s.mps[r.IntN(len(s.mps))]
	o, err := s.srv.CreateOrder(mp)
	if err != nil {
		return fmt.Errorf("amazon: place an order on %s: %w", mp, err)
	}
	s.mu.Lock()
	s.open = append(s.open, o.ID)
	if cut := len(s.open) - 2000; cut > 0 {
		s.open = append(s.open[:0], s.open[cut:]...)
	}
	s.mu.Unlock()
	return nil
}

// ship confirms the oldest open merchant-fulfilled order, or places one
// when none is open.
func (s *seller) ship(r *rand.Rand) error {
	s.mu.Lock()
	if len(s.open) == 0 {
		s.mu.Unlock()
		return s.placeOrder(r)
	}
	id := s.open[0]
	s.open = s.open[1:]
	s.mu.Unlock()
	carrier, number, _ := tracking(r, "EUR")
	if err := s.srv.ShipOrder(id, carrier, number); err != nil {
		return fmt.Errorf("amazon: ship %s: %w", id, err)
	}
	return nil
}

// restock moves a random SKU's FBA stock in one marketplace, as inbound
// shipments arriving and sales do.
func (s *seller) restock(r *rand.Rand) error {
	skus := s.srv.SKUs()
	if len(skus) == 0 {
		return nil
	}
	sku := skus[r.IntN(len(skus))]
	mp := s.mps[r.IntN(len(s.mps))]
	cur, _ := s.srv.FBA(mp, sku)
	n := max(0, cur.Fulfillable+r.IntN(41)-10)
	if err := s.srv.SetFBA(mp, sku, n); err != nil {
		return fmt.Errorf("amazon: FBA stock of %s on %s: %w", sku, mp, err)
	}
	return nil
}
