package routing

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// noLimit is the allowed delivery days of a request without a promise.
const noLimit = math.MaxInt32

// unknownDays stands for an unknown transit time when comparing speed.
const unknownDays = math.MaxInt32 - 1

// routeCtx is the state of one Route call.
type routeCtx struct {
	r          *Router
	req        Request
	caller     context.Context // the caller's context, during pricing
	order      *commerce.Order
	now        time.Time
	cur        commerce.Currency
	fx         *fxBook
	dest       commerce.Address
	destMarket string
	channel    string
	allowed    int // business days the promise allows

	// Rule amounts in the decision's currency; nil when unset.
	splitPenalty, maxSplitShip, tolerance, latePerDay, per100km, maxDDP *decimal.Decimal

	demand   []demandLine
	skus     []string
	need     []int // units per SKU index
	skipped  []SkippedLine
	assumed  []string // SKUs whose weight was assumed
	cands    []*cand
	excluded []Exclusion
	geoMode  bool
	noGeo    []string

	plans  []*plan
	kMin   int
	priced []*plan
	ships  map[string]*rated
	errs   []SourceError
	errSet map[SourceError]bool
}

// demandLine is an order line still to ship.
type demandLine struct {
	lineID string
	sku    string
	s      int   // SKU index
	qty    int   // units to route
	ng     int64 // one unit's weight
	price  commerce.Money
}

// cand is a location allowed to ship the order.
type cand struct {
	idx      int // position in routeCtx.cands
	loc      *commerce.Location
	id, name string
	rule     *LocationRule // shared, read-only
	rank     int
	inMarket bool
	cross    bool
	prox     proximity
	avail    []int // per SKU index, after safety stock
	full     bool  // can ship the whole order alone, with no per-shipment caps
}

// plan assigns every demand line to one or more locations.
type plan struct {
	ships   []*shipPlan // in the candidates' order
	members []int       // the shipments' candidate positions, ascending
	out     int         // shipments from outside the destination market
	close   float64     // sum of closeness
	prio    int         // sum of location ranks

	priced   bool
	feasible bool
	reason   Reason // why infeasible
	why      string
	split    decimal.Decimal // split penalty
	total    decimal.Decimal
	days     int       // the slowest shipment's delivery days
	elimBy   Criterion // the criterion it lost on
	elimStep int       // when it lost: later is closer to winning
}

// shipPlan is one shipment of a plan.
type shipPlan struct {
	c     *cand
	units []int // per demand line
	ng    int64
	rs    *rated
}

// costs itemises a plan: shipping, the merchant's duties and taxes, late
// and distance penalties (the split penalty and total are on the plan).
func (p *plan) costs() (shipping, duties, late, dist decimal.Decimal) {
	for _, sp := range p.ships {
		rs := sp.rs
		shipping = shipping.Add(rs.quotes[rs.chosen].cost)
		duties = duties.Add(rs.merchant)
		late = late.Add(rs.latePen)
		dist = dist.Add(rs.distPen)
	}
	return
}

// key identifies a shipment: its location and units.
func (sp *shipPlan) key() string {
	var b strings.Builder
	b.WriteString(sp.c.id)
	for _, q := range sp.units {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(q))
	}
	return b.String()
}

// comparePlans orders plans by their candidates' positions, the last
// tie-break (the candidates are in a fixed order, ending with their ids).
func comparePlans(a, b *plan) int {
	return slices.Compare(a.members, b.members)
}

// arena hands out plans and their parts from chunks, so that the many
// plans of one decision cost a few allocations.
type arena struct {
	plans []plan
	ships []shipPlan
	ptrs  []*shipPlan
	ints  []int
}

const arenaChunk = 64

// grow returns the next chunk size: small for the first, doubling to arenaChunk.
func grow(prev int) int { return min(max(2*prev, 8), arenaChunk) }

func (a *arena) plan() *plan {
	if len(a.plans) == cap(a.plans) {
		a.plans = make([]plan, 0, grow(cap(a.plans)))
	}
	a.plans = a.plans[:len(a.plans)+1]
	return &a.plans[len(a.plans)-1]
}

func (a *arena) ship() *shipPlan {
	if len(a.ships) == cap(a.ships) {
		a.ships = make([]shipPlan, 0, grow(cap(a.ships)))
	}
	a.ships = a.ships[:len(a.ships)+1]
	return &a.ships[len(a.ships)-1]
}

