// Package browsertest drives a headless Chromium over the Chrome DevTools
// protocol, through the pipe Chromium opens with --remote-debugging-pipe
// (file descriptors 3 and 4, NUL-separated JSON messages), so that tests
// can load the dashboard in a real browser with the standard library
// only: no WebSocket client, no Node.js.
//
// It is for the dashboard's tests and the end-to-end test. Start with
// [Find] (skip the test when it reports no browser), [Launch] and
// [Browser.NewPage]; a [Page] navigates, evaluates JavaScript, waits for
// a condition, clicks and takes screenshots, and collects the page's
// console errors and uncaught exceptions.
package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Find returns the path of a Chromium or Chrome binary: $SUPPLYHUB_CHROMIUM
// when set, else the first of chromium, chromium-browser, google-chrome and
// google-chrome-stable on PATH. ok is false when there is none; tests skip
// then, saying how to install it (Debian: apt-get install chromium).
func Find() (path string, ok bool) {
	if p := os.Getenv("SUPPLYHUB_CHROMIUM"); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// Options configure Launch.
type Options struct {
	// Path is the browser binary; default: Find.
	Path string
	// Width and Height are the window size in CSS pixels; default 1400×1000.
	Width, Height int
	// Stderr receives the browser's own log; default discarded.
	Stderr io.Writer
}

// Browser is a running headless Chromium.
type Browser struct {
	cmd     *exec.Cmd
	in      io.WriteCloser // our end of the browser's fd 3
	out     io.ReadCloser  // our end of the browser's fd 4
	dataDir string
	width   int
	height  int

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan message
	events  map[string][]func(method string, params json.RawMessage) // by session id
	readErr error
	done    chan struct{}
}

type message struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *protocolError  `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

type protocolError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data,omitempty"`
}

func (e *protocolError) Error() string {
	if e.Data != "" {
		return fmt.Sprintf("%s (%d): %s", e.Message, e.Code, e.Data)
	}
	return fmt.Sprintf("%s (%d)", e.Message, e.Code)
}

// Launch starts a headless browser with a fresh profile.
func Launch(ctx context.Context, opts Options) (*Browser, error) {
	if opts.Path == "" {
		p, ok := Find()
		if !ok {
			return nil, errors.New("browsertest: no Chromium found: install it (Debian: apt-get install chromium) or set SUPPLYHUB_CHROMIUM")
		}
		opts.Path = p
	}
	if opts.Width <= 0 {
		opts.Width = 1400
	}
	if opts.Height <= 0 {
		opts.Height = 1000
	}
	dataDir, err := os.MkdirTemp("", "supplyhub-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browsertest: profile directory: %w", err)
	}
	// fd 3: the browser reads our commands; fd 4: it writes answers.
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		os.RemoveAll(dataDir)
		return nil, err
	}
	evR, evW, err := os.Pipe()
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		os.RemoveAll(dataDir)
		return nil, err
	}
	args := []string{
		"--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
		"--disable-sync", "--disable-component-update", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir=" + dataDir, fmt.Sprintf("--window-size=%d,%d", opts.Width, opts.Height), "about:blank",
	}
	cmd := exec.Command(opts.Path, args...)
	cmd.ExtraFiles = []*os.File{cmdR, evW}
	cmd.Stdout = opts.Stderr
	cmd.Stderr = opts.Stderr
	if err := cmd.Start(); err != nil {
		cmdR.Close()
		cmdW.Close()
		evR.Close()
		evW.Close()
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("browsertest: start %s: %w", opts.Path, err)
	}
	cmdR.Close()
	evW.Close()
	b := &Browser{cmd: cmd, in: cmdW, out: evR, dataDir: dataDir, width: opts.Width, height: opts.Height,
		pending: map[int64]chan message{}, events: map[string][]func(string, json.RawMessage){}, done: make(chan struct{})}
	go b.read()
	vctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var version struct {
		Product string `json:"product"`
	}
	if err := b.call(vctx, "", "Browser.getVersion", nil, &version); err != nil {
		b.Close()
		return nil, fmt.Errorf("browsertest: the browser did not answer on its debugging pipe: %w", err)
	}
	return b, nil
}

