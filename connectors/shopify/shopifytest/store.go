package shopifytest

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// store holds the shop's state: the generated base, the overlay of changed
// orders, and the indexes that make cursor pagination by updated_at cheap
// for any number of orders.
type store struct {
	mu sync.RWMutex

	seed       int64
	n          int // generated base orders
	total      int // base + created at runtime
	until      time.Time
	start      time.Time
	step       time.Duration
	shopCur    string
	tz         *time.Location
	nCustomers int
	cat        *catalog

	overlay  map[int]*order // materialised copies of changed or new orders
	moved    []orderKey     // overlay orders, sorted by (updatedAt, id)
	deleted  map[int]bool
	redacted map[int]bool // customer indexes whose data was redacted

	clock     func() time.Time
	lastStamp time.Time
}

type orderKey struct {
	upd time.Time
	id  int64
	idx int
}

func (k orderKey) less(o orderKey) bool {
	if !k.upd.Equal(o.upd) {
		return k.upd.Before(o.upd)
	}
	return k.id < o.id
}

func newStore(seed int64, n, products int, shopCur string, tz *time.Location, until time.Time, clock func() time.Time) *store {
	span := 365 * 24 * time.Hour
	step := time.Second
	if n > 0 {
		step = max(time.Second, (span / time.Duration(n)).Truncate(time.Second))
	}
	s := &store{seed: seed, n: n, total: n, until: until, start: until.Add(-span), step: step, shopCur: shopCur, tz: tz,
		nCustomers: max(10, n/3), overlay: map[int]*order{}, deleted: map[int]bool{}, redacted: map[int]bool{}, clock: clock}
	s.cat = newCatalog(seed, products, shopCur, until)
	return s
}

// baseUpdated is the generated updated_at of base order i. Orders come in
// groups of three that share one second, so that pagination and
// incremental reads must handle ties.
func (s *store) baseUpdated(i int) time.Time {
	return s.start.Add(time.Duration(i-i%3) * s.step)
}

func (s *store) baseKey(i int) orderKey {
	return orderKey{upd: s.baseUpdated(i), id: orderBase + int64(i)*idStride, idx: i}
}

// stamp returns the time for a change happening now: the clock truncated to
// the second, never before the previous stamp (Shopify's updated_at has
// second precision, so several changes may share one).
func (s *store) stamp() time.Time {
	now := s.clock().UTC().Truncate(time.Second)
	if now.Before(s.lastStamp) {
		now = s.lastStamp
	}
	s.lastStamp = now
	return now
}

// idxOf returns the index of an order id, or -1.
func (s *store) idxOf(id int64) int {
	if id < orderBase || (id-orderBase)%idStride != 0 {
		return -1
	}
	i := int((id - orderBase) / idStride)
	if i >= s.total || s.deleted[i] {
		return -1
	}
	return i
}

// get returns order i (read-only; callers hold at least the read lock).
func (s *store) get(i int) *order {
	if o, ok := s.overlay[i]; ok {
		return o
	}
	return s.genOrder(i, time.Time{})
}

// put stores a changed order and re-indexes it.
func (s *store) put(o *order) {
	if old, ok := s.overlay[o.idx]; ok {
		k := orderKey{upd: old.updatedAt, id: old.id, idx: old.idx}
		j := sort.Search(len(s.moved), func(j int) bool { return !s.moved[j].less(k) })
		if j < len(s.moved) && s.moved[j].idx == o.idx {
			s.moved = append(s.moved[:j], s.moved[j+1:]...)
		}
	}
	s.overlay[o.idx] = o
	k := orderKey{upd: o.updatedAt, id: o.id, idx: o.idx}
	j := sort.Search(len(s.moved), func(j int) bool { return !s.moved[j].less(k) })
	s.moved = append(s.moved, orderKey{})
	copy(s.moved[j+1:], s.moved[j:])
	s.moved[j] = k
}

// mutate applies fn to a copy of order i, stamps it and stores it. at, when
// not zero, overrides the stamp (to model Shopify's search index lag).
func (s *store) mutate(i int, at time.Time, fn func(o *order) error) (*order, error) {
	o := s.get(i).clone()
	if err := fn(o); err != nil {
		return nil, err
	}
	if at.IsZero() {
		o.updatedAt = s.stamp()
	} else {
		o.updatedAt = at.UTC().Truncate(time.Second)
	}
	s.put(o)
	return o, nil
}

