package odootest

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// currencyDigits are the currencies the fake knows, with their decimals.
var currencyDigits = map[string]int{"USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "CHF": 2, "JPY": 0}

func currencyCodes() []string {
	var cs []string
	for c := range currencyDigits {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	return cs
}

var countries = []struct{ code, name string }{
	{"US", "United States"}, {"DE", "Germany"}, {"FR", "France"}, {"GB", "United Kingdom"}, {"CA", "Canada"},
	{"AU", "Australia"}, {"JP", "Japan"}, {"NL", "Netherlands"}, {"IT", "Italy"}, {"ES", "Spain"}, {"CN", "China"},
	{"VN", "Vietnam"}, {"PT", "Portugal"}, {"SE", "Sweden"}, {"IN", "India"}, {"PL", "Poland"}, {"IE", "Ireland"},
	{"TR", "Turkey"}, {"AT", "Austria"}, {"CH", "Switzerland"}, {"BE", "Belgium"},
}

var states = []struct{ country, code, name string }{
	{"US", "NY", "New York"}, {"US", "NJ", "New Jersey"}, {"US", "CA", "California"}, {"US", "WA", "Washington"},
	{"CA", "ON", "Ontario"}, {"AU", "NSW", "New South Wales"}, {"JP", "JP-13", "Tokyo"},
}

// SeedTaxes are the sale taxes every fake holds, by name: the rate in
// percent and whether it is included in prices.
var seedTaxes = []struct {
	name     string
	amount   float64
	included bool
	use      string
}{
	{"Tax 15%", 15, false, "sale"},
	{"4% Sales Tax", 4, false, "sale"},
	{"13% HST", 13, false, "sale"},
	{"19% VAT (incl.)", 19, true, "sale"},
	{"20% VAT (incl.)", 20, true, "sale"},
	{"10% GST (incl.)", 10, true, "sale"},
	{"0% Exempt", 0, false, "sale"},
	{"15% Purchase", 15, false, "purchase"},
}

var productNames = []struct {
	name, attr string
	values     []string
	price      float64
	kg         float64
	hs, origin string
}{
	{"Oak Desk Lamp", "Finish", []string{"Natural", "Black"}, 79, 1.6, "940520", "PT"},
	{"Merino Crew Sweater", "Size", []string{"S", "M", "L"}, 89, 0.38, "611011", "PT"},
	{"Steel Water Bottle 750 ml", "Color", []string{"Steel", "Forest", "Rust"}, 34, 0.41, "732393", "CN"},
	{"Canvas Weekender Bag", "Color", []string{"Sand", "Black"}, 145, 1.25, "420292", "IN"},
	{"Ceramic Pour-Over Set", "", nil, 48, 0.9, "691200", "JP"},
	{"Rain Shell Jacket", "Size", []string{"S", "M", "L"}, 189, 0.52, "620193", "VN"},
	{"Wool Beanie", "Color", []string{"Charcoal", "Mustard"}, 29, 0.08, "650500", "IE"},
	{"Leather Card Holder", "Color", []string{"Tan", "Black"}, 45, 0.04, "420232", "IT"},
	{"Camp Mug Enamel", "", nil, 18, 0.23, "732391", "PL"},
	{"Linen Tea Towel Set", "", nil, 24, 0.2, "630260", "PT"},
}

var firstNames = []string{"Lena", "Jonas", "Amélie", "Oliver", "Sofia", "Liam", "Mia", "Noah", "Yuki", "Chloé", "Aarav", "Emma"}
var lastNames = []string{"Müller", "Schmidt", "Dubois", "Smith", "García", "Tanaka", "Brown", "Nguyen", "Rossi", "Kowalski", "Jensen"}

type seeder struct {
	s    *Server
	tx   *tx
	r    *rand.Rand
	from time.Time
	span time.Duration
	ids  map[string]int64 // named records: "country:US", "tax:Tax 15%", "wh:WH" ...
}

// at sets the time of the next changes to a random instant of the seeded
// year, with microseconds as PostgreSQL stores them.
func (sd *seeder) at() {
	d := time.Duration(sd.r.Int64N(int64(sd.span)))
	sd.tx.now = sd.from.Add(d).Truncate(time.Microsecond)
}

func (sd *seeder) create(model string, vals map[string]any) int64 {
	id, err := sd.tx.create(model, vals)
	if err != nil {
		panic(fmt.Sprintf("odootest: seed %s %v: %v", model, vals, err))
	}
	return id
}

func f(id int64) float64 { return float64(id) }

func (s *Server) seed() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("odootest: seed: %v\n%s", r, debug.Stack())
		}
	}()
	until := s.opts.Until.UTC()
	sd := &seeder{s: s, r: rand.New(rand.NewPCG(uint64(s.opts.Seed), 1)), from: until.Add(-365 * 24 * time.Hour),
		span: 365 * 24 * time.Hour, ids: map[string]int64{}}
	sd.tx = &tx{db: s.db, sudo: true, ctx: map[string]any{"active_test": false}, now: sd.from, calls: s.calls}
	tx := sd.tx
	for _, c := range currencyCodes() {
		rounding := 0.01
		if currencyDigits[c] == 0 {
			rounding = 1
		}
		sd.ids["cur:"+c] = sd.create("res.currency", map[string]any{"name": c, "symbol": c, "rounding": rounding, "decimal_places": float64(currencyDigits[c])})
	}
	for _, c := range countries {
		sd.ids["country:"+c.code] = sd.create("res.country", map[string]any{"name": c.name, "code": c.code})
	}
	for _, st := range states {
		sd.ids["state:"+st.country+"-"+st.code] = sd.create("res.country.state", map[string]any{"name": st.name, "code": st.code, "country_id": f(sd.ids["country:"+st.country])})
	}
	cur := sd.ids["cur:"+s.opts.Currency]
	companyPartner := sd.create("res.partner", map[string]any{"name": "Supplyhub Demo Co", "is_company": true, "street": "500 Terry Francine St",
		"city": "San Francisco", "zip": "94158", "country_id": f(sd.ids["country:US"]), "state_id": f(sd.ids["state:US-CA"])})
	sd.create("res.company", map[string]any{"name": "Supplyhub Demo Co", "currency_id": f(cur), "partner_id": f(companyPartner)})
	// users: OdooBot is uid 1, the administrator uid 2, as in a new database
	bot := sd.create("res.partner", map[string]any{"name": "OdooBot"})
	sd.create("res.users", map[string]any{"name": "OdooBot", "login": "__system__", "partner_id": f(bot), "company_id": 1.0, "active": false})
	all := append([]User{{Login: s.opts.Login, APIKey: s.opts.APIKey, Name: "Mitchell Admin"}}, s.opts.Users...)
	for _, u := range all {
		name := u.Name
		if name == "" {
			name = u.Login
		}
		p := sd.create("res.partner", map[string]any{"name": name, "email": u.Login + "@example.com"})
		id := sd.create("res.users", map[string]any{"name": name, "login": u.Login, "partner_id": f(p), "company_id": 1.0})
		s.users = append(s.users, &user{id: id, partner: p, login: u.Login, key: u.APIKey, access: u.Access})
	}
	for _, c := range currencyCodes() {
		sd.ids["pricelist:"+c] = sd.create("product.pricelist", map[string]any{"name": "Public Pricelist (" + c + ")", "currency_id": f(sd.ids["cur:"+c])})
	}
	for _, t := range seedTaxes {
		sd.ids["tax:"+t.name] = sd.create("account.tax", map[string]any{"name": t.name, "amount": t.amount, "price_include": t.included, "type_tax_use": t.use})
	}
	// locations and warehouses
	physical := sd.create("stock.location", map[string]any{"name": "Physical Locations", "usage": "view"})
	partners := sd.create("stock.location", map[string]any{"name": "Partners", "usage": "view"})
	virtual := sd.create("stock.location", map[string]any{"name": "Virtual Locations", "usage": "view"})
	sd.create("stock.location", map[string]any{"name": "Vendors", "usage": "supplier", "location_id": f(partners)})
	sd.create("stock.location", map[string]any{"name": "Customers", "usage": "customer", "location_id": f(partners)})
	sd.create("stock.location", map[string]any{"name": "Inventory adjustment", "usage": "inventory", "location_id": f(virtual)})
	sd.ids["loc:physical"] = physical
	for _, w := range []struct {
		name, code, street, city, zip, country, state string
		active                                        bool
	}{
		{"San Francisco", "WH", "250 Executive Park Blvd", "San Francisco", "94134", "US", "US-CA", true},
		{"Berlin", "BER", "Am Borsigturm 40", "Berlin", "13507", "DE", "", true},
		{"Old Depot", "OLD", "1 Dock Rd", "Bristol", "BS1 4RN", "GB", "", false},
	} {
		sd.at()
		vals := map[string]any{"name": "Supplyhub Demo Co, " + w.name, "street": w.street, "city": w.city, "zip": w.zip,
			"country_id": f(sd.ids["country:"+w.country]), "type": "delivery", "parent_id": f(companyPartner)}
		if w.state != "" {
			vals["state_id"] = f(sd.ids["state:"+w.state])
		}
		addr := sd.create("res.partner", vals)
		s.addWarehouse(tx, w.name, w.code, addr, w.active)
	}
	// a shelf inside the main stock location
	wh := tx.get("stock.warehouse", sd.warehouse("WH"))
	sd.ids["loc:WH/Shelf 1"] = sd.create("stock.location", map[string]any{"name": "Shelf 1", "usage": "internal",
		"location_id": f(wh["lot_stock_id"].(int64)), "warehouse_id": f(wh["id"].(int64))})
	// vendors
	var vendors []int64
	for i, v := range []struct{ name, city, country string }{
		{"Acme Components", "Portland", "US"}, {"Nordic Supply AB", "Gothenburg", "SE"},
		{"Shenzhen Works Ltd", "Shenzhen", "CN"}, {"Porto Textiles Lda", "Porto", "PT"},
	} {
		sd.at()
		vendors = append(vendors, sd.create("res.partner", map[string]any{"name": v.name, "is_company": true, "supplier_rank": 1.0,
			"city": v.city, "country_id": f(sd.ids["country:"+v.country]), "email": fmt.Sprintf("orders%d@%s.example.com", i+1, strings.ToLower(strings.Fields(v.name)[0]))}))
	}
	s.seedCategories(sd)
	// service products the connector uses for shipping and discounts
	for _, sp := range []struct{ name, code string }{{"Shipping", "SHIP"}, {"Discount", "DISC"}} {
		sd.at()
		sd.create("product.template", map[string]any{"name": sp.name, "type": "service", "default_code": sp.code, "list_price": 0.0,
			"purchase_ok": false, "taxes_id": []any{}, "product_variant_ids": []any{[]any{0.0, 0.0, map[string]any{"default_code": sp.code}}}})
	}
	if s.opts.Products > 0 {
		s.seedProducts(sd, vendors)
	}
	if s.opts.Customers > 0 {
		s.seedCustomers(sd)
	}
	tx.undo = nil
	return nil
}

