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

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// Shippo wire types, after the shippo SDK's models (snake_case wire names)
// as recorded in ../shared/fixtures/carriers/shippo-*.json.
type shAddress struct {
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

type shParcel struct {
	Length       string `json:"length,omitempty"`
	Width        string `json:"width,omitempty"`
	Height       string `json:"height,omitempty"`
	DistanceUnit string `json:"distance_unit,omitempty"`
	Weight       string `json:"weight"`
	MassUnit     string `json:"mass_unit"`
}

type shRate struct {
	ObjectID     string `json:"object_id"`
	Shipment     string `json:"shipment"`
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	Provider     string `json:"provider"`
	Servicelevel struct {
		Name  string `json:"name"`
		Token string `json:"token"`
	} `json:"servicelevel"`
	EstimatedDays *int    `json:"estimated_days"`
	ArrivesBy     *string `json:"arrives_by"`
}

type shMessage struct {
	Source string `json:"source"`
	Code   string `json:"code"`
	Text   string `json:"text"`
}

type shTransaction struct {
	ObjectID            string      `json:"object_id"`
	Status              string      `json:"status"`
	ObjectCreated       string      `json:"object_created"`
	Rate                string      `json:"rate"`
	TrackingNumber      string      `json:"tracking_number"`
	TrackingURLProvider string      `json:"tracking_url_provider"`
	LabelURL            string      `json:"label_url"`
	Messages            []shMessage `json:"messages"`
}

type shTrackStatus struct {
	ObjectID      string `json:"object_id"`
	ObjectUpdated string `json:"object_updated"`
	Status        string `json:"status"`
	StatusDetails string `json:"status_details"`
	StatusDate    string `json:"status_date"`
	Substatus     *struct {
		Code string `json:"code"`
	} `json:"substatus"`
	Location *struct {
		City    string `json:"city"`
		State   string `json:"state"`
		Zip     string `json:"zip"`
		Country string `json:"country"`
	} `json:"location"`
}

type shTrack struct {
	Carrier        string  `json:"carrier"`
	TrackingNumber string  `json:"tracking_number"`
	ETA            *string `json:"eta"`
	Servicelevel   *struct {
		Name string `json:"name"`
	} `json:"servicelevel"`
	TrackingStatus  *shTrackStatus  `json:"tracking_status"`
	TrackingHistory []shTrackStatus `json:"tracking_history"`
}

func shippoErrorText(body []byte) (string, string) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return "", ""
	}
	if d, ok := m["detail"].(string); ok {
		return "", d
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s: %v", k, v))
	}
	return "", strings.Join(parts, "; ")
}

func newShippo(acc *APIAccount, token string, hc *httpclient.Client) *api {
	return &api{name: "shippo", base: acc.BaseURL, client: hc, errorText: shippoErrorText,
		auth: func(r *http.Request) { r.Header.Set("Authorization", "ShippoToken "+token) }}
}

func shAddr(a commerce.Address) shAddress {
	return shAddress{Name: a.Name, Company: a.Company, Street1: a.Line1, Street2: a.Line2, City: a.City,
		State: firstNonEmpty(a.ProvinceCode, a.Province), Zip: a.PostalCode, Country: a.CountryCode, Phone: a.Phone}
}

func shParcelOf(p sdk.Parcel) shParcel {
	out := shParcel{Weight: p.Weight.Value.String(), MassUnit: string(p.Weight.Unit)}
	if d := p.Dimensions; d != nil {
		out.Length, out.Width, out.Height, out.DistanceUnit = d.Length.String(), d.Width.String(), d.Height.String(), string(d.Unit)
	}
	return out
}

