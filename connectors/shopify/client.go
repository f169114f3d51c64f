package shopify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// maxQueryCost is Shopify's limit on the requested cost of one query.
const maxQueryCost = 1000

// costBucket tracks the shop's GraphQL cost bucket from the throttleStatus
// of each answer, so that a call waits before it is sent rather than being
// throttled. One bucket is shared by every call for the same shop and
// token.
type costBucket struct {
	mu        sync.Mutex
	known     bool
	max, rate float64
	avail     float64
	at        time.Time
}

// reserve returns how long to wait before sending a query of the given
// cost, and takes the cost from the predicted bucket.
func (b *costBucket) reserve(cost float64, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.known || b.rate <= 0 {
		return 0
	}
	avail := math.Min(b.max, b.avail+now.Sub(b.at).Seconds()*b.rate)
	cost = math.Min(cost, b.max)
	wait := time.Duration(0)
	if avail < cost {
		wait = time.Duration((cost - avail) / b.rate * float64(time.Second))
	}
	b.avail, b.at = avail-cost, now
	return wait
}

// observe records the bucket state an answer reported.
func (b *costBucket) observe(ts throttleStatus, now time.Time) {
	if ts.MaximumAvailable <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.known, b.max, b.rate, b.avail, b.at = true, ts.MaximumAvailable, ts.RestoreRate, ts.CurrentlyAvailable, now
}

type throttleStatus struct {
	MaximumAvailable   float64 `json:"maximumAvailable"`
	CurrentlyAvailable float64 `json:"currentlyAvailable"`
	RestoreRate        float64 `json:"restoreRate"`
}

type queryCost struct {
	RequestedQueryCost float64        `json:"requestedQueryCost"`
	ActualQueryCost    *float64       `json:"actualQueryCost"`
	ThrottleStatus     throttleStatus `json:"throttleStatus"`
}

type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code    string `json:"code"`
		Cost    int    `json:"cost"`
		MaxCost int    `json:"maxCost"`
	} `json:"extensions"`
}

type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions struct {
		Cost *queryCost `json:"cost"`
	} `json:"extensions"`
}

// errMaxCost is returned when Shopify refuses a query as too expensive;
// callers retry with smaller pages.
type errMaxCost struct{ cost, max int }

func (e *errMaxCost) Error() string {
	return fmt.Sprintf("shopify: query cost %d exceeds the single query limit %d", e.cost, e.max)
}

// waitFunc reports time spent waiting for rate limits.
type waitFunc func(d time.Duration, why string)

// client calls the GraphQL Admin API of one shop.
type client struct {
	cfg      Config
	endpoint string
	// hc sends the requests: it retries network errors, 408, 429 (after
	// Retry-After), 500, 502, 503 and 504 for requests that are safe to
	// repeat, and redacts the token in its logs.
	hc     *httpclient.Client
	bucket *costBucket
	log    *slog.Logger
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	// dl downloads bulk files: no per-attempt deadline (files are large).
	dl *httpclient.Client
	// retryBase is the first delay before retrying a malformed answer.
	retryBase time.Duration

	mu    sync.Mutex
	costs map[string]float64 // learned requested cost per operation
	shop  *shopInfo
	// versionOnce logs once that Shopify served another API version.
	versionOnce sync.Once
}