func (sd *seeder) warehouse(code string) int64 {
	t := sd.tx.db.tables["stock.warehouse"]
	for _, id := range t.ids {
		if t.rows[id]["code"] == code {
			return id
		}
	}
	return 0
}

// addWarehouse creates a warehouse with its view and stock locations and
// its receipt operation type.
func (s *Server) addWarehouse(tx *tx, name, code string, partner int64, active bool) int64 {
	t := tx.db.tables["stock.location"]
	var physical int64
	for _, id := range t.ids {
		if t.rows[id]["name"] == "Physical Locations" {
			physical = id
		}
	}
	must := func(id int64, err error) int64 {
		if err != nil {
			panic(err)
		}
		return id
	}
	view := must(tx.create("stock.location", map[string]any{"name": code, "usage": "view", "location_id": f(physical), "active": active}))
	stock := must(tx.create("stock.location", map[string]any{"name": "Stock", "usage": "internal", "location_id": f(view), "active": active}))
	vals := map[string]any{"name": name, "code": code, "lot_stock_id": f(stock), "view_location_id": f(view), "active": active}
	if partner != 0 {
		vals["partner_id"] = f(partner)
	}
	wh := must(tx.create("stock.warehouse", vals))
	in := must(tx.create("stock.picking.type", map[string]any{"name": "Receipts", "code": "incoming", "warehouse_id": f(wh),
		"default_location_dest_id": f(stock), "active": active}))
	must(tx.create("stock.picking.type", map[string]any{"name": "Delivery Orders", "code": "outgoing", "warehouse_id": f(wh), "active": active}))
	tx.set("stock.warehouse", wh, "in_type_id", in)
	tx.set("stock.location", view, "warehouse_id", wh)
	tx.set("stock.location", stock, "warehouse_id", wh)
	return wh
}

