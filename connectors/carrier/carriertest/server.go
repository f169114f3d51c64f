// Package carriertest is a fake of two multi-carrier shipping APIs, shaped
// like EasyPost (/v2/shipments, /buy, /v2/trackers, /v2/events, HTTP Basic
// auth, {"error": {...}} envelopes) and Shippo (/shipments/, /transactions/,
// /tracks/, ShippoToken auth), over one simulated network of three carriers
// (USPS, UPS, DHL Express) with several services each, zone-based prices,
// realistic transit times, labels and tracking event sequences, like
// net/http/httptest.
//
// It is for the carrier connector's tests and benchmarks, the e2e tests and
// the demo. Start with NewServer; point an easypost account's base_url at
// URL+"/v2" and a shippo account's at URL. SetCarrierDelay makes one carrier
// slow, FailCarrier makes it fail, SetNow moves the clock that drives
// tracking, and SendEasyPostWebhook (HMAC-signed) / SendShippoWebhook
// (?token= in the URL) deliver tracking webhooks.
package carriertest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default credentials of the fake.
const (
	EasyPostKey = "EZTK_test_supplyhub"
	ShippoToken = "shippo_test_supplyhub"
)

// Server is the fake. Its zero value is not usable; call NewServer.
type Server struct {
	*httptest.Server

	mu           sync.Mutex
	now          func() time.Time
	delays       map[string]time.Duration // by carrier name
	failures     map[string][]int         // by carrier name: statuses to answer next
	shipments    map[string]*shipment
	rates        map[string]*rate
	trackers     map[string]*tracker // by tracking code
	transactions map[string]*transaction
	events       []map[string]any // EasyPost events, oldest first
	calls        map[string]int
	stall        chan struct{}
}

type shipment struct {
	id                      string
	created                 time.Time
	from, to                map[string]any
	fromCountry, toCountry  string
	parcel                  map[string]any
	rates                   []*rate
	messages                []map[string]any
	selected                *rate
	trackingCode, labelURL  string
	trackerID, trackerURL   string
	shippo                  bool
	shippoParcelID, shipMet string
}

type rate struct {
	id, shipmentID string
	q              quote
	created        time.Time
}

type tracker struct {
	id, code, carrier string
	start             time.Time
	steps             []trackingStep
	shipmentID        string
	service           string
	created           time.Time
}

type transaction struct {
	id, rateID, metadata string
	created              time.Time
	shipment             *shipment
}

