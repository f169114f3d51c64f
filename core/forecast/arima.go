package forecast

import (
	"fmt"
	"math"
)

// arimaOrder is a seasonal ARIMA(p,d,q)(P,D,Q)[m] order; constant adds a
// mean (d+D = 0) or a drift (d+D = 1).
type arimaOrder struct {
	p, d, q, P, D, Q, m int
	constant            bool
}

func (o arimaOrder) String() string {
	s := fmt.Sprintf("ARIMA(%d,%d,%d)", o.p, o.d, o.q)
	if o.m > 1 && (o.P > 0 || o.D > 0 || o.Q > 0) {
		s += fmt.Sprintf("(%d,%d,%d)[%d]", o.P, o.D, o.Q, o.m)
	}
	if o.constant {
		if o.d+o.D == 0 {
			s += " with mean"
		} else {
			s += " with drift"
		}
	}
	return s
}

func (o arimaOrder) numCoef() int {
	k := o.p + o.q + o.P + o.Q
	if o.constant {
		k++
	}
	return k
}

// lagCoef is one non-zero term of a lag polynomial.
type lagCoef struct {
	lag  int
	coef float64
}

// arimaFit is an ARIMA model fitted by conditional sum of squares (CSS).
type arimaFit struct {
	order                  arimaOrder
	phi, theta, sphi, sthe []float64
	c                      float64 // mean of the differenced series
	sigma2, aicc           float64
	y                      []float64
	resid                  []float64 // aligned with y; 0 where not defined
	firstResid             int       // index in y of the first defined residual
}

// difference applies (1-B)^d (1-B^m)^D.
func difference(y []float64, d, D, m int) []float64 {
	w := append([]float64(nil), y...)
	for i := 0; i < D; i++ {
		for t := len(w) - 1; t >= m; t-- {
			w[t] -= w[t-m]
		}
		w = w[m:]
	}
	for i := 0; i < d; i++ {
		for t := len(w) - 1; t >= 1; t-- {
			w[t] -= w[t-1]
		}
		w = w[1:]
	}
	return w
}

// pacfToCoef maps unconstrained values through tanh to partial
// autocorrelations and then, by the Durbin–Levinson recursion, to the
// coefficients a of a stationary polynomial 1 - Σ a_i B^i. tmp must have
// len(raw) elements.
func pacfToCoef(raw, out, tmp []float64) {
	for k := range raw {
		r := math.Tanh(raw[k])
		copy(tmp[:k], out[:k])
		for j := 0; j < k; j++ {
			out[j] = tmp[j] - r*tmp[k-1-j]
		}
		out[k] = r
	}
}

// expandPoly lists the non-zero lags of a seasonal product polynomial:
// with sign +1, (1 - Σφ B^i)(1 - ΣΦ B^{im}) written as 1 - Σ a_lag B^lag
// (AR); with sign -1, (1 + Σθ B^j)(1 + ΣΘ B^{jm}) written as
// 1 + Σ b_lag B^lag (MA). dense is scratch space of length p + P·m + 1.
func expandPoly(ns, ss []float64, m int, sign float64, dense []float64, out []lagCoef) []lagCoef {
	for i := range dense {
		dense[i] = 0
	}
	for i, v := range ns {
		dense[i+1] += v
	}
	for k, V := range ss {
		dense[(k+1)*m] += V
		for i, v := range ns {
			// AR: (1-φB^i)(1-ΦB^km) has +φΦ, i.e. a_{i+km} -= φΦ;
			// MA: (1+θB^i)(1+ΘB^km) has b_{i+km} += θΘ.
			dense[i+1+(k+1)*m] -= sign * v * V
		}
	}
	out = out[:0]
	for lag := 1; lag < len(dense); lag++ {
		if dense[lag] != 0 {
			out = append(out, lagCoef{lag, dense[lag]})
		}
	}
	return out
}

