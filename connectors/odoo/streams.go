package odoo

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

var inactiveToo = map[string]any{"active_test": false}

func (c *Connector) streams() map[string]stream {
	return map[string]stream{
		StreamProducts: {
			model: "product.template", ctx: inactiveToo,
			base: func(context.Context, *readRun) ([]any, error) { return nil, nil },
			changed: func(s string) []any {
				return []any{"|", "|", []any{"write_date", ">=", s}, []any{"product_variant_ids.write_date", ">=", s}, []any{"seller_ids.write_date", ">=", s}}
			},
			fetch:   fetchProducts,
			parseID: func(id string) (int64, bool) { return parseRef(id, "product.template") },
		},
		StreamLocations: {
			model: "stock.warehouse", ctx: inactiveToo,
			base: func(context.Context, *readRun) ([]any, error) { return nil, nil },
			changed: func(s string) []any {
				return []any{"|", []any{"write_date", ">=", s}, []any{"partner_id.write_date", ">=", s}}
			},
			fetch:   fetchWarehouses,
			parseID: func(id string) (int64, bool) { return parseRef(id, "stock.warehouse") },
		},
		StreamInventoryLevels: {
			model: "product.product", ctx: inactiveToo,
			base: storableDomain,
			changed: func(s string) []any {
				return []any{"|", "|", []any{"write_date", ">=", s}, []any{"stock_quant_ids.write_date", ">=", s}, []any{"stock_move_ids.write_date", ">=", s}}
			},
			fetch: fetchLevels,
			perRoot: func(ctx context.Context, r *readRun) (int64, error) {
				whs, _, err := r.warehouses(ctx)
				return int64(len(whs)), err
			},
			parseID: func(id string) (int64, bool) {
				p, _, _ := strings.Cut(id, "@")
				return parseRef(p, "product.product")
			},
		},
		StreamCustomers: {
			model: "res.partner", ctx: inactiveToo,
			base: func(context.Context, *readRun) ([]any, error) { return []any{[]any{"customer_rank", ">", 0}}, nil },
			changed: func(s string) []any {
				return []any{"|", []any{"write_date", ">=", s}, []any{"child_ids.write_date", ">=", s}}
			},
			fetch:   fetchCustomers,
			parseID: func(id string) (int64, bool) { return parseRef(id, "res.partner") },
		},
		StreamReceipts: receiptsStream(),
	}
}

// money returns an amount of the company currency.
func (r *readRun) money(n onum) *commerce.Money {
	m := commerce.Money{Amount: n.Dec(), Currency: commerce.Currency(r.comp.Currency)}
	return &m
}

// countryCodes fills the ISO codes of countries and states by id.
func (r *readRun) codes(ctx context.Context, countries, states []int64) error {
	var needC, needS []int64
	for _, id := range countries {
		if _, ok := r.countries[id]; !ok && id != 0 && !slices.Contains(needC, id) {
			needC = append(needC, id)
		}
	}
	for _, id := range states {
		if _, ok := r.states[id]; !ok && id != 0 && !slices.Contains(needS, id) {
			needS = append(needS, id)
		}
	}
	if len(needC) > 0 {
		var rows []struct {
			ID   oint `json:"id"`
			Code ostr `json:"code"`
		}
		if _, err := r.cl.call(ctx, "res.country", "read", needC, map[string]any{"fields": []string{"code"}}, nil, &rows); err != nil {
			return err
		}
		for _, row := range rows {
			r.countries[int64(row.ID)] = strings.ToUpper(string(row.Code))
		}
	}
	if len(needS) > 0 {
		var rows []struct {
			ID   oint `json:"id"`
			Code ostr `json:"code"`
		}
		if _, err := r.cl.call(ctx, "res.country.state", "read", needS, map[string]any{"fields": []string{"code"}}, nil, &rows); err != nil {
			return err
		}
		for _, row := range rows {
			r.states[int64(row.ID)] = string(row.Code)
		}
	}
	return nil
}

// ---- products

type tmplRow struct {
	ID         oint   `json:"id"`
	Name       ostr   `json:"name"`
	Type       ostr   `json:"type"`
	IsStorable obool  `json:"is_storable"`
	Categ      m2o    `json:"categ_id"`
	Weight     onum   `json:"weight"`
	Active     obool  `json:"active"`
	HSCode     ostr   `json:"hs_code"`
	Origin     m2o    `json:"country_of_origin"`
	WriteDate  otime  `json:"write_date"`
	VariantIDs []oint `json:"product_variant_ids"`
}

