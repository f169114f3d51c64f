package shopifytest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// metafield is a product's metafield.
type metafield struct {
	id                   int64
	namespace, key, typ  string
	value                string
	createdAt, updatedAt time.Time
}

// Metafield is a stored product metafield, for tests.
type Metafield struct {
	ID, Namespace, Key, Type, Value string
	UpdatedAt                       time.Time
}

// The namespace and keys of the product recommendation metafields that
// Shopify's Search & Discovery app defines (standard definitions, type
// list.product_reference).
const (
	RecommendationNamespace = "shopify--discovery--product_recommendation"
	ComplementaryKey        = "complementary_products"
	RelatedKey              = "related_products"
)

// maxMetafieldsSet is Shopify's limit on metafields per metafieldsSet call.
const maxMetafieldsSet = 25

// maxListValues is Shopify's limit on the values of a list metafield.
const maxListValues = 128

// standardDefinitions are the metafield definitions the fake shop has, by
// namespace.key: a value of another type is refused, as for a definition
// on Shopify.
var standardDefinitions = map[string]string{
	RecommendationNamespace + "." + ComplementaryKey: "list.product_reference",
	RecommendationNamespace + "." + RelatedKey:       "list.product_reference",
}

// metafieldTypes are the types the fake accepts without a definition;
// product references are checked, the others are stored as given.
var metafieldTypes = map[string]bool{"single_line_text_field": true, "multi_line_text_field": true, "number_integer": true,
	"boolean": true, "json": true, "product_reference": true, "list.product_reference": true, "list.single_line_text_field": true}

var metafieldSeq int64 = 30_000_000_000

// ProductMetafield returns a product's metafield, if set.
func (s *Server) ProductMetafield(productGID, namespace, key string) (Metafield, bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	p := s.productByGID(productGID)
	if p == nil {
		return Metafield{}, false
	}
	m := p.metafields[namespace+"."+key]
	if m == nil {
		return Metafield{}, false
	}
	return Metafield{ID: gid("Metafield", m.id), Namespace: m.namespace, Key: m.key, Type: m.typ, Value: m.value, UpdatedAt: m.updatedAt}, true
}

// ProductReferences returns the product ids in a product's
// list.product_reference metafield, in order; nil when it is not set.
func (s *Server) ProductReferences(productGID, namespace, key string) []string {
	m, ok := s.ProductMetafield(productGID, namespace, key)
	if !ok {
		return nil
	}
	var ids []string
	_ = json.Unmarshal([]byte(m.Value), &ids)
	return ids
}

type metafieldObj struct {
	m     *metafield
	owner string
}

func (metafieldObj) typename() string { return "Metafield" }

func (x *metafieldObj) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	m := x.m
	switch field {
	case "id":
		return gid("Metafield", m.id), nil
	case "namespace":
		return m.namespace, nil
	case "key":
		return m.key, nil
	case "type":
		return m.typ, nil
	case "value":
		return m.value, nil
	case "ownerType":
		return enumValue("PRODUCT"), nil
	case "createdAt":
		return gqlTime(m.createdAt), nil
	case "updatedAt":
		return gqlTime(m.updatedAt), nil
	}
	return nil, errNoField
}

// metafieldsSetError is a MetafieldsSetUserError.
func metafieldsSetError(code, msg string, elementIndex *int, field ...string) *payload {
	p := failed("MetafieldsSetPayload", "MetafieldsSetUserError", code, msg, field...)
	p.errs[0].(*userError).elementIndex = elementIndex
	p.fields = map[string]any{"metafields": nil}
	return p
}

