package observability

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// ParseLevel maps debug|info|warn|error (any case) to a slog level.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%w %q: want debug, info, warn or error", ErrBadLogLevel, s)
}

// NewLogger returns a logger writing to w at level ("debug", "info",
// "warn", "error") in format "json" (one object per line, for collectors)
// or "text" (key=value, for terminals).
func NewLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("%w %q: want json or text", ErrBadLogFormat, format)
}