// ordersByUpdated returns up to limit order indexes in (updated_at, id)
// order, after the key after (nil = from the start), with updated_at within
// the filter.
func (s *store) ordersByUpdated(after *orderKey, f timeFilter, limit int) []int {
	var out []int
	// base pointer
	bi := 0
	if after != nil || f.lo != nil {
		bi = sort.Search(s.n, func(i int) bool {
			k := s.baseKey(i)
			if after != nil && !after.less(k) {
				return false
			}
			return f.lo == nil || f.lowOK(k.upd)
		})
	}
	mi := 0
	if after != nil || f.lo != nil {
		mi = sort.Search(len(s.moved), func(j int) bool {
			k := s.moved[j]
			if after != nil && !after.less(k) {
				return false
			}
			return f.lo == nil || f.lowOK(k.upd)
		})
	}
	for len(out) < limit {
		for bi < s.n {
			if _, ok := s.overlay[bi]; ok || s.deleted[bi] {
				bi++
				continue
			}
			break
		}
		for mi < len(s.moved) && s.deleted[s.moved[mi].idx] {
			mi++
		}
		var k orderKey
		switch {
		case bi < s.n && mi < len(s.moved):
			if bk := s.baseKey(bi); bk.less(s.moved[mi]) {
				k = bk
				bi++
			} else {
				k = s.moved[mi]
				mi++
			}
		case bi < s.n:
			k = s.baseKey(bi)
			bi++
		case mi < len(s.moved):
			k = s.moved[mi]
			mi++
		default:
			return out
		}
		if !f.highOK(k.upd) {
			return out // the merged sequence ascends: nothing later matches
		}
		out = append(out, k.idx)
	}
	return out
}

// ordersByID returns up to limit order indexes in id order after id
// afterID, keeping only orders within the filter.
func (s *store) ordersByID(afterID int64, f timeFilter, limit int) []int {
	var out []int
	start := 0
	if afterID >= orderBase {
		start = int((afterID-orderBase)/idStride) + 1
	}
	for i := start; i < s.total && len(out) < limit; i++ {
		if s.deleted[i] {
			continue
		}
		if f.lo != nil || f.hi != nil {
			upd := s.baseUpdated(i)
			if o, ok := s.overlay[i]; ok {
				upd = o.updatedAt
			}
			if !f.lowOK(upd) || !f.highOK(upd) {
				continue
			}
		}
		out = append(out, i)
	}
	return out
}

// countOrders counts orders within the filter, up to limit (0 = no limit).
func (s *store) countOrders(f timeFilter) int {
	n := s.n
	if f.lo != nil || f.hi != nil {
		lo := 0
		if f.lo != nil {
			lo = sort.Search(s.n, func(i int) bool { return f.lowOK(s.baseUpdated(i)) })
		}
		hi := s.n
		if f.hi != nil {
			hi = sort.Search(s.n, func(i int) bool { return !f.highOK(s.baseUpdated(i)) })
		}
		n = max(0, hi-lo)
	}
	for i := range s.overlay {
		if i < s.n && f.lowOK(s.baseUpdated(i)) && f.highOK(s.baseUpdated(i)) {
			n-- // counted at its base time, but it moved
		}
	}
	for i := range s.deleted {
		if _, moved := s.overlay[i]; !moved && i < s.n && f.lowOK(s.baseUpdated(i)) && f.highOK(s.baseUpdated(i)) {
			n--
		}
	}
	for _, k := range s.moved {
		if !s.deleted[k.idx] && f.lowOK(k.upd) && f.highOK(k.upd) {
			n++
		}
	}
	return n
}

// timeFilter is a parsed updated_at range from a search query.
type timeFilter struct {
	lo, hi         *time.Time
	loIncl, hiIncl bool
}

func (f timeFilter) lowOK(t time.Time) bool {
	if f.lo == nil {
		return true
	}
	if f.loIncl {
		return !t.Before(*f.lo)
	}
	return t.After(*f.lo)
}

func (f timeFilter) highOK(t time.Time) bool {
	if f.hi == nil {
		return true
	}
	if f.hiIncl {
		return !t.After(*f.hi)
	}
	return t.Before(*f.hi)
}

var (
	discountCodes = []discountApp{{kind: "code", code: "WELCOME10", pct: 10}, {kind: "code", code: "SPRING15", pct: 15}, {kind: "automatic", title: "Bundle deal", pct: 5}}
	carriers      = map[string][2]string{
		"US": {"UPS", "https://www.ups.com/track?tracknum=%s"}, "DE": {"DHL Express", "https://www.dhl.com/en/express/tracking.html?AWB=%s&brand=DHL"},
		"FR": {"DHL Express", "https://www.dhl.com/en/express/tracking.html?AWB=%s&brand=DHL"}, "GB": {"Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/%s"},
		"CA": {"Canada Post", "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=%s"}, "AU": {"Australia Post", "https://auspost.com.au/mypost/track/details/%s"},
		"JP": {"Yamato", "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number=%s"},
	}
)