type variantRow struct {
	ID        oint   `json:"id"`
	Tmpl      m2o    `json:"product_tmpl_id"`
	SKU       ostr   `json:"default_code"`
	Barcode   ostr   `json:"barcode"`
	Price     onum   `json:"lst_price"`
	Cost      onum   `json:"standard_price"`
	Weight    onum   `json:"weight"`
	Active    obool  `json:"active"`
	Values    []oint `json:"product_template_variant_value_ids"`
	WriteDate otime  `json:"write_date"`
}

type sellerRow struct {
	ID        oint  `json:"id"`
	Partner   m2o   `json:"partner_id"`
	Tmpl      m2o   `json:"product_tmpl_id"`
	Variant   m2o   `json:"product_id"`
	Delay     oint  `json:"delay"`
	MinQty    onum  `json:"min_qty"`
	Price     onum  `json:"price"`
	WriteDate otime `json:"write_date"`
}

var hsRE = regexp.MustCompile(`^[0-9]{6}([0-9]{2}([0-9]{2})?)?$`)

// templateFields are the product.template fields read, those the server
// has.
func (r *readRun) templateFields(ctx context.Context) ([]string, error) {
	fields := []string{"id", "name", "type", "categ_id", "weight", "active", "write_date", "product_variant_ids"}
	for _, opt := range []string{"is_storable", "hs_code", "country_of_origin"} {
		ok, err := r.cl.has(ctx, "product.template", opt)
		if err != nil {
			return nil, err
		}
		if ok {
			fields = append(fields, opt)
		}
	}
	return fields, nil
}

func storable(t tmplRow) bool { return bool(t.IsStorable) || t.Type == "product" }

