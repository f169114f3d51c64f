package shopifytest

import (
	"fmt"
	"strings"
	"time"
)

// The shop's data. Products, locations, stock and customers are generated
// eagerly (they are small); orders are generated lazily from the seed and
// their index, so that a shop of 100,000 orders costs no memory until an
// order is changed, when its materialised copy goes into an overlay.

// rng is a splitmix64 generator: tiny, fast and deterministic per seed.
type rng struct{ s uint64 }

func newRNG(seed int64, stream uint64) *rng {
	r := &rng{s: uint64(seed)*0x9E3779B97F4A7C15 ^ stream*0xD1B54A32D192ED03}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.next() % uint64(n))
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance reports true with probability pct/100.
func (r *rng) chance(pct int) bool { return r.intn(100) < pct }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// ID bases, one per resource type, so that ids look like Shopify's and never
// collide across types.
const (
	shopID             = 71234567890
	locationBase       = 76543210551
	productBase        = 8912345600000
	variantBase        = 44985110000000
	itemBase           = 47091811000000
	orderBase          = 5862346000000
	lineBase           = 14372016000000
	shipLineBase       = 4901234000000
	refundBase         = 1023456000000
	refundLineBase     = 5123456000000
	fulfillmentBase    = 5398765000000
	fulfillLineBase    = 3398765000000
	fulfillOrderBase   = 6398765000000
	fulfillOrderLnBase = 7398765000000
	customerBase       = 7612345600000
	idStride           = 32768
	maxLines           = 32 // per order: line ids are lineBase + idx*64 + k
	maxChildren        = 8  // refunds or fulfilments per order
)

type address struct {
	first, last, company, address1, address2, city, province, provinceCode, zip, country, countryCode, phone string
	lat, lon                                                                                                 float64
}

func (a address) name() string { return strings.TrimSpace(a.first + " " + a.last) }

type location struct {
	id             int64
	name           string
	addr           address
	active         bool
	fulfillsOnline bool
	createdAt      time.Time
	updatedAt      time.Time
}

type product struct {
	id          int64
	title       string
	handle      string
	vendor      string
	productType string
	category    string
	status      string
	tags        []string
	createdAt   time.Time
	updatedAt   time.Time
	variants    []*variant
	optionName  string
	// metafields by namespace.key; set with metafieldsSet.
	metafields map[string]*metafield
}

type variant struct {
	id, itemID     int64
	product        *product
	sku, barcode   string
	title          string
	options        []string
	price          int64 // shop currency minor units
	compareAt      int64 // 0 = none
	cost           int64 // 0 = unknown
	grams          int
	hsCode, origin string
	tracked        bool
	requiresShip   bool
	createdAt      time.Time
	updatedAt      time.Time
}

type level struct {
	itemID, locationID                     int64
	available, onHand, committed, incoming int
	updatedAt                              time.Time
}

type customer struct {
	idx      int
	id       int64
	first    string
	last     string
	email    string
	phone    string
	redacted bool
	created  time.Time
}

type market struct {
	country, currency string
	taxTitle          string
	taxBP             int64 // tax rate in basis points
	taxIncluded       bool
	shipping          int64 // presentment minor units
	freeOver          int64 // free shipping over this subtotal (presentment minor)
	weight            int   // share of orders, percent
	cities            []address
	shippingTitle     string
}

