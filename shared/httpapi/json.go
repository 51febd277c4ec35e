package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/mpdp/platform/shared/domain"
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

func decodeProblem(err error) *Problem {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return NewProblem(http.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return NewProblem(http.StatusBadRequest, fmt.Sprintf("the body must be a JSON object, not %s", typ.Value))
		}
		p := NewProblem(http.StatusBadRequest, "a field has the wrong type")
		p.Errors = append(p.Errors, domainField(field, fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)))
		return p
	case errors.Is(err, io.ErrUnexpectedEOF):
		return NewProblem(http.StatusBadRequest, "malformed JSON: the body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		p := NewProblem(http.StatusBadRequest, "the body has a field this endpoint does not take")
		p.Errors = append(p.Errors, domainField(name, "is not a known field"))
		return p
	}
	return NewProblem(http.StatusBadRequest, "malformed JSON: "+err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "a boolean"
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

// IfMatch returns the version an update's If-Match header names. Updates must
// send it (428 otherwise), so a client never overwrites a change it has not seen.
func IfMatch(r *http.Request) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, NewProblem(http.StatusPreconditionRequired, `send If-Match with the ETag you read, like If-Match: "v3"`)
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
