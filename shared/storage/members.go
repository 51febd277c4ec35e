package storage

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

// errMemberChanged is a lost race: the member changed between our read and write.
// (A stale If-Match is caught before, as a 412.)
var errMemberChanged = domain.Errorf(domain.ErrConflict, "the member changed meanwhile; read it again and retry")

var errLastAdmin = domain.Errorf(domain.ErrConflict, "a workspace must keep at least one active admin; make someone else admin first")

// GetMember reads a user's membership of a workspace; ErrNotFound if none.
func (s *Store) GetMember(ctx context.Context, ws, user string) (domain.Member, error) {
	return Get(ctx, s, MemberRef(ws, user))
}

// MemberRef is a user's membership of workspace ws. An update is a role or
// status change (see ApplyMemberChange; a removal goes through that alone).
func MemberRef(ws, user string) Ref[domain.Member] {
	return ref(wsKey(ws), memberSK(user), memberItem.member, func(m domain.Member) int { return m.Version },
		func(s *Store, before, after domain.Member) ([]cond, error) {
			return s.memberChangeWrites(domain.MemberChange{Before: before, After: after})
		})
}

// ListMembers lists a workspace's members in user id order.
func (s *Store) ListMembers(ctx context.Context, ws string, limit int, cursor string) (Page[domain.Member], error) {
	return queryPage(ctx, s, query{pk: wsKey(ws), prefix: "MEMBER#", limit: limit, cursor: cursor}, memberItem.member)
}

// ApplyMemberChange writes a role, status or removal change if the member is
// still at the version it was read at, moving the workspace's count of active
// admins in the same transaction so the last active admin can never go.
func (s *Store) ApplyMemberChange(ctx context.Context, c domain.MemberChange) error {
	writes, err := s.memberChangeWrites(c)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", writes...)
}

func (s *Store) memberChangeWrites(c domain.MemberChange) ([]cond, error) {
	vc, names, values := versionIs(c.Before.Version)
	var w cond
	var tombstone []cond
	if c.Remove {
		w = s.del(wsKey(c.Before.WorkspaceID), memberSK(c.Before.UserID), vc, names, values, errMemberChanged)
		t, err := s.put(formerMember{keys: keys{PK: wsKey(c.Before.WorkspaceID), SK: formerSK(c.Before.UserID)}, RemovedAt: s.now().UTC()}, "", nil, nil, nil)
		if err != nil {
			return nil, err
		}
		tombstone = append(tombstone, t)
	} else {
		var err error
		if w, err = s.put(memberRecord(c.After), vc, names, values, errMemberChanged); err != nil {
			return nil, err
		}
	}
	writes := append([]cond{w}, tombstone...)
	if delta := c.AdminDelta(); delta != 0 {
		writes = append(writes, s.adminCount(c.Before.WorkspaceID, delta))
	}
	return writes, nil
}

// formerMember remembers that a user was removed from a workspace, so that they
// get 403 rather than the 404 of a workspace they never knew.
type formerMember struct {
	keys
	RemovedAt time.Time `dynamodbav:"removedAt"`
}

// WasMember reports whether the user was removed from the workspace. Only
// refused requests ask, so reads still cost one round trip for the check.
func (s *Store) WasMember(ctx context.Context, ws, user string) bool {
	var f formerMember
	return s.get(ctx, wsKey(ws), formerSK(user), &f) == nil
}

// adminCount moves a workspace's active admin count, refusing to drop below one.
func (s *Store) adminCount(ws string, delta int) cond {
	values := map[string]types.AttributeValue{":d": num(delta)}
	condition := "attribute_exists(pk)"
	if delta < 0 {
		condition = "activeAdmins > :one"
		values[":one"] = num(1)
	}
	return s.update(wsKey(ws), skMeta, "SET activeAdmins = activeAdmins + :d", condition, nil, values, errLastAdmin)
}

type invitationItem struct {
	keys
	domain.Invitation
}

func invitationRecord(inv domain.Invitation) invitationItem {
	return invitationItem{keys: keys{PK: inviteKey(inv.ID), SK: skInvite,
		GSI1PK: wsInvitesKey(inv.WorkspaceID), GSI1SK: timeKey(inv.CreatedAt, inv.ID)}, Invitation: inv}
}

// inviteeLock makes "one pending invitation per email and workspace" an
// invariant; an expired invitation's lock may be taken over.
type inviteeLock struct {
	keys
	InvitationID string    `dynamodbav:"invitationId"`
	ExpiresAt    time.Time `dynamodbav:"expiresAt"`
}

