package recommend

import "github.com/supplyhub/supplyhub/sdk/commerce"

// ItemInfo is what the recommender knows of a SKU besides its orders: the
// groups a new SKU falls back to when it has too few orders of its own.
type ItemInfo struct {
	// Category is the product type or category path, e.g. "Cameras".
	Category string
	// Vendor is the brand or supplier.
	Vendor string
}

// Catalog maps SKUs to their category and vendor.
type Catalog map[string]ItemInfo

// AddProduct records the category and vendor of every variant of p that has
// a SKU. A deleted product is ignored.
func (c Catalog) AddProduct(p *commerce.Product) {
	if p.Deleted {
		return
	}
	for _, v := range p.Variants {
		if v.SKU != "" {
			c[v.SKU] = ItemInfo{Category: p.Category, Vendor: p.Vendor}
		}
	}
}

// CatalogFromProducts builds a Catalog from products of the unified model.
func CatalogFromProducts(products []commerce.Product) Catalog {
	c := Catalog{}
	for i := range products {
		c.AddProduct(&products[i])
	}
	return c
}
