package api

import (
	"testing"

	"github.com/mpdp/platform/shared/routes"
)

// The route table and the handler map must name the same routes: Handler panics
// on a route without a handler, and this catches a handler without a route,
// which would otherwise never be served.
func TestEveryHandlerHasARoute(t *testing.T) {
	inTable := map[string]bool{}
	for _, rt := range routes.Table {
		inTable[rt.Pattern()] = true
	}
	handlers := New(Deps{}).handlers()
	for pattern := range handlers {
		if !inTable[pattern] {
			t.Errorf("handler %q has no route in routes.Table", pattern)
		}
	}
	for pattern := range inTable {
		if _, ok := handlers[pattern]; !ok {
			t.Errorf("route %q has no handler", pattern)
		}
	}
}
