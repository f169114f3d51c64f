package host

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// LevelTrace is the slog level of hclog's trace records.
const LevelTrace = slog.LevelDebug - 4

// hclogAdapter is an hclog.Logger writing to a slog.Logger, so that
// go-plugin's own logs and the plugin's hclog JSON lines (which go-plugin
// re-logs at their level) land in the host's structured log with the
// plugin's name.
type hclogAdapter struct {
	l     *slog.Logger
	name  string
	args  []any
	level *slog.LevelVar
}

func newHCLogAdapter(l *slog.Logger, level *slog.LevelVar) hclog.Logger {
	return &hclogAdapter{l: l, level: level}
}

func toSlog(level hclog.Level) slog.Level {
	switch level {
	case hclog.Trace:
		return LevelTrace
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	}
	return slog.LevelInfo
}

func fromSlog(level slog.Level) hclog.Level {
	switch {
	case level <= LevelTrace:
		return hclog.Trace
	case level <= slog.LevelDebug:
		return hclog.Debug
	case level <= slog.LevelInfo:
		return hclog.Info
	case level <= slog.LevelWarn:
		return hclog.Warn
	}
	return hclog.Error
}

// dropKeys are attributes go-plugin adds that slog already carries.
var dropKeys = map[string]bool{"timestamp": true, "@timestamp": true, "@module": true, "@caller": true}

func (a *hclogAdapter) Log(level hclog.Level, msg string, args ...any) {
	sl := toSlog(level)
	ctx := context.Background()
	if !a.l.Enabled(ctx, sl) {
		return
	}
	attrs := make([]any, 0, len(a.args)+len(args)+2)
	if a.name != "" {
		attrs = append(attrs, slog.String("logger", a.name))
	}
	attrs = append(attrs, a.args...)
	for i := 0; i+1 < len(args); i += 2 {
		k, ok := args[i].(string)
		if !ok || dropKeys[k] {
			continue
		}
		if k == "plugin" {
			k = "binary" // go-plugin's own name for the path; "plugin" is ours
		}
		attrs = append(attrs, k, args[i+1])
	}
	if len(args)%2 == 1 {
		attrs = append(attrs, "EXTRA_VALUE", args[len(args)-1])
	}
	a.l.Log(ctx, sl, msg, attrs...)
}

func (a *hclogAdapter) Trace(msg string, args ...any) { a.Log(hclog.Trace, msg, args...) }
func (a *hclogAdapter) Debug(msg string, args ...any) { a.Log(hclog.Debug, msg, args...) }
func (a *hclogAdapter) Info(msg string, args ...any)  { a.Log(hclog.Info, msg, args...) }
func (a *hclogAdapter) Warn(msg string, args ...any)  { a.Log(hclog.Warn, msg, args...) }
func (a *hclogAdapter) Error(msg string, args ...any) { a.Log(hclog.Error, msg, args...) }

func (a *hclogAdapter) enabled(l hclog.Level) bool {
	return a.l.Enabled(context.Background(), toSlog(l))
}

func (a *hclogAdapter) IsTrace() bool { return a.enabled(hclog.Trace) }
func (a *hclogAdapter) IsDebug() bool { return a.enabled(hclog.Debug) }
func (a *hclogAdapter) IsInfo() bool  { return a.enabled(hclog.Info) }
func (a *hclogAdapter) IsWarn() bool  { return a.enabled(hclog.Warn) }
func (a *hclogAdapter) IsError() bool { return a.enabled(hclog.Error) }

func (a *hclogAdapter) ImpliedArgs() []any { return a.args }

func (a *hclogAdapter) With(args ...any) hclog.Logger {
	c := *a
	c.args = append(append([]any(nil), a.args...), args...)
	return &c
}

func (a *hclogAdapter) Name() string { return a.name }

func (a *hclogAdapter) Named(name string) hclog.Logger {
	c := *a
	if c.name != "" {
		c.name += "." + name
	} else {
		c.name = name
	}
	return &c
}

func (a *hclogAdapter) ResetNamed(name string) hclog.Logger {
	c := *a
	c.name = name
	return &c
}

// SetLevel is accepted for the interface; the slog handler decides.
func (a *hclogAdapter) SetLevel(level hclog.Level) {
	if a.level != nil {
		a.level.Set(toSlog(level))
	}
}

// GetLevel reports the most verbose level the slog handler accepts, so
// that go-plugin skips parsing lines that would be dropped anyway.
func (a *hclogAdapter) GetLevel() hclog.Level {
	for _, l := range []hclog.Level{hclog.Trace, hclog.Debug, hclog.Info, hclog.Warn, hclog.Error} {
		if a.enabled(l) {
			return l
		}
	}
	return hclog.Off
}

func (a *hclogAdapter) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(a.StandardWriter(opts), "", 0)
}

func (a *hclogAdapter) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	level := hclog.Info
	if opts != nil && opts.ForceLevel != hclog.NoLevel {
		level = opts.ForceLevel
	}
	return &lineWriter{emit: func(line string) { a.Log(level, line) }}
}

var _ hclog.Logger = (*hclogAdapter)(nil)

// lineWriter calls emit for every complete line written to it.
type lineWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	emit func(line string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		i := bytes.IndexByte(w.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(w.buf.Next(i+1)), "\r\n")
		if line != "" {
			w.emit(line)
		}
	}
	if w.buf.Len() > 64<<10 {
		w.emit(w.buf.String())
		w.buf.Reset()
	}
	return len(p), nil
}

// tail keeps the last lines written to it: a plugin's stderr, quoted when
// it fails to start.
type tail struct {
	mu    sync.Mutex
	lines []string
	max   int
	w     *lineWriter
}

func newTail(max int) *tail {
	t := &tail{max: max}
	t.w = &lineWriter{emit: t.add}
	return t
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(line) > 1000 {
		line = line[:1000] + "…"
	}
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

func (t *tail) Write(p []byte) (int, error) { return t.w.Write(p) }

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

func (t *tail) reset() {
	t.mu.Lock()
	t.lines = nil
	t.mu.Unlock()
}
