package routing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// rated is one distinct shipment (a location and the units it ships),
// rate-shopped once and shared by every plan that contains it.
type rated struct {
	sp       *shipPlan // the first plan's shipment, for its location and units
	req      RateRequest
	handle   int
	quotes   []quote
	chosen   int    // index into quotes, -1 if none eligible
	eligible int    // quotes that met the promise (or all, when soft)
	dropped  int    // quotes dropped for missing the promise
	noRate   string // why no rate, when none
	ng       int64  // the weight of its one parcel; 0 when it has several
	late     int    // days late of the chosen quote
	landed   *LandedChoice

	merchant, latePen, distPen, cost decimal.Decimal
}

// call is one request to a source in a wave.
type call struct {
	src  string
	run  func(ctx context.Context) (any, error)
	res  any
	err  error
	done bool
}

// wave runs calls concurrently (at most Config.Concurrency at once) until
// they all answer or ctx is done. Calls that did not answer get an error
// saying so (limit is the time they were given); they are not waited for
// and their late answers are dropped. caller is the caller's context, to
// tell its deadline from the wave's own.
func (r *Router) wave(ctx, caller context.Context, limit time.Duration, calls []*call) {
	if len(calls) == 0 {
		return
	}
	type result struct {
		i   int
		res any
		err error
	}
	ch := make(chan result, len(calls)) // buffered: late answers never block
	sem := make(chan struct{}, r.cfg.Concurrency)
	for i, c := range calls {
		go func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				ch <- result{i: i, err: fmt.Errorf("not asked before the deadline: %w", ctx.Err())}
				return
			}
			defer func() { <-sem }()
			res, err := c.run(ctx)
			ch <- result{i: i, res: res, err: err}
		}()
	}
wait:
	for range calls {
		select {
		case res := <-ch:
			c := calls[res.i]
			c.res, c.err, c.done = res.res, res.err, true
		case <-ctx.Done():
			break wait
		}
	}
	for _, c := range calls {
		if !c.done {
			if err := caller.Err(); err != nil {
				c.err = fmt.Errorf("no answer: %w", err)
			} else {
				c.err = fmt.Errorf("no answer within %s", limit)
			}
		}
	}
}

// noteErr records a source error once per decision.
func (rc *routeCtx) noteErr(src string, err error) {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		se := SourceError{Source: src, Message: e.Error()}
		if !rc.errSet[se] {
			rc.errSet[se] = true
			rc.errs = append(rc.errs, se)
		}
	}
}

// price rate-shops every shipment of the plans selected for pricing, adds
// landed cost to the cross-border ones and costs each plan.
func (rc *routeCtx) price(ctx context.Context) {
	var todo []*rated
	for _, p := range rc.priced {
		for _, sp := range p.ships {
			k := sp.key()
			rs, ok := rc.ships[k]
			if !ok {
				rs = rc.newRated(sp)
				rc.ships[k] = rs
				todo = append(todo, rs)
			}
			sp.rs = rs
		}
	}
	rc.rateAll(ctx, todo)
	for _, p := range rc.priced {
		rc.costPlan(p)
	}
}

// rateAll rate-shops the shipments (asking the fallback for those no
// source quoted), picks each one's service, adds landed cost to the
// cross-border ones and totals each shipment.
func (rc *routeCtx) rateAll(caller context.Context, todo []*rated) {
	// One deadline for every round of rate shopping of the decision.
	ctx, cancel := context.WithTimeout(caller, rc.r.cfg.RateTimeout)
	defer cancel()
	rc.caller = caller
	rc.shop(ctx, todo, rc.r.localSources, rc.r.remoteSources)
	if fb := rc.r.cfg.Fallback; fb != nil {
		var again []*rated
		for _, rs := range todo {
			if len(rs.quotes) == 0 {
				again = append(again, rs)
			}
		}
		if len(again) > 0 {
			if isLocal(fb) {
				rc.shop(ctx, again, []RateSource{fb}, nil)
			} else {
				rc.shop(ctx, again, nil, []RateSource{fb})
			}
		}
	}
	for _, rs := range todo {
		rc.choose(rs)
	}
	rc.landedCosts(caller, todo)
	for _, rs := range todo {
		rc.costShipment(rs)
	}
}

