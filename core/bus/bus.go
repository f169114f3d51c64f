package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Config selects and configures the bus.
type Config struct {
	// Driver is "embedded" (default), "nats" or "gochannel" (tests only).
	Driver string `yaml:"driver" env:"SUPPLYHUB_BUS_DRIVER"`
	// URL is the external NATS server, e.g. nats://127.0.0.1:4222.
	URL string `yaml:"url" env:"SUPPLYHUB_BUS_URL"`
	// Stream is the JetStream stream holding every topic; default SUPPLYHUB.
	Stream string `yaml:"stream" env:"SUPPLYHUB_BUS_STREAM"`
	// Subject prefixes every topic's subject; default "supplyhub". Tests use
	// distinct prefixes to share one server.
	Subject string `yaml:"subject" env:"SUPPLYHUB_BUS_SUBJECT"`
	// MaxAge bounds how long the stream keeps messages; default 7 days.
	MaxAge time.Duration `yaml:"max_age" env:"SUPPLYHUB_BUS_MAX_AGE"`
	// AckWait is how long a subscriber may hold a message before it is
	// redelivered; default 30 s.
	AckWait time.Duration `yaml:"ack_wait" env:"SUPPLYHUB_BUS_ACK_WAIT"`
}

func (c *Config) setDefaults() {
	if c.Driver == "" {
		c.Driver = "embedded"
	}
	if c.Stream == "" {
		c.Stream = "SUPPLYHUB"
	}
	if c.Subject == "" {
		c.Subject = "supplyhub"
	}
	if c.MaxAge == 0 {
		c.MaxAge = 7 * 24 * time.Hour
	}
	if c.AckWait == 0 {
		c.AckWait = 30 * time.Second
	}
}

// Bus publishes and subscribes to topics.
type Bus struct {
	cfg    Config
	logger watermill.LoggerAdapter
	slog   *slog.Logger

	ns      *server.Server // embedded server, or nil
	nc      *nats.Conn     // the publisher's connection, or nil for gochannel
	connect func() (*nats.Conn, error)
	conns   []*nats.Conn // subscribers' own connections
	pub     message.Publisher
	gc      *gochannel.GoChannel

	mu   sync.Mutex
	subs map[string]message.Subscriber // by group
	// closing is set when Close starts; the subscribers' log then drops
	// the "connection closed" errors of unsubscribing a drained connection.
	closing atomic.Bool
}

// Open connects the bus. dataDir holds the embedded server's store.
func Open(ctx context.Context, cfg Config, dataDir string, logger *slog.Logger) (*Bus, error) {
	cfg.setDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := &Bus{cfg: cfg, slog: logger, logger: watermill.NewSlogLoggerWithLevelMapping(logger, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug}), subs: map[string]message.Subscriber{}}
	switch cfg.Driver {
	case "gochannel":
		b.gc = gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 256}, b.logger)
		b.pub = b.gc
		return b, nil
	case "embedded":
		if dataDir == "" {
			return nil, errors.New("bus: the embedded driver needs a data directory")
		}
		ns, err := startEmbedded(filepath.Join(dataDir, "nats"))
		if err != nil {
			return nil, err
		}
		b.ns = ns
		b.connect = func() (*nats.Conn, error) {
			return nats.Connect("", nats.InProcessServer(ns), nats.Name("supplyhub"))
		}
		b.nc, err = b.connect()
		if err != nil {
			ns.Shutdown()
			return nil, fmt.Errorf("bus: connect to embedded NATS: %w", err)
		}
	case "nats":
		if cfg.URL == "" {
			return nil, errors.New("bus: driver nats needs bus.url (SUPPLYHUB_BUS_URL), e.g. nats://127.0.0.1:4222")
		}
		b.connect = func() (*nats.Conn, error) {
			return nats.Connect(cfg.URL, nats.Name("supplyhub"), nats.MaxReconnects(-1), nats.Timeout(5*time.Second))
		}
		var err error
		b.nc, err = b.connect()
		if err != nil {
			return nil, fmt.Errorf("bus: connect to NATS at %s: %w (is nats-server running with -js?)", cfg.URL, err)
		}
	default:
		return nil, fmt.Errorf("bus: unknown driver %q: use embedded, nats or gochannel", cfg.Driver)
	}
	if err := b.ensureStream(); err != nil {
		b.Close()
		return nil, err
	}
	pub, err := wmnats.NewPublisherWithNatsConn(b.nc, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: b.subjects(""),
		JetStream:         wmnats.JetStreamConfig{TrackMsgId: true},
	}, b.logger)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: publisher: %w", err)
	}
	b.pub = pub
	logger.Info("bus opened", "driver", cfg.Driver, "stream", cfg.Stream)
	return b, nil
}

