package routing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func mugOrder() *commerce.Order { return order(dresden, line("1", "MUG", 1, "12.00")) }

var mugStock = StockTable{{"MUG", "leipzig"}: 5}

func hasSourceError(d *Decision, src, fragment string) bool {
	for _, e := range d.SourceErrors {
		if e.Source == src && strings.Contains(e.Message, fragment) {
			return true
		}
	}
	return false
}

func TestRateShoppingSlowAndFailingSources(t *testing.T) {
	t.Parallel()
	fast := &fakeSource{name: "fast", rates: flat("DHL", svc("Paket", "5.00", "EUR", 2))}
	slow := &fakeSource{name: "slow", delay: 30 * time.Second, rates: flat("Cheapo", svc("Saver", "1.00", "EUR", 2))}
	failing := &fakeSource{name: "failing", rates: func(RateRequest) ([]commerce.Rate, error) {
		return nil, errors.New("401 unauthorized: check the API key")
	}}
	// The deadline leaves the fast sources time to answer on a loaded machine.
	r := newRouter(t, Config{Sources: []RateSource{slow, fast, failing}, RateTimeout: time.Second})
	start := time.Now()
	d := mustRoute(t, r, request(mugOrder(), mugStock, leipzig))
	// The slow source answers after 30 s; the decision must not wait for it.
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("routing took %s with a 1s rate deadline", el)
	}
	if got := d.Shipments[0].Rate.Carrier; got != "DHL" {
		t.Errorf("chose %s, want the fast source's DHL", got)
	}
	if !hasSourceError(d, "slow", "no answer within 1s") || !hasSourceError(d, "failing", "401 unauthorized") {
		t.Errorf("source errors %+v lack the slow or the failing source", d.SourceErrors)
	}
	if !strings.Contains(d.Explanation, "Some quotes were missing (") {
		t.Errorf("explanation does not mention the missing quotes: %s", d.Explanation)
	}
	if slow.count() != 1 || fast.count() != 1 || failing.count() != 1 {
		t.Errorf("calls slow %d fast %d failing %d, want one each", slow.count(), fast.count(), failing.count())
	}
}

func TestRateShoppingCallerDeadline(t *testing.T) {
	t.Parallel()
	slow := &fakeSource{name: "slow", delay: 5 * time.Second, rates: flat("Cheapo", svc("Saver", "1.00", "EUR", 2))}
	r := newRouter(t, Config{Sources: []RateSource{slow}, RateTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := r.Route(ctx, request(mugOrder(), mugStock, leipzig))
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("routing took %s with a 100ms caller deadline", el)
	}
	var ue *UnroutableError
	if !errors.As(err, &ue) || ue.Reason != NoRates {
		t.Fatalf("error %v, want unroutable for no rates", err)
	}
	if !strings.Contains(ue.Detail, "deadline exceeded") {
		t.Errorf("detail %q does not say the deadline passed", ue.Detail)
	}
}

func TestRateShoppingIsParallel(t *testing.T) {
	t.Parallel()
	// Each source answers only once every source has been asked: a router
	// asking one after the other would time out on the first.
	const n = 3
	var arrived sync.WaitGroup
	arrived.Add(n)
	var sources []RateSource
	for i := range n {
		sources = append(sources, &fakeSource{name: fmt.Sprintf("s%d", i), rates: func(RateRequest) ([]commerce.Rate, error) {
			arrived.Done()
			done := make(chan struct{})
			go func() { arrived.Wait(); close(done) }()
			select {
			case <-done:
				return []commerce.Rate{{Carrier: fmt.Sprintf("C%d", i), Service: "Std", Amount: commerce.MustMoney(fmt.Sprintf("%d.00", 9-i), "EUR"), TransitDays: 2}}, nil
			case <-time.After(10 * time.Second):
				return nil, errors.New("the other sources were not asked in parallel")
			}
		}})
	}
	r := newRouter(t, Config{Sources: sources, RateTimeout: 20 * time.Second})
	d := mustRoute(t, r, request(mugOrder(), mugStock, leipzig))
	if len(d.SourceErrors) != 0 {
		t.Fatalf("source errors: %+v", d.SourceErrors)
	}
	if got := d.Shipments[0].Rate.Carrier; got != "C2" {
		t.Errorf("chose %s, want the cheapest, C2", got)
	}
	if len(d.Shipments[0].Options) != n {
		t.Errorf("%d options, want one per source", len(d.Shipments[0].Options))
	}
}

func TestRateShoppingConcurrencyCap(t *testing.T) {
	t.Parallel()
	var inFlight, peak atomic.Int32
	var sources []RateSource
	for i := range 4 {
		sources = append(sources, &fakeSource{name: fmt.Sprintf("s%d", i), rates: func(RateRequest) ([]commerce.Rate, error) {
			n := inFlight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			inFlight.Add(-1)
			return []commerce.Rate{{Carrier: fmt.Sprintf("C%d", i), Service: "Std", Amount: commerce.MustMoney("5.00", "EUR"), TransitDays: 2}}, nil
		}})
	}
	r := newRouter(t, Config{Sources: sources, Concurrency: 2})
	d := mustRoute(t, r, request(mugOrder(), mugStock, leipzig))
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak of %d calls in flight, want at most Concurrency 2", p)
	}
	if len(d.Shipments[0].Options) != 4 {
		t.Errorf("%d options, want one per source", len(d.Shipments[0].Options))
	}
}

