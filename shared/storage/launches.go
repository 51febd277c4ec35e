package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/resources"
	"github.com/mpdp/platform/shared/workflows"
)

type launchItem struct {
	keys
	domain.Launch
}

func (it launchItem) launch() domain.Launch {
	l := it.Launch
	if l.Timeline == nil {
		l.Timeline = []domain.TimelineEntry{}
	}
	return l
}

func launchRecord(l domain.Launch) launchItem {
	return launchItem{keys: keys{PK: mpKey(l.MiniProgramID), SK: launchSK(l.ID),
		GSI1PK: mpLaunchesKey(l.MiniProgramID), GSI1SK: timeKey(l.CreatedAt, l.ID)}, Launch: l}
}

// LaunchKeys are the keys the launch workflow writes to: the launch and the
// mini program's active-launch lock.
func LaunchKeys(l domain.Launch) (launch, lock workflows.ItemKey) {
	return workflows.ItemKey{PK: mpKey(l.MiniProgramID), SK: launchSK(l.ID)},
		workflows.ItemKey{PK: mpKey(l.MiniProgramID), SK: skActive}
}

type activeLock struct {
	keys
	LaunchID string `dynamodbav:"launchId"`
}

// CreateLaunch stores a launch in review with its approval and takes the mini
// program's active-launch lock, atomically: ErrConflict if another launch is
// active. ended names a launch known to have ended whose lock may be taken over:
// the workflow marks a launch ended a moment before it releases the lock.
func (s *Store) CreateLaunch(ctx context.Context, l domain.Launch, a domain.Approval, ended string) error {
	lw, err := s.put(launchRecord(l), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "launch exists"))
	if err != nil {
		return err
	}
	lockCond, lockValues := notExists(), map[string]types.AttributeValue(nil)
	if ended != "" {
		lockCond, lockValues = notExists()+" OR launchId = :ended", map[string]types.AttributeValue{":ended": str(ended)}
	}
	lock, err := s.put(activeLock{keys: keys{PK: mpKey(l.MiniProgramID), SK: skActive}, LaunchID: l.ID}, lockCond, nil, lockValues,
		domain.Errorf(domain.ErrConflict, "this mini program already has an active launch; wait for it to end or withdraw it"))
	if err != nil {
		return err
	}
	a.PayloadJSON = string(a.Payload)
	aw, err := s.put(approvalRecord(a), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "approval exists"))
	if err != nil {
		return err
	}
	return s.transact(ctx, "", lw, lock, aw)
}

// GetLaunch reads a launch of a mini program.
func (s *Store) GetLaunch(ctx context.Context, mp, id string) (domain.Launch, error) {
	var it launchItem
	if err := s.get(ctx, mpKey(mp), launchSK(id), &it); err != nil {
		return domain.Launch{}, err
	}
	return it.launch(), nil
}

// ListLaunches lists a mini program's launches, newest first, optionally of one status.
func (s *Store) ListLaunches(ctx context.Context, mp string, status domain.LaunchStatus, limit int, cursor string) (Page[domain.Launch], error) {
	page, err := queryPage(ctx, s, query{index: "gsi1", pk: mpLaunchesKey(mp), limit: limit, cursor: cursor, desc: true}, launchItem.launch)
	if status == "" || err != nil {
		return page, err
	}
	kept := page.Items[:0]
	for _, l := range page.Items {
		if l.Status == status {
			kept = append(kept, l)
		}
	}
	page.Items = kept
	return page, nil
}

// UpdateLaunch changes a launch's status and percentage, appending to its
// timeline, if it is still in one of the given statuses.
func (s *Store) UpdateLaunch(ctx context.Context, l domain.Launch, from []domain.LaunchStatus, to domain.LaunchStatus, percentage int, entry domain.TimelineEntry) error {
	return s.transact(ctx, "", s.launchUpdate(l, from, to, percentage, entry))
}

func (s *Store) launchUpdate(l domain.Launch, from []domain.LaunchStatus, to domain.LaunchStatus, percentage int, entry domain.TimelineEntry) cond {
	e, _ := attributevalueMarshal(entry)
	values := map[string]types.AttributeValue{":to": str(string(to)), ":pct": num(percentage), ":at": str(entry.At),
		":entry": &types.AttributeValueMemberL{Value: []types.AttributeValue{e}}, ":empty": &types.AttributeValueMemberL{}}
	c := "#status IN ("
	for i, st := range from {
		k := ":from" + string(rune('a'+i))
		values[k] = str(string(st))
		if i > 0 {
			c += ", "
		}
		c += k
	}
	c += ")"
	return s.update(mpKey(l.MiniProgramID), launchSK(l.ID),
		"SET #status = :to, percentage = :pct, updatedAt = :at, timeline = list_append(if_not_exists(timeline, :empty), :entry)",
		c, map[string]string{"#status": "status"}, values,
		domain.Errorf(domain.ErrConflict, "the launch is no longer %v", from))
}

