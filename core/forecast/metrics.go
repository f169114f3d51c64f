package forecast

import (
	"math"
	"slices"
)

// Accuracy metrics. Each takes the actuals of a held-out window, the point
// forecasts for it and, for the scaled ones, the in-sample history the
// forecast was made from. Missing (NaN) actuals are skipped; a metric with no
// usable actual is NaN.

// MASE is the mean absolute scaled error: the mean absolute error divided by
// the in-sample mean absolute error of the seasonal naive method with season
// length m (lag 1 when m <= 1 or the history is shorter than m+1).
func MASE(actual, forecast, history []float64, m int) float64 {
	return meanAbsErr(actual, forecast) / naiveScale(history, m, false)
}

// RMSSE is the root mean squared scaled error of the M5 competition: the
// root of the mean squared error divided by the in-sample mean squared
// one-step naive error.
func RMSSE(actual, forecast, history []float64) float64 {
	se, k := 0.0, 0
	for i, a := range actual {
		if math.IsNaN(a) {
			continue
		}
		d := a - forecast[i]
		se += d * d
		k++
	}
	if k == 0 {
		return math.NaN()
	}
	return math.Sqrt(se / float64(k) / naiveScale(history, 1, true))
}

// SMAPE is the symmetric mean absolute percentage error in percent (0..200);
// periods where both actual and forecast are zero count as zero error.
func SMAPE(actual, forecast []float64) float64 {
	s, k := 0.0, 0
	for i, a := range actual {
		if math.IsNaN(a) {
			continue
		}
		den := math.Abs(a) + math.Abs(forecast[i])
		if den > 0 {
			s += 200 * math.Abs(a-forecast[i]) / den
		}
		k++
	}
	if k == 0 {
		return math.NaN()
	}
	return s / float64(k)
}

// Pinball is the mean pinball (quantile) loss of quantile forecasts q at
// probability p against the actuals.
func Pinball(actual, q []float64, p float64) float64 {
	s, k := 0.0, 0
	for i, a := range actual {
		if math.IsNaN(a) {
			continue
		}
		if a >= q[i] {
			s += p * (a - q[i])
		} else {
			s += (1 - p) * (q[i] - a)
		}
		k++
	}
	if k == 0 {
		return math.NaN()
	}
	return s / float64(k)
}

// Coverage is the share of actuals inside [lower, upper].
func Coverage(actual, lower, upper []float64) float64 {
	in, k := 0, 0
	for i, a := range actual {
		if math.IsNaN(a) {
			continue
		}
		if a >= lower[i] && a <= upper[i] {
			in++
		}
		k++
	}
	if k == 0 {
		return math.NaN()
	}
	return float64(in) / float64(k)
}

func meanAbsErr(actual, forecast []float64) float64 {
	s, k := 0.0, 0
	for i, a := range actual {
		if math.IsNaN(a) {
			continue
		}
		s += math.Abs(a - forecast[i])
		k++
	}
	if k == 0 {
		return math.NaN()
	}
	return s / float64(k)
}

// naiveScale is the in-sample mean absolute (or squared) error of the
// lag-m naive forecast over the non-missing pairs. A zero or undefined scale
// (a constant history) falls back to the mean absolute level, then to 1, so
// that metrics stay finite.
func naiveScale(history []float64, m int, squared bool) float64 {
	if m < 1 || len(history) <= m {
		m = 1
	}
	s, k := 0.0, 0
	for t := m; t < len(history); t++ {
		a, b := history[t], history[t-m]
		if math.IsNaN(a) || math.IsNaN(b) {
			continue
		}
		d := math.Abs(a - b)
		if squared {
			d *= d
		}
		s += d
		k++
	}
	if k > 0 && s > 0 {
		return s / float64(k)
	}
	lvl := 0.0
	cnt := 0
	for _, v := range history {
		if !math.IsNaN(v) {
			lvl += math.Abs(v)
			cnt++
		}
	}
	if cnt > 0 && lvl > 0 {
		lvl /= float64(cnt)
		if squared {
			return lvl * lvl
		}
		return lvl
	}
	return 1
}

// windowMetrics scores one forecast window. levels are in percent.
// quant(p, step) is the p-quantile at the 0-based step.
func windowMetrics(actual, history []float64, m int, mean []float64, quant func(p float64, step int) float64, levels []float64) Metrics {
	h := len(actual)
	mean = mean[:h]
	met := Metrics{Windows: 1, Coverage: map[float64]float64{}}
	met.MASE = MASE(actual, mean, history, m)
	met.SMAPE = SMAPE(actual, mean)
	met.RMSSE = RMSSE(actual, mean, history)
	scale := naiveScale(history, m, false)
	q := make([]float64, h)
	qs := func(p float64) []float64 {
		for i := range q {
			q[i] = quant(p, i)
		}
		return q
	}
	probs := []float64{0.5}
	for _, l := range levels {
		lo := slices.Clone(qs((1 - l/100) / 2))
		hi := qs((1 + l/100) / 2)
		met.Coverage[l] = Coverage(actual, lo, hi)
		probs = append(probs, (1-l/100)/2, (1+l/100)/2)
	}
	pin := 0.0
	for _, p := range probs {
		pin += Pinball(actual, qs(p), p)
	}
	met.Pinball = pin / float64(len(probs)) / scale
	return met
}

// averageMetrics averages window metrics (NaN windows are skipped per
// field).
func averageMetrics(ws []Metrics) Metrics {
	out := Metrics{Windows: len(ws), Coverage: map[float64]float64{}}
	avg := func(get func(Metrics) float64) float64 {
		s, k := 0.0, 0
		for _, w := range ws {
			if v := get(w); !math.IsNaN(v) && !math.IsInf(v, 0) {
				s += v
				k++
			}
		}
		if k == 0 {
			return math.NaN()
		}
		return s / float64(k)
	}
	out.MASE = avg(func(m Metrics) float64 { return m.MASE })
	out.SMAPE = avg(func(m Metrics) float64 { return m.SMAPE })
	out.RMSSE = avg(func(m Metrics) float64 { return m.RMSSE })
	out.Pinball = avg(func(m Metrics) float64 { return m.Pinball })
	if len(ws) > 0 {
		for l := range ws[0].Coverage {
			out.Coverage[l] = avg(func(m Metrics) float64 { return m.Coverage[l] })
		}
	}
	return out
}