// result is one successful answer.
type result struct {
	// Date is the server's clock at the answer (the Date header), used to
	// decide which records a later incremental read can trust as final.
	Date time.Time
	Cost *queryCost
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryDelay is the delay before retry n (1-based) of a malformed answer:
// doubling from retryBase, capped at 32 times it.
func (c *client) retryDelay(n int) time.Duration {
	return c.retryBase << min(n-1, 5)
}

// do sends a GraphQL operation and decodes data into out. It waits for the
// cost bucket before sending and after a THROTTLED answer, retries
// malformed answers, lets the HTTP client retry transport failures, 429s
// and 5xx when the operation is safe to repeat (queries, and mutations
// that carry an idempotency key), and maps the rest to sdk errors. op
// names the operation in errors and in the learned costs; estimate is the
// requested cost assumed until Shopify reports it; idemKey, when not
// empty, marks a mutation as safe to repeat.
func (c *client) do(ctx context.Context, op, query string, vars map[string]any, estimate float64, wait waitFunc, out any) (result, error) {
	return c.doKeyed(ctx, op, query, vars, estimate, wait, out, "")
}

func (c *client) doKeyed(ctx context.Context, op, query string, vars map[string]any, estimate float64, wait waitFunc, out any, idemKey string) (result, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return result{}, sdk.Permanent(err, "shopify: %s: encode request", op)
	}
	if wait == nil {
		wait = func(time.Duration, string) {}
	}
	safe := idemKey != "" || !strings.HasPrefix(strings.TrimSpace(query), "mutation")
	if safe && idemKey == "" {
		// a query changes nothing: let the HTTP client repeat the POST
		sum := sha256.Sum256(body)
		idemKey = hex.EncodeToString(sum[:16])
	}
	failures, throttles := 0, 0
	for {
		if err := ctx.Err(); err != nil {
			return result{}, err
		}
		cost := c.learnedCost(op, estimate)
		if d := c.bucket.reserve(cost, c.now()); d > 0 {
			wait(d, fmt.Sprintf("waiting %s for Shopify's GraphQL cost bucket (%s costs %.0f points)", d.Round(time.Millisecond), op, cost))
			if err := c.sleep(ctx, d); err != nil {
				return result{}, err
			}
		}
		before := c.hc.RateLimitWait()
		res, retry, err := c.once(ctx, op, body, idemKey, out)
		if d := c.hc.RateLimitWait() - before; d > 0 {
			wait(d, fmt.Sprintf("Shopify answered 429: waited %s (Retry-After)", d.Round(time.Millisecond)))
		}
		if err == nil {
			return res, nil
		}
		var th *throttled
		if errors.As(err, &th) {
			throttles++
			if throttles > 100 {
				return result{}, sdk.RateLimited(th.wait, "shopify: %s: still throttled after %d waits", op, throttles).
					WithDetail("the shop's GraphQL cost bucket stays empty: another app may be using it heavily; the host will retry later")
			}
			d := max(th.wait, 100*time.Millisecond)
			wait(d, fmt.Sprintf("throttled by Shopify: waiting %s for the cost bucket to refill", d.Round(time.Millisecond)))
			if err := c.sleep(ctx, d); err != nil {
				return result{}, err
			}
			continue
		}
		if !retry || !safe {
			return result{}, err
		}
		failures++
		if failures > c.cfg.MaxRetries {
			return result{}, sdk.Retryable(err, "shopify: %s: gave up after %d malformed answers", op, failures).
				WithDetail("Shopify kept answering what is not JSON; the host will retry the job later")
		}
		d := c.retryDelay(failures)
		c.log.Debug("shopify: retrying", "op", op, "attempt", failures, "delay", d, "error", err)
		if err := c.sleep(ctx, d); err != nil {
			return result{}, err
		}
	}
}

// throttled is a THROTTLED answer: wait, then send again.
type throttled struct{ wait time.Duration }

func (t *throttled) Error() string { return "throttled" }

func (c *client) learnedCost(op string, estimate float64) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.costs[op]; ok {
		return v
	}
	return estimate
}

func (c *client) learn(op string, cost float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.costs == nil {
		c.costs = map[string]float64{}
	}
	c.costs[op] = cost
}

