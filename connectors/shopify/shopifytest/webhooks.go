package shopifytest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// RetrySchedule is Shopify's webhook retry schedule as the fake models it:
// 8 attempts over 4 hours with exponential backoff (the delays before
// attempts 2 to 8). Options.WebhookRetryScale compresses it.
var RetrySchedule = []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
	32 * time.Minute, 64 * time.Minute, 114 * time.Minute}

// Delivery is the record of one webhook delivery and its attempts.
type Delivery struct {
	// WebhookID is the X-Shopify-Webhook-Id, the same on every attempt.
	WebhookID string
	// EventID is the X-Shopify-Event-Id.
	EventID string
	Topic   string
	Body    []byte
	// URL is where the delivery went; SubscriptionID is the webhook
	// subscription that asked for it, empty for StartWebhookDelivery's URL.
	URL, SubscriptionID string
	// Attempts made so far, and the status code or error of each.
	Attempts []string
	// Done is set once a 2xx was received; Failed once every attempt failed.
	Done, Failed bool
}

// Sign returns the X-Shopify-Hmac-Sha256 value of body for secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

type webhookQueue struct {
	s      *Server
	mu     sync.Mutex
	url    string
	topics map[string]bool
	seq    int64
	log    []*Delivery
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
	client *http.Client
	// inflight counts deliveries not yet done or failed.
	inflight int
	idle     *sync.Cond
}

func newWebhookQueue(s *Server) *webhookQueue {
	ctx, cancel := context.WithCancel(context.Background())
	q := &webhookQueue{s: s, ctx: ctx, cancel: cancel, client: &http.Client{Timeout: s.opts.WebhookTimeout}}
	q.idle = sync.NewCond(&q.mu)
	return q
}

func (q *webhookQueue) stop() {
	q.cancel()
	q.wg.Wait()
}

// StartWebhookDelivery subscribes url to topics (all topics when none are
// given): every change the fake makes from now on is delivered there,
// signed, with Shopify's retries.
func (s *Server) StartWebhookDelivery(url string, topics ...string) {
	q := s.hooks
	q.mu.Lock()
	defer q.mu.Unlock()
	q.url = url
	q.topics = nil
	if len(topics) > 0 {
		q.topics = map[string]bool{}
		for _, t := range topics {
			q.topics[t] = true
		}
	}
}

// StopWebhookDelivery unsubscribes; deliveries under way keep retrying.
func (s *Server) StopWebhookDelivery() {
	s.hooks.mu.Lock()
	s.hooks.url = ""
	s.hooks.mu.Unlock()
}

// Deliveries returns a copy of the delivery log.
func (s *Server) Deliveries() []Delivery {
	q := s.hooks
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Delivery, len(q.log))
	for i, d := range q.log {
		out[i] = *d
		out[i].Attempts = append([]string(nil), d.Attempts...)
	}
	return out
}

