package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/mail"
	"github.com/mpdp/platform/shared/storage"
)

// decisionLease bounds how long a crashed approver can hold up an approval.
const decisionLease = time.Minute

func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := storage.ApprovalFilter{Type: domain.ApprovalType(q.Get("type")), Status: domain.ApprovalStatus(q.Get("status")), Oldest: q.Get("order") == "oldest"}
	var v domain.ValidationError
	if o := q.Get("order"); o != "" && o != "oldest" && o != "newest" {
		v.Add("order", "must be oldest or newest")
	}
	if f.Type != "" && !slices.Contains(domain.ApprovalTypes, f.Type) {
		v.Add("type", "must be one of workspace.create, launch, offline, online, feature.activate, authorization.regrant")
	}
	if f.Status != "" && !slices.Contains(domain.ApprovalStatuses, f.Status) {
		v.Add("status", "must be one of in_review, approved, rejected, withdrawn, expired")
	}
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return err
	}
	// The page is read first, then its workspaces' names and the caller's
	// tenant membership in one batch; a refusal discards the page, and bad
	// input is answered only to a caller who may list.
	limit, bad := httpapi.Limit(r)
	if bad == nil {
		bad = v.Err()
	}
	var page storage.Page[domain.Approval]
	if bad == nil {
		page, bad = s.Store.ListApprovals(r.Context(), f, limit, q.Get("cursor"))
	}
	ids := make([]string, len(page.Items))
	for i, a := range page.Items {
		ids[i] = a.Requester.WorkspaceID
	}
	names, m, err := s.Store.WorkspaceNamesAs(r.Context(), ids, domain.TenantWorkspaceID, c.UserID)
	if err != nil {
		return err
	}
	if _, err := s.admitRead(r.Context(), domain.TenantWorkspaceID, c, m, domain.ActDecide); err != nil {
		return err
	}
	if bad != nil {
		return bad
	}
	for i, a := range page.Items {
		if a.Requester.WorkspaceID != "" {
			page.Items[i].Requester.WorkspaceName = names[a.Requester.WorkspaceID]
		}
	}
	return list(w, page)
}

// nameWorkspaces adds the requesting workspaces' current names, so a reviewer
// sees which company asks; a workspace since deleted stays unnamed. One batch
// read for the whole page.
func (s *Server) nameWorkspaces(ctx context.Context, as []domain.Approval) error {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.Requester.WorkspaceID
	}
	names, err := s.Store.WorkspaceNames(ctx, ids)
	if err != nil {
		return err
	}
	for i, a := range as {
		if a.Requester.WorkspaceID != "" {
			as[i].Requester.WorkspaceName = names[a.Requester.WorkspaceID]
		}
	}
	return nil
}

// visibleApproval loads an approval the caller may see: tenant reviewers and
// admins see every approval, a requester sees their own while still an active
// member of the workspace they asked for (removed or blocked: 403, as on every
// route of that workspace); to anyone else it does not exist. also, if not
// nil, completes the approval while the caller's standing is checked (see
// authorizeAnd).
func (s *Server) visibleApproval(r *http.Request, also func(ctx context.Context, a *domain.Approval) error) (domain.Approval, auth.Caller, error) {
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return domain.Approval{}, c, err
	}
	// The approval and the caller's tenant membership in one read: most
	// callers are tenant reviewers.
	a, tenant, err := s.Store.GetApprovalAs(r.Context(), r.PathValue("id"), domain.TenantWorkspaceID, c.UserID)
	if err != nil {
		return a, c, err
	}
	read := func(ctx context.Context) error {
		if also == nil {
			return nil
		}
		return also(ctx, &a)
	}
	if a.Requester.UserID != "" && a.Requester.UserID == c.UserID {
		if ws := a.Requester.WorkspaceID; ws != "" {
			_, err = s.authorizeAnd(r, ws, domain.ActRead, read)
			return a, c, err
		}
		return a, c, read(r.Context())
	}
	// Outside the tenant this is a 404; a blocked or non-reviewing tenant member gets 403.
	if _, err := s.admitRead(r.Context(), domain.TenantWorkspaceID, c, tenant, domain.ActDecide); err != nil {
		return a, c, err
	}
	return a, c, read(r.Context())
}

func (s *Server) getApproval(w http.ResponseWriter, r *http.Request) error {
	// The names and the context are read while the caller's access is checked;
	// a refusal discards them.
	a, _, err := s.visibleApproval(r, func(ctx context.Context, a *domain.Approval) error {
		named := []domain.Approval{*a}
		if err := s.nameWorkspaces(ctx, named); err != nil {
			return err
		}
		*a = named[0]
		var err error
		a.Context, err = s.approvalContext(ctx, *a)
		return err
	})
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, a.Version, a)
	return nil
}

