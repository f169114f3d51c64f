package forecast

import (
	"fmt"
	"math"
)

// ETS components.
const (
	compNone = iota
	compAdd
	compDamped // trend only
	compMul    // season only
)

// etsSpec is one member of the ETS family (Hyndman et al. 2008): error
// additive or multiplicative, trend none/additive/damped, season
// none/additive/multiplicative.
type etsSpec struct {
	errMul bool
	trend  int
	season int
}

func (s etsSpec) String() string {
	e := "A"
	if s.errMul {
		e = "M"
	}
	t := [...]string{"N", "A", "Ad"}[s.trend]
	se := "N"
	switch s.season {
	case compAdd:
		se = "A"
	case compMul:
		se = "M"
	}
	return fmt.Sprintf("ETS(%s,%s,%s)", e, t, se)
}

// parseETSSpec reads a three-letter code such as "MAdM" or "ANN".
func parseETSSpec(code string) (etsSpec, error) {
	var s etsSpec
	if len(code) < 3 {
		return s, fmt.Errorf("forecast: ets model %q: want three letters such as ANN or MAdM", code)
	}
	switch code[0] {
	case 'A':
	case 'M':
		s.errMul = true
	default:
		return s, fmt.Errorf("forecast: ets model %q: error must be A or M", code)
	}
	rest := code[1:]
	switch {
	case len(rest) >= 2 && rest[:2] == "Ad":
		s.trend, rest = compDamped, rest[2:]
	case rest[0] == 'A':
		s.trend, rest = compAdd, rest[1:]
	case rest[0] == 'N':
		rest = rest[1:]
	default:
		return s, fmt.Errorf("forecast: ets model %q: trend must be N, A or Ad", code)
	}
	switch rest {
	case "N":
	case "A":
		s.season = compAdd
	case "M":
		s.season = compMul
	default:
		return s, fmt.Errorf("forecast: ets model %q: season must be N, A or M", code)
	}
	return s, nil
}

// etsFit is a fitted ETS model on data scaled by scale.
type etsFit struct {
	spec                   etsSpec
	m                      int
	alpha, beta, gamma     float64
	phi                    float64
	l0, b0                 float64
	s0                     []float64
	lik, aicc, sigma2      float64
	l, b                   float64   // final states
	s                      []float64 // final seasonal states, indexed by t mod m
	fitted, resid          []float64
	scale                  float64
	optimisedInitialStates bool
}

// etsRun runs the ETS recursions over y from the initial states (s is
// modified in place and ends holding the final seasonal states). It returns
// -2·log-likelihood up to a constant (n·log SSE + 2·Σ log|ŷ| for
// multiplicative error), or +Inf for an inadmissible path. fitted may be nil.
func etsRun(y []float64, sp etsSpec, m int, alpha, beta, gamma, phi, l, b float64, s []float64, fitted []float64) (lik, lOut, bOut float64) {
	// Σ log ŷ is kept as a running product, folded into sumlog only when
	// it leaves [1e-150, 1e150]: one log per hundreds of steps instead of
	// one per step (the data are scaled to mean 1).
	sse, sumlog, prod := 0.0, 0.0, 1.0
	ba := 0.0
	if sp.trend != compNone {
		ba = beta / alpha
	}
	idx := 0
	for t, yt := range y {
		var q, phib float64
		switch sp.trend {
		case compNone:
			q = l
		case compAdd:
			phib = b
			q = l + b
		default:
			phib = phi * b
			q = l + phib
		}
		f := q
		var st float64
		switch sp.season {
		case compAdd:
			st = s[idx]
			f = q + st
		case compMul:
			st = s[idx]
			if st < 1e-10 || q <= 0 {
				return math.Inf(1), l, b
			}
			f = q * st
		}
		if fitted != nil {
			fitted[t] = f
		}
		if sp.errMul {
			if f < 1e-10 {
				return math.Inf(1), l, b
			}
			e := (yt - f) / f
			sse += e * e
			prod *= f
			if prod > 1e150 || prod < 1e-150 {
				sumlog += math.Log(prod)
				prod = 1
			}
		} else {
			e := yt - f
			sse += e * e
		}
		var p float64
		switch sp.season {
		case compNone:
			p = yt
		case compAdd:
			p = yt - st
		default:
			p = yt / st
		}
		ln := q + alpha*(p-q)
		if sp.trend != compNone {
			b = phib + ba*(ln-l-phib)
		}
		switch sp.season {
		case compAdd:
			s[idx] = st + gamma*(yt-q-st)
		case compMul:
			s[idx] = st + gamma*(yt/q-st)
		}
		l = ln
		if sp.season != compNone {
			idx++
			if idx == m {
				idx = 0
			}
		}
	}
	if sse <= 0 {
		sse = 1e-300
	}
	sumlog += math.Log(prod)
	return float64(len(y))*math.Log(sse) + 2*sumlog, l, b
}

