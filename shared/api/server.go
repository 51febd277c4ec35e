// Package api holds the platform's HTTP handlers. Each function (Lambda) serves
// the routes the route table gives it; the local gateway and the tests serve them
// all in-process.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mpdp/platform/shared/appkeys"
	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/bucket"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/identity"
	"github.com/mpdp/platform/shared/ingest"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/packages"
	"github.com/mpdp/platform/shared/storage"
)

// Users finds or creates console users.
type Users interface {
	EnsureUser(ctx context.Context, email string) (identity.User, error)
	// FindUser returns the user whose verified email is email (identity.ErrNoUser, a domain.ErrNotFound, if none).
	FindUser(ctx context.Context, email string) (identity.User, error)
}

// Mailer queues emails.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Deps are what the handlers need.
type Deps struct {
	Store    *storage.Store
	Users    Users
	Mail     Mailer
	Packages *bucket.Bucket
	// MaxPackageBytes bounds a declared upload (the processor enforces the real size).
	MaxPackageBytes int64
	ConsoleURL      string // base URL of the web console, used in emails
	Workflows       Workflows
	// Secrets encrypts and decrypts app key secrets (KMS, cached per instance).
	Secrets *appkeys.Secrets
	// Analytics queues accepted runtime event and crash batches.
	Analytics Enqueuer
	Timing    LaunchTiming
	// Limits bound the requests that send email, per source address (DefaultLimits if zero).
	Limits Limits
	Log    *slog.Logger
	Now    func() time.Time
}

// Server serves the API.
type Server struct {
	Deps
}

// New returns a server.
func New(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxPackageBytes == 0 {
		d.MaxPackageBytes = packages.DefaultLimits().MaxPackageBytes
	}
	if d.Limits == (Limits{}) {
		d.Limits = DefaultLimits
	}
	if d.Timing == (LaunchTiming{}) {
		d.Timing = DefaultLaunchTiming
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Server{Deps: d}
}

// handlerFunc is a handler that returns its error; serve writes it as a problem.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func serve(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			httpapi.WriteError(w, r, err)
		}
	}
}

// Each function's handlers, by route pattern: one method per function of the
// route table, so a function's main references only its own handlers and the
// linker leaves the other functions' out of its binary.

func (s *Server) accountsHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/health":        s.health,
		"POST /v1/applications": s.idempotent(s.apply),
		"GET /v1/me":            s.me,
		"POST /v1/invitations/{invitationId}/accept": s.acceptInvitation,
		"GET /v1/terms":         s.getTerms,
		"POST /v1/terms/accept": s.acceptTerms, // accepting again answers the first acceptance
	}
}

func (s *Server) workspacesHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/workspaces":                       s.listWorkspaces,
		"GET /v1/workspaces/{ws}":                  s.getWorkspace,
		"PATCH /v1/workspaces/{ws}":                s.patchWorkspace,
		"GET /v1/workspaces/{ws}/settings":         s.getSettings,
		"PUT /v1/workspaces/{ws}/settings":         s.putSettings,
		"POST /v1/workspaces/{ws}/settings/terms":  s.publishTerms, // each call publishes a new version: no replay
		"POST /v1/workspaces/{ws}/settings/assets": s.createAsset,
		"GET /v1/workspaces/{ws}/testers":          s.getTesters,
		"PUT /v1/workspaces/{ws}/testers":          s.putTesters,
	}
}

func (s *Server) membersHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/workspaces/{ws}/members":                   s.listMembers,
		"PATCH /v1/workspaces/{ws}/members/{userId}":        s.patchMember,
		"DELETE /v1/workspaces/{ws}/members/{userId}":       s.removeMember,
		"POST /v1/workspaces/{ws}/members/{userId}/block":   s.blockMember,
		"POST /v1/workspaces/{ws}/members/{userId}/unblock": s.unblockMember,
		"GET /v1/workspaces/{ws}/invitations":               s.listInvitations,
		"POST /v1/workspaces/{ws}/invitations":              s.idempotent(s.invite, "token", "acceptUrl"), // a replay shows no token
		"DELETE /v1/workspaces/{ws}/invitations/{id}":       s.withdrawInvitation,
		"POST /v1/workspaces/{ws}/invitations/{id}/resend":  s.resendInvitation,
		"GET /v1/authorizations":                            s.listAuthorizations,
		"DELETE /v1/authorizations/{id}":                    s.revokeAuthorization,
		"POST /v1/authorizations/{id}/regrant":              s.requestRegrant, // the open-request lock answers a repeat with 409
	}
}