func (s *Server) seedCategories(sd *seeder) {
	for _, c := range []string{"All", "All / Saleable", "All / Services"} {
		sd.ids["categ:"+c] = sd.create("product.category", map[string]any{"name": c})
	}
}

func (s *Server) storableVals() map[string]any {
	if s.version >= 18 {
		return map[string]any{"type": "consu", "is_storable": true}
	}
	return map[string]any{"type": "product"}
}

func (s *Server) seedProducts(sd *seeder, vendors []int64) {
	tx := sd.tx
	whs := []int64{sd.warehouse("WH"), sd.warehouse("BER")}
	var variantsByVendor = map[int64][]int64{}
	for p := 0; p < s.opts.Products; p++ {
		spec := productNames[p%len(productNames)]
		edition := p / len(productNames)
		name, prefix := spec.name, initials(spec.name)
		if edition > 0 {
			name = fmt.Sprintf("%s — Edition %d", spec.name, edition+1)
			prefix = fmt.Sprintf("%s%d", prefix, edition+1)
		}
		sd.at()
		price := spec.price
		cost := float64(int(price*float64(40+sd.r.IntN(20)))) / 100
		vals := map[string]any{"name": name, "list_price": price, "standard_price": cost, "weight": spec.kg, "hs_code": spec.hs,
			"country_of_origin": f(sd.ids["country:"+spec.origin]), "categ_id": f(sd.ids["categ:All / Saleable"]),
			"taxes_id": []any{[]any{6.0, 0.0, []any{f(sd.ids["tax:Tax 15%"])}}}}
		for k, v := range s.storableVals() {
			vals[k] = v
		}
		values := spec.values
		if len(values) == 0 {
			values = []string{""}
		}
		var variantCmds []any
		for _, v := range values {
			vv := map[string]any{"default_code": strings.ToUpper(prefix + "-" + strings.ReplaceAll(v, " ", ""))}
			if v == "" {
				vv["default_code"] = strings.ToUpper(prefix)
			} else {
				av := sd.create("product.template.attribute.value", map[string]any{"name": v, "attribute_name": spec.attr})
				vv["product_template_variant_value_ids"] = []any{[]any{6.0, 0.0, []any{f(av)}}}
			}
			variantCmds = append(variantCmds, []any{0.0, 0.0, vv})
		}
		vals["product_variant_ids"] = variantCmds
		if len(values) == 1 {
			vals["default_code"] = variantCmds[0].([]any)[2].(map[string]any)["default_code"]
		}
		tmpl := sd.create("product.template", vals)
		if p%17 == 16 {
			if err := tx.write("product.template", []int64{tmpl}, map[string]any{"active": false}); err != nil {
				panic(err)
			}
		}
		// vendors: one or two, with lead times
		nv := 1 + sd.r.IntN(2)
		for k := 0; k < nv; k++ {
			v := vendors[(p+k)%len(vendors)]
			sd.at()
			sd.create("product.supplierinfo", map[string]any{"partner_id": f(v), "product_tmpl_id": f(tmpl), "price": cost,
				"delay": float64(3 + sd.r.IntN(28)), "min_qty": float64([]int{0, 1, 10, 12}[sd.r.IntN(4)]), "sequence": float64(k + 1)})
		}
		variants := tx.children(tx.db.tables["product.template"].def.fields["product_variant_ids"], tmpl)
		for _, vid := range variants {
			variantsByVendor[vendors[p%len(vendors)]] = append(variantsByVendor[vendors[p%len(vendors)]], vid)
			for wi, wh := range whs {
				loc := tx.get("stock.warehouse", wh)["lot_stock_id"].(int64)
				if wi == 0 && sd.r.IntN(4) == 0 {
					loc = sd.ids["loc:WH/Shelf 1"]
				}
				qty := float64(sd.r.IntN(151))
				if qty == 0 && sd.r.IntN(2) == 0 {
					continue
				}
				sd.at()
				sd.create("stock.quant", map[string]any{"product_id": f(vid), "location_id": f(loc), "quantity": qty,
					"reserved_quantity": float64(min(int(qty), sd.r.IntN(6)))})
			}
		}
	}
	// purchase orders: a confirmed one per vendor (its receipts are the
	// incoming stock) and a draft RFQ
	for vi, v := range vendors {
		vs := variantsByVendor[v]
		if len(vs) == 0 {
			continue
		}
		for k, state := range []string{"purchase", "draft"} {
			sd.at()
			wh := whs[(vi+k)%len(whs)]
			pt := tx.get("stock.warehouse", wh)["in_type_id"].(int64)
			var lines []any
			for j := k; j < len(vs) && j < k+4; j++ {
				lines = append(lines, []any{0.0, 0.0, map[string]any{"product_id": f(vs[j]), "product_qty": float64(12 * (1 + sd.r.IntN(5)))}})
			}
			po := sd.create("purchase.order", map[string]any{"partner_id": f(v), "picking_type_id": f(pt), "order_line": lines, "origin": "Replenishment"})
			if state == "purchase" {
				if err := confirmPurchase(tx, po); err != nil {
					panic(err)
				}
			}
		}
	}
}

