package routing

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// monday is the decision time of most tests: Monday 16 March 2026, 09:00 UTC.
var monday = time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC)

func geo(lat, lon float64) *commerce.GeoPoint { return &commerce.GeoPoint{Lat: lat, Lon: lon} }

func addr(cc, postal string, g *commerce.GeoPoint) commerce.Address {
	return commerce.Address{CountryCode: cc, PostalCode: postal, Geo: g}
}

func warehouse(id, name string, a commerce.Address) commerce.Location {
	return commerce.Location{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop", ExternalID: id}, UpdatedAt: monday},
		Name: name, Type: "warehouse", Address: a, Active: true, FulfillsOnlineOrders: true}
}

func store(id, name string, a commerce.Address) commerce.Location {
	l := warehouse(id, name, a)
	l.Type = "store"
	return l
}

// The network of most tests, with real coordinates.
var (
	leipzig = warehouse("leipzig", "Leipzig", addr("DE", "04103", geo(51.3397, 12.3731)))
	berlin  = warehouse("berlin", "Berlin", addr("DE", "10115", geo(52.5200, 13.4050)))
	hamburg = warehouse("hamburg", "Hamburg", addr("DE", "20095", geo(53.5511, 9.9937)))
	munich  = store("munich", "Munich store", addr("DE", "80331", geo(48.1372, 11.5756)))
	vienna  = warehouse("vienna", "Vienna", addr("AT", "1010", geo(48.2082, 16.3738)))
	zurich  = warehouse("zurich", "Zurich", addr("CH", "8001", geo(47.3769, 8.5417)))

	dresden  = addr("DE", "01067", geo(51.0504, 13.7373))
	salzburg = addr("AT", "5020", geo(47.8095, 13.0550))
	geneva   = addr("CH", "1201", geo(46.2044, 6.1432))
)

func line(id, sku string, qty int, price string) commerce.OrderLine {
	return commerce.OrderLine{ExternalID: id, SKU: sku, Quantity: qty, UnitPrice: commerce.Bag(commerce.MustMoney(price, "EUR")), RequiresShipping: true}
}

func order(to commerce.Address, lines ...commerce.OrderLine) *commerce.Order {
	return &commerce.Order{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shopify-eu", ExternalID: "1001"}, UpdatedAt: monday},
		Number: "#1001", CreatedAt: monday, Currency: "EUR", ShippingAddress: &to, Lines: lines}
}

// kg returns a weight in kilograms.
func kg(s string) *commerce.Weight {
	return &commerce.Weight{Value: decimal.RequireFromString(s), Unit: commerce.Kilograms}
}

// items gives every SKU of the tests a weight.
var items = map[string]Item{
	"MUG":    {Weight: kg("0.4"), HSCode: "691200", CountryOfOrigin: "DE"},
	"TEE":    {Weight: kg("0.2"), HSCode: "610910", CountryOfOrigin: "PT"},
	"LAMP":   {Weight: kg("2.5"), HSCode: "940520", CountryOfOrigin: "DE"},
	"KETTLE": {Weight: kg("1.2"), HSCode: "851671", CountryOfOrigin: "CN"},
}

// loadTable reads testdata/<rates> with the default zones.
func loadTable(t testing.TB, rates string) *TableRates {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", rates))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := ParseTableRates("table", f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// newRouter builds a router over the example table.
func newRouter(t testing.TB, cfg Config) *Router {
	t.Helper()
	if len(cfg.Sources) == 0 && cfg.Fallback == nil {
		cfg.Sources = []RateSource{loadTable(t, "rates.csv")}
	}
	r, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// request is a request over the standard network.
func request(o *commerce.Order, stock StockTable, locs ...commerce.Location) Request {
	return Request{Order: o, Locations: locs, Stock: stock, Items: items, Now: monday}
}

// mustRoute routes and fails the test on an error.
func mustRoute(t *testing.T, r *Router, req Request) *Decision {
	t.Helper()
	d, err := r.Route(context.Background(), req)
	if err != nil {
		t.Fatalf("route: %v", err)
	}
	t.Logf("explanation: %s", d.Explanation)
	return d
}

// unroutable routes and returns the *UnroutableError, failing otherwise.
func unroutable(t *testing.T, r *Router, req Request) *UnroutableError {
	t.Helper()
	d, err := r.Route(context.Background(), req)
	var ue *UnroutableError
	if !errors.As(err, &ue) {
		t.Fatalf("want an *UnroutableError, got decision %+v, error %v", d, err)
	}
	if !errors.Is(err, ErrUnroutable) {
		t.Errorf("%v does not wrap ErrUnroutable", err)
	}
	t.Logf("unroutable: %v", err)
	return ue
}

// locations returns the decision's shipment locations in order.
func locations(d *Decision) []string {
	var out []string
	for _, s := range d.Shipments {
		out = append(out, s.LocationID)
	}
	return out
}

// fakeSource is a RateSource whose answers a test scripts.
type fakeSource struct {
	name  string
	delay time.Duration
	rates func(req RateRequest) ([]commerce.Rate, error)
	mu    sync.Mutex
	calls int
}

func (f *fakeSource) Name() string { return f.name }

func (f *fakeSource) Rates(ctx context.Context, req RateRequest) ([]commerce.Rate, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return f.rates(req)
}

func (f *fakeSource) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// flat returns a rates func quoting fixed services regardless of the route.
func flat(carrier string, services ...commerce.Rate) func(RateRequest) ([]commerce.Rate, error) {
	return func(RateRequest) ([]commerce.Rate, error) {
		out := make([]commerce.Rate, len(services))
		for i, s := range services {
			s.Carrier = carrier
			out[i] = s
		}
		return out, nil
	}
}

func svc(name, amount string, cur commerce.Currency, days int) commerce.Rate {
	return commerce.Rate{Service: name, Amount: commerce.MustMoney(amount, cur), TransitDays: days}
}

// distSource prices by great-circle distance: 0.50 EUR plus 2 cents a km,
// in 1 day plus a day per 300 km, so that nearer is cheaper and faster.
func distSource() *fakeSource {
	return &fakeSource{name: "dist", rates: func(req RateRequest) ([]commerce.Rate, error) {
		if req.From.Geo == nil || req.To.Geo == nil {
			return nil, errors.New("dist: coordinates needed")
		}
		km := HaversineKm(*req.From.Geo, *req.To.Geo)
		cents := 50 + int64(math.Round(km*2))
		return []commerce.Rate{{Carrier: "Dist", Service: "Road", Amount: commerce.FromMinor(cents, "EUR"), TransitDays: 1 + int(km/300)}}, nil
	}}
}

// eur parses "4.50 EUR" into a rules amount.
func eur(s string) *Amount {
	m, err := ParseAmount(s + " EUR")
	if err != nil {
		panic(err)
	}
	return &Amount{m}
}
