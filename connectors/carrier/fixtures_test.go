package carrier

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// exchange reads a recorded exchange's response body into out.
func exchange(t *testing.T, name string, out any) {
	t.Helper()
	var ex struct {
		Response struct {
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		} `json:"response"`
	}
	if err := json.Unmarshal(fixture(t, name), &ex); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ex.Response.Body, out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestEasyPostFixtures(t *testing.T) {
	t.Parallel()
	t.Run("shipment create rates", func(t *testing.T) {
		var sh epShipment
		exchange(t, "easypost-shipment-create.exchange.json", &sh)
		if len(sh.Rates) != 3 {
			t.Fatalf("%d rates", len(sh.Rates))
		}
		want := map[string]string{"Express": "33.10", "Priority": "6.90", "GroundAdvantage": "5.93"}
		for _, r := range sh.Rates {
			cr, err := epToRate(r, "easypost", sh.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := cr.Validate(); err != nil {
				t.Fatal(err)
			}
			if !cr.Amount.Equal(commerce.MustMoney(want[cr.Service], "USD")) || cr.Carrier != "USPS" {
				t.Errorf("%s: %s %s", cr.Service, cr.Carrier, cr.Amount)
			}
			if cr.ShipmentID != "easypost:shp_c19ef39504854bdeb0647fe46d9aa6ae" || cr.ID != "easypost:"+r.ID || cr.TransitDays == 0 {
				t.Errorf("ids %s %s, transit %d", cr.ShipmentID, cr.ID, cr.TransitDays)
			}
		}
	})
	t.Run("buy", func(t *testing.T) {
		var sh epShipment
		exchange(t, "easypost-shipment-buy.exchange.json", &sh)
		if sh.SelectedRate == nil || *sh.TrackingCode != "9400100110368068953228" || sh.PostageLabel == nil || sh.Tracker == nil {
			t.Fatalf("buy response missing label fields: %+v", sh)
		}
	})
	t.Run("tracker", func(t *testing.T) {
		var tr epTracker
		exchange(t, "easypost-tracker.exchange.json", &tr)
		s, err := epTrackerToShipment("c1", tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		if s.Status != commerce.TrackingPreTransit || len(s.Events) != 2 || s.Source.ExternalID != "USPS/EZ1000000001" {
			t.Fatalf("shipment %+v", s)
		}
		if s.Events[1].Location != "HOUSTON, TX, 77063" || s.Service != "First-Class Package Service" {
			t.Errorf("event location %q, service %q", s.Events[1].Location, s.Service)
		}
	})
	t.Run("error envelope", func(t *testing.T) {
		var ex struct {
			Response struct {
				Body json.RawMessage `json:"body"`
			} `json:"response"`
		}
		json.Unmarshal(fixture(t, "easypost-error-404.exchange.json"), &ex)
		code, msg := easyPostErrorText(ex.Response.Body)
		if code != "PAYLOAD.NOT_FOUND" || msg != "The payload(s) could not be found." {
			t.Fatalf("code %q msg %q", code, msg)
		}
	})
}

func TestShippoFixtures(t *testing.T) {
	t.Parallel()
	t.Run("shipment rates", func(t *testing.T) {
		var sh struct {
			Rates []shRate `json:"rates"`
		}
		exchange(t, "shippo-shipment-create.exchange.json", &sh)
		if len(sh.Rates) < 4 {
			t.Fatalf("%d rates", len(sh.Rates))
		}
		for _, r := range sh.Rates {
			cr, err := shToRate(r)
			if err != nil {
				t.Fatal(err)
			}
			if err := cr.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		cr, _ := shToRate(sh.Rates[0])
		if !cr.Amount.Equal(commerce.MustMoney("7.33", "USD")) || cr.Service != "Ground Advantage" || cr.TransitDays != 3 {
			t.Errorf("first rate %+v", cr)
		}
	})
	t.Run("transaction", func(t *testing.T) {
		var tx shTransaction
		exchange(t, "shippo-transaction-create.exchange.json", &tx)
		if tx.Status != "SUCCESS" || tx.TrackingNumber != "92701901755477000000000011" || tx.LabelURL == "" {
			t.Fatalf("%+v", tx)
		}
	})
	t.Run("track", func(t *testing.T) {
		var tr shTrack
		exchange(t, "shippo-track.exchange.json", &tr)
		s, err := shTrackToShipment("c1", tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		if s.Status != commerce.TrackingDelivered || len(s.Events) != 3 || s.DeliveredAt == nil || s.Source.ExternalID != "USPS/92701901755477000000000011" {
			t.Fatalf("%+v", s)
		}
		if !s.UpdatedAt.Equal(time.Date(2026, 3, 16, 11, 3, 0, 0, time.UTC)) {
			t.Errorf("updated_at %v", s.UpdatedAt)
		}
	})
}

// TestWebhookFixtures verifies the recorded EasyPost delivery with the
// manifest's spec and parses both providers' webhook bodies.
func TestWebhookFixtures(t *testing.T) {
	t.Parallel()
	var hdr struct {
		Secret  string            `json:"secret"`
		File    string            `json:"file"`
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(fixture(t, "easypost-webhook-tracker-updated.headers.json"), &hdr); err != nil {
		t.Fatal(err)
	}
	body := fixture(t, hdr.File)
	h := http.Header{}
	for k, v := range hdr.Headers {
		h.Set(k, v)
	}
	spec := WebhookSpec()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := spec.Verify(hdr.Secret, h, body); err != nil {
		t.Fatalf("recorded delivery does not verify: %v", err)
	}
	cases := []struct {
		name, file string
		body       []byte
		eventID    string
		topic      string
		status     commerce.TrackingStatus
		events     int
		external   string
	}{
		{name: "easypost tracker.updated", body: body, eventID: "evt_5e2a9c0ee21a11f0b2f4ad2a3b9c1d7e", topic: "tracker.updated", status: commerce.TrackingDelivered, events: 5, external: "USPS/EZ4000000004"},
		{name: "shippo track_updated", file: "shippo-webhook-track-updated.json", topic: "track_updated", status: commerce.TrackingDelivered, events: 3, external: "USPS/92701901755477000000000011",
			eventID: "shippo:6c3e8c6a0b784b2cc4f5d3a2e1b0a9f8:DELIVERED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.body
			if c.file != "" {
				b = fixture(t, c.file)
			}
			resp, err := New().ParseWebhook(t.Context(), sdk.WebhookRequest{Connection: "c1", Body: b, Headers: h})
			if err != nil {
				t.Fatal(err)
			}
			if resp.EventID != c.eventID || resp.Topic != c.topic || len(resp.Records) != 1 {
				t.Fatalf("event %q topic %q records %d", resp.EventID, resp.Topic, len(resp.Records))
			}
			s := resp.Records[0].(*commerce.Shipment)
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if s.Status != c.status || len(s.Events) != c.events || s.Source.ExternalID != c.external || s.DeliveredAt == nil {
				t.Fatalf("status %s events %d ref %s delivered %v", s.Status, len(s.Events), s.Source.ExternalID, s.DeliveredAt)
			}
		})
	}
	bad := []struct{ name, body string }{
		{"not json", "{oops"},
		{"neither shape", `{"hello":"world"}`},
		{"tracker without code", `{"object":"Event","id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","created_at":"2026-01-01T00:00:00Z"}}`},
		{"bad time", `{"object":"Event","id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"X","created_at":"yesterday"}}`},
		{"shippo no data", `{"event":"track_updated"}`},
		{"shippo bad date", `{"event":"track_updated","data":{"carrier":"usps","tracking_number":"1","tracking_status":{"status":"TRANSIT","status_date":"soon"}}}`},
	}
	for _, c := range bad {
		t.Run("invalid/"+c.name, func(t *testing.T) {
			_, err := New().ParseWebhook(t.Context(), sdk.WebhookRequest{Body: []byte(c.body)})
			if sdk.KindOf(err) != sdk.KindInvalidInput {
				t.Fatalf("err = %v, want invalid input", err)
			}
		})
	}
	resp, err := ParseTrackingWebhook("c1", []byte(`{"object":"Event","id":"evt_2","description":"batch.updated","result":{"object":"Batch"}}`))
	if err != nil || len(resp.Records) != 0 || resp.Topic != "batch.updated" {
		t.Fatalf("batch event: %+v %v", resp, err)
	}
}
