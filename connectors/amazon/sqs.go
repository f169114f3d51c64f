package amazon

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// sqsClient calls SQS's JSON protocol (AWS JSON 1.0, SigV4-signed).
type sqsClient struct {
	queueURL string
	endpoint string
	region   string
	cred     awsCredentials
	hc       *http.Client
	now      func() time.Time
}

// sqsMessage is one message of ReceiveMessage's answer.
type sqsMessage struct {
	MessageID     string            `json:"MessageId"`
	ReceiptHandle string            `json:"ReceiptHandle"`
	MD5OfBody     string            `json:"MD5OfBody"`
	Body          string            `json:"Body"`
	Attributes    map[string]string `json:"Attributes"`
}

// sqsError is an AWS JSON protocol error.
type sqsError struct {
	Status  int
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func (e *sqsError) Error() string {
	t := e.Type
	if i := strings.LastIndexByte(t, '#'); i >= 0 {
		t = t[i+1:]
	}
	return fmt.Sprintf("sqs: %d %s: %s", e.Status, t, e.Message)
}

func (s *sqsClient) call(ctx context.Context, action string, in, out any) error {
	payload, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint+"/", bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+action)
	signV4(req, payload, s.cred, s.region, "sqs", s.now())
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("sqs %s: %w", action, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("sqs %s: read answer: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &sqsError{Status: resp.StatusCode}
		if json.Unmarshal(raw, e) != nil || e.Type == "" {
			e.Type, e.Message = resp.Status, snippet(raw)
		}
		return e
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("sqs %s: malformed answer: %w", action, err)
		}
	}
	return nil
}

// receive long-polls for up to max messages.
func (s *sqsClient) receive(ctx context.Context, max, waitSeconds, visibility int) ([]sqsMessage, error) {
	var out struct {
		Messages []sqsMessage `json:"Messages"`
	}
	in := map[string]any{"QueueUrl": s.queueURL, "MaxNumberOfMessages": max, "WaitTimeSeconds": waitSeconds,
		"VisibilityTimeout": visibility, "MessageSystemAttributeNames": []string{"All"}}
	if err := s.call(ctx, "ReceiveMessage", in, &out); err != nil {
		return nil, err
	}
	return out.Messages, nil
}

// delete removes a message once it is safely stored elsewhere.
func (s *sqsClient) delete(ctx context.Context, receipt string) error {
	return s.call(ctx, "DeleteMessage", map[string]any{"QueueUrl": s.queueURL, "ReceiptHandle": receipt}, nil)
}

// RelayConfig configures a Relay.
type RelayConfig struct {
	// QueueURL is the SQS queue Amazon delivers notifications to.
	QueueURL string
	// Region is the queue's AWS region.
	Region string
	// Endpoint replaces the queue URL's scheme and host for API calls (the
	// fake in tests); empty uses the queue URL's.
	Endpoint string
	// AccessKeyID, SecretAccessKey and SessionToken sign the SQS calls.
	AccessKeyID, SecretAccessKey, SessionToken string
	// GatewayURL is the gateway's /webhooks/<connection> URL.
	GatewayURL string
	// Secret is the connection's relay_secret.
	Secret string
	// WaitSeconds is the long-polling wait (1 to 20, default 20).
	WaitSeconds int
	// VisibilityTimeoutSeconds hides a received message while it is
	// relayed (default 120).
	VisibilityTimeoutSeconds int
	// MaxMessages is how many messages one receive asks for (1 to 10,
	// default 10).
	MaxMessages int
	// Transport sends the requests (default http.DefaultTransport).
	Transport http.RoundTripper
	// Logger receives the relay's logs (default: discarded).
	Logger *slog.Logger
}

// RelayConfigFrom takes a Relay's configuration from a connection's.
func RelayConfigFrom(cfg Config) RelayConfig {
	return RelayConfig{QueueURL: cfg.SQSQueueURL, Region: cfg.SQSRegion, Endpoint: cfg.SQSEndpoint, AccessKeyID: cfg.SQSAccessKeyID,
		SecretAccessKey: cfg.SQSSecretAccessKey, SessionToken: cfg.SQSSessionToken, GatewayURL: cfg.GatewayWebhookURL, Secret: cfg.RelaySecret,
		WaitSeconds: cfg.SQSWaitSeconds, VisibilityTimeoutSeconds: cfg.SQSVisibilityTimeoutSeconds}
}

// RelayStats counts what a Relay did.
type RelayStats struct {
	// Received counts messages received from SQS (redeliveries included).
	Received int64
	// Relayed counts messages the gateway stored (accepted or duplicate).
	Relayed int64
	// Duplicates counts messages the gateway already had.
	Duplicates int64
	// Deleted counts messages deleted from the queue.
	Deleted int64
	// Failed counts deliveries the gateway did not store; their messages
	// stay in the queue and come back after the visibility timeout.
	Failed int64
	// BadChecksum counts messages whose body did not match MD5OfBody.
	BadChecksum int64
}

