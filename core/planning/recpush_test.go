package planning

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// recWriter records recommendation write-backs and, like the store,
// answers a repeated idempotency key as a duplicate without recording it.
type recWriter struct {
	mu     sync.Mutex
	keys   map[string]bool
	writes []recWrite
}

type recWrite struct {
	connection, action, key string
	rec                     *commerce.ProductRecommendations
}

func (w *recWriter) EnqueueWriteback(_ context.Context, connection, action, key string, rec commerce.Record) (int64, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := rec.Validate(); err != nil {
		return 0, false, err
	}
	if w.keys == nil {
		w.keys = map[string]bool{}
	}
	if w.keys[connection+"\x00"+key] {
		return 0, true, nil
	}
	w.keys[connection+"\x00"+key] = true
	w.writes = append(w.writes, recWrite{connection, action, key, rec.(*commerce.ProductRecommendations)})
	return int64(len(w.writes)), false, nil
}

// since returns the lists written from write n on, by product id.
func (w *recWriter) since(t *testing.T, n int) map[string][]string {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]string{}
	for _, wr := range w.writes[n:] {
		if wr.action != sdk.ActionSetRecommendations || wr.rec.Intent != commerce.IntentComplementary {
			t.Fatalf("write %+v", wr)
		}
		if _, twice := out[wr.rec.Source.ExternalID]; twice {
			t.Fatalf("%s pushed twice in one push", wr.rec.Source.ExternalID)
		}
		out[wr.rec.Source.ExternalID] = wr.rec.ProductIDs()
	}
	return out
}

func (w *recWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.writes)
}

func product(conn, id string, skus ...string) *commerce.Product {
	p := &commerce.Product{Meta: commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: id}, UpdatedAt: day0}, Title: id}
	for i, s := range skus {
		p.Variants = append(p.Variants, commerce.Variant{ExternalID: fmt.Sprintf("%s-v%d", id, i), SKU: s})
	}
	return p
}