// CreateInvitation stores a new pending invitation; ErrConflict if the email has
// a pending one in the workspace.
func (s *Store) CreateInvitation(ctx context.Context, inv domain.Invitation) error {
	w, err := s.put(invitationRecord(inv), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "invitation exists"))
	if err != nil {
		return err
	}
	lock, err := s.put(inviteeLock{keys: keys{PK: wsKey(inv.WorkspaceID), SK: inviteeSK(inv.Email)}, InvitationID: inv.ID, ExpiresAt: inv.ExpiresAt},
		"attribute_not_exists(pk) OR expiresAt < :now", nil, map[string]types.AttributeValue{":now": str(timeValue(s.now()))},
		domain.Errorf(domain.ErrConflict, "%s already has a pending invitation to this workspace; resend it instead", inv.Email))
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, lock, s.exists(wsKey(inv.WorkspaceID), skMeta))
}

func (s *Store) exists(pk, sk string) cond {
	return cond{item: types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.table, Key: key(pk, sk),
		ConditionExpression: strPtr("attribute_exists(pk)")}}, fail: domain.ErrNotFound}
}

func strPtr(s string) *string { return &s }

// timeValue is how attributevalue stores a time.Time, so conditions can compare them.
func timeValue(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// GetInvitation reads an invitation by id.
func (s *Store) GetInvitation(ctx context.Context, id string) (domain.Invitation, error) {
	var it invitationItem
	err := s.get(ctx, inviteKey(id), skInvite, &it)
	return it.Invitation, err
}

// ListInvitations lists a workspace's invitations, newest first.
func (s *Store) ListInvitations(ctx context.Context, ws string, limit int, cursor string) (Page[domain.Invitation], error) {
	return queryPage(ctx, s, query{index: "gsi1", pk: wsInvitesKey(ws), limit: limit, cursor: cursor, desc: true},
		func(it invitationItem) domain.Invitation { return it.Invitation })
}

// pendingAt is the condition "still pending at the expected version".
func pendingAt(version int) (string, map[string]string, map[string]types.AttributeValue) {
	return "#version = :expected AND #status = :pending",
		map[string]string{"#version": "version", "#status": "status"},
		map[string]types.AttributeValue{":expected": num(version), ":pending": str(string(domain.InvitationPending))}
}

var errInvitationChanged = domain.Errorf(domain.ErrConflict, "the invitation changed meanwhile (accepted, withdrawn or resent); read it again")

// ResendInvitation stores a resent invitation (new token and expiry).
func (s *Store) ResendInvitation(ctx context.Context, before, after domain.Invitation) error {
	c, names, values := pendingAt(before.Version)
	w, err := s.put(invitationRecord(after), c, names, values, errInvitationChanged)
	if err != nil {
		return err
	}
	lock, err := s.put(inviteeLock{keys: keys{PK: wsKey(after.WorkspaceID), SK: inviteeSK(after.Email)}, InvitationID: after.ID, ExpiresAt: after.ExpiresAt},
		"", nil, nil, nil)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, lock)
}

// WithdrawInvitation marks a pending invitation withdrawn and frees the email.
func (s *Store) WithdrawInvitation(ctx context.Context, before, after domain.Invitation) error {
	c, names, values := pendingAt(before.Version)
	w, err := s.put(invitationRecord(after), c, names, values, errInvitationChanged)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, s.releaseInvitee(before))
}

// releaseInvitee deletes the email's lock if it still belongs to this invitation.
func (s *Store) releaseInvitee(inv domain.Invitation) cond {
	return s.del(wsKey(inv.WorkspaceID), inviteeSK(inv.Email), "attribute_not_exists(pk) OR invitationId = :id", nil,
		map[string]types.AttributeValue{":id": str(inv.ID)}, errInvitationChanged)
}

// AcceptInvitation marks the invitation accepted and adds the member, atomically.
func (s *Store) AcceptInvitation(ctx context.Context, before, after domain.Invitation, m domain.Member) error {
	c, names, values := pendingAt(before.Version)
	c += " AND expiresAt > :now"
	values[":now"] = str(timeValue(s.now()))
	w, err := s.put(invitationRecord(after), c, names, values, errInvitationChanged)
	if err != nil {
		return err
	}
	mw, err := s.put(memberRecord(m), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "you are already a member of this workspace"))
	if err != nil {
		return err
	}
	writes := []cond{w, mw, s.releaseInvitee(before)}
	if m.ActiveAdmin() {
		writes = append(writes, s.adminCount(m.WorkspaceID, 1))
	} else {
		writes = append(writes, s.exists(wsKey(m.WorkspaceID), skMeta))
	}
	return s.transact(ctx, "", writes...)
}
