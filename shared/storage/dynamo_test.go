package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mpdp/platform/localstack/emulator"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/provision"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/storage"
)

// These tests run the store against DynamoDB on the emulator, with a clock they
// control, for the time-dependent rules the API tests cannot reach.
var db *dynamodb.Client

func TestMain(m *testing.M) {
	ctx := context.Background()
	em, err := emulator.Start(ctx, emulator.Options{UseExisting: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg, err := em.AWSConfig(ctx)
	if err == nil {
		db = dynamodb.NewFromConfig(cfg)
		_, err = db.CreateTable(ctx, provision.CreateTableInput(resources.Table))
	}
	if err != nil {
		em.Stop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	em.Stop()
	os.Exit(code)
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newStore() (*storage.Store, *clock) {
	c := &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	return storage.New(db, resources.Table.Name, c.now), c
}

// The Idempotency-Key record is written in the entity's own transaction: both
// or neither, and a second write under the same key fails with ErrKeyUsed and
// creates nothing.
func TestIdempotencyRecordJoinsTheWrite(t *testing.T) {
	s, c := newStore()
	key := domain.NewID("k")
	application := func() domain.Approval {
		return domain.Approval{ID: domain.NewID("apv"), Type: domain.ApprovalWorkspaceCreate, Status: domain.ApprovalInReview,
			Requester: domain.Requester{Email: domain.NewID("e") + "@x.test"}, Payload: []byte(`{}`), CreatedAt: c.t, Version: 1}
	}
	request := func() context.Context {
		p := &storage.Idempotent{Scope: "scope", Key: key, RequestHash: "h1"}
		p.Respond(storage.Replay{Status: 201, Body: `{"id":"x"}`, ContentType: "application/json"})
		return storage.WithIdempotency(context.Background(), p)
	}
	// A write that fails leaves no record: the key stays free.
	first := application()
	if err := s.CreateApplication(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	dup := first
	dup.ID = domain.NewID("apv") // same email: the open application's lock refuses it
	if err := s.CreateApplication(request(), dup); !errors.Is(err, domain.ErrConflict) || errors.Is(err, storage.ErrKeyUsed) {
		t.Fatalf("refused write: %v", err)
	}
	if prior, err := s.GetIdempotent(context.Background(), "scope", key); prior != nil || err != nil {
		t.Fatalf("record after a refused write: %+v %v", prior, err)
	}
	// The record is written with the entity, as done, with the request's hash.
	ctx := request()
	if err := s.CreateApplication(ctx, application()); err != nil {
		t.Fatal(err)
	}
	if _, complete := storage.IdempotencyOf(ctx).Committed(); !complete {
		t.Fatal("the write did not carry the record")
	}
	prior, err := s.GetIdempotent(context.Background(), "scope", key)
	if err != nil || prior == nil || !prior.Done || prior.Status != 201 || prior.RequestHash != "h1" || prior.Body != `{"id":"x"}` {
		t.Fatalf("record: %+v %v", prior, err)
	}
	// Another create under the same key creates nothing.
	again := application()
	if err := s.CreateApplication(request(), again); !errors.Is(err, storage.ErrKeyUsed) {
		t.Fatalf("second create under the key: %v", err)
	}
	if _, err := s.GetApproval(context.Background(), again.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("the second create wrote its entity: %v", err)
	}
	// Without a prepared response the write goes alone; FinishIdempotent then refuses a used key.
	if err := s.FinishIdempotent(context.Background(), "scope", key, storage.Replay{RequestHash: "h2", Status: 201}, false); !errors.Is(err, storage.ErrKeyUsed) {
		t.Fatalf("finishing a used key: %v", err)
	}
}

func TestDecisionLease(t *testing.T) {
	s, c := newStore()
	ctx := context.Background()
	a := domain.Approval{ID: domain.NewID("apv"), Type: domain.ApprovalWorkspaceCreate, Status: domain.ApprovalInReview,
		Requester: domain.Requester{Email: domain.NewID("e") + "@x.test"}, Payload: []byte(`{}`), CreatedAt: c.t, Version: 1}
	if err := s.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.LeaseDecision(ctx, a.ID, "one", c.t.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.LeaseDecision(ctx, a.ID, "two", c.t.Add(time.Minute)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second lease: %v", err)
	}
	// While "one" holds the lease, nobody else decides.
	rejected, _ := domain.Decide(a, domain.Decision{To: domain.ApprovalRejected, By: "r", Reason: "x", At: c.t})
	if err := s.Decide(ctx, a, rejected, ""); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("decision under another's lease: %v", err)
	}
	// A lease left by a crashed decider lapses.
	c.t = c.t.Add(2 * time.Minute)
	if err := s.LeaseDecision(ctx, a.ID, "two", c.t.Add(time.Minute)); err != nil {
		t.Fatalf("lapsed lease not taken over: %v", err)
	}
	if err := s.Decide(ctx, a, rejected, "two"); err != nil {
		t.Fatal(err)
	}
	if err := s.LeaseDecision(ctx, a.ID, "three", c.t.Add(time.Minute)); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("lease on a decided approval: %v", err)
	}
}

func TestExpiredInvitationFreesTheEmail(t *testing.T) {
	s, c := newStore()
	ctx := context.Background()
	ws := domain.Workspace{ID: domain.NewID("ws"), Kind: domain.KindDeveloper, Name: "W", Version: 1}
	admin := domain.Member{WorkspaceID: ws.ID, UserID: "u1", Role: domain.RoleAdmin, Status: domain.MemberActive, Version: 1}
	if err := s.CreateWorkspace(ctx, ws, admin); err != nil {
		t.Fatal(err)
	}
	inv := func() domain.Invitation {
		return domain.Invitation{ID: domain.NewID("inv"), WorkspaceID: ws.ID, Email: "x@y.test", Role: domain.RoleDeveloper,
			Status: domain.InvitationPending, CreatedAt: c.t, ExpiresAt: c.t.Add(domain.InvitationTTL), Version: 1}
	}
	first := inv()
	if err := s.CreateInvitation(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateInvitation(ctx, inv()); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second pending invitation: %v", err)
	}
	c.t = c.t.Add(domain.InvitationTTL + time.Minute)
	if err := s.CreateInvitation(ctx, inv()); err != nil {
		t.Fatalf("invitation after expiry: %v", err)
	}
	accepted := first
	accepted.Status, accepted.Version = domain.InvitationAccepted, 2
	m := domain.Member{WorkspaceID: ws.ID, UserID: "u2", Role: domain.RoleDeveloper, Status: domain.MemberActive, Version: 1}
	if err := s.AcceptInvitation(ctx, first, accepted, m); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("accepting an expired invitation: %v", err)
	}
	if err := s.CreateInvitation(ctx, domain.Invitation{ID: domain.NewID("inv"), WorkspaceID: "ws_missing", Email: "a@b.test",
		Status: domain.InvitationPending, ExpiresAt: c.t.Add(time.Hour), Version: 1}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("invitation to a missing workspace: %v", err)
	}
}

// Editing general info never resets what other writes own: the admin count and
// the authorization.
func TestUpdateWorkspaceKeepsAdminCountAndAuthorization(t *testing.T) {
	s, c := newStore()
	ctx := context.Background()
	ws := domain.Workspace{ID: domain.NewID("ws"), Kind: domain.KindDeveloper, Name: "W", Authorization: domain.AuthorizationActive, Version: 1}
	admin := domain.Member{WorkspaceID: ws.ID, UserID: "u1", Role: domain.RoleAdmin, Status: domain.MemberActive, Version: 1}
	authz := domain.Authorization{ID: domain.NewID("authz"), WorkspaceID: ws.ID, Status: domain.AuthorizationActive, GrantedAt: c.t, Version: 1}
	if err := s.CreateWorkspace(ctx, ws, admin); err != nil {
		t.Fatal(err)
	}
	read, _ := s.GetWorkspace(ctx, ws.ID) // a PATCH reads here...
	revoked := authz
	revoked.Status, revoked.Version = domain.AuthorizationRevoked, 2
	createAuthz(t, s, authz)
	if err := s.RevokeAuthorization(ctx, authz, revoked); err != nil { // ...the tenant revokes meanwhile...
		t.Fatal(err)
	}
	before := read
	read.Name, read.Version = "Renamed", 2
	if err := storage.Update(ctx, s, storage.WorkspaceRef(ws.ID), before, read); err != nil { // ...and the PATCH lands.
		t.Fatal(err)
	}
	got, _ := s.GetWorkspace(ctx, ws.ID)
	if got.Name != "Renamed" || got.Authorization != domain.AuthorizationRevoked || got.ActiveAdmins != 1 || got.Version != 2 {
		t.Fatalf("workspace after update %+v", got)
	}
	if err := storage.Update(ctx, s, storage.WorkspaceRef(ws.ID), before, read); !errors.Is(err, domain.ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
}

func createAuthz(t *testing.T, s *storage.Store, a domain.Authorization) {
	t.Helper()
	if err := s.PutAuthorization(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}
