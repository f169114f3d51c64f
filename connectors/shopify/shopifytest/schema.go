package shopifytest

import (
	"strings"
)

// The part of the GraphQL Admin API schema the fake serves. It drives
// validation (unknown fields and arguments are errors, as on Shopify) and
// the requested query cost, which Shopify computes statically from the
// types before executing: scalars and enums cost 0, objects 1, connections
// 2 plus first times their node's cost, mutations 10.

type fieldDef struct {
	typ  string // base type name
	list bool
	args map[string]bool
}

type typeDef struct {
	name   string
	fields map[string]fieldDef
	// possible lists the concrete types of an interface or union.
	possible []string
}

var scalarTypes = map[string]bool{}

var schema = map[string]*typeDef{}

// implements maps a concrete type to the interfaces it implements.
var implements = map[string][]string{}

const schemaScalars = `ID String Int Float Boolean DateTime Decimal Money URL UnsignedInt64 CountryCode CurrencyCode
OrderDisplayFinancialStatus OrderDisplayFulfillmentStatus OrderCancelReason ProductStatus WeightUnit FulfillmentStatus
FulfillmentDisplayStatus FulfillmentOrderStatus RefundLineItemRestockType BulkOperationStatus BulkOperationErrorCode
BulkOperationType CountPrecision JSON FormattedString DiscountApplicationAllocationMethod DiscountApplicationTargetSelection
DiscountApplicationTargetType InventorySetQuantitiesUserErrorCode BulkOperationUserErrorCode
MetafieldsSetUserErrorCode MetafieldOwnerType WebhookSubscriptionTopic WebhookSubscriptionFormat WebhookSubscriptionSortKeys`

