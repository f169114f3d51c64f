package fx

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Feed names one ECB file under the feed base URL.
type Feed string

// The ECB feeds.
const (
	// FeedDaily is the latest publication day only.
	FeedDaily Feed = "eurofxref-daily.xml"
	// Feed90Days is the last 90 calendar days of publication days.
	Feed90Days Feed = "eurofxref-hist-90d.xml"
	// FeedHistory is every publication day since 1999-01-04, XML layout.
	FeedHistory Feed = "eurofxref-hist.xml"
	// FeedHistoryZip is the same history as a zipped CSV.
	FeedHistoryZip Feed = "eurofxref-hist.zip"
)

// Fetcher downloads and parses one feed.
type Fetcher func(ctx context.Context, feed Feed) (*Table, error)

// CacheConfig says how fresh the cache keeps the feeds.
type CacheConfig struct {
	// RefreshInterval is the age after which a feed is downloaded again
	// (default 1h). The ECB publishes once per TARGET business day around
	// 16:00 CET, so an hour bounds how late a new day is seen. The full
	// history is refreshed at most daily whatever this says.
	RefreshInterval time.Duration
	// MaxStale is how long after its last successful download a feed is
	// still served when refreshing it fails (default 48h). Past that, a
	// lookup fails with a retryable error rather than answer from old data.
	MaxStale time.Duration
	// FetchTimeout bounds one download (default 30s). Downloads do not
	// follow the caller's cancellation, so that a cancelled caller does not
	// fail the others waiting on the same download.
	FetchTimeout time.Duration
	// Now returns the current time; tests set it. Default time.Now.
	Now func() time.Time
}

func (c *CacheConfig) defaults() {
	if c.RefreshInterval <= 0 {
		c.RefreshInterval = time.Hour
	}
	if c.MaxStale <= 0 {
		c.MaxStale = 48 * time.Hour
	}
	if c.MaxStale < c.RefreshInterval {
		c.MaxStale = c.RefreshInterval
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = 30 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Cache keeps parsed feeds in memory and refreshes them. One download per
// feed is in flight at a time; concurrent callers share it. It is safe for
// concurrent use.
type Cache struct {
	fetch   Fetcher
	cfg     CacheConfig
	mu      sync.Mutex
	entries map[Feed]*cacheEntry
}

type cacheEntry struct {
	table   *Table
	fetched time.Time     // last successful download
	loading chan struct{} // closed when the download in flight ends
	lastErr error
}

// Freshness says how old the answer of a Get is.
type Freshness struct {
	// Fetched is when the feed was last downloaded successfully.
	Fetched time.Time
	// Stale is true when a refresh failed and an older copy was served;
	// RefreshError says why.
	Stale        bool
	RefreshError error
}

// NewCache returns a cache over fetch.
func NewCache(fetch Fetcher, cfg CacheConfig) *Cache {
	cfg.defaults()
	return &Cache{fetch: fetch, cfg: cfg, entries: map[Feed]*cacheEntry{}}
}

func (c *Cache) ttl(feed Feed) time.Duration {
	if (feed == FeedHistory || feed == FeedHistoryZip) && c.cfg.RefreshInterval < 24*time.Hour {
		return 24 * time.Hour
	}
	return c.cfg.RefreshInterval
}

// Get returns the feed, downloading it when the cached copy is older than
// the refresh interval. When the download fails, a copy younger than
// MaxStale is returned with Freshness.Stale set; otherwise the error.
func (c *Cache) Get(ctx context.Context, feed Feed) (*Table, Freshness, error) {
	for {
		c.mu.Lock()
		e := c.entries[feed]
		if e == nil {
			e = &cacheEntry{}
			c.entries[feed] = e
		}
		now := c.cfg.Now()
		if e.table != nil && now.Sub(e.fetched) < c.ttl(feed) {
			t, f := e.table, Freshness{Fetched: e.fetched}
			c.mu.Unlock()
			return t, f, nil
		}
		if e.loading != nil {
			ch := e.loading
			c.mu.Unlock()
			select {
			case <-ch:
				// Loop: the entry is fresh now, or failed.
				c.mu.Lock()
				err := e.lastErr
				usable := e.table != nil && c.cfg.Now().Sub(e.fetched) < c.cfg.MaxStale
				c.mu.Unlock()
				switch {
				case err == nil:
					continue
				case usable:
					return c.stale(feed)
				default:
					return nil, Freshness{}, err
				}
			case <-ctx.Done():
				return nil, Freshness{}, fmt.Errorf("fx: waiting for %s: %w", feed, ctx.Err())
			}
		}
		ch := make(chan struct{})
		e.loading = ch
		c.mu.Unlock()

		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.FetchTimeout)
		t, err := c.fetch(fctx, feed)
		cancel()

		c.mu.Lock()
		e.loading = nil
		close(ch)
		if err == nil {
			e.table, e.fetched, e.lastErr = t, c.cfg.Now(), nil
			f := Freshness{Fetched: e.fetched}
			c.mu.Unlock()
			return t, f, nil
		}
		e.lastErr = err
		usable := e.table != nil && c.cfg.Now().Sub(e.fetched) < c.cfg.MaxStale
		c.mu.Unlock()
		if !usable {
			return nil, Freshness{}, err
		}
		return c.stale(feed)
	}
}

func (c *Cache) stale(feed Feed) (*Table, Freshness, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[feed]
	if e == nil || e.table == nil {
		return nil, Freshness{}, errors.New("fx: feed vanished from the cache")
	}
	return e.table, Freshness{Fetched: e.fetched, Stale: true, RefreshError: e.lastErr}, nil
}

// Refresh downloads every feed that has been asked for before, now, and
// returns the errors joined. Feeds are replaced only on success.
func (c *Cache) Refresh(ctx context.Context) error {
	c.mu.Lock()
	feeds := make([]Feed, 0, len(c.entries))
	for f, e := range c.entries {
		if e.table != nil {
			feeds = append(feeds, f)
		}
	}
	c.mu.Unlock()
	var errs []error
	for _, f := range feeds {
		t, err := c.fetch(ctx, f)
		c.mu.Lock()
		e := c.entries[f]
		if err != nil {
			e.lastErr = err
			errs = append(errs, err)
		} else {
			e.table, e.fetched, e.lastErr = t, c.cfg.Now(), nil
		}
		c.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Run refreshes the feeds in use every interval (the cache's refresh
// interval when interval <= 0) until ctx is done, so that lookups rarely
// wait for a download. Failures are kept for Get to report.
func (c *Cache) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = c.cfg.RefreshInterval
	}
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			_ = c.Refresh(ctx)
		}
	}
}
