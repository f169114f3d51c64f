package ingress

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/secrets"
	"github.com/supplyhub/supplyhub/core/store"
)

// FuzzWebhookPath sends arbitrary bodies and header values to the webhook
// endpoint: it never panics or answers 5xx, stores nothing unless the
// signature matches, and stores a correctly signed body.
func FuzzWebhookPath(f *testing.F) {
	st, err := store.Open(context.Background(), store.Config{}, f.TempDir(), nil)
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	box, _ := secrets.New(make([]byte, 32))
	in := New(Config{}, st, Static{"fake": newFakeConn()}, box, nil, nil)
	srv := api.New(api.Config{BodyLimit: 1 << 16}, st, nil)
	in.Register(srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go in.committer.run(ctx)
	if _, _, err := in.CreateConnection(ctx, CreateRequest{ID: "shop", Connector: "fake", Name: "Fuzz", Config: []byte(`{"token":"good","webhook_secret":"s3cret"}`)}); err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	f.Add([]byte(`{"id":"1","total":"1.00"}`), "sig", "evt-1", "orders/create", true)
	f.Add([]byte{}, "", "", "", false)
	f.Add([]byte("\x00\xff{"), "=====", "évt\n", "topic", true)
	f.Fuzz(func(t *testing.T, body []byte, sig, eventID, topic string, sign bool) {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/shop", bytes.NewReader(body))
		if sign {
			sig = fakeSpec.Sign("s3cret", body)
		}
		for k, v := range map[string]string{"X-Test-Hmac": sig, "X-Test-Event-Id": eventID, "X-Test-Topic": topic} {
			if httpHeaderValueOK(v) {
				req.Header.Set(k, v)
			}
		}
		before, _ := st.InboxCounts(ctx, "shop")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		after, _ := st.InboxCounts(ctx, "shop")
		valid := fakeSpec.Verify("s3cret", req.Header, body) == nil
		switch {
		case rec.Code >= 500:
			t.Fatalf("%d for body %q", rec.Code, body)
		case !valid && rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestEntityTooLarge:
			t.Fatalf("unsigned delivery answered %d", rec.Code)
		case !valid && after[store.InboxPending] != before[store.InboxPending]:
			t.Fatal("a delivery with a bad signature was stored")
		case valid && rec.Code != http.StatusOK && rec.Code != http.StatusRequestEntityTooLarge:
			t.Fatalf("signed delivery answered %d: %s", rec.Code, rec.Body)
		}
	})
}

// httpHeaderValueOK reports whether net/http would send v as a header value.
func httpHeaderValueOK(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
