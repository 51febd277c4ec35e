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
			if p := FromError(err); p.Status < 400 || p.Status >= 500 {
				t.Fatalf("status %d for %q", p.Status, body)
			}
		}
	})
}

func TestIfMatch(t *testing.T) {
	for h, want := range map[string]int{`"v3"`: 3, `W/"v3"`: 3, `"v0"`: 0, "": -428, `"3"`: -412, `v3`: -412, `"v-1"`: -412, `"vx"`: -412, `*`: -412} {
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