func fetchProducts(ctx context.Context, r *readRun, ids []int64, since time.Time) ([]commerce.Record, error) {
	fields, err := r.templateFields(ctx)
	if err != nil {
		return nil, err
	}
	var tmpls []tmplRow
	if _, err := r.cl.call(ctx, "product.template", "read", ids, map[string]any{"fields": fields}, inactiveToo, &tmpls); err != nil {
		return nil, err
	}
	var variants []variantRow
	if _, err := r.cl.searchRead(ctx, "product.product", []any{[]any{"product_tmpl_id", "in", ids}},
		[]string{"id", "product_tmpl_id", "default_code", "barcode", "lst_price", "standard_price", "weight", "active", "product_template_variant_value_ids", "write_date"},
		0, 0, "id", inactiveToo, &variants); err != nil {
		return nil, err
	}
	var sellers []sellerRow
	if _, err := r.cl.searchRead(ctx, "product.supplierinfo", []any{[]any{"product_tmpl_id", "in", ids}},
		[]string{"id", "partner_id", "product_tmpl_id", "product_id", "delay", "min_qty", "price", "write_date"}, 0, 0, "sequence, id", nil, &sellers); err != nil {
		return nil, err
	}
	var valueIDs, countryIDs []int64
	for _, v := range variants {
		for _, id := range v.Values {
			valueIDs = append(valueIDs, int64(id))
		}
	}
	for _, t := range tmpls {
		countryIDs = append(countryIDs, t.Origin.ID)
	}
	values := map[int64]string{}
	if len(valueIDs) > 0 {
		slices.Sort(valueIDs)
		valueIDs = slices.Compact(valueIDs)
		var rows []struct {
			ID   oint `json:"id"`
			Name ostr `json:"name"`
		}
		if _, err := r.cl.call(ctx, "product.template.attribute.value", "read", valueIDs, map[string]any{"fields": []string{"name"}}, nil, &rows); err != nil {
			return nil, err
		}
		for _, row := range rows {
			values[int64(row.ID)] = string(row.Name)
		}
	}
	if err := r.codes(ctx, countryIDs, nil); err != nil {
		return nil, err
	}
	byTmpl := map[int64][]variantRow{}
	for _, v := range variants {
		byTmpl[v.Tmpl.ID] = append(byTmpl[v.Tmpl.ID], v)
	}
	sellersOf := map[int64][]sellerRow{}
	for _, s := range sellers {
		sellersOf[s.Tmpl.ID] = append(sellersOf[s.Tmpl.ID], s)
	}
	out := make([]commerce.Record, 0, len(tmpls))
	for _, t := range tmpls {
		id := int64(t.ID)
		version := t.WriteDate.t
		p := &commerce.Product{Title: string(t.Name), Category: t.Categ.Name, Status: "active"}
		if !t.Active {
			p.Status = "archived"
		}
		vs := byTmpl[id]
		active := 0
		for _, v := range vs {
			if v.Active {
				active++
			}
		}
		for _, v := range vs {
			version = latest(version, v.WriteDate.t)
			if !v.Active && active > 0 {
				continue // an archived variant of a product that has others
			}
			va := commerce.Variant{ExternalID: ref("product.product", int64(v.ID)), SKU: string(v.SKU), Barcode: string(v.Barcode),
				Price: r.money(v.Price), Tracked: storable(t), RequiresShipping: t.Type != "service"}
			if !v.Cost.Dec().IsZero() {
				va.Cost = r.money(v.Cost)
			}
			for _, vid := range v.Values {
				if name := values[int64(vid)]; name != "" {
					va.Options = append(va.Options, name)
				}
			}
			va.Title = strings.Join(va.Options, " / ")
			w := v.Weight.Dec()
			if !w.IsPositive() {
				w = t.Weight.Dec() // Odoo keeps a template's weight when its variants have none
			}
			if w.IsPositive() {
				va.Weight = &commerce.Weight{Value: w, Unit: commerce.Kilograms}
			}
			if hs := strings.NewReplacer(".", "", " ", "").Replace(string(t.HSCode)); hsRE.MatchString(hs) {
				va.HSCode = hs
			}
			va.CountryOfOrigin = r.countries[t.Origin.ID]
			p.Variants = append(p.Variants, va)
		}
		if ss := sellersOf[id]; len(ss) > 0 {
			main := ss[0]
			p.Vendor = main.Partner.Name
			p.Tags = append(p.Tags, "supplier:"+main.Partner.Name, "lead_time_days:"+strconv.FormatInt(int64(main.Delay), 10))
			if q := main.MinQty.Dec(); q.IsPositive() {
				p.Tags = append(p.Tags, "min_order_qty:"+q.String())
			}
			for _, s := range ss {
				version = latest(version, s.WriteDate.t)
			}
		}
		p.Meta = commerce.Meta{Source: commerce.Ref{Connection: r.req.Connection, ExternalID: ref("product.template", id)}, UpdatedAt: version}
		out = append(out, p)
	}
	return out, nil
}

// ---- locations

type partnerRow struct {
	ID        oint   `json:"id"`
	Name      ostr   `json:"name"`
	Email     ostr   `json:"email"`
	Phone     ostr   `json:"phone"`
	Mobile    ostr   `json:"mobile"`
	Street    ostr   `json:"street"`
	Street2   ostr   `json:"street2"`
	City      ostr   `json:"city"`
	Zip       ostr   `json:"zip"`
	State     m2o    `json:"state_id"`
	Country   m2o    `json:"country_id"`
	IsCompany obool  `json:"is_company"`
	Parent    m2o    `json:"parent_id"`
	Type      ostr   `json:"type"`
	Active    obool  `json:"active"`
	Created   otime  `json:"create_date"`
	WriteDate otime  `json:"write_date"`
	Children  []oint `json:"child_ids"`
}

var partnerFields = []string{"id", "name", "email", "phone", "street", "street2", "city", "zip", "state_id", "country_id",
	"is_company", "parent_id", "type", "active", "create_date", "write_date", "child_ids"}

func (r *readRun) address(p partnerRow) commerce.Address {
	a := commerce.Address{Name: string(p.Name), Line1: string(p.Street), Line2: string(p.Street2), City: string(p.City),
		PostalCode: string(p.Zip), CountryCode: r.countries[p.Country.ID], Phone: string(p.Phone)}
	if p.State.ID != 0 {
		a.Province = p.State.Name
		a.ProvinceCode = strings.TrimPrefix(r.states[p.State.ID], a.CountryCode+"-")
	}
	if p.Parent.ID != 0 {
		a.Company = p.Parent.Name
	}
	return a
}