// NewServer starts the fake.
func NewServer() *Server {
	s := &Server{
		now:          time.Now,
		delays:       map[string]time.Duration{},
		failures:     map[string][]int{},
		shipments:    map[string]*shipment{},
		rates:        map[string]*rate{},
		trackers:     map[string]*tracker{},
		transactions: map[string]*transaction{},
		calls:        map[string]int{},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetNow sets the clock that stamps objects and drives tracking sequences.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetCarrierDelay makes every answer that quotes carrier (USPS, UPS, DHL
// Express) wait d first, as a slow carrier API does.
func (s *Server) SetCarrierDelay(carrier string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays[carrierByName(carrier).Name] = d
}

// FailCarrier makes the next len(statuses) rate requests that include
// carrier answer with these HTTP statuses.
func (s *Server) FailCarrier(carrier string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := carrierByName(carrier).Name
	s.failures[n] = append(s.failures[n], statuses...)
}

// Calls returns how many requests "METHOD /path-prefix" received, e.g.
// "POST /v2/shipments".
func (s *Server) Calls(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[key]
}

func newID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	key := r.Method + " " + p
	switch {
	case strings.HasPrefix(p, "/v2/shipments/"):
		key = r.Method + " /v2/shipments/{id}" + map[bool]string{true: "/buy", false: ""}[strings.HasSuffix(p, "/buy")]
	case strings.HasPrefix(p, "/v2/trackers/"):
		key = r.Method + " /v2/trackers/{id}"
	case strings.HasPrefix(p, "/tracks/"):
		key = r.Method + " /tracks/{carrier}/{number}"
	}
	s.mu.Lock()
	s.calls[key]++
	stall := s.stall
	s.mu.Unlock()
	if stall != nil {
		select {
		case <-stall:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case strings.HasPrefix(p, "/v2/"):
		if u, _, ok := r.BasicAuth(); !ok || u != EasyPostKey {
			epError(w, http.StatusUnauthorized, "APIKEY.INACTIVE", "This api key is no longer active. Please use a different api key or reactivate this key.")
			return
		}
		s.serveEasyPost(w, r)
	case strings.HasPrefix(p, "/shipments") || strings.HasPrefix(p, "/transactions") || strings.HasPrefix(p, "/tracks/") || strings.HasPrefix(p, "/rates/"):
		if r.Header.Get("Authorization") != "ShippoToken "+ShippoToken {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Invalid token."})
			return
		}
		s.serveShippo(w, r)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func epError(w http.ResponseWriter, status int, code, msg string, errs ...map[string]any) {
	if errs == nil {
		errs = []map[string]any{}
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg, "errors": errs}})
}

func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// rat reads a JSON number or numeric string.
func rat(v any) (*big.Rat, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = x
	default:
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok && r.Sign() > 0
}

func str(m map[string]any, k string) string {
	if m == nil {
		return ""
	}
	s, _ := m[k].(string)
	return s
}

func (s *Server) stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// wait applies the delay and scripted failures of the carriers a request
// involves; it returns a status to fail with, or 0.
func (s *Server) wait(ctx context.Context, carriers []*Carrier) int {
	s.mu.Lock()
	var d time.Duration
	fail := 0
	for _, c := range carriers {
		d = max(d, s.delays[c.Name])
		if f := s.failures[c.Name]; len(f) > 0 && fail == 0 {
			fail, s.failures[c.Name] = f[0], f[1:]
		}
	}
	s.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return http.StatusGatewayTimeout
		}
	}
	return fail
}

// selectCarriers resolves carrier account ids (all carriers when empty).
func selectCarriers(ids []any) ([]*Carrier, string) {
	if len(ids) == 0 {
		out := make([]*Carrier, len(Carriers))
		for i := range Carriers {
			out[i] = &Carriers[i]
		}
		return out, ""
	}
	var out []*Carrier
	for _, v := range ids {
		id, _ := v.(string)
		if m, ok := v.(map[string]any); ok {
			id = str(m, "id")
		}
		c := carrierByAccount(id)
		if c == nil {
			return nil, id
		}
		out = append(out, c)
	}
	return out, ""
}

// priceShipment fills sh.rates and sh.messages for the carriers.
func (s *Server) priceShipment(sh *shipment, carriers []*Carrier, p parcel) {
	for _, c := range carriers {
		qs, reason := quotes(c, sh.fromCountry, sh.toCountry, str(sh.from, "zip"), str(sh.to, "zip"), p)
		if reason != "" {
			sh.messages = append(sh.messages, map[string]any{"carrier": c.EasyPost, "carrier_account_id": c.EasyPostAccount, "type": "rate_error", "message": reason})
			continue
		}
		for _, q := range qs {
			id := newID("rate_")
			if sh.shippo {
				id = newID("")
			}
			rt := &rate{id: id, shipmentID: sh.id, q: q, created: sh.created}
			sh.rates = append(sh.rates, rt)
			s.rates[rt.id] = rt
		}
	}
}

// ---- EasyPost ----

func (s *Server) serveEasyPost(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/v2")
	switch {
	case r.Method == http.MethodPost && p == "/shipments":
		s.epCreateShipment(w, r)
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/shipments/") && strings.HasSuffix(p, "/buy"):
		s.epBuy(w, r, strings.TrimSuffix(strings.TrimPrefix(p, "/shipments/"), "/buy"))
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/shipments/"):
		s.mu.Lock()
		sh, ok := s.shipments[strings.TrimPrefix(p, "/shipments/")]
		var out map[string]any
		if ok && !sh.shippo {
			out = s.epShipmentJSON(sh)
		}
		s.mu.Unlock()
		if out == nil {
			epError(w, http.StatusNotFound, "SHIPMENT.NOT_FOUND", "The requested resource could not be found.")
			return
		}
		writeJSON(w, http.StatusOK, out)
	case r.Method == http.MethodPost && p == "/trackers":
		var body struct {
			Tracker map[string]any `json:"tracker"`
		}
		if err := decode(r, &body); err != nil || str(body.Tracker, "tracking_code") == "" {
			epError(w, http.StatusUnprocessableEntity, "TRACKER.TRACKING_CODE.INVALID", "tracker.tracking_code is required.")
			return
		}
		s.mu.Lock()
		t := s.trackerFor(str(body.Tracker, "tracking_code"), str(body.Tracker, "carrier"))
		out := s.epTrackerJSON(t)
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, out)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/trackers/"):
		id := strings.TrimPrefix(p, "/trackers/")
		s.mu.Lock()
		var out map[string]any
		for _, t := range s.trackers {
			if t.id == id {
				out = s.epTrackerJSON(t)
			}
		}
		s.mu.Unlock()
		if out == nil {
			epError(w, http.StatusNotFound, "TRACKER.NOT_FOUND", "The requested resource could not be found.")
			return
		}
		writeJSON(w, http.StatusOK, out)
	case r.Method == http.MethodGet && p == "/events":
		s.epEvents(w, r)
	default:
		epError(w, http.StatusNotFound, "NOT_FOUND", "The requested resource could not be found.")
	}
}

