package forecast

import (
	"fmt"
	"math"
)

// The Theta method (Assimakopoulos–Nikolopoulos 2000, winner of M3) in the
// state-space form of Fiorucci et al. (2016): with A and B the intercept and
// slope of a straight line fitted to the (seasonally adjusted) series,
//
//	mu[t]   = l[t-1] + (1 - 1/theta)·((1-alpha)^(t-1)·A + (1-(1-alpha)^t)/alpha·B)
//	l[t]    = alpha·y[t] + (1-alpha)·l[t-1]
//	ŷ[n+h]  = l[n] + (1 - 1/theta)·((1-alpha)^n·A + ((h-1) + (1-(1-alpha)^(n+1))/alpha)·B)
//
// Standard Theta fixes theta = 2 (equivalent to simple exponential smoothing
// with drift, Hyndman–Billah 2003); the optimised Theta (OTM) also chooses
// theta >= 1. Parameters minimise the in-sample mean squared error.
type thetaFit struct {
	alpha, theta, l0 float64
	a, b             float64
	ln               float64
	n                int
	fitted           []float64
	mse              float64
}

func thetaRun(y []float64, alpha, theta, l0, a, b float64, fitted []float64) (mse, ln float64) {
	w := 1 - 1/theta
	l := l0
	pw := 1.0 // (1-alpha)^(t-1)
	sse := 0.0
	for t, v := range y {
		mu := l + w*(pw*a+(1-pw*(1-alpha))/alpha*b)
		if fitted != nil {
			fitted[t] = mu
		}
		e := v - mu
		sse += e * e
		l = alpha*v + (1-alpha)*l
		pw *= 1 - alpha
	}
	return sse / float64(len(y)), l
}

func fitThetaCore(y []float64, optimiseTheta bool) *thetaFit {
	n := len(y)
	a0, b0 := linReg(y)
	// linReg is on t = 0..n-1; the state-space form uses t = 1..n.
	a, b := a0-b0, b0
	scale := math.Max(meanAbs(y), 1e-9)
	x := []float64{logit(0.5, 0.01, 0.99), y[0] / scale}
	if optimiseTheta {
		x = append(x, math.Log(1)) // theta = 1 + exp(x)
	}
	decode := func(x []float64) (alpha, theta, l0 float64) {
		alpha = logistic(x[0], 0.01, 0.99)
		theta = 2
		if optimiseTheta {
			theta = 1 + math.Exp(math.Min(x[2], 5))
		}
		return alpha, theta, x[1] * scale
	}
	obj := func(x []float64) float64 {
		al, th, l0 := decode(x)
		mse, _ := thetaRun(y, al, th, l0, a, b, nil)
		return mse
	}
	x, _ = nelderMead(obj, x, 0.5, 1e-9, 400*len(x))
	al, th, l0 := decode(x)
	f := &thetaFit{alpha: al, theta: th, l0: l0, a: a, b: b, n: n, fitted: make([]float64, n)}
	f.mse, f.ln = thetaRun(y, al, th, l0, a, b, f.fitted)
	return f
}

func (f *thetaFit) forecast(h int) []float64 {
	w := 1 - 1/f.theta
	pn := math.Pow(1-f.alpha, float64(f.n))
	out := make([]float64, h)
	for i := range out {
		out[i] = f.ln + w*(pn*f.a+(float64(i)+(1-pn*(1-f.alpha))/f.alpha)*f.b)
	}
	return out
}

func meanAbs(y []float64) float64 {
	s := 0.0
	for _, v := range y {
		s += math.Abs(v)
	}
	return s / float64(max(len(y), 1))
}

// fitTheta fits standard (optimiseTheta false) or optimised Theta to y with
// season length m, deseasonalising first by a classical multiplicative
// decomposition when the 90% autocorrelation test finds seasonality (an
// additive one when the data are not all positive).
func fitTheta(y []float64, m, h int, optimiseTheta bool) (*model, error) {
	method := MethodTheta
	if optimiseTheta {
		method = MethodOptimizedTheta
	}
	if err := needAtLeast(method, y, 4); err != nil {
		return nil, err
	}
	n := len(y)
	ya := y
	var idx []float64
	mult := true
	if seasonalityTest(y, m) {
		for _, v := range y {
			if v <= 0 {
				mult = false
				break
			}
		}
		if si, ok := classicalSeasonal(y, m, mult); ok {
			idx = si
			ya = make([]float64, n)
			for t, v := range y {
				if mult {
					ya[t] = v / si[t%m]
				} else {
					ya[t] = v - si[t%m]
				}
			}
		}
	}
	f := fitThetaCore(ya, optimiseTheta)
	mean := f.forecast(h)
	fitted := f.fitted
	scale := make([]float64, h)
	for i := range scale {
		scale[i] = 1
	}
	if idx != nil {
		fitted = make([]float64, n)
		for t, v := range f.fitted {
			if mult {
				fitted[t] = v * idx[t%m]
			} else {
				fitted[t] = v + idx[t%m]
			}
		}
		for i := range mean {
			s := idx[(n+i)%m]
			if mult {
				mean[i] *= s
				scale[i] = s
			} else {
				mean[i] += s
			}
		}
	}
	psi := make([]float64, h)
	psi[0] = 1
	for j := 1; j < h; j++ {
		psi[j] = f.alpha
	}
	sigma := math.Sqrt(f.mse * float64(n) / float64(max(n-2, 1)))
	d := &gaussDist{mean: mean, psi: psi, sigma: sigma, scale: scale}
	name := "theta"
	if optimiseTheta {
		name = fmt.Sprintf("otm(theta=%.2f)", f.theta)
	}
	if idx != nil {
		name += fmt.Sprintf("[%d]", m)
	}
	sigmaAbs := residualSigma(y, fitted, 2)
	return &model{name: name, mean: mean, fitted: fitted, sigma: sigmaAbs, dist: d, aicc: math.NaN()}, nil
}
