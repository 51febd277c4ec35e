package api

import (
	"fmt"
	"maps"
	"net/http"

	"github.com/mpdp/platform/shared/routes"
)

// A Function is one Lambda of the route table: the handlers of its routes and
// the clients they call. A function's main builds only what Needs names and
// references only its own Function, so its binary links only its handlers.
type Function struct {
	Name  string // as in routes.Table and resources.Functions
	Needs Needs
	// handlers are the function's handlers on s, by route pattern (server.go).
	handlers func(s *Server) map[string]handlerFunc
}

// Needs are the clients of Deps a function's handlers call besides the Store
// (which every function uses).
type Needs struct {
	Users, Mail, Packages, Workflows, Secrets, Analytics bool
}

// only returns d without the clients n does not name.
func (n Needs) only(d Deps) Deps {
	if !n.Users {
		d.Users = nil
	}
	if !n.Mail {
		d.Mail = nil
	}
	if !n.Packages {
		d.Packages = nil
	}
	if !n.Workflows {
		d.Workflows = nil
	}
	if !n.Secrets {
		d.Secrets = nil
	}
	if !n.Analytics {
		d.Analytics = nil
	}
	return d
}

// The functions serving the API. Each is a package-level value that names its
// handlers' method, so a main that uses one keeps only that method's handlers.
var (
	Accounts     = Function{Name: "accounts", Needs: Needs{Mail: true}, handlers: (*Server).accountsHandlers}
	Workspaces   = Function{Name: "workspaces", Needs: Needs{Users: true, Packages: true}, handlers: (*Server).workspacesHandlers}
	Members      = Function{Name: "members", Needs: Needs{Users: true, Mail: true}, handlers: (*Server).membersHandlers}
	MiniPrograms = Function{Name: "miniprograms", Needs: Needs{Packages: true}, handlers: miniProgramsAndAnalytics}
	Launches     = Function{Name: "launches", Needs: Needs{Workflows: true}, handlers: (*Server).launchesHandlers}
	Apps         = Function{Name: "apps", Needs: Needs{Secrets: true}, handlers: (*Server).appsHandlers}
	Runtime      = Function{Name: "runtime", Needs: Needs{Packages: true, Secrets: true, Analytics: true}, handlers: (*Server).runtimeHandlers}
	Catalog      = Function{Name: "catalog", handlers: (*Server).catalogHandlers}
	Feedback     = Function{Name: "feedback", Needs: Needs{Packages: true}, handlers: (*Server).feedbackHandlers}
	Approvals    = Function{Name: "approvals", Needs: Needs{Users: true, Mail: true, Workflows: true}, handlers: (*Server).approvalsHandlers}
)

// The miniprograms function also serves the analytics and crash reads.
func miniProgramsAndAnalytics(s *Server) map[string]handlerFunc {
	hs := s.miniProgramsHandlers()
	maps.Copy(hs, s.analyticsHandlers())
	return hs
}

// Functions are all the API's functions, for the local gateway and the tests;
// a Lambda's main names only its own.
func Functions() []Function {
	return []Function{Accounts, Workspaces, Members, MiniPrograms, Launches, Apps, Runtime, Catalog, Feedback, Approvals}
}

// Handler serves f's routes with d, as f's Lambda does. d needs only the
// clients f.Needs names.
func (f Function) Handler(d Deps) http.Handler { return New(f.Needs.only(d)).serveFunction(f) }

// check says how hs, f's handlers, differ from f's routes in routes.Table: a
// route without a handler, or a handler without a route of f.
func (f Function) check(hs map[string]handlerFunc) error {
	for _, rt := range routes.ForFunction(f.Name) {
		if _, ok := hs[rt.Pattern()]; !ok {
			return fmt.Errorf("route %s of function %s has no handler", rt.Pattern(), f.Name)
		}
	}
	for pattern := range hs {
		rt, ok := routeOf(pattern)
		switch {
		case !ok:
			return fmt.Errorf("handler %s of function %s has no route in routes.Table", pattern, f.Name)
		case rt.Function != f.Name:
			return fmt.Errorf("handler %s is in function %s, but routes.Table gives the route to %s", pattern, f.Name, rt.Function)
		}
	}
	return nil
}

func routeOf(pattern string) (routes.Route, bool) {
	for _, rt := range routes.Table {
		if rt.Pattern() == pattern {
			return rt, true
		}
	}
	return routes.Route{}, false
}
