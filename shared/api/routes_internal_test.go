package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mpdp/platform/shared/routes"
)

// Each function's handlers and the route table must name the same routes, both
// ways: a route without a handler would answer 404 in the cloud, and a handler
// without a route (or in another function than the table says) would never be
// served by API Gateway.
func TestEveryFunctionServesExactlyItsRoutes(t *testing.T) {
	s := New(Deps{})
	served := map[string]string{} // pattern → function
	for _, f := range Functions() {
		if err := f.check(f.handlers(s)); err != nil {
			t.Error(err)
		}
		for pattern := range f.handlers(s) {
			if other, ok := served[pattern]; ok {
				t.Errorf("%s is handled by both %s and %s", pattern, other, f.Name)
			}
			served[pattern] = f.Name
		}
	}
	for _, rt := range routes.Table {
		if got := served[rt.Pattern()]; got != rt.Function {
			t.Errorf("route %s belongs to %s in routes.Table; handled by %q", rt.Pattern(), rt.Function, got)
		}
	}
}

// check finds each way the handlers and the table can disagree.
func TestFunctionCheckFindsMismatches(t *testing.T) {
	h := func(w http.ResponseWriter, r *http.Request) error { return nil }
	accounts := Function{Name: "accounts"}
	full := func() map[string]handlerFunc {
		hs := map[string]handlerFunc{}
		for _, rt := range routes.ForFunction("accounts") {
			hs[rt.Pattern()] = h
		}
		return hs
	}
	for _, tc := range []struct {
		name   string
		change func(hs map[string]handlerFunc)
		want   string // "" for no error
	}{
		{"same routes", func(map[string]handlerFunc) {}, ""},
		{"route without handler", func(hs map[string]handlerFunc) { delete(hs, "GET /v1/me") }, "route GET /v1/me of function accounts has no handler"},
		{"handler without route", func(hs map[string]handlerFunc) { hs["GET /v1/nowhere"] = h }, "handler GET /v1/nowhere of function accounts has no route"},
		{"handler of another function", func(hs map[string]handlerFunc) { hs["GET /v1/approvals"] = h }, "gives the route to approvals"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := full()
			tc.change(hs)
			err := accounts.check(hs)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// A function's server holds only the clients its Needs name.
func TestNeedsKeepOnlyTheNamedClients(t *testing.T) {
	d := Deps{Users: struct{ Users }{}, Mail: struct{ Mailer }{}, Workflows: struct{ Workflows }{}, Analytics: struct{ Enqueuer }{}}
	got := Needs{Mail: true}.only(d)
	if got.Mail == nil || got.Users != nil || got.Workflows != nil || got.Analytics != nil {
		t.Errorf("Needs{Mail} kept %+v", got)
	}
}
