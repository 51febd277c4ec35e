package storage

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

// A revoked workspace authorization is granted again through an
// authorization.regrant approval; at most one such request is open per
// authorization:
//
//	open regrant     AUTHZ#<id>       REGRANT_OPEN

const skRegrantOpen = "REGRANT_OPEN"

type regrantLock struct {
	keys
	ApprovalID string `dynamodbav:"approvalId"`
}

// RequestRegrant stores an authorization.regrant approval for p's
// authorization and takes its lock, atomically: ErrConflict while another is open.
func (s *Store) RequestRegrant(ctx context.Context, a domain.Approval, p domain.RegrantRequest) error {
	a.PayloadJSON = string(a.Payload)
	w, err := s.put(approvalRecord(a), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "approval exists"))
	if err != nil {
		return err
	}
	lock, err := s.put(regrantLock{keys: keys{PK: authzKey(p.AuthorizationID), SK: skRegrantOpen}, ApprovalID: a.ID}, notExists(), nil, nil,
		domain.Errorf(domain.ErrConflict, "a request to grant this authorization again is already in review; wait for its decision or withdraw it"))
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, lock)
}

// regrantLockFree frees the lock of a decided regrant request.
func (s *Store) regrantLockFree(a domain.Approval) (cond, error) {
	p, err := regrantRequest(a)
	return s.del(authzKey(p.AuthorizationID), skRegrantOpen, "", nil, nil, nil), err
}

func regrantRequest(a domain.Approval) (domain.RegrantRequest, error) {
	var p domain.RegrantRequest
	err := json.Unmarshal(a.Payload, &p)
	return p, err
}

// ApproveRegrant records the approval of a regrant request together with the
// authorization, active again, and its workspace's standing, if the
// authorization is still the revoked one the decision read.
func (s *Store) ApproveRegrant(ctx context.Context, before, after domain.Approval, authzBefore, authzAfter domain.Authorization) error {
	writes, err := s.decideWrites(before, after, "")
	if err != nil {
		return err
	}
	aw, err := s.put(authorizationRecord(authzAfter), "#version = :expected AND #status = :revoked",
		map[string]string{"#version": "version", "#status": "status"},
		map[string]types.AttributeValue{":expected": num(authzBefore.Version), ":revoked": str(string(domain.AuthorizationRevoked))},
		domain.Errorf(domain.ErrConflict, "the authorization changed meanwhile; read it again"))
	if err != nil {
		return err
	}
	ws := s.update(wsKey(authzBefore.WorkspaceID), skMeta, "SET #authz = :active", "attribute_exists(pk)",
		map[string]string{"#authz": "authorization"}, map[string]types.AttributeValue{":active": str(string(domain.AuthorizationActive))},
		domain.Errorf(domain.ErrConflict, "the workspace of this authorization no longer exists"))
	return s.transact(ctx, "", append(writes, aw, ws)...)
}
