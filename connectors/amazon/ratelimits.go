package amazon

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// operation is one SP-API operation the connector calls, with the usage
// plan its model documents: requests per second and burst. Amazon may give
// a selling partner more; the x-amzn-RateLimit-Limit header of each answer
// says what applies, and the connector follows it.
type operation struct {
	// ID is the model's operationId, e.g. "getOrders".
	ID string
	// Version is the API version the operation belongs to, e.g. "v0".
	Version string
	Method  string
	// Path is the path template, e.g. "/orders/v0/orders/{orderId}".
	Path  string
	Rate  float64
	Burst int
	// Safe marks a POST or PATCH that may be sent again after a 5xx or a
	// network failure: a second report or the same quantity twice harms
	// nothing. GETs and DELETEs always may (the HTTP client retries them).
	Safe bool
}

// retriedByClient reports whether the HTTP client retries the operation's
// requests itself (idempotent methods, see httpclient.Client.Do), so that
// call must not retry them again.
func (o operation) retriedByClient() bool {
	switch o.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// key names the operation uniquely ("v0/getOrder" and "2026-01-01/getOrder"
// are different operations with different quotas).
func (o operation) key() string { return o.Version + "/" + o.ID }

// The operations the connector calls, from the usage plans in the SP-API
// models (see ../shared/fixtures/amazon/rate-limits.csv).
var (
	opGetOrdersV0         = operation{"getOrders", "v0", "GET", "/orders/v0/orders", 0.0167, 20, false}
	opGetOrderV0          = operation{"getOrder", "v0", "GET", "/orders/v0/orders/{orderId}", 0.5, 30, false}
	opGetOrderItemsV0     = operation{"getOrderItems", "v0", "GET", "/orders/v0/orders/{orderId}/orderItems", 0.5, 30, false}
	opConfirmShipment     = operation{"confirmShipment", "v0", "POST", "/orders/v0/orders/{orderId}/shipmentConfirmation", 2, 10, false}
	opSearchOrders        = operation{"searchOrders", "2026-01-01", "GET", "/orders/2026-01-01/orders", 0.0056, 20, false}
	opGetOrder            = operation{"getOrder", "2026-01-01", "GET", "/orders/2026-01-01/orders/{orderId}", 0.5, 30, false}
	opInventorySummaries  = operation{"getInventorySummaries", "v1", "GET", "/fba/inventory/v1/summaries", 2, 2, false}
	opCreateReport        = operation{"createReport", "2021-06-30", "POST", "/reports/2021-06-30/reports", 0.0167, 15, true}
	opGetReport           = operation{"getReport", "2021-06-30", "GET", "/reports/2021-06-30/reports/{reportId}", 2, 15, false}
	opGetReportDocument   = operation{"getReportDocument", "2021-06-30", "GET", "/reports/2021-06-30/documents/{reportDocumentId}", 0.0167, 15, false}
	opGetListingsItem     = operation{"getListingsItem", "2021-08-01", "GET", "/listings/2021-08-01/items/{sellerId}/{sku}", 5, 10, false}
	opPatchListingsItem   = operation{"patchListingsItem", "2021-08-01", "PATCH", "/listings/2021-08-01/items/{sellerId}/{sku}", 5, 5, true}
	opMarketParticipation = operation{"getMarketplaceParticipations", "v1", "GET", "/sellers/v1/marketplaceParticipations", 0.016, 15, false}
	// Notifications API v1. getDestinations, createDestination and
	// deleteSubscriptionById are grantless (an application token, see
	// grantlessClientFor); getSubscription and createSubscription act for
	// the seller.
	opGetDestinations        = operation{"getDestinations", "v1", "GET", "/notifications/v1/destinations", 1, 5, false}
	opCreateDestination      = operation{"createDestination", "v1", "POST", "/notifications/v1/destinations", 1, 5, false}
	opGetSubscription        = operation{"getSubscription", "v1", "GET", "/notifications/v1/subscriptions/{notificationType}", 1, 5, false}
	opCreateSubscription     = operation{"createSubscription", "v1", "POST", "/notifications/v1/subscriptions/{notificationType}", 1, 5, false}
	opDeleteSubscriptionByID = operation{"deleteSubscriptionById", "v1", "DELETE", "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}", 1, 5, false}
)

// operations lists every operation above, for tests and documentation.
var operations = []operation{opGetOrdersV0, opGetOrderV0, opGetOrderItemsV0, opConfirmShipment, opSearchOrders, opGetOrder,
	opInventorySummaries, opCreateReport, opGetReport, opGetReportDocument, opGetListingsItem, opPatchListingsItem, opMarketParticipation,
	opGetDestinations, opCreateDestination, opGetSubscription, opCreateSubscription, opDeleteSubscriptionByID}

// path fills the operation's path template with escaped arguments, in order.
func (o operation) path(args ...string) string {
	p := o.Path
	for _, a := range args {
		i := strings.IndexByte(p, '{')
		j := strings.IndexByte(p, '}')
		if i < 0 || j < i {
			break
		}
		p = p[:i] + url.PathEscape(a) + p[j+1:]
	}
	return p
}

// bucket is a token bucket for one operation of one selling partner: it
// holds up to burst tokens and refills at rate per second, like the usage
// plans Amazon enforces. Unlike httpclient.TokenBucket it changes its rate
// when Amazon reports another one (x-amzn-RateLimit-Limit) and empties
// itself after a 429, so that the next request waits a full token.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int) *bucket {
	return &bucket{rate: rate, burst: float64(max(burst, 1)), tokens: float64(max(burst, 1))}
}

