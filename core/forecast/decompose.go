package forecast

import "math"

// movingAverageTrend returns the centred moving average of order m (a 2×m
// average when m is even); the first and last m/2 values are NaN.
func movingAverageTrend(y []float64, m int) []float64 {
	n := len(y)
	tr := nanSlice(n)
	half := m / 2
	for t := half; t < n-half; t++ {
		s := 0.0
		if m%2 == 1 {
			for k := t - half; k <= t+half; k++ {
				s += y[k]
			}
			tr[t] = s / float64(m)
			continue
		}
		if t+half >= n {
			break
		}
		for k := t - half + 1; k < t+half; k++ {
			s += y[k]
		}
		s += 0.5 * (y[t-half] + y[t+half])
		tr[t] = s / float64(m)
	}
	return tr
}

// classicalSeasonal returns the seasonal indices of a classical
// decomposition, indexed by t mod m: ratios to the moving-average trend
// normalised to mean 1 when mult, differences normalised to mean 0
// otherwise. ok is false when the series is shorter than two seasons.
func classicalSeasonal(y []float64, m int, mult bool) (idx []float64, ok bool) {
	if m <= 1 || len(y) < 2*m {
		return nil, false
	}
	tr := movingAverageTrend(y, m)
	idx = make([]float64, m)
	cnt := make([]float64, m)
	for t, v := range y {
		if math.IsNaN(tr[t]) {
			continue
		}
		if mult {
			if tr[t] == 0 {
				continue
			}
			idx[t%m] += v / tr[t]
		} else {
			idx[t%m] += v - tr[t]
		}
		cnt[t%m]++
	}
	norm := 0.0
	for j := range idx {
		if cnt[j] == 0 {
			return nil, false
		}
		idx[j] /= cnt[j]
		norm += idx[j]
	}
	norm /= float64(m)
	for j := range idx {
		if mult {
			idx[j] /= norm
		} else {
			idx[j] -= norm
		}
	}
	return idx, true
}

// seasonalStrength is Wang–Smith–Hyndman's F_S = max(0, 1 - Var(R)/Var(S+R))
// on an additive classical decomposition, in [0, 1].
func seasonalStrength(y []float64, m int) float64 {
	idx, ok := classicalSeasonal(y, m, false)
	if !ok {
		return 0
	}
	tr := movingAverageTrend(y, m)
	var sr, r []float64
	for t, v := range y {
		if math.IsNaN(tr[t]) {
			continue
		}
		rem := v - tr[t] - idx[t%m]
		r = append(r, rem)
		sr = append(sr, rem+idx[t%m])
	}
	vr, vsr := variance(r), variance(sr)
	if vsr <= 0 {
		return 0
	}
	return math.Max(0, 1-vr/vsr)
}

func variance(v []float64) float64 {
	if len(v) < 2 {
		return 0
	}
	mu := meanOf(v)
	s := 0.0
	for _, x := range v {
		s += (x - mu) * (x - mu)
	}
	return s / float64(len(v)-1)
}

// acf returns the sample autocorrelations at lags 1..maxLag.
func acf(y []float64, maxLag int) []float64 {
	n := len(y)
	mu := meanOf(y)
	c0 := 0.0
	for _, v := range y {
		c0 += (v - mu) * (v - mu)
	}
	out := make([]float64, maxLag)
	if c0 == 0 {
		return out
	}
	for k := 1; k <= maxLag && k < n; k++ {
		s := 0.0
		for t := k; t < n; t++ {
			s += (y[t] - mu) * (y[t-k] - mu)
		}
		out[k-1] = s / c0
	}
	return out
}

// seasonalityTest is the 90% autocorrelation test that R's thetaf uses to
// decide whether to deseasonalise: |r_m| > 1.645·sqrt((1 + 2 Σ_{k<m} r_k²)/n).
func seasonalityTest(y []float64, m int) bool {
	n := len(y)
	if m <= 1 || n < 3*m {
		return false
	}
	r := acf(y, m)
	s := 0.0
	for k := 0; k < m-1; k++ {
		s += r[k] * r[k]
	}
	return math.Abs(r[m-1]) > 1.645*math.Sqrt((1+2*s)/float64(n))
}
