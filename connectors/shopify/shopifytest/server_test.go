package shopifytest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testToken = "shpat_fake"

func start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Token == "" {
		o.Token = testToken
	}
	if o.ClientSecret == "" {
		o.ClientSecret = "hush"
	}
	s, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

type gqlAnswer struct {
	Status     int
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions struct {
		Cost *struct {
			RequestedQueryCost int  `json:"requestedQueryCost"`
			ActualQueryCost    *int `json:"actualQueryCost"`
			ThrottleStatus     struct {
				MaximumAvailable   float64 `json:"maximumAvailable"`
				CurrentlyAvailable int     `json:"currentlyAvailable"`
				RestoreRate        float64 `json:"restoreRate"`
			} `json:"throttleStatus"`
		} `json:"cost"`
		Search []any `json:"search"`
	} `json:"extensions"`
	raw []byte
}

func gql(t testing.TB, s *Server, query string, vars map[string]any) gqlAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/admin/api/2026-01/graphql.json", bytes.NewReader(body))
	req.Header.Set("X-Shopify-Access-Token", testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a gqlAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, raw)
	}
	a.Status, a.raw = resp.StatusCode, raw
	return a
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Orders: 1})
	for _, tok := range []string{"", "shpat_wrong"} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/admin/api/2026-01/graphql.json", strings.NewReader(`{"query":"{ shop { name } }"}`))
		if tok != "" {
			req.Header.Set("X-Shopify-Access-Token", tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(string(b), "Invalid API key or access token") {
			t.Fatalf("token %q: %d %s", tok, resp.StatusCode, b)
		}
	}
}

// TestCost checks the requested cost against Shopify's rules and the
// answers for an over-expensive query and a throttled one.
func TestCost(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Orders: 30, BucketSize: 1000, RestoreRate: 1})
	// connection 2 + first × (node 1 + lineItems (2 + 5 × (node 1 + bag 3)))
	a := gql(t, s, `{ orders(first: 10) { pageInfo { hasNextPage } nodes { id lineItems(first: 5) { nodes { originalUnitPriceSet { shopMoney { amount } presentmentMoney { amount } } } } } } }`, nil)
	if want := 2 + 10*(1+2+5*4); a.Extensions.Cost == nil || a.Extensions.Cost.RequestedQueryCost != want {
		t.Fatalf("requested cost %+v, want %d", a.Extensions.Cost, want)
	}
	if act := *a.Extensions.Cost.ActualQueryCost; act <= 0 || act > a.Extensions.Cost.RequestedQueryCost {
		t.Fatalf("actual cost %d", act)
	}
	a = gql(t, s, `{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }`, nil)
	if a.Status != 200 || len(a.Errors) == 0 || a.Errors[0].Extensions["code"] != "MAX_COST_EXCEEDED" || a.Data != nil {
		t.Fatalf("over-expensive query: %d %s", a.Status, a.raw)
	}
	// drain the bucket: 1000 points, restoring 1 per second
	a = gqlAnswer{}
	for i := 0; i < 30 && len(a.Errors) == 0; i++ {
		a = gql(t, s, `{ orders(first: 20) { nodes { id lineItems(first: 10) { nodes { id } } } } }`, nil)
	}
	if a.Status != 200 || len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != "THROTTLED" || a.Data != nil ||
		a.Extensions.Cost.ActualQueryCost != nil || a.Extensions.Cost.ThrottleStatus.MaximumAvailable != 1000 {
		t.Fatalf("throttled answer: %d %s", a.Status, a.raw)
	}
	// the throttled answer has the keys of the recorded one
	if b, err := os.ReadFile("../../../../shared/fixtures/shopify/graphql-throttled.response.json"); err == nil {
		var rec map[string]json.RawMessage
		json.Unmarshal(b, &rec)
		var got map[string]json.RawMessage
		json.Unmarshal(a.raw, &got)
		for _, k := range []string{"errors", "extensions"} {
			if got[k] == nil || rec[k] == nil {
				t.Fatalf("key %s: fake %v, fixture %v", k, got[k] != nil, rec[k] != nil)
			}
		}
	}
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Orders: 2})
	cases := []struct{ query, want string }{
		{`{ orders(first: 1) { nodes { id nope } } }`, "Field 'nope' doesn't exist on type 'Order'"},
		{`{ orders(first: 1, bogus: 2) { nodes { id } } }`, "doesn't accept argument 'bogus'"},
		{`{ orders { nodes { id } } }`, "first or last"},
		{`{ orders(first: 1) { nodes { id { x } } } }`, "Selections can't be made on scalars"},
		{`{ shop }`, "Field must have selections"},
		{`query { orders(first: $n) { nodes { id } } }`, "not declared"},
		{`{ orders(first: 1) { nodes { ...Nope } } }`, "was used, but not defined"},
		{`{ node(id: "x") { ... on Nope { id } } }`, "No such type"},
		{`{ shop { name } `, "Parse error"},
	}
	for _, tc := range cases {
		a := gql(t, s, tc.query, nil)
		if a.Status != 200 || len(a.Errors) == 0 || !strings.Contains(a.Errors[0].Message, tc.want) || a.Data != nil {
			t.Errorf("%s: %d %s, want an error mentioning %q", tc.query, a.Status, a.raw, tc.want)
		}
	}
	a := gql(t, s, `query($n: Int!) { orders(first: $n) { nodes { id } } }`, map[string]any{"n": "ten"})
	if len(a.Errors) == 0 || a.Errors[0].Extensions["code"] != "INVALID_VARIABLE" {
		t.Fatalf("bad variable: %s", a.raw)
	}
}

func TestMoneyFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		minor     int64
		cur       string
		rest, gql string
	}{{12010, "EUR", "120.10", "120.1"}, {8900, "EUR", "89.00", "89.0"}, {5, "USD", "0.05", "0.05"}, {-1995, "USD", "-19.95", "-19.95"},
		{1200, "JPY", "1200", "1200.0"}, {0, "USD", "0.00", "0.0"}}
	for _, tc := range cases {
		if r, g := formatREST(tc.minor, tc.cur), formatGQL(tc.minor, tc.cur); r != tc.rest || g != tc.gql {
			t.Errorf("%d %s: REST %q GraphQL %q, want %q %q", tc.minor, tc.cur, r, g, tc.rest, tc.gql)
		}
	}
	// the fixtures' conversion: 89.00 EUR at 1.0848 is 96.55 USD, half up
	if got := convert(8900, "EUR", "USD"); got != 9655 {
		t.Fatalf("89.00 EUR = %d US cents, want 9655", got)
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a, b, c := start(t, Options{Orders: 50, Seed: 4}), start(t, Options{Orders: 50, Seed: 4}), start(t, Options{Orders: 50, Seed: 5})
	same, diff := 0, 0
	for i := 0; i < 50; i++ {
		ja, _ := a.OrderJSON(OrderGID(i))
		jb, _ := b.OrderJSON(OrderGID(i))
		jc, _ := c.OrderJSON(OrderGID(i))
		if bytes.Equal(ja, jb) {
			same++
		}
		if !bytes.Equal(ja, jc) {
			diff++
		}
		if !json.Valid(ja) {
			t.Fatalf("order %d REST JSON is invalid: %s", i, ja)
		}
	}
	if same != 50 || diff < 45 {
		t.Fatalf("%d of 50 equal with the same seed, %d differ with another", same, diff)
	}
}

