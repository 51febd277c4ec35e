package storage

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

type jsapiItem struct {
	keys
	domain.JSAPI
}

func (it jsapiItem) jsapi() domain.JSAPI { return it.JSAPI }

func jsapiRecord(j domain.JSAPI) jsapiItem {
	return jsapiItem{keys: keys{PK: jsapiKey(j.Name), SK: skJSAPI, GSI1PK: jsapisKey, GSI1SK: j.Name}, JSAPI: j}
}

// CreateJSAPI stores a new JSAPI; ErrConflict if one of that name exists.
func (s *Store) CreateJSAPI(ctx context.Context, j domain.JSAPI) error {
	w, err := s.put(jsapiRecord(j), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "a JSAPI named %s exists", j.Name))
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

// GetJSAPI reads a JSAPI by name.
func (s *Store) GetJSAPI(ctx context.Context, name string) (domain.JSAPI, error) {
	return Get(ctx, s, JSAPIRef(name))
}

// JSAPIRef is a JSAPI of the catalog; an update replaces it whole.
func JSAPIRef(name string) Ref[domain.JSAPI] {
	return ref(jsapiKey(name), skJSAPI, jsapiItem.jsapi, func(j domain.JSAPI) int { return j.Version },
		func(s *Store, before, after domain.JSAPI) ([]cond, error) {
			return s.putIfVersion(jsapiRecord(after), before.Version)
		})
}

// ListJSAPIs lists JSAPIs by name, narrowed by f. Status and OS filter after
// the limit, so a page may be short.
func (s *Store) ListJSAPIs(ctx context.Context, f domain.JSAPIFilter, limit int, cursor string) (Page[domain.JSAPI], error) {
	q := query{index: "gsi1", pk: jsapisKey, prefix: f.Prefix, limit: limit, cursor: cursor}
	var conds []string
	q.filterNames, q.filterValues = map[string]string{}, map[string]types.AttributeValue{}
	if f.Status != "" {
		conds = append(conds, "#status = :status")
		q.filterNames["#status"], q.filterValues[":status"] = "status", str(string(f.Status))
	}
	if f.OS != "" {
		conds = append(conds, "contains(supportedOS, :os)")
		q.filterValues[":os"] = str(string(f.OS))
	}
	for i, c := range conds {
		if i > 0 {
			q.filter += " AND "
		}
		q.filter += c
	}
	if len(q.filterNames) == 0 {
		q.filterNames = nil
	}
	return queryPage(ctx, s, q, jsapiItem.jsapi)
}

// MissingJSAPIs returns the names, of at most 100, that are not in the catalog, in the order given.
func (s *Store) MissingJSAPIs(ctx context.Context, names []string) ([]string, error) {
	ks := make([][2]string, len(names))
	for i, n := range names {
		ks[i] = [2]string{jsapiKey(n), skJSAPI}
	}
	items, err := s.batchGet(ctx, ks)
	if err != nil {
		return nil, err
	}
	found, err := unmarshalAll[jsapiItem](items)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, n := range names {
		if !slices.ContainsFunc(found, func(it jsapiItem) bool { return it.Name == n }) {
			missing = append(missing, n)
		}
	}
	return missing, nil
}

type featureItem struct {
	keys
	domain.Feature
}

func (it featureItem) feature() domain.Feature { return it.Feature }

func featureRecord(f domain.Feature) featureItem {
	return featureItem{keys: keys{PK: featureKey(f.ID), SK: skFeature, GSI1PK: featuresKey, GSI1SK: timeKey(f.CreatedAt, f.ID)}, Feature: f}
}

type historyItem struct {
	keys
	domain.FeatureHistoryEntry
	ChangesJSON string `dynamodbav:"changes"`
}

func (it historyItem) entry() domain.FeatureHistoryEntry {
	e := it.FeatureHistoryEntry
	json.Unmarshal([]byte(it.ChangesJSON), &e.Changes)
	if e.Changes == nil {
		e.Changes = map[string]domain.Change{}
	}
	return e
}

func (s *Store) historyWrite(e domain.FeatureHistoryEntry) (cond, error) {
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return cond{}, err
	}
	return s.put(historyItem{keys: keys{PK: featureKey(e.FeatureID), SK: histPrefix + timeKey(e.At, e.ID)},
		FeatureHistoryEntry: e, ChangesJSON: string(changes)}, notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "history entry exists"))
}

// CreateFeature stores a new feature with its first history entry, atomically.
func (s *Store) CreateFeature(ctx context.Context, f domain.Feature, e domain.FeatureHistoryEntry) error {
	w, err := s.put(featureRecord(f), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "feature exists"))
	if err != nil {
		return err
	}
	h, err := s.historyWrite(e)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, h)
}

// GetFeature reads a feature.
func (s *Store) GetFeature(ctx context.Context, id string) (domain.Feature, error) {
	return Get(ctx, s, FeatureRef(id, nil))
}

// FeatureRef is a feature of the catalog. An update replaces it whole and
// appends the history entry that history makes of the change, atomically
// (history may be nil for a Ref that is only read).
func FeatureRef(id string, history func(before, after domain.Feature) domain.FeatureHistoryEntry) Ref[domain.Feature] {
	return ref(featureKey(id), skFeature, featureItem.feature, func(f domain.Feature) int { return f.Version },
		func(s *Store, before, after domain.Feature) ([]cond, error) {
			w, err := s.putIfVersion(featureRecord(after), before.Version)
			if err != nil {
				return nil, err
			}
			h, err := s.historyWrite(history(before, after))
			return append(w, h), err
		})
}

