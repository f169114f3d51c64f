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
	"strings"

	"golang.org/x/text/unicode/norm"
)

// ErrBadSignature is returned by WebhookSpec.Verify when a delivery's
// signature is missing or does not match.
var ErrBadSignature = errors.New("webhook signature is missing or does not match")

// Validate checks that the spec is complete.
func (s *WebhookSpec) Validate() error {
	switch s.Scheme {
	case SchemeHMACSHA256, SchemeHMACSHA1:
		if s.Encoding != "base64" && s.Encoding != "hex" {
			return fmt.Errorf("sdk: webhook spec: encoding %q must be base64 or hex", s.Encoding)
		}
	case SchemeToken:
	default:
		return fmt.Errorf("sdk: webhook spec: scheme %q must be hmac-sha256, hmac-sha1 or token", s.Scheme)
	}
	if s.SignatureHeader == "" {
		return errors.New("sdk: webhook spec: signature_header is required")
	}
	if s.SecretField == "" {
		return errors.New("sdk: webhook spec: secret_field is required")
	}
	if s.SecretNormalization != "" && s.SecretNormalization != "NFKD" {
		return fmt.Errorf("sdk: webhook spec: secret_normalization %q must be empty or NFKD", s.SecretNormalization)
	}
	return nil
}

// Verify checks a delivery's signature against secret in constant time. It
// returns ErrBadSignature (wrapped with the reason) when it does not match.
func (s *WebhookSpec) Verify(secret string, header http.Header, body []byte) error {
	got := header.Get(s.SignatureHeader)
	if got == "" {
		return fmt.Errorf("%w: header %s is missing", ErrBadSignature, s.SignatureHeader)
	}
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
			return fmt.Errorf("%w: header %s does not start with %q", ErrBadSignature, s.SignatureHeader, s.Prefix)
		}
		got = strings.TrimPrefix(got, s.Prefix)
	}
	if s.Scheme == SchemeToken {
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			return fmt.Errorf("%w: token does not match", ErrBadSignature)
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
