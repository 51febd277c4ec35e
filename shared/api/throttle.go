package api

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/storage"
)

// Limit is how many requests of one kind a source may make per window.
type Limit struct {
	Requests int
	Window   time.Duration
}

// Limits bound the requests that send email on behalf of whoever asks: each
// is counted per source IP address (API Gateway's sourceIp) in DynamoDB, so
// the bound holds across every Lambda instance.
type Limits struct {
	Applications Limit // POST /v1/applications (public)
	Resends      Limit // POST .../invitations/{id}/resend
}

// DefaultLimits are the deployed limits.
var DefaultLimits = Limits{
	Applications: Limit{Requests: 10, Window: time.Hour},
	Resends:      Limit{Requests: 30, Window: time.Hour},
}

// source is the caller's address: API Gateway's sourceIp in Lambda (the
// adapter sets RemoteAddr to it), host:port in the local gateway.
func source(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	if r.RemoteAddr == "" {
		return "unknown"
	}
	return r.RemoteAddr
}

// throttle counts one request of action from the caller's source, refusing it
// (429 with Retry-After) once the source used up l in the current window.
func (s *Server) throttle(r *http.Request, action string, l Limit) error {
	if l.Requests <= 0 {
		return nil
	}
	now := s.Now()
	err := s.Store.Count(r.Context(), action, source(r), l.Requests, l.Window, now)
	if errors.Is(err, storage.ErrLimited) {
		w := int64(l.Window.Seconds()) // the storage's windows start at multiples of it since the Unix epoch
		end := time.Unix((now.Unix()/w+1)*w, 0)
		return &domain.Throttled{RetryAfter: end.Sub(now), Detail: fmt.Sprintf(
			"too many %s from your address: at most %d per %s; retry after %s", action, l.Requests, l.Window, end.UTC().Format(time.RFC3339))}
	}
	return err
}
