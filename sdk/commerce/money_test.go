package commerce

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestMoneyArithmetic(t *testing.T) {
	t.Parallel()
	a := MustMoney("10.10", "EUR")
	b := MustMoney("0.20", "EUR")
	sum, err := a.Add(b)
	if err != nil || sum.String() != "10.30 EUR" {
		t.Fatalf("Add = %v, %v; want 10.30 EUR", sum, err)
	}
	diff, err := b.Sub(a)
	if err != nil || diff.String() != "-9.90 EUR" {
		t.Fatalf("Sub = %v, %v; want -9.90 EUR", diff, err)
	}
	if got := MustMoney("19.99", "USD").MulInt(3).String(); got != "59.97 USD" {
		t.Fatalf("MulInt = %s", got)
	}
	if !MustMoney("1.5", "EUR").Equal(MustMoney("1.50", "EUR")) {
		t.Fatal("1.5 EUR should equal 1.50 EUR")
	}
	if MustMoney("1.5", "EUR").Equal(MustMoney("1.5", "USD")) {
		t.Fatal("EUR should not equal USD")
	}
	if got := FromMinor(1234, "JPY").String(); got != "1234 JPY" {
		t.Fatalf("FromMinor JPY = %s", got)
	}
	if got := FromMinor(1234, "KWD").String(); got != "1.234 KWD" {
		t.Fatalf("FromMinor KWD = %s", got)
	}
	if got := MustMoney("12.345", "EUR").Minor(); got != 1234 {
		t.Fatalf("Minor half-even of 12.345 = %d, want 1234", got)
	}
}

func TestMoneyCurrencyMismatch(t *testing.T) {
	t.Parallel()
	eur, usd := MustMoney("1", "EUR"), MustMoney("1", "USD")
	ops := map[string]func() error{
		"add": func() error { _, err := eur.Add(usd); return err },
		"sub": func() error { _, err := eur.Sub(usd); return err },
		"cmp": func() error { _, err := eur.Cmp(usd); return err },
		"sum": func() error { _, err := Sum("EUR", eur, usd); return err },
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			err := op()
			if !errors.Is(err, ErrCurrencyMismatch) {
				t.Fatalf("err = %v, want ErrCurrencyMismatch", err)
			}
			if !strings.Contains(err.Error(), "EUR") || !strings.Contains(err.Error(), "USD") {
				t.Fatalf("error %q should name both currencies", err)
			}
		})
	}
}

func TestMoneyRound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount string
		cur    Currency
		mode   RoundingMode
		want   string
	}{
		{"2.345", "EUR", RoundHalfEven, "2.34"},
		{"2.355", "EUR", RoundHalfEven, "2.36"},
		{"2.345", "EUR", RoundHalfUp, "2.35"},
		{"-2.345", "EUR", RoundHalfUp, "-2.35"},
		{"2.349", "EUR", RoundDown, "2.34"},
		{"-2.349", "EUR", RoundDown, "-2.34"},
		{"2.341", "EUR", RoundUp, "2.35"},
		{"-2.341", "EUR", RoundUp, "-2.35"},
		{"359702.5", "KRW", RoundHalfUp, "359703"},
		{"359702.5", "KRW", RoundHalfEven, "359702"},
		{"1.2345", "KWD", RoundHalfEven, "1.234"},
		{"149.7", "ISK", RoundHalfEven, "150"},
	}
	for _, tt := range tests {
		t.Run(tt.amount+string(tt.cur)+tt.mode.String(), func(t *testing.T) {
			got := MustMoney(tt.amount, tt.cur).Round(tt.mode)
			if got.Amount.String() != tt.want {
				t.Fatalf("Round(%s %s, %s) = %s, want %s", tt.amount, tt.cur, tt.mode, got.Amount, tt.want)
			}
		})
	}
}

