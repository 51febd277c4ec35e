package api_test

import (
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/openapi"
)

// Every response the integration tests receive is checked against the OpenAPI
// document: its status must be documented for the route, and its body must
// match the schema.
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
	}
}
