package sdk

// This file is the only place that converts between the SDK's types and the
// wire types of supplyhub.connector.v1. Plugin-side (server) and host-side
// (client) code call these functions and nothing else touches connectorv1
// messages field by field.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/supplyhub/supplyhub/sdk/commerce"
	pb "github.com/supplyhub/supplyhub/sdk/proto/supplyhub/connector/v1"
)

// sdkID names this SDK in the manifests it serves.
const sdkID = "supplyhub-go/1"

// ---------------------------------------------------------------------------
// Errors

// kindCodes maps error kinds to the gRPC codes that carry them. The code is
// informative; the Error detail decides.
var kindCodes = map[ErrorKind]codes.Code{
	KindUnknown:        codes.Unknown,
	KindAuthentication: codes.Unauthenticated,
	KindRateLimited:    codes.ResourceExhausted,
	KindRetryable:      codes.Unavailable,
	KindPermanent:      codes.FailedPrecondition,
	KindInvalidInput:   codes.InvalidArgument,
	KindNotImplemented: codes.Unimplemented,
}

// codeKinds maps gRPC codes of statuses without an Error detail (from the
// transport, or a plugin that sets none) to kinds.
var codeKinds = map[codes.Code]ErrorKind{
	codes.Unauthenticated:    KindAuthentication,
	codes.PermissionDenied:   KindAuthentication,
	codes.ResourceExhausted:  KindRateLimited,
	codes.Unavailable:        KindRetryable,
	codes.Aborted:            KindRetryable,
	codes.DeadlineExceeded:   KindRetryable,
	codes.Canceled:           KindRetryable,
	codes.FailedPrecondition: KindPermanent,
	codes.NotFound:           KindPermanent,
	codes.AlreadyExists:      KindPermanent,
	codes.InvalidArgument:    KindInvalidInput,
	codes.OutOfRange:         KindInvalidInput,
	codes.Unimplemented:      KindNotImplemented,
}

func parseKind(s string) ErrorKind {
	k := ErrorKind(s)
	if _, ok := kindCodes[k]; ok {
		return k
	}
	return KindUnknown
}

func errorToProto(e *Error) *pb.Error {
	if e == nil {
		return nil
	}
	msg := e.Message
	if msg == "" && e.Cause != nil {
		msg = e.Cause.Error()
	}
	pe := &pb.Error{Kind: string(e.Kind), Message: msg, Detail: e.Detail}
	if e.Kind == "" {
		pe.Kind = string(KindUnknown)
	}
	if e.RetryAfter > 0 {
		pe.RetryAfter = durationpb.New(e.RetryAfter)
	}
	return pe
}

func errorFromProto(pe *pb.Error) *Error {
	if pe == nil {
		return nil
	}
	e := &Error{Kind: parseKind(pe.GetKind()), Message: pe.GetMessage(), Detail: pe.GetDetail()}
	if pe.GetRetryAfter() != nil {
		e.RetryAfter = pe.GetRetryAfter().AsDuration()
	}
	return e
}

// toStatus turns a connector's error into the gRPC status the plugin
// returns: an Error detail with the kind, message, detail and retry-after.
// Errors without a kind go as KindUnknown, which the host retries.
func toStatus(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		switch {
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			return status.Error(codes.Canceled, err.Error())
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
			return status.Error(codes.DeadlineExceeded, err.Error())
		}
		e = &Error{Kind: KindUnknown, Message: err.Error()}
	} else if outer := err.Error(); outer != e.Error() {
		// Keep the context the connector wrapped around the *Error.
		c := *e
		c.Message = trimDetail(outer, e.Detail)
		e = &c
	}
	st := status.New(kindCodes[parseKind(string(e.Kind))], e.Error())
	if withDetail, derr := st.WithDetails(errorToProto(e)); derr == nil {
		st = withDetail
	}
	return st.Err()
}

// trimDetail removes the " (detail)" suffix Error() appends, so that the
// detail does not appear twice on the other side.
func trimDetail(msg, detail string) string {
	if detail == "" {
		return msg
	}
	suffix := " (" + detail + ")"
	if len(msg) >= len(suffix) && msg[len(msg)-len(suffix):] == suffix {
		return msg[:len(msg)-len(suffix)]
	}
	return msg
}

