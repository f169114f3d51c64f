package commerce

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Charge is one itemised amount of a rate or a landed-cost quote: a
// surcharge, a duty, a tax or a fee, with the rule that produced it.
type Charge struct {
	// Type is e.g. FUEL, RESIDENTIAL, DUTY, VAT, GST, FEE.
	Type string `json:"type"`
	// Description says what it is in words.
	Description string `json:"description,omitempty"`
	// ItemSKU is the item it applies to, for per-item duties.
	ItemSKU string `json:"item_sku,omitempty"`
	// Rate is the ad valorem rate applied, as a fraction, when there is one.
	Rate *decimal.Decimal `json:"rate,omitempty"`
	// Basis names the value the rate applies to, e.g. "CIF" or "CIF + duty".
	Basis string `json:"basis,omitempty"`
	// Base is that value.
	Base *Money `json:"base,omitempty"`
	// Amount is the charge.
	Amount Money `json:"amount"`
	// Rule names the tariff or tax rule applied.
	Rule string `json:"rule,omitempty"`
	// EffectiveFrom is the date the rule took effect.
	EffectiveFrom Date `json:"effective_from,omitzero"`
}

// Rate is a carrier's price quote for shipping a parcel with one service.
type Rate struct {
	// ID is the upstream rate id, used to buy a label.
	ID string `json:"id,omitempty"`
	// ShipmentID is the upstream shipment the rate belongs to.
	ShipmentID string `json:"shipment_id,omitempty"`
	// Carrier is the carrier's name, e.g. "UPS".
	Carrier string `json:"carrier"`
	// Service is the service level, e.g. "Ground".
	Service string `json:"service"`
	// Amount is the total price including surcharges.
	Amount Money `json:"amount"`
	// Surcharges itemise what Amount includes beyond the base rate.
	Surcharges []Charge `json:"surcharges,omitempty"`
	// BillableWeight is the greater of actual and dimensional weight.
	BillableWeight *Weight `json:"billable_weight,omitempty"`
	// DimensionalWeight is the weight from volume and the carrier's divisor.
	DimensionalWeight *Weight `json:"dimensional_weight,omitempty"`
	// TransitDays is the promised business days in transit, 0 if unknown.
	TransitDays int `json:"transit_days,omitempty"`
	// EstimatedDelivery is the promised delivery date, when given.
	EstimatedDelivery *time.Time `json:"estimated_delivery,omitempty"`
	// Guaranteed says whether delivery by EstimatedDelivery is guaranteed.
	Guaranteed bool `json:"guaranteed,omitempty"`
}

// Validate checks a rate.
func (r *Rate) Validate() error {
	c := newChecker("rate")
	c.required("carrier", r.Carrier)
	c.required("service", r.Service)
	c.money("amount", r.Amount, "")
	if r.Amount.IsNegative() {
		c.fail("amount", "must not be negative")
	}
	for i, s := range r.Surcharges {
		c.index("surcharges", i).money("amount", s.Amount, r.Amount.Currency)
	}
	return c.err()
}

// Label is a purchased shipping label.
type Label struct {
	// ID is the upstream id of the purchase (transaction).
	ID string `json:"id"`
	// Rate is the rate bought.
	Rate Rate `json:"rate"`
	// TrackingNumber is the parcel's tracking number.
	TrackingNumber string `json:"tracking_number"`
	// TrackingURL is the carrier's public tracking page.
	TrackingURL string `json:"tracking_url,omitempty"`
	// LabelURL is where to download the label.
	LabelURL string `json:"label_url,omitempty"`
	// CreatedAt is when it was bought.
	CreatedAt time.Time `json:"created_at"`
}

// FXRate is an exchange rate: one unit of Base buys Rate units of Quote, as
// published by Source for Date.
type FXRate struct {
	Base  Currency        `json:"base"`
	Quote Currency        `json:"quote"`
	Rate  decimal.Decimal `json:"rate"`
	// Date is the publication (reference) day the rate belongs to.
	Date Date `json:"date"`
	// Source names the publisher, e.g. "ECB".
	Source string `json:"source,omitempty"`
}

// Convert converts m from r.Base to r.Quote and rounds to the quote
// currency's minor units with mode.
func (r FXRate) Convert(m Money, mode RoundingMode) (Money, error) {
	if m.Currency != r.Base {
		return Money{}, fmt.Errorf("%w: rate converts %s to %s, got %s", ErrCurrencyMismatch, r.Base, r.Quote, m.Currency)
	}
	if !r.Rate.IsPositive() {
		return Money{}, fmt.Errorf("commerce: FX rate %s/%s is %s; a rate must be positive", r.Base, r.Quote, r.Rate)
	}
	return Money{Amount: m.Amount.Mul(r.Rate), Currency: r.Quote}.Round(mode), nil
}

// Inverse returns the rate from Quote to Base, exact to 16 decimal places.
func (r FXRate) Inverse() FXRate {
	return FXRate{Base: r.Quote, Quote: r.Base, Rate: decimal.NewFromInt(1).DivRound(r.Rate, 16), Date: r.Date, Source: r.Source}
}