func startEmbedded(dir string) (*server.Server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("bus: create %s: %w", dir, err)
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "supplyhub-embedded",
		JetStream:  true,
		StoreDir:   dir,
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: embedded NATS: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("bus: embedded NATS did not start within 10 s")
	}
	return ns, nil
}

func (b *Bus) ensureStream() error {
	js, err := b.nc.JetStream()
	if err != nil {
		return fmt.Errorf("bus: JetStream: %w", err)
	}
	want := &nats.StreamConfig{
		Name:       b.cfg.Stream,
		Subjects:   []string{b.cfg.Subject + ".>"},
		Storage:    nats.FileStorage,
		Retention:  nats.LimitsPolicy,
		MaxAge:     b.cfg.MaxAge,
		Duplicates: 2 * time.Minute,
	}
	if _, err := js.StreamInfo(want.Name); errors.Is(err, nats.ErrStreamNotFound) {
		if _, err := js.AddStream(want); err != nil {
			return fmt.Errorf("bus: create stream %s: %w", want.Name, err)
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("bus: stream %s: %w (does the NATS server have JetStream enabled?)", want.Name, err)
	}
	return nil
}

// sanitize makes a topic usable in consumer and queue names.
func sanitize(s string) string {
	return strings.NewReplacer(".", "_", "*", "_", ">", "_", " ", "_").Replace(s)
}

func (b *Bus) subjects(group string) wmnats.SubjectCalculator {
	return func(_, topic string) *wmnats.SubjectDetail {
		return &wmnats.SubjectDetail{Primary: b.cfg.Subject + "." + topic, QueueGroup: sanitize(group + "_" + topic)}
	}
}

// durable names the JetStream consumer of a group for a subject.
func (b *Bus) durable(group, subject string) string { return sanitize(group + "_" + subject) }

// ensureConsumer creates the group's durable consumer for topic if it does
// not exist. Creating it here, rather than letting the client library do
// it, keeps it alive when subscribers leave: the group resumes where it
// stopped after a restart instead of replaying the stream.
func (b *Bus) ensureConsumer(topic, group string) error {
	js, err := b.nc.JetStream()
	if err != nil {
		return fmt.Errorf("bus: JetStream: %w", err)
	}
	subject := b.cfg.Subject + "." + topic
	name := b.durable(group, subject)
	if _, err := js.ConsumerInfo(b.cfg.Stream, name); err == nil {
		return nil
	} else if !errors.Is(err, nats.ErrConsumerNotFound) {
		return fmt.Errorf("bus: consumer %s: %w", name, err)
	}
	_, err = js.AddConsumer(b.cfg.Stream, &nats.ConsumerConfig{
		Durable:        name,
		DeliverSubject: nats.NewInbox(),
		DeliverGroup:   sanitize(group + "_" + topic),
		FilterSubject:  subject,
		DeliverPolicy:  nats.DeliverAllPolicy,
		AckPolicy:      nats.AckExplicitPolicy,
		AckWait:        b.cfg.AckWait,
		MaxAckPending:  1024,
		MaxDeliver:     -1,
	})
	if err != nil && !errors.Is(err, nats.ErrConsumerNameAlreadyInUse) {
		return fmt.Errorf("bus: create consumer %s: %w", name, err)
	}
	return nil
}

// Publish publishes messages on topic.
func (b *Bus) Publish(topic string, msgs ...*message.Message) error {
	subject := topic
	if b.gc == nil {
		// The NATS marshaler publishes to the topic as the subject.
		subject = b.cfg.Subject + "." + topic
	}
	if err := b.pub.Publish(subject, msgs...); err != nil {
		return fmt.Errorf("bus: publish %s: %w", topic, err)
	}
	return nil
}

// Subscribe returns the messages of topic for group. Each message must be
// acked (or nacked to be redelivered). Every group sees every message; the
// subscribers of one group, in this process or others, share them.
func (b *Bus) Subscribe(ctx context.Context, topic, group string) (<-chan *message.Message, error) {
	if group == "" {
		return nil, errors.New("bus: subscribe needs a group name")
	}
	if b.gc != nil {
		return b.gc.Subscribe(ctx, topic)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.ensureConsumer(topic, group); err != nil {
		return nil, err
	}
	sub, ok := b.subs[group]
	if !ok {
		// Each group has its own connection: closing a watermill subscriber
		// drains its connection.
		conn, err := b.connect()
		if err != nil {
			return nil, fmt.Errorf("bus: connect subscriber for group %s: %w", group, err)
		}
		b.conns = append(b.conns, conn)
		sub, err = wmnats.NewSubscriberWithNatsConn(conn, wmnats.SubscriberSubscriptionConfig{
			Unmarshaler:       &wmnats.NATSMarshaler{},
			SubscribersCount:  1,
			AckWaitTimeout:    b.cfg.AckWait,
			CloseTimeout:      5 * time.Second,
			SubscribeTimeout:  10 * time.Second,
			SubjectCalculator: b.subjects(group),
			NakDelay:          wmnats.NewStaticDelay(time.Second),
			QueueGroupPrefix:  group,
			JetStream: wmnats.JetStreamConfig{
				DurablePrefix:     group,
				DurableCalculator: func(group, subject string) string { return b.durable(group, subject) },
				SubscribeOptions:  []nats.SubOpt{nats.ManualAck()},
			},
		}, closingLogger{LoggerAdapter: b.logger, closing: &b.closing})
		if err != nil {
			return nil, fmt.Errorf("bus: subscriber for group %s: %w", group, err)
		}
		b.subs[group] = sub
	}
	// watermill-nats closes its channel when the subscribe context ends
	// while a NATS callback may still be about to send on it ("send on
	// closed channel", a crash at shutdown under traffic). So its context
	// never ends: ctx ends our forwarding channel instead, and the
	// subscription itself stops in Close, after its connection is drained.
	ch, err := sub.Subscribe(context.WithoutCancel(ctx), topic)
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe %s as %s: %w", topic, group, err)
	}
	return forward(ctx, ch), nil
}

// forward passes in's messages on until ctx ends, then closes its channel
// and keeps reading in, nacking what arrives (it is redelivered to the
// group's other members, or after a restart), until in is closed: a NATS
// callback is never left blocked on a send.
func forward(ctx context.Context, in <-chan *message.Message) <-chan *message.Message {
	out := make(chan *message.Message)
	go func() {
		defer func() {
			for m := range in {
				m.Nack()
			}
		}()
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- m:
				case <-ctx.Done():
					m.Nack()
					return
				}
			}
		}
	}()
	return out
}