func (rc *routeCtx) newRated(sp *shipPlan) *rated {
	rs := &rated{sp: sp, handle: sp.c.rule.HandlingDays, chosen: -1}
	parcels := []Parcel{{Weight: weightOf(sp.ng)}}
	if limit := rc.r.maxParcelNg; limit > 0 && sp.ng > limit {
		n := (sp.ng + limit - 1) / limit
		parcels = make([]Parcel, n)
		for i := range parcels {
			w := sp.ng / n
			if int64(i) < sp.ng%n {
				w++
			}
			parcels[i] = Parcel{Weight: weightOf(w)}
		}
	} else {
		rs.ng = sp.ng
		if single := rc.singleUnit(sp); single >= 0 {
			if it, ok := rc.req.Items[rc.demand[single].sku]; ok {
				parcels[0].Dimensions = it.Dimensions
			}
		}
	}
	rs.req = RateRequest{From: sp.c.loc.Address, To: rc.dest, Parcels: parcels}
	if len(rc.r.remoteSources) > 0 || (rc.r.cfg.Fallback != nil && !isLocal(rc.r.cfg.Fallback)) {
		v := rc.goodsValue(sp)
		rs.req.Value = &v
	}
	return rs
}

func isLocal(s RateSource) bool {
	l, ok := s.(LocalSource)
	return ok && l.Local()
}

// singleUnit returns the demand line of a one-unit shipment, or -1.
func (rc *routeCtx) singleUnit(sp *shipPlan) int {
	line := -1
	for li, q := range sp.units {
		switch {
		case q == 0:
		case q == 1 && line < 0:
			line = li
		default:
			return -1
		}
	}
	return line
}

// goodsValue is the shipment's value at the order's unit prices.
func (rc *routeCtx) goodsValue(sp *shipPlan) commerce.Money {
	total := decimal.Zero
	for li, q := range sp.units {
		if q > 0 {
			total = total.Add(rc.demand[li].price.Amount.Mul(decimal.NewFromInt(int64(q))))
		}
	}
	return commerce.Money{Amount: total, Currency: rc.order.Currency}
}

// shop asks the sources for rates for every shipment and turns the answers
// into quotes: local sources inline, the others in one wave.
func (rc *routeCtx) shop(ctx context.Context, todo []*rated, local, remote []RateSource) {
	var shared []*commerce.Rate
	for _, rs := range todo {
		for _, src := range local {
			if t, ok := src.(*TableRates); ok && rs.ng > 0 {
				var err error
				shared, err = t.appendShared(shared[:0], &rs.req.From, &rs.req.To, rs.ng)
				rc.answerShared(rs, src.Name(), shared, err)
				continue
			}
			rates, err := src.Rates(ctx, rs.req)
			rc.answer(rs, src.Name(), rates, err)
		}
	}
	if len(remote) == 0 {
		return
	}
	calls := make([]*call, 0, len(todo)*len(remote))
	owner := make([]*rated, 0, cap(calls))
	for _, rs := range todo {
		for _, src := range remote {
			req := rs.req
			calls = append(calls, &call{src: src.Name(), run: func(ctx context.Context) (any, error) { return src.Rates(ctx, req) }})
			owner = append(owner, rs)
		}
	}
	rc.r.wave(ctx, rc.caller, rc.r.cfg.RateTimeout, calls)
	for i, c := range calls {
		rates, _ := c.res.([]commerce.Rate)
		rc.answer(owner[i], c.src, rates, c.err)
	}
}

// answerShared records a table's answer given as shared rates.
func (rc *routeCtx) answerShared(rs *rated, src string, rates []*commerce.Rate, err error) {
	rc.answered(rs, src, len(rates), err)
	for _, rate := range rates {
		rc.addQuote(rs, src, rate)
	}
}

// answer records one source's answer for a shipment.
func (rc *routeCtx) answer(rs *rated, src string, rates []commerce.Rate, err error) {
	rc.answered(rs, src, len(rates), err)
	for i := range rates {
		rc.addQuote(rs, src, &rates[i])
	}
}

