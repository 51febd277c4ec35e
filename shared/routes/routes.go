// Package routes is the route table: which function serves which route. The CDK
// app creates one API Gateway route per entry, and the local gateway serves the
// same entries in-process, so both expose exactly the same API.
package routes

// Access says who may call a route before the handler's own role checks run.
type Access int

const (
	// Signed requires a valid Cognito token (API Gateway's JWT authorizer in the
	// cloud, the local gateway's verifier locally).
	Signed Access = iota
	// Public routes take no token.
	Public
	// AppKey routes are called by host apps, signed with an app key (package
	// appkeys): no Cognito token, no JWT authorizer; the handler checks the
	// signature itself and answers 401 when it does not hold.
	AppKey
)

// Route is one API route. Path uses API Gateway's syntax, which Go's ServeMux
// patterns share: "/v1/workspaces/{ws}".
type Route struct {
	Method   string
	Path     string
	Function string // a name in resources.Functions
	Access   Access
}

// Pattern is the route as a net/http ServeMux pattern.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Table lists every route of the API.
var Table = []Route{
	// accounts
	{"GET", "/v1/health", "accounts", Public},
	{"POST", "/v1/applications", "accounts", Public},
	{"GET", "/v1/me", "accounts", Signed},
	{"POST", "/v1/invitations/{invitationId}/accept", "accounts", Signed},
	{"GET", "/v1/terms", "accounts", Public},
	{"POST", "/v1/terms/accept", "accounts", Signed},

	// workspaces
	{"GET", "/v1/workspaces", "workspaces", Signed},
	{"GET", "/v1/workspaces/{ws}", "workspaces", Signed},
	{"PATCH", "/v1/workspaces/{ws}", "workspaces", Signed},
	{"GET", "/v1/workspaces/{ws}/settings", "workspaces", Signed},
	{"PUT", "/v1/workspaces/{ws}/settings", "workspaces", Signed},
	{"POST", "/v1/workspaces/{ws}/settings/terms", "workspaces", Signed},
	{"POST", "/v1/workspaces/{ws}/settings/assets", "workspaces", Signed},
	{"GET", "/v1/workspaces/{ws}/testers", "workspaces", Signed},
	{"PUT", "/v1/workspaces/{ws}/testers", "workspaces", Signed},

	// members, invitations, authorizations
	{"GET", "/v1/workspaces/{ws}/members", "members", Signed},
	{"PATCH", "/v1/workspaces/{ws}/members/{userId}", "members", Signed},
	{"DELETE", "/v1/workspaces/{ws}/members/{userId}", "members", Signed},
	{"POST", "/v1/workspaces/{ws}/members/{userId}/block", "members", Signed},
	{"POST", "/v1/workspaces/{ws}/members/{userId}/unblock", "members", Signed},
	{"GET", "/v1/workspaces/{ws}/invitations", "members", Signed},
	{"POST", "/v1/workspaces/{ws}/invitations", "members", Signed},
	{"DELETE", "/v1/workspaces/{ws}/invitations/{id}", "members", Signed},
	{"POST", "/v1/workspaces/{ws}/invitations/{id}/resend", "members", Signed},
	{"GET", "/v1/authorizations", "members", Signed},
	{"DELETE", "/v1/authorizations/{id}", "members", Signed},
	{"POST", "/v1/authorizations/{id}/regrant", "members", Signed},

	// mini programs, uploads, versions
	{"GET", "/v1/workspaces/{ws}/miniprograms", "miniprograms", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms", "miniprograms", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}", "miniprograms", Signed},
	{"PATCH", "/v1/workspaces/{ws}/miniprograms/{mp}", "miniprograms", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/uploads", "miniprograms", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/versions", "miniprograms", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}", "miniprograms", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}/trial", "miniprograms", Signed},

	// launches and releases
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/launches", "launches", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/launches", "launches", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}", "launches", Signed},
	{"PATCH", "/v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}", "launches", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/withdraw", "launches", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/pause", "launches", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/resume", "launches", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/release", "launches", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/rollback", "launches", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/offline", "launches", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/online", "launches", Signed},

	// host apps and their keys (tenant)
	{"GET", "/v1/apps", "apps", Signed},
	{"POST", "/v1/apps", "apps", Signed},
	{"GET", "/v1/apps/{app}", "apps", Signed},
	{"PATCH", "/v1/apps/{app}", "apps", Signed},
	{"GET", "/v1/apps/{app}/keys", "apps", Signed},
	{"POST", "/v1/apps/{app}/keys", "apps", Signed},
	{"DELETE", "/v1/apps/{app}/keys/{keyId}", "apps", Signed},

	// runtime (host apps, app-key signed)
	{"GET", "/v1/runtime/miniprograms/{mp}/release", "runtime", AppKey},
	{"POST", "/v1/runtime/events", "runtime", AppKey},
	{"POST", "/v1/runtime/crashes", "runtime", AppKey},

	// analytics and crash quality (served by the miniprograms function)
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/analytics", "miniprograms", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/analytics/summary", "miniprograms", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/analytics/versions", "miniprograms", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/analytics/retention", "miniprograms", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/crashes", "miniprograms", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/crashes/{fingerprint}", "miniprograms", Signed},
	{"PATCH", "/v1/workspaces/{ws}/miniprograms/{mp}/crashes/{fingerprint}", "miniprograms", Signed},

	// catalog: JSAPIs, features and mini programs' feature grants
	{"GET", "/v1/jsapis", "catalog", Signed},
	{"POST", "/v1/jsapis", "catalog", Signed},
	{"GET", "/v1/jsapis/{name}", "catalog", Signed},
	{"PATCH", "/v1/jsapis/{name}", "catalog", Signed},
	{"GET", "/v1/features", "catalog", Signed},
	{"POST", "/v1/features", "catalog", Signed},
	{"GET", "/v1/features/{id}", "catalog", Signed},
	{"PATCH", "/v1/features/{id}", "catalog", Signed},
	{"GET", "/v1/features/{id}/history", "catalog", Signed},
	{"GET", "/v1/workspaces/{ws}/miniprograms/{mp}/features", "catalog", Signed},
	{"POST", "/v1/workspaces/{ws}/miniprograms/{mp}/features", "catalog", Signed},

	// feedback
	{"GET", "/v1/feedback", "feedback", Signed},
	{"POST", "/v1/feedback", "feedback", Signed},
	{"POST", "/v1/feedback/screenshots", "feedback", Signed},
	{"PATCH", "/v1/feedback/{id}", "feedback", Signed},

	// approvals
	{"GET", "/v1/approvals", "approvals", Signed},
	{"GET", "/v1/approvals/{id}", "approvals", Signed},
	{"POST", "/v1/approvals/{id}/approve", "approvals", Signed},
	{"POST", "/v1/approvals/{id}/reject", "approvals", Signed},
	{"POST", "/v1/approvals/{id}/withdraw", "approvals", Signed},
}

// ForFunction returns the routes one function serves.
func ForFunction(name string) []Route {
	var out []Route
	for _, r := range Table {
		if r.Function == name {
			out = append(out, r)
		}
	}
	return out
}
