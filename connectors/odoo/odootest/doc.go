// Package odootest is a fake Odoo server that speaks Odoo's external API,
// for the Odoo connector's tests, the conformance kit and the demo, in the
// way net/http/httptest serves HTTP tests.
//
// Start one with NewServer and point the connector's base_url at its URL:
//
//	srv, err := odootest.NewServer(odootest.Options{Version: "19.0", Seed: 1})
//	defer srv.Close()
//
// It imitates Odoo 17.0, 18.0 or 19.0: JSON-RPC at /jsonrpc (services
// common — version, login, authenticate — and object — execute_kw) for
// every version, and for 19.0 also the JSON-2 API (POST
// /json/2/<model>/<method> with "Authorization: bearer <api key>" and
// X-Odoo-Database) and GET /web/version. Field names follow the version:
// sale.order.line.tax_id up to 18.0 and tax_ids from 19.0,
// purchase.order.line.taxes_id up to 18.0, storable products typed
// "product" in 17.0 and flagged is_storable from 18.0;
// check_access_rights up to 18.0, has_access from 18.0.
//
// Behind the API is an in-memory ORM: the models the connector uses
// (products and variants, vendors' price lists, warehouses, stock
// locations and quants, stock moves, sale and purchase orders with their
// lines, partners, taxes, pricelists, currencies, chatter messages), Odoo
// domains with dotted paths, order, offset and limit, write_date kept to
// the microsecond and shown to the second, x2many commands, per-user
// access rights, and errors as Odoo returns them: AccessError,
// AccessDenied, MissingError, ValidationError, UserError (JSON-RPC error
// objects, or JSON-2 statuses 403, 404 and 422). Each call runs in a
// transaction that a failure rolls back. Totals are computed as Odoo does
// (floats rounded per line to the currency). Business methods include
// sale.order action_confirm and action_cancel (which opens the
// cancellation wizard unless the context says disable_cancel_warning),
// purchase.order button_confirm, stock.quant action_apply_inventory and
// message_post.
//
// The database is seeded deterministically from Options.Seed: warehouses,
// products with vendors and lead times, stock, confirmed purchase orders
// (their receipts are incoming stock, moves named like WH/IN/00001),
// draft RFQs and customers. Go methods (AddProduct, SetQuantity,
// SaleOrders, PurchaseOrders, ConfirmPurchaseOrder, AddReceipt,
// ReceiveMove, RescheduleMove, CancelMove, IncomingMoves …) change and
// inspect it as a person using Odoo would. SetFaults switches on 429s, proxy 5xx, slow answers, timeouts,
// malformed bodies, serialization failures and lost responses (a change
// applied whose answer never arrives); Stall hangs every request.
package odootest