// fromStatus turns what a call to plugin returned into the error the host
// sees: the *Error the plugin sent, or one made from the gRPC code. When the
// caller's own context ended, the error wraps ctx.Err() instead, so that
// errors.Is(err, context.Canceled) holds.
func fromStatus(ctx context.Context, err error, plugin string, c Capability, method string) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("sdk: plugin %s: %s: %w", plugin, method, ctx.Err())
	}
	st, ok := status.FromError(err)
	if c := st.Code(); ok && (c == codes.DeadlineExceeded || c == codes.Canceled) {
		// The server may give up at the deadline it was sent a moment
		// before the caller's own timer fires.
		if dl, has := ctx.Deadline(); has && time.Until(dl) < 50*time.Millisecond {
			return fmt.Errorf("sdk: plugin %s: %s: %w", plugin, method, context.DeadlineExceeded)
		}
	}
	if !ok {
		var e *Error
		if errors.As(err, &e) {
			return err
		}
		return Retryable(err, "plugin %s: %s", plugin, method)
	}
	for _, d := range st.Details() {
		if pe, ok := d.(*pb.Error); ok {
			return errorFromProto(pe)
		}
	}
	switch st.Code() {
	case codes.Unimplemented:
		return Missing(plugin, c)
	case codes.Unavailable:
		return &Error{Kind: KindRetryable, Message: fmt.Sprintf("plugin %s: %s: %s", plugin, method, st.Message()),
			Detail: "the plugin process is unreachable; the host restarts it, retry", Cause: err}
	}
	kind, ok := codeKinds[st.Code()]
	if !ok {
		kind = KindUnknown
	}
	return &Error{Kind: kind, Message: fmt.Sprintf("plugin %s: %s: %s", plugin, method, st.Message()), Cause: err}
}

// ---------------------------------------------------------------------------
// JSON documents of the model

// marshalDoc encodes a model value for the wire.
func marshalDoc(what string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, InvalidInput("sdk: encode %s: %v", what, err)
	}
	return b, nil
}

// unmarshalDoc decodes a model value strictly: unknown fields and trailing
// data are InvalidInput errors naming what was decoded.
func unmarshalDoc(what string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		e := InvalidInput("sdk: decode %s: %v", what, err)
		e.Cause = err
		return e
	}
	if dec.More() {
		return InvalidInput("sdk: decode %s: trailing data after the JSON document", what)
	}
	return nil
}

// validator is implemented by model values with a Validate method.
type validator interface{ Validate() error }

// unmarshalValid is unmarshalDoc followed by Validate, whose error names the
// bad fields.
func unmarshalValid(what string, data []byte, v validator) error {
	if err := unmarshalDoc(what, data, v); err != nil {
		return err
	}
	if err := v.Validate(); err != nil {
		e := InvalidInput("sdk: invalid %s: %v", what, err)
		e.Cause = err
		return e
	}
	return nil
}

// optionalDoc encodes v, or nothing when isNil.
func optionalDoc(what string, v any, isNil bool) ([]byte, error) {
	if isNil {
		return nil, nil
	}
	return marshalDoc(what, v)
}

func recordToProto(r commerce.Record) (*pb.Record, error) {
	if r == nil {
		return nil, InvalidInput("sdk: a nil record cannot be sent")
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, InvalidInput("sdk: encode %s record %s: %v", r.Kind(), r.Ref().ExternalID, err)
	}
	return &pb.Record{Kind: string(r.Kind()), Json: b}, nil
}