// answered records a source's error, if any, for a shipment that got n rates.
func (rc *routeCtx) answered(rs *rated, src string, n int, err error) {
	if err != nil {
		rc.noteErr(src, err)
		if n == 0 {
			rs.noRate = appendReason(rs.noRate, src+": "+err.Error())
		}
	}
	if rs.quotes == nil {
		rs.quotes = make([]quote, 0, n)
	}
}

func (rc *routeCtx) addQuote(rs *rated, src string, rate *commerce.Rate) {
	if q, err := rc.quote(src, rate, rs.handle); err != nil {
		rc.noteErr(src, err)
	} else {
		rs.quotes = append(rs.quotes, q)
	}
}

func appendReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// quote is a rate as the router compares it; Quote is its exported form.
type quote struct {
	src     string
	rate    *commerce.Rate
	cost    decimal.Decimal // the amount in the decision's currency
	total   decimal.Decimal // cost plus the late penalty
	days    int             // handling plus transit business days; 0 if unknown
	late    int             // business days late
	meets   bool
	dropped string
}

// export returns the quote as a decision shows it.
func (q *quote) export(cur commerce.Currency) Quote {
	return Quote{Source: q.src, Carrier: q.rate.Carrier, Service: q.rate.Service, Amount: q.rate.Amount,
		Cost: commerce.Money{Amount: q.cost, Currency: cur}, Days: q.days, MeetsPromise: q.meets, Dropped: q.dropped}
}

func exportQuotes(qs []quote, cur commerce.Currency) []Quote {
	out := make([]Quote, len(qs))
	for i := range qs {
		out[i] = qs[i].export(cur)
	}
	return out
}

// quote checks a rate and converts it into the decision's currency.
func (rc *routeCtx) quote(src string, rate *commerce.Rate, handle int) (quote, error) {
	if strings.TrimSpace(rate.Carrier) == "" || strings.TrimSpace(rate.Service) == "" {
		return quote{}, fmt.Errorf("a rate without carrier or service name was ignored")
	}
	if !rate.Amount.Valid() || rate.Amount.IsNegative() {
		return quote{}, fmt.Errorf("rate %s %s: amount %s is not valid money; ignored", rate.Carrier, rate.Service, rate.Amount)
	}
	cost, err := rc.fx.convert(rate.Amount, rc.cur)
	if err != nil {
		return quote{}, fmt.Errorf("rate %s %s: %w", rate.Carrier, rate.Service, err)
	}
	q := quote{src: src, rate: rate, cost: cost.Amount, total: cost.Amount}
	transit := rate.TransitDays
	if transit <= 0 && rate.EstimatedDelivery != nil {
		transit = max(businessDaysBetween(rc.now, *rate.EstimatedDelivery), 0)
	}
	if transit > 0 {
		q.days = handle + transit
	}
	switch {
	case rc.allowed == noLimit:
		q.meets = true
	case q.days > 0 && q.days <= rc.allowed:
		q.meets = true
	case q.days > 0:
		q.late = q.days - max(rc.allowed, 0)
	default:
		q.late = 1 // unknown transit time: cannot confirm the promise
	}
	if !q.meets && rc.latePerDay != nil {
		q.total = q.cost.Add(rc.latePerDay.Mul(decimal.NewFromInt(int64(q.late))))
	}
	return q, nil
}

// speed returns the quote's days for comparing speed.
func (q *quote) speed() int {
	if q.days <= 0 {
		return unknownDays
	}
	return q.days
}

