package carrier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// upstreamError is a failed answer with the upstream's own error code and
// message, kept so that callers can react to specific codes (EasyPost's
// SHIPMENT.POSTAGE.EXISTS).
type upstreamError struct {
	status  int
	code    string
	message string
}

func (e *upstreamError) Error() string {
	if e.code != "" {
		return e.code + ": " + e.message
	}
	return e.message
}

// api is one upstream API: its root, how it authenticates, and how its error
// bodies read.
type api struct {
	name      string // "easypost" or "shippo", prefixes errors
	base      string
	auth      func(*http.Request)
	client    *httpclient.Client
	errorText func(body []byte) (code, message string)
}

// call sends a JSON request and decodes a 2xx answer into out. Failures are
// *sdk.Error of the kind the status calls for (see httpclient.Check), with
// the upstream's message, wrapping an *upstreamError.
func (a *api) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return sdk.InvalidInput("%s: encode %s %s: %v", a.name, method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return sdk.InvalidInput("%s: %s %s: %v", a.name, method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	a.auth(req)
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return sdk.Retryable(err, "%s: %s %s: reading the answer", a.name, method, path)
	}
	if resp.StatusCode >= 300 {
		code, msg := a.errorText(raw)
		if msg == "" {
			msg = strings.TrimSpace(string(raw))
		}
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		kindErr := httpclient.Check(resp)
		var se *sdk.Error
		e := &sdk.Error{Kind: sdk.KindOf(kindErr), Message: a.name + ": " + method + " " + path + ": " + resp.Status + ": " + clip(msg, 300),
			Cause: &upstreamError{status: resp.StatusCode, code: code, message: msg}}
		if errors.As(kindErr, &se) {
			e.RetryAfter, e.Detail = se.RetryAfter, se.Detail
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return sdk.Permanent(err, "%s: %s %s: the answer is not the expected JSON", a.name, method, path)
		}
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
