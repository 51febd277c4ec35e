package analytics

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/jsonstrict"
	"github.com/mpdp/platform/shared/lazyre"
)

// Limits of the ingestion API.
const (
	DefaultMaxItems = 500
	DefaultMaxBytes = 1 << 20 // 1 MB

	MaxAge    = 7 * 24 * time.Hour // an item older than this is rejected
	MaxSkew   = 5 * time.Minute    // an item further in the future is rejected
	MaxStack  = 32 << 10           // bytes
	MaxMsg    = 2 << 10            // bytes
	MaxPage   = 512                // bytes
	MaxDevice = 128                // bytes
	MaxDurMs  = 24 * 60 * 60 * 1000
)

// Event types.
const (
	TypePageView     = "page_view"
	TypeSessionStart = "session_start"
	TypeSessionEnd   = "session_end"
)

// Event is one runtime analytics event sent by a host app.
type Event struct {
	ID            string    `json:"id"`
	MiniProgramID string    `json:"miniProgramId"`
	Version       string    `json:"version"`   // mini program version, semver
	UserID        string    `json:"userId"`    // super app user
	SessionID     string    `json:"sessionId"` // mini program session
	Type          string    `json:"type"`      // page_view | session_start | session_end
	Page          string    `json:"page,omitempty"`
	Timestamp     time.Time `json:"timestamp"`            // RFC 3339
	DurationMs    int64     `json:"durationMs,omitempty"` // session_end only
	OS            string    `json:"os,omitempty"`         // host app OS, ios | android (optional)
	AppVersion    string    `json:"appVersion,omitempty"` // host app version (optional)
}

// Crash is one crash report sent by a host app.
type Crash struct {
	ID            string    `json:"id"`
	MiniProgramID string    `json:"miniProgramId"`
	Version       string    `json:"version"` // mini program version, semver
	UserID        string    `json:"userId"`
	Message       string    `json:"message"`
	Stack         string    `json:"stack,omitempty"`
	Page          string    `json:"page,omitempty"`
	OS            string    `json:"os"` // ios | android
	AppVersion    string    `json:"appVersion"`
	Device        string    `json:"device,omitempty"`
	Timestamp     time.Time `json:"timestamp"` // RFC 3339
}

