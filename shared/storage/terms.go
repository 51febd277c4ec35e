package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/mpdp/platform/shared/domain"
)

// A user's acceptance of one version of the platform's terms:
//
//	terms accepted   USER#<user>      TERMSACCEPTED#<version, 10 digits>

type termsAcceptanceItem struct {
	keys
	domain.TermsAcceptance
}

func termsAcceptedSK(version int) string { return fmt.Sprintf("TERMSACCEPTED#%010d", version) }

func (s *Store) termsAcceptanceWrite(a domain.TermsAcceptance) (cond, error) {
	return s.put(termsAcceptanceItem{keys: keys{PK: userKey(a.UserID), SK: termsAcceptedSK(a.Version)}, TermsAcceptance: a},
		notExists(), nil, nil, errAlreadyAccepted)
}

var errAlreadyAccepted = domain.Errorf(domain.ErrConflict, "these terms are already accepted")

// AcceptTerms records a's acceptance once: a repeat returns the first record.
func (s *Store) AcceptTerms(ctx context.Context, a domain.TermsAcceptance) (domain.TermsAcceptance, error) {
	w, err := s.termsAcceptanceWrite(a)
	if err != nil {
		return a, err
	}
	err = s.single(ctx, w)
	if errors.Is(err, errAlreadyAccepted) {
		first, found, err := s.TermsAccepted(ctx, a.UserID, a.Version)
		if err == nil && !found { // cannot be: the write found it
			err = fmt.Errorf("terms acceptance of %s v%d vanished", a.UserID, a.Version)
		}
		return first, err
	}
	return a, err
}

// TermsAccepted reads the user's acceptance of a terms version, if any.
func (s *Store) TermsAccepted(ctx context.Context, user string, version int) (domain.TermsAcceptance, bool, error) {
	var it termsAcceptanceItem
	err := s.get(ctx, userKey(user), termsAcceptedSK(version), &it)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.TermsAcceptance{}, false, nil
	}
	return it.TermsAcceptance, err == nil, err
}
