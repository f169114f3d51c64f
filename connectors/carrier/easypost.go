package carrier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// EasyPost wire types: the fields the connector reads, as in the recorded
// exchanges of ../shared/fixtures/carriers (money as strings, parcels in
// inches and ounces as numbers).
type epAddress struct {
	Name    string `json:"name,omitempty"`
	Company string `json:"company,omitempty"`
	Street1 string `json:"street1,omitempty"`
	Street2 string `json:"street2,omitempty"`
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Zip     string `json:"zip,omitempty"`
	Country string `json:"country"`
	Phone   string `json:"phone,omitempty"`
}

type epParcel struct {
	Length json.Number `json:"length,omitempty"`
	Width  json.Number `json:"width,omitempty"`
	Height json.Number `json:"height,omitempty"`
	Weight json.Number `json:"weight"`
}

type epRate struct {
	ID                     string  `json:"id"`
	Carrier                string  `json:"carrier"`
	Service                string  `json:"service"`
	Rate                   string  `json:"rate"`
	Currency               string  `json:"currency"`
	DeliveryDays           *int    `json:"delivery_days"`
	EstDeliveryDays        *int    `json:"est_delivery_days"`
	DeliveryDate           *string `json:"delivery_date"`
	DeliveryDateGuaranteed bool    `json:"delivery_date_guaranteed"`
	ShipmentID             string  `json:"shipment_id"`
	CarrierAccountID       string  `json:"carrier_account_id"`
}

type epMessage struct {
	Carrier          string `json:"carrier"`
	CarrierAccountID string `json:"carrier_account_id"`
	Type             string `json:"type"`
	Message          any    `json:"message"`
}

type epShipment struct {
	ID           string      `json:"id"`
	Rates        []epRate    `json:"rates"`
	Messages     []epMessage `json:"messages"`
	SelectedRate *epRate     `json:"selected_rate"`
	TrackingCode *string     `json:"tracking_code"`
	UpdatedAt    string      `json:"updated_at"`
	PostageLabel *struct {
		ID        string `json:"id"`
		LabelURL  string `json:"label_url"`
		LabelDate string `json:"label_date"`
	} `json:"postage_label"`
	Tracker *epTracker `json:"tracker"`
}

type epTrackingDetail struct {
	Message          string `json:"message"`
	Status           string `json:"status"`
	StatusDetail     string `json:"status_detail"`
	Datetime         string `json:"datetime"`
	TrackingLocation *struct {
		City    *string `json:"city"`
		State   *string `json:"state"`
		Country *string `json:"country"`
		Zip     *string `json:"zip"`
	} `json:"tracking_location"`
}

type epTracker struct {
	ID              string             `json:"id"`
	Object          string             `json:"object"`
	TrackingCode    string             `json:"tracking_code"`
	Status          string             `json:"status"`
	StatusDetail    string             `json:"status_detail"`
	Carrier         string             `json:"carrier"`
	CreatedAt       string             `json:"created_at"`
	UpdatedAt       string             `json:"updated_at"`
	EstDeliveryDate *string            `json:"est_delivery_date"`
	ShipmentID      *string            `json:"shipment_id"`
	PublicURL       string             `json:"public_url"`
	TrackingDetails []epTrackingDetail `json:"tracking_details"`
	CarrierDetail   *struct {
		Service string `json:"service"`
	} `json:"carrier_detail"`
}

func easyPostErrorText(body []byte) (string, string) {
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Errors  []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return "", ""
	}
	msg := env.Error.Message
	for _, fe := range env.Error.Errors {
		msg += "; " + fe.Field + " " + fe.Message
	}
	return env.Error.Code, msg
}

func newEasyPost(acc *APIAccount, key string, hc *httpclient.Client) *api {
	return &api{name: "easypost", base: acc.BaseURL, client: hc, errorText: easyPostErrorText,
		auth: func(r *http.Request) { r.SetBasicAuth(key, "") }}
}

