package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/resources"
)

type approvalItem struct {
	keys
	domain.Approval
	// A decision that has side effects (creating a workspace and a user) first
	// takes this short lease, so two reviewers deciding at once cannot both act.
	DecidingBy    string `dynamodbav:"decidingBy,omitempty"`
	DecidingUntil string `dynamodbav:"decidingUntil,omitempty"`
}

func approvalRecord(a domain.Approval) approvalItem {
	t := timeKey(a.CreatedAt, a.ID)
	return approvalItem{keys: keys{PK: approvalKey(a.ID), SK: skApproval,
		GSI1PK: byStatusKey(a.Status), GSI1SK: t,
		GSI2PK: byTypeStatusKey(a.Type, a.Status), GSI2SK: t,
		GSI3PK: byTypeKey(a.Type), GSI3SK: t,
	}, Approval: a}
}

func (it approvalItem) approval() domain.Approval {
	a := it.Approval
	a.Payload = []byte(a.PayloadJSON)
	return a
}

type applicationLock struct {
	keys
	ApprovalID string `dynamodbav:"approvalId"`
}

// CreateApplication stores a workspace.create approval; ErrConflict if the
// applicant's email already has an open application.
func (s *Store) CreateApplication(ctx context.Context, a domain.Approval) error {
	a.PayloadJSON = string(a.Payload)
	w, err := s.put(approvalRecord(a), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "approval exists"))
	if err != nil {
		return err
	}
	lock, err := s.put(applicationLock{keys: keys{PK: applicationKey(a.Requester.Email), SK: skOpen}, ApprovalID: a.ID}, notExists(), nil, nil,
		domain.Errorf(domain.ErrConflict, "%s already has an application in review; wait for its decision", a.Requester.Email))
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, lock)
}

// StoreTaskToken puts the workflow's review task token on an approval still in
// review; ErrConflict if it was decided meanwhile (the caller then completes the
// task with that decision itself).
func (s *Store) StoreTaskToken(ctx context.Context, id, token string) error {
	return s.single(ctx, s.update(approvalKey(id), skApproval, "SET taskToken = :token", "#status = :inReview",
		map[string]string{"#status": "status"},
		map[string]types.AttributeValue{":token": str(token), ":inReview": str(string(domain.ApprovalInReview))}, ErrDecided))
}

// ApprovalExpiry is what the launch workflow writes when a review times out: the
// approval's key and its index keys once expired.
func ApprovalExpiry(a domain.Approval) (pk, sk, byStatus, byTypeStatus string) {
	return approvalKey(a.ID), skApproval, byStatusKey(domain.ApprovalExpired), byTypeStatusKey(a.Type, domain.ApprovalExpired)
}

// GetApproval reads an approval.
func (s *Store) GetApproval(ctx context.Context, id string) (domain.Approval, error) {
	var it approvalItem
	if err := s.get(ctx, approvalKey(id), skApproval, &it); err != nil {
		return domain.Approval{}, err
	}
	return it.approval(), nil
}

// ApprovalFilter narrows the approvals list; empty fields match everything.
type ApprovalFilter struct {
	Type   domain.ApprovalType
	Status domain.ApprovalStatus
	// Oldest lists oldest first (a reviewer's queue) instead of newest first.
	Oldest bool
}

// ListApprovals lists approvals newest first (oldest first with f.Oldest), by
// type, status, or both. With neither, it lists those in review.
func (s *Store) ListApprovals(ctx context.Context, f ApprovalFilter, limit int, cursor string) (Page[domain.Approval], error) {
	q := query{limit: limit, cursor: cursor, desc: !f.Oldest}
	switch {
	case f.Type != "" && f.Status != "":
		q.index, q.pk = "gsi2", byTypeStatusKey(f.Type, f.Status)
	case f.Type != "":
		q.index, q.pk = "gsi3", byTypeKey(f.Type)
	case f.Status != "":
		q.index, q.pk = "gsi1", byStatusKey(f.Status)
	default:
		q.index, q.pk = "gsi1", byStatusKey(domain.ApprovalInReview)
	}
	return queryPage(ctx, s, q, approvalItem.approval)
}

// ErrDecided refuses a decision on an approval that changed since it was read.
var ErrDecided = domain.Errorf(domain.ErrConflict, "the approval was decided meanwhile; read it again")