// genOrder generates order i. A zero at means a base order (its time from
// the index); otherwise a new order placed at that moment.
func (s *store) genOrder(i int, at time.Time) *order {
	r := newRNG(s.seed, 2<<40+uint64(i))
	fresh := !at.IsZero()
	upd := s.baseUpdated(i)
	if fresh {
		upd = at
	}
	w := r.intn(100)
	mkt := &markets[0]
	for j := range markets {
		if w < markets[j].weight {
			mkt = &markets[j]
			break
		}
		w -= markets[j].weight
	}
	o := &order{idx: i, id: orderBase + int64(i)*idStride, number: 1001 + i, updatedAt: upd, shopCur: s.shopCur, presCur: mkt.currency,
		mkt: mkt, taxesIncluded: mkt.taxIncluded, baseFinancial: "paid", sourceName: "web"}
	switch x := r.intn(100); {
	case x < 5:
		o.baseFinancial = "pending"
	case x < 10:
		o.baseFinancial = "authorized"
	}
	if r.chance(7) {
		o.sourceName = "pos"
	}
	later := !fresh && r.chance(75) // fulfilled or refunded after creation
	lag := time.Duration(r.between(5, 120)) * time.Second
	if later {
		lag = time.Duration(r.between(48, 144)) * time.Hour
	}
	o.createdAt = upd.Add(-lag)
	if fresh {
		o.createdAt = upd
	}

	// customer and address
	city := pick(r, mkt.cities)
	o.addr = city
	if c, ok := s.customerOf(i); ok {
		o.cust = genCustomer(s.seed, c, s.until)
		if s.redacted[c] {
			o.cust.redacted = true
		}
		o.addr.first, o.addr.last = o.cust.first, o.cust.last
		o.email = o.cust.email
	} else {
		o.addr.first, o.addr.last = pick(r, firstNames), pick(r, lastNames)
		o.email = fmt.Sprintf("guest%d@example.net", i)
	}
	o.addr.address1 = fmt.Sprintf("%s %d", pick(r, streets), r.between(1, 240))
	if r.chance(20) {
		o.addr.address2 = fmt.Sprintf("%d. OG", r.between(1, 6))
	}
	if r.chance(40) {
		o.addr.phone = fmt.Sprintf("+%d %03d %07d", r.between(1, 81), r.intn(1000), r.intn(10_000_000))
	}

	// lines
	nLines := r.between(1, 4)
	switch x := r.intn(100); {
	case x < 1:
		nLines = r.between(16, 24)
	case x < 5:
		nLines = r.between(5, 8)
	}
	pool := s.cat.pool
	nLines = min(nLines, len(pool), maxLines)
	used := map[int]bool{}
	if r.chance(30) {
		d := discountCodes[r.intn(len(discountCodes))]
		o.disc = &d
	}
	shipLoc := s.cat.locations[0].id
	if mkt.country != "US" && mkt.country != "CA" {
		shipLoc = s.cat.locations[1].id
	}
	needsShipping := false
	for k := 0; k < nLines; k++ {
		vi := r.intn(len(pool))
		for used[vi] {
			vi = (vi + 1) % len(pool)
		}
		used[vi] = true
		v := pool[vi]
		l := line{id: lineBase + int64(i)*64 + int64(k), variant: v, qty: r.between(1, 3), unit: convert(v.price, s.shopCur, mkt.currency), locationID: shipLoc}
		if o.disc != nil {
			l.alloc = divRoundHalfUp(l.unit*int64(l.qty)*o.disc.pct, 100)
		}
		l.tax = taxOn(l.unit*int64(l.qty)-l.alloc, mkt)
		needsShipping = needsShipping || v.requiresShip
		o.lines = append(o.lines, l)
	}
	if needsShipping {
		price := mkt.shipping
		if o.subtotal() >= mkt.freeOver {
			price = 0
		}
		o.shipping = []shipLine{{id: shipLineBase + int64(i)*4, title: mkt.shippingTitle, code: mkt.shippingTitle, price: price, tax: taxOn(price, mkt)}}
	}
	tags := []string{"vip", "wholesale", "gift", "newsletter"}
	for _, t := range tags {
		if r.chance(8) {
			o.tags = append(o.tags, t)
		}
	}

	if fresh {
		return o
	}
	// what happened after the order was placed
	if r.chance(2) {
		c := o.createdAt.Add(time.Hour)
		o.cancelledAt = &c
		o.cancelReason = pick(r, []string{"customer", "inventory", "fraud", "declined"})
		if o.baseFinancial == "paid" {
			rf := refund{id: refundBase + int64(i)*maxChildren, createdAt: c, note: "Order cancelled"}
			for k, l := range o.lines {
				rf.lines = append(rf.lines, refundLine{id: refundLineID(i, len(o.refunds), k), line: k, qty: l.qty,
					subtotal: l.unit*int64(l.qty) - l.alloc, tax: l.tax, restock: "cancel", locationID: l.locationID})
			}
			for _, sl := range o.shipping {
				rf.shipping += sl.price - sl.alloc
				rf.shipTax += sl.tax
			}
			o.refunds = append(o.refunds, rf)
		}
		return o
	}
	if later && needsShipping && o.baseFinancial != "pending" {
		switch x := r.intn(100); {
		case x < 80:
			s.genFulfillments(o, r, len(o.lines))
		case x < 90:
			s.genFulfillments(o, r, 1)
		}
	}
	if later && o.baseFinancial == "paid" && r.chance(10) {
		k := r.intn(len(o.lines))
		l := o.lines[k]
		rf := refund{id: refundBase + int64(i)*maxChildren + int64(len(o.refunds)), createdAt: o.createdAt.Add(36 * time.Hour), note: "Return: wrong size"}
		rf.lines = []refundLine{{id: refundLineID(i, len(o.refunds), k), line: k, qty: 1,
			subtotal: l.unit - divRoundHalfUp(l.alloc, int64(l.qty)), tax: divRoundHalfUp(l.tax, int64(l.qty)), restock: "return", locationID: l.locationID}}
		if !l.variant.requiresShip {
			rf.lines[0].restock = "no_restock"
		}
		o.refunds = append(o.refunds, rf)
	}
	return o
}

