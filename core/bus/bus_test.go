package bus

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// testBuses returns the buses to run the suite against: the embedded
// server always, the external NATS at SUPPLYHUB_TEST_NATS_URL when set.
func testBuses(t *testing.T) map[string]func(t *testing.T) *Bus {
	m := map[string]func(t *testing.T) *Bus{
		"embedded": func(t *testing.T) *Bus {
			b, err := Open(context.Background(), Config{}, t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b
		},
	}
	if url := os.Getenv("SUPPLYHUB_TEST_NATS_URL"); url != "" {
		m["external"] = func(t *testing.T) *Bus {
			// A stream and subject of its own per test keeps runs apart on a
			// shared server.
			id := fmt.Sprintf("t%d", time.Now().UnixNano())
			b, err := Open(context.Background(), Config{Driver: "nats", URL: url, Stream: "TEST_" + id, Subject: id, MaxAge: time.Hour}, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if js, err := b.nc.JetStream(); err == nil {
					js.DeleteStream("TEST_" + id) //nolint:errcheck
				}
				b.Close()
			})
			return b
		}
	} else {
		t.Log("SUPPLYHUB_TEST_NATS_URL is not set: the external NATS half of the suite is skipped (.ci/run sets it)")
	}
	return m
}

func forEachBus(t *testing.T, f func(t *testing.T, open func(t *testing.T) *Bus)) {
	for name, open := range testBuses(t) {
		t.Run(name, func(t *testing.T) { f(t, open) })
	}
}

func publishN(t *testing.T, b *Bus, topic string, n int) {
	t.Helper()
	for i := range n {
		// Unique ids: JetStream drops a repeated message id as a duplicate.
		if err := b.Publish(topic, message.NewMessage(watermill.NewUUID(), []byte(fmt.Sprint(i)))); err != nil {
			t.Fatal(err)
		}
	}
}

// receive reads n messages from ch (acking them) or fails after timeout.
func receive(t *testing.T, ch <-chan *message.Message, n int, timeout time.Duration) []string {
	t.Helper()
	var got []string
	deadline := time.After(timeout)
	for len(got) < n {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed after %d of %d messages", len(got), n)
			}
			got = append(got, string(m.Payload))
			m.Ack()
		case <-deadline:
			t.Fatalf("received %d of %d messages", len(got), n)
		}
	}
	return got
}