// choose picks the shipment's service: among those meeting the promise (or
// all, with the late penalty, when the promise is soft and none does), the
// cheapest or the fastest, ties broken by the other, then by names.
func (rc *routeCtx) choose(rs *rated) {
	if len(rs.quotes) == 0 {
		if rs.noRate == "" {
			rs.noRate = "no source quoted it"
		}
		return
	}
	// A hard promise drops the services that miss it; a soft one lets
	// them compete with their late penalty.
	if rc.latePerDay == nil {
		for i := range rs.quotes {
			q := &rs.quotes[i]
			switch {
			case q.meets:
			case q.days <= 0:
				q.dropped = "transit time unknown, cannot confirm the promise"
			default:
				q.dropped = "misses the promise"
			}
		}
	}
	speed := rc.r.cfg.Objective == Speed
	slices.SortStableFunc(rs.quotes, func(a, b quote) int {
		if (a.dropped == "") != (b.dropped == "") {
			if a.dropped == "" {
				return -1
			}
			return 1
		}
		byCost := a.total.Cmp(b.total)
		bySpeed := cmp.Compare(a.speed(), b.speed())
		if speed {
			byCost, bySpeed = bySpeed, byCost
		}
		if byCost != 0 {
			return byCost
		}
		if bySpeed != 0 {
			return bySpeed
		}
		return cmp.Or(strings.Compare(a.rate.Carrier, b.rate.Carrier), strings.Compare(a.rate.Service, b.rate.Service), strings.Compare(a.src, b.src))
	})
	for i := range rs.quotes {
		if rs.quotes[i].dropped == "" {
			rs.eligible++
		} else {
			rs.dropped++
		}
	}
	if rs.quotes[0].dropped != "" {
		rs.noRate = fmt.Sprintf("none of the %s quoted meets the %s", countWords(len(rs.quotes), "service"), rc.promiseWords())
		if len(rs.quotes) == 1 {
			rs.noRate = "the only service quoted misses the " + rc.promiseWords()
		}
		return
	}
	rs.chosen = 0
	best := &rs.quotes[0]
	rs.late = best.late
	if !best.meets && rc.latePerDay != nil {
		rs.latePen = best.total.Sub(best.cost)
	}
	// From here on dropped also explains why an eligible service lost.
	for i := 1; i < len(rs.quotes); i++ {
		q := &rs.quotes[i]
		if q.dropped != "" {
			continue
		}
		if speed {
			q.dropped = "slower or dearer"
		} else {
			q.dropped = "dearer or slower"
		}
	}
}

// promiseWords describes the promise: "3-day promise", "promise to
// deliver by 2026-03-20".
func (rc *routeCtx) promiseWords() string {
	p := rc.req.Promise
	switch {
	case p.DeliverBy != nil && p.Days > 0:
		return fmt.Sprintf("%d-day promise (deliver by %s)", p.Days, p.DeliverBy.Format(time.DateOnly))
	case p.DeliverBy != nil:
		return "promise to deliver by " + p.DeliverBy.Format(time.DateOnly)
	case p.Days > 0:
		return fmt.Sprintf("%d-day promise", p.Days)
	}
	return "promise"
}

// landedCosts quotes DDP and DAP for every cross-border shipment that has a
// service.
func (rc *routeCtx) landedCosts(ctx context.Context, todo []*rated) {
	lc := rc.r.cfg.LandedCost
	// Shipments with the same origin country, goods and shipping amount
	// (from two warehouses in one country) share their quotes.
	type group struct {
		owners []*rated
		calls  [2]*call // DDP, DAP
	}
	var groups []*group
	byKey := map[string]*group{}
	var calls []*call
	for _, rs := range todo {
		if !rs.sp.c.cross || rs.chosen < 0 {
			continue
		}
		if lc == nil {
			rs.landed = &LandedChoice{Error: "no customs capability connected; duties and taxes are not included"}
			continue
		}
		base, err := rc.landedRequest(rs)
		if err != nil {
			rs.landed = &LandedChoice{Error: err.Error()}
			continue
		}
		rs.landed = &LandedChoice{}
		key := base.OriginCountry + "|" + rs.sp.key()[len(rs.sp.c.id):] + "|" + base.Shipping.String()
		if g, ok := byKey[key]; ok {
			g.owners = append(g.owners, rs)
			continue
		}
		g := &group{owners: []*rated{rs}}
		for i, term := range []string{IncotermDDP, IncotermDAP} {
			req := base
			req.Incoterm = term
			g.calls[i] = &call{src: term, run: func(ctx context.Context) (any, error) { return lc.LandedCost(ctx, req) }}
			calls = append(calls, g.calls[i])
		}
		byKey[key] = g
		groups = append(groups, g)
	}
	if len(calls) == 0 {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, rc.r.cfg.LandedCostTimeout)
	defer cancel()
	rc.r.wave(lctx, ctx, rc.r.cfg.LandedCostTimeout, calls)
	for _, g := range groups {
		var quotes [2]*commerce.LandedCost
		var errs [2]error
		for i, c := range g.calls {
			quotes[i], _ = c.res.(*commerce.LandedCost)
			errs[i] = c.err
			if errs[i] == nil && quotes[i] == nil {
				errs[i] = errors.New("the customs capability returned no quote")
			}
			if errs[i] != nil {
				rc.noteErr("customs", fmt.Errorf("%s %s → %s: %w", c.src, g.owners[0].sp.c.loc.Address.CountryCode, rc.dest.CountryCode, errs[i]))
			}
		}
		for _, rs := range g.owners {
			rc.chooseIncoterm(rs, quotes, errs)
		}
	}
}