func fetchWarehouses(ctx context.Context, r *readRun, ids []int64, _ time.Time) ([]commerce.Record, error) {
	var whs []struct {
		ID        oint  `json:"id"`
		Name      ostr  `json:"name"`
		Code      ostr  `json:"code"`
		Partner   m2o   `json:"partner_id"`
		Active    obool `json:"active"`
		WriteDate otime `json:"write_date"`
	}
	if _, err := r.cl.call(ctx, "stock.warehouse", "read", ids, map[string]any{"fields": []string{"id", "name", "code", "partner_id", "active", "write_date"}}, inactiveToo, &whs); err != nil {
		return nil, err
	}
	var pids []int64
	for _, w := range whs {
		if w.Partner.ID != 0 {
			pids = append(pids, w.Partner.ID)
		}
	}
	partners := map[int64]partnerRow{}
	if len(pids) > 0 {
		slices.Sort(pids)
		var rows []partnerRow
		if _, err := r.cl.call(ctx, "res.partner", "read", slices.Compact(pids), map[string]any{"fields": partnerFields}, inactiveToo, &rows); err != nil {
			return nil, err
		}
		var cs, ss []int64
		for _, p := range rows {
			partners[int64(p.ID)] = p
			cs, ss = append(cs, p.Country.ID), append(ss, p.State.ID)
		}
		if err := r.codes(ctx, cs, ss); err != nil {
			return nil, err
		}
	}
	out := make([]commerce.Record, 0, len(whs))
	for _, w := range whs {
		l := &commerce.Location{Name: string(w.Name), Type: "warehouse", Active: bool(w.Active), FulfillsOnlineOrders: bool(w.Active)}
		version := w.WriteDate.t
		if p, ok := partners[w.Partner.ID]; ok {
			l.Address = r.address(p)
			l.Address.Company, l.Address.Name = "", ""
			version = latest(version, p.WriteDate.t)
		}
		l.Meta = commerce.Meta{Source: commerce.Ref{Connection: r.req.Connection, ExternalID: ref("stock.warehouse", int64(w.ID))}, UpdatedAt: version}
		out = append(out, l)
	}
	return out, nil
}

// ---- inventory levels

// storableDomain selects the variants whose stock Odoo tracks and that
// have an internal reference: type "product" up to Odoo 17, is_storable
// from 18.
func storableDomain(ctx context.Context, r *readRun) ([]any, error) {
	ok, err := r.cl.has(ctx, "product.product", "is_storable")
	if err != nil {
		return nil, err
	}
	d := []any{[]any{"type", "=", "product"}}
	if ok {
		d = []any{[]any{"is_storable", "=", true}}
	}
	return append(d, []any{"default_code", "!=", false}), nil
}

type warehouseInfo struct {
	id    int64
	stock int64
}

// warehouses returns the active warehouses and the warehouse of every
// internal location, read once per run.
func (r *readRun) warehouses(ctx context.Context) ([]warehouseInfo, map[int64]int64, error) {
	if r.locWH != nil {
		return r.whs, r.locWH, nil
	}
	var whs []struct {
		ID    oint `json:"id"`
		Stock m2o  `json:"lot_stock_id"`
	}
	if _, err := r.cl.searchRead(ctx, "stock.warehouse", nil, []string{"id", "lot_stock_id"}, 0, 0, "id", nil, &whs); err != nil {
		return nil, nil, err
	}
	var locs []struct {
		ID        oint `json:"id"`
		Warehouse m2o  `json:"warehouse_id"`
	}
	if _, err := r.cl.searchRead(ctx, "stock.location", []any{[]any{"usage", "=", "internal"}}, []string{"id", "warehouse_id"}, 0, 0, "id", inactiveToo, &locs); err != nil {
		return nil, nil, err
	}
	out := make([]warehouseInfo, 0, len(whs))
	for _, w := range whs {
		out = append(out, warehouseInfo{id: int64(w.ID), stock: w.Stock.ID})
	}
	locWH := map[int64]int64{}
	for _, l := range locs {
		if l.Warehouse.ID != 0 {
			locWH[int64(l.ID)] = l.Warehouse.ID
		}
	}
	r.whs, r.locWH = out, locWH
	return out, locWH, nil
}

