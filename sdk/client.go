package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
	pb "github.com/supplyhub/supplyhub/sdk/proto/supplyhub/connector/v1"
)

// RecordRejecter may be implemented by the ReadStream a host passes to a
// plugin's Read. A record the plugin sends that does not decode or validate
// is then handed to RejectRecord (the host dead-letters it) and the read
// goes on; without it, such a record fails the Read with an InvalidInput
// error naming the record and the bad fields.
type RecordRejecter interface {
	// RejectRecord receives the record's kind, its JSON document and the
	// InvalidInput error saying what is wrong. Returning an error stops the
	// Read with that error.
	RejectRecord(kind commerce.Kind, doc []byte, err error) error
}

// NewRemote returns the capabilities of a plugin process reached through
// clients (as go-plugin dispenses them, see package grpcplugin), and its
// manifest. It calls Describe once; only the capabilities the manifest
// lists are set in the Plugin. Records the plugin sends are decoded and
// validated on this side of the boundary. name is the plugin's name in
// errors.
//
// The host (package core/host) wraps the result so that it survives plugin
// restarts; use that rather than calling NewRemote directly.
func NewRemote(ctx context.Context, name string, clients *grpcplugin.Clients) (Plugin, *Manifest, error) {
	res, err := clients.Connector.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return Plugin{}, nil, fmt.Errorf("sdk: describe plugin %s: %w", name, fromStatus(ctx, err, name, "connector", "Describe"))
	}
	m := manifestFromProto(res.GetManifest())
	if m == nil {
		return Plugin{}, nil, fmt.Errorf("sdk: describe plugin %s: the plugin returned no manifest", name)
	}
	p := Plugin{Connector: &remoteConnector{name: name, c: clients.Connector, m: m}}
	for _, c := range m.Capabilities {
		switch c {
		case CapSource:
			p.Source = &remoteSource{name: name, c: clients.Source}
		case CapSink:
			p.Sink = &remoteSink{name: name, c: clients.Sink}
		case CapWebhooks:
			p.Webhooks = &remoteWebhooks{name: name, c: clients.Webhooks}
		case CapCarrier:
			p.Carrier = &remoteCarrier{name: name, c: clients.Carrier}
		case CapFX:
			p.FX = &remoteFX{name: name, c: clients.FX}
		case CapCustoms:
			p.Customs = &remoteCustoms{name: name, c: clients.Customs}
		case CapSubscriptions:
			p.Subscriptions = &remoteSubscriptions{name: name, c: clients.Subscriptions}
		}
	}
	return p, m, nil
}

type remoteConnector struct {
	name string
	c    pb.ConnectorClient
	m    *Manifest
}

// Describe asks the plugin again, so that a caller sees what the running
// process says.
func (r *remoteConnector) Describe(ctx context.Context) (*Manifest, error) {
	res, err := r.c.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, "connector", "Describe")
	}
	m := manifestFromProto(res.GetManifest())
	if m == nil {
		return nil, InvalidInput("sdk: plugin %s returned no manifest", r.name)
	}
	return m, nil
}

func (r *remoteConnector) Check(ctx context.Context, req CheckRequest) (*CheckResponse, error) {
	res, err := r.c.Check(ctx, checkRequestToProto(req))
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, "connector", "Check")
	}
	return checkResponseFromProto(res), nil
}

type remoteSource struct {
	name string
	c    pb.SourceClient
}

