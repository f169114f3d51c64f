package routing

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// baseDecision is what a decision holds whatever the outcome.
func (rc *routeCtx) baseDecision() *Decision {
	d := &Decision{
		OrderID:         rc.order.Source.ExternalID,
		OrderNumber:     rc.order.Number,
		Channel:         rc.channel,
		Objective:       rc.r.cfg.Objective,
		Ranking:         slices.Clone(rc.r.ranking),
		Skipped:         rc.skipped,
		Excluded:        rc.excluded,
		SourceErrors:    rc.errs,
		DecidedAt:       rc.now,
		PlansConsidered: len(rc.plans),
		PlansPriced:     len(rc.priced),
	}
	return d
}

// step records how one criterion narrowed the plans.
type step struct {
	c    Criterion
	kept int
}

// decide picks the plan by the ranking and writes the decision.
func (rc *routeCtx) decide() (*Decision, error) {
	var alive []*plan
	for _, p := range rc.priced {
		if p.feasible {
			alive = append(alive, p)
		}
	}
	if len(alive) == 0 {
		return nil, rc.noFeasiblePlan()
	}
	var steps []step
	for i, c := range rc.r.ranking {
		if len(alive) == 1 {
			break
		}
		keep := rc.filter(alive, c)
		for _, p := range alive {
			if !containsPlan(keep, p) {
				p.elimBy, p.elimStep = c, i+1
			}
		}
		steps = append(steps, step{c: c, kept: len(keep)})
		alive = keep
	}
	slices.SortStableFunc(alive, comparePlans)
	chosen := alive[0]
	for _, p := range alive[1:] {
		p.elimStep = len(rc.r.ranking) + 1 // lost the final tie-break
	}
	d := rc.baseDecision()
	rc.fill(d, chosen)
	d.Alternatives = rc.alternatives(chosen)
	d.Explanation = rc.explain(d, chosen, steps, alive[1:])
	return d, nil
}

func containsPlan(ps []*plan, p *plan) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// filter keeps the plans best on one criterion.
func (rc *routeCtx) filter(ps []*plan, c Criterion) []*plan {
	score := func(p *plan) float64 {
		switch c {
		case BySpeed:
			return float64(p.days)
		case ByFewestSplits:
			return float64(len(p.ships))
		case ByMarket:
			return float64(p.out)
		case ByClosest:
			return p.close
		case ByPriority:
			return float64(p.prio)
		}
		return 0
	}
	var keep []*plan
	if c == ByCost {
		best := ps[0].total
		for _, p := range ps[1:] {
			if p.total.LessThan(best) {
				best = p.total
			}
		}
		limit := best
		if rc.tolerance != nil {
			limit = best.Add(*rc.tolerance)
		}
		for _, p := range ps {
			if p.total.LessThanOrEqual(limit) {
				keep = append(keep, p)
			}
		}
		return keep
	}
	best := math.Inf(1)
	for _, p := range ps {
		best = math.Min(best, score(p))
	}
	for _, p := range ps {
		if score(p) <= best+1e-9 {
			keep = append(keep, p)
		}
	}
	return keep
}

// noFeasiblePlan explains why no priced plan can be used.
func (rc *routeCtx) noFeasiblePlan() error {
	count := map[Reason]int{}
	var first = map[Reason]*plan{}
	for _, p := range rc.priced {
		count[p.reason]++
		if first[p.reason] == nil {
			first[p.reason] = p
		}
	}
	reason := NoRates
	for _, r := range []Reason{PromiseImpossible, SplitTooCostly, NoRates} {
		if count[r] > 0 {
			reason = r
			break
		}
	}
	p := first[reason]
	var detail string
	switch reason {
	case PromiseImpossible:
		detail = fmt.Sprintf("no service meets the %s (e.g. %s: %s); promise a later date, make the promise soft with late_penalty_per_day, or connect a faster carrier",
			rc.promiseWords(), rc.planNames(p), p.why)
	case SplitTooCostly:
		detail = fmt.Sprintf("the splits are above the split-cost limit (e.g. %s: %s); raise max_split_shipping or move stock", rc.planNames(p), p.why)
		if rc.kMin > 1 {
			detail = "no single location can ship the order and " + detail
		}
	default:
		detail = fmt.Sprintf("no rate source quoted the plans (e.g. %s: %s); check the carrier connections or the rate table", rc.planNames(p), p.why)
	}
	if len(count) > 1 { // mixed: say how many failed for what
		var parts []string
		for _, r := range []Reason{PromiseImpossible, SplitTooCostly, NoRates} {
			if count[r] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", count[r], r))
			}
		}
		detail += fmt.Sprintf(" (of the %s priced: %s)", countWords(len(rc.priced), "plan"), strings.Join(parts, ", "))
	}
	err := rc.unroutable(reason, detail)
	if ue, ok := err.(*UnroutableError); ok {
		ue.Decision.Alternatives = rc.alternatives(nil)
	}
	return err
}