// etsInit returns heuristic initial states: seasonal indices from the first
// (up to three) seasons around a fitted line, then level and trend from a
// regression on the first max(10, 2m) seasonally adjusted values.
func etsInit(y []float64, sp etsSpec, m int) (l0, b0 float64, s0 []float64) {
	n := len(y)
	ya := y
	if sp.season != compNone {
		k := min(n/m, 3)
		w := y[:k*m]
		a, bb := linReg(w)
		s0 = make([]float64, m)
		cnt := make([]float64, m)
		for t, v := range w {
			line := a + bb*float64(t)
			if sp.season == compMul {
				if line <= 0 {
					line = meanOf(w)
				}
				s0[t%m] += v / line
			} else {
				s0[t%m] += v - line
			}
			cnt[t%m]++
		}
		norm := 0.0
		for j := range s0 {
			s0[j] /= cnt[j]
			norm += s0[j]
		}
		norm /= float64(m)
		ya = make([]float64, n)
		for j := range s0 {
			if sp.season == compMul {
				s0[j] /= norm
				if s0[j] < 0.01 {
					s0[j] = 0.01
				}
			} else {
				s0[j] -= norm
			}
		}
		for t, v := range y {
			if sp.season == compMul {
				ya[t] = v / s0[t%m]
			} else {
				ya[t] = v - s0[t%m]
			}
		}
	}
	maxn := min(max(10, 2*m), n)
	if sp.trend == compNone {
		l0 = meanOf(ya[:maxn])
		return l0, 0, s0
	}
	a, bb := linReg(ya[:maxn])
	// the regression is on t = 0..maxn-1 for y[0..]; the state before y[0]
	// is one step earlier.
	l0, b0 = a-bb, bb
	if sp.errMul || sp.season == compMul {
		if l0 <= 0 {
			l0 = math.Max(ya[0], 1e-3)
		}
	}
	return l0, b0, s0
}

// linReg fits v[t] = a + b·t for t = 0..len(v)-1.
func linReg(v []float64) (a, b float64) {
	n := float64(len(v))
	if len(v) < 2 {
		if len(v) == 1 {
			return v[0], 0
		}
		return 0, 0
	}
	tm := (n - 1) / 2
	vm := meanOf(v)
	sxy, sxx := 0.0, 0.0
	for t, x := range v {
		dt := float64(t) - tm
		sxy += dt * (x - vm)
		sxx += dt * dt
	}
	b = sxy / sxx
	return vm - b*tm, b
}

// etsNumParams is the number of estimated parameters (smoothing parameters,
// initial states and the error variance) used in the information criterion.
func etsNumParams(sp etsSpec, m int) int {
	np := 2 // alpha, l0
	if sp.trend != compNone {
		np += 2
	}
	if sp.trend == compDamped {
		np++
	}
	if sp.season != compNone {
		np += 1 + m - 1
	}
	return np + 1 // sigma
}

