package fx

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// maxRateLen bounds the text of one rate, so that hostile input such as a
// megabyte of digits cannot exhaust memory.
const maxRateLen = 24

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// ParseXML parses an ECB euro reference rate feed in the XML layout: the daily
// file (eurofxref-daily.xml), the 90-day file (eurofxref-hist-90d.xml) and the
// full history (eurofxref-hist.xml) share it: a gesmes Envelope holding one
// Cube, holding one Cube time='YYYY-MM-DD' per publication day, each holding
// one Cube currency='USD' rate='1.0915' per currency. Elements are matched
// by local name, so namespaces may vary. Days may come in any order (the
// history lists the newest first). Every rate must be a positive plain
// decimal and every currency three capital letters; a day listed twice or a
// currency listed twice in one day is an error.
func ParseXML(r io.Reader) (*Table, error) {
	dec := xml.NewDecoder(r)
	var days []Day
	var day *Day
	depth, cubeDepth := 0, 0 // element depth; depth of the day Cube being read
	sawEnvelope := false
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("fx: ECB XML: %w", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				if el.Name.Local != "Envelope" {
					return nil, fmt.Errorf("fx: ECB XML: root element is <%s>, want a gesmes <Envelope>", clip(el.Name.Local))
				}
				sawEnvelope = true
				continue
			}
			if el.Name.Local != "Cube" {
				continue
			}
			var tm, cur, rate string
			var hasTime, hasCur, hasRate bool
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "time":
					tm, hasTime = a.Value, true
				case "currency":
					cur, hasCur = a.Value, true
				case "rate":
					rate, hasRate = a.Value, true
				}
			}
			switch {
			case hasTime:
				if day != nil {
					return nil, fmt.Errorf("fx: ECB XML: day %s nested in day %s", clip(tm), day.Date)
				}
				date, err := commerce.ParseDate(tm)
				if err != nil {
					return nil, fmt.Errorf("fx: ECB XML: day time=%q is not YYYY-MM-DD", clip(tm))
				}
				day, cubeDepth = &Day{Date: date, Rates: make(map[commerce.Currency]decimal.Decimal, 32)}, depth
			case hasCur || hasRate:
				if day == nil {
					return nil, fmt.Errorf("fx: ECB XML: rate for %q outside a <Cube time=...> day", clip(cur))
				}
				if err := day.add(cur, rate); err != nil {
					return nil, fmt.Errorf("fx: ECB XML: %s: %w", day.Date, err)
				}
			}
		case xml.EndElement:
			if day != nil && depth == cubeDepth {
				if len(day.Rates) == 0 {
					return nil, fmt.Errorf("fx: ECB XML: %s lists no currency", day.Date)
				}
				days = append(days, *day)
				day = nil
			}
			depth--
		}
	}
	if !sawEnvelope || depth != 0 {
		return nil, errors.New("fx: ECB XML: the document is not a complete gesmes Envelope")
	}
	if len(days) == 0 {
		return nil, errors.New("fx: ECB XML: no <Cube time=...> day in the feed; is this an ECB eurofxref file?")
	}
	return NewTable(days)
}

