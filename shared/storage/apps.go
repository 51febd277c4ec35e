package storage

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

type appItem struct {
	keys
	domain.App
}

func (it appItem) app() domain.App { return it.App }

func appRecord(a domain.App) appItem {
	return appItem{keys: keys{PK: appKey(a.ID), SK: skApp, GSI1PK: appsListKey, GSI1SK: timeKey(a.CreatedAt, a.ID)}, App: a}
}

// CreateApp stores a new host app.
func (s *Store) CreateApp(ctx context.Context, a domain.App) error {
	w, err := s.put(appRecord(a), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "app exists"))
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

// GetApp reads a host app.
func (s *Store) GetApp(ctx context.Context, id string) (domain.App, error) {
	return Get(ctx, s, AppRef(id))
}

// AppRef is a host app. An update writes the editable fields; the key count
// is left alone.
func AppRef(id string) Ref[domain.App] {
	return ref(appKey(id), skApp, appItem.app, func(a domain.App) int { return a.Version }, func(s *Store, before, after domain.App) ([]cond, error) {
		c, names, values := versionIs(before.Version)
		names["#name"], names["#status"] = "name", "status"
		values[":name"], values[":platform"], values[":bundleId"] = str(after.Name), str(string(after.Platform)), str(after.BundleID)
		values[":description"], values[":status"] = str(after.Description), str(string(after.Status))
		values[":updatedAt"], values[":version"] = str(timeValue(after.UpdatedAt)), num(after.Version)
		return []cond{s.update(appKey(before.ID), skApp,
			"SET #name = :name, platform = :platform, bundleId = :bundleId, description = :description, #status = :status, "+
				"updatedAt = :updatedAt, #version = :version", c, names, values, domain.ErrStale)}, nil
	})
}

// ListApps lists the host apps, newest first.
func (s *Store) ListApps(ctx context.Context, limit int, cursor string) (Page[domain.App], error) {
	return queryPage(ctx, s, query{index: "gsi1", pk: appsListKey, limit: limit, cursor: cursor, desc: true}, appItem.app)
}

type appKeyItem struct {
	keys
	domain.AppKey
	LastUsedUnix int64 `dynamodbav:"lastUsedUnix,omitempty"`
}

func (it appKeyItem) appKey() domain.AppKey { return it.AppKey }

// CreateAppKey stores a new active key of its app and counts it, atomically:
// ErrConflict when the app already has domain.MaxActiveKeys active keys.
func (s *Store) CreateAppKey(ctx context.Context, k domain.AppKey) error {
	w, err := s.put(appKeyItem{keys: keys{PK: appKeyKey(k.KeyID), SK: skAppKey, GSI1PK: appKeysListKey(k.AppID),
		GSI1SK: timeKey(k.CreatedAt, k.KeyID)}, AppKey: k}, notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "key exists"))
	if err != nil {
		return err
	}
	count := s.update(appKey(k.AppID), skApp, "SET activeKeys = if_not_exists(activeKeys, :zero) + :one",
		"attribute_exists(pk) AND (attribute_not_exists(activeKeys) OR activeKeys < :max)", nil,
		map[string]types.AttributeValue{":zero": num(0), ":one": num(1), ":max": num(domain.MaxActiveKeys)},
		domain.Errorf(domain.ErrConflict, "the app already has %d active keys, the most it may have; revoke one first", domain.MaxActiveKeys))
	return s.transact(ctx, "", w, count)
}

// GetAppKey reads a key by its id.
func (s *Store) GetAppKey(ctx context.Context, keyID string) (domain.AppKey, error) {
	var it appKeyItem
	err := s.get(ctx, appKeyKey(keyID), skAppKey, &it)
	return it.AppKey, err
}

// ListAppKeys lists an app's keys, newest first.
func (s *Store) ListAppKeys(ctx context.Context, app string, limit int, cursor string) (Page[domain.AppKey], error) {
	return queryPage(ctx, s, query{index: "gsi1", pk: appKeysListKey(app), limit: limit, cursor: cursor, desc: true}, appKeyItem.appKey)
}

// RevokeAppKey revokes an active key and uncounts it, atomically; ErrConflict
// if it is no longer active.
func (s *Store) RevokeAppKey(ctx context.Context, k domain.AppKey, by string, at time.Time) error {
	revoke := s.update(appKeyKey(k.KeyID), skAppKey, "SET #status = :revoked, revokedAt = :at, revokedBy = :by",
		"#status = :active", map[string]string{"#status": "status"},
		map[string]types.AttributeValue{":revoked": str(string(domain.KeyRevoked)), ":active": str(string(domain.KeyActive)),
			":at": str(timeValue(at)), ":by": str(by)}, domain.Errorf(domain.ErrConflict, "the key is already revoked"))
	count := s.update(appKey(k.AppID), skApp, "SET activeKeys = activeKeys - :one", "activeKeys > :zero", nil,
		map[string]types.AttributeValue{":zero": num(0), ":one": num(1)}, domain.Errorf(domain.ErrConflict, "the app's key count is off"))
	return s.transact(ctx, "", revoke, count)
}

// TouchAppKey records that a key was used at at, unless it was recorded less
// than a minute before: a busy key costs at most one write a minute.
func (s *Store) TouchAppKey(ctx context.Context, keyID string, at time.Time) error {
	err := s.single(ctx, s.update(appKeyKey(keyID), skAppKey, "SET lastUsedAt = :at, lastUsedUnix = :unix",
		"attribute_exists(pk) AND (attribute_not_exists(lastUsedUnix) OR lastUsedUnix < :before)", nil,
		map[string]types.AttributeValue{":at": str(timeValue(at)), ":unix": numInt64(at.Unix()), ":before": numInt64(at.Add(-time.Minute).Unix())},
		errRecent))
	if errors.Is(err, errRecent) {
		return nil
	}
	return err
}

var errRecent = errors.New("recorded recently")

// ErrReplayed is returned when a nonce was already used.
var ErrReplayed = errors.New("nonce already used")

type nonceItem struct {
	keys
}

// ClaimNonce records that key used nonce, until expires (TTL); ErrReplayed if
// it did before. Expired items may linger until DynamoDB's TTL removes them, so
// a claim on an expired one succeeds.
func (s *Store) ClaimNonce(ctx context.Context, keyID, nonce string, expires time.Time) error {
	w, err := s.put(nonceItem{keys{PK: nonceKey(keyID, nonce), SK: skNonce, TTL: expires.Unix()}},
		"attribute_not_exists(pk) OR #ttl < :now", map[string]string{"#ttl": "ttl"},
		map[string]types.AttributeValue{":now": numInt64(s.now().Unix())}, ErrReplayed)
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

func numInt64(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
