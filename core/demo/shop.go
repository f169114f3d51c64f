package demo

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
)

// Channel is one storefront of the demo: a fake Shopify shop with its own
// catalogue size, currency, time zone and demand pattern.
type Channel struct {
	// ID is the gateway connection's id, e.g. "webstore".
	ID string
	// Name is the connection's label, e.g. "Web store (USD)".
	Name string
	// Domain is the myshopify domain of the fake shop.
	Domain string
	// Currency is the shop currency (USD, EUR, GBP, CAD, AUD, CHF or JPY).
	Currency string
	// Timezone is the shop's IANA zone; the pattern's days and hours are
	// local to it.
	Timezone string
	// Products is the number of products in the fake's catalogue; each has
	// one to four variants (SKUs). Catalogues share SKU names, so a larger
	// catalogue adds SKUs that only it sells.
	Products int
	// Seed makes the catalogue and the history reproducible.
	Seed int64
	// Pattern is the channel's daily order intensity.
	Pattern Pattern
	// Share is the channel's share of the live orders the traffic places.
	Share float64
}

// clock is the fake shop's clock: the history is written at past times by
// setting it, after which it follows the wall clock.
type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return time.Now()
	}
	return c.at
}

func (c *clock) set(t time.Time) { c.mu.Lock(); c.at = t; c.mu.Unlock() }

// release returns the clock to the wall clock.
func (c *clock) release() { c.set(time.Time{}) }

// shop is a running channel: the fake and what the demo remembers of its
// recent orders, so that the live traffic can fulfil and refund them.
type shop struct {
	ch     Channel
	srv    *shopifytest.Server
	clock  *clock
	loc    *time.Location
	token  string
	secret string

	// newark and berlin are the fake's two fulfilling locations: orders to
	// the US and Canada ship from Newark, every other market from Berlin.
	newark, berlin string
	items          map[string]string // SKU → inventory item gid

	mu     sync.Mutex
	recent []*placed
}

// placed is an order the demo placed and may follow up.
type placed struct {
	gid      string
	at       time.Time
	currency string // presentment currency
	// fulfilled is also set for orders with nothing to ship (gift cards).
	fulfilled bool
	refunds   int
	cancelled bool
	lines     []placedLine
}

type placedLine struct {
	sku string
	qty int
}

// shipFrom returns the location an order ships from, as the fake assigns
// it: Newark for US and Canadian buyers, Berlin for the rest.
func (s *shop) shipFrom(presentment string) string {
	if presentment == "USD" || presentment == "CAD" {
		return s.newark
	}
	return s.berlin
}

// newShop starts the channel's fake shop (empty of orders: the history is
// placed with seedHistory) on a loopback port.
func newShop(ch Channel, now time.Time, logf func(string, ...any)) (*shop, error) {
	loc, err := time.LoadLocation(ch.Timezone)
	if err != nil {
		return nil, fmt.Errorf("demo: channel %s: time zone %q: %w", ch.ID, ch.Timezone, err)
	}
	if err := ch.Pattern.Validate(); err != nil {
		return nil, fmt.Errorf("demo: channel %s: %w", ch.ID, err)
	}
	s := &shop{ch: ch, clock: &clock{}, loc: loc, token: "shpat_demo_" + ch.ID, secret: "demo-secret-" + ch.ID, items: map[string]string{}}
	s.srv, err = shopifytest.NewServer(shopifytest.Options{
		Shop: ch.Domain, ShopName: ch.Name, Token: s.token, ClientSecret: s.secret,
		Products: ch.Products, Seed: ch.Seed, Currency: ch.Currency, Timezone: ch.Timezone,
		Until: now, Clock: s.clock.Now, Logf: logf,
		// A roomier cost bucket than a standard shop's, so that the demo's
		// incremental syncs are not paced at one order a second; throttling
		// and its waits still happen and show in the sync progress.
		BucketSize: 4000, RestoreRate: 400,
	})
	if err != nil {
		return nil, fmt.Errorf("demo: start the fake shop %s: %w", ch.ID, err)
	}
	locs := s.srv.LocationGIDs()
	if len(locs) < 2 {
		s.srv.Close()
		return nil, fmt.Errorf("demo: the fake shop %s has %d locations; the demo needs its Newark and Berlin warehouses", ch.ID, len(locs))
	}
	s.newark, s.berlin = locs[0], locs[1]
	for _, it := range s.srv.InventoryItems() {
		s.items[it.SKU] = it.GID
	}
	return s, nil
}