// Driver returns the configured driver.
func (b *Bus) Driver() string { return b.cfg.Driver }

// Ping checks the connection to NATS.
func (b *Bus) Ping(ctx context.Context) error {
	if b.nc == nil {
		return nil
	}
	if !b.nc.IsConnected() {
		return fmt.Errorf("bus: not connected to NATS (status %s)", b.nc.Status())
	}
	done := make(chan error, 1)
	go func() { done <- b.nc.FlushTimeout(5 * time.Second) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("bus: ping: %w", err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes subscribers, the publisher, the connection and the embedded
// server.
func (b *Bus) Close() error {
	var errs []error
	b.mu.Lock()
	b.closing.Store(true)
	// Drain the subscribers' connections first: no new deliveries, and the
	// callbacks in flight finish (forward reads and nacks what they hand
	// over) before watermill closes its channels, so none can send on a
	// closed one.
	for _, c := range b.conns {
		if err := c.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, c := range b.conns {
		for !c.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	for _, s := range b.subs {
		if err := s.Close(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, err)
		}
	}
	b.subs = map[string]message.Subscriber{}
	b.mu.Unlock()
	if b.pub != nil && b.gc == nil {
		errs = append(errs, b.pub.Close())
	}
	if b.gc != nil {
		errs = append(errs, b.gc.Close())
	}
	if b.nc != nil {
		b.nc.Close()
	}
	for _, c := range b.conns {
		c.Close()
	}
	if b.ns != nil {
		b.ns.Shutdown()
		b.ns.WaitForShutdown()
	}
	return errors.Join(errs...)
}

// closingLogger drops the errors a subscriber logs when it unsubscribes
// from a connection Close has already drained.
type closingLogger struct {
	watermill.LoggerAdapter
	closing *atomic.Bool
}

func (l closingLogger) Error(msg string, err error, fields watermill.LogFields) {
	if l.closing.Load() && errors.Is(err, nats.ErrConnectionClosed) {
		return
	}
	l.LoggerAdapter.Error(msg, err, fields)
}

func (l closingLogger) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return closingLogger{LoggerAdapter: l.LoggerAdapter.With(fields), closing: l.closing}
}
