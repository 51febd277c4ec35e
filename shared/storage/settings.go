package storage

import (
	"context"
	"fmt"

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
	return Get(ctx, s, SettingsRef(ws))
}

// SettingsRef is a workspace's settings (the defaults at version 0 until
// saved); an update replaces them whole.
func SettingsRef(ws string) Ref[domain.Settings] {
	r := ref(wsKey(ws), skSettings, func(it settingsItem) domain.Settings { return it.Settings }, func(v domain.Settings) int { return v.Version },
		func(s *Store, before, after domain.Settings) ([]cond, error) {
			return s.putIfVersion(settingsRecord(ws, after), before.Version)
		})
	r.absent = domain.DefaultSettings
	return r
}

func settingsRecord(ws string, v domain.Settings) settingsItem {
	return settingsItem{keys: keys{PK: wsKey(ws), SK: skSettings}, Settings: v}
}

// PublishTerms stores the settings carrying a new terms version, if they are
// still at version expected, and appends the version to the history, atomically.
func (s *Store) PublishTerms(ctx context.Context, ws string, next domain.Settings, expected int) error {
	busy := domain.Errorf(domain.ErrConflict, "the settings changed at the same time; retry")
	w, err := s.putIfVersion(settingsRecord(ws, next), expected)
	if err != nil {
		return err
	}
	w[0].fail = busy
	h, err := s.put(termsItem{keys: keys{PK: wsKey(ws), SK: termsSK(next.Terms.Version)}, Terms: *next.Terms}, notExists(), nil, nil, busy)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", append(w, h)...)
}

// TermsHistory lists a workspace's published terms, newest first, at most limit.
func (s *Store) TermsHistory(ctx context.Context, ws string, limit int) ([]domain.Terms, error) {
	p, err := queryPage(ctx, s, query{pk: wsKey(ws), prefix: termsPrefix, limit: limit, desc: true}, termsItem.terms)
	return p.Items, err
}
