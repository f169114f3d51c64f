package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supplyhub/supplyhub/sdk/commerce"
	pb "github.com/supplyhub/supplyhub/sdk/proto/supplyhub/connector/v1"
)

var berlin = time.FixedZone("CET", 3600)

// testOrder returns a small valid order.
func testOrder(conn, id string, updated time.Time) *commerce.Order {
	usd := func(a string) commerce.MoneyBag { return commerce.Bag(commerce.MustMoney(a, "USD")) }
	return &commerce.Order{
		Meta:      commerce.Meta{Source: commerce.Ref{Connection: conn, ExternalID: id}, UpdatedAt: updated},
		Number:    "#" + id,
		CreatedAt: updated.Add(-time.Hour),
		Currency:  "USD",
		Lines: []commerce.OrderLine{{
			ExternalID: id + "-1", SKU: "SKU-1", Quantity: 2, UnitPrice: usd("10.00"),
		}},
		Subtotal:       usd("20.00"),
		TotalDiscounts: usd("0.00"),
		TotalShipping:  usd("5.00"),
		TotalTax:       usd("0.00"),
		Total:          usd("25.00"),
	}
}

func TestErrorsCrossTheBoundary(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset by peer")
	tests := []struct {
		name string
		err  error
		want *Error
	}{
		{"authentication with detail", Authentication("shopify: 401 Unauthorized").WithDetail("reinstall the app"),
			&Error{Kind: KindAuthentication, Message: "shopify: 401 Unauthorized", Detail: "reinstall the app"}},
		{"rate limited keeps retry-after", RateLimited(1500*time.Millisecond, "slow down"),
			&Error{Kind: KindRateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond}},
		{"retryable with cause", Retryable(cause, "list orders page 3"),
			&Error{Kind: KindRetryable, Message: "list orders page 3: connection reset by peer"}},
		{"permanent", Permanent(cause, "order gone"), &Error{Kind: KindPermanent, Message: "order gone: connection reset by peer"}},
		{"invalid input", InvalidInput("body is not JSON"), &Error{Kind: KindInvalidInput, Message: "body is not JSON"}},
		{"not implemented", Missing("odoo", CapCarrier), &Error{Kind: KindNotImplemented, Message: "plugin odoo does not implement carrier",
			Detail: "upgrade the plugin to a version that offers carrier, or use another connector"}},
		{"wrapped keeps the context", fmt.Errorf("shopify: page 3: %w", Authentication("401").WithDetail("reinstall")),
			&Error{Kind: KindAuthentication, Message: "shopify: page 3: 401", Detail: "reinstall"}},
		{"plain error is unknown", cause, &Error{Kind: KindUnknown, Message: "connection reset by peer"}},
		{"unknown kind from a newer plugin", &Error{Kind: "quota", Message: "x"}, &Error{Kind: KindUnknown, Message: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			wire := toStatus(ctx, tt.err)
			st, ok := status.FromError(wire)
			if !ok {
				t.Fatalf("toStatus returned %T, not a status", wire)
			}
			if want := kindCodes[tt.want.Kind]; st.Code() != want {
				t.Errorf("code = %s, want %s", st.Code(), want)
			}
			got := fromStatus(ctx, wire, "shopify", CapSource, "Read")
			var e *Error
			if !errors.As(got, &e) {
				t.Fatalf("fromStatus = %T %v, want *Error", got, got)
			}
			e.Cause = nil
			if !reflect.DeepEqual(e, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", e, tt.want)
			}
		})
	}
	if toStatus(context.Background(), nil) != nil || fromStatus(context.Background(), nil, "x", CapSink, "Write") != nil {
		t.Fatal("nil must stay nil")
	}
}

