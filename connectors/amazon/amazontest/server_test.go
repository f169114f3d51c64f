package amazontest

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func newTestServer(t *testing.T, o Options) *Server {
	t.Helper()
	s, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {DefaultRefreshToken}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
	resp, err := http.PostForm(s.URL+"/auth/o2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.TokenType != "bearer" || out.ExpiresIn != 3600 {
		t.Fatalf("token: %d %+v %v", resp.StatusCode, out, err)
	}
	return out.AccessToken
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func call(t *testing.T, s *Server, tok, method, path string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	req.Header.Set("x-amz-access-token", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

func (a answer) errorCode() string {
	var e struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(a.body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

func TestLoginWithAmazon(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	tok := token(t, s)
	if !strings.HasPrefix(tok, "Atza|") {
		t.Fatalf("access token %q", tok)
	}
	cases := []struct {
		name, body, ctype string
		status            int
		code              string
	}{
		{"json body", `{"grant_type":"refresh_token","refresh_token":"` + DefaultRefreshToken + `","client_id":"` + DefaultClientID + `","client_secret":"` + DefaultClientSecret + `"}`, "application/json", 200, ""},
		{"revoked refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"Atzr|revoked"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}.Encode(), "application/x-www-form-urlencoded", 400, "invalid_grant"},
		{"wrong client secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {DefaultRefreshToken}, "client_id": {DefaultClientID}, "client_secret": {"x"}}.Encode(), "application/x-www-form-urlencoded", 401, "invalid_client"},
		{"other grant", url.Values{"grant_type": {"authorization_code"}}.Encode(), "application/x-www-form-urlencoded", 400, "unsupported_grant_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(s.URL+"/auth/o2/token", tc.ctype, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != tc.status || (tc.code != "" && out["error"] != tc.code) {
				t.Fatalf("%d %v, want %d %s", resp.StatusCode, out, tc.status, tc.code)
			}
		})
	}
	if a := call(t, s, "Atza|forged", "GET", "/sellers/v1/marketplaceParticipations", nil); a.status != 403 || a.errorCode() != "Unauthorized" {
		t.Fatalf("a forged token: %d %s", a.status, a.body)
	}
	s.ExpireAccessTokens()
	a := call(t, s, tok, "GET", "/sellers/v1/marketplaceParticipations", nil)
	if a.status != 403 || !strings.Contains(string(a.body), "expired") || a.header.Get("x-amzn-ErrorType") != "AccessDeniedException" {
		t.Fatalf("an expired token: %d %s %v", a.status, a.body, a.header)
	}
}

// TestQuotas: each operation has its own bucket of its documented burst,
// answers carry x-amzn-RateLimit-Limit and x-amzn-RequestId, and an empty
// bucket answers 429 QuotaExceeded without Retry-After.
func TestQuotas(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Orders: 5})
	tok := token(t, s)
	path := "/fba/inventory/v1/summaries?details=true&granularityType=Marketplace&granularityId=A1PA6795UKMFR9&marketplaceIds=A1PA6795UKMFR9"
	for i := 0; i < 2; i++ { // burst 2
		a := call(t, s, tok, "GET", path, nil)
		if a.status != 200 || a.header.Get("x-amzn-RateLimit-Limit") != "2" || a.header.Get("x-amzn-RequestId") == "" {
			t.Fatalf("request %d: %d %v", i, a.status, a.header)
		}
	}
	a := call(t, s, tok, "GET", path, nil)
	if a.status != 429 || a.errorCode() != "QuotaExceeded" || a.header.Get("Retry-After") != "" {
		t.Fatalf("the third request within the burst of 2: %d %s %v", a.status, a.body, a.header)
	}
	// another operation's quota is untouched
	if a := call(t, s, tok, "GET", "/orders/2026-01-01/orders?lastUpdatedAfter=2020-01-01T00:00:00Z&marketplaceIds=A1PA6795UKMFR9", nil); a.status != 200 || a.header.Get("x-amzn-RateLimit-Limit") != "0.0056" {
		t.Fatalf("searchOrders: %d %v", a.status, a.header)
	}
	time.Sleep(600 * time.Millisecond) // 2 per second refills one token
	if a := call(t, s, tok, "GET", path, nil); a.status != 200 {
		t.Fatalf("after the refill: %d", a.status)
	}
	if st := s.Stats(); st.Throttled != 1 || st.Requests["v1/getInventorySummaries"] != 4 {
		t.Fatalf("stats %+v", st)
	}
}

// TestSearchOrdersPaging pages through every order once, in
// lastUpdatedTime order, with tokens bound to their query.
func TestSearchOrdersPaging(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Orders: 250, Seed: 3, Unthrottled: true})
	tok := token(t, s)
	base := "/orders/2026-01-01/orders?lastUpdatedAfter=2000-01-01T00:00:00Z&marketplaceIds=A1PA6795UKMFR9,A1F83G8C2ARO7P&maxResultsPerPage=40&includedData=PROCEEDS"
	seen := map[string]bool{}
	var last string
	next := ""
	for pages := 0; ; pages++ {
		p := base
		if next != "" {
			p += "&paginationToken=" + url.QueryEscape(next)
		}
		a := call(t, s, tok, "GET", p, nil)
		var out struct {
			Orders []struct {
				OrderID         string `json:"orderId"`
				LastUpdatedTime string `json:"lastUpdatedTime"`
				Proceeds        *struct {
					GrandTotal *struct{ Amount string } `json:"grandTotal"`
				} `json:"proceeds"`
				Fulfillment any `json:"fulfillment"`
			} `json:"orders"`
			Pagination *struct {
				NextToken string `json:"nextToken"`
			} `json:"pagination"`
		}
		if err := json.Unmarshal(a.body, &out); err != nil || a.status != 200 {
			t.Fatalf("page %d: %d %s", pages, a.status, a.body)
		}
		for _, o := range out.Orders {
			if seen[o.OrderID] || o.LastUpdatedTime < last || o.Proceeds == nil || o.Fulfillment != nil {
				t.Fatalf("order %s: seen %v, %s after %s, proceeds %v, fulfillment %v (only PROCEEDS was asked)", o.OrderID, seen[o.OrderID], o.LastUpdatedTime, last, o.Proceeds, o.Fulfillment)
			}
			seen[o.OrderID], last = true, o.LastUpdatedTime
		}
		if out.Pagination == nil {
			break
		}
		next = out.Pagination.NextToken
		if pages == 2 {
			// a token with other parameters is refused
			if a := call(t, s, tok, "GET", strings.Replace(base, "2000-01-01", "2001-01-01", 1)+"&paginationToken="+url.QueryEscape(next), nil); a.status != 400 {
				t.Fatalf("a token reused with other filters: %d", a.status)
			}
		}
	}
	if len(seen) != 250 {
		t.Fatalf("%d orders paged, want 250", len(seen))
	}
	for _, bad := range []string{"/orders/2026-01-01/orders?marketplaceIds=A1PA6795UKMFR9",
		"/orders/2026-01-01/orders?lastUpdatedAfter=2020-01-01T00:00:00Z&marketplaceIds=ATVPDKIKX0DER",
		"/orders/2026-01-01/orders?lastUpdatedAfter=2020-01-01T00:00:00Z&marketplaceIds=A1PA6795UKMFR9&maxResultsPerPage=101",
		"/orders/2026-01-01/orders?lastUpdatedAfter=2020-01-01T00:00:00Z&marketplaceIds=A1PA6795UKMFR9&includedData=EVERYTHING",
		"/orders/v0/orders?MarketplaceIds=A1PA6795UKMFR9"} {
		if a := call(t, s, tok, "GET", bad, nil); a.status != 400 || a.errorCode() != "InvalidInput" {
			t.Errorf("%s: %d %s", bad, a.status, a.body)
		}
	}
}

// TestOrderTotals: totals add up the way each marketplace prices (VAT
// included in Europe, sales tax added in the US), in both API shapes.
func TestOrderTotals(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Orders: 60, Seed: 8, Marketplaces: []string{"A1PA6795UKMFR9", "ATVPDKIKX0DER"}, Unthrottled: true})
	tok := token(t, s)
	for _, id := range s.OrderIDs() {
		sum, _ := s.Order(id)
		if sum.Status == StatusPending {
			continue
		}
		a := call(t, s, tok, "GET", "/orders/v0/orders/"+id, nil)
		var o struct {
			Payload struct {
				OrderTotal struct{ Amount, CurrencyCode string }
			} `json:"payload"`
		}
		_ = json.Unmarshal(a.body, &o)
		if o.Payload.OrderTotal.Amount != sum.Total || o.Payload.OrderTotal.CurrencyCode != sum.Currency {
			t.Fatalf("order %s: v0 total %+v, summary %s %s", id, o.Payload.OrderTotal, sum.Total, sum.Currency)
		}
		a = call(t, s, tok, "GET", "/orders/2026-01-01/orders/"+id+"?includedData=PROCEEDS", nil)
		var n struct {
			Order struct {
				Proceeds struct {
					GrandTotal struct{ Amount, CurrencyCode string } `json:"grandTotal"`
				} `json:"proceeds"`
			} `json:"order"`
		}
		_ = json.Unmarshal(a.body, &n)
		if n.Order.Proceeds.GrandTotal.Amount != sum.Total {
			t.Fatalf("order %s: 2026 grand total %+v, summary %s", id, n.Order.Proceeds.GrandTotal, sum.Total)
		}
	}
}