// all pages through a search_read.
func (r *readRun) all(ctx context.Context, model string, domain []any, fields []string, each func(raw []byte) (int, error)) error {
	const page = 2000
	for off := 0; ; off += page {
		var raw jsonRaw
		if _, err := r.cl.searchRead(ctx, model, domain, fields, off, page, "id", nil, &raw); err != nil {
			return err
		}
		n, err := each([]byte(raw))
		if err != nil {
			return err
		}
		if n < page {
			return nil
		}
	}
}

type quantRow struct {
	Product   m2o   `json:"product_id"`
	Location  m2o   `json:"location_id"`
	Quantity  onum  `json:"quantity"`
	Reserved  onum  `json:"reserved_quantity"`
	WriteDate otime `json:"write_date"`
}

type moveRow struct {
	Product   m2o   `json:"product_id"`
	From      m2o   `json:"location_id"`
	To        m2o   `json:"location_dest_id"`
	Qty       onum  `json:"product_qty"`
	Done      onum  `json:"quantity"`
	State     ostr  `json:"state"`
	Code      ostr  `json:"picking_code"`
	WriteDate otime `json:"write_date"`
}

type levelAcc struct {
	onHand, reserved, incoming decimal.Decimal
	version                    time.Time
}

func fetchLevels(ctx context.Context, r *readRun, ids []int64, since time.Time) ([]commerce.Record, error) {
	whs, locWH, err := r.warehouses(ctx)
	if err != nil {
		return nil, err
	}
	var prods []struct {
		ID        oint  `json:"id"`
		SKU       ostr  `json:"default_code"`
		Active    obool `json:"active"`
		WriteDate otime `json:"write_date"`
	}
	if _, err := r.cl.call(ctx, "product.product", "read", ids, map[string]any{"fields": []string{"id", "default_code", "active", "write_date"}}, inactiveToo, &prods); err != nil {
		return nil, err
	}
	type key struct{ product, warehouse int64 }
	acc := map[key]*levelAcc{}
	get := func(p, w int64) *levelAcc {
		k := key{p, w}
		a := acc[k]
		if a == nil {
			a = &levelAcc{}
			acc[k] = a
		}
		return a
	}
	err = r.all(ctx, "stock.quant", []any{[]any{"product_id", "in", ids}}, []string{"product_id", "location_id", "quantity", "reserved_quantity", "write_date"},
		func(raw []byte) (int, error) {
			var rows []quantRow
			if err := decodeRows(raw, &rows); err != nil {
				return 0, err
			}
			for _, q := range rows {
				wh, ok := locWH[q.Location.ID]
				if !ok {
					continue // not an internal location
				}
				a := get(q.Product.ID, wh)
				a.onHand = a.onHand.Add(q.Quantity.Dec())
				a.reserved = a.reserved.Add(q.Reserved.Dec())
				a.version = latest(a.version, q.WriteDate.t)
			}
			return len(rows), nil
		})
	if err != nil {
		return nil, err
	}
	moveFields := []string{"product_id", "location_id", "location_dest_id", "product_qty", "quantity", "state", "picking_code", "write_date"}
	err = r.all(ctx, "stock.move", []any{[]any{"product_id", "in", ids}, []any{"picking_code", "=", "incoming"},
		[]any{"state", "not in", []string{"draft", "cancel", "done"}}}, moveFields,
		func(raw []byte) (int, error) {
			var rows []moveRow
			if err := decodeRows(raw, &rows); err != nil {
				return 0, err
			}
			for _, m := range rows {
				wh, ok := locWH[m.To.ID]
				if !ok {
					continue
				}
				a := get(m.Product.ID, wh)
				if left := m.Qty.Dec().Sub(m.Done.Dec()); left.IsPositive() {
					a.incoming = a.incoming.Add(left)
				}
				a.version = latest(a.version, m.WriteDate.t)
			}
			return len(rows), nil
		})
	if err != nil {
		return nil, err
	}
	if !since.IsZero() {
		// moves that changed since the pass's bound and no longer count
		// (done, cancelled) still date the change of the level
		err = r.all(ctx, "stock.move", []any{[]any{"product_id", "in", ids}, []any{"write_date", ">=", formatTime(since)}}, moveFields,
			func(raw []byte) (int, error) {
				var rows []moveRow
				if err := decodeRows(raw, &rows); err != nil {
					return 0, err
				}
				for _, m := range rows {
					for _, loc := range []int64{m.From.ID, m.To.ID} {
						if wh, ok := locWH[loc]; ok {
							a := get(m.Product.ID, wh)
							a.version = latest(a.version, m.WriteDate.t)
						}
					}
				}
				return len(rows), nil
			})
		if err != nil {
			return nil, err
		}
	}
	out := make([]commerce.Record, 0, len(prods)*len(whs))
	for _, p := range prods {
		if p.SKU == "" {
			if r.cur.Pass != nil {
				r.cur.Pass.Skipped++
			}
			continue
		}
		for _, w := range whs {
			a := acc[key{int64(p.ID), w.id}]
			if a == nil {
				a = &levelAcc{}
			}
			lv := &commerce.InventoryLevel{SKU: string(p.SKU), VariantID: ref("product.product", int64(p.ID)), LocationID: ref("stock.warehouse", w.id)}
			lv.Meta = commerce.Meta{Source: commerce.Ref{Connection: r.req.Connection,
				ExternalID: ref("product.product", int64(p.ID)) + "@" + ref("stock.warehouse", w.id)},
				UpdatedAt: latest(p.WriteDate.t, a.version), Deleted: !bool(p.Active)}
			lv.OnHand = int(a.onHand.Floor().IntPart())
			lv.Committed = max(0, int(a.reserved.Ceil().IntPart()))
			lv.Available = lv.OnHand - lv.Committed
			lv.Incoming = int(a.incoming.Floor().IntPart())
			out = append(out, lv)
		}
	}
	return out, nil
}

