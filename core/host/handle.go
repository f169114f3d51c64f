package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// handle returns the plugin's restart-proof capabilities and a copy of its
// manifest; both are zero before the first successful start.
func (s *supervisor) handle() (sdk.Plugin, *sdk.Manifest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.manifest == nil {
		return sdk.Plugin{}, nil
	}
	m := *s.manifest
	return s.plugin, &m
}

// newHandle builds the capabilities the manifest lists, each calling the
// current process.
func (s *supervisor) newHandle(m *sdk.Manifest) sdk.Plugin {
	p := sdk.Plugin{Connector: connectorHandle{s}}
	for _, c := range m.Capabilities {
		switch c {
		case sdk.CapSource:
			p.Source = sourceHandle{s}
		case sdk.CapSink:
			p.Sink = sinkHandle{s}
		case sdk.CapWebhooks:
			p.Webhooks = webhooksHandle{s}
		case sdk.CapCarrier:
			p.Carrier = carrierHandle{s}
		case sdk.CapFX:
			p.FX = fxHandle{s}
		case sdk.CapCustoms:
			p.Customs = customsHandle{s}
		case sdk.CapSubscriptions:
			p.Subscriptions = subscriptionsHandle{s}
		}
	}
	return p
}

// call runs fn against the current process. If the process dies during
// the call, the call fails as retryable, saying when the plugin restarts.
func (s *supervisor) call(ctx context.Context, method string, fn func(ctx context.Context, p sdk.Plugin) error) error {
	g, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(g.ctx, cancel)
	defer func() {
		stop()
		cancel()
	}()
	err = fn(cctx, g.remote)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if g.ctx.Err() != nil || s.checkExited(g) || waitExited(g, err) {
		s.died(g, fmt.Errorf("it stopped during %s", method))
		return s.crashError(method, err)
	}
	return err
}