// TestReportLifecycle: IN_QUEUE, IN_PROGRESS, DONE; the document URL is
// signed and expires; its gzipped flat file has the header.
func TestReportLifecycle(t *testing.T) {
	t.Parallel()
	// IN_PROGRESS lasts ReportDelay/2: long enough that a poll on a busy
	// machine does not step over it
	s := newTestServer(t, Options{Orders: 30, Seed: 2, ReportDelay: 600 * time.Millisecond, Unthrottled: true})
	tok := token(t, s)
	a := call(t, s, tok, "POST", "/reports/2021-06-30/reports", map[string]any{"reportType": ReportOrders, "marketplaceIds": []string{"A1PA6795UKMFR9", "A1F83G8C2ARO7P"},
		"dataStartTime": "2000-01-01T00:00:00Z"})
	var created struct{ ReportID string }
	if err := json.Unmarshal(a.body, &created); err != nil || a.status != 202 || created.ReportID == "" {
		t.Fatalf("createReport: %d %s", a.status, a.body)
	}
	var statuses []string
	var doc string
	for deadline := time.Now().Add(5 * time.Second); doc == "" && time.Now().Before(deadline); {
		var r struct {
			ProcessingStatus string `json:"processingStatus"`
			ReportDocumentID string `json:"reportDocumentId"`
		}
		_ = json.Unmarshal(call(t, s, tok, "GET", "/reports/2021-06-30/reports/"+created.ReportID, nil).body, &r)
		if len(statuses) == 0 || statuses[len(statuses)-1] != r.ProcessingStatus {
			statuses = append(statuses, r.ProcessingStatus)
		}
		doc = r.ReportDocumentID
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Join(statuses, ",") != "IN_QUEUE,IN_PROGRESS,DONE" {
		t.Fatalf("statuses %v", statuses)
	}
	var d struct {
		URL                  string `json:"url"`
		CompressionAlgorithm string `json:"compressionAlgorithm"`
	}
	_ = json.Unmarshal(call(t, s, tok, "GET", "/reports/2021-06-30/documents/"+doc, nil).body, &d)
	resp, err := http.Get(d.URL)
	if err != nil || resp.StatusCode != 200 || d.CompressionAlgorithm != "GZIP" {
		t.Fatalf("download: %v %v %+v", err, resp, d)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(zr)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	if !strings.HasPrefix(lines[0], "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date") || len(lines) < 31 {
		t.Fatalf("%d lines, header %q", len(lines), lines[0])
	}
	tampered := strings.Replace(d.URL, "X-Amz-Signature=", "X-Amz-Signature=0", 1)
	if resp, _ := http.Get(tampered); resp.StatusCode != 403 {
		t.Fatalf("a tampered URL: %d", resp.StatusCode)
	}
	u, _ := url.Parse(d.URL)
	q := u.Query()
	exp := time.Now().Add(-time.Minute).Unix()
	mac := hmac.New(sha256.New, []byte(DefaultAWSSecret))
	mac.Write([]byte(strings.TrimPrefix(u.Path, "/report-documents/") + "|" + itoa(exp)))
	q.Set("X-Amz-Date", itoa(exp))
	q.Set("X-Amz-Signature", hex.EncodeToString(mac.Sum(nil)))
	u.RawQuery = q.Encode()
	resp, _ = http.Get(u.String())
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(body), "Request has expired") {
		t.Fatalf("an expired URL: %d %s", resp.StatusCode, body)
	}
	// a window without orders ends CANCELLED
	a = call(t, s, tok, "POST", "/reports/2021-06-30/reports", map[string]any{"reportType": ReportOrders, "marketplaceIds": []string{"A1PA6795UKMFR9"},
		"dataStartTime": "2001-01-01T00:00:00Z", "dataEndTime": "2001-01-02T00:00:00Z"})
	_ = json.Unmarshal(a.body, &created)
	var b []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b = call(t, s, tok, "GET", "/reports/2021-06-30/reports/"+created.ReportID, nil).body
		if !strings.Contains(string(b), `"IN_QUEUE"`) && !strings.Contains(string(b), `"IN_PROGRESS"`) {
			break
		}
	}
	if !strings.Contains(string(b), `"CANCELLED"`) {
		t.Fatalf("an empty report: %s", b)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestQueue: messages are hidden for the visibility timeout after a
// receive, come back unless deleted, and only the latest receipt handle
// deletes them.
func TestQueue(t *testing.T) {
	t.Parallel()
	q := newQueue(time.Second)
	q.send(`{"a":1}`)
	q.send(`{"b":2}`)
	got, _ := q.receive(10, 100*time.Millisecond)
	if len(got) != 2 || got[0].received != 1 {
		t.Fatalf("received %d", len(got))
	}
	old := got[0].receipt
	if again, _ := q.receive(10, time.Second); len(again) != 0 {
		t.Fatalf("hidden messages were received again: %d", len(again))
	}
	time.Sleep(150 * time.Millisecond)
	again, _ := q.receive(1, time.Second)
	if len(again) != 1 || again[0].received != 2 {
		t.Fatalf("after the visibility timeout: %v", again)
	}
	if q.delete(old) && again[0].receipt != old {
		t.Fatal("a stale receipt handle deleted the message")
	}
	if !q.delete(again[0].receipt) {
		t.Fatal("the latest receipt handle did not delete")
	}
	if q.delete(again[0].receipt) {
		t.Fatal("a message was deleted twice")
	}
	ids := []string{}
	for _, m := range q.msgs {
		ids = append(ids, m.body)
	}
	sort.Strings(ids)
	if len(ids) != 1 {
		t.Fatalf("queue holds %v", ids)
	}
}

func grantlessToken(t *testing.T, s *Server, scope, secret string) (int, string, string) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}, "client_id": {DefaultClientID}, "client_secret": {secret}}
	resp, err := http.PostForm(s.URL+"/auth/o2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.RefreshToken != "" {
		t.Errorf("a client_credentials answer carries a refresh token")
	}
	return resp.StatusCode, out.AccessToken, out.Error
}