// schemaTypes lists each type's fields as name(args):Type, [Type] for lists.
var schemaTypes = map[string]string{
	"QueryRoot": `shop:Shop currentAppInstallation:AppInstallation
		orders(first,after,last,before,query,sortKey,reverse,savedSearchId):OrderConnection ordersCount(query,limit,savedSearchId):Count order(id):Order
		products(first,after,last,before,query,sortKey,reverse,savedSearchId):ProductConnection productsCount(query,limit,savedSearchId):Count product(id):Product
		locations(first,after,last,before,query,sortKey,reverse,includeInactive,includeLegacy):LocationConnection location(id):Location
		inventoryItems(first,after,last,before,query,reverse):InventoryItemConnection inventoryItem(id):InventoryItem
		node(id):Node nodes(ids):[Node] currentBulkOperation(type):BulkOperation bulkOperation(id):BulkOperation
		webhookSubscriptions(first,after,last,before,reverse,sortKey,query,format,topics,callbackUrl):WebhookSubscriptionConnection
		webhookSubscription(id):WebhookSubscription`,
	"Mutation": `bulkOperationRunQuery(query,groupObjects):BulkOperationRunQueryPayload bulkOperationCancel(id):BulkOperationCancelPayload
		inventorySetQuantities(input):InventorySetQuantitiesPayload fulfillmentCreate(fulfillment,message):FulfillmentCreatePayload
		metafieldsSet(metafields):MetafieldsSetPayload metafieldsDelete(metafields):MetafieldsDeletePayload
		webhookSubscriptionCreate(topic,webhookSubscription):WebhookSubscriptionCreatePayload
		webhookSubscriptionUpdate(id,webhookSubscription):WebhookSubscriptionUpdatePayload
		webhookSubscriptionDelete(id):WebhookSubscriptionDeletePayload`,
	"Shop":                 `id:ID name:String myshopifyDomain:String currencyCode:CurrencyCode ianaTimezone:String email:String`,
	"AppInstallation":      `id:ID accessScopes:[AccessScope]`,
	"AccessScope":          `handle:String description:String`,
	"Count":                `count:Int precision:CountPrecision`,
	"PageInfo":             `hasNextPage:Boolean hasPreviousPage:Boolean startCursor:String endCursor:String`,
	"MoneyBag":             `shopMoney:MoneyV2 presentmentMoney:MoneyV2`,
	"MoneyV2":              `amount:Decimal currencyCode:CurrencyCode`,
	"MailingAddress":       `id:ID firstName:String lastName:String name:String company:String address1:String address2:String city:String province:String provinceCode:String zip:String country:String countryCodeV2:CountryCode phone:String latitude:Float longitude:Float`,
	"Customer":             `id:ID legacyResourceId:UnsignedInt64 firstName:String lastName:String displayName:String email:String phone:String createdAt:DateTime updatedAt:DateTime defaultEmailAddress:CustomerEmailAddress defaultPhoneNumber:CustomerPhoneNumber`,
	"CustomerEmailAddress": `emailAddress:String`,
	"CustomerPhoneNumber":  `phoneNumber:String`,
	"Order": `id:ID legacyResourceId:UnsignedInt64 name:String createdAt:DateTime updatedAt:DateTime processedAt:DateTime cancelledAt:DateTime
		cancelReason:OrderCancelReason closedAt:DateTime closed:Boolean currencyCode:CurrencyCode presentmentCurrencyCode:CurrencyCode
		displayFinancialStatus:OrderDisplayFinancialStatus displayFulfillmentStatus:OrderDisplayFulfillmentStatus taxesIncluded:Boolean
		tags:[String] email:String phone:String note:String sourceName:String test:Boolean discountCodes:[String] customer:Customer
		shippingAddress:MailingAddress billingAddress:MailingAddress subtotalPriceSet:MoneyBag currentSubtotalPriceSet:MoneyBag
		totalDiscountsSet:MoneyBag currentTotalDiscountsSet:MoneyBag totalShippingPriceSet:MoneyBag currentShippingPriceSet:MoneyBag
		totalTaxSet:MoneyBag currentTotalTaxSet:MoneyBag totalPriceSet:MoneyBag currentTotalPriceSet:MoneyBag totalRefundedSet:MoneyBag
		taxLines(first):[TaxLine] lineItems(first,after,last,before,reverse):LineItemConnection
		shippingLines(first,after,last,before,reverse,includeRemovals):ShippingLineConnection refunds(first):[Refund]
		fulfillments(first):[Fulfillment] fulfillmentOrders(first,after,last,before,reverse,query,displayable):FulfillmentOrderConnection`,
	"LineItem": `id:ID name:String title:String variantTitle:String sku:String quantity:Int currentQuantity:Int requiresShipping:Boolean vendor:String
		originalUnitPriceSet:MoneyBag totalDiscountSet:MoneyBag taxLines(first):[TaxLine] discountAllocations:[DiscountAllocation]
		variant:ProductVariant product:Product`,
	"TaxLine":                          `title:String rate:Float ratePercentage:Float priceSet:MoneyBag channelLiable:Boolean`,
	"DiscountAllocation":               `allocatedAmountSet:MoneyBag discountApplication:DiscountApplication`,
	"DiscountCodeApplication":          `code:String index:Int allocationMethod:DiscountApplicationAllocationMethod targetSelection:DiscountApplicationTargetSelection targetType:DiscountApplicationTargetType`,
	"AutomaticDiscountApplication":     `title:String index:Int allocationMethod:DiscountApplicationAllocationMethod targetSelection:DiscountApplicationTargetSelection targetType:DiscountApplicationTargetType`,
	"ManualDiscountApplication":        `title:String description:String index:Int allocationMethod:DiscountApplicationAllocationMethod targetSelection:DiscountApplicationTargetSelection targetType:DiscountApplicationTargetType`,
	"ScriptDiscountApplication":        `title:String index:Int allocationMethod:DiscountApplicationAllocationMethod targetSelection:DiscountApplicationTargetSelection targetType:DiscountApplicationTargetType`,
	"ShippingLine":                     `id:ID title:String code:String carrierIdentifier:String source:String isRemoved:Boolean originalPriceSet:MoneyBag discountedPriceSet:MoneyBag currentDiscountedPriceSet:MoneyBag taxLines(first):[TaxLine] discountAllocations:[DiscountAllocation]`,
	"Refund":                           `id:ID legacyResourceId:UnsignedInt64 createdAt:DateTime updatedAt:DateTime note:String order:Order totalRefundedSet:MoneyBag refundLineItems(first,after,last,before,reverse):RefundLineItemConnection refundShippingLines(first,after,last,before,reverse):RefundShippingLineConnection`,
	"RefundLineItem":                   `id:ID quantity:Int restockType:RefundLineItemRestockType restocked:Boolean location:Location lineItem:LineItem subtotalSet:MoneyBag totalTaxSet:MoneyBag priceSet:MoneyBag`,
	"RefundShippingLine":               `id:ID shippingLine:ShippingLine subtotalAmountSet:MoneyBag taxAmountSet:MoneyBag`,
	"Fulfillment":                      `id:ID legacyResourceId:UnsignedInt64 name:String createdAt:DateTime updatedAt:DateTime status:FulfillmentStatus displayStatus:FulfillmentDisplayStatus estimatedDeliveryAt:DateTime deliveredAt:DateTime inTransitAt:DateTime location:Location order:Order trackingInfo(first):[FulfillmentTrackingInfo] fulfillmentLineItems(first,after,last,before,reverse):FulfillmentLineItemConnection`,
	"FulfillmentTrackingInfo":          `company:String number:String url:URL`,
	"FulfillmentLineItem":              `id:ID quantity:Int lineItem:LineItem`,
	"FulfillmentOrder":                 `id:ID status:FulfillmentOrderStatus assignedLocation:FulfillmentOrderAssignedLocation lineItems(first,after,last,before,reverse):FulfillmentOrderLineItemConnection order:Order`,
	"FulfillmentOrderAssignedLocation": `name:String location:Location`,
	"FulfillmentOrderLineItem":         `id:ID sku:String totalQuantity:Int remainingQuantity:Int lineItem:LineItem`,
	"Product":                          `id:ID legacyResourceId:UnsignedInt64 title:String handle:String vendor:String productType:String status:ProductStatus tags:[String] createdAt:DateTime updatedAt:DateTime category:TaxonomyCategory variants(first,after,last,before,reverse):ProductVariantConnection options(first):[ProductOption] metafield(namespace,key):Metafield`,
	"TaxonomyCategory":                 `id:ID name:String fullName:String`,
	"ProductOption":                    `id:ID name:String position:Int values:[String]`,
	"ProductVariant":                   `id:ID legacyResourceId:UnsignedInt64 title:String sku:String barcode:String price:Money compareAtPrice:Money position:Int createdAt:DateTime updatedAt:DateTime selectedOptions:[SelectedOption] inventoryItem:InventoryItem product:Product taxable:Boolean inventoryQuantity:Int`,
	"SelectedOption":                   `name:String value:String`,
	"InventoryItem":                    `id:ID legacyResourceId:UnsignedInt64 sku:String tracked:Boolean requiresShipping:Boolean countryCodeOfOrigin:CountryCode harmonizedSystemCode:String createdAt:DateTime updatedAt:DateTime unitCost:MoneyV2 measurement:InventoryItemMeasurement variant:ProductVariant inventoryLevels(first,after,last,before,reverse,query):InventoryLevelConnection inventoryLevel(locationId):InventoryLevel`,
	"InventoryItemMeasurement":         `id:ID weight:Weight`,
	"Weight":                           `unit:WeightUnit value:Float`,
	"InventoryLevel":                   `id:ID createdAt:DateTime updatedAt:DateTime location:Location item:InventoryItem quantities(names):[InventoryQuantity]`,
	"InventoryQuantity":                `id:ID name:String quantity:Int updatedAt:DateTime`,
	"Location":                         `id:ID legacyResourceId:UnsignedInt64 name:String isActive:Boolean fulfillsOnlineOrders:Boolean shipsInventory:Boolean createdAt:DateTime updatedAt:DateTime deactivatedAt:DateTime address:LocationAddress inventoryLevels(first,after,last,before,reverse,query):InventoryLevelConnection inventoryLevel(inventoryItemId):InventoryLevel`,
	"LocationAddress":                  `address1:String address2:String city:String province:String provinceCode:String zip:String country:String countryCode:CountryCode phone:String latitude:Float longitude:Float formatted:[String]`,
	"BulkOperation":                    `id:ID status:BulkOperationStatus errorCode:BulkOperationErrorCode createdAt:DateTime completedAt:DateTime objectCount:UnsignedInt64 rootObjectCount:UnsignedInt64 fileSize:UnsignedInt64 url:URL partialDataUrl:URL query:String type:BulkOperationType`,
	"BulkOperationRunQueryPayload":     `bulkOperation:BulkOperation userErrors:[BulkOperationUserError]`,
	"BulkOperationUserError":           `field:[String] message:String code:BulkOperationUserErrorCode`,
	"BulkOperationCancelPayload":       `bulkOperation:BulkOperation userErrors:[UserError]`,
	"UserError":                        `field:[String] message:String`,
	"InventorySetQuantitiesPayload":    `inventoryAdjustmentGroup:InventoryAdjustmentGroup userErrors:[InventorySetQuantitiesUserError]`,
	"InventorySetQuantitiesUserError":  `field:[String] message:String code:InventorySetQuantitiesUserErrorCode`,
	"InventoryAdjustmentGroup":         `id:ID createdAt:DateTime reason:String referenceDocumentUri:String changes(inventoryItemIds,locationIds,quantityNames):[InventoryChange]`,
	"InventoryChange":                  `name:String delta:Int quantityAfterChange:Int item:InventoryItem location:Location`,
	"FulfillmentCreatePayload":         `fulfillment:Fulfillment userErrors:[UserError]`,
	"Metafield":                        `id:ID namespace:String key:String type:String value:String ownerType:MetafieldOwnerType createdAt:DateTime updatedAt:DateTime`,
	"MetafieldsSetPayload":             `metafields:[Metafield] userErrors:[MetafieldsSetUserError]`,
	"MetafieldsSetUserError":           `field:[String] message:String code:MetafieldsSetUserErrorCode elementIndex:Int`,
	"MetafieldsDeletePayload":          `deletedMetafields:[MetafieldIdentifier] userErrors:[UserError]`,
	"MetafieldIdentifier":              `ownerId:ID namespace:String key:String`,
	"WebhookSubscription":              `id:ID legacyResourceId:UnsignedInt64 topic:WebhookSubscriptionTopic uri:String callbackUrl:URL format:WebhookSubscriptionFormat filter:String includeFields:[String] metafieldNamespaces:[String] createdAt:DateTime updatedAt:DateTime`,
	"WebhookSubscriptionCreatePayload": `webhookSubscription:WebhookSubscription userErrors:[UserError]`,
	"WebhookSubscriptionUpdatePayload": `webhookSubscription:WebhookSubscription userErrors:[UserError]`,
	"WebhookSubscriptionDeletePayload": `deletedWebhookSubscriptionId:ID userErrors:[UserError]`,
}

