package amazontest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// queue is an SQS standard queue: messages are hidden for the visibility
// timeout when received, and come back unless deleted with the receipt
// handle of their latest receipt.
type queue struct {
	mu         sync.Mutex
	visibility time.Duration
	msgs       []*message
	wake       chan struct{}
	seq        int
}

type message struct {
	id, body, md5, receipt string
	sent, firstRecv        time.Time
	received               int
	hiddenUntil            time.Time
}

func newQueue(visibility time.Duration) *queue {
	return &queue{visibility: visibility, wake: make(chan struct{})}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (q *queue) send(body string) *message {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	sum := md5.Sum([]byte(body))
	id := randHex(16)
	m := &message{id: id[:8] + "-" + id[8:12] + "-4" + id[13:16] + "-8" + id[17:20] + "-" + id[20:32], body: body,
		md5: hex.EncodeToString(sum[:]), sent: time.Now()}
	q.msgs = append(q.msgs, m)
	close(q.wake)
	q.wake = make(chan struct{})
	return m
}

// receive takes up to max visible messages, hiding them for vis.
func (q *queue) receive(max int, vis time.Duration) ([]*message, <-chan struct{}) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	var out []*message
	for _, m := range q.msgs {
		if len(out) == max {
			break
		}
		if now.Before(m.hiddenUntil) {
			continue
		}
		m.received++
		if m.firstRecv.IsZero() {
			m.firstRecv = now
		}
		m.hiddenUntil = now.Add(vis)
		m.receipt = "AQEB" + base64.StdEncoding.EncodeToString([]byte(m.id+"|"+randHex(12)))
		out = append(out, m)
	}
	return out, q.wake
}

func (q *queue) delete(receipt string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, m := range q.msgs {
		if m.receipt == receipt && receipt != "" {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			return true
		}
	}
	return false
}

// QueueStats counts a queue's messages.
type QueueStats struct {
	// Visible messages can be received now; InFlight are received and not
	// yet deleted or timed out.
	Visible, InFlight int
	// MaxReceives is the highest receive count of a message in the queue.
	MaxReceives int
}

// Queue returns the notification queue's counts.
func (s *Server) Queue() QueueStats {
	q := s.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	var st QueueStats
	now := time.Now()
	for _, m := range q.msgs {
		if now.Before(m.hiddenUntil) {
			st.InFlight++
		} else {
			st.Visible++
		}
		st.MaxReceives = max(st.MaxReceives, m.received)
	}
	return st
}

func sqsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-query-error", typ+";Sender")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + typ, "message": msg})
}

