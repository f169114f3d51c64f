package httpclient

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeClock advances only when the code under test sleeps.
type fakeClock struct {
	t     time.Time
	slept []time.Duration
	fail  error
}

func (f *fakeClock) clock() clock {
	return clock{
		now: func() time.Time { return f.t },
		sleep: func(ctx context.Context, d time.Duration) error {
			f.slept = append(f.slept, d)
			if f.fail != nil {
				return f.fail
			}
			f.t = f.t.Add(d)
			return nil
		},
	}
}

func TestTokenBucket(t *testing.T) {
	t.Parallel()
	fc := &fakeClock{t: time.Unix(1000, 0)}
	b, err := NewTokenBucket(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	b.clock = fc.clock()
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if err := b.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Three from the burst, then one every half second.
	if fmt.Sprint(fc.slept) != "[500ms 500ms]" {
		t.Fatalf("slept %v, want [500ms 500ms]", fc.slept)
	}
	fc.t = fc.t.Add(10 * time.Second) // refills to the burst, not beyond
	fc.slept = nil
	for i := 0; i < 4; i++ {
		_ = b.Wait(ctx)
	}
	if fmt.Sprint(fc.slept) != "[500ms]" {
		t.Fatalf("after refill slept %v, want [500ms]", fc.slept)
	}
	fc.fail = context.Canceled
	if err := b.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
	fc.fail = nil
	fc.slept = nil
	_ = b.Wait(ctx) // the cancelled waiter gave its token back
	if fmt.Sprint(fc.slept) != "[500ms]" {
		t.Fatalf("after a cancelled wait slept %v, want [500ms]", fc.slept)
	}
}

func TestTokenBucketSetRateAndDrain(t *testing.T) {
	t.Parallel()
	fc := &fakeClock{t: time.Unix(1000, 0)}
	b, err := NewTokenBucket(2, 1)
	if err != nil {
		t.Fatal(err)
	}
	b.clock = fc.clock()
	ctx := context.Background()
	_ = b.Wait(ctx) // the burst
	for _, bad := range []float64{0, -1, math.Inf(1), math.NaN()} {
		if b.SetRate(bad) {
			t.Errorf("SetRate(%v) = true, want it ignored", bad)
		}
	}
	if b.SetRate(2) {
		t.Error("SetRate to the same rate reported a change")
	}
	if !b.SetRate(4) || b.Rate() != 4 {
		t.Fatalf("SetRate(4): rate %v", b.Rate())
	}
	_ = b.Wait(ctx)
	if fmt.Sprint(fc.slept) != "[250ms]" {
		t.Fatalf("at 4 requests/s slept %v, want [250ms]", fc.slept)
	}
	// A second later the bucket is full again; after a 429 it is not.
	fc.t = fc.t.Add(time.Second)
	fc.slept = nil
	b.Drain()
	_ = b.Wait(ctx)
	if fmt.Sprint(fc.slept) != "[250ms]" {
		t.Fatalf("after Drain slept %v, want [250ms]", fc.slept)
	}
}

func TestLeakyBucket(t *testing.T) {
	t.Parallel()
	fc := &fakeClock{t: time.Unix(1000, 0)}
	b, err := NewLeakyBucket(4, 2)
	if err != nil {
		t.Fatal(err)
	}
	b.clock = fc.clock()
	ctx := context.Background()
	for i := 0; i < 6; i++ {
		_ = b.Wait(ctx)
	}
	if fmt.Sprint(fc.slept) != "[500ms 500ms]" {
		t.Fatalf("slept %v, want [500ms 500ms]", fc.slept)
	}
	// The upstream says the bucket is nearly full (Shopify: "39/40").
	b.Observe(39, 40)
	if b.Level() != 39 {
		t.Fatalf("Level = %v after Observe", b.Level())
	}
	fc.slept = nil
	_ = b.Wait(ctx)
	_ = b.Wait(ctx)
	if fmt.Sprint(fc.slept) != "[500ms]" {
		t.Fatalf("after Observe slept %v, want [500ms]", fc.slept)
	}
	fc.t = fc.t.Add(time.Minute)
	if b.Level() != 0 {
		t.Fatalf("bucket did not drain: %v", b.Level())
	}
}

func TestLimiterArguments(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"zero rate", func() error { _, err := NewTokenBucket(0, 1); return err }()},
		{"zero burst", func() error { _, err := NewTokenBucket(1, 0); return err }()},
		{"zero capacity", func() error { _, err := NewLeakyBucket(0, 1); return err }()},
		{"negative leak", func() error { _, err := NewLeakyBucket(1, -1); return err }()},
	} {
		if tt.err == nil {
			t.Errorf("%s accepted", tt.name)
		}
	}
}

