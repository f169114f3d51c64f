package inventory

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// maxAtoms bounds the support of a discrete distribution; beyond it,
// neighbouring values are pooled into equal-width bins that keep their mass
// and their mean, so memory stays bounded for any demand size.
const maxAtoms = 1024

// gridSize is the number of quantiles read from a Demand that only offers
// LeadTimeQuantile, to turn it into a discrete distribution (for fill-rate
// targets and variable lead times).
const gridSize = 200

// dist is the distribution of demand over a period: either normal (atoms
// nil) or discrete, with values ascending and probabilities summing to 1.
type dist struct {
	mu, sigma float64   // normal
	v, p, cum []float64 // discrete
}

func normalDist(mu, sigma float64) dist { return dist{mu: mu, sigma: sigma} }

func pointDist(x float64) dist { return dist{v: []float64{x}, p: []float64{1}, cum: []float64{1}} }

func (d dist) discrete() bool { return d.v != nil }

// newDist builds a discrete distribution from values and weights (any
// order, weights > 0). It takes ownership of the slices and may reuse them.
func newDist(v, w []float64) dist {
	if !slices.IsSorted(v) {
		idx := make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
		sv := make([]float64, len(v))
		sw := make([]float64, len(v))
		for i, j := range idx {
			sv[i], sw[i] = v[j], w[j]
		}
		v, w = sv, sw
	}
	// Merge equal values in place (the slices are ours).
	n := 0
	total := 0.0
	for i := range v {
		total += w[i]
		if n > 0 && v[n-1] == v[i] {
			w[n-1] += w[i]
			continue
		}
		v[n], w[n] = v[i], w[i]
		n++
	}
	vs, ps := v[:n], w[:n]
	for i := range ps {
		ps[i] /= total
	}
	if len(vs) > maxAtoms {
		vs, ps = pool(vs, ps, maxAtoms)
	}
	return dist{v: vs, p: ps, cum: cumulate(ps)}
}

func cumulate(p []float64) []float64 {
	c := make([]float64, len(p))
	s := 0.0
	for i, x := range p {
		s += x
		c[i] = s
	}
	return c
}

// pool merges sorted atoms into at most n equal-width bins, each placed at
// the mean of the values it holds.
func pool(v, p []float64, n int) ([]float64, []float64) {
	lo, hi := v[0], v[len(v)-1]
	width := (hi - lo) / float64(n)
	bv := make([]float64, n)
	bp := make([]float64, n)
	for i, x := range v {
		b := min(int((x-lo)/width), n-1)
		bv[b] += x * p[i]
		bp[b] += p[i]
	}
	ov, op := bv[:0], bp[:0]
	for b := range bp {
		if bp[b] > 0 {
			ov = append(ov, bv[b]/bp[b])
			op = append(op, bp[b])
		}
	}
	return ov, op
}

func (d dist) mean() float64 {
	if !d.discrete() {
		return d.mu
	}
	m := 0.0
	for i, x := range d.v {
		m += x * d.p[i]
	}
	return m
}

func (d dist) sd() float64 {
	if !d.discrete() {
		return d.sigma
	}
	m := d.mean()
	v := 0.0
	for i, x := range d.v {
		v += (x - m) * (x - m) * d.p[i]
	}
	return math.Sqrt(v)
}

// quantile returns the smallest value with P(X ≤ value) ≥ a (discrete) or
// μ + σ·Φ⁻¹(a) (normal).
func (d dist) quantile(a float64) float64 {
	if !d.discrete() {
		return d.mu + d.sigma*NormalQuantile(a)
	}
	i := sort.SearchFloat64s(d.cum, a-1e-12)
	return d.v[min(i, len(d.v)-1)]
}

// shortage returns E[(X−r)⁺], the expected units short when r units cover X.
func (d dist) shortage(r float64) float64 {
	if !d.discrete() {
		if d.sigma == 0 {
			return max(d.mu-r, 0)
		}
		return d.sigma * NormalLoss((r-d.mu)/d.sigma)
	}
	s := 0.0
	for i := len(d.v) - 1; i >= 0 && d.v[i] > r; i-- {
		s += (d.v[i] - r) * d.p[i]
	}
	return s
}

// coverFor returns the smallest r with E[(X−r)⁺] ≤ target (target ≥ 0):
// the stock that leaves at most target units short on average.
func (d dist) coverFor(target float64) float64 {
	if !d.discrete() {
		if d.sigma == 0 {
			return d.mu - target
		}
		if target <= 0 {
			return math.Inf(1)
		}
		return d.mu + d.sigma*InverseNormalLoss(target/d.sigma)
	}
	// On [v[k-1], v[k]] the shortage is A − r·P with A = Σ_{i≥k} p_i v_i and
	// P = Σ_{i≥k} p_i; walk down from the top until it reaches target.
	a, p := 0.0, 0.0
	for k := len(d.v) - 1; k >= 1; k-- {
		a += d.p[k] * d.v[k]
		p += d.p[k]
		if a-d.v[k-1]*p >= target {
			return (a - target) / p
		}
	}
	return d.mean() - target
}

