package forecast

import (
	"fmt"
	"math"
)

// Intermittent demand: most periods sell nothing. These methods forecast a
// mean demand rate; their intervals come from a zero-inflated distribution of
// observed demand sizes (see intermittentDist), which suits safety stock far
// better than a normal band that goes below zero.

// demandStats returns the non-zero demands and the ADI (average number of
// periods per non-zero demand); ADI is +Inf when there is no demand.
func demandStats(y []float64) (nonzero []float64, adi float64) {
	for _, v := range y {
		if v > 0 {
			nonzero = append(nonzero, v)
		}
	}
	if len(nonzero) == 0 {
		return nil, math.Inf(1)
	}
	return nonzero, float64(len(y)) / float64(len(nonzero))
}

func seedOf(y []float64) uint64 {
	var h uint64 = 1469598103934665603
	for _, v := range y {
		h ^= math.Float64bits(v)
		h *= 1099511628211
	}
	return h
}

// crostonRun runs Croston's recursions with smoothing parameter alpha and
// fills fitted with the one-step forecasts z/p (NaN before the first
// demand). It returns the final size and interval estimates.
func crostonRun(y []float64, alpha float64, fitted []float64) (z, p float64, ok bool) {
	first := -1
	for t, v := range y {
		if v > 0 {
			first = t
			break
		}
	}
	if first < 0 {
		return 0, 0, false
	}
	for t := 0; t <= first && fitted != nil; t++ {
		fitted[t] = math.NaN()
	}
	z, p = y[first], float64(first+1)
	q := 1.0
	for t := first + 1; t < len(y); t++ {
		if fitted != nil {
			fitted[t] = z / p
		}
		if y[t] > 0 {
			z += alpha * (y[t] - z)
			p += alpha * (q - p)
			q = 1
		} else {
			q++
		}
	}
	return z, p, true
}

// fitCroston fits Croston's method (alpha 0.1 as in R's forecast::croston);
// sba applies the Syntetos–Boylan bias correction (1 - alpha/2).
func fitCroston(y []float64, h int, sba bool) (*model, error) {
	method := MethodCroston
	if sba {
		method = MethodSBA
	}
	if err := needAtLeast(method, y, 2); err != nil {
		return nil, err
	}
	const alpha = 0.1
	fitted := make([]float64, len(y))
	z, p, ok := crostonRun(y, alpha, fitted)
	nonzero, _ := demandStats(y)
	if !ok {
		return zeroModel(method, y, h), nil
	}
	k := 1.0
	if sba {
		k = 1 - alpha/2
		for i, v := range fitted {
			fitted[i] = v * k
		}
	}
	rate := k * z / p
	mean := constant(rate, h)
	return &model{name: string(method), mean: mean, fitted: fitted, sigma: residualSigma(y, fitted, 1),
		dist: newIntermittentDist(mean, 1/p, nonzero, seedOf(y)), aicc: math.NaN()}, nil
}

func constant(v float64, h int) []float64 {
	out := make([]float64, h)
	for i := range out {
		out[i] = v
	}
	return out
}

// zeroModel forecasts zero for a series without any demand.
func zeroModel(method Method, y []float64, h int) *model {
	mean := make([]float64, h)
	return &model{name: string(method) + " (no demand)", mean: mean, fitted: make([]float64, len(y)),
		dist: newGaussDist(mean, []float64{1}, 0, false), aicc: math.NaN()}
}

// tsbRun runs Teunter–Syntetos–Babai: the demand probability is updated
// every period (beta), the size only when demand occurs (alpha).
func tsbRun(y []float64, alpha, beta, p0, z0 float64, fitted []float64) (p, z, mse float64) {
	p, z = p0, z0
	sse := 0.0
	for t, v := range y {
		f := p * z
		if fitted != nil {
			fitted[t] = f
		}
		sse += (v - f) * (v - f)
		if v > 0 {
			p += beta * (1 - p)
			z += alpha * (v - z)
		} else {
			p -= beta * p
		}
	}
	return p, z, sse / float64(len(y))
}

// fitTSB fits TSB with alpha and beta chosen on a grid by in-sample MSE.
func fitTSB(y []float64, h int) (*model, error) {
	if err := needAtLeast(MethodTSB, y, 2); err != nil {
		return nil, err
	}
	nonzero, _ := demandStats(y)
	if len(nonzero) == 0 {
		return zeroModel(MethodTSB, y, h), nil
	}
	p0 := float64(len(nonzero)) / float64(len(y))
	z0 := meanOf(nonzero)
	grid := []float64{0.02, 0.05, 0.1, 0.2, 0.3}
	bestA, bestB, best := 0.1, 0.1, math.Inf(1)
	for _, a := range grid {
		for _, b := range grid {
			if _, _, mse := tsbRun(y, a, b, p0, z0, nil); mse < best {
				best, bestA, bestB = mse, a, b
			}
		}
	}
	fitted := make([]float64, len(y))
	p, z, _ := tsbRun(y, bestA, bestB, p0, z0, fitted)
	mean := constant(p*z, h)
	return &model{name: fmt.Sprintf("tsb(a=%.2f,b=%.2f)", bestA, bestB), mean: mean, fitted: fitted,
		sigma: residualSigma(y, fitted, 2), dist: newIntermittentDist(mean, p, nonzero, seedOf(y)), aicc: math.NaN()}, nil
}

// sesRun runs simple exponential smoothing from level l0 and returns the
// final level and the in-sample MSE.
func sesRun(y []float64, alpha, l0 float64, fitted []float64) (l, mse float64) {
	l = l0
	sse := 0.0
	for t, v := range y {
		if fitted != nil {
			fitted[t] = l
		}
		sse += (v - l) * (v - l)
		l += alpha * (v - l)
	}
	return l, sse / float64(len(y))
}

// fitADIDA aggregates the series into buckets of round(ADI) periods (from the
// end, so the last bucket is complete), forecasts the bucket totals with
// simple exponential smoothing and spreads the forecast evenly.
func fitADIDA(y []float64, h int) (*model, error) {
	if err := needAtLeast(MethodADIDA, y, 2); err != nil {
		return nil, err
	}
	nonzero, adi := demandStats(y)
	if len(nonzero) == 0 {
		return zeroModel(MethodADIDA, y, h), nil
	}
	k := max(1, int(math.Round(adi)))
	nb := len(y) / k
	if nb < 2 {
		k, nb = 1, len(y)
	}
	off := len(y) - nb*k
	agg := make([]float64, nb)
	for i := range agg {
		for j := 0; j < k; j++ {
			agg[i] += y[off+i*k+j]
		}
	}
	alpha, _ := golden(func(a float64) float64 {
		_, mse := sesRun(agg, a, agg[0], nil)
		return mse
	}, 0.01, 0.99, 1e-3)
	aggFit := make([]float64, nb)
	level, _ := sesRun(agg, alpha, agg[0], aggFit)
	fitted := nanSlice(len(y))
	for i, v := range aggFit {
		for j := 0; j < k; j++ {
			fitted[off+i*k+j] = v / float64(k)
		}
	}
	mean := constant(level/float64(k), h)
	prob := float64(len(nonzero)) / float64(len(y))
	return &model{name: fmt.Sprintf("adida(k=%d)", k), mean: mean, fitted: fitted, sigma: residualSigma(y, fitted, 1),
		dist: newIntermittentDist(mean, prob, nonzero, seedOf(y)), aicc: math.NaN()}, nil
}
