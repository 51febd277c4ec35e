package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mpdp/platform/shared/domain"
)

type sample struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		body, ctype string
		status      int
		field       string
	}{
		{`{"name":"a","count":1}`, "application/json", 0, ""},
		{`{"name":"a"}`, "application/json; charset=utf-8", 0, ""},
		{`{"name":"a"}`, "application/merge-patch+json", 0, ""},
		{`{"name":"a"}`, "", 0, ""},
		{`{"name":"a"}`, "text/plain", 415, ""},
		{``, "application/json", 400, ""},
		{`   `, "application/json", 400, ""},
		{`{"name":`, "application/json", 400, ""},
		{`{"name":"a"}x`, "application/json", 400, ""},
		{`{"name":"a"}{}`, "application/json", 400, ""},
		{`{"count":"1"}`, "application/json", 400, "count"},
		{`{"tags":"a"}`, "application/json", 400, "tags"},
		{`{"extra":1}`, "application/json", 400, "extra"},
		{`[]`, "application/json", 400, ""},
		{`null`, "application/json", 0, ""},
		{`{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, "application/json", 413, ""},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		if tc.ctype != "" {
			r.Header.Set("Content-Type", tc.ctype)
		}
		var s sample
		err := Decode(r, &s)
		status := 0
		if err != nil {
			status = FromError(err).Status
		}
		if status != tc.status {
			t.Errorf("%.40q (%s): status %d, want %d (%v)", tc.body, tc.ctype, status, tc.status, err)
		}
		if tc.field != "" {
			p := FromError(err)
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
				t.Errorf("%q: errors %v, want field %s", tc.body, p.Errors, tc.field)
			}
		}
	}
}

// FuzzDecode: any body gives a value or a 4xx problem, never a panic or a 500.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"a","count":1,"tags":["x"]}`, `{`, `[]`, `{"count":1e400}`, "\xff", `{"a":{"b":[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var s sample
		if err := DecodeBytes(body, &s); err != nil {
			p := FromError(err)
			if p.Status < 400 || p.Status >= 500 {
				t.Fatalf("status %d for %q", p.Status, body)
			}
			if leak := goTerms(p); leak != "" {
				t.Fatalf("%q: the problem names Go's %q: %+v", body, leak, p)
			}
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted a body that is not UTF-8: %q", body)
		}
	})
}

func TestIfMatch(t *testing.T) {
	for h, want := range map[string]int{`"v3"`: 3, `W/"v3"`: 3, `"v0"`: 0, "": -428, `"3"`: -412, `v3`: -412, `"v-1"`: -412, `"vx"`: -412, `*`: AnyVersion, ` * `: AnyVersion, `"*"`: -412, `*, "v1"`: -412} {
		r := httptest.NewRequest("PATCH", "/", nil)
		if h != "" {
			r.Header.Set("If-Match", h)
		}
		v, err := IfMatch(r)
		got := v
		if err != nil {
			got = -FromError(err).Status
		}
		if got != want {
			t.Errorf("If-Match %q: %d, want %d", h, got, want)
		}
	}
}

func TestFromErrorMapsEachSentinelOnce(t *testing.T) {
	for err, want := range map[error]int{
		domain.ErrNotFound: 404, domain.ErrForbidden: 403, domain.ErrConflict: 409, domain.ErrStale: 412,
		domain.ErrUnauthorized: 401, domain.ErrUnavailable: 503,
		fmt.Errorf("wrapped: %w", domain.ErrConflict):                                    409,
		domain.Errorf(domain.ErrForbidden, "nope"):                                       403,
		&domain.ValidationError{Fields: []domain.FieldError{{Field: "a", Message: "b"}}}: 400,
		errors.New("boom"): 500,
	} {
		if got := FromError(err).Status; got != want {
			t.Errorf("%v: %d, want %d", err, got, want)
		}
	}
	if p := FromError(domain.Errorf(domain.ErrForbidden, "the detail")); p.Detail != "the detail" {
		t.Errorf("detail %q", p.Detail)
	}
}

func TestWithRequestRecoversAndTagsRequests(t *testing.T) {
	h := WithRequest(nilLogger(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Request-Id", "abc-123")
	h.ServeHTTP(rec, r)
	if rec.Code != 500 || rec.Header().Get("X-Request-Id") != "abc-123" || !strings.Contains(rec.Body.String(), `"requestId":"abc-123"`) {
		t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	rec = httptest.NewRecorder()
	r.Header.Set("X-Request-Id", "bad id\n")
	h.ServeHTTP(rec, r)
	if id := rec.Header().Get("X-Request-Id"); id == "" || strings.Contains(id, " ") {
		t.Fatalf("unsafe request id kept: %q", id)
	}
}

func nilLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// strictSample has a field of each kind a request body holds.
type strictSample struct {
	Name    string          `json:"name"`
	Count   int             `json:"count"`
	Percent uint8           `json:"percent"`
	Ratio   float64         `json:"ratio"`
	On      bool            `json:"on"`
	At      *time.Time      `json:"at"`
	Tags    []string        `json:"tags"`
	Sub     struct{ X int } `json:"sub"`
	Labels  map[string]int  `json:"labels"`
}

// goTerms returns the first word of Go's vocabulary in a problem, if any: a
// client cannot act on "Go struct field" or "[]json.RawMessage".
func goTerms(p *Problem) string {
	text := p.Detail
	for _, e := range p.Errors {
		text += " " + e.Field + " " + e.Message
	}
	for _, w := range []string{"Go ", "struct", "json:", "json.", "[]", "int64", "uint8", "float64", "time.", "Time.", "2006", "RawMessage", "Unmarshal", "reflect", "map["} {
		if strings.Contains(text, w) {
			return w
		}
	}
	return ""
}

// TestDecodeSaysWhatIsWrongInJSONTerms: each malformed body is a 400 whose
// detail and field errors say what is wrong in JSON's terms, and name the
// field when there is one, without Go's types.
func TestDecodeSaysWhatIsWrongInJSONTerms(t *testing.T) {
	for _, c := range []struct {
		name, body  string
		field, want string // want: a part of the field's message, or of the detail when field is ""
	}{
		{"string for a number", `{"count":"3"}`, "count", "must be a whole number, not a string"},
		{"fraction for a whole number", `{"count":1.5}`, "count", "must be a whole number from"},
		{"too big for a whole number", `{"count":1e400}`, "count", "not 1e400"},
		{"out of a small range", `{"percent":300}`, "percent", "from 0 to 255, not 300"},
		{"negative for unsigned", `{"percent":-1}`, "percent", "from 0 to 255, not -1"},
		{"number for a string", `{"name":5}`, "name", "must be a string, not a number"},
		{"string for a boolean", `{"on":"yes"}`, "on", "must be a boolean, not a string"},
		{"string for a list", `{"tags":"a"}`, "tags", "must be an array, not a string"},
		{"number in a list of strings", `{"tags":["a",1]}`, "tags", "must be a string, not a number"},
		{"array for an object", `{"sub":[]}`, "sub", "must be an object, not an array"},
		{"wrong type in a nested object", `{"sub":{"X":"1"}}`, "sub.X", "must be a whole number"},
		{"wrong type in a map", `{"labels":{"a":"b"}}`, "labels", "must be a whole number, not a string"},
		{"string for a number (float)", `{"ratio":"x"}`, "ratio", "must be a number, not a string"},
		{"date-time not RFC 3339", `{"at":"yesterday"}`, "", `RFC 3339 format, like 2026-01-02T15:04:05Z; "yesterday" is not`},
		{"date-time as a number", `{"at":5}`, "", "a date-time must be a string in RFC 3339 format"},
		{"unknown field", `{"nmae":"a"}`, "nmae", "is not a known field"},
		{"array body", `[{"name":"a"}]`, "", "must be a JSON object, not an array"},
		{"string body", `"name"`, "", "must be a JSON object, not a string"},
		{"number body", `42`, "", "must be a JSON object, not a number"},
		{"trailing comma", `{"name":"a",}`, "", "malformed JSON at byte 13"},
		{"unquoted key", `{name:"a"}`, "", "malformed JSON at byte 2"},
		{"cut short", `{"name":"a"`, "", "the body ends too early"},
		{"two objects", `{"name":"a"}{"name":"b"}`, "", "exactly one JSON object"},
		{"empty", ``, "", "the request body is empty"},
		{"control character in a string", "{\"name\":\"a\x01\"}", "", "invalid character"},
		{"invalid UTF-8 in a string", "{\"name\":\"caf\xe9\"}", "", "not valid UTF-8"},
		{"invalid UTF-8 in a key", "{\"n\xffme\":\"a\"}", "", "not valid UTF-8"},
		{"lone surrogate escape", `{"name":"\ud83d"}`, "", "lone UTF-16 surrogate"},
		{"duplicate key", `{"name":"a","name":"b"}`, "name", "appears more than once"},
		{"duplicate key in a nested object", `{"sub":{"X":1,"X":2}}`, "sub.X", "appears more than once"},
		{"the same field in another case", `{"name":"a","Name":"b"}`, "Name", `repeats "name"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s strictSample
			err := DecodeBytes([]byte(c.body), &s)
			if err == nil {
				t.Fatalf("%q was accepted: %+v", c.body, s)
			}
			p := FromError(err)
			if p.Status != 400 {
				t.Errorf("status %d, want 400", p.Status)
			}
			if leak := goTerms(p); leak != "" {
				t.Errorf("names Go's %q: detail %q errors %v", leak, p.Detail, p.Errors)
			}
			if c.field == "" {
				if !strings.Contains(p.Detail, c.want) {
					t.Errorf("detail %q, want it to contain %q", p.Detail, c.want)
				}
				return
			}
			if len(p.Errors) != 1 || p.Errors[0].Field != c.field || !strings.Contains(p.Errors[0].Message, c.want) {
				t.Errorf("errors %v (detail %q), want field %s: ...%s...", p.Errors, p.Detail, c.field, c.want)
			}
		})
	}
}
