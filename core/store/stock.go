package store

import (
	"context"
	"fmt"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// StockStore remembers daily stock minima for demand history.
type StockStore interface {
	// RecordStock lowers the day's minimum available stock of a SKU at a
	// location to available (or sets it, the first time that day).
	RecordStock(ctx context.Context, sku, location string, day commerce.Date, available int) error
	// StockoutDays returns, per "sku@location", the days whose minimum
	// available stock was zero or less.
	StockoutDays(ctx context.Context) (map[string]map[commerce.Date]bool, error)
}

func (s *sqlStore) RecordStock(ctx context.Context, sku, location string, day commerce.Date, available int) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO stock_days (sku, location, day, min_available) VALUES (?, ?, ?, ?)
		ON CONFLICT (sku, location, day) DO UPDATE SET min_available = CASE WHEN excluded.min_available < stock_days.min_available
			THEN excluded.min_available ELSE stock_days.min_available END`), sku, location, day.String(), available)
	if err != nil {
		return fmt.Errorf("store: record stock: %w", err)
	}
	return nil
}

func (s *sqlStore) StockoutDays(ctx context.Context) (map[string]map[commerce.Date]bool, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT sku, location, day FROM stock_days WHERE min_available <= 0")
	if err != nil {
		return nil, fmt.Errorf("store: stockout days: %w", err)
	}
	defer rows.Close()
	out := map[string]map[commerce.Date]bool{}
	for rows.Next() {
		var sku, loc, day string
		if err := rows.Scan(&sku, &loc, &day); err != nil {
			return nil, err
		}
		d, err := commerce.ParseDate(day)
		if err != nil {
			return nil, err
		}
		k := sku + "@" + loc
		if out[k] == nil {
			out[k] = map[commerce.Date]bool{}
		}
		out[k][d] = true
	}
	return out, rows.Err()
}