func TestStatusesWithoutDetails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		kind ErrorKind
		has  string
	}{
		{"unavailable is a crashed plugin", status.Error(codes.Unavailable, "error reading from server: EOF"), KindRetryable, "unreachable"},
		{"unimplemented names the plugin and capability", status.Error(codes.Unimplemented, "unknown service"), KindNotImplemented, "plugin py does not implement sink"},
		{"unauthenticated", status.Error(codes.Unauthenticated, "no"), KindAuthentication, "Write: no"},
		{"resource exhausted", status.Error(codes.ResourceExhausted, "quota"), KindRateLimited, "quota"},
		{"invalid argument", status.Error(codes.InvalidArgument, "bad"), KindInvalidInput, "bad"},
		{"internal is unknown", status.Error(codes.Internal, "boom"), KindUnknown, "boom"},
		{"not a status", errors.New("transport is closing"), KindRetryable, "transport is closing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := fromStatus(context.Background(), tt.err, "py", CapSink, "Write")
			if KindOf(got) != tt.kind {
				t.Fatalf("kind = %s, want %s (%v)", KindOf(got), tt.kind, got)
			}
			if !strings.Contains(got.Error(), tt.has) {
				t.Fatalf("%q does not contain %q", got, tt.has)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := fromStatus(ctx, status.Error(codes.Canceled, "context canceled"), "py", CapSource, "Read"); !errors.Is(got, context.Canceled) {
		t.Fatalf("a cancelled caller got %v, want context.Canceled", got)
	}
	soon, cancelSoon := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelSoon()
	if got := fromStatus(soon, status.Error(codes.Canceled, "stream terminated by RST_STREAM"), "py", CapSource, "Read"); !errors.Is(got, context.DeadlineExceeded) {
		t.Fatalf("a server giving up at the deadline just before the caller = %v, want context.DeadlineExceeded", got)
	}
	if got := toStatus(ctx, fmt.Errorf("read: %w", context.Canceled)); status.Code(got) != codes.Canceled {
		t.Fatalf("a cancelled plugin call = %v, want codes.Canceled", got)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    *Manifest
	}{
		{"minimal", &Manifest{Name: "fx", Version: "1.0.0", Description: "ECB rates", ConfigSchema: json.RawMessage(`{"type":"object"}`)}},
		{"full", &Manifest{
			Name: "shopify", Version: "2.3.1", Description: "Shopify Admin API", SDK: sdkID,
			Capabilities: []Capability{CapSource, CapSink, CapWebhooks},
			ConfigSchema: json.RawMessage(`{"type":"object","properties":{"token":{"type":"string"}}}`),
			SecretFields: []string{"token", "webhook_secret"}, RateLimitKey: "shop_domain",
			Streams: []StreamSpec{
				{Name: "orders", Kinds: []commerce.Kind{commerce.KindOrder}, CursorField: "updated_at", Description: "orders"},
				{Name: "inventory", Kinds: []commerce.Kind{commerce.KindInventoryLevel, commerce.KindLocation}},
			},
			Webhook: &WebhookSpec{Scheme: SchemeHMACSHA256, SignatureHeader: "X-Shopify-Hmac-Sha256", Encoding: "base64",
				Prefix: "sha256=", SecretField: "webhook_secret", SecretNormalization: "NFKD", EventIDHeader: "X-Shopify-Event-Id",
				TopicHeader: "X-Shopify-Topic", OrderingKeyHeader: "X-Shopify-Shop-Domain"},
			WriteActions: []string{ActionSetInventory, ActionCreateFulfillment},
		}},
		{"webhook alternatives", &Manifest{
			Name: "carrier", Version: "1.0.0", Description: "EasyPost and Shippo", Capabilities: []Capability{CapWebhooks},
			ConfigSchema: json.RawMessage(`{"type":"object"}`), SecretFields: []string{"webhook_secret", "shippo_webhook_token"},
			Webhook: &WebhookSpec{Scheme: SchemeHMACSHA256, SignatureHeader: "X-Hmac-Signature", Encoding: "hex", Prefix: "hmac-sha256-hex=",
				SecretField: "webhook_secret", SecretNormalization: "NFKD", Name: "EasyPost",
				Alternatives: []WebhookSpec{
					{Scheme: SchemeToken, QueryParam: "token", SecretField: "shippo_webhook_token", Name: "Shippo", TopicHeader: "X-Topic"},
					{Scheme: SchemeToken, SignatureHeader: "X-Relay-Token", SecretField: "relay", EventIDHeader: "X-Event"},
				}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := manifestFromProto(manifestToProto(tt.m))
			if !reflect.DeepEqual(got, tt.m) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.m)
			}
		})
	}
	if manifestToProto(nil) != nil || manifestFromProto(nil) != nil {
		t.Fatal("nil manifest must stay nil")
	}
}

func TestRecordsAreDecodedAndValidated(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 10, 0, 0, 0, berlin)
	good := testOrder("shop-1", "1001", now)
	goodJSON, _ := json.Marshal(good)
	bad := testOrder("shop-1", "1002", now)
	bad.Lines[0].Quantity = 0
	badJSON, _ := json.Marshal(bad)
	tests := []struct {
		name    string
		in      *pb.Record
		wantErr string
		field   string
	}{
		{"valid order", &pb.Record{Kind: "order", Json: goodJSON}, "", ""},
		{"invalid field is named", &pb.Record{Kind: "order", Json: badJSON}, `order record "1002"`, "lines[0].quantity"},
		{"unknown kind", &pb.Record{Kind: "invoice", Json: goodJSON}, "unknown record kind", ""},
		{"unknown field", &pb.Record{Kind: "order", Json: []byte(`{"nope": 1}`)}, "unknown field", ""},
		{"float money", &pb.Record{Kind: "order", Json: []byte(strings.Replace(string(goodJSON), `"amount":"20"`, `"amount":20`, 1))}, "decode order", ""},
		{"not json", &pb.Record{Kind: "order", Json: []byte(`{`)}, "decode order", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := recordFromProto(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if r.Ref() != good.Ref() || !r.Version().Equal(good.Version()) {
					t.Fatalf("decoded %v@%v, want %v@%v", r.Ref(), r.Version(), good.Ref(), good.Version())
				}
				if _, off := r.Version().Zone(); off != 3600 {
					t.Fatalf("updated_at lost its zone: %v", r.Version())
				}
				return
			}
			if KindOf(err) != KindInvalidInput {
				t.Fatalf("kind = %s (%v), want invalid_input", KindOf(err), err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("%q does not contain %q", err, tt.wantErr)
			}
			if tt.field != "" {
				var ve *commerce.ValidationError
				if !errors.As(err, &ve) || ve.Fields[0].Field != tt.field {
					t.Fatalf("error %v does not name field %s", err, tt.field)
				}
			}
		})
	}
	if _, err := recordToProto(nil); KindOf(err) != KindInvalidInput {
		t.Fatalf("nil record: %v", err)
	}
}

func TestRequestsRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 10, 0, 0, 0, berlin)
	cfg := json.RawMessage(`{"token":"x"}`)
	order := testOrder("c1", "7", now)
	level := &commerce.InventoryLevel{Meta: commerce.Meta{Source: commerce.Ref{Connection: "c1", ExternalID: "inv@loc"}, UpdatedAt: now},
		SKU: "SKU-1", LocationID: "loc", OnHand: 5, Available: 4, Committed: 1}
	usd := commerce.MustMoney("12.50", "USD")
	eur := commerce.MustMoney("3.00", "EUR")
	date := commerce.DateOf(now)
	fx := commerce.FXRate{Base: "EUR", Quote: "USD", Rate: usd.Amount, Date: date, Source: "ECB"}
	rate := commerce.Rate{ID: "r1", ShipmentID: "s1", Carrier: "UPS", Service: "Ground", Amount: usd, TransitDays: 3}
	label := &commerce.Label{ID: "l1", Rate: rate, TrackingNumber: "1Z", CreatedAt: now}
	shipment := &commerce.Shipment{Meta: commerce.Meta{Source: commerce.Ref{Connection: "c1", ExternalID: "f1"}, UpdatedAt: now},
		OrderID: "7", Status: commerce.TrackingInTransit, Carrier: "UPS", TrackingNumbers: []string{"1Z"}, CreatedAt: now}
	landed := &commerce.LandedCost{AsOf: date, Incoterm: "DDP", OriginCountry: "CN", DestinationCountry: "DE", Currency: "EUR",
		Items:    []commerce.LandedCostItem{{SKU: "S", HSCode: "610910", CountryOfOrigin: "CN", Quantity: 1, UnitPrice: eur, LineValue: eur}},
		Shipping: eur, Insurance: commerce.Zero("EUR"), Duties: []commerce.Charge{}, Taxes: []commerce.Charge{}, Fees: []commerce.Charge{},
		Totals: commerce.LandedCostTotals{Duties: commerce.Zero("EUR"), Taxes: commerce.Zero("EUR"), Fees: commerce.Zero("EUR"),
			LandedCost: eur, DueAtDelivery: commerce.Zero("EUR")}}
	from := commerce.Address{Name: "W1", Line1: "Main St 1", City: "Reno", CountryCode: "US", Geo: &commerce.GeoPoint{Lat: 39.5, Lon: -119.8}}
	to := commerce.Address{Name: "Lena", City: "Berlin", PostalCode: "10119", CountryCode: "DE"}

	tests := []struct {
		name string
		// trip sends the value through the wire conversion and back.
		trip func() (got, want any, err error)
	}{
		{"check request", func() (any, any, error) {
			r := CheckRequest{Connection: "c1", Config: cfg}
			return checkRequestFromProto(checkRequestToProto(r)), r, nil
		}},
		{"check response", func() (any, any, error) {
			r := &CheckResponse{Message: "shop acme", Details: map[string]string{"api": "2026-01"}}
			return checkResponseFromProto(checkResponseToProto(r)), r, nil
		}},
		{"read request", func() (any, any, error) {
			r := ReadRequest{Connection: "c1", Config: cfg, Stream: "orders", Mode: ModeIncremental, Cursor: "2026-03-14T10:00:00Z|7", IDs: []string{"7", "8"}}
			return readRequestFromProto(readRequestToProto(r)), r, nil
		}},
		{"progress", func() (any, any, error) {
			p := Progress{Records: 500, Pages: 2, Total: 1000, RateLimitWait: 2500 * time.Millisecond, Message: "page 2"}
			return progressFromProto(progressToProto(p)), p, nil
		}},
		{"write request", func() (any, any, error) {
			r := WriteRequest{Connection: "c1", Config: cfg, Changes: []Change{
				{IdempotencyKey: "k1", Action: ActionSetInventory, Record: level},
				{IdempotencyKey: "k2", Action: ActionUpsertOrder, Record: order},
			}}
			p, err := writeRequestToProto(r)
			if err != nil {
				return nil, nil, err
			}
			got, err := writeRequestFromProto(p)
			return got, r, err
		}},
		{"write response", func() (any, any, error) {
			r := &WriteResponse{Results: []ChangeResult{
				{IdempotencyKey: "k1", Status: StatusOK, ExternalID: "inv@loc"},
				{IdempotencyKey: "k2", Status: StatusFailed, Error: RateLimited(time.Second, "429").WithDetail("wait")},
			}}
			got := writeResponseFromProto(writeResponseToProto(r))
			got.Results[1].Error.Cause = nil
			return got, r, nil
		}},
		{"webhook request", func() (any, any, error) {
			r := WebhookRequest{Connection: "c1", Config: cfg, Body: []byte(`{"id":1}`),
				Headers: http.Header{"X-Shopify-Topic": {"orders/create"}, "X-Multi": {"a", "b"}}}
			return webhookRequestFromProto(webhookRequestToProto(r)), r, nil
		}},
		{"webhook response", func() (any, any, error) {
			r := &WebhookResponse{EventID: "e1", Topic: "orders/updated", Records: []commerce.Record{order},
				Actions: []Action{{Type: ActionReread, Stream: "orders", IDs: []string{"7"}},
					{Type: ActionRedactCustomer, Customer: &commerce.OrderCustomer{ExternalID: "cu1", Email: "a@b.c"}, OrderIDs: []string{"7"}}}}
			p, err := webhookResponseToProto(r)
			if err != nil {
				return nil, nil, err
			}
			got, err := webhookResponseFromProto(p)
			return got, r, err
		}},
		{"rates request", func() (any, any, error) {
			r := RatesRequest{Connection: "c1", Config: cfg, From: from, To: to, Value: &usd, Carriers: []string{"UPS"},
				Parcels: []Parcel{{Weight: commerce.Weight{Value: usd.Amount, Unit: "kg"}, Dimensions: &commerce.Dimensions{Length: usd.Amount, Width: usd.Amount, Height: usd.Amount, Unit: "cm"}}}}
			p, err := ratesRequestToProto(r)
			if err != nil {
				return nil, nil, err
			}
			got, err := ratesRequestFromProto(p)
			return got, r, err
		}},
		{"rates response", func() (any, any, error) {
			r := &RatesResponse{Rates: []commerce.Rate{rate}, Errors: []CarrierError{{Carrier: "DHL", Message: "no service"}}}
			p, err := ratesResponseToProto(r)
			if err != nil {
				return nil, nil, err
			}
			got, err := ratesResponseFromProto(p)
			return got, r, err
		}},
		{"label", func() (any, any, error) {
			req := LabelRequest{Connection: "c1", Config: cfg, ShipmentID: "s1", RateID: "r1", IdempotencyKey: "k"}
			if got := labelRequestFromProto(labelRequestToProto(req)); !reflect.DeepEqual(got, req) {
				return got, req, nil
			}
			p, err := labelToProto(label)
			if err != nil {
				return nil, nil, err
			}
			got, err := labelFromProto(p)
			return got, label, err
		}},
		{"track", func() (any, any, error) {
			req := TrackRequest{Connection: "c1", Config: cfg, Carrier: "UPS", TrackingNumber: "1Z"}
			if got := trackRequestFromProto(trackRequestToProto(req)); !reflect.DeepEqual(got, req) {
				return got, req, nil
			}
			p, err := shipmentToProto(shipment)
			if err != nil {
				return nil, nil, err
			}
			got, err := shipmentFromProto(p)
			return got, shipment, err
		}},
		{"fx", func() (any, any, error) {
			req := FXRequest{Connection: "c1", Config: cfg, Base: "EUR", Quotes: []commerce.Currency{"USD", "GBP"}, Date: date}
			got, err := fxRequestFromProto(fxRequestToProto(req))
			if err != nil || !reflect.DeepEqual(got, req) {
				return got, req, err
			}
			p, err := fxResponseToProto(&FXResponse{Rates: []commerce.FXRate{fx}})
			if err != nil {
				return nil, nil, err
			}
			res, err := fxResponseFromProto(p)
			return res, &FXResponse{Rates: []commerce.FXRate{fx}}, err
		}},
		{"fx latest", func() (any, any, error) {
			req := FXRequest{Base: "EUR"}
			got, err := fxRequestFromProto(fxRequestToProto(req))
			return got, req, err
		}},
		{"landed cost", func() (any, any, error) {
			req := LandedCostRequest{Connection: "c1", Config: cfg, AsOf: date, Incoterm: "DDP", OriginCountry: "CN", DestinationCountry: "DE",
				Currency: "EUR", Items: landed.Items, Shipping: eur, FXRates: []commerce.FXRate{fx}}
			p, err := landedCostRequestToProto(req)
			if err != nil {
				return nil, nil, err
			}
			got, err := landedCostRequestFromProto(p)
			if err != nil || !equalJSON(got, req) {
				return got, req, err
			}
			pl, err := landedCostToProto(landed)
			if err != nil {
				return nil, nil, err
			}
			back, err := landedCostFromProto(pl)
			return back, landed, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, want, err := tt.trip()
			if err != nil {
				t.Fatal(err)
			}
			if !equalJSON(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Fatalf("round trip changed the value:\ngot  %s\nwant %s", g, w)
			}
		})
	}
}

