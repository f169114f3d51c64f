package odoo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Odoo's JSON values: an empty field is false whatever its type; a
// many2one is [id, "display name"]; x2many fields are lists of ids;
// datetimes are "YYYY-MM-DD HH:MM:SS" in UTC, to the second; numbers are
// JSON floats. These types decode them strictly.

var jsonFalse = []byte("false")

func isFalse(b []byte) bool {
	b = bytes.TrimSpace(b)
	return bytes.Equal(b, jsonFalse) || bytes.Equal(b, []byte("null"))
}

// ostr is a char, text or selection field.
type ostr string

func (s *ostr) UnmarshalJSON(b []byte) error {
	if isFalse(b) {
		*s = ""
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("odoo: expected a string or false, got %s", snippet(b))
	}
	*s = ostr(v)
	return nil
}

// m2o is a many2one value.
type m2o struct {
	ID   int64
	Name string
}

func (m *m2o) UnmarshalJSON(b []byte) error {
	if isFalse(b) {
		*m = m2o{}
		return nil
	}
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err == nil && len(pair) == 2 {
		if err := json.Unmarshal(pair[0], &m.ID); err != nil {
			return fmt.Errorf("odoo: many2one id %s is not an integer", snippet(pair[0]))
		}
		var name ostr
		if err := json.Unmarshal(pair[1], &name); err != nil {
			return err
		}
		m.Name = string(name)
		return nil
	}
	// some methods answer a bare id
	var id int64
	if err := json.Unmarshal(b, &id); err == nil {
		*m = m2o{ID: id}
		return nil
	}
	return fmt.Errorf("odoo: expected [id, name] or false for a many2one, got %s", snippet(b))
}

// onum is a float or monetary field, kept as its exact decimal text.
type onum struct{ d decimal.Decimal }

func (n *onum) UnmarshalJSON(b []byte) error {
	if isFalse(b) {
		n.d = decimal.Zero
		return nil
	}
	var num json.Number
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&num); err != nil {
		return fmt.Errorf("odoo: expected a number, got %s", snippet(b))
	}
	d, err := decimal.NewFromString(num.String())
	if err != nil {
		return fmt.Errorf("odoo: number %s: %w", num, err)
	}
	n.d = d
	return nil
}

// Dec returns the value as a decimal.
func (n onum) Dec() decimal.Decimal { return n.d }

// Int returns the value rounded down to a whole number (quantities).
func (n onum) Int() int { return int(n.d.Floor().IntPart()) }

// otime is a datetime field.
type otime struct{ t time.Time }

const odooTime = "2006-01-02 15:04:05"

func (t *otime) UnmarshalJSON(b []byte) error {
	if isFalse(b) {
		t.t = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("odoo: expected a datetime string, got %s", snippet(b))
	}
	v, err := parseTime(s)
	if err != nil {
		return err
	}
	t.t = v
	return nil
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	v, err := time.Parse(odooTime, s)
	if err != nil {
		if v2, err2 := time.Parse(odooTime+".999999", s); err2 == nil {
			return v2.UTC(), nil
		}
		return time.Time{}, fmt.Errorf("odoo: datetime %q is not YYYY-MM-DD HH:MM:SS", s)
	}
	return v.UTC(), nil
}

func formatTime(t time.Time) string { return t.UTC().Format(odooTime) }

// obool is a boolean field.
type obool bool

func (v *obool) UnmarshalJSON(b []byte) error {
	var x bool
	if err := json.Unmarshal(b, &x); err != nil {
		if isFalse(b) {
			*v = false
			return nil
		}
		return fmt.Errorf("odoo: expected a boolean, got %s", snippet(b))
	}
	*v = obool(x)
	return nil
}

// oint is an integer field.
type oint int64

func (v *oint) UnmarshalJSON(b []byte) error {
	if isFalse(b) {
		*v = 0
		return nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return fmt.Errorf("odoo: expected an integer, got %s", snippet(b))
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil {
			return fmt.Errorf("odoo: expected an integer, got %s", n)
		}
		i = int64(f)
	}
	*v = oint(i)
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

// ref formats an Odoo record reference, "model,id", the external ids the
// connector gives records.
func ref(model string, id int64) string { return model + "," + strconv.FormatInt(id, 10) }

// parseRef splits "model,id"; ok is false for another model or a bad id.
func parseRef(s, model string) (int64, bool) {
	m, idText, found := strings.Cut(s, ",")
	if !found || m != model {
		return 0, false
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// latest returns the newest of times.
func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}