func (s *Server) miniProgramsHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/workspaces/{ws}/miniprograms":                                s.listMiniPrograms,
		"POST /v1/workspaces/{ws}/miniprograms":                               s.idempotent(s.createMiniProgram),
		"GET /v1/workspaces/{ws}/miniprograms/{mp}":                           s.getMiniProgram,
		"PATCH /v1/workspaces/{ws}/miniprograms/{mp}":                         s.patchMiniProgram,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/uploads":                  s.startUpload, // idempotent by itself: asking again re-issues the URL, and a replay would hand back an expired one
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/versions":                  s.listVersions,
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}":        s.getVersion,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/versions/{version}/trial": s.trial,
	}
}

func (s *Server) launchesHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/launches":                    s.listLaunches,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches":                   s.idempotent(s.createLaunch),
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}":           s.getLaunch,
		"PATCH /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}":         s.patchLaunch,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/withdraw": s.withdrawLaunch,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/pause":    s.pauseLaunch,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/launches/{launch}/resume":   s.resumeLaunch,
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/release":                     s.getRelease,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/rollback":                   s.rollback,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/offline":                    s.requestOnline(domain.ApprovalOffline),
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/online":                     s.requestOnline(domain.ApprovalOnline),
	}
}

func (s *Server) appsHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/apps":                       s.listApps,
		"POST /v1/apps":                      s.idempotent(s.createApp),
		"GET /v1/apps/{app}":                 s.getApp,
		"PATCH /v1/apps/{app}":               s.patchApp,
		"GET /v1/apps/{app}/keys":            s.listAppKeys,
		"POST /v1/apps/{app}/keys":           s.createAppKey, // no Idempotency-Key: a replay would show the secret twice
		"DELETE /v1/apps/{app}/keys/{keyId}": s.revokeAppKey,
	}
}

func (s *Server) runtimeHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/runtime/miniprograms/{mp}/release": s.runtimeRelease,
		"POST /v1/runtime/events":                   s.runtimeIngest(ingest.KindEvents),
		"POST /v1/runtime/crashes":                  s.runtimeIngest(ingest.KindCrashes),
	}
}

func (s *Server) analyticsHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/analytics":               s.getAnalytics,
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/analytics/summary":       s.getAnalyticsSummary,
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/analytics/versions":      s.getAnalyticsVersions,
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/analytics/retention":     s.getRetention,
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/crashes":                 s.listCrashes,
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/crashes/{fingerprint}":   s.getCrash,
		"PATCH /v1/workspaces/{ws}/miniprograms/{mp}/crashes/{fingerprint}": s.patchCrash,
	}
}

func (s *Server) catalogHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/jsapis":                                      s.listJSAPIs,
		"POST /v1/jsapis":                                     s.idempotent(s.createJSAPI),
		"GET /v1/jsapis/{name}":                               s.getJSAPI,
		"PATCH /v1/jsapis/{name}":                             s.patchJSAPI,
		"GET /v1/features":                                    s.listFeatures,
		"POST /v1/features":                                   s.idempotent(s.createFeature),
		"GET /v1/features/{id}":                               s.getFeature,
		"PATCH /v1/features/{id}":                             s.patchFeature,
		"GET /v1/features/{id}/history":                       s.listFeatureHistory,
		"GET /v1/workspaces/{ws}/miniprograms/{mp}/features":  s.listFeatureGrants,
		"POST /v1/workspaces/{ws}/miniprograms/{mp}/features": s.requestFeature, // the lock answers a repeat with 409
	}
}

