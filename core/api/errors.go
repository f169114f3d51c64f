package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// Error is an HTTP error with a stable machine-readable code.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 with code invalid_argument.
func BadRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, "invalid_argument", format, args...)
}

// NotFound returns a 404.
func NotFound(format string, args ...any) *Error {
	return Errorf(http.StatusNotFound, "not_found", format, args...)
}

// Conflict returns a 409.
func Conflict(format string, args ...any) *Error {
	return Errorf(http.StatusConflict, "conflict", format, args...)
}

type errorBody struct {
	Error *Error `json:"error"`
}

// Fail aborts the request with err: an *Error as it is, a body over the
// limit as 413, anything else as a 500 whose detail goes to the log only.
func Fail(c *gin.Context, err error) {
	var e *Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &mbe):
		e = Errorf(http.StatusRequestEntityTooLarge, "payload_too_large", "request body is over the limit of %d bytes", mbe.Limit)
	default:
		c.Error(err) //nolint:errcheck // recorded for the access log
		e = Errorf(http.StatusInternalServerError, "internal", "internal error; the server log has the details (request %s)", c.GetString("request_id"))
	}
	c.Abort()
	c.PureJSON(e.Status, errorBody{Error: e})
}

// DecodeJSON reads the request body strictly into v: it must be one JSON
// value of v's shape with no unknown fields.
func DecodeJSON(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json, not %s", ct)
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err // MaxBytesError → 413 in Fail
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return BadRequest("request body is empty: send a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return BadRequest("request body is not valid JSON at byte %d: %v", se.Offset, err)
		case errors.As(err, &te):
			return BadRequest("field %q must be %s, not a JSON %s", te.Field, te.Type, te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return BadRequest("%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return BadRequest("invalid request body: %v", err)
	}
	if dec.More() {
		return BadRequest("request body has data after the JSON object")
	}
	return nil
}