func TestRateShoppingPartialAndInvalid(t *testing.T) {
	t.Parallel()
	multi := &fakeSource{name: "easypost", rates: func(RateRequest) ([]commerce.Rate, error) {
		return []commerce.Rate{
			{Carrier: "UPS", Service: "Standard", Amount: commerce.MustMoney("6.00", "EUR"), TransitDays: 2},
			{Carrier: "UPS", Service: "", Amount: commerce.MustMoney("1.00", "EUR")},
			{Carrier: "GLS", Service: "Parcel", Amount: commerce.MustMoney("-2.00", "EUR")},
		}, errors.Join(errors.New("FedEx: timeout"), errors.New("DHL Express: route not served"))
	}}
	r := newRouter(t, Config{Sources: []RateSource{multi}})
	d := mustRoute(t, r, request(mugOrder(), mugStock, leipzig))
	if got := d.Shipments[0].Rate.Carrier + " " + d.Shipments[0].Rate.Service; got != "UPS Standard" {
		t.Errorf("chose %s, want the only valid rate", got)
	}
	for _, frag := range []string{"FedEx: timeout", "DHL Express: route not served", "without carrier or service", "-2.00 EUR is not valid"} {
		if !hasSourceError(d, "easypost", frag) {
			t.Errorf("source errors %+v lack %q", d.SourceErrors, frag)
		}
	}
	if len(d.Shipments[0].Options) != 1 {
		t.Errorf("options %+v, want only the valid rate", d.Shipments[0].Options)
	}
}

func TestRateShoppingFallback(t *testing.T) {
	t.Parallel()
	down := &fakeSource{name: "carrier-plugin", rates: func(RateRequest) ([]commerce.Rate, error) { return nil, errors.New("plugin restarting") }}
	r := newRouter(t, Config{Sources: []RateSource{down}, Fallback: loadTable(t, "rates.csv")})
	d := mustRoute(t, r, request(mugOrder(), mugStock, leipzig))
	if s := d.Shipments[0]; s.Source != "table" || s.Rate.Carrier != "DPD" {
		t.Errorf("shipment %s %s from %s, want the table's DPD", s.Rate.Carrier, s.Rate.Service, s.Source)
	}
	if !hasSourceError(d, "carrier-plugin", "plugin restarting") {
		t.Errorf("source errors %+v lack the plugin", d.SourceErrors)
	}
	// A carrier that does not answer in time: the table still prices the
	// shipment once the deadline has passed.
	hung := &fakeSource{name: "hung", delay: 30 * time.Second, rates: flat("UPS", svc("Standard", "1.00", "EUR", 1))}
	start := time.Now()
	d = mustRoute(t, newRouter(t, Config{Sources: []RateSource{hung}, Fallback: loadTable(t, "rates.csv"), RateTimeout: 200 * time.Millisecond}),
		request(mugOrder(), mugStock, leipzig))
	if el := time.Since(start); el > 15*time.Second || d.Shipments[0].Source != "table" || !hasSourceError(d, "hung", "no answer within 200ms") {
		t.Errorf("after %s: shipment from %s, errors %+v; want the table after the carrier's deadline", el, d.Shipments[0].Source, d.SourceErrors)
	}
	// With a working source the fallback is not used.
	up := &fakeSource{name: "carrier-plugin", rates: flat("UPS", svc("Standard", "9.00", "EUR", 2))}
	d = mustRoute(t, newRouter(t, Config{Sources: []RateSource{up}, Fallback: loadTable(t, "rates.csv")}), request(mugOrder(), mugStock, leipzig))
	if s := d.Shipments[0]; s.Source != "carrier-plugin" {
		t.Errorf("the fallback was used although a source quoted: %+v", s)
	}
}