// add returns the distribution of X+Y for independent X and Y. Two normals
// stay normal; otherwise the normal side is first put on a quantile grid.
// Whole-unit values are convolved exactly while their range allows; when
// the pairs of values would exceed pairBudget, the wider side is first
// pooled into fewer bins, so the cost stays bounded whatever the demand.
func add(x, y dist) dist {
	if !x.discrete() && !y.discrete() {
		return normalDist(x.mu+y.mu, math.Hypot(x.sigma, y.sigma))
	}
	if !x.discrete() {
		x = x.grid(200)
	}
	if !y.discrete() {
		y = y.grid(200)
	}
	if len(x.v) == 1 {
		return y.shift(x.v[0])
	}
	if len(y.v) == 1 {
		return x.shift(y.v[0])
	}
	if len(x.v) < len(y.v) {
		x, y = y, x
	}
	if len(x.v)*len(y.v) > pairBudget {
		x = x.pooled(max(pairBudget/len(y.v), minPool))
		if len(x.v)*len(y.v) > pairBudget {
			y = y.pooled(max(pairBudget/len(x.v), minPool))
		}
	}
	lo := x.v[0] + y.v[0]
	hi := x.v[len(x.v)-1] + y.v[len(y.v)-1]
	if integral(x.v) && integral(y.v) && hi-lo < 1<<20 {
		acc := make([]float64, int(hi-lo)+1)
		for i, a := range x.v {
			for j, b := range y.v {
				acc[int(a+b-lo)] += x.p[i] * y.p[j]
			}
		}
		return fromDense(lo, acc)
	}
	if len(x.v)*len(y.v) <= maxAtoms {
		v := make([]float64, 0, len(x.v)*len(y.v))
		p := make([]float64, 0, len(x.v)*len(y.v))
		for i, a := range x.v {
			for j, c := range y.v {
				v = append(v, a+c)
				p = append(p, x.p[i]*y.p[j])
			}
		}
		return newDist(v, p)
	}
	b := newBinner(lo, hi, maxAtoms)
	for i, a := range x.v {
		for j, c := range y.v {
			b.add(a+c, x.p[i]*y.p[j])
		}
	}
	return b.dist()
}

// pairBudget bounds the pairs of values one convolution visits, and minPool
// the bins a side is pooled into to respect it.
const (
	pairBudget = 1 << 12
	minPool    = 64
)

// pooled returns d with its values pooled into at most n equal-width bins.
func (d dist) pooled(n int) dist {
	if len(d.v) <= n {
		return d
	}
	v, p := pool(d.v, d.p, n)
	return dist{v: v, p: p, cum: cumulate(p)}
}

// binner spreads mass over equal-width bins of [lo, hi], each bin placed at
// the mean of the values that fall in it: a sort-free way to build a
// distribution from many values.
type binner struct {
	lo, inv float64 // inv is 1/width (0 when all values are equal)
	last    int
	v, p    []float64
}

func newBinner(lo, hi float64, n int) *binner {
	n = max(n, 1)
	b := &binner{lo: lo, last: n - 1, v: make([]float64, n), p: make([]float64, n)}
	if hi > lo {
		b.inv = float64(n) / (hi - lo)
	}
	return b
}

func (b *binner) add(x, w float64) {
	k := min(int((x-b.lo)*b.inv), b.last)
	b.v[k] += x * w
	b.p[k] += w
}

func (b *binner) dist() dist {
	total := 0.0
	for _, w := range b.p {
		total += w
	}
	// Trim negligible tails, as fromDense does, so ranges stay tight.
	first, last := 0, len(b.p)-1
	for tail := 0.0; first < last && tail+b.p[first] < tailMass*total; first++ {
		tail += b.p[first]
	}
	for tail := 0.0; last > first && tail+b.p[last] < tailMass*total; last-- {
		tail += b.p[last]
	}
	n := 0
	for k := first; k <= last; k++ {
		if b.p[k] > 0 {
			b.v[n], b.p[n] = b.v[k]/b.p[k], b.p[k]
			n++
		}
	}
	return newDist(b.v[:n], b.p[:n])
}

func integral(v []float64) bool {
	for _, x := range v {
		if x != math.Trunc(x) {
			return false
		}
	}
	return true
}

func (d dist) shift(c float64) dist {
	if !d.discrete() {
		return normalDist(d.mu+c, d.sigma)
	}
	v := make([]float64, len(d.v))
	for i, x := range d.v {
		v[i] = x + c
	}
	return dist{v: v, p: d.p, cum: d.cum}
}