// recordFromProto decodes and validates one record. A record that does not
// decode or validate is an InvalidInput error naming the record and the bad
// fields (its Cause is the *commerce.ValidationError when there is one).
func recordFromProto(p *pb.Record) (commerce.Record, error) {
	k, err := commerce.ParseKind(p.GetKind())
	if err != nil {
		e := InvalidInput("sdk: record: %v", err)
		e.Cause = err
		return nil, e
	}
	r, err := commerce.Decode(k, p.GetJson())
	if err != nil {
		e := InvalidInput("sdk: %v", err)
		e.Cause = err
		return nil, e.WithDetail("the plugin sent a %s record that does not match the unified model; fix the connector's mapping", k)
	}
	if err := r.Validate(); err != nil {
		e := InvalidInput("sdk: %s record %q: %v", k, r.Ref().ExternalID, err)
		e.Cause = err
		return nil, e.WithDetail("the plugin sent an invalid record; fix the connector's mapping or the upstream data")
	}
	return r, nil
}

func recordsToProto(rs []commerce.Record) ([]*pb.Record, error) {
	out := make([]*pb.Record, len(rs))
	for i, r := range rs {
		p, err := recordToProto(r)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func recordsFromProto(ps []*pb.Record) ([]commerce.Record, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	out := make([]commerce.Record, len(ps))
	for i, p := range ps {
		r, err := recordFromProto(p)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Connector

func manifestToProto(m *Manifest) *pb.Manifest {
	if m == nil {
		return nil
	}
	p := &pb.Manifest{
		Name:         m.Name,
		Version:      m.Version,
		Description:  m.Description,
		ConfigSchema: m.ConfigSchema,
		SecretFields: m.SecretFields,
		RateLimitKey: m.RateLimitKey,
		WriteActions: m.WriteActions,
		Sdk:          m.SDK,
	}
	for _, c := range m.Capabilities {
		p.Capabilities = append(p.Capabilities, string(c))
	}
	for _, s := range m.Streams {
		ps := &pb.StreamSpec{Name: s.Name, CursorField: s.CursorField, Description: s.Description}
		for _, k := range s.Kinds {
			ps.Kinds = append(ps.Kinds, string(k))
		}
		p.Streams = append(p.Streams, ps)
	}
	if w := m.Webhook; w != nil {
		p.Webhook = webhookSpecToProto(w)
	}
	return p
}

func webhookSpecToProto(w *WebhookSpec) *pb.WebhookSpec {
	p := &pb.WebhookSpec{
		Scheme: w.Scheme, SignatureHeader: w.SignatureHeader, Encoding: w.Encoding, Prefix: w.Prefix,
		SecretField: w.SecretField, SecretNormalization: w.SecretNormalization, EventIdHeader: w.EventIDHeader,
		TopicHeader: w.TopicHeader, OrderingKeyHeader: w.OrderingKeyHeader, QueryParam: w.QueryParam, Name: w.Name,
	}
	for i := range w.Alternatives {
		p.Alternatives = append(p.Alternatives, webhookSpecToProto(&w.Alternatives[i]))
	}
	return p
}

func webhookSpecFromProto(w *pb.WebhookSpec) WebhookSpec {
	s := WebhookSpec{
		Scheme: w.GetScheme(), SignatureHeader: w.GetSignatureHeader(), Encoding: w.GetEncoding(), Prefix: w.GetPrefix(),
		SecretField: w.GetSecretField(), SecretNormalization: w.GetSecretNormalization(), EventIDHeader: w.GetEventIdHeader(),
		TopicHeader: w.GetTopicHeader(), OrderingKeyHeader: w.GetOrderingKeyHeader(), QueryParam: w.GetQueryParam(), Name: w.GetName(),
	}
	for _, a := range w.GetAlternatives() {
		s.Alternatives = append(s.Alternatives, webhookSpecFromProto(a))
	}
	return s
}

func manifestFromProto(p *pb.Manifest) *Manifest {
	if p == nil {
		return nil
	}
	m := &Manifest{
		Name:         p.GetName(),
		Version:      p.GetVersion(),
		Description:  p.GetDescription(),
		ConfigSchema: json.RawMessage(p.GetConfigSchema()),
		SecretFields: p.GetSecretFields(),
		RateLimitKey: p.GetRateLimitKey(),
		WriteActions: p.GetWriteActions(),
		SDK:          p.GetSdk(),
	}
	if len(m.ConfigSchema) == 0 {
		m.ConfigSchema = nil
	}
	for _, c := range p.GetCapabilities() {
		m.Capabilities = append(m.Capabilities, Capability(c))
	}
	for _, s := range p.GetStreams() {
		ss := StreamSpec{Name: s.GetName(), CursorField: s.GetCursorField(), Description: s.GetDescription()}
		for _, k := range s.GetKinds() {
			ss.Kinds = append(ss.Kinds, commerce.Kind(k))
		}
		m.Streams = append(m.Streams, ss)
	}
	if w := p.GetWebhook(); w != nil {
		s := webhookSpecFromProto(w)
		m.Webhook = &s
	}
	return m
}

func checkRequestToProto(r CheckRequest) *pb.CheckRequest {
	return &pb.CheckRequest{Connection: r.Connection, Config: r.Config}
}

func checkRequestFromProto(p *pb.CheckRequest) CheckRequest {
	return CheckRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig())}
}

func checkResponseToProto(r *CheckResponse) *pb.CheckResponse {
	if r == nil {
		return &pb.CheckResponse{}
	}
	return &pb.CheckResponse{Message: r.Message, Details: r.Details}
}

func checkResponseFromProto(p *pb.CheckResponse) *CheckResponse {
	r := &CheckResponse{Message: p.GetMessage()}
	if len(p.GetDetails()) > 0 {
		r.Details = p.GetDetails()
	}
	return r
}

// rawConfig returns the config document, nil when empty.
func rawConfig(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// ---------------------------------------------------------------------------
// Source

func readRequestToProto(r ReadRequest) *pb.ReadRequest {
	return &pb.ReadRequest{Connection: r.Connection, Config: r.Config, Stream: r.Stream, Mode: r.Mode, Cursor: r.Cursor, Ids: r.IDs}
}

func readRequestFromProto(p *pb.ReadRequest) ReadRequest {
	return ReadRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig()), Stream: p.GetStream(),
		Mode: p.GetMode(), Cursor: p.GetCursor(), IDs: p.GetIds()}
}

func progressToProto(p Progress) *pb.Progress {
	out := &pb.Progress{Records: p.Records, Pages: p.Pages, Total: p.Total, Message: p.Message}
	if p.RateLimitWait != 0 {
		out.RateLimitWait = durationpb.New(p.RateLimitWait)
	}
	return out
}

func progressFromProto(p *pb.Progress) Progress {
	out := Progress{Records: p.GetRecords(), Pages: p.GetPages(), Total: p.GetTotal(), Message: p.GetMessage()}
	if p.GetRateLimitWait() != nil {
		out.RateLimitWait = p.GetRateLimitWait().AsDuration()
	}
	return out
}

// ---------------------------------------------------------------------------
// Sink

func writeRequestToProto(r WriteRequest) (*pb.WriteRequest, error) {
	p := &pb.WriteRequest{Connection: r.Connection, Config: r.Config}
	for i, c := range r.Changes {
		rec, err := recordToProto(c.Record)
		if err != nil {
			return nil, fmt.Errorf("sdk: change %d (%s): %w", i, c.IdempotencyKey, err)
		}
		p.Changes = append(p.Changes, &pb.Change{IdempotencyKey: c.IdempotencyKey, Action: c.Action, Record: rec})
	}
	return p, nil
}

// writeRequestFromProto decodes the changes. A change whose record is bad
// fails the whole request as InvalidInput: the host sent it, so the host
// has a bug to fix.
func writeRequestFromProto(p *pb.WriteRequest) (WriteRequest, error) {
	r := WriteRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig())}
	for i, c := range p.GetChanges() {
		if c.GetRecord() == nil {
			return WriteRequest{}, InvalidInput("sdk: change %d (%s) has no record", i, c.GetIdempotencyKey())
		}
		rec, err := recordFromProto(c.GetRecord())
		if err != nil {
			return WriteRequest{}, fmt.Errorf("sdk: change %d (%s): %w", i, c.GetIdempotencyKey(), err)
		}
		r.Changes = append(r.Changes, Change{IdempotencyKey: c.GetIdempotencyKey(), Action: c.GetAction(), Record: rec})
	}
	return r, nil
}

