package api

import (
	"errors"
	"net/http"

	"github.com/mpdp/platform/shared/auth"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/storage"
)

// ifMatchUpdate is an update of one versioned entity conditional on If-Match,
// the shape every PATCH (and PUT) of an entity shares:
//
//  1. the caller's membership of ws and the entity are read in one
//     BatchGetItem (one call, one round trip);
//  2. then, in this order: a refusal of act (404 for a non-member, 403), a
//     missing If-Match (428) or one that names no version (412), bad input
//     (a body that does not decode into in, or that validate refuses: 400),
//     a missing entity (404), a stale If-Match (412);
//  3. change makes the next value from the current one (it may still refuse,
//     say with a 400 for input that needs the current value to check);
//  4. one conditional write on the version read stores it: of two updates
//     sent with the same If-Match, exactly one wins and the other gets 412.
//
// So an update costs two DynamoDB calls, plus what change itself reads.
type ifMatchUpdate[T any] struct {
	ws       string // the workspace whose membership authorizes the update
	act      domain.Action
	ref      storage.Ref[T]
	in       any          // what the request body decodes into
	validate func() error // checks in
	// change returns the next value of cur (its version one more).
	change func(a access, cur T) (T, error)
	// refused, if set, rewrites an authorization refusal.
	refused func(error) error
}

// run does the update and returns the stored value.
func (u ifMatchUpdate[T]) run(s *Server, r *http.Request) (T, error) {
	var zero T
	a, cur, missing, err := authorizeWith(s, r, u.ws, u.act, u.ref)
	if err != nil {
		if u.refused != nil {
			err = u.refused(err)
		}
		return zero, err
	}
	expected, err := httpapi.IfMatch(r)
	if err != nil {
		return zero, err
	}
	if err := httpapi.Decode(r, u.in); err != nil {
		return zero, err
	}
	if err := u.validate(); err != nil {
		return zero, err
	}
	if missing != nil {
		return zero, missing
	}
	version := u.ref.Version(cur)
	if httpapi.ExpectedVersion(expected, version) != version {
		return zero, domain.ErrStale
	}
	next, err := u.change(a, cur)
	if err != nil {
		return zero, err
	}
	return next, storage.Update(r.Context(), s.Store, u.ref, cur, next)
}

// answer runs the update and answers 200 with the stored entity and its ETag.
func (u ifMatchUpdate[T]) answer(s *Server, w http.ResponseWriter, r *http.Request) error {
	next, err := u.run(s, r)
	if err != nil {
		return err
	}
	httpapi.Entity(w, http.StatusOK, u.ref.Version(next), next)
	return nil
}

// authorizeWith is authorize with the entity ref names read in the same
// BatchGetItem: one DynamoDB call for both. A refusal is err, as from
// authorize; missing is the entity's domain.ErrNotFound, for the caller to
// answer once its own checks of the request pass.
func authorizeWith[T any](s *Server, r *http.Request, ws string, act domain.Action, ref storage.Ref[T]) (a access, v T, missing, err error) {
	c, err := auth.CallerFrom(r.Context())
	if err != nil {
		return a, v, nil, err
	}
	m, v, err := storage.GetWithMember(r.Context(), s.Store, ws, c.UserID, ref)
	if errors.Is(err, domain.ErrNotFound) {
		missing, err = err, nil
	}
	if err != nil {
		return a, v, nil, err
	}
	a, err = admit(c, ws, act, m)
	return a, v, missing, err
}
