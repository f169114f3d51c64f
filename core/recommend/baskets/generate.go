package baskets

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/supplyhub/supplyhub/core/recommend"
)

// Config describes a shop to generate. Zero fields take the default in
// their comment; for the planted-association counts a negative value means
// none (a data set with no associations to find).
type Config struct {
	// Seed makes the data set reproducible.
	Seed uint64
	// SKUs is the catalogue size. Default 2000.
	SKUs int
	// Categories is the number of categories; SKUs are spread evenly.
	// Default 40.
	Categories int
	// Vendors is the number of vendors. Default 25.
	Vendors int
	// Customers is the number of customers with an id. Default 5000.
	// Ignored when Lines is set.
	Customers int
	// Lines, when positive, generates customers until the data set has at
	// least this many order lines.
	Lines int
	// GuestShare is the share of orders without a customer id. Default
	// 0.15; negative for none.
	GuestShare float64
	// MeanOrders is the mean number of orders per customer, at least 1.
	// Default 2.5.
	MeanOrders float64
	// MeanItems is the mean number of items drawn per order before planted
	// partners are added, at least 1. Default 2.
	MeanItems float64
	// Affinity is the probability that an item is drawn from one of the
	// customer's favourite categories rather than the whole catalogue.
	// Default 0.5; negative for none.
	Affinity float64
	// Skew is the Zipf exponent of item popularity. Default 1.
	Skew float64
	// Pairs is the number of planted complementary pairs (A, B): an order
	// with A gets B with probability PairProb. Default SKUs/20.
	Pairs    int
	PairProb float64 // default 0.5
	// Bundles is the number of planted 3-item bundles: an order with one
	// member gets each other member with probability BundleProb. Default
	// SKUs/100.
	Bundles    int
	BundleProb float64 // default 0.4
	// FollowUps is the number of planted follow-ups (A, B): a customer who
	// buys A gets B in their next order with probability FollowProb.
	// Default SKUs/40.
	FollowUps  int
	FollowProb float64 // default 0.5
	// Start is the time of the earliest order; its location is the shop's
	// time zone. Default 2025-01-01 00:00 UTC.
	Start time.Time
	// Days is the span of the order history. Default 365.
	Days int
}

// Pair is a planted association: B goes with A.
type Pair struct{ A, B string }

// Dataset is a generated order history and the associations planted in it.
type Dataset struct {
	// Baskets are the orders, oldest first.
	Baskets []recommend.Basket
	// Catalog gives every SKU's category and vendor.
	Catalog recommend.Catalog
	// Pairs are the planted same-order complements.
	Pairs []Pair
	// Bundles are the planted bundles.
	Bundles [][]string
	// FollowUps are the planted next-order purchases.
	FollowUps []Pair
	// Lines is the number of order lines.
	Lines int
}

// Demo is the demo shop: 150 SKUs in 10 categories, 800 customers, 2,381
// orders over a year in Central European time, with a dozen planted pairs,
// four bundles and six follow-ups.
func Demo() Config {
	return Config{Seed: 11, SKUs: 150, Categories: 10, Vendors: 6, Customers: 800,
		Pairs: 12, Bundles: 4, FollowUps: 6,
		Start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600))}
}