// seedBaskets stores n orders of the given SKUs, numbered from *seq.
func seedBaskets(t *testing.T, st store.Store, seq *int, n int, skus ...string) []commerce.Record {
	t.Helper()
	var recs []commerce.Record
	for range n {
		*seq++
		var ls []line
		for _, s := range skus {
			ls = append(ls, line{s, 1, "L1"})
		}
		recs = append(recs, mkOrder(fmt.Sprintf("o%04d", *seq), day0.Add(time.Duration(*seq)*time.Hour), ls...))
	}
	if _, err := st.UpsertRecords(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRecommendationsArePushedWhenTheyChange(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	const (
		pA, pB, pC, pD, pE, pF = "gid://shopify/Product/1", "gid://shopify/Product/2", "gid://shopify/Product/3",
			"gid://shopify/Product/4", "gid://shopify/Product/5", "gid://shopify/Product/6"
	)
	// The shop sells A to F (E in two variants); X is sold elsewhere only.
	// Another channel sells the same SKUs under its own ids.
	if _, err := st.UpsertRecords(ctx, []commerce.Record{
		product("shop", pA, "A"), product("shop", pB, "B"), product("shop", pC, "C"),
		product("shop", pD, "D"), product("shop", pE, "E", "E2"), product("shop", pF, "F"),
		product("amazon", "B0AAAA", "A"), product("amazon", "B0BBBB", "B"),
	}); err != nil {
		t.Fatal(err)
	}
	seq := 0
	seedBaskets(t, st, &seq, 20, "A", "B")
	seedBaskets(t, st, &seq, 10, "A", "C")
	seedBaskets(t, st, &seq, 8, "B", "C")
	seedBaskets(t, st, &seq, 6, "A", "X")
	seedBaskets(t, st, &seq, 4, "D", "E2")
	s := New(Config{Recommend: RecommendConfig{Channels: []string{"shop"}}}, st, nil, nil)
	w := &recWriter{}
	s.SetWriter(w)
	if _, err := s.PushRecommendations(ctx, "api"); err == nil {
		t.Fatal("a push before the model is built should fail")
	}
	if err := s.rebuildRecommendations(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := s.PushRecommendations(ctx, "api")
	if err != nil {
		t.Fatal(err)
	}
	first := w.since(t, 0)
	want := map[string][]string{
		pA: {pB, pC}, // X is not sold on the shop; A itself is never listed
		pB: {pA, pC},
		pC: {pA, pB},
		pD: {pE},
		pE: {pD}, // bought as E2, a variant of the same product
	}
	for id, ids := range want {
		if !slices.Equal(first[id], ids) {
			t.Errorf("%s: pushed %v, want %v", id, first[id], ids)
		}
	}
	if _, ok := first[pF]; ok || len(first) != len(want) {
		t.Fatalf("pushed %v; F is never bought and gets no list", first)
	}
	if res.Queued != 5 || len(res.Channels) != 1 || res.Channels[0] != (ChannelPush{Channel: "shop", Products: 6, Queued: 5, Empty: 1}) {
		t.Fatalf("push result %+v", res)
	}
	for _, wr := range w.writes {
		if wr.connection != "shop" || wr.rec.Source.Connection != "shop" || wr.rec.Method != "cosine" || len(wr.rec.Items[0].SKU) == 0 {
			t.Fatalf("write %+v", wr)
		}
	}

	// The same model pushed again sends nothing; so does a new instance
	// (empty memory) computing the same lists, through the duplicate keys.
	if res, err := s.PushRecommendations(ctx, "api"); err != nil || res.Queued != 0 || res.Channels[0].Unchanged != 5 {
		t.Fatalf("second push: %+v %v", res, err)
	}
	s2 := New(Config{Recommend: RecommendConfig{Channels: []string{"shop"}}}, st, nil, nil)
	s2.SetWriter(w)
	if err := s2.rebuildRecommendations(ctx); err != nil {
		t.Fatal(err)
	}
	if res, err := s2.PushRecommendations(ctx, "start"); err != nil || res.Queued != 0 || w.count() != 5 {
		t.Fatalf("push after a restart: %+v %v, %d writes", res, err, w.count())
	}

	// D becomes A's best companion: A's and D's lists change, E's does not.
	added := seedBaskets(t, st, &seq, 30, "A", "D")
	if err := s.rebuildRecommendations(ctx); err != nil {
		t.Fatal(err)
	}
	n := w.count()
	if _, err := s.PushRecommendations(ctx, "schedule"); err != nil {
		t.Fatal(err)
	}
	second := w.since(t, n)
	if got := second[pA]; len(got) == 0 || got[0] != pD {
		t.Fatalf("A's new list %v should start with D", got)
	}
	if got := second[pD]; !slices.Contains(got, pA) {
		t.Fatalf("D's new list %v should hold A", got)
	}
	if _, ok := second[pE]; ok {
		t.Fatalf("E's list did not change but was pushed: %v", second)
	}
	for id, ids := range second {
		if slices.Equal(ids, first[id]) {
			t.Fatalf("%s: unchanged list %v pushed again", id, ids)
		}
	}

	// Back to the first history: A's first list is pushed again although
	// it was pushed before (A, B, A is a change each time).
	for _, r := range added {
		o := r.(*commerce.Order)
		o.Deleted, o.UpdatedAt = true, o.UpdatedAt.Add(time.Hour)
	}
	if _, err := st.UpsertRecords(ctx, added); err != nil {
		t.Fatal(err)
	}
	if err := s.rebuildRecommendations(ctx); err != nil {
		t.Fatal(err)
	}
	n = w.count()
	if _, err := s.PushRecommendations(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	third := w.since(t, n)
	if !slices.Equal(third[pA], want[pA]) || !slices.Equal(third[pD], want[pD]) {
		t.Fatalf("after the orders were deleted: %v, want A %v and D %v again", third, want[pA], want[pD])
	}
}

// fakeCaps answers which connections accept an action.
type fakeCaps struct {
	Capabilities
	accepting []string
}

func (f fakeCaps) ConnectionsAccepting(context.Context, string) ([]string, error) {
	return f.accepting, nil
}

func TestRecommendationPushAPI(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if _, err := st.UpsertRecords(ctx, []commerce.Record{product("shop", "p1", "A"), product("shop", "p2", "B"), product("shop2", "q1", "A"), product("shop2", "q2", "B")}); err != nil {
		t.Fatal(err)
	}
	seq := 0
	seedBaskets(t, st, &seq, 40, "A", "B")
	tests := []struct {
		name     string
		cfg      RecommendConfig
		build    bool
		code     int
		channels []string
		queued   int
	}{
		{"not configured", RecommendConfig{}, true, 409, nil, 0},
		{"bad k", RecommendConfig{Channels: []string{"shop"}, K: 51}, true, 409, nil, 0},
		{"user-knn", RecommendConfig{Channels: []string{"shop"}, Method: "user-knn"}, true, 409, nil, 0},
		{"model not built", RecommendConfig{Channels: []string{"shop"}}, false, 503, nil, 0},
		{"one channel", RecommendConfig{Channels: []string{"shop"}}, true, 200, []string{"shop"}, 2},
		{"every accepting channel", RecommendConfig{Channels: []string{"*", "shop"}, Method: "lift"}, true, 200, []string{"shop", "shop2"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Recommend: tt.cfg}, st, nil, nil)
			s.SetWriter(&recWriter{})
			s.SetCapabilities(fakeCaps{accepting: []string{"shop", "shop2"}})
			if tt.build {
				if err := s.rebuildRecommendations(ctx); err != nil {
					t.Fatal(err)
				}
			}
			srv := api.New(api.Config{}, st, nil)
			s.Register(srv)
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			tok, _, _ := api.IssueToken(ctx, st, "t-"+tt.name, []string{"ops"})
			req, _ := http.NewRequest("POST", hs.URL+"/v1/recommendations/push", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.code, b)
			}
			if tt.code != 200 {
				return
			}
			var out RecommendationPush
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}
			var chs []string
			for _, c := range out.Channels {
				chs = append(chs, c.Channel)
			}
			if out.Queued != tt.queued || !slices.Equal(chs, tt.channels) || out.Trigger != "api" {
				t.Fatalf("answer %s", b)
			}
		})
	}
}
