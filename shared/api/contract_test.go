package api_test

import (
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/openapi"
)

// Every response the integration tests receive is checked against the OpenAPI
// document: its status must be documented for the route, its body must match
// the schema, and every header the document declares as required for that
// status (Location on a 201, ETag on an entity, WWW-Authenticate on a 401) must
// be sent and match its schema.
func init() {
	doc, err := openapi.Load()
	if err != nil {
		panic(err)
	}
	checkContract = func(t testing.TB, method, path string, r response) {
		t.Helper()
		path, _, _ = strings.Cut(path, "?")
		pattern, ok := doc.Route(method, path)
		if !ok {
			t.Errorf("contract: %s %s is not in the OpenAPI document", method, path)
			return
		}
		if err := doc.ValidateResponse(method, pattern, r.Status, r.Header.Get("Content-Type"), r.Body); err != nil {
			t.Errorf("contract: %s %s → %d: %v", method, pattern, r.Status, err)
		}
		if err := doc.ValidateResponseHeaders(method, pattern, r.Status, r.Header); err != nil {
			t.Errorf("contract: %s %s → %d: %v", method, pattern, r.Status, err)
		}
	}
}
