package httpclient

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces secret values in logs and errors.
const Redacted = "REDACTED"

// secretParts are substrings of header and parameter names that hold
// secrets.
var secretParts = []string{"auth", "token", "secret", "password", "passwd", "signature", "hmac",
	"apikey", "api-key", "api_key", "access-key", "access_key", "private", "credential", "session", "cookie"}

type redactor struct{ extra map[string]bool }

func newRedactor(extra []string) *redactor {
	r := &redactor{extra: map[string]bool{}}
	for _, e := range extra {
		r.extra[strings.ToLower(e)] = true
	}
	return r
}

// IsSecret reports whether a header or query parameter name usually holds
// a secret (Authorization, X-Shopify-Access-Token, api_key, signature...).
func IsSecret(name string) bool { return isSecret(name, nil) }

func isSecret(name string, extra map[string]bool) bool {
	n := strings.ToLower(name)
	if extra[n] {
		return true
	}
	for _, p := range secretParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

func (r *redactor) header(h http.Header) http.Header {
	return redactHeader(h, r.extra)
}

// RedactHeader returns a copy of h with the values of secret headers
// replaced by REDACTED.
func RedactHeader(h http.Header) http.Header { return redactHeader(h, nil) }

func redactHeader(h http.Header, extra map[string]bool) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if isSecret(k, extra) {
			out[k] = []string{Redacted}
			continue
		}
		out[k] = vs
	}
	return out
}

func (r *redactor) url(u *url.URL) string { return redactURL(u, r.extra) }

// RedactURL formats u with its password and secret query parameters
// replaced by REDACTED.
func RedactURL(u *url.URL) string { return redactURL(u, nil) }

func redactURL(u *url.URL, extra map[string]bool) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), Redacted)
		}
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			if isSecret(k, extra) {
				q[k] = []string{Redacted}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

var (
	secretParamRE = regexp.MustCompile(`(?i)([a-z0-9_\-]*(?:auth|token|secret|password|passwd|signature|hmac|api[_-]?key|access[_-]?key|credential|session)[a-z0-9_\-]*=)[^&\s"']+`)
	userinfoRE    = regexp.MustCompile(`(//[^/:@\s]+:)[^@/\s]+@`)
)

func (r *redactor) text(s string) string { return RedactText(s) }

// RedactText replaces secret-looking name=value pairs and URL passwords in
// free text, such as an error message that quotes a URL.
func RedactText(s string) string {
	s = secretParamRE.ReplaceAllString(s, "${1}"+Redacted)
	return userinfoRE.ReplaceAllString(s, "${1}"+Redacted+"@")
}
