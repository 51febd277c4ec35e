package storage

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

// DecideLaunch records a decision on a launch approval together with its entry
// on the launch's timeline (who decided, when, with the comment), atomically:
// a launch never shows a decision its approval does not have, or the reverse.
// The launch's status is left to the workflow, which the decision moves on.
func (s *Store) DecideLaunch(ctx context.Context, before, after domain.Approval, mp, launchID string, entry domain.TimelineEntry) error {
	writes, err := s.decideWrites(before, after, "")
	if err != nil {
		return err
	}
	e, err := attributevalueMarshal(entry)
	if err != nil {
		return err
	}
	lw := s.update(mpKey(mp), launchSK(launchID),
		"SET timeline = list_append(if_not_exists(timeline, :empty), :entry)", "attribute_exists(pk)", nil,
		map[string]types.AttributeValue{":entry": &types.AttributeValueMemberL{Value: []types.AttributeValue{e}},
			":empty": &types.AttributeValueMemberL{}},
		domain.Errorf(domain.ErrNotFound, "the launch of this approval does not exist"))
	return s.transact(ctx, "", append(writes, lw)...)
}