// Relay moves SP-API notifications from an SQS queue to the gateway's
// webhook path. It long-polls the queue, posts each message body unchanged
// with the connection's relay secret (X-Supplyhub-Relay-Token), the
// notification id (X-Supplyhub-Event-Id) and type (X-Supplyhub-Topic),
// and deletes the message only after the gateway answered 2xx, that is
// after the gateway stored the delivery durably. A message the gateway did
// not take stays in the queue and is received again when its visibility
// timeout ends (and, with a redrive policy, reaches the queue's dead-letter
// queue after maxReceiveCount attempts), so nothing is lost; a redelivered
// message the gateway already has is answered "duplicate" and deleted.
type Relay struct {
	cfg RelayConfig
	sqs *sqsClient
	hc  *http.Client
	log *slog.Logger

	received, relayed, duplicates, deleted, failed, badChecksum atomic.Int64
}

// NewRelay checks cfg and returns a Relay.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	var errs []string
	u, err := url.Parse(cfg.QueueURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		errs = append(errs, fmt.Sprintf("queue URL %q is not an SQS queue URL", cfg.QueueURL))
	}
	if cfg.Region == "" {
		errs = append(errs, "the queue's region is required")
	}
	if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		errs = append(errs, "AWS credentials are required")
	}
	g, err := url.Parse(cfg.GatewayURL)
	if err != nil || g.Host == "" || (g.Scheme != "http" && g.Scheme != "https") {
		errs = append(errs, fmt.Sprintf("gateway URL %q must be the gateway's http(s) /webhooks/<connection> URL", cfg.GatewayURL))
	}
	if cfg.Secret == "" {
		errs = append(errs, "the relay secret is required")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("amazon: relay: %s", strings.Join(errs, "; "))
	}
	defInt(&cfg.WaitSeconds, 20)
	defInt(&cfg.VisibilityTimeoutSeconds, 120)
	defInt(&cfg.MaxMessages, 10)
	cfg.WaitSeconds = min(max(cfg.WaitSeconds, 1), 20)
	cfg.MaxMessages = min(max(cfg.MaxMessages, 1), 10)
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = u.Scheme + "://" + u.Host
	}
	return &Relay{
		cfg: cfg,
		sqs: &sqsClient{queueURL: cfg.QueueURL, endpoint: strings.TrimSuffix(endpoint, "/"), region: cfg.Region,
			cred: awsCredentials{cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken},
			hc:   &http.Client{Transport: cfg.Transport, Timeout: time.Duration(cfg.WaitSeconds+10) * time.Second}, now: time.Now},
		hc:  &http.Client{Transport: cfg.Transport, Timeout: 30 * time.Second},
		log: cfg.Logger.With("queue", cfg.QueueURL),
	}, nil
}

// Stats returns what the relay did so far.
func (r *Relay) Stats() RelayStats {
	return RelayStats{Received: r.received.Load(), Relayed: r.relayed.Load(), Duplicates: r.duplicates.Load(),
		Deleted: r.deleted.Load(), Failed: r.failed.Load(), BadChecksum: r.badChecksum.Load()}
}

// Run relays until ctx ends, backing off (1 s doubling to 60 s) while SQS
// or the gateway fail. It returns nil when ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	backoff := time.Second
	for ctx.Err() == nil {
		_, err := r.Once(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			backoff = time.Second
			continue
		}
		r.log.Warn("amazon relay: retrying", "wait", backoff, "err", err)
		if sleepCtx(ctx, backoff) != nil {
			return nil
		}
		backoff = min(backoff*2, time.Minute)
	}
	return nil
}

