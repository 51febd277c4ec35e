package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/jsonstrict"
)

// MaxBodyBytes bounds every JSON request body.
const MaxBodyBytes = 64 << 10

// Decode reads one JSON object from r's body into dst, strictly: the media type
// must be JSON, unknown fields and trailing data are rejected, and the body is
// bounded. Errors are problems that say what is wrong and where.
func Decode(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return NewProblem(http.StatusUnsupportedMediaType, "send the body as application/json")
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return NewProblem(http.StatusBadRequest, "the request body could not be read")
	}
	if len(body) > MaxBodyBytes {
		return NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body must be at most %d bytes", MaxBodyBytes))
	}
	return DecodeBytes(body, dst)
}

// DecodeBytes is Decode on a body already read; it is what the fuzz test drives.
func DecodeBytes(body []byte, dst any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return NewProblem(http.StatusBadRequest, "the request body is empty; send a JSON object")
	}
	if err := jsonstrict.Check(body); err != nil {
		return strictProblem(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	if dec.More() {
		return NewProblem(http.StatusBadRequest, "the body must hold exactly one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return NewProblem(http.StatusBadRequest, "the body must hold exactly one JSON object")
	}
	return nil
}

// strictProblem is a 400 for what jsonstrict refuses (invalid UTF-8, a
// duplicate key), naming the field when there is one.
func strictProblem(err error) *Problem {
	var se *jsonstrict.Error
	if !errors.As(err, &se) {
		return NewProblem(http.StatusBadRequest, err.Error())
	}
	if se.Path == "" {
		return NewProblem(http.StatusBadRequest, se.Reason)
	}
	p := NewProblem(http.StatusBadRequest, "the body gives a field more than once")
	p.Errors = append(p.Errors, domainField(se.Path, se.Reason))
	return p
}

func decodeProblem(err error) *Problem {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tp *time.ParseError
	switch {
	case errors.As(err, &syntax):
		return NewProblem(http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return NewProblem(http.StatusBadRequest, fmt.Sprintf("the body must be a JSON object, not %s", jsonValue(typ.Value)))
		}
		p := NewProblem(http.StatusBadRequest, "a field has the wrong type")
		p.Errors = append(p.Errors, domainField(field, typeMessage(typ)))
		return p
	case errors.As(err, &tp):
		return NewProblem(http.StatusBadRequest, fmt.Sprintf("a date-time must be in RFC 3339 format, like 2026-01-02T15:04:05Z; %q is not", tp.Value))
	case strings.HasPrefix(err.Error(), "Time.UnmarshalJSON: "):
		return NewProblem(http.StatusBadRequest, "a date-time must be a string in RFC 3339 format, like \"2026-01-02T15:04:05Z\"")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return NewProblem(http.StatusBadRequest, "malformed JSON: the body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		p := NewProblem(http.StatusBadRequest, "the body has a field this endpoint does not take")
		p.Errors = append(p.Errors, domainField(name, "is not a known field"))
		return p
	}
	// Anything else would name Go's types: say what the client can act on.
	return NewProblem(http.StatusBadRequest, "the body is not JSON this endpoint can read; check each field's type against the API description")
}

// typeMessage says what a field must be in JSON's terms: a whole number
// (with its range) where the value was a fraction or out of range.
func typeMessage(typ *json.UnmarshalTypeError) string {
	want := jsonKind(typ.Type.Kind())
	got := jsonValue(typ.Value)
	if strings.HasPrefix(typ.Value, "number") {
		switch k := typ.Type.Kind(); {
		case k >= reflect.Int && k <= reflect.Int64:
			bits := typ.Type.Bits()
			return fmt.Sprintf("must be a whole number from %d to %d, not %s", int64(-1)<<(bits-1), int64(1)<<(bits-1)-1, got)
		case k >= reflect.Uint && k <= reflect.Uint64:
			bits := typ.Type.Bits()
			return fmt.Sprintf("must be a whole number from 0 to %d, not %s", uint64(1)<<(bits-1)*2-1, got)
		case k == reflect.Float32 || k == reflect.Float64:
			return "must be a number within range, not " + got
		}
	}
	return fmt.Sprintf("must be %s, not %s", want, got)
}

// jsonValue names what encoding/json found ("number 1.5", "string") as JSON.
func jsonValue(v string) string {
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return n
	}
	switch v {
	case "array", "object":
		return "an " + v
	case "string", "number", "bool":
		return "a " + strings.Replace(v, "bool", "boolean", 1)
	}
	return v
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	}
	return "a number"
}

// JSON writes v with status. v is encoded before anything is written, so an
// encoding failure is a clean 500 rather than a truncated success.
func JSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		w.Header().Del("ETag")
		status, buf = http.StatusInternalServerError, bytes.Buffer{}
		json.NewEncoder(&buf).Encode(NewProblem(status, "the response could not be encoded; it has been logged"))
		w.Header().Set("Content-Type", "application/problem+json")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// DecodeOptional is Decode for bodies that may be left out entirely.
func DecodeOptional(r *http.Request, dst any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return NewProblem(http.StatusBadRequest, "the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return Decode(r, dst)
}

// ETag is the entity tag of a version.
func ETag(version int) string { return `"v` + strconv.Itoa(version) + `"` }

// Entity writes an entity with its ETag.
func Entity(w http.ResponseWriter, status int, version int, v any) {
	w.Header().Set("ETag", ETag(version))
	JSON(w, status, v)
}

// AnyVersion is what IfMatch returns for `If-Match: *`: any current version
// of the resource (RFC 9110 §13.1.1), a deliberate overwrite.
const AnyVersion = -1

// IfMatch returns the version an update's If-Match header names. Updates must
// send it (428 otherwise), so a client never overwrites a change it has not
// seen, unless it says so with `*` (AnyVersion; see ExpectedVersion).
func IfMatch(r *http.Request) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, NewProblem(http.StatusPreconditionRequired, `send If-Match with the ETag you read, like If-Match: "v3" (or If-Match: * to overwrite any version)`)
	}
	if h == "*" {
		return AnyVersion, nil
	}
	h = strings.TrimPrefix(h, "W/")
	if len(h) < 4 || !strings.HasPrefix(h, `"v`) || !strings.HasSuffix(h, `"`) {
		return 0, NewProblem(http.StatusPreconditionFailed, "If-Match does not name a version of this resource")
	}
	v, err := strconv.Atoi(h[2 : len(h)-1])
	if err != nil || v < 0 {
		return 0, NewProblem(http.StatusPreconditionFailed, "If-Match does not name a version of this resource")
	}
	return v, nil
}

// ExpectedVersion is the version an update is conditional on: the one If-Match
// named, or, for `If-Match: *`, the current one (the write still fails with
// 412 if another update lands between the read and the write).
func ExpectedVersion(ifMatch, current int) int {
	if ifMatch == AnyVersion {
		return current
	}
	return ifMatch
}

// List is the body of every list response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// Limit reads ?limit= (default 50, 1 to 100).
func Limit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100 {
		p := NewProblem(http.StatusBadRequest, "limit must be a whole number from 1 to 100")
		p.Errors = []FieldError{{Field: "limit", Message: "must be 1 to 100"}}
		return 0, p
	}
	return n, nil
}

// FieldError is domain.FieldError, named here for handlers' convenience.
type FieldError = domain.FieldError

func domainField(field, msg string) FieldError { return FieldError{Field: field, Message: msg} }