// once sends one request (the HTTP client may try it several times). It
// reports whether a failure may be retried.
func (c *client) once(ctx context.Context, op string, body []byte, idemKey string, out any) (result, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return result{}, false, sdk.Permanent(err, "shopify: %s: build request", op)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Shopify-Access-Token", c.cfg.AccessToken)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return result{}, false, ctx.Err()
		}
		return result{}, false, sdk.Retryable(err, "shopify: %s", op).
			WithDetail("Shopify did not answer (network error or timeout after %d attempts); the host will retry", c.cfg.MaxRetries+1)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		if ctx.Err() != nil {
			return result{}, false, ctx.Err()
		}
		return result{}, true, fmt.Errorf("shopify: %s: read answer: %w", op, err)
	}
	now := c.now()
	if v := resp.Header.Get("X-Shopify-API-Version"); v != "" && v != c.cfg.APIVersion {
		c.versionOnce.Do(func() {
			c.log.Warn("shopify: the shop answered with another API version: the requested one is no longer supported; set api_version",
				"requested", c.cfg.APIVersion, "served", v)
		})
	}
	res := result{Date: now}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		res.Date = d
	}
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
	case code == http.StatusTooManyRequests:
		ra, ok := httpclient.RetryAfter(resp.Header, now)
		if !ok {
			ra = time.Second
		}
		return res, false, sdk.RateLimited(ra, "shopify: %s: 429 Too Many Requests", op).
			WithDetail("Shopify kept asking to slow down; wait %s", ra)
	case code == http.StatusUnauthorized:
		return res, false, sdk.Authentication("shopify: %s: 401 Unauthorized", op).
			WithDetail("the Admin API access token of %s is wrong or was revoked (the app may have been uninstalled); reinstall the app and update access_token", c.cfg.ShopDomain)
	case code == http.StatusForbidden:
		return res, false, sdk.Authentication("shopify: %s: 403 Forbidden: %s", op, snippet(raw)).
			WithDetail("the access token lacks a scope this call needs; grant it in the app's configuration and reinstall")
	case code == http.StatusPaymentRequired:
		return res, false, sdk.Permanent(errors.New("402 Payment Required"), "shopify: %s", op).
			WithDetail("the shop %s is frozen for an unpaid bill; calls resume once the merchant pays", c.cfg.ShopDomain)
	case code == http.StatusNotFound:
		return res, false, sdk.Permanent(errors.New("404 Not Found"), "shopify: %s: %s", op, c.endpoint).
			WithDetail("check shop_domain %q and api_version %q: the shop or this API version does not exist", c.cfg.ShopDomain, c.cfg.APIVersion)
	case code == http.StatusLocked:
		return res, false, sdk.Permanent(errors.New("423 Locked"), "shopify: %s", op).
			WithDetail("the shop %s is locked (fraud or closure); contact Shopify support", c.cfg.ShopDomain)
	case code >= 500 || code == http.StatusRequestTimeout:
		return res, false, sdk.Retryable(errors.New(resp.Status), "shopify: %s", op).
			WithDetail("Shopify kept failing (%s); the host will retry", resp.Status)
	default:
		return res, false, sdk.Permanent(fmt.Errorf("%s: %s", resp.Status, snippet(raw)), "shopify: %s", op)
	}
	var g gqlResponse
	if err := json.Unmarshal(raw, &g); err != nil {
		return res, true, fmt.Errorf("shopify: %s: malformed answer (%d bytes): %w", op, len(raw), err)
	}
	res.Cost = g.Extensions.Cost
	if g.Extensions.Cost != nil {
		c.bucket.observe(g.Extensions.Cost.ThrottleStatus, now)
		if g.Extensions.Cost.RequestedQueryCost > 0 {
			c.learn(op, g.Extensions.Cost.RequestedQueryCost)
		}
	}
	if len(g.Errors) > 0 {
		e := g.Errors[0]
		switch e.Extensions.Code {
		case "THROTTLED":
			d := time.Second
			if cost := g.Extensions.Cost; cost != nil && cost.ThrottleStatus.RestoreRate > 0 {
				need := cost.RequestedQueryCost - cost.ThrottleStatus.CurrentlyAvailable
				d = time.Duration(math.Max(need, 1) / cost.ThrottleStatus.RestoreRate * float64(time.Second))
			}
			return res, true, &throttled{wait: d}
		case "MAX_COST_EXCEEDED":
			return res, false, &errMaxCost{cost: e.Extensions.Cost, max: e.Extensions.MaxCost}
		case "ACCESS_DENIED":
			return res, false, sdk.Authentication("shopify: %s: access denied: %s", op, e.Message).
				WithDetail("the access token lacks a scope this call needs (see the connector's docs for the scope list); grant it and reinstall the app")
		case "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT":
			return res, true, fmt.Errorf("shopify: %s: %s: %s", op, e.Extensions.Code, e.Message)
		}
		if len(g.Data) == 0 || string(g.Data) == "null" {
			msgs := make([]string, 0, len(g.Errors))
			for _, e := range g.Errors {
				msgs = append(msgs, e.Message)
			}
			return res, false, sdk.Permanent(errors.New(strings.Join(msgs, "; ")), "shopify: %s: query refused", op).
				WithDetail("Shopify refused the query; api_version %s may not support it (the connector is built for %s)", c.cfg.APIVersion, DefaultAPIVersion)
		}
		// partial data with field errors: the caller decides from the data
		c.log.Warn("shopify: field errors", "op", op, "errors", len(g.Errors), "first", e.Message)
	}
	if out != nil {
		if len(g.Data) == 0 || string(g.Data) == "null" {
			return res, true, fmt.Errorf("shopify: %s: answer has no data", op)
		}
		if err := json.Unmarshal(g.Data, out); err != nil {
			return res, false, sdk.InvalidInput("shopify: %s: unexpected answer shape: %v", op, err).
				WithDetail("Shopify's answer does not match what the connector expects for api_version %s", c.cfg.APIVersion)
		}
	}
	return res, false, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// shopInfo is what reads need to know about the shop.
