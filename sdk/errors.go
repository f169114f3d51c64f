package sdk

import (
	"errors"
	"fmt"
	"time"
)

// ErrorKind says what the host should do about an error.
type ErrorKind string

// The error kinds.
const (
	// KindUnknown is an error that says nothing more; the host treats it as
	// retryable.
	KindUnknown ErrorKind = "unknown"
	// KindAuthentication: the credentials are missing, wrong, expired or
	// revoked. The host alerts and does not retry until the config changes.
	KindAuthentication ErrorKind = "authentication"
	// KindRateLimited: the upstream asked us to slow down; RetryAfter says
	// for how long. The host waits, then retries.
	KindRateLimited ErrorKind = "rate_limited"
	// KindRetryable: a transient failure (timeout, 5xx, a crashed plugin).
	// The host retries with backoff.
	KindRetryable ErrorKind = "retryable"
	// KindPermanent: retrying cannot help (the record was deleted upstream,
	// the operation is forbidden). The host dead-letters.
	KindPermanent ErrorKind = "permanent"
	// KindInvalidInput: the request or the upstream's data is malformed.
	// The host dead-letters with the reason.
	KindInvalidInput ErrorKind = "invalid_input"
	// KindNotImplemented: the plugin does not offer the capability or
	// action; upgrade the plugin.
	KindNotImplemented ErrorKind = "not_implemented"
)

// Error is an error with a kind the host acts on, a message and a detail
// that tells a person how to fix it. It crosses the plugin boundary intact.
type Error struct {
	Kind ErrorKind `json:"kind"`
	// Message is a one-line summary: "shopify: list orders page 3: 401 Unauthorized".
	Message string `json:"message"`
	// Detail says what to do: "the Admin API access token was revoked; reinstall the app".
	Detail string `json:"detail,omitempty"`
	// RetryAfter is how long to wait before retrying (rate limits).
	RetryAfter time.Duration `json:"retry_after,omitempty"`
	// Cause is the underlying error, in-process only; it does not cross the boundary.
	Cause error `json:"-"`
}

// Error formats the message and the detail.
func (e *Error) Error() string {
	msg := e.Message
	if e.Cause != nil && msg == "" {
		msg = e.Cause.Error()
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is matches another *Error of the same kind, so errors.Is(err,
// &sdk.Error{Kind: sdk.KindRateLimited}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Kind == e.Kind
}

func newError(kind ErrorKind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// Authentication returns an authentication error.
func Authentication(format string, args ...any) *Error {
	return newError(KindAuthentication, nil, format, args...)
}

// RateLimited returns a rate-limit error asking to wait retryAfter.
func RateLimited(retryAfter time.Duration, format string, args ...any) *Error {
	e := newError(KindRateLimited, nil, format, args...)
	e.RetryAfter = retryAfter
	return e
}

// Retryable wraps err as a transient failure.
func Retryable(err error, format string, args ...any) *Error {
	return newError(KindRetryable, err, "%s: %v", fmt.Sprintf(format, args...), err)
}

// Permanent wraps err as a failure that retrying cannot fix.
func Permanent(err error, format string, args ...any) *Error {
	return newError(KindPermanent, err, "%s: %v", fmt.Sprintf(format, args...), err)
}

// InvalidInput returns an error for malformed input.
func InvalidInput(format string, args ...any) *Error {
	return newError(KindInvalidInput, nil, format, args...)
}

// NotImplemented returns an error for a missing capability or action.
func NotImplemented(format string, args ...any) *Error {
	return newError(KindNotImplemented, nil, format, args...)
}

// WithDetail sets the detail that tells a person how to fix the error and
// returns e.
func (e *Error) WithDetail(format string, args ...any) *Error {
	e.Detail = fmt.Sprintf(format, args...)
	return e
}

// KindOf returns the kind of err: the Kind of the first *Error in its
// chain, KindUnknown otherwise.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// RetryAfterOf returns how long err asks to wait, or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// IsRetryable reports whether the host should retry after err: unknown,
// retryable and rate-limited errors are; the others are not.
func IsRetryable(err error) bool {
	switch KindOf(err) {
	case KindUnknown, KindRetryable, KindRateLimited:
		return true
	}
	return false
}
