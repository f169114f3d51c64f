-- The lowest available stock seen each day per SKU and location, so that
-- demand history can tell a day without sales from a day without stock.
CREATE TABLE stock_days (
    sku           TEXT    NOT NULL,
    location      TEXT    NOT NULL,
    day           TEXT    NOT NULL,
    min_available INTEGER NOT NULL,
    PRIMARY KEY (sku, location, day)
);