func (a *arena) shipPtrs(n int) []*shipPlan {
	if cap(a.ptrs)-len(a.ptrs) < n {
		a.ptrs = make([]*shipPlan, 0, max(grow(cap(a.ptrs)), n))
	}
	out := a.ptrs[len(a.ptrs) : len(a.ptrs)+n : len(a.ptrs)+n]
	a.ptrs = a.ptrs[:len(a.ptrs)+n]
	return out
}

func (a *arena) intSlice(n int) []int {
	if cap(a.ints)-len(a.ints) < n {
		a.ints = make([]int, 0, max(4*grow(cap(a.ints)/4), n))
	}
	out := a.ints[len(a.ints) : len(a.ints)+n : len(a.ints)+n]
	a.ints = a.ints[:len(a.ints)+n]
	return out
}

func (rc *routeCtx) unroutable(reason Reason, detail string) error {
	d := rc.baseDecision()
	d.Explanation = "Cannot route: " + detail
	return &UnroutableError{OrderID: orderID(rc.order), Reason: reason, Detail: detail, Decision: d}
}

// prepare checks the request and works out what is left to ship.
func (r *Router) prepare(req Request) (*routeCtx, error) {
	o := req.Order
	if o == nil {
		return nil, fmt.Errorf("routing: request has no order")
	}
	if req.Stock == nil {
		return nil, fmt.Errorf("routing: order %s: request has no stock; pass the available units per SKU and location", orderID(o))
	}
	if o.CancelledAt != nil {
		return nil, fmt.Errorf("%w: order %s is cancelled", ErrNothingToRoute, orderID(o))
	}
	if o.ClosedAt != nil {
		return nil, fmt.Errorf("%w: order %s is closed", ErrNothingToRoute, orderID(o))
	}
	rc := &routeCtx{r: r, req: req, order: o, now: req.Now, channel: req.Channel, ships: map[string]*rated{}, errSet: map[SourceError]bool{}}
	if rc.now.IsZero() {
		rc.now = time.Now()
	}
	if rc.channel == "" {
		rc.channel = o.Source.Connection
	}
	rc.cur = r.cfg.Currency
	if rc.cur == "" {
		rc.cur = o.Currency
	}
	if !rc.cur.Valid() {
		return nil, fmt.Errorf("%w: order %s: currency %q is not an ISO 4217 code; set the order's currency or Config.Currency", ErrInvalidRequest, orderID(o), string(rc.cur))
	}
	var err error
	if rc.fx, err = newFXBook(req.FXRates); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	if req.Promise.Days < 0 || req.Promise.MaxDistanceKm < 0 {
		return nil, fmt.Errorf("%w: order %s: promise days and max distance must not be negative", ErrInvalidRequest, orderID(o))
	}
	rc.allowed = noLimit
	if req.Promise.Days > 0 {
		rc.allowed = req.Promise.Days
	}
	if by := req.Promise.DeliverBy; by != nil {
		rc.allowed = min(rc.allowed, businessDaysBetween(rc.now, *by))
	}
	for _, a := range []struct {
		name string
		in   *Amount
		out  **decimal.Decimal
	}{
		{"split_penalty", r.cfg.Rules.SplitPenalty, &rc.splitPenalty},
		{"max_split_shipping", r.cfg.Rules.MaxSplitShipping, &rc.maxSplitShip},
		{"cost_tolerance", r.cfg.Rules.CostTolerance, &rc.tolerance},
		{"late_penalty_per_day", r.cfg.Rules.LatePenaltyPerDay, &rc.latePerDay},
		{"over_distance_per_100km", r.cfg.Rules.OverDistancePer100Km, &rc.per100km},
		{"max_ddp_cost", r.cfg.Rules.MaxDDPCost, &rc.maxDDP},
	} {
		if a.in == nil {
			continue
		}
		m, err := rc.fx.convert(a.in.Money, rc.cur)
		if err != nil {
			return nil, fmt.Errorf("routing: rule %s (%s) in the decision currency %s: %w", a.name, a.in.Money, rc.cur, err)
		}
		*a.out = &m.Amount
	}

	shipped := map[string]int{}
	for _, s := range o.Shipments {
		if s.Status == commerce.TrackingCancelled || s.Deleted {
			continue
		}
		for _, l := range s.Lines {
			shipped[l.LineID] += l.Quantity
		}
	}
	skuIdx := map[string]int{}
	for i, l := range o.Lines {
		id := l.ExternalID
		if id == "" {
			id = "#" + strconv.Itoa(i+1)
		}
		left := l.Quantity - shipped[l.ExternalID]
		switch {
		case l.Quantity <= 0:
			return nil, fmt.Errorf("%w: order %s line %s: quantity %d must be at least 1", ErrInvalidRequest, orderID(o), id, l.Quantity)
		case left <= 0:
			rc.skipped = append(rc.skipped, SkippedLine{LineID: id, SKU: l.SKU, Reason: "already shipped"})
			continue
		case strings.TrimSpace(l.SKU) == "":
			rc.skipped = append(rc.skipped, SkippedLine{LineID: id, Reason: "no SKU, so no stock to route; fulfil it by hand"})
			continue
		}
		s, ok := skuIdx[l.SKU]
		if !ok {
			s = len(rc.skus)
			skuIdx[l.SKU] = s
			rc.skus = append(rc.skus, l.SKU)
			rc.need = append(rc.need, 0)
		}
		rc.need[s] += left
		dl := demandLine{lineID: id, sku: l.SKU, s: s, qty: left, price: l.UnitPrice.Shop}
		if it, ok := req.Items[l.SKU]; ok && it.Weight != nil {
			if dl.ng, err = nanograms(*it.Weight); err != nil {
				return nil, fmt.Errorf("%w: item %s: %w", ErrInvalidRequest, l.SKU, err)
			}
		} else {
			dl.ng = r.defaultNg
			if !slices.Contains(rc.assumed, l.SKU) {
				rc.assumed = append(rc.assumed, l.SKU)
			}
		}
		rc.demand = append(rc.demand, dl)
	}
	if len(rc.demand) == 0 {
		return nil, fmt.Errorf("%w: order %s has no line left to ship", ErrNothingToRoute, orderID(o))
	}
	if o.ShippingAddress == nil && !slices.ContainsFunc(o.Lines, func(l commerce.OrderLine) bool { return l.RequiresShipping }) {
		// Gift cards, downloads, services: nothing leaves a warehouse.
		return nil, fmt.Errorf("%w: order %s has no shipping address and no line that requires shipping", ErrNothingToRoute, orderID(o))
	}
	if a := o.ShippingAddress; a == nil || !validCountry(a.CountryCode) {
		return nil, rc.unroutable(NoDestination, "the order has no shipping address with an ISO country code; add one and route it again")
	}
	rc.dest = *o.ShippingAddress
	rc.destMarket = r.marketOf(rc.dest.CountryCode)
	return rc, nil
}

