package storage

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

// Ref names one versioned entity of the table: its item's key, how the item
// reads back, and the conditional write that replaces it. Every If-Match
// update reads through GetWithMember and writes through Update, so they all
// share one shape: (ctx, store, ref, before, after), conditional on before's
// version. The constructors (AppRef, MiniProgramRef, ...) are below.
type Ref[T any] struct {
	pk, sk string
	decode func(map[string]types.AttributeValue) (T, error)
	// absent is what a missing item reads as (settings and testers have
	// defaults at version 0); nil means domain.ErrNotFound.
	absent  func() T
	version func(T) int
	// writes are the conditional writes that store after, if the item is
	// still at before's version (domain.ErrStale if not).
	writes func(s *Store, before, after T) ([]cond, error)
}

// Version is v's version, the one its ETag names.
func (r Ref[T]) Version(v T) int { return r.version(v) }

// ref builds a Ref whose item is an I that entity turns into a T.
func ref[I, T any](pk, sk string, entity func(I) T, version func(T) int, writes func(s *Store, before, after T) ([]cond, error)) Ref[T] {
	return Ref[T]{pk: pk, sk: sk, version: version, writes: writes, decode: func(item map[string]types.AttributeValue) (T, error) {
		var it I
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			var zero T
			return zero, err
		}
		return entity(it), nil
	}}
}

func (r Ref[T]) read(item map[string]types.AttributeValue) (T, error) {
	if item == nil {
		if r.absent != nil {
			return r.absent(), nil
		}
		var zero T
		return zero, domain.ErrNotFound
	}
	return r.decode(item)
}

// Get reads the entity r names.
func Get[T any](ctx context.Context, s *Store, r Ref[T]) (T, error) {
	item, err := s.getItem(ctx, r.pk, r.sk)
	if err != nil {
		var zero T
		return zero, err
	}
	return r.read(item)
}

// Membership is what authorizes a user in a workspace: their member row if
// they have one, and whether they were removed from the workspace.
type Membership struct {
	Member domain.Member
	Found  bool
	Former bool
}

// GetWithMember reads user's membership of ws and the entity r names in one
// BatchGetItem, so a write that must check both costs one round trip and one
// call for its reads. The membership is filled in whatever the entity; err is
// domain.ErrNotFound when the entity is missing (which matters only once the
// membership admits the caller), or the read's failure.
func GetWithMember[T any](ctx context.Context, s *Store, ws, user string, r Ref[T]) (Membership, T, error) {
	var m Membership
	var zero T
	ks := [][2]string{{wsKey(ws), memberSK(user)}, {wsKey(ws), formerSK(user)}}
	if entity := [2]string{r.pk, r.sk}; !slices.Contains(ks, entity) { // the entity may be the member row itself: BatchGetItem refuses a key twice
		ks = append(ks, entity)
	}
	items, err := s.batchGet(ctx, ks)
	if err != nil {
		return m, zero, err
	}
	var entity map[string]types.AttributeValue
	for _, it := range items {
		var k keys
		if err := attributevalue.UnmarshalMap(it, &k); err != nil {
			return m, zero, err
		}
		if k.PK == r.pk && k.SK == r.sk {
			entity = it
		}
		switch {
		case k.PK == wsKey(ws) && k.SK == memberSK(user):
			var mi memberItem
			if err := attributevalue.UnmarshalMap(it, &mi); err != nil {
				return m, zero, err
			}
			m.Member, m.Found = mi.Member, true
		case k.PK == wsKey(ws) && k.SK == formerSK(user):
			m.Former = true
		}
	}
	v, err := r.read(entity)
	return m, v, err
}

// Update stores after if the entity is still at before's version:
// domain.ErrStale if another write landed since before was read, so of two
// updates made from the same version exactly one wins.
func Update[T any](ctx context.Context, s *Store, r Ref[T], before, after T) error {
	writes, err := r.writes(s, before, after)
	if err != nil {
		return err
	}
	if len(writes) == 1 {
		return s.single(ctx, writes[0])
	}
	return s.transact(ctx, "", writes...)
}

// putIfVersion replaces the whole item with rec if it is at version expected
// (an item at version 0 has never been stored).
func (s *Store) putIfVersion(rec any, expected int) ([]cond, error) {
	c := notExists()
	var names map[string]string
	var values map[string]types.AttributeValue
	if expected > 0 {
		c, names, values = versionIs(expected)
	}
	w, err := s.put(rec, c, names, values, domain.ErrStale)
	return []cond{w}, err
}