func (s *Server) epCreateShipment(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Shipment struct {
			From            map[string]any `json:"from_address"`
			To              map[string]any `json:"to_address"`
			Parcel          map[string]any `json:"parcel"`
			CarrierAccounts []any          `json:"carrier_accounts"`
			Reference       string         `json:"reference"`
		} `json:"shipment"`
	}
	if err := decode(r, &body); err != nil {
		epError(w, http.StatusUnprocessableEntity, "SHIPMENT.INVALID_PARAMS", "Malformed JSON: "+err.Error())
		return
	}
	in := body.Shipment
	var fieldErrs []map[string]any
	if str(in.From, "country") == "" {
		fieldErrs = append(fieldErrs, map[string]any{"field": "from_address.country", "message": "must be present"})
	}
	if str(in.To, "country") == "" {
		fieldErrs = append(fieldErrs, map[string]any{"field": "to_address.country", "message": "must be present"})
	}
	wt, ok := rat(in.Parcel["weight"])
	if !ok {
		fieldErrs = append(fieldErrs, map[string]any{"field": "parcel.weight", "message": "must be greater than 0"})
	}
	if fieldErrs != nil {
		epError(w, http.StatusUnprocessableEntity, "SHIPMENT.INVALID_PARAMS", "Unable to create shipment, one or more parameters were invalid.", fieldErrs...)
		return
	}
	p := parcel{weightOz: wt}
	if l, ok := rat(in.Parcel["length"]); ok {
		wd, ok2 := rat(in.Parcel["width"])
		h, ok3 := rat(in.Parcel["height"])
		if !ok2 || !ok3 {
			epError(w, http.StatusUnprocessableEntity, "SHIPMENT.INVALID_PARAMS", "Unable to create shipment, one or more parameters were invalid.",
				map[string]any{"field": "parcel", "message": "length, width and height must all be given"})
			return
		}
		p.length, p.width, p.height = l, wd, h
	}
	carriers, bad := selectCarriers(in.CarrierAccounts)
	if bad != "" {
		epError(w, http.StatusUnprocessableEntity, "SHIPMENT.INVALID_PARAMS", "Carrier account "+bad+" not found.")
		return
	}
	if fail := s.wait(r.Context(), carriers); fail != 0 {
		epError(w, fail, "CARRIER.ERROR", http.StatusText(fail))
		return
	}
	s.mu.Lock()
	sh := &shipment{id: newID("shp_"), created: s.now(), from: in.From, to: in.To, parcel: in.Parcel,
		fromCountry: strings.ToUpper(str(in.From, "country")), toCountry: strings.ToUpper(str(in.To, "country"))}
	s.priceShipment(sh, carriers, p)
	s.shipments[sh.id] = sh
	out := s.epShipmentJSON(sh)
	s.mu.Unlock()
	w.Header().Set("Location", "/api/v2/shipments/"+sh.id)
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) epRateJSON(rt *rate) map[string]any {
	return map[string]any{
		"id": rt.id, "object": "Rate", "created_at": s.stamp(rt.created), "updated_at": s.stamp(rt.created), "mode": "test",
		"service": rt.q.service.EasyPost, "carrier": rt.q.carrier.EasyPost,
		"rate": money(rt.q.cents), "currency": "USD", "retail_rate": money(rt.q.cents * 115 / 100), "retail_currency": "USD",
		"list_rate": money(rt.q.cents * 108 / 100), "list_currency": "USD", "billing_type": "easypost",
		"delivery_days": rt.q.days, "est_delivery_days": rt.q.days, "delivery_date": nil, "delivery_date_guaranteed": false,
		"shipment_id": rt.shipmentID, "carrier_account_id": rt.q.carrier.EasyPostAccount,
	}
}