var interfaces = map[string][]string{
	"Node": {"Order", "LineItem", "Product", "ProductVariant", "InventoryItem", "InventoryLevel", "Location", "Refund", "Fulfillment",
		"FulfillmentOrder", "Customer", "BulkOperation", "ShippingLine", "RefundLineItem", "FulfillmentLineItem", "FulfillmentOrderLineItem"},
	"DiscountApplication": {"DiscountCodeApplication", "AutomaticDiscountApplication", "ManualDiscountApplication", "ScriptDiscountApplication"},
}

func init() {
	for _, s := range strings.Fields(schemaScalars) {
		scalarTypes[s] = true
	}
	for name, spec := range schemaTypes {
		schema[name] = parseTypeSpec(name, spec)
	}
	for name, types := range interfaces {
		td := &typeDef{name: name, fields: map[string]fieldDef{"__typename": {typ: "String"}}, possible: types}
		if name == "Node" {
			td.fields["id"] = fieldDef{typ: "ID"}
		}
		if name == "DiscountApplication" {
			for _, f := range []string{"index", "allocationMethod", "targetSelection", "targetType"} {
				td.fields[f] = schema["DiscountCodeApplication"].fields[f]
			}
		}
		schema[name] = td
		for _, t := range types {
			implements[t] = append(implements[t], name)
		}
	}
	// connections and edges for every node type referenced
	for _, td := range schema {
		for _, f := range td.fields {
			if node, ok := strings.CutSuffix(f.typ, "Connection"); ok {
				if _, done := schema[f.typ]; !done {
					schema[f.typ] = &typeDef{name: f.typ, fields: map[string]fieldDef{
						"edges": {typ: node + "Edge", list: true}, "nodes": {typ: node, list: true}, "pageInfo": {typ: "PageInfo"}, "__typename": {typ: "String"}}}
					schema[node+"Edge"] = &typeDef{name: node + "Edge", fields: map[string]fieldDef{
						"cursor": {typ: "String"}, "node": {typ: node}, "__typename": {typ: "String"}}}
				}
			}
		}
	}
}