func (s *Server) feedbackHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/feedback":              s.listFeedback,
		"POST /v1/feedback":             s.idempotent(s.createFeedback),
		"POST /v1/feedback/screenshots": s.createScreenshot,
		"PATCH /v1/feedback/{id}":       s.patchFeedback,
	}
}

func (s *Server) approvalsHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GET /v1/approvals":                s.listApprovals,
		"GET /v1/approvals/{id}":           s.getApproval,
		"POST /v1/approvals/{id}/approve":  s.decide(domain.ApprovalApproved),
		"POST /v1/approvals/{id}/reject":   s.decide(domain.ApprovalRejected),
		"POST /v1/approvals/{id}/withdraw": s.decide(domain.ApprovalWithdrawn),
	}
}

// Handler serves the routes of one function, or of all functions when function
// is "": the local gateway's and the tests' way in. Like a function's Lambda,
// each request runs with only the clients the function declares in its Needs
// (on a copy of s taken per request, so tests may still change s's limits and
// timing), so a handler that calls a client its function's main does not build
// fails the tests. It panics on an unknown function or a function whose
// handlers and routes differ, which the tests catch before anything ships.
func (s *Server) Handler(function string) http.Handler {
	mux := http.NewServeMux()
	found := false
	for _, f := range Functions() {
		if function != "" && f.Name != function {
			continue
		}
		found = true
		if err := f.check(f.handlers(s)); err != nil {
			panic(err.Error())
		}
		for pattern := range f.handlers(s) {
			mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c := *s
				c.Deps = f.Needs.only(c.Deps)
				serve(f.handlers(&c)[pattern])(w, r)
			}))
		}
	}
	if !found {
		panic(fmt.Sprintf("no function %q", function))
	}
	mux.HandleFunc("/", httpapi.NotFound)
	return httpapi.WithRequest(s.Log, mux)
}

// serveFunction serves f's routes on s, as f's Lambda does.
func (s *Server) serveFunction(f Function) http.Handler {
	hs := f.handlers(s)
	if err := f.check(hs); err != nil {
		panic(err.Error())
	}
	mux := http.NewServeMux()
	for pattern, h := range hs {
		mux.Handle(pattern, serve(h))
	}
	mux.HandleFunc("/", httpapi.NotFound)
	return httpapi.WithRequest(s.Log, mux)
}

// access is the caller's standing in a workspace, checked on every request.
type access struct {
	caller auth.Caller
	member domain.Member
}

// authorize loads the caller's membership of ws and checks it allows act. A
// non-member gets 404, so other workspaces stay invisible; a blocked member or a
// role without the permission gets 403.
func (s *Server) authorize(r *http.Request, ws string, act domain.Action) (access, error) {
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return access{}, err
	}
	m, err := s.Store.GetMember(r.Context(), ws, c.UserID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return access{}, err
	}
	found := err == nil
	return admit(c, ws, act, storage.Membership{Member: m, Found: found, Former: !found && s.Store.WasMember(r.Context(), ws, c.UserID)})
}

// admitRead is admit on a membership already read (nil: none); only a
// missing one costs the read of the removed-member marker.
func (s *Server) admitRead(ctx context.Context, ws string, c auth.Caller, m *domain.Member, act domain.Action) (access, error) {
	if m == nil {
		return admit(c, ws, act, storage.Membership{Former: s.Store.WasMember(ctx, ws, c.UserID)})
	}
	return admit(c, ws, act, storage.Membership{Member: *m, Found: true})
}

// admit decides whether membership m of ws lets caller c do act (see authorize).
func admit(c auth.Caller, ws string, act domain.Action, m storage.Membership) (access, error) {
	switch {
	case !m.Found && m.Former:
		return access{}, domain.Errorf(domain.ErrForbidden, "you were removed from this workspace")
	case !m.Found:
		return access{}, domain.ErrNotFound
	case m.Member.Status != domain.MemberActive:
		return access{}, domain.Errorf(domain.ErrForbidden, "your membership of this workspace is blocked")
	case !domain.Allows(kindOf(ws), m.Member, act):
		return access{}, domain.Errorf(domain.ErrForbidden, "the %s role does not allow this", m.Member.Role)
	}
	return access{caller: c, member: m.Member}, nil
}