func TestGrantlessToken(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	for _, tc := range []struct {
		name, scope, secret string
		status              int
		err                 string
	}{
		{"notifications scope", NotificationsScope, DefaultClientSecret, 200, ""},
		{"wrong secret", NotificationsScope, "amzn1.oa2-cs.v1.wrong", 401, "invalid_client"},
		{"no scope", "", DefaultClientSecret, 400, "invalid_scope"},
		{"unknown scope", "sellingpartnerapi::orders", DefaultClientSecret, 400, "invalid_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, tok, e := grantlessToken(t, s, tc.scope, tc.secret)
			if status != tc.status || e != tc.err || (tc.err == "") != (tok != "") {
				t.Fatalf("status %d, error %q, token %q; want %d %q", status, e, tok, tc.status, tc.err)
			}
		})
	}
}

func TestNotificationsAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Unthrottled: true})
	seller := token(t, s)
	_, app, _ := grantlessToken(t, s, NotificationsScope, DefaultClientSecret)

	// grantless operations want the app's token, the others the seller's
	if a := call(t, s, seller, "GET", "/notifications/v1/destinations", nil); a.status != 403 || a.errorCode() != "Unauthorized" {
		t.Errorf("getDestinations with a seller token: %d %s", a.status, a.body)
	}
	if a := call(t, s, app, "GET", "/notifications/v1/subscriptions/ORDER_CHANGE", nil); a.status != 403 {
		t.Errorf("getSubscription with a grantless token: %d %s", a.status, a.body)
	}
	if a := call(t, s, app, "POST", "/notifications/v1/destinations", map[string]any{"name": "q", "resourceSpecification": map[string]any{"sqs": map[string]any{"arn": "not-an-arn"}}}); a.status != 400 || a.errorCode() != "InvalidInput" {
		t.Errorf("createDestination with a bad ARN: %d %s", a.status, a.body)
	}
	a := call(t, s, app, "POST", "/notifications/v1/destinations", map[string]any{"name": "q", "resourceSpecification": map[string]any{"sqs": map[string]any{"arn": s.QueueARN}}})
	var dest struct {
		Payload struct {
			DestinationID string `json:"destinationId"`
			Resource      struct {
				SQS struct {
					ARN string `json:"arn"`
				} `json:"sqs"`
			} `json:"resource"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(a.body, &dest); a.status != 200 || err != nil || dest.Payload.DestinationID == "" || dest.Payload.Resource.SQS.ARN != s.QueueARN {
		t.Fatalf("createDestination: %d %s", a.status, a.body)
	}
	if a := call(t, s, app, "POST", "/notifications/v1/destinations", map[string]any{"name": "again", "resourceSpecification": map[string]any{"sqs": map[string]any{"arn": s.QueueARN}}}); a.status != 409 {
		t.Errorf("createDestination twice: %d %s", a.status, a.body)
	}
	if a := call(t, s, seller, "GET", "/notifications/v1/subscriptions/ORDER_CHANGE", nil); a.status != 404 || a.errorCode() != "NotFound" {
		t.Errorf("getSubscription before subscribing: %d %s", a.status, a.body)
	}
	id := dest.Payload.DestinationID
	for _, tc := range []struct {
		name, typ string
		body      map[string]any
		status    int
	}{
		{"wrong payload version", "ORDER_CHANGE", map[string]any{"payloadVersion": "2.0", "destinationId": id}, 400},
		{"unknown destination", "ORDER_CHANGE", map[string]any{"payloadVersion": "1.0", "destinationId": "nope"}, 400},
		{"EventBridge-only type", "LISTINGS_ITEM_MFN_QUANTITY_CHANGE", map[string]any{"payloadVersion": "1.0", "destinationId": id}, 400},
		{"unknown type", "NOT_A_TYPE", map[string]any{"payloadVersion": "1.0", "destinationId": id}, 400},
		{"created", "ORDER_CHANGE", map[string]any{"payloadVersion": "1.0", "destinationId": id}, 200},
		{"exists", "ORDER_CHANGE", map[string]any{"payloadVersion": "1.0", "destinationId": id}, 409},
	} {
		if a := call(t, s, seller, "POST", "/notifications/v1/subscriptions/"+tc.typ, tc.body); a.status != tc.status {
			t.Errorf("createSubscription %s: %d %s, want %d", tc.name, a.status, a.body, tc.status)
		}
	}
	sub := s.Subscriptions()["ORDER_CHANGE"]
	if a := call(t, s, seller, "GET", "/notifications/v1/subscriptions/ORDER_CHANGE", nil); a.status != 200 || !strings.Contains(string(a.body), sub.ID) {
		t.Errorf("getSubscription: %d %s, want %s", a.status, a.body, sub.ID)
	}
	if a := call(t, s, app, "DELETE", "/notifications/v1/subscriptions/ORDER_CHANGE/other-id", nil); a.status != 404 {
		t.Errorf("deleteSubscriptionById of another id: %d %s", a.status, a.body)
	}
	if a := call(t, s, app, "DELETE", "/notifications/v1/subscriptions/ORDER_CHANGE/"+sub.ID, nil); a.status != 200 || len(s.Subscriptions()) != 0 {
		t.Errorf("deleteSubscriptionById: %d %s, %d left", a.status, a.body, len(s.Subscriptions()))
	}
}