// ---- customers

func fetchCustomers(ctx context.Context, r *readRun, ids []int64, _ time.Time) ([]commerce.Record, error) {
	var partners []partnerRow
	if _, err := r.cl.call(ctx, "res.partner", "read", ids, map[string]any{"fields": partnerFields}, inactiveToo, &partners); err != nil {
		return nil, err
	}
	var children []partnerRow
	if _, err := r.cl.searchRead(ctx, "res.partner", []any{[]any{"parent_id", "in", ids}, []any{"type", "in", []string{"delivery", "invoice", "other"}}},
		partnerFields, 0, 0, "id", nil, &children); err != nil {
		return nil, err
	}
	var cs, ss []int64
	for _, p := range slices.Concat(partners, children) {
		cs, ss = append(cs, p.Country.ID), append(ss, p.State.ID)
	}
	if err := r.codes(ctx, cs, ss); err != nil {
		return nil, err
	}
	kids := map[int64][]partnerRow{}
	for _, c := range children {
		kids[c.Parent.ID] = append(kids[c.Parent.ID], c)
	}
	out := make([]commerce.Record, 0, len(partners))
	for _, p := range partners {
		cu := &commerce.Customer{Email: string(p.Email), Phone: string(p.Phone)}
		if p.IsCompany {
			cu.LastName = string(p.Name)
		} else {
			cu.FirstName, cu.LastName = splitName(string(p.Name))
		}
		version := p.WriteDate.t
		if p.Street != "" || p.City != "" || p.Country.ID != 0 {
			a := r.address(p)
			a.Name = ""
			cu.Addresses = append(cu.Addresses, a)
		}
		for _, k := range kids[int64(p.ID)] {
			version = latest(version, k.WriteDate.t)
			if k.Active {
				cu.Addresses = append(cu.Addresses, r.address(k))
			}
		}
		if !p.Created.t.IsZero() {
			t := p.Created.t
			cu.CreatedAt = &t
		}
		cu.Meta = commerce.Meta{Source: commerce.Ref{Connection: r.req.Connection, ExternalID: ref("res.partner", int64(p.ID))},
			UpdatedAt: version, Deleted: !bool(p.Active)}
		out = append(out, cu)
	}
	return out, nil
}

// splitName splits "Lena Müller" into first and last name at the last
// space; one word is a last name.
func splitName(s string) (first, last string) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return "", s
	}
	return strings.TrimSpace(s[:i]), s[i+1:]
}

// jsonRaw keeps a JSON answer for decodeRows.
type jsonRaw []byte

func (j *jsonRaw) UnmarshalJSON(b []byte) error {
	*j = append((*j)[:0], b...)
	return nil
}

func decodeRows(raw []byte, out any) error {
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("odoo: unexpected rows: %w", err)
	}
	return nil
}
