package storage

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

// IdempotencyTTL is how long a creating POST's Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// idempotencyStale is when a claim whose request never finished (its function
// crashed or timed out) may be taken over by a retry.
const idempotencyStale = time.Minute

// Replay is what a request with a known Idempotency-Key finds.
type Replay struct {
	RequestHash string `dynamodbav:"requestHash"`
	Done        bool   `dynamodbav:"done"`
	Status      int    `dynamodbav:"status"`
	Body        string `dynamodbav:"body"`
	ContentType string `dynamodbav:"contentType"`
	ETag        string `dynamodbav:"etag"`
	Location    string `dynamodbav:"location,omitempty"`
	StartedAt   string `dynamodbav:"startedAt"`
}

type idemItem struct {
	keys
	Replay
}

// BeginIdempotent claims key for a request with the given hash. It returns nil
// when the caller should do the work, or the earlier request's record.
func (s *Store) BeginIdempotent(ctx context.Context, scope, key, requestHash string) (*Replay, error) {
	now := s.now()
	it := idemItem{keys: keys{PK: idemKey(scope, key), SK: skIdem, TTL: now.Add(IdempotencyTTL).Unix()},
		Replay: Replay{RequestHash: requestHash, StartedAt: timeValue(now)}}
	w, err := s.put(it, "attribute_not_exists(pk) OR (done = :false AND startedAt < :stale)", nil,
		map[string]types.AttributeValue{":false": &types.AttributeValueMemberBOOL{Value: false},
			":stale": str(timeValue(now.Add(-idempotencyStale)))}, errClaimed)
	if err != nil {
		return nil, err
	}
	err = s.single(ctx, w)
	if !errors.Is(err, errClaimed) {
		return nil, err
	}
	var prior idemItem
	if err := s.get(ctx, idemKey(scope, key), skIdem, &prior); err != nil {
		return nil, err
	}
	return &prior.Replay, nil
}

var errClaimed = errors.New("idempotency key claimed")

// FinishIdempotent stores the response to replay for key.
func (s *Store) FinishIdempotent(ctx context.Context, scope, key string, r Replay) error {
	r.Done = true
	it := idemItem{keys: keys{PK: idemKey(scope, key), SK: skIdem, TTL: s.now().Add(IdempotencyTTL).Unix()}, Replay: r}
	w, err := s.put(it, "", nil, nil, nil)
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

// AbandonIdempotent forgets key after a failed request, so a retry can run.
func (s *Store) AbandonIdempotent(ctx context.Context, scope, key string) error {
	return s.single(ctx, s.del(idemKey(scope, key), skIdem, "done = :false", nil,
		map[string]types.AttributeValue{":false": &types.AttributeValueMemberBOOL{Value: false}}, domain.ErrConflict))
}
