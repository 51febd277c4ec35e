package domain

import (
	"time"
)

// Member is a user's membership of a workspace, with a role. The user id is the
// Cognito user's sub.
type Member struct {
	WorkspaceID string       `json:"workspaceId" dynamodbav:"workspaceId"`
	UserID      string       `json:"userId" dynamodbav:"userId"`
	Email       string       `json:"email" dynamodbav:"email"`
	Role        Role         `json:"role" dynamodbav:"role"`
	Status      MemberStatus `json:"status" dynamodbav:"status"`
	JoinedAt    time.Time    `json:"joinedAt" dynamodbav:"joinedAt"`
	UpdatedAt   time.Time    `json:"updatedAt" dynamodbav:"updatedAt"`
	Version     int          `json:"version" dynamodbav:"version"`
}

// ActiveAdmin reports whether m counts towards the workspace's active admins.
func (m Member) ActiveAdmin() bool { return m.Role == RoleAdmin && m.Status == MemberActive }

// MemberChange is a change to a membership; it says how the workspace's count of
// active admins moves, which the store applies in the same transaction.
type MemberChange struct {
	Before, After Member
	Remove        bool
}

// AdminDelta is +1, 0 or -1: the change in active admins.
func (c MemberChange) AdminDelta() int {
	before, after := c.Before.ActiveAdmin(), c.After.ActiveAdmin() && !c.Remove
	switch {
	case before && !after:
		return -1
	case !before && after:
		return 1
	}
	return 0
}

// ChangeRole returns the change that gives m role r.
func ChangeRole(m Member, r Role, now time.Time) (MemberChange, error) {
	if !r.Valid() {
		var v ValidationError
		v.Add("role", "must be one of admin, reviewer, developer")
		return MemberChange{}, &v
	}
	after := m
	after.Role, after.UpdatedAt, after.Version = r, now, m.Version+1
	return MemberChange{Before: m, After: after}, nil
}

// SetStatus returns the change that blocks or unblocks m.
func SetStatus(m Member, s MemberStatus, now time.Time) (MemberChange, error) {
	if m.Status == s {
		return MemberChange{}, Errorf(ErrConflict, "member is already %s", s)
	}
	after := m
	after.Status, after.UpdatedAt, after.Version = s, now, m.Version+1
	return MemberChange{Before: m, After: after}, nil
}

// RemoveMember returns the change that removes m.
func RemoveMember(m Member) MemberChange { return MemberChange{Before: m, After: m, Remove: true} }

// InvitationTTL is how long an invitation can be accepted.
const InvitationTTL = 72 * time.Hour

// InvitationStatus is the state of an invitation.
type InvitationStatus string

const (
	InvitationPending   InvitationStatus = "pending"
	InvitationAccepted  InvitationStatus = "accepted"
	InvitationWithdrawn InvitationStatus = "withdrawn"
	InvitationExpired   InvitationStatus = "expired" // derived: pending past ExpiresAt
)

// Invitation asks someone, by email, to join a workspace with a role. Only a hash
// of its token is stored; the token itself is shown once.
type Invitation struct {
	ID          string           `json:"id" dynamodbav:"id"`
	WorkspaceID string           `json:"workspaceId" dynamodbav:"workspaceId"`
	Email       string           `json:"email" dynamodbav:"email"`
	Role        Role             `json:"role" dynamodbav:"role"`
	Status      InvitationStatus `json:"status" dynamodbav:"status"`
	TokenHash   string           `json:"-" dynamodbav:"tokenHash"`
	InvitedBy   string           `json:"invitedBy" dynamodbav:"invitedBy"`
	CreatedAt   time.Time        `json:"createdAt" dynamodbav:"createdAt"`
	ExpiresAt   time.Time        `json:"expiresAt" dynamodbav:"expiresAt"`
	SentCount   int              `json:"sentCount" dynamodbav:"sentCount"`
	AcceptedBy  string           `json:"acceptedBy,omitempty" dynamodbav:"acceptedBy,omitempty"`
	Version     int              `json:"version" dynamodbav:"version"`
}

// View returns the invitation as callers see it at now: a pending invitation past
// its expiry reads as expired.
func (i Invitation) View(now time.Time) Invitation {
	if i.Status == InvitationPending && !now.Before(i.ExpiresAt) {
		i.Status = InvitationExpired
	}
	return i
}

// InvitationInput is the body of a new invitation.
type InvitationInput struct {
	Email string `json:"email"`
	Role  Role   `json:"role"`
}

// Validate checks the input.
func (in InvitationInput) Validate() error {
	var v ValidationError
	CheckEmail(&v, "email", in.Email)
	if !in.Role.Valid() {
		v.Add("role", "must be one of admin, reviewer, developer")
	}
	return v.Err()
}

// AuthorizationStatus is the state of a developer workspace's authorization.
type AuthorizationStatus string

const (
	AuthorizationActive  AuthorizationStatus = "active"
	AuthorizationRevoked AuthorizationStatus = "revoked"
)

// Authorization lets a developer workspace develop for the tenant. Revoking it
// stops the workspace's uploads and launches.
type Authorization struct {
	ID            string `json:"id" dynamodbav:"id"`
	Type          string `json:"type" dynamodbav:"type"` // "workspace", or "feature" for a mini program's feature grant
	WorkspaceID   string `json:"workspaceId" dynamodbav:"workspaceId"`
	WorkspaceName string `json:"workspaceName" dynamodbav:"workspaceName"`
	// Set on feature authorizations: the feature and the mini program it is granted to.
	FeatureID     string              `json:"featureId,omitempty" dynamodbav:"featureId,omitempty"`
	FeatureName   string              `json:"featureName,omitempty" dynamodbav:"featureName,omitempty"`
	MiniProgramID string              `json:"miniProgramId,omitempty" dynamodbav:"miniProgramId,omitempty"`
	Status        AuthorizationStatus `json:"status" dynamodbav:"status"`
	GrantedBy     string              `json:"grantedBy" dynamodbav:"grantedBy"`
	GrantedAt     time.Time           `json:"grantedAt" dynamodbav:"grantedAt"`
	RevokedBy     string              `json:"revokedBy,omitempty" dynamodbav:"revokedBy,omitempty"`
	RevokedAt     *time.Time          `json:"revokedAt,omitempty" dynamodbav:"revokedAt,omitempty"`
	Version       int                 `json:"version" dynamodbav:"version"`
}