func TestParseRoundingMode(t *testing.T) {
	t.Parallel()
	for _, m := range []RoundingMode{RoundHalfEven, RoundHalfUp, RoundDown, RoundUp} {
		got, err := ParseRoundingMode(m.String())
		if err != nil || got != m {
			t.Fatalf("ParseRoundingMode(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseRoundingMode("bankers"); err == nil {
		t.Fatal("want error for unknown mode")
	}
}

func TestMoneyAllocate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		amount  string
		cur     Currency
		weights []string
		want    []string
	}{
		{"thirds", "10.00", "EUR", []string{"1", "1", "1"}, []string{"3.34", "3.33", "3.33"}},
		{"proportional", "5.00", "USD", []string{"30", "10"}, []string{"3.75", "1.25"}},
		{"negative", "-10.00", "EUR", []string{"1", "1", "1"}, []string{"-3.34", "-3.33", "-3.33"}},
		{"yen", "100", "JPY", []string{"1", "2"}, []string{"33", "67"}},
		{"zero weight", "1.00", "EUR", []string{"0", "1"}, []string{"0", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := make([]decimal.Decimal, len(tt.weights))
			for i, w := range tt.weights {
				ws[i] = decimal.RequireFromString(w)
			}
			parts, err := MustMoney(tt.amount, tt.cur).Allocate(ws)
			if err != nil {
				t.Fatal(err)
			}
			total := Zero(tt.cur)
			for i, p := range parts {
				if !p.Amount.Equal(decimal.RequireFromString(tt.want[i])) {
					t.Errorf("part %d = %s, want %s", i, p.Amount, tt.want[i])
				}
				total, _ = total.Add(p)
			}
			if !total.Amount.Equal(decimal.RequireFromString(tt.amount)) {
				t.Errorf("parts add up to %s, want %s", total.Amount, tt.amount)
			}
		})
	}
	if _, err := MustMoney("1", "EUR").Allocate(nil); err == nil {
		t.Error("want error for no weights")
	}
	if _, err := MustMoney("1", "EUR").Allocate([]decimal.Decimal{decimal.Zero}); err == nil {
		t.Error("want error for zero total weight")
	}
	if _, err := MustMoney("1", "EUR").Allocate([]decimal.Decimal{decimal.NewFromInt(-1), decimal.NewFromInt(2)}); err == nil {
		t.Error("want error for negative weight")
	}
}

