package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// The product metafields that Shopify's Search & Discovery app defines
// for product recommendations (standard definitions, both of type
// list.product_reference). Themes read them through the Product
// Recommendations API: intent=complementary shows complementary_products
// ("Pair it with"), intent=related shows related_products.
const (
	RecommendationNamespace = "shopify--discovery--product_recommendation"
	ComplementaryKey        = "complementary_products"
	RelatedKey              = "related_products"
	// metafieldsPerCall is metafieldsSet's limit on metafields per call.
	metafieldsPerCall = 25
)

const metafieldsSetMutation = `mutation SetMetafields($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { metafields { id namespace key } userErrors { field message code elementIndex } }
}`

const metafieldsDeleteMutation = `mutation DeleteMetafields($metafields: [MetafieldIdentifierInput!]!) {
  metafieldsDelete(metafields: $metafields) { deletedMetafields { ownerId namespace key } userErrors { field message } }
}`

// recChange is a set_recommendations change checked and turned into a
// metafield input; i is its index in the request.
type recChange struct {
	i     int
	key   string // the change's idempotency key
	owner string
	mkey  string // metafield key
	ids   []string
}

func (r recChange) input() map[string]any {
	v, _ := json.Marshal(r.ids)
	return map[string]any{"ownerId": r.owner, "namespace": RecommendationNamespace, "key": r.mkey, "type": "list.product_reference", "value": string(v)}
}

// checkRecommendations turns a set_recommendations change into a
// metafield write, or says why it cannot be one.
func checkRecommendations(i int, ch sdk.Change) (recChange, error) {
	rec, ok := ch.Record.(*commerce.ProductRecommendations)
	if !ok || rec == nil {
		return recChange{}, sdk.InvalidInput("shopify: %s needs a product_recommendations record, got %T", ch.Action, ch.Record)
	}
	if err := rec.Validate(); err != nil {
		return recChange{}, sdk.InvalidInput("shopify: %s: %v", ch.Action, err)
	}
	rc := recChange{i: i, key: ch.IdempotencyKey, owner: rec.Source.ExternalID, mkey: ComplementaryKey, ids: rec.ProductIDs()}
	if rec.Intent == commerce.IntentRelated {
		rc.mkey = RelatedKey
	}
	if !strings.HasPrefix(rc.owner, "gid://shopify/Product/") {
		return recChange{}, sdk.InvalidInput("shopify: %s: source.external_id %q is not a Shopify product id such as gid://shopify/Product/8123456789", ch.Action, rc.owner)
	}
	for k, id := range rc.ids {
		if !strings.HasPrefix(id, "gid://shopify/Product/") {
			return recChange{}, sdk.InvalidInput("shopify: %s: items[%d].product_id %q is not a Shopify product id such as gid://shopify/Product/8123456789", ch.Action, k, id)
		}
	}
	return rc, nil
}

// setRecommendations writes product recommendation lists as metafields:
// non-empty lists with metafieldsSet, at most 25 per call, empty lists
// with metafieldsDelete. metafieldsSet is atomic, so when Shopify refuses
// some inputs (userErrors), those changes fail with Shopify's message and
// the others are sent again without them. Setting a list to its current
// value changes nothing, so a retried change is harmless. It fills res at
// each change's index.
func (c *Connector) setRecommendations(ctx context.Context, cl *client, conn string, changes []recChange, res []sdk.ChangeResult) error {
	var sets, dels []recChange
	for _, rc := range changes {
		if len(rc.ids) == 0 {
			dels = append(dels, rc)
		} else {
			sets = append(sets, rc)
		}
	}
	// One call never names the same metafield twice: a later change of
	// the same product goes into a later call, so the last one wins.
	for len(sets) > 0 {
		var batch, rest []recChange
		seen := map[string]bool{}
		for _, rc := range sets {
			k := rc.owner + "\x00" + rc.mkey
			if len(batch) == metafieldsPerCall || seen[k] {
				rest = append(rest, rc)
				continue
			}
			seen[k] = true
			batch = append(batch, rc)
		}
		if err := c.setBatch(ctx, cl, conn, batch, res); err != nil {
			return err
		}
		sets = rest
	}
	for start := 0; start < len(dels); start += metafieldsPerCall {
		if err := c.deleteBatch(ctx, cl, conn, dels[start:min(start+metafieldsPerCall, len(dels))], res); err != nil {
			return err
		}
	}
	return nil
}

type metafieldsSetUserError struct {
	Field        []string `json:"field"`
	Message      string   `json:"message"`
	Code         string   `json:"code"`
	ElementIndex *int     `json:"elementIndex"`
}

