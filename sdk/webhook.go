package sdk

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// ErrBadSignature is returned by WebhookSpec.Verify when a delivery's
// signature is missing or does not match.
var ErrBadSignature = errors.New("webhook signature is missing or does not match")

// Validate checks that the spec and its Alternatives are complete and
// that no two of them read the same header or query parameter.
func (s *WebhookSpec) Validate() error {
	if err := s.validateOne(); err != nil {
		return fmt.Errorf("sdk: webhook spec: %w", err)
	}
	seen := map[string]int{s.source(): -1}
	for i := range s.Alternatives {
		a := &s.Alternatives[i]
		if len(a.Alternatives) > 0 {
			return fmt.Errorf("sdk: webhook spec: alternatives[%d] has alternatives of its own; list them all on the top-level spec", i)
		}
		if err := a.validateOne(); err != nil {
			return fmt.Errorf("sdk: webhook spec: alternatives[%d]: %w", i, err)
		}
		if j, dup := seen[a.source()]; dup {
			other := "the top-level spec"
			if j >= 0 {
				other = fmt.Sprintf("alternatives[%d]", j)
			}
			return fmt.Errorf("sdk: webhook spec: alternatives[%d] reads %s like %s; a delivery could not tell them apart", i, a.where(), other)
		}
		seen[a.source()] = i
	}
	return nil
}

func (s *WebhookSpec) validateOne() error {
	switch s.Scheme {
	case SchemeHMACSHA256, SchemeHMACSHA1:
		if s.Encoding != "base64" && s.Encoding != "hex" {
			return fmt.Errorf("encoding %q must be base64 or hex", s.Encoding)
		}
		if s.QueryParam != "" {
			return fmt.Errorf("query_param is only for the token scheme; an HMAC signature travels in signature_header")
		}
	case SchemeToken:
		if s.SignatureHeader != "" && s.QueryParam != "" {
			return fmt.Errorf("a token arrives in signature_header or in query_param, not both")
		}
	default:
		return fmt.Errorf("scheme %q must be hmac-sha256, hmac-sha1 or token", s.Scheme)
	}
	if s.SignatureHeader == "" && s.QueryParam == "" {
		if s.Scheme == SchemeToken {
			return fmt.Errorf("signature_header or query_param is required")
		}
		return fmt.Errorf("signature_header is required")
	}
	if s.SecretField == "" {
		return fmt.Errorf("secret_field is required")
	}
	if s.SecretNormalization != "" && s.SecretNormalization != "NFKD" {
		return fmt.Errorf("secret_normalization %q must be empty or NFKD", s.SecretNormalization)
	}
	return nil
}

// source identifies where the spec reads its signature, for duplicate checks.
func (s *WebhookSpec) source() string {
	if s.QueryParam != "" {
		return "?" + s.QueryParam
	}
	return http.CanonicalHeaderKey(s.SignatureHeader)
}

// where names the signature's place for people: "header X-Sig" or "?token=".
func (s *WebhookSpec) where() string {
	if s.QueryParam != "" {
		return "?" + s.QueryParam + "="
	}
	return "header " + s.SignatureHeader
}

// Schemes returns the spec itself followed by its Alternatives, in the
// order VerifyRequest tries them.
func (s *WebhookSpec) Schemes() []*WebhookSpec {
	out := make([]*WebhookSpec, 0, 1+len(s.Alternatives))
	out = append(out, s)
	for i := range s.Alternatives {
		out = append(out, &s.Alternatives[i])
	}
	return out
}

// SecretFields returns the config properties holding the secrets of the
// spec and its Alternatives, each once, in order.
func (s *WebhookSpec) SecretFields() []string {
	var out []string
	for _, sc := range s.Schemes() {
		if sc.SecretField != "" && !slices.Contains(out, sc.SecretField) {
			out = append(out, sc.SecretField)
		}
	}
	return out
}

// Verify checks a delivery's signature against secret in constant time,
// with this spec alone (Alternatives are ignored, and a QueryParam token
// is never found: the host uses VerifyRequest). It returns ErrBadSignature
// (wrapped with the reason) when it does not match.
func (s *WebhookSpec) Verify(secret string, header http.Header, body []byte) error {
	return s.verifyOne(secret, header, nil, body)
}