// TestPagingWhileChanging pages through orders by updated_at while orders
// change between pages: every order is seen, and changed ones come again
// behind the cursor.
func TestPagingWhileChanging(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Orders: 400, Seed: 8, RestoreRate: 1e6})
	seen := map[string]int{}
	var after any
	changed := map[string]bool{}
	var lastKey string
	for page := 0; ; page++ {
		a := gql(t, s, `query($after: String) { orders(first: 37, after: $after, sortKey: UPDATED_AT) { pageInfo { hasNextPage endCursor } edges { cursor node { id updatedAt } } } }`,
			map[string]any{"after": after})
		var d struct {
			Orders struct {
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
				Edges []struct {
					Cursor string `json:"cursor"`
					Node   struct {
						ID        string `json:"id"`
						UpdatedAt string `json:"updatedAt"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"orders"`
		}
		if err := json.Unmarshal(a.Data, &d); err != nil {
			t.Fatal(err)
		}
		for _, e := range d.Orders.Edges {
			key := e.Node.UpdatedAt + " " + fmt.Sprintf("%020s", e.Node.ID[len("gid://shopify/Order/"):])
			if key <= lastKey {
				t.Fatalf("page %d: %s after %s: not sorted by (updated_at, id)", page, key, lastKey)
			}
			lastKey = key
			seen[e.Node.ID]++
		}
		if page%3 == 1 && page < 12 {
			id := OrderGID(page * 7)
			if err := s.UpdateOrder(id, "changed while paging"); err != nil {
				t.Fatal(err)
			}
			changed[id] = true
		}
		if !d.Orders.PageInfo.HasNextPage {
			break
		}
		after = d.Orders.PageInfo.EndCursor
	}
	for i := 0; i < 400; i++ {
		id := OrderGID(i)
		if seen[id] == 0 || seen[id] > 1 && !changed[id] || seen[id] > 2 {
			t.Fatalf("order %s seen %d times (changed: %v)", id, seen[id], changed[id])
		}
	}
	// the count honours the same filter
	a := gql(t, s, `{ ordersCount(query: "updated_at:>='2026-01-01T00:00:00Z'", limit: null) { count precision } }`, nil)
	if !strings.Contains(string(a.Data), `"precision":"EXACT"`) {
		t.Fatalf("count: %s", a.Data)
	}
}

func TestRESTOrders(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Orders: 5})
	get := func(url string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("X-Shopify-Access-Token", testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, b
	}
	resp, body := get(s.URL + "/admin/api/2026-01/orders.json?limit=2&status=any")
	link := resp.Header.Get("Link")
	// the fixture's shape: <…orders.json?limit=2&page_info=…>; rel="next"
	m := regexp.MustCompile(`^<([^>]+/admin/api/2026-01/orders\.json\?limit=2&page_info=[A-Za-z0-9_-]+)>; rel="next"$`).FindStringSubmatch(link)
	if resp.StatusCode != 200 || m == nil || resp.Header.Get("X-Shopify-Shop-Api-Call-Limit") != "1/40" {
		t.Fatalf("%d Link %q limit %q", resp.StatusCode, link, resp.Header.Get("X-Shopify-Shop-Api-Call-Limit"))
	}
	var page struct {
		Orders []struct {
			ID      int64  `json:"id"`
			AdminID string `json:"admin_graphql_api_id"`
		} `json:"orders"`
	}
	if err := json.Unmarshal(body, &page); err != nil || len(page.Orders) != 2 {
		t.Fatalf("%v: %s", err, body)
	}
	resp, _ = get(m[1] + "&status=any")
	if resp.StatusCode != 400 {
		t.Fatalf("page_info with another filter: %d, want 400", resp.StatusCode)
	}
	resp, body = get(m[1])
	json.Unmarshal(body, &page)
	if resp.StatusCode != 200 || len(page.Orders) != 2 || page.Orders[0].AdminID != OrderGID(2) {
		t.Fatalf("page 2: %d %s", resp.StatusCode, body)
	}
	// the leaky bucket: 40 calls, then 429 with Retry-After "2.0"
	var last *http.Response
	for i := 0; i < 45; i++ {
		last, _ = get(s.URL + "/admin/api/2026-01/orders.json?limit=1")
		if last.StatusCode == 429 {
			break
		}
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") != "2.0" || last.Header.Get("X-Shopify-Shop-Api-Call-Limit") != "40/40" {
		t.Fatalf("bucket overflow: %d %v", last.StatusCode, last.Header)
	}
}

func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Orders: 3, WebhookTimeout: 100 * time.Millisecond, WebhookRetryScale: 0.00002})
	var mu sync.Mutex
	var got []http.Header
	var bodies [][]byte
	var n atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Header.Clone())
		bodies = append(bodies, b)
		mu.Unlock()
		switch n.Add(1) {
		case 1:
			w.WriteHeader(500)
		case 2:
			time.Sleep(300 * time.Millisecond) // past the answer deadline
		default:
			w.WriteHeader(200)
		}
	}))
	defer hook.Close()
	s.StartWebhookDelivery(hook.URL, "orders/updated")
	if err := s.UpdateOrder(OrderGID(1), "x"); err != nil {
		t.Fatal(err)
	}
	s.RedactShop() // shop/redact is not subscribed: nothing is sent
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	d := s.Deliveries()
	if len(d) != 1 || !d[0].Done || len(d[0].Attempts) != 3 || d[0].Attempts[0] != "500" || d[0].Attempts[2] != "200" {
		t.Fatalf("deliveries %+v", d)
	}
	for i, h := range got {
		if h.Get("X-Shopify-Webhook-Id") != d[0].WebhookID || h.Get("X-Shopify-Topic") != "orders/updated" ||
			h.Get("X-Shopify-Hmac-Sha256") != Sign("hush", bodies[i]) || h.Get("X-Shopify-Shop-Domain") != "supplyhub-demo.myshopify.com" {
			t.Fatalf("attempt %d headers %v", i, h)
		}
	}
}