// cssResiduals computes the conditional residuals of an ARMA model on w
// with mean c, starting at index start (earlier residuals are zero), into
// e, and returns their sum of squares.
func cssResiduals(w []float64, c float64, ar, ma []lagCoef, start int, e []float64) float64 {
	ss := 0.0
	for t := 0; t < start && t < len(w); t++ {
		e[t] = 0
	}
	for t := start; t < len(w); t++ {
		v := w[t] - c
		for _, a := range ar {
			v -= a.coef * (w[t-a.lag] - c)
		}
		for _, b := range ma {
			if t-b.lag >= 0 {
				v -= b.coef * e[t-b.lag]
			}
		}
		e[t] = v
		ss += v * v
	}
	return ss
}

// fitARIMAOrder fits one order by CSS with Nelder–Mead over a
// parameterisation that keeps the AR parts stationary and the MA parts
// invertible.
func fitARIMAOrder(y []float64, o arimaOrder) (*arimaFit, error) {
	m := max(o.m, 1)
	w := difference(y, o.d, o.D, m)
	nw := len(w)
	start := o.p + o.P*m
	k := o.numCoef()
	if nw-start < k+3 {
		return nil, &tooShortError{method: MethodARIMA, have: len(y), need: len(y) - (nw - start) + k + 3}
	}
	cbar, sdw := meanOf(w), math.Sqrt(variance(w))
	if sdw == 0 {
		sdw = 1
	}
	phi := make([]float64, o.p)
	theta := make([]float64, o.q)
	sphi := make([]float64, o.P)
	sthe := make([]float64, o.Q)
	tmp := make([]float64, max(o.p, o.q, o.P, o.Q))
	denseAR := make([]float64, o.p+o.P*m+1)
	denseMA := make([]float64, o.q+o.Q*m+1)
	var ar, ma []lagCoef
	e := make([]float64, nw)
	x := make([]float64, k)
	decode := func(x []float64) float64 {
		i := 0
		pacfToCoef(x[i:i+o.p], phi, tmp)
		i += o.p
		pacfToCoef(x[i:i+o.q], theta, tmp)
		for j := range theta {
			theta[j] = -theta[j]
		}
		i += o.q
		pacfToCoef(x[i:i+o.P], sphi, tmp)
		i += o.P
		pacfToCoef(x[i:i+o.Q], sthe, tmp)
		for j := range sthe {
			sthe[j] = -sthe[j]
		}
		i += o.Q
		c := 0.0
		if o.constant {
			c = cbar + 0.1*sdw*x[i]
		}
		ar = expandPoly(phi, sphi, m, 1, denseAR, ar)
		ma = expandPoly(theta, sthe, m, -1, denseMA, ma)
		return c
	}
	obj := func(x []float64) float64 {
		c := decode(x)
		return cssResiduals(w, c, ar, ma, start, e)
	}
	if k > 0 {
		x, _ = nelderMead(obj, x, 0.3, 1e-8, 250*(k+1))
	}
	c := decode(x)
	ss := cssResiduals(w, c, ar, ma, start, e)
	nu := nw - start
	f := &arimaFit{order: o, phi: phi, theta: theta, sphi: sphi, sthe: sthe, y: y}
	if o.constant {
		f.c = c
	}
	sigma2 := ss / float64(nu)
	if sigma2 <= 0 || math.IsNaN(sigma2) {
		sigma2 = 1e-300
	}
	npar := float64(k + 1)
	nstar := float64(nw)
	f.aicc = nstar*math.Log(sigma2) + 2*npar + 2*npar*(npar+1)/math.Max(nstar-npar-1, 1)
	f.sigma2 = ss / float64(max(nu-k, 1))
	off := len(y) - nw
	f.resid = make([]float64, len(y))
	copy(f.resid[off:], e)
	f.firstResid = off + start
	return f, nil
}

