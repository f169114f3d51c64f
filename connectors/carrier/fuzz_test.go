package carrier

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseTrackingWebhook checks that no body panics the webhook parser and
// that every record it accepts validates.
func FuzzParseTrackingWebhook(f *testing.F) {
	for _, name := range []string{"easypost-webhook-tracker-updated.json", "shippo-webhook-track-updated.json"} {
		if b, err := os.ReadFile(filepath.Join(fixtures, name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"object":"Event","id":"e","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"A","carrier":"UPS","created_at":"2026-01-01T00:00:00Z","tracking_details":[{"status":"delivered","datetime":"2026-01-02T00:00:00Z"}]}}`))
	f.Add([]byte(`{"event":"track_updated","data":{"carrier":"ups","tracking_number":"1","tracking_status":{"status":"TRANSIT","status_date":"2026-01-01T00:00:00Z"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		resp, err := ParseTrackingWebhook("c", body)
		if err != nil {
			return
		}
		for _, r := range resp.Records {
			if err := r.Validate(); err != nil {
				t.Fatalf("accepted an invalid record: %v\n%s", err, body)
			}
		}
	})
}
