package sdk

import (
	"context"
	"fmt"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/grpcplugin"
	pb "github.com/supplyhub/supplyhub/sdk/proto/supplyhub/connector/v1"
)

// Read batching: records are sent in batches of up to maxBatchRecords
// records or about maxBatchBytes of JSON, whichever comes first, and always
// before a checkpoint, so that a checkpoint follows the records it covers.
const (
	maxBatchRecords = 500
	maxBatchBytes   = 1 << 20
	// progressEvery throttles progress messages; the latest one is sent at
	// the next flush when they come faster.
	progressEvery = 100 * time.Millisecond
)

// newServers returns the gRPC services of c: Connector always, and each
// capability c implements.
func newServers(c Connector) *grpcplugin.Servers {
	p := InProcess(c)
	sv := &grpcplugin.Servers{Connector: &connectorServer{c: c, caps: p.Capabilities()}}
	if p.Source != nil {
		sv.Source = &sourceServer{s: p.Source}
	}
	if p.Sink != nil {
		sv.Sink = &sinkServer{s: p.Sink}
	}
	if p.Webhooks != nil {
		sv.Webhooks = &webhooksServer{w: p.Webhooks}
	}
	if p.Carrier != nil {
		sv.Carrier = &carrierServer{c: p.Carrier}
	}
	if p.FX != nil {
		sv.FX = &fxServer{f: p.FX}
	}
	if p.Customs != nil {
		sv.Customs = &customsServer{c: p.Customs}
	}
	if p.Subscriptions != nil {
		sv.Subscriptions = &subscriptionsServer{s: p.Subscriptions}
	}
	return sv
}

type connectorServer struct {
	pb.UnimplementedConnectorServer
	c    Connector
	caps []Capability
}

// describe returns the connector's manifest with the capabilities and SDK
// filled in by Serve.
func describe(ctx context.Context, c Connector, caps []Capability) (*Manifest, error) {
	m, err := c.Describe(ctx)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, InvalidInput("sdk: Describe returned no manifest and no error")
	}
	cp := *m
	cp.Capabilities = caps
	cp.SDK = sdkID
	return &cp, nil
}

func (s *connectorServer) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	m, err := describe(ctx, s.c, s.caps)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.DescribeResponse{Manifest: manifestToProto(m)}, nil
}