func TestWebhookGivesUp(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Orders: 1, WebhookRetryScale: 0.00001})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer hook.Close()
	s.StartWebhookDelivery(hook.URL)
	s.Uninstall()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.WaitDeliveries(ctx)
	d := s.Deliveries()
	if len(d) != 1 || !d[0].Failed || d[0].Done || len(d[0].Attempts) != 8 {
		t.Fatalf("deliveries %+v: want 8 failed attempts", d)
	}
}

func TestBulkOperation(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	s := start(t, Options{Orders: 40, Seed: 2, Clock: now})
	a := gql(t, s, `mutation { bulkOperationRunQuery(query: "{ orders { edges { node { id lineItems { edges { node { id } } } refunds { id refundLineItems { edges { node { id } } } } } } } }") { bulkOperation { id status } userErrors { message } } }`, nil)
	var run struct {
		BulkOperationRunQuery struct {
			BulkOperation struct{ ID, Status string } `json:"bulkOperation"`
		} `json:"bulkOperationRunQuery"`
	}
	json.Unmarshal(a.Data, &run)
	id := run.BulkOperationRunQuery.BulkOperation.ID
	var op struct {
		Node struct {
			Status, ObjectCount, RootObjectCount, URL string
		} `json:"node"`
	}
	for i := 0; i < 100 && op.Node.Status != "COMPLETED"; i++ {
		time.Sleep(10 * time.Millisecond)
		a = gql(t, s, `query($id: ID!) { node(id: $id) { ... on BulkOperation { status objectCount rootObjectCount url } } }`, map[string]any{"id": id})
		json.Unmarshal(a.Data, &op)
	}
	if op.Node.Status != "COMPLETED" || op.Node.RootObjectCount != "40" {
		t.Fatalf("operation %+v", op.Node)
	}
	resp, err := http.Get(op.Node.URL)
	if err != nil {
		t.Fatal(err)
	}
	lines, roots, children := 0, 0, 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		lines++
		if strings.Contains(sc.Text(), `"__parentId":`) {
			children++
		} else {
			roots++
		}
	}
	resp.Body.Close()
	if fmt.Sprint(lines) != op.Node.ObjectCount || roots != 40 || children == 0 {
		t.Fatalf("%d lines (%d roots), objectCount %s", lines, roots, op.Node.ObjectCount)
	}
	// a tampered signature and an expired URL are refused, as storage does
	if r, _ := http.Get(strings.Replace(op.Node.URL, "Signature=", "Signature=0", 1)); r.StatusCode != 403 {
		t.Fatalf("tampered URL: %d", r.StatusCode)
	}
	mu.Lock()
	clock = clock.Add(8 * 24 * time.Hour)
	mu.Unlock()
	if r, _ := http.Get(op.Node.URL); r.StatusCode != 403 {
		t.Fatalf("expired URL: %d", r.StatusCode)
	}
	// an invalid bulk query is a user error, not an operation
	a = gql(t, s, `mutation { bulkOperationRunQuery(query: "{ orders { edges { node { id a { edges { node { id } } } } } } }") { bulkOperation { id } userErrors { message } } }`, nil)
	if !strings.Contains(string(a.Data), "Invalid bulk query") {
		t.Fatalf("bad bulk query: %s", a.raw)
	}
}