// ParseCSV parses the CSV layout of the ECB history (eurofxref-hist.csv,
// inside eurofxref-hist.zip): a header "Date,USD,JPY,...," naming every
// currency ever published (discontinued ones included), one row per day, N/A
// (or empty) where a currency was not published that day, and a trailing
// comma on every line. Trailing zeros of rates are dropped in this layout
// ("162.8"); values are kept exactly as written.
func ParseCSV(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("fx: ECB CSV: header: %w", err)
	}
	if len(header) < 2 || strings.TrimSpace(strings.TrimPrefix(header[0], "\ufeff")) != "Date" {
		return nil, fmt.Errorf("fx: ECB CSV: header must start with \"Date,\" (got %q)", clip(strings.Join(header, ",")))
	}
	cols := make([]string, len(header))
	for i, h := range header[1:] {
		h = strings.TrimSpace(h)
		if h == "" && i == len(header)-2 {
			continue // the trailing comma
		}
		if !currencyCode.MatchString(h) {
			return nil, fmt.Errorf("fx: ECB CSV: header column %d %q is not a currency code", i+2, clip(h))
		}
		cols[i+1] = h
	}
	var days []Day
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("fx: ECB CSV: line %d: %w", line, err)
		}
		date, err := commerce.ParseDate(strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, fmt.Errorf("fx: ECB CSV: line %d: date %q is not YYYY-MM-DD", line, clip(rec[0]))
		}
		day := Day{Date: date, Rates: make(map[commerce.Currency]decimal.Decimal, len(rec))}
		for i := 1; i < len(rec); i++ {
			v := strings.TrimSpace(rec[i])
			if v == "" || v == "N/A" {
				continue
			}
			if cols[i] == "" {
				return nil, fmt.Errorf("fx: ECB CSV: line %d: value %q in the column after the trailing comma", line, clip(v))
			}
			if err := day.add(cols[i], v); err != nil {
				return nil, fmt.Errorf("fx: ECB CSV: line %d (%s): %w", line, date, err)
			}
		}
		if len(day.Rates) == 0 {
			return nil, fmt.Errorf("fx: ECB CSV: line %d (%s) has no rate", line, date)
		}
		days = append(days, day)
	}
	if len(days) == 0 {
		return nil, errors.New("fx: ECB CSV: no rows after the header")
	}
	return NewTable(days)
}

// maxZipEntry bounds the uncompressed size of the CSV inside the history zip
// (the real file is about 1.6 MB).
const maxZipEntry = 64 << 20

// ParseZip parses eurofxref-hist.zip: the first .csv entry in the archive,
// read with ParseCSV.
func ParseZip(b []byte) (*Table, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("fx: ECB history zip: %w", err)
	}
	for _, f := range zr.File {
		if !strings.HasSuffix(strings.ToLower(f.Name), ".csv") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("fx: ECB history zip: %s: %w", f.Name, err)
		}
		defer rc.Close()
		t, err := ParseCSV(io.LimitReader(rc, maxZipEntry))
		if err != nil {
			return nil, fmt.Errorf("%w (in %s)", err, f.Name)
		}
		return t, nil
	}
	return nil, errors.New("fx: ECB history zip: no .csv file inside")
}

// add parses one currency's rate into the day.
func (d *Day) add(code, rate string) error {
	if !currencyCode.MatchString(code) {
		return fmt.Errorf("currency %q is not three capital letters", clip(code))
	}
	cur := commerce.Currency(code)
	if cur == commerce.Currency("EUR") {
		return errors.New("the feed lists EUR against itself")
	}
	if _, dup := d.Rates[cur]; dup {
		return fmt.Errorf("%s is listed twice", code)
	}
	if len(rate) > maxRateLen {
		return fmt.Errorf("%s rate %q is too long", code, clip(rate))
	}
	r, ok := parseRate(rate)
	if !ok || !r.IsPositive() {
		return fmt.Errorf("%s rate %q is not a positive decimal", code, clip(rate))
	}
	d.Rates[cur] = r
	return nil
}

// parseRate parses a plain unsigned decimal ("1.0915", "162.8") exactly,
// without the general parser's allocations for the common short case.
func parseRate(s string) (decimal.Decimal, bool) {
	var mant int64
	digits, scale, dot := 0, int32(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits == 18 {
				d, err := commerce.ParseAmount(s) // too long for int64: the general parser
				return d, err == nil
			}
			mant = mant*10 + int64(c-'0')
			digits++
			if dot {
				scale++
			}
		case c == '.' && !dot && digits > 0:
			dot = true
		default:
			return decimal.Decimal{}, false
		}
	}
	if digits == 0 || (dot && scale == 0) {
		return decimal.Decimal{}, false
	}
	return decimal.New(mant, -scale), true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