func (c Config) withDefaults() Config {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	deff := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.SKUs, 2000)
	def(&c.Categories, 40)
	def(&c.Vendors, 25)
	def(&c.Customers, 5000)
	deff(&c.GuestShare, 0.15)
	deff(&c.MeanOrders, 2.5)
	deff(&c.MeanItems, 2)
	deff(&c.Affinity, 0.5)
	deff(&c.Skew, 1)
	def(&c.Pairs, max(1, c.SKUs/20))
	deff(&c.PairProb, 0.5)
	def(&c.Bundles, max(1, c.SKUs/100))
	deff(&c.BundleProb, 0.4)
	def(&c.FollowUps, max(1, c.SKUs/40))
	deff(&c.FollowProb, 0.5)
	if c.Start.IsZero() {
		c.Start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	def(&c.Days, 365)
	for _, p := range []*int{&c.Pairs, &c.Bundles, &c.FollowUps} {
		*p = max(*p, 0)
	}
	for _, p := range []*float64{&c.GuestShare, &c.Affinity} {
		*p = max(*p, 0)
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.SKUs < 10:
		return fmt.Errorf("baskets: SKUs %d: need at least 10", c.SKUs)
	case c.Categories < 1 || c.Categories > c.SKUs:
		return fmt.Errorf("baskets: categories %d: need 1..SKUs (%d)", c.Categories, c.SKUs)
	case c.Vendors < 1:
		return fmt.Errorf("baskets: vendors %d: need at least 1", c.Vendors)
	case c.Customers < 1:
		return fmt.Errorf("baskets: customers %d: need at least 1", c.Customers)
	case c.MeanOrders < 1 || c.MeanItems < 1:
		return fmt.Errorf("baskets: mean orders %v and mean items %v must be at least 1", c.MeanOrders, c.MeanItems)
	case c.GuestShare >= 1:
		return fmt.Errorf("baskets: guest share %v must be below 1", c.GuestShare)
	case c.Affinity > 1 || c.PairProb > 1 || c.BundleProb > 1 || c.FollowProb > 1:
		return fmt.Errorf("baskets: probabilities must be at most 1")
	case c.Skew <= 0 || math.IsNaN(c.Skew):
		return fmt.Errorf("baskets: skew %v must be positive", c.Skew)
	case c.Days < 1:
		return fmt.Errorf("baskets: days %d: need at least 1", c.Days)
	case 2*c.Pairs+3*c.Bundles+2*c.FollowUps > c.SKUs:
		return fmt.Errorf("baskets: %d pairs, %d bundles and %d follow-ups need more than %d SKUs", c.Pairs, c.Bundles, c.FollowUps, c.SKUs)
	}
	return nil
}

// categoryNames name the first categories; more are numbered.
var categoryNames = []string{"cameras", "lenses", "tripods", "memory", "bags", "lighting", "audio", "drones",
	"phones", "cases", "chargers", "cables", "laptops", "sleeves", "mice", "keyboards", "monitors", "stands",
	"coffee", "mugs", "filters", "tea", "teapots", "yoga", "mats", "bottles", "shoes", "socks", "shirts",
	"jackets", "hats", "gloves", "books", "notebooks", "pens", "games", "toys", "puzzles", "plants", "pots"}

// sampler draws indices in proportion to weights.
type sampler struct {
	items []int
	cdf   []float64
}

func newSampler(items []int, weight func(int) float64) sampler {
	s := sampler{items: items, cdf: make([]float64, len(items))}
	t := 0.0
	for i, it := range items {
		t += weight(it)
		s.cdf[i] = t
	}
	return s
}

func (s sampler) draw(r *rand.Rand) int {
	x := r.Float64() * s.cdf[len(s.cdf)-1]
	return s.items[sort.SearchFloat64s(s.cdf, x)]
}

