package shopify

import "strings"

// The GraphQL documents the connector sends. Page sizes of nested
// connections are kept small so that a page of orders stays under
// Shopify's 1000-point single query limit; the rare order with more lines,
// shipping lines, refund lines or fulfilment lines is completed with
// follow-up queries, and refunds and fulfilments are fetched by id in
// batches.

const fragBag = `fragment Bag on MoneyBag { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }`

const fragsOrder = fragBag + `
fragment Tax on TaxLine { title rate priceSet { ...Bag } }
fragment Addr on MailingAddress { name firstName lastName company address1 address2 city province provinceCode zip countryCodeV2 phone latitude longitude }
fragment Alloc on DiscountAllocation { allocatedAmountSet { ...Bag } discountApplication { __typename ... on DiscountCodeApplication { code } ... on AutomaticDiscountApplication { title } ... on ManualDiscountApplication { title } ... on ScriptDiscountApplication { title } } }
fragment Line on LineItem { id name sku quantity requiresShipping originalUnitPriceSet { ...Bag } taxLines { ...Tax } discountAllocations { ...Alloc } variant { id } product { id } }
fragment Ship on ShippingLine { id title code source originalPriceSet { ...Bag } discountedPriceSet { ...Bag } taxLines { ...Tax } discountAllocations { ...Alloc } }
fragment OrderCore on Order { id name createdAt updatedAt cancelledAt cancelReason closedAt currencyCode presentmentCurrencyCode
  displayFinancialStatus displayFulfillmentStatus taxesIncluded tags email
  customer { id firstName lastName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } }
  shippingAddress { ...Addr } billingAddress { ...Addr }
  subtotalPriceSet { ...Bag } totalDiscountsSet { ...Bag } totalShippingPriceSet { ...Bag } totalTaxSet { ...Bag } totalPriceSet { ...Bag }
  taxLines { ...Tax } }`

// Nested page sizes of the orders page query.
const (
	pageLines     = 8
	pageShipLines = 2
	pageChildIDs  = 10
)

var ordersPageQuery = `query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderCore
      lineItems(first: ` + itoa(pageLines) + `) { pageInfo { hasNextPage endCursor } nodes { ...Line } }
      shippingLines(first: ` + itoa(pageShipLines) + `) { pageInfo { hasNextPage endCursor } nodes { ...Ship } }
      refunds(first: ` + itoa(pageChildIDs) + `) { id }
      fulfillments(first: ` + itoa(pageChildIDs) + `) { id }
    }
  }
}
` + fragsOrder

// ordersByIDQuery re-reads orders by id (ReadRequest.IDs), with enough
// room for refunds and fulfilments.
var ordersByIDQuery = `query OrdersByID($ids: [ID!]!) {
  nodes(ids: $ids) { __typename ... on Order { ...OrderCore
      lineItems(first: ` + itoa(pageLines) + `) { pageInfo { hasNextPage endCursor } nodes { ...Line } }
      shippingLines(first: ` + itoa(pageShipLines) + `) { pageInfo { hasNextPage endCursor } nodes { ...Ship } }
      refunds(first: 50) { id }
      fulfillments(first: 50) { id }
  } }
}
` + fragsOrder

const orderLinesQuery = `query OrderLines($id: ID!, $first: Int!, $after: String) {
  node(id: $id) { ... on Order { lineItems(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...Line } } } }
}
` + fragsOrder

const orderShipLinesQuery = `query OrderShippingLines($id: ID!, $first: Int!, $after: String) {
  node(id: $id) { ... on Order { shippingLines(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...Ship } } } }
}
` + fragsOrder

const orderChildIDsQuery = `query OrderChildren($id: ID!, $first: Int!) {
  node(id: $id) { ... on Order { refunds(first: $first) { id } fulfillments(first: $first) { id } } }
}`

const fragsChildren = fragBag + `
fragment RefundFields on Refund { id createdAt note totalRefundedSet { ...Bag }
  refundLineItems(first: 10) { pageInfo { hasNextPage endCursor } nodes { ...RefundLine } } }
fragment RefundLine on RefundLineItem { id quantity restockType location { id } lineItem { id sku } subtotalSet { ...Bag } totalTaxSet { ...Bag } }
fragment FulfillmentFields on Fulfillment { id createdAt updatedAt status displayStatus estimatedDeliveryAt deliveredAt
  location { id } trackingInfo(first: 5) { company number url }
  fulfillmentLineItems(first: 10) { pageInfo { hasNextPage endCursor } nodes { ...FulfillmentLine } } }
fragment FulfillmentLine on FulfillmentLineItem { id quantity lineItem { id sku } }`