func writeResponseToProto(r *WriteResponse) *pb.WriteResponse {
	p := &pb.WriteResponse{}
	if r == nil {
		return p
	}
	for _, res := range r.Results {
		p.Results = append(p.Results, &pb.ChangeResult{IdempotencyKey: res.IdempotencyKey, Status: res.Status,
			ExternalId: res.ExternalID, Error: errorToProto(res.Error)})
	}
	return p
}

func writeResponseFromProto(p *pb.WriteResponse) *WriteResponse {
	r := &WriteResponse{}
	for _, res := range p.GetResults() {
		r.Results = append(r.Results, ChangeResult{IdempotencyKey: res.GetIdempotencyKey(), Status: res.GetStatus(),
			ExternalID: res.GetExternalId(), Error: errorFromProto(res.GetError())})
	}
	return r
}

// ---------------------------------------------------------------------------
// Webhooks

func headersToProto(h http.Header) []*pb.Header {
	out := make([]*pb.Header, 0, len(h))
	for name, values := range h {
		out = append(out, &pb.Header{Name: name, Values: values})
	}
	return out
}

func headersFromProto(hs []*pb.Header) http.Header {
	h := make(http.Header, len(hs))
	for _, x := range hs {
		name := http.CanonicalHeaderKey(x.GetName())
		h[name] = append(h[name], x.GetValues()...)
	}
	return h
}

