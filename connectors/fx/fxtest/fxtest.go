// Package fxtest is a fake of the ECB euro reference rate feeds and of a
// Stripe-style exchange-rates API, speaking their real wire formats over
// HTTP, like net/http/httptest.
//
// It is for the FX connector's tests, the e2e tests and the demo. Start with
// NewServer, which serves seven publication days (the real 2023-04-06 daily
// file, five real days of April 2025 around Easter, and a synthetic 2026 day
// without BGN); point the connector's base_url at FeedURL (source ecb) or URL
// (source rates_api). SetDay, Fail and Requests script scenarios.
package fxtest

import (
	"archive/zip"
	"bytes"
	"embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed data/*.xml
var data embed.FS

// FeedPath is where the feeds are served, as on www.ecb.europa.eu.
const FeedPath = "/stats/eurofxref"

// Server is a fake ECB and rates API.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	days     map[string]map[string]string // date → currency → rate as published
	fails    []int                        // statuses to answer next, in order
	delay    time.Duration
	requests map[string]int
	apiKey   string
	stall    chan struct{}
}

// NewServer starts a fake loaded with the embedded days.
func NewServer() *Server {
	s := &Server{days: map[string]map[string]string{}, requests: map[string]int{}}
	for _, name := range []string{"eurofxref-daily-2023-04-06.xml", "eurofxref-hist-90d-sample.xml", "eurofxref-daily-2026-synthetic.xml"} {
		b, err := data.ReadFile("data/" + name)
		if err != nil {
			panic(err)
		}
		if err := s.load(b); err != nil {
			panic(fmt.Sprintf("fxtest: %s: %v", name, err))
		}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// FeedURL is the base_url of an ecb source pointing at the fake.
func (s *Server) FeedURL() string { return s.URL + FeedPath }

func (s *Server) load(b []byte) error {
	var env struct {
		Cube struct {
			Days []struct {
				Time  string `xml:"time,attr"`
				Rates []struct {
					Currency string `xml:"currency,attr"`
					Rate     string `xml:"rate,attr"`
				} `xml:"Cube"`
			} `xml:"Cube"`
		} `xml:"Cube"`
	}
	if err := xml.Unmarshal(b, &env); err != nil {
		return err
	}
	for _, d := range env.Cube.Days {
		m := map[string]string{}
		for _, r := range d.Rates {
			m[r.Currency] = r.Rate
		}
		s.days[d.Time] = m
	}
	return nil
}

// SetDay publishes (or replaces) a day: rates maps currency codes to the
// rate as the ECB prints it, e.g. {"USD": "1.0915"}.
func (s *Server) SetDay(date string, rates map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]string, len(rates))
	for k, v := range rates {
		m[k] = v
	}
	s.days[date] = m
}

// RemoveDay withdraws a publication day.
func (s *Server) RemoveDay(date string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.days, date)
}

// Fail makes the next requests answer with these statuses, one each (e.g.
// 503, 503), before serving normally again.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, statuses...)
}

// SetDelay delays every answer by d.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// RequireAPIKey makes the rates API answer 401 unless the request carries
// "Authorization: Bearer key".
func (s *Server) RequireAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = key
}

// Requests returns how many requests path received (e.g.
// "/stats/eurofxref/eurofxref-daily.xml").
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	delay, stall := s.delay, s.stall
	fail := 0
	if len(s.fails) > 0 {
		fail, s.fails = s.fails[0], s.fails[1:]
	}
	s.mu.Unlock()
	if stall != nil {
		select {
		case <-stall:
		case <-r.Context().Done():
			return
		}
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fail != 0 {
		if fail == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		http.Error(w, http.StatusText(fail), fail)
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch p := r.URL.Path; {
	case p == FeedPath+"/eurofxref-daily.xml":
		s.writeXML(w, 1, 0)
	case p == FeedPath+"/eurofxref-hist-90d.xml":
		s.writeXML(w, 0, 90)
	case p == FeedPath+"/eurofxref-hist.xml":
		s.writeXML(w, 0, 0)
	case p == FeedPath+"/eurofxref-hist.zip":
		s.writeZip(w)
	case strings.HasPrefix(p, "/v1/exchange_rates/"):
		s.serveRatesAPI(w, r, strings.TrimPrefix(p, "/v1/exchange_rates/"))
	default:
		http.NotFound(w, r)
	}
}

// dates returns the publication dates, newest first.
func (s *Server) dates() []string {
	ds := make([]string, 0, len(s.days))
	for d := range s.days {
		ds = append(ds, d)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ds)))
	return ds
}