var markets = []market{
	{country: "US", currency: "USD", taxTitle: "NY State Tax", taxBP: 400, shipping: 799, freeOver: 10000, weight: 45, shippingTitle: "Standard Shipping",
		cities: []address{{city: "New York", province: "New York", provinceCode: "NY", zip: "10001", country: "United States", countryCode: "US", lat: 40.7506, lon: -73.9972},
			{city: "Brooklyn", province: "New York", provinceCode: "NY", zip: "11201", country: "United States", countryCode: "US", lat: 40.6943, lon: -73.9903}}},
	{country: "DE", currency: "EUR", taxTitle: "DE MwSt", taxBP: 1900, taxIncluded: true, shipping: 490, freeOver: 7500, weight: 15, shippingTitle: "DHL Paket",
		cities: []address{{city: "Berlin", zip: "10119", country: "Germany", countryCode: "DE", lat: 52.5294, lon: 13.4011},
			{city: "München", zip: "80331", country: "Germany", countryCode: "DE", lat: 48.1374, lon: 11.5755}}},
	{country: "FR", currency: "EUR", taxTitle: "FR TVA", taxBP: 2000, taxIncluded: true, shipping: 590, freeOver: 8000, weight: 8, shippingTitle: "Colissimo",
		cities: []address{{city: "Paris", zip: "75011", country: "France", countryCode: "FR", lat: 48.8589, lon: 2.3795}}},
	{country: "GB", currency: "GBP", taxTitle: "GB VAT", taxBP: 2000, taxIncluded: true, shipping: 395, freeOver: 6000, weight: 12, shippingTitle: "Royal Mail Tracked 48",
		cities: []address{{city: "London", zip: "EC1V 9HX", country: "United Kingdom", countryCode: "GB", lat: 51.5265, lon: -0.0876}}},
	{country: "CA", currency: "CAD", taxTitle: "ON HST", taxBP: 1300, shipping: 1200, freeOver: 15000, weight: 8, shippingTitle: "Canada Post Expedited",
		cities: []address{{city: "Toronto", province: "Ontario", provinceCode: "ON", zip: "M5V 2T6", country: "Canada", countryCode: "CA", lat: 43.6426, lon: -79.3871}}},
	{country: "AU", currency: "AUD", taxTitle: "AU GST", taxBP: 1000, taxIncluded: true, shipping: 1500, freeOver: 20000, weight: 6, shippingTitle: "Australia Post",
		cities: []address{{city: "Sydney", province: "New South Wales", provinceCode: "NSW", zip: "2000", country: "Australia", countryCode: "AU", lat: -33.8688, lon: 151.2093}}},
	{country: "JP", currency: "JPY", taxTitle: "JP 消費税", taxBP: 1000, taxIncluded: true, shipping: 800, freeOver: 15000, weight: 6, shippingTitle: "Yamato 宅急便",
		cities: []address{{city: "東京", province: "Tokyo", provinceCode: "JP-13", zip: "100-0005", country: "Japan", countryCode: "JP", lat: 35.6812, lon: 139.7671}}},
}

var (
	firstNames = []string{"Lena", "Jonas", "Amélie", "Oliver", "Sofia", "Liam", "Mia", "Noah", "Yuki", "Chloé", "Aarav", "Emma", "Lucas", "Hannah", "Mateo", "Zoë"}
	lastNames  = []string{"Müller", "Schmidt", "Dubois", "Smith", "García", "Tanaka", "Brown", "Nguyen", "Rossi", "O'Connor", "Kowalski", "Lefèvre", "Jensen", "Patel"}
	streets    = []string{"Torstraße", "Main Street", "Rue Oberkampf", "High Street", "Queen Street West", "George Street", "丸の内", "Broadway"}
)

type line struct {
	id         int64
	variant    *variant
	qty        int
	unit       int64 // presentment minor units, before discounts
	alloc      int64 // discount allocated to the line (presentment)
	tax        int64 // tax on the line (presentment)
	locationID int64
}

type shipLine struct {
	id    int64
	title string
	code  string
	price int64
	alloc int64
	tax   int64
}

type discountApp struct {
	kind  string // code or automatic
	code  string
	title string
	pct   int64
}

type refundLine struct {
	id         int64
	line       int // index into order.lines
	qty        int
	subtotal   int64
	tax        int64
	restock    string // return, cancel, no_restock
	locationID int64
}

type refund struct {
	id        int64
	createdAt time.Time
	note      string
	lines     []refundLine
	shipping  int64
	shipTax   int64
}

// total is what the buyer got back. Line subtotals and the shipping price
// already hold their tax when prices include tax.
func (r *refund) total(taxesIncluded bool) int64 {
	t := r.shipping
	for _, l := range r.lines {
		t += l.subtotal
		if !taxesIncluded {
			t += l.tax
		}
	}
	if !taxesIncluded {
		t += r.shipTax
	}
	return t
}

type fulfillLine struct {
	id   int64
	line int
	qty  int
}

type fulfillment struct {
	id             int64
	createdAt      time.Time
	updatedAt      time.Time
	locationID     int64
	status         string // success, cancelled
	shipmentStatus string // "", in_transit, delivered ...
	company        string
	number         string
	url            string
	lines          []fulfillLine
}

