package carriertest

import (
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Carrier is one simulated carrier: its names on each API and its services.
type Carrier struct {
	// Name is the carrier's display name: USPS, UPS, DHL Express.
	Name string
	// EasyPost is the carrier's name on EasyPost (e.g. "DHLExpress") and
	// EasyPostAccount its carrier account id.
	EasyPost, EasyPostAccount string
	// Shippo is the provider name on Shippo rates, ShippoCarrier its
	// lowercase token (tracks URLs) and ShippoAccount its carrier account
	// object id.
	Shippo, ShippoCarrier, ShippoAccount string
	Services                             []Service
}

// Service is one service level with its tariff.
type Service struct {
	// EasyPost and Shippo name the service on each API (Shippo's display
	// name; ShippoToken is its servicelevel token).
	EasyPost, Shippo, ShippoToken string
	// International says whether the service crosses borders (true) or
	// serves domestic US shipments (false).
	International bool
	// Only restricts an international service to these destinations.
	Only []string
	// BaseCents and PerUnitCents price a parcel: base + per billable unit
	// (lb domestic, kg international), scaled by 10% per zone above 2.
	BaseCents, PerUnitCents int64
	// MinDays and MaxDays are the transit days for the nearest and farthest
	// zones.
	MinDays, MaxDays int
	// MaxWeightLb refuses heavier parcels (0: no limit).
	MaxWeightLb int64
}

// Carriers are the fake's three carriers. Tariffs are invented but shaped
// like 2026 list prices; transit times follow the carriers' published
// ranges.
var Carriers = []Carrier{
	{
		Name: "USPS", EasyPost: "USPS", EasyPostAccount: "ca_5ba7ca3632c54adeb17ad4bcac13c890",
		Shippo: "USPS", ShippoCarrier: "usps", ShippoAccount: "078870331023437cb917f5187429b093",
		Services: []Service{
			{EasyPost: "GroundAdvantage", Shippo: "Ground Advantage", ShippoToken: "usps_ground_advantage", BaseCents: 540, PerUnitCents: 85, MinDays: 2, MaxDays: 5, MaxWeightLb: 70},
			{EasyPost: "Priority", Shippo: "Priority Mail", ShippoToken: "usps_priority", BaseCents: 870, PerUnitCents: 110, MinDays: 1, MaxDays: 3, MaxWeightLb: 70},
			{EasyPost: "Express", Shippo: "Priority Mail Express", ShippoToken: "usps_priority_express", BaseCents: 2875, PerUnitCents: 210, MinDays: 1, MaxDays: 2, MaxWeightLb: 70},
			{EasyPost: "FirstClassPackageInternationalService", Shippo: "First-Class Package International", ShippoToken: "usps_first_class_package_international_service", International: true, BaseCents: 1600, PerUnitCents: 880, MinDays: 7, MaxDays: 21, MaxWeightLb: 4},
			{EasyPost: "PriorityMailInternational", Shippo: "Priority Mail International", ShippoToken: "usps_priority_mail_international", International: true, BaseCents: 4500, PerUnitCents: 1320, MinDays: 6, MaxDays: 10, MaxWeightLb: 66},
			{EasyPost: "ExpressMailInternational", Shippo: "Priority Mail Express International", ShippoToken: "usps_priority_mail_express_international", International: true, BaseCents: 6200, PerUnitCents: 1760, MinDays: 3, MaxDays: 5, MaxWeightLb: 66},
		},
	},
	{
		Name: "UPS", EasyPost: "UPS", EasyPostAccount: "ca_8e1a6c0bd5a04c3f9b7e2d4f6a8c0e12",
		Shippo: "UPS", ShippoCarrier: "ups", ShippoAccount: "7e01b1a9a7c54a0e9c8f6bd0d1e4f0a2",
		Services: []Service{
			{EasyPost: "Ground", Shippo: "Ground", ShippoToken: "ups_ground", BaseCents: 980, PerUnitCents: 95, MinDays: 1, MaxDays: 5, MaxWeightLb: 150},
			{EasyPost: "3DaySelect", Shippo: "3 Day Select", ShippoToken: "ups_3_day_select", BaseCents: 1850, PerUnitCents: 160, MinDays: 3, MaxDays: 3, MaxWeightLb: 150},
			{EasyPost: "2ndDayAir", Shippo: "2nd Day Air", ShippoToken: "ups_second_day_air", BaseCents: 2490, PerUnitCents: 220, MinDays: 2, MaxDays: 2, MaxWeightLb: 150},
			{EasyPost: "NextDayAir", Shippo: "Next Day Air", ShippoToken: "ups_next_day_air", BaseCents: 4510, PerUnitCents: 390, MinDays: 1, MaxDays: 1, MaxWeightLb: 150},
			{EasyPost: "UPSStandard", Shippo: "Standard", ShippoToken: "ups_standard", International: true, Only: []string{"CA", "MX"}, BaseCents: 3000, PerUnitCents: 660, MinDays: 3, MaxDays: 7, MaxWeightLb: 150},
			{EasyPost: "Expedited", Shippo: "Worldwide Expedited", ShippoToken: "ups_expedited", International: true, BaseCents: 6500, PerUnitCents: 1540, MinDays: 4, MaxDays: 5, MaxWeightLb: 150},
			{EasyPost: "UPSSaver", Shippo: "Saver", ShippoToken: "ups_saver", International: true, BaseCents: 8800, PerUnitCents: 1980, MinDays: 2, MaxDays: 3, MaxWeightLb: 150},
		},
	},
	{
		Name: "DHL Express", EasyPost: "DHLExpress", EasyPostAccount: "ca_2d9c4b1a3f5e4d7c8b6a9e0f1d2c3b4a",
		Shippo: "DHL Express", ShippoCarrier: "dhl_express", ShippoAccount: "d2f1c0b9a8e74f6d5c4b3a2918070605",
		Services: []Service{
			{EasyPost: "ExpressWorldwide", Shippo: "Express Worldwide", ShippoToken: "dhl_express_worldwide", International: true, BaseCents: 5500, PerUnitCents: 1760, MinDays: 2, MaxDays: 4, MaxWeightLb: 150},
			{EasyPost: "Express1200", Shippo: "Express 12:00", ShippoToken: "dhl_express_1200", International: true, BaseCents: 7400, PerUnitCents: 1980, MinDays: 1, MaxDays: 3, MaxWeightLb: 150},
			{EasyPost: "Express900", Shippo: "Express 9:00", ShippoToken: "dhl_express_900", International: true, BaseCents: 9900, PerUnitCents: 2420, MinDays: 1, MaxDays: 2, MaxWeightLb: 150},
		},
	},
}

// carrierByAccount finds a carrier by either API's account id.
func carrierByAccount(id string) *Carrier {
	for i := range Carriers {
		if Carriers[i].EasyPostAccount == id || Carriers[i].ShippoAccount == id {
			return &Carriers[i]
		}
	}
	return nil
}

func carrierByName(name string) *Carrier {
	n := strings.ToLower(strings.NewReplacer(" ", "", "_", "").Replace(name))
	for i := range Carriers {
		c := &Carriers[i]
		for _, s := range []string{c.Name, c.EasyPost, c.Shippo, c.ShippoCarrier} {
			if strings.ToLower(strings.NewReplacer(" ", "", "_", "").Replace(s)) == n {
				return c
			}
		}
	}
	return nil
}

// parcel is a parcel in inches and ounces, exact.
type parcel struct {
	length, width, height *big.Rat // inches; nil when unknown
	weightOz              *big.Rat
}

// quote is one priced service.
type quote struct {
	carrier *Carrier
	service Service
	cents   int64
	days    int
	zone    int
}

var (
	cmPerIn = big.NewRat(254, 100)
	ozPerKg = new(big.Rat).Quo(big.NewRat(1000, 1), mustRat("28.349523125"))
)

func mustRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func ceilRat(r *big.Rat) int64 {
	q, m := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

// billable returns the billable weight in whole lb (domestic: the larger of
// actual and L×W×H/139, USPS 166 above 1,728 in³) or in half kg
// (international: 5,000 cm³/kg), as units of the tariff.
func (p parcel) billable(c *Carrier, international bool) int64 {
	if !international {
		lb := new(big.Rat).Quo(p.weightOz, big.NewRat(16, 1))
		actual := ceilRat(lb)
		if p.length == nil {
			return actual
		}
		vol := new(big.Rat).Mul(p.length, p.width)
		vol.Mul(vol, p.height)
		div := int64(139)
		if c.Name == "USPS" {
			if vol.Cmp(big.NewRat(1728, 1)) <= 0 {
				return actual
			}
			div = 166
		}
		if dim := ceilRat(new(big.Rat).Quo(vol, big.NewRat(div, 1))); dim > actual {
			return dim
		}
		return actual
	}
	kg := new(big.Rat).Quo(p.weightOz, ozPerKg)
	halfKg := ceilRat(new(big.Rat).Mul(kg, big.NewRat(2, 1)))
	if p.length != nil {
		vol := new(big.Rat).Mul(new(big.Rat).Mul(p.length, cmPerIn), new(big.Rat).Mul(p.width, cmPerIn))
		vol.Mul(vol, new(big.Rat).Mul(p.height, cmPerIn))
		if dim := ceilRat(new(big.Rat).Quo(vol, big.NewRat(2500, 1))); dim > halfKg {
			halfKg = dim
		}
	}
	// Tariff units are kg: price per started half kg at half the rate.
	return halfKg
}

// zone is the US domestic zone from the first digits of the ZIP codes
// (2..8), or 5 for international shipments.
func zone(fromZip, toZip string, international bool) int {
	if international || fromZip == "" || toZip == "" {
		return 5
	}
	d := int(fromZip[0]) - int(toZip[0])
	if d < 0 {
		d = -d
	}
	return min(2+d, 8)
}

// quotes prices a parcel with every service of c on the route. reason
// explains why there is none.
func quotes(c *Carrier, fromCountry, toCountry, fromZip, toZip string, p parcel) (qs []quote, reason string) {
	international := fromCountry != toCountry
	if fromCountry != "US" {
		return nil, fmt.Sprintf("%s: the sandbox ships from the US only", c.EasyPost)
	}
	z := zone(fromZip, toZip, international)
	units := p.billable(c, international)
	lb := ceilRat(new(big.Rat).Quo(p.weightOz, big.NewRat(16, 1)))
	for _, s := range c.Services {
		if s.International != international {
			continue
		}
		if len(s.Only) > 0 && !contains(s.Only, toCountry) {
			continue
		}
		if s.MaxWeightLb > 0 && lb > s.MaxWeightLb {
			continue
		}
		per := s.PerUnitCents
		if international {
			per /= 2 // per half kg
		}
		cents := s.BaseCents + per*units*int64(10+z-2)/10
		days := s.MinDays + (s.MaxDays-s.MinDays)*(z-2)/6
		qs = append(qs, quote{carrier: c, service: s, cents: cents, days: days, zone: z})
	}
	if len(qs) == 0 {
		if international {
			return nil, fmt.Sprintf("%s: no service to %s for this parcel", c.EasyPost, toCountry)
		}
		return nil, fmt.Sprintf("%s does not offer domestic US service", c.EasyPost)
	}
	return qs, ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func money(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

// trackingStep is one event of a tracking sequence, at an offset from the
// label's purchase.
type trackingStep struct {
	after   time.Duration
	status  string // EasyPost status
	detail  string // EasyPost status_detail
	message string
	city    string
}

// sequence is the tracking history of a parcel bought at t0 with days in
// transit, ending with delivery (or with final for the EasyPost test codes).
func sequence(days int, final string) []trackingStep {
	d := time.Duration(days) * 24 * time.Hour
	steps := []trackingStep{
		{0, "pre_transit", "label_created", "Shipping Label Created", "ORIGIN"},
		{4 * time.Hour, "in_transit", "arrived_at_facility", "Accepted at Origin Facility", "ORIGIN"},
		{20 * time.Hour, "in_transit", "departed_facility", "Departed Facility", "HUB"},
	}
	switch final {
	case "pre_transit":
		return steps[:1]
	case "in_transit":
		return steps
	case "return_to_sender":
		return append(steps, trackingStep{d, "return_to_sender", "return", "Returned to Sender: Addressee Unknown", "DESTINATION"})
	case "failure":
		return append(steps, trackingStep{d, "failure", "address_not_found", "Delivery Exception: Address Not Found", "DESTINATION"})
	case "available_for_pickup":
		return append(steps, trackingStep{d, "available_for_pickup", "awaiting_pickup", "Available for Pickup at Post Office", "DESTINATION"})
	case "unknown":
		return nil
	}
	steps = append(steps, trackingStep{d - 7*time.Hour, "out_for_delivery", "out_for_delivery", "Out for Delivery", "DESTINATION"})
	if final == "out_for_delivery" {
		return steps
	}
	return append(steps, trackingStep{d - time.Hour, "delivered", "arrived_at_destination", "Delivered, In/At Mailbox", "DESTINATION"})
}

// shippoStatus maps an EasyPost status of the sequence to Shippo's enum.
func shippoStatus(s string) string {
	switch s {
	case "pre_transit":
		return "PRE_TRANSIT"
	case "in_transit", "out_for_delivery", "available_for_pickup":
		return "TRANSIT"
	case "delivered":
		return "DELIVERED"
	case "return_to_sender":
		return "RETURNED"
	case "failure":
		return "FAILURE"
	}
	return "UNKNOWN"
}

// testCodes are EasyPost's test tracking codes and the status each ends in.
var testCodes = map[string]string{
	"EZ1000000001": "pre_transit",
	"EZ2000000002": "in_transit",
	"EZ3000000003": "out_for_delivery",
	"EZ4000000004": "delivered",
	"EZ5000000005": "return_to_sender",
	"EZ6000000006": "failure",
	"EZ7000000007": "unknown",
}

// shippoTestNumbers are Shippo's test tracking numbers (carrier "shippo").
var shippoTestNumbers = map[string]string{
	"SHIPPO_PRE_TRANSIT": "pre_transit",
	"SHIPPO_TRANSIT":     "in_transit",
	"SHIPPO_DELIVERED":   "delivered",
	"SHIPPO_RETURNED":    "return_to_sender",
	"SHIPPO_FAILURE":     "failure",
	"SHIPPO_UNKNOWN":     "unknown",
}