// approvalContext reads what an approval about a mini program decides on, all
// within the requesting workspace (so a requester sees only their own
// workspace's data); nil for other types.
func (s *Server) approvalContext(ctx context.Context, a domain.Approval) (*domain.ApprovalContext, error) {
	if a.Type == domain.ApprovalWorkspaceCreate || a.Requester.WorkspaceID == "" {
		return nil, nil
	}
	var p launchPayload // every such payload names its mini program; launches also the launch
	if err := json.Unmarshal(a.Payload, &p); err != nil || p.MiniProgramID == "" {
		return nil, err
	}
	// One batch read for the mini program, its release, the version and the launch.
	sub, err := s.Store.GetReviewSubject(ctx, a.Requester.WorkspaceID, p.MiniProgramID, p.Version, p.LaunchID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	mp := sub.MiniProgram
	c := &domain.ApprovalContext{MiniProgram: &mp, Launch: sub.Launch, Version: sub.Version, Release: sub.Release, Features: []domain.FeatureGrant{}}
	live := sub.Release.Version
	if live == p.Version && p.Version != "" { // this launch is live now: compare with what it replaced
		live = sub.Release.PreviousVersion
	}
	if c.LiveVersion, err = s.optionalVersion(ctx, mp.ID, live); err != nil {
		return nil, err
	}
	grants, err := s.Store.ListFeatureGrants(ctx, mp.ID, 100, "")
	if err != nil {
		return nil, err
	}
	c.Features = append(c.Features, grants.Items...)
	return c, nil
}

// optionalVersion is the package version v of mini program mp, or nil if v is
// empty or no longer stored.
func (s *Server) optionalVersion(ctx context.Context, mp, v string) (*domain.PackageVersion, error) {
	if v == "" {
		return nil, nil
	}
	pv, err := s.Store.GetVersion(ctx, mp, v)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &pv, nil
}

// decide approves, rejects or withdraws an approval.
func (s *Server) decide(to domain.ApprovalStatus) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		// Whoever sees the approval is its requester or a tenant decider, and
		// CheckDecider keeps requesters from deciding their own.
		a, c, err := s.visibleApproval(r, nil)
		if err != nil {
			return err
		}
		var in domain.DecisionInput
		if err := httpapi.DecodeOptional(r, &in); err != nil {
			return err
		}
		if err := in.Validate(to); err != nil {
			return err
		}
		d := domain.Decision{To: to, By: c.UserID, ByEmail: c.Email, Comment: in.Comment, Reason: in.Reason, Code: in.ReasonCode, At: s.Now().UTC()}
		after, err := s.applyLaunchAwareDecision(r, a, d)
		if err != nil {
			return err
		}
		httpapi.Entity(w, http.StatusOK, after.Version, after)
		return nil
	}
}

// applyLaunchAwareDecision is applyDecision for a caller that read the approval
// before the launch workflow may have stored its review task token on it (which
// bumps its version): if the approval is still in review, it decides again on a
// fresh read instead of reporting a conflict nobody caused.
func (s *Server) applyLaunchAwareDecision(r *http.Request, a domain.Approval, d domain.Decision) (domain.Approval, error) {
	after, err := s.applyDecision(r, a, d)
	if errors.Is(err, storage.ErrDecided) && a.Type == domain.ApprovalLaunch {
		if fresh, ferr := s.Store.GetApproval(r.Context(), a.ID); ferr == nil && fresh.Status == domain.ApprovalInReview {
			after, err = s.applyDecision(r, fresh, d)
		}
	}
	return after, err
}

// applyDecision records a decision with what it sets off for its type.
func (s *Server) applyDecision(r *http.Request, a domain.Approval, d domain.Decision) (domain.Approval, error) {
	a, err := s.linkApplicant(r, a, d)
	if err != nil {
		return a, err
	}
	if err := domain.CheckDecider(a, d); err != nil {
		return a, err
	}
	after, err := domain.Decide(a, d)
	if err != nil {
		return a, err
	}
	approved := d.To == domain.ApprovalApproved
	if approved && a.Type == domain.ApprovalOnline { // a launch's decision checks this in its write
		if err := s.checkAuthorized(r.Context(), a.Requester.WorkspaceID); errors.Is(err, domain.ErrForbidden) {
			return a, domain.Errorf(domain.ErrConflict, "the requesting workspace's authorization was revoked; reject this request instead")
		} else if err != nil {
			return a, err
		}
	}
	switch {
	case approved && a.Type == domain.ApprovalWorkspaceCreate:
		after, err = s.approveWorkspace(r, a, after)
	case approved && (a.Type == domain.ApprovalOffline || a.Type == domain.ApprovalOnline):
		err = s.switchOnline(r, a, after)
	case approved && a.Type == domain.ApprovalFeature:
		after, err = s.grantFeature(r, a, after)
	case a.Type == domain.ApprovalLaunch:
		err = s.decideLaunch(r, a, after)
	case approved && a.Type == domain.ApprovalRegrant:
		err = s.approveRegrant(r, a, after)
	default:
		err = s.Store.Decide(r.Context(), a, after, "")
	}
	if err != nil {
		return a, err
	}
	switch a.Type {
	case domain.ApprovalWorkspaceCreate:
		if d.To == domain.ApprovalRejected {
			var app domain.Application
			json.Unmarshal(a.Payload, &app)
			s.notify(r, mail.ApplicationRejected(a.Requester.Email, app.Company, after.ReasonText()))
		}
	case domain.ApprovalLaunch:
		s.signalReview(r, after)
		s.notifyDecision(r, after)
	default:
		s.notifyDecision(r, after)
	}
	return after, nil
}

