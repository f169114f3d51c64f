package amazontest

import (
	"bytes"
	"compress/gzip"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Report types the fake produces.
const (
	ReportOrders       = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
	ReportFBAInventory = "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA"
)

type report struct {
	id, typ, docID     string
	markets            []string
	from, to           time.Time
	created            time.Time
	rows               int
	doc                []byte // gzipped
	fatal, empty, done bool
	// built is set once the document is rendered (in the background, as
	// Amazon answers createReport at once)
	built bool
}

// status is the report's processing status now.
func (s *Server) statusLocked(rp *report) string {
	el := time.Since(rp.created)
	switch {
	case el < s.opts.ReportDelay/2:
		return "IN_QUEUE"
	case el < s.opts.ReportDelay || !rp.built:
		return "IN_PROGRESS"
	case rp.fatal:
		return "FATAL"
	case rp.rows == 0:
		return "CANCELLED" // Amazon cancels a report without data
	}
	return "DONE"
}

var orderHeader = []string{"amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status", "fulfillment-channel",
	"sales-channel", "order-channel", "url", "ship-service-level", "product-name", "sku", "asin", "item-status", "quantity", "currency",
	"item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount",
	"ship-promotion-discount", "ship-city", "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
	"purchase-order-number", "price-designation"}

var inventoryHeader = []string{"sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists", "mfn-fulfillable-quantity",
	"afn-listing-exists", "afn-warehouse-quantity", "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity",
	"afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity", "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity",
	"afn-researching-quantity", "afn-reserved-future-supply", "afn-future-supply-buyable"}

func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// buildLocked renders the report's document as it is now (a snapshot).
func (s *Server) buildLocked(rp *report) {
	var b bytes.Buffer
	row := func(cols []string) {
		b.WriteString(strings.Join(cols, "\t"))
		b.WriteByte('\n')
	}
	switch rp.typ {
	case ReportOrders:
		row(orderHeader)
		mps := map[string]bool{}
		for _, m := range rp.markets {
			mps[m] = true
		}
		for _, o := range s.data.sortedOrders() {
			if !mps[o.market] || o.updated.Before(rp.from) || o.updated.After(rp.to) {
				continue
			}
			m := fakeMarkets[o.market]
			channel := "Merchant"
			if o.channel == "AFN" {
				channel = "Amazon"
			}
			status := o.status
			if status == StatusCanceled {
				status = "Cancelled"
			}
			city, postal, country := o.city, o.postal, m.country
			if o.status == StatusPending {
				city, postal, country = "", "", ""
			}
			for _, it := range o.items {
				price, tax, ship, shipTax, promo := o.amounts(it)
				itemStatus := "Unshipped"
				switch {
				case o.status == StatusCanceled:
					itemStatus = "Cancelled"
				case it.shipped == it.qty:
					itemStatus = "Shipped"
				}
				row([]string{o.id, "", reportTime(o.created), reportTime(o.updated), status, channel, m.channel, "", "", o.service, it.title, it.sku,
					it.asin, itemStatus, fmt.Sprint(it.qty), m.currency, money(m, price), money(m, tax), money(m, ship), money(m, shipTax), "", "",
					money(m, promo), "0.00", city, "", postal, country, "", "false", "", ""})
			}
			rp.rows++
		}
	case ReportFBAInventory:
		row(inventoryHeader)
		mp := rp.markets[0]
		for _, k := range s.data.skus {
			f := s.data.stock[mp][k.sku]
			if f == nil {
				continue
			}
			m := fakeMarkets[mp]
			row([]string{k.sku, k.fnsku, k.asin, k.title, "New", money(m, k.price[m.currency]), "No", "", "Yes",
				fmt.Sprint(f.fulfillable + f.reserved() + f.researching + f.unfulfillable), fmt.Sprint(f.fulfillable), fmt.Sprint(f.unfulfillable),
				fmt.Sprint(f.reserved()), fmt.Sprint(f.total()), "0.50", fmt.Sprint(f.working), fmt.Sprint(f.shipped), fmt.Sprint(f.receiving),
				fmt.Sprint(f.researching), "0", "0"})
			rp.rows++
		}
	}
	text := encodeCharset(b.Bytes(), s.opts.ReportCharset)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write(text)
	_ = zw.Close()
	rp.doc = z.Bytes()
}

// encodeCharset encodes UTF-8 text as ISO-8859-1 or windows-1252 ('?' for
// what they cannot hold).
func encodeCharset(b []byte, cs string) []byte {
	cs = strings.ToLower(cs)
	if cs == "" || cs == "utf-8" {
		return b
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		switch {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			out = append(out, byte(r))
		case r == '€' && cs == "windows-1252":
			out = append(out, 0x80)
		default:
			out = append(out, '?')
		}
	}
	return out
}

func (s *Server) createReport(w http.ResponseWriter, r *http.Request, _ []string) {
	var body struct {
		ReportType     string   `json:"reportType"`
		MarketplaceIDs []string `json:"marketplaceIds"`
		DataStartTime  string   `json:"dataStartTime"`
		DataEndTime    string   `json:"dataEndTime"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		apiError(w, http.StatusBadRequest, "InvalidInput", "Malformed request body", err.Error())
		return
	}
	if len(body.MarketplaceIDs) == 0 {
		apiError(w, http.StatusBadRequest, "InvalidInput", "marketplaceIds is required", "")
		return
	}
	for _, m := range body.MarketplaceIDs {
		if !contains(s.opts.Marketplaces, m) {
			apiError(w, http.StatusBadRequest, "InvalidInput", "Invalid marketplaceId: "+m, "")
			return
		}
	}
	now := s.opts.Clock()
	rp := &report{typ: body.ReportType, markets: body.MarketplaceIDs, from: now.Add(-30 * 24 * time.Hour), to: now, created: time.Now()}
	switch body.ReportType {
	case ReportOrders:
	case ReportFBAInventory:
		if len(body.MarketplaceIDs) != 1 {
			apiError(w, http.StatusBadRequest, "InvalidInput", "This report type accepts one marketplace", "")
			return
		}
	default:
		apiError(w, http.StatusBadRequest, "InvalidInput", "Report type "+body.ReportType+" is not supported by the fake", "")
		return
	}
	for _, f := range []struct {
		v   string
		dst *time.Time
	}{{body.DataStartTime, &rp.from}, {body.DataEndTime, &rp.to}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, f.v)
		if err != nil {
			apiError(w, http.StatusBadRequest, "InvalidInput", "dataStartTime and dataEndTime must be ISO 8601", "")
			return
		}
		*f.dst = t
	}
	if rp.to.Before(rp.from) {
		apiError(w, http.StatusBadRequest, "InvalidInput", "dataEndTime is before dataStartTime", "")
		return
	}
	f := s.Faults()
	s.mu.Lock()
	s.reportN++
	rp.id = fmt.Sprint(54517018500 + s.reportN)
	rp.docID = fmt.Sprintf("amzn1.spdoc.1.4.eu.%08x-0000-4e5f-9a8b-%012x.T3FAKE%d.2500", s.reportN, s.rng.Uint64()&0xffffffffffff, s.reportN)
	rp.fatal, rp.empty = f.ReportFatal, f.ReportEmptyDocument
	s.reports[rp.id] = rp
	s.mu.Unlock()
	s.stats.reports.Add(1)
	go func() {
		s.mu.Lock()
		s.buildLocked(rp)
		rp.built = true
		s.mu.Unlock()
		time.AfterFunc(s.opts.ReportDelay, func() { s.finishReport(rp) })
	}()
	writeJSON(w, http.StatusAccepted, map[string]any{"reportId": rp.id})
}

// finishReport enqueues REPORT_PROCESSING_FINISHED.
func (s *Server) finishReport(rp *report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp.done {
		return
	}
	rp.done = true
	status := "DONE"
	switch {
	case rp.fatal:
		status = "FATAL"
	case rp.rows == 0:
		status = "CANCELLED"
	}
	payload := map[string]any{"sellerId": s.opts.SellerID, "accountId": "amzn1.merchant.o." + s.opts.SellerID, "reportId": rp.id,
		"reportType": rp.typ, "processingStatus": status}
	if status == "DONE" {
		payload["reportDocumentId"] = rp.docID
	}
	now := s.opts.Clock()
	s.notifyLocked(map[string]any{
		"notificationVersion": "2020-09-04", "notificationType": "REPORT_PROCESSING_FINISHED", "payloadVersion": "2020-09-04",
		"eventTime": now.UTC().Format("2006-01-02T15:04:05.000Z"),
		"payload":   map[string]any{"reportProcessingFinishedNotification": payload},
		"notificationMetadata": map[string]any{"applicationId": "amzn1.sellerapps.app.fake", "subscriptionId": "fake-reports",
			"publishTime": now.UTC().Format("2006-01-02T15:04:05.000Z"), "notificationId": fmt.Sprintf("%016x-report-%s", s.rng.Uint64(), rp.id)},
	})
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request, m []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.reports[m[1]]
	if rp == nil {
		apiError(w, http.StatusNotFound, "NotFound", "Report "+m[1]+" not found", "")
		return
	}
	status := s.statusLocked(rp)
	out := map[string]any{"reportType": rp.typ, "processingStatus": status, "marketplaceIds": rp.markets, "reportId": rp.id,
		"dataStartTime": reportTime(rp.from), "dataEndTime": reportTime(rp.to), "createdTime": reportTime(rp.created)}
	if status != "IN_QUEUE" {
		out["processingStartTime"] = reportTime(rp.created.Add(s.opts.ReportDelay / 2))
	}
	switch status {
	case "DONE":
		out["reportDocumentId"] = rp.docID
		fallthrough
	case "FATAL", "CANCELLED":
		out["processingEndTime"] = reportTime(rp.created.Add(s.opts.ReportDelay))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) signDocument(docID string, expires int64) string {
	mac := hmac.New(sha256.New, []byte(s.opts.AWSSecretAccessKey))
	fmt.Fprintf(mac, "%s|%d", docID, expires)
	return hex.EncodeToString(mac.Sum(nil))
}

func (s *Server) getReportDocument(w http.ResponseWriter, r *http.Request, m []string) {
	s.mu.Lock()
	var rp *report
	for _, x := range s.reports {
		if x.docID == m[1] {
			rp = x
		}
	}
	s.mu.Unlock()
	if rp == nil {
		apiError(w, http.StatusNotFound, "NotFound", "Report document "+m[1]+" not found", "")
		return
	}
	exp := time.Now().Add(5 * time.Minute).Unix()
	u := fmt.Sprintf("%s/report-documents/%s?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=300&X-Amz-Date=%d&X-Amz-Signature=%s",
		s.URL, rp.docID, exp, s.signDocument(rp.docID, exp))
	writeJSON(w, http.StatusOK, map[string]any{"reportDocumentId": rp.docID, "url": u, "compressionAlgorithm": "GZIP"})
}

// serveDocument serves a pre-signed, expiring document URL, as S3 does.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request) {
	docID := strings.TrimPrefix(r.URL.Path, "/report-documents/")
	q := r.URL.Query()
	var exp int64
	fmt.Sscan(q.Get("X-Amz-Date"), &exp)
	if !hmac.Equal([]byte(q.Get("X-Amz-Signature")), []byte(s.signDocument(docID, exp))) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>`)
		return
	}
	if time.Now().Unix() > exp {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`)
		return
	}
	s.mu.Lock()
	var rp *report
	for _, x := range s.reports {
		if x.docID == docID {
			rp = x
		}
	}
	s.mu.Unlock()
	if rp == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	cs := s.opts.ReportCharset
	if cs == "" {
		cs = "UTF-8"
	}
	w.Header().Set("Content-Type", "text/tab-separated-values;charset="+cs)
	if rp.empty {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		_ = zw.Close()
		_, _ = w.Write(z.Bytes())
		return
	}
	_, _ = w.Write(rp.doc)
}