// Once receives one batch (waiting up to WaitSeconds for it) and relays
// it. It returns how many messages the gateway stored, and an error when
// SQS failed or a delivery was not stored.
func (r *Relay) Once(ctx context.Context) (int, error) {
	msgs, err := r.sqs.receive(ctx, r.cfg.MaxMessages, r.cfg.WaitSeconds, r.cfg.VisibilityTimeoutSeconds)
	if err != nil {
		return 0, fmt.Errorf("amazon relay: receive: %w", err)
	}
	n := 0
	var errs []error
	for _, m := range msgs {
		r.received.Add(1)
		if err := r.relay(ctx, m); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

func (r *Relay) relay(ctx context.Context, m sqsMessage) error {
	sum := md5.Sum([]byte(m.Body))
	if m.MD5OfBody != "" && !strings.EqualFold(hex.EncodeToString(sum[:]), m.MD5OfBody) {
		r.badChecksum.Add(1)
		return fmt.Errorf("amazon relay: message %s: body does not match MD5OfBody; left in the queue", m.MessageID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.GatewayURL, strings.NewReader(m.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(RelayTokenHeader, r.cfg.Secret)
	if n, err := ParseNotification([]byte(m.Body)); err == nil {
		if id := n.ID(); id != "" {
			req.Header.Set(RelayEventIDHeader, id)
		}
		req.Header.Set(RelayTopicHeader, n.NotificationType)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		r.failed.Add(1)
		return fmt.Errorf("amazon relay: message %s: post to the gateway: %w", m.MessageID, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		r.failed.Add(1)
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized {
			hint = " (the gateway refused the relay secret: set the same relay_secret in the connection)"
		}
		return fmt.Errorf("amazon relay: message %s: the gateway answered %s%s: %s", m.MessageID, resp.Status, hint, snippet(body))
	}
	r.relayed.Add(1)
	var ack struct {
		Status string `json:"status"`
	}
	dup := json.Unmarshal(body, &ack) == nil && ack.Status == "duplicate"
	if dup {
		r.duplicates.Add(1)
	}
	// stored by the gateway: only now may the message leave the queue
	if err := r.sqs.delete(ctx, m.ReceiptHandle); err != nil {
		// the message comes back and the gateway answers "duplicate"
		return fmt.Errorf("amazon relay: message %s stored but not deleted: %w", m.MessageID, err)
	}
	r.deleted.Add(1)
	r.log.Debug("amazon relay: relayed", "message", m.MessageID, "event", req.Header.Get(RelayEventIDHeader),
		"topic", req.Header.Get(RelayTopicHeader), "duplicate", dup)
	return nil
}

// pollerHandle is an SQS poller the connector runs for a connection.
type pollerHandle struct {
	key    string
	cancel context.CancelFunc
	done   chan struct{}
}

func (p *pollerHandle) stop() {
	p.cancel()
	<-p.done
}

// ensurePoller starts the in-plugin SQS poller of a connection whose
// configuration enables it (sqs_poll), restarts it when the configuration
// changed, and stops it when the configuration no longer enables it. The
// plugin learns a connection's configuration only from the calls it gets,
// so the poller starts with the first call for the connection (a check, a
// scheduled sync, a webhook) after the plugin launched.
func (c *Connector) ensurePoller(conn string, cfg Config) {
	if conn == "" {
		return
	}
	key := ""
	if cfg.SQSPoll {
		b, _ := json.Marshal(RelayConfigFrom(cfg))
		key = hash8(string(b))
	}
	c.mu.Lock()
	old := c.pollers[conn]
	if old != nil && old.key == key {
		c.mu.Unlock()
		return
	}
	delete(c.pollers, conn)
	var h *pollerHandle
	var relay *Relay
	if key != "" {
		rc := RelayConfigFrom(cfg)
		rc.Transport, rc.Logger = c.transport, c.log.With("connection", conn)
		var err error
		if relay, err = NewRelay(rc); err != nil {
			c.log.Error("amazon: cannot start the SQS poller", "connection", conn, "err", err)
		} else {
			ctx, cancel := context.WithCancel(context.Background())
			h = &pollerHandle{key: key, cancel: cancel, done: make(chan struct{})}
			c.pollers[conn] = h
			go func() {
				defer close(h.done)
				c.log.Info("amazon: SQS poller started", "connection", conn, "queue", cfg.SQSQueueURL)
				_ = relay.Run(ctx)
			}()
		}
	}
	c.mu.Unlock()
	if old != nil {
		old.stop()
	}
}

// RelayMain is the "relay" command of supplyhub-plugin-amazon: it runs a
// Relay for one connection, configured by the connection's configuration
// file (the same JSON the gateway stores), until interrupted. It returns
// the process exit code.
//
//	supplyhub-plugin-amazon relay -config amazon-eu.json [-gateway URL] [-once]
func RelayMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "the connection's configuration file (JSON): sqs_queue_url, sqs_region, sqs_access_key_id, sqs_secret_access_key, relay_secret, gateway_webhook_url")
	gateway := fs.String("gateway", "", "the gateway's /webhooks/<connection> URL (default: gateway_webhook_url of the configuration)")
	once := fs.Bool("once", false, "relay one batch and exit")
	verbose := fs.Bool("v", false, "log every relayed message")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *path == "" {
		fmt.Fprintln(stderr, "relay: -config is required")
		fs.Usage()
		return 2
	}
	raw, err := os.ReadFile(*path)
	if err != nil {
		fmt.Fprintf(stderr, "relay: %v\n", err)
		return 1
	}
	cfg, err := ParseConfig(raw)
	if err != nil {
		fmt.Fprintf(stderr, "relay: %v\n", err)
		return 1
	}
	rc := RelayConfigFrom(cfg)
	if *gateway != "" {
		rc.GatewayURL = *gateway
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	rc.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	relay, err := NewRelay(rc)
	if err != nil {
		fmt.Fprintf(stderr, "relay: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *once {
		n, err := relay.Once(ctx)
		fmt.Fprintf(stdout, "relayed %d notifications\n", n)
		if err != nil {
			fmt.Fprintf(stderr, "relay: %v\n", err)
			return 1
		}
		return 0
	}
	rc.Logger.Info("amazon relay started", "queue", rc.QueueURL, "gateway", rc.GatewayURL)
	_ = relay.Run(ctx)
	s := relay.Stats()
	fmt.Fprintf(stdout, "relayed %d notifications (%d duplicates), %d failed deliveries\n", s.Relayed, s.Duplicates, s.Failed)
	return 0
}