func (s *Server) epShipmentJSON(sh *shipment) map[string]any {
	rates := make([]map[string]any, 0, len(sh.rates))
	for _, rt := range sh.rates {
		rates = append(rates, s.epRateJSON(rt))
	}
	msgs := sh.messages
	if msgs == nil {
		msgs = []map[string]any{}
	}
	out := map[string]any{
		"id": sh.id, "object": "Shipment", "mode": "test", "created_at": s.stamp(sh.created), "updated_at": s.stamp(sh.created),
		"from_address": sh.from, "to_address": sh.to, "parcel": sh.parcel, "rates": rates, "messages": msgs,
		"status": "unknown", "tracking_code": nil, "postage_label": nil, "selected_rate": nil, "tracker": nil, "fees": []any{},
	}
	if sh.selected != nil {
		out["selected_rate"] = s.epRateJSON(sh.selected)
		out["tracking_code"] = sh.trackingCode
		out["postage_label"] = map[string]any{"object": "PostageLabel", "id": newID("pl_"), "label_url": sh.labelURL, "label_file_type": "image/png", "label_size": "4x6", "label_date": s.stamp(sh.created)}
		if t := s.trackers[sh.trackingCode]; t != nil {
			out["tracker"] = s.epTrackerJSON(t)
		}
		out["fees"] = []map[string]any{
			{"object": "Fee", "type": "LabelFee", "amount": "0.00000", "charged": true, "refunded": false},
			{"object": "Fee", "type": "PostageFee", "amount": money(sh.selected.q.cents) + "000", "charged": true, "refunded": false},
		}
	}
	return out
}

