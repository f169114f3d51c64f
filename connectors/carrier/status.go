package carrier

import (
	"strings"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Providers of MapStatus.
const (
	ProviderEasyPost   = "easypost"
	ProviderShippo     = "shippo"
	ProviderShopify    = "shopify"
	ProviderUPS        = "ups"
	ProviderFedEx      = "fedex"
	ProviderDHLUnified = "dhl-unified"
)

// statusMap maps each provider's tracking status to the unified vocabulary.
// It is ../shared/fixtures/carriers/tracking-status-map.csv (EasyPost
// ITrackerStatus, Shippo TrackingStatusEnum, Shopify FulfillmentEventStatus,
// UPS status-type letters, FedEx event codes, DHL unified statusCode);
// TestStatusMapMatchesFixture keeps them equal.
var statusMap = map[string]map[string]commerce.TrackingStatus{
	ProviderEasyPost: {
		"pre_transit":          commerce.TrackingPreTransit,
		"in_transit":           commerce.TrackingInTransit,
		"out_for_delivery":     commerce.TrackingOutForDelivery,
		"delivered":            commerce.TrackingDelivered,
		"available_for_pickup": commerce.TrackingAvailableForPickup,
		"return_to_sender":     commerce.TrackingReturned,
		"failure":              commerce.TrackingException,
		"cancelled":            commerce.TrackingCancelled,
		"error":                commerce.TrackingException,
		"unknown":              commerce.TrackingUnknown,
	},
	ProviderShippo: {
		"PRE_TRANSIT": commerce.TrackingPreTransit,
		"TRANSIT":     commerce.TrackingInTransit,
		"DELIVERED":   commerce.TrackingDelivered,
		"RETURNED":    commerce.TrackingReturned,
		"FAILURE":     commerce.TrackingException,
		"UNKNOWN":     commerce.TrackingUnknown,
	},
	ProviderShopify: {
		"label_printed":      commerce.TrackingPreTransit,
		"label_purchased":    commerce.TrackingPreTransit,
		"confirmed":          commerce.TrackingPreTransit,
		"ready_for_pickup":   commerce.TrackingAvailableForPickup,
		"picked_up":          commerce.TrackingInTransit,
		"in_transit":         commerce.TrackingInTransit,
		"out_for_delivery":   commerce.TrackingOutForDelivery,
		"attempted_delivery": commerce.TrackingException,
		"delivered":          commerce.TrackingDelivered,
		"failure":            commerce.TrackingException,
	},
	ProviderUPS: {
		"M":  commerce.TrackingPreTransit,
		"P":  commerce.TrackingInTransit,
		"I":  commerce.TrackingInTransit,
		"O":  commerce.TrackingOutForDelivery,
		"D":  commerce.TrackingDelivered,
		"X":  commerce.TrackingException,
		"RS": commerce.TrackingReturned,
	},
	ProviderFedEx: {
		"OC": commerce.TrackingPreTransit,
		"PU": commerce.TrackingInTransit,
		"IT": commerce.TrackingInTransit,
		"AR": commerce.TrackingInTransit,
		"DP": commerce.TrackingInTransit,
		"OD": commerce.TrackingOutForDelivery,
		"DL": commerce.TrackingDelivered,
		"DE": commerce.TrackingException,
		"RS": commerce.TrackingReturned,
		"CA": commerce.TrackingCancelled,
	},
	ProviderDHLUnified: {
		"pre-transit": commerce.TrackingPreTransit,
		"transit":     commerce.TrackingInTransit,
		"delivered":   commerce.TrackingDelivered,
		"failure":     commerce.TrackingException,
		"unknown":     commerce.TrackingUnknown,
	},
}

// MapStatus maps a provider's tracking status to the unified vocabulary.
// ok is false for a provider or status it does not know; the status is then
// UNKNOWN, and callers should keep the raw status (TrackingEvent.CarrierStatus)
// so that nothing is lost. Provider names are those of the Provider
// constants, case-insensitive; statuses are matched exactly, then
// case-insensitively.
func MapStatus(provider, status string) (s commerce.TrackingStatus, ok bool) {
	m, found := statusMap[strings.ToLower(provider)]
	if !found {
		return commerce.TrackingUnknown, false
	}
	if s, ok := m[status]; ok {
		return s, true
	}
	for k, s := range m {
		if strings.EqualFold(k, status) {
			return s, true
		}
	}
	return commerce.TrackingUnknown, false
}

// normalizeCarrier spells carrier names one way whatever the provider:
// EasyPost's "DHLExpress" and Shippo's "dhl_express" are "DHL Express".
func normalizeCarrier(name string) string {
	switch strings.ToLower(strings.NewReplacer(" ", "", "_", "", "-", "").Replace(name)) {
	case "usps":
		return "USPS"
	case "ups":
		return "UPS"
	case "fedex":
		return "FedEx"
	case "dhlexpress", "dhl":
		return "DHL Express"
	}
	return name
}