// planNames lists a plan's location names: "Leipzig + Berlin".
func (rc *routeCtx) planNames(p *plan) string {
	names := make([]string, len(p.ships))
	for i, sp := range p.ships {
		names[i] = sp.c.name
	}
	return strings.Join(names, " + ")
}

// fill writes the chosen plan into the decision.
func (rc *routeCtx) fill(d *Decision, p *plan) {
	for li, dl := range rc.demand {
		for _, sp := range p.ships {
			if q := sp.units[li]; q > 0 {
				d.Assignments = append(d.Assignments, Assignment{LineID: dl.lineID, SKU: dl.sku, LocationID: sp.c.id, Quantity: q})
			}
		}
	}
	for _, sp := range p.ships {
		rs := sp.rs
		q := &rs.quotes[rs.chosen]
		s := Shipment{
			LocationID: sp.c.id, LocationName: sp.c.name, Parcels: rs.req.Parcels,
			Rate: *q.rate, Source: q.src, ShippingCost: commerce.Money{Amount: q.cost, Currency: rc.cur}, DeliveryDays: q.days, MeetsPromise: q.meets,
			Options: exportQuotes(rs.quotes, rc.cur), CrossBorder: sp.c.cross, Landed: rs.landed, Cost: rc.money(rs.cost),
		}
		for _, a := range d.Assignments {
			if a.LocationID == sp.c.id {
				s.Lines = append(s.Lines, a)
			}
		}
		if sp.c.prox.geo {
			km := math.Round(sp.c.prox.km*10) / 10
			s.DistanceKm = &km
		}
		d.Shipments = append(d.Shipments, s)
	}
	shipping, duties, late, dist := p.costs()
	d.Cost = CostBreakdown{
		Shipping: rc.money(shipping), Duties: rc.money(duties), SplitPenalty: rc.money(p.split),
		LatePenalty: rc.money(late), DistancePenalty: rc.money(dist), Total: rc.money(p.total),
	}
	d.Total = d.Cost.Total
}