// ListFeatures lists features, newest first.
func (s *Store) ListFeatures(ctx context.Context, limit int, cursor string) (Page[domain.Feature], error) {
	return queryPage(ctx, s, query{index: "gsi1", pk: featuresKey, limit: limit, cursor: cursor, desc: true}, featureItem.feature)
}

// ListFeatureHistory lists a feature's history, newest first.
func (s *Store) ListFeatureHistory(ctx context.Context, id string, limit int, cursor string) (Page[domain.FeatureHistoryEntry], error) {
	return queryPage(ctx, s, query{pk: featureKey(id), prefix: histPrefix, limit: limit, cursor: cursor, desc: true}, historyItem.entry)
}

// featureLock marks a feature as requested (pending) or granted for a mini
// program: at most one of either at a time.
type featureLock struct {
	keys
	ApprovalID string `dynamodbav:"approvalId"`
	State      string `dynamodbav:"state"` // pending or granted
}

// RequestFeature stores a feature.activate approval and takes the mini
// program's lock on the feature, atomically; ErrConflict if the feature is
// already granted to the mini program or requested for it.
func (s *Store) RequestFeature(ctx context.Context, a domain.Approval, p domain.FeatureRequest) error {
	a.PayloadJSON = string(a.Payload)
	w, err := s.put(approvalRecord(a), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "approval exists"))
	if err != nil {
		return err
	}
	lock, err := s.put(featureLock{keys: keys{PK: mpKey(p.MiniProgramID), SK: featureLockSK(p.FeatureID)}, ApprovalID: a.ID, State: "pending"},
		notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "the feature %s is already granted to this mini program or requested for it", p.FeatureName))
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, lock)
}

func featureRequest(a domain.Approval) (domain.FeatureRequest, error) {
	var p domain.FeatureRequest
	err := json.Unmarshal(a.Payload, &p)
	return p, err
}

// freeFeatureLock releases a feature request's lock.
func (s *Store) freeFeatureLock(p domain.FeatureRequest) cond {
	return s.del(mpKey(p.MiniProgramID), featureLockSK(p.FeatureID), "", nil, nil, nil)
}

type grantItem struct {
	keys
	domain.FeatureGrant
}

func (it grantItem) grant() domain.FeatureGrant { return it.FeatureGrant }

// ApproveFeature records the approval of a feature.activate request together
// with the grant and its authorization; the lock stays, now as granted.
func (s *Store) ApproveFeature(ctx context.Context, before, after domain.Approval, g domain.FeatureGrant, a domain.Authorization) error {
	writes, err := s.decideWrites(before, after, "")
	if err != nil {
		return err
	}
	gw, err := s.put(grantItem{keys: keys{PK: mpKey(g.MiniProgramID), SK: featureGrantSK(g.FeatureID)}, FeatureGrant: g},
		"attribute_not_exists(pk) OR #status = :revoked", map[string]string{"#status": "status"},
		map[string]types.AttributeValue{":revoked": str(string(domain.GrantRevoked))},
		domain.Errorf(domain.ErrConflict, "the feature is already granted to this mini program"))
	if err != nil {
		return err
	}
	aw, err := s.put(authorizationRecord(a), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "authorization exists"))
	if err != nil {
		return err
	}
	lock := s.update(mpKey(g.MiniProgramID), featureLockSK(g.FeatureID), "SET #state = :granted", "approvalId = :id",
		map[string]string{"#state": "state"}, map[string]types.AttributeValue{":granted": str("granted"), ":id": str(before.ID)},
		domain.Errorf(domain.ErrConflict, "the feature request's lock is gone"))
	return s.transact(ctx, "", append(writes, gw, aw, lock)...)
}

// ListFeatureGrants lists a mini program's feature grants, active and revoked.
func (s *Store) ListFeatureGrants(ctx context.Context, mp string, limit int, cursor string) (Page[domain.FeatureGrant], error) {
	return queryPage(ctx, s, query{pk: mpKey(mp), prefix: grantPrefix, limit: limit, cursor: cursor}, grantItem.grant)
}

// revokeGrantWrites revoke a feature authorization's grant and free its lock,
// so that the feature may be requested again.
func (s *Store) revokeGrantWrites(a domain.Authorization) []cond {
	revokedAt := ""
	if a.RevokedAt != nil {
		revokedAt = timeValue(*a.RevokedAt)
	}
	grant := s.update(mpKey(a.MiniProgramID), featureGrantSK(a.FeatureID), "SET #status = :revoked, revokedBy = :by, revokedAt = :at",
		"attribute_exists(pk) AND authorizationId = :authz", map[string]string{"#status": "status"},
		map[string]types.AttributeValue{":revoked": str(string(domain.GrantRevoked)), ":by": str(a.RevokedBy), ":at": str(revokedAt),
			":authz": str(a.ID)}, domain.Errorf(domain.ErrConflict, "the feature grant of this authorization is gone"))
	return []cond{grant, s.del(mpKey(a.MiniProgramID), featureLockSK(a.FeatureID), "", nil, nil, nil)}
}
