// Package conformance is the test kit every Supplyhub connector runs from
// its own tests, pointed at its fake upstream, to prove that it behaves as
// the gateway needs: a complete manifest with a valid config schema,
// credentials checked with the right error, reads that resume from any
// checkpoint without gaps or duplicates, valid records, webhooks that verify,
// deduplicate and order correctly, idempotent writes, and prompt
// cancellation.
//
// It is for connector authors. Call [Run] from a test with a [Suite]:
//
//	func TestConformance(t *testing.T) {
//		up := shopifytest.NewServer(t)
//		conformance.Run(t, conformance.Suite{
//			Plugin:         sdk.InProcess(shopify.New()),
//			Config:         up.Config(),
//			BadCredentials: up.ConfigWithToken("wrong"),
//			Upstream:       conformance.Upstream{Add: up.AddRecord, Update: up.UpdateRecord, Stall: up.Stall},
//			Webhooks:       up.WebhookFixtures(),
//			Writes:         up.WriteFixtures(),
//		})
//	}
//
// The same Suite runs against the connector in-process (sdk.InProcess),
// through the wire encoding in-process (sdk.Loopback), and as a real plugin
// process launched by the host (core/host), so a plugin in another language
// passes exactly the checks a Go one does.
//
// Each check is a named subtest, such as "read/orders/resume" or
// "webhooks/out-of-order". A check whose capability the plugin does not
// offer is skipped with that reason. Any other check is skipped only when
// Suite.Skip names it with a reason; a check that cannot run because the
// suite lacks what it needs fails and says what to add.
package conformance