func (s *Server) epBuy(w http.ResponseWriter, r *http.Request, id string) {
	var body struct {
		Rate map[string]any `json:"rate"`
	}
	if err := decode(r, &body); err != nil || str(body.Rate, "id") == "" {
		epError(w, http.StatusUnprocessableEntity, "SHIPMENT.INVALID_PARAMS", "rate.id is required.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shipments[id]
	if !ok || sh.shippo {
		epError(w, http.StatusNotFound, "SHIPMENT.NOT_FOUND", "The requested resource could not be found.")
		return
	}
	rt, ok := s.rates[str(body.Rate, "id")]
	if !ok || rt.shipmentID != sh.id {
		epError(w, http.StatusUnprocessableEntity, "SHIPMENT.RATE.INVALID", "The rate "+str(body.Rate, "id")+" does not belong to shipment "+sh.id+".")
		return
	}
	if sh.selected != nil {
		epError(w, http.StatusUnprocessableEntity, "SHIPMENT.POSTAGE.EXISTS", "Shipment already has postage; create a new shipment to buy another label.")
		return
	}
	s.purchase(sh, rt)
	writeJSON(w, http.StatusOK, s.epShipmentJSON(sh))
}

// purchase buys rt for sh: a tracking code, a label and a tracker whose
// events unfold over the service's transit days.
func (s *Server) purchase(sh *shipment, rt *rate) {
	sh.selected = rt
	n, _ := rand.Int(rand.Reader, big.NewInt(1e12))
	switch rt.q.carrier.Name {
	case "USPS":
		sh.trackingCode = fmt.Sprintf("94001001103680%08d", n.Int64()%1e8)
	case "UPS":
		sh.trackingCode = fmt.Sprintf("1Z999AA1%010d", n.Int64()%1e10)
	default:
		sh.trackingCode = fmt.Sprintf("%010d", n.Int64()%1e10)
	}
	sh.labelURL = s.URL + "/files/postage_label/" + sh.id + ".png"
	t := &tracker{id: newID("trk_"), code: sh.trackingCode, carrier: rt.q.carrier.EasyPost, start: s.now(), created: s.now(),
		steps: sequence(rt.q.days, "delivered"), shipmentID: sh.id, service: rt.q.service.EasyPost}
	s.trackers[t.code] = t
	sh.trackerID, sh.trackerURL = t.id, "https://track.easypost.test/"+base64.RawURLEncoding.EncodeToString([]byte(t.id))
	s.event("tracker.created", s.epTrackerJSON(t))
}

// trackerFor returns the tracker of code, creating one: test codes get their
// scripted sequence, unknown codes none.
func (s *Server) trackerFor(code, carrier string) *tracker {
	if t, ok := s.trackers[code]; ok {
		return t
	}
	final, ok := testCodes[code]
	if !ok {
		final, ok = shippoTestNumbers[code]
	}
	if !ok {
		final = "unknown"
	}
	if carrier == "" {
		carrier = "USPS"
	}
	t := &tracker{id: newID("trk_"), code: code, carrier: carrier, start: s.now().Add(-4 * 24 * time.Hour), created: s.now(), steps: sequence(3, final), service: "Priority"}
	s.trackers[code] = t
	s.event("tracker.created", s.epTrackerJSON(t))
	return t
}

// visible returns the steps that have happened by now.
func (s *Server) visible(t *tracker) []trackingStep {
	var out []trackingStep
	now := s.now()
	for _, st := range t.steps {
		if !t.start.Add(st.after).After(now) {
			out = append(out, st)
		}
	}
	return out
}

func place(city string) (string, string, string) {
	switch city {
	case "ORIGIN":
		return "SAN FRANCISCO", "CA", "94107"
	case "HUB":
		return "MEMPHIS", "TN", "38118"
	}
	return "CHARLESTON", "SC", "29401"
}

func (s *Server) epTrackerJSON(t *tracker) map[string]any {
	steps := s.visible(t)
	status, detail := "unknown", "unknown"
	details := make([]map[string]any, 0, len(steps))
	for _, st := range steps {
		city, state, zip := place(st.city)
		details = append(details, map[string]any{
			"object": "TrackingDetail", "message": st.message, "description": "", "status": st.status, "status_detail": st.detail,
			"datetime": s.stamp(t.start.Add(st.after)), "source": t.carrier, "carrier_code": "",
			"tracking_location": map[string]any{"object": "TrackingLocation", "city": city, "state": state, "country": "US", "zip": zip},
		})
		status, detail = st.status, st.detail
	}
	var est any
	for _, st := range t.steps {
		if st.status == "delivered" {
			est = s.stamp(t.start.Add(st.after))
		}
	}
	updated := t.created
	if len(steps) > 0 {
		updated = t.start.Add(steps[len(steps)-1].after)
	}
	var shipmentID any
	if t.shipmentID != "" {
		shipmentID = t.shipmentID
	}
	return map[string]any{
		"id": t.id, "object": "Tracker", "mode": "test", "tracking_code": t.code, "status": status, "status_detail": detail,
		"created_at": s.stamp(t.created), "updated_at": s.stamp(updated), "signed_by": nil, "weight": nil,
		"est_delivery_date": est, "shipment_id": shipmentID, "carrier": t.carrier, "tracking_details": details, "fees": []any{},
		"carrier_detail": map[string]any{"object": "CarrierDetail", "service": t.service},
		"public_url":     "https://track.easypost.test/" + base64.RawURLEncoding.EncodeToString([]byte(t.id)),
	}
}

func (s *Server) event(description string, result map[string]any) {
	now := s.now()
	s.events = append(s.events, map[string]any{
		"id": newID("evt_"), "object": "Event", "description": description, "mode": "test", "status": "pending",
		"created_at": now.UTC().Format("2006-01-02T15:04:05.000Z"), "updated_at": now.UTC().Format("2006-01-02T15:04:05.000Z"),
		"user_id": "user_0e95f038c18f432fbc50f84855dc20c6", "result": result, "previous_attributes": map[string]any{},
		"pending_urls": []any{}, "completed_urls": []any{},
	})
}

// epEvents lists events newest first, page_size per page (default 20, at
// most 100), continuing before before_id; has_more says whether older events
// remain.
func (s *Server) epEvents(w http.ResponseWriter, r *http.Request) {
	size := 20
	if v := r.URL.Query().Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			epError(w, http.StatusUnprocessableEntity, "PARAMETER.INVALID", "page_size must be between 1 and 100.")
			return
		}
		size = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := len(s.events) - 1
	if b := r.URL.Query().Get("before_id"); b != "" {
		start = -2
		for i, e := range s.events {
			if e["id"] == b {
				start = i - 1
			}
		}
		if start == -2 {
			epError(w, http.StatusNotFound, "EVENT.NOT_FOUND", "The requested resource could not be found.")
			return
		}
	}
	page := []map[string]any{}
	i := start
	for ; i >= 0 && len(page) < size; i-- {
		e := map[string]any{}
		for k, v := range s.events[i] {
			if k != "result" && k != "previous_attributes" && k != "pending_urls" && k != "completed_urls" {
				e[k] = v
			}
		}
		page = append(page, e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": page, "has_more": i >= 0})
}

// EasyPostTrackerEvent returns the body of a tracker.updated Event for the
// tracker of code as it stands now, with previous_attributes naming the
// status before the latest step.
func (s *Server) EasyPostTrackerEvent(code string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trackers[code]
	if !ok {
		return nil, fmt.Errorf("carriertest: no tracker for %q", code)
	}
	res := s.epTrackerJSON(t)
	prev := "unknown"
	if v := s.visible(t); len(v) > 1 {
		prev = v[len(v)-2].status
	}
	s.event("tracker.updated", res)
	e := s.events[len(s.events)-1]
	e["previous_attributes"] = map[string]any{"status": prev}
	return json.Marshal(e)
}

// SignEasyPost returns the X-Hmac-Signature header value of body:
// "hmac-sha256-hex=" and the lowercase hex HMAC-SHA256 of the body keyed
// with secret. EasyPost NFKD-normalises the secret first; pass an
// already-normalised (e.g. ASCII) secret.
func SignEasyPost(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "hmac-sha256-hex=" + hex.EncodeToString(m.Sum(nil))
}

// SendEasyPostWebhook posts a signed tracker.updated Event for code to url,
// as EasyPost's webhook agent does, and returns the response status.
func (s *Server) SendEasyPostWebhook(ctx context.Context, url, secret, code string) (int, error) {
	body, err := s.EasyPostTrackerEvent(code)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "EasyPost WebHook Agent 1.0")
	req.Header.Set("X-Hmac-Signature", SignEasyPost(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// ---- Shippo ----

func (s *Server) serveShippo(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodPost && p == "/shipments":
		s.shCreateShipment(w, r)
	case r.Method == http.MethodPost && p == "/transactions":
		s.shCreateTransaction(w, r)
	case r.Method == http.MethodGet && p == "/transactions":
		s.mu.Lock()
		results := []map[string]any{}
		ids := make([]string, 0, len(s.transactions))
		for id := range s.transactions {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if tx := s.transactions[id]; r.URL.Query().Get("rate") == "" || tx.rateID == r.URL.Query().Get("rate") {
				results = append(results, s.shTransactionJSON(tx))
			}
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"next": nil, "previous": nil, "results": results})
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/rates/"):
		s.mu.Lock()
		rt, ok := s.rates[strings.TrimPrefix(p, "/rates/")]
		var out map[string]any
		if ok && s.shipments[rt.shipmentID].shippo {
			out = s.shRateJSON(rt)
		}
		s.mu.Unlock()
		if out == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
			return
		}
		writeJSON(w, http.StatusOK, out)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/tracks/"):
		parts := strings.Split(strings.TrimPrefix(p, "/tracks/"), "/")
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "use /tracks/{carrier}/{tracking_number}"})
			return
		}
		s.mu.Lock()
		t := s.trackerFor(parts[1], parts[0])
		out := s.shTrackJSON(t, parts[0])
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
	}
}