// customerOf returns the customer of order i (90 % of orders have one),
// drawn from a stream of its own so that finding a customer's orders does
// not generate them.
func (s *store) customerOf(i int) (int, bool) {
	r := newRNG(s.seed, 3<<40+uint64(i))
	if !r.chance(90) {
		return 0, false
	}
	return r.intn(s.nCustomers), true
}

// genFulfillments fulfils the first n lines, one fulfilment per location.
func (s *store) genFulfillments(o *order, r *rng, n int) {
	byLoc := map[int64][]fulfillLine{}
	var locs []int64
	for k := 0; k < n; k++ {
		l := o.lines[k]
		if !l.variant.requiresShip {
			continue
		}
		if _, ok := byLoc[l.locationID]; !ok {
			locs = append(locs, l.locationID)
		}
		byLoc[l.locationID] = append(byLoc[l.locationID], fulfillLine{line: k, qty: l.qty})
	}
	for _, loc := range locs {
		c := o.createdAt.Add(24 * time.Hour)
		car := carriers[o.mkt.country]
		num := fmt.Sprintf("%d%09d", 1+r.intn(9), r.intn(1_000_000_000))
		f := fulfillment{id: fulfillmentBase + int64(o.idx)*maxChildren + int64(len(o.fulfillments)), createdAt: c, updatedAt: c.Add(time.Duration(r.between(1, 40)) * time.Hour),
			locationID: loc, status: "success", company: car[0], number: num, url: fmt.Sprintf(car[1], num), lines: byLoc[loc]}
		for j := range f.lines {
			f.lines[j].id = fulfillLineID(o.idx, len(o.fulfillments), f.lines[j].line)
		}
		if f.updatedAt.After(o.updatedAt) {
			f.updatedAt = o.updatedAt
		}
		f.shipmentStatus = pick(r, []string{"delivered", "delivered", "in_transit", "", "out_for_delivery"})
		o.fulfillments = append(o.fulfillments, f)
	}
}

// refundLineID is the id of line k's entry in refund r of order idx.
func refundLineID(idx, r, k int) int64 {
	return refundLineBase + (int64(idx)*maxChildren+int64(r))*64 + int64(k)
}

// fulfillLineID is the id of line k's entry in fulfilment f of order idx.
func fulfillLineID(idx, f, k int) int64 {
	return fulfillLineBase + (int64(idx)*maxChildren+int64(f))*64 + int64(k)
}

// taxOn returns the tax on a presentment amount under the market's rules.
func taxOn(amount int64, m *market) int64 {
	if m.taxIncluded {
		return divRoundHalfUp(amount*m.taxBP, 10000+m.taxBP)
	}
	return divRoundHalfUp(amount*m.taxBP, 10000)
}

// allOrderKeys is used by tests of the store: every order in updated order.
func (s *store) allByUpdated() []int { return s.ordersByUpdated(nil, timeFilter{}, s.total+1) }