func TestInventoryMutation(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Orders: 1, Products: 3})
	it := s.InventoryItems()[0]
	before, _ := s.Available(it.GID, it.Locations[0])
	m := `mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) @idempotent(key: "k1") { inventoryAdjustmentGroup { changes { delta quantityAfterChange } } userErrors { code message } } }`
	input := func(q, compare int) map[string]any {
		return map[string]any{"input": map[string]any{"name": "available", "reason": "correction",
			"quantities": []any{map[string]any{"inventoryItemId": it.GID, "locationId": it.Locations[0], "quantity": q, "compareQuantity": compare}}}}
	}
	a := gql(t, s, m, input(5, before+1))
	if !strings.Contains(string(a.Data), "COMPARE_QUANTITY_STALE") {
		t.Fatalf("stale compare: %s", a.raw)
	}
	a = gql(t, s, strings.Replace(m, "k1", "k2", 1), input(5, before))
	if got, _ := s.Available(it.GID, it.Locations[0]); got != 5 || !strings.Contains(string(a.Data), fmt.Sprintf(`"delta":%d`, 5-before)) {
		t.Fatalf("available %d after setting 5: %s", got, a.raw)
	}
	a = gql(t, s, strings.Replace(m, "k1", "k2", 1), input(6, 5))
	if len(a.Errors) == 0 || a.Errors[0].Extensions["code"] != "IDEMPOTENCY_KEY_PARAMETER_MISMATCH" {
		t.Fatalf("key reused with other input: %s", a.raw)
	}
}

// FuzzGraphQL sends arbitrary documents to a small shop: the fake answers
// every one with JSON, never panics.
func FuzzGraphQL(f *testing.F) {
	for _, q := range []string{`{ shop { name } }`, `{ orders(first: 3, sortKey: UPDATED_AT) { edges { cursor node { id lineItems(first: 2) { nodes { sku } } } } } }`,
		`{ nodes(ids: ["gid://shopify/Order/5862346000000", "x"]) { __typename ... on Order { name refunds(first: 2) { id } } } }`,
		`mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { userErrors { message } } }`} {
		f.Add(q)
	}
	s := start(f, Options{Orders: 20, Products: 3, Unthrottled: true})
	f.Fuzz(func(t *testing.T, q string) {
		body, _ := json.Marshal(map[string]any{"query": q})
		req := httptest.NewRequest(http.MethodPost, "/admin/api/2026-01/graphql.json", bytes.NewReader(body))
		req.Header.Set("X-Shopify-Access-Token", testToken)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("answer to %q is not JSON: %s", q, w.Body.Bytes())
		}
	})
}