// fitETSSpec fits one ETS model to y (already free of missing values) by
// maximum likelihood with Nelder–Mead. When optInit is set the initial states
// are optimised as well; otherwise they come from etsInit.
func fitETSSpec(y []float64, sp etsSpec, m int, optInit bool, warm *etsFit) (*etsFit, error) {
	n := len(y)
	if sp.season == compNone {
		m = 1
	}
	np := etsNumParams(sp, m)
	if n < np+4 || (sp.season != compNone && n < 2*m) {
		return nil, &tooShortError{method: MethodETS, have: n, need: max(np+4, 2*m)}
	}
	scale := 0.0
	for _, v := range y {
		scale += math.Abs(v)
	}
	scale /= float64(n)
	if scale == 0 {
		scale = 1
	}
	ys := make([]float64, n)
	for i, v := range y {
		ys[i] = v / scale
	}
	if sp.errMul || sp.season == compMul {
		for _, v := range ys {
			if v <= 0 {
				return nil, fmt.Errorf("forecast: %v needs strictly positive data", sp)
			}
		}
	}
	l0, b0, s0 := etsInit(ys, sp, m)

	// parameter vector layout
	alpha, beta, gamma, phi := 0.2, 0.02, 0.01, 0.97
	if sp.season != compNone {
		alpha = 0.1
	}
	if warm != nil && warm.spec == sp {
		alpha, beta, gamma, phi = warm.alpha, warm.beta, warm.gamma, warm.phi
	}
	var x []float64
	x = append(x, logit(alpha, 1e-4, 0.9999))
	iBeta, iGamma, iPhi := -1, -1, -1
	if sp.trend != compNone {
		iBeta = len(x)
		x = append(x, logit(beta, 1e-4, alpha))
	}
	if sp.season != compNone {
		iGamma = len(x)
		x = append(x, logit(gamma, 1e-4, 1-alpha))
	}
	if sp.trend == compDamped {
		iPhi = len(x)
		x = append(x, logit(phi, 0.8, 0.98))
	}
	iInit := len(x)
	if optInit {
		x = append(x, l0)
		if sp.trend != compNone {
			x = append(x, b0)
		}
		if sp.season != compNone {
			x = append(x, s0[:m-1]...)
		}
	}
	sbuf := make([]float64, m)
	decode := func(x []float64) (a, b, g, p, l, bb float64, ok bool) {
		a = logistic(x[0], 1e-4, 0.9999)
		if iBeta >= 0 {
			b = logistic(x[iBeta], 1e-4, math.Max(a, 2e-4))
		}
		if iGamma >= 0 {
			g = logistic(x[iGamma], 1e-4, math.Max(1-a, 2e-4))
		}
		p = 1
		if iPhi >= 0 {
			p = logistic(x[iPhi], 0.8, 0.98)
		}
		l, bb = l0, b0
		if sp.season != compNone {
			copy(sbuf, s0)
		}
		ok = true
		if optInit {
			k := iInit
			l = x[k]
			k++
			if sp.trend != compNone {
				bb = x[k]
				k++
			}
			if sp.season != compNone {
				sum := 0.0
				for j := 0; j < m-1; j++ {
					sbuf[j] = x[k+j]
					sum += sbuf[j]
				}
				if sp.season == compMul {
					sbuf[m-1] = float64(m) - sum
					for _, v := range sbuf {
						if v <= 1e-3 {
							ok = false
						}
					}
				} else {
					sbuf[m-1] = -sum
				}
			}
		}
		return
	}
	obj := func(x []float64) float64 {
		a, b, g, p, l, bb, ok := decode(x)
		if !ok {
			return math.Inf(1)
		}
		lik, _, _ := etsRun(ys, sp, m, a, b, g, p, l, bb, sbuf, nil)
		return lik
	}
	// Long series (no initial states to optimise) stop at a relative
	// likelihood change of 1e-6: the forecasts no longer move by then.
	maxEval, tol := 100*(len(x)+1), 1e-6
	if optInit {
		maxEval, tol = min(200*(len(x)+1), 3000), 1e-7
	}
	x, lik := nelderMead(obj, x, 0.5, tol, maxEval)
	if optInit {
		// a second run from the best point escapes early collapse of the simplex
		x, lik = nelderMead(obj, x, 0.2, 1e-8, maxEval/2)
		// The likelihood is often bimodal in the smoothing parameters (a
		// slow level with a steady trend, or a fast level with a fast
		// trend): start once more from fast smoothing, keeping the initial
		// states found so far, and keep the better optimum.
		alt := append([]float64(nil), x...)
		a0 := 0.7
		alt[0] = logit(a0, 1e-4, 0.9999)
		if iBeta >= 0 {
			alt[iBeta] = logit(0.9*a0, 1e-4, a0)
		}
		if iGamma >= 0 {
			alt[iGamma] = logit(0.5*(1-a0), 1e-4, 1-a0)
		}
		if alt, l2 := nelderMead(obj, alt, 0.5, 1e-8, maxEval); l2 < lik {
			x, lik = alt, l2
		}
	}
	if math.IsInf(lik, 1) {
		return nil, fmt.Errorf("forecast: %v found no admissible parameters", sp)
	}
	a, b, g, p, l, bb, _ := decode(x)
	fit := &etsFit{spec: sp, m: m, alpha: a, beta: b, gamma: g, phi: p, l0: l, b0: bb, lik: lik,
		scale: scale, optimisedInitialStates: optInit}
	if sp.season != compNone {
		fit.s0 = append([]float64(nil), sbuf...)
	}
	fit.fitted = make([]float64, n)
	fit.lik, fit.l, fit.b = etsRun(ys, sp, m, a, b, g, p, l, bb, sbuf, fit.fitted)
	fit.s = sbuf
	fit.resid = make([]float64, n)
	sse := 0.0
	for i := range ys {
		e := ys[i] - fit.fitted[i]
		if sp.errMul {
			e /= fit.fitted[i]
		}
		fit.resid[i] = e
		sse += e * e
	}
	fit.sigma2 = sse / float64(max(n-np, 1))
	// back to the likelihood of the unscaled data, so that AICc compares
	// with other software: each ŷ (additive error: each e) scales by scale.
	fit.lik += 2 * float64(n) * math.Log(scale)
	k := float64(np)
	fit.aicc = fit.lik + 2*k + 2*k*(k+1)/float64(n-np-1)
	return fit, nil
}