func webhookRequestToProto(r WebhookRequest) *pb.WebhookRequest {
	return &pb.WebhookRequest{Connection: r.Connection, Config: r.Config, Headers: headersToProto(r.Headers), Body: r.Body}
}

func webhookRequestFromProto(p *pb.WebhookRequest) WebhookRequest {
	return WebhookRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig()),
		Headers: headersFromProto(p.GetHeaders()), Body: p.GetBody()}
}

func webhookResponseToProto(r *WebhookResponse) (*pb.WebhookResponse, error) {
	p := &pb.WebhookResponse{}
	if r == nil {
		return p, nil
	}
	p.EventId, p.Topic = r.EventID, r.Topic
	var err error
	if p.Records, err = recordsToProto(r.Records); err != nil {
		return nil, err
	}
	for _, a := range r.Actions {
		pa := &pb.Action{Type: a.Type, Stream: a.Stream, Ids: a.IDs, OrderIds: a.OrderIDs}
		if pa.Customer, err = optionalDoc("action customer", a.Customer, a.Customer == nil); err != nil {
			return nil, err
		}
		p.Actions = append(p.Actions, pa)
	}
	return p, nil
}

func webhookResponseFromProto(p *pb.WebhookResponse) (*WebhookResponse, error) {
	r := &WebhookResponse{EventID: p.GetEventId(), Topic: p.GetTopic()}
	var err error
	if r.Records, err = recordsFromProto(p.GetRecords()); err != nil {
		return nil, err
	}
	for i, a := range p.GetActions() {
		act := Action{Type: a.GetType(), Stream: a.GetStream(), IDs: a.GetIds(), OrderIDs: a.GetOrderIds()}
		if len(a.GetCustomer()) > 0 {
			act.Customer = new(commerce.OrderCustomer)
			if err := unmarshalDoc(fmt.Sprintf("action %d customer", i), a.GetCustomer(), act.Customer); err != nil {
				return nil, err
			}
		}
		r.Actions = append(r.Actions, act)
	}
	return r, nil
}

// ---------------------------------------------------------------------------
// Carrier

func ratesRequestToProto(r RatesRequest) (*pb.RatesRequest, error) {
	p := &pb.RatesRequest{Connection: r.Connection, Config: r.Config, Carriers: r.Carriers}
	var err error
	if p.From, err = marshalDoc("from address", r.From); err != nil {
		return nil, err
	}
	if p.To, err = marshalDoc("to address", r.To); err != nil {
		return nil, err
	}
	for i, parcel := range r.Parcels {
		b, err := marshalDoc(fmt.Sprintf("parcel %d", i), parcel)
		if err != nil {
			return nil, err
		}
		p.Parcels = append(p.Parcels, b)
	}
	if p.Value, err = optionalDoc("value", r.Value, r.Value == nil); err != nil {
		return nil, err
	}
	return p, nil
}