func (s *Server) shCreateShipment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		From            map[string]any   `json:"address_from"`
		To              map[string]any   `json:"address_to"`
		Parcels         []map[string]any `json:"parcels"`
		CarrierAccounts []any            `json:"carrier_accounts"`
		Metadata        string           `json:"metadata"`
	}
	if err := decode(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "JSON parse error - " + err.Error()})
		return
	}
	fieldErrs := map[string]any{}
	if str(in.From, "country") == "" {
		fieldErrs["address_from"] = []string{"country: This field is required."}
	}
	if str(in.To, "country") == "" {
		fieldErrs["address_to"] = []string{"country: This field is required."}
	}
	if len(in.Parcels) == 0 {
		fieldErrs["parcels"] = []string{"This field is required."}
	}
	total := parcel{weightOz: new(big.Rat)}
	for i, pc := range in.Parcels {
		wt, ok := rat(pc["weight"])
		unitOz := map[string]*big.Rat{"oz": big.NewRat(1, 1), "lb": big.NewRat(16, 1), "g": new(big.Rat).Quo(big.NewRat(1, 1), mustRat("28.349523125")), "kg": ozPerKg}[str(pc, "mass_unit")]
		if !ok || unitOz == nil {
			fieldErrs[fmt.Sprintf("parcels[%d]", i)] = []string{"weight must be a positive number and mass_unit one of g, oz, lb, kg."}
			continue
		}
		total.weightOz.Add(total.weightOz, new(big.Rat).Mul(wt, unitOz))
		if l, ok := rat(pc["length"]); ok && i == 0 {
			wd, _ := rat(pc["width"])
			h, _ := rat(pc["height"])
			inPer := map[string]*big.Rat{"in": big.NewRat(1, 1), "cm": new(big.Rat).Inv(cmPerIn), "mm": new(big.Rat).Inv(new(big.Rat).Mul(cmPerIn, big.NewRat(10, 1)))}[str(pc, "distance_unit")]
			if wd != nil && h != nil && inPer != nil {
				total.length, total.width, total.height = new(big.Rat).Mul(l, inPer), new(big.Rat).Mul(wd, inPer), new(big.Rat).Mul(h, inPer)
			}
		}
	}
	if len(fieldErrs) > 0 {
		writeJSON(w, http.StatusBadRequest, fieldErrs)
		return
	}
	carriers, bad := selectCarriers(in.CarrierAccounts)
	if bad != "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"carrier_accounts": []string{"Carrier account " + bad + " does not exist."}})
		return
	}
	if fail := s.wait(r.Context(), carriers); fail != 0 {
		writeJSON(w, fail, map[string]any{"detail": http.StatusText(fail)})
		return
	}
	s.mu.Lock()
	sh := &shipment{id: newID(""), created: s.now(), from: in.From, to: in.To, shippo: true, shipMet: in.Metadata, shippoParcelID: newID(""),
		fromCountry: strings.ToUpper(str(in.From, "country")), toCountry: strings.ToUpper(str(in.To, "country"))}
	s.priceShipment(sh, carriers, total)
	s.shipments[sh.id] = sh
	out := s.shShipmentJSON(sh)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) shRateJSON(rt *rate) map[string]any {
	var arrives any
	return map[string]any{
		"object_id": rt.id, "object_created": rt.created.UTC().Format("2006-01-02T15:04:05.000Z"), "object_owner": "ops@example.com",
		"shipment": rt.shipmentID, "attributes": []string{}, "amount": money(rt.q.cents), "currency": "USD",
		"amount_local": money(rt.q.cents), "currency_local": "USD", "provider": rt.q.carrier.Shippo,
		"servicelevel":   map[string]any{"name": rt.q.service.Shippo, "token": rt.q.service.ShippoToken, "terms": "", "extended_token": rt.q.service.ShippoToken, "parent_servicelevel": nil},
		"estimated_days": rt.q.days, "arrives_by": arrives, "duration_terms": "", "messages": []any{},
		"carrier_account": rt.q.carrier.ShippoAccount, "test": true, "zone": strconv.Itoa(rt.q.zone), "included_insurance_price": nil,
	}
}