// landedRequest describes a shipment to the customs capability.
func (rc *routeCtx) landedRequest(rs *rated) (LandedCostRequest, error) {
	sp := rs.sp
	req := LandedCostRequest{
		AsOf:                commerce.DateOf(rc.now),
		OriginCountry:       sp.c.loc.Address.CountryCode,
		DestinationCountry:  rc.dest.CountryCode,
		DestinationProvince: rc.dest.ProvinceCode,
		Currency:            rc.cur,
		Shipping:            rs.quotes[rs.chosen].rate.Amount,
		Insurance:           commerce.Zero(rc.cur),
		FXRates:             rc.req.FXRates,
	}
	for li, q := range sp.units {
		if q == 0 {
			continue
		}
		d := rc.demand[li]
		it := rc.req.Items[d.sku]
		if it.HSCode == "" || it.CountryOfOrigin == "" {
			return req, fmt.Errorf("SKU %s has no HS code or country of origin; add them to the catalog to quote duties and taxes", d.sku)
		}
		w := weightOf(d.ng * int64(q))
		req.Items = append(req.Items, commerce.LandedCostItem{SKU: d.sku, HSCode: it.HSCode, CountryOfOrigin: it.CountryOfOrigin,
			Quantity: q, UnitPrice: d.price, LineValue: d.price.MulInt(q), Weight: &w})
	}
	return req, nil
}

// chooseIncoterm compares DDP and DAP. The merchant's DDP cost is the
// quote's duties, taxes and fees (what the merchant remits); the buyer's
// DAP cost is what is due at delivery. Under "auto": DAP when nothing
// would be due at the door anyway, otherwise DDP, unless its cost is above
// Rules.MaxDDPCost.
func (rc *routeCtx) chooseIncoterm(rs *rated, q [2]*commerce.LandedCost, errs [2]error) {
	lc := rs.landed
	lc.DDP, lc.DAP = q[0], q[1]
	var ddp, dap *commerce.Money
	if q[0] != nil {
		m, err := rc.ddpCost(q[0])
		if err != nil {
			errs[0] = err
			rc.noteErr("customs", fmt.Errorf("DDP quote: %w", err))
			lc.DDP = nil
		} else {
			ddp = &m
		}
	}
	if q[1] != nil {
		m, err := rc.fx.convert(q[1].Totals.DueAtDelivery, rc.cur)
		if err != nil {
			errs[1] = err
			rc.noteErr("customs", fmt.Errorf("DAP quote: %w", err))
			lc.DAP = nil
		} else {
			dap = &m
		}
	}
	lc.DDPCost, lc.DAPDueAtDelivery = ddp, dap
	pick := func(term string, why string) {
		lc.Incoterm, lc.Reason = term, why
		lc.MerchantCost = commerce.Zero(rc.cur)
		if term == IncotermDDP {
			lc.MerchantCost = *ddp
		}
	}
	switch {
	case ddp == nil && dap == nil && errs[0] != nil && errs[1] != nil && errs[0].Error() == errs[1].Error():
		lc.Error = fmt.Sprintf("no landed-cost quote (%v); duties and taxes are not included", errs[0])
	case ddp == nil && dap == nil:
		lc.Error = fmt.Sprintf("no landed-cost quote (DDP: %v; DAP: %v); duties and taxes are not included", errs[0], errs[1])
	case rc.r.incoterm == IncotermDDP && ddp == nil:
		lc.Error = fmt.Sprintf("the rules ship DDP but the DDP quote failed (%v); duties and taxes are not included", errs[0])
	case rc.r.incoterm == IncotermDAP && dap == nil:
		pick(IncotermDAP, "the rules ship DAP (the DAP quote failed, so what the buyer owes on delivery is unknown)")
	case rc.r.incoterm == IncotermDDP:
		pick(IncotermDDP, "the rules ship DDP")
	case rc.r.incoterm == IncotermDAP:
		pick(IncotermDAP, "the rules ship DAP")
	case ddp == nil:
		pick(IncotermDAP, fmt.Sprintf("the DDP quote failed (%v)", errs[0]))
	case dap == nil:
		pick(IncotermDDP, fmt.Sprintf("the DAP quote failed (%v)", errs[1]))
	case dap.IsZero():
		pick(IncotermDAP, "nothing would be due at delivery, so DAP costs the buyer nothing extra")
	case rc.maxDDP != nil && ddp.Amount.GreaterThan(*rc.maxDDP):
		pick(IncotermDAP, fmt.Sprintf("DDP would cost the merchant %s, above the %s limit (max_ddp_cost)", ddp, commerce.Money{Amount: *rc.maxDDP, Currency: rc.cur}))
	default:
		pick(IncotermDDP, fmt.Sprintf("under DAP the buyer would owe %s at the door (DDP costs the merchant %s)", dap, ddp))
	}
}

