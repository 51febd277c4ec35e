package domain

import (
	"strings"
	"time"
)

// The platform's terms of service are the tenant workspace's published terms:
// applicants accept the current version when they apply, and every user accepts
// each newer version once (the console asks at their next sign-in).

// TermsAcceptance records that a user accepted one version of the platform's terms.
type TermsAcceptance struct {
	UserID     string    `json:"userId" dynamodbav:"userId"`
	Version    int       `json:"version" dynamodbav:"version"`
	AcceptedAt time.Time `json:"acceptedAt" dynamodbav:"acceptedAt"`
	// Via says where: "application" (accepted when applying, recorded when the
	// account was created) or "console" (accepted while signed in).
	Via string `json:"via" dynamodbav:"via"`
}

// Where a terms acceptance was given.
const (
	TermsViaApplication = "application"
	TermsViaConsole     = "console"
)

// PublicTerms is what anyone may read of the current terms (not who published them).
type PublicTerms struct {
	Version     int       `json:"version"`
	URL         string    `json:"url"`
	PublishedAt time.Time `json:"publishedAt"`
}

// Public is the terms without their publisher.
func (t Terms) Public() PublicTerms {
	return PublicTerms{Version: t.Version, URL: t.URL, PublishedAt: t.PublishedAt}
}

// CheckTermsAccepted says, as a problem with field, whether accepted is the
// version the current terms require; current is nil when no terms are published.
func CheckTermsAccepted(v *ValidationError, field string, accepted int, current *Terms) {
	switch {
	case current == nil && accepted != 0:
		v.Add(field, "must be left out: no terms of service are published")
	case current == nil:
	case accepted == 0:
		v.Add(field, "must be %d: read the terms of service (version %d, %s) and accept them", current.Version, current.Version, current.URL)
	case accepted != current.Version:
		v.Add(field, "must be %d: the terms of service changed to version %d (%s); read them and accept that version",
			current.Version, current.Version, current.URL)
	}
}

// TermsAcceptInput is the body of POST /v1/terms/accept.
type TermsAcceptInput struct {
	Version int `json:"version"`
}

// RegrantInput is the body of a request to grant a revoked authorization again.
type RegrantInput struct {
	Reason string `json:"reason"`
}

// Validate checks the input.
func (in *RegrantInput) Validate() error {
	var v ValidationError
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		v.Add("reason", "is required: say why the workspace may develop for the platform again")
	} else {
		checkLength(&v, "reason", in.Reason, 1, 2000)
	}
	return v.Err()
}

// RegrantRequest is the payload of an authorization.regrant approval.
type RegrantRequest struct {
	AuthorizationID string `json:"authorizationId"`
	WorkspaceID     string `json:"workspaceId"`
	WorkspaceName   string `json:"workspaceName"`
	Reason          string `json:"reason"`
}

// Regrant is the authorization active again, granted by by at at.
func (a Authorization) Regrant(by string, at time.Time) Authorization {
	a.Status, a.GrantedBy, a.GrantedAt = AuthorizationActive, by, at
	a.RevokedBy, a.RevokedAt = "", nil
	a.Version++
	return a
}