type order struct {
	idx           int
	id            int64
	number        int
	createdAt     time.Time
	updatedAt     time.Time
	cancelledAt   *time.Time
	cancelReason  string
	closedAt      *time.Time
	shopCur       string
	presCur       string
	mkt           *market
	taxesIncluded bool
	baseFinancial string // pending, authorized, paid
	cust          *customer
	addr          address
	email         string
	lines         []line
	shipping      []shipLine
	disc          *discountApp
	refunds       []refund
	fulfillments  []fulfillment
	tags          []string
	note          string
	sourceName    string
}

func (o *order) gid() string { return gid("Order", o.id) }

func (o *order) name() string { return fmt.Sprintf("#%d", o.number) }

func (o *order) subtotal() int64 {
	var s int64
	for _, l := range o.lines {
		s += l.unit*int64(l.qty) - l.alloc
	}
	return s
}

func (o *order) lineItemsTotal() int64 {
	var s int64
	for _, l := range o.lines {
		s += l.unit * int64(l.qty)
	}
	return s
}

func (o *order) totalDiscounts() int64 {
	var s int64
	for _, l := range o.lines {
		s += l.alloc
	}
	for _, sl := range o.shipping {
		s += sl.alloc
	}
	return s
}

func (o *order) totalShipping() int64 {
	var s int64
	for _, sl := range o.shipping {
		s += sl.price - sl.alloc
	}
	return s
}

func (o *order) totalTax() int64 {
	var s int64
	for _, l := range o.lines {
		s += l.tax
	}
	for _, sl := range o.shipping {
		s += sl.tax
	}
	return s
}

func (o *order) total() int64 {
	t := o.subtotal() + o.totalShipping()
	if !o.taxesIncluded {
		t += o.totalTax()
	}
	return t
}

func (o *order) refunded() (subtotal, tax, total int64) {
	for _, r := range o.refunds {
		for _, l := range r.lines {
			subtotal += l.subtotal
			tax += l.tax
		}
		tax += r.shipTax
		total += r.total(o.taxesIncluded)
	}
	return
}

func (o *order) financialStatus() string {
	if len(o.refunds) > 0 {
		_, _, refunded := o.refunded()
		if refunded >= o.total() {
			return "refunded"
		}
		return "partially_refunded"
	}
	if o.cancelledAt != nil && o.baseFinancial != "paid" {
		return "voided"
	}
	return o.baseFinancial
}

func (o *order) fulfilledQty(lineIdx int) int {
	n := 0
	for _, f := range o.fulfillments {
		if f.status != "success" {
			continue
		}
		for _, fl := range f.lines {
			if fl.line == lineIdx {
				n += fl.qty
			}
		}
	}
	return n
}

func (o *order) refundedQty(lineIdx int) int {
	n := 0
	for _, r := range o.refunds {
		for _, rl := range r.lines {
			if rl.line == lineIdx {
				n += rl.qty
			}
		}
	}
	return n
}

// fulfillmentStatus is the REST fulfillment_status: "" (null), partial or fulfilled.
func (o *order) fulfillmentStatus() string {
	total, done := 0, 0
	for i, l := range o.lines {
		if !l.variant.requiresShip {
			continue
		}
		total += l.qty
		done += min(o.fulfilledQty(i), l.qty)
	}
	switch {
	case done == 0:
		return ""
	case done >= total:
		return "fulfilled"
	}
	return "partial"
}

// fulfillmentOrder groups an order's lines by their assigned location.
type fulfillmentOrder struct {
	id         int64
	locationID int64
	lines      []int // indexes into order.lines
	k          int
}

func (o *order) fulfillmentOrders() []fulfillmentOrder {
	var fos []fulfillmentOrder
	for i, l := range o.lines {
		found := false
		for j := range fos {
			if fos[j].locationID == l.locationID {
				fos[j].lines = append(fos[j].lines, i)
				found = true
			}
		}
		if !found {
			k := len(fos)
			fos = append(fos, fulfillmentOrder{id: fulfillOrderBase + int64(o.idx)*maxChildren + int64(k), locationID: l.locationID, lines: []int{i}, k: k})
		}
	}
	return fos
}

func (o *order) clone() *order {
	c := *o
	c.lines = append([]line(nil), o.lines...)
	c.shipping = append([]shipLine(nil), o.shipping...)
	c.tags = append([]string(nil), o.tags...)
	c.refunds = make([]refund, len(o.refunds))
	for i, r := range o.refunds {
		r.lines = append([]refundLine(nil), r.lines...)
		c.refunds[i] = r
	}
	c.fulfillments = make([]fulfillment, len(o.fulfillments))
	for i, f := range o.fulfillments {
		f.lines = append([]fulfillLine(nil), f.lines...)
		c.fulfillments[i] = f
	}
	if o.cust != nil {
		cu := *o.cust
		c.cust = &cu
	}
	return &c
}