func (s *Server) shShipmentJSON(sh *shipment) map[string]any {
	rates := make([]map[string]any, 0, len(sh.rates))
	for _, rt := range sh.rates {
		rates = append(rates, s.shRateJSON(rt))
	}
	msgs := make([]map[string]any, 0, len(sh.messages))
	for _, m := range sh.messages {
		msgs = append(msgs, map[string]any{"source": carrierByAccount(str(m, "carrier_account_id")).Shippo, "code": "", "text": m["message"]})
	}
	return map[string]any{
		"object_id": sh.id, "object_created": sh.created.UTC().Format("2006-01-02T15:04:05.000Z"), "status": "SUCCESS",
		"address_from": sh.from, "address_to": sh.to, "parcels": []map[string]any{{"object_id": sh.shippoParcelID}},
		"rates": rates, "messages": msgs, "metadata": sh.shipMet, "test": true, "carrier_accounts": []any{},
	}
}

func (s *Server) shCreateTransaction(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Rate     string `json:"rate"`
		Metadata string `json:"metadata"`
	}
	if err := decode(r, &in); err != nil || in.Rate == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"rate": []string{"This field is required."}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.rates[in.Rate]
	if !ok || !s.shipments[rt.shipmentID].shippo {
		writeJSON(w, http.StatusBadRequest, map[string]any{"rate": []string{"Rate " + in.Rate + " does not exist."}})
		return
	}
	sh := s.shipments[rt.shipmentID]
	if sh.selected == nil {
		s.purchase(sh, rt)
		sh.labelURL = s.URL + "/files/labels/" + sh.id + ".pdf?Expires=1805014923&Signature=fake"
	}
	tx := &transaction{id: newID(""), rateID: rt.id, metadata: in.Metadata, created: s.now(), shipment: sh}
	if sh.selected != rt {
		out := s.shTransactionJSON(tx)
		out["status"], out["tracking_number"], out["label_url"] = "ERROR", "", ""
		out["messages"] = []map[string]any{{"source": rt.q.carrier.Shippo, "code": "", "text": "Shipment already has a label for another rate."}}
		writeJSON(w, http.StatusCreated, out)
		return
	}
	s.transactions[tx.id] = tx
	writeJSON(w, http.StatusCreated, s.shTransactionJSON(tx))
}

