package amazontest

import (
	"fmt"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"time"
)

// market is what the fake knows of a marketplace.
type market struct {
	id, amazonCountry, country, currency, channel, language string
	// taxIncluded: prices include VAT; vat is the standard rate in per mille.
	taxIncluded bool
	vat         int64
	minor       int
	cities      []string
	carrier     string
}

var fakeMarkets = map[string]market{
	"A1PA6795UKMFR9": {"A1PA6795UKMFR9", "DE", "DE", "EUR", "Amazon.de", "de_DE", true, 190, 2, []string{"Berlin", "München", "Köln", "Hamburg"}, "DHL"},
	"A1F83G8C2ARO7P": {"A1F83G8C2ARO7P", "UK", "GB", "GBP", "Amazon.co.uk", "en_GB", true, 200, 2, []string{"London", "Manchester", "Leeds", "Bristol"}, "Royal Mail"},
	"A13V1IB3VIYZZH": {"A13V1IB3VIYZZH", "FR", "FR", "EUR", "Amazon.fr", "fr_FR", true, 200, 2, []string{"Paris", "Lyon", "Lille"}, "Colissimo"},
	"APJ6JRA9NG5V4":  {"APJ6JRA9NG5V4", "IT", "IT", "EUR", "Amazon.it", "it_IT", true, 220, 2, []string{"Milano", "Roma", "Torino"}, "Poste Italiane"},
	"A1RKKUPIHCS9HS": {"A1RKKUPIHCS9HS", "ES", "ES", "EUR", "Amazon.es", "es_ES", true, 210, 2, []string{"Madrid", "Barcelona", "Sevilla"}, "Correos"},
	"ATVPDKIKX0DER":  {"ATVPDKIKX0DER", "US", "US", "USD", "Amazon.com", "en_US", false, 80, 2, []string{"Seattle", "Austin", "Denver"}, "UPS"},
	"A2EUQ1WTGCTBG2": {"A2EUQ1WTGCTBG2", "CA", "CA", "CAD", "Amazon.ca", "en_CA", false, 130, 2, []string{"Toronto", "Vancouver", "Montreal"}, "Canada Post"},
	"A1VC38T7YXB528": {"A1VC38T7YXB528", "JP", "JP", "JPY", "Amazon.co.jp", "ja_JP", true, 100, 0, []string{"Tokyo", "Osaka"}, "Yamato Transport"},
}

// Order statuses, as Orders API v0 spells them.
const (
	StatusPending          = "Pending"
	StatusUnshipped        = "Unshipped"
	StatusPartiallyShipped = "PartiallyShipped"
	StatusShipped          = "Shipped"
	StatusCanceled         = "Canceled"
)

type item struct {
	id, sku, asin, title string
	qty, shipped         int
	// unit, ship and promo are minor units of the order's currency; ship
	// and promo are for the whole line.
	unit, ship, promo int64
}

type pkg struct {
	ref, carrier, service, tracking, status string
	shipped                                 time.Time
	items                                   map[string]int
}

type order struct {
	id, market, channel, service, city, postal string
	created, updated                           time.Time
	status                                     string
	items                                      []*item
	packages                                   []*pkg
}

// line amounts in minor units.
func (o *order) amounts(it *item) (price, tax, ship, shipTax, promo int64) {
	m := fakeMarkets[o.market]
	price = it.unit * int64(it.qty)
	promo = it.promo
	ship = it.ship
	if m.taxIncluded {
		tax = divRound((price-promo)*m.vat, 1000+m.vat)
		shipTax = divRound(ship*m.vat, 1000+m.vat)
	} else {
		tax = divRound((price-promo)*m.vat, 1000)
		shipTax = divRound(ship*m.vat, 1000)
	}
	return
}

// total is what the buyer pays, in minor units.
func (o *order) total() int64 {
	m := fakeMarkets[o.market]
	var t int64
	for _, it := range o.items {
		price, tax, ship, shipTax, promo := o.amounts(it)
		t += price + ship - promo
		if !m.taxIncluded {
			t += tax + shipTax
		}
	}
	return t
}

func divRound(a, b int64) int64 {
	if a < 0 {
		return -divRound(-a, b)
	}
	return (a + b/2) / b
}