// candidates applies the location rules and reads the stock.
func (rc *routeCtx) candidates() error {
	r := rc.r
	if len(rc.req.Locations) == 0 {
		return rc.unroutable(NoLocations, "the request lists no locations; pass the merchant's locations")
	}
	seen := make(map[string]bool, len(rc.req.Locations))
	slab := make([]cand, len(rc.req.Locations))
	availSlab := make([]int, len(rc.req.Locations)*len(rc.skus))
	for i := range rc.req.Locations {
		loc := &rc.req.Locations[i]
		id := loc.Source.ExternalID
		if id == "" {
			return fmt.Errorf("routing: locations[%d] (%s) has no source.external_id, the id stock levels refer to", i, loc.Name)
		}
		if seen[id] {
			return fmt.Errorf("routing: location %s is listed twice", id)
		}
		seen[id] = true
		name := loc.Name
		if name == "" {
			name = id
		}
		lr := r.ruleFor(loc)
		inMarket := r.marketOf(loc.Address.CountryCode) == rc.destMarket
		c := &slab[i]
		*c = cand{loc: loc, id: id, name: name, rule: lr, inMarket: inMarket,
			cross: loc.Address.CountryCode != rc.dest.CountryCode, prox: proximityOf(loc.Address, rc.dest, inMarket)}
		c.rank = len(r.cfg.Rules.Priority) + 1
		if p, ok := r.priority[id]; ok {
			c.rank = p
		}
		if why := rc.exclusion(c); why != "" {
			rc.excluded = append(rc.excluded, Exclusion{LocationID: id, Name: name, Reason: why})
			continue
		}
		c.avail = availSlab[i*len(rc.skus) : (i+1)*len(rc.skus) : (i+1)*len(rc.skus)]
		holds := false
		for s, sku := range rc.skus {
			n := rc.req.Stock.Available(sku, id) - lr.SafetyStock
			if n > 0 {
				c.avail[s] = n
				holds = true
			}
		}
		if !holds {
			continue
		}
		rc.cands = append(rc.cands, c)
	}
	rc.geoMode = rc.dest.Geo != nil
	for _, c := range rc.cands {
		if !c.prox.geo {
			rc.geoMode = false
			if rc.dest.Geo != nil {
				rc.noGeo = append(rc.noGeo, c.name)
			}
		}
	}
	sort.SliceStable(rc.cands, func(i, j int) bool { return rc.candLess(rc.cands[i], rc.cands[j]) })
	for i, c := range rc.cands {
		c.idx = i
		c.full = c.rule.MaxUnitsPerShipment == 0 && c.rule.MaxLinesPerShipment == 0
		for s, n := range c.avail {
			c.full = c.full && n >= rc.need[s]
		}
	}

	have := make([]int, len(rc.skus))
	for _, c := range rc.cands {
		for s, n := range c.avail {
			have[s] += n
		}
	}
	var short []string
	for s, sku := range rc.skus {
		if have[s] < rc.need[s] {
			short = append(short, sku)
		}
	}
	if len(short) == 0 {
		return nil
	}
	// Would the stock suffice without the rules? Say where it is.
	excludedIDs := make(map[string]bool, len(rc.excluded))
	for _, e := range rc.excluded {
		excludedIDs[e.LocationID] = true
	}
	var noStock, held []string
	for _, sku := range short {
		s := slices.Index(rc.skus, sku)
		total, safety, atExcluded := 0, 0, 0
		for i := range rc.req.Locations {
			loc := &rc.req.Locations[i]
			n := max(rc.req.Stock.Available(sku, loc.Source.ExternalID), 0)
			total += n
			if excludedIDs[loc.Source.ExternalID] {
				atExcluded += n
			} else {
				safety += min(n, r.ruleFor(loc).SafetyStock)
			}
		}
		if total < rc.need[s] {
			noStock = append(noStock, fmt.Sprintf("%s: %d ordered, %d available in all locations", sku, rc.need[s], total))
			continue
		}
		var parts []string
		if safety > 0 {
			parts = append(parts, fmt.Sprintf("%d held back as safety stock", safety))
		}
		if atExcluded > 0 {
			parts = append(parts, fmt.Sprintf("%d at excluded locations", atExcluded))
		}
		held = append(held, fmt.Sprintf("%s: %d ordered, %d available where the rules allow, %s", sku, rc.need[s], have[s], strings.Join(parts, " and ")))
	}
	if len(noStock) > 0 {
		return rc.unroutable(NoStock, "not enough stock: "+strings.Join(noStock, "; ")+"; restock or transfer, or cancel the lines")
	}
	detail := "the rules keep the stock from this order: " + strings.Join(held, "; ")
	if len(rc.excluded) > 0 {
		detail += " (excluded: " + exclusionList(rc.excluded) + ")"
	}
	if len(rc.cands) == 0 && len(rc.excluded) == len(rc.req.Locations) {
		detail = "every location is excluded: " + exclusionList(rc.excluded)
	}
	return rc.unroutable(AllExcluded, detail+"; relax a rule or ship by hand")
}

