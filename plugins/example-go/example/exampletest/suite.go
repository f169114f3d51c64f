package exampletest

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
	"github.com/supplyhub/supplyhub/sdk/conformance"
)

// Stream is the one stream the example connectors read.
const Stream = "orders"

// Suite returns the conformance suite of this server for plugin:
// configurations, upstream hooks, webhook fixtures and write fixtures.
// Webhook fixtures change two orders, so build the suite before reading.
func (s *Server) Suite(plugin sdk.Plugin) conformance.Suite {
	return conformance.Suite{
		Plugin:         plugin,
		Connection:     "conformance",
		Config:         s.Config(),
		BadCredentials: s.ConfigWithKey("wrong-api-key-0000"),
		Upstream:       s.Upstream(),
		Webhooks:       s.WebhookFixtures(),
		Writes:         s.WriteFixtures("conformance"),
	}
}

// Upstream returns the hooks that change the shop between reads.
func (s *Server) Upstream() conformance.Upstream {
	return conformance.Upstream{
		Add: func(_ context.Context, stream string) (string, error) {
			if stream != Stream {
				return "", fmt.Errorf("exampletest: no stream %q", stream)
			}
			return s.AddOrder(), nil
		},
		Update: func(_ context.Context, stream string) (string, error) {
			if stream != Stream {
				return "", fmt.Errorf("exampletest: no stream %q", stream)
			}
			return s.UpdateOrder("")
		},
		Stall: s.Stall,
	}
}

// WebhookFixtures returns signed deliveries: a valid one and its
// redelivery, a badly signed one, and an older and a newer update of one
// order (UpdateOrder runs in between).
func (s *Server) WebhookFixtures() *conformance.WebhookFixtures {
	ids := s.OrderIDs()
	must := func(h http.Header, b []byte, err error) conformance.Delivery {
		if err != nil {
			panic(err)
		}
		return conformance.Delivery{Headers: h, Body: b}
	}
	valid := must(s.Webhook("orders/updated", ids[1]))
	bad := conformance.Delivery{Headers: valid.Headers.Clone(), Body: valid.Body}
	bad.Headers.Set(SignatureHeader, s.Sign([]byte("another body")))
	older := must(s.Webhook("orders/updated", ids[2]))
	if _, err := s.UpdateOrder(ids[2]); err != nil {
		panic(err)
	}
	newer := must(s.Webhook("orders/updated", ids[2]))
	return &conformance.WebhookFixtures{
		Valid:        valid,
		BadSignature: bad,
		Duplicate:    conformance.Delivery{Headers: valid.Headers.Clone(), Body: valid.Body},
		Older:        older,
		Newer:        newer,
	}
}

// WriteFixtures returns two inventory writes the shop accepts and one for
// an unknown SKU it rejects.
func (s *Server) WriteFixtures(connection string) *conformance.WriteFixtures {
	level := func(sku, loc string, n int) commerce.Record {
		return &commerce.InventoryLevel{
			Meta: commerce.Meta{Source: commerce.Ref{Connection: connection, ExternalID: sku + "@" + loc},
				UpdatedAt: time.Date(2026, 3, 14, 10, 0, 0, 0, Zone)},
			SKU: sku, LocationID: loc, OnHand: n, Available: n,
		}
	}
	return &conformance.WriteFixtures{
		Changes: []sdk.Change{
			{IdempotencyKey: "inv-1", Action: sdk.ActionSetInventory, Record: level("SKU-1", "loc-1", 7)},
			{IdempotencyKey: "inv-2", Action: sdk.ActionSetInventory, Record: level("SKU-3", "loc-2", 12)},
		},
		Failing: &sdk.Change{IdempotencyKey: "inv-404", Action: sdk.ActionSetInventory, Record: level("SKU-404", "loc-1", 1)},
		Applied: func(_ context.Context, key string) (int, error) { return s.Applied(key), nil },
	}
}
