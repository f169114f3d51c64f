package shopifytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// searchQuery is a parsed Shopify search string ("updated_at:>='2026-03-14T10:00:00Z' sku:ABC").
type searchQuery struct {
	updated  timeFilter
	terms    map[string]string // other field:value terms
	warnings []map[string]any
}

// parseSearch parses the subset of Shopify's search syntax the fake
// understands: space-separated field:value terms (AND), with >, >=, <, <=
// for updated_at. Unknown fields become warnings, as on Shopify, which
// ignores them.
func parseSearch(q string, known ...string) (searchQuery, error) {
	sq := searchQuery{terms: map[string]string{}}
	for _, tok := range splitSearch(q) {
		if tok == "AND" {
			continue
		}
		if tok == "OR" || strings.HasPrefix(tok, "-") || strings.HasPrefix(tok, "NOT") {
			sq.warnings = append(sq.warnings, map[string]any{"field": tok, "message": "The Shopify fake supports only AND of field:value terms; this term was ignored."})
			continue
		}
		field, val, ok := strings.Cut(tok, ":")
		if !ok {
			sq.warnings = append(sq.warnings, map[string]any{"field": "default", "message": fmt.Sprintf("Free-text search %q is not supported by the fake and was ignored.", tok)})
			continue
		}
		op := ""
		for _, p := range []string{">=", "<=", ">", "<"} {
			if strings.HasPrefix(val, p) {
				op, val = p, val[len(p):]
				break
			}
		}
		val = strings.Trim(val, `'"`)
		if field == "updated_at" {
			t, err := parseSearchTime(val)
			if err != nil {
				return sq, err
			}
			switch op {
			case ">=":
				sq.updated.lo, sq.updated.loIncl = &t, true
			case ">":
				sq.updated.lo, sq.updated.loIncl = &t, false
			case "<=":
				sq.updated.hi, sq.updated.hiIncl = &t, true
			case "<":
				sq.updated.hi, sq.updated.hiIncl = &t, false
			default:
				end := t.Add(time.Second)
				sq.updated.lo, sq.updated.loIncl = &t, true
				sq.updated.hi, sq.updated.hiIncl = &end, false
			}
			continue
		}
		isKnown := false
		for _, k := range known {
			if k == field {
				isKnown = true
			}
		}
		if !isKnown {
			sq.warnings = append(sq.warnings, map[string]any{"field": field, "message": "Invalid search field for this query."})
			continue
		}
		sq.terms[field] = val
	}
	return sq, nil
}

func splitSearch(q string) []string {
	var out []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			cur.WriteByte(c)
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
			cur.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\n':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func parseSearchTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q in search query: use ISO 8601, e.g. 2026-03-14T10:22:31Z", s)
}

// Cursors look like Shopify's: base64 of {"last_id":…,"last_value":…}.

type cursorData struct {
	LastID    int64  `json:"last_id"`
	LastValue string `json:"last_value"`
}

func encodeCursor(id int64, value string) string {
	b, _ := json.Marshal(cursorData{LastID: id, LastValue: value})
	return base64.StdEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursorData, error) {
	var c cursorData
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawURLEncoding.DecodeString(s); err != nil {
			return c, &fieldError{code: "BAD_REQUEST", msg: "Invalid cursor for current pagination sort."}
		}
	}
	if err := json.Unmarshal(b, &c); err != nil || c.LastID == 0 {
		return c, &fieldError{code: "BAD_REQUEST", msg: "Invalid cursor for current pagination sort."}
	}
	return c, nil
}

const cursorTimeLayout = "2006-01-02 15:04:05.000000"

func idCursor(id int64) string { return encodeCursor(id, strconv.FormatInt(id, 10)) }