func TestMoneyJSON(t *testing.T) {
	t.Parallel()
	m := MustMoney("12.30", "EUR")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"amount":"12.3","currency":"EUR"}` && string(b) != `{"amount":"12.30","currency":"EUR"}` {
		t.Fatalf("Marshal = %s", b)
	}
	var back Money
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(m) {
		t.Fatalf("round trip = %v, %v", back, err)
	}
	bad := map[string]string{
		"number amount":  `{"amount": 12.3, "currency": "EUR"}`,
		"null amount":    `{"amount": null, "currency": "EUR"}`,
		"missing amount": `{"currency": "EUR"}`,
		"not a decimal":  `{"amount": "12,30", "currency": "EUR"}`,
		"unknown field":  `{"amount": "1", "currency": "EUR", "cents": 100}`,
		"not an object":  `"12.30 EUR"`,
		"exponent":       `{"amount": "1e400000000000", "currency": "EUR"}`,
		"too long":       `{"amount": "1234567890123456789012345678901234567890.5", "currency": "EUR"}`,
		"leading dot":    `{"amount": ".5", "currency": "EUR"}`,
		"trailing dot":   `{"amount": "5.", "currency": "EUR"}`,
		"plus sign":      `{"amount": "+5", "currency": "EUR"}`,
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			var m Money
			err := json.Unmarshal([]byte(in), &m)
			if err == nil {
				t.Fatalf("Unmarshal(%s) succeeded with %v", in, m)
			}
		})
	}
}

func TestNewMoneyErrors(t *testing.T) {
	t.Parallel()
	if _, err := NewMoney("abc", "EUR"); err == nil || !strings.Contains(err.Error(), `"abc"`) {
		t.Fatalf("err = %v, want one naming the amount", err)
	}
	if _, err := NewMoney("1", "XXY"); err == nil || !strings.Contains(err.Error(), "XXY") {
		t.Fatalf("err = %v, want one naming the currency", err)
	}
	if _, err := ParseCurrency("eur"); err != nil {
		t.Fatalf("ParseCurrency(eur) = %v", err)
	}
	if _, err := ParseCurrency("XAU"); err == nil {
		t.Fatal("gold has no minor units and cannot hold money")
	}
}

func TestFXRateConvert(t *testing.T) {
	t.Parallel()
	d, _ := ParseDate("2023-04-06")
	gbp := FXRate{Base: "EUR", Quote: "GBP", Rate: decimal.RequireFromString("0.87495"), Date: d, Source: "ECB"}
	got, err := gbp.Convert(MustMoney("100.00", "EUR"), RoundHalfEven)
	if err != nil || got.String() != "87.50 GBP" {
		t.Fatalf("Convert = %v, %v; want 87.50 GBP", got, err)
	}
	krw := FXRate{Base: "EUR", Quote: "KRW", Rate: decimal.RequireFromString("1438.81"), Date: d}
	up, _ := krw.Convert(MustMoney("250.00", "EUR"), RoundHalfUp)
	even, _ := krw.Convert(MustMoney("250.00", "EUR"), RoundHalfEven)
	if up.String() != "359703 KRW" || even.String() != "359702 KRW" {
		t.Fatalf("KRW half-up %s, half-even %s; want 359703 and 359702", up, even)
	}
	if _, err := gbp.Convert(MustMoney("1", "USD"), RoundHalfEven); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("converting USD with a EUR rate: err = %v", err)
	}
	inv := gbp.Inverse()
	back, _ := inv.Convert(got, RoundHalfEven)
	if back.String() != "100.00 EUR" && back.String() != "100.01 EUR" {
		t.Fatalf("inverse round trip = %s", back)
	}
	if err := (&FXRate{Base: "EUR", Quote: "ZZZ"}).Validate(); err == nil || !strings.Contains(err.Error(), "quote") {
		t.Fatalf("Validate = %v", err)
	}
}

// TestCurrencyTableMatchesISO compares the built-in table with ISO 4217
// list one as shipped in the shared fixtures.
func TestCurrencyTableMatchesISO(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../../../shared/fixtures/fx/iso4217-minor-units.csv")
	if os.IsNotExist(err) {
		t.Skip("../shared/fixtures/fx/iso4217-minor-units.csv is absent: clone the shared fixtures beside the repository to run this check")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		code, minor := Currency(r[0]), r[2]
		want := -1
		if n, err := strconv.Atoi(minor); err == nil {
			want = n
		}
		if got := code.MinorUnits(); got != want {
			t.Errorf("%s minor units = %d, ISO says %s", code, got, minor)
		}
	}
	if len(currencyTable) != len(rows)-1 {
		t.Errorf("table has %d codes, ISO list %d", len(currencyTable), len(rows)-1)
	}
}

func FuzzMoneyUnmarshal(f *testing.F) {
	for _, s := range []string{`{"amount":"1.23","currency":"EUR"}`, `{"amount":1}`, `{}`, `null`, `{"amount":"-0","currency":"JPY"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var m Money
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal of decoded %q: %v", s, err)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-decode of %s: %v", b, err)
		}
		if !back.Amount.Equal(m.Amount) || back.Currency != m.Currency {
			t.Fatalf("round trip changed %v to %v", m, back)
		}
	})
}

// FuzzScanMoneyAgreesWithDecoder checks the hand-written fast path against
// encoding/json: whatever scanMoney accepts, the general decoder reads the
// same way.
func FuzzScanMoneyAgreesWithDecoder(f *testing.F) {
	for _, s := range []string{`{"amount":"1.23","currency":"EUR"}`, ` { "currency" : "JPY" , "amount" : "-5" } `,
		`{"amount":"1","amount":"2"}`, `{"amount":"1","currency":"EUR","x":1}`, `{"amount":"1\u0030","currency":"EUR"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		amount, cur, ok := scanMoney([]byte(s))
		if !ok {
			return
		}
		var raw struct {
			Amount   *string `json:"amount"`
			Currency *string `json:"currency"`
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json rejects it: %v", s, err)
		}
		if raw.Amount == nil || raw.Currency == nil || *raw.Amount != amount || *raw.Currency != cur {
			t.Fatalf("fast path read %q as (%q, %q), encoding/json as %v", s, amount, cur, raw)
		}
	})
}
