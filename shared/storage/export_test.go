package storage

import (
	"context"

	"github.com/mpdp/platform/shared/domain"
)

// PutAuthorization stores an authorization alone, for tests of what follows it.
func (s *Store) PutAuthorization(ctx context.Context, a domain.Authorization) error {
	w, err := s.put(authorizationRecord(a), notExists(), nil, nil, domain.ErrConflict)
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}