// ddpCost is what the merchant pays under a DDP quote: its duties, taxes
// and fees, in the decision's currency.
func (rc *routeCtx) ddpCost(q *commerce.LandedCost) (commerce.Money, error) {
	total, err := commerce.Sum(q.Totals.Duties.Currency, q.Totals.Duties, q.Totals.Taxes)
	if err == nil && !(q.Totals.Fees.Currency == "" && q.Totals.Fees.IsZero()) {
		total, err = total.Add(q.Totals.Fees)
	}
	if err != nil {
		return commerce.Money{}, fmt.Errorf("the quote's totals mix currencies: %w", err)
	}
	return rc.fx.convert(total, rc.cur)
}

// costShipment adds up what a shipment costs: the service, the merchant's
// landed cost and the soft promise penalties.
func (rc *routeCtx) costShipment(rs *rated) {
	if rs.chosen < 0 {
		return
	}
	rs.merchant = decimal.Zero
	if rs.landed != nil && rs.landed.Error == "" {
		rs.merchant = rs.landed.MerchantCost.Amount
	}
	if limit := rc.req.Promise.MaxDistanceKm; limit > 0 && rc.per100km != nil && rs.sp.c.prox.geo && rs.sp.c.prox.km > limit {
		over := math.Ceil((rs.sp.c.prox.km - limit) / 100)
		rs.distPen = rc.per100km.Mul(decimal.NewFromInt(int64(over)))
	}
	rs.cost = rs.quotes[rs.chosen].cost
	for _, d := range []decimal.Decimal{rs.merchant, rs.latePen, rs.distPen} {
		if !d.IsZero() {
			rs.cost = rs.cost.Add(d)
		}
	}
}

