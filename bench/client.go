package bench

import (
	"context"
	"net"
	"net/http"
	"time"
)

// NewHTTPClient is an HTTP client for conns concurrent requests to one
// node: keep-alive with an idle pool as large as the concurrency (the
// default of 2 per host would reopen a connection per request), no
// compression, a bounded request time.
func NewHTTPClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conns + 16,
			MaxIdleConnsPerHost: conns + 16,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// SleepCtx sleeps d; false if ctx ended first (before or while sleeping).
func SleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
