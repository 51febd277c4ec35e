package openapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestValidateResponseHeaders: a declared required header that is not sent
// fails, one that is sent must match its schema, and an optional one may be
// left out.
func TestValidateResponseHeaders(t *testing.T) {
	d := mustLoad(t)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	const inv = "/v1/workspaces/{ws}/invitations"
	for _, c := range []struct {
		name, method, path string
		status             int
		header             http.Header
		wantErr            string
	}{
		{"all sent", "POST", inv, 201, h("ETag", `"v1"`, "Location", "/v1/workspaces/ws_1/invitations/inv_1"), ""},
		{"replay flag sent", "POST", inv, 201, h("ETag", `"v1"`, "Location", "/v1/workspaces/ws_1/invitations/inv_1", "Idempotent-Replayed", "true"), ""},
		{"Location missing", "POST", inv, 201, h("ETag", `"v1"`), "Location as required; it was not sent"},
		{"ETag missing", "POST", inv, 201, h("Location", "/v1/workspaces/ws_1/invitations/inv_1"), "ETag as required"},
		{"Location not a path", "POST", inv, 201, h("ETag", `"v1"`, "Location", "https://elsewhere/x"), "header Location"},
		{"ETag malformed", "POST", inv, 201, h("ETag", `v1`, "Location", "/v1/workspaces/ws_1/invitations/inv_1"), "header Etag"},
		{"replay flag wrong", "POST", inv, 201, h("ETag", `"v1"`, "Location", "/v1/x", "Idempotent-Replayed", "yes"), "Idempotent-Replayed"},
		{"401 without WWW-Authenticate", "GET", "/v1/me", 401, h(), "WWW-Authenticate as required"},
		{"401 with it", "GET", "/v1/me", 401, h("WWW-Authenticate", `Bearer realm="mpdp"`), ""},
		{"status without headers", "GET", "/v1/me", 200, h(), ""},
		// Header values are text: an integer schema takes "120" (simple style).
		{"Retry-After seconds", "POST", "/v1/applications", 429, h("Retry-After", "120"), ""},
		{"Retry-After not seconds", "POST", "/v1/applications", 429, h("Retry-After", "soon"), "header Retry-After"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := d.ValidateResponseHeaders(c.method, c.path, c.status, c.header)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.wantErr))):
				t.Errorf("error = %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

// uploadOnly are the 201s that create no resource the API addresses: they
// answer where to PUT a file (its storage key and a presigned URL).
var uploadOnly = map[string]bool{
	"POST /v1/workspaces/{ws}/settings/assets": true,
	"POST /v1/feedback/screenshots":            true,
}

// TestCreatedDeclaresLocation: every 201 that creates a resource declares a
// required Location, so the contract check in shared/api fails when a handler
// does not send it.
func TestCreatedDeclaresLocation(t *testing.T) {
	d := mustLoad(t)
	for _, key := range d.Operations() {
		r, ok := d.ops[key].responses["201"]
		if !ok {
			continue
		}
		loc, declared := r.headers["Location"]
		switch {
		case uploadOnly[key] && declared:
			t.Errorf("%s: declares Location but is listed as creating no addressable resource", key)
		case !uploadOnly[key] && (!declared || !loc.required):
			t.Errorf("%s: 201 does not declare a required Location header", key)
		}
	}
}