// costPlan totals a plan and says whether it can be used.
func (rc *routeCtx) costPlan(p *plan) {
	p.priced = true
	p.days = 0
	var promise, rates []string
	for _, sp := range p.ships {
		rs := sp.rs
		if rs.chosen < 0 {
			if len(rs.quotes) > 0 {
				promise = append(promise, sp.c.name+": "+rs.noRate)
			} else {
				rates = append(rates, sp.c.name+": "+rs.noRate)
			}
			continue
		}
		p.days = max(p.days, rs.quotes[rs.chosen].speed())
	}
	switch {
	case len(rates) > 0:
		p.reason, p.why = NoRates, "no rate: "+strings.Join(rates, "; ")
		return
	case len(promise) > 0:
		p.reason, p.why = PromiseImpossible, strings.Join(promise, "; ")
		return
	}
	n := len(p.ships)
	if n > 1 && rc.maxSplitShip != nil {
		shipping, _, _, _ := p.costs()
		if shipping.GreaterThan(*rc.maxSplitShip) {
			p.reason = SplitTooCostly
			p.why = fmt.Sprintf("split shipping %s is above the %s limit (max_split_shipping)", rc.money(shipping), rc.money(*rc.maxSplitShip))
			return
		}
	}
	p.total = p.ships[0].rs.cost
	for _, sp := range p.ships[1:] {
		p.total = p.total.Add(sp.rs.cost)
	}
	p.split = decimal.Zero
	if n > 1 && rc.splitPenalty != nil {
		p.split = rc.splitPenalty.Mul(decimal.NewFromInt(int64(n - 1)))
		p.total = p.total.Add(p.split)
	}
	p.feasible = true
}

func (rc *routeCtx) money(d decimal.Decimal) commerce.Money {
	return commerce.Money{Amount: d, Currency: rc.cur}.Round(commerce.RoundHalfEven)
}

// ErrNoService is returned by ShopRates when no carrier service is
// eligible; the RateShop returned with it says why (options, source errors).
var ErrNoService = errors.New("routing: no eligible carrier service")

// ShopRequest is one shipment to rate-shop on its own.
type ShopRequest struct {
	// From is the shipping location's address; To the destination.
	From, To commerce.Address
	// Lines are the goods, for the parcel weight (unless Parcels is set),
	// the declared value and the landed cost.
	Lines []ShopLine
	// Items describe the SKUs (weight, HS code, origin).
	Items map[string]Item
	// Parcels, when set, are priced instead of one parcel of the lines'
	// weight.
	Parcels []Parcel
	// HandlingDays are business days before the parcel leaves.
	HandlingDays int
	// Promise is the delivery promise.
	Promise Promise
	// Currency is the currency costs are compared in; empty means the
	// lines' currency.
	Currency commerce.Currency
	// FXRates convert other currencies into Currency.
	FXRates []commerce.FXRate
	// Now is the time of the shopping (default: now).
	Now time.Time
}

// ShopLine is a quantity of one SKU at a unit price.
type ShopLine struct {
	SKU       string         `json:"sku"`
	Quantity  int            `json:"quantity"`
	UnitPrice commerce.Money `json:"unit_price"`
}

// RateShop is the outcome of rate shopping one shipment.
type RateShop struct {
	// Chosen is the service picked, nil when none is eligible.
	Chosen *Quote `json:"chosen,omitempty"`
	// Options are every service quoted, best first, with why each lost.
	Options []Quote `json:"options"`
	// Landed compares DDP and DAP when the shipment crosses a border.
	Landed *LandedChoice `json:"landed,omitempty"`
	// Cost is the chosen service plus the merchant's duties and taxes and
	// any late penalty, in Currency.
	Cost commerce.Money `json:"cost"`
	// SourceErrors are the sources that failed or did not answer in time.
	SourceErrors []SourceError `json:"source_errors,omitempty"`
	// Explanation says in words what was chosen and why.
	Explanation string `json:"explanation"`
}

