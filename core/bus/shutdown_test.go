package bus

import (
	"context"
	"testing"
	"time"
)

// Cancelling a subscription's context while messages are in flight (the
// gateway shutting down under webhook traffic) must not crash: the NATS
// callback of an in-flight message must never send on the closed channel.
func TestCancelUnderLoadDoesNotPanic(t *testing.T) {
	b, err := Open(context.Background(), Config{}, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for round := range 30 {
		ctx, cancel := context.WithCancel(context.Background())
		ch, err := b.Subscribe(ctx, "stress", "g")
		if err != nil {
			t.Fatal(err)
		}
		publishN(t, b, "stress", 20)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for m := range ch {
				time.Sleep(200 * time.Microsecond) // a busy handler
				if ctx.Err() != nil {
					m.Nack()
					continue
				}
				m.Ack()
			}
		}()
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: the channel was not closed after the context ended", round)
		}
	}
}

// Closing the bus while messages are in flight (the gateway's shutdown:
// the context ends, then Close) neither crashes nor reports an error, and
// closes the subscriber's channel.
func TestCloseUnderLoad(t *testing.T) {
	for round := range 8 {
		b, err := Open(context.Background(), Config{}, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ch, err := b.Subscribe(ctx, "stress", "g")
		if err != nil {
			t.Fatal(err)
		}
		publishN(t, b, "stress", 50)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for m := range ch {
				time.Sleep(200 * time.Microsecond)
				m.Ack()
			}
		}()
		time.Sleep(time.Duration(round) * time.Millisecond)
		cancel()
		if err := b.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: the channel was not closed", round)
		}
	}
}