// Rejection says why the item at Index of a batch was not accepted.
type Rejection struct {
	Index  int    `json:"index"`
	ID     string `json:"id,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Batch-level errors; test with errors.Is. StatusOf maps them to HTTP statuses.
var (
	ErrMalformed    = errors.New("malformed batch")
	ErrTooLarge     = errors.New("batch too large")
	ErrTooManyItems = errors.New("too many items in batch")
)

// StatusOf is the HTTP status for an error from ParseBatch/ParseCrashBatch:
// 413 for too large or too many items, 400 otherwise.
func StatusOf(err error) int {
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooManyItems) {
		return 413
	}
	return 400
}

var (
	idRE   = lazyre.New(`^[A-Za-z0-9_.:-]{8,64}$`)
	mpRE   = lazyre.New(`^[A-Za-z0-9_-]{1,64}$`)
	userRE = lazyre.New(`^[A-Za-z0-9_.:@=+-]{1,128}$`)
	appVRE = lazyre.New(`^[A-Za-z0-9_.+-]{1,32}$`)
)

// ParseBatch decodes and validates a batch of events. Items are validated one
// by one; invalid items are returned as rejections, the rest as events (in
// batch order). An error means the whole batch is refused: a malformed
// envelope (ErrMalformed), a body over maxBytes (ErrTooLarge) or more than
// maxItems items (ErrTooManyItems). maxItems/maxBytes <= 0 use the defaults.
func ParseBatch(body []byte, maxItems, maxBytes int, now time.Time) ([]Event, []Rejection, error) {
	return parseBatch(body, maxItems, maxBytes, func(i int, r json.RawMessage) (Event, string, string, Rejection, bool) {
		var w struct {
			Event
			Timestamp *string `json:"timestamp"`
		}
		if rej, ok := decodeItem(i, r, &w); !ok {
			return Event{}, "", "", rej, false
		}
		field, reason := validateEvent(&w.Event, w.Timestamp, now)
		return w.Event, field, reason, Rejection{}, true
	}, func(e Event) string { return e.ID })
}

// ParseCrashBatch is ParseBatch for crash reports.
func ParseCrashBatch(body []byte, maxItems, maxBytes int, now time.Time) ([]Crash, []Rejection, error) {
	return parseBatch(body, maxItems, maxBytes, func(i int, r json.RawMessage) (Crash, string, string, Rejection, bool) {
		var w struct {
			Crash
			Timestamp *string `json:"timestamp"`
		}
		if rej, ok := decodeItem(i, r, &w); !ok {
			return Crash{}, "", "", rej, false
		}
		field, reason := validateCrash(&w.Crash, w.Timestamp, now)
		return w.Crash, field, reason, Rejection{}, true
	}, func(c Crash) string { return c.ID })
}

// parseBatch is what both kinds of batch share: the envelope, then each item
// decoded and validated on its own, duplicate ids refused, the rest kept in order.
// item decodes and validates item i: a failed decode is its rejection; a
// decoded item with a field set failed validation.
func parseBatch[T any](body []byte, maxItems, maxBytes int,
	item func(i int, r json.RawMessage) (v T, field, reason string, rej Rejection, decoded bool), id func(T) string) ([]T, []Rejection, error) {
	raw, err := envelope(body, maxItems, maxBytes)
	if err != nil {
		return nil, nil, err
	}
	var kept []T
	var rejected []Rejection
	seen := make(map[string]bool, len(raw))
	for i, r := range raw {
		v, field, reason, rej, decoded := item(i, r)
		if !decoded {
			rejected = append(rejected, rej)
			continue
		}
		if field == "" && seen[id(v)] {
			field, reason = "id", "duplicate id in batch"
		}
		if field != "" {
			rejected = append(rejected, Rejection{Index: i, ID: printableID(id(v)), Field: field, Reason: reason})
			continue
		}
		seen[id(v)] = true
		kept = append(kept, v)
	}
	return kept, rejected, nil
}

// BatchKey identifies a batch by its accepted item ids, independent of their
// order: a retried or redelivered batch has the same key.
func BatchKey(ids []string) string {
	s := append([]string(nil), ids...)
	sort.Strings(s)
	h := sha256.New()
	for _, id := range s {
		h.Write([]byte(id))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func envelope(body []byte, maxItems, maxBytes int) ([]json.RawMessage, error) {
	if maxItems <= 0 {
		maxItems = DefaultMaxItems
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if len(body) > maxBytes {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(body), maxBytes)
	}
	if err := jsonstrict.Check(body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var env struct {
		Items *[]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, envelopeProblem(err))
	}
	if env.Items == nil {
		return nil, fmt.Errorf(`%w: the body must be {"items":[...]}, with the items in an array named items`, ErrMalformed)
	}
	n := len(*env.Items)
	if n == 0 {
		return nil, fmt.Errorf("%w: no items", ErrMalformed)
	}
	if n > maxItems {
		return nil, fmt.Errorf("%w: %d items, at most %d", ErrTooManyItems, n, maxItems)
	}
	return *env.Items, nil
}

// envelopeProblem says what is wrong with a batch's envelope in JSON's terms,
// never encoding/json's (which names Go types like []json.RawMessage).
func envelopeProblem(err error) string {
	var syn *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &te) && te.Field == "":
		return fmt.Sprintf(`the body must be a JSON object like {"items":[...]}, not %s`, jsonWhat(te.Value))
	case errors.As(err, &te):
		return fmt.Sprintf(`"items" must be an array of objects, not %s`, jsonWhat(te.Value))
	}
	return "malformed JSON: the body ends too early or is not one JSON value"
}

// jsonWhat names a value's JSON type as encoding/json reports it ("number 5").
func jsonWhat(v string) string {
	v, _, _ = strings.Cut(v, " ")
	switch v {
	case "array", "object":
		return "an " + v
	case "bool":
		return "a boolean"
	}
	return "a " + v
}

// decodeItem unmarshals one item; a non-object or a field of the wrong type
// is a rejection. The id is recovered for the rejection when possible.
func decodeItem(i int, r json.RawMessage, into any) (Rejection, bool) {
	if t := bytes.TrimSpace(r); len(t) == 0 || t[0] != '{' {
		return Rejection{Index: i, Reason: "item is not a JSON object"}, false
	}
	if err := json.Unmarshal(r, into); err != nil {
		rej := Rejection{Index: i, Reason: "invalid item"}
		var idOnly struct {
			ID any `json:"id"`
		}
		if json.Unmarshal(r, &idOnly) == nil {
			if s, ok := idOnly.ID.(string); ok {
				rej.ID = printableID(s)
			}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			f := te.Field
			if i := strings.IndexByte(f, '.'); i >= 0 && (f[:i] == "Event" || f[:i] == "Crash") {
				f = f[i+1:] // the embedded struct's name
			}
			rej.Field = f
			rej.Reason = fmt.Sprintf("%s: must be a %s", f, jsonKind(te.Type.Kind().String()))
		}
		return rej, false
	}
	return Rejection{}, true
}

func jsonKind(k string) string {
	switch k {
	case "string", "ptr":
		return "string"
	case "int64", "int", "uint64":
		return "number"
	}
	return k
}

// printableID echoes a client id in a rejection only if it is short and safe.
func printableID(id string) string {
	if len(id) <= 64 && utf8.ValidString(id) && !strings.ContainsFunc(id, unicode.IsControl) {
		return id
	}
	return ""
}

func validateEvent(e *Event, ts *string, now time.Time) (field, reason string) {
	if f, r := common(e.ID, e.MiniProgramID, e.Version, e.UserID); f != "" {
		return f, r
	}
	if !idRE.MatchString(e.SessionID) {
		return "sessionId", "must be 8-64 characters of A-Z a-z 0-9 _ . : -"
	}
	switch e.Type {
	case TypePageView:
		if e.Page == "" {
			return "page", "is required for page_view"
		}
	case TypeSessionStart, TypeSessionEnd:
	default:
		return "type", "must be page_view, session_start or session_end"
	}
	if f, r := text("page", e.Page, MaxPage); f != "" {
		return f, r
	}
	if e.DurationMs < 0 || e.DurationMs > MaxDurMs {
		return "durationMs", "must be between 0 and 86400000"
	}
	if e.Type != TypeSessionEnd {
		e.DurationMs = 0
	}
	if e.OS != "" && e.OS != "ios" && e.OS != "android" {
		return "os", "must be ios or android"
	}
	if e.AppVersion != "" && !appVRE.MatchString(e.AppVersion) {
		return "appVersion", "must be 1-32 characters of A-Z a-z 0-9 _ . + -"
	}
	t, f, r := timestamp(ts, now)
	if f != "" {
		return f, r
	}
	e.Timestamp = t
	return "", ""
}

func validateCrash(c *Crash, ts *string, now time.Time) (field, reason string) {
	if f, r := common(c.ID, c.MiniProgramID, c.Version, c.UserID); f != "" {
		return f, r
	}
	if strings.TrimSpace(c.Message) == "" && strings.TrimSpace(c.Stack) == "" {
		return "message", "message or stack is required"
	}
	if f, r := text("message", c.Message, MaxMsg); f != "" {
		return f, r
	}
	if len(c.Stack) > MaxStack {
		return "stack", fmt.Sprintf("must be at most %d bytes", MaxStack)
	}
	if !utf8.ValidString(c.Stack) {
		return "stack", "must be valid UTF-8"
	}
	if f, r := text("page", c.Page, MaxPage); f != "" {
		return f, r
	}
	if c.OS != "ios" && c.OS != "android" {
		return "os", "must be ios or android"
	}
	if !appVRE.MatchString(c.AppVersion) {
		return "appVersion", "must be 1-32 characters of A-Z a-z 0-9 _ . + -"
	}
	if f, r := text("device", c.Device, MaxDevice); f != "" {
		return f, r
	}
	t, f, r := timestamp(ts, now)
	if f != "" {
		return f, r
	}
	c.Timestamp = t
	return "", ""
}

func common(id, mp, version, user string) (field, reason string) {
	switch {
	case !idRE.MatchString(id):
		return "id", "must be 8-64 characters of A-Z a-z 0-9 _ . : -"
	case !mpRE.MatchString(mp):
		return "miniProgramId", "must be 1-64 characters of A-Z a-z 0-9 _ -"
	case user == "":
		return "userId", "is required"
	case !userRE.MatchString(user):
		return "userId", "must be 1-128 characters of A-Z a-z 0-9 _ . : @ = + -"
	}
	if _, err := domain.ParseSemver(version); err != nil {
		return "version", err.Error()
	}
	return "", ""
}

// text checks an optional free-text field: bounded, valid UTF-8, no control characters.
func text(field, s string, max int) (string, string) {
	switch {
	case len(s) > max:
		return field, fmt.Sprintf("must be at most %d bytes", max)
	case !utf8.ValidString(s):
		return field, "must be valid UTF-8"
	case field != "message" && strings.ContainsFunc(s, unicode.IsControl):
		return field, "must not contain control characters"
	}
	return "", ""
}

func timestamp(ts *string, now time.Time) (time.Time, string, string) {
	if ts == nil || *ts == "" {
		return time.Time{}, "timestamp", "is required"
	}
	t, err := time.Parse(time.RFC3339Nano, *ts)
	if err != nil {
		return time.Time{}, "timestamp", "must be an RFC 3339 date-time like 2025-01-02T15:04:05Z"
	}
	switch {
	case t.Before(now.Add(-MaxAge)):
		return time.Time{}, "timestamp", "is older than 7 days"
	case t.After(now.Add(MaxSkew)):
		return time.Time{}, "timestamp", "is more than 5 minutes in the future"
	}
	return t.UTC(), "", ""
}
