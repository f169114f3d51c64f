package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// TrafficStats counts what the live traffic did.
type TrafficStats struct {
	Orders, Fulfilments, Refunds, Cancellations, Updates, StockChanges, Restocks, Malformed int64
	// AmazonOrders, AmazonShipments and AmazonStock count the Amazon
	// seller's changes, which reach the gateway as SQS notifications.
	AmazonOrders, AmazonShipments, AmazonStock int64
}

// traffic makes the fake shops change at a steady rate, the way a busy
// shop does: new orders (which take stock), fulfilments, refunds (which
// return it), cancellations, order edits and restocks. Each change makes
// the fake send its signed webhooks to the gateway, with Shopify's retry
// schedule. It never writes to the gateway itself.
type traffic struct {
	shops []*shop
	// seller, when not nil, takes amazonShare of the changes.
	seller *seller
	rate   float64
	// malformedEvery sends a delivery with a truncated body this often
	// (0: never), so that the webhook inbox shows a dead letter; the
	// first is sent at once.
	malformedEvery time.Duration
	webhookURL     func(s *shop) string
	logf           func(string, ...any)
	r              *rand.Rand

	orders, fulfilments, refunds, cancellations, updates, stock, restocks, malformed atomic.Int64
	amzOrders, amzShipments, amzStock                                                atomic.Int64
	mu                                                                               sync.Mutex // guards r
}

// Stats returns the counters so far.
func (t *traffic) Stats() TrafficStats {
	return TrafficStats{Orders: t.orders.Load(), Fulfilments: t.fulfilments.Load(), Refunds: t.refunds.Load(),
		Cancellations: t.cancellations.Load(), Updates: t.updates.Load(), StockChanges: t.stock.Load(),
		Restocks: t.restocks.Load(), Malformed: t.malformed.Load(),
		AmazonOrders: t.amzOrders.Load(), AmazonShipments: t.amzShipments.Load(), AmazonStock: t.amzStock.Load()}
}

// amazonShare is the share of the changes made in the Amazon seller
// account when there is one.
const amazonShare = 0.15

// run changes the shops until ctx ends.
func (t *traffic) run(ctx context.Context) {
	if t.rate <= 0 {
		<-ctx.Done()
		return
	}
	var poison <-chan time.Time
	if t.malformedEvery > 0 {
		t.sendMalformed(ctx)
		tk := time.NewTicker(t.malformedEvery)
		defer tk.Stop()
		poison = tk.C
	}
	interval := time.Duration(float64(time.Second) / t.rate)
	timer := time.NewTimer(t.jitter(interval))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poison:
			t.sendMalformed(ctx)
		case <-timer.C:
			if err := t.step(); err != nil {
				t.logf("demo traffic: %v", err)
			}
			timer.Reset(t.jitter(interval))
		}
	}
}

// jitter spreads the events: exponential gaps around the mean interval,
// bounded to a tenth and four times it.
func (t *traffic) jitter(mean time.Duration) time.Duration {
	t.mu.Lock()
	x := t.r.ExpFloat64()
	t.mu.Unlock()
	return time.Duration(float64(mean) * min(max(x, 0.1), 4))
}

// step makes one change, chosen by weight among those that apply.
func (t *traffic) step() error {
	t.mu.Lock()
	x := t.r.Float64()
	s := t.pickShop()
	amazon := t.seller != nil && t.r.Float64() < amazonShare
	t.mu.Unlock()
	if amazon {
		return t.amazonStep(x)
	}
	switch {
	case x < 0.50:
		return t.placeOrder(s)
	case x < 0.76:
		return t.fulfil(s)
	case x < 0.80:
		return t.refund(s)
	case x < 0.81:
		return t.cancel(s)
	case x < 0.88:
		return t.update(s)
	default:
		return t.restock(s)
	}
}

