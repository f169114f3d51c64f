package routing

import (
	"math"
	"testing"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func TestHaversineKm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		a, b   commerce.GeoPoint
		wantKm float64
	}{
		{"same point", commerce.GeoPoint{Lat: 51.34, Lon: 12.37}, commerce.GeoPoint{Lat: 51.34, Lon: 12.37}, 0},
		{"one degree of latitude", commerce.GeoPoint{Lat: 0, Lon: 0}, commerce.GeoPoint{Lat: 1, Lon: 0}, 111.195},
		{"Leipzig to Dresden", commerce.GeoPoint{Lat: 51.3397, Lon: 12.3731}, commerce.GeoPoint{Lat: 51.0504, Lon: 13.7373}, 100.36},
		{"antipodes", commerce.GeoPoint{Lat: 0, Lon: 0}, commerce.GeoPoint{Lat: 0, Lon: 180}, 20015.1},
	}
	for _, c := range cases {
		if got := HaversineKm(c.a, c.b); math.Abs(got-c.wantKm) > 0.2 {
			t.Errorf("%s: %.3f km, want %.1f", c.name, got, c.wantKm)
		}
	}
}
