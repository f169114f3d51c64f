package carrier

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/carrier/carriertest"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// accounts lists the fake's carrier accounts for one API.
func accounts(shippo bool) []map[string]string {
	var out []map[string]string
	for _, c := range carriertest.Carriers {
		id := c.EasyPostAccount
		if shippo {
			id = c.ShippoAccount
		}
		out = append(out, map[string]string{"id": id, "carrier": c.Name})
	}
	return out
}

// easyPostConfig is a config with the fake's EasyPost API, one request per
// carrier account.
func easyPostConfig(srv *carriertest.Server, extra map[string]any) json.RawMessage {
	m := map[string]any{
		"easypost":         map[string]any{"base_url": srv.URL + "/v2", "carrier_accounts": accounts(false)},
		"easypost_api_key": carriertest.EasyPostKey,
		"webhook_secret":   "whsec-test",
	}
	for k, v := range extra {
		m[k] = v
	}
	return raw(m)
}

func shippoConfig(srv *carriertest.Server, extra map[string]any) json.RawMessage {
	m := map[string]any{
		"shippo":         map[string]any{"base_url": srv.URL, "carrier_accounts": accounts(true)},
		"shippo_api_key": carriertest.ShippoToken,
	}
	for k, v := range extra {
		m[k] = v
	}
	return raw(m)
}

var (
	sf      = commerce.Address{Name: "Supplyhub Warehouse", Line1: "215 Clayton St.", City: "San Francisco", ProvinceCode: "CA", PostalCode: "94117", CountryCode: "US"}
	nyc     = commerce.Address{Name: "Ada", Line1: "1 Main St", City: "New York", ProvinceCode: "NY", PostalCode: "10001", CountryCode: "US"}
	berlin  = commerce.Address{Name: "Grace", Line1: "Unter den Linden 1", City: "Berlin", PostalCode: "10117", CountryCode: "DE"}
	toronto = commerce.Address{Name: "Alan", Line1: "1 Front St W", City: "Toronto", ProvinceCode: "ON", PostalCode: "M5J 2X5", CountryCode: "CA"}
)

func box(lb, l, w, h string) sdk.Parcel {
	return sdk.Parcel{Weight: commerce.Weight{Value: dec(lb), Unit: commerce.Pounds},
		Dimensions: &commerce.Dimensions{Length: dec(l), Width: dec(w), Height: dec(h), Unit: commerce.Inches}}
}

func newFake(t testing.TB) *carriertest.Server {
	srv := carriertest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// fastConnector does not retry, so that scripted failures show at once.
func fastConnector() *Connector {
	return NewWithOptions(Options{HTTP: httpclient.Config{MaxAttempts: 1}})
}

func carriersOf(rs []commerce.Rate) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		m[r.Carrier]++
	}
	return m
}

