package forecast

import (
	"fmt"
	"math"
)

// model is what every method returns for one series: the point forecast,
// the in-sample one-step fit and the forecast distribution.
type model struct {
	name   string
	mean   []float64
	fitted []float64
	sigma  float64
	dist   predictive
	aicc   float64 // NaN when the method has no likelihood
}

// tooShortError says a method needs more observations than the series has.
type tooShortError struct {
	method Method
	have   int
	need   int
}

func (e *tooShortError) Error() string {
	return fmt.Sprintf("%s needs at least %d observations, the series has %d", e.method, e.need, e.have)
}

func needAtLeast(method Method, y []float64, need int) error {
	if len(y) < need {
		return &tooShortError{method: method, have: len(y), need: need}
	}
	return nil
}

// residualSigma is the root mean square of the finite residuals y - fitted,
// with dof parameters taken off the denominator.
func residualSigma(y, fitted []float64, dof int) float64 {
	ss, k := 0.0, 0
	for i, f := range fitted {
		if math.IsNaN(f) || math.IsNaN(y[i]) {
			continue
		}
		d := y[i] - f
		ss += d * d
		k++
	}
	if k-dof <= 0 {
		if k == 0 {
			return 0
		}
		return math.Sqrt(ss / float64(k))
	}
	return math.Sqrt(ss / float64(k-dof))
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// fitNaive forecasts the last value (random walk).
func fitNaive(y []float64, h int) (*model, error) {
	if err := needAtLeast(MethodNaive, y, 1); err != nil {
		return nil, err
	}
	n := len(y)
	fitted := nanSlice(n)
	for t := 1; t < n; t++ {
		fitted[t] = y[t-1]
	}
	mean := make([]float64, h)
	psi := make([]float64, h)
	for i := range mean {
		mean[i] = y[n-1]
		psi[i] = 1
	}
	sigma := residualSigma(y, fitted, 0)
	return &model{name: "naive", mean: mean, fitted: fitted, sigma: sigma,
		dist: newGaussDist(mean, psi, sigma, false), aicc: math.NaN()}, nil
}

// fitSNaive forecasts the value one season ago.
func fitSNaive(y []float64, m, h int) (*model, error) {
	if m <= 1 {
		return fitNaive(y, h)
	}
	if err := needAtLeast(MethodSNaive, y, m); err != nil {
		return nil, err
	}
	n := len(y)
	fitted := nanSlice(n)
	for t := m; t < n; t++ {
		fitted[t] = y[t-m]
	}
	mean := make([]float64, h)
	psi := make([]float64, h)
	for i := range mean {
		mean[i] = y[n-m+i%m]
		if i%m == 0 {
			psi[i] = 1
		}
	}
	sigma := residualSigma(y, fitted, 0)
	return &model{name: fmt.Sprintf("snaive[%d]", m), mean: mean, fitted: fitted, sigma: sigma,
		dist: newGaussDist(mean, psi, sigma, false), aicc: math.NaN()}, nil
}

// fitMean forecasts the historical mean.
func fitMean(y []float64, h int) (*model, error) {
	if err := needAtLeast(MethodMean, y, 1); err != nil {
		return nil, err
	}
	n := len(y)
	mu := meanOf(y)
	fitted := make([]float64, n)
	for i := range fitted {
		fitted[i] = mu
	}
	sigma := residualSigma(y, fitted, 1)
	mean := make([]float64, h)
	param := make([]float64, h)
	for i := range mean {
		mean[i] = mu
		param[i] = sigma / math.Sqrt(float64(n))
	}
	d := newGaussDist(mean, []float64{1}, sigma, false)
	d.paramSD = param
	return &model{name: "mean", mean: mean, fitted: fitted, sigma: sigma, dist: d, aicc: math.NaN()}, nil
}

// fitDrift forecasts a random walk with drift: the line from the first to
// the last observation, extended.
func fitDrift(y []float64, h int) (*model, error) {
	if err := needAtLeast(MethodDrift, y, 2); err != nil {
		return nil, err
	}
	n := len(y)
	b := (y[n-1] - y[0]) / float64(n-1)
	fitted := nanSlice(n)
	for t := 1; t < n; t++ {
		fitted[t] = y[t-1] + b
	}
	sigma := residualSigma(y, fitted, 1)
	mean := make([]float64, h)
	psi := make([]float64, h)
	param := make([]float64, h)
	for i := range mean {
		mean[i] = y[n-1] + float64(i+1)*b
		psi[i] = 1
		param[i] = sigma * float64(i+1) / math.Sqrt(float64(n-1))
	}
	d := newGaussDist(mean, psi, sigma, false)
	d.paramSD = param
	return &model{name: "drift", mean: mean, fitted: fitted, sigma: sigma, dist: d, aicc: math.NaN()}, nil
}
