package e2e

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/odoo"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest"
	"github.com/supplyhub/supplyhub/connectors/odoo/odootest/suite"
	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/core/inventory"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// TestOdooPlugin runs the conformance kit against the Odoo connector as a
// real plugin process launched by the host, over JSON-RPC (Odoo 17) and
// JSON-2 (Odoo 19).
func TestOdooPlugin(t *testing.T) {
	p := odooPlugin(t)
	for _, v := range []string{"17.0", "19.0"} {
		t.Run("conformance "+v, func(t *testing.T) {
			srv, err := odootest.NewServer(suite.Options(v))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			conformance.Run(t, suite.New(t, srv, p))
		})
	}
}

// TestOdooGatewayOrdersAndRFQs takes 1,000 Shopify orders through the
// gateway into a fake Odoo: the gateway syncs them from the fake shop, an
// upsert_order write-back per order (key: source ref and version) goes to
// the Odoo connection while the fake Odoo loses answers, fails and
// conflicts; everything is then enqueued again (the same keys, and new
// keys, so that the connector's own idempotency is exercised); each sale
// order must exist once with the channel's total less its refunds. Then
// the shop refunds, cancels and edits orders, and the new versions update
// their sale orders. Finally the gateway syncs the Odoo stock and
// products, the inventory planner makes purchase suggestions from them,
// and create_purchase_order write-backs must leave draft RFQs per vendor
// and warehouse whose quantities match the suggestions.
func TestOdooGatewayOrdersAndRFQs(t *testing.T) {
	const orders = 1000
	start := time.Now()
	bin, plugins := odooGatewayBuild(t)
	t.Logf("built in %v", time.Since(start).Round(time.Millisecond))
	shop, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_e2e", ClientSecret: "e2e-secret", Orders: orders, Seed: 21, RestoreRate: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	defer shop.Close()
	erp, err := odootest.NewServer(odootest.Options{Version: "19.0", Products: -1, Customers: -1, Seed: 21})
	if err != nil {
		t.Fatal(err)
	}
	defer erp.Close()

	data, addr := t.TempDir(), freeAddr(t)
	g := startGateway(t, bin, plugins, data, addr, "SUPPLYHUB_INGRESS_RETRY_BASE=100ms", "SUPPLYHUB_INGRESS_RETRY_MAX=1s",
		"SUPPLYHUB_INGRESS_SCHEDULE=-1s", "SUPPLYHUB_INGRESS_MAX_ATTEMPTS=20")
	token := g.bootstrapToken()
	var created map[string]any
	if code := apiCall(t, addr, token, "POST", "/v1/connections", map[string]any{"id": "shop", "connector": "shopify", "name": "E2E shop",
		"config": map[string]any{"shop_domain": "supplyhub-demo.myshopify.com", "access_token": "shpat_e2e", "client_secret": "e2e-secret",
			"base_url": shop.URL}}, &created); code != 201 {
		t.Fatalf("create the shop connection: %d %v", code, created)
	}
	if code := apiCall(t, addr, token, "POST", "/v1/connections", map[string]any{"id": "odoo", "connector": "odoo", "name": "E2E Odoo",
		"config": map[string]any{"base_url": erp.URL, "database": erp.Database(), "api_key": erp.APIKey(), "max_retries": 3}}, &created); code != 201 {
		t.Fatalf("create the odoo connection: %d %v", code, created)
	}
	check, _ := created["check"].(map[string]any)
	details, _ := check["details"].(map[string]any)
	if details["api"] != "json-2" {
		t.Fatalf("the connection's check chose %v, want json-2 on Odoo 19: %v", details["api"], check)
	}

	// the shop's orders into the gateway
	syncAndWait(t, addr, token, "shop", map[string]any{"streams": []string{"orders"}, "mode": "full"}, 3*time.Minute)
	var shopOrders []*commerce.Order
	for _, r := range listRecords(t, addr, token, "orders", commerce.KindOrder, url.Values{"connection": {"shop"}}) {
		shopOrders = append(shopOrders, r.(*commerce.Order))
	}
	if len(shopOrders) != orders {
		t.Fatalf("the gateway holds %d orders of the shop, want %d", len(shopOrders), orders)
	}
	t.Logf("synced %d orders at %v", len(shopOrders), time.Since(start).Round(time.Millisecond))

	// the merchant's catalogue in Odoo: every SKU sold, with a vendor and
	// some stock
	seedCatalogue(t, erp, shopOrders)

	// push every order, while Odoo misbehaves
	erp.SetFaults(odootest.Faults{LostResponse: 0.01, Err5xx: 0.01, Serialization: 0.01, Err429: 0.005, RetryAfter: 50 * time.Millisecond})
	pushStart := time.Now()
	parallel(t, shopOrders, func(o *commerce.Order) {
		if enqueue(t, addr, token, "odoo", sdk.ActionUpsertOrder, orderKey(o), forConnection(o)) {
			t.Errorf("order %s was already queued", o.Source.ExternalID)
		}
	})
	waitWritebacks(t, addr, token, "odoo", orders, 5*time.Minute)
	pushed := time.Since(pushStart)
	st := erp.Stats()
	t.Logf("pushed %d orders through the gateway in %v (%.0f orders/s); Odoo lost %d answers and injected %d 5xx, %d serialization failures, %d 429s",
		orders, pushed.Round(time.Millisecond), orders/pushed.Seconds(), st.LostResponses, st.Injected5xx, st.InjectedSerialization, st.Injected429)
	if st.LostResponses == 0 || st.InjectedSerialization == 0 {
		t.Fatalf("the fake Odoo did not fail as intended: %+v", st)
	}
	erp.SetFaults(odootest.Faults{})
	checkSaleOrders(t, erp, shopOrders)

	// replay: the same keys are absorbed by the gateway; new keys reach the
	// connector, which finds every order in Odoo
	replayStart := time.Now()
	parallel(t, shopOrders, func(o *commerce.Order) {
		if !enqueue(t, addr, token, "odoo", sdk.ActionUpsertOrder, orderKey(o), forConnection(o)) {
			t.Errorf("replaying %s with its key queued it again", o.Source.ExternalID)
		}
		enqueue(t, addr, token, "odoo", sdk.ActionUpsertOrder, orderKey(o)+"#replay", forConnection(o))
	})
	ws := waitWritebacks(t, addr, token, "odoo", 2*orders, 5*time.Minute)
	t.Logf("replayed %d orders in %v", orders, time.Since(replayStart).Round(time.Millisecond))
	extByKey := map[string]string{}
	for _, w := range ws {
		extByKey[w.IdempotencyKey] = w.ExternalID
	}
	for _, o := range shopOrders {
		if a, b := extByKey[orderKey(o)], extByKey[orderKey(o)+"#replay"]; a == "" || a != b {
			t.Fatalf("order %s: first write %q, replay %q: want the same sale order", o.Source.ExternalID, a, b)
		}
	}
	checkSaleOrders(t, erp, shopOrders)

	// the shop moves on: refunds, cancellations, edits
	changed := map[string]bool{}
	refundedN, cancelledN, editedN := 0, 0, 0
	shop.EachOrder(func(o shopifytest.OrderSummary) bool {
		var err error
		switch {
		case o.Cancelled:
			return true
		case refundedN < 25 && o.FinancialStatus == "paid" && o.Refunds == 0:
			_, err = shop.RefundOrder(o.GID)
			refundedN++
		case cancelledN < 15 && o.Fulfillments == 0 && o.Refunds == 0:
			err = shop.CancelOrder(o.GID, "customer")
			cancelledN++
		case editedN < 20:
			err = shop.UpdateOrder(o.GID, "gift wrap please")
			editedN++
		default:
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		changed[o.GID] = true
		return true
	})
	syncAndWait(t, addr, token, "shop", map[string]any{"streams": []string{"orders"}}, 3*time.Minute)
	var updated []*commerce.Order
	for _, r := range listRecords(t, addr, token, "orders", commerce.KindOrder, url.Values{"connection": {"shop"}}) {
		o := r.(*commerce.Order)
		if changed[o.Source.ExternalID] {
			updated = append(updated, o)
		}
	}
	if len(updated) != len(changed) {
		t.Fatalf("the incremental sync brought %d of %d changed orders", len(updated), len(changed))
	}
	parallel(t, updated, func(o *commerce.Order) {
		action := sdk.ActionUpsertOrder
		if o.CancelledAt != nil {
			action = sdk.ActionCancelOrder
		}
		enqueue(t, addr, token, "odoo", action, orderKey(o), forConnection(o))
	})
	waitWritebacks(t, addr, token, "odoo", 2*orders+len(updated), 3*time.Minute)
	latest := map[string]*commerce.Order{}
	for _, o := range shopOrders {
		latest[o.Source.ExternalID] = o
	}
	for _, o := range updated {
		latest[o.Source.ExternalID] = o
	}
	all := make([]*commerce.Order, 0, len(latest))
	for _, o := range latest {
		all = append(all, o)
	}
	checkSaleOrders(t, erp, all)
	t.Logf("%d refunded, %d cancelled, %d edited orders updated their sale orders", refundedN, cancelledN, editedN)

	rfqs(t, addr, token, erp, shopOrders)
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// parallel runs fn over orders on 8 goroutines.
func parallel(t *testing.T, orders []*commerce.Order, fn func(o *commerce.Order)) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(orders) {
					return
				}
				fn(orders[i])
			}
		}()
	}
	wg.Wait()
}