// childrenQuery fetches refunds and fulfilments by id; a refund costs about
// 122 points, so batches hold at most 8 ids (fewer under a lower limit).
const childrenQuery = `query Children($ids: [ID!]!) {
  nodes(ids: $ids) { __typename ... on Refund { ...RefundFields } ... on Fulfillment { ...FulfillmentFields } }
}
` + fragsChildren

// Costs of one item of each follow-up, as Shopify prices them, for
// sizing the pages.
const (
	costLine            = 15
	costShipLine        = 16
	costRefundLine      = 10
	costFulfillmentLine = 3
	costVariant         = 6
	costChild           = 122
	costOrderByID       = 281
	costProduct         = 124
	costLevel           = 5
)

const refundLinesQuery = `query RefundLines($id: ID!, $first: Int!, $after: String) {
  node(id: $id) { ... on Refund { refundLineItems(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...RefundLine } } } }
}
` + fragsChildren

const fulfillmentLinesQuery = `query FulfillmentLines($id: ID!, $first: Int!, $after: String) {
  node(id: $id) { ... on Fulfillment { fulfillmentLineItems(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...FulfillmentLine } } } }
}
` + fragsChildren

// bulkOrdersQuery is the bulk export of orders: five connections
// (orders, lineItems, shippingLines, refundLineItems, fulfillmentLineItems),
// two levels deep, the limits of a bulk query. Nested nodes carry
// __typename so that each JSONL line is decoded once.
const bulkOrdersQuery = `{
  orders(query: $QUERY) { edges { node {
    id name createdAt updatedAt cancelledAt cancelReason closedAt currencyCode presentmentCurrencyCode
    displayFinancialStatus displayFulfillmentStatus taxesIncluded tags email
    customer { id firstName lastName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } }
    shippingAddress { $ADDR } billingAddress { $ADDR }
    subtotalPriceSet { $BAG } totalDiscountsSet { $BAG } totalShippingPriceSet { $BAG } totalTaxSet { $BAG } totalPriceSet { $BAG }
    taxLines { $TAX }
    lineItems { edges { node { __typename id name sku quantity requiresShipping originalUnitPriceSet { $BAG } taxLines { $TAX } discountAllocations { $ALLOC } variant { id } product { id } } } }
    shippingLines { edges { node { __typename id title code source originalPriceSet { $BAG } discountedPriceSet { $BAG } taxLines { $TAX } discountAllocations { $ALLOC } } } }
    refunds { id createdAt note totalRefundedSet { $BAG }
      refundLineItems { edges { node { __typename id quantity restockType location { id } lineItem { id sku } subtotalSet { $BAG } totalTaxSet { $BAG } } } } }
    fulfillments { id createdAt updatedAt status displayStatus estimatedDeliveryAt deliveredAt location { id } trackingInfo { company number url }
      fulfillmentLineItems { edges { node { __typename id quantity lineItem { id sku } } } } }
  } } }
}`

const fragsProduct = `
fragment Variant on ProductVariant { id sku barcode title price compareAtPrice selectedOptions { value }
  inventoryItem { id tracked requiresShipping countryCodeOfOrigin harmonizedSystemCode unitCost { amount currencyCode } measurement { weight { unit value } } } }
fragment ProductCore on Product { id title handle vendor productType status tags updatedAt category { fullName } }`

const pageVariants = 20

var productsPageQuery = `query Products($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { ...ProductCore variants(first: ` + itoa(pageVariants) + `) { pageInfo { hasNextPage endCursor } nodes { ...Variant } } }
  }
}
` + fragsProduct

var productsByIDQuery = `query ProductsByID($ids: [ID!]!) {
  nodes(ids: $ids) { __typename ... on Product { ...ProductCore variants(first: ` + itoa(pageVariants) + `) { pageInfo { hasNextPage endCursor } nodes { ...Variant } } } }
}
` + fragsProduct

