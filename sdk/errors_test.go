package sdk

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset")
	tests := []struct {
		name      string
		err       error
		kind      ErrorKind
		retryable bool
	}{
		{"auth", Authentication("shopify: 401"), KindAuthentication, false},
		{"rate", RateLimited(2*time.Second, "slow down"), KindRateLimited, true},
		{"retryable", Retryable(cause, "list orders"), KindRetryable, true},
		{"permanent", Permanent(cause, "order gone"), KindPermanent, false},
		{"invalid", InvalidInput("bad body"), KindInvalidInput, false},
		{"not implemented", Missing("odoo", CapCarrier), KindNotImplemented, false},
		{"plain", cause, KindUnknown, true},
		{"wrapped", fmt.Errorf("sync: %w", Authentication("revoked")), KindAuthentication, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.kind {
				t.Fatalf("KindOf = %s, want %s", got, tt.kind)
			}
			if got := IsRetryable(tt.err); got != tt.retryable {
				t.Fatalf("IsRetryable = %v", got)
			}
			if tt.kind != KindUnknown && !errors.Is(tt.err, &Error{Kind: tt.kind}) {
				t.Fatal("errors.Is by kind failed")
			}
		})
	}
	if RetryAfterOf(RateLimited(3*time.Second, "x")) != 3*time.Second {
		t.Fatal("RetryAfterOf")
	}
	if !errors.Is(Retryable(context.DeadlineExceeded, "call"), context.DeadlineExceeded) {
		t.Fatal("Retryable should unwrap to its cause")
	}
	e := Authentication("shopify: 401 Unauthorized").WithDetail("reinstall the app")
	if e.Error() != "shopify: 401 Unauthorized (reinstall the app)" {
		t.Fatalf("Error() = %q", e.Error())
	}
}
