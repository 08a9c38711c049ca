package gossip

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
)

// gnetLogger routes gnet's own logging into the node's slog logger. gnet
// keeps the last engine's logger in a package global, so a closed
// transport's logger is switched off rather than left to be called by
// another transport's engine (tests route logs to testing.T, which must
// not be used after the test ends).
type gnetLogger struct{ l atomic.Pointer[slog.Logger] }

func newGnetLogger(l *slog.Logger) *gnetLogger {
	g := &gnetLogger{}
	g.l.Store(l.With("component", "gnet"))
	return g
}

func (g *gnetLogger) disable() { g.l.Store(nil) }

func (g *gnetLogger) log(level slog.Level, format string, args []any) {
	l := g.l.Load()
	if l == nil || !l.Enabled(context.Background(), level) {
		return
	}
	l.Log(context.Background(), level, fmt.Sprintf(format, args...))
}

// gnet's info messages (engine start and stop) are debug detail here.
func (g *gnetLogger) Debugf(format string, args ...any) { g.log(slog.LevelDebug, format, args) }
func (g *gnetLogger) Infof(format string, args ...any)  { g.log(slog.LevelDebug, format, args) }
func (g *gnetLogger) Warnf(format string, args ...any)  { g.log(slog.LevelWarn, format, args) }
func (g *gnetLogger) Errorf(format string, args ...any) { g.log(slog.LevelError, format, args) }

// Fatalf logs at error level: a library does not get to exit the node.
func (g *gnetLogger) Fatalf(format string, args ...any) { g.log(slog.LevelError, format, args) }
