package ws

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/lesismal/nbio/logging"
)

// RouteLibraryLogs sends nbio's own log lines (by default printed to
// stdout in nbio's format) to log. nbio's logger is process-wide, so call
// this once at startup, not per Server. nbio's info lines are lifecycle
// chatter and are logged at debug.
func RouteLibraryLogs(log *slog.Logger) { logging.SetLogger(nbioLogger{log}) }

type nbioLogger struct{ log *slog.Logger }

func (l nbioLogger) emit(level slog.Level, format string, v []any) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, fmt.Sprintf(format, v...), "lib", "nbio")
	}
}

func (l nbioLogger) Debug(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }
func (l nbioLogger) Info(format string, v ...any)  { l.emit(slog.LevelDebug, format, v) }
func (l nbioLogger) Warn(format string, v ...any)  { l.emit(slog.LevelWarn, format, v) }
func (l nbioLogger) Error(format string, v ...any) { l.emit(slog.LevelError, format, v) }