func ratesRequestFromProto(p *pb.RatesRequest) (RatesRequest, error) {
	r := RatesRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig()), Carriers: p.GetCarriers()}
	if err := unmarshalDoc("from address", p.GetFrom(), &r.From); err != nil {
		return RatesRequest{}, err
	}
	if err := unmarshalDoc("to address", p.GetTo(), &r.To); err != nil {
		return RatesRequest{}, err
	}
	for i, b := range p.GetParcels() {
		var parcel Parcel
		if err := unmarshalDoc(fmt.Sprintf("parcel %d", i), b, &parcel); err != nil {
			return RatesRequest{}, err
		}
		r.Parcels = append(r.Parcels, parcel)
	}
	if len(p.GetValue()) > 0 {
		r.Value = new(commerce.Money)
		if err := unmarshalDoc("value", p.GetValue(), r.Value); err != nil {
			return RatesRequest{}, err
		}
	}
	return r, nil
}

func ratesResponseToProto(r *RatesResponse) (*pb.RatesResponse, error) {
	p := &pb.RatesResponse{}
	if r == nil {
		return p, nil
	}
	for i := range r.Rates {
		b, err := marshalDoc(fmt.Sprintf("rate %d", i), &r.Rates[i])
		if err != nil {
			return nil, err
		}
		p.Rates = append(p.Rates, b)
	}
	for _, e := range r.Errors {
		p.Errors = append(p.Errors, &pb.CarrierError{Carrier: e.Carrier, Message: e.Message})
	}
	return p, nil
}

func ratesResponseFromProto(p *pb.RatesResponse) (*RatesResponse, error) {
	r := &RatesResponse{}
	for i, b := range p.GetRates() {
		var rate commerce.Rate
		if err := unmarshalValid(fmt.Sprintf("rate %d", i), b, &rate); err != nil {
			return nil, err
		}
		r.Rates = append(r.Rates, rate)
	}
	for _, e := range p.GetErrors() {
		r.Errors = append(r.Errors, CarrierError{Carrier: e.GetCarrier(), Message: e.GetMessage()})
	}
	return r, nil
}

func labelRequestToProto(r LabelRequest) *pb.LabelRequest {
	return &pb.LabelRequest{Connection: r.Connection, Config: r.Config, ShipmentId: r.ShipmentID, RateId: r.RateID, IdempotencyKey: r.IdempotencyKey}
}

func labelRequestFromProto(p *pb.LabelRequest) LabelRequest {
	return LabelRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig()), ShipmentID: p.GetShipmentId(),
		RateID: p.GetRateId(), IdempotencyKey: p.GetIdempotencyKey()}
}

func labelToProto(l *commerce.Label) (*pb.LabelResponse, error) {
	if l == nil {
		return nil, InvalidInput("sdk: BuyLabel returned no label and no error")
	}
	b, err := marshalDoc("label", l)
	if err != nil {
		return nil, err
	}
	return &pb.LabelResponse{Label: b}, nil
}

func labelFromProto(p *pb.LabelResponse) (*commerce.Label, error) {
	l := new(commerce.Label)
	if err := unmarshalDoc("label", p.GetLabel(), l); err != nil {
		return nil, err
	}
	if err := l.Rate.Validate(); err != nil {
		e := InvalidInput("sdk: invalid label rate: %v", err)
		e.Cause = err
		return nil, e
	}
	return l, nil
}

func trackRequestToProto(r TrackRequest) *pb.TrackRequest {
	return &pb.TrackRequest{Connection: r.Connection, Config: r.Config, Carrier: r.Carrier, TrackingNumber: r.TrackingNumber}
}

func trackRequestFromProto(p *pb.TrackRequest) TrackRequest {
	return TrackRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig()), Carrier: p.GetCarrier(), TrackingNumber: p.GetTrackingNumber()}
}

