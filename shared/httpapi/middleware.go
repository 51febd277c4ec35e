package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mpdp/platform/shared/lazyre"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	loggerKey
)

// RequestID returns the request's id, or "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// Logger returns the request's logger (carrying its id), or the default logger.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

var safeRequestID = lazyre.New(`^[A-Za-z0-9._=-]{1,128}$`)

// WithRequestID returns ctx carrying the request id the platform assigned (API
// Gateway's, in Lambda): WithRequest then uses it instead of the client's
// X-Request-Id. An id that is not a safe token is ignored.
func WithRequestID(ctx context.Context, id string) context.Context {
	if !safeRequestID.MatchString(id) {
		return ctx
	}
	return context.WithValue(ctx, requestIDKey, id)
}

// WithRequest wraps h with what every request needs: an id (the platform's from
// WithRequestID, else the caller's X-Request-Id when it is safe, else a new one),
// a JSON access log line, and a recovered panic answered as a 500 problem rather
// than a dropped connection. A client's X-Request-Id that is not the request's
// id is still logged, as clientRequestId, to correlate with the client's logs.
func WithRequest(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		client := r.Header.Get("X-Request-Id")
		if !safeRequestID.MatchString(client) {
			client = ""
		}
		id := RequestID(r.Context())
		if id == "" {
			id = client
		}
		if id == "" {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		l := log.With(slog.String("requestId", id))
		if client != "" && client != id {
			l = l.With(slog.String("clientRequestId", client))
		}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey, id), loggerKey, l)
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				WriteError(rec, r, fmt.Errorf("panic: %v", v))
			}
			l.InfoContext(ctx, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
		}()
		h.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// NotFound answers routes that do not exist with a problem.
func NotFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, NewProblem(http.StatusNotFound, "no route "+r.Method+" "+r.URL.Path))
}