// pickShop draws a shop by its channel's share. Caller holds t.mu.
func (t *traffic) pickShop() *shop {
	total := 0.0
	for _, s := range t.shops {
		total += s.ch.Share
	}
	x := t.r.Float64() * total
	for _, s := range t.shops {
		if x < s.ch.Share {
			return s
		}
		x -= s.ch.Share
	}
	return t.shops[len(t.shops)-1]
}

func (t *traffic) intn(n int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.r.IntN(n)
}

// placeOrder places an order now and takes its units out of stock at the
// location it ships from.
func (t *traffic) placeOrder(s *shop) error {
	o, err := s.srv.CreateOrder()
	if err != nil {
		return fmt.Errorf("%s: place an order: %w", s.ch.ID, err)
	}
	t.orders.Add(1)
	p := &placed{gid: o.GID, at: o.CreatedAt, currency: o.PresentmentCurrency, fulfilled: o.Fulfillable == 0}
	if err := s.readLines(p); err != nil {
		return err
	}
	loc := s.shipFrom(p.currency)
	for _, l := range p.lines {
		item, ok := s.items[l.sku]
		if !ok {
			continue
		}
		n, ok := s.srv.Available(item, loc)
		if !ok {
			continue
		}
		if err := s.srv.SetAvailable(item, loc, max(n-l.qty, 0)); err != nil {
			return fmt.Errorf("%s: take %s out of stock: %w", s.ch.ID, l.sku, err)
		}
		t.stock.Add(1)
	}
	s.mu.Lock()
	s.recent = append(s.recent, p)
	if cut := len(s.recent) - 5000; cut > 0 {
		s.recent = append(s.recent[:0], s.recent[cut:]...)
	}
	s.mu.Unlock()
	return nil
}

// oldest returns the oldest remembered order that match wants, or nil.
func (s *shop) oldest(match func(*placed) bool) *placed {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.recent {
		if match(p) {
			return p
		}
	}
	return nil
}

// any returns a random remembered order that match wants, or nil.
func (s *shop) any(t *traffic, match func(*placed) bool) *placed {
	s.mu.Lock()
	var cands []*placed
	for _, p := range s.recent {
		if match(p) {
			cands = append(cands, p)
		}
	}
	s.mu.Unlock()
	if len(cands) == 0 {
		return nil
	}
	return cands[t.intn(len(cands))]
}

func (t *traffic) fulfil(s *shop) error {
	p := s.oldest(func(p *placed) bool { return !p.fulfilled && !p.cancelled })
	if p == nil {
		return t.placeOrder(s)
	}
	t.mu.Lock()
	company, number, url := tracking(t.r, p.currency)
	t.mu.Unlock()
	if _, err := s.srv.FulfillOrder(p.gid, company, number, url); err != nil {
		return fmt.Errorf("%s: fulfil %s: %w", s.ch.ID, p.gid, err)
	}
	s.mu.Lock()
	p.fulfilled = true
	s.mu.Unlock()
	t.fulfilments.Add(1)
	return nil
}

// refund refunds one unit of a fulfilled order and puts it back in stock.
func (t *traffic) refund(s *shop) error {
	p := s.any(t, func(p *placed) bool { return p.fulfilled && !p.cancelled && p.refunds == 0 && len(p.lines) > 0 })
	if p == nil {
		return t.update(s)
	}
	if _, err := s.srv.RefundOrder(p.gid); err != nil {
		return fmt.Errorf("%s: refund %s: %w", s.ch.ID, p.gid, err)
	}
	s.mu.Lock()
	p.refunds++
	s.mu.Unlock()
	t.refunds.Add(1)
	if item, ok := s.items[p.lines[0].sku]; ok {
		loc := s.shipFrom(p.currency)
		if n, ok := s.srv.Available(item, loc); ok {
			if err := s.srv.SetAvailable(item, loc, n+1); err != nil {
				return fmt.Errorf("%s: restock a returned %s: %w", s.ch.ID, p.lines[0].sku, err)
			}
			t.stock.Add(1)
		}
	}
	return nil
}