func shipmentToProto(s *commerce.Shipment) (*pb.TrackResponse, error) {
	if s == nil {
		return nil, InvalidInput("sdk: Track returned no shipment and no error")
	}
	b, err := marshalDoc("shipment", s)
	if err != nil {
		return nil, err
	}
	return &pb.TrackResponse{Shipment: b}, nil
}

func shipmentFromProto(p *pb.TrackResponse) (*commerce.Shipment, error) {
	s := new(commerce.Shipment)
	if err := unmarshalValid("shipment", p.GetShipment(), s); err != nil {
		return nil, err
	}
	return s, nil
}

// ---------------------------------------------------------------------------
// FX

func dateToProto(d commerce.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func dateFromProto(what, s string) (commerce.Date, error) {
	if s == "" {
		return commerce.Date{}, nil
	}
	d, err := commerce.ParseDate(s)
	if err != nil {
		e := InvalidInput("sdk: %s %q is not a date YYYY-MM-DD: %v", what, s, err)
		e.Cause = err
		return commerce.Date{}, e
	}
	return d, nil
}

func fxRequestToProto(r FXRequest) *pb.FXRatesRequest {
	p := &pb.FXRatesRequest{Connection: r.Connection, Config: r.Config, Base: string(r.Base), Date: dateToProto(r.Date)}
	for _, q := range r.Quotes {
		p.Quotes = append(p.Quotes, string(q))
	}
	return p
}

func fxRequestFromProto(p *pb.FXRatesRequest) (FXRequest, error) {
	r := FXRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig()), Base: commerce.Currency(p.GetBase())}
	for _, q := range p.GetQuotes() {
		r.Quotes = append(r.Quotes, commerce.Currency(q))
	}
	var err error
	r.Date, err = dateFromProto("date", p.GetDate())
	return r, err
}

func fxResponseToProto(r *FXResponse) (*pb.FXRatesResponse, error) {
	p := &pb.FXRatesResponse{}
	if r == nil {
		return p, nil
	}
	for i := range r.Rates {
		b, err := marshalDoc(fmt.Sprintf("fx rate %d", i), &r.Rates[i])
		if err != nil {
			return nil, err
		}
		p.Rates = append(p.Rates, b)
	}
	return p, nil
}

func fxResponseFromProto(p *pb.FXRatesResponse) (*FXResponse, error) {
	r := &FXResponse{}
	for i, b := range p.GetRates() {
		var rate commerce.FXRate
		if err := unmarshalValid(fmt.Sprintf("fx rate %d", i), b, &rate); err != nil {
			return nil, err
		}
		r.Rates = append(r.Rates, rate)
	}
	return r, nil
}

// ---------------------------------------------------------------------------
// Customs

func landedCostRequestToProto(r LandedCostRequest) (*pb.LandedCostRequest, error) {
	p := &pb.LandedCostRequest{Connection: r.Connection, Config: r.Config, AsOf: dateToProto(r.AsOf), Incoterm: r.Incoterm,
		OriginCountry: r.OriginCountry, DestinationCountry: r.DestinationCountry, Currency: string(r.Currency)}
	for i, it := range r.Items {
		b, err := marshalDoc(fmt.Sprintf("item %d", i), it)
		if err != nil {
			return nil, err
		}
		p.Items = append(p.Items, b)
	}
	var err error
	if p.Shipping, err = marshalDoc("shipping", r.Shipping); err != nil {
		return nil, err
	}
	if p.Insurance, err = optionalDoc("insurance", r.Insurance, r.Insurance.Currency == "" && r.Insurance.Amount.IsZero()); err != nil {
		return nil, err
	}
	for i, fx := range r.FXRates {
		b, err := marshalDoc(fmt.Sprintf("fx rate %d", i), fx)
		if err != nil {
			return nil, err
		}
		p.FxRates = append(p.FxRates, b)
	}
	return p, nil
}