const productVariantsQuery = `query ProductVariants($id: ID!, $first: Int!, $after: String) {
  node(id: $id) { ... on Product { variants(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { ...Variant } } } }
}
` + fragsProduct

const bulkProductsQuery = `{
  products(query: $QUERY) { edges { node {
    id title handle vendor productType status tags updatedAt category { fullName }
    variants { edges { node { __typename id sku barcode title price compareAtPrice selectedOptions { value }
      inventoryItem { id tracked requiresShipping countryCodeOfOrigin harmonizedSystemCode unitCost { amount currencyCode } measurement { weight { unit value } } } } } }
  } } }
}`

const locationsQuery = `query Locations($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: true) {
    pageInfo { hasNextPage endCursor }
    nodes { id name isActive fulfillsOnlineOrders updatedAt
      address { address1 address2 city province provinceCode zip countryCode phone latitude longitude } }
  }
}`

const locationsByIDQuery = `query LocationsByID($ids: [ID!]!) {
  nodes(ids: $ids) { __typename ... on Location { id name isActive fulfillsOnlineOrders updatedAt
      address { address1 address2 city province provinceCode zip countryCode phone latitude longitude } } }
}`

const fragLevel = `
fragment Level on InventoryLevel { id updatedAt location { id } item { id sku variant { id } }
  quantities(names: ["available", "on_hand", "committed", "incoming"]) { name quantity } }`

const levelsPageQuery = `query Levels($location: ID!, $first: Int!, $after: String, $query: String) {
  location(id: $location) { inventoryLevels(first: $first, after: $after, query: $query) { pageInfo { hasNextPage endCursor } nodes { ...Level } } }
}
` + fragLevel

const levelsByIDQuery = `query LevelsByID($ids: [ID!]!) {
  nodes(ids: $ids) { __typename ... on InventoryLevel { ...Level } }
}
` + fragLevel

const countQuery = `query Count($query: String, $limit: Int) { ordersCount(query: $query, limit: $limit) { count precision } }`
const productsCountQuery = `query ProductsCount($query: String, $limit: Int) { productsCount(query: $query, limit: $limit) { count precision } }`

const bulkRunMutation = `mutation BulkRun($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) { bulkOperation { id status createdAt } userErrors { field message code } }
}`

const bulkStatusQuery = `query BulkStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode createdAt completedAt objectCount rootObjectCount fileSize url partialDataUrl } }
}`

const checkQuery = `query Check { shop { name myshopifyDomain currencyCode ianaTimezone } currentAppInstallation { accessScopes { handle } } }`

// inventorySetMutation sets available quantities. The key makes a retried
// request apply once (@idempotent, optional in 2026-01, required from
// 2026-04); changeFromQuantity null opts out of compare-and-swap because
// the caller is the source of truth for the quantity it sets.
const inventorySetMutation = `mutation SetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id createdAt changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}`

const itemBySKUQuery = `query ItemBySKU($query: String!) {
  inventoryItems(first: 2, query: $query) { nodes { id sku } }
}`

const fulfillmentOrdersQuery = `query FulfillmentOrders($id: ID!) {
  order(id: $id) { id name
    fulfillments(first: 20) { id trackingInfo(first: 3) { number company url } }
    fulfillmentOrders(first: 5) { nodes { id status assignedLocation { location { id } }
      lineItems(first: 30) { nodes { id remainingQuantity lineItem { id sku } } } } }
  }
}`

const fulfillmentCreateMutation = `mutation CreateFulfillment($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status } userErrors { field message } }
}`

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// bulkQuery fills a bulk template's placeholders.
func bulkQuery(tmpl, search string) string {
	r := strings.NewReplacer(
		"$QUERY", quoteGraphQL(search),
		"$BAG", "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }",
		"$TAX", "title rate priceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }",
		"$ADDR", "name firstName lastName company address1 address2 city province provinceCode zip countryCodeV2 phone latitude longitude",
		"$ALLOC", "allocatedAmountSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } } discountApplication { __typename ... on DiscountCodeApplication { code } ... on AutomaticDiscountApplication { title } ... on ManualDiscountApplication { title } ... on ScriptDiscountApplication { title } }",
	)
	return r.Replace(tmpl)
}

// quoteGraphQL writes s as a GraphQL string literal.
func quoteGraphQL(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