// HistoryStats says what seedHistory placed.
type HistoryStats struct {
	Orders, Fulfilled, Refunded, Cancelled int
	From, To                               time.Time
}

// follow-up kinds
const (
	doFulfil = iota
	doRefund
	doCancel
)

type followUp struct {
	at   time.Time
	kind int
	o    *placed
}

type followUps []followUp

func (f followUps) Len() int           { return len(f) }
func (f followUps) Less(i, j int) bool { return f[i].at.Before(f[j].at) }
func (f followUps) Swap(i, j int)      { f[i], f[j] = f[j], f[i] }
func (f *followUps) Push(x any)        { *f = append(*f, x.(followUp)) }
func (f *followUps) Pop() any {
	old := *f
	x := old[len(old)-1]
	*f = old[:len(old)-1]
	return x
}

// recentWindow is how far back the demo remembers orders for the live
// traffic and for sizing stock.
const recentWindow = 28 * 24 * time.Hour

// seedHistory places days of orders before now in the fake shop, at their
// historical times, with what happens after an order: most are fulfilled
// one to three days later, some are refunded weeks later, a few cancelled
// within hours. Nothing is delivered as a webhook (no subscription exists
// yet): the gateway reads this history with its first sync.
func (s *shop) seedHistory(r *rand.Rand, days int, now time.Time) (HistoryStats, error) {
	defer s.clock.release()
	start := midnight(now.In(s.loc)).AddDate(0, 0, -days)
	times := s.ch.Pattern.OrderTimes(r, start, now, now, s.loc)
	st := HistoryStats{From: start, To: now}
	var due followUps
	run := func(f followUp) error {
		s.clock.set(f.at)
		switch f.kind {
		case doFulfil:
			company, number, url := tracking(r, f.o.currency)
			if _, err := s.srv.FulfillOrder(f.o.gid, company, number, url); err != nil {
				return fmt.Errorf("demo: fulfil %s: %w", f.o.gid, err)
			}
			f.o.fulfilled = true
			st.Fulfilled++
		case doRefund:
			if _, err := s.srv.RefundOrder(f.o.gid); err != nil {
				return fmt.Errorf("demo: refund %s: %w", f.o.gid, err)
			}
			f.o.refunds++
			st.Refunded++
		case doCancel:
			if err := s.srv.CancelOrder(f.o.gid, "customer"); err != nil {
				return fmt.Errorf("demo: cancel %s: %w", f.o.gid, err)
			}
			f.o.cancelled = true
			st.Cancelled++
		}
		return nil
	}
	for _, t := range times {
		for len(due) > 0 && !due[0].at.After(t) {
			if err := run(heap.Pop(&due).(followUp)); err != nil {
				return st, err
			}
		}
		s.clock.set(t)
		o, err := s.srv.CreateOrder()
		if err != nil {
			return st, fmt.Errorf("demo: place an order at %s: %w", t.Format(time.RFC3339), err)
		}
		st.Orders++
		p := &placed{gid: o.GID, at: t, currency: o.PresentmentCurrency, fulfilled: o.Fulfillable == 0}
		switch x := r.Float64(); {
		case x < 0.015:
			heap.Push(&due, followUp{at: t.Add(time.Duration(1+r.IntN(6)) * time.Hour), kind: doCancel, o: p})
		case x < 0.90 && !p.fulfilled:
			f := t.Add(time.Duration(18+r.IntN(54)) * time.Hour)
			heap.Push(&due, followUp{at: f, kind: doFulfil, o: p})
			if r.Float64() < 0.06 {
				heap.Push(&due, followUp{at: f.Add(time.Duration(3+r.IntN(20)) * 24 * time.Hour), kind: doRefund, o: p})
			}
		}
		if now.Sub(t) < recentWindow {
			s.recent = append(s.recent, p)
		}
	}
	for len(due) > 0 && due[0].at.Before(now) {
		if err := run(heap.Pop(&due).(followUp)); err != nil {
			return st, err
		}
	}
	for _, p := range s.recent {
		if err := s.readLines(p); err != nil {
			return st, err
		}
	}
	return st, nil
}

