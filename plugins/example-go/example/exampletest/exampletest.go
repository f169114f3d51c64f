// Package exampletest is a fake of the Example Shop API that the example
// connectors (Go and Python) talk to: an httptest.Server with API-key
// authentication, cursor pagination by updated_at, optional 429s, signed
// webhooks, idempotent inventory writes and a switch that stalls every
// request.
//
// It is for the example connector's tests, the host's tests and the
// tutorial in docs/writing-a-connector.md. Start with [New], then pass
// [Server.Config] to the connector and [Server.Suite] to the conformance kit.
package exampletest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Defaults of Config.
const (
	DefaultAPIKey        = "example-api-key-0001"
	DefaultWebhookSecret = "example-webhook-secret"
)

// Zone is the shop's time zone; every timestamp carries it.
var Zone = time.FixedZone("CET", 3600)

// Config seeds a Server.
type Config struct {
	// Orders is how many orders the shop starts with; 0 means 40.
	Orders int
	// APIKey is the key requests must send in X-Api-Key.
	APIKey string
	// WebhookSecret signs webhooks (HMAC-SHA256, hex, "sha256=" prefix).
	WebhookSecret string
	// RateLimitEvery makes every n-th request answer 429 with Retry-After 0;
	// 0 never does.
	RateLimitEvery int
	// Start is the creation time of the first order; a fixed day when zero.
	Start time.Time
}

// Line is an order line in the API's wire format.
type Line struct {
	ID        string `json:"id"`
	SKU       string `json:"sku"`
	Quantity  int    `json:"quantity"`
	UnitPrice string `json:"unit_price"`
}