// alternatives lists the plans not chosen, best first: those that lost on
// a criterion (the later the better), those that could not be used, and
// those not priced.
func (rc *routeCtx) alternatives(chosen *plan) []Alternative {
	var others []*plan
	for _, p := range rc.plans {
		if p != chosen {
			others = append(others, p)
		}
	}
	rank := func(p *plan) int {
		switch {
		case p.feasible:
			return 0
		case p.priced:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(others, func(a, b *plan) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		if !a.feasible {
			return 0 // keep the structural order
		}
		if a.elimStep != b.elimStep {
			return b.elimStep - a.elimStep
		}
		return a.total.Cmp(b.total)
	})
	n := min(len(others), rc.r.cfg.Alternatives)
	out := make([]Alternative, 0, n)
	for _, p := range others[:n] {
		a := Alternative{Rejected: rc.rejected(p, chosen)}
		for _, sp := range p.ships {
			a.Locations = append(a.Locations, sp.c.id)
		}
		if p.feasible {
			t := rc.money(p.total)
			a.Total = &t
			if p.days < unknownDays {
				a.DeliveryDays = p.days
			}
		}
		out = append(out, a)
	}
	return out
}

// rejected says why a plan lost against the chosen one.
func (rc *routeCtx) rejected(p, chosen *plan) string {
	if !p.priced {
		return fmt.Sprintf("not rate-shopped: below the first %d plans by the structural rules", rc.r.cfg.MaxPlans)
	}
	if !p.feasible {
		return p.why
	}
	if chosen == nil {
		return "usable"
	}
	switch p.elimBy {
	case ByCost:
		return fmt.Sprintf("costs %s more (%s)", rc.money(p.total.Sub(chosen.total)), rc.money(p.total))
	case BySpeed:
		return fmt.Sprintf("slower: %s against %s", daysWords(p.days), daysWords(chosen.days))
	case ByFewestSplits:
		return fmt.Sprintf("%d shipments instead of %d", len(p.ships), len(chosen.ships))
	case ByMarket:
		return fmt.Sprintf("%d of its shipments leave from outside the destination market %s", p.out, rc.destMarket)
	case ByClosest:
		if rc.geoMode {
			return fmt.Sprintf("farther: %.0f km against %.0f km", p.close, chosen.close)
		}
		return "farther by region (" + rc.tierNames(p) + " against " + rc.tierNames(chosen) + ")"
	case ByPriority:
		return "uses lower-ranked locations (priority)"
	}
	return "tied with the chosen plan on every rule; the chosen plan comes first in the locations' order (by the rules, then by id)"
}

func (rc *routeCtx) tierNames(p *plan) string {
	parts := make([]string, len(p.ships))
	for i, sp := range p.ships {
		parts[i] = tierWords[sp.c.prox.tier]
	}
	return strings.Join(parts, ", ")
}

func daysWords(d int) string {
	if d >= unknownDays || d <= 0 {
		return "unknown days"
	}
	if d == 1 {
		return "1 business day"
	}
	return strconv.Itoa(d) + " business days"
}

// explain writes the decision in words.
func (rc *routeCtx) explain(d *Decision, chosen *plan, steps []step, tied []*plan) string {
	var b []string
	say := func(format string, a ...any) { b = append(b, fmt.Sprintf(format, a...)) }
	nLines := len(rc.demand)
	// Where.
	switch {
	case len(chosen.ships) == 1 && nLines == 1:
		say("Ship from %s.", chosen.ships[0].c.name)
	case len(chosen.ships) == 1:
		say("Ship from %s: %s in one shipment.", chosen.ships[0].c.name, allWords(nLines))
	default:
		parts := make([]string, len(chosen.ships))
		for i, sp := range chosen.ships {
			n := 0
			for _, q := range sp.units {
				if q > 0 {
					n++
				}
			}
			parts[i] = fmt.Sprintf("%s (%s)", sp.c.name, countWords(n, "line"))
		}
		say("Split into %d shipments: %s.", len(chosen.ships), joinAnd(parts))
	}
	// Why this plan.
	b = append(b, rc.why(chosen, steps, tied)...)
	// Each shipment's service.
	for _, sp := range chosen.ships {
		b = append(b, rc.serviceWords(sp, len(chosen.ships) > 1))
		if sp.c.cross && sp.rs.landed != nil {
			b = append(b, rc.landedWords(sp))
		}
	}
	// The cost.
	shipping, duties, late, dist := chosen.costs()
	extra := []string{}
	for _, x := range []struct {
		name string
		v    decimal.Decimal
	}{{"duties and taxes", duties}, {"split penalty", chosen.split}, {"late penalty", late}, {"distance penalty", dist}} {
		if !x.v.IsZero() {
			extra = append(extra, x.name+" "+rc.money(x.v).String())
		}
	}
	if len(extra) > 0 {
		say("Total %s: shipping %s, %s.", rc.money(chosen.total), rc.money(shipping), strings.Join(extra, ", "))
	} else {
		say("Total %s.", rc.money(chosen.total))
	}
	// What the decision could not see or assumed.
	if rc.dest.Geo == nil {
		say("The destination has no coordinates, so closeness was compared by region (postal area, province, country, market).")
	} else if len(rc.noGeo) > 0 {
		say("No coordinates for %s, so closeness was compared by region (postal area, province, country, market).", joinAnd(limitList(rc.noGeo, 5)))
	}
	if len(rc.assumed) > 0 {
		say("Weight unknown for %s; assumed %s kg a unit.", joinAnd(limitList(rc.assumed, 5)), decimal.New(rc.r.defaultNg, -12))
	}
	if len(rc.excluded) > 0 {
		say("Not used: %s.", exclusionList(limitExclusions(rc.excluded, 5)))
	}
	if len(rc.errs) > 0 {
		parts := make([]string, 0, 3)
		for _, e := range rc.errs[:min(3, len(rc.errs))] {
			parts = append(parts, e.Source+": "+e.Message)
		}
		more := ""
		if len(rc.errs) > 3 {
			more = fmt.Sprintf(" and %d more", len(rc.errs)-3)
		}
		say("Some quotes were missing (%s%s); the decision used the answers that came.", strings.Join(parts, "; "), more)
	}
	for _, s := range rc.skipped {
		say("Line %s not routed: %s.", s.LineID, s.Reason)
	}
	return strings.Join(b, " ")
}

// why says why the chosen plan won.
func (rc *routeCtx) why(chosen *plan, steps []step, tied []*plan) []string {
	n := len(rc.demand)
	if len(rc.plans) == 1 {
		if len(chosen.ships) == 1 {
			if len(rc.cands) == 1 {
				return []string{fmt.Sprintf("It is the only allowed location with %s.", stockWords(n))}
			}
			return []string{fmt.Sprintf("It is the only location with %s.", stockWords(n))}
		}
		return []string{fmt.Sprintf("No single location has %s, and this is the only combination that has.", stockWords(n))}
	}
	var out []string
	if rc.kMin > 1 {
		out = append(out, fmt.Sprintf("No single location has %s.", stockWords(n)))
	}
	if len(steps) == 0 { // one usable plan
		for _, p := range rc.priced {
			if !p.feasible {
				return append(out, fmt.Sprintf("It is the only usable plan of %d priced; %s cannot ship it: %s.", len(rc.priced), rc.planNames(p), p.why))
			}
		}
		return append(out, "It is the only plan priced.")
	}
	last := steps[len(steps)-1]
	var ties []string
	for _, s := range steps[:len(steps)-1] {
		if s.kept > 1 {
			ties = append(ties, string(s.c))
		}
	}
	prefix := ""
	if len(ties) > 0 {
		prefix = "Tied on " + strings.Join(ties, ", ") + "; "
	}
	// The runner-up: the best plan that lost at the deciding step.
	var runner *plan
	for _, p := range rc.priced {
		if p.feasible && p.elimBy == last.c && (runner == nil || p.total.LessThan(runner.total)) {
			runner = p
		}
	}
	if len(tied) > 0 {
		return append(out, prefix+fmt.Sprintf("tied on every rule with %s; chosen by the locations' order (by the rules, then by id).", rc.planNames(tied[0])))
	}
	if runner == nil {
		return append(out, prefix+"decided by "+string(last.c)+".")
	}
	var s string
	switch last.c {
	case ByCost:
		diff := rc.money(runner.total.Sub(chosen.total))
		s = fmt.Sprintf("cheapest of %d usable plans at %s", countFeasible(rc.priced), rc.money(chosen.total))
		switch a, b := len(chosen.ships), len(runner.ships); {
		case a < b:
			s += fmt.Sprintf("; %s instead of %s saves %s", parcelWords(a), numberWords(b), diff)
		case a > b:
			s += fmt.Sprintf("; %s cost %s less than %s from %s", parcelWords(a), diff, parcelWords(b), rc.planNames(runner))
		default:
			s += fmt.Sprintf(", %s less than %s", diff, rc.planNames(runner))
		}
	case BySpeed:
		s = fmt.Sprintf("fastest: %s against %s from %s", daysWords(chosen.days), daysWords(runner.days), rc.planNames(runner))
	case ByFewestSplits:
		s = fmt.Sprintf("fewest shipments: %d against %d from %s", len(chosen.ships), len(runner.ships), rc.planNames(runner))
	case ByMarket:
		s = fmt.Sprintf("stays in the destination market %s, unlike %s", rc.destMarket, rc.planNames(runner))
	case ByClosest:
		if rc.geoMode {
			s = fmt.Sprintf("closest: %.0f km against %.0f km from %s", chosen.close, runner.close, rc.planNames(runner))
			if len(chosen.ships) > 1 || len(runner.ships) > 1 {
				s = fmt.Sprintf("closest: %.0f km in total against %.0f km from %s", chosen.close, runner.close, rc.planNames(runner))
			}
		} else {
			s = fmt.Sprintf("closest by region: %s against %s from %s", rc.tierNames(chosen), rc.tierNames(runner), rc.planNames(runner))
		}
	case ByPriority:
		s = fmt.Sprintf("higher in the location priority than %s", rc.planNames(runner))
	}
	if prefix == "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return append(out, prefix+s+".")
}

func countFeasible(ps []*plan) int {
	n := 0
	for _, p := range ps {
		if p.feasible {
			n++
		}
	}
	return n
}

// serviceWords describes a shipment's service.
func (rc *routeCtx) serviceWords(sp *shipPlan, named bool) string {
	rs := sp.rs
	q := rs.quotes[rs.chosen].export(rc.cur)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", q.Carrier, q.Service)
	if named {
		fmt.Fprintf(&b, " from %s", sp.c.name)
	}
	fmt.Fprintf(&b, " at %s", q.Cost)
	if q.Cost.Currency != q.Amount.Currency {
		fmt.Fprintf(&b, " (%s)", q.Amount)
	}
	if q.Days > 0 {
		fmt.Fprintf(&b, ", %s", daysWords(q.Days))
		if rs.handle > 0 {
			fmt.Fprintf(&b, " with %d of handling", rs.handle)
		}
	} else {
		b.WriteString(", transit time unknown")
	}
	switch {
	case rc.allowed == noLimit:
	case q.MeetsPromise:
		fmt.Fprintf(&b, ", meets the %s", rc.promiseWords())
	default:
		fmt.Fprintf(&b, ", %s late for the %s (penalty %s)", countWords(rs.late, "day"), rc.promiseWords(), rc.money(rs.latePen))
	}
	word := "cheapest"
	if rc.r.cfg.Objective == Speed {
		word = "fastest"
	}
	if rs.eligible > 1 {
		fmt.Fprintf(&b, "; %s of %d eligible services", word, rs.eligible)
	}
	if rs.dropped > 0 && q.MeetsPromise {
		fmt.Fprintf(&b, "; %d dropped for missing the promise", rs.dropped)
	}
	b.WriteString(".")
	return b.String()
}

// landedWords describes a cross-border shipment's DDP/DAP choice.
func (rc *routeCtx) landedWords(sp *shipPlan) string {
	lc := sp.rs.landed
	route := sp.c.loc.Address.CountryCode + " → " + rc.dest.CountryCode
	if lc.Error != "" {
		return fmt.Sprintf("Cross-border %s: %s.", route, lc.Error)
	}
	var parts []string
	if lc.DDPCost != nil {
		parts = append(parts, "DDP costs the merchant "+lc.DDPCost.String())
	}
	if lc.DAPDueAtDelivery != nil {
		parts = append(parts, "DAP leaves the buyer "+lc.DAPDueAtDelivery.String()+" to pay on delivery")
	}
	return fmt.Sprintf("Cross-border %s: %s; ships %s because %s.", route, strings.Join(parts, ", "), lc.Incoterm, lc.Reason)
}

func countWords(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// stockWords says that a location holds the order's lines.
func stockWords(n int) string {
	if n == 1 {
		return "enough of the line in stock"
	}
	return allWords(n) + " in stock"
}

func allWords(n int) string {
	switch n {
	case 1:
		return "the line"
	case 2:
		return "both lines"
	}
	return "all " + strconv.Itoa(n) + " lines"
}

func parcelWords(n int) string {
	if n == 1 {
		return "one parcel"
	}
	return numberWords(n) + " parcels"
}

func numberWords(n int) string {
	words := []string{"zero", "one", "two", "three", "four", "five"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	return strconv.Itoa(n)
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func limitList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(append([]string(nil), s[:n]...), fmt.Sprintf("%d more", len(s)-n))
}

func limitExclusions(ex []Exclusion, n int) []Exclusion {
	if len(ex) <= n {
		return ex
	}
	return append(append([]Exclusion(nil), ex[:n]...), Exclusion{Name: fmt.Sprintf("%d more", len(ex)-n), Reason: "see excluded"})
}
