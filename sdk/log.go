package sdk

import (
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// stderr is the process's standard error as it was at start-up. go-plugin
// redirects os.Stderr once serving; the host reads plugin logs from the
// original one.
var stderr io.Writer = os.Stderr

var (
	loggerOnce sync.Once
	logger     *slog.Logger
)

// Logger returns the plugin's structured logger. Its records go to the
// host as hclog JSON lines on the plugin's standard error, and the host
// logs them with the plugin's name and the same level. The level is Info,
// or what SUPPLYHUB_PLUGIN_LOG_LEVEL says (debug, info, warn, error).
// Never log secrets: the host logs what it receives.
func Logger() *slog.Logger {
	loggerOnce.Do(func() { logger = slog.New(newHCLogHandler(stderr, logLevel())) })
	return logger
}

// logLevel reads SUPPLYHUB_PLUGIN_LOG_LEVEL.
func logLevel() slog.Level {
	switch strings.ToLower(os.Getenv("SUPPLYHUB_PLUGIN_LOG_LEVEL")) {
	case "trace", "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// hclogTimeFormat is the timestamp layout go-plugin's host parses.
const hclogTimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// newHCLogHandler writes slog records as the JSON lines hclog writes:
// "@level", "@message", "@timestamp" and the attributes as top-level keys.
func newHCLogHandler(w io.Writer, level slog.Leveler) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String("@timestamp", a.Value.Time().Format(hclogTimeFormat))
			case slog.LevelKey:
				return slog.String("@level", hclogLevel(a.Value.Any().(slog.Level)))
			case slog.MessageKey:
				return slog.String("@message", a.Value.String())
			}
			return a
		},
	})
}

func hclogLevel(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "trace"
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}