// money formats minor units of a marketplace's currency.
func money(m market, v int64) string {
	if m.minor == 0 {
		return fmt.Sprint(v)
	}
	neg := ""
	if v < 0 {
		neg, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", neg, v/100, v%100)
}

type sku struct {
	sku, asin, fnsku, title string
	// price per marketplace currency, minor units
	price map[string]int64
	// mfn is the merchant-fulfilled quantity of the offer.
	mfn     int
	patches int
}

// fba is a SKU's FBA stock in one marketplace.
type fba struct {
	fulfillable, working, shipped, receiving, pendingOrder, transship, processing, researching, unfulfillable int
	updated                                                                                                   time.Time
}

func (f *fba) reserved() int { return f.pendingOrder + f.transship + f.processing }
func (f *fba) total() int {
	return f.fulfillable + f.working + f.shipped + f.receiving + f.reserved() + f.researching + f.unfulfillable
}

type store struct {
	orders  map[string]*order
	sorted  []*order // by (updated, id); rebuilt when dirty
	dirty   bool
	skus    []*sku
	skuByID map[string]*sku
	stock   map[string]map[string]*fba // marketplace -> sku -> stock
	rng     *mrand.Rand
	seq     int
}

var titles = []string{"Merino Crew Sweater", "Trail Socks 3-Pack", "Grüner Tee Becher", "Canvas Tote", "Rain Shell Jacket", "Wool Beanie",
	"Cotton T-Shirt", "Linen Napkins (4)", "Stoneware Mug", "Cork Yoga Mat", "Bamboo Cutlery Set", "Hiking Daypack"}
var colours = []string{"Navy", "Grey", "Olive", "Sand", "Black", "Rust"}

func generate(o Options, now time.Time) *store {
	rng := mrand.New(mrand.NewPCG(o.Seed, 0xa11ce))
	st := &store{orders: map[string]*order{}, skuByID: map[string]*sku{}, stock: map[string]map[string]*fba{}, rng: rng}
	for i := 0; i < o.SKUs; i++ {
		st.addSKU(fmt.Sprintf("SH-%04d-%s", i+1, strings.ToUpper(colours[i%len(colours)][:3])), titles[i%len(titles)]+", "+colours[i%len(colours)], o.Marketplaces, now)
	}
	until := now.Add(-time.Hour).Truncate(time.Second)
	span := time.Duration(o.HistoryDays) * 24 * time.Hour
	for i := 0; i < o.Orders; i++ {
		created := until.Add(-time.Duration(rng.Int64N(int64(span))))
		mp := o.Marketplaces[rng.IntN(len(o.Marketplaces))]
		ord := st.newOrder(mp, created)
		age := until.Sub(created)
		switch r := rng.IntN(100); {
		case r < 3:
			ord.status = StatusPending
		case r < 7:
			ord.status = StatusCanceled
		case age < 36*time.Hour && r < 40:
			ord.status = StatusUnshipped
		case ord.channel == "MFN" && len(ord.items) > 1 && r < 10:
			ord.status = StatusPartiallyShipped
		default:
			ord.status = StatusShipped
		}
		upd := created.Add(time.Duration(rng.Int64N(int64(48 * time.Hour))))
		if upd.After(until) {
			upd = until
		}
		ord.updated = upd.Truncate(time.Second)
		st.settle(ord, ord.updated)
		st.orders[ord.id] = ord
	}
	st.dirty = true
	return st
}

func (st *store) addSKU(id, title string, mps []string, now time.Time) *sku {
	rng := st.rng
	k := &sku{sku: id, asin: fmt.Sprintf("B0%08X", rng.Uint32()), fnsku: fmt.Sprintf("X00%07X", rng.Uint32()&0xfffffff), title: title,
		price: map[string]int64{}, mfn: rng.IntN(40)}
	base := int64(599 + rng.IntN(9000))
	for _, mp := range mps {
		m := fakeMarkets[mp]
		p := base
		switch m.currency {
		case "GBP":
			p = base * 86 / 100
		case "USD", "CAD":
			p = base * 108 / 100
		case "JPY":
			p = base * 16 / 10
		}
		if m.minor == 2 {
			p = p/100*100 + 99 // prices end in .99
		}
		k.price[m.currency] = p
		if st.stock[mp] == nil {
			st.stock[mp] = map[string]*fba{}
		}
		st.stock[mp][id] = &fba{fulfillable: 20 + rng.IntN(200), working: rng.IntN(3) * 10, shipped: rng.IntN(2) * 24, pendingOrder: rng.IntN(6),
			transship: rng.IntN(3), processing: rng.IntN(2), researching: rng.IntN(2), unfulfillable: rng.IntN(3),
			updated: now.Add(-time.Duration(rng.IntN(72*3600)) * time.Second).Truncate(time.Second)}
	}
	st.skus = append(st.skus, k)
	st.skuByID[id] = k
	return k
}

func (st *store) newOrderID() string {
	st.seq++
	return fmt.Sprintf("%03d-%07d-%07d", 300+st.rng.IntN(6), st.rng.IntN(10_000_000), st.seq%10_000_000)
}

func (st *store) newOrder(mp string, created time.Time) *order {
	rng := st.rng
	m := fakeMarkets[mp]
	ord := &order{id: st.newOrderID(), market: mp, created: created.Truncate(time.Second), channel: "MFN", service: "Standard",
		city: m.cities[rng.IntN(len(m.cities))], postal: fmt.Sprintf("%05d", 10000+rng.IntN(89999)), status: StatusUnshipped}
	for st.orders[ord.id] != nil {
		ord.id = st.newOrderID()
	}
	if rng.IntN(100) < 40 {
		ord.channel = "AFN"
	}
	if rng.IntN(100) < 15 {
		ord.service = "Expedited"
	}
	n := 1 + rng.IntN(3)
	used := map[string]bool{}
	for j := 0; j < n; j++ {
		k := st.skus[rng.IntN(len(st.skus))]
		if used[k.sku] {
			continue
		}
		used[k.sku] = true
		it := &item{id: fmt.Sprintf("%014d", rng.Int64N(1e14)), sku: k.sku, asin: k.asin, title: k.title, qty: 1 + rng.IntN(3)*rng.IntN(2),
			unit: k.price[m.currency]}
		if ord.channel == "MFN" && j == 0 {
			it.ship = []int64{0, 0, 299, 499}[rng.IntN(4)]
			if m.minor == 0 {
				it.ship = it.ship * 2
			}
		}
		if rng.IntN(100) < 10 {
			it.promo = it.unit * int64(it.qty) / 10
		}
		ord.items = append(ord.items, it)
	}
	return ord
}

// settle makes items and packages match the order's status.
func (st *store) settle(o *order, at time.Time) {
	m := fakeMarkets[o.market]
	switch o.status {
	case StatusShipped:
		for _, it := range o.items {
			it.shipped = it.qty
		}
	case StatusPartiallyShipped:
		for i, it := range o.items {
			if i == 0 {
				it.shipped = it.qty
			}
		}
	}
	if o.channel != "MFN" || len(o.packages) > 0 {
		return
	}
	shipped := map[string]int{}
	for _, it := range o.items {
		if it.shipped > 0 {
			shipped[it.id] = it.shipped
		}
	}
	if len(shipped) > 0 {
		o.packages = append(o.packages, &pkg{ref: fmt.Sprint(1 + st.rng.IntN(999_999)), carrier: m.carrier, service: o.service,
			tracking: fmt.Sprintf("JJD%015d", st.rng.Int64N(1e15)), status: "DELIVERED", shipped: at, items: shipped})
	}
}

// sortedOrders returns the orders sorted by (updated, id).
func (st *store) sortedOrders() []*order {
	if st.dirty {
		st.sorted = st.sorted[:0]
		for _, o := range st.orders {
			st.sorted = append(st.sorted, o)
		}
		sort.Slice(st.sorted, func(i, j int) bool {
			a, b := st.sorted[i], st.sorted[j]
			if !a.updated.Equal(b.updated) {
				return a.updated.Before(b.updated)
			}
			return a.id < b.id
		})
		st.dirty = false
	}
	return st.sorted
}

// touch moves an order's lastUpdatedTime to at (at least a second after
// the previous one, the APIs' precision).
func (st *store) touch(o *order, at time.Time) {
	at = at.Truncate(time.Second)
	if !at.After(o.updated) {
		at = o.updated.Add(time.Second)
	}
	o.updated = at
	st.dirty = true
}