func TestLimiterPacesRealRequests(t *testing.T) {
	t.Parallel()
	b, _ := NewTokenBucket(50, 1)
	c := New(Config{Limiter: b})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ts.Close()
	srv := ts.URL
	start := time.Now()
	for i := 0; i < 6; i++ {
		req, _ := http.NewRequest("GET", srv, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Five waits of 20 ms: at least 100 ms, measured loosely.
	if el := time.Since(start); el < 90*time.Millisecond {
		t.Fatalf("6 requests at 50/s took %v", el)
	}
	if c.RateLimitWait() < 50*time.Millisecond {
		t.Fatalf("RateLimitWait = %v", c.RateLimitWait())
	}
}

func TestPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fetch := func(_ context.Context, cursor string) ([]int, string, error) {
		n, _ := strconv.Atoi(cursor)
		if n >= 6 {
			return []int{n}, "", nil
		}
		return []int{n, n + 1}, strconv.Itoa(n + 2), nil
	}
	var got []int
	var cursors []string
	for p, err := range Pages(ctx, "", fetch) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Items...)
		cursors = append(cursors, p.Cursor+">"+p.Next)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4 5 6]" || fmt.Sprint(cursors) != "[>2 2>4 4>6 6>]" {
		t.Fatalf("items %v cursors %v", got, cursors)
	}
	// Resuming from a checkpointed cursor.
	got = nil
	for p, err := range Pages(ctx, "4", fetch) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Items...)
	}
	if fmt.Sprint(got) != "[4 5 6]" {
		t.Fatalf("resumed items %v", got)
	}
	// A loop in the upstream's cursors stops with an error.
	loop := func(_ context.Context, cursor string) ([]int, string, error) { return []int{1}, "a", nil }
	var errs int
	for _, err := range Pages(ctx, "", loop) {
		if err != nil {
			errs++
		}
	}
	if errs != 1 {
		t.Fatalf("cursor loop gave %d errors", errs)
	}
	// Breaking early stops fetching.
	calls := 0
	counting := func(c context.Context, cursor string) ([]int, string, error) { calls++; return fetch(c, cursor) }
	for range Pages(ctx, "", counting) {
		break
	}
	if calls != 1 {
		t.Fatalf("fetched %d pages after break", calls)
	}
	boom := errors.New("boom")
	for _, err := range Pages(ctx, "", func(context.Context, string) ([]int, string, error) { return nil, "", boom }) {
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
	}
}

func TestOffsetPages(t *testing.T) {
	t.Parallel()
	data := []int{0, 1, 2, 3, 4, 5, 6}
	fetch := func(_ context.Context, off, lim int) ([]int, error) {
		return data[min(off, len(data)):min(off+lim, len(data))], nil
	}
	var got []int
	pages := 0
	for p, err := range OffsetPages(context.Background(), 0, 3, fetch) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, p.Items...)
	}
	if fmt.Sprint(got) != fmt.Sprint(data) || pages != 3 {
		t.Fatalf("got %v in %d pages", got, pages)
	}
	for _, err := range OffsetPages(context.Background(), 0, 0, fetch) {
		if err == nil {
			t.Fatal("page size 0 accepted")
		}
	}
}

func TestNextLink(t *testing.T) {
	t.Parallel()
	tests := []struct{ header, want string }{
		{`<https://s.myshopify.com/admin/api/2026-01/orders.json?page_info=abc&limit=50>; rel="next"`, "https://s.myshopify.com/admin/api/2026-01/orders.json?page_info=abc&limit=50"},
		{`<https://x/p1>; rel="previous", <https://x/p3>; rel="next"`, "https://x/p3"},
		{`<https://x/p1>; rel="prev first"`, ""},
		{`<https://x/p3>; rel="last next"`, "https://x/p3"},
		{`https://x/p3; rel=next`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		if got := NextLink(http.Header{"Link": {tt.header}}); got != tt.want {
			t.Errorf("NextLink(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func FuzzNextLink(f *testing.F) {
	f.Add(`<https://x/p1>; rel="previous", <https://x/p3>; rel="next"`)
	f.Add(`<>; rel=next`)
	f.Fuzz(func(t *testing.T, h string) {
		got := NextLink(http.Header{"Link": {h}})
		if got != "" && !strings.Contains(h, got) {
			t.Fatalf("NextLink(%q) = %q, not part of the header", h, got)
		}
	})
}

func BenchmarkTokenBucketUncontended(b *testing.B) {
	tb, _ := NewTokenBucket(1e12, 1<<30)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = tb.Wait(ctx)
	}
}

func BenchmarkRedactURL(b *testing.B) {
	u, _ := http.NewRequest("GET", "https://shop.example/admin/orders.json?page_info=abc&limit=50&access_token=x", nil)
	b.ReportAllocs()
	for b.Loop() {
		_ = RedactURL(u.URL)
	}
}
