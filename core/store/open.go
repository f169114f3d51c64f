package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Config selects and configures the store.
type Config struct {
	// Driver is "sqlite" (default) or "postgres".
	Driver string `yaml:"driver" env:"SUPPLYHUB_STORE_DRIVER"`
	// URL is the PostgreSQL connection URL, e.g.
	// postgres://user@127.0.0.1:5432/supplyhub?sslmode=disable. Unused for SQLite.
	URL string `yaml:"url" env:"SUPPLYHUB_STORE_URL" secret:"true"`
	// Path is the SQLite database file; default <data dir>/supplyhub.db.
	Path string `yaml:"path" env:"SUPPLYHUB_STORE_PATH"`
	// MaxConns bounds the connection pool (PostgreSQL) or the reader pool
	// (SQLite); default 16.
	MaxConns int `yaml:"max_conns" env:"SUPPLYHUB_STORE_MAX_CONNS"`
}

// Open opens (creating if needed) the store and applies pending migrations.
// dataDir is where the SQLite file lives when cfg.Path is empty.
func Open(ctx context.Context, cfg Config, dataDir string, logger *slog.Logger) (Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 16
	}
	switch cfg.Driver {
	case "", "sqlite":
		path := cfg.Path
		if path == "" {
			if dataDir == "" {
				return nil, fmt.Errorf("store: sqlite needs a data directory or store.path")
			}
			path = filepath.Join(dataDir, "supplyhub.db")
		}
		return openSQLite(ctx, path, cfg.MaxConns, logger)
	case "postgres", "postgresql":
		if cfg.URL == "" {
			return nil, fmt.Errorf("store: driver postgres needs store.url (SUPPLYHUB_STORE_URL), e.g. postgres://postgres@127.0.0.1:5432/supplyhub?sslmode=disable")
		}
		return openPostgres(ctx, cfg.URL, cfg.MaxConns, logger)
	}
	return nil, fmt.Errorf("store: unknown driver %q: use sqlite or postgres", cfg.Driver)
}

func openSQLite(ctx context.Context, path string, readers int, logger *slog.Logger) (Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	// The database holds customers' personal data: keep it private.
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	q := url.Values{}
	// Checkpoints run in the background (see checkpointer), not inside the
	// commit that happens to cross the WAL's size threshold: a webhook's
	// acknowledgement waits for its own fsync only.
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)", "wal_autocheckpoint(0)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// One writer: SQLite serialises writes anyway, and a single connection
	// avoids busy retries between our own goroutines.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := migrate(ctx, w, sqliteDialect); err != nil {
		w.Close()
		return nil, err
	}
	rq := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "query_only(ON)"} {
		rq.Add("_pragma", p)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(readers)
	cq := url.Values{}
	cq.Add("_pragma", "busy_timeout(10000)")
	cp, err := sql.Open("sqlite", "file:"+path+"?"+cq.Encode())
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	cp.SetMaxOpenConns(1)
	logger.Info("store opened", "driver", "sqlite", "path", path)
	st := newSQLStore(w, r, sqliteDialect)
	st.startCheckpointer(cp, logger)
	return st, nil
}

func openPostgres(ctx context.Context, dsn string, maxConns int, logger *slog.Logger) (Store, error) {
	pcfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres URL: %w", err)
	}
	// Durability of acknowledged writes depends on it; never inherit "off".
	pcfg.RuntimeParams["synchronous_commit"] = "on"
	db := stdlib.OpenDB(*pcfg)
	db.SetMaxOpenConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to postgres: %w (is PostgreSQL running and the URL right?)", err)
	}
	if err := migrate(ctx, db, postgresDialect); err != nil {
		db.Close()
		return nil, err
	}
	logger.Info("store opened", "driver", "postgres")
	return newSQLStore(db, db, postgresDialect), nil
}