// writeXML writes the newest n days (all when 0), or those within window
// calendar days of the newest (when window > 0), in the ECB layout.
func (s *Server) writeXML(w http.ResponseWriter, n, window int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := s.dates()
	if n > 0 && len(ds) > n {
		ds = ds[:n]
	}
	if window > 0 && len(ds) > 0 {
		newest, _ := time.Parse(time.DateOnly, ds[0])
		cut := newest.AddDate(0, 0, -window).Format(time.DateOnly)
		keep := ds[:0:0]
		for _, d := range ds {
			if d > cut {
				keep = append(keep, d)
			}
		}
		ds = keep
	}
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gesmes:Envelope xmlns:gesmes=\"http://www.gesmes.org/xml/2002-08-01\" xmlns=\"http://www.ecb.int/vocabulary/2002-08-01/eurofxref\">\n\t<gesmes:subject>Reference rates</gesmes:subject>\n\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n\t<Cube>\n")
	for _, d := range ds {
		fmt.Fprintf(&b, "\t\t<Cube time='%s'>\n", d)
		for _, c := range ecbOrder(s.days[d]) {
			fmt.Fprintf(&b, "\t\t\t<Cube currency='%s' rate='%s'/>\n", c, s.days[d][c])
		}
		b.WriteString("\t\t</Cube>\n")
	}
	b.WriteString("\t</Cube>\n</gesmes:Envelope>")
	w.Header().Set("Content-Type", "text/xml")
	w.Write(b.Bytes())
}

// order is the ECB's column order; currencies it does not list follow,
// sorted.
var order = strings.Split("USD JPY BGN CYP CZK DKK EEK GBP HUF LTL LVL MTL PLN ROL RON SEK SIT SKK CHF ISK NOK HRK RUB TRL TRY AUD BRL CAD CNY HKD IDR ILS INR KRW MXN MYR NZD PHP SGD THB ZAR", " ")

func ecbOrder(m map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range order {
		if _, ok := m[c]; ok {
			out = append(out, c)
			seen[c] = true
		}
	}
	var rest []string
	for c := range m {
		if !seen[c] {
			rest = append(rest, c)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// writeZip writes eurofxref-hist.zip: the CSV layout with every currency of
// the header (discontinued ones included), N/A where absent, trailing
// commas, and trailing zeros dropped.
func (s *Server) writeZip(w http.ResponseWriter) {
	s.mu.Lock()
	cols := append([]string(nil), order...)
	known := map[string]bool{}
	for _, c := range order {
		known[c] = true
	}
	var csv bytes.Buffer
	for _, d := range s.dates() {
		for c := range s.days[d] {
			if !known[c] {
				known[c] = true
				cols = append(cols, c)
			}
		}
	}
	csv.WriteString("Date," + strings.Join(cols, ",") + ",\n")
	for _, d := range s.dates() {
		csv.WriteString(d)
		for _, c := range cols {
			v, ok := s.days[d][c]
			if !ok {
				v = "N/A"
			} else if strings.Contains(v, ".") {
				v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
			}
			csv.WriteString("," + v)
		}
		csv.WriteString(",\n")
	}
	s.mu.Unlock()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, _ := zw.Create("eurofxref-hist.csv")
	f.Write(csv.Bytes())
	zw.Close()
	w.Header().Set("Content-Type", "application/zip")
	w.Write(buf.Bytes())
}

// serveRatesAPI answers GET /v1/exchange_rates/{currency}?date=&quotes= with
// cross rates through EUR to 20 decimal places, from the last publication day
// on or before date.
func (s *Server) serveRatesAPI(w http.ResponseWriter, r *http.Request, cur string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.apiKey {
		apiError(w, http.StatusUnauthorized, "authentication_error", "invalid API key")
		return
	}
	base := strings.ToUpper(cur)
	ds := s.dates()
	if len(ds) == 0 {
		apiError(w, http.StatusNotFound, "invalid_request_error", "no rates published")
		return
	}
	day := ds[0]
	if q := r.URL.Query().Get("date"); q != "" {
		if _, err := time.Parse(time.DateOnly, q); err != nil {
			apiError(w, http.StatusBadRequest, "invalid_request_error", "date must be YYYY-MM-DD")
			return
		}
		day = ""
		for _, d := range ds {
			if d <= q {
				day = d
				break
			}
		}
		if day == "" {
			apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("no rates published on or before %s", q))
			return
		}
	}
	rates := s.days[day]
	rateOf := func(c string) (*big.Rat, bool) {
		if c == "EUR" {
			return big.NewRat(1, 1), true
		}
		v, ok := rates[c]
		if !ok {
			return nil, false
		}
		x, ok := new(big.Rat).SetString(v)
		return x, ok
	}
	rb, ok := rateOf(base)
	if !ok {
		apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("no exchange rate for currency %s on %s", base, day))
		return
	}
	quotes := []string{"EUR"}
	for c := range rates {
		quotes = append(quotes, c)
	}
	if q := r.URL.Query().Get("quotes"); q != "" {
		quotes = strings.Split(strings.ToUpper(q), ",")
	}
	out := map[string]string{}
	for _, q := range quotes {
		if q == base {
			continue
		}
		rq, ok := rateOf(q)
		if !ok {
			apiError(w, http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("no exchange rate for currency %s on %s", q, day))
			return
		}
		out[strings.ToLower(q)] = trimZeros(new(big.Rat).Quo(rq, rb).FloatString(20))
	}
	b, _ := json.Marshal(map[string]any{"id": strings.ToLower(base), "object": "exchange_rate", "date": day, "source": "ECB", "rates": out})
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"type": typ, "message": msg}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// Stall makes every request hang until release is called (or the client
// gives up), so that tests can check that cancelled calls return promptly.
func (s *Server) Stall() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.stall = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.stall == ch {
				s.stall = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}
