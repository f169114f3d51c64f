package commerce

// Address is a postal address.
type Address struct {
	Name     string `json:"name,omitempty"`
	Company  string `json:"company,omitempty"`
	Line1    string `json:"line1,omitempty"`
	Line2    string `json:"line2,omitempty"`
	City     string `json:"city,omitempty"`
	Province string `json:"province,omitempty"`
	// ProvinceCode is the ISO 3166-2 subdivision code without the country, e.g. "CA".
	ProvinceCode string `json:"province_code,omitempty"`
	PostalCode   string `json:"postal_code,omitempty"`
	// CountryCode is the ISO 3166-1 alpha-2 code, e.g. "DE".
	CountryCode string `json:"country_code,omitempty"`
	Phone       string `json:"phone,omitempty"`
	// Geo is the address's coordinates, when known.
	Geo *GeoPoint `json:"geo,omitempty"`
}

// GeoPoint is a WGS 84 latitude and longitude in degrees.
type GeoPoint struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Location is a place that holds stock and may ship orders: a warehouse, a
// store, a fulfilment centre.
type Location struct {
	Meta
	// Name is the merchant's name for the location.
	Name string `json:"name"`
	// Type is warehouse, store, fulfillment_center or dropship.
	Type string `json:"type,omitempty"`
	// Address is where it is; Address.Geo its coordinates.
	Address Address `json:"address"`
	// Active is false for locations that no longer hold stock.
	Active bool `json:"active"`
	// FulfillsOnlineOrders says whether online orders may ship from here.
	FulfillsOnlineOrders bool `json:"fulfills_online_orders"`
}

// Kind returns KindLocation.
func (*Location) Kind() Kind { return KindLocation }

// Validate checks the location.
func (l *Location) Validate() error {
	c := newChecker(KindLocation)
	c.meta(l.Meta)
	if l.Deleted {
		return c.err()
	}
	c.required("name", l.Name)
	c.oneOf("type", l.Type, "warehouse", "store", "fulfillment_center", "dropship")
	c.at("address").address(l.Address)
	return c.err()
}

func (c checker) address(a Address) {
	c.country("country_code", a.CountryCode)
	if g := a.Geo; g != nil {
		if g.Lat < -90 || g.Lat > 90 {
			c.fail("geo.lat", "%v is outside -90..90", g.Lat)
		}
		if g.Lon < -180 || g.Lon > 180 {
			c.fail("geo.lon", "%v is outside -180..180", g.Lon)
		}
	}
}