// metafieldsSet sets up to 25 metafields atomically: every input is
// checked first (owner exists, namespace and key given, type known and
// matching the definition, value valid for the type: a JSON list of
// existing product ids for list.product_reference), and nothing is stored
// when one is wrong. Setting a metafield to its current value changes
// nothing, not even updatedAt.
func (s *Server) metafieldsSet(args map[string]any) (gqlObject, error) {
	in, _ := args["metafields"].([]any)
	if len(in) == 0 {
		return metafieldsSetError("BLANK", "Metafields can't be blank.", nil, "metafields"), nil
	}
	if len(in) > maxMetafieldsSet {
		return metafieldsSetError("LESS_THAN_OR_EQUAL_TO", fmt.Sprintf("Exceeded the maximum metafields input limit of %d.", maxMetafieldsSet), nil, "metafields"), nil
	}
	type planned struct {
		p                   *product
		namespace, key, typ string
		value               string
	}
	plan := make([]planned, 0, len(in))
	for i, raw := range in {
		m, _ := raw.(map[string]any)
		idx := fmt.Sprint(i)
		str := func(k string) string { v, _ := m[k].(string); return v }
		owner := str("ownerId")
		p := s.productByGID(owner)
		if p == nil {
			if typ, _, _, ok := parseGID(owner); !ok || typ != "Product" {
				return metafieldsSetError("INVALID", fmt.Sprintf("Owner %q is not a product id; the Shopify fake stores product metafields only.", owner), nil, "metafields", idx, "ownerId"), nil
			}
			return metafieldsSetError("INVALID", "Owner does not exist.", nil, "metafields", idx, "ownerId"), nil
		}
		ns, key, typ, value := str("namespace"), str("key"), str("type"), str("value")
		if ns == "" {
			return metafieldsSetError("BLANK", "Namespace can't be blank.", nil, "metafields", idx, "namespace"), nil
		}
		if key == "" {
			return metafieldsSetError("BLANK", "Key can't be blank.", nil, "metafields", idx, "key"), nil
		}
		def := standardDefinitions[ns+"."+key]
		if typ == "" {
			typ = def
			if cur := p.metafields[ns+"."+key]; typ == "" && cur != nil {
				typ = cur.typ
			}
			if typ == "" {
				return metafieldsSetError("BLANK", "Type can't be blank.", nil, "metafields", idx, "type"), nil
			}
		}
		if !metafieldTypes[typ] {
			return metafieldsSetError("INVALID_TYPE", fmt.Sprintf("Type %q is not a valid metafield type.", typ), nil, "metafields", idx, "type"), nil
		}
		if def != "" && typ != def {
			return metafieldsSetError("INVALID_TYPE", fmt.Sprintf("Type must be %s to match the metafield definition %s.%s.", def, ns, key), nil, "metafields", idx, "type"), nil
		}
		if strings.TrimSpace(value) == "" {
			return metafieldsSetError("BLANK", "Value can't be blank.", nil, "metafields", idx, "value"), nil
		}
		switch typ {
		case "list.product_reference":
			var ids []string
			if err := json.Unmarshal([]byte(value), &ids); err != nil {
				return metafieldsSetError("INVALID_VALUE", "Value must be a JSON array of product ids.", nil, "metafields", idx, "value"), nil
			}
			if len(ids) > maxListValues {
				return metafieldsSetError("INVALID_VALUE", fmt.Sprintf("Value has %d items; a list holds at most %d.", len(ids), maxListValues), nil, "metafields", idx, "value"), nil
			}
			for j, id := range ids {
				if s.productByGID(id) == nil {
					return metafieldsSetError("INVALID_VALUE", fmt.Sprintf("Value references non-existent resource %s.", id), &j, "metafields", idx, "value"), nil
				}
			}
			b, _ := json.Marshal(ids)
			value = string(b)
		case "product_reference":
			if s.productByGID(value) == nil {
				return metafieldsSetError("INVALID_VALUE", fmt.Sprintf("Value references non-existent resource %s.", value), nil, "metafields", idx, "value"), nil
			}
		}
		plan = append(plan, planned{p: p, namespace: ns, key: key, typ: typ, value: value})
	}
	out := make([]gqlObject, 0, len(plan))
	now := s.st.stamp()
	for _, pl := range plan {
		if pl.p.metafields == nil {
			pl.p.metafields = map[string]*metafield{}
		}
		k := pl.namespace + "." + pl.key
		m := pl.p.metafields[k]
		if m == nil {
			metafieldSeq++
			m = &metafield{id: metafieldSeq, namespace: pl.namespace, key: pl.key, createdAt: now}
			pl.p.metafields[k] = m
		}
		if m.typ != pl.typ || m.value != pl.value {
			m.typ, m.value, m.updatedAt = pl.typ, pl.value, now
		}
		out = append(out, &metafieldObj{m: m, owner: gid("Product", pl.p.id)})
	}
	return &payload{typ: "MetafieldsSetPayload", fields: map[string]any{"metafields": out}}, nil
}

// metafieldsDelete deletes metafields by owner, namespace and key; a
// metafield that does not exist is answered with null, as on Shopify.
func (s *Server) metafieldsDelete(args map[string]any) (gqlObject, error) {
	in, _ := args["metafields"].([]any)
	if len(in) == 0 {
		return failed("MetafieldsDeletePayload", "UserError", "", "Metafields can't be blank.", "metafields"), nil
	}
	deleted := make(nullableList, 0, len(in))
	for _, raw := range in {
		m, _ := raw.(map[string]any)
		str := func(k string) string { v, _ := m[k].(string); return v }
		p := s.productByGID(str("ownerId"))
		k := str("namespace") + "." + str("key")
		if p == nil || p.metafields[k] == nil {
			deleted = append(deleted, nil)
			continue
		}
		delete(p.metafields, k)
		deleted = append(deleted, &metafieldIdentifier{owner: str("ownerId"), namespace: str("namespace"), key: str("key")})
	}
	return &payload{typ: "MetafieldsDeletePayload", fields: map[string]any{"deletedMetafields": deleted}}, nil
}

type metafieldIdentifier struct{ owner, namespace, key string }

func (metafieldIdentifier) typename() string { return "MetafieldIdentifier" }

func (x *metafieldIdentifier) resolve(ec *execCtx, field string, args map[string]any) (any, error) {
	switch field {
	case "ownerId":
		return x.owner, nil
	case "namespace":
		return x.namespace, nil
	case "key":
		return x.key, nil
	}
	return nil, errNoField
}