func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		r := []rune(w)[0]
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return strings.ToUpper(b.String())
}

func (s *Server) seedCustomers(sd *seeder) {
	cities := []struct{ city, zip, country, state, street string }{
		{"New York", "10001", "US", "US-NY", "350 Fifth Avenue"}, {"Berlin", "10119", "DE", "", "Torstraße 1"},
		{"Paris", "75011", "FR", "", "12 Rue Oberkampf"}, {"London", "EC1V 9HX", "GB", "", "1 City Road"},
		{"Toronto", "M5V 2T6", "CA", "CA-ON", "301 Front St W"}, {"Sydney", "2000", "AU", "AU-NSW", "1 George St"},
	}
	for c := 0; c < s.opts.Customers; c++ {
		sd.at()
		first, last := firstNames[sd.r.IntN(len(firstNames))], lastNames[sd.r.IntN(len(lastNames))]
		addr := cities[sd.r.IntN(len(cities))]
		vals := map[string]any{"name": first + " " + last, "email": strings.ToLower(fmt.Sprintf("%s.%s.%d@example.com", fold(first), fold(last), c)),
			"street": fmt.Sprintf("%d %s", 1+sd.r.IntN(200), addr.street), "city": addr.city, "zip": addr.zip,
			"country_id": f(sd.ids["country:"+addr.country]), "customer_rank": 1.0}
		if addr.state != "" {
			vals["state_id"] = f(sd.ids["state:"+addr.state])
		}
		if sd.r.IntN(3) == 0 {
			vals["phone"] = fmt.Sprintf("+1 555 01%02d %04d", sd.r.IntN(100), sd.r.IntN(10000))
		}
		if c%7 == 3 {
			vals["name"] = last + " & Co"
			vals["is_company"] = true
		}
		id := sd.create("res.partner", vals)
		if c%7 == 3 {
			sd.create("res.partner", map[string]any{"name": "Warehouse", "type": "delivery", "parent_id": f(id),
				"street": "9 Loading Dock", "city": addr.city, "zip": addr.zip, "country_id": f(sd.ids["country:"+addr.country])})
		}
	}
}

var fold = strings.NewReplacer("ü", "u", "é", "e", "ß", "ss", "ç", "c", "'", "", "ö", "o", "ä", "a", "í", "i").Replace