func TestRatesAcrossTheFake(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	c := fastConnector()
	cases := []struct {
		name        string
		config      json.RawMessage
		to          commerce.Address
		parcels     []sdk.Parcel
		carriers    []string
		want        map[string]bool // carriers expected among the rates
		errCarriers []string
	}{
		{"easypost domestic", easyPostConfig(srv, nil), nyc, []sdk.Parcel{box("8", "18", "14", "10")}, nil,
			map[string]bool{"USPS": true, "UPS": true}, []string{"DHL Express"}},
		{"easypost international", easyPostConfig(srv, nil), berlin, []sdk.Parcel{box("3", "12", "10", "6")}, nil,
			map[string]bool{"USPS": true, "UPS": true, "DHL Express": true}, nil},
		{"easypost only UPS", easyPostConfig(srv, nil), toronto, []sdk.Parcel{box("3", "12", "10", "6")}, []string{"UPS"},
			map[string]bool{"UPS": true}, nil},
		{"shippo domestic, two parcels", shippoConfig(srv, nil), nyc, []sdk.Parcel{box("2", "10", "8", "4"), box("1", "6", "6", "6")}, nil,
			map[string]bool{"USPS": true, "UPS": true}, []string{"DHL Express"}},
		{"shippo without carrier accounts", raw(map[string]any{"shippo": map[string]any{"base_url": srv.URL}, "shippo_api_key": carriertest.ShippoToken}), berlin,
			[]sdk.Parcel{box("3", "12", "10", "6")}, nil, map[string]bool{"USPS": true, "UPS": true, "DHL Express": true}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, err := c.Rates(context.Background(), sdk.RatesRequest{Config: tc.config, From: sf, To: tc.to, Parcels: tc.parcels, Carriers: tc.carriers})
			if err != nil {
				t.Fatal(err)
			}
			got := carriersOf(resp.Rates)
			for name := range tc.want {
				if got[name] == 0 {
					t.Errorf("no %s rate (got %v, errors %v)", name, got, resp.Errors)
				}
			}
			for name := range got {
				if !tc.want[name] {
					t.Errorf("unexpected %s rates", name)
				}
			}
			var errCarriers []string
			for _, e := range resp.Errors {
				errCarriers = append(errCarriers, e.Carrier)
			}
			if strings.Join(errCarriers, ",") != strings.Join(tc.errCarriers, ",") {
				t.Errorf("errors from %v, want %v: %+v", errCarriers, tc.errCarriers, resp.Errors)
			}
			for i, r := range resp.Rates {
				if err := r.Validate(); err != nil {
					t.Errorf("rate %d: %v", i, err)
				}
				if r.ID == "" || r.ShipmentID == "" || r.TransitDays <= 0 || r.BillableWeight == nil {
					t.Errorf("rate %d lacks id, shipment, transit days or billable weight: %+v", i, r)
				}
				if i > 0 && r.Amount.Amount.LessThan(resp.Rates[i-1].Amount.Amount) {
					t.Errorf("rates not sorted cheapest first at %d", i)
				}
			}
		})
	}
}

// TestRatesDeadlineWithSlowCarrier is the rate-shopping promise: one carrier
// slower than the deadline does not hold up the others.
func TestRatesDeadlineWithSlowCarrier(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	srv.SetCarrierDelay("UPS", 3*time.Second)
	c := fastConnector()
	cfg := easyPostConfig(srv, map[string]any{"rate_timeout": "500ms"})
	start := time.Now()
	resp, err := c.Rates(context.Background(), sdk.RatesRequest{Config: cfg, From: sf, To: berlin, Parcels: []sdk.Parcel{box("3", "12", "10", "6")}})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took > 2*time.Second {
		t.Fatalf("Rates took %v with a 500ms deadline", took)
	}
	got := carriersOf(resp.Rates)
	if got["UPS"] != 0 || got["USPS"] == 0 || got["DHL Express"] == 0 {
		t.Fatalf("rates from %v", got)
	}
	if len(resp.Errors) != 1 || resp.Errors[0].Carrier != "UPS" || !strings.Contains(resp.Errors[0].Message, "deadline") {
		t.Fatalf("errors %+v, want one UPS deadline error", resp.Errors)
	}
	// The caller's own, shorter deadline wins, with a margin to answer.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err = c.Rates(ctx, sdk.RatesRequest{Config: easyPostConfig(srv, nil), From: sf, To: berlin, Parcels: []sdk.Parcel{box("3", "12", "10", "6")}})
	if err != nil || ctx.Err() != nil {
		t.Fatalf("answer after the caller's deadline: %v, ctx %v", err, ctx.Err())
	}
	if carriersOf(resp.Rates)["USPS"] == 0 {
		t.Fatalf("no USPS rates within the caller's deadline: %+v", resp)
	}
}

