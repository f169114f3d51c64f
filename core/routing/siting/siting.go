package siting

import (
	"errors"
	"fmt"
	"math"
)

// Metric says how coordinates are read and distances measured.
type Metric int

const (
	// Euclidean reads X and Y as planar coordinates; distances are
	// straight-line, in the coordinates' unit.
	Euclidean Metric = iota
	// Haversine reads X as latitude and Y as longitude in degrees;
	// distances are great-circle kilometres on a sphere of radius
	// 6371.0088 km (the mean Earth radius).
	Haversine
)

// String names the metric.
func (m Metric) String() string {
	if m == Haversine {
		return "haversine-km"
	}
	return "euclidean"
}

// EarthRadiusKm is the mean Earth radius used by [Haversine].
const EarthRadiusKm = 6371.0088

// Point is a demand point: a customer location and how much it orders.
type Point struct {
	// ID names the point (upstream IDs are strings).
	ID string
	// X and Y are planar coordinates, or latitude and longitude in
	// degrees with [Haversine].
	X, Y float64
	// Weight is the demand at the point; it must be ≥ 0.
	Weight float64
}

// Config tunes the siting methods. The zero value is usable.
type Config struct {
	// Metric selects planar or great-circle distances.
	Metric Metric
	// Seed makes the randomised parts (k-means++ seeding, order of the
	// interchange search) reproducible.
	Seed uint64
	// Restarts is the number of k-means runs from different seeds, the
	// best (lowest weighted squared distance) kept, and of p-median
	// interchange searches (from the greedy solution, then from random
	// sites), the best kept; default 10.
	Restarts int
	// MaxIterations bounds Lloyd iterations per k-means run; default 100.
	MaxIterations int
	// Candidates restricts p-median sites to these point indices; nil
	// means every demand point is a candidate site.
	Candidates []int
}

func (c Config) withDefaults() Config {
	if c.Restarts <= 0 {
		c.Restarts = 10
	}
	if c.MaxIterations <= 0 {
		c.MaxIterations = 100
	}
	return c
}

// Center is a chosen warehouse site.
type Center struct {
	// X and Y are the site's coordinates (latitude and longitude with
	// Haversine).
	X, Y float64
	// Point is the index of the demand point the site sits on, or -1
	// for a k-means centroid.
	Point int
	// ID is the demand point's ID, empty for a k-means centroid.
	ID string
	// Demand is the total weight assigned to the site.
	Demand float64
}

// Solution is a set of k sites and the assignment of demand to them.
type Solution struct {
	// Method is "kmeans" or "pmedian".
	Method string
	// K is the number of sites.
	K int
	// Centers lists the sites.
	Centers []Center
	// Assign gives, for each point, the index in Centers serving it (the
	// nearest site).
	Assign []int
	// WeightedDistance is Σ weight × distance to the assigned site: the
	// p-median objective, comparable across methods and values of k.
	WeightedDistance float64
	// TotalWeight is the sum of the weights.
	TotalWeight float64
}

// MeanDistance is the demand-weighted mean distance to the serving site.
func (s *Solution) MeanDistance() float64 {
	if s.TotalWeight == 0 {
		return 0
	}
	return s.WeightedDistance / s.TotalWeight
}

// ErrNoDemand is returned when all weights are zero, so that no choice of
// sites is better than another.
var ErrNoDemand = errors.New("siting: total demand is zero")

// geo holds points in the form the distance function needs: planar
// coordinates, or unit vectors on the sphere.
type geo struct {
	metric  Metric
	x, y, z []float64
	w       []float64
}

func prepare(points []Point, cfg Config) (*geo, error) {
	if len(points) == 0 {
		return nil, errors.New("siting: no demand points")
	}
	g := &geo{metric: cfg.Metric, x: make([]float64, len(points)), y: make([]float64, len(points)), w: make([]float64, len(points))}
	if cfg.Metric == Haversine {
		g.z = make([]float64, len(points))
	} else if cfg.Metric != Euclidean {
		return nil, fmt.Errorf("siting: unknown metric %d", cfg.Metric)
	}
	total := 0.0
	for i, p := range points {
		if math.IsNaN(p.Weight) || math.IsInf(p.Weight, 0) || p.Weight < 0 {
			return nil, fmt.Errorf("siting: point %q (row %d): weight %v must be a finite number ≥ 0", p.ID, i+1, p.Weight)
		}
		if math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) {
			return nil, fmt.Errorf("siting: point %q (row %d): coordinates must be finite", p.ID, i+1)
		}
		g.w[i] = p.Weight
		total += p.Weight
		if cfg.Metric == Haversine {
			if p.X < -90 || p.X > 90 || p.Y < -180 || p.Y > 180 {
				return nil, fmt.Errorf("siting: point %q (row %d): latitude %v, longitude %v out of range (−90..90, −180..180)", p.ID, i+1, p.X, p.Y)
			}
			g.x[i], g.y[i], g.z[i] = unitVector(p.X, p.Y)
		} else {
			g.x[i], g.y[i] = p.X, p.Y
		}
	}
	if total == 0 {
		return nil, ErrNoDemand
	}
	return g, nil
}