// forecast returns the point forecasts and the psi weights of the fitted
// model, in the original units.
func (f *etsFit) forecast(h int) (mean, psi []float64) {
	mean = make([]float64, h)
	psi = make([]float64, h)
	n := len(f.fitted)
	phiH, phiPow := 0.0, 1.0
	for i := 0; i < h; i++ {
		switch f.spec.trend {
		case compAdd:
			phiH = float64(i + 1)
		case compDamped:
			phiPow *= f.phi
			phiH += phiPow
		}
		v := f.l + phiH*f.b
		switch f.spec.season {
		case compAdd:
			v += f.s[(n+i)%f.m]
		case compMul:
			v *= f.s[(n+i)%f.m]
		}
		mean[i] = v * f.scale
	}
	psi[0] = 1
	phiJ, pw := 0.0, 1.0
	for j := 1; j < h; j++ {
		switch f.spec.trend {
		case compAdd:
			phiJ = float64(j)
		case compDamped:
			pw *= f.phi
			phiJ += pw
		}
		c := f.alpha + f.beta*phiJ
		if f.spec.season != compNone && j%f.m == 0 {
			c += f.gamma
		}
		psi[j] = c
	}
	return mean, psi
}

// etsModel converts a fit into a model in original units.
func (f *etsFit) model(h int) *model {
	mean, psi := f.forecast(h)
	fitted := make([]float64, len(f.fitted))
	for i, v := range f.fitted {
		fitted[i] = v * f.scale
	}
	sigma := math.Sqrt(f.sigma2)
	absSigma := sigma * f.scale
	if f.spec.errMul {
		absSigma = sigma * f.scale * meanOf(f.fitted) // a typical absolute size, for reporting
	}
	d := newGaussDist(mean, psi, sigma*f.scale, false)
	if f.spec.errMul {
		d = newGaussDist(mean, psi, sigma, true)
	}
	return &model{name: f.spec.String(), mean: mean, fitted: fitted, sigma: absSigma, dist: d, aicc: f.aicc}
}

// etsSpecs lists the models the automatic ETS search tries: every
// combination except additive error with multiplicative season (numerically
// unstable, excluded by R's forecast too) and multiplicative trend.
// Multiplicative components need strictly positive data; seasonal ones need
// 1 < m <= 24. The fast space, for long series, keeps six models.
func etsSpecs(y []float64, m int, fast bool) []etsSpec {
	positive := true
	for _, v := range y {
		if v <= 0 {
			positive = false
			break
		}
	}
	seasons := []int{compNone}
	if m > 1 && m <= 24 && len(y) >= 2*m {
		seasons = append(seasons, compAdd, compMul)
	}
	var out []etsSpec
	if fast {
		for _, se := range seasons {
			for _, tr := range []int{compNone, compDamped} {
				sp := etsSpec{season: se, trend: tr}
				if se == compMul {
					if !positive {
						continue
					}
					sp.errMul = true
				}
				out = append(out, sp)
			}
		}
		return out
	}
	for _, e := range []bool{false, true} {
		if e && !positive {
			continue
		}
		for _, tr := range []int{compNone, compAdd, compDamped} {
			for _, se := range seasons {
				if se == compMul && (!e || !positive) {
					continue
				}
				out = append(out, etsSpec{errMul: e, trend: tr, season: se})
			}
		}
	}
	return out
}

// fitETSAuto fits every candidate model and keeps the one with the lowest
// AICc.
func fitETSAuto(y []float64, m int, fast bool) (*etsFit, error) {
	var best *etsFit
	var firstErr error
	for _, sp := range etsSpecs(y, m, fast) {
		f, err := fitETSSpec(y, sp, m, !fast, nil)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if best == nil || f.aicc < best.aicc {
			best = f
		}
	}
	if best == nil {
		if firstErr == nil {
			firstErr = &tooShortError{method: MethodETS, have: len(y), need: 6}
		}
		return nil, firstErr
	}
	return best, nil
}