func exclusionList(ex []Exclusion) string {
	parts := make([]string, len(ex))
	for i, e := range ex {
		parts[i] = e.Name + " (" + e.Reason + ")"
	}
	return strings.Join(parts, ", ")
}

// exclusion returns why the rules take a location out, or "".
func (rc *routeCtx) exclusion(c *cand) string {
	loc, lr := c.loc, c.rule
	switch {
	case loc.Deleted:
		return "deleted"
	case !loc.Active:
		return "inactive"
	case !loc.FulfillsOnlineOrders:
		return "does not fulfil online orders"
	case !validCountry(loc.Address.CountryCode):
		return "no ISO country code in its address; add one"
	case lr.Disabled:
		return "disabled in the rules"
	case slices.Contains(lr.ExcludeChannels, rc.channel):
		return "excluded for channel " + rc.channel
	case len(lr.OnlyChannels) > 0 && !slices.Contains(lr.OnlyChannels, rc.channel):
		return "ships only for channels " + strings.Join(lr.OnlyChannels, ", ")
	case len(lr.Countries) > 0 && !slices.Contains(lr.Countries, rc.dest.CountryCode):
		return "does not ship to " + rc.dest.CountryCode
	case rc.r.cfg.Rules.RequireMarket && !c.inMarket:
		return "outside the destination market " + rc.destMarket
	case lr.MaxDistanceKm > 0 && c.prox.geo && c.prox.km > lr.MaxDistanceKm:
		return fmt.Sprintf("%.0f km away, beyond its %.0f km limit", c.prox.km, lr.MaxDistanceKm)
	case rc.req.Promise.MaxDistanceKm > 0 && rc.per100km == nil && c.prox.geo && c.prox.km > rc.req.Promise.MaxDistanceKm:
		return fmt.Sprintf("%.0f km away, beyond the promised %.0f km", c.prox.km, rc.req.Promise.MaxDistanceKm)
	}
	if lr.MaxOrdersPerDay > 0 && rc.req.Workload != nil {
		if n := rc.req.Workload.Orders(c.id); n >= lr.MaxOrdersPerDay {
			return fmt.Sprintf("ship-from-store limit reached: %d of %d orders today", n, lr.MaxOrdersPerDay)
		}
	}
	return ""
}