// LeaseDecision takes the approval's decision lease for holder until the given
// time. Exactly one of several concurrent deciders gets it; the others get
// ErrConflict. A lease left by a crashed decider lapses.
func (s *Store) LeaseDecision(ctx context.Context, id, holder string, until time.Time) error {
	now := timeValue(s.now())
	return s.single(ctx, s.update(approvalKey(id), skApproval,
		"SET decidingBy = :holder, decidingUntil = :until",
		"#status = :inReview AND (attribute_not_exists(decidingUntil) OR decidingUntil < :now)",
		map[string]string{"#status": "status"},
		map[string]types.AttributeValue{":holder": str(holder), ":until": str(timeValue(until)), ":now": str(now),
			":inReview": str(string(domain.ApprovalInReview))},
		domain.Errorf(domain.ErrConflict, "the approval is already decided or being decided by someone else")))
}

// decideWrites records a decision, valid only if the approval is unchanged and
// nobody else holds its lease.
func (s *Store) decideWrites(before, after domain.Approval, holder string) ([]cond, error) {
	after.PayloadJSON = string(after.Payload)
	// The workflow worker may store a task token without changing the version;
	// the decision must not erase one it has not seen.
	c := "#version = :expected AND #status = :inReview AND (attribute_not_exists(decidingUntil) OR decidingUntil < :now OR decidingBy = :holder)"
	values := map[string]types.AttributeValue{":expected": num(before.Version), ":inReview": str(string(domain.ApprovalInReview)),
		":now": str(timeValue(s.now())), ":holder": str(holder)}
	if before.TaskToken == "" {
		c += " AND attribute_not_exists(taskToken)"
	} else {
		c += " AND taskToken = :token"
		values[":token"] = str(before.TaskToken)
	}
	after.TaskToken = before.TaskToken
	w, err := s.put(approvalRecord(after), c, map[string]string{"#version": "version", "#status": "status"}, values, ErrDecided)
	if err != nil {
		return nil, err
	}
	writes := []cond{w}
	if before.Type == domain.ApprovalWorkspaceCreate {
		writes = append(writes, s.del(applicationKey(before.Requester.Email), skOpen, "", nil, nil, nil))
	}
	if before.Type == domain.ApprovalOnline || before.Type == domain.ApprovalOffline {
		// Decided either way: the mini program may be asked about again.
		mp, err := onlineRequestOf(before)
		if err != nil {
			return nil, err
		}
		writes = append(writes, s.del(mpKey(mp), skOnlineOpen, "", nil, nil, nil))
	}
	if before.Type == domain.ApprovalFeature && after.Status != domain.ApprovalApproved {
		// Rejected, withdrawn or expired: the feature may be requested again.
		p, err := featureRequest(before)
		if err != nil {
			return nil, err
		}
		writes = append(writes, s.freeFeatureLock(p))
	}
	if before.Type == domain.ApprovalRegrant {
		// Decided either way: the authorization may be asked about again.
		free, err := s.regrantLockFree(before)
		if err != nil {
			return nil, err
		}
		writes = append(writes, free)
	}
	return writes, nil
}

type onlineLock struct {
	keys
	ApprovalID string `dynamodbav:"approvalId"`
}

func onlineRequestOf(a domain.Approval) (string, error) {
	var p struct {
		MiniProgramID string `json:"miniProgramId"`
	}
	if err := json.Unmarshal(a.Payload, &p); err != nil || p.MiniProgramID == "" {
		return "", fmt.Errorf("approval %s names no mini program: %v", a.ID, err)
	}
	return p.MiniProgramID, nil
}

// RequestOnline stores an online or offline request and takes the mini
// program's lock on such requests, atomically: ErrConflict while another is in review.
func (s *Store) RequestOnline(ctx context.Context, a domain.Approval) error {
	mp, err := onlineRequestOf(a)
	if err != nil {
		return err
	}
	a.PayloadJSON = string(a.Payload)
	w, err := s.put(approvalRecord(a), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "approval exists"))
	if err != nil {
		return err
	}
	lock, err := s.put(onlineLock{keys: keys{PK: mpKey(mp), SK: skOnlineOpen}, ApprovalID: a.ID}, notExists(), nil, nil,
		domain.Errorf(domain.ErrConflict, "a request to take this mini program online or offline is already in review; wait for its decision or withdraw it"))
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, lock)
}

// DecideWithRelease records a decision together with the release it changes.
func (s *Store) DecideWithRelease(ctx context.Context, before, after domain.Approval, relBefore, relAfter domain.Release) error {
	writes, err := s.decideWrites(before, after, "")
	if err != nil {
		return err
	}
	rw, err := s.releaseWrite(relBefore, relAfter)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", append(writes, rw)...)
}

// Decide records a decision that has no side effects (reject, withdraw, expire).
func (s *Store) Decide(ctx context.Context, before, after domain.Approval, holder string) error {
	writes, err := s.decideWrites(before, after, holder)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", writes...)
}