// webhookSubscriptionCreate validates like Shopify: unknown topics are
// variable errors, bad or taken addresses and missing scopes userErrors;
// webhookSubscriptions filters by topic and pages.
func TestWebhookSubscriptionMutations(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Scopes: []string{"read_orders"}})
	const create = `mutation C($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) { webhookSubscription { id topic uri format } userErrors { field message } } }`
	type payload struct {
		WebhookSubscriptionCreate struct {
			WebhookSubscription *struct{ ID, Topic, URI, Format string }
			UserErrors          []struct {
				Field   []string
				Message string
			}
		}
	}
	call := func(topic, uri string) (payload, gqlAnswer) {
		a := gql(t, s, create, map[string]any{"topic": topic, "sub": map[string]any{"uri": uri, "format": "JSON"}})
		var p payload
		if len(a.Data) > 0 {
			if err := json.Unmarshal(a.Data, &p); err != nil {
				t.Fatal(err)
			}
		}
		return p, a
	}
	p, a := call("ORDERS_CREATE", "https://gw.example.com/webhooks/c1")
	if len(a.Errors) > 0 || p.WebhookSubscriptionCreate.WebhookSubscription == nil || p.WebhookSubscriptionCreate.WebhookSubscription.Topic != "ORDERS_CREATE" {
		t.Fatalf("create: %s", a.raw)
	}
	for _, tc := range []struct{ topic, uri, want string }{
		{"ORDERS_CREATE", "https://gw.example.com/webhooks/c1", "already been taken"},
		{"ORDERS_UPDATED", "http://gw.example.com/webhooks/c1", "http:// is not supported"},
		{"ORDERS_UPDATED", "not a url", "Address is invalid"},
		{"PRODUCTS_UPDATE", "https://gw.example.com/webhooks/c1", "read_products"},
	} {
		p, a := call(tc.topic, tc.uri)
		ue := p.WebhookSubscriptionCreate.UserErrors
		if len(ue) != 1 || !strings.Contains(ue[0].Message, tc.want) || p.WebhookSubscriptionCreate.WebhookSubscription != nil {
			t.Errorf("%s %s: %s, want a userError containing %q", tc.topic, tc.uri, a.raw, tc.want)
		}
	}
	if _, a := call("CUSTOMERS_REDACT", "https://gw.example.com/webhooks/c1"); len(a.Errors) == 0 {
		t.Errorf("a compliance topic was accepted: %s", a.raw)
	}
	for i := 0; i < 120; i++ {
		if _, err := s.AddWebhookSubscription("orders/updated", fmt.Sprintf("https://gw%d.example.com/h", i)); err != nil {
			t.Fatal(err)
		}
	}
	const list = `query L($after: String) { webhookSubscriptions(first: 100, after: $after, topics: [ORDERS_UPDATED]) {
  nodes { id topic } pageInfo { hasNextPage endCursor } } }`
	var after any
	seen := 0
	for pages := 1; ; pages++ {
		a := gql(t, s, list, map[string]any{"after": after})
		var out struct {
			WebhookSubscriptions struct {
				Nodes    []struct{ ID, Topic string }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if err := json.Unmarshal(a.Data, &out); err != nil || len(a.Errors) > 0 {
			t.Fatalf("list: %v %s", err, a.raw)
		}
		for _, n := range out.WebhookSubscriptions.Nodes {
			if n.Topic != "ORDERS_UPDATED" {
				t.Fatalf("topic filter let %s through", n.Topic)
			}
		}
		seen += len(out.WebhookSubscriptions.Nodes)
		if !out.WebhookSubscriptions.PageInfo.HasNextPage {
			if pages != 2 {
				t.Errorf("%d pages, want 2", pages)
			}
			break
		}
		after = out.WebhookSubscriptions.PageInfo.EndCursor
	}
	if seen != 120 {
		t.Errorf("listed %d subscriptions, want 120", seen)
	}
}
