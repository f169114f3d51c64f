package fx

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// ExchangeRate is the rates API shape: Stripe's ExchangeRate object
// (GET /v1/exchange_rates/{currency}: "id" is the lowercase base currency,
// "object" is "exchange_rate", "rates" maps lowercase currencies to what one
// unit of the base buys), with two changes so that a settlement system can
// book with it: rates are decimal strings, never JSON numbers, and "date"
// and "source" say which publication the rates come from. A
// payment provider's settlement currency converts with it as
// amount × rates[settlement].
type ExchangeRate struct {
	Base   commerce.Currency
	Date   commerce.Date
	Source string
	Rates  map[commerce.Currency]decimal.Decimal
}

type exchangeRateJSON struct {
	ID     string            `json:"id"`
	Object string            `json:"object"`
	Date   commerce.Date     `json:"date"`
	Source string            `json:"source,omitempty"`
	Rates  map[string]string `json:"rates"`
}

type apiError struct {
	Error struct {
		Type    string `json:"type"`
		Code    string `json:"code,omitempty"`
		Message string `json:"message"`
		Param   string `json:"param,omitempty"`
	} `json:"error"`
}

// MarshalJSON writes the rates API shape.
func (e ExchangeRate) MarshalJSON() ([]byte, error) {
	j := exchangeRateJSON{ID: strings.ToLower(string(e.Base)), Object: "exchange_rate", Date: e.Date, Source: e.Source,
		Rates: make(map[string]string, len(e.Rates))}
	for c, r := range e.Rates {
		j.Rates[strings.ToLower(string(c))] = r.String()
	}
	return json.Marshal(j)
}

// ParseExchangeRate reads the rates API shape strictly: rates must be
// positive decimal strings (a JSON number would have passed through a float)
// and currencies ISO 4217 codes.
func ParseExchangeRate(b []byte) (*ExchangeRate, error) {
	var j struct {
		ID     string                     `json:"id"`
		Object string                     `json:"object"`
		Date   commerce.Date              `json:"date"`
		Source string                     `json:"source"`
		Rates  map[string]json.RawMessage `json:"rates"`
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("fx: exchange_rate: %w", err)
	}
	if j.Object != "exchange_rate" {
		return nil, fmt.Errorf("fx: exchange_rate: object is %q, want \"exchange_rate\"", clip(j.Object))
	}
	base, err := commerce.ParseCurrency(j.ID)
	if err != nil {
		return nil, fmt.Errorf("fx: exchange_rate: id: %w", err)
	}
	if j.Date.IsZero() {
		return nil, errors.New("fx: exchange_rate: date is missing; the API must say which publication day it used")
	}
	e := &ExchangeRate{Base: base, Date: j.Date, Source: j.Source, Rates: make(map[commerce.Currency]decimal.Decimal, len(j.Rates))}
	for k, raw := range j.Rates {
		c, err := commerce.ParseCurrency(k)
		if err != nil {
			return nil, fmt.Errorf("fx: exchange_rate: rates: %w", err)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("fx: exchange_rate: rates.%s must be a decimal string such as \"0.9162\", not %s", k, clip(string(raw)))
		}
		r, err := commerce.ParseAmount(s)
		if err != nil || !r.IsPositive() {
			return nil, fmt.Errorf("fx: exchange_rate: rates.%s %q is not a positive decimal", k, clip(s))
		}
		e.Rates[c] = r
	}
	return e, nil
}

// RatesAPIHandler serves the rates API shape from any FX capability (this
// connector in-process, or a plugin through the host) with the given
// connection configuration:
//
//	GET /v1/exchange_rates/{currency}[?date=YYYY-MM-DD][&quotes=eur,gbp]
//
// Errors use Stripe's envelope {"error": {"type": "invalid_request_error",
// "message": ...}} with status 400 (bad input, unknown currency, date out of
// range) or 502 (the upstream failed).
func RatesAPIHandler(fx sdk.FX, config json.RawMessage) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writeAPIError(w, http.StatusMethodNotAllowed, "invalid_request_error", "use GET")
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, "/v1/exchange_rates/")
		if !ok || rest == "" || strings.Contains(rest, "/") {
			writeAPIError(w, http.StatusNotFound, "invalid_request_error", "unknown path: use /v1/exchange_rates/{currency}")
			return
		}
		base, err := commerce.ParseCurrency(rest)
		if err != nil {
			writeAPIError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
			return
		}
		req := sdk.FXRequest{Config: config, Base: base}
		if d := r.URL.Query().Get("date"); d != "" {
			if req.Date, err = commerce.ParseDate(d); err != nil {
				writeAPIError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
				return
			}
		}
		if q := r.URL.Query().Get("quotes"); q != "" {
			for _, s := range strings.Split(q, ",") {
				c, err := commerce.ParseCurrency(s)
				if err != nil {
					writeAPIError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
					return
				}
				req.Quotes = append(req.Quotes, c)
			}
		}
		resp, err := fx.Rates(r.Context(), req)
		if err != nil {
			status := http.StatusBadGateway
			if sdk.KindOf(err) == sdk.KindInvalidInput {
				status = http.StatusBadRequest
			}
			writeAPIError(w, status, "invalid_request_error", err.Error())
			return
		}
		out := ExchangeRate{Base: base, Rates: map[commerce.Currency]decimal.Decimal{}}
		for _, fr := range resp.Rates {
			out.Rates[fr.Quote] = fr.Rate
			out.Date, out.Source = fr.Date, fr.Source
		}
		b, err := json.Marshal(out)
		if err != nil {
			writeAPIError(w, http.StatusInternalServerError, "api_error", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
}

func writeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	var e apiError
	e.Error.Type, e.Error.Message = typ, msg
	b, _ := json.Marshal(e)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