// setBatch sends one metafieldsSet call, and again without the inputs
// Shopify refused until it succeeds or nothing is left. A failure of the
// whole call fails every change of the batch; only authentication
// failures and cancellation are returned.
func (c *Connector) setBatch(ctx context.Context, cl *client, conn string, batch []recChange, res []sdk.ChangeResult) error {
	for len(batch) > 0 {
		inputs := make([]any, len(batch))
		keys := make([]string, len(batch))
		for k, rc := range batch {
			inputs[k] = rc.input()
			keys[k] = rc.key
		}
		var out struct {
			MetafieldsSet struct {
				Metafields []struct {
					ID string `json:"id"`
				} `json:"metafields"`
				UserErrors []metafieldsSetUserError `json:"userErrors"`
			} `json:"metafieldsSet"`
		}
		// Setting a value is idempotent: the call is safe to repeat.
		key := IdempotencyKey(conn, "metafields\x00"+strings.Join(keys, "\x00"))
		if _, err := cl.doKeyed(ctx, "set metafields", metafieldsSetMutation, map[string]any{"metafields": inputs}, 10, nil, &out, key); err != nil {
			if ctx.Err() != nil || sdk.KindOf(err) == sdk.KindAuthentication {
				return err
			}
			for _, rc := range batch {
				fail(res, rc.i, err, "set recommendations of %s", rc.owner)
			}
			return nil
		}
		ue := out.MetafieldsSet.UserErrors
		if len(ue) == 0 {
			for k, rc := range batch {
				res[rc.i].Status = sdk.StatusOK
				if k < len(out.MetafieldsSet.Metafields) {
					res[rc.i].ExternalID = out.MetafieldsSet.Metafields[k].ID
				}
			}
			return nil
		}
		bad := map[int]metafieldsSetUserError{}
		for _, e := range ue {
			if len(e.Field) >= 2 && e.Field[0] == "metafields" {
				if k, err := strconv.Atoi(e.Field[1]); err == nil && k >= 0 && k < len(batch) {
					if _, dup := bad[k]; !dup {
						bad[k] = e
					}
				}
			}
		}
		if len(bad) == 0 {
			// Shopify did not say which input: find out one by one.
			if len(batch) == 1 {
				res[batch[0].i].Status, res[batch[0].i].Error = sdk.StatusFailed, userErr(batch[0], ue[0])
				return nil
			}
			for _, rc := range batch {
				if err := c.setBatch(ctx, cl, conn, []recChange{rc}, res); err != nil {
					return err
				}
			}
			return nil
		}
		var keep []recChange
		for k, rc := range batch {
			if e, ok := bad[k]; ok {
				res[rc.i].Status, res[rc.i].Error = sdk.StatusFailed, userErr(rc, e)
				continue
			}
			keep = append(keep, rc)
		}
		batch = keep
	}
	return nil
}

// userErr turns Shopify's refusal of a metafield into a change's error.
func userErr(rc recChange, e metafieldsSetUserError) *sdk.Error {
	cause := fmt.Errorf("%s (%s, field %s)", e.Message, e.Code, strings.Join(e.Field, "."))
	switch e.Code {
	case "INVALID_VALUE":
		detail := "a recommended product may have been deleted in Shopify; the next push sends a fresh list"
		if e.ElementIndex != nil && *e.ElementIndex >= 0 && *e.ElementIndex < len(rc.ids) {
			detail = fmt.Sprintf("the recommended product %s (items[%d]) may have been deleted in Shopify; the next push sends a fresh list", rc.ids[*e.ElementIndex], *e.ElementIndex)
		}
		return sdk.Permanent(cause, "shopify: set recommendations of %s", rc.owner).WithDetail("%s", detail)
	case "INVALID_TYPE":
		return sdk.Permanent(cause, "shopify: set recommendations of %s", rc.owner).
			WithDetail("the shop's metafield definition %s.%s is not list.product_reference; restore the Search & Discovery app's definition", RecommendationNamespace, rc.mkey)
	case "INVALID", "BLANK":
		return sdk.Permanent(cause, "shopify: set recommendations of %s", rc.owner).
			WithDetail("the product may have been deleted in Shopify, or the id belongs to another shop")
	}
	return sdk.InvalidInput("shopify: set recommendations of %s: %v", rc.owner, cause)
}

// fail marks change i failed with err, wrapped as retryable when it is
// not an sdk error already (asSDKError).
func fail(res []sdk.ChangeResult, i int, err error, format string, args ...any) {
	res[i].Status, res[i].Error = sdk.StatusFailed, asSDKError(err, "shopify: "+format, args...)
}

// deleteBatch removes the metafields of empty lists; a metafield that is
// not there is already removed.
func (c *Connector) deleteBatch(ctx context.Context, cl *client, conn string, batch []recChange, res []sdk.ChangeResult) error {
	inputs := make([]any, len(batch))
	for k, rc := range batch {
		inputs[k] = map[string]any{"ownerId": rc.owner, "namespace": RecommendationNamespace, "key": rc.mkey}
	}
	var out struct {
		MetafieldsDelete struct {
			UserErrors []struct {
				Field   []string `json:"field"`
				Message string   `json:"message"`
			} `json:"userErrors"`
		} `json:"metafieldsDelete"`
	}
	keys := make([]string, len(batch))
	for k, rc := range batch {
		keys[k] = rc.key
	}
	key := IdempotencyKey(conn, "metafields-delete\x00"+strings.Join(keys, "\x00"))
	if _, err := cl.doKeyed(ctx, "delete metafields", metafieldsDeleteMutation, map[string]any{"metafields": inputs}, 10, nil, &out, key); err != nil {
		if ctx.Err() != nil || sdk.KindOf(err) == sdk.KindAuthentication {
			return err
		}
		for _, rc := range batch {
			fail(res, rc.i, err, "clear recommendations of %s", rc.owner)
		}
		return nil
	}
	if ue := out.MetafieldsDelete.UserErrors; len(ue) > 0 {
		for _, rc := range batch {
			res[rc.i].Status = sdk.StatusFailed
			res[rc.i].Error = sdk.InvalidInput("shopify: clear recommendations of %s: %s (field %s)", rc.owner, ue[0].Message, strings.Join(ue[0].Field, "."))
		}
		return nil
	}
	for _, rc := range batch {
		res[rc.i].Status = sdk.StatusOK
	}
	return nil
}