func landedCostRequestFromProto(p *pb.LandedCostRequest) (LandedCostRequest, error) {
	r := LandedCostRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig()), Incoterm: p.GetIncoterm(),
		OriginCountry: p.GetOriginCountry(), DestinationCountry: p.GetDestinationCountry(), Currency: commerce.Currency(p.GetCurrency())}
	var err error
	if r.AsOf, err = dateFromProto("as_of", p.GetAsOf()); err != nil {
		return LandedCostRequest{}, err
	}
	for i, b := range p.GetItems() {
		var it commerce.LandedCostItem
		if err := unmarshalDoc(fmt.Sprintf("item %d", i), b, &it); err != nil {
			return LandedCostRequest{}, err
		}
		r.Items = append(r.Items, it)
	}
	if err := unmarshalDoc("shipping", p.GetShipping(), &r.Shipping); err != nil {
		return LandedCostRequest{}, err
	}
	if len(p.GetInsurance()) > 0 {
		if err := unmarshalDoc("insurance", p.GetInsurance(), &r.Insurance); err != nil {
			return LandedCostRequest{}, err
		}
	}
	for i, b := range p.GetFxRates() {
		var fx commerce.FXRate
		if err := unmarshalValid(fmt.Sprintf("fx rate %d", i), b, &fx); err != nil {
			return LandedCostRequest{}, err
		}
		r.FXRates = append(r.FXRates, fx)
	}
	return r, nil
}

func landedCostToProto(l *commerce.LandedCost) (*pb.LandedCostResponse, error) {
	if l == nil {
		return nil, InvalidInput("sdk: LandedCost returned no quote and no error")
	}
	b, err := marshalDoc("landed cost", l)
	if err != nil {
		return nil, err
	}
	return &pb.LandedCostResponse{LandedCost: b}, nil
}

func landedCostFromProto(p *pb.LandedCostResponse) (*commerce.LandedCost, error) {
	l := new(commerce.LandedCost)
	if err := unmarshalValid("landed cost", p.GetLandedCost(), l); err != nil {
		return nil, err
	}
	return l, nil
}

// ---------------------------------------------------------------------------
// Subscriptions

func ensureWebhooksRequestToProto(r EnsureWebhooksRequest) *pb.EnsureWebhooksRequest {
	return &pb.EnsureWebhooksRequest{Connection: r.Connection, Config: r.Config, CallbackUrl: r.CallbackURL}
}

func ensureWebhooksRequestFromProto(p *pb.EnsureWebhooksRequest) EnsureWebhooksRequest {
	return EnsureWebhooksRequest{Connection: p.GetConnection(), Config: rawConfig(p.GetConfig()), CallbackURL: p.GetCallbackUrl()}
}

func ensureWebhooksResponseToProto(r *EnsureWebhooksResponse) *pb.EnsureWebhooksResponse {
	p := &pb.EnsureWebhooksResponse{}
	if r == nil {
		return p
	}
	for _, res := range r.Results {
		p.Results = append(p.Results, &pb.WebhookSubscriptionResult{Topic: res.Topic, SubscriptionId: res.SubscriptionID,
			Action: res.Action, Error: errorToProto(res.Error)})
	}
	return p
}

// ensureWebhooksResponseFromProto converts the results; an action the SDK
// does not know is InvalidInput, so that a plugin cannot report nonsense.
func ensureWebhooksResponseFromProto(p *pb.EnsureWebhooksResponse) (*EnsureWebhooksResponse, error) {
	r := &EnsureWebhooksResponse{}
	for i, res := range p.GetResults() {
		if !slices.Contains(SubscriptionActions(), res.GetAction()) {
			return nil, InvalidInput("result %d (topic %q): action %q is unknown (known: %v)", i, res.GetTopic(), res.GetAction(), SubscriptionActions()).
				WithDetail("fix the connector: EnsureWebhooks must report one of the sdk.Subscription* actions")
		}
		r.Results = append(r.Results, WebhookSubscriptionResult{Topic: res.GetTopic(), SubscriptionID: res.GetSubscriptionId(),
			Action: res.GetAction(), Error: errorFromProto(res.GetError())})
	}
	return r, nil
}