func parseTypeSpec(name, spec string) *typeDef {
	td := &typeDef{name: name, fields: map[string]fieldDef{"__typename": {typ: "String"}}}
	for _, f := range strings.Fields(spec) {
		i := strings.LastIndexByte(f, ':')
		head, typ := f[:i], f[i+1:]
		fd := fieldDef{}
		if strings.HasPrefix(typ, "[") {
			fd.list = true
			typ = strings.Trim(typ, "[]")
		}
		fd.typ = typ
		if j := strings.IndexByte(head, '('); j >= 0 {
			fd.args = map[string]bool{}
			for _, a := range strings.Split(strings.Trim(head[j:], "()"), ",") {
				fd.args[a] = true
			}
			head = head[:j]
		}
		td.fields[head] = fd
	}
	return td
}

func isConnection(typ string) bool { return strings.HasSuffix(typ, "Connection") }

// possibleTypes returns the concrete types a value of typ may have.
func possibleTypes(typ string) []string {
	if td := schema[typ]; td != nil && len(td.possible) > 0 {
		return td.possible
	}
	return []string{typ}
}

// fragmentApplies reports whether a fragment on cond may apply to a value
// of static type typ.
func fragmentApplies(cond, typ string) bool {
	if cond == "" || cond == typ {
		return true
	}
	for _, p := range possibleTypes(typ) {
		if p == cond {
			return true
		}
		for _, i := range implements[p] {
			if i == cond {
				return true
			}
		}
	}
	for _, p := range possibleTypes(cond) {
		if p == typ {
			return true
		}
	}
	return false
}

// runtimeMatches reports whether a fragment on cond applies to an object of
// concrete type concrete.
func runtimeMatches(cond, concrete string) bool {
	if cond == "" || cond == concrete {
		return true
	}
	for _, i := range implements[concrete] {
		if i == cond {
			return true
		}
	}
	return false
}