func epAddr(a commerce.Address) epAddress {
	return epAddress{Name: a.Name, Company: a.Company, Street1: a.Line1, Street2: a.Line2, City: a.City,
		State: firstNonEmpty(a.ProvinceCode, a.Province), Zip: a.PostalCode, Country: a.CountryCode, Phone: a.Phone}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// epParcelOf converts a parcel to inches and ounces, rounded up to 0.1 (the
// precision EasyPost works in), as JSON numbers written from decimals.
func epParcelOf(p sdk.Parcel) (epParcel, error) {
	w, err := p.Weight.To(commerce.Ounces)
	if err != nil {
		return epParcel{}, err
	}
	out := epParcel{Weight: json.Number(w.Value.RoundCeil(1).String())}
	if d := p.Dimensions; d != nil {
		var s [3]json.Number
		for i, v := range []decimal.Decimal{d.Length, d.Width, d.Height} {
			in, err := ConvertLength(v, d.Unit, commerce.Inches)
			if err != nil {
				return epParcel{}, err
			}
			s[i] = json.Number(in.RoundCeil(1).String())
		}
		out.Length, out.Width, out.Height = s[0], s[1], s[2]
	}
	return out, nil
}

// easyPostRates creates a shipment restricted to accounts (all when empty)
// and returns its rates and the per-carrier messages.
func easyPostRates(ctx context.Context, a *api, req sdk.RatesRequest, accounts []string) ([]commerce.Rate, []sdk.CarrierError, error) {
	if len(req.Parcels) != 1 {
		return nil, nil, sdk.InvalidInput("easypost: a shipment has exactly one parcel (got %d)", len(req.Parcels)).
			WithDetail("quote multi-parcel orders parcel by parcel, or use Shippo or a rate table")
	}
	p, err := epParcelOf(req.Parcels[0])
	if err != nil {
		return nil, nil, sdk.InvalidInput("easypost: parcel: %v", err)
	}
	body := map[string]any{"shipment": map[string]any{
		"from_address": epAddr(req.From), "to_address": epAddr(req.To), "parcel": p,
		"carrier_accounts": accounts,
	}}
	var sh epShipment
	if err := a.call(ctx, http.MethodPost, "/shipments", body, &sh); err != nil {
		return nil, nil, err
	}
	domestic := req.From.CountryCode == req.To.CountryCode
	var rates []commerce.Rate
	for _, r := range sh.Rates {
		cr, err := epToRate(r, "easypost", sh.ID)
		if err != nil {
			return nil, nil, sdk.Permanent(err, "easypost: shipment %s", sh.ID)
		}
		annotateWeights(&cr, req.Parcels, domestic)
		rates = append(rates, cr)
	}
	var errs []sdk.CarrierError
	for _, m := range sh.Messages {
		errs = append(errs, sdk.CarrierError{Carrier: normalizeCarrier(m.Carrier), Message: "easypost: " + fmt.Sprint(m.Message)})
	}
	return rates, errs, nil
}

func epToRate(r epRate, prefix, shipmentID string) (commerce.Rate, error) {
	cur, err := commerce.ParseCurrency(r.Currency)
	if err != nil {
		return commerce.Rate{}, fmt.Errorf("rate %s: %w", r.ID, err)
	}
	amt, err := commerce.NewMoney(r.Rate, cur)
	if err != nil {
		return commerce.Rate{}, fmt.Errorf("rate %s: %w", r.ID, err)
	}
	if shipmentID == "" {
		shipmentID = r.ShipmentID
	}
	cr := commerce.Rate{ID: prefix + ":" + r.ID, ShipmentID: prefix + ":" + shipmentID, Carrier: normalizeCarrier(r.Carrier),
		Service: r.Service, Amount: amt, Guaranteed: r.DeliveryDateGuaranteed}
	if r.DeliveryDays != nil {
		cr.TransitDays = *r.DeliveryDays
	} else if r.EstDeliveryDays != nil {
		cr.TransitDays = *r.EstDeliveryDays
	}
	if r.DeliveryDate != nil && *r.DeliveryDate != "" {
		if t, err := time.Parse(time.RFC3339, *r.DeliveryDate); err == nil {
			cr.EstimatedDelivery = &t
		}
	}
	return cr, nil
}

// annotateWeights fills the rate's dimensional and billable weights from the
// carrier's built-in rule (the upstream priced them; these say why).
func annotateWeights(r *commerce.Rate, parcels []sdk.Parcel, domestic bool) {
	rule := RuleFor(r.Carrier, domestic)
	var bill, dim decimal.Decimal
	hasDim := false
	for _, p := range parcels {
		res, err := rule.Apply(p.Weight, p.Dimensions)
		if err != nil {
			return
		}
		bill = bill.Add(res.Billable.Value)
		if res.Dimensional != nil {
			hasDim = true
			dim = dim.Add(res.Dimensional.Value)
		}
	}
	r.BillableWeight = &commerce.Weight{Value: bill, Unit: rule.WeightUnit}
	if hasDim {
		r.DimensionalWeight = &commerce.Weight{Value: dim, Unit: rule.WeightUnit}
	}
}

// easyPostBuy buys rateID on shipmentID. Buying again what was bought
// returns the same label; a shipment bought with another rate is a
// permanent error.
func easyPostBuy(ctx context.Context, a *api, shipmentID, rateID string) (*commerce.Label, error) {
	var sh epShipment
	err := a.call(ctx, http.MethodPost, "/shipments/"+url.PathEscape(shipmentID)+"/buy", map[string]any{"rate": map[string]string{"id": rateID}}, &sh)
	var ue *upstreamError
	if errors.As(err, &ue) && ue.code == "SHIPMENT.POSTAGE.EXISTS" {
		if err := a.call(ctx, http.MethodGet, "/shipments/"+url.PathEscape(shipmentID), nil, &sh); err != nil {
			return nil, err
		}
		if sh.SelectedRate == nil || sh.SelectedRate.ID != rateID {
			return nil, sdk.Permanent(ue, "easypost: shipment %s already has a label for another rate", shipmentID).
				WithDetail("quote again to get a new shipment")
		}
	} else if err != nil {
		return nil, err
	}
	if sh.SelectedRate == nil || sh.TrackingCode == nil || sh.PostageLabel == nil {
		return nil, sdk.Retryable(errors.New("no label in the answer"), "easypost: buy %s", shipmentID)
	}
	rate, err := epToRate(*sh.SelectedRate, "easypost", sh.ID)
	if err != nil {
		return nil, sdk.Permanent(err, "easypost: buy %s", shipmentID)
	}
	l := &commerce.Label{ID: "easypost:" + sh.ID, Rate: rate, TrackingNumber: *sh.TrackingCode, LabelURL: sh.PostageLabel.LabelURL}
	if sh.Tracker != nil {
		l.TrackingURL = sh.Tracker.PublicURL
	}
	l.CreatedAt, _ = time.Parse(time.RFC3339, firstNonEmpty(sh.PostageLabel.LabelDate, sh.UpdatedAt))
	return l, nil
}

// easyPostTrack creates (or fetches) the tracker of a tracking code.
func easyPostTrack(ctx context.Context, a *api, connection, carrier, code string) (*commerce.Shipment, error) {
	body := map[string]any{"tracker": map[string]string{"tracking_code": code, "carrier": carrierForEasyPost(carrier)}}
	var t epTracker
	if err := a.call(ctx, http.MethodPost, "/trackers", body, &t); err != nil {
		return nil, err
	}
	return epTrackerToShipment(connection, t)
}

func carrierForEasyPost(c string) string {
	if normalizeCarrier(c) == "DHL Express" {
		return "DHLExpress"
	}
	return normalizeCarrier(c)
}

// epTrackerToShipment turns an EasyPost Tracker into a Shipment record whose
// external id is "<carrier>/<tracking code>", the same whichever API
// reported it.
func epTrackerToShipment(connection string, t epTracker) (*commerce.Shipment, error) {
	if t.TrackingCode == "" {
		return nil, errors.New("tracker has no tracking_code")
	}
	carrier := normalizeCarrier(t.Carrier)
	s := &commerce.Shipment{Carrier: carrier, TrackingNumbers: []string{t.TrackingCode}}
	s.Source = commerce.Ref{Connection: connection, ExternalID: carrier + "/" + t.TrackingCode}
	var err error
	if s.CreatedAt, err = parseTime("created_at", t.CreatedAt); err != nil {
		return nil, err
	}
	if s.UpdatedAt, err = parseTime("updated_at", firstNonEmpty(t.UpdatedAt, t.CreatedAt)); err != nil {
		return nil, err
	}
	if t.PublicURL != "" {
		s.TrackingURLs = []string{t.PublicURL}
	}
	if t.CarrierDetail != nil {
		s.Service = t.CarrierDetail.Service
	}
	s.Status, _ = MapStatus(ProviderEasyPost, t.Status)
	for i, d := range t.TrackingDetails {
		at, err := parseTime(fmt.Sprintf("tracking_details[%d].datetime", i), d.Datetime)
		if err != nil {
			return nil, err
		}
		st, _ := MapStatus(ProviderEasyPost, d.Status)
		ev := commerce.TrackingEvent{Time: at, Status: st, CarrierStatus: d.Status, Message: d.Message}
		if l := d.TrackingLocation; l != nil {
			ev.Location = joinPlace(deref(l.City), deref(l.State), deref(l.Zip), deref(l.Country))
		}
		s.Events = append(s.Events, ev)
		if st == commerce.TrackingDelivered {
			t := at
			s.DeliveredAt = &t
		}
	}
	if t.EstDeliveryDate != nil && *t.EstDeliveryDate != "" {
		if e, err := time.Parse(time.RFC3339, *t.EstDeliveryDate); err == nil {
			s.EstimatedDelivery = &e
		}
	}
	return s, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func joinPlace(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time", field, clip(s, 40))
	}
	return t, nil
}
