// Package gateway is the local stand-in for API Gateway: it serves every route of
// the route table in-process, checking tokens on signed routes the way the JWT
// authorizer does in the cloud.
package gateway

import (
	"fmt"
	"net/http"

	"github.com/mpdp/platform/shared/api"
	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/routes"
)

// New returns the gateway for srv, verifying tokens with v.
func New(srv *api.Server, v *auth.Verifier) http.Handler {
	functions := map[string]http.Handler{}
	mux := http.NewServeMux()
	for _, rt := range routes.Table {
		h, ok := functions[rt.Function]
		if !ok {
			h = srv.Handler(rt.Function) // one handler per function, as one Lambda each
			functions[rt.Function] = h
		}
		switch rt.Access {
		case routes.Signed:
			h = auth.Require(v, h)
		case routes.Public, routes.AppKey:
			// No token: AppKey routes check the app-key signature in the handler.
		default:
			panic(fmt.Sprintf("route %s: unknown access %d", rt.Pattern(), rt.Access))
		}
		mux.Handle(rt.Pattern(), h)
	}
	mux.HandleFunc("/", httpapi.NotFound)
	return mux
}