func (s *connectorServer) Check(ctx context.Context, req *pb.CheckRequest) (*pb.CheckResponse, error) {
	res, err := s.c.Check(ctx, checkRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return checkResponseToProto(res), nil
}

type sourceServer struct {
	pb.UnimplementedSourceServer
	s Source
}

func (s *sourceServer) Read(req *pb.ReadRequest, stream pb.Source_ReadServer) error {
	ctx := stream.Context()
	b := &batcher{ctx: ctx, send: stream.Send}
	err := s.s.Read(ctx, readRequestFromProto(req), b)
	if err == nil {
		err = b.flush()
	}
	return toStatus(ctx, err)
}

// batcher is the ReadStream a plugin's Read writes to: it batches records
// and keeps records, checkpoints and progress in the order they were sent.
type batcher struct {
	ctx          context.Context
	send         func(*pb.ReadResponse) error
	pending      []*pb.Record
	pendingBytes int
	progress     *pb.Progress
	lastProgress time.Time
	sent         int64
}

func (b *batcher) Records(records ...commerce.Record) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	for _, r := range records {
		p, err := recordToProto(r)
		if err != nil {
			return fmt.Errorf("sdk: Read: record %d: %w", b.sent+int64(len(b.pending)), err)
		}
		b.pending = append(b.pending, p)
		b.pendingBytes += len(p.Json) + len(p.Kind) + 8
		if len(b.pending) >= maxBatchRecords || b.pendingBytes >= maxBatchBytes {
			if err := b.flushRecords(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *batcher) Checkpoint(cursor string) error {
	if err := b.flush(); err != nil {
		return err
	}
	return b.send(&pb.ReadResponse{Message: &pb.ReadResponse_Checkpoint{Checkpoint: &pb.Checkpoint{Cursor: cursor}}})
}

func (b *batcher) Progress(p Progress) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	b.progress = progressToProto(p)
	if time.Since(b.lastProgress) < progressEvery {
		return nil
	}
	return b.flush()
}

// flush sends pending records, then the latest progress.
func (b *batcher) flush() error {
	if err := b.flushRecords(); err != nil {
		return err
	}
	if b.progress == nil {
		return nil
	}
	p := b.progress
	b.progress = nil
	b.lastProgress = time.Now()
	return b.send(&pb.ReadResponse{Message: &pb.ReadResponse_Progress{Progress: p}})
}

func (b *batcher) flushRecords() error {
	if len(b.pending) == 0 {
		return nil
	}
	batch := &pb.RecordBatch{Records: b.pending}
	b.sent += int64(len(b.pending))
	b.pending = make([]*pb.Record, 0, maxBatchRecords)
	b.pendingBytes = 0
	return b.send(&pb.ReadResponse{Message: &pb.ReadResponse_Records{Records: batch}})
}

type sinkServer struct {
	pb.UnimplementedSinkServer
	s Sink
}

func (s *sinkServer) Write(ctx context.Context, req *pb.WriteRequest) (*pb.WriteResponse, error) {
	r, err := writeRequestFromProto(req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	res, err := s.s.Write(ctx, r)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return writeResponseToProto(res), nil
}

type webhooksServer struct {
	pb.UnimplementedWebhooksServer
	w Webhooks
}

func (s *webhooksServer) ParseWebhook(ctx context.Context, req *pb.WebhookRequest) (*pb.WebhookResponse, error) {
	res, err := s.w.ParseWebhook(ctx, webhookRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	p, err := webhookResponseToProto(res)
	return p, toStatus(ctx, err)
}

type carrierServer struct {
	pb.UnimplementedCarrierServer
	c Carrier
}

func (s *carrierServer) Rates(ctx context.Context, req *pb.RatesRequest) (*pb.RatesResponse, error) {
	r, err := ratesRequestFromProto(req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	res, err := s.c.Rates(ctx, r)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	p, err := ratesResponseToProto(res)
	return p, toStatus(ctx, err)
}

func (s *carrierServer) BuyLabel(ctx context.Context, req *pb.LabelRequest) (*pb.LabelResponse, error) {
	l, err := s.c.BuyLabel(ctx, labelRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	p, err := labelToProto(l)
	return p, toStatus(ctx, err)
}

func (s *carrierServer) Track(ctx context.Context, req *pb.TrackRequest) (*pb.TrackResponse, error) {
	sh, err := s.c.Track(ctx, trackRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	p, err := shipmentToProto(sh)
	return p, toStatus(ctx, err)
}

type fxServer struct {
	pb.UnimplementedFXServer
	f FX
}

func (s *fxServer) Rates(ctx context.Context, req *pb.FXRatesRequest) (*pb.FXRatesResponse, error) {
	r, err := fxRequestFromProto(req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	res, err := s.f.Rates(ctx, r)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	p, err := fxResponseToProto(res)
	return p, toStatus(ctx, err)
}

type customsServer struct {
	pb.UnimplementedCustomsServer
	c Customs
}

func (s *customsServer) LandedCost(ctx context.Context, req *pb.LandedCostRequest) (*pb.LandedCostResponse, error) {
	r, err := landedCostRequestFromProto(req)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	l, err := s.c.LandedCost(ctx, r)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	p, err := landedCostToProto(l)
	return p, toStatus(ctx, err)
}

type subscriptionsServer struct {
	pb.UnimplementedSubscriptionsServer
	s Subscriptions
}

func (s *subscriptionsServer) EnsureWebhooks(ctx context.Context, req *pb.EnsureWebhooksRequest) (*pb.EnsureWebhooksResponse, error) {
	res, err := s.s.EnsureWebhooks(ctx, ensureWebhooksRequestFromProto(req))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return ensureWebhooksResponseToProto(res), nil
}
