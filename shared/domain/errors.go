// Package domain holds the platform's entities, their rules and state machines,
// and the roles. It does no I/O.
package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. The HTTP layer maps each to one status code, in one place.
var (
	ErrNotFound     = errors.New("not found")              // 404: absent or not visible to the caller
	ErrForbidden    = errors.New("forbidden")              // 403: visible, but the role does not allow it
	ErrConflict     = errors.New("conflict")               // 409: the entity's state does not allow it
	ErrStale        = errors.New("stale version")          // 412: If-Match no longer matches
	ErrUnauthorized = errors.New("unauthenticated")        // 401
	ErrUnavailable  = errors.New("dependency unavailable") // 503: a downstream service failed
	ErrThrottled    = errors.New("too many requests")      // 429: see Throttled
)

// Throttled is ErrThrottled with when the caller may try again.
type Throttled struct {
	RetryAfter time.Duration
	Detail     string
}

func (e *Throttled) Error() string { return e.Detail }
func (e *Throttled) Unwrap() error { return ErrThrottled }

// FieldError says what is wrong with one input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError collects every problem found in one input, so a caller can
// fix them all at once.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem with field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when no problem was recorded, so validators can end with `return v.Err()`.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Errorf wraps a sentinel with a human detail: errors.Is still finds the
// sentinel, and the detail reaches the problem body.
func Errorf(sentinel error, format string, args ...any) error {
	return &detailed{sentinel: sentinel, detail: fmt.Sprintf(format, args...)}
}

type detailed struct {
	sentinel error
	detail   string
}

func (d *detailed) Error() string { return d.detail }
func (d *detailed) Unwrap() error { return d.sentinel }

// Detail returns the human detail of err if it carries one.
func Detail(err error) string {
	var d *detailed
	if errors.As(err, &d) {
		return d.detail
	}
	return ""
}