// shippoRates creates a shipment (async false, so rates come inline).
func shippoRates(ctx context.Context, a *api, req sdk.RatesRequest, accounts []string) ([]commerce.Rate, []sdk.CarrierError, error) {
	parcels := make([]shParcel, len(req.Parcels))
	for i, p := range req.Parcels {
		parcels[i] = shParcelOf(p)
	}
	body := map[string]any{"address_from": shAddr(req.From), "address_to": shAddr(req.To), "parcels": parcels, "async": false}
	if len(accounts) > 0 {
		body["carrier_accounts"] = accounts
	}
	var sh struct {
		ObjectID string      `json:"object_id"`
		Status   string      `json:"status"`
		Rates    []shRate    `json:"rates"`
		Messages []shMessage `json:"messages"`
	}
	if err := a.call(ctx, http.MethodPost, "/shipments/", body, &sh); err != nil {
		return nil, nil, err
	}
	domestic := req.From.CountryCode == req.To.CountryCode
	var rates []commerce.Rate
	for _, r := range sh.Rates {
		cr, err := shToRate(r)
		if err != nil {
			return nil, nil, sdk.Permanent(err, "shippo: shipment %s", sh.ObjectID)
		}
		annotateWeights(&cr, req.Parcels, domestic)
		rates = append(rates, cr)
	}
	var errs []sdk.CarrierError
	for _, m := range sh.Messages {
		errs = append(errs, sdk.CarrierError{Carrier: normalizeCarrier(m.Source), Message: "shippo: " + m.Text})
	}
	return rates, errs, nil
}

func shToRate(r shRate) (commerce.Rate, error) {
	cur, err := commerce.ParseCurrency(r.Currency)
	if err != nil {
		return commerce.Rate{}, fmt.Errorf("rate %s: %w", r.ObjectID, err)
	}
	amt, err := commerce.NewMoney(r.Amount, cur)
	if err != nil {
		return commerce.Rate{}, fmt.Errorf("rate %s: %w", r.ObjectID, err)
	}
	cr := commerce.Rate{ID: "shippo:" + r.ObjectID, ShipmentID: "shippo:" + r.Shipment, Carrier: normalizeCarrier(r.Provider),
		Service: r.Servicelevel.Name, Amount: amt}
	if r.EstimatedDays != nil {
		cr.TransitDays = *r.EstimatedDays
	}
	if r.ArrivesBy != nil && *r.ArrivesBy != "" {
		if t, err := time.Parse(time.RFC3339, *r.ArrivesBy); err == nil {
			cr.EstimatedDelivery = &t
		}
	}
	return cr, nil
}

// shippoBuy buys a label for rateID. A label already bought for the rate
// (a retried purchase) is returned instead of buying a second one: Shippo
// charges every transaction, so the connector lists the rate's transactions
// first.
func shippoBuy(ctx context.Context, a *api, rateID, idempotencyKey string) (*commerce.Label, error) {
	var r shRate
	if err := a.call(ctx, http.MethodGet, "/rates/"+url.PathEscape(rateID), nil, &r); err != nil {
		return nil, err
	}
	rate, err := shToRate(r)
	if err != nil {
		return nil, sdk.Permanent(err, "shippo: rate %s", rateID)
	}
	var list struct {
		Results []shTransaction `json:"results"`
	}
	if err := a.call(ctx, http.MethodGet, "/transactions/?rate="+url.QueryEscape(rateID), nil, &list); err != nil {
		return nil, err
	}
	var tx *shTransaction
	for i := range list.Results {
		if list.Results[i].Rate == rateID && list.Results[i].Status == "SUCCESS" {
			tx = &list.Results[i]
		}
	}
	if tx == nil {
		var created shTransaction
		body := map[string]any{"rate": rateID, "label_file_type": "PDF_4x6", "async": false, "metadata": "supplyhub:" + idempotencyKey}
		if err := a.call(ctx, http.MethodPost, "/transactions/", body, &created); err != nil {
			return nil, err
		}
		tx = &created
	}
	switch tx.Status {
	case "SUCCESS":
	case "ERROR":
		var msgs []string
		for _, m := range tx.Messages {
			msgs = append(msgs, m.Text)
		}
		return nil, sdk.Permanent(errors.New(strings.Join(msgs, "; ")), "shippo: label for rate %s failed", rateID)
	default:
		return nil, sdk.Retryable(fmt.Errorf("transaction %s is %s", tx.ObjectID, tx.Status), "shippo: label for rate %s not ready", rateID)
	}
	l := &commerce.Label{ID: "shippo:" + tx.ObjectID, Rate: rate, TrackingNumber: tx.TrackingNumber, TrackingURL: tx.TrackingURLProvider, LabelURL: tx.LabelURL}
	l.CreatedAt, _ = time.Parse(time.RFC3339, tx.ObjectCreated)
	return l, nil
}

