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
// signature matches, and stores a correctly signed body. The same delivery
// also goes, with ?token=, to a connection that accepts an HMAC header or
// a query token (connectors/carrier's EasyPost or Shippo).
func FuzzWebhookPath(f *testing.F) {
	st, err := store.Open(context.Background(), store.Config{}, f.TempDir(), nil)
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	box, _ := secrets.New(make([]byte, 32))
	in := New(Config{}, st, Static{"fake": newFakeConn(), "tracking": trackingConn{}}, box, nil, nil)
	srv := api.New(api.Config{BodyLimit: 1 << 16}, st, nil)
	in.Register(srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go in.committer.run(ctx)
	if _, _, err := in.CreateConnection(ctx, CreateRequest{ID: "shop", Connector: "fake", Name: "Fuzz", Config: []byte(`{"token":"good","webhook_secret":"s3cret"}`)}); err != nil {
		f.Fatal(err)
	}
	trackSecrets := map[string]string{"webhook_secret": "whsec", "shippo_webhook_token": "tok-1"}
	if _, _, err := in.CreateConnection(ctx, CreateRequest{ID: "track", Connector: "tracking", Name: "Fuzz", Config: []byte(`{"webhook_secret":"whsec","shippo_webhook_token":"tok-1"}`)}); err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	f.Add([]byte(`{"id":"1","total":"1.00"}`), "sig", "evt-1", "orders/create", "tok-1", true)
	f.Add([]byte{}, "", "", "", "", false)
	f.Add([]byte("\x00\xff{"), "=====", "évt\n", "topic", "tok-1&token=tok-1", true)
	f.Add([]byte(`{"event":"track_updated"}`), "hmac-sha256-hex=00", "", "", "tok-2", false)
	f.Fuzz(func(t *testing.T, body []byte, sig, eventID, topic, token string, sign bool) {
		trackReq := httptest.NewRequest(http.MethodPost, "/webhooks/track", bytes.NewReader(body))
		trackReq.URL.RawQuery = "token=" + token
		if httpHeaderValueOK(sig) {
			trackReq.Header.Set("X-Hmac-Signature", sig)
		}
		trackBefore, _ := st.InboxCounts(ctx, "track")
		trackRec := httptest.NewRecorder()
		h.ServeHTTP(trackRec, trackReq)
		trackAfter, _ := st.InboxCounts(ctx, "track")
		_, err := trackingSpec.VerifyRequest(trackSecrets, trackReq.Header, trackReq.URL.Query(), body)
		switch valid := err == nil; {
		case trackRec.Code >= 500:
			t.Fatalf("%d for body %q", trackRec.Code, body)
		case !valid && trackRec.Code != http.StatusUnauthorized && trackRec.Code != http.StatusRequestEntityTooLarge:
			t.Fatalf("unverified delivery answered %d", trackRec.Code)
		case !valid && trackAfter[store.InboxPending] != trackBefore[store.InboxPending]:
			t.Fatal("an unverified delivery was stored")
		case valid && trackRec.Code != http.StatusOK && trackRec.Code != http.StatusRequestEntityTooLarge:
			t.Fatalf("verified delivery answered %d: %s", trackRec.Code, trackRec.Body)
		}

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