// VerifyRequest authenticates a delivery against the spec and its
// Alternatives, in constant time, and returns the scheme it checked: its
// EventIDHeader, TopicHeader and OrderingKeyHeader apply to the delivery.
// It takes the first scheme (the spec itself, then Alternatives in order)
// whose signature header or query parameter the delivery carries and
// verifies it with secrets[scheme.SecretField] alone, never falling back
// to another; a scheme whose secret is empty refuses every delivery. When
// the delivery carries none, the scheme is nil and the error names every
// place a signature was expected. Failures wrap ErrBadSignature. secrets
// holds the connection's decrypted secrets by config property; query is
// the webhook URL's query. A spec without Alternatives behaves as Verify
// does, plus its QueryParam.
func (s *WebhookSpec) VerifyRequest(secrets map[string]string, header http.Header, query url.Values, body []byte) (*WebhookSpec, error) {
	if len(s.Alternatives) == 0 {
		return s, s.verifyOne(secrets[s.SecretField], header, query, body)
	}
	for _, sc := range s.Schemes() {
		if sc.signature(header, query) != nil {
			return sc, sc.verifyOne(secrets[sc.SecretField], header, query, body)
		}
	}
	var want []string
	for _, sc := range s.Schemes() {
		w := sc.SignatureHeader
		if sc.QueryParam != "" {
			w = "?" + sc.QueryParam + "="
		}
		if sc.Name != "" {
			w += " (" + sc.Name + ")"
		}
		want = append(want, w)
	}
	return nil, fmt.Errorf("%w: missing signature: expected %s", ErrBadSignature, strings.Join(want, " or "))
}

// signature returns the non-empty values the delivery carries in the
// spec's header or query parameter, or nil.
func (s *WebhookSpec) signature(header http.Header, query url.Values) []string {
	var vs []string
	if s.QueryParam != "" {
		vs = query[s.QueryParam]
	} else {
		vs = header.Values(s.SignatureHeader)
	}
	if len(vs) == 0 || len(vs) == 1 && vs[0] == "" {
		return nil
	}
	return vs
}

func (s *WebhookSpec) verifyOne(secret string, header http.Header, query url.Values, body []byte) error {
	vs := s.signature(header, query)
	if vs == nil {
		if s.QueryParam != "" {
			return fmt.Errorf("%w: query parameter %s is missing from the webhook URL", ErrBadSignature, s.QueryParam)
		}
		return fmt.Errorf("%w: header %s is missing", ErrBadSignature, s.SignatureHeader)
	}
	if s.QueryParam != "" && len(vs) > 1 {
		return fmt.Errorf("%w: query parameter %s is given %d times", ErrBadSignature, s.QueryParam, len(vs))
	}
	got := vs[0]
	if secret == "" {
		return fmt.Errorf("%w: the connection has no %s configured", ErrBadSignature, s.SecretField)
	}
	if len(body) == 0 && s.Scheme != SchemeToken {
		return fmt.Errorf("%w: the body is empty", ErrBadSignature)
	}
	if s.SecretNormalization == "NFKD" {
		secret = norm.NFKD.String(secret)
	}
	if s.Prefix != "" {
		if !strings.HasPrefix(got, s.Prefix) {
			return fmt.Errorf("%w: %s does not start with %q", ErrBadSignature, s.where(), s.Prefix)
		}
		got = strings.TrimPrefix(got, s.Prefix)
	}
	if s.Scheme == SchemeToken {
		// Compare digests so that the time taken says nothing about the
		// token's length either.
		g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
		if subtle.ConstantTimeCompare(g[:], w[:]) != 1 {
			return fmt.Errorf("%w: the token in %s does not match", ErrBadSignature, s.where())
		}
		return nil
	}
	if s.Encoding == "hex" {
		got = strings.ToLower(got)
	}
	want := s.Sign(secret, body)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return fmt.Errorf("%w: %s does not match the body", ErrBadSignature, s.SignatureHeader)
	}
	return nil
}

// Sign returns the header value (without Prefix) a correct delivery of body
// carries. Fakes use it to sign what they send; for the token scheme it
// returns the secret itself.
func (s *WebhookSpec) Sign(secret string, body []byte) string {
	if s.SecretNormalization == "NFKD" {
		secret = norm.NFKD.String(secret)
	}
	if s.Scheme == SchemeToken {
		return secret
	}
	var h func() hash.Hash = sha256.New
	if s.Scheme == SchemeHMACSHA1 {
		h = sha1.New
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write(body)
	sum := mac.Sum(nil)
	if s.Encoding == "hex" {
		return hex.EncodeToString(sum)
	}
	return base64.StdEncoding.EncodeToString(sum)
}