// Generate makes a data set. The same Config gives the same data set.
func Generate(cfg Config) (*Dataset, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	n := cfg.SKUs
	ds := &Dataset{Catalog: recommend.Catalog{}}

	// Catalogue: categories evenly, two main vendors per category.
	perm := r.Perm(n)
	cat := make([]int, n)
	names := make([]string, n)
	members := make([][]int, cfg.Categories)
	for x, i := range perm {
		c := x % cfg.Categories
		cat[i] = c
		members[c] = append(members[c], i)
	}
	catName := func(c int) string {
		if c < len(categoryNames) {
			return categoryNames[c]
		}
		return fmt.Sprintf("category-%02d", c+1)
	}
	for c, ms := range members {
		slices.Sort(ms)
		v1, v2 := r.IntN(cfg.Vendors), r.IntN(cfg.Vendors)
		for k, i := range ms {
			names[i] = fmt.Sprintf("%s-%04d", catName(c), k+1)
			v := v1
			switch x := r.Float64(); {
			case x < 0.35:
				v = v2
			case x < 0.5:
				v = r.IntN(cfg.Vendors)
			}
			ds.Catalog[names[i]] = recommend.ItemInfo{Category: catName(c), Vendor: fmt.Sprintf("vendor-%02d", v+1)}
		}
	}

	// Popularity: Zipf over a random ranking.
	rank := r.Perm(n)
	weight := func(i int) float64 { return math.Pow(float64(rank[i]+1), -cfg.Skew) }
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	global := newSampler(all, weight)
	byCat := make([]sampler, cfg.Categories)
	for c, ms := range members {
		byCat[c] = newSampler(ms, weight)
	}

	// Planted associations on distinct items: anchors drawn by popularity
	// (so they occur), partners uniformly from other categories (so
	// popularity does not find them).
	used := make([]bool, n)
	pick := func(popular bool, notCat int) int {
		ok := func(i int) bool { return !used[i] && cat[i] != notCat }
		found := -1
		for range 50 * n {
			i := r.IntN(n)
			if popular {
				i = global.draw(r)
			}
			if ok(i) {
				found = i
				break
			}
		}
		// Rarely (one category, or its rest all used): take the first
		// unused item, in another category if there is one.
		for i := 0; found < 0 && i < n; i++ {
			if ok(i) {
				found = i
			}
		}
		for i := 0; found < 0 && i < n; i++ {
			if !used[i] {
				found = i
			}
		}
		used[found] = true
		return found
	}
	partner := make(map[int]int)
	for range cfg.Pairs {
		a := pick(true, -1)
		b := pick(false, cat[a])
		partner[a] = b
		ds.Pairs = append(ds.Pairs, Pair{names[a], names[b]})
	}
	bundleOf := make(map[int][]int)
	for range cfg.Bundles {
		a := pick(true, -1)
		b := pick(false, -1)
		c := pick(false, -1)
		bundle := []int{a, b, c}
		for _, i := range bundle {
			bundleOf[i] = bundle
		}
		ds.Bundles = append(ds.Bundles, []string{names[a], names[b], names[c]})
	}
	follow := make(map[int]int)
	for range cfg.FollowUps {
		a := pick(true, -1)
		b := pick(false, cat[a])
		follow[a] = b
		ds.FollowUps = append(ds.FollowUps, Pair{names[a], names[b]})
	}

	span := time.Duration(cfg.Days) * 24 * time.Hour
	var baskets []recommend.Basket
	newOrder := func(cust string, at time.Time, items []int) {
		b := recommend.Basket{CustomerID: cust, CreatedAt: at}
		for _, i := range items {
			q := 1
			if r.Float64() < 0.2 {
				q = 2
			}
			b.Lines = append(b.Lines, recommend.Line{SKU: names[i], Quantity: q})
		}
		ds.Lines += len(items)
		baskets = append(baskets, b)
	}
	// drawOrder draws an order's items: base items, planted partners and
	// bundle members, and any follow-ups owed from the previous order.
	drawOrder := func(favs []int, owed []int) []int {
		var items []int
		add := func(i int) {
			if !slices.Contains(items, i) {
				items = append(items, i)
			}
		}
		size := 1 + poisson(r, cfg.MeanItems-1)
		for tries := 0; len(items) < size && tries < 4*size; tries++ {
			if len(favs) > 0 && r.Float64() < cfg.Affinity {
				add(byCat[favs[r.IntN(len(favs))]].draw(r))
			} else {
				add(global.draw(r))
			}
		}
		for _, i := range owed {
			if r.Float64() < cfg.FollowProb {
				add(i)
			}
		}
		for _, i := range slices.Clone(items) {
			if b, ok := partner[i]; ok && r.Float64() < cfg.PairProb {
				add(b)
			}
			for _, j := range bundleOf[i] {
				if j != i && r.Float64() < cfg.BundleProb {
					add(j)
				}
			}
		}
		return items
	}
	guestOdds := cfg.GuestShare / (1 - cfg.GuestShare)
	meanExtra := cfg.MeanOrders - 1
	for u := 0; ; u++ {
		if cfg.Lines > 0 && ds.Lines >= cfg.Lines || cfg.Lines <= 0 && u >= cfg.Customers {
			break
		}
		favs := []int{r.IntN(cfg.Categories)}
		if r.Float64() < 0.5 {
			favs = append(favs, r.IntN(cfg.Categories))
		}
		k := 1
		for k < 50 && r.Float64() < meanExtra/(1+meanExtra) {
			k++
		}
		times := make([]time.Time, k)
		for x := range times {
			times[x] = cfg.Start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Second)
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		cust := fmt.Sprintf("C%06d", u+1)
		var owed []int
		for _, at := range times {
			items := drawOrder(favs, owed)
			newOrder(cust, at, items)
			owed = owed[:0]
			for _, i := range items {
				if b, ok := follow[i]; ok {
					owed = append(owed, b)
				}
			}
			for guestOdds > 0 && r.Float64() < guestOdds/(1+guestOdds) {
				newOrder("", cfg.Start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Second), drawOrder(nil, nil))
			}
		}
	}
	slices.SortStableFunc(baskets, func(a, b recommend.Basket) int { return cmp.Compare(a.CreatedAt.UnixNano(), b.CreatedAt.UnixNano()) })
	for x := range baskets {
		baskets[x].OrderID = fmt.Sprintf("O%07d", x+1)
	}
	ds.Baskets = baskets
	return ds, nil
}

// poisson draws from a Poisson distribution with mean lambda (Knuth's
// method; lambda is small here).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