// seedCatalogue creates an Odoo product per SKU the orders sell, at the
// price they sell it, with one of three vendors and stock in WH.
func seedCatalogue(t *testing.T, erp *odootest.Server, orders []*commerce.Order) {
	t.Helper()
	price := map[string]commerce.Money{}
	service := map[string]bool{}
	var skus []string
	for _, o := range orders {
		for _, l := range o.Lines {
			if _, ok := price[l.SKU]; !ok {
				price[l.SKU] = l.UnitPrice.Shop
				skus = append(skus, l.SKU)
			}
			service[l.SKU] = service[l.SKU] || !l.RequiresShipping
		}
	}
	vendors := []string{"Harbour Supply Co", "Nordic Wool AB", "Porto Textiles Lda"}
	for i, sku := range skus {
		f, _ := price[sku].Amount.Float64()
		spec := odootest.ProductSpec{Name: "Product " + sku, SKUs: []string{sku}, ListPrice: f, Cost: f / 2, Service: service[sku]}
		if !service[sku] {
			spec.Vendor, spec.VendorDelay = vendors[i%len(vendors)], 5+7*(i%len(vendors))
		}
		if _, err := erp.AddProduct(spec); err != nil {
			t.Fatal(err)
		}
		if !service[sku] {
			if err := erp.SetQuantity(sku, "WH", float64(i%9)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("Odoo catalogue: %d products", len(skus))
}

// checkSaleOrders checks that every order has exactly one sale order with
// the channel's total less its refunds, cancelled when the order is.
func checkSaleOrders(t *testing.T, erp *odootest.Server, orders []*commerce.Order) {
	t.Helper()
	byRef := map[string][]odootest.SaleOrder{}
	for _, so := range erp.SaleOrders() {
		byRef[so.ClientOrderRef] = append(byRef[so.ClientOrderRef], so)
	}
	bad := 0
	for _, o := range orders {
		sos := byRef[o.Source.ExternalID]
		if len(sos) != 1 {
			t.Errorf("order %s has %d sale orders", o.Source.ExternalID, len(sos))
			bad++
			continue
		}
		so := sos[0]
		net, err := o.Total.Shop.Sub(refunded(o))
		if err != nil {
			t.Fatal(err)
		}
		state := "sale"
		if o.CancelledAt != nil {
			state = "cancel"
		}
		if so.AmountTotal != net.Amount.StringFixed(2) || so.State != state || so.Currency != string(o.Currency) {
			t.Errorf("order %s (%s): sale order %s total %s %s, state %s; want %s, %s (notes %q)", o.Source.ExternalID, o.Number,
				so.Name, so.AmountTotal, so.Currency, so.State, net, state, erp.Messages("sale.order", so.ID))
			bad++
		}
		if bad > 10 {
			t.Fatal("too many mismatches")
		}
	}
	if n := len(erp.SaleOrders()); n != len(byRef) || n < len(orders) {
		t.Errorf("Odoo holds %d sale orders for %d channel orders", n, len(orders))
	}
	if bad > 0 {
		t.FailNow()
	}
}

// rfqs syncs Odoo's stock and products into the gateway, plans purchases
// with the inventory planner from the shop's demand, writes them back as
// RFQs and checks them.
func rfqs(t *testing.T, addr, token string, erp *odootest.Server, orders []*commerce.Order) {
	t.Helper()
	// a buyer confirms purchase orders for three SKUs: dated receipts
	var vendors []string
	for name := range erp.Suppliers() {
		vendors = append(vendors, name)
	}
	slices.Sort(vendors)
	ordered := 0
	for _, p := range erp.Products() {
		if ordered == 3 || len(vendors) == 0 {
			break
		}
		if p.Storable && p.Active && p.SKU != "" {
			if _, err := erp.AddReceipt(p.SKU, "WH", vendors[0], float64(24+ordered), time.Now().UTC().AddDate(0, 0, 10+ordered)); err != nil {
				t.Fatal(err)
			}
			ordered++
		}
	}
	syncAndWait(t, addr, token, "odoo", map[string]any{"streams": []string{odoo.StreamProducts, odoo.StreamInventoryLevels, odoo.StreamReceipts}, "mode": "full"}, 2*time.Minute)
	levels := listRecords(t, addr, token, "inventory", commerce.KindInventoryLevel, url.Values{"connection": {"odoo"}})
	products := listRecords(t, addr, token, "products", commerce.KindProduct, url.Values{"connection": {"odoo"}})
	// the dated receipts went through the plugin and the store and add up
	// to the levels' incoming stock
	receipts := listRecords(t, addr, token, "receipts", commerce.KindReceipt, url.Values{"connection": {"odoo"}})
	dated := map[string]int{}
	for _, r := range receipts {
		rc := r.(*commerce.Receipt)
		if rc.ExpectedAt == nil || rc.Document == "" || rc.PurchaseOrder == "" {
			t.Errorf("receipt %s lacks its date or documents: %+v", rc.Source.ExternalID, rc)
		}
		dated[rc.SKU+"@"+rc.LocationID] += rc.Quantity
	}
	if len(receipts) < 3 {
		t.Fatalf("%d receipts were synced from Odoo's 3 confirmed purchase orders", len(receipts))
	}
	for _, r := range levels {
		if lv := r.(*commerce.InventoryLevel); !lv.Deleted && lv.Incoming != dated[lv.SKU+"@"+lv.LocationID] {
			t.Errorf("%s at %s: incoming %d, receipts %d", lv.SKU, lv.LocationID, lv.Incoming, dated[lv.SKU+"@"+lv.LocationID])
		}
	}
	type terms struct {
		supplier string
		lead     int
	}
	bySKU := map[string]terms{}
	for _, r := range products {
		p := r.(*commerce.Product)
		lead, _ := strconv.Atoi(tagValue(p.Tags, "lead_time_days"))
		for _, v := range p.Variants {
			bySKU[v.SKU] = terms{supplier: tagValue(p.Tags, "supplier"), lead: lead}
		}
	}
	// daily demand per SKU over the shop's year of orders
	units := map[string]float64{}
	for _, o := range orders {
		for _, l := range o.Lines {
			units[l.SKU] += float64(o.NetQuantity(l.SKU))
		}
	}
	var inputs []inventory.Input
	for _, r := range levels {
		lv := r.(*commerce.InventoryLevel)
		tm, ok := bySKU[lv.SKU]
		if lv.Deleted || !ok || tm.supplier == "" || !strings.HasSuffix(lv.LocationID, ","+strconv.FormatInt(whID(erp, "WH"), 10)) {
			continue
		}
		mean := max(units[lv.SKU]/365*20, 0.2) // a busier season than last year's
		dem, err := inventory.NewConstantDemand(mean, mean/2)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, inventory.Input{Position: inventory.Position{SKU: lv.SKU, LocationID: lv.LocationID, OnHand: lv.OnHand,
			Committed: lv.Committed, Available: lv.Available, Incoming: lv.Incoming, UpdatedAt: lv.UpdatedAt},
			Demand: dem, LeadTime: inventory.LeadTime{Days: tm.lead}, Supplier: tm.supplier})
	}
	if len(inputs) == 0 {
		t.Fatal("no stock levels to plan from")
	}
	seq := func(yield func(inventory.Input, error) bool) {
		for _, in := range inputs {
			if !yield(in, nil) {
				return
			}
		}
	}
	var sugs []commerce.ReplenishmentSuggestion
	for s, err := range inventory.Plan(context.Background(), iter.Seq2[inventory.Input, error](seq), inventory.Config{Now: time.Now(), Lookahead: 7}) {
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		sugs = append(sugs, s)
	}
	if len(sugs) < 3 {
		t.Fatalf("the planner suggested %d purchases for %d SKU-locations; the test needs a few", len(sugs), len(inputs))
	}
	before := len(allWritebacks(t, addr, token, "odoo"))
	want := map[string]map[string]int{} // vendor@warehouse -> sku -> units
	for i := range sugs {
		s := sugs[i]
		s.Source.Connection = "" // the planner's own records belong to "supplyhub"; the write-back goes to odoo
		enqueue(t, addr, token, "odoo", sdk.ActionCreatePurchaseOrder, "rfq/"+s.Source.ExternalID, &s)
		k := s.Supplier + "@WH"
		if want[k] == nil {
			want[k] = map[string]int{}
		}
		want[k][s.SKU] += s.Quantity
	}
	waitWritebacks(t, addr, token, "odoo", before+len(sugs), 2*time.Minute)
	got := map[string]map[string]int{}
	for _, po := range erp.PurchaseOrders() {
		if !strings.HasPrefix(po.Origin, "Supplyhub:") {
			continue
		}
		if po.State != "draft" {
			t.Errorf("RFQ %s is %s, want draft", po.Name, po.State)
		}
		k := po.Partner + "@" + po.WarehouseCode
		if got[k] == nil {
			got[k] = map[string]int{}
		}
		for _, l := range po.Lines {
			got[k][l.SKU] += int(l.Quantity)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("RFQs %v\nsuggestions %v", got, want)
	}
	if erp.Calls("purchase.order.button_confirm") != 0 {
		t.Fatal("an RFQ was confirmed")
	}
	// a replay of the run changes nothing
	for i := range sugs {
		s := sugs[i]
		s.Source.Connection = ""
		enqueue(t, addr, token, "odoo", sdk.ActionCreatePurchaseOrder, "rfq/"+s.Source.ExternalID+"#replay", &s)
	}
	waitWritebacks(t, addr, token, "odoo", before+2*len(sugs), 2*time.Minute)
	n := 0
	for _, po := range erp.PurchaseOrders() {
		if strings.HasPrefix(po.Origin, "Supplyhub:") {
			for _, l := range po.Lines {
				n += int(l.Quantity)
			}
		}
	}
	total := 0
	for _, s := range sugs {
		total += s.Quantity
	}
	if n != total {
		t.Fatalf("after a replay the RFQs hold %d units, the suggestions %d", n, total)
	}
	t.Logf("%d suggestions for %d SKU-locations became %d draft RFQs (%d units)", len(sugs), len(inputs), len(got), total)
}

func whID(erp *odootest.Server, code string) int64 {
	for _, w := range erp.Warehouses() {
		if w.Code == code {
			return w.ID
		}
	}
	return 0
}

// BenchmarkOdooPlugin pushes 1,000 orders as sale orders through the Odoo
// plugin process (Write calls of 100 changes, as the write-back queue
// sends them), replays them, and reads the stock levels of 2,000 product
// templates: orders and levels per second across the process boundary,
// for JSON-RPC (17.0) and JSON-2 (19.0).
func BenchmarkOdooPlugin(b *testing.B) {
	p := odooPlugin(b)
	for _, v := range []string{"17.0", "19.0"} {
		b.Run("orders/"+v, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				erp, err := odootest.NewServer(odootest.Options{Version: v, Products: 200, Customers: -1, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				orders := suite.GenerateOrders(erp, "bench", 1000, 7)
				cfg := []byte(fmt.Sprintf(`{"base_url":%q,"database":%q,"login":%q,"api_key":%q}`, erp.URL, erp.Database(), erp.Login(), erp.APIKey()))
				b.StartTimer()
				for _, phase := range []string{"first", "replay"} {
					start := time.Now()
					for i := 0; i < len(orders); i += 100 {
						var changes []sdk.Change
						for k, o := range orders[i:min(len(orders), i+100)] {
							changes = append(changes, sdk.Change{IdempotencyKey: fmt.Sprintf("%s-%d", phase, i+k), Action: sdk.ActionUpsertOrder, Record: o})
						}
						res, err := p.Sink.Write(context.Background(), sdk.WriteRequest{Connection: "bench", Config: cfg, Changes: changes})
						if err != nil {
							b.Fatal(err)
						}
						for _, r := range res.Results {
							if r.Status == sdk.StatusFailed {
								b.Fatalf("%s: %v", r.IdempotencyKey, r.Error)
							}
						}
					}
					b.ReportMetric(float64(len(orders))/time.Since(start).Seconds(), phase+"-orders/s")
				}
				b.StopTimer()
				if n := erp.Count("sale.order"); n != len(orders) {
					b.Fatalf("%d sale orders for %d orders", n, len(orders))
				}
				erp.Close()
				b.StartTimer()
			}
		})
		b.Run("levels/"+v, func(b *testing.B) {
			erp, err := odootest.NewServer(odootest.Options{Version: v, Products: 2000, Customers: -1, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			defer erp.Close()
			cfg := []byte(fmt.Sprintf(`{"base_url":%q,"database":%q,"login":%q,"api_key":%q,"page_size":500}`, erp.URL, erp.Database(), erp.Login(), erp.APIKey()))
			n := 0
			start := time.Now()
			for b.Loop() {
				var s shopifyCountStream
				if err := p.Source.Read(context.Background(), sdk.ReadRequest{Connection: "bench", Config: cfg, Stream: odoo.StreamInventoryLevels, Mode: sdk.ModeFull}, &s); err != nil {
					b.Fatal(err)
				}
				n += s.records
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "levels/s")
		})
	}
}