// Validate checks the rate.
func (r *FXRate) Validate() error {
	c := newChecker("fx_rate")
	if !r.Base.Valid() {
		c.fail("base", "unknown currency %q", string(r.Base))
	}
	if !r.Quote.Valid() {
		c.fail("quote", "unknown currency %q", string(r.Quote))
	}
	if !r.Rate.IsPositive() {
		c.fail("rate", "must be positive (got %s)", r.Rate)
	}
	if r.Date.IsZero() {
		c.fail("date", "is required: YYYY-MM-DD")
	}
	return c.err()
}

// LandedCostItem is one item of a cross-border parcel.
type LandedCostItem struct {
	SKU string `json:"sku,omitempty"`
	// HSCode is the code the duty was looked up under.
	HSCode string `json:"hs_code"`
	// HSCodeScheme names the national scheme, e.g. "EU-CN8", or "HS6".
	HSCodeScheme string `json:"hs_code_scheme,omitempty"`
	// HS6 is the international 6-digit part.
	HS6 string `json:"hs6,omitempty"`
	// CountryOfOrigin is where the goods were made (ISO 3166-1 alpha-2).
	CountryOfOrigin string `json:"country_of_origin"`
	Quantity        int    `json:"quantity"`
	UnitPrice       Money  `json:"unit_price"`
	LineValue       Money  `json:"line_value"`
	// Weight is the line's weight, for specific duties.
	Weight *Weight `json:"weight,omitempty"`
}

// DeMinimis records whether a de minimis (low-value) threshold relieved duty
// or tax.
type DeMinimis struct {
	// Type is DUTY or TAX.
	Type string `json:"type"`
	// Threshold is the value at or under which relief applies; nil if none.
	Threshold *Money `json:"threshold"`
	// Applied says whether the parcel qualified.
	Applied bool `json:"applied"`
	// Rule names the rule and its effective date.
	Rule string `json:"rule,omitempty"`
}

// LandedCostTotals sums a quote.
type LandedCostTotals struct {
	Duties Money `json:"duties"`
	Taxes  Money `json:"taxes"`
	Fees   Money `json:"fees"`
	// LandedCost is goods + shipping + insurance + duties + taxes + fees.
	LandedCost Money `json:"landed_cost"`
	// DueAtDelivery is what the buyer pays on delivery (DAP); zero for DDP.
	DueAtDelivery Money `json:"due_at_delivery"`
}

// LandedCost is an itemised quote of what a cross-border parcel costs on
// arrival: duties, taxes and fees, each naming its rule, under an incoterm.
type LandedCost struct {
	// ID is the quote id.
	ID string `json:"id,omitempty"`
	// AsOf is the date whose rules were applied.
	AsOf Date `json:"as_of"`
	// Provider names who computed it, e.g. "internal-rules".
	Provider string `json:"provider,omitempty"`
	// Incoterm is DDP (seller pays duties and taxes) or DAP (buyer pays on delivery).
	Incoterm           string           `json:"incoterm"`
	OriginCountry      string           `json:"origin_country"`
	DestinationCountry string           `json:"destination_country"`
	Currency           Currency         `json:"currency"`
	Items              []LandedCostItem `json:"items"`
	Shipping           Money            `json:"shipping"`
	Insurance          Money            `json:"insurance"`
	DeMinimis          []DeMinimis      `json:"de_minimis,omitempty"`
	Duties             []Charge         `json:"duties"`
	Taxes              []Charge         `json:"taxes"`
	Fees               []Charge         `json:"fees"`
	Totals             LandedCostTotals `json:"totals"`
	// FX lists the exchange rates used to convert into Currency.
	FX []FXRate `json:"fx,omitempty"`
}

// Validate checks the quote's currencies and codes.
func (l *LandedCost) Validate() error {
	c := newChecker("landed_cost")
	c.oneOf("incoterm", l.Incoterm, "DDP", "DAP")
	c.required("incoterm", l.Incoterm)
	c.country("origin_country", l.OriginCountry)
	c.country("destination_country", l.DestinationCountry)
	c.required("destination_country", l.DestinationCountry)
	if !l.Currency.Valid() {
		c.fail("currency", "unknown currency %q", string(l.Currency))
	}
	for i, it := range l.Items {
		ic := c.index("items", i)
		ic.hsCode("hs_code", it.HSCode)
		ic.required("hs_code", it.HSCode)
		ic.country("country_of_origin", it.CountryOfOrigin)
		ic.money("unit_price", it.UnitPrice, l.Currency)
		ic.money("line_value", it.LineValue, l.Currency)
	}
	c.money("shipping", l.Shipping, l.Currency)
	c.money("insurance", l.Insurance, l.Currency)
	for name, list := range map[string][]Charge{"duties": l.Duties, "taxes": l.Taxes, "fees": l.Fees} {
		for i, ch := range list {
			c.index(name, i).money("amount", ch.Amount, l.Currency)
		}
	}
	t := c.at("totals")
	t.money("duties", l.Totals.Duties, l.Currency)
	t.money("taxes", l.Totals.Taxes, l.Currency)
	t.money("fees", l.Totals.Fees, l.Currency)
	t.money("landed_cost", l.Totals.LandedCost, l.Currency)
	t.money("due_at_delivery", l.Totals.DueAtDelivery, l.Currency)
	return c.err()
}
