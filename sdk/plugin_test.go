package sdk

import (
	"context"
	"reflect"
	"testing"
)

type onlyConnector struct{}

func (onlyConnector) Describe(context.Context) (*Manifest, error) { return &Manifest{Name: "x"}, nil }
func (onlyConnector) Check(context.Context, CheckRequest) (*CheckResponse, error) {
	return &CheckResponse{}, nil
}

type sourceConnector struct{ onlyConnector }

func (sourceConnector) Read(context.Context, ReadRequest, ReadStream) error { return nil }
func (sourceConnector) ParseWebhook(context.Context, WebhookRequest) (*WebhookResponse, error) {
	return &WebhookResponse{}, nil
}

func TestInProcessFindsCapabilities(t *testing.T) {
	t.Parallel()
	if got := InProcess(onlyConnector{}).Capabilities(); len(got) != 0 {
		t.Fatalf("bare connector offers %v", got)
	}
	p := InProcess(sourceConnector{})
	if got, want := p.Capabilities(), []Capability{CapSource, CapWebhooks}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Capabilities = %v, want %v", got, want)
	}
	if p.Sink != nil || p.Carrier != nil {
		t.Fatal("capabilities not offered must be nil")
	}
}