// authorizeAnd is authorize with read run at the same time, so a read costs one
// round trip of latency instead of two in sequence. A refusal wins over
// whatever read found (a non-member still gets 404, a removed or blocked member
// 403) and read's context is cancelled then; read must only fill variables the
// caller uses after a nil error. The membership is read on every request, so a
// role change or block acts on the next one.
func (s *Server) authorizeAnd(r *http.Request, ws string, act domain.Action, read func(ctx context.Context) error) (access, error) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- read(ctx) }()
	a, err := s.authorize(r, ws, act)
	if err != nil {
		cancel()
		<-done // read writes the caller's variables: never return while it runs
		return a, err
	}
	return a, <-done
}

// authorizeChange is authorize for an action that changes what the
// workspace's users get (uploads, launches, rollout moves, rollback, online):
// a developer workspace must also still hold the tenant's authorization.
// Revoking it stops all of these at once; reads, pauses, withdrawals and
// offline requests stay open.
func (s *Server) authorizeChange(r *http.Request, ws string, act domain.Action) (access, error) {
	a, err := s.authorize(r, ws, act)
	if err != nil {
		return a, err
	}
	return a, s.checkAuthorized(r.Context(), ws)
}

// admitChange is authorizeChange on a membership and workspace already read (nil: none).
func (s *Server) admitChange(ctx context.Context, ws string, c auth.Caller, m *domain.Member, got *domain.Workspace, act domain.Action) (access, error) {
	a, err := s.admitRead(ctx, ws, c, m, act)
	if err != nil || ws == domain.TenantWorkspaceID {
		return a, err
	}
	if got == nil {
		return a, domain.ErrNotFound
	}
	return a, got.CheckAuthorized()
}

// checkAuthorized refuses a change from a developer workspace whose
// authorization was revoked.
func (s *Server) checkAuthorized(ctx context.Context, ws string) error {
	if ws == domain.TenantWorkspaceID {
		return nil
	}
	got, err := s.Store.GetWorkspace(ctx, ws)
	if err != nil {
		return err
	}
	return got.CheckAuthorized()
}

func kindOf(ws string) domain.WorkspaceKind {
	if ws == domain.TenantWorkspaceID {
		return domain.KindTenant
	}
	return domain.KindDeveloper
}

// listed answers the page fetch reads with the request's limit and cursor.
func listed[T any](w http.ResponseWriter, r *http.Request, fetch func(ctx context.Context, limit int, cursor string) (storage.Page[T], error)) error {
	limit, err := httpapi.Limit(r)
	if err != nil {
		return err
	}
	page, err := fetch(r.Context(), limit, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	return list(w, page)
}

// authorizedList is listed with the first page read while the caller's
// membership of ws is checked for act (see authorizeAnd). A bad limit is a 400
// only for a caller who may list at all.
func authorizedList[T any](s *Server, w http.ResponseWriter, r *http.Request, ws string, act domain.Action, fetch func(ctx context.Context, limit int, cursor string) (storage.Page[T], error)) error {
	limit, limitErr := httpapi.Limit(r)
	var page storage.Page[T]
	_, err := s.authorizeAnd(r, ws, act, func(ctx context.Context) error {
		if limitErr != nil {
			return limitErr
		}
		var err error
		page, err = fetch(ctx, limit, r.URL.Query().Get("cursor"))
		return err
	})
	if err != nil {
		return err
	}
	return list(w, page)
}

// list answers a page.
func list[T any](w http.ResponseWriter, p storage.Page[T]) error {
	if p.Items == nil {
		p.Items = []T{}
	}
	httpapi.JSON(w, http.StatusOK, httpapi.List[T]{Items: p.Items, NextCursor: p.Next})
	return nil
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	httpapi.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}
