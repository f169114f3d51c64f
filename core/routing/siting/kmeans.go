package siting

import (
	"math"
	"math/rand/v2"
)

// KMeans places k sites by weighted k-means (Lloyd's algorithm with
// weighted k-means++ seeding, cfg.Restarts runs, the best kept). It
// minimises the weighted *squared* distance, which favours dense demand;
// the reported WeightedDistance is the plain demand-weighted distance, so
// it can be compared with [PMedian]. With [Haversine], centroids are
// weighted means of unit vectors projected back onto the sphere.
func KMeans(points []Point, k int, cfg Config) (*Solution, error) {
	cfg = cfg.withDefaults()
	g, err := prepare(points, cfg)
	if err != nil {
		return nil, err
	}
	if err := checkK(k, len(points)); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6b6d65616e73))
	var bestCenters [][3]float64
	bestSSE := math.Inf(1)
	for range cfg.Restarts {
		centers := g.seedPlusPlus(k, rng)
		sse := g.lloyd(centers, cfg.MaxIterations)
		if sse < bestSSE {
			bestSSE, bestCenters = sse, centers
		}
	}
	sites := make([]Center, k)
	for c, ctr := range bestCenters {
		sites[c].Point = -1
		if g.metric == Haversine {
			sites[c].X, sites[c].Y = latLon(ctr[0], ctr[1], ctr[2])
		} else {
			sites[c].X, sites[c].Y = ctr[0], ctr[1]
		}
	}
	return g.solution("kmeans", points, sites), nil
}

func (g *geo) point(i int) [3]float64 {
	if g.metric == Haversine {
		return [3]float64{g.x[i], g.y[i], g.z[i]}
	}
	return [3]float64{g.x[i], g.y[i], 0}
}

func (g *geo) sq(i int, c [3]float64) float64 {
	d := g.dist(i, c[0], c[1], c[2])
	return d * d
}

// seedPlusPlus picks k starting centres: the first with probability
// proportional to weight, each next one proportional to weight × squared
// distance to the nearest centre so far.
func (g *geo) seedPlusPlus(k int, rng *rand.Rand) [][3]float64 {
	n := len(g.w)
	centers := make([][3]float64, 0, k)
	near := make([]float64, n)
	pick := func(score func(i int) float64) int {
		total := 0.0
		for i := range n {
			total += score(i)
		}
		if total <= 0 {
			return rng.IntN(n)
		}
		r := rng.Float64() * total
		for i := range n {
			r -= score(i)
			if r < 0 {
				return i
			}
		}
		return n - 1
	}
	first := pick(func(i int) float64 { return g.w[i] })
	centers = append(centers, g.point(first))
	for i := range n {
		near[i] = g.sq(i, centers[0])
	}
	for len(centers) < k {
		next := pick(func(i int) float64 { return g.w[i] * near[i] })
		c := g.point(next)
		centers = append(centers, c)
		for i := range n {
			near[i] = math.Min(near[i], g.sq(i, c))
		}
	}
	return centers
}

// lloyd runs Lloyd iterations in place and returns the weighted sum of
// squared distances.
func (g *geo) lloyd(centers [][3]float64, maxIter int) float64 {
	n, k := len(g.w), len(centers)
	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	sums := make([][3]float64, k)
	wsum := make([]float64, k)
	sse := 0.0
	for it := 0; it < maxIter; it++ {
		changed := false
		sse = 0
		for i := range n {
			best, bestD := 0, math.Inf(1)
			for c := range k {
				if d := g.sq(i, centers[c]); d < bestD {
					best, bestD = c, d
				}
			}
			if assign[i] != best {
				assign[i], changed = best, true
			}
			sse += g.w[i] * bestD
		}
		if !changed && it > 0 {
			break
		}
		for c := range k {
			sums[c], wsum[c] = [3]float64{}, 0
		}
		for i := range n {
			c := assign[i]
			p := g.point(i)
			for d := range 3 {
				sums[c][d] += g.w[i] * p[d]
			}
			wsum[c] += g.w[i]
		}
		for c := range k {
			if wsum[c] == 0 {
				continue // an empty or weightless cluster keeps its centre
			}
			m := [3]float64{sums[c][0] / wsum[c], sums[c][1] / wsum[c], sums[c][2] / wsum[c]}
			if g.metric == Haversine {
				norm := math.Sqrt(m[0]*m[0] + m[1]*m[1] + m[2]*m[2])
				if norm < 1e-12 {
					continue // antipodal demand: no meaningful mean direction
				}
				m = [3]float64{m[0] / norm, m[1] / norm, m[2] / norm}
			}
			centers[c] = m
		}
	}
	return sse
}
