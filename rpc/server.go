package rpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"aitbc/internal/addrlimit"
	"aitbc/rpc/api"
)

// Server serves the REST API over a Backend. It holds no state of its own
// beyond its configuration, so one Server may serve many listeners.
type Server struct {
	b     Backend
	cfg   Config
	m     *Metrics
	log   *slog.Logger
	mux   *http.ServeMux
	ix    atomic.Pointer[Index] // the SQL index, if attached (SetIndex)
	ixOff atomic.Bool           // no index by configuration (DisableIndex)
	sem   chan struct{}         // one token per request in flight
	batch chan struct{}         // one token per send_txs request in flight
	now   clock
	rl    *rateLimiter // nil: no rate limit
	conns *connCap
}

// NewServer builds the route table. Zero Config fields take their
// DefaultConfig values (call cfg.Validate first to reject bad ones); a nil
// m or log means no metrics or no logs.
func NewServer(b Backend, cfg Config, m *Metrics, log *slog.Logger) *Server {
	def := DefaultConfig()
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = def.MaxBodyBytes
	}
	if cfg.MaxBatchBodyBytes <= 0 {
		cfg.MaxBatchBodyBytes = def.MaxBatchBodyBytes
	}
	if cfg.MaxMempoolList <= 0 {
		cfg.MaxMempoolList = def.MaxMempoolList
	}
	if m == nil {
		m = NopMetrics()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = def.MaxInFlight
	}
	if cfg.MaxBatchInFlight <= 0 {
		cfg.MaxBatchInFlight = min(def.MaxBatchInFlight, cfg.MaxInFlight)
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = def.RateBurst
	}
	if cfg.MaxConnsPerAddr <= 0 {
		cfg.MaxConnsPerAddr = def.MaxConnsPerAddr
	}
	s := &Server{b: b, cfg: cfg, m: m, log: log, mux: http.NewServeMux(), sem: make(chan struct{}, cfg.MaxInFlight), batch: make(chan struct{}, cfg.MaxBatchInFlight),
		now: time.Now, conns: newConnCap(cfg.MaxConnsPerAddr)}
	if cfg.RateLimit > 0 {
		s.rl = newRateLimiter(cfg.RateLimit, cfg.RateBurst, maxRateBuckets)
	}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, s.endpoint(rt.h))
	}
	return s
}

// Handler is the server's http.Handler: routing, JSON errors for unknown
// routes and methods, panic recovery and metrics.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// handlerFunc returns a response body for 200 or an error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) (any, error)

type route struct {
	pattern string
	h       handlerFunc
}

func (s *Server) routes() []route {
	return []route{
		{"GET /rpc/get_head", s.head},
		{"POST /rpc/send_tx", s.sendTx},
		{"POST /rpc/send_txs", s.sendTxs},
		{"GET /rpc/get_balance/{address}", s.balance},
		{"GET /rpc/get_block/{height}", s.block},
		{"GET /rpc/get_tx/{hash}", s.tx},
		{"GET /rpc/get_account/{address}", s.account},
		{"GET /rpc/mempool", s.mempool},
		{"POST /rpc/estimate_fee", s.estimateFee},
		{"GET /rpc/status", s.status},
		{"GET /health", s.health},
		{"GET /openapi.json", s.openapi},
		{"GET /rpc/get_commit/{height}", s.getCommit},
		{"GET /rpc/get_evidence", s.getEvidence},
		{"GET /rpc/get_validators", s.getValidators},
		{"GET /rpc/get_stake/{address}", s.getStake},
		// From the SQL index (503 index_unavailable without one).
		{"GET /rpc/get_txs/{address}", s.getTxs},
		{"GET /rpc/get_blocks", s.getBlocks},
		{"GET /rpc/get_receipt/{id}", s.getReceipt},
		{"GET /rpc/get_receipts", s.getReceipts},
		// Routes of the earlier Python node, kept for its clients.
		{"GET /rpc/head", s.head},
		{"GET /rpc/blocks/{height}", s.block},
		{"GET /rpc/tx/{hash}", s.tx},
		{"GET /rpc/getBalance/{address}", s.balance},
		{"POST /rpc/sendTx", s.sendTx},
		{"POST /rpc/estimateFee", s.estimateFee},
		{"GET /rpc/receipts/{id}", s.getReceipt},
		{"POST /rpc/submitReceipt", s.submitReceipt},
	}
}

func (s *Server) endpoint(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h(w, r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &responseWriter{ResponseWriter: w, r: r}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("rpc handler panic", "route", r.Pattern, "panic", p, "stack", string(debug.Stack()))
			if rw.status == 0 {
				writeJSON(rw, http.StatusInternalServerError, api.ErrorBody{Error: &api.Error{Code: api.CodeInternal, Message: "internal error"}})
			}
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		s.m.observeRequest(route, rw.statusOr200(), time.Since(start))
	}()
	// The limits, cheapest and most specific first; each answers before the
	// body is read. rw.status records the answer for the metrics; the body
	// goes to w, bypassing rw's mux-error rewriting.
	if e, after := s.admit(r); e != nil {
		rw.status = e.Status
		s.m.Limited.WithLabelValues(e.Code).Inc()
		if after != "" {
			w.Header().Set("Retry-After", after)
		}
		if e.Code != api.CodeRateLimited {
			// A connection over the cap, or a body we will not read: close
			// (the body's bytes must not be taken for the next request). A
			// rate-limited client keeps its connection for the retry.
			w.Header().Set("Connection", "close")
		}
		writeJSON(w, e.Status, api.ErrorBody{Error: e})
		return
	}
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	default:
		rw.status = http.StatusServiceUnavailable
		s.m.Limited.WithLabelValues(api.CodeBusy).Inc()
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, api.ErrorBody{Error: &api.Error{Code: api.CodeBusy, Message: "too many requests in flight; retry"}})
		return
	}
	s.mux.ServeHTTP(rw, r)
}