// shippoCarrierToken is the lowercase carrier token of /tracks URLs.
func shippoCarrierToken(c string) string {
	switch normalizeCarrier(c) {
	case "DHL Express":
		return "dhl_express"
	case "USPS", "UPS", "FedEx":
		return strings.ToLower(normalizeCarrier(c))
	}
	return strings.ToLower(c)
}

func shippoTrack(ctx context.Context, a *api, connection, carrier, number string) (*commerce.Shipment, error) {
	var t shTrack
	path := "/tracks/" + url.PathEscape(shippoCarrierToken(carrier)) + "/" + url.PathEscape(number)
	if err := a.call(ctx, http.MethodGet, path, nil, &t); err != nil {
		return nil, err
	}
	return shTrackToShipment(connection, t)
}

// shTrackToShipment turns a Shippo Track into a Shipment record.
func shTrackToShipment(connection string, t shTrack) (*commerce.Shipment, error) {
	if t.TrackingNumber == "" {
		return nil, errors.New("track has no tracking_number")
	}
	carrier := normalizeCarrier(t.Carrier)
	s := &commerce.Shipment{Carrier: carrier, TrackingNumbers: []string{t.TrackingNumber}, Status: commerce.TrackingUnknown}
	s.Source = commerce.Ref{Connection: connection, ExternalID: carrier + "/" + t.TrackingNumber}
	if t.Servicelevel != nil {
		s.Service = t.Servicelevel.Name
	}
	for i, h := range t.TrackingHistory {
		ev, err := shEvent(fmt.Sprintf("tracking_history[%d]", i), h)
		if err != nil {
			return nil, err
		}
		s.Events = append(s.Events, ev)
		if ev.Status == commerce.TrackingDelivered {
			at := ev.Time
			s.DeliveredAt = &at
		}
	}
	if ts := t.TrackingStatus; ts != nil && ts.StatusDate != "" {
		ev, err := shEvent("tracking_status", *ts)
		if err != nil {
			return nil, err
		}
		s.Status = ev.Status
		s.UpdatedAt = ev.Time
	}
	if len(s.Events) > 0 {
		s.CreatedAt = s.Events[0].Time
		if s.UpdatedAt.IsZero() || s.Events[len(s.Events)-1].Time.After(s.UpdatedAt) {
			s.UpdatedAt = s.Events[len(s.Events)-1].Time
		}
	} else {
		s.CreatedAt = s.UpdatedAt
	}
	if s.CreatedAt.IsZero() {
		return nil, fmt.Errorf("track %s has no dated status: nothing to record yet", t.TrackingNumber)
	}
	if t.ETA != nil && *t.ETA != "" {
		if e, err := time.Parse(time.RFC3339, *t.ETA); err == nil {
			s.EstimatedDelivery = &e
		}
	}
	return s, nil
}

func shEvent(field string, h shTrackStatus) (commerce.TrackingEvent, error) {
	at, err := parseTime(field+".status_date", h.StatusDate)
	if err != nil {
		return commerce.TrackingEvent{}, err
	}
	st, _ := MapStatus(ProviderShippo, h.Status)
	ev := commerce.TrackingEvent{Time: at, Status: st, CarrierStatus: h.Status, Message: h.StatusDetails}
	if h.Substatus != nil && h.Substatus.Code == "out_for_delivery" && st == commerce.TrackingInTransit {
		ev.Status = commerce.TrackingOutForDelivery
	}
	if l := h.Location; l != nil {
		ev.Location = joinPlace(l.City, l.State, l.Zip, l.Country)
	}
	return ev, nil
}
