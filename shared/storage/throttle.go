package storage

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrLimited is returned by Count when the window's limit is reached.
var ErrLimited = errors.New("limit reached")

func throttleKey(action, source string, window int64) string {
	return "THROTTLE#" + action + "#" + source + "#" + strconv.FormatInt(window, 10)
}

// Count counts one more request of action from source in the fixed window of
// length window that holds now, allowing limit per window: ErrLimited beyond
// that (the refused request is not counted). One conditional update per call;
// the counter item expires by TTL once its window is over.
func (s *Store) Count(ctx context.Context, action, source string, limit int, window time.Duration, now time.Time) error {
	start := now.Unix() / int64(window.Seconds())
	end := (start + 1) * int64(window.Seconds())
	ctx = WithIdempotency(ctx, nil) // a counter never carries a create's record
	return s.single(ctx, s.update(throttleKey(action, source, start), skThrottle, "ADD #count :one SET #ttl = :ttl",
		"attribute_not_exists(#count) OR #count < :limit", map[string]string{"#count": "count", "#ttl": "ttl"},
		map[string]types.AttributeValue{":one": num(1), ":limit": num(limit), ":ttl": numInt64(end + 60)}, ErrLimited))
}
