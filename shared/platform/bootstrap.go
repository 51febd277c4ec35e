package platform

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/identity"
	"github.com/mpdp/platform/shared/storage"
)

// Tenant describes the tenant workspace and its first admin.
type Tenant struct {
	Name       string
	AdminEmail string
	// AdminPassword, when set, becomes the admin's permanent password (local
	// runs and tests). Empty: the admin gets a temporary password, changed at
	// first sign-in, that Welcome sends.
	AdminPassword string
	// Welcome, if set, tells a new admin how to sign in. It runs before the
	// workspace is created, so a failed send leaves nothing that stops a retry.
	Welcome func(ctx context.Context, admin identity.User) error
}

// Bootstrapped is what Bootstrap found or did.
type Bootstrapped struct {
	Admin identity.User
	// Created is false when the tenant workspace already existed: nothing was
	// created then (with AdminPassword set, the password was still set).
	Created   bool
	Workspace domain.Workspace
}

// Bootstrap creates the tenant workspace with its first admin, once. Running it
// again creates nothing; with AdminPassword it sets that password again.
func Bootstrap(ctx context.Context, store *storage.Store, dir *identity.Directory, t Tenant) (Bootstrapped, error) {
	if t.AdminPassword == "" {
		ws, err := store.GetWorkspace(ctx, domain.TenantWorkspaceID)
		if err == nil {
			return Bootstrapped{Workspace: ws}, nil
		}
		if !errors.Is(err, domain.ErrNotFound) {
			return Bootstrapped{}, fmt.Errorf("read the tenant workspace: %w", err)
		}
	}
	var u identity.User
	var err error
	if t.AdminPassword != "" {
		u, err = dir.SetPassword(ctx, t.AdminEmail, t.AdminPassword)
	} else {
		// Created with a temporary password, or, if an earlier run created the
		// user and failed later, given a new one.
		u, err = dir.EnsureUser(ctx, t.AdminEmail)
	}
	if err != nil {
		return Bootstrapped{Admin: u}, err
	}
	if t.Welcome != nil {
		if err := t.Welcome(ctx, u); err != nil {
			return Bootstrapped{Admin: u}, fmt.Errorf("send the admin's welcome: %w", err)
		}
	}
	now := time.Now().UTC()
	ws := domain.Workspace{ID: domain.TenantWorkspaceID, Kind: domain.KindTenant, Name: t.Name,
		Contact: domain.Contact{Name: "Platform admin", Email: t.AdminEmail}, CreatedAt: now, UpdatedAt: now, Version: 1}
	admin := domain.Member{WorkspaceID: ws.ID, UserID: u.ID, Email: domain.NormalizeEmail(t.AdminEmail), Role: domain.RoleAdmin,
		Status: domain.MemberActive, JoinedAt: now, UpdatedAt: now, Version: 1}
	err = store.CreateWorkspace(ctx, ws, admin)
	switch {
	case errors.Is(err, domain.ErrConflict):
		existing, err := store.GetWorkspace(ctx, domain.TenantWorkspaceID)
		return Bootstrapped{Admin: u, Workspace: existing}, err
	case err != nil:
		return Bootstrapped{Admin: u}, err
	}
	return Bootstrapped{Admin: u, Created: true, Workspace: ws}, nil
}
