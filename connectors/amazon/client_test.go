package amazon

import (
	"net/http"
	"testing"

	"github.com/supplyhub/supplyhub/sdk"
)

// TestCallRetriesOnce checks that a failing request is sent max_retries+1
// times in all, whoever retries it: the HTTP client (GET, DELETE) or call
// itself (a safe POST). Retrying in both places would multiply the
// attempts.
func TestCallRetriesOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		op     operation
		status int
		want   sdk.ErrorKind
	}{
		{"DELETE 503", opDeleteSubscriptionByID, http.StatusServiceUnavailable, sdk.KindRetryable},
		{"DELETE 429", opDeleteSubscriptionByID, http.StatusTooManyRequests, sdk.KindRateLimited},
		{"GET 503", opGetDestinations, http.StatusServiceUnavailable, sdk.KindRetryable},
		{"safe POST 503", opCreateReport, http.StatusServiceUnavailable, sdk.KindRetryable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rp := newReplay(t)
			path := tc.op.path("ORDER_CHANGE", "sub-1")
			key := tc.op.Method + " " + path
			rp.handle(key, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("x-amzn-RateLimit-Limit", "1000")
				http.Error(w, `{"errors":[{"code":"Failure","message":"try later"}]}`, tc.status)
			})
			c := fastConnector()
			cfg, err := ParseConfig(rp.config(t, map[string]any{"max_retries": 2}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.clientFor(cfg).call(ctxT(t), tc.op, path, nil, nil)
			if sdk.KindOf(err) != tc.want {
				t.Errorf("error %v (kind %v), want kind %v", err, sdk.KindOf(err), tc.want)
			}
			if n := rp.count(key); n != 3 {
				t.Errorf("%d attempts, want 3 (max_retries 2 + 1)", n)
			}
		})
	}
}
