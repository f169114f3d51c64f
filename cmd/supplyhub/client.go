package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// serverFlags are the flags of commands that talk to a running gateway
// over its HTTP API.
type serverFlags struct {
	server string
	token  string
	json   bool
}

func (f *serverFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.server, "server", "", "gateway URL (default $SUPPLYHUB_SERVER or http://127.0.0.1:8080)")
	cmd.Flags().StringVar(&f.token, "token", "", "API token (default $SUPPLYHUB_TOKEN)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print the API's JSON answer instead of a summary")
}

// apiClient calls the gateway's API.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

func (f *serverFlags) client() (*apiClient, error) {
	base := f.server
	if base == "" {
		base = os.Getenv("SUPPLYHUB_SERVER")
	}
	if base == "" {
		base = "http://127.0.0.1:8080"
	}
	tok := f.token
	if tok == "" {
		tok = os.Getenv("SUPPLYHUB_TOKEN")
	}
	if tok == "" {
		return nil, fmt.Errorf("no API token: pass --token or set SUPPLYHUB_TOKEN (create one with supplyhub tokens create --scope ops)")
	}
	return &apiClient{base: strings.TrimRight(base, "/"), token: tok, http: &http.Client{Timeout: 2 * time.Minute}}, nil
}

// apiError is the API's error body.
type apiError struct {
	Status int
	Code   string `json:"code"`
	Msg    string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (HTTP %d %s)", e.Msg, e.Status, e.Code) }

// do sends a request and decodes a 2xx JSON answer into out (raw bytes are
// returned too); other statuses become *apiError.
func (c *apiClient) do(ctx context.Context, method, path string, body any, out any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w (is the gateway running? see --server)", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error apiError `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Msg != "" {
			e.Error.Status = resp.StatusCode
			return nil, &e.Error
		}
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("%s %s: unexpected answer: %w", method, path, err)
		}
	}
	return b, nil
}

// events reads a Server-Sent Events stream, calling fn for each event until
// the stream ends or fn returns false.
func (c *apiClient) events(ctx context.Context, path string, fn func(event string, data []byte) bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: HTTP %d: %s", path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var event string
	var data bytes.Buffer
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if event != "" || data.Len() > 0 {
				if !fn(event, data.Bytes()) {
					return nil
				}
			}
			event = ""
			data.Reset()
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	return sc.Err()
}

// printJSON pretty-prints raw JSON.
func printJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		_, err = w.Write(raw)
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}