// equalJSON compares values by their JSON form, which is what crosses the
// wire: decimals compare by value and times by instant and zone offset.
func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

func TestBadDocumentsAreInvalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func() error
		has  string
	}{
		{"rate missing carrier", func() error {
			_, err := ratesResponseFromProto(&pb.RatesResponse{Rates: [][]byte{[]byte(`{"carrier":"","service":"x","amount":{"amount":"1","currency":"USD"}}`)}})
			return err
		}, "carrier"},
		{"fx date", func() error {
			_, err := fxRequestFromProto(&pb.FXRatesRequest{Base: "EUR", Date: "14/03/2026"})
			return err
		}, "not a date"},
		{"parcel with unknown field", func() error {
			_, err := ratesRequestFromProto(&pb.RatesRequest{From: []byte(`{}`), To: []byte(`{}`), Parcels: [][]byte{[]byte(`{"weigth": 1}`)}})
			return err
		}, "parcel 0"},
		{"change without record", func() error {
			_, err := writeRequestFromProto(&pb.WriteRequest{Changes: []*pb.Change{{IdempotencyKey: "k"}}})
			return err
		}, "has no record"},
		{"label without label", func() error { _, err := labelToProto(nil); return err }, "no label"},
		{"trailing data", func() error {
			var a commerce.Address
			return unmarshalDoc("address", []byte(`{} {}`), &a)
		}, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.run()
			if KindOf(err) != KindInvalidInput || !strings.Contains(err.Error(), tt.has) {
				t.Fatalf("got %v (kind %s), want invalid_input mentioning %q", err, KindOf(err), tt.has)
			}
		})
	}
}

func FuzzRecordFromProto(f *testing.F) {
	good, _ := json.Marshal(testOrder("c", "1", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	f.Add("order", good)
	f.Add("inventory_level", []byte(`{"source":{"connection":"c","external_id":"x"},"updated_at":"2026-01-01T00:00:00Z","sku":"a","location_id":"l"}`))
	f.Add("product", []byte(`null`))
	f.Fuzz(func(t *testing.T, kind string, doc []byte) {
		r, err := recordFromProto(&pb.Record{Kind: kind, Json: doc})
		if err != nil {
			if KindOf(err) != KindInvalidInput {
				t.Fatalf("error of kind %s: %v", KindOf(err), err)
			}
			return
		}
		if r.Validate() != nil {
			t.Fatal("an accepted record does not validate")
		}
	})
}