// StoreResumeToken puts the workflow's await-resume task token on a paused
// launch; ErrConflict if it is no longer paused (the caller then answers the
// task itself), ErrNotFound if it is gone.
func (s *Store) StoreResumeToken(ctx context.Context, mp, launch, token string) error {
	err := s.single(ctx, s.update(mpKey(mp), launchSK(launch), "SET resumeToken = :token", "#status = :paused",
		map[string]string{"#status": "status"},
		map[string]types.AttributeValue{":token": str(token), ":paused": str(string(domain.LaunchPaused))},
		domain.Errorf(domain.ErrConflict, "the launch is no longer paused")))
	if errors.Is(err, domain.ErrConflict) {
		if _, gerr := s.GetLaunch(ctx, mp, launch); errors.Is(gerr, domain.ErrNotFound) {
			return gerr
		}
	}
	return err
}

// ResumeLaunch moves a paused launch back to rolling out and takes the
// workflow's await-resume token off it, atomically, returning the token ("" if
// the worker has not stored it yet: it then sees the launch resumed and answers itself).
func (s *Store) ResumeLaunch(ctx context.Context, l domain.Launch, entry domain.TimelineEntry) (string, error) {
	u := s.launchUpdate(l, []domain.LaunchStatus{domain.LaunchPaused}, domain.LaunchRollingOut, l.Percentage, entry).item.Update
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key,
		UpdateExpression: aws.String(*u.UpdateExpression + " REMOVE resumeToken"), ConditionExpression: u.ConditionExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
		ReturnValues: types.ReturnValueAllOld})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return "", domain.Errorf(domain.ErrConflict, "the launch is no longer paused")
	}
	if err != nil {
		return "", dbErr(err, "resume launch")
	}
	var old struct {
		ResumeToken string `dynamodbav:"resumeToken"`
	}
	err = attributevalue.UnmarshalMap(out.Attributes, &old)
	return old.ResumeToken, err
}

// FailLaunch ends a launch whose workflow could not start, releasing the
// lock; the request's Idempotency-Key record written with the launch goes
// too, so a retry starts afresh instead of replaying a launch that failed.
func (s *Store) FailLaunch(ctx context.Context, l domain.Launch, reason string, at time.Time) error {
	entry := domain.TimelineEntry{Status: string(domain.LaunchFailed), At: at.UTC().Format(time.RFC3339Nano), Note: reason}
	u := s.launchUpdate(l, []domain.LaunchStatus{domain.LaunchInReview}, domain.LaunchFailed, l.Percentage, entry)
	u.item.Update.UpdateExpression = strPtr(*u.item.Update.UpdateExpression + ", endReason = :reason")
	u.item.Update.ExpressionAttributeValues[":reason"] = str(reason)
	writes := []cond{u, s.del(mpKey(l.MiniProgramID), skActive, "launchId = :id", nil,
		map[string]types.AttributeValue{":id": str(l.ID)}, domain.ErrConflict)}
	forget, p := s.forgetIdempotency(ctx)
	if forget != nil {
		writes = append(writes, *forget)
	}
	if err := s.transactItems(ctx, "", writes); err != nil {
		return err
	}
	if p != nil {
		p.markCommitted(false)
	}
	return nil
}

// ActiveLaunch returns the id of the mini program's active launch, or "".
func (s *Store) ActiveLaunch(ctx context.Context, mp string) (string, error) {
	var lock activeLock
	err := s.get(ctx, mpKey(mp), skActive, &lock)
	if errors.Is(err, domain.ErrNotFound) {
		return "", nil
	}
	return lock.LaunchID, err
}

type releaseItem struct {
	keys
	domain.Release
}

// GetRelease reads what a mini program serves; one that never released has a zero release.
func (s *Store) GetRelease(ctx context.Context, mp string) (domain.Release, error) {
	var it releaseItem
	err := s.get(ctx, mpKey(mp), skRelease, &it)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Release{MiniProgramID: mp, History: []string{}}, nil
	}
	if it.History == nil {
		it.History = []string{}
	}
	return it.Release, err
}

