package routing

import (
	"strings"

	"github.com/supplyhub/supplyhub/core/routing/siting"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// HaversineKm returns the great-circle distance between two points in
// kilometres, on the mean Earth sphere [siting.Distance] uses.
func HaversineKm(a, b commerce.GeoPoint) float64 {
	return siting.Distance(siting.Haversine, siting.Point{X: a.Lat, Y: a.Lon}, siting.Point{X: b.Lat, Y: b.Lon})
}

// Region tiers, used when coordinates are missing: the lower the closer.
const (
	tierPostal   = iota // same country and postal area (first 2 characters)
	tierProvince        // same country and province
	tierCountry         // same country
	tierMarket          // same market
	tierAbroad          // elsewhere
)

var tierWords = [...]string{"same postal area", "same province", "same country", "same market", "another market"}

// proximity is how far a location is from the destination.
type proximity struct {
	km   float64 // great-circle distance, when geo is set
	geo  bool    // both ends have coordinates
	tier int     // region tier, always set
}

func proximityOf(from, to commerce.Address, sameMarket bool) proximity {
	p := proximity{tier: regionTier(from, to, sameMarket)}
	if from.Geo != nil && to.Geo != nil {
		p.km, p.geo = HaversineKm(*from.Geo, *to.Geo), true
	}
	return p
}

func regionTier(from, to commerce.Address, sameMarket bool) int {
	switch {
	case from.CountryCode != to.CountryCode:
		if sameMarket {
			return tierMarket
		}
		return tierAbroad
	case samePostalArea(from.PostalCode, to.PostalCode):
		return tierPostal
	case from.ProvinceCode != "" && strings.EqualFold(from.ProvinceCode, to.ProvinceCode):
		return tierProvince
	}
	return tierCountry
}

// samePostalArea reports whether two postal codes start with the same two
// characters (ignoring spaces and case), the area most national schemes
// start with (DE 04…, US 94…, UK "SW").
func samePostalArea(a, b string) bool {
	pa, na := postalArea(a)
	pb, nb := postalArea(b)
	return na == 2 && nb == 2 && pa == pb
}

func postalArea(pc string) ([2]byte, int) {
	var out [2]byte
	n := 0
	for i := 0; i < len(pc) && n < 2; i++ {
		c := pc[i]
		if c == ' ' {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		out[n] = c
		n++
	}
	return out, n
}
