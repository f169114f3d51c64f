package commerce

import (
	"math"
	"time"
)

// RecommendationIntent says how a channel should present a list of
// recommended products.
type RecommendationIntent string

// The intents. Shopify shows complementary products in "Pair it with" and
// related products in "You may also like".
const (
	// IntentComplementary is "frequently bought together": products that
	// go with the product, shown next to it.
	IntentComplementary RecommendationIntent = "complementary"
	// IntentRelated is "you may also like": products similar to it.
	IntentRelated RecommendationIntent = "related"
)

// MaxRecommendedProducts is the longest list of recommended products a
// ProductRecommendations record may carry.
const MaxRecommendedProducts = 50

// ProductRecommendations is the ordered list of products a channel should
// show with one of its products, as Supplyhub's recommender computed it
// from the unified order history. It is written to the channel (action
// set_recommendations); Source is the channel connection and the
// channel's own id of the product the list belongs to, e.g.
// "gid://shopify/Product/8123456789".
type ProductRecommendations struct {
	Meta
	// SKU is a SKU of the product (its first variant's, for a product with
	// several), for people reading the list.
	SKU string `json:"sku"`
	// Intent is complementary (frequently bought together) or related.
	Intent RecommendationIntent `json:"intent"`
	// Method is the recommender method that produced the list, e.g. "cosine".
	Method string `json:"method"`
	// GeneratedAt is when the list was computed.
	GeneratedAt time.Time `json:"generated_at"`
	// Items are the recommended products, best first; an empty list
	// clears the channel's list.
	Items []RecommendedProduct `json:"items"`
}

// RecommendedProduct is one product of a recommendation list.
type RecommendedProduct struct {
	// SKU is the recommended SKU.
	SKU string `json:"sku"`
	// ProductID is the channel's id of the product that has the SKU, e.g.
	// "gid://shopify/Product/8123456790".
	ProductID string `json:"product_id"`
	// Score orders the list; scores of different lists are not comparable.
	Score float64 `json:"score"`
}

// Kind returns KindProductRecommendations.
func (*ProductRecommendations) Kind() Kind { return KindProductRecommendations }

// Validate checks the list: every item names a SKU and a product, no
// product appears twice or recommends itself, scores are finite and the
// list holds at most MaxRecommendedProducts items.
func (r *ProductRecommendations) Validate() error {
	c := newChecker(KindProductRecommendations)
	c.meta(r.Meta)
	if r.Deleted {
		return c.err()
	}
	c.required("sku", r.SKU)
	c.required("intent", string(r.Intent))
	c.oneOf("intent", string(r.Intent), string(IntentComplementary), string(IntentRelated))
	c.required("method", r.Method)
	c.time("generated_at", r.GeneratedAt)
	if len(r.Items) > MaxRecommendedProducts {
		c.fail("items", "holds %d products; at most %d are allowed", len(r.Items), MaxRecommendedProducts)
	}
	seen := map[string]int{}
	for i, it := range r.Items {
		ic := c.index("items", i)
		ic.required("sku", it.SKU)
		ic.required("product_id", it.ProductID)
		if it.ProductID != "" && it.ProductID == r.Source.ExternalID {
			ic.fail("product_id", "is the product the list belongs to: a product cannot recommend itself")
		}
		if j, dup := seen[it.ProductID]; dup && it.ProductID != "" {
			ic.fail("product_id", "%q is already items[%d]: list each product once", it.ProductID, j)
		}
		seen[it.ProductID] = i
		if math.IsNaN(it.Score) || math.IsInf(it.Score, 0) {
			ic.fail("score", "must be a finite number (got %v)", it.Score)
		}
	}
	return c.err()
}

// ProductIDs returns the channel product ids of the items, in order.
func (r *ProductRecommendations) ProductIDs() []string {
	out := make([]string, len(r.Items))
	for i, it := range r.Items {
		out[i] = it.ProductID
	}
	return out
}

var _ Record = (*ProductRecommendations)(nil)