// GetReleaseIn is GetRelease of a mini program of workspace ws, reading the
// mini program (to know it is ws's) and its release in one batch read;
// ErrNotFound if ws has no such mini program.
func (s *Store) GetReleaseIn(ctx context.Context, ws, mp string) (domain.Release, error) {
	raw, err := s.batchGet(ctx, [][2]string{{wsKey(ws), mpSK(mp)}, {mpKey(mp), skRelease}})
	if err != nil {
		return domain.Release{}, err
	}
	rel, found := domain.Release{MiniProgramID: mp, History: []string{}}, false
	for _, it := range raw {
		if sk, _ := it[resources.Table.SortKey].(*types.AttributeValueMemberS); sk != nil && sk.Value == skRelease {
			var r releaseItem
			if err := attributevalue.UnmarshalMap(it, &r); err != nil {
				return rel, err
			}
			rel = r.Release
		} else {
			found = true
		}
	}
	if !found {
		return domain.Release{}, domain.ErrNotFound
	}
	if rel.History == nil {
		rel.History = []string{}
	}
	rel.WorkspaceID = ws
	return rel, nil
}

func (s *Store) releaseWrite(before, after domain.Release) (cond, error) {
	c, names, values := "attribute_not_exists(pk)", map[string]string(nil), map[string]types.AttributeValue(nil)
	if before.Revision > 0 {
		c, names, values = "revision = :rev", nil, map[string]types.AttributeValue{":rev": num(before.Revision)}
	}
	return s.put(releaseItem{keys: keys{PK: mpKey(after.MiniProgramID), SK: skRelease}, Release: after}, c, names, values,
		domain.Errorf(domain.ErrConflict, "the release changed meanwhile; retry"))
}