// read dispatches the browser's messages until the pipe closes.
func (b *Browser) read() {
	defer close(b.done)
	r := bufio.NewReaderSize(b.out, 1<<20)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.readErr = fmt.Errorf("browsertest: the browser closed its debugging pipe: %w", err)
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			return
		}
		var m message
		if err := json.Unmarshal(bytes.TrimSuffix(raw, []byte{0}), &m); err != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.pending[m.ID]; ok {
				delete(b.pending, m.ID)
				ch <- m
			}
			b.mu.Unlock()
			continue
		}
		handlers := append([]func(string, json.RawMessage){}, b.events[m.SessionID]...)
		b.mu.Unlock()
		for _, h := range handlers {
			h(m.Method, m.Params)
		}
	}
}

// call sends a command (to a page's session when session is not empty) and
// decodes its result into out.
func (b *Browser) call(ctx context.Context, session, method string, params, out any) error {
	b.mu.Lock()
	if b.readErr != nil {
		err := b.readErr
		b.mu.Unlock()
		return err
	}
	b.nextID++
	id := b.nextID
	ch := make(chan message, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	req := map[string]any{"id": id, "method": method}
	if params != nil {
		req["params"] = params
	}
	if session != "" {
		req["sessionId"] = session
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return err
	}
	b.mu.Lock()
	_, err = b.in.Write(append(raw, 0))
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("browsertest: send %s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("browsertest: %s: the browser went away", method)
		}
		if m.Error != nil {
			return fmt.Errorf("browsertest: %s: %w", method, m.Error)
		}
		if out != nil && len(m.Result) > 0 {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("browsertest: %s: %w", method, ctx.Err())
	}
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	b.call(ctx, "", "Browser.close", nil, nil) //nolint:errcheck // killed below if it did not close
	cancel()
	b.in.Close()
	select {
	case <-b.done:
	case <-time.After(3 * time.Second):
	}
	if b.cmd.ProcessState == nil {
		b.cmd.Process.Kill() //nolint:errcheck // it may have exited already
	}
	b.cmd.Wait() //nolint:errcheck // a killed browser exits non-zero
	b.out.Close()
	return os.RemoveAll(b.dataDir)
}

// Page is one browser tab.
type Page struct {
	b       *Browser
	session string

	mu     sync.Mutex
	errs   []string
	logs   []string
	loaded chan struct{}
}

// NewPage opens a blank tab with the browser's window size.
func (b *Browser) NewPage(ctx context.Context) (*Page, error) {
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		return nil, err
	}
	p := &Page{b: b, session: att.SessionID, loaded: make(chan struct{}, 1)}
	b.mu.Lock()
	b.events[att.SessionID] = append(b.events[att.SessionID], p.onEvent)
	b.mu.Unlock()
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		if err := b.call(ctx, p.session, m, nil, nil); err != nil {
			return nil, err
		}
	}
	if err := b.call(ctx, p.session, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": b.width, "height": b.height, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Page) onEvent(method string, params json.RawMessage) {
	switch method {
	case "Page.loadEventFired":
		select {
		case p.loaded <- struct{}{}:
		default:
		}
	case "Runtime.exceptionThrown":
		var e struct {
			ExceptionDetails struct {
				Text      string `json:"text"`
				URL       string `json:"url"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		json.Unmarshal(params, &e) //nolint:errcheck // best effort
		d := e.ExceptionDetails
		p.addErr(strings.TrimSpace(d.Text + " " + d.Exception.Description + " " + d.URL))
	case "Runtime.consoleAPICalled":
		var e struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		json.Unmarshal(params, &e) //nolint:errcheck // best effort
		var parts []string
		for _, a := range e.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, fmt.Sprint(a.Value))
			}
		}
		line := e.Type + ": " + strings.Join(parts, " ")
		p.mu.Lock()
		p.logs = append(p.logs, line)
		p.mu.Unlock()
		if e.Type == "error" || e.Type == "assert" {
			p.addErr(line)
		}
	case "Log.entryAdded":
		var e struct {
			Entry struct {
				Level, Source, Text, URL string
			} `json:"entry"`
		}
		json.Unmarshal(params, &e) //nolint:errcheck // best effort
		if e.Entry.Level == "error" {
			p.addErr(fmt.Sprintf("%s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

func (p *Page) addErr(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, s)
}

// Errors returns the console errors, failed loads, policy violations and
// uncaught exceptions the page reported so far.
func (p *Page) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errs...)
}

// Console returns every console message so far, "type: text".
func (p *Page) Console() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.logs...)
}

// Navigate loads url and waits for its load event.
func (p *Page) Navigate(ctx context.Context, url string) error {
	select {
	case <-p.loaded:
	default:
	}
	var res struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.b.call(ctx, p.session, "Page.navigate", map[string]any{"url": url}, &res); err != nil {
		return err
	}
	if res.ErrorText != "" {
		return fmt.Errorf("browsertest: navigate to %s: %s", url, res.ErrorText)
	}
	select {
	case <-p.loaded:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("browsertest: %s did not finish loading: %w", url, ctx.Err())
	}
}

// Eval evaluates a JavaScript expression (awaiting it when it is a
// promise) and decodes its JSON value into out, which may be nil.
func (p *Page) Eval(ctx context.Context, expr string, out any) error {
	var res struct {
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := p.b.call(ctx, p.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true}, &res); err != nil {
		return err
	}
	if e := res.ExceptionDetails; e != nil {
		return fmt.Errorf("browsertest: %s: %s %s", firstLine(expr), e.Text, e.Exception.Description)
	}
	if out != nil {
		if len(res.Result.Value) == 0 {
			return fmt.Errorf("browsertest: %s returned %s, not a JSON value", firstLine(expr), res.Result.Type)
		}
		return json.Unmarshal(res.Result.Value, out)
	}
	return nil
}

// WaitFor evaluates cond every 100 ms until it is truthy, and fails after
// timeout with what the page was showing.
func (p *Page) WaitFor(ctx context.Context, cond string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var lastErr error
	for {
		var ok bool
		err := p.Eval(ctx, "!!("+cond+")", &ok)
		if err == nil && ok {
			return nil
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			var text string
			p.Eval(context.Background(), "document.body ? document.body.innerText.slice(0, 1500) : ''", &text) //nolint:errcheck // for the message only
			return fmt.Errorf("browsertest: %s was not true within %v (last error: %v); the page showed:\n%s", cond, timeout, lastErr, text)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Click clicks the first element matching the CSS selector.
func (p *Page) Click(ctx context.Context, selector string) error {
	sel, _ := json.Marshal(selector)
	var ok bool
	if err := p.Eval(ctx, fmt.Sprintf("(() => { const el = document.querySelector(%s); if (!el) return false; el.scrollIntoView({block: 'center'}); el.click(); return true; })()", sel), &ok); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("browsertest: nothing matches %s", selector)
	}
	return nil
}

// Text returns the innerText of the first element matching selector.
func (p *Page) Text(ctx context.Context, selector string) (string, error) {
	sel, _ := json.Marshal(selector)
	var s *string
	if err := p.Eval(ctx, fmt.Sprintf("(() => { const el = document.querySelector(%s); return el ? el.innerText : null; })()", sel), &s); err != nil {
		return "", err
	}
	if s == nil {
		return "", fmt.Errorf("browsertest: nothing matches %s", selector)
	}
	return *s, nil
}

// Screenshot writes a PNG of the viewport, or of the whole page when full
// is true, to path.
func (p *Page) Screenshot(ctx context.Context, path string, full bool) error {
	var res struct {
		Data string `json:"data"`
	}
	params := map[string]any{"format": "png", "captureBeyondViewport": full}
	if full {
		var size struct{ W, H float64 }
		if err := p.Eval(ctx, "({W: document.documentElement.scrollWidth, H: document.documentElement.scrollHeight})", &size); err != nil {
			return err
		}
		params["clip"] = map[string]any{"x": 0, "y": 0, "width": size.W, "height": min(size.H, 6000), "scale": 1}
	}
	if err := p.b.call(ctx, p.session, "Page.captureScreenshot", params, &res); err != nil {
		return err
	}
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		return fmt.Errorf("browsertest: screenshot: %w", err)
	}
	return os.WriteFile(path, png, 0o644)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
