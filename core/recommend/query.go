package recommend

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Query asks for recommendations. Set exactly one of SKUs and Customer.
type Query struct {
	// SKUs are the items to recommend for: one on a product page, several
	// for a cart. They are never recommended back.
	SKUs []string
	// Customer is the customer to recommend for, from their order history.
	Customer string
	// K is the number of items wanted, 1..Config.MaxK.
	K int
	// Method overrides the configured method; empty uses Config.ItemMethod
	// for SKUs and Config.CustomerMethod for a customer.
	Method Method
	// IncludePurchased keeps items the customer already bought (useful for
	// consumables); by default they are left out.
	IncludePurchased bool
}

// ForItem returns up to k items frequently bought with sku, with the
// configured item method and the cold-start fallbacks.
func (m *Model) ForItem(sku string, k int) (Result, error) {
	return m.Recommend(Query{SKUs: []string{sku}, K: k})
}

// ForCustomer returns up to k items for a customer from their history, with
// the configured customer method, leaving out what they already bought. A
// customer the model does not know gets best sellers with a notice.
func (m *Model) ForCustomer(customerID string, k int) (Result, error) {
	return m.Recommend(Query{Customer: customerID, K: k})
}

// Popular returns the k best sellers: the items in the most orders.
func (m *Model) Popular(k int) ([]Scored, error) {
	r, err := m.Recommend(Query{K: k, Method: Popularity})
	return r.Items, err
}

// ranking is the cached best-seller order of all items with orders.
type ranking struct {
	gen   uint64
	items []int32
}

// neighbourList is the cached top neighbours of one item for one method.
type neighbourList struct {
	gen     uint64
	items   []int32
	scores  []float64
	support []int32
}

// seed is an item to recommend from, with its weight.
type seed struct {
	item int32
	w    float64
}

// validate checks a query against the model's config and fills its method.
func (m *Model) validateQuery(q *Query) error {
	if q.K < 1 || q.K > m.cfg.MaxK {
		return fmt.Errorf("recommend: k %d: must be between 1 and %d", q.K, m.cfg.MaxK)
	}
	if len(q.SKUs) > 0 && q.Customer != "" {
		return fmt.Errorf("recommend: ask for a SKU or a customer, not both")
	}
	for _, s := range q.SKUs {
		if s == "" {
			return fmt.Errorf("recommend: empty SKU in query: name the item to recommend for")
		}
	}
	if q.Method == "" {
		switch {
		case q.Customer != "":
			q.Method = m.cfg.CustomerMethod
		case len(q.SKUs) > 0:
			q.Method = m.cfg.ItemMethod
		default:
			q.Method = Popularity
		}
	}
	if _, err := ParseMethod(string(q.Method)); err != nil {
		return err
	}
	if q.Method != Popularity && len(q.SKUs) == 0 && q.Customer == "" {
		return fmt.Errorf("recommend: method %s needs a SKU or a customer", q.Method)
	}
	if q.Method == UserKNN && q.Customer == "" {
		return fmt.Errorf("recommend: method user-knn needs a customer; for a SKU use lift, cosine or item-knn")
	}
	return nil
}

