package forecast

import "math"

// nelderMead minimises f from x0 over unconstrained parameters (callers map
// bounded parameters through logistic or tanh transforms). It stops after
// maxEval evaluations or when the simplex's function values differ by less
// than tol (relative). The returned slice is x0, overwritten with the best
// point. Buffers are allocated once per call, never per evaluation.
func nelderMead(f func([]float64) float64, x0 []float64, step float64, tol float64, maxEval int) ([]float64, float64) {
	n := len(x0)
	if n == 0 {
		return x0, f(x0)
	}
	pts := make([][]float64, n+1)
	buf := make([]float64, (n+1)*n+4*n)
	for i := range pts {
		pts[i] = buf[i*n : (i+1)*n]
		copy(pts[i], x0)
		if i > 0 {
			d := step
			if math.Abs(x0[i-1]) > 1 {
				d = step * math.Abs(x0[i-1])
			}
			pts[i][i-1] += d
		}
	}
	rest := buf[(n+1)*n:]
	cen, xr, xe, xc := rest[:n], rest[n:2*n], rest[2*n:3*n], rest[3*n:4*n]
	fv := make([]float64, n+1)
	evals := 0
	eval := func(x []float64) float64 {
		evals++
		v := f(x)
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}
	for i := range pts {
		fv[i] = eval(pts[i])
	}
	for evals < maxEval {
		// order: best at 0, worst at n (insertion sort, n is small)
		for i := 1; i <= n; i++ {
			for j := i; j > 0 && fv[j] < fv[j-1]; j-- {
				fv[j], fv[j-1] = fv[j-1], fv[j]
				pts[j], pts[j-1] = pts[j-1], pts[j]
			}
		}
		if math.Abs(fv[n]-fv[0]) <= tol*(math.Abs(fv[0])+tol) {
			break
		}
		for k := 0; k < n; k++ {
			s := 0.0
			for i := 0; i < n; i++ {
				s += pts[i][k]
			}
			cen[k] = s / float64(n)
		}
		worst := pts[n]
		for k := range xr {
			xr[k] = cen[k] + (cen[k] - worst[k])
		}
		fr := eval(xr)
		switch {
		case fr < fv[0]:
			for k := range xe {
				xe[k] = cen[k] + 2*(cen[k]-worst[k])
			}
			if fe := eval(xe); fe < fr {
				copy(worst, xe)
				fv[n] = fe
			} else {
				copy(worst, xr)
				fv[n] = fr
			}
		case fr < fv[n-1]:
			copy(worst, xr)
			fv[n] = fr
		default:
			outside := fr < fv[n]
			for k := range xc {
				if outside {
					xc[k] = cen[k] + 0.5*(xr[k]-cen[k])
				} else {
					xc[k] = cen[k] + 0.5*(worst[k]-cen[k])
				}
			}
			fc := eval(xc)
			if (outside && fc <= fr) || (!outside && fc < fv[n]) {
				copy(worst, xc)
				fv[n] = fc
				continue
			}
			for i := 1; i <= n; i++ {
				for k := range pts[i] {
					pts[i][k] = pts[0][k] + 0.5*(pts[i][k]-pts[0][k])
				}
				fv[i] = eval(pts[i])
			}
		}
	}
	best := 0
	for i := range fv {
		if fv[i] < fv[best] {
			best = i
		}
	}
	copy(x0, pts[best])
	return x0, fv[best]
}

// logistic maps the real line onto (lo, hi).
func logistic(x, lo, hi float64) float64 { return lo + (hi-lo)/(1+math.Exp(-x)) }

// logit is the inverse of logistic, clamped away from the bounds.
func logit(v, lo, hi float64) float64 {
	p := (v - lo) / (hi - lo)
	p = math.Min(math.Max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

// golden minimises a one-dimensional f on [a, b] by golden-section search.
func golden(f func(float64) float64, a, b, tol float64) (float64, float64) {
	const r = 0.6180339887498949
	c, d := b-r*(b-a), a+r*(b-a)
	fc, fd := f(c), f(d)
	for b-a > tol {
		if fc < fd {
			b, d, fd = d, c, fc
			c = b - r*(b-a)
			fc = f(c)
		} else {
			a, c, fc = c, d, fd
			d = a + r*(b-a)
			fd = f(d)
		}
	}
	if fc < fd {
		return c, fc
	}
	return d, fd
}
