package amazon

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Report types the connector requests.
const (
	// ReportOrders lists orders by last update, one row per item.
	ReportOrders = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
	// ReportFBAInventory lists FBA inventory per SKU.
	ReportFBAInventory = "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA"
)

// Report processing statuses.
const (
	reportInQueue    = "IN_QUEUE"
	reportInProgress = "IN_PROGRESS"
	reportDone       = "DONE"
	reportCancelled  = "CANCELLED"
	reportFatal      = "FATAL"
)

// reportInfo is getReport's answer.
type reportInfo struct {
	ReportID          string   `json:"reportId"`
	ReportType        string   `json:"reportType"`
	ProcessingStatus  string   `json:"processingStatus"`
	ReportDocumentID  string   `json:"reportDocumentId"`
	MarketplaceIDs    []string `json:"marketplaceIds"`
	DataStartTime     string   `json:"dataStartTime"`
	DataEndTime       string   `json:"dataEndTime"`
	CreatedTime       string   `json:"createdTime"`
	ProcessingEndTime string   `json:"processingEndTime"`
}

// snapshot is the time the report's data describes: its dataEndTime, or
// when it finished processing.
func (r *reportInfo) snapshot() time.Time {
	for _, s := range []string{r.DataEndTime, r.ProcessingEndTime, r.CreatedTime} {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

type reportDocument struct {
	ReportDocumentID     string `json:"reportDocumentId"`
	URL                  string `json:"url"`
	CompressionAlgorithm string `json:"compressionAlgorithm"`
}

// createReport requests a report and returns its id.
func (cl *client) createReport(ctx context.Context, reportType string, from, to time.Time, marketplaceIDs []string) (string, error) {
	body := map[string]any{"reportType": reportType, "marketplaceIds": marketplaceIDs}
	if !from.IsZero() {
		body["dataStartTime"] = from.UTC().Format(time.RFC3339)
	}
	if !to.IsZero() {
		body["dataEndTime"] = to.UTC().Format(time.RFC3339)
	}
	res, err := cl.call(ctx, opCreateReport, opCreateReport.path(), nil, body)
	if err != nil {
		return "", err
	}
	var out struct {
		ReportID string `json:"reportId"`
	}
	if err := json.Unmarshal(res.Body, &out); err != nil || out.ReportID == "" {
		return "", sdk.Retryable(fmt.Errorf("no reportId in %s", snippet(res.Body)), "amazon: createReport: malformed answer")
	}
	return out.ReportID, nil
}

// waitReport polls getReport until the report is processed, backing off
// from the connector's poll interval to 30 s between polls. progress is
// told each status.
func (cl *client) waitReport(ctx context.Context, id string, progress func(status string)) (*reportInfo, error) {
	delay := cl.c.reportPoll
	for {
		var r reportInfo
		if _, err := cl.getJSON(ctx, opGetReport, opGetReport.path(id), nil, &r); err != nil {
			return nil, fmt.Errorf("amazon: report %s: %w", id, err)
		}
		switch r.ProcessingStatus {
		case reportDone, reportCancelled, reportFatal:
			return &r, nil
		case reportInQueue, reportInProgress:
		default:
			return nil, sdk.Retryable(fmt.Errorf("unknown processingStatus %q", r.ProcessingStatus), "amazon: report %s", id)
		}
		progress(r.ProcessingStatus)
		if err := cl.c.sleep(ctx, delay); err != nil {
			return nil, err
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// openDocument asks for a report document's pre-signed URL and opens it,
// decompressed and decoded to UTF-8. The URL expires after five minutes,
// so a resumed read asks again.
func (cl *client) openDocument(ctx context.Context, docID string) (io.ReadCloser, error) {
	var doc reportDocument
	if _, err := cl.getJSON(ctx, opGetReportDocument, opGetReportDocument.path(docID), nil, &doc); err != nil {
		return nil, err
	}
	if doc.URL == "" {
		return nil, sdk.Retryable(errors.New("no url"), "amazon: getReportDocument %s: malformed answer", docID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, doc.URL, nil)
	if err != nil {
		return nil, sdk.Retryable(err, "amazon: report document %s: bad url", docID)
	}
	// a pre-signed URL: no SP-API headers
	resp, err := cl.dl.Do(req)
	if err != nil {
		return nil, sdk.Retryable(err, "amazon: download report document %s", docID)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		resp.Body.Close()
		return nil, sdk.Retryable(fmt.Errorf("%s: %s", resp.Status, snippet(b)), "amazon: download report document %s", docID).
			WithDetail("the pre-signed URL may have expired; the next attempt asks for a new one")
	}
	var r io.Reader = resp.Body
	closers := []io.Closer{resp.Body}
	switch strings.ToUpper(doc.CompressionAlgorithm) {
	case "":
	case "GZIP":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			resp.Body.Close()
			return nil, sdk.Retryable(err, "amazon: report document %s is not gzip although compressionAlgorithm is GZIP", docID)
		}
		r = zr
		closers = append(closers, zr)
	default:
		resp.Body.Close()
		return nil, sdk.InvalidInput("amazon: report document %s: compressionAlgorithm %q is not supported", docID, doc.CompressionAlgorithm)
	}
	r, err = decodeCharset(r, resp.Header.Get("Content-Type"))
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	return &multiCloser{Reader: r, closers: closers}, nil
}

type multiCloser struct {
	io.Reader
	closers []io.Closer
}

func (m *multiCloser) Close() error {
	var err error
	for i := len(m.closers) - 1; i >= 0; i-- {
		err = errors.Join(err, m.closers[i].Close())
	}
	return err
}

// decodeCharset decodes a flat file to UTF-8 by the charset of its
// Content-Type: UTF-8 (the default), ISO-8859-1 or windows-1252 (some EU
// flat files). Other charsets (Shift_JIS in Japan) are refused with a
// clear error rather than read as garbage.
func decodeCharset(r io.Reader, contentType string) (io.Reader, error) {
	cs := ""
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		cs = strings.ToLower(params["charset"])
	}
	switch cs {
	case "", "utf-8", "utf8", "us-ascii":
		return r, nil
	case "iso-8859-1", "latin1", "iso8859-1":
		return &latin1Reader{r: bufio.NewReader(r)}, nil
	case "windows-1252", "cp1252", "x-cp1252":
		return &latin1Reader{r: bufio.NewReader(r), cp1252: true}, nil
	}
	return nil, sdk.InvalidInput("amazon: report document charset %q is not supported", cs).
		WithDetail("the connector reads UTF-8, ISO-8859-1 and windows-1252 flat files; report this marketplace's charset")
}

// cp1252 maps bytes 0x80 to 0x9F of windows-1252; the rest equal ISO-8859-1.
var cp1252 = [32]rune{'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ'}

type latin1Reader struct {
	r      *bufio.Reader
	cp1252 bool
	// buf is what is left of the last character's encoding, in tmp.
	buf []byte
	tmp [utf8.UTFMax]byte
}

// Read fills p with as much as is buffered (not one character per call,
// and without allocating per character), so that a large report is not
// read a few bytes at a time.
func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.buf) > 0 {
			c := copy(p[n:], l.buf)
			l.buf = l.buf[c:]
			n += c
			continue
		}
		if n > 0 && l.r.Buffered() == 0 {
			break // do not block with data in hand
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		r := rune(b)
		if l.cp1252 && b <= 0x9F {
			r = cp1252[b-0x80]
		}
		l.buf = l.tmp[:utf8.EncodeRune(l.tmp[:], r)]
	}
	return n, nil
}

// flatFile reads a tab-separated flat file with a header row.
type flatFile struct {
	sc     *bufio.Scanner
	cols   map[string]int
	header []string
	line   int
}

// errNoHeader is an empty document: a flat file always has a header row,
// so an empty one was cut short, never "no data".
var errNoHeader = errors.New("the document is empty: no header row")

func newFlatFile(r io.Reader) (*flatFile, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	f := &flatFile{sc: sc, cols: map[string]int{}}
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, errNoHeader
	}
	f.line = 1
	head := strings.TrimPrefix(strings.TrimRight(sc.Text(), "\r"), "\ufeff")
	if strings.TrimSpace(head) == "" {
		return nil, errNoHeader
	}
	f.header = strings.Split(head, "\t")
	for i, h := range f.header {
		f.cols[strings.ToLower(strings.TrimSpace(h))] = i
	}
	return f, nil
}

// next returns the next row, nil at the end.
func (f *flatFile) next() (row, error) {
	for f.sc.Scan() {
		f.line++
		s := strings.TrimRight(f.sc.Text(), "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		return row{f: f, vals: strings.Split(s, "\t"), line: f.line}, nil
	}
	return row{}, f.sc.Err()
}

func (f *flatFile) has(col string) bool { _, ok := f.cols[col]; return ok }

type row struct {
	f    *flatFile
	vals []string
	line int
}

func (r row) valid() bool { return r.f != nil }

func (r row) get(col string) string {
	i, ok := r.f.cols[col]
	if !ok || i >= len(r.vals) {
		return ""
	}
	return strings.TrimSpace(r.vals[i])
}

func (r row) int(col string) (int, error) {
	v := r.get(col)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("line %d: %s %q is not a whole number", r.line, col, v)
	}
	return n, nil
}

// ---- orders report

// orderColumns are the columns the orders report must have.
var orderColumns = []string{"amazon-order-id", "purchase-date", "last-updated-date", "order-status", "sales-channel", "sku", "quantity", "currency", "item-price"}

// reportOrders reads the orders flat file, one draft per order (an
// order's rows are consecutive), calling emit for each.
func reportOrders(f *flatFile, emit func(*draft) error) error {
	for _, c := range orderColumns {
		if !f.has(c) {
			return fmt.Errorf("the orders report has no %s column (header: %s)", c, strings.Join(f.header, ", "))
		}
	}
	emitted := map[string]bool{}
	var cur *draft
	flush := func() error {
		if cur == nil {
			return nil
		}
		d := cur
		cur = nil
		emitted[d.id] = true
		return emit(d)
	}
	for {
		r, err := f.next()
		if err != nil {
			return err
		}
		if !r.valid() {
			return flush()
		}
		id := r.get("amazon-order-id")
		if id == "" {
			return fmt.Errorf("line %d has no amazon-order-id", r.line)
		}
		if cur == nil || cur.id != id {
			if err := flush(); err != nil {
				return err
			}
			if emitted[id] {
				return fmt.Errorf("line %d: the rows of order %s are not consecutive", r.line, id)
			}
			cur = &draft{id: id, salesChannel: r.get("sales-channel"), status: normStatus(r.get("order-status")),
				channel: normChannel(r.get("fulfillment-channel")), service: r.get("ship-service-level"), source: "orders report"}
			if m, ok := marketplaceBySalesChannel(cur.salesChannel); ok {
				cur.marketplace = m.ID
			}
			if cur.created, err = parseTime("purchase-date", r.get("purchase-date")); err != nil {
				return fmt.Errorf("line %d: %v", r.line, err)
			}
			if cur.updated, err = parseTime("last-updated-date", r.get("last-updated-date")); err != nil {
				return fmt.Errorf("line %d: %v", r.line, err)
			}
			if city, cc := r.get("ship-city"), r.get("ship-country"); city != "" || cc != "" {
				cur.address = &commerce.Address{City: city, Province: r.get("ship-state"), PostalCode: r.get("ship-postal-code"), CountryCode: strings.ToUpper(cc)}
			}
		}
		if err := cur.useCurrency(fmt.Sprintf("line %d currency", r.line), r.get("currency")); err != nil {
			return err
		}
		qty, err := r.int("quantity")
		if err != nil {
			return err
		}
		l := draftLine{id: id + "/" + r.get("sku"), sku: r.get("sku"), asin: r.get("asin"), title: r.get("product-name"), qty: qty}
		if n := len(cur.lines); n > 0 && cur.lines[n-1].sku == l.sku {
			// the same SKU twice: keep the line ids distinct
			l.id = fmt.Sprintf("%s/%d", l.id, n+1)
		}
		for _, c := range []struct {
			col string
			dst *decimal.Decimal
		}{{"item-price", &l.price}, {"item-tax", &l.tax}, {"shipping-price", &l.ship}, {"shipping-tax", &l.shipTax},
			{"gift-wrap-price", &l.gift}, {"gift-wrap-tax", &l.giftTax}, {"item-promotion-discount", &l.promo}, {"ship-promotion-discount", &l.shipDisc}} {
			v := r.get(c.col)
			if v == "" {
				continue
			}
			d, err := parseAmount(v)
			if err != nil {
				return fmt.Errorf("line %d: %s: %v", r.line, c.col, err)
			}
			*c.dst = d.Abs()
		}
		cur.lines = append(cur.lines, l)
	}
}

// ---- FBA inventory report

var inventoryColumns = []string{"sku", "afn-warehouse-quantity", "afn-fulfillable-quantity", "afn-reserved-quantity"}

// reportInventory reads the FBA inventory flat file of one marketplace.
func reportInventory(f *flatFile, conn, marketplace string, at time.Time, emit func(*commerce.InventoryLevel) error) error {
	for _, c := range inventoryColumns {
		if !f.has(c) {
			return fmt.Errorf("the FBA inventory report has no %s column (header: %s)", c, strings.Join(f.header, ", "))
		}
	}
	for {
		r, err := f.next()
		if err != nil {
			return err
		}
		if !r.valid() {
			return nil
		}
		sku := r.get("sku")
		if sku == "" {
			return fmt.Errorf("line %d has no sku", r.line)
		}
		var n [7]int
		for i, c := range []string{"afn-warehouse-quantity", "afn-fulfillable-quantity", "afn-reserved-quantity",
			"afn-inbound-working-quantity", "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity", "afn-unsellable-quantity"} {
			if n[i], err = r.int(c); err != nil {
				return err
			}
		}
		if err := emit(fbaLevel(conn, marketplace, sku, at, n[1], n[2], n[0], n[3]+n[4]+n[5])); err != nil {
			return err
		}
	}
}

// fbaLocation is the location id of a marketplace's FBA stock.
func fbaLocation(marketplace string) string { return "FBA/" + marketplace }

// fbaLevel builds the InventoryLevel of one SKU's FBA stock.
func fbaLevel(conn, marketplace, sku string, at time.Time, fulfillable, reserved, onHand, inbound int) *commerce.InventoryLevel {
	loc := fbaLocation(marketplace)
	return &commerce.InventoryLevel{
		Meta:       commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: loc + "/" + sku}, UpdatedAt: at},
		SKU:        sku,
		LocationID: loc,
		OnHand:     onHand,
		Committed:  max(reserved, 0),
		Available:  fulfillable,
		Incoming:   max(inbound, 0),
	}
}