type shopInfo struct {
	Name            string `json:"name"`
	MyshopifyDomain string `json:"myshopifyDomain"`
	CurrencyCode    string `json:"currencyCode"`
	IanaTimezone    string `json:"ianaTimezone"`
	loc             *time.Location
}

const shopQuery = `query Shop { shop { name myshopifyDomain currencyCode ianaTimezone } }`

// shopInfo returns the shop's currency and zone, asking once.
func (c *client) shopInfo(ctx context.Context, wait waitFunc) (*shopInfo, error) {
	c.mu.Lock()
	s := c.shop
	c.mu.Unlock()
	if s != nil {
		return s, nil
	}
	var out struct {
		Shop shopInfo `json:"shop"`
	}
	if _, err := c.do(ctx, "shop", shopQuery, nil, 1, wait, &out); err != nil {
		return nil, err
	}
	s = &out.Shop
	s.loc = time.UTC
	if loc, err := time.LoadLocation(s.IanaTimezone); err == nil {
		s.loc = loc
	}
	c.mu.Lock()
	c.shop = s
	c.mu.Unlock()
	return s, nil
}

// download GETs a bulk operation's file (the HTTP client retries
// transient failures). The URL is pre-signed: it must not carry the token.
func (c *client) download(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, sdk.Permanent(err, "shopify: bulk file URL")
	}
	resp, err := c.dl.Do(req)
	if err != nil {
		return nil, sdk.Retryable(err, "shopify: download bulk file")
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound {
			return nil, &errBulkGone{status: resp.Status, body: snippet(b)}
		}
		return nil, sdk.Retryable(fmt.Errorf("%s: %s", resp.Status, snippet(b)), "shopify: download bulk file")
	}
	return resp, nil
}

// errBulkGone is a bulk file whose URL expired or was refused: run the
// operation again.
type errBulkGone struct{ status, body string }

func (e *errBulkGone) Error() string {
	return fmt.Sprintf("shopify: bulk file URL refused (%s): %s", e.status, e.body)
}