func TestRateShoppingTieBreaks(t *testing.T) {
	t.Parallel()
	a := &fakeSource{name: "a", rates: flat("Zeta", svc("Std", "5.00", "EUR", 2), svc("Alpha", "5.00", "EUR", 2))}
	b := &fakeSource{name: "b", rates: flat("Beta", svc("Std", "5.00", "EUR", 2), svc("Fast", "5.00", "EUR", 1))}
	for _, c := range []struct {
		obj  Objective
		want string
	}{{Cost, "Beta Fast"}, {Speed, "Beta Fast"}} {
		r := newRouter(t, Config{Sources: []RateSource{a, b}, Objective: c.obj})
		d := mustRoute(t, r, request(mugOrder(), mugStock, leipzig))
		s := d.Shipments[0]
		if got := s.Rate.Carrier + " " + s.Rate.Service; got != c.want {
			t.Errorf("%s: chose %s, want %s", c.obj, got, c.want)
		}
		var order []string
		for _, o := range s.Options {
			order = append(order, o.Carrier+" "+o.Service)
		}
		if want := "Beta Fast,Beta Std,Zeta Alpha,Zeta Std"; strings.Join(order, ",") != want {
			t.Errorf("%s: options in order %v, want %s", c.obj, order, want)
		}
	}
	// Equal days and cost: names decide, the same way every time.
	c := &fakeSource{name: "c", rates: flat("Zeta", svc("Std", "5.00", "EUR", 2), svc("Alpha", "5.00", "EUR", 2))}
	d := mustRoute(t, newRouter(t, Config{Sources: []RateSource{c}}), request(mugOrder(), mugStock, leipzig))
	if got := d.Shipments[0].Rate.Service; got != "Alpha" {
		t.Errorf("tie broken to %s, want Alpha", got)
	}
}

func TestShopRates(t *testing.T) {
	t.Parallel()
	r := newRouter(t, Config{})
	req := ShopRequest{From: leipzig.Address, To: dresden, Lines: []ShopLine{{SKU: "LAMP", Quantity: 1, UnitPrice: commerce.MustMoney("80.00", "EUR")}},
		Items: items, Promise: Promise{Days: 2}, Now: monday}
	shop, err := r.ShopRates(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if shop.Chosen == nil || shop.Chosen.Carrier != "DHL" || shop.Chosen.Service != "Paket" {
		t.Fatalf("chosen %+v, want DHL Paket (DPD takes 3 days)", shop.Chosen)
	}
	if !shop.Cost.Equal(commerce.MustMoney("6.99", "EUR")) {
		t.Errorf("cost %s, want DHL Paket's 6.99 EUR for 2.5 kg", shop.Cost)
	}
	var dropped []string
	for _, o := range shop.Options {
		if o.Dropped == "misses the promise" {
			dropped = append(dropped, o.Carrier)
		}
	}
	if strings.Join(dropped, ",") != "DPD" {
		t.Errorf("dropped %v, want DPD for missing the promise", dropped)
	}
	if !strings.Contains(shop.Explanation, "meets the 2-day promise") {
		t.Errorf("explanation %q", shop.Explanation)
	}
	// Parcels given explicitly; a promise no service meets.
	req.Parcels = []Parcel{{Weight: *kg("40")}}
	shop, err = r.ShopRates(context.Background(), req)
	if !errors.Is(err, ErrNoService) || shop == nil || shop.Chosen != nil {
		t.Fatalf("got %+v, %v; want ErrNoService with the shop", shop, err)
	}
	if !strings.Contains(err.Error(), "add a weight break") {
		t.Errorf("error %q does not say the parcel is too heavy for the table", err)
	}
	if _, err := r.ShopRates(context.Background(), ShopRequest{From: leipzig.Address, To: dresden}); err == nil {
		t.Error("a request with no lines and no parcels was accepted")
	}
}