func (s *Server) shTransactionJSON(tx *transaction) map[string]any {
	sh := tx.shipment
	eta := any(nil)
	if t := s.trackers[sh.trackingCode]; t != nil {
		for _, st := range t.steps {
			if st.status == "delivered" {
				eta = s.stamp(t.start.Add(st.after))
			}
		}
	}
	return map[string]any{
		"object_state": "VALID", "status": "SUCCESS", "object_created": tx.created.UTC().Format("2006-01-02T15:04:05.000Z"),
		"object_updated": tx.created.UTC().Format("2006-01-02T15:04:05.000Z"), "object_id": tx.id, "object_owner": "ops@example.com",
		"test": true, "rate": tx.rateID, "tracking_number": sh.trackingCode, "tracking_status": "UNKNOWN", "eta": eta,
		"tracking_url_provider": "https://tools.usps.com/go/TrackConfirmAction_input?origTrackNum=" + sh.trackingCode,
		"label_url":             sh.labelURL, "commercial_invoice_url": nil, "messages": []any{}, "metadata": tx.metadata,
		"parcel": sh.shippoParcelID, "label_file_type": "PDF_4x6",
	}
}

func (s *Server) shTrackJSON(t *tracker, carrier string) map[string]any {
	steps := s.visible(t)
	history := make([]map[string]any, 0, len(steps))
	var status map[string]any
	for _, st := range steps {
		city, state, zip := place(st.city)
		at := t.start.Add(st.after).UTC().Format(time.RFC3339)
		ev := map[string]any{
			"object_created": at, "object_updated": at, "object_id": newID(""), "status": shippoStatus(st.status),
			"substatus":      map[string]any{"code": st.detail, "text": st.message, "action_required": st.status == "failure"},
			"status_details": st.message, "status_date": at,
			"location": map[string]any{"city": city, "state": state, "zip": zip, "country": "US"},
		}
		history = append(history, ev)
		status = ev
	}
	if status == nil {
		status = map[string]any{"status": "UNKNOWN", "status_details": "The carrier has not received this package yet.", "status_date": nil, "substatus": nil, "location": nil}
	}
	var eta any
	for _, st := range t.steps {
		if st.status == "delivered" {
			eta = t.start.Add(st.after).UTC().Format(time.RFC3339)
		}
	}
	var tx any
	for _, x := range s.transactions {
		if x.shipment.trackingCode == t.code {
			tx = x.id
		}
	}
	return map[string]any{
		"carrier": strings.ToLower(carrier), "tracking_number": t.code, "transaction": tx, "eta": eta, "original_eta": eta,
		"servicelevel":    map[string]any{"token": nil, "name": t.service},
		"tracking_status": status, "tracking_history": history, "messages": []any{}, "metadata": nil,
		"address_from": map[string]any{"city": "San Francisco", "state": "CA", "zip": "94107", "country": "US"},
		"address_to":   map[string]any{"city": "Charleston", "state": "SC", "zip": "29401", "country": "US"},
	}
}

// ShippoTrackEvent returns the body of a track_updated webhook for the
// parcel as it stands now.
func (s *Server) ShippoTrackEvent(carrier, number string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trackers[number]
	if !ok {
		return nil, fmt.Errorf("carriertest: no parcel %q", number)
	}
	return json.Marshal(map[string]any{"event": "track_updated", "test": true, "data": s.shTrackJSON(t, carrier)})
}

// SendShippoWebhook posts a track_updated webhook for the parcel to
// webhookURL with token appended as ?token=, as Shippo does for a webhook
// registered with a self-generated token (the URL's own query is kept),
// and returns the response status. An empty token sends none.
func (s *Server) SendShippoWebhook(ctx context.Context, webhookURL, token, carrier, number string) (int, error) {
	body, err := s.ShippoTrackEvent(carrier, number)
	if err != nil {
		return 0, err
	}
	u, err := url.Parse(webhookURL)
	if err != nil {
		return 0, fmt.Errorf("carriertest: webhook URL: %w", err)
	}
	if token != "" {
		q := u.Query()
		q.Set("token", token)
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Shippo-Webhooks/1.0 (carriertest)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Stall makes every request hang until release is called (or the client
// gives up), so that tests can check that cancelled calls return promptly.
func (s *Server) Stall() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.stall = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.stall == ch {
				s.stall = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}