func (b *bucket) refill(now time.Time) {
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
}

// reserve takes a token and returns how long to wait for it.
func (b *bucket) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// give returns a reserved token whose request was never sent.
func (b *bucket) give(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.tokens = math.Min(b.burst, b.tokens+1)
}

// observe applies a rate Amazon reported. It returns true when the rate
// changed.
func (b *bucket) observe(rate float64, now time.Time) bool {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if math.Abs(rate-b.rate) <= 1e-9*math.Max(rate, b.rate) {
		return false
	}
	b.refill(now)
	b.rate = rate
	return true
}

// throttled empties the bucket after a 429: Amazon's bucket is empty, so
// ours must be too.
func (b *bucket) throttled(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.tokens = math.Min(b.tokens, 0)
}

// state returns the rate and the tokens available now, for tests and logs.
func (b *bucket) state(now time.Time) (rate, tokens float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	return b.rate, b.tokens
}

// parseRateLimit parses x-amzn-RateLimit-Limit: requests per second as a
// decimal number ("0.0167", "2.0"). It returns 0 when the header is absent
// or malformed.
func parseRateLimit(v string) float64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// waitReporter is told about every rate-limit wait before it happens, so
// that a read can report it as progress.
type waitReporter func(d time.Duration, why string)

type waitKey struct{}

// withWaits returns ctx carrying r.
func withWaits(ctx context.Context, r waitReporter) context.Context {
	if r == nil {
		return ctx
	}
	return context.WithValue(ctx, waitKey{}, r)
}

func reportWait(ctx context.Context, d time.Duration, why string) {
	if r, ok := ctx.Value(waitKey{}).(waitReporter); ok && r != nil {
		r(d, why)
	}
}

// limiter paces one operation's requests with its bucket; it implements
// httpclient.Limiter, so the HTTP client waits on it before every attempt
// (retries included), outside the request's deadline.
type limiter struct {
	op    operation
	b     *bucket
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// Wait takes a token of the operation's bucket, waiting for one when the
// bucket is empty, and reports the wait.
func (l *limiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := l.b.reserve(l.now())
	if d <= 0 {
		return nil
	}
	rate, _ := l.b.state(l.now())
	reportWait(ctx, d, fmt.Sprintf("waiting %s for Amazon's %s quota (%s requests/s)", d.Round(time.Millisecond), l.op.ID, strconv.FormatFloat(rate, 'g', 4, 64)))
	if err := l.sleep(ctx, d); err != nil {
		l.b.give(l.now())
		return err
	}
	return nil
}
