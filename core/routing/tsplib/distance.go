package tsplib

import (
	"fmt"
	"math"
)

// Point is a node's coordinates as given in NODE_COORD_SECTION.
type Point struct {
	X, Y float64
}

// Edge weight types understood by [DistanceFunc] and [Instance.Dist].
const (
	TypeEUC2D    = "EUC_2D"
	TypeCEIL2D   = "CEIL_2D"
	TypeATT      = "ATT"
	TypeGEO      = "GEO"
	TypeMAN2D    = "MAN_2D"
	TypeMAX2D    = "MAX_2D"
	TypeExplicit = "EXPLICIT"
)

// nint is TSPLIB's rounding to the nearest integer, (int)(v + 0.5), for the
// non-negative lengths it is used on.
func nint(v float64) int { return int(math.Floor(v + 0.5)) }

// EUC2D is the TSPLIB EUC_2D distance: the Euclidean length rounded to the
// nearest integer. CVRPLIB uses it for the A, B, E, F, M, P and X sets.
func EUC2D(a, b Point) int {
	dx, dy := a.X-b.X, a.Y-b.Y
	return nint(math.Sqrt(dx*dx + dy*dy))
}

// CEIL2D is the TSPLIB CEIL_2D distance: the Euclidean length rounded up.
func CEIL2D(a, b Point) int {
	dx, dy := a.X-b.X, a.Y-b.Y
	return int(math.Ceil(math.Sqrt(dx*dx + dy*dy)))
}

// ATT is TSPLIB's pseudo-Euclidean distance used by att48 and att532:
// r = sqrt((dx²+dy²)/10), rounded to the nearest integer and bumped up by
// one when the rounding went down.
func ATT(a, b Point) int {
	dx, dy := a.X-b.X, a.Y-b.Y
	r := math.Sqrt((dx*dx + dy*dy) / 10.0)
	t := nint(r)
	if float64(t) < r {
		return t + 1
	}
	return t
}

// MAN2D is the TSPLIB MAN_2D distance: the rounded Manhattan length.
func MAN2D(a, b Point) int {
	return nint(math.Abs(a.X-b.X) + math.Abs(a.Y-b.Y))
}

// MAX2D is the TSPLIB MAX_2D distance: the larger rounded coordinate gap.
func MAX2D(a, b Point) int {
	return max(nint(math.Abs(a.X-b.X)), nint(math.Abs(a.Y-b.Y)))
}

// geoRadians converts a TSPLIB GEO coordinate in DDD.MM form (degrees and
// minutes) to radians, with TSPLIB's value of pi.
func geoRadians(v float64) float64 {
	const pi = 3.141592
	deg := math.Trunc(v)
	minutes := v - deg
	return pi * (deg + 5.0*minutes/3.0) / 180.0
}

// GEO is the TSPLIB geographical distance in kilometres on a sphere of
// radius 6378.388 km. X is the latitude and Y the longitude, both in
// DDD.MM (degrees.minutes) form as TSPLIB writes them.
func GEO(a, b Point) int {
	const rrr = 6378.388
	latA, lonA := geoRadians(a.X), geoRadians(a.Y)
	latB, lonB := geoRadians(b.X), geoRadians(b.Y)
	q1 := math.Cos(lonA - lonB)
	q2 := math.Cos(latA - latB)
	q3 := math.Cos(latA + latB)
	arg := 0.5 * ((1.0+q1)*q2 - (1.0-q1)*q3)
	arg = math.Max(-1, math.Min(1, arg)) // guard acos against rounding just outside [-1,1]
	return int(rrr*math.Acos(arg) + 1.0)
}

// DistanceFunc returns the distance function for a coordinate-based
// EDGE_WEIGHT_TYPE. EXPLICIT has no function: its weights come from the
// file, see [Instance.Dist].
func DistanceFunc(edgeWeightType string) (func(a, b Point) int, error) {
	switch edgeWeightType {
	case TypeEUC2D:
		return EUC2D, nil
	case TypeCEIL2D:
		return CEIL2D, nil
	case TypeATT:
		return ATT, nil
	case TypeGEO:
		return GEO, nil
	case TypeMAN2D:
		return MAN2D, nil
	case TypeMAX2D:
		return MAX2D, nil
	}
	return nil, fmt.Errorf("tsplib: EDGE_WEIGHT_TYPE %q is not supported; use one of EUC_2D, CEIL_2D, ATT, GEO, MAN_2D, MAX_2D or EXPLICIT", edgeWeightType)
}