func TestRatesCarrierFailures(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	srv.FailCarrier("DHL Express", http.StatusServiceUnavailable)
	c := fastConnector()
	resp, err := c.Rates(context.Background(), sdk.RatesRequest{Config: easyPostConfig(srv, nil), From: sf, To: berlin, Parcels: []sdk.Parcel{box("3", "12", "10", "6")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Errors) != 1 || resp.Errors[0].Carrier != "DHL Express" || !strings.Contains(resp.Errors[0].Message, "503") {
		t.Fatalf("errors %+v", resp.Errors)
	}
	if carriersOf(resp.Rates)["USPS"] == 0 {
		t.Fatal("the other carriers' rates are missing")
	}
	bad := easyPostConfig(srv, map[string]any{"easypost_api_key": "wrong"})
	resp, err = c.Rates(context.Background(), sdk.RatesRequest{Config: bad, From: sf, To: berlin, Parcels: []sdk.Parcel{box("3", "12", "10", "6")}})
	if err != nil || len(resp.Rates) != 0 || len(resp.Errors) != 3 || !strings.Contains(resp.Errors[0].Message, "401") {
		t.Fatalf("bad key: %+v %v", resp, err)
	}
}

func TestRatesInvalidRequests(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	cfg := easyPostConfig(srv, nil)
	cases := []struct {
		name string
		req  sdk.RatesRequest
	}{
		{"no destination country", sdk.RatesRequest{From: sf, To: commerce.Address{City: "Nowhere"}, Parcels: []sdk.Parcel{box("1", "1", "1", "1")}}},
		{"no parcel", sdk.RatesRequest{From: sf, To: nyc}},
		{"zero weight", sdk.RatesRequest{From: sf, To: nyc, Parcels: []sdk.Parcel{box("0", "1", "1", "1")}}},
		{"negative side", sdk.RatesRequest{From: sf, To: nyc, Parcels: []sdk.Parcel{box("1", "-1", "1", "1")}}},
		{"unknown unit", sdk.RatesRequest{From: sf, To: nyc, Parcels: []sdk.Parcel{{Weight: commerce.Weight{Value: dec("1"), Unit: "stone"}}}}},
		{"carrier not configured", sdk.RatesRequest{From: sf, To: nyc, Parcels: []sdk.Parcel{box("1", "1", "1", "1")}, Carriers: []string{"Pony Express"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := tc.req
			req.Config = cfg
			if _, err := New().Rates(context.Background(), req); sdk.KindOf(err) != sdk.KindInvalidInput {
				t.Fatalf("err = %v, want invalid input", err)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, conf, words string }{
		{"empty", `{}`, "no carrier configured"},
		{"unknown field", `{"easypost":{},"easypost_api_key":"k","colour":"red"}`, "colour"},
		{"missing key", `{"easypost":{}}`, "easypost_api_key"},
		{"bad url", `{"shippo":{"base_url":"ftp://x"},"shippo_api_key":"k"}`, "base_url"},
		{"account without carrier", `{"shippo":{"carrier_accounts":[{"id":"x"}]},"shippo_api_key":"k"}`, "carrier_accounts[0]"},
		{"bad timeout", `{"easypost":{},"easypost_api_key":"k","rate_timeout":"1h"}`, "rate_timeout"},
		{"tracking without account", `{"easypost":{},"easypost_api_key":"k","tracking":"shippo"}`, "tracking"},
		{"table without zones", `{"tables":[{"carrier":"X","rates_csv":"service,zone,max_weight,weight_unit,price,currency\nA,1,1,lb,1,USD","zones_csv":""}]}`, "zones_csv"},
		{"table bad price", `{"tables":[{"carrier":"X","rates_csv":"service,zone,max_weight,weight_unit,price,currency\nA,1,1,lb,abc,USD","zones_csv":"origin,destination,zone\n*,*,1"}]}`, "line 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig(json.RawMessage(tc.conf))
			if sdk.KindOf(err) != sdk.KindInvalidInput || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("err = %v, want invalid input mentioning %q", err, tc.words)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	c := fastConnector()
	for _, cfg := range []json.RawMessage{easyPostConfig(srv, nil), shippoConfig(srv, nil)} {
		resp, err := c.Check(context.Background(), sdk.CheckRequest{Config: cfg})
		if err != nil || resp.Message == "" {
			t.Fatalf("check: %+v %v", resp, err)
		}
	}
	for _, cfg := range []json.RawMessage{easyPostConfig(srv, map[string]any{"easypost_api_key": "nope"}), shippoConfig(srv, map[string]any{"shippo_api_key": "nope"})} {
		if _, err := c.Check(context.Background(), sdk.CheckRequest{Config: cfg}); sdk.KindOf(err) != sdk.KindAuthentication {
			t.Fatalf("bad key: err = %v, want authentication", err)
		}
	}
}

func TestBuyLabelIsIdempotent(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	c := fastConnector()
	for _, tc := range []struct {
		name string
		cfg  json.RawMessage
	}{{"easypost", easyPostConfig(srv, nil)}, {"shippo", shippoConfig(srv, nil)}} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Rates(context.Background(), sdk.RatesRequest{Config: tc.cfg, From: sf, To: nyc, Parcels: []sdk.Parcel{box("2", "10", "8", "4")}, Carriers: []string{"USPS"}})
			if err != nil || len(resp.Rates) == 0 {
				t.Fatalf("rates: %+v %v", resp, err)
			}
			r := resp.Rates[0]
			req := sdk.LabelRequest{Config: tc.cfg, ShipmentID: r.ShipmentID, RateID: r.ID, IdempotencyKey: "order-1042"}
			l1, err := c.BuyLabel(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if l1.TrackingNumber == "" || l1.LabelURL == "" || l1.CreatedAt.IsZero() || !l1.Rate.Amount.Equal(r.Amount) || l1.Rate.Service != r.Service {
				t.Fatalf("label %+v", l1)
			}
			l2, err := c.BuyLabel(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if l2.ID != l1.ID || l2.TrackingNumber != l1.TrackingNumber {
				t.Fatalf("retried purchase bought a second label: %s/%s vs %s/%s", l1.ID, l1.TrackingNumber, l2.ID, l2.TrackingNumber)
			}
			if tc.name == "shippo" && srv.Calls("POST /transactions/") != 1 {
				t.Fatalf("%d transactions created", srv.Calls("POST /transactions/"))
			}
			if tc.name == "easypost" && len(resp.Rates) > 1 {
				other := resp.Rates[1]
				if _, err := c.BuyLabel(context.Background(), sdk.LabelRequest{Config: tc.cfg, ShipmentID: other.ShipmentID, RateID: other.ID}); other.ShipmentID == r.ShipmentID && sdk.KindOf(err) != sdk.KindPermanent {
					t.Fatalf("another rate of a bought shipment: err = %v, want permanent", err)
				}
			}
		})
	}
	for _, bad := range []sdk.LabelRequest{
		{RateID: "nonsense"},
		{RateID: "easypost:rate_x", ShipmentID: "shippo:y"},
		{RateID: "fedex:x"},
	} {
		bad.Config = easyPostConfig(srv, nil)
		if _, err := c.BuyLabel(context.Background(), bad); sdk.KindOf(err) != sdk.KindInvalidInput {
			t.Errorf("%+v: err = %v, want invalid input", bad, err)
		}
	}
	if _, err := c.BuyLabel(context.Background(), sdk.LabelRequest{Config: easyPostConfig(srv, nil), RateID: "easypost:rate_x", ShipmentID: "easypost:shp_missing"}); sdk.KindOf(err) != sdk.KindPermanent {
		t.Errorf("unknown shipment: err = %v, want permanent", err)
	}
}

// clock is a settable time source for the fake's tracking sequences.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestTrackingSequence buys a label and follows it from pre-transit to
// delivered, through EasyPost and through Shippo.
func TestTrackingSequence(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"easypost", "shippo"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			clk := &clock{t: time.Date(2026, 3, 16, 14, 0, 0, 0, time.UTC)}
			srv.SetNow(clk.now)
			cfg := easyPostConfig(srv, nil)
			if provider == "shippo" {
				cfg = shippoConfig(srv, nil)
			}
			c := fastConnector()
			resp, err := c.Rates(context.Background(), sdk.RatesRequest{Config: cfg, From: sf, To: nyc, Parcels: []sdk.Parcel{box("2", "10", "8", "4")}, Carriers: []string{"UPS"}})
			if err != nil || len(resp.Rates) == 0 {
				t.Fatalf("%+v %v", resp, err)
			}
			r := resp.Rates[len(resp.Rates)-1] // the fastest, dearest service
			l, err := c.BuyLabel(context.Background(), sdk.LabelRequest{Config: cfg, ShipmentID: r.ShipmentID, RateID: r.ID})
			if err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				after time.Duration
				want  commerce.TrackingStatus
			}{
				{0, commerce.TrackingPreTransit},
				{5 * time.Hour, commerce.TrackingInTransit},
				{time.Duration(r.TransitDays)*24*time.Hour - 5*time.Hour - 6*time.Hour, commerce.TrackingOutForDelivery},
				{6 * time.Hour, commerce.TrackingDelivered},
			}
			var prev time.Time
			for _, st := range steps {
				clk.add(st.after)
				s, err := c.Track(context.Background(), sdk.TrackRequest{Config: cfg, Connection: "c1", Carrier: "UPS", TrackingNumber: l.TrackingNumber})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Validate(); err != nil {
					t.Fatal(err)
				}
				if s.Status != st.want {
					t.Fatalf("after %v: status %s, want %s (%d events)", st.after, s.Status, st.want, len(s.Events))
				}
				if s.UpdatedAt.Before(prev) {
					t.Fatalf("updated_at went backwards")
				}
				prev = s.UpdatedAt
			}
		})
	}
}

func TestTrackTestCodes(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	c := fastConnector()
	cases := []struct {
		provider, code string
		want           commerce.TrackingStatus
	}{
		{"easypost", "EZ1000000001", commerce.TrackingPreTransit},
		{"easypost", "EZ2000000002", commerce.TrackingInTransit},
		{"easypost", "EZ3000000003", commerce.TrackingOutForDelivery},
		{"easypost", "EZ4000000004", commerce.TrackingDelivered},
		{"easypost", "EZ5000000005", commerce.TrackingReturned},
		{"easypost", "EZ6000000006", commerce.TrackingException},
		{"shippo", "SHIPPO_TRANSIT", commerce.TrackingInTransit},
		{"shippo", "SHIPPO_DELIVERED", commerce.TrackingDelivered},
		{"shippo", "SHIPPO_RETURNED", commerce.TrackingReturned},
		{"shippo", "SHIPPO_FAILURE", commerce.TrackingException},
	}
	for _, tc := range cases {
		t.Run(tc.provider+"/"+tc.code, func(t *testing.T) {
			t.Parallel()
			cfg := easyPostConfig(srv, nil)
			if tc.provider == "shippo" {
				cfg = shippoConfig(srv, nil)
			}
			s, err := c.Track(context.Background(), sdk.TrackRequest{Config: cfg, Carrier: "USPS", TrackingNumber: tc.code})
			if err != nil {
				t.Fatal(err)
			}
			if s.Status != tc.want {
				t.Fatalf("status %s, want %s", s.Status, tc.want)
			}
		})
	}
	tableOnly := raw(map[string]any{"tables": []any{testTable()}})
	if _, err := c.Track(context.Background(), sdk.TrackRequest{Config: tableOnly, TrackingNumber: "X"}); sdk.KindOf(err) != sdk.KindInvalidInput {
		t.Fatalf("tracking with tables only: %v", err)
	}
}

// TestWebhookFromFake delivers the fake's webhooks, EasyPost's signed
// tracker.updated and Shippo's track_updated with ?token= in the URL, to an
// HTTP endpoint that verifies them with the manifest as the host does and
// parses them.
func TestWebhookFromFake(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	m, err := New().Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	spec := m.Webhook
	const shippoToken = "shp-Zr4w9-tQ2kLx8vNb"
	secrets := map[string]string{"webhook_secret": "whsec-test", "shippo_webhook_token": shippoToken}
	var (
		mu     sync.Mutex
		got    *sdk.WebhookResponse
		scheme string
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sc, err := spec.VerifyRequest(secrets, r.Header, r.URL.Query(), body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		resp, err := New().ParseWebhook(r.Context(), sdk.WebhookRequest{Connection: "c1", Headers: r.Header, Body: body})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got, scheme = resp, sc.Name
		mu.Unlock()
	}))
	defer hook.Close()
	last := func() (*sdk.WebhookResponse, string) {
		mu.Lock()
		defer mu.Unlock()
		g, s := got, scheme
		got, scheme = nil, ""
		return g, s
	}
	ctx := context.Background()
	if _, err := fastConnector().Track(ctx, sdk.TrackRequest{Config: easyPostConfig(srv, nil), Carrier: "USPS", TrackingNumber: "EZ4000000004"}); err != nil {
		t.Fatal(err)
	}
	if _, err := fastConnector().Track(ctx, sdk.TrackRequest{Config: shippoConfig(srv, nil), Carrier: "USPS", TrackingNumber: "SHIPPO_DELIVERED"}); err != nil {
		t.Fatal(err)
	}

	status, err := srv.SendEasyPostWebhook(ctx, hook.URL, "whsec-test", "EZ4000000004")
	if err != nil || status != http.StatusOK {
		t.Fatalf("easypost delivery: %d %v", status, err)
	}
	if r, sc := last(); sc != "EasyPost" || r == nil || len(r.Records) != 1 || r.Records[0].(*commerce.Shipment).Status != commerce.TrackingDelivered || r.Topic != "tracker.updated" {
		t.Fatalf("easypost: verified by %q, parsed %+v", sc, r)
	}
	// The registered URL may carry its own query; Shippo appends the token.
	status, err = srv.SendShippoWebhook(ctx, hook.URL+"/hooks?src=shippo", shippoToken, "usps", "SHIPPO_DELIVERED")
	if err != nil || status != http.StatusOK {
		t.Fatalf("shippo delivery: %d %v", status, err)
	}
	r, sc := last()
	if sc != "Shippo" || r == nil || len(r.Records) != 1 || r.Topic != "track_updated" {
		t.Fatalf("shippo: verified by %q, parsed %+v", sc, r)
	}
	if sh := r.Records[0].(*commerce.Shipment); sh.Status != commerce.TrackingDelivered || sh.TrackingNumbers[0] != "SHIPPO_DELIVERED" {
		t.Fatalf("shippo shipment %+v", sh)
	}

	refused := []struct {
		name string
		send func() (int, error)
	}{
		{"easypost signed with another secret", func() (int, error) {
			return srv.SendEasyPostWebhook(ctx, hook.URL, "other-secret", "EZ4000000004")
		}},
		{"shippo with another token", func() (int, error) {
			return srv.SendShippoWebhook(ctx, hook.URL, shippoToken+"x", "usps", "SHIPPO_DELIVERED")
		}},
		{"shippo without a token", func() (int, error) {
			return srv.SendShippoWebhook(ctx, hook.URL, "", "usps", "SHIPPO_DELIVERED")
		}},
		{"the easypost secret as a shippo token", func() (int, error) {
			return srv.SendShippoWebhook(ctx, hook.URL, "whsec-test", "usps", "SHIPPO_DELIVERED")
		}},
	}
	for _, tc := range refused {
		if status, err := tc.send(); err != nil || status != http.StatusUnauthorized {
			t.Errorf("%s: %d %v, want 401", tc.name, status, err)
		}
	}
	if r, sc := last(); r != nil {
		t.Fatalf("a refused delivery was parsed (verified by %q)", sc)
	}
}