func gid(typ string, id int64) string { return fmt.Sprintf("gid://shopify/%s/%d", typ, id) }

// catalog is the generated, eagerly held part of the shop.
type catalog struct {
	locations []*location
	products  []*product
	variants  []*variant
	active    []*variant // variants of active products
	pool      []*variant // the variants generated orders use, fixed at creation
	levels    map[[2]int64]*level
}

func (c *catalog) reindex() {
	c.variants, c.active = c.variants[:0], c.active[:0]
	for _, p := range c.products {
		for _, v := range p.variants {
			c.variants = append(c.variants, v)
			if p.status == "active" {
				c.active = append(c.active, v)
			}
		}
	}
}

var productTemplates = []struct {
	title, typ, category, hs, origin, prefix, optionName string
	options                                              []string
	price, grams                                         int
}{
	{"Merino Crew Sweater", "Sweaters", "Apparel & Accessories > Clothing > Clothing Tops > Sweaters", "611011", "PT", "MCS", "Size", []string{"S", "M", "L", "XL"}, 8900, 380},
	{"Trail Socks 3-Pack", "Socks", "Apparel & Accessories > Clothing > Socks", "6115950000", "TR", "TS3", "Color", []string{"Grey", "Olive", "Navy"}, 2115, 90},
	{"Canvas Weekender Bag", "Bags", "Luggage & Bags > Duffel Bags", "42029291", "IN", "CWB", "Color", []string{"Sand", "Black"}, 14500, 1250},
	{"Insulated Bottle 750 ml", "Drinkware", "Home & Garden > Kitchen & Dining > Tableware > Drinkware", "732393", "CN", "IB7", "Color", []string{"Steel", "Forest", "Rust"}, 3400, 410},
	{"Rain Shell Jacket", "Jackets", "Apparel & Accessories > Clothing > Outerwear > Coats & Jackets", "620193", "VN", "RSJ", "Size", []string{"S", "M", "L"}, 18900, 520},
	{"Wool Beanie", "Hats", "Apparel & Accessories > Clothing Accessories > Hats", "650500", "IE", "WBN", "Color", []string{"Charcoal", "Mustard"}, 2900, 80},
	{"Leather Card Holder", "Wallets", "Apparel & Accessories > Handbags, Wallets & Cases > Wallets & Money Clips", "420232", "IT", "LCH", "Color", []string{"Tan", "Black"}, 4500, 40},
	{"Camp Mug Enamel", "Drinkware", "Home & Garden > Kitchen & Dining > Tableware > Drinkware", "732391", "PL", "CME", "Color", []string{"White", "Blue"}, 1800, 230},
	{"E-Gift Card", "Gift Cards", "Arts & Entertainment > Party & Celebration > Gift Giving > Gift Cards & Certificates", "", "", "EGC", "Value", []string{"25", "50", "100"}, 2500, 0},
}