func TestGroupsEachGetEveryMessage(t *testing.T) {
	forEachBus(t, func(t *testing.T, open func(t *testing.T) *Bus) {
		b := open(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		forecast, err := b.Subscribe(ctx, "order.upserted", "forecast")
		if err != nil {
			t.Fatal(err)
		}
		recommend, err := b.Subscribe(ctx, "order.upserted", "recommend")
		if err != nil {
			t.Fatal(err)
		}
		publishN(t, b, "order.upserted", 20)
		publishN(t, b, "inventory_level.upserted", 3) // another topic must not leak in
		for _, ch := range []<-chan *message.Message{forecast, recommend} {
			got := receive(t, ch, 20, 10*time.Second)
			if strings.Join(got, ",") != "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19" {
				t.Fatalf("got %v, want 0..19 in order", got)
			}
		}
	})
}

func TestGroupMembersShareMessages(t *testing.T) {
	forEachBus(t, func(t *testing.T, open func(t *testing.T) *Bus) {
		// Two buses on one server stand for two gateway instances.
		a := open(t)
		bb := a
		if a.cfg.Driver == "nats" {
			var err error
			bb, err = Open(context.Background(), a.cfg, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer bb.Close()
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch1, err := a.Subscribe(ctx, "webhook.received", "workers")
		if err != nil {
			t.Fatal(err)
		}
		ch2, err := bb.Subscribe(ctx, "webhook.received", "workers")
		if err != nil {
			t.Fatal(err)
		}
		const n = 60
		publishN(t, a, "webhook.received", n)
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for _, ch := range []<-chan *message.Message{ch1, ch2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case m := <-ch:
						mu.Lock()
						seen[string(m.Payload)]++
						mu.Unlock()
						m.Ack()
					case <-time.After(2 * time.Second):
						return
					}
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Fatalf("group received %d distinct of %d", len(seen), n)
		}
		for k, c := range seen {
			if c != 1 {
				t.Fatalf("message %s delivered %d times within one group", k, c)
			}
		}
	})
}

func TestNackRedelivers(t *testing.T) {
	forEachBus(t, func(t *testing.T, open func(t *testing.T) *Bus) {
		b := open(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch, err := b.Subscribe(ctx, "sync.requested", "g")
		if err != nil {
			t.Fatal(err)
		}
		publishN(t, b, "sync.requested", 1)
		select {
		case m := <-ch:
			m.Nack()
		case <-time.After(10 * time.Second):
			t.Fatal("no message")
		}
		if got := receive(t, ch, 1, 10*time.Second); got[0] != "0" {
			t.Fatalf("redelivered %v", got)
		}
	})
}

// TestEmbeddedKeepsMessagesAcrossRestart publishes to the embedded server,
// closes it, reopens it on the same data directory, and consumes.
func TestEmbeddedKeepsMessagesAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := Config{AckWait: 2 * time.Second}
	b, err := Open(ctx, cfg, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The group exists before the messages, as it does in the gateway.
	sctx, cancel := context.WithCancel(ctx)
	ch, err := b.Subscribe(sctx, "order.upserted", "forecast")
	if err != nil {
		t.Fatal(err)
	}
	receive(t, func() <-chan *message.Message { publishN(t, b, "order.upserted", 1); return ch }(), 1, 10*time.Second)
	cancel()
	time.Sleep(100 * time.Millisecond)
	publishN(t, b, "order.upserted", 5)
	if err := b.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	b, err = Open(ctx, cfg, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ch, err = b.Subscribe(ctx, "order.upserted", "forecast")
	if err != nil {
		t.Fatal(err)
	}
	got := receive(t, ch, 5, 10*time.Second)
	sort.Strings(got)
	if strings.Join(got, ",") != "0,1,2,3,4" {
		t.Fatalf("after restart got %v, want the 5 unconsumed messages and not the consumed one again", got)
	}
}

func TestRelayPublishesOutboxInOrder(t *testing.T) {
	forEachBus(t, func(t *testing.T, open func(t *testing.T) *Bus) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		b := open(t)
		s, err := store.Open(ctx, store.Config{}, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ch, err := b.Subscribe(ctx, "inventory_level.upserted", "test")
		if err != nil {
			t.Fatal(err)
		}
		var recs []commerce.Record
		for i := range 30 {
			recs = append(recs, &commerce.InventoryLevel{
				Meta: commerce.Meta{Source: commerce.Ref{Connection: "c", ExternalID: fmt.Sprint(i)}, UpdatedAt: time.Now()},
				SKU:  "S", LocationID: "L", Available: i,
			})
		}
		if _, err := s.UpsertRecords(ctx, recs); err != nil {
			t.Fatal(err)
		}
		r := NewRelay(s, b, nil)
		r.Batch = 7
		go r.Run(ctx) //nolint:errcheck
		r.Notify()
		got := receive(t, ch, 30, 15*time.Second)
		for i, payload := range got {
			if !strings.Contains(payload, fmt.Sprintf(`"external_id":"%d"`, i)) {
				t.Fatalf("event %d is %s: order lost", i, payload)
			}
		}
		if left, _ := s.ClaimOutbox(ctx, 100, time.Minute); len(left) != 0 {
			t.Fatalf("%d events left unpublished", len(left))
		}
	})
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, Config{Driver: "kafka"}, t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "embedded, nats or gochannel") {
		t.Fatalf("unknown driver: %v", err)
	}
	if _, err := Open(ctx, Config{Driver: "nats"}, "", nil); err == nil || !strings.Contains(err.Error(), "bus.url") {
		t.Fatalf("nats without url: %v", err)
	}
	if _, err := Open(ctx, Config{Driver: "nats", URL: "nats://127.0.0.1:1"}, "", nil); err == nil {
		t.Fatal("connected to a closed port")
	}
	if _, err := Open(ctx, Config{}, "", nil); err == nil {
		t.Fatal("embedded without a data directory accepted")
	}
	b, err := Open(ctx, Config{Driver: "gochannel"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Subscribe(ctx, "x", ""); err == nil {
		t.Fatal("subscribe without a group accepted")
	}
	if err := b.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDuplicateMessageIDIsDropped(t *testing.T) {
	forEachBus(t, func(t *testing.T, open func(t *testing.T) *Bus) {
		b := open(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch, err := b.Subscribe(ctx, "order.upserted", "g")
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"first", "again", "other"} {
			id := "outbox-1"
			if p == "other" {
				id = "outbox-2"
			}
			if err := b.Publish("order.upserted", message.NewMessage(id, []byte(p))); err != nil {
				t.Fatal(err)
			}
		}
		if got := receive(t, ch, 2, 10*time.Second); got[0] != "first" || got[1] != "other" {
			t.Fatalf("got %v: a republished outbox event must be dropped", got)
		}
	})
}
