package routing_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/core/routing"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

const exampleRates = `carrier,service,zone,max_weight,weight_unit,price,currency,transit_days
DHL,Paket,domestic,5,kg,6.99,EUR,2
DHL,Express,domestic,5,kg,19.90,EUR,1
DPD,Classic,domestic,3,kg,4.95,EUR,3
`

func location(id, postal string, lat, lon float64) commerce.Location {
	return commerce.Location{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shop", ExternalID: id}},
		Name: id, Type: "warehouse", Active: true, FulfillsOnlineOrders: true,
		Address: commerce.Address{CountryCode: "DE", PostalCode: postal, Geo: &commerce.GeoPoint{Lat: lat, Lon: lon}}}
}

func exampleOrder(id string, lines ...commerce.OrderLine) *commerce.Order {
	return &commerce.Order{Meta: commerce.Meta{Source: commerce.Ref{Connection: "shopify-eu", ExternalID: id}},
		Number: "#" + id, Currency: "EUR", Lines: lines,
		ShippingAddress: &commerce.Address{CountryCode: "DE", PostalCode: "01067", Geo: &commerce.GeoPoint{Lat: 51.05, Lon: 13.74}}}
}

func exampleLine(id, sku string, qty int) commerce.OrderLine {
	return commerce.OrderLine{ExternalID: id, SKU: sku, Quantity: qty, UnitPrice: commerce.Bag(commerce.MustMoney("20.00", "EUR"))}
}

var exampleItems = map[string]routing.Item{
	"MUG":  {Weight: &commerce.Weight{Value: decimal.RequireFromString("0.4"), Unit: commerce.Kilograms}},
	"LAMP": {Weight: &commerce.Weight{Value: decimal.RequireFromString("2.5"), Unit: commerce.Kilograms}},
}

// Route one order with a rate table and a 2-day promise.
func ExampleRouter_Route() {
	table, err := routing.ParseTableRates("table", strings.NewReader(exampleRates), nil)
	if err != nil {
		panic(err)
	}
	rules, err := routing.ParseRules([]byte(`{"split_penalty": "1.50 EUR"}`))
	if err != nil {
		panic(err)
	}
	router, err := routing.New(routing.Config{Fallback: table, Rules: rules}, nil)
	if err != nil {
		panic(err)
	}
	d, err := router.Route(context.Background(), routing.Request{
		Order:     exampleOrder("1001", exampleLine("1", "MUG", 2), exampleLine("2", "LAMP", 1)),
		Locations: []commerce.Location{location("leipzig", "04103", 51.34, 12.37), location("berlin", "10115", 52.52, 13.40)},
		Stock:     routing.StockTable{{SKU: "MUG", LocationID: "berlin"}: 4, {SKU: "LAMP", LocationID: "berlin"}: 1, {SKU: "MUG", LocationID: "leipzig"}: 2},
		Items:     exampleItems,
		Promise:   routing.Promise{Days: 2},
		Now:       time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	for _, a := range d.Assignments {
		fmt.Printf("line %s: %d × %s from %s\n", a.LineID, a.Quantity, a.SKU, a.LocationID)
	}
	fmt.Println(d.Explanation)
	// Output:
	// line 1: 2 × MUG from berlin
	// line 2: 1 × LAMP from berlin
	// Ship from berlin: both lines in one shipment. It is the only location with both lines in stock. DHL Paket at 6.99 EUR, 2 business days, meets the 2-day promise; cheapest of 2 eligible services. Total 6.99 EUR.
}

// Route a batch against one stock position: the second order cannot have
// the lamp the first one took.
func ExampleRouter_RouteBatch() {
	table, _ := routing.ParseTableRates("table", strings.NewReader(exampleRates), nil)
	router, _ := routing.New(routing.Config{Fallback: table}, nil)
	locs := []commerce.Location{location("leipzig", "04103", 51.34, 12.37), location("berlin", "10115", 52.52, 13.40)}
	ledger := routing.NewLedger(routing.StockTable{{SKU: "LAMP", LocationID: "leipzig"}: 1, {SKU: "LAMP", LocationID: "berlin"}: 1}, nil)
	var reqs []routing.Request
	for _, id := range []string{"A", "B", "C"} {
		reqs = append(reqs, routing.Request{Order: exampleOrder(id, exampleLine("1", "LAMP", 1)), Locations: locs, Items: exampleItems})
	}
	for i, res := range router.RouteBatch(context.Background(), reqs, ledger) {
		var ue *routing.UnroutableError
		switch {
		case errors.As(res.Err, &ue):
			fmt.Printf("order %d: %s\n", i+1, ue.Reason)
		case res.Err != nil:
			panic(res.Err)
		default:
			fmt.Printf("order %d: from %s\n", i+1, res.Decision.Shipments[0].LocationID)
		}
	}
	// Output:
	// order 1: from leipzig
	// order 2: from berlin
	// order 3: no-stock
}
