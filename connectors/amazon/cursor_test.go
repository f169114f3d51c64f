package amazon

import (
	"strings"
	"testing"

	"github.com/supplyhub/supplyhub/sdk"
)

// TestParseCursor checks that a cursor this connector did not write, or
// one whose times are damaged, is refused as invalid input instead of
// being read as the zero time.
func TestParseCursor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, cursor, stream string
		wantErr              string // empty: accepted
	}{
		{"empty", "", StreamOrders, ""},
		{"complete", `{"v":1,"stream":"orders","hwm":"2026-11-01T10:00:00Z","floor":"2026-10-01T00:00:00Z","pass":{"since":"2026-10-31T10:00:00Z","start":"2026-11-01T09:00:00Z","report":{"window":1,"end":"2026-11-01T00:00:00Z"}}}`, StreamOrders, ""},
		{"not json", "garbage", StreamOrders, "not written by this connector"},
		{"other version", `{"v":2,"stream":"orders"}`, StreamOrders, "not written by this connector"},
		{"other stream", `{"v":1,"stream":"inventory"}`, StreamOrders, `belongs to stream "inventory"`},
		{"bad hwm", `{"v":1,"stream":"orders","hwm":"yesterday"}`, StreamOrders, `hwm "yesterday"`},
		{"bad floor", `{"v":1,"stream":"inventory","floor":"2026-13-01T00:00:00Z"}`, StreamInventory, "floor"},
		{"bad pass since", `{"v":1,"stream":"orders","pass":{"since":"2026-11-01"}}`, StreamOrders, "pass.since"},
		{"bad pass max", `{"v":1,"stream":"inventory","pass":{"max":"x"}}`, StreamInventory, "pass.max"},
		{"bad report end", `{"v":1,"stream":"orders","pass":{"report":{"end":"soon"}}}`, StreamOrders, "pass.report.end"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseCursor(tc.cursor, tc.stream)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("parseCursor: %v, want it accepted", err)
			case tc.wantErr != "" && (sdk.KindOf(err) != sdk.KindInvalidInput || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("parseCursor: %v, want invalid input mentioning %q", err, tc.wantErr)
			}
		})
	}
}
