package httpclient

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// clock lets tests drive the limiters without sleeping.
type clock struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

var realClock = clock{now: time.Now, sleep: sleepCtx}

// TokenBucket allows bursts of up to Burst requests and Rate requests per
// second on average: a bucket of Burst tokens refills at Rate tokens per
// second and each request takes one. Use it for APIs that state a request
// rate ("10 requests per second, bursts of 20"). It is safe for concurrent
// use; waiters are served in the order they reserve.
type TokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	clock  clock
}

// NewTokenBucket returns a full bucket. rate must be positive and burst at
// least 1.
func NewTokenBucket(rate float64, burst int) (*TokenBucket, error) {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return nil, fmt.Errorf("httpclient: token bucket rate %v must be a positive number of requests per second", rate)
	}
	if burst < 1 {
		return nil, fmt.Errorf("httpclient: token bucket burst %d must be at least 1", burst)
	}
	return &TokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), clock: realClock}, nil
}

// Wait takes a token, waiting for one when the bucket is empty. A waiter
// whose context ends gives its reservation back.
func (b *TokenBucket) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	b.refill()
	b.tokens--
	var wait time.Duration
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if wait == 0 {
		return nil
	}
	if err := b.clock.sleep(ctx, wait); err != nil {
		b.mu.Lock()
		b.tokens++
		b.mu.Unlock()
		return err
	}
	return nil
}

// refill adds the tokens accrued since the last call; b.mu is held.
func (b *TokenBucket) refill() {
	now := b.clock.now()
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
}

// SetRate changes the refill rate to rate requests per second, e.g. to the
// rate an upstream reports for the caller's plan (Amazon's
// x-amzn-RateLimit-Limit). Tokens accrued so far are kept; waiters already
// sleeping keep their reservation. It reports whether the rate changed: a
// rate that is not a positive finite number is ignored.
func (b *TokenBucket) SetRate(rate float64) bool {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if rate == b.rate {
		return false
	}
	b.refill()
	b.rate = rate
	return true
}

// Rate returns the current refill rate in requests per second.
func (b *TokenBucket) Rate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rate
}

// Drain empties the bucket, for when the upstream answered 429: its own
// bucket is empty, so the next request should wait for a whole token
// rather than spend a burst the upstream no longer grants.
func (b *TokenBucket) Drain() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	b.tokens = math.Min(b.tokens, 0)
}

// LeakyBucket paces requests like the bucket APIs such as Shopify's REST
// Admin API keep on their side: every request adds one unit to a bucket of
// Capacity units that drains at Leak units per second, and a request that
// would overflow it waits until enough has drained. Observe lets the
// connector resynchronise with the level the upstream reports (e.g. the
// X-Shopify-Shop-Api-Call-Limit header "32/40"). It is safe for concurrent
// use.
type LeakyBucket struct {
	mu       sync.Mutex
	capacity float64
	leak     float64
	level    float64
	last     time.Time
	clock    clock
}

// NewLeakyBucket returns an empty bucket. capacity must be at least 1 and
// leak positive.
func NewLeakyBucket(capacity int, leak float64) (*LeakyBucket, error) {
	if capacity < 1 {
		return nil, fmt.Errorf("httpclient: leaky bucket capacity %d must be at least 1", capacity)
	}
	if !(leak > 0) || math.IsInf(leak, 0) {
		return nil, fmt.Errorf("httpclient: leaky bucket leak rate %v must be a positive number of requests per second", leak)
	}
	return &LeakyBucket{capacity: float64(capacity), leak: leak, clock: realClock}, nil
}

func (b *LeakyBucket) drain(now time.Time) {
	if !b.last.IsZero() {
		b.level = math.Max(0, b.level-now.Sub(b.last).Seconds()*b.leak)
	}
	b.last = now
}

// Wait adds one request to the bucket, first waiting until it fits.
func (b *LeakyBucket) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	b.drain(b.clock.now())
	b.level++
	var wait time.Duration
	if over := b.level - b.capacity; over > 0 {
		wait = time.Duration(over / b.leak * float64(time.Second))
	}
	b.mu.Unlock()
	if wait == 0 {
		return nil
	}
	if err := b.clock.sleep(ctx, wait); err != nil {
		b.mu.Lock()
		b.level = math.Max(0, b.level-1)
		b.mu.Unlock()
		return err
	}
	return nil
}

// Observe sets the bucket's level to what the upstream reported: used of
// capacity units. A capacity of 0 keeps the configured capacity.
func (b *LeakyBucket) Observe(used, capacity int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drain(b.clock.now())
	if capacity > 0 {
		b.capacity = float64(capacity)
	}
	b.level = math.Max(0, float64(used))
}

// Level returns the bucket's current level, for tests and progress.
func (b *LeakyBucket) Level() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drain(b.clock.now())
	return b.level
}