// admit applies the per-connection, per-address and body-size limits to r.
// It returns the error answer and its Retry-After value, or nil.
func (s *Server) admit(r *http.Request) (*api.Error, string) {
	if a := admissionOf(r); a != nil && a.over {
		return apiErr(http.StatusTooManyRequests, api.CodeTooManyConnections,
			"this address has %d connections open, the most allowed; reuse them", s.cfg.MaxConnsPerAddr), "1"
	}
	if s.rl != nil {
		if k, err := addrlimit.Key(r.RemoteAddr); err == nil {
			if wait, ok := s.rl.allow(k, s.now()); !ok {
				return apiErr(http.StatusTooManyRequests, api.CodeRateLimited,
					"more than %g requests/s (burst %d) from this address; retry in %v", s.cfg.RateLimit, s.cfg.RateBurst, wait.Round(time.Millisecond)), retryAfter(wait)
			}
		}
	}
	// Answer before reading: a client that sent Expect: 100-continue gets
	// this instead of a 100 and never sends the body, and no client has its
	// upload cut off mid-way by a reset.
	if limit := s.bodyLimit(r); r.ContentLength > limit {
		return apiErr(http.StatusRequestEntityTooLarge, api.CodeBodyTooLarge,
			"request body of %d bytes exceeds %d bytes", r.ContentLength, limit), ""
	}
	return nil, ""
}

// bodyLimit is the largest body r may carry: send_txs has its own.
func (s *Server) bodyLimit(r *http.Request) int64 {
	if r.Method == http.MethodPost && r.URL.Path == "/rpc/send_txs" {
		return s.cfg.MaxBatchBodyBytes
	}
	return s.cfg.MaxBodyBytes
}

// responseWriter records the status for metrics and turns the mux's own
// plain-text errors (no route, wrong method) into JSON error bodies.
type responseWriter struct {
	http.ResponseWriter
	r       *http.Request
	status  int
	swallow bool // the mux's text body is replaced by ours
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.r.Pattern == "" && code >= 400 {
		// Only the mux itself answers before a pattern matched.
		w.swallow = true
		h := w.ResponseWriter.Header()
		h.Del("Content-Length")
		e := &api.Error{Status: code, Code: "bad_request", Message: http.StatusText(code)}
		switch code {
		case http.StatusNotFound:
			e.Code, e.Message = api.CodeNotFound, fmt.Sprintf("no route for %s %.200s", w.r.Method, w.r.URL.Path)
		case http.StatusMethodNotAllowed:
			e.Code, e.Message = api.CodeMethodNotAllowed, fmt.Sprintf("%s not allowed on %.200s (allowed: %s)", w.r.Method, w.r.URL.Path, h.Get("Allow"))
		}
		writeJSON(w.ResponseWriter, code, api.ErrorBody{Error: e})
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *responseWriter) statusOr200() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the connection.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, retryAfter, internal := classify(err)
	if internal {
		s.log.Error("rpc internal error", "route", r.Pattern, "err", err)
	}
	if retryAfter || e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, e.Status, api.ErrorBody{Error: e})
}

// decodeBody reads exactly one JSON value into v: bounded, no unknown
// fields, nothing after it but whitespace.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	return expectEnd(dec)
}

// expectEnd checks that nothing but whitespace follows the JSON value dec
// has read: 413 when reading on crosses the body limit, 400 bad_json for
// anything else.
func expectEnd(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			if e := bodyError(err); e.Code == api.CodeBodyTooLarge {
				return e
			}
		}
		return apiErr(http.StatusBadRequest, api.CodeBadJSON, "trailing data after the JSON value")
	}
	return nil
}

func bodyError(err error) *api.Error {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return apiErr(http.StatusRequestEntityTooLarge, api.CodeBodyTooLarge, "request body exceeds %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return apiErr(http.StatusBadRequest, api.CodeBadJSON, "empty body")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apiErr(http.StatusBadRequest, api.CodeBadJSON, "truncated JSON")
	case errors.As(err, &syntax):
		return apiErr(http.StatusBadRequest, api.CodeBadJSON, "malformed JSON at offset %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return apiErr(http.StatusBadRequest, api.CodeBadField, "%s: want %s, got JSON %s", field, typ.Type, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apiErr(http.StatusBadRequest, api.CodeBadField, "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return apiErr(http.StatusBadRequest, api.CodeBadJSON, "%v", err)
}
