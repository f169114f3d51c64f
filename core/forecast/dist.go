package forecast

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// predictive is the forecast distribution of one series: the quantile of
// demand at one step (0-based) and of the total demand over the first lead
// steps.
type predictive interface {
	quantile(p float64, step int) float64
	leadQuantile(p float64, lead int) float64
}

// normQuantile is the standard normal quantile function.
func normQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// gaussDist is a Gaussian forecast distribution of a linear model written as
// an MA(∞): y[n+h] = mean[h] + scale[h]·Σ_{j<=h} psi[j]·e[n+h-j] with
// e ~ N(0, sigma²). scale is nil for additive models; multiplicative-error
// models set it to |mean| (sigma is then a relative error, a first-order
// approximation that is good while sigma is small) and seasonally adjusted
// methods set it to the seasonal index.
type gaussDist struct {
	mean  []float64
	psi   []float64 // psi[0] == 1
	sigma float64
	scale []float64
	// paramSD, when set, is the standard deviation at each step that comes
	// from estimating the model's parameters (mean, drift); it is perfectly
	// correlated across steps.
	paramSD []float64
}

func newGaussDist(mean, psi []float64, sigma float64, relative bool) *gaussDist {
	g := &gaussDist{mean: mean, psi: psi, sigma: sigma}
	if relative {
		g.scale = make([]float64, len(mean))
		for i, v := range mean {
			g.scale[i] = math.Abs(v)
		}
	}
	return g
}

func (g *gaussDist) psiAt(j int) float64 {
	if j < len(g.psi) {
		return g.psi[j]
	}
	return 0
}

func (g *gaussDist) scaleAt(h int) float64 {
	if g.scale == nil {
		return 1
	}
	return g.scale[h]
}

// sd returns the standard deviation of the forecast at step h (0-based).
func (g *gaussDist) sd(h int) float64 {
	v := 0.0
	for j := 0; j <= h && j < len(g.psi); j++ {
		v += g.psi[j] * g.psi[j]
	}
	s := g.sigma * math.Sqrt(v) * g.scaleAt(h)
	if g.paramSD != nil {
		s = math.Hypot(s, g.paramSD[h])
	}
	return s
}

func (g *gaussDist) quantile(p float64, h int) float64 {
	return g.mean[h] + normQuantile(p)*g.sd(h)
}

// leadQuantile sums the steps: the shock at step k enters every later step
// h with weight scale[h]·psi[h-k], so
// Var(Σ_{h<L} y[n+h]) = sigma² Σ_{k<L} (Σ_{k<=h<L} scale[h]·psi[h-k])².
func (g *gaussDist) leadQuantile(p float64, lead int) float64 {
	total, v := 0.0, 0.0
	for h := 0; h < lead; h++ {
		total += g.mean[h]
	}
	for k := 0; k < lead; k++ {
		c := 0.0
		for h := k; h < lead; h++ {
			c += g.scaleAt(h) * g.psiAt(h-k)
		}
		v += c * c
	}
	s := g.sigma * math.Sqrt(v)
	if g.paramSD != nil {
		ps := 0.0
		for _, x := range g.paramSD[:lead] {
			ps += x
		}
		s = math.Hypot(s, ps)
	}
	return total + normQuantile(p)*s
}

// intermittentDist models demand in each future period as independent:
// zero with probability 1-prob, otherwise a size drawn from the observed
// non-zero demands rescaled to the forecast mean size.
type intermittentDist struct {
	mean  []float64
	prob  float64
	sizes []float64 // sorted, rescaled so that prob·mean(sizes) == mean[0]
	seed  uint64
}

func newIntermittentDist(mean []float64, prob float64, nonzero []float64, seed uint64) predictive {
	if len(nonzero) == 0 || !(prob > 0) || mean[0] <= 0 {
		return newGaussDist(mean, []float64{1}, 0, false)
	}
	prob = math.Min(prob, 1)
	sizes := slices.Clone(nonzero)
	sort.Float64s(sizes)
	avg := 0.0
	for _, s := range sizes {
		avg += s
	}
	avg /= float64(len(sizes))
	if avg > 0 {
		k := mean[0] / prob / avg
		for i := range sizes {
			sizes[i] *= k
		}
	}
	return &intermittentDist{mean: mean, prob: prob, sizes: sizes, seed: seed}
}

func empiricalQuantile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	x := p * float64(n-1)
	i := int(math.Floor(x))
	if i >= n-1 {
		return sorted[n-1]
	}
	f := x - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}

func (d *intermittentDist) quantile(p float64, _ int) float64 {
	if p <= 1-d.prob {
		return 0
	}
	return empiricalQuantile(d.sizes, (p-(1-d.prob))/d.prob)
}

// leadQuantile simulates the sum of lead independent periods (deterministic
// seed, so the same series always gives the same answer).
func (d *intermittentDist) leadQuantile(p float64, lead int) float64 {
	if lead == 1 {
		return d.quantile(p, 0)
	}
	const draws = 4000
	r := rand.New(rand.NewPCG(d.seed, uint64(lead)))
	sums := make([]float64, draws)
	for i := range sums {
		s := 0.0
		for h := 0; h < lead; h++ {
			if r.Float64() < d.prob {
				s += d.sizes[r.IntN(len(d.sizes))]
			}
		}
		sums[i] = s
	}
	sort.Float64s(sums)
	return empiricalQuantile(sums, p)
}

// empiricalDist is the bootstrap fallback: the sorted in-sample one-step
// residuals, widened with the square root of the step as for a random walk.
type empiricalDist struct {
	mean  []float64
	resid []float64 // sorted
}

func newEmpiricalDist(mean, residuals []float64) predictive {
	r := make([]float64, 0, len(residuals))
	for _, v := range residuals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			r = append(r, v)
		}
	}
	if len(r) < 2 {
		return newGaussDist(mean, []float64{1}, 0, false)
	}
	sort.Float64s(r)
	return &empiricalDist{mean: mean, resid: r}
}

func (d *empiricalDist) quantile(p float64, h int) float64 {
	return d.mean[h] + empiricalQuantile(d.resid, p)*math.Sqrt(float64(h+1))
}

func (d *empiricalDist) leadQuantile(p float64, lead int) float64 {
	total := 0.0
	for _, v := range d.mean[:lead] {
		total += v
	}
	l := float64(lead)
	return total + empiricalQuantile(d.resid, p)*math.Sqrt(l*(l+1)*(2*l+1)/6)
}

// ensembleDist combines members' quantiles (quantile averaging), by mean or
// median.
type ensembleDist struct {
	members []predictive
	median  bool
}

func (e *ensembleDist) combine(f func(predictive) float64) float64 {
	vals := make([]float64, len(e.members))
	for i, m := range e.members {
		vals[i] = f(m)
	}
	if e.median {
		return median(vals)
	}
	return meanOf(vals)
}

func (e *ensembleDist) quantile(p float64, h int) float64 {
	return e.combine(func(m predictive) float64 { return m.quantile(p, h) })
}

func (e *ensembleDist) leadQuantile(p float64, lead int) float64 {
	return e.combine(func(m predictive) float64 { return m.leadQuantile(p, lead) })
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func meanOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