// Order is an order in the API's wire format.
type Order struct {
	ID        string    `json:"id"`
	Number    int       `json:"number"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Status is pending, paid, refunded or cancelled.
	Status   string `json:"status"`
	Currency string `json:"currency"`
	Email    string `json:"email,omitempty"`
	Lines    []Line `json:"lines"`
	Shipping string `json:"shipping"`
	Deleted  bool   `json:"deleted,omitempty"`
}

// OrdersPage is the body of GET /v1/orders.
type OrdersPage struct {
	Orders []Order `json:"orders"`
	// HasMore says whether another page follows.
	HasMore bool `json:"has_more"`
}

// InventoryWrite is the body of POST /v1/inventory_levels and its answer.
type InventoryWrite struct {
	SKU        string `json:"sku"`
	LocationID string `json:"location_id"`
	Available  int    `json:"available"`
	// Duplicate is set in the answer when the Idempotency-Key was seen before.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Server is the fake Example Shop API.
type Server struct {
	*httptest.Server
	cfg Config

	mu        sync.Mutex
	orders    map[string]*Order
	nextID    int
	clock     time.Time
	inventory map[string]int
	applied   map[string]int
	answers   map[string]InventoryWrite
	events    int

	stalled  chan struct{}
	requests atomic.Int64
}

// New starts a server seeded from cfg and closes it when t ends.
func New(t testing.TB, cfg Config) *Server {
	s := NewServer(cfg)
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a server seeded from cfg; call Close when done.
func NewServer(cfg Config) *Server {
	if cfg.Orders == 0 {
		cfg.Orders = 40
	}
	if cfg.APIKey == "" {
		cfg.APIKey = DefaultAPIKey
	}
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = DefaultWebhookSecret
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 3, 2, 9, 0, 0, 0, Zone)
	}
	s := &Server{cfg: cfg, orders: map[string]*Order{}, nextID: 1000, clock: cfg.Start,
		inventory: map[string]int{"SKU-1@loc-1": 10, "SKU-2@loc-1": 4, "SKU-3@loc-2": 0},
		applied:   map[string]int{}, answers: map[string]InventoryWrite{}}
	for i := 0; i < cfg.Orders; i++ {
		s.addLocked()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/shop", s.shop)
	mux.HandleFunc("GET /v1/orders", s.listOrders)
	mux.HandleFunc("GET /v1/orders/{id}", s.getOrder)
	mux.HandleFunc("POST /v1/inventory_levels", s.setInventory)
	s.Server = httptest.NewServer(s.middleware(mux))
	return s
}

// tick advances the shop's clock: every change gets a later updated_at.
func (s *Server) tick() time.Time {
	s.clock = s.clock.Add(7*time.Second + 123456789*time.Nanosecond)
	return s.clock
}

func (s *Server) addLocked() string {
	s.nextID++
	id := strconv.Itoa(s.nextID)
	now := s.tick()
	n := s.nextID
	o := &Order{ID: id, Number: n, CreatedAt: now, UpdatedAt: now, Status: "pending", Currency: "EUR",
		Email: fmt.Sprintf("buyer%d@example.com", n), Shipping: "4.90"}
	for j := 1; j <= 1+n%3; j++ {
		o.Lines = append(o.Lines, Line{ID: fmt.Sprintf("%s-%d", id, j), SKU: fmt.Sprintf("SKU-%d", (n+j)%5+1),
			Quantity: 1 + (n+j)%4, UnitPrice: fmt.Sprintf("%d.%02d", 5+(n*j)%40, (n*7+j)%100)})
	}
	s.orders[id] = o
	return id
}

// AddOrder creates an order and returns its id. No webhook is delivered.
func (s *Server) AddOrder() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked()
}

// UpdateOrder moves an order to its next status (pending, paid, refunded)
// with a later updated_at. No webhook is delivered. An empty id updates the
// oldest order.
func (s *Server) UpdateOrder(id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		id = strconv.Itoa(1001)
	}
	o, ok := s.orders[id]
	if !ok {
		return "", fmt.Errorf("exampletest: no order %s", id)
	}
	next := map[string]string{"pending": "paid", "paid": "refunded", "refunded": "refunded", "cancelled": "cancelled"}
	o.Status = next[o.Status]
	o.UpdatedAt = s.tick()
	return id, nil
}

// DeleteOrder deletes an order; incremental reads return its tombstone.
func (s *Server) DeleteOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return fmt.Errorf("exampletest: no order %s", id)
	}
	o.Deleted = true
	o.UpdatedAt = s.tick()
	return nil
}

// Order returns a copy of an order as the API would send it.
func (s *Server) Order(id string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return Order{}, false
	}
	return copyOrder(o), true
}

// OrderIDs returns every order id, oldest first.
func (s *Server) OrderIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.orders))
	for id := range s.orders {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return less(s.orders[ids[i]], s.orders[ids[j]]) })
	return ids
}

func copyOrder(o *Order) Order {
	c := *o
	c.Lines = append([]Line(nil), o.Lines...)
	return c
}

// Requests returns how many requests the server has answered.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Stall makes every request hang until release is called (or the client
// gives up). It is Upstream.Stall for the conformance kit.
func (s *Server) Stall() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.stalled = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.stalled == ch {
				s.stalled = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Applied returns how many times the inventory write with this
// idempotency key was applied.
func (s *Server) Applied(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applied[key]
}

// Inventory returns the available quantity of sku at a location.
func (s *Server) Inventory(sku, location string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.inventory[sku+"@"+location]
	return n, ok
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.requests.Add(1)
		s.mu.Lock()
		stalled := s.stalled
		s.mu.Unlock()
		if stalled != nil {
			select {
			case <-stalled:
			case <-r.Context().Done():
				return
			}
		}
		if r.Header.Get("X-Api-Key") != s.cfg.APIKey {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid API key"})
			return
		}
		if every := s.cfg.RateLimitEvery; every > 0 && n%int64(every) == 0 {
			w.Header().Set("Retry-After", "0")
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "slow down"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) shop(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"name": "Example Shop", "currency": "EUR", "timezone": "CET"})
}

func less(a, b *Order) bool {
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.Before(b.UpdatedAt)
	}
	return a.ID < b.ID
}

// listOrders answers GET /v1/orders?updated_after=RFC3339Nano&after_id=ID&limit=N
// with orders strictly after (updated_after, after_id) in (updated_at, id)
// order, deleted ones included as tombstones.
func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limit must be 1..250"})
			return
		}
		limit = n
	}
	var after time.Time
	if v := q.Get("updated_after"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "updated_after must be RFC 3339"})
			return
		}
		after = t
	}
	afterID := q.Get("after_id")
	s.mu.Lock()
	var all []*Order
	for _, o := range s.orders {
		if o.UpdatedAt.After(after) || (o.UpdatedAt.Equal(after) && o.ID > afterID) {
			all = append(all, o)
		}
	}
	sort.Slice(all, func(i, j int) bool { return less(all[i], all[j]) })
	page := OrdersPage{HasMore: len(all) > limit}
	for _, o := range all[:min(limit, len(all))] {
		page.Orders = append(page.Orders, copyOrder(o))
	}
	s.mu.Unlock()
	if page.Orders == nil {
		page.Orders = []Order{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) {
	o, ok := s.Order(r.PathValue("id"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such order"})
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) setInventory(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Idempotency-Key is required"})
		return
	}
	var in InventoryWrite
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.answers[key]; ok {
		prev.Duplicate = true
		writeJSON(w, http.StatusOK, prev)
		return
	}
	k := in.SKU + "@" + in.LocationID
	if _, ok := s.inventory[k]; !ok {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "unknown sku " + in.SKU + " at location " + in.LocationID})
		return
	}
	s.inventory[k] = in.Available
	s.applied[key]++
	s.answers[key] = in
	writeJSON(w, http.StatusOK, in)
}

// Webhook headers.
const (
	SignatureHeader = "X-Example-Signature"
	EventIDHeader   = "X-Example-Event-Id"
	TopicHeader     = "X-Example-Topic"
)

// Sign returns the signature header value of body.
func (s *Server) Sign(body []byte) string {
	mac := hmac.New(sha256.New, []byte(s.cfg.WebhookSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Webhook returns a signed delivery of the order's current state with a
// new event id, as the shop would POST it.
func (s *Server) Webhook(topic, id string) (http.Header, []byte, error) {
	o, ok := s.Order(id)
	if !ok {
		return nil, nil, fmt.Errorf("exampletest: no order %s", id)
	}
	body, err := json.Marshal(o)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	s.events++
	ev := fmt.Sprintf("evt_%06d", s.events)
	s.mu.Unlock()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(SignatureHeader, s.Sign(body))
	h.Set(EventIDHeader, ev)
	h.Set(TopicHeader, topic)
	return h, body, nil
}

// Config returns a working connection configuration for this server.
func (s *Server) Config() json.RawMessage {
	return s.config(s.cfg.APIKey)
}

// ConfigWithKey returns the configuration with another API key.
func (s *Server) ConfigWithKey(key string) json.RawMessage { return s.config(key) }

func (s *Server) config(key string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"base_url": s.URL, "api_key": key, "webhook_secret": s.cfg.WebhookSecret, "page_size": 25})
	return b
}
