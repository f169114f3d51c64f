package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/dashboard/browsertest"
	"github.com/supplyhub/supplyhub/core/store"
)

func TestRegisterIsIdempotent(t *testing.T) {
	t.Parallel()
	st, err := store.Open(context.Background(), store.Config{}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := api.New(api.Config{}, st, nil)
	Register(s)
	Register(s) // gin panics on a duplicate route; Register must not add one
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/dashboard", nil))
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != Path {
		t.Fatalf("GET /dashboard: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/dashboard/syncs", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Supplyhub") {
		t.Fatalf("GET /dashboard/syncs: %d", rec.Code)
	}
}

// fakeAPI answers the few API calls the pages make, from fixed data, and
// records the calls that change something.
type fakeAPI struct {
	mu      sync.Mutex
	posts   []string
	authBad int
}

const goodToken = "shk_pagetest"

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	js := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	if r.URL.Path == "/openapi.json" {
		// No planning or routing endpoints: those pages must say so.
		js(map[string]any{"paths": map[string]any{"/v1/connections": map[string]any{"get": map[string]any{}}}})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+goodToken && r.URL.Query().Get("access_token") != goodToken {
		f.mu.Lock()
		f.authBad++
		f.mu.Unlock()
		w.WriteHeader(401)
		js(map[string]any{"error": map[string]any{"code": "unauthenticated", "message": "the API token is unknown or revoked"}})
		return
	}
	now := time.Now().UTC()
	switch {
	case r.Method == "POST":
		f.mu.Lock()
		f.posts = append(f.posts, r.URL.Path)
		f.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/replay"):
			js(map[string]any{"replayed": true, "message": "queued for processing"})
		case strings.HasSuffix(r.URL.Path, "/syncs"):
			w.WriteHeader(202)
			js(map[string]any{"id": "9", "connection": "shop", "state": "queued", "mode": "incremental", "progress": map[string]any{}})
		default:
			w.WriteHeader(404)
		}
	case r.URL.Path == "/v1/connections":
		js(map[string]any{"items": []any{map[string]any{"id": "shop", "connector": "shopify", "name": "Test shop", "status": "active",
			"capabilities": []string{"source", "webhooks"}, "webhook_url": "/webhooks/shop",
			"health": map[string]any{"status": "ok", "plugin": "ok", "webhooks": map[string]int{"processed": 41, "dead": 1},
				"last_sync": map[string]any{"id": "3", "connection": "shop", "state": "succeeded", "mode": "full",
					"progress": map[string]any{"orders": map[string]any{"records_read": 1234}}, "finished_at": now.Add(-time.Minute)}}}}})
	case r.URL.Path == "/v1/plugins":
		js(map[string]any{"items": []any{map[string]any{"name": "shopify", "state": "running", "version": "1.2.3", "pid": 4242, "since": now.Add(-time.Hour)}}})
	case r.URL.Path == "/v1/webhooks/events":
		js(map[string]any{"next_cursor": nil, "items": []any{map[string]any{"id": "77", "connection": "shop", "topic": "orders/create",
			"status": "dead", "attempts": 1, "received_at": now.Add(-30 * time.Second),
			"last_error": "invalid_input: shopify: webhook orders/create: body is not the expected JSON"}}})
	case r.URL.Path == "/v1/syncs":
		js(map[string]any{"next_cursor": nil, "items": []any{}})
	default:
		w.WriteHeader(404)
		js(map[string]any{"error": map[string]any{"code": "not_found", "message": "no route " + r.URL.Path}})
	}
}

// noLeaks finds a JavaScript null, undefined or NaN printed into the page.
const noLeaks = `(() => { const c = document.querySelector('main').cloneNode(true); c.querySelectorAll('pre').forEach(e => e.remove()); const m = /null|undefined|NaN|\[object /.exec(c.textContent); return m ? m[0] : ''; })()`

// TestPagesInABrowser loads the dashboard against a fake API in headless
// Chromium: sign-in (refused, then accepted), live data on the
// connections page, "not available yet" (and no invented numbers) where
// the gateway lacks an endpoint, and a replay from the inbox.
func TestPagesInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	path, ok := browsertest.Find()
	if !ok {
		t.Skip("no Chromium on this machine (Debian: apt-get install chromium; .ci/apt-packages lists it)")
	}
	fake := &fakeAPI{}
	mux := http.NewServeMux()
	mux.Handle(Path, Handler())
	mux.Handle("/", fake)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b, err := browsertest.Launch(ctx, browsertest.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.NewPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Navigate(ctx, srv.URL+Path); err != nil {
		t.Fatal(err)
	}
	step := func(name, cond string) {
		t.Helper()
		if err := p.WaitFor(ctx, cond, 10*time.Second); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var leak string
		if err := p.Eval(ctx, noLeaks, &leak); err != nil {
			t.Fatalf("%s: look for leaked values: %v", name, err)
		}
		if leak != "" {
			t.Fatalf("%s: the page shows %q", name, leak)
		}
	}
	step("the sign-in dialog opens without a token", "document.getElementById('login').open")
	if err := p.Eval(ctx, `document.getElementById('token-input').value = 'shk_wrong'; document.getElementById('login-form').requestSubmit()`, nil); err != nil {
		t.Fatal(err)
	}
	step("a wrong token is refused", "document.getElementById('login-error').textContent.includes('unknown or revoked')")
	if err := p.Eval(ctx, `document.getElementById('token-input').value = '`+goodToken+`'; document.getElementById('login-form').requestSubmit()`, nil); err != nil {
		t.Fatal(err)
	}
	step("signed in", "!document.getElementById('login').open")
	fake.mu.Lock()
	refused := fake.authBad
	fake.mu.Unlock()
	if refused == 0 {
		t.Fatal("the wrong token reached the API without a 401")
	}
	step("connections with health, plugin version and last sync",
		"document.querySelector('#connections tr[data-connection=shop]') && document.body.innerText.includes('Test shop') && document.body.innerText.includes('v1.2.3') && document.body.innerText.includes('1,234 records')")
	var stored string
	p.Eval(ctx, "sessionStorage.getItem('supplyhub.token')", &stored)
	if stored != goodToken {
		t.Fatalf("token in session storage %q", stored)
	}

	for _, pg := range []struct{ hash, endpoint string }{
		{"forecasts", "GET /v1/forecasts"}, {"replenishment", "GET /v1/replenishment"}, {"routing", "GET /v1/route/decisions"},
	} {
		p.Eval(ctx, "location.hash = '#/"+pg.hash+"'", nil)
		step(pg.hash+" says it is not available", "document.querySelector('.not-available') && document.body.innerText.includes('"+pg.endpoint+"')")
		var tables int
		p.Eval(ctx, "document.querySelectorAll('main table').length", &tables)
		if tables != 0 {
			t.Fatalf("%s shows a table without an endpoint to fill it", pg.hash)
		}
	}

	p.Eval(ctx, "location.hash = '#/inbox?status=dead'", nil)
	step("dead letter with its reason", "document.querySelector('tr[data-event=\"77\"]') && document.body.innerText.includes('body is not the expected JSON')")
	if err := p.Click(ctx, "button[data-replay='77']"); err != nil {
		t.Fatal(err)
	}
	step("replay result shown", "document.querySelector('.flash') && document.querySelector('.flash').innerText.includes('queued for processing')")

	p.Eval(ctx, "location.hash = '#/syncs'", nil)
	step("sync form lists the source connection", "document.querySelector('#sync-connection option[value=shop]')")
	if err := p.Click(ctx, "#start-sync-button"); err != nil {
		t.Fatal(err)
	}
	step("sync start result shown", "[...document.querySelectorAll('.flash')].some(f => f.innerText.includes('#9 queued'))")

	fake.mu.Lock()
	posts := strings.Join(fake.posts, " ")
	refusedAfter := fake.authBad
	fake.mu.Unlock()
	if refusedAfter != refused {
		t.Fatalf("%d API calls went without the token after sign-in", refusedAfter-refused)
	}
	if posts != "/v1/webhooks/events/77/replay /v1/connections/shop/syncs" {
		t.Fatalf("the pages posted %q", posts)
	}
	for _, e := range p.Errors() {
		// The refused sign-in answers 401, which Chromium logs as a failed load.
		if strings.Contains(e, "401") {
			continue
		}
		t.Errorf("page error: %s", e)
	}
}