func (s *Server) serveSQS(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	if err := s.verifySigV4(r, body); err != nil {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazon.coral.service#" + err.typ, "message": err.msg})
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.0") {
		sqsError(w, http.StatusBadRequest, "InvalidParameterValue", "Content-Type must be application/x-amz-json-1.0")
		return
	}
	var in struct {
		QueueURL            string   `json:"QueueUrl"`
		MaxNumberOfMessages *int     `json:"MaxNumberOfMessages"`
		WaitTimeSeconds     *int     `json:"WaitTimeSeconds"`
		VisibilityTimeout   *int     `json:"VisibilityTimeout"`
		ReceiptHandle       string   `json:"ReceiptHandle"`
		AttributeNames      []string `json:"MessageSystemAttributeNames"`
		MessageBody         string   `json:"MessageBody"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		sqsError(w, http.StatusBadRequest, "InvalidParameterValue", "Malformed JSON")
		return
	}
	if in.QueueURL != s.QueueURL {
		sqsError(w, http.StatusBadRequest, "QueueDoesNotExist", "The specified queue does not exist.")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch r.Header.Get("X-Amz-Target") {
	case "AmazonSQS.ReceiveMessage":
		s.stats.receives.Add(1)
		max, wait, vis := 1, 0, s.opts.VisibilityTimeout
		if in.MaxNumberOfMessages != nil {
			max = *in.MaxNumberOfMessages
		}
		if in.WaitTimeSeconds != nil {
			wait = *in.WaitTimeSeconds
		}
		if in.VisibilityTimeout != nil {
			vis = time.Duration(*in.VisibilityTimeout) * time.Second
		}
		if max < 1 || max > 10 || wait < 0 || wait > 20 || vis < 0 || vis > 12*time.Hour {
			sqsError(w, http.StatusBadRequest, "InvalidParameterValue", "MaxNumberOfMessages must be 1 to 10, WaitTimeSeconds 0 to 20, VisibilityTimeout 0 to 43200")
			return
		}
		deadline := time.NewTimer(time.Duration(wait) * time.Second)
		defer deadline.Stop()
		var got []*message
		for {
			var wake <-chan struct{}
			got, wake = s.queue.receive(max, vis)
			if len(got) > 0 || wait == 0 {
				break
			}
			select {
			case <-wake:
			case <-deadline.C:
				wait = 0
			case <-time.After(200 * time.Millisecond): // a hidden message may become visible
			case <-r.Context().Done():
				return
			case <-s.closed:
				return
			}
		}
		list := make([]map[string]any, 0, len(got))
		for _, m := range got {
			list = append(list, map[string]any{"MessageId": m.id, "ReceiptHandle": m.receipt, "MD5OfBody": m.md5, "Body": m.body,
				"Attributes": map[string]string{"SentTimestamp": strconv.FormatInt(m.sent.UnixMilli(), 10), "ApproximateReceiveCount": strconv.Itoa(m.received),
					"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstRecv.UnixMilli(), 10), "SenderId": "AIDAFAKESENDER"}})
		}
		out := map[string]any{}
		if len(list) > 0 {
			out["Messages"] = list
		}
		_ = json.NewEncoder(w).Encode(out)
	case "AmazonSQS.DeleteMessage":
		if !s.queue.delete(in.ReceiptHandle) {
			sqsError(w, http.StatusBadRequest, "ReceiptHandleIsInvalid", "The input receipt handle \""+in.ReceiptHandle+"\" is not a valid receipt handle.")
			return
		}
		s.stats.deletes.Add(1)
		_, _ = io.WriteString(w, "{}")
	case "AmazonSQS.SendMessage":
		if in.MessageBody == "" {
			sqsError(w, http.StatusBadRequest, "MissingParameter", "The request must contain the parameter MessageBody.")
			return
		}
		m := s.queue.send(in.MessageBody)
		s.stats.notifications.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": m.id, "MD5OfMessageBody": m.md5})
	default:
		sqsError(w, http.StatusBadRequest, "UnsupportedOperation", "The fake serves ReceiveMessage, DeleteMessage and SendMessage.")
	}
}

type sigError struct{ typ, msg string }

// verifySigV4 checks an AWS Signature Version 4 Authorization header.
func (s *Server) verifySigV4(r *http.Request, body []byte) *sigError {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return &sigError{"MissingAuthenticationTokenException", "Missing Authentication Token"}
	}
	parts := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[k] = v
	}
	cred := strings.Split(parts["Credential"], "/")
	if len(cred) != 5 || cred[4] != "aws4_request" || cred[3] != "sqs" {
		return &sigError{"IncompleteSignatureException", "Credential is malformed"}
	}
	if cred[0] != s.opts.AWSAccessKeyID {
		return &sigError{"InvalidClientTokenId", "The security token included in the request is invalid."}
	}
	if cred[2] != s.opts.AWSRegion {
		return &sigError{"SignatureDoesNotMatch", "Credential should be scoped to a valid region."}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, cred[1]) {
		return &sigError{"IncompleteSignatureException", "X-Amz-Date is missing or does not match the credential scope"}
	}
	if d := time.Since(t); d > 15*time.Minute || d < -15*time.Minute {
		return &sigError{"SignatureDoesNotMatch", "Signature expired: the request time is more than 15 minutes off"}
	}
	names := strings.Split(parts["SignedHeaders"], ";")
	if !sort.StringsAreSorted(names) || !contains(names, "host") || !contains(names, "x-amz-date") {
		return &sigError{"IncompleteSignatureException", "SignedHeaders must be sorted and include host and x-amz-date"}
	}
	var ch strings.Builder
	for _, n := range names {
		v := r.Header.Get(n)
		if n == "host" {
			v = r.Host
		}
		ch.WriteString(n + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	sum := sha256.Sum256(body)
	canonical := strings.Join([]string{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, ch.String(), parts["SignedHeaders"], hex.EncodeToString(sum[:])}, "\n")
	cr := sha256.Sum256([]byte(canonical))
	scope := strings.Join(cred[1:], "/")
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(cr[:])
	key := []byte("AWS4" + s.opts.AWSSecretAccessKey)
	for _, p := range []string{cred[1], cred[2], cred[3], cred[4]} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(p))
		key = m.Sum(nil)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(toSign))
	if !hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(parts["Signature"])) {
		return &sigError{"SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."}
	}
	return nil
}

// Notify enqueues a raw notification document, as Amazon delivers one.
func (s *Server) Notify(body []byte) {
	s.queue.send(string(body))
	s.stats.notifications.Add(1)
}

// notifyLocked enqueues a notification unless notifications are off.
func (s *Server) notifyLocked(doc map[string]any) {
	if s.opts.NoNotifications {
		return
	}
	if s.opts.RequireSubscriptions {
		t, _ := doc["NotificationType"].(string)
		if t == "" {
			t, _ = doc["notificationType"].(string)
		}
		if !s.subscribedLocked(t) {
			return
		}
	}
	b, _ := json.Marshal(doc) // maps of strings, numbers and maps always encode
	s.queue.send(string(b))
	s.stats.notifications.Add(1)
}
