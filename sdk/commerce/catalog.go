package commerce

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// WeightUnit is a unit of mass.
type WeightUnit string

// The weight units.
const (
	Grams     WeightUnit = "g"
	Kilograms WeightUnit = "kg"
	Pounds    WeightUnit = "lb"
	Ounces    WeightUnit = "oz"
)

var gramsPer = map[WeightUnit]decimal.Decimal{
	Grams:     decimal.NewFromInt(1),
	Kilograms: decimal.NewFromInt(1000),
	Pounds:    decimal.RequireFromString("453.59237"),
	Ounces:    decimal.RequireFromString("28.349523125"),
}

// Weight is a mass with its unit, exact.
type Weight struct {
	// Value is the amount of the unit, e.g. "1.25".
	Value decimal.Decimal `json:"value"`
	// Unit is one of g, kg, lb, oz.
	Unit WeightUnit `json:"unit"`
}

// To converts w to unit u exactly (no rounding).
func (w Weight) To(u WeightUnit) (Weight, error) {
	from, ok := gramsPer[w.Unit]
	if !ok {
		return Weight{}, fmt.Errorf("commerce: unknown weight unit %q: use g, kg, lb or oz", w.Unit)
	}
	to, ok := gramsPer[u]
	if !ok {
		return Weight{}, fmt.Errorf("commerce: unknown weight unit %q: use g, kg, lb or oz", u)
	}
	if w.Unit == u {
		return w, nil
	}
	return Weight{Value: w.Value.Mul(from).DivRound(to, 12), Unit: u}, nil
}

// LengthUnit is a unit of length for parcel and product dimensions.
type LengthUnit string

// The length units.
const (
	Centimetres LengthUnit = "cm"
	Inches      LengthUnit = "in"
	Millimetres LengthUnit = "mm"
)

// Dimensions are the outer length, width and height of an item or parcel.
type Dimensions struct {
	Length decimal.Decimal `json:"length"`
	Width  decimal.Decimal `json:"width"`
	Height decimal.Decimal `json:"height"`
	// Unit is one of cm, in, mm.
	Unit LengthUnit `json:"unit"`
}

// Product is a sellable product with its variants.
type Product struct {
	Meta
	// Title is the product's name as the channel shows it.
	Title string `json:"title"`
	// Handle is the URL slug, where the channel has one.
	Handle string `json:"handle,omitempty"`
	// Vendor is the brand or supplier name.
	Vendor string `json:"vendor,omitempty"`
	// Category is the product type or category path.
	Category string `json:"category,omitempty"`
	// Status is active, draft or archived.
	Status string `json:"status,omitempty"`
	// Tags are the channel's free-form tags.
	Tags []string `json:"tags,omitempty"`
	// Variants are the purchasable variants; a product without options has one.
	Variants []Variant `json:"variants"`
}

// Variant is one purchasable version of a product (a size, a colour), the
// unit that stock and order lines refer to.
type Variant struct {
	// ExternalID is the upstream's id of the variant.
	ExternalID string `json:"external_id"`
	// SKU is the merchant's stock-keeping unit, the key that joins channels.
	SKU string `json:"sku,omitempty"`
	// Barcode is the GTIN, EAN, UPC or ISBN.
	Barcode string `json:"barcode,omitempty"`
	// Title names the variant within its product, e.g. "M / Black".
	Title string `json:"title,omitempty"`
	// Price is the selling price in the channel's currency.
	Price *Money `json:"price,omitempty"`
	// CompareAtPrice is the "was" price, if any.
	CompareAtPrice *Money `json:"compare_at_price,omitempty"`
	// Cost is the unit cost to the merchant, if known.
	Cost *Money `json:"cost,omitempty"`
	// InventoryItemID is the upstream's id of the stock-tracked item, where it
	// differs from the variant id (Shopify's InventoryItem).
	InventoryItemID string `json:"inventory_item_id,omitempty"`
	// Weight is the shipping weight of one unit.
	Weight *Weight `json:"weight,omitempty"`
	// Dimensions are the packed dimensions of one unit.
	Dimensions *Dimensions `json:"dimensions,omitempty"`
	// HSCode is the Harmonized System code, 6 digits or a national 8/10-digit code.
	HSCode string `json:"hs_code,omitempty"`
	// CountryOfOrigin is the ISO 3166-1 alpha-2 country where it was made.
	CountryOfOrigin string `json:"country_of_origin,omitempty"`
	// Options are the option values, e.g. ["M", "Black"].
	Options []string `json:"options,omitempty"`
	// Tracked says whether the channel tracks stock for it.
	Tracked bool `json:"tracked,omitempty"`
	// RequiresShipping is false for digital goods and services.
	RequiresShipping bool `json:"requires_shipping,omitempty"`
}

// Kind returns KindProduct.
func (*Product) Kind() Kind { return KindProduct }

// Validate checks the product and its variants.
func (p *Product) Validate() error {
	c := newChecker(KindProduct)
	c.meta(p.Meta)
	if p.Deleted {
		return c.err()
	}
	c.required("title", p.Title)
	c.oneOf("status", p.Status, "active", "draft", "archived")
	seen := map[string]int{}
	for i, v := range p.Variants {
		vc := c.index("variants", i)
		vc.required("external_id", v.ExternalID)
		if j, dup := seen[v.ExternalID]; dup && v.ExternalID != "" {
			vc.fail("external_id", "duplicates variants[%d]", j)
		}
		seen[v.ExternalID] = i
		vc.optMoney("price", v.Price, "")
		vc.optMoney("compare_at_price", v.CompareAtPrice, "")
		vc.optMoney("cost", v.Cost, "")
		if v.Weight != nil {
			if _, ok := gramsPer[v.Weight.Unit]; !ok {
				vc.fail("weight.unit", "%q is not one of g, kg, lb, oz", v.Weight.Unit)
			}
			vc.nonNegativeDecimal("weight.value", v.Weight.Value)
		}
		if d := v.Dimensions; d != nil {
			vc.oneOf("dimensions.unit", string(d.Unit), "cm", "in", "mm")
			if d.Unit == "" {
				vc.fail("dimensions.unit", "is required: cm, in or mm")
			}
			vc.nonNegativeDecimal("dimensions.length", d.Length)
			vc.nonNegativeDecimal("dimensions.width", d.Width)
			vc.nonNegativeDecimal("dimensions.height", d.Height)
		}
		vc.hsCode("hs_code", v.HSCode)
		vc.country("country_of_origin", v.CountryOfOrigin)
	}
	return c.err()
}

// VariantBySKU returns the variant with the given SKU.
func (p *Product) VariantBySKU(sku string) (Variant, bool) {
	for _, v := range p.Variants {
		if v.SKU == sku {
			return v, true
		}
	}
	return Variant{}, false
}