// shiftMix returns the mixture of max(X+c[k], 0) with weights w[k].
func (d dist) shiftMix(c, w []float64) dist {
	if len(d.v)*len(c) > pairBudget {
		d = d.pooled(max(pairBudget/len(c), minPool))
	}
	lo, hi := math.Max(d.v[0]+slices.Min(c), 0), math.Max(d.v[len(d.v)-1]+slices.Max(c), 0)
	if integral(d.v) && integral(c) && hi-lo < 1<<20 {
		acc := make([]float64, int(hi-lo)+1)
		for k, ck := range c {
			for i, x := range d.v {
				acc[int(max(x+ck, 0)-lo)] += d.p[i] * w[k]
			}
		}
		return fromDense(lo, acc)
	}
	if len(c)*len(d.v) <= maxAtoms {
		v := make([]float64, 0, len(c)*len(d.v))
		p := make([]float64, 0, len(c)*len(d.v))
		for k, ck := range c {
			for i, x := range d.v {
				v = append(v, max(x+ck, 0))
				p = append(p, d.p[i]*w[k])
			}
		}
		return newDist(v, p)
	}
	b := newBinner(lo, hi, maxAtoms)
	for k, ck := range c {
		for i, x := range d.v {
			b.add(max(x+ck, 0), d.p[i]*w[k])
		}
	}
	return b.dist()
}

// power returns the distribution of the sum of n independent copies.
func (d dist) power(n int) dist {
	if n <= 0 {
		return pointDist(0)
	}
	result := dist{}
	base := d
	for first := true; n > 0; n >>= 1 {
		if n&1 == 1 {
			if first {
				result, first = base, false
			} else {
				result = add(result, base)
			}
		}
		if n > 1 {
			base = add(base, base)
		}
	}
	return result
}

// grid turns a normal distribution into n equally likely atoms at the
// quantile midpoints.
func (d dist) grid(n int) dist {
	if d.discrete() {
		return d
	}
	if d.sigma == 0 {
		return pointDist(d.mu)
	}
	v := make([]float64, n)
	w := make([]float64, n)
	for i := range v {
		v[i] = d.mu + d.sigma*NormalQuantile((float64(i)+0.5)/float64(n))
		w[i] = 1 / float64(n)
	}
	return newDist(v, w)
}

// fromDense builds a distribution from probabilities of the values lo,
// lo+1, …, skipping zeros and trimming tails of less than tailMass on
// either side, which convolutions otherwise carry along at every step.
func fromDense(lo float64, acc []float64) dist {
	total := 0.0
	for _, w := range acc {
		total += w
	}
	first, last := 0, len(acc)-1
	for tail := 0.0; first < last && tail+acc[first] < tailMass*total; first++ {
		tail += acc[first]
	}
	for tail := 0.0; last > first && tail+acc[last] < tailMass*total; last-- {
		tail += acc[last]
	}
	v := make([]float64, 0, last-first+1)
	p := make([]float64, 0, last-first+1)
	for k := first; k <= last; k++ {
		if acc[k] > 0 {
			v = append(v, lo+float64(k))
			p = append(p, acc[k])
		}
	}
	return newDist(v, p)
}

// tailMass is the probability below which the extreme values of a
// distribution are dropped.
const tailMass = 1e-12

// undershoot returns the distribution of how far below a reorder level the
// inventory position lands when it first reaches it, for daily demand d (≥ 0)
// reviewed every day and a level far above the demand of one day: the
// equilibrium distribution of one day's demand, P(U = u) = P(D > u)/E[D] for
// whole units, density P(D > u)/E[D] otherwise. A normal d gives the normal
// with the same first two moments.
func (d dist) undershoot() dist {
	m := d.mean()
	if !(m > 0) {
		return pointDist(0)
	}
	if !d.discrete() {
		// Moments of the equilibrium distribution: E[U] = E[D²]/(2μ),
		// E[U²] = E[D³]/(3μ).
		s2 := d.sigma * d.sigma
		eu := (s2 + m*m) / (2 * m)
		eu2 := (m*m + 3*s2) / 3
		return normalDist(eu, math.Sqrt(max(eu2-eu*eu, 0)))
	}
	if integral(d.v) && d.v[0] >= 0 {
		top := int(d.v[len(d.v)-1])
		v := make([]float64, 0, top)
		p := make([]float64, 0, top)
		k := 0
		for u := range top {
			for k < len(d.v) && d.v[k] <= float64(u) {
				k++
			}
			tail := 1.0
			if k > 0 {
				tail = 1 - d.cum[k-1]
			}
			if tail > 1e-13 {
				v = append(v, float64(u))
				p = append(p, tail/m)
			}
		}
		return newDist(v, p)
	}
	var v, p []float64
	prev, tail := 0.0, 1.0
	for i, x := range d.v {
		if x > prev && tail > 0 {
			v = append(v, (prev+x)/2)
			p = append(p, (x-prev)*tail/m)
		}
		prev, tail = max(x, prev), 1-d.cum[i]
	}
	if len(v) == 0 {
		return pointDist(0)
	}
	return newDist(v, p)
}
