package odoo_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/supplyhub/supplyhub/connectors/odoo"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// printer is a ReadStream that prints warehouses.
type printer struct{}

func (printer) Records(rs ...commerce.Record) error {
	for _, r := range rs {
		l := r.(*commerce.Location)
		fmt.Printf("%s: %s (%s), active %v\n", l.Source.ExternalID, l.Name, l.Address.CountryCode, l.Active)
	}
	return nil
}
func (printer) Checkpoint(string) error     { return nil }
func (printer) Progress(sdk.Progress) error { return nil }

// Check an Odoo 19 database (the connector finds the JSON-2 API), then read
// its warehouses.
func Example() {
	srv, err := odootest.NewServer(odootest.Options{Version: "19.0", Seed: 1})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	cfg, _ := json.Marshal(map[string]any{"base_url": srv.URL, "database": srv.Database(), "api_key": srv.APIKey()})
	c := odoo.New()
	res, err := c.Check(context.Background(), sdk.CheckRequest{Config: cfg})
	if err != nil {
		panic(err)
	}
	fmt.Println("api:", res.Details["api"], res.Details["server_version"])
	if err := c.Read(context.Background(), sdk.ReadRequest{Connection: "odoo", Config: cfg, Stream: odoo.StreamLocations, Mode: sdk.ModeFull}, printer{}); err != nil {
		panic(err)
	}
	// Output:
	// api: json-2 19.0
	// stock.warehouse,1: San Francisco (US), active true
	// stock.warehouse,2: Berlin (DE), active true
	// stock.warehouse,3: Old Depot (GB), active false
}