// polyMul multiplies dense polynomials in B.
func polyMul(a, b []float64) []float64 {
	out := make([]float64, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] += x * y
		}
	}
	return out
}

// model returns the forecast of the fitted ARIMA model: the ARMA recursion
// on the integrated polynomial φ*(B) = φ(B)Φ(B^m)(1-B)^d(1-B^m)^D, with psi
// weights from θ(B)Θ(B^m)/φ*(B) for the intervals.
func (f *arimaFit) model(h int) *model {
	o := f.order
	m := max(o.m, 1)
	arDense := make([]float64, o.p+o.P*m+1)
	arDense[0] = 1
	for _, a := range expandPoly(f.phi, f.sphi, m, 1, make([]float64, len(arDense)), nil) {
		arDense[a.lag] = -a.coef
	}
	arOne := 0.0
	for _, v := range arDense {
		arOne += v
	}
	full := arDense
	for i := 0; i < o.d; i++ {
		full = polyMul(full, []float64{1, -1})
	}
	for i := 0; i < o.D; i++ {
		s := make([]float64, m+1)
		s[0], s[m] = 1, -1
		full = polyMul(full, s)
	}
	ma := expandPoly(f.theta, f.sthe, m, -1, make([]float64, o.q+o.Q*m+1), nil)
	n := len(f.y)
	cst := f.c * arOne
	ext := make([]float64, n+h)
	copy(ext, f.y)
	eext := make([]float64, n+h)
	copy(eext, f.resid)
	for t := n; t < n+h; t++ {
		v := cst
		for i := 1; i < len(full); i++ {
			if t-i >= 0 {
				v -= full[i] * ext[t-i]
			}
		}
		for _, b := range ma {
			if t-b.lag >= 0 {
				v += b.coef * eext[t-b.lag]
			}
		}
		ext[t] = v
	}
	mean := ext[n:]
	maDense := make([]float64, h)
	for _, b := range ma {
		if b.lag < h {
			maDense[b.lag] = b.coef
		}
	}
	psi := make([]float64, h)
	psi[0] = 1
	for j := 1; j < h; j++ {
		v := maDense[j]
		for i := 1; i <= j && i < len(full); i++ {
			v -= full[i] * psi[j-i]
		}
		psi[j] = v
	}
	fitted := nanSlice(n)
	for t := f.firstResid; t < n; t++ {
		fitted[t] = f.y[t] - f.resid[t]
	}
	sigma := math.Sqrt(f.sigma2)
	return &model{name: o.String(), mean: mean, fitted: fitted, sigma: sigma,
		dist: newGaussDist(mean, psi, sigma, false), aicc: f.aicc}
}

// kpssStat is the KPSS level-stationarity statistic with a Bartlett
// long-run variance of trunc(3·sqrt(n)/13) lags.
func kpssStat(y []float64) float64 {
	n := len(y)
	mu := meanOf(y)
	s, num := 0.0, 0.0
	e := make([]float64, n)
	for t, v := range y {
		e[t] = v - mu
		s += e[t]
		num += s * s
	}
	lags := int(3 * math.Sqrt(float64(n)) / 13)
	lr := 0.0
	for _, v := range e {
		lr += v * v
	}
	for l := 1; l <= lags; l++ {
		c := 0.0
		for t := l; t < n; t++ {
			c += e[t] * e[t-l]
		}
		lr += 2 * (1 - float64(l)/float64(lags+1)) * c
	}
	lr /= float64(n)
	if lr <= 0 {
		return 0
	}
	return num / (float64(n) * float64(n) * lr)
}

func isConstant(y []float64) bool {
	for _, v := range y {
		if v != y[0] {
			return false
		}
	}
	return true
}