// Recommend answers a query. It returns an error for a bad query and an
// *InsufficientDataError when the model has no orders at all; otherwise it
// always returns up to K items, saying in Result.Fallback and Result.Notice
// when the method could not answer on its own.
func (m *Model) Recommend(q Query) (Result, error) {
	if err := m.validateQuery(&q); err != nil {
		return Result{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.orders) == 0 {
		return Result{}, &InsufficientDataError{Orders: 0, Need: m.cfg.MinOrders}
	}
	sc := m.scratch()
	defer m.scr.Put(sc)

	res := Result{Method: q.Method}
	exclude := map[int32]bool{}
	var known []int32 // query SKUs the model knows
	for _, s := range q.SKUs {
		if i, ok := m.skuID[s]; ok {
			exclude[i] = true
			known = append(known, i)
		}
	}
	var history []seed
	if q.Customer != "" {
		if u, ok := m.customerID[q.Customer]; ok {
			history = m.history(u)
		}
		if !q.IncludePurchased {
			for _, h := range history {
				exclude[h.item] = true
			}
		}
	}

	switch {
	case q.Method == Popularity:
	case len(m.orders) < m.cfg.MinOrders:
		res.Fallback = FromPopularity
		res.Notice = &Notice{Reason: ReasonFewOrders, Orders: len(m.orders), Need: m.cfg.MinOrders,
			Message: fmt.Sprintf("only %d orders; need at least %d for %s recommendations; showing best sellers",
				len(m.orders), m.cfg.MinOrders, q.Method)}
	case q.Customer != "":
		if len(history) == 0 {
			res.Fallback = FromPopularity
			res.Notice = &Notice{Reason: ReasonNewCustomer, Message: fmt.Sprintf(
				"customer %q has no orders yet; showing best sellers", q.Customer)}
			break
		}
		if q.Method == UserKNN {
			res.Items = m.userKNN(sc, m.customerID[q.Customer], q.K, exclude)
		} else {
			res.Items = m.fromSeeds(sc, q.Method, history, q.K, exclude, Source(q.Method))
		}
		if len(res.Items) == 0 {
			res.Fallback = FromPopularity
			res.Notice = &Notice{Reason: ReasonNoNeighbours, Message: fmt.Sprintf(
				"nothing in customer %q's history was bought together with other items often enough (at least %d times); showing best sellers",
				q.Customer, m.cfg.MinSupport)}
		}
	default:
		res.Items, res.Fallback, res.Notice = m.forItems(sc, q, known, exclude)
	}
	res.Items = m.padPopular(res.Items, q.K, exclude)
	return res, nil
}

// forItems answers an item query: the SKUs' own neighbours when they have
// enough orders, else their categories', else their vendors'.
func (m *Model) forItems(sc *scratch, q Query, known []int32, exclude map[int32]bool) ([]Scored, Source, *Notice) {
	var seeds []seed
	for _, i := range known {
		if int(m.orderCount[i]) >= m.cfg.MinItemOrders {
			seeds = append(seeds, seed{item: i, w: 1})
		}
	}
	var notice *Notice
	if len(seeds) > 0 {
		if out := m.fromSeeds(sc, q.Method, seeds, q.K, exclude, Source(q.Method)); len(out) > 0 {
			return out, "", nil
		}
		notice = &Notice{Reason: ReasonNoNeighbours, Message: fmt.Sprintf(
			"%s %s bought together with other items fewer than %d times", skuPhrase(q.SKUs), wasWere(q.SKUs), m.cfg.MinSupport)}
	} else {
		notice = m.coldNotice(q.SKUs, known)
	}
	for _, g := range []struct {
		src  Source
		grp  *groups
		of   []int32
		noun string
	}{{FromCategory, &m.cats, m.cat, "category"}, {FromVendor, &m.vens, m.ven, "vendor"}} {
		gs := m.groupSeeds(g.grp, g.of, known)
		if len(gs) == 0 {
			continue
		}
		out := m.fromSeeds(sc, q.Method, gs, q.K, exclude, g.src)
		if len(out) == 0 {
			continue
		}
		notice.Message += fmt.Sprintf("; showing what is bought with its %s %s", g.noun, m.groupNames(g.grp, g.of, known))
		return out, g.src, notice
	}
	if groups := strings.TrimSpace(m.groupPhrase(known)); groups != "" {
		notice.Message += fmt.Sprintf("; nothing is bought with its %s often enough yet", groups)
	}
	notice.Message += "; showing best sellers"
	return nil, FromPopularity, notice
}

func skuPhrase(skus []string) string {
	if len(skus) == 1 {
		return fmt.Sprintf("SKU %q", skus[0])
	}
	return fmt.Sprintf("SKUs %s", strings.Join(skus, ", "))
}

func wasWere(skus []string) string {
	if len(skus) == 1 {
		return "was"
	}
	return "were"
}

// coldNotice explains why none of the query SKUs has its own neighbours.
func (m *Model) coldNotice(skus []string, known []int32) *Notice {
	if len(skus) == 1 {
		if len(known) == 0 {
			return &Notice{Reason: ReasonUnknownSKU, Need: m.cfg.MinItemOrders, Message: fmt.Sprintf(
				"SKU %q has no orders and no catalogue entry", skus[0])}
		}
		n := int(m.orderCount[known[0]])
		if n == 0 {
			return &Notice{Reason: ReasonRareSKU, Need: m.cfg.MinItemOrders, Message: fmt.Sprintf(
				"SKU %q has no orders yet", skus[0])}
		}
		return &Notice{Reason: ReasonRareSKU, Orders: n, Need: m.cfg.MinItemOrders, Message: fmt.Sprintf(
			"SKU %q is in only %d %s; need at least %d for its own co-purchases", skus[0], n, plural(n, "order"), m.cfg.MinItemOrders)}
	}
	return &Notice{Reason: ReasonRareSKU, Need: m.cfg.MinItemOrders, Message: fmt.Sprintf(
		"none of the %d SKUs is in at least %d orders", len(skus), m.cfg.MinItemOrders)}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// maxGroupSeeds caps how many best-selling members of a category or vendor
// stand for it in a cold-start fallback.
const maxGroupSeeds = 50

// groupSeeds returns the best-selling members of the groups of the items,
// weighted by their share of the group's orders.
func (m *Model) groupSeeds(g *groups, of []int32, items []int32) []seed {
	var members []int32
	seen := map[int32]bool{}
	for _, i := range items {
		if gid := of[i]; gid >= 0 && !seen[gid] {
			seen[gid] = true
			for _, j := range g.members[gid] {
				if int(m.orderCount[j]) >= m.cfg.MinItemOrders && !slices.Contains(items, j) {
					members = append(members, j)
				}
			}
		}
	}
	slices.SortFunc(members, m.byPopularity)
	members = members[:min(len(members), maxGroupSeeds)]
	total := 0.0
	for _, j := range members {
		total += float64(m.orderCount[j])
	}
	out := make([]seed, len(members))
	for x, j := range members {
		out[x] = seed{item: j, w: float64(m.orderCount[j]) / total}
	}
	return out
}

// groupPhrase names the categories and vendors of items, e.g.
// `category "cameras" or vendor "acme"`, or "" when they have none.
func (m *Model) groupPhrase(items []int32) string {
	var parts []string
	if m.hasGroup(m.cat, items) {
		parts = append(parts, "category "+m.groupNames(&m.cats, m.cat, items))
	}
	if m.hasGroup(m.ven, items) {
		parts = append(parts, "vendor "+m.groupNames(&m.vens, m.ven, items))
	}
	return strings.Join(parts, " or ")
}

func (m *Model) hasGroup(of []int32, items []int32) bool {
	return slices.ContainsFunc(items, func(i int32) bool { return of[i] >= 0 })
}

func (m *Model) groupNames(g *groups, of []int32, items []int32) string {
	var names []string
	for _, i := range items {
		if gid := of[i]; gid >= 0 && !slices.Contains(names, g.names[gid]) {
			names = append(names, g.names[gid])
		}
	}
	return fmt.Sprintf("%q", strings.Join(names, ", "))
}

// byPopularity orders items by orders (descending), then SKU.
func (m *Model) byPopularity(a, b int32) int {
	if ca, cb := m.orderCount[a], m.orderCount[b]; ca != cb {
		if ca > cb {
			return -1
		}
		return 1
	}
	return strings.Compare(m.skus[a], m.skus[b])
}

// history returns customer u's distinct items weighted by recency: an item
// gets RecencyDecay^r for each order containing it, r = 0 for the latest.
func (m *Model) history(u int32) []seed {
	c := m.customers[u]
	orders := slices.Clone(c.orders)
	slices.SortFunc(orders, func(a, b *order) int {
		if d := b.created.Compare(a.created); d != 0 {
			return d
		}
		return strings.Compare(b.id, a.id)
	})
	weight := map[int32]float64{}
	w := 1.0
	for _, o := range orders {
		for _, i := range o.items {
			weight[i] += w
		}
		w *= m.cfg.RecencyDecay
	}
	out := make([]seed, 0, len(weight))
	for i, w := range weight {
		out = append(out, seed{item: i, w: w})
	}
	// By SKU, so that scores (float sums) do not depend on the order in
	// which the model first saw the items.
	slices.SortFunc(out, func(a, b seed) int { return strings.Compare(m.skus[a.item], m.skus[b.item]) })
	return out
}

// methodIndex is the cache slot of a pair method.
func methodIndex(meth Method) int {
	switch meth {
	case Lift:
		return 0
	case Cosine:
		return 1
	}
	return 2
}

// neighbours returns the top Config.Neighbours items of i for a pair
// method, from the cache when it is current.
func (m *Model) neighbours(meth Method, i int32) *neighbourList {
	slot := m.nb[methodIndex(meth)]
	if int(i) < len(slot) {
		if nl := slot[i].Load(); nl != nil && nl.gen == m.gen {
			return nl
		}
	}
	nl := m.computeNeighbours(meth, i, m.cfg.Neighbours)
	if int(i) < len(slot) {
		slot[i].Store(nl)
	}
	return nl
}

// computeNeighbours scores every item paired with i and keeps the best
// limit.
func (m *Model) computeNeighbours(meth Method, i int32, limit int) *neighbourList {
	var row []cell
	var ci float64
	var count func(j int32) float64
	var total float64
	if meth == ItemKNN {
		row, ci = m.custPairs[i], float64(len(m.buyers[i]))
		count = func(j int32) float64 { return float64(len(m.buyers[j])) }
		total = float64(m.nBuyers)
	} else {
		row, ci = m.basket[i], float64(m.orderCount[i])
		count = func(j int32) float64 { return float64(m.orderCount[j]) }
		total = float64(len(m.orders))
	}
	lambda := m.cfg.Shrinkage
	minSup := int32(m.cfg.MinSupport)
	type cand struct {
		item  int32
		score float64
		sup   int32
	}
	cands := make([]cand, 0, len(row))
	for _, c := range row {
		if c.n < minSup {
			continue
		}
		n := float64(c.n)
		var s float64
		if meth == Lift {
			s = n * total / (ci * count(c.id))
		} else {
			s = n / math.Sqrt(ci*count(c.id))
		}
		cands = append(cands, cand{c.id, s * n / (n + lambda), c.n})
	}
	better := func(a, b cand) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		if a.sup != b.sup {
			return int(b.sup - a.sup)
		}
		return strings.Compare(m.skus[a.item], m.skus[b.item])
	}
	cands = topK(cands, limit, better)
	nl := &neighbourList{gen: m.gen, items: make([]int32, len(cands)), scores: make([]float64, len(cands)), support: make([]int32, len(cands))}
	for x, c := range cands {
		nl.items[x], nl.scores[x], nl.support[x] = c.item, c.score, c.sup
	}
	return nl
}

// fromSeeds scores items by Σ w·sim(seed, item) over the seeds' top
// neighbours, leaving out exclude, and returns the best k.
func (m *Model) fromSeeds(sc *scratch, meth Method, seeds []seed, k int, exclude map[int32]bool, src Source) []Scored {
	for _, s := range seeds {
		nl := m.neighbours(meth, s.item)
		if k > len(nl.items) && len(seeds) == 1 && len(nl.items) == m.cfg.Neighbours {
			nl = m.computeNeighbours(meth, s.item, k) // a single item asked for more than the cache holds
		}
		for x, j := range nl.items {
			if exclude[j] {
				continue
			}
			v := s.w * nl.scores[x]
			if !sc.seen[j] {
				sc.seen[j] = true
				sc.touched = append(sc.touched, j)
			}
			sc.acc[j] += v
			if v > sc.best[j] {
				sc.best[j], sc.because[j], sc.support[j] = v, s.item, nl.support[x]
			}
		}
	}
	out := sc.collect(m, k, len(seeds) > 1, src)
	return out
}

// userKNN scores items by the similarity of the customers who bought them
// to customer u, over u's UserNeighbours most similar customers.
func (m *Model) userKNN(sc *scratch, u int32, k int, exclude map[int32]bool) []Scored {
	mine := m.customers[u].items
	// Read the rarest items' buyers first: they say most about taste, and
	// the budget then cuts off only the least informative, longest lists.
	order := make([]int32, len(mine))
	for x, c := range mine {
		order[x] = c.id
	}
	slices.SortFunc(order, func(a, b int32) int {
		if d := len(m.buyers[a]) - len(m.buyers[b]); d != 0 {
			return d
		}
		return int(a - b)
	})
	budget := m.cfg.UserScanBudget
	for _, i := range order {
		if budget <= 0 {
			break
		}
		for _, b := range m.buyers[i] {
			if b.id == u {
				continue
			}
			if sc.overlap[b.id] == 0 {
				sc.users = append(sc.users, b.id)
			}
			sc.overlap[b.id]++
		}
		budget -= len(m.buyers[i])
	}
	nbrs := sc.nbrs[:0]
	lambda, mineN := m.cfg.Shrinkage, float64(len(mine))
	for _, v := range sc.users {
		o := float64(sc.overlap[v])
		sc.overlap[v] = 0
		if int(o) < m.cfg.MinSupport && len(mine) >= m.cfg.MinSupport {
			continue
		}
		s := o / math.Sqrt(mineN*float64(len(m.customers[v].items))) * o / (o + lambda)
		nbrs = append(nbrs, userSim{v, s})
	}
	sc.users = sc.users[:0]
	sc.nbrs = nbrs
	nbrs = topK(nbrs, m.cfg.UserNeighbours, func(a, b userSim) int {
		if a.sim != b.sim {
			if a.sim > b.sim {
				return -1
			}
			return 1
		}
		return strings.Compare(m.customers[a.u].id, m.customers[b.u].id)
	})
	for _, v := range nbrs {
		for _, c := range m.customers[v.u].items {
			j := c.id
			if exclude[j] {
				continue
			}
			if !sc.seen[j] {
				sc.seen[j] = true
				sc.touched = append(sc.touched, j)
			}
			sc.acc[j] += v.sim
			sc.support[j]++
		}
	}
	return sc.collect(m, k, false, FromUserKNN)
}

// padPopular appends best sellers to items until there are k, skipping
// exclude and what items already has.
func (m *Model) padPopular(items []Scored, k int, exclude map[int32]bool) []Scored {
	if len(items) >= k {
		return items[:k]
	}
	have := make(map[string]bool, len(items))
	for _, s := range items {
		have[s.SKU] = true
	}
	for _, i := range m.popular() {
		if len(items) == k {
			break
		}
		if exclude[i] || have[m.skus[i]] {
			continue
		}
		items = append(items, Scored{SKU: m.skus[i], Score: float64(m.orderCount[i]) / float64(len(m.orders)),
			Support: int(m.orderCount[i]), Source: FromPopularity})
	}
	return items
}

// popular returns every item with orders, best seller first, cached.
func (m *Model) popular() []int32 {
	if r := m.pop.Load(); r != nil && r.gen == m.gen {
		return r.items
	}
	var items []int32
	for i, c := range m.orderCount {
		if c > 0 {
			items = append(items, int32(i))
		}
	}
	slices.SortFunc(items, m.byPopularity)
	m.pop.Store(&ranking{gen: m.gen, items: items})
	return items
}

// topK returns the best k of xs in order, best first, by cmp (negative when
// a is better), as a prefix of xs. It permutes xs in place.
func topK[T any](xs []T, k int, cmp func(a, b T) int) []T {
	if k <= 0 {
		return xs[:0]
	}
	if len(xs) <= k {
		slices.SortFunc(xs, cmp)
		return xs
	}
	// Min-heap on "worst at the root" over xs[:k], then sift the rest.
	worse := func(a, b T) bool { return cmp(a, b) > 0 }
	h := xs[:k]
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= k {
				return
			}
			w := l
			if r := l + 1; r < k && worse(h[r], h[l]) {
				w = r
			}
			if !worse(h[w], h[i]) {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for i := k; i < len(xs); i++ {
		if cmp(xs[i], h[0]) < 0 {
			h[0], xs[i] = xs[i], h[0] // swap, so xs stays a permutation
			down(0)
		}
	}
	slices.SortFunc(h, cmp)
	return h
}