// WaitDeliveries blocks until every delivery under way succeeded or gave up,
// or ctx ends.
func (s *Server) WaitDeliveries(ctx context.Context) error {
	q := s.hooks
	done := make(chan struct{})
	go func() {
		q.mu.Lock()
		for q.inflight > 0 && ctx.Err() == nil {
			q.idle.Wait()
		}
		q.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
		return ctx.Err()
	case <-ctx.Done():
		q.mu.Lock()
		q.idle.Broadcast()
		q.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// enqueue schedules a delivery of body for topic to the URL given to
// StartWebhookDelivery (when it wants the topic) and one to each webhook
// subscription to the topic, each with its own webhook id, as Shopify
// delivers per subscription. It never blocks.
func (q *webhookQueue) enqueue(topic string, body []byte) {
	subs := q.s.subscribers(topic)
	q.mu.Lock()
	if q.url != "" && (q.topics == nil || q.topics[topic]) {
		subs = append([]subTarget{{uri: q.url}}, subs...)
	}
	event := q.seq + 1
	q.mu.Unlock()
	for _, t := range subs {
		q.enqueueTo(topic, body, t, event)
	}
}

// enqueueTo schedules one delivery; event numbers the X-Shopify-Event-Id,
// shared by the deliveries of one change.
func (q *webhookQueue) enqueueTo(topic string, body []byte, t subTarget, event int64) {
	q.mu.Lock()
	q.seq++
	d := &Delivery{WebhookID: fmt.Sprintf("b54557e4-8a5f-4bf7-9d70-%012x", q.seq), EventID: fmt.Sprintf("98880550-7158-44d4-b7cd-%012x", event),
		Topic: topic, Body: body, URL: t.uri, SubscriptionID: t.id}
	q.log = append(q.log, d)
	url := t.uri
	q.inflight++
	dup := q.s.roll(q.s.Faults().WebhookDuplicate)
	q.mu.Unlock()
	q.wg.Add(1)
	go q.deliver(d, url, q.s.opts.Clock())
	if dup {
		q.mu.Lock()
		q.inflight++
		q.mu.Unlock()
		q.wg.Add(1)
		go q.deliver(d, url, q.s.opts.Clock())
	}
}

// deliver makes the attempts of one delivery.
func (q *webhookQueue) deliver(d *Delivery, url string, triggered time.Time) {
	defer q.wg.Done()
	defer func() {
		q.mu.Lock()
		q.inflight--
		q.idle.Broadcast()
		q.mu.Unlock()
	}()
	for attempt := 0; attempt <= len(RetrySchedule); attempt++ {
		if attempt > 0 {
			wait := time.Duration(float64(RetrySchedule[attempt-1]) * q.s.opts.WebhookRetryScale)
			select {
			case <-time.After(wait):
			case <-q.ctx.Done():
				return
			}
		}
		status := q.attempt(d, url, triggered)
		q.mu.Lock()
		d.Attempts = append(d.Attempts, status)
		ok := len(status) == 3 && status[0] == '2'
		if ok {
			d.Done = true
		} else if attempt == len(RetrySchedule) {
			d.Failed = true
		}
		q.mu.Unlock()
		if ok {
			return
		}
		q.s.opts.Logf("shopifytest: webhook %s %s attempt %d: %s", d.Topic, d.WebhookID, attempt+1, status)
	}
}

func (q *webhookQueue) attempt(d *Delivery, url string, triggered time.Time) string {
	ctx, cancel := context.WithTimeout(q.ctx, q.s.opts.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Body))
	if err != nil {
		return err.Error()
	}
	q.s.signHeaders(req.Header, d, triggered)
	resp, err := q.client.Do(req)
	if err != nil {
		return err.Error()
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return fmt.Sprint(resp.StatusCode)
}

func (s *Server) signHeaders(h http.Header, d *Delivery, triggered time.Time) {
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Shopify-Captain-Hook")
	h.Set("X-Shopify-Topic", d.Topic)
	h.Set("X-Shopify-Hmac-Sha256", Sign(s.opts.ClientSecret, d.Body))
	h.Set("X-Shopify-Shop-Domain", s.opts.Shop)
	h.Set("X-Shopify-API-Version", "2026-01")
	h.Set("X-Shopify-Webhook-Id", d.WebhookID)
	h.Set("X-Shopify-Event-Id", d.EventID)
	h.Set("X-Shopify-Triggered-At", triggered.UTC().Format("2006-01-02T15:04:05.000000000Z"))
}

// DeliverWebhook posts one signed delivery of body for topic to url, once,
// and returns the receiver's status code. Tests use it to send exact
// payloads (for example the shared fixtures).
func (s *Server) DeliverWebhook(ctx context.Context, url, topic string, body []byte) (int, error) {
	s.hooks.mu.Lock()
	s.hooks.seq++
	d := &Delivery{WebhookID: fmt.Sprintf("b54557e4-8a5f-4bf7-9d70-%012x", s.hooks.seq), EventID: fmt.Sprintf("98880550-7158-44d4-b7cd-%012x", s.hooks.seq),
		Topic: topic, Body: body}
	s.hooks.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	s.signHeaders(req.Header, d, s.opts.Clock())
	resp, err := (&http.Client{Timeout: s.opts.WebhookTimeout}).Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// WebhookHeaders returns the headers a delivery of body for topic carries,
// for tests that drive a handler directly.
func (s *Server) WebhookHeaders(topic string, body []byte) http.Header {
	s.hooks.mu.Lock()
	s.hooks.seq++
	d := &Delivery{WebhookID: fmt.Sprintf("b54557e4-8a5f-4bf7-9d70-%012x", s.hooks.seq), EventID: fmt.Sprintf("98880550-7158-44d4-b7cd-%012x", s.hooks.seq),
		Topic: topic, Body: body}
	s.hooks.mu.Unlock()
	h := http.Header{}
	s.signHeaders(h, d, s.opts.Clock())
	return h
}