// ean13 returns a valid EAN-13 from a 12-digit stem.
func ean13(stem int64) string {
	s := fmt.Sprintf("%012d", stem%1_000_000_000_000)
	sum := 0
	for i, c := range s {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return s + fmt.Sprint((10-sum%10)%10)
}

func newCatalog(seed int64, nProducts int, shopCur string, until time.Time) *catalog {
	r := newRNG(seed, 1)
	c := &catalog{levels: map[[2]int64]*level{}}
	locs := []struct {
		name   string
		addr   address
		active bool
	}{
		{"Newark Warehouse", address{address1: "100 Port St", city: "Newark", province: "New Jersey", provinceCode: "NJ", zip: "07114", country: "United States", countryCode: "US", lat: 40.6976, lon: -74.1446}, true},
		{"Berlin Fulfilment", address{address1: "Am Borsigturm 40", city: "Berlin", zip: "13507", country: "Germany", countryCode: "DE", lat: 52.5868, lon: 13.2835}, true},
		{"Toronto Store", address{address1: "220 Yonge St", city: "Toronto", province: "Ontario", provinceCode: "ON", zip: "M5B 2H1", country: "Canada", countryCode: "CA", lat: 43.6544, lon: -79.3807}, true},
		{"Old Harbour Depot (closed)", address{address1: "1 Dock Rd", city: "Bristol", zip: "BS1 4RN", country: "United Kingdom", countryCode: "GB", lat: 51.4496, lon: -2.5980}, false},
	}
	for i, l := range locs {
		c.locations = append(c.locations, &location{id: locationBase + int64(i)*idStride, name: l.name, addr: l.addr, active: l.active,
			fulfillsOnline: l.active && i < 2, createdAt: until.AddDate(-3, 0, i), updatedAt: until.AddDate(0, -6, i)})
	}
	vIdx := 0
	for p := 0; p < nProducts; p++ {
		t := productTemplates[p%len(productTemplates)]
		edition := p / len(productTemplates)
		title := t.title
		prefix := t.prefix
		if edition > 0 {
			title = fmt.Sprintf("%s — Edition %d", t.title, edition+1)
			prefix = fmt.Sprintf("%s%d", t.prefix, edition+1)
		}
		created := until.AddDate(-2, 0, 0).Add(time.Duration(r.intn(300*24)) * time.Hour).Truncate(time.Second)
		pr := &product{id: productBase + int64(p)*idStride, title: title, handle: strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(title, " — ", "-"), " ", "-")),
			vendor: "Supplyhub Outfitters", productType: t.typ, category: t.category, status: "active", tags: []string{strings.ToLower(t.typ)},
			createdAt: created, updatedAt: created.Add(time.Duration(r.intn(200*24)) * time.Hour), optionName: t.optionName}
		if p%13 == 12 {
			pr.status = "draft"
		}
		nv := r.between(1, len(t.options))
		for v := 0; v < nv; v++ {
			opt := t.options[v]
			price := convert(int64(t.price), "USD", shopCur)
			if t.typ == "Gift Cards" {
				price = convert(int64(2500*(1<<v)), "USD", shopCur)
			}
			va := &variant{id: variantBase + int64(vIdx)*idStride, itemID: itemBase + int64(vIdx)*idStride, product: pr,
				sku: strings.ToUpper(fmt.Sprintf("%s-%s", prefix, strings.ReplaceAll(opt, " ", ""))), barcode: ean13(400638133000 + int64(vIdx)*7),
				title: opt, options: []string{opt}, price: price, grams: t.grams, hsCode: t.hs, origin: t.origin,
				tracked: t.typ != "Gift Cards", requiresShip: t.typ != "Gift Cards", createdAt: pr.createdAt, updatedAt: pr.updatedAt}
			if r.chance(40) {
				va.compareAt = price * 12 / 10
			}
			if r.chance(80) {
				va.cost = price * int64(r.between(30, 55)) / 100
			}
			pr.variants = append(pr.variants, va)
			c.variants = append(c.variants, va)
			if va.tracked {
				for _, l := range c.locations {
					if !l.active {
						continue
					}
					onHand := r.between(0, 120)
					committed := min(onHand, r.between(0, 5))
					lv := &level{itemID: va.itemID, locationID: l.id, onHand: onHand, committed: committed, available: onHand - committed,
						incoming: pick(r, []int{0, 0, 0, 24, 48}), updatedAt: pr.updatedAt}
					c.levels[[2]int64{va.itemID, l.id}] = lv
				}
			}
			vIdx++
		}
		c.products = append(c.products, pr)
	}
	c.reindex()
	c.pool = append([]*variant(nil), c.active...)
	return c
}

// genCustomer returns customer number c of the shop.
func genCustomer(seed int64, c int, until time.Time) *customer {
	r := newRNG(seed, 1<<40+uint64(c))
	first, last := pick(r, firstNames), pick(r, lastNames)
	email := strings.ToLower(fmt.Sprintf("%s.%s.%d@example.com", asciiFold(first), asciiFold(last), c))
	cu := &customer{idx: c, id: customerBase + int64(c)*idStride, first: first, last: last, email: email,
		created: until.AddDate(-2, 0, 0).Add(time.Duration(r.intn(700*24)) * time.Hour).Truncate(time.Second)}
	if r.chance(30) {
		cu.phone = fmt.Sprintf("+1 555 01%02d %04d", r.intn(100), r.intn(10000))
	}
	return cu
}

var folder = strings.NewReplacer("ü", "u", "é", "e", "è", "e", "ë", "e", "ç", "c", "'", "", "ö", "o", "ä", "a")

func asciiFold(s string) string { return folder.Replace(s) }