// linkApplicant gives an application made while signed out its applicant's
// subject for a decision: the user who now holds the application's email, if
// any. Deciders are then compared by subject, which every token carries (an
// access token has no email), and the decision records it. A withdrawal is
// not linked: an application made without an account is rejected, not withdrawn.
func (s *Server) linkApplicant(r *http.Request, a domain.Approval, d domain.Decision) (domain.Approval, error) {
	if a.Type != domain.ApprovalWorkspaceCreate || d.To == domain.ApprovalWithdrawn || a.Requester.UserID != "" || a.Requester.Email == "" {
		return a, nil
	}
	u, err := s.Users.FindUser(r.Context(), a.Requester.Email)
	if errors.Is(err, domain.ErrNotFound) {
		return a, nil
	}
	if err != nil {
		return a, err
	}
	a.Requester.UserID = u.ID
	return a, nil
}

// switchOnline carries out an approved offline or online request.
func (s *Server) switchOnline(r *http.Request, before, after domain.Approval) error {
	var p struct {
		MiniProgramID string `json:"miniProgramId"`
	}
	if err := json.Unmarshal(before.Payload, &p); err != nil {
		return err
	}
	rel, err := s.Store.GetRelease(r.Context(), p.MiniProgramID)
	if err != nil {
		return err
	}
	next, err := rel.Switch(before.Type == domain.ApprovalOffline, before.CreatedAt, s.Now().UTC())
	if err != nil {
		return err
	}
	if next.WorkspaceID == "" {
		next.WorkspaceID = before.Requester.WorkspaceID
	}
	return s.Store.DecideWithRelease(r.Context(), before, after, rel, next)
}

// approveWorkspace carries out an approved application: the applicant's user,
// the developer workspace with them as first admin, and its authorization. The
// decision lease makes sure only one of several concurrent approvers does this.
func (s *Server) approveWorkspace(r *http.Request, before, after domain.Approval) (domain.Approval, error) {
	ctx := r.Context()
	holder := httpapi.RequestID(ctx) + "/" + after.DecidedBy
	if err := s.Store.LeaseDecision(ctx, before.ID, holder, s.Now().Add(decisionLease)); err != nil {
		return after, err
	}
	var app domain.Application
	if err := json.Unmarshal(before.Payload, &app); err != nil {
		return after, err
	}
	u, err := s.Users.EnsureUser(ctx, app.Email)
	if err != nil {
		return after, err
	}
	now := after.DecidedAt.UTC()
	ws := domain.Workspace{ID: domain.NewID("ws"), Kind: domain.KindDeveloper, Name: app.Company,
		Contact: domain.Contact{Name: app.ContactName, Email: app.Email}, Country: app.Country,
		Authorization: domain.AuthorizationActive, CreatedAt: now, UpdatedAt: now, Version: 1}
	admin := domain.Member{WorkspaceID: ws.ID, UserID: u.ID, Email: app.Email, Role: domain.RoleAdmin,
		Status: domain.MemberActive, JoinedAt: now, UpdatedAt: now, Version: 1}
	authz := domain.Authorization{ID: domain.NewID("authz"), Type: "workspace", WorkspaceID: ws.ID, WorkspaceName: ws.Name,
		Status: domain.AuthorizationActive, GrantedBy: after.DecidedBy, GrantedAt: now, Version: 1}
	after.Result = map[string]string{"workspaceId": ws.ID, "adminUserId": u.ID, "authorizationId": authz.ID}
	after.Requester.UserID = u.ID // the applicant's subject, recorded with the decision
	terms, err := s.applicantTerms(ctx, u.ID, app, before.CreatedAt)
	if err != nil {
		return after, err
	}
	if err := s.Store.ApproveWorkspace(ctx, before, after, holder, ws, admin, authz, terms...); err != nil {
		return after, err
	}
	s.notify(r, mail.ApplicationApproved(app.Email, ws.Name, s.ConsoleURL, u.TemporaryPassword))
	return after, nil
}