// closeness is the distance measure the closest rule compares: kilometres
// when every candidate and the destination have coordinates, else the
// region tier.
func (rc *routeCtx) closeness(c *cand) float64 {
	if rc.geoMode {
		return c.prox.km
	}
	return float64(c.prox.tier)
}

// candLess orders locations by the structural criteria of the ranking, in
// its order; cost and speed count as closeness (a nearer location usually
// ships cheaper and faster).
func (rc *routeCtx) candLess(a, b *cand) bool {
	for _, cr := range rc.r.ranking {
		switch cr {
		case ByMarket:
			if a.inMarket != b.inMarket {
				return a.inMarket
			}
		case ByClosest, ByCost, BySpeed:
			if d := rc.closeness(a) - rc.closeness(b); math.Abs(d) > 1e-9 {
				return d < 0
			}
		case ByPriority:
			if a.rank != b.rank {
				return a.rank < b.rank
			}
		}
	}
	return a.id < b.id
}

// splitPoolSize bounds the locations combined into split plans: the best
// ones by the structural rules, plus the best two holders of each SKU.
const splitPoolSize = 12

// enumerate lists the plans the stock allows: every single location that
// can ship everything, then combinations of locations, up to one shipment
// more than the fewest possible.
func (rc *routeCtx) enumerate() error {
	rules := &rc.r.cfg.Rules
	maxK := rc.r.cfg.MaxSearchShipments
	ruleMax := rules.MaxShipments
	if rules.NeverSplit {
		ruleMax = 1
	}
	if ruleMax > 0 {
		maxK = min(maxK, ruleMax)
	}
	pool := rc.splitPool()
	sc := newScratch(len(rc.demand), len(rc.skus), maxK)
	ar := &arena{}
	members := make([]*cand, 0, maxK)
	for k := 1; k <= maxK; k++ {
		p := rc.cands
		if k > 1 {
			p = pool
		}
		if k > len(p) {
			break
		}
		combinations(len(p), k, func(idx []int) {
			members = members[:0]
			for _, i := range idx {
				members = append(members, p[i])
			}
			if pl := rc.assign(members, sc, ar); pl != nil {
				rc.plans = append(rc.plans, pl)
			}
		})
		if len(rc.plans) > 0 && rc.kMin == 0 {
			rc.kMin = k
			maxK = min(maxK, k+1)
		}
	}
	if len(rc.plans) > 0 {
		return nil
	}
	if ruleMax > 0 && ruleMax <= rc.r.cfg.MaxSearchShipments {
		what := fmt.Sprintf("at most %d shipments (max_shipments)", ruleMax)
		if ruleMax == 1 {
			what = "no split (never_split or max_shipments 1)"
		}
		return rc.unroutable(SplitNotAllowed, fmt.Sprintf("no %s can ship all %d lines from the stock available and within the per-location limits, and the rules allow %s; allow a split or move stock",
			plural(ruleMax, "location", "combination of locations"), len(rc.demand), what))
	}
	return rc.unroutable(SplitNotAllowed, fmt.Sprintf("no combination of up to %d locations can ship all %d lines within the per-location limits (units and lines per shipment, safety stock); raise the limits or move stock",
		rc.r.cfg.MaxSearchShipments, len(rc.demand)))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "single " + one
	}
	return many
}