// chooseDifferences picks D by seasonal strength (> 0.64 means one
// seasonal difference, as R's nsdiffs) and then d by repeated KPSS tests at
// the 5% level (critical value 0.463), at most 2.
func chooseDifferences(y []float64, m int) (d, D int) {
	if m > 1 && len(y) >= 2*m+1 && seasonalStrength(y, m) > 0.64 {
		D = 1
	}
	w := y
	if D == 1 {
		w = difference(y, 0, 1, m)
	}
	for d < 2 && len(w) > 10 && !isConstant(w) && kpssStat(w) > 0.463 {
		d++
		w = difference(w, 1, 0, 1)
	}
	return d, D
}

// fitARIMAAuto selects an order by the Hyndman–Khandakar stepwise search
// on AICc (differences fixed by unit-root tests first).
func fitARIMAAuto(y []float64, m int) (*arimaFit, error) {
	if m < 1 {
		m = 1
	}
	if err := needAtLeast(MethodARIMA, y, 6); err != nil {
		return nil, err
	}
	d, D := chooseDifferences(y, m)
	seasonal := m > 1
	if D == 0 && len(y) < 2*m+3 {
		seasonal = false
	}
	allowConst := d+D <= 1
	const maxP, maxQ, maxSP, maxSQ, maxOrder = 5, 5, 2, 2, 5
	cache := map[arimaOrder]*arimaFit{}
	var best *arimaFit
	try := func(o arimaOrder) bool {
		if !seasonal {
			o.P, o.Q, o.m = 0, 0, 1
			o.D = 0
		}
		if o.p < 0 || o.q < 0 || o.P < 0 || o.Q < 0 || o.p > maxP || o.q > maxQ || o.P > maxSP ||
			o.Q > maxSQ || o.p+o.q+o.P+o.Q > maxOrder || (o.constant && !allowConst) {
			return false
		}
		if _, done := cache[o]; done {
			return false
		}
		f, err := fitARIMAOrder(y, o)
		cache[o] = f
		if err != nil || f == nil || math.IsNaN(f.aicc) || math.IsInf(f.aicc, 0) {
			return false
		}
		if best == nil || f.aicc < best.aicc-1e-9 {
			best = f
			return true
		}
		return false
	}
	base := arimaOrder{d: d, D: D, m: m, constant: allowConst}
	with := func(p, q, P, Q int) arimaOrder { o := base; o.p, o.q, o.P, o.Q = p, q, P, Q; return o }
	sp := 0
	if seasonal {
		sp = 1
	}
	try(with(2, 2, sp, sp))
	try(with(0, 0, 0, 0))
	try(with(1, 0, sp, 0))
	try(with(0, 1, 0, sp))
	if allowConst {
		o := with(0, 0, 0, 0)
		o.constant = false
		try(o)
	}
	for iter := 0; iter < 94 && best != nil; iter++ {
		b := best.order
		moves := []arimaOrder{}
		add := func(dp, dq, dP, dQ int) {
			o := b
			o.p += dp
			o.q += dq
			o.P += dP
			o.Q += dQ
			moves = append(moves, o)
		}
		if seasonal {
			add(0, 0, -1, 0)
			add(0, 0, 1, 0)
			add(0, 0, 0, -1)
			add(0, 0, 0, 1)
			add(0, 0, -1, -1)
			add(0, 0, -1, 1)
			add(0, 0, 1, -1)
			add(0, 0, 1, 1)
		}
		add(-1, 0, 0, 0)
		add(1, 0, 0, 0)
		add(0, -1, 0, 0)
		add(0, 1, 0, 0)
		add(-1, -1, 0, 0)
		add(-1, 1, 0, 0)
		add(1, -1, 0, 0)
		add(1, 1, 0, 0)
		if allowConst {
			o := b
			o.constant = !o.constant
			moves = append(moves, o)
		}
		improved := false
		for _, o := range moves {
			if try(o) {
				improved = true
				break
			}
		}
		if !improved {
			break
		}
	}
	if best == nil {
		return nil, fmt.Errorf("forecast: arima found no model that fits (d=%d, D=%d)", d, D)
	}
	return best, nil
}