// ApproveWorkspace records the approval of a workspace.create request together
// with what it creates: the workspace, its first admin and its authorization.
// terms, if given, records the applicant's acceptance of the platform's terms,
// now that they have a user.
func (s *Store) ApproveWorkspace(ctx context.Context, before, after domain.Approval, holder string, ws domain.Workspace, admin domain.Member, a domain.Authorization, terms ...domain.TermsAcceptance) error {
	writes, err := s.decideWrites(before, after, holder)
	if err != nil {
		return err
	}
	wsWrites, err := s.createWorkspaceWrites(ws, admin)
	if err != nil {
		return err
	}
	aw, err := s.put(authorizationRecord(a), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "authorization exists"))
	if err != nil {
		return err
	}
	writes = append(append(writes, wsWrites...), aw)
	for _, t := range terms {
		tw, err := s.termsAcceptanceWrite(t)
		if err != nil {
			return err
		}
		writes = append(writes, tw)
	}
	return s.transact(ctx, "", writes...)
}

type authorizationItem struct {
	keys
	domain.Authorization
}

func authorizationRecord(a domain.Authorization) authorizationItem {
	return authorizationItem{keys: keys{PK: authzKey(a.ID), SK: skAuthz, GSI1PK: authzListKey, GSI1SK: timeKey(a.GrantedAt, a.ID)}, Authorization: a}
}

// GetAuthorization reads an authorization.
func (s *Store) GetAuthorization(ctx context.Context, id string) (domain.Authorization, error) {
	var it authorizationItem
	if err := s.get(ctx, authzKey(id), skAuthz, &it); err != nil {
		return it.Authorization, err
	}
	one := []domain.Authorization{it.Authorization}
	err := s.withCurrentNames(ctx, one)
	return one[0], err
}

// ListAuthorizations lists every authorization, newest first.
func (s *Store) ListAuthorizations(ctx context.Context, limit int, cursor string) (Page[domain.Authorization], error) {
	page, err := queryPage(ctx, s, query{index: "gsi1", pk: authzListKey, limit: limit, cursor: cursor, desc: true},
		func(it authorizationItem) domain.Authorization { return it.Authorization })
	if err != nil {
		return page, err
	}
	return page, s.withCurrentNames(ctx, page.Items)
}

// RevokeAuthorization stores the revoked authorization and, atomically, marks
// its workspace revoked, or for a feature authorization revokes the mini
// program's grant of the feature (leaving the workspace alone).
func (s *Store) RevokeAuthorization(ctx context.Context, before, after domain.Authorization) error {
	c, names, values := versionIs(before.Version)
	w, err := s.put(authorizationRecord(after), c, names, values, domain.Errorf(domain.ErrConflict, "the authorization changed meanwhile; read it again"))
	if err != nil {
		return err
	}
	if before.Type == domain.AuthorizationFeature {
		return s.transact(ctx, "", append([]cond{w}, s.revokeGrantWrites(after)...)...)
	}
	ws := s.update(wsKey(before.WorkspaceID), skMeta, "SET #authz = :revoked", "attribute_exists(pk)",
		map[string]string{"#authz": "authorization"}, map[string]types.AttributeValue{":revoked": str(string(domain.AuthorizationRevoked))},
		domain.ErrNotFound)
	return s.transact(ctx, "", w, ws)
}

// GetApprovalAs reads an approval and the caller's membership of workspace ws
// (nil if none) in one BatchGetItem: who may see or decide an approval is
// checked on the membership, most often the tenant's.
func (s *Store) GetApprovalAs(ctx context.Context, id, ws, user string) (domain.Approval, *domain.Member, error) {
	raw, err := s.batchGet(ctx, [][2]string{{approvalKey(id), skApproval}, {wsKey(ws), memberSK(user)}})
	if err != nil {
		return domain.Approval{}, nil, err
	}
	var (
		a     domain.Approval
		m     *domain.Member
		found bool
	)
	for _, it := range raw {
		sk, _ := it[resources.Table.SortKey].(*types.AttributeValueMemberS)
		switch {
		case sk == nil:
		case sk.Value == skApproval:
			var ai approvalItem
			err, found = attributevalue.UnmarshalMap(it, &ai), true
			a = ai.approval()
		default:
			var mi memberItem
			err = attributevalue.UnmarshalMap(it, &mi)
			m = &mi.Member
		}
		if err != nil {
			return domain.Approval{}, nil, fmt.Errorf("approval: %w", err)
		}
	}
	if !found {
		return domain.Approval{}, nil, domain.ErrNotFound
	}
	return a, m, nil
}
