// Package httpapi is the HTTP layer the functions share: problem+json errors,
// strict JSON decoding, ETags, cursors, middleware, and the adapter that runs a
// handler in Lambda behind API Gateway.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/mpdp/platform/shared/domain"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Errors    []domain.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"requestId,omitempty"`
	// RetryAfter, in seconds, is sent as the Retry-After header (429).
	RetryAfter int `json:"-"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// NewProblem builds a problem for a status with a detail.
func NewProblem(status int, detail string) *Problem {
	return &Problem{Type: problemType(status), Title: http.StatusText(status), Status: status, Detail: detail}
}

func problemType(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "https://mpdp.dev/problems/invalid-request"
	case http.StatusUnauthorized:
		return "https://mpdp.dev/problems/unauthenticated"
	case http.StatusForbidden:
		return "https://mpdp.dev/problems/forbidden"
	case http.StatusNotFound:
		return "https://mpdp.dev/problems/not-found"
	case http.StatusConflict:
		return "https://mpdp.dev/problems/conflict"
	case http.StatusPreconditionFailed:
		return "https://mpdp.dev/problems/stale"
	case http.StatusPreconditionRequired:
		return "https://mpdp.dev/problems/if-match-required"
	case http.StatusRequestEntityTooLarge:
		return "https://mpdp.dev/problems/too-large"
	case http.StatusUnsupportedMediaType:
		return "https://mpdp.dev/problems/unsupported-media-type"
	case http.StatusUnprocessableEntity:
		return "https://mpdp.dev/problems/unprocessable"
	case http.StatusTooManyRequests:
		return "https://mpdp.dev/problems/too-many-requests"
	}
	return "about:blank"
}

// FromError maps an error to a problem. This is the one place where errors
// become HTTP statuses.
func FromError(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var v *domain.ValidationError
	if errors.As(err, &v) {
		p := NewProblem(http.StatusBadRequest, "the request has invalid fields")
		p.Errors = v.Fields
		return p
	}
	var th *domain.Throttled
	if errors.As(err, &th) {
		p := NewProblem(http.StatusTooManyRequests, th.Detail)
		p.RetryAfter = max(1, int(math.Ceil(th.RetryAfter.Seconds())))
		return p
	}
	detail := domain.Detail(err)
	for _, m := range []struct {
		err    error
		status int
		detail string
	}{
		{domain.ErrNotFound, http.StatusNotFound, "the resource does not exist or is not visible to you"},
		{domain.ErrForbidden, http.StatusForbidden, "your role does not allow this"},
		{domain.ErrConflict, http.StatusConflict, "the resource's state does not allow this"},
		{domain.ErrStale, http.StatusPreconditionFailed, "the resource changed since you read it; read it again and retry"},
		{domain.ErrUnauthorized, http.StatusUnauthorized, "sign in and send the token as 'Authorization: Bearer <token>'"},
		{domain.ErrUnavailable, http.StatusServiceUnavailable, "a service the platform depends on failed; retry later"},
	} {
		if errors.Is(err, m.err) {
			if detail == "" {
				detail = m.detail
			}
			return NewProblem(m.status, detail)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return NewProblem(http.StatusServiceUnavailable, "the request took too long; retry later")
	}
	return NewProblem(http.StatusInternalServerError, "an unexpected error occurred; it has been logged")
}

// WriteError answers with the problem err maps to, logging unexpected errors.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := *FromError(err)
	p.RequestID = RequestID(r.Context())
	if p.Status >= 500 {
		Logger(r.Context()).ErrorContext(r.Context(), "request failed", slog.Int("status", p.Status), slog.String("error", err.Error()))
	}
	if p.Status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" { // a handler may name its own scheme
		w.Header().Set("WWW-Authenticate", `Bearer realm="mpdp"`)
	}
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(p)
}
