package shopify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

func listChange(key, product string, intent commerce.RecommendationIntent, ids ...string) sdk.Change {
	r := &commerce.ProductRecommendations{
		Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop-test", ExternalID: product}, UpdatedAt: time.Now()},
		SKU:  "SKU-" + product[strings.LastIndex(product, "/")+1:], Intent: intent, Method: "cosine", GeneratedAt: time.Now(),
	}
	for k, id := range ids {
		r.Items = append(r.Items, commerce.RecommendedProduct{SKU: fmt.Sprintf("REC-%d", k), ProductID: id, Score: 1 / float64(k+1)})
	}
	return sdk.Change{IdempotencyKey: key, Action: sdk.ActionSetRecommendations, Record: r}
}

// metafieldByGraphQL reads a product metafield back the way a theme or an
// app would, through the product's metafield(namespace:, key:) field.
func metafieldByGraphQL(t *testing.T, srv *shopifytest.Server, product, key string) (string, bool) {
	t.Helper()
	q := `query($id: ID!, $ns: String!, $key: String!) { product(id: $id) { metafield(namespace: $ns, key: $key) { type value } } }`
	body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": product, "ns": RecommendationNamespace, "key": key}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/api/"+DefaultAPIVersion+"/graphql.json", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Product struct {
				Metafield *struct {
					Type  string `json:"type"`
					Value string `json:"value"`
				} `json:"metafield"`
			} `json:"product"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("read metafield: %v %v", err, out.Errors)
	}
	m := out.Data.Product.Metafield
	if m == nil {
		return "", false
	}
	if m.Type != "list.product_reference" {
		t.Fatalf("metafield type %q", m.Type)
	}
	return m.Value, true
}

func TestWriteRecommendations(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 1, Seed: 5, Products: 6})
	c := fastConnector()
	cfg := config(t, srv, nil)
	p := srv.ProductGIDs()
	changes := []sdk.Change{
		listChange("r0", p[0], commerce.IntentComplementary, p[1], p[2]),
		listChange("r1", p[1], commerce.IntentComplementary, p[0]),
		listChange("r2", p[2], commerce.IntentRelated, p[3], p[4], p[5]),
	}
	before := srv.Stats().GraphQL
	first := write(t, c, cfg, changes...)
	for i, r := range first.Results {
		if r.Status != sdk.StatusOK || r.IdempotencyKey != changes[i].IdempotencyKey || !strings.HasPrefix(r.ExternalID, "gid://shopify/Metafield/") {
			t.Fatalf("change %d: %+v", i, r)
		}
	}
	if n := srv.Stats().GraphQL - before; n != 1 {
		t.Fatalf("3 lists took %d calls, want one metafieldsSet", n)
	}
	want := map[[2]string][]string{
		{p[0], ComplementaryKey}: {p[1], p[2]},
		{p[1], ComplementaryKey}: {p[0]},
		{p[2], RelatedKey}:       {p[3], p[4], p[5]},
	}
	for k, ids := range want {
		if got := srv.ProductReferences(k[0], RecommendationNamespace, k[1]); !slices.Equal(got, ids) {
			t.Fatalf("%s %s = %v, want %v", k[0], k[1], got, ids)
		}
		v, ok := metafieldByGraphQL(t, srv, k[0], k[1])
		wantJSON, _ := json.Marshal(ids)
		if !ok || v != string(wantJSON) {
			t.Fatalf("GraphQL %s %s = %q, want %s", k[0], k[1], v, wantJSON)
		}
	}
	if _, ok := srv.ProductMetafield(p[2], RecommendationNamespace, ComplementaryKey); ok {
		t.Fatal("a related list was written as complementary too")
	}
	// the same lists again: harmless, nothing changes
	m0, _ := srv.ProductMetafield(p[0], RecommendationNamespace, ComplementaryKey)
	again := write(t, c, cfg, changes...)
	for i, r := range again.Results {
		if r.Status != sdk.StatusOK || r.ExternalID != first.Results[i].ExternalID {
			t.Fatalf("repeated change %d: %+v, first %+v", i, r, first.Results[i])
		}
	}
	if m, _ := srv.ProductMetafield(p[0], RecommendationNamespace, ComplementaryKey); m != m0 {
		t.Fatalf("setting the same list changed the metafield: %+v -> %+v", m0, m)
	}
	// a new list replaces the old one; an empty list removes it
	write(t, c, cfg, listChange("r0b", p[0], commerce.IntentComplementary, p[3]))
	if got := srv.ProductReferences(p[0], RecommendationNamespace, ComplementaryKey); !slices.Equal(got, []string{p[3]}) {
		t.Fatalf("replaced list = %v", got)
	}
	cleared := write(t, c, cfg, listChange("r0c", p[0], commerce.IntentComplementary), listChange("r5c", p[5], commerce.IntentComplementary))
	for i, r := range cleared.Results {
		if r.Status != sdk.StatusOK {
			t.Fatalf("clear %d: %+v", i, r)
		}
	}
	if _, ok := srv.ProductMetafield(p[0], RecommendationNamespace, ComplementaryKey); ok {
		t.Fatal("an empty list left the metafield in place")
	}
}

func TestWriteRecommendationsUserErrors(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 1, Seed: 6, Products: 5})
	c := fastConnector()
	cfg := config(t, srv, nil)
	p := srv.ProductGIDs()
	const ghost = "gid://shopify/Product/999999999"
	resp := write(t, c, cfg,
		listChange("ok-1", p[0], commerce.IntentComplementary, p[1]),
		listChange("bad-ref", p[1], commerce.IntentComplementary, p[2], ghost),
		listChange("bad-owner", ghost, commerce.IntentComplementary, p[0]),
		listChange("ok-2", p[3], commerce.IntentComplementary, p[4], p[0]),
		listChange("not-shopify", "sku-123", commerce.IntentComplementary, p[0]),
		sdk.Change{IdempotencyKey: "wrong-record", Action: sdk.ActionSetRecommendations, Record: &commerce.InventoryLevel{}},
	)
	tests := []struct {
		i      int
		status string
		kind   sdk.ErrorKind
		msg    string
	}{
		{0, sdk.StatusOK, "", ""},
		{1, sdk.StatusFailed, sdk.KindPermanent, "Value references non-existent resource " + ghost},
		{2, sdk.StatusFailed, sdk.KindPermanent, "Owner does not exist"},
		{3, sdk.StatusOK, "", ""},
		{4, sdk.StatusFailed, sdk.KindInvalidInput, "is not a Shopify product id"},
		{5, sdk.StatusFailed, sdk.KindInvalidInput, "needs a product_recommendations record"},
	}
	for _, tt := range tests {
		r := resp.Results[tt.i]
		if r.Status != tt.status {
			t.Fatalf("change %d: status %s, want %s: %+v", tt.i, r.Status, tt.status, r.Error)
		}
		if tt.status == sdk.StatusFailed && (r.Error == nil || r.Error.Kind != tt.kind || !strings.Contains(r.Error.Error(), tt.msg)) {
			t.Fatalf("change %d: error %v (kind %v), want %s containing %q", tt.i, r.Error, r.Error.Kind, tt.kind, tt.msg)
		}
	}
	if d := resp.Results[1].Error.Detail; !strings.Contains(d, ghost) || !strings.Contains(d, "items[1]") {
		t.Fatalf("detail %q should name the missing product", d)
	}
	// metafieldsSet is atomic: the good lists were sent again without the bad ones
	if got := srv.ProductReferences(p[0], RecommendationNamespace, ComplementaryKey); !slices.Equal(got, []string{p[1]}) {
		t.Fatalf("good list 1 = %v", got)
	}
	if got := srv.ProductReferences(p[3], RecommendationNamespace, ComplementaryKey); !slices.Equal(got, []string{p[4], p[0]}) {
		t.Fatalf("good list 2 = %v", got)
	}
	if got := srv.ProductReferences(p[1], RecommendationNamespace, ComplementaryKey); got != nil {
		t.Fatalf("the refused list was stored: %v", got)
	}
}

// TestWriteRecommendationsBatches checks the 25-metafield limit per call
// and that the calls wait for the cost bucket instead of being throttled.
func TestWriteRecommendationsBatches(t *testing.T) {
	t.Parallel()
	srv := newShop(t, shopifytest.Options{Orders: 1, Seed: 7, Products: 60, BucketSize: 12, RestoreRate: 1000})
	c := fastConnector()
	cfg := config(t, srv, nil)
	p := srv.ProductGIDs()
	var changes []sdk.Change
	for i := range 55 {
		changes = append(changes, listChange(fmt.Sprint("b", i), p[i], commerce.IntentComplementary, p[(i+1)%len(p)], p[(i+2)%len(p)]))
	}
	// a second list for product 0 in the same request: sent in a later call, so it wins
	changes = append(changes, listChange("b0-again", p[0], commerce.IntentComplementary, p[7]))
	before := srv.Stats()
	resp := write(t, c, cfg, changes...)
	for i, r := range resp.Results {
		if r.Status != sdk.StatusOK {
			t.Fatalf("change %d: %+v", i, r)
		}
	}
	after := srv.Stats()
	if n := after.GraphQL - before.GraphQL; n != 3 {
		t.Fatalf("56 lists took %d calls, want 3 (25 + 25 + 6)", n)
	}
	if n := after.Throttled - before.Throttled; n != 0 {
		t.Fatalf("%d calls were throttled: the connector should wait for the bucket", n)
	}
	for i := 1; i < 55; i++ {
		if got := srv.ProductReferences(p[i], RecommendationNamespace, ComplementaryKey); !slices.Equal(got, []string{p[(i+1)%len(p)], p[(i+2)%len(p)]}) {
			t.Fatalf("product %d: %v", i, got)
		}
	}
	if got := srv.ProductReferences(p[0], RecommendationNamespace, ComplementaryKey); !slices.Equal(got, []string{p[7]}) {
		t.Fatalf("the later list of product 0 lost: %v", got)
	}
}