// splitPool returns the candidates combined into split plans: never one
// that can ship the whole order alone (a split would only add a parcel),
// and of the others the best splitPoolSize by the structural rules plus
// the best two holders of each SKU.
func (rc *routeCtx) splitPool() []*cand {
	partial := make([]*cand, 0, len(rc.cands))
	for _, c := range rc.cands {
		if !c.full {
			partial = append(partial, c)
		}
	}
	if len(partial) <= splitPoolSize {
		return partial
	}
	in := make(map[*cand]bool, splitPoolSize)
	for _, c := range partial[:splitPoolSize] {
		in[c] = true
	}
	for s := range rc.skus {
		found := 0
		for _, c := range partial {
			if c.avail[s] > 0 {
				in[c] = true
				if found++; found == 2 {
					break
				}
			}
		}
	}
	out := partial[:0]
	for _, c := range partial { // keep the candidates' order
		if in[c] {
			out = append(out, c)
		}
	}
	return out
}

// combinations calls f with every k-subset of 0..n-1 in lexicographic
// order. f must not keep idx.
func combinations(n, k int, f func(idx []int)) {
	idx := make([]int, k)
	for i := range idx {
		idx[i] = i
	}
	for {
		f(idx)
		i := k - 1
		for i >= 0 && idx[i] == n-k+i {
			i--
		}
		if i < 0 {
			return
		}
		idx[i]++
		for j := i + 1; j < k; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
}

// scratch holds the buffers of assign, reused across combinations.
type scratch struct {
	avail     []int // member × SKU
	units     []int // line × member
	usedUnits []int
	usedLines []int
	done      []bool
}

func newScratch(lines, skus, k int) *scratch {
	return &scratch{avail: make([]int, k*skus), units: make([]int, lines*k), usedUnits: make([]int, k), usedLines: make([]int, k), done: make([]bool, lines)}
}

// assign tries to ship every demand line from the members (in the
// candidates' order) and returns the plan, or nil when the stock or the
// per-location limits do not allow it or a member would ship nothing (a
// smaller combination already is that plan). Lines only one member can
// ship go there; the others go to a member already shipping, the best
// first; a line no member can ship whole is split by units.
func (rc *routeCtx) assign(members []*cand, sc *scratch, ar *arena) *plan {
	k, ns := len(members), len(rc.skus)
	for s := range ns {
		have := 0
		for _, m := range members {
			have += m.avail[s]
		}
		if have < rc.need[s] {
			return nil
		}
	}
	avail := sc.avail[:k*ns]
	for mi, m := range members {
		copy(avail[mi*ns:(mi+1)*ns], m.avail)
	}
	units := sc.units[:len(rc.demand)*k]
	clear(units)
	clear(sc.usedUnits[:k])
	clear(sc.usedLines[:k])
	clear(sc.done)
	canTake := func(mi, li, q int) bool {
		m := members[mi]
		if avail[mi*ns+rc.demand[li].s] < q {
			return false
		}
		if cu := m.rule.MaxUnitsPerShipment; cu > 0 && sc.usedUnits[mi]+q > cu {
			return false
		}
		if cl := m.rule.MaxLinesPerShipment; cl > 0 && units[li*k+mi] == 0 && sc.usedLines[mi]+1 > cl {
			return false
		}
		return true
	}
	take := func(mi, li, q int) {
		if units[li*k+mi] == 0 {
			sc.usedLines[mi]++
		}
		units[li*k+mi] += q
		avail[mi*ns+rc.demand[li].s] -= q
		sc.usedUnits[mi] += q
	}
	// Lines only one member can ship whole.
	for li, d := range rc.demand {
		only, n := -1, 0
		for mi := range k {
			if canTake(mi, li, d.qty) {
				only, n = mi, n+1
			}
		}
		if n == 1 {
			take(only, li, d.qty)
			sc.done[li] = true
		}
	}
	// The others: whole, to a member already shipping if one can.
	for li, d := range rc.demand {
		if sc.done[li] {
			continue
		}
		best := -1
		for mi := range k {
			if canTake(mi, li, d.qty) {
				if sc.usedUnits[mi] > 0 {
					best = mi
					break
				}
				if best < 0 {
					best = mi
				}
			}
		}
		if best >= 0 {
			take(best, li, d.qty)
			sc.done[li] = true
		}
	}
	// Lines no member can ship whole: split by units, shipping members first.
	for li, d := range rc.demand {
		if sc.done[li] {
			continue
		}
		rest := d.qty
		for pass := 0; pass < 2 && rest > 0; pass++ {
			for mi := range k {
				if rest == 0 {
					break
				}
				if (pass == 0) != (sc.usedUnits[mi] > 0) {
					continue
				}
				q := min(rest, avail[mi*ns+d.s])
				if cu := members[mi].rule.MaxUnitsPerShipment; cu > 0 {
					q = min(q, cu-sc.usedUnits[mi])
				}
				if q > 0 && canTake(mi, li, q) {
					take(mi, li, q)
					rest -= q
				}
			}
		}
		if rest > 0 {
			return nil
		}
	}
	for mi := range k {
		if sc.usedUnits[mi] == 0 {
			return nil
		}
	}
	p := ar.plan()
	p.ships = ar.shipPtrs(k)
	p.members = ar.intSlice(k)
	for mi, m := range members {
		sp := ar.ship()
		sp.c = m
		sp.units = ar.intSlice(len(rc.demand))
		for li := range rc.demand {
			q := units[li*k+mi]
			sp.units[li] = q
			sp.ng += int64(q) * rc.demand[li].ng
		}
		p.ships[mi] = sp
		p.members[mi] = m.idx
		if !m.inMarket {
			p.out++
		}
		p.close += rc.closeness(m)
		p.prio += m.rank
	}
	return p
}

// preLess orders plans before pricing, by the ranking's structural
// criteria; cost and speed count as fewer shipments, then closeness.
func (rc *routeCtx) preLess(a, b *plan) bool {
	for _, cr := range rc.r.ranking {
		switch cr {
		case ByFewestSplits, ByCost, BySpeed:
			if len(a.ships) != len(b.ships) {
				return len(a.ships) < len(b.ships)
			}
			if cr != ByFewestSplits && math.Abs(a.close-b.close) > 1e-9 {
				return a.close < b.close
			}
		case ByMarket:
			if a.out != b.out {
				return a.out < b.out
			}
		case ByClosest:
			if math.Abs(a.close-b.close) > 1e-9 {
				return a.close < b.close
			}
		case ByPriority:
			if a.prio != b.prio {
				return a.prio < b.prio
			}
		}
	}
	return comparePlans(a, b) < 0
}

// selectForPricing keeps the MaxPlans best plans by the structural rules,
// at least a quarter of them (when there are that many) with one more
// shipment than the fewest, so that a cheaper split can win on cost.
func (rc *routeCtx) selectForPricing() {
	sort.SliceStable(rc.plans, func(i, j int) bool { return rc.preLess(rc.plans[i], rc.plans[j]) })
	limit := rc.r.cfg.MaxPlans
	if len(rc.plans) <= limit {
		rc.priced = rc.plans
		return
	}
	var fewest, more []*plan
	for _, p := range rc.plans {
		if len(p.ships) == rc.kMin {
			fewest = append(fewest, p)
		} else {
			more = append(more, p)
		}
	}
	q2 := min(len(more), max(limit/4, limit-len(fewest)))
	q1 := min(len(fewest), limit-q2)
	rc.priced = append(append(make([]*plan, 0, limit), fewest[:q1]...), more[:q2]...)
	sort.SliceStable(rc.priced, func(i, j int) bool { return rc.preLess(rc.priced[i], rc.priced[j]) })
}

// businessDaysBetween counts the business days (Monday to Friday) after
// from's day up to and including to's day, both in to's zone; -1 when
// to's day is before from's.
func businessDaysBetween(from, to time.Time) int {
	f := commerce.DateOf(from.In(to.Location()))
	t := commerce.DateOf(to)
	if t.Before(f) {
		return -1
	}
	days := f.DaysUntil(t)
	weeks, rest := days/7, days%7
	n := weeks * 5
	wd := f.Weekday()
	for i := 1; i <= rest; i++ {
		if d := (int(wd) + i) % 7; d != int(time.Saturday) && d != int(time.Sunday) {
			n++
		}
	}
	return n
}