// ShopRates asks every source for rates for one shipment in parallel,
// within Config.RateTimeout, drops the services that miss the promise,
// picks by the objective (deterministic ties: the other objective, then
// carrier, service and source names) and, across a border, compares DDP
// with DAP. When no service is eligible it returns the RateShop together
// with an error wrapping ErrNoService.
func (r *Router) ShopRates(ctx context.Context, req ShopRequest) (*RateShop, error) {
	if !validCountry(req.To.CountryCode) || !validCountry(req.From.CountryCode) {
		return nil, errors.New("routing: shop rates: from and to need ISO 3166-1 alpha-2 country codes")
	}
	if len(req.Lines) == 0 && len(req.Parcels) == 0 {
		return nil, errors.New("routing: shop rates: give the lines or the parcels to ship")
	}
	if req.HandlingDays < 0 {
		return nil, errors.New("routing: shop rates: handling days must not be negative")
	}
	goods := req.Currency
	if len(req.Lines) > 0 {
		goods = req.Lines[0].UnitPrice.Currency
	}
	for i, l := range req.Lines {
		if l.SKU == "" || l.Quantity <= 0 {
			return nil, fmt.Errorf("routing: shop rates: lines[%d] needs a SKU and a quantity of at least 1", i)
		}
		if l.UnitPrice.Currency != goods {
			return nil, fmt.Errorf("routing: shop rates: lines[%d] is priced in %s, lines[0] in %s; price the goods in one currency", i, l.UnitPrice.Currency, goods)
		}
	}
	cur := req.Currency
	if cur == "" {
		cur = goods
	}
	if !cur.Valid() {
		return nil, fmt.Errorf("routing: shop rates: currency %q is not an ISO 4217 code", string(cur))
	}
	fx, err := newFXBook(req.FXRates)
	if err != nil {
		return nil, err
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	rc := &routeCtx{r: r, req: Request{Items: req.Items, FXRates: req.FXRates, Promise: req.Promise, Now: now},
		order: &commerce.Order{Currency: goods}, now: now, cur: cur, fx: fx, dest: req.To, errSet: map[SourceError]bool{}}
	rc.allowed = noLimit
	if req.Promise.Days > 0 {
		rc.allowed = req.Promise.Days
	}
	if by := req.Promise.DeliverBy; by != nil {
		rc.allowed = min(rc.allowed, businessDaysBetween(now, *by))
	}
	if a := r.cfg.Rules.LatePenaltyPerDay; a != nil {
		m, err := fx.convert(a.Money, cur)
		if err != nil {
			return nil, fmt.Errorf("routing: shop rates: late_penalty_per_day: %w", err)
		}
		rc.latePerDay = &m.Amount
	}
	if a := r.cfg.Rules.MaxDDPCost; a != nil {
		m, err := fx.convert(a.Money, cur)
		if err != nil {
			return nil, fmt.Errorf("routing: shop rates: max_ddp_cost: %w", err)
		}
		rc.maxDDP = &m.Amount
	}
	origin := &commerce.Location{Name: "origin", Address: req.From}
	c := &cand{loc: origin, id: "origin", name: "origin", rule: &LocationRule{HandlingDays: req.HandlingDays},
		cross: req.From.CountryCode != req.To.CountryCode, prox: proximityOf(req.From, req.To, false)}
	sp := &shipPlan{c: c, units: make([]int, len(req.Lines))}
	for i, l := range req.Lines {
		dl := demandLine{lineID: strconv.Itoa(i + 1), sku: l.SKU, s: i, qty: l.Quantity, price: l.UnitPrice, ng: r.defaultNg}
		if it, ok := req.Items[l.SKU]; ok && it.Weight != nil {
			if dl.ng, err = nanograms(*it.Weight); err != nil {
				return nil, fmt.Errorf("routing: shop rates: item %s: %w", l.SKU, err)
			}
		}
		rc.demand = append(rc.demand, dl)
		sp.units[i] = l.Quantity
		sp.ng += int64(l.Quantity) * dl.ng
	}
	rs := rc.newRated(sp)
	if len(req.Parcels) > 0 {
		rs.req.Parcels, rs.ng = req.Parcels, 0
	}
	if len(req.Lines) > 0 && rs.req.Value == nil {
		v := rc.goodsValue(sp)
		rs.req.Value = &v
	}
	sp.rs = rs
	rc.rateAll(ctx, []*rated{rs})
	out := &RateShop{Options: exportQuotes(rs.quotes, cur), Landed: rs.landed, SourceErrors: rc.errs}
	if rs.chosen < 0 {
		out.Explanation = "No eligible service: " + rs.noRate + "."
		return out, fmt.Errorf("%w: %s", ErrNoService, rs.noRate)
	}
	q := rs.quotes[rs.chosen].export(cur)
	out.Chosen = &q
	out.Cost = rc.money(rs.cost)
	parts := []string{rc.serviceWords(sp, false)}
	if rs.landed != nil {
		parts = append(parts, rc.landedWords(sp))
	}
	out.Explanation = strings.Join(parts, " ")
	return out, nil
}