func unitVector(lat, lon float64) (x, y, z float64) {
	la, lo := lat*math.Pi/180, lon*math.Pi/180
	return math.Cos(la) * math.Cos(lo), math.Cos(la) * math.Sin(lo), math.Sin(la)
}

func latLon(x, y, z float64) (lat, lon float64) {
	return math.Atan2(z, math.Hypot(x, y)) * 180 / math.Pi, math.Atan2(y, x) * 180 / math.Pi
}

// dist is the distance between point i and a location given in the same
// internal form (planar, or a unit vector).
func (g *geo) dist(i int, x, y, z float64) float64 {
	if g.metric == Haversine {
		dx, dy, dz := g.x[i]-x, g.y[i]-y, g.z[i]-z
		chord := math.Sqrt(dx*dx + dy*dy + dz*dz)
		return 2 * EarthRadiusKm * math.Asin(math.Min(1, chord/2))
	}
	dx, dy := g.x[i]-x, g.y[i]-y
	return math.Sqrt(dx*dx + dy*dy)
}

func (g *geo) distPoints(i, j int) float64 {
	if g.metric == Haversine {
		return g.dist(i, g.x[j], g.y[j], g.z[j])
	}
	return g.dist(i, g.x[j], g.y[j], 0)
}

// Distance returns the distance between two points under the metric.
func Distance(m Metric, a, b Point) float64 {
	if m == Haversine {
		ax, ay, az := unitVector(a.X, a.Y)
		bx, by, bz := unitVector(b.X, b.Y)
		dx, dy, dz := ax-bx, ay-by, az-bz
		return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(dx*dx+dy*dy+dz*dz)/2))
	}
	return math.Hypot(a.X-b.X, a.Y-b.Y)
}

// Evaluate assigns every point to its nearest site and returns the
// resulting solution. It lets callers score sites chosen by other means.
func Evaluate(points []Point, sites []Center, cfg Config) (*Solution, error) {
	g, err := prepare(points, cfg)
	if err != nil {
		return nil, err
	}
	if len(sites) == 0 {
		return nil, errors.New("siting: no sites to evaluate")
	}
	return g.solution("given", points, sites), nil
}

// solution assigns points to the nearest of sites and totals the costs.
func (g *geo) solution(method string, points []Point, sites []Center) *Solution {
	s := &Solution{Method: method, K: len(sites), Centers: append([]Center(nil), sites...), Assign: make([]int, len(points))}
	type loc struct{ x, y, z float64 }
	locs := make([]loc, len(sites))
	for c, site := range sites {
		if g.metric == Haversine {
			x, y, z := unitVector(site.X, site.Y)
			locs[c] = loc{x, y, z}
		} else {
			locs[c] = loc{site.X, site.Y, 0}
		}
		s.Centers[c].Demand = 0
	}
	for i := range points {
		best, bestD := 0, math.Inf(1)
		for c, l := range locs {
			if d := g.dist(i, l.x, l.y, l.z); d < bestD {
				best, bestD = c, d
			}
		}
		s.Assign[i] = best
		s.WeightedDistance += g.w[i] * bestD
		s.TotalWeight += g.w[i]
		s.Centers[best].Demand += g.w[i]
	}
	return s
}

func checkK(k, n int) error {
	if k < 1 {
		return fmt.Errorf("siting: k = %d; choose at least one site", k)
	}
	if k > n {
		return fmt.Errorf("siting: k = %d sites for only %d demand points; choose k ≤ %d", k, n, n)
	}
	return nil
}

// Choice holds both methods' answers for one number of sites.
type Choice struct {
	K       int
	KMeans  *Solution
	PMedian *Solution
}

// Sweep runs [KMeans] and [PMedian] for every k from kMin to kMax, so that
// the demand-weighted distance can be weighed against the number of sites.
func Sweep(points []Point, kMin, kMax int, cfg Config) ([]Choice, error) {
	if kMin < 1 || kMax < kMin {
		return nil, fmt.Errorf("siting: k range %d..%d is empty; use 1 ≤ kMin ≤ kMax", kMin, kMax)
	}
	var out []Choice
	for k := kMin; k <= kMax; k++ {
		km, err := KMeans(points, k, cfg)
		if err != nil {
			return nil, err
		}
		pm, err := PMedian(points, k, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, Choice{K: k, KMeans: km, PMedian: pm})
	}
	return out, nil
}