func (r *remoteSource) Read(ctx context.Context, req ReadRequest, out ReadStream) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := r.c.Read(ctx, readRequestToProto(req))
	if err != nil {
		return fromStatus(ctx, err, r.name, CapSource, "Read")
	}
	_, reject := out.(RecordRejecter)
	// Decoding the records' JSON is most of the host's work in a Read, so
	// batches are decoded in parallel while the next ones arrive; the
	// results reach out in the order the plugin sent them, on this
	// goroutine.
	workers := min(runtime.GOMAXPROCS(0), 4)
	ordered := make(chan *readItem, 2*workers)
	work := make(chan *readItem, 2*workers)
	var recvErr error
	go func() {
		defer close(ordered)
		defer close(work)
		for {
			msg, err := stream.Recv()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					recvErr = fromStatus(ctx, err, r.name, CapSource, "Read")
				}
				return
			}
			it := &readItem{msg: msg, done: make(chan struct{})}
			if _, isBatch := msg.GetMessage().(*pb.ReadResponse_Records); isBatch {
				select {
				case work <- it:
				case <-ctx.Done():
					recvErr = fromStatus(ctx, ctx.Err(), r.name, CapSource, "Read")
					return
				}
			} else {
				close(it.done)
			}
			select {
			case ordered <- it:
			case <-ctx.Done():
				recvErr = fromStatus(ctx, ctx.Err(), r.name, CapSource, "Read")
				return
			}
		}
	}()
	for range workers {
		go func() {
			for it := range work {
				it.recs, it.rejects, it.err = decodeBatch(it.msg.GetRecords().GetRecords(), reject)
				close(it.done)
			}
		}()
	}
	for it := range ordered {
		<-it.done
		if err := r.deliver(req, it, out); err != nil {
			return err
		}
	}
	// ordered is closed after recvErr is set.
	return recvErr
}

// readItem is one message of a Read stream on its way to the ReadStream.
type readItem struct {
	msg     *pb.ReadResponse
	done    chan struct{}
	recs    []commerce.Record
	rejects []rejected
	err     error
}

// rejected is a record that did not decode or validate.
type rejected struct {
	kind commerce.Kind
	doc  []byte
	err  error
}

func (r *remoteSource) deliver(req ReadRequest, it *readItem, out ReadStream) error {
	switch m := it.msg.GetMessage().(type) {
	case *pb.ReadResponse_Records:
		if it.err != nil {
			return fmt.Errorf("sdk: plugin %s: Read %s: %w", r.name, req.Stream, it.err)
		}
		if rj, ok := out.(RecordRejecter); ok {
			for _, x := range it.rejects {
				if err := rj.RejectRecord(x.kind, x.doc, x.err); err != nil {
					return err
				}
			}
		}
		if len(it.recs) > 0 {
			return out.Records(it.recs...)
		}
	case *pb.ReadResponse_Checkpoint:
		return out.Checkpoint(m.Checkpoint.GetCursor())
	case *pb.ReadResponse_Progress:
		return out.Progress(progressFromProto(m.Progress))
	}
	return nil
}

// decodeBatch decodes and validates a batch. Invalid records are returned
// as rejects when keepRejects is set, and fail the batch otherwise.
func decodeBatch(ps []*pb.Record, keepRejects bool) ([]commerce.Record, []rejected, error) {
	out := make([]commerce.Record, 0, len(ps))
	var rejects []rejected
	for _, p := range ps {
		rec, err := recordFromProto(p)
		if err != nil {
			if !keepRejects {
				return nil, nil, err
			}
			rejects = append(rejects, rejected{kind: commerce.Kind(p.GetKind()), doc: p.GetJson(), err: err})
			continue
		}
		out = append(out, rec)
	}
	return out, rejects, nil
}

type remoteSink struct {
	name string
	c    pb.SinkClient
}

func (r *remoteSink) Write(ctx context.Context, req WriteRequest) (*WriteResponse, error) {
	p, err := writeRequestToProto(req)
	if err != nil {
		return nil, err
	}
	res, err := r.c.Write(ctx, p)
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, CapSink, "Write")
	}
	out := writeResponseFromProto(res)
	if len(out.Results) != len(req.Changes) {
		return nil, InvalidInput("sdk: plugin %s: Write returned %d results for %d changes", r.name, len(out.Results), len(req.Changes)).
			WithDetail("a Sink must return one result per change, in order; fix the connector")
	}
	return out, nil
}

