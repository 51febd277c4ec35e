package storage

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

// ErrLaunchExpired refuses a decision on a launch whose review timed out in
// the workflow; ErrRequesterRevoked an approval for a workspace whose
// authorization was revoked.
var (
	ErrLaunchExpired    = domain.Errorf(domain.ErrConflict, "the review of this launch timed out; the developer must submit it again")
	ErrRequesterRevoked = domain.Errorf(domain.ErrConflict, "the requesting workspace's authorization was revoked; reject this request instead")
)

// DecideLaunch records a decision on a launch approval in one transaction,
// on condition that the launch's review has not timed out (ErrLaunchExpired).
// An approval (entry not nil) also puts its entry on the launch's timeline
// (who decided, when, with the comment), so a launch never shows a decision
// its approval does not have, or the reverse, and requires that workspace
// ws is still authorized (ErrRequesterRevoked). The launch's status is left
// to the workflow, which the decision moves on.
func (s *Store) DecideLaunch(ctx context.Context, before, after domain.Approval, mp, launchID string, entry *domain.TimelineEntry, ws string) error {
	writes, err := s.decideWrites(before, after, "")
	if err != nil {
		return err
	}
	notExpired := "attribute_exists(pk) AND #status <> :expired"
	names := map[string]string{"#status": "status"}
	values := map[string]types.AttributeValue{":expired": str(string(domain.LaunchExpired))}
	if entry == nil {
		writes = append(writes, cond{item: types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.table,
			Key: key(mpKey(mp), launchSK(launchID)), ConditionExpression: &notExpired, ExpressionAttributeNames: names,
			ExpressionAttributeValues: values}}, fail: ErrLaunchExpired})
	} else {
		e, err := attributevalueMarshal(*entry)
		if err != nil {
			return err
		}
		values[":entry"], values[":empty"] = &types.AttributeValueMemberL{Value: []types.AttributeValue{e}}, &types.AttributeValueMemberL{}
		writes = append(writes, s.update(mpKey(mp), launchSK(launchID),
			"SET timeline = list_append(if_not_exists(timeline, :empty), :entry)", notExpired, names, values, ErrLaunchExpired))
	}
	if ws != "" {
		writes = append(writes, cond{item: types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.table,
			Key: key(wsKey(ws), skMeta), ConditionExpression: strPtr("#authz = :active"), ExpressionAttributeNames: map[string]string{"#authz": "authorization"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":active": str(string(domain.AuthorizationActive))}}}, fail: ErrRequesterRevoked})
	}
	return s.transact(ctx, "", writes...)
}