// waitExited gives go-plugin a moment to notice that a process whose
// connection broke has exited, so that the call reports the crash.
func waitExited(g *generation, err error) bool {
	if !transportFailure(err) {
		return false
	}
	deadline := time.Now().Add(250 * time.Millisecond)
	for time.Now().Before(deadline) {
		if g.ctx.Err() != nil || g.client.Exited() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// transportFailure reports whether err is the connection to the plugin
// failing, rather than an error the plugin returned.
func transportFailure(err error) bool {
	var e *sdk.Error
	if !errors.As(err, &e) || e.Cause == nil {
		return false
	}
	switch status.Code(e.Cause) {
	case codes.Unavailable, codes.Canceled, codes.Internal:
		return true
	}
	return false
}

func (s *supervisor) crashError(method string, cause error) error {
	s.mu.Lock()
	wait := max(time.Until(s.nextStart), 0)
	s.mu.Unlock()
	return &sdk.Error{Kind: sdk.KindRetryable, RetryAfter: wait, Cause: cause,
		Message: fmt.Sprintf("host: plugin %s stopped during %s; it is being restarted", s.name, method),
		Detail:  "retry the call (a Read resumes from its last checkpoint); the host restarts crashed plugins with backoff"}
}

// missing returns the error for a capability the running process does not
// serve (its manifest changed since the handle was built).
func (s *supervisor) missing(c sdk.Capability) error { return sdk.Missing(s.name, c) }

type connectorHandle struct{ s *supervisor }

func (h connectorHandle) Describe(ctx context.Context) (*sdk.Manifest, error) {
	var m *sdk.Manifest
	err := h.s.call(ctx, "Describe", func(ctx context.Context, p sdk.Plugin) (err error) {
		m, err = p.Connector.Describe(ctx)
		return err
	})
	return m, err
}

func (h connectorHandle) Check(ctx context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	var res *sdk.CheckResponse
	err := h.s.call(ctx, "Check", func(ctx context.Context, p sdk.Plugin) (err error) {
		res, err = p.Connector.Check(ctx, req)
		return err
	})
	return res, err
}

type sourceHandle struct{ s *supervisor }

func (h sourceHandle) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadStream) error {
	return h.s.call(ctx, "Read "+req.Stream, func(ctx context.Context, p sdk.Plugin) error {
		if p.Source == nil {
			return h.s.missing(sdk.CapSource)
		}
		return p.Source.Read(ctx, req, out)
	})
}

type sinkHandle struct{ s *supervisor }

func (h sinkHandle) Write(ctx context.Context, req sdk.WriteRequest) (*sdk.WriteResponse, error) {
	var res *sdk.WriteResponse
	err := h.s.call(ctx, "Write", func(ctx context.Context, p sdk.Plugin) (err error) {
		if p.Sink == nil {
			return h.s.missing(sdk.CapSink)
		}
		res, err = p.Sink.Write(ctx, req)
		return err
	})
	return res, err
}

type webhooksHandle struct{ s *supervisor }

func (h webhooksHandle) ParseWebhook(ctx context.Context, req sdk.WebhookRequest) (*sdk.WebhookResponse, error) {
	var res *sdk.WebhookResponse
	err := h.s.call(ctx, "ParseWebhook", func(ctx context.Context, p sdk.Plugin) (err error) {
		if p.Webhooks == nil {
			return h.s.missing(sdk.CapWebhooks)
		}
		res, err = p.Webhooks.ParseWebhook(ctx, req)
		return err
	})
	return res, err
}

type carrierHandle struct{ s *supervisor }

func (h carrierHandle) Rates(ctx context.Context, req sdk.RatesRequest) (*sdk.RatesResponse, error) {
	var res *sdk.RatesResponse
	err := h.s.call(ctx, "Rates", func(ctx context.Context, p sdk.Plugin) (err error) {
		if p.Carrier == nil {
			return h.s.missing(sdk.CapCarrier)
		}
		res, err = p.Carrier.Rates(ctx, req)
		return err
	})
	return res, err
}

func (h carrierHandle) BuyLabel(ctx context.Context, req sdk.LabelRequest) (*commerce.Label, error) {
	var res *commerce.Label
	err := h.s.call(ctx, "BuyLabel", func(ctx context.Context, p sdk.Plugin) (err error) {
		if p.Carrier == nil {
			return h.s.missing(sdk.CapCarrier)
		}
		res, err = p.Carrier.BuyLabel(ctx, req)
		return err
	})
	return res, err
}

func (h carrierHandle) Track(ctx context.Context, req sdk.TrackRequest) (*commerce.Shipment, error) {
	var res *commerce.Shipment
	err := h.s.call(ctx, "Track", func(ctx context.Context, p sdk.Plugin) (err error) {
		if p.Carrier == nil {
			return h.s.missing(sdk.CapCarrier)
		}
		res, err = p.Carrier.Track(ctx, req)
		return err
	})
	return res, err
}

type fxHandle struct{ s *supervisor }

func (h fxHandle) Rates(ctx context.Context, req sdk.FXRequest) (*sdk.FXResponse, error) {
	var res *sdk.FXResponse
	err := h.s.call(ctx, "FX Rates", func(ctx context.Context, p sdk.Plugin) (err error) {
		if p.FX == nil {
			return h.s.missing(sdk.CapFX)
		}
		res, err = p.FX.Rates(ctx, req)
		return err
	})
	return res, err
}

type customsHandle struct{ s *supervisor }

func (h customsHandle) LandedCost(ctx context.Context, req sdk.LandedCostRequest) (*commerce.LandedCost, error) {
	var res *commerce.LandedCost
	err := h.s.call(ctx, "LandedCost", func(ctx context.Context, p sdk.Plugin) (err error) {
		if p.Customs == nil {
			return h.s.missing(sdk.CapCustoms)
		}
		res, err = p.Customs.LandedCost(ctx, req)
		return err
	})
	return res, err
}

type subscriptionsHandle struct{ s *supervisor }

func (h subscriptionsHandle) EnsureWebhooks(ctx context.Context, req sdk.EnsureWebhooksRequest) (*sdk.EnsureWebhooksResponse, error) {
	var res *sdk.EnsureWebhooksResponse
	err := h.s.call(ctx, "EnsureWebhooks", func(ctx context.Context, p sdk.Plugin) (err error) {
		if p.Subscriptions == nil {
			return h.s.missing(sdk.CapSubscriptions)
		}
		res, err = p.Subscriptions.EnsureWebhooks(ctx, req)
		return err
	})
	return res, err
}

// Interface guards.
var (
	_ sdk.Connector     = connectorHandle{}
	_ sdk.Source        = sourceHandle{}
	_ sdk.Sink          = sinkHandle{}
	_ sdk.Webhooks      = webhooksHandle{}
	_ sdk.Carrier       = carrierHandle{}
	_ sdk.FX            = fxHandle{}
	_ sdk.Customs       = customsHandle{}
	_ sdk.Subscriptions = subscriptionsHandle{}
)