// readLines fills an order's lines from the fake's REST JSON of it.
func (s *shop) readLines(p *placed) error {
	body, ok := s.srv.OrderJSON(p.gid)
	if !ok {
		return fmt.Errorf("demo: the fake shop %s lost order %s", s.ch.ID, p.gid)
	}
	var o struct {
		LineItems []struct {
			SKU      string `json:"sku"`
			Quantity int    `json:"quantity"`
		} `json:"line_items"`
	}
	if err := json.Unmarshal(body, &o); err != nil {
		return fmt.Errorf("demo: read order %s of %s: %w", p.gid, s.ch.ID, err)
	}
	p.lines = p.lines[:0]
	for _, l := range o.LineItems {
		if l.SKU != "" && l.Quantity > 0 {
			p.lines = append(p.lines, placedLine{sku: l.SKU, qty: l.Quantity})
		}
	}
	return nil
}

// seedStock sets every item's available stock from its sales over the
// last four weeks: most hold two weeks to six weeks of cover, some run
// low, some are out and some are overstocked, so that replenishment has
// real decisions to make. The Toronto store keeps a small shelf stock.
// It runs before webhooks are subscribed; the first sync reads it.
func (s *shop) seedStock(r *rand.Rand, now time.Time) (stockouts int, err error) {
	defer s.clock.release()
	s.clock.set(now.Add(-time.Minute))
	sold := map[[2]string]int{}
	for _, p := range s.recent {
		if p.cancelled {
			continue
		}
		for _, l := range p.lines {
			sold[[2]string{l.sku, s.shipFrom(p.currency)}] += l.qty
		}
	}
	items := s.srv.InventoryItems()
	sort.Slice(items, func(i, j int) bool { return items[i].SKU < items[j].SKU })
	for _, it := range items {
		for _, loc := range it.Locations {
			rate := float64(sold[[2]string{it.SKU, loc}]) / 28
			var n int
			switch {
			case loc != s.newark && loc != s.berlin:
				n = r.IntN(12)
			case rate == 0:
				n = r.IntN(25)
			default:
				var cover float64
				switch x := r.Float64(); {
				case x < 0.10:
					cover = 0
				case x < 0.28:
					cover = 1 + 6*r.Float64()
				case x < 0.85:
					cover = 14 + 28*r.Float64()
				default:
					cover = 60 + 90*r.Float64()
				}
				n = int(math.Round(rate * cover))
			}
			if n == 0 {
				stockouts++
			}
			if err := s.srv.SetAvailable(it.GID, loc, n); err != nil {
				return stockouts, fmt.Errorf("demo: stock %s at %s in %s: %w", it.SKU, loc, s.ch.ID, err)
			}
		}
	}
	return stockouts, nil
}

// tracking returns a carrier, tracking number and URL for a parcel to a
// buyer paying in presentment: USPS or UPS at home, UPS to Canada and DHL
// Express across the Atlantic and the Pacific.
func tracking(r *rand.Rand, presentment string) (company, number, url string) {
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	switch {
	case presentment == "USD" && r.IntN(2) == 0:
		n := "9400" + digits(18)
		return "USPS", n, "https://tools.usps.com/go/TrackConfirmAction?tLabels=" + n
	case presentment == "USD" || presentment == "CAD":
		n := "1Z" + digits(16)
		return "UPS", n, "https://www.ups.com/track?tracknum=" + n
	default:
		n := digits(10)
		return "DHL Express", n, "https://www.dhl.com/en/express/tracking.html?AWB=" + n
	}
}
