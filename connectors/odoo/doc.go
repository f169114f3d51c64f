// Package odoo is Supplyhub's Odoo ERP connector: it reads products and
// variants, warehouses, stock (on hand, reserved and incoming), the open
// incoming receipts with their expected dates, and customers from an Odoo
// database, and writes marketplace orders as sale
// orders, order cancellations and refunds, and replenishment suggestions
// as draft purchase orders (RFQs).
//
// It is for the plugin binary (plugins/odoo runs sdk.Serve(odoo.New()))
// and for tests that embed it in-process with sdk.InProcess. Start with
// [New], [Config] and the manifest that Describe returns;
// docs/connectors/odoo.md explains configuration, streams, write-back and
// conflicts, and how to point the connector at the fake Odoo in package
// odootest.
//
// # APIs and versions
//
// Odoo 19 offers the JSON-2 API (POST /json/2/<model>/<method>, named
// arguments, "Authorization: bearer <api key>", X-Odoo-Database); Odoo 17
// and 18 offer JSON-RPC (/jsonrpc, object.execute_kw with the database,
// the user id from common.authenticate and the API key as password),
// which 19 keeps but deprecates. With api "auto" Check and every first
// call try JSON-2 and fall back to JSON-RPC, and Check reports the choice
// in its details ("api"). Field names that moved between versions are
// found with fields_get (sale.order.line.tax_id became tax_ids in 19;
// storable products are type "product" in 17 and is_storable from 18);
// access rights are asked with check_access_rights up to 17 and
// has_access from 18.
//
// # Reads
//
// Every stream follows write_date: pages of root records ordered by id,
// a checkpoint after each, incremental passes from the last high-water
// mark less overlap_seconds that skip what they already sent; see read.go.
// A record's version is the newest write_date of the rows it is built
// from, so a changed quant or receipt re-sends its stock level.
//
// # Writes
//
// Write is idempotent by what it finds in Odoo (client_order_ref and the
// version in origin for sale orders, change hashes in an RFQ's origin,
// absolute quantities for stock), so a replay, or a retry after a lost
// answer, never duplicates. Calls that change data are not retried by
// the connector unless Odoo surely did not apply them; the host's
// write-back queue retries the change instead.
package odoo