// PutRelease replaces the release if it is still at before's revision.
func (s *Store) PutRelease(ctx context.Context, before, after domain.Release) error {
	w, err := s.releaseWrite(before, after)
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

// PublishLaunch sets the release and the launch's status together.
func (s *Store) PublishLaunch(ctx context.Context, before, after domain.Release, l domain.Launch, from []domain.LaunchStatus, to domain.LaunchStatus, entry domain.TimelineEntry) error {
	w, err := s.releaseWrite(before, after)
	if err != nil {
		return err
	}
	return s.transact(ctx, "", w, s.launchUpdate(l, from, to, after.Percentage, entry))
}

// ReviewSubject is what an approval of a mini program is about, as one batch
// read returns it: the mini program of workspace ws, its release, and
// optionally one version and one launch. Missing parts are nil; ErrNotFound
// when ws has no such mini program.
type ReviewSubject struct {
	MiniProgram domain.MiniProgram
	Release     *domain.Release
	Version     *domain.PackageVersion
	Launch      *domain.Launch
}

// GetReviewSubject reads a ReviewSubject in one BatchGetItem.
func (s *Store) GetReviewSubject(ctx context.Context, ws, mp, version, launch string) (ReviewSubject, error) {
	keys := [][2]string{{wsKey(ws), mpSK(mp)}, {mpKey(mp), skRelease}}
	verSK := ""
	if sv, err := domain.ParseSemver(version); err == nil {
		verSK = versionSK(sv.Key())
		keys = append(keys, [2]string{mpKey(mp), verSK})
	}
	if launch != "" {
		keys = append(keys, [2]string{mpKey(mp), launchSK(launch)})
	}
	raw, err := s.batchGet(ctx, keys)
	if err != nil {
		return ReviewSubject{}, err
	}
	var out ReviewSubject
	found := false
	for _, it := range raw {
		sk, _ := it[resources.Table.SortKey].(*types.AttributeValueMemberS)
		if sk == nil {
			continue
		}
		switch {
		case sk.Value == mpSK(mp):
			var m miniProgramItem
			err, found = attributevalue.UnmarshalMap(it, &m), true
			out.MiniProgram = m.MiniProgram
		case sk.Value == skRelease:
			var r releaseItem
			err = attributevalue.UnmarshalMap(it, &r)
			if r.History == nil {
				r.History = []string{}
			}
			out.Release = &r.Release
		case sk.Value == verSK:
			var v versionItem
			err = attributevalue.UnmarshalMap(it, &v)
			pv := v.version()
			out.Version = &pv
		default:
			var l launchItem
			err = attributevalue.UnmarshalMap(it, &l)
			la := l.launch()
			out.Launch = &la
		}
		if err != nil {
			return ReviewSubject{}, fmt.Errorf("review subject: %w", err)
		}
	}
	if !found {
		return ReviewSubject{}, domain.ErrNotFound
	}
	if out.Release == nil { // as GetRelease: a mini program never released has an empty release
		out.Release = &domain.Release{MiniProgramID: mp, History: []string{}}
	}
	return out, nil
}

// LaunchBasis is what a new launch is decided on, as one batch read returns
// it: the caller's membership of ws and the workspace (for the access check),
// the mini program of ws, the version to launch and the holder of the mini
// program's active-launch lock. Missing items are nil ("" for the lock).
type LaunchBasis struct {
	Member      *domain.Member
	Workspace   *domain.Workspace
	MiniProgram *domain.MiniProgram
	Version     *domain.PackageVersion
	LockHolder  string
}

// GetLaunchBasis reads a LaunchBasis in one BatchGetItem.
func (s *Store) GetLaunchBasis(ctx context.Context, ws, user, mp, version string) (LaunchBasis, error) {
	ks := [][2]string{{wsKey(ws), memberSK(user)}, {wsKey(ws), skMeta}, {wsKey(ws), mpSK(mp)}, {mpKey(mp), skActive}}
	verSK := ""
	if sv, err := domain.ParseSemver(version); err == nil {
		verSK = versionSK(sv.Key())
		ks = append(ks, [2]string{mpKey(mp), verSK})
	}
	raw, err := s.batchGet(ctx, ks)
	if err != nil {
		return LaunchBasis{}, err
	}
	var out LaunchBasis
	for _, it := range raw {
		pk, _ := it[resources.Table.PartitionKey].(*types.AttributeValueMemberS)
		sk, _ := it[resources.Table.SortKey].(*types.AttributeValueMemberS)
		if pk == nil || sk == nil {
			continue
		}
		switch {
		case pk.Value == wsKey(ws) && sk.Value == memberSK(user):
			var m memberItem
			err = attributevalue.UnmarshalMap(it, &m)
			out.Member = &m.Member
		case pk.Value == wsKey(ws) && sk.Value == skMeta:
			var w workspaceItem
			err = attributevalue.UnmarshalMap(it, &w)
			out.Workspace = &w.Workspace
		case sk.Value == mpSK(mp) && pk.Value == wsKey(ws):
			var m miniProgramItem
			err = attributevalue.UnmarshalMap(it, &m)
			out.MiniProgram = &m.MiniProgram
		case sk.Value == skActive:
			var l activeLock
			err = attributevalue.UnmarshalMap(it, &l)
			out.LockHolder = l.LaunchID
		case sk.Value == verSK:
			var v versionItem
			err = attributevalue.UnmarshalMap(it, &v)
			pv := v.version()
			out.Version = &pv
		}
		if err != nil {
			return LaunchBasis{}, fmt.Errorf("launch basis: %w", err)
		}
	}
	return out, nil
}

// GetLaunchWithApproval reads a launch of a mini program and its approval in
// one BatchGetItem (the approval's id is derived from the launch's; a launch
// from before that rule costs one more read). The approval is nil if it is gone.
func (s *Store) GetLaunchWithApproval(ctx context.Context, mp, id string) (domain.Launch, *domain.Approval, error) {
	derived := domain.LaunchApprovalID(id)
	raw, err := s.batchGet(ctx, [][2]string{{mpKey(mp), launchSK(id)}, {approvalKey(derived), skApproval}})
	if err != nil {
		return domain.Launch{}, nil, err
	}
	var (
		l     domain.Launch
		a     *domain.Approval
		found bool
	)
	for _, it := range raw {
		sk, _ := it[resources.Table.SortKey].(*types.AttributeValueMemberS)
		switch {
		case sk == nil:
		case sk.Value == skApproval:
			var ai approvalItem
			err = attributevalue.UnmarshalMap(it, &ai)
			ap := ai.approval()
			a = &ap
		default:
			var li launchItem
			err, found = attributevalue.UnmarshalMap(it, &li), true
			l = li.launch()
		}
		if err != nil {
			return domain.Launch{}, nil, fmt.Errorf("launch: %w", err)
		}
	}
	if !found {
		return domain.Launch{}, nil, domain.ErrNotFound
	}
	if l.ApprovalID == "" || l.ApprovalID == derived {
		return l, a, nil
	}
	ap, err := s.GetApproval(ctx, l.ApprovalID)
	if errors.Is(err, domain.ErrNotFound) {
		return l, nil, nil
	}
	if err != nil {
		return l, nil, err
	}
	return l, &ap, nil
}