func (t *traffic) cancel(s *shop) error {
	p := s.oldest(func(p *placed) bool { return !p.fulfilled && !p.cancelled && time.Since(p.at) < time.Hour })
	if p == nil {
		return t.update(s)
	}
	if err := s.srv.CancelOrder(p.gid, "customer"); err != nil {
		return fmt.Errorf("%s: cancel %s: %w", s.ch.ID, p.gid, err)
	}
	s.mu.Lock()
	p.cancelled = true
	s.mu.Unlock()
	t.cancellations.Add(1)
	return nil
}

var notes = []string{"Gift wrap, please", "Leave at the back door", "Customer called: new delivery window", "Address corrected by support", "VIP: add a thank-you card"}

func (t *traffic) update(s *shop) error {
	p := s.any(t, func(p *placed) bool { return !p.cancelled })
	if p == nil {
		return t.placeOrder(s)
	}
	if err := s.srv.UpdateOrder(p.gid, notes[t.intn(len(notes))]); err != nil {
		return fmt.Errorf("%s: edit %s: %w", s.ch.ID, p.gid, err)
	}
	t.updates.Add(1)
	return nil
}

// restock receives a purchase order for the lowest-stocked item of one of
// the two warehouses.
func (t *traffic) restock(s *shop) error {
	type low struct {
		sku, item, loc string
		n              int
	}
	var lows []low
	skus := make([]string, 0, len(s.items))
	for sku := range s.items {
		skus = append(skus, sku)
	}
	sort.Strings(skus)
	for _, sku := range skus {
		for _, loc := range []string{s.newark, s.berlin} {
			if n, ok := s.srv.Available(s.items[sku], loc); ok && n < 5 {
				lows = append(lows, low{sku, s.items[sku], loc, n})
			}
		}
	}
	if len(lows) == 0 {
		return t.placeOrder(s)
	}
	l := lows[t.intn(len(lows))]
	if err := s.srv.SetAvailable(l.item, l.loc, l.n+20+t.intn(60)); err != nil {
		return fmt.Errorf("%s: restock %s: %w", s.ch.ID, l.sku, err)
	}
	t.restocks.Add(1)
	t.stock.Add(1)
	return nil
}

// sendMalformed delivers, signed, an orders/create body cut short the way
// a proxy that drops a connection cuts it: the gateway stores it (the
// signature matches what arrived) and the plugin cannot parse it, so it
// becomes a dead letter with the parser's reason, for ops to inspect and
// replay in the dashboard. The demo says so in its banner and docs.
func (t *traffic) sendMalformed(ctx context.Context) {
	s := t.shops[0]
	p := s.oldest(func(p *placed) bool { return true })
	if p == nil {
		return
	}
	body, ok := s.srv.OrderJSON(p.gid)
	if !ok || len(body) < 40 {
		return
	}
	body = body[:len(body)*2/3]
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	code, err := s.srv.DeliverWebhook(dctx, t.webhookURL(s), "orders/create", body)
	switch {
	case err != nil:
		t.logf("demo traffic: deliver a malformed webhook: %v", err)
	case code/100 != 2:
		t.logf("demo traffic: the gateway answered %d to the malformed webhook", code)
	default:
		t.malformed.Add(1)
	}
}

// amazonStep changes the Amazon seller account: a new merchant-fulfilled
// order, a shipment confirmation or an FBA stock movement. The fake queues
// the notification; the plugin's poller relays it.
func (t *traffic) amazonStep(x float64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case x < 0.5:
		if err := t.seller.placeOrder(t.r); err != nil {
			return err
		}
		t.amzOrders.Add(1)
	case x < 0.8:
		if err := t.seller.ship(t.r); err != nil {
			return err
		}
		t.amzShipments.Add(1)
	default:
		if err := t.seller.restock(t.r); err != nil {
			return err
		}
		t.amzStock.Add(1)
	}
	return nil
}
