package amazon

import (
	"strings"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Marketplace is one Amazon marketplace as the connector needs to know it:
// where its API lives, which currency its prices are in, and whether its
// prices include tax. The table follows Amazon's marketplace id list
// (developer-docs.amazon.com/sp-api/docs/marketplace-ids).
type Marketplace struct {
	// ID is Amazon's marketplace id, e.g. "A1PA6795UKMFR9".
	ID string
	// Country is Amazon's country code, e.g. "DE" (Amazon writes "UK" for
	// the United Kingdom).
	Country string
	// ISOCountry is the ISO 3166-1 alpha-2 code, e.g. "GB" for "UK".
	ISOCountry string
	// Name is the country's name.
	Name string
	// Currency is the marketplace's default currency.
	Currency commerce.Currency
	// Region is the SP-API region: "na", "eu" or "fe".
	Region string
	// AWSRegion is the AWS region of the region's endpoint, e.g. "eu-west-1".
	AWSRegion string
	// SalesChannel is how orders and reports name the marketplace, e.g. "Amazon.de".
	SalesChannel string
	// TaxIncluded says whether prices shown to buyers include tax (VAT,
	// GST); false in the United States and Canada.
	TaxIncluded bool
}

// Regional endpoints of the Selling Partner API.
var regionEndpoints = map[string]string{
	"na": "https://sellingpartnerapi-na.amazon.com",
	"eu": "https://sellingpartnerapi-eu.amazon.com",
	"fe": "https://sellingpartnerapi-fe.amazon.com",
}

// regionAWS is the AWS region that serves each SP-API region.
var regionAWS = map[string]string{"na": "us-east-1", "eu": "eu-west-1", "fe": "us-west-2"}

var marketplaces = []Marketplace{
	{"A2EUQ1WTGCTBG2", "CA", "CA", "Canada", "CAD", "na", "us-east-1", "Amazon.ca", false},
	{"ATVPDKIKX0DER", "US", "US", "United States of America", "USD", "na", "us-east-1", "Amazon.com", false},
	{"A1AM78C64UM0Y8", "MX", "MX", "Mexico", "MXN", "na", "us-east-1", "Amazon.com.mx", true},
	{"A2Q3Y263D00KWC", "BR", "BR", "Brazil", "BRL", "na", "us-east-1", "Amazon.com.br", true},
	{"A28R8C7NBKEWEA", "IE", "IE", "Ireland", "EUR", "eu", "eu-west-1", "Amazon.ie", true},
	{"A1RKKUPIHCS9HS", "ES", "ES", "Spain", "EUR", "eu", "eu-west-1", "Amazon.es", true},
	{"A1F83G8C2ARO7P", "UK", "GB", "United Kingdom", "GBP", "eu", "eu-west-1", "Amazon.co.uk", true},
	{"A13V1IB3VIYZZH", "FR", "FR", "France", "EUR", "eu", "eu-west-1", "Amazon.fr", true},
	{"AMEN7PMS3EDWL", "BE", "BE", "Belgium", "EUR", "eu", "eu-west-1", "Amazon.com.be", true},
	{"A1805IZSGTT6HS", "NL", "NL", "Netherlands", "EUR", "eu", "eu-west-1", "Amazon.nl", true},
	{"A1PA6795UKMFR9", "DE", "DE", "Germany", "EUR", "eu", "eu-west-1", "Amazon.de", true},
	{"APJ6JRA9NG5V4", "IT", "IT", "Italy", "EUR", "eu", "eu-west-1", "Amazon.it", true},
	{"A2NODRKZP88ZB9", "SE", "SE", "Sweden", "SEK", "eu", "eu-west-1", "Amazon.se", true},
	{"AE08WJ6YKNBMC", "ZA", "ZA", "South Africa", "ZAR", "eu", "eu-west-1", "Amazon.co.za", true},
	{"A1C3SOZRARQ6R3", "PL", "PL", "Poland", "PLN", "eu", "eu-west-1", "Amazon.pl", true},
	{"ARBP9OOSHTCHU", "EG", "EG", "Egypt", "EGP", "eu", "eu-west-1", "Amazon.eg", true},
	{"A33AVAJ2PDY3EV", "TR", "TR", "Turkey", "TRY", "eu", "eu-west-1", "Amazon.com.tr", true},
	{"A17E79C6D8DWNP", "SA", "SA", "Saudi Arabia", "SAR", "eu", "eu-west-1", "Amazon.sa", true},
	{"A2VIGQ35RCS4UG", "AE", "AE", "United Arab Emirates", "AED", "eu", "eu-west-1", "Amazon.ae", true},
	{"A21TJRUUN4KGV", "IN", "IN", "India", "INR", "eu", "eu-west-1", "Amazon.in", true},
	{"A19VAU5U5O7RUS", "SG", "SG", "Singapore", "SGD", "fe", "us-west-2", "Amazon.sg", true},
	{"A39IBJ37TRP1C6", "AU", "AU", "Australia", "AUD", "fe", "us-west-2", "Amazon.com.au", true},
	{"A1VC38T7YXB528", "JP", "JP", "Japan", "JPY", "fe", "us-west-2", "Amazon.co.jp", true},
}

var (
	marketplaceByID      = map[string]Marketplace{}
	marketplaceByChannel = map[string]Marketplace{}
)

func init() {
	for _, m := range marketplaces {
		marketplaceByID[m.ID] = m
		marketplaceByChannel[strings.ToLower(m.SalesChannel)] = m
	}
}

// Marketplaces returns every marketplace the connector knows, in Amazon's
// order (North America, Europe, Far East).
func Marketplaces() []Marketplace { return append([]Marketplace(nil), marketplaces...) }

// LookupMarketplace returns the marketplace with Amazon id id.
func LookupMarketplace(id string) (Marketplace, bool) {
	m, ok := marketplaceByID[id]
	return m, ok
}

// marketplaceBySalesChannel finds a marketplace by the sales channel name
// reports and Orders v0 use, e.g. "Amazon.de".
func marketplaceBySalesChannel(name string) (Marketplace, bool) {
	m, ok := marketplaceByChannel[strings.ToLower(strings.TrimSpace(name))]
	return m, ok
}
