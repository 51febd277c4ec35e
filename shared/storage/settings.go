package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

type settingsItem struct {
	keys
	domain.Settings
}

type termsItem struct {
	keys
	domain.Terms
}

func (it termsItem) terms() domain.Terms { return it.Terms }

// termsSK sorts a workspace's terms versions by number.
func termsSK(version int) string { return fmt.Sprintf("%s%010d", termsPrefix, version) }

// GetSettings reads a workspace's settings; a workspace that never saved any
// has the defaults at version 0.
func (s *Store) GetSettings(ctx context.Context, ws string) (domain.Settings, error) {
	var it settingsItem
	err := s.get(ctx, wsKey(ws), skSettings, &it)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.DefaultSettings(), nil
	}
	return it.Settings, err
}

func (s *Store) settingsWrite(ws string, next domain.Settings, expected int, fail error) (cond, error) {
	c := notExists()
	var names map[string]string
	var values map[string]types.AttributeValue
	if expected > 0 {
		c, names, values = versionIs(expected)
	}
	return s.put(settingsItem{keys: keys{PK: wsKey(ws), SK: skSettings}, Settings: next}, c, names, values, fail)
}

// PutSettings replaces the settings if they are still at version expected.
func (s *Store) PutSettings(ctx context.Context, ws string, next domain.Settings, expected int) error {
	w, err := s.settingsWrite(ws, next, expected, domain.ErrStale)
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

// PublishTerms stores the settings carrying a new terms version, if they are
// still at version expected, and appends the version to the history, atomically.
func (s *Store) PublishTerms(ctx context.Context, ws string, next domain.Settings, expected int) error {
	busy := domain.Errorf(domain.ErrConflict, "the settings changed at the same time; retry")
	w, err := s.settingsWrite(ws, next, expected, busy)
	if err != nil {
		return err
	}
	h, err := s.put(termsItem{keys: keys{PK: wsKey(ws), SK: termsSK(next.Terms.Version)}, Terms: *next.Terms}, notExists(), nil, nil, busy)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, h)
}

// TermsHistory lists a workspace's published terms, newest first, at most limit.
func (s *Store) TermsHistory(ctx context.Context, ws string, limit int) ([]domain.Terms, error) {
	p, err := queryPage(ctx, s, query{pk: wsKey(ws), prefix: termsPrefix, limit: limit, desc: true}, termsItem.terms)
	return p.Items, err
}
