package recommend

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CSVOptions tune [ReadOrdersCSV].
type CSVOptions struct {
	// Location is the time zone of created_at values written without an
	// offset (such as "2026-03-01 14:05:00" or "2026-03-01"). Default UTC.
	Location *time.Location
}

// csvColumns are the columns of an orders CSV; customer_id may be absent
// (every order is then a guest order).
var csvColumns = []string{"order_id", "customer_id", "sku", "quantity", "created_at"}

// timeLayouts are the accepted created_at layouts; the first two carry an
// offset, the others take CSVOptions.Location.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly}

// ReadOrdersCSV reads order lines with a header naming the columns
// order_id, customer_id, sku, quantity and created_at (any order, other
// columns ignored, customer_id optional) and returns one basket per order,
// in order of first appearance. Rows of the same order and SKU add up, so a
// negative quantity nets a return against its order; an order whose lines
// net to zero everywhere is dropped. created_at is RFC 3339 ("2026-03-01T14:05:00+01:00")
// or, without an offset, read in opt.Location. Every error names the line
// and the column.
func ReadOrdersCSV(r io.Reader, opt CSVOptions) ([]Basket, error) {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("recommend: orders CSV is empty: it needs a header line %s", strings.Join(csvColumns, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("recommend: orders CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; dup && h != "" {
			return nil, fmt.Errorf("recommend: orders CSV header: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, c := range csvColumns {
		if _, ok := col[c]; !ok && c != "customer_id" {
			return nil, fmt.Errorf("recommend: orders CSV header: column %q is missing: the header needs %s", c, strings.Join(csvColumns, ","))
		}
	}
	custCol, hasCust := col["customer_id"]

	type acc struct {
		b    Basket
		line int
		qty  map[string]int
		skus []string
	}
	byID := map[string]*acc{}
	var order []*acc
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("recommend: orders CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		field := func(name string) string { return strings.TrimSpace(rec[col[name]]) }
		id, sku := field("order_id"), field("sku")
		if id == "" {
			return nil, fmt.Errorf("recommend: orders CSV line %d: order_id is empty", line)
		}
		if sku == "" {
			return nil, fmt.Errorf("recommend: orders CSV line %d (order %q): sku is empty", line, id)
		}
		q, err := strconv.Atoi(field("quantity"))
		if err != nil {
			return nil, fmt.Errorf("recommend: orders CSV line %d (order %q): quantity %q is not a whole number", line, id, field("quantity"))
		}
		created, err := parseTime(field("created_at"), loc)
		if err != nil {
			return nil, fmt.Errorf("recommend: orders CSV line %d (order %q): created_at: %w", line, id, err)
		}
		cust := ""
		if hasCust {
			cust = strings.TrimSpace(rec[custCol])
		}
		a := byID[id]
		if a == nil {
			a = &acc{b: Basket{OrderID: id, CustomerID: cust, CreatedAt: created}, line: line, qty: map[string]int{}}
			byID[id] = a
			order = append(order, a)
		} else {
			if a.b.CustomerID != cust {
				return nil, fmt.Errorf("recommend: orders CSV line %d: order %q has customer_id %q here but %q on line %d: one order has one customer",
					line, id, cust, a.b.CustomerID, a.line)
			}
			if !a.b.CreatedAt.Equal(created) {
				return nil, fmt.Errorf("recommend: orders CSV line %d: order %q has created_at %s here but %s on line %d: give every line of an order the same time",
					line, id, created.Format(time.RFC3339), a.b.CreatedAt.Format(time.RFC3339), a.line)
			}
		}
		if _, seen := a.qty[sku]; !seen {
			a.skus = append(a.skus, sku)
		}
		a.qty[sku] += q
	}
	out := make([]Basket, 0, len(order))
	for _, a := range order {
		for _, s := range a.skus {
			if q := a.qty[s]; q > 0 {
				a.b.Lines = append(a.b.Lines, Line{SKU: s, Quantity: q})
			}
		}
		if len(a.b.Lines) > 0 {
			out = append(out, a.b)
		}
	}
	return out, nil
}

func parseTime(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("empty: give when the order was placed, e.g. 2026-03-01T14:05:00+01:00")
	}
	for i, layout := range timeLayouts {
		if i < 2 {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
			continue
		}
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 such as 2026-03-01T14:05:00+01:00, or 2026-03-01 14:05:00 / 2026-03-01 with --tz", s)
}

// WriteOrdersCSV writes baskets in the format ReadOrdersCSV reads, one row
// per line, created_at in RFC 3339 with its offset (and fractional seconds
// when it has them, so that reading it back is exact).
func WriteOrdersCSV(w io.Writer, baskets []Basket) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return fmt.Errorf("recommend: write orders CSV: %w", err)
	}
	for _, b := range baskets {
		created := b.CreatedAt.Format(time.RFC3339Nano)
		for _, l := range b.Lines {
			if err := cw.Write([]string{b.OrderID, b.CustomerID, l.SKU, strconv.Itoa(l.Quantity), created}); err != nil {
				return fmt.Errorf("recommend: write orders CSV: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("recommend: write orders CSV: %w", err)
	}
	return nil
}

// ReadCatalogCSV reads a catalogue with a header naming the columns sku,
// category and vendor (category or vendor may be absent; other columns are
// ignored). Every error names the line.
func ReadCatalogCSV(r io.Reader) (Catalog, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("recommend: catalogue CSV is empty: it needs a header line sku,category,vendor")
	}
	if err != nil {
		return nil, fmt.Errorf("recommend: catalogue CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	skuCol, ok := col["sku"]
	catCol, hasCat := col["category"]
	venCol, hasVen := col["vendor"]
	if !ok || (!hasCat && !hasVen) {
		return nil, fmt.Errorf("recommend: catalogue CSV header %q: need a sku column and a category or vendor column", strings.Join(header, ","))
	}
	c := Catalog{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return nil, fmt.Errorf("recommend: catalogue CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		sku := strings.TrimSpace(rec[skuCol])
		if sku == "" {
			return nil, fmt.Errorf("recommend: catalogue CSV line %d: sku is empty", line)
		}
		var info ItemInfo
		if hasCat {
			info.Category = strings.TrimSpace(rec[catCol])
		}
		if hasVen {
			info.Vendor = strings.TrimSpace(rec[venCol])
		}
		c[sku] = info
	}
}

// WriteCatalogCSV writes c as sku,category,vendor rows, sorted by SKU.
func WriteCatalogCSV(w io.Writer, c Catalog) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"sku", "category", "vendor"})
	skus := make([]string, 0, len(c))
	for s := range c {
		skus = append(skus, s)
	}
	slices.Sort(skus)
	for _, s := range skus {
		_ = cw.Write([]string{s, c[s].Category, c[s].Vendor})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("recommend: write catalogue CSV: %w", err)
	}
	return nil
}