type remoteWebhooks struct {
	name string
	c    pb.WebhooksClient
}

func (r *remoteWebhooks) ParseWebhook(ctx context.Context, req WebhookRequest) (*WebhookResponse, error) {
	res, err := r.c.ParseWebhook(ctx, webhookRequestToProto(req))
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, CapWebhooks, "ParseWebhook")
	}
	out, err := webhookResponseFromProto(res)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin %s: ParseWebhook: %w", r.name, err)
	}
	return out, nil
}

type remoteCarrier struct {
	name string
	c    pb.CarrierClient
}

func (r *remoteCarrier) Rates(ctx context.Context, req RatesRequest) (*RatesResponse, error) {
	p, err := ratesRequestToProto(req)
	if err != nil {
		return nil, err
	}
	res, err := r.c.Rates(ctx, p)
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, CapCarrier, "Rates")
	}
	out, err := ratesResponseFromProto(res)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin %s: Rates: %w", r.name, err)
	}
	return out, nil
}

func (r *remoteCarrier) BuyLabel(ctx context.Context, req LabelRequest) (*commerce.Label, error) {
	res, err := r.c.BuyLabel(ctx, labelRequestToProto(req))
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, CapCarrier, "BuyLabel")
	}
	out, err := labelFromProto(res)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin %s: BuyLabel: %w", r.name, err)
	}
	return out, nil
}

func (r *remoteCarrier) Track(ctx context.Context, req TrackRequest) (*commerce.Shipment, error) {
	res, err := r.c.Track(ctx, trackRequestToProto(req))
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, CapCarrier, "Track")
	}
	out, err := shipmentFromProto(res)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin %s: Track: %w", r.name, err)
	}
	return out, nil
}

type remoteFX struct {
	name string
	c    pb.FXClient
}

func (r *remoteFX) Rates(ctx context.Context, req FXRequest) (*FXResponse, error) {
	res, err := r.c.Rates(ctx, fxRequestToProto(req))
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, CapFX, "Rates")
	}
	out, err := fxResponseFromProto(res)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin %s: FX Rates: %w", r.name, err)
	}
	return out, nil
}

type remoteCustoms struct {
	name string
	c    pb.CustomsClient
}

func (r *remoteCustoms) LandedCost(ctx context.Context, req LandedCostRequest) (*commerce.LandedCost, error) {
	p, err := landedCostRequestToProto(req)
	if err != nil {
		return nil, err
	}
	res, err := r.c.LandedCost(ctx, p)
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, CapCustoms, "LandedCost")
	}
	out, err := landedCostFromProto(res)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin %s: LandedCost: %w", r.name, err)
	}
	return out, nil
}

type remoteSubscriptions struct {
	name string
	c    pb.SubscriptionsClient
}

func (r *remoteSubscriptions) EnsureWebhooks(ctx context.Context, req EnsureWebhooksRequest) (*EnsureWebhooksResponse, error) {
	res, err := r.c.EnsureWebhooks(ctx, ensureWebhooksRequestToProto(req))
	if err != nil {
		return nil, fromStatus(ctx, err, r.name, CapSubscriptions, "EnsureWebhooks")
	}
	out, err := ensureWebhooksResponseFromProto(res)
	if err != nil {
		return nil, fmt.Errorf("sdk: plugin %s: EnsureWebhooks: %w", r.name, err)
	}
	return out, nil
}

// Interface guards.
var (
	_ Connector     = (*remoteConnector)(nil)
	_ Source        = (*remoteSource)(nil)
	_ Sink          = (*remoteSink)(nil)
	_ Webhooks      = (*remoteWebhooks)(nil)
	_ Carrier       = (*remoteCarrier)(nil)
	_ FX            = (*remoteFX)(nil)
	_ Customs       = (*remoteCustoms)(nil)
	_ Subscriptions = (*remoteSubscriptions)(nil)
	_ ReadStream    = (*batcher)(nil)
)
